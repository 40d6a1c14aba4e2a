"""Discovery: the plugins installed for an entry point group, and the specs their hooks return.

Each plugin's hook module is imported and registered with one :class:`pluggy.PluginManager`,
which checks its ``ebmcore_energies`` implementation against the hook spec. The hooks are then
called one plugin at a time rather than through ``manager.hook.ebmcore_energies()``, which
would call them all in one go and stop at the first exception: here a hook that raises fails
its own plugin only, and the specs stay attributed to the plugin that returned them.

Failures are recorded on the plugin's :class:`PluginInfo` by :func:`record_failure`, the one
place that does it; nothing here raises for a broken plugin.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Literal, NamedTuple, cast

import pluggy

from .._errors import RegistrationError
from .._spec import LOCAL_PLUGIN, NAME_PATTERN, PROJECT, EnergySpec, HookSpecs

__all__ = [
    "ENTRY_POINT_GROUP",
    "SLOW_HOOK_S",
    "Discovery",
    "PluginInfo",
    "env_flag",
    "record_failure",
]

ENTRY_POINT_GROUP = "ebmcore"

SLOW_HOOK_S = 1.0
"""A hook module that takes longer than this to import and run gets a warning: every process
that lists energies waits for it."""


def env_flag(name: str) -> bool:
    """Whether the environment variable ``name`` is set to a true value (1, true, yes, on)."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str) -> set[str]:
    """The comma-separated items of the environment variable ``name``."""
    return {item.strip() for item in os.environ.get(name, "").split(",") if item.strip()}


@dataclass
class PluginInfo:
    """What the registry knows about one plugin.

    Attributes:
        name: the plugin's name (its entry point name; ``"local"`` for in-process energies).
        module: the hook module the entry point names.
        distribution: the installed distribution that provides it, and ``version`` its version.
        status: ``"loaded"``, ``"failed"`` (nothing of it is usable) or ``"disabled"``.
        energies: qualified names of the energies it registered.
        problems: one line per failure (the whole plugin, or single specs or targets).
        warnings: things that work but should not be so (a hook module importing torch, ...).
        errors: the original exceptions behind ``problems``.
    """

    name: str
    module: str
    distribution: str | None = None
    version: str | None = None
    status: Literal["loaded", "failed", "disabled"] = "loaded"
    energies: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list, repr=False)


def record_failure(plugin: PluginInfo, exc: BaseException, message: str, *, whole: bool = False) -> None:
    """Record that something of ``plugin`` failed: ``message`` for people, ``exc`` as the cause.

    Args:
        whole: the plugin as a whole failed (nothing of it is usable), not one spec or target.
    """
    if whole:
        plugin.status = "failed"
    plugin.problems.append(message)
    plugin.errors.append(exc)


class EntryPointRecord(NamedTuple):
    """An entry point of the group, with the name and version of its distribution."""

    name: str
    value: str
    distribution: str | None
    version: str | None


def entry_point_record(ep: metadata.EntryPoint) -> EntryPointRecord:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return EntryPointRecord(ep.name, ep.value, None, None)
    return EntryPointRecord(ep.name, ep.value, *name_and_version(dist))


def name_and_version(dist: metadata.Distribution) -> tuple[str | None, str | None]:
    """The ``Name`` and ``Version`` fields of a distribution's metadata, read from the headers of
    its METADATA (or PKG-INFO) file: ``dist.metadata`` runs the e-mail parser over the whole file
    on every access, which is most of the cost of reading a hundred distributions."""
    for file in ("METADATA", "PKG-INFO"):
        text = dist.read_text(file)
        if text is None:
            continue
        fields: dict[str, str] = {}
        for line in text.split("\n\n", 1)[0].splitlines():  # the headers end at an empty line
            key, sep, value = line.partition(":")
            key = key.lower()
            if sep and key in ("name", "version") and key not in fields:
                fields[key] = value.strip()
        if len(fields) == 2:
            return fields["name"], fields["version"]
        break
    found = dist.metadata  # anything unusual: the standard parser
    return found["Name"], found["Version"]


