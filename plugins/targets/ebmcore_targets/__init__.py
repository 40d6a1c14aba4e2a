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

if TYPE_CHECKING:
    from ._banana import Banana
    from ._funnel import Funnel
    from ._gmm import GMM, GMM40, GMMGrid
    from ._many_well import ManyWell
    from ._particles import DW4, LennardJones, align, remove_mean
    from ._rings import Rings

_LAZY = {
    "Banana": "._banana",
    "DW4": "._particles",
    "Funnel": "._funnel",
    "GMM": "._gmm",
    "GMM40": "._gmm",
    "GMMGrid": "._gmm",
    "LennardJones": "._particles",
    "ManyWell": "._many_well",
    "Rings": "._rings",
    "align": "._particles",
    "remove_mean": "._particles",
}

__all__ = [
    "DW4",
    "GMM",
    "GMM40",
    "Banana",
    "Funnel",
    "GMMGrid",
    "LennardJones",
    "ManyWell",
    "Rings",
    "align",
    "remove_mean",
]


__getattr__ = lazy_getattr(__name__, _LAZY)
