"""ebmcore-density: energies ``E = -log p(x)`` from anything with a ``log_prob``.

Importing this package is cheap; the model's module loads on first use::

    >>> from ebmcore_density import Density
    >>> Density()
    Density(distribution='MultivariateNormal', params=None, dim=2, normalized=None)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._density import ALLOWED_DISTRIBUTIONS, Density

_LAZY = {
    "ALLOWED_DISTRIBUTIONS": "._density",
    "Density": "._density",
}

__all__ = ["ALLOWED_DISTRIBUTIONS", "Density"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ebmcore_density' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
