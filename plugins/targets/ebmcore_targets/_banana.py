"""Haario's banana: the twisted Gaussian."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ebmcore import BaseModel, Minima, Modes, constraints

__all__ = ["Banana"]


class Banana(BaseModel):
    r"""Haario's banana: a Gaussian bent by a volume-preserving map.

    With :math:`c = b \sigma^2` when ``offset`` (Haario's convention) and :math:`c = 0` otherwise,

    .. math::

        y_1 = x_1 / \sigma, \qquad y_2 = x_2 + b x_1^2 - c, \qquad y_i = x_i \ (i \ge 3),

    .. math::

        E(x) = \tfrac12 \lVert y \rVert^2, \qquad
        \partial_1 E = \frac{x_1}{\sigma^2} + 2 b x_1 y_2, \quad \partial_2 E = y_2, \quad
        \partial_i E = x_i .

    The map :math:`x \mapsto (x_1, y_2, x_3, \dots)` has unit Jacobian, so
    :math:`\log Z = \frac d2 \log 2\pi + \log\sigma` exactly, and ``sample()`` draws
    :math:`x_1 = \sigma z_1`, :math:`x_2 = z_2 - b x_1^2 + c`, :math:`x_i = z_i`. Ground truth:
    mean :math:`(0, c - b\sigma^2, 0, \dots)` (zero with the offset), standard deviations
    :math:`\sigma`, :math:`\sqrt{1 + 2 b^2 \sigma^4}` and 1; the unique minimizer (and mode) is
    :math:`x_1 = 0`, :math:`x_2 = c`, with :math:`E = 0`.

    Haario et al. take :math:`\sigma^2 = 100` and :math:`b = 0.03` (moderately twisted) or
    :math:`b = 0.1` (strongly twisted), in dimension 2 and 8, with the offset :math:`c = 100 b`
    that keeps the mean at zero. Implementations that drop the offset (``offset=False``) shift
    the whole target by :math:`-b\sigma^2` along :math:`x_2`.

    Args:
        dim: dimension :math:`d \ge 2`.
        b: the twist :math:`b` (any real; 0 gives a Gaussian, negative bends the other way).
        sigma: standard deviation :math:`\sigma > 0` of :math:`x_1`.
        offset: subtract :math:`c = b\sigma^2` in :math:`y_2`, as Haario et al. do.

    References:
        H. Haario, E. Saksman and J. Tamminen, "Adaptive proposal distribution for random walk
        Metropolis algorithm", *Computational Statistics* 14, 375-395 (1999).

    Example:
        >>> import torch, ebmcore
        >>> banana = ebmcore.create("banana")
        >>> banana.energy(torch.tensor([0.0, 3.0]))
        tensor(0.)
        >>> banana.stddev
        tensor([10.0000,  4.3589], dtype=torch.float64)
    """

    arg_constraints = {
        "dim": constraints.integer_at_least(2),
        "b": constraints.real,
        "sigma": constraints.positive,
        "offset": constraints.boolean,
    }

    def __init__(self, dim: int = 2, b: float = 0.03, sigma: float = 10.0, offset: bool = True) -> None:
        super().__init__(dim, dim=dim, b=b, sigma=sigma, offset=offset)
        self.b = float(b)
        self.sigma = float(sigma)
        self.variance = self.sigma * self.sigma  # inf, not OverflowError, for huge sigma
        self.offset = bool(offset)
        self.shift = self.b * self.variance if self.offset else 0.0  # the constant c

    def _twisted(self, x: Tensor) -> tuple[Tensor, Tensor]:
        x1 = x[..., 0]
        return x1, x[..., 1] + self.b * x1 * x1 - self.shift

    def forward(self, x: Tensor) -> Tensor:
        x1, y2 = self._twisted(x)
        rest = x[..., 2:]
        return 0.5 * ((x1 / self.sigma) ** 2 + y2 * y2 + torch.linalg.vecdot(rest, rest))

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        x1, y2 = self._twisted(x)
        rest = x[..., 2:]
        energy = 0.5 * ((x1 / self.sigma) ** 2 + y2 * y2 + torch.linalg.vecdot(rest, rest))
        d1 = x1 / self.variance + (2.0 * self.b) * x1 * y2
        gradient = torch.cat([d1.unsqueeze(-1), y2.unsqueeze(-1), rest], dim=-1)
        return energy, gradient

    def analytic_gradient(self, x: Tensor) -> Tensor:
        return self.analytic_energy_and_gradient(x)[1]

    @property
    def bounds(self) -> Tensor:
        r""":math:`x_1` in :math:`\pm 3\sigma`; :math:`x_2` covers the bend over that range with a
        margin of 3; other coordinates in :math:`\pm 4`."""
        x1_edge = 3.0 * self.sigma
        bend = (self.shift, self.shift - self.b * x1_edge * x1_edge)  # c - b x1^2 at x1 = 0 and at the edge
        low = torch.full((self.dim,), -4.0, dtype=torch.float64)
        high = -low
        low[0], high[0] = -x1_edge, x1_edge
        low[1], high[1] = min(bend) - 3.0, max(bend) + 3.0
        return torch.stack([low, high])

    @property
    def minima(self) -> Minima:
        point = torch.zeros(1, self.dim, dtype=torch.float64)
        point[0, 1] = self.shift
        return Minima(point, 0.0)

    @property
    def modes(self) -> Modes:
        """The single mode (at the minimizer), holding all the mass."""
        return Modes(self.minima.points, [1.0])

    def log_partition(self) -> float:
        return 0.5 * self.dim * math.log(2.0 * math.pi) + math.log(self.sigma)

    @property
    def mean(self) -> Tensor:
        out = torch.zeros(self.dim, dtype=torch.float64)
        out[1] = self.shift - self.b * self.variance  # E[c - b x1^2]
        return out

    @property
    def stddev(self) -> Tensor:
        r"""Standard deviations :math:`\sigma`,
        :math:`\sqrt{1 + b^2 \mathrm{Var}(x_1^2)} = \sqrt{1 + 2 b^2 \sigma^4}`, then ones."""
        out = torch.ones(self.dim, dtype=torch.float64)
        out[0] = self.sigma
        out[1] = math.sqrt(1.0 + 2.0 * self.b * self.b * self.variance * self.variance)
        return out

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Exact: push standard normal draws through the inverse of the twist."""
        z = torch.randn(n, self.dim, generator=generator, dtype=torch.float64)
        x1 = self.sigma * z[:, 0]
        x2 = z[:, 1] - self.b * x1 * x1 + self.shift
        return torch.cat([x1[:, None], x2[:, None], z[:, 2:]], dim=-1).to(self.dtype)
