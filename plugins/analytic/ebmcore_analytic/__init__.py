"""ebmcore-analytic: closed-form energies with analytic gradients and ground truth.

Importing this package is cheap; each model's module loads on first use::

    >>> from ebmcore_analytic import Rosenbrock
    >>> Rosenbrock(dim=3)
    Rosenbrock(dim=3, a=1.0, b=100.0)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ebmcore.plugin import lazy_getattr

if TYPE_CHECKING:  # the static view, for type checkers (explicit re-exports); _LAZY is the runtime one
    from ._double_well import DoubleWell as DoubleWell
    from ._functions2d import Beale as Beale
    from ._functions2d import Booth as Booth
    from ._functions2d import Branin as Branin
    from ._functions2d import Eggholder as Eggholder
    from ._functions2d import Himmelblau as Himmelblau
    from ._functions2d import HolderTable as HolderTable
    from ._functions2d import SixHumpCamel as SixHumpCamel
    from ._functions2d import ThreeHumpCamel as ThreeHumpCamel
    from ._gaussian import Gaussian as Gaussian
    from ._gaussian import GaussianFromSamples as GaussianFromSamples
    from ._gaussian import Harmonic as Harmonic
    from ._optimization import Ackley as Ackley
    from ._optimization import DixonPrice as DixonPrice
    from ._optimization import Griewank as Griewank
    from ._optimization import Levy as Levy
    from ._optimization import Michalewicz as Michalewicz
    from ._optimization import Rastrigin as Rastrigin
    from ._optimization import Sphere as Sphere
    from ._optimization import StyblinskiTang as StyblinskiTang
    from ._optimization import Zakharov as Zakharov
    from ._rosenbrock import Rosenbrock as Rosenbrock

_LAZY = {  # module -> the names it defines: the lazy table and __all__ both come from it
    "._double_well": ("DoubleWell",),
    "._functions2d": (
        "Beale",
        "Booth",
        "Branin",
        "Eggholder",
        "Himmelblau",
        "HolderTable",
        "SixHumpCamel",
        "ThreeHumpCamel",
    ),
    "._gaussian": ("Gaussian", "GaussianFromSamples", "Harmonic"),
    "._optimization": (
        "Ackley",
        "DixonPrice",
        "Griewank",
        "Levy",
        "Michalewicz",
        "Rastrigin",
        "Sphere",
        "StyblinskiTang",
        "Zakharov",
    ),
    "._rosenbrock": ("Rosenbrock",),
}

__getattr__ = lazy_getattr(__name__, _LAZY)
__all__ = sorted(name for names in _LAZY.values() for name in names)
