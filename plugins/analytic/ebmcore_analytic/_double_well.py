"""The separable quartic double well."""

from __future__ import annotations

import functools
import itertools
import math

import torch
from torch import Tensor

from ebmcore import Minima, constraints
from ebmcore.plugin import Basins, GridLaw, ProductModes

from ._memory import filled
from ._separable import SeparableEnergy, every_coordinate, separable_kernel

__all__ = ["DoubleWell"]

_MAX_LISTED_MINIMA = 256
_CELLS = 2**16
"""Cells of the quadrature grid of the scaled 1-D marginal."""
_CUTOFF = 80.0
"""The grid covers ``(s^2 - c)^2 <= 80``: outside it the density is below ``e^-80`` of its peak."""
_GAUSSIAN_LIMIT = 1e16
r"""Above this :math:`c = \sqrt h\, b^2` each well is a Gaussian to double precision: the
quartic's relative corrections are :math:`O(1/c)` in shape and :math:`3/(16 c^2)` in mass."""


@functools.lru_cache(maxsize=64)
def _scaled_marginal(c: float) -> GridLaw:
    r"""The law of :math:`u = s - \sqrt c` for the density :math:`e^{-(s^2 - c)^2}`, :math:`s \ge 0`.

    With :math:`t = h^{-1/4} s` and :math:`c = \sqrt h\, b^2` the 1-D density
    :math:`e^{-h (t^2 - b^2)^2}` is :math:`e^{-(s^2 - c)^2}`, one shape per :math:`c`. The grid
    of :math:`u` covers the half line :math:`s \ge 0` where the density exceeds :math:`e^{-80}`
    of its peak (each well's width, :math:`1/(2\sqrt{2c})`, spans about 2,600 cells when the
    wells are narrow; the quartic's spread, when they merge), with differences
    :math:`s^2 - c` formed as :math:`u (2\sqrt c + u)`, never by cancellation. The integrand is
    smooth and decays like :math:`e^{-s^4}` (like a Gaussian in :math:`u` for large
    :math:`c`), so the trapezoid rule converges geometrically; the density being even in
    :math:`s`, the half line holds half of the mass. Used up to :data:`_GAUSSIAN_LIMIT`;
    beyond, the wells are Gaussian.
    """
    a = math.sqrt(c)
    w = math.sqrt(_CUTOFF)
    high = w / (math.sqrt(c + w) + a)  # sqrt(c + w) - a without cancellation
    low = -w / (math.sqrt(c - w) + a) if c > w else -a
    return GridLaw.of(lambda u: (u * (2.0 * a + u)) ** 2, low, high, _CELLS)


def _second_moment(h: float, b: float) -> float:
    r""":math:`E[t^2]` under :math:`e^{-h (t^2 - b^2)^2}`: :math:`h^{-1/2} E[s^2]` in the scaled form.

    Beyond :data:`_GAUSSIAN_LIMIT` each well is a Gaussian of variance
    :math:`1 / (8 h b^2)` at :math:`\pm b`: :math:`E[t^2] = b^2 (1 + 1/(8 c^2))` to double
    precision.
    """
    c = (h**0.25 * b) ** 2
    if c > _GAUSSIAN_LIMIT:
        return b * b + 1.0 / (8.0 * h * b * b)
    a = math.sqrt(c)
    return _scaled_marginal(c).expect(lambda u: (a + u) ** 2) / math.sqrt(h)


def _log_marginal(h: float, b: float) -> float:
    r""":math:`\log \int e^{-h (t^2 - b^2)^2} dt = -\tfrac14 \log h + \log K(\sqrt h\, b^2)`."""
    c = (h**0.25 * b) ** 2
    if c > _GAUSSIAN_LIMIT:  # sqrt(pi / (h b^2)) (relative correction 3/(16 c^2)); c may overflow
        return 0.5 * math.log(math.pi) - 0.5 * math.log(h) - math.log(b)
    return -0.25 * math.log(h) + math.log(2.0) + _scaled_marginal(c).log_mass  # both half lines


