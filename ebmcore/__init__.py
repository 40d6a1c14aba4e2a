"""ebmcore: a plugin-based registry of energy functions for energy-based models in PyTorch.

Importing ebmcore is cheap: the registry, the errors and the hook spec need no torch. The
torch-backed parts (``BaseModel``, the gradient functions) load on first use.

Example:
    >>> import ebmcore
    >>> model = ebmcore.create("double_well", dim=2)
    >>> sorted(ebmcore.list_energies("*_well"))
    ['double_well', 'many_well', 'multi_well']
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from . import constraints, plugin
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
from ._lazy import lazy_getattr as _lazy_getattr
from ._registry import (
    EnergyInfo,
    ParameterInfo,
    PluginInfo,
    create,
    info,
    list_energies,
    plugins,
    register_energy,
    unregister_energy,
)
from ._version import __version__

if TYPE_CHECKING:
    from . import plot
    from ._compile import compile_stats
    from ._compile_model import compile
    from ._diagnose import DiagnosticIssue, DiagnosticReport, DiagnosticWarning, diagnose
    from ._dispatch import energy, energy_and_gradient, gradient, resolve_backend, score, use_backend
    from ._evaluate import Distance, Estimate, EvaluationReport, MCMCDiagnostics, ModeCoverage, evaluate
    from ._model import BaseModel, Minima, Modes
    from ._numpy import NumpyFunctions, numpy_functions, scipy_bounds

_LAZY = {
    "BaseModel": "._model",
    "DiagnosticIssue": "._diagnose",
    "DiagnosticReport": "._diagnose",
    "DiagnosticWarning": "._diagnose",
    "diagnose": "._diagnose",
    "Distance": "._evaluate",
    "Estimate": "._evaluate",
    "EvaluationReport": "._evaluate",
    "MCMCDiagnostics": "._evaluate",
    "ModeCoverage": "._evaluate",
    "evaluate": "._evaluate",
    "Minima": "._model",
    "Modes": "._model",
    "NumpyFunctions": "._numpy",
    "numpy_functions": "._numpy",
    "scipy_bounds": "._numpy",
    "compile": "._compile_model",
    "compile_stats": "._compile",
    "energy": "._dispatch",
    "energy_and_gradient": "._dispatch",
    "gradient": "._dispatch",
    "resolve_backend": "._dispatch",
    "score": "._dispatch",
    "use_backend": "._dispatch",
}
_LAZY_MODULES = {"plot"}  # submodules loaded on first attribute access (plot needs matplotlib)


_load = _lazy_getattr(__name__, _LAZY, submodules=_LAZY_MODULES)

_MOVED = frozenset(
    {
        "EnergySpec",
        "allocation",
        "cached_while_unchanged",
        "create_component",
        "hookimpl",
        "hookspec",
        "lazy_getattr",
    }
)
"""Plugin-author names that moved to :mod:`ebmcore.plugin`: still reachable here, with a warning."""


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        warnings.warn(
            f"ebmcore.{name} moved to ebmcore.plugin.{name} (the plugin-author tier); "
            "the old name will be removed in a future release",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(plugin, name)
    return _load(name)


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "AmbiguousEnergyError",
    "BackendUnavailableError",
    "BaseModel",
    "ConformanceError",
    "DiagnosticIssue",
    "DiagnosticReport",
    "DiagnosticWarning",
    "Distance",
    "EbmcoreError",
    "EnergyInfo",
    "EnergyNotFoundError",
    "Estimate",
    "EvaluationReport",
    "InvalidInputError",
    "InvalidParameterError",
    "InvalidSpecError",
    "MCMCDiagnostics",
    "Minima",
    "MissingParameterError",
    "ModeCoverage",
    "Modes",
    "NumpyFunctions",
    "ParameterInfo",
    "PluginError",
    "PluginInfo",
    "RegistrationError",
    "UnknownParameterError",
    "__version__",
    "compile",
    "compile_stats",
    "constraints",
    "create",
    "diagnose",
    "energy",
    "energy_and_gradient",
    "evaluate",
    "gradient",
    "info",
    "list_energies",
    "numpy_functions",
    "plot",
    "plugin",
    "plugins",
    "register_energy",
    "resolve_backend",
    "scipy_bounds",
    "score",
    "unregister_energy",
    "use_backend",
]
