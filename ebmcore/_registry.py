"""The registry: discovers plugins through entry points and creates energies by name.

Discovery is lazy (the first call that needs the catalog runs it), thread safe (one thread
discovers, the others wait and see the finished index) and cheap: it imports each plugin's
hook module, never an energy implementation and never torch. An energy's target is imported
only when that energy is created or inspected.
"""

from __future__ import annotations

import fnmatch
import importlib
import inspect
import json
import os
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any, Literal, cast

import pluggy

from . import _catalog_cache
from ._errors import (
    AmbiguousEnergyError,
    EnergyNotFoundError,
    InvalidParameterError,
    MissingParameterError,
    PluginError,
    RegistrationError,
    UnknownParameterError,
)
from ._spec import NAME_PATTERN, EnergySpec, HookSpecs

if TYPE_CHECKING:
    from ._model import BaseModel

__all__ = [
    "EnergyInfo",
    "create_component",
    "ParameterInfo",
    "PluginInfo",
    "create",
    "info",
    "list_energies",
    "plugins",
    "register_energy",
    "unregister_energy",
]

ENTRY_POINT_GROUP = "ebmcore"
LOCAL_PLUGIN = "local"


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str) -> set[str]:
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


@dataclass(frozen=True)
class ParameterInfo:
    """One constructor parameter of an energy."""

    name: str
    default: Any
    required: bool
    allowed: str | None
    annotation: str | None


@dataclass(frozen=True)
class EnergyInfo:
    """Everything the registry knows about one energy (see :func:`info`)."""

    name: str
    qualified_name: str
    plugin: str
    distribution: str | None
    version: str | None
    target: str
    summary: str
    tags: tuple[str, ...]
    aliases: tuple[str, ...]
    params: Mapping[str, Any]
    parameters: tuple[ParameterInfo, ...]
    ground_truth: tuple[str, ...]
    doc: str
    references: tuple[str, ...] = ()


_GROUND_TRUTH = ("bounds", "minima", "log_partition", "sample", "mean", "stddev", "modes")


def _references(doc: str) -> tuple[str, ...]:
    """The entries of a Google-style ``References:`` section: one per indented paragraph."""
    lines = doc.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == "References:")
    except StopIteration:
        return ()
    indent = len(lines[start]) - len(lines[start].lstrip())
    entries: list[list[str]] = []
    entry_indent: int | None = None
    for line in lines[start + 1 :]:
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip())
        if depth <= indent:
            break
        if entry_indent is None or depth <= entry_indent:
            entry_indent = depth
            entries.append([])
        entries[-1].append(line.strip())
    return tuple(" ".join(parts) for parts in entries)


class _Entry:
    """One registered energy: its spec, its plugin and (once imported) its target."""

    __slots__ = ("_target", "accepted", "broken", "plugin", "qualified", "required", "spec", "varkw")

    def __init__(self, spec: EnergySpec, plugin: PluginInfo, broken: BaseException | None = None) -> None:
        self.spec = spec
        self.plugin = plugin
        self.qualified = f"{plugin.name}/{spec.name}"
        self.broken = broken
        self._target: Callable[..., Any] | None = None
        self.accepted: frozenset[str] = frozenset()
        self.required: tuple[str, ...] = ()
        self.varkw = False

    def target(self) -> Callable[..., Any]:
        if self._target is not None:
            return self._target
        if self.broken is not None:
            raise PluginError(
                self.plugin.name, f"energy {self.spec.name!r} is broken: {self.broken}"
            ) from self.broken
        try:
            obj = _import_target(self.spec.target)
        except Exception as exc:
            self._fail(exc, f"cannot import target {self.spec.target!r} of {self.spec.name!r}: {exc!r}")
        from ._model import BaseModel

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

    def _fail(self, exc: BaseException, message: str) -> Any:
        self.broken = exc
        self.plugin.problems.append(message)
        self.plugin.errors.append(exc)
        raise PluginError(self.plugin.name, message) from exc


