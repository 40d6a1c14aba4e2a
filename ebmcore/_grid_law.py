r"""The ground truth of laws known up to their mass: quadrature on a grid, and exact draws.

A separable energy :math:`E(x) = \sum_i f_i(x_i)`, or one that splits into a Gaussian and a
1-D remainder, has its log partition, moments and samples from 1-D laws :math:`e^{-f(t)}`.
When :math:`f` is smooth and :math:`e^{-f}` decays fast, the trapezoid rule on a uniform grid
converges geometrically: :class:`GridLaw` tabulates the law once, and gives its log mass,
expectations and draws by inverse CDF; :class:`GridLaw2D` does the same for a 2-D law (the law
of :math:`x`, then :math:`y` given :math:`x`), and the :class:`PlanarLaw` mixin gives a 2-D
energy that ground truth from its own ``forward``. :func:`inverse_cdf` draws from laws
tabulated row by row, and :func:`fill_by_rejection` collects exact draws from a rejection
sampler that keeps an unknown share of its proposals.
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import torch
from torch import Tensor

from ._derived import cached_while_unchanged
from ._errors import InvalidParameterError

if TYPE_CHECKING:
    from ._model import BaseModel

    _Base = BaseModel
else:
    _Base = object

__all__ = ["GridLaw", "GridLaw2D", "PlanarLaw", "fill_by_rejection", "inverse_cdf"]

Energy1D = Callable[[np.ndarray], np.ndarray]
Energy2D = Callable[[np.ndarray, np.ndarray], np.ndarray]

_ROWS = 256
"""Rows of a 2-D grid evaluated at once (about 2 MB per row of 2^13 cells)."""


def _trapezoid(values: np.ndarray) -> float:
    """The trapezoid rule in units of the step (one pairwise sum: no drift)."""
    return float(values.sum()) - 0.5 * float(values[0] + values[-1])


def uniform_nodes(
    low: float, high: float, cells: int, owner: str, sides: str = "high", count: str = "cells"
) -> np.ndarray:
    """``cells + 1`` equally spaced nodes of ``[low, high]``, after checking both (``sides`` and
    ``count`` name the parameters in the error)."""
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        given = high if sides == "high" else (low, high)
        raise InvalidParameterError(sides, given, f"finite, with low = {low!r} < high", energy=owner)
    if not (isinstance(cells, int) and cells >= 2):
        raise InvalidParameterError(count, cells, "an integer >= 2", energy=owner)
    return np.linspace(low, high, cells + 1)


def _step(nodes: np.ndarray) -> float:
    """The spacing of uniform ``nodes``, without the cancellation of ``nodes[1] - nodes[0]``."""
    return float(nodes[-1] - nodes[0]) / (len(nodes) - 1)


def _trapezoid_rows(values: np.ndarray) -> np.ndarray:
    """The trapezoid rule along the last axis, in units of the step."""
    return values.sum(-1) - 0.5 * (values[..., 0] + values[..., -1])


def _rows(
    energy: Energy2D, xs: np.ndarray, ys: np.ndarray
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """The grid ``xs`` by ``ys`` in blocks of rows: each block's ``x`` (a column), lowest value,
    mass (trapezoid rule in units of the step) and density ``exp(-(f - lowest))`` per row."""
    for start in range(0, len(xs), _ROWS):
        x = xs[start : start + _ROWS, None]
        lowest, density = _row_laws(np.asarray(energy(x, ys), dtype=np.float64))
        yield x, lowest, _trapezoid_rows(density), density


def _cdf(density: np.ndarray, nodes: np.ndarray | None = None) -> Tensor:
    """The normalized cumulative trapezoid integral of ``density`` along its last axis, on
    uniform nodes or on ``nodes`` (of the same shape; a cell of zero width adds nothing)."""
    steps = 0.5 * (density[..., 1:] + density[..., :-1])
    if nodes is not None:
        steps = steps * np.diff(nodes, axis=-1)
    cdf = np.concatenate([np.zeros_like(density[..., :1]), np.cumsum(steps, axis=-1)], axis=-1)
    return torch.from_numpy(np.minimum(cdf / cdf[..., -1:], 1.0))


def _inverse_cdf(nodes: Tensor, cdf: Tensor, u: Tensor) -> Tensor:
    """The points of ``nodes`` (shared, or one row per row of ``cdf``) where ``cdf`` reaches
    ``u``, linear in each cell."""
    high = torch.searchsorted(cdf, u).clamp(1, cdf.shape[-1] - 1)
    low = high - 1
    below = cdf.gather(-1, low)
    share = (u - below) / (cdf.gather(-1, high) - below).clamp_min(1e-300)
    if nodes.dim() == 1:
        start, end = nodes[low], nodes[high]
    else:
        start, end = nodes.gather(-1, low), nodes.gather(-1, high)
    return start + share * (end - start)


def inverse_cdf(nodes: np.ndarray, density: np.ndarray, u: Tensor) -> Tensor:
    """Draws from laws tabulated on a grid: for each row of ``density`` (``(rows, k)``, or one
    law of ``(k,)``), the point where the trapezoid rule's CDF on ``nodes`` (the same shape, or
    one increasing ``(k,)`` grid for all rows) reaches the matching ``u`` (``(rows, 1)``, or
    ``(n,)`` for one law), linear in each cell. Repeated nodes make cells of zero width, which
    hold no mass: a row can be a window of a grid clipped at its ends.

    Example:
        >>> import numpy as np, torch
        >>> from ebmcore.plugin import inverse_cdf
        >>> nodes = np.array([[0.0, 1.0, 2.0], [5.0, 5.0, 6.0]])  # the second row's first cell is empty
        >>> density = np.array([[1.0, 1.0, 1.0], [7.0, 1.0, 1.0]])
        >>> inverse_cdf(nodes, density, torch.tensor([[0.25], [0.5]], dtype=torch.float64))
        tensor([[0.5000],
                [5.5000]], dtype=torch.float64)
    """
    shared = nodes.ndim == 1 and density.ndim > 1
    cdf = _cdf(density, None if shared else np.broadcast_to(nodes, density.shape))
    return _inverse_cdf(torch.from_numpy(np.ascontiguousarray(nodes)), cdf, u)


def _row_laws(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's lowest value and the row's density ``exp(-(value - lowest))``; a row where
    the energy is ``+inf`` throughout has no mass (density 0)."""
    if np.isnan(values).any() or np.isneginf(values).any():
        bad = float(values[np.isnan(values) | np.isneginf(values)].flat[0])
        raise InvalidParameterError("energy", bad, "a number or +inf at every node of the grid")
    lowest = values.min(axis=-1, keepdims=True)
    lowest = np.where(np.isfinite(lowest), lowest, 0.0)
    return lowest[..., 0], np.exp(-(values - lowest))


