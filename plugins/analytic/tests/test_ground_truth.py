"""Ground truth re-derived independently: closed forms, scipy quadrature and optimizers."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable

import numpy as np
import pytest
import torch
from ebmcore_analytic import _functions2d as f2d
from ebmcore_analytic import _optimization as opt
from ebmcore_analytic._gaussian import Gaussian, GaussianFromSamples
from scipy import integrate, optimize, special, stats

import ebmcore

# -- double well -----------------------------------------------------------------------------


def _double_well_bessel(h: float, b: float) -> float:
    r"""int exp(-h (t^2 - b^2)^2) dt by the modified-Bessel closed form.

    int exp(-a t^4 + c t^2) dt = (pi/2) sqrt(c/(2a)) exp(c^2/(8a)) [I_{-1/4} + I_{1/4}](c^2/(8a))
    with a = h, c = 2 h b^2, times exp(-h b^4); with scaled Bessel functions (ive) the
    exponentials cancel: (pi/2) b [ive(-1/4, z) + ive(1/4, z)], z = h b^4 / 2.
    """
    a, c = h, 2.0 * h * b * b
    z = c * c / (8.0 * a)
    return 0.5 * math.pi * math.sqrt(c / (2.0 * a)) * (special.ive(-0.25, z) + special.ive(0.25, z))


@pytest.mark.parametrize(("h", "b"), [(1.0, 1.0), (5.0, 1.0), (0.3, 2.0), (2.0, 0.4), (25.0, 1.5)])
def test_double_well_log_partition_against_bessel_and_quad(h: float, b: float) -> None:
    model = ebmcore.create("double_well", dim=3, barrier_height=h, b=b)
    per_coordinate = model.log_partition() / 3

    def density(t: float) -> float:
        return math.exp(-h * (t * t - b * b) ** 2)

    quad, error = integrate.quad(density, -np.inf, np.inf, epsabs=0.0, epsrel=1e-13, limit=500, points=None)
    assert error < 1e-11 * quad
    assert math.exp(per_coordinate) == pytest.approx(quad, rel=1e-8)
    assert math.exp(per_coordinate) == pytest.approx(_double_well_bessel(h, b), rel=1e-8)


def test_double_well_sampler_ks_with_high_barrier() -> None:
    """KS against the closed-form CDF from quad; alpha = 1e-3 (0.1% false failures per seed)."""
    h, b = 4.0, 1.3
    model = ebmcore.create("double_well", dim=2, barrier_height=h, b=b)
    samples = model.sample(4000, generator=torch.Generator().manual_seed(5)).numpy()
    z = math.exp(model.log_partition() / 2)

    grid = np.linspace(-6.0, 6.0, 200_001)
    cumulative = integrate.cumulative_trapezoid(np.exp(-h * (grid**2 - b * b) ** 2), grid, initial=0.0)
    assert cumulative[-1] == pytest.approx(z, rel=1e-9)

    def cdf(t: np.ndarray) -> np.ndarray:
        return np.interp(t, grid, cumulative / cumulative[-1])

    for i in range(2):
        assert stats.kstest(samples[:, i], cdf).pvalue > 1e-3
    assert abs(np.mean(samples > 0) - 0.5) < 0.03  # both wells visited equally


@pytest.mark.parametrize(
    ("h", "b"),
    [(1.0, 1.0), (5.0, 1.0), (0.3, 2.0), (2.0, 0.4), (25.0, 1.5), (1.0, 0.0), (1e-6, 1.0), (1e6, 1.0)],
)
def test_double_well_mean_and_stddev_against_quad(h: float, b: float) -> None:
    """Mean 0 (the density is even) and stddev sqrt(E[t^2]) of the 1-D marginal, by scipy quad."""
    model = ebmcore.create("double_well", dim=3, barrier_height=h, b=b)

    def density(t: float) -> float:
        return math.exp(-h * (t * t - b * b) ** 2)

    edge = b + 10.0 * h**-0.25  # the density is below e^-10000 beyond
    options = {"epsabs": 0.0, "epsrel": 1e-13, "limit": 500, "points": [-b, 0.0, b] if b else None}
    mass = integrate.quad(density, -edge, edge, **options)[0]
    second = integrate.quad(lambda t: t * t * density(t), -edge, edge, **options)[0]
    assert torch.equal(model.mean, torch.zeros(3, dtype=torch.float64))
    assert model.stddev.shape == (3,) and model.stddev.dtype == torch.float64
    np.testing.assert_allclose(model.stddev.numpy(), math.sqrt(second / mass), rtol=1e-12)


def test_double_well_stddev_with_gaussian_wells() -> None:
    """Beyond sqrt(h) b^2 = 1e16 each well is a Gaussian of variance 1/(8 h b^2) at +-b, far
    below b^2 in double precision: the standard deviation is b."""
    for h, b in [(1e40, 1.0), (1e36, 3.0)]:
        model = ebmcore.create("double_well", dim=2, barrier_height=h, b=b)
        np.testing.assert_allclose(model.stddev.numpy(), b, rtol=1e-15)


# -- harmonic and Gaussians --------------------------------------------------------------------


# -- rastrigin -------------------------------------------------------------------------------


def _rastrigin_quad(a: float, power: int) -> float:
    """int x^power exp(-x^2 - 2a sin^2(pi x)) dx by adaptive quadrature, split at the integers."""

    def integrand(t: float) -> float:
        return t**power * math.exp(-t * t - 2.0 * a * math.sin(math.pi * t) ** 2)

    points = list(range(-11, 12))
    value, _ = integrate.quad(integrand, -12.0, 12.0, points=points, limit=4000, epsabs=0.0, epsrel=1e-13)
    return value


@pytest.mark.parametrize("a", [1e-3, 0.5, 10.0, 1000.0])
def test_rastrigin_log_partition_and_stddev_against_quad(a: float) -> None:
    model = ebmcore.create("rastrigin", dim=3, a=a)
    mass = _rastrigin_quad(a, 0)
    assert model.log_partition() == pytest.approx(3 * math.log(mass), rel=1e-12, abs=1e-12)
    second = _rastrigin_quad(a, 2) / mass
    torch.testing.assert_close(
        model.stddev, torch.full((3,), math.sqrt(second), dtype=torch.float64), rtol=1e-11, atol=0.0
    )
    assert torch.equal(model.mean, torch.zeros(3, dtype=torch.float64))


@pytest.mark.parametrize("a", [0.5, 10.0, 200.0])
def test_rastrigin_sampler_ks_against_quad(a: float) -> None:
    """A 1-D KS test against the CDF of the density on a fine grid (about 100 points across each
    peak at a = 200, where the modes are narrow); alpha = 1e-3."""
    model = ebmcore.create("rastrigin", dim=1, a=a)
    samples = model.sample(4000, generator=torch.Generator().manual_seed(11)).reshape(-1).numpy()
    grid = np.linspace(-7.0, 7.0, 400_001)
    density = np.exp(-grid * grid - 2.0 * a * np.sin(np.pi * grid) ** 2)
    cumulative = integrate.cumulative_trapezoid(density, grid, initial=0.0)
    assert cumulative[-1] == pytest.approx(math.exp(model.log_partition()), rel=1e-9)
    result = stats.kstest(samples, lambda t: np.interp(t, grid, cumulative / cumulative[-1]))
    assert result.pvalue > 1e-3, result


def test_rastrigin_sampler_at_a_huge_amplitude() -> None:
    """The limit: a discrete Gaussian on the integers, weights exp(-k^2); acceptance stays high."""
    model = ebmcore.create("rastrigin", dim=2, a=1e300)
    samples = model.sample(20_000, generator=torch.Generator().manual_seed(4)).reshape(-1)
    assert torch.isfinite(samples).all()
    assert float((samples - samples.round()).abs().max()) < 1e-100
    weights = torch.exp(-(torch.arange(-30.0, 31.0, dtype=torch.float64) ** 2))
    expected = float(weights[30] / weights.sum())  # P(x = 0)
    observed = float((samples.round() == 0).double().mean())
    assert abs(observed - expected) < 5.0 * math.sqrt(expected * (1.0 - expected) / len(samples))
    assert math.isfinite(model.log_partition())


def test_styblinski_tang_law_against_quad() -> None:
    model = ebmcore.create("styblinski_tang", dim=3)

    def moment(power: int) -> float:
        def integrand(t: float) -> float:
            return t**power * math.exp(-0.5 * (t**4 - 16.0 * t * t + 5.0 * t))

        return integrate.quad(integrand, -9.0, 9.0, points=[-2.9, 2.75], limit=500, epsabs=0.0, epsrel=1e-13)[
            0
        ]

    mass, first, second = moment(0), moment(1), moment(2)
    mean = first / mass
    assert model.log_partition() == pytest.approx(3 * math.log(mass), rel=1e-12)
    torch.testing.assert_close(model.mean, torch.full((3,), mean, dtype=torch.float64), rtol=1e-11, atol=0.0)
    spread = math.sqrt(second / mass - mean * mean)
    torch.testing.assert_close(
        model.stddev, torch.full((3,), spread, dtype=torch.float64), rtol=1e-9, atol=0.0
    )
    samples = model.sample(4000, generator=torch.Generator().manual_seed(6)).reshape(-1).numpy()

    def cdf(t: np.ndarray) -> np.ndarray:
        return np.array(
            [
                integrate.quad(lambda u: math.exp(-0.5 * (u**4 - 16 * u * u + 5 * u)), -9.0, v)[0] / mass
                for v in np.atleast_1d(t)
            ]
        )

    points = np.linspace(-4.5, -1.0, 701)
    table = cdf(points)
    assert stats.kstest(samples, lambda t: np.interp(t, points, table)).pvalue > 1e-3


@pytest.mark.parametrize("dim", [1, 4])
def test_zakharov_law_against_quad(dim: int) -> None:
    """The split along w = (1/2, ..., d/2): log Z, the stddevs and samples against a 1-D quadrature
    of the energy along w (for d = 1, of the energy itself)."""
    model = ebmcore.create("zakharov", dim=dim)
    w = torch.arange(1, dim + 1, dtype=torch.float64) / 2.0
    norm = float(w @ w)

    def along(r: float, power: int = 0) -> float:  # the energy at r w / |w|, times r^power
        return r**power * math.exp(-float(model.energy(r * w / math.sqrt(norm))))

    mass = integrate.quad(along, -10.0, 10.0, epsabs=0.0, epsrel=1e-13)[0]
    assert model.log_partition() == pytest.approx(
        0.5 * (dim - 1) * math.log(math.pi) + math.log(mass), rel=1e-12
    )
    variance = integrate.quad(lambda r: along(r, 2), -10.0, 10.0, epsabs=0.0, epsrel=1e-13)[0] / mass
    u2 = w * w / norm
    torch.testing.assert_close(
        model.stddev, torch.sqrt(0.5 * (1.0 - u2) + u2 * variance), rtol=1e-9, atol=0.0
    )
    samples = model.sample(4000, generator=torch.Generator().manual_seed(9))
    projected = (samples @ w / math.sqrt(norm)).numpy()
    grid = np.linspace(-3.0, 3.0, 601)
    table = np.concatenate(
        [[0.0], np.cumsum([integrate.quad(along, a, b)[0] for a, b in itertools.pairwise(grid)])]
    )
    table = (table + integrate.quad(along, -10.0, -3.0)[0]) / mass
    assert stats.kstest(projected, lambda t: np.interp(t, grid, table)).pvalue > 1e-3


def test_zakharov_ground_truth_stays_on_the_cpu_for_a_model_elsewhere() -> None:
    # the meta device stands in for a GPU: the ground truth must not read the moved buffer
    model = ebmcore.create("zakharov", dim=3)
    expected = model.stddev
    moved = model.to("meta")
    assert moved.stddev.device.type == "cpu" and torch.equal(moved.stddev, expected)
    assert moved.sample(4, generator=torch.Generator().manual_seed(0)).device.type == "cpu"


def test_harmonic_closed_forms() -> None:
    model = ebmcore.create("harmonic", dim=4, k=3.0)
    assert model.log_partition() == pytest.approx(2.0 * math.log(2.0 * math.pi / 3.0), rel=1e-14)
    samples = model.sample(20000, generator=torch.Generator().manual_seed(2))
    assert samples.var(0).numpy() == pytest.approx([1.0 / 3.0] * 4, rel=0.05)


@pytest.mark.parametrize("k", [1.0, 3.0, 1e-4, 250.0])
def test_harmonic_mean_and_stddev_against_quad(k: float) -> None:
    model = ebmcore.create("harmonic", dim=3, k=k)
    edge = 40.0 / math.sqrt(k)
    mass = integrate.quad(lambda t: math.exp(-0.5 * k * t * t), -edge, edge, epsabs=0.0, epsrel=1e-13)[0]
    second = integrate.quad(
        lambda t: t * t * math.exp(-0.5 * k * t * t), -edge, edge, epsabs=0.0, epsrel=1e-13
    )[0]
    assert torch.equal(model.mean, torch.zeros(3, dtype=torch.float64))
    np.testing.assert_allclose(model.stddev.numpy(), math.sqrt(second / mass), rtol=1e-12)
    assert model.stddev.dtype == torch.float64


def test_gaussian_from_samples_fits_numpy_moments() -> None:
    data = np.random.default_rng(0).normal(size=(40, 3)) * [1.0, 2.0, 0.5] + [1.0, 0.0, -1.0]
    model = ebmcore.create("gaussian_from_samples", samples=torch.from_numpy(data), regularization=1e-2)
    assert isinstance(model, Gaussian)
    np.testing.assert_allclose(model.mean.numpy(), data.mean(0), rtol=1e-13)
    expected_cov = np.cov(data, rowvar=False) + 1e-2 * np.eye(3)
    np.testing.assert_allclose(model.covariance.numpy(), expected_cov, rtol=1e-12, atol=1e-14)
    _, logdet = np.linalg.slogdet(expected_cov)
    assert model.log_partition() == pytest.approx(1.5 * math.log(2 * math.pi) + 0.5 * logdet, rel=1e-12)
    x = torch.from_numpy(data[:5])
    energy = model.energy(x).numpy()
    centered = data[:5] - data.mean(0)
    reference = 0.5 * np.einsum("ni,ij,nj->n", centered, np.linalg.inv(expected_cov), centered)
    np.testing.assert_allclose(energy, reference, rtol=1e-10)
    # the recipe is the data: a JSON round trip rebuilds the same model bit for bit
    rebuilt = ebmcore.create(json.loads(json.dumps(model.spec)))
    assert model.spec["name"] == "analytic/gaussian_from_samples"
    assert torch.equal(rebuilt.precision, model.precision) and torch.equal(rebuilt.mean, model.mean)
    direct = Gaussian.from_samples(data.tolist(), regularization=1e-2)
    assert isinstance(direct, GaussianFromSamples) and direct.spec == model.spec


def test_gaussian_from_samples_rejects_singular_covariance() -> None:
    collinear = [[0.0, 0.0], [1.0, 2.0], [2.0, 4.0]]
    with pytest.raises(ValueError, match="not positive definite") as caught:
        ebmcore.create("gaussian_from_samples", samples=collinear, regularization=0.0)
    assert caught.value.parameter == "samples"  # type: ignore[attr-defined]
    ebmcore.create("gaussian_from_samples", samples=collinear)  # the default regularization fixes it
    with pytest.raises(ebmcore.InvalidParameterError, match="n >= 2"):
        ebmcore.create("gaussian_from_samples", samples=[[1.0, 2.0]])


def test_gaussian_rejects_non_spd_covariance() -> None:
    with pytest.raises(ValueError, match="not positive definite"):
        ebmcore.create("gaussian", cov=[[1.0, 2.0], [2.0, 1.0]])


# -- a covariance symmetric up to rounding ---------------------------------------------------------


def _rounded_covariances() -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(4)
    a = torch.randn(6, 6, generator=generator)
    product = a @ a.T + 6 * torch.eye(6)
    samples = torch.randn(500, 6, generator=generator) @ a
    return [product, torch.cov(samples.T), product.T @ product]


@pytest.mark.parametrize("index", range(3))
def test_a_float32_covariance_symmetric_up_to_rounding_is_accepted(index: int) -> None:
    cov = _rounded_covariances()[index]
    model = ebmcore.create("gaussian", cov=cov)
    symmetric = 0.5 * (cov.double() + cov.double().T)
    reference = torch.distributions.MultivariateNormal(
        torch.zeros(6, dtype=torch.float64), covariance_matrix=symmetric
    )
    x = torch.randn(5, 6, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    torch.testing.assert_close(model(x), -reference.log_prob(x) - model.log_partition(), rtol=1e-9, atol=1e-9)
    log_z = 3 * math.log(2 * math.pi) + 0.5 * torch.logdet(symmetric).item()
    assert model.log_partition() == pytest.approx(log_z, rel=1e-12)


def test_a_covariance_far_from_symmetric_is_rejected_with_the_asymmetry() -> None:
    with pytest.raises(ebmcore.InvalidParameterError, match=r"not symmetric: entries differ .* up to 0\.1,"):
        ebmcore.create("gaussian", cov=[[1.0, 0.5], [0.4, 1.0]])


# -- Rosenbrock in two dimensions: a Gaussian chain ---------------------------------------------

ROSENBROCK_2D = [(1.0, 100.0), (0.5, 3.0), (-1.5, 1.0), (2.0, 0.2)]


def _rosenbrock_density(a: float, b: float) -> Callable[[float, float], float]:
    """exp(-E) from the definition E = b (x2 - x1^2)^2 + (a - x1)^2, as scipy's dblquad wants it."""

    def density(x2: float, x1: float) -> float:
        return math.exp(-(b * (x2 - x1 * x1) ** 2 + (a - x1) ** 2))

    return density


