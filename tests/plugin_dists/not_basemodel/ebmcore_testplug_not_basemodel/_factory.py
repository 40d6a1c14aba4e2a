"""A factory that returns something other than a model."""

from __future__ import annotations


def make(dim: int = 2) -> dict[str, int]:
    return {"dim": dim}
