"""The numerics of the conformance checks: tolerances, finite differences, references, statistics.

* :func:`compare`: the relative tolerance every comparison of tensors uses;
* :func:`central_differences` and :func:`finite_difference_tolerance`: the gradient against
  the energy;
* :func:`grid_reference` (quadrature, dim <= 2) and :func:`importance_reference` (importance
  sampling from a defensive mixture): weighted points that integrate ``exp(-E)``, for
  ``log Z`` and as the reference distribution of the sampler tests;
* :func:`weighted_ks`, :func:`ks_critical` and :class:`SampleMoments`: the statistics that
  judge exact samples;
* :func:`descend`: gradient descent, which finds deep basins that random points miss.

Every draw is seeded (:data:`SEED` plus an offset per use), so a run is deterministic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from .._model import BaseModel
from ._context import F64, SEED, CheckFailed, CheckSkipped, Context

__all__ = [
    "IS_SIZE",
    "KS_CRITICAL",
    "MAX_KURTOSIS",
    "MOMENT_SAMPLES",
    "MOMENT_Z",
    "SAMPLE_SIZE",
    "STEP_LADDER",
    "SampleMoments",
    "central_differences",
    "compare",
    "descend",
    "effective_sample_size",
    "finite_difference_directions",
    "finite_difference_tolerance",
    "fmt",
    "grid_reference",
    "importance_reference",
    "ks_critical",
    "try_samples",
    "weighted_ks",
]

KS_CRITICAL = 1.95  # two-sample KS at alpha ~ 0.001 per statistic
SAMPLE_SIZE = 1000  # samples drawn for the KS tests of check_sample
IS_SIZE = 20000  # points of an importance-sampling reference
MOMENT_SAMPLES = 4000  # samples drawn to test declared moments
MOMENT_Z = 6.0  # a z-score this large is ~1e-9 per coordinate under the normal approximation
MAX_KURTOSIS = 50.0  # beyond this the sample standard deviation is too noisy to test


def fmt(value: float) -> str:
    """A number in a message, to 4 significant digits."""
    return f"{value:.4g}"


# -- tolerances -------------------------------------------------------------------------------------


def compare(actual: Tensor, expected: Tensor, *, rtol: float, what: str, event_ndim: int = 0) -> None:
    """Fail unless ``actual`` matches ``expected`` to ``rtol`` relative to each sample's scale.

    The tolerance of an entry is ``rtol (|expected| + scale) + rtol 1e-3 overall``, where
    ``scale`` is the largest ``|expected|`` of its sample (over the last ``event_ndim`` axes)
    and ``overall`` the largest of all; NaN must match NaN.
    """
    if not isinstance(actual, Tensor):
        raise CheckFailed(f"{what}: expected a tensor, got {type(actual).__name__}")
    if tuple(actual.shape) != tuple(expected.shape):
        raise CheckFailed(f"{what}: shape {tuple(actual.shape)} != expected {tuple(expected.shape)}")
    a = actual.detach().to(device="cpu", dtype=F64)
    b = expected.detach().to(device="cpu", dtype=F64)
    if not torch.equal(a.isnan(), b.isnan()):
        raise CheckFailed(f"{what}: NaN where the reference has none (or the reverse)")
    a = torch.nan_to_num(a, nan=0.0)
    b = torch.nan_to_num(b, nan=0.0)
    mag = b.abs()
    scale = mag.amax(dim=tuple(range(mag.dim() - event_ndim, mag.dim()))) if event_ndim else mag
    if event_ndim:
        scale = scale.reshape(*scale.shape, *([1] * event_ndim))
    overall = float(mag.max()) if mag.numel() else 0.0
    tolerance = rtol * (mag + scale) + rtol * 1e-3 * overall + 1e-300
    error = (a - b).abs()
    bad = error > tolerance
    if bool(bad.any()):
        index = int(torch.argmax((error / tolerance).flatten()))
        raise CheckFailed(
            f"{what}: max abs error {fmt(float(error.flatten()[index]))} at flat index {index} "
            f"(got {fmt(float(a.flatten()[index]))}, expected {fmt(float(b.flatten()[index]))}; "
            f"rtol {rtol:g})"
        )


# -- finite differences -----------------------------------------------------------------------------


def finite_difference_directions(ctx: Context) -> Tensor:
    """``(k, dim)`` unit directions: the coordinate axes up to dim 32, else 16 random ones."""
    if ctx.dim <= 32:
        return torch.eye(ctx.dim, dtype=F64)
    generator = torch.Generator().manual_seed(SEED + 1)
    v = torch.randn(16, ctx.dim, generator=generator, dtype=F64)
    return v / v.norm(dim=-1, keepdim=True)


STEP_LADDER = (1.0, 1.0 / 8.0, 1.0 / 64.0)
"""Fractions of the finite-difference step tried in turn: a quotient that misses its tolerance
at one step is taken again at the next, smaller one (an energy that turns fast, such as
``sin(x^2 - y^2)`` far from the origin, needs a step fitted to its frequency, while the
round-off of the quotient grows as the step shrinks, which the tolerance accounts for)."""


def central_differences(
    ctx: Context, x: Tensor, directions: Tensor, shrink: float = 1.0
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Central differences of the energy at flat CPU points ``x`` ``(n, dim)`` along ``directions``.

    The step of a point is ``h = 6e-6 (1 + max |x_i|)``, times ``shrink``.

    Returns:
        ``(fd, h, energy, magnitude)``: the ``(k, n)`` difference quotients in float64, the
        ``(n,)`` steps, the ``(n,)`` energies at ``x``, and the ``(n,)`` largest ``|E|`` among
        the points each quotient used (what its round-off scales with).
    """
    h = shrink * 6e-6 * (1.0 + x.abs().amax(dim=-1))  # (n,)
    step = h[None, :, None] * directions[:, None, :]  # (k, n, dim)
    dev = ctx.device
    with torch.no_grad():
        e_plus = ctx.model.energy(ctx.unflat(x[None] + step).to(dev)).cpu()
        e_minus = ctx.model.energy(ctx.unflat(x[None] - step).to(dev)).cpu()
        e0 = ctx.model.energy(ctx.unflat(x).to(dev)).cpu()
    fd = (e_plus - e_minus).to(F64) / (2.0 * h[None, :])  # (k, n)
    magnitude = e0.abs().to(F64).maximum(e_plus.abs().amax(0)).maximum(e_minus.abs().amax(0))
    return fd, h, e0, magnitude


