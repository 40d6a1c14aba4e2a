"""``ebmcore evaluate``: the shell face of :func:`ebmcore.evaluate`, on files a user would save."""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import ebmcore
from ebmcore._cli import main


def _run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    old, sys.stdout = sys.stdout, out
    try:
        code = main(list(args))
    finally:
        sys.stdout = old
    return code, out.getvalue()


@pytest.fixture
def chains(tmp_path: Path) -> Path:
    model = ebmcore.create("many_well", dim=4)
    path = tmp_path / "chains.pt"
    torch.save(model.sample(1200, generator=torch.Generator().manual_seed(0)).reshape(3, 400, 4), path)
    return path


def test_a_pt_file_of_chains_gives_the_same_report_as_the_function(chains: Path) -> None:
    code, text = _run("evaluate", "many_well", str(chains), "--param", "dim=4", "--chains", "--json")
    assert code == 0
    model = ebmcore.create("many_well", dim=4)
    expected = ebmcore.evaluate(
        model, torch.load(chains, weights_only=True), generator=torch.Generator().manual_seed(0)
    )
    assert json.loads(text) == json.loads(expected.to_json())
    assert json.loads(text)["mcmc"]["converged"] is True


def test_an_npy_file_and_the_readable_table(tmp_path: Path) -> None:
    model = ebmcore.create("gaussian", dim=3)
    path = tmp_path / "samples.npy"
    np.save(path, model.sample(500, generator=torch.Generator().manual_seed(1)).numpy())
    picture = tmp_path / "report.png"
    code, text = _run("evaluate", "gaussian", str(path), "--param", "dim=3", "--plot", str(picture))
    assert code == 0
    assert text.startswith("evaluation of 500 samples of ") and "sliced_wasserstein" in text
    assert picture.stat().st_size > 1000


def test_json_output_is_strict_with_nan_written_as_null(tmp_path: Path) -> None:
    """A constant coordinate has no R-hat (NaN): strict JSON has no NaN, so it is null."""
    draws = torch.randn(2, 50, 2, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    draws[..., 1] = 0.5
    path = tmp_path / "constant.pt"
    torch.save(draws, path)
    code, text = _run("evaluate", "gaussian", str(path), "--param", "dim=2", "--metrics", "mcmc", "--json")
    assert code == 0
    data = json.loads(text, parse_constant=lambda name: pytest.fail(f"non-strict JSON constant {name}"))
    assert data["mcmc"]["rhat"][1] is None and math.isfinite(data["mcmc"]["rhat"][0])


def test_a_pickle_holding_code_is_refused_and_nothing_runs(tmp_path: Path) -> None:
    """``.pt`` files load with weights_only=True: a pickle that would run code is an error."""
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pt"

    class Evil:
        def __reduce__(self) -> tuple:
            return (Path.touch, (marker,))

    torch.save({"samples": Evil()}, path)
    done = subprocess.run(
        [sys.executable, "-m", "ebmcore", "evaluate", "gaussian", str(path), "--param", "dim=2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and "must be a file holding one tensor or array" in done.stderr
    assert not marker.exists()


@pytest.mark.parametrize(
    ("make", "arguments", "message"),
    [
        (
            lambda p: torch.save({"x": torch.zeros(3)}, p / "d.pt"),
            ["d.pt"],
            "a file holding one tensor, not a dict",
        ),
        (lambda p: (p / "s.csv").write_text("1,2"), ["s.csv"], "must be a .pt or .npy file"),
        (lambda p: None, ["missing.npy"], "must be a file it can read"),
        (
            lambda p: np.save(p / "s.npy", np.zeros((10, 2))),
            ["s.npy", "--metrics", "speed"],
            "'--metrics' must be a comma-separated list of moments",
        ),
        (
            lambda p: np.save(p / "s.npy", np.zeros((10, 3))),
            ["s.npy"],
            r"samples must have shape \(n, 2\) or \(chains, n, 2\), got \(10, 3\)",
        ),
    ],
)
def test_bad_files_and_options_are_clear_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: object, arguments: list[str], message: str
) -> None:
    make(tmp_path)  # type: ignore[operator]
    first, *rest = arguments
    assert main(["evaluate", "gaussian", str(tmp_path / first), "--param", "dim=2", *rest]) == 1
    import re

    assert re.search(message, capsys.readouterr().err)
