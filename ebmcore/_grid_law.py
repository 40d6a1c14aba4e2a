r"""The ground truth of a 1-D law known up to its mass: quadrature on a grid, and exact draws.

A separable energy :math:`E(x) = \sum_i f_i(x_i)`, or one that splits into a Gaussian and a
1-D remainder, has its log partition, moments and samples from 1-D laws :math:`e^{-f(t)}`.
When :math:`f` is smooth and :math:`e^{-f}` decays fast, the trapezoid rule on a uniform grid
converges geometrically: :class:`GridLaw` tabulates the law once, and gives its log mass,
expectations and draws by inverse CDF. :func:`fill_by_rejection` collects exact draws from a
rejection sampler that keeps an unknown share of its proposals.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from ._errors import InvalidParameterError

__all__ = ["GridLaw", "fill_by_rejection"]


def _trapezoid(values: np.ndarray) -> float:
    """The trapezoid rule in units of the step (one pairwise sum: no drift)."""
    return float(values.sum()) - 0.5 * float(values[0] + values[-1])


@dataclass(frozen=True, eq=False)
class GridLaw:
    r"""The 1-D law :math:`e^{-f(t)}` on a uniform grid of ``[low, high]``, by the trapezoid rule.

    Build it with :meth:`of`. ``grid`` holds the nodes (float64), ``density`` the values
    :math:`e^{-(f(t) - f_0)}` with :math:`f_0` the lowest value of :math:`f` on the grid,
    ``log_mass`` is :math:`\log \int e^{-f}` and ``cdf`` the normalized cumulative integral at
    the nodes. The interval must hold all of the mass that matters (the density at its ends
    below about :math:`e^{-40}` of the peak) and the grid must resolve :math:`f`: then the
    error of a smooth :math:`f` falls geometrically with the number of cells.

    Example:
        >>> import math, numpy as np
        >>> from ebmcore.plugin import GridLaw
        >>> law = GridLaw.of(lambda t: t**4, -6.0, 6.0)  # mass 2 Gamma(5/4)
        >>> abs(law.log_mass - math.log(2 * math.gamma(1.25))) < 1e-14
        True
        >>> abs(law.expect(lambda t: t * t) - math.gamma(0.75) / math.gamma(0.25)) < 1e-14
        True
    """

    grid: Tensor
    density: np.ndarray
    log_mass: float
    cdf: Tensor

    @classmethod
    def of(
        cls, energy: Callable[[np.ndarray], np.ndarray], low: float, high: float, cells: int = 2**16
    ) -> GridLaw:
        """Tabulate :math:`e^{-f}` for ``energy`` :math:`= f`, a vectorized numpy function, on
        ``cells`` equal cells of ``[low, high]``."""
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise InvalidParameterError("high", high, f"finite and above low = {low!r}", energy="GridLaw")
        if not (isinstance(cells, int) and cells >= 2):
            raise InvalidParameterError("cells", cells, "an integer >= 2", energy="GridLaw")
        nodes = np.linspace(low, high, cells + 1)
        values = np.asarray(energy(nodes), dtype=np.float64)
        lowest = float(values.min())
        if not math.isfinite(lowest):
            raise InvalidParameterError(
                "energy", lowest, f"finite somewhere on [{low}, {high}]", energy="GridLaw"
            )
        density = np.exp(-(values - lowest))
        step = (high - low) / cells
        cdf = np.concatenate([[0.0], np.cumsum(0.5 * (density[1:] + density[:-1]))])
        return cls(
            grid=torch.from_numpy(nodes),
            density=density,
            log_mass=math.log(step * _trapezoid(density)) - lowest,
            cdf=torch.from_numpy(np.minimum(cdf / cdf[-1], 1.0)),
        )

    def expect(self, g: Callable[[np.ndarray], np.ndarray]) -> float:
        """:math:`E[g(t)]` under the normalized law, by the same rule."""
        weighted = np.asarray(g(self.grid.numpy()), dtype=np.float64) * self.density
        return _trapezoid(weighted) / _trapezoid(self.density)

    @property
    def mean(self) -> float:
        """:math:`E[t]`."""
        return self.expect(lambda t: t)

    @property
    def stddev(self) -> float:
        r""":math:`\sqrt{E[(t - E[t])^2]}`."""
        mean = self.mean
        return math.sqrt(self.expect(lambda t: (t - mean) ** 2))

    def quantile(self, u: Tensor) -> Tensor:
        """The points where the CDF reaches ``u`` (float64 in ``[0, 1]``), linear in each cell."""
        grid, cdf = self.grid, self.cdf
        high = torch.searchsorted(cdf, u).clamp(1, len(cdf) - 1)
        low = high - 1
        share = (u - cdf[low]) / (cdf[high] - cdf[low]).clamp_min(1e-300)
        return grid[low] + share * (grid[high] - grid[low])

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """``n`` float64 draws by inverse CDF."""
        return self.quantile(torch.rand(n, generator=generator, dtype=torch.float64))


def fill_by_rejection(total: int, accepted: Callable[[int], Tensor]) -> Tensor:
    """``total`` float64 draws from a rejection sampler: ``accepted(remaining)`` proposes (as
    many as it chooses, for ``remaining`` more draws) and returns the kept proposals of one
    round; it is called until there are enough.

    Example:
        >>> import torch
        >>> from ebmcore.plugin import fill_by_rejection
        >>> g = torch.Generator().manual_seed(0)
        >>> def half_normal(remaining):  # |z| kept where below 1: a truncated law
        ...     z = torch.randn(2 * remaining + 8, generator=g, dtype=torch.float64).abs()
        ...     return z[z < 1.0]
        >>> draws = fill_by_rejection(1000, half_normal)
        >>> draws.shape, bool((draws < 1.0).all())
        (torch.Size([1000]), True)
    """
    out = torch.empty(total, dtype=torch.float64)
    done = 0
    while done < total:
        kept = accepted(total - done)[: total - done]
        out[done : done + len(kept)] = kept
        done += len(kept)
    return out