def _rosenbrock_integral(
    a: float,
    b: float,
    weight: Callable[[float, float], float] = lambda x1, x2: 1.0,
    x1_high: float | None = None,
    x2_high: float | None = None,
) -> float:
    """int int weight exp(-E) over x1 <= x1_high, x2 <= x2_high (each optional), by dblquad.

    x1 within a +- 12 and x2 within x1^2 +- 12 / sqrt(b): exp(-E) is below e^-144 of its peak
    outside (both squares in E are then above 144).
    """
    density = _rosenbrock_density(a, b)
    width = 12.0 / math.sqrt(b)
    high1 = a + 12.0 if x1_high is None else x1_high

    def low2(x1: float) -> float:
        return x1 * x1 - width

    def high2(x1: float) -> float:
        top = x1 * x1 + width
        return top if x2_high is None else max(low2(x1), min(top, x2_high))

    value, _ = integrate.dblquad(
        lambda x2, x1: weight(x1, x2) * density(x2, x1),
        a - 12.0,
        high1,
        low2,
        high2,
        epsabs=1e-13,
        epsrel=1e-11,
    )
    return float(value)


@pytest.mark.parametrize(("a", "b"), ROSENBROCK_2D)
def test_rosenbrock_2d_log_partition_against_dblquad(a: float, b: float) -> None:
    model = ebmcore.create("rosenbrock", dim=2, a=a, b=b)
    assert model.log_partition() == pytest.approx(math.log(_rosenbrock_integral(a, b)), abs=1e-9)


