r"""The modes of laws known up to their mass: each local minimum of the energy and its basin.

A mode of :math:`e^{-E}/Z` is a local minimum of :math:`E`; its mass is the probability of its
basin of attraction, the points that the gradient flow carries to it. :class:`Basins` finds them
for a 1-D energy from its derivative on a grid (each critical point refined to the last bit by
bisection) and weighs them with a :class:`~ebmcore.plugin.GridLaw`. The :class:`ProductModes`
mixin gives a separable energy the modes of the product law, and :class:`PlanarModes` those of
a 2-D energy, from the gradient flow of every node of a grid and Newton's method on its own
``forward``. Each gives ``modes`` and ``mode_index(x)``, the basin of each sample, which
:func:`ebmcore.evaluate` uses for mode coverage.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import torch
from numpy.typing import ArrayLike
from torch import Tensor

from ._derived import cached_while_unchanged
from ._errors import InvalidInputError, InvalidParameterError
from ._grid_law import uniform_nodes
from ._model import Modes

if TYPE_CHECKING:
    from ._grid_law import GridLaw
    from ._model import BaseModel

    _Base = BaseModel
else:
    _Base = object

__all__ = ["Basins", "PlanarModes", "ProductModes"]

MAX_LISTED_MODES = 2**16
"""Modes listed in full up to this count; beyond, a representative few (see :class:`ProductModes`)."""
_MAX_LISTED_NUMBERS = 2**24
"""At most this many numbers in the listed points of a product law."""


def _bisect(
    derivative: Callable[[np.ndarray], np.ndarray], low: np.ndarray, high: np.ndarray, below: np.ndarray
) -> np.ndarray:
    """The point where ``derivative`` changes sign inside each bracket ``[low, high]`` (from
    negative to not, where ``below``: a minimum; else from positive to not, a maximum), to the
    last bit. Converged brackets drop out: most take about 55 halvings, one that closes in on 0
    some 1,100 (the subnormals)."""
    low, high = low.copy(), high.copy()
    active = np.arange(len(low))
    while len(active):
        lo, hi = low[active], high[active]
        middle = 0.5 * (lo + hi)
        inside = (middle > lo) & (middle < hi)
        active, lo, hi, middle = active[inside], lo[inside], hi[inside], middle[inside]
        same = (np.asarray(derivative(middle)) < 0.0) == below[active]
        low[active] = np.where(same, middle, lo)
        high[active] = np.where(same, hi, middle)
    return 0.5 * (low + high)


@dataclass(frozen=True, eq=False, init=False)
class Basins:
    r"""The modes of a 1-D law :math:`e^{-f(t)}`: the local minima of :math:`f`, the local
    maxima between them, and the mass of each basin.

    ``minima`` holds the :math:`k` local minima in increasing order (float64), ``cuts`` the
    :math:`k - 1` local maxima that separate them (basin :math:`i` is the interval between
    ``cuts[i - 1]`` and ``cuts[i]``), and ``masses`` the probability of each basin. Build it with
    :meth:`of`, or directly where the basins have a closed form.

    Example:
        >>> import math
        >>> from ebmcore.plugin import Basins, GridLaw
        >>> f = lambda t: (t * t - 1.0) ** 2 + 0.25 * t  # a tilted double well
        >>> law = GridLaw.of(f, -5.0, 5.0)
        >>> basins = Basins.of(lambda t: 4.0 * t * (t * t - 1.0) + 0.25, -3.0, 3.0, law)
        >>> [round(t, 12) for t in basins.cuts.tolist()]  # the root of f' near 0
        [0.062747047168]
        >>> [round(m, 12) for m in basins.masses.tolist()]  # the deeper well on the left
        [0.613294257491, 0.386705742509]
    """

    minima: Tensor
    cuts: Tensor
    masses: Tensor

    def __init__(
        self, minima: Tensor | ArrayLike, cuts: Tensor | ArrayLike, masses: Tensor | ArrayLike
    ) -> None:
        for name, value in (("minima", minima), ("cuts", cuts), ("masses", masses)):
            as_float64 = torch.as_tensor(value, dtype=torch.float64).reshape(-1)
            object.__setattr__(self, name, as_float64.clone(memory_format=torch.contiguous_format))
        if not len(self.minima) == len(self.masses) == len(self.cuts) + 1:
            raise InvalidParameterError(
                "cuts",
                len(self.cuts),
                f"one fewer than the {len(self.minima)} minima and {len(self.masses)} masses",
                energy="Basins",
            )

    @classmethod
    def of(
        cls,
        derivative: Callable[[np.ndarray], np.ndarray],
        low: float,
        high: float,
        law: GridLaw,
        cells: int = 2**16,
    ) -> Basins:
        r"""The basins of :math:`f` from its derivative :math:`f'` (a vectorized numpy
        function) and its law (a :class:`~ebmcore.plugin.GridLaw` of the same :math:`f`).

        ``[low, high]`` must hold every critical point of :math:`f`, with :math:`f' < 0` at
        ``low`` and :math:`f' > 0` at ``high``, and its ``cells`` must be fine enough that no
        cell holds two of them. Each sign change of :math:`f'` on the grid is refined by
        bisection to the last bit; the masses are the law's CDF between the maxima.

        Raises:
            InvalidParameterError: ``low`` or ``high`` where :math:`f'` has the wrong sign
                there (a critical point may lie beyond), or ``cells`` below 2.
        """
        return cls.between(derivative, uniform_nodes(low, high, cells, "Basins"), law)

    @classmethod
    def between(
        cls, derivative: Callable[[np.ndarray], np.ndarray], nodes: np.ndarray, law: GridLaw
    ) -> Basins:
        r"""As :meth:`of`, on the increasing ``nodes`` (the first and last named ``low`` and
        ``high`` in errors), each interval of which holds at most one critical point: for
        example the zeros of :math:`f''`, between which :math:`f'` is monotone."""
        slope = np.asarray(derivative(nodes), dtype=np.float64)
        if not slope[0] < 0.0:
            raise InvalidParameterError(
                "low",
                float(nodes[0]),
                f"a point below every critical point, where f' < 0 (f'(low) = {float(slope[0])!r})",
            )
        if not slope[-1] > 0.0:
            raise InvalidParameterError(
                "high",
                float(nodes[-1]),
                f"a point above every critical point, where f' > 0 (f'(high) = {float(slope[-1])!r})",
            )
        # a node where f' = 0 takes the sign f' has just to its right (else, flat there, that of
        # the next node where f' is not 0): a critical point on a node falls in the interval to
        # its left, and an inflection (f' of one sign on both sides) is no critical point
        sign = np.sign(slope)
        zero = np.flatnonzero(sign == 0.0)
        if len(zero):
            nudge = np.diff(nodes)[np.minimum(zero, len(nodes) - 2)] * 2.0**-16
            sign[zero] = np.sign(np.asarray(derivative(nodes[zero] + nudge), dtype=np.float64))
            nonzero = np.flatnonzero(sign)
            sign = sign[nonzero[np.searchsorted(nonzero, np.arange(len(sign)))]]
        rising = sign > 0.0
        change = np.flatnonzero(rising[1:] != rising[:-1])  # alternately a minimum and a maximum
        points = _bisect(derivative, nodes[change], nodes[change + 1], ~rising[change]) + 0.0  # (0, not -0)
        minima, cuts = points[0::2], points[1::2]
        bounds = np.concatenate([[0.0], law.distribution(cuts), [1.0]])
        return cls(minima, cuts, np.diff(bounds))

    def index(self, t: Tensor) -> Tensor:
        """The basin of each value of ``t``: int64 of its shape."""
        return torch.searchsorted(self.cuts.to(device=t.device, dtype=t.dtype), t.contiguous())


class ProductModes(_Base):
    r"""Mixin for a separable energy :math:`E(x) = \sum_i f_i(x_i)`: the modes of the product law.

    A subclass (listed before :class:`ebmcore.BaseModel`) writes :meth:`coordinate_basins`, the
    :class:`Basins` of each coordinate. A mode picks one basin per coordinate: there are
    :math:`\prod_i k_i` of them, and mode :math:`(b_1, \dots, b_d)` has mass
    :math:`\prod_i m_{i, b_i}` and index :math:`\sum_i b_i \prod_{j > i} k_j` (the first
    coordinate most significant), as :meth:`mode_index` counts. :attr:`modes` lists all of them
    up to :data:`MAX_LISTED_MODES`; beyond, the heaviest mode and every mode that differs from it
    in one coordinate (or the heaviest alone, where those would hold more than
    :math:`2^{24}` numbers).

    Example:
        >>> import torch
        >>> from ebmcore import BaseModel
        >>> from ebmcore.plugin import Basins, ProductModes
        >>> class Wells(ProductModes, BaseModel):  # E = sum (x_i^2 - 1)^2: wells at -1 and 1
        ...     def forward(self, x):
        ...         return ((x * x - 1.0) ** 2).sum(-1)
        ...     def coordinate_basins(self):
        ...         return [Basins(minima=[-1.0, 1.0], cuts=[0.0], masses=[0.5, 0.5])] * self.dim
        >>> Wells(3).modes.count, round(Wells(3).modes.weights[0].item(), 15)
        (8, 0.125)
        >>> Wells(3).mode_index(torch.tensor([[-1.0, -1.0, 1.0], [1.0, -1.0, -1.0]]))
        tensor([1, 4])
    """

    def coordinate_basins(self) -> Sequence[Basins] | None:
        """The :class:`Basins` of each coordinate, first to last (coordinates that share a law
        may share one object: the work is then per distinct object), or None where they are
        not known (then :attr:`modes` is None and :meth:`mode_index` raises
        ``NotImplementedError``)."""
        raise NotImplementedError

    @property
    def modes(self) -> Modes | None:
        basins = self.coordinate_basins()
        if basins is None:
            return None
        table = _Product.of(basins)
        d, count = len(table.group), table.count
        alternatives = int(table.radices.sum()) - d  # modes one coordinate away from the heaviest
        if count <= MAX_LISTED_MODES and count * d <= _MAX_LISTED_NUMBERS:
            picks = torch.cartesian_prod(*[torch.arange(k) for k in table.radices.tolist()]).reshape(count, d)
        elif (1 + alternatives) * d <= _MAX_LISTED_NUMBERS:
            blocks = [table.heaviest[None]]
            for i, k in enumerate(table.radices.tolist()):  # coordinate i in each other basin
                others = torch.arange(k)[torch.arange(k) != table.heaviest[i]]
                block = table.heaviest.repeat(len(others), 1)
                block[:, i] = others
                blocks.append(block)
            picks = torch.cat(blocks)
        else:
            picks = table.heaviest[None]
        points = table.minima[table.group, picks]
        weights = table.log_masses[table.group, picks].sum(-1).exp()
        return Modes(points, weights, count)

    def mode_index(self, x: Tensor) -> Tensor:
        """The index, in :attr:`modes`, of the mode whose basin holds each sample: ``(*batch,)`` int64.

        Raises:
            NotImplementedError: the basins are not known (:meth:`coordinate_basins` is None).
            InvalidInputError: more modes than int64 can count.
        """
        self.check_input(x)
        basins = self.coordinate_basins()
        if basins is None:
            raise NotImplementedError(
                f"{type(self).__name__}: no basins for these parameters (modes is None); no mode index"
            )
        table = _Product.of(basins)
        if table.count > 2**63:
            raise InvalidInputError(
                f"{type(self).__name__}.mode_index: about 2^{table.count.bit_length() - 1} modes "
                "do not fit in int64"
            )
        place = torch.ones(len(table.group), dtype=torch.int64)  # prod of the radices to the right
        if len(place) > 1:
            place[:-1] = torch.flip(torch.cumprod(torch.flip(table.radices[1:], (0,)), 0), (0,))
        picks = torch.zeros(x.shape, dtype=torch.int64, device=x.device)
        for g, b in enumerate(table.distinct):
            if len(b.minima) > 1:
                columns = torch.from_numpy(np.flatnonzero(table.group.numpy() == g)).to(x.device)
                picks[..., columns] = b.index(x[..., columns])
        return (picks * place.to(x.device)).sum(-1)


@dataclass(frozen=True, eq=False)
class _Product:
    """The basins of a product law, by distinct law: ``group[i]`` is coordinate ``i``'s law, and
    ``minima`` and ``log_masses`` hold each law's row (padded)."""

    distinct: list[Basins]
    group: Tensor  # (d,) int64
    radices: Tensor  # (d,) int64: basins per coordinate
    heaviest: Tensor  # (d,) int64: each coordinate's heaviest basin
    minima: Tensor  # (laws, most basins) float64
    log_masses: Tensor  # (laws, most basins) float64
    count: int

    @classmethod
    def of(cls, basins: Sequence[Basins]) -> _Product:
        distinct: list[Basins] = []
        seen: dict[int, int] = {}
        for b in basins:
            if seen.setdefault(id(b), len(distinct)) == len(distinct):
                distinct.append(b)
        group = torch.tensor([seen[id(b)] for b in basins], dtype=torch.int64)
        widest = max(len(b.minima) for b in distinct)
        minima = torch.zeros(len(distinct), widest, dtype=torch.float64)
        log_masses = torch.zeros(len(distinct), widest, dtype=torch.float64)
        for g, b in enumerate(distinct):
            minima[g, : len(b.minima)] = b.minima
            log_masses[g, : len(b.minima)] = b.masses.log()
        sizes = torch.tensor([len(b.minima) for b in distinct])
        best = torch.tensor([int(b.masses.argmax()) for b in distinct])
        count = math.prod(len(b.minima) ** int((group == g).sum()) for g, b in enumerate(distinct))
        return cls(distinct, group, sizes[group], best[group], minima, log_masses, count)


