"""1-D laws by quadrature (:class:`ebmcore.plugin.GridLaw`) against scipy's adaptive quadrature
and closed forms; exact draws by rejection (:func:`ebmcore.plugin.fill_by_rejection`)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ebmcore import InvalidParameterError
from ebmcore.plugin import GridLaw, fill_by_rejection

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


def test_an_energy_that_is_nowhere_finite_is_refused() -> None:
    with pytest.raises(InvalidParameterError, match="'energy'"):
        GridLaw.of(lambda t: np.full_like(t, np.nan), -1.0, 1.0)


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
