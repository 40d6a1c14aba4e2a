"""Discovering plugins: entry points, hook modules, and what a hook module may and may not do.

Plugins made up for a test are written as real distributions (a ``*.dist-info`` folder with
``entry_points.txt`` next to a package, :func:`write_dist`) into a temporary folder, which a
fresh interpreter sees on ``PYTHONPATH`` or, for a private ``Registry`` of its own entry point
group, the test process sees on ``sys.path``. The test plugin distributions of
``tests/plugin_dists/`` are tested by ``test_registry_dists.py``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import ebmcore
from ebmcore import _registry
from ebmcore._registry.discovery import PluginInfo
from ebmcore._registry.index import Index
from ebmcore.plugin import EnergySpec


def write_dist(
    root: Path,
    dist: str,
    entry_points: Mapping[str, str],
    files: Mapping[str, str],
    *,
    group: str = "ebmcore",
) -> None:
    """Write an installed distribution ``dist`` (metadata, entry points and ``files``) to ``root``."""
    info = root / f"{dist.replace('-', '_')}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    lines = "".join(f"{name} = {value}\n" for name, value in entry_points.items())
    (info / "entry_points.txt").write_text(f"[{group}]\n{lines}")
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


HOOK = """
import ebmcore

@ebmcore.plugin.hookimpl
def ebmcore_energies():
    return [ebmcore.plugin.EnergySpec({name!r}, "ebmcore_testplug_good._bowl:Bowl", {summary!r})]
"""


def test_the_analytic_plugin_is_discovered_with_its_distribution():
    [analytic] = [p for p in ebmcore.plugins() if p.name == "analytic"]
    assert analytic.status == "loaded" and analytic.distribution == "ebmcore-analytic"
    assert analytic.version and not analytic.problems
    assert {"analytic/gaussian", "analytic/double_well", "analytic/rosenbrock"} <= set(analytic.energies)


# -- every process runs the hooks, so every process sees and does the same -------------------------


EDITING_HOOK = """
import pathlib
import ebmcore

NEW = {new!r}

@ebmcore.plugin.hookimpl
def ebmcore_energies():
    pathlib.Path(__file__).write_text(NEW)  # an edit made while discovery runs
    return [ebmcore.plugin.EnergySpec("edited", "ebmcore_testplug_good._bowl:Bowl", "before the edit")]
"""


SUMMARY = """
import ebmcore
R["summary"] = ebmcore._registry.REGISTRY.summary("edited").summary
"""


def test_an_edit_made_during_discovery_is_seen_by_the_next_process(
    bare_probe: Any, plugin_dists: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    new = HOOK.format(name="edited", summary="after the edit")
    write_dist(
        site,
        "probe-edit",
        {"edit": "probe_edit._hooks"},
        {"probe_edit/__init__.py": "", "probe_edit/_hooks.py": EDITING_HOOK.format(new=new)},
    )
    env = {
        "EBMCORE_CACHE_DIR": str(tmp_path / "cache"),  # where older versions cached the catalog
        "EBMCORE_DISABLE_PLUGIN_AUTOLOAD": "1",
        "EBMCORE_PLUGINS": "edit",
        "PYTHONPATH": f"{site}{os.pathsep}{plugin_dists}",
    }
    assert bare_probe.run(SUMMARY, env)["summary"] == "before the edit"
    assert bare_probe.run(SUMMARY, env)["summary"] == "after the edit"


NOISY_HOOK = """
import os, sys
import ebmcore

print("the hook module of noisy is imported")
with open(os.environ["PROBE_IMPORT_LOG"], "a") as log:
    log.write("imported\\n")


@ebmcore.plugin.hookimpl
def ebmcore_energies():
    print("the hook of noisy runs")
    return [ebmcore.plugin.EnergySpec("noisy_bowl", "ebmcore_testplug_good._bowl:Bowl", "a bowl that talks")]
"""


def test_printing_hooks_never_corrupt_json_and_run_in_every_process(
    bare_probe: Any, plugin_dists: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    write_dist(
        site,
        "probe-noisy",
        {"noisy": "probe_noisy._hooks"},
        {"probe_noisy/__init__.py": "", "probe_noisy/_hooks.py": NOISY_HOOK},
    )
    log = tmp_path / "imports.log"
    env = {
        "EBMCORE_CACHE_DIR": str(tmp_path / "cache"),  # where older versions cached the catalog
        "EBMCORE_DISABLE_PLUGIN_AUTOLOAD": "1",
        "EBMCORE_PLUGINS": "noisy",
        "PROBE_IMPORT_LOG": str(log),
        "PYTHONPATH": f"{site}{os.pathsep}{plugin_dists}",
    }
    for run in (1, 2):  # the same output, and the same import side effects, every time
        done = bare_probe.command("list", "--json", env=env)
        assert done.returncode == 0, done.stderr
        assert [e["qualified_name"] for e in json.loads(done.stdout)] == ["noisy/noisy_bowl"]
        assert done.stderr == "the hook module of noisy is imported\nthe hook of noisy runs\n"
        assert log.read_text() == "imported\n" * run


SLOW_HOOK = """
import time
import ebmcore

