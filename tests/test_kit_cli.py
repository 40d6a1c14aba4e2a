"""``ebmcore check`` and ``ebmcore new-plugin`` on the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from torch import Tensor

import ebmcore
from ebmcore._cli import main


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    """The kit's tensors are small: intra-op threads only add contention on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_check_prints_a_table_and_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "gaussian", "rosenbrock"]) == 0
    out = capsys.readouterr().out
    assert "energy" in out and "result" in out
    assert "gaussian    PASS" in out
    assert "2 of 2 energies passed" in out


def test_check_one_energy_shows_every_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "double_well", "--dim", "3"]) == 0
    out = capsys.readouterr().out
    assert "check_log_partition[dim=3]" in out
    assert "passed" in out


def test_check_plugin_and_all(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--plugin", "analytic", "--check", "check_output_shape"]) == 0
    out = capsys.readouterr().out
    for name in ebmcore.list_energies(plugin="analytic"):
        assert name in out
    assert main(["check", "--all", "--check", "check_score", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert {p["energy"] for p in payload} == set(ebmcore.list_energies())
    # energies that need arguments (e.g. fitted from samples) are skipped, with the reason
    skipped = [p for p in payload if p["status"] == "skipped"]
    assert all(p["message"] and not p["results"] for p in skipped)
    checked = [p for p in payload if p["status"] != "skipped"]
    assert len(checked) >= len(payload) // 2
    assert all(p["results"]["check_score"]["status"] == "passed" for p in checked)


class WrongSign(ebmcore.BaseModel):
    def __init__(self, dim: int = 2) -> None:
        super().__init__(dim, dim=dim)

    def forward(self, x: Tensor) -> Tensor:
        return 0.5 * (x * x).sum(-1)

    def analytic_gradient(self, x: Tensor) -> Tensor:
        return -x


def test_check_exits_one_on_failure(capsys: pytest.CaptureFixture[str]) -> None:
    ebmcore.register_energy("kit_cli_wrong_sign")(WrongSign)
    try:
        assert main(["check", "kit_cli_wrong_sign", "gaussian"]) == 1
        out = capsys.readouterr().out
        assert "kit_cli_wrong_sign  FAIL" in out
        assert "check_gradient_finite_differences" in out
        assert "1 of 2 energies passed, 1 failed" in out
        expected = ["--expect-fail", "check_gradient_autograd=sign", "--expect-fail", "check_create_graph"]
        expected += ["--expect-fail", "check_gradient_finite_differences=sign"]
        expected += ["--expect-fail", "check_function_transforms=sign"]
        assert main(["check", "kit_cli_wrong_sign", *expected]) == 0
    finally:
        ebmcore.unregister_energy("kit_cli_wrong_sign")


def test_check_needs_a_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 1
    assert "--all" in capsys.readouterr().err
    assert main(["check", "--plugin", "no_such_plugin"]) == 1


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


def test_check_dim_skips_energies_without_that_dimension(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "gaussian", "rosenbrock", "--dim", "1", "--check", "check_output_shape"]) == 0
    out = capsys.readouterr().out
    assert "rosenbrock  SKIPPED" in out
    assert "1 of 2 energies passed, 1 skipped" in out
