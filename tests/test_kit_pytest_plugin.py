"""The pytest side of the kit: the plugin's ``ebmcore_case`` fixture, its marker, staying out of
other projects' way, and ``parametrize_with_checks``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import ebmcore
from ebmcore.testing import EnergyCase, energy_cases, parametrize_with_checks
from ebmcore.testing._names import CHECK_NAMES

pytestmark = pytest.mark.usefixtures("one_torch_thread")


EBMCORE_ENERGIES = ["gaussian"]


def test_conformance(ebmcore_case: EnergyCase) -> None:
    ebmcore_case.run()


@pytest.mark.ebmcore_energies("rosenbrock")
def test_conformance_by_marker(ebmcore_case: EnergyCase) -> None:
    assert ebmcore_case.id.startswith("rosenbrock-")
    ebmcore_case.run()


def test_check_energy_fixture(ebmcore_check_energy: Callable[..., Any]) -> None:
    report = ebmcore_check_energy("double_well", checks=["check_minima"])
    assert report["check_minima"].status == "passed"


def test_energy_cases_cover_every_check() -> None:
    cases = energy_cases(["gaussian", "rosenbrock"], checks=None)
    assert [c.id for c in cases[: len(CHECK_NAMES)]] == [f"gaussian-{n}" for n in CHECK_NAMES]
    assert len(cases) == 2 * len(CHECK_NAMES)


def _pytest(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(folder),
            str(folder),
        ],
        capture_output=True,
        text=True,
        cwd=folder,
        check=False,
    )


def test_plugin_is_inert_for_other_projects_and_explains_misuse(tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "test_other.py").write_text(
        "import sys\n\ndef test_x():\n    assert 'torch' not in sys.modules\n"
    )
    done = _pytest(other)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout

    misuse = tmp_path / "misuse"
    misuse.mkdir()
    (misuse / "test_misuse.py").write_text("def test_kit(ebmcore_case):\n    ebmcore_case.run()\n")
    done = _pytest(misuse)
    assert done.returncode != 0
    assert "names no energies" in done.stdout + done.stderr


def test_parametrize_with_checks_reports_creation_errors() -> None:
    from ebmcore.testing import parametrize_with_checks

    mark = parametrize_with_checks(["gaussian", "no_such_energy_anywhere", {"name": "rosenbrock", "dim": 3}])
    argnames, params = mark.args
    assert argnames == ("model", "check")
    ids = [p.id for p in params]
    assert ids[0] == "analytic/gaussian-check_output_shape"
    assert "no_such_energy_anywhere-check_dtype" in ids
    broken = next(p for p in params if p.id == "no_such_energy_anywhere-check_dtype")
    model, check = broken.values
    with pytest.raises(KeyError, match="no energy named"):
        check(model)
    assert len(params) == 3 * len(CHECK_NAMES)


@parametrize_with_checks(["gaussian", "analytic/double_well"])
def test_parametrize_with_checks(model: ebmcore.BaseModel, check: object) -> None:
    check(model)  # type: ignore[operator]
