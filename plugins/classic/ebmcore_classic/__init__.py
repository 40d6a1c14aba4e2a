"""ebmcore-classic: the classic test functions of global optimization, with verified optima.

The functions of the SFU Virtual Library of Simulation Experiments and BoTorch's
``test_functions`` that the ``analytic`` plugin does not have: :class:`Hartmann3`,
:class:`Hartmann4`, :class:`Hartmann6`, :class:`Shekel` (``m`` = 5, 7, 10), :class:`Colville`,
:class:`PowerSum`, :class:`Cosine8`; in any dimension :class:`Powell`, :class:`Schwefel`,
:class:`Trid`, :class:`Perm`, :class:`SumOfDifferentPowers`, :class:`RotatedHyperEllipsoid`,
:class:`SumSquares`; in two dimensions :class:`BukinN6`, :class:`Easom`,
:class:`GoldsteinPrice`, :class:`Bohachevsky1` to :class:`Bohachevsky3`, :class:`Matyas`,
:class:`McCormick`, :class:`LevyN13`, :class:`DropWave`, :class:`CrossInTray`,
:class:`Shubert`, :class:`Langermann`, :class:`DeJongN5`, :class:`SchafferN2`,
:class:`SchafferN4`; in one :class:`Forrester` and :class:`GramacyLee`. Each lists every
global minimizer, refined to float64.

Importing this package is cheap; each model's module loads on first use::

    >>> from ebmcore_classic import Shubert
    >>> Shubert().minima.count
    18
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ebmcore.plugin import lazy_getattr

if TYPE_CHECKING:  # the static view, for type checkers (explicit re-exports); _LAZY is the runtime one
    from ._families import Colville as Colville
    from ._families import Cosine8 as Cosine8
    from ._families import Hartmann3 as Hartmann3
    from ._families import Hartmann4 as Hartmann4
    from ._families import Hartmann6 as Hartmann6
    from ._families import PowerSum as PowerSum
    from ._families import Shekel as Shekel
    from ._one_dim import Forrester as Forrester
    from ._one_dim import GramacyLee as GramacyLee
    from ._two_dim import Bohachevsky1 as Bohachevsky1
    from ._two_dim import Bohachevsky2 as Bohachevsky2
    from ._two_dim import Bohachevsky3 as Bohachevsky3
    from ._two_dim import BukinN6 as BukinN6
    from ._two_dim import Easom as Easom
    from ._two_dim import GoldsteinPrice as GoldsteinPrice
    from ._two_dim import LevyN13 as LevyN13
    from ._two_dim import Matyas as Matyas
    from ._two_dim import McCormick as McCormick
    from ._two_dim_rugged import CrossInTray as CrossInTray
    from ._two_dim_rugged import DeJongN5 as DeJongN5
    from ._two_dim_rugged import DropWave as DropWave
    from ._two_dim_rugged import Langermann as Langermann
    from ._two_dim_rugged import SchafferN2 as SchafferN2
    from ._two_dim_rugged import SchafferN4 as SchafferN4
    from ._two_dim_rugged import Shubert as Shubert
    from ._variable_dim import Perm as Perm
    from ._variable_dim import Powell as Powell
    from ._variable_dim import RotatedHyperEllipsoid as RotatedHyperEllipsoid
    from ._variable_dim import Schwefel as Schwefel
    from ._variable_dim import SumOfDifferentPowers as SumOfDifferentPowers
    from ._variable_dim import SumSquares as SumSquares
    from ._variable_dim import Trid as Trid

_LAZY = {  # module -> the names it defines: the lazy table and __all__ both come from it
    "._families": ("Colville", "Cosine8", "Hartmann3", "Hartmann4", "Hartmann6", "PowerSum", "Shekel"),
    "._one_dim": ("Forrester", "GramacyLee"),
    "._two_dim": (
        "Bohachevsky1",
        "Bohachevsky2",
        "Bohachevsky3",
        "BukinN6",
        "Easom",
        "GoldsteinPrice",
        "LevyN13",
        "Matyas",
        "McCormick",
    ),
    "._two_dim_rugged": (
        "CrossInTray",
        "DeJongN5",
        "DropWave",
        "Langermann",
        "SchafferN2",
        "SchafferN4",
        "Shubert",
    ),
    "._variable_dim": (
        "Perm",
        "Powell",
        "RotatedHyperEllipsoid",
        "Schwefel",
        "SumOfDifferentPowers",
        "SumSquares",
        "Trid",
    ),
}

__getattr__ = lazy_getattr(__name__, _LAZY)
__all__ = sorted(name for names in _LAZY.values() for name in names)
