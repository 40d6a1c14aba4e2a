"""Gradients: against autograd and finite differences, and their conventions at kinks.

* the fused analytic gradient equals autograd through ``forward`` to 1e-10 relative (float64)
  and Richardson-extrapolated central differences, at random points of each search domain;
* the documented values at the non-smooth points (Bukin N.6's valley floor, Cross-in-Tray's
  cross, Schwefel's x_i = 0) and at removable singularities (Gramacy & Lee at 0, Drop-Wave at
  the origin), all finite;
* no NaN for finite inputs of any magnitude the dtype's squares can take (1e-30 to 1e30).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest
import torch

import ebmcore

F64 = torch.float64
CLASSIC = ebmcore.list_energies(plugin="classic")
CONFIGS: list[tuple[str, dict[str, Any]]] = [(name, {}) for name in CLASSIC] + [
    ("powell", {"dim": 8}),
    ("schwefel", {"dim": 5}),
    ("trid", {"dim": 1}),
    ("trid", {"dim": 6}),
    ("perm", {"dim": 1}),
    ("perm", {"dim": 4}),
    ("perm", {"dim": 3, "beta": 4.0}),
    ("sum_of_different_powers", {"dim": 6}),
    ("rotated_hyper_ellipsoid", {"dim": 6}),
    ("sum_squares", {"dim": 6}),
]
IDS = [f"{n}-{'-'.join(f'{k}{v}' for k, v in kw.items())}".rstrip("-") for n, kw in CONFIGS]


def random_points(model: ebmcore.BaseModel, n: int, seed: int = 0) -> torch.Tensor:
    bounds = model.bounds
    u = torch.rand(n, model.dim, generator=torch.Generator().manual_seed(seed), dtype=F64)
    return bounds[0] + (bounds[1] - bounds[0]) * (0.05 + 0.9 * u)


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=IDS)
def test_gradient_matches_autograd_through_forward(name: str, kwargs: dict[str, Any]) -> None:
    model = ebmcore.create(name, **kwargs)
    x = random_points(model, 256)
    energy, gradient = model.energy_and_gradient(x)
    assert torch.equal(energy, model.forward(x))  # one energy expression
    with ebmcore.use_backend("autograd"):
        reference = model.gradient(x)
    scale = reference.abs().amax(-1, keepdim=True)  # components may cancel to ~0
    assert bool(((gradient - reference).abs() <= 1e-10 * scale + 1e-300).all()), float(
        ((gradient - reference).abs() / scale).max()
    )


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=IDS)
def test_gradient_matches_richardson_finite_differences(name: str, kwargs: dict[str, Any]) -> None:
    """(4 D(h/2) - D(h)) / 3 with central differences D: error O(h^4 w^4) for a ripple of
    frequency w; h = 1e-6 (1 + |x|) resolves even Schaffer's sin(x^2 - y^2) at |x| ~ 90."""
    model = ebmcore.create(name, **kwargs)
    x = random_points(model, 16, seed=1)
    gradient = model.gradient(x)
    h = 1e-6 * (1.0 + x.abs().amax(-1, keepdim=True))  # (n, 1)
    eye = torch.eye(model.dim, dtype=F64)

    def central(step: torch.Tensor) -> torch.Tensor:
        shifted = step[:, None, :] * eye[None]  # (n, d, d)
        plus, minus = model.energy(x[:, None, :] + shifted), model.energy(x[:, None, :] - shifted)
        return (plus - minus) / (2.0 * step)

    estimate = (4.0 * central(h / 2.0) - central(h)) / 3.0
    roundoff = 1e-14 * (model.energy(x).abs()[:, None] + 1.0) / h
    tolerance = 1e-6 * (gradient.abs().amax(-1, keepdim=True) + 1.0) + roundoff
    assert bool(((estimate - gradient).abs() <= tolerance).all()), float(
        ((estimate - gradient).abs() / tolerance).max()
    )


# -- the documented gradients at kinks and removable singularities -----------------------------------


def test_bukin_n6_gradient_on_the_valley_floor_is_the_smooth_part() -> None:
    model = ebmcore.create("bukin_n6")
    a = torch.tensor([-14.0, -12.0, -8.0, -6.0, -10.0], dtype=F64)
    floor = torch.stack([a, 0.01 * (a * a)], dim=-1)  # u = y - 0.01 x^2 = 0 exactly
    energy, gradient = model.energy_and_gradient(floor)
    torch.testing.assert_close(energy, 0.01 * (a + 10.0).abs(), rtol=1e-15, atol=0)
    expected = torch.stack([0.01 * torch.sign(a + 10.0), torch.zeros_like(a)], dim=-1)
    assert torch.equal(gradient, expected)  # (0.01 sign(x + 10), 0); (0, 0) at the minimizer
    # off the floor: the derivative, large but finite near it
    near = floor + torch.tensor([0.0, 1e-12], dtype=F64)
    gradient = model.gradient(near)
    assert bool(torch.isfinite(gradient).all())
    torch.testing.assert_close(gradient[:, 1], torch.full_like(a, 50.0 / math.sqrt(1e-12)), rtol=1e-3, atol=0)


