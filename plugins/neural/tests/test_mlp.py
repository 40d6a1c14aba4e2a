"""Tests of the MLP energy: formula, configs, dtypes, autograd paths and a score-matching fit."""

from __future__ import annotations

import copy
import io
import json
import math
import pickle
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F
from ebmcore_neural import ACTIVATIONS, MLP

import ebmcore

F64 = torch.float64
NAMES = ebmcore.list_energies(plugin="neural")


def _manual(model: MLP, x: torch.Tensor) -> torch.Tensor:
    """The MLP written out layer by layer, in float64."""
    h = x.to(F64)
    act = {"elu": F.elu, "gelu": F.gelu, "relu": F.relu, "silu": F.silu, "softplus": F.softplus}.get(
        model.activation, torch.tanh
    )
    for i in range(model.num_layers):
        w, b = getattr(model, f"weight_{i}").detach().to(F64), getattr(model, f"bias_{i}").detach().to(F64)
        h = h @ w.T + b
        if i < model.num_layers - 1:
            h = act(h)
    return h[..., 0]


# -- registry-wide ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_registry_default_creation_and_json_round_trip(name: str) -> None:
    model = ebmcore.create(name)
    rebuilt = ebmcore.create(json.loads(json.dumps(model.spec)))
    x = torch.randn(3, 4, model.dim, dtype=F64, generator=torch.Generator().manual_seed(0))
    energy = model.energy(x)
    assert energy.shape == (3, 4) and energy.dtype == F64
    assert torch.equal(rebuilt.energy(x), energy)
    assert model.energy(x[0, 0]).shape == ()
    nan = x[0].clone()
    nan[2, 1] = math.nan
    out = model.energy(nan)
    assert torch.isnan(out[2]) and torch.isfinite(out[[0, 1, 3]]).all()


@pytest.mark.parametrize("name", NAMES)
def test_registry_gradient_matches_finite_differences(name: str) -> None:
    model = ebmcore.create(name).double()
    x = torch.randn(5, model.dim, dtype=F64, generator=torch.Generator().manual_seed(1))
    grad = model.gradient(x)
    h = 1e-6
    for i in range(model.dim):
        step = torch.zeros(model.dim, dtype=F64)
        step[i] = h
        fd = (model.energy(x + step) - model.energy(x - step)) / (2 * h)
        torch.testing.assert_close(grad[:, i], fd.detach(), rtol=1e-6, atol=1e-8)


# -- the formula --------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_energy_is_the_mlp_written_out(activation: str) -> None:
    model = ebmcore.create("mlp", input_dim=3, hidden_dims=[16, 8], activation=activation, seed=1)
    x = torch.randn(2, 5, 3, dtype=F64, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(model.energy(x).detach(), _manual(model, x), rtol=1e-12, atol=1e-12)


def test_empty_hidden_dims_is_a_linear_energy() -> None:
    model = ebmcore.create("mlp", input_dim=3, hidden_dims=[], seed=0)
    w, b = model.weight_0.detach().to(F64)[0], model.bias_0.detach().to(F64)[0]
    x = torch.randn(4, 3, dtype=F64, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(model.energy(x).detach(), x @ w + b)
    torch.testing.assert_close(model.gradient(x), w.expand(4, 3))


def test_initialization_is_that_of_nn_linear() -> None:
    model = ebmcore.create("mlp", input_dim=4, hidden_dims=[256], seed=3)
    for name, fan_in in (("weight_0", 4), ("bias_0", 4), ("weight_1", 256), ("bias_1", 256)):
        values = getattr(model, name).detach()
        bound = 1 / math.sqrt(fan_in)
        assert values.abs().max() <= bound and values.dtype == torch.float32
    big = model.weight_0.detach().flatten()
    # uniform on [-1/2, 1/2]: mean 0 and variance 1/12 * (2 * bound)^2
    assert abs(big.mean().item()) < 0.05 and big.var().item() == pytest.approx(1 / 12, rel=0.15)


# -- seeds, configs, state dicts ----------------------------------------------------------------------


def test_a_seed_fixes_the_initialization_and_none_draws_one_from_the_global_rng() -> None:
    a = ebmcore.create("mlp", seed=5)
    assert torch.equal(a.weight_0, ebmcore.create("mlp", seed=5).weight_0)
    assert not torch.equal(a.weight_0, ebmcore.create("mlp", seed=6).weight_0)
    torch.manual_seed(0)
    b = ebmcore.create("mlp")
    torch.manual_seed(0)
    c = ebmcore.create("mlp")
    assert isinstance(b.config["seed"], int) and b.config == c.config
    rebuilt = ebmcore.create(b.spec)
    for key, value in b.state_dict().items():
        assert torch.equal(value, rebuilt.state_dict()[key])
    assert b.spec == {
        "name": "neural/mlp",
        "input_dim": 2,
        "hidden_dims": [64, 64],
        "activation": "silu",
        "seed": b.config["seed"],
    }


def test_trained_weights_travel_in_the_state_dict() -> None:
    model = ebmcore.create("mlp", input_dim=2, hidden_dims=[8, 8], seed=0)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.1)  # "training"
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    other = ebmcore.create({**model.spec, "seed": 1})
    other.load_state_dict(torch.load(buffer, weights_only=True))
    x = torch.randn(6, 2, generator=torch.Generator().manual_seed(0))
    assert torch.equal(other.energy(x), model.energy(x))
    assert not torch.equal(ebmcore.create(model.spec).energy(x), model.energy(x))  # config: init only


# -- parameter errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "suggestion"), [("slu", "'silu'"), ("ReLU", "'relu'"), ("softpuls", "'softplus'")]
)
def test_unknown_activation_gets_did_you_mean(given: str, suggestion: str) -> None:
    with pytest.raises(ebmcore.InvalidParameterError) as info:
        ebmcore.create("mlp", activation=given)
    message = str(info.value)
    assert message.startswith("MLP: parameter 'activation' must be one of 'elu', 'gelu', 'relu', 'silu'")
    assert f"did you mean {suggestion}" in message and message.endswith(f"got {given!r}")


