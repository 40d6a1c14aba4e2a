"""Rosenbrock's valley."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ebmcore import Minima, Modes, constraints

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
    minimizer, the single mode. In more dimensions the innermost integral leaves a quartic in
    the next coordinate: ``log_partition()`` is None and there is no exact sampler.

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

    # -- ground truth of the 2-D valley, a Gaussian chain ---------------------------------------

    def log_partition(self) -> float | None:
        r""":math:`\log(\pi / \sqrt b)` in two dimensions, else None (not known)."""
        if self.dim != 2:
            return None
        return math.log(math.pi / math.sqrt(self.b))

    @property
    def mean(self) -> Tensor | None:
        r""":math:`(a, a^2 + \tfrac12)` in two dimensions, else None."""
        if self.dim != 2:
            return None
        return torch.tensor([self.a, self.a * self.a + 0.5], dtype=torch.float64)

    @property
    def stddev(self) -> Tensor | None:
        r""":math:`(\sqrt{1/2}, \sqrt{1/(2b) + 2a^2 + 1/2})` in two dimensions, else None."""
        if self.dim != 2:
            return None
        variance = 0.5 / self.b + 2.0 * self.a * self.a + 0.5
        return torch.tensor([math.sqrt(0.5), math.sqrt(variance)], dtype=torch.float64)

    @property
    def modes(self) -> Modes | None:
        """In two dimensions the single mode, at the minimizer :math:`(a, a^2)`; else None."""
        if self.dim != 2:
            return None
        return Modes([[self.a, self.a * self.a]], [1.0])

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Exact in two dimensions: ``x1 ~ N(a, 1/2)``, then ``x2 | x1 ~ N(x1^2, 1/(2b))``.

        Raises:
            NotImplementedError: in more than two dimensions (no exact sampler is known).
        """
        if self.dim != 2:
            return super().sample(n, generator)
        z = torch.randn(n, 2, generator=generator, dtype=torch.float64)
        x1 = self.a + math.sqrt(0.5) * z[:, 0]
        x2 = x1 * x1 + math.sqrt(0.5 / self.b) * z[:, 1]
        return torch.stack([x1, x2], dim=-1).to(self.dtype)
