"""Shared fixtures of the targets' tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

Rule = Callable[[float, float, int], tuple[np.ndarray, np.ndarray]]


def composite_gauss_legendre(
    low: float, high: float, panels: int, order: int = 20
) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of a ``panels``-panel composite Gauss-Legendre rule on ``[low, high]``."""
    t, w = np.polynomial.legendre.leggauss(order)
    edges = np.linspace(low, high, panels + 1)
    half = 0.5 * np.diff(edges)[:, None]
    nodes = (0.5 * (edges[:-1] + edges[1:]))[:, None] + half * t[None, :]
    return nodes.ravel(), (half * w[None, :]).ravel()


@pytest.fixture
def gauss_legendre() -> Rule:
    """``gauss_legendre(low, high, panels)``: a composite Gauss-Legendre rule (order 20 per panel)."""
    return composite_gauss_legendre
