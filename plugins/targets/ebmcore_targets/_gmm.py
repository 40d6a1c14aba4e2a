"""Gaussian mixture targets: any isotropic mixture (``gmm``), the square grids (``gmm_grid``) and
the 40-mode mixtures (``gmm40``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ebmcore import BaseModel, InvalidParameterError, Minima, Modes, constraints
from ebmcore.plugin import cached_while_unchanged

__all__ = ["GMM", "GMM40", "GMMGrid", "jax_uniform", "torch_uniform"]

_SOFTPLUS_ONE_FLOAT32 = 1.31326162815094
"""``softplus(1.0) = log(1 + e)`` rounded to float32, as FAB's float32 construction computes it."""


def _bounded(low: float, high: float, what: str) -> constraints.Constraint:
    return constraints.Constraint(
        lambda v: constraints.real.check(v) and low < v <= high, f"{what} in ({low:g}, {high:g}]"
    )


_seed = constraints.integer_interval(0, 2**31 - 1)
_MODE_SEARCH_MAX = 1 << 24  # elements of the largest tensor of the mode search (K^2 d or K d^2)
_positive_scale = constraints.Constraint(
    lambda v: constraints.real.check(v) and 1e-100 <= v <= 1e10, "a real number in [1e-100, 1e10]"
)
_nonnegative_scale = constraints.Constraint(
    lambda v: constraints.real.check(v) and 0.0 <= v <= 1e10, "a real number in [0, 1e10]"
)


# -- reproducing the reference random draws ------------------------------------------------------


def torch_uniform(seed: int, n: int, dim: int, loc_scaling: float) -> Tensor:
    """Means drawn as FAB draws them: ``(rand(n, dim) - 0.5) * 2 * loc_scaling`` in float32.

    The first draw of torch's CPU generator seeded with ``seed`` (``torch.manual_seed(seed)``
    before constructing FAB's ``GMM``), in the reference's float32 arithmetic, returned as
    float64: bit for bit the means of FAB and of iDEM (which seed 0 the same way).
    """
    generator = torch.Generator().manual_seed(seed)
    u = torch.rand((n, dim), generator=generator, dtype=torch.float32)
    return (((u - 0.5) * 2) * loc_scaling).double()


