"""Every registered energy survives the ways models are saved and rebuilt, with identical outputs.

* ``state_dict`` through ``torch.save`` / ``torch.load(weights_only=True)`` into a model rebuilt
  from its spec;
* ``pickle`` and ``copy.deepcopy`` of the model itself;
* ``model.spec`` -> JSON text -> ``ebmcore.create``.

"Identical" means bitwise equal energies and gradients (``torch.equal``) on a fixed batch in
float64 and float32: the rebuilt model must be the same function, not a close one.
"""

from __future__ import annotations

import copy
import io
import json
import pickle
from collections.abc import Callable

import pytest
import torch

import ebmcore

ENERGIES = ebmcore.list_energies()


def perturbed(model: ebmcore.BaseModel) -> ebmcore.BaseModel:
    """Move every floating tensor of the state (parameters, persistent buffers) off its initial
    value, so state really travels. (A non-persistent buffer is not state: a vector that follows
    from the constructor's arguments alone, as BBOB's T_asy weights, is made again by them.)"""
    generator = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for tensor in model.state_dict(keep_vars=True).values():
            if tensor.is_floating_point() and tensor.numel():
                tensor.add_(1e-3 * torch.rand(tensor.shape, generator=generator, dtype=tensor.dtype))
    return model


def outputs(model: ebmcore.BaseModel) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    results = []
    for dtype in (torch.float64, torch.float32):
        x = torch.randn(7, *model.event_shape, generator=generator, dtype=torch.float64).to(dtype)
        energy, grad = model.energy_and_gradient(x)
        results += [model.energy(x), energy, grad, model.gradient(x)]
    return results


def assert_same_function(a: ebmcore.BaseModel, b: ebmcore.BaseModel) -> None:
    assert type(a) is type(b)
    assert a.config == b.config
    assert a.event_shape == b.event_shape
    for left, right in zip(outputs(a), outputs(b), strict=True):
        assert left.dtype == right.dtype and torch.equal(left, right)


@pytest.mark.parametrize("name", ENERGIES)
def test_state_dict_round_trip_with_weights_only(
    name: str, default_model: Callable[..., ebmcore.BaseModel]
) -> None:
    model = perturbed(default_model(name))
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)
    rebuilt = ebmcore.create(model.spec)
    rebuilt.load_state_dict(state)
    assert rebuilt.registry_name == model.registry_name
    assert_same_function(model, rebuilt)


@pytest.mark.parametrize("name", ENERGIES)
def test_pickle_round_trip(name: str, default_model: Callable[..., ebmcore.BaseModel]) -> None:
    model = perturbed(default_model(name))
    restored = pickle.loads(pickle.dumps(model))
    assert restored.registry_name == model.registry_name
    assert restored.spec == model.spec
    assert_same_function(model, restored)


@pytest.mark.parametrize("name", ENERGIES)
def test_deepcopy(name: str, default_model: Callable[..., ebmcore.BaseModel]) -> None:
    model = perturbed(default_model(name))
    twin = copy.deepcopy(model)
    assert_same_function(model, twin)
    for a, b in zip(
        [*model.parameters(), *model.buffers()], [*twin.parameters(), *twin.buffers()], strict=True
    ):
        assert a.data_ptr() != b.data_ptr() or a.numel() == 0  # a copy, not shared storage


@pytest.mark.parametrize("name", ENERGIES)
def test_config_json_create_round_trip(name: str, default_model: Callable[..., ebmcore.BaseModel]) -> None:
    model = default_model(name)
    text = json.dumps(model.spec)
    rebuilt = ebmcore.create(json.loads(text))
    assert rebuilt.spec == model.spec
    assert json.dumps(rebuilt.spec) == text
    assert_same_function(model, rebuilt)
    # and through the keyword form the docs give: create(name, **config)
    assert_same_function(model, ebmcore.create(model.registry_name, **model.config))


def test_whole_model_files_are_refused_by_weights_only() -> None:
    """The trust model: ebmcore loads state dicts, never pickled objects (which run code)."""
    model = ebmcore.create("rosenbrock" if "rosenbrock" in ENERGIES else ENERGIES[0])
    buffer = io.BytesIO()
    torch.save(model, buffer)
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        torch.load(buffer, weights_only=True)
