"""Variable-dimension test functions: Powell, Schwefel, Trid, Perm (d, beta) and three bowls.

Each takes ``dim`` (default 2; Powell's default is 4, the smallest it allows). Sources: see
:mod:`ebmcore_classic._common`.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ebmcore import BaseModel, Minima, Modes, constraints
from ebmcore.plugin import GaussianLaw, allocation

from ._common import index

__all__ = [
    "PERM_MINIMIZERS",
    "SCHWEFEL_CONSTANT",
    "SCHWEFEL_MINIMIZER",
    "Perm",
    "Powell",
    "RotatedHyperEllipsoid",
    "Schwefel",
    "SumOfDifferentPowers",
    "SumSquares",
    "Trid",
]

MULTIPLE_OF_FOUR = constraints.Constraint(
    lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 4 and v % 4 == 0,
    "a positive multiple of 4",
)


def _flat_bounds(low: float, high: float, dim: int) -> Tensor:
    """The ``(2, dim)`` float64 box ``[low, high]^dim``."""
    return torch.tensor([[low], [high]], dtype=torch.float64).expand(2, dim).clone()


class Powell(BaseModel):
    r"""Powell's singular function: a convex quartic with a degenerate minimum.

    .. math::

        E(x) = \sum_{i=1}^{d/4} \Big[(x_{4i-3} + 10 x_{4i-2})^2 + 5 (x_{4i-1} - x_{4i})^2
               + (x_{4i-2} - 2 x_{4i-1})^4 + 10 (x_{4i-3} - x_{4i})^4\Big],

    for :math:`d` a multiple of 4. Global minimum :math:`E(0) = 0`, unique, where the Hessian
    is singular (rank :math:`d/2`: the quartic terms alone hold the minimum in place, which is
    what makes Newton-type methods converge slowly here). Search domain :math:`[-4, 5]^d`.

    As a density, each block of four coordinates is independent, and within a block the four
    terms are functions of :math:`(a, b, c, e) = M x` with :math:`a = x_1 + 10 x_2`,
    :math:`b = x_3 - x_4`, :math:`c = x_2 - 2 x_3`, :math:`e = x_1 - x_4`, a linear map of
    determinant 21: :math:`e^{-E}` is the product of :math:`e^{-a^2}`, :math:`e^{-5 b^2}`,
    :math:`e^{-c^4}` and :math:`e^{-10 e^4}`, so

    .. math::

        \log Z = \frac d4 \Big[\log \sqrt\pi + \log \sqrt{\pi/5} + 2 \log\big(2\Gamma(\tfrac54)\big)
                  - \tfrac14 \log 10 - \log 21\Big],

    the mean is 0 (the density is even) and the covariance of a block is
    :math:`M^{-1} \operatorname{diag}(\tfrac12, \tfrac1{10}, \gamma, \gamma/\sqrt{10})\,
    M^{-\top}`, :math:`\gamma = \Gamma(\tfrac34)/\Gamma(\tfrac14)` (``stddev``). ``sample``
    draws :math:`a, b` from their Gaussians and :math:`c, e` as generalized normal laws (as
    :class:`SumOfDifferentPowers`), then :math:`x = M^{-1} (a, b, c, e)`.

    Args:
        dim: dimension :math:`d`, a positive multiple of 4 (default 4).

    References:
        M. J. D. Powell, "An iterative method for finding stationary values of a function of
        several variables", The Computer Journal 5 (1962); [VLSE] "Powell Function";
        [BoTorch] ``Powell``.

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("powell").energy(torch.tensor([3.0, -1.0, 0.0, 1.0]))
        tensor(215.)
    """

    domain = (-4.0, 5.0)
    minimizer = 0.0
    symmetric_about = 0.0  # the density is even: its mean is 0

    arg_constraints = {"dim": MULTIPLE_OF_FOUR}

    def __init__(self, dim: int = 4) -> None:
        super().__init__(dim, dim=dim)

    @staticmethod
    def _terms(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
        x1, x2, x3, x4 = x.unflatten(-1, (-1, 4)).unbind(-1)  # each (*batch, d / 4)
        a, b, c, e = x1 + 10.0 * x2, x3 - x4, x2 - 2.0 * x3, x1 - x4
        c2, e2 = c * c, e * e
        energy = (a * a + 5.0 * b * b + c2 * c2 + 10.0 * e2 * e2).sum(-1)
        return a, b, c, e, energy

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[4]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        a, b, c, e, energy = self._terms(x)
        c3, e3 = c * c * c, e * e * e
        grad = torch.stack(
            [2.0 * a + 40.0 * e3, 20.0 * a + 4.0 * c3, 10.0 * b - 8.0 * c3, -10.0 * b - 40.0 * e3], dim=-1
        )
        return energy, grad.flatten(-2)

    # -- ground truth of e^{-E} (see the class docstring) -------------------------------------------

    def log_partition(self) -> float:
        quartic = math.log(2.0 * math.gamma(1.25))
        block = 0.5 * math.log(math.pi) + 0.5 * math.log(math.pi / 5.0) + 2.0 * quartic
        return (self.dim // 4) * (block - 0.25 * math.log(10.0) - math.log(21.0))

    @property
    def stddev(self) -> Tensor:
        r""":math:`\sqrt{\operatorname{diag}(M^{-1} D M^{-\top})}` for every block."""
        inverse = torch.linalg.inv(_POWELL_MAP)
        covariance = inverse @ torch.diag(_POWELL_SCALES**2 * _POWELL_LATENT_VARIANCE) @ inverse.mT
        return torch.diagonal(covariance).sqrt().repeat(self.dim // 4)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        blocks = self.dim // 4
        gaussian = torch.randn(n, blocks, 2, generator=generator, dtype=torch.float64)
        quartic = _generalized_normal(torch.full((n, blocks, 2), 4.0, dtype=torch.float64), generator)
        latent = torch.cat([gaussian * math.sqrt(0.5), quartic], dim=-1) * _POWELL_SCALES  # (a, b, c, e)
        return (
            torch.linalg.solve(_POWELL_MAP, latent.unsqueeze(-1))
            .squeeze(-1)
            .reshape(n, self.dim)
            .to(self.dtype)
        )


_POWELL_MAP = torch.tensor(
    [[1.0, 10.0, 0.0, 0.0], [0.0, 0.0, 1.0, -1.0], [0.0, 1.0, -2.0, 0.0], [1.0, 0.0, 0.0, -1.0]],
    dtype=torch.float64,
)
"""``M``: a block's ``(a, b, c, e) = M x`` (determinant 21)."""
_POWELL_SCALES = torch.tensor([1.0, 1.0 / math.sqrt(5.0), 1.0, 10.0**-0.25], dtype=torch.float64)
"""``(a, b, c, e)`` as these multiples of laws ``e^{-t^2}`` (a, b) and ``e^{-t^4}`` (c, e)."""
_POWELL_LATENT_VARIANCE = torch.tensor(
    [0.5, 0.5, math.gamma(0.75) / math.gamma(0.25), math.gamma(0.75) / math.gamma(0.25)], dtype=torch.float64
)
"""The variances of ``e^{-t^2}`` and ``e^{-t^4}``: 1/2 and Gamma(3/4) / Gamma(1/4)."""


