"""The registry against real, installed plugin distributions (``tests/plugin_dists/``).

Each test plugin is a distribution installed by pip (see ``conftest.plugin_dists``); the probes
run in fresh interpreters that see them through ``importlib.metadata``, nothing is mocked. One
probe per environment collects everything; the tests below read its results.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

# -- what a fresh interpreter sees with every test plugin installed ---------------------------

WORKING = {
    # name -> (qualified name, energy at x = ones(dim) in float64) of the default construction
    "test_bowl": ("good/test_bowl", 1.0),
    "bowl": ("good/test_bowl", 1.0),
    "good/test_bowl": ("good/test_bowl", 1.0),
    "good/bowl": ("good/test_bowl", 1.0),
    "steep_bowl": ("good/steep_bowl", 10.0),
    "analytic/gaussian": ("analytic/gaussian", 1.0),
    "analytic/normal": ("analytic/gaussian", 1.0),
    "dupe/gaussian": ("dupe/gaussian", 0.25),
    "dupe/normal": ("dupe/dupe_wide", 0.25),
    "dupe_wide": ("dupe/dupe_wide", 0.25),
    "rosenbrock": ("analytic/rosenbrock", 0.0),
    "fine": ("malformed/fine", 1.5),
    "malformed/fine": ("malformed/fine", 1.5),
    "present": ("missing_target/present", 1.0),
    "wt_fine": ("wrong_items/wt_fine", 1.0),
    "torch_bowl": ("imports_torch/torch_bowl", 1.0),
    "slow_bowl": ("slow_import/slow_bowl", 2.0),
    "twin_a_energy": ("twin/twin_a_energy", 1.0),
    "twin/twin_a_energy": ("twin/twin_a_energy", 1.0),
}

FAILING = [
    "gaussian",
    "normal",
    "broken_import/never_seen",
    "broken_syntax/anything",
    "hook_raises/anything",
    "wrong_return/anything",
    "bad_target",
    "malformed/bad_target",
    "extra_key",
    "twice",
    "Bad-Name",
    "linear_layer",
    "dict_factory",
    "gone_module",
    "gone_class",
    "twin_b_energy",
    "test_bwol",
]

DEFAULT_PROBE = f"""
import contextlib, io
import ebmcore
from ebmcore import _cli

def plugin_table():
    return [
        {{"name": p.name, "distribution": p.distribution, "status": p.status, "energies": list(p.energies),
          "problems": list(p.problems), "warnings": list(p.warnings),
          "errors": [type(e).__name__ for e in p.errors]}}
        for p in ebmcore.plugins()
    ]