def _entry_point_record(
    ep: metadata.EntryPoint, catalog: _catalog_cache.Catalog | None
) -> _catalog_cache.EntryPointRecord:
    """An entry point with its distribution's path, name and version (read from the cache when
    the distribution's METADATA is unchanged). Records sort by plugin name, then distribution
    name, so which of two same-named plugins loads is fixed, not left to the order on disk."""
    dist = getattr(ep, "dist", None)
    if dist is None:
        return _catalog_cache.EntryPointRecord(ep.name, ep.value, None, None, None, None)
    if catalog is None:
        return _catalog_cache.EntryPointRecord(
            ep.name, ep.value, None, dist.metadata["Name"], dist.version, None
        )
    return _catalog_cache.EntryPointRecord(ep.name, ep.value, *catalog.distribution(dist))


def _plain_spec(spec: EnergySpec) -> list[Any] | None:
    """``spec`` as JSON data, or None if it is not plain data (a callable target, params that do
    not survive a JSON round trip unchanged)."""
    if not isinstance(spec.target, str):
        return None
    params = dict(spec.params)
    if not params:
        return [spec.name, spec.target, spec.summary, list(spec.tags), list(spec.aliases), params]
    try:
        if json.loads(json.dumps(params, allow_nan=False)) != params:
            return None
    except (TypeError, ValueError):
        return None
    return [spec.name, spec.target, spec.summary, list(spec.tags), list(spec.aliases), params]


_STDLIB: tuple[str, ...] | None = None


def _module_files(before: set[str], top: str) -> tuple[list[str], list[str]]:
    """Source files a hook depends on: every module of its top-level package ``top``, and every
    other module imported since ``before`` (outside the standard library)."""
    global _STDLIB
    if _STDLIB is None:
        import sysconfig

        paths = sysconfig.get_paths()
        _STDLIB = tuple({os.path.join(paths[k], "") for k in ("stdlib", "platstdlib") if k in paths})
    prefix = top + "."
    modules = sys.modules
    own_names = [name for name in modules if name == top or name.startswith(prefix)]
    own = [f for name in own_names if isinstance(f := getattr(modules.get(name), "__file__", None), str)]
    files = list(own)
    for name in modules.keys() - before - set(own_names):
        path = getattr(modules.get(name), "__file__", None)
        if not isinstance(path, str):
            continue
        if path.startswith(_STDLIB) and "site-packages" not in path and "dist-packages" not in path:
            continue
        files.append(path)
    return files, own


def _import_target(target: str | Callable[..., Any]) -> Callable[..., Any]:
    if not isinstance(target, str):
        return target
    module_name, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


