"""The certified reference draws of the particle systems: what is stored, that it is certified,
and an identity every exact sample satisfies (the virial theorem), checked independently."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from ebmcore_targets._particles import REFERENCES

import ebmcore
from ebmcore import _mcmc

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "make_particle_reference.py"
NAMES = sorted(REFERENCES)


@pytest.mark.parametrize("name", NAMES)
def test_reference_is_certified(name: str) -> None:
    model = ebmcore.create(name)
    draws = model.reference_samples()
    assert draws is not None and draws.shape == (10_000, model.dim) and draws.dtype == torch.float64
    info = model.reference_info
    assert info is not None and info["certified"] and not info["failed_checks"] and not info["quick"]
    assert info["parameters"] == model.spec
    diagnostics = info["diagnostics"]
    assert len(diagnostics["rhat"]) == len(info["statistics"]) == 7
    assert max(diagnostics["rhat"]) < 1.01 and min(diagnostics["ess_bulk"]) >= 400
    assert min(diagnostics["ess_tail"]) >= 400
    assert info["run"]["divergences"] == 0 and info["run"]["chains"] >= 8
    assert max(info["halves_w1_over_sd"].values()) < 0.05
    # on the subspace of zero centre of mass (float32 storage), every energy finite
    assert model.particles(draws).mean(-2).abs().max() < 1e-5
    assert torch.isfinite(model.energy(draws)).all()
    assert model.reference_errors is None  # coordinates' moments mean nothing here


@pytest.mark.parametrize("name", NAMES)
def test_reference_satisfies_the_virial_theorem(name: str) -> None:
    r"""For :math:`p \propto e^{-E}` on the :math:`k = (n - 1) d`-dimensional subspace of zero
    centre of mass, integration by parts gives :math:`E_p[x \cdot \nabla E(x)] = k`. The
    reference must meet it within 4 Monte-Carlo standard errors (the chains' ESS)."""
    model = ebmcore.create(name)
    draws = model.reference_samples()
    _, gradient = model.energy_and_gradient(draws)
    virial = (draws * gradient).sum(-1).numpy()
    chains = virial.reshape(model.reference_info["run"]["chains"], -1)
    k = (model.n_particles - 1) * model.spatial_dim
    z = (chains.mean() - k) / float(_mcmc.mcse_mean(chains))
    assert abs(z) < 4.0, (chains.mean(), k, z)


def test_virial_check_can_fail() -> None:
    """Draws at the wrong temperature miss the identity by far: the check above has power."""
    model = ebmcore.create(NAMES[0])
    hot = ebmcore.create(NAMES[0], **{**model.config, "temperature": 1.5})
    draws = hot.reference_samples()
    assert draws is None  # no reference at another temperature ...
    draws = model.reference_samples()
    cooled = draws * 0.9  # ... and squeezed draws break it
    _, gradient = model.energy_and_gradient(cooled)
    chains = (cooled * gradient).sum(-1).numpy().reshape(16, -1)
    k = (model.n_particles - 1) * model.spatial_dim
    assert abs((chains.mean() - k) / float(_mcmc.mcse_mean(chains))) > 10


def test_other_parameters_have_no_reference() -> None:
    for model in (
        ebmcore.create("dw4", pair_counting="ordered"),
        ebmcore.create("lj13", n_particles=12),
        ebmcore.create("lj13", temperature=2.0),
    ):
        assert model.reference_samples() is None and model.reference_info is None


def test_info_says_how_the_reference_was_made() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ebmcore", "info", NAMES[0]], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    line = next(line for line in out.stdout.splitlines() if "reference draws:" in line)
    assert "10,000 draws of 16 HMC chains" in line and "max split R-hat" in line and "certified" in line


def test_evaluate_compares_with_the_reference() -> None:
    model = ebmcore.create("lj13")
    draws = model.reference_samples()
    report = ebmcore.evaluate(model, draws[:2000], metrics=["distances"])
    assert "reference samples" in report.reference
    assert "interatomic_w1" in report.distances


def test_make_particle_reference_quick(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--only", "dw4", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    with np.load(tmp_path / "dw4.npz", allow_pickle=False) as npz:
        assert npz["draws"].shape == (1000, 8) and npz["draws"].dtype == np.float32
        assert set(npz.files) == {"draws", "meta"}
    assert "gyration_radius" in result.stdout
