"""ebmcore.numpy_functions and ebmcore.scipy_bounds: energies for numpy-based tools.

scipy.optimize finds known minima from them, emcee samples a Gaussian with the exact moments,
and the gradients agree with finite differences, also for several-axis events given flat.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.optimize import approx_fprime, minimize

import ebmcore


def test_energy_and_gradient_of_one_point_and_of_a_batch() -> None:
    f = ebmcore.numpy_functions(ebmcore.create("rosenbrock", dim=3, a=1.0, b=100.0))
    x = np.array([0.5, -1.0, 2.0])
    # E = 100 (x2 - x1^2)^2 + (1 - x1)^2 + 100 (x3 - x2^2)^2 + (1 - x2)^2
    expected = 100 * (-1.0 - 0.25) ** 2 + 0.25 + 100 * (2.0 - 1.0) ** 2 + 4.0
    energy = f.energy(x)
    assert isinstance(energy, float) and energy == pytest.approx(expected, rel=1e-15)
    batch = np.stack([x, np.ones(3)])
    np.testing.assert_allclose(f.energy(batch), [expected, 0.0], rtol=1e-15)
    np.testing.assert_allclose(f.log_prob(batch), [-expected, -0.0], rtol=1e-15)
    value, grad = f.energy_and_gradient(x)
    assert value == pytest.approx(expected, rel=1e-15)
    np.testing.assert_allclose(grad, approx_fprime(x, f.energy, 1e-7), rtol=1e-5)
    np.testing.assert_allclose(f.gradient(batch)[0], grad, rtol=1e-15)
    assert f.gradient(batch).shape == (2, 3) and f.gradient(batch).dtype == np.float64


def test_scipy_minimize_with_the_gradient_finds_the_minimum() -> None:
    model = ebmcore.create("rosenbrock", dim=6)
    f = ebmcore.numpy_functions(model)
    result = minimize(f.energy_and_gradient, np.zeros(6), jac=True, method="L-BFGS-B", tol=1e-14)
    np.testing.assert_allclose(result.x, model.minima.points[0].numpy(), atol=1e-4)
    assert result.fun < 1e-8


def test_scipy_bounds_are_one_pair_per_coordinate() -> None:
    model = ebmcore.create("himmelblau")
    bounds = ebmcore.scipy_bounds(model)
    assert bounds == [(-5.0, 5.0), (-5.0, 5.0)]
    f = ebmcore.numpy_functions(model)
    result = minimize(
        f.energy_and_gradient, np.array([4.5, -4.5]), jac=True, method="L-BFGS-B", bounds=bounds
    )
    distances = np.linalg.norm(model.minima.points.numpy() - result.x, axis=1)
    assert distances.min() < 1e-4  # one of Himmelblau's four minimizers


class Spring(ebmcore.BaseModel):
    """Three 2-D particles on springs: E = sum_{i<j} |x_i - x_j|^2 / 2 + sum_i |x_i|^2 / 2."""

    def __init__(self) -> None:
        super().__init__((3, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        differences = x[..., :, None, :] - x[..., None, :, :]
        return 0.25 * differences.pow(2).sum((-1, -2, -3)) + 0.5 * x.pow(2).sum((-1, -2))


def test_points_of_several_axis_events_are_flat() -> None:
    model = Spring()
    f = ebmcore.numpy_functions(model)
    x = np.random.default_rng(0).normal(size=(4, 6))
    particles = torch.as_tensor(x).reshape(4, 3, 2)
    np.testing.assert_allclose(f.energy(x), model.energy(particles).numpy(), rtol=1e-15)
    grad = f.gradient(x)
    assert grad.shape == (4, 6)
    # dE/dx_i = sum_j (x_i - x_j) + x_i = 3 x_i - sum_j x_j + x_i
    by_hand = 4 * particles - particles.sum(-2, keepdim=True)
    np.testing.assert_allclose(grad, by_hand.reshape(4, 6).numpy(), rtol=1e-13)
    np.testing.assert_allclose(grad[1], approx_fprime(x[1], f.energy, 1e-7), rtol=1e-5, atol=1e-6)


def test_emcee_samples_a_gaussian_with_its_exact_moments() -> None:
    emcee = pytest.importorskip("emcee")
    model = ebmcore.create("gaussian", mean=[1.0, -2.0], cov=[0.25, 4.0])
    f = ebmcore.numpy_functions(model)
    rng = np.random.default_rng(1)
    walkers = 32
    sampler = emcee.EnsembleSampler(walkers, 2, f.log_prob, vectorize=True)
    sampler.random_state = np.random.RandomState(1).get_state()
    sampler.run_mcmc(rng.normal(size=(walkers, 2)), 3000)
    draws = sampler.get_chain(discard=500, flat=True)
    tau = float(np.max(sampler.get_autocorr_time(discard=500, quiet=True)))
    effective = len(draws) / tau
    mean, std = model.mean.numpy(), model.stddev.numpy()
    # five Monte Carlo standard errors
    np.testing.assert_array_less(np.abs(draws.mean(0) - mean), 5 * std / math.sqrt(effective))
    np.testing.assert_array_less(np.abs(draws.std(0) - std), 5 * std / math.sqrt(2 * effective))


def test_bad_inputs_are_named() -> None:
    f = ebmcore.numpy_functions(ebmcore.create("gaussian", dim=2))
    with pytest.raises(
        ebmcore.InvalidInputError, match=r"expects a real array of shape \(dim,\) or \(n, dim\)"
    ):
        f.energy(np.array(["a", "b"]))
    with pytest.raises(ebmcore.InvalidInputError, match=r"shape \(1, 1, 2\)"):
        f.energy(np.zeros((1, 1, 2)))
    with pytest.raises(ebmcore.InvalidParameterError, match=r"'model' must be an ebmcore\.BaseModel"):
        ebmcore.numpy_functions(lambda x: x)  # type: ignore[arg-type]
    with pytest.raises(ebmcore.InvalidParameterError, match="parameter 'dtype'"):
        ebmcore.numpy_functions(ebmcore.create("gaussian"), dtype=torch.int64)
    with pytest.raises(ebmcore.InvalidParameterError, match="an energy that declares bounds"):
        ebmcore.scipy_bounds(ebmcore.create("mlp", seed=0))
    with pytest.raises(ebmcore.InvalidInputError, match=r"points of 6 coordinates \(event shape \(3, 2\)"):
        ebmcore.numpy_functions(Spring()).energy(np.zeros(4))
