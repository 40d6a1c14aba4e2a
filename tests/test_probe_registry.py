"""Regression tests of the adversarial probe of the registry and the command line (issue 21).

Each test names the probe's item it pins. Plugins made up for a test are written as real
distributions (a ``*.dist-info`` folder with ``entry_points.txt`` next to a package) into a
temporary folder, which a fresh interpreter sees on ``PYTHONPATH`` or, for a private
``Registry`` of its own entry point group, the test process sees on ``sys.path``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import ebmcore
from ebmcore import _registry
from ebmcore._cli import build_parser, main
from ebmcore.plugin import EnergySpec, create_component
from ebmcore.testing import new_plugin

# -- helpers --------------------------------------------------------------------------------


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

# A module whose import leaves a file behind: what a forged catalog would make create() import.
CANARY = "from pathlib import Path\nPath({marker!r}).touch()\nclass Model:\n    pass\n"


def files_under(*folders: Path) -> list[str]:
    return sorted(str(p) for folder in folders if folder.exists() for p in folder.rglob("*"))


GOOD_ONLY = {"EBMCORE_DISABLE_PLUGIN_AUTOLOAD": "1", "EBMCORE_PLUGINS": "good"}


# -- item 6: no catalog cache, so nothing on disk can steer create() -------------------------

LIST_AND_CREATE = """
import sys
import ebmcore
R["list"] = ebmcore.list_energies(plugin="good")
model = ebmcore.create("test_bowl")
R["made"] = [model.registry_name, type(model).__module__]
R["canary"] = "ebmcore_forged_canary" in sys.modules
"""


def test_listing_and_creating_write_no_file(probe: Any, tmp_path: Path) -> None:
    # item 6/7: the catalog cache is gone; neither $EBMCORE_CACHE_DIR (which older versions read),
    # $XDG_CACHE_HOME nor $HOME get a file, whatever they point at
    homes = {key: tmp_path / key.lower() for key in ("EBMCORE_CACHE_DIR", "XDG_CACHE_HOME", "HOME")}
    for folder in homes.values():
        folder.mkdir()
    env = {key: str(folder) for key, folder in homes.items()}
    seen = probe.run(LIST_AND_CREATE, {**env, **GOOD_ONLY})
    assert seen["list"] == ["steep_bowl", "test_bowl"]
    assert seen["made"] == ["good/test_bowl", "ebmcore_testplug_good._bowl"]
    assert files_under(*homes.values()) == []


def test_a_forged_catalog_in_a_shared_cache_folder_runs_nothing(
    probe: Any, plugin_dists: Path, tmp_path: Path
) -> None:
    # item 6: another user who can write the (shared) cache folder maps test_bowl to a module of
    # theirs; the victim's create("test_bowl") must still build the installed Bowl
    shared = tmp_path / "shared-cache"
    shared.mkdir(mode=0o777)
    marker = tmp_path / "canary-imported"
    (tmp_path / "ebmcore_forged_canary.py").write_text(CANARY.format(marker=str(marker)))
    env = {
        "EBMCORE_CACHE_DIR": str(shared),
        "PYTHONPATH": f"{plugin_dists}{os.pathsep}{tmp_path}",
        **GOOD_ONLY,
    }
    probe.run(LIST_AND_CREATE, env)  # the victim's first run (an older version cached here)
    real, forged = b"ebmcore_testplug_good._bowl:Bowl", b"ebmcore_forged_canary:Model"
    for path in shared.rglob("*"):  # the attacker rewrites what is there, checksum included
        header, _, body = path.read_bytes().partition(b"\n")
        body = body.replace(real, forged)
        header = header.split(b" sha256=")[0] + b" sha256=" + hashlib.sha256(body).hexdigest().encode()
        path.write_bytes(header + b"\n" + body)
    (shared / "catalog-forged.json").write_text(json.dumps({"test_bowl": "ebmcore_forged_canary:Model"}))
    seen = probe.run(LIST_AND_CREATE, env)
    assert seen["made"] == ["good/test_bowl", "ebmcore_testplug_good._bowl"]
    assert not seen["canary"] and not marker.exists()


# -- item 7: every process runs the hooks, so every process sees and does the same -----------

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
    monkeypatch.setattr(_registry, "SLOW_HOOK_S", 0.1)
    registry = _registry.Registry("ebmcore_probe_slow")
    assert registry.names() == ["slow_probe"]
    (slow,) = registry.plugin_infos()
    assert slow.status == "loaded" and len(slow.warnings) == 1
    assert slow.warnings[0].startswith("hook module 'probe_slow_hooks' took ")
    assert slow.warnings[0].endswith(
        " s to import and run; every process that lists energies waits for it (keep hook modules tiny)"
    )


# -- item 8: discovery is linear in the number of specs of one plugin ------------------------

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


# -- item 10: deep and cyclic specs ----------------------------------------------------------


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


# -- item 13: a hook that calls the registry --------------------------------------------------

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


# -- item 14: numpy and torch integer scalars as arguments ------------------------------------


def takes_dim(name: str) -> bool:
    return any(p.name == "dim" for p in ebmcore.info(name).parameters)


@pytest.mark.parametrize("name", [n for n in ebmcore.list_energies() if takes_dim(n)])
def test_numpy_and_torch_integer_scalars_work_as_dim(name: str) -> None:
    try:
        reference = ebmcore.create(name, dim=3)
    except ebmcore.EbmcoreError:  # fixed to another dimension, or needs more arguments
        reference = ebmcore.create(name, dim=2)
    dim = reference.config["dim"]
    for scalar in (np.int64(dim), np.int32(dim), torch.tensor(dim)):
        model = ebmcore.create(name, dim=scalar)
        assert model.config == reference.config, scalar
        assert type(model.config["dim"]) is int
        assert ebmcore.create({"name": name, "dim": scalar}).config == reference.config


# -- item 15: a target whose constructor raises ------------------------------------------------


class _Boom(ebmcore.BaseModel):
    def __init__(self, dim: int = 2) -> None:
        raise RuntimeError("boom")


class _NeedsArgs(ebmcore.BaseModel):
    def __init__(self, center: float) -> None:
        super().__init__(1, center=center)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ((x - self.center) ** 2).sum(-1)


@pytest.fixture
def odd_energies() -> Any:
    ebmcore.register_energy("probe_boom")(_Boom)
    ebmcore.register_energy("probe_needs_args")(_NeedsArgs)
    yield
    ebmcore.unregister_energy("probe_boom")
    ebmcore.unregister_energy("probe_needs_args")


def test_a_raising_constructor_is_a_plugin_error(odd_energies: Any) -> None:
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


def test_cli_reports_a_raising_constructor_and_carries_on(
    odd_energies: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["info", "probe_boom"]) == 1
    out, err = capsys.readouterr()
    assert "plugin: local [in-process]" in out
    assert out.endswith(
        "  (failed: its default instance failed: plugin 'local': creating energy 'probe_boom' raised "
        "RuntimeError('boom'))\n"
    )
    assert err == (
        "ebmcore: error: energy 'local/probe_boom' is broken: its default instance failed: plugin "
        "'local': creating energy 'probe_boom' raised RuntimeError('boom')\n"
    )
    assert main(["check", "probe_boom", "gaussian", "--check", "check_output_shape"]) == 1
    out = capsys.readouterr().out
    assert "  probe_boom: PluginError: plugin 'local': creating energy 'probe_boom' raised" in out
    assert "1 of 2 energies passed, 1 failed" in out
    assert main(["diagnose", "probe_boom"]) == 1
    assert capsys.readouterr().err == (
        "ebmcore: error: plugin 'local': creating energy 'probe_boom' raised RuntimeError('boom')\n"
    )


PLOT_ALL = """
import contextlib, io, sys, torch
import ebmcore
from ebmcore import _cli

