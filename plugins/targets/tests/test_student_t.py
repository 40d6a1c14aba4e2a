"""The Student-t mixture re-derived independently: the source's JAX draws pinned bit for bit,
scipy's Student-t densities, scipy quadrature and importance sampling for log Z, KS tests of the
exact sampler against scipy's CDFs, and local optimization for the modes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch
from ebmcore_targets import StudentTMixture
from ebmcore_targets._student_t import beyond_elbos_means
from scipy import integrate, optimize, special, stats

import ebmcore
from ebmcore.testing import check_energy

# jax.random.uniform(PRNGKey(seed), shape, minval=-L, maxval=L), printed by JAX 0.4.28 on CPU
JAX_10D = {  # shape (10, 10), L = 10: the means of the 10-D benchmark
    0: [
        -9.524166107177734,
        7.054407596588135,
        6.264369487762451,
        0.28052568435668945,
        -6.565439701080322,
        6.053731441497803,
        0.24926185607910156,
        -3.0323123931884766,
        0.10538101196289062,
        -3.258957862854004,
    ],
    9: [
        -8.308086395263672,
        -9.094514846801758,
        -5.784323215484619,
        -0.6911921501159668,
        4.727811813354492,
        -5.350828170776367,
        -5.576162338256836,
        9.818587303161621,
        7.57349967956543,
        -1.7941737174987793,
    ],
}
JAX_50D_ROW0_HEAD = [
    2.920660972595215,
    5.279364585876465,
    -3.39522123336792,
    -7.27717399597168,
    -9.086849212646484,
]
JAX_50D_ROW9_TAIL = [
    -7.960531711578369,
    -6.026556491851807,
    -2.324047088623047,
    -4.827308654785156,
    3.6834716796875,
]
JAX_50D_SUM = -67.87979078292847
JAX_SEED3_7X3_L2_5 = [
    [0.20614922046661377, 2.408475399017334, -1.0587644577026367],
    [-0.6745713949203491, 0.6620943546295166, 1.0067307949066162],
    [-1.3753646612167358, -0.3954833745956421, 2.490434169769287],
    [0.9894067049026489, 2.1397364139556885, 0.887916088104248],
    [-0.663367509841919, -1.7218750715255737, 0.5893296003341675],
    [-1.3676446676254272, -0.33729612827301025, 0.2000582218170166],
    [1.7246371507644653, 1.8444621562957764, 0.1366865634918213],
]
# the source's log_prob at linspace(-3, 3, 10) in 10-D, in JAX float32 (jax.scipy.stats.t.logpdf)
JAX_LOG_PROB_10D = -37.186092376708984

CUSTOM = {  # per-component and per-coordinate scales and dof, unequal weights
    "name": "student_t_mixture",
    "means": [[0.0, 0.0, 1.0], [6.0, -4.0, 0.0], [-5.0, 5.0, 3.0]],
    "scales": [[1.0, 0.5, 2.0], [0.8, 1.2, 1.0], [1.5, 1.0, 0.7]],
    "dof": [[5.0, 3.0, 1.5], [8.0, 8.0, 2.5], [4.0, 6.0, 30.0]],
    "weights": [2.0, 1.0, 1.0],
}


def scipy_log_density(model: Any, x: np.ndarray) -> np.ndarray:
    """log sum_k w_k prod_j t(x_j; nu_kj, mu_kj, sigma_kj) from scipy.stats, ``x`` of shape (n, d)."""
    mu, sigma, nu = model.means.numpy(), model.scales.numpy(), model.dofs.numpy()
    per = stats.t.logpdf(x[:, None, :], nu[None], loc=mu[None], scale=sigma[None]).sum(-1)
    return special.logsumexp(per + np.log(model.weights.numpy())[None], axis=-1)


def marginal_cdf(model: Any, j: int) -> Any:
    mu, sigma, nu, w = model.means.numpy(), model.scales.numpy(), model.dofs.numpy(), model.weights.numpy()
    return lambda v: (w[None] * stats.t.cdf(np.asarray(v)[:, None], nu[:, j], mu[:, j], sigma[:, j])).sum(-1)


# -- the source's means and density ---------------------------------------------------------------


def test_variant_means_are_jaxs_draws_bit_for_bit() -> None:
    ten = ebmcore.create("student_t_mixture")
    assert ten.config == {
        "variant": "beyond_elbos_10d",
        "means": None,
        "scales": 1.0,
        "dof": 2.0,
        "weights": None,
        "dim": 10,
        "n_components": 10,
        "seed": 0,
        "loc_range": 10.0,
    }
    for row, values in JAX_10D.items():
        assert ten.means[row].tolist() == values
    fifty = ebmcore.create("student_t_mixture", variant="beyond_elbos_50d")
    assert fifty.means.shape == (10, 50)
    assert fifty.means[0, :5].tolist() == JAX_50D_ROW0_HEAD
    assert fifty.means[9, -5:].tolist() == JAX_50D_ROW9_TAIL
    assert float(fifty.means.sum()) == JAX_50D_SUM
    assert beyond_elbos_means(3, 7, 3, 2.5).tolist() == JAX_SEED3_7X3_L2_5  # odd count, other range
    for model in (ten, fifty):
        assert torch.equal(model.weights, torch.full((10,), 0.1, dtype=torch.float64))
        assert torch.equal(model.dofs, torch.full_like(model.means, 2.0))
        assert torch.equal(model.scales, torch.ones_like(model.means))


def test_a_separate_multiply_and_add_would_not_reproduce_jax() -> None:
    """JAX's ``u * 20 - 10`` is fused (one rounding); rounding twice differs in many entries."""
    u = (beyond_elbos_means(0, 10, 10, 1.0).numpy() + 1.0) / 2.0  # the unit draws, exactly
    twice = np.float32(u.astype(np.float32) * np.float32(20.0)) + np.float32(-10.0)
    reference = np.array([JAX_10D[0], JAX_10D[9]])
    fused = ebmcore.create("student_t_mixture").means.numpy()[[0, 9]]
    assert np.array_equal(fused, reference)
    assert not np.array_equal(twice[[0, 9]].astype(np.float64), reference)


