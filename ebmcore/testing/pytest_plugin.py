"""The pytest plugin of ebmcore (entry point ``pytest11``): fixtures for the conformance kit.

Loaded by pytest in every project where ebmcore is installed, so it is cheap and inert: it
imports neither torch nor any energy, and acts only on tests that request its fixtures.

A test that requests ``ebmcore_case`` is parametrized over every (energy, check) pair of the
energies its module names, by ``EBMCORE_PLUGIN = "name"`` (all energies of a plugin),
``EBMCORE_ENERGIES = [...]`` or a ``@pytest.mark.ebmcore_energies(*names, plugin=None)``
marker; ``EBMCORE_EXPECTED_FAILED_CHECKS = {"check": "reason"}`` declares expected failures::

    EBMCORE_PLUGIN = "my_plugin"

    def test_conformance(ebmcore_case):
        ebmcore_case.run()
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

__all__ = ["ebmcore_case", "ebmcore_check_energy", "pytest_configure", "pytest_generate_tests"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "ebmcore_energies(*names, plugin=None): energies the ebmcore_case fixture runs the kit on",
    )


def _requested(metafunc: pytest.Metafunc) -> list[str]:
    from ebmcore import _registry  # the plugin loads in every pytest run: ebmcore only when asked

    marker = metafunc.definition.get_closest_marker("ebmcore_energies")
    names: list[str] = []
    plugin: str | None = None
    if marker is not None:
        names = list(marker.args)
        plugin = marker.kwargs.get("plugin")
    else:
        names = list(getattr(metafunc.module, "EBMCORE_ENERGIES", None) or [])
        plugin = getattr(metafunc.module, "EBMCORE_PLUGIN", None)
    if plugin is not None:
        found = _registry.list_energies(plugin=plugin)
        if not found:
            problems = [p for info in _registry.plugins() if info.name == plugin for p in info.problems]
            detail = f": {'; '.join(problems)}" if problems else " (is it installed?)"
            raise pytest.UsageError(f"ebmcore plugin {plugin!r} registered no energies{detail}")
        names += [f"{plugin}/{name.rpartition('/')[2]}" for name in found]
    if not names:
        raise pytest.UsageError(
            f"{metafunc.definition.nodeid} uses the ebmcore_case fixture but names no energies: set "
            "EBMCORE_PLUGIN or EBMCORE_ENERGIES in the module, or use @pytest.mark.ebmcore_energies"
        )
    return names


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "ebmcore_case" not in metafunc.fixturenames:
        return
    from ebmcore.testing._parametrize import energy_cases  # only for tests that use the fixture

    expected = getattr(metafunc.module, "EBMCORE_EXPECTED_FAILED_CHECKS", None)
    cases = energy_cases(_requested(metafunc), expected_failed_checks=expected)
    metafunc.parametrize("ebmcore_case", cases, ids=[case.id for case in cases])


@pytest.fixture
def ebmcore_case(request: pytest.FixtureRequest) -> Any:
    """One (energy, check) pair; call ``ebmcore_case.run()`` in the test."""
    return request.param


@pytest.fixture
def ebmcore_check_energy() -> Callable[..., Any]:
    """:func:`ebmcore.testing.check_energy` (imported when the fixture is used)."""
    from ebmcore.testing import check_energy  # torch loads with the checks, when the fixture is used

    return check_energy