class PlanarModes(_Base):
    r"""Mixin for a 2-D energy whose local minima all lie in a box: its modes, by the gradient flow.

    A subclass (listed before :class:`ebmcore.BaseModel`) sets ``modes_box = ((x_low, x_high),
    (y_low, y_high))``, a box that holds every local minimum of :math:`E` and where
    :math:`e^{-E}` outside is negligible, and, where :math:`E` varies faster than the default
    grid resolves, ``modes_cells`` (per side). On that grid, the nodes lower than their eight
    neighbours are refined by Newton's method on the model's own ``forward`` (float64, on the
    CPU) into the local minima (those Newton carries to a saddle are dropped). Each node then
    follows the gradient flow for 8 cells of arc length (Runge-Kutta on the unit vector
    :math:`-\nabla E/|\nabla E|`) and points to a corner of the cell where it ends, drawn with
    the bilinear weights so that rounding to the grid favours no direction; following the
    pointers leads every node to the minimum whose basin holds it. Then

    * :attr:`modes` lists every local minimum, in increasing ``x`` (then ``y``), with the mass
      of its basin (trapezoid rule on the grid);
    * :meth:`mode_index` gives the basin of each sample, that of the grid node nearest to it
      (of the nearest edge node outside the box).

    Both describe one partition of the plane, so the mode coverage of exact samples is
    consistent with the masses (to the trapezoid rule). It is the gradient flow's up to the
    grid: a node within a few cells of a basin's edge may land on the other side, an error
    that halves with the cells (samples of the tested energies that change basin against an
    adaptive ODE solver: none for Himmelblau, 0.03% for the six-hump camel, 0.7% for
    Bohachevsky 2 at :math:`2^{11}` cells, whose 25 basins are a fifth of a unit wide). Refused
    (naming ``modes_box`` or ``modes_cells``): a lowest node on the edge of the box, one from
    which Newton's method does not converge to a critical point in the box, and a grid on
    which more than :data:`_LOST_MASS` of the mass flows to no minimum found (a valley a few
    cells wide, which the flow's hops cannot follow).

    Example:
        >>> import torch
        >>> from ebmcore import BaseModel
        >>> from ebmcore.plugin import PlanarModes
        >>> class Wells(PlanarModes, BaseModel):  # wells at x = -1 and 1, the left one deeper
        ...     modes_box = ((-3.0, 3.0), (-4.0, 4.0))
        ...     def forward(self, x):
        ...         return (x[..., 0] ** 2 - 1.0) ** 2 + 0.25 * x[..., 0] + x[..., 1] ** 2
        >>> modes = Wells(2).modes
        >>> modes.points[:, 0].tolist(), [round(m, 3) for m in modes.weights.tolist()]
        ([-1.0298959850506604, 0.96714893788303], [0.613, 0.387])
        >>> Wells(2).mode_index(torch.tensor([[-2.0, 1.0], [0.5, 0.0]]))
        tensor([0, 1])
    """

    modes_box: ClassVar[tuple[tuple[float, float], tuple[float, float]]]
    modes_cells: ClassVar[int] = 2**10

    def _basin_grid(self) -> _BasinGrid:
        return cached_while_unchanged(self, "planar_modes", tuple(self.buffers()), self._build_basins)

    def _build_basins(self) -> _BasinGrid:
        reference = copy.deepcopy(self).to(device="cpu", dtype=torch.float64)
        return _BasinGrid.of(reference, type(self).modes_box, self.modes_cells)

    @property
    def modes(self) -> Modes:
        grid = self._basin_grid()
        return Modes(grid.minima, grid.masses)

    def mode_index(self, x: Tensor) -> Tensor:
        """The index, in :attr:`modes`, of the basin of the grid node nearest to each sample:
        ``(*batch,)`` int64."""
        self.check_input(x)
        return self._basin_grid().index(x)


