"""The BaseModel contract: shapes, dtypes, devices, input checks, ground-truth defaults, config."""

from __future__ import annotations

import json
import math

import pytest
import torch
from torch import Tensor

import ebmcore
from ebmcore import BaseModel, InvalidInputError, InvalidParameterError, Minima, constraints
from ebmcore.plugin import cached_while_unchanged

F64 = torch.float64


class Quartic(BaseModel):
    """E(x) = c * sum x^4, with an nn.Parameter c; no analytic gradient."""

    arg_constraints = {"dim": constraints.positive_integer, "c": constraints.positive}

    def __init__(self, dim: int = 3, c: float = 0.5) -> None:
        super().__init__(dim, dim=dim, c=c)
        self.c = torch.nn.Parameter(torch.tensor(c, dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.c.to(x.dtype) * (x**4).sum(-1)


def test_forward_shapes_single_batch_and_nested_batch():
    model = Quartic(dim=3)
    assert model.energy(torch.ones(3)).shape == ()
    assert model.energy(torch.ones(7, 3)).shape == (7,)
    assert model.energy(torch.ones(2, 5, 3)).shape == (2, 5)
    assert model(torch.ones(2, 5, 3)).shape == (2, 5)
    assert model.gradient(torch.ones(2, 5, 3)).shape == (2, 5, 3)
    torch.testing.assert_close(model.energy(torch.ones(3)), torch.tensor(1.5))


def test_wrong_last_dimension_names_expected_and_actual_shape():
    model = Quartic(dim=3)
    with pytest.raises(InvalidInputError, match=r"Quartic expects x of shape \(\*batch, 3\), got \(4, 2\)"):
        model.energy(torch.ones(4, 2))
    with pytest.raises(ValueError, match=r"got \(\)"):
        model.gradient(torch.tensor(1.0))
    with pytest.raises(InvalidInputError, match=r"floating-point x, got dtype torch\.int64"):
        model(torch.ones(3, dtype=torch.int64))
    with pytest.raises(InvalidInputError, match=r"expects a torch\.Tensor x, got list"):
        model([1.0, 2.0, 3.0])
    sparse = torch.ones(4, 3).to_sparse()
    for call in (model, model.gradient, model.energy_and_gradient):
        with pytest.raises(
            InvalidInputError, match=r"dense x \(layout torch\.strided\), got layout torch\.sparse_coo"
        ):
            call(sparse)


def test_float64_in_gives_float64_out_and_float32_stays_float32():
    model = Quartic(dim=3)
    for dtype in (torch.float32, torch.float64):
        x = torch.randn(4, 3, dtype=dtype, generator=torch.Generator().manual_seed(0))
        energy, grad = model.energy_and_gradient(x)
        assert energy.dtype == grad.dtype == model.gradient(x).dtype == dtype


def test_device_mismatch_names_both_devices():
    model = Quartic(dim=3).to("meta")
    with pytest.raises(InvalidInputError, match=r"lives on meta but x is on cpu"):
        model.energy(torch.ones(3))


def test_inputs_are_never_modified_and_nan_propagates():
    model = ebmcore.create("rosenbrock", dim=4)
    x = torch.randn(6, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    x[2, 1] = float("nan")
    before = x.clone()
    energy, grad = model.energy_and_gradient(x)
    model.gradient(x, create_graph=True)
    torch.testing.assert_close(x, before, equal_nan=True)
    assert torch.isnan(energy[2]) and torch.isfinite(energy[[0, 1, 3, 4, 5]]).all()
    assert torch.isnan(grad[2]).any() and torch.isfinite(grad[[0, 1, 3, 4, 5]]).all()


def test_bad_constructor_values_name_parameter_value_and_constraint():
    with pytest.raises(InvalidParameterError) as info:
        Quartic(c=-2.0)
    assert str(info.value) == "Quartic: parameter 'c' must be a finite real number > 0, got -2.0"
    assert (info.value.parameter, info.value.value) == ("c", -2.0)
    with pytest.raises(ValueError, match="parameter 'dim' must be an integer >= 1, got 0"):
        Quartic(dim=0)
    with pytest.raises(ValueError, match="parameter 'c' must be a finite real number > 0, got nan"):
        Quartic(c=math.nan)
    with pytest.raises(ValueError, match="parameter 'dim' must be an integer >= 1, got True"):
        Quartic(dim=True)


def test_ground_truth_defaults_are_unknown():
    model = Quartic()
    assert model.bounds is None and model.minima is None and model.log_partition() is None
    with pytest.raises(NotImplementedError, match="Quartic has no exact sampler"):
        model.sample(3)


def test_sample_count_is_checked():
    model = ebmcore.create("gaussian", dim=2)
    with pytest.raises(InvalidParameterError, match="parameter 'n' must be an integer >= 0, got -1"):
        model.sample(-1)
    for bad in (2.0, True, "3"):
        with pytest.raises(InvalidParameterError, match="parameter 'n'"):
            model.sample(bad)
    assert model.sample(5, generator=torch.Generator().manual_seed(0)).shape == (5, 2)
    empty = model.sample(0)  # an empty batch, as torch.distributions gives
    assert empty.shape == (0, 2) and empty.dtype == model.dtype


def test_minima_named_tuple_counts_points_unless_told():
    minima = Minima([[1.0, 2.0], [3.0, 4.0]], 0)
    assert minima.count == 2 and minima.value == 0.0 and minima.points.dtype == torch.float64
    many = ebmcore.create("double_well", dim=20).minima
    assert many.count == 2**20 and many.points.shape[0] < many.count


def test_config_is_json_and_rebuilds_an_equal_model():
    model = ebmcore.create("gaussian", mean=torch.tensor([1.0, -1.0]), cov=[[2.0, 0.3], [0.3, 1.0]])
    config = json.loads(json.dumps(model.config))
    assert config == {"dim": 2, "mean": [1.0, -1.0], "cov": [[2.0, 0.3], [0.3, 1.0]]}
    rebuilt = ebmcore.create({"name": model.registry_name, **config})
    x = torch.randn(10, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(rebuilt.energy(x), model.energy(x), rtol=0, atol=0)
    assert model.spec == {"name": "analytic/gaussian", **config}


def test_spec_of_an_unregistered_class_explains_itself():
    with pytest.raises(ebmcore.RegistrationError, match="Quartic is not a registered energy"):
        _ = Quartic().spec


def test_parameters_and_buffers_follow_to():
    model = ebmcore.create("gaussian", mean=[1.0, 2.0]).to(torch.float32)
    assert model.loc.dtype == torch.float32
    assert model.energy(torch.zeros(2, dtype=torch.float64)).dtype == torch.float64


def test_repr_shows_config():
    assert repr(ebmcore.create("rosenbrock", dim=3)) == "Rosenbrock(dim=3, a=1.0, b=100.0)"


def test_device_check_follows_to_and_late_registered_tensors():
    model = Quartic(dim=3)
    model.energy(torch.ones(3))  # caches the device
    model.to("meta")
    with pytest.raises(InvalidInputError, match="lives on meta"):
        model.energy(torch.ones(3))
    model.to_empty(device="cpu")
    model.energy(torch.ones(3))
    model.register_buffer("shift", torch.zeros(3, device="meta"))
    del model.c  # the buffer is now the first tensor
    with pytest.raises(InvalidInputError, match="lives on meta"):
        model.check_input(torch.ones(3))


def test_modes_validate_and_normalize() -> None:
    modes = ebmcore.Modes([[-1.0, 0.0], [1.0, 0.0]], [0.25, 0.75], count=4)
    assert modes.points.dtype == torch.float64 and modes.weights.tolist() == [0.25, 0.75]
    assert modes.count == 4
    with pytest.raises(ValueError, match="2 points but 3 weights"):
        ebmcore.Modes([[-1.0], [1.0]], [0.2, 0.3, 0.5])


def test_moments_and_modes_are_unknown_by_default() -> None:
    model = Quartic()
    assert model.mean is None and model.stddev is None and model.modes is None


def test_dtype_is_the_tensors_dtype_or_the_last_conversion() -> None:
    import ebmcore

    held = ebmcore.create("gaussian", dim=2)  # float64 buffers
    assert held.dtype == torch.float64 and held.float().dtype == torch.float32

    class Bare(ebmcore.BaseModel):  # holds no tensor: the conversions are remembered
        def __init__(self) -> None:
            super().__init__(2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x.sum(-1)

    bare = Bare()
    assert bare.dtype == torch.float64
    assert bare.float().dtype == torch.float32 and bare.half().dtype == torch.float16
    assert bare.to("meta").dtype == torch.float16  # a move keeps the dtype
    assert bare.double().dtype == torch.float64


# -- derived values cached while their sources are unchanged ---------------------------------------


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


# -- the device, cached, during a move and after an assignment -------------------------------------


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


# -- repr of nested composed energies --------------------------------------------------------------


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


# -- integer scalars as an event shape, meta tensors as arguments ----------------------------------


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


# -- configs of large tensors ----------------------------------------------------------------------


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
