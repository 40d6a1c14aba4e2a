"""Composed energies of live models given positionally, and of components whose dimension is open.

TorchEBM's idiom builds components first and passes the list positionally
(``Composite([m1, m2], [1.0, 2.0], "product")``); a component may also be a ``BaseModel``
subclass written with ``super().__init__()`` and no dimension, which fits any.
"""

from __future__ import annotations

import math

import pytest
import torch
from ebmcore_analytic import DoubleWell, Gaussian, Harmonic
from ebmcore_compose import Annealed, Composite, Mixture, Tempered, Transformed

import ebmcore
from ebmcore.testing import check_energy

F64 = torch.float64


class Quartic(ebmcore.BaseModel):
    """E(x) = sum_i x_i^4 / 4, written as TorchEBM's guide writes energies: no dimension fixed."""

    def __init__(self) -> None:
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.25 * (x**4).sum(dim=1)


def _points(d: int, n: int = 6, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, d, dtype=F64, generator=torch.Generator().manual_seed(seed))


def _harmonic(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * (x * x).sum(-1)


def _well(x: torch.Tensor) -> torch.Tensor:
    return ((x * x - 1.0) ** 2).sum(-1)


def _autograd(function: object, x: torch.Tensor) -> torch.Tensor:
    leaf = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(function(leaf).sum(), leaf)  # type: ignore[operator]
    return grad


@pytest.mark.parametrize(
    ("operation", "combine"),
    [
        ("sum", lambda a, b: a + b),
        ("product", lambda a, b: a * b),
        ("min", torch.minimum),
        ("max", torch.maximum),
    ],
)
def test_composite_of_live_models_given_positionally(operation: str, combine: object) -> None:
    model = Composite([Harmonic(dim=2), DoubleWell(dim=2)], [1.0, 2.0], operation)
    x = _points(2, n=16)

    def closed(y: torch.Tensor) -> torch.Tensor:
        return combine(1.0 * _harmonic(y), 2.0 * _well(y))  # type: ignore[operator]

    torch.testing.assert_close(model.energy(x), closed(x), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(model.gradient(x), _autograd(closed, x), rtol=1e-12, atol=1e-12)
    assert model.operation == operation and model.weights == [1.0, 2.0]
    assert ebmcore.create(model.spec).spec == model.spec


def test_mixture_of_live_models_given_positionally() -> None:
    model = Mixture([Harmonic(dim=2), DoubleWell(dim=2)], [0.3, 0.7])
    x = _points(2, n=16)

    def closed(y: torch.Tensor) -> torch.Tensor:
        return -torch.log(0.3 * torch.exp(-_harmonic(y)) + 0.7 * torch.exp(-_well(y)))

    torch.testing.assert_close(model.energy(x), closed(x), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(model.gradient(x), _autograd(closed, x), rtol=1e-12, atol=1e-12)
    # log Z = log(0.3 Z_harmonic + 0.7 Z_well), both components knowing theirs
    z = 0.3 * math.exp(Harmonic(dim=2).log_partition()) + 0.7 * math.exp(DoubleWell(dim=2).log_partition())
    assert model.log_partition() == pytest.approx(math.log(z), rel=1e-12)


def test_a_component_without_a_dimension_fits_the_others() -> None:
    model = Composite([Quartic(), Gaussian(mean=[1.0, -1.0, 0.5])], [2.0, 1.0])
    assert model.event_shape == (3,) and model.dim == 3
    x = _points(3)
    mean = torch.tensor([1.0, -1.0, 0.5], dtype=F64)

    def closed(y: torch.Tensor) -> torch.Tensor:
        return 0.5 * (y**4).sum(-1) + 0.5 * ((y - mean) ** 2).sum(-1)

    torch.testing.assert_close(model.energy(x), closed(x), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(model.gradient(x), _autograd(closed, x), rtol=1e-12, atol=1e-12)
    with pytest.raises(ebmcore.InvalidInputError, match=r"\(\*batch, 3\)"):
        model.energy(torch.zeros(4, 2))
    with pytest.raises(ebmcore.RegistrationError, match="Quartic recorded no constructor arguments"):
        model.config  # noqa: B018


def test_components_without_a_dimension_give_a_composite_without_one() -> None:
    for operation in ("sum", "min", "max", "product"):
        model = Composite([Quartic(), Quartic()], [1.0, 3.0], operation)
        assert model.event_shape is None and model.dim is None
        for d in (1, 4):
            x = _points(d, seed=d)
            terms = torch.stack([0.25 * (x**4).sum(-1), 0.75 * (x**4).sum(-1)])
            expected = {
                "sum": terms.sum(0),
                "min": terms.min(0).values,
                "max": terms.max(0).values,
                "product": terms.prod(0),
            }[operation]
            torch.testing.assert_close(model.energy(x), expected, rtol=1e-12, atol=1e-12)
            leaf = x.clone().requires_grad_(True)
            reference = _autograd(model.forward, leaf)
            torch.testing.assert_close(model.gradient(x.reshape(2, 3, d)), reference.reshape(2, 3, d))
    mixture = Mixture([Quartic(), Quartic()], [0.25, 0.75])
    assert mixture.event_shape is None
    x = _points(5)
    torch.testing.assert_close(mixture.energy(x), 0.25 * (x**4).sum(-1), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(mixture.gradient(x), x**3, rtol=1e-12, atol=1e-12)


def test_a_dim_argument_fixes_the_dimension_of_open_components() -> None:
    model = Composite([Quartic(), "harmonic"], dim=3)
    assert model.event_shape == (3,) and model.components[1].dim == 3
    x = _points(3)
    torch.testing.assert_close(model.energy(x), 0.25 * (x**4).sum(-1) + _harmonic(x), rtol=1e-12, atol=1e-12)
    assert Mixture([Quartic()], dim=4).event_shape == (4,)
    with pytest.raises(ebmcore.InvalidParameterError, match="has dim 2"):
        Composite([Quartic(), Harmonic(dim=2)], dim=3)


def test_conformance_of_a_composite_without_a_dimension() -> None:
    model = Composite([Quartic(), Quartic()], [1.0, 2.0])
    report = check_energy(model, dims=[3])
    assert report.ok


def test_tempered_annealed_and_transformed_take_open_components() -> None:
    x = _points(3)
    tempered = Tempered(Quartic(), 2.0)
    assert tempered.event_shape is None
    torch.testing.assert_close(tempered.energy(x), 0.125 * (x**4).sum(-1), rtol=1e-12, atol=1e-12)
    annealed = Annealed(Harmonic(dim=3), Quartic(), 0.25)
    assert annealed.event_shape == (3,)
    expected = 0.75 * _harmonic(x) + 0.25 * 0.25 * (x**4).sum(-1)
    torch.testing.assert_close(annealed.energy(x), expected, rtol=1e-12, atol=1e-12)
    assert Annealed(target=Quartic()).event_shape == (2,)  # the default start fixes it
    transformed = Transformed(Quartic(), shift=[1.0, 0.0, -1.0], scale=2.0)
    assert transformed.event_shape == (3,)
    y = 2.0 * x + torch.tensor([1.0, 0.0, -1.0], dtype=F64)
    torch.testing.assert_close(transformed.energy(x), 0.25 * (y**4).sum(-1), rtol=1e-12, atol=1e-12)
    with pytest.raises(ebmcore.InvalidParameterError, match="an energy of fixed dimension, or give dim"):
        Transformed(Quartic(), scale=2.0)
