"""Gradients of the BBOB energies: analytic against autograd and finite differences, and the
conventions at the points where a building block is not differentiable."""

from __future__ import annotations

import math

import pytest
import torch
from ebmcore_bbob import _coco

import ebmcore

F64 = torch.float64
FUNCTIONS = sorted(int(name.removeprefix("bbob_f")) for name in ebmcore.list_energies("bbob_f*"))
CASES = [(f, d, i) for f in FUNCTIONS for d, i in ((2, 1), (5, 7), (40, 123456))]


def model(function: int, dim: int, instance: int) -> ebmcore.BaseModel:
    return ebmcore.create(f"bbob_f{function}", dim=dim, instance=instance)


def autograd(m: ebmcore.BaseModel, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    with ebmcore.use_backend("autograd"):
        return m.energy_and_gradient(x)


def points(m: ebmcore.BaseModel, n: int, seed: int) -> torch.Tensor:
    """Uniform in [-7, 7]^d: inside the box and outside it (where f4's penalty acts)."""
    generator = torch.Generator().manual_seed(seed)
    return 14.0 * torch.rand(n, m.dim, generator=generator, dtype=F64) - 7.0


def assert_gradients_close(g: torch.Tensor, reference: torch.Tensor, rtol: float) -> None:
    """Per sample, relative to the sample's largest component (f2's span 10^6)."""
    scale = reference.abs().amax(-1, keepdim=True).clamp_min(1e-300)
    error = ((g - reference).abs() / scale).max()
    assert float(error) <= rtol, f"relative error {float(error):.3g}"


@pytest.mark.parametrize(("function", "dim", "instance"), CASES)
def test_analytic_equals_autograd(function: int, dim: int, instance: int) -> None:
    m = model(function, dim, instance)
    x = points(m, 64, function + dim)
    e, g = m.energy_and_gradient(x)
    e_ref, g_ref = autograd(m, x)
    # Where a C kernel computes the energy (ebmcore-kernels), it rounds differently from torch
    # (fused multiply-adds, glibc's vector math), and some functions magnify a rounding of their
    # argument: f19's cos t_i takes t_i up to 1e8 here (measured: energies 6e-12, gradients 2.5e-9
    # apart at most), f17 and f18's sin(50 s^(1/10)) arguments of ~300 (2e-11), f16's cos(2 pi
    # 3^11 (z_i + 1/2)) arguments of 1e6
    rtol = 1e-10 if function in (17, 18, 19) else 1e-9 if function == 16 else 1e-12
    torch.testing.assert_close(e, e_ref, rtol=rtol, atol=0)
    if function in (16, 19):
        assert_gradients_close(g, g_ref, 1e-8)
    elif function == 23:  # f23's slope per coordinate is a sum of 32 teeth's +-1: where they cancel
        # (16 and 16, common in 2-D) it is exactly 0 analytically and autograd's one-by-one sum
        # leaves a 1e-13 residue, so compare relative to the batch's largest component
        torch.testing.assert_close(g, g_ref, rtol=0, atol=1e-10 * float(g_ref.abs().max()))
    else:
        assert_gradients_close(g, g_ref, 1e-10)
    assert torch.equal(e, m(x))  # the fused energy is forward's, bit for bit


# Steps of 1e-6 on [-7, 7]^d cannot resolve these; test_f15_f24.py checks them with steps that can
FINITE_DIFFERENCES_ELSEWHERE = {
    16: "f16's 12 cosine octaves (frequencies up to 2 pi 3^11) have third derivatives ~1e16",
    19: "f19's cos(t_i) with t_i up to 1e8 on [-7, 7]^d oscillates on scales far below 1e-6",
    23: "f23 is piecewise smooth with kinks 2^-33 apart: only steps below that see one piece",
}


@pytest.mark.parametrize(("function", "dim", "instance"), CASES)
def test_gradient_matches_central_differences(function: int, dim: int, instance: int) -> None:
    """Every f1-f5 is differentiable at generic points (f1-f4 everywhere, see below)."""
    if function in FINITE_DIFFERENCES_ELSEWHERE:
        pytest.skip(FINITE_DIFFERENCES_ELSEWHERE[function])
    m = model(function, dim, instance)
    x = points(m, 4, 100 + function + dim)
    g = m.gradient(x)
    h = 1e-6
    for i in range(dim):
        step = torch.zeros(dim, dtype=F64)
        step[i] = h
        fd = (m(x + step) - m(x - step)) / (2 * h)
        scale = g.abs().amax(-1) + 1.0
        assert bool(((fd - g[:, i]).abs() <= 1e-5 * scale).all()), (i, fd, g[:, i])


def test_gradient_is_zero_at_x_opt() -> None:
    # not f19 and f20: COCO's x_opt is their minimizer rounded (f19: Q^T 1 / 2 in float64, f20:
    # t = 420.96874633 against the exact maximizer 420.96874636 of t sin sqrt t), so the
    # gradient there is ~1e-15 and ~1e-8; test_f15_f24.py bounds it
    for function in (f for f in FUNCTIONS if f not in (19, 20)):
        for dim, instance in ((2, 1), (10, 3), (40, 1000)):
            m = model(function, dim, instance)
            x_opt = m.x_opt  # = minima.points[0]; f7 declares no minima (a continuum) but has x_opt
            e, g = m.energy_and_gradient(x_opt)
            assert float(e) == m.f_opt
            assert torch.equal(g, torch.zeros(dim, dtype=F64)), (function, g)
            assert torch.equal(autograd(m, x_opt)[1], g)


# -- the conventions ---------------------------------------------------------------------------


def test_t_osz_derivative_is_one_at_zero() -> None:
    """T_osz is not differentiable at 0 (its difference quotient oscillates without a limit);
    the derivative returned there is 1, from the analytic path and from autograd alike."""
    x = torch.tensor([0.0, -0.0, 1e-300, -1e-300, 0.5, -0.5], dtype=F64, requires_grad=True)
    value, slope = _coco.t_osz_and_derivative(x.detach())
    (autograd_slope,) = torch.autograd.grad(_coco.t_osz(x).sum(), x)
    assert value[:2].tolist() == [0.0, 0.0] and slope[:2].tolist() == [1.0, 1.0]
    torch.testing.assert_close(slope, autograd_slope, rtol=1e-13, atol=0)
    quotients = torch.tensor(
        [float(_coco.t_osz(torch.tensor(10.0**-k, dtype=F64))) * 10.0**k for k in range(5, 60)]
    )
    assert 0.9 < float(quotients.min()) < 0.97 and 1.03 < float(quotients.max()) < 1.11  # no limit at 0
    assert bool((slope[2:] > 0).all())  # increasing


def test_t_asy_is_c1_with_slope_one_at_zero() -> None:
    x = torch.tensor([[-1.0, -1e-12, 0.0, 1e-12, 1e-6, 2.0]], dtype=F64).expand(6, 6).T.contiguous()
    _, slope = _coco.t_asy_and_derivative(x, 0.2)
    x_ = x.clone().requires_grad_(True)
    (autograd_slope,) = torch.autograd.grad(_coco.t_asy(x_, 0.2).sum(), x_)
    torch.testing.assert_close(slope, autograd_slope, rtol=1e-12, atol=0)
    assert bool((slope[:3] == 1.0).all())  # x <= 0: the identity
    assert bool(((slope[3] - 1.0).abs() < 1e-5).all()) and bool(((slope[4] - 1.0).abs() < 1e-2).all())


def test_f_pen_gradient_is_continuous_at_the_bounds() -> None:
    x = torch.tensor([[-5.0, 5.0, 5.0 + 1e-9, -6.0, 4.0]], dtype=F64)
    value, grad = _coco.f_pen_and_gradient(x)
    torch.testing.assert_close(value, torch.tensor([1e-18 + 1.0], dtype=F64), rtol=1e-6, atol=0)
    assert grad[0, :2].tolist() == [0.0, 0.0] and grad[0, 4] == 0.0
    torch.testing.assert_close(grad[0, 2:4], torch.tensor([2e-9, -2.0], dtype=F64), rtol=1e-6, atol=0)
    x_ = x.clone().requires_grad_(True)
    (autograd_grad,) = torch.autograd.grad(_coco.f_pen(x_).sum(), x_)
    torch.testing.assert_close(grad, autograd_grad, rtol=1e-12, atol=0)


@pytest.mark.parametrize("function", [2, 3, 4])
def test_coordinates_at_the_optimum_have_zero_partials(function: int) -> None:
    """Where z_i = 0 (T_osz's kink, f4's switch of s_i) the partial is 0, whatever the other
    coordinates, and the one-sided difference quotients tend to it linearly (the functions are
    separable: the quotients are taken from x_opt, where nothing else moves the energy)."""
    m = model(function, 6, 2)
    x_opt = m.minima.points[0]
    generator = torch.Generator().manual_seed(function)
    x = (8.0 * torch.rand(6, generator=generator, dtype=F64) - 4.0).where(torch.arange(6) % 2 == 1, x_opt)
    assert m.gradient(x)[::2].tolist() == [0.0, 0.0, 0.0]
    for i in range(6):
        for sign in (1.0, -1.0):
            quotients = []
            for h in (1e-2, 1e-3, 1e-4):
                step = torch.zeros(6, dtype=F64)
                step[i] = sign * h
                quotients.append(float(m(x_opt + step) - m.f_opt) / h)
            assert quotients[0] > 0 and quotients[2] < 0.2 * quotients[1] < 0.04 * quotients[0], quotients


def test_f4_penalty_gradient_at_the_faces() -> None:
    """On the faces |x_i| = 5 the penalty contributes 0 to the gradient, and the gradient is
    continuous across them; beyond, it adds 200 (|x_i| - 5) sign(x_i)."""
    m = model(4, 3, 1)
    x = torch.tensor([5.0, -5.0, 0.3], dtype=F64)
    g = m.gradient(x)
    torch.testing.assert_close(autograd(m, x)[1], g, rtol=1e-12, atol=0)
    for eps in (1e-9, -1e-9):
        nearby = m.gradient(x + torch.tensor([eps, -eps, 0.0], dtype=F64))
        torch.testing.assert_close(nearby, g, rtol=1e-6, atol=1e-6)
    outside = torch.tensor([6.0, -7.0, 0.3], dtype=F64)
    h = 1e-6
    steps = h * torch.eye(3, dtype=F64)
    unpenalized = lambda y: m(y) - 100.0 * _coco.f_pen(y)  # noqa: E731
    fd = (unpenalized(outside + steps) - unpenalized(outside - steps)) / (2 * h)
    expected = fd + torch.tensor([200.0, -400.0, 0.0], dtype=F64)
    torch.testing.assert_close(m.gradient(outside), expected, rtol=1e-6, atol=1e-4)


def test_f5_gradient_on_the_flat_side_and_on_its_face() -> None:
    m = model(5, 4, 3)
    x_opt = m.minima.points[0]
    slopes = m.slopes
    # inside: the slope; on the face x_i = x_opt_i and beyond it: 0, as COCO's branch
    inside = 0.5 * x_opt
    assert torch.equal(m.gradient(inside), -slopes)
    assert torch.equal(m.gradient(x_opt), torch.zeros(4, dtype=F64))
    mixed = torch.where(torch.arange(4) < 2, 1.2 * x_opt, 0.9 * x_opt)
    assert torch.equal(m.gradient(mixed), torch.where(torch.arange(4) < 2, 0.0, -slopes))
    assert float(m(1.2 * x_opt)) == float(m(x_opt)) == m.f_opt  # flat beyond the corner
    just_inside = x_opt * (1 - 1e-12)
    assert torch.equal(m.gradient(just_inside), -slopes)
    assert torch.equal(autograd(m, mixed)[1], m.gradient(mixed))


def test_nan_inputs_give_nan_energies() -> None:
    for function in FUNCTIONS:
        m = model(function, 3, 1)
        x = torch.tensor([[math.nan, 0.0, 1.0], [0.5, 0.5, 0.5]], dtype=F64)
        e = m(x)
        assert bool(e[0].isnan()) and bool(e[1].isfinite())


def _rays(m: ebmcore.BaseModel, seed: int) -> torch.Tensor:
    """Points ``x_opt + t u`` with ``t`` from 1e-3 to 1e30 (log-spaced) along every coordinate
    axis, both ways, and along random directions: every magnitude a transformation of the
    coordinates passes through, including the narrow bands where one overflows and the next
    does not."""
    generator = torch.Generator().manual_seed(seed)
    axes = torch.eye(m.dim, dtype=F64)
    directions = torch.cat([axes, -axes, torch.randn(6, m.dim, generator=generator, dtype=F64)])
    t = torch.logspace(-3.0, 30.0, 1500, dtype=F64)
    return (m.x_opt + t[:, None, None] * directions).reshape(-1, m.dim)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_finite_inputs_of_any_size_give_no_nan(function: int) -> None:
    """Finite inputs up to 1e30 in magnitude (as the property tests draw them), in several
    dimensions: no NaN energy in float32 or float64, no NaN gradient in float64, nor in float32
    where float32 holds the float64 energy and gradient (an overflow may round to inf). Found
    this way: f3's 2 pi z beyond float32's range (cos(inf)), f12's T_asy beyond sqrt(max)."""
    limit = torch.finfo(torch.float32).max
    for dim in (2, 3, 7):
        m = model(function, dim, 2)
        x = _rays(m, 100 * function + dim)
        energy, grad = m.energy_and_gradient(x)
        assert not bool(energy.isnan().any()), x[energy.isnan()][:3]
        assert not bool(grad.isnan().any()), x[grad.isnan().any(-1)][:3]
        energy32, grad32 = m.float().energy_and_gradient(x.float())
        m.double()
        assert not bool(energy32.isnan().any()), x[energy32.isnan()][:3]
        fits = (energy.abs() <= limit) & (grad.abs() <= limit).all(-1)
        nan = grad32.isnan().any(-1) & fits
        assert not bool(nan.any()), x[nan][:3]
