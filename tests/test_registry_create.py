"""Looking energies up and creating them, in process: ``list_energies``, ``create``, ``info``,
``register_energy``, and what each refuses, with the message it refuses it with.

The catalog is the installed one (every first-party plugin) plus in-process energies. Broken and
clashing plugin distributions are tested in subprocesses by ``test_registry_dists.py``, and
discovery itself by ``test_registry_discovery.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import ebmcore
from ebmcore import (
    AmbiguousEnergyError,
    BaseModel,
    EnergyNotFoundError,
    MissingParameterError,
    PluginError,
    RegistrationError,
    UnknownParameterError,
)
from ebmcore.plugin import create_component


class Ring(BaseModel):
    """E(x) = (|x| - radius)^2."""

    def __init__(self, radius: float, dim: int = 2) -> None:
        super().__init__(dim, radius=radius, dim=dim)
        self.radius = radius

    def forward(self, x):
        return (x.norm(dim=-1) - self.radius) ** 2


@pytest.fixture
def local_energies():
    registered = []

    def register(name, target, **kwargs):
        ebmcore.register_energy(name, **kwargs)(target)
        registered.append(name)
        return target

    yield register
    for name in registered:
        ebmcore.unregister_energy(name)


def test_list_energies_filters_by_pattern_tag_and_plugin():
    names = ebmcore.list_energies()
    assert names == sorted(names) and {"gaussian", "double_well", "rosenbrock"} <= set(names)
    wells = ebmcore.list_energies("*well*")
    assert "double_well" in wells and wells == [n for n in names if "well" in n]
    assert ebmcore.list_energies("analytic/gauss*") == ["gaussian", "gaussian_from_samples"]
    assert ebmcore.list_energies("analytic/gaussian") == ["gaussian"]
    assert "gaussian" in ebmcore.list_energies(tags="exact_sampler")
    assert "ackley" not in ebmcore.list_energies(tags=["analytic", "exact_sampler"])
    assert ebmcore.list_energies(plugin="no_such_plugin") == []


def test_create_by_name_qualified_name_alias_spec_and_instance():
    x = torch.tensor([0.5, -1.0, 2.0])
    reference = ebmcore.create("gaussian", dim=3).energy(x)
    for model in (
        ebmcore.create("analytic/gaussian", dim=3),
        ebmcore.create("normal", dim=3),
        ebmcore.create("analytic/normal", dim=3),
        ebmcore.create({"name": "gaussian", "dim": 3}),
        ebmcore.create({"name": "gaussian"}, dim=3),
    ):
        torch.testing.assert_close(model.energy(x), reference)
        assert model.registry_name == "analytic/gaussian"
    model = ebmcore.create("rosenbrock")
    assert ebmcore.create(model) is model


def test_spec_dict_errors():
    with pytest.raises(ebmcore.InvalidSpecError) as info:
        ebmcore.create({"dim": 3})
    assert isinstance(info.value, TypeError)
    assert str(info.value) == (
        "create(): a spec dict must be a dict with a 'name' key, like {'name': 'gaussian', 'dim': 3}, "
        "got {'dim': 3}"
    )
    with pytest.raises(ebmcore.InvalidSpecError) as info:
        ebmcore.create({"name": "gaussian", "dim": 3}, dim=4)
    assert str(info.value) == (
        "create(): a parameter must be given in the spec dict or as a keyword argument, not both, got ['dim']"
    )
    with pytest.raises(ebmcore.InvalidSpecError) as info:
        ebmcore.create(ebmcore.create("rosenbrock"), dim=3)
    assert str(info.value) == (
        "create(): keyword arguments must be empty when name_or_spec is a model (it is returned as is), "
        "got {'dim': 3}"
    )


def test_unknown_name_suggests_close_matches():
    with pytest.raises(EnergyNotFoundError) as info:
        ebmcore.create("rosenbrok")
    assert isinstance(info.value, KeyError)
    assert str(info.value).startswith("no energy named 'rosenbrok'. Did you mean 'rosenbrock'")
    assert "ebmcore list" in str(info.value)
    with pytest.raises(EnergyNotFoundError, match="Did you mean 'analytic/gaussian'"):
        ebmcore.create("analytic/gausian")


def test_unknown_keyword_names_it_its_closest_match_and_the_accepted_list():
    with pytest.raises(UnknownParameterError) as info:
        ebmcore.create("double_well", barrier_hieght=2.0)
    assert isinstance(info.value, TypeError)
    assert str(info.value) == (
        "energy 'double_well' got an unexpected parameter 'barrier_hieght'. "
        "Did you mean 'barrier_height'? Accepted parameters: b, barrier_height, dim."
    )


def test_missing_required_parameter(local_energies):
    local_energies("ring", Ring)
    with pytest.raises(MissingParameterError, match="energy 'ring' requires parameter 'radius'"):
        ebmcore.create("ring")
    assert ebmcore.create("ring", radius=2.0).energy(torch.tensor([2.0, 0.0])) == 0


def test_register_energy_is_local_and_never_overwrites(local_energies):
    local_energies("ring", Ring, summary="a ring")
    assert "ring" in ebmcore.list_energies(plugin="local")
    assert ebmcore.create("local/ring", radius=1.0).registry_name == "local/ring"
    with pytest.raises(RegistrationError, match="an in-process energy named 'ring' is already registered"):
        ebmcore.register_energy("ring")(Ring)
    ebmcore.register_energy("ring", summary="replaced", replace=True)(Ring)
    assert ebmcore.info("ring").summary == "replaced"
    with pytest.raises(RegistrationError, match="lowercase snake case"):
        ebmcore.register_energy("Ring")(Ring)


def test_a_name_offered_twice_is_ambiguous_bare_and_reachable_qualified(local_energies):
    local_energies("rosenbrock", Ring)
    with pytest.raises(AmbiguousEnergyError) as info:
        ebmcore.create("rosenbrock")
    assert str(info.value) == (
        "energy name 'rosenbrock' is offered by several plugins: analytic/rosenbrock, local/rosenbrock. "
        "Ask for one by its qualified name."
    )
    assert isinstance(info.value, KeyError)
    assert type(ebmcore.create("analytic/rosenbrock")).__name__ == "Rosenbrock"
    assert isinstance(ebmcore.create("local/rosenbrock", radius=1.0), Ring)
    listed = ebmcore.list_energies("*/rosenbrock")
    assert listed == ["analytic/rosenbrock", "local/rosenbrock"]


def test_a_target_that_is_not_a_model_fails_naming_the_plugin(local_energies):
    local_energies("not_a_model", lambda: torch.nn.Linear(2, 1))
    with pytest.raises(PluginError, match="plugin 'local': energy 'not_a_model' is not a BaseModel") as info:
        ebmcore.create("not_a_model")
    assert isinstance(info.value.__cause__, TypeError)
    local_energies("linear", torch.nn.Linear)
    with pytest.raises(PluginError, match=r"is not an ebmcore\.BaseModel") as info:
        ebmcore.create("linear")
    assert "not a subclass of ebmcore.BaseModel" in str(info.value.__cause__)


def test_info_describes_parameters_and_ground_truth():
    meta = ebmcore.info("double_well")
    assert (meta.plugin, meta.qualified_name, meta.distribution) == (
        "analytic",
        "analytic/double_well",
        "ebmcore-analytic",
    )
    params = {p.name: p for p in meta.parameters}
    assert (
        params["barrier_height"].default == 1.0
        and params["barrier_height"].allowed == "a finite real number > 0"
    )
    assert not params["dim"].required
    every = ("bounds", "minima", "log_partition", "sample", "mean", "stddev", "modes")
    assert meta.ground_truth == every
    assert ebmcore.info("rosenbrock").ground_truth == every
    assert "E(x)" in meta.doc


def test_references_are_read_from_the_docstring_section() -> None:
    from ebmcore._registry.describe import references

    doc = """Title.

    References:
        First, A. "A paper", Journal 1 (2000)
            continued on a deeper line.
        Second, B. Another (2001).

    Example:
        >>> 1
    """
    import inspect

    assert references(inspect.cleandoc(doc)) == (
        'First, A. "A paper", Journal 1 (2000) continued on a deeper line.',
        "Second, B. Another (2001).",
    )
    assert references("No section here.") == ()
    # a reference wrapped over lines of one indentation is one entry; a blank line or a list
    # marker starts the next one
    wrapped = """Title.

    References:
        H. H. Rosenbrock, "An automatic method for finding the greatest or least value of a
        function", The Computer Journal 3 (1960).

        - Second, B. Another (2001).
        - Third, C. A third
          one (2002).
    """
    assert references(inspect.cleandoc(wrapped)) == (
        'H. H. Rosenbrock, "An automatic method for finding the greatest or least value of a '
        'function", The Computer Journal 3 (1960).',
        "- Second, B. Another (2001).",
        "- Third, C. A third one (2002).",
    )


# -- what create() and info() are given ------------------------------------------------------------


NAME_OR_SPEC = (
    "create(): name_or_spec must be an energy name (a string), a spec dict like "
    "{'name': 'gaussian', 'dim': 3} or a model, got "
)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (None, NAME_OR_SPEC + "None"),
        (123, NAME_OR_SPEC + "123"),
        (b"gaussian", NAME_OR_SPEC + "b'gaussian'"),
        (["gaussian"], NAME_OR_SPEC + "['gaussian']"),
        (
            {},
            "create(): a spec dict must be a dict with a 'name' key, like {'name': 'gaussian', 'dim': 3}, "
            "got {}",
        ),
        ({"name": None}, "create(): spec['name'] must be an energy name (a string), got None"),
        (
            {"name": "gaussian", 3: 4},
            "create(): the keys of a spec dict must be strings (parameter names), got [3]",
        ),
    ],
)
def test_create_refuses_what_is_not_a_name_spec_or_model(given: Any, message: str) -> None:
    with pytest.raises(ebmcore.InvalidSpecError) as caught:
        ebmcore.create(given)
    assert isinstance(caught.value, TypeError)
    assert str(caught.value) == message
    with pytest.raises(ebmcore.InvalidParameterError, match="parameter 'base' must be a registered name"):
        create_component(given, parameter="base", energy="Tempered")


def test_info_refuses_a_name_that_is_not_a_string() -> None:
    with pytest.raises(
        ebmcore.InvalidSpecError, match=r"^info\(\): the energy name must be a string, got 5$"
    ):
        ebmcore.info(5)  # type: ignore[arg-type]


# -- deep and cyclic specs -------------------------------------------------------------------------


def nested(levels: int) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": "gaussian", "dim": 2}
    for _ in range(levels):
        spec = {"name": "composite", "components": [spec]}
    return spec


def test_a_deep_spec_is_refused_naming_the_parameter() -> None:
    assert ebmcore.create(nested(20)).dim == 2  # deep, but fine
    for levels in (60, 1000, 100_000):  # beyond the limit; the last ones beyond what repr() can show
        spec = nested(levels)
        with pytest.raises(ebmcore.InvalidParameterError) as caught:
            ebmcore.create(spec)
        assert caught.value.parameter == "components" and caught.value.value is spec["components"]
        assert str(caught.value).startswith(
            "energy 'composite': parameter 'components' must be nested at most 100 levels deep "
            "(dicts and lists), got [{"
        )
        assert len(str(caught.value)) < 200


def test_a_cyclic_spec_is_refused_naming_the_parameter() -> None:
    spec: dict[str, Any] = {"name": "composite", "components": []}
    spec["components"].append(spec)
    with pytest.raises(ebmcore.InvalidParameterError) as caught:
        ebmcore.create(spec)
    assert str(caught.value) == (
        "energy 'composite': parameter 'components' must be free of cycles (components[0] is a dict "
        "or list that encloses it), got [{'name': 'composite', 'components': [...]}]"
    )
    loop: list[Any] = ["gaussian"]
    loop.append({"name": "mixture", "components": loop})
    with pytest.raises(ebmcore.InvalidParameterError) as caught:
        ebmcore.create("composite", components=loop)
    assert str(caught.value).startswith(
        "energy 'composite': parameter 'components' must be free of cycles (components[1]['components'] "
        "is a dict or list that encloses it), got "
    )
    shared = {"name": "gaussian", "dim": 2}  # the same dict twice is no cycle
    assert ebmcore.create("composite", components=[shared, shared]).dim == 2


# -- a target whose constructor raises -------------------------------------------------------------


def test_a_raising_constructor_is_a_plugin_error(unbuildable_energies: None) -> None:
    with pytest.raises(ebmcore.PluginError) as caught:
        ebmcore.create("probe_boom")
    assert str(caught.value) == "plugin 'local': creating energy 'probe_boom' raised RuntimeError('boom')"
    assert caught.value.plugin == "local"
    assert isinstance(caught.value.__cause__, RuntimeError)
    # the caller's own bad arguments stay what they are
    with pytest.raises(ebmcore.InvalidParameterError, match=r"^Gaussian: parameter 'dim' must be "):
        ebmcore.create("gaussian", dim=0)
    with pytest.raises(ebmcore.UnknownParameterError):
        ebmcore.create("probe_boom", dimm=2)


# -- numpy and torch integer scalars as arguments --------------------------------------------------


def takes_dim(name: str) -> bool:
    return any(p.name == "dim" for p in ebmcore.info(name).parameters)


@pytest.mark.parametrize("name", [n for n in ebmcore.list_energies() if takes_dim(n)])
def test_numpy_and_torch_integer_scalars_work_as_dim(name: str) -> None:
    try:
        reference = ebmcore.create(name, dim=3)
    except ebmcore.EbmcoreError:  # fixed to other dimensions: its default one
        reference = ebmcore.create(name)
    dim = reference.config["dim"]
    for scalar in (np.int64(dim), np.int32(dim), torch.tensor(dim)):
        model = ebmcore.create(name, dim=scalar)
        assert model.config == reference.config, scalar
        assert type(model.config["dim"]) is int
        assert ebmcore.create({"name": name, "dim": scalar}).config == reference.config


# -- consistent defaults ---------------------------------------------------------------------------


# energies whose default dimension is the one their source papers use
PAPER_DIMENSIONS = {"funnel": 10, "many_well": 32, "multi_well": 5, "student_t_mixture": 10}
# energies defined for some dimensions only, whose smallest is not 2
SMALLEST_DIMENSIONS = {"powell": 4}


def test_every_variable_dimension_energy_defaults_to_two() -> None:
    defaults = {}
    for name in ebmcore.list_energies():
        parameters = {p.name: p for p in ebmcore.info(name).parameters}
        if "dim" in parameters and not any(p.required for p in parameters.values()):
            defaults[name] = ebmcore.create(name).dim
    assert len(defaults) >= 20
    assert {name: d for name, d in defaults.items() if d != 2} == PAPER_DIMENSIONS | SMALLEST_DIMENSIONS