def test_parameter_errors() -> None:
    with pytest.raises(ebmcore.InvalidParameterError, match=r"'activation' must be one of .*got 3"):
        ebmcore.create("mlp", activation=3)
    with pytest.raises(ebmcore.InvalidParameterError, match="'hidden_dims' must be a list of integers >= 1"):
        ebmcore.create("mlp", hidden_dims=[64, 0])
    with pytest.raises(ebmcore.InvalidParameterError, match="'hidden_dims' must be a list"):
        ebmcore.create("mlp", hidden_dims=64)
    with pytest.raises(ebmcore.InvalidParameterError, match="'input_dim' must be an integer >= 1"):
        ebmcore.create("mlp", input_dim=0)
    with pytest.raises(
        ebmcore.InvalidParameterError,
        match=r"'seed' must be None or an integer in \[0, 18446744073709551615\]",
    ):
        ebmcore.create("mlp", seed=-1)
    with pytest.raises(ebmcore.InvalidParameterError, match="'seed' must be None or an integer in"):
        ebmcore.create("mlp", seed=2**64)
    assert ebmcore.create("mlp", hidden_dims=[2], seed=2**64 - 1).config["seed"] == 2**64 - 1
    with pytest.raises(ebmcore.UnknownParameterError, match="Did you mean 'hidden_dims'"):
        ebmcore.create("mlp", hidden_dim=[4])
    with pytest.raises(ebmcore.InvalidInputError, match=r"expects x of shape \(\*batch, 2\), got \(3,\)"):
        ebmcore.create("mlp").energy(torch.zeros(3))


# -- dtype ----------------------------------------------------------------------------------------------


def test_float64_in_gives_float64_out_without_downcasting() -> None:
    model = ebmcore.create("mlp", input_dim=2, hidden_dims=[32], seed=0)
    x = torch.randn(10, 2, dtype=F64, generator=torch.Generator().manual_seed(0))
    out = model.energy(x)
    assert out.dtype == F64
    torch.testing.assert_close(out.detach(), _manual(model, x), rtol=1e-13, atol=1e-13)  # float64 math
    assert model.energy(x.float()).dtype == torch.float32
    e, g = model.energy_and_gradient(x)
    assert e.dtype == g.dtype == F64 and not e.requires_grad and not g.requires_grad
    model.to(torch.float64)
    assert {p.dtype for p in model.parameters()} == {F64}
    torch.testing.assert_close(model.energy(x).detach(), out.detach(), rtol=0, atol=0)


