"""The hybrid Rosenbrock re-derived independently: a loop-by-loop reference energy from the paper's
formula, scipy quadrature of exp(-E) in 2-D and 3-D (log Z, means, standard deviations), Gaussian
moments from scipy.stats, KS tests of the exact sampler's conditionals, and local optimization."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch
from ebmcore_targets import HybridRosenbrock
from scipy import integrate, optimize, stats

import ebmcore

N = 20_000
KS_ALPHA = 1e-4  # per test; with a fixed seed a failure is a real bug, not bad luck
CASES: list[dict[str, Any]] = [
    {},  # the paper's example: n1 = 3, n2 = 2, mu = 1, a = 1/20, b = 100/20
    {"n1": 2, "n2": 1, "mu": -0.7, "a": 0.3, "b": 2.0},
    {"n1": 3, "n2": 1, "mu": 0.4, "a": 0.8, "b": [[1.5, 3.0]]},
    {"n1": 2, "n2": 2, "mu": 1.2, "a": 0.5, "b": [[2.0], [7.0]]},
    {"n1": 4, "n2": 3, "mu": 0.5, "a": 2.0, "b": [[1.0, 2.0, 3.0], [4.0, 0.5, 6.0], [9.0, 9.0, 0.25]]},
]
IDS = ["paper", "2d", "3d_chain", "3d_fork", "10d_matrix"]


def reference_energy(x: np.ndarray, n1: int, n2: int, mu: float, a: float, b: np.ndarray) -> np.ndarray:
    """The paper's exponent, written term by term with the coordinates x_{j,i} (i = 2..n1) of block
    j at 1 + (j - 1)(n1 - 1) + (i - 2), and x_{j,1} = x_1."""
    out = a * (x[:, 0] - mu) ** 2
    for j in range(1, n2 + 1):
        previous = x[:, 0]
        for i in range(2, n1 + 1):
            current = x[:, 1 + (j - 1) * (n1 - 1) + (i - 2)]
            out = out + b[j - 1, i - 2] * (current - previous**2) ** 2
            previous = current
    return out


def b_matrix(model: HybridRosenbrock) -> np.ndarray:
    return model.b_values.numpy()


@pytest.mark.parametrize("kwargs", CASES, ids=IDS)
def test_energy_is_the_papers_exponent_and_the_gradient_is_autograds(kwargs: dict[str, Any]) -> None:
    model = HybridRosenbrock(**kwargs)
    assert model.dim == (model.n1 - 1) * model.n2 + 1
    x = torch.randn(64, model.dim, generator=torch.Generator().manual_seed(1), dtype=torch.float64) * 1.5
    expected = reference_energy(x.numpy(), model.n1, model.n2, model.mu, model.a, b_matrix(model))
    np.testing.assert_allclose(model.energy(x).numpy(), expected, rtol=1e-13, atol=0)
    # the analytic gradient against autograd through the reference energy written in torch
    xr = x.clone().requires_grad_(True)
    b = torch.from_numpy(b_matrix(model))
    ref = model.a * (xr[:, 0] - model.mu) ** 2
    for j in range(model.n2):
        previous = xr[:, 0]
        for i in range(model.n1 - 1):
            current = xr[:, 1 + j * (model.n1 - 1) + i]
            ref = ref + b[j, i] * (current - previous**2) ** 2
            previous = current
    (autograd,) = torch.autograd.grad(ref.sum(), xr)
    energy, gradient = model.energy_and_gradient(x)
    torch.testing.assert_close(gradient, autograd, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(energy, ref.detach(), rtol=1e-13, atol=0)
    with ebmcore.use_backend("autograd"):
        torch.testing.assert_close(model.gradient(x), gradient, rtol=1e-12, atol=1e-12)
    batched = model.energy(x.reshape(8, 8, model.dim))
    assert batched.shape == (8, 8) and torch.equal(batched.reshape(-1), model.energy(x))


def test_defaults_are_the_papers_example() -> None:
    model = ebmcore.create("hybrid_rosenbrock")
    assert model.config == {"n1": 3, "n2": 2, "mu": 1.0, "a": 0.05, "b": 5.0}
    assert model.dim == 5
    torch.testing.assert_close(model.b_values, torch.full((2, 2), 100 / 20, dtype=torch.float64))
    # log Z = (5/2) log pi - (1/2) log(1/20) - 2 log 5
    assert model.log_partition() == pytest.approx(
        2.5 * math.log(math.pi) + 0.5 * math.log(20) - 2 * math.log(5)
    )
    assert (
        ebmcore.info("hybrid_rosenbrock").references[0].startswith("F. Pagani, M. Wiegand and S. Nadarajah")
    )
    matrix = HybridRosenbrock(b=[[1.0, 2.0, 3.0]])  # n1 and n2 from the shape of b
    assert (matrix.n1, matrix.n2, matrix.dim) == (4, 1, 4)
    assert ebmcore.create(matrix.spec).config == matrix.config


def box_cubature(model: HybridRosenbrock, width: float = 12.0) -> np.ndarray:
    """Adaptive cubature (scipy) of exp(-E) times (1, x, x^2) over every coordinate.

    The nodes follow the ridge: x_1 = u_1 and x_{j,i} = x_{j,i-1}^2 + u_{j,i} with u in a box of
    ``width`` conditional standard deviations, a map of unit Jacobian, so the box integral of
    the model's own exp(-E(x(u))) is the integral over R^d up to tails below e^{-72}.
    """
    scales = [1 / math.sqrt(2 * model.a)] + [1 / math.sqrt(2 * v) for v in b_matrix(model).ravel()]
    centre = np.array([model.mu] + [0.0] * (model.dim - 1))
    half = width * np.array(scales)

    def integrand(u: np.ndarray) -> np.ndarray:
        x = u.copy()
        for j in range(model.n2):
            previous = x[:, 0]
            for i in range(model.n1 - 1):
                k = 1 + j * (model.n1 - 1) + i
                x[:, k] = previous**2 + u[:, k]
                previous = x[:, k]
        density = np.exp(-model.energy(torch.from_numpy(x)).numpy())
        return np.concatenate([density[:, None], density[:, None] * x, density[:, None] * x * x], axis=1)

    result = integrate.cubature(integrand, centre - half, centre + half, rtol=1e-11, atol=0)
    assert result.status == "converged"
    return np.asarray(result.estimate)


@pytest.mark.parametrize("kwargs", CASES[1:4], ids=IDS[1:4])
def test_log_partition_mean_and_stddev_by_cubature(kwargs: dict[str, Any]) -> None:
    model = HybridRosenbrock(**kwargs)
    sums = box_cubature(model)
    z, first, second = sums[0], sums[1 : 1 + model.dim], sums[1 + model.dim :]
    assert model.log_partition() == pytest.approx(math.log(z), rel=1e-10, abs=1e-10)
    mean = first / z
    assert model.mean is not None and model.stddev is not None
    np.testing.assert_allclose(model.mean.numpy(), mean, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(model.stddev.numpy(), np.sqrt(second / z - mean**2), rtol=1e-7)


def test_log_partition_by_dblquad_on_the_curved_domain() -> None:
    """scipy's dblquad of the paper's density on {|x1 - mu| < 12 s, |x2 - x1^2| < 12 s2}, with no
    change of variables (the model's energy is checked against the same formula above)."""
    model = HybridRosenbrock(n1=2, n2=1, mu=-0.7, a=0.3, b=2.0)
    s1, s2 = 1 / math.sqrt(2 * model.a), 1 / math.sqrt(2 * 2.0)

    def density(x2: float, x1: float) -> float:
        return math.exp(-0.3 * (x1 + 0.7) ** 2 - 2.0 * (x2 - x1 * x1) ** 2)

    z, _ = integrate.dblquad(
        density,
        model.mu - 12 * s1,
        model.mu + 12 * s1,
        lambda x1: x1 * x1 - 12 * s2,
        lambda x1: x1 * x1 + 12 * s2,
        epsabs=0,
        epsrel=1e-10,
    )
    assert model.log_partition() == pytest.approx(math.log(z), rel=1e-9)


def test_log_partition_factorizes_over_blocks() -> None:
    """Z(n2 blocks) * Z(x1 alone)^(n2 - 1) = product of the one-block Z's (each block integrates out)."""
    b = [[1.0, 2.0, 3.0], [4.0, 0.5, 6.0], [9.0, 9.0, 0.25]]
    whole = HybridRosenbrock(n1=4, n2=3, mu=0.5, a=2.0, b=b)
    parts = [HybridRosenbrock(mu=0.5, a=2.0, b=[row]).log_partition() for row in b]
    x1_alone = 0.5 * math.log(math.pi / 2.0)
    assert whole.log_partition() == pytest.approx(sum(parts) - 2 * x1_alone, rel=1e-14)


def test_closed_form_moments_of_the_first_three_levels() -> None:
    """x1 ~ N(mu, s^2); x2 = x1^2 + e2; x3 = x2^2 + e3, with the raw Gaussian moments from scipy.stats."""
    model = HybridRosenbrock(n1=4, n2=2, mu=1.3, a=0.7, b=[[2.0, 3.0, 5.0], [0.5, 1.5, 2.5]])
    s = 1 / math.sqrt(2 * model.a)
    x1 = stats.norm(loc=model.mu, scale=s)
    m = {k: x1.moment(k) for k in range(1, 17)}
    mean, sd = model.mean, model.stddev
    assert mean is not None and sd is not None
    assert mean[0].item() == pytest.approx(model.mu, rel=1e-15) and sd[0].item() == pytest.approx(
        s, rel=1e-15
    )
    for j, (b2, b3, b4) in enumerate(b_matrix(model)):
        v2, v3, v4 = 1 / (2 * b2), 1 / (2 * b3), 1 / (2 * b4)
        # raw moments of x2 = x1^2 + e2 up to order 8 (E[e^2] = v, E[e^4] = 3 v^2, ...)
        e2 = [1, 0, v2, 0, 3 * v2**2, 0, 15 * v2**3, 0, 105 * v2**4]
        x2 = [sum(math.comb(n, k) * m.get(2 * k, 1.0) * e2[n - k] for k in range(n + 1)) for n in range(9)]
        e3 = [1, 0, v3, 0, 3 * v3**2]
        x3 = [sum(math.comb(n, k) * x2[2 * k] * e3[n - k] for k in range(n + 1)) for n in range(5)]
        e4 = [1, 0, v4]
        x4 = [sum(math.comb(n, k) * x3[2 * k] * e4[n - k] for k in range(n + 1)) for n in range(3)]
        base = 1 + j * 3
        for level, raw in enumerate([x2, x3, x4]):
            assert mean[base + level].item() == pytest.approx(raw[1], rel=1e-12)
            assert sd[base + level].item() == pytest.approx(math.sqrt(raw[2] - raw[1] ** 2), rel=1e-9)
    paper = ebmcore.create("hybrid_rosenbrock")  # mu = 1, s^2 = 10, b = 5: E[x2] = 11, E[x3] = 361.1
    assert paper.mean is not None
    torch.testing.assert_close(paper.mean, torch.tensor([1.0, 11.0, 361.1, 11.0, 361.1], dtype=torch.float64))


@pytest.mark.parametrize("kwargs", CASES, ids=IDS)
def test_exact_sampler(kwargs: dict[str, Any]) -> None:
    """x1 ~ N(mu, 1/2a) exactly; each standardized residual sqrt(2b)(x_{j,i} - x_{j,i-1}^2) is N(0, 1)
    and independent of its parent; 2E is chi-square with d degrees of freedom."""
    model = HybridRosenbrock(**kwargs)
    x = model.sample(N, generator=torch.Generator().manual_seed(5)).numpy()
    assert x.shape == (N, model.dim) and x.dtype == np.float64
    s = 1 / math.sqrt(2 * model.a)
    assert stats.kstest(x[:, 0], "norm", args=(model.mu, s)).pvalue > KS_ALPHA
    b = b_matrix(model)
    for j in range(model.n2):
        parent = x[:, 0]
        for i in range(model.n1 - 1):
            child = x[:, 1 + j * (model.n1 - 1) + i]
            z = math.sqrt(2 * b[j, i]) * (child - parent**2)
            assert stats.kstest(z, "norm").pvalue > KS_ALPHA
            assert abs(stats.spearmanr(z, parent).statistic) < 5 / math.sqrt(N)
            parent = child
    energies = model.energy(torch.from_numpy(x)).numpy()
    assert stats.kstest(2 * energies, "chi2", args=(model.dim,)).pvalue > KS_ALPHA


def test_a_sampler_that_chains_the_blocks_is_caught() -> None:
    """The PyPI package ``rosenbrock`` (0.7.1) hangs block j on the last coordinate of block j - 1
    instead of on x1: a single chain, not the hybrid Rosenbrock. Its samples fail the checks above."""
    model = HybridRosenbrock(n1=3, n2=2, mu=0.5, a=1.0, b=2.0)
    generator = torch.Generator().manual_seed(5)
    z = torch.randn(N, 5, generator=generator, dtype=torch.float64).numpy()
    x = np.empty_like(z)
    x[:, 0] = model.mu + z[:, 0] / math.sqrt(2 * model.a)
    for k in range(1, 5):  # x_k | x_{k-1}: one chain through both blocks
        x[:, k] = x[:, k - 1] ** 2 + z[:, k] / math.sqrt(2 * 2.0)
    energies = model.energy(torch.from_numpy(x)).numpy()
    assert stats.kstest(2 * energies, "chi2", args=(5,)).pvalue < 1e-12
    assert stats.kstest(math.sqrt(4.0) * (x[:, 3] - x[:, 0] ** 2), "norm").pvalue < 1e-12


def test_sample_moments_agree_with_the_declared_ones() -> None:
    """Within 5 standard errors; the standard deviation only where the sample kurtosis is moderate."""
    model = HybridRosenbrock(n1=3, n2=2, mu=0.8, a=1.5, b=[[3.0, 4.0], [0.7, 2.0]])
    n = 200_000
    x = model.sample(n, generator=torch.Generator().manual_seed(11))
    mean, sd = model.mean, model.stddev
    assert mean is not None and sd is not None
    z_mean = (x.mean(0) - mean).abs() / (x.std(0) / math.sqrt(n))
    assert float(z_mean.max()) < 5
    centered = x - x.mean(0)
    kurtosis = centered.pow(4).mean(0) / centered.pow(2).mean(0) ** 2
    se = sd * ((kurtosis - 1) / (4 * n)).sqrt()
    z_sd = (x.std(0) - sd).abs() / se
    assert float(z_sd[kurtosis < 50].max()) < 5 and int((kurtosis < 50).sum()) >= 3


def test_paper_defaults_by_monte_carlo() -> None:
    model = ebmcore.create("hybrid_rosenbrock")
    n = 200_000
    x = model.sample(n, generator=torch.Generator().manual_seed(3))
    assert model.mean is not None and model.stddev is not None
    z = (x.mean(0) - model.mean).abs() / (x.std(0) / math.sqrt(n))
    assert float(z.max()) < 5
    assert (
        float(((x[:, [0, 1, 3]].std(0) - model.stddev[[0, 1, 3]]) / model.stddev[[0, 1, 3]]).abs().max())
        < 0.02
    )


@pytest.mark.parametrize("kwargs", CASES[:4], ids=IDS[:4])
def test_unique_minimizer_by_local_optimization(kwargs: dict[str, Any]) -> None:
    model = HybridRosenbrock(**kwargs)
    minima = model.minima
    assert minima is not None and minima.value == 0.0
    expected = minima.points[0].numpy()
    assert float(model.energy(minima.points[0])) == 0.0
    rng = np.random.default_rng(0)

    def fun(z: np.ndarray) -> tuple[float, np.ndarray]:
        e, g = model.energy_and_gradient(torch.from_numpy(z))
        return float(e), g.numpy()

    for start in expected + rng.normal(size=(6, model.dim)):
        found = optimize.minimize(
            fun, start, jac=True, method="BFGS", options={"gtol": 1e-11, "maxiter": 5000}
        )
        assert found.fun == pytest.approx(0.0, abs=1e-12)
        np.testing.assert_allclose(found.x, expected, atol=1e-5)
    modes = model.modes
    assert modes is not None and torch.equal(modes.points, minima.points) and modes.weights.tolist() == [1.0]


def test_bounds_hold_nearly_all_the_mass() -> None:
    for kwargs in CASES:
        model = HybridRosenbrock(**kwargs)
        x = model.sample(N, generator=torch.Generator().manual_seed(2))
        bounds = model.bounds
        assert bounds is not None
        inside = ((x >= bounds[0]) & (x <= bounds[1])).all(-1).double().mean()
        assert float(inside) > 0.998
        assert bool(
            (bounds[0] <= model.minima.points[0]).all() and (model.minima.points[0] <= bounds[1]).all()
        )


def test_ground_truth_that_does_not_fit_is_none() -> None:
    deep = HybridRosenbrock(n1=8, n2=1)  # moments of x1 up to order 2^8: not computed
    assert deep.mean is None and deep.stddev is None and deep.log_partition() is not None
    huge = HybridRosenbrock(n1=13, n2=1, mu=2.0)  # mu^(2^11) overflows float64
    assert huge.minima is None and huge.modes is None and huge.bounds is None
    overflow = HybridRosenbrock(n1=7, n2=1, mu=1e6)  # E[x_7] > mu^64 = 1e384
    assert overflow.mean is None and overflow.stddev is None and overflow.minima is None


def test_float32_model_samples_and_energies() -> None:
    model = ebmcore.create("hybrid_rosenbrock").float()
    x = model.sample(10, generator=torch.Generator().manual_seed(0))
    assert x.dtype == torch.float32 and model.energy(x).dtype == torch.float32
    # float32 rounds x_{j,i-1}^2 (about 1e2 here) to 1e-5, so residuals carry absolute errors ~1e-5
    torch.testing.assert_close(
        model.energy(x).double(), model.double().energy(x.double()), rtol=1e-3, atol=1e-3
    )


def test_bad_arguments_name_the_parameter() -> None:
    bad = [
        ({"n1": 1}, "n1"),
        ({"n2": 0}, "n2"),
        ({"a": 0.0}, "a"),
        ({"a": -1.0}, "a"),
        ({"mu": math.inf}, "mu"),
        ({"b": -2.0}, "b"),
        ({"b": [[1.0, 0.0]]}, "b"),
        ({"n1": 3, "n2": 2, "b": [[1.0, 2.0]]}, "b"),
        ({"b": "5"}, "b"),
    ]
    for kwargs, name in bad:
        with pytest.raises(ebmcore.InvalidParameterError, match=f"parameter '{name}'"):
            ebmcore.create("hybrid_rosenbrock", **kwargs)
    with pytest.raises(ebmcore.InvalidParameterError, match=r"2 x 2 matrix"):
        HybridRosenbrock(n1=3, n2=2, b=[[1.0, 2.0, 3.0]])
