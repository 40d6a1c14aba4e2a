"""Declared ground truth: ``domain``, ``minimizer`` and ``minimum`` read by the base class.

The energies converted from ``bounds``/``minima`` properties to declarations must give what
the properties gave: the same float64 CPU tensors (the properties built them with
``ebmcore_analytic._memory.filled``), shapes, values and counts.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch
from ebmcore_analytic._memory import filled

import ebmcore
from ebmcore import BaseModel, InvalidParameterError, Minima

GROUND_TRUTH = ("bounds", "minima", "log_partition", "sample", "mean", "stddev", "modes")

# name, constructor arguments (besides dim), the declared box, the declared minimizer (None: a
# property), whether the energy takes a dim (the two-dimensional functions do not)
CONVERTED: list[tuple[str, dict[str, Any], tuple[float, float], float | None, bool]] = [
    ("sphere", {}, (-5.12, 5.12), 0.0, True),
    ("ackley", {}, (-32.768, 32.768), 0.0, True),
    ("rastrigin", {}, (-5.12, 5.12), 0.0, True),
    ("griewank", {}, (-600.0, 600.0), 0.0, True),
    ("levy", {}, (-10.0, 10.0), 1.0, True),
    ("zakharov", {}, (-5.0, 10.0), 0.0, True),
    ("styblinski_tang", {}, (-5.0, 5.0), None, True),
    ("dixon_price", {}, (-10.0, 10.0), None, True),
    ("michalewicz", {}, (0.0, math.pi), None, True),
    ("rosenbrock", {}, (-5.0, 10.0), None, True),
    ("rosenbrock", {"a": 2.5, "b": 3.0}, (-5.0, 10.0), None, True),
    ("himmelblau", {}, (-5.0, 5.0), None, False),
    ("booth", {}, (-10.0, 10.0), None, False),
    ("beale", {}, (-4.5, 4.5), None, False),
    ("three_hump_camel", {}, (-5.0, 5.0), 0.0, False),
    ("holder_table", {}, (-10.0, 10.0), None, False),
    ("eggholder", {}, (-512.0, 512.0), None, False),
    ("spherical", {}, (-1.5, 1.5), None, True),
]
MINIMIZER_ONLY = [("harmonic", {"k": 4.0}, 0.0, True)]  # its box depends on k: a property


def _dims(name: str, takes_dim: bool) -> tuple[int | None, ...]:
    """Dimensions to build at: None for the two-dimensional functions, which take none."""
    if not takes_dim:
        return (None,)
    return (2, 3, 40) if name == "rosenbrock" else (1, 3, 40)


BOXES = [(n, k, box, d) for n, k, box, _, t in CONVERTED for d in _dims(n, t)]
POINTS = [(n, k, p, d) for n, k, _, p, t in CONVERTED if p is not None for d in _dims(n, t)]
POINTS += [(n, k, p, d) for n, k, p, t in MINIMIZER_ONLY for d in _dims(n, t)]


def _build(name: str, kwargs: dict[str, Any], dim: int | None) -> BaseModel:
    return ebmcore.create(name, **kwargs) if dim is None else ebmcore.create(name, dim=dim, **kwargs)


def _assert_same_tensor(got: torch.Tensor, expected: torch.Tensor) -> None:
    assert got.dtype == torch.float64 and got.device == torch.device("cpu")
    assert got.shape == expected.shape and got.is_contiguous()
    assert torch.equal(got, expected)


@pytest.mark.parametrize(("name", "kwargs", "box", "dim"), BOXES)
def test_a_declared_box_is_what_the_bounds_property_gave(
    name: str, kwargs: dict[str, Any], box: tuple[float, float], dim: int | None
) -> None:
    model = _build(name, kwargs, dim)
    assert type(model).domain == box
    assert "bounds" not in type(model).__dict__  # declared, not a property of its own
    bounds = model.bounds
    assert bounds is not None
    _assert_same_tensor(bounds, filled(model, list(box), "(2, dim) float64 bounds"))
    assert bounds.shape == (2, *model.event_shape)
    assert bounds.tolist() == [[box[0]] * model.dim, [box[1]] * model.dim]
    assert model.bounds is not bounds  # a new tensor each time: writing to one changes nothing
    _assert_same_tensor(model.float().bounds, bounds)  # float64 on the CPU, whatever the model's dtype


@pytest.mark.parametrize(("name", "kwargs", "point", "dim"), POINTS)
def test_a_declared_minimizer_is_what_the_minima_property_gave(
    name: str, kwargs: dict[str, Any], point: float, dim: int | None
) -> None:
    model = _build(name, kwargs, dim)
    assert type(model).minimizer == point and type(model).minimum == 0.0
    assert "minima" not in type(model).__dict__
    minima = model.minima
    assert isinstance(minima, Minima)
    _assert_same_tensor(minima.points, filled(model, [point], "(1, dim) float64 minimizer"))
    assert minima.points.shape == (1, *model.event_shape)
    assert (minima.value, minima.count) == (0.0, 1)
    assert model.minimum_value == 0.0
    torch.testing.assert_close(model.energy(minima.points), torch.zeros(1, dtype=torch.float64))


def test_the_declared_minimum_value_needs_no_minimizer_in_memory() -> None:
    model = ebmcore.create("sphere", dim=10**15)  # the minimizer would take 8 PB
    assert model.minimum_value == 0.0
    for member in ("bounds", "minima"):
        with pytest.raises(InvalidParameterError) as raised:
            getattr(model, member)
        assert raised.value.parameter == "dim" and "PB" in str(raised.value)


def test_properties_left_in_place_still_answer() -> None:
    # ground truth that depends on the parameters stays a property of the class
    tang = ebmcore.create("styblinski_tang", dim=3)
    assert tang.minima is not None and tang.minimum_value == tang.minima.value < -100.0
    valley = ebmcore.create("rosenbrock", dim=3, a=2.0)
    assert valley.bounds is not None and valley.minima is None and valley.minimum_value is None
    harmonic = ebmcore.create("harmonic", dim=2, k=4.0)
    assert harmonic.bounds is not None and harmonic.bounds.tolist() == [[-2.5, -2.5], [2.5, 2.5]]


# -- the base class ----------------------------------------------------------------------------


class Plain(BaseModel):
    """Declares nothing."""

    def __init__(self, dim: int = 2) -> None:
        super().__init__(dim, dim=dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x * x).sum(-1)


class Declared(Plain):
    domain = (-2.0, 3.0)
    minimizer = 0.5
    minimum = -1.25

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ((x - 0.5) ** 2).sum(-1) - 1.25


class Grid(BaseModel):
    """A ``(2, 3)`` event shape: declared ground truth takes it whole."""

    domain = (0.0, 1.0)
    minimizer = 0.25

    def __init__(self) -> None:
        super().__init__((2, 3), shape="2x3")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ((x - 0.25) ** 2).sum((-2, -1))


class Shapeless(BaseModel):
    """Built by ``super().__init__()``: no event shape, so no box or point can be formed."""

    domain = (-1.0, 1.0)
    minimizer = 0.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x * x).sum(-1)


class OwnMinima(Declared):
    """Declares a minimizer, but its own ``minima`` property has the last word."""

    @property
    def minima(self) -> Minima | None:
        return None


def test_a_class_that_declares_nothing_knows_nothing() -> None:
    model = Plain(3)
    assert (Plain.domain, Plain.minimizer, Plain.minimum) == (None, None, 0.0)
    assert model.bounds is None and model.minima is None and model.minimum_value is None
    assert Plain.declared_ground_truth() == ()
    assert BaseModel.declared_ground_truth() == ()


def test_declared_box_point_and_value() -> None:
    model = Declared(4)
    assert model.bounds is not None and model.minima is not None
    _assert_same_tensor(model.bounds, torch.tensor([[-2.0] * 4, [3.0] * 4], dtype=torch.float64))
    _assert_same_tensor(model.minima.points, torch.full((1, 4), 0.5, dtype=torch.float64))
    assert (model.minima.value, model.minima.count, model.minimum_value) == (-1.25, 1, -1.25)
    assert model.energy(model.minima.points).item() == -1.25
    assert Declared.declared_ground_truth() == ("bounds", "minima")


def test_declared_ground_truth_takes_the_whole_event_shape() -> None:
    model = Grid()
    assert model.bounds is not None and model.minima is not None
    _assert_same_tensor(
        model.bounds, torch.tensor([0.0, 1.0], dtype=torch.float64)[:, None, None].expand(2, 2, 3)
    )
    _assert_same_tensor(model.minima.points, torch.full((1, 2, 3), 0.25, dtype=torch.float64))
    assert model.minimum_value == 0.0


def test_declared_ground_truth_needs_an_event_shape() -> None:
    model = Shapeless()
    assert model.bounds is None and model.minima is None and model.minimum_value is None
    assert Shapeless.declared_ground_truth() == ("bounds", "minima")  # what the class provides


def test_an_overriding_property_wins_over_the_declaration() -> None:
    model = OwnMinima(2)
    assert model.minima is None and model.minimum_value is None
    assert model.bounds is not None  # the box is still the declared one


def test_a_box_on_a_model_moved_to_another_device_or_dtype_stays_on_the_cpu() -> None:
    model = ebmcore.create("griewank", dim=3).to(torch.float32)  # it holds a buffer
    assert next(model.buffers()).dtype == torch.float32
    _assert_same_tensor(model.bounds, torch.tensor([[-600.0] * 3, [600.0] * 3], dtype=torch.float64))
    meta = ebmcore.create("griewank", dim=3).to("meta")
    assert meta.bounds is not None and meta.bounds.device == torch.device("cpu")


# -- declared_ground_truth ------------------------------------------------------------------


def _overridden(cls: type[BaseModel]) -> set[str]:
    """The rule the registry used before declarations: members that differ from the base's."""
    return {name for name in GROUND_TRUTH if getattr(cls, name) is not getattr(BaseModel, name)}


