"""Ground truth re-derived independently: closed forms, scipy quadrature and optimizers."""

from __future__ import annotations

import functools
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


def _chain_reference(dim: int, a: float, b: float) -> tuple[float, np.ndarray, list[np.ndarray]]:
    """log Z, the nodes and the laws of x_1 .. x_{d-1} on them, for exp(-E) in ``dim``
    dimensions: an independent forward-backward pass with dense kernels on composite
    Gauss-Legendre nodes of [a - 5, a + 9] (each of these coordinates has its own (a - x)^2;
    x_d given x_{d-1} is N(x_{d-1}^2, 1 / 2b), integrated exactly)."""
    nodes, weights = special.roots_legendre(8)
    edges = np.linspace(a - 5.0, a + 9.0, 281)
    half = 0.5 * np.diff(edges)[:, None]
    x = (0.5 * (edges[1:] + edges[:-1])[:, None] + half * nodes).ravel()
    w = (half * weights).ravel()
    kernel = np.exp(-b * (x[None, :] - (x * x)[:, None]) ** 2)  # [x_i, x_{i+1}]
    own = np.exp(-((a - x) ** 2))
    betas, log_scale = [own], 0.5 * math.log(math.pi / b)  # beta_{d-1}: x_d integrated
    for _ in range(dim - 2):
        beta = own * (kernel @ (w * betas[-1]))
        log_scale += math.log(beta.max())
        betas.append(beta / beta.max())
    betas.reverse()
    alpha, laws = np.ones_like(x), []
    for i in range(dim - 1):
        p = alpha * betas[i] * w
        laws.append(p / p.sum())
        alpha = (w * alpha * own) @ kernel
        alpha /= alpha.max()
    return math.log(float(w @ betas[0])) + log_scale, x, laws


