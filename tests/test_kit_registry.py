"""Every registered energy passes the conformance kit (created with its defaults)."""

from __future__ import annotations

import pytest

import ebmcore
from ebmcore.testing import check_energy, parametrize_with_checks

NAMES = ebmcore.list_energies()


@pytest.mark.parametrize("name", NAMES)
def test_registered_energy_passes_the_kit(name: str) -> None:
    try:
        model = ebmcore.create(name)
    except ebmcore.MissingParameterError as exc:
        pytest.skip(f"{name} cannot be created with no arguments: {exc}")
    report = check_energy(model, raise_on_failure=False)
    assert report.ok, str(report.error())


@parametrize_with_checks(["gaussian", "analytic/double_well"])
def test_parametrize_with_checks(model: ebmcore.BaseModel, check: object) -> None:
    check(model)  # type: ignore[operator]
