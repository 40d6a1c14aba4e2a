"""Lazy package attributes: keep ``import package`` cheap, load each module on first use."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["lazy_getattr"]


def lazy_getattr(
    package: str, attributes: Mapping[str, str], *, submodules: Iterable[str] = ()
) -> Callable[[str], Any]:
    """Build a module-level ``__getattr__`` (PEP 562) that imports attributes on first access.

    Plugins use it so that importing their package (which listing does, to reach the hook
    module) imports neither torch nor any energy implementation.

    Args:
        package: the package's ``__name__``.
        attributes: attribute name -> module (relative to ``package``) that defines it.
        submodules: names of submodules returned themselves on first access.

    Example:
        >>> # in my_plugin/__init__.py
        >>> __getattr__ = lazy_getattr("ebmcore", {"BaseModel": "._model"})
        >>> __getattr__("BaseModel").__name__
        'BaseModel'
    """
    namespace = sys.modules[package].__dict__
    lazy_submodules = frozenset(submodules)

    def __getattr__(name: str) -> Any:
        if name in lazy_submodules:
            return importlib.import_module(f".{name}", package)
        module = attributes.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        return value

    return __getattr__
