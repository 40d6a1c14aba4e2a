"""The many-well target of flow and diffusion samplers: products of 2-D asymmetric double wells."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from ebmcore import BaseModel, InvalidInputError, Minima, Modes, constraints

__all__ = ["ManyWell"]

_MAX_LISTED_MODES = 2**16
"""All modes are listed up to this many (dim <= 32 for two wells per pair)."""
_MAX_LISTED_MINIMA = 256
_TAIL = 100.0
"""Quadrature and sampling cover ``q(t) - min q <= _TAIL``: the mass left out is below e^-100."""
_BOUNDS_LEVEL = 12.0
"""``bounds`` is the box where every coordinate's density is within e^-12 of its peak."""
_GAUSS_LEGENDRE = np.polynomial.legendre.leggauss(20)
_PANELS = 128
_ENVELOPE_CELLS = 4096

even_dimension = constraints.Constraint(
    lambda v: constraints.positive_integer.check(v) and v % 2 == 0, "an even integer >= 2"
)


@dataclass(frozen=True)
class _Well:
    """One well of the quartic, in the local coordinate ``y = t - centre``.

    Attributes:
        centre: the local minimizer ``m`` of ``q``.
        depth: ``q(m)``.
        coefficients: the Taylor coefficients ``(q'(m), q''(m) / 2, q'''(m) / 6, c)``:
            ``q(m + y) - q(m) = y (q'(m) + y (q''(m) / 2 + y (q'''(m) / 6 + c y)))`` exactly,
            evaluated without the cancellation of ``q(m + y) - q(m)`` where ``|q(m)|`` is large.
        low, high: the interval of ``y`` (inside the basin) where the rise is at most
            ``_TAIL``, or reaches the split between the wells.
    """

    centre: float
    depth: float
    coefficients: tuple[float, float, float, float]
    low: float
    high: float

    def rise(self, y: np.ndarray) -> np.ndarray:
        """``q(centre + y) - q(centre)``."""
        slope, half_curvature, cubic, c = self.coefficients
        return y * (slope + y * (half_curvature + y * (cubic + c * y)))


@dataclass(frozen=True)
class _Quartic:
    """Ground truth of the 1-D density ``exp(-q(t))``, ``q(t) = c t^4 + b t^2 + a t`` (``c > 0``).

    Attributes:
        minima: the local minimizers of ``q``, increasing (one or two).
        split: the local maximizer between two minima (NaN with a single minimum).
        q_min: the global minimum value of ``q``.
        log_z: ``log \\int exp(-q)``.
        masses: the probability of each well (``t < split``, ``t > split``), as ``minima``.
        mean, var: the mean and variance of ``t``.
        low, high: the interval outside which ``q - q_min > _TAIL`` (sampling support).
        plot_low, plot_high: the interval where ``q - q_min <= _BOUNDS_LEVEL``.
        wells: each well's local coordinates and integration interval, as ``minima``.
    """

    a: float
    b: float
    c: float
    minima: tuple[float, ...]
    split: float
    q_min: float
    log_z: float
    masses: tuple[float, ...]
    mean: float
    var: float
    low: float
    high: float
    plot_low: float
    plot_high: float
    wells: tuple[_Well, ...]

    def q(self, t: np.ndarray) -> np.ndarray:
        return t * t * (self.c * t * t + self.b) + self.a * t


def _polish(t: float, a: float, b: float, c: float) -> float:
    """Newton steps on ``q'(t) = 4 c t^3 + 2 b t + a`` from a root estimate."""
    for _ in range(8):
        slope = 12.0 * c * t * t + 2.0 * b
        if slope == 0.0:
            break
        step = (4.0 * c * t**3 + 2.0 * b * t + a) / slope
        t -= step
        if abs(step) <= 1e-16 * (1.0 + abs(t)):
            break
    return t


def _level_crossings(a: float, b: float, c: float, level: float) -> tuple[float, float]:
    """The smallest and largest real roots of ``q(t) = level`` (``level`` above the minimum)."""
    roots = np.roots([c, 0.0, b, a, -level])
    real = roots.real[np.abs(roots.imag) <= 1e-9 * (1.0 + np.abs(roots))]
    low, high = float(real.min()), float(real.max())

    def polish(t: float) -> float:  # Newton on q(t) - level, from outside: monotone there
        for _ in range(8):
            slope = 4.0 * c * t**3 + 2.0 * b * t + a
            if slope == 0.0:
                break
            t -= (t * t * (c * t * t + b) + a * t - level) / slope
        return t

    return polish(low), polish(high)


