"""Finite inputs whose intermediate terms overflow give inf, never NaN (found by property tests)."""

from __future__ import annotations

import pytest
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


@pytest.mark.parametrize(
    ("name", "points"),
    [
        # the last coordinate's square overflows float32; its term (it has none) was 0 * inf
        ("rosenbrock", [[0.0, 1e20], [0.0, 1.0, 1e20]]),
        # the first coordinate's square overflows float32; its wrapped-around valley (weight 0)
        ("dixon_price", [[-1e20, 0.0], [-1e20, 0.0, 0.0]]),
    ],
)
def test_a_term_a_formula_leaves_out_is_not_zero_times_its_overflow(
    name: str, points: list[list[float]]
) -> None:
    """Where float32 cannot hold the energy it is +inf on every path, never NaN, and the gradient
    (which float32 holds) is float64's."""
    for point in points:
        model = ebmcore.create(name, dim=len(point))
        x = torch.tensor([point, [0.5] * len(point)])
        exact_energy, exact_grad = model.energy_and_gradient(x.double())
        assert exact_energy[0] > torch.finfo(torch.float32).max
        for backend in ("auto", "analytic", "autograd"):  # auto: the C kernel where built
            with ebmcore.use_backend(backend):
                energy, grad = model.energy_and_gradient(x)
                assert energy[0] == float("inf") and torch.equal(model(x)[0], energy[0]), backend
                torch.testing.assert_close(energy[1:], exact_energy[1:].float(), rtol=1e-6, atol=0)
                torch.testing.assert_close(grad, exact_grad.float(), rtol=1e-6, atol=0)


def test_holder_table_gradient_near_the_origin_in_float32_is_float64s() -> None:
    """A subnormal radius: 1 / r overflows float32, x / r does not (the gradient was NaN)."""
    model = ebmcore.create("holder_table")
    x = torch.tensor([[0.0, 8.6e-41], [1e-41, 0.0], [3e-39, 2e-39], [0.0, 0.0]])
    energy, grad = model.energy_and_gradient(x)
    exact_energy, exact_grad = model.energy_and_gradient(x.double())
    torch.testing.assert_close(energy.double(), exact_energy, rtol=1e-6, atol=1e-44)
    torch.testing.assert_close(grad.double(), exact_grad, rtol=1e-6, atol=1e-44)
