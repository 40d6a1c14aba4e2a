"""ebmcore-posteriors: Bayesian posteriors of posteriordb, with certified reference draws.

:class:`EightSchools` (``variant="centered"`` or ``"noncentered"``) on unconstrained
coordinates and :class:`LogisticRegression` on scikit-learn's breast-cancer data (the ``data``
extra), each with its energy and gradient in one pass and 10,000 reference draws made and
certified by ``scripts/make_reference.py`` (split R-hat, bulk and tail ESS, no divergences).

Importing this package is cheap; each model's module loads on first use::

    >>> from ebmcore_posteriors import EightSchools
    >>> EightSchools().dim
    10
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ebmcore.plugin import lazy_getattr

if TYPE_CHECKING:  # the static view, for type checkers (explicit re-exports); _LAZY is the runtime one
    from ._eight_schools import EightSchools as EightSchools
    from ._logistic_regression import LogisticRegression as LogisticRegression

_LAZY = {  # module -> the names it defines: the lazy table and __all__ both come from it
    "._eight_schools": ("EightSchools",),
    "._logistic_regression": ("LogisticRegression",),
}

__getattr__ = lazy_getattr(__name__, _LAZY)
__all__ = sorted(name for names in _LAZY.values() for name in names)
