"""Glue for tools that work on numpy float64 arrays: scipy.optimize, emcee and the like."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
import torch
from torch import Tensor

from ._dispatch import energy as _energy
from ._dispatch import energy_and_gradient as _energy_and_gradient
from ._errors import InvalidInputError, InvalidParameterError
from ._model import BaseModel

__all__ = ["NumpyFunctions", "numpy_functions", "scipy_bounds"]


class NumpyFunctions(NamedTuple):
    """An energy as functions of numpy arrays (see :func:`numpy_functions`).

    Attributes:
        energy: ``x`` of shape ``(dim,)`` to a float, ``(n, dim)`` to an ``(n,)`` array.
        gradient: ``dE/dx``, an array of the shape of ``x``.
        energy_and_gradient: both from one pass, ``(float, (dim,) array)`` for one point:
            what ``scipy.optimize.minimize(fun, x0, jac=True)`` calls.
        log_prob: ``-energy``: the unnormalized log density a sampler such as emcee asks for
            (vectorized: ``(n, dim)`` in, ``(n,)`` out).
    """

    energy: Any
    gradient: Any
    energy_and_gradient: Any
    log_prob: Any


def numpy_functions(
    model: BaseModel, *, dtype: torch.dtype = torch.float64, device: torch.device | str | None = None
) -> NumpyFunctions:
    r"""The energy, gradient and log density of ``model`` as functions of numpy arrays.

    Each function takes an array of flat points, ``(dim,)`` or ``(n, dim)`` (an energy whose
    event shape has several axes, such as ``(13, 3)`` particles, takes them flattened, as
    scipy and emcee hand them), converts it to a tensor of ``dtype`` on ``device`` (default:
    the model's device), and returns numpy float64 results: a float for one point, an array
    for a batch. Gradients follow the dispatch of :func:`ebmcore.energy_and_gradient`.

    Args:
        model: the energy.
        dtype: the floating-point dtype the energy is computed in.
        device: where it is computed (default: the model's device).

    Returns:
        :class:`NumpyFunctions` with ``energy``, ``gradient``, ``energy_and_gradient`` and
        ``log_prob``.

    Example:
        >>> import numpy as np, ebmcore
        >>> from scipy.optimize import minimize
        >>> model = ebmcore.create("rosenbrock", dim=3)
        >>> f = ebmcore.numpy_functions(model)
        >>> f.energy(np.zeros(3)), f.gradient(np.zeros(3))
        (2.0, array([-2., -2.,  0.]))
        >>> result = minimize(f.energy_and_gradient, np.zeros(3), jac=True, method="L-BFGS-B")
        >>> np.round(result.x, 4)
        array([1., 1., 1.])
    """
    if not isinstance(model, BaseModel):
        raise InvalidParameterError("model", model, "an ebmcore.BaseModel", energy="numpy_functions")
    if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise InvalidParameterError("dtype", dtype, "a floating-point torch.dtype", energy="numpy_functions")
    place = torch.device(device) if device is not None else None

    def to_tensor(x: Any) -> tuple[Tensor, bool]:
        """``x`` as a ``(*batch, *event_shape)`` tensor, and whether it was one point."""
        array = np.asarray(x)
        if array.dtype.kind not in "fiu" or array.ndim not in (1, 2):
            raise InvalidInputError(
                f"{type(model).__name__}: numpy_functions expects a real array of shape (dim,) or "
                f"(n, dim), got dtype {array.dtype} and shape {array.shape}"
            )
        single = array.ndim == 1
        tensor = torch.as_tensor(array, dtype=dtype, device=place or model.device)
        if model.event_shape is not None and len(model.event_shape) != 1:
            size = math.prod(model.event_shape)
            if tensor.shape[-1] != size:
                raise InvalidInputError(
                    f"{type(model).__name__}: numpy_functions expects points of {size} coordinates "
                    f"(event shape {tuple(model.event_shape)}, flattened), got shape {array.shape}"
                )
            tensor = tensor.reshape(*tensor.shape[:-1], *model.event_shape)
        return tensor, single

    def as_array(values: Tensor) -> Any:
        return values.detach().to(device="cpu", dtype=torch.float64).numpy()

    def energy(x: Any) -> Any:
        tensor, single = to_tensor(x)
        with torch.no_grad():
            values = as_array(_energy(model, tensor))
        return float(values) if single else values

    def energy_and_gradient(x: Any) -> tuple[Any, Any]:
        tensor, single = to_tensor(x)
        e, g = _energy_and_gradient(model, tensor)
        grad = as_array(g).reshape(np.shape(x))  # flat, as the points came
        return (float(as_array(e)) if single else as_array(e)), grad

    def gradient(x: Any) -> Any:
        return energy_and_gradient(x)[1]

    def log_prob(x: Any) -> Any:
        return -energy(x)

    return NumpyFunctions(energy, gradient, energy_and_gradient, log_prob)


def scipy_bounds(model: BaseModel) -> list[tuple[float, float]]:
    """``model.bounds`` as the ``[(low, high), ...]`` pairs scipy's optimizers take.

    ``model.bounds`` is a ``(2, dim)`` tensor (lower row, upper row); scipy reads a sequence as
    one ``(low, high)`` pair per coordinate, so handing it the tensor itself is wrong (and in 2-D
    silently so). Coordinates are flattened as :func:`numpy_functions` flattens points.

    Raises:
        InvalidParameterError: the model declares no bounds.

    Example:
        >>> import ebmcore
        >>> ebmcore.scipy_bounds(ebmcore.create("himmelblau"))
        [(-5.0, 5.0), (-5.0, 5.0)]
    """
    bounds = model.bounds
    if bounds is None:
        raise InvalidParameterError(
            "model", type(model).__name__, "an energy that declares bounds", energy="scipy_bounds"
        )
    box = torch.as_tensor(bounds, dtype=torch.float64).detach().cpu().reshape(2, -1)
    return [(float(low), float(high)) for low, high in zip(box[0].tolist(), box[1].tolist(), strict=True)]