def test_means_match_jax_itself_when_installed() -> None:
    jax = pytest.importorskip("jax")
    for seed, shape, bound in [(0, (10, 10), 10.0), (0, (10, 50), 10.0), (5, (9, 7), 3.3)]:
        key = jax.random.PRNGKey(seed)
        expected = np.asarray(jax.random.uniform(key, shape, minval=-bound, maxval=bound))
        assert np.array_equal(beyond_elbos_means(seed, *shape, bound).numpy(), expected.astype(np.float64))


def test_energy_is_minus_the_sources_log_prob() -> None:
    model = ebmcore.create("student_t_mixture")
    x = torch.linspace(-3, 3, 10, dtype=torch.float32).double()
    assert float(model.energy(x)) == pytest.approx(-JAX_LOG_PROB_10D, rel=2e-7)  # JAX's float32


@pytest.mark.parametrize(
    "spec",
    [{"name": "student_t_mixture"}, {"name": "student_t_mixture", "variant": "beyond_elbos_50d"}, CUSTOM],
    ids=["10d", "50d", "custom"],
)
def test_energy_and_gradient_against_scipy_and_autograd(spec: dict[str, Any]) -> None:
    model = ebmcore.create(spec)
    generator = torch.Generator().manual_seed(0)
    near = model.means[torch.randint(len(model.means), (64,), generator=generator)]
    x = torch.cat(
        [
            near + torch.randn(64, model.dim, generator=generator, dtype=torch.float64),
            20.0 * torch.randn(64, model.dim, generator=generator, dtype=torch.float64),  # the tails
        ]
    )
    expected = -scipy_log_density(model, x.numpy())
    np.testing.assert_allclose(model.energy(x).numpy(), expected, rtol=1e-12, atol=1e-11)
    energy, gradient = model.energy_and_gradient(x)
    with ebmcore.use_backend("autograd"):
        reference = model.gradient(x)
    torch.testing.assert_close(gradient, reference, rtol=1e-11, atol=1e-13)
    torch.testing.assert_close(model.gradient(x), reference, rtol=1e-11, atol=1e-13)
    torch.testing.assert_close(energy, model.energy(x), rtol=0, atol=0)


