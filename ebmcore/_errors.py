"""The one exception hierarchy of ebmcore.

Every error the library raises on purpose derives from :class:`EbmcoreError` and from the
builtin exception a caller would naturally catch (``KeyError`` for lookups, ``TypeError`` for
unknown arguments, ``ValueError`` for bad values), so both ``except ebmcore.EbmcoreError`` and
``except ValueError`` work.
"""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Iterable

__all__ = [
    "AmbiguousEnergyError",
    "EbmcoreError",
    "EnergyNotFoundError",
    "InvalidInputError",
    "BackendUnavailableError",
    "ConformanceError",
    "InvalidParameterError",
    "InvalidSpecError",
    "MissingParameterError",
    "PluginError",
    "RegistrationError",
    "UnknownParameterError",
    "close_matches",
    "shown",
]


def close_matches(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Return up to ``n`` candidates that look like ``word``, best first (for "did you mean").

    Example:
        >>> close_matches("rosenbrok", ["rosenbrock", "rastrigin", "sphere"])
        ['rosenbrock']
    """
    return difflib.get_close_matches(word, list(candidates), n=n, cutoff=0.6)


def shown(value: object, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters, for error messages.

    A value whose ``repr`` fails (nested too deep, a ``__repr__`` that raises) is shown
    abbreviated by :mod:`reprlib` instead, so that building an error never raises another.
    """
    try:
        text = repr(value)
    except Exception:  # RecursionError for a value nested deeper than repr can go, ...
        try:
            text = reprlib.repr(value)
        except Exception:
            text = f"<{type(value).__name__} object>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


class EbmcoreError(Exception):
    """Base class of every error raised by ebmcore."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__module__ == __name__:  # shown (tracebacks, pickles) by the name users import
            cls.__module__ = "ebmcore"

    def __reduce__(self) -> tuple[object, ...]:
        # the subclasses' __init__ build the message from their own arguments; a pickle (an error
        # crossing to another process) restores the message and attributes as they are
        return _rebuilt, (type(self), self.args, self.__dict__)


def _rebuilt(cls: type[EbmcoreError], args: tuple[object, ...], state: dict[str, object]) -> EbmcoreError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


EbmcoreError.__module__ = "ebmcore"


class EnergyNotFoundError(EbmcoreError, KeyError):
    """No energy is registered under the requested name."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        self.suggestions = close_matches(name, known)
        hint = f" Did you mean {' or '.join(repr(s) for s in self.suggestions)}?" if self.suggestions else ""
        self.message = (
            f"no energy named {name!r}.{hint} Run `ebmcore list` or `ebmcore.list_energies()` "
            "to see every registered energy."
        )
        super().__init__(self.message)

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.message


class AmbiguousEnergyError(EbmcoreError, KeyError):
    """A bare name is offered by several plugins; use a qualified ``plugin/name``."""

    def __init__(self, name: str, qualified: Iterable[str]) -> None:
        self.name = name
        self.candidates = sorted(qualified)
        self.message = (
            f"energy name {name!r} is offered by several plugins: "
            f"{', '.join(self.candidates)}. Ask for one by its qualified name."
        )
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class UnknownParameterError(EbmcoreError, TypeError):
    """A constructor was given a keyword it does not accept."""

    def __init__(self, energy: str, parameter: str, accepted: Iterable[str]) -> None:
        self.energy = energy
        self.parameter = parameter
        self.accepted = list(accepted)
        matches = close_matches(parameter, self.accepted, n=1)
        hint = f" Did you mean {matches[0]!r}?" if matches else ""
        listed = ", ".join(self.accepted) if self.accepted else "none"
        super().__init__(
            f"{energy} got an unexpected parameter {parameter!r}.{hint} Accepted parameters: {listed}."
        )


class MissingParameterError(EbmcoreError, TypeError):
    """A constructor was not given a parameter it requires."""

    def __init__(self, energy: str, parameter: str, accepted: Iterable[str]) -> None:
        self.energy = energy
        self.parameter = parameter
        self.accepted = list(accepted)
        super().__init__(
            f"{energy} requires parameter {parameter!r}. Accepted parameters: {', '.join(self.accepted)}."
        )


class InvalidParameterError(EbmcoreError, ValueError):
    """A constructor argument has a value outside what the parameter allows."""

    def __init__(self, parameter: str, value: object, allowed: str, *, energy: str | None = None) -> None:
        self.parameter = parameter
        self.value = value
        self.allowed = allowed
        owner = f"{energy}: " if energy else ""
        super().__init__(f"{owner}parameter {parameter!r} must be {allowed}, got {shown(value)}")


class InvalidSpecError(EbmcoreError, TypeError):
    """What names the energy to create is not a name, a spec dict or a model.

    Raised by :func:`ebmcore.create` (and :func:`ebmcore.info`) for ``None``, a number, bytes,
    a list, a spec dict without a string ``name``, with keys that are not strings, or with a
    parameter given both in the dict and as a keyword.

    Attributes:
        parameter: what is wrong (``"name_or_spec"``, ``"spec['name']"``, ...).
        value: the value given.
        allowed: what is allowed, phrased to follow "must be".

    Example:
        >>> str(InvalidSpecError("name_or_spec", 123, "an energy name"))
        'create(): name_or_spec must be an energy name, got 123'
    """

    def __init__(self, parameter: str, value: object, allowed: str, *, function: str = "create") -> None:
        self.parameter = parameter
        self.value = value
        self.allowed = allowed
        super().__init__(f"{function}(): {parameter} must be {allowed}, got {shown(value)}")


class InvalidInputError(EbmcoreError, ValueError):
    """An input tensor has the wrong shape, dtype or device for the model."""


class PluginError(EbmcoreError, RuntimeError):
    """A plugin failed to load, or one of its energies cannot be created.

    Attributes:
        plugin: name of the plugin (its entry point name).
    """

    def __init__(self, plugin: str, message: str) -> None:
        self.plugin = plugin
        super().__init__(f"plugin {plugin!r}: {message}")


class BackendUnavailableError(EbmcoreError, RuntimeError):
    """A gradient backend was forced with :func:`ebmcore.use_backend` but the model lacks it."""


class RegistrationError(EbmcoreError, ValueError):
    """An energy spec is malformed or clashes with one already registered in the same plugin."""


class ConformanceError(EbmcoreError, AssertionError):
    """An energy failed checks of the testing kit (:func:`ebmcore.testing.check_energy`).

    Attributes:
        report: the :class:`ebmcore.testing.CheckReport` with every result, or None.
        failures: the names of the failed checks.
    """

    def __init__(self, message: str, *, report: object = None, failures: Iterable[str] = ()) -> None:
        self.report = report
        self.failures = list(failures)
        super().__init__(message)
