"""An energy evaluated on the unit sphere."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ebmcore import BaseModel, constraints

from ._base import GAUSSIAN_NAME, build_base, energy_spec

__all__ = ["Spherical"]


class Spherical(BaseModel):
    r"""A base energy evaluated at the radial projection onto the unit sphere.

    .. math::

        E_S(x) = E(u), \quad u = \frac{x}{\lVert x \rVert}, \qquad
        \nabla E_S(x) = \frac{(I - u u^\top)\, \nabla E(u)}{\lVert x \rVert} .

    The gradient is tangent to the sphere (:math:`u^\top \nabla E_S = 0`) and on the sphere
    itself it is the Riemannian gradient of :math:`E` restricted to the sphere, which is
    what samplers and optimizers on :math:`S^{d-1}` need. The energy is constant along rays,
    so :math:`e^{-E_S}` is not normalizable on :math:`\mathbb R^d`: there is no
    ``log_partition()``, no ``sample()``, and no finite set of minimizers (they are rays).

    **At** :math:`x = 0` the projection is undefined; by convention the energy and every
    component of the gradient are NaN there (as ``0/0``), on every gradient path. Nothing
    raises.

    With a Gaussian base :math:`E(y) = \frac12 \lVert y - \mu \rVert^2`, on the sphere
    :math:`E(u) = \frac12(1 + \lVert\mu\rVert^2) - \mu^\top u`: the von Mises-Fisher
    distribution with mean direction :math:`\mu / \lVert\mu\rVert` and concentration
    :math:`\kappa = \lVert\mu\rVert`. That is the default: :math:`\mu = (0, \dots, 0, 2)` in
    ``dim`` dimensions (2 by default, the catalog's default: the von Mises distribution on the
    circle; ``dim=3`` gives the Fisher distribution on :math:`S^2`).

    Args:
        base: a registered name, spec dict or model with a 1-D event shape (default the
            Gaussian with mean :math:`(0, \dots, 0, 2)`).
        dim: dimension given to a base named by a bare name (optional).

    References:
        K. V. Mardia and P. E. Jupp, *Directional Statistics*, Wiley 2000, section 9.3.

    Example:
        >>> import torch, ebmcore
        >>> model = ebmcore.create("spherical", dim=3)
        >>> model.energy(torch.tensor([[0.0, 0.0, 5.0], [0.0, 3.0, 0.0]]))  # 1/2 |u - mu|^2
        tensor([0.5000, 2.5000])
        >>> model.gradient(torch.tensor([0.0, 0.0, 5.0]))  # radial: zero tangent part
        tensor([0., 0., 0.])
    """

    arg_constraints = {
        "base": energy_spec,
        "dim": constraints.optional(constraints.positive_integer),
    }

    domain = (-1.5, 1.5)  # the box around the unit sphere (no bounds where d is not fixed)

    def __init__(self, base: Any = None, dim: int | None = None) -> None:
        self.check_args(base=base, dim=dim)
        if base is None:
            d = 2 if dim is None else dim
            base = {"name": GAUSSIAN_NAME, "mean": [0.0] * (d - 1) + [2.0]}
        model = build_base(base, dim, energy="Spherical")
        # a base that fits any dimension: this energy does too, unless dim fixes one
        super().__init__(model.dim if model.event_shape is not None else dim, base=model, dim=dim)
        self.base = model

    @staticmethod
    def radius(x: Tensor) -> Tensor:
        """:math:`\\lVert x \\rVert` over the last axis (kept), computed as
        :math:`m \\lVert x / m \\rVert` with :math:`m = \\max_i |x_i|`, so that it is 0 only at the
        origin: the plain sum of squares underflows for tiny x (float32: ``(0, 1e-23)``)."""
        scale = x.abs().amax(-1, keepdim=True)
        return scale * torch.linalg.vector_norm(x / torch.where(scale > 0, scale, 1.0), dim=-1, keepdim=True)

    @classmethod
    def project(cls, x: Tensor) -> Tensor:
        """The radial projection :math:`x / \\lVert x \\rVert` (NaN at 0)."""
        return x / cls.radius(x)

    def forward(self, x: Tensor) -> Tensor:
        return self.base(self.project(x))

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        radius = self.radius(x)
        u = x / radius
        energy, grad_u = self.base.energy_and_gradient(u, create_graph=torch.is_grad_enabled())
        tangent = grad_u - (grad_u * u).sum(-1, keepdim=True) * u
        return energy, tangent / radius
