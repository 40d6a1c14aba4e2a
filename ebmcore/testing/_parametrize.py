"""pytest helpers of the kit: one test per (energy, check) pair.

Nothing here imports torch at import time: models are created, and the checks loaded, when a
test runs, so collecting a plugin's test suite stays fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pytest

from .. import _registry
from .._errors import ConformanceError, InvalidParameterError, MissingParameterError
from ._names import CHECK_NAMES

if TYPE_CHECKING:
    from .._model import BaseModel
    from ._checks import CheckResult

__all__ = ["EnergyCase", "energy_cases", "parametrize_with_checks"]

Expected = Mapping[str, str] | Callable[[Any], Mapping[str, str] | None] | None


def _label(item: Any) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, Mapping):
        return str(item.get("name", "spec"))
    return getattr(item, "registry_name", None) or type(item).__name__


def _check_names(checks: Iterable[str] | None) -> list[str]:
    names = list(CHECK_NAMES if checks is None else checks)
    for name in names:
        if name not in CHECK_NAMES:
            raise InvalidParameterError("check", name, f"one of {', '.join(CHECK_NAMES)}")
    return names


def _settle(label: str, result: CheckResult) -> None:
    """Turn a result into the pytest outcome: pass, skip, xfail, or a ConformanceError."""
    if result.status == "skipped":
        pytest.skip(f"{result.name}: {result.message}")
    if result.status == "xfailed":
        pytest.xfail(result.message)
    if result.status in ("failed", "xpassed"):
        raise ConformanceError(f"{label}: {result.name}: {result.message}", failures=[result.name])


class EnergyCase:
    """One (energy, check) pair; :meth:`run` creates the energy lazily and runs the check.

    Attributes:
        energy: a registered name, a spec dict, or a model.
        check: the check's name (a key of :data:`ebmcore.testing.CHECKS`).
        expected_failure: the reason it is expected to fail, or None.
    """

    def __init__(self, energy: Any, check: str, expected_failure: str | None = None) -> None:
        self.energy = energy
        self.check = check
        self.expected_failure = expected_failure
        self._model: BaseModel | None = None

    @property
    def id(self) -> str:
        """The pytest id, ``"energy-check"``."""
        return f"{_label(self.energy)}-{self.check}"

    def __repr__(self) -> str:
        return f"EnergyCase({self.id})"

    @property
    def model(self) -> BaseModel:
        """The model (created on first access; skips the test if it needs arguments)."""
        if self._model is None:
            try:
                self._model = _registry.create(self.energy)
            except MissingParameterError as exc:
                pytest.skip(f"cannot be created with no arguments: {exc}")
        return self._model

    def run(self) -> None:
        """Run the check; raise :class:`ebmcore.ConformanceError` if it fails."""
        from ._checks import run_check  # torch loads when a check runs, not when tests are collected

        model = self.model
        result = run_check(model, self.check, expected_failure=self.expected_failure)
        _settle(_label(model), result)


def _expected_for(expected: Expected, item: Any) -> dict[str, str]:
    if expected is None:
        return {}
    if callable(expected):
        return dict(expected(item) or {})
    return dict(expected)


def energy_cases(
    names_or_models: Iterable[Any] | str,
    *,
    expected_failed_checks: Expected = None,
    checks: Iterable[str] | None = None,
) -> list[EnergyCase]:
    """Every (energy, check) pair as :class:`EnergyCase` objects.

    Args:
        names_or_models: registered names, spec dicts or models (a single name also works).
        expected_failed_checks: ``{"check": "reason"}`` for all of them, or a callable
            ``(name_or_model) -> dict`` for per-energy expectations.
        checks: a subset of check names (default: all).
    """
    items = [names_or_models] if isinstance(names_or_models, str) else list(names_or_models)
    names = _check_names(checks)
    cases = []
    for item in items:
        expected = _expected_for(expected_failed_checks, item)
        _check_names(expected)
        cases += [EnergyCase(item, name, expected.get(name)) for name in names]
    return cases


class _Check:
    """The ``check`` argument of :func:`parametrize_with_checks`: call it with the model."""

    def __init__(
        self, name: str, expected_failure: str | None = None, error: BaseException | None = None
    ) -> None:
        self.name = name
        self.expected_failure = expected_failure
        self.error = error  # why the model could not be created: raised when the test runs

    def __repr__(self) -> str:
        return self.name

    def __call__(self, model: BaseModel) -> None:
        from ._checks import run_check  # torch loads when a check runs, not when tests are collected

        if self.error is not None:
            raise self.error

        _settle(_label(model), run_check(model, self.name, expected_failure=self.expected_failure))


def parametrize_with_checks(
    names_or_models: Iterable[Any] | str,
    *,
    expected_failed_checks: Expected = None,
    checks: Iterable[str] | None = None,
) -> Any:
    """A ``pytest.mark.parametrize`` over ``(model, check)`` pairs, like scikit-learn's.

    Models are created at collection time; one that cannot be created with no arguments is
    collected as skipped, with the reason, and one whose creation raises fails each of its
    tests with that error.

    Example:
        >>> from ebmcore.testing import parametrize_with_checks
        >>> @parametrize_with_checks(["gaussian", "double_well"])
        ... def test_conformance(model, check):
        ...     check(model)
    """
    items = [names_or_models] if isinstance(names_or_models, str) else list(names_or_models)
    names = _check_names(checks)
    params = []
    for item in items:
        label = _label(item)
        try:
            model = _registry.create(item)
        except MissingParameterError as exc:
            skip = pytest.mark.skip(reason=f"cannot be created with no arguments: {exc}")
            params += [pytest.param(None, _Check(n), id=f"{label}-{n}", marks=skip) for n in names]
            continue
        except Exception as exc:  # a broken energy fails its tests, not the whole collection
            params += [pytest.param(None, _Check(n, error=exc), id=f"{label}-{n}") for n in names]
            continue
        expected = _expected_for(expected_failed_checks, item)
        _check_names(expected)
        params += [pytest.param(model, _Check(n, expected.get(n)), id=f"{_label(model)}-{n}") for n in names]
    return pytest.mark.parametrize(("model", "check"), params)
