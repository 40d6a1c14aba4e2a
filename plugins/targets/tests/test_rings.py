"""The concentric rings re-derived independently: closed forms of log Z in 1, 2 and 3 dimensions,
quadrature of exp(-E) over the plane and over 3-D space, gradients against autograd and finite
differences (the origin and the edge R included), and KS tests of the exact sampler against the
exact law of |x|, which also reject the source benchmark's sampler that drops the r^(d-1).

KS tests use a fixed seed and alpha = 1e-4 per test, as the funnel's: with a fixed seed a
failure is a real bug, not bad luck.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import pytest
import torch
from ebmcore_targets import Rings
from scipy import integrate, optimize, special, stats

import ebmcore
from ebmcore.testing import check_energy, run_check

N = 20_000
KS_ALPHA = 1e-4  # per test; with a fixed seed a failure is a real bug, not bad luck
R0 = 4.5 * math.pi
VARIANTS = [(R0, 1.001), (10.0, 1.5), (3.0, 1.2)]  # (radius, offset): the benchmark's and two others


def f_np(r: np.ndarray | float, radius: float, offset: float) -> np.ndarray:
    """The source's radial factor: cos r + offset up to R, exp(R - r) beyond."""
    r = np.asarray(r, dtype=np.float64)
    return np.where(r <= radius, np.cos(r) + offset, np.exp(radius - r))


def quad(f: Callable[[float], float], low: float, high: float) -> float:
    value, error = integrate.quad(f, low, high, epsabs=0.0, epsrel=1e-13, limit=500)
    assert error <= 1e-10 * abs(value)
    return value


def radial_moment(
    power: int, radius: float, offset: float, weight: Callable[[float], float] = lambda r: 1.0
) -> float:
    """int_0^inf r^power f(r) weight(r) dr by scipy, split at R."""
    inner = quad(lambda r: r**power * (math.cos(r) + offset) * weight(r), 0.0, radius)
    outer = quad(lambda r: r**power * math.exp(radius - r) * weight(r), radius, math.inf)
    return inner + outer


def closed_form_z(dim: int, radius: float, offset: float) -> float:
    """Z in 1, 2 and 3 dimensions from antiderivatives of r^k cos r and the Gamma tail."""
    big_r, c, s, co = radius, offset, math.sin(radius), math.cos(radius)
    if dim == 1:  # 2 [c R + sin R + 1]
        return 2.0 * (c * big_r + s + 1.0)
    if dim == 2:  # 2 pi [c R^2/2 + (R sin R + cos R - 1) + (1 + R)]
        return 2.0 * math.pi * (c * big_r**2 / 2 + big_r * s + co - 1.0 + 1.0 + big_r)
    assert dim == 3  # 4 pi [c R^3/3 + (R^2 sin R + 2 R cos R - 2 sin R) + (2 + 2 R + R^2)]
    inner = c * big_r**3 / 3 + big_r**2 * s + 2 * big_r * co - 2 * s
    return 4.0 * math.pi * (inner + 2.0 + 2.0 * big_r + big_r**2)


def jacobianless_radius(n: int, radius: float, offset: float, seed: int) -> np.ndarray:
    """The source benchmark's radial law, r with density proportional to f(r) (no r^(d-1)).

    Inner piece (mass c R + sin R against 1 for the tail) by inverting sin r + c r, which
    increases since c > 1; tail R + Exp(1).
    """
    rng = np.random.default_rng(seed)
    inner_mass = offset * radius + math.sin(radius)
    inner = rng.uniform(size=n) < inner_mass / (inner_mass + 1.0)
    target = rng.uniform(size=n) * inner_mass
    low, high = np.zeros(n), np.full(n, radius)
    for _ in range(60):  # bisection to below 1e-15 R
        middle = 0.5 * (low + high)
        below = np.sin(middle) + offset * middle < target
        low, high = np.where(below, middle, low), np.where(below, high, middle)
    return np.where(inner, 0.5 * (low + high), radius + rng.exponential(size=n))


@pytest.fixture(scope="module")
def samples() -> torch.Tensor:
    return ebmcore.create("rings").sample(N, generator=torch.Generator().manual_seed(11))


# -- the definition -------------------------------------------------------------------------------


