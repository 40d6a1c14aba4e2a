"""A Gaussian of variance 4, to tell it apart from the analytic plugin's."""

from __future__ import annotations

from torch import Tensor

from ebmcore import BaseModel, constraints


class WideGaussian(BaseModel):
    """E(x) = |x|^2 / 8."""

    arg_constraints = {"dim": constraints.positive_integer}

    def __init__(self, dim: int = 2) -> None:
        super().__init__(dim, dim=dim)

    def forward(self, x: Tensor) -> Tensor:
        return (x * x).sum(-1) / 8.0
