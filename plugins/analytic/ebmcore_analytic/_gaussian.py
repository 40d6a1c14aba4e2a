"""The multivariate normal energy."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ebmcore import BaseModel, InvalidParameterError, Minima, Modes, constraints
from ebmcore.plugin import tracing

from ._fast import buffer_as, cached, rowsum
from ._memory import allocating, filled, float64_bytes
from ._separable import SeparableEnergy, separable_kernel

__all__ = ["Gaussian", "GaussianFromSamples", "Harmonic"]

SYMMETRY_TOLERANCE = 1e-5
r"""How far from symmetric a full covariance may be, relative to its largest entry: the float32
rounding of ``A @ A.T`` or ``torch.cov`` (about 1e-7 relative) passes, a wrong matrix does not.
An accepted matrix is symmetrized, :math:`(\Sigma + \Sigma^\top) / 2`, as
``torch.distributions.MultivariateNormal`` accepts such matrices too."""


def _differentiated(tensor: Tensor) -> bool:
    """Whether a graph in ``tensor`` is being recorded (a shortcut by its value would drop it)."""
    return tensor.requires_grad and torch.is_grad_enabled()


class Gaussian(BaseModel):
    r"""Multivariate normal :math:`\mathcal N(\mu, \Sigma)` as an energy.

    .. math::

        E(x) = \tfrac12 (x-\mu)^\top \Sigma^{-1} (x-\mu), \qquad
        \log Z = \tfrac d2 \log 2\pi + \tfrac12 \log\det\Sigma .

    ``exp(-E)/Z`` is exactly the normal density, so ``log_partition()`` and ``sample()`` are
    exact. The covariance may be omitted (identity), a scalar (isotropic variance), a list
    of variances (diagonal) or a full symmetric positive definite matrix, which is factored
    once by Cholesky; the precision is formed from that factor (``cholesky_inverse``), never
    by a general inverse, so energy and gradient cost one matrix product. An isotropic or
    diagonal covariance keeps only ``O(d)`` state (the mean, the variances and their
    inverses); :attr:`covariance` and :attr:`scale_tril` build the ``(d, d)`` matrix on request.
    A size whose buffers cannot fit in memory raises :class:`ebmcore.InvalidParameterError`
    naming ``dim`` (or ``cov``) and the memory it would need.

    Args:
        dim: dimension; may be omitted when ``mean`` or ``cov`` fixes it, else 2 (the
            catalog's default dimension).
        mean: the mean :math:`\mu` (default zero).
        cov: ``None``, a positive scalar, a list of positive variances or an SPD matrix
            (symmetric up to rounding: see :data:`SYMMETRY_TOLERANCE`).

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

    compiled_kernels = ("cuda",)  # a fused torch.compile kernel for CUDA inputs

    arg_constraints = {
        "dim": constraints.optional(constraints.positive_integer),
        "mean": constraints.optional(constraints.real_vector),
        "cov": constraints.any_value,
    }

    loc: Tensor
    variance: Tensor
    precision: Tensor
    precision_diag: Tensor

    def __init__(self, dim: int | None = None, mean: Any = None, cov: Any = None) -> None:
        args = self.check_args(dim=dim, mean=mean, cov=cov)
        mean_v: list[float] | None = args["mean"]
        cov_v: Any = args["cov"]
        kind, given = _covariance_kind(cov_v)
        size = None if given is None else len(given)
        sizes = {"dim": dim, "mean": None if mean_v is None else len(mean_v), "cov": size}
        fixed = constraints.common_size(
            sizes, value=dim, allowed="consistent with mean and cov", energy="Gaussian"
        )
        d = 2 if fixed is None else fixed
        # loc, variance and precision (d each), and for a full covariance the matrix, its factor,
        # the precision and one temporary (d * d each)
        needed = float64_bytes(3, d) + (float64_bytes(4, d, d) if kind == "full" else 0)
        parameter, value = ("cov", cov) if kind == "full" else ("dim", d)
        what = "float64 buffers" if kind != "full" else "float64 (d, d) covariance, factor and precision"
        with allocating(needed, what, parameter=parameter, value=value, energy="Gaussian"):
            super().__init__(d, dim=d, mean=mean, cov=cov)
            f64 = torch.float64
            mu = torch.zeros(d, dtype=f64) if mean_v is None else torch.tensor(mean_v, dtype=f64)
            if kind == "isotropic":
                variance = 1.0 if cov_v is None else float(cov_v)
                self._set_moments(mu, torch.full((d,), variance, dtype=f64), kind)
            else:
                assert given is not None
                self._set_moments(mu, given, kind, argument=("cov", cov))

    def _set_moments(
        self,
        mu: Tensor,
        cov: Tensor,
        kind: str,
        argument: tuple[str, Any] = ("cov", None),
        allowed: str = "a symmetric positive definite matrix",
    ) -> None:
        """Factor the covariance (a ``(d,)`` diagonal or a ``(d, d)`` matrix) and register the buffers:
        ``loc``, ``variance`` and ``precision_diag`` (``O(d)``) for a diagonal, ``loc``,
        ``scale_tril``, ``variance`` and ``precision`` for a full covariance.

        ``argument`` (name and value) is the constructor argument blamed, and ``allowed`` says
        what it must be, if the matrix is not symmetric positive definite.
        """
        self.covariance_kind = kind
        if kind == "full":
            asymmetry = float((cov - cov.T).abs().max())
            if not asymmetry <= SYMMETRY_TOLERANCE * float(cov.abs().max()):
                raise InvalidParameterError(
                    argument[0],
                    argument[1],
                    f"{allowed} (it is not symmetric: entries differ from their transposes by up "
                    f"to {asymmetry:.3g}, more than {SYMMETRY_TOLERANCE:g} of its largest entry)",
                    energy=type(self).__name__,
                )
            cov = 0.5 * (cov + cov.T)
            tril, info = torch.linalg.cholesky_ex(cov)
            if int(info) != 0:
                raise InvalidParameterError(
                    argument[0],
                    argument[1],
                    f"{allowed} (it is not positive definite)",
                    energy=type(self).__name__,
                )
            self.register_buffer("loc", mu)
            self.register_buffer("scale_tril", tril)
            self.register_buffer("variance", cov.diagonal().clone())  # diagonal of the covariance
            # row-major (cholesky_inverse returns a column-major matrix): the CPU kernel reads it so
            self.register_buffer("precision", torch.cholesky_inverse(tril).contiguous())
        else:
            self.register_buffer("loc", mu)
            self.register_buffer("variance", cov)
            self.register_buffer("precision_diag", 1.0 / cov)

    @classmethod
    def from_samples(cls, samples: Any, regularization: float = 1e-4) -> GaussianFromSamples:
        """Fit a Gaussian to ``samples``: a :class:`GaussianFromSamples`."""
        return GaussianFromSamples(samples, regularization)

    @property
    def scale_tril(self) -> Tensor:
        r"""The lower Cholesky factor :math:`L` of the covariance, :math:`\Sigma = L L^\top`.

        A buffer for a full covariance; for an isotropic or diagonal one (which keep ``O(d)``
        state) :math:`\operatorname{diag}(\sqrt{\Sigma_{ii}})`, built on request.
        """
        tril = self._buffers.get("scale_tril")
        if tril is not None:
            return tril
        variance = self._buffers.get("variance")
        if variance is None or self.covariance_kind == "full":  # not built yet
            raise AttributeError("scale_tril")
        return self._diagonal_matrix(variance.sqrt(), "scale_tril")

    @property
    def covariance(self) -> Tensor:
        """The covariance matrix (``scale_tril @ scale_tril.T``), float64; for an isotropic or
        diagonal covariance built on request from the variances."""
        if self.covariance_kind == "full":
            return self.scale_tril @ self.scale_tril.T
        return self._diagonal_matrix(self.variance, "covariance")

    def _diagonal_matrix(self, diagonal: Tensor, what: str) -> Tensor:
        d = diagonal.shape[-1]
        what = f"(d, d) float64 {what}"
        with allocating(float64_bytes(d, d), what, parameter="dim", value=d, energy=type(self).__name__):
            return torch.diag(diagonal)

    def _gradient_from_centered(self, centered: Tensor) -> Tensor:
        if self.covariance_kind == "full":
            return centered @ buffer_as(self, "precision", centered)
        return centered * self._diagonal_precision(centered)

    def _diagonal_precision(self, like: Tensor) -> Tensor | float:
        """The diagonal precision as a float where it is one number (a scalar product is a
        cheaper pass than a broadcast one), else as a vector in ``like``'s dtype."""
        precision = self.precision_diag
        scalar = (
            None  # no data-dependent branch; keep the graph
            if tracing() or _differentiated(precision)
            else cached(self, "isotropic", (precision,), lambda: _common_value(precision))
        )
        return buffer_as(self, "precision_diag", like) if scalar is None else scalar

    def _centered(self, x: Tensor) -> Tensor:
        """``x - mean`` (``x`` itself where the mean is zero, which the caller never writes to)."""
        loc = self.loc
        if not (tracing() or _differentiated(loc)) and cached(
            self, "zero_mean", (loc,), lambda: not bool(loc.any())
        ):
            return x
        return x - buffer_as(self, "loc", x)

    def forward(self, x: Tensor) -> Tensor:
        return self.analytic_energy_and_gradient(x)[0]

    def analytic_gradient(self, x: Tensor) -> Tensor:
        return self._gradient_from_centered(self._centered(x))

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        centered = self._centered(x)
        grad = self._gradient_from_centered(centered)
        energy = rowsum(centered * grad, 0.5)
        if (
            x.dtype != torch.float64
            and x.device.type == "cpu"
            and not tracing()  # no data-dependent branch
            and bool(torch.isinf(energy).any())
        ):
            # (x - mu) . grad can overflow although half of it fits: redo those rows in float64
            energy = rowsum(centered.double() * grad.double(), 0.5).to(x.dtype)
        return energy, grad

    @property
    def bounds(self) -> Tensor:
        """``mean ± 5`` standard deviations per coordinate."""
        needed = float64_bytes(4, self.dim)  # the bounds and the spread
        what = "(2, dim) float64 bounds"
        with allocating(needed, what, parameter="dim", value=self.dim, energy="Gaussian"):
            spread = 5.0 * self.variance.detach().cpu().sqrt()
            mean = self.mean
            return torch.stack([mean - spread, mean + spread])

    @property
    def minima(self) -> Minima:
        return Minima(self.mean.reshape(1, -1), 0.0)

    @property
    def mean(self) -> Tensor:
        r"""The mean :math:`\mu`, float64 (the ``loc`` buffer, on the CPU)."""
        return self.loc.detach().cpu().double()

    @property
    def stddev(self) -> Tensor:
        r"""The marginal standard deviations :math:`\sqrt{\Sigma_{ii}}`, float64."""
        return self.variance.detach().cpu().double().sqrt()

    @property
    def modes(self) -> Modes:
        """The single mode at the mean, holding all the mass."""
        return Modes(self.mean.reshape(1, -1), [1.0])

    def log_partition(self) -> float:
        if self.covariance_kind == "full":
            log_det = 2.0 * self.scale_tril.diagonal().log().sum().item()
        else:
            log_det = self.variance.log().sum().item()
        return 0.5 * self.dim * math.log(2.0 * math.pi) + 0.5 * log_det

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        noise = torch.randn(n, self.dim, generator=generator, dtype=self.loc.dtype, device=self.loc.device)
        if self.covariance_kind == "full":
            return self.loc + noise @ self.scale_tril.T
        return self.loc + noise * self.variance.sqrt()


def _common_value(t: Tensor) -> float | None:
    """The value every element of ``t`` has, or None where they differ (or ``t`` is empty)."""
    if t.numel() == 0 or not bool((t == t[0]).all()):
        return None
    return float(t[0])


def _covariance_kind(cov: Any) -> tuple[str, Tensor | None]:
    """Classify a normalized covariance argument: its kind and, for a diagonal or full one, the
    float64 tensor; raise naming ``cov`` if it is none of them.

    Lists are checked by one numpy conversion, not number by number (a 3000 x 3000 matrix is
    9 million numbers); booleans and non-finite entries are refused as by
    :data:`ebmcore.constraints.real_matrix`.
    """
    if cov is None or constraints.positive.check(cov):
        return "isotropic", None
    if isinstance(cov, list) and cov:
        try:
            array = np.asarray(cov)
        except (ValueError, TypeError):  # ragged
            array = None
        if array is not None and array.dtype.kind in "iuf" and bool(np.isfinite(array).all()):
            values = torch.from_numpy(array.astype(np.float64))
            if values.ndim == 1 and bool((values > 0).all()):
                return "diagonal", values
            if values.ndim == 2 and values.shape[0] == values.shape[1]:
                return "full", values
    raise InvalidParameterError(
        "cov",
        cov,
        "None, a positive variance, a list of positive variances or a symmetric positive definite matrix",
        energy="Gaussian",
    )


class GaussianFromSamples(Gaussian):
    r"""A Gaussian fitted to data: sample mean and regularized sample covariance.

    .. math::

        \mu = \frac1n \sum_{j=1}^n s_j, \qquad
        \Sigma = \frac1{n-1} \sum_{j=1}^n (s_j - \mu)(s_j - \mu)^\top + \lambda I .

    The covariance is the unbiased estimate (as ``numpy.cov``) plus ``regularization``
    :math:`\lambda` on the diagonal, then factored by Cholesky like :class:`Gaussian`. The
    model *is* a :class:`Gaussian` (same energy, gradient, ``log_partition`` and ``sample``).

    Its :attr:`config` keeps the data (``samples`` as a nested list, ``regularization``), not
    the fitted moments: the fit is deterministic, so ``ebmcore.create(model.spec)`` rebuilds
    the same model bit for bit after a JSON round trip, under the name
    ``gaussian_from_samples``. For a compact recipe of the fitted model, create a plain
    ``gaussian`` from ``mean=model.mean.tolist(), cov=model.covariance.tolist()``.

    Args:
        samples: an ``(n, d)`` list or tensor of ``n >= 2`` data points.
        regularization: :math:`\lambda \ge 0` added to the covariance diagonal.

    Raises:
        InvalidParameterError: fewer than two samples, a ragged or non-finite array, or a
            covariance that is not positive definite (e.g. ``regularization=0`` with
            collinear data).

    References:
        Bishop, *Pattern Recognition and Machine Learning*, Springer 2006, section 2.3.4
        (maximum likelihood for the Gaussian).

    Example:
        >>> import torch, ebmcore
        >>> g = ebmcore.create("gaussian_from_samples", samples=[[0.0, 1.0], [2.0, 3.0]], regularization=0.5)
        >>> g.mean
        tensor([1., 2.], dtype=torch.float64)
        >>> g.covariance
        tensor([[2.5000, 2.0000],
                [2.0000, 2.5000]], dtype=torch.float64)
    """

    arg_constraints = {
        "samples": constraints.real_matrix,
        "regularization": constraints.nonnegative,
    }

    def __init__(self, samples: Any, regularization: float = 1e-4) -> None:
        args = self.check_args(samples=samples, regularization=regularization)
        rows: list[list[float]] = args["samples"]
        if len(rows) < 2:
            raise InvalidParameterError(
                "samples", samples, "an (n, d) array with n >= 2 rows", energy="GaussianFromSamples"
            )
        BaseModel.__init__(self, len(rows[0]), samples=samples, regularization=regularization)
        data = torch.tensor(rows, dtype=torch.float64)
        mu = data.mean(0)
        centered = data - mu
        cov = centered.T @ centered / (len(rows) - 1)
        cov = 0.5 * (cov + cov.T) + float(regularization) * torch.eye(self.dim, dtype=torch.float64)
        self._set_moments(
            mu,
            cov,
            "full",
            argument=("samples", samples),
            allowed="data whose sample covariance plus regularization * I is positive definite",
        )


@separable_kernel
class Harmonic(SeparableEnergy):
    r"""Isotropic harmonic well, the energy of a standard normal scaled by a spring constant.

    .. math::

        E(x) = \frac k2 \lVert x \rVert^2, \qquad \nabla E = k x, \qquad
        \log Z = \frac d2 \log \frac{2\pi}{k}.

    ``exp(-E)/Z`` is :math:`\mathcal N(0, k^{-1} I)`, so ``log_partition()`` is exact,
    ``sample()`` draws ``randn / sqrt(k)``, the mean is 0 and every coordinate has standard
    deviation :math:`1/\sqrt k`. The single minimum is the origin.

    Args:
        dim: dimension :math:`d`.
        k: spring constant :math:`k > 0`.

    References:
        The classical harmonic oscillator; as a Boltzmann density, e.g. D. Frenkel and
        B. Smit, *Understanding Molecular Simulation*, Academic Press 2002, chapter 3.

    Example:
        >>> import torch, ebmcore
        >>> well = ebmcore.create("harmonic", dim=2, k=4.0)
        >>> well.energy_and_gradient(torch.tensor([1.0, -0.5]))
        (tensor(2.5000), tensor([ 4., -2.]))
    """

    compiled_kernels = ("cuda",)  # a fused torch.compile kernel for CUDA inputs
    kernel = "harmonic"

    arg_constraints = {"dim": constraints.positive_integer, "k": constraints.positive}

    minimizer = 0.0

    def __init__(self, dim: int = 2, k: float = 1.0) -> None:
        super().__init__(dim, dim=dim, k=k)
        self.k = float(k)

    @staticmethod
    def term(x: Tensor, k: float) -> Tensor:
        return (0.5 * k) * (x * x)

    @staticmethod
    def term_derivative(x: Tensor, k: float) -> Tensor:
        return k * x

    def term_parameters(self) -> tuple[float]:
        return (self.k,)

    @property
    def bounds(self) -> Tensor:
        """``±5`` standard deviations, ``±5 / sqrt(k)``."""
        edge = 5.0 / math.sqrt(self.k)
        return filled(self, [-edge, edge], "(2, dim) float64 bounds")

    def log_partition(self) -> float:
        return 0.5 * self.dim * math.log(2.0 * math.pi / self.k)

    @property
    def mean(self) -> Tensor:
        r"""Zero: the law is :math:`\mathcal N(0, k^{-1} I)`."""
        return filled(self, [0.0], "(dim,) float64 mean")[0]

    @property
    def stddev(self) -> Tensor:
        r""":math:`1/\sqrt k` for every coordinate."""
        return filled(self, [1.0 / math.sqrt(self.k)], "(dim,) float64 stddev")[0]

    @property
    def modes(self) -> Modes:
        """The single mode at the origin, holding all the mass."""
        return Modes(filled(self, [0.0], "(1, dim) float64 mode"), [1.0])

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Exact: ``randn / sqrt(k)``, drawn in float64, in the model's dtype."""
        z = torch.randn(n, self.dim, generator=generator, dtype=torch.float64)
        return (z / math.sqrt(self.k)).to(self.dtype)