def test_far_float32_inputs_where_z_squared_overflows_keep_their_finite_values() -> None:
    """Where z^2 / nu overflows float32 (|x - mu| beyond about 1e19 scales: in every component at
    1e30, in the second, of scale 1e-12, from 1e7) the energy and gradient are still the float64
    ones, which float32 holds: log1p(z^2 / nu) is taken as 2 log|z| - log nu there. Infinite
    inputs give inf."""
    spec = {"name": "student_t_mixture", "means": [[0.0, 0.0], [3.0, 1.0]], "scales": [1.0, 1e-12]}
    exact = ebmcore.create(spec)
    model = ebmcore.create(spec).float()
    x = torch.tensor([[1e30, 0.0], [-3e38, 1e35], [1e15, 2.0], [1e7, -1e8], [1e7, 1.0], [0.5, 0.5]])
    expected = -scipy_log_density(exact, x.double().numpy())
    expected_gradient = exact.gradient(x.double())
    for backend in ("auto", "autograd"):
        with ebmcore.use_backend(backend):
            energy, gradient = model.energy_and_gradient(x)
        np.testing.assert_allclose(energy.double().numpy(), expected, rtol=1e-6)
        # (to float32's smallest subnormal, 1.4e-45: -8.5e-48 underflows to 0)
        torch.testing.assert_close(gradient.double(), expected_gradient, rtol=1e-5, atol=2e-45)
    vmapped = torch.func.vmap(model.energy_and_gradient)(x)  # a traced path: no branch on values
    assert torch.equal(vmapped[0], model.energy(x)) and torch.equal(vmapped[1], model.gradient(x))
    assert bool(torch.isinf(model.energy(torch.tensor([[math.inf, 0.0]]))).all())


# -- log Z ---------------------------------------------------------------------------------------


def test_log_partition_is_zero_by_quadrature_in_one_dimension() -> None:
    model = ebmcore.create(
        "student_t_mixture", means=[[-3.0], [0.5], [7.0]], scales=[0.5, 2.0, 1.0], dof=[1.0, 2.0, 0.7]
    )
    assert model.log_partition() == 0.0

    def density(t: float) -> float:
        return math.exp(-float(model.energy(torch.tensor([t], dtype=torch.float64))))

    pieces = [(-np.inf, -10.0), (-10.0, 15.0), (15.0, np.inf)]
    total = 0.0
    for low, high in pieces:
        points = [-3.0, 0.5, 7.0] if math.isfinite(low) and math.isfinite(high) else None
        value, _ = integrate.quad(density, low, high, points=points, epsabs=0.0, epsrel=1e-12, limit=500)
        total += value
    assert total == pytest.approx(1.0, rel=1e-9)


def test_log_partition_is_zero_by_quadrature_in_two_dimensions() -> None:
    """The source's default dimension (2), three components: the plane mapped onto
    (-pi/2, pi/2)^2 by x = tan(a), where the heavy tails become a bounded integrand, and a
    product of composite Gauss-Legendre rules (scipy's nodes) there, on the model's energies."""
    model = ebmcore.create("student_t_mixture", dim=2, n_components=3)
    nodes, weights = special.roots_legendre(20)
    edges = np.linspace(-math.pi / 2, math.pi / 2, 61)
    half, centre = 0.5 * np.diff(edges), 0.5 * (edges[1:] + edges[:-1])
    angle = (centre[:, None] + half[:, None] * nodes).ravel()
    weight = (half[:, None] * weights).ravel() / np.cos(angle) ** 2  # dx = da / cos^2 a
    x = torch.from_numpy(np.tan(angle))
    total = 0.0
    for rows in range(0, len(x), 300):
        grid = torch.stack(torch.meshgrid(x[rows : rows + 300], x, indexing="ij"), -1)
        density = torch.exp(-model.energy(grid)).numpy()
        total += float((density * weight[rows : rows + 300, None] * weight[None]).sum())
    assert math.log(total) == pytest.approx(model.log_partition(), abs=1e-11)