class Registry:
    """The catalog of energies: plugins discovered from entry points plus in-process ones."""

    def __init__(self, group: str = ENTRY_POINT_GROUP) -> None:
        self.group = group
        self._lock = threading.RLock()
        self._discovered = False
        self._plugins: dict[str, PluginInfo] = {}
        self._entries: dict[str, _Entry] = {}  # qualified name -> entry
        self._names: dict[str, list[str]] = {}  # bare name or alias -> qualified names
        self._local = PluginInfo(LOCAL_PLUGIN, module="(in-process)")

    # -- discovery -------------------------------------------------------------------------

    def _ensure(self, *, strict: bool = True) -> None:
        if not self._discovered:
            with self._lock:
                if not self._discovered:
                    self._discover()
                    self._discovered = True
        # Checked on every call (not only by the thread that discovered), so that under
        # EBMCORE_STRICT=1 no caller ever sees a registry with failures in it.
        if strict and _env_flag("EBMCORE_STRICT"):
            self._raise_if_strict()

    def _discover(self) -> None:
        catalog = _catalog_cache.Catalog.open(self.group)
        records = catalog.entry_points() if catalog is not None else None
        if records is None:
            records = sorted(
                (_entry_point_record(ep, catalog) for ep in metadata.entry_points(group=self.group)),
                key=lambda r: (r.name, r.distribution or ""),
            )
            if catalog is not None:
                catalog.store_entry_points(records)
        manager: pluggy.PluginManager | None = None  # made only if a hook module must be imported
        disabled = _env_list("EBMCORE_DISABLE_PLUGINS")
        autoload = not _env_flag("EBMCORE_DISABLE_PLUGIN_AUTOLOAD")
        allowed = _env_list("EBMCORE_PLUGINS")
        for record in records:
            plugin = PluginInfo(
                record.name, module=record.value, distribution=record.distribution, version=record.version
            )
            if record.name in disabled or (not autoload and record.name not in allowed):
                plugin.status = "disabled"
                self._plugins.setdefault(record.name, plugin)
                if self._plugins[record.name] is not plugin:  # keep both of two same-named ones visible
                    self._plugins[f"{record.name} ({plugin.distribution})"] = plugin
                continue
            if record.name in self._plugins:
                first = self._plugins[record.name]
                plugin.status = "failed"
                self._record(
                    plugin,
                    RegistrationError(f"plugin name {record.name!r} is already used by {first.distribution}"),
                    f"plugin name {record.name!r} is also provided by {first.distribution}; "
                    "rename one entry point",
                )
                self._plugins[f"{record.name} ({plugin.distribution})"] = plugin
                continue
            self._plugins[record.name] = plugin
            if not NAME_PATTERN.match(record.name):
                plugin.status = "failed"
                self._record(
                    plugin,
                    RegistrationError(f"plugin name {record.name!r} is not lowercase snake case"),
                    f"entry point name {record.name!r} is not lowercase snake case",
                )
                continue
            if catalog is not None and record.name != LOCAL_PLUGIN:
                cached = catalog.plugin(record)
                if cached is not None and self._load_cached(plugin, cached):
                    continue
            if manager is None:
                manager = pluggy.PluginManager("ebmcore")
                manager.add_hookspecs(HookSpecs)
            before = set(sys.modules) if catalog is not None else set()
            module = self._load_plugin(manager, record, plugin)
            if catalog is not None:
                self._store(catalog, record, plugin, module, before)
        if self._local.energies or self._local.problems:
            self._plugins[LOCAL_PLUGIN] = self._local
        if catalog is not None:
            catalog.save(records)

    def _load_cached(self, plugin: PluginInfo, cached: Mapping[str, Any]) -> bool:
        """Register a plugin's energies from its cache entry (specs it stored itself, after the
        hook's output passed validation); False if the entry is malformed."""
        try:
            specs = [EnergySpec._trusted(*row) for row in cached["specs"]]
            warnings = [str(w) for w in cached["warnings"]]
        except (KeyError, TypeError, ValueError):
            return False
        entries = self._entries
        names = self._names
        energies = plugin.energies
        for spec in specs:
            entry = _Entry(spec, plugin)
            entries[entry.qualified] = entry
            energies.append(entry.qualified)
            names.setdefault(spec.name, []).append(entry.qualified)
            for alias in spec.aliases:
                names.setdefault(alias, []).append(entry.qualified)
        plugin.warnings.extend(warnings)
        return True

    def _store(
        self,
        catalog: _catalog_cache.Catalog,
        record: _catalog_cache.EntryPointRecord,
        plugin: PluginInfo,
        module: object,
        before: set[str],
    ) -> None:
        """Cache what a plugin's hook returned, if it loaded cleanly and returned plain data."""
        if (
            plugin.status != "loaded"
            or plugin.problems
            or module is None
            or getattr(module, "EBMCORE_CACHE", True) is False  # the plugin opts out
        ):
            catalog.forget(record)
            return
        specs = [_plain_spec(self._entries[q].spec) for q in plugin.energies]
        plain = [s for s in specs if s is not None]
        if len(plain) != len(specs):
            catalog.forget(record)
            return
        top = record.value.partition(":")[0].partition(".")[0]
        files, own = _module_files(before, top)
        catalog.store_plugin(record, specs=plain, warnings=list(plugin.warnings), files=files, own_files=own)

    def _load_plugin(
        self, manager: pluggy.PluginManager, record: _catalog_cache.EntryPointRecord, plugin: PluginInfo
    ) -> object:
        """Import the hook module and run its hook; the module, or None if that failed."""
        torch_before = "torch" in sys.modules
        try:
            module = metadata.EntryPoint(record.name, record.value, self.group).load()
            manager.register(module, name=record.name)
        except Exception as exc:
            plugin.status = "failed"
            self._record(plugin, exc, f"cannot load hook module {record.value!r}: {exc!r}")
            return None
        if not torch_before and "torch" in sys.modules:
            plugin.warnings.append(
                f"hook module {record.value!r} imports torch, which makes listing energies slow; "
                "name energies by 'module:Class' targets instead of importing them"
            )
        impls = [
            impl for impl in manager.hook.ebmcore_energies.get_hookimpls() if impl.plugin_name == record.name
        ]
        if not impls:
            plugin.status = "failed"
            self._record(
                plugin,
                RegistrationError("no ebmcore_energies hook"),
                f"hook module {record.value!r} implements no ebmcore_energies hook",
            )
            return None
        try:
            returned = impls[0].function()
            if isinstance(returned, (str, bytes, Mapping, EnergySpec)) or not isinstance(returned, Iterable):
                wrong = RegistrationError(
                    f"ebmcore_energies hook returned {type(returned).__name__}, not a list of energy specs"
                )
                plugin.status = "failed"
                self._record(plugin, wrong, str(wrong))
                return None
            specs = list(cast("Iterable[object]", returned))
        except Exception as exc:
            plugin.status = "failed"
            self._record(plugin, exc, f"ebmcore_energies hook raised {exc!r}")
            return None
        for raw in specs:
            self._add_spec(plugin, raw)
        return module

    def _record(self, plugin: PluginInfo, exc: BaseException, message: str) -> None:
        plugin.problems.append(message)
        plugin.errors.append(exc)

    def _add_spec(self, plugin: PluginInfo, raw: object) -> _Entry | None:
        try:
            spec = EnergySpec.coerce(raw)
        except RegistrationError as exc:
            name = raw.get("name") if isinstance(raw, Mapping) else getattr(raw, "name", None)
            self._record(plugin, exc, f"malformed energy spec: {exc}")
            if isinstance(name, str) and NAME_PATTERN.match(name):
                self._insert(_Entry(EnergySpec(name, f"{plugin.name}:broken"), plugin, broken=exc))
            return None
        qualified = f"{plugin.name}/{spec.name}"
        if qualified in self._entries:
            twice = RegistrationError(f"plugin {plugin.name!r} offers energy {spec.name!r} twice")
            self._record(plugin, twice, str(twice))
            self._entries[qualified].broken = twice
            return None
        own = {  # the plugin's own entries only: scanning every entry is quadratic in the catalog
            n
            for q in plugin.energies
            if (e := self._entries.get(q)) is not None and e.plugin is plugin
            for n in (e.spec.name, *e.spec.aliases)
        }
        for alias in spec.aliases:
            if alias in own or alias == spec.name:
                repeated = RegistrationError(
                    f"alias {alias!r} of {spec.name!r} repeats a name of plugin {plugin.name!r}"
                )
                self._record(plugin, repeated, str(repeated))
                return None
        entry = _Entry(spec, plugin)
        self._insert(entry)
        return entry

    def _insert(self, entry: _Entry) -> None:
        self._entries[entry.qualified] = entry
        entry.plugin.energies.append(entry.qualified)
        for name in (entry.spec.name, *entry.spec.aliases):
            self._names.setdefault(name, []).append(entry.qualified)

    def conflicts(self) -> dict[str, list[str]]:
        """Bare names offered by more than one plugin, with their qualified names."""
        self._ensure(strict=False)
        return {name: sorted(q) for name, q in sorted(self._names.items()) if len(q) > 1}

    def _raise_if_strict(self) -> None:
        for plugin in self._plugins.values():
            if plugin.problems:
                exc = plugin.errors[0] if plugin.errors else None
                raise PluginError(
                    plugin.name, f"{plugin.problems[0]} (EBMCORE_STRICT=1 makes plugin failures fatal)"
                ) from exc
        for name, qualified in self.conflicts().items():
            raise AmbiguousEnergyError(name, qualified)

    # -- lookup ----------------------------------------------------------------------------

    def resolve(self, name: str) -> _Entry:
        self._ensure()
        if not isinstance(name, str):
            raise TypeError(f"energy name must be a string, got {type(name).__name__}")
        entry = self._entries.get(name)
        if entry is not None:
            return entry
        if "/" in name:
            plugin_name, _, bare = name.partition("/")
            plugin = self._plugins.get(plugin_name)
            if plugin is not None:
                for qualified in self._names.get(bare, []):
                    if qualified.startswith(plugin_name + "/"):
                        return self._entries[qualified]
                if plugin.status == "failed":
                    cause = plugin.errors[0] if plugin.errors else None
                    raise PluginError(
                        plugin_name, f"failed to load, so {bare!r} is unavailable: {plugin.problems[0]}"
                    ) from cause
        else:
            candidates = self._names.get(name)
            if candidates:
                if len(candidates) > 1:
                    raise AmbiguousEnergyError(name, candidates)
                return self._entries[candidates[0]]
        failed = [p.name for p in self._plugins.values() if p.status == "failed"]
        # suggest qualified names for a qualified request, bare names (and aliases) otherwise
        error = EnergyNotFoundError(name, list(self._entries) if "/" in name else list(self._names))
        if failed:
            error.message += f" Plugins that failed to load: {', '.join(failed)} (see `ebmcore plugins`)."
        disabled = [p.name for p in self._plugins.values() if p.status == "disabled"]
        if disabled:
            error.message += (
                f" Disabled plugins: {', '.join(disabled)} "
                "(EBMCORE_DISABLE_PLUGINS, EBMCORE_DISABLE_PLUGIN_AUTOLOAD, EBMCORE_PLUGINS)."
            )
        raise error

    def create(self, name_or_spec: str | Mapping[str, Any] | BaseModel, /, **kwargs: Any) -> BaseModel:
        from ._model import BaseModel

        if type(name_or_spec) is str:  # the common case first: no ABC isinstance checks
            name = name_or_spec
        elif isinstance(name_or_spec, BaseModel):
            if kwargs:
                raise TypeError("create() takes no keyword arguments when given a model instance")
            return name_or_spec
        elif isinstance(name_or_spec, Mapping):
            spec = dict(name_or_spec)
            if "name" not in spec:
                raise TypeError(f"a spec dict needs a 'name' key, got keys {sorted(spec)}")
            name = spec.pop("name")
            clash = sorted(set(spec) & set(kwargs))
            if clash:
                raise TypeError(f"parameters {clash} given both in the spec dict and as keywords")
            kwargs = {**spec, **kwargs}
        else:
            name = name_or_spec
        entry = self.resolve(name)
        target = entry.target()
        if entry.spec.params:
            kwargs = {**entry.spec.params, **kwargs}
        if not entry.varkw:
            for key in kwargs:
                if key not in entry.accepted:
                    raise UnknownParameterError(f"energy {entry.spec.name!r}", key, sorted(entry.accepted))
        for key in entry.required:
            if key not in kwargs:
                raise MissingParameterError(f"energy {entry.spec.name!r}", key, sorted(entry.accepted))
        model = target(**kwargs)
        if not isinstance(model, BaseModel):
            wrong = TypeError(
                f"{entry.spec.target!r} returned {type(model).__name__}, not an ebmcore.BaseModel"
            )
            entry.plugin.problems.append(str(wrong))
            entry.plugin.errors.append(wrong)
            raise PluginError(entry.plugin.name, f"energy {entry.spec.name!r} is not a BaseModel") from wrong
        # a plain attribute: skip nn.Module.__setattr__'s parameter/buffer/module bookkeeping
        object.__setattr__(model, "registry_name", entry.qualified)
        return model

    def names(
        self, pattern: str = "*", *, tags: str | Iterable[str] | None = None, plugin: str | None = None
    ) -> list[str]:
        self._ensure()
        wanted = {tags} if isinstance(tags, str) else set(tags or ())
        every = pattern == "*"
        names: list[str] = []
        for qualified, entry in self._entries.items():
            if entry.broken is not None:
                continue
            if plugin is not None and entry.plugin.name != plugin:
                continue
            if wanted and not wanted <= set(entry.spec.tags):
                continue
            unique = len(self._names[entry.spec.name]) == 1
            shown = entry.spec.name if unique else qualified
            if (
                every
                or fnmatch.fnmatchcase(entry.spec.name, pattern)
                or fnmatch.fnmatchcase(qualified, pattern)
            ):
                names.append(shown)
        return sorted(names)

    def info(self, name: str) -> EnergyInfo:
        entry = self.resolve(name)
        target = entry.target()
        parameters = []
        constraints: Mapping[str, Any] = getattr(target, "arg_constraints", {})
        try:
            signature = inspect.signature(target)
        except (TypeError, ValueError):
            signature = None
        if signature is not None:
            for p in signature.parameters.values():
                if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY):
                    continue
                constraint = constraints.get(p.name)
                annotation = (
                    p.annotation if isinstance(p.annotation, str) else getattr(p.annotation, "__name__", None)
                )
                parameters.append(
                    ParameterInfo(
                        p.name,
                        entry.spec.params.get(p.name, None if p.default is p.empty else p.default),
                        p.default is p.empty and p.name not in entry.spec.params,
                        getattr(constraint, "description", None),
                        None if p.annotation is p.empty else annotation,
                    )
                )
        ground_truth: tuple[str, ...] = ()
        if inspect.isclass(target):
            from ._model import BaseModel

            ground_truth = tuple(
                attr for attr in _GROUND_TRUTH if getattr(target, attr, None) is not getattr(BaseModel, attr)
            )
        doc = inspect.getdoc(target) or ""
        return EnergyInfo(
            name=entry.spec.name,
            qualified_name=entry.qualified,
            plugin=entry.plugin.name,
            distribution=entry.plugin.distribution,
            version=entry.plugin.version,
            target=entry.spec.target if isinstance(entry.spec.target, str) else _describe(entry.spec.target),
            summary=entry.spec.summary,
            tags=entry.spec.tags,
            aliases=entry.spec.aliases,
            params=dict(entry.spec.params),
            parameters=tuple(parameters),
            ground_truth=ground_truth,
            doc=doc,
            references=_references(doc),
        )

    def summary(self, name: str) -> EnergySpec:
        """The spec of ``name`` without importing its target."""
        return self.resolve(name).spec

    def plugin_infos(self) -> list[PluginInfo]:
        self._ensure(strict=False)  # what failed stays visible under EBMCORE_STRICT=1
        return sorted(self._plugins.values(), key=lambda p: p.name)

    # -- in-process registration -------------------------------------------------------------

    def register(self, spec: EnergySpec, *, replace: bool = False) -> None:
        spec = EnergySpec.coerce(spec)
        with self._lock:
            qualified = f"{LOCAL_PLUGIN}/{spec.name}"
            if qualified in self._entries:
                if not replace:
                    raise RegistrationError(
                        f"an in-process energy named {spec.name!r} is already registered; "
                        "pass replace=True to replace it, or unregister_energy() it first"
                    )
                self.unregister(spec.name)
            self._insert(_Entry(spec, self._local))
            if self._discovered:
                self._plugins[LOCAL_PLUGIN] = self._local

    def unregister(self, name: str) -> None:
        with self._lock:
            qualified = f"{LOCAL_PLUGIN}/{name}"
            entry = self._entries.pop(qualified, None)
            if entry is None:
                raise EnergyNotFoundError(
                    qualified, [q for q in self._entries if q.startswith(LOCAL_PLUGIN + "/")]
                )
            self._local.energies.remove(qualified)
            for alias in (entry.spec.name, *entry.spec.aliases):
                self._names[alias].remove(qualified)
                if not self._names[alias]:
                    del self._names[alias]

    def _reset(self) -> None:
        """Forget everything discovered (tests use it after changing installed plugins)."""
        with self._lock:
            local = [e.spec for e in self._entries.values() if e.plugin is self._local]
            self.__init__(self.group)  # type: ignore[misc]
            for spec in local:
                self.register(spec)


