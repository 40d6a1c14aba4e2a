"""ebmcore-analytic: closed-form energies with analytic gradients and ground truth.

Importing this package is cheap; each model's module loads on first use::

    >>> from ebmcore_analytic import Rosenbrock
    >>> Rosenbrock(dim=3)
    Rosenbrock(dim=3, a=1.0, b=100.0)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ebmcore.plugin import lazy_getattr

if TYPE_CHECKING:
    from ._double_well import DoubleWell
    from ._functions2d import (
        Beale,
        Booth,
        Branin,
        Eggholder,
        Himmelblau,
        HolderTable,
        SixHumpCamel,
        ThreeHumpCamel,
    )
    from ._gaussian import Gaussian, GaussianFromSamples, Harmonic
    from ._optimization import (
        Ackley,
        DixonPrice,
        Griewank,
        Levy,
        Michalewicz,
        Rastrigin,
        Sphere,
        StyblinskiTang,
        Zakharov,
    )
    from ._rosenbrock import Rosenbrock

_LAZY = {
    "Ackley": "._optimization",
    "Beale": "._functions2d",
    "Booth": "._functions2d",
    "Branin": "._functions2d",
    "DixonPrice": "._optimization",
    "DoubleWell": "._double_well",
    "Eggholder": "._functions2d",
    "Gaussian": "._gaussian",
    "GaussianFromSamples": "._gaussian",
    "Griewank": "._optimization",
    "Harmonic": "._gaussian",
    "Himmelblau": "._functions2d",
    "HolderTable": "._functions2d",
    "Levy": "._optimization",
    "Michalewicz": "._optimization",
    "Rastrigin": "._optimization",
    "Rosenbrock": "._rosenbrock",
    "SixHumpCamel": "._functions2d",
    "Sphere": "._optimization",
    "StyblinskiTang": "._optimization",
    "ThreeHumpCamel": "._functions2d",
    "Zakharov": "._optimization",
}

__all__ = [
    "Ackley",
    "Beale",
    "Booth",
    "Branin",
    "DixonPrice",
    "DoubleWell",
    "Eggholder",
    "Gaussian",
    "GaussianFromSamples",
    "Griewank",
    "Harmonic",
    "Himmelblau",
    "HolderTable",
    "Levy",
    "Michalewicz",
    "Rastrigin",
    "Rosenbrock",
    "SixHumpCamel",
    "Sphere",
    "StyblinskiTang",
    "ThreeHumpCamel",
    "Zakharov",
]


__getattr__ = lazy_getattr(__name__, _LAZY)
