"""Finite inputs whose intermediate terms overflow give inf, never NaN (found by property tests)."""

from __future__ import annotations

import torch

import ebmcore


def test_holder_table_gradient_is_infinite_not_nan_where_exp_overflows() -> None:
    model = ebmcore.create("holder_table")
    x = torch.tensor([[1.0, -1e4], [2.0, -3.0]], dtype=torch.float64)
    energy, grad = model.energy_and_gradient(x)
    assert energy[0] == -float("inf") and torch.isinf(grad[0]).all()
    with ebmcore.use_backend("autograd"):
        _, reference = model.energy_and_gradient(x)
    torch.testing.assert_close(grad[1], reference[1], rtol=1e-12, atol=0)
    # the sign of the x-component, the one autograd still gets (its y-component is inf - inf)
    assert torch.sign(grad[0, 0]) == torch.sign(reference[0, 0])


def test_beale_in_float32_is_finite_where_b_cubed_alone_overflows() -> None:
    model = ebmcore.create("beale")
    x = torch.tensor([[0.0, -1e13], [1e-20, 1e13]])
    energy, _ = model.energy_and_gradient(x)
    exact = model.energy(x.double())
    assert torch.isfinite(energy).all()
    torch.testing.assert_close(energy, exact.float(), rtol=1e-6, atol=0)
    torch.testing.assert_close(model.energy(x), energy)
