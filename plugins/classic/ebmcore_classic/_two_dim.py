"""Two-dimensional test functions: bowls, plates, valleys and a needle.

Goldstein-Price, Bohachevsky 1-3, Matyas, McCormick, Easom, Levy N.13 and Bukin N.6. Each is
written so that finite inputs never give ``inf - inf``: where the textbook formula adds terms
of both signs that overflow together (Matyas' ``0.26 (x^2 + y^2) - 0.48 x y``, Goldstein-Price's
quadratics), the code uses the equal sum of squares given in the docstring. Sources: see
:mod:`ebmcore_classic._common`.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ebmcore import Minima
from ebmcore.plugin import GaussianLaw

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


class GoldsteinPrice(_TwoDimensional):
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

    References:
        A. A. Goldstein and J. F. Price, "On descent from local minima", Mathematics of
        Computation 25 (1971); [VLSE] "Goldstein-Price Function".

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("goldstein_price").energy(torch.tensor([[0.0, -1.0], [0.0, 0.0]]))
        tensor([  3., 600.])
    """

    domain = (-2.0, 2.0)

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


class Bohachevsky1(_TwoDimensional):
    r"""Bohachevsky's first function: a bowl with separable cosine ripples.

    .. math::

        E(x, y) = x^2 + 2y^2 - 0.3 \cos(3\pi x) - 0.4 \cos(4\pi y) + 0.7,

    evaluated as :math:`x^2 + 2y^2 + 0.3 (1 - \cos 3\pi x) + 0.4 (1 - \cos 4\pi y)`, a sum of
    non-negative terms, so :math:`E \ge x^2 + 2y^2` and the global minimum :math:`E(0, 0) = 0`
    is exact and unique. Search domain :math:`[-100, 100]^2`.

    References:
        I. O. Bohachevsky, M. E. Johnson and M. L. Stein, "Generalized simulated annealing for
        function optimization", Technometrics 28 (1986); [VLSE] "Bohachevsky Functions".

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("bohachevsky1").energy_and_gradient(torch.zeros(2))
        (tensor(0.), tensor([0., 0.]))
    """

    domain = (-100.0, 100.0)
    minimizer = 0.0

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

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        a, b = x[..., 0], x[..., 1]
        gx = 2.0 * a + (0.9 * math.pi) * torch.sin((3.0 * math.pi) * a)
        gy = 4.0 * b + (1.6 * math.pi) * torch.sin((4.0 * math.pi) * b)
        return self._energy(a, b), stack(gx, gy)


class Bohachevsky2(_TwoDimensional):
    r"""Bohachevsky's second function: a bowl with a product of cosines.

    .. math::

        E(x, y) = x^2 + 2y^2 - 0.3 \cos(3\pi x) \cos(4\pi y) + 0.3,

    evaluated as :math:`x^2 + 2y^2 + 0.3 (1 - \cos 3\pi x \cos 4\pi y)`. Global minimum
    :math:`E(0, 0) = 0` (exact and unique: :math:`E \ge x^2 + 2y^2`); search domain
    :math:`[-100, 100]^2`.

    References:
        I. O. Bohachevsky, M. E. Johnson and M. L. Stein, Technometrics 28 (1986);
        [VLSE] "Bohachevsky Functions".

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("bohachevsky2").energy(torch.tensor([1.0, 0.0]))
        tensor(1.6000)
    """

    domain = (-100.0, 100.0)
    minimizer = 0.0

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


class Bohachevsky3(_TwoDimensional):
    r"""Bohachevsky's third function: a bowl with a cosine of a mixed argument.

    .. math::

        E(x, y) = x^2 + 2y^2 - 0.3 \cos(3\pi x + 4\pi y) + 0.3,

    evaluated as :math:`x^2 + 2y^2 + 0.3 (1 - \cos(3\pi x + 4\pi y))`. Global minimum
    :math:`E(0, 0) = 0` (exact and unique: :math:`E \ge x^2 + 2y^2`); search domain
    :math:`[-100, 100]^2`.

    References:
        I. O. Bohachevsky, M. E. Johnson and M. L. Stein, Technometrics 28 (1986);
        [VLSE] "Bohachevsky Functions".

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("bohachevsky3").energy(torch.tensor([0.0, 0.5]))
        tensor(0.5000)
    """

    domain = (-100.0, 100.0)
    minimizer = 0.0

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


class LevyN13(_TwoDimensional):
    r"""Levy's function N.13: ridged valleys around the minimum at :math:`(1, 1)`.

    .. math::

        E(x, y) = \sin^2(3\pi x) + (x - 1)^2 \big[1 + \sin^2(3\pi y)\big]
                  + (y - 1)^2 \big[1 + \sin^2(2\pi y)\big].

    The first term is evaluated as :math:`\sin^2(3\pi (x - 1))`, the same (:math:`\sin^2` has
    period :math:`\pi`), which makes the global minimum :math:`E(1, 1) = 0` exact in floating
    point. Search domain :math:`[-10, 10]^2`.

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