def test_cross_in_tray_gradient_on_the_cross_takes_sign_zero() -> None:
    model = ebmcore.create("cross_in_tray")
    t = torch.linspace(-9.0, 9.0, 19, dtype=F64)
    on_x_axis = torch.stack([t, torch.zeros_like(t)], dim=-1)  # sin y = 0: a ridge across y
    gradient = model.gradient(on_x_axis)
    assert bool(torch.isfinite(gradient).all())
    assert bool((gradient[:, 1] == 0).all())  # the mid-point of the one-sided derivatives
    # along the ridge the energy is the constant -1e-4: its derivative along x is 0 too
    assert bool((model.energy(on_x_axis) == -1e-4).all()) and bool((gradient[:, 0] == 0).all())
    # E is even in y, so the one-sided derivatives across the ridge are opposite (a cusp: the
    # energy falls on both sides); their mid-point is 0
    for x0 in (1.0, -2.5, 7.0):
        for h in (1e-3, 1e-7, 1e-12):
            e0, up, down = (float(model.energy(torch.tensor([x0, s], dtype=F64))) for s in (0.0, h, -h))
            assert up == down < e0
    assert torch.equal(model.gradient(torch.zeros(2, dtype=F64)), torch.zeros(2, dtype=F64))


def test_schwefel_gradient_at_zero_is_the_derivative() -> None:
    model = ebmcore.create("schwefel", dim=3)
    x = torch.tensor([0.0, -0.0, 1e-300], dtype=F64)
    gradient = model.gradient(x)
    assert bool((gradient.abs() < 1e-140).all())  # sin sqrt|t| + sqrt|t| cos(sqrt|t|) / 2 -> 0
    for h in (1e-4, 1e-8):  # E is C^1 at 0: the difference quotient goes to 0 like sqrt(h)
        zero, step = torch.zeros(3, dtype=F64), torch.tensor([h, 0.0, 0.0], dtype=F64)
        quotient = float(model.energy(zero + step) - model.energy(zero)) / h
        assert abs(quotient) < 2.0 * math.sqrt(h)


def test_removable_singularities_are_finite() -> None:
    gramacy = ebmcore.create("gramacy_lee")
    energy, gradient = gramacy.energy_and_gradient(torch.zeros(1, dtype=F64))
    assert float(energy) == pytest.approx(5 * math.pi + 1.0, rel=1e-15)  # sin(10 pi x) / 2x -> 5 pi
    assert float(gradient[0]) == -4.0  # the quotient's derivative is 0 there; (x - 1)^4 gives -4
    drop = ebmcore.create("drop_wave")
    origin = torch.zeros(2, dtype=F64)
    assert torch.equal(drop.gradient(origin), origin)
    hessian = torch.func.jacrev(torch.func.jacrev(drop.forward))(origin)
    torch.testing.assert_close(hessian, 72.5 * torch.eye(2, dtype=F64), rtol=1e-14, atol=0)
    torch.testing.assert_close(torch.autograd.functional.hessian(drop.energy, origin), hessian)
    powers = ebmcore.create("sum_of_different_powers", dim=3)
    zero = torch.zeros(3, dtype=F64)
    expected = torch.diag(torch.tensor([2.0, 0.0, 0.0], dtype=F64))
    torch.testing.assert_close(torch.func.jacrev(torch.func.jacrev(powers.forward))(zero), expected)
    torch.testing.assert_close(torch.autograd.functional.hessian(powers.energy, zero), expected)


# -- extreme inputs --------------------------------------------------------------------------------

# 1.5e19: a float32 square near the top of its range, twice which overflows (Schaffer's sin 2u).
# (Beyond about 1e37 a trigonometric argument c x itself overflows float32: not drawn.)
MAGNITUDES = [0.0, -0.0, 1e-30, -1e-30, 1e-8, -1.0, 3.0, 1e8, -1e15, 1.5e19, 1e30, -1e30]


@pytest.mark.parametrize("name", CLASSIC)
def test_finite_inputs_never_give_nan(name: str) -> None:
    """Every combination of magnitudes over two coordinates (the rest 0.5): no NaN energy in float32
    or float64, no NaN gradient in float64 (inf is fine: the value overflows), nor in float32 where
    float32 holds the float64 energy and gradient."""
    model = ebmcore.create(name)
    pairs = torch.tensor(list(itertools.product(MAGNITUDES, repeat=min(2, model.dim))), dtype=F64)
    x = torch.full((len(pairs), model.dim), 0.5, dtype=F64)
    x[:, : pairs.shape[1]] = pairs
    for dtype in (torch.float32, F64):
        energy, gradient = model.energy_and_gradient(x.to(dtype))
        assert not bool(energy.isnan().any()), (dtype, x[energy.isnan()])
        assert not bool(model.energy(x.to(dtype)).isnan().any())
    assert not bool(gradient.isnan().any()), x[gradient.isnan().any(-1)]  # float64's
    limit = torch.finfo(torch.float32).max
    fits = (energy.abs() <= limit) & (gradient.abs() <= limit).all(-1)
    nan32 = model.energy_and_gradient(x.float())[1].isnan().any(-1) & fits
    assert not bool(nan32.any()), x[nan32]
