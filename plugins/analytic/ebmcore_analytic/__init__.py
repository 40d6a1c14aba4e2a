"""ebmcore-analytic: closed-form energies with analytic gradients and ground truth.

Importing this package is cheap; each model's module loads on first use::

    >>> from ebmcore_analytic import Rosenbrock
    >>> Rosenbrock(dim=3)
    Rosenbrock(dim=3, a=1.0, b=100.0)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._double_well import DoubleWell
    from ._gaussian import Gaussian
    from ._rosenbrock import Rosenbrock

_LAZY = {
    "DoubleWell": "._double_well",
    "Gaussian": "._gaussian",
    "Rosenbrock": "._rosenbrock",
}

__all__ = ["DoubleWell", "Gaussian", "Rosenbrock"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ebmcore_analytic' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