time.sleep(0.2)

@ebmcore.plugin.hookimpl
def ebmcore_energies():
    return [ebmcore.plugin.EnergySpec("slow_probe", "ebmcore_testplug_good._bowl:Bowl")]
"""


def test_a_slow_hook_module_gets_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_dist(
        tmp_path,
        "probe-slow",
        {"slow": "probe_slow_hooks"},
        {"probe_slow_hooks.py": SLOW_HOOK},
        group="ebmcore_probe_slow",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(_registry.discovery, "SLOW_HOOK_S", 0.1)
    registry = _registry.Registry("ebmcore_probe_slow")
    assert registry.names() == ["slow_probe"]
    (slow,) = registry.plugin_infos()
    assert slow.status == "loaded" and len(slow.warnings) == 1
    assert slow.warnings[0].startswith("hook module 'probe_slow_hooks' took ")
    assert slow.warnings[0].endswith(
        " s to import and run; every process that lists energies waits for it (keep hook modules tiny)"
    )


# -- discovery is linear in the number of specs ----------------------------------------------------


MANY_HOOK = """
import ebmcore

@ebmcore.plugin.hookimpl
def ebmcore_energies():
    return [
        {{"name": f"e{{i}}", "target": "ebmcore_testplug_good._bowl:Bowl", "aliases": [f"a{{i}}"]}}
        for i in range({n})
    ]
"""


def test_fifty_thousand_specs_register_in_seconds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    n = 50_000
    write_dist(
        tmp_path,
        "probe-many",
        {"many": "probe_many_hooks"},
        {"probe_many_hooks.py": MANY_HOOK.format(n=n)},
        group="ebmcore_probe_many",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = _registry.Registry("ebmcore_probe_many")
    started = time.perf_counter()
    names = registry.names()
    elapsed = time.perf_counter() - started
    assert len(names) == n and names[:3] == ["e0", "e1", "e10"]
    assert registry.resolve("a49999").qualified == "many/e49999"
    assert registry.plugin_infos()[0].problems == []
    assert elapsed < 30.0  # generous: about a second here; quadratic took many minutes


# -- aliases: checked per plugin, in time linear in the catalog ------------------------------------


def _spec(name: str, *aliases: str) -> EnergySpec:
    return EnergySpec(name, "ebmcore_analytic._rosenbrock:Rosenbrock", aliases=aliases)


def test_alias_repeating_a_name_of_the_same_plugin_is_a_problem() -> None:
    index = Index()
    one, two = PluginInfo("one", "one._hooks"), PluginInfo("two", "two._hooks")
    own_one: set[str] = set()
    own_two: set[str] = set()
    assert index.add_spec(one, _spec("alpha", "a1"), own_one) is not None
    assert index.add_spec(one, _spec("beta", "alpha"), own_one) is None  # alias = own energy name
    assert index.add_spec(one, _spec("gamma", "a1"), own_one) is None  # alias = own alias
    assert index.add_spec(one, _spec("delta", "delta"), own_one) is None  # alias = its own name
    assert [p.split(" of ")[0] for p in one.problems] == [
        "alias 'alpha'",
        "alias 'a1'",
        "alias 'delta'",
    ]
    # another plugin may use the same names and aliases: both stay reachable by qualified name
    assert index.add_spec(two, _spec("beta", "alpha", "a1"), own_two) is not None
    assert two.problems == []
    assert one.energies == ["one/alpha"] and two.energies == ["two/beta"]
    assert sorted(index.names["alpha"]) == ["one/alpha", "two/beta"]


def test_many_plugins_register_every_energy() -> None:
    index = Index()
    for i in range(50):
        plugin = PluginInfo(f"p{i}", f"p{i}._hooks")
        own: set[str] = set()
        for k in range(20):
            index.add_spec(plugin, _spec(f"p{i}_e{k}", f"p{i}_alias{k}"), own)
        assert plugin.problems == [] and len(plugin.energies) == 20
    assert len(index.entries) == 1000 and len(index.names) == 2000


# -- a hook that calls the registry ----------------------------------------------------------------


CALLING_HOOK = """
import ebmcore

