"""Rosenbrock's valley."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor

from ebmcore import Minima, Modes, constraints

from ._chain import ValleyChain
from ._fast import rowsum
from ._formula import FormulaEnergy, formula_kernel
from ._memory import filled, vectors

__all__ = ["Rosenbrock"]


@formula_kernel
class Rosenbrock(FormulaEnergy):
    r"""The (extended) Rosenbrock function: a long, curved, flat-bottomed valley.

    .. math::

        E(x) = \sum_{i=1}^{d-1} \big[ b\,(x_{i+1} - x_i^2)^2 + (a - x_i)^2 \big]

    with gradient
    :math:`\partial_i E = -4 b\, x_i (x_{i+1} - x_i^2) - 2 (a - x_i) + 2 b\,(x_i - x_{i-1}^2)`
    (terms that fall outside ``1..d`` dropped). For ``a = 1`` (or ``a = 0``) the global minimum
    is :math:`x = (a, \dots, a)` with :math:`E = 0`; for other ``a`` it is :math:`(a, a^2)` in
    two dimensions and not known in closed form beyond.

    In two dimensions :math:`e^{-E}` is a Gaussian chain: integrating :math:`x_2` first,

    .. math::

        Z = \int e^{-(a - x_1)^2} \int e^{-b (x_2 - x_1^2)^2} dx_2\, dx_1
          = \sqrt{\pi} \sqrt{\pi / b} = \pi / \sqrt b,

    and :math:`x_1 \sim \mathcal N(a, \tfrac12)`, :math:`x_2 \mid x_1 \sim
    \mathcal N(x_1^2, \tfrac1{2b})` is an exact sampler. The mean is :math:`(a, a^2 + \tfrac12)`
    and the variances are :math:`\tfrac12` and :math:`\tfrac1{2b} + 2a^2 + \tfrac12`
    (:math:`\operatorname{Var} x_1^2 = 2a^2 + \tfrac12`); the only stationary point is the
    minimizer, the single mode.

    In more dimensions :math:`e^{-E}` is a Markov chain,
    :math:`\prod_{i<d} e^{-(a - x_i)^2} K(x_i, x_{i+1})` with :math:`K(x, y) = e^{-b (y - x^2)^2}`.
    With :math:`\beta_{d-1}(x) = e^{-(a - x)^2} \sqrt{\pi / b}` and :math:`\beta_i(x) = e^{-(a -
    x)^2} \int K(x, y)\, \beta_{i+1}(y)\, dy`, :math:`Z = \int \beta_1`. The last two
    coordinates integrate as Gaussians, :math:`\beta_{d-2}(x) = \sqrt{\pi/b} \sqrt{\pi/(b + 1)}
    \, e^{-(a - x)^2 - \frac{b}{b + 1} (x^2 - a)^2}`; the others by the trapezoid rule on a
    uniform grid of :math:`[-R, R]`, :math:`R = \max(|a|, 1) + 7.5`, with four nodes per
    standard deviation :math:`1/\sqrt{2b}` of the kernel (at most 1/16 apart), summing the
    kernel over the 12 standard deviations around :math:`x^2` (it is below :math:`e^{-144}`
    beyond). The rule converges geometrically (the kernel is a Gaussian, :math:`\beta` smooth):
    ``log_partition`` agrees with its value at three nodes per standard deviation to
    :math:`10^{-13}`. ``mean`` and ``stddev`` come from the marginals :math:`\alpha_i \beta_i`
    (forward messages :math:`\alpha`) and, for :math:`x_{d-1} \mid x_{d-2} \sim \mathcal N(
    (b x_{d-2}^2 + a)/(b + 1), 1/(2(b + 1)))` and :math:`x_d \mid x_{d-1} \sim \mathcal N(
    x_{d-1}^2, 1/(2b))`, from Gaussian moments. ``sample`` draws :math:`x_1` by the inverse
    CDF of :math:`\beta_1`, each next :math:`x_{i+1}` by the inverse CDF of :math:`K(x_i, y)
    \beta_{i+1}(y)` at the drawn :math:`x_i`, both on a grid four times finer (16 nodes per
    standard deviation), then the two Gaussians. Up to :math:`d = 10^4` and grids of
    :math:`2^{16}` fine nodes (:math:`b` up to about :math:`10^4` for :math:`|a| \le 1`);
    beyond, ``log_partition()`` is None and ``sample()`` raises ``NotImplementedError``.

    Args:
        dim: dimension :math:`d \ge 2`.
        a: valley position (default 1).
        b: valley steepness (default 100).

    References:
        H. H. Rosenbrock, "An automatic method for finding the greatest or least value of a
        function", The Computer Journal 3 (1960); search domain :math:`[-5, 10]^d` as in
        Surjanovic & Bingham, *Virtual Library of Simulation Experiments* (2013).

    Example:
        >>> import math, torch, ebmcore
        >>> ebmcore.create("rosenbrock", dim=3).energy(torch.ones(3))
        tensor(0.)
        >>> valley = ebmcore.create("rosenbrock", b=4.0)  # dim = 2
        >>> valley.log_partition() == math.log(math.pi / 2.0)
        True
        >>> valley.sample(3, generator=torch.Generator().manual_seed(0)).shape
        torch.Size([3, 2])
    """

    compiled_kernels = ("cuda",)  # a fused torch.compile kernel for CUDA inputs
    kernel = "rosenbrock"
    formula_vectors = ("body",)

    domain = (-5.0, 10.0)

    arg_constraints = {
        "dim": constraints.integer_interval(2, 2**31 - 1),
        "a": constraints.real,
        "b": constraints.positive,
    }

    def __init__(self, dim: int = 2, a: float = 1.0, b: float = 100.0) -> None:
        super().__init__(dim, dim=dim, a=a, b=b)
        self.a = float(a)
        self.b = float(b)

    def forward(self, x: Tensor) -> Tensor:
        head, tail = x[..., :-1], x[..., 1:]
        return rowsum(self.b * (tail - head * head).square() + (self.a - head).square())

    def formula_parameters(self) -> tuple[float, ...]:
        return (self.a, self.b)

    @staticmethod
    def formula(x: Tensor, body: Tensor, a: float, b: float) -> tuple[Tensor, Tensor]:
        # v_i = x_{i+1} - x_i^2 and x_i - a for i < d; 0 at i = d, whose neighbour wraps around
        # (a select, not a product by 0: x_d^2 may overflow, and 0 * inf is NaN)
        valley = torch.where(body > 0, torch.roll(x, -1, -1) - x * x, 0.0)
        offset = body * (x - a)
        energy = rowsum(b * (valley * valley) + offset * offset)
        # dE/dx_i = 2 (x_i - a) - 4 b x_i v_i (i < d) + 2 b v_{i-1} (i > 1: the roll brings v_d = 0 to i = 1)
        grad = (2.0 * offset - (4.0 * b) * x * valley) + (2.0 * b) * torch.roll(valley, 1, -1)
        return energy, grad

    @property
    def body(self) -> Tensor:
        """``(1, ..., 1, 0)``: the coordinates with a term of their own (all but the last)."""
        with vectors(self, 1):
            body = torch.ones(self.dim, dtype=torch.float64)
        body[-1] = 0.0
        return body

    @property
    def minima(self) -> Minima | None:
        if self.a in (0.0, 1.0):
            return Minima(filled(self, [self.a], "(1, dim) float64 minimizer"), 0.0)
        if self.dim == 2:
            return Minima([[self.a, self.a * self.a]], 0.0)
        return None

    # -- ground truth: a Gaussian chain in two dimensions, a Markov chain by quadrature beyond -------

    def _chain(self) -> ValleyChain | None:
        return _chain(self.dim, self.a, self.b)

    def log_partition(self) -> float | None:
        r""":math:`\log(\pi / \sqrt b)` in two dimensions; beyond, by the chain's quadrature
        (None where its grid would be too large)."""
        if self.dim == 2:
            return math.log(math.pi / math.sqrt(self.b))
        chain = self._chain()
        return None if chain is None else chain.log_mass

    @property
    def mean(self) -> Tensor | None:
        r""":math:`(a, a^2 + \tfrac12)` in two dimensions; beyond, from the chain's marginals."""
        if self.dim == 2:
            return torch.tensor([self.a, self.a * self.a + 0.5], dtype=torch.float64)
        chain = self._chain()
        return None if chain is None else torch.from_numpy(_chain_moments(chain, self.a, self.b)[0])

    @property
    def stddev(self) -> Tensor | None:
        r""":math:`(\sqrt{1/2}, \sqrt{1/(2b) + 2a^2 + 1/2})` in two dimensions; beyond, from the
        chain's marginals."""
        if self.dim == 2:
            variance = 0.5 / self.b + 2.0 * self.a * self.a + 0.5
            return torch.tensor([math.sqrt(0.5), math.sqrt(variance)], dtype=torch.float64)
        chain = self._chain()
        return None if chain is None else torch.from_numpy(_chain_moments(chain, self.a, self.b)[1])

    @property
    def modes(self) -> Modes | None:
        """In two dimensions the single mode, at the minimizer :math:`(a, a^2)`; else None."""
        if self.dim != 2:
            return None
        return Modes([[self.a, self.a * self.a]], [1.0])

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Exact: in two dimensions ``x1 ~ N(a, 1/2)``, then ``x2 | x1 ~ N(x1^2, 1/(2b))``;
        beyond, each coordinate given the one before (see the class docstring).

        Raises:
            NotImplementedError: where the chain's grid would be too large.
        """
        if self.dim == 2:
            z = torch.randn(n, 2, generator=generator, dtype=torch.float64)
            x1 = self.a + math.sqrt(0.5) * z[:, 0]
            x2 = x1 * x1 + math.sqrt(0.5 / self.b) * z[:, 1]
            return torch.stack([x1, x2], dim=-1).to(self.dtype)
        chain = self._chain()
        if chain is None:
            return super().sample(n, generator)
        return _chain_sample(chain, self.a, self.b, n, generator).to(self.dtype)


# -- the d-dimensional valley: a Markov chain, by quadrature ---------------------------------------


_CHAIN_MAX_DIM = 10_000
"""Beyond this many coordinates the chain's ground truth is not computed (``None``)."""
_CHAIN_MAX_NODES = 2**16
"""Above this many fine grid nodes (a very wide or very steep valley) it is not computed either."""


