"""Tests of the constrained plugin: sphere geometry, box modes, quadrature, exact samples."""

from __future__ import annotations

import copy
import json
import math
import pickle

import numpy as np
import pytest
import torch
from ebmcore_constrained import Box, Spherical
from scipy import integrate, stats

import ebmcore

NAMES = ebmcore.list_energies(plugin="constrained")
F64 = torch.float64


def _points(model: ebmcore.BaseModel, n: int = 64, seed: int = 0, spread: float = 2.0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return spread * torch.randn(n, *model.event_shape, generator=generator, dtype=F64)


def _reference(model: ebmcore.BaseModel, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    with ebmcore.use_backend("autograd"):
        return model.energy_and_gradient(x)


# -- every registered energy ----------------------------------------------------------------


def test_plugin_registers_its_energies() -> None:
    assert NAMES == ["box", "spherical"]


@pytest.mark.parametrize("name", NAMES)
def test_default_construction_and_spec_round_trip(name: str) -> None:
    model = ebmcore.create(name)
    spec = json.loads(json.dumps(model.spec))
    rebuilt = ebmcore.create(spec)
    assert rebuilt.spec == spec == model.spec
    x = _points(model)
    assert torch.equal(rebuilt.energy(x), model.energy(x))
    for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert torch.equal(clone.energy(x), model.energy(x))


SETTINGS = [
    ("spherical", {}),
    ("spherical", {"base": "rosenbrock", "dim": 4}),
    ("box", {}),
    ("box", {"mode": "sigmoid"}),
    ("box", {"base": "rosenbrock", "low": [-1.0, 0.0, 0.5], "high": [2.0, 1.0, 3.0], "mode": "sigmoid"}),
]


@pytest.mark.parametrize(("name", "kwargs"), SETTINGS)
def test_analytic_gradient_matches_autograd(name: str, kwargs: dict) -> None:
    model = ebmcore.create(name, **kwargs)
    x = _points(model)
    assert ebmcore.resolve_backend(model, x) == "analytic"
    energy, grad = model.energy_and_gradient(x)
    ref_energy, ref_grad = _reference(model, x)
    torch.testing.assert_close(energy, ref_energy, rtol=1e-12, atol=0)
    torch.testing.assert_close(grad, ref_grad, rtol=1e-10, atol=1e-12)
    # create_graph: differentiable, and its Hessian-vector product equals autograd's
    x.requires_grad_(True)
    v = torch.randn(x.shape, generator=torch.Generator().manual_seed(1), dtype=F64)
    g = model.gradient(x, create_graph=True)
    (hvp,) = torch.autograd.grad((g * v).sum(), x)
    with ebmcore.use_backend("autograd"):
        (ref_hvp,) = torch.autograd.grad((model.gradient(x, create_graph=True) * v).sum(), x)
    torch.testing.assert_close(hvp, ref_hvp, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("name", NAMES)
def test_float32_in_float32_out(name: str) -> None:
    model = ebmcore.create(name)
    x = _points(model, spread=0.5).float()
    energy, grad = model.energy_and_gradient(x)
    assert energy.dtype == grad.dtype == torch.float32
    torch.testing.assert_close(energy.double(), model.energy(x.double()), rtol=1e-5, atol=1e-5)


# -- spherical --------------------------------------------------------------------------------


def test_spherical_energy_is_the_base_on_the_sphere() -> None:
    model = ebmcore.create("spherical", base={"name": "gaussian", "mean": [0.3, -1.0, 2.0]})
    x = _points(model)
    u = x / x.norm(dim=-1, keepdim=True)
    torch.testing.assert_close(model.energy(x), model.base.energy(u), rtol=1e-15, atol=0)
    torch.testing.assert_close(model.energy(3.7 * x), model.energy(x), rtol=1e-14, atol=0)
    # von Mises-Fisher form: 1/2 (1 + |mu|^2) - mu . u
    mu = torch.tensor([0.3, -1.0, 2.0], dtype=F64)
    torch.testing.assert_close(model.energy(x), 0.5 * (1 + mu @ mu) - u @ mu, rtol=1e-13, atol=1e-14)


def test_spherical_gradient_is_tangent_and_scales_with_radius() -> None:
    model = ebmcore.create("spherical", base="rosenbrock", dim=5)
    x = _points(model)
    radius = x.norm(dim=-1, keepdim=True)
    u = x / radius
    grad = model.gradient(x)
    assert (grad * x).sum(-1).abs().max() < 1e-10 * grad.norm(dim=-1).max()
    g_u = model.base.gradient(u)
    expected = (g_u - (g_u * u).sum(-1, keepdim=True) * u) / radius
    torch.testing.assert_close(grad, expected, rtol=1e-12, atol=1e-12)
    # central finite differences along random directions
    h = 1e-6
    v = torch.randn(x.shape, generator=torch.Generator().manual_seed(2), dtype=F64)
    fd = (model.energy(x + h * v) - model.energy(x - h * v)) / (2 * h)
    torch.testing.assert_close((grad * v).sum(-1), fd, rtol=1e-6, atol=1e-6)


def test_spherical_at_the_origin_is_nan_on_every_path() -> None:
    model = ebmcore.create("spherical", dim=3)
    x = torch.zeros(2, 3, dtype=F64)
    x[1, 0] = 1.0
    for backend in ("auto", "autograd"):
        with ebmcore.use_backend(backend):
            energy, grad = model.energy_and_gradient(x)
        assert torch.isnan(energy[0]) and torch.isnan(grad[0]).all()
        assert torch.isfinite(energy[1]) and torch.isfinite(grad[1]).all()


def test_spherical_has_no_normalizable_ground_truth() -> None:
    model = ebmcore.create("spherical")
    assert model.log_partition() is None and model.minima is None
    with pytest.raises(NotImplementedError):
        model.sample(2)
    with pytest.raises(ebmcore.InvalidParameterError, match=r"'base'.*dim 4"):
        ebmcore.create("spherical", base={"name": "gaussian", "dim": 3}, dim=4)


# -- box: hard walls --------------------------------------------------------------------------

BASE_1D = {"name": "gaussian", "mean": [0.7], "cov": 2.0}


def _truncnorm(low: float, high: float, mean: float = 0.7, sd: float = math.sqrt(2.0)) -> stats.rv_continuous:
    return stats.truncnorm((low - mean) / sd, (high - mean) / sd, loc=mean, scale=sd)


def test_hard_box_energy_and_gradient_conventions() -> None:
    model = ebmcore.create("box", base="double_well", low=[-1.0, 0.0], high=[1.0, 2.0])
    x = torch.tensor(
        [[0.5, 1.0], [1.0, 2.0], [-1.0, 0.0], [1.5, 1.0], [0.5, -0.1], [float("nan"), 1.0]], dtype=F64
    )
    energy, grad = model.energy_and_gradient(x)
    base_energy, base_grad = model.base.energy_and_gradient(x)
    torch.testing.assert_close(energy[:3], base_energy[:3])  # the closed box, boundary included
    torch.testing.assert_close(grad[:3], base_grad[:3])
    assert torch.isinf(energy[3:5]).all() and (energy[3:5] > 0).all()
    assert torch.equal(grad[3:5], torch.zeros(2, 2, dtype=F64))  # zero gradient outside
    assert torch.isnan(energy[5])  # NaN in, NaN out
    ref_energy, ref_grad = _reference(model, x)
    torch.testing.assert_close(energy, ref_energy, equal_nan=True)
    torch.testing.assert_close(grad[:5], ref_grad[:5])


@pytest.mark.parametrize(("low", "high"), [(-1.0, 2.0), (3.0, 6.5), (-8.0, -4.0)])
def test_box_log_partition_matches_quadrature_in_both_modes(low: float, high: float) -> None:
    hard = ebmcore.create("box", base=BASE_1D, low=low, high=high)
    soft = ebmcore.create("box", base=BASE_1D, low=low, high=high, mode="sigmoid")
    log_z = hard.log_partition()
    assert soft.log_partition() == log_z

    def density(t: float, model: ebmcore.BaseModel) -> float:
        return math.exp(-model.energy(torch.tensor([t], dtype=F64)).item())

    mass_x, _ = integrate.quad(density, low, high, args=(hard,), epsabs=0, epsrel=1e-12)
    mass_z, _ = integrate.quad(density, -np.inf, np.inf, args=(soft,), epsabs=0, epsrel=1e-10, limit=200)
    assert math.log(mass_x) == pytest.approx(log_z, abs=1e-10)
    assert math.log(mass_z) == pytest.approx(log_z, abs=1e-8)
    expected = hard.base.log_partition() + math.log(
        stats.norm(0.7, math.sqrt(2.0)).cdf(high) - stats.norm(0.7, math.sqrt(2.0)).cdf(low)
    )
    assert log_z == pytest.approx(expected, rel=1e-9)


def test_sigmoid_density_pushes_forward_to_the_box_density() -> None:
    low, high = -1.0, 2.5
    soft = ebmcore.create("box", base=BASE_1D, low=low, high=high, mode="sigmoid")
    log_z = soft.log_partition()

    def p_z(z: float) -> float:
        return math.exp(-soft.energy(torch.tensor([z], dtype=F64)).item() - log_z)

    reference = _truncnorm(low, high)
    for t in (-0.5, 0.3, 1.0, 2.2):
        z_t = soft.unconstrain(torch.tensor([t], dtype=F64)).item()
        mass, _ = integrate.quad(p_z, -np.inf, z_t, epsabs=1e-13, limit=200)
        assert mass == pytest.approx(reference.cdf(t), abs=1e-9)
        # densities: p_z(z) = p_x(x(z)) dx/dz
        s = 1.0 / (1.0 + math.exp(-z_t))
        assert p_z(z_t) == pytest.approx(reference.pdf(t) * (high - low) * s * (1 - s), rel=1e-9)


@pytest.mark.parametrize("mode", ["hard", "sigmoid"])
def test_box_samples_are_exact(mode: str) -> None:
    low, high = -1.0, 2.5
    model = ebmcore.create("box", base=BASE_1D, low=low, high=high, mode=mode)
    samples = model.sample(3000, generator=torch.Generator().manual_seed(7))
    assert samples.shape == (3000, 1) and samples.dtype == F64
    x = samples if mode == "hard" else model.constrain(samples)
    assert ((x >= low) & (x <= high)).all()
    assert stats.kstest(x[:, 0].numpy(), _truncnorm(low, high).cdf).pvalue > 1e-3


def test_sigmoid_mode_is_finite_in_float32_far_out() -> None:
    model = ebmcore.create("box", base=BASE_1D, low=-1.0, high=2.0, mode="sigmoid")
    z = torch.tensor([[-80.0], [-20.0], [0.0], [20.0], [80.0]])
    energy, grad = model.energy_and_gradient(z)
    assert torch.isfinite(energy).all() and torch.isfinite(grad).all()
    torch.testing.assert_close(energy.double(), model.energy(z.double()), rtol=1e-5, atol=1e-4)
    # far out the log-Jacobian dominates: E_z ~ |z|, gradient ~ sign(z)
    torch.testing.assert_close(grad[[0, 4]], torch.tensor([[-1.0], [1.0]]), rtol=0, atol=1e-6)


def test_box_minima_bounds_and_2d_log_partition() -> None:
    model = ebmcore.create("box", base="double_well", low=[-2.0, 0.0], high=[2.0, 2.0])
    minima = model.minima
    assert minima.count == 2 and minima.value == 0.0
    torch.testing.assert_close(minima.points, torch.tensor([[-1.0, 1.0], [1.0, 1.0]], dtype=F64))
    torch.testing.assert_close(model.bounds, torch.tensor([[-2.0, 0.0], [2.0, 2.0]], dtype=F64))
    assert ebmcore.create("box", base="double_well", low=1.5, high=3.0, dim=2).minima is None
    assert ebmcore.create("box", base="double_well", mode="sigmoid", dim=2).minima is None
    gaussian = ebmcore.create("box", base={"name": "gaussian", "mean": [0.5, -0.2], "cov": [0.5, 2.0]})
    t = torch.linspace(-1.0, 1.0, 1201, dtype=F64)
    grid = torch.stack(torch.meshgrid(t, t, indexing="ij"), -1)
    density = torch.exp(-gaussian.energy(grid)).numpy()
    step = float(t[1] - t[0])
    mass = np.trapezoid(np.trapezoid(density, dx=step), dx=step)
    assert math.log(mass) == pytest.approx(gaussian.log_partition(), abs=1e-6)
    assert ebmcore.create("box", base="double_well", dim=2).log_partition() is None


def test_box_errors_name_the_parameter() -> None:
    with pytest.raises(ebmcore.InvalidParameterError, match="'high' must be greater than low"):
        ebmcore.create("box", low=1.0, high=[2.0, 1.0])
    with pytest.raises(ebmcore.InvalidParameterError, match="'mode' must be one of 'hard', 'sigmoid'"):
        ebmcore.create("box", mode="soft")
    with pytest.raises(ebmcore.InvalidParameterError, match="low gives 2, high gives 3"):
        ebmcore.create("box", low=[0.0, 0.0], high=[1.0, 1.0, 1.0])
    with pytest.raises(NotImplementedError, match="rejection sampling is impractical"):
        ebmcore.create("box", base="gaussian", low=30.0, high=31.0, dim=1).sample(10)


def test_classes_are_the_registered_targets() -> None:
    assert isinstance(ebmcore.create("box"), Box)
    assert isinstance(ebmcore.create("spherical"), Spherical)
    assert Box().spec["name"] == "constrained/box"


def test_spherical_projects_tiny_float32_points_without_underflow() -> None:
    model = ebmcore.create("spherical")
    x = torch.tensor([[0.0, 1e-23], [1e-30, -1e-30]])
    energy, grad = model.energy_and_gradient(x)
    exact = model.energy(x.double() / x.double().norm(dim=-1, keepdim=True))
    torch.testing.assert_close(energy, exact.float())
    assert torch.isfinite(grad).all()
    assert model.energy(torch.zeros(2)).isnan()  # the origin stays NaN, as documented
