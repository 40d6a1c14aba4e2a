r"""ebmcore-torchebm: TorchEBM's names and signatures, served by ebmcore's energies.

Code written against TorchEBM 0.8.9 (``torchebm.core``) and its documentation runs on ebmcore
by changing the import line. Every class is a thin subclass of a registered ebmcore energy
(``GaussianModel`` *is* an ``ebmcore_analytic.Gaussian``), so the fused analytic gradients,
device kernels, ground truth and configs carry over; ``model.spec`` rebuilds the registered
energy by its catalog name. The package registers no energies of its own.

What each name is:

- ``BaseModel``, ``BaseEnergyFunction``: ``ebmcore.BaseModel`` itself;
- ``GaussianModel(mean, cov)``, ``GaussianEnergy(mean, cov)``: ``analytic/gaussian``;
- ``DoubleWellModel(barrier_height, b)``: ``analytic/double_well`` with the same parameters;
- ``DoubleWellEnergy(a, b)``: ``analytic/double_well`` with ``barrier_height=a, b=sqrt(b)``;
- ``RosenbrockModel``, ``RosenbrockEnergy``, ``AckleyModel``, ``RastriginModel``,
  ``HarmonicModel``, ``HimmelblauModel``, ``BoothModel``, ``StyblinskiTangModel``: the analytic
  energy of that name, with the same parameters;
- ``CompositeEnergy``, ``MixtureEnergy``: ``compose/composite``, ``compose/mixture``;
- ``SphericalEnergy``: ``constrained/spherical``; ``DensityModelEnergy``: ``density/density`` of a
  live object; ``MLPEnergy``: ``neural/mlp``;
- ``efficient_grad``, ``cuda_score_function``: :func:`ebmcore.gradient`, :func:`ebmcore.score`;
  ``test_energy_function``: the conformance kit; ``debug_energy_function``: :func:`ebmcore.diagnose`.

Importing this package is cheap; each module loads on first use::

    >>> import torch
    >>> from ebmcore_torchebm import BaseModel, GaussianModel
    >>> model = GaussianModel(torch.zeros(2), torch.eye(2))
    >>> isinstance(model, BaseModel), model.energy(torch.ones(2))
    (True, tensor(1.))
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ebmcore.plugin import lazy_getattr

if TYPE_CHECKING:  # the static view, for type checkers (explicit re-exports); _LAZY is the runtime one
    from ._analytic import AckleyModel as AckleyModel
    from ._analytic import BoothModel as BoothModel
    from ._analytic import DoubleWellEnergy as DoubleWellEnergy
    from ._analytic import DoubleWellModel as DoubleWellModel
    from ._analytic import GaussianEnergy as GaussianEnergy
    from ._analytic import GaussianModel as GaussianModel
    from ._analytic import HarmonicModel as HarmonicModel
    from ._analytic import HimmelblauModel as HimmelblauModel
    from ._analytic import RastriginModel as RastriginModel
    from ._analytic import RosenbrockEnergy as RosenbrockEnergy
    from ._analytic import RosenbrockModel as RosenbrockModel
    from ._analytic import StyblinskiTangModel as StyblinskiTangModel
    from ._base import BaseEnergyFunction as BaseEnergyFunction
    from ._base import BaseModel as BaseModel
    from ._composed import CompositeEnergy as CompositeEnergy
    from ._composed import DensityModelEnergy as DensityModelEnergy
    from ._composed import MixtureEnergy as MixtureEnergy
    from ._composed import MLPEnergy as MLPEnergy
    from ._composed import SphericalEnergy as SphericalEnergy
    from ._functions import cuda_score_function as cuda_score_function
    from ._functions import debug_energy_function as debug_energy_function
    from ._functions import efficient_grad as efficient_grad
    from ._functions import test_energy_function as test_energy_function

_LAZY = {  # module -> the names it defines: the lazy table and __all__ both come from it
    "._analytic": (
        "AckleyModel",
        "BoothModel",
        "DoubleWellEnergy",
        "DoubleWellModel",
        "GaussianEnergy",
        "GaussianModel",
        "HarmonicModel",
        "HimmelblauModel",
        "RastriginModel",
        "RosenbrockEnergy",
        "RosenbrockModel",
        "StyblinskiTangModel",
    ),
    "._base": ("BaseEnergyFunction", "BaseModel"),
    "._composed": ("CompositeEnergy", "DensityModelEnergy", "MLPEnergy", "MixtureEnergy", "SphericalEnergy"),
    "._functions": ("cuda_score_function", "debug_energy_function", "efficient_grad", "test_energy_function"),
}

__getattr__ = lazy_getattr(__name__, _LAZY)
__all__ = sorted(name for names in _LAZY.values() for name in names)


def __dir__() -> list[str]:
    return sorted(__all__)