def _describe(obj: object) -> str:
    module = getattr(obj, "__module__", "?")
    return f"{module}:{getattr(obj, '__qualname__', repr(obj))}"


REGISTRY = Registry()


def create(name_or_spec: str | Mapping[str, Any] | BaseModel, /, **kwargs: Any) -> BaseModel:
    """Create an energy by registered name or spec dict.

    Args:
        name_or_spec: a registered name (``"rosenbrock"``), a qualified name
            (``"analytic/rosenbrock"``), a dict ``{"name": ..., **params}`` (as saved from
            ``{"name": model.registry_name, **model.config}``), or a model (returned as is).
        **kwargs: constructor parameters of the energy.

    Returns:
        The model. Only its own module is imported.

    Raises:
        EnergyNotFoundError: no such name (the message suggests close names).
        AmbiguousEnergyError: the bare name is offered by several plugins.
        UnknownParameterError: a keyword the energy does not accept.
        InvalidParameterError: a value outside what the parameter allows.
        PluginError: the energy's plugin or target is broken (original exception chained).

    Example:
        >>> import ebmcore
        >>> model = ebmcore.create("rosenbrock", dim=4)
        >>> model.config
        {'dim': 4, 'a': 1.0, 'b': 100.0}
    """
    return REGISTRY.create(name_or_spec, **kwargs)


