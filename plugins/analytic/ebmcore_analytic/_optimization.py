"""Classic variable-dimension test functions of global optimization.

Each energy has a plain ``forward`` (the textbook formula, the autograd reference) and a fused
``analytic_energy_and_gradient`` that shares every transcendental between the energy and the
gradient and never loops over samples or coordinates. Search domains and minima follow
Surjanovic & Bingham's *Virtual Library of Simulation Experiments* (2013), cited as [VLSE]
below, and M. Jamil and X.-S. Yang, "A literature survey of benchmark functions for global
optimization problems", Int. J. Math. Model. Numer. Optim. 4 (2013), cited as [JY13].
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from ebmcore import BaseModel, Minima, constraints
from ebmcore.plugin import Basins, GaussianLaw, GridLaw, ProductModes, fill_by_rejection

from ._chain import ValleyChain
from ._fast import buffer_as, integer_power, rowsum
from ._formula import FormulaEnergy, formula_kernel
from ._memory import filled, vectors
from ._separable import SeparableEnergy, every_coordinate, separable_kernel

__all__ = [
    "MICHALEWICZ_MINIMUM",
    "STYBLINSKI_TANG_ROOT",
    "Ackley",
    "DixonPrice",
    "Griewank",
    "Levy",
    "Michalewicz",
    "Rastrigin",
    "Sphere",
    "StyblinskiTang",
    "Zakharov",
]


def _point(model: BaseModel, value: float) -> Tensor:
    """The ``(1, dim)`` point with every coordinate ``value`` (a clear error where ``dim``
    cannot fit in memory)."""
    return filled(model, [value], "(1, dim) float64 minimizer")


def _index(dim: int) -> Tensor:
    """``(1, 2, ..., dim)`` as float64."""
    return torch.arange(1, dim + 1, dtype=torch.float64)


def _head(dim: int) -> Tensor:
    """``(1, 0, ..., 0)`` as float64: a term of the first coordinate alone, in a row formula."""
    return (_index(dim) == 1).double()


@separable_kernel
class Sphere(GaussianLaw, SeparableEnergy):
    r"""The sphere function (De Jong's first function), the simplest convex bowl.

    .. math::

        E(x) = \sum_{i=1}^d x_i^2, \qquad \nabla E = 2x .

    Minimum :math:`E(0) = 0`; search domain :math:`[-5.12, 5.12]^d`. :math:`e^{-E}` is
    :math:`\mathcal N(0, \tfrac12 I)`, :math:`\log Z = \tfrac d2 \log \pi`: ``log_partition``,
    ``sample``, ``mean``, ``stddev`` and ``modes`` give it (:class:`ebmcore.plugin.GaussianLaw`).

    Args:
        dim: dimension :math:`d`.

    References:
        K. A. De Jong, *An analysis of the behavior of a class of genetic adaptive systems*,
        PhD thesis, University of Michigan (1975); [VLSE] "Sphere Function".

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("sphere", dim=3).energy_and_gradient(torch.tensor([1.0, 2.0, 0.0]))
        (tensor(5.), tensor([2., 4., 0.]))
    """

    compiled_kernels = ("cuda",)  # a fused torch.compile kernel for CUDA inputs
    kernel = "sphere"

    domain = (-5.12, 5.12)
    minimizer = 0.0

    arg_constraints = {"dim": constraints.positive_integer}

    def __init__(self, dim: int = 2) -> None:
        super().__init__(dim, dim=dim)

    @staticmethod
    def term(x: Tensor) -> Tensor:
        return x * x

    @staticmethod
    def term_derivative(x: Tensor) -> Tensor:
        return x * 2.0

    def gaussian_law(self) -> tuple[Tensor, Tensor, float]:
        centre, precision = filled(self, [0.0, 2.0], "(2, dim) float64 mean and precision")
        return centre, precision, 0.0


@formula_kernel
class Ackley(FormulaEnergy):
    r"""Ackley's function: a nearly flat outer region around a deep central funnel.

    .. math::

        E(x) = -a \exp\!\Big(-b \sqrt{\tfrac1d \textstyle\sum_i x_i^2}\Big)
               - \exp\!\Big(\tfrac1d \textstyle\sum_i \cos(c\, x_i)\Big) + a + e .

    With :math:`r = \lVert x \rVert / \sqrt d`,
    :math:`\partial_i E = \frac{a b}{d\, r} e^{-b r} x_i + \frac cd e^{\bar{\cos}} \sin(c x_i)`.
    The first term is a cone at the origin (its gradient has no limit there); the gradient
    returned at :math:`r = 0` is the zero subgradient, finite, as autograd through
    ``torch.linalg.vector_norm`` also gives. Computed as
    :math:`a(1 - e^{-br}) + (e - e^{\bar{\cos}})` so that :math:`E(0) = 0` exactly.

    Global minimum :math:`E(0) = 0` (for every :math:`a, b, c > 0`); search domain
    :math:`[-32.768, 32.768]^d`.

    Args:
        dim: dimension :math:`d`.
        a: depth of the funnel, :math:`a > 0` (default 20).
        b: decay rate, :math:`b > 0` (default 0.2).
        c: frequency of the ripples, :math:`c > 0` (default :math:`2\pi`).

    References:
        D. H. Ackley, *A connectionist machine for genetic hillclimbing*, Kluwer (1987);
        [VLSE] "Ackley Function"; [JY13] function 1.

    Example:
        >>> import torch, ebmcore
        >>> ackley = ebmcore.create("ackley", dim=2)
        >>> ackley.energy_and_gradient(torch.zeros(2))
        (tensor(0.), tensor([0., 0.]))
    """

    compiled_kernels = ("cuda",)  # a fused torch.compile kernel for CUDA inputs
    kernel = "ackley"

    domain = (-32.768, 32.768)
    minimizer = 0.0

    arg_constraints = {
        "dim": constraints.positive_integer,
        "a": constraints.positive,
        "b": constraints.positive,
        "c": constraints.positive,
    }

    def __init__(self, dim: int = 2, a: float = 20.0, b: float = 0.2, c: float = 2.0 * math.pi) -> None:
        super().__init__(dim, dim=dim, a=a, b=b, c=c)
        self.a = float(a)
        self.b = float(b)
        self.c = float(c)

    def forward(self, x: Tensor) -> Tensor:
        r = torch.linalg.vector_norm(x, dim=-1) / math.sqrt(self.dim)
        mean_cos = rowsum(torch.cos(self.c * x), 1.0 / self.dim)
        return -self.a * torch.expm1(-self.b * r) + (math.e - torch.exp(mean_cos))

    def formula_parameters(self) -> tuple[float, ...]:
        return (self.a, self.b, self.c)

    @staticmethod
    def formula(x: Tensor, a: float, b: float, c: float) -> tuple[Tensor, Tensor]:
        d = x.shape[-1]
        radius = torch.sqrt(rowsum(x * x) / d)  # |x| / sqrt(d)
        decay = torch.exp(-b * radius)
        angle = c * x
        # exp(mean cos) as e exp(mean cos - 1): exactly e at the origin, so that E(0) = 0 exactly
        ripple = math.e * torch.exp(rowsum(torch.cos(angle)) / d - 1.0)
        energy = a * (1.0 - decay) + (math.e - ripple)
        positive = radius > 0.0
        radial = torch.where(positive, (a * b / d) * decay / torch.where(positive, radius, 1.0), 0.0)
        grad = ((c / d) * ripple).unsqueeze(-1) * torch.sin(angle) + radial.unsqueeze(-1) * x
        return energy, grad


@separable_kernel
class Rastrigin(ProductModes, SeparableEnergy):
    r"""Rastrigin's function: a bowl covered by a regular grid of local minima.

    .. math::

        E(x) = a d + \sum_{i=1}^d \big[x_i^2 - a \cos(2\pi x_i)\big], \qquad
        \partial_i E = 2 x_i + 2\pi a \sin(2\pi x_i),

    evaluated as :math:`\sum_i x_i^2 + 2a \sin^2(\pi x_i)`, which has no cancellation near the
    minimum.

    Global minimum :math:`E(0) = 0`; search domain :math:`[-5.12, 5.12]^d`.

    As a density, :math:`e^{-E}` is the product of :math:`d` copies of the 1-D law
    :math:`e^{-x^2 - a (1 - \cos 2\pi x)}`, with a mode near every integer. Expanding
    :math:`e^{a \cos\theta} = I_0(a) + 2 \sum_{n \ge 1} I_n(a) \cos n\theta` and integrating
    against :math:`e^{-x^2}` term by term (:math:`\int e^{-x^2} \cos 2\pi n x\, dx =
    \sqrt\pi e^{-\pi^2 n^2}`) gives its mass in closed form,

    .. math::

        z = \sqrt\pi \big(\tilde I_0(a) + 2 e^{-\pi^2} \tilde I_1(a) + \dots\big), \qquad
        E[x^2] = \frac{\tfrac12 \tilde I_0(a) + 2 e^{-\pi^2} (\tfrac12 - \pi^2) \tilde I_1(a)}
                      {\tilde I_0(a) + 2 e^{-\pi^2} \tilde I_1(a)},

    with :math:`\tilde I_n(a) = e^{-a} I_n(a)` (the terms from :math:`n = 2` on change them by
    less than :math:`10^{-16}` relative): ``log_partition`` is :math:`d \log z`, ``stddev``
    :math:`\sqrt{E[x^2]}` and ``mean`` 0. ``sample`` draws exactly, by rejection: from
    :math:`\mathcal N(0, \tfrac12)` for :math:`a < 1`, from Gaussians at the integers for
    :math:`a \ge 1`, keeping 46% to 74% of the proposals at any :math:`a` (see
    ``_proposals``).

    ``modes`` are the points whose coordinates are each a local minimum of the 1-D term, one
    near every integer :math:`k` with :math:`|k| \lesssim \pi a` (:math:`2\pi a + 1` or so of
    them per coordinate; the origin alone for :math:`a \le 1/(2\pi^2)`), each mode's mass the
    product of its coordinates' basin masses; ``mode_index`` numbers the basin of each sample
    (:class:`ebmcore.plugin.ProductModes`; see :func:`_rastrigin_basins`). Up to
    :math:`a = 10^5` (:data:`RASTRIGIN_MODES_LIMIT`); beyond, ``modes`` is None and
    ``mode_index`` raises ``NotImplementedError``.

    Args:
        dim: dimension :math:`d`.
        a: amplitude of the ripples, :math:`a > 0` (default 10).

    References:
        L. A. Rastrigin, *Systems of extremal control*, Nauka (1974); H. Mühlenbein et al.,
        Parallel Computing 17 (1991) for the d-dimensional form; [VLSE] "Rastrigin Function".

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("rastrigin", dim=2).energy(torch.tensor([1.0, 0.0]))
        tensor(1.)
    """

    symmetric_about = 0.0  # the density is even: its mean is 0

    compiled_kernels = ("cuda",)  # a fused torch.compile kernel for CUDA inputs
    kernel = "rastrigin"

    domain = (-5.12, 5.12)
    minimizer = 0.0

    arg_constraints = {"dim": constraints.positive_integer, "a": constraints.positive}

    def __init__(self, dim: int = 2, a: float = 10.0) -> None:
        super().__init__(dim, dim=dim, a=a)
        self.a = float(a)

    @staticmethod
    def term(x: Tensor, a: float) -> Tensor:
        ripple = torch.sin(math.pi * x)  # a (1 - cos 2 pi x) = 2 a sin^2(pi x)
        return x * x + (2.0 * a) * (ripple * ripple)

    @staticmethod
    def term_derivative(x: Tensor, a: float) -> Tensor:
        return 2.0 * x + (2.0 * math.pi * a) * torch.sin(2.0 * math.pi * x)

    def term_parameters(self) -> tuple[float]:
        return (self.a,)

    # -- ground truth of e^{-E} (see the class docstring) -------------------------------------------

    def coordinate_basins(self) -> list[Basins] | None:
        """The basins of every coordinate (see :func:`_rastrigin_basins`), or None beyond
        :data:`RASTRIGIN_MODES_LIMIT`."""
        basins = _rastrigin_basins(self.a)
        return None if basins is None else every_coordinate(self, basins)

    def _marginal(self) -> tuple[float, float]:
        """``(z / sqrt(pi), E[x^2])`` of the 1-D law: the acceptance rate of :meth:`sample` and
        the second moment."""
        a = torch.tensor(self.a, dtype=torch.float64)
        plain = float(torch.special.i0e(a))
        ripple = 2.0 * math.exp(-math.pi * math.pi) * float(torch.special.i1e(a))
        mass = plain + ripple
        return mass, (0.5 * plain + (0.5 - math.pi * math.pi) * ripple) / mass

    def log_partition(self) -> float:
        return self.dim * (0.5 * math.log(math.pi) + math.log(self._marginal()[0]))

    @property
    def stddev(self) -> Tensor:
        r""":math:`\sqrt{E[x_i^2]}` of the 1-D law, for every coordinate."""
        return filled(self, [math.sqrt(self._marginal()[1])], "(dim,) float64 stddev")[0]

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Exact samples of every coordinate, by rejection (see :meth:`_proposals`)."""

        def accepted(remaining: int) -> Tensor:  # acceptance is above 40%
            return self._proposals(min(max(2 * remaining + 64, 1024), 1 << 22), generator)

        return fill_by_rejection(n * self.dim, accepted).reshape(n, self.dim).to(self.dtype)

    def _proposals(self, count: int, generator: torch.Generator | None) -> Tensor:
        r"""The accepted ones of ``count`` proposals for the 1-D law
        :math:`f(x) = e^{-x^2 - 2a \sin^2 \pi x}`.

        For :math:`a < 1`, proposals from :math:`\mathcal N(0, \tfrac12)` (density
        :math:`\propto e^{-x^2}`), kept with probability :math:`e^{-2a \sin^2 \pi x}`: a fraction
        :math:`z / \sqrt\pi \ge 0.46` of them. For :math:`a \ge 1`, where that fraction falls as
        :math:`1/\sqrt{2\pi a}`, proposals near the integers: with :math:`x = k + u`,
        :math:`|u| \le \tfrac12`, Jordan's inequality :math:`\sin^2 \pi u \ge 4u^2` bounds
        :math:`f` by :math:`e^{-(k + u)^2 - 8a u^2} = w_k \varphi_k(u)`, a weight
        :math:`w_k \propto e^{-k^2\, 8a / (1 + 8a)}` times the density of
        :math:`\mathcal N(-k / (1 + 8a), 1 / (2 (1 + 8a)))`. So :math:`k` is drawn by
        :math:`w_k`, then :math:`u`, and :math:`x` is kept where :math:`|u| \le \tfrac12`, with
        probability :math:`e^{-2a (\sin^2 \pi u - 4u^2)}`: 64% to 74% of them.
        """
        a = self.a
        uniform = torch.rand(count, generator=generator, dtype=torch.float64)
        if a < 1.0:
            x = torch.randn(count, generator=generator, dtype=torch.float64) * math.sqrt(0.5)
            ripple = torch.sin(math.pi * x)
            return x[uniform < torch.exp(-a * (2.0 * ripple * ripple))]
        spread = 1.0 + 8.0 * a  # inf for a > 2e307: u = 0, x = k, the limit
        sharpness = 1.0 / (1.0 + 1.0 / (8.0 * a))  # 8a / (1 + 8a), without overflow
        reach = math.ceil(math.sqrt(746.0 / sharpness))  # w_k underflows beyond
        lattice = torch.arange(-reach, reach + 1, dtype=torch.float64)
        picks = torch.multinomial(torch.exp(-sharpness * lattice * lattice), count, True, generator=generator)
        k = lattice[picks]
        u = -k / spread + torch.randn(count, generator=generator, dtype=torch.float64) / math.sqrt(
            2.0 * spread
        )
        ripple = torch.sin(math.pi * u)
        excess = ripple * ripple - 4.0 * u * u  # >= 0 where |u| <= 1/2
        keep = (u.abs() <= 0.5) & (uniform < torch.exp(-a * (2.0 * excess)))
        return (k + u)[keep]


RASTRIGIN_MODES_LIMIT = 1e5
r"""The largest :math:`a` for which Rastrigin's ``modes`` and ``mode_index`` are computed: its
term has about :math:`4\pi a` critical points (1.3 million here), each refined by bisection, and
its 1-D law is tabulated on cells an eighth of its narrowest well (2^18 cells here); beyond,
the tables outgrow what a ground truth computed on request should cost."""

_RASTRIGIN_LAW_REACH = 8.0
r"""The 1-D law of Rastrigin's term is tabulated on :math:`[-8, 8]`: the term is at least
:math:`t^2`, so the density is below :math:`e^{-64}` of its peak beyond."""


@functools.lru_cache(maxsize=8)  # (up to 20 MB each, at the limit on a)
def _rastrigin_law(a: float) -> GridLaw:
    r"""The 1-D law of Rastrigin's term :math:`t^2 + 2a \sin^2 \pi t` on :math:`[-8, 8]`
    (:data:`_RASTRIGIN_LAW_REACH`), by the trapezoid rule on cells at most an eighth of the
    narrowest well's width :math:`1/(2\pi\sqrt a)` (at least 2^16 of them)."""
    needed = 16.0 * _RASTRIGIN_LAW_REACH * 2.0 * math.pi * math.sqrt(a)  # 2 reach / (width / 8)
    cells = 2 ** max(16, math.ceil(math.log2(needed)))
    reach = _RASTRIGIN_LAW_REACH
    return GridLaw.of(lambda t: Rastrigin.term(torch.from_numpy(t), a).numpy(), -reach, reach, cells)


@functools.lru_cache(maxsize=8)  # (up to 20 MB each, at the limit on a)
def _rastrigin_basins(a: float) -> Basins | None:
    r"""The basins of Rastrigin's term :math:`f(t) = t^2 + 2a \sin^2 \pi t`, or None beyond
    :data:`RASTRIGIN_MODES_LIMIT`.

    Its critical points solve :math:`f'(t) = 2t + 2\pi a \sin 2\pi t = 0`, so
    :math:`|t| = \pi a |\sin 2\pi t| \le \pi a`: beyond :math:`R = \pi a + 1`,
    :math:`|f'| \ge 2|t| - 2\pi a \ge 2`, with the sign of :math:`t`. Between two zeros of
    :math:`f''(t) = 2 + 4\pi^2 a \cos 2\pi t`, at :math:`t = k \pm c`,
    :math:`c = \arccos(-1/(2\pi^2 a)) / 2\pi` (none for :math:`a \le 1/(2\pi^2)`: then
    :math:`f` is convex, one minimum at 0), :math:`f'` is monotone, so it has a root there
    exactly where it changes sign: every critical point in :math:`[-R, R]` is bracketed, however
    close a minimum and a maximum come where a ripple grazes the bowl's slope (to the rounding
    of :math:`f'`). Each is refined by bisection to the last bit, and the basin masses are the
    CDF of :func:`_rastrigin_law` at the maxima (0 or 1 beyond its grid, where the density is
    below :math:`e^{-64}`).
    """
    if a > RASTRIGIN_MODES_LIMIT:
        return None

    def slope(t: np.ndarray) -> np.ndarray:
        return Rastrigin.term_derivative(torch.from_numpy(t), a).numpy()

    reach = math.pi * a + 1.0
    nodes = np.array([-reach, reach])
    if 2.0 * math.pi**2 * a > 1.0:  # the zeros of f'' between which f' is monotone
        c = math.acos(-1.0 / (2.0 * math.pi**2 * a)) / (2.0 * math.pi)
        k = np.arange(-math.ceil(reach), math.ceil(reach) + 1, dtype=np.float64)
        turns = np.sort(np.concatenate([k - c, k + c]))
        nodes = np.concatenate([[-reach], turns[(turns > -reach) & (turns < reach)], [reach]])
    return Basins.between(slope, nodes, _rastrigin_law(a))


@formula_kernel
class Griewank(FormulaEnergy):
    r"""Griewank's function: a wide bowl with a product of cosines on top.

    .. math::

        E(x) = 1 + \frac{1}{4000} \sum_{i=1}^d x_i^2 - \prod_{i=1}^d \cos\frac{x_i}{\sqrt i},
        \qquad
        \partial_i E = \frac{x_i}{2000} + \frac{1}{\sqrt i} \tan\frac{x_i}{\sqrt i}
        \prod_{j} \cos\frac{x_j}{\sqrt j} .

    (The product of the other cosines is formed as the full product over one cosine, which is
    exact in floating point because :math:`\cos` of a float never vanishes.) Global minimum
    :math:`E(0) = 0`; search domain :math:`[-600, 600]^d`.

    As a density, :math:`e^{-E}` is the Gaussian :math:`\mathcal N(0, \sigma^2 I)`,
    :math:`\sigma^2 = 2000`, tilted by :math:`e^{P - 1}`, :math:`P = \prod_i \cos(x_i/\sqrt i)`.
    Expanding :math:`e^P = \sum_m P^m / m!` and using the independence of the coordinates
    under the Gaussian,

    .. math::

        Z = e^{-1} (4000\pi)^{d/2} S, \qquad S = \sum_{m \ge 0} \frac{1}{m!} \prod_{i=1}^d c_m(i),
        \qquad c_m(i) = E\Big[\cos^m \frac{X}{\sqrt i}\Big]
        = 2^{-m} \sum_{k=0}^m \binom mk e^{-1000 (m - 2k)^2 / i},

    with :math:`X \sim \mathcal N(0, \sigma^2)` (:math:`\cos^m` as a sum of
    :math:`\cos((m - 2k)\theta)`, and :math:`E[\cos tX] = e^{-\sigma^2 t^2/2}`). Every
    :math:`c_m(i)` lies in :math:`(0, 1]`, so the partial product over the first coordinates
    bounds a term: the series is summed in logarithms (:math:`e^{-1000}` underflows), dropping
    each term once that bound falls below :math:`e^{-45}` of the sum, and stopping at the
    :math:`m` where :math:`2/m!` does (about :math:`m = 21`). Odd :math:`m` vanish after
    :math:`c_m(1) \le e^{-1000}`, even ones after a few dozen coordinates (:math:`c_m(i)
    \approx \binom{m}{m/2} 2^{-m}` for :math:`i \ll 1000`): the work per :math:`m` is bounded
    whatever :math:`d`, and beyond :math:`d \approx 70` only :math:`S = 1` is left. For
    :math:`d = 1`, :math:`S = I_0(1)` up to :math:`e^{-1000}`. In the same way, with
    :math:`E[X^2 \cos tX] = (\sigma^2 - \sigma^4 t^2) e^{-\sigma^2 t^2/2}`,

    .. math::

        E[x_j^2] = \frac1S \sum_m \frac{1}{m!} \prod_{i \ne j} c_m(i)\;
        2^{-m} \sum_k \binom mk \big(\sigma^2 - \sigma^4 t_k^2\big) e^{-\sigma^2 t_k^2 / 2},
        \qquad t_k = \frac{m - 2k}{\sqrt j},

    so ``log_partition`` is :math:`\log Z`, ``stddev`` :math:`\sqrt{E[x_j^2]}` (which is
    :math:`\sqrt{2000}` to double precision: the phase of each cosine is nearly uniform) and
    ``mean`` 0 (the density is even in every coordinate). ``sample`` draws exactly, by
    rejection: proposals from :math:`\mathcal N(0, \sigma^2 I)`, kept with probability
    :math:`e^{P - 1} \ge e^{-2}`; the share kept is :math:`S/e`, from :math:`I_0(1)/e = 46.6\%`
    at :math:`d = 1` down to :math:`1/e = 36.8\%` for large :math:`d` (by Jensen,
    :math:`S \ge e^{E[P]} \ge 1`).

    Args:
        dim: dimension :math:`d`.

    References:
        A. O. Griewank, "Generalized descent for global optimization", J. Optim. Theory Appl.
        34 (1981); [VLSE] "Griewank Function"; [JY13] function 59.

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("griewank", dim=3).energy(torch.zeros(3))
        tensor(0.)
    """

    symmetric_about = 0.0  # the density is even: its mean is 0

    compiled_kernels = ("cuda",)  # a fused torch.compile kernel for CUDA inputs

    domain = (-600.0, 600.0)
    minimizer = 0.0

    arg_constraints = {"dim": constraints.positive_integer}

    kernel = "griewank"
    formula_vectors = ("inv_sqrt_index",)
    inv_sqrt_index: Tensor

    def __init__(self, dim: int = 2) -> None:
        super().__init__(dim, dim=dim)
        with vectors(self, 2):
            self.register_buffer("inv_sqrt_index", _index(dim).rsqrt())

    def forward(self, x: Tensor) -> Tensor:
        product = self._cosines(x, buffer_as(self, "inv_sqrt_index", x))
        return 1.0 + rowsum(x * x, 1.0 / 4000.0) - product

    @staticmethod
    def _cosines(x: Tensor, inv_sqrt_index: Tensor) -> Tensor:
        r""":math:`P = \prod_i \cos(x_i / \sqrt i)`."""
        return torch.cos(x * inv_sqrt_index).prod(-1)

    @staticmethod
    def formula(x: Tensor, weight: Tensor) -> tuple[Tensor, Tensor]:
        scaled = x * weight
        cos = torch.cos(scaled)
        product = cos.prod(-1)
        energy = rowsum(x * x, 1.0 / 4000.0) + 1.0 - product
        # prod_{j != i} cos_j = product / cos_i (exact: the cosine of a float never vanishes)
        grad = torch.sin(scaled) / cos * weight * product.unsqueeze(-1) + x * (1.0 / 2000.0)
        return energy, grad

    # -- ground truth of e^{-E} (see the class docstring) -------------------------------------------

    def log_partition(self) -> float:
        log_s, _ = _griewank_series(self.dim)
        return -1.0 + 0.5 * self.dim * math.log(4000.0 * math.pi) + log_s

    @property
    def stddev(self) -> Tensor:
        r""":math:`\sqrt{E[x_j^2]}` from the series (see the class docstring)."""
        _, weights = _griewank_series(self.dim)
        with vectors(self, 2, "(dim,) float64 stddev"):
            second = np.zeros(self.dim)
            for start in range(0, self.dim, _GRIEWANK_CHUNK):
                j = np.arange(start + 1, min(start + _GRIEWANK_CHUNK, self.dim) + 1, dtype=np.float64)
                for m, weight in weights:
                    exponents, shifts = _griewank_exponents(m, j)
                    share = np.exp(exponents - exponents.max(-1, keepdims=True))
                    share /= share.sum(-1, keepdims=True)
                    # E[X^2 cos^m(X / sqrt j)] / c_m(j), with t_k^2 = (m - 2k)^2 / j in shifts
                    ratio = (share * (_GRIEWANK_VARIANCE - _GRIEWANK_VARIANCE**2 * shifts)).sum(-1)
                    second[start : start + len(j)] += weight * ratio
            return torch.from_numpy(np.sqrt(second))

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        r"""Exact samples by rejection: proposals from :math:`\mathcal N(0, 2000 I)`, kept with
        probability :math:`e^{P - 1}` (at least :math:`1/e`, 36.8%, of them)."""
        d = self.dim
        with vectors(self, 2):
            inv_sqrt_index = _index(d).rsqrt()  # float64 on the CPU, whatever the model's buffers
        largest = max(1, _GRIEWANK_PROPOSALS // d)

        def accepted(remaining: int) -> Tensor:  # rows of d coordinates, flattened
            rows = min(3 * (remaining // d) + 16, largest)
            x = torch.randn(rows, d, generator=generator, dtype=torch.float64) * math.sqrt(_GRIEWANK_VARIANCE)
            uniform = torch.rand(rows, generator=generator, dtype=torch.float64)
            keep = uniform < torch.exp(self._cosines(x, inv_sqrt_index) - 1.0)
            return x[keep].reshape(-1)

        return fill_by_rejection(n * d, accepted).reshape(n, d).to(self.dtype)


_GRIEWANK_VARIANCE = 2000.0
r""":math:`\sigma^2`: :math:`e^{-x^2/4000}` is the Gaussian density of variance 2000, up to its mass."""

_GRIEWANK_NEGLIGIBLE = 45.0
"""A term of the series below e^-45 of its sum is dropped (the 20 or so dropped change no float64)."""

_GRIEWANK_CHUNK = 2**12
"""Coordinates whose factors c_m(i) are formed at a time (bounded memory)."""

_GRIEWANK_PROPOSALS = 2**20
"""Proposed coordinates per round of the sampler (8 MB)."""


def _griewank_exponents(m: int, i: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""``(len(i), m + 1)`` logs of the terms of :math:`c_m(i)`,
    :math:`\log[2^{-m} \binom mk] - \sigma^2 t_k^2 / 2`, and :math:`t_k^2 = (m - 2k)^2 / i`."""
    k = np.arange(m + 1, dtype=np.float64)
    log_binomial = math.lgamma(m + 1) - np.array(
        [math.lgamma(j + 1) + math.lgamma(m - j + 1) for j in range(m + 1)]
    )
    shifts = (m - 2.0 * k) ** 2 / i[:, None]
    return log_binomial - m * math.log(2.0) - (0.5 * _GRIEWANK_VARIANCE) * shifts, shifts


@functools.lru_cache(maxsize=64)
def _griewank_series(dim: int) -> tuple[float, tuple[tuple[int, float], ...]]:
    r"""``log S`` and the kept terms ``(m, weight)`` of :math:`S = \sum_m \frac{1}{m!} \prod_{i \le d}
    c_m(i)`, each weight the term's share of :math:`S` (see :class:`Griewank`).

    Each term is summed in logarithms over chunks of coordinates, and dropped once its partial
    sum (an upper bound: every :math:`\log c_m(i) \le 0`) falls below the sum so far less
    :data:`_GRIEWANK_NEGLIGIBLE`; the series stops where :math:`2/m!`, a bound on all the
    terms left, does.
    """
    logs = {0: 0.0}  # c_0(i) = 1
    m = 1
    while math.log(2.0) - math.lgamma(m + 1) > -_GRIEWANK_NEGLIGIBLE:  # the sum so far is >= 1
        partial, start, chunk = -math.lgamma(m + 1), 0, 256
        while start < dim and partial > -_GRIEWANK_NEGLIGIBLE:
            i = np.arange(start + 1, min(start + chunk, dim) + 1, dtype=np.float64)
            exponents, _ = _griewank_exponents(m, i)
            top = exponents.max(-1)
            partial += float((top + np.log(np.exp(exponents - top[:, None]).sum(-1))).sum())
            start, chunk = start + len(i), min(2 * chunk, _GRIEWANK_CHUNK)
        if partial > -_GRIEWANK_NEGLIGIBLE:
            logs[m] = partial
        m += 1
    values = np.array(list(logs.values()))
    top = float(values.max())
    log_s = top + math.log(float(np.exp(values - top).sum()))
    return log_s, tuple((m, math.exp(value - log_s)) for m, value in logs.items())


@formula_kernel
class Levy(FormulaEnergy):
    r"""Levy's function: ridged valleys around the minimum at :math:`x = (1, \dots, 1)`.

    With :math:`w_i = 1 + (x_i - 1)/4`,

    .. math::

        E(x) = \sin^2(\pi w_1)
             + \sum_{i=1}^{d-1} (w_i - 1)^2 \big[1 + 10 \sin^2(\pi w_i + 1)\big]
             + (w_d - 1)^2 \big[1 + \sin^2(2\pi w_d)\big].

    Global minimum :math:`E(1, \dots, 1) = 0`; search domain :math:`[-10, 10]^d`. Evaluated in
    :math:`v = w - 1` (:math:`\sin^2` has period :math:`\pi`, so :math:`\sin^2(\pi w_1) =
    \sin^2(\pi v_1)` and so on), which makes the minimum exactly zero in float32 too.

    As a density, :math:`e^{-E}` is separable: with :math:`r(v) = v^2 [1 + 10 \sin^2(\pi v + 1)]`
    and :math:`l(v) = v^2 [1 + \sin^2(2\pi v)]`, the coordinates are independent, :math:`v_1`
    of law :math:`e^{-\sin^2(\pi v) - r(v)}`, each :math:`v_i`, :math:`1 < i < d`, of law
    :math:`e^{-r(v)}` and :math:`v_d` of law :math:`e^{-l(v)}` (for :math:`d = 1`, the single
    :math:`v_1` of law :math:`e^{-\sin^2(\pi v) - l(v)}`). With :math:`x = 1 + 4v`,

    .. math::

        \log Z = d \log 4 + \sum_{i=1}^d \log \int e^{-f_i(v)}\, dv, \qquad
        E[x_i] = 1 + 4 E[v_i], \qquad \operatorname{sd}(x_i) = 4 \operatorname{sd}(v_i),

    each 1-D integral by the trapezoid rule on :math:`2^{18}` cells of :math:`[-8, 8]`
    (:class:`ebmcore.plugin.GridLaw`, at most three laws whatever :math:`d`, cached). Every
    :math:`f_i \ge v^2`, so the density is below :math:`e^{-64}` at the ends and the mass
    outside below :math:`10^{-28}`; the narrowest features that hold mass above :math:`e^{-40}`
    are the wells of :math:`10 v^2 \sin^2(\pi v + 1)` at :math:`|v| \approx 6`, about
    :math:`1/(\pi |v| \sqrt{20}) \approx 0.012` wide, some 190 cells of :math:`6 \times 10^{-5}`
    (the :math:`\sin^2` terms have periods 1 and :math:`\tfrac12`), so the rule converges
    geometrically: ``log_partition``, ``mean`` and ``stddev``. ``sample`` draws every coordinate
    exactly by inverting the CDF of its law (linear in each cell).

    Args:
        dim: dimension :math:`d`.

    References:
        A. V. Levy and A. Montalvo, "The tunneling algorithm for the global minimization of
        functions", SIAM J. Sci. Stat. Comput. 6 (1985); [VLSE] "Levy Function".

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("levy", dim=4).energy(torch.ones(4))
        tensor(0.)
    """

    compiled_kernels = ("cuda",)  # a fused torch.compile kernel for CUDA inputs

    domain = (-10.0, 10.0)
    minimizer = 1.0

    arg_constraints = {"dim": constraints.positive_integer}

    kernel = "levy"
    formula_vectors = ("frequency", "phase", "weight", "slope", "head")
    frequency: Tensor
    phase: Tensor
    weight: Tensor
    slope: Tensor

    def __init__(self, dim: int = 2) -> None:
        super().__init__(dim, dim=dim)
        # Per coordinate: sin^2(frequency * w + phase) with weight gamma; the last one differs.
        # sin^2 has period pi, so with v = w - 1 the angle frequency * v + phase gives the
        # same value (phase 1, or 0 for the last), and is exact at the minimum v = 0.
        with vectors(self, 8):  # four buffers and their temporaries
            frequency = torch.full((dim,), math.pi, dtype=torch.float64)
            frequency[-1] = 2.0 * math.pi
            phase = torch.full((dim,), 1.0, dtype=torch.float64)
            phase[-1] = 0.0
            weight = torch.full((dim,), 10.0, dtype=torch.float64)
            weight[-1] = 1.0
            # With u = x - 1 = 4 v: angle = (frequency / 4) u + phase, and
            # E = sum u^2 q / 2, grad = u q + u^2 c, q = (1 + gamma sin^2) / 8,
            # c = gamma frequency sin cos / 32 (the chain rule's 1/4 folded into the constants).
            self.register_buffer("frequency", frequency / 4.0)
            self.register_buffer("phase", phase)
            self.register_buffer("weight", weight / 8.0)
            self.register_buffer("slope", weight * frequency / 32.0)

    @property
    def head(self) -> Tensor:
        """``(1, 0, ..., 0)``: where the first coordinate's own term adds to the gradient."""
        return _head(self.dim)

    def forward(self, x: Tensor) -> Tensor:
        return self._energy(x)

    def _energy(self, x: Tensor) -> Tensor:
        # In v = w - 1 (sin^2 has period pi): exact zero at the minimum, also in float32.
        v = (x - 1.0) / 4.0
        middle = rowsum(self._ridge(v[..., :-1]))
        return self._crest(v[..., 0]) + middle + self._tail(v[..., -1])

    @staticmethod
    def _crest(v: Tensor) -> Tensor:
        r""":math:`\sin^2(\pi v)`, the first coordinate's own term."""
        return torch.sin(math.pi * v) ** 2

    @staticmethod
    def _ridge(v: Tensor) -> Tensor:
        r""":math:`v^2 [1 + 10 \sin^2(\pi v + 1)]`, the term of every coordinate but the last."""
        return v**2 * (1.0 + 10.0 * torch.sin(math.pi * v + 1.0) ** 2)

    @staticmethod
    def _tail(v: Tensor) -> Tensor:
        r""":math:`v^2 [1 + \sin^2(2\pi v)]`, the last coordinate's term."""
        return v**2 * (1.0 + torch.sin(2.0 * math.pi * v) ** 2)

    @staticmethod
    def formula(
        x: Tensor, frequency: Tensor, phase: Tensor, weight: Tensor, slope: Tensor, head: Tensor
    ) -> tuple[Tensor, Tensor]:
        u = x - 1.0  # 4 (w - 1)
        angle = u * frequency + phase
        sin = torch.sin(angle)
        q = sin * sin * weight + 0.125  # (1 + gamma sin^2) / 8
        u2 = u * u
        first = (0.25 * math.pi) * (x[..., 0] - 1.0)  # sin^2(pi w_1) = sin^2(pi v_1)
        sin_first = torch.sin(first)
        energy = rowsum(u2 * q, 0.5) + sin_first * sin_first
        grad = u2 * (torch.cos(angle) * sin * slope) + u * q
        grad = grad + head * ((0.5 * math.pi) * sin_first * torch.cos(first)).unsqueeze(-1)
        return energy, grad

    # -- ground truth of e^{-E} (see the class docstring) -------------------------------------------

    def _laws(self) -> tuple[GridLaw, GridLaw | None, GridLaw]:
        r"""The laws of :math:`v_1`, of the middle :math:`v_i` (None for :math:`d \le 2`) and of
        :math:`v_d` (the law of :math:`v_1` again for :math:`d = 1`)."""
        if self.dim == 1:
            only = _levy_law("only")
            return only, None, only
        return _levy_law("first"), _levy_law("middle") if self.dim > 2 else None, _levy_law("last")

    def _per_coordinate(self, value: Callable[[GridLaw], float], what: str) -> Tensor:
        """The ``(dim,)`` float64 vector of ``value`` of each coordinate's law."""
        first, middle, last = self._laws()
        out = filled(self, [0.0 if middle is None else value(middle)], what)[0]
        out[0], out[-1] = value(first), value(last)
        return out

    def log_partition(self) -> float:
        first, middle, last = self._laws()
        if self.dim == 1:
            return math.log(4.0) + first.log_mass
        inner = 0.0 if middle is None else (self.dim - 2) * middle.log_mass
        return self.dim * math.log(4.0) + first.log_mass + inner + last.log_mass

    @property
    def mean(self) -> Tensor:
        r""":math:`1 + 4 E[v_i]` for every coordinate."""
        return self._per_coordinate(lambda law: 1.0 + 4.0 * law.mean, "(dim,) float64 mean")

    @property
    def stddev(self) -> Tensor:
        r""":math:`4 \operatorname{sd}(v_i)` for every coordinate."""
        return self._per_coordinate(lambda law: 4.0 * law.stddev, "(dim,) float64 stddev")

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Exact samples, every coordinate by the inverse CDF of its law: first ``v_1``, then
        the middle coordinates, then ``v_d``."""
        first, middle, last = self._laws()
        d = self.dim
        v = torch.empty(n, d, dtype=torch.float64)
        v[:, 0] = first.sample(n, generator)
        if middle is not None:
            v[:, 1:-1] = middle.sample(n * (d - 2), generator).reshape(n, d - 2)
        if d > 1:
            v[:, -1] = last.sample(n, generator)
        return v.mul_(4.0).add_(1.0).to(self.dtype)  # x = 1 + 4 v


_LEVY_TERMS: dict[str, tuple[Callable[[Tensor], Tensor], ...]] = {
    "first": (Levy._crest, Levy._ridge),
    "middle": (Levy._ridge,),
    "last": (Levy._tail,),
    "only": (Levy._crest, Levy._tail),  # d = 1: the first coordinate is the last
}


@functools.cache
def _levy_law(kind: str) -> GridLaw:
    """The 1-D law ``exp(-f(v))`` of one kind of Levy coordinate (``f`` the sum of the terms
    :data:`_LEVY_TERMS` names), on 2^18 cells of [-8, 8] (see :class:`Levy`)."""
    terms = _LEVY_TERMS[kind]

    def energy(v: np.ndarray) -> np.ndarray:
        t = torch.from_numpy(v)
        total = terms[0](t)
        for term in terms[1:]:
            total = total + term(t)
        return total.numpy()

    return GridLaw.of(energy, -8.0, 8.0, 2**18)


def _styblinski_tang_root() -> float:
    r"""The global minimizer of :math:`t^4 - 16 t^2 + 5 t`, by the trigonometric cubic formula.

    The stationary points solve :math:`4t^3 - 32t + 5 = 0`, i.e. :math:`t^3 + p t + q = 0`
    with :math:`p = -8`, :math:`q = 5/4`; three real roots
    :math:`t_k = 2\sqrt{-p/3} \cos\big(\tfrac13 \arccos(\tfrac{3q}{2p}\sqrt{-3/p}) - \tfrac{2\pi k}3\big)`.
    The global minimizer is the most negative root; one Newton step polishes rounding.
    """
    p, q = -8.0, 1.25
    amplitude = 2.0 * math.sqrt(-p / 3.0)
    phi = math.acos(1.5 * q / p * math.sqrt(-3.0 / p)) / 3.0
    t = min(amplitude * math.cos(phi - 2.0 * math.pi * k / 3.0) for k in range(3))
    return t - (4.0 * t**3 - 32.0 * t + 5.0) / (12.0 * t * t - 32.0)


STYBLINSKI_TANG_ROOT: float = _styblinski_tang_root()
"""The global minimizer of each Styblinski-Tang coordinate, -2.903534027771178..."""


@separable_kernel
class StyblinskiTang(ProductModes, SeparableEnergy):
    r"""The Styblinski-Tang function: a separable quartic with :math:`2^d` local minima.

    .. math::

        E(x) = \frac12 \sum_{i=1}^d \big(x_i^4 - 16 x_i^2 + 5 x_i\big), \qquad
        \partial_i E = 2 x_i^3 - 16 x_i + \tfrac52 .

    The global minimizer has every coordinate equal to :math:`t^\ast`, the most negative root
    of :math:`4t^3 - 32t + 5 = 0`, computed by the trigonometric cubic formula
    (:data:`STYBLINSKI_TANG_ROOT` :math:`\approx -2.903534`); the minimum is
    :math:`\tfrac d2 (t^{\ast 4} - 16 t^{\ast 2} + 5 t^\ast) \approx -39.16617\, d`.
    Search domain :math:`[-5, 5]^d`.

    As a density, :math:`e^{-E}` is a product of :math:`d` copies of the 1-D law
    :math:`e^{-t(x)}`, :math:`t(x) = (x^4 - 16x^2 + 5x)/2`: a deep well at :math:`t^\ast` and a
    shallow one near 2.75 holding :math:`7 \times 10^{-7}` of the mass. Its mass, mean and
    second moment come from the trapezoid rule on :math:`[-6, 6]` with :math:`2^{18}` cells
    (the integrand is smooth and falls below :math:`e^{-300}` of its peak at the ends, where
    the rule converges geometrically): ``log_partition``, ``mean`` and ``stddev``. ``sample``
    inverts the CDF of the same rule, linear in each cell of width :math:`5 \times 10^{-5}`.

    ``modes`` are the :math:`2^d` points whose coordinates are each one of the two 1-D minima,
    the roots of the cubic on either side of its middle root (the local maximum near 0.157,
    the cut between the two basins); each mode's mass is the product of its coordinates' basin
    masses, from the CDF of the same rule at the cut, and ``mode_index`` numbers the basin of
    each sample by which side of the cut each coordinate lies on
    (:class:`ebmcore.plugin.ProductModes`).

    Args:
        dim: dimension :math:`d`.

    References:
        M. A. Styblinski and T.-S. Tang, "Experiments in nonconvex optimization: stochastic
        approximation with function smoothing and simulated annealing", Neural Networks 3
        (1990); [VLSE] "Styblinski-Tang Function".

    Example:
        >>> import ebmcore
        >>> round(ebmcore.create("styblinski_tang", dim=2).minima.value, 6)
        -78.332331
    """

    compiled_kernels = ("cuda",)  # a fused torch.compile kernel for CUDA inputs
    kernel = "styblinski_tang"

    domain = (-5.0, 5.0)

    arg_constraints = {"dim": constraints.positive_integer}

    def __init__(self, dim: int = 2) -> None:
        super().__init__(dim, dim=dim)

    @staticmethod
    def term(x: Tensor) -> Tensor:
        # Horner form: exactly 0 at x = 0, and at overflowing |x| (float32) the quartic term
        # wins, +inf, not inf - inf
        return x * (x * (0.5 * (x * x) - 8.0) + 2.5)

    @staticmethod
    def term_derivative(x: Tensor) -> Tensor:
        return 2.0 * x * (x * x - 8.0) + 2.5

    @property
    def minima(self) -> Minima:
        t = STYBLINSKI_TANG_ROOT
        return Minima(
            _point(self, t),
            0.5 * self.dim * (t**4 - 16.0 * t * t + 5.0 * t),
        )

    # -- ground truth of e^{-E} (see the class docstring) -------------------------------------------

    def log_partition(self) -> float:
        return self.dim * _styblinski_tang_marginal().log_mass

    @property
    def mean(self) -> Tensor:
        """The mean of the 1-D law, for every coordinate (about -2.89)."""
        return filled(self, [_styblinski_tang_marginal().mean], "(dim,) float64 mean")[0]

    @property
    def stddev(self) -> Tensor:
        """The standard deviation of the 1-D law, for every coordinate."""
        return filled(self, [_styblinski_tang_marginal().stddev], "(dim,) float64 stddev")[0]

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        draws = _styblinski_tang_marginal().sample(n * self.dim, generator)
        return draws.reshape(n, self.dim).to(self.dtype)

    def coordinate_basins(self) -> list[Basins]:
        """The two basins of every coordinate (see :func:`_styblinski_tang_basins`)."""
        return every_coordinate(self, _styblinski_tang_basins())


@functools.cache
def _styblinski_tang_marginal() -> GridLaw:
    """The 1-D law ``exp(-t(x))``, ``t(x) = (x^4 - 16 x^2 + 5 x) / 2``, by the trapezoid rule on
    2^18 cells of [-6, 6] (see :class:`StyblinskiTang`)."""
    return GridLaw.of(lambda x: StyblinskiTang.term(torch.from_numpy(x)).numpy(), -6.0, 6.0, 2**18)


@functools.cache
def _styblinski_tang_basins() -> Basins:
    r"""The basins of :math:`t(x) = (x^4 - 16x^2 + 5x)/2`: its critical points are the three
    real roots of :math:`t'(x) = 2x^3 - 16x + \tfrac52` (about -2.90, 0.157 and 2.75; for
    :math:`|x| \ge 3`, :math:`|2x^3 - 16x| = 2|x| (x^2 - 8) \ge 6 > \tfrac52`, so all lie in
    :math:`(-3, 3)`), found from the sign changes of :math:`t'` on 2^16 cells of [-6, 6] and
    refined by bisection; the masses are the CDF of :func:`_styblinski_tang_marginal` at the
    maximum (:meth:`ebmcore.plugin.Basins.of`): the shallow well holds
    :math:`7.9 \times 10^{-7}` of the mass.
    """
    return Basins.of(
        lambda x: StyblinskiTang.term_derivative(torch.from_numpy(x)).numpy(),
        -6.0,
        6.0,
        _styblinski_tang_marginal(),
    )


@formula_kernel
class DixonPrice(FormulaEnergy):
    r"""The Dixon-Price function: a valley whose floor halves the square at each coordinate.

    .. math::

        E(x) = (x_1 - 1)^2 + \sum_{i=2}^d i\, \big(2 x_i^2 - x_{i-1}\big)^2 .

    Global minimum :math:`E = 0` where every square vanishes: :math:`x_1 = 1` and
    :math:`2 x_i^2 = x_{i-1}`, i.e. :math:`x_i = 2^{-(2^i - 2)/2^i}`. Since
    :math:`x_{i-1} = 2 x_i^2 \ge 0`, only the last coordinate may change sign, so there are two
    global minimizers (one for :math:`d = 1`): :math:`(x_1, \dots, x_{d-1}, \pm x_d)`. Search
    domain :math:`[-10, 10]^d`.

    As a density, :math:`e^{-E}` is a Markov chain read from the last coordinate to the first:
    given :math:`x_i`, the term :math:`i (x_{i-1} - 2 x_i^2)^2` is a Gaussian in :math:`x_{i-1}`
    around :math:`2 x_i^2`, of standard deviation :math:`1/\sqrt{2i}`. The first coordinate
    integrates in closed form, :math:`\int e^{-(x_1 - 1)^2 - 2 (x_1 - 2 x_2^2)^2} dx_1 =
    \sqrt{\pi/3}\, e^{-\frac23 (2 x_2^2 - 1)^2}`, and :math:`x_2, \dots, x_d` by the trapezoid
    rule on one uniform grid of :math:`[-3, 3]` (:math:`2 x_2^2 \approx x_1` keeps them within
    it), with eight nodes per standard deviation of the narrowest kernel,
    :math:`1/\sqrt{2d}`: ``log_partition``, every coordinate's ``mean`` and ``stddev``, and
    exact draws (:math:`x_d` by the inverse CDF of its law, each :math:`x_{i-1}` given
    :math:`x_i` by the inverse CDF of its law on a grid four times finer, then
    :math:`x_1 \mid x_2 \sim \mathcal N((4 x_2^2 + 1)/3, 1/6)`). For :math:`d = 1` the
    density is :math:`\mathcal N(1, \tfrac12)`. The work grows like :math:`d^2`: beyond
    :math:`d = 400`, ``log_partition()`` is None and ``sample()`` raises
    ``NotImplementedError``.

    Args:
        dim: dimension :math:`d`.

    References:
        L. C. W. Dixon and R. C. Price, "Truncated Newton method for sparse unconstrained
        optimization using automatic differentiation", J. Optim. Theory Appl. 60 (1989);
        [VLSE] "Dixon-Price Function".

    Example:
        >>> import ebmcore
        >>> ebmcore.create("dixon_price", dim=3).minima.points
        tensor([[ 1.0000,  0.7071,  0.5946],
                [ 1.0000,  0.7071, -0.5946]], dtype=torch.float64)
    """

    compiled_kernels = ("cuda",)  # a fused torch.compile kernel for CUDA inputs

    domain = (-10.0, 10.0)

    arg_constraints = {"dim": constraints.positive_integer}

    kernel = "dixon_price"
    formula_vectors = ("weight", "head")
    index: Tensor

    def __init__(self, dim: int = 2) -> None:
        super().__init__(dim, dim=dim)
        with vectors(self, 1):
            self.register_buffer("index", _index(dim)[1:])  # 2, ..., d

    @property
    def weight(self) -> Tensor:
        """``(0, 2, 3, ..., d)``: the weight of each coordinate's valley, 0 for the first (none)."""
        return F.pad(self.index, (1, 0))

    @property
    def head(self) -> Tensor:
        """``(1, 0, ..., 0)``: where the first coordinate's own term adds to the gradient."""
        return _head(self.dim)

    def forward(self, x: Tensor) -> Tensor:
        return self._energy(x)

    def _energy(self, x: Tensor) -> Tensor:
        valley = 2.0 * x[..., 1:] ** 2 - x[..., :-1]
        return (x[..., 0] - 1.0) ** 2 + (valley * valley) @ buffer_as(self, "index", x)

    @staticmethod
    def formula(x: Tensor, weight: Tensor, head: Tensor) -> tuple[Tensor, Tensor]:
        # x_{i-1} - 2 x_i^2; 0 in the first column, whose neighbour wraps around the row (a
        # select, not its weight 0 times it: x_1^2 may overflow, and 0 * inf is NaN)
        valley = torch.where(head > 0, 0.0, torch.roll(x, 1, -1) - 2.0 * x * x)
        weighted = weight * valley
        offset = head * (x - 1.0)  # x_1 - 1 in the first column, 0 elsewhere
        energy = rowsum(offset * offset + weighted * valley)
        # dE/dx_i = 2 (x_1 - 1) [i = 1] - 8 x_i w_i v_i + 2 w_{i+1} v_{i+1} (0 at i = d: wraps to w_1 = 0)
        grad = (2.0 * offset - 8.0 * x * weighted) + 2.0 * torch.roll(weighted, -1, -1)
        return energy, grad

    @property
    def minima(self) -> Minima:
        with vectors(self, 4, "(2, dim) float64 minimizers"):
            i = _index(self.dim)
            point = torch.pow(2.0, -(1.0 - torch.pow(2.0, 1.0 - i)))  # 2^{-(2^i - 2)/2^i}
        if self.dim == 1:
            return Minima(point.reshape(1, 1), 0.0)
        mirrored = point.clone()
        mirrored[-1] = -mirrored[-1]
        return Minima(torch.stack([point, mirrored]), 0.0)

    # -- ground truth: a chain from the last coordinate to the first (see the class docstring) -----

    def log_partition(self) -> float | None:
        if self.dim == 1:
            return 0.5 * math.log(math.pi)
        chain = _dixon_price_chain(self.dim)
        return None if chain is None else chain.log_mass

    @property
    def mean(self) -> Tensor | None:
        moments = _dixon_price_moments(self.dim)
        return None if moments is None else torch.from_numpy(moments[0])

    @property
    def stddev(self) -> Tensor | None:
        moments = _dixon_price_moments(self.dim)
        return None if moments is None else torch.from_numpy(moments[1])

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Exact draws, from :math:`x_d` to :math:`x_1` (see the class docstring).

        Raises:
            NotImplementedError: beyond :math:`d = 400`.
        """
        if self.dim == 1:
            return (1.0 + math.sqrt(0.5) * torch.randn(n, 1, generator=generator, dtype=torch.float64)).to(
                self.dtype
            )
        chain = _dixon_price_chain(self.dim)
        if chain is None:
            return super().sample(n, generator)
        tail = chain.sample(n, generator).flip(-1)  # x_2, ..., x_d
        second = tail[:, 0]
        first = (4.0 * second * second + 1.0) / 3.0 + math.sqrt(1.0 / 6.0) * torch.randn(
            n, generator=generator, dtype=torch.float64
        )
        return torch.cat([first[:, None], tail], dim=-1).to(self.dtype)


_DIXON_PRICE_MAX_DIM = 400
"""Beyond this many coordinates the chain's ground truth is not computed (its work grows like d^2)."""


@functools.lru_cache(maxsize=16)
def _dixon_price_chain(dim: int) -> ValleyChain | None:
    r"""The chain of :math:`x_d, \dots, x_2` (see :class:`DixonPrice`), for ``dim >= 2``."""
    if dim > _DIXON_PRICE_MAX_DIM:
        return None
    sigmas = tuple(math.sqrt(0.5 / i) for i in range(dim, 2, -1))  # between x_i and x_{i-1}
    step = min(sigmas[0] / 8.0, 1.0 / 64.0) if sigmas else 1.0 / 64.0
    nodes = np.linspace(-3.0, 3.0, 2 * math.ceil(3.0 / step) + 1)

    def last(v: np.ndarray) -> np.ndarray:  # x_1 integrated: sqrt(pi/3) e^{-(2/3) (2 x_2^2 - 1)^2}
        return 0.5 * math.log(math.pi / 3.0) - (2.0 / 3.0) * (2.0 * v * v - 1.0) ** 2

    chain = ValleyChain.build(nodes, sigmas, 2.0, None, last)
    return chain if chain.contained else None


@functools.lru_cache(maxsize=16)
def _dixon_price_moments(dim: int) -> tuple[np.ndarray, np.ndarray] | None:
    r"""Mean and standard deviation of every coordinate: :math:`x_2, \dots, x_d` from the chain,
    :math:`x_1` from :math:`x_1 \mid x_2 \sim \mathcal N((4 x_2^2 + 1)/3, 1/6)`."""
    if dim == 1:
        return np.array([1.0]), np.array([math.sqrt(0.5)])
    chain = _dixon_price_chain(dim)
    if chain is None:
        return None
    means, spreads = chain.moments()
    x, p = chain.nodes, chain.marginals[-1]  # the law of x_2
    m = (4.0 * x * x + 1.0) / 3.0
    mean_first = float(p @ m)
    spread_first = math.sqrt(1.0 / 6.0 + float(p @ (m - mean_first) ** 2))
    return np.append(mean_first, means[::-1]), np.append(spread_first, spreads[::-1])


_MICHALEWICZ_CHUNK = 2**14
"""Coordinates refined at a time: the work arrays stay at a few MB whatever the dimension."""


def _michalewicz_coordinates(dim: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Per-coordinate minimizers and minima of :math:`-\sin t \sin^{2m}(i t^2/\pi)` on :math:`[0, \pi]`.

    The function is separable, so the global minimum is the sum of the 1-D minima. For
    coordinate :math:`i` the factor :math:`\sin^{2m}(i t^2/\pi)` has peaks at
    :math:`t_k = \pi\sqrt{(k + 1/2)/i}`; the best peak is one of those nearest :math:`\pi/2`
    (where :math:`\sin t` is largest). Newton's method on
    :math:`h(t) = \log\sin t + 2m \log\lvert\sin(i t^2/\pi)\rvert`, started at those peaks and
    vectorized over coordinates (in chunks of :data:`_MICHALEWICZ_CHUNK`), refines each to
    float64 precision.
    """
    points, values = np.empty(dim), np.empty(dim)
    for start in range(0, dim, _MICHALEWICZ_CHUNK):
        stop = min(start + _MICHALEWICZ_CHUNK, dim)
        points[start:stop], values[start:stop] = _michalewicz_chunk(start + 1, stop, m)
    return points, values


def _michalewicz_chunk(first: int, last: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_michalewicz_coordinates` for the coordinates ``i = first, ..., last``."""
    i = np.arange(first, last + 1, dtype=np.float64)[:, None]
    centre = np.floor(i / 4.0 - 0.5)
    k = np.clip(centre + np.arange(-2.0, 4.0)[None, :], 0.0, i - 1.0)  # (dim, 6) candidate peaks
    lo = math.pi * np.sqrt(k / i)
    hi = np.minimum(math.pi * np.sqrt((k + 1.0) / i), math.pi)
    t = math.pi * np.sqrt((k + 0.5) / i)
    t = np.clip(t, lo, hi)
    for _ in range(60):
        u = i * t * t / math.pi
        du = 2.0 * i * t / math.pi
        cot_t = np.cos(t) / np.sin(t)
        cot_u = np.cos(u) / np.sin(u)
        first = cot_t + 2.0 * m * cot_u * du
        second = -1.0 / np.sin(t) ** 2 + 2.0 * m * (-(du**2) / np.sin(u) ** 2 + cot_u * 2.0 * i / math.pi)
        refined = np.clip(t - first / second, lo + 1e-12, hi - 1e-12)
        converged = bool(np.abs(refined - t).max() <= 1e-15)  # Newton: the next step is ~1e-30
        t = refined
        if converged:
            break
    values = -np.sin(t) * np.sin(i * t * t / math.pi) ** (2 * m)
    best = np.argmin(values, axis=1)
    rows = np.arange(len(i))
    return t[rows, best], values[rows, best]


MICHALEWICZ_MINIMUM: dict[int, float] = {
    2: -1.8013034100985532,
    5: -4.687658179088146,
    10: -9.66015171564134,
}
"""Global minima for ``m = 10``, refined in float64 (tests re-derive them with scipy).

The literature gives -1.8013 (d = 2), -4.687658 (d = 5) and -9.66015 (d = 10)
[VLSE, JY13]; these are the refined values of the same minima.
"""


@formula_kernel
class Michalewicz(FormulaEnergy):
    r"""Michalewicz's function: steep narrow valleys, separable, with :math:`d!` local minima.

    .. math::

        E(x) = -\sum_{i=1}^d \sin(x_i)\, \sin^{2m}\!\Big(\frac{i\, x_i^2}{\pi}\Big).

    Separable, so the global minimizer is found coordinate by coordinate (Newton refinement of
    each 1-D minimum, see :func:`_michalewicz_coordinates`). For :math:`m = 10` the minimum is
    -1.8013034101 (d = 2, at (2.2029, 1.5708)), -4.6876581791 (d = 5) and -9.6601517156
    (d = 10) (:data:`MICHALEWICZ_MINIMUM`; the literature quotes -1.8013, -4.687658 and
    -9.66015). Search domain :math:`[0, \pi]^d`.

    Args:
        dim: dimension :math:`d`.
        m: steepness, a positive integer (default 10).

    References:
        Z. Michalewicz, *Genetic Algorithms + Data Structures = Evolution Programs*, Springer
        (1992); [VLSE] "Michalewicz Function"; [JY13] function 88.

    Example:
        >>> import ebmcore
        >>> round(ebmcore.create("michalewicz", dim=2).minima.value, 10)
        -1.8013034101
    """

    compiled_kernels = ("cuda",)  # a fused torch.compile kernel for CUDA inputs

    domain = (0.0, math.pi)

    arg_constraints = {"dim": constraints.positive_integer, "m": constraints.positive_integer}

    kernel = "michalewicz"
    formula_vectors = ("scale",)
    scale: Tensor

    def __init__(self, dim: int = 2, m: int = 10) -> None:
        super().__init__(dim, dim=dim, m=m)
        self.m = int(m)
        with vectors(self, 2):
            self.register_buffer("scale", _index(dim) / math.pi)  # i / pi

    def forward(self, x: Tensor) -> Tensor:
        return self._energy(x)

    def _energy(self, x: Tensor) -> Tensor:
        inner = torch.sin(buffer_as(self, "scale", x) * x * x)
        return rowsum(torch.sin(x) * inner ** (2 * self.m), -1.0)

    def formula_parameters(self) -> tuple[float, ...]:
        return (self.m,)

    @staticmethod
    def formula(x: Tensor, scale: Tensor, m: int) -> tuple[Tensor, Tensor]:
        u = scale * x * x  # i x^2 / pi
        s_u = torch.sin(u)
        s2 = s_u * s_u
        power = integer_power(s2, m - 1)  # sin^{2m-2} u
        s_x = torch.sin(x)
        energy = rowsum(s_x * s2 * power, -1.0)
        # dE/dx = -power [cos x s2 + sin x 2m s_u c_u 2 i x / pi]
        grad = -power * (torch.cos(x) * s2 + (4.0 * m) * scale * x * s_x * s_u * torch.cos(u))
        return energy, grad

    @property
    def minima(self) -> Minima:
        with vectors(self, 3, "(1, dim) float64 minimizer and the per-coordinate minima"):
            points, values = _michalewicz_coordinates(self.dim, self.m)
            return Minima(torch.from_numpy(points).reshape(1, -1), float(values.sum()))


@formula_kernel
class Zakharov(FormulaEnergy):
    r"""Zakharov's function: a plate-shaped bowl with a quartic ridge along :math:`(1, 2, \dots, d)`.

    .. math::

        E(x) = \sum_{i=1}^d x_i^2 + S^2 + S^4, \qquad S = \sum_{i=1}^d \tfrac i2 x_i, \qquad
        \partial_i E = 2 x_i + \tfrac i2 (2 S + 4 S^3).

    Global minimum :math:`E(0) = 0`; search domain :math:`[-5, 10]^d`.

    As a density, :math:`e^{-E}` splits along :math:`w = (\tfrac12, 1, \dots, \tfrac d2)`: with
    :math:`S = w \cdot x` and :math:`x_\perp` the part of :math:`x` orthogonal to :math:`w`,
    :math:`|x|^2 = |x_\perp|^2 + S^2 / |w|^2`, so :math:`E = |x_\perp|^2 + a S^2 + S^4` with
    :math:`a = 1 + 1/|w|^2`. So :math:`x_\perp` is
    Gaussian (variance :math:`\tfrac12` in each of its :math:`d - 1` directions) and
    :math:`S` has the 1-D law :math:`e^{-(a S^2 + S^4)}`, and
    :math:`Z = \pi^{(d-1)/2} J(a) / |w|`, :math:`J(a) = \int e^{-(a s^2 + s^4)} ds`, from the
    trapezoid rule (2^16 cells on :math:`[-6, 6]`, geometric convergence): ``log_partition``,
    ``mean`` (0) and ``stddev``. ``sample`` draws :math:`S` exactly by rejection from
    :math:`\mathcal N(0, 1/(2a))` (kept with probability :math:`e^{-S^4}`, at least 73%), and
    :math:`x_\perp` from the Gaussian.

    Args:
        dim: dimension :math:`d`.

    References:
        [VLSE] "Zakharov Function"; [JY13] function 172.

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("zakharov", dim=2).energy(torch.tensor([2.0, 0.0]))
        tensor(6.)
    """

    compiled_kernels = ("cuda",)  # a fused torch.compile kernel for CUDA inputs

    domain = (-5.0, 10.0)
    minimizer = 0.0
    symmetric_about = 0.0  # the density is even: its mean is 0

    arg_constraints = {"dim": constraints.positive_integer}

    kernel = "zakharov"
    formula_vectors = ("half_index",)
    half_index: Tensor

    def __init__(self, dim: int = 2) -> None:
        super().__init__(dim, dim=dim)
        with vectors(self, 2):
            self.register_buffer("half_index", 0.5 * _index(dim))

    def forward(self, x: Tensor) -> Tensor:
        s = x @ buffer_as(self, "half_index", x)
        return rowsum(x * x) + s**2 + s**4

    @staticmethod
    def formula(x: Tensor, w: Tensor) -> tuple[Tensor, Tensor]:
        s = rowsum(x * w)
        energy = rowsum(x * x) + s * s + s**4
        coefficient = (2.0 * s * s + 1.0) * s  # S + 2 S^3 (grad = 2 x + 2 (S + 2 S^3) w)
        grad = 2.0 * (x + coefficient.unsqueeze(-1) * w)
        return energy, grad

    # -- ground truth of e^{-E} (see the class docstring) -------------------------------------------

    def _ridge(self) -> tuple[Tensor, float, float, float]:
        """``w / |w|`` (float64, on the CPU), ``|w|^2``, ``log J(a)`` and ``E[S^2]`` under
        ``exp(-(a S^2 + S^4))``."""
        norm = self.dim * (self.dim + 1.0) * (2.0 * self.dim + 1.0) / 24.0  # sum (i / 2)^2
        with vectors(self, 1):
            unit = torch.arange(1, self.dim + 1, dtype=torch.float64) / (2.0 * math.sqrt(norm))
        return (unit, norm, *_quartic_law(1.0 + 1.0 / norm))

    def log_partition(self) -> float:
        _, norm, log_j, _ = self._ridge()
        return 0.5 * (self.dim - 1) * math.log(math.pi) + log_j - 0.5 * math.log(norm)

    @property
    def stddev(self) -> Tensor:
        r""":math:`\sqrt{\tfrac12 (1 - u_i^2) + u_i^2 E[S^2] / |w|^2}`, :math:`u = w / |w|`."""
        unit, norm, _, second = self._ridge()
        along = unit * unit
        return torch.sqrt(0.5 * (1.0 - along) + along * (second / norm))

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        unit, norm, _, _ = self._ridge()
        a = 1.0 + 1.0 / norm
        z = torch.randn(n, self.dim, generator=generator, dtype=torch.float64) * math.sqrt(0.5)

        def accepted(remaining: int) -> Tensor:  # S from N(0, 1 / 2a), kept with e^-S^4
            count = max(2 * remaining, 64)
            proposal = torch.randn(count, generator=generator, dtype=torch.float64) / math.sqrt(2.0 * a)
            uniform = torch.rand(count, generator=generator, dtype=torch.float64)
            return proposal[uniform < torch.exp(-(proposal**4))]

        ridge = fill_by_rejection(n, accepted)
        across = z - (z @ unit).unsqueeze(-1) * unit  # x_perp: z without its part along u
        return (across + (ridge / math.sqrt(norm)).unsqueeze(-1) * unit).to(self.dtype)


@functools.cache
def _quartic_law(a: float) -> tuple[float, float]:
    """``log J(a)`` and ``E[s^2]`` of ``exp(-(a s^2 + s^4))``, by the trapezoid rule."""
    law = GridLaw.of(lambda s: a * s * s + s**4, -6.0, 6.0)
    return law.log_mass, law.expect(lambda s: s * s)
