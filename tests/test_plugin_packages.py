"""The first-party plugin packages: one lazy table, agreeing with the static view, and cheap.

Each ``plugins/*/ebmcore_*/__init__.py`` keeps a ``TYPE_CHECKING`` block of explicit
re-exports (``from ._x import A as A``: what type checkers read), one ``_LAZY`` table
(module -> names: what runs) and ``__all__`` derived from that table. They must agree, every
name must resolve to the object its module defines, and importing the package must not
import torch (listing the plugins imports every package to reach its hooks).
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from ebmcore.plugin import lazy_getattr

ROOT = Path(__file__).resolve().parent.parent
INITS = sorted(ROOT.glob("plugins/*/ebmcore_*/__init__.py"))
PACKAGES = [init.parent.name for init in INITS]


def test_every_first_party_plugin_is_covered() -> None:
    assert {"ebmcore_analytic", "ebmcore_compose", "ebmcore_targets", "ebmcore_torchebm"} <= set(PACKAGES)


def _static_view(init: Path) -> dict[str, str]:
    """Name -> relative module of the ``if TYPE_CHECKING:`` imports of ``init``."""
    tree = ast.parse(init.read_text(encoding="utf-8"))
    blocks = [
        node
        for node in tree.body
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
    ]
    assert len(blocks) == 1, f"{init}: one TYPE_CHECKING block"
    names: dict[str, str] = {}
    for statement in blocks[0].body:
        assert isinstance(statement, ast.ImportFrom) and statement.level == 1, ast.unparse(statement)
        for alias in statement.names:
            # an explicit re-export: type checkers treat `import A` in a py.typed package as private
            assert alias.asname == alias.name, f"{init}: write `{alias.name} as {alias.name}`"
            assert alias.name not in names, f"{init}: {alias.name} imported twice"
            names[alias.name] = f".{statement.module}"
    return names


def _runtime_view(package: types.ModuleType) -> dict[str, str]:
    """Name -> relative module of the package's ``_LAZY`` table (module -> names)."""
    table = package._LAZY
    assert all(isinstance(names, tuple) for names in table.values()), "module -> (names, ...)"
    names = [name for module_names in table.values() for name in module_names]
    assert len(names) == len(set(names)), "a name listed under two modules"
    return {name: module for module, module_names in table.items() for name in module_names}


@pytest.mark.parametrize("init", INITS, ids=PACKAGES)
def test_static_view_lazy_table_and_all_agree(init: Path) -> None:
    package = importlib.import_module(init.parent.name)
    runtime = _runtime_view(package)
    assert _static_view(init) == runtime
    assert package.__all__ == sorted(runtime)


@pytest.mark.parametrize("init", INITS, ids=PACKAGES)
def test_every_lazy_name_resolves_to_what_its_module_defines(init: Path) -> None:
    package = importlib.import_module(init.parent.name)
    for name, module in _runtime_view(package).items():
        defined = getattr(importlib.import_module(module, package.__name__), name)
        assert getattr(package, name) is defined, name
        assert package.__dict__[name] is defined, name  # cached: later accesses skip the table
    with pytest.raises(AttributeError, match="has no attribute 'NotAName'"):
        package.NotAName  # noqa: B018


@pytest.mark.parametrize("package", PACKAGES)
def test_importing_a_plugin_package_does_not_import_torch(package: str) -> None:
    code = f"import sys, {package}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch')[:3])"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"import {package} imported torch"


# -- lazy_getattr, the plugin-author API ------------------------------------------------------


def _scratch_package(name: str) -> types.ModuleType:
    package = types.ModuleType(name)
    package.__path__ = []  # a package, so that relative names resolve against it
    sys.modules[name] = package
    return package


@pytest.fixture
def scratch() -> Iterator[types.ModuleType]:
    package = _scratch_package("_ebmcore_scratch_package")
    yield package
    del sys.modules["_ebmcore_scratch_package"]


def test_lazy_getattr_takes_module_to_names(scratch: types.ModuleType) -> None:
    load = lazy_getattr(scratch.__name__, {"json": ("dumps", "loads"), "math": ("pi",)})
    assert load("pi") == 3.141592653589793 and load("dumps")([1]) == "[1]"
    assert scratch.__dict__["pi"] == load("pi")
    with pytest.raises(AttributeError, match="has no attribute 'sqrt'"):
        load("sqrt")


def test_lazy_getattr_still_takes_name_to_module(scratch: types.ModuleType) -> None:
    load = lazy_getattr(scratch.__name__, {"dumps": "json", "pi": "math"}, submodules=())
    assert load("pi") == 3.141592653589793 and load("dumps")({}) == "{}"


def test_lazy_getattr_refuses_a_name_under_two_modules(scratch: types.ModuleType) -> None:
    with pytest.raises(ValueError, match="'pi' is listed under two modules"):
        lazy_getattr(scratch.__name__, {"math": ("pi",), "cmath": ("pi", "e")})
