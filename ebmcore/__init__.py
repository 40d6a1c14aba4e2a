"""ebmcore: a plugin-based registry of energy functions for energy-based models in PyTorch.

Importing ebmcore is cheap: the registry, the errors and the hook spec need no torch. The
torch-backed parts (``BaseModel``, the gradient functions) load on first use.

Example:
    >>> import ebmcore
    >>> model = ebmcore.create("double_well", dim=2)
    >>> sorted(ebmcore.list_energies("*well*"))
    ['double_well', 'many_well']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import constraints
from ._errors import (
    AmbiguousEnergyError,
    BackendUnavailableError,
    ConformanceError,
    EbmcoreError,
    EnergyNotFoundError,
    InvalidInputError,
    InvalidParameterError,
    InvalidSpecError,
    MissingParameterError,
    PluginError,
    RegistrationError,
    UnknownParameterError,
)
from ._lazy import lazy_getattr
from ._registry import (
    EnergyInfo,
    ParameterInfo,
    PluginInfo,
    create,
    create_component,
    info,
    list_energies,
    plugins,
    register_energy,
    unregister_energy,
)
from ._spec import EnergySpec, hookimpl, hookspec
from ._version import __version__

if TYPE_CHECKING:
    from . import plot
    from ._compile import compile, compile_stats
    from ._derived import cached_while_unchanged
    from ._diagnose import DiagnosticReport, DiagnosticWarning, diagnose
    from ._dispatch import energy, energy_and_gradient, gradient, resolve_backend, score, use_backend
    from ._memory import allocation
    from ._model import BaseModel, Minima, Modes
    from ._numpy import NumpyFunctions, numpy_functions, scipy_bounds

_LAZY = {
    "allocation": "._memory",
    "BaseModel": "._model",
    "cached_while_unchanged": "._derived",
    "DiagnosticReport": "._diagnose",
    "DiagnosticWarning": "._diagnose",
    "diagnose": "._diagnose",
    "Minima": "._model",
    "Modes": "._model",
    "NumpyFunctions": "._numpy",
    "numpy_functions": "._numpy",
    "scipy_bounds": "._numpy",
    "compile": "._compile",
    "compile_stats": "._compile",
    "energy": "._dispatch",
    "energy_and_gradient": "._dispatch",
    "gradient": "._dispatch",
    "resolve_backend": "._dispatch",
    "score": "._dispatch",
    "use_backend": "._dispatch",
}
_LAZY_MODULES = {"plot"}  # submodules loaded on first attribute access (plot needs matplotlib)


__getattr__ = lazy_getattr(__name__, _LAZY, submodules=_LAZY_MODULES)


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "AmbiguousEnergyError",
    "BackendUnavailableError",
    "BaseModel",
    "ConformanceError",
    "DiagnosticReport",
    "DiagnosticWarning",
    "EbmcoreError",
    "EnergyInfo",
    "EnergyNotFoundError",
    "EnergySpec",
    "InvalidInputError",
    "InvalidParameterError",
    "InvalidSpecError",
    "Minima",
    "MissingParameterError",
    "Modes",
    "NumpyFunctions",
    "ParameterInfo",
    "PluginError",
    "PluginInfo",
    "RegistrationError",
    "UnknownParameterError",
    "__version__",
    "allocation",
    "cached_while_unchanged",
    "compile",
    "compile_stats",
    "constraints",
    "create",
    "create_component",
    "diagnose",
    "energy",
    "energy_and_gradient",
    "gradient",
    "hookimpl",
    "hookspec",
    "info",
    "lazy_getattr",
    "list_energies",
    "numpy_functions",
    "plot",
    "plugins",
    "register_energy",
    "resolve_backend",
    "score",
    "scipy_bounds",
    "unregister_energy",
    "use_backend",
]
