"""The reference-draw machinery (``ebmcore._reference``): HMC against exact moments, the
certification checks, storing and reading a reference, the model mixin."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

import ebmcore
from ebmcore import _reference as ref
from ebmcore.plugin import CertifiedReference

SCALES = torch.tensor([0.1, 1.0, 10.0], dtype=torch.float64)


def gaussian(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """N(0, diag(SCALES^2)): energy and gradient."""
    z = x / SCALES
    return 0.5 * (z * z).sum(-1), z / SCALES


def test_hmc_draws_match_a_gaussians_moments_and_are_certified() -> None:
    settings = ref.HMCSettings(chains=8, warmup=400, draws=1000, seed=3)
    init = 4.0 * torch.rand(8, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64) - 2.0
    run = ref.hmc(gaussian, init, settings)
    assert run["draws"].shape == (8, 1000, 3)
    kept, step = ref.thin(run["draws"].numpy(), 4000)
    assert kept.shape == (8, 500, 3) and step == 2
    stats = ref.summarize(kept)
    assert ref.certify(stats, sum(run["divergences"])) == []
    # the mean within 4 MC errors of 0, the sd within 4 of the scale; the mass matrix learned them
    assert np.all(np.abs(stats["mean"]) < 4 * stats["mean_se"])
    assert np.all(np.abs(stats["sd"] - SCALES.numpy()) < 4 * stats["sd_se"])
    inv_mass = np.asarray(run["inv_mass"]).mean(0)
    np.testing.assert_allclose(inv_mass, SCALES.numpy() ** 2, rtol=0.3)


def test_scalar_mass_and_projection_keep_a_subspace() -> None:
    """Momenta without a centre of mass and one mass for all: the centre of mass never moves."""

    def project(p: torch.Tensor) -> torch.Tensor:
        return p - p.mean(-1, keepdim=True)

    def bowl(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        centred = x - x.mean(-1, keepdim=True)
        return 0.5 * (centred * centred).sum(-1), centred

    settings = ref.HMCSettings(chains=4, warmup=200, draws=100, mass="scalar", seed=1)
    init = project(torch.randn(4, 5, generator=torch.Generator().manual_seed(2), dtype=torch.float64))
    run = ref.hmc(bowl, init, settings, project=project)
    assert run["draws"].mean(-1).abs().max() < 1e-12
    inv_mass = torch.tensor(run["inv_mass"])
    assert torch.equal(inv_mass, inv_mass[:, :1].expand_as(inv_mass))


def test_certification_fails_stuck_chains_and_divergences() -> None:
    gen = np.random.default_rng(0)
    mixed = gen.normal(size=(4, 500, 2))
    assert ref.certify(ref.summarize(mixed), 0) == []
    stuck = mixed + np.arange(4)[:, None, None]  # each chain in its own place
    failed = ref.certify(ref.summarize(stuck), 3)
    assert any("R-hat" in f for f in failed) and "3 divergent transitions" in failed
    few = mixed[:, :60]  # too few draws for ESS >= 400
    assert any("ess_bulk" in f for f in ref.certify(ref.summarize(few), 0))


def test_an_infinite_start_and_bad_settings_are_refused() -> None:
    with pytest.raises(ebmcore.InvalidInputError, match="finite energy"):
        ref.hmc(gaussian, torch.full((2, 3), math.inf, dtype=torch.float64), ref.HMCSettings(chains=2))
    with pytest.raises(ebmcore.InvalidInputError, match=r"init must have shape \(3, dim\)"):
        ref.hmc(gaussian, torch.zeros(2, 3, dtype=torch.float64), ref.HMCSettings(chains=3))
    with pytest.raises(ebmcore.InvalidParameterError, match="mass"):
        ref.HMCSettings(mass="dense")
    with pytest.raises(ebmcore.InvalidParameterError, match="keep"):
        ref.thin(np.zeros((4, 10, 2)), 100)


def _meta(certified: bool = True) -> dict[str, object]:
    return {
        "run": {"kept": 2000, "chains": 4, "draws_per_chain": 500, "thin": 1, "divergences": 0},
        "diagnostics": {"rhat": [1.001, 1.004], "ess_bulk": [1500.0, 1200.0], "ess_tail": [900.0, 1100.0]},
        "certified": certified,
        "failed_checks": [] if certified else ["min ess_tail 300 < 400"],
    }


def test_a_stored_reference_reads_back(tmp_path: Path) -> None:
    draws = np.random.default_rng(1).normal(size=(2000, 2))
    stats = ref.summarize(draws.reshape(4, 500, 2))
    ref.save_reference(tmp_path / "x.npz", draws, _meta(), stats, dtype=np.float32)
    with np.load(tmp_path / "x.npz", allow_pickle=False) as npz:
        stored = ref.ReferenceDraws({key: npz[key] for key in npz.files})
    assert stored.draws.dtype == np.float32 and not stored.draws.flags.writeable
    torch.testing.assert_close(stored.tensor(), torch.tensor(draws.astype(np.float32), dtype=torch.float64))
    np.testing.assert_array_equal(stored.moments["mean_se"], stats["mean_se"])
    assert stored.meta == json.loads(json.dumps(_meta()))
    line = ref.describe(stored.meta)
    assert line.startswith("2,000 draws of 4 HMC chains") and "max split R-hat 1.0040" in line
    assert "min ESS bulk 1200 / tail 900 over 2 statistics" in line and line.endswith("certified")
    assert ref.describe(_meta(False)).endswith("NOT certified: min ess_tail 300 < 400")


class _NoReference(CertifiedReference, ebmcore.BaseModel):
    reference_package = "ebmcore_posteriors"

    def __init__(self) -> None:
        super().__init__(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.square().sum(-1)


def test_the_mixin_without_a_reference_says_none() -> None:
    model = _NoReference()
    assert model.reference_samples() is None
    assert model.reference_info is None and model.reference_errors is None
    # and evaluate, finding no reference, says so instead of failing
    report = ebmcore.evaluate(model, torch.randn(100, 2), metrics="auto")
    assert "distances" in report.skipped


def test_the_mixin_reads_a_plugins_reference() -> None:
    model = ebmcore.create("eight_schools")
    draws = model.reference_samples()
    assert draws is not None and draws.shape == (10_000, 10)
    assert model.reference_samples() is not draws  # a fresh copy each time
    info = model.reference_info
    assert info is not None and info["summary"] == ref.describe(info)