class Boom(ebmcore.BaseModel):
    def __init__(self, dim: int = 2) -> None:
        raise RuntimeError("boom")

class Bowl(ebmcore.BaseModel):
    def __init__(self, dim: int = 2) -> None:
        super().__init__(dim, dim=dim)

    def forward(self, x):
        return (x * x).sum(-1)

ebmcore.register_energy("probe_boom")(Boom)
ebmcore.register_energy("probe_bowl")(Bowl)
out = io.StringIO()
with contextlib.redirect_stdout(out):
    R["code"] = _cli.main(["plot", "--all", "--out", sys.argv[1], "--resolution", "10", "--dpi", "20"])
R["out"] = out.getvalue()
"""


def test_plot_all_reports_a_raising_constructor_and_carries_on(bare_probe: Any, tmp_path: Path) -> None:
    folder = tmp_path / "pictures"
    code = PLOT_ALL.replace("sys.argv[1]", repr(str(folder)))
    seen = bare_probe.run(code, {"EBMCORE_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert seen["code"] == 1
    assert seen["out"].splitlines() == [
        "failed probe_boom: plugin 'local': creating energy 'probe_boom' raised RuntimeError('boom')",
        f"wrote {folder / 'probe_bowl.png'}",
        f"1 pictures in {folder}, 1 failed",
    ]


# -- item 16: what create() is given --------------------------------------------------------

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


# -- item 17: readers racing writers ------------------------------------------------------------


class _Anything:
    def __init__(self, dim: int = 1) -> None:
        pass


BASE, RACES = 2000, 2000  # enough that, unlocked, a reader meets a writer on every run here


def test_readers_and_writers_race_without_errors() -> None:
    registry = _registry.Registry("ebmcore_probe_no_such_group")
    for i in range(BASE):
        registry.register(EnergySpec(f"base_{i}", _Anything))
    errors: list[BaseException] = []
    done = threading.Event()

    def write() -> None:
        try:
            for i in range(RACES):
                registry.register(EnergySpec(f"racer_{i}", _Anything, aliases=(f"racer_alias_{i}",)))
                registry.unregister(f"racer_{i}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    def read() -> None:
        try:
            while not done.is_set():
                registry.names()
                registry.conflicts()
                registry.plugin_infos()
        except BaseException as exc:
            errors.append(exc)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=write), *(threading.Thread(target=read) for _ in range(3))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert len(registry.names()) == BASE


# -- item 18: command-line options ------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["plot", "gaussian", "--dpi", "0"], "argument --dpi: must be an integer in [10, 1200], got '0'"),
        (
            ["plot", "gaussian", "--dpi", "100000"],
            "argument --dpi: must be an integer in [10, 1200], got '100000'",
        ),
        (
            ["plot", "gaussian", "--resolution", "40000"],
            "argument --resolution: must be an integer in [2, 2000], got '40000'",
        ),
        (
            ["plot", "gaussian", "--samples", "-3"],
            "argument --samples: must be an integer in [0, 100000], got '-3'",
        ),
        (
            ["diagnose", "gaussian", "--n", "100000000"],
            "argument --n: must be an integer in [1, 1000000], got '100000000'",
        ),
        (["check", "gaussian", "--dim", "0"], "argument --dim: must be an integer >= 1, got '0'"),
    ],
)
def test_out_of_range_options_are_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args(argv)
    assert caught.value.code == 2
    assert capsys.readouterr().err.rstrip().endswith(f"error: {message}")


SMALL = ["--resolution", "10", "--dpi", "20"]


def test_plot_out_an_existing_folder_writes_into_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plot", "analytic/gaussian", "--out", str(tmp_path), *SMALL]) == 0
    assert (tmp_path / "analytic__gaussian.png").read_bytes()[:4] == b"\x89PNG"
    assert capsys.readouterr().out == f"wrote {tmp_path / 'analytic__gaussian.png'}\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_plot_out_an_unwritable_path_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plot", "gaussian", "--out", "/dev/full", *SMALL]) == 1
    assert capsys.readouterr().err == (
        "ebmcore: error: parameter '--out' must be a path where a picture can be written (No space left "
        "on device), got '/dev/full'\n"
    )


def test_check_exits_non_zero_when_nothing_passed(
    odd_energies: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "probe_needs_args"]) == 1
    out, err = capsys.readouterr()
    assert out.rstrip().endswith("0 of 1 energies passed, 1 skipped")
    assert err == "ebmcore: error: no energy was checked (every one was skipped)\n"
    assert main(["check", "probe_needs_args", "--json"]) == 1
    assert [e["status"] for e in json.loads(capsys.readouterr().out)] == ["skipped"]


# -- item 19: trailing newlines, and the reserved plugin name 'local' ---------------------------


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


def test_new_plugin_refuses_a_trailing_newline_and_local(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("toy\n", "local"):
        with pytest.raises(ebmcore.InvalidParameterError) as caught:
            new_plugin(name, tmp_path)
        assert str(caught.value) == (
            "parameter 'name' must be lowercase snake case, like 'my_energies', and not 'local' (reserved), "
            f"got {name!r}"
        )
    assert main(["new-plugin", "toy\n", "--path", str(tmp_path)]) == 1
    assert list(tmp_path.iterdir()) == []


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
