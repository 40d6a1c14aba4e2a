"""The model under a conformance check, and how a check fails or skips.

:class:`Context` holds the model and the options of a run and makes the test points; a check
raises :class:`CheckFailed` or :class:`CheckSkipped`. Both the checks (:mod:`._checks`) and the
numerics they use (:mod:`._numerics`) build on this module.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from .._errors import InvalidParameterError
from .._model import BaseModel

__all__ = ["F64", "SEED", "CheckFailed", "CheckSkipped", "Context", "finite_bounds", "float64_capable"]

F64 = torch.float64
SEED = 20240607
"""The seed of every draw the checks make (points, directions, references), offset per use."""


class CheckFailed(Exception):
    """Raised inside a check to fail it with a message."""


class CheckSkipped(Exception):
    """Raised inside a check to skip it with a reason."""


class Context:
    """The model under test and the options of the run.

    ``event_shape`` is the shape the checks draw samples of: the model's own, or, for a model
    that fixed none (``super().__init__()``), the one the caller names. The checks compare in
    float64; a model whose parameters are of another dtype and that cannot take float64 input
    (``nn.Linear`` layers in float32) is checked through a float64 copy of itself
    (:attr:`model`), while :func:`check_dtype` keeps judging the model as given (:attr:`given`).
    """

    def __init__(
        self,
        model: BaseModel,
        *,
        dtypes: Sequence[torch.dtype] = (torch.float32, F64),
        devices: Sequence[str | torch.device] | None = None,
        event_shape: tuple[int, ...] | None = None,
    ) -> None:
        self.given = model
        self.model = model
        self.dtypes = tuple(dtypes)
        if devices is None:
            devices = ["cpu", *(["cuda"] if torch.cuda.is_available() else [])]
        self.devices = tuple(torch.device(d) for d in devices)
        self.device = model.device
        self._cache: dict[str, Any] = {}
        if model.event_shape is not None:
            event_shape = tuple(model.event_shape)
        if event_shape is None:
            raise InvalidParameterError(
                "dims",
                None,
                f"the dimensions to check {type(model).__name__} at: it fixed no event shape "
                "(super().__init__() without one)",
            )
        self.event_shape: tuple[int, ...] = event_shape
        self.dim = math.prod(event_shape)
        self.model = float64_capable(model, self.points(2))

    def bounds(self) -> Tensor | None:
        """``(2, dim)`` finite float64 bounds, or None."""
        if "bounds" not in self._cache:
            self._cache["bounds"] = finite_bounds(self.model)
        return self._cache["bounds"]

    def points(self, n: int, *, dtype: torch.dtype = F64, seed: int = SEED, shrink: float = 0.8) -> Tensor:
        """``(n, *event_shape)`` test points: uniform in the shrunk bounds, else standard normal."""
        generator = torch.Generator().manual_seed(seed)
        bounds = self.bounds()
        if bounds is not None:
            center = 0.5 * (bounds[0] + bounds[1])
            half = 0.5 * (bounds[1] - bounds[0]) * shrink
            u = 2.0 * torch.rand(n, self.dim, generator=generator, dtype=F64) - 1.0
            x = center + half * u
        else:
            x = torch.randn(n, self.dim, generator=generator, dtype=F64)
        return x.reshape(n, *self.event_shape).to(dtype=dtype, device=self.device)

    def flat(self, x: Tensor) -> Tensor:
        """``(*batch, *event_shape)`` -> ``(*batch, dim)``."""
        return x.reshape(*x.shape[: x.dim() - len(self.event_shape)], self.dim)

    def unflat(self, x: Tensor) -> Tensor:
        """``(*batch, dim)`` -> ``(*batch, *event_shape)``."""
        return x.reshape(*x.shape[:-1], *self.event_shape)

    def energies(self, flat_points: Tensor, chunk: int = 1 << 18) -> Tensor:
        """Float64 CPU energies of ``(N, dim)`` points, in chunks, without a graph."""
        out = []
        with torch.no_grad():
            for start in range(0, len(flat_points), chunk):
                part = flat_points[start : start + chunk].to(self.device)
                out.append(self.model.energy(self.unflat(part)).to(device="cpu", dtype=F64))
        return torch.cat(out) if out else torch.empty(0, dtype=F64)


def float64_capable(model: BaseModel, x: Tensor) -> BaseModel:
    """``model``, or a float64 copy of it if it has tensors of one other dtype and rejects ``x``."""
    tensors = itertools.chain(model.parameters(), model.buffers())
    dtypes = {t.dtype for t in tensors if t.is_floating_point()}
    if not dtypes or F64 in dtypes:
        return model
    try:
        model.energy(x)
    except RuntimeError:  # a dtype clash inside forward (mat1 and mat2 must have the same dtype)
        return copy.deepcopy(model).double()
    return model


def finite_bounds(model: BaseModel) -> Tensor | None:
    """The model's bounds as ``(2, dim)`` float64 on the CPU, or None unless finite and ordered."""
    bounds = model.bounds
    if bounds is None:
        return None
    bounds = torch.as_tensor(bounds, dtype=F64).detach().cpu().reshape(2, -1)
    if bounds.shape[1] != model.dim or not bool(torch.isfinite(bounds).all()):
        return None
    if not bool((bounds[1] > bounds[0]).all()):
        return None
    return bounds