SCHWEFEL_MINIMIZER = 420.96874635998205
r"""The maximizer of :math:`t \sin\sqrt{|t|}` on :math:`[-500, 500]` (Newton, 60 digits)."""

SCHWEFEL_CONSTANT = 418.9828872724337
r""":math:`\max_t t \sin\sqrt{|t|}` on :math:`[-500, 500]`, the value at :data:`SCHWEFEL_MINIMIZER`
(correctly rounded; the literature's 418.9829 is this rounded to 4 decimals)."""


class Schwefel(BaseModel):
    r"""Schwefel's function (problem 2.26): a rugged separable landscape, minimum near a corner.

    .. math::

        E(x) = \sum_{i=1}^{d} \Big(c - x_i \sin\sqrt{|x_i|}\Big), \qquad c = 418.9828872724337,

    i.e. :math:`c\,d - \sum_i x_i \sin\sqrt{|x_i|}`, with :math:`c` the exact maximum of
    :math:`t \sin\sqrt{|t|}` on the domain (:data:`SCHWEFEL_CONSTANT`), so that the global
    minimum is :math:`E = 0` (to rounding) at :math:`x_i = 420.9687463600`
    (:data:`SCHWEFEL_MINIMIZER`). The second-best local minimum of each coordinate term is at
    :math:`-302.52` (term value 118.44), at the other end of the domain. Search domain :math:`[-500, 500]^d`.

    **Literature.** [VLSE] and [JY13] write :math:`c = 418.9829` and state :math:`E = 0` at
    :math:`x_i = 420.9687`; with that rounded constant the minimum is
    :math:`1.2727566 \cdot 10^{-5}\, d` (:math:`2.5455 \cdot 10^{-5}` for :math:`d = 2`), not
    0. Multiply by :math:`d` and add to compare with values computed with 418.9829.

    **Gradient at** :math:`x_i = 0`: :math:`t \sin\sqrt{|t|}` is continuously differentiable
    there (it behaves like :math:`t\sqrt{|t|}`), with derivative
    :math:`\sin\sqrt{|t|} + \tfrac12 \sqrt{|t|} \cos\sqrt{|t|} = 0`; the gradient returned is
    that formula, finite everywhere (autograd through the textbook formula gives NaN at 0,
    from the infinite derivative of :math:`\sqrt{|t|}` times 0).

    Args:
        dim: dimension :math:`d` (default 2).

    References:
        H.-P. Schwefel, *Numerical Optimization of Computer Models*, Wiley (1981);
        [VLSE] "Schwefel Function"; [JY13] function 128.

    Example:
        >>> import torch, ebmcore
        >>> model = ebmcore.create("schwefel", dim=3)
        >>> model.energy(torch.full((3,), 420.96874635998205, dtype=torch.float64)).abs() < 1e-12
        tensor(True)
    """

    domain = (-500.0, 500.0)
    minimizer = SCHWEFEL_MINIMIZER

    arg_constraints = {"dim": constraints.positive_integer}

    def __init__(self, dim: int = 2) -> None:
        super().__init__(dim, dim=dim)

    @staticmethod
    def _terms(x: Tensor) -> tuple[Tensor, Tensor]:
        root = torch.sqrt(torch.abs(x))
        return root, (SCHWEFEL_CONSTANT - x * torch.sin(root)).sum(-1)

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[1]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        root, energy = self._terms(x)
        # d(t sin sqrt|t|)/dt = sin sqrt|t| + sqrt|t| cos(sqrt|t|) / 2, also at t = 0
        return energy, -(torch.sin(root) + 0.5 * root * torch.cos(root))


