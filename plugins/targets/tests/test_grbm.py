"""The Gaussian-Bernoulli RBM re-derived independently: brute-force sums over the hidden states of the
joint energy, scipy quadrature of exp(-E) in 1-D and 2-D, torch.distributions as the mixture, KS
tests of the exact sampler, and modes found by a grid search and local optimization."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
import torch
from ebmcore_targets import GRBM
from scipy import integrate, optimize, special, stats

import ebmcore

D = torch.distributions
N = 20_000
KS_ALPHA = 1e-4  # per test; with a fixed seed a failure is a real bug, not bad luck

SEPARATED: dict[str, Any] = {  # orthogonal columns: four modes 3 apart, weights sigmoid(c_j) products
    "W": [[3.0, 0.0], [0.0, 3.0]],
    "b": [-1.5, -1.5],
    "c": [0.3, -0.5],
    "sigma": 0.7,
}
CASES: list[dict[str, Any]] = [
    {},  # the default random RBM: dim 2, hidden 4, seed 0
    SEPARATED,
    {"W": [[1.2, -0.7, 0.4]], "b": [0.3], "c": [0.5, -1.0, 0.2], "sigma": 0.8},  # 1-D
    {"dim": 3, "hidden": 5, "seed": 7, "sigma": 1.3},
    {"dim": 5, "hidden": 8, "seed": 3},
]
IDS = ["default", "separated", "1d", "3d", "5d"]


def states(hidden: int) -> np.ndarray:
    """Every hidden state as a row of 0/1, state k holding the bits of k (unit j is bit j)."""
    return np.array([[(k >> j) & 1 for j in range(hidden)] for k in range(1 << hidden)], dtype=np.float64)


def params(model: GRBM) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    return model.W.numpy(), model.b.numpy(), model.c.numpy(), model.sigma


def joint_energy(
    v: np.ndarray, h: np.ndarray, w: np.ndarray, b: np.ndarray, c: np.ndarray, sigma: float
) -> np.ndarray:
    """E(v, h) = |v - b|^2 / 2 sigma^2 - c.h - v.W h / sigma^2 for every (v, h) pair: (n, K)."""
    quadratic = ((v - b) ** 2).sum(-1)[:, None] / (2 * sigma**2)
    return quadratic - (h @ c)[None, :] - (v @ w @ h.T) / sigma**2


def brute_force_energy(v: np.ndarray, model: GRBM) -> np.ndarray:
    """-log sum_h exp(-E(v, h)), the hidden states enumerated one by one."""
    w, b, c, sigma = params(model)
    e = joint_energy(v, states(model.hidden), w, b, c, sigma)
    top = (-e).max(-1)
    return -(top + np.log(np.exp(-e - top[:, None]).sum(-1)))


def mixture_from_the_joint(model: GRBM) -> tuple[np.ndarray, np.ndarray, float]:
    """Means b + W h, normalized weights and log Z, each Gaussian integral of exp(-E(v, h)) written
    out naively: exp(c.h + (|b + W h|^2 - |b|^2) / 2 sigma^2) (2 pi sigma^2)^(d/2)."""
    w, b, c, sigma = params(model)
    h = states(model.hidden)
    means = b + h @ w.T
    log_mass = h @ c + ((means**2).sum(-1) - (b**2).sum()) / (2 * sigma**2)
    log_z = float(np.logaddexp.reduce(log_mass)) + 0.5 * model.dim * math.log(2 * math.pi * sigma**2)
    return means, np.exp(log_mass - np.logaddexp.reduce(log_mass)), log_z


def reference(model: GRBM) -> D.Distribution:
    means, weights, _ = mixture_from_the_joint(model)
    loc = torch.from_numpy(means)
    components = D.Independent(D.Normal(loc, torch.full_like(loc, model.sigma)), 1)
    return D.MixtureSameFamily(D.Categorical(probs=torch.from_numpy(weights)), components)


def points(model: GRBM, n: int, seed: int = 0) -> torch.Tensor:
    bounds = model.bounds
    u = torch.rand(n, model.dim, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return bounds[0] + (bounds[1] - bounds[0]) * u


# -- energy, gradient, log Z -----------------------------------------------------------------------


@pytest.mark.parametrize("kwargs", CASES, ids=IDS)
def test_free_energy_is_the_brute_force_sum_over_hidden_states(kwargs: dict[str, Any]) -> None:
    model = GRBM(**kwargs)
    x = points(model, 200)
    np.testing.assert_allclose(
        model.energy(x).numpy(), brute_force_energy(x.numpy(), model), rtol=1e-12, atol=1e-12
    )
    # and exp(-E) / Z is the mixture of the 2^H Gaussians N(b + W h, sigma^2 I)
    torch.testing.assert_close(
        model.energy(x) + model.log_partition(), -reference(model).log_prob(x), rtol=1e-12, atol=1e-11
    )


@pytest.mark.parametrize("kwargs", CASES, ids=IDS)
def test_gradient_against_autograd_through_the_brute_force_energy(kwargs: dict[str, Any]) -> None:
    model = GRBM(**kwargs)
    x = points(model, 64, seed=1)
    w, b, c = (torch.from_numpy(a) for a in params(model)[:3])
    h = torch.from_numpy(states(model.hidden))
    xr = x.clone().requires_grad_(True)
    joint = (
        ((xr - b) ** 2).sum(-1)[:, None] / (2 * model.sigma**2)
        - (h @ c)[None]
        - xr @ w @ h.T / model.sigma**2
    )
    energy = -torch.logsumexp(-joint, -1)
    (autograd,) = torch.autograd.grad(energy.sum(), xr)
    e, g = model.energy_and_gradient(x)
    torch.testing.assert_close(g, autograd, rtol=1e-11, atol=1e-12)
    torch.testing.assert_close(e, energy.detach(), rtol=1e-12, atol=1e-12)
    with ebmcore.use_backend("autograd"):
        torch.testing.assert_close(model.gradient(x), g, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kwargs", CASES, ids=IDS)
def test_log_partition_and_mixture_by_enumeration(kwargs: dict[str, Any]) -> None:
    model = GRBM(**kwargs)
    means, weights, log_z = mixture_from_the_joint(model)
    assert model.log_partition() == pytest.approx(log_z, rel=1e-12)
    np.testing.assert_allclose(model.component_means.numpy(), means, rtol=0, atol=1e-13)
    np.testing.assert_allclose(model.weights.numpy(), weights, rtol=1e-10, atol=1e-300)
    mean = weights @ means
    np.testing.assert_allclose(model.mean.numpy(), mean, rtol=1e-12, atol=1e-12)
    variance = model.sigma**2 + weights @ (means - mean) ** 2
    np.testing.assert_allclose(model.stddev.numpy(), np.sqrt(variance), rtol=1e-12)


def test_component_weights_by_quadrature_of_each_joint_term() -> None:
    """int exp(-E(v, h)) dv for each h separately, by scipy quad in 1-D: the mixture weights."""
    model = GRBM(**CASES[2])
    w, b, c, sigma = params(model)
    masses = []
    for h in states(model.hidden):
        centre = float(b[0] + w[0] @ h)
        value, _ = integrate.quad(
            lambda v, h=h: math.exp(-joint_energy(np.array([[v]]), h[None], w, b, c, sigma)[0, 0]),
            centre - 15 * sigma,
            centre + 15 * sigma,
            epsabs=0,
            epsrel=1e-12,
        )
        masses.append(value)
    masses_arr = np.array(masses)
    np.testing.assert_allclose(model.weights.numpy(), masses_arr / masses_arr.sum(), rtol=1e-10)
    assert model.log_partition() == pytest.approx(math.log(masses_arr.sum()), rel=1e-11)


def test_log_partition_by_quadrature_in_1d_and_2d() -> None:
    one = GRBM(**CASES[2])
    low, high = one.bounds[:, 0].tolist()
    z, _ = integrate.quad(
        lambda v: math.exp(-one.energy(torch.tensor([v], dtype=torch.float64)).item()),
        low - 7 * one.sigma,
        high + 7 * one.sigma,
        epsabs=0,
        epsrel=1e-12,
        limit=200,
    )
    assert one.log_partition() == pytest.approx(math.log(z), rel=1e-10)
    for kwargs in (CASES[0], SEPARATED):
        two = GRBM(**kwargs)
        means = two.component_means.numpy()
        low2, high2 = means.min(0) - 12 * two.sigma, means.max(0) + 12 * two.sigma

        def density(v: np.ndarray, model: GRBM = two) -> np.ndarray:
            return np.exp(-model.energy(torch.from_numpy(v)).numpy())

        result = integrate.cubature(density, low2, high2, rtol=1e-11, atol=0)
        assert result.status == "converged"
        assert two.log_partition() == pytest.approx(math.log(float(result.estimate)), rel=1e-9)


# -- sampler and moments -------------------------------------------------------------------------


def mixture_cdf(model: GRBM, direction: np.ndarray) -> Any:
    """CDF of direction . v: a mixture of N(direction . mu_h, sigma^2 |direction|^2)."""
    means, weights, _ = mixture_from_the_joint(model)
    loc = means @ direction
    scale = model.sigma * float(np.linalg.norm(direction))
    return lambda t: special.ndtr((np.asarray(t)[:, None] - loc[None, :]) / scale) @ weights


@pytest.mark.parametrize("kwargs", CASES, ids=IDS)
def test_exact_sampler_marginals_and_projections(kwargs: dict[str, Any]) -> None:
    model = GRBM(**kwargs)
    x = model.sample(N, generator=torch.Generator().manual_seed(5)).numpy()
    assert x.shape == (N, model.dim) and x.dtype == np.float64
    rng = np.random.default_rng(0)
    directions = list(np.eye(model.dim)[:2]) + list(rng.normal(size=(2, model.dim)))
    for u in directions:
        assert stats.kstest(x @ u, mixture_cdf(model, u)).pvalue > KS_ALPHA
    # the energy of the samples against the energy of samples drawn by torch.distributions
    y = reference(model).sample((N,)).numpy()
    e_x, e_y = (model.energy(torch.from_numpy(a)).numpy() for a in (x, y))
    assert stats.ks_2samp(e_x, e_y).pvalue > KS_ALPHA


def test_a_sampler_with_the_wrong_weights_is_caught() -> None:
    """Components drawn uniformly (forgetting pi_h), or with weights exp(c.h) alone, fail the test."""
    model = GRBM()
    means = model.component_means.numpy()
    rng = np.random.default_rng(1)
    u = np.array([1.0, 0.0])
    for probs in (
        np.full(len(means), 1 / len(means)),
        torch.softmax(torch.from_numpy(states(4) @ model.c.numpy()), 0).numpy(),
    ):
        k = rng.choice(len(means), size=N, p=probs)
        x = means[k] + model.sigma * rng.normal(size=(N, 2))
        assert stats.kstest(x @ u, mixture_cdf(model, u)).pvalue < 1e-12


@pytest.mark.parametrize("kwargs", CASES, ids=IDS)
def test_sample_moments_against_the_declared_ones(kwargs: dict[str, Any]) -> None:
    model = GRBM(**kwargs)
    n = 100_000
    x = model.sample(n, generator=torch.Generator().manual_seed(9))
    z = (x.mean(0) - model.mean).abs() / (x.std(0) / math.sqrt(n))
    assert float(z.max()) < 5
    centered = x - x.mean(0)
    kurtosis = centered.pow(4).mean(0) / centered.pow(2).mean(0) ** 2
    se = model.stddev * ((kurtosis - 1) / (4 * n)).sqrt()
    assert float(((x.std(0) - model.stddev).abs() / se).max()) < 5


# -- modes ---------------------------------------------------------------------------------------------


def climb(model: GRBM, start: np.ndarray) -> np.ndarray:
    def fun(z: np.ndarray) -> tuple[float, np.ndarray]:
        e, g = model.energy_and_gradient(torch.from_numpy(z))
        return float(e), g.numpy()

    return optimize.minimize(fun, start, jac=True, method="BFGS", options={"gtol": 1e-12}).x


def grid_modes_2d(model: GRBM, n: int = 401) -> np.ndarray:
    """Every local minimum of E on an n x n grid over the bounds, refined by BFGS, duplicates merged."""
    low, high = model.bounds.numpy()
    axes = [np.linspace(low[i], high[i], n) for i in range(2)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), -1)
    e = model.energy(torch.from_numpy(grid)).numpy()
    inner = e[1:-1, 1:-1]
    lower = np.ones_like(inner, dtype=bool)
    for di, dj in itertools.product((-1, 0, 1), repeat=2):
        if (di, dj) != (0, 0):
            lower &= inner < e[1 + di : n - 1 + di, 1 + dj : n - 1 + dj]
    found: list[np.ndarray] = []
    for i, j in zip(*np.nonzero(lower), strict=True):
        point = climb(model, grid[i + 1, j + 1])
        if all(np.linalg.norm(point - other) > 1e-5 for other in found):
            found.append(point)
    return np.array(found)


@pytest.mark.parametrize("kwargs", [CASES[0], SEPARATED], ids=["default", "separated"])
def test_modes_are_every_local_minimum_found_by_a_grid_search(kwargs: dict[str, Any]) -> None:
    model = GRBM(**kwargs)
    modes = model.modes
    assert modes is not None
    expected = grid_modes_2d(model)
    assert modes.count == len(expected) >= 2
    for point in expected:
        assert float(np.linalg.norm(modes.points.numpy() - point, axis=-1).min()) < 1e-7
    # each mode is a strict local minimum: zero gradient, positive definite Hessian
    for point in modes.points:
        assert float(model.gradient(point).abs().max()) < 1e-9
        hessian = torch.autograd.functional.hessian(lambda v: model.forward(v), point)
        assert float(torch.linalg.eigvalsh(hessian).min()) > 0


@pytest.mark.parametrize("kwargs", CASES[:4], ids=IDS[:4])
def test_mode_masses_are_the_weights_of_the_components_that_climb_to_them(kwargs: dict[str, Any]) -> None:
    model = GRBM(**kwargs)
    modes = model.modes
    assert modes is not None
    mass = np.zeros(modes.count)
    for mean, weight in zip(model.component_means.numpy(), model.weights.numpy(), strict=True):
        end = climb(model, mean)
        distance = np.linalg.norm(modes.points.numpy() - end, axis=-1)
        assert distance.min() < 1e-6
        mass[distance.argmin()] += weight
    np.testing.assert_allclose(modes.weights.numpy(), mass, rtol=1e-12, atol=1e-15)
    assert float(modes.weights.sum()) == pytest.approx(1.0, abs=1e-12)


def test_separated_modes_carry_the_bernoulli_product_masses() -> None:
    """Orthogonal columns and b = -W 1 / 2 make l_h = c.h: p(h) = prod_j sigmoid(+-c_j)."""
    model = GRBM(**SEPARATED)
    p = torch.sigmoid(torch.tensor(SEPARATED["c"], dtype=torch.float64))
    expected = torch.stack([(1 - p[0]) * (1 - p[1]), p[0] * (1 - p[1]), (1 - p[0]) * p[1], p[0] * p[1]])
    torch.testing.assert_close(model.weights, expected, rtol=1e-14, atol=0)
    modes = model.modes
    assert modes is not None and modes.count == 4
    torch.testing.assert_close(modes.weights, expected, rtol=1e-12, atol=0)
    torch.testing.assert_close(
        modes.points, model.component_means, rtol=0, atol=1e-3
    )  # e^{-(3/0.7)^2/2} pulls
    assert model.minima is not None  # the heaviest mode is the deepest here
    torch.testing.assert_close(model.minima.points[0], modes.points[int(expected.argmax())])


def test_mode_index_is_the_mode_of_the_most_responsible_component() -> None:
    model = GRBM(**SEPARATED)
    x = model.sample(4000, generator=torch.Generator().manual_seed(4))
    means = mixture_from_the_joint(model)[0]
    w, b, c, sigma = params(model)
    responsibility = -joint_energy(x.numpy(), states(model.hidden), w, b, c, sigma)
    best = responsibility.argmax(-1)  # brute force over the four hidden states
    modes = model.modes
    assert modes is not None
    nearest_mode = np.linalg.norm(means[:, None, :] - modes.points.numpy()[None], axis=-1).argmin(-1)
    index = model.mode_index(x)
    assert index.dtype == torch.int64 and index.shape == (4000,)
    np.testing.assert_array_equal(index.numpy(), nearest_mode[best])
    counts = np.bincount(index.numpy(), minlength=4) / 4000
    np.testing.assert_allclose(counts, modes.weights.numpy(), atol=5 * math.sqrt(0.25 / 4000))
    assert model.mode_index(x.reshape(40, 100, 2)).shape == (40, 100)


def test_merged_components_make_one_mode() -> None:
    """Two components 1 sigma apart in 1-D: one mode holding all the mass."""
    model = GRBM(W=[[1.0]], b=[-0.5], c=[0.0])
    modes = model.modes
    assert modes is not None and modes.count == 1 and modes.weights.tolist() == [1.0]
    assert model.minima is not None and abs(float(model.minima.points[0, 0])) < 1e-12  # symmetric: at 0
    assert model.mode_index(torch.tensor([[-3.0], [0.2], [4.0]])).tolist() == [0, 0, 0]


# -- conventions and parameters ---------------------------------------------------------------------


def test_other_conventions_map_as_documented() -> None:
    rng = np.random.default_rng(3)
    d, hidden, sigma = 3, 4, 1.4
    w, b, c = rng.normal(size=(d, hidden)), rng.normal(size=d), rng.normal(size=hidden)
    x = rng.normal(size=(50, d)) * 2
    s = 2 * states(hidden) - 1  # hidden units in {-1, 1}
    pm = joint_energy(x, s, w, b, c, sigma)
    pm_energy = -np.logaddexp.reduce(-pm, axis=-1)
    mapped = GRBM(W=2 * w, b=b - w.sum(-1), c=2 * c, sigma=sigma)
    shift = mapped.energy(torch.from_numpy(x)).numpy() - pm_energy
    np.testing.assert_allclose(shift, shift[0], atol=1e-11)  # equal up to a constant
    # p(x) ~ sum_h exp(x.B h / 2 + b.x + c.h - |x|^2 / 2): W = B / 2, sigma = 1
    big_b = rng.choice([-1.0, 1.0], size=(d, hidden))
    h = states(hidden)
    log_p = np.logaddexp.reduce(
        0.5 * x @ big_b @ h.T + (x @ b)[:, None] + (h @ c)[None] - 0.5 * (x**2).sum(-1)[:, None], axis=-1
    )
    shift = GRBM(W=big_b / 2, b=b, c=c).energy(torch.from_numpy(x)).numpy() + log_p
    np.testing.assert_allclose(shift, shift[0], atol=1e-11)


def test_random_rbm_is_the_documented_draw_and_config_rebuilds_it() -> None:
    model = GRBM(dim=3, hidden=5, seed=11, sigma=0.9)
    generator = torch.Generator().manual_seed(11)
    w = torch.randn(3, 5, generator=generator, dtype=torch.float64)
    b = torch.randn(3, generator=generator, dtype=torch.float64)
    c = torch.randn(5, generator=generator, dtype=torch.float64)
    assert torch.equal(model.W, w) and torch.equal(model.b, b) and torch.equal(model.c, c)
    assert model.config == {"W": None, "b": None, "c": None, "sigma": 0.9, "dim": 3, "hidden": 5, "seed": 11}
    rebuilt = ebmcore.create(model.spec)
    assert torch.equal(rebuilt.W, w) and rebuilt.log_partition() == model.log_partition()
    default = ebmcore.create("grbm")
    assert default.config["seed"] == 0 and (default.dim, default.hidden) == (2, 4)
    given_c = GRBM(dim=3, hidden=5, seed=11, c=[0.0] * 5)  # a given c replaces its draw only
    assert torch.equal(given_c.W, w) and torch.equal(given_c.c, torch.zeros(5, dtype=torch.float64))
    explicit = GRBM(W=[[1.0, 2.0]])  # b and c default to zero
    assert explicit.b.tolist() == [0.0] and explicit.c.tolist() == [0.0, 0.0]


def test_sixteen_hidden_units_is_the_limit() -> None:
    model = GRBM(dim=1, hidden=16, seed=2, sigma=2.0)
    x = model.sample(1000, generator=torch.Generator().manual_seed(0))
    assert x.shape == (1000, 1) and math.isfinite(model.log_partition())
    np.testing.assert_allclose(
        model.energy(x[:20]).numpy(), brute_force_energy(x[:20].numpy(), model), rtol=1e-11
    )
    with pytest.raises(
        ebmcore.InvalidParameterError, match=r"parameter 'hidden' must be None or an integer in \[1, 16\]"
    ) as caught:
        ebmcore.create("grbm", hidden=17)
    assert "got 17" in str(caught.value) and "2^hidden" in str(caught.value)
    with pytest.raises(ebmcore.InvalidParameterError, match="parameter 'W'") as caught:
        GRBM(W=np.ones((2, 17)))
    assert "hidden <= 16" in str(caught.value) and "17 columns" in str(caught.value)
    with pytest.raises(ebmcore.InvalidParameterError, match="parameter 'c'") as caught:
        GRBM(dim=2, c=[0.0] * 17)
    assert "16" in str(caught.value)


def test_bad_arguments_name_the_parameter() -> None:
    bad = [
        ({"sigma": 0.0}, "sigma"),
        ({"sigma": -1.0}, "sigma"),
        ({"dim": 0}, "dim"),
        ({"hidden": 0}, "hidden"),
        ({"seed": -1}, "seed"),
        ({"W": [[1.0, 2.0]], "seed": 3}, "seed"),
        ({"W": [[1.0, 2.0], [3.0]]}, "W"),
        ({"W": [[1.0, 2.0]], "b": [0.0, 0.0]}, "dim"),
        ({"W": [[1.0, 2.0]], "c": [0.0]}, "hidden"),
        ({"W": [[1.0, 2.0]], "hidden": 3}, "hidden"),
        ({"dim": 3, "b": [1.0]}, "dim"),
        ({"b": [math.nan, 0.0]}, "b"),
    ]
    for kwargs, name in bad:
        with pytest.raises(ebmcore.InvalidParameterError, match=f"parameter '{name}'"):
            ebmcore.create("grbm", **kwargs)


def test_float32_model() -> None:
    model = ebmcore.create("grbm").float()
    x = model.sample(10, generator=torch.Generator().manual_seed(0))
    assert x.dtype == torch.float32 and model.energy(x).dtype == torch.float32
    torch.testing.assert_close(
        model.energy(x).double(), model.double().energy(x.double()), rtol=1e-5, atol=1e-5
    )
    assert model.mode_index(x.float()).dtype == torch.int64