@dataclass(frozen=True, eq=False)
class GridLaw:
    r"""The 1-D law :math:`e^{-f(t)}` on a uniform grid of ``[low, high]``, by the trapezoid rule.

    Build it with :meth:`of`. ``grid`` holds the nodes (float64), ``density`` the values
    :math:`e^{-(f(t) - f_0)}` with :math:`f_0` the lowest value of :math:`f` on the grid,
    ``log_mass`` is :math:`\log \int e^{-f}` and ``cdf`` the normalized cumulative integral at
    the nodes. The interval must hold all of the mass that matters (the density at its ends
    below about :math:`e^{-40}` of the peak) and the grid must resolve :math:`f`: then the
    error of a smooth :math:`f` falls geometrically with the number of cells.

    Example:
        >>> import math, numpy as np
        >>> from ebmcore.plugin import GridLaw
        >>> law = GridLaw.of(lambda t: t**4, -6.0, 6.0)  # mass 2 Gamma(5/4)
        >>> abs(law.log_mass - math.log(2 * math.gamma(1.25))) < 1e-14
        True
        >>> abs(law.expect(lambda t: t * t) - math.gamma(0.75) / math.gamma(0.25)) < 1e-14
        True
    """

    grid: Tensor
    density: np.ndarray
    log_mass: float
    cdf: Tensor

    @classmethod
    def of(cls, energy: Energy1D, low: float, high: float, cells: int = 2**16) -> GridLaw:
        """Tabulate :math:`e^{-f}` for ``energy`` :math:`= f`, a vectorized numpy function, on
        ``cells`` equal cells of ``[low, high]``."""
        nodes = uniform_nodes(low, high, cells, "GridLaw")
        return cls.tabulated(nodes, np.asarray(energy(nodes), dtype=np.float64))

    @classmethod
    def tabulated(cls, nodes: np.ndarray, values: np.ndarray) -> GridLaw:
        """The law from :math:`f` already evaluated (``values``) at uniform ``nodes``."""
        lowest, density = _row_laws(values)
        if not density.any():
            raise InvalidParameterError(
                "energy", float("inf"), "finite somewhere on the grid", energy="GridLaw"
            )
        step = _step(nodes)
        log_mass = math.log(step * _trapezoid(density)) - float(lowest)
        return cls(grid=torch.from_numpy(nodes), density=density, log_mass=log_mass, cdf=_cdf(density))

    def expect(self, g: Energy1D) -> float:
        """:math:`E[g(t)]` under the normalized law, by the same rule."""
        weighted = np.asarray(g(self.grid.numpy()), dtype=np.float64) * self.density
        return _trapezoid(weighted) / _trapezoid(self.density)

    @property
    def mean(self) -> float:
        """:math:`E[t]`."""
        return self.expect(lambda t: t)

    @property
    def stddev(self) -> float:
        r""":math:`\sqrt{E[(t - E[t])^2]}`."""
        mean = self.mean
        return math.sqrt(self.expect(lambda t: (t - mean) ** 2))

    def distribution(self, t: np.ndarray) -> np.ndarray:
        """The CDF at the points ``t`` (0 below the grid, 1 above), linear in each cell."""
        return np.interp(t, self.grid.numpy(), self.cdf.numpy())

    def quantile(self, u: Tensor) -> Tensor:
        """The points where the CDF reaches ``u`` (float64 in ``[0, 1]``), linear in each cell."""
        return _inverse_cdf(self.grid, self.cdf, u)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """``n`` float64 draws by inverse CDF."""
        return self.quantile(torch.rand(n, generator=generator, dtype=torch.float64))


