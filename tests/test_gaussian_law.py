"""The quadratic energies' Gaussian ground truth (:class:`ebmcore.plugin.GaussianLaw`) against
scipy's multivariate normal, with the precision taken from autograd's Hessian of the energy.

The conformance kit checks the same ground truth against quadrature or importance sampling (and
the samples by KS tests) for every registered energy; here it is checked exactly.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch

import ebmcore

stats = pytest.importorskip("scipy.stats")

F64 = torch.float64

QUADRATIC = [
    ("sphere", {"dim": 1}),
    ("sphere", {"dim": 4}),
    ("booth", {}),
    ("matyas", {}),
    ("sum_squares", {"dim": 5}),
    ("rotated_hyper_ellipsoid", {"dim": 4}),
    ("trid", {"dim": 1}),
    ("trid", {"dim": 6}),
]


@pytest.mark.parametrize(("name", "kwargs"), QUADRATIC, ids=[f"{n}-{k}" for n, k in QUADRATIC])
def test_quadratic_energy_is_its_gaussian(name: str, kwargs: dict[str, Any]) -> None:
    model = ebmcore.create(name, **kwargs).double()
    minimum = model.minima
    assert minimum is not None
    centre = minimum.points[0]
    hessian = torch.autograd.functional.hessian(lambda x: model(x), centre)
    covariance = torch.linalg.inv(hessian)
    law = stats.multivariate_normal(mean=centre.numpy(), cov=covariance.numpy())
    points = centre + torch.randn(5, model.dim, dtype=F64, generator=torch.Generator().manual_seed(1))
    # exp(-E(x)) / Z is the normal density at every x: log Z = -E(x) - log N(x; m, H^-1)
    for x in points:
        expected = -float(model(x)) - float(law.logpdf(x.numpy()))
        assert model.log_partition() == pytest.approx(expected, rel=1e-12, abs=1e-12)
    torch.testing.assert_close(model.mean, centre, rtol=0.0, atol=0.0)
    torch.testing.assert_close(model.stddev, covariance.diagonal().sqrt(), rtol=1e-12, atol=0.0)
    modes = model.modes
    assert modes is not None and torch.equal(modes.points, centre[None]) and modes.weights.tolist() == [1.0]


@pytest.mark.parametrize(("name", "kwargs"), QUADRATIC, ids=[f"{n}-{k}" for n, k in QUADRATIC])
def test_quadratic_energy_samples_have_its_covariance(name: str, kwargs: dict[str, Any]) -> None:
    model = ebmcore.create(name, **kwargs)
    n = 20_000
    samples = model.sample(n, generator=torch.Generator().manual_seed(2))
    assert samples.shape == (n, model.dim) and samples.dtype == F64
    centre = model.minima.points[0]  # type: ignore[union-attr]
    covariance = torch.linalg.inv(torch.autograd.functional.hessian(lambda x: model.double()(x), centre))
    empirical = torch.cov(samples.T).reshape(model.dim, model.dim)
    scale = covariance.diagonal().sqrt()
    # standard errors of a sample covariance are about sqrt(2 / n) of the scales' product
    assert torch.allclose(empirical, covariance, atol=6.0 * math.sqrt(2.0 / n) * float(scale.max() ** 2))
    assert torch.allclose(samples.mean(0), centre, atol=6.0 * float(scale.max()) / math.sqrt(n))
    with pytest.raises(ebmcore.InvalidParameterError, match="'n'"):
        model.sample(-1)
    assert model.sample(0).shape == (0, model.dim)


def test_sphere_ground_truth_at_a_huge_dimension_is_cheap() -> None:
    model = ebmcore.create("sphere", dim=10**6)  # diagonal: no (d, d) matrix is formed
    assert model.log_partition() == pytest.approx(0.5e6 * math.log(math.pi), rel=1e-12)
    assert model.sample(2).shape == (2, 10**6)


def test_trid_refuses_a_hessian_that_cannot_fit() -> None:
    model = ebmcore.create("trid", dim=10**8)
    with pytest.raises(ebmcore.InvalidParameterError, match="dim"):
        model.log_partition()
