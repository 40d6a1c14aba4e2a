"""``ebmcore check``: the conformance kit on the command line."""

from __future__ import annotations

import json

import pytest
from torch import Tensor

import ebmcore
from ebmcore._cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


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
        expected = ["--expect-fail", "check_gradient_autograd=sign"]
        expected += ["--expect-fail", "check_gradient_finite_differences=sign"]
        expected += ["--expect-fail", "check_function_transforms=sign"]
        assert main(["check", "kit_cli_wrong_sign", *expected]) == 0
    finally:
        ebmcore.unregister_energy("kit_cli_wrong_sign")


def test_check_needs_a_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 1
    assert "--all" in capsys.readouterr().err
    assert main(["check", "--plugin", "no_such_plugin"]) == 1


def test_check_dim_skips_energies_without_that_dimension(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "gaussian", "rosenbrock", "--dim", "1", "--check", "check_output_shape"]) == 0
    out = capsys.readouterr().out
    assert "rosenbrock  SKIPPED" in out
    assert "1 of 2 energies passed, 1 skipped" in out


def test_check_exits_non_zero_when_nothing_passed(
    unbuildable_energies: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "probe_needs_args"]) == 1
    out, err = capsys.readouterr()
    assert out.rstrip().endswith("0 of 1 energies passed, 1 skipped")
    assert err == "ebmcore: error: no energy was checked (every one was skipped)\n"
    assert main(["check", "probe_needs_args", "--json"]) == 1
    assert [e["status"] for e in json.loads(capsys.readouterr().out)] == ["skipped"]
