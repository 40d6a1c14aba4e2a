"""The generated C of the kernels: printed from the energies' torch formulas, never edited."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from ebmcore_analytic._fast import integer_power, rowsum
from ebmcore_kernels import _generate


def test_the_committed_header_is_what_the_formulas_print() -> None:
    assert _generate.HEADER.read_text() == _generate.render()


def test_check_exits_1_on_a_stale_header(tmp_path: Path) -> None:
    """``--check`` in a fresh process: 0 for the committed header, 1 for an edited copy."""
    stale = tmp_path / "_generated.h"
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
        (lambda x: x * math.nan, "neither a value of the formula nor a number other than NaN"),
    ],
)
def test_an_operation_the_printer_does_not_know_is_an_error(function: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _generate.c_function(function, "demo")  # type: ignore[arg-type]


def test_infinities_print_as_math_h_infinity() -> None:
    assert "const REAL t0 = x * (REAL)-INFINITY;" in _generate.c_function(lambda x: x * -math.inf, "demo")

    def flagged(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.where(x > 1.0, math.inf, 0.0).sum(-1), x

    text, _ = _generate.row_kernel(flagged, "demo", 0)
    assert "(REAL)INFINITY" in text and "inf" not in text.replace("INFINITY", "")


def test_every_formula_energy_has_a_generated_kernel_and_a_place_in_the_table() -> None:
    from ebmcore_analytic._formula import FormulaEnergy

    class Elsewhere(FormulaEnergy):  # defined outside the plugin: not printed into its header
        kernel = "elsewhere"

        @staticmethod
        def formula(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            return x.sum(-1), x

    kernels = [cls.kernel for cls in _generate.formula_classes()]  # type: ignore[attr-defined]
    analytic = ["ackley", "dixon_price", "griewank", "levy", "michalewicz", "rosenbrock", "zakharov"]
    bbob = [
        "bbob_attractive_sector",
        "bbob_bent_cigar",
        "bbob_bueche_rastrigin",
        "bbob_different_powers",
        "bbob_ellipsoid",
        "bbob_ellipsoid_separable",
        "bbob_griewank_rosenbrock",
        "bbob_katsuura",
        "bbob_lunacek_lattice",
        "bbob_oscillated_quadratic",
        "bbob_rastrigin",
        "bbob_rastrigin_separable",
        "bbob_rosenbrock",
        "bbob_rosenbrock_rotated",
        "bbob_schaffers",
        "bbob_schwefel",
        "bbob_sharp_ridge",
        "bbob_weierstrass",
    ]
    assert kernels == analytic + bbob
    header = _generate.HEADER.read_text()
    table = header[header.index("#define KERNEL_LIST(X)") :]
    separable = [cls.kernel for cls in _generate.separable_classes()]  # type: ignore[attr-defined]
    printed = [kernel for kernel, *_ in _generate.formulas()]
    inner = ["bbob_asymmetry", "bbob_oscillated_asymmetry", "bbob_oscillation", "bbob_step_rounding"]
    terms = ["bbob_lunacek_funnels", "bbob_penalty"]  # BBOB's x terms
    assert printed == [*kernels, *inner, *terms]
    for name in [*separable, *printed]:
        assert f"BLOCK_KERNEL({name})" in header or f"SEPARABLE_KERNEL({name}," in header
        assert f"X({name}, " in table
    assert "elsewhere" not in header


def test_a_kernel_name_stands_for_one_formula() -> None:
    """Two classes may share a kernel only with the same formula (f12 and f17 share their inner
    map); different formulas under one name are refused, not one of them silently printed."""
    import gc

    from ebmcore_bbob._formula import FormulaFunction

    def formula_a(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return (z * z).sum(-1), 2.0 * z

    def formula_b(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return z.sum(-1), z

    classes = [
        type(
            name,
            (FormulaFunction,),
            {"kernel": "shared", "formula": staticmethod(f), "__module__": "ebmcore_bbob.x"},
        )
        for name, f in (("A", formula_a), ("B", formula_b))
    ]
    try:
        with pytest.raises(ValueError, match="name the kernel 'shared' with different formulas"):
            _generate.formula_classes()
    finally:
        del classes
        gc.collect()  # subclasses are weak references: gone, the other tests see the plugin's own
    assert "shared" not in [cls.kernel for cls in _generate.formula_classes()]  # type: ignore[attr-defined]


def _demo(x: torch.Tensor, w: torch.Tensor, a: float) -> tuple[torch.Tensor, torch.Tensor]:
    """E = a sum(w x), grad = 2 a x + (sum w x) w: a row sum, a row value broadcast back."""
    s = rowsum(x * w)
    return a * s, (2.0 * a) * x + s.unsqueeze(-1) * w


def test_a_row_formula_prints_as_loops_split_where_a_row_value_is_needed() -> None:
    text, counts = _generate.row_kernel(_demo, "demo", 1)
    expected = {"parameters": 1, "vectors": 1, "arrays": 1, "row_arrays": 1, "row_index": 1, "values": 0}
    assert counts == expected
    assert "const double p_a = p[0];" in text
    assert "const double c0 = 2.0 * p_a;" in text  # the parameters' work in double, once per call
    assert "const REAL t0 = x[k] * v0[k];" in text
    # long rows sum in the loop that reads them; short rows through a scratch array
    assert "#pragma omp simd reduction(+ : u0)" in text
    assert "if (d < SHORT_ROW)\n        FN(row_sums)(a0, rows, d, q0);" in text
    assert "e[r] = t1;" in text
    # the gradient reads the row sum: row by row, and only where the gradient is wanted
    gradient = text[text.index("if (gradient) {") :]
    assert "for (ptrdiff_t j = 0; j < d; ++j)" in gradient
    assert "const REAL t2 = (REAL)c0 * x[k];" in gradient  # computed where it is read
    assert "g[k] = t4;" in gradient


def test_work_that_only_the_gradient_needs_runs_only_with_it() -> None:
    def formula(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return rowsum(torch.cos(x)), -torch.sin(x)

    text, _ = _generate.row_kernel(formula, "demo", 0)
    assert "const REAL t0 = COS(x[k]);" in text
    assert "const REAL t1 = gradient ? SIN(x[k]) : 0;" in text  # 0 in the energy-only copy
    assert "if (gradient) g[k] = t2;" in text


def test_a_formula_that_maps_x_writes_its_value_in_both_copies() -> None:
    """(energy, value, grad): the value is written whether or not the gradient is wanted; the
    derivative only with it."""

    def double_and_count(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return torch.where(x > 1.0, 1.0, 0.0).sum(-1), torch.exp(x), torch.exp(x)

    text, counts = _generate.row_kernel(double_and_count, "demo", 0)
    assert counts["values"] == 1
    assert "o[k] = t" in text and "if (gradient) o[k]" not in text and "if (gradient) g[k]" in text
    assert _generate.row_kernel(_demo, "demo", 1)[1]["values"] == 0


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        (lambda x: (x.sum(-1), torch.tanh(x)), "cannot print call_function 'tanh'"),
        (lambda x: (x.sum(0), x), "cannot print call_method 'sum'"),
        (lambda x: (x.sum(-1), torch.roll(x, 2, -1)), "cannot print call_function 'roll'"),
        (lambda x: (x.sum(-1), integer_power(x, 3)), "cannot print call_function 'integer_power'"),
        (lambda x: (x.sum(-1).sum(-1), x), "a row sum of a row value"),
        (lambda x: (x, x), "must return a row value \\(the energy\\), an element value"),
        (lambda x: (x.sum(-1), x.sum(-1), x), "must return a row value \\(the energy\\), an element value"),
        (lambda x: x.sum(-1), "must return \\(energy, grad\\)"),
        (lambda x: (x.sum(-1), x * math.nan), "neither a value of the formula nor a number other than NaN"),
        (lambda x: (x.sum(-1), x * x.sum(-1)), "broadcasts a row value over a row without unsqueeze"),
        (lambda x: (x.sum(-1), x.unsqueeze(-1)), "cannot print call_method 'unsqueeze'"),
    ],
)
def test_a_row_formula_the_printer_cannot_print_is_an_error(formula: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _generate.row_kernel(formula, "demo", 0)  # type: ignore[arg-type]