def test_parameter_gradients_flow_to_float32_parameters_from_float64_inputs() -> None:
    model = ebmcore.create("mlp", hidden_dims=[8], seed=0)
    x = torch.randn(4, 2, dtype=F64, generator=torch.Generator().manual_seed(0))
    energy, grad = model.energy_and_gradient(x, create_graph=True)
    (grad.pow(2).sum() + energy.sum()).backward()
    assert all(p.grad is not None and p.grad.dtype == torch.float32 for p in model.parameters())


# -- autograd paths ---------------------------------------------------------------------------------------


def test_energy_and_gradient_and_create_graph_match_manual_autograd() -> None:
    model = ebmcore.create("mlp", input_dim=3, hidden_dims=[16, 16], activation="softplus", seed=2).double()
    x = torch.randn(7, 3, dtype=F64, generator=torch.Generator().manual_seed(0))
    leaf = x.clone().requires_grad_(True)
    (manual,) = torch.autograd.grad(model(leaf).sum(), leaf, create_graph=True)
    energy, grad = model.energy_and_gradient(x)
    torch.testing.assert_close(energy, model(x).detach(), rtol=1e-12, atol=0)
    torch.testing.assert_close(grad, manual.detach(), rtol=1e-12, atol=0)
    torch.testing.assert_close(model.gradient(x), manual.detach(), rtol=1e-12, atol=0)
    torch.testing.assert_close(model.score(x), -manual.detach(), rtol=1e-12, atol=0)
    with ebmcore.use_backend("autograd"):
        torch.testing.assert_close(model.gradient(x), grad, rtol=0, atol=0)

    # create_graph=True: a loss of the gradient has the same parameter gradients both ways
    params = list(model.parameters())
    graph_energy, graph_grad = model.energy_and_gradient(x, create_graph=True)
    ours = torch.autograd.grad(graph_grad.pow(2).sum() + graph_energy.sum(), params)
    theirs = torch.autograd.grad(manual.pow(2).sum() + model(x).sum(), params, retain_graph=True)
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)
    # and the gradient w.r.t. x of the gradient (a Hessian-vector product)
    x_leaf = x.clone().requires_grad_(True)
    (hvp,) = torch.autograd.grad(model.gradient(x_leaf, create_graph=True).sum(), x_leaf)
    (manual_hvp,) = torch.autograd.grad(manual.sum(), leaf)
    torch.testing.assert_close(hvp, manual_hvp, rtol=1e-12, atol=1e-14)


def test_an_ensemble_and_per_sample_parameter_gradients_through_torch_func() -> None:
    """torch.func's ensembling (stack_module_state, vmap of functional_call) of three MLPs, and
    per-sample gradients in the parameters (vmap of grad of functional_call, as per-sample
    clipping needs), against each model's own output and autograd one sample at a time."""
    models = [ebmcore.create("mlp", input_dim=3, hidden_dims=[8, 8], seed=seed).double() for seed in range(3)]
    x = torch.randn(5, 3, dtype=F64, generator=torch.Generator().manual_seed(0))
    parameters, buffers = torch.func.stack_module_state(models)
    base = copy.deepcopy(models[0]).to("meta")

    def energies(params: dict[str, torch.Tensor], data: torch.Tensor) -> torch.Tensor:
        return torch.func.functional_call(base, (params, buffers), (data,))

    ensemble = torch.func.vmap(energies, in_dims=(0, None))(parameters, x)
    torch.testing.assert_close(ensemble, torch.stack([m(x).detach() for m in models]), rtol=1e-12, atol=0)

    model = models[1]
    params = {k: v.detach() for k, v in model.named_parameters()}

    def loss(p: dict[str, torch.Tensor], sample: torch.Tensor) -> torch.Tensor:
        return torch.func.functional_call(model, p, (sample,)) ** 2

    per_sample = torch.func.vmap(torch.func.grad(loss), in_dims=(None, 0))(params, x)
    for i in range(len(x)):
        expected = torch.autograd.grad(model(x[i]) ** 2, list(model.parameters()))
        for (name, got), want in zip(per_sample.items(), expected, strict=True):
            torch.testing.assert_close(got[i], want, rtol=1e-12, atol=1e-14, msg=name)


# -- training: denoising score matching on a mixture of four Gaussians --------------------------------


