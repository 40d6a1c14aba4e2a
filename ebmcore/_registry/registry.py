"""The registry: the catalog of energies, found by name, created with checked arguments.

It puts together the pieces in this package: :mod:`.discovery` finds the plugins and runs
their hooks, :mod:`.index` finds entries by name, :mod:`.arguments` checks the keyword
arguments of :func:`create`, :mod:`.describe` describes an energy. What this module adds is the
when and the who: discovery runs lazily (the first call that needs the catalog runs it),
once, thread safe (one thread discovers, the others wait and see the finished index), and
:envvar:`EBMCORE_STRICT` turns any failure into an error.

Discovery imports each plugin's hook module, never an energy implementation and never torch.
An energy's target is imported only when that energy is created or inspected. Nothing is
cached on disk: every process imports the hook modules (tiny by contract) and calls their
hooks, so what it lists is what is installed.
"""

from __future__ import annotations

import dataclasses
import inspect
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pluggy

from .._errors import (
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
from .._spec import LOCAL_PLUGIN, EnergySpec, set_class_namer
from .arguments import checked_kwargs
from .describe import EnergyInfo, describe
from .discovery import ENTRY_POINT_GROUP, Discovery, PluginInfo, env_flag, record_failure
from .index import Entry, Index

if TYPE_CHECKING:
    from .._model import BaseModel

__all__ = [
    "REGISTRY",
    "Registry",
    "create",
    "create_component",
    "info",
    "list_energies",
    "plugins",
    "register_energy",
    "unregister_energy",
]


class Registry:
    """The catalog of energies: plugins discovered from entry points plus in-process ones.

    Attributes:
        group: the entry point group plugins are found in.
        manager: the :class:`pluggy.PluginManager` holding the loaded hook modules.
    """

    def __init__(self, group: str = ENTRY_POINT_GROUP) -> None:
        self.group = group
        self._lock = threading.RLock()
        self._discovered = False
        self._discovering: int | None = None  # the thread running discovery
        self._discovery = Discovery(group)
        self._plugins: dict[str, PluginInfo] = {}
        self._index = Index()
        self._local = PluginInfo(LOCAL_PLUGIN, module="(in-process)")

    @property
    def manager(self) -> pluggy.PluginManager:
        return self._discovery.manager

    # -- discovery -------------------------------------------------------------------------

    def ensure(self, *, strict: bool = True) -> None:
        """Discover the plugins unless done; with ``strict`` and ``EBMCORE_STRICT=1``, raise for
        any failure recorded."""
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
        if strict and env_flag("EBMCORE_STRICT"):
            self._raise_if_strict()

    def _reentered(self) -> PluginError:
        """The error for a hook module that calls the registry while it is being discovered: it
        would see a half-built catalog (and, before this check, rebuilt it inside itself)."""
        return PluginError(
            self._discovery.loading or "?",
            "its hook module called the ebmcore registry (list_energies, create, info, plugins, ...) "
            "while plugins are being discovered; a hook must only return specs. Look other "
            "energies up when one of yours is created, not in the hook",
        )

    def _discover(self) -> None:
        for key, plugin, specs in self._discovery.run():
            self._plugins[key] = plugin
            own: set[str] = set()  # the names and aliases this plugin registered so far
            for raw in specs:
                self._index.add_spec(plugin, raw, own)
        if self._local.energies or self._local.problems:
            self._plugins[LOCAL_PLUGIN] = self._local

    # Readers hold the lock while they walk the index: register()/unregister() in another
    # thread would otherwise change a dict during its iteration.

    def conflicts(self) -> dict[str, list[str]]:
        """Bare names offered by more than one plugin, with their qualified names."""
        self.ensure(strict=False)
        with self._lock:
            return self._index.conflicts()

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

    def resolve(self, name: str, *, function: str = "create") -> Entry:
        """The entry of ``name`` (bare, qualified or alias); ``function`` names the caller in
        the error for a name that is not a string."""
        self.ensure()
        if not isinstance(name, str):
            raise InvalidSpecError("the energy name", name, "a string", function=function)
        with self._lock:
            return self._index.lookup(name, self._plugins)

    def entries(self) -> list[Entry]:
        """Every entry, working or broken (a snapshot)."""
        self.ensure(strict=False)
        with self._lock:
            return list(self._index.entries.values())

    def name_of(self, cls: type) -> str:
        """The qualified name ``cls`` is registered under (discovering plugins if needed).

        Raises:
            RegistrationError: no energy has ``cls`` as its target.
        """
        with self._lock:
            found = self._index.of_class(cls)
        if found is None:
            self.ensure()
            with self._lock:  # discovered now: a plain registration (no preset params) names it
                found = self._index.of_class(cls, presets=False)
        if found is None:
            raise RegistrationError(
                f"{cls.__name__} is not a registered energy, so it has no name to rebuild it from; "
                "register it (plugin entry point or ebmcore.register_energy) or create it by name"
            )
        return found

    def create(self, name_or_spec: str | Mapping[str, Any] | BaseModel, /, **kwargs: Any) -> BaseModel:
        from .._model import BaseModel  # here, not at the top: listing energies never imports torch

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
            kwargs = checked_kwargs(kwargs, root, energy)
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
            record_failure(entry.plugin, wrong, str(wrong))
            raise PluginError(entry.plugin.name, f"energy {entry.spec.name!r} is not a BaseModel") from wrong
        # a plain attribute: skip nn.Module.__setattr__'s parameter/buffer/module bookkeeping
        object.__setattr__(model, "registry_name", entry.qualified)
        return model

    def names(
        self, pattern: str = "*", *, tags: str | Iterable[str] | None = None, plugin: str | None = None
    ) -> list[str]:
        self.ensure()
        wanted = (tags,) if isinstance(tags, str) else tuple(tags or ())
        with self._lock:
            return self._index.matching(pattern, wanted, plugin)

    def info(self, name: str) -> EnergyInfo:
        return describe(self.resolve(name, function="info"))

    def summary(self, name: str) -> EnergySpec:
        """The spec of ``name`` without importing its target."""
        return self.resolve(name).spec

    def plugin_infos(self) -> list[PluginInfo]:
        self.ensure(strict=False)  # what failed stays visible under EBMCORE_STRICT=1
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
            if qualified in self._index.entries:
                if not replace:
                    raise RegistrationError(
                        f"an in-process energy named {spec.name!r} is already registered; "
                        "pass replace=True to replace it, or unregister_energy() it first"
                    )
                self.unregister(spec.name)
            self._index.insert(Entry(spec, self._local))
            if self._discovered:
                self._plugins[LOCAL_PLUGIN] = self._local

    def unregister(self, name: str) -> None:
        with self._lock:
            qualified = f"{LOCAL_PLUGIN}/{name}"
            if self._index.remove(qualified) is None:
                raise EnergyNotFoundError(
                    qualified, [q for q in self._index.entries if q.startswith(LOCAL_PLUGIN + "/")]
                )

    def reset(self) -> None:
        """Forget everything discovered (tests use it after changing installed plugins); the
        energies registered in-process stay."""
        with self._lock:
            local = [e.spec for e in self._index.entries.values() if e.plugin is self._local]
            self.__init__(self.group)  # type: ignore[misc]
            for spec in local:
                self.register(spec)


REGISTRY = Registry()
set_class_namer(REGISTRY.name_of)


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
    from .._model import BaseModel  # here, not at the top: importing ebmcore never imports torch

    allowed = "a registered name, a spec dict or a model"
    if not isinstance(spec, (str, Mapping, BaseModel)):
        raise InvalidParameterError(parameter, spec, allowed, energy=energy)
    try:
        if isinstance(spec, str):
            entry = REGISTRY.resolve(spec)
            entry.target()
            takes_dim = entry.takes("dim")
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
        >>> ebmcore.list_energies("*_well")
        ['double_well', 'many_well', 'multi_well']
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
