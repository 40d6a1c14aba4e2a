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

if TYPE_CHECKING:
    from ._analytic import (
        AckleyModel,
        BoothModel,
        DoubleWellEnergy,
        DoubleWellModel,
        GaussianEnergy,
        GaussianModel,
        HarmonicModel,
        HimmelblauModel,
        RastriginModel,
        RosenbrockEnergy,
        RosenbrockModel,
        StyblinskiTangModel,
    )
    from ._base import BaseEnergyFunction, BaseModel
    from ._composed import CompositeEnergy, DensityModelEnergy, MixtureEnergy, MLPEnergy, SphericalEnergy
    from ._functions import cuda_score_function, debug_energy_function, efficient_grad, test_energy_function

_LAZY = {
    "AckleyModel": "._analytic",
    "BaseEnergyFunction": "._base",
    "BaseModel": "._base",
    "BoothModel": "._analytic",
    "CompositeEnergy": "._composed",
    "DensityModelEnergy": "._composed",
    "DoubleWellEnergy": "._analytic",
    "DoubleWellModel": "._analytic",
    "GaussianEnergy": "._analytic",
    "GaussianModel": "._analytic",
    "HarmonicModel": "._analytic",
    "HimmelblauModel": "._analytic",
    "MLPEnergy": "._composed",
    "MixtureEnergy": "._composed",
    "RastriginModel": "._analytic",
    "RosenbrockEnergy": "._analytic",
    "RosenbrockModel": "._analytic",
    "SphericalEnergy": "._composed",
    "StyblinskiTangModel": "._analytic",
    "cuda_score_function": "._functions",
    "debug_energy_function": "._functions",
    "efficient_grad": "._functions",
    "test_energy_function": "._functions",
}

__all__ = [
    "AckleyModel",
    "BaseEnergyFunction",
    "BaseModel",
    "BoothModel",
    "CompositeEnergy",
    "DensityModelEnergy",
    "DoubleWellEnergy",
    "DoubleWellModel",
    "GaussianEnergy",
    "GaussianModel",
    "HarmonicModel",
    "HimmelblauModel",
    "MLPEnergy",
    "MixtureEnergy",
    "RastriginModel",
    "RosenbrockEnergy",
    "RosenbrockModel",
    "SphericalEnergy",
    "StyblinskiTangModel",
    "cuda_score_function",
    "debug_energy_function",
    "efficient_grad",
    "test_energy_function",
]


__getattr__ = lazy_getattr(__name__, _LAZY)


def __dir__() -> list[str]:
    return sorted(__all__)