def _gauss_legendre(low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of composite 20-point Gauss-Legendre on ``_PANELS`` panels of [low, high]."""
    nodes, weights = _GAUSS_LEGENDRE
    edges = np.linspace(low, high, _PANELS + 1)
    half = 0.5 * np.diff(edges)
    centre = 0.5 * (edges[1:] + edges[:-1])
    t = (centre[:, None] + half[:, None] * nodes[None, :]).ravel()
    w = (half[:, None] * weights[None, :]).ravel()
    return t, w


def _crossing(well: _Well, direction: float, limit: float) -> float:
    """The ``y`` on the side ``direction`` (+1 or -1) where the rise reaches ``_TAIL``, or
    ``limit`` (the split, or an infinity) where it stays below ``_TAIL`` up to there.

    The rise increases with ``|y|`` from the minimum up to the split (or forever), so the
    crossing is bracketed by doubling from the well's own scale and found by bisection.
    """
    _, half_curvature, _, c = well.coefficients
    step = (_TAIL / c) ** 0.25
    if half_curvature > 0.0:
        step = min(step, math.sqrt(_TAIL / half_curvature))
    if math.isfinite(limit) and float(well.rise(np.array(limit))) <= _TAIL:
        return limit
    inside, outside = 0.0, step
    while float(well.rise(np.array(direction * outside))) < _TAIL:
        inside, outside = outside, 2.0 * outside
    for _ in range(200):
        middle = 0.5 * (inside + outside)
        if middle in (inside, outside):
            break
        if float(well.rise(np.array(direction * middle))) < _TAIL:
            inside = middle
        else:
            outside = middle
    return direction * outside


def _make_well(m: float, a: float, b: float, c: float, split: float) -> _Well:
    """The well at the minimizer ``m``, its interval bounded by ``split`` (NaN: unbounded)."""
    coefficients = (4.0 * c * m**3 + 2.0 * b * m + a, 6.0 * c * m * m + b, 4.0 * c * m, c)
    well = _Well(m, m * m * (c * m * m + b) + a * m, coefficients, 0.0, 0.0)
    below = split - m if split < m else -math.inf  # False for a NaN split
    above = split - m if split > m else math.inf
    return _Well(m, well.depth, coefficients, _crossing(well, -1.0, below), _crossing(well, 1.0, above))


def _depth_gap(m: float, n: float, a: float, b: float, c: float) -> float:
    """``q(m) - q(n)`` factored, ``(m - n) (c (m + n)(m^2 + n^2) + b (m + n) + a)``: exact to
    the rounding of the small difference, not of the large values ``q(m)`` and ``q(n)``."""
    return (m - n) * (c * (m + n) * (m * m + n * n) + b * (m + n) + a)


@functools.lru_cache(maxsize=32)
def _quartic(a: float, b: float, c: float) -> _Quartic:
    """Critical points, wells and moments of ``exp(-(c t^4 + b t^2 + a t))`` by quadrature.

    Each well is integrated on its own scale: composite Gauss-Legendre (128 panels of 20
    nodes) over the interval of its local coordinate ``y = t - m`` where ``q(m + y) - q(m)``
    is at most 100 (or up to the split between the wells), the rise computed from the Taylor
    coefficients at ``m`` (exact for a quartic). The integrand is entire, so this is exact to
    rounding however narrow the wells (``b = -10^6``: wells of width ``10^{-3}`` a distance
    ``1400`` apart, under a barrier of ``2.5 \\cdot 10^{11}``); outside these intervals the
    density is below ``e^{-100}`` of its peak. The moments are combined from each well's
    central moments (no cancellation of ``E[t^2] - E[t]^2`` for narrow wells).
    """
    with np.errstate(all="ignore"):
        roots = np.roots([4.0 * c, 0.0, 2.0 * b, a])
        scale = 1.0 + np.abs(roots)
        critical = sorted(_polish(float(r.real), a, b, c) for r in roots if abs(r.imag) <= 1e-7 * scale.max())
        curvature = [12.0 * c * t * t + 2.0 * b for t in critical]
        minima = tuple(t for t, k in zip(critical, curvature, strict=True) if k > 0.0)
        if not minima:  # a degenerate (flat) critical point: the only one is the minimum
            minima = (critical[0],)
        if len(minima) == 2:
            split = next(t for t, k in zip(critical, curvature, strict=True) if k < 0.0)
        else:
            minima = (min(minima, key=lambda t: t * t * (c * t * t + b) + a * t),)
            split = math.nan
        wells = tuple(_make_well(m, a, b, c, split) for m in minima)
        deepest = min(wells, key=lambda well: well.depth)
        log_sums, means, variances = [], [], []
        for well in wells:
            y, w = _gauss_legendre(well.low, well.high)
            f = w * np.exp(-well.rise(y))
            total = float(f.sum())
            shift = float((f * y).sum()) / total
            log_sums.append(math.log(total) - _depth_gap(well.centre, deepest.centre, a, b, c))
            means.append(well.centre + shift)
            variances.append(float((f * (y - shift) ** 2).sum()) / total)
        peak = max(log_sums)
        log_total = peak + math.log(sum(math.exp(v - peak) for v in log_sums))
        masses = tuple(math.exp(v - log_total) for v in log_sums)
        mean = sum(p * mu for p, mu in zip(masses, means, strict=True))
        var = sum(p * (v + (mu - mean) ** 2) for p, v, mu in zip(masses, variances, means, strict=True))
        plot_low, plot_high = _level_crossings(a, b, c, deepest.depth + _BOUNDS_LEVEL)
    return _Quartic(
        a=a,
        b=b,
        c=c,
        minima=minima,
        split=split,
        q_min=deepest.depth,
        log_z=log_total - deepest.depth,
        masses=masses,
        mean=mean,
        var=var,
        low=min(well.centre + well.low for well in wells),
        high=max(well.centre + well.high for well in wells),
        plot_low=plot_low,
        plot_high=plot_high,
        wells=wells,
    )


@dataclass(frozen=True)
class _Envelope:
    """A piecewise-constant upper bound of the density, cell by cell over every well.

    Attributes:
        centre, coefficients: per cell, its well's minimizer and rise coefficients (as
            :class:`_Well`), ``(cells,)`` and ``(cells, 4)``.
        low, width: per cell, its start (in the well's ``y``) and its width.
        bound: per cell, the minimum of the rise over the cell (the envelope there is
            ``exp(-bound)`` relative to the well's peak).
        cumulative: the cumulative probabilities of the cells (the wells weighed by mass).
        acceptance: the acceptance rate of the rejection step.
    """

    centre: Tensor
    coefficients: Tensor
    low: Tensor
    width: Tensor
    bound: Tensor
    cumulative: Tensor
    acceptance: float


@functools.lru_cache(maxsize=32)
def _envelope(a: float, b: float, c: float) -> _Envelope:
    """The envelope of each well on its interval (``_ENVELOPE_CELLS`` cells), weighed by mass.

    In each cell the bound is ``exp(-min rise)``: the minimum of the rise on a cell is at an
    end, or at the well's minimum ``y = 0`` where the cell holds it.
    """
    quartic = _quartic(a, b, c)
    parts: list[tuple[np.ndarray, ...]] = []
    acceptance = 0.0
    for well, mass in zip(quartic.wells, quartic.masses, strict=True):
        edges = np.linspace(well.low, well.high, _ENVELOPE_CELLS + 1)
        rise = well.rise(edges)
        bound = np.minimum(rise[:-1], rise[1:])
        bound[(edges[:-1] <= 0.0) & (edges[1:] >= 0.0)] = 0.0
        cell_mass = np.exp(-bound) * np.diff(edges)
        envelope_total = float(cell_mass.sum())
        y, w = _gauss_legendre(well.low, well.high)
        acceptance += mass * float((w * np.exp(-well.rise(y))).sum()) / envelope_total
        parts.append(
            (
                np.full(_ENVELOPE_CELLS, well.centre),
                np.tile(np.array(well.coefficients), (_ENVELOPE_CELLS, 1)),
                edges[:-1],
                np.diff(edges),
                bound,
                mass * cell_mass / envelope_total,
            )
        )
    centre, coefficients, low, width, bound, probability = (
        np.concatenate(p) for p in zip(*parts, strict=True)
    )
    cumulative = np.cumsum(probability)
    return _Envelope(
        centre=torch.from_numpy(centre),
        coefficients=torch.from_numpy(coefficients),
        low=torch.from_numpy(low),
        width=torch.from_numpy(width),
        bound=torch.from_numpy(bound),
        cumulative=torch.from_numpy(cumulative / cumulative[-1]),
        acceptance=acceptance,
    )


class ManyWell(BaseModel):
    r"""The many-well: ``dim / 2`` independent copies of a 2-D asymmetric double well.

    Each pair of coordinates :math:`(t_k, y_k) = (x_{2k-1}, x_{2k})` is the double well of
    Noé et al. (quartic in :math:`t`, Gaussian in :math:`y`):

    .. math::

        E(x) = \sum_{k=1}^{d/2} \Big( c\, t_k^4 + b\, t_k^2 + a\, t_k + \tfrac12 y_k^2 \Big),
        \qquad
        \log Z = \frac d2 \Big( \log \int e^{-(c t^4 + b t^2 + a t)}\, dt
                 + \tfrac12 \log 2\pi \Big).

    With FAB's defaults :math:`a = -0.5,\ b = -6,\ c = 1` the quartic
    :math:`t^4 - 6 t^2 - 0.5 t` has a deep well at :math:`t \approx 1.7` and a shallow one at
    :math:`t \approx -1.7`, split at its local maximum near :math:`t \approx -0.04`:
    :math:`2^{d/2}` modes (65,536 for the usual ``dim = 32``) whose masses are products of the
    two wells' masses (about 0.844 for the deep well and 0.156 for the shallow one), and a
    unique global minimum (every pair in the deep well). The 1-D integral is about
    11784.50927, so ``dim = 32`` has
    :math:`\log Z \approx 164.6957`.

    Ground truth, from the factorization: ``log_partition()`` by composite Gauss-Legendre
    quadrature of the 1-D quartic density (each well separately, exact to rounding);
    ``sample()`` exactly, by rejection from a piecewise-constant envelope of the 1-D density
    (a 4096-cell upper bound, acceptance above 99%) and standard normals for the :math:`y_k`;
    ``mean``, ``stddev`` by the same quadrature; ``modes`` lists every combination of wells
    (up to :math:`2^{16}` of them; beyond, the deepest mode, the shallowest and the
    :math:`d/2` modes with one pair in its shallow well) with its probability mass, and
    :meth:`mode_index` / :meth:`well_index` say which mode a sample is in, for mode coverage.

    Other papers' "many well" with the same name differ: the :math:`(a, b, c)` here are FAB's
    (bgflow's ``DoubleWellEnergy`` with those constants); sampler benchmarks that use a
    symmetric :math:`(t^2 - \delta)^2` on only some coordinates define a different target.

    Args:
        dim: the dimension, even (``dim / 2`` double wells).
        a: the linear (tilt) coefficient of the quartic; ``a = 0`` makes the wells symmetric.
        b: the quadratic coefficient; two wells need ``b < 0`` and a small enough tilt.
        c: the quartic coefficient, ``c > 0``.

    References:
        L. I. Midgley, V. Stimper, G. N. C. Simm, B. Schölkopf, J. M. Hernández-Lobato,
        "Flow Annealed Importance Sampling Bootstrap", ICLR 2023 (the many-well target, with
        ``dim = 32``). F. Noé, S. Olsson, J. Köhler, H. Wu, "Boltzmann generators: Sampling
        equilibrium states of many-body systems with deep learning", Science 365 (2019) (the
        2-D double well).

    Example:
        >>> import torch, ebmcore
        >>> target = ebmcore.create("many_well", dim=4)
        >>> target.energy(torch.tensor([1.0, 0.0, -1.0, 2.0]))
        tensor(-8.)
        >>> round(ebmcore.create("many_well").log_partition(), 4)
        164.6957
        >>> target.mode_index(torch.tensor([[-1.7, 0.0, 1.7, 0.0], [1.7, 0.0, 1.7, 0.0]]))
        tensor([1, 3])
    """

    compiled_kernels = ("cuda",)  # a fused torch.compile kernel for CUDA inputs

    arg_constraints = {
        "dim": even_dimension,
        "a": constraints.real,
        "b": constraints.real,
        "c": constraints.positive,
    }

    def __init__(self, dim: int = 32, a: float = -0.5, b: float = -6.0, c: float = 1.0) -> None:
        super().__init__(dim, dim=dim, a=a, b=b, c=c)
        self.a = float(a)
        self.b = float(b)
        self.c = float(c)
        self.n_pairs = dim // 2

    # -- energy -----------------------------------------------------------------------------------

    def forward(self, x: Tensor) -> Tensor:
        t, y = x[..., 0::2], x[..., 1::2]
        # t^2 (c t^2 + b) + a t: never inf - inf when t^2 overflows
        quartic = t * t * (self.c * t * t + self.b) + self.a * t
        return quartic.sum(-1) + 0.5 * (y * y).sum(-1)

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        t, y = x[..., 0::2], x[..., 1::2]
        t2 = t * t
        energy = (t2 * (self.c * t2 + self.b) + self.a * t).sum(-1) + 0.5 * (y * y).sum(-1)
        slope = t * (4.0 * self.c * t2 + 2.0 * self.b) + self.a
        return energy, torch.stack([slope, y], dim=-1).reshape(x.shape)

    def analytic_gradient(self, x: Tensor) -> Tensor:
        t, y = x[..., 0::2], x[..., 1::2]
        slope = t * (4.0 * self.c * t * t + 2.0 * self.b) + self.a
        return torch.stack([slope, y], dim=-1).reshape(x.shape)

    # -- ground truth -------------------------------------------------------------------------

    @property
    def quartic(self) -> _Quartic:
        """The 1-D ground truth of the quartic coordinate (wells, split point, masses, moments)."""
        return _quartic(self.a, self.b, self.c)

    def log_partition(self) -> float:
        return self.n_pairs * (self.quartic.log_z + 0.5 * math.log(2.0 * math.pi))

    @property
    def bounds(self) -> Tensor:
        """Per pair: where ``exp(-q(t))`` is within ``e^-12`` of its peak, and ``|y| <= sqrt(24)``."""
        quartic = self.quartic
        edge = math.sqrt(2.0 * _BOUNDS_LEVEL)
        low = torch.tensor([quartic.plot_low, -edge], dtype=torch.float64).repeat(self.n_pairs)
        high = torch.tensor([quartic.plot_high, edge], dtype=torch.float64).repeat(self.n_pairs)
        return torch.stack([low, high])

    @property
    def mean(self) -> Tensor:
        """The mean of the quartic coordinates (by quadrature) and 0 for the Gaussian ones."""
        return torch.tensor([self.quartic.mean, 0.0], dtype=torch.float64).repeat(self.n_pairs)

    @property
    def stddev(self) -> Tensor:
        """The standard deviation of the quartic coordinates (by quadrature) and 1 for the Gaussian ones."""
        return torch.tensor([math.sqrt(self.quartic.var), 1.0], dtype=torch.float64).repeat(self.n_pairs)

    @property
    def minima(self) -> Minima:
        """Every pair at the deepest well of the quartic (both wells when ``a = 0``), ``y = 0``."""
        quartic = self.quartic
        value = self.n_pairs * quartic.q_min
        if self.a == 0.0 and len(quartic.minima) == 2:  # symmetric wells: 2^(dim/2) minimizers
            count = 2**self.n_pairs
            listed = count if count <= _MAX_LISTED_MINIMA else 4
            bits = self._representative_bits(listed, count)
            return Minima(self._points(bits, quartic.minima), value, count)
        deepest = min(quartic.minima, key=lambda t: float(quartic.q(np.array(t))))
        return Minima(self._points(torch.zeros(1, self.n_pairs, dtype=torch.long), (deepest,)), value, 1)

    @property
    def modes(self) -> Modes:
        """Every combination of wells (``2^(dim/2)``, listed up to ``2^16``) and its probability mass.

        Mode ``i`` has pair ``k`` in well ``(i >> (dim/2 - 1 - k)) & 1`` (0: the left well,
        1: the right one; the first pair is the most significant bit), as :meth:`mode_index`.
        """
        quartic = self.quartic
        wells = len(quartic.minima)
        count = wells**self.n_pairs
        if wells == 1:
            return Modes(self._points(torch.zeros(1, self.n_pairs, dtype=torch.long), quartic.minima), [1.0])
        if count <= _MAX_LISTED_MODES:
            index = torch.arange(count)
            shifts = torch.arange(self.n_pairs - 1, -1, -1)
            bits = (index[:, None] >> shifts) & 1
        else:  # the deepest and shallowest modes, and each single flip from the deepest
            deep = int(quartic.masses[1] > quartic.masses[0])
            base = torch.full((self.n_pairs,), deep, dtype=torch.long)
            flips = base.repeat(self.n_pairs, 1)
            flips[torch.arange(self.n_pairs), torch.arange(self.n_pairs)] = 1 - deep
            bits = torch.cat([base[None], 1 - base[None], flips])
        log_mass = torch.log(torch.tensor(quartic.masses, dtype=torch.float64))
        weights = log_mass[bits].sum(-1).exp()
        return Modes(self._points(bits, quartic.minima), weights, count)

    def well_index(self, x: Tensor) -> Tensor:
        """Which well each pair of ``x`` (``(*batch, dim)``) is in: ``(*batch, dim/2)`` int64.

        0 for the left well (``t`` below the local maximum of the quartic), 1 for the right
        one; always 0 when the quartic has a single well.
        """
        self.check_input(x)
        split = self.quartic.split
        t = x[..., 0::2]
        if math.isnan(split):
            return torch.zeros(t.shape, dtype=torch.long, device=x.device)
        return (t > split).long()

    def mode_index(self, x: Tensor) -> Tensor:
        """The index, in :attr:`modes`, of the mode whose basin holds each sample: ``(*batch,)`` int64.

        Counting the distinct indices among a sampler's output measures its mode coverage.

        Raises:
            InvalidInputError: ``dim > 124``, where the index does not fit in int64 (use
                :meth:`well_index`).
        """
        if self.n_pairs > 62:
            raise InvalidInputError(
                f"ManyWell.mode_index: 2^{self.n_pairs} modes do not fit in int64; use well_index(x)"
            )
        wells = self.well_index(x)
        shifts = torch.arange(self.n_pairs - 1, -1, -1, device=x.device)
        return (wells << shifts).sum(-1)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Exact samples: rejection from a piecewise-constant envelope for ``t``, normals for ``y``."""
        t = self._sample_quartic(n * self.n_pairs, generator).reshape(n, self.n_pairs)
        y = torch.randn(n, self.n_pairs, generator=generator, dtype=torch.float64)
        return torch.stack([t, y], dim=-1).reshape(n, self.dim).to(self.dtype)

    # -- helpers ------------------------------------------------------------------------------

    def _sample_quartic(self, n: int, generator: torch.Generator | None) -> Tensor:
        """Rejection from the envelope of every well: a cell by its probability, a uniform ``y``
        in it, accepted with probability ``exp(-(rise(y) - bound))``; returns ``centre + y``."""
        envelope = _envelope(self.a, self.b, self.c)
        cells = len(envelope.bound)
        accepted: list[Tensor] = [torch.empty(0, dtype=torch.float64)]
        have = 0
        while have < n:
            draw = int((n - have) / envelope.acceptance * 1.05) + 16
            u = torch.rand(3, draw, generator=generator, dtype=torch.float64)
            cell = torch.searchsorted(envelope.cumulative, u[0]).clamp_max(cells - 1)
            y = envelope.low[cell] + u[1] * envelope.width[cell]
            slope, half_curvature, cubic, c = envelope.coefficients[cell].unbind(-1)
            rise = y * (slope + y * (half_curvature + y * (cubic + c * y)))
            keep = (envelope.centre[cell] + y)[u[2].log() <= -(rise - envelope.bound[cell])]
            accepted.append(keep)
            have += len(keep)
        return torch.cat(accepted)[:n]

    def _points(self, bits: Tensor, wells: tuple[float, ...]) -> Tensor:
        """``(k, dim)`` points with pair ``j`` of row ``i`` at ``(wells[bits[i, j]], 0)``."""
        t = torch.tensor(wells, dtype=torch.float64)[bits]
        return torch.stack([t, torch.zeros_like(t)], dim=-1).reshape(len(bits), self.dim)

    def _representative_bits(self, listed: int, count: int) -> Tensor:
        if listed == count:
            shifts = torch.arange(self.n_pairs - 1, -1, -1)
            return (torch.arange(count)[:, None] >> shifts) & 1
        alternating = torch.arange(self.n_pairs) % 2
        ones = torch.ones(self.n_pairs, dtype=torch.long)
        return torch.stack([1 - ones, ones, alternating, 1 - alternating])
