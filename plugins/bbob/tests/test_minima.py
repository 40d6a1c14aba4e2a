"""The declared minimum of the BBOB energies: nothing in [-5, 5]^d goes lower.

Multistart L-BFGS-B (scipy) in the box with the analytic gradient, and for the multimodal 2-D
ones a dense grid, never find an energy below f_opt; interior minimizers have zero gradient.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch

import ebmcore

optimize = pytest.importorskip("scipy.optimize")

F64 = torch.float64
FUNCTIONS = sorted(int(name.removeprefix("bbob_f")) for name in ebmcore.list_energies("bbob_f*"))
STARTS = 8


def energy_and_gradient(m: ebmcore.BaseModel) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """``fun(x) -> (f, g)`` for scipy's ``minimize(..., jac=True)``."""

    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        e, g = m.energy_and_gradient(torch.from_numpy(x))
        return float(e), g.numpy()

    return fun


# not f7: piecewise constant, so L-BFGS-B stops where it starts, and it declares no minima (a
# continuum of minimizers); test_f6_f14.py searches a dense grid instead
@pytest.mark.parametrize("function", [f for f in FUNCTIONS if f != 7])
@pytest.mark.parametrize(("dim", "instance"), [(2, 1), (2, 9), (3, 1000)])
def test_multistart_lbfgsb_finds_nothing_lower(function: int, dim: int, instance: int) -> None:
    m = ebmcore.create(f"bbob_f{function}", dim=dim, instance=instance)
    minima = m.minima or ebmcore.Minima(m.x_opt, m.f_opt)  # f16, f23: a lattice of minimizers, not counted
    rng = np.random.default_rng(function * 100 + dim * 10 + instance)
    starts = np.concatenate([rng.uniform(-5, 5, (STARTS, dim)), minima.points.numpy() + 0.3])
    found = []
    for x0 in np.clip(starts, -5, 5):
        result = optimize.minimize(
            energy_and_gradient(m), x0, jac=True, method="L-BFGS-B", bounds=[(-5.0, 5.0)] * dim
        )
        found.append((result.fun, result.x))
    best_value, best_x = min(found, key=lambda item: item[0])
    tolerance = 1e-9 * (1.0 + abs(minima.value))
    assert best_value >= minima.value - tolerance, (best_value, best_x, minima)
    if function in (1, 2, 5):  # unimodal: every start reaches the optimum
        assert best_value == pytest.approx(minima.value, abs=1e-6)
        np.testing.assert_allclose(best_x, minima.points[0].numpy(), atol=1e-3)


@pytest.mark.parametrize("function", [3, 4])
@pytest.mark.parametrize("instance", [1, 2, 3])
def test_dense_grid_finds_nothing_lower_in_2d(function: int, instance: int) -> None:
    m = ebmcore.create(f"bbob_f{function}", dim=2, instance=instance)
    axis = torch.linspace(-5, 5, 501, dtype=F64)
    grid = torch.cartesian_prod(axis, axis)
    e = m(grid)
    assert float(e.min()) >= m.f_opt
    # the lowest grid point lies in the basin of x_opt: a descent from it reaches f_opt
    start = grid[int(torch.argmin(e))].numpy()
    bounds = [(-5.0, 5.0)] * 2
    result = optimize.minimize(energy_and_gradient(m), start, jac=True, method="L-BFGS-B", bounds=bounds)
    assert result.fun == pytest.approx(m.f_opt, abs=1e-6)
    np.testing.assert_allclose(result.x, m.minima.points[0].numpy(), atol=1e-3)


@pytest.mark.parametrize("function", [1, 2, 3, 4])
def test_interior_minimizer_has_zero_gradient(function: int) -> None:
    for dim, instance in ((2, 4), (5, 11), (20, 77)):
        m = ebmcore.create(f"bbob_f{function}", dim=dim, instance=instance)
        x_opt = m.minima.points[0]
        assert bool((x_opt.abs() <= 4.0).all())  # COCO draws it in [-4, 4): inside the box
        assert torch.equal(m.gradient(x_opt), torch.zeros(dim, dtype=F64))
        # and a strict minimum: every coordinate step goes up
        for i in range(dim):
            for h in (1e-3, -1e-3):
                step = torch.zeros(dim, dtype=F64)
                step[i] = h
                assert float(m(x_opt + step)) > m.f_opt


def test_f5_minimum_is_the_corner_and_the_flat_region_beyond() -> None:
    m = ebmcore.create("bbob_f5", dim=4, instance=6)
    x_opt = m.minima.points[0]
    assert bool((x_opt.abs() == 5.0).all())
    generator = torch.Generator().manual_seed(0)
    beyond = x_opt * (1.0 + torch.rand(16, 4, generator=generator, dtype=F64))
    assert bool((m(beyond) == m.f_opt).all())
    inside = 10.0 * torch.rand(4096, 4, generator=generator, dtype=F64) - 5.0
    assert bool((m(inside) > m.f_opt).all())
