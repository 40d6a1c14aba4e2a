"""The many-well re-derived independently: scipy quadrature, FAB's published constant, local
optimization from many starts, and KS tests of the exact sampler against the quadrature CDF."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import pytest
import torch
from ebmcore_targets import ManyWell
from scipy import integrate, optimize, stats

import ebmcore

D = torch.distributions

FAB = (-0.5, -6.0, 1.0)
# (a, b, c): FAB's, a symmetric pair of wells, a steep tilted one, and a single well (b > 0)
CONVENTIONS = [FAB, (0.0, -4.0, 1.0), (1.2, -3.0, 0.7), (0.3, 2.0, 0.5)]


def quartic(t: np.ndarray | float, a: float, b: float, c: float) -> np.ndarray | float:
    return c * t**4 + b * t**2 + a * t


def quad(f: Callable[[float], float], low: float = -np.inf, high: float = np.inf) -> float:
    value, error = integrate.quad(f, low, high, epsabs=0.0, epsrel=1e-13, limit=500)
    assert error <= 1e-10 * abs(value) + 1e-300
    return value


def local_maximum(a: float, b: float, c: float) -> float:
    """The local maximum of the quartic, from scipy's bounded search between its wells."""
    found = optimize.minimize_scalar(
        lambda t: -quartic(t, a, b, c), bounds=(-1.0, 1.0), method="bounded", options={"xatol": 1e-12}
    )
    return float(found.x)


def test_fab_constant_and_the_dim_32_log_partition() -> None:
    """FAB hard-codes Z = 11784.50927 for the 1-D quartic; the issue quotes log Z = 164.6957 at dim 32."""
    z_quad = quad(lambda t: math.exp(-quartic(t, *FAB)))
    model = ebmcore.create("many_well")
    assert model.dim == 32 and model.config == {"dim": 32, "a": -0.5, "b": -6.0, "c": 1.0}
    assert math.exp(model.quartic.log_z) == pytest.approx(z_quad, rel=1e-11)
    assert math.exp(model.quartic.log_z) == pytest.approx(11784.50927, abs=1e-5)  # FAB's 10 digits
    expected = 16 * (math.log(z_quad) + 0.5 * math.log(2 * math.pi))
    assert model.log_partition() == pytest.approx(expected, rel=1e-12)
    assert round(model.log_partition(), 4) == 164.6957


def test_dim_32_log_partition_by_importance_sampling_of_the_whole_energy() -> None:
    """log Z of the full 32-D energy by importance sampling, independent of the quadrature.

    The proposal is FAB's rejection proposal for the quartic coordinates, narrowed to a
    standard deviation of 0.3 (E_q[(p/q)^2] ~ 1.2 per coordinate, so ESS ~ n / 19), and
    N(0, 1) for the Gaussian ones; it weighs the energy as a whole, not pair by pair.
    """
    model = ebmcore.create("many_well")
    n = 200_000
    generator = torch.Generator().manual_seed(6)
    well = torch.where(torch.rand(n, 16, generator=generator, dtype=torch.float64) < 0.2, -1.7, 1.7)
    t = well + 0.3 * torch.randn(n, 16, generator=generator, dtype=torch.float64)
    y = torch.randn(n, 16, generator=generator, dtype=torch.float64)
    mixture = D.MixtureSameFamily(
        D.Categorical(torch.tensor([0.2, 0.8], dtype=torch.float64)),
        D.Normal(
            torch.tensor([-1.7, 1.7], dtype=torch.float64), torch.tensor([0.3, 0.3], dtype=torch.float64)
        ),
    )
    log_q = mixture.log_prob(t).sum(-1) + D.Normal(0.0, 1.0).log_prob(y).sum(-1)
    x = torch.stack([t, y], -1).reshape(n, 32)
    log_w = -model.energy(x) - log_q
    estimate = float(torch.logsumexp(log_w, 0)) - math.log(n)
    w = torch.exp(log_w - log_w.max())
    ess = float(w.sum() ** 2 / (w * w).sum())
    assert ess > 5_000
    relative_se = math.sqrt((n / ess - 1.0) / n)
    assert abs(estimate - model.log_partition()) < 5 * relative_se + 1e-12
    assert 5 * relative_se < 0.06


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_log_partition_wells_and_moments_against_quad(convention: tuple[float, float, float]) -> None:
    a, b, c = convention
    model = ManyWell(dim=6, a=a, b=b, c=c)
    truth = model.quartic

    def density(t: float) -> float:
        return math.exp(-(quartic(t, a, b, c) - truth.q_min))

    z = quad(density)
    assert model.log_partition() == pytest.approx(
        3 * (math.log(z) - truth.q_min + 0.5 * math.log(2 * math.pi)), rel=1e-11
    )
    mean = quad(lambda t: t * density(t)) / z
    var = quad(lambda t: (t - mean) ** 2 * density(t)) / z
    np.testing.assert_allclose(model.mean.numpy(), [mean, 0.0] * 3, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.stddev.numpy(), [math.sqrt(var), 1.0] * 3, rtol=1e-10)
    if b < 0:  # two wells split at the local maximum
        split = local_maximum(a, b, c)
        assert truth.split == pytest.approx(split, abs=1e-8)
        left = quad(density, -np.inf, split) / z
        assert truth.masses == pytest.approx((left, 1.0 - left), rel=1e-9)
    else:
        assert math.isnan(truth.split) and truth.masses == (1.0,)


