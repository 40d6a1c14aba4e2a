"""ebmcore-density: energies ``E = -log p(x)`` from anything with a ``log_prob``.

Importing this package is cheap; the model's module loads on first use::

    >>> from ebmcore_density import Density
    >>> Density()
    Density(distribution='MultivariateNormal', params=None, dim=2, normalized=None)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ebmcore.plugin import lazy_getattr

if TYPE_CHECKING:  # the static view, for type checkers (explicit re-exports); _LAZY is the runtime one
    from ._density import ALLOWED_DISTRIBUTIONS as ALLOWED_DISTRIBUTIONS
    from ._density import Density as Density

_LAZY = {  # module -> the names it defines: the lazy table and __all__ both come from it
    "._density": ("ALLOWED_DISTRIBUTIONS", "Density"),
}

__getattr__ = lazy_getattr(__name__, _LAZY)
__all__ = sorted(name for names in _LAZY.values() for name in names)
