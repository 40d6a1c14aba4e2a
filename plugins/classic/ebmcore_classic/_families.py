"""Fixed-dimension test functions in 3 to 8 dimensions: the Bayesian-optimization classics.

Hartmann 3, 4 and 6, Shekel (m = 5, 7, 10), Colville, the power sum and BoTorch's Cosine8.
Their constant tables are float64 buffers, which follow ``.to()`` and travel in the
``state_dict`` like those of every catalog energy. Sources: see :mod:`ebmcore_classic._common`.
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import ClassVar

import numpy as np
import torch
from torch import Tensor

from ebmcore import Minima, constraints
from ebmcore.plugin import Basins, GridLaw, GridLaw2D, ProductModes, fill_by_rejection

from ._common import FixedDimension, index

__all__ = [
    "HARTMANN3_MINIMIZER",
    "HARTMANN4_MINIMIZER",
    "HARTMANN6_MINIMIZER",
    "SHEKEL_MINIMA",
    "Colville",
    "Cosine8",
    "Hartmann3",
    "Hartmann4",
    "Hartmann6",
    "PowerSum",
    "Shekel",
]

_HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2]
_HARTMANN3_A = [[3.0, 10.0, 30.0], [0.1, 10.0, 35.0], [3.0, 10.0, 30.0], [0.1, 10.0, 35.0]]
_HARTMANN3_P = [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]]
_HARTMANN6_A = [
    [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
    [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
    [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
    [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
]
_HARTMANN6_P = [
    [1312, 1696, 5569, 124, 8283, 5886],
    [2329, 4135, 8307, 3736, 1004, 9991],
    [2348, 1451, 3522, 2883, 3047, 6650],
    [4047, 8828, 8732, 5743, 1091, 381],
]

HARTMANN3_MINIMIZER = (0.11458887665506896, 0.55564889461693, 0.8525469846866774)
"""The minimizer of the Hartmann 3-D function (Newton, 60 digits)."""

HARTMANN4_MINIMIZER = (0.1873952729734667, 0.19415152930244073, 0.557917780062569, 0.26477962417039713)
"""The minimizer of the Hartmann 4-D function (multistart, then Newton, 60 digits)."""

HARTMANN6_MINIMIZER = (
    0.20168951100670543,
    0.15001069182345797,
    0.476873974221897,
    0.2753324304940561,
    0.31165161660011326,
    0.6573005340656203,
)
"""The minimizer of the Hartmann 6-D function (Newton, 60 digits)."""


class _Hartmann(FixedDimension):
    r"""The Hartmann family: four Gaussian-like wells of different widths in :math:`[0, 1]^d`.

    .. math::

        H(x) = -\sum_{i=1}^{4} \alpha_i \exp\Big(-\sum_{j=1}^{d} A_{ij} (x_j - P_{ij})^2\Big),
        \qquad \alpha = (1, 1.2, 3, 3.2).
    """

    domain = (0.0, 1.0)

    _A: ClassVar[list[list[float]]]
    _P: ClassVar[list[list[int]]]
    _shift: ClassVar[float] = 0.0
    _scale: ClassVar[float] = 1.0
    _minimizer: ClassVar[tuple[float, ...]]
    _minimum: ClassVar[float]

    alpha: Tensor
    widths: Tensor
    centres: Tensor

    def __init__(self) -> None:
        super().__init__()
        d = self.dimension
        widths = torch.tensor([row[:d] for row in self._A], dtype=torch.float64)
        centres = torch.tensor([row[:d] for row in self._P], dtype=torch.float64) / 10000.0
        self.register_buffer("alpha", torch.tensor(_HARTMANN_ALPHA, dtype=torch.float64))
        self.register_buffer("widths", widths)
        self.register_buffer("centres", centres)

    def _terms(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        widths = self.widths.to(x.dtype)
        difference = x.unsqueeze(-2) - self.centres.to(x.dtype)  # (*batch, 4, d)
        wells = self.alpha.to(x.dtype) * torch.exp(-(widths * difference * difference).sum(-1))
        return widths, difference, wells, (self._shift - wells.sum(-1)) / self._scale

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[3]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        widths, difference, wells, energy = self._terms(x)
        grad = (wells.unsqueeze(-1) * widths * difference).sum(-2) * (2.0 / self._scale)
        return energy, grad

    @property
    def minima(self) -> Minima:
        return Minima([self._minimizer], self._minimum)


class Hartmann3(_Hartmann):
    r"""The Hartmann 3-D function.

    .. math::

        E(x) = -\sum_{i=1}^{4} \alpha_i \exp\Big(-\sum_{j=1}^{3} A_{ij} (x_j - P_{ij})^2\Big),

    with :math:`\alpha = (1, 1.2, 3, 3.2)`,
    :math:`A = \begin{pmatrix} 3 & 10 & 30 \\ 0.1 & 10 & 35 \\ 3 & 10 & 30 \\ 0.1 & 10 & 35
    \end{pmatrix}`, :math:`P = 10^{-4} \begin{pmatrix} 3689 & 1170 & 2673 \\ 4699 & 4387 & 7470
    \\ 1091 & 8732 & 5547 \\ 381 & 5743 & 8828 \end{pmatrix}`. The global minimum is
    :math:`E = -3.8627797873` at :math:`(0.1145888767, 0.5556488946, 0.8525469847)`
    (:data:`HARTMANN3_MINIMIZER`). Search domain :math:`[0, 1]^3`.

    **Literature.** [VLSE] and [BoTorch] give the minimizer as
    :math:`(0.114614, 0.555649, 0.852547)`: the first coordinate is off by
    :math:`2.5 \cdot 10^{-5}` (0.114589 is right); the value :math:`-3.86278` is right.

    References:
        L. C. W. Dixon and G. P. Szegö, *Towards Global Optimisation 2*, North-Holland (1978);
        [VLSE] "Hartmann 3-D Function"; [BoTorch] ``Hartmann(dim=3)``.

    Example:
        >>> import ebmcore
        >>> round(ebmcore.create("hartmann3").minima.value, 10)
        -3.8627797873
    """

    dimension = 3
    _A = _HARTMANN3_A
    _P = _HARTMANN3_P
    _minimizer = HARTMANN3_MINIMIZER
    _minimum = -3.8627797873326624


class Hartmann4(_Hartmann):
    r"""The Hartmann 4-D function, rescaled as in [VLSE] and [BoTorch].

    .. math::

        E(x) = \frac{1}{0.839} \Big[1.1 - \sum_{i=1}^{4} \alpha_i
        \exp\Big(-\sum_{j=1}^{4} A_{ij} (x_j - P_{ij})^2\Big)\Big],

    with :math:`\alpha`, and :math:`A`, :math:`P` the first four columns of those of
    :class:`Hartmann6` (the scaling gives mean 0 and variance 1 on :math:`[0, 1]^4`). Global
    minimum :math:`E = -3.1344941412` at :math:`(0.1873952730, 0.1941515293, 0.5579177801,
    0.2647796242)` (:data:`HARTMANN4_MINIMIZER`); the unscaled sum
    :math:`0.839 E - 1.1` is then :math:`-3.7298405785`. Search domain :math:`[0, 1]^4`.

    **Literature.** [VLSE] and [BoTorch] give no optimum. The value :math:`-3.135474` at
    :math:`(0.1873, 0.1906, 0.5569, 0.2859)` found in some benchmark collections is below the
    true minimum (by :math:`9.8 \cdot 10^{-4}`): wrong; DiceOptim's minimizer
    :math:`(0.1873, 0.1906, 0.5566, 0.2647)` is off by :math:`3.6 \cdot 10^{-3}` in
    :math:`x_2`.

    References:
        V. Picheny, T. Wagner and D. Ginsbourger, "A benchmark of kriging-based infill criteria
        for noisy optimization", Struct. Multidiscip. Optim. 48 (2013); [VLSE] "Hartmann 4-D
        Function"; [BoTorch] ``Hartmann(dim=4)``.

    Example:
        >>> import ebmcore
        >>> round(ebmcore.create("hartmann4").minima.value, 10)
        -3.1344941412
    """

    dimension = 4
    _A = _HARTMANN6_A
    _P = _HARTMANN6_P
    _shift = 1.1
    _scale = 0.839
    _minimizer = HARTMANN4_MINIMIZER
    _minimum = -3.134494141222399


class Hartmann6(_Hartmann):
    r"""The Hartmann 6-D function.

    .. math::

        E(x) = -\sum_{i=1}^{4} \alpha_i \exp\Big(-\sum_{j=1}^{6} A_{ij} (x_j - P_{ij})^2\Big),

    with :math:`\alpha = (1, 1.2, 3, 3.2)`,
    :math:`A = \begin{pmatrix} 10 & 3 & 17 & 3.5 & 1.7 & 8 \\ 0.05 & 10 & 17 & 0.1 & 8 & 14 \\
    3 & 3.5 & 1.7 & 10 & 17 & 8 \\ 17 & 8 & 0.05 & 10 & 0.1 & 14 \end{pmatrix}`,
    :math:`P = 10^{-4} \begin{pmatrix} 1312 & 1696 & 5569 & 124 & 8283 & 5886 \\
    2329 & 4135 & 8307 & 3736 & 1004 & 9991 \\ 2348 & 1451 & 3522 & 2883 & 3047 & 6650 \\
    4047 & 8828 & 8732 & 5743 & 1091 & 381 \end{pmatrix}`. The global minimum is
    :math:`E = -3.3223680114` at :math:`(0.2016895110, 0.1500106918, 0.4768739742,
    0.2753324305, 0.3116516166, 0.6573005341)` (:data:`HARTMANN6_MINIMIZER`; [VLSE] and
    [BoTorch]: :math:`-3.32237` at :math:`(0.20169, 0.150011, 0.476874, 0.275332, 0.311652,
    0.6573)`, right to the digits printed). Search domain :math:`[0, 1]^6`.

    References:
        L. C. W. Dixon and G. P. Szegö, *Towards Global Optimisation 2*, North-Holland (1978);
        [VLSE] "Hartmann 6-D Function"; [BoTorch] ``Hartmann(dim=6)``.

    Example:
        >>> import ebmcore
        >>> round(ebmcore.create("hartmann6").minima.value, 10)
        -3.3223680114
    """

    dimension = 6
    _A = _HARTMANN6_A
    _P = _HARTMANN6_P
    _minimizer = HARTMANN6_MINIMIZER
    _minimum = -3.3223680114155147


_SHEKEL_C = [
    [4.0, 4.0, 4.0, 4.0],
    [1.0, 1.0, 1.0, 1.0],
    [8.0, 8.0, 8.0, 8.0],
    [6.0, 6.0, 6.0, 6.0],
    [3.0, 7.0, 3.0, 7.0],
    [2.0, 9.0, 2.0, 9.0],
    [5.0, 3.0, 5.0, 3.0],
    [8.0, 1.0, 8.0, 1.0],
    [6.0, 2.0, 6.0, 2.0],
    [7.0, 3.6, 7.0, 3.6],
]
_SHEKEL_BETA = [0.1, 0.2, 0.2, 0.4, 0.4, 0.6, 0.3, 0.7, 0.5, 0.5]

SHEKEL_MINIMA: dict[int, tuple[tuple[float, float, float, float], float]] = {
    5: ((4.000037152819676, 4.00013327659156, 4.000037152819676, 4.00013327659156), -10.153199679058227),
    7: ((4.000572819251117, 3.9996062096096887, 4.000572819251117, 3.9996062096096887), -10.402915336777744),
    10: ((4.000746868270634, 3.9995094800857736, 4.000746868270634, 3.9995094800857736), -10.536443153483528),
}
"""``m -> (minimizer, minimum)`` of the Shekel function (Newton, 60 digits)."""


class Shekel(FixedDimension):
    r"""The Shekel function: ``m`` inverted wells of different depths in four dimensions.

    .. math::

        E(x) = -\sum_{i=1}^{m} \Big(\sum_{j=1}^{4} (x_j - C_{ji})^2 + \beta_i\Big)^{-1},

    with :math:`\beta = \frac1{10} (1, 2, 2, 4, 4, 6, 3, 7, 5, 5)` and the columns of
    :math:`C` the centres :math:`(4, 4, 4, 4), (1, 1, 1, 1), (8, 8, 8, 8), (6, 6, 6, 6),
    (3, 7, 3, 7), (2, 9, 2, 9), (5, 3, 5, 3), (8, 1, 8, 1), (6, 2, 6, 2), (7, 3.6, 7, 3.6)`;
    the first ``m`` are used. Registered as ``shekel5``, ``shekel7`` and ``shekel10`` (presets
    of ``m``); ``Shekel(m=...)`` builds any of them. Search domain :math:`[0, 10]^4`.

    The global minimum is in the deepest well, near :math:`(4, 4, 4, 4)` but not at it (the
    other wells pull it away), :data:`SHEKEL_MINIMA`:

    - ``m = 5``: :math:`E = -10.1531996791` at :math:`(4.0000371528, 4.0001332766,
      4.0000371528, 4.0001332766)`;
    - ``m = 7``: :math:`E = -10.4029153368` at :math:`(4.0005728193, 3.9996062096,
      4.0005728193, 3.9996062096)`;
    - ``m = 10``: :math:`E = -10.5364431535` at :math:`(4.0007468683, 3.9995094801,
      4.0007468683, 3.9995094801)`.

    **Literature.** [VLSE] gives the minima :math:`-10.1532`, :math:`-10.4029`,
    :math:`-10.5364` (right) at :math:`(4, 4, 4, 4)`, which is off by up to
    :math:`7.5 \cdot 10^{-4}` per coordinate (there :math:`E = -10.1531959`, :math:`-10.4028188`,
    :math:`-10.5362837`). [BoTorch] lists the ``m = 10`` minimizer
    :math:`(4.000747, 3.99951, 4.00075, 3.99951)` (right) for every ``m``: for ``m = 5`` and
    ``m = 7`` it is off by up to :math:`7.1 \cdot 10^{-4}` and :math:`1.7 \cdot 10^{-4}`.

    Args:
        m: the number of wells, 5, 7 or 10 (default 10).

    References:
        J. Shekel, "Test functions for multimodal search techniques", Fifth Annual Princeton
        Conference on Information Science and Systems (1971); [VLSE] "Shekel Function";
        [BoTorch] ``Shekel``.

    Example:
        >>> import torch, ebmcore
        >>> model = ebmcore.create("shekel5")
        >>> model.config, round(model.minima.value, 10)
        ({'m': 5}, -10.1531996791)
    """

    dimension = 4
    domain = (0.0, 10.0)

    arg_constraints = {"m": constraints.one_of(5, 7, 10)}

    centres: Tensor
    beta: Tensor

    def __init__(self, m: int = 10) -> None:
        super().__init__(m=m)
        self.m = int(m)
        centres = torch.tensor(_SHEKEL_C[: self.m], dtype=torch.float64)
        self.register_buffer("centres", centres)
        self.register_buffer("beta", torch.tensor(_SHEKEL_BETA[: self.m], dtype=torch.float64))

    def _terms(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        difference = x.unsqueeze(-2) - self.centres.to(x.dtype)  # (*batch, m, 4)
        denominator = (difference * difference).sum(-1) + self.beta.to(x.dtype)
        return difference, denominator, -(1.0 / denominator).sum(-1)

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[2]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        difference, denominator, energy = self._terms(x)
        den = denominator.unsqueeze(-1)
        return energy, 2.0 * (difference / den / den).sum(-2)

    @property
    def minima(self) -> Minima:
        point, value = SHEKEL_MINIMA[self.m]
        return Minima([point], value)


class Colville(FixedDimension):
    r"""The Colville function: two coupled Rosenbrock valleys in four dimensions.

    .. math::

        E(x) = 100 (x_1^2 - x_2)^2 + (x_1 - 1)^2 + (x_3 - 1)^2 + 90 (x_3^2 - x_4)^2
               + 10.1 \big[(x_2 - 1)^2 + (x_4 - 1)^2\big] + 19.8 (x_2 - 1)(x_4 - 1).

    The last two terms are evaluated as
    :math:`9.9 (x_2 + x_4 - 2)^2 + 0.2 \big[(x_2 - 1)^2 + (x_4 - 1)^2\big]`, the same, a sum of
    squares (no :math:`\infty - \infty` where they overflow). So :math:`E \ge 0` with equality
    only at the global minimum :math:`E(1, 1, 1, 1) = 0`. Search domain :math:`[-10, 10]^4`.

    As a density on :math:`\mathbb R^4`, :math:`e^{-E}` is Gaussian in :math:`z = (x_2, x_4)`
    given :math:`(x_1, x_3)`: :math:`E = \tfrac12 (z - \mu)^\top P (z - \mu) + r(x_1, x_3)`
    with the constant precision :math:`P = \begin{pmatrix} 220.2 & 19.8 \\ 19.8 & 200.2
    \end{pmatrix}`, the mean :math:`\mu = P^{-1} (200 x_1^2 + 40,\ 180 x_3^2 + 40)` and
    :math:`r(x_1, x_3) = E(x_1, \mu_1, x_3, \mu_2)`. So

    .. math::

        \log Z = \log \iint e^{-r(x_1, x_3)}\, dx_1\, dx_3 + \log 2\pi
                  - \tfrac12 \log\det P,

    the 2-D integral by the trapezoid rule (:class:`ebmcore.plugin.GridLaw2D` on
    :math:`[-6, 8]^2`, where :math:`r \ge (x_1 - 1)^2 + (x_3 - 1)^2` leaves below
    :math:`e^{-49}` outside). ``sample`` draws :math:`(x_1, x_3)` from that 2-D law, then
    :math:`z \sim \mathcal N(\mu, P^{-1})`; ``mean`` and ``stddev`` follow from the same law
    (:math:`E[z] = E[\mu]`, :math:`\operatorname{Cov} z = P^{-1} + \operatorname{Cov} \mu`).

    References:
        A. R. Colville, "A comparative study on nonlinear programming codes", IBM New York
        Scientific Center Report 320-2949 (1968); [VLSE] "Colville Function".

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("colville").energy(torch.tensor([[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]]))
        tensor([ 0., 42.])
    """

    dimension = 4
    domain = (-10.0, 10.0)
    minimizer = 1.0

    @staticmethod
    def _terms(x: Tensor) -> tuple[Tensor, ...]:
        x1, x2, x3, x4 = x.unbind(-1)
        p = x1 * x1 - x2
        q = x3 * x3 - x4
        a, c = x2 - 1.0, x4 - 1.0
        both = a + c
        energy = (
            100.0 * p * p
            + (x1 - 1.0) ** 2
            + (x3 - 1.0) ** 2
            + 90.0 * q * q
            + 9.9 * both * both
            + 0.2 * (a * a + c * c)
        )
        return x1, x3, p, q, a, c, both, energy

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[7]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        x1, x3, p, q, a, c, both, energy = self._terms(x)
        g1 = 400.0 * x1 * p + 2.0 * (x1 - 1.0)
        g2 = -200.0 * p + 19.8 * both + 0.4 * a
        g3 = 360.0 * x3 * q + 2.0 * (x3 - 1.0)
        g4 = -180.0 * q + 19.8 * both + 0.4 * c
        return energy, torch.stack([g1, g2, g3, g4], dim=-1)

    # -- ground truth of e^{-E} (see the class docstring) -------------------------------------------

    def log_partition(self) -> float:
        return (
            _colville_law().log_mass + math.log(2.0 * math.pi) - 0.5 * math.log(float(torch.det(_COLVILLE_P)))
        )

    @property
    def mean(self) -> Tensor:
        return _colville_moments()[0].clone()

    @property
    def stddev(self) -> Tensor:
        return _colville_moments()[1].clone()

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        outer = _colville_law().sample(n, generator)  # (x1, x3)
        noise = torch.randn(n, 2, generator=generator, dtype=torch.float64)
        z = (
            _colville_conditional_mean(outer * outer)
            + torch.linalg.solve_triangular(torch.linalg.cholesky(_COLVILLE_P).mT, noise.mT, upper=True).mT
        )  # L^-T noise: covariance P^-1
        return torch.stack([outer[:, 0], z[:, 0], outer[:, 1], z[:, 1]], dim=-1).to(self.dtype)


_COLVILLE_P = torch.tensor([[220.2, 19.8], [19.8, 200.2]], dtype=torch.float64)
"""The Hessian of Colville's energy in :math:`(x_2, x_4)`, whatever :math:`(x_1, x_3)`."""
_COLVILLE_COVARIANCE = torch.linalg.inv(_COLVILLE_P)