def test_declared_ground_truth_is_overrides_and_declarations_in_order() -> None:
    class Sampled(Declared):
        def log_partition(self) -> float:
            return 0.0

        def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
            return torch.zeros(n, self.dim)

    assert Sampled.declared_ground_truth() == ("bounds", "minima", "log_partition", "sample")

    class OnlyMinimum(Plain):
        minimum = 3.0  # a value without a minimizer declares nothing

    assert OnlyMinimum.declared_ground_truth() == ()
    assert OnlyMinimum(2).minimum_value is None


def test_a_declared_centre_of_symmetry_is_the_mean_for_any_event_shape() -> None:
    class Even(Plain):
        symmetric_about = 0.5

    assert Even.declared_ground_truth() == ("mean",)
    assert Even(3).mean.tolist() == [0.5, 0.5, 0.5] and Even(3).mean.dtype == torch.float64
    assert Even((2, 3)).mean.shape == (2, 3)
    assert Plain(3).mean is None


def test_every_declared_centre_is_a_centre_of_symmetry() -> None:
    """E(2c - x) = E(x) at random points (float64), for each energy declaring ``symmetric_about``."""
    seen = 0
    for name in ebmcore.list_energies():
        try:
            model = ebmcore.create(name).double()
        except Exception:
            continue
        centre = type(model).symmetric_about
        if centre is None:
            continue
        x = 0.5 * torch.randn(
            64, *model.event_shape, generator=torch.Generator().manual_seed(0), dtype=torch.float64
        )
        mirrored = 2.0 * centre - x
        torch.testing.assert_close(model.energy(mirrored), model.energy(x), rtol=1e-12, atol=1e-12, msg=name)
        seen += 1
    assert seen >= 10


def test_every_registered_energy_declares_what_it_provides() -> None:
    seen = 0
    for name in ebmcore.list_energies():
        try:
            cls = type(ebmcore.create(name))
        except Exception:  # an energy that cannot be built with its defaults: the others suffice
            continue
        expected = _overridden(cls)
        expected |= {"bounds"} if cls.domain is not None else set()
        expected |= {"minima"} if cls.minimizer is not None else set()
        expected |= {"mean"} if cls.symmetric_about is not None else set()
        assert cls.declared_ground_truth() == tuple(g for g in GROUND_TRUTH if g in expected), name
        seen += 1
    assert seen >= 30


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sphere", GROUND_TRUTH),
        ("levy", ("bounds", "minima", "log_partition", "sample", "mean", "stddev")),
        ("himmelblau", GROUND_TRUTH),
        ("ackley", ("bounds", "minima")),
        ("spherical", ("bounds",)),
        ("rosenbrock", GROUND_TRUTH),
        ("harmonic", GROUND_TRUTH),
        ("double_well", GROUND_TRUTH),
    ],
)
def test_converted_energies_declare_what_their_properties_did(name: str, expected: tuple[str, ...]) -> None:
    assert type(ebmcore.create(name)).declared_ground_truth() == expected
