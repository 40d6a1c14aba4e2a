"""The generated C of the separable energies: printed from their torch formulas, never edited."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from ebmcore_kernels import _generate


def test_the_committed_header_is_what_the_formulas_print() -> None:
    assert _generate.HEADER.read_text() == _generate.render()


def test_check_exits_1_on_a_stale_header(tmp_path: Path) -> None:
    """``--check`` in a fresh process: 0 for the committed header, 1 for an edited copy."""
    stale = tmp_path / "_separable.h"
    stale.write_text(_generate.HEADER.read_text().replace("x * x", "x * x * x", 1))

    def check(header: Path) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "ebmcore_kernels._generate", "--check", "--header", str(header)]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    fresh = check(_generate.HEADER)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    edited = check(stale)
    assert edited.returncode == 1
    assert "is not what the formulas print" in edited.stdout
    assert stale.read_text() != _generate.render()  # --check wrote nothing


def test_every_separable_energy_has_a_generated_kernel() -> None:
    from ebmcore_analytic._separable import SeparableEnergy

    class Elsewhere(SeparableEnergy):  # defined outside the plugin: not printed into its header
        kernel = "elsewhere"

        @staticmethod
        def term(x: torch.Tensor) -> torch.Tensor:
            return x

    kernels = [cls.kernel for cls in _generate.separable_classes()]  # type: ignore[attr-defined]
    assert kernels == ["double_well", "harmonic", "rastrigin", "sphere", "styblinski_tang"]
    header = _generate.HEADER.read_text()
    for name in kernels:  # the one with sines runs flat (see _native_body.h)
        assert f"SEPARABLE_KERNEL({name}, {int(name == 'rastrigin')})" in header


def test_parameters_and_constants_stay_double_until_they_meet_x() -> None:
    """As in torch: a Python number meeting a float32 tensor is rounded once, where it meets it."""

    def term(x: torch.Tensor, a: float) -> torch.Tensor:
        return (2.0 * math.pi * a) * torch.sin(x) - x**2

    text = _generate.c_function(term, "demo")
    assert "const double a = p[0];" in text
    assert "const double t0 = 6.283185307179586 * a;" in text
    assert "const REAL t1 = SIN(x);" in text
    assert "const REAL t2 = (REAL)t0 * t1;" in text
    assert "const REAL t3 = x * x;" in text
    assert "const REAL t4 = t2 - t3;" in text
    assert "return t4;" in text


@pytest.mark.parametrize(
    ("function", "message"),
    [
        (lambda x: torch.tanh(x), "cannot print tanh"),
        (lambda x: x**0.5, "cannot print pow"),
        (lambda x: x.sum(), "cannot print call_method 'sum'"),
        (lambda x: x * math.inf, "neither a value of the formula nor a finite number"),
    ],
)
def test_an_operation_the_printer_does_not_know_is_an_error(function: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _generate.c_function(function, "demo")  # type: ignore[arg-type]
