"""Lazy package attributes: keep ``import package`` cheap, load each module on first use."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

__all__ = ["lazy_getattr"]


def lazy_getattr(
    package: str,
    attributes: Mapping[str, str] | Mapping[str, Collection[str]],
    *,
    submodules: Iterable[str] = (),
) -> Callable[[str], Any]:
    """Build a module-level ``__getattr__`` (PEP 562) that imports attributes on first access.

    Plugins use it so that importing their package (which listing does, to reach the hook
    module) imports neither torch nor any energy implementation.

    Args:
        package: the package's ``__name__``.
        attributes: module (relative to ``package``) -> the names it defines, one table from
            which ``__all__`` follows too (``sorted(n for names in table.values() for n in
            names)``); or attribute name -> module, the form of earlier versions.
        submodules: names of submodules returned themselves on first access.

    Raises:
        ValueError: a name listed under two modules.

    Example:
        >>> # in my_plugin/__init__.py
        >>> _LAZY = {"._model": ("BaseModel", "Minima")}
        >>> __getattr__ = lazy_getattr("ebmcore", _LAZY)
        >>> __getattr__("Minima").__name__
        'Minima'
        >>> sorted(name for names in _LAZY.values() for name in names)  # __all__
        ['BaseModel', 'Minima']
    """
    namespace = sys.modules[package].__dict__
    lazy_submodules = frozenset(submodules)
    modules = _by_name(package, attributes)

    def __getattr__(name: str) -> Any:
        if name in lazy_submodules:
            return importlib.import_module(f".{name}", package)
        module = modules.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        return value

    return __getattr__


def _by_name(package: str, attributes: Mapping[str, str] | Mapping[str, Collection[str]]) -> dict[str, str]:
    """``attributes`` as attribute name -> module, whichever form it is in (see :func:`lazy_getattr`)."""
    modules: dict[str, str] = {}
    for key, value in attributes.items():
        if isinstance(value, str):  # name -> module
            pairs: Iterable[tuple[str, str]] = [(key, value)]
        else:  # module -> names
            pairs = ((name, key) for name in value)
        for name, module in pairs:
            if modules.setdefault(name, module) != module:
                raise ValueError(
                    f"{package}: lazy attribute {name!r} is listed under two modules, "
                    f"{modules[name]!r} and {module!r}"
                )
    return modules