def test_the_wells_are_the_local_minima_of_the_quartic() -> None:
    """Each listed well is a stationary point with positive curvature; scipy finds no other."""
    a, b, c = FAB
    truth = ManyWell(dim=2).quartic
    starts = np.linspace(-4.0, 4.0, 81)
    found = {
        round(float(optimize.minimize(lambda t: quartic(t[0], a, b, c), [s], tol=1e-14).x[0]), 6)
        for s in starts
    }
    assert found == {round(t, 6) for t in truth.minima}
    for t in truth.minima:
        assert abs(4 * c * t**3 + 2 * b * t + a) < 1e-12
        assert 12 * c * t * t + 2 * b > 0
    assert truth.minima[0] < truth.split < truth.minima[1]
    assert truth.q_min == pytest.approx(
        quartic(truth.minima[1], a, b, c), rel=1e-15
    )  # the right well is deeper


def test_modes_agree_with_local_optimization_from_many_starts() -> None:
    """L-BFGS from 400 random starts in the bounds of dim 6 reaches exactly the 8 listed modes."""
    model = ManyWell(dim=6)
    modes = model.modes
    assert modes.count == 8 and len(modes.points) == 8
    bounds = model.bounds.numpy()
    starts = np.random.default_rng(0).uniform(bounds[0], bounds[1], size=(400, 6))

    def total(flat: np.ndarray) -> tuple[float, np.ndarray]:  # 400 independent problems at once
        x = torch.from_numpy(flat.reshape(400, 6))
        e, g = model.energy_and_gradient(x)
        return float(e.sum()), g.numpy().ravel()

    result = optimize.minimize(
        total,
        starts.ravel(),
        jac=True,
        method="L-BFGS-B",
        options={"ftol": 0.0, "gtol": 1e-9, "maxiter": 20_000},
    )
    ends = result.x.reshape(400, 6)
    index = model.mode_index(torch.from_numpy(ends))
    np.testing.assert_allclose(ends, modes.points[index].numpy(), atol=1e-5)
    assert set(index.tolist()) == set(range(8))  # every mode is reached
    # masses: products of the 1-D well masses, in the order of mode_index
    masses = torch.tensor(model.quartic.masses, dtype=torch.float64)
    bits = (torch.arange(8)[:, None] >> torch.tensor([2, 1, 0])) & 1
    expected = masses[bits].prod(-1)
    torch.testing.assert_close(modes.weights, expected, rtol=1e-14, atol=0)
    assert torch.equal(model.mode_index(modes.points), torch.arange(8))


