"""The hook specification and the energy spec: what a plugin hands to the registry.

This module imports neither torch nor any energy, so that a plugin's hook module, which
imports it, stays cheap to load.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import pluggy

from ._errors import RegistrationError

__all__ = ["EnergySpec", "HookSpecs", "hookimpl", "hookspec", "name_of_class", "set_class_namer"]

PROJECT = "ebmcore"

hookspec = pluggy.HookspecMarker(PROJECT)
"""Marks the hook specifications of :class:`HookSpecs` (pluggy's ``HookspecMarker("ebmcore")``)."""

hookimpl = pluggy.HookimplMarker(PROJECT)
"""Marks a plugin's implementation of a hook, such as ``ebmcore_energies`` (pluggy's
``HookimplMarker("ebmcore")``)."""

# Anchored with ``\A``/``\Z``: ``$`` also matches before a trailing newline ("toy\n").
NAME_PATTERN = re.compile(r"\A[a-z][a-z0-9_]*\Z")
TARGET_PATTERN = re.compile(r"\A[A-Za-z_][\w.]*:[A-Za-z_][\w.]*\Z")

LOCAL_PLUGIN = "local"
"""The plugin of energies registered in-process (:func:`ebmcore.register_energy`): reserved, no
entry point may use it."""


@dataclass(frozen=True)
class EnergySpec:
    """One energy offered by a plugin.

    Args:
        name: lowercase snake case name, unique within the plugin (``"double_well"``).
        target: where the model lives, ``"package.module:Class"`` (imported only when the energy
            is created), or, for in-process registration, the class or factory itself.
        summary: one line shown by ``ebmcore list``.
        tags: free-form labels for filtering (``"analytic"``, ``"multimodal"``, ...).
        aliases: other names the energy answers to.
        params: default keyword arguments applied before the caller's (a preset).

    Example:
        >>> EnergySpec("sphere", "my_pkg.energies:Sphere", "sum of squares", tags=("analytic",))
        EnergySpec(name='sphere', target='my_pkg.energies:Sphere', ...)
    """

    name: str
    target: str | Callable[..., Any]
    summary: str = ""
    tags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"EnergySpec(name={self.name!r}, target={self.target!r}, ...)"

    @classmethod
    def coerce(cls, obj: object) -> EnergySpec:
        """Validate ``obj`` (an :class:`EnergySpec` or a mapping with the same keys).

        Raises:
            RegistrationError: naming the field that is malformed.
        """
        if isinstance(obj, cls):
            fields: dict[str, Any] = {
                "name": obj.name,
                "target": obj.target,
                "summary": obj.summary,
                "tags": obj.tags,
                "aliases": obj.aliases,
                "params": obj.params,
            }
        elif isinstance(obj, Mapping):
            unknown = set(obj) - {"name", "target", "summary", "tags", "aliases", "params"}
            if unknown:
                raise RegistrationError(f"energy spec has unknown keys {sorted(unknown)}")
            fields = dict(obj)
        else:
            raise RegistrationError(
                f"an energy spec must be an ebmcore.plugin.EnergySpec or a dict, got {type(obj).__name__}"
            )
        name = fields.get("name")
        if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
            raise RegistrationError(
                f"energy name must be lowercase snake case (like 'double_well'), got {name!r}"
            )
        target = fields.get("target")
        if isinstance(target, str):
            if not TARGET_PATTERN.fullmatch(target):
                raise RegistrationError(
                    f"energy {name!r}: target must look like 'package.module:Class', got {target!r}"
                )
        elif not callable(target):
            raise RegistrationError(
                f"energy {name!r}: target must be a 'module:attr' string or a callable, got {target!r}"
            )
        summary = fields.get("summary", "")
        if not isinstance(summary, str):
            raise RegistrationError(f"energy {name!r}: summary must be a string, got {summary!r}")
        tags = _names(name, "tags", fields.get("tags", ()))
        aliases = _names(name, "aliases", fields.get("aliases", ()))
        for alias in aliases:
            if not NAME_PATTERN.fullmatch(alias):
                raise RegistrationError(f"energy {name!r}: alias {alias!r} is not lowercase snake case")
        params = fields.get("params", {})
        if not isinstance(params, Mapping) or not all(isinstance(k, str) for k in params):
            raise RegistrationError(f"energy {name!r}: params must be a dict of keyword arguments")
        summary = summary.strip()
        # every field is checked: set them directly (a frozen dataclass's __init__ goes through
        # object.__setattr__ field by field, which shows when a plugin offers thousands)
        spec = object.__new__(cls)
        spec.__dict__.update(
            name=name,
            target=target,
            summary=summary.splitlines()[0] if summary else "",
            tags=tags,
            aliases=aliases,
            params=dict(params),
        )
        return spec


def _names(name: str, what: str, value: object) -> tuple[str, ...]:
    plain = type(value) is tuple or type(value) is list  # the common cases skip the ABC check
    if not plain and (isinstance(value, str) or not isinstance(value, Iterable)):
        raise RegistrationError(f"energy {name!r}: {what} must be a list of strings, got {value!r}")
    items = tuple(cast("Iterable[object]", value))
    if not all(isinstance(item, str) and item for item in items):
        raise RegistrationError(f"energy {name!r}: {what} must be a list of strings, got {value!r}")
    return cast("tuple[str, ...]", items)


class HookSpecs:
    """The hooks a plugin module may implement (decorate them with :data:`ebmcore.plugin.hookimpl`)."""

    @hookspec
    def ebmcore_energies(self) -> Iterable[EnergySpec | Mapping[str, Any]]:  # type: ignore[empty-body]
        """Return the energies this plugin offers.

        Keep the module that implements this hook tiny: it is imported to list energies, so it
        must import neither torch nor the energy implementations (name them by a
        ``"module:Class"`` target instead).

        Example:
            >>> import ebmcore
            >>> @ebmcore.plugin.hookimpl
            ... def ebmcore_energies():
            ...     return [ebmcore.plugin.EnergySpec("sphere", "my_pkg.energies:Sphere", "sum of squares")]
        """


# How a model class finds the name it is registered under (BaseModel.spec of a model built
# directly from its class). The registry sits above the contract and installs the lookup when
# it is imported; the contract asks through here, so that it never imports the registry.
_class_namer: Callable[[type], str] | None = None


def set_class_namer(namer: Callable[[type], str]) -> None:
    """Install the lookup from a model class to its registered name (the registry does this)."""
    global _class_namer
    _class_namer = namer


def name_of_class(cls: type) -> str:
    """The registered name of a model class.

    Raises:
        RegistrationError: the class is not registered (or no registry is loaded).
    """
    if _class_namer is None:
        raise RegistrationError(f"{cls.__name__} is not a registered energy (no registry is loaded)")
    return _class_namer(cls)