class Trid(GaussianLaw, BaseModel):
    r"""The Trid function: a convex quadratic with a tridiagonal Hessian and no local minima.

    .. math::

        E(x) = \sum_{i=1}^{d} (x_i - 1)^2 - \sum_{i=2}^{d} x_i x_{i-1} .

    Its Hessian is :math:`H = \operatorname{tridiag}(-1, 2, -1)` (positive definite), the
    unique global minimizer is :math:`x^\ast_i = i (d + 1 - i)` and the minimum is
    :math:`E^\ast = -d (d + 4)(d - 1)/6` (:math:`-50` for :math:`d = 6`, :math:`-210` for
    :math:`d = 10`). The code evaluates the same quadratic around its minimizer,

    .. math::

        E(x) = E^\ast + \tfrac12 \Big(v_1^2 + v_d^2 + \sum_{i=2}^{d} (v_i - v_{i-1})^2\Big),
        \qquad v = x - x^\ast,

    a sum of squares (no :math:`\infty - \infty` where the terms overflow), exact at the
    minimizer. Search domain :math:`[-d^2, d^2]^d`. A quadratic, :math:`e^{-E}` is the Gaussian
    :math:`\mathcal N(x^\ast, H^{-1})`: ``log_partition`` (:math:`-E^\ast + \tfrac d2 \log 2\pi
    - \tfrac12 \log(d + 1)`, as :math:`\det H = d + 1`), ``sample``, ``mean``, ``stddev``
    (:math:`(H^{-1})_{ii} = i (d + 1 - i) / (d + 1)`) and ``modes`` give it
    (:class:`ebmcore.plugin.GaussianLaw`).

    Args:
        dim: dimension :math:`d` (default 2).

    References:
        [VLSE] "Trid Function"; [JY13] function 150.

    Example:
        >>> import torch, ebmcore
        >>> model = ebmcore.create("trid", dim=6)
        >>> model.minima
        Minima(points=tensor([[ 6., 10., 12., 12., 10.,  6.]], dtype=torch.float64), value=-50.0, count=1)
        >>> model.energy(torch.zeros(6))
        tensor(6.)
    """

    arg_constraints = {"dim": constraints.positive_integer}

    def __init__(self, dim: int = 2) -> None:
        super().__init__(dim, dim=dim)
        self.optimum = -dim * (dim + 4) * (dim - 1) / 6.0  # E at the minimizer

    def _terms(self, x: Tensor) -> tuple[Tensor, Tensor]:
        i = index(self.dim, x)
        v = x - i * (self.dim + 1.0 - i)
        steps = v[..., 1:] - v[..., :-1]
        ends = v[..., 0] * v[..., 0] + v[..., -1] * v[..., -1]
        return v, self.optimum + 0.5 * (ends + (steps * steps).sum(-1))

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[1]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        v, energy = self._terms(x)
        # H v: 2 v_i - v_{i-1} - v_{i+1}, with v_0 = v_{d+1} = 0
        below = torch.nn.functional.pad(v[..., :-1], (1, 0))  # v_{i-1}
        above = torch.nn.functional.pad(v[..., 1:], (0, 1))  # v_{i+1}
        return energy, 2.0 * v - below - above

    @property
    def bounds(self) -> Tensor:
        return _flat_bounds(-(float(self.dim) ** 2), float(self.dim) ** 2, self.dim)

    @property
    def minima(self) -> Minima:
        i = torch.arange(1, self.dim + 1, dtype=torch.float64)
        return Minima((i * (self.dim + 1 - i)).unsqueeze(0), self.optimum)

    def gaussian_law(self) -> tuple[Tensor, Tensor, float]:
        d = self.dim
        with allocation(8.0 * d * d, "(dim, dim) float64 Hessian", parameter="dim", value=d, energy="Trid"):
            hessian = 2.0 * torch.eye(d, dtype=torch.float64)
            hessian.diagonal(1).fill_(-1.0)
            hessian.diagonal(-1).fill_(-1.0)
        return self.minima.points[0], hessian, self.optimum


