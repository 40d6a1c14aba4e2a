"""The trust model (docs/trust-model.md), tested.

* A name or spec dict from a user's config is looked up in the registry, never imported: a
  target-like string (``"os.path:join"``, ``"pkg.module:Class"``) is an unknown name, and a
  ``target`` key in a spec dict is an unknown parameter. A canary module that records its own
  import proves nothing was imported.
* Plugins come only from installed distributions' entry points: the environment variables
  filter those, they cannot add a module; and no catalog is cached on disk, so no file anyone
  can write steers what ``create`` imports.
* Library code loads files only through ``torch.load(weights_only=True)``, never ``pickle``,
  ``eval`` or ``exec``, and imports computed module names only in the registry and the lazy
  package ``__init__`` files (a static check over ``ebmcore/`` and ``plugins/``).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

import ebmcore

ROOT = Path(__file__).resolve().parent.parent
CANARY = "ebmcore_trust_canary"


def write_canary(folder: Path, module: str, marker: Path) -> None:
    """Write ``folder/<module>.py``: a module with a class ``Model`` that leaves ``marker`` when imported."""
    text = f"from pathlib import Path\nPath({str(marker)!r}).touch()\nclass Model:\n    pass\n"
    (folder / f"{module}.py").write_text(text)


@pytest.fixture
def canary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An importable module that leaves a file behind when imported."""
    marker = tmp_path / "imported"
    write_canary(tmp_path, CANARY, marker)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield marker
    assert not marker.exists(), f"{CANARY} was imported"
    assert CANARY not in sys.modules


TARGET_LIKE = [
    f"{CANARY}:Model",
    f"{CANARY}.Model",
    CANARY,
    f"{CANARY}/Model",
    f"analytic/../{CANARY}:Model",
    "os.path:join",
    "builtins:eval",
    "torch.nn:Linear",
]


@pytest.mark.parametrize("name", TARGET_LIKE)
def test_target_like_names_are_unknown_names_not_imports(canary: Path, name: str) -> None:
    for attempt in (lambda: ebmcore.create(name), lambda: ebmcore.create({"name": name})):
        with pytest.raises(ebmcore.EnergyNotFoundError, match="no energy named"):
            attempt()
    with pytest.raises(ebmcore.EnergyNotFoundError):
        ebmcore.info(name)


@pytest.mark.parametrize(
    "spec",
    [
        {"name": "analytic/rosenbrock", "target": f"{CANARY}:Model"},
        {"name": "analytic/rosenbrock", "__class__": f"{CANARY}:Model"},
        {"name": "analytic/rosenbrock", "_target_": f"{CANARY}:Model"},
    ],
)
def test_a_target_key_in_a_spec_dict_is_an_unknown_parameter(canary: Path, spec: dict[str, Any]) -> None:
    key = next(k for k in spec if k != "name")
    with pytest.raises(ebmcore.UnknownParameterError, match=f"unexpected parameter {key!r}"):
        ebmcore.create(spec)


def test_string_values_are_not_interpreted(canary: Path) -> None:
    with pytest.raises(ebmcore.InvalidParameterError, match="parameter 'a' must be a finite real number"):
        ebmcore.create({"name": "analytic/rosenbrock", "a": f"{CANARY}:Model"})
    with pytest.raises(ebmcore.InvalidSpecError, match=r"spec\['name'\] must be an energy name \(a string\)"):
        ebmcore.create({"name": {"target": f"{CANARY}:Model"}})  # type: ignore[dict-item]


