"""The two public tiers: ``ebmcore`` for users, ``ebmcore.plugin`` for plugin authors."""

from __future__ import annotations

import ast
import pickle
import re
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

import ebmcore
import ebmcore.plugin

ROOT = Path(__file__).resolve().parents[1]
API_PAGE = ROOT / "docs" / "api.md"
MODULES = {"plot", "plugin", "__version__"}  # modules (and the version) in __all__, with pages of their own


def documented() -> list[str]:
    return re.findall(r"^::: (\S+)", API_PAGE.read_text(), flags=re.M)


def test_the_api_page_documents_public_names_only_each_once() -> None:
    names = documented()
    private = [n for n in names if any(part.startswith("_") for part in n.split("."))]
    assert private == []
    assert sorted(n for n in set(names) if names.count(n) > 1) == []


@pytest.mark.parametrize("tier", [ebmcore, ebmcore.plugin], ids=lambda m: m.__name__)
def test_every_public_name_is_on_the_api_page(tier: object) -> None:
    names = set(documented())
    # the constraints module is documented once, in the plugin-author tier
    skipped = MODULES | ({"constraints"} if tier is ebmcore else set())
    missing = [n for n in tier.__all__ if n not in skipped and f"{tier.__name__}.{n}" not in names]
    assert missing == []


@pytest.mark.parametrize("tier", [ebmcore, ebmcore.plugin], ids=lambda m: m.__name__)
def test_every_name_of_a_tier_resolves(tier: object) -> None:
    for name in tier.__all__:
        assert getattr(tier, name) is not None
    assert sorted(tier.__all__) == tier.__all__
    assert dir(tier) == tier.__all__


@pytest.mark.parametrize("name", sorted(ebmcore._MOVED))
def test_a_moved_name_still_works_with_a_deprecation_warning(name: str) -> None:
    with pytest.warns(DeprecationWarning, match=rf"ebmcore\.{name} moved to ebmcore\.plugin\.{name}"):
        old = getattr(ebmcore, name)
    assert old is getattr(ebmcore.plugin, name)
    assert name not in ebmcore.__all__


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        ebmcore.no_such_name  # noqa: B018


def test_errors_print_by_the_name_users_import() -> None:
    for name in ebmcore.__all__:
        obj = getattr(ebmcore, name)
        if isinstance(obj, type) and issubclass(obj, ebmcore.EbmcoreError):
            assert obj.__module__ == "ebmcore", name
            assert repr(obj) == f"<class 'ebmcore.{name}'>"
    try:
        ebmcore.create("rosenbrock", dim=-1)
    except ebmcore.InvalidParameterError:
        text = traceback.format_exc()
    assert "\nebmcore.InvalidParameterError: Rosenbrock: parameter 'dim' must be" in text


def test_errors_survive_pickling_with_their_message_and_attributes() -> None:
    errors = [
        ebmcore.InvalidParameterError("dim", -1, "an integer >= 1", energy="Rosenbrock"),
        ebmcore.EnergyNotFoundError("rosenbrok", ["rosenbrock"]),
        ebmcore.UnknownParameterError("energy 'gaussian'", "dimm", ["dim", "mean"]),
        ebmcore.PluginError("analytic", "broken"),
        ebmcore.ConformanceError("failed", failures=["check_shapes"]),
    ]
    for error in errors:
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert str(copy) == str(error)
        assert copy.__dict__.keys() == error.__dict__.keys()
    assert pickle.loads(pickle.dumps(errors[0])).parameter == "dim"


def test_importing_the_plugin_tier_imports_no_torch() -> None:
    code = "import sys, ebmcore.plugin; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


def plugin_sources() -> list[Path]:
    return sorted(p for p in (ROOT / "plugins").glob("*/ebmcore_*/**/*.py"))


def private_uses(source: str) -> list[str]:
    """``ebmcore._private`` modules or attributes that ``source`` imports or reads, with lines."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            names = [f"{node.value.id}.{node.attr}"]
        for name in names:
            parts = name.split(".")
            if parts[0] == "ebmcore" and any(p.startswith("_") and not p.startswith("__") for p in parts):
                found.append(f"{node.lineno}: {name}")
    return found


def test_first_party_plugins_use_public_names_only() -> None:
    assert len(plugin_sources()) > 20
    private = [
        f"{path.relative_to(ROOT)}:{use}"
        for path in plugin_sources()
        for use in private_uses(path.read_text())
    ]
    assert private == []


def test_the_static_check_of_plugins_can_fail() -> None:
    source = "from ebmcore._errors import close_matches\nimport ebmcore\nebmcore._registry.REGISTRY\n"
    assert private_uses(source) == [
        "1: ebmcore._errors",
        "1: ebmcore._errors.close_matches",
        "3: ebmcore._registry",
    ]
    assert private_uses("import ebmcore.plugin\nfrom ebmcore import BaseModel\n") == []