def test_dim_32_lists_every_mode_and_larger_dims_a_representative_few() -> None:
    model = ebmcore.create("many_well")
    modes = model.modes
    assert modes.count == 2**16 and modes.points.shape == (2**16, 32)
    assert float(modes.weights.sum()) == pytest.approx(1.0, abs=1e-12)
    assert float(modes.weights.max()) == pytest.approx(model.quartic.masses[1] ** 16, rel=1e-12)
    assert int(modes.weights.argmax()) == 2**16 - 1  # every pair in the right (deep) well
    assert torch.equal(model.mode_index(modes.points[::997]), torch.arange(0, 2**16, 997))
    big = ManyWell(dim=40)
    few = big.modes
    assert few.count == 2**20 and len(few.points) == 22 and float(few.weights.sum()) < 1.0
    # each listed point is a stationary point of the energy with the weight of its wells
    assert float(big.gradient(few.points).abs().max()) < 1e-10
    wells = big.well_index(few.points)
    masses = torch.tensor(big.quartic.masses, dtype=torch.float64)
    torch.testing.assert_close(few.weights, masses[wells].prod(-1), rtol=1e-13, atol=0)
    with pytest.raises(ebmcore.InvalidInputError, match="well_index"):
        ManyWell(dim=130).mode_index(torch.zeros(130))


def test_minima() -> None:
    model = ManyWell(dim=4)
    minima = model.minima
    assert minima.count == 1
    right = model.quartic.minima[1]
    torch.testing.assert_close(minima.points, torch.tensor([[right, 0.0, right, 0.0]], dtype=torch.float64))
    assert minima.value == pytest.approx(2 * quartic(right, *FAB), rel=1e-15)
    symmetric = ManyWell(dim=4, a=0.0, b=-4.0)
    assert symmetric.minima.count == 4 and len(symmetric.minima.points) == 4
    assert symmetric.minima.points[:, 0].abs().tolist() == pytest.approx([math.sqrt(2.0)] * 4, rel=1e-14)
    assert ManyWell(dim=20, a=0.0).minima.count == 2**10
    single = ManyWell(dim=2, b=2.0, a=0.3, c=0.5)
    assert single.modes.count == 1 and single.minima.count == 1


def test_energy_is_fabs_log_prob_and_the_gradient_its_derivative() -> None:
    """FAB's double well: log p(t, y) = -t^4 + 6 t^2 + t/2 - y^2/2, summed over the pairs."""
    x = torch.randn(7, 8, generator=torch.Generator().manual_seed(1), dtype=torch.float64) * 2
    t, y = x[:, 0::2], x[:, 1::2]
    fab_log_prob = (-(t**4) + 6 * t**2 + 0.5 * t - 0.5 * y**2).sum(-1)
    model = ManyWell(dim=8)
    torch.testing.assert_close(model.energy(x), -fab_log_prob, rtol=1e-14, atol=1e-12)
    slope = 4 * t**3 - 12 * t - 0.5
    expected = torch.stack([slope, y], -1).reshape(7, 8)
    torch.testing.assert_close(model.gradient(x), expected, rtol=1e-13, atol=1e-12)


def test_far_inputs_overflow_to_inf_never_nan() -> None:
    x = torch.tensor([[1e30, 0.0], [-1e30, 1e30], [1e20, 0.0]], dtype=torch.float32)
    energy, grad = ManyWell(dim=2).energy_and_gradient(x)
    assert torch.equal(energy, torch.full((3,), math.inf))
    assert not grad.isnan().any()


