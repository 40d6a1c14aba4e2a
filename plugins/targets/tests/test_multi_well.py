"""The multi-well re-derived independently: sde_sampler's formulas written out, scipy quadrature
and importance sampling for log Z, the analytic plugin's double well, KS tests of the exact
sampler against scipy's CDF, and local optimization for the modes."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
import torch
from ebmcore_targets import MultiWell
from scipy import integrate, optimize, stats

import ebmcore

D = torch.distributions


def well_quad(f: Any, delta: float) -> float:
    """The integral of ``f`` over the line by scipy quad, split at each well and on both sides of
    it (so that the adaptive rule sees wells of any width)."""
    root = math.sqrt(delta)
    near = min(root, 8.0 / math.sqrt(8.0 * delta))  # eight well widths, or to the barrier
    far = root + near + 4.0  # past the outer walls
    edges = sorted({-far, -root - near, -root, -root + near, 0.0, root - near, root, root + near, far})
    return sum(
        integrate.quad(f, low, high, epsabs=0.0, epsrel=1e-13, limit=500)[0]
        for low, high in itertools.pairwise(edges)
    )


def log_factor(delta: float) -> float:
    """log of the integral of exp(-(t^2 - delta)^2) over the line."""
    return math.log(well_quad(lambda t: math.exp(-((t * t - delta) ** 2)), delta))


def second_moment(delta: float) -> float:
    return well_quad(lambda t: t * t * math.exp(-((t * t - delta) ** 2)), delta) / math.exp(log_factor(delta))


def factor_cdf(delta: float, shift: float = 0.0) -> Any:
    """The CDF of one well coordinate on a fine grid (cumulative trapezoid of scipy's rule)."""
    edge = math.sqrt(delta) + 4.0
    grid = np.linspace(-edge, edge, 400_001)
    density = np.exp(-((grid * grid - delta) ** 2))
    cumulative = integrate.cumulative_trapezoid(density, grid, initial=0.0)
    cumulative /= cumulative[-1]
    return lambda v: np.interp(np.asarray(v) - shift, grid, cumulative)


# -- the source's energy --------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["5d", "50d"])
def test_variants_are_sde_samplers_configurations(variant: str) -> None:
    model = ebmcore.create("multi_well", variant=variant)
    expected = {"5d": (5, 5, 4.0), "50d": (50, 5, 2.0)}[variant]
    assert (model.dim, model.n_wells, model.delta) == expected
    assert model.config == {
        "variant": variant,
        "dim": expected[0],
        "n_wells": 5,
        "delta": expected[2],
        "shift": 0.0,
    }


@pytest.mark.parametrize(("variant", "shift"), [("5d", 0.0), ("50d", 0.0), ("50d", 1.5)])
def test_energy_is_minus_sde_samplers_unnormalized_log_prob(variant: str, shift: float) -> None:
    """sde_sampler: DoubleWell.unnorm_log_prob = -((x - s)^2 - delta)^2 on the first
    n_double_wells coordinates; IsotropicGauss(loc=s, log_norm_const=n/2 log 2 pi) on the rest,
    whose unnorm_log_prob -n/2 log(2 pi) + log_norm_const - |x - s|^2 / 2 is -|x - s|^2 / 2;
    scores -4 ((x - s)^2 - delta)(x - s) and s - x."""
    model = ebmcore.create("multi_well", variant=variant, shift=shift)
    m, delta = model.n_wells, model.delta
    x = 2.5 * torch.randn(64, model.dim, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    wells, gauss = x[:, :m] - shift, x[:, m:]
    n_gauss = model.dim - m
    unnorm = -((wells**2 - delta) ** 2).sum(-1)
    unnorm += -0.5 * n_gauss * math.log(2 * math.pi) + 0.5 * math.log(2 * math.pi) * n_gauss
    unnorm += -0.5 * ((gauss - shift) ** 2).sum(-1)
    torch.testing.assert_close(model.energy(x), -unnorm, rtol=1e-13, atol=1e-12)
    score = torch.cat([-4.0 * (wells**2 - delta) * wells, shift - gauss], -1)
    torch.testing.assert_close(model.score(x), score, rtol=1e-13, atol=1e-12)
    with ebmcore.use_backend("autograd"):
        reference = model.gradient(x)
    torch.testing.assert_close(model.gradient(x), reference, rtol=1e-13, atol=1e-12)
    energy, gradient = model.energy_and_gradient(x)
    torch.testing.assert_close(gradient, reference, rtol=1e-13, atol=1e-12)
    torch.testing.assert_close(energy, model.energy(x), rtol=0, atol=0)


def test_agrees_with_the_analytic_double_well_where_the_conventions_meet() -> None:
    """TorchEBM's h (x^2 - b^2)^2 (ebmcore's double_well, its own quadrature) with h = 1 and
    b^2 = delta on every coordinate is multi_well with n_wells = dim."""
    for delta in (4.0, 2.0, 0.5):
        ours = ebmcore.create("multi_well", dim=3, n_wells=3, delta=delta)
        theirs = ebmcore.create("double_well", dim=3, barrier_height=1.0, b=math.sqrt(delta))
        x = 3.0 * torch.randn(16, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
        torch.testing.assert_close(ours.energy(x), theirs.energy(x), rtol=1e-13, atol=1e-13)
        assert ours.log_partition() == pytest.approx(theirs.log_partition(), rel=1e-10)
        torch.testing.assert_close(ours.stddev, theirs.stddev, rtol=1e-10, atol=0)


# -- log Z and moments ---------------------------------------------------------------------------


@pytest.mark.parametrize("delta", [4.0, 2.0, 0.05, 9.0, 30.0, 1e4])
def test_log_partition_and_moments_against_scipy_quad(delta: float) -> None:
    model = ebmcore.create("multi_well", dim=4, n_wells=3, delta=delta, shift=-0.7)
    log_z = log_factor(delta)
    assert model.factor.log_z == pytest.approx(log_z, rel=1e-12, abs=1e-13)
    assert model.log_partition() == pytest.approx(3 * log_z + 0.5 * math.log(2 * math.pi), rel=1e-12)
    expected = math.sqrt(second_moment(delta))
    torch.testing.assert_close(
        model.stddev[:3], torch.full((3,), expected, dtype=torch.float64), rtol=1e-10, atol=0
    )
    assert model.stddev[3] == 1.0
    torch.testing.assert_close(model.mean, torch.full((4,), -0.7, dtype=torch.float64))


def test_narrow_wells_are_gaussian_to_leading_order() -> None:
    """delta = 1e6: wells of standard deviation 1 / sqrt(8 delta) at +-1000 (barrier 1e12),
    Z ~ 2 sqrt(pi / (4 delta)) (1 + 3 / (32 delta^2) ...), E[t^2] ~ delta."""
    model = ebmcore.create("multi_well", dim=1, n_wells=1, delta=1e6)
    laplace = math.log(2.0 * math.sqrt(math.pi / (4.0 * 1e6)))
    assert model.log_partition() == pytest.approx(laplace, abs=1e-9)
    assert float(model.stddev[0]) == pytest.approx(1000.0, rel=1e-9)
    t = model.sample(20_000, generator=torch.Generator().manual_seed(2))[:, 0]
    local = t.abs() - 1000.0
    assert abs(float(local.mean())) < 4.5 / math.sqrt(8e6 * 20_000)
    assert float(local.std()) == pytest.approx(1.0 / math.sqrt(8e6), rel=0.03)


@pytest.mark.parametrize("variant", ["5d", "50d"])
def test_log_partition_by_importance_sampling_of_the_whole_energy(variant: str) -> None:
    """log Z of the full energy by importance sampling, independent of the quadrature: each well
    coordinate from an even two-Gaussian proposal at +-sqrt(delta), the others from N(0, 1)."""
    model = ebmcore.create("multi_well", variant=variant)
    m, delta, n = model.n_wells, model.delta, 100_000
    generator = torch.Generator().manual_seed(3)
    spread = 1.4 / math.sqrt(8.0 * delta)  # a little wider than the wells
    sign = torch.where(torch.rand(n, m, generator=generator, dtype=torch.float64) < 0.5, -1.0, 1.0)
    wells = sign * math.sqrt(delta) + spread * torch.randn(n, m, generator=generator, dtype=torch.float64)
    gauss = torch.randn(n, model.dim - m, generator=generator, dtype=torch.float64)
    proposal = D.MixtureSameFamily(
        D.Categorical(torch.tensor([0.5, 0.5], dtype=torch.float64)),
        D.Normal(
            torch.tensor([-1.0, 1.0], dtype=torch.float64) * math.sqrt(delta),
            torch.full((2,), spread, dtype=torch.float64),
        ),
    )
    log_q = proposal.log_prob(wells).sum(-1) + D.Normal(0.0, 1.0).log_prob(gauss).sum(-1)
    log_w = -model.energy(torch.cat([wells, gauss], -1)) - log_q
    estimate = float(torch.logsumexp(log_w, 0)) - math.log(n)
    w = torch.exp(log_w - log_w.max())
    ess = float(w.sum() ** 2 / (w * w).sum())
    relative_se = math.sqrt((n / ess - 1.0) / n)
    assert ess > 10_000
    assert abs(estimate - model.log_partition()) < 5 * relative_se
    assert 5 * relative_se < 0.03


# -- the exact sampler ------------------------------------------------------------------------------


@pytest.mark.parametrize(("variant", "shift"), [("5d", 0.0), ("50d", 1.5)])
def test_sampler_ks_against_the_quadrature_cdf_and_the_normal(variant: str, shift: float) -> None:
    model = ebmcore.create("multi_well", variant=variant, shift=shift)
    n = 8000
    x = model.sample(n, generator=torch.Generator().manual_seed(4)).numpy()
    assert x.shape == (n, model.dim) and x.dtype == np.float64
    cdf = factor_cdf(model.delta, shift)
    wells, gauss = x[:, : model.n_wells], x[:, model.n_wells :]
    assert stats.kstest(wells.ravel(), cdf).pvalue > 1e-3
    assert stats.kstest(wells[:, 3], cdf).pvalue > 1e-3
    if gauss.size:
        assert stats.kstest(gauss.ravel()[:100_000], stats.norm(loc=shift).cdf).pvalue > 1e-3
        assert stats.kstest(gauss[:, 17], stats.norm(loc=shift).cdf).pvalue > 1e-3


def test_sample_moments_and_mean_energy() -> None:
    """Sample mean and variance of each coordinate against the declared ones, and the mean
    energy against m E[(t^2 - delta)^2] + (d - m) / 2 (E[.] by scipy quad)."""
    model = ebmcore.create("multi_well", variant="50d")
    n = 20_000
    x = model.sample(n, generator=torch.Generator().manual_seed(5))
    mean, std = model.mean.numpy(), model.stddev.numpy()
    values = x.numpy()
    z_mean = np.abs(values.mean(0) - mean) / (std / math.sqrt(n))
    centred = values - mean
    m2, m4 = (centred**2).mean(0), (centred**4).mean(0)
    z_var = np.abs(m2 - std**2) / np.sqrt((m4 - m2**2) / n)
    assert z_mean.max() < 4.5 and z_var.max() < 4.5
    delta = model.delta
    quartic = well_quad(lambda t: (t * t - delta) ** 2 * math.exp(-((t * t - delta) ** 2)), delta)
    quartic /= math.exp(log_factor(delta))
    energies = model.energy(x)
    expected = 5 * quartic + 45 / 2
    assert abs(float(energies.mean()) - expected) / (float(energies.std()) / math.sqrt(n)) < 4.5


def test_sampler_mode_frequencies_match_the_masses() -> None:
    """Chi-square of the mode indices of 20000 exact samples of the 5-D target against the 32
    masses 1/32."""
    model = ebmcore.create("multi_well")
    samples = model.sample(20_000, generator=torch.Generator().manual_seed(6))
    counts = torch.bincount(model.mode_index(samples), minlength=32).numpy()
    expected = model.modes.weights.numpy() * 20_000
    assert stats.chisquare(counts, expected).pvalue > 1e-3


def test_sampler_honours_the_generator_and_the_dtype() -> None:
    model = ebmcore.create("multi_well", variant="50d")
    first = model.sample(32, generator=torch.Generator().manual_seed(7))
    assert torch.equal(first, model.sample(32, generator=torch.Generator().manual_seed(7)))
    assert model.float().sample(4).dtype == torch.float32


# -- modes and minima ----------------------------------------------------------------------------


def test_modes_agree_with_local_optimization_from_many_starts() -> None:
    """L-BFGS from 300 random starts in the bounds reaches only listed modes, all 32 of them."""
    model = ebmcore.create("multi_well")
    modes = model.modes
    assert modes.count == 32 and len(modes.points) == 32
    torch.testing.assert_close(modes.weights, torch.full((32,), 1 / 32, dtype=torch.float64))
    bounds = model.bounds.numpy()
    starts = np.random.default_rng(0).uniform(bounds[0], bounds[1], size=(300, 5))

    def total(flat: np.ndarray) -> tuple[float, np.ndarray]:
        e, g = model.energy_and_gradient(torch.from_numpy(flat.reshape(300, 5)))
        return float(e.sum()), g.numpy().ravel()

    result = optimize.minimize(
        total,
        starts.ravel(),
        jac=True,
        method="L-BFGS-B",
        options={"ftol": 0.0, "gtol": 1e-10, "maxiter": 10_000},
    )
    ends = torch.from_numpy(result.x.reshape(300, 5))
    index = model.mode_index(ends)
    torch.testing.assert_close(ends, modes.points[index], rtol=0, atol=1e-6)
    assert set(index.tolist()) == set(range(32))
    assert torch.equal(model.mode_index(modes.points), torch.arange(32))
    minima = model.minima
    assert minima.count == 32 and minima.value == 0.0
    torch.testing.assert_close(model.energy(minima.points), torch.zeros(32, dtype=torch.float64))


def test_every_corner_is_a_strict_minimum_and_the_barrier_is_delta_squared() -> None:
    model = ebmcore.create("multi_well", variant="50d", shift=0.3)
    points = model.modes.points
    assert float(model.gradient(points).abs().max()) < 1e-12
    hessian = torch.autograd.functional.hessian(model.forward, points[5])
    eigenvalues = torch.linalg.eigvalsh(hessian)
    assert float(eigenvalues.min()) == pytest.approx(1.0) and float(eigenvalues.max()) == pytest.approx(16.0)
    saddle = points[0].clone()
    saddle[0] = 0.3  # one well coordinate on top of its barrier
    assert float(model.energy(saddle)) == pytest.approx(model.delta**2)


def test_many_wells_list_a_representative_few_with_the_exact_count() -> None:
    model = ebmcore.create("multi_well", dim=30, n_wells=20, delta=1.0)
    modes, minima = model.modes, model.minima
    assert modes.count == 2**20 and len(modes.points) == 4
    torch.testing.assert_close(modes.weights, torch.full((4,), 2.0**-20, dtype=torch.float64))
    assert minima.count == 2**20 and len(minima.points) == 4
    assert float(model.energy(modes.points).abs().max()) == 0.0
    assert model.mode_index(modes.points[:2]).tolist() == [0, 2**20 - 1]
    with pytest.raises(ebmcore.InvalidInputError, match="well_index"):
        ebmcore.create("multi_well", dim=70, n_wells=63).mode_index(torch.zeros(70))


def test_bounds_are_sde_samplers_domain() -> None:
    model = ebmcore.create("multi_well", variant="50d", shift=1.0)
    bounds = model.bounds
    edge = math.sqrt(2.0) + 2.5
    torch.testing.assert_close(
        bounds[:, :5], torch.tensor([[1.0 - edge], [1.0 + edge]]).expand(2, 5).double()
    )
    torch.testing.assert_close(bounds[:, 5:], torch.tensor([[-4.0], [6.0]]).expand(2, 45).double())
    assert isinstance(model, MultiWell)


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"variant": "mw"}, "variant"),
        ({"delta": 0.0}, "delta"),
        ({"delta": -4.0}, "delta"),
        ({"delta": math.inf}, "delta"),
        ({"n_wells": 0}, "n_wells"),
        ({"n_wells": 6}, "n_wells"),  # more than dim = 5
        ({"dim": 3, "n_wells": 4}, "n_wells"),
        ({"dim": 0}, "dim"),
        ({"shift": math.nan}, "shift"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs: dict[str, Any], parameter: str) -> None:
    with pytest.raises(ebmcore.InvalidParameterError) as caught:
        ebmcore.create("multi_well", **kwargs)
    assert caught.value.parameter == parameter  # type: ignore[attr-defined]


def test_a_smaller_dim_takes_every_coordinate_as_a_well() -> None:
    model = ebmcore.create("multi_well", dim=3)
    assert model.config == {"variant": "5d", "dim": 3, "n_wells": 3, "delta": 4.0, "shift": 0.0}
    assert ebmcore.create("multi_well", variant="50d", dim=8).n_wells == 5


def test_configs_rebuild_the_model() -> None:
    model = ebmcore.create("multi_well", variant="50d", dim=12, delta=3.0, shift=-1.0)
    rebuilt = ebmcore.create(model.spec)
    assert (
        rebuilt.config
        == model.config
        == {"variant": "50d", "dim": 12, "n_wells": 5, "delta": 3.0, "shift": -1.0}
    )
