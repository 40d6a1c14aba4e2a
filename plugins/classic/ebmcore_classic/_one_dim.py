"""One-dimensional test functions of surrogate modelling: Forrester's and Gramacy & Lee's.

Both are defined on an interval; ``x`` has shape ``(*batch, 1)``. Sources: see
:mod:`ebmcore_classic._common`.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import torch
from torch import Tensor

from ebmcore import Minima
from ebmcore.plugin import Basins, GridLaw, ProductModes

from ._common import FixedDimension

__all__ = ["FORRESTER_MINIMIZER", "GRAMACY_LEE_MINIMIZER", "Forrester", "GramacyLee"]

FORRESTER_MINIMIZER = 0.7572487578418559
"""The minimizer of Forrester's function on [0, 1], a root of its derivative (Newton, 60 digits)."""

GRAMACY_LEE_MINIMIZER = 0.5485634445276052
"""The minimizer of the Gramacy & Lee function on [0.5, 2.5] (Newton, 60 digits)."""


class Forrester(FixedDimension):
    r"""Forrester's function: a one-dimensional multimodal test of surrogate models.

    .. math::

        E(x) = (6x - 2)^2 \sin(12 x - 4), \qquad x \in [0, 1],

    with :math:`E'(x) = 12 (6x - 2) \big[\sin(12x - 4) + (6x - 2) \cos(12x - 4)\big]`. Global
    minimum :math:`E(0.7572487578) = -6.0207400558` (:data:`FORRESTER_MINIMIZER`; published as
    :math:`x \approx 0.75725`, :math:`E \approx -6.02074`, both right to the digits printed).

    References:
        A. I. J. Forrester, A. Sóbester and A. J. Keane, *Engineering Design via Surrogate
        Modelling: A Practical Guide*, Wiley (2008); [VLSE] "Forrester et al. (2008) Function".

    Example:
        >>> import torch, ebmcore
        >>> model = ebmcore.create("forrester")
        >>> model.energy(torch.tensor([[0.0], [1.0]], dtype=torch.float64))
        tensor([ 3.0272, 15.8297], dtype=torch.float64)
        >>> round(model.minima.value, 10)
        -6.0207400558
    """

    dimension = 1
    domain = (0.0, 1.0)

    @staticmethod
    def _terms(x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """``6x - 2``, the angle ``12x - 4`` and the energy, shared by forward and the gradient."""
        t = x[..., 0]
        a = 6.0 * t - 2.0
        angle = 12.0 * t - 4.0
        return a, angle, a * a * torch.sin(angle)

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[2]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        a, angle, energy = self._terms(x)
        grad = 12.0 * a * (torch.sin(angle) + a * torch.cos(angle))
        return energy, grad.unsqueeze(-1)

    @property
    def minima(self) -> Minima:
        return Minima([[FORRESTER_MINIMIZER]], -6.0207400557670825)


class GramacyLee(ProductModes, FixedDimension):
    r"""The Gramacy & Lee (2012) function: fast oscillation on a quartic trend.

    .. math::

        E(x) = \frac{\sin(10 \pi x)}{2x} + (x - 1)^4, \qquad x \in [0.5, 2.5].

    The quotient is evaluated as :math:`5\pi \operatorname{sinc}(10 x)` (``torch.sinc``,
    :math:`\operatorname{sinc} t = \sin(\pi t) / (\pi t)`), the same function, which is finite
    at :math:`x = 0` (value :math:`5\pi`, derivative 0) instead of :math:`0/0`. Global minimum
    :math:`E(0.5485634445) = -0.8690111350` (:data:`GRAMACY_LEE_MINIMIZER`), near the left end
    of the interval.

    As a density, :math:`e^{-E}` is finite on all of :math:`\mathbb R` and normalizable (the
    quotient is bounded by :math:`5\pi` and the quartic wins): a comb of narrow modes 0.2
    apart under the envelope :math:`e^{-(x - 1)^4}`, the highest near :math:`x = 0.144`
    (:math:`E = -2.874`, outside the search interval). Its mass, mean and second moment come from
    the trapezoid rule on :math:`[-3, 5]` with :math:`2^{16}` cells (about 1600 a period of the
    oscillation; the integrand is smooth and below :math:`e^{-250}` of its peak at the ends,
    where the rule converges geometrically): ``log_partition``, ``mean`` and ``stddev``.
    ``sample`` inverts the CDF of the same rule, linear in each cell of width
    :math:`1.2 \cdot 10^{-4}`.

    Every critical point of :math:`E` lies in :math:`[-1, 2.5]`: the quotient's slope
    :math:`5\pi \cos(10\pi x) / x - \sin(10\pi x) / (2x^2)` is at most :math:`5\pi + \tfrac12 <
    16.3` in size for :math:`x \le -1`, where :math:`4 |x - 1|^3 \ge 32`, and at most
    :math:`2\pi + 0.08 < 6.4` for :math:`x \ge 2.5`, where :math:`4 (x - 1)^3 \ge 13.5`. There
    :math:`E` has 15 local minima, from :math:`-0.712` to :math:`2.122`: ``modes`` lists them
    with the mass of each basin (the law between neighbouring local maxima, by the same rule;
    0.279 for the highest mode), and ``mode_index`` gives the basin of each sample
    (:class:`ebmcore.plugin.ProductModes`).

    References:
        R. B. Gramacy and H. K. H. Lee, "Cases for the nugget in modeling computer
        experiments", Statistics and Computing 22 (2012); [VLSE] "Gramacy & Lee (2012) Function".

    Example:
        >>> import torch, ebmcore
        >>> model = ebmcore.create("gramacy_lee")
        >>> model.energy(torch.tensor([[0.5], [2.0]], dtype=torch.float64))
        tensor([0.0625, 1.0000], dtype=torch.float64)
        >>> round(model.minima.value, 10)
        -0.869011135
    """

    dimension = 1
    domain = (0.5, 2.5)

    @staticmethod
    def _terms(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """``x``, ``t = 10 x``, ``sinc(t)`` and the energy, shared by forward and the gradient."""
        u = x[..., 0]
        t = 10.0 * u
        sinc = torch.sinc(t)
        return u, t, sinc, (5.0 * math.pi) * sinc + (u - 1.0) ** 4

    def forward(self, x: Tensor) -> Tensor:
        return self._terms(x)[3]

    @staticmethod
    def _derivative(u: Tensor, t: Tensor, sinc: Tensor) -> Tensor:
        """``E'(x)`` from the terms of :meth:`_terms`."""
        # d sinc/dt = (cos(pi t) - sinc(t)) / t, and 0 at t = 0 (sinc is even), as torch has it
        zero = t == 0
        slope = torch.where(zero, 0.0, (torch.cos(math.pi * t) - sinc) / torch.where(zero, 1.0, t))
        return (50.0 * math.pi) * slope + 4.0 * (u - 1.0) ** 3

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        u, t, sinc, energy = self._terms(x)
        return energy, self._derivative(u, t, sinc).unsqueeze(-1)

    @property
    def minima(self) -> Minima:
        return Minima([[GRAMACY_LEE_MINIMIZER]], -0.8690111349894998)

    # -- ground truth of e^{-E} (see the class docstring) -------------------------------------------

    def log_partition(self) -> float:
        return _gramacy_lee_law().log_mass

    @property
    def mean(self) -> Tensor:
        """The mean of the law, by the trapezoid rule."""
        return torch.tensor([_gramacy_lee_law().mean], dtype=torch.float64)

    @property
    def stddev(self) -> Tensor:
        """The standard deviation of the law, by the trapezoid rule."""
        return torch.tensor([_gramacy_lee_law().stddev], dtype=torch.float64)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        return _gramacy_lee_law().sample(n, generator).reshape(n, 1).to(self.dtype)

    def coordinate_basins(self) -> list[Basins]:
        return [_gramacy_lee_basins()]


@functools.cache
def _gramacy_lee_law() -> GridLaw:
    """The law ``exp(-E)`` of :class:`GramacyLee` on R, by the trapezoid rule on 2^16 cells of
    [-3, 5], where it holds all of the mass (``E > 250`` at the ends)."""
    return GridLaw.of(lambda t: GramacyLee._terms(torch.from_numpy(t)[:, None])[3].numpy(), -3.0, 5.0, 2**16)


@functools.cache
def _gramacy_lee_basins() -> Basins:
    """The local minima of :class:`GramacyLee` on R and the mass of each basin: the critical
    points of ``E`` on [-1, 2.5], where all of them lie (see the class docstring), weighed by
    :func:`_gramacy_lee_law`."""

    def derivative(t: np.ndarray) -> np.ndarray:
        u, s, sinc, _ = GramacyLee._terms(torch.from_numpy(t)[:, None])
        return GramacyLee._derivative(u, s, sinc).numpy()

    return Basins.of(derivative, -1.0, 2.5, _gramacy_lee_law())