def test_sampler_ks_well_masses_and_mean_energy() -> None:
    """Exact samples at dim 32: KS of each coordinate type, mass of the deep well, mean energy."""
    model = ebmcore.create("many_well")
    n = 6000
    samples = model.sample(n, generator=torch.Generator().manual_seed(3))
    assert samples.shape == (n, 32) and samples.dtype == torch.float64
    truth = model.quartic
    grid = np.linspace(truth.low, truth.high, 400_001)
    density = np.exp(-(quartic(grid, *FAB) - truth.q_min))
    cumulative = integrate.cumulative_trapezoid(density, grid, initial=0.0)
    cumulative /= cumulative[-1]

    def cdf(v: np.ndarray) -> np.ndarray:
        return np.interp(v, grid, cumulative)

    t = samples[:, 0::2].numpy()
    y = samples[:, 1::2].numpy()
    # alpha 1e-3 per test: two pooled tests and two per-coordinate ones
    assert stats.kstest(t.ravel()[:50_000], cdf).pvalue > 1e-3
    assert stats.kstest(y.ravel()[:50_000], "norm").pvalue > 1e-3
    assert stats.kstest(t[:, 5], cdf).pvalue > 1e-3 and stats.kstest(y[:, 11], "norm").pvalue > 1e-3
    # the mass of the deep well, against the quadrature mass (a binomial z-score)
    deep = float((model.well_index(samples) == 1).double().mean())
    p = truth.masses[1]
    assert abs(deep - p) / math.sqrt(p * (1 - p) / (16 * n)) < 4.5
    # the mean energy of exact samples: 16 (E[q(t)] + 1/2), E[q] by quadrature
    e_q = quad(lambda s: quartic(s, *FAB) * math.exp(-(quartic(s, *FAB) - truth.q_min))) / math.exp(
        truth.log_z + truth.q_min
    )
    energies = model.energy(samples)
    expected = 16 * (e_q + 0.5)
    assert abs(float(energies.mean()) - expected) / (float(energies.std()) / math.sqrt(n)) < 4.5


def test_sampler_mode_frequencies_match_the_masses() -> None:
    """Chi-square of the mode indices of 20000 exact samples in dim 6 against the 8 masses."""
    model = ManyWell(dim=6)
    samples = model.sample(20_000, generator=torch.Generator().manual_seed(4))
    counts = torch.bincount(model.mode_index(samples), minlength=8).numpy()
    expected = model.modes.weights.numpy() * 20_000
    assert stats.chisquare(counts, expected).pvalue > 1e-3


def test_sampler_honours_the_generator_and_other_conventions() -> None:
    model = ManyWell(dim=4, a=1.2, b=-3.0, c=0.7)
    first = model.sample(50, generator=torch.Generator().manual_seed(9))
    assert torch.equal(first, model.sample(50, generator=torch.Generator().manual_seed(9)))
    samples = model.sample(8000, generator=torch.Generator().manual_seed(2))
    truth = model.quartic
    grid = np.linspace(truth.low, truth.high, 200_001)
    cumulative = integrate.cumulative_trapezoid(
        np.exp(-(quartic(grid, 1.2, -3.0, 0.7) - truth.q_min)), grid, initial=0.0
    )
    assert (
        stats.kstest(samples[:, 0].numpy(), lambda v: np.interp(v, grid, cumulative / cumulative[-1])).pvalue
        > 1e-3
    )


def test_bounds_hold_the_wells() -> None:
    model = ManyWell(dim=4)
    bounds = model.bounds
    assert bounds.shape == (2, 4)
    truth = model.quartic
    for edge in bounds[:, 0].tolist():
        assert quartic(edge, *FAB) - truth.q_min == pytest.approx(12.0, rel=1e-9)
    assert bounds[1, 1] == pytest.approx(math.sqrt(24.0))
    assert bool((bounds[0, 0] < min(truth.minima)) and (bounds[1, 0] > max(truth.minima)))


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [({"dim": 3}, "dim"), ({"dim": 0}, "dim"), ({"c": 0.0}, "c"), ({"a": math.nan}, "a")],
)
def test_bad_arguments_name_the_parameter(kwargs: dict[str, float], parameter: str) -> None:
    with pytest.raises(ebmcore.InvalidParameterError) as caught:
        ebmcore.create("many_well", **kwargs)
    assert caught.value.parameter == parameter  # type: ignore[attr-defined]


# -- narrow wells: every well on its own scale ----------------------------------------------------

NARROW = [(-0.5, -6000.0, 1.0), (-0.005, -1e4, 1.0), (-5.0, -1e5, 1.0), (0.0, -1e6, 1.0), (-0.5, -6e3, 1e-2)]


