"""Every registered energy passes the conformance kit (created with its defaults)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

import ebmcore
from ebmcore.testing import check_energy, parametrize_with_checks


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    """The kit's tensors are small: intra-op threads only add contention on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


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
