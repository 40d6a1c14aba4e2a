"""Eight schools: the energy against scipy.stats, the gradient against autograd, the shipped
references against their certification and against posteriordb's reference posterior."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy import stats

import ebmcore

Y = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
SIGMA = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])
VARIANTS = ("centered", "noncentered")
PRIORS = ("posteriordb", "inference_gym")
SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "make_reference.py"

# posteriordb, reference_posteriors/summary_statistics/{mean_value,mean_squared_value}/
# eight_schools-eight_schools_noncentered.json (10 chains of rstan, 10,000 draws kept):
# E[x] and E[x^2] with their Monte-Carlo standard errors, for theta[1..8], mu, tau
PDB_NAMES = [*(f"theta[{j}]" for j in range(1, 9)), "mu", "tau"]
PDB_MEAN = [
    6.15050229334425,
    4.9395811407422,
    3.90590609001582,
    4.79601675138494,
    3.6144363246799,
    4.0511475789675,
    6.31716975886893,
    4.88399694353288,
    4.41051833695493,
    3.60205952364059,
]
PDB_MEAN_SE = [
    0.0557375282295219,
    0.0462293788624847,
    0.0542313705632124,
    0.0474935816762281,
    0.0461450610244603,
    0.0485195392528031,
    0.0498766794075794,
    0.0542511606560972,
    0.0330374705950917,
    0.0318615135640706,
]
PDB_SQUARE = [
    69.36345,
    45.9787,
    43.13923,
    45.76135,
    34.35767,
    39.4135,
    64.93269,
    52.12845,
    30.40302,
    23.20407,
]
PDB_SQUARE_SE = [
    1.1692102,
    0.6346494,
    0.6539418,
    0.6193689,
    0.4550489,
    0.5390213,
    0.9216132,
    0.9024748,
    0.3351356,
    0.4848872,
]


def scipy_energy(x: np.ndarray, centered: bool, prior: str = "posteriordb") -> float:
    """-log p(mu, log tau, theta|eta, y), written independently with scipy.stats: posteriordb's
    priors on (mu, tau) with the Jacobian tau of log tau, or inference_gym's on (mu, log tau)."""
    mu, s, block = x[0], x[1], x[2:]
    tau = math.exp(s)
    if prior == "posteriordb":
        log_p = stats.norm(0, 5).logpdf(mu) + stats.halfcauchy(0, 5).logpdf(tau) + s
    else:
        log_p = stats.norm(0, 10).logpdf(mu) + stats.norm(5, 1).logpdf(s)
    if centered:
        theta = block
        log_p += stats.norm(mu, tau).logpdf(theta).sum()
    else:
        theta = mu + tau * block
        log_p += stats.norm(0, 1).logpdf(block).sum()
    log_p += stats.norm(theta, SIGMA).logpdf(Y).sum()
    return -log_p


