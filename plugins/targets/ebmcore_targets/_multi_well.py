"""The multi-well target of sde_sampler: symmetric quartic double wells on some coordinates,
a standard Gaussian on the others."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ebmcore import BaseModel, InvalidInputError, InvalidParameterError, Minima, Modes, constraints

__all__ = ["MultiWell"]

_MAX_LISTED_MODES = 2**16
"""Every mode is listed up to this many (``n_wells <= 16``)."""
_MAX_LISTED_MINIMA = 256
_TAIL = 100.0
"""Quadrature and sampling cover ``(t^2 - delta)^2 <= _TAIL``: the mass left out is below e^-100."""
_GAUSS_LEGENDRE = np.polynomial.legendre.leggauss(20)
_PANELS = 128
_ENVELOPE_CELLS = 4096
_MAX_DELTA = 1e6

_delta = constraints.Constraint(
    lambda v: constraints.real.check(v) and 0.0 < v <= _MAX_DELTA, f"a real number in (0, {_MAX_DELTA:g}]"
)

_VARIANTS: dict[str, dict[str, Any]] = {
    "5d": {"dim": 5, "n_wells": 5, "delta": 4.0},  # sde_sampler's target=mw
    "50d": {"dim": 50, "n_wells": 5, "delta": 2.0},  # sde_sampler's target=mw_50d
}


@dataclass(frozen=True)
class _Factor:
    r"""Ground truth of the 1-D density :math:`\propto e^{-(t^2 - \delta)^2}`.

    On the half line :math:`t \ge 0` it is written in the local coordinate
    :math:`y = t - \sqrt\delta` about the right well, where
    :math:`t^2 - \delta = y (2 \sqrt\delta + y)` holds without cancellation.

    Attributes:
        root: :math:`\sqrt\delta`, the right well.
        low, high: the interval of ``y`` (``low >= -root``) where
            :math:`(t^2 - \delta)^2 \le` ``_TAIL``; it starts at ``t = 0`` (``low = -root``)
            when the barrier :math:`\delta^2` is lower than that.
        log_z: :math:`\log \int_{-\infty}^{\infty} e^{-(t^2 - \delta)^2}\, dt`.
        second: :math:`E[t^2]` (the mean is 0 by symmetry).
    """

    root: float
    low: float
    high: float
    log_z: float
    second: float

    def rise(self, y: Any) -> Any:
        """``(t^2 - delta)^2`` at ``t = root + y`` (numpy arrays or tensors)."""
        v = y * (2.0 * self.root + y)
        return v * v


def _gauss_legendre(low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of composite 20-point Gauss-Legendre on ``_PANELS`` panels of [low, high]."""
    nodes, weights = _GAUSS_LEGENDRE
    edges = np.linspace(low, high, _PANELS + 1)
    half = 0.5 * np.diff(edges)
    centre = 0.5 * (edges[1:] + edges[:-1])
    return (centre[:, None] + half[:, None] * nodes).ravel(), (half[:, None] * weights).ravel()


@functools.lru_cache(maxsize=64)
def _factor(delta: float) -> _Factor:
    r"""Log normalizer and second moment of :math:`e^{-(t^2 - \delta)^2}` by quadrature.

    The density is even, so :math:`Z = 2 \int_0^\infty`; on the half line, composite
    Gauss-Legendre (128 panels of 20 nodes) in :math:`y = t - \sqrt\delta` over the interval
    where :math:`(t^2 - \delta)^2 \le 100`. The integrand is entire, so the rule converges
    geometrically however narrow the well (width :math:`1/(2\sqrt{2\delta})` for large
    :math:`\delta`); outside the interval the density is below :math:`e^{-100}` of its peak.
    """
    root = math.sqrt(delta)
    w = math.sqrt(_TAIL)
    high = w / (math.sqrt(delta + w) + root)  # sqrt(delta + w) - root, without cancellation
    low = -w / (math.sqrt(delta - w) + root) if delta > w else -root
    factor = _Factor(root, low, high, 0.0, 0.0)
    y, weights = _gauss_legendre(low, high)
    f = weights * np.exp(-factor.rise(y))
    half_integral = float(f.sum())
    second = float((f * (root + y) ** 2).sum()) / half_integral
    return _Factor(root, low, high, math.log(2.0 * half_integral), second)


