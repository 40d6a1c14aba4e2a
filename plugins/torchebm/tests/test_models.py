"""The TorchEBM-compatible classes: the seeds' call patterns, values against closed forms, configs."""

from __future__ import annotations

import copy
import io
import json
import math
import pickle
import subprocess
import sys
from collections.abc import Callable

import pytest
import torch
from ebmcore_analytic import (
    Ackley,
    Booth,
    DoubleWell,
    Gaussian,
    Harmonic,
    Himmelblau,
    Rastrigin,
    Rosenbrock,
    StyblinskiTang,
)
from ebmcore_compose import Composite, Mixture
from ebmcore_constrained import Spherical
from ebmcore_density import Density
from ebmcore_neural import MLP
from ebmcore_torchebm import (
    AckleyModel,
    BaseEnergyFunction,
    BaseModel,
    BoothModel,
    CompositeEnergy,
    DensityModelEnergy,
    DoubleWellEnergy,
    DoubleWellModel,
    GaussianEnergy,
    GaussianModel,
    HarmonicModel,
    HimmelblauModel,
    MixtureEnergy,
    MLPEnergy,
    RastriginModel,
    RosenbrockEnergy,
    RosenbrockModel,
    SphericalEnergy,
    StyblinskiTangModel,
)
from torch import distributions as D
from torch import nn

import ebmcore
from ebmcore.testing import check_energy

F64 = torch.float64
TWO_PI = 2.0 * math.pi


def _points(d: int, n: int = 32, seed: int = 0, scale: float = 2.0) -> torch.Tensor:
    return scale * torch.randn(n, d, dtype=F64, generator=torch.Generator().manual_seed(seed))


