"""Fixtures shared by the first-party plugins' test suites (run from this repository)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

import ebmcore


@pytest.fixture
def clashing_gaussian() -> Iterator[None]:
    """A second energy named ``gaussian`` (plugin ``local``): the bare name is now ambiguous."""

    @ebmcore.register_energy("gaussian", summary="a clashing energy")
    class Clash(ebmcore.BaseModel):
        def __init__(self, dim: int = 2) -> None:
            super().__init__(dim, dim=dim)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x.sum(-1)

    try:
        with pytest.raises(ebmcore.AmbiguousEnergyError):
            ebmcore.create("gaussian")
        yield
    finally:
        ebmcore.unregister_energy("gaussian")