@dataclass(frozen=True)
class _Envelope:
    """A piecewise-constant upper bound of ``exp(-rise(y))`` on ``[low, high]``, cell by cell.

    Attributes:
        low, width: per cell, its start and width.
        bound: per cell, the minimum of the rise over the cell.
        cumulative: the cumulative probabilities of the cells under the envelope.
        acceptance: the acceptance rate of the rejection step.
    """

    low: Tensor
    width: Tensor
    bound: Tensor
    cumulative: Tensor
    acceptance: float


@functools.lru_cache(maxsize=64)
def _envelope(delta: float) -> _Envelope:
    """The envelope of the half-line density: the rise decreases on ``[-root, 0]`` and increases
    beyond, so its minimum over a cell is at an end, or 0 where the cell holds ``y = 0``."""
    factor = _factor(delta)
    edges = np.linspace(factor.low, factor.high, _ENVELOPE_CELLS + 1)
    rise = factor.rise(edges)
    bound = np.minimum(rise[:-1], rise[1:])
    bound[(edges[:-1] <= 0.0) & (edges[1:] >= 0.0)] = 0.0
    cell_mass = np.exp(-bound) * np.diff(edges)
    total = float(cell_mass.sum())
    cumulative = np.cumsum(cell_mass) / total
    cumulative[-1] = 1.0
    acceptance = 0.5 * math.exp(factor.log_z) / total
    return _Envelope(
        low=torch.from_numpy(edges[:-1].copy()),
        width=torch.from_numpy(np.diff(edges)),
        bound=torch.from_numpy(bound),
        cumulative=torch.from_numpy(cumulative),
        acceptance=acceptance,
    )


