"""The law e^{-f}/Z of the BBOB functions that declare it, against independent computations.

- Separable after an affine map (f2, f3, f4, f10, f11, f20): the decomposition itself
  (f(x0 + B y) minus its value at x0 is the sum of the model's values along the lines, at
  random points), each coordinate's mass and moments against adaptive quadrature (scipy's
  ``quad``) of the model's own values, and the draws' coordinates against the quadrature's CDF.
- f13 (a Gaussian times a cone) and f6 (a radial law in sectors): the draws mapped back to
  their coordinates against scipy's normal and Gamma laws and against quadrature of the radial
  law; the log partition against importance sampling in x with a proposal of our own choosing.
- Every one: the log partition against importance sampling in 2-D and 3-D, and the declared
  moments against the draws (also in the conformance kit, test_conformance.py).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from ebmcore_bbob._law import LAW_MAX_DIM
from scipy import integrate, optimize, stats

import ebmcore

F64 = torch.float64
SEPARABLE = ["bbob_f2", "bbob_f3", "bbob_f4", "bbob_f10", "bbob_f11", "bbob_f20"]
# f8 and f9 take their law from ebmcore-analytic's rosenbrock (the `law` extra)
VALLEYS = ["bbob_f8", "bbob_f9"] if "rosenbrock" in ebmcore.list_energies() else []
ALL = ["bbob_f1", *SEPARABLE[:4], "bbob_f6", *VALLEYS, *SEPARABLE[4:], "bbob_f13", "bbob_f14"]
KINKS = {"bbob_f20": (-500.0, 500.0)}  # the penalty's kinks in t, away from 0


def _model(name: str, dim: int, instance: int = 3) -> ebmcore.BaseModel:
    return ebmcore.create(name, dim=dim, instance=instance).to(F64)


def _line(model: ebmcore.BaseModel, origin: np.ndarray, direction: np.ndarray):
    """t -> f(origin + t direction), one float64 point at a time (for scipy's quad)."""

    def energy(t: float) -> float:
        return float(model(torch.from_numpy(origin + t * direction)))

    return energy


def _quad(g, low: float, high: float, breaks: tuple[float, ...]) -> float:
    """The integral of g over [low, high], split at 0 and at the ``breaks`` inside it."""
    edges = sorted({low, high, *(b for b in (0.0, *breaks) if low < b < high)})
    pieces = itertools.pairwise(edges)
    return sum(integrate.quad(g, a, b, epsabs=0.0, epsrel=1e-13, limit=400)[0] for a, b in pieces)


def _moment(energy, lowest: float, k: int, end: float, breaks: tuple[float, ...]) -> float:
    """The integral of t^k exp(lowest - energy(t)) over [-end, end]."""
    return _quad(lambda t: t**k * math.exp(lowest - energy(t)), -end, end, breaks)


@pytest.mark.parametrize("name", SEPARABLE)
@pytest.mark.parametrize("dim", [2, 5])
def test_energy_is_the_sum_of_its_lines(name: str, dim: int) -> None:
    """f(x0 + B y) - f(x0) = sum_i (F_i(y_i) - f(x0)), F_i(t) = f(x0 + t B e_i): the
    separability the law rests on, at random y spread like the draws."""
    model = _model(name, dim)
    origin, matrix = model.law_map()
    lowest = float(model(torch.from_numpy(origin)))
    spread = (np.linalg.inv(matrix) @ np.diag(model.stddev.numpy() ** 2) @ np.linalg.inv(matrix).T).diagonal()
    y = np.random.default_rng(0).standard_normal((64, dim)) * 2.0 * np.sqrt(spread)
    whole = model(torch.from_numpy(origin + y @ matrix.T)).numpy() - lowest
    lines = sum(
        model(torch.from_numpy(origin + y[:, i : i + 1] * matrix[:, i])).numpy() - lowest for i in range(dim)
    )
    np.testing.assert_allclose(whole, lines, rtol=1e-9, atol=1e-9 * (1.0 + abs(lowest)))


@pytest.mark.parametrize("name", SEPARABLE)
def test_coordinate_laws_against_quadrature(name: str) -> None:
    """Each coordinate's log mass, mean and variance against adaptive quadrature of the model's
    values along its line; log Z from them and |det B|."""
    model = _model(name, 3)
    origin, matrix = model.law_map()
    lowest = float(model(torch.from_numpy(origin)))
    tables = model._coordinates()
    total = float(np.linalg.slogdet(matrix)[1]) + (model.dim - 1) * lowest
    for i, law in enumerate(tables.laws):
        energy = _line(model, origin, matrix[:, i])
        end = float(abs(law.grid[-1])) ** tables.power  # the table's half-width, in t
        breaks = KINKS.get(name, ())
        mass, first, second = (_moment(energy, lowest, k, end, breaks) for k in (0, 1, 2))
        first, second = first / mass, second / mass
        # nothing beyond the table: the density at twice its half-width is negligible
        assert energy(2 * end) - lowest > 50 and energy(-2 * end) - lowest > 50
        assert law.log_mass == pytest.approx(math.log(mass) - lowest, abs=1e-11)
        mean, variance = (law.expect(lambda s, k=k: (s * abs(s) ** (tables.power - 1)) ** k) for k in (1, 2))
        assert mean == pytest.approx(first, rel=1e-9, abs=1e-12 * math.sqrt(second))
        assert variance == pytest.approx(second, rel=1e-9)
        total += math.log(mass) - lowest
    assert model.log_partition() == pytest.approx(total, abs=1e-10)


@pytest.mark.parametrize("name", SEPARABLE)
def test_draws_follow_the_coordinate_laws(name: str) -> None:
    """The draws' coordinates y = B^-1 (x - x0) against the quadrature CDF of each coordinate at
    its deciles (Dvoretzky-Kiefer-Wolfowitz bound at 1e-6), and independent of each other."""
    model = _model(name, 3)
    origin, matrix = model.law_map()
    lowest = float(model(torch.from_numpy(origin)))
    n = 20000
    y = (model.sample(n, torch.Generator().manual_seed(5)).numpy() - origin) @ np.linalg.inv(matrix).T
    bound = math.sqrt(math.log(2 / 1e-6) / (2 * n))
    tables = model._coordinates()
    for i in range(model.dim):
        energy = _line(model, origin, matrix[:, i])
        end = float(abs(tables.laws[i].grid[-1])) ** tables.power
        breaks = KINKS.get(name, ())

        def density(t: float, energy=energy) -> float:
            return math.exp(lowest - energy(t))

        mass = _quad(density, -end, end, breaks)
        for point in np.quantile(y[:, i], np.linspace(0.1, 0.9, 9)):
            cdf = _quad(density, -end, float(point), breaks) / mass
            assert abs(np.mean(y[:, i] <= point) - cdf) < bound, (i, point)
    correlation = np.corrcoef(y.T)[np.triu_indices(model.dim, 1)]
    assert np.abs(correlation).max() < 5 / math.sqrt(n)


def test_sharp_ridge_draws() -> None:
    """f13: z = M (x - x_opt) has z_0 ~ N(0, 1/2), |z_{1:}| ~ Gamma(d - 1, rate 100) and a
    uniform direction (KS tests against scipy)."""
    model = _model("bbob_f13", 4)
    n = 20000
    z = (
        model.sample(n, torch.Generator().manual_seed(2)).numpy() - model.x_opt.numpy()
    ) @ model.matrix.numpy().T
    assert stats.kstest(z[:, 0], stats.norm(scale=math.sqrt(0.5)).cdf).pvalue > 1e-4
    norms = np.linalg.norm(z[:, 1:], axis=1)
    assert stats.kstest(norms, stats.gamma(3, scale=1 / 100).cdf).pvalue > 1e-4
    direction = z[:, 1:] / norms[:, None]
    assert stats.kstest(direction[:, 0], stats.uniform(-1, 2).cdf).pvalue > 1e-4  # Archimedes, in R^3


@pytest.mark.parametrize("dim", [2, 7])
def test_different_powers_draws(dim: int) -> None:
    """f14: with z = R (x - x_opt) and S = sum |z_i|^p_i, sqrt(S) ~ Gamma(2 alpha, 1),
    alpha = sum 1/p_i, and each z_i / S^(1/p_i) is independent of it (KS tests against scipy,
    and a rank correlation near 0)."""
    model = _model("bbob_f14", dim)
    n = 20000
    z = (
        model.sample(n, torch.Generator().manual_seed(4)).numpy() - model.x_opt.numpy()
    ) @ model.rotation.numpy().T
    p = 2.0 + 4.0 * np.arange(dim) / (dim - 1)
    root = np.sqrt((np.abs(z) ** p).sum(-1))
    assert stats.kstest(root, stats.gamma(2.0 * (1.0 / p).sum()).cdf).pvalue > 1e-4
    theta = z[:, 0] / root ** (2.0 / p[0])
    assert abs(stats.spearmanr(np.abs(theta), root).statistic) < 5 / math.sqrt(n)


def test_attractive_sector_draws() -> None:
    """f6: in w_i = s_i z_i the radius against quadrature of r^(d-1) exp(-Phi(r^2)), and each
    coordinate on x_opt's (steep) side with probability (1/100) / (1 + 1/100)."""
    model = _model("bbob_f6", 3)
    n = 20000
    x_opt = model.x_opt.numpy()
    z = (model.sample(n, torch.Generator().manual_seed(3)).numpy() - x_opt) @ model.matrix.numpy().T
    steep = np.sign(z) == model.signs.numpy()
    share = 0.01 / 1.01
    assert np.abs(steep.mean(0) - share).max() < 5 * math.sqrt(share * (1 - share) / n)
    radius = np.linalg.norm(np.where(steep, 100.0 * z, z), axis=1)
    # the model along a ray where every s_i = 1: Phi(r^2) + f_opt
    ray = -np.sign(x_opt[0]) * np.linalg.inv(model.matrix.numpy())[:, 0]
    energy = _line(model, x_opt, ray)

    def density(r: float) -> float:
        return r**2 * math.exp(model.f_opt - energy(r))

    mass = _quad(density, 0.0, 60.0, ())
    for point in np.quantile(radius, np.linspace(0.1, 0.9, 9)):
        cdf = _quad(density, 0.0, float(point), ()) / mass
        assert abs(np.mean(radius <= point) - cdf) < math.sqrt(math.log(2 / 1e-6) / (2 * n))


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("dim", [2, 3])
def test_log_partition_against_importance_sampling(name: str, dim: int) -> None:
    """log Z against importance sampling in x: a two-scale Gaussian proposal around the draws'
    mean and covariance (any proposal gives an unbiased estimate), within 6 standard errors."""
    model = _model(name, dim, instance=2)
    draws = model.sample(4000, torch.Generator().manual_seed(1))
    mean, covariance = draws.mean(0), torch.cov(draws.T) * 2.25
    generator = torch.Generator().manual_seed(4)
    n = 200000
    narrow = torch.distributions.MultivariateNormal(mean, covariance)
    wide = torch.distributions.MultivariateNormal(mean, 9.0 * covariance)
    root = torch.linalg.cholesky(covariance)
    y = mean + torch.randn(n, dim, generator=generator, dtype=F64) @ root.T
    y[n // 2 :] = mean + 3.0 * (y[n // 2 :] - mean)
    log_q = torch.logsumexp(torch.stack([narrow.log_prob(y), wide.log_prob(y)]), 0) - math.log(2)
    log_w = -model(y) - log_q
    estimate = float(torch.logsumexp(log_w, 0)) - math.log(n)
    w = torch.exp(log_w - log_w.max())
    ess = float(w.sum() ** 2 / (w * w).sum())
    assert ess > 100  # (f3 and f4 at d = 3: a few hundred; the others thousands)
    standard_error = math.sqrt((n / ess - 1.0) / n)
    assert abs(estimate - model.log_partition()) < 6 * standard_error + 1e-9, (estimate, standard_error)


@pytest.mark.parametrize("name", ALL)
def test_declared_moments_match_the_draws(name: str) -> None:
    """mean and stddev against 40000 draws at d = 6: z-scores below 5."""
    model = _model(name, 6)
    n = 40000
    x = model.sample(n, torch.Generator().manual_seed(6))
    mean, stddev = model.mean, model.stddev
    assert mean.dtype == F64 and mean.shape == (6,)
    assert float(((x.mean(0) - mean) / (x.std(0) / math.sqrt(n))).abs().max()) < 5
    if name == "bbob_f9":  # a rotated chain: the marginals of z do not give those of x
        assert stddev is None
        return
    assert stddev.dtype == F64 and stddev.shape == (6,)
    fourth = ((x - x.mean(0)) ** 4).mean(0)
    se = torch.sqrt((fourth - x.var(0) ** 2) / n) / (2 * stddev)  # delta method
    assert float(((x.std(0) - stddev) / se).abs().max()) < 5


@pytest.mark.parametrize("name", ["bbob_f2", "bbob_f10", "bbob_f20"])
def test_no_tables_beyond_the_largest_dimension(name: str) -> None:
    model = ebmcore.create(name, dim=LAW_MAX_DIM + 1)
    assert model.log_partition() is None and model.mean is None and model.stddev is None
    with pytest.raises(NotImplementedError, match=rf"dim <= {LAW_MAX_DIM}.*dim = {LAW_MAX_DIM + 1}"):
        model.sample(3)


@pytest.mark.parametrize("name", ALL)
def test_draws_in_the_model_dtype_and_seeded(name: str) -> None:
    model = ebmcore.create(name, dim=4, instance=5).float()
    first = model.sample(5, torch.Generator().manual_seed(0))
    assert first.dtype == torch.float32 and first.shape == (5, 4)
    assert torch.equal(first, model.sample(5, torch.Generator().manual_seed(0)))


def test_tables_follow_the_instance() -> None:
    """A state loaded from another instance moves the law with it (the cache follows the
    buffers)."""
    model = ebmcore.create("bbob_f10", dim=3, instance=1)
    before = model.log_partition()
    other = ebmcore.create("bbob_f10", dim=3, instance=2)
    model.load_state_dict(other.state_dict())
    model.f_opt = other.f_opt
    assert model.log_partition() == pytest.approx(other.log_partition(), abs=1e-12)
    assert model.log_partition() != pytest.approx(before, abs=1e-3)


# -- modes of the separable ones ------------------------------------------------------------------


def _line_slope(model: ebmcore.BaseModel, origin: np.ndarray, direction: np.ndarray):
    """t -> d/dt f(origin + t direction), from the model's gradient, vectorized."""

    def slope(t: np.ndarray) -> np.ndarray:
        points = torch.from_numpy(origin + np.asarray(t)[:, None] * direction)
        return (model.gradient(points) @ torch.from_numpy(direction)).numpy()

    return slope


@pytest.mark.parametrize("name", SEPARABLE)
def test_coordinate_basins_against_a_root_finder_and_quadrature(name: str) -> None:
    """Each coordinate's minima and maxima against Brent's method on a fine scan of the line's
    slope over the proven reach, and its basin masses against adaptive quadrature between the
    maxima."""
    model = _model(name, 3)
    origin, matrix = model.law_map()
    lowest = float(model(torch.from_numpy(origin)))
    reach = type(model).modes_reach
    tables = model._coordinates()
    for i, basins in enumerate(model.coordinate_basins()):
        slope = _line_slope(model, origin, matrix[:, i])
        roots = _roots(slope, reach)
        assert len(roots) == len(basins.minima) + len(basins.cuts) and len(roots) % 2 == 1
        np.testing.assert_allclose(basins.minima.numpy(), roots[0::2], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(basins.cuts.numpy(), roots[1::2], rtol=1e-12, atol=1e-12)
        end = float(abs(tables.laws[i].grid[-1])) ** tables.power  # nothing beyond (test above)
        edges = np.clip([-np.inf, *basins.cuts.tolist(), np.inf], -end, end)
        density = _density(_line(model, origin, matrix[:, i]), lowest)
        pieces = np.array(
            [
                _quad(density, a, b, KINKS.get(name, ())) if a < b else 0.0
                for a, b in itertools.pairwise(edges)
            ]
        )
        np.testing.assert_allclose(basins.masses.numpy(), pieces / pieces.sum(), rtol=1e-9, atol=1e-13)


def _roots(slope, reach: float) -> np.ndarray:
    """The sign changes of ``slope`` on 200,000 cells of [-reach, reach] (shifted off 0), by
    Brent's method."""
    scan = np.linspace(-reach, reach, 200_001) + reach * 1e-7
    s = slope(scan)

    def scalar(t: float) -> float:
        return float(slope(np.array([t]))[0])

    brackets = [
        (a, b) for a, b, sa, sb in zip(scan[:-1], scan[1:], s[:-1], s[1:], strict=True) if sa * sb < 0
    ]
    return np.array([optimize.brentq(scalar, a, b, xtol=1e-14, rtol=1e-15) for a, b in brackets])


def _density(energy, lowest: float):
    return lambda t: math.exp(lowest - energy(t))


@pytest.mark.parametrize("name", ["bbob_f3", "bbob_f4", "bbob_f20"])
def test_every_local_minimum_found_is_a_listed_mode(name: str) -> None:
    """The multimodal ones (the others have one mode, at x_opt: below), by multistart L-BFGS-B
    (scipy) in 2-D from 200 points spread like the draws and beyond:
    every point where it stops with a vanishing gradient is a listed mode, and every listed
    mode is a stationary point of the energy; the index of each listed mode is its own."""
    model = _model(name, 2)
    modes = model.modes
    assert modes.count == len(modes.points) and modes.weights.sum() == pytest.approx(1.0, abs=1e-12)
    rng = np.random.default_rng(1)
    spread = model.stddev.numpy()
    starts = torch.from_numpy(model.mean.numpy() + 3.0 * spread * rng.standard_normal((200, 2)))
    typical = float(torch.linalg.vector_norm(model.gradient(starts), dim=-1).median())
    assert float(torch.linalg.vector_norm(model.gradient(modes.points), dim=-1).max()) < 1e-9 * typical
    assert torch.equal(model.mode_index(modes.points), torch.arange(modes.count))

    def energy_and_gradient(x: np.ndarray) -> tuple[float, np.ndarray]:
        e, g = model.energy_and_gradient(torch.from_numpy(x))
        return float(e), g.numpy()

    found = 0
    for start in starts.numpy():
        x = optimize.minimize(
            energy_and_gradient, start, jac=True, method="L-BFGS-B", options={"gtol": 0.0}
        ).x
        if np.linalg.norm(energy_and_gradient(x)[1]) > 1e-5 * typical:
            continue  # stopped short of a stationary point
        distance = np.abs((modes.points.numpy() - x) / spread).max(-1).min()
        assert distance < 1e-2, (x, distance)  # modes of f3 lie 0.1 to 0.3 stddev apart
        found += 1
    assert found >= 100


@pytest.mark.parametrize(
    "name", ["bbob_f1", "bbob_f2", "bbob_f6", "bbob_f10", "bbob_f11", "bbob_f13", "bbob_f14"]
)
def test_unimodal_ones_have_one_mode_at_the_optimum(name: str) -> None:
    model = _model(name, 4)
    modes = model.modes
    assert modes.count == 1 and modes.weights.tolist() == [1.0]
    torch.testing.assert_close(modes.points[0], model.x_opt, rtol=0, atol=1e-14)
    assert float(model(modes.points)) == model.f_opt
    if hasattr(model, "mode_index"):
        x = model.sample(100, torch.Generator().manual_seed(0))
        assert model.mode_index(x).tolist() == [0] * 100


# -- f8, f9: Rosenbrock's law, mapped ---------------------------------------------------------------


@pytest.mark.parametrize("name", VALLEYS)
@pytest.mark.parametrize("dim", [2, 5, 70])
def test_valley_is_rosenbrock_of_the_map(name: str, dim: int) -> None:
    """f(x) = rosenbrock(M (x - x_opt) + 1) + f_opt, with ebmcore-analytic's rosenbrock, at
    random points (d = 70: the scale sqrt(d) / 8 > 1); log Z and the draws follow."""
    model = _model(name, dim)
    rosenbrock = ebmcore.create("rosenbrock", dim=dim, a=1.0, b=100.0).to(F64)
    matrix = torch.from_numpy(model.valley_matrix())
    x = model.x_opt + 0.1 * torch.randn(64, dim, generator=torch.Generator().manual_seed(0), dtype=F64)
    z = (x - model.x_opt) @ matrix.T + 1.0
    torch.testing.assert_close(model(x), rosenbrock(z) + model.f_opt, rtol=1e-12, atol=1e-9)
    log_det = float(torch.linalg.slogdet(matrix)[1])
    assert model.log_partition() == pytest.approx(
        rosenbrock.log_partition() - log_det - model.f_opt, abs=1e-9
    )
    draws = model.sample(8, torch.Generator().manual_seed(3))
    torch.testing.assert_close(
        (draws - model.x_opt) @ matrix.T + 1.0, rosenbrock.sample(8, torch.Generator().manual_seed(3))
    )


def test_valley_without_rosenbrock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where ``rosenbrock`` is not registered (ebmcore-analytic not installed), f8 knows no law
    and says why."""

    def missing(name: str, **kwargs: object) -> ebmcore.BaseModel:
        raise ebmcore.EnergyNotFoundError(name, [])

    model = _model("bbob_f8", 3)
    monkeypatch.setattr(ebmcore, "create", missing)
    assert model.log_partition() is None and model.mean is None and model.stddev is None
    with pytest.raises(NotImplementedError, match="ebmcore-analytic's 'rosenbrock' at dim = 3"):
        model.sample(2)