def test_environment_filters_plugins_but_cannot_add_one(bare_probe: Any, tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    write_canary(tmp_path, CANARY, marker)
    runner = type(bare_probe)(tmp_path)  # interpreters with the canary importable
    seen = runner.run(
        "import ebmcore\nR['list'] = ebmcore.list_energies()\n"
        "R['plugins'] = [p.name for p in ebmcore.plugins() if p.status != 'disabled']\n",
        {"EBMCORE_DISABLE_PLUGIN_AUTOLOAD": "1", "EBMCORE_PLUGINS": f"{CANARY},{CANARY}:Model"},
    )
    assert seen == {"list": [], "plugins": []}
    assert not marker.exists()


# -- no catalog cache: nothing on disk can steer create() ------------------------------------------


def files_under(*folders: Path) -> list[str]:
    return sorted(str(p) for folder in folders if folder.exists() for p in folder.rglob("*"))


GOOD_ONLY = {"EBMCORE_DISABLE_PLUGIN_AUTOLOAD": "1", "EBMCORE_PLUGINS": "good"}


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
    write_canary(tmp_path, "ebmcore_forged_canary", marker)
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


# -- static checks of the library code --------------------------------------------------------


def library_files() -> list[Path]:
    files = sorted((ROOT / "ebmcore").rglob("*.py"))
    for plugin in sorted((ROOT / "plugins").glob("*/")):
        for package in sorted(plugin.glob("ebmcore_*/")):
            files += sorted(p for p in package.rglob("*.py") if "tests" not in p.relative_to(plugin).parts)
    return files


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return ""


def keyword(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


# The conformance kit checks that a model survives a pickle round trip with
# ``pickle.loads(pickle.dumps(model))``: it unpickles only the bytes it pickled itself in the same
# expression, never data read from anywhere, so that one shape of call, in that one file, is safe.
PICKLE_ROUND_TRIP_FILES = {"ebmcore/testing/_checks.py"}


def round_trip_allowed(call: ast.Call, relative: Path) -> bool:
    """``pickle.loads(pickle.dumps(...))`` in the kit's round-trip check, and nothing else."""
    if relative.as_posix() not in PICKLE_ROUND_TRIP_FILES or len(call.args) != 1 or call.keywords:
        return False
    inner = call.args[0]
    return isinstance(inner, ast.Call) and dotted(inner.func) == "pickle.dumps"


def violations(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    relative = path.relative_to(root)
    # the registry imports plugin targets; the CLI its EXTRA_COMMANDS constant; __init__ files
    # their _LAZY tables, through ebmcore/_lazy.py (modules named by the package itself)
    imports_allowed = path.name == "__init__.py" or relative.as_posix() in {
        "ebmcore/_registry/index.py",  # an energy's "module:Class" target, named by its plugin
        "ebmcore/_lazy.py",
    }
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = dotted(node.func)
        where = f"{relative}:{node.lineno}"
        if name == "torch.load":
            weights_only = keyword(node, "weights_only")
            if not (isinstance(weights_only, ast.Constant) and weights_only.value is True):
                found.append(f"{where}: torch.load without weights_only=True")
        elif name == "pickle.loads" and round_trip_allowed(node, relative):
            continue
        elif name in {"pickle.load", "pickle.loads", "eval", "exec", "marshal.loads", "dill.load"}:
            found.append(f"{where}: {name}")
        elif name in {"numpy.load", "np.load"}:
            allow = keyword(node, "allow_pickle")
            if allow is not None and not (isinstance(allow, ast.Constant) and allow.value is False):
                found.append(f"{where}: {name} with allow_pickle")
        elif (
            name in {"importlib.import_module", "import_module", "__import__"}
            and not imports_allowed
            and not (node.args and isinstance(node.args[0], ast.Constant))
        ):
            found.append(f"{where}: {name} of a computed module name")
    return found


def test_library_code_loads_nothing_unsafely() -> None:
    files = library_files()
    assert ROOT / "ebmcore" / "_registry" / "discovery.py" in files
    assert [v for path in files for v in violations(path)] == []


def test_the_static_check_can_fail(tmp_path: Path) -> None:
    module = tmp_path / "ebmcore" / "_bad.py"
    module.parent.mkdir()
    module.write_text(
        "import torch, pickle, importlib\n"
        "torch.load('f')\ntorch.load('f', weights_only=False)\npickle.loads(b'')\n"
        "importlib.import_module(name)\nnp.load('f', allow_pickle=True)\n"
    )
    assert [f.split(": ", 1)[1] for f in violations(module, tmp_path)] == [
        "torch.load without weights_only=True",
        "torch.load without weights_only=True",
        "pickle.loads",
        "importlib.import_module of a computed module name",
        "np.load with allow_pickle",
    ]