def _autograd(function: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    leaf = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(function(leaf).sum(), leaf)
    return grad


class Quartic(BaseModel):
    """E(x) = sum x_i^4 / 4, as the seeds write energies: ``super().__init__()``, no dimension."""

    def __init__(self) -> None:
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.25 * (x**4).sum(dim=1)


def _assert_energy(model: ebmcore.BaseModel, closed: Callable[[torch.Tensor], torch.Tensor], d: int) -> None:
    """Energy equals the closed form, gradient equals autograd of the closed form (float64)."""
    x = _points(d)
    torch.testing.assert_close(model.energy(x), closed(x), rtol=1e-12, atol=1e-10)
    torch.testing.assert_close(model.gradient(x), _autograd(closed, x), rtol=1e-10, atol=1e-9)
    torch.testing.assert_close(model.score(x), -_autograd(closed, x), rtol=1e-10, atol=1e-9)
    torch.testing.assert_close(model(x), closed(x), rtol=1e-12, atol=1e-10)  # nn.Module call


# -- the base classes -----------------------------------------------------------------------------


def test_the_base_classes_are_ebmcores() -> None:
    assert BaseModel is ebmcore.BaseModel and BaseEnergyFunction is ebmcore.BaseModel


def test_the_seed_idiom_of_a_subclass_with_no_arguments() -> None:
    class TwoLayer(BaseModel):  # the first seed page's MLPModel, written for (batch, dim)
        def __init__(self, input_dim: int, hidden_dim: int = 16) -> None:
            super().__init__()
            torch.manual_seed(0)
            self.network = nn.Sequential(
                nn.Linear(input_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 1)
            ).double()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.network(x).squeeze(-1)

    model = TwoLayer(input_dim=2)
    x = _points(2, n=6).reshape(2, 3, 2)
    assert model.energy(x).shape == (2, 3)
    torch.testing.assert_close(model.energy(x), model.network(x).squeeze(-1))
    torch.testing.assert_close(model.gradient(x), _autograd(lambda y: model.network(y).sum(-1), x))


def test_the_seed_idiom_of_an_overridden_score_is_the_analytic_path() -> None:
    class SineSquared(BaseEnergyFunction):  # the second seed page's custom energy
        def __init__(self, scale: float = 1.0) -> None:
            super().__init__()
            self.scale = scale
            self.calls = 0

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.scale * torch.sum(torch.sin(x) ** 2, dim=1)

        def score(self, x: torch.Tensor) -> torch.Tensor:
            self.calls += 1
            return -2 * self.scale * torch.sin(x) * torch.cos(x)

    model = SineSquared(scale=1.5)
    x = _points(3)
    expected = 1.5 * torch.sin(2.0 * x)  # d/dx 1.5 sin^2 x
    torch.testing.assert_close(model.gradient(x), expected)
    assert model.calls == 1 and ebmcore.resolve_backend(model, x) == "analytic"
    with ebmcore.use_backend("autograd"):
        torch.testing.assert_close(model.score(x), -expected)
    assert model.calls == 1


# -- analytic models: the seeds' arguments, closed forms -------------------------------------------


def test_gaussian_model_as_the_seed_builds_it() -> None:
    mean = torch.tensor([0.0, 0.0])
    covariance = torch.eye(2)
    gaussian_model = GaussianModel(mean, covariance)
    assert isinstance(gaussian_model, Gaussian) and isinstance(gaussian_model, BaseModel)
    _assert_energy(gaussian_model, lambda x: 0.5 * (x * x).sum(-1), 2)


def test_gaussian_model_with_a_full_covariance() -> None:
    mean = torch.tensor([1.0, -2.0, 0.5], dtype=F64)
    root = torch.tensor([[2.0, 0.0, 0.0], [0.5, 1.0, 0.0], [-0.3, 0.2, 0.7]], dtype=F64)
    cov = root @ root.T
    model = GaussianModel(mean, cov)
    precision = torch.linalg.inv(cov)

    def closed(x: torch.Tensor) -> torch.Tensor:
        c = x - mean
        return 0.5 * torch.einsum("bi,ij,bj->b", c, precision, c)

    _assert_energy(model, closed, 3)
    torch.testing.assert_close(model.cov, cov)
    torch.testing.assert_close(model.cov_inv, precision)
    log_z = 0.5 * 3 * math.log(TWO_PI) + 0.5 * math.log(float(torch.linalg.det(cov)))
    assert model.log_partition() == pytest.approx(log_z, rel=1e-12)


def test_gaussian_model_placement_keywords() -> None:
    model = GaussianModel(torch.zeros(2), torch.eye(2), dtype=torch.float32, device="cpu")
    assert {b.dtype for b in model.buffers()} == {torch.float32}
    x = torch.tensor([[1.0, 2.0]], dtype=F64)
    assert model.energy(x).dtype == F64  # inputs are never cast
    torch.testing.assert_close(model.energy(x), torch.tensor([2.5], dtype=F64))


def test_gaussian_energy_and_its_factories() -> None:
    model = GaussianEnergy(torch.tensor([1.0, 2.0]), torch.tensor([[1.0, 0.0], [0.0, 4.0]]))
    assert isinstance(model, GaussianModel)
    _assert_energy(model, lambda x: 0.5 * ((x[:, 0] - 1.0) ** 2 + (x[:, 1] - 2.0) ** 2 / 4.0), 2)
    standard = GaussianEnergy.create_standard_gaussian(4)
    assert type(standard) is GaussianEnergy and standard.dim == 4
    _assert_energy(standard, lambda x: 0.5 * (x * x).sum(-1), 4)
    with pytest.raises(ebmcore.InvalidParameterError, match="parameter 'dim' must be an integer >= 1, got 0"):
        GaussianEnergy.create_standard_gaussian(0)


def test_gaussian_from_samples_is_the_mean_and_the_regularized_covariance() -> None:
    generator = torch.Generator().manual_seed(3)
    samples = torch.randn(500, 3, generator=generator) @ torch.tensor(
        [[1.0, 0.3, 0.0], [0.0, 2.0, 0.5], [0.0, 0.0, 0.5]]
    ) + torch.tensor([1.0, -1.0, 2.0])
    fit = GaussianEnergy.from_samples(samples, regularization=1e-2)
    assert type(fit) is GaussianEnergy
    data = samples.double()
    mean = data.mean(0)
    centered = data - mean
    cov = centered.T @ centered / (len(data) - 1) + 1e-2 * torch.eye(3, dtype=F64)
    torch.testing.assert_close(fit.mean, mean, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(fit.cov, cov, rtol=1e-12, atol=1e-12)
    default = GaussianModel.from_samples(samples)  # regularization=1e-4
    torch.testing.assert_close(
        default.cov, cov - (1e-2 - 1e-4) * torch.eye(3, dtype=F64), rtol=1e-12, atol=1e-12
    )
    with pytest.raises(ebmcore.InvalidParameterError, match="parameter 'samples' must be an \\(n, d\\)"):
        GaussianEnergy.from_samples(torch.zeros(1, 3))
    with pytest.raises(ebmcore.InvalidParameterError, match="parameter 'regularization' must be"):
        GaussianEnergy.from_samples(samples, regularization=-1.0)


def test_double_well_model_as_the_seed_builds_it() -> None:
    double_well_model = DoubleWellModel(barrier_height=2.0)
    assert isinstance(double_well_model, DoubleWell) and double_well_model.dim == 2
    _assert_energy(double_well_model, lambda x: 2.0 * ((x * x - 1.0) ** 2).sum(-1), 2)
    model = DoubleWellModel(0.5, 1.5, dim=3)
    _assert_energy(model, lambda x: 0.5 * ((x * x - 2.25) ** 2).sum(-1), 3)
    assert (
        DoubleWellModel(0.5, -1.5, dim=3).config
        == model.config
        == {"dim": 3, "barrier_height": 0.5, "b": 1.5}
    )
    assert model.minima.count == 8


def test_the_seed_page_grid_evaluation_of_the_double_well() -> None:
    model = DoubleWellModel(barrier_height=2.0)
    t = torch.linspace(-2, 2, 100)
    grid_points = torch.stack(torch.meshgrid(t, t, indexing="xy"), -1).reshape(-1, 2)
    with torch.no_grad():
        energy_values = model(grid_points).numpy().reshape(100, 100)
    assert energy_values.shape == (100, 100) and energy_values.dtype.name == "float32"
    assert energy_values.min() >= 0.0 and energy_values.max() == pytest.approx(2.0 * 2 * 9.0)


def test_double_well_energy_maps_b_to_the_square_of_the_well_position() -> None:
    model = DoubleWellEnergy()  # a = 1, b = 2
    assert isinstance(model, DoubleWell) and model.barrier_height == 1.0 and model.b == math.sqrt(2.0)
    _assert_energy(model, lambda x: ((x * x - 2.0) ** 2).sum(-1), 2)
    model = DoubleWellEnergy(a=3.0, b=0.5, dim=4)
    _assert_energy(model, lambda x: 3.0 * ((x * x - 0.5) ** 2).sum(-1), 4)
    assert model.config == {"dim": 4, "barrier_height": 3.0, "b": math.sqrt(0.5)}
    assert DoubleWellEnergy(b=torch.tensor(4.0)).b == 2.0
    assert DoubleWellEnergy(b=0.0).minima.count == 1
    with pytest.raises(ebmcore.InvalidParameterError) as info:
        DoubleWellEnergy(b=-1.0)
    assert isinstance(info.value, ValueError)
    assert str(info.value).startswith("DoubleWellEnergy: parameter 'b' must be a finite real number >= 0")
    assert "sqrt(b)" in str(info.value) and str(info.value).endswith("got -1.0")
    with pytest.raises(ebmcore.InvalidParameterError, match="DoubleWellEnergy: parameter 'a' must be"):
        DoubleWellEnergy(a=0.0)


@pytest.mark.parametrize("cls", [RosenbrockModel, RosenbrockEnergy])
def test_rosenbrock_follows_torchebm_with_a(cls: type) -> None:
    model = cls()
    assert isinstance(model, Rosenbrock)

    def closed(a: float, b: float) -> Callable[[torch.Tensor], torch.Tensor]:
        return lambda x: (b * (x[:, 1:] - x[:, :-1] ** 2) ** 2 + (a - x[:, :-1]) ** 2).sum(-1)

    _assert_energy(model, closed(1.0, 100.0), 2)
    _assert_energy(cls(2.0, 5.0, dim=4), closed(2.0, 5.0), 4)
    assert cls(a=2.0, b=1.0).energy(torch.tensor([2.0, 4.0])).item() == 0.0


def test_ackley_rastrigin_harmonic_styblinski_tang() -> None:
    def ackley(a: float, b: float, c: float) -> Callable[[torch.Tensor], torch.Tensor]:
        def f(x: torch.Tensor) -> torch.Tensor:
            d = x.shape[-1]
            return (
                -a * torch.exp(-b * torch.sqrt((x * x).sum(-1) / d))
                - torch.exp(torch.cos(c * x).sum(-1) / d)
                + a
                + math.e
            )

        return f

    assert isinstance(AckleyModel(), Ackley)
    _assert_energy(AckleyModel(), ackley(20.0, 0.2, TWO_PI), 2)
    _assert_energy(AckleyModel(10.0, 0.5, 3.0, dim=5), ackley(10.0, 0.5, 3.0), 5)
    assert AckleyModel(dim=3).energy(torch.zeros(3)).item() == 0.0

    def rastrigin(a: float) -> Callable[[torch.Tensor], torch.Tensor]:
        return lambda x: a * x.shape[-1] + (x * x - a * torch.cos(TWO_PI * x)).sum(-1)

    assert isinstance(RastriginModel(), Rastrigin)
    _assert_energy(RastriginModel(), rastrigin(10.0), 2)
    _assert_energy(RastriginModel(a=3.0, dim=6), rastrigin(3.0), 6)

    assert isinstance(HarmonicModel(), Harmonic)
    _assert_energy(HarmonicModel(), lambda x: 0.5 * (x * x).sum(-1), 2)
    _assert_energy(HarmonicModel(k=4.0, dim=3), lambda x: 2.0 * (x * x).sum(-1), 3)
    assert HarmonicModel(k=4.0, dim=3).log_partition() == pytest.approx(1.5 * math.log(TWO_PI / 4.0))

    assert isinstance(StyblinskiTangModel(), StyblinskiTang)
    _assert_energy(StyblinskiTangModel(dim=3), lambda x: 0.5 * (x**4 - 16 * x**2 + 5 * x).sum(-1), 3)


def test_himmelblau_and_booth() -> None:
    assert isinstance(HimmelblauModel(), Himmelblau) and HimmelblauModel().dim == 2
    _assert_energy(
        HimmelblauModel(), lambda x: (x[:, 0] ** 2 + x[:, 1] - 11) ** 2 + (x[:, 0] + x[:, 1] ** 2 - 7) ** 2, 2
    )
    assert isinstance(BoothModel(), Booth)
    _assert_energy(
        BoothModel(), lambda x: (x[:, 0] + 2 * x[:, 1] - 7) ** 2 + (2 * x[:, 0] + x[:, 1] - 5) ** 2, 2
    )
    assert HimmelblauModel().minima.count == 4


# -- configs, state dicts, conformance ------------------------------------------------------------

ANALYTIC = {
    "GaussianModel": (
        lambda: GaussianModel(torch.tensor([1.0, 0.0]), torch.tensor([[2.0, 0.3], [0.3, 1.0]])),
        "analytic/gaussian",
    ),
    "GaussianEnergy": (lambda: GaussianEnergy.create_standard_gaussian(3), "analytic/gaussian"),
    "DoubleWellModel": (lambda: DoubleWellModel(barrier_height=2.0), "analytic/double_well"),
    "DoubleWellEnergy": (lambda: DoubleWellEnergy(a=1.0, b=2.0), "analytic/double_well"),
    "RosenbrockModel": (lambda: RosenbrockModel(1.0, 100.0, dim=3), "analytic/rosenbrock"),
    "RosenbrockEnergy": (lambda: RosenbrockEnergy(), "analytic/rosenbrock"),
    "AckleyModel": (lambda: AckleyModel(), "analytic/ackley"),
    "RastriginModel": (lambda: RastriginModel(a=10.0), "analytic/rastrigin"),
    "HarmonicModel": (lambda: HarmonicModel(k=2.0), "analytic/harmonic"),
    "HimmelblauModel": (lambda: HimmelblauModel(), "analytic/himmelblau"),
    "BoothModel": (lambda: BoothModel(), "analytic/booth"),
    "StyblinskiTangModel": (lambda: StyblinskiTangModel(dim=3), "analytic/styblinski_tang"),
}


def _composed() -> dict[str, tuple[Callable[[], ebmcore.BaseModel], str]]:
    return {
        "CompositeEnergy": (
            lambda: CompositeEnergy([HarmonicModel(), DoubleWellModel()], [1.0, 0.5], "sum"),
            "compose/composite",
        ),
        "MixtureEnergy": (
            lambda: MixtureEnergy(
                [
                    GaussianModel(torch.tensor([-1.0, 0.0]), torch.eye(2)),
                    GaussianModel(torch.tensor([1.0, 0.0]), torch.eye(2)),
                ]
            ),
            "compose/mixture",
        ),
        "SphericalEnergy": (
            lambda: SphericalEnergy(GaussianModel(torch.tensor([0.0, 0.0, 2.0]), torch.eye(3))),
            "constrained/spherical",
        ),
        "MLPEnergy": (lambda: MLPEnergy(2, [16, 16], nn.SiLU, seed=0), "neural/mlp"),
    }


BUILDERS = {**ANALYTIC, **_composed()}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_spec_rebuilds_the_registered_energy(name: str) -> None:
    build, registered = BUILDERS[name]
    model = build()
    assert model.registry_name == registered and model.spec["name"] == registered
    rebuilt = ebmcore.create(json.loads(json.dumps(model.spec)))
    assert type(rebuilt) is not type(model) and isinstance(model, type(rebuilt))
    assert rebuilt.registry_name == registered and rebuilt.config == model.config
    if any(True for _ in model.parameters()):
        rebuilt.load_state_dict(model.state_dict())
    x = _points(model.dim, n=8, scale=1.0)
    torch.testing.assert_close(rebuilt.energy(x), model.energy(x), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(rebuilt.gradient(x), model.gradient(x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_state_dict_pickle_and_deepcopy_round_trips(name: str) -> None:
    build, _ = BUILDERS[name]
    model = build()
    x = _points(model.dim, n=8, scale=1.0)
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    fresh = build()
    fresh.load_state_dict(torch.load(buffer, weights_only=True))
    for other in (fresh, pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        assert type(other) is type(model) and other.registry_name == model.registry_name
        torch.testing.assert_close(other.energy(x), model.energy(x), rtol=0, atol=0)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_conformance(name: str) -> None:
    check_energy(BUILDERS[name][0]())


def test_conformance_of_the_live_and_open_forms() -> None:
    # validate_args=False: a validating distribution raises on NaN (the kit checks NaN in, NaN out)
    normal = D.MultivariateNormal(torch.zeros(2, dtype=F64), torch.eye(2, dtype=F64), validate_args=False)
    check_energy(DensityModelEnergy(normal), dtypes=[F64])
    check_energy(CompositeEnergy([Quartic(), HarmonicModel(dim=3)], [1.0, 2.0]))
    check_energy(CompositeEnergy([Quartic(), Quartic()], operation="max"), dims=[2, 3])
    # torch's own prelu fails under vmap(jacfwd(...)) ("Trying to set a forward gradient that
    # has a different size"), with or without ebmcore: that one check is expected to fail
    check_energy(
        MLPEnergy(2, [8], nn.PReLU, seed=0),
        expected_failed_checks={"check_function_transforms": "torch's prelu under vmap of jacfwd"},
    )
    check_energy(MLPEnergy(2, [8], nn.Softplus(beta=2.0), seed=0))


# -- composed energies ------------------------------------------------------------------------------


def _harmonic(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * (x * x).sum(-1)


def _well(x: torch.Tensor) -> torch.Tensor:
    return 2.0 * ((x * x - 1.0) ** 2).sum(-1)


@pytest.mark.parametrize(
    ("operation", "combine"),
    [
        ("sum", lambda a, b: a + b),
        ("product", lambda a, b: a * b),
        ("min", torch.minimum),
        ("max", torch.maximum),
    ],
)
def test_composite_energy_with_the_seeds_arguments(
    operation: str, combine: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
) -> None:
    model = CompositeEnergy([HarmonicModel(), DoubleWellModel()], [1.5, 0.5], operation)
    assert isinstance(model, Composite) and model.operation == operation
    assert list(model.energy_functions) == list(model.components) and model.weights == [1.5, 0.5]
    _assert_energy(model, lambda x: combine(1.5 * _harmonic(x), 0.5 * _well(x)), 2)
    default = CompositeEnergy([HarmonicModel(), DoubleWellModel()])
    _assert_energy(default, lambda x: _harmonic(x) + _well(x), 2)
    weighted = CompositeEnergy([HarmonicModel(), DoubleWellModel()], torch.tensor([2.0, 3.0]))
    assert weighted.weights == [2.0, 3.0]


def test_composite_energy_operation_errors() -> None:
    with pytest.raises(ebmcore.InvalidParameterError) as info:
        CompositeEnergy([HarmonicModel()], operation="mean")
    assert isinstance(info.value, ValueError)
    assert "'operation' must be one of 'sum', 'product', 'min', 'max'" in str(info.value)
    with pytest.raises(ebmcore.InvalidParameterError, match="'weights' must be a list of 2 real numbers"):
        CompositeEnergy([HarmonicModel(), DoubleWellModel()], [1.0])


def test_composite_energy_of_a_component_without_arguments() -> None:
    model = CompositeEnergy([Quartic(), HarmonicModel(dim=3)], [2.0, 1.0])
    assert model.dim == 3 and model.registry_name is None
    _assert_energy(model, lambda x: 0.5 * (x**4).sum(-1) + _harmonic(x), 3)
    with pytest.raises(ebmcore.RegistrationError, match="Quartic recorded no constructor arguments"):
        model.spec  # noqa: B018
    open_model = CompositeEnergy([Quartic(), Quartic()], [1.0, 3.0], "min")
    assert open_model.event_shape is None
    _assert_energy(open_model, lambda x: 0.25 * (x**4).sum(-1), 5)


def test_mixture_energy_defaults_to_unit_weights_as_the_seed() -> None:
    components = [HarmonicModel(), DoubleWellModel()]
    model = MixtureEnergy(components)
    assert isinstance(model, Mixture) and model.weights == [1.0, 1.0]
    _assert_energy(model, lambda x: -torch.logsumexp(torch.stack([-_harmonic(x), -_well(x)]), 0), 2)
    weighted = MixtureEnergy(components, [0.2, 0.8])
    _assert_energy(
        weighted, lambda x: -torch.log(0.2 * torch.exp(-_harmonic(x)) + 0.8 * torch.exp(-_well(x))), 2
    )
    # log Z = log sum_k w_k Z_k
    z = math.exp(HarmonicModel().log_partition()) + math.exp(DoubleWellModel().log_partition())
    assert model.log_partition() == pytest.approx(math.log(z), rel=1e-10)
    with pytest.raises(ebmcore.InvalidParameterError, match="'weights' must be"):
        MixtureEnergy(components, [0.0, 1.0])


def test_spherical_energy_with_the_seeds_argument() -> None:
    mean = torch.tensor([0.0, 0.0, 2.0], dtype=F64)
    base = GaussianModel(mean, torch.eye(3))
    model = SphericalEnergy(base)
    assert isinstance(model, Spherical) and model.base_energy is base is model.base

    def closed(x: torch.Tensor) -> torch.Tensor:
        u = x / x.norm(dim=-1, keepdim=True)
        return 0.5 * ((u - mean) ** 2).sum(-1)

    _assert_energy(model, closed, 3)


def test_density_model_energy_with_the_seeds_argument() -> None:
    loc = torch.tensor([1.0, -1.0], dtype=F64)
    cov = torch.tensor([[2.0, 0.5], [0.5, 1.0]], dtype=F64)
    normal = D.MultivariateNormal(loc, cov)
    model = DensityModelEnergy(normal)
    assert isinstance(model, Density) and model.density_model is normal and model.dim == 2
    precision = torch.linalg.inv(cov)
    log_norm = math.log(TWO_PI) + 0.5 * math.log(float(torch.linalg.det(cov)))

    def closed(x: torch.Tensor) -> torch.Tensor:
        c = x - loc
        return 0.5 * torch.einsum("bi,ij,bj->b", c, precision, c) + log_norm

    _assert_energy(model, closed, 2)
    assert model.log_partition() == 0.0 and model.registry_name is None
    with pytest.raises(
        ebmcore.RegistrationError, match="Density of a live MultivariateNormal object has no config"
    ):
        model.spec  # noqa: B018


def test_density_model_energy_of_an_object_without_event_shape_fits_any_dimension() -> None:
    class Laplace(nn.Module):
        def log_prob(self, x: torch.Tensor) -> torch.Tensor:
            return -x.abs().sum(-1) - x.shape[-1] * math.log(2.0)

    model = DensityModelEnergy(Laplace())
    assert model.event_shape is None
    for d in (1, 3):
        x = _points(d, seed=d)
        torch.testing.assert_close(model.energy(x), x.abs().sum(-1) + d * math.log(2.0))
        torch.testing.assert_close(model.gradient(x), torch.sign(x))
    assert DensityModelEnergy(Laplace(), dim=3).event_shape == (3,)


def _mlp_by_hand(model: MLP, x: torch.Tensor, act: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
    h = x
    for i in range(model.num_layers):
        h = (
            h @ getattr(model, f"weight_{i}").detach().double().T
            + getattr(model, f"bias_{i}").detach().double()
        )
        if i < model.num_layers - 1:
            h = act(h)
    return h[:, 0]


@pytest.mark.parametrize(
    ("activation", "function", "name"),
    [
        (nn.SiLU, torch.nn.functional.silu, "silu"),
        (nn.ReLU, torch.relu, "relu"),
        (nn.Tanh(), torch.tanh, "tanh"),
        ("softplus", torch.nn.functional.softplus, "softplus"),
    ],
)
def test_mlp_energy_with_the_seeds_arguments(activation: object, function: Callable, name: str) -> None:
    model = MLPEnergy(3, [16, 8], activation, seed=2)
    assert isinstance(model, MLP) and model.config["activation"] == name
    x = _points(3, scale=1.0)
    torch.testing.assert_close(model.energy(x), _mlp_by_hand(model, x, function), rtol=1e-12, atol=1e-12)
    leaf = x.clone().requires_grad_(True)
    (reference,) = torch.autograd.grad(model(leaf).sum(), leaf)
    torch.testing.assert_close(model.gradient(x), reference)
    default = MLPEnergy(input_dim=2, hidden_dims=[4])
    assert default.config["activation"] == "silu" and isinstance(default.config["seed"], int)
    assert MLPEnergy(2, [4], dtype=F64).weight_0.dtype == F64


def test_mlp_energy_with_another_activation_module_has_no_config() -> None:
    model = MLPEnergy(2, [8], nn.PReLU, seed=0)
    assert model.registry_name is None and isinstance(model.activation, nn.PReLU)
    with pytest.raises(ebmcore.RegistrationError, match="cannot be written to JSON"):
        model.config  # noqa: B018
    x = _points(2, scale=1.0).float()
    leaf = x.clone().requires_grad_(True)
    (reference,) = torch.autograd.grad(model(leaf).sum(), leaf)
    torch.testing.assert_close(model.gradient(x), reference)


# -- the package -----------------------------------------------------------------------------------


def test_the_package_adds_nothing_to_the_catalog() -> None:
    assert all(not name.startswith("torchebm/") for name in ebmcore.list_energies())
    assert "torchebm" not in {p.name for p in ebmcore.plugins()}
    code = (
        "import sys, ebmcore_torchebm; assert 'torch' not in sys.modules; "
        "assert sorted(ebmcore_torchebm.__all__) == ebmcore_torchebm.__all__"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
