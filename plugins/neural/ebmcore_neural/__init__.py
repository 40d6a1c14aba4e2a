"""ebmcore-neural: trainable neural-network energies.

Importing this package is cheap; the model's module loads on first use::

    >>> from ebmcore_neural import MLP
    >>> MLP(input_dim=2, hidden_dims=[8], seed=0)
    MLP(input_dim=2, hidden_dims=[8], activation='silu', seed=0)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ebmcore.plugin import lazy_getattr

if TYPE_CHECKING:  # the static view, for type checkers (explicit re-exports); _LAZY is the runtime one
    from ._mlp import ACTIVATIONS as ACTIVATIONS
    from ._mlp import MLP as MLP

_LAZY = {  # module -> the names it defines: the lazy table and __all__ both come from it
    "._mlp": ("ACTIVATIONS", "MLP"),
}

__getattr__ = lazy_getattr(__name__, _LAZY)
__all__ = sorted(name for names in _LAZY.values() for name in names)
