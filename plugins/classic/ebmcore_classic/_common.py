"""Pieces shared by the classic test functions: the fixed-dimension base class and small helpers.

Sources cited throughout the package:

* [VLSE] S. Surjanovic and D. Bingham, *Virtual Library of Simulation Experiments: Test
  Functions and Datasets*, Simon Fraser University (2013), https://www.sfu.ca/~ssurjano/.
* [BoTorch] M. Balandat et al., "BoTorch: a framework for efficient Monte-Carlo Bayesian
  optimization", NeurIPS 2020; module ``botorch.test_functions.synthetic``.
* [JY13] M. Jamil and X.-S. Yang, "A literature survey of benchmark functions for global
  optimization problems", Int. J. Math. Model. Numer. Optim. 4 (2013).

Every minimizer recorded in this package is its float64 value: the correctly rounded closed
form, or a root of the gradient refined by Newton's method in high precision and rounded
once (the tests refine them again in float64 and find them again from a dense grid).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import torch
from torch import Tensor

from ebmcore import BaseModel

__all__ = ["FixedDimension", "box", "hypot0", "index", "stack"]


class FixedDimension(BaseModel):
    """Base of the functions defined in one dimension only: they take no ``dim`` argument.

    A subclass sets :attr:`dimension`; its config holds its other parameters (``{}`` for most,
    which have none).
    """

    dimension: ClassVar[int]
    """The number of coordinates the function is defined for."""

    def __init__(self, **config: Any) -> None:
        super().__init__(self.dimension, **config)


def stack(*columns: Tensor) -> Tensor:
    """The per-coordinate gradients ``columns`` (each ``(*batch,)``) as one ``(*batch, d)`` tensor."""
    return torch.stack(columns, dim=-1)


def box(low: Sequence[float], high: Sequence[float]) -> Tensor:
    """The ``(2, d)`` float64 bounds with lower corner ``low`` and upper corner ``high``."""
    return torch.tensor([list(low), list(high)], dtype=torch.float64)


def index(dim: int, like: Tensor, start: int = 1) -> Tensor:
    """``(start, start + 1, ..., start + dim - 1)`` in ``like``'s dtype and device."""
    return torch.arange(start, start + dim, dtype=like.dtype, device=like.device)


def hypot0(a: Tensor, b: Tensor) -> Tensor:
    r"""``sqrt(a^2 + b^2)`` without overflow, with a finite derivative at the origin.

    ``torch.hypot`` is differentiated as ``a / r``, which is ``0 / 0`` at ``r = 0``; here the
    origin is routed around it, so the derivative of ``r`` there is 0 (the zero subgradient of
    the cone) and expressions smooth in :math:`r^2` keep finite higher derivatives.
    """
    origin = (a == 0) & (b == 0)
    return torch.where(origin, torch.zeros_like(a), torch.hypot(torch.where(origin, 1.0, a), b))