PERM_MINIMIZERS: dict[int, list[tuple[float, ...]]] = {
    3: [(1.0, 2.0, 3.0)],
    4: [
        (1.0, 2.0, 3.0, 4.0),
        (1.5522943663850384, 1.2149513628953708, 3.9614061773452973, 3.1388699613929325),
        (1.6212061963490199, 1.1705336231204515, 3.1218888667269313, 3.966951109980284),
        (1.0410874209311263, 1.8825980011088148, 3.987661918329885, 3.051421448147342),
    ],
}
r"""The global minimizers of Perm (d, :math:`\beta = 1/2`) in :math:`[-d, d]^d` for
:math:`d = 3, 4`: every real zero of its residuals there, counted exactly (lex Gröbner basis
in rational arithmetic, sympy) and refined by Newton's method (60 digits)."""


class Perm(BaseModel):
    r"""The Perm function (d, :math:`\beta`): a sum of squared weighted power residuals.

    .. math::

        E(x) = \sum_{i=1}^{d} \Big(\sum_{j=1}^{d} (j^i + \beta)
               \Big[\Big(\frac{x_j}{j}\Big)^i - 1\Big]\Big)^2 .

    :math:`E \ge 0`, and :math:`E = 0` at :math:`x = (1, 2, \dots, d)`, the minimizer
    [VLSE] gives. It is **not the only one**: :math:`E = 0` wherever the :math:`d` residuals
    vanish, a polynomial system with more real solutions. The global minimizers in the search
    domain :math:`[-d, d]^d` are:

    - :math:`d = 1`: :math:`x = 1`;
    - :math:`d = 2`, any :math:`\beta > 0`: two, :math:`(1, 2)` and
      :math:`\big(1 + 4(2 + \beta)/D, 2 - 8(1 + \beta)/D\big)` with
      :math:`D = (2 + \beta)^2 + (1 + \beta)(4 + \beta)` (eliminate :math:`x_1` from the
      linear residual: a quadratic with these two roots), :math:`(23/13, 14/13)` for
      :math:`\beta = 1/2`;
    - :math:`d = 3`, :math:`\beta = 1/2`: one, :math:`(1, 2, 3)`; three more zeros lie just
      outside the box (each has one coordinate in :math:`(3, 3.07)`);
    - :math:`d = 4`, :math:`\beta = 1/2`: four (:data:`PERM_MINIMIZERS`), all inside the box.

    The counts for :math:`d = 3, 4` are exact (the real roots of a lex Gröbner basis in
    rational arithmetic). For other :math:`d` and :math:`\beta` the set of zeros is not known
    here: ``minima`` is None, and ``minimum_value`` is 0 (the minimum, attained at
    :math:`(1, \dots, d)`).

    The powers :math:`(x_j/j)^i` make the function badly scaled for large :math:`d` (they
    reach :math:`d^d`): :math:`O(d^2)` work per sample. Where odd powers of coordinates of both
    signs overflow the dtype within one residual (:math:`|x_j|` beyond about
    :math:`\max^{1/3}`, :math:`10^{12}` in float32, for :math:`d \ge 3`), the residual is
    :math:`\infty - \infty` and the energy and gradient NaN (the exact values, but for a
    cancellation, overflow there too).

    Args:
        dim: dimension :math:`d` (default 2).
        beta: :math:`\beta > 0` (default 0.5, as in [VLSE]).

    References:
        [VLSE] "Perm Function d, beta"; A.-R. Hedar, *Global optimization test problems*,
        Kyoto University (2007).

    Example:
        >>> import ebmcore
        >>> ebmcore.create("perm").minima
        Minima(points=tensor([[1.0000, 2.0000],
                [1.7692, 1.0769]], dtype=torch.float64), value=0.0, count=2)
    """

    arg_constraints = {"dim": constraints.positive_integer, "beta": constraints.positive}

    def __init__(self, dim: int = 2, beta: float = 0.5) -> None:
        super().__init__(dim, dim=dim, beta=beta)
        self.beta = float(beta)

    def _terms(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
        d = self.dim
        j = index(d, x)
        ratio = x / j
        # powers[..., i - 1, j - 1] = (x_j / j)^i, i = 1..d, by a running product over i
        powers = torch.cumprod(ratio.unsqueeze(-2).expand(*ratio.shape[:-1], d, d), dim=-2)
        weights = j ** index(d, x).unsqueeze(-1) + self.beta  # [i - 1, j - 1] = j^i + beta
        residual = (weights * (powers - 1.0)).sum(-1)
        return j, ratio, powers, weights, residual

    def forward(self, x: Tensor) -> Tensor:
        residual = self._terms(x)[4]
        return (residual * residual).sum(-1)

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        j, ratio, powers, weights, residual = self._terms(x)
        energy = (residual * residual).sum(-1)
        # d (x_j / j)^i / dx_j = i (x_j / j)^(i - 1) / j
        lower = torch.cat([torch.ones_like(ratio).unsqueeze(-2), powers[..., :-1, :]], dim=-2)
        i = index(self.dim, x).unsqueeze(-1)
        grad = ((2.0 * residual).unsqueeze(-1) * weights * i * lower).sum(-2) / j
        return energy, grad

    @property
    def bounds(self) -> Tensor:
        return _flat_bounds(-float(self.dim), float(self.dim), self.dim)

    @property
    def minima(self) -> Minima | None:
        d, beta = self.dim, self.beta
        if d == 1:
            return Minima([[1.0]], 0.0)
        if d == 2:
            denominator = (2.0 + beta) ** 2 + (1.0 + beta) * (4.0 + beta)
            other = (1.0 + 4.0 * (2.0 + beta) / denominator, 2.0 - 8.0 * (1.0 + beta) / denominator)
            return Minima([(1.0, 2.0), other], 0.0)
        if beta == 0.5 and d in PERM_MINIMIZERS:
            return Minima(PERM_MINIMIZERS[d], 0.0)
        return None

    @property
    def minimum_value(self) -> float:
        return 0.0


class SumOfDifferentPowers(BaseModel):
    r"""The sum of different powers: a bowl that flattens along the later coordinates.

    .. math::

        E(x) = \sum_{i=1}^{d} |x_i|^{i + 1}, \qquad
        \partial_i E = (i + 1) |x_i|^{i - 1} x_i .

    Convex, continuously differentiable (every exponent is at least 2). Global minimum
    :math:`E(0) = 0`, unique; degenerate for :math:`d \ge 2` (the Hessian there is
    :math:`\operatorname{diag}(2, 0, \dots, 0)`: :math:`|x_i|^{i+1}` is flat to order
    :math:`i`). Search domain :math:`[-1, 1]^d`.

    As a density, :math:`e^{-E}` is a product of generalized normal laws,
    :math:`e^{-|x_i|^{p}}` with :math:`p = i + 1`, each of mass :math:`2\Gamma(1 + 1/p)` and
    variance :math:`\Gamma(3/p) / \Gamma(1/p)`: ``log_partition``, ``mean`` (0), ``stddev`` and
    ``modes`` (the one at 0) give them. ``sample`` draws :math:`|x_i| = G^{1/p} U`,
    :math:`G \sim \operatorname{Gamma}(1 + 1/p)` (Marsaglia and Tsang's method),
    :math:`U` uniform on :math:`[0, 1]` (:math:`|x_i|^p \sim \operatorname{Gamma}(1/p)`, written so
    that nothing underflows for large :math:`p`), with a random sign.

    Args:
        dim: dimension :math:`d` (default 2).

    References:
        [VLSE] "Sum of Different Powers Function"; [JY13] function 137.

        G. Marsaglia and W. W. Tsang, "A simple method for generating gamma variables", ACM
        Trans. Math. Softw. 26 (2000).

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("sum_of_different_powers", dim=3).energy(torch.tensor([0.5, -0.5, 0.5]))
        tensor(0.4375)
    """

    symmetric_about = 0.0  # the density is even: its mean is 0

    domain = (-1.0, 1.0)
    minimizer = 0.0

    arg_constraints = {"dim": constraints.positive_integer}

    def __init__(self, dim: int = 2) -> None:
        super().__init__(dim, dim=dim)

    def _terms(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        exponent = index(self.dim, x, start=2)
        # |x|^(i + 1) as |x|^(i - 1) x^2, the same; at x = 0 the factor |x|^(i - 1) is taken as
        # the constant 1 (i = 1) or 0, so that derivatives of every order are right there too
        # (pow's own derivatives at 0 are inf * 0 = NaN from the second order on)
        zero = x == 0
        base = torch.where(zero, 1.0, torch.abs(x))
        lower = torch.where(zero, (exponent == 2.0).to(x.dtype), base ** (exponent - 2.0))
        return exponent, lower, (lower * x * x).sum(-1)

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[2]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        exponent, lower, energy = self._terms(x)
        return energy, exponent * lower * x

    # -- ground truth of e^{-E} (see the class docstring) -------------------------------------------

    def _powers(self) -> Tensor:
        return torch.arange(2, self.dim + 2, dtype=torch.float64)

    def log_partition(self) -> float:
        return float((math.log(2.0) + torch.lgamma(1.0 + 1.0 / self._powers())).sum())

    @property
    def stddev(self) -> Tensor:
        r""":math:`\sqrt{\Gamma(3/p) / \Gamma(1/p)}` for coordinate :math:`i`, :math:`p = i + 1`."""
        p = self._powers()
        return torch.exp(0.5 * (torch.lgamma(3.0 / p) - torch.lgamma(1.0 / p)))

    @property
    def modes(self) -> Modes:
        """The one mode, at 0."""
        return Modes(torch.zeros(1, self.dim, dtype=torch.float64), [1.0])

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        return _generalized_normal(self._powers().expand(n, self.dim), generator).to(self.dtype)


def _generalized_normal(p: Tensor, generator: torch.Generator | None) -> Tensor:
    r"""Draws of density :math:`\propto e^{-|x|^p}`, one for every entry of ``p`` (float64):
    :math:`|x| = G^{1/p} U`, :math:`G \sim \operatorname{Gamma}(1 + 1/p)`, :math:`U` uniform on
    :math:`[0, 1]` (so :math:`|x|^p \sim \operatorname{Gamma}(1/p)`; nothing underflows for
    large :math:`p`), with a random sign."""
    gamma = _standard_gamma(1.0 + 1.0 / p, generator)
    uniform = torch.rand(p.shape, generator=generator, dtype=torch.float64)
    negative = torch.rand(p.shape, generator=generator, dtype=torch.float64) < 0.5
    magnitude = gamma ** (1.0 / p) * uniform
    return torch.where(negative, -magnitude, magnitude)


def _standard_gamma(shape: Tensor, generator: torch.Generator | None) -> Tensor:
    """Gamma(shape, 1) draws for every entry of ``shape`` (float64, each at least 1): Marsaglia
    and Tsang's rejection from a transformed normal, about 98% of proposals kept."""
    d = shape - 1.0 / 3.0
    c = 1.0 / torch.sqrt(9.0 * d)
    out = torch.empty_like(shape)
    pending = torch.ones_like(shape, dtype=torch.bool)
    while bool(pending.any()):
        dp, cp = d[pending], c[pending]
        z = torch.randn(dp.shape, generator=generator, dtype=torch.float64)
        u = torch.rand(dp.shape, generator=generator, dtype=torch.float64)
        v = (1.0 + cp * z) ** 3
        ok = (v > 0) & (torch.log(u) < 0.5 * z * z + dp - dp * v + dp * torch.log(v.clamp_min(1e-300)))
        index = pending.nonzero(as_tuple=True)
        out[tuple(i[ok] for i in index)] = (dp * v)[ok]
        pending[tuple(i[ok] for i in index)] = False
    return out


class RotatedHyperEllipsoid(GaussianLaw, BaseModel):
    r"""The rotated hyper-ellipsoid: nested sums of squares.

    .. math::

        E(x) = \sum_{i=1}^{d} \sum_{j=1}^{i} x_j^2 = \sum_{j=1}^{d} (d + 1 - j)\, x_j^2,
        \qquad \partial_j E = 2 (d + 1 - j) x_j .

    (A diagonal quadratic, despite its name.) Global minimum :math:`E(0) = 0`; search domain
    :math:`[-65.536, 65.536]^d`.

    Args:
        dim: dimension :math:`d` (default 2).

    References:
        [VLSE] "Rotated Hyper-Ellipsoid Function".

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("rotated_hyper_ellipsoid", dim=3).energy(torch.ones(3))
        tensor(6.)
    """

    domain = (-65.536, 65.536)
    minimizer = 0.0

    arg_constraints = {"dim": constraints.positive_integer}

    def __init__(self, dim: int = 2) -> None:
        super().__init__(dim, dim=dim)

    @staticmethod
    def _energy(x: Tensor) -> Tensor:
        return torch.cumsum(x * x, dim=-1).sum(-1)

    def forward(self, x: Tensor) -> Tensor:
        return self._energy(x)

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        weight = index(self.dim, x).flip(0)  # d + 1 - j
        return self._energy(x), 2.0 * weight * x

    def gaussian_law(self) -> tuple[Tensor, Tensor, float]:
        # E = sum_j (d - j + 1) x_j^2: the precision is 2 (d - j + 1) on the diagonal
        weight = torch.arange(self.dim, 0, -1, dtype=torch.float64)
        return torch.zeros(self.dim, dtype=torch.float64), 2.0 * weight, 0.0


class SumSquares(GaussianLaw, BaseModel):
    r"""The sum squares function (axis-parallel hyper-ellipsoid): a weighted sphere.

    .. math::

        E(x) = \sum_{i=1}^{d} i\, x_i^2, \qquad \partial_i E = 2 i x_i .

    Global minimum :math:`E(0) = 0`; search domain :math:`[-10, 10]^d`.

    Args:
        dim: dimension :math:`d` (default 2).

    References:
        [VLSE] "Sum Squares Function"; [JY13] function 139.

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("sum_squares", dim=3).energy(torch.ones(3))
        tensor(6.)
    """

    domain = (-10.0, 10.0)
    minimizer = 0.0

    arg_constraints = {"dim": constraints.positive_integer}

    def __init__(self, dim: int = 2) -> None:
        super().__init__(dim, dim=dim)

    def _terms(self, x: Tensor) -> tuple[Tensor, Tensor]:
        weight = index(self.dim, x)
        return weight, (weight * x * x).sum(-1)

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[1]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        weight, energy = self._terms(x)
        return energy, 2.0 * weight * x

    def gaussian_law(self) -> tuple[Tensor, Tensor, float]:
        weight = torch.arange(1, self.dim + 1, dtype=torch.float64)  # E = sum_i i x_i^2
        return torch.zeros(self.dim, dtype=torch.float64), 2.0 * weight, 0.0
