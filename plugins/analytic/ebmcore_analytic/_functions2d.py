"""Classic two-dimensional test functions of global optimization.

All are defined in two dimensions only. Each accepts ``dim=2`` (and records it in its config,
like every energy of this plugin) so that configs can carry it; any other ``dim`` raises
:class:`ebmcore.InvalidParameterError`. Search domains and minima follow Surjanovic &
Bingham's *Virtual Library of Simulation Experiments* (2013), cited as [VLSE], and M. Jamil and
X.-S. Yang, "A literature survey of benchmark functions for global optimization problems",
Int. J. Math. Model. Numer. Optim. 4 (2013), cited as [JY13]. Where the literature gives a
minimizer to a few digits only, the value recorded here is its float64 refinement (Newton's
method on the gradient; the tests re-derive it).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import torch
from torch import Tensor

from ebmcore import BaseModel, Minima, constraints
from ebmcore.plugin import GaussianLaw, GridLaw, PlanarLaw, PlanarModes

__all__ = [
    "EGGHOLDER_MINIMIZER",
    "HIMMELBLAU_MINIMA",
    "HOLDER_TABLE_MINIMIZER",
    "SIX_HUMP_CAMEL_MINIMIZER",
    "Beale",
    "Booth",
    "Branin",
    "Eggholder",
    "Himmelblau",
    "HolderTable",
    "SixHumpCamel",
    "ThreeHumpCamel",
]

TWO_D = constraints.Constraint(
    lambda v: isinstance(v, int) and not isinstance(v, bool) and v == 2,
    "2 (this function is defined in two dimensions only)",
)


class _TwoDimensional(BaseModel):
    """Shared constructor and helpers of the fixed two-dimensional functions."""

    arg_constraints = {"dim": TWO_D}

    def __init__(self, dim: int = 2) -> None:
        super().__init__(2, dim=dim)

    @staticmethod
    def _box(low_x: float, high_x: float, low_y: float, high_y: float) -> Tensor:
        return torch.tensor([[low_x, low_y], [high_x, high_y]], dtype=torch.float64)


def _stack(gx: Tensor, gy: Tensor) -> Tensor:
    return torch.stack([gx, gy], dim=-1)


def _cross(a: Tensor, b: Tensor) -> Tensor:
    """``a * b`` held above ``-max``: it overflows to ``-inf`` only where ``a^2`` or ``b^2`` does.

    The camels add it to even polynomials whose leading terms are then ``+inf``; clamping keeps
    that sum ``+inf`` (its true value) instead of ``inf - inf = NaN``. NaN passes through.
    """
    return torch.clamp(a * b, min=torch.finfo(a.dtype).min)


def _himmelblau_roots() -> list[tuple[float, float]]:
    """The four common roots of ``x^2 + y - 11`` and ``x + y^2 - 7``, by Newton in float64."""
    starts = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
    roots = []
    for x, y in starts:
        for _ in range(50):
            f, g = x * x + y - 11.0, x + y * y - 7.0
            det = 4.0 * x * y - 1.0  # Jacobian [[2x, 1], [1, 2y]]
            x, y = x - (2.0 * y * f - g) / det, y - (2.0 * x * g - f) / det
        roots.append((x, y))
    return roots


HIMMELBLAU_MINIMA: list[tuple[float, float]] = _himmelblau_roots()
"""(3, 2) and the three irrational minimizers of Himmelblau's function, float64 Newton roots."""


