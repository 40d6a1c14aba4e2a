"""Tests of ebmcore.diagnose and `ebmcore diagnose`: healthy energies pass, each defect is caught."""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping

import pytest
import torch

import ebmcore
from ebmcore import BaseModel, DiagnosticReport, DiagnosticWarning
from ebmcore._cli import main
from ebmcore.plot import gallery_model

CONTRACT_KINDS = {"gradient_mismatch", "dtype_drift", "shape", "input_modified"}


@pytest.mark.parametrize("name", ebmcore.list_energies())
def test_registered_energies_keep_the_contract(name: str, ill_conditioned: Mapping[str, float]) -> None:
    try:
        model = gallery_model(name)
    except (ebmcore.EbmcoreError, TypeError, ValueError) as exc:
        pytest.skip(f"{name} cannot be created without arguments: {exc}")
    report = ebmcore.diagnose(model, n=128, warn=False)
    assert not CONTRACT_KINDS & set(report.kinds()), str(report)
    if report.backend != "autograd":
        assert report.max_gradient_error < ill_conditioned.get(name, 1e-10)
    assert report.points >= 128
    if report.ok:
        assert report.energy_min <= report.energy_max


def test_healthy_model_reports_numbers() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = ebmcore.diagnose(ebmcore.create("gaussian", dim=2), n=64)
    assert isinstance(report, DiagnosticReport) and report.ok and report.issues == []
    assert report.name == "analytic/gaussian" and report.backend == "analytic"
    assert report.points == 65  # 64 random points and the minimizer
    assert report.energy_min == 0.0  # at the minimizer
    assert 0.0 < report.energy_max <= 25.0  # E <= |x|^2/2 on [-5, 5]^2
    assert "no problems found" in str(report)


class _Log(BaseModel):
    """log |x|^2: -inf at 0, NaN nowhere; its analytic gradient is wrong by a factor 2."""

    def __init__(self) -> None:
        super().__init__(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x * x).sum(-1).log()

    def analytic_gradient(self, x: torch.Tensor) -> torch.Tensor:
        return x / (x * x).sum(-1, keepdim=True)  # should be 2x / |x|^2


def test_nonfinite_and_gradient_mismatch_are_found_with_inputs() -> None:
    x = torch.tensor([[0.0, 0.0], [1.0, 2.0], [3.0, -1.0]], dtype=torch.float64)
    with pytest.warns(DiagnosticWarning) as caught:
        report = ebmcore.diagnose(_Log(), x)
    kinds = report.kinds()
    assert kinds[:2] == ["nonfinite_energy", "nonfinite_gradient"]
    assert "gradient_mismatch" in kinds
    bad = report.issues[0]
    assert bad.message == "energy is NaN or Inf at 1 of 3 finite inputs"
    assert torch.equal(bad.inputs, torch.zeros(1, 2, dtype=torch.float64))
    mismatch = report.issues[kinds.index("gradient_mismatch")]
    assert torch.equal(mismatch.inputs, x[1:])
    # error |g/2 - g| relative to max(1, max|g|), g = 2x/|x|^2: at (1, 2) g = (0.4, 0.8), so 0.4
    assert report.max_gradient_error == pytest.approx(0.4)
    assert len(caught) == len(kinds)
    assert all(issubclass(w.category, UserWarning) for w in caught)
    assert (
        str(caught[0].message)
        == "_Log: [nonfinite_energy] energy is NaN or Inf at 1 of 3 finite inputs\n    at x = [0, 0]"
    )
    assert caught[0].message.issue is bad  # type: ignore[union-attr]


def test_nan_inputs_are_not_blamed() -> None:
    x = torch.tensor([[float("nan"), 0.0], [1.0, 1.0]])
    report = ebmcore.diagnose(ebmcore.create("gaussian", dim=2), x, warn=False)
    assert report.ok, str(report)


class _Steep(BaseModel):
    def __init__(self) -> None:
        super().__init__(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 1e9 * (x * x).sum(-1) ** 2

    @property
    def bounds(self) -> torch.Tensor:
        return torch.tensor([[-10.0, -10.0], [10.0, 10.0]], dtype=torch.float64)


def test_large_scores_and_ranges() -> None:
    report = ebmcore.diagnose(_Steep(), n=200, warn=False)
    assert report.kinds() == ["large_score", "energy_range"]
    assert report.max_score_norm > 1e8 and report.energy_max > 1e12
    steepest = report.issues[1].inputs
    assert steepest.shape == (1, 2)
    assert float(_Steep().energy(steepest)) == pytest.approx(report.energy_max)
    relaxed = ebmcore.diagnose(_Steep(), n=200, warn=False, max_score_norm=1e20, max_energy_range=1e20)
    assert relaxed.ok


class _Drifting(BaseModel):
    """Computes in float32 whatever it is given, and scribbles on its input."""

    def __init__(self) -> None:
        super().__init__(3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x.float() ** 2).sum(-1)

    def analytic_energy_and_gradient(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x.mul_(1.0 + 1e-3)  # the bug: in place
        return (x * x).sum(-1), 2 * x


def test_dtype_drift_and_in_place_modification() -> None:
    x = torch.randn(4, 5, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    original = x.clone()
    report = ebmcore.diagnose(_Drifting(), x, warn=False)
    assert "input_modified" in report.kinds()
    assert "dtype_drift" in report.kinds()
    drift = report.issues[report.kinds().index("dtype_drift")]
    assert "torch.float64 in gives energy torch.float32 (forward)" in drift.message
    assert not torch.equal(x, original)  # the model really did modify it


def test_bad_arguments() -> None:
    with pytest.raises(ebmcore.InvalidParameterError, match="'n'"):
        ebmcore.diagnose("gaussian", n=0)
    with pytest.raises(ebmcore.InvalidInputError, match="expects x of shape"):
        ebmcore.diagnose("gaussian", torch.zeros(4, 3))


def test_cli_diagnose(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagnose", "rosenbrock", "--param", "dim=3", "--n", "64"]) == 0
    out = capsys.readouterr().out
    model = ebmcore.create("rosenbrock", dim=3)
    path = ebmcore.resolve_backend(model, torch.zeros(65, 3))  # the C kernel where it is built
    assert out.startswith(f"diagnosis of analytic/rosenbrock on 65 points (gradient path: {path})")
    assert main(["diagnose", "gaussian", "--n", "16", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is True and payload["points"] == 17 and payload["issues"] == []
    assert main(["diagnose", "gaussain"]) == 1
    assert "Did you mean 'gaussian'" in capsys.readouterr().err


def test_cli_diagnose_exit_status_on_problems(capsys: pytest.CaptureFixture[str]) -> None:
    ebmcore.register_energy("steep_test_energy")(_Steep)
    try:
        assert main(["diagnose", "steep_test_energy", "--n", "32"]) == 1
        assert "problem [large_score]" in capsys.readouterr().out
    finally:
        ebmcore.unregister_energy("steep_test_energy")
