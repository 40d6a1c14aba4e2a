"""ebmcore-neural: trainable neural-network energies.

Importing this package is cheap; the model's module loads on first use::

    >>> from ebmcore_neural import MLP
    >>> MLP(input_dim=2, hidden_dims=[8], seed=0)
    MLP(input_dim=2, hidden_dims=[8], activation='silu', seed=0)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ebmcore.plugin import lazy_getattr

if TYPE_CHECKING:
    from ._mlp import ACTIVATIONS, MLP

_LAZY = {
    "ACTIVATIONS": "._mlp",
    "MLP": "._mlp",
}

__all__ = ["ACTIVATIONS", "MLP"]


__getattr__ = lazy_getattr(__name__, _LAZY)
