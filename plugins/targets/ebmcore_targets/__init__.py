"""ebmcore-targets: the sampling targets of the sampler literature, with verified ground truth.

Neal's :class:`Funnel`, Haario's :class:`Banana`, the :class:`ManyWell`, Gaussian mixtures
(:class:`GMM` with your means, on a grid :class:`GMMGrid`, and the 40-mode mixtures
:class:`GMM40`, one ``variant`` per source),
the concentric :class:`Rings`, and particle systems (:class:`DW4`, :class:`LennardJones` as
``lj13`` and ``lj55``) with explicit conventions and symmetry helpers.

Importing this package is cheap; each model's module loads on first use::

    >>> from ebmcore_targets import Funnel
    >>> Funnel(dim=10).dim
    10
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ebmcore.plugin import lazy_getattr

if TYPE_CHECKING:  # the static view, for type checkers (explicit re-exports); _LAZY is the runtime one
    from ._banana import Banana as Banana
    from ._funnel import Funnel as Funnel
    from ._gmm import GMM as GMM
    from ._gmm import GMM40 as GMM40
    from ._gmm import GMMGrid as GMMGrid
    from ._grbm import GRBM as GRBM
    from ._hybrid_rosenbrock import HybridRosenbrock as HybridRosenbrock
    from ._lattice import FreeField as FreeField
    from ._lattice import Phi4 as Phi4
    from ._many_well import ManyWell as ManyWell
    from ._multi_well import MultiWell as MultiWell
    from ._particles import DW4 as DW4
    from ._particles import LennardJones as LennardJones
    from ._particles import align as align
    from ._particles import remove_mean as remove_mean
    from ._rings import Rings as Rings
    from ._student_t import StudentTMixture as StudentTMixture

_LAZY = {  # module -> the names it defines: the lazy table and __all__ both come from it
    "._banana": ("Banana",),
    "._funnel": ("Funnel",),
    "._gmm": ("GMM", "GMM40", "GMMGrid"),
    "._grbm": ("GRBM",),
    "._hybrid_rosenbrock": ("HybridRosenbrock",),
    "._lattice": ("FreeField", "Phi4"),
    "._many_well": ("ManyWell",),
    "._multi_well": ("MultiWell",),
    "._particles": ("DW4", "LennardJones", "align", "remove_mean"),
    "._rings": ("Rings",),
    "._student_t": ("StudentTMixture",),
}

__getattr__ = lazy_getattr(__name__, _LAZY)
__all__ = sorted(name for names in _LAZY.values() for name in names)
