"""The multivariate normal energy."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from ebmcore import BaseModel, InvalidParameterError, Minima, constraints

__all__ = ["Gaussian"]


class Gaussian(BaseModel):
    r"""Multivariate normal :math:`\mathcal N(\mu, \Sigma)` as an energy.

    .. math::

        E(x) = \tfrac12 (x-\mu)^\top \Sigma^{-1} (x-\mu), \qquad
        \log Z = \tfrac d2 \log 2\pi + \tfrac12 \log\det\Sigma .

    ``exp(-E)/Z`` is exactly the normal density, so ``log_partition()`` and ``sample()`` are
    exact. The covariance may be omitted (identity), a scalar (isotropic variance), a list
    of variances (diagonal) or a full symmetric positive definite matrix, which is factored
    once by Cholesky; the precision is formed from that factor (``cholesky_inverse``), never
    by a general inverse, so energy and gradient cost one matrix product.

    Args:
        dim: dimension; may be omitted when ``mean`` or ``cov`` fixes it.
        mean: the mean :math:`\mu` (default zero).
        cov: ``None``, a positive scalar, a list of positive variances or an SPD matrix.

    References:
        Bishop, *Pattern Recognition and Machine Learning*, Springer 2006, section 2.3.

    Example:
        >>> import torch, ebmcore
        >>> g = ebmcore.create("gaussian", mean=[1.0, 0.0], cov=[[2.0, 0.5], [0.5, 1.0]])
        >>> g.energy(torch.tensor([1.0, 0.0]))
        tensor(0.)
        >>> round(g.log_partition(), 6)
        2.117685
    """

    arg_constraints = {
        "dim": constraints.optional(constraints.positive_integer),
        "mean": constraints.optional(constraints.real_vector),
        "cov": constraints.any_value,
    }

    mean: Tensor
    scale_tril: Tensor
    variance: Tensor
    precision: Tensor
    precision_diag: Tensor

    def __init__(self, dim: int | None = None, mean: Any = None, cov: Any = None) -> None:
        args = self.check_args(dim=dim, mean=mean, cov=cov)
        mean_v: list[float] | None = args["mean"]
        cov_v: Any = args["cov"]
        kind, size = _covariance_kind(cov_v)
        sizes = {"dim": dim, "mean": None if mean_v is None else len(mean_v), "cov": size}
        known = {k: v for k, v in sizes.items() if v is not None}
        if len(set(known.values())) > 1:
            detail = ", ".join(f"{k} gives {v}" for k, v in known.items())
            raise InvalidParameterError(
                "dim", dim, f"consistent with mean and cov ({detail})", energy="Gaussian"
            )
        d = next(iter(known.values()), 1)
        super().__init__(d, dim=d, mean=mean, cov=cov)
        f64 = torch.float64
        mu = torch.zeros(d, dtype=f64) if mean_v is None else torch.tensor(mean_v, dtype=f64)
        self.covariance_kind = kind
        if kind == "isotropic":
            variance = torch.full((d,), 1.0 if cov_v is None else float(cov_v), dtype=f64)
            tril = torch.diag(variance.sqrt())
        elif kind == "diagonal":
            variance = torch.tensor(cov_v, dtype=f64)
            tril = torch.diag(variance.sqrt())
        else:
            matrix = torch.tensor(cov_v, dtype=f64)
            if not torch.equal(matrix, matrix.T):
                raise InvalidParameterError(
                    "cov",
                    cov,
                    "a symmetric positive definite matrix (it is not symmetric)",
                    energy="Gaussian",
                )
            tril, info = torch.linalg.cholesky_ex(matrix)
            if int(info) != 0:
                raise InvalidParameterError(
                    "cov",
                    cov,
                    "a symmetric positive definite matrix (it is not positive definite)",
                    energy="Gaussian",
                )
            variance = matrix.diagonal().clone()
        self.register_buffer("mean", mu)
        self.register_buffer("scale_tril", tril)
        self.register_buffer("variance", variance)  # diagonal of the covariance
        if kind == "full":
            self.register_buffer("precision", torch.cholesky_inverse(tril))
        else:
            self.register_buffer("precision_diag", 1.0 / variance)

    def _gradient_from_centered(self, centered: Tensor) -> Tensor:
        if self.covariance_kind == "full":
            return centered @ self.precision.to(centered.dtype)
        return centered * self.precision_diag.to(centered.dtype)

    def forward(self, x: Tensor) -> Tensor:
        return self.analytic_energy_and_gradient(x)[0]

    def analytic_gradient(self, x: Tensor) -> Tensor:
        return self._gradient_from_centered(x - self.mean.to(x.dtype))

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        centered = x - self.mean.to(x.dtype)
        grad = self._gradient_from_centered(centered)
        return 0.5 * (centered * grad).sum(-1), grad

    @property
    def bounds(self) -> Tensor:
        """``mean ± 5`` standard deviations per coordinate."""
        spread = 5.0 * self.variance.detach().cpu().sqrt()
        mean = self.mean.detach().cpu().double()
        return torch.stack([mean - spread, mean + spread])

    @property
    def minima(self) -> Minima:
        return Minima(self.mean.detach().cpu().reshape(1, -1), 0.0)

    def log_partition(self) -> float:
        log_det = 2.0 * self.scale_tril.diagonal().log().sum().item()
        return 0.5 * self.dim * math.log(2.0 * math.pi) + 0.5 * log_det

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        noise = torch.randn(n, self.dim, generator=generator, dtype=self.mean.dtype, device=self.mean.device)
        return self.mean + noise @ self.scale_tril.T


def _covariance_kind(cov: Any) -> tuple[str, int | None]:
    """Classify a normalized covariance argument; raise naming ``cov`` if it is none of them."""
    if cov is None:
        return "isotropic", None
    if constraints.positive.check(cov):
        return "isotropic", None
    if constraints.positive_vector.check(cov):
        return "diagonal", len(cov)
    if constraints.real_matrix.check(cov) and len(cov) == len(cov[0]):
        return "full", len(cov)
    raise InvalidParameterError(
        "cov",
        cov,
        "None, a positive variance, a list of positive variances or a symmetric positive definite matrix",
        energy="Gaussian",
    )
