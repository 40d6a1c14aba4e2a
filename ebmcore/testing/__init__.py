"""The conformance kit: check that an energy keeps the ebmcore contract.

One call runs every check (shapes, dtype, device, gradients against autograd and finite
differences, hygiene, serialization, and the ground truth the energy declares)::

    >>> from ebmcore.testing import check_energy
    >>> report = check_energy("gaussian")
    >>> report.ok
    True

In a plugin's test suite, the pytest plugin that ships with ebmcore makes it three lines::

    EBMCORE_PLUGIN = "my_plugin"

    def test_conformance(ebmcore_case):
        ebmcore_case.run()

or, like scikit-learn's ``parametrize_with_checks``::

    @parametrize_with_checks(["my_plugin/sphere"])
    def test_conformance(model, check):
        check(model)

Importing this package is cheap: the checks (and torch) load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._errors import ConformanceError
from .._lazy import lazy_getattr

if TYPE_CHECKING:
    from ._checks import CHECKS, CheckReport, CheckResult, check_energy, run_check
    from ._parametrize import EnergyCase, energy_cases, parametrize_with_checks
    from ._scaffold import new_plugin

_LAZY = {
    "CHECKS": "._checks",
    "CheckReport": "._checks",
    "CheckResult": "._checks",
    "EnergyCase": "._parametrize",
    "check_energy": "._checks",
    "energy_cases": "._parametrize",
    "new_plugin": "._scaffold",
    "parametrize_with_checks": "._parametrize",
    "run_check": "._checks",
}

__all__ = [
    "CHECKS",
    "CheckReport",
    "CheckResult",
    "ConformanceError",
    "EnergyCase",
    "check_energy",
    "energy_cases",
    "new_plugin",
    "parametrize_with_checks",
    "run_check",
]


__getattr__ = lazy_getattr(__name__, _LAZY)


def __dir__() -> list[str]:
    return sorted(__all__)