def finite_difference_tolerance(
    gradient: Tensor, directional: Tensor, magnitude: Tensor, h: Tensor
) -> Tensor:
    """``(k, n)`` tolerances of :func:`central_differences` against ``directional`` derivatives.

    ``1e-5 (max |g| + 1)`` per point, plus the round-off ``1e-14 (|E| + 1) / h`` of the
    difference quotient, plus ``1e-4`` relative to the derivative itself.
    """
    roundoff = 1e-14 * (magnitude + 1.0) / h
    return 1e-5 * (gradient.abs().amax(dim=-1) + 1.0) + roundoff + 1e-4 * directional.abs()


# -- descent ----------------------------------------------------------------------------------------


def descend(ctx: Context, starts: Tensor, bounds: Tensor | None, width: Tensor, steps: int = 150) -> Tensor:
    """Energies after ``steps`` Adam steps (step size ~1e-3 of the box, kept inside the bounds)."""
    x = starts.clone().to(ctx.device).requires_grad_(True)
    optimizer = torch.optim.Adam([x], lr=1e-3 * float(width.mean()))
    low, high = (None, None) if bounds is None else (bounds[0].to(ctx.device), bounds[1].to(ctx.device))
    for _ in range(steps):
        with torch.no_grad():
            x.grad = torch.nan_to_num(ctx.flat(ctx.model.gradient(ctx.unflat(x.detach()))), nan=0.0)
        optimizer.step()
        if low is not None and high is not None:
            with torch.no_grad():
                x.copy_(torch.maximum(torch.minimum(x, high), low))
    return ctx.energies(x.detach().cpu()).nan_to_num(nan=math.inf)