def test_log_partition_by_importance_sampling_in_ten_dimensions() -> None:
    """Importance sampling of exp(-E) of the 10-D benchmark from a mixture of product Cauchy laws
    (heavier tails than t_2: bounded weights), independent of the sampler."""
    model = ebmcore.create("student_t_mixture")
    n = 100_000
    generator = torch.Generator().manual_seed(11)
    mu = model.means
    component = torch.randint(len(mu), (n,), generator=generator)
    scale = 1.2
    cauchy = torch.tan(math.pi * (torch.rand(n, 10, generator=generator, dtype=torch.float64) - 0.5))
    y = mu[component] + scale * cauchy
    z = (y[:, None, :] - mu[None]) / scale
    log_q = torch.logsumexp((-torch.log1p(z * z) - math.log(math.pi * scale)).sum(-1) - math.log(len(mu)), -1)
    log_w = -model.energy(y) - log_q
    estimate = float(torch.logsumexp(log_w, 0)) - math.log(n)
    w = torch.exp(log_w - log_w.max())
    ess = float(w.sum() ** 2 / (w * w).sum())
    relative_se = math.sqrt((n / ess - 1.0) / n)
    assert ess > 10_000
    assert abs(estimate - model.log_partition()) < 5 * relative_se
    assert 5 * relative_se < 0.03


# -- the exact sampler ------------------------------------------------------------------------------


@pytest.mark.parametrize("nu", [0.5, 1.0, 2.0, 5.0, 40.0])
def test_bailey_polar_method_against_scipy_student_t(nu: float) -> None:
    model = ebmcore.create("student_t_mixture", means=[[1.5]], scales=2.0, dof=nu)
    samples = model.sample(20_000, generator=torch.Generator().manual_seed(int(nu * 10))).numpy()[:, 0]
    assert stats.kstest(samples, stats.t(nu, loc=1.5, scale=2.0).cdf).pvalue > 1e-3


def test_sampler_marginals_against_the_mixture_cdf() -> None:
    """KS of two coordinates of the 10-D benchmark and of every coordinate of the custom mixture
    against sum_k w_k F_t((x - mu_kj) / sigma_kj; nu_kj) from scipy."""
    model = ebmcore.create("student_t_mixture")
    samples = model.sample(20_000, generator=torch.Generator().manual_seed(1)).numpy()
    assert samples.shape == (20_000, 10) and np.isfinite(samples).all()
    for j in (0, 7):
        assert stats.kstest(samples[:, j], marginal_cdf(model, j)).pvalue > 1e-3
    custom = ebmcore.create(CUSTOM)
    samples = custom.sample(20_000, generator=torch.Generator().manual_seed(2)).numpy()
    for j in range(3):
        assert stats.kstest(samples[:, j], marginal_cdf(custom, j)).pvalue > 1e-3


def test_sample_moments_against_the_declared_ones() -> None:
    """Light enough tails (nu >= 9) for the standard error of the sample variance to exist."""
    model = ebmcore.create(
        "student_t_mixture",
        means=[[0.0, 2.0], [5.0, -1.0], [-3.0, 4.0]],
        scales=[[1.0, 0.5], [2.0, 1.0], [0.7, 1.5]],
        dof=[9.0, 12.0, 20.0],
        weights=[1.0, 2.0, 1.5],
    )
    n = 40_000
    x = model.sample(n, generator=torch.Generator().manual_seed(3)).numpy()
    mean, std = model.mean.numpy(), model.stddev.numpy()
    # the law of total variance, written out from scipy's component variances
    w, mu = model.weights.numpy(), model.means.numpy()
    variances = stats.t.var(model.dofs.numpy(), scale=model.scales.numpy())
    expected_var = (w[:, None] * (variances + mu**2)).sum(0) - ((w[:, None] * mu).sum(0)) ** 2
    np.testing.assert_allclose(std, np.sqrt(expected_var), rtol=1e-12)
    z_mean = np.abs(x.mean(0) - mean) / (x.std(0) / math.sqrt(n))
    centred = x - x.mean(0)
    m2, m4 = (centred**2).mean(0), (centred**4).mean(0)
    se_var = np.sqrt((m4 - m2**2) / n)
    z_var = np.abs(m2 - std**2) / se_var
    assert z_mean.max() < 4.5 and z_var.max() < 4.5


