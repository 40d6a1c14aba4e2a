"""The README's Python tour runs as written."""

from __future__ import annotations

import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_tour_runs():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    tour = blocks[0]
    namespace: dict[str, object] = {}
    exec(compile(tour, str(README), "exec"), namespace)
    assert namespace["well"].minima.count == 4  # type: ignore[attr-defined]