@pytest.mark.parametrize("prior", PRIORS)
@pytest.mark.parametrize("variant", VARIANTS)
def test_energy_matches_scipy(variant: str, prior: str) -> None:
    model = ebmcore.create("eight_schools", variant=variant, prior=prior)
    x = torch.randn(20, 10, dtype=torch.float64, generator=torch.Generator().manual_seed(1)) * 2.0
    x[:, 2:] += 5.0 if variant == "centered" else 0.0
    energies = model.energy(x)
    assert energies.dtype == torch.float64 and energies.shape == (20,)
    expected = [scipy_energy(row, variant == "centered", prior) for row in x.numpy()]
    np.testing.assert_allclose(energies.numpy(), expected, rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("prior", PRIORS)
@pytest.mark.parametrize("variant", VARIANTS)
def test_gradient_matches_autograd(variant: str, prior: str) -> None:
    model = ebmcore.create("eight_schools", variant=variant, prior=prior)
    x = torch.randn(50, 10, dtype=torch.float64, generator=torch.Generator().manual_seed(2)) * 3.0
    energy, gradient = model.energy_and_gradient(x)
    with ebmcore.use_backend("autograd"):
        expected = model.gradient(x)
    torch.testing.assert_close(gradient, expected, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(energy, model(x))


def test_extreme_log_tau_stays_finite() -> None:
    x = torch.zeros(2, 10, dtype=torch.float64)
    x[0, 1], x[1, 1] = 400.0, -30.0
    for variant in VARIANTS:
        for prior in PRIORS:
            model = ebmcore.create("eight_schools", variant=variant, prior=prior)
            energy, gradient = model.energy_and_gradient(x)
            assert torch.isfinite(energy).all() and torch.isfinite(gradient).all(), (variant, prior)


@pytest.mark.parametrize("prior", PRIORS)
@pytest.mark.parametrize("variant", VARIANTS)
def test_reference_is_certified(variant: str, prior: str) -> None:
    model = ebmcore.create("eight_schools", variant=variant, prior=prior)
    draws = model.reference_samples()
    assert draws.shape == (10_000, 10) and draws.dtype == torch.float64
    info = model.reference_info
    assert info["certified"] and not info["failed_checks"] and not info["quick"]
    diag = info["diagnostics"]
    assert max(diag["rhat"]) < 1.01
    assert min(diag["ess_bulk"]) >= 400 and min(diag["ess_tail"]) >= 400
    assert info["run"]["divergences"] == 0 and info["run"]["chains"] >= 8 and info["run"]["kept"] == 10_000
    # the stored moments are those of the stored draws
    torch.testing.assert_close(model.mean, draws.mean(0))
    torch.testing.assert_close(model.stddev, draws.std(0))
    errors = model.reference_errors
    assert (errors["mean"] > 0).all() and (errors["mean"] < 0.05 * model.stddev).all()
    assert (errors["stddev"] > 0).all()


@pytest.mark.parametrize("prior", PRIORS)
def test_centered_reference_is_the_mapped_noncentered_one(prior: str) -> None:
    nc = ebmcore.create("eight_schools", variant="noncentered", prior=prior).reference_samples()
    c = ebmcore.create("eight_schools", variant="centered", prior=prior).reference_samples()
    torch.testing.assert_close(c[:, :2], nc[:, :2])
    torch.testing.assert_close(c[:, 2:], nc[:, :1] + nc[:, 1:2].exp() * nc[:, 2:])


def test_reference_agrees_with_posteriordb() -> None:
    """E[x] and E[x^2] of theta, mu and tau against posteriordb's, within 4 combined standard errors."""
    model = ebmcore.create("eight_schools", variant="noncentered")
    draws = model.reference_samples().reshape(16, -1, 10).numpy()  # (chains, n, dim)
    constrained = model.to_constrained(torch.from_numpy(draws))
    ours = np.concatenate(
        [
            constrained["theta"].numpy(),
            constrained["mu"].numpy()[..., None],
            constrained["tau"].numpy()[..., None],
        ],
        axis=-1,
    )
    from ebmcore import _mcmc

    for values, reference, reference_se in (
        (ours, PDB_MEAN, PDB_MEAN_SE),
        (ours**2, PDB_SQUARE, PDB_SQUARE_SE),
    ):
        estimate = values.reshape(-1, 10).mean(0)
        se = np.hypot(np.asarray(_mcmc.mcse_mean(values)), reference_se)
        z = (estimate - np.asarray(reference)) / se
        assert np.all(np.abs(z) < 4.0), dict(zip(PDB_NAMES, np.round(z, 2), strict=True))


# inference_gym's ground truth of its EightSchools (centered; 20,000 Stan draws):
# spinoffs/inference_gym/inference_gym/targets/ground_truth/eight_schools.py in
# tensorflow/probability, the means (with standard errors) and standard deviations of
# avg_effect (mu), log_stddev (log tau) and school_effects (theta_1..8)
IG_MEAN = [
    5.75975286026516,
    2.45326548536025,
    14.76492662128668,
    7.1559568069514174,
    2.5889680578429823,
    6.556760136283709,
    1.8189620982794488,
    3.3973176011560953,
    12.791827392809507,
    7.94913889128149,
]
IG_MEAN_SE = [
    0.01786934334960865,
    0.0019127444310499044,
    0.024677770813437375,
    0.014741663125129497,
    0.02289079528770855,
    0.015999446293377167,
    0.014481515793592113,
    0.016516334290635457,
    0.01649735808006444,
    0.02296023745612875,
]
IG_SD = [
    5.46540575237222,
    0.5146604914005865,
    10.796464460046044,
    7.813843501513539,
    10.473283439128995,
    8.314419652710829,
    7.45775465347688,
    8.454005086842871,
    8.16339794409753,
    10.913796824041532,
]


def test_reference_agrees_with_inference_gym() -> None:
    """The centered reference under inference_gym's priors against its ground-truth moments:
    means within 4 combined standard errors, standard deviations within 4 of ours (none given)."""
    model = ebmcore.create("eight_schools", variant="centered", prior="inference_gym")
    z_mean = (model.mean.numpy() - IG_MEAN) / np.hypot(model.reference_errors["mean"].numpy(), IG_MEAN_SE)
    z_sd = (model.stddev.numpy() - IG_SD) / model.reference_errors["stddev"].numpy()
    assert np.all(np.abs(z_mean) < 4.0), np.round(z_mean, 2)
    assert np.all(np.abs(z_sd) < 4.0), np.round(z_sd, 2)
    # and the posteriordb target is another posterior: its log tau mean is far from 2.45
    other = ebmcore.create("eight_schools", variant="centered")
    assert abs(float(other.mean[1]) - IG_MEAN[1]) > 100 * float(other.reference_errors["mean"][1])


def test_evaluate_uses_the_reference() -> None:
    model = ebmcore.create("eight_schools")
    samples = model.reference_samples()[:2000]
    report = ebmcore.evaluate(model, samples, metrics=["distances"])
    assert "reference samples" in report.reference


def test_bad_variant() -> None:
    with pytest.raises(ValueError, match="variant"):
        ebmcore.create("eight_schools", variant="nope")


def test_make_reference_quick(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for variant in VARIANTS:
        with np.load(tmp_path / f"eight_schools_{variant}.npz", allow_pickle=False) as npz:
            assert npz["draws"].shape == (1000, 10)
            assert set(npz.files) == {"draws", "mean", "sd", "mean_se", "sd_se", "meta"}
    assert "eight_schools (noncentered, posteriordb priors)" in result.stdout