def test_moments_exist_only_for_enough_degrees_of_freedom() -> None:
    benchmark = ebmcore.create("student_t_mixture")
    assert benchmark.stddev is None  # nu = 2: infinite variance
    torch.testing.assert_close(benchmark.mean, benchmark.means.mean(0), rtol=1e-15, atol=0)
    x = benchmark.sample(20_000, generator=torch.Generator().manual_seed(4)).numpy()
    # nu = 2: a self-normalized z-score of the sample mean (conservative with infinite variance)
    z = np.abs(x.mean(0) - benchmark.mean.numpy()) / (x.std(0) / math.sqrt(len(x)))
    assert z.max() < 4.5
    cauchy = ebmcore.create("student_t_mixture", means=[[0.0], [3.0]], dof=[1.0, 4.0])
    assert cauchy.mean is None and cauchy.stddev is None
    three = ebmcore.create("student_t_mixture", means=[[0.0], [3.0]], dof=[2.5, 4.0])
    assert three.mean is not None and three.stddev is not None


def test_sampler_honours_the_generator_and_the_dtype() -> None:
    model = ebmcore.create(CUSTOM)
    first = model.sample(64, generator=torch.Generator().manual_seed(9))
    assert torch.equal(first, model.sample(64, generator=torch.Generator().manual_seed(9)))
    assert first.dtype == torch.float64 and model.float().sample(8).dtype == torch.float32


# -- modes ---------------------------------------------------------------------------------------


def test_mode_masses_against_sampler_frequencies() -> None:
    """50-D benchmark means with unequal weights: a chi-square of the mode indices of exact
    samples against the masses (the components are too far apart to be confused there)."""
    weights = [1.0, 2.0, 3.0, 4.0, 5.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    model = ebmcore.create("student_t_mixture", variant="beyond_elbos_50d", weights=weights)
    modes = model.modes
    assert modes.count == 10
    torch.testing.assert_close(modes.weights, torch.tensor(weights, dtype=torch.float64) / 30.0)
    samples = model.sample(20_000, generator=torch.Generator().manual_seed(5))
    counts = torch.bincount(model.mode_index(samples), minlength=10).numpy()
    assert stats.chisquare(counts, modes.weights.numpy() * 20_000).pvalue > 1e-3


@pytest.mark.parametrize("spec", [{"name": "student_t_mixture"}, CUSTOM], ids=["10d", "custom"])
def test_modes_are_local_minima_found_by_optimization(spec: dict[str, Any]) -> None:
    """L-BFGS from perturbed component locations ends at the listed modes, which are stationary
    with a positive definite Hessian of the energy."""
    model = ebmcore.create(spec)
    modes = model.modes
    k, d = model.means.shape
    assert modes.count == k  # well separated: one mode per component
    starts = model.means + 0.3 * torch.randn(
        k, d, generator=torch.Generator().manual_seed(6), dtype=torch.float64
    )

    def total(flat: np.ndarray) -> tuple[float, np.ndarray]:
        x = torch.from_numpy(flat.reshape(k, d))
        e, g = model.energy_and_gradient(x)
        return float(e.sum()), g.numpy().ravel()

    found = optimize.minimize(
        total, starts.numpy().ravel(), jac=True, method="L-BFGS-B", options={"ftol": 0.0, "gtol": 1e-11}
    )
    ends = torch.from_numpy(found.x.reshape(k, d))
    index = model.mode_index(ends)
    assert sorted(index.tolist()) == list(range(k))
    torch.testing.assert_close(ends, modes.points[index], rtol=0, atol=1e-6)
    assert float(model.gradient(modes.points).abs().max()) < 1e-9
    for point in modes.points:
        hessian = torch.autograd.functional.hessian(lambda v: model.forward(v), point)
        assert float(torch.linalg.eigvalsh(hessian).min()) > 0.0


def test_close_components_merge_into_one_mode_carrying_both_weights() -> None:
    model = ebmcore.create("student_t_mixture", means=[[0.0], [0.5], [9.0]], weights=[1.0, 2.0, 1.0])
    modes = model.modes
    assert modes.count == 2
    torch.testing.assert_close(modes.weights, torch.tensor([0.75, 0.25], dtype=torch.float64))
    found = optimize.minimize_scalar(
        lambda t: float(model.energy(torch.tensor([t], dtype=torch.float64))),
        bounds=(-1.0, 1.5),
        method="bounded",
        options={"xatol": 1e-10},
    )
    assert float(modes.points[0, 0]) == pytest.approx(found.x, abs=1e-6)
    assert model.mode_index(torch.tensor([[0.0], [0.5], [9.0]])).tolist() == [0, 0, 1]
    assert model.minima is not None and float(model.minima.points[0, 0]) == pytest.approx(found.x, abs=1e-6)


def test_heavy_tails_make_a_shallow_extra_maximum_that_modes_leaves_out() -> None:
    """The docstring's example: components at 0 and (10, 10), nu = 2."""
    model = ebmcore.create("student_t_mixture", means=[[0.0, 0.0], [10.0, 10.0]])
    assert model.modes.count == 2
    found = optimize.minimize(
        lambda v: float(model.energy(torch.from_numpy(v))),
        np.array([0.0, 10.0]),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-14},
    )
    np.testing.assert_allclose(found.x, [0.2042, 9.7958], atol=1e-3)
    gap = found.fun - float(model.energy(model.modes.points[0]))
    assert gap == pytest.approx(5.17, abs=0.01)
    assert model.minima is None  # two equally deep modes