class Himmelblau(PlanarModes, PlanarLaw, _TwoDimensional):
    r"""Himmelblau's function: four global minima of value zero.

    .. math::

        E(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2 .

    The minima are the four real common roots of :math:`x^2 + y - 11` and
    :math:`x + y^2 - 7`: :math:`(3, 2)` and three irrational ones, about
    :math:`(-2.805118, 3.131313)`, :math:`(-3.779310, -3.283186)`,
    :math:`(3.584428, -1.848127)`, found by Newton's method in float64 at import
    (:data:`HIMMELBLAU_MINIMA`). Search domain :math:`[-5, 5]^2`.

    As a density on :math:`\mathbb R^2`, :math:`e^{-E}` has four modes, one at each minimum,
    of different masses (their Hessians differ). On the edges of :math:`[-6, 6]^2`, :math:`E`
    exceeds 440, so ``log_partition``, ``mean`` and ``stddev`` come from the trapezoid rule
    there (2^11 cells a side, converged to the last digits at 2^10:
    :class:`ebmcore.plugin.PlanarLaw`), and ``sample`` draws :math:`x` by the inverse CDF of
    its marginal, then :math:`y` by that of its law given :math:`x`.

    ``modes`` are the four minima with the masses of their basins under the gradient flow, and
    ``mode_index`` the basin of each sample, both from the flow of every node of a grid of the
    same box (:class:`ebmcore.plugin.PlanarModes`; masses to about :math:`10^{-4}`). The
    box holds every critical point: with :math:`u = x^2 + y - 11` and :math:`v = x + y^2 - 7`,
    :math:`\nabla E = (4xu + 2v, 2u + 4yv)` vanishes where :math:`v = -2xu` and
    :math:`u = -2yv`, so :math:`u (1 - 4xy) = 0`. Either :math:`u = v = 0`, the four minima, or
    :math:`4xy = 1`, where :math:`x` solves :math:`32x^5 - 336x^3 - 104x^2 + 1 = 0` and
    :math:`y` solves :math:`32y^5 - 208y^3 - 168y^2 + 1 = 0`; for :math:`|s| \ge 4`,
    :math:`32|s|^3 (s^2 - 10.5) \ge 704 s^2 > 168 s^2 + 1`, so neither has a root there: the
    other five critical points (four saddles and a maximum) lie in :math:`(-4, 4)^2` too.

    Args:
        dim: must be 2.

    References:
        D. M. Himmelblau, *Applied Nonlinear Programming*, McGraw-Hill (1972); [JY13] function 65.

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("himmelblau").energy(torch.tensor([3.0, 2.0]))
        tensor(0.)
    """

    compiled_kernels = ("cuda",)  # a fused torch.compile kernel for CUDA inputs

    domain = (-5.0, 5.0)
    law_box = ((-6.0, 6.0), (-6.0, 6.0))
    law_cells = 2**11
    law_sample_cells = 2**12
    modes_box = law_box  # every critical point lies in (-4, 4)^2 (see the docstring)

    def forward(self, x: Tensor) -> Tensor:
        a, b = x[..., 0], x[..., 1]
        return (a * a + b - 11.0) ** 2 + (a + b * b - 7.0) ** 2

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        a, b = x[..., 0], x[..., 1]
        f = a * a + b - 11.0
        g = a + b * b - 7.0
        return f * f + g * g, _stack(4.0 * a * f + 2.0 * g, 2.0 * f + 4.0 * b * g)

    @property
    def minima(self) -> Minima:
        return Minima(HIMMELBLAU_MINIMA, 0.0)


class Booth(GaussianLaw, _TwoDimensional):
    r"""Booth's function, a convex quadratic.

    .. math::

        E(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2 .

    Global minimum :math:`E(1, 3) = 0`; search domain :math:`[-10, 10]^2`. A quadratic,
    :math:`e^{-E}` is the Gaussian of mean :math:`(1, 3)` and precision the Hessian
    :math:`\begin{pmatrix} 10 & 8 \\ 8 & 10 \end{pmatrix}` (determinant 36):
    :math:`\log Z = \log(\pi / 3)` (:class:`ebmcore.plugin.GaussianLaw`).

    Args:
        dim: must be 2.

    References:
        [VLSE] "Booth Function"; [JY13] function 20.

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("booth").energy(torch.tensor([1.0, 3.0]))
        tensor(0.)
    """

    compiled_kernels = ("cuda",)  # a fused torch.compile kernel for CUDA inputs

    domain = (-10.0, 10.0)

    def forward(self, x: Tensor) -> Tensor:
        a, b = x[..., 0], x[..., 1]
        return (a + 2.0 * b - 7.0) ** 2 + (2.0 * a + b - 5.0) ** 2

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        a, b = x[..., 0], x[..., 1]
        f = a + 2.0 * b - 7.0
        g = 2.0 * a + b - 5.0
        return f * f + g * g, _stack(2.0 * f + 4.0 * g, 4.0 * f + 2.0 * g)

    @property
    def minima(self) -> Minima:
        return Minima([[1.0, 3.0]], 0.0)

    def gaussian_law(self) -> tuple[Tensor, Tensor, float]:
        hessian = torch.tensor([[10.0, 8.0], [8.0, 10.0]], dtype=torch.float64)
        return torch.tensor([1.0, 3.0], dtype=torch.float64), hessian, 0.0