def _threefry2x32(key: tuple[int, int], x0: np.ndarray, x1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Threefry-2x32 block cipher (20 rounds) of JAX's default PRNG, on uint32 arrays."""
    mask = 0xFFFFFFFF
    schedule = [key[0], key[1], key[0] ^ key[1] ^ 0x1BD11BDA]
    rotations = ((13, 15, 26, 6), (17, 29, 16, 24))
    x0 = x0 + np.uint32(schedule[0])
    x1 = x1 + np.uint32(schedule[1])
    for i in range(5):
        for r in rotations[i % 2]:
            x0 = x0 + x1
            x1 = (x1 << np.uint32(r)) | (x1 >> np.uint32(32 - r))
            x1 = x1 ^ x0
        x0 = x0 + np.uint32(schedule[(i + 1) % 3])
        x1 = x1 + np.uint32((schedule[(i + 2) % 3] + i + 1) & mask)
    return x0, x1


def jax_uniform(seed: int, n: int, dim: int, loc_scaling: float) -> Tensor:
    """Means drawn as ``jax.random.uniform(PRNGKey(seed), (n, dim), minval=-1, maxval=1) * loc_scaling``.

    A NumPy re-implementation of JAX's threefry PRNG in its original (non-partitionable)
    layout, the default before JAX 0.5 (the benchmark of Blessing et al. pins JAX 0.4.28):
    ``PRNGKey(seed)`` is the key ``(0, seed)``; the ``n * dim`` counters ``0, 1, ...`` are
    split in halves that the cipher encrypts as pairs; each 32-bit word keeps its top 23 bits
    as the mantissa of a float32 in ``[1, 2)``. Returned as float64.
    """
    size = n * dim
    counts = np.arange(size + size % 2, dtype=np.uint32)
    if size % 2:
        counts[-1] = 0
    half = len(counts) // 2
    first, second = _threefry2x32((0, seed), counts[:half], counts[half:])
    bits = np.concatenate([first, second])[:size]
    unit = ((bits >> np.uint32(9)) | np.uint32(0x3F800000)).view(np.float32) - np.float32(1.0)
    u = np.maximum(np.float32(-1.0), unit * np.float32(2.0) + np.float32(-1.0))
    with np.errstate(over="ignore"):
        means = u.reshape(n, dim) * np.float32(loc_scaling)
    return torch.from_numpy(means.astype(np.float64))


def _exp_relative(logits: Tensor, top: Tensor) -> Tensor:
    """``exp(logits - top)``, with differences below ``-80`` raised to ``-80``.

    A component ``e^{-80}`` times less likely than the nearest changes nothing in float32 or
    in the float64 energy beyond ``1e-34``, and the bound keeps ``exp`` from producing
    subnormal numbers, which x86 CPUs handle slowly.
    """
    return (logits - top).clamp_min(-80.0).exp_()


# -- the mixture ------------------------------------------------------------------------------------


class _IsotropicMixture(BaseModel):
    r"""Shared machinery: :math:`p(x) = \sum_k w_k \mathcal N(x; \mu_k, \sigma^2 I)` as an energy.

    Subclasses call :meth:`_set_mixture` with the means, log weights, the common scale and the
    constant ``offset`` added to the energy (so that ``log Z = -offset``).
    """

    locs: Tensor
    log_weights: Tensor

    def _set_mixture(self, locs: Tensor, log_weights: Tensor, sigma: float, offset: float = 0.0) -> None:
        self.register_buffer("locs", locs.to(torch.float64))
        self.register_buffer("log_weights", log_weights.to(torch.float64))
        self.sigma = float(sigma)
        self.variance = self.sigma * self.sigma
        self.offset = float(offset)
        self._normalizer = 0.5 * self.dim * math.log(2.0 * math.pi * self.variance) + self.offset
        self._mode_cache: tuple[Tensor, Tensor, Tensor] | None = None

    # -- energy and gradient -------------------------------------------------------------------
    #
    # With l_k = log w_k + (x . mu_k - |mu_k|^2 / 2) / sigma^2 (the log weight and Gaussian
    # exponent of component k without the |x|^2 / 2 sigma^2 they all share), k* = argmax_k l_k
    # and s = sum_k exp(l_k - l_k*):
    #     E = normalizer - log w_k* + |x - mu_k*|^2 / 2 sigma^2 - log s,
    #     grad E = (x - sum_k r_k mu_k) / sigma^2,  r = exp(l - l_k*) / s.
    # The l_k are one matrix product (no (batch, K, d) differences); the nearest component's
    # distance is taken directly, so the energy does not lose |x|^2 / 2 sigma^2 to
    # cancellation; and nothing overflows before |x - mu_k*|^2 itself does (the energy is then
    # inf, the gradient still finite). The differences l_k - l_k* keep a rounding error of
    # about eps |x| |mu| / sigma^2 where several components compete (scikit-learn's spherical
    # GaussianMixture expands the same way): relative 1e-5 in float32 energies over gmm40's
    # domain, 1e-14 in float64.

    def _coefficients(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """``mu / sigma^2`` as ``(d, K)``, the bias ``log w - |mu|^2 / 2 sigma^2``, ``mu`` and
        ``log w``, in ``x``'s dtype and device; cached until a buffer changes."""

        def build() -> tuple[Tensor, Tensor, Tensor, Tensor]:
            with torch.no_grad():
                locs = self.locs.to(device=x.device, dtype=torch.float64)
                log_w = self.log_weights.to(device=x.device, dtype=torch.float64)
                bias = log_w - 0.5 * (locs * locs).sum(-1) / self.variance
                scaled = (locs / self.variance).T.contiguous()
                return scaled.to(x.dtype), bias.to(x.dtype), locs.to(x.dtype), log_w.to(x.dtype)

        key = ("mixture", x.dtype, x.device)
        return cached_while_unchanged(self, key, (self.locs, self.log_weights), build)

    def _shifted_logits(self, x: Tensor, scaled: Tensor, bias: Tensor) -> Tensor:
        """``l_k`` above, ``(*batch, K)``: the log responsibilities up to a per-sample constant."""
        return torch.matmul(x, scaled).add_(bias)

    def _energy_and_normalized(
        self, x: Tensor, coefficients: tuple[Tensor, Tensor, Tensor, Tensor]
    ) -> tuple[Tensor, Tensor, Tensor]:
        """The energy, ``exp(l - l_k*)`` and ``s``."""
        scaled, bias, locs, log_w = coefficients
        logits = self._shifted_logits(x, scaled, bias)
        top, nearest = logits.max(-1, keepdim=True)
        weights = _exp_relative(logits, top)
        total = weights.sum(-1)
        nearest = nearest.view(-1)
        offset = x - locs.index_select(0, nearest).view(x.shape)
        distance = (offset * offset).sum(-1)
        nearest_log_w = log_w.index_select(0, nearest).view(total.shape)
        energy = distance / (2.0 * self.variance) - nearest_log_w - total.log() + self._normalizer
        return energy, weights, total

    def forward(self, x: Tensor) -> Tensor:
        return self._energy_and_normalized(x, self._coefficients(x))[0]

    def _gradient_from(self, x: Tensor, locs: Tensor, weights: Tensor, total: Tensor) -> Tensor:
        responsibilities = (weights / total.unsqueeze(-1)).reshape(-1, weights.shape[-1])
        scale = 1.0 / self.variance  # (x - r @ mu) / sigma^2 as one addmm
        gradient = torch.addmm(x.reshape(-1, self.dim), responsibilities, locs, beta=scale, alpha=-scale)
        return gradient.view(x.shape)

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        coefficients = self._coefficients(x)
        energy, weights, total = self._energy_and_normalized(x, coefficients)
        return energy, self._gradient_from(x, coefficients[2], weights, total)

    def analytic_gradient(self, x: Tensor) -> Tensor:
        scaled, bias, locs, _ = self._coefficients(x)
        logits = self._shifted_logits(x, scaled, bias)
        weights = _exp_relative(logits, logits.amax(-1, keepdim=True))
        return self._gradient_from(x, locs, weights, weights.sum(-1))

    # -- ground truth ----------------------------------------------------------------------------

    @property
    def means(self) -> Tensor:
        """The component means :math:`\\mu_k`, ``(K, dim)`` float64 on the CPU."""
        return self.locs.detach().cpu().double()

    @property
    def weights(self) -> Tensor:
        """The component weights :math:`w_k`, ``(K,)`` float64 on the CPU."""
        return torch.softmax(self.log_weights.detach().cpu().double(), 0)

    def log_partition(self) -> float:
        """``-offset``: the energy is ``-log p`` (normalizers included) plus the offset."""
        return 0.0 - self.offset

    @property
    def mean(self) -> Tensor:
        r""":math:`\sum_k w_k \mu_k`."""
        return self.weights @ self.means

    @property
    def stddev(self) -> Tensor:
        r"""Law of total variance: :math:`\sqrt{\sigma^2 + \sum_k w_k (\mu_k - \bar\mu)^2}` per coordinate."""
        centered = self.means - self.mean
        return (self.variance + self.weights @ (centered * centered)).sqrt()

    @property
    def bounds(self) -> Tensor:
        """The box of the means widened by five component standard deviations."""
        means = self.means
        return torch.stack([means.amin(0) - 5.0 * self.sigma, means.amax(0) + 5.0 * self.sigma])

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Exact samples: a component by its weight (inverse CDF), then its Gaussian."""
        out = isotropic_mixture_sample(self.weights, self.means, self.sigma, n, generator)
        return out.to(device=self.locs.device, dtype=self.locs.dtype)

    def _mode_search_fits(self) -> bool:
        """Whether hill climbing from every mean fits in memory (``(K, K, d)`` differences)."""
        k = len(self.locs)
        return k * k * self.dim <= _MODE_SEARCH_MAX and k * self.dim * self.dim <= _MODE_SEARCH_MAX

    def _find_modes(self) -> tuple[Tensor, Tensor, Tensor]:
        """Mode points, masses, and each component's mode: hill climbing from every mean.

        Mean-shift (:math:`x \\leftarrow \\sum_k r_k(x) \\mu_k`, a fixed-point iteration that
        increases the density, Carreira-Perpiñán 2000) from each component mean, then Newton
        steps on :math:`\\nabla \\log p`; the end points closer than ``1e-6 sigma`` are one mode.
        """
        if self._mode_cache is not None:
            return self._mode_cache
        locs, log_w, var = self.means, self.log_weights.detach().cpu().double(), self.variance
        x = locs.clone()
        for _ in range(2000):
            diff = x[:, None, :] - locs[None]
            r = torch.softmax(log_w - (diff * diff).sum(-1) / (2.0 * var), dim=-1)
            moved = r @ locs
            step = float((moved - x).abs().max())
            x = moved
            if step <= 1e-14 * (1.0 + float(locs.abs().max())):
                break
        eye = torch.eye(self.dim, dtype=torch.float64)
        for _ in range(10):  # Newton on grad log p = (m(x) - x) / var, Hessian cov_r(mu) / var^2 - I / var
            diff = x[:, None, :] - locs[None]
            r = torch.softmax(log_w - (diff * diff).sum(-1) / (2.0 * var), dim=-1)
            m = r @ locs
            centered = locs[None] - m[:, None, :]
            cov = torch.einsum("sk,ski,skj->sij", r, centered, centered)
            hessian = cov / (var * var) - eye / var
            _, not_concave = torch.linalg.cholesky_ex(-hessian)  # step only where log p is concave
            step, _ = torch.linalg.solve_ex(hessian, ((m - x) / var).unsqueeze(-1))
            ok = (not_concave == 0)[:, None] & torch.isfinite(step.squeeze(-1))
            x = x - torch.where(ok, step.squeeze(-1), torch.zeros_like(x))
        distance = torch.cdist(x, x)
        first = (distance <= 1e-6 * self.sigma).to(torch.int64).argmax(-1)  # first start at the same point
        labels, component_mode = torch.unique(first, return_inverse=True)
        points = x[labels]
        masses = torch.zeros(len(labels), dtype=torch.float64).index_add_(0, component_mode, self.weights)
        self._mode_cache = (points, masses, component_mode)
        return self._mode_cache

    @property
    def modes(self) -> Modes | None:
        """The local maxima of the density, each with the total weight of the components that climb to it.

        Hill climbing from every component mean finds them. Components far apart (more than
        about :math:`2\\sigma`) each give their own mode, at their mean up to
        :math:`e^{-\\Delta^2 / 2\\sigma^2}` shifts; components closer than that merge into one
        mode between them, which then carries both weights. The masses are the components'
        weights, not the probability of each basin of attraction (they agree when the
        components are well separated). None (not searched) where the search would hold more
        than :math:`2^{24}` numbers (``K^2 d`` or ``K d^2``).
        """
        if not self._mode_search_fits():
            return None
        points, masses, _ = self._find_modes()
        return Modes(points.clone(), masses.clone())

    def mode_index(self, x: Tensor) -> Tensor:
        """The index in :attr:`modes` of the mode of the component most responsible for each sample.

        Returns ``(*batch,)`` int64; counting the distinct indices among a sampler's output
        measures its mode coverage. Raises NotImplementedError where :attr:`modes` is None.
        """
        self.check_input(x)
        if not self._mode_search_fits():
            raise NotImplementedError("modes are not searched for this mixture (see GMM); no mode index")
        component_mode = self._find_modes()[2].to(x.device)
        return component_mode[self._shifted_logits(x, *self._coefficients(x)[:2]).argmax(-1)]

    @property
    def minima(self) -> Minima | None:
        """The deepest mode, when it is deeper than every other by more than ``1e-9`` (else None).

        Modes of equal depth (a symmetric grid, where depths differ by less than rounding)
        leave the global minimizer undetermined numerically, so none is declared; so is none
        where :attr:`modes` is not searched.
        """
        if not self._mode_search_fits():
            return None
        points = self._find_modes()[0]
        with torch.no_grad():
            energies = self.forward(points.to(self.locs.device)).cpu()
        order = torch.argsort(energies)
        best = float(energies[order[0]])
        if len(order) > 1 and float(energies[order[1]]) - best <= 1e-9 * (1.0 + abs(best)):
            return None
        return Minima(points[order[0]].reshape(1, -1), best)


class GMMGrid(_IsotropicMixture):
    r"""Equal-weight isotropic Gaussians centred on a square ``size x size`` grid in 2-D.

    .. math::

        E(x) = -\log \frac1{k^2} \sum_{i,j=1}^{k} \mathcal N\big(x;\ (g_i, g_j),\ \sigma^2 I\big),
        \qquad g_i = \Big(i - \frac{k+1}2\Big) s, \qquad \log Z = 0 .

    The energy includes the Gaussian normalizers, so :math:`\exp(-E)` is the mixture density
    itself and ``log_partition()`` is exactly 0. The defaults (spacing :math:`s = 5`,
    :math:`\sigma^2 = 0.3`) are those of the diffusion-sampler benchmarks: ``size = 3`` is
    the nine-mode grid :math:`\{-5, 0, 5\}^2` of PIS, ``size = 5`` the 25-mode grid
    :math:`\{-10, -5, 0, 5, 10\}^2` of Sendera et al. (both with variance 0.3). Means are
    ordered with the first coordinate varying slowest, as in both sources.

    Ground truth: exact ``sample()`` (a component, then its Gaussian), ``mean`` (the grid
    centre, 0) and ``stddev`` (law of total variance), and ``modes`` (every grid point with
    mass :math:`1/k^2` while the components are separated; found by hill climbing, so close
    spacings that merge components are handled). The grid is symmetric, so its modes are
    equally deep up to rounding and ``minima`` is None.

    Args:
        size: the grid has ``size x size`` components (3 and 5 are the published ones).
        spacing: the distance :math:`s` between neighbouring means.
        scale: the component standard deviation :math:`\sigma` (default :math:`\sqrt{0.3}`).

    References:
        Q. Zhang, Y. Chen, "Path Integral Sampler: a stochastic control approach for
        sampling", ICLR 2022 (the 3x3 grid). M. Sendera, M. Kim, S. Mittal, P. Lemos,
        L. Scimeca, J. Rector-Brooks, A. Adam, Y. Bengio, N. Malkin, "Improved off-policy
        training of diffusion samplers", NeurIPS 2024 (the 5x5 grid, "25GMM").

    Example:
        >>> import torch, ebmcore
        >>> grid = ebmcore.create("gmm_grid", size=3)
        >>> grid.means[:2]
        tensor([[-5., -5.],
                [-5.,  0.]], dtype=torch.float64)
        >>> grid.log_partition()
        0.0
        >>> grid.mode_index(torch.tensor([[-4.8, -5.2], [5.0, 5.0]]))
        tensor([0, 8])
    """

    compiled_kernels = ("cuda",)

    arg_constraints = {
        "size": constraints.integer_interval(1, 32),
        "spacing": _bounded(0.0, 1e10, "a real number"),
        "scale": _positive_scale,
    }

    def __init__(self, size: int = 5, spacing: float = 5.0, scale: float = math.sqrt(0.3)) -> None:
        super().__init__(2, size=size, spacing=spacing, scale=scale)
        self.size = int(size)
        self.spacing = float(spacing)
        axis = (torch.arange(self.size, dtype=torch.float64) - 0.5 * (self.size - 1)) * self.spacing
        locs = torch.cartesian_prod(axis, axis).reshape(-1, 2)
        log_w = torch.full((self.size * self.size,), -2.0 * math.log(self.size), dtype=torch.float64)
        self._set_mixture(locs, log_w, float(scale))


def isotropic_mixture_sample(
    weights: Tensor, means: Tensor, sigma: float, n: int, generator: torch.Generator | None
) -> Tensor:
    r"""``n`` exact float64 samples of :math:`\sum_k w_k N(m_k, \sigma^2 I)`: a component by its
    (unnormalized, float64) weight through the inverse CDF, then its Gaussian."""
    cumulative = torch.cumsum(weights, 0)
    u = torch.rand(n, generator=generator, dtype=torch.float64) * cumulative[-1]
    component = torch.searchsorted(cumulative, u).clamp_max(len(cumulative) - 1)
    noise = torch.randn(n, means.shape[-1], generator=generator, dtype=torch.float64)
    return means[component] + sigma * noise


class GMM(_IsotropicMixture):
    r"""A mixture of isotropic Gaussians with the means, common scale and weights you give.

    .. math::

        E(x) = -\log \sum_{k=1}^{K} w_k\, \mathcal N\big(x;\ \mu_k,\ \sigma^2 I\big),
        \qquad \sum_k w_k = 1, \qquad \log Z = 0 .

    The general form of ``gmm_grid`` and ``gmm40``, for the mixtures that sampler papers
    define by their own means. The energy includes the Gaussian normalizers, so
    :math:`\exp(-E)` is the mixture density and ``log_partition()`` is exactly 0. All
    components are evaluated together (the gradient :math:`\nabla E = (x - \sum_k r_k(x)
    \mu_k) / \sigma^2`, :math:`r` the responsibilities, is one more ``(*batch, K) @ (K, d)``
    product), unlike the compose plugin's ``mixture``, which takes any energies and evaluates
    them one by one.

    Ground truth: exact ``sample()``, ``mean`` and ``stddev`` (law of total variance), and
    ``modes``: hill climbing from every mean, so components closer than about
    :math:`2\sigma` merge into one mode that carries their weights; ``minima`` is the deepest
    mode when one is deepest (None for symmetric layouts such as the default). The mode search
    holds ``K^2 d`` and ``K d^2`` numbers; above :math:`2^{24}` of them ``modes`` and
    ``minima`` are None (not searched) and the rest of the ground truth stays exact.

    The squared distances come from one ``(batch, d) @ (d, K)`` product, expanded as
    :math:`|x|^2 - 2 x\cdot\mu_k + |\mu_k|^2` (the common :math:`|x|^2` cancels in the
    responsibilities, and the nearest component's distance is computed directly), so a call
    costs about what the ``(batch, K)`` table of logits costs. Where several components
    compete, float32 rounding then leaves a relative error of about
    :math:`\epsilon\, |x|\,|\mu| / \sigma^2` (1e-5 over ``gmm40``'s domain); use float64 inputs
    where that matters.

    Args:
        means: the ``(K, d)`` component means, a nested list or tensor. Default: the two means
            :math:`\pm 2 e_1` in ``dim`` dimensions.
        scale: the common component standard deviation :math:`\sigma` (default 1).
        weights: ``K`` positive weights, normalized to sum to 1 (default equal).
        dim: the dimension; needed only without ``means``, and must agree with them.

    References:
        G. McLachlan and D. Peel, *Finite Mixture Models*, Wiley 2000.

    Example:
        >>> import torch, ebmcore
        >>> gmm = ebmcore.create("gmm", means=[[0.0, 0.0], [4.0, 0.0]], scale=0.5, weights=[1.0, 3.0])
        >>> gmm.modes.weights  # the normalized weights: the two means are 8 sigma apart
        tensor([0.2500, 0.7500], dtype=torch.float64)
        >>> round(gmm.minima.value, 6)  # at the heavier mean: -log(0.75 / (2 pi 0.25))
        0.739265
        >>> gmm.log_partition()
        0.0
    """

    compiled_kernels = ("cuda",)

    arg_constraints = {
        "means": constraints.optional(constraints.real_matrix),
        "scale": _positive_scale,
        "weights": constraints.optional(constraints.positive_vector),
        "dim": constraints.optional(constraints.positive_integer),
    }

    def __init__(
        self, means: Any = None, scale: float = 1.0, weights: Any = None, dim: int | None = None
    ) -> None:
        args = self.check_args(means=means, scale=scale, weights=weights, dim=dim)
        rows: list[list[float]] | None = args["means"]
        d = constraints.common_size(
            {"dim": dim, "means": None if rows is None else len(rows[0])},
            value=dim,
            allowed="the length of each row of means",
            energy="GMM",
        )
        d = 2 if d is None else d
        if rows is None:
            rows = [[sign * 2.0] + [0.0] * (d - 1) for sign in (-1.0, 1.0)]
        w: list[float] | None = args["weights"]
        if w is not None and len(w) != len(rows):
            allowed = f"a list of {len(rows)} positive numbers, one per row of means"
            raise InvalidParameterError("weights", weights, allowed, energy="GMM")
        super().__init__(d, means=means, scale=scale, weights=weights, dim=dim)
        log_w = torch.tensor([1.0] * len(rows) if w is None else w, dtype=torch.float64).log()
        self._set_mixture(torch.tensor(rows, dtype=torch.float64), log_w - torch.logsumexp(log_w, 0), scale)


_VARIANTS: dict[str, dict[str, Any]] = {
    "fab": {
        "rng": "torch",
        "seed": 0,
        "loc_scaling": 40.0,
        "scale": _SOFTPLUS_ONE_FLOAT32,
        "domain_scale": 1.0,
    },
    "idem": {
        "rng": "torch",
        "seed": 0,
        "loc_scaling": 40.0,
        "scale": _SOFTPLUS_ONE_FLOAT32,
        "domain_scale": 50.0,
    },
    "beyond_elbos": {"rng": "jax", "seed": 0, "loc_scaling": 40.0, "scale": 1.0, "domain_scale": 1.0},
}


class GMM40(_IsotropicMixture):
    r"""The 40-mode Gaussian mixture of FAB and its descendants; ``variant`` picks the source.

    Equal-weight isotropic components with means drawn uniformly in
    :math:`[-L, L]^d` (:math:`L` = ``loc_scaling``) by a seeded generator, evaluated in
    coordinates divided by ``domain_scale`` :math:`s`:

    .. math::

        E(y) = -\log \frac1K \sum_{k=1}^{K} \mathcal N\big(s\, y;\ \mu_k,\ \sigma^2 I\big),
        \qquad \mu_k \sim \mathcal U[-L, L]^d, \qquad \log Z = -d \log s .

    The energy includes the Gaussian normalizers, so with :math:`s = 1` it is exactly
    :math:`-\log p` and ``log_partition()`` is 0.

    The variants (every one with ``loc_scaling = 40``, ``dim = 2``, ``n_components = 40`` and
    ``seed = 0``; any argument may be overridden, and :attr:`config` records every resolved
    value):

    * ``"fab"`` (the default; Midgley et al.): ``rng="torch"``, ``scale = softplus(1)``,
      ``domain_scale = 1``. FAB calls ``torch.manual_seed(0)``, then draws
      ``(rand(40, 2) - 0.5) * 2 * 40`` in float32 and uses
      ``diag(softplus(log_var_scaling = 1))`` as the Cholesky factor: the *standard
      deviation* is ``softplus(1)`` (despite the name), rounded to float32 as FAB computes
      it. Reproduced bit for bit (:func:`torch_uniform`).
    * ``"idem"`` (Akhound-Sadegh et al.): ``domain_scale = 50``, otherwise ``"fab"``. iDEM
      builds FAB's ``GMM`` after ``torch.manual_seed(0)`` (the same mixture), but its
      samplers work in coordinates divided by 50 (``data_normalization_factor``), where the
      energy is FAB's at ``50 y``.
    * ``"beyond_elbos"`` (Blessing et al.): ``rng="jax"``, ``scale = 1``,
      ``domain_scale = 1``: means ``jax.random.uniform(PRNGKey(0), (40, 2), minval=-1,
      maxval=1) * 40`` and unit component scale. Reproduced bit for bit by a NumPy
      implementation of JAX's threefry generator in its pre-0.5 layout (:func:`jax_uniform`;
      that benchmark pins JAX 0.4.28). Midgley's JAX port of FAB draws its means the same way
      (``rng="jax"``, with JAX before 0.5).

    Not reproduced: FAB's ``log_prob`` sets values below ``-1e4`` to ``-inf`` (a numerical
    guard); here the energy stays finite and smooth everywhere.

    The draws put some means closer than :math:`2\sigma`, where two components merge into one
    mode: ``modes`` (hill climbing from every mean) has 36 modes for ``"fab"`` and 39 for
    ``"beyond_elbos"``, not 40; ``minima`` is the deepest of them.

    Args:
        variant: ``"fab"``, ``"idem"`` or ``"beyond_elbos"``: the defaults of the arguments below.
        dim: the dimension :math:`d` of the means (2 in every source).
        n_components: the number of components :math:`K`.
        seed: the seed of the generator that draws the means.
        loc_scaling: :math:`L`, the half-width of the box of the means.
        scale: :math:`\sigma`, the standard deviation of every component.
        rng: ``"torch"`` (torch's CPU generator, FAB's float32 recipe) or ``"jax"`` (JAX's
            threefry ``PRNGKey(seed)``).
        domain_scale: :math:`s`: the energy is evaluated at ``s * y``.

    References:
        L. I. Midgley, V. Stimper, G. N. C. Simm, B. Schölkopf, J. M. Hernández-Lobato,
        "Flow Annealed Importance Sampling Bootstrap", ICLR 2023 (``"fab"``).
        T. Akhound-Sadegh, J. Rector-Brooks, A. J. Bose, S. Mittal, P. Lemos, C.-H. Liu,
        M. Sendera, S. Ravanbakhsh, G. Gidel, Y. Bengio, N. Malkin, A. Tong, "Iterated
        Denoising Energy Matching for Sampling from Boltzmann Densities", ICML 2024
        (``"idem"``). D. Blessing, X. Jia, J. Esslinger, F. Vargas, G. Neumann, "Beyond ELBOs:
        A Large-Scale Evaluation of Variational Methods for Sampling", ICML 2024
        (``"beyond_elbos"``).

    Example:
        >>> import ebmcore
        >>> fab = ebmcore.create("gmm40")
        >>> fab.means[0]
        tensor([-0.2995, 21.4577], dtype=torch.float64)
        >>> fab.modes.count, fab.log_partition()
        (36, 0.0)
        >>> round(ebmcore.create("gmm40", variant="idem").log_partition(), 6)
        -7.824046
        >>> ebmcore.create("gmm40", variant="beyond_elbos").means[0]
        tensor([-15.7582,  18.1165], dtype=torch.float64)
    """

    compiled_kernels = ("cuda",)

    arg_constraints = {
        "variant": constraints.one_of(*_VARIANTS),
        "dim": constraints.integer_interval(1, 64),
        "n_components": constraints.integer_interval(1, 1000),
        "seed": constraints.optional(_seed),
        "loc_scaling": constraints.optional(_nonnegative_scale),
        "scale": constraints.optional(_positive_scale),
        "rng": constraints.optional(constraints.one_of("torch", "jax")),
        "domain_scale": constraints.optional(_positive_scale),
    }

    def __init__(
        self,
        variant: str = "fab",
        dim: int = 2,
        n_components: int = 40,
        seed: int | None = None,
        loc_scaling: float | None = None,
        scale: float | None = None,
        rng: str | None = None,
        domain_scale: float | None = None,
    ) -> None:
        given = self.check_args(
            variant=variant,
            dim=dim,
            n_components=n_components,
            seed=seed,
            loc_scaling=loc_scaling,
            scale=scale,
            rng=rng,
            domain_scale=domain_scale,
        )
        resolved = dict(given)
        for key, default in _VARIANTS[variant].items():
            if resolved[key] is None:
                resolved[key] = default
        resolved["loc_scaling"] = float(resolved["loc_scaling"])
        resolved["scale"] = float(resolved["scale"])
        resolved["domain_scale"] = float(resolved["domain_scale"])
        super().__init__(dim, **resolved)
        self.variant = variant
        self.rng = resolved["rng"]
        self.seed = int(resolved["seed"])
        self.loc_scaling = resolved["loc_scaling"]
        self.scale = resolved["scale"]
        self.domain_scale = resolved["domain_scale"]
        draw = torch_uniform if self.rng == "torch" else jax_uniform
        source_means = draw(self.seed, n_components, dim, self.loc_scaling)
        self._source_means = source_means
        s = self.domain_scale
        log_w = torch.full((n_components,), -math.log(n_components), dtype=torch.float64)
        self._set_mixture(source_means / s, log_w, self.scale / s, offset=dim * math.log(s))

    @property
    def source_means(self) -> Tensor:
        """The means in the source's coordinates (as drawn, before division by ``domain_scale``)."""
        return self._source_means.clone()
