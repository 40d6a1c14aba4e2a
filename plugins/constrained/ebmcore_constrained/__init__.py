"""ebmcore-constrained: energies on constrained domains.

:class:`Spherical` evaluates a base energy on the unit sphere; :class:`Box` restricts one to a
box, with hard walls or through an unconstrained sigmoid reparameterization. The base is a
registered name, a spec dict or a model; a bare name is created with the dimension that the
other arguments fix.

Importing this package is cheap; each model's module loads on first use::

    >>> from ebmcore_constrained import Box
    >>> Box(low=0.0, high=[1.0, 2.0]).dim
    2
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ebmcore.plugin import lazy_getattr

if TYPE_CHECKING:  # the static view, for type checkers (explicit re-exports); _LAZY is the runtime one
    from ._box import Box as Box
    from ._spherical import Spherical as Spherical

_LAZY = {  # module -> the names it defines: the lazy table and __all__ both come from it
    "._box": ("Box",),
    "._spherical": ("Spherical",),
}

__getattr__ = lazy_getattr(__name__, _LAZY)
__all__ = sorted(name for names in _LAZY.values() for name in names)
