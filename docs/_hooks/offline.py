"""MkDocs hook: make the built site read offline, opened from disk (``file://``), and check it.

* ``on_files`` copies MathJax (one file with every TeX extension and SVG output, so no web fonts
  and no extension is fetched later) and its license from the ``django-static-mathjax`` package
  (Apache-2.0, in the ``docs`` extra) to ``javascripts/vendor/mathjax/``.
* ``on_post_build`` runs :func:`check_site` on the built site and fails the build on any problem:
  an internal ``href``/``src`` that names a directory or a missing file, a ``<script>``,
  ``<link>`` or stylesheet ``url()`` that loads from the network, a page with math but no local
  MathJax, or a missing offline search index. It runs after Material's ``offline`` plugin, which
  writes that index.

The check also runs on its own: ``python docs/_hooks/offline.py site``.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

MATHJAX_BUNDLE = "tex-svg-full.js"
MATHJAX_SITE_DIR = "javascripts/vendor/mathjax"
MATH_SCRIPT = re.compile(r"(^|/)mathjax/tex-[a-z-]+\.js$")
SEARCH_INDEX = "search/search_index.js"  # written by the offline plugin
# A web server's error page, served at any depth, so its links are absolute by design; no page
# links to it and nothing opens it from disk.
SERVER_ONLY = {"404.html"}
URL_ATTRIBUTES = {"href", "src", "poster", "data"}
NOT_FILES = ("mailto:", "tel:", "data:", "javascript:", "blob:")
CSS_REMOTE = re.compile(r"""(?:url\(|@import)\s*['"]?\s*(?:https?:)?//""", re.IGNORECASE)


# -- the check ----------------------------------------------------------------------------------


class _References(HTMLParser):
    """Collects ``(tag, attribute, value)`` for every URL-valued attribute of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.references: list[tuple[str, str, str]] = []
        self.has_math = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "class" and value and "arithmatex" in value.split():
                self.has_math = True
            if name in URL_ATTRIBUTES and value is not None:
                self.references.append((tag, name, value.strip()))


def _is_remote(url: str) -> bool:
    return url.startswith("//") or urlsplit(url).scheme.lower() in {"http", "https", "ftp"}


def check_page(page: Path, site: Path) -> list[str]:
    """The problems of one HTML page of the site ``site``; ``[]`` when it reads offline.

    Example:
        >>> import tempfile
        >>> site = Path(tempfile.mkdtemp())
        >>> _ = (site / "a.html").write_text('<a href="b/">b</a><a href="a.html#top">top</a>')
        >>> check_page(site / "a.html", site)
        ['a.html: <a href="b/"> names a directory, not a file']
    """
    parser = _References()
    parser.feed(page.read_text(encoding="utf-8"))
    name = page.relative_to(site).as_posix()
    problems: list[str] = []
    math_scripts = 0
    for tag, attribute, url in parser.references:
        where = f'{name}: <{tag} {attribute}="{url}">'
        if _is_remote(url):
            if tag in {"script", "link", "img", "iframe", "source", "object"}:
                problems.append(f"{where} loads from the network")
            continue  # links to other sites are fine
        if url.lower().startswith(NOT_FILES):
            continue
        path = unquote(urlsplit(url).path)
        if not path:
            continue  # same-page anchor
        if path.startswith("/"):
            problems.append(f"{where} is absolute: it cannot resolve from disk")
            continue
        target = (page.parent / path).resolve()
        if not target.is_relative_to(site.resolve()):
            problems.append(f"{where} points outside the site")
        elif path.endswith("/") or target.is_dir():
            problems.append(f"{where} names a directory, not a file")
        elif not target.is_file():
            problems.append(f"{where} names a missing file")
        elif tag == "script" and MATH_SCRIPT.search(path):
            math_scripts += 1
    if parser.has_math and not math_scripts:
        problems.append(f"{name}: has math but loads no local MathJax script")
    return problems


def check_site(site: Path) -> list[str]:
    """Every reason the site in ``site`` would not read offline from disk; ``[]`` when it does."""
    problems: list[str] = []
    pages = sorted(p for p in site.rglob("*.html") if p.relative_to(site).as_posix() not in SERVER_ONLY)
    if not pages:
        return [f"{site}: no HTML pages"]
    for page in pages:
        problems += check_page(page, site)
    for sheet in sorted(site.rglob("*.css")):
        if CSS_REMOTE.search(sheet.read_text(encoding="utf-8", errors="replace")):
            problems.append(f"{sheet.relative_to(site).as_posix()}: a stylesheet loads from the network")
    if not (site / SEARCH_INDEX).is_file():
        problems.append(f"{SEARCH_INDEX} is missing: search needs the offline plugin")
    return problems


# -- MkDocs events ------------------------------------------------------------------------------


def mathjax_files() -> list[tuple[Path, str]]:
    """``(installed file, path in the site)`` of the MathJax bundle and its license."""
    spec = importlib.util.find_spec("mathjax")  # django-static-mathjax; finding does not import
    for location in (spec.submodule_search_locations or []) if spec else []:
        root = Path(location) / "static" / "mathjax"
        if (root / "es5" / MATHJAX_BUNDLE).is_file():
            return [
                (root / "es5" / MATHJAX_BUNDLE, f"{MATHJAX_SITE_DIR}/{MATHJAX_BUNDLE}"),
                (root / "LICENSE", f"{MATHJAX_SITE_DIR}/LICENSE"),
            ]
    raise LookupError(
        "MathJax for the docs is not installed: install the docs extra (pip install -e '.[docs]'), "
        "which has django-static-mathjax"
    )


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.exceptions import PluginError  # MkDocs is only there when the site is built
    from mkdocs.structure.files import File

    try:
        vendored = mathjax_files()
    except LookupError as error:
        raise PluginError(str(error)) from None
    for source, uri in vendored:
        files.append(File.generated(config, uri, abs_src_path=str(source)))
    return files


def on_post_build(config: Any) -> None:
    from mkdocs.exceptions import PluginError  # MkDocs is only there when the site is built

    problems = check_site(Path(config["site_dir"]))
    if problems:
        raise PluginError("the site does not read offline:\n  " + "\n  ".join(problems))


try:  # run after every plugin's post-build step (the offline plugin's runs at -100)
    from mkdocs.plugins import event_priority

    on_post_build = event_priority(-110)(on_post_build)
except ImportError:  # the check used on its own, without MkDocs
    pass


def main(argv: list[str]) -> int:
    site = Path(argv[0] if argv else "site")
    problems = check_site(site)
    for problem in problems:
        print(problem)
    print(f"{site}: {'does not read' if problems else 'reads'} offline")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