@dataclass(frozen=True, eq=False)
class GridLaw2D:
    r"""The 2-D law :math:`e^{-f(x, y)}` on a box, by the trapezoid rule: the law of :math:`x`,
    then :math:`y` given :math:`x`.

    Build it with :meth:`of`. ``first`` is the marginal law of :math:`x` (a :class:`GridLaw`
    whose values :math:`-\log \int e^{-f(x, y)} dy` come from the trapezoid rule in
    :math:`y` at each node) and ``log_mass`` is :math:`\log \iint e^{-f}`; :meth:`expect`
    integrates against the normalized law, and ``mean`` and ``stddev`` are those of
    :math:`(x, y)`. :meth:`sample` draws :math:`x` by inverse CDF, then :math:`y` by the
    inverse CDF of :math:`e^{-f(x, \cdot)}` tabulated on ``sample_cells`` cells at that very
    :math:`x`. As for :class:`GridLaw`, the box must hold all of the mass that matters and the
    grids must resolve :math:`f`.

    Example:
        >>> import math
        >>> from ebmcore.plugin import GridLaw2D
        >>> law = GridLaw2D.of(lambda x, y: x**2 + (y - x) ** 2, (-8.0, 8.0), (-12.0, 12.0))
        >>> abs(law.log_mass - math.log(math.pi)) < 1e-13  # a Gaussian of determinant 1
        True
        >>> [round(s, 12) for s in law.stddev]  # Var x = 1/2, Var y = 1/2 + 1/2
        [0.707106781187, 1.0]
        >>> round(law.expect(lambda x, y: x * y), 12)  # Cov(x, y) = Var x
        0.5
    """

    energy: Energy2D
    first: GridLaw
    second_nodes: np.ndarray
    sample_nodes: np.ndarray
    log_mass: float

    @classmethod
    def of(
        cls,
        energy: Energy2D,
        x_range: tuple[float, float],
        y_range: tuple[float, float],
        cells: int = 2**12,
        sample_cells: int = 2**13,
    ) -> GridLaw2D:
        """Tabulate :math:`e^{-f}` for ``energy`` :math:`= f(x, y)`, a numpy function that
        broadcasts, on ``cells`` equal cells of each side of the box ``x_range`` by ``y_range``
        (``sample_cells`` in :math:`y` when sampling)."""
        xs = uniform_nodes(*x_range, cells, "GridLaw2D", "x_range")
        ys = uniform_nodes(*y_range, cells, "GridLaw2D", "y_range")
        sample_nodes = uniform_nodes(*y_range, sample_cells, "GridLaw2D", "y_range", "sample_cells")
        with np.errstate(divide="ignore"):  # a line without mass: log 0 = -inf, energy +inf
            log_rows = [np.log(mass) - lowest for _, lowest, mass, _ in _rows(energy, xs, ys)]
        first = GridLaw.tabulated(xs, -np.concatenate(log_rows))
        log_mass = first.log_mass + math.log(_step(ys))
        return cls(energy, first, ys, sample_nodes, log_mass)

    def expect(self, g: Energy2D) -> float:
        r""":math:`E[g(x, y)]` under the normalized law, by the same rule (one pass over the grid):
        the law of :math:`x`'s expectation of :math:`E[g(x, y) \mid x]`."""
        ys = self.second_nodes
        given_x = [  # a line without mass has weight 0 in the law of x: any finite value will do
            _trapezoid_rows(density * g(x, ys)) / np.where(mass > 0.0, mass, 1.0)
            for x, _, mass, density in _rows(self.energy, self.first.grid.numpy(), ys)
        ]
        values = np.concatenate(given_x)
        return self.first.expect(lambda _: values)

    @functools.cached_property
    def mean(self) -> tuple[float, float]:
        """:math:`(E[x], E[y])`."""
        return (self.first.mean, self.expect(lambda x, y: y))

    @functools.cached_property
    def stddev(self) -> tuple[float, float]:
        """The standard deviations of :math:`x` and :math:`y`."""
        mean_y = self.mean[1]
        return (self.first.stddev, math.sqrt(self.expect(lambda x, y: (y - mean_y) ** 2)))

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """``(n, 2)`` float64 draws: :math:`x` from its marginal, then :math:`y` given :math:`x`."""
        x = self.first.sample(n, generator)
        u = torch.rand(n, 1, generator=generator, dtype=torch.float64)
        y = torch.empty(n, 1, dtype=torch.float64)
        for start in range(0, n, _ROWS):  # each row: the law of y at one drawn x
            rows = x[start : start + _ROWS].numpy()[:, None]
            density = _row_laws(np.asarray(self.energy(rows, self.sample_nodes), dtype=np.float64))[1]
            y[start : start + _ROWS] = inverse_cdf(self.sample_nodes, density, u[start : start + _ROWS])
        return torch.stack([x, y[:, 0]], dim=-1)


