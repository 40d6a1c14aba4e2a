r"""The law :math:`e^{-f(x)} / Z` of the BBOB functions whose mass is known: exact draws, the log
partition, the mean and the standard deviations.

A BBOB function is an energy like any other, and :math:`e^{-f}` is a density wherever its mass
is finite. For ten of the 24 functions the law is known in closed form or by 1-D quadrature,
because the function is a sum of 1-D terms in coordinates an affine map of :math:`x` gives,
or a function of a norm in them:

* **Separable after an affine map** (:class:`SeparableLaw`: f2, f3, f4, f10, f11, f20).
  :math:`f(x) = \sum_i g_i(y_i) + c` with :math:`x = x_0 + B y`. Then the coordinates
  :math:`y_i` are independent, each with the 1-D law :math:`e^{-g_i}`, and
  :math:`\log Z = \log\lvert\det B\rvert + \sum_i \log \int e^{-F_i} + (d - 1) f(x_0)`, where
  :math:`F_i(t) = f(x_0 + t\, B e_i) = g_i(t) + \text{const}` is the model's own ``forward``
  along a line: the formula is not written a second time. Each :math:`F_i` is tabulated by
  the trapezoid rule (:class:`ebmcore.plugin.GridLaw`) in :math:`s` with :math:`t = s^3`
  (``law_power``), which smooths the kinks of :math:`T_\mathrm{osz}`, :math:`T_\mathrm{asy}`
  and the sector switches at :math:`t = 0` into terms of order :math:`s^8`: the rule then
  converges geometrically (to :math:`10^{-14}` from :math:`2^{12}` cells, against adaptive
  quadrature). f20 tabulates :math:`t` itself, its kinks (:math:`t = \pm 500`) on nodes.
  Their modes are those of the product law in :math:`y`
  (:class:`ebmcore.plugin.ProductModes`), mapped to :math:`x`.
* **A Gaussian times a cone** (:class:`RidgeLaw`, f13): :math:`z_0` is Gaussian and the norm
  of the other coordinates of :math:`z` is a Gamma variable, in closed form.
* **A norm of different powers** (:class:`PowersLaw`, f14): :math:`f = \sqrt{S}`,
  :math:`S = \sum_i |z_i|^{p_i}`, is a function of one anisotropic "norm": its mass and
  moments are Gamma functions, and :math:`\sqrt S` is a Gamma variable.
* **A radial law in sectors** (:class:`SectorLaw`, f6): :math:`f` is a function of
  :math:`\sum_i (s_i z_i)^2`, with a scale :math:`s_i` per half-axis; its mass is a product
  over the coordinates times one radial integral.

* **A Rosenbrock valley** (:class:`ValleyLaw`, f8, f9): Rosenbrock's function of :math:`z =
  M (x - x_\mathrm{opt}) + 1`, whose law (a Markov chain, by 1-D quadratures) is that of the
  registered ``rosenbrock`` energy of ``ebmcore-analytic``, mapped.

f1 is a Gaussian (:class:`ebmcore.plugin.GaussianLaw`). The others have no such structure:
f5 has no finite mass (it is constant outside the box), f7 (rounding between rotations), f12,
f15-f19 and f21-f24 couple their coordinates through a rotation between nonlinear maps or a
penalty in :math:`x` on top of a rotation.

The tables are built on first use from a float64 copy of the model on the CPU, and cached while
its tensors are unchanged. Draws are float64, returned in the model's dtype.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, TypeVar

import numpy as np
import torch
from torch import Tensor

import ebmcore
from ebmcore import BaseModel, EbmcoreError, Modes
from ebmcore.plugin import Basins, GridLaw, ProductModes, cached_while_unchanged

if TYPE_CHECKING:
    from ._base import BBOBFunction

    _Base = BBOBFunction
else:
    _Base = object

__all__ = ["LAW_MAX_DIM", "PowersLaw", "RidgeLaw", "SectorLaw", "SeparableLaw", "ValleyLaw", "tabulate"]

F64 = torch.float64

LAW_MAX_DIM = 100
"""The largest dimension for which :class:`SeparableLaw` tabulates its laws: one table of
:math:`2^{14}` cells per coordinate, each a line of ``forward`` calls of :math:`d` coordinates
(:math:`d^3` work with a rotation). Beyond it the ground truth is None and ``sample`` raises."""

_RISE = 50.0
"""The tables end where the energy has risen by this much above its lowest value on them: the
density there is below :math:`e^{-50}` of its peak."""
_ENDS = 40.0
"""A finished table whose ends are not this far above its lowest value is refused."""
_COARSE = 2**10
"""Cells of the tables that search for the range."""
_DOUBLINGS = 200
"""The most halvings or doublings of the range a table's search makes."""

Energy1D = Callable[[np.ndarray], np.ndarray]
Values = TypeVar("Values", np.ndarray, Tensor)
Model = TypeVar("Model", bound="BBOBFunction")
T = TypeVar("T")


def _power(s: Values, power: int) -> Values:
    """:math:`t = s |s|^{p - 1}`."""
    return s * abs(s) ** (power - 1)


