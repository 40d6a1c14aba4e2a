"""An energy restricted to a box: hard walls or a sigmoid reparameterization."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor
from torch.nn import functional

from ebmcore import BaseModel, InvalidParameterError, Minima, constraints

from ._base import GAUSSIAN_NAME, build_base, energy_spec

__all__ = ["MODES", "Box"]

MODES = ("hard", "sigmoid")
GAUSSIAN = "ebmcore_analytic._gaussian:Gaussian"

_scalar_or_vector = constraints.Constraint(
    lambda v: constraints.real.check(v) or constraints.real_vector.check(v),
    "a finite real number or a non-empty list of them",
)

_MAX_ROUNDS = 20
_MAX_PROPOSALS = 2**20


class Box(BaseModel):
    r"""A base energy restricted to the box :math:`[l, h] = \prod_i [l_i, h_i]`.

    Two modes give the same constrained density :math:`p(x) \propto e^{-E(x)}
    \mathbf 1[l \le x \le h]`, and so the same log partition function
    :math:`\log Z = \log \int_{[l, h]} e^{-E(x)}\, dx`.

    ``mode="hard"`` (the variable is :math:`x`):

    .. math::

        E_{\text{box}}(x) = \begin{cases} E(x) & l \le x \le h \text{ (closed box)} \\
        +\infty & \text{otherwise,} \end{cases}

    with gradient :math:`\nabla E(x)` inside and **zero outside** (finite, so a sampler's
    state never turns NaN; it is what autograd gives through the selection, so every
    gradient path agrees). A NaN coordinate gives a NaN energy, not :math:`+\infty`.

    ``mode="sigmoid"`` (the variable is an unconstrained :math:`z \in \mathbb R^d`): with
    :math:`x(z) = l + (h - l)\, \sigma(z)`, the energy of the pulled-back density includes
    the log-determinant of the Jacobian,

    .. math::

        E_z(z) = E(x(z)) - \sum_i \log\big((h_i - l_i)\, \sigma(z_i)\, (1 - \sigma(z_i))\big),
        \qquad
        \nabla E_z(z) = \nabla E(x(z)) \odot (h - l)\, \sigma(z) (1 - \sigma(z))
        + \tanh(z / 2),

    so that samples of :math:`e^{-E_z}` mapped through :math:`x(z)` (:meth:`constrain`) are
    samples of the box-constrained density. The log terms are computed with softplus and are
    finite for every finite :math:`z`.

    Ground truth: ``log_partition()`` is exact when the base is a Gaussian with diagonal or
    isotropic covariance (a product of truncated normals); ``sample()`` is exact (rejection
    from the base's exact sampler, mapped to :math:`z` in sigmoid mode; it gives up with
    ``NotImplementedError`` when the box holds too little of the base's mass); in hard mode
    the minima are the base's minimizers that lie in the box (when the base lists all of
    them and some lie inside), and ``bounds`` is the box itself.

    Args:
        base: a registered name, spec dict or model with a 1-D event shape (default a 2-D
            Gaussian); a bare name gets the dimension that ``dim``, ``low`` or ``high`` fixes.
        low: :math:`l`, a scalar or a list (default -1).
        high: :math:`h > l`, a scalar or a list (default 1).
        mode: ``"hard"`` or ``"sigmoid"``.
        dim: dimension given to a base named by a bare name (optional).

    References:
        B. Carpenter et al., "Stan: a probabilistic programming language", Journal of
        Statistical Software 76 (2017); Stan reference manual, "Lower and upper bounded
        scalar" transform.

    Example:
        >>> import torch, ebmcore
        >>> box = ebmcore.create("box", base="gaussian", low=-1.0, high=1.0, dim=2)
        >>> box.energy(torch.tensor([[0.5, 0.0], [2.0, 0.0]]))
        tensor([0.1250,    inf])
        >>> z = ebmcore.create("box", base="gaussian", dim=1, mode="sigmoid")
        >>> z.energy(torch.zeros(1))  # 0 - log(2 * 1/4)
        tensor(0.6931)
    """

    arg_constraints = {
        "base": energy_spec,
        "low": _scalar_or_vector,
        "high": _scalar_or_vector,
        "mode": constraints.one_of(*MODES),
        "dim": constraints.optional(constraints.positive_integer),
    }

    low_: Tensor
    high_: Tensor
    width: Tensor

    def __init__(
        self,
        base: Any = None,
        low: Any = -1.0,
        high: Any = 1.0,
        mode: str = "hard",
        dim: int | None = None,
    ) -> None:
        args = self.check_args(base=base, low=low, high=high, mode=mode, dim=dim)
        sizes = {
            "dim": dim,
            "low": len(args["low"]) if isinstance(args["low"], list) else None,
            "high": len(args["high"]) if isinstance(args["high"], list) else None,
        }
        fixed = constraints.common_size(
            sizes, value=dim, allowed="one dimension for dim, low and high", energy="Box"
        )
        if base is None:
            base, fixed = GAUSSIAN_NAME, (2 if fixed is None else fixed)
        model = build_base(base, fixed, energy="Box")
        d = model.dim if model.event_shape is not None else fixed
        if d is None:
            raise InvalidParameterError(
                "dim",
                dim,
                "an integer >= 1 (or low or high as vectors) for a base that fits any dimension",
                energy="Box",
            )
        super().__init__(d, base=model, low=low, high=high, mode=mode, dim=dim)
        self.base = model
        self.mode = mode
        f64 = torch.float64
        lo = torch.as_tensor(args["low"], dtype=f64).expand(d).clone()
        hi = torch.as_tensor(args["high"], dtype=f64).expand(d).clone()
        if not bool((lo < hi).all()):
            raise InvalidParameterError(
                "high", high, f"greater than low ({args['low']}) in every coordinate", energy="Box"
            )
        self.register_buffer("low_", lo)
        self.register_buffer("high_", hi)
        self.register_buffer("width", hi - lo)
        self.log_volume = float(self.width.log().sum())

    # -- the change of variables ---------------------------------------------------------------

    def constrain(self, z: Tensor) -> Tensor:
        """:math:`x = l + (h - l)\\, \\sigma(z)`: from the sigmoid mode's variable to the box."""
        return self.low_.to(z.dtype) + self.width.to(z.dtype) * torch.sigmoid(z)

    def unconstrain(self, x: Tensor) -> Tensor:
        """:math:`z = \\operatorname{logit}((x - l) / (h - l))`: the inverse of :meth:`constrain`."""
        return torch.logit((x - self.low_.to(x.dtype)) / self.width.to(x.dtype))

    def _outside(self, x: Tensor) -> Tensor:
        # a sample with a NaN coordinate is not "outside": its energy stays the base's NaN
        outside = ((x < self.low_.to(x.dtype)) | (x > self.high_.to(x.dtype))).any(-1)
        return outside & ~x.isnan().any(-1)

    def _log_jacobian(self, z: Tensor) -> Tensor:
        """:math:`\\sum_i \\log((h_i - l_i) \\sigma(z_i)(1 - \\sigma(z_i)))`, via softplus."""
        return self.log_volume - (functional.softplus(z) + functional.softplus(-z)).sum(-1)

    def forward(self, x: Tensor) -> Tensor:
        if self.mode == "sigmoid":
            return self.base(self.constrain(x)) - self._log_jacobian(x)
        energy = self.base(x)
        return torch.where(self._outside(x), torch.full_like(energy, math.inf), energy)

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        graph = torch.is_grad_enabled()
        if self.mode == "sigmoid":
            s = torch.sigmoid(x)
            energy, grad_x = self.base.energy_and_gradient(self.constrain(x), create_graph=graph)
            slope = self.width.to(x.dtype) * s * torch.sigmoid(-x)
            return energy - self._log_jacobian(x), grad_x * slope + torch.tanh(0.5 * x)
        energy, grad = self.base.energy_and_gradient(x, create_graph=graph)
        outside = self._outside(x)
        energy = torch.where(outside, torch.full_like(energy, math.inf), energy)
        return energy, torch.where(outside[..., None], torch.zeros_like(grad), grad)

    # -- ground truth ----------------------------------------------------------------------------

    @property
    def bounds(self) -> Tensor | None:
        """The box itself in hard mode; None in sigmoid mode (its variable is unbounded)."""
        if self.mode == "sigmoid":
            return None
        return torch.stack([self.low_.detach().cpu(), self.high_.detach().cpu()]).double()

    @property
    def minima(self) -> Minima | None:
        """Hard mode: the base's minimizers inside the box, if it lists all and some are inside."""
        if self.mode == "sigmoid":
            return None
        found = self.base.minima
        if found is None or found.count != len(found.points):
            return None
        lo, hi = self.low_.detach().cpu(), self.high_.detach().cpu()
        inside = ((found.points >= lo) & (found.points <= hi)).all(-1)
        if not bool(inside.any()):
            return None
        return Minima(found.points[inside], found.value)

    def log_partition(self) -> float | None:
        r"""Exact for a diagonal Gaussian base: :math:`\log Z_{\text{base}} + \sum_i
        \log(\Phi(\beta_i) - \Phi(\alpha_i))` with standardized limits :math:`\alpha, \beta`."""
        base: Any = self.base
        cls = type(base)
        if f"{cls.__module__}:{cls.__qualname__}" != GAUSSIAN or base.covariance_kind == "full":
            return None
        mean = base.mean.detach().cpu().double()
        std = base.variance.detach().cpu().double().sqrt()
        a = (self.low_.detach().cpu() - mean) / std
        b = (self.high_.detach().cpu() - mean) / std
        upper = a > 0  # both limits in the upper tail: use the mirrored, more accurate form
        a, b = torch.where(upper, -b, a), torch.where(upper, -a, b)
        log_b, log_a = torch.special.log_ndtr(b), torch.special.log_ndtr(a)
        log_mass = log_b + torch.log1p(-torch.exp(log_a - log_b))
        return float(base.log_partition()) + float(log_mass.sum())

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Exact samples by rejection from the base's exact sampler (mapped to ``z`` in sigmoid mode)."""
        lo, hi = self.low_.detach().cpu(), self.high_.detach().cpu()
        kept: list[Tensor] = []
        have, proposed, accepted = 0, 0, 0
        for _ in range(_MAX_ROUNDS):
            rate = max(accepted / proposed, 1e-3) if proposed else 0.5
            size = min(_MAX_PROPOSALS, max(64, math.ceil(1.2 * (n - have) / rate)))
            draws = self.base.sample(size, generator=generator).detach().cpu()
            inside = ((draws >= lo) & (draws <= hi)).all(-1)
            proposed += size
            accepted += int(inside.sum())
            kept.append(draws[inside])
            have += int(inside.sum())
            if have >= n:
                break
        if have < n:
            raise NotImplementedError(
                f"Box.sample: only {accepted} of {proposed} base samples fell in the box; "
                "rejection sampling is impractical here, use an MCMC sampler on the energy"
            )
        x = torch.cat(kept)[:n].double()
        if self.mode == "sigmoid":
            x = torch.logit((x - lo) / (hi - lo))
        return x.to(device=self.device, dtype=self.low_.dtype)  # the model's dtype