def _last_beta(a: float, b: float) -> Callable[[np.ndarray], np.ndarray]:
    r""":math:`\log \beta_{d-2}`, in closed form: :math:`x_d` and :math:`x_{d-1}` integrate as
    Gaussians, :math:`\beta_{d-2}(x) = \sqrt{\pi/b} \sqrt{\pi/(b + 1)}\,
    e^{-(a - x)^2 - \frac{b}{b + 1} (x^2 - a)^2}`."""
    constant = 0.5 * (math.log(math.pi / b) + math.log(math.pi / (b + 1.0)))

    def log_beta(x: np.ndarray) -> np.ndarray:
        return -((a - x) ** 2) - (b / (b + 1.0)) * (x * x - a) ** 2 + constant

    return log_beta


@functools.lru_cache(maxsize=16)
def _chain(dim: int, a: float, b: float) -> ValleyChain | None:
    r"""The chain of :math:`x_1, \dots, x_{d-2}` (see :class:`Rosenbrock`), or None where its
    tables would be too large or its grid would miss mass."""
    sigma = math.sqrt(0.5 / b)
    step = min(sigma / 4.0, 1.0 / 16.0)
    reach = max(abs(a), 1.0) + 7.5
    cells = math.ceil(2.0 * reach / step)
    if dim > _CHAIN_MAX_DIM or 4 * cells > _CHAIN_MAX_NODES:
        return None
    nodes = np.linspace(-reach, reach, cells + 1)

    def own(x: np.ndarray) -> np.ndarray:
        return (a - x) ** 2

    chain = ValleyChain.build(nodes, (sigma,) * (dim - 3), 1.0, own, _last_beta(a, b))
    return chain if chain.contained else None