@dataclass(frozen=True, eq=False)
class _BasinGrid:
    """The basins of a 2-D energy on a grid: node labels, refined minima and basin masses."""

    low: Tensor  # (2,) the box's lower corner
    step: Tensor  # (2,) the grid's spacing
    labels: Tensor  # (n + 1, n + 1) int64: the basin of each node
    minima: Tensor  # (k, 2) float64
    masses: Tensor  # (k,) float64

    @classmethod
    def of(
        cls, model: BaseModel, box: tuple[tuple[float, float], tuple[float, float]], cells: int
    ) -> _BasinGrid:
        xs = uniform_nodes(*box[0], cells, "PlanarModes", "modes_box", "modes_cells")
        ys = uniform_nodes(*box[1], cells, "PlanarModes", "modes_box", "modes_cells")
        with torch.no_grad():
            grid = torch.stack(torch.meshgrid(torch.from_numpy(xs), torch.from_numpy(ys), indexing="ij"), -1)
            energy = model.forward(grid).numpy()
        if not np.isfinite(energy).all():
            raise InvalidParameterError(
                "modes_box",
                box,
                "a box where the energy is finite at every node",
                energy=type(model).__name__,
            )
        step = torch.tensor([xs[1] - xs[0], ys[1] - ys[0]], dtype=torch.float64)
        roots = _descend(energy, float(step[0]), float(step[1]))
        found = np.flatnonzero(roots == np.arange(roots.size))
        rows, cols = np.divmod(found, len(ys))
        edge = (rows == 0) | (rows == len(xs) - 1) | (cols == 0) | (cols == len(ys) - 1)
        if edge.any():
            at = (float(xs[rows[edge][0]]), float(ys[cols[edge][0]]))
            raise InvalidParameterError(
                "modes_box", box, f"a box that holds every local minimum (the energy falls outward at {at})"
            )
        start = torch.tensor(np.stack([xs[rows], ys[cols]], -1))
        corners = torch.tensor([[xs[0], ys[0]], [xs[-1], ys[-1]]], dtype=torch.float64)
        minima, is_minimum = _newton(model, start, step, corners, cells)
        if not bool(is_minimum.any()):
            raise InvalidParameterError(
                "modes_cells",
                cells,
                "a grid that resolves the energy (Newton's method from the grid's lowest nodes "
                f"reaches no minimum, only {minima.tolist()})",
            )
        # grid minima that Newton carries to one point are one mode; those it carries to a
        # saddle (the grid's steps cannot follow a narrow slanted valley) are none
        distinct, label_of = _merge(minima[is_minimum], step)
        order = np.lexsort((distinct[:, 1].numpy(), distinct[:, 0].numpy()))
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        minima = distinct[torch.from_numpy(order)]
        grid_label = np.full(roots.size, -1, dtype=np.int64)  # the grid's steps: near each minimum
        grid_label[found[is_minimum.numpy()]] = rank[label_of]
        grid_label = grid_label[roots]
        low = torch.tensor([xs[0], ys[0]], dtype=torch.float64)
        active = (energy - energy.min() <= _RELEVANT).reshape(-1)
        flowed = _flow_labels(model, low, step, energy.shape, minima, grid_label, active)
        flowed = flowed.reshape(energy.shape)
        density = np.exp(-(energy - energy.min()))
        density[[0, -1], :] *= 0.5  # the trapezoid rule's weights
        density[:, [0, -1]] *= 0.5
        lost = float(density[(flowed < 0) & active.reshape(flowed.shape)].sum() / density.sum())
        if lost > _LOST_MASS:  # a minimum Newton's method did not find, or a flow the grid misses
            raise InvalidParameterError(
                "modes_cells",
                cells,
                f"a grid on which the flow from every node reaches a minimum found on it ({lost:.2g} "
                "of the mass flows elsewhere)",
            )
        labels = np.where(flowed >= 0, flowed, np.maximum(grid_label.reshape(flowed.shape), 0))
        mass = np.bincount(labels.reshape(-1), weights=density.reshape(-1), minlength=len(minima))
        return cls(
            low=low,
            step=step,
            labels=torch.from_numpy(labels),
            minima=minima,
            masses=torch.from_numpy(mass / mass.sum()),
        )

    def index(self, x: Tensor) -> Tensor:
        n = torch.tensor(self.labels.shape, device=x.device) - 1
        at = ((x.double() - self.low.to(x.device)) / self.step.to(x.device)).round()
        at = torch.minimum(at.clamp_min(0), n).long()
        labels = self.labels.to(x.device)
        return labels[at[..., 0], at[..., 1]]


