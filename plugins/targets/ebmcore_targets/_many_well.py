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


@functools.lru_cache(maxsize=32)
def _quartic(a: float, b: float, c: float) -> _Quartic:
    """Critical points, wells and moments of ``exp(-(c t^4 + b t^2 + a t))`` by quadrature.

    Composite Gauss-Legendre on each well separately (``[low, split]`` and ``[split, high]``,
    128 panels of 20 nodes): the integrand is entire, so this is exact to rounding; outside
    ``[low, high]`` the density is below ``e^-100`` of its peak.
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

        def q(t: np.ndarray) -> np.ndarray:
            return t * t * (c * t * t + b) + a * t

        q_min = float(min(q(np.array(minima))))
        low, high = _level_crossings(a, b, c, q_min + _TAIL)
        plot_low, plot_high = _level_crossings(a, b, c, q_min + _BOUNDS_LEVEL)
        pieces = [(low, split), (split, high)] if len(minima) == 2 else [(low, high)]
        sums = []
        first = []
        second = []
        for lo, hi in pieces:
            t, w = _gauss_legendre(lo, hi)
            f = w * np.exp(-(q(t) - q_min))
            sums.append(float(f.sum()))
            first.append(float((f * t).sum()))
            second.append(float((f * t * t).sum()))
        total = sum(sums)
        mean = sum(first) / total
        var = sum(second) / total - mean * mean
    return _Quartic(
        a=a,
        b=b,
        c=c,
        minima=minima,
        split=split,
        q_min=q_min,
        log_z=math.log(total) - q_min,
        masses=tuple(s / total for s in sums),
        mean=mean,
        var=var,
        low=low,
        high=high,
        plot_low=plot_low,
        plot_high=plot_high,
    )


@functools.lru_cache(maxsize=32)
def _envelope(a: float, b: float, c: float) -> tuple[Tensor, Tensor, Tensor, float]:
    """A piecewise-constant upper bound of ``exp(-(q - q_min))`` on ``[low, high]``.

    Returns the cell edges, the cumulative cell probabilities and each cell's ``min q`` (the
    bound is ``exp(-(min q - q_min))`` in each cell: the minimum of a polynomial on a cell is
    at an end or at a local minimizer inside it), and the acceptance rate.
    """
    quartic = _quartic(a, b, c)
    edges = np.linspace(quartic.low, quartic.high, _ENVELOPE_CELLS + 1)
    q_edges = quartic.q(edges)
    cell_min = np.minimum(q_edges[:-1], q_edges[1:])
    for m in quartic.minima:
        cell = int(np.clip(np.searchsorted(edges, m) - 1, 0, _ENVELOPE_CELLS - 1))
        cell_min[cell] = min(cell_min[cell], float(quartic.q(np.array(m))))
    mass = np.exp(-(cell_min - quartic.q_min)) * np.diff(edges)
    cumulative = np.cumsum(mass)
    acceptance = math.exp(quartic.log_z + quartic.q_min) / float(cumulative[-1])
    return (
        torch.from_numpy(edges),
        torch.from_numpy(cumulative / cumulative[-1]),
        torch.from_numpy(cell_min),
        acceptance,
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
        return torch.stack([t, y], dim=-1).reshape(n, self.dim)

    # -- helpers ------------------------------------------------------------------------------

    def _sample_quartic(self, n: int, generator: torch.Generator | None) -> Tensor:
        edges, cumulative, cell_min, acceptance = _envelope(self.a, self.b, self.c)
        cells = len(cell_min)
        accepted: list[Tensor] = []
        have = 0
        while have < n:
            draw = int((n - have) / acceptance * 1.05) + 16
            u = torch.rand(3, draw, generator=generator, dtype=torch.float64)
            cell = torch.searchsorted(cumulative, u[0]).clamp_max(cells - 1)
            t = edges[cell] + u[1] * (edges[cell + 1] - edges[cell])
            excess = t * t * (self.c * t * t + self.b) + self.a * t - cell_min[cell]
            keep = t[u[2].log() <= -excess]
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