def test_defaults_are_the_benchmark_and_config_round_trips() -> None:
    model = ebmcore.create("rings")
    assert model.config == {"dim": 2, "radius": R0, "offset": 1.001}
    assert ebmcore.info("rings").references[0].startswith("D. Blessing")
    assert {"target", "multimodal", "exact_sampler", "log_partition"} <= set(ebmcore.info("rings").tags)
    variant = ebmcore.create("rings", dim=3, radius=10.0, offset=1.5)
    rebuilt = ebmcore.create("rings", **variant.config)
    x = torch.randn(7, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 6
    assert rebuilt.config == variant.config and torch.equal(rebuilt.energy(x), variant.energy(x))
    assert ebmcore.create(variant.spec).config == variant.config


@pytest.mark.parametrize("dim", [1, 2, 3, 5])
@pytest.mark.parametrize(("radius", "offset"), VARIANTS)
def test_energy_is_minus_log_f_of_the_norm(dim: int, radius: float, offset: float) -> None:
    model = Rings(dim=dim, radius=radius, offset=offset)
    x = torch.randn(200, dim, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    x = (
        x
        / x.norm(dim=-1, keepdim=True)
        * torch.linspace(0.0, radius + 10.0, 200, dtype=torch.float64)[:, None]
    )
    expected = -np.log(f_np(np.linalg.norm(x.numpy(), axis=-1), radius, offset))
    np.testing.assert_allclose(model.energy(x).numpy(), expected, rtol=1e-12, atol=1e-12)


def test_the_energy_jumps_at_r_by_log_of_cos_r_plus_c() -> None:
    """Continuous to 0.001 with the defaults (cos R = 0); a jump of log(cos R + c) elsewhere."""
    for radius, offset in VARIANTS:
        model = Rings(radius=radius, offset=offset)
        e = model.energy(
            torch.tensor([[radius, 0.0], [math.nextafter(radius, math.inf), 0.0]], dtype=torch.float64)
        )
        assert float(e[0] - e[1]) == pytest.approx(-math.log(math.cos(radius) + offset), rel=1e-9, abs=1e-15)
    assert abs(math.cos(R0)) < 1e-15


# -- log Z -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("dim", [1, 2, 3])
@pytest.mark.parametrize(("radius", "offset"), VARIANTS)
def test_log_partition_against_closed_forms(dim: int, radius: float, offset: float) -> None:
    model = Rings(dim=dim, radius=radius, offset=offset)
    assert model.log_partition() == pytest.approx(math.log(closed_form_z(dim, radius, offset)), rel=1e-13)


def test_log_partition_and_radial_integrals_against_scipy_in_several_dimensions() -> None:
    for dim in (2, 4, 7):
        model = Rings(dim=dim)
        sphere = 2 * math.pi ** (dim / 2) / math.gamma(dim / 2)
        mass = radial_moment(dim - 1, R0, 1.001)
        assert model.log_partition() == pytest.approx(math.log(sphere * mass), rel=1e-12)
        second = radial_moment(dim + 1, R0, 1.001)
        expected = torch.full((dim,), math.sqrt(second / mass / dim), dtype=torch.float64)
        torch.testing.assert_close(model.stddev, expected, rtol=1e-11, atol=0.0)
        assert torch.equal(model.mean, torch.zeros(dim, dtype=torch.float64))
        inner = quad(lambda r, d=dim: r ** (d - 1) * (math.cos(r) + 1.001), 0.0, R0)
        assert model.radial.inner_mass == pytest.approx(inner / mass, rel=1e-12)


@pytest.mark.parametrize(("radius", "offset"), VARIANTS)
def test_log_partition_by_quadrature_over_the_plane(radius: float, offset: float, gauss_legendre) -> None:  # type: ignore[no-untyped-def]
    """exp(-E) from the model's own energy on a polar grid (Gauss-Legendre in r, split at R, and
    the trapezoid rule in the angle, exact for trigonometric polynomials)."""
    model = Rings(dim=2, radius=radius, offset=offset)
    r_in, w_in = gauss_legendre(0.0, radius, 64)
    r_out, w_out = gauss_legendre(radius, radius + 60.0, 60)
    r, wr = np.concatenate([r_in, r_out]), np.concatenate([w_in, w_out])
    theta = np.linspace(0.0, 2 * math.pi, 64, endpoint=False) + 0.1
    x = np.stack([np.outer(r, np.cos(theta)), np.outer(r, np.sin(theta))], axis=-1)
    energy = model.energy(torch.from_numpy(x)).numpy()
    z = ((wr * r)[:, None] * np.exp(-energy)).sum() * (2 * math.pi / len(theta))
    assert model.log_partition() == pytest.approx(math.log(z), rel=1e-12)


def test_log_partition_by_a_cartesian_grid(gauss_legendre) -> None:  # type: ignore[no-untyped-def]
    """A product rule that knows nothing of the circles; the kink at |x| = R limits it to ~1e-7."""
    model = ebmcore.create("rings")
    t, w = gauss_legendre(-(R0 + 30.0), R0 + 30.0, 80)
    grid = torch.from_numpy(np.stack(np.meshgrid(t, t, indexing="ij"), axis=-1))
    z = (np.outer(w, w) * np.exp(-model.energy(grid).numpy())).sum()
    assert abs(math.log(z) - model.log_partition()) < 1e-6


def test_log_partition_by_quadrature_over_3d_space(gauss_legendre) -> None:  # type: ignore[no-untyped-def]
    """Spherical coordinates: Gauss-Legendre in r (split at R) and in cos(theta), trapezoid in phi."""
    model = Rings(dim=3)
    r_in, w_in = gauss_legendre(0.0, R0, 48)
    r_out, w_out = gauss_legendre(R0, R0 + 60.0, 48)
    r, wr = np.concatenate([r_in, r_out]), np.concatenate([w_in, w_out])
    u, wu = np.polynomial.legendre.leggauss(6)  # cos(theta)
    phi = np.linspace(0.0, 2 * math.pi, 6, endpoint=False)
    sin_t = np.sqrt(1 - u * u)
    direction = np.stack(
        [np.outer(sin_t, np.cos(phi)), np.outer(sin_t, np.sin(phi)), np.repeat(u[:, None], len(phi), 1)], -1
    )
    x = r[:, None, None, None] * direction[None]
    energy = model.energy(torch.from_numpy(x)).numpy()
    weights = (wr * r * r)[:, None, None] * wu[None, :, None] * (2 * math.pi / len(phi))
    z = (weights * np.exp(-energy)).sum()
    assert model.log_partition() == pytest.approx(math.log(z), rel=1e-12)
    assert model.log_partition() == pytest.approx(math.log(closed_form_z(3, R0, 1.001)), rel=1e-13)


# -- gradient --------------------------------------------------------------------------------------


def test_gradient_matches_autograd_in_float64() -> None:
    for dim, radius, offset in [(1, R0, 1.001), (2, R0, 1.001), (3, 10.0, 1.5), (5, 3.0, 1.2)]:
        model = Rings(dim=dim, radius=radius, offset=offset)
        x = torch.randn(400, dim, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
        x = x / x.norm(dim=-1, keepdim=True) * torch.rand(400, 1, dtype=torch.float64) * (radius + 8)
        x[0] = 0.0
        x[1] = 1e-9
        energy, gradient = model.energy_and_gradient(x)
        with ebmcore.use_backend("autograd"):
            e_ref, g_ref = model.energy_and_gradient(x)
        torch.testing.assert_close(energy, e_ref, rtol=1e-14, atol=0.0)
        torch.testing.assert_close(gradient, g_ref, rtol=1e-10, atol=1e-14)


def test_gradient_by_central_differences_at_the_origin_the_rings_and_near_r() -> None:
    model = Rings(dim=3)
    direction = torch.tensor([2.0, -1.0, 2.0], dtype=torch.float64) / 3.0
    radii = [0.0, 1e-7, 0.3, math.pi, 2 * math.pi, R0 - 1e-3, R0 - 1e-4, R0 + 1e-4, R0 + 1e-3, 30.0]
    x = torch.tensor(radii, dtype=torch.float64)[:, None] * direction
    x[0] = torch.tensor([0.0, 0.0, 0.0])
    h = 1e-6
    gradient = model.gradient(x)
    for axis in range(3):
        step = torch.zeros(3, dtype=torch.float64)
        step[axis] = h
        fd = (model.energy(x + step) - model.energy(x - step)) / (2 * h)
        np.testing.assert_allclose(gradient[:, axis].numpy(), fd.numpy(), rtol=1e-7, atol=1e-9)


def test_origin_gives_the_minimum_and_no_nan() -> None:
    """grad E = (sin r / r) / (cos r + c) x -> x / (1 + c): exactly zero at the origin, both paths."""
    for dtype in (torch.float64, torch.float32):
        model = ebmcore.create("rings", dim=3)
        origin = torch.zeros(3, dtype=dtype)
        energy, gradient = model.energy_and_gradient(origin)
        assert float(energy) == pytest.approx(-math.log(2.001), rel=1e-6)
        assert torch.equal(gradient, torch.zeros(3, dtype=dtype))
        with ebmcore.use_backend("autograd"):
            assert torch.equal(model.gradient(origin), torch.zeros(3, dtype=dtype))
        tiny = torch.tensor([1e-8, -2e-8, 3e-8], dtype=dtype)
        torch.testing.assert_close(
            model.gradient(tiny), tiny / 2.001, rtol=1e-6 if dtype == torch.float32 else 1e-14, atol=0.0
        )
    x = torch.zeros(2, 2, dtype=torch.float64, requires_grad=True)
    (hessian_row,) = torch.autograd.grad(
        ebmcore.create("rings").gradient(x, create_graph=True)[:, 0].sum(), x
    )
    assert not hessian_row.isnan().any()


@pytest.mark.parametrize("batch", [(), (5,), (2, 3), (4, 1, 2)])
def test_energy_and_gradient_shapes(batch: tuple[int, ...]) -> None:
    model = Rings(dim=3)
    x = torch.randn(*batch, 3, generator=torch.Generator().manual_seed(3), dtype=torch.float64) * 8
    energy, gradient = model.energy_and_gradient(x)
    assert energy.shape == batch and gradient.shape == x.shape
    assert model.energy(x).shape == batch and model.gradient(x).shape == x.shape


def test_float32_is_finite_over_the_bounds_and_in_the_troughs() -> None:
    model = ebmcore.create("rings")
    edge = float(model.bounds[1, 0])
    t = torch.linspace(-edge, edge, 301)
    grid = torch.stack(torch.meshgrid(t, t, indexing="ij"), -1)
    energy, gradient = model.energy_and_gradient(grid)
    assert energy.dtype == torch.float32 and torch.isfinite(energy).all() and torch.isfinite(gradient).all()
    torch.testing.assert_close(energy.double(), model.energy(grid.double()), rtol=1e-4, atol=1e-4)
    # cos r + c is 2 cos^2(r/2) + (c - 1): positive in float32 even for c - 1 below its epsilon at 1
    near_one = Rings(offset=1.0 + 1e-9)
    energy = near_one.energy(torch.tensor([[math.pi, 0.0]]))
    assert torch.isfinite(energy) and float(energy) == pytest.approx(-math.log(1e-9), rel=1e-3)


def test_nan_and_far_inputs() -> None:
    model = ebmcore.create("rings")
    x = torch.tensor([[math.nan, 0.0], [1e30, 0.0], [3.0, 4.0]], dtype=torch.float32)
    energy, gradient = model.energy_and_gradient(x)
    assert energy[0].isnan() and energy[1] == math.inf and torch.isfinite(energy[2])
    assert not gradient[1:].isnan().any()


# -- minima and bounds ----------------------------------------------------------------------------


def test_minimum_is_attained_at_the_origin_and_on_every_ring() -> None:
    model = ebmcore.create("rings")
    assert model.minima is None and model.modes is None
    assert model.minimum_radii == pytest.approx((0.0, 2 * math.pi, 4 * math.pi), abs=1e-15)
    assert model.minimum_value == pytest.approx(-math.log(2.001), rel=1e-15)
    angles = torch.linspace(0.0, 2 * math.pi, 13, dtype=torch.float64)[:, None]
    for r in model.minimum_radii:
        points = r * torch.cat([angles.cos(), angles.sin()], -1)
        torch.testing.assert_close(
            model.energy(points),
            torch.full((13,), model.minimum_value, dtype=torch.float64),
            rtol=1e-14,
            atol=0,
        )
        assert float(model.gradient(points).abs().max()) < 1e-14
    # L-BFGS from many starts never goes below the declared minimum, and reaches it
    rng = np.random.default_rng(0)
    values = []
    for start in rng.uniform(-model.radius, model.radius, size=(30, 2)):
        found = optimize.minimize(
            lambda z: tuple(v.numpy() for v in model.energy_and_gradient(torch.from_numpy(z))),
            start,
            jac=True,
            method="L-BFGS-B",
        )
        values.append(found.fun)
    assert min(values) >= model.minimum_value - 1e-12
    assert min(values) == pytest.approx(model.minimum_value, abs=1e-9)


def test_one_dimensional_minima_are_listed_and_pass_the_kit() -> None:
    model = Rings(dim=1)
    minima = model.minima
    assert minima is not None and minima.count == 5
    assert sorted(minima.points[:, 0].tolist()) == pytest.approx(
        [-4 * math.pi, -2 * math.pi, 0.0, 2 * math.pi, 4 * math.pi], abs=1e-14
    )
    assert run_check(model, "check_minima").status == "passed"
    assert Rings(dim=1, radius=2 * math.pi).minima.count == 3  # the ring at exactly R counts


def test_bounds_hold_all_but_a_millionth_of_the_mass() -> None:
    for dim in (1, 2, 3, 20):
        model = Rings(dim=dim)
        bounds = model.bounds
        edge = float(bounds[1, 0])
        assert bounds.shape == (2, dim) and torch.equal(bounds[0], -bounds[1])
        assert edge >= R0 + 12.0
        tail = 1.0 - float(model.radial_cdf(edge))
        assert tail <= 1e-6 * (1 + 1e-8)
        if edge > R0 + 12.0:  # set by the mass, not by the density level
            assert tail == pytest.approx(1e-6, rel=1e-6)
    assert ebmcore.create("rings").bounds[1, 0] == pytest.approx(26.409151958, abs=1e-8)


# -- the law of |x| and the sampler ----------------------------------------------------------------


@pytest.mark.parametrize(("dim", "radius", "offset"), [(2, R0, 1.001), (3, R0, 1.001), (5, 10.0, 1.5)])
def test_radial_cdf_against_scipy(dim: int, radius: float, offset: float) -> None:
    model = Rings(dim=dim, radius=radius, offset=offset)
    mass = radial_moment(dim - 1, radius, offset)
    r = np.array([0.5, 2.0, math.pi, 7.0, radius - 1e-9, radius, radius + 1e-9, radius + 3.0, radius + 25.0])
    expected = []
    for t in r:
        if t <= radius:
            part = quad(lambda s: s ** (dim - 1) * (math.cos(s) + offset), 0.0, t)
        else:
            part = mass - quad(lambda s: s ** (dim - 1) * math.exp(radius - s), t, math.inf)
        expected.append(part / mass)
    np.testing.assert_allclose(
        model.radial_cdf(torch.from_numpy(r)).numpy(), expected, rtol=1e-11, atol=1e-15
    )
    edge_cases = model.radial_cdf(torch.tensor([-1.0, 0.0, math.inf, math.nan], dtype=torch.float64))
    assert edge_cases[:3].tolist() == [0.0, 0.0, 1.0] and edge_cases[3].isnan()


def test_sampler_radius_and_angle_follow_the_exact_law(samples: torch.Tensor) -> None:
    model = ebmcore.create("rings")
    assert samples.shape == (N, 2) and samples.dtype == torch.float64
    radius = samples.norm(dim=-1).numpy()
    assert stats.kstest(radius, lambda v: model.radial_cdf(torch.from_numpy(v)).numpy()).pvalue > KS_ALPHA
    angle = np.arctan2(samples[:, 1].numpy(), samples[:, 0].numpy())
    assert stats.kstest(angle, stats.uniform(loc=-math.pi, scale=2 * math.pi).cdf).pvalue > KS_ALPHA
    # the mass inside R against the inner piece's probability (a binomial z-score)
    p = model.radial.inner_mass
    assert abs(float((radius <= model.radius).mean()) - p) / math.sqrt(p * (1 - p) / N) < 4.5


def projection_cdf(radius: float, offset: float, gauss_legendre) -> Callable[[np.ndarray], np.ndarray]:  # type: ignore[no-untyped-def]
    """CDF of x_1 in 2-D: x_1 = r cos(theta), theta uniform, so P(x_1 <= t) = E_r[1 - arccos(t/r)/pi].

    The radial density r f(r) is the test's own (from f_np), integrated by Gauss-Legendre; the
    CDF is tabulated on a grid and interpolated.
    """
    r_in, w_in = gauss_legendre(0.0, radius, 256)
    r_out, w_out = gauss_legendre(radius, radius + 50.0, 100)
    r, w = np.concatenate([r_in, r_out]), np.concatenate([w_in, w_out])
    density = w * r * f_np(r, radius, offset)
    density /= density.sum()
    grid = np.linspace(-(radius + 50.0), radius + 50.0, 2001)
    table = (density[None, :] * (1.0 - np.arccos(np.clip(grid[:, None] / r[None, :], -1, 1)) / math.pi)).sum(
        -1
    )
    return lambda t: np.interp(t, grid, table)


def test_sampler_projection_follows_the_exact_law(samples: torch.Tensor, gauss_legendre) -> None:  # type: ignore[no-untyped-def]
    cdf = projection_cdf(R0, 1.001, gauss_legendre)
    direction = torch.tensor([0.6, -0.8], dtype=torch.float64)  # isotropic: any unit vector
    assert stats.kstest((samples @ direction).numpy(), cdf).pvalue > KS_ALPHA
    assert stats.kstest(samples[:, 0].numpy(), cdf).pvalue > KS_ALPHA


@pytest.mark.parametrize(
    ("dim", "radius", "offset"), [(1, R0, 1.001), (3, R0, 1.001), (10, R0, 1.001), (4, 3.0, 1.2)]
)
def test_sampler_radius_in_other_dimensions(dim: int, radius: float, offset: float) -> None:
    """Both pieces matter: at dim 10 more than half the mass lies beyond R (the Gamma mixture)."""
    model = Rings(dim=dim, radius=radius, offset=offset)
    x = model.sample(N, generator=torch.Generator().manual_seed(12 + dim))
    assert x.shape == (N, dim)
    radius_of = x.norm(dim=-1).numpy()
    assert stats.kstest(radius_of, lambda v: model.radial_cdf(torch.from_numpy(v)).numpy()).pvalue > KS_ALPHA
    outer = radius_of[radius_of > radius]  # the Gamma mixture alone, against the conditional law
    inner_mass = model.radial.inner_mass
    conditional = stats.kstest(
        outer, lambda v: (model.radial_cdf(torch.from_numpy(v)).numpy() - inner_mass) / (1.0 - inner_mass)
    )
    assert conditional.pvalue > KS_ALPHA


def test_mean_energy_of_samples_matches_quadrature(samples: torch.Tensor) -> None:
    """<E> = int r f(r) (-log f(r)) dr / int r f(r) dr in 2-D, by scipy."""

    def minus_log_f(r: float) -> float:
        return -math.log(math.cos(r) + 1.001) if r <= R0 else r - R0

    expected = radial_moment(1, R0, 1.001, minus_log_f) / radial_moment(1, R0, 1.001)
    energies = ebmcore.create("rings").energy(samples)
    assert abs(float(energies.mean()) - expected) < 5 * float(energies.std()) / math.sqrt(N)


def test_the_benchmark_s_jacobianless_sampler_is_rejected() -> None:
    """r drawn from f(r) alone (the source's sampler) fails the same KS test at the same size."""
    model = ebmcore.create("rings")
    wrong = jacobianless_radius(N, R0, 1.001, seed=11)
    # the wrong law itself is drawn correctly: its CDF is (sin r + c r) / (c R + sin R + 1) inside
    mass = 1.001 * R0 + math.sin(R0) + 1.0
    inner = wrong[wrong <= R0]
    assert stats.kstest(inner, lambda v: (np.sin(v) + 1.001 * v) / (mass - 1.0)).pvalue > KS_ALPHA
    p_value = stats.kstest(wrong, lambda v: model.radial_cdf(torch.from_numpy(v)).numpy()).pvalue
    assert p_value < 1e-12
    # and the kit's own sample check fails it too
    angle = 2 * math.pi * np.random.default_rng(12).uniform(size=N)
    points = torch.from_numpy(np.stack([wrong * np.cos(angle), wrong * np.sin(angle)], -1))

    class Jacobianless(Rings):
        def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
            return points[:n]

    assert run_check(Jacobianless(), "check_sample").status == "failed"


def test_sampler_acceptance_and_generator() -> None:
    model = ebmcore.create("rings")
    # acceptance: (c R^2/2 + R sin R + cos R - 1) / ((1 + c) R^2 / 2)
    inner = 1.001 * R0**2 / 2 + R0 * math.sin(R0) + math.cos(R0) - 1
    assert model.radial.acceptance == pytest.approx(inner / (2.001 * R0**2 / 2), rel=1e-13)
    first = model.sample(64, generator=torch.Generator().manual_seed(9))
    assert torch.equal(first, model.sample(64, generator=torch.Generator().manual_seed(9)))
    assert not torch.equal(first, model.sample(64, generator=torch.Generator().manual_seed(10)))
    assert model.sample(1).shape == (1, 2)


# -- arguments and the kit -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "parameter", "message"),
    [
        ({"dim": 0}, "dim", r"an integer in \[1, 1000000\]"),
        ({"dim": 2.5}, "dim", r"an integer in \[1, 1000000\]"),
        ({"dim": 10**7}, "dim", r"an integer in \[1, 1000000\]"),
        ({"radius": 0.0}, "radius", r"\(0, 10000\]"),
        ({"radius": 2e4}, "radius", r"\(0, 10000\]"),
        ({"radius": math.inf}, "radius", r"\(0, 10000\]"),
        ({"offset": 1.0}, "offset", "> 1.0"),
        ({"offset": math.nan}, "offset", "> 1.0"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs: dict[str, float], parameter: str, message: str) -> None:
    with pytest.raises(ebmcore.InvalidParameterError, match=message) as caught:
        ebmcore.create("rings", **kwargs)
    assert caught.value.parameter == parameter  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "spec",
    [
        {"name": "rings"},
        {"name": "rings", "dim": 1},
        {"name": "rings", "dim": 3, "radius": 10.0, "offset": 1.5},
    ],
    ids=lambda spec: "-".join(f"{k}={v}" for k, v in spec.items()),
)
def test_variants_pass_the_kit(spec: dict) -> None:
    check_energy(spec)


@pytest.mark.parametrize("dim", [1000, 10**5, 10**6])
@pytest.mark.parametrize(("radius", "offset"), [(R0, 1.001), (1.0, 3.0), (1e4, 1.0 + 1e-9)])
def test_high_dimensional_log_partition_against_quad_and_the_incomplete_gamma(
    dim: int, radius: float, offset: float
) -> None:
    """Up to dim = 1e6, in bounded memory (the inner panels cover only where (r/R)^(d-1) is
    above e^-800: about 1,600 panels, not 2 (d + 1)). The reference: scipy quad of the inner
    piece near R (where its mass is, width R / d) and the outer piece as
    e^R Gamma(d) Q(d, R) (scipy's regularized upper incomplete gamma), or by quad for R > d."""

    def inner(r: float) -> float:  # (r / R)^(d - 1) (cos r + c)
        return math.exp((dim - 1) * math.log(r / radius)) * (math.cos(r) + offset)

    width = radius / dim
    edges = [max(0.0, radius - k * width) for k in (2000, 300, 100, 30, 10, 3, 1, 0)]
    log_inner = math.log(sum(quad(inner, lo, hi) for lo, hi in itertools.pairwise(edges) if hi > lo))
    log_inner += (dim - 1) * math.log(radius)
    if radius <= dim:  # e^R Gamma(d) Q(d, R), Q well above underflow
        log_outer = radius + special.gammaln(dim) + math.log(special.gammaincc(dim, radius))
    else:  # R^(d-1) int_R^inf (r / R)^(d-1) e^(R - r) dr, a decreasing integrand from 1 at R

        def outer(r: float) -> float:
            return math.exp((dim - 1) * math.log(r / radius) - (r - radius))

        log_outer = (dim - 1) * math.log(radius) + math.log(
            quad(outer, radius, radius + 50.0) + quad(outer, radius + 50.0, radius + 5000.0)
        )
    log_sphere = math.log(2.0) + 0.5 * dim * math.log(math.pi) - special.gammaln(0.5 * dim)
    expected = log_sphere + float(np.logaddexp(log_inner, log_outer))
    assert Rings(dim=dim, radius=radius, offset=offset).log_partition() == pytest.approx(expected, rel=1e-12)
