"""Regression tests for the adversarial probe's findings in the core contract (issue: nothing
silently wrong): gradients under inference mode, the derived-value cache under concurrent
updates, the device cache during a move, and the size of a nested model's repr."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import Tensor

import ebmcore
from ebmcore import BaseModel
from ebmcore.plugin import cached_while_unchanged

F64 = torch.float64


def _x(*shape: int, seed: int = 0) -> Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


# -- 1. gradients inside torch.inference_mode() ----------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        {"name": "mlp", "input_dim": 3, "hidden_dims": [8], "seed": 0},
        {"name": "density", "distribution": "StudentT", "params": {"df": 3.0}, "dim": 3},
    ],
)
def test_autograd_gradients_inside_inference_mode_are_the_true_gradients(spec: dict[str, Any]) -> None:
    model = ebmcore.create(spec).double()
    x = _x(5, 3)
    assert ebmcore.resolve_backend(model, x) == "autograd"
    reference = model.gradient(x)
    assert reference.abs().max() > 0
    with torch.inference_mode():
        inside = model.gradient(x)
        energy, grad = model.energy_and_gradient(x)
    torch.testing.assert_close(inside, reference, rtol=0, atol=0)
    torch.testing.assert_close(grad, reference, rtol=0, atol=0)
    torch.testing.assert_close(energy, model(x), rtol=0, atol=0)


def test_the_forced_autograd_path_inside_inference_mode_matches_the_analytic_one() -> None:
    model = ebmcore.create("rosenbrock", dim=4)
    x = _x(6, 4)
    analytic = model.gradient(x)
    with torch.inference_mode(), ebmcore.use_backend("autograd"):
        forced = model.gradient(x)
    torch.testing.assert_close(forced, analytic, rtol=1e-12, atol=1e-9)


def test_an_inference_tensor_outside_inference_mode_is_differentiated() -> None:
    model = ebmcore.create("mlp", input_dim=2, hidden_dims=[4], seed=1).double()
    x = _x(3, 2)
    with torch.inference_mode():
        frozen = x.clone()
    assert frozen.is_inference()
    torch.testing.assert_close(model.gradient(frozen), model.gradient(x), rtol=0, atol=0)
    assert frozen.is_inference()  # untouched


def test_an_energy_that_does_not_depend_on_x_has_zero_gradient_in_inference_mode() -> None:
    class Flat(BaseModel):
        def forward(self, x: Tensor) -> Tensor:
            return torch.full(x.shape[:-1], 2.0, dtype=x.dtype)

    with torch.inference_mode():
        grad = Flat().gradient(_x(4, 3))
    assert torch.equal(grad, torch.zeros(4, 3, dtype=F64))


# -- 2. cached_while_unchanged under an update made while the value is built -----------------------


def test_a_value_built_while_its_source_changes_is_not_kept() -> None:
    module = torch.nn.Module()
    module.register_buffer("w", torch.tensor([1.0, 2.0]))

    def build_during_an_update() -> float:
        value = float(module.w.sum())  # read the old contents ...
        with torch.no_grad():
            module.w.mul_(10.0)  # ... while another thread loads new ones in place
        return value

    stale = cached_while_unchanged(module, "total", (module.w,), build_during_an_update)
    assert stale == 3.0  # the value of the moment
    fresh = cached_while_unchanged(module, "total", (module.w,), lambda: float(module.w.sum()))
    assert fresh == 30.0  # rebuilt, not the stale 3.0
    assert cached_while_unchanged(module, "total", (module.w,), lambda: -1.0) == 30.0  # now cached


# -- 5. the device cache during a move ------------------------------------------------------------


def test_a_device_read_during_a_move_does_not_leave_the_old_device_cached() -> None:
    model = ebmcore.create("gaussian", dim=2)
    assert model.device == torch.device("cpu")

    def move(t: Tensor) -> Tensor:
        model.device  # noqa: B018  # another thread asks while the tensors move
        return t.to("meta")

    model._apply(move)
    assert model.device == torch.device("meta")


def test_assigning_a_tensor_attribute_refreshes_the_device() -> None:
    model = ebmcore.create("gaussian", dim=2)
    assert model.device == torch.device("cpu")
    model.loc = torch.zeros(2, dtype=F64, device="meta")  # a buffer replaced by assignment
    assert model.device == torch.device("meta")


# -- 9. repr of nested composed energies ----------------------------------------------------------


def test_repr_of_a_nested_energy_shows_each_model_once() -> None:
    calls = []

    class Leaf(BaseModel):
        def __init__(self) -> None:
            super().__init__(2)

        def forward(self, x: Tensor) -> Tensor:
            return (x * x).sum(-1)

        def extra_repr(self) -> str:
            calls.append(1)
            return "leaf"

    model: BaseModel = Leaf()
    for _ in range(14):
        model = ebmcore.create("tempered", base=model, temperature=2.0)
    text = repr(model)
    assert len(calls) == 1  # was 2 ** 14: each level printed its base in its config and as a submodule
    assert text.startswith("Tempered(\n  base=Tempered(...), temperature=2.0")
    assert text.count("(base): Tempered(") == 13 and text.count("base=Tempered(...)") == 13
    assert text.count("(base): Leaf(leaf)") == 1 and text.count("base=Leaf(...)") == 1


# -- 14 and 16, in the contract: integer scalars as an event shape, meta tensors as arguments ------


def test_numpy_and_torch_integers_fix_the_event_shape_of_a_class_built_directly() -> None:
    import numpy as np
    from ebmcore_analytic import DoubleWell, Gaussian

    assert Gaussian(dim=np.int64(3)).event_shape == (3,)
    assert DoubleWell(dim=torch.tensor(4)).event_shape == (4,)

    class Grid(BaseModel):
        def __init__(self) -> None:
            super().__init__((np.int32(2), torch.tensor(3)))

        def forward(self, x: Tensor) -> Tensor:
            return x.sum((-1, -2))

    assert Grid().event_shape == (2, 3) and Grid().dim == 6
    with pytest.raises(ebmcore.InvalidParameterError, match="'event_shape' must be a positive integer"):
        BaseModel.__init__(Grid.__new__(Grid), 2.5)


def test_a_meta_tensor_argument_is_an_error_naming_it() -> None:
    with pytest.raises(ebmcore.InvalidParameterError, match="parameter 'mean' must be a tensor with data"):
        ebmcore.create("gaussian", mean=torch.zeros(2, device="meta"))


# -- 11, in the contract: configs of large tensors -------------------------------------------------


def test_config_is_an_independent_json_copy() -> None:
    import json

    import numpy as np

    cov = torch.eye(300, dtype=F64) * 2.0
    model = ebmcore.create("gaussian", cov=cov, mean=np.zeros(300))
    config = model.config
    config["cov"][0][0] = -1.0
    config["mean"].append(5.0)
    assert model.config["cov"][0][0] == 2.0 and len(model.config["mean"]) == 300
    assert json.loads(json.dumps(model.spec)) == model.spec
    assert type(model.config["mean"][0]) is float
    nested = ebmcore.create("tempered", base=model, temperature=2.0)
    assert nested.config["base"]["cov"][299][299] == 2.0


def test_a_config_value_json_cannot_hold_is_a_type_error() -> None:
    class Holds(BaseModel):
        def __init__(self) -> None:
            super().__init__(2, thing=object())

        def forward(self, x: Tensor) -> Tensor:
            return x.sum(-1)

    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        Holds().config  # noqa: B018