def test_denoising_score_matching_finds_the_modes_of_a_gaussian_mixture() -> None:
    """Vincent (2011): minimize E || sigma grad E(x + sigma eps) - eps ||^2 over the data."""
    generator = torch.Generator().manual_seed(0)
    means = torch.tensor([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.0], [0.0, -2.0]])
    std, sigma, batch = 0.25, 0.3, 256
    model = ebmcore.create("mlp", input_dim=2, hidden_dims=[64, 64], activation="silu", seed=0)
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    losses = []
    for _ in range(400):
        x = means[torch.randint(0, 4, (batch,), generator=generator)]
        x = x + std * torch.randn(batch, 2, generator=generator)
        eps = torch.randn(batch, 2, generator=generator)
        grad = model.gradient(x + sigma * eps, create_graph=True)
        loss = (sigma * grad - eps).pow(2).sum(-1).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    start, end = sum(losses[:10]) / 10, sum(losses[-50:]) / 50
    # the optimum is 2 std^2 / (std^2 + sigma^2) = 0.82 (the noised components are Gaussians)
    optimum = 2 * std**2 / (std**2 + sigma**2)
    assert start > 1.5 and end < 0.5 * start and end == pytest.approx(optimum, abs=0.1)

    # gradient descent on the learned energy from near each mean ends at that mean
    points = (means + 0.4 * torch.randn(4, 2, generator=generator)).double()
    for _ in range(300):
        points = points - 0.02 * model.gradient(points)
    distance = (points - means.double()).norm(dim=-1)
    assert (distance < 0.25).all(), distance
    # and the learned score is the noised mixture's score near the data
    x = (means[torch.arange(4).repeat(50)] + std * torch.randn(200, 2, generator=generator)).double()
    var = std**2 + sigma**2
    logits = -((x[:, None, :] - means.double()) ** 2).sum(-1) / (2 * var)
    weights = torch.softmax(logits, dim=-1)
    true_score = (weights[..., None] * (means.double() - x[:, None, :])).sum(1) / var
    error = (model.score(x) - true_score).norm(dim=-1).mean() / true_score.norm(dim=-1).mean()
    assert error < 0.25, error


def test_copies_and_pickles_evaluate_alike() -> None:
    model = ebmcore.create("mlp", hidden_dims=[8], activation="tanh", seed=0)
    x = torch.randn(3, 2, generator=torch.Generator().manual_seed(0))
    for other in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert torch.equal(other.energy(x), model.energy(x)) and other.spec == model.spec