def test_the_kit_on_the_sources_two_dimensional_configuration() -> None:
    """dim = 2 (the source's config default): the kit's KS tests against its stratified grid, and
    its search for anything below the declared minimum (random points and descents)."""
    model = ebmcore.create("student_t_mixture", dim=2)
    assert model.minima is not None and model.modes.count == 10
    checks = ["check_sample", "check_moments", "check_modes", "check_minima"]
    report = check_energy(model, checks=checks)
    assert report.ok


# -- arguments ---------------------------------------------------------------------------------------


def test_configs_rebuild_the_model() -> None:
    for spec in ({"name": "student_t_mixture", "dim": 3, "seed": 4, "loc_range": 2.0}, CUSTOM):
        model = ebmcore.create(spec)
        rebuilt = ebmcore.create(model.spec)
        assert rebuilt.config == model.config
        assert torch.equal(rebuilt.means, model.means) and torch.equal(rebuilt.dofs, model.dofs)
    custom = ebmcore.create(CUSTOM)
    assert custom.config["seed"] is None and custom.config["dim"] == 3 and custom.config["n_components"] == 3
    assert isinstance(custom, StudentTMixture)


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"variant": "mos"}, "variant"),
        ({"dof": 0.0}, "dof"),
        ({"dof": -2.0}, "dof"),
        ({"dof": [2.0, 3.0]}, "dof"),  # 10 components
        ({"scales": -1.0}, "scales"),
        ({"scales": [[1.0, 2.0]]}, "scales"),
        ({"weights": [1.0, 2.0]}, "weights"),
        ({"weights": [1.0] * 9 + [-1.0]}, "weights"),
        ({"means": [[0.0, 1.0], [2.0]]}, "means"),
        ({"means": [[0.0, 1.0]], "seed": 3}, "seed"),
        ({"means": [[0.0, 1.0]], "loc_range": 3.0}, "loc_range"),
        ({"means": [[0.0, 1.0]], "dim": 3}, "dim"),
        ({"means": [[0.0, 1.0]], "n_components": 2}, "n_components"),
        ({"loc_range": -1.0}, "loc_range"),
        ({"seed": -1}, "seed"),
        ({"dim": 0}, "dim"),
        ({"n_components": 0}, "n_components"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs: dict[str, Any], parameter: str) -> None:
    with pytest.raises(ebmcore.InvalidParameterError) as caught:
        ebmcore.create("student_t_mixture", **kwargs)
    assert caught.value.parameter == parameter  # type: ignore[attr-defined]
