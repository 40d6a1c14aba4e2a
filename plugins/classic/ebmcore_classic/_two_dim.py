"""Two-dimensional test functions: bowls, plates, valleys and a needle.

Goldstein-Price, Bohachevsky 1-3, Matyas, McCormick, Easom, Levy N.13 and Bukin N.6. Each is
written so that finite inputs never give ``inf - inf``: where the textbook formula adds terms
of both signs that overflow together (Matyas' ``0.26 (x^2 + y^2) - 0.48 x y``, Goldstein-Price's
quadratics), the code uses the equal sum of squares given in the docstring. Sources: see
:mod:`ebmcore_classic._common`.
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import ClassVar

import numpy as np
import torch
from torch import Tensor

from ebmcore import Minima
from ebmcore.plugin import (
    Basins,
    GaussianLaw,
    GridLaw,
    PlanarLaw,
    PlanarModes,
    ProductModes,
    fill_by_rejection,
)

from ._common import FixedDimension, box, stack

__all__ = [
    "MCCORMICK_MINIMIZER",
    "Bohachevsky1",
    "Bohachevsky2",
    "Bohachevsky3",
    "BukinN6",
    "Easom",
    "GoldsteinPrice",
    "LevyN13",
    "Matyas",
    "McCormick",
]


class _TwoDimensional(FixedDimension):
    dimension = 2


class GoldsteinPrice(PlanarModes, PlanarLaw, _TwoDimensional):
    r"""The Goldstein-Price function: a degree-8 polynomial with several local minima.

    .. math::

        E(x, y) = \big[1 + (x + y + 1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)\big] \\
                  \times \big[30 + (2x - 3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2)\big].

    The quadratic factors depend on :math:`s = x + y` and :math:`t = 2x - 3y` only:
    :math:`19 - 14s + 3s^2` and :math:`18 - 16t + 3t^2`; the code evaluates
    :math:`A = 1 + (s + 1)^2 \big((3s - 14)s + 19\big)` and
    :math:`B = 30 + t^2 \big((3t - 16)t + 18\big)`, where the leading term wins wherever the
    polynomial overflows (no :math:`\infty - \infty`). Both factors are positive
    (:math:`A \ge 1`). Global minimum :math:`E(0, -1) = 3`, exactly; search domain
    :math:`[-2, 2]^2`.

    As a density on :math:`\mathbb R^2`, :math:`e^{-E}` is normalizable (:math:`A \ge 1`,
    :math:`B \ge 3`, each growing like the fourth power of its variable), with nearly all of
    its mass in the well at :math:`(0, -1)`: the next minimum, :math:`E(-0.6, -0.4) = 30`,
    holds :math:`e^{-27}` of it. On the edges of :math:`[-2.5, 2.5]^2`, :math:`E` exceeds its
    minimum by more than 240, so ``log_partition``, ``mean`` and ``stddev`` come from the
    trapezoid rule there (2^11 cells a side, converged to the last digits at 2^10:
    :class:`ebmcore.plugin.PlanarLaw`), and ``sample`` draws :math:`x` by the inverse CDF of
    its marginal, then :math:`y` by that of its law given :math:`x`.

    **Modes.** As :math:`E = A(s) B(t)` with :math:`A, B > 0` and :math:`(s, t)` a linear map of
    :math:`(x, y)`, the critical points are those of :math:`A` (:math:`A' = 12 (s + 1)(s - 1)(s -
    2)`) crossed with those of :math:`B` (:math:`B' = 12 t (t - 1)(t - 3)`), and the local minima
    are the four pairs of minima, :math:`s \in \{-1, 2\}`, :math:`t \in \{3, 0\}`:
    :math:`E(0, -1) = 1 \cdot 3`, :math:`E(-0.6, -0.4) = 1 \cdot 30`, :math:`E(1.8, 0.2) = 28
    \cdot 3` and :math:`E(1.2, 0.8) = 28 \cdot 30`. All nine critical points lie in
    ``modes_box`` :math:`[-3, 3] \times [-2.5, 1.5]`, and so does all of the mass that matters
    (:math:`E \le 43` needs :math:`A \le 43/3` and :math:`B \le 43`, so :math:`s \in [-1.6,
    -0.2]` and :math:`t \in [-0.7, 3.9]`: :math:`|x| \le 1.1`, :math:`y \in [-1.5, 0.1]`); its
    cells, 3 by 2 in shape, step along the valleys :math:`t = 0, 3` on their diagonal (on
    square cells the grid's lowest nodes in those narrow slanted valleys lie too far from any
    critical point for Newton's method to start from). ``modes`` lists the four
    minima with the masses of their basins (:class:`ebmcore.plugin.PlanarModes`): all but
    :math:`9 \cdot 10^{-13}` in the well at :math:`(0, -1)`, and ``mode_index`` gives the basin
    of each sample.

    References:
        A. A. Goldstein and J. F. Price, "On descent from local minima", Mathematics of
        Computation 25 (1971); [VLSE] "Goldstein-Price Function".

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("goldstein_price").energy(torch.tensor([[0.0, -1.0], [0.0, 0.0]]))
        tensor([  3., 600.])
    """

    domain = (-2.0, 2.0)
    law_box = ((-2.5, 2.5), (-2.5, 2.5))
    law_cells = 2**11
    law_sample_cells = 2**12
    modes_box = ((-3.0, 3.0), (-2.5, 1.5))

    @staticmethod
    def _terms(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
        a, b = x[..., 0], x[..., 1]
        s = a + b
        t = 2.0 * a - 3.0 * b
        p = (3.0 * s - 14.0) * s + 19.0
        q = (3.0 * t - 16.0) * t + 18.0
        first = 1.0 + (s + 1.0) ** 2 * p
        second = 30.0 + t * t * q
        return s, t, p, q, first, second, first * second

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[6]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        s, t, p, q, first, second, energy = self._terms(x)
        d_first = (s + 1.0) * (2.0 * p + (s + 1.0) * (6.0 * s - 14.0))  # dA/ds
        d_second = t * (2.0 * q + t * (6.0 * t - 16.0))  # dB/dt
        left, right = d_first * second, first * d_second
        return energy, stack(left + 2.0 * right, left - 3.0 * right)

    @property
    def minima(self) -> Minima:
        return Minima([[0.0, -1.0]], 3.0)


class _RippledBowl(_TwoDimensional):
    r"""The Bohachevsky functions: the bowl :math:`x^2 + 2y^2` under non-negative cosine ripples,

    .. math::

        E(x, y) = x^2 + 2y^2 + \sum_j c_j \big(1 - \cos(k_j \cdot (x, y))\big),

    with the amplitudes :math:`c_j` and wave vectors :math:`k_j` of ``_ripples``. As a density,
    :math:`e^{-E}` is the Gaussian :math:`e^{-x^2 - 2y^2}` (of mass :math:`Z_0 = \pi / \sqrt2`)
    damped by :math:`e^{-\sum_j c_j (1 - \cos k_j \cdot (x, y))} \in [e^{-2 \sum_j c_j}, 1]`: its
    mass and second moments are the Bessel series of :func:`_ripple_series`, and it is sampled
    exactly by rejection from :math:`\mathcal N(0, \operatorname{diag}(\tfrac12, \tfrac14))`,
    which keeps a share :math:`Z / Z_0` of the proposals.
    """

    symmetric_about = 0.0  # the density is even: its mean is 0

    domain = (-100.0, 100.0)
    minimizer = 0.0

    _ripples: ClassVar[tuple[tuple[float, float, float], ...]]
    """``(c_j, k_j[0], k_j[1])`` of every ripple: the energy as bowl plus ripples (ground truth only)."""

    # -- ground truth of e^{-E} (see the class docstring) -------------------------------------------

    def log_partition(self) -> float:
        return math.log(math.pi / math.sqrt(2.0)) + math.log(_ripple_series(self._ripples)[0])

    @property
    def stddev(self) -> Tensor:
        r""":math:`\sqrt{E[x^2]}` and :math:`\sqrt{E[y^2]}` (see :func:`_ripple_series`)."""
        _, second_x, second_y = _ripple_series(self._ripples)
        return torch.tensor([second_x, second_y], dtype=torch.float64).sqrt()

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Exact draws: points of the bowl's Gaussian, kept with probability
        :math:`e^{-(E - x^2 - 2y^2)}`, the ripples of the class's own energy."""
        spread = torch.tensor([math.sqrt(0.5), 0.5], dtype=torch.float64)  # e^{-x^2 - 2y^2}
        curvature = torch.tensor([1.0, 2.0], dtype=torch.float64)

        def accepted(remaining: int) -> Tensor:  # remaining coordinates, 2 a point; over 52% kept
            count = min(max(remaining + 64, 1024), 1 << 21)
            points = torch.randn(count, 2, generator=generator, dtype=torch.float64) * spread
            ripples = self.forward(points) - (curvature * points * points).sum(-1)
            uniform = torch.rand(count, generator=generator, dtype=torch.float64)
            return points[uniform < torch.exp(-ripples)].reshape(-1)

        return fill_by_rejection(2 * n, accepted).reshape(n, 2).to(self.dtype)


@functools.cache
def _ripple_series(ripples: tuple[tuple[float, float, float], ...]) -> tuple[float, float, float]:
    r"""``(Z / Z_0, E[x^2], E[y^2])`` of :math:`e^{-E}`, :math:`E = x^2 + 2y^2 + \sum_j c_j (1 -
    \cos k_j \cdot (x, y))`, for ``ripples`` the :math:`(c_j, k_j)`; :math:`Z_0 = \pi / \sqrt 2`.

    Each factor expands as :math:`e^{-c (1 - \cos\theta)} = \sum_{n \in \mathbb Z} \tilde I_n(c)
    e^{in\theta}`, :math:`\tilde I_n(c) = e^{-c} I_n(c)` (:math:`I_{-n} = I_n`), and each term
    of the product integrates against the Gaussian in closed form: with
    :math:`K = \sum_j n_j k_j`, :math:`\int e^{-a t^2 + iKt} dt = \sqrt{\pi / a}\, e^{-K^2/4a}` and
    :math:`\int t^2 e^{-a t^2 + iKt} dt = \sqrt{\pi / a}\, e^{-K^2/4a} (\tfrac1{2a} -
    \tfrac{K^2}{4a^2})` (:math:`a = 1` for :math:`x`, 2 for :math:`y`), so

    .. math::

        \frac{Z}{Z_0} = \sum_{n} w_n, \quad w_n = \prod_j \tilde I_{n_j}(c_j)\,
        e^{-K_x^2/4 - K_y^2/8}, \qquad
        E[x^2] = \frac{\sum_n w_n (\tfrac12 - \tfrac{K_x^2}4)}{\sum_n w_n}, \quad
        E[y^2] = \frac{\sum_n w_n (\tfrac14 - \tfrac{K_y^2}{16})}{\sum_n w_n}.

    The sum runs over :math:`n_j \in \{-1, 0, 1\}` (``torch.special.i0e``, ``i1e``; no
    scipy). For the three Bohachevsky functions every term with some :math:`|n_j| \ge 2` has
    :math:`K_x^2/4 + K_y^2/8 \ge 8\pi^2` and :math:`\tilde I_2 / \tilde I_0 < 0.02`: it
    changes the sums by less than :math:`10^{-33}` relative.
    """
    bessel = []
    for amplitude, _, _ in ripples:
        c = torch.tensor(amplitude, dtype=torch.float64)
        bessel.append((float(torch.special.i0e(c)), float(torch.special.i1e(c))))
    mass = second_x = second_y = 0.0
    for orders in itertools.product((-1, 0, 1), repeat=len(ripples)):
        kx = sum(n * ripple[1] for n, ripple in zip(orders, ripples, strict=True))
        ky = sum(n * ripple[2] for n, ripple in zip(orders, ripples, strict=True))
        weight = math.prod(bessel[j][abs(n)] for j, n in enumerate(orders))
        weight *= math.exp(-kx * kx / 4.0 - ky * ky / 8.0)
        mass += weight
        second_x += weight * (0.5 - kx * kx / 4.0)
        second_y += weight * (0.25 - ky * ky / 16.0)
    return mass, second_x / mass, second_y / mass


class Bohachevsky1(ProductModes, _RippledBowl):
    r"""Bohachevsky's first function: a bowl with separable cosine ripples.

    .. math::

        E(x, y) = x^2 + 2y^2 - 0.3 \cos(3\pi x) - 0.4 \cos(4\pi y) + 0.7,

    evaluated as :math:`x^2 + 2y^2 + 0.3 (1 - \cos 3\pi x) + 0.4 (1 - \cos 4\pi y)`, a sum of
    non-negative terms, so :math:`E \ge x^2 + 2y^2` and the global minimum :math:`E(0, 0) = 0`
    is exact and unique. Search domain :math:`[-100, 100]^2`.

    As a density on :math:`\mathbb R^2`, :math:`e^{-E}` is the product of the laws
    :math:`e^{-t^2 - 0.3 (1 - \cos 3\pi t)}` and :math:`e^{-2t^2 - 0.4 (1 - \cos 4\pi t)}`.
    Expanding :math:`e^{c \cos\theta} = I_0(c) + 2 \sum_{n \ge 1} I_n(c) \cos n\theta` and
    integrating against :math:`e^{-a t^2}` term by term (:math:`\int e^{-a t^2} \cos kt\, dt =
    \sqrt{\pi / a}\, e^{-k^2 / 4a}`, see :func:`_ripple_series`) gives

    .. math::

        Z = \frac{\pi}{\sqrt2} \big(\tilde I_0(0.3) + 2 e^{-9\pi^2/4} \tilde I_1(0.3)\big)
            \big(\tilde I_0(0.4) + 2 e^{-2\pi^2} \tilde I_1(0.4)\big),
        \qquad \tilde I_n(c) = e^{-c} I_n(c),

    where the :math:`n = 1` terms change :math:`Z` by :math:`7 \cdot 10^{-11}` and
    :math:`10^{-9}` relative and those from :math:`n = 2` on by less than :math:`e^{-8\pi^2}
    < 10^{-34}`; :math:`E[x^2]` and :math:`E[y^2]` are the same series with the terms weighted
    by :math:`\tfrac1{2a} - \tfrac{k^2}{4a^2}` (:math:`\int t^2 e^{-a t^2} \cos kt\, dt`):
    ``log_partition``, ``mean`` (0) and ``stddev``. ``sample`` draws exactly, from
    :math:`\mathcal N(0, \operatorname{diag}(\tfrac12, \tfrac14))` kept with probability
    :math:`e^{-0.3 (1 - \cos 3\pi x) - 0.4 (1 - \cos 4\pi y)} \ge e^{-1.4}`: a share
    :math:`Z / Z_0 = 0.528` of the proposals, :math:`Z_0 = \pi / \sqrt2`.

    The term in :math:`x` has derivative :math:`2x + 0.9\pi \sin 3\pi x`, which vanishes only
    where :math:`|x| \le 0.45\pi < 1.5`, and that in :math:`y`, :math:`4y + 1.6\pi \sin 4\pi y`,
    only where :math:`|y| \le 0.4\pi < 1.3`; each has five local minima there, so
    :math:`e^{-E}` has 25 modes: ``modes`` lists them with the masses of their basins, the
    products of the basin masses of the terms (by the trapezoid rule; 0.155 at the origin),
    and ``mode_index`` gives the basin of each sample (:class:`ebmcore.plugin.ProductModes`).

    References:
        I. O. Bohachevsky, M. E. Johnson and M. L. Stein, "Generalized simulated annealing for
        function optimization", Technometrics 28 (1986); [VLSE] "Bohachevsky Functions".

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("bohachevsky1").energy_and_gradient(torch.zeros(2))
        (tensor(0.), tensor([0., 0.]))
    """

    _ripples = ((0.3, 3.0 * math.pi, 0.0), (0.4, 0.0, 4.0 * math.pi))

    @staticmethod
    def _energy(a: Tensor, b: Tensor) -> Tensor:
        return (
            a * a
            + 2.0 * b * b
            + 0.3 * (1.0 - torch.cos((3.0 * math.pi) * a))
            + 0.4 * (1.0 - torch.cos((4.0 * math.pi) * b))
        )

    def forward(self, x: Tensor) -> Tensor:
        return self._energy(x[..., 0], x[..., 1])

    @staticmethod
    def _slopes(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
        """``dE/dx``, a function of ``x`` alone, and ``dE/dy``, of ``y`` alone."""
        gx = 2.0 * a + (0.9 * math.pi) * torch.sin((3.0 * math.pi) * a)
        gy = 4.0 * b + (1.6 * math.pi) * torch.sin((4.0 * math.pi) * b)
        return gx, gy

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        a, b = x[..., 0], x[..., 1]
        return self._energy(a, b), stack(*self._slopes(a, b))

    def coordinate_basins(self) -> list[Basins]:
        return list(_bohachevsky1_basins())


def _on_axis(axis: int, t: np.ndarray) -> tuple[Tensor, Tensor]:
    """The points ``t`` on the ``x`` axis (``axis`` 0) or the ``y`` axis (1), as ``(x, y)``."""
    along = torch.from_numpy(t)
    zero = torch.zeros_like(along)
    return (along, zero) if axis == 0 else (zero, along)


def _bohachevsky1_term(axis: int, t: np.ndarray) -> np.ndarray:
    """:class:`Bohachevsky1`'s term in ``x`` (``axis`` 0) or ``y`` (1): ``E`` on that axis."""
    return Bohachevsky1._energy(*_on_axis(axis, t)).numpy()


def _bohachevsky1_slope(axis: int, t: np.ndarray) -> np.ndarray:
    """The derivative of :func:`_bohachevsky1_term`."""
    return Bohachevsky1._slopes(*_on_axis(axis, t))[axis].numpy()


@functools.cache
def _bohachevsky1_basins() -> tuple[Basins, Basins]:
    r"""The basins of :class:`Bohachevsky1` in :math:`x` and in :math:`y`: the critical points of
    each term, all in :math:`[-1.5, 1.5]` and :math:`[-1.3, 1.3]` (see the class docstring),
    weighed by the trapezoid rule on :math:`2^{16}` cells of :math:`[-7, 7]` and :math:`[-5, 5]`
    (each term above 49 at the ends)."""
    basins = [
        Basins.of(
            functools.partial(_bohachevsky1_slope, axis),
            -reach,
            reach,
            GridLaw.of(functools.partial(_bohachevsky1_term, axis), -extent, extent),
        )
        for axis, reach, extent in ((0, 1.5, 7.0), (1, 1.3, 5.0))
    ]
    return basins[0], basins[1]


class Bohachevsky2(PlanarModes, _RippledBowl):
    r"""Bohachevsky's second function: a bowl with a product of cosines.

    .. math::

        E(x, y) = x^2 + 2y^2 - 0.3 \cos(3\pi x) \cos(4\pi y) + 0.3,

    evaluated as :math:`x^2 + 2y^2 + 0.3 (1 - \cos 3\pi x \cos 4\pi y)`. Global minimum
    :math:`E(0, 0) = 0` (exact and unique: :math:`E \ge x^2 + 2y^2`); search domain
    :math:`[-100, 100]^2`.

    As a density on :math:`\mathbb R^2`, :math:`e^{-E}` is not separable, but with
    :math:`\cos A \cos B = \tfrac12 [\cos(A + B) + \cos(A - B)]` it is the bowl times two plane
    waves, :math:`e^{-x^2 - 2y^2 - 0.3} e^{0.15 \cos(3\pi x + 4\pi y)} e^{0.15 \cos(3\pi x -
    4\pi y)}`. Expanding both as :math:`e^{0.15 \cos\theta} = \sum_n I_n(0.15) e^{in\theta}`
    gives a double series :math:`\sum_{m, n} I_m(0.15) I_n(0.15) e^{3\pi i (m + n) x + 4\pi i
    (m - n) y}`, and each term integrates against the Gaussian to :math:`\tfrac{\pi}{\sqrt2}
    e^{-9\pi^2 (m + n)^2 / 4 - 2\pi^2 (m - n)^2}` (see :func:`_ripple_series`):

    .. math::

        Z = \frac{\pi}{\sqrt2} e^{-0.3} \big(I_0^2 + 4 e^{-17\pi^2/4} I_0 I_1
            + 2 (e^{-9\pi^2} + e^{-8\pi^2}) I_1^2 + \dots\big), \qquad I_n = I_n(0.15),

    where every term but the first is below :math:`10^{-18}` relative: :math:`Z =
    \tfrac{\pi}{\sqrt2} \tilde I_0(0.15)^2` (:math:`\tilde I_0(c) = e^{-c} I_0(c)`), and the
    second moments are those of the bowl, :math:`E[x^2] = \tfrac12`, :math:`E[y^2] =
    \tfrac14`, to double precision: ``log_partition``, ``mean`` (0) and ``stddev``.
    ``sample`` draws exactly, from :math:`\mathcal N(0, \operatorname{diag}(\tfrac12,
    \tfrac14))` kept with probability :math:`e^{-0.3 (1 - \cos 3\pi x \cos 4\pi y)} \ge
    e^{-0.6}`: a share :math:`\tilde I_0(0.15)^2 = 0.749` of the proposals.

    Every critical point has :math:`|x| \le 0.45\pi < 1.5` and :math:`|y| \le 0.3\pi < 1`
    (:math:`2|x| = 0.9\pi |\sin 3\pi x \cos 4\pi y|`, :math:`4|y| = 1.2\pi |\cos 3\pi x
    \sin 4\pi y|`), and :math:`E \ge x^2 + 2y^2` leaves under :math:`3 \cdot 10^{-12}` of the
    mass outside ``modes_box`` :math:`[-5, 5] \times [-4, 4]` (:math:`\operatorname{erfc} 5 +
    \operatorname{erfc} 4\sqrt2`, over :math:`Z / Z_0`). ``modes`` lists the 25 local minima
    with the masses of their basins under the gradient flow, from the flow of every node of its
    grid (:math:`2^{11}` cells a side; 0.083 at the origin), and ``mode_index`` gives the basin
    of each sample (:class:`ebmcore.plugin.PlanarModes`): the basins are a fifth of a unit
    wide, and 0.7% of exact draws lie within a few cells of an edge and change basin against an
    adaptive ODE solver.

    References:
        I. O. Bohachevsky, M. E. Johnson and M. L. Stein, Technometrics 28 (1986);
        [VLSE] "Bohachevsky Functions".

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("bohachevsky2").energy(torch.tensor([1.0, 0.0]))
        tensor(1.6000)
    """

    _ripples = ((0.15, 3.0 * math.pi, 4.0 * math.pi), (0.15, 3.0 * math.pi, -4.0 * math.pi))
    modes_box = ((-5.0, 5.0), (-4.0, 4.0))
    modes_cells = 2**11

    @staticmethod
    def _terms(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
        ax, by = (3.0 * math.pi) * a, (4.0 * math.pi) * b
        cos_x, cos_y = torch.cos(ax), torch.cos(by)
        return ax, by, cos_x, cos_y, a * a + 2.0 * b * b + 0.3 * (1.0 - cos_x * cos_y)

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x[..., 0], x[..., 1])[4]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        a, b = x[..., 0], x[..., 1]
        ax, by, cos_x, cos_y, energy = self._terms(a, b)
        gx = 2.0 * a + (0.9 * math.pi) * torch.sin(ax) * cos_y
        gy = 4.0 * b + (1.2 * math.pi) * cos_x * torch.sin(by)
        return energy, stack(gx, gy)


class Bohachevsky3(PlanarModes, _RippledBowl):
    r"""Bohachevsky's third function: a bowl with a cosine of a mixed argument.

    .. math::

        E(x, y) = x^2 + 2y^2 - 0.3 \cos(3\pi x + 4\pi y) + 0.3,

    evaluated as :math:`x^2 + 2y^2 + 0.3 (1 - \cos(3\pi x + 4\pi y))`. Global minimum
    :math:`E(0, 0) = 0` (exact and unique: :math:`E \ge x^2 + 2y^2`); search domain
    :math:`[-100, 100]^2`.

    As a density on :math:`\mathbb R^2`, :math:`e^{-E}` is the bowl times one plane wave.
    Expanding :math:`e^{-0.3 (1 - \cos\theta)} = \sum_n \tilde I_n(0.3) e^{in\theta}`,
    :math:`\theta = 3\pi x + 4\pi y`, :math:`\tilde I_n(c) = e^{-c} I_n(c)`, the term
    :math:`n` integrates against :math:`e^{-x^2 - 2y^2}` to :math:`\tfrac{\pi}{\sqrt2}
    e^{-n^2 (9\pi^2/4 + 2\pi^2)} = \tfrac{\pi}{\sqrt2} e^{-17\pi^2 n^2 / 4}` (see
    :func:`_ripple_series`), below :math:`10^{-18}` relative from :math:`n = 1` on: so
    :math:`Z = \tfrac{\pi}{\sqrt2} \tilde I_0(0.3)` and the second moments are the bowl's,
    :math:`E[x^2] = \tfrac12`, :math:`E[y^2] = \tfrac14`, to double precision:
    ``log_partition``, ``mean`` (0) and ``stddev``. ``sample`` draws exactly, from
    :math:`\mathcal N(0, \operatorname{diag}(\tfrac12, \tfrac14))` kept with probability
    :math:`e^{-0.3 (1 - \cos(3\pi x + 4\pi y))} \ge e^{-0.6}`: a share :math:`\tilde I_0(0.3)
    = 0.758` of the proposals.

    At a critical point :math:`2x = -0.9\pi \sin\theta` and :math:`4y = -1.2\pi \sin\theta`
    (:math:`\theta = 3\pi x + 4\pi y`), so :math:`y = 2x/3`, :math:`|x| \le 0.45\pi < 1.5` and
    :math:`|y| \le 0.3\pi < 1`; :math:`E \ge x^2 + 2y^2` leaves under :math:`3 \cdot 10^{-12}`
    of the mass outside ``modes_box`` :math:`[-5, 5] \times [-4, 4]`. ``modes`` lists the nine
    local minima, all on the line :math:`y = 2x/3`, with the masses of their basins under the
    gradient flow, from the flow of every node of its grid (:math:`2^{11}` cells a side; 0.277
    at the origin), and ``mode_index`` gives the basin of each sample
    (:class:`ebmcore.plugin.PlanarModes`).

    References:
        I. O. Bohachevsky, M. E. Johnson and M. L. Stein, Technometrics 28 (1986);
        [VLSE] "Bohachevsky Functions".

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("bohachevsky3").energy(torch.tensor([0.0, 0.5]))
        tensor(0.5000)
    """

    _ripples = ((0.3, 3.0 * math.pi, 4.0 * math.pi),)
    modes_box = ((-5.0, 5.0), (-4.0, 4.0))
    modes_cells = 2**11

    @staticmethod
    def _terms(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
        angle = (3.0 * math.pi) * a + (4.0 * math.pi) * b
        return angle, a * a + 2.0 * b * b + 0.3 * (1.0 - torch.cos(angle))

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x[..., 0], x[..., 1])[1]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        a, b = x[..., 0], x[..., 1]
        angle, energy = self._terms(a, b)
        sin = torch.sin(angle)
        return energy, stack(2.0 * a + (0.9 * math.pi) * sin, 4.0 * b + (1.2 * math.pi) * sin)


class Matyas(GaussianLaw, _TwoDimensional):
    r"""The Matyas function: a flat, tilted convex quadratic.

    .. math::

        E(x, y) = 0.26 (x^2 + y^2) - 0.48 x y = 0.25 (x - y)^2 + 0.01 (x + y)^2,

    evaluated in the second form (a sum of squares: no :math:`\infty - \infty` where the
    squares overflow). Hessian eigenvalues 0.04 and 1 (along :math:`(1, 1)` and
    :math:`(1, -1)`). Global minimum :math:`E(0, 0) = 0`; search domain :math:`[-10, 10]^2`.
    A quadratic, :math:`e^{-E}` is a Gaussian of precision the Hessian, :math:`\log Z =
    \log 2\pi - \tfrac12 \log 0.04 = \log 10\pi` (:class:`ebmcore.plugin.GaussianLaw`).

    References:
        J. Matyas, "Random optimization", Automation and Remote Control 26 (1965);
        [VLSE] "Matyas Function".

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("matyas").energy(torch.tensor([1.0, 1.0]))
        tensor(0.0400)
    """

    domain = (-10.0, 10.0)
    minimizer = 0.0

    @staticmethod
    def _terms(x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        a, b = x[..., 0], x[..., 1]
        difference, total = a - b, a + b
        return difference, total, 0.25 * difference * difference + 0.01 * total * total

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[2]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        difference, total, energy = self._terms(x)
        half, small = 0.5 * difference, 0.02 * total
        return energy, stack(half + small, small - half)

    def gaussian_law(self) -> tuple[Tensor, Tensor, float]:
        hessian = torch.tensor([[0.52, -0.48], [-0.48, 0.52]], dtype=torch.float64)
        return torch.zeros(2, dtype=torch.float64), hessian, 0.0


MCCORMICK_MINIMIZER = (-0.5471975511965977, -1.5471975511965979)
r""":math:`(1/2 - \pi/3, -1/2 - \pi/3)`, correctly rounded (``0.5 - math.pi / 3`` is one ulp off)."""


class McCormick(_TwoDimensional):
    r"""The McCormick function: a tilted sine plate on a quadratic valley.

    .. math::

        E(x, y) = \sin(x + y) + (x - y)^2 - 1.5 x + 2.5 y + 1 .

    In :math:`s = x + y`, :math:`d = x - y` it is :math:`\sin s + s/2 + (d - 1)^2`, so the
    stationary points have :math:`d = 1`, :math:`\cos s = -1/2`, and the global minimum on the
    search domain :math:`x \in [-1.5, 4]`, :math:`y \in [-3, 4]` is at :math:`s = -2\pi/3`:

    .. math::

        x^\ast = \Big(\frac12 - \frac\pi3, -\frac12 - \frac\pi3\Big), \qquad
        E(x^\ast) = -\frac{\sqrt3}2 - \frac\pi3 = -1.9132229549810364

    (:data:`MCCORMICK_MINIMIZER`).

    **Literature.** [VLSE] gives :math:`E = -1.9133` at :math:`(-0.54719, -1.54719)`: both
    are off in their last digit. :math:`-1.913223` rounds to :math:`-1.9132` (the printed
    value is :math:`7.7 \cdot 10^{-5}` too low), and the coordinates are truncated, not
    rounded (:math:`-0.547198` and :math:`-1.547198` round to :math:`-0.54720`,
    :math:`-1.54720`; off by :math:`7.6 \cdot 10^{-6}`).

    References:
        G. P. McCormick, "Computability of global solutions to factorable nonconvex programs",
        Mathematical Programming 10 (1976); [VLSE] "McCormick Function".

    Example:
        >>> import math, ebmcore
        >>> value = ebmcore.create("mccormick").minima.value
        >>> value, abs(value - (-math.sqrt(3) / 2 - math.pi / 3)) < 1e-15
        (-1.9132229549810364, True)
    """

    @staticmethod
    def _terms(x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        a, b = x[..., 0], x[..., 1]
        s, d = a + b, a - b
        return s, d, torch.sin(s) + d * d - 1.5 * a + 2.5 * b + 1.0

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[2]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        s, d, energy = self._terms(x)
        cos = torch.cos(s)
        return energy, stack(cos + 2.0 * d - 1.5, cos - 2.0 * d + 2.5)

    @property
    def bounds(self) -> Tensor:
        return box([-1.5, -3.0], [4.0, 4.0])

    @property
    def minima(self) -> Minima:
        return Minima([MCCORMICK_MINIMIZER], -1.9132229549810364)  # -sqrt(3)/2 - pi/3, correctly rounded


class Easom(_TwoDimensional):
    r"""Easom's function: a needle at :math:`(\pi, \pi)` in a flat plane.

    .. math::

        E(x, y) = -\cos x \cos y \, \exp\!\big(-(x - \pi)^2 - (y - \pi)^2\big).

    Global minimum :math:`E(\pi, \pi) = -1`; search domain :math:`[-100, 100]^2`, where the
    needle (:math:`|E| > 0.01` within about 2.2 of :math:`(\pi, \pi)`) covers under 0.1% of
    the area.

    References:
        E. E. Easom, *A survey of global optimization techniques*, M. Eng. thesis, University
        of Louisville (1990); [VLSE] "Easom Function".

    Example:
        >>> import math, torch, ebmcore
        >>> ebmcore.create("easom").energy(torch.tensor([math.pi, math.pi], dtype=torch.float64))
        tensor(-1., dtype=torch.float64)
    """

    domain = (-100.0, 100.0)
    minimizer = math.pi
    minimum = -1.0

    @staticmethod
    def _terms(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
        a, b = x[..., 0], x[..., 1]
        u, v = a - math.pi, b - math.pi
        envelope = torch.exp(-(u * u) - v * v)
        cos_a, cos_b = torch.cos(a), torch.cos(b)
        return a, b, u, v, cos_a * cos_b, envelope, -(cos_a * cos_b) * envelope

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[6]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        a, b, u, v, product, envelope, energy = self._terms(x)
        # dE/dx = e (sin x cos y + 2 (x - pi) cos x cos y), the same in y
        gx = envelope * (torch.sin(a) * torch.cos(b) + 2.0 * u * product)
        gy = envelope * (torch.cos(a) * torch.sin(b) + 2.0 * v * product)
        return energy, stack(gx, gy)


class LevyN13(PlanarLaw, _TwoDimensional):
    r"""Levy's function N.13: ridged valleys around the minimum at :math:`(1, 1)`.

    .. math::

        E(x, y) = \sin^2(3\pi x) + (x - 1)^2 \big[1 + \sin^2(3\pi y)\big]
                  + (y - 1)^2 \big[1 + \sin^2(2\pi y)\big].

    The first term is evaluated as :math:`\sin^2(3\pi (x - 1))`, the same (:math:`\sin^2` has
    period :math:`\pi`), which makes the global minimum :math:`E(1, 1) = 0` exact in floating
    point. Search domain :math:`[-10, 10]^2`.

    As a density on :math:`\mathbb R^2`, :math:`e^{-E}` is normalizable: :math:`E \ge (x -
    1)^2 + (y - 1)^2`, so on the edges of :math:`[-7, 9] \times [-6, 8]` it is at least 49.
    There ``log_partition``, ``mean`` and ``stddev`` come from the trapezoid rule (2^11 cells
    a side, some 40 per period of :math:`\sin^2 3\pi x`; converged to the last digits at
    2^10: :class:`ebmcore.plugin.PlanarLaw`), and ``sample`` draws :math:`x` by the inverse CDF
    of its marginal, then :math:`y` by that of its law given :math:`x`. Every term is even
    about :math:`(1, 1)`, so the mean is :math:`(1, 1)`.

    It declares no ``modes``, as it has infinitely many: on the line :math:`x = 1`, where
    :math:`\partial_x E = \partial_x \partial_y E = 0 < \partial_x^2 E`, :math:`E(1, y) = (y -
    1)^2 (1 + \sin^2 2\pi y)` has a local minimum near every :math:`y = k/2` far enough from 1.

    References:
        A. V. Levy and A. Montalvo, "The tunneling algorithm for the global minimization of
        functions", SIAM J. Sci. Stat. Comput. 6 (1985); [VLSE] "Levy Function N. 13".

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("levy_n13").energy_and_gradient(torch.ones(2))
        (tensor(0.), tensor([0., 0.]))
    """

    domain = (-10.0, 10.0)
    minimizer = 1.0
    law_box = ((-7.0, 9.0), (-6.0, 8.0))
    law_cells = 2**11
    law_sample_cells = 2**12

    @staticmethod
    def _terms(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
        a, b = x[..., 0], x[..., 1]
        u, v = a - 1.0, b - 1.0
        sin_3y = torch.sin((3.0 * math.pi) * b) ** 2
        sin_2y = torch.sin((2.0 * math.pi) * b) ** 2
        energy = torch.sin((3.0 * math.pi) * u) ** 2 + u * u * (1.0 + sin_3y) + v * v * (1.0 + sin_2y)
        return b, u, v, sin_3y, sin_2y, energy

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[5]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        b, u, v, sin_3y, sin_2y, energy = self._terms(x)
        # d sin^2(k t)/dt = k sin(2 k t)
        gx = (3.0 * math.pi) * torch.sin((6.0 * math.pi) * u) + 2.0 * u * (1.0 + sin_3y)
        gy = (
            u * u * ((3.0 * math.pi) * torch.sin((6.0 * math.pi) * b))
            + 2.0 * v * (1.0 + sin_2y)
            + v * v * ((2.0 * math.pi) * torch.sin((4.0 * math.pi) * b))
        )
        return energy, stack(gx, gy)


class BukinN6(_TwoDimensional):
    r"""Bukin's function N.6: a narrow curved valley with a cusp along its floor.

    .. math::

        E(x, y) = 100 \sqrt{\lvert y - 0.01 x^2 \rvert} + 0.01 \lvert x + 10 \rvert .

    The floor of the valley, the parabola :math:`y = 0.01 x^2`, is almost flat (there
    :math:`E = 0.01 |x + 10|`), and the energy rises like a square root across it; the global
    minimum :math:`E(-10, 1) = 0` is unique (both terms vanish only there). Search domain
    :math:`x \in [-15, -5]`, :math:`y \in [-3, 3]`.

    **Gradient at the non-smooth points.** Off the parabola and off :math:`x = -10` the gradient
    is the derivative. On the parabola (:math:`u = y - 0.01 x^2 = 0`) the square root has no
    finite derivative; the gradient returned takes its term as 0 (``sign(0) = 0``: the
    derivative of the smooth part :math:`0.01 |x + 10|` alone, finite), and at :math:`x = -10`
    it takes :math:`\operatorname{sign}(0) = 0` for :math:`|x + 10|` (the mid-point of its
    one-sided derivatives). At the minimizer the gradient returned is :math:`(0, 0)`, a
    subgradient: 0 lies in the (Fréchet) subdifferential there.

    As a density on :math:`\mathbb R^2`, :math:`e^{-E}` is normalizable although its valley
    is unbounded. In the coordinates :math:`(x, u)`, :math:`u = y - 0.01 x^2` (a shear, of
    Jacobian 1), it is the product :math:`e^{-0.01 |x + 10|}\, e^{-100 \sqrt{|u|}}`: :math:`x`
    is Laplace with centre :math:`m = -10` and scale :math:`b = 100` (mass :math:`2b`), and
    :math:`u = \pm s^2` with :math:`s` of density :math:`\propto s e^{-100 s}`, Gamma of shape 2
    and rate 100, so :math:`\int e^{-100 \sqrt{|u|}} du = 2 \int_0^\infty 2s e^{-100 s} ds =
    4 / 100^2`. Hence

    .. math::

        Z = 2b \cdot \frac{4}{100^2} = 0.08, \quad
        E[x] = m, \quad \operatorname{Var} x = 2b^2, \quad
        E[y] = 0.01\, E[x^2] = 0.01 (m^2 + 2b^2) = 201, \\
        \operatorname{Var} y = 10^{-4} \operatorname{Var}(x^2) + E[u^2]
        = 10^{-4} (8 m^2 b^2 + 20 b^4) + \frac{5!}{100^4}

    (:math:`E[x^4] = m^4 + 12 m^2 b^2 + 24 b^4` from the Laplace moments :math:`E|x - m|^k = k!
    b^k`; :math:`E[u^2] = E[s^4] = 5! / 100^4`; :math:`u` is independent of :math:`x`, of mean
    0): ``log_partition``, ``mean`` :math:`(-10, 201)` and ``stddev`` :math:`(141.42,
    448.11)`. ``sample`` draws exactly, with no rejection: :math:`x = m + b (e_1 - e_2)`,
    :math:`s = (e_3 + e_4) / 100`, :math:`y = 0.01 x^2 \pm s^2` with :math:`e_i \sim
    \operatorname{Exp}(1)` and a fair sign. The law reaches far beyond the search box: only
    :math:`1 - e^{-0.05} = 4.9\%` of the mass has :math:`x \in [-15, -5]`, and :math:`y` is
    heavy-tailed (:math:`y \approx 0.01 x^2`). Float32 samples round :math:`y` to its float32
    spacing, :math:`8 \cdot 10^{-6}` at :math:`y = 100` but :math:`10^{-3}` at :math:`y = 10^4`,
    coarser there than the offset :math:`u` itself (about :math:`6 \cdot 10^{-4}`); the
    float32 energy resolves :math:`u` no better.

    References:
        A. D. Bukin, "New minimization strategy for non-smooth functions", Budker Institute of
        Nuclear Physics preprint 97-79 (1997); [VLSE] "Bukin Function N. 6".

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("bukin_n6").energy_and_gradient(torch.tensor([-10.0, 1.0]))
        (tensor(0.), tensor([0., 0.]))
    """

    @staticmethod
    def _terms(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
        a, b = x[..., 0], x[..., 1]
        u = b - 0.01 * (a * a)
        root = torch.sqrt(torch.abs(u))
        shift = a + 10.0
        return a, u, root, shift, 100.0 * root + 0.01 * torch.abs(shift)

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[4]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        a, u, root, shift, energy = self._terms(x)
        # d(100 sqrt|u|)/du = 50 sign(u) / sqrt|u|, taken as 0 on the floor u = 0 (sign(0) = 0)
        slope = 50.0 * torch.sign(u) / torch.where(u == 0, 1.0, root)
        gx = slope * (-0.02 * a) + 0.01 * torch.sign(shift)
        return energy, stack(gx, slope)

    @property
    def bounds(self) -> Tensor:
        return box([-15.0, -3.0], [-5.0, 3.0])

    @property
    def minima(self) -> Minima:
        return Minima([[-10.0, 1.0]], 0.0)

    # -- ground truth of e^{-E} (see the class docstring) -------------------------------------------

    _centre: ClassVar[float] = -10.0  # of the Laplace law of x
    _scale: ClassVar[float] = 100.0  # of the Laplace law of x: 1 / 0.01
    _rate: ClassVar[float] = 100.0  # of the Gamma(2) law of s = sqrt|u|

    def log_partition(self) -> float:
        return math.log(2.0 * self._scale) + math.log(4.0 / self._rate**2)

    @property
    def mean(self) -> Tensor:
        """:math:`(m, 0.01 (m^2 + 2 b^2)) = (-10, 201)`."""
        m, b = self._centre, self._scale
        return torch.tensor([m, 0.01 * (m * m + 2.0 * b * b)], dtype=torch.float64)

    @property
    def stddev(self) -> Tensor:
        r""":math:`\big(\sqrt2 b, \sqrt{10^{-4} (8 m^2 b^2 + 20 b^4) + 5! / 100^4}\big)`."""
        m, b = self._centre, self._scale
        var_y = 1e-4 * (8.0 * m * m * b * b + 20.0 * b**4) + 120.0 / self._rate**4
        return torch.tensor([2.0 * b * b, var_y], dtype=torch.float64).sqrt()

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        r"""Exact draws of :math:`x` (Laplace) and, independent of it, :math:`u = y - 0.01 x^2`
        (:math:`\pm s^2`, :math:`s` Gamma)."""
        e = torch.empty(n, 4, dtype=torch.float64).exponential_(generator=generator)
        flip = torch.rand(n, generator=generator, dtype=torch.float64) < 0.5
        x = self._centre + self._scale * (e[:, 0] - e[:, 1])
        s = (e[:, 2] + e[:, 3]) / self._rate
        u = torch.where(flip, -(s * s), s * s)
        return stack(x, 0.01 * (x * x) + u).to(self.dtype)