@ebmcore.plugin.hookimpl
def ebmcore_energies():
    return [ebmcore.plugin.EnergySpec("derived_" + name, "ebmcore_testplug_good._bowl:Bowl")
            for name in ebmcore.list_energies()]
"""


TABLE = """
import ebmcore
R["table"] = [[p.name, p.status, p.problems] for p in ebmcore.plugins() if p.status != "disabled"]
R["list"] = ebmcore.list_energies()
"""


def test_a_hook_calling_the_registry_fails_alone(bare_probe: Any, plugin_dists: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_dist(
        site,
        "probe-derived",
        {"derived": "probe_derived._hooks", "plain": "probe_derived._plain"},
        {
            "probe_derived/__init__.py": "",
            "probe_derived/_hooks.py": CALLING_HOOK,
            "probe_derived/_plain.py": HOOK.format(name="plain_bowl", summary="plain"),
        },
    )
    env = {
        "EBMCORE_DISABLE_PLUGIN_AUTOLOAD": "1",
        "EBMCORE_PLUGINS": "analytic,derived,plain",
        "PYTHONPATH": f"{site}{os.pathsep}{plugin_dists}",
    }
    seen = bare_probe.run(TABLE, env)
    assert seen["table"] == [
        ["analytic", "loaded", []],
        [
            "derived",
            "failed",
            [
                "ebmcore_energies hook raised PluginError(\"plugin 'derived': its hook module called the "
                "ebmcore registry (list_energies, create, info, plugins, ...) while plugins are being "
                "discovered; a hook must only return specs. Look other energies up when one of yours is "
                'created, not in the hook")'
            ],
        ],
        ["plain", "loaded", []],
    ]
    assert "plain_bowl" in seen["list"] and "rosenbrock" in seen["list"]


# -- names: trailing newlines, and the reserved plugin name 'local' --------------------------------


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"name": "toy\n", "target": "a.b:C"},
            "energy name must be lowercase snake case (like 'double_well'), got 'toy\\n'",
        ),
        (
            {"name": "toy", "target": "a.b:C\n"},
            "energy 'toy': target must look like 'package.module:Class', got 'a.b:C\\n'",
        ),
        (
            {"name": "toy", "target": "a.b:C", "aliases": ["t\n"]},
            "energy 'toy': alias 't\\n' is not lowercase snake case",
        ),
    ],
)
def test_a_trailing_newline_is_not_part_of_a_name(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(ebmcore.RegistrationError) as caught:
        EnergySpec.coerce(spec)
    assert str(caught.value) == message


LOCAL_PROBE = """
import ebmcore

class Bowl(ebmcore.BaseModel):
    def __init__(self, dim: int = 2) -> None:
        super().__init__(dim, dim=dim)

    def forward(self, x):
        return (x * x).sum(-1)

ebmcore.register_energy("mine")(Bowl)
R["table"] = [[p.name, p.distribution, p.status, p.energies, p.problems] for p in ebmcore.plugins()
              if p.status != "disabled"]
R["list"] = ebmcore.list_energies()
R["mine"] = type(ebmcore.create("local/mine")).__name__
R["sneaky"] = outcome(lambda: ebmcore.create("sneaky").registry_name)
"""


def test_an_entry_point_named_local_is_refused(bare_probe: Any, plugin_dists: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_dist(
        site,
        "probe-local",
        {"local": "probe_local._hooks"},
        {"probe_local/__init__.py": "", "probe_local/_hooks.py": HOOK.format(name="sneaky", summary="")},
    )
    env = {
        "EBMCORE_DISABLE_PLUGIN_AUTOLOAD": "1",
        "EBMCORE_PLUGINS": "local",
        "PYTHONPATH": f"{site}{os.pathsep}{plugin_dists}",
    }
    seen = bare_probe.run(LOCAL_PROBE, env)
    assert seen["table"] == [
        [
            "local",
            "probe-local",
            "failed",
            [],
            [
                "entry point name 'local' is reserved for energies registered in-process "
                "(ebmcore.register_energy); rename the entry point"
            ],
        ],
        ["local", None, "loaded", ["local/mine"], []],
    ]
    assert seen["list"] == ["mine"]
    assert seen["mine"] == "Bowl"
    assert seen["sneaky"]["error"] == "EnergyNotFoundError"
