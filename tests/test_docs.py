"""Tests of the documentation generator (docs/_hooks/catalog.py) and the site's navigation.

`make docs` (part of `make test`) runs the full strict MkDocs build; these tests check the
generated content itself, quickly.
"""

from __future__ import annotations

import doctest
import importlib.util
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import ebmcore

pytest.importorskip("matplotlib")
yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ebmcore_docs_catalog", DOCS / "_hooks" / "catalog.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.PICTURE_RESOLUTION = 20  # small and fast in tests
    module.PICTURE_DPI = 30
    return module


@pytest.fixture(scope="module")
def pages(hook: ModuleType) -> dict[str, tuple[str, dict[str, bytes]]]:
    """Every generated plugin page with its pictures, by plugin name (drawn once)."""
    return {plugin.name: hook.plugin_page(plugin) for plugin in hook.catalog_plugins()}


def _nav_paths(items: Any) -> list[str]:
    paths: list[str] = []
    for item in items:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        paths += _nav_paths(value) if isinstance(value, list) else [value]
    return paths


def test_hook_doctests(hook: ModuleType) -> None:
    result = doctest.testmod(hook, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 3 and result.failed == 0


def test_math_and_roles_become_markdown(hook: ModuleType) -> None:
    doc = ebmcore.info("rosenbrock").doc
    markdown = hook.rst_to_markdown(hook.split_docstring(doc)[""])
    assert "$$\nE(x) = \\sum_{i=1}^{d-1}" in markdown
    assert ".. math::" not in markdown and ":math:" not in markdown and "``" not in markdown


def test_every_energy_has_a_catalog_entry(hook: ModuleType, pages: dict[str, Any]) -> None:
    plugins = hook.catalog_plugins()
    index = hook.index_page(plugins)
    for name in ebmcore.list_energies():
        assert f"[`{name}`]" in index
    assert sorted(pages) == sorted(p.name for p in plugins)
    for plugin in plugins:
        page, pictures = pages[plugin.name]
        for name in ebmcore.list_energies(plugin=plugin.name):
            anchor = name.replace("/", "-")
            assert f"## {name} {{ #{anchor} }}" in page
            meta = ebmcore.info(name)
            for parameter in meta.parameters:
                assert f"| `{parameter.name}` |" in page
            try:
                drawable = ebmcore.plot.gallery_model(name).dim >= 2
            except (ebmcore.EbmcoreError, TypeError, ValueError):
                drawable = False
            assert (hook.picture_name(name) in pictures) == drawable
            if drawable:
                assert pictures[hook.picture_name(name)][:4] == b"\x89PNG"
                assert f"]({hook.picture_name(name)})" in page


def test_ground_truth_is_stated(pages: dict[str, Any]) -> None:
    page, _ = pages["analytic"]
    section = page[page.index("## gaussian") :]
    section = section[: section.index("\n## ")] if "\n## " in section else section
    assert "- global minimum: $E = 0$ at `[[0.0, 0.0]]`" in section
    assert "- log partition: $\\log Z = 1.837877066$" in section  # log(2 pi)
    assert "- exact sampler: yes" in section


def test_nav_points_at_pages_that_exist_or_are_generated(hook: ModuleType) -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    assert config["theme"]["font"] is False  # offline build: no remote fonts
    assert config["strict"] is True

    class Config:
        nav = config["nav"]

    hook.on_config(Config)
    generated = {"catalog/index.md"} | {f"catalog/{p.name}.md" for p in hook.catalog_plugins()}
    results = {f"benchmarks/{p.name}" for p in (ROOT / "bench" / "results").glob("*.md")}
    paths = _nav_paths(Config.nav)
    assert generated <= set(paths)
    assert results and results == {p for p in paths if p.startswith("benchmarks/")}
    for path in paths:
        exists = path in generated or path in results or (DOCS / path).is_file()
        assert exists, f"nav names a missing page: {path}"
    assert "writing-a-plugin.md" in paths and "contributing.md" in paths


def test_cli_reference_lists_every_command(hook: ModuleType) -> None:
    text = hook.cli_help()
    for command in ("list", "info", "plugins", "plot", "diagnose"):
        assert f"$ ebmcore {command} --help" in text
    assert "--samples N" in text


PAGES_WITH_EXAMPLES = sorted(
    p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md") if "```pycon" in p.read_text()
)


@pytest.mark.parametrize("page", PAGES_WITH_EXAMPLES)
def test_console_examples_in_the_pages_run(
    page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every ``pycon`` block of the hand-written pages runs as a doctest."""
    text = (DOCS / page).read_text()
    blocks = re.findall(r"```pycon\n(.*?)```", text, flags=re.DOTALL)
    monkeypatch.chdir(tmp_path)
    parser = doctest.DocTestParser()
    test = parser.get_doctest("\n".join(blocks), {}, page, page, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0, f"{runner.failures} failing examples in {page} (see output above)"


class _NeedsArgs(ebmcore.BaseModel):
    """Cannot be created without ``center``.

    .. math::

        E(x) = \\|x - c\\|^2

    Args:
        center: the point :math:`c`.
    """

    def __init__(self, center: list[float]) -> None:
        super().__init__(len(center), center=center)

    def forward(self, x: Any) -> Any:
        return (x * x).sum(-1)


def test_catalog_entry_for_an_energy_that_needs_arguments(hook: ModuleType) -> None:
    ebmcore.register_energy("docs_needs_args", summary="needs a center")(_NeedsArgs)
    try:
        section, picture = hook.energy_section("docs_needs_args")
    finally:
        ebmcore.unregister_energy("docs_needs_args")
    assert picture is None
    assert "$$\nE(x) = \\|x - c\\|^2\n$$" in section
    assert "| `center` | *required* |  | the point $c$. |" in section
    assert "**Ground truth**: no instance without arguments" in section
