"""ebmcore-neural: trainable neural-network energies.

Importing this package is cheap; the model's module loads on first use::

    >>> from ebmcore_neural import MLP
    >>> MLP(input_dim=2, hidden_dims=[8], seed=0)
    MLP(input_dim=2, hidden_dims=[8], activation='silu', seed=0)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._mlp import ACTIVATIONS, MLP

_LAZY = {
    "ACTIVATIONS": "._mlp",
    "MLP": "._mlp",
}

__all__ = ["ACTIVATIONS", "MLP"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ebmcore_neural' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
