"""Neal's funnel."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ebmcore import BaseModel, Minima, Modes, constraints

__all__ = ["Funnel"]


def _exp(t: float) -> float:
    """``math.exp`` that overflows to ``inf`` instead of raising."""
    return math.exp(t) if t < 709.0 else math.inf


class Funnel(BaseModel):
    r"""Neal's funnel: a scale variable :math:`v` and :math:`d - 1` coordinates whose scale it sets.

    .. math::

        v \sim \mathcal N(0, \sigma^2), \qquad x_i \mid v \sim \mathcal N(0, e^{v}),
        \quad i = 1, \dots, d - 1,

    so that, with :math:`\lVert x \rVert^2 = \sum_i x_i^2`,

    .. math::

        E(v, x) = \frac{v^2}{2\sigma^2} + \frac{e^{-v}}{2} \lVert x \rVert^2 + \frac{d - 1}{2} v,
        \qquad \log Z = \frac d2 \log 2\pi + \log \sigma,

    .. math::

        \partial_v E = \frac{v}{\sigma^2} - \frac{e^{-v}}{2} \lVert x \rVert^2 + \frac{d-1}2,
        \qquad \partial_{x_i} E = e^{-v} x_i .

    The first coordinate is :math:`v`; :math:`e^{v}` is the *variance* of every :math:`x_i`
    (Neal's convention). The term :math:`\frac{d-1}2 v` is the normalizer of the conditional and
    belongs to the energy: without it the target is not the funnel. ``sample()`` draws
    :math:`v = \sigma z_0` and then :math:`x_i = e^{v/2} z_i`, which is exact; the known bug of
    drawing :math:`x` with :math:`e^{-v}` or from the wrong coordinate is caught by the tests on
    the joint law of :math:`(v, x_i)`. Ground truth: the mean is zero, the marginal standard
    deviations are :math:`\sigma` for :math:`v` and :math:`e^{\sigma^2/4}` for each :math:`x_i`
    (heavy tailed: kurtosis :math:`3 e^{\sigma^2}`). The energy's unique global minimizer, the
    density's mode, lies deep in the neck at :math:`v^* = -(d-1)\sigma^2/2`, :math:`x = 0`, with
    :math:`E^* = -(d-1)^2 \sigma^2 / 8`; it carries almost no mass, which is what makes the
    funnel hard.

    The middle term is formed as :math:`2 \lVert e^{-v/2} x / 2 \rVert^2`: where
    :math:`e^{-v}` underflows (:math:`v > 103` in float32) and :math:`\lVert x \rVert^2`
    overflows, their product is still the dtype's value, not :math:`0 \cdot \infty`. Where
    :math:`e^{-v/2}` overflows (:math:`v < -176` in float32) it is taken as half the dtype's
    largest value: :math:`x = 0` still gives a finite energy and a zero gradient in :math:`x`
    (not NaN), and an :math:`x` of normal size an infinite energy, as it should.

    Args:
        dim: total dimension :math:`d \ge 2` (one :math:`v` and :math:`d - 1` coordinates :math:`x`).
        sigma: standard deviation :math:`\sigma > 0` of :math:`v`.

    References:
        R. M. Neal, "Slice sampling", *The Annals of Statistics* 31(3), 705-767 (2003), section 8;
        the d = 10, sigma = 3 benchmark of e.g. Zhang and Chen, "Path Integral Sampler", ICLR 2022.

    Example:
        >>> import torch, ebmcore
        >>> funnel = ebmcore.create("funnel", dim=3, sigma=3.0)
        >>> funnel.energy(torch.tensor([0.0, 1.0, -1.0]))
        tensor(1.)
        >>> x = funnel.sample(100_000, generator=torch.Generator().manual_seed(0))
        >>> round(x[:, 0].std().item(), 1)
        3.0
    """

    arg_constraints = {"dim": constraints.integer_at_least(2), "sigma": constraints.positive}

    def __init__(self, dim: int = 10, sigma: float = 3.0) -> None:
        super().__init__(dim, dim=dim, sigma=sigma)
        self.sigma = float(sigma)
        self.variance = self.sigma * self.sigma  # inf, not OverflowError, for huge sigma

    def _parts(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """``v``, ``e^{-v} |x|^2 / 2`` and ``e^{-v} x``, the gradient in the ``x`` block."""
        v = x[..., 0]
        rest = x[..., 1:]
        # e^{-v} |x|^2 / 2 as 2 |r x|^2, r = e^{-v/2} / 2 (exact factors, and a sum that does not
        # overflow before the value does): where e^{-v} underflows (v > 103 in float32) and
        # |x|^2 overflows, no 0 * inf (their product may well be finite). r is taken as a quarter
        # of the dtype's largest value where it is larger (v < -176 in float32), so that x = 0
        # gives 0 and a zero gradient, 4 r times 0.
        root = (0.5 * torch.exp(-0.5 * v)).clamp_max(0.25 * torch.finfo(x.dtype).max).unsqueeze(-1)
        scaled = root * rest
        return v, 2.0 * torch.linalg.vecdot(scaled, scaled), (4.0 * root) * scaled

    def forward(self, x: Tensor) -> Tensor:
        v, half_term, _ = self._parts(x)
        return v * v / (2.0 * self.variance) + half_term + 0.5 * (self.dim - 1) * v

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        v, half_term, d_x = self._parts(x)
        energy = v * v / (2.0 * self.variance) + half_term + 0.5 * (self.dim - 1) * v
        d_v = v / self.variance - half_term + 0.5 * (self.dim - 1)
        return energy, torch.cat([d_v.unsqueeze(-1), d_x], dim=-1)

    def analytic_gradient(self, x: Tensor) -> Tensor:
        return self.analytic_energy_and_gradient(x)[1]

    @property
    def bounds(self) -> Tensor:
        r"""``v`` from :math:`\min(-3\sigma, v^* - \sigma)` to :math:`3\sigma`; each ``x_i`` in
        :math:`\pm 3 e^{\sigma/2}`.

        The box shows both the neck and the mouth: :math:`\pm 3\sigma` holds all but 0.3% of
        the mass of :math:`v`, and at :math:`v = \sigma` the :math:`x_i` have standard deviation
        :math:`e^{\sigma/2}`. Where the minimizer :math:`v^* = -(d-1)\sigma^2/2` lies deeper in
        the neck (:math:`(d - 1)\sigma > 4`, as in the default :math:`d = 10, \sigma = 3`, where
        :math:`v^* = -40.5`), the box reaches :math:`\sigma` beyond it, so that the declared
        minimizer is inside, with its basin (the energy rises by :math:`1/2` at :math:`v^* - \sigma`).
        """
        v_low = min(-3.0 * self.sigma, float(self.minima.points[0, 0]) - self.sigma)
        x_edge = 3.0 * _exp(self.sigma / 2.0)
        low = torch.tensor([v_low] + [-x_edge] * (self.dim - 1), dtype=torch.float64)
        high = torch.tensor([3.0 * self.sigma] + [x_edge] * (self.dim - 1), dtype=torch.float64)
        return torch.stack([low, high])

    @property
    def minima(self) -> Minima:
        """The single global minimizer :math:`v^* = -(d-1)\\sigma^2/2`, :math:`x = 0`."""
        point = torch.zeros(1, self.dim, dtype=torch.float64)
        point[0, 0] = -0.5 * (self.dim - 1) * self.variance
        return Minima(point, -(self.dim - 1) * (self.dim - 1) * self.variance / 8.0)

    @property
    def modes(self) -> Modes:
        """The single mode of the density (at the minimizer), holding all the mass."""
        return Modes(self.minima.points, [1.0])

    def log_partition(self) -> float:
        return 0.5 * self.dim * math.log(2.0 * math.pi) + math.log(self.sigma)

    @property
    def mean(self) -> Tensor:
        return torch.zeros(self.dim, dtype=torch.float64)

    @property
    def stddev(self) -> Tensor:
        r""":math:`\sigma` for :math:`v`, :math:`\sqrt{E[e^v]} = e^{\sigma^2/4}` for each :math:`x_i`."""
        out = torch.full((self.dim,), _exp(self.variance / 4.0), dtype=torch.float64)
        out[0] = self.sigma
        return out

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Exact: ``v = sigma z_0``, then ``x_i = exp(v / 2) z_i`` with standard normal ``z``."""
        z = torch.randn(n, self.dim, generator=generator, dtype=torch.float64)
        v = self.sigma * z[:, :1]
        return torch.cat([v, torch.exp(0.5 * v) * z[:, 1:]], dim=-1).to(self.dtype)