# -- references: weighted points that integrate exp(-E) ----------------------------------------------


def grid_reference(
    ctx: Context, per_dim: int, *, jitter: bool = False
) -> tuple[Tensor, Tensor, Tensor] | None:
    """Points and log weights that integrate ``exp(-E)`` over the bounds (dim <= 2).

    The box is widened until the density is negligible at its edges. Without ``jitter``: the
    trapezoid rule, returning ``(points, log_weights, coarse_log_weights)`` where the coarse
    weights use every other grid line (``-inf`` elsewhere), so comparing both tells whether
    the quadrature has converged. With ``jitter``: one uniform point per cell (stratified
    sampling), a continuous weighted reference for KS tests; the third item repeats the weights.
    """
    bounds = ctx.bounds()
    if bounds is None or ctx.dim > 2:
        return None
    lo, hi = bounds[0].clone(), bounds[1].clone()
    generator = torch.Generator().manual_seed(SEED + 7)
    shape = (per_dim,) * ctx.dim
    for _ in range(4):
        axes = [torch.linspace(float(lo[i]), float(hi[i]), per_dim, dtype=F64) for i in range(ctx.dim)]
        steps = (hi - lo) / (per_dim - 1)
        mesh = torch.cartesian_prod(*axes).reshape(-1, ctx.dim)
        if jitter:
            mesh = mesh + (torch.rand(mesh.shape, generator=generator, dtype=F64) - 0.5) * steps
        log_f = -ctx.energies(mesh)
        if bool(log_f.isnan().any()):
            raise CheckFailed("energy is NaN at quadrature points inside the bounds")
        peak = float(log_f.max())
        if not math.isfinite(peak):
            raise CheckFailed("exp(-E) vanishes or overflows everywhere on the quadrature grid")
        edge = torch.zeros(shape, dtype=torch.bool)
        for axis in range(ctx.dim):
            edge.index_fill_(axis, torch.tensor([0, per_dim - 1]), True)
        if float(log_f.reshape(shape)[edge].max()) < peak - 12.0:
            break
        center, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
        lo, hi = center - 2.0 * half, center + 2.0 * half
    else:
        raise CheckSkipped("exp(-E) is not negligible at the edges of the (widened) bounds")
    if jitter:
        log_w = log_f + float(steps.log().sum())
        return mesh, log_w, log_w
    log_w = log_f.reshape(shape)
    coarse = log_f.reshape(shape)
    keep = torch.zeros(per_dim, dtype=torch.bool)
    keep[::2] = True
    for axis in range(ctx.dim):
        step = float(steps[axis])
        trap = torch.full((per_dim,), math.log(step), dtype=F64)
        trap[[0, -1]] = math.log(step / 2)
        trap2 = torch.full((per_dim,), -math.inf, dtype=F64)
        trap2[keep] = math.log(2 * step)
        trap2[[0, -1]] = math.log(step)
        view = [1] * ctx.dim
        view[axis] = per_dim
        log_w = log_w + trap.reshape(view)
        coarse = coarse + trap2.reshape(view)
    return mesh, log_w.reshape(-1), coarse.reshape(-1)


