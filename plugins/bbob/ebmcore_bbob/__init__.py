"""ebmcore-bbob: COCO's BBOB benchmark functions as ebmcore energies, equal to COCO's problems.

``ebmcore.create("bbob_f3", dim=10, instance=3)`` is COCO's problem (function 3, dimension 10,
instance 3) at every point, its optimal value ``f_opt`` included, batched and with an analytic
gradient. This first stage holds the separable group f1--f5 (:class:`Sphere`,
:class:`EllipsoidSeparable`, :class:`RastriginSeparable`, :class:`BuecheRastrigin`,
:class:`LinearSlope`) on the base class :class:`BBOBFunction` and COCO's instance machinery
(``ebmcore_bbob._coco``).

Importing this package is cheap; each module loads on first use::

    >>> from ebmcore_bbob import Sphere
    >>> Sphere(dim=10, instance=3).coco_id
    'bbob_f001_i03_d10'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ebmcore.plugin import lazy_getattr

if TYPE_CHECKING:  # the static view, for type checkers (explicit re-exports); _LAZY is the runtime one
    from ._base import BBOBFunction as BBOBFunction
    from ._separable import BuecheRastrigin as BuecheRastrigin
    from ._separable import EllipsoidSeparable as EllipsoidSeparable
    from ._separable import LinearSlope as LinearSlope
    from ._separable import RastriginSeparable as RastriginSeparable
    from ._separable import Sphere as Sphere

_LAZY = {  # module -> the names it defines: the lazy table and __all__ both come from it
    "._base": ("BBOBFunction",),
    "._separable": ("BuecheRastrigin", "EllipsoidSeparable", "LinearSlope", "RastriginSeparable", "Sphere"),
}

__getattr__ = lazy_getattr(__name__, _LAZY)
__all__ = sorted(name for names in _LAZY.values() for name in names)
