"""The registry: discovery (:mod:`.discovery`), the name index (:mod:`.index`), the checks of
``create``'s arguments (:mod:`.arguments`), introspection (:mod:`.describe`), put together by
:mod:`.registry`."""

from __future__ import annotations

from .._spec import LOCAL_PLUGIN
from .describe import EnergyInfo, ParameterInfo
from .discovery import ENTRY_POINT_GROUP, PluginInfo
from .index import Entry
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
    "ENTRY_POINT_GROUP",
    "LOCAL_PLUGIN",
    "REGISTRY",
    "EnergyInfo",
    "Entry",
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
