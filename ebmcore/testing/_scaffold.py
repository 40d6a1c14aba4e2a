"""``ebmcore new-plugin``: write a plugin distribution that installs and passes its tests at once.

The templates are package data (``ebmcore/testing/templates/*.tmpl``, ``string.Template``
syntax), kept as non-Python files so that linters and type checkers leave them alone.
"""

from __future__ import annotations

import string
from importlib import resources
from pathlib import Path

from .._errors import InvalidParameterError
from .._spec import LOCAL_PLUGIN, NAME_PATTERN
from .._version import __version__

__all__ = ["FILES", "new_plugin"]

FILES: dict[str, str] = {
    "pyproject.toml": "pyproject.toml.tmpl",
    "README.md": "README.md.tmpl",
    "{package}/__init__.py": "init.py.tmpl",
    "{package}/_hooks.py": "hooks.py.tmpl",
    "{package}/_bowl.py": "bowl.py.tmpl",
    "{package}/py.typed": "",
    "tests/test_conformance.py": "test_conformance.py.tmpl",
    "tests/test_bowl.py": "test_bowl.py.tmpl",
    ".github/workflows/tests.yml": "ci.yml.tmpl",
}
"""Output path (``{package}`` is the import package) -> template file (empty: an empty file)."""


def _template(name: str) -> str:
    return resources.files("ebmcore.testing").joinpath("templates").joinpath(name).read_text(encoding="utf-8")


def new_plugin(name: str, path: str | Path = ".", *, overwrite: bool = False) -> Path:
    """Write the plugin ``name`` into ``path/name`` and return that folder.

    The distribution is ``ebmcore-<name>`` (underscores become dashes), the import package
    ``ebmcore_<name>``, the entry point (plugin) name ``name``, and the example energy
    ``<name>_bowl``.

    Args:
        name: the plugin name, lowercase snake case (``"my_energies"``).
        path: the parent folder (default: the current directory).
        overwrite: write into an existing non-empty folder.

    Raises:
        InvalidParameterError: ``name`` is not lowercase snake case (or is ``"local"``, the
            reserved name of in-process energies), or the folder is not empty.

    Example:
        >>> import tempfile, pathlib
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     root = new_plugin("toy", tmp)
        ...     sorted(p.name for p in (root / "ebmcore_toy").iterdir())
        ['__init__.py', '_bowl.py', '_hooks.py', 'py.typed']
    """
    if not isinstance(name, str) or not NAME_PATTERN.match(name) or name == LOCAL_PLUGIN:
        raise InvalidParameterError(
            "name", name, f"lowercase snake case, like 'my_energies', and not {LOCAL_PLUGIN!r} (reserved)"
        )
    root = Path(path) / name
    if root.exists() and any(root.iterdir()) and not overwrite:
        raise InvalidParameterError(
            "path", str(root), "a new or empty folder (pass overwrite=True to reuse it)"
        )
    values = {
        "name": name,
        "package": f"ebmcore_{name}",
        "distribution": f"ebmcore-{name.replace('_', '-')}",
        "ebmcore_version": ".".join(__version__.split(".")[:2]),
    }
    for relative, template in FILES.items():
        target = root / relative.format(package=values["package"])
        target.parent.mkdir(parents=True, exist_ok=True)
        text = string.Template(_template(template)).substitute(values) if template else ""
        target.write_text(text, encoding="utf-8")
    return root