def create_component(
    spec: str | Mapping[str, Any] | BaseModel,
    *,
    parameter: str,
    energy: str,
    dim: int | None = None,
) -> BaseModel:
    """Build one component of a composed energy (a mixture's components, a base energy, ...).

    A spec dict or a model is taken as given. A bare registered name is created with
    ``dim=dim`` when ``dim`` is given and the energy takes a ``dim`` parameter.

    Args:
        spec: a registered name, a spec dict or a model.
        parameter: the composed energy's parameter that holds ``spec`` (for error messages).
        energy: the composed energy's name (for error messages).
        dim: the dimension a bare name should be created with, if known.

    Raises:
        InvalidParameterError: naming ``parameter``, for a value of another type, an unknown or
            ambiguous name, a malformed spec dict or arguments the component rejects (the
            original error is chained).

    Example:
        >>> import ebmcore
        >>> ebmcore.create_component("gaussian", parameter="base", energy="Tempered", dim=3).dim
        3
    """
    from ._model import BaseModel

    allowed = "a registered name, a spec dict or a model"
    if not isinstance(spec, (str, Mapping, BaseModel)):
        raise InvalidParameterError(parameter, spec, allowed, energy=energy)
    try:
        if isinstance(spec, str):
            entry = REGISTRY.resolve(spec)
            entry.target()
            takes_dim = entry.varkw or "dim" in entry.accepted
            return REGISTRY.create(spec, **({"dim": dim} if dim is not None and takes_dim else {}))
        return REGISTRY.create(spec)
    except (KeyError, TypeError, ValueError) as exc:
        cause = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        raise InvalidParameterError(
            parameter, spec, f"{allowed} that builds ({cause})", energy=energy
        ) from exc


