"""BBOB f15-f24: what the registry-wide tests cannot check for these functions.

Gradients against central differences at steps that resolve them (f16, f19, f23), the gradient
conventions at the non-smooth points (cusps, kinks, ties, T_asy overflow), the minima (f_opt
attained at x_opt and nothing lower, by construction, on dense samples), the instance data of
COCO's generators (Gallagher's peaks, f20's and f24's signs, f19's optimum), and extreme inputs.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
from ebmcore_bbob import (
    Gallagher21,
    Gallagher101,
    GriewankRosenbrock,
    Katsuura,
    LunacekBiRastrigin,
    RastriginRotated,
    SchaffersF7,
    SchaffersF7IllConditioned,
    Schwefel,
    Weierstrass,
    _coco,
)
from ebmcore_bbob._weakly_structured import katsuura_formula

import ebmcore

F64 = torch.float64
FUNCTIONS = list(range(15, 25))
CLASSES = {
    15: (RastriginRotated, ("bbob_rastrigin_rotated",)),
    16: (Weierstrass, ("bbob_weierstrass",)),
    17: (SchaffersF7, ("bbob_schaffers", "bbob_schaffers_f7")),
    18: (SchaffersF7IllConditioned, ("bbob_schaffers_ill_conditioned", "bbob_schaffers_f7_ill_conditioned")),
    19: (GriewankRosenbrock, ("bbob_griewank_rosenbrock", "bbob_f8f2")),
    20: (Schwefel, ("bbob_schwefel",)),
    21: (Gallagher101, ("bbob_gallagher_101", "bbob_gallagher_101_peaks")),
    22: (Gallagher21, ("bbob_gallagher_21", "bbob_gallagher_21_peaks")),
    23: (Katsuura, ("bbob_katsuura",)),
    24: (LunacekBiRastrigin, ("bbob_lunacek_bi_rastrigin", "bbob_lunacek")),
}
NONSMOOTH = {16, 17, 18, 21, 22, 23, 24}


def model(function: int, dim: int = 2, instance: int = 1) -> ebmcore.BaseModel:
    return ebmcore.create(f"bbob_f{function}", dim=dim, instance=instance)


def autograd(m: ebmcore.BaseModel, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    with ebmcore.use_backend("autograd"):
        return m.energy_and_gradient(x)


def uniform(n: int, dim: int, seed: int, low: float = -5.0, high: float = 5.0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return low + (high - low) * torch.rand(n, dim, generator=generator, dtype=F64)


def unit(dim: int, i: int) -> torch.Tensor:
    return torch.eye(dim, dtype=F64)[i]


# -- names, tags, instances -------------------------------------------------------------------


def test_classes_aliases_and_tags() -> None:
    for function, (cls, aliases) in CLASSES.items():
        name = f"bbob_f{function}"
        assert type(ebmcore.create(name)) is cls and cls.function == function
        for alias in aliases:
            assert type(ebmcore.create(alias, dim=3, instance=2)) is cls
        tags = set(ebmcore.info(name).tags)
        assert {"bbob", "optimization", "multimodal"} <= tags
        assert ("weakly_structured" in tags) == (function >= 20)  # COCO's groups 4 and 5
        assert ("nonsmooth" in tags) == (function in NONSMOOTH)
        assert "separable" not in tags and "ill_conditioned" not in tags


def test_f16_and_f23_have_many_global_minimizers() -> None:
    """f16 is minimal wherever z is an integer vector, f23 wherever z is in (Z/2)^d: inside the
    box there are many such points (not counted), so both declare no ``minima``; their
    ``minimum_value`` is f_opt. Shown in 2-D, instance 1, by inverting z(x)."""
    f23 = model(23, 2, 1)
    for z in ([0.5, 0.0], [0.0, 0.5], [0.5, 0.5], [1.0, -0.5]):
        x = f23.x_opt + torch.linalg.solve(f23.folded, torch.tensor(z, dtype=F64))
        assert bool((x.abs() <= 5).all()) and float(f23(x)) == pytest.approx(f23.f_opt, rel=0, abs=1e-11)
    f16 = model(16, 2, 1)
    w = torch.linalg.solve(f16.folded, torch.tensor([0.0, 1.0], dtype=F64))  # T_osz(u) for z = (0, 1)
    low, high = torch.full((2,), -20.0, dtype=F64), torch.full((2,), 20.0, dtype=F64)
    for _ in range(100):  # T_osz is increasing: invert it by bisection
        mid = 0.5 * (low + high)
        above = _coco.t_osz(mid) > w
        low, high = torch.where(above, low, mid), torch.where(above, mid, high)
    x = f16.x_opt + f16.rotation.T @ (0.5 * (low + high))
    assert bool((x.abs() <= 5).all()) and float((x - f16.x_opt).norm()) > 1.0
    assert float(f16(x)) == pytest.approx(f16.f_opt, rel=0, abs=1e-12)
    for m in (f16, f23):
        assert m.minima is None and m.minimum_value == m.f_opt
        assert "minima" not in type(m).declared_ground_truth()


def test_f18_shares_f17s_instance() -> None:
    f17, f18 = model(17, 5, 9), model(18, 5, 9)
    assert f17.seed == f18.seed == 17 + 10000 * 9 and f17.f_opt == f18.f_opt
    assert torch.equal(f17.x_opt, f18.x_opt) and torch.equal(f17.rotation, f18.rotation)
    ratio = f18.scaled / f17.scaled  # Lambda^1000 Q over Lambda^10 Q: 10^(i/(d-1)) by rows
    torch.testing.assert_close(ratio, (10.0 ** (torch.arange(5, dtype=F64) / 4))[:, None].expand(5, 5))


def test_optima_follow_cocos_rules() -> None:
    for dim, instance in ((2, 1), (7, 12), (40, 1000)):
        seed = {f: _coco.problem_seed(f, instance) for f in (19, 20, 24)}
        # f19: Q^T 1 / 2 (the scaling max(1, sqrt(d)/8) is 1 up to d = 64), and z(x_opt) = 1
        f19 = model(19, dim, instance)
        q = _coco.rotation(seed[19], dim)
        assert f19.x_opt.tolist() == (np.cumsum(q, axis=0)[-1] / 2).tolist()  # summed in COCO's order
        z = f19.x_opt @ f19.matrix.T + 0.5
        torch.testing.assert_close(z, torch.ones(dim, dtype=F64), rtol=0, atol=1e-14)
        # f20: +-4.2096874633 / 2, minus where uniform(d, seed) < 1/2
        signs = np.where(_coco.uniform(dim, seed[20]) < 0.5, -1.0, 1.0)
        assert model(20, dim, instance).x_opt.tolist() == (signs * 0.5 * 4.2096874633).tolist()
        # f24: +-2.5 / 2, minus where gaussian(d, seed) < 0 (the usual x_opt draw is discarded)
        signs = np.where(_coco.gaussian(dim, seed[24]) < 0.0, -1.0, 1.0)
        assert model(24, dim, instance).x_opt.tolist() == (signs * 1.25).tolist()
    # beyond d = 64 the scaling s = sqrt(d)/8 acts, and COCO's best_parameter Q^T 1 / 2 (the
    # column sums of s Q over 2 s) misses the minimizer Q^T 1 / (2 s), which is declared instead
    m = ebmcore.create("bbob_f19", dim=80, instance=3)
    scale = GriewankRosenbrock._scale(80)
    assert scale == math.sqrt(80) / 8
    coco_best = torch.from_numpy(_coco.rotation(m.seed, 80).sum(0) / 2)
    assert float(m(coco_best)) > m.f_opt + 0.1
    torch.testing.assert_close(m.x_opt, coco_best / scale, rtol=0, atol=1e-14)
    z = m.x_opt @ m.matrix.T + 0.5
    torch.testing.assert_close(z, torch.ones(80, dtype=F64), rtol=0, atol=1e-14)
    assert float(m(m.x_opt)) == m.f_opt


@pytest.mark.parametrize("peaks", [101, 21])
def test_gallagher_peaks_as_coco_draws_them(peaks: int) -> None:
    dim, instance = 5, 3
    m = model(21 if peaks == 101 else 22, dim, instance)
    data = ebmcore_bbob_peaks(m)
    seed = m.seed
    # heights: 10, then 1.1 ... 9.1 evenly
    assert data.heights[0] == 10.0 and data.heights[1] == 1.1 and data.heights[-1] == pytest.approx(9.1)
    np.testing.assert_allclose(np.diff(data.heights[1:]), 8.0 / (peaks - 2), rtol=1e-12)
    # conditionings: each peak's scales are a permutation of alpha_k^(i/(d-1) - 1/2), the
    # permutation the ranks of uniform(d, seed + 1000 k); alpha_0 = sqrt(1000) (f21) or 1000 (f22)
    for k in (0, 1, peaks - 1):
        ranks = np.argsort(_coco.uniform(dim, seed + 1000 * k))
        alpha = data.scales[k].max() ** 2  # alpha^(1/2) is the largest scale
        np.testing.assert_allclose(data.scales[k], alpha ** (ranks / (dim - 1) - 0.5), rtol=1e-12)
    assert data.scales[0].max() ** 2 == pytest.approx(math.sqrt(1000.0) if peaks == 101 else 1000.0)
    # the other alphas are 1000^(pi / (peaks - 2)) for the ranks pi of uniform(peaks - 1, seed)
    order = np.argsort(_coco.uniform(peaks - 1, seed))
    alphas = np.array([s.max() ** 2 for s in data.scales[1:]])
    np.testing.assert_allclose(alphas, 1000.0 ** (order / (peaks - 2)), rtol=1e-12)
    # locations: Q (b u_k - c), the best peak shrunk by 0.8; x_opt is the best peak
    b, c = (10.0, 5.0) if peaks == 101 else (9.8, 4.9)
    draws = b * _coco.uniform(dim * peaks, seed).reshape(peaks, dim) - c
    q = _coco.rotation(seed, dim)
    np.testing.assert_allclose(data.locations[1:], draws[1:] @ q.T, atol=1e-14)
    np.testing.assert_allclose(data.locations[0], 0.8 * draws[0] @ q.T, atol=1e-14)
    assert m.x_opt.tolist() == (0.8 * draws[0]).tolist()
    assert bool((m.x_opt.abs() <= 0.8 * c).all())
    # every other peak is a local optimum above f_opt: the best peak is the optimum
    others = torch.from_numpy(draws[1:])
    assert float(m(m.x_opt)) == m.f_opt and bool((m(others) > m.f_opt).all())


def ebmcore_bbob_peaks(m: ebmcore.BaseModel) -> object:
    from ebmcore_bbob._weakly_structured import gallagher_peaks

    return gallagher_peaks(m.seed, m.dim, m.peaks)


# -- the minima ------------------------------------------------------------------------------


@pytest.mark.parametrize("function", FUNCTIONS)
def test_nothing_is_lower_than_f_opt(function: int) -> None:
    """f_opt is attained at x_opt and every term of these functions is >= its value there, by
    construction (a sum of non-negative terms, Rastrigin's 10 (d - sum cos) >= 0, Katsuura's
    factors >= 1, Weierstrass's bracket >= 0, ...): dense samples in the box, near x_opt at every
    scale, and beyond the box never go below f_opt. The exception is f20, whose x_opt is COCO's
    rounded minimizer: there the bound holds up to a rounding error of f_opt's size."""
    tolerance = 1e-14 * (1.0 + abs(model(function).f_opt)) if function == 20 else 0.0
    for dim, instance in ((2, 1), (5, 42), (20, 7)):
        m = model(function, dim, instance)
        x_opt = m.x_opt
        generator = torch.Generator().manual_seed(function + dim)
        scales = 10.0 ** -torch.arange(1, 13, dtype=F64)  # 1e-1 ... 1e-12
        noise = torch.randn(2400, dim, generator=generator, dtype=F64)
        near = x_opt + scales.repeat_interleave(200)[:, None] * noise
        x = torch.cat([uniform(20000, dim, function), near, uniform(2000, dim, 1, -8.0, 8.0)])
        assert float(m(x).min()) >= m.f_opt - tolerance
        assert float(m(x_opt)) == pytest.approx(m.f_opt, rel=0, abs=tolerance)


def test_f19_and_f20_gradients_at_coco_optimum_vanish_to_rounding() -> None:
    for dim, instance in ((2, 1), (10, 3), (40, 1000)):
        f19 = model(19, dim, instance)
        assert float(f19.gradient(f19.x_opt).abs().max()) < 1e-12
        # f20: x_opt = 4.2096874633 / 2 puts t near 420.96874633, against the exact maximizer
        # of t sin sqrt(t) at t = 420.96874636: the gradient is of order 1e-8 there, and a step
        # along it lowers the energy by a rounding error only
        f20 = model(20, dim, instance)
        g = f20.gradient(f20.x_opt)
        assert 1e-12 < float(g.abs().max()) < 1e-6
        assert float(f20(f20.x_opt - 1e-3 * g)) >= f20.f_opt - 1e-14 * (1 + abs(f20.f_opt))
    t = torch.tensor(420.96874635998203, dtype=F64)  # d/dt t sin(sqrt t) = 0 here
    slope = torch.sin(t.sqrt()) + 0.5 * t.sqrt() * torch.cos(t.sqrt())
    assert abs(float(slope)) < 1e-13
    # the maximum, 418.98288727243371, 2e-13 below COCO's constant: f20's minimum is f_opt + 2e-15
    assert 418.9828872724339 - float(t * torch.sin(t.sqrt())) == pytest.approx(2e-13, rel=0.3)


# -- gradients at steps that resolve them -----------------------------------------------------


@pytest.mark.parametrize(("dim", "instance"), [(2, 1), (5, 7)])
def test_f16_gradient_is_the_exact_derivative_of_the_12_term_sum(dim: int, instance: int) -> None:
    """The 12-term series is smooth: central differences at h = 1e-9 (third derivatives reach
    ~1e16, so larger steps cannot) agree with the gradient, inside and outside the box."""
    m = model(16, dim, instance)
    x = torch.cat([uniform(6, dim, 3), uniform(2, dim, 4, -7.0, 7.0)])
    g = m.gradient(x)
    h = 1e-9
    for i in range(dim):
        fd = (m(x + h * unit(dim, i)) - m(x - h * unit(dim, i))) / (2 * h)
        scale = g.abs().amax(-1) + 1.0
        assert bool(((fd - g[:, i]).abs() <= 2e-5 * scale).all()), (i, fd, g[:, i])


def test_f16_octaves_by_the_triple_angle_formula_are_as_accurate_as_their_arguments() -> None:
    """f16's formula forms each octave's cosine and sine from the first by the triple-angle
    formula. Against the 12 terms at exactly reduced arguments, (z + 1/2) 3^k mod 1 in
    fractions: the series within 1e-12 and its derivative within 1e-6 absolute (measured: 3.6e-13
    and 1.7e-7; cos and sin of the rounded arguments 2 pi 3^k (z + 1/2) themselves are 3.8e-13
    and 2.7e-7 off)."""
    from fractions import Fraction

    from ebmcore_bbob._multimodal import _WEIERSTRASS_A, _WEIERSTRASS_F0

    z = 3.0 * torch.randn(300, 1, dtype=F64, generator=torch.Generator().manual_seed(16))
    series, slope = [], []
    for value in z.flatten().tolist():
        turns = [(Fraction(value) + Fraction(1, 2)) * 3**k % 1 for k in range(12)]
        series.append(sum(a * math.cos(2 * math.pi * t) for a, t in zip(_WEIERSTRASS_A, turns, strict=True)))
        slope.append(
            sum(
                a * 2 * math.pi * 3**k * math.sin(2 * math.pi * t)
                for k, (a, t) in enumerate(zip(_WEIERSTRASS_A, turns, strict=True))
            )
        )
    delta = torch.tensor(series, dtype=F64) - _WEIERSTRASS_F0  # d = 1: the series itself
    energy, grad = Weierstrass.formula(z)
    torch.testing.assert_close(energy, 10.0 * delta**3, rtol=0, atol=30.0 * 16.0 * 1e-12)
    expected = -30.0 * delta**2 * torch.tensor(slope, dtype=F64)
    torch.testing.assert_close(grad[:, 0], expected, rtol=0, atol=30.0 * 16.0 * 1e-6)


@pytest.mark.parametrize(("dim", "instance"), [(2, 1), (5, 7), (20, 1000)])
def test_f19_gradient_matches_central_differences(dim: int, instance: int) -> None:
    """cos(t_i), t_i = 100 (z_i^2 - z_{i+1})^2 + ..., oscillates faster the farther z is from 1:
    steps of 1e-8 on [-3, 3]^d resolve it."""
    m = model(19, dim, instance)
    x = uniform(4, dim, 5, -3.0, 3.0)
    g = m.gradient(x)
    h = 1e-8
    for i in range(dim):
        fd = (m(x + h * unit(dim, i)) - m(x - h * unit(dim, i))) / (2 * h)
        scale = g.abs().amax(-1) + 1.0
        assert bool(((fd - g[:, i]).abs() <= 1e-5 * scale).all()), (i, fd, g[:, i])


def katsuura_pieces(m: Katsuura, x: torch.Tensor, terms: int) -> torch.Tensor:
    """Which linear piece of every sawtooth term ``x`` lies on: ``round(2^j z)`` and the side."""
    v = ((x - m.x_opt) @ m.folded.T)[..., None] * 2.0 ** torch.arange(1, terms + 1, dtype=F64)
    rounded = torch.floor(v + 0.5)
    return torch.cat([rounded, torch.sign(v - rounded)], dim=-1)


@pytest.mark.parametrize(("dim", "instance"), [(2, 1), (5, 7)])
def test_f23_gradient_is_the_term_by_term_derivative(dim: int, instance: int) -> None:
    """Between kinks f23 is smooth and the gradient is its exact derivative. COCO's 32 terms put
    kinks 2^-33 apart, below what float64 differences of an energy ~10-100 resolve, so the check
    runs on the same code with the series truncated at 20 terms (kinks 2^-21 apart): central
    differences at h = 1e-9, where x +- h lie on the same linear piece of every term."""

    class Truncated(Katsuura):  # the same code with 20 terms (a formula of its own: torch runs it)
        formula = staticmethod(katsuura_formula(20))

    m = Truncated(dim, instance).double()
    x = uniform(40, dim, 6, -4.0, 4.0)
    g = m.gradient(x)
    torch.testing.assert_close(autograd(m, x)[1], g, rtol=1e-10, atol=1e-10 * float(g.abs().max()))
    h = 1e-9
    checked = 0
    for i in range(dim):
        plus, minus = x + h * unit(dim, i), x - h * unit(dim, i)
        same = (katsuura_pieces(m, plus, 20) == katsuura_pieces(m, minus, 20)).all(-1).all(-1)
        fd = (m(plus) - m(minus)) / (2 * h)
        scale = g.abs().amax(-1) + 1.0
        error = ((fd - g[:, i]).abs() / scale)[same]
        assert bool((error <= 1e-5).all()), (i, error.max())
        checked += int(same.sum())
    assert checked >= 10 * dim  # most of the steps stay on one piece


@pytest.mark.parametrize("function", [16, 23])
def test_create_graph_differentiates_the_analytic_gradient_like_autograd(function: int) -> None:
    """The kit checks Hessian-vector products against finite differences of the gradient, which
    cannot resolve f16 and f23; here they are checked against autograd's double backward."""
    m = model(function, 5, 7)
    x = uniform(4, 5, 8).requires_grad_(True)
    direction = torch.randn(4, 5, generator=torch.Generator().manual_seed(0), dtype=F64)
    products = {}
    for backend in ("auto", "autograd"):
        with ebmcore.use_backend(backend):
            g = m.gradient(x, create_graph=True)
        (products[backend],) = torch.autograd.grad((g * direction).sum(), x)
    torch.testing.assert_close(products["auto"], products["autograd"], rtol=1e-8, atol=1e-8)


# -- the conventions at non-smooth points ----------------------------------------------------


def test_f23_gradient_is_zero_at_every_kink() -> None:
    """Each term |v - [v]| has kinks at the integers (troughs) and half-integers (peaks) of
    v = 2^j z; its derivative is taken as 0 there, the mean of the one-sided slopes +-1, so the
    gradient is the symmetric derivative. With z = x (rotation and shift set to the identity),
    z = (0.25, 0.375) puts j = 1 on a peak of coordinate 0 and j = 2 on a peak of coordinate 1,
    every other term on a trough or (j = 1, coordinate 1) between kinks."""
    m = model(23, 2, 1)
    m.folded.copy_(torch.eye(2, dtype=F64))
    m.x_opt.zero_()
    x = torch.tensor([0.25, 0.375], dtype=F64)
    e, g = m.energy_and_gradient(x)
    torch.testing.assert_close(autograd(m, x)[1], g, rtol=1e-12, atol=0)
    # coordinate 0: every slope is 0 (peak at j = 1, troughs after): the gradient is exactly 0
    assert float(g[0]) == 0.0
    h = 2.0**-36  # exact steps, below the nearest other kink (2^-33 away, j = 32)
    for i in range(2):
        step = h * unit(2, i)
        right = float(m(x + step) - e) / h
        left = float(e - m(x - step)) / h
        assert right != pytest.approx(left, rel=1e-3)  # a kink in both coordinates
        assert float(g[i]) == pytest.approx((right + left) / 2, rel=1e-5, abs=1e-9)
    # coordinate 1: the only non-zero slope is j = 1's -1 (0.75 - 1 = -0.25 < 0)
    assert float(g[1]) < 0.0


def test_schaffers_cusp_contributes_zero() -> None:
    """A pair (z_i, z_{i+1}) = 0 is a cusp, s^(1/4) = |(z_i, z_{i+1})|^(1/2): it contributes 0 to
    the gradient. With z = T_asy(x) (rotations, scaling and shift set to the identity) and x = (0,
    0, 1), pair 0 sits on its cusp and pair 1 does not."""
    for function in (17, 18):
        m = model(function, 3, 1)
        m.rotation.copy_(torch.eye(3, dtype=F64))
        m.scaled.copy_(torch.eye(3, dtype=F64))
        m.x_opt.zero_()
        x = torch.tensor([0.0, 0.0, 1.0], dtype=F64)
        e, g = m.energy_and_gradient(x)
        torch.testing.assert_close(autograd(m, x)[1], g, rtol=1e-12, atol=0)
        assert g[:2].tolist() == [0.0, 0.0] and float(g[2]) != 0.0
        # the cusp is real: the one-sided quotient in x_0 grows like h^(-1/2)
        quotients = [float(m(x + h * unit(3, 0)) - e) / h for h in (1e-4, 1e-6, 1e-8)]
        assert quotients[0] > 0 and quotients[1] > 3 * quotients[0] and quotients[2] > 3 * quotients[1]


@pytest.mark.parametrize("function", [17, 18])
def test_schaffers_is_a_cone_at_the_optimum_with_gradient_zero(function: int) -> None:
    m = model(function, 4, 2)
    x_opt = m.x_opt
    g = m.gradient(x_opt)
    assert torch.equal(g, torch.zeros(4, dtype=F64)) and torch.equal(autograd(m, x_opt)[1], g)
    direction = torch.tensor([0.3, -0.5, 0.2, 0.7], dtype=F64)
    slopes = [float(m(x_opt + h * direction) - m.f_opt) / h for h in (1e-5, 1e-7, 1e-9)]
    assert min(slopes) > 0 and max(slopes) / min(slopes) < 3  # |x - x_opt|-like: no zero slope


@pytest.mark.parametrize("function", [21, 22])
def test_gallagher_ties_take_the_first_peak(function: int) -> None:
    """Where two peaks are equally high the gradient is the first one's (as torch.argmax picks
    it), from the analytic path and autograd alike. Peak 1 is made peak 0's mirror image
    through a point c, so that at c they tie exactly and their gradients are opposite."""
    m = model(function, 3, 5)
    x = m.x_opt + torch.tensor([0.4, -0.3, 0.2], dtype=F64)
    c = (x - m.x_opt) @ m.rotation.T  # Q (x - x_opt): peak 0 sits at 0 in these coordinates
    m.offsets[1] = 2.0 * c
    m.scales[1] = m.scales[0]
    m.heights[1] = m.heights[0]
    g = m.gradient(x)
    torch.testing.assert_close(autograd(m, x)[1], g, rtol=1e-12, atol=0)
    # peak 0's gradient points away from peak 0 (uphill), peak 1's the other way
    assert float(g @ (x - m.x_opt)) > 0
    m.heights[1] = m.heights[0] * (1 + 1e-12)  # peak 1 now wins: the gradient flips
    assert float(m.gradient(x) @ (x - m.x_opt)) < 0


def gallagher_brute_force(m: ebmcore.BaseModel, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Every peak's value from the ``(batch, peaks, d)`` differences, and the highest one's index
    (the first of tied ones): what the ranking by matrix products stands in for."""
    z = m.shifted(x) @ m.cast(m.rotation, x).T
    difference = z[..., None, :] - m.cast(m.offsets, x)
    quadratic = (m.cast(m.scales, x) * difference * difference).sum(-1)
    values = m.cast(m.heights, x) * torch.exp((-0.5 / m.dim) * quadratic)
    return torch.argmax(values, -1), values


def gallagher_near_centres(m: ebmcore.BaseModel, seed: int) -> torch.Tensor:
    """Points near peak 0 (the optimum), peak 1 (the lowest) and the last peak (the highest after
    peak 0), where q_k / 2d is 1e-3, 1e-2 and 1 (float64)."""
    generator = torch.Generator().manual_seed(seed)
    centres = m.x_opt + m.offsets @ m.rotation  # where Q (x - x_opt) = y_k - y_0
    points = []
    for k in (0, 1, m.peaks - 1):
        for target in (1e-3, 1e-2, 1.0):
            u = torch.randn(6, m.dim, generator=generator, dtype=F64)  # in Q's coordinates
            u *= torch.sqrt(target * 2 * m.dim / (m.scales[k] * u * u).sum(-1))[:, None]
            points.append(centres[k] + u @ m.rotation)
    return torch.cat(points)


def higher(m: ebmcore.BaseModel, x: torch.Tensor, a: int, b: int) -> bool:
    """Whether peak ``a`` is higher than peak ``b`` at ``x`` (float64, exact values)."""
    values = gallagher_brute_force(m, x)[1]
    return bool(values[a] > values[b])


def gallagher_near_ties(m: ebmcore.BaseModel, count: int) -> torch.Tensor:
    """Points at and next to ``count`` ties of two peaks, the two highest there (a third below
    0.9 times their value): each tie found by bisection (float64) on the segment between the two
    centres, then stepped along it by +-1e-4 ... +-1e-16 of its length."""
    centres = m.x_opt + m.offsets @ m.rotation
    steps = torch.tensor([0.0] + [s * 10.0**-k for k in range(4, 17, 2) for s in (1, -1)], dtype=F64)
    distances = torch.cdist(centres, centres).triu(1).flatten()
    points = []
    for i in distances.argsort().tolist():  # neighbours first: their ties are the likeliest to top the rest
        if distances[i] == 0:
            continue
        a, b = divmod(i, m.peaks)
        start, segment = centres[a], centres[b] - centres[a]
        if not (higher(m, start, a, b) and not higher(m, start + segment, a, b)):
            continue
        low, high = 0.0, 1.0
        for _ in range(60):
            middle = (low + high) / 2
            low, high = (middle, high) if higher(m, start + middle * segment, a, b) else (low, middle)
        values = gallagher_brute_force(m, start + low * segment)[1]
        top = torch.topk(values, 3).indices.tolist()
        if sorted(top[:2]) == [a, b] and float(values[top[2]]) < 0.9 * float(values[a]):
            points.append(start + (low + steps)[:, None] * segment)
            if len(points) == count:
                return torch.cat(points)
    raise AssertionError(f"fewer than {count} ties found")


@pytest.mark.parametrize("function", [21, 22])
def test_gallagher_selection_equals_brute_force(function: int) -> None:
    """The peaks are ranked by q_k expanded into matrix products, and the two best-ranked
    evaluated again from their differences: in float64 the pick and its value are the brute
    force's, bit for bit, at random points, near the centres (where the expansion cancels) and
    at and next to ties."""
    for dim, instance in ((2, 1), (5, 7), (40, 3)):
        m = model(function, dim, instance)
        x = torch.cat(
            [
                uniform(4000, dim, function + dim, -6.0, 6.0),
                gallagher_near_centres(m, dim),
                gallagher_near_ties(m, 3),
            ]
        )
        index, _, active = m._peaks(x)
        expected, values = gallagher_brute_force(m, x)
        assert torch.equal(index[:, 0], expected)
        assert torch.equal(active, values.gather(-1, expected[:, None])[:, 0])


@pytest.mark.parametrize("function", [21, 22])
def test_gallagher_ranking_is_kept_only_while_the_peaks_are(function: int) -> None:
    """The ranking product's matrix is made once per dtype: another instance's peaks loaded into
    the model (in place), or a dtype, give that instance's numbers, not the kept matrix's."""
    first, other = model(function, 5, 1), model(function, 5, 2)
    x = uniform(300, 5, function, -5.0, 5.0)
    first.energy_and_gradient(x)  # keeps instance 1's ranking
    first.load_state_dict(other.state_dict())
    first.f_opt = other.f_opt
    for ours, theirs in zip(first.energy_and_gradient(x), other.energy_and_gradient(x), strict=True):
        assert torch.equal(ours, theirs)
    assert torch.equal(first.float()._peaks(x.float())[0], other.float()._peaks(x.float())[0])


@pytest.mark.parametrize("function", [21, 22])
def test_gallagher_float32_agrees_with_float64(function: int) -> None:
    """Near a centre the expansion of q_k leaves float32 about three digits (it subtracts terms
    of size sum_j c_kj z_j^2 to a small q_k); the exact re-evaluation keeps float32's precision,
    so there float32 agrees with float64 at the same points: energies (f_opt set to 0, whose
    rounding would hide the function's digits) to 1e-5 and gradients to 5e-5, plus float32's
    rounding of 10 - w_k exp(-q_k / 2d) relative to that difference (near peak 0 it is small).
    At near-ties float32 picks the peak its own brute force picks, and float64's wherever the two
    values differ by more than 1e-5 (relative)."""
    for dim, instance in ((2, 1), (5, 7), (40, 3)):
        m = model(function, dim, instance)
        m.f_opt = 0.0
        m32 = copy.deepcopy(m).float()
        ties = gallagher_near_ties(m, 3)
        x32 = torch.cat([gallagher_near_centres(m, dim), ties]).float()
        x = x32.double()  # the same points
        index, _, active = m._peaks(x)
        index32 = m32._peaks(x32)[0]
        assert torch.equal(index32[:, 0], gallagher_brute_force(m32, x32)[0])
        values = gallagher_brute_force(m, x)[1].sort(-1, descending=True).values
        resolved = values[:, 0] - values[:, 1] > 1e-5 * values[:, 0]
        assert bool((index32 == index)[resolved].all())
        e, g = m.energy_and_gradient(x)
        e32, g32 = m32.energy_and_gradient(x32)
        floor = 2e-6 / (10.0 - active)  # 10 - active rounded to float32 (an ulp of 10 is 1e-6)
        assert bool(((e32 - e).abs() <= (1e-5 + floor) * e.abs()).all())
        error = (g32 - g).abs().amax(-1) / g.abs().amax(-1)
        assert bool((error <= 5e-5 + floor)[(index32 == index)[:, 0]].all())


def test_lunacek_gradient_is_the_active_funnels() -> None:
    """On each side of the funnels' boundary the gradient is the active funnel's (plus the
    Rastrigin part): it jumps across the boundary, which ``forward`` puts where the first sum
    stops being <= the second."""
    m = model(24, 2, 1)
    sign = torch.sign(m.x_opt)
    mu0, mu1, s = m.mu0, m.mu1, m.s

    def funnels(t: float) -> tuple[float, float]:
        x_hat = torch.full((2,), t, dtype=F64)
        return float(((x_hat - mu0) ** 2).sum()), float(2 + s * ((x_hat - mu1) ** 2).sum())

    low, high = mu1, mu0  # along x_hat = t (1, 1): the second funnel wins at mu1, the first at mu0
    for _ in range(200):
        mid = 0.5 * (low + high)
        first, second = funnels(mid)
        low, high = (low, mid) if first <= second else (mid, high)
    inside, outside = sign * high / 2, sign * low / 2  # x = x_hat sign / 2
    g_in, g_out = m.gradient(inside), m.gradient(outside)
    torch.testing.assert_close(autograd(m, inside)[1], g_in, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(autograd(m, outside)[1], g_out, rtol=1e-12, atol=1e-12)
    jump = (g_in - g_out) / (2 * sign)  # the funnels' gradients differ by 2 (x_hat - mu0) - 2 s (x_hat - mu1)
    expected = 2 * (high - mu0) - 2 * s * (high - mu1)
    torch.testing.assert_close(jump, torch.full((2,), expected, dtype=F64), rtol=1e-6, atol=1e-6)


def test_schwefel_is_smooth_where_t_is_zero() -> None:
    """d/dt t sin sqrt|t| = sin sqrt|t| + sqrt|t| cos sqrt|t| / 2 is 0 at t = 0, where x_0 = 0
    puts t_0 (the first coordinate has no z_hat coupling and unit scaling): finite gradients,
    equal to autograd's, and central differences converge to them, like sqrt(h) (the function
    is C^1 with unbounded curvature at t = 0)."""
    m = model(20, 3, 2)
    x = torch.tensor([0.0, 1.3, -2.2], dtype=F64)
    t0 = 100.0 * (m.scales[0] * (2.0 * m.signs[0] * x[0] - m.shift) + m.shift)
    assert float(t0) == 0.0
    g = m.gradient(x)
    assert bool(g.isfinite().all())
    torch.testing.assert_close(autograd(m, x)[1], g, rtol=1e-12, atol=0)
    errors = []
    for h in (1e-5, 1e-7, 1e-9):
        fd = float(m(x + h * unit(3, 0)) - m(x - h * unit(3, 0))) / (2 * h)
        errors.append(abs(fd - float(g[0])))
    assert errors[0] > 5 * errors[1] > 25 * errors[2] and errors[2] < 1e-3, errors


@pytest.mark.parametrize("function", [15, 16])
def test_t_osz_hyperplanes_take_slope_one(function: int) -> None:
    """Where a coordinate of u = R (x - x_opt) is 0, T_osz is not differentiable: the analytic
    gradient and autograd both take T_osz'(0) = 1 (R set to the identity to reach such a point
    exactly); the result is finite and no one-sided limit exists to compare with."""
    m = model(function, 3, 4)
    m.rotation.copy_(torch.eye(3, dtype=F64))
    x = m.x_opt + torch.tensor([0.0, 0.3, -0.2], dtype=F64)
    e, g = m.energy_and_gradient(x)
    assert torch.equal(e, m(x)) and bool(g.isfinite().all())
    # f16: autograd differentiates the triple-angle recurrence of its octaves, whose rounding
    # grows threefold per octave (measured: 1.1e-10 from the term-by-term derivative)
    torch.testing.assert_close(autograd(m, x)[1], g, rtol=1e-12 if function == 15 else 1e-9, atol=0)


# -- overflow and extreme inputs ---------------------------------------------------------------


@pytest.mark.parametrize("function", [15, 17, 18])
def test_t_asy_overflow_gives_inf_energy(function: int) -> None:
    """Where a coordinate of T_asy exceeds sqrt(max) / (16 sqrt(alpha) d) the energy is +inf and
    the gradient that of the penalty alone (0 for f15, whose values there exceed 1e300); below
    the bound, both are finite, even at energies of 1e50. COCO's own value there is inf or NaN."""
    cocoex = pytest.importorskip("cocoex")
    cocoex.log_level("error")
    dim = 3
    m = model(function, dim, 1)
    penalty = 0.0 if function == 15 else 10.0
    # u = R (x - x_opt) = (0, 0, a): the last coordinate has T_asy's largest exponent
    for a, finite in ((1e3, True), (1e6, False), (1e30, False)):
        x = m.x_opt + a * m.rotation[-1]
        e, g = m.energy_and_gradient(x)
        assert bool(e.isfinite()) == finite and bool(g.isfinite().all())
        with ebmcore.use_backend("analytic"):  # the torch formula: autograd's own operations
            torch.testing.assert_close(autograd(m, x)[1], m.energy_and_gradient(x)[1], rtol=1e-12, atol=0)
        # The C kernel rounds differently; at a = 1e3 f17's theta = 50 s^(1/10) is ~5e11 rad, where
        # one rounding of it leaves sin(theta) 4 digits
        torch.testing.assert_close(autograd(m, x)[1], g, rtol=1e-3, atol=0)
        if not finite:
            assert float(e) == math.inf
            torch.testing.assert_close(g, penalty * _coco.f_pen_and_gradient(x)[1], rtol=1e-15, atol=0)
            suite = cocoex.Suite("bbob", "instances: 1", f"function_indices:{function} dimensions:{dim}")
            assert not math.isfinite(next(iter(suite))(x.numpy()))  # COCO overflows too (NaN or inf)
    alpha = m.alpha if function == 15 else m.condition
    for dtype, bound in ((torch.float32, 1e14), (F64, 1e149)):
        assert math.sqrt(torch.finfo(dtype).max) / (16.0 * math.sqrt(alpha) * dim) > bound


EXTREMES = [1e30, -1e30, 1e15, -1e15, 3e5, -3e5, 1e-30, 0.0, 7.0, -7.0]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_finite_extreme_inputs_never_give_nan(function: int) -> None:
    """Finite inputs up to 1e30 in magnitude, in any dimension: no NaN energies (float32 and
    float64) and no NaN gradients in float64; NaN in gives NaN out."""
    rng = np.random.default_rng(function)
    for dim in (2, 3, 10, 40):
        m = model(function, dim, 3)
        x = torch.from_numpy(rng.choice(EXTREMES, size=(64, dim)))
        e, g = m.energy_and_gradient(x)
        assert not bool(e.isnan().any()) and not bool(g.isnan().any()), (dim, x[e.isnan()])
        e32 = m.energy(x.float())
        assert not bool(e32.isnan().any()) and e32.dtype == torch.float32
        x[0, 0] = math.nan
        assert bool(m(x)[0].isnan()) and not bool(m(x)[1:].isnan().any())