class PlanarLaw(_Base):
    r"""Mixin for a 2-D energy whose :math:`e^{-E}` is normalizable: its ground truth by quadrature.

    A subclass (listed before :class:`ebmcore.BaseModel` among its bases) sets ``law_box =
    ((x_low, x_high), (y_low, y_high))``, a box outside which :math:`e^{-E}` is below about
    :math:`e^{-40}` of its peak, and, where :math:`E` varies faster than the default grids
    resolve, ``law_cells`` (per side, for the integrals) and ``law_sample_cells`` (in
    :math:`y`, when sampling). Then :meth:`grid_law` is the :class:`GridLaw2D` of its own
    ``forward``, evaluated in float64 on the CPU whatever the model's dtype and device, and

    * :meth:`log_partition` is its ``log_mass``;
    * :meth:`sample` draws :math:`x` from its marginal, then :math:`y` given :math:`x`, each by
      inverse CDF;
    * :attr:`mean` and :attr:`stddev` are the law's, float64.

    Example:
        >>> import math, torch
        >>> from ebmcore import BaseModel
        >>> from ebmcore.plugin import PlanarLaw
        >>> class Quartic(PlanarLaw, BaseModel):  # E = x^4 + y^4: mass (2 Gamma(5/4))^2
        ...     law_box = ((-4.0, 4.0), (-4.0, 4.0))
        ...     def forward(self, x):
        ...         return (x**4).sum(-1)
        >>> abs(Quartic(2).log_partition() - 2 * math.log(2 * math.gamma(1.25))) < 1e-12
        True
        >>> Quartic(2).mean
        tensor([0., 0.], dtype=torch.float64)
    """

    law_box: ClassVar[tuple[tuple[float, float], tuple[float, float]]]
    law_cells: ClassVar[int] = 2**12
    law_sample_cells: ClassVar[int] = 2**13

    def grid_law(self) -> GridLaw2D:
        """The :class:`GridLaw2D` of :math:`e^{-E}` on ``law_box`` (cached while the model's
        tensors are unchanged)."""
        return cached_while_unchanged(self, "planar_law", tuple(self.buffers()), self._build_law)

    def _build_law(self) -> GridLaw2D:
        reference = copy.deepcopy(self).to(device="cpu", dtype=torch.float64)

        @torch.no_grad()
        def energy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
            points = torch.from_numpy(np.stack(np.broadcast_arrays(x, y), axis=-1))
            return reference.forward(points).numpy()

        box = type(self).law_box
        return GridLaw2D.of(energy, box[0], box[1], self.law_cells, self.law_sample_cells)

    def log_partition(self) -> float:
        return self.grid_law().log_mass

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        self._check_sample_count(n)  # (a mixin's sample is not wrapped by BaseModel's subclass hook)
        return self.grid_law().sample(n, generator).to(self.dtype)

    @property
    def mean(self) -> Tensor:
        """:math:`(E[x], E[y])`, float64."""
        return torch.tensor(self.grid_law().mean, dtype=torch.float64)

    @property
    def stddev(self) -> Tensor:
        """The standard deviations of :math:`x` and :math:`y`, float64."""
        return torch.tensor(self.grid_law().stddev, dtype=torch.float64)


def fill_by_rejection(total: int, accepted: Callable[[int], Tensor]) -> Tensor:
    """``total`` float64 draws from a rejection sampler: ``accepted(remaining)`` proposes (as
    many as it chooses, for ``remaining`` more draws) and returns the kept proposals of one
    round; it is called until there are enough (so its acceptance must be bounded away from 0).

    Example:
        >>> import torch
        >>> from ebmcore.plugin import fill_by_rejection
        >>> g = torch.Generator().manual_seed(0)
        >>> def half_normal(remaining):  # |z| kept where below 1: a truncated law
        ...     z = torch.randn(2 * remaining + 8, generator=g, dtype=torch.float64).abs()
        ...     return z[z < 1.0]
        >>> draws = fill_by_rejection(1000, half_normal)
        >>> draws.shape, bool((draws < 1.0).all())
        (torch.Size([1000]), True)
    """
    out = torch.empty(total, dtype=torch.float64)
    done = 0
    while done < total:
        kept = accepted(total - done)[: total - done]
        out[done : done + len(kept)] = kept
        done += len(kept)
    return out