def _descend(energy: np.ndarray, hx: float, hy: float) -> np.ndarray:
    """For every node (flat index), the node that steepest descent on the grid ends at."""
    n, m = energy.shape
    flat = np.arange(n * m).reshape(n, m)
    padded = np.pad(energy, 1, constant_values=np.inf)
    steepest = np.zeros((n, m))  # the steepest descent so far (slope 0: stay)
    target = flat.copy()
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di == dj == 0:
                continue
            neighbour = padded[1 + di : 1 + di + n, 1 + dj : 1 + dj + m]
            slope = (neighbour - energy) / math.hypot(di * hx, dj * hy)
            steeper = slope < steepest
            steepest[steeper] = slope[steeper]
            target[steeper] = (flat + di * m + dj)[steeper]
    return _follow(target.reshape(-1))


def _follow(pointers: np.ndarray) -> np.ndarray:
    """Where following ``pointers`` (each node's next node) ends, for every node: pointer
    jumping, each pass doubling the path followed (64 passes: a path of any length, or a node
    on a cycle)."""
    roots = pointers
    for _ in range(64):
        further = roots[roots]
        if np.array_equal(further, roots):
            break
        roots = further
    return roots


def _newton(model: BaseModel, start: Tensor, step: Tensor, box: Tensor, cells: int) -> tuple[Tensor, Tensor]:
    """Newton's method from each of the grid's lowest nodes (float64 autograd): the critical
    point it converges to, and whether that is a minimum (positive definite Hessian, or
    semidefinite within a cell of the grid's minimum) rather than a saddle. Each must converge
    inside the box (``(2, 2)``: lower and upper corners)."""
    x = start.clone()
    move = torch.full_like(x, math.inf)
    for _ in range(100):
        gradient, hessian = _derivatives(model, x)
        move = (torch.linalg.pinv(hessian) @ gradient[..., None])[..., 0]  # (a flat minimum: 0)
        x = x - move
        if bool((move.abs() <= 4e-16 * x.abs().clamp_min(1.0)).all()):
            break
    hessian = _derivatives(model, x)[1]
    converged = (move.abs() <= 1e-12 * x.abs().clamp_min(1.0)).all(-1) & torch.isfinite(x).all(-1)
    inside = ((x >= box[0]) & (x <= box[1])).all(-1)
    if not bool((converged & inside).all()):
        where = start[~(converged & inside)][0].tolist()
        raise InvalidParameterError(
            "modes_cells",
            cells,
            f"a grid that resolves the energy (Newton's method from the grid's lowest node {where} "
            "does not converge to a critical point in the box)",
        )
    lowest = torch.linalg.eigvalsh(hessian)[:, 0]
    flat = (lowest >= 0) & ((x - start).abs() <= step).all(-1)  # x^4: the grid's own minimum
    return x, (lowest > 0) | flat


