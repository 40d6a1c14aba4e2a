"""1-D laws by quadrature (:class:`ebmcore.plugin.GridLaw`) against scipy's adaptive quadrature
and closed forms; exact draws by rejection (:func:`ebmcore.plugin.fill_by_rejection`)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ebmcore import BaseModel, InvalidParameterError
from ebmcore.plugin import GridLaw, GridLaw2D, PlanarLaw, fill_by_rejection, inverse_cdf

integrate = pytest.importorskip("scipy.integrate")
stats = pytest.importorskip("scipy.stats")


def test_gaussian_law_is_exact_to_rounding() -> None:
    law = GridLaw.of(lambda t: 0.5 * (t - 1.0) ** 2 / 4.0 + 3.0, -40.0, 40.0, 4096)
    assert law.log_mass == pytest.approx(0.5 * math.log(2.0 * math.pi * 4.0) - 3.0, abs=1e-14)
    assert law.mean == pytest.approx(1.0, abs=1e-14)
    assert law.stddev == pytest.approx(2.0, rel=1e-14)


@pytest.mark.parametrize("shift", [0.0, 700.0, -700.0])  # e^{-f} under- or overflows unshifted
def test_quartic_well_against_adaptive_quadrature(shift: float) -> None:
    def f(t):
        return (t * t - 2.0) ** 2 + 0.3 * t + shift

    law = GridLaw.of(f, -5.0, 5.0)
    mass = integrate.quad(lambda t: math.exp(-(f(t) - shift)), -5.0, 5.0, epsabs=0.0, epsrel=1e-13, limit=200)
    second = integrate.quad(
        lambda t: t * t * math.exp(-(f(t) - shift)), -5.0, 5.0, epsabs=0.0, epsrel=1e-13, limit=200
    )
    assert law.log_mass == pytest.approx(math.log(mass[0]) - shift, abs=1e-12)
    assert law.expect(lambda t: t * t) == pytest.approx(second[0] / mass[0], rel=1e-12)


def test_quantile_inverts_the_cdf_and_draws_follow_the_law() -> None:
    law = GridLaw.of(lambda t: np.abs(t) ** 1.5, -30.0, 30.0, 2**18)  # scipy's gennorm(1.5)
    reference = stats.gennorm(1.5)
    u = torch.tensor([1e-6, 0.1, 0.5, 0.9, 1.0 - 1e-6], dtype=torch.float64)
    np.testing.assert_allclose(law.quantile(u).numpy(), reference.ppf(u.numpy()), atol=1e-7)
    draws = law.sample(20_000, torch.Generator().manual_seed(0))
    assert draws.dtype == torch.float64
    assert stats.kstest(draws.numpy(), reference.cdf).pvalue > 1e-3
    again = law.sample(5, torch.Generator().manual_seed(4))
    assert torch.equal(again, law.sample(5, torch.Generator().manual_seed(4)))


@pytest.mark.parametrize(
    ("low", "high", "cells", "parameter"),
    [
        (1.0, 1.0, 16, "high"),
        (0.0, math.inf, 16, "high"),
        (math.nan, 1.0, 16, "high"),
        (0.0, 1.0, 1, "cells"),
        (0.0, 1.0, 2.5, "cells"),
    ],
)
def test_bad_grid_is_refused_by_name(low: float, high: float, cells: int, parameter: str) -> None:
    with pytest.raises(InvalidParameterError, match=repr(parameter)) as error:
        GridLaw.of(lambda t: t * t, low, high, cells)
    assert error.value.parameter == parameter


@pytest.mark.parametrize("bad", [math.nan, -math.inf])
def test_an_energy_that_is_nan_or_minus_infinity_is_refused(bad: float) -> None:
    def energy(t: np.ndarray) -> np.ndarray:
        return np.where(t > 0.5, bad, t * t)

    with pytest.raises(InvalidParameterError, match="'energy'"):
        GridLaw.of(energy, -1.0, 1.0)
    with pytest.raises(InvalidParameterError, match="'energy'"):
        GridLaw2D.of(lambda x, y: energy(x) + y * y, (-1.0, 1.0), (-1.0, 1.0))


def test_a_wall_of_infinite_energy_holds_no_mass() -> None:
    """+inf is allowed (a hard wall): the half-Gaussian, whole lines of the 2-D grid included.
    The jump at the wall makes the rule first order: an error of about half a cell."""
    half = GridLaw.of(lambda t: np.where(t < 0.0, np.inf, t * t), -1.0, 8.0)
    assert half.log_mass == pytest.approx(math.log(0.5 * math.sqrt(math.pi)), abs=9.0 / 2**16)
    plane = GridLaw2D.of(lambda x, y: np.where(x < 0.0, np.inf, x * x) + y * y, (-1.0, 8.0), (-8.0, 8.0))
    assert plane.log_mass == pytest.approx(math.log(0.5 * math.pi), abs=9.0 / 2**12)
    assert bool((plane.sample(200, torch.Generator().manual_seed(0))[:, 0] >= 0.0).all())
    with pytest.raises(InvalidParameterError, match="finite somewhere"):
        GridLaw.of(lambda t: np.full_like(t, np.inf), -1.0, 1.0)


def test_fill_by_rejection_keeps_exactly_total_draws_of_the_target() -> None:
    generator = torch.Generator().manual_seed(2)
    rounds = []

    def accepted(remaining: int) -> torch.Tensor:  # a standard normal truncated to [-1, 1]
        rounds.append(remaining)
        z = torch.randn(max(remaining // 2, 16), generator=generator, dtype=torch.float64)
        return z[z.abs() < 1.0]

    draws = fill_by_rejection(5000, accepted)
    assert draws.shape == (5000,) and len(rounds) > 2
    assert rounds == sorted(rounds, reverse=True)  # each round asks for what is still missing
    truncated = stats.truncnorm(-1.0, 1.0)
    assert stats.kstest(draws.numpy(), truncated.cdf).pvalue > 1e-3


def banana(x, y):
    """``x^4 / 4 + (y - x^2)^2``: y given x is N(x^2, 1/2), x has the law e^{-x^4 / 4}."""
    return 0.25 * x**4 + (y - x * x) ** 2


def test_two_dimensional_law_against_its_closed_form() -> None:
    law = GridLaw2D.of(banana, (-6.0, 6.0), (-8.0, 40.0))
    second = 2.0 * math.gamma(0.75) / math.gamma(0.25)  # E[x^2]; E[x^4] = 1
    assert law.log_mass == pytest.approx(
        0.5 * math.log(math.pi) + math.log(2.0 * math.gamma(1.25) * math.sqrt(2.0)), abs=1e-12
    )
    assert law.mean == pytest.approx((0.0, second), abs=1e-12)
    assert law.stddev == pytest.approx((math.sqrt(second), math.sqrt(0.5 + 1.0 - second**2)), rel=1e-12)


def test_two_dimensional_draws_follow_the_marginal_and_the_conditional() -> None:
    law = GridLaw2D.of(banana, (-6.0, 6.0), (-8.0, 40.0))
    draws = law.sample(6000, torch.Generator().manual_seed(5)).numpy()
    assert draws.shape == (6000, 2) and draws.dtype == np.float64
    grid = np.linspace(-6.0, 6.0, 100_001)
    cumulative = integrate.cumulative_trapezoid(np.exp(-0.25 * grid**4), grid, initial=0.0)
    assert stats.kstest(draws[:, 0], lambda t: np.interp(t, grid, cumulative / cumulative[-1])).pvalue > 1e-3
    noise = draws[:, 1] - draws[:, 0] ** 2  # N(0, 1/2) whatever x is
    assert stats.kstest(noise, stats.norm(0.0, math.sqrt(0.5)).cdf).pvalue > 1e-3
    assert stats.kstest(noise[np.abs(draws[:, 0]) > 1.0], stats.norm(0.0, math.sqrt(0.5)).cdf).pvalue > 1e-3
    assert law.sample(0).shape == (0, 2)


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"x_range": (1.0, -1.0)}, "x_range"),
        ({"y_range": (0.0, math.inf)}, "y_range"),
        ({"cells": 0}, "cells"),
        ({"sample_cells": 1}, "sample_cells"),
    ],
)
def test_bad_two_dimensional_grid_is_refused_by_name(kwargs: dict, parameter: str) -> None:
    arguments = {"x_range": (-1.0, 1.0), "y_range": (-1.0, 1.0), **kwargs}
    with pytest.raises(InvalidParameterError) as error:
        GridLaw2D.of(banana, **arguments)
    assert error.value.parameter == parameter


class Banana(PlanarLaw, BaseModel):
    law_box = ((-6.0, 6.0), (-8.0, 40.0))

    def __init__(self) -> None:
        super().__init__(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return banana(x[..., 0], x[..., 1])


def test_planar_law_mixin_gives_the_ground_truth_of_its_forward() -> None:
    model = Banana()
    law = GridLaw2D.of(banana, *Banana.law_box)
    assert model.log_partition() == law.log_mass
    assert model.mean.tolist() == list(law.mean) and model.stddev.dtype == torch.float64
    assert model.grid_law() is model.grid_law()  # tabulated once
    assert set(type(model).declared_ground_truth()) >= {"log_partition", "sample", "mean", "stddev"}
    draws = model.float().sample(500, torch.Generator().manual_seed(1))
    assert draws.dtype == torch.float32 and draws.shape == (500, 2)
    again = model.double().sample(500, torch.Generator().manual_seed(1))
    torch.testing.assert_close(draws, again.float())
    assert model.float().log_partition() == law.log_mass  # computed in float64 whatever the dtype
    with pytest.raises(InvalidParameterError, match="'n'"):
        model.sample(-1)


def test_inverse_cdf_of_rows_on_windows_clipped_at_the_grid_ends() -> None:
    """Each row a window of one grid, clipped at its ends (repeated nodes, empty cells): the
    draws equal those of the same law on the whole grid."""
    grid = np.linspace(-3.0, 3.0, 601)
    law = GridLaw.tabulated(grid, 0.5 * grid**2)
    u = torch.rand(3, 1, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    index = np.arange(-100, 701)[None, :] + np.array([[0], [0], [0]])  # wider than the grid
    nodes = grid[np.clip(index, 0, 600)]
    density = np.where((index >= 0) & (index <= 600), np.exp(-0.5 * nodes**2), 0.0)
    expected = law.quantile(u[:, 0]).unsqueeze(-1)
    torch.testing.assert_close(inverse_cdf(nodes, density, u), expected, rtol=0, atol=1e-12)
    shared = inverse_cdf(grid, np.exp(-0.5 * grid**2)[None, :].repeat(3, 0), u)  # one grid for all rows
    torch.testing.assert_close(shared, expected, rtol=0, atol=1e-12)
    one = inverse_cdf(grid, np.exp(-0.5 * grid**2), u[:, 0])  # one law, many draws
    torch.testing.assert_close(one, law.quantile(u[:, 0]), rtol=0, atol=1e-12)
