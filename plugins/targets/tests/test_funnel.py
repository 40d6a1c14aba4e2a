"""Neal's funnel re-derived independently: scipy quadrature, the joint law of (v, x) that inverted
samplers get wrong, local optimization, and float32 behaviour deep in the neck."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from ebmcore_targets import Funnel
from scipy import integrate, optimize, stats

import ebmcore

N = 20_000
KS_ALPHA = 1e-4  # per test; with a fixed seed a failure is a real bug, not bad luck


def quad(f, low: float = -np.inf, high: float = np.inf) -> float:  # type: ignore[no-untyped-def]
    value, _ = integrate.quad(f, low, high, epsabs=0.0, epsrel=1e-12, limit=500)
    return float(value)


def energy_np(v: float, x: np.ndarray, sigma: float) -> float:
    """The funnel's energy written from Neal's definition: -log N(v; 0, s^2) - sum log N(x_i; 0, e^v)."""
    return (
        float(-stats.norm.logpdf(v, scale=sigma) - stats.norm.logpdf(x, scale=math.exp(v / 2)).sum())
        - 0.5 * (len(x) + 1) * math.log(2 * math.pi)
        - math.log(sigma)
    )


@pytest.fixture(scope="module")
def samples() -> torch.Tensor:
    return ebmcore.create("funnel").sample(N, generator=torch.Generator().manual_seed(11))


def test_defaults_are_neals_benchmark() -> None:
    model = ebmcore.create("funnel")
    assert model.config == {"dim": 10, "sigma": 3.0}
    assert ebmcore.info("funnel").references[0].startswith("R. M. Neal")


@pytest.mark.parametrize("sigma", [1.0, 3.0])
def test_energy_is_the_negative_log_density_of_neal_s_definition(sigma: float) -> None:
    model = Funnel(dim=4, sigma=sigma)
    x = torch.randn(50, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 2
    expected = [energy_np(float(r[0]), r[1:].numpy(), sigma) for r in x]
    torch.testing.assert_close(
        model.energy(x), torch.tensor(expected, dtype=torch.float64), rtol=1e-12, atol=1e-10
    )


@pytest.mark.parametrize("sigma", [0.7, 3.0])
def test_log_partition_by_two_dimensional_quadrature(sigma: float, gauss_legendre) -> None:  # type: ignore[no-untyped-def]
    """Iterated Gauss-Legendre quadrature of exp(-E) from the model's own energy; x = e^{v/2} u
    keeps the inner integrand on one scale for every v (the Jacobian e^{v/2} is applied)."""
    model = Funnel(dim=2, sigma=sigma)
    v, wv = gauss_legendre(-12 * sigma, 12 * sigma, 200)
    u, wu = gauss_legendre(-40.0, 40.0, 40)
    vv = np.repeat(v, len(u))
    x = np.exp(vv / 2) * np.tile(u, len(v))
    energy = model.energy(torch.from_numpy(np.stack([vv, x], axis=-1))).numpy()
    z = (np.outer(wv, wu).ravel() * np.exp(-energy + vv / 2)).sum()
    assert model.log_partition() == pytest.approx(math.log(z), rel=1e-12)


def test_log_partition_by_product_structure_in_dim_10() -> None:
    """For fixed v the x-integral is the 9th power of a 1-D integral, found by quadrature too."""
    model = ebmcore.create("funnel", dim=10, sigma=3.0)

    def log_given_v(v: float) -> float:
        one = quad(lambda u: math.exp(-0.5 * u * u), -40.0, 40.0)  # in u = e^{-v/2} t
        return -(v * v) / 18.0 - 4.5 * v + 9 * (v / 2 + math.log(one))

    z = quad(lambda v: math.exp(log_given_v(v)), -30.0, 30.0)
    assert model.log_partition() == pytest.approx(math.log(z), rel=1e-8)


def test_sampler_has_the_right_joint_law(samples: torch.Tensor) -> None:
    """v ~ N(0, sigma^2), and x_i e^{-v/2} ~ N(0, 1) independently of v: the standardization uses
    the sampled v, so a sampler that scales x by the wrong coordinate or by e^{-v} fails."""
    v, x = samples[:, 0].numpy(), samples[:, 1:].numpy()
    assert stats.kstest(v / 3.0, "norm").pvalue > KS_ALPHA
    standardized = x * np.exp(-v / 2)[:, None]
    for i in range(standardized.shape[1]):
        assert stats.kstest(standardized[:, i], "norm").pvalue > KS_ALPHA
    # and the standardized coordinates carry no trace of v
    assert abs(stats.spearmanr(v, np.abs(standardized[:, 0])).statistic) < 5 / math.sqrt(N)


def exact_correlation_of_v_and_log_abs_x(sigma: float) -> float:
    """corr(v, log|x_i|) with log|x_i| = v/2 + log|z|, Var(log|z|) = pi^2 / 8 for z ~ N(0, 1)."""
    return (sigma**2 / 2) / (sigma * math.sqrt(sigma**2 / 4 + math.pi**2 / 8))


def test_correlation_of_v_and_log_abs_x_is_exact(samples: torch.Tensor) -> None:
    v, x = samples[:, 0].numpy(), samples[:, 1:].numpy()
    expected = exact_correlation_of_v_and_log_abs_x(3.0)
    assert expected == pytest.approx(0.80366, abs=1e-5)
    # Var(log|z|) = pi^2 / 8, checked by quadrature against the half-normal density
    mean_log = quad(lambda t: math.log(t) * 2 * stats.norm.pdf(t), 0.0, np.inf)
    var_log = quad(lambda t: (math.log(t) - mean_log) ** 2 * 2 * stats.norm.pdf(t), 0.0, np.inf)
    assert var_log == pytest.approx(math.pi**2 / 8, rel=1e-8)
    for i in range(x.shape[1]):
        r = np.corrcoef(v, np.log(np.abs(x[:, i])))[0, 1]
        assert abs(r - expected) < 5 * (1 - expected**2) / math.sqrt(N)


def test_an_inverted_sampler_fails_these_tests() -> None:
    """The checks above are not vacuous: the classic inversion (scale e^{-v/2}) is rejected."""
    z = torch.randn(N, 10, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    v = 3.0 * z[:, 0]
    inverted = torch.cat([v[:, None], torch.exp(-0.5 * v)[:, None] * z[:, 1:]], dim=-1).numpy()
    r = np.corrcoef(inverted[:, 0], np.log(np.abs(inverted[:, 1])))[0, 1]
    assert abs(r - exact_correlation_of_v_and_log_abs_x(3.0)) > 1.0
    standardized = inverted[:, 1] * np.exp(-inverted[:, 0] / 2)
    assert stats.kstest(standardized, "norm").pvalue < 1e-12


def test_mean_energy_of_samples_matches_quadrature(samples: torch.Tensor) -> None:
    """<E> = d / 2 for the funnel; here by quadrature over v of E[E | v] in closed form per v."""
    model = ebmcore.create("funnel")
    d, s = model.dim, model.sigma

    def conditional_mean_energy(v: float) -> float:  # E | v: x_i^2 e^{-v} has mean 1
        return (v * v / (2 * s * s) + 0.5 * (d - 1) + 0.5 * (d - 1) * v) * stats.norm.pdf(v, scale=s)

    expected = quad(conditional_mean_energy)
    assert expected == pytest.approx(d / 2, rel=1e-10)
    energies = model.energy(samples)
    assert abs(float(energies.mean()) - expected) < 5 * float(energies.std()) / math.sqrt(N)


def test_declared_moments_by_quadrature() -> None:
    model = ebmcore.create("funnel", dim=5, sigma=2.0)
    second_moment_x = quad(
        lambda v: math.exp(v) * stats.norm.pdf(v, scale=2.0), -40.0, 40.0
    )  # E[x^2] = E[e^v]
    expected = torch.tensor([2.0] + [math.sqrt(second_moment_x)] * 4, dtype=torch.float64)
    torch.testing.assert_close(model.stddev, expected, rtol=1e-9, atol=0.0)
    assert torch.equal(model.mean, torch.zeros(5, dtype=torch.float64))


@pytest.mark.parametrize(("dim", "sigma"), [(2, 1.0), (5, 0.5), (3, 1.5)])
def test_global_minimum_by_local_optimization(dim: int, sigma: float) -> None:
    model = Funnel(dim=dim, sigma=sigma)
    minima = model.minima
    rng = np.random.default_rng(0)

    def fun(z: np.ndarray) -> tuple[float, np.ndarray]:
        e, g = model.energy_and_gradient(torch.from_numpy(z))
        return float(e), g.numpy()

    for start in rng.normal(size=(20, dim)) * 2:
        found = optimize.minimize(fun, start, jac=True, method="L-BFGS-B", options={"gtol": 1e-12, "ftol": 0})
        assert found.fun >= minima.value - 1e-9 * abs(minima.value)
        assert found.fun == pytest.approx(minima.value, rel=1e-8)
        np.testing.assert_allclose(found.x, minima.points[0].numpy(), atol=1e-4)
    assert model.gradient(minima.points[0]).abs().max() < 1e-12


def test_global_minimum_of_the_default_funnel_by_its_profile() -> None:
    """Deep in the neck (v* = -40.5) L-BFGS stalls on the e^{40} curvature; instead, x = 0 is
    optimal for every v, so the minimum is that of the 1-D profile E(v, 0), minimized by scipy."""
    model = ebmcore.create("funnel")
    x = torch.zeros(2000, 10, dtype=torch.float64)
    x[:, 1:] = 1e-3 * torch.randn(2000, 9, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    x[:, 0] = torch.linspace(-60, 10, 2000, dtype=torch.float64)
    origin = x.clone()
    origin[:, 1:] = 0
    assert bool((model.energy(x) > model.energy(origin)).all())
    profile = optimize.minimize_scalar(
        lambda v: float(model.energy(torch.tensor([v] + [0.0] * 9, dtype=torch.float64))),
        bounds=(-100, 10),
        method="bounded",
        options={"xatol": 1e-10},
    )
    assert profile.x == pytest.approx(float(model.minima.points[0, 0]), abs=1e-6)
    assert profile.fun == pytest.approx(model.minima.value, rel=1e-12)
    assert model.minima.value == -91.125


@pytest.mark.parametrize("sigma", [0.5, 1.0, 3.0])
@pytest.mark.parametrize("dim", [2, 3, 4, 10, 50])
def test_bounds_hold_the_global_minimizer_and_the_mass(dim: int, sigma: float) -> None:
    """The minimum of the profile E(v, 0) of Neal's definition over the box's v-range lies
    strictly inside it, at the declared minimizer; the box still holds v's +-3 sigma."""
    model = ebmcore.create("funnel", dim=dim, sigma=sigma)
    low, high = model.bounds
    zeros = np.zeros(dim - 1)
    profile = optimize.minimize_scalar(
        lambda v: energy_np(v, zeros, sigma),
        bounds=(float(low[0]), float(high[0])),
        method="bounded",
        options={"xatol": 1e-10},
    )
    point = model.minima.points[0]
    assert profile.x == pytest.approx(float(point[0]), abs=1e-5)
    assert float(low[0]) + 0.5 * sigma < profile.x < float(high[0]) - 0.5 * sigma  # not at an edge
    assert bool(((low < point) & (point < high)).all())
    assert float(low[0]) <= -3.0 * sigma and float(high[0]) == 3.0 * sigma
    edge = 3.0 * math.exp(sigma / 2.0)
    np.testing.assert_allclose(low[1:].numpy(), -edge, rtol=1e-15)
    np.testing.assert_allclose(high[1:].numpy(), edge, rtol=1e-15)