class Beale(_TwoDimensional):
    r"""Beale's function: sharp peaks at the corners of the domain, a flat valley inside.

    .. math::

        E(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2 .

    Global minimum :math:`E(3, 0.5) = 0`; search domain :math:`[-4.5, 4.5]^2`.

    Args:
        dim: must be 2.

    References:
        E. M. L. Beale, "On an iterative method for finding a local minimum of a function of
        more than one variable", Tech. Rep. 25, Princeton University (1958); [VLSE] "Beale
        Function".

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("beale").energy(torch.tensor([3.0, 0.5]))
        tensor(0.)
    """

    compiled_kernels = ("cuda",)  # a fused torch.compile kernel for CUDA inputs

    domain = (-4.5, 4.5)

    def forward(self, x: Tensor) -> Tensor:
        a, b = x[..., 0], x[..., 1]
        ab = a * b  # a b^k as (a b) b ...: finite wherever it is (b^3 alone overflows first)
        return (1.5 - a + ab) ** 2 + (2.25 - a + ab * b) ** 2 + (2.625 - a + ab * b * b) ** 2

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        a, b = x[..., 0], x[..., 1]
        b2 = b * b
        b3 = b2 * b
        ab = a * b
        f1 = 1.5 - a + ab
        f2 = 2.25 - a + ab * b
        f3 = 2.625 - a + ab * b * b
        energy = f1 * f1 + f2 * f2 + f3 * f3
        gx = 2.0 * (f1 * (b - 1.0) + f2 * (b2 - 1.0) + f3 * (b3 - 1.0))
        gy = 2.0 * a * (f1 + 2.0 * b * f2 + 3.0 * b2 * f3)
        return energy, _stack(gx, gy)

    @property
    def minima(self) -> Minima:
        return Minima([[3.0, 0.5]], 0.0)


_BRANIN_B = 5.1 / (4.0 * math.pi**2)
_BRANIN_C = 5.0 / math.pi
_BRANIN_T = 1.0 / (8.0 * math.pi)