def test_the_plugin_loads_cleanly_and_listing_imports_no_torch() -> None:
    (plugin,) = [p for p in ebmcore.plugins() if p.name == "neural"]
    assert plugin.status == "loaded" and plugin.distribution == "ebmcore-neural"
    assert plugin.energies == ["neural/mlp"] and not plugin.problems and not plugin.warnings
    code = (
        "import sys, ebmcore, ebmcore_neural; ebmcore.list_energies(plugin='neural'); "
        "assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- activations given as torch.nn classes or instances ---------------------------------------------------


@pytest.mark.parametrize(
    ("activation", "name"),
    [
        (torch.nn.SiLU, "silu"),
        (torch.nn.ReLU, "relu"),
        (torch.nn.ELU, "elu"),
        (torch.nn.GELU, "gelu"),
        (torch.nn.Softplus, "softplus"),
        (torch.nn.Tanh, "tanh"),
        (torch.nn.Tanh(), "tanh"),
        (torch.nn.Softplus(beta=1.0, threshold=20.0), "softplus"),
        (torch.nn.ELU(alpha=1.0), "elu"),
    ],
)
def test_a_module_computing_a_named_activation_is_recorded_by_its_name(activation: object, name: str) -> None:
    model = MLP(3, [8, 4], activation, seed=4)  # positional, as TorchEBM's MLPEnergy is called
    assert model.activation == name and model.config["activation"] == name
    named = ebmcore.create("mlp", input_dim=3, hidden_dims=[8, 4], activation=name, seed=4)
    x = torch.randn(5, 3, dtype=F64, generator=torch.Generator().manual_seed(0))
    assert torch.equal(model.energy(x), named.energy(x))
    assert ebmcore.create(model.spec).spec == model.spec == named.spec
    assert list(model.state_dict()) == list(named.state_dict())  # no extra submodule


@pytest.mark.parametrize(
    "activation",
    [
        torch.nn.PReLU,
        torch.nn.Sigmoid(),
        torch.nn.GELU(approximate="tanh"),
        torch.nn.Softplus(beta=2.0),
        torch.nn.ReLU(inplace=True),
    ],
)
def test_another_module_works_but_has_no_config(activation: object) -> None:
    model = MLP(2, [6], activation, seed=1)
    module = model.activation
    assert isinstance(module, torch.nn.Module)
    x = torch.randn(4, 2, dtype=torch.float32, generator=torch.Generator().manual_seed(0))
    # the energy written out with the module as the activation
    hidden = module(x @ model.weight_0.detach().T + model.bias_0.detach())
    expected = (hidden @ model.weight_1.detach().T + model.bias_1.detach())[..., 0]
    torch.testing.assert_close(model.energy(x).detach(), expected.detach(), rtol=1e-6, atol=1e-6)
    leaf = x.clone().requires_grad_(True)
    (reference,) = torch.autograd.grad(model(leaf).sum(), leaf)
    torch.testing.assert_close(model.gradient(x), reference)
    with pytest.raises(ebmcore.RegistrationError, match=r"MLP with the activation module .* has no config"):
        model.config  # noqa: B018
    with pytest.raises(ebmcore.RegistrationError, match="cannot be written to JSON"):
        model.spec  # noqa: B018
    assert "activation=" in repr(model)


def test_an_activation_module_with_parameters_trains_and_travels_in_the_state_dict() -> None:
    model = MLP(2, [6], torch.nn.PReLU(init=0.1), seed=0)
    assert "activation.weight" in model.state_dict()
    x = torch.randn(8, 2, generator=torch.Generator().manual_seed(0))
    model.gradient(x, create_graph=True).pow(2).sum().backward()
    prelu = model.activation
    assert isinstance(prelu, torch.nn.PReLU) and prelu.weight.grad is not None
    other = MLP(2, [6], torch.nn.PReLU(init=0.7), seed=3)
    other.load_state_dict(model.state_dict())
    assert torch.equal(other.energy(x), model.energy(x))
    copied = pickle.loads(pickle.dumps(model))
    assert torch.equal(copied.energy(x), model.energy(x))
    # float64 in gives float64 out: the module's parameter is cast like the weights
    x64 = x.double()
    prelu_weight = prelu.weight.detach().double()
    hidden = x64 @ model.weight_0.detach().double().T + model.bias_0.detach().double()
    hidden = torch.where(hidden >= 0, hidden, prelu_weight * hidden)
    expected = (hidden @ model.weight_1.detach().double().T + model.bias_1.detach().double())[..., 0]
    energy = model.energy(x64)
    assert energy.dtype == F64
    torch.testing.assert_close(energy, expected, rtol=1e-12, atol=1e-12)
    prelu.weight.grad = None
    model.gradient(x64, create_graph=True).pow(2).sum().backward()
    assert prelu.weight.grad is not None and prelu.weight.grad.dtype == torch.float32


def test_activation_type_errors() -> None:
    class NeedsArguments(torch.nn.Module):
        def __init__(self, slope: float) -> None:
            super().__init__()
            self.slope = slope

    with pytest.raises(
        ebmcore.InvalidParameterError, match="an activation class that builds without arguments"
    ):
        MLP(2, [4], NeedsArguments)
    with pytest.raises(
        ebmcore.InvalidParameterError,
        match=r"'activation' must be one of 'elu', .*'tanh', or a torch.nn.Module activation .*got <built-in",
    ):
        MLP(2, [4], torch.tanh)
    with pytest.raises(ebmcore.InvalidParameterError, match=r"did you mean 'silu'\?\), got 'SiLU'"):
        MLP(2, [4], "SiLU")


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"input_dim": 2, "hidden_dims": [10**6, 10**6]}, "hidden_dims"),
        ({"input_dim": 10**13, "hidden_dims": []}, "input_dim"),
        ({"input_dim": 3, "hidden_dims": [64, 10**13]}, "hidden_dims"),
    ],
)
def test_impossible_sizes_name_the_parameter_and_the_memory(
    kwargs: dict[str, object], parameter: str
) -> None:
    """Terabytes of parameters: a clear error before anything is allocated (before: the raw
    allocator RuntimeError of a (1e6, 1e6) float64 draw)."""
    with pytest.raises(
        ebmcore.InvalidParameterError, match=r"fit in memory \(needing [\d.]+ [TPE]B"
    ) as caught:
        ebmcore.create("mlp", **kwargs)
    assert caught.value.parameter == parameter  # type: ignore[attr-defined]
    assert caught.value.value == kwargs[parameter]  # type: ignore[attr-defined]
