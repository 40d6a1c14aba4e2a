"""The documentation site reads offline, opened from disk (docs/_hooks/offline.py, mkdocs.yml).

The check itself runs at the end of every MkDocs build (`make docs`, part of `make test`) on the
real site and fails the build on any problem; these tests check its configuration and that the
check catches each kind of problem, on small sites written here (well under a second).
"""

from __future__ import annotations

import doctest
import importlib.util
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
HOOK = DOCS / "_hooks" / "offline.py"


@pytest.fixture(scope="module")
def offline() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ebmcore_docs_offline", HOOK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def config() -> dict:
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text())


def test_hook_doctests(offline: ModuleType) -> None:
    result = doctest.testmod(offline, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 1 and result.failed == 0


def test_the_site_is_configured_to_read_offline(offline: ModuleType, config: dict) -> None:
    assert config["use_directory_urls"] is False  # pages link to .html files, not to folders
    assert "offline" in config["plugins"]  # search from an inlined index
    assert "docs/_hooks/offline.py" in config["hooks"]  # vendored MathJax, the check
    vendored = {uri for _, uri in _fake_mathjax_files(offline)}
    for script in [*config["extra_javascript"], *config["extra"]["polyfills"]]:
        assert not offline._is_remote(script), f"{script} would load from the network"
        assert (DOCS / script).is_file() or script in vendored, f"{script} is neither in docs/ nor vendored"
    assert any(offline.MATH_SCRIPT.search(s) for s in config["extra_javascript"])
    # named here, the shim keeps the offline plugin from adding its CDN copy
    assert any("iframe-worker" in s for s in config["extra"]["polyfills"])


def _fake_mathjax_files(offline: ModuleType) -> list[tuple[Path, str]]:
    bundle = f"{offline.MATHJAX_SITE_DIR}/{offline.MATHJAX_BUNDLE}"
    return [(Path("x"), bundle), (Path("y"), f"{offline.MATHJAX_SITE_DIR}/LICENSE")]


def test_mathjax_comes_from_the_installed_package(
    offline: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "mathjax"
    (package / "static" / "mathjax" / "es5").mkdir(parents=True)
    (package / "static" / "mathjax" / "es5" / offline.MATHJAX_BUNDLE).write_text("// bundle")
    (package / "static" / "mathjax" / "LICENSE").write_text("Apache License")
    spec = ModuleSpec("mathjax", None, is_package=True)
    spec.submodule_search_locations = [str(package)]
    monkeypatch.setattr(offline.importlib.util, "find_spec", lambda name: spec)
    files = offline.mathjax_files()
    assert [uri for _, uri in files] == [uri for _, uri in _fake_mathjax_files(offline)]
    assert all(source.is_file() for source, _ in files)

    monkeypatch.setattr(offline.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(LookupError, match=r"docs extra"):
        offline.mathjax_files()


MATH_PAGE = """<!doctype html><html><head>
<link rel="stylesheet" href="../assets/main.css">
<script src="../javascripts/vendor/iframe-worker/shim.js"></script>
</head><body>
<a href="../index.html">home</a> <a href="#formula">here</a> <a href="../index.html#top">top</a>
<a href="https://github.com/">elsewhere</a> <a href="mailto:someone@example.org">mail</a>
<img src="picture%20one.png" alt="">
<div class="arithmatex">\\[E(x) = x^2\\]</div>
<script src="../javascripts/vendor/mathjax/tex-svg-full.js"></script>
</body></html>
"""


def _site(root: Path, page: str = MATH_PAGE) -> Path:
    files = {
        "index.html": '<a href="catalog/analytic.html">catalog</a>',
        "catalog/analytic.html": page,
        "catalog/picture one.png": "",
        "assets/main.css": "body { background: url(data:image/png;base64,AAAA); }",
        "javascripts/vendor/iframe-worker/shim.js": "",
        "javascripts/vendor/mathjax/tex-svg-full.js": "",
        "search/search_index.js": "var __index = {}",
        "404.html": '<a href="/index.html">absolute, as a server error page needs</a>',
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_a_site_that_reads_offline_passes(offline: ModuleType, tmp_path: Path) -> None:
    assert offline.check_site(_site(tmp_path)) == []
    assert offline.main([str(tmp_path)]) == 0


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('href="../index.html"', 'href="../concepts/"', "names a directory"),
        ('href="../index.html"', 'href="../catalog"', "names a directory"),
        ('href="../index.html"', 'href="../missing.html"', "names a missing file"),
        ('href="../index.html"', 'href="/index.html"', "is absolute"),
        ('href="../index.html"', 'href="../../outside.html"', "points outside the site"),
        ('src="picture%20one.png"', 'src="picture.png"', "names a missing file"),
        ('href="../assets/main.css"', 'href="https://cdn.example.org/main.css"', "loads from the network"),
        (
            'src="../javascripts/vendor/mathjax/tex-svg-full.js"',
            'src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"',
            "loads from the network",
        ),
        (
            'src="../javascripts/vendor/iframe-worker/shim.js"',
            'src="//unpkg.com/iframe-worker/shim"',
            "loads from the network",
        ),
        (
            '<script src="../javascripts/vendor/mathjax/tex-svg-full.js"></script>',
            "",
            "has math but loads no",
        ),
    ],
)
def test_each_problem_is_found(offline: ModuleType, tmp_path: Path, old: str, new: str, problem: str) -> None:
    assert old in MATH_PAGE
    problems = offline.check_site(_site(tmp_path, MATH_PAGE.replace(old, new)))
    assert problems and problem in problems[0]  # a remote MathJax also leaves the math without one
    assert all(p.startswith("catalog/analytic.html: ") for p in problems)
    assert offline.main([str(tmp_path)]) == 1


def test_a_remote_stylesheet_or_a_missing_search_index_is_found(offline: ModuleType, tmp_path: Path) -> None:
    site = _site(tmp_path)
    (site / "assets" / "main.css").write_text('@import "https://fonts.example.org/roboto.css";')
    (site / "search" / "search_index.js").unlink()
    problems = offline.check_site(site)
    assert len(problems) == 2
    assert "assets/main.css: a stylesheet loads from the network" in problems
    assert any("search_index.js is missing" in p for p in problems)
