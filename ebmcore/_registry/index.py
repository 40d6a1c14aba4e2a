"""The index: every registered energy by qualified name, and every bare name and alias.

An :class:`Entry` is one energy (its spec, its plugin, and its target once imported); the
:class:`Index` finds entries by name. Neither knows how plugins are discovered, nor how an
energy is created from its target. Callers hold the registry's lock around every use.
"""

from __future__ import annotations

import fnmatch
import importlib
import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .._errors import AmbiguousEnergyError, EnergyNotFoundError, PluginError, RegistrationError
from .._spec import NAME_PATTERN, EnergySpec
from .discovery import PluginInfo, record_failure

__all__ = ["Entry", "Index", "import_target"]


def import_target(target: str | Callable[..., Any]) -> Callable[..., Any]:
    """The object a ``"package.module:attr"`` target names (a callable target as it is)."""
    if not isinstance(target, str):
        return target
    module_name, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


class Entry:
    """One registered energy: its spec, its plugin and (once imported) its target."""

    __slots__ = ("_target", "accepted", "broken", "plugin", "qualified", "required", "spec", "varkw")

    def __init__(self, spec: EnergySpec, plugin: PluginInfo, broken: BaseException | None = None) -> None:
        self.spec = spec
        self.plugin = plugin
        self.qualified = f"{plugin.name}/{spec.name}"
        self.broken = broken
        self._target: Callable[..., Any] | None = None
        self.accepted: frozenset[str] = frozenset()  # keyword parameters of the target
        self.required: tuple[str, ...] = ()  # those without a default
        self.varkw = False  # whether it takes **kwargs

    def target(self) -> Callable[..., Any]:
        """The imported target (a BaseModel class or factory), checked on first use.

        Raises:
            PluginError: it cannot be imported or is not a model class or factory (recorded
                on the plugin, and the entry stays broken).
        """
        if self._target is not None:
            return self._target
        if self.broken is not None:
            raise PluginError(
                self.plugin.name, f"energy {self.spec.name!r} is broken: {self.broken}"
            ) from self.broken
        try:
            obj = import_target(self.spec.target)
        except Exception as exc:
            self._fail(exc, f"cannot import target {self.spec.target!r} of {self.spec.name!r}: {exc!r}")
        from .._model import BaseModel  # here, not at the top: listing energies never imports torch

        if inspect.isclass(obj) and not issubclass(obj, BaseModel):
            wrong = TypeError(f"{obj.__module__}.{obj.__qualname__} is not a subclass of ebmcore.BaseModel")
            self._fail(wrong, f"target of {self.spec.name!r} is not an ebmcore.BaseModel: {wrong}")
        if not callable(obj):
            wrong = TypeError(f"{obj!r} is not callable")
            self._fail(wrong, f"target of {self.spec.name!r} is not a BaseModel class or factory: {wrong}")
        try:
            signature = inspect.signature(obj)
        except (TypeError, ValueError):  # builtins without a signature: accept anything
            self.varkw = True
        else:
            params = [
                p for p in signature.parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
            ]
            self.varkw = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
            self.accepted = frozenset(p.name for p in params if p.kind is not p.POSITIONAL_ONLY)
            self.required = tuple(p.name for p in params if p.default is p.empty)
        self._target = obj
        return obj

    def takes(self, parameter: str) -> bool:
        """Whether the (imported) target accepts the keyword ``parameter``."""
        return self.varkw or parameter in self.accepted

    def fail(self, exc: BaseException, message: str) -> None:
        """Mark the entry broken and record why on its plugin."""
        self.broken = exc
        record_failure(self.plugin, exc, message)

    def _fail(self, exc: BaseException, message: str) -> Any:
        self.fail(exc, message)
        raise PluginError(self.plugin.name, message) from exc