class Discovery:
    """One pass over the plugins installed for ``group``.

    Attributes:
        manager: the plugin manager every loaded hook module is registered with.
        loading: the name of the plugin whose hook module is being imported or run, if any.
    """

    def __init__(self, group: str) -> None:
        self.group = group
        self.manager = pluggy.PluginManager(PROJECT)
        self.manager.add_hookspecs(HookSpecs)
        self.loading: str | None = None

    def run(self) -> Iterator[tuple[str, PluginInfo, list[object]]]:
        """Each plugin seen, under the key it is listed by, with the raw specs its hook returned
        (empty for a disabled or failed plugin, whose :class:`PluginInfo` says why)."""
        # Sorted by plugin name, then distribution name: which of two same-named plugins loads
        # is fixed, not left to the order on disk.
        records = sorted(
            (entry_point_record(ep) for ep in metadata.entry_points(group=self.group)),
            key=lambda r: (r.name, r.distribution or ""),
        )
        disabled = env_list("EBMCORE_DISABLE_PLUGINS")
        autoload = not env_flag("EBMCORE_DISABLE_PLUGIN_AUTOLOAD")
        allowed = env_list("EBMCORE_PLUGINS")
        seen: dict[str, str | None] = {}  # plugin name -> its distribution
        for record in records:
            plugin = PluginInfo(
                record.name, module=record.value, distribution=record.distribution, version=record.version
            )
            # the second of two same-named plugins (and a "local" one) is listed beside the first
            clash = record.name in seen or record.name == LOCAL_PLUGIN
            key = f"{record.name} ({plugin.distribution})" if clash else record.name
            if record.name in disabled or (not autoload and record.name not in allowed):
                plugin.status = "disabled"
                seen.setdefault(record.name, plugin.distribution)
                yield key, plugin, []
                continue
            problem = self._refused(record, seen)
            seen.setdefault(record.name, plugin.distribution)
            if problem is not None:
                record_failure(plugin, RegistrationError(problem[0]), problem[1], whole=True)
                yield key, plugin, []
                continue
            yield key, plugin, self._load(record, plugin)

    @staticmethod
    def _refused(record: EntryPointRecord, seen: Mapping[str, str | None]) -> tuple[str, str] | None:
        """Why an entry point cannot be a plugin (the error, the message), or None."""
        if record.name == LOCAL_PLUGIN:
            return (
                f"plugin name {LOCAL_PLUGIN!r} is reserved for in-process energies",
                f"entry point name {LOCAL_PLUGIN!r} is reserved for energies registered in-process "
                "(ebmcore.register_energy); rename the entry point",
            )
        if record.name in seen:
            first = seen[record.name]
            return (
                f"plugin name {record.name!r} is already used by {first}",
                f"plugin name {record.name!r} is also provided by {first}; rename one entry point",
            )
        if not NAME_PATTERN.match(record.name):
            return (
                f"plugin name {record.name!r} is not lowercase snake case",
                f"entry point name {record.name!r} is not lowercase snake case",
            )
        return None

    def _load(self, record: EntryPointRecord, plugin: PluginInfo) -> list[object]:
        """Import the hook module, run its hook and return what it returned."""
        torch_before = "torch" in sys.modules
        started = time.perf_counter()
        self.loading = record.name
        try:
            specs = self._run_hook(record, plugin)
        finally:
            self.loading = None
        elapsed = time.perf_counter() - started
        if not torch_before and "torch" in sys.modules:
            plugin.warnings.append(
                f"hook module {record.value!r} imports torch, which makes listing energies slow; "
                "name energies by 'module:Class' targets instead of importing them"
            )
        elif elapsed > SLOW_HOOK_S:
            plugin.warnings.append(
                f"hook module {record.value!r} took {elapsed:.1f} s to import and run; every process "
                "that lists energies waits for it (keep hook modules tiny)"
            )
        return specs

    def _run_hook(self, record: EntryPointRecord, plugin: PluginInfo) -> list[object]:
        try:
            module = metadata.EntryPoint(record.name, record.value, self.group).load()
            self.manager.register(module, name=record.name)
        except Exception as exc:
            record_failure(plugin, exc, f"cannot load hook module {record.value!r}: {exc!r}", whole=True)
            return []
        # this plugin's implementation is the newest one, near the end: search from there
        impl = next(
            (
                i
                for i in reversed(self.manager.hook.ebmcore_energies.get_hookimpls())
                if i.plugin_name == record.name
            ),
            None,
        )
        if impl is None:
            record_failure(
                plugin,
                RegistrationError("no ebmcore_energies hook"),
                f"hook module {record.value!r} implements no ebmcore_energies hook",
                whole=True,
            )
            return []
        try:
            returned = impl.function()
        except Exception as exc:
            record_failure(plugin, exc, f"ebmcore_energies hook raised {exc!r}", whole=True)
            return []
        if isinstance(returned, (str, bytes, Mapping, EnergySpec)) or not isinstance(returned, Iterable):
            wrong = RegistrationError(
                f"ebmcore_energies hook returned {type(returned).__name__}, not a list of energy specs"
            )
            record_failure(plugin, wrong, str(wrong), whole=True)
            return []
        try:
            return list(cast("Iterable[object]", returned))
        except Exception as exc:  # a generator that raises part way
            record_failure(plugin, exc, f"ebmcore_energies hook raised {exc!r}", whole=True)
            return []