def _colville_conditional_mean(squares: Tensor) -> Tensor:
    r""":math:`\mu = P^{-1} (200 x_1^2 + 40, 180 x_3^2 + 40)` for ``squares`` = :math:`(x_1^2, x_3^2)`."""
    rhs = squares * torch.tensor([200.0, 180.0], dtype=torch.float64) + 40.0
    return rhs @ _COLVILLE_COVARIANCE  # symmetric: rhs P^-1 = (P^-1 rhs^T)^T


def _colville_profile(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    r""":math:`r(x_1, x_3)`: Colville's energy at :math:`z = \mu(x_1, x_3)`, its minimum over :math:`z`."""
    x1, x3 = (torch.from_numpy(np.ascontiguousarray(t)) for t in np.broadcast_arrays(a, b))
    z = _colville_conditional_mean(torch.stack([x1 * x1, x3 * x3], dim=-1))
    return Colville._terms(torch.stack([x1, z[..., 0], x3, z[..., 1]], dim=-1))[7].numpy()


@functools.cache
def _colville_law() -> GridLaw2D:
    r"""The law of :math:`(x_1, x_3)`, :math:`\propto e^{-r}` (see :class:`Colville`)."""
    return GridLaw2D.of(_colville_profile, (-6.0, 8.0), (-6.0, 8.0), cells=2**10, sample_cells=2**11)


@functools.cache
def _colville_moments() -> tuple[Tensor, Tensor]:
    r"""Mean and standard deviation of :math:`(x_1, x_2, x_3, x_4)`: with
    :math:`b = (200 x_1^2, 180 x_3^2)`, :math:`E[z] = \mu(E[x_1^2], E[x_3^2])` and
    :math:`\operatorname{Cov} z = P^{-1} + P^{-1} \operatorname{Cov}(b) P^{-1}`."""
    law = _colville_law()
    m1, m3 = law.expect(lambda a, b: a * a), law.expect(lambda a, b: b * b)
    c11 = law.expect(lambda a, b: (a * a - m1) ** 2)
    c13 = law.expect(lambda a, b: (a * a - m1) * (b * b - m3))
    c33 = law.expect(lambda a, b: (b * b - m3) ** 2)
    scale = torch.tensor([200.0, 180.0], dtype=torch.float64)
    cov_b = torch.tensor([[c11, c13], [c13, c33]], dtype=torch.float64) * torch.outer(scale, scale)
    inverse = _COLVILLE_COVARIANCE
    z_mean = _colville_conditional_mean(torch.tensor([m1, m3], dtype=torch.float64))
    z_spread = torch.diagonal(inverse + inverse @ cov_b @ inverse).sqrt()
    (mean1, mean3), (spread1, spread3) = law.mean, law.stddev
    mean = torch.tensor([mean1, float(z_mean[0]), mean3, float(z_mean[1])], dtype=torch.float64)
    return mean, torch.tensor([spread1, float(z_spread[0]), spread3, float(z_spread[1])], dtype=torch.float64)


def _power_sum_minimizers() -> list[tuple[float, ...]]:
    """The 12 distinct orderings of (1, 2, 2, 3)."""
    return sorted(set(itertools.permutations((1.0, 2.0, 2.0, 3.0))))


class PowerSum(FixedDimension):
    r"""The power sum function: match the first four power sums of :math:`x` to :math:`b`.

    .. math::

        E(x) = \sum_{k=1}^{4} \Big(\sum_{j=1}^{4} x_j^k - b_k\Big)^2, \qquad b = (8, 18, 44, 114).

    :math:`b` holds the power sums of :math:`(1, 2, 2, 3)`, and by Newton's identities the
    first four power sums fix a multiset of four numbers: :math:`E = 0` exactly at the
    orderings of :math:`(1, 2, 2, 3)`, all 12 of them global minimizers, all listed. They are
    isolated but degenerate: swapping the two equal coordinates leaves the power sums unchanged
    to first order, so the Hessian there is singular (:math:`E` grows to fourth order along
    :math:`e_i - e_j`). Search domain :math:`[0, 4]^4`. Where :math:`x_j^4` overflows, the
    odd power sums can be :math:`\infty - \infty`; the energy is then :math:`+\infty` (its
    value), not NaN.

    **Literature.** The minimizer is usually given as :math:`(1, 2, 2, 3)` alone; the function
    is symmetric in its coordinates, so each of the 12 orderings is one.

    References:
        [VLSE] "Power Sum Function"; A.-R. Hedar, *Global optimization test problems*,
        Kyoto University (2007).

    Example:
        >>> import torch, ebmcore
        >>> model = ebmcore.create("power_sum")
        >>> model.energy(torch.tensor([3.0, 2.0, 1.0, 2.0])), model.minima.count
        (tensor(0.), 12)
    """

    dimension = 4
    domain = (0.0, 4.0)

    targets: Tensor

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("targets", torch.tensor([8.0, 18.0, 44.0, 114.0], dtype=torch.float64))

    def _terms(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        square = x * x
        powers = torch.stack([x, square, square * x, square * square], dim=-2)  # (*batch, k, j)
        residual = powers.sum(-1) - self.targets.to(x.dtype)
        energy = (residual * residual).sum(-1)
        # where x^4 overflows, E = +inf even if an odd power sum is inf - inf = NaN
        energy = torch.where(residual[..., 3] == math.inf, math.inf, energy)
        return square, powers, residual, energy

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[3]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        square, powers, residual, energy = self._terms(x)
        lower = torch.stack([torch.ones_like(x), x, square, powers[..., 2, :]], dim=-2)  # x_j^(k-1)
        weight = 2.0 * index(4, x) * residual  # 2 k r_k
        return energy, (weight.unsqueeze(-1) * lower).sum(-2)

    @property
    def minima(self) -> Minima:
        return Minima(_power_sum_minimizers(), 0.0)


class Cosine8(ProductModes, FixedDimension):
    r"""BoTorch's Cosine8 (a cosine mixture), negated so that its maximum is the minimum.

    [BoTorch] defines :math:`f(x) = 0.1 \sum_{i=1}^{8} \cos(5\pi x_i) - \sum_{i=1}^{8} x_i^2`
    on :math:`[-1, 1]^8` as a *maximization* problem, optimum :math:`f(0) = 0.8`. The energy
    is its negative,

    .. math::

        E(x) = \sum_{i=1}^{8} x_i^2 - 0.1 \sum_{i=1}^{8} \cos(5\pi x_i),

    so that the minimum is the optimum: :math:`E(0) = -0.8`, unique (each coordinate's
    :math:`t^2 - 0.1 \cos 5\pi t \ge -0.1` with equality only at 0). Separable.

    As a density on :math:`\mathbb R^8`, :math:`e^{-E}` is a product of eight laws
    :math:`e^{-t^2 + 0.1 \cos 5\pi t}`. Expanding :math:`e^{0.1 \cos\theta} = I_0(0.1) + 2
    \sum_{n \ge 1} I_n(0.1) \cos n\theta` and integrating against :math:`e^{-t^2}` term by term
    (:math:`\int e^{-t^2} \cos 5\pi n t\, dt = \sqrt\pi e^{-25\pi^2 n^2 / 4}`, below
    :math:`10^{-26}` from :math:`n = 1` on) gives each mass :math:`\sqrt\pi I_0(0.1)` and second
    moment :math:`\tfrac12`, to double precision: ``log_partition``, ``mean`` (0) and ``stddev``
    (:math:`\sqrt{1/2}`). ``sample`` draws exactly, from :math:`\mathcal N(0, \tfrac12)` kept
    with probability :math:`e^{0.1 (\cos 5\pi t - 1)} \ge e^{-0.2}`.

    Each coordinate's :math:`f(t) = t^2 - 0.1 \cos 5\pi t` has :math:`f'(t) = 2t + \tfrac\pi2
    \sin 5\pi t`, which vanishes only where :math:`|t| \le \pi/4`, and five local minima there
    (:math:`0`, :math:`\pm 0.3689`, :math:`\pm 0.7251`, of masses 0.2404, 0.2042 and 0.1756 each
    by the trapezoid rule on :math:`[-7, 7]`), so :math:`e^{-E}` has :math:`5^8 = 390625`
    modes: ``modes`` lists the heaviest (at 0) and the 32 that differ from it in one
    coordinate, and ``mode_index`` numbers the basin of every sample
    (:class:`ebmcore.plugin.ProductModes`).

    References:
        L. Breiman and A. Cutler, "A deterministic algorithm for global optimization",
        Mathematical Programming 58 (1993); [BoTorch] ``Cosine8``.

    Example:
        >>> import torch, ebmcore
        >>> ebmcore.create("cosine8").energy(torch.zeros(8))
        tensor(-0.8000)
    """

    symmetric_about = 0.0  # the density is even: its mean is 0

    dimension = 8
    domain = (-1.0, 1.0)
    minimizer = 0.0
    minimum = -0.8

    @staticmethod
    def _terms(x: Tensor) -> tuple[Tensor, Tensor]:
        angle = (5.0 * math.pi) * x
        return angle, (x * x).sum(-1) - 0.1 * torch.cos(angle).sum(-1)

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[1]

    @staticmethod
    def _slope(x: Tensor, angle: Tensor) -> Tensor:
        """The gradient, coordinate by coordinate, from ``x`` and its angle ``5 pi x``."""
        return 2.0 * x + (0.5 * math.pi) * torch.sin(angle)

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        angle, energy = self._terms(x)
        return energy, self._slope(x, angle)

    # -- ground truth of e^{-E} (see the class docstring) -------------------------------------------

    def log_partition(self) -> float:
        i0 = float(torch.special.i0(torch.tensor(0.1, dtype=torch.float64)))
        return 8.0 * (0.5 * math.log(math.pi) + math.log(i0))

    @property
    def stddev(self) -> Tensor:
        r""":math:`\sqrt{1/2}` for every coordinate (see the class docstring)."""
        return torch.full((8,), math.sqrt(0.5), dtype=torch.float64)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        def accepted(remaining: int) -> Tensor:  # at least 82% kept
            count = min(max(int(1.25 * remaining) + 64, 1024), 1 << 22)
            proposal = torch.randn(count, generator=generator, dtype=torch.float64) * math.sqrt(0.5)
            uniform = torch.rand(count, generator=generator, dtype=torch.float64)
            return proposal[uniform < torch.exp(0.1 * (torch.cos((5.0 * math.pi) * proposal) - 1.0))]

        return fill_by_rejection(8 * n, accepted).reshape(n, 8).to(self.dtype)

    def coordinate_basins(self) -> list[Basins]:
        return [_cosine8_basins()] * 8


@functools.cache
def _cosine8_basins() -> Basins:
    r"""The basins of one coordinate of :class:`Cosine8`, :math:`f(t) = t^2 - 0.1 \cos 5\pi t`:
    its critical points, all in :math:`[-1, 1]` (see the class docstring), weighed by the
    trapezoid rule on :math:`2^{16}` cells of :math:`[-7, 7]` (:math:`f > 48.9` at the ends)."""

    def energy(t: np.ndarray) -> np.ndarray:
        return Cosine8._terms(torch.from_numpy(t)[:, None])[1].numpy()

    def derivative(t: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(t)[:, None]
        return Cosine8._slope(x, Cosine8._terms(x)[0])[:, 0].numpy()

    return Basins.of(derivative, -1.0, 1.0, GridLaw.of(energy, -7.0, 7.0))