@pytest.mark.parametrize(
    ("dim", "a", "b"), [(3, 1.0, 100.0), (5, 1.0, 100.0), (8, 0.0, 30.0), (4, -0.5, 4.0)]
)
def test_rosenbrock_chain_against_a_dense_gauss_legendre_chain(dim: int, a: float, b: float) -> None:
    model = ebmcore.create("rosenbrock", dim=dim, a=a, b=b)
    log_z, x, laws = _chain_reference(dim, a, b)
    assert model.log_partition() == pytest.approx(log_z, abs=1e-9)
    last = laws[-1]  # x_d = x_{d-1}^2 + N(0, 1 / 2b)
    mean = np.array([p @ x for p in laws] + [last @ x**2])
    variance = [p @ (x - m) ** 2 for p, m in zip(laws, mean, strict=False)]
    variance.append(last @ x**4 - mean[-1] ** 2 + 0.5 / b)
    np.testing.assert_allclose(model.mean.numpy(), mean, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(model.stddev.numpy(), np.sqrt(variance), rtol=1e-8)
    samples = model.sample(4000, generator=torch.Generator().manual_seed(dim)).numpy()
    assert samples.shape == (4000, dim) and samples.dtype == np.float64
    for i, p in enumerate(laws):  # alpha = 1e-3 per coordinate; the CDF at a node is half its weight in
        cdf = functools.partial(np.interp, xp=x, fp=np.cumsum(p) - 0.5 * p)
        assert stats.kstest(samples[:, i], cdf).pvalue > 1e-3, i

    def last_cdf(t: np.ndarray) -> np.ndarray:  # a mixture of Gaussians
        return stats.norm.cdf((t[:, None] - x * x) * math.sqrt(2.0 * b)) @ last

    assert stats.kstest(samples[:, -1], last_cdf).pvalue > 1e-3


def test_rosenbrock_chain_in_three_dimensions_against_quad() -> None:
    """x_3 and then x_2 integrate as Gaussians: Z = sqrt(pi / b) int int exp(-(1 - x1)^2 - b u^2
    - (1 - x1^2 - u)^2) du dx1 with u = x2 - x1^2, by dblquad."""
    b = 100.0
    value, _ = integrate.dblquad(
        lambda u, x1: math.exp(-((1.0 - x1) ** 2) - b * u * u - (1.0 - x1 * x1 - u) ** 2),
        -6.0,
        8.0,
        -1.5,
        1.5,
        epsabs=0.0,
        epsrel=1e-11,
    )
    model = ebmcore.create("rosenbrock", dim=3, b=b)
    assert model.log_partition() == pytest.approx(math.log(value) + 0.5 * math.log(math.pi / b), abs=1e-9)


def _dixon_price_reference(dim: int) -> tuple[float, np.ndarray, list[np.ndarray]]:
    """log Z, the nodes and the laws of x_2 .. x_d on them (in that order): an independent
    forward-backward pass from x_d to x_2 with dense kernels on composite Gauss-Legendre nodes
    of [-3, 3] (x_1 given x_2 is N((4 x_2^2 + 1) / 3, 1 / 6), integrated exactly)."""
    nodes, weights = special.roots_legendre(10)
    edges = np.linspace(-3.0, 3.0, 301)
    half = 0.5 * np.diff(edges)[:, None]
    x = (0.5 * (edges[1:] + edges[:-1])[:, None] + half * nodes).ravel()
    w = (half * weights).ravel()
    # beta(x_2) = int exp(-(x_1 - 1)^2 - 2 (x_1 - 2 x_2^2)^2) dx_1; then beta(x_i) for i = 3, ..., d
    betas, log_scale = [np.exp(-(2.0 / 3.0) * (2.0 * x * x - 1.0) ** 2)], 0.5 * math.log(math.pi / 3.0)
    for i in range(3, dim + 1):  # i (x_{i-1} - 2 x_i^2)^2, x_{i-1} on the columns
        kernel = np.exp(-i * (x[None, :] - 2.0 * (x * x)[:, None]) ** 2)
        beta = kernel @ (w * betas[-1])
        log_scale += math.log(beta.max())
        betas.append(beta / beta.max())
    log_z = math.log(float(w @ betas[-1])) + log_scale
    alpha, laws = np.ones_like(x), []  # forward from x_d down to x_2
    for i in range(dim, 1, -1):
        p = alpha * betas[i - 2] * w
        laws.append(p / p.sum())
        kernel = np.exp(-i * (x[None, :] - 2.0 * (x * x)[:, None]) ** 2)
        alpha = (w * alpha) @ kernel
        alpha /= alpha.max()
    return log_z, x, laws[::-1]


@pytest.mark.parametrize("dim", [2, 3, 5, 12])
def test_dixon_price_chain_against_a_dense_gauss_legendre_chain(dim: int) -> None:
    model = ebmcore.create("dixon_price", dim=dim)
    log_z, x, laws = _dixon_price_reference(dim)
    assert model.log_partition() == pytest.approx(log_z, abs=1e-9)
    first = (4.0 * x * x + 1.0) / 3.0  # E[x_1 | x_2]
    mean = np.array([laws[0] @ first] + [p @ x for p in laws])
    variance = [1.0 / 6.0 + laws[0] @ (first - mean[0]) ** 2]
    variance += [p @ (x - m) ** 2 for p, m in zip(laws, mean[1:], strict=True)]
    np.testing.assert_allclose(model.mean.numpy(), mean, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(model.stddev.numpy(), np.sqrt(variance), rtol=1e-8)
    samples = model.sample(4000, generator=torch.Generator().manual_seed(dim)).numpy()
    assert samples.shape == (4000, dim) and samples.dtype == np.float64
    for i, p in enumerate(laws, start=1):  # alpha = 1e-3 per coordinate
        cdf = functools.partial(np.interp, xp=x, fp=np.cumsum(p) - 0.5 * p)
        assert stats.kstest(samples[:, i], cdf).pvalue > 1e-3, i

    def first_cdf(t: np.ndarray) -> np.ndarray:  # a mixture of Gaussians
        return stats.norm.cdf((t[:, None] - first) * math.sqrt(6.0)) @ laws[0]

    assert stats.kstest(samples[:, 0], first_cdf).pvalue > 1e-3


def test_dixon_price_in_one_and_two_dimensions_against_quadrature() -> None:
    one = ebmcore.create("dixon_price", dim=1)  # (x - 1)^2: N(1, 1/2)
    assert one.log_partition() == 0.5 * math.log(math.pi)
    assert one.mean.tolist() == [1.0] and one.stddev.tolist() == [math.sqrt(0.5)]
    value, _ = integrate.dblquad(
        lambda x2, x1: math.exp(-((x1 - 1.0) ** 2) - 2.0 * (2.0 * x2 * x2 - x1) ** 2),
        -8.0,
        10.0,
        -3.5,
        3.5,
        epsabs=0.0,
        epsrel=1e-11,
    )
    assert ebmcore.create("dixon_price", dim=2).log_partition() == pytest.approx(math.log(value), abs=1e-10)
    beyond = ebmcore.create("dixon_price", dim=401)
    assert beyond.log_partition() is None and beyond.mean is None and beyond.stddev is None
    with pytest.raises(NotImplementedError, match="no exact sampler"):
        beyond.sample(2)


def test_a_chain_whose_grid_misses_mass_says_so() -> None:
    """The guard behind every chain: a grid too narrow for the law (Rosenbrock's x_1 is about
    N(1, 1/2), cut here at [-0.5, 0.5]) is flagged, and the energy then reports no ground truth."""
    from ebmcore_analytic._chain import ValleyChain
    from ebmcore_analytic._rosenbrock import _chain, _last_beta

    def own(x: np.ndarray) -> np.ndarray:
        return (1.0 - x) ** 2

    sigma = math.sqrt(0.5 / 100.0)
    narrow = ValleyChain.build(np.linspace(-0.5, 0.5, 401), (sigma,) * 2, 1.0, own, _last_beta(1.0, 100.0))
    assert not narrow.contained
    assert _chain(5, 1.0, 100.0) is not None and _chain(5, 1.0, 100.0).contained
    assert _chain(5, 30.0, 1.0).contained  # a valley far from the origin, still inside its grid


def test_rosenbrock_chain_beyond_its_grid_has_no_ground_truth() -> None:
    model = ebmcore.create("rosenbrock", dim=3, b=1e12)  # a kernel far narrower than any grid
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


# -- levy: a product of 1-D laws ------------------------------------------------------------------


def _levy_coordinate_energy(dim: int, i: int) -> Callable[[np.ndarray], np.ndarray]:
    """The terms of coordinate ``i`` (0-based) of the textbook Levy function, in w = 1 + (x - 1)/4."""

    def energy(x: np.ndarray) -> np.ndarray:
        w = 1.0 + (x - 1.0) / 4.0
        total = np.sin(np.pi * w) ** 2 if i == 0 else np.zeros_like(w)
        if i < dim - 1:
            total = total + (w - 1.0) ** 2 * (1.0 + 10.0 * np.sin(np.pi * w + 1.0) ** 2)
        else:
            total = total + (w - 1.0) ** 2 * (1.0 + np.sin(2.0 * np.pi * w) ** 2)
        return total

    return energy


def _levy_quad(energy: Callable[[np.ndarray], np.ndarray], power: int) -> float:
    """int x^power exp(-f(x)) dx over [-45, 45] (f >= ((x - 1)/4)^2: below e^-120 beyond)."""

    def integrand(t: float) -> float:
        return float(t**power * np.exp(-energy(np.array(t))))

    points = np.arange(-44.0, 45.0, 2.0)  # the sin^2 terms have periods 4 and 2 in x
    value, _ = integrate.quad(integrand, -45.0, 45.0, points=points, limit=4000, epsabs=0.0, epsrel=1e-13)
    return value


@pytest.mark.parametrize("dim", [1, 2, 4])
def test_levy_log_partition_and_moments_against_quad(dim: int) -> None:
    """The density factorizes over the coordinates (checked on random points against the
    model's energy), so log Z, the means and the standard deviations come from 1-D quad of the
    textbook terms, in w."""
    model = ebmcore.create("levy", dim=dim)
    energies = [_levy_coordinate_energy(dim, i) for i in range(dim)]
    x = torch.rand(50, dim, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 40.0 - 20.0
    separable = sum(energies[i](x[:, i].numpy()) for i in range(dim))
    np.testing.assert_allclose(model.energy(x).numpy(), separable, rtol=1e-12, atol=1e-12)
    log_z, means, spreads = 0.0, [], []
    for energy in energies:
        mass, first, second = (_levy_quad(energy, power) for power in range(3))
        log_z += math.log(mass)
        means.append(first / mass)
        spreads.append(math.sqrt(second / mass - (first / mass) ** 2))
    assert model.log_partition() == pytest.approx(log_z, rel=1e-13, abs=1e-13)
    np.testing.assert_allclose(model.mean.numpy(), means, rtol=1e-13)
    np.testing.assert_allclose(model.stddev.numpy(), spreads, rtol=1e-13)
    assert model.mean.dtype == model.stddev.dtype == torch.float64


@pytest.mark.parametrize("dim", [1, 4])
def test_levy_sampler_ks_against_quadrature_cdfs(dim: int) -> None:
    """KS of every coordinate against the CDF of its textbook law on a grid of step 1e-4; alpha
    1e-3 per coordinate, fixed seed."""
    model = ebmcore.create("levy", dim=dim)
    samples = model.sample(4000, generator=torch.Generator().manual_seed(17)).numpy()
    assert samples.shape == (4000, dim) and samples.dtype == np.float64
    grid = np.linspace(-45.0, 45.0, 900_001)
    for i in range(dim):
        cumulative = integrate.cumulative_trapezoid(
            np.exp(-_levy_coordinate_energy(dim, i)(grid)), grid, initial=0.0
        )
        result = stats.kstest(samples[:, i], lambda t, c=cumulative: np.interp(t, grid, c / c[-1]))
        assert result.pvalue > 1e-3, (i, result)


def test_levy_in_a_million_dimensions_shares_three_laws() -> None:
    """log Z is linear in d beyond d = 2 (each middle coordinate adds the same term), the moments
    repeat the middle law's, and sampling needs no per-coordinate work in Python."""
    small = [ebmcore.create("levy", dim=d) for d in (2, 3, 4)]
    step = small[2].log_partition() - small[1].log_partition()
    assert small[1].log_partition() - small[0].log_partition() == pytest.approx(step, rel=1e-13)
    dim = 10**6
    model = ebmcore.create("levy", dim=dim)
    assert model.log_partition() == pytest.approx(small[0].log_partition() + (dim - 2) * step, rel=1e-12)
    mean, stddev = model.mean, model.stddev
    assert mean.shape == stddev.shape == (dim,)
    for values, reference in ((mean, small[1].mean), (stddev, small[1].stddev)):
        assert torch.equal(values[[0, 1, -2, -1]], reference[[0, 1, 1, 2]])
    samples = model.sample(3, generator=torch.Generator().manual_seed(2))
    assert samples.shape == (3, dim) and bool(torch.isfinite(samples).all())
    assert abs(float(samples[:, 1:-1].mean()) - float(mean[1])) < 5.0 * float(stddev[1]) / math.sqrt(3 * dim)
    shared = [law for law in model._laws() if law is not None]
    assert all(law is other for law, other in zip(shared, small[1]._laws(), strict=True))  # one table each


# -- griewank: a Gaussian tilted by the product of cosines -------------------------------------


def _griewank_grid_2d(step: float = 0.5, half: float = 420.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The axis, and exp(-E) of the textbook 2-D function on the product grid (the trapezoid rule:
    the density is smooth and below e^-44 of its peak at the edges, so the rule converges
    geometrically; its cosines have periods 2 pi and 2 pi sqrt 2, far above the step)."""
    axis = np.arange(-half, half + step / 2, step)
    x, y = np.meshgrid(axis, axis, indexing="ij")
    energy = 1.0 + (x * x + y * y) / 4000.0 - np.cos(x) * np.cos(y / math.sqrt(2.0))
    return axis, x, np.exp(-energy)


def test_griewank_one_dimension_against_quad_and_bessel() -> None:
    """d = 1: exp(-E) = exp(-1 - x^2/4000 + cos x); its mass is e^-1 sqrt(4000 pi) I_0(1) up to
    e^-1000 (the Fourier series of exp(cos x) against the Gaussian)."""
    model = ebmcore.create("griewank", dim=1)

    def moment(power: int) -> float:
        def integrand(t: float) -> float:
            return t**power * math.exp(-1.0 - t * t / 4000.0 + math.cos(t))

        points = np.arange(-440.0, 441.0, 2.0 * math.pi)
        return integrate.quad(integrand, -450.0, 450.0, points=points, limit=4000, epsabs=0.0, epsrel=1e-13)[
            0
        ]

    mass, second = moment(0), moment(2)
    assert model.log_partition() == pytest.approx(math.log(mass), rel=1e-12)
    bessel = -1.0 + 0.5 * math.log(4000.0 * math.pi) + math.log(special.i0(1.0))
    assert model.log_partition() == pytest.approx(bessel, rel=1e-14)
    np.testing.assert_allclose(model.stddev.numpy(), [math.sqrt(second / mass)], rtol=1e-11)
    assert torch.equal(model.mean, torch.zeros(1, dtype=torch.float64))


def test_griewank_two_dimensions_against_a_product_grid() -> None:
    model = ebmcore.create("griewank", dim=2)
    axis, x, density = _griewank_grid_2d()
    step = axis[1] - axis[0]
    mass = float(density.sum()) * step * step
    assert model.log_partition() == pytest.approx(math.log(mass), rel=1e-12)
    # the phase of x_1 is uniform to e^-1000, so the mass is also e^-1 4000 pi times the mean
    # of I_0(cos t) over a period
    uniform_phase = integrate.quad(lambda t: special.i0(math.cos(t)), 0.0, 2.0 * math.pi, epsrel=1e-13)[0]
    expected = -1.0 + math.log(4000.0 * math.pi) + math.log(uniform_phase / (2.0 * math.pi))
    assert model.log_partition() == pytest.approx(expected, rel=1e-14)
    seconds = [
        float((x * x * density).sum() / density.sum()),
        float((x.T * x.T * density).sum() / density.sum()),
    ]
    np.testing.assert_allclose(model.stddev.numpy(), np.sqrt(seconds), rtol=1e-12)
    assert torch.equal(model.mean, torch.zeros(2, dtype=torch.float64))


def _griewank_brute_force_factors(dim: int, top: int) -> tuple[np.ndarray, np.ndarray]:
    """c[m, i] = E[cos^m(X / sqrt(i+1))] and s[m, i] = E[X^2 cos^m(X / sqrt(i+1))], X ~ N(0, 2000),
    by the trapezoid rule on a fine grid (no binomial expansion), for m < top."""
    step = 0.005
    t = np.arange(-90_000, 90_001) * step  # [-450, 450]: the Gaussian is below e^-50 beyond
    gaussian = np.exp(-t * t / 4000.0) / math.sqrt(4000.0 * math.pi) * step
    c, s = np.empty((top, dim)), np.empty((top, dim))
    for i in range(dim):
        cosine = np.cos(t / math.sqrt(i + 1.0))
        power = np.ones_like(t)
        for m in range(top):
            c[m, i] = float((power * gaussian).sum())
            s[m, i] = float((t * t * power * gaussian).sum())
            power = power * cosine
    return c, s


@pytest.mark.parametrize("dim", [3, 6, 40])
def test_griewank_series_against_brute_force_factors(dim: int) -> None:
    """log Z and E[x_j^2] from the series with every factor c_m(i) by quadrature, summed
    directly (no logarithms, no truncation before m = 40)."""
    model = ebmcore.create("griewank", dim=dim)
    top = 40
    c, s = _griewank_brute_force_factors(dim, top + 2)
    inverse_factorial = np.array([1.0 / math.factorial(m) for m in range(top)])
    series = float((inverse_factorial * c[:top].prod(axis=1)).sum())
    assert model.log_partition() == pytest.approx(
        -1.0 + 0.5 * dim * math.log(4000.0 * math.pi) + math.log(series), rel=1e-13
    )
    others = np.stack([np.delete(c[:top], j, axis=1).prod(axis=1) for j in range(dim)], axis=1)  # (m, j)
    second = (inverse_factorial[:, None] * others * s[:top]).sum(0) / series
    np.testing.assert_allclose(model.stddev.numpy(), np.sqrt(second), rtol=1e-12)


def test_griewank_series_against_monte_carlo() -> None:
    """S = E[exp(P)] under N(0, 2000 I), estimated from 400,000 numpy draws (5 standard errors)."""
    dim = 5
    model = ebmcore.create("griewank", dim=dim)
    x = np.random.default_rng(3).normal(0.0, math.sqrt(2000.0), size=(400_000, dim))
    tilt = np.exp(np.cos(x / np.sqrt(np.arange(1.0, dim + 1.0))).prod(axis=1))
    estimate = -1.0 + 0.5 * dim * math.log(4000.0 * math.pi) + math.log(tilt.mean())
    assert abs(model.log_partition() - estimate) < 5.0 * tilt.std() / tilt.mean() / math.sqrt(len(tilt))


def test_griewank_sampler_ks_in_one_and_two_dimensions() -> None:
    """KS of each coordinate against the CDF of its marginal from the textbook density (a grid of
    step 0.05 in 1-D, the product grid in 2-D); alpha 1e-3, fixed seeds."""
    one = ebmcore.create("griewank", dim=1).sample(4000, generator=torch.Generator().manual_seed(8))
    grid = np.linspace(-450.0, 450.0, 18_001)
    cumulative = integrate.cumulative_trapezoid(
        np.exp(-grid * grid / 4000.0 + np.cos(grid)), grid, initial=0.0
    )
    result = stats.kstest(one[:, 0].numpy(), lambda t: np.interp(t, grid, cumulative / cumulative[-1]))
    assert result.pvalue > 1e-3, result
    two = ebmcore.create("griewank", dim=2).sample(4000, generator=torch.Generator().manual_seed(9)).numpy()
    axis, _, density = _griewank_grid_2d(step=0.25)
    for i in range(2):
        marginal = density.sum(axis=1 - i)
        cumulative = integrate.cumulative_trapezoid(marginal, axis, initial=0.0)
        result = stats.kstest(two[:, i], lambda t, c=cumulative: np.interp(t, axis, c / c[-1]))
        assert result.pvalue > 1e-3, (i, result)


def test_griewank_sampler_tilts_the_product_of_cosines() -> None:
    """In d = 3, E[P^2] under exp(-E) is sum_m c_{m+2} products / m! over S (from the brute-force
    factors), above its value 1/8 under the Gaussian proposals; the samples agree within 5
    standard errors."""
    dim = 3
    c, _ = _griewank_brute_force_factors(dim, 42)
    inverse_factorial = np.array([1.0 / math.factorial(m) for m in range(40)])
    expected = float(
        (inverse_factorial * c[2:].prod(axis=1)).sum() / (inverse_factorial * c[:40].prod(axis=1)).sum()
    )
    samples = ebmcore.create("griewank", dim=dim).sample(20_000, generator=torch.Generator().manual_seed(10))
    p2 = (torch.cos(samples / torch.arange(1.0, dim + 1.0, dtype=torch.float64).sqrt()).prod(-1) ** 2).numpy()
    assert expected > 0.13
    assert abs(p2.mean() - expected) < 5.0 * p2.std() / math.sqrt(len(p2))


def test_griewank_in_a_hundred_thousand_dimensions() -> None:
    """The series reduces to its first term (S = 1 to double precision), so log Z is
    -1 + (d/2) log(4000 pi) and every standard deviation sqrt(2000); sampling stays cheap."""
    dim = 10**5
    model = ebmcore.create("griewank", dim=dim)
    assert model.log_partition() == pytest.approx(-1.0 + 0.5 * dim * math.log(4000.0 * math.pi), rel=1e-15)
    torch.testing.assert_close(model.stddev, torch.full((dim,), math.sqrt(2000.0), dtype=torch.float64))
    samples = model.sample(3, generator=torch.Generator().manual_seed(12))
    assert samples.shape == (3, dim) and bool(torch.isfinite(samples).all())
    variance = float((samples * samples).mean())  # 3 * 10^5 draws of second moment 2000
    assert abs(variance - 2000.0) < 5.0 * 2000.0 * math.sqrt(2.0 / samples.numel())


# -- three-hump camel: y given x is Gaussian -----------------------------------------------------


def _three_hump_density(y: float, x: float) -> float:
    return math.exp(-(2.0 * x * x - 1.05 * x**4 + x**6 / 6.0 + x * y + y * y))


def _three_hump_dblquad(
    weight: Callable[[float, float], float], low: float = -4.0, high: float = 4.0
) -> float:
    """int int weight exp(-E) over x in [low, high] (E > 400 beyond |x| = 4) and y within
    -x/2 +- 9 (the Gaussian factor in y is below e^-81 beyond)."""
    value, _ = integrate.dblquad(
        lambda y, x: weight(x, y) * _three_hump_density(y, x),
        low,
        high,
        lambda x: -0.5 * x - 9.0,
        lambda x: -0.5 * x + 9.0,
        epsabs=1e-13,
        epsrel=1e-12,
    )
    return float(value)


def test_three_hump_camel_log_partition_and_moments_against_dblquad() -> None:
    model = ebmcore.create("three_hump_camel")
    mass = _three_hump_dblquad(lambda x, y: 1.0)
    assert model.log_partition() == pytest.approx(math.log(mass), rel=1e-13)
    means = [_three_hump_dblquad(lambda x, y, i=i: (x, y)[i]) / mass for i in range(2)]
    seconds = [_three_hump_dblquad(lambda x, y, i=i: (x, y)[i] ** 2) / mass for i in range(2)]
    np.testing.assert_allclose(means, [0.0, 0.0], atol=1e-12)
    assert torch.equal(model.mean, torch.zeros(2, dtype=torch.float64))
    np.testing.assert_allclose(model.stddev.numpy(), np.sqrt(seconds), rtol=1e-12)


def test_three_hump_camel_sampler_ks() -> None:
    """KS of x against the CDF of its marginal (the 2-D textbook density summed over y on a fine
    grid), and of sqrt(2) (y + x/2) against N(0, 1); alpha 1e-3, fixed seed."""
    samples = (
        ebmcore.create("three_hump_camel").sample(5000, generator=torch.Generator().manual_seed(13)).numpy()
    )
    xs = np.linspace(-4.0, 4.0, 2001)
    ys = np.linspace(-11.0, 11.0, 2201)
    x, y = np.meshgrid(xs, ys, indexing="ij")
    density = np.exp(-(2.0 * x * x - 1.05 * x**4 + x**6 / 6.0 + x * y + y * y))
    cumulative = integrate.cumulative_trapezoid(density.sum(axis=1), xs, initial=0.0)
    result = stats.kstest(samples[:, 0], lambda t: np.interp(t, xs, cumulative / cumulative[-1]))
    assert result.pvalue > 1e-3, result
    cumulative = integrate.cumulative_trapezoid(density.sum(axis=0), ys, initial=0.0)
    result = stats.kstest(samples[:, 1], lambda t: np.interp(t, ys, cumulative / cumulative[-1]))
    assert result.pvalue > 1e-3, result
    result = stats.kstest(math.sqrt(2.0) * (samples[:, 1] + 0.5 * samples[:, 0]), "norm")
    assert result.pvalue > 1e-3, result
    # the side wells at x = +-1.75 hold their share of the mass
    mass = _three_hump_dblquad(lambda a, b: 1.0)
    side = sum(_three_hump_dblquad(lambda a, b: 1.0, *ends) for ends in ((-4.0, -1.2), (1.2, 4.0))) / mass
    observed = float(np.mean(np.abs(samples[:, 0]) > 1.2))
    assert abs(observed - side) < 5.0 * math.sqrt(side * (1.0 - side) / len(samples))


# -- the samplers' contract -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "dim"), [("levy", 1), ("levy", 5), ("griewank", 3), ("three_hump_camel", 2)]
)
def test_new_samplers_honour_the_generator_and_the_dtype(name: str, dim: int) -> None:
    model = ebmcore.create(name, dim=dim)
    first = model.sample(7, generator=torch.Generator().manual_seed(5))
    assert first.shape == (7, dim) and first.dtype == torch.float64
    assert torch.equal(first, model.sample(7, generator=torch.Generator().manual_seed(5)))
    assert not torch.equal(first, model.sample(7, generator=torch.Generator().manual_seed(6)))
    single = model.float()
    assert single.sample(7, generator=torch.Generator().manual_seed(5)).dtype == torch.float32
    assert single.mean.dtype == single.stddev.dtype == torch.float64  # the ground truth stays float64
    assert single.log_partition() == model.log_partition()
    # no draws: an empty batch
    assert model.sample(0).shape == (0, dim)
    with pytest.raises(ebmcore.InvalidParameterError, match="'n'"):
        model.sample(-1)