def _narrow_truth(a: float, b: float, c: float) -> tuple[float, list[float], float, float]:
    """log Z, well masses, mean and standard deviation of t by scipy quad, each well integrated
    in y = t - m about its minimum m, with q(m + y) - q(m) expanded exactly (no cancellation of
    the large values q(m))."""
    roots = sorted(r.real for r in np.roots([4 * c, 0, 2 * b, a]) if abs(r.imag) < 1e-9 * (1 + abs(r)))
    wells = []
    for m in (roots[0], roots[-1]):
        for _ in range(5):  # Newton on q'(m) = 0
            m -= (4 * c * m**3 + 2 * b * m + a) / (12 * c * m * m + 2 * b)
        wells.append(m)
    gap = [quartic(m, a, b, c) for m in wells]  # only their difference is used, factored:
    lowest = min(range(2), key=lambda i: gap[i])
    n = wells[lowest]
    depth = [(m - n) * (c * (m + n) * (m * m + n * n) + b * (m + n) + a) for m in wells]
    masses, means, seconds = [], [], []
    for m, extra in zip(wells, depth, strict=True):
        coefficients = (4 * c * m**3 + 2 * b * m + a, 6 * c * m * m + b, 4 * c * m, c)
        width = 1.0 / math.sqrt(2.0 * coefficients[1])

        def f(y: float, k: int, co: tuple[float, ...] = coefficients, extra: float = extra) -> float:
            rise = y * (co[0] + y * (co[1] + y * (co[2] + co[3] * y)))
            return y**k * math.exp(-rise - extra)

        edges = [k * width for k in (-60, -20, -5, 0, 5, 20, 60)]
        moments = [
            sum(quad(lambda y, k=k: f(y, k), lo, hi) for lo, hi in itertools.pairwise(edges))
            for k in range(3)
        ]
        masses.append(moments[0])
        weight = max(moments[0], 1e-300)  # a well of no mass (a tilt of 2236 below) adds nothing
        shift = moments[1] / weight  # moments of y, central to the well: no cancellation
        means.append(m + shift)
        seconds.append(moments[2] / weight - shift**2)  # the well's variance
    total = sum(masses)
    probabilities = [w / total for w in masses]
    mean = sum(p * mu for p, mu in zip(probabilities, means, strict=True))
    var = sum(p * (v + (mu - mean) ** 2) for p, v, mu in zip(probabilities, seconds, means, strict=True))
    return math.log(total) - gap[lowest], probabilities, mean, math.sqrt(var)


@pytest.mark.parametrize(("a", "b", "c"), NARROW)
def test_narrow_wells_log_partition_masses_and_moments_against_quad(a: float, b: float, c: float) -> None:
    """Barriers of 9e6 to 2.5e11: log Z to 1e-13 relative (it was off by 1e-7 to 1e-9 relative,
    0.96 to 280 absolute: 128 panels over the whole line missed wells narrower than a panel)."""
    truth = ManyWell(dim=2, a=a, b=b, c=c).quartic
    log_z, masses, mean, std = _narrow_truth(a, b, c)
    assert truth.log_z == pytest.approx(log_z, rel=1e-13)
    assert list(truth.masses) == pytest.approx(masses, abs=1e-12)
    assert truth.mean == pytest.approx(mean, rel=1e-12, abs=1e-12 * std)
    assert math.sqrt(truth.var) == pytest.approx(std, rel=1e-6)


def test_narrow_wells_exact_samples() -> None:
    """b = -1e4: wells of width 5e-3 at +-70.7, masses about 0.67 and 0.33 (a = -0.005)."""
    a, b, c = NARROW[1]
    model = ManyWell(dim=4, a=a, b=b, c=c)
    n = 20_000
    t = model.sample(n, generator=torch.Generator().manual_seed(8))[:, 0::2].reshape(-1).numpy()
    _, masses, mean, std = _narrow_truth(a, b, c)
    right = float((t > 0).mean())
    assert abs(right - masses[1]) / math.sqrt(masses[1] * masses[0] / t.size) < 4.5
    for side, m in ((t < 0, -1), (t > 0, 1)):  # within a well: the spread of one narrow well
        local = t[side] - m * math.sqrt(-b / (2 * c))
        assert local.std() == pytest.approx(1.0 / math.sqrt(-4 * b), rel=0.03)  # 1 / sqrt(q'')
    assert abs(t.mean() - mean) / (std / math.sqrt(t.size)) < 4.5
