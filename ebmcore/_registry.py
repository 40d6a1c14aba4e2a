"""The registry: discovers plugins through entry points and creates energies by name.

Discovery is lazy (the first call that needs the catalog runs it), thread safe (one thread
discovers, the others wait and see the finished index) and cheap: it imports each plugin's
hook module, never an energy implementation and never torch. An energy's target is imported
only when that energy is created or inspected. Nothing is cached on disk: every process imports
the hook modules (tiny by contract) and calls their hooks, so what it lists is what is installed.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import importlib
import inspect
import operator
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, cast

import pluggy

from ._errors import (
    AmbiguousEnergyError,
    EbmcoreError,
    EnergyNotFoundError,
    InvalidParameterError,
    InvalidSpecError,
    MissingParameterError,
    PluginError,
    RegistrationError,
    UnknownParameterError,
)
from ._spec import LOCAL_PLUGIN, NAME_PATTERN, EnergySpec, HookSpecs

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

SLOW_HOOK_S = 1.0
"""A hook module that takes longer than this to import and run gets a warning: every process
that lists energies waits for it."""

MAX_SPEC_DEPTH = 100
"""How deep the dicts and lists of a spec given to :func:`create` may nest (about 50 energies
composed inside one another); deeper, or cyclic, specs are refused before anything is built."""


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


class _EntryPointRecord(NamedTuple):
    """An entry point of the group, with the name and version of its distribution."""

    name: str
    value: str
    distribution: str | None
    version: str | None


def _entry_point_record(ep: metadata.EntryPoint) -> _EntryPointRecord:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return _EntryPointRecord(ep.name, ep.value, None, None)
    return _EntryPointRecord(ep.name, ep.value, *_name_and_version(dist))


def _name_and_version(dist: metadata.Distribution) -> tuple[str | None, str | None]:
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


def _plain_scalar(value: Any) -> Any:
    """A numpy scalar, or a 0-d integer tensor, as the Python number it holds (``np.int64(3)``
    -> ``3``); anything else as it is. Plugins may then use ``dim`` and friends as ints
    (``range(dim)``, ``(dim,)``) whatever the caller's array library. Neither numpy nor torch is
    imported: the type's module tells."""
    cls = type(value)
    module = cls.__module__
    if module == "numpy":
        if getattr(value, "ndim", None) == 0 and cls.__name__ != "ndarray":  # a numpy scalar
            item = value.item()
            if isinstance(item, (bool, int, float, complex)):
                return item
    elif module == "torch" and cls.__name__ == "Tensor" and value.ndim == 0:
        dtype = value.dtype
        if not (dtype.is_floating_point or dtype.is_complex or str(dtype) == "torch.bool"):
            return operator.index(value)
    return value


def _nesting_problem(name: str, value: Any, outer: frozenset[int]) -> str | None:
    """Why the argument ``name`` = ``value`` (a dict, list or tuple) cannot be given: it nests
    deeper than :data:`MAX_SPEC_DEPTH` or contains itself (a dict or list that encloses it, or
    the spec dict ``outer``); None if neither. Walks without recursion."""
    containers = (Mapping, list, tuple)

    def children(node: Any) -> Iterable[tuple[Any, Any]]:
        return node.items() if isinstance(node, Mapping) else enumerate(node)

    def where(path: list[Any]) -> str:
        text = "".join(f"[{key!r}]" for key in path)
        return name + (text if len(text) <= 60 else text[:30] + "..." + text[-27:])

    on_path = set(outer) | {id(value)}
    stack: list[tuple[Any, Iterator[tuple[Any, Any]]]] = [(value, iter(children(value)))]
    path: list[Any] = []
    while stack:
        node, items = stack[-1]
        for key, child in items:
            if isinstance(child, containers):
                if id(child) in on_path:
                    return f"free of cycles ({where([*path, key])} is a dict or list that encloses it)"
                if len(stack) >= MAX_SPEC_DEPTH:
                    return f"nested at most {MAX_SPEC_DEPTH} levels deep (dicts and lists)"
                on_path.add(id(child))
                stack.append((child, iter(children(child))))
                path.append(key)
                break
        else:
            stack.pop()
            on_path.discard(id(node))
            if path:
                path.pop()
    return None


