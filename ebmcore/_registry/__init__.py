"""The registry: discovery (:mod:`.discovery`), the name index (:mod:`.index`), the checks of
``create``'s arguments (:mod:`.arguments`), introspection (:mod:`.describe`), put together by
:mod:`.registry`."""

from __future__ import annotations

from .describe import EnergyInfo, ParameterInfo
from .discovery import PluginInfo
from .registry import (
    REGISTRY,
    Registry,
    create,
    create_component,
    info,
    list_energies,
    plugins,
    register_energy,
    unregister_energy,
)

__all__ = [
    "REGISTRY",
    "EnergyInfo",
    "ParameterInfo",
    "PluginInfo",
    "Registry",
    "create",
    "create_component",
    "info",
    "list_energies",
    "plugins",
    "register_energy",
    "unregister_energy",
]
