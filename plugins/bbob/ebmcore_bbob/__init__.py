"""ebmcore-bbob: COCO's BBOB benchmark functions as ebmcore energies, equal to COCO's problems.

``ebmcore.create("bbob_f3", dim=10, instance=3)`` is COCO's problem (function 3, dimension 10,
instance 3) at every point, its optimal value ``f_opt`` included, batched and with an analytic
gradient: all 24 noiseless functions (``bbob_f1`` ... ``bbob_f24``, with COCO's names as
aliases), on the base class :class:`BBOBFunction` and COCO's instance machinery
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
    from ._ill_conditioned import BentCigar as BentCigar
    from ._ill_conditioned import DifferentPowers as DifferentPowers
    from ._ill_conditioned import Discus as Discus
    from ._ill_conditioned import EllipsoidRotated as EllipsoidRotated
    from ._ill_conditioned import SharpRidge as SharpRidge
    from ._moderate import AttractiveSector as AttractiveSector
    from ._moderate import Rosenbrock as Rosenbrock
    from ._moderate import RosenbrockRotated as RosenbrockRotated
    from ._moderate import StepEllipsoid as StepEllipsoid
    from ._multimodal import GriewankRosenbrock as GriewankRosenbrock
    from ._multimodal import RastriginRotated as RastriginRotated
    from ._multimodal import SchaffersF7 as SchaffersF7
    from ._multimodal import SchaffersF7IllConditioned as SchaffersF7IllConditioned
    from ._multimodal import Weierstrass as Weierstrass
    from ._separable import BuecheRastrigin as BuecheRastrigin
    from ._separable import EllipsoidSeparable as EllipsoidSeparable
    from ._separable import LinearSlope as LinearSlope
    from ._separable import RastriginSeparable as RastriginSeparable
    from ._separable import Sphere as Sphere
    from ._weakly_structured import Gallagher21 as Gallagher21
    from ._weakly_structured import Gallagher101 as Gallagher101
    from ._weakly_structured import Katsuura as Katsuura
    from ._weakly_structured import LunacekBiRastrigin as LunacekBiRastrigin
    from ._weakly_structured import Schwefel as Schwefel

_LAZY = {  # module -> the names it defines: the lazy table and __all__ both come from it
    "._base": ("BBOBFunction",),
    "._moderate": ("AttractiveSector", "Rosenbrock", "RosenbrockRotated", "StepEllipsoid"),
    "._ill_conditioned": ("BentCigar", "DifferentPowers", "Discus", "EllipsoidRotated", "SharpRidge"),
    "._separable": ("BuecheRastrigin", "EllipsoidSeparable", "LinearSlope", "RastriginSeparable", "Sphere"),
    "._multimodal": (
        "GriewankRosenbrock",
        "RastriginRotated",
        "SchaffersF7",
        "SchaffersF7IllConditioned",
        "Weierstrass",
    ),
    "._weakly_structured": ("Gallagher21", "Gallagher101", "Katsuura", "LunacekBiRastrigin", "Schwefel"),
}

__getattr__ = lazy_getattr(__name__, _LAZY)
__all__ = sorted(name for names in _LAZY.values() for name in names)
