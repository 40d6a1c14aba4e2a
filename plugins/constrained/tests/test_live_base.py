"""Constrained energies of live base models given positionally, including bases of open dimension."""

from __future__ import annotations

import math

import pytest
import torch
from ebmcore_analytic import Gaussian
from ebmcore_constrained import Box, Spherical

import ebmcore

F64 = torch.float64


class Linear(ebmcore.BaseModel):
    """E(x) = -x_1 (a von Mises-Fisher energy on the sphere), with no dimension fixed."""

    def __init__(self) -> None:
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return -x[:, 0]


def _points(d: int, n: int = 8, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, d, dtype=F64, generator=torch.Generator().manual_seed(seed))


def test_spherical_of_a_live_base_given_positionally() -> None:
    base = Gaussian(mean=[0.0, 0.0, 2.0])
    model = Spherical(base)
    assert model.base is base and model.dim == 3
    x = _points(3)
    u = x / x.norm(dim=-1, keepdim=True)
    mean = torch.tensor([0.0, 0.0, 2.0], dtype=F64)
    torch.testing.assert_close(model.energy(x), 0.5 * ((u - mean) ** 2).sum(-1), rtol=1e-12, atol=1e-12)
    # gradient: the tangent part of (u - mu), divided by |x|
    g = u - mean
    tangent = (g - (g * u).sum(-1, keepdim=True) * u) / x.norm(dim=-1, keepdim=True)
    torch.testing.assert_close(model.gradient(x), tangent, rtol=1e-10, atol=1e-12)
    assert ebmcore.create(model.spec).spec == model.spec


def test_spherical_of_a_base_without_a_dimension_fits_any() -> None:
    model = Spherical(Linear())
    assert model.event_shape is None and model.bounds is None
    for d in (2, 5):
        x = _points(d, seed=d)
        radius = x.norm(dim=-1)
        torch.testing.assert_close(model.energy(x), -x[:, 0] / radius, rtol=1e-12, atol=1e-12)
        # d/dx (-x_1/|x|) = -(e_1 - u u_1) / |x|
        u = x / radius[:, None]
        e1 = torch.zeros(d, dtype=F64)
        e1[0] = 1.0
        expected = -(e1 - u * u[:, :1]) / radius[:, None]
        torch.testing.assert_close(model.gradient(x), expected, rtol=1e-10, atol=1e-12)
    assert Spherical(Linear(), dim=3).event_shape == (3,)


def test_box_of_a_base_without_a_dimension_needs_one() -> None:
    model = Box(Linear(), low=[0.0, -1.0], high=[2.0, 1.0])
    assert model.event_shape == (2,)
    x = torch.tensor([[1.0, 0.5], [3.0, 0.0]], dtype=F64)
    energy = model.energy(x)
    assert energy[0].item() == -1.0 and energy[1].item() == math.inf
    with pytest.raises(ebmcore.InvalidParameterError, match="for a base that fits any dimension"):
        Box(Linear())