def list_energies(
    pattern: str = "*", *, tags: str | Iterable[str] | None = None, plugin: str | None = None
) -> list[str]:
    """Names of the registered energies, sorted.

    A name offered by two plugins is listed once per plugin, qualified (``plugin/name``).
    Listing imports plugin hook modules only: neither torch nor any energy.

    Args:
        pattern: shell-style pattern matched against bare and qualified names.
        tags: keep energies carrying all of these tags.
        plugin: keep energies of this plugin.

    Example:
        >>> import ebmcore
        >>> ebmcore.list_energies("*well*")
        ['double_well', 'many_well']
    """
    return REGISTRY.names(pattern, tags=tags, plugin=plugin)


def info(name: str) -> EnergyInfo:
    """Describe one energy: plugin, version, parameters with defaults, available ground truth.

    Imports the energy's own module (but no other).
    """
    return REGISTRY.info(name)


def plugins() -> list[PluginInfo]:
    """Every plugin seen: loaded, failed (with the error) and disabled ones."""
    return REGISTRY.plugin_infos()


def register_energy(
    name: str,
    *,
    summary: str = "",
    tags: Iterable[str] = (),
    aliases: Iterable[str] = (),
    replace: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Class decorator registering an energy in this process (notebooks, tests).

    The energy belongs to the plugin ``"local"`` and is also reachable as ``local/NAME``.
    Registering a name twice raises unless ``replace=True``.

    Example:
        >>> import ebmcore, torch
        >>> @ebmcore.register_energy("my_bowl", summary="a quadratic bowl")
        ... class Bowl(ebmcore.BaseModel):
        ...     def __init__(self, dim: int = 2):
        ...         super().__init__(dim, dim=dim)
        ...     def forward(self, x):
        ...         return 0.5 * (x**2).sum(-1)
        >>> ebmcore.create("my_bowl", dim=3).energy(torch.ones(3))
        tensor(1.5000)
        >>> ebmcore.unregister_energy("my_bowl")
    """

    def decorator(target: Callable[..., Any]) -> Callable[..., Any]:
        doc = summary or (inspect.getdoc(target) or "").strip().split("\n")[0]
        REGISTRY.register(
            EnergySpec(name, target, doc, tuple(tags), tuple(aliases)),
            replace=replace,
        )
        return target

    return decorator


def unregister_energy(name: str) -> None:
    """Remove an energy registered in this process with :func:`register_energy`."""
    REGISTRY.unregister(name)