class Branin(_TwoDimensional):
    r"""The Branin (Branin-Hoo) function: three global minima in a rectangle.

    .. math::

        E(x, y) = a\,(y - b x^2 + c x - r)^2 + s (1 - t) \cos x + s,

    with :math:`a = 1`, :math:`b = 5.1 / (4\pi^2)`, :math:`c = 5/\pi`, :math:`r = 6`,
    :math:`s = 10`, :math:`t = 1/(8\pi)`. The minimum needs :math:`\cos x = -1` and a zero
    square: :math:`x \in \{-\pi, \pi, 3\pi\}`, :math:`y = b x^2 - c x + r`, i.e. the points
    :math:`(-\pi, 12.275)`, :math:`(\pi, 2.275)`, :math:`(3\pi, 2.475)`, all with
    :math:`E = s t = 5 / (4\pi) = 0.3978873577297384`. Search domain
    :math:`x \in [-5, 10]`, :math:`y \in [0, 15]`.

    Args:
        dim: must be 2.

    References:
        F. H. Branin, "Widely convergent method for finding multiple solutions of simultaneous
        nonlinear equations", IBM J. Res. Dev. 16 (1972); L. C. W. Dixon and G. P. Szegö,
        *Towards Global Optimisation 2* (1978); [VLSE] "Branin Function".

    Example:
        >>> import ebmcore
        >>> ebmcore.create("branin").minima.value
        0.3978873577297384
    """

    compiled_kernels = ("cuda",)  # a fused torch.compile kernel for CUDA inputs

    _SCALE = 10.0 * (1.0 - _BRANIN_T)

    @staticmethod
    def _terms(x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """``x_1``, the valley term ``x_2 - b x_1^2 + c x_1 - r`` and the energy: one formula,
        which ``forward`` and the fused gradient share (their energies agree bit for bit)."""
        a, b = x[..., 0], x[..., 1]
        valley = b - _BRANIN_B * a * a + _BRANIN_C * a - 6.0
        return a, valley, valley * valley + Branin._SCALE * torch.cos(a) + 10.0

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[2]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        a, valley, energy = self._terms(x)
        gx = 2.0 * valley * (_BRANIN_C - 2.0 * _BRANIN_B * a) - Branin._SCALE * torch.sin(a)
        return energy, _stack(gx, 2.0 * valley)

    @property
    def bounds(self) -> Tensor:
        return self._box(-5.0, 10.0, 0.0, 15.0)

    @property
    def minima(self) -> Minima:
        xs = [-math.pi, math.pi, 3.0 * math.pi]
        points = [[x, _BRANIN_B * x * x - _BRANIN_C * x + 6.0] for x in xs]
        return Minima(points, 5.0 / (4.0 * math.pi))


SIX_HUMP_CAMEL_MINIMIZER = (0.08984201310031806, -0.7126564030207396)
"""One of the two (opposite) minimizers of the six-hump camel, refined by Newton in float64."""


class SixHumpCamel(PlanarModes, PlanarLaw, _TwoDimensional):
    r"""The six-hump camel function: six local minima, two of them global.

    .. math::

        E(x, y) = \Big(4 - 2.1 x^2 + \frac{x^4}{3}\Big) x^2 + x y + (-4 + 4 y^2) y^2 .

    The function is even, :math:`E(-x, -y) = E(x, y)`; the two global minimizers are
    :math:`\pm(0.0898420131, -0.7126564030)` (published as :math:`\pm(0.0898, -0.7126)`),
    refined by Newton's method (:data:`SIX_HUMP_CAMEL_MINIMIZER`), with
    :math:`E = -1.0316284535`. Search domain :math:`x \in [-3, 3]`, :math:`y \in [-2, 2]`.

    As a density on :math:`\mathbb R^2`, :math:`e^{-E}` is normalizable (:math:`x^6/3` and
    :math:`4y^4` dominate) and even, so its mean is 0. On the edges of :math:`[-3, 3] \times
    [-2.5, 2.5]`, :math:`E` exceeds its minimum by more than 100, so ``log_partition``,
    ``mean`` and ``stddev`` come from the trapezoid rule there (2^11 cells a side, converged
    to the last digits at 2^10: :class:`ebmcore.plugin.PlanarLaw`), and ``sample`` draws
    :math:`x` by the inverse CDF of its marginal, then :math:`y` by that of its law given
    :math:`x`.

    ``modes`` are the six minima with the masses of their basins under the gradient flow, and
    ``mode_index`` the basin of each sample, both from the flow of every node of a grid of the
    same box on :math:`2^{11}` cells a side (:class:`ebmcore.plugin.PlanarModes`; masses to
    about :math:`2 \times 10^{-4}`: the basins of the two global minima meet at the saddle at
    the origin, where the density is a third of its peak). The box holds every critical
    point: :math:`\nabla E = 0` reads :math:`y = -p(x)`,
    :math:`p(x) = 2x^5 - 8.4x^3 + 8x`, and :math:`x = -q(y)`, :math:`q(y) = 16y^3 - 8y`. For
    :math:`|y| \ge 1`, :math:`|q(y)| = |y| (16y^2 - 8) \ge 8|y|`, so :math:`|x| \ge 8`; for
    :math:`|x| \ge 2`, :math:`|p(x)| = |x| (2x^4 - 8.4x^2 + 8) \ge 6.4|x|`, so
    :math:`|y| \ge 12.8`, and then :math:`|x| = |q(y)| \ge 2600 |y| > |x|`, a contradiction.
    So :math:`|x| < 2` and :math:`|y| < 1` at every critical point.

    Args:
        dim: must be 2.

    References:
        L. C. W. Dixon and G. P. Szegö, *Towards Global Optimisation 2*, North-Holland (1978);
        [VLSE] "Six-Hump Camel Function"; [JY13] function 30.

    Example:
        >>> import ebmcore
        >>> round(ebmcore.create("six_hump_camel").minima.value, 10)
        -1.0316284535
    """

    compiled_kernels = ("cuda",)  # a fused torch.compile kernel for CUDA inputs
    law_box = ((-3.0, 3.0), (-2.5, 2.5))
    law_cells = 2**11
    law_sample_cells = 2**12
    modes_box = law_box  # every critical point lies in (-2, 2) x (-1, 1) (see the docstring)
    # the global minima's basins meet at the saddle at the origin, where the density is a third of
    # its peak: 2^11 cells a side split their mass to about 2e-4 (1e-3 at the default 2^10)
    modes_cells = 2**11

    def forward(self, x: Tensor) -> Tensor:
        a, b = x[..., 0], x[..., 1]
        a2, b2 = a * a, b * b
        # Horner form: at overflowing |a| the leading term wins (inf, not inf - inf = NaN); the
        # cross term is clamped above -max, as where it overflows a quartic or sextic term is +inf
        return a2 * (a2 * (a2 / 3.0 - 2.1) + 4.0) + _cross(a, b) + b2 * (4.0 * b2 - 4.0)

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        a, b = x[..., 0], x[..., 1]
        a2 = a * a
        b2 = b * b
        energy = a2 * (a2 * (a2 / 3.0 - 2.1) + 4.0) + _cross(a, b) + b2 * (4.0 * b2 - 4.0)
        gx = a * (a2 * (2.0 * a2 - 8.4) + 8.0) + b
        gy = a + b * (16.0 * b2 - 8.0)
        return energy, _stack(gx, gy)

    @property
    def bounds(self) -> Tensor:
        return self._box(-3.0, 3.0, -2.0, 2.0)

    @property
    def minima(self) -> Minima:
        x, y = SIX_HUMP_CAMEL_MINIMIZER
        value = (4.0 - 2.1 * x**2 + x**4 / 3.0) * x**2 + x * y + (-4.0 + 4.0 * y**2) * y**2
        return Minima([[x, y], [-x, -y]], value)


class ThreeHumpCamel(PlanarModes, _TwoDimensional):
    r"""The three-hump camel function: three local minima, the global one at the origin.

    .. math::

        E(x, y) = 2 x^2 - 1.05 x^4 + \frac{x^6}{6} + x y + y^2 .

    Global minimum :math:`E(0, 0) = 0`; search domain :math:`[-5, 5]^2`.

    As a density, :math:`e^{-E}` is Gaussian in :math:`y` given :math:`x`:
    :math:`xy + y^2 = (y + x/2)^2 - x^2/4`, so :math:`y \mid x \sim \mathcal N(-x/2, \tfrac12)`
    and, integrating :math:`y` out (:math:`\sqrt\pi`), :math:`x` has the 1-D law
    :math:`e^{-g(x)}`, :math:`g(x) = E(x, -x/2) = \tfrac74 x^2 - 1.05 x^4 + \tfrac{x^6}6`
    (a well at 0 and two side wells at :math:`x \approx \pm 1.75`, :math:`g \approx 0.30`
    there). So

    .. math::

        \log Z = \tfrac12 \log\pi + \log \int e^{-g(x)}\, dx, \qquad
        \operatorname{Var} x = E[x^2], \qquad \operatorname{Var} y = \tfrac12 + \tfrac14 E[x^2],

    and the mean is :math:`(0, 0)`: :math:`g` is even, and :math:`E[y] = -E[x]/2`. The
    integrals come from the trapezoid rule on :math:`2^{16}` cells of :math:`[-4, 4]`
    (:class:`ebmcore.plugin.GridLaw`; :math:`g(\pm 4) \approx 442`, and the smooth integrand
    makes the rule converge geometrically): ``log_partition``, ``mean`` and ``stddev``.
    ``sample`` draws :math:`x` exactly by inverting the CDF of that rule (linear in each
    cell), then :math:`y = -x/2 + z/\sqrt2`, :math:`z \sim \mathcal N(0, 1)`.

    ``modes`` are the three minima with the masses of their basins under the gradient flow, and
    ``mode_index`` the basin of each sample, both from the flow of every node of a grid of
    :math:`[-3, 3] \times [-7.5, 7.5]` (:class:`ebmcore.plugin.PlanarModes`; masses to about
    :math:`10^{-4}`). :math:`\partial_y E = x + 2y` vanishes only on :math:`y = -x/2`, where
    :math:`\partial_x E = g'(x) = x (x^4 - 4.2 x^2 + 3.5)`: the critical points are the minima
    at 0 and :math:`x = \pm 1.7476` and the saddles at :math:`x = \pm 1.0705`, all inside the box.
    Outside it the density is negligible: :math:`g` grows beyond :math:`|x| = 1.75`, so
    :math:`|x| > 3` has :math:`g > g(3) = 52.2`, and given :math:`|x| \le 3`, :math:`|y| > 7.5`
    puts :math:`y` more than 6 from its mean :math:`-x/2`, :math:`e^{-36}` down.

    Args:
        dim: must be 2.

    References:
        F. H. Branin, IBM J. Res. Dev. 16 (1972); [VLSE] "Three-Hump Camel Function";
        [JY13] function 29.

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("three_hump_camel").energy(torch.tensor([1.0, 0.0]))
        tensor(1.1167)
    """

    symmetric_about = 0.0  # the density is even: its mean is 0

    compiled_kernels = ("cuda",)  # a fused torch.compile kernel for CUDA inputs

    domain = (-5.0, 5.0)
    minimizer = 0.0
    modes_box = ((-3.0, 3.0), (-7.5, 7.5))  # every critical point and the mass (see the docstring)

    def forward(self, x: Tensor) -> Tensor:
        return self._energy(x[..., 0], x[..., 1])

    @staticmethod
    def _energy(a: Tensor, b: Tensor) -> Tensor:
        a2 = a * a
        # Horner form and clamped cross term, as in the six-hump camel: no inf - inf at overflow
        return a2 * (a2 * (a2 / 6.0 - 1.05) + 2.0) + _cross(a, b) + b * b

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        a, b = x[..., 0], x[..., 1]
        a2 = a * a
        energy = a2 * (a2 * (a2 / 6.0 - 1.05) + 2.0) + _cross(a, b) + b * b
        gx = a * (a2 * (a2 - 4.2) + 4.0) + b
        return energy, _stack(gx, a + 2.0 * b)

    # -- ground truth of e^{-E} (see the class docstring) -------------------------------------------

    def log_partition(self) -> float:
        return 0.5 * math.log(math.pi) + _three_hump_marginal().log_mass

    @property
    def stddev(self) -> Tensor:
        r""":math:`(\sqrt{E[x^2]}, \sqrt{\tfrac12 + E[x^2]/4})`."""
        second = _three_hump_marginal().expect(lambda t: t * t)
        return torch.tensor([math.sqrt(second), math.sqrt(0.5 + 0.25 * second)], dtype=torch.float64)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        r"""Exact samples: :math:`x` by inverse CDF, then :math:`y \mid x \sim \mathcal N(-x/2, 1/2)`."""
        x = _three_hump_marginal().sample(n, generator)
        y = torch.randn(n, generator=generator, dtype=torch.float64).mul_(math.sqrt(0.5)).sub_(0.5 * x)
        return torch.stack([x, y], dim=-1).to(self.dtype)


@functools.cache
def _three_hump_marginal() -> GridLaw:
    r"""The law of :math:`x` under the three-hump camel, ``exp(-E(x, -x/2))`` up to
    :math:`\sqrt\pi`, on 2^16 cells of [-4, 4] (see :class:`ThreeHumpCamel`)."""

    def energy(t: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(t)
        return ThreeHumpCamel._energy(x, -0.5 * x).numpy()

    return GridLaw.of(energy, -4.0, 4.0, 2**16)


HOLDER_TABLE_MINIMIZER = (8.055023475736563, 9.664590019241272)
"""The minimizer of the Hölder table in the positive quadrant, refined by Newton in float64."""


class HolderTable(_TwoDimensional):
    r"""The Hölder table function: four global minima at the corners of a flat table.

    .. math::

        E(x, y) = -\Big\lvert \sin x \cos y \,
        \exp\Big(\Big\lvert 1 - \frac{\sqrt{x^2 + y^2}}{\pi} \Big\rvert\Big) \Big\rvert .

    Even in each coordinate, so the four global minimizers are
    :math:`(\pm 8.0550234757, \pm 9.6645900192)` (published as :math:`(\pm 8.05502, \pm 9.66459)`),
    refined by Newton's method (:data:`HOLDER_TABLE_MINIMIZER`), with :math:`E = -19.2085025679`.
    The gradient uses :math:`\operatorname{sign}` for the absolute values (as autograd does) and
    is set to zero in the radial term at the origin, where the cone has no gradient. Search
    domain :math:`[-10, 10]^2`.

    Args:
        dim: must be 2.

    References:
        S. K. Mishra, "Some new test functions for global optimization and performance of
        repulsive particle swarm method", MPRA Paper 2718 (2006); [VLSE] "Holder Table
        Function"; [JY13] function 146.

    Example:
        >>> import ebmcore
        >>> round(ebmcore.create("holder_table").minima.value, 10)
        -19.2085025679
    """

    compiled_kernels = ("cuda",)  # a fused torch.compile kernel for CUDA inputs

    domain = (-10.0, 10.0)

    def forward(self, x: Tensor) -> Tensor:
        a, b = x[..., 0], x[..., 1]
        radius = torch.hypot(a, b)
        table = torch.sin(a) * torch.cos(b)
        energy = -torch.abs(table) * torch.exp(torch.abs(1.0 - radius / math.pi))
        # where the table is exactly zero the energy is zero, also where exp overflows (0 * inf)
        return torch.where(table == 0, torch.zeros_like(energy), energy)

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        a, b = x[..., 0], x[..., 1]
        radius = torch.hypot(a, b)
        offset = 1.0 - radius / math.pi
        growth = torch.exp(torch.abs(offset))
        sin_a, cos_a, sin_b, cos_b = torch.sin(a), torch.cos(a), torch.sin(b), torch.cos(b)
        table = sin_a * cos_b
        sign = torch.sign(table)
        zero = table == 0  # E = 0 there exactly, even where exp overflows (0 * inf = NaN)
        energy = torch.where(zero, torch.zeros_like(table), -torch.abs(table) * growth)
        # d|offset|/dx = -sign(offset) x / (pi r); zero at the origin. The unit vector x / r is
        # formed first: 1 / r overflows float32 where r is subnormal (and 0 * inf is NaN)
        positive = radius > 0
        safe = torch.where(positive, radius, 1.0)
        unit_a, unit_b = torch.where(positive, a / safe, 0.0), torch.where(positive, b / safe, 0.0)
        # dE = e^{|offset|} (-sign(table) d table - |table| d|offset|): the factor e^{|offset|}
        # is applied last, so that where it overflows the gradient is +-inf, never inf - inf
        magnitude = torch.abs(table) * (torch.sign(offset) / math.pi)
        dx = torch.where(zero, torch.zeros_like(table), -sign * cos_a * cos_b) + magnitude * unit_a
        dy = torch.where(zero, torch.zeros_like(table), sign * sin_a * sin_b) + magnitude * unit_b
        gx = torch.where(dx == 0, torch.zeros_like(dx), growth * dx)
        gy = torch.where(dy == 0, torch.zeros_like(dy), growth * dy)
        return energy, _stack(gx, gy)

    @property
    def minima(self) -> Minima:
        x, y = HOLDER_TABLE_MINIMIZER
        value = -abs(math.sin(x) * math.cos(y) * math.exp(abs(1.0 - math.hypot(x, y) / math.pi)))
        return Minima([[x, y], [-x, y], [x, -y], [-x, -y]], value)


EGGHOLDER_MINIMIZER = (512.0, 404.2318051137578)
"""The eggholder's minimizer: on the edge ``x = 512``; ``y`` refined by Newton in float64."""


class Eggholder(_TwoDimensional):
    r"""The eggholder function: a rugged landscape whose minimum lies on the domain's edge.

    .. math::

        E(x, y) = -(y + 47) \sin\sqrt{\lvert x/2 + y + 47 \rvert}
                  - x \sin\sqrt{\lvert x - (y + 47) \rvert} .

    On the search domain :math:`[-512, 512]^2` the global minimizer is on the boundary,
    :math:`(512, 404.2318051138)` (published as :math:`(512, 404.2319)`), with
    :math:`E = -959.6406627209`; there :math:`\partial_y E = 0` (refined by Newton,
    :data:`EGGHOLDER_MINIMIZER`) and :math:`\partial_x E < 0` points out of the box. The energy
    has cusps (infinite gradient) where either absolute value vanishes.

    Args:
        dim: must be 2.

    References:
        D. Whitley, S. Rana, J. Dzubera and K. E. Mathias, "Evaluating evolutionary
        algorithms", Artificial Intelligence 85 (1996); [VLSE] "Eggholder Function";
        [JY13] function 54.

    Example:
        >>> import ebmcore
        >>> round(ebmcore.create("eggholder").minima.value, 8)
        -959.64066272
    """

    compiled_kernels = ("cuda",)  # a fused torch.compile kernel for CUDA inputs

    domain = (-512.0, 512.0)

    def forward(self, x: Tensor) -> Tensor:
        a, b = x[..., 0], x[..., 1] + 47.0
        return -b * torch.sin(torch.sqrt(torch.abs(0.5 * a + b))) - a * torch.sin(
            torch.sqrt(torch.abs(a - b))
        )

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        a, b = x[..., 0], x[..., 1] + 47.0
        p = 0.5 * a + b
        q = a - b
        root_p = torch.sqrt(torch.abs(p))
        root_q = torch.sqrt(torch.abs(q))
        sin_p, sin_q = torch.sin(root_p), torch.sin(root_q)
        energy = -b * sin_p - a * sin_q
        # d sin(sqrt|p|)/dp = cos(sqrt|p|) sign(p) / (2 sqrt|p|)
        # at a cusp (p or q exactly 0; sign 0) the term is taken as 0, as sign(0) = 0, not 0/0
        dp = torch.cos(root_p) * torch.sign(p) / (2.0 * torch.where(p == 0, 1.0, root_p)) * b
        dq = torch.cos(root_q) * torch.sign(q) / (2.0 * torch.where(q == 0, 1.0, root_q)) * a
        gx = -0.5 * dp - sin_q - dq
        gy = -sin_p - dp + dq
        return energy, _stack(gx, gy)

    @property
    def minima(self) -> Minima:
        x, y = EGGHOLDER_MINIMIZER
        b = y + 47.0
        value = -b * math.sin(math.sqrt(abs(0.5 * x + b))) - x * math.sin(math.sqrt(abs(x - b)))
        return Minima([[x, y]], value)
