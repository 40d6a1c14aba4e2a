"""The Gaussian mixtures re-derived independently: the sources' own random draws, torch.distributions
as the reference density, 2-D quadrature, local optimization from many starts and KS tests."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch
from ebmcore_targets import GMM, GMM40, GMMGrid
from ebmcore_targets._gmm import jax_uniform
from scipy import optimize, stats

import ebmcore

D = torch.distributions

UNEQUAL = {  # unequal weights, one pair of means 1.4 sigma apart (merged into one mode)
    "name": "gmm",
    "means": [[0.0, 0.0], [7.0, 0.0], [-5.0, 6.0], [1.0, -8.0], [-6.0, 5.5]],
    "scale": 0.8,
    "weights": [1.0, 3.0, 2.0, 0.5, 1.5],
}
SPECS = [
    {"name": "gmm40"},
    {"name": "gmm40", "variant": "idem"},
    {"name": "gmm40", "variant": "beyond_elbos"},
    {"name": "gmm_grid"},
    {"name": "gmm_grid", "size": 3},
    UNEQUAL,
]
IDS = ["fab", "idem", "beyond_elbos", "grid5", "grid3", "unequal"]

# jax.random.uniform(jax.random.PRNGKey(seed), shape, minval=-1.0, maxval=1.0), printed by JAX 0.4.28
JAX_SEED0_ROWS = {  # times 40, rows 0, 17 and 39 of shape (40, 2): the means of Blessing et al.
    0: [-15.758228302001953, 18.116531372070312],
    17: [19.318513870239258, 21.983718872070312],
    39: [19.6560001373291, -8.141679763793945],
}
JAX_SEED7_3X3 = [
    [0.6685025691986084, -0.506507158279419, -0.46048641204833984],
    [0.6626358032226562, 0.1652073860168457, -0.09308195114135742],
    [-0.5507431030273438, 0.36719417572021484, 0.3765270709991455],
]


def energies(model: Any, points: torch.Tensor) -> torch.Tensor:
    """Energies of many points, in chunks (the mixture's (n, K, d) differences stay small)."""
    return torch.cat([model.energy(chunk) for chunk in points.split(1 << 15)])


def reference(model: Any) -> D.Distribution:
    """The mixture as torch.distributions builds it, in the source's coordinates."""
    locs = model.means * getattr(model, "domain_scale", 1.0)
    scale = model.sigma * getattr(model, "domain_scale", 1.0)
    components = D.Independent(D.Normal(locs, torch.full_like(locs, scale)), 1)
    return D.MixtureSameFamily(D.Categorical(logits=model.weights.log()), components)


# -- the sources' draws --------------------------------------------------------------------------


def test_fab_means_are_torchs_first_draw_after_manual_seed_zero() -> None:
    """FAB: torch.manual_seed(0); GMM(...) draws (rand(40, 2) - 0.5) * 2 * 40 in float32, first thing."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        expected = ((torch.rand((40, 2)) - 0.5) * 2 * 40).double()
    for variant in ("fab", "idem"):
        model = ebmcore.create("gmm40", variant=variant)
        assert torch.equal(model.source_means, expected)
    softplus = torch.nn.functional.softplus(torch.ones((40, 2)) * 1.0)  # FAB's scale_tril diagonal
    assert torch.equal(
        softplus.double(), torch.full((40, 2), ebmcore.create("gmm40").scale, dtype=torch.float64)
    )


def test_beyond_elbos_means_are_jaxs_threefry_draw() -> None:
    model = ebmcore.create("gmm40", variant="beyond_elbos")
    for row, values in JAX_SEED0_ROWS.items():
        assert model.means[row].tolist() == values  # bit for bit
    assert jax_uniform(7, 3, 3, 1.0).tolist() == JAX_SEED7_3X3  # an odd count of words
    assert model.sigma == 1.0


def test_jax_draws_match_jax_itself_when_installed() -> None:
    jax = pytest.importorskip("jax")
    for seed, shape in [(0, (40, 2)), (3, (7, 3)), (2**31 - 1, (25, 4))]:
        key = jax.random.PRNGKey(seed)
        expected = np.asarray(jax.random.uniform(key, shape, minval=-1.0, maxval=1.0)) * np.float32(40)
        assert np.array_equal(jax_uniform(seed, *shape, 40.0).numpy(), expected.astype(np.float64))


def test_variants_record_every_resolved_argument_and_overrides_win() -> None:
    idem = ebmcore.create("gmm40", variant="idem")
    assert idem.config == {
        "variant": "idem",
        "dim": 2,
        "n_components": 40,
        "seed": 0,
        "loc_scaling": 40.0,
        "scale": 1.31326162815094,
        "rng": "torch",
        "domain_scale": 50.0,
    }
    other = ebmcore.create("gmm40", seed=3, scale=1.0, n_components=10, dim=3)
    with torch.random.fork_rng():
        torch.manual_seed(3)
        expected = ((torch.rand((10, 3)) - 0.5) * 2 * 40).double()
    assert torch.equal(other.means, expected) and other.sigma == 1.0
    rebuilt = ebmcore.create(other.spec)
    assert rebuilt.config == other.config and torch.equal(rebuilt.means, other.means)
    jax_fab = ebmcore.create("gmm40", rng="jax")  # FAB's scale with JAX's draw (Midgley's JAX port)
    assert torch.equal(jax_fab.means, ebmcore.create("gmm40", variant="beyond_elbos").means)
    with pytest.raises(ebmcore.InvalidParameterError, match="variant") as caught:
        ebmcore.create("gmm40", variant="dds")
    assert "'fab', 'idem', 'beyond_elbos'" in str(caught.value)


def test_grid_means_follow_pis_and_gfn_diffusion() -> None:
    """PIS: np.mgrid[-5:5:3j, -5:5:3j] flattened; Sendera et al.: (a, b) for a, b in [-10, ..., 10]."""
    xx, yy = np.mgrid[-5:5:3j, -5:5:3j]
    three = GMMGrid(size=3)
    np.testing.assert_array_equal(three.means.numpy(), np.vstack([xx.flatten(), yy.flatten()]).T)
    five = ebmcore.create("gmm_grid")
    expected = [(a, b) for a in [-10, -5, 0, 5, 10] for b in [-10, -5, 0, 5, 10]]
    np.testing.assert_array_equal(five.means.numpy(), np.array(expected, dtype=np.float64))
    assert five.sigma**2 == pytest.approx(0.3, rel=1e-15)
    torch.testing.assert_close(
        five.weights, torch.full((25,), 1 / 25, dtype=torch.float64), rtol=1e-15, atol=0
    )


# -- energy, gradient, log Z -----------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_energy_is_minus_the_log_density_of_torch_distributions(spec: dict[str, Any]) -> None:
    model = ebmcore.create(spec)
    s = getattr(model, "domain_scale", 1.0)
    generator = torch.Generator().manual_seed(0)
    bounds = model.bounds
    y = bounds[0] + (bounds[1] - bounds[0]) * torch.rand(300, 2, generator=generator, dtype=torch.float64)
    # E(y) = -log p(s y), so that Z = int p(s y) dy = s^-2
    torch.testing.assert_close(model.energy(y), -reference(model).log_prob(s * y), rtol=1e-12, atol=1e-10)
    assert model.log_partition() == pytest.approx(-2 * math.log(s), abs=1e-15)
    y.requires_grad_(True)
    (autograd,) = torch.autograd.grad(reference(model).log_prob(s * y).sum(), y)
    torch.testing.assert_close(model.gradient(y.detach()), -autograd, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_log_partition_by_product_gauss_legendre_quadrature(spec: dict[str, Any]) -> None:
    """Integrate exp(-E) over the bounds (5 sigma beyond every mean) on a tensor Gauss-Legendre grid."""
    model = ebmcore.create(spec)
    bounds = model.bounds.numpy()
    nodes, weights = np.polynomial.legendre.leggauss(10)
    axes, axis_weights = [], []
    for i in range(2):
        edges = np.linspace(bounds[0, i], bounds[1, i], 81)
        half = 0.5 * np.diff(edges)
        axes.append(((edges[:-1] + half)[:, None] + half[:, None] * nodes).ravel())
        axis_weights.append((half[:, None] * weights).ravel())
    grid = torch.from_numpy(np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 2))
    log_w = torch.from_numpy(np.log(np.outer(*axis_weights)).ravel())
    estimate = float(torch.logsumexp(log_w - energies(model, grid), 0))
    # the mass beyond 5 sigma of every mean is below 2 * 2.9e-7 per component
    assert estimate == pytest.approx(model.log_partition(), abs=1e-6)


def test_far_float32_inputs_keep_a_finite_gradient() -> None:
    """|x - mu|^2 overflows float32 at 2e19 although the exact energy (~2e38 / sigma^2) does not."""
    model = ebmcore.create("gmm40", variant="beyond_elbos")
    x = torch.tensor([[2e19, 2e19], [-3e19, 1e19]], dtype=torch.float32)
    energy, grad = model.energy_and_gradient(x)
    assert torch.equal(energy, torch.full((2,), math.inf))
    exact = model.gradient(x.double())
    torch.testing.assert_close(grad.double(), exact, rtol=1e-6, atol=0)
    nan = model.energy_and_gradient(torch.tensor([math.nan, 0.0]))
    assert nan[0].isnan() and nan[1].isnan().all()


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_float32_error_is_within_the_documented_bound(spec: dict[str, Any]) -> None:
    """Relative 2e-5 for energies, 1e-4 for gradients, over the whole domain (measured: 1e-5, 4e-5)."""
    model = ebmcore.create(spec)
    bounds = model.bounds
    generator = torch.Generator().manual_seed(3)
    y = bounds[0] + (bounds[1] - bounds[0]) * torch.rand(50_000, 2, generator=generator, dtype=torch.float64)
    e64, g64 = model.energy_and_gradient(y)
    e32, g32 = model.energy_and_gradient(y.float())
    assert float(((e32.double() - e64).abs() / e64.abs().clamp_min(1.0)).max()) < 2e-5
    assert float((g32.double() - g64).abs().max() / g64.abs().max()) < 1e-4


# -- sampler and moments -------------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_sampler_ks_on_projections_and_component_frequencies(spec: dict[str, Any]) -> None:
    model = ebmcore.create(spec)
    n = 8000
    samples = model.sample(n, generator=torch.Generator().manual_seed(11))
    assert samples.shape == (n, 2) and samples.dtype == torch.float64
    means, sigma, w = model.means.numpy(), model.sigma, model.weights.numpy()
    directions = [np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([0.6, -0.8])]
    for v in directions:  # the projection of a mixture: sum_k w_k Phi((t - v . mu_k) / sigma)
        centres = means @ v

        def cdf(t: np.ndarray, centres: np.ndarray = centres) -> np.ndarray:
            return stats.norm.cdf((np.asarray(t)[:, None] - centres) / sigma) @ w

        assert stats.kstest(samples.numpy() @ v, cdf).pvalue > 1e-3
    # components are picked by weight: chi-square of the nearest-mean counts (separated means)
    nearest = torch.cdist(samples, model.means).argmin(-1)
    separation = torch.cdist(model.means, model.means) + torch.eye(len(means)) * 1e9
    distinct = separation.amin(-1) > 8 * sigma
    counts = torch.bincount(nearest, minlength=len(means)).numpy()[distinct.numpy()]
    expected = model.weights.numpy()[distinct.numpy()] * n
    assert stats.chisquare(counts, expected * counts.sum() / expected.sum()).pvalue > 1e-3


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_mean_energy_of_samples_and_moments_against_quadrature(spec: dict[str, Any]) -> None:
    model = ebmcore.create(spec)
    bounds = model.bounds
    axes = [
        torch.linspace(float(bounds[0, i]), float(bounds[1, i]), 601, dtype=torch.float64) for i in range(2)
    ]
    grid = torch.cartesian_prod(*axes)
    energy = energies(model, grid)
    p = torch.softmax(-energy, 0)  # uniform grid: the cell area cancels
    expected_energy = float((p * energy).sum())
    samples = model.sample(20_000, generator=torch.Generator().manual_seed(5))
    e = model.energy(samples)
    assert abs(float(e.mean()) - expected_energy) / (float(e.std()) / math.sqrt(20_000)) < 4.5
    reference_mixture = reference(model)
    s = getattr(model, "domain_scale", 1.0)
    torch.testing.assert_close(model.mean, reference_mixture.mean / s, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(model.stddev, reference_mixture.stddev / s, rtol=1e-12, atol=0)
    torch.testing.assert_close(model.mean, p @ grid, rtol=0, atol=1e-6 * float(model.stddev.max()))


# -- modes and minima ----------------------------------------------------------------------------


def _local_minima(model: Any, starts: np.ndarray) -> np.ndarray:
    """L-BFGS from every start at once (the problems are independent): the end points."""
    n = len(starts)

    def total(flat: np.ndarray) -> tuple[float, np.ndarray]:
        e, g = model.energy_and_gradient(torch.from_numpy(flat.reshape(n, 2)))
        return float(e.sum()), g.numpy().ravel()

    options = {"ftol": 0.0, "gtol": 1e-11 / model.sigma, "maxiter": 50_000, "maxcor": 30}
    return optimize.minimize(total, starts.ravel(), jac=True, method="L-BFGS-B", options=options).x.reshape(
        n, 2
    )


@pytest.mark.parametrize(
    ("spec", "count"),
    [
        ({"name": "gmm40"}, 36),
        ({"name": "gmm40", "variant": "beyond_elbos"}, 39),
        ({"name": "gmm_grid"}, 25),
        (UNEQUAL, 4),
    ],
    ids=["fab", "beyond_elbos", "grid5", "unequal"],
)
def test_modes_are_the_local_minima_found_from_many_starts(spec: dict[str, Any], count: int) -> None:
    model = ebmcore.create(spec)
    modes = model.modes
    assert modes.count == count == len(modes.points)
    assert float(modes.weights.sum()) == pytest.approx(1.0, abs=1e-14)
    bounds = model.bounds.numpy()
    rng = np.random.default_rng(1)
    starts = np.concatenate(
        [
            rng.uniform(bounds[0], bounds[1], size=(600, 2)),
            model.means.numpy() + rng.normal(scale=model.sigma, size=(len(model.means), 2)),
        ]
    )
    ends = _local_minima(model, starts)
    distance = torch.cdist(torch.from_numpy(ends), modes.points)
    assert float(distance.amin(-1).max()) < 1e-4 * model.sigma  # every descent ends at a listed mode
    assert set(distance.argmin(-1).tolist()) == set(range(count))  # and every mode is reached
    # each listed mode is a strict local minimum of E: zero gradient, positive definite Hessian
    assert float(model.gradient(modes.points).abs().max()) < 1e-9 / model.sigma
    h = 1e-5 * model.sigma
    columns = [
        (model.gradient(modes.points + h * e) - model.gradient(modes.points - h * e)) / (2 * h)
        for e in torch.eye(2, dtype=torch.float64)
    ]
    hessians = torch.stack(columns, -1)
    assert bool((torch.linalg.eigvalsh(0.5 * (hessians + hessians.mT)) > 1e-3 / model.sigma**2).all())


def test_fab_merged_modes_carry_both_weights() -> None:
    """The four pairs of FAB means closer than 2 sigma become one mode each, with weight 2/40."""
    model = ebmcore.create("gmm40")
    distance = torch.cdist(model.means, model.means) + torch.eye(40) * 1e9
    close = int((distance < 2 * model.sigma).sum()) // 2
    assert close == 4
    weights = model.modes.weights
    doubled = (weights - 2 / 40).abs() < 1e-15
    assert int(doubled.sum()) == 4
    assert weights[~doubled].tolist() == pytest.approx([1 / 40] * 32, rel=1e-15)
    # mode_index maps each mean to its mode; merged pairs share one
    index = model.mode_index(model.means)
    assert len(set(index.tolist())) == 36 and torch.equal(
        model.mode_index(model.modes.points), torch.arange(36)
    )


def test_minima_is_the_deepest_local_minimum() -> None:
    model = ebmcore.create("gmm40")
    minima = model.minima
    assert minima is not None and minima.count == 1
    bounds = model.bounds.numpy()
    starts = np.random.default_rng(2).uniform(bounds[0], bounds[1], size=(800, 2))
    ends = _local_minima(model, starts)
    lowest = float(model.energy(torch.from_numpy(ends)).min())
    assert minima.value == pytest.approx(lowest, abs=1e-9)
    assert float(model.energy(minima.points)) == pytest.approx(minima.value, abs=1e-12)
    assert ebmcore.create("gmm_grid").minima is None  # equally deep modes up to rounding
    assert GMMGrid(size=1).minima is not None


def test_merging_grid_modes_are_found() -> None:
    """A 3x3 grid with spacing below 2 sigma collapses into fewer modes, all found by descent."""
    model = GMMGrid(size=3, spacing=1.0, scale=0.6)
    modes = model.modes
    assert modes.count < 9
    ends = _local_minima(model, np.random.default_rng(3).uniform(-3.0, 3.0, size=(200, 2)))
    found = torch.cdist(torch.from_numpy(ends), modes.points)
    assert float(found.amin(-1).max()) < 1e-4 and set(found.argmin(-1).tolist()) == set(range(modes.count))


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"name": "gmm40", "seed": -1}, "seed"),
        ({"name": "gmm40", "rng": "numpy"}, "rng"),
        ({"name": "gmm40", "scale": 0.0}, "scale"),
        ({"name": "gmm40", "n_components": 0}, "n_components"),
        ({"name": "gmm_grid", "size": 0}, "size"),
        ({"name": "gmm_grid", "spacing": -1.0}, "spacing"),
        ({"name": "gmm", "means": [[0.0, 0.0], [1.0]]}, "means"),
        ({"name": "gmm", "means": [[0.0, math.nan]]}, "means"),
        ({"name": "gmm", "means": [[0.0], [1.0]], "weights": [1.0]}, "weights"),
        ({"name": "gmm", "means": [[0.0], [1.0]], "weights": [1.0, -1.0]}, "weights"),
        ({"name": "gmm", "means": [[0.0, 0.0]], "dim": 3}, "dim"),
        ({"name": "gmm", "dim": 0}, "dim"),
        ({"name": "gmm", "scale": -1.0}, "scale"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs: dict[str, Any], parameter: str) -> None:
    with pytest.raises(ebmcore.InvalidParameterError) as caught:
        ebmcore.create(kwargs)
    assert caught.value.parameter == parameter  # type: ignore[attr-defined]


def test_gmm40_class_is_importable_from_the_package() -> None:
    assert isinstance(ebmcore.create("gmm40"), GMM40)


# -- the general mixture ---------------------------------------------------------------------------


def test_gmm_normalizes_weights_and_merges_close_means() -> None:
    model = ebmcore.create(UNEQUAL)
    torch.testing.assert_close(
        model.weights, torch.tensor([1.0, 3.0, 2.0, 0.5, 1.5], dtype=torch.float64) / 8, rtol=1e-15, atol=0
    )
    modes = model.modes
    assert modes.count == 4
    # the means 1.4 sigma apart (components 2 and 4) climb to one mode carrying both weights
    index = model.mode_index(model.means)
    assert int(index[2]) == int(index[4]) and len(set(index.tolist())) == 4
    assert float(modes.weights[index[2]]) == pytest.approx(3.5 / 8, rel=1e-15)
    # the merged mode lies between its two means; minima is the deepest of the modes
    merged = modes.points[index[2]]
    assert float(torch.linalg.vector_norm(merged - model.means[2])) < 0.8
    assert float(torch.linalg.vector_norm(merged - model.means[4])) < 0.8
    depths = model.energy(modes.points)
    assert model.minima is not None
    torch.testing.assert_close(model.minima.points[0], modes.points[depths.argmin()], rtol=0, atol=0)
    rebuilt = ebmcore.create(model.spec)
    assert rebuilt.config == model.config and torch.equal(rebuilt.weights, model.weights)


def test_gmm_default_is_two_means_at_plus_minus_two_in_any_dimension() -> None:
    model = ebmcore.create("gmm", dim=5)
    expected = torch.zeros(2, 5, dtype=torch.float64)
    expected[:, 0] = torch.tensor([-2.0, 2.0])
    assert model.dim == 5 and torch.equal(model.means, expected) and model.sigma == 1.0
    assert ebmcore.create("gmm").dim == 2
    assert ebmcore.create("gmm", means=[[1.0, 2.0, 3.0]], dim=3).dim == 3  # dim may repeat the means'
    # symmetric: two equally deep modes, no unique minimizer
    assert model.modes.count == 2 and model.minima is None


def test_gmm_in_higher_dimension_against_torch_distributions_and_exact_moments() -> None:
    generator = torch.Generator().manual_seed(4)
    means = 3.0 * torch.randn(7, 6, generator=generator, dtype=torch.float64)
    weights = torch.rand(7, generator=generator, dtype=torch.float64) + 0.1
    model = GMM(means=means, scale=0.7, weights=weights)
    assert model.dim == 6
    components = D.Independent(D.Normal(means, torch.full_like(means, 0.7)), 1)
    mixture = D.MixtureSameFamily(D.Categorical(probs=weights), components)
    x = 3.0 * torch.randn(4, 50, 6, generator=generator, dtype=torch.float64)
    torch.testing.assert_close(model.energy(x), -mixture.log_prob(x), rtol=1e-12, atol=1e-12)
    x.requires_grad_(True)
    (autograd,) = torch.autograd.grad(mixture.log_prob(x).sum(), x)
    torch.testing.assert_close(model.gradient(x.detach()), -autograd, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(model.mean, mixture.mean, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(model.stddev, mixture.stddev, rtol=1e-12, atol=0)
    samples = model.sample(40_000, generator=torch.Generator().manual_seed(9))
    # sample mean within 5 standard errors per coordinate
    error = (samples.mean(0) - model.mean) / (model.stddev / math.sqrt(40_000))
    assert float(error.abs().max()) < 5.0
    assert model.log_partition() == 0.0


def test_gmm_too_large_for_the_mode_search_declares_no_modes() -> None:
    """8193 components in 2-D: the (K, K, d) mode search would hold 2^27 numbers; the rest stays exact."""
    means = torch.linspace(-100.0, 100.0, 8193, dtype=torch.float64)[:, None].repeat(1, 2)
    model = GMM(means=means, scale=1.0)
    assert model.modes is None and model.minima is None
    with pytest.raises(NotImplementedError, match="modes"):
        model.mode_index(torch.zeros(2))
    assert model.log_partition() == 0.0
    torch.testing.assert_close(model.mean, torch.zeros(2, dtype=torch.float64), rtol=0, atol=1e-12)
    energy, grad = model.energy_and_gradient(torch.tensor([[0.0, 0.0], [3.0, -1.0]], dtype=torch.float64))
    assert torch.isfinite(energy).all() and torch.isfinite(grad).all()


def test_cached_coefficients_follow_the_buffers() -> None:
    """Edits in place, replaced buffers and dtype changes all reach the next call."""
    model = ebmcore.create("gmm", means=[[0.0, 0.0], [3.0, 0.0]], scale=1.0)
    x = torch.tensor([[1.0, 2.0], [2.5, -1.0]], dtype=torch.float64)

    def expected() -> torch.Tensor:
        return GMM(means=model.locs.double(), scale=1.0, weights=model.weights).energy(x)

    first = model.energy(x)
    model.energy(x.float())  # a float32 entry next to the float64 one
    with torch.no_grad():
        model.locs[1, 1] = 2.0  # in place: the version counter moves
    torch.testing.assert_close(model.energy(x), expected(), rtol=1e-14, atol=0)
    assert not torch.equal(model.energy(x), first)
    model.locs = torch.tensor([[0.0, 1.0], [-3.0, 0.0]], dtype=torch.float64)  # replaced
    torch.testing.assert_close(model.energy(x), expected(), rtol=1e-14, atol=0)
    torch.testing.assert_close(model.energy(x.float()), expected().float(), rtol=1e-6, atol=1e-6)
    model.log_weights = torch.tensor([0.3, 0.7], dtype=torch.float64).log()
    torch.testing.assert_close(model.energy(x), expected(), rtol=1e-14, atol=0)


def test_a_mixture_built_in_inference_mode_evaluates_inside_and_outside_it() -> None:
    """Its buffers are inference tensors, which have no version counter to cache against."""
    with torch.inference_mode():
        model = ebmcore.create("gmm", means=[[0.0, 0.0], [3.0, 0.0]])
        inside = model.energy(torch.zeros(3, 2))
    expected = -math.log(0.5 / (2 * math.pi) * (1 + math.exp(-4.5)))
    torch.testing.assert_close(inside, torch.full((3,), expected), rtol=1e-6, atol=0)
    torch.testing.assert_close(model.energy(torch.zeros(2)), torch.tensor(expected), rtol=1e-6, atol=0)