@pytest.mark.parametrize(("a", "b"), ROSENBROCK_2D)
def test_rosenbrock_2d_moments_against_dblquad(a: float, b: float) -> None:
    model = ebmcore.create("rosenbrock", dim=2, a=a, b=b)
    z = _rosenbrock_integral(a, b)
    mean = [_rosenbrock_integral(a, b, lambda x1, x2, i=i: (x1, x2)[i]) / z for i in range(2)]
    second = [_rosenbrock_integral(a, b, lambda x1, x2, i=i: (x1, x2)[i] ** 2) / z for i in range(2)]
    std = [math.sqrt(s - m * m) for s, m in zip(second, mean, strict=True)]
    np.testing.assert_allclose(model.mean.numpy(), mean, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(model.stddev.numpy(), std, rtol=1e-8)
    modes = model.modes
    assert modes.count == 1 and modes.weights.tolist() == [1.0]
    torch.testing.assert_close(modes.points, model.minima.points)


@pytest.mark.parametrize(("a", "b"), [(1.0, 100.0), (-0.5, 2.0)])
def test_rosenbrock_2d_exact_samples_follow_the_density(a: float, b: float) -> None:
    """KS on x1 against its CDF by quadrature (alpha 1e-4), and the probabilities of six
    quadrants {x1 <= s, x2 <= t} by dblquad against the sample fractions, a binomial z-score
    below 4.5 each (7e-6 false alarms each): 20,000 samples, fixed seed."""
    n = 20_000
    model = ebmcore.create("rosenbrock", dim=2, a=a, b=b)
    samples = model.sample(n, generator=torch.Generator().manual_seed(21)).numpy()
    assert samples.shape == (n, 2) and samples.dtype == np.float64
    z = _rosenbrock_integral(a, b)

    def marginal(x1: float) -> float:  # int exp(-E) dx2, by quad
        return integrate.quad(
            lambda x2: _rosenbrock_density(a, b)(x2, x1),
            x1 * x1 - 12 / b**0.5,
            x1 * x1 + 12 / b**0.5,
            epsabs=0.0,
            epsrel=1e-12,
        )[0]

    grid = np.linspace(a - 8.0, a + 8.0, 4001)
    density = np.array([marginal(t) for t in grid])
    cdf_values = integrate.cumulative_trapezoid(density, grid, initial=0.0)
    assert cdf_values[-1] == pytest.approx(z, rel=1e-8)
    assert stats.kstest(samples[:, 0], lambda t: np.interp(t, grid, cdf_values / z)).pvalue > 1e-4
    x1, x2 = samples[:, 0], samples[:, 1]
    quadrants = [
        (None, a * a),
        (None, a * a + 1.0),
        (None, a * a + 4.0),
        (a, a * a + 0.5),
        (a - 0.5, a * a + 2.0),
        (a + 0.7, a * a),
    ]
    for s_value, t_value in quadrants:
        p = _rosenbrock_integral(a, b, x1_high=s_value, x2_high=t_value) / z
        inside = np.mean((x2 <= t_value) & (x1 <= (math.inf if s_value is None else s_value)))
        assert abs(inside - p) <= 4.5 * math.sqrt(p * (1 - p) / n), (s_value, t_value, inside, p)


def test_rosenbrock_beyond_two_dimensions_has_no_closed_form() -> None:
    model = ebmcore.create("rosenbrock", dim=3)
    assert model.log_partition() is None and model.mean is None and model.stddev is None
    assert model.modes is None
    with pytest.raises(NotImplementedError, match="no exact sampler"):
        model.sample(3)


# -- variable-dimension functions --------------------------------------------------------------


def test_ackley_gradient_is_finite_and_zero_at_the_origin() -> None:
    model = ebmcore.create("ackley", dim=3)
    for dtype in (torch.float32, torch.float64):
        energy, grad = model.energy_and_gradient(torch.zeros(2, 3, dtype=dtype))
        assert torch.equal(energy, torch.zeros(2, dtype=dtype)) and torch.equal(
            grad, torch.zeros(2, 3, dtype=dtype)
        )
        with ebmcore.use_backend("autograd"):
            assert torch.equal(model.gradient(torch.zeros(3, dtype=dtype)), torch.zeros(3, dtype=dtype))
    tiny = torch.tensor([1e-300, 0.0, 0.0], dtype=torch.float64)
    assert bool(torch.isfinite(model.gradient(tiny)).all())


def test_styblinski_tang_root_from_the_cubic() -> None:
    roots = np.roots([4.0, 0.0, -32.0, 5.0]).real
    assert pytest.approx(roots.min(), rel=1e-14) == opt.STYBLINSKI_TANG_ROOT
    t = opt.STYBLINSKI_TANG_ROOT
    assert abs(4 * t**3 - 32 * t + 5) < 1e-12
    per_coordinate = 0.5 * (t**4 - 16 * t * t + 5 * t)
    assert per_coordinate == pytest.approx(-39.16616570377142, rel=1e-13)
    assert ebmcore.create("styblinski_tang", dim=7).minima.value == pytest.approx(
        7 * per_coordinate, rel=1e-14
    )
    found = optimize.minimize_scalar(
        lambda s: 0.5 * (s**4 - 16 * s * s + 5 * s), bounds=(-5, 5), method="bounded"
    )
    assert found.x == pytest.approx(t, abs=1e-5)


def test_dixon_price_minimizers_from_the_formula() -> None:
    model = ebmcore.create("dixon_price", dim=6)
    minima = model.minima
    assert minima.count == 2
    x = minima.points[0]
    i = np.arange(1, 7)
    np.testing.assert_allclose(x.numpy(), 2.0 ** (-(2.0**i - 2.0) / 2.0**i), rtol=1e-15)
    torch.testing.assert_close(2 * x[1:] ** 2, x[:-1], rtol=1e-15, atol=0)
    assert float(model.energy(minima.points).abs().max()) < 1e-28
    # flipping any but the last sign leaves the minimum
    flipped = x.clone()
    flipped[2] = -flipped[2]
    assert float(model.energy(flipped)) > 0.1


def _michalewicz_scipy(dim: int, m: int = 10) -> float:
    """Per-coordinate global minimum by bounded Brent searches from every grid bracket."""
    total = 0.0
    grid = np.linspace(0.0, math.pi, 2001)
    for i in range(1, dim + 1):

        def f(t: float, i: int = i) -> float:
            return -math.sin(t) * math.sin(i * t * t / math.pi) ** (2 * m)

        values = -np.sin(grid) * np.sin(i * grid**2 / math.pi) ** (2 * m)
        best = min(
            optimize.minimize_scalar(
                f,
                bounds=(grid[max(j - 1, 0)], grid[min(j + 1, 2000)]),
                method="bounded",
                options={"xatol": 1e-13},
            ).fun
            for j in np.argsort(values)[:3]
        )
        total += best
    return total


@pytest.mark.parametrize(("dim", "published"), [(2, -1.8013), (5, -4.687658), (10, -9.66015)])
def test_michalewicz_refined_minimum(dim: int, published: float) -> None:
    refined = opt.MICHALEWICZ_MINIMUM[dim]
    digits = len(str(published).split(".")[1])
    assert round(refined, digits) == published  # agrees with the literature to its digits
    assert _michalewicz_scipy(dim) == pytest.approx(refined, rel=1e-12)
    model = ebmcore.create("michalewicz", dim=dim)
    assert model.minima.value == pytest.approx(refined, rel=1e-13)
    # and no multistart L-BFGS-B run inside the box goes lower
    starts = np.random.default_rng(dim).uniform(0.0, math.pi, size=(6, dim))

    def fun(z: np.ndarray) -> tuple[float, np.ndarray]:
        e, g = model.energy_and_gradient(torch.from_numpy(z))
        return float(e), g.numpy()

    bounds = [(0.0, math.pi)] * dim
    lowest = min(optimize.minimize(fun, s, jac=True, bounds=bounds, method="L-BFGS-B").fun for s in starts)
    assert lowest >= refined - 1e-10


# -- two-dimensional functions -----------------------------------------------------------------


def test_himmelblau_minima_are_newton_roots() -> None:
    def residual(z: np.ndarray) -> np.ndarray:
        return np.array([z[0] ** 2 + z[1] - 11.0, z[0] + z[1] ** 2 - 7.0])

    published = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
    for root, start in zip(f2d.HIMMELBLAU_MINIMA, published, strict=True):
        solved = optimize.fsolve(residual, start, xtol=1e-14)
        np.testing.assert_allclose(root, solved, rtol=1e-13)
        np.testing.assert_allclose(root, start, atol=1e-6)
        assert np.abs(residual(np.array(root))).max() < 1e-13


def test_branin_minima_from_the_formula() -> None:
    model = ebmcore.create("branin")
    assert model.minima.value == pytest.approx(0.397887357729738, rel=1e-14)
    assert model.minima.value == 5.0 / (4.0 * math.pi)
    np.testing.assert_allclose(
        model.minima.points.numpy(), [[-math.pi, 12.275], [math.pi, 2.275], [3 * math.pi, 2.475]], rtol=1e-14
    )


def _newton(model: ebmcore.BaseModel, start: list[float], iterations: int = 12) -> torch.Tensor:
    z = torch.tensor(start, dtype=torch.float64)
    for _ in range(iterations):
        hessian = torch.autograd.functional.hessian(lambda p: model.energy(p), z)
        z = z - torch.linalg.solve(hessian, model.gradient(z))
    return z


@pytest.mark.parametrize(
    ("name", "recorded", "published"),
    [
        ("six_hump_camel", f2d.SIX_HUMP_CAMEL_MINIMIZER, ((0.0898, -0.7126), -1.0316)),
        ("holder_table", f2d.HOLDER_TABLE_MINIMIZER, ((8.05502, 9.66459), -19.2085)),
    ],
)
def test_refined_two_dimensional_minima(
    name: str, recorded: tuple[float, float], published: tuple[tuple[float, float], float]
) -> None:
    model = ebmcore.create(name)
    refined = _newton(model, list(published[0]))
    np.testing.assert_allclose(refined.numpy(), recorded, rtol=1e-9)
    np.testing.assert_allclose(recorded, published[0], atol=1e-4)
    assert model.minima.value == pytest.approx(published[1], abs=1e-4)
    assert model.minima.value == pytest.approx(float(model.energy(refined)), rel=1e-13)
    hessian = torch.autograd.functional.hessian(lambda p: model.energy(p), refined)
    assert bool((torch.linalg.eigvalsh(hessian) > 0).all())
    low, high = model.bounds.numpy()
    axes = [np.linspace(low[i], high[i], 1001) for i in range(2)]
    grid = torch.from_numpy(np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1))
    assert float(model.energy(grid).min()) >= model.minima.value - 1e-10
    found = optimize.minimize(
        lambda z: float(model.energy(torch.from_numpy(z))), published[0], method="Nelder-Mead"
    )
    assert found.fun == pytest.approx(model.minima.value, abs=1e-7)


def test_eggholder_minimum_on_the_edge() -> None:
    model = ebmcore.create("eggholder")
    x, y = f2d.EGGHOLDER_MINIMIZER
    assert x == 512.0 and y == pytest.approx(404.2319, abs=1e-4)

    def along_edge(t: float) -> float:
        return float(model.energy(torch.tensor([512.0, t], dtype=torch.float64)))

    found = optimize.minimize_scalar(
        along_edge, bounds=(400.0, 410.0), method="bounded", options={"xatol": 1e-12}
    )
    assert found.x == pytest.approx(y, abs=1e-6)
    assert model.minima.value == pytest.approx(-959.6407, abs=1e-4)
    assert model.minima.value == pytest.approx(found.fun, rel=1e-13)
    grad = model.gradient(model.minima.points)[0]
    assert abs(float(grad[1])) < 1e-10 and float(grad[0]) < 0  # KKT point on the edge x = 512
