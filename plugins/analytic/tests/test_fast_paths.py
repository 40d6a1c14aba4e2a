"""The speed layer of the analytic energies: cached constants, buffers and formula vectors, and
the neighbour terms of the row formulas.

Every fused ``analytic_energy_and_gradient`` is checked against autograd by the registry-wide
tests; these tests pin what those cannot see: that the caches follow the buffers they were
built from, that a first call inside ``torch.inference_mode`` leaves nothing behind that a
later differentiable call trips over, and that the neighbour terms of Rosenbrock and
Dixon-Price (``torch.roll`` in the formula, a shifted read in its C) never mix samples.
"""

from __future__ import annotations

import pytest
import torch
from ebmcore_analytic._fast import GEMV_MAX_WIDTH, buffer_as, cached, constant, rowsum

import ebmcore

SHIFTED = ["rosenbrock", "dixon_price"]  # energies coupling x_i with x_{i+1}


def _autograd(model: ebmcore.BaseModel, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    leaf = x.detach().requires_grad_(True)
    energy = model(leaf)
    (grad,) = torch.autograd.grad(energy.sum(), leaf)
    return energy.detach(), grad


def test_constant_is_cached_per_dtype_and_device_and_read_only_in_use() -> None:
    x32, x64 = torch.zeros(2), torch.zeros(2, dtype=torch.float64)
    assert constant(1.5, x32) is constant(1.5, x32)
    assert constant(1.5, x64).dtype == torch.float64 and constant(1.5, x32).dtype == torch.float32
    assert constant(1.5, x32, 3).shape == (3,) and constant(1.5, x32).shape == ()
    torch.testing.assert_close(rowsum(torch.tensor([[1.0, 2.0, 4.0]]), 0.5), torch.tensor([3.5]))


@pytest.mark.parametrize("width", [1, GEMV_MAX_WIDTH, GEMV_MAX_WIDTH + 1, 100])
@pytest.mark.parametrize("weight", [1.0, -0.25])
def test_rowsum_on_both_sides_of_the_gemv_width(width: int, weight: float) -> None:
    """Short rows go through gemv, long ones through sum(-1): same values, batch shapes, grads."""
    t = torch.randn(2, 3, width, dtype=torch.float64, generator=torch.Generator().manual_seed(width))
    torch.testing.assert_close(rowsum(t, weight), weight * t.sum(-1), rtol=1e-13, atol=1e-13)
    assert rowsum(t[0, 0], weight).shape == ()
    assert rowsum(t[:, :0], weight).shape == (2, 0)
    leaf = t.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(rowsum(leaf * leaf, weight).sum(), leaf)
    torch.testing.assert_close(grad, 2.0 * weight * t, rtol=1e-13, atol=1e-13)
    with torch.no_grad():
        assert rowsum(torch.tensor([[float("nan")] * width]), weight).isnan().all()


def test_a_first_call_in_inference_mode_does_not_poison_later_differentiable_calls() -> None:
    model = ebmcore.create("double_well", dim=3, barrier_height=1.75)  # constants of its own
    x = torch.randn(4, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():  # builds the cached constants inside inference mode
        model.energy_and_gradient(x.clone())
    leaf = x.clone().requires_grad_(True)
    grad = model.gradient(leaf, create_graph=True)
    (hvp,) = torch.autograd.grad(grad.sum(), leaf)
    torch.testing.assert_close(hvp, 1.75 * (12.0 * x * x - 4.0), rtol=1e-12, atol=1e-12)  # d2E/dx_i2


def test_second_derivatives_through_cached_constants_match_autograd() -> None:
    model = ebmcore.create("styblinski_tang", dim=3)
    with torch.inference_mode():  # builds the cached constants inside inference mode
        model.energy_and_gradient(torch.zeros(2, 3, dtype=torch.float64))
    x = torch.randn(4, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1)).requires_grad_(
        True
    )
    grad = model.gradient(x, create_graph=True)
    (hvp,) = torch.autograd.grad(grad.sum(), x)
    torch.testing.assert_close(
        hvp, (6.0 * x * x - 16.0).detach(), rtol=1e-12, atol=1e-12
    )  # d2E/dx2 = 6x^2 - 16


def test_buffer_as_follows_in_place_changes_and_replacement() -> None:
    module = torch.nn.Module()
    module.register_buffer("w", torch.tensor([1.0, 2.0], dtype=torch.float64))
    x = torch.zeros(2)
    first = buffer_as(module, "w", x)
    assert first.dtype == torch.float32 and buffer_as(module, "w", x) is first  # cached
    module.w.mul_(3.0)  # in place: the version counter moves
    torch.testing.assert_close(buffer_as(module, "w", x), torch.tensor([3.0, 6.0]))
    module.w = torch.tensor([5.0, 7.0], dtype=torch.float64)  # replaced
    torch.testing.assert_close(buffer_as(module, "w", x), torch.tensor([5.0, 7.0]))
    assert buffer_as(module, "w", x.double()) is module.w  # same dtype: the buffer itself


def test_cached_rebuilds_only_when_a_source_changes() -> None:
    module = torch.nn.Module()
    source = torch.ones(3)
    calls = []

    def build() -> float:
        calls.append(1)
        return float(source.sum())

    assert cached(module, "key", (source,), build) == 3.0
    assert cached(module, "key", (source,), build) == 3.0
    assert len(calls) == 1
    source.add_(1.0)
    assert cached(module, "key", (source,), build) == 6.0
    assert len(calls) == 2
    with torch.inference_mode():  # an inference tensor has no version counter: never cached
        frozen = torch.ones(2)
    assert cached(module, "other", (frozen,), lambda: 2.0) == 2.0


def test_gaussian_zero_mean_and_isotropic_shortcuts_follow_the_buffers() -> None:
    model = ebmcore.create("gaussian", dim=3)
    x = torch.randn(5, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    energy, grad = model.energy_and_gradient(x)
    torch.testing.assert_close(grad, x)
    torch.testing.assert_close(energy, 0.5 * (x * x).sum(-1))
    with torch.no_grad():  # as load_state_dict does: in place
        model.loc.copy_(torch.tensor([1.0, -2.0, 0.5]))
        model.precision_diag.copy_(torch.tensor([1.0, 4.0, 0.25]))
    energy, grad = model.energy_and_gradient(x)
    centered = x - model.loc
    torch.testing.assert_close(grad, centered * model.precision_diag)
    torch.testing.assert_close(energy, 0.5 * (centered * centered * model.precision_diag).sum(-1))


def test_gaussian_shortcuts_keep_the_graph_of_a_buffer_that_requires_grad() -> None:
    """The zero mean and the one-number precision are shortcuts by value: a loc or precision
    that requires grad (swapped in by functional_call, say) is differentiated through instead."""
    model = ebmcore.create("gaussian", dim=3)
    x = torch.randn(5, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    loc = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    precision = torch.ones(3, dtype=torch.float64, requires_grad=True)
    energy = torch.func.functional_call(model, {"loc": loc, "precision_diag": precision}, (x,))
    d_loc, d_precision = torch.autograd.grad(energy.sum(), (loc, precision))
    torch.testing.assert_close(d_loc, -x.sum(0))
    torch.testing.assert_close(d_precision, 0.5 * (x * x).sum(0))


@pytest.mark.parametrize("name", SHIFTED)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("backend", ["auto", "analytic"])
def test_neighbour_terms_never_mix_samples(name: str, dtype: torch.dtype, backend: str) -> None:
    model = ebmcore.create(name, dim=4)
    generator = torch.Generator().manual_seed(3)
    x = torch.randn(3, 5, 4, dtype=torch.float64, generator=generator).to(dtype)
    x[0, 1] = torch.tensor([float("nan"), 1e30, -1e30, float("inf")], dtype=dtype)  # one poisoned sample
    with ebmcore.use_backend(backend):  # the C kernel where it is built, and the torch formula
        energy, grad = model.energy_and_gradient(x)
    for index in [(0, 0), (0, 2), (1, 0), (2, 4)]:  # neighbours of the poisoned sample and others
        alone_energy, alone_grad = model.energy_and_gradient(x[index])
        torch.testing.assert_close(energy[index], alone_energy, rtol=1e-6, atol=0)
        torch.testing.assert_close(grad[index], alone_grad, rtol=1e-6, atol=0)
        assert energy[index].isfinite() and grad[index].isfinite().all()
    assert energy[0, 1].isnan()


@pytest.mark.parametrize("name", SHIFTED)
def test_every_path_of_a_neighbour_formula_matches_autograd(name: str) -> None:
    model = ebmcore.create(name, dim=6)
    generator = torch.Generator().manual_seed(4)
    x = torch.randn(7, 6, dtype=torch.float64, generator=generator)
    default = model.energy_and_gradient(x)  # the C kernel where it is built
    formula = model.analytic_energy_and_gradient(x.clone().requires_grad_(True))
    reference = _autograd(model, x)
    for got in (default, formula):
        torch.testing.assert_close(got[0].detach(), reference[0], rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(got[1].detach(), reference[1], rtol=1e-10, atol=1e-12)
    transposed = x.T.contiguous().T  # a non-contiguous input takes the same path
    assert not transposed.is_contiguous()
    torch.testing.assert_close(model.energy_and_gradient(transposed)[1], reference[1], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", SHIFTED)
def test_a_neighbour_formula_on_a_single_sample_and_an_empty_batch(name: str) -> None:
    model = ebmcore.create(name, dim=3)
    x = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
    energy, grad = model.energy_and_gradient(x)
    reference = _autograd(model, x)
    assert energy.shape == () and grad.shape == (3,)
    torch.testing.assert_close(energy, reference[0], rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(grad, reference[1], rtol=1e-10, atol=1e-12)
    empty_energy, empty_grad = model.energy_and_gradient(torch.zeros(0, 3))
    assert empty_energy.shape == (0,) and empty_grad.shape == (0, 3)
