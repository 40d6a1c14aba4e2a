"""MkDocs hook: publish the committed benchmark results, ``bench/results/*.md``, in the site.

The pages and READMEs cite measured times by linking to these files instead of quoting them, so
each number is stated once, in the file that ``make bench`` writes. ``benchmarks/<name>.md`` of
the site is ``bench/results/<name>.md`` of the repository, read at build time (nothing is copied
into docs/); the nav in mkdocs.yml names the pages. Each page ends with a note on where it comes
from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"
SITE_DIR = "benchmarks"


def result_pages() -> dict[str, Path]:
    """Path in the site (``benchmarks/core.md``) of each result file, by that path."""
    return {f"{SITE_DIR}/{source.name}": source for source in sorted(RESULTS.glob("*.md"))}


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File  # MkDocs is only there when the site is built

    for uri, source in result_pages().items():
        files.append(File.generated(config, uri, abs_src_path=str(source)))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    uri = page.file.src_uri
    if uri not in result_pages():
        return markdown
    name = uri.rpartition("/")[2]
    return (
        f"{markdown.rstrip()}\n\n---\n\nWritten by `make bench` to `bench/results/{name}`, with the raw "
        "measurements in the JSON file beside it; `bench/README.md` describes how each number is "
        "measured. Absolute times move between runs on a shared machine: compare ratios.\n"
    )
