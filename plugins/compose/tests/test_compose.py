"""Tests of the compose plugin: closed forms, autograd, quadrature, exact samples, configs."""

from __future__ import annotations

import copy
import io
import json
import math
import pickle

import numpy as np
import pytest
import torch
from ebmcore_compose import Annealed, Composite, Mixture, Tempered, Transformed
from scipy import integrate, stats

import ebmcore

NAMES = ebmcore.list_energies(plugin="compose")
F64 = torch.float64


def _points(model: ebmcore.BaseModel, n: int = 64, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return 2.0 * torch.randn(n, *model.event_shape, generator=generator, dtype=F64)


def _reference(model: ebmcore.BaseModel, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    with ebmcore.use_backend("autograd"):
        return model.energy_and_gradient(x)


def _log_z_2d(model: ebmcore.BaseModel, low: float, high: float, cells: int = 600) -> float:
    """log of the trapezoid integral of exp(-E) over the square [low, high]^2."""
    t = torch.linspace(low, high, cells + 1, dtype=F64)
    grid = torch.stack(torch.meshgrid(t, t, indexing="ij"), -1)
    density = torch.exp(-model.energy(grid)).numpy()
    step = float(t[1] - t[0])
    return math.log(np.trapezoid(np.trapezoid(density, dx=step), dx=step))


def _log_z_1d(model: ebmcore.BaseModel, low: float, high: float) -> float:
    def f(t: float) -> float:
        return math.exp(-model.energy(torch.tensor([t], dtype=F64)).item())

    value, _ = integrate.quad(f, low, high, limit=200, epsabs=0, epsrel=1e-12)
    return math.log(value)


# -- every registered energy ----------------------------------------------------------------


def test_plugin_registers_its_energies() -> None:
    assert NAMES == ["annealed", "composite", "mixture", "tempered", "transformed"]


@pytest.mark.parametrize("name", NAMES)
def test_default_construction_and_spec_round_trip(name: str) -> None:
    model = ebmcore.create(name)
    spec = json.loads(json.dumps(model.spec))
    assert spec["name"] == f"compose/{name}"
    rebuilt = ebmcore.create(spec)
    assert rebuilt.spec == spec
    x = _points(model)
    assert torch.equal(rebuilt.energy(x), model.energy(x))


@pytest.mark.parametrize("name", NAMES)
def test_analytic_gradient_matches_autograd(name: str) -> None:
    model = ebmcore.create(name)
    x = _points(model)
    assert ebmcore.resolve_backend(model, x) == "analytic"
    energy, grad = model.energy_and_gradient(x)
    ref_energy, ref_grad = _reference(model, x)
    torch.testing.assert_close(energy, ref_energy, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(grad, ref_grad, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(model.gradient(x), ref_grad, rtol=1e-10, atol=1e-12)
    assert not grad.requires_grad


@pytest.mark.parametrize("name", NAMES)
def test_create_graph_is_differentiable_and_equals_autograd(name: str) -> None:
    model = ebmcore.create(name)
    x = _points(model, n=8).requires_grad_(True)
    v = torch.randn(x.shape, generator=torch.Generator().manual_seed(1), dtype=F64)
    grad = model.gradient(x, create_graph=True)
    assert grad.requires_grad
    (hvp,) = torch.autograd.grad((grad * v).sum(), x)
    with ebmcore.use_backend("autograd"):
        ref = model.gradient(x, create_graph=True)
    (ref_hvp,) = torch.autograd.grad((ref * v).sum(), x)
    torch.testing.assert_close(grad, ref, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(hvp, ref_hvp, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_shapes_dtypes_and_copies(name: str) -> None:
    model = ebmcore.create(name)
    x = _points(model, n=12).reshape(3, 4, model.dim)
    energy = model.energy(x)
    assert energy.shape == (3, 4) and energy.dtype == F64
    assert model.energy(x[0, 0]).shape == ()
    e32, g32 = model.energy_and_gradient(x.float())
    assert e32.dtype == torch.float32 and g32.dtype == torch.float32
    torch.testing.assert_close(e32, energy.float(), rtol=1e-4, atol=1e-4)
    for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert torch.equal(clone.energy(x), energy)
        assert clone.spec == model.spec
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    fresh = ebmcore.create(model.spec)
    fresh.load_state_dict(torch.load(buffer))
    assert torch.equal(fresh.energy(x), energy)
    assert x.grad is None


@pytest.mark.parametrize("name", NAMES)
def test_log_partition_of_defaults_matches_quadrature(name: str) -> None:
    model = ebmcore.create(name)
    log_z = model.log_partition()
    assert log_z is not None, "every default of this plugin has a known log partition function"
    assert model.dim == 2
    assert _log_z_2d(model, -12.0, 12.0) == pytest.approx(log_z, abs=1e-6)


# -- mixture ---------------------------------------------------------------------------------

MEANS = [[-1.0, 2.0], [3.0, 0.5], [0.0, -3.0]]
COVS = [[[1.0, 0.3], [0.3, 0.5]], [[0.4, 0.0], [0.0, 2.0]], [[2.0, -0.8], [-0.8, 1.0]]]
WEIGHTS = [0.2, 1.5, 0.7]


def _gmm() -> Mixture:
    components = [{"name": "gaussian", "mean": m, "cov": c} for m, c in zip(MEANS, COVS, strict=True)]
    return ebmcore.create("mixture", components=components, weights=WEIGHTS)


def test_issue_example_exactly_as_written() -> None:
    model = ebmcore.create(
        "mixture", components=["gaussian", {"name": "gaussian", "mean": [3.0, 3.0]}], weights=[0.3, 0.7]
    )
    assert model.dim == 2
    assert [c.dim for c in model.components] == [2, 2]
    x = torch.tensor([[0.0, 0.0], [3.0, 3.0], [1.0, -2.0]], dtype=F64)
    e0, e1 = 0.5 * (x * x).sum(-1), 0.5 * ((x - 3.0) ** 2).sum(-1)
    expected = -torch.log(0.3 * torch.exp(-e0) + 0.7 * torch.exp(-e1))
    torch.testing.assert_close(model.energy(x), expected, rtol=1e-14, atol=0)
    spec = json.loads(json.dumps(model.config))
    assert spec["components"][0] == {"name": "analytic/gaussian", "dim": 2, "mean": None, "cov": None}
    assert torch.equal(ebmcore.create("mixture", **spec).energy(x), model.energy(x))


def test_mixture_density_and_log_partition_against_scipy() -> None:
    model = _gmm()
    log_zs = [stats.multivariate_normal(m, c).logpdf(m) * -1 for m, c in zip(MEANS, COVS, strict=True)]
    expected_log_z = math.log(sum(w * math.exp(lz) for w, lz in zip(WEIGHTS, log_zs, strict=True)))
    assert model.log_partition() == pytest.approx(expected_log_z, rel=1e-13)
    # the normalized density is the mixture with proportions w_k Z_k / sum_j w_j Z_j
    proportions = np.array([w * math.exp(lz) for w, lz in zip(WEIGHTS, log_zs, strict=True)])
    proportions /= proportions.sum()
    torch.testing.assert_close(model.mixture_proportions(), torch.from_numpy(proportions), rtol=1e-13, atol=0)
    x = _points(model, n=200)
    pdf = sum(
        p * stats.multivariate_normal(m, c).pdf(x.numpy())
        for p, m, c in zip(proportions, MEANS, COVS, strict=True)
    )
    density = torch.exp(-model.energy(x) - model.log_partition())
    np.testing.assert_allclose(density.numpy(), pdf, rtol=1e-11, atol=1e-300)
    assert _log_z_2d(model, -14.0, 14.0, cells=800) == pytest.approx(model.log_partition(), abs=1e-6)


def test_mixture_samples_follow_the_density() -> None:
    model = _gmm()
    samples = model.sample(4000, generator=torch.Generator().manual_seed(3))
    assert samples.shape == (4000, 2) and samples.dtype == F64
    proportions = model.mixture_proportions().numpy()
    for direction in ([1.0, 0.0], [0.0, 1.0], [0.6, -0.8]):
        a = np.array(direction)

        def cdf(t: np.ndarray, a: np.ndarray = a) -> np.ndarray:
            return sum(
                p * stats.norm.cdf(t, a @ np.array(m), math.sqrt(a @ np.array(c) @ a))
                for p, m, c in zip(proportions, MEANS, COVS, strict=True)
            )

        assert stats.kstest(samples.numpy() @ a, cdf).pvalue > 1e-3
    # the samples are i.i.d. in order, not grouped by component
    first, second = samples[:2000, 0].numpy(), samples[2000:, 0].numpy()
    assert stats.ks_2samp(first, second).pvalue > 1e-3


def test_mixture_proportions_differ_from_weights_when_normalizers_differ() -> None:
    wide = {"name": "gaussian", "mean": [0.0], "cov": 100.0}
    model = ebmcore.create("mixture", components=["gaussian", wide], weights=[0.5, 0.5])
    # Z_wide = 10 Z_narrow, so the wide component holds 10/11 of the mass
    torch.testing.assert_close(model.mixture_proportions(), torch.tensor([1 / 11, 10 / 11], dtype=F64))
    samples = model.sample(20000, generator=torch.Generator().manual_seed(0))
    assert (samples.abs() > 5).double().mean().item() == pytest.approx(
        10 / 11 * 2 * stats.norm.sf(0.5), abs=0.01
    )


def test_mixture_is_stable_in_float32_for_energies_1e4_apart() -> None:
    far = {"name": "gaussian", "mean": [141.5, 0.0]}
    model = ebmcore.create("mixture", components=["gaussian", far], weights=[0.5, 0.5])
    x = torch.tensor([[0.0, 0.0], [141.5, 0.0], [-141.5, 0.0], [70.0, 141.0], [300.0, 0.0]])
    energies = torch.stack([c.energy(x) for c in model.components], -1)
    assert energies[0, 1] > 1e4 and energies[2].min() > 1e4 and energies[4].min() > 1e4
    for backend in ("auto", "autograd"):
        with ebmcore.use_backend(backend):
            energy, grad = model.energy_and_gradient(x)
        assert energy.dtype == torch.float32
        assert torch.isfinite(energy).all() and torch.isfinite(grad).all()
        ref_energy, ref_grad = model.energy_and_gradient(x.double())
        torch.testing.assert_close(energy.double(), ref_energy, rtol=1e-6, atol=1e-3)
        torch.testing.assert_close(grad.double(), ref_grad, rtol=1e-5, atol=1e-3)
    # far from both components the mixture is the nearer one plus log 2
    assert energy[4].item() == pytest.approx(0.5 * (300.0 - 141.5) ** 2 + math.log(2.0), rel=1e-6)
    # the naive formula overflows to inf there
    naive = -torch.log((0.5 * torch.exp(-energies)).sum(-1))
    assert torch.isinf(naive[4])


@pytest.mark.parametrize("weights", [[0.5, -0.5], [0.0, 0.0], [1.0, float("nan")], [1.0]])
def test_mixture_rejects_bad_weights(weights: list[float]) -> None:
    with pytest.raises(ebmcore.InvalidParameterError, match="'weights'") as info:
        ebmcore.create("mixture", weights=weights)
    assert isinstance(info.value, ValueError)


def test_mixture_without_component_normalizers_reports_none() -> None:
    model = ebmcore.create("mixture", components=["gaussian", "holder_table"], dim=2)  # no finite mass
    assert model.log_partition() is None and model.mixture_proportions() is None
    with pytest.raises(NotImplementedError, match="every component knows log_partition"):
        model.sample(5)
    torch.testing.assert_close(model.bounds, torch.tensor([[-10.0, -10.0], [10.0, 10.0]], dtype=F64))


def test_mixture_minima_only_where_proved() -> None:
    assert _gmm().minima is None
    assert ebmcore.create("mixture").minima is None  # separated modes are not guessed
    single = ebmcore.create("mixture", components=[{"name": "gaussian", "mean": [1.0, 2.0]}], weights=[0.25])
    assert torch.equal(single.minima.points, torch.tensor([[1.0, 2.0]], dtype=F64))
    assert single.minima.value == pytest.approx(math.log(4.0))
    assert single.energy(torch.tensor([1.0, 2.0], dtype=F64)).item() == pytest.approx(math.log(4.0))
    shared = ebmcore.create("mixture", components=[{"name": "gaussian", "dim": 2, "cov": 4.0}, "gaussian"])
    assert torch.equal(shared.minima.points, torch.zeros(1, 2, dtype=F64))
    assert shared.minima.value == pytest.approx(shared.energy(torch.zeros(2, dtype=F64)).item(), rel=1e-14)


# -- composite -------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", ["sum", "product", "min", "max"])
def test_composite_operations(operation: str) -> None:
    components = ["double_well", {"name": "rosenbrock", "dim": 2}, {"name": "gaussian", "mean": [0.5, -0.5]}]
    weights = [1.5, 0.01, -2.0]
    model = ebmcore.create("composite", components=components, weights=weights, operation=operation)
    x = _points(model, n=100)
    terms = torch.stack([w * c.energy(x) for w, c in zip(weights, model.components, strict=True)], -1)
    expected = {
        "sum": terms.sum(-1),
        "product": terms.prod(-1),
        "min": terms.amin(-1),
        "max": terms.amax(-1),
    }[operation]
    torch.testing.assert_close(model.energy(x), expected, rtol=1e-14, atol=0)
    energy, grad = model.energy_and_gradient(x)
    ref_energy, ref_grad = _reference(model, x)
    # a component's fused energy may differ from its forward by an ulp, and a weighted sum can
    # cancel to far below its terms: bound the error by the terms' magnitudes
    scale = terms.abs().sum(-1) if operation == "sum" else expected.abs()
    assert ((energy - ref_energy).abs() <= 1e-14 * scale).all()
    torch.testing.assert_close(grad, ref_grad, rtol=1e-10, atol=1e-10)
    x.requires_grad_(True)
    hvp = torch.autograd.grad(model.gradient(x, create_graph=True).sum(), x)[0]
    with ebmcore.use_backend("autograd"):
        ref_hvp = torch.autograd.grad(model.gradient(x, create_graph=True).sum(), x)[0]
    torch.testing.assert_close(hvp, ref_hvp, rtol=1e-10, atol=1e-10)


def test_composite_product_gradient_with_a_zero_factor() -> None:
    model = ebmcore.create("composite", components=["gaussian", "double_well"], operation="product", dim=2)
    x = torch.tensor([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0]], dtype=F64)  # first factor or second is 0
    torch.testing.assert_close(model.gradient(x), _reference(model, x)[1], rtol=1e-12, atol=1e-14)


def test_composite_sum_of_gaussians_is_a_gaussian() -> None:
    a = {"name": "gaussian", "mean": [1.0, 0.0], "cov": [[1.0, 0.5], [0.5, 2.0]]}
    b = {"name": "gaussian", "mean": [-1.0, 2.0], "cov": [0.5, 3.0]}
    model = ebmcore.create("composite", components=[a, b], weights=[0.7, 1.3])
    log_z = model.log_partition()
    assert log_z is not None
    assert _log_z_2d(model, -10.0, 10.0) == pytest.approx(log_z, abs=1e-8)
    # minimum: where the gradient vanishes, with the energy there as value
    minima = model.minima
    point = minima.points[0]
    assert model.gradient(point).abs().max() < 1e-12
    assert minima.value == pytest.approx(model.energy(point).item(), rel=1e-12)
    # exact samples: precision-weighted Gaussian
    samples = model.sample(3000, generator=torch.Generator().manual_seed(5))
    equivalent, _ = model.closed_form()
    cov = equivalent.scale_tril @ equivalent.scale_tril.T
    for a_dir in (torch.tensor([1.0, 0.0], dtype=F64), torch.tensor([0.6, 0.8], dtype=F64)):
        sd = math.sqrt(a_dir @ cov @ a_dir)
        assert stats.kstest((samples @ a_dir).numpy(), stats.norm(float(a_dir @ point), sd).cdf).pvalue > 1e-3


def test_composite_reports_no_guessed_ground_truth() -> None:
    model = ebmcore.create("composite", components=["gaussian", "double_well"], dim=2)
    assert model.log_partition() is None and model.minima is None
    with pytest.raises(NotImplementedError):
        model.sample(3)
    torch.testing.assert_close(model.bounds, torch.tensor([[-5.0, -5.0], [5.0, 5.0]], dtype=F64))
    shared = ebmcore.create("composite", components=["double_well", "double_well"], weights=[1.0, 2.0], dim=2)
    assert shared.minima.count == 4 and shared.minima.value == 0.0


def test_composite_errors_name_the_parameter() -> None:
    with pytest.raises(ebmcore.InvalidParameterError, match=r"did you mean 'product'\?"):
        ebmcore.create("composite", operation="prod")
    with pytest.raises(ebmcore.InvalidParameterError, match=r"'weights'.*a list of 2 real numbers"):
        ebmcore.create("composite", weights=[1.0, 2.0, 3.0])
    with pytest.raises(ebmcore.InvalidParameterError, match=r"'components'.*non-empty list"):
        ebmcore.create("composite", components=[])
    with pytest.raises(ebmcore.InvalidParameterError, match=r"'components' must be None or a non-empty list"):
        ebmcore.create("composite", components=["gaussian", 3])
    with pytest.raises(ebmcore.InvalidParameterError, match=r"'base' must be None, a registered name"):
        ebmcore.create("tempered", base=1.5)
    with pytest.raises(
        ebmcore.InvalidParameterError, match=r"'components\[0\]' .*Did you mean 'gaussian'\?"
    ) as info:
        ebmcore.create("composite", components=["gausian"], dim=2)
    assert isinstance(info.value.__cause__, ebmcore.EnergyNotFoundError)


def test_mismatched_dimensions_name_each_component() -> None:
    message = (
        r"components\[0\] 'analytic/gaussian' has dim 3, components\[1\] 'analytic/double_well' has dim 2"
    )
    with pytest.raises(ebmcore.InvalidParameterError, match=message) as info:
        ebmcore.create("mixture", components=[{"name": "gaussian", "dim": 3}, {"name": "double_well"}])
    assert isinstance(info.value, ValueError)
    with pytest.raises(ebmcore.InvalidParameterError, match="dim=4"):
        ebmcore.create("composite", components=["gaussian", {"name": "gaussian", "dim": 3}], dim=4)
    with pytest.raises(ebmcore.InvalidParameterError, match="initial 'analytic/gaussian' has dim 2"):
        ebmcore.create("annealed", initial={"name": "gaussian"}, target={"name": "double_well", "dim": 3})


def test_bare_names_adopt_the_dimension_others_fix() -> None:
    model = ebmcore.create(
        "composite", components=["gaussian", "double_well", {"name": "rosenbrock", "dim": 5}]
    )
    assert [c.dim for c in model.components] == [5, 5, 5]
    assert ebmcore.create("composite", components=["gaussian", "double_well"], dim=3).dim == 3


def test_nested_configs_round_trip_through_json() -> None:
    inner = ebmcore.create(
        "transformed", base="double_well", matrix=[[1.0, 0.5], [0.0, 2.0]], shift=[0.1, 0.2]
    )
    model = ebmcore.create(
        "mixture",
        components=[
            {"name": "tempered", "base": inner, "temperature": 3.0},
            {"name": "annealed", "initial": "gaussian", "target": "rosenbrock", "beta": 0.3, "dim": 2},
            Composite(components=["gaussian", "double_well"], operation="max", dim=2),
        ],
        weights=[1.0, 2.0, 3.0],
    )
    text = json.dumps(model.spec)
    rebuilt = ebmcore.create(json.loads(text))
    assert json.dumps(rebuilt.spec) == text
    x = _points(model)
    assert torch.equal(rebuilt.energy(x), model.energy(x))
    assert torch.equal(rebuilt.gradient(x), model.gradient(x))
    # a model built from its class gets its registry name by reverse lookup
    assert Mixture().spec["name"] == "compose/mixture"


def test_components_follow_to_and_state_dict() -> None:
    model = _gmm()
    names = set(model.state_dict())
    assert {"components.0.loc", "components.2.scale_tril", "log_weights"} <= names
    model.to(torch.float32)
    assert model.components[0].loc.dtype == torch.float32


# -- tempered ---------------------------------------------------------------------------------


def test_tempered_gaussian_has_exact_log_partition_and_samples() -> None:
    base = {"name": "gaussian", "mean": [1.0, -1.0], "cov": [[2.0, 0.6], [0.6, 1.0]]}
    model = ebmcore.create("tempered", base=base, temperature=2.5)
    x = _points(model)
    torch.testing.assert_close(model.energy(x), model.base.energy(x) / 2.5, rtol=1e-15, atol=0)
    expected = model.base.log_partition() + 0.5 * 2 * math.log(2.5)
    assert model.log_partition() == pytest.approx(expected, rel=1e-13)
    assert _log_z_2d(model, -14.0, 14.0) == pytest.approx(expected, abs=1e-7)
    samples = model.sample(3000, generator=torch.Generator().manual_seed(2)).numpy()
    cov = 2.5 * np.array([[2.0, 0.6], [0.6, 1.0]])
    for a in (np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([0.8, 0.6])):
        dist = stats.norm(a @ np.array([1.0, -1.0]), math.sqrt(a @ cov @ a))
        assert stats.kstest(samples @ a, dist.cdf).pvalue > 1e-3
    assert model.minima.value == 0.0
    assert torch.equal(model.minima.points, torch.tensor([[1.0, -1.0]], dtype=F64))


def test_tempered_double_well_and_nested_tempering() -> None:
    well = ebmcore.create("double_well", dim=1, barrier_height=3.0)
    model = ebmcore.create("tempered", base=well, temperature=1.5)
    assert model.log_partition() == pytest.approx(_log_z_1d(model, -6.0, 6.0), abs=1e-9)
    twice = ebmcore.create("tempered", base=model, temperature=2.0)
    assert twice.log_partition() == pytest.approx(_log_z_1d(twice, -8.0, 8.0), abs=1e-9)
    assert twice.minima.count == 2
    samples = twice.sample(3000, generator=torch.Generator().manual_seed(4))[:, 0].numpy()
    grid = torch.linspace(-8.0, 8.0, 200_001, dtype=F64)
    density = torch.exp(-twice.energy(grid[:, None]) - twice.log_partition()).numpy()
    cdf = integrate.cumulative_trapezoid(density, grid.numpy(), initial=0.0)
    assert cdf[-1] == pytest.approx(1.0, abs=1e-9)
    assert stats.kstest(samples, lambda t: np.interp(t, grid.numpy(), cdf)).pvalue > 1e-3


def test_tempered_unknown_truth_stays_unknown() -> None:
    model = ebmcore.create("tempered", base="rosenbrock", temperature=3.0, dim=2)
    assert model.log_partition() is None
    with pytest.raises(NotImplementedError):
        model.sample(2)
    assert model.minima.value == 0.0  # base minimum 0, divided by T
    with pytest.raises(ebmcore.InvalidParameterError, match="'temperature'"):
        ebmcore.create("tempered", temperature=0.0)


def test_temperature_and_beta_are_assignable() -> None:
    model = ebmcore.create("tempered")
    model.temperature = 5.0
    assert model.config["temperature"] == 5.0
    assert ebmcore.create(model.spec).temperature == 5.0
    with pytest.raises(ebmcore.InvalidParameterError, match="'temperature'"):
        model.temperature = -1.0
    path = ebmcore.create("annealed")
    with pytest.raises(ebmcore.InvalidParameterError, match=r"'beta' must be a real number in \[0.0, 1.0\]"):
        path.beta = 1.5


# -- annealed ---------------------------------------------------------------------------------


def test_annealed_endpoints_are_exact() -> None:
    path = ebmcore.create("annealed")
    x = _points(path)
    for beta, end in ((0.0, path.initial), (1.0, path.target)):
        path.beta = beta
        assert torch.equal(path.energy(x), end.energy(x))
        assert torch.equal(path.gradient(x), end.gradient(x))
        assert path.log_partition() == end.log_partition()
        if end.minima is None:
            assert path.minima is None
        else:
            assert path.minima.value == end.minima.value and torch.equal(
                path.minima.points, end.minima.points
            )
    path.beta = 0.25
    torch.testing.assert_close(path.energy(x), 0.75 * path.initial.energy(x) + 0.25 * path.target.energy(x))


def test_annealed_gaussian_path_matches_quadrature_and_samples() -> None:
    start = {"name": "gaussian", "mean": [0.0, 0.0], "cov": 9.0}
    end = {"name": "gaussian", "mean": [2.0, -1.0], "cov": [[0.5, 0.2], [0.2, 0.3]]}
    path = Annealed(initial=start, target=end, beta=0.4)
    log_z = path.log_partition()
    assert log_z == pytest.approx(_log_z_2d(path, -12.0, 12.0), abs=1e-8)
    minimum = path.minima
    assert path.gradient(minimum.points[0]).abs().max() < 1e-12
    assert minimum.value == pytest.approx(path.energy(minimum.points[0]).item(), abs=1e-13)
    samples = path.sample(3000, generator=torch.Generator().manual_seed(8))
    # E(x) - min E = (x - m)^T P (x - m) / 2 is chi-square(2) / 2 under exact samples
    excess = 2.0 * (path.energy(samples) - minimum.value)
    assert stats.kstest(excess.numpy(), stats.chi2(2).cdf).pvalue > 1e-3


def test_annealed_default_path_is_exact_everywhere() -> None:
    path = ebmcore.create("annealed", dim=3)
    assert path.initial.config == {"dim": 3, "mean": None, "cov": 4.0}
    for beta in (0.0, 0.3, 0.9, 1.0):
        path.beta = beta
        # along a Gaussian path the precision is (1 - beta) / 4 + 4 beta per coordinate
        precision = (1.0 - beta) / 4.0 + 4.0 * beta
        mean = 4.0 * beta * 2.0 / precision
        value = 0.5 * 3 * ((1.0 - beta) / 4.0 * mean**2 + 4.0 * beta * (mean - 2.0) ** 2)
        expected = 1.5 * math.log(2 * math.pi / precision) - value
        assert path.log_partition() == pytest.approx(expected, rel=1e-12)
    only_target = ebmcore.create("annealed", target={"name": "double_well", "dim": 3})
    assert only_target.initial.config == {"dim": 3, "mean": None, "cov": 4.0}


def test_annealed_double_wells_share_their_minima() -> None:
    path = ebmcore.create(
        "annealed", initial="double_well", target={"name": "double_well", "dim": 2, "barrier_height": 5.0}
    )
    assert path.minima.count == 4 and path.minima.value == 0.0
    assert path.log_partition() == pytest.approx(_log_z_2d(path, -3.0, 3.0), abs=1e-8)


# -- transformed ------------------------------------------------------------------------------

MATRIX = [[2.0, 0.5], [-0.3, 0.8]]
SHIFT = [1.0, -2.0]


def test_transformed_energy_gradient_and_convention() -> None:
    model = ebmcore.create("transformed", base="rosenbrock", matrix=MATRIX, shift=SHIFT)
    x = _points(model)
    a = torch.tensor(MATRIX, dtype=F64)
    y = x @ a.T + torch.tensor(SHIFT, dtype=F64)
    torch.testing.assert_close(model.energy(x), model.base.energy(y), rtol=1e-15, atol=0)
    torch.testing.assert_close(model.gradient(x), model.base.gradient(y) @ a, rtol=1e-12, atol=0)
    minima = model.minima
    torch.testing.assert_close(minima.points @ a.T + torch.tensor(SHIFT, dtype=F64), model.base.minima.points)
    assert minima.value == model.base.minima.value
    bounds = model.bounds
    corners = torch.tensor([[-5.0, -5.0], [-5.0, 10.0], [10.0, -5.0], [10.0, 10.0]], dtype=F64)
    preimage = model.inverse_map(corners)
    assert torch.allclose(bounds[0], preimage.amin(0)) and torch.allclose(bounds[1], preimage.amax(0))


@pytest.mark.parametrize(
    "kwargs", [{"matrix": MATRIX, "shift": SHIFT}, {"scale": [0.5, -3.0], "shift": 2.0}, {"scale": 1.7}]
)
def test_transformed_gaussian_log_partition_and_samples(kwargs: dict) -> None:
    base = {"name": "gaussian", "mean": [0.5, 1.0], "cov": [[1.0, 0.4], [0.4, 2.0]]}
    model = ebmcore.create("transformed", base=base, **kwargs)
    a = model.linear if not model.diagonal else torch.diag(model.linear)
    assert model.log_partition() == pytest.approx(
        model.base.log_partition() - math.log(abs(torch.linalg.det(a).item())), rel=1e-13
    )
    assert _log_z_2d(model, -15.0, 15.0, cells=900) == pytest.approx(model.log_partition(), abs=1e-6)
    # X = A^-1 (Y - b) with Y ~ N(mu, S): N(A^-1 (mu - b), A^-1 S A^-T)
    inverse = torch.linalg.inv(a)
    mean = inverse @ (torch.tensor([0.5, 1.0], dtype=F64) - model.offset)
    cov = inverse @ torch.tensor([[1.0, 0.4], [0.4, 2.0]], dtype=F64) @ inverse.T
    samples = model.sample(3000, generator=torch.Generator().manual_seed(6))
    for direction in ([1.0, 0.0], [0.0, 1.0], [0.6, 0.8]):
        d = torch.tensor(direction, dtype=F64)
        dist = stats.norm(float(d @ mean), math.sqrt(float(d @ cov @ d)))
        assert stats.kstest((samples @ d).numpy(), dist.cdf).pvalue > 1e-3


def test_transformed_gaussian_closed_form_feeds_nested_sums() -> None:
    rotated = {"name": "transformed", "base": "gaussian", "matrix": MATRIX, "shift": SHIFT}
    model = ebmcore.create("composite", components=[rotated, {"name": "gaussian", "cov": [4.0, 0.25]}])
    assert _log_z_2d(model, -10.0, 10.0) == pytest.approx(model.log_partition(), abs=1e-8)
    inner = model.components[0]
    equivalent, offset = inner.closed_form()
    x = _points(model)
    torch.testing.assert_close(equivalent.energy(x) + offset, inner.energy(x), rtol=1e-12, atol=1e-12)
    assert equivalent.log_partition() - offset == pytest.approx(inner.log_partition(), rel=1e-12)
    tempered = ebmcore.create("tempered", base=rotated, temperature=3.0)
    assert _log_z_2d(tempered, -25.0, 25.0, cells=1000) == pytest.approx(tempered.log_partition(), abs=1e-6)


def test_transformed_rejects_bad_maps() -> None:
    with pytest.raises(ebmcore.InvalidParameterError, match="'matrix' must be an invertible matrix"):
        ebmcore.create("transformed", matrix=[[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(ebmcore.InvalidParameterError, match="'scale' must be nonzero"):
        ebmcore.create("transformed", scale=[1.0, 0.0])
    with pytest.raises(ebmcore.InvalidParameterError, match="'matrix' must be None when scale is given"):
        ebmcore.create("transformed", scale=2.0, matrix=MATRIX)
    with pytest.raises(ebmcore.InvalidParameterError, match="shift gives 3, scale gives 2"):
        ebmcore.create("transformed", shift=[0.0, 0.0, 0.0], scale=[1.0, 1.0])
    with pytest.raises(ebmcore.InvalidParameterError, match="'matrix' must be a square"):
        ebmcore.create("transformed", matrix=[[1.0, 2.0, 3.0], [2.0, 4.0, 1.0]])


def test_direct_classes_are_the_registered_targets() -> None:
    assert isinstance(ebmcore.create("tempered"), Tempered)
    assert isinstance(ebmcore.create("affine"), Transformed)
    assert isinstance(ebmcore.create("product_of_experts"), Composite)
