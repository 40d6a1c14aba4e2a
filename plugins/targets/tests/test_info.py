"""`ebmcore info` shows each target's ground truth and the paper it comes from."""

from __future__ import annotations

import pytest

import ebmcore
from ebmcore._cli import main

TARGETS = ebmcore.list_energies(plugin="targets")
WITH_SAMPLER = {
    "funnel",
    "banana",
    "many_well",
    "gmm",
    "gmm_grid",
    "gmm40",
    "rings",
    "student_t_mixture",
    "multi_well",
    "hybrid_rosenbrock",
    "grbm",
    "free_field",
}


def test_the_plugin_registers_every_target_of_the_issue() -> None:
    assert set(TARGETS) == {
        "funnel",
        "banana",
        "many_well",
        "gmm",
        "gmm_grid",
        "gmm40",
        "rings",
        "dw4",
        "lj13",
        "lj55",
        "student_t_mixture",
        "multi_well",
        "hybrid_rosenbrock",
        "grbm",
        "free_field",
        "phi4",
    }


@pytest.mark.parametrize("name", TARGETS)
def test_info_names_the_source_and_the_ground_truth(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    meta = ebmcore.info(name)
    assert meta.references, f"{name} has no References section"
    assert main(["info", name]) == 0
    out = capsys.readouterr().out
    assert f"source: {meta.references[0][:40]}" in out
    assert "bounds:" in out
    if name in WITH_SAMPLER:
        assert {"log_partition", "sample"} <= set(meta.ground_truth)
        assert "log partition: " in out and "exact sampler: yes" in out
    else:
        assert "exact sampler: no" in out


@pytest.mark.parametrize("name", ["many_well", "gmm_grid", "gmm40"])
def test_multimodal_targets_list_their_modes(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    model = ebmcore.create(name)
    modes = model.modes
    assert modes is not None and modes.count >= 9
    assert main(["info", name]) == 0
    assert f"modes: {modes.count}" in capsys.readouterr().out