class MultiWell(BaseModel):
    r"""sde_sampler's multi-well: symmetric double wells on the first ``n_wells`` coordinates, a
    standard Gaussian on the rest.

    .. math::

        E(x) = \sum_{i=1}^{m} \big((x_i - s)^2 - \delta\big)^2
               + \frac12 \sum_{i=m+1}^{d} (x_i - s)^2,
        \qquad
        \log Z = m \log \int_{-\infty}^{\infty} e^{-(t^2 - \delta)^2}\, dt
                 + \frac{d - m}{2} \log 2\pi .

    This is ``MultiWell`` of sde_sampler (Berner, Richter, Ullrich), followed exactly: its
    ``DoubleWell`` has the unnormalized log density :math:`-((x - s)^2 - \delta)^2` (no scale
    factor, no linear term; ``separation`` is :math:`\delta`, ``shift`` is :math:`s`), the first
    ``n_double_wells`` coordinates are double wells and the others an ``IsotropicGauss`` of unit
    scale centred at the same shift, whose unnormalized log density is exactly
    :math:`-\frac12 |x - s|^2` (sde_sampler adds back the Gaussian normalizer it subtracts).
    Each well coordinate has its minima at :math:`s \pm \sqrt\delta` and a barrier of height
    :math:`\delta^2` between them, so the density has :math:`2^m` modes of equal mass
    :math:`2^{-m}`, all global minimizers of :math:`E` with :math:`E = 0`.

    The variants are the two configurations of sde_sampler (``conf/target``):

    * ``"5d"`` (the default, ``target=mw``): :math:`d = 5`, :math:`m = 5`, :math:`\delta = 4`
      (no Gaussian coordinates; wells at :math:`\pm 2` under a barrier of 16; 32 modes).
    * ``"50d"`` (``target=mw_50d``): :math:`d = 50`, :math:`m = 5`, :math:`\delta = 2`
      (wells at :math:`\pm\sqrt2` under a barrier of 4, and 45 Gaussian coordinates).

    ``dim``, ``n_wells`` and ``delta`` override the variant's values; ``shift`` is 0 in both
    (sde_sampler's default; its shifted example is the 1-D ``dw_shift``).

    Ground truth, from the factorization: ``log_partition()`` by composite Gauss-Legendre
    quadrature of the 1-D factor on the half line :math:`t \ge 0` (the factor is even), in the
    coordinate :math:`y = t - \sqrt\delta` where :math:`t^2 - \delta = y (2\sqrt\delta + y)`
    has no cancellation, so narrow wells (large :math:`\delta`) stay exact; ``sample()``
    exactly, by rejection from a piecewise-constant envelope of the half-line density (4096
    cells; quadrature and envelope stop where the density is below :math:`e^{-100}` of its
    peak) and a random sign, normals for the Gaussian coordinates; ``mean`` (:math:`s`), ``stddev`` (the
    square root of :math:`E[t^2]` from the same quadrature, 1 for the Gaussian coordinates);
    ``minima`` and ``modes`` (the :math:`2^m` corners, listed up to 256 and :math:`2^{16}`;
    beyond, a representative four with the exact count); :meth:`mode_index` and
    :meth:`well_index` say which mode a sample is in. ``bounds`` is sde_sampler's domain:
    :math:`s \pm (\sqrt\delta + 2.5)` on the wells and :math:`s \pm 5` on the Gaussian
    coordinates.

    Other double wells differ: ``double_well`` (TorchEBM's :math:`h (x^2 - b^2)^2` on every
    coordinate) is this energy with :math:`m = d`, :math:`h = 1`, :math:`b^2 = \delta`, and
    ``many_well`` is FAB's tilted :math:`a t + b t^2 + c t^4` on every other coordinate; see
    the documentation page on double-well conventions.

    Args:
        variant: ``"5d"`` or ``"50d"``: the defaults of ``dim``, ``n_wells`` and ``delta``.
        dim: the dimension :math:`d`.
        n_wells: :math:`m`, the number of double-well coordinates, from 1 to ``dim``
            (sde_sampler's ``n_double_wells``); default the variant's 5, or ``dim`` where it
            is smaller.
        delta: :math:`\delta > 0`, the squared position of the wells (sde_sampler's
            ``separation``).
        shift: :math:`s`, the centre of every coordinate.

    References:
        J. Berner, L. Richter, K. Ullrich, "An optimal control perspective on diffusion-based
        generative modeling", TMLR 2024 (arXiv:2211.01364, 2022), and its code
        ``github.com/juliusberner/sde_sampler`` (``sde_sampler/distr/double_well.py``,
        ``conf/target/mw.yaml`` and ``mw_50d.yaml``).

    Example:
        >>> import torch, ebmcore
        >>> target = ebmcore.create("multi_well")  # d = 5, 5 wells, delta = 4
        >>> target.energy(torch.tensor([2.0, -2.0, 2.0, 0.0, 1.0]))
        tensor(25.)
        >>> round(target.log_partition(), 6), target.modes.count
        (-0.541056, 32)
        >>> big = ebmcore.create("multi_well", variant="50d")
        >>> round(big.log_partition(), 6), big.minima.count
        (42.817243, 32)
        >>> target.mode_index(torch.tensor([[-2.0, -2.0, -2.0, -2.0, 2.0], [2.0, 2.0, 2.0, 2.0, 2.0]]))
        tensor([ 1, 31])
    """

    arg_constraints = {
        "variant": constraints.one_of(*_VARIANTS),
        "dim": constraints.optional(constraints.integer_interval(1, 1 << 20)),
        "n_wells": constraints.optional(constraints.positive_integer),
        "delta": constraints.optional(_delta),
        "shift": constraints.real,
    }

    def __init__(
        self,
        variant: str = "5d",
        dim: int | None = None,
        n_wells: int | None = None,
        delta: float | None = None,
        shift: float = 0.0,
    ) -> None:
        given = self.check_args(variant=variant, dim=dim, n_wells=n_wells, delta=delta, shift=shift)
        resolved = dict(given)
        for key, default in _VARIANTS[variant].items():
            if resolved[key] is None:
                resolved[key] = default
        if given["n_wells"] is None:  # the variant's 5 wells, or every coordinate of a smaller dim
            resolved["n_wells"] = min(resolved["n_wells"], resolved["dim"])
        d, m = int(resolved["dim"]), int(resolved["n_wells"])
        if m > d:
            raise InvalidParameterError("n_wells", m, f"an integer in [1, dim = {d}]", energy="MultiWell")
        resolved["delta"] = float(resolved["delta"])
        resolved["shift"] = float(resolved["shift"])
        super().__init__(d, **resolved)
        self.variant = variant
        self.n_wells = m
        self.delta = resolved["delta"]
        self.shift = resolved["shift"]

    # -- energy -----------------------------------------------------------------------------------

    def _split(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """The well coordinates and the Gaussian ones, shifted."""
        t, u = x[..., : self.n_wells], x[..., self.n_wells :]
        if self.shift != 0.0:
            t, u = t - self.shift, u - self.shift
        return t, u

    def forward(self, x: Tensor) -> Tensor:
        t, u = self._split(x)
        v = t * t - self.delta
        return (v * v).sum(-1) + 0.5 * (u * u).sum(-1)

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        t, u = self._split(x)
        v = t * t - self.delta
        energy = (v * v).sum(-1) + 0.5 * (u * u).sum(-1)
        return energy, torch.cat([4.0 * t * v, u], dim=-1)

    def analytic_gradient(self, x: Tensor) -> Tensor:
        t, u = self._split(x)
        return torch.cat([4.0 * t * (t * t - self.delta), u], dim=-1)

    # -- ground truth -------------------------------------------------------------------------

    @property
    def factor(self) -> _Factor:
        """The 1-D ground truth of a well coordinate (interval, log normalizer, second moment)."""
        return _factor(self.delta)

    def log_partition(self) -> float:
        n_gauss = self.dim - self.n_wells
        return self.n_wells * self.factor.log_z + 0.5 * n_gauss * math.log(2.0 * math.pi)

    @property
    def bounds(self) -> Tensor:
        """sde_sampler's domain: ``s ± (sqrt(delta) + 2.5)`` on the wells, ``s ± 5`` elsewhere."""
        edge = torch.full((self.dim,), 5.0, dtype=torch.float64)
        edge[: self.n_wells] = math.sqrt(self.delta) + 2.5
        return torch.stack([self.shift - edge, self.shift + edge])

    @property
    def mean(self) -> Tensor:
        """``shift`` in every coordinate: each factor is symmetric about it."""
        return torch.full((self.dim,), self.shift, dtype=torch.float64)

    @property
    def stddev(self) -> Tensor:
        r""":math:`\sqrt{E[t^2]}` of the quartic factor (by quadrature) on the wells, 1 elsewhere."""
        out = torch.ones(self.dim, dtype=torch.float64)
        out[: self.n_wells] = math.sqrt(self.factor.second)
        return out

    @property
    def minima(self) -> Minima:
        """The ``2^n_wells`` corners (listed up to 256; beyond, four of them), where ``E = 0``."""
        count = 2**self.n_wells
        if count <= _MAX_LISTED_MINIMA:
            return Minima(self._points(self._all_bits()), 0.0, count)
        return Minima(self._points(self._representative_bits()), 0.0, count)

    @property
    def modes(self) -> Modes:
        """Every corner (listed up to ``2^16``; beyond, four of them) with its mass ``2^-n_wells``.

        Mode ``i`` has well coordinate ``k`` on the side ``(i >> (n_wells - 1 - k)) & 1`` (0: the
        left well ``s - sqrt(delta)``, 1: the right one; the first coordinate is the most
        significant bit), as :meth:`mode_index` counts.
        """
        count = 2**self.n_wells
        bits = self._all_bits() if count <= _MAX_LISTED_MODES else self._representative_bits()
        weights = torch.full((len(bits),), 2.0**-self.n_wells, dtype=torch.float64)
        return Modes(self._points(bits), weights, count)

    def well_index(self, x: Tensor) -> Tensor:
        """Which well each double-well coordinate of ``x`` is in: ``(*batch, n_wells)`` int64,
        1 where ``x_i > shift`` (the right well), else 0."""
        self.check_input(x)
        return (x[..., : self.n_wells] > self.shift).long()

    def mode_index(self, x: Tensor) -> Tensor:
        """The index, in :attr:`modes`, of the mode whose basin holds each sample: ``(*batch,)`` int64.

        Raises:
            InvalidInputError: ``n_wells > 62``, where the index does not fit in int64 (use
                :meth:`well_index`).
        """
        if self.n_wells > 62:
            raise InvalidInputError(
                f"MultiWell.mode_index: 2^{self.n_wells} modes do not fit in int64; use well_index(x)"
            )
        wells = self.well_index(x)
        shifts = torch.arange(self.n_wells - 1, -1, -1, device=x.device)
        return (wells << shifts).sum(-1)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Exact samples: each well coordinate by rejection (its magnitude) and a random sign, the
        others standard normal, all shifted by ``s``."""
        t = self._sample_factor(n * self.n_wells, generator).reshape(n, self.n_wells)
        u = torch.randn(n, self.dim - self.n_wells, generator=generator, dtype=torch.float64)
        return (torch.cat([t, u], dim=-1) + self.shift).to(self.dtype)

    # -- helpers ------------------------------------------------------------------------------

    def _sample_factor(self, n: int, generator: torch.Generator | None) -> Tensor:
        """``n`` draws of ``t`` from ``exp(-(t^2 - delta)^2) / Z``: a cell of the envelope by its
        probability, ``y`` uniform in it, accepted with probability ``exp(-(rise(y) - bound))``;
        then ``t = ±(sqrt(delta) + y)`` with a fair sign."""
        factor, envelope = self.factor, _envelope(self.delta)
        cells = len(envelope.bound)
        accepted: list[Tensor] = [torch.empty(0, dtype=torch.float64)]
        have = 0
        while have < n:
            draw = int((n - have) / envelope.acceptance * 1.05) + 16
            u = torch.rand(4, draw, generator=generator, dtype=torch.float64)
            cell = torch.searchsorted(envelope.cumulative, u[0]).clamp_max(cells - 1)
            y = envelope.low[cell] + u[1] * envelope.width[cell]
            keep = u[2].log() <= -(factor.rise(y) - envelope.bound[cell])
            sign = torch.where(u[3] < 0.5, -1.0, 1.0).to(torch.float64)
            magnitude = (factor.root + y).clamp_min(0.0)
            accepted.append((sign * magnitude)[keep])
            have += int(keep.sum())
        return torch.cat(accepted)[:n]

    def _all_bits(self) -> Tensor:
        shifts = torch.arange(self.n_wells - 1, -1, -1)
        return (torch.arange(2**self.n_wells)[:, None] >> shifts) & 1

    def _representative_bits(self) -> Tensor:
        """All left, all right, and the two alternating patterns."""
        alternating = torch.arange(self.n_wells) % 2
        ones = torch.ones(self.n_wells, dtype=torch.long)
        return torch.stack([1 - ones, ones, alternating, 1 - alternating])

    def _points(self, bits: Tensor) -> Tensor:
        """``(k, dim)`` points with well coordinate ``j`` of row ``i`` at ``s ± sqrt(delta)``
        (``bits[i, j]`` 0: minus, 1: plus) and the Gaussian coordinates at ``s``."""
        points = torch.full((len(bits), self.dim), self.shift, dtype=torch.float64)
        points[:, : self.n_wells] += (2.0 * bits.double() - 1.0) * math.sqrt(self.delta)
        return points