_RELEVANT = 50.0
"""Nodes where the energy exceeds its lowest value on the grid by more than this (a density
below :math:`e^{-50}` of its peak) take their basin from the grid's steps, not the flow."""
_LOST_MASS = 1e-3
"""The largest share of the mass whose flow may end elsewhere than at a listed minimum: the
nodes whose flow runs into a saddle, on the edges between basins (1e-5 of the mass in a valley
18 cells wide), of the size of the grid's other errors at basin edges."""
_HOP = 8
"""Cells of gradient flow between two nodes of the flow's graph (:func:`_flow_labels`)."""
_SUBSTEPS = 4
"""Runge-Kutta steps per hop."""


def _flow_labels(
    model: BaseModel,
    low: Tensor,
    step: Tensor,
    shape: tuple[int, ...],
    minima: Tensor,
    grid_label: np.ndarray,
    active: np.ndarray,
) -> np.ndarray:
    r"""The basin of every ``active`` node (flat), by the gradient flow.

    From each node the flow runs :data:`_HOP` cells of arc length (classical Runge-Kutta on
    the unit vector :math:`-\nabla E / |\nabla E|`), and the node points to a node next to the
    end: the end's cell corner drawn at random with the bilinear weights, so that rounding to
    the grid has no preferred direction (rounding to the nearest node would drag flows at a
    shallow angle to a grid line onto it, as steps among the eight neighbours do). Nodes within
    a hop of a minimum, in its basin on the grid, point to the minimum's node; following the
    pointers (pointer jumping) leads each node to its minimum; -1 where it leads elsewhere (to a
    saddle or a maximum, where the gradient vanishes, or to a minimum not found). Inactive
    nodes point to themselves.
    """
    n, m = shape
    cell = step.min()
    nodes = torch.stack(torch.meshgrid(torch.arange(n), torch.arange(m), indexing="ij"), -1).reshape(-1, 2)
    target = torch.arange(n * m)
    generator = torch.Generator().manual_seed(0)
    for chunk in torch.split(torch.from_numpy(np.flatnonzero(active)), 2**17):
        p = low + nodes[chunk].double() * step
        h = _HOP * cell / _SUBSTEPS
        for _ in range(_SUBSTEPS):
            k1 = _downhill(model, p)
            k2 = _downhill(model, p + 0.5 * h * k1)
            k3 = _downhill(model, p + 0.5 * h * k2)
            k4 = _downhill(model, p + h * k3)
            p = p + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        at = (p - low) / step
        corner = torch.floor(at + torch.rand(at.shape, generator=generator, dtype=torch.float64))
        corner = torch.minimum(corner.clamp_min(0), torch.tensor([n - 1, m - 1]))
        target[chunk] = corner[:, 0].long() * m + corner[:, 1].long()
    home = ((minima - low) / step).round().long()
    home_flat = home[:, 0] * m + home[:, 1]
    label = torch.from_numpy(grid_label)
    for k in range(len(minima)):  # captured: near minimum k and in its basin on the grid
        captured = ((nodes - home[k]).abs().amax(-1) <= _HOP) & (label == k)
        target[captured] = home_flat[k]
    target[home_flat] = home_flat
    roots = torch.from_numpy(_follow(target.numpy()))
    basin = torch.full((n * m,), -1, dtype=torch.int64)
    basin[home_flat] = torch.arange(len(minima))
    return basin[roots].numpy()


def _downhill(model: BaseModel, p: Tensor) -> Tensor:
    """The unit vector down the gradient at each point (0 where the gradient vanishes)."""
    g = model.gradient(p)
    size = torch.linalg.vector_norm(g, dim=-1, keepdim=True)
    return torch.where(size > 0, -g / size.clamp_min(1e-300), 0.0)


def _derivatives(model: BaseModel, x: Tensor) -> tuple[Tensor, Tensor]:
    """The gradient and Hessian of the energy at each point (reverse mode twice)."""
    gradient = torch.func.jacrev(model.forward)
    return torch.func.vmap(gradient)(x), torch.func.vmap(torch.func.jacrev(gradient))(x)


def _merge(minima: Tensor, step: Tensor) -> tuple[Tensor, np.ndarray]:
    """The distinct points among ``minima`` (within a millionth of a cell), and which each is."""
    distinct: list[Tensor] = []
    label_of = np.empty(len(minima), dtype=np.int64)
    for i, point in enumerate(minima):
        for j, seen in enumerate(distinct):
            if bool(((point - seen).abs() <= 1e-6 * step).all()):
                label_of[i] = j
                break
        else:
            label_of[i] = len(distinct)
            distinct.append(point)
    return torch.stack(distinct), label_of
