"""1-D laws of separable energies on a grid: the trapezoid rule, its CDF and sampling.

The double well, Styblinski-Tang and Zakharov's ridge integrate smooth, fast-decaying 1-D
densities on a uniform grid (where the trapezoid rule converges geometrically) and sample their
1-D laws from it or by rejection.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor

__all__ = ["fill_by_rejection", "inverse_cdf", "trapezoid", "trapezoid_cdf"]


def trapezoid(values: np.ndarray, step: float) -> float:
    """The trapezoid rule on a uniform grid of spacing ``step`` (one pairwise sum: no drift)."""
    return step * (float(values.sum()) - 0.5 * float(values[0] + values[-1]))


def trapezoid_cdf(density: np.ndarray) -> Tensor:
    """The normalized cumulative trapezoid integral of ``density`` on a uniform grid."""
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (density[1:] + density[:-1]))])
    return torch.from_numpy(np.minimum(cdf / cdf[-1], 1.0))


def inverse_cdf(grid: Tensor, cdf: Tensor, u: Tensor) -> Tensor:
    """The points of ``grid`` where the CDF reaches ``u``, linear in each cell."""
    high = torch.searchsorted(cdf, u).clamp(1, len(cdf) - 1)
    low = high - 1
    share = (u - cdf[low]) / (cdf[high] - cdf[low]).clamp_min(1e-300)
    return grid[low] + share * (grid[high] - grid[low])


def fill_by_rejection(total: int, accepted: Callable[[int], Tensor]) -> Tensor:
    """``total`` float64 draws: ``accepted(remaining)`` returns the kept proposals of one round
    (it chooses how many to propose), called until there are enough."""
    out = torch.empty(total, dtype=torch.float64)
    done = 0
    while done < total:
        kept = accepted(total - done)[: total - done]
        out[done : done + len(kept)] = kept
        done += len(kept)
    return out
