"""An energy composed with an invertible affine map."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from ebmcore import BaseModel, InvalidParameterError, Minima, constraints

from ._components import (
    GAUSSIAN,
    GAUSSIAN_NAME,
    build_components,
    class_key,
    closed_form,
    energy_spec,
    gaussian_quadratic,
)

__all__ = ["Transformed"]

_scalar_or_vector = constraints.Constraint(
    lambda v: constraints.real.check(v) or constraints.real_vector.check(v),
    "a finite real number or a non-empty list of them",
)


def _length(value: Any) -> int | None:
    return len(value) if isinstance(value, list) else None


class Transformed(BaseModel):
    r"""A base energy composed with an invertible affine map :math:`y = A x + b`.

    .. math::

        E_X(x) = E_Y(A x + b), \qquad \nabla E_X(x) = A^\top \nabla E_Y(A x + b),

    where :math:`A` is the identity times a scalar ``scale``, a diagonal (``scale`` a list) or
    a full invertible ``matrix``, and :math:`b` is ``shift`` (a scalar or a list).

    **Density convention.** The normalized density is the pushforward of the base density
    under the inverse map: if :math:`Y \sim p_Y` then :math:`X = A^{-1}(Y - b)` has

    .. math::

        p_X(x) = p_Y(A x + b)\, |\det A| = \frac{e^{-E_X(x)}}{Z_X}, \qquad
        \log Z_X = \log Z_Y - \log |\det A| .

    The Jacobian factor :math:`|\det A|` is a constant, so it is kept out of the energy
    (energies, gradients and minimum values are exactly those of the base at :math:`A x + b`)
    and enters only the log partition function. Accordingly ``sample()`` maps exact base
    samples through :math:`x = A^{-1}(y - b)`, the minimizers are :math:`A^{-1}(y^* - b)` with
    the base's minimum value, and ``bounds`` is the smallest box holding the preimage of the
    base's bounds.

    Args:
        base: a registered name, spec dict or model with a 1-D event shape (default a 2-D
            Gaussian); a bare name gets the dimension that ``dim``, ``shift``, ``scale`` or
            ``matrix`` fixes.
        shift: :math:`b`, a scalar or a list (default 0).
        scale: a nonzero scalar or a list of nonzero numbers (diagonal :math:`A`); default 1.
        matrix: a full square invertible :math:`A` (exclusive with ``scale``).
        dim: dimension given to a base named by a bare name (optional).

    References:
        G. Papamakarios et al., "Normalizing flows for probabilistic modeling and inference",
        JMLR 22 (2021), section 2.1 (change of variables).

    Example:
        >>> import torch, ebmcore
        >>> model = ebmcore.create("transformed", base="gaussian", scale=[2.0, 0.5], shift=[1.0, 0.0])
        >>> model.energy(torch.tensor([-0.5, 0.0]))  # y = (2 * -0.5 + 1, 0) = 0
        tensor(0.)
        >>> round(model.log_partition() - model.base.log_partition(), 6)  # -log|det A| = -log 1
        0.0
    """

    arg_constraints = {
        "base": energy_spec,
        "shift": constraints.optional(_scalar_or_vector),
        "scale": constraints.optional(_scalar_or_vector),
        "matrix": constraints.optional(constraints.real_matrix),
        "dim": constraints.optional(constraints.positive_integer),
    }

    linear: Tensor
    linear_inverse: Tensor
    offset: Tensor

    def __init__(
        self,
        base: Any = None,
        shift: Any = None,
        scale: Any = None,
        matrix: Any = None,
        dim: int | None = None,
    ) -> None:
        args = self.check_args(base=base, shift=shift, scale=scale, matrix=matrix, dim=dim)
        if scale is not None and matrix is not None:
            raise InvalidParameterError(
                "matrix",
                matrix,
                "None when scale is given (give one of scale and matrix)",
                energy="Transformed",
            )
        sizes = {
            "dim": dim,
            "shift": _length(args["shift"]),
            "scale": _length(args["scale"]),
            "matrix": None if matrix is None else len(args["matrix"]),
        }
        if args["matrix"] is not None and len(args["matrix"]) != len(args["matrix"][0]):
            raise InvalidParameterError("matrix", matrix, "a square invertible matrix", energy="Transformed")
        fixed = constraints.common_size(
            sizes, value=dim, allowed="one dimension for dim, shift, scale and matrix", energy="Transformed"
        )
        if base is None:
            base, fixed = GAUSSIAN_NAME, (2 if fixed is None else fixed)
        (model,) = build_components([base], fixed, energy="Transformed", parameter="base")
        if model.event_shape is None and fixed is None:
            raise InvalidParameterError(
                "base",
                base,
                "an energy of fixed dimension, or give dim (or shift, scale or matrix as vectors) "
                "for a base that fits any dimension",
                energy="Transformed",
            )
        if model.event_shape is not None and len(model.event_shape) != 1:
            raise InvalidParameterError(
                "base",
                base,
                f"an energy with a 1-D event shape, not {model.event_shape}",
                energy="Transformed",
            )
        d: int = model.dim if model.event_shape is not None else fixed
        super().__init__(d, base=model, shift=shift, scale=scale, matrix=matrix, dim=dim)
        self.base = model
        f64 = torch.float64
        if args["matrix"] is not None:
            linear = torch.tensor(args["matrix"], dtype=f64)
            sign, log_abs_det = torch.linalg.slogdet(linear)
            if sign == 0 or not math.isfinite(log_abs_det.item()):
                raise InvalidParameterError("matrix", matrix, "an invertible matrix", energy="Transformed")
            self.diagonal = False
            inverse = torch.linalg.inv(linear)
            self.log_abs_det = log_abs_det.item()
        else:
            raw = 1.0 if args["scale"] is None else args["scale"]
            linear = torch.as_tensor(raw, dtype=f64).expand(d).clone()
            if bool((linear == 0).any()):
                raise InvalidParameterError(
                    "scale", scale, "nonzero (the map must be invertible)", energy="Transformed"
                )
            self.diagonal = True
            inverse = 1.0 / linear
            self.log_abs_det = linear.abs().log().sum().item()
        raw_shift = 0.0 if args["shift"] is None else args["shift"]
        self.register_buffer("linear", linear)
        self.register_buffer("linear_inverse", inverse)
        self.register_buffer("offset", torch.as_tensor(raw_shift, dtype=f64).expand(d).clone())

    def forward_map(self, x: Tensor) -> Tensor:
        """:math:`y = A x + b`."""
        linear = self.linear.to(x.dtype)
        y = x * linear if self.diagonal else x @ linear.T
        return y + self.offset.to(x.dtype)

    def inverse_map(self, y: Tensor) -> Tensor:
        """:math:`x = A^{-1} (y - b)`."""
        inverse = self.linear_inverse.to(y.dtype)
        centred = y - self.offset.to(y.dtype)
        return centred * inverse if self.diagonal else centred @ inverse.T

    def forward(self, x: Tensor) -> Tensor:
        return self.base(self.forward_map(x))

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        energy, grad_y = self.base.energy_and_gradient(
            self.forward_map(x), create_graph=torch.is_grad_enabled()
        )
        linear = self.linear.to(x.dtype)
        return energy, (grad_y * linear if self.diagonal else grad_y @ linear)

    # -- ground truth ----------------------------------------------------------------------------

    def closed_form(self) -> tuple[BaseModel, float] | None:
        r"""For a Gaussian base (up to a constant): the Gaussian with precision
        :math:`A^\top P A` and mean :math:`A^{-1}(\mu - b)`, same constant; otherwise None."""
        form = closed_form(self.base)
        if form is None or class_key(form[0]) != GAUSSIAN:
            return None
        mean, precision, diagonal = gaussian_quadratic(form[0])
        linear = self.linear.detach().cpu()
        new_mean = self.inverse_map_cpu(mean)
        if diagonal and self.diagonal:  # O(d): diag(a) diag(p) diag(a)
            cov: Any = (1.0 / (linear * precision * linear)).tolist()
        else:
            matrix = torch.diag(linear) if self.diagonal else linear
            new_precision = matrix.T @ (torch.diag(precision) if diagonal else precision) @ matrix
            full = torch.linalg.inv(new_precision)
            cov = (0.5 * (full + full.T)).tolist()
        gaussian: Any = type(form[0])
        return gaussian(mean=new_mean.tolist(), cov=cov), form[1]

    @property
    def bounds(self) -> Tensor | None:
        """The smallest box holding the preimage :math:`A^{-1}(B - b)` of the base's box ``B``."""
        box = self.base.bounds
        if box is None:
            return None
        inverse = self.linear_inverse.detach().cpu().double()  # whatever the model's dtype
        matrix = torch.diag(inverse) if self.diagonal else inverse
        centre = self.inverse_map_cpu(box.mean(0))
        half = matrix.abs() @ (0.5 * (box[1] - box[0]))
        return torch.stack([centre - half, centre + half])

    def inverse_map_cpu(self, y: Tensor) -> Tensor:
        """:meth:`inverse_map` in float64 on the CPU (for ground truth)."""
        inverse = self.linear_inverse.detach().cpu().double()
        centred = y.double() - self.offset.detach().cpu().double()
        return centred * inverse if self.diagonal else centred @ inverse.T

    @property
    def minima(self) -> Minima | None:
        found = self.base.minima
        if found is None:
            return None
        return Minima(self.inverse_map_cpu(found.points), found.value, found.count)

    def log_partition(self) -> float | None:
        inner = self.base.log_partition()
        return None if inner is None else inner - self.log_abs_det

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Exact samples :math:`A^{-1}(y - b)` of exact base samples :math:`y`."""
        y = self.base.sample(n, generator=generator)
        return self.inverse_map(y.to(self.linear.device)).to(self.dtype)