def _import_target(target: str | Callable[..., Any]) -> Callable[..., Any]:
    if not isinstance(target, str):
        return target
    module_name, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def _checked_kwargs(kwargs: dict[str, Any], root: object, energy: str) -> dict[str, Any]:
    """``kwargs`` with numpy/torch scalars as Python numbers, after refusing values nested too
    deep or containing themselves (they would end in a ``RecursionError`` deep inside)."""
    outer = frozenset() if root is None else frozenset({id(root)})
    checked = dict(kwargs)
    for key, value in kwargs.items():
        if isinstance(value, (Mapping, list, tuple)):
            problem = _nesting_problem(key, value, outer)
            if problem is not None:
                raise InvalidParameterError(key, value, problem, energy=energy)
        elif type(value) not in _PLAIN_TYPES:
            checked[key] = _plain_scalar(value)
    return checked


_PLAIN_TYPES = frozenset({int, float, str, bool, type(None)})


class Registry:
    """The catalog of energies: plugins discovered from entry points plus in-process ones."""

    def __init__(self, group: str = ENTRY_POINT_GROUP) -> None:
        self.group = group
        self._lock = threading.RLock()
        self._discovered = False
        self._discovering: int | None = None  # the thread running discovery
        self._loading: str | None = None  # the plugin whose hook module discovery is running
        self._plugins: dict[str, PluginInfo] = {}
        self._entries: dict[str, _Entry] = {}  # qualified name -> entry
        self._names: dict[str, list[str]] = {}  # bare name or alias -> qualified names
        self._local = PluginInfo(LOCAL_PLUGIN, module="(in-process)")

    # -- discovery -------------------------------------------------------------------------

    def _ensure(self, *, strict: bool = True) -> None:
        if not self._discovered:
            if self._discovering == threading.get_ident():
                raise self._reentered()
            with self._lock:
                if not self._discovered:
                    self._discovering = threading.get_ident()
                    try:
                        self._discover()
                    finally:
                        self._discovering = None
                    self._discovered = True
        # Checked on every call (not only by the thread that discovered), so that under
        # EBMCORE_STRICT=1 no caller ever sees a registry with failures in it.
        if strict and _env_flag("EBMCORE_STRICT"):
            self._raise_if_strict()

    def _reentered(self) -> PluginError:
        """The error for a hook module that calls the registry while it is being discovered: it
        would see a half-built catalog (and, before this check, rebuilt it inside itself)."""
        return PluginError(
            self._loading or "?",
            "its hook module called the ebmcore registry (list_energies, create, info, plugins, ...) "
            "while plugins are being discovered; a hook must only return specs. Look other "
            "energies up when one of yours is created, not in the hook",
        )

    def _discover(self) -> None:
        # Sorted by plugin name, then distribution name: which of two same-named plugins loads
        # is fixed, not left to the order on disk.
        records = sorted(
            (_entry_point_record(ep) for ep in metadata.entry_points(group=self.group)),
            key=lambda r: (r.name, r.distribution or ""),
        )
        manager: pluggy.PluginManager | None = None  # made only if a hook module must be imported
        disabled = _env_list("EBMCORE_DISABLE_PLUGINS")
        autoload = not _env_flag("EBMCORE_DISABLE_PLUGIN_AUTOLOAD")
        allowed = _env_list("EBMCORE_PLUGINS")
        for record in records:
            plugin = PluginInfo(
                record.name, module=record.value, distribution=record.distribution, version=record.version
            )
            off = record.name in disabled or (not autoload and record.name not in allowed)
            if record.name == LOCAL_PLUGIN:  # reserved: never the key of the in-process plugin
                self._plugins[f"{record.name} ({plugin.distribution})"] = plugin
                if off:
                    plugin.status = "disabled"
                    continue
                plugin.status = "failed"
                self._record(
                    plugin,
                    RegistrationError(f"plugin name {LOCAL_PLUGIN!r} is reserved for in-process energies"),
                    f"entry point name {LOCAL_PLUGIN!r} is reserved for energies registered in-process "
                    "(ebmcore.register_energy); rename the entry point",
                )
                continue
            if off:
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
            if manager is None:
                manager = pluggy.PluginManager("ebmcore")
                manager.add_hookspecs(HookSpecs)
            self._load_plugin(manager, record, plugin)
        if self._local.energies or self._local.problems:
            self._plugins[LOCAL_PLUGIN] = self._local

    def _load_plugin(
        self, manager: pluggy.PluginManager, record: _EntryPointRecord, plugin: PluginInfo
    ) -> None:
        """Import the hook module, run its hook and register what it returned."""
        torch_before = "torch" in sys.modules
        started = time.perf_counter()
        self._loading = record.name
        try:
            specs = self._run_hook(manager, record, plugin)
        finally:
            self._loading = None
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
        if specs is None:
            return
        own: set[str] = set()  # the names and aliases this plugin registered so far
        for raw in specs:
            self._add_spec(plugin, raw, own)

    def _run_hook(
        self, manager: pluggy.PluginManager, record: _EntryPointRecord, plugin: PluginInfo
    ) -> list[object] | None:
        """What the plugin's hook returned, or None (with the failure recorded)."""
        try:
            module = metadata.EntryPoint(record.name, record.value, self.group).load()
            manager.register(module, name=record.name)
        except Exception as exc:
            plugin.status = "failed"
            self._record(plugin, exc, f"cannot load hook module {record.value!r}: {exc!r}")
            return None
        # the newest implementation is near the end: search from there (linear in the plugins)
        impl = next(
            (
                i
                for i in reversed(manager.hook.ebmcore_energies.get_hookimpls())
                if i.plugin_name == record.name
            ),
            None,
        )
        if impl is None:
            plugin.status = "failed"
            self._record(
                plugin,
                RegistrationError("no ebmcore_energies hook"),
                f"hook module {record.value!r} implements no ebmcore_energies hook",
            )
            return None
        try:
            returned = impl.function()
            if isinstance(returned, (str, bytes, Mapping, EnergySpec)) or not isinstance(returned, Iterable):
                wrong = RegistrationError(
                    f"ebmcore_energies hook returned {type(returned).__name__}, not a list of energy specs"
                )
                plugin.status = "failed"
                self._record(plugin, wrong, str(wrong))
                return None
            return list(cast("Iterable[object]", returned))
        except Exception as exc:
            plugin.status = "failed"
            self._record(plugin, exc, f"ebmcore_energies hook raised {exc!r}")
            return None

    def _record(self, plugin: PluginInfo, exc: BaseException, message: str) -> None:
        plugin.problems.append(message)
        plugin.errors.append(exc)

    def _add_spec(self, plugin: PluginInfo, raw: object, own: set[str]) -> _Entry | None:
        """Register one spec of ``plugin``; ``own`` holds the names and aliases it registered so
        far (kept by the caller, so that a plugin of n specs registers in O(n), not O(n²))."""
        try:
            spec = EnergySpec.coerce(raw)
        except RegistrationError as exc:
            name = raw.get("name") if isinstance(raw, Mapping) else getattr(raw, "name", None)
            self._record(plugin, exc, f"malformed energy spec: {exc}")
            if isinstance(name, str) and NAME_PATTERN.match(name):
                self._insert(_Entry(EnergySpec(name, f"{plugin.name}:broken"), plugin, broken=exc))
                own.add(name)
            return None
        qualified = f"{plugin.name}/{spec.name}"
        if qualified in self._entries:
            twice = RegistrationError(f"plugin {plugin.name!r} offers energy {spec.name!r} twice")
            self._record(plugin, twice, str(twice))
            self._entries[qualified].broken = twice
            return None
        for alias in spec.aliases:
            if alias in own or alias == spec.name:
                repeated = RegistrationError(
                    f"alias {alias!r} of {spec.name!r} repeats a name of plugin {plugin.name!r}"
                )
                self._record(plugin, repeated, str(repeated))
                return None
        entry = _Entry(spec, plugin)
        self._insert(entry)
        own.add(spec.name)
        own.update(spec.aliases)
        return entry

    def _insert(self, entry: _Entry) -> None:
        self._entries[entry.qualified] = entry
        entry.plugin.energies.append(entry.qualified)
        for name in (entry.spec.name, *entry.spec.aliases):
            self._names.setdefault(name, []).append(entry.qualified)

    # Readers hold the lock while they walk the indexes: register()/unregister() in another
    # thread would otherwise change a dict during its iteration.

    def conflicts(self) -> dict[str, list[str]]:
        """Bare names offered by more than one plugin, with their qualified names."""
        self._ensure(strict=False)
        with self._lock:
            return {name: sorted(q) for name, q in sorted(self._names.items()) if len(q) > 1}

    def _raise_if_strict(self) -> None:
        with self._lock:
            for plugin in self._plugins.values():
                if plugin.problems:
                    exc = plugin.errors[0] if plugin.errors else None
                    raise PluginError(
                        plugin.name, f"{plugin.problems[0]} (EBMCORE_STRICT=1 makes plugin failures fatal)"
                    ) from exc
        for name, qualified in self.conflicts().items():
            raise AmbiguousEnergyError(name, qualified)

    # -- lookup ----------------------------------------------------------------------------

    def resolve(self, name: str, *, function: str = "create") -> _Entry:
        self._ensure()
        if not isinstance(name, str):
            raise InvalidSpecError("the energy name", name, "a string", function=function)
        with self._lock:
            return self._lookup(name)

    def _lookup(self, name: str) -> _Entry:
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

        root: object = None  # the spec dict given, if any (a cycle may lead back to it)
        if type(name_or_spec) is str:  # the common case first: no ABC isinstance checks
            name = name_or_spec
        elif isinstance(name_or_spec, BaseModel):
            if kwargs:
                raise InvalidSpecError(
                    "keyword arguments", kwargs, "empty when name_or_spec is a model (it is returned as is)"
                )
            return name_or_spec
        elif isinstance(name_or_spec, Mapping):
            root = name_or_spec
            spec = dict(name_or_spec)
            keys = [key for key in spec if not isinstance(key, str)]
            if keys:
                raise InvalidSpecError("the keys of a spec dict", keys, "strings (parameter names)")
            if "name" not in spec:
                raise InvalidSpecError(
                    "a spec dict", spec, "a dict with a 'name' key, like {'name': 'gaussian', 'dim': 3}"
                )
            name = spec.pop("name")
            if not isinstance(name, str):
                raise InvalidSpecError("spec['name']", name, "an energy name (a string)")
            clash = sorted(set(spec) & set(kwargs))
            if clash:
                raise InvalidSpecError(
                    "a parameter", clash, "given in the spec dict or as a keyword argument, not both"
                )
            kwargs = {**spec, **kwargs}
        elif isinstance(name_or_spec, str):
            name = str(name_or_spec)
        else:
            raise InvalidSpecError(
                "name_or_spec",
                name_or_spec,
                "an energy name (a string), a spec dict like {'name': 'gaussian', 'dim': 3} or a model",
            )
        entry = self.resolve(name)
        energy = f"energy {entry.spec.name!r}"
        if kwargs:
            kwargs = _checked_kwargs(kwargs, root, energy)
        target = entry.target()
        if entry.spec.params:
            kwargs = {**entry.spec.params, **kwargs}
        if not entry.varkw:
            for key in kwargs:
                if key not in entry.accepted:
                    raise UnknownParameterError(energy, key, sorted(entry.accepted))
        for key in entry.required:
            if key not in kwargs:
                raise MissingParameterError(energy, key, sorted(entry.accepted))
        try:
            model = target(**kwargs)
        except EbmcoreError:  # the caller's bad arguments (or a nested energy's failure), as they are
            raise
        except Exception as exc:  # the target itself broke: name its plugin, chain the cause
            raise PluginError(
                entry.plugin.name, f"creating energy {entry.spec.name!r} raised {exc!r}"
            ) from exc
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
        with self._lock:
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
        entry = self.resolve(name, function="info")
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
        with self._lock:  # copies: a later register() does not change what was returned
            return [
                dataclasses.replace(
                    p,
                    energies=list(p.energies),
                    problems=list(p.problems),
                    warnings=list(p.warnings),
                    errors=list(p.errors),
                )
                for p in sorted(self._plugins.values(), key=lambda p: p.name)
            ]

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
        >>> ebmcore.plugin.create_component("gaussian", parameter="base", energy="Tempered", dim=3).dim
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