def _table(
    energy: Energy1D, half_width: float, power: int, cells: int, half_line: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The nodes in :math:`s` and the energies of the law of :math:`s`, :math:`F(t(s)) - \\log
    t'(s)`, on ``[-h, h]`` (``[0, h]`` on a half-line) in :math:`t`."""
    end = half_width ** (1.0 / power)
    s = np.linspace(0.0 if half_line else -end, end, cells + 1)
    values = np.asarray(energy(_power(s, power)), dtype=np.float64)
    if power > 1:
        with np.errstate(divide="ignore"):  # s = 0: t'(0) = 0, no mass there
            values = values - np.log(power * np.abs(s) ** (power - 1))
    return s, values


def tabulate(
    energy: Energy1D, unit: float, power: int = 3, cells: int = 2**14, half_line: bool = False
) -> GridLaw:
    r"""The law :math:`e^{-F(t)}` on the line (or on :math:`t \ge 0`), as a
    :class:`~ebmcore.plugin.GridLaw` of :math:`s`, :math:`t = s |s|^{p-1}`.

    ``energy`` is :math:`F`, a vectorized numpy function that rises without coming back down
    outside its bulk. The range is :math:`[-h, h]` in :math:`t` (``[0, h]``), :math:`h` =
    ``unit`` times a power of two: the least one whose ends the energy exceeds its lowest value
    by 50 (``unit`` puts :math:`\pm` a kink on the nodes: f20 has one at 500). The law's
    ``log_mass`` is :math:`\log \int e^{-F(t)}\, dt` (the Jacobian :math:`t'(s)` is part of
    the tabulated energy), its draws and expectations are in :math:`s`.
    """
    half_width = unit
    for _ in range(_DOUBLINGS):
        s, values = _table(energy, half_width, power, _COARSE, half_line)
        rise = values - values.min()
        if rise[-1] > _RISE and (half_line or rise[0] > _RISE):
            break
        half_width *= 2.0
    else:
        raise ValueError(f"no range of up to {half_width:.3g} holds the law (the energy does not rise)")
    t = np.abs(_power(s, power))
    for _ in range(_DOUBLINGS):  # the least power of two whose outside holds no mass
        if not (rise[t > 0.5 * half_width] > _RISE).all():
            break
        half_width *= 0.5
    s, values = _table(energy, half_width, power, cells, half_line)
    rise = values - values.min()
    if rise[-1] < _ENDS or (not half_line and rise[0] < _ENDS):
        raise ValueError(
            f"the law is not contained in a range of {half_width:.6g} (rises {rise[0]:.3g}, {rise[-1]:.3g})"
        )
    return GridLaw.tabulated(s, values)


def _reference(model: Model) -> Model:
    """A float64 copy of ``model`` on the CPU, whose ``forward`` tabulates the laws."""
    return copy.deepcopy(model).to(device="cpu", dtype=F64)


def _along(reference: BBOBFunction, origin: np.ndarray, direction: np.ndarray) -> Energy1D:
    """:math:`F(t) = f(\\mathrm{origin} + t\\, \\mathrm{direction})`, float64."""

    @torch.no_grad()
    def energy(t: np.ndarray) -> np.ndarray:
        points = origin[None, :] + np.asarray(t, dtype=np.float64)[:, None] * direction[None, :]
        return reference.forward(torch.from_numpy(points)).numpy()

    return energy


def _moments(law: GridLaw, power: int, *orders: int) -> list[float]:
    """:math:`E[t^k]` of the law of :math:`t = s |s|^{p-1}` for each ``k`` of ``orders``."""
    return [law.expect(lambda s, k=k: _power(s, power) ** k) for k in orders]  # type: ignore[misc]


def _covariance_diagonal(matrix: np.ndarray, covariance: np.ndarray) -> np.ndarray:
    """The diagonal of :math:`M C M^\\top` (``covariance`` a vector: a diagonal :math:`C`)."""
    if covariance.ndim == 1:
        return (matrix * matrix) @ covariance
    return np.einsum("ij,jk,ik->i", matrix, covariance, matrix)


def _beyond_max_dim(model: BBOBFunction) -> NotImplementedError:
    """The error of a law with one table per coordinate, beyond :data:`LAW_MAX_DIM`."""
    return NotImplementedError(
        f"{type(model).__name__} has an exact sampler for dim <= {LAW_MAX_DIM} (one table per "
        f"coordinate), not for dim = {model.dim}"
    )


def _in_model(model: BBOBFunction, values: np.ndarray) -> Tensor:
    """A float64 vector of ``model``'s event shape."""
    return torch.from_numpy(np.ascontiguousarray(values)).reshape(model.event_shape)


# -- separable after an affine map -----------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Coordinates:
    """The tables of :class:`SeparableLaw`: ``x = origin + matrix @ y``, the law of each
    :math:`y_i` (one object for coordinates that share it), and :math:`\\log Z`."""

    origin: np.ndarray
    matrix: np.ndarray
    inverse: np.ndarray
    laws: list[GridLaw]
    power: int
    log_mass: float


class SeparableLaw(ProductModes, _Base):
    r"""Mixin for a BBOB function that is a sum of 1-D terms in coordinates :math:`y` of an affine
    map, :math:`x = x_0 + B y` (see the module): its exact law and its modes, for :math:`d \le`
    :data:`LAW_MAX_DIM`.

    A subclass (listed before its BBOB base) writes :meth:`law_map`, and sets ``law_power``
    (:math:`t = s^p` in the tables; 3, or 1 where a kink away from 0 must sit on a node),
    ``law_unit`` (the tables' half-widths are ``law_unit`` times powers of two), ``law_shared``
    (every coordinate has the same term, so one table serves all) and ``modes_reach``.

    **Modes.** A mode of a product law picks a basin of each coordinate's term
    (:class:`ebmcore.plugin.ProductModes`), mapped to :math:`x` by the same affine map:
    ``modes`` lists :math:`x_0 + B y` and ``mode_index`` reads the basins of :math:`y = B^{-1}
    (x - x_0)`. Each term's critical points are the sign changes of its derivative, the
    model's own gradient along the line, on :math:`2^{16}` cells of :math:`|y_i| \le`
    ``modes_reach`` (a bound the subclass proves holds every one), refined by bisection; the
    masses are the CDF of the coordinate's table at the maxima between them.
    """

    law_power: ClassVar[int] = 3
    law_unit: ClassVar[float] = 1.0
    law_cells: ClassVar[int] = 2**14
    law_shared: ClassVar[bool] = False
    modes_reach: ClassVar[float]
    """Every critical point of every coordinate's term lies in :math:`|y_i| <` ``modes_reach``."""
    modes_cells: ClassVar[int] = 2**16

    def law_map(self) -> tuple[np.ndarray, np.ndarray]:
        """``(x0, B)``, float64: the point where :math:`y = 0` and the matrix of the map (by
        default :math:`x_\\mathrm{opt}` and the identity: separable in :math:`x` itself). Called
        on the float64 copy that tabulates the laws."""
        return self.x_opt.numpy(), np.eye(self.dim)

    def _coordinates(self) -> _Coordinates | None:
        if self.dim > LAW_MAX_DIM:
            return None
        return cached_while_unchanged(
            self, "separable_law", tuple(self.buffers()), self._tabulate_coordinates
        )

    def _tabulate_coordinates(self) -> _Coordinates:
        reference = _reference(self)
        origin, matrix = reference.law_map()
        lowest = float(reference.forward(torch.from_numpy(origin)))
        laws = self._per_coordinate(
            lambda i: tabulate(
                _along(reference, origin, matrix[:, i]), self.law_unit, self.law_power, self.law_cells
            )
        )
        log_det = float(np.linalg.slogdet(matrix)[1])
        log_mass = log_det + sum(law.log_mass for law in laws) + (self.dim - 1) * lowest
        return _Coordinates(origin, matrix, np.linalg.inv(matrix), laws, self.law_power, log_mass)

    def _per_coordinate(self, build: Callable[[int], T]) -> list[T]:
        """``build(i)`` for every coordinate, or that of the first for all where ``law_shared``."""
        if self.law_shared:
            return [build(0)] * self.dim
        return [build(i) for i in range(self.dim)]

    def log_partition(self) -> float | None:
        """:math:`\\log \\int e^{-f}` (see the module); None beyond :data:`LAW_MAX_DIM`."""
        tables = self._coordinates()
        return None if tables is None else tables.log_mass

    def _coordinate_moments(self) -> tuple[np.ndarray, np.ndarray] | None:
        tables = self._coordinates()
        if tables is None:
            return None
        first, second = np.array([_moments(law, tables.power, 1, 2) for law in tables.laws]).T
        mean = tables.origin + tables.matrix @ first
        variance = _covariance_diagonal(tables.matrix, second - first * first)
        return mean, np.sqrt(variance)

    @property
    def mean(self) -> Tensor | None:
        """:math:`x_0 + B\\, E[y]`, float64; None beyond :data:`LAW_MAX_DIM`."""
        moments = self._coordinate_moments()
        return None if moments is None else _in_model(self, moments[0])

    @property
    def stddev(self) -> Tensor | None:
        """:math:`\\sqrt{\\operatorname{diag}(B\\, \\mathrm{Var}(y)\\, B^\\top)}`, float64; None beyond
        :data:`LAW_MAX_DIM`."""
        moments = self._coordinate_moments()
        return None if moments is None else _in_model(self, moments[1])

    def coordinate_basins(self) -> list[Basins] | None:
        """The :class:`~ebmcore.plugin.Basins` of each coordinate's term, in :math:`y` (None
        beyond :data:`LAW_MAX_DIM`)."""
        tables = self._coordinates()
        if tables is None:
            return None
        return cached_while_unchanged(
            self, "separable_basins", tuple(self.buffers()), lambda: self._find_basins(tables)
        )

    def _find_basins(self, tables: _Coordinates) -> list[Basins]:
        reference = _reference(self)
        power = tables.power
        end = self.modes_reach ** (1.0 / power)
        nodes = np.linspace(-end, end, self.modes_cells + 1)  # in s: the law's own variable

        def basins(i: int) -> Basins:
            direction = torch.from_numpy(tables.matrix[:, i])

            def slope(s: np.ndarray) -> np.ndarray:
                """The sign of :math:`F_i'(t)`, :math:`t = s |s|^{p-1}` (that of :math:`dF/ds`)."""
                t = torch.from_numpy(_power(np.asarray(s, dtype=np.float64), power))
                points = torch.from_numpy(tables.origin) + t[:, None] * direction
                return (reference.gradient(points) @ direction).numpy()

            found = Basins.between(slope, nodes, tables.laws[i])
            return Basins(_power(found.minima, power), _power(found.cuts, power), found.masses)

        return self._per_coordinate(basins)

    @property
    def modes(self) -> Modes | None:
        """The modes of the product law in :math:`y`, at :math:`x_0 + B y` (see the class
        docstring); None beyond :data:`LAW_MAX_DIM`."""
        listed = super().modes
        tables = self._coordinates()
        if listed is None or tables is None:
            return None
        points = torch.from_numpy(tables.origin) + listed.points @ torch.from_numpy(tables.matrix).T
        return Modes(points, listed.weights, listed.count)

    def mode_index(self, x: Tensor) -> Tensor:
        """The index in :attr:`modes` of the mode whose basin holds each sample, read from
        :math:`y = B^{-1} (x - x_0)`: ``(*batch,)`` int64.

        Raises:
            NotImplementedError: beyond :data:`LAW_MAX_DIM`.
        """
        self.check_input(x)
        tables = self._coordinates()
        if tables is None:
            raise _beyond_max_dim(self)
        flat = x.detach().to(F64).reshape(*x.shape[: x.ndim - self.event_ndim], self.dim)
        origin, inverse = (torch.from_numpy(a).to(x.device) for a in (tables.origin, tables.inverse))
        return super().mode_index(((flat - origin) @ inverse.T).reshape(x.shape))

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Exact draws: every :math:`y_i` by the inverse CDF of its table, then :math:`x_0 + B y`.

        Raises:
            NotImplementedError: beyond :data:`LAW_MAX_DIM`.
        """
        self._check_sample_count(n)  # (a mixin's sample is not wrapped by BaseModel's subclass hook)
        tables = self._coordinates()
        if tables is None:
            raise _beyond_max_dim(self)
        y = torch.stack([_power(law.sample(n, generator), tables.power) for law in tables.laws], dim=-1)
        x = torch.from_numpy(tables.origin) + y @ torch.from_numpy(tables.matrix).T
        return x.reshape(n, *self.event_shape).to(self.dtype)


# -- f13: a Gaussian times a cone ------------------------------------------------------------------


def _log_sphere_area(n: int) -> float:
    """:math:`\\log` of the area of the unit sphere in :math:`\\mathbb R^n`,
    :math:`2 \\pi^{n/2} / \\Gamma(n/2)` (2 for :math:`n = 1`: two points)."""
    return math.log(2.0) + 0.5 * n * math.log(math.pi) - math.lgamma(0.5 * n)


def _directions(n: int, dim: int, generator: torch.Generator | None) -> Tensor:
    """``n`` uniform draws on the unit sphere of :math:`\\mathbb R^{dim}`, float64."""
    g = torch.randn(n, dim, generator=generator, dtype=F64)
    return g / torch.linalg.vector_norm(g, dim=-1, keepdim=True)


class RidgeLaw(_Base):
    r"""Mixin for f13, :math:`f = z_0^2 + c \lVert z_{1:} \rVert + f_\mathrm{opt}` with
    :math:`z = M (x - x_\mathrm{opt})`: under :math:`e^{-f}`, :math:`z_0 \sim \mathcal N(0,
    \tfrac12)` and :math:`z_{1:}` is independent of it, with density :math:`\propto e^{-c
    \lVert v \rVert}` on :math:`\mathbb R^n`, :math:`n = d - 1`: a uniform direction times a
    norm of law :math:`\mathrm{Gamma}(n, c)`, the sum of :math:`n` exponential variables.
    So

    .. math::

        \log Z = -\log\lvert\det M\rvert + \tfrac12 \log\pi + \log\lvert S^{n-1}\rvert
        + \log\Gamma(n) - n \log c - f_\mathrm{opt},

    :math:`\lvert S^{n-1}\rvert = 2\pi^{n/2}/\Gamma(n/2)`; the mean is :math:`x_\mathrm{opt}`
    and :math:`\mathrm{Cov}(z) = \operatorname{diag}(\tfrac12, \tfrac{n + 1}{c^2}, \dots)`
    (:math:`E\lVert v\rVert^2 = n(n+1)/c^2`, shared by :math:`n` coordinates), mapped by
    :math:`M^{-1}`. A subclass names its matrix buffer ``matrix`` and its slope ``slope``.
    """

    slope: ClassVar[float]
    matrix: Tensor

    def _ridge(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(x_opt, M, M^-1)`` in float64 (the inverse cached while the buffers are unchanged)."""

        def build() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            matrix = self.matrix.detach().to("cpu", F64).numpy()
            return self.x_opt.detach().to("cpu", F64).numpy(), matrix, np.linalg.inv(matrix)

        return cached_while_unchanged(self, "ridge_law", (self.matrix, self.x_opt), build)

    def log_partition(self) -> float:
        _, matrix, _ = self._ridge()
        n = self.dim - 1
        return (
            -float(np.linalg.slogdet(matrix)[1])
            + 0.5 * math.log(math.pi)
            + _log_sphere_area(n)
            + math.lgamma(n)
            - n * math.log(self.slope)
            - self.f_opt
        )

    @property
    def mean(self) -> Tensor:
        """:math:`x_\\mathrm{opt}`, float64 (the law is symmetric about it)."""
        return _in_model(self, self._ridge()[0])

    @property
    def modes(self) -> Modes:
        """One mode, :math:`x_\\mathrm{opt}`, with all the mass (:math:`f` is convex)."""
        return Modes(self._ridge()[0].reshape(1, *self.event_shape), [1.0])

    @property
    def stddev(self) -> Tensor:
        """:math:`\\sqrt{\\operatorname{diag}(M^{-1} \\mathrm{Cov}(z) M^{-\\top})}`, float64."""
        _, _, inverse = self._ridge()
        variance = np.full(self.dim, self.dim / self.slope**2)
        variance[0] = 0.5
        return _in_model(self, np.sqrt(_covariance_diagonal(inverse, variance)))

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Exact draws: :math:`z_0` Gaussian, :math:`z_{1:}` a Gamma norm times a uniform
        direction, then :math:`x = x_\\mathrm{opt} + M^{-1} z`."""
        self._check_sample_count(n)  # (a mixin's sample is not wrapped by BaseModel's subclass hook)
        x_opt, _, inverse = self._ridge()
        head = math.sqrt(0.5) * torch.randn(n, 1, generator=generator, dtype=F64)
        uniforms = torch.rand(n, self.dim - 1, generator=generator, dtype=F64)
        norm = -torch.log1p(-uniforms).sum(-1, keepdim=True) / self.slope  # Gamma(n, slope)
        z = torch.cat([head, norm * _directions(n, self.dim - 1, generator)], dim=-1)
        x = torch.from_numpy(x_opt) + z @ torch.from_numpy(inverse).T
        return x.reshape(n, *self.event_shape).to(self.dtype)


# -- f6: a radial law in sectors -------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Sectors:
    """The tables of :class:`SectorLaw`."""

    x_opt: np.ndarray
    inverse: np.ndarray
    radius: GridLaw
    first: np.ndarray  # P(z_i has the sign `sign`): the steep side, or 1/2 where there is none
    sign: np.ndarray  # the sign of z_i on that side (that of x_opt, or 1 where it is 0)
    scale: np.ndarray  # s_i on that side (sector, or 1 where there is no steep side)
    log_mass: float


class SectorLaw(_Base):
    r"""Mixin for f6, :math:`f = \Phi\big(\sum_i (s_i z_i)^2\big) + f_\mathrm{opt}` with
    :math:`z = M (x - x_\mathrm{opt})`, :math:`s_i = \sigma` (``sector``) on the half-axis
    where :math:`z_i` has the sign of :math:`x_{\mathrm{opt},i}` and 1 on the other.

    In :math:`w_i = s_i z_i`, orthant by orthant, the law is radial: with :math:`r = \lVert w
    \rVert`, :math:`e^{-\Phi(r^2)}` times the Jacobian :math:`\prod_i 1/s_i`, the same on every
    orthant of :math:`w`. So each coordinate picks its side independently, the steep one with
    probability :math:`(1/\sigma) / (1 + 1/\sigma)`, and :math:`w` is a uniform direction of
    that orthant times a radius of density :math:`\propto r^{d-1} e^{-\Phi(r^2)}`:

    .. math::

        \log Z = -\log\lvert\det M\rvert + \sum_i \log(1 + 1/s_i^{\pm}) - d \log 2
        + \log\lvert S^{d-1}\rvert + \log \int_0^\infty r^{d-1} e^{-\Phi(r^2)} dr
        - f_\mathrm{opt},

    (2 in place of :math:`1 + 1/\sigma` where :math:`x_{\mathrm{opt},i} = 0`: no steep side).
    The radial integral is the model's own ``forward`` along a ray on which every
    :math:`s_i = 1`, tabulated (:func:`tabulate`, :math:`r = s^3`). The mean and the
    standard deviations follow from :math:`E r` and :math:`E r^2`: :math:`E\lvert w_i\rvert =
    E r\, \Gamma(\tfrac d2) / (\sqrt\pi\, \Gamma(\tfrac{d+1}2))`, :math:`E\lvert w_i
    w_j\rvert = E r^2 \cdot 2 / (\pi d)` (:math:`i \ne j`), :math:`E w_i^2 = E r^2 / d`. A
    subclass names its matrix buffer ``matrix``, its signs buffer ``signs`` (those of
    :math:`x_\mathrm{opt}`) and its factor ``sector``.
    """

    sector: ClassVar[float]
    matrix: Tensor
    signs: Tensor

    def _sectors(self) -> _Sectors:
        return cached_while_unchanged(self, "sector_law", tuple(self.buffers()), self._tabulate_sectors)

    def _tabulate_sectors(self) -> _Sectors:
        reference = _reference(self)
        x_opt = reference.x_opt.numpy()
        matrix = reference.matrix.numpy()
        signs = reference.signs.numpy()
        inverse = np.linalg.inv(matrix)
        flat = 1.0 if signs[0] == 0 else -float(signs[0])  # z_0 away from the steep side
        along = _along(reference, x_opt, flat * inverse[:, 0])
        d = self.dim

        def radial(r: np.ndarray) -> np.ndarray:
            with np.errstate(divide="ignore"):  # r = 0: no mass
                return along(r) - (d - 1) * np.log(r)

        radius = tabulate(radial, 1.0, half_line=True)
        has_steep = signs != 0
        scale = np.where(has_steep, self.sector, 1.0)
        weights = 1.0 + 1.0 / scale  # the other side has s_i = 1
        first = (1.0 / scale) / weights
        log_mass = (
            -float(np.linalg.slogdet(matrix)[1])
            + float(np.log(weights).sum())
            - d * math.log(2.0)
            + _log_sphere_area(d)
            + radius.log_mass
        )
        return _Sectors(x_opt, inverse, radius, first, np.where(has_steep, signs, 1.0), scale, log_mass)

    def log_partition(self) -> float:
        return self._sectors().log_mass

    @property
    def modes(self) -> Modes:
        """One mode, :math:`x_\\mathrm{opt}`, with all the mass (:math:`\\Phi` increases and
        :math:`\\sum_i (s_i z_i)^2` has no other local minimum)."""
        x_opt = self.x_opt.detach().to("cpu", F64)
        return Modes(x_opt.reshape(1, *self.event_shape), [1.0])

    def _z_moments(self) -> tuple[_Sectors, np.ndarray, np.ndarray]:
        """The tables, :math:`E z` and :math:`\\mathrm{Cov}(z)`."""
        tables = self._sectors()
        d = self.dim
        mean_r, mean_r2 = _moments(tables.radius, 3, 1, 2)
        # per coordinate, over its two sides: E[sign / s] and E[1 / s^2]
        other = 1.0 - tables.first
        signed = tables.sign * (tables.first / tables.scale - other)
        squared = tables.first / tables.scale**2 + other
        mean_abs = mean_r * math.exp(math.lgamma(0.5 * d) - math.lgamma(0.5 * (d + 1))) / math.sqrt(math.pi)
        mean_z = mean_abs * signed
        second = mean_r2 * (2.0 / (math.pi * d)) * np.outer(signed, signed)
        np.fill_diagonal(second, mean_r2 / d * squared)
        return tables, mean_z, second - np.outer(mean_z, mean_z)

    @property
    def mean(self) -> Tensor:
        """:math:`x_\\mathrm{opt} + M^{-1} E z`, float64."""
        tables, mean_z, _ = self._z_moments()
        return _in_model(self, tables.x_opt + tables.inverse @ mean_z)

    @property
    def stddev(self) -> Tensor:
        """:math:`\\sqrt{\\operatorname{diag}(M^{-1} \\mathrm{Cov}(z) M^{-\\top})}`, float64."""
        tables, _, covariance = self._z_moments()
        return _in_model(self, np.sqrt(_covariance_diagonal(tables.inverse, covariance)))

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Exact draws: a side per coordinate, a radius from its table and a uniform direction,
        then :math:`z_i = \\pm \\lvert w_i \\rvert / s_i` and :math:`x = x_\\mathrm{opt} + M^{-1} z`."""
        self._check_sample_count(n)  # (a mixin's sample is not wrapped by BaseModel's subclass hook)
        tables = self._sectors()
        radius = _power(tables.radius.sample(n, generator), 3).unsqueeze(-1)
        size = radius * _directions(n, self.dim, generator).abs()
        first = torch.rand(n, self.dim, generator=generator, dtype=F64) < torch.from_numpy(tables.first)
        sign = torch.from_numpy(tables.sign)
        z = torch.where(first, sign * size / torch.from_numpy(tables.scale), -sign * size)
        x = torch.from_numpy(tables.x_opt) + z @ torch.from_numpy(tables.inverse).T
        return x.reshape(n, *self.event_shape).to(self.dtype)


# -- f8, f9: a Rosenbrock valley --------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Valley:
    """The tables of :class:`ValleyLaw`: ``z = matrix @ (x - x_opt) + 1`` and the law of ``z``."""

    x_opt: np.ndarray
    inverse: np.ndarray
    log_mass: float  # log Z of z, less log |det M|
    mean: np.ndarray  # E z
    stddev: np.ndarray  # the marginal standard deviations of z
    law: BaseModel


class ValleyLaw(_Base):
    r"""Mixin for f8 and f9, :math:`f = \sum_{i < d-1} 100 (z_i^2 - z_{i+1})^2 + (z_i - 1)^2 +
    f_\mathrm{opt}` with :math:`z = M (x - x_\mathrm{opt}) + 1`: the law of :math:`z` is that
    of Rosenbrock's function (:math:`a = 1, b = 100`), a Markov chain whose log partition,
    marginal moments and exact draws the registered ``rosenbrock`` energy of
    ``ebmcore-analytic`` carries (one table per coordinate, by 1-D quadratures). So
    :math:`\log Z = \log Z_\mathrm{Rosenbrock} - \log\lvert\det M\rvert - f_\mathrm{opt}`,
    draws are :math:`x_\mathrm{opt} + M^{-1} (z - 1)` and the mean is :math:`x_\mathrm{opt} +
    M^{-1} (E z - 1)`. The standard deviations need only the marginals where :math:`M` is
    diagonal (f8); a rotation (f9) would need the chain's covariances, which it does not give,
    so f9's ``stddev`` is None. Where ``rosenbrock`` is not registered (``ebmcore-analytic``
    not installed) or has no law for the dimension, the ground truth is None and ``sample``
    raises ``NotImplementedError``. A subclass writes :meth:`valley_matrix`.
    """

    def valley_matrix(self) -> np.ndarray:
        """:math:`M`, ``(d, d)`` float64."""
        raise NotImplementedError

    def _valley(self) -> _Valley | None:
        return cached_while_unchanged(self, "valley_law", tuple(self.buffers()), self._build_valley)

    def _build_valley(self) -> _Valley | None:
        try:
            law = ebmcore.create("rosenbrock", dim=self.dim, a=1.0, b=100.0)
        except EbmcoreError:  # ebmcore-analytic is not installed
            return None
        log_mass, mean, stddev = law.log_partition(), law.mean, law.stddev
        if log_mass is None or mean is None or stddev is None:  # no law at this dimension
            return None
        reference = _reference(self)
        matrix = reference.valley_matrix()
        log_mass -= float(np.linalg.slogdet(matrix)[1])
        return _Valley(
            reference.x_opt.numpy(), np.linalg.inv(matrix), log_mass, mean.numpy(), stddev.numpy(), law
        )

    def log_partition(self) -> float | None:
        valley = self._valley()
        if valley is None:
            return None
        return valley.log_mass - self.f_opt

    @property
    def mean(self) -> Tensor | None:
        r""":math:`x_\mathrm{opt} + M^{-1} (E z - 1)`, float64."""
        valley = self._valley()
        if valley is None:
            return None
        return _in_model(self, valley.x_opt + valley.inverse @ (valley.mean - 1.0))

    @property
    def stddev(self) -> Tensor | None:
        """The marginal standard deviations of :math:`z` over the diagonal of :math:`M`, float64;
        None where :math:`M` is not diagonal (f9)."""
        valley = self._valley()
        if valley is None or np.count_nonzero(valley.inverse - np.diag(np.diagonal(valley.inverse))):
            return None
        return _in_model(self, np.abs(np.diagonal(valley.inverse)) * valley.stddev)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        r"""Exact draws: ``rosenbrock``'s, mapped to :math:`x_\mathrm{opt} + M^{-1} (z - 1)`.

        Raises:
            NotImplementedError: ``rosenbrock`` is not registered, or has no law for the
                dimension.
        """
        self._check_sample_count(n)  # (a mixin's sample is not wrapped by BaseModel's subclass hook)
        valley = self._valley()
        if valley is None:
            raise NotImplementedError(
                f"{type(self).__name__}'s exact sampler is the law of ebmcore-analytic's 'rosenbrock' "
                f"at dim = {self.dim}, which is not available (not installed, or no law there)"
            )
        z = valley.law.sample(n, generator).to(F64)
        x = torch.from_numpy(valley.x_opt) + (z - 1.0) @ torch.from_numpy(valley.inverse).T
        return x.reshape(n, *self.event_shape).to(self.dtype)


# -- f14: a norm of different powers ---------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Powers:
    r"""The closed forms of :class:`PowersLaw`: the rotation, the exponents, :math:`\alpha =
    \sum_i 1/p_i`, :math:`\log Z + f_\mathrm{opt}` and :math:`E z_i^2`."""

    x_opt: np.ndarray
    rotation: np.ndarray
    exponents: np.ndarray
    alpha: float
    log_mass: float
    second: np.ndarray


def _absolute_power(exponent: float) -> Energy1D:
    """:math:`t \\mapsto |t|^p`."""
    return lambda t: np.abs(t) ** exponent


class PowersLaw(_Base):
    r"""Mixin for f14, :math:`f = \sqrt{S} + f_\mathrm{opt}`, :math:`S = \sum_i |z_i|^{p_i}`,
    :math:`z = R (x - x_\mathrm{opt})`.

    :math:`e^{-f}` depends on :math:`z` through :math:`S` alone, and :math:`S` is homogeneous
    under the dilations :math:`z_i \mapsto \lambda^{1/p_i} z_i`, which scale volumes by
    :math:`\lambda^\alpha`, :math:`\alpha = \sum_i 1/p_i`. So the volume of :math:`\{S \le
    s\}` is :math:`V_1 s^\alpha`, :math:`V_1 = 2^d \prod_i \Gamma(1 + 1/p_i) / \Gamma(1 +
    \alpha)`, and

    .. math::

        Z = e^{-f_\mathrm{opt}} \int_0^\infty e^{-\sqrt s}\, V_1 \alpha s^{\alpha - 1} ds
          = e^{-f_\mathrm{opt}}\, 2 \alpha V_1 \Gamma(2 \alpha):

    :math:`\sqrt S \sim \mathrm{Gamma}(2\alpha, 1)`, independent of the point of the level set
    :math:`\{S = 1\}` it scales. That point is drawn as :math:`\theta_i = w_i T^{-1/p_i}` from
    independent :math:`w_i` of density :math:`\propto e^{-|w_i|^{p_i}}`, :math:`T = \sum_i
    |w_i|^{p_i}` (whose law is a function of :math:`T` alone too); then :math:`z_i = \theta_i
    S^{1/p_i}` and :math:`x = x_\mathrm{opt} + R^\top z`. The :math:`w_i` and
    :math:`\sqrt S` are drawn by the inverse CDF of their tables (:func:`tabulate`), for
    :math:`d \le` :data:`LAW_MAX_DIM`. The mean is :math:`x_\mathrm{opt}` (every :math:`z_i`
    is symmetric, and their signs independent), and :math:`E z_i^2 = \frac{\Gamma(2\alpha +
    4/p_i)}{\Gamma(2\alpha)} \frac{\Gamma(3/p_i)}{\Gamma(1/p_i)} \frac{\Gamma(\alpha)}
    {\Gamma(\alpha + 2/p_i)}` (:math:`E \theta_i^2 = E w_i^2 / E T^{2/p_i}`), mapped by
    :math:`R^\top`. A subclass names its buffers ``rotation`` and ``exponents``.
    """

    rotation: Tensor
    exponents: Tensor

    def _powers(self) -> _Powers:
        return cached_while_unchanged(self, "powers_law", tuple(self.buffers()), self._closed_forms)

    def _closed_forms(self) -> _Powers:
        reference = _reference(self)
        p = reference.exponents.numpy()
        alpha = float((1.0 / p).sum())
        log_volume = (
            self.dim * math.log(2.0) + sum(math.lgamma(1.0 + 1.0 / q) for q in p) - math.lgamma(1.0 + alpha)
        )
        log_mass = math.log(2.0 * alpha) + log_volume + math.lgamma(2.0 * alpha)
        lgamma = np.vectorize(math.lgamma)
        second = np.exp(
            lgamma(2.0 * alpha + 4.0 / p)
            - math.lgamma(2.0 * alpha)
            + lgamma(3.0 / p)
            - lgamma(1.0 / p)
            + math.lgamma(alpha)
            - lgamma(alpha + 2.0 / p)
        )
        return _Powers(reference.x_opt.numpy(), reference.rotation.numpy(), p, alpha, log_mass, second)

    def log_partition(self) -> float:
        return self._powers().log_mass - self.f_opt

    @property
    def mean(self) -> Tensor:
        """:math:`x_\\mathrm{opt}`, float64."""
        return _in_model(self, self._powers().x_opt)

    @property
    def stddev(self) -> Tensor:
        """:math:`\\sqrt{\\operatorname{diag}(R^\\top \\operatorname{diag}(E z^2) R)}`, float64."""
        powers = self._powers()
        return _in_model(self, np.sqrt(_covariance_diagonal(powers.rotation.T, powers.second)))

    @property
    def modes(self) -> Modes:
        """One mode, :math:`x_\\mathrm{opt}`, with all the mass (:math:`S` increases in every
        :math:`|z_i|`)."""
        return Modes(self._powers().x_opt.reshape(1, *self.event_shape), [1.0])

    def _tables(self) -> tuple[list[GridLaw], GridLaw] | None:
        """The tables of the :math:`w_i` and of :math:`\\sqrt S` (None beyond
        :data:`LAW_MAX_DIM`)."""
        if self.dim > LAW_MAX_DIM:
            return None
        powers = self._powers()

        def build() -> tuple[list[GridLaw], GridLaw]:
            coordinates = [tabulate(_absolute_power(float(q)), 1.0) for q in powers.exponents]
            shape = 2.0 * powers.alpha

            def root(u: np.ndarray) -> np.ndarray:
                with np.errstate(divide="ignore"):  # u = 0: no mass
                    return u - (shape - 1.0) * np.log(u)

            return coordinates, tabulate(root, 1.0, half_line=True)

        return cached_while_unchanged(self, "powers_tables", tuple(self.buffers()), build)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Exact draws (see the class docstring).

        Raises:
            NotImplementedError: beyond :data:`LAW_MAX_DIM` (one table per coordinate).
        """
        self._check_sample_count(n)  # (a mixin's sample is not wrapped by BaseModel's subclass hook)
        tables = self._tables()
        if tables is None:
            raise _beyond_max_dim(self)
        powers = self._powers()
        exponents = torch.from_numpy(powers.exponents)
        w = torch.stack([_power(law.sample(n, generator), 3) for law in tables[0]], dim=-1)
        level = (w.abs() ** exponents).sum(-1, keepdim=True)  # T
        target = _power(tables[1].sample(n, generator), 3).unsqueeze(-1) ** 2  # S
        z = w * (target / level) ** (1.0 / exponents)
        x = torch.from_numpy(powers.x_opt) + z @ torch.from_numpy(powers.rotation)
        return x.reshape(n, *self.event_shape).to(self.dtype)
