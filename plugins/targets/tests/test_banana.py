"""Haario's banana re-derived independently: quadrature, the chi-square law of the energy of exact
samples, KS tests on the untwisted coordinates, and local optimization."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from ebmcore_targets import Banana
from scipy import integrate, optimize, stats

import ebmcore

N = 20_000
KS_ALPHA = 1e-4  # per test; with a fixed seed a failure is a real bug, not bad luck
VARIANTS = [
    {"b": 0.03, "sigma": 10.0, "offset": True},
    {"b": 0.1, "sigma": 10.0, "offset": True},
    {"b": 0.03, "sigma": 10.0, "offset": False},
    {"b": -0.5, "sigma": 2.0, "offset": True},
]


def integrate_2d(model: Banana, gauss_legendre, weights=("one",)) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Iterated quadrature of exp(-E) (times 1, x1^2, x2, x2^2) from the model's own energy.

    x1 runs over 12 sigma on either side; for each x1, x2 runs over 12 on either side of the
    ridge c - b x1^2 (a curved domain, integrated as it stands: no change of variables).
    """
    n1, w1 = gauss_legendre(-12 * model.sigma, 12 * model.sigma, 240)
    t, w2 = gauss_legendre(-12.0, 12.0, 24)
    ridge = model.shift - model.b * n1 * n1
    x1 = np.repeat(n1, len(t))
    x2 = (ridge[:, None] + t[None, :]).ravel()
    weight = np.outer(w1, w2).ravel()
    energy = model.energy(torch.from_numpy(np.stack([x1, x2], axis=-1))).numpy()
    density = weight * np.exp(-energy)
    return {
        "one": density.sum(),
        "x1^2": (density * x1 * x1).sum(),
        "x2": (density * x2).sum(),
        "x2^2": (density * x2 * x2).sum(),
    }


def test_defaults_are_haario_s_moderately_twisted_banana() -> None:
    model = ebmcore.create("banana")
    assert model.config == {"dim": 2, "b": 0.03, "sigma": 10.0, "offset": True}
    assert ebmcore.info("banana").references[0].startswith("H. Haario, E. Saksman and J. Tamminen")


@pytest.mark.parametrize("kwargs", VARIANTS)
def test_log_partition_and_moments_by_quadrature(kwargs: dict[str, object], gauss_legendre) -> None:  # type: ignore[no-untyped-def]
    model = Banana(dim=2, **kwargs)  # type: ignore[arg-type]
    sums = integrate_2d(model, gauss_legendre)
    z = sums["one"]
    assert model.log_partition() == pytest.approx(math.log(z), rel=1e-12)
    mean2 = sums["x2"] / z
    var2 = sums["x2^2"] / z - mean2**2
    var1 = sums["x1^2"] / z
    assert float(model.mean[1]) == pytest.approx(mean2, abs=1e-9 * (1 + abs(mean2)))
    torch.testing.assert_close(
        model.stddev, torch.tensor([math.sqrt(var1), math.sqrt(var2)], dtype=torch.float64), rtol=1e-9, atol=0
    )


def test_log_partition_by_product_structure_in_dim_6(gauss_legendre) -> None:  # type: ignore[no-untyped-def]
    """The 2-D banana times four standard normal coordinates, each integrated by quadrature."""
    model = Banana(dim=6, b=0.1)
    z2 = integrate_2d(Banana(dim=2, b=0.1), gauss_legendre)["one"]
    one, _ = integrate.quad(lambda t: math.exp(-0.5 * t * t), -np.inf, np.inf, epsrel=1e-13)
    assert model.log_partition() == pytest.approx(math.log(z2) + 4 * math.log(one), rel=1e-9)


@pytest.mark.parametrize("kwargs", VARIANTS)
def test_exact_sampler(kwargs: dict[str, object]) -> None:
    """Untwisting the samples gives independent standard normals, and 2E is chi-square(d)."""
    model = Banana(dim=4, **kwargs)  # type: ignore[arg-type]
    x = model.sample(N, generator=torch.Generator().manual_seed(5))
    x1, x2 = x[:, 0].numpy(), x[:, 1].numpy()
    untwisted = [x1 / model.sigma, x2 + model.b * x1 * x1 - model.shift, x[:, 2].numpy(), x[:, 3].numpy()]
    for coordinate in untwisted:
        assert stats.kstest(coordinate, "norm").pvalue > KS_ALPHA
    assert abs(stats.spearmanr(untwisted[0] ** 2, untwisted[1]).statistic) < 5 / math.sqrt(N)
    energies = model.energy(x).numpy()
    assert stats.kstest(2 * energies, "chi2", args=(4,)).pvalue > KS_ALPHA
    # the mean energy of the samples against <E> = d/2 (Gaussian quadrature of the chi-square mean)
    expected, _ = integrate.quad(lambda t: 0.5 * t * stats.chi2.pdf(t, 4), 0, np.inf)
    assert abs(energies.mean() - expected) < 5 * energies.std() / math.sqrt(N)


def test_a_sampler_without_the_offset_is_caught() -> None:
    """The checks are not vacuous: samples of the un-offset banana fail for the offset one."""
    model = Banana(dim=2)
    wrong = Banana(dim=2, offset=False).sample(N, generator=torch.Generator().manual_seed(5))
    assert stats.kstest(2 * model.energy(wrong).numpy(), "chi2", args=(2,)).pvalue < 1e-12


@pytest.mark.parametrize("kwargs", VARIANTS)
def test_global_minimum_by_local_optimization(kwargs: dict[str, object]) -> None:
    model = Banana(dim=3, **kwargs)  # type: ignore[arg-type]
    rng = np.random.default_rng(0)

    def fun(z: np.ndarray) -> tuple[float, np.ndarray]:
        e, g = model.energy_and_gradient(torch.from_numpy(z))
        return float(e), g.numpy()

    low, high = model.bounds.numpy()
    for start in rng.uniform(low, high, size=(20, 3)):
        found = optimize.minimize(fun, start, jac=True, method="L-BFGS-B", options={"gtol": 1e-12, "ftol": 0})
        assert found.fun == pytest.approx(0.0, abs=1e-12)
        np.testing.assert_allclose(found.x, model.minima.points[0].numpy(), atol=1e-5)
    modes = model.modes
    assert torch.equal(modes.points, model.minima.points) and modes.weights.tolist() == [1.0]


def test_bounds_hold_nearly_all_the_mass() -> None:
    model = ebmcore.create("banana", b=0.1)
    x = model.sample(N, generator=torch.Generator().manual_seed(2))
    low, high = model.bounds
    inside = ((x >= low) & (x <= high)).all(-1).double().mean()
    assert float(inside) > 0.99


def test_bad_arguments_name_the_parameter() -> None:
    with pytest.raises(ebmcore.InvalidParameterError, match="dim"):
        ebmcore.create("banana", dim=1)
    with pytest.raises(ebmcore.InvalidParameterError, match="offset"):
        ebmcore.create("banana", offset="yes")
