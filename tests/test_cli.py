"""The ``ebmcore`` command line, run as a user runs it (subprocesses)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ebmcore._cli import build_parser, main


def run(*args: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", code] if code else [sys.executable, "-m", "ebmcore", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_list_shows_the_catalog_with_summaries():
    result = run("list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["name", "plugin", "summary"]
    rows = {line.split()[0]: line for line in lines[2:] if line.strip()}
    assert "rosenbrock" in rows and "analytic" in rows["rosenbrock"]


@pytest.mark.parametrize(
    "code",
    [
        "import sys, ebmcore._cli as c; c.main(['list']); c.main(['plugins'])",
        "import sys, ebmcore; ebmcore.list_energies(); ebmcore.plugins()",
    ],
)
def test_listing_imports_neither_torch_nor_any_energy_module(code):
    probe = code + (
        "\nheavy = sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.')"
        " or (m.startswith('ebmcore_') and not m.endswith('_hooks') and '.' in m))"
        "\nprint('HEAVY=' + ','.join(heavy))"
    )
    result = run(code=probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "HEAVY="


def test_list_json_pattern_tag_and_plugin():
    result = run("list", "*well*", "--json", "--plugin", "analytic")
    [entry] = json.loads(result.stdout)
    assert entry["name"] == "double_well" and entry["plugin"] == "analytic" and "analytic" in entry["tags"]
    wells = {e["name"] for e in json.loads(run("list", "*well*", "--json").stdout)}
    assert {"double_well", "many_well"} <= wells
    tagged = json.loads(run("list", "--tag", "exact_sampler", "--plugin", "analytic", "--json").stdout)
    assert {"gaussian", "double_well"} <= {e["name"] for e in tagged}
    assert "ackley" not in {e["name"] for e in tagged}  # exp(-E) has no finite mass


def test_info_shows_parameters_and_evaluated_ground_truth():
    result = run("info", "double_well")
    assert result.returncode == 0, result.stderr
    assert "plugin: analytic [ebmcore-analytic" in result.stdout
    assert "barrier_height" in result.stdout and "a finite real number > 0" in result.stdout
    assert "minimum value: 0.0" in result.stdout and "exact sampler: yes" in result.stdout
    payload = json.loads(run("info", "gaussian", "--json").stdout)
    assert payload["qualified_name"] == "analytic/gaussian"
    assert [p["name"] for p in payload["parameters"]] == ["dim", "mean", "cov"]
    declared = ["bounds", "minima", "log_partition", "sample", "mean", "stddev", "modes"]
    assert payload["ground_truth"] == declared
    assert payload["references"] == [
        "Bishop, *Pattern Recognition and Machine Learning*, Springer 2006, section 2.3."
    ]


def test_info_shows_the_source_and_the_moments():
    result = run("info", "gaussian")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "source: Bishop, *Pattern Recognition and Machine Learning*, Springer 2006, section 2.3." in lines
    assert "  mean: [0, 0]" in lines and "  stddev: [1, 1]" in lines
    assert "  modes: 1; masses [1]" in lines


def test_info_says_which_declared_ground_truth_the_default_instance_lacks():
    # rings declares minima (isolated minimizers exist only in 1-D) but its default 2-D instance,
    # whose minimizers form a circle, has none: it gives the minimum value alone; dw4's minimizers
    # form a continuum too (rotations, translations, permutations)
    rings = run("info", "rings")
    assert rings.returncode == 0, rings.stderr
    assert "ground truth declared: bounds, minima, log_partition, sample, mean, stddev" in rings.stdout
    assert "  not known for the default parameters: minima" in rings.stdout.splitlines()
    assert "  minimum value: -0.6936470556015963 (a continuum of minimizers)" in rings.stdout.splitlines()
    dw4 = run("info", "dw4")
    assert "minimum value: -25.7922017" in dw4.stdout and "(a continuum of minimizers)" in dw4.stdout


def test_unknown_name_fails_with_a_suggestion():
    result = run("info", "rosenbruck")
    assert result.returncode == 1
    assert "ebmcore: error: no energy named 'rosenbruck'. Did you mean 'rosenbrock'" in result.stderr


def test_plugins_lists_the_loaded_plugin():
    result = run("plugins")
    assert result.returncode == 0
    assert any(
        line.split()[:4] == ["analytic", "ebmcore-analytic", "0.1.0", "loaded"]
        for line in result.stdout.splitlines()
    )


# -- errors in process: a broken energy, options out of range --------------------------------------


def test_cli_reports_a_raising_constructor_and_carries_on(
    unbuildable_energies: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["info", "probe_boom"]) == 1
    out, err = capsys.readouterr()
    assert "plugin: local [in-process]" in out
    assert out.endswith(
        "  (failed: its default instance failed: plugin 'local': creating energy 'probe_boom' raised "
        "RuntimeError('boom'))\n"
    )
    assert err == (
        "ebmcore: error: energy 'local/probe_boom' is broken: its default instance failed: plugin "
        "'local': creating energy 'probe_boom' raised RuntimeError('boom')\n"
    )
    assert main(["check", "probe_boom", "gaussian", "--check", "check_output_shape"]) == 1
    out = capsys.readouterr().out
    assert "  probe_boom: PluginError: plugin 'local': creating energy 'probe_boom' raised" in out
    assert "1 of 2 energies passed, 1 failed" in out
    assert main(["diagnose", "probe_boom"]) == 1
    assert capsys.readouterr().err == (
        "ebmcore: error: plugin 'local': creating energy 'probe_boom' raised RuntimeError('boom')\n"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["plot", "gaussian", "--dpi", "0"], "argument --dpi: must be an integer in [10, 1200], got '0'"),
        (
            ["plot", "gaussian", "--dpi", "100000"],
            "argument --dpi: must be an integer in [10, 1200], got '100000'",
        ),
        (
            ["plot", "gaussian", "--resolution", "40000"],
            "argument --resolution: must be an integer in [2, 2000], got '40000'",
        ),
        (
            ["plot", "gaussian", "--samples", "-3"],
            "argument --samples: must be an integer in [0, 100000], got '-3'",
        ),
        (
            ["diagnose", "gaussian", "--n", "100000000"],
            "argument --n: must be an integer in [1, 1000000], got '100000000'",
        ),
        (["check", "gaussian", "--dim", "0"], "argument --dim: must be an integer >= 1, got '0'"),
    ],
)
def test_out_of_range_options_are_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args(argv)
    assert caught.value.code == 2
    assert capsys.readouterr().err.rstrip().endswith(f"error: {message}")


def test_info_shows_the_ground_truth_of_the_instance_its_params_build(capsys):
    """``ebmcore info NAME --param k=v``: the optimum of that instance, not of the default one."""
    import ebmcore

    assert main(["info", "bbob_f15", "--param", "dim=10", "--param", "instance=2"]) == 0
    text = capsys.readouterr().out
    model = ebmcore.create("bbob_f15", dim=10, instance=2)
    assert f"minimum value: {model.minima.value!r} at " in text and "dim: 10" in text
    assert main(["info", "bbob_f15"]) == 0
    assert f"minimum value: {ebmcore.create('bbob_f15').minima.value!r} at " in capsys.readouterr().out
    assert main(["info", "bbob_f15", "--param", "dim=1"]) == 1
    assert "parameter 'dim' must be an integer >= 2" in capsys.readouterr().err
