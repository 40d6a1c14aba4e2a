"""Rugged two-dimensional test functions: many local minima, several global ones.

Drop-Wave, Cross-in-Tray, Shubert, Langermann, De Jong N.5 (Shekel's foxholes) and Schaffer
N.2 and N.4. Where a function has several global minimizers, every one is listed (Shubert 18,
Cross-in-Tray 4, Schaffer N.4 4); the tests find them again from a dense grid refined by
Newton's method and count them. Sources: see :mod:`ebmcore_classic._common`.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ebmcore import Minima

from ._common import FixedDimension, hypot0, index, stack

__all__ = [
    "CROSS_IN_TRAY_MINIMIZER",
    "DE_JONG5_MINIMIZER",
    "LANGERMANN_MINIMIZER",
    "SCHAFFER_N4_MINIMIZER",
    "SHUBERT_MAXIMIZERS",
    "SHUBERT_MINIMIZERS",
    "CrossInTray",
    "DeJongN5",
    "DropWave",
    "Langermann",
    "SchafferN2",
    "SchafferN4",
    "Shubert",
]


class _TwoDimensional(FixedDimension):
    dimension = 2


class DropWave(_TwoDimensional):
    r"""The Drop-Wave function: concentric ripples around a central well.

    .. math::

        E(x, y) = -\frac{1 + \cos\big(12 \sqrt{x^2 + y^2}\big)}{\tfrac12 (x^2 + y^2) + 2} .

    Smooth everywhere (:math:`\cos(12 r)` is an even function of :math:`r`, so a smooth
    function of :math:`s = r^2`); the gradient is
    :math:`\big(144 \operatorname{sinc}(12 r/\pi) / D + N / D^2\big) (x, y)` with :math:`N`,
    :math:`D` the numerator and denominator, finite at the origin. For :math:`s < 10^{-6}` the
    code evaluates :math:`\cos(12 r)` as its Taylor polynomial in :math:`s` (to
    :math:`s^3`, truncation below :math:`10^{-20}`), so that derivatives of ``forward`` of
    every order are right at the origin too (through :math:`r` they would see the cone's
    zero subgradient). Global minimum :math:`E(0, 0) = -1`, where the Hessian is
    :math:`72.5\, I`; search domain :math:`[-5.12, 5.12]^2`.

    References:
        [VLSE] "Drop-Wave Function"; [BoTorch] ``DropWave``.

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("drop_wave").energy_and_gradient(torch.zeros(2))
        (tensor(-1.), tensor([0., 0.]))
    """

    domain = (-5.12, 5.12)
    minimizer = 0.0
    minimum = -1.0

    @staticmethod
    def _terms(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
        a, b = x[..., 0], x[..., 1]
        s = a * a + b * b  # inf where it overflows: then D = inf and E = -0
        r = hypot0(a, b)  # finite wherever x is
        series = 1.0 + s * (-72.0 + s * (864.0 - 4147.2 * s))  # cos(12 sqrt(s)) to O(s^4)
        numerator = 1.0 + torch.where(s < 1e-6, series, torch.cos(12.0 * r))
        denominator = 0.5 * s + 2.0
        return a, b, r, numerator, denominator, -numerator / denominator

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[5]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        a, b, r, numerator, denominator, energy = self._terms(x)
        # sin(12 r) / r = 12 sinc(12 r / pi): finite at r = 0
        coefficient = (144.0 * torch.sinc((12.0 / math.pi) * r) + numerator / denominator) / denominator
        return energy, stack(coefficient * a, coefficient * b)


CROSS_IN_TRAY_MINIMIZER = 1.3494066171539107
r"""Each coordinate of the four minimizers :math:`(\pm c, \pm c)` of the Cross-in-Tray
function (Newton, 60 digits; published as 1.3491)."""


class CrossInTray(_TwoDimensional):
    r"""The Cross-in-Tray function: four global minima in the quadrants of a cross of ridges.

    .. math::

        E(x, y) = -10^{-4} \Big(\Big\lvert \sin x \sin y \,
        \exp\Big(\Big\lvert 100 - \frac{\sqrt{x^2 + y^2}}{\pi} \Big\rvert\Big) \Big\rvert + 1\Big)^{0.1} .

    Evaluated in log space, :math:`E = -10^{-4} \exp\big(0.1\, \operatorname{softplus}(t)\big)`
    with :math:`t = \log|\sin x| + \log|\sin y| + |100 - r/\pi|`, the same function: the
    factor :math:`e^{100}` overflows float32 everywhere on the search domain, while this form
    is finite there in float32 too. Even in :math:`x` and in :math:`y`: the global minimizers
    are the four points :math:`(\pm 1.3494066172, \pm 1.3494066172)`
    (:data:`CROSS_IN_TRAY_MINIMIZER`), with :math:`E = -2.0626118708`. Search domain
    :math:`[-10, 10]^2`.

    **Literature.** [VLSE] prints the minimizers as :math:`(\pm 1.3491, \pm 1.3491)`, off by
    :math:`3.1 \cdot 10^{-4}` in each coordinate; the value :math:`-2.06261` is right.

    **Gradient at the non-smooth points.** The absolute values make cusps along the lines
    :math:`\sin x = 0` and :math:`\sin y = 0` (the cross: ridges where :math:`E = -10^{-4}`
    and the energy falls on both sides, with opposite one-sided derivatives of size about
    :math:`10^{-5} e^{|100 - r/\pi|}`, near :math:`10^{37}` on the domain) and a kink on the
    circle :math:`r = 100\pi` (outside the domain). There the gradient returned takes
    :math:`\operatorname{sign}(0) = 0` for the absolute value that vanishes: the mid-point of
    the one-sided derivatives (an element of Clarke's generalized gradient), finite; along the
    cross it is 0. At the origin the radial term is taken as 0 (its factor vanishes there).

    References:
        S. K. Mishra, "Global optimization by differential evolution and particle swarm
        methods: evaluation on some benchmark functions", MPRA Paper 1005 (2006);
        [VLSE] "Cross-in-Tray Function".

    Example:
        >>> import torch, ebmcore
        >>> model = ebmcore.create("cross_in_tray")
        >>> model.minima.count, round(model.minima.value, 10)
        (4, -2.0626118708)
        >>> model.energy(torch.zeros(2))
        tensor(-1.0000e-04)
    """

    domain = (-10.0, 10.0)

    @staticmethod
    def _terms(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
        a, b = x[..., 0], x[..., 1]
        r = hypot0(a, b)
        offset = 100.0 - r / math.pi
        sin_a, sin_b = torch.sin(a), torch.sin(b)
        t = torch.log(torch.abs(sin_a)) + torch.log(torch.abs(sin_b)) + torch.abs(offset)
        power = torch.exp(0.1 * torch.logaddexp(t, torch.zeros_like(t)))  # (|s| e^|offset| + 1)^0.1
        return a, b, r, offset, t, power, -1e-4 * power

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[6]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        a, b, r, offset, t, power, energy = self._terms(x)
        sin_a, sin_b = torch.sin(a), torch.sin(b)
        size = torch.abs(sin_a * sin_b)
        # d log(1 + |s| e^g)/dx = (d|s|/dx) / (|s| + e^-g) + sigmoid(t) dg/dx with g = |offset|;
        # the denominator is 0 only where sin x or sin y is 0, and so is the numerator there
        floor = size + torch.exp(-torch.abs(offset))
        floor = torch.where(floor > 0, floor, 1.0)
        positive = r > 0
        radial = torch.sigmoid(t) * torch.sign(offset) / (-math.pi * torch.where(positive, r, 1.0))
        radial = torch.where(positive, radial, 0.0)  # dg/dx = radial x, dg/dy = radial y
        dx = torch.sign(sin_a) * torch.cos(a) * torch.abs(sin_b) / floor + radial * a
        dy = torch.sign(sin_b) * torch.cos(b) * torch.abs(sin_a) / floor + radial * b
        # dE = -1e-5 power d(...): 0 where d(...) is 0, also where power overflows (not inf * 0)
        overflow = torch.isinf(power)
        gx = torch.where(overflow & (dx == 0), 0.0, (-1e-5 * dx) * power)
        gy = torch.where(overflow & (dy == 0), 0.0, (-1e-5 * dy) * power)
        return energy, stack(gx, gy)

    @property
    def minima(self) -> Minima:
        c = CROSS_IN_TRAY_MINIMIZER
        return Minima([[c, c], [-c, c], [c, -c], [-c, -c]], -2.062611870822737)


SHUBERT_MINIMIZERS = (-7.708313735499347, -1.425128428319761, 4.858056878859825)
r"""The minimizers in :math:`[-10, 10]` of Shubert's factor :math:`g` (period :math:`2\pi`)."""

SHUBERT_MAXIMIZERS = (-7.0835064076515595, -0.8003211004719731, 5.482864206707613)
r"""The maximizers in :math:`[-10, 10]` of Shubert's factor :math:`g`."""


class Shubert(_TwoDimensional):
    r"""Shubert's function: a product of two trigonometric sums, with 18 global minima.

    .. math::

        E(x, y) = g(x)\, g(y), \qquad g(t) = \sum_{i=1}^{5} i \cos\big((i + 1) t + i\big).

    :math:`g` has period :math:`2\pi`, one minimum :math:`g_- = -12.8708854977` and one maximum
    :math:`g_+ = 14.5080079272` per period, so the global minimum of :math:`E` is
    :math:`g_- g_+ = -186.7309088310` at the points where one coordinate minimizes :math:`g`
    and the other maximizes it. On the search domain :math:`[-10, 10]^2` each extremum of
    :math:`g` occurs three times (:data:`SHUBERT_MINIMIZERS`, :data:`SHUBERT_MAXIMIZERS`):
    :math:`3 \times 3 \times 2 = 18` global minimizers, all listed.

    References:
        B. O. Shubert, "A sequential method seeking the global maximum of a function", SIAM J.
        Numer. Anal. 9 (1972); [VLSE] "Shubert Function".

    Example:
        >>> import ebmcore
        >>> minima = ebmcore.create("shubert").minima
        >>> minima.count, round(minima.value, 10)
        (18, -186.730908831)
    """

    domain = (-10.0, 10.0)

    @staticmethod
    def _terms(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        i = index(5, x)
        angle = x.unsqueeze(-1) * (i + 1.0) + i  # (*batch, 2, 5)
        g = (i * torch.cos(angle)).sum(-1)  # (*batch, 2)
        return i, angle, g, g[..., 0] * g[..., 1]

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[3]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        i, angle, g, energy = self._terms(x)
        slope = -(i * (i + 1.0) * torch.sin(angle)).sum(-1)  # g'(x), g'(y)
        return energy, stack(slope[..., 0] * g[..., 1], g[..., 0] * slope[..., 1])

    @property
    def minima(self) -> Minima:
        points = [(a, b) for a in SHUBERT_MINIMIZERS for b in SHUBERT_MAXIMIZERS]
        points += [(b, a) for a, b in points]
        return Minima(points, -186.73090883102384)


LANGERMANN_MINIMIZER = (2.7934022086450367, 1.5972325013283601)
"""The minimizer of [VLSE]'s Langermann function on [0, 10]^2 (grid, then Newton, 60 digits)."""


class Langermann(_TwoDimensional):
    r"""The Langermann function ([VLSE]'s two-dimensional form): unevenly spaced ripples.

    .. math::

        E(x) = \sum_{i=1}^{5} c_i \exp\!\Big(-\frac{s_i}{\pi}\Big) \cos(\pi s_i), \qquad
        s_i = \sum_{j=1}^{2} (x_j - A_{ij})^2,

    with :math:`c = (1, 2, 5, 2, 3)` and the rows of :math:`A` the centres
    :math:`(3, 5), (5, 2), (2, 1), (1, 4), (7, 9)`. Global minimum
    :math:`E(2.7934022086, 1.5972325013) = -4.1558092918` on the search domain
    :math:`[0, 10]^2` (:data:`LANGERMANN_MINIMIZER`; [VLSE] gives none). A term whose factor
    :math:`e^{-s_i/\pi}` underflows to 0 is taken as 0, also where :math:`\pi s_i` overflows.

    **Literature.** Several collections quote :math:`-5.1621259` at
    :math:`(2.00299219, 1.006096)`: that is the minimum of :math:`-E` (the form with a minus
    sign in front of the sum). With [VLSE]'s sign, used here, that point is the global
    *maximum*, :math:`E = +5.1621261600`, and the minimum is the one above.

    References:
        H. Bersini, M. Dorigo, S. Langerman, G. Seront and L. Gambardella, "Results of the
        first international contest on evolutionary optimisation", IEEE ICEC (1996);
        [VLSE] "Langermann Function".

    Example:
        >>> import ebmcore
        >>> round(ebmcore.create("langermann").minima.value, 10)
        -4.1558092918
    """

    domain = (0.0, 10.0)

    centres: Tensor
    weights: Tensor

    def __init__(self) -> None:
        super().__init__()
        centres = [[3.0, 5.0], [5.0, 2.0], [2.0, 1.0], [1.0, 4.0], [7.0, 9.0]]
        self.register_buffer("centres", torch.tensor(centres, dtype=torch.float64))
        weights = torch.tensor([1.0, 2.0, 5.0, 2.0, 3.0], dtype=torch.float64)
        self.register_buffer("weights", weights)

    def _terms(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
        difference = x.unsqueeze(-2) - self.centres.to(x.dtype)  # (*batch, 5, 2)
        s = (difference * difference).sum(-1)
        envelope = self.weights.to(x.dtype) * torch.exp(-s / math.pi)
        vanishing = envelope == 0  # then the term is 0, whatever cos(pi s) (NaN for s = inf)
        wave = torch.where(vanishing, 0.0, torch.cos(math.pi * s))
        return difference, s, envelope, vanishing, (envelope * wave).sum(-1)

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[4]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        difference, s, envelope, vanishing, energy = self._terms(x)
        # d/ds [c e^{-s/pi} cos(pi s)] = -c e^{-s/pi} (cos(pi s) / pi + pi sin(pi s)); ds/dx = 2 (x - A)
        angle = torch.where(vanishing, 0.0, math.pi * s)
        slope = envelope * (torch.cos(angle) / math.pi + math.pi * torch.sin(angle))
        grad = (slope.unsqueeze(-1) * difference).sum(-2) * -2.0
        return energy, grad

    @property
    def minima(self) -> Minima:
        return Minima([LANGERMANN_MINIMIZER], -4.155809291847785)


DE_JONG5_MINIMIZER = (-31.97833483565697, -31.978334837300796)
"""The minimizer of De Jong's fifth function, beside the foxhole at (-32, -32) (Newton, 60 digits)."""


class DeJongN5(_TwoDimensional):
    r"""De Jong's fifth function (Shekel's foxholes): 25 narrow holes of unequal depth on a plateau.

    .. math::

        E(x) = \Big(0.002 + \sum_{i=1}^{25} \frac{1}{i + (x_1 - a_{1i})^6 + (x_2 - a_{2i})^6}\Big)^{-1},

    with :math:`a_{1i} = (-32, -16, 0, 16, 32)` repeated five times and :math:`a_{2i}` each of
    those values five times in turn: hole :math:`i` sits at :math:`(a_{1i}, a_{2i})` with depth
    about :math:`1/(1/i + \dots)`. The deepest is hole 1; the other holes pull its minimizer
    slightly off the lattice point, to
    :math:`(-31.9783348357, -31.9783348373)` (:data:`DE_JONG5_MINIMIZER`), where
    :math:`E = 0.9980038378`. Search domain :math:`[-65.536, 65.536]^2`; far from the holes
    :math:`E \to 500`.

    **Literature.** The minimum is often given as :math:`E(-32, -32) \approx 0.998`: right to
    the digits printed, but the value at :math:`(-32, -32)` is :math:`0.9980038388`,
    :math:`1.0 \cdot 10^{-9}` above the minimum, which lies :math:`0.0217` from the lattice
    point in each coordinate.

    References:
        K. A. De Jong, *An analysis of the behavior of a class of genetic adaptive systems*,
        PhD thesis, University of Michigan (1975); [VLSE] "De Jong Function N. 5".

    Example:
        >>> import ebmcore
        >>> round(ebmcore.create("de_jong5").minima.value, 10)
        0.9980038378
    """

    domain = (-65.536, 65.536)

    holes: Tensor
    depths: Tensor

    def __init__(self) -> None:
        super().__init__()
        row = torch.tensor([-32.0, -16.0, 0.0, 16.0, 32.0], dtype=torch.float64)
        holes = torch.stack([row.repeat(5), row.repeat_interleave(5)], dim=-1)  # (25, 2)
        self.register_buffer("holes", holes)
        self.register_buffer("depths", torch.arange(1.0, 26.0, dtype=torch.float64))

    def _terms(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        u = x.unsqueeze(-2) - self.holes.to(x.dtype)  # (*batch, 25, 2)
        cube = u * u * u
        denominator = self.depths.to(x.dtype) + (cube * cube).sum(-1)
        return u, denominator, 1.0 / (0.002 + (1.0 / denominator).sum(-1))

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[2]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        u, denominator, energy = self._terms(x)
        # dE/dx_j = 6 E^2 sum_i u_ij^5 / den_i^2; a term with den_i = inf is 0 (even if u^5 = inf)
        overflow = torch.isinf(denominator).unsqueeze(-1)
        fifth = (u * u) * (u * u) * u
        ratio = torch.where(overflow, 0.0, fifth / denominator.unsqueeze(-1)) / denominator.unsqueeze(-1)
        return energy, 6.0 * (energy * energy).unsqueeze(-1) * ratio.sum(-2)

    @property
    def minima(self) -> Minima:
        return Minima([DE_JONG5_MINIMIZER], 0.9980038377944502)


def _schaffer_terms(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """``x``, ``y``, ``u = x^2 - y^2`` and ``q = 1 + 0.001 (x^2 + y^2)`` of the Schaffer functions.

    Where ``x^2`` or ``y^2`` overflows, ``q`` is ``inf`` and the quotient of a bounded
    numerator by ``q^2`` is 0 whatever ``u``; ``u`` (``inf`` or ``inf - inf``) is then
    replaced by 0, so that the numerator stays finite. NaN inputs make ``q`` NaN.
    """
    a, b = x[..., 0], x[..., 1]
    a2, b2 = a * a, b * b
    u = a2 - b2
    u = torch.where(torch.isfinite(u), u, 0.0)
    return a, b, u, 1.0 + 0.001 * (a2 + b2)


def _schaffer_gradient(a: Tensor, b: Tensor, q: Tensor, h: Tensor, dh: Tensor) -> Tensor:
    r"""The gradient of :math:`0.5 + (h(u) - 0.5) / q^2` given :math:`h` and :math:`h'(u)`.

    :math:`\partial_x = (2x/q)\,[h' - 0.002 (h - 0.5)/q] / q`, :math:`\partial_y` with
    :math:`-2y` for :math:`2x` and the same :math:`q` term (:math:`\partial_y q = 0.002 y`).
    """
    shrink = 0.002 * (h - 0.5) / q
    # 2 (x / q), not 2x / q: 2x overflows for |x| > max / 2, where q = inf (and inf / inf is NaN)
    return stack((2.0 * (a / q)) * (dh - shrink) / q, (2.0 * (b / q)) * (-dh - shrink) / q)


class SchafferN2(_TwoDimensional):
    r"""Schaffer's function N.2: rings of ridges decaying away from the origin.

    .. math::

        E(x, y) = 0.5 + \frac{\sin^2(x^2 - y^2) - 0.5}{\big[1 + 0.001 (x^2 + y^2)\big]^2} .

    Global minimum :math:`E(0, 0) = 0` (unique: elsewhere
    :math:`E \ge 0.5 - 0.5/[1 + 0.001 r^2]^2 > 0`); search domain :math:`[-100, 100]^2`.

    References:
        J. D. Schaffer et al., "A study of control parameters affecting online performance of
        genetic algorithms for function optimization", ICGA (1989); [VLSE] "Schaffer Function
        N. 2".

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("schaffer_n2").energy_and_gradient(torch.zeros(2))
        (tensor(0.), tensor([0., 0.]))
    """

    domain = (-100.0, 100.0)
    minimizer = 0.0

    @staticmethod
    def _terms(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
        a, b, u, q = _schaffer_terms(x)
        h = torch.sin(u) ** 2
        return a, b, u, q, h, 0.5 + (h - 0.5) / (q * q)

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[5]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        a, b, u, q, h, energy = self._terms(x)
        # sin 2u as 2 sin u cos u: 2u overflows where u is finite beyond max / 2 (sin(inf) is NaN)
        return energy, _schaffer_gradient(a, b, q, h, 2.0 * torch.sin(u) * torch.cos(u))


SCHAFFER_N4_MINIMIZER = 1.2531318314637332
r"""The non-zero coordinate of the four minimizers :math:`(0, \pm c)`, :math:`(\pm c, 0)` of
Schaffer's function N.4 (Newton, 60 digits)."""


class SchafferN4(_TwoDimensional):
    r"""Schaffer's function N.4: four global minima on the axes.

    .. math::

        E(x, y) = 0.5 + \frac{\cos^2\big(\sin\lvert x^2 - y^2\rvert\big) - 0.5}
                              {\big[1 + 0.001 (x^2 + y^2)\big]^2} .

    Smooth everywhere, despite the absolute value: :math:`\cos^2(\sin t)` is even in
    :math:`t`, so :math:`\cos^2(\sin|u|) = \cos^2(\sin u)`, which the code evaluates (no
    gradient convention is needed). The minimum wants :math:`|x^2 - y^2|` near :math:`\pi/2`
    with :math:`x^2 + y^2` as small as possible, i.e. one coordinate 0: the four global
    minimizers are :math:`(0, \pm 1.2531318315)` and :math:`(\pm 1.2531318315, 0)`
    (:data:`SCHAFFER_N4_MINIMIZER`), with :math:`E = 0.2925786320`. Search domain
    :math:`[-100, 100]^2`.

    References:
        J. D. Schaffer et al., ICGA (1989); [VLSE] "Schaffer Function N. 4"; the minima as in
        [JY13] (:math:`0.292579` at :math:`(0, \pm 1.25313)`, right to the digits printed).

    Example:
        >>> import ebmcore
        >>> minima = ebmcore.create("schaffer_n4").minima
        >>> minima.count, round(minima.value, 10)
        (4, 0.292578632)
    """

    domain = (-100.0, 100.0)

    @staticmethod
    def _terms(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
        a, b, u, q = _schaffer_terms(x)
        h = torch.cos(torch.sin(u)) ** 2
        return a, b, u, q, h, 0.5 + (h - 0.5) / (q * q)

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[5]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        a, b, u, q, h, energy = self._terms(x)
        dh = -torch.sin(2.0 * torch.sin(u)) * torch.cos(u)  # d cos^2(sin u)/du
        return energy, _schaffer_gradient(a, b, q, h, dh)

    @property
    def minima(self) -> Minima:
        c = SCHAFFER_N4_MINIMIZER
        return Minima([[0.0, c], [0.0, -c], [c, 0.0], [-c, 0.0]], 0.29257863203598056)
