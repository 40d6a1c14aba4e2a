"""ebmcore-density: energies ``E = -log p(x)`` from anything with a ``log_prob``.

Importing this package is cheap; the model's module loads on first use::

    >>> from ebmcore_density import Density
    >>> Density()
    Density(distribution='MultivariateNormal', params=None, dim=2, normalized=None)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ebmcore.plugin import lazy_getattr

if TYPE_CHECKING:
    from ._density import ALLOWED_DISTRIBUTIONS, Density

_LAZY = {
    "ALLOWED_DISTRIBUTIONS": "._density",
    "Density": "._density",
}

__all__ = ["ALLOWED_DISTRIBUTIONS", "Density"]


__getattr__ = lazy_getattr(__name__, _LAZY)