def _chain_moments(chain: ValleyChain, a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Mean and standard deviation of every coordinate: :math:`x_1..x_{d-2}` from the chain;
    then :math:`x_{d-1} \mid x_{d-2} \sim \mathcal N(m, s^2)`, :math:`m = (b x_{d-2}^2 + a) / (b +
    1)`, :math:`s^2 = 1 / (2 (b + 1))`, and :math:`x_d \mid x_{d-1} \sim \mathcal N(x_{d-1}^2, 1 /
    (2b))`, whose moments follow from Gaussian ones (:math:`E[x^4] = m^4 + 6 m^2 s^2 + 3 s^4`)."""
    means, spreads = chain.moments()
    x, p = chain.nodes, chain.marginals[-1]
    m = (b * x * x + a) / (b + 1.0)
    s2 = 0.5 / (b + 1.0)
    second = float(p @ (m * m)) + s2  # E[x_{d-1}^2]
    fourth = float(p @ (m**4 + 6.0 * m * m * s2)) + 3.0 * s2 * s2  # E[x_{d-1}^4]
    mean_last = float(p @ m)
    tail_spread = [math.sqrt(second - mean_last**2), math.sqrt(fourth - second**2 + 0.5 / b)]
    return np.append(means, [mean_last, second]), np.append(spreads, tail_spread)


def _chain_sample(
    chain: ValleyChain, a: float, b: float, n: int, generator: torch.Generator | None
) -> Tensor:
    """Exact draws: the chain's, then :math:`x_{d-1}` and :math:`x_d` from their Gaussians."""
    head = chain.sample(n, generator)
    z = torch.randn(n, 2, generator=generator, dtype=torch.float64)
    before = (b * head[:, -1] ** 2 + a) / (b + 1.0) + z[:, 0] * math.sqrt(0.5 / (b + 1.0))
    last = before**2 + z[:, 1] * math.sqrt(0.5 / b)
    return torch.cat([head, before[:, None], last[:, None]], dim=-1)