class Index:
    """Entries by qualified name (``plugin/name``) and qualified names by bare name or alias."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}  # qualified name -> entry
        self.names: dict[str, list[str]] = {}  # bare name or alias -> qualified names

    def add_spec(self, plugin: PluginInfo, raw: object, own: set[str]) -> Entry | None:
        """Register one spec of ``plugin`` (a malformed one is recorded on the plugin); ``own``
        holds the names and aliases it registered so far (kept by the caller, so that a plugin
        of n specs registers in O(n), not O(n²))."""
        try:
            spec = EnergySpec.coerce(raw)
        except RegistrationError as exc:
            name = raw.get("name") if isinstance(raw, Mapping) else getattr(raw, "name", None)
            record_failure(plugin, exc, f"malformed energy spec: {exc}")
            if isinstance(name, str) and NAME_PATTERN.match(name):
                self.insert(Entry(EnergySpec(name, f"{plugin.name}:broken"), plugin, broken=exc))
                own.add(name)
            return None
        qualified = f"{plugin.name}/{spec.name}"
        if qualified in self.entries:
            twice = RegistrationError(f"plugin {plugin.name!r} offers energy {spec.name!r} twice")
            record_failure(plugin, twice, str(twice))
            self.entries[qualified].broken = twice
            return None
        for alias in spec.aliases:
            if alias in own or alias == spec.name:
                repeated = RegistrationError(
                    f"alias {alias!r} of {spec.name!r} repeats a name of plugin {plugin.name!r}"
                )
                record_failure(plugin, repeated, str(repeated))
                return None
        entry = Entry(spec, plugin)
        self.insert(entry)
        own.add(spec.name)
        own.update(spec.aliases)
        return entry

    def insert(self, entry: Entry) -> None:
        self.entries[entry.qualified] = entry
        entry.plugin.energies.append(entry.qualified)
        for name in (entry.spec.name, *entry.spec.aliases):
            self.names.setdefault(name, []).append(entry.qualified)

    def remove(self, qualified: str) -> Entry | None:
        """Remove an entry and its names; None if there is none under ``qualified``."""
        entry = self.entries.pop(qualified, None)
        if entry is None:
            return None
        entry.plugin.energies.remove(qualified)
        for alias in (entry.spec.name, *entry.spec.aliases):
            self.names[alias].remove(qualified)
            if not self.names[alias]:
                del self.names[alias]
        return entry

    def conflicts(self) -> dict[str, list[str]]:
        """Bare names offered by more than one plugin, with their qualified names."""
        return {name: sorted(q) for name, q in sorted(self.names.items()) if len(q) > 1}

    def lookup(self, name: str, plugins: Mapping[str, PluginInfo]) -> Entry:
        """The entry ``name`` (qualified, bare or alias) stands for.

        Raises:
            AmbiguousEnergyError: a bare name offered by several plugins.
            PluginError: a qualified name of a plugin that failed to load.
            EnergyNotFoundError: no such name (with close matches, failed and disabled plugins).
        """
        entry = self.entries.get(name)
        if entry is not None:
            return entry
        if "/" in name:
            plugin_name, _, bare = name.partition("/")
            plugin = plugins.get(plugin_name)
            if plugin is not None:
                for qualified in self.names.get(bare, []):
                    if qualified.startswith(plugin_name + "/"):
                        return self.entries[qualified]
                if plugin.status == "failed":
                    cause = plugin.errors[0] if plugin.errors else None
                    raise PluginError(
                        plugin_name, f"failed to load, so {bare!r} is unavailable: {plugin.problems[0]}"
                    ) from cause
        else:
            candidates = self.names.get(name)
            if candidates:
                if len(candidates) > 1:
                    raise AmbiguousEnergyError(name, candidates)
                return self.entries[candidates[0]]
        failed = [p.name for p in plugins.values() if p.status == "failed"]
        # suggest qualified names for a qualified request, bare names (and aliases) otherwise
        error = EnergyNotFoundError(name, list(self.entries) if "/" in name else list(self.names))
        if failed:
            error.message += f" Plugins that failed to load: {', '.join(failed)} (see `ebmcore plugins`)."
        disabled = [p.name for p in plugins.values() if p.status == "disabled"]
        if disabled:
            error.message += (
                f" Disabled plugins: {', '.join(disabled)} "
                "(EBMCORE_DISABLE_PLUGINS, EBMCORE_DISABLE_PLUGIN_AUTOLOAD, EBMCORE_PLUGINS)."
            )
        raise error

    def matching(self, pattern: str, tags: Iterable[str], plugin: str | None) -> list[str]:
        """Sorted names of the working energies matching ``pattern`` (bare or qualified), with
        all of ``tags``, of ``plugin``: bare where the name is unique, qualified otherwise."""
        wanted = set(tags)
        every = pattern == "*"
        found: list[str] = []
        for qualified, entry in self.entries.items():
            if entry.broken is not None:
                continue
            if plugin is not None and entry.plugin.name != plugin:
                continue
            if wanted and not wanted <= set(entry.spec.tags):
                continue
            shown = entry.spec.name if len(self.names[entry.spec.name]) == 1 else qualified
            if (
                every
                or fnmatch.fnmatchcase(entry.spec.name, pattern)
                or fnmatch.fnmatchcase(qualified, pattern)
            ):
                found.append(shown)
        return sorted(found)

    def of_class(self, cls: type, *, presets: bool = True) -> str | None:
        """The qualified name of the first entry whose target is ``cls``; with ``presets=False``
        only an entry without preset parameters."""
        target = f"{cls.__module__}:{cls.__qualname__}"
        for qualified, entry in self.entries.items():
            if (entry.spec.target == target or entry.spec.target is cls) and (
                presets or not entry.spec.params
            ):
                return qualified
        return None