def test_float32_deep_in_the_neck_is_finite_or_infinite_never_nan() -> None:
    model = ebmcore.create("funnel")
    x = torch.zeros(3, 10)
    x[:, 0] = torch.tensor([-100.0, -100.0, 90.0])
    x[1, 1] = 1.0
    energy, gradient = model.energy_and_gradient(x)
    x64 = torch.zeros(2, 3, dtype=torch.float64)
    x64[:, 0] = -1e23  # e^{-v/2} beyond float64's range too
    x64[1, 2] = 2.5
    energy64, gradient64 = ebmcore.create("funnel", dim=3).energy_and_gradient(x64)
    assert not gradient64.isnan().any() and gradient64[0, 1:].eq(0).all() and torch.isinf(energy64[1])
    assert energy.dtype == torch.float32 and not energy.isnan().any() and not gradient.isnan().any()
    assert torch.isfinite(energy[0]) and torch.isinf(energy[1]) and torch.isfinite(energy[2])
    assert gradient[0, 1:].eq(0).all()


def test_float32_far_up_the_mouth_keeps_e_minus_v_times_x_squared() -> None:
    """Where e^{-v} underflows float32 and |x|^2 overflows it, their product is float64's (it was
    0 * inf, NaN): the energy and gradient equal float64's, or are inf where float64's exceed
    float32's range (found by random inputs)."""
    model = ebmcore.create("funnel", dim=3)
    x = torch.tensor([[104.0, 1e38, 0.0], [150.0, -3e38, 2e38], [7.8e20, -2.3e23, 1.0], [50.0, 1e30, -1e30]])
    energy, gradient = model.energy_and_gradient(x)
    exact_energy, exact_gradient = model.energy_and_gradient(x.double())
    fits = exact_energy.abs() <= torch.finfo(torch.float32).max
    assert bool(fits[:2].all()) and bool(energy[~fits].isinf().all())
    torch.testing.assert_close(energy[fits].double(), exact_energy[fits], rtol=1e-6, atol=0)
    torch.testing.assert_close(gradient.double(), exact_gradient, rtol=1e-6, atol=1e-44)
    torch.testing.assert_close(model(x), energy, rtol=0, atol=0)


def test_bad_arguments_name_the_parameter() -> None:
    with pytest.raises(ebmcore.InvalidParameterError, match=r"dim.*an integer >= 2"):
        ebmcore.create("funnel", dim=1)
    with pytest.raises(ebmcore.InvalidParameterError, match="sigma"):
        ebmcore.create("funnel", sigma=0.0)