def cli(*argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = _cli.main(list(argv))
    return {{"code": code, "out": out.getvalue()}}

R["list_first"] = outcome(ebmcore.list_energies)
R["list_good"] = outcome(ebmcore.list_energies, plugin="good")
R["list_tag"] = outcome(ebmcore.list_energies, tags="test")
R["cli_list"] = cli("list")
R["plugins_first"] = plugin_table()

def energy_at_ones(name):
    import torch
    model = ebmcore.create(name)
    return [model.registry_name, model.energy(torch.ones(model.dim, dtype=torch.float64)).item()]

for name in {FAILING!r}:
    R["create:" + name] = outcome(energy_at_ones, name)
for name in {sorted(WORKING)!r}:
    R["create:" + name] = outcome(energy_at_ones, name)
R["info:gone_class"] = outcome(lambda: ebmcore.info("gone_class").name)
R["info:test_bowl"] = outcome(lambda: [p.name for p in ebmcore.info("test_bowl").parameters])
R["list_after"] = outcome(ebmcore.list_energies)
R["plugins_after"] = plugin_table()
R["cli_plugins"] = cli("plugins")
R["cli_plugins_json"] = json.loads(cli("plugins", "--json")["out"])
"""


@pytest.fixture(scope="module")
def seen(probe: Any) -> dict[str, Any]:
    return probe.run(DEFAULT_PROBE)


def by_name(table: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [p for p in table if p["name"] == name]


# -- import, listing and working plugins survive every broken one ----------------------------


def test_listing_survives_broken_plugins(seen: dict[str, Any]) -> None:
    names = seen["list_first"]["value"]
    assert {"test_bowl", "steep_bowl", "double_well", "rosenbrock", "fine", "wt_fine", "torch_bowl"} <= set(
        names
    )
    # a name offered by two plugins is listed once per plugin, qualified
    assert "analytic/gaussian" in names and "dupe/gaussian" in names and "gaussian" not in names
    # nothing of the broken specs is listed
    assert not {"Bad-Name", "bad_target", "extra_key", "twice", "never_seen", "twin_b_energy"} & set(names)
    assert seen["list_good"]["value"] == ["steep_bowl", "test_bowl"]
    assert seen["list_tag"]["value"] == ["test_bowl"]
    assert names == sorted(names)


def test_cli_list_survives_and_points_at_the_problems(seen: dict[str, Any]) -> None:
    cli = seen["cli_list"]
    assert cli["code"] == 0
    assert "test_bowl" in cli["out"] and "analytic/gaussian" in cli["out"]
    assert (
        cli["out"]
        .rstrip()
        .endswith(
            "7 plugin(s) reported problems: broken_import, broken_syntax, hook_raises, malformed, twin, "
            "wrong_items, wrong_return (see `ebmcore plugins`)"
        )
    )


@pytest.mark.parametrize("name", sorted(WORKING))
def test_working_energies_create_and_evaluate(seen: dict[str, Any], name: str) -> None:
    result = seen[f"create:{name}"]
    assert "error" not in result, result
    assert result["value"][0] == WORKING[name][0]
    assert result["value"][1] == pytest.approx(WORKING[name][1], rel=1e-12)


def test_working_energies_keep_working_after_failures(seen: dict[str, Any]) -> None:
    # the creates ran in the order FAILING then WORKING: every failure came before
    assert all("error" not in seen[f"create:{name}"] for name in WORKING)
    assert seen["info:test_bowl"]["value"] == ["dim", "k"]


# -- each failure: recorded with its cause, and creating raises PluginError chaining it ---------


@pytest.mark.parametrize(
    ("name", "cause", "message"),
    [
        (
            "broken_import/never_seen",
            "ModuleNotFoundError",
            "plugin 'broken_import': failed to load, so 'never_seen' is unavailable: cannot load hook "
            "module 'ebmcore_testplug_broken_import._hooks': ModuleNotFoundError(\"No module named "
            "'ebmcore_testplug_not_installed'\")",
        ),
        ("broken_syntax/anything", "SyntaxError", None),
        (
            "hook_raises/anything",
            "RuntimeError",
            "plugin 'hook_raises': failed to load, so 'anything' is unavailable: ebmcore_energies hook "
            "raised RuntimeError('the hook of hook_raises fails on purpose')",
        ),
        (
            "wrong_return/anything",
            "RegistrationError",
            "plugin 'wrong_return': failed to load, so 'anything' is unavailable: ebmcore_energies hook "
            "returned int, not a list of energy specs",
        ),
        (
            "bad_target",
            "RegistrationError",
            "plugin 'malformed': energy 'bad_target' is broken: energy 'bad_target': target must look "
            "like 'package.module:Class', got 'not a target'",
        ),
        ("malformed/bad_target", "RegistrationError", None),
        ("extra_key", "RegistrationError", None),
        ("twice", "RegistrationError", None),
        ("linear_layer", "TypeError", None),
        ("dict_factory", "TypeError", None),
        ("gone_module", "ModuleNotFoundError", None),
        ("gone_class", "AttributeError", None),
    ],
)
def test_creating_a_broken_energy_raises_plugin_error_with_cause(
    seen: dict[str, Any], name: str, cause: str, message: str | None
) -> None:
    result = seen[f"create:{name}"]
    assert result["error"] == "PluginError"
    assert {"EbmcoreError", "RuntimeError"} <= set(result["bases"])
    owner = name.split("/")[0] if "/" in name else None
    assert result["plugin"] == (owner or result["plugin"])
    assert result["message"].startswith(f"plugin {result['plugin']!r}: ")
    assert result["cause"] == cause
    if message is not None:
        assert result["message"] == message


@pytest.mark.parametrize(
    ("name", "plugin_name"),
    [
        ("bad_target", "malformed"),
        ("extra_key", "malformed"),
        ("twice", "malformed"),
        ("linear_layer", "not_basemodel"),
        ("dict_factory", "not_basemodel"),
        ("gone_module", "missing_target"),
        ("gone_class", "missing_target"),
    ],
)
def test_broken_energy_names_its_plugin(seen: dict[str, Any], name: str, plugin_name: str) -> None:
    assert seen[f"create:{name}"]["plugin"] == plugin_name


def test_target_failures_pin_message_text(seen: dict[str, Any]) -> None:
    assert seen["create:linear_layer"]["message"] == (
        "plugin 'not_basemodel': target of 'linear_layer' is not an ebmcore.BaseModel: "
        "torch.nn.modules.linear.Linear is not a subclass of ebmcore.BaseModel"
    )
    assert seen["create:dict_factory"]["message"] == (
        "plugin 'not_basemodel': energy 'dict_factory' is not a BaseModel"
    )
    assert seen["create:dict_factory"]["cause_message"] == (
        "'ebmcore_testplug_not_basemodel._factory:make' returned dict, not an ebmcore.BaseModel"
    )
    assert seen["create:gone_module"]["message"] == (
        "plugin 'missing_target': cannot import target "
        "'ebmcore_testplug_missing_target._nowhere:Model' of 'gone_module': ModuleNotFoundError(\"No "
        "module named 'ebmcore_testplug_missing_target._nowhere'\")"
    )
    assert seen["info:gone_class"]["error"] == "PluginError"


def test_plugins_records_every_failure_with_its_cause(seen: dict[str, Any]) -> None:
    table = seen["plugins_first"]
    status = {p["name"]: p["status"] for p in table if p["name"] != "twin"}
    for name in ("broken_import", "broken_syntax", "hook_raises", "wrong_return"):
        (p,) = by_name(table, name)
        assert p["status"] == "failed" and p["energies"] == [] and len(p["problems"]) == 1
    assert by_name(table, "broken_import")[0]["errors"] == ["ModuleNotFoundError"]
    assert by_name(table, "broken_syntax")[0]["errors"] == ["SyntaxError"]
    assert by_name(table, "hook_raises")[0]["errors"] == ["RuntimeError"]
    assert by_name(table, "wrong_return")[0]["errors"] == ["RegistrationError"]
    for name in ("good", "analytic", "dupe", "imports_torch", "slow_import", "not_basemodel"):
        assert status[name] == "loaded"
        assert by_name(table, name)[0]["problems"] == []
    (malformed,) = by_name(table, "malformed")
    assert malformed["status"] == "loaded"
    assert malformed["problems"] == [
        "malformed energy spec: energy name must be lowercase snake case (like 'double_well'), "
        "got 'Bad-Name'",
        "malformed energy spec: energy 'bad_target': target must look like 'package.module:Class', "
        "got 'not a target'",
        "malformed energy spec: energy spec has unknown keys ['colour']",
        "plugin 'malformed' offers energy 'twice' twice",
    ]
    (items,) = by_name(table, "wrong_items")
    assert items["status"] == "loaded" and items["energies"] == ["wrong_items/wt_fine"]
    assert [p.rsplit(" ", 1)[1] for p in items["problems"]] == ["int", "NoneType", "tuple"]


def test_imports_torch_is_a_warning_not_a_failure(seen: dict[str, Any]) -> None:
    (p,) = by_name(seen["plugins_first"], "imports_torch")
    assert p["status"] == "loaded" and p["problems"] == []
    assert p["warnings"] == [
        "hook module 'ebmcore_testplug_imports_torch._hooks' imports torch, which makes listing energies "
        "slow; name energies by 'module:Class' targets instead of importing them"
    ]
    assert [q["name"] for q in seen["plugins_first"] if q["warnings"]] == ["imports_torch"]


def test_two_distributions_with_one_plugin_name(seen: dict[str, Any]) -> None:
    twins = by_name(seen["plugins_first"], "twin")
    assert [(t["distribution"], t["status"]) for t in twins] == [
        ("ebmcore-testplug-twin-a", "loaded"),
        ("ebmcore-testplug-twin-b", "failed"),
    ]
    assert twins[1]["problems"] == [
        "plugin name 'twin' is also provided by ebmcore-testplug-twin-a; rename one entry point"
    ]
    assert seen["create:twin_b_energy"]["error"] == "EnergyNotFoundError"


def test_lazy_failures_are_recorded_once_known(seen: dict[str, Any]) -> None:
    (missing,) = by_name(seen["plugins_after"], "missing_target")
    assert missing["errors"] == ["ModuleNotFoundError", "AttributeError"]
    assert (
        "cannot import target 'ebmcore_testplug_missing_target._energies:Nowhere'" in missing["problems"][1]
    )
    (wrong,) = by_name(seen["plugins_after"], "not_basemodel")
    assert wrong["errors"] == ["TypeError", "TypeError"]
    # an energy found broken on creation is no longer listed; everything else still is
    after = set(seen["list_after"]["value"])
    assert after == set(seen["list_first"]["value"]) - {"gone_module", "gone_class", "linear_layer"}


def test_cli_plugins_shows_failures_warnings_and_conflicts(seen: dict[str, Any]) -> None:
    out = seen["cli_plugins"]["out"]
    assert seen["cli_plugins"]["code"] == 0
    assert (
        "  [hook_raises] error: ebmcore_energies hook raised RuntimeError('the hook of hook_raises fails "
        "on purpose')" in out.splitlines()
    )
    assert (
        "[broken_syntax] error: cannot load hook module 'ebmcore_testplug_broken_syntax._hooks': SyntaxError("
        in out
    )
    assert "[imports_torch] warning: hook module" in out
    assert (
        "  name 'gaussian' is offered by several plugins: analytic/gaussian, dupe/gaussian "
        "(use the qualified name)" in out.splitlines()
    )
    assert "  name 'normal' is offered by several plugins: analytic/gaussian, dupe/dupe_wide" in out
    rows = {(p["name"], p["distribution"]): p for p in seen["cli_plugins_json"]}
    assert rows[("twin", "ebmcore-testplug-twin-b")]["status"] == "failed"
    assert rows[("good", "ebmcore-testplug-good")]["energies"] == ["good/test_bowl", "good/steep_bowl"]


def test_real_cli_plugins_command(probe: Any) -> None:
    done = probe.command("plugins", env={"EBMCORE_DISABLE_PLUGINS": "imports_torch"})
    assert done.returncode == 0, done.stderr
    assert (
        "[wrong_return] error: ebmcore_energies hook returned int, not a list of energy specs" in done.stdout
    )
    assert "imports_torch   ebmcore-testplug-imports-torch 0.1.0   disabled  0" in done.stdout


# -- names: ambiguity and close matches -------------------------------------------------------


def test_bare_name_of_two_plugins_is_ambiguous(seen: dict[str, Any]) -> None:
    result = seen["create:gaussian"]
    assert result["error"] == "AmbiguousEnergyError"
    assert "KeyError" in result["bases"]
    assert result["candidates"] == ["analytic/gaussian", "dupe/gaussian"]
    assert result["message"] == (
        "energy name 'gaussian' is offered by several plugins: analytic/gaussian, dupe/gaussian. "
        "Ask for one by its qualified name."
    )
    assert seen["create:normal"]["candidates"] == ["analytic/gaussian", "dupe/dupe_wide"]
    assert seen["create:analytic/gaussian"]["value"][0] == "analytic/gaussian"
    assert seen["create:dupe/gaussian"]["value"][0] == "dupe/gaussian"


def test_unknown_name_suggests_close_matches(seen: dict[str, Any]) -> None:
    result = seen["create:test_bwol"]
    assert result["error"] == "EnergyNotFoundError"
    assert result["suggestions"] == ["test_bowl", "steep_bowl"]
    assert result["message"] == (
        "no energy named 'test_bwol'. Did you mean 'test_bowl' or 'steep_bowl'? Run `ebmcore list` or "
        "`ebmcore.list_energies()` to see every registered energy. Plugins that failed to load: "
        "broken_import, broken_syntax, hook_raises, twin, wrong_return (see `ebmcore plugins`)."
    )
    assert seen["create:Bad-Name"]["error"] == "EnergyNotFoundError"
    assert seen["create:twin_b_energy"]["suggestions"] == ["twin_a_energy"]


# -- environment controls ---------------------------------------------------------------------

CONTROL_PROBE = """
import os
import ebmcore
R["list"] = outcome(ebmcore.list_energies)
R["list_again"] = outcome(ebmcore.list_energies)
R["status"] = {p.name + "@" + (p.distribution or ""): p.status for p in ebmcore.plugins()}
# resolve the name as create() does, without importing the energy (and torch): keeps this fast
R["create"] = outcome(lambda: ebmcore._registry.REGISTRY.resolve(os.environ["PROBE_NAME"]).qualified)
log = os.environ.get("EBMCORE_TEST_IMPORT_LOG")
R["imported"] = open(log).read().split() if log and os.path.exists(log) else []
"""


@pytest.fixture(scope="module")
def controls(probe: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    log = tmp_path_factory.mktemp("controls")
    cases: dict[str, dict[str, str]] = {
        "no_autoload": {"EBMCORE_DISABLE_PLUGIN_AUTOLOAD": "1", "PROBE_NAME": "rosenbrock"},
        "allowlist": {
            "EBMCORE_DISABLE_PLUGIN_AUTOLOAD": "1",
            "EBMCORE_PLUGINS": "analytic, good",
            "PROBE_NAME": "gaussian",
        },
        "disabled": {"EBMCORE_DISABLE_PLUGINS": "dupe,slow_import,imports_torch", "PROBE_NAME": "gaussian"},
        "disabled_qualified": {
            "EBMCORE_DISABLE_PLUGINS": "good,imports_torch",
            "PROBE_NAME": "good/test_bowl",
        },
        "strict": {"EBMCORE_STRICT": "1", "PROBE_NAME": "rosenbrock"},
        # the analytic plugin alone: the baseline that the allowlist's listing is compared with
        "analytic_only": {
            "EBMCORE_DISABLE_PLUGIN_AUTOLOAD": "1",
            "EBMCORE_PLUGINS": "analytic",
            "PROBE_NAME": "rosenbrock",
        },
    }
    for name, env in cases.items():
        env["EBMCORE_TEST_IMPORT_LOG"] = str(log / f"{name}.log")
    results = probe.run_many((CONTROL_PROBE, env) for env in cases.values())
    return dict(zip(cases, results, strict=True))


def test_disable_autoload_loads_nothing(controls: dict[str, dict[str, Any]]) -> None:
    seen = controls["no_autoload"]
    assert seen["list"]["value"] == []
    assert set(seen["status"].values()) == {"disabled"}
    assert seen["imported"] == []  # not even the hook modules are imported
    assert seen["create"]["error"] == "EnergyNotFoundError"
    disabled = seen["create"]["message"].split("Disabled plugins: ")[1].split(" (")[0].split(", ")
    assert {"analytic", "broken_import"} <= set(disabled) and disabled == sorted(disabled)


def test_allowlist_loads_only_the_named_plugins(controls: dict[str, dict[str, Any]]) -> None:
    seen = controls["allowlist"]
    # the analytic plugin's catalog grows; what matters is that only analytic and good are listed
    names = seen["list"]["value"]
    assert names == sorted(names)
    assert {"double_well", "gaussian", "rosenbrock", "steep_bowl", "test_bowl"} <= set(names)
    assert set(names) - set(controls["analytic_only"]["list"]["value"]) == {"steep_bowl", "test_bowl"}
    loaded = {k for k, v in seen["status"].items() if v == "loaded"}
    assert loaded == {"analytic@ebmcore-analytic", "good@ebmcore-testplug-good"}
    assert seen["create"]["value"] == "analytic/gaussian"  # unambiguous without dupe
    assert seen["imported"] == ["ebmcore_testplug_good._hooks"]


def test_disable_plugins(controls: dict[str, dict[str, Any]]) -> None:
    seen = controls["disabled"]
    assert seen["status"]["dupe@ebmcore-testplug-dupe"] == "disabled"
    assert seen["status"]["slow_import@ebmcore-testplug-slow-import"] == "disabled"
    assert seen["status"]["good@ebmcore-testplug-good"] == "loaded"
    assert seen["create"]["value"] == "analytic/gaussian"
    assert seen["imported"] == ["ebmcore_testplug_good._hooks"]
    assert "slow_bowl" not in seen["list"]["value"]
    off = controls["disabled_qualified"]["create"]
    assert off["error"] == "EnergyNotFoundError"
    assert "Disabled plugins: good, imports_torch" in off["message"]


def test_strict_makes_failures_errors_on_every_call(controls: dict[str, dict[str, Any]]) -> None:
    seen = controls["strict"]
    for key in ("list", "list_again", "create"):
        assert seen[key]["error"] == "PluginError", seen[key]
        assert seen[key]["plugin"] == "broken_import"  # the first failing plugin, by name
        assert seen[key]["cause"] == "ModuleNotFoundError"
        assert seen[key]["message"].endswith("(EBMCORE_STRICT=1 makes plugin failures fatal)")
    # plugins() still reports, so that one can see what failed
    assert seen["status"]["hook_raises@ebmcore-testplug-hook-raises"] == "failed"


STRICT_PROBE = """
import ebmcore
R["list"] = outcome(ebmcore.list_energies)
"""


STRICT_CASES = [
    ("broken_import", "PluginError", "ModuleNotFoundError"),
    ("broken_syntax", "PluginError", "SyntaxError"),
    ("hook_raises", "PluginError", "RuntimeError"),
    ("wrong_items", "PluginError", "RegistrationError"),
    ("wrong_return", "PluginError", "RegistrationError"),
    ("malformed", "PluginError", "RegistrationError"),
    ("twin", "PluginError", "RegistrationError"),
    ("dupe", "AmbiguousEnergyError", None),
    # a warning, and failures found only on creation, do not fail the listing
    ("good,imports_torch,slow_import,not_basemodel,missing_target", None, None),
]


@pytest.fixture(scope="module")
def strict_listings(probe: Any) -> dict[str, dict[str, Any]]:
    def env(plugins: str) -> dict[str, str]:
        return {
            "EBMCORE_STRICT": "1",
            "EBMCORE_DISABLE_PLUGIN_AUTOLOAD": "1",
            "EBMCORE_PLUGINS": f"analytic,{plugins}",
        }

    results = probe.run_many((STRICT_PROBE, env(plugins)) for plugins, _, _ in STRICT_CASES)
    return {plugins: r["list"] for (plugins, _, _), r in zip(STRICT_CASES, results, strict=True)}


@pytest.mark.parametrize(("plugins", "error", "cause"), STRICT_CASES)
def test_strict_each_failure(
    strict_listings: dict[str, dict[str, Any]], plugins: str, error: str | None, cause: str | None
) -> None:
    seen = strict_listings[plugins]
    if error is None:
        assert "value" in seen, seen
        assert "torch_bowl" in seen["value"]
        return
    assert seen["error"] == error
    assert seen["cause"] == cause
    if error == "PluginError":
        assert seen["plugin"] == plugins


def test_strict_cli_exits_with_an_error(probe: Any) -> None:
    env = {
        "EBMCORE_STRICT": "1",
        "EBMCORE_DISABLE_PLUGIN_AUTOLOAD": "1",
        "EBMCORE_PLUGINS": "analytic,hook_raises",
    }
    done = probe.command("list", env=env)
    assert done.returncode == 1
    assert done.stderr == (
        "ebmcore: error: plugin 'hook_raises': ebmcore_energies hook raised RuntimeError('the hook of "
        "hook_raises fails on purpose') (EBMCORE_STRICT=1 makes plugin failures fatal)\n"
    )
    shown = probe.command("plugins", "--json", env=env)
    assert shown.returncode == 0
    assert [p["status"] for p in json.loads(shown.stdout) if p["name"] == "hook_raises"] == ["failed"]


def test_the_test_process_never_sees_the_test_plugins() -> None:
    import ebmcore

    assert not any(p.distribution and "testplug" in p.distribution for p in ebmcore.plugins())
    assert "test_bowl" not in ebmcore.list_energies()
