"""``ebmcore new-plugin`` (and ``ebmcore.testing.new_plugin``) writes a distribution that installs
and passes its own tests at once, and refuses names it cannot use."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

import ebmcore
from ebmcore._cli import main
from ebmcore.testing import CHECKS, new_plugin


def _env(site: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(site), env.get("PYTHONPATH", "")] if p)
    env.pop("EBMCORE_DISABLE_PLUGIN_AUTOLOAD", None)
    return env


def test_scaffolded_plugin_installs_registers_and_passes_its_tests(tmp_path: Path) -> None:
    root = new_plugin("kit_scaffold", tmp_path)
    site = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "--no-index", "--target", str(site), str(root)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    assert (site / "ebmcore_kit_scaffold" / "_hooks.py").exists()

    probe = (
        "import sys, ebmcore, torch; "
        "print(ebmcore.list_energies(plugin='kit_scaffold')); "
        "m = ebmcore.create('kit_scaffold_bowl', dim=3, scale=2.0); "
        "print(m.registry_name, m.energy(torch.full((3,), 2.0)).item(), m.log_partition())"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=_env(site), check=False
    )
    assert out.returncode == 0, out.stderr
    listed, created = out.stdout.strip().splitlines()
    assert listed == "['kit_scaffold_bowl']"
    name, energy, log_z = created.split()
    assert name == "kit_scaffold/kit_scaffold_bowl"
    assert float(energy) == 1.5  # |x|^2 / (2 s^2) = 12 / 8
    assert abs(float(log_z) - 1.5 * math.log(8 * math.pi)) < 1e-12  # (d/2) log(2 pi s^2)

    for lint in (["check", "."], ["format", "--check", "."]):  # the scaffold is lint-clean as written
        ruff = subprocess.run(
            [sys.executable, "-m", "ruff", *lint], capture_output=True, text=True, cwd=root, check=False
        )
        assert ruff.returncode == 0, ruff.stdout + ruff.stderr

    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        capture_output=True, text=True, env=_env(site), cwd=root, check=False,
    )  # fmt: skip
    assert tests.returncode == 0, tests.stdout + tests.stderr
    summary = tests.stdout.strip().splitlines()[-1]
    assert "failed" not in summary and "error" not in summary
    assert "passed" in summary
    assert (
        "test_conformance[kit_scaffold/kit_scaffold_bowl-check_hook_module]" not in tests.stdout
    )  # quiet run
    # every kit check but two the bowl declares nothing for (skipped), and its 2 own tests
    assert summary.startswith(f"{len(CHECKS)} passed, 2 skipped")


def test_new_plugin_writes_the_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new-plugin", "kit_demo", "--path", str(tmp_path)]) == 0
    root = tmp_path / "kit_demo"
    assert f"created plugin 'kit_demo' in {root}" in capsys.readouterr().out
    pyproject = (root / "pyproject.toml").read_text()
    assert 'name = "ebmcore-kit-demo"' in pyproject
    assert 'kit_demo = "ebmcore_kit_demo._hooks"' in pyproject
    assert (root / "ebmcore_kit_demo" / "py.typed").exists()
    assert "$" not in (root / "ebmcore_kit_demo" / "_bowl.py").read_text()
    assert main(["new-plugin", "kit_demo", "--path", str(tmp_path)]) == 1  # folder not empty
    assert main(["new-plugin", "Bad-Name", "--path", str(tmp_path)]) == 1


def test_new_plugin_refuses_a_trailing_newline_and_local(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("toy\n", "local"):
        with pytest.raises(ebmcore.InvalidParameterError) as caught:
            new_plugin(name, tmp_path)
        assert str(caught.value) == (
            "parameter 'name' must be lowercase snake case, like 'my_energies', and not 'local' (reserved), "
            f"got {name!r}"
        )
    assert main(["new-plugin", "toy\n", "--path", str(tmp_path)]) == 1
    assert list(tmp_path.iterdir()) == []