@separable_kernel
class DoubleWell(ProductModes, SeparableEnergy):
    r"""Separable double well: a quartic well with two minima in every coordinate.

    .. math::

        E(x) = h \sum_{i=1}^{d} (x_i^2 - b^2)^2, \qquad
        \nabla_i E = 4 h\, x_i (x_i^2 - b^2).

    Global minima: the :math:`2^d` corners :math:`x_i = \pm b`, with :math:`E = 0`; the
    barrier between neighbouring wells has height :math:`h b^4`. Because the density
    factorizes, :math:`\log Z = d \log \int e^{-h (t^2 - b^2)^2} dt` comes from one 1-D
    quadrature, and exact samples come from the inverse CDF of the 1-D marginal. The marginal
    is even, so the mean is 0; every coordinate has the standard deviation
    :math:`\sqrt{E[t^2]}` of the 1-D marginal, from the same quadrature.

    ``modes`` are the :math:`2^d` corners, each of mass :math:`2^{-d}` (each coordinate's
    basins are :math:`t < 0` and :math:`t > 0`, of mass :math:`\tfrac12` by symmetry; for
    :math:`b = 0` the single mode 0), listed in full up to :math:`2^{16}` of them, else a
    representative few; ``mode_index`` numbers the corner of each sample by its signs
    (:class:`ebmcore.plugin.ProductModes`).

    Args:
        dim: dimension :math:`d`.
        barrier_height: :math:`h > 0`.
        b: position of the wells, :math:`b \ge 0` (``b = 0`` is a single quartic well).

    References:
        A common sampler benchmark, e.g. Noé et al., "Boltzmann generators", Science 365 (2019).

    Example:
        >>> import torch, ebmcore
        >>> well = ebmcore.create("double_well", dim=2, barrier_height=2.0)
        >>> well.energy(torch.tensor([[1.0, -1.0], [0.0, 1.0]]))
        tensor([0., 2.])
    """

    symmetric_about = 0.0  # the density is even: its mean is 0

    compiled_kernels = ("cuda",)  # a fused torch.compile kernel for CUDA inputs
    kernel = "double_well"

    arg_constraints = {
        "dim": constraints.positive_integer,
        "barrier_height": constraints.positive,
        "b": constraints.nonnegative,
    }

    def __init__(self, dim: int = 2, barrier_height: float = 1.0, b: float = 1.0) -> None:
        super().__init__(dim, dim=dim, barrier_height=barrier_height, b=b)
        self.barrier_height = float(barrier_height)
        self.b = float(b)

    @staticmethod
    def term(x: Tensor, h: float, b: float) -> Tensor:
        offset = x * x - b * b
        return h * (offset * offset)

    @staticmethod
    def term_derivative(x: Tensor, h: float, b: float) -> Tensor:
        return (4.0 * h) * (x * (x * x - b * b))

    def term_parameters(self) -> tuple[float, float]:
        return (self.barrier_height, self.b)

    @property
    def bounds(self) -> Tensor:
        """The box ``[-(b + 2), b + 2]^d`` holding every well and its barrier."""
        edge = self.b + 2.0
        return filled(self, [-edge, edge], "(2, dim) float64 bounds")

    @property
    def minima(self) -> Minima:
        if self.b == 0.0:
            return Minima(filled(self, [0.0], "(1, dim) float64 minimizer"), 0.0)
        if 2 ** min(self.dim, 64) <= _MAX_LISTED_MINIMA:  # (no 2^dim of a huge dim)
            signs = torch.tensor(list(itertools.product((-1.0, 1.0), repeat=self.dim)), dtype=torch.float64)
        else:  # a representative few: both all-equal corners and the two alternating ones
            signs = filled(self, [-1.0, 1.0, 1.0, -1.0], "(4, dim) float64 minimizers")
            signs[2:, 1::2] *= -1.0  # (1, -1, 1, ...) and (-1, 1, -1, ...)
        return Minima(self.b * signs, 0.0, 2**self.dim)

    def coordinate_basins(self) -> list[Basins]:
        r"""Every coordinate's wells at :math:`\pm b`, split at the barrier 0, of mass
        :math:`\tfrac12` each (the density is even); for :math:`b = 0`, the one well at 0."""
        if self.b == 0.0:
            minima, cuts, masses = [0.0], [], [1.0]
        else:
            minima, cuts, masses = [-self.b, self.b], [0.0], [0.5, 0.5]
        table = [torch.tensor(v, dtype=torch.float64) for v in (minima, cuts, masses)]
        return every_coordinate(self, Basins(*table))

    def log_partition(self) -> float:
        return self.dim * _log_marginal(self.barrier_height, self.b)

    @property
    def stddev(self) -> Tensor:
        r""":math:`\sqrt{E[t^2]}` under :math:`e^{-h (t^2 - b^2)^2}`, for every coordinate."""
        spread = math.sqrt(_second_moment(self.barrier_height, self.b))
        return filled(self, [spread], "(dim,) float64 stddev")[0]

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        r"""Exact samples of each independent coordinate: a random sign times ``|x|``.

        ``|x| = b + h^{-1/4} u`` with ``u`` drawn by inverse CDF on the grid of the scaled marginal
        (linear in each cell), or, beyond :data:`_GAUSSIAN_LIMIT`, from the Gaussian well of
        standard deviation :math:`1 / (2 b \sqrt{2 h})`.
        """
        h, b = self.barrier_height, self.b
        u = torch.rand(n * self.dim, generator=generator, dtype=torch.float64)
        sign = torch.where(u < 0.5, -1.0, 1.0).to(torch.float64)
        u = (2.0 * u - 1.0).abs()  # uniform on [0, 1], independent of the sign
        c = (h**0.25 * b) ** 2
        if c > _GAUSSIAN_LIMIT:
            spread = 1.0 / (2.0 * math.sqrt(2.0 * h) * b)
            z = torch.special.ndtri(u.clamp(1e-300, 1.0 - 2.0**-53))
            magnitude = b + spread * z
        else:
            magnitude = (b + h**-0.25 * _scaled_marginal(c).quantile(u)).clamp_min(0.0)
        return (sign * magnitude).reshape(n, self.dim).to(self.dtype)