def _gaussian(mean: Tensor, cov: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    dim = len(mean)
    jitter = 1e-9 * (float(cov.diagonal().mean()) + 1e-12)
    tril = torch.linalg.cholesky(cov + jitter * torch.eye(dim, dtype=F64))
    log_norm = 0.5 * dim * math.log(2 * math.pi) + tril.diagonal().log().sum()
    return mean, tril, log_norm


def _kde(centers: Tensor, scale: Tensor) -> tuple[Tensor, Tensor]:
    """Per-center isotropic bandwidths (in units of ``scale``): the distance to the 3rd neighbour."""
    u = centers / scale
    distance = torch.cdist(u, u)
    distance.fill_diagonal_(math.inf)
    k = min(3, len(centers) - 1)
    bandwidth = distance.kthvalue(k, dim=1).values.clamp_min(1e-3)
    return u, bandwidth


def _kde_log_density(y: Tensor, u: Tensor, bandwidth: Tensor, scale: Tensor) -> Tensor:
    dim = y.shape[-1]
    const = -math.log(len(u)) - float(scale.log().sum()) - 0.5 * dim * math.log(2 * math.pi)
    out = []
    for start in range(0, len(y), 2048):
        d2 = torch.cdist(y[start : start + 2048] / scale, u).square()
        out.append(torch.logsumexp(-0.5 * d2 / bandwidth.square() - dim * bandwidth.log(), dim=1) + const)
    return torch.cat(out)


def importance_reference(ctx: Context, samples: Tensor | None, n: int) -> tuple[Tensor, Tensor]:
    """``(points, log_weights)``: importance sampling from a defensive mixture proposal.

    The proposal mixes Gaussians fitted to ``samples`` (or standard normal) with 1.1x and 2x
    their spread, one spanning the bounds (independent of the samples, so a mode a wrong
    sampler misses still gets proposals) and, given samples in dim <= 12, a kernel density
    estimate on up to 500 of them with adaptive bandwidths (for well separated modes);
    ``log_weights`` are ``-E(y) - log q(y)``, so ``logsumexp(log_weights) - log n`` estimates
    ``log Z``.
    """
    generator = torch.Generator().manual_seed(SEED + 4)
    flat = None if samples is None else samples.reshape(len(samples), -1).to(F64).cpu()
    bounds = ctx.bounds()
    gaussians: list[tuple[float, tuple[Tensor, Tensor, Tensor]]] = []
    if flat is not None:
        mean = flat.mean(0)
        centered = flat - mean
        cov = centered.T @ centered / max(len(flat) - 1, 1)
    else:
        mean, cov = torch.zeros(ctx.dim, dtype=F64), torch.eye(ctx.dim, dtype=F64)
    if flat is not None or bounds is None:
        gaussians += [(0.3, _gaussian(mean, cov * 1.1**2)), (0.2, _gaussian(mean, cov * 2.0**2))]
    if bounds is not None:  # independent of the samples: finds modes a wrong sampler misses
        box = torch.diag(((bounds[1] - bounds[0]) / 6.0) ** 2)
        gaussians.append((0.2, _gaussian(0.5 * (bounds[0] + bounds[1]), box)))
    use_kde = flat is not None and len(flat) >= 20 and ctx.dim <= 12
    kde_share = 0.3 if use_kde else 0.0
    total = sum(share for share, _ in gaussians) + kde_share
    shares = [share / total for share, _ in gaussians]
    counts = [int(n * share) for share in shares]
    kde_count = n - sum(counts)
    if not use_kde:
        counts[-1] += kde_count
    draws = []
    for (_, (mu, tril, _)), count in zip(gaussians, counts, strict=True):
        draws.append(mu + torch.randn(count, ctx.dim, generator=generator, dtype=F64) @ tril.T)
    scale = cov.diagonal().clamp_min(1e-300).sqrt()
    if use_kde:
        assert flat is not None
        u, bandwidth = _kde(flat[:500], scale)
        pick = torch.randint(len(u), (kde_count,), generator=generator)
        noise = torch.randn(kde_count, ctx.dim, generator=generator, dtype=F64)
        draws.append((u[pick] + bandwidth[pick, None] * noise) * scale)
    y = torch.cat(draws)
    log_q_parts = []
    for (_, (mu, tril, log_norm)), share in zip(gaussians, shares, strict=True):
        z = torch.linalg.solve_triangular(tril, (y - mu).T, upper=False).T
        log_q_parts.append(-0.5 * (z * z).sum(-1) - log_norm + math.log(share))
    if use_kde:
        log_q_parts.append(_kde_log_density(y, u, bandwidth, scale) + math.log(kde_share / total))
    log_q = torch.logsumexp(torch.stack(log_q_parts), 0)
    energy = ctx.energies(y)
    log_w = torch.where(torch.isnan(energy), torch.full_like(energy, -math.inf), -energy - log_q)
    return y, log_w


def effective_sample_size(log_w: Tensor) -> float:
    """The effective sample size of importance weights given by their logarithms."""
    w = torch.exp(log_w - log_w.max())
    return float(w.sum() ** 2 / (w * w).sum())


# -- statistics of exact samples ---------------------------------------------------------------------


def try_samples(model: BaseModel, n: int, seed: int = SEED + 5) -> Tensor | None:
    """``model.sample(n)`` from a seeded generator as float64 on the CPU, or None without a sampler."""
    try:
        out = model.sample(n, generator=torch.Generator().manual_seed(seed))
    except NotImplementedError:
        return None
    return out.detach().to(device="cpu", dtype=F64)


def weighted_ks(samples: Tensor, reference: Tensor, log_w: Tensor) -> float:
    """Largest distance between the empirical CDF of ``samples`` and the weighted one of ``reference``.

    Evaluated on both sides of every sample (exact up to the largest single reference weight).
    """
    s = torch.sort(samples).values
    order = torch.argsort(reference)
    r = reference[order]
    cum = torch.cat([torch.zeros(1, dtype=F64), torch.cumsum(torch.softmax(log_w[order], 0), 0)])
    n = len(s)
    steps = torch.arange(n + 1, dtype=F64) / n
    right = (steps[1:] - cum[torch.searchsorted(r, s, right=True)]).abs().max()
    left = (steps[:-1] - cum[torch.searchsorted(r, s, right=False)]).abs().max()
    return float(torch.maximum(right, left))


def ks_critical(n: int, ess: float) -> float:
    """The KS distance beyond which ``n`` samples and a reference of effective size ``ess`` differ."""
    return KS_CRITICAL * math.sqrt(1.0 / n + 1.0 / ess)


@dataclass(frozen=True)
class SampleMoments:
    """Per-coordinate moments of ``(n, dim)`` samples, and z-scores of declared ones against them."""

    n: int
    mean: Tensor
    sd: Tensor
    kurtosis: Tensor

    @classmethod
    def of(cls, flat: Tensor) -> SampleMoments:
        centered = flat - flat.mean(0)
        sd = centered.square().mean(0).sqrt()
        kurtosis = centered.pow(4).mean(0) / sd.pow(4).clamp_min(1e-300)
        return cls(len(flat), flat.mean(0), sd, kurtosis)

    @property
    def testable(self) -> Tensor:
        """The coordinates light-tailed enough (kurtosis < :data:`MAX_KURTOSIS`) to test a stddev."""
        return self.kurtosis < MAX_KURTOSIS

    def mean_z(self, mean: Tensor) -> Tensor:
        """How many standard errors the declared ``mean`` is from the sample mean, per coordinate."""
        return (self.mean - mean.reshape(-1)).abs() / (self.sd / math.sqrt(self.n)).clamp_min(1e-300)

    def stddev_z(self, stddev: Tensor) -> Tensor:
        """The same for a declared ``stddev`` (0 for coordinates that are not :attr:`testable`)."""
        # the delta method: sd(s_hat) ~ s * sqrt((kurtosis - 1) / (4 n))
        se = stddev.reshape(-1) * ((self.kurtosis - 1.0).clamp_min(0.1) / (4 * self.n)).sqrt()
        return torch.where(self.testable, (self.sd - stddev.reshape(-1)).abs() / se.clamp_min(1e-300), 0.0)
