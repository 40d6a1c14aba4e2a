"""A quadratic bowl."""

from __future__ import annotations

from torch import Tensor

from ebmcore import BaseModel, constraints


class Bowl(BaseModel):
    """E(x) = k/2 |x|^2."""

    arg_constraints = {"dim": constraints.positive_integer, "k": constraints.positive}

    def __init__(self, dim: int = 2, k: float = 1.0) -> None:
        super().__init__(dim, dim=dim, k=k)
        self.k = float(k)

    def forward(self, x: Tensor) -> Tensor:
        return 0.5 * self.k * (x * x).sum(-1)
