"""``ebmcore.evaluate``: every metric against an independent computation, exact samples scoring as
exact samples should, and the known broken samplers flagged, each by the metric that should."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
import torch
from scipy import stats

import ebmcore
from ebmcore import _distances

N = 2000


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# -- closed forms of the distances between two Gaussians --------------------------------------


def _mean_abs_normal(mu: float, s: float) -> float:
    """E|Z| for Z ~ N(mu, s^2) (the folded normal's mean)."""
    return s * math.sqrt(2 / math.pi) * math.exp(-(mu**2) / (2 * s**2)) + mu * (
        1 - 2 * stats.norm.cdf(-mu / s)
    )


def test_energy_distance_between_two_gaussians_matches_the_closed_form() -> None:
    """1-D: D^2 = 2E|X-Y| - E|X-X'| - E|Y-Y'| with each term a folded normal's mean."""
    mu, s1, s2 = 0.8, 1.0, 1.5
    exact = math.sqrt(
        2 * _mean_abs_normal(mu, math.hypot(s1, s2))
        - _mean_abs_normal(0, math.sqrt(2) * s1)
        - _mean_abs_normal(0, math.sqrt(2) * s2)
    )
    g = _generator(0)
    x = torch.randn(200_000, generator=g, dtype=torch.float64) * s1
    y = mu + s2 * torch.randn(200_000, generator=g, dtype=torch.float64)
    assert _distances.energy_distance(x, y) == pytest.approx(exact, abs=0.01)


def test_mmd_between_two_gaussians_matches_the_closed_form() -> None:
    """E k(X, Y) = (h^2)^{d/2} det(h^2 I + S1 + S2)^{-1/2} exp(-mu^T (h^2 I + S1 + S2)^{-1} mu / 2)."""
    d, h = 3, 1.3
    mu = torch.tensor([0.5, -0.3, 0.2], dtype=torch.float64)
    s1, s2 = torch.eye(d, dtype=torch.float64), torch.diag(torch.tensor([1.5, 0.7, 1.0], dtype=torch.float64))

    def kernel_mean(shift: torch.Tensor, cov: torch.Tensor) -> float:
        m = h**2 * torch.eye(d, dtype=torch.float64) + cov
        return float(
            h**d / torch.linalg.det(m).sqrt() * torch.exp(-0.5 * shift @ torch.linalg.solve(m, shift))
        )

    zero = torch.zeros(d, dtype=torch.float64)
    exact = kernel_mean(zero, 2 * s1) + kernel_mean(zero, 2 * s2) - 2 * kernel_mean(mu, s1 + s2)
    g = _generator(1)
    x = torch.randn(6000, d, generator=g, dtype=torch.float64) @ s1.sqrt()
    y = mu + torch.randn(6000, d, generator=g, dtype=torch.float64) @ s2.sqrt()
    # the unbiased estimate's standard deviation at this size is about 1e-3
    assert _distances.mmd(x, y, h) == pytest.approx(exact, abs=4e-3)
    assert exact > 0.02


def test_w1_between_shifted_distributions_is_the_shift() -> None:
    g = _generator(2)
    x = torch.rand(100_000, generator=g, dtype=torch.float64)
    y = torch.rand(100_000, generator=g, dtype=torch.float64) + 0.3
    assert _distances.wasserstein_1d(x, y) == pytest.approx(0.3, abs=0.01)


# -- exact samples score as exact samples should -----------------------------------------------


def test_z_scores_of_exact_samples_are_standard_normal_over_repeated_seeds() -> None:
    """A correlated Gaussian: mean and stddev z-scores over 30 seeds pass a KS test against N(0, 1)."""
    cov = torch.tensor([[2.0, 0.6, 0.0], [0.6, 1.0, -0.3], [0.0, -0.3, 0.5]], dtype=torch.float64)
    model = ebmcore.create("gaussian", mean=[1.0, -2.0, 0.5], cov=cov)
    zs: dict[str, list[float]] = {"mean": [], "stddev": []}
    for seed in range(30):
        samples = model.sample(1000, generator=_generator(100 + seed))
        report = ebmcore.evaluate(model, samples, metrics=["moments"])
        for key in zs:
            zs[key] += [e.z for e in report.moments[key]]
    for key, values in zs.items():
        assert stats.kstest(values, "norm").pvalue > 1e-3, key


def test_exact_chains_converge_and_score_like_exact_samples() -> None:
    model = ebmcore.create("gmm40")
    samples = model.sample(4 * 1000, generator=_generator(3)).reshape(4, 1000, -1)
    report = ebmcore.evaluate(model, samples)
    assert report.chains == 4 and report.samples == 4000
    assert report.mcmc is not None and report.mcmc.converged
    assert report.mcmc.max_rhat < 1.01
    assert report.modes is not None and report.modes.visited == report.modes.count == 36  # 40 means, merged
    assert report.modes.assignment == "mode_index"
    assert report.modes.total_variation is not None and report.modes.perfect is not None
    assert report.modes.total_variation < 2.5 * report.modes.perfect
    for name, distance in report.distances.items():
        assert distance.value < 3 * abs(distance.perfect) + 1e-3, name
    assert max(abs(e.z) for e in report.moments["mean"]) < 5


def test_importance_weights_estimate_log_z_within_its_standard_error() -> None:
    """Samples from a wider Gaussian q with log w = -E(x) - log q(x): log Z and the weighted
    moments agree with the truth within a few standard errors, over several seeds."""
    model = ebmcore.create("gaussian", mean=[1.0, -1.0], cov=[0.5, 2.0])
    proposal = torch.distributions.Normal(torch.zeros(2, dtype=torch.float64), 2.5)
    zs = []
    for seed in range(10):
        x = 2.5 * torch.randn(4000, 2, generator=_generator(seed), dtype=torch.float64)
        log_w = -model(x) - proposal.log_prob(x).sum(-1)
        report = ebmcore.evaluate(model, x, log_weights=log_w, metrics=["log_partition", "moments"])
        assert report.weighted and report.log_partition is not None
        assert report.log_partition.truth == pytest.approx(model.log_partition())
        zs.append(report.log_partition.z)
        assert max(abs(e.z) for e in report.moments["mean"]) < 5
    assert max(abs(z) for z in zs) < 4
    assert abs(float(np.mean(zs))) < 4 / math.sqrt(len(zs)) + 0.5


# -- broken samplers are flagged, each by the metric that should catch it ----------------------


def test_the_inverted_funnel_is_flagged_by_the_distances() -> None:
    """The classic inversion (x_i scaled by e^{-v/2} instead of e^{v/2}) has the right mean."""
    model = ebmcore.create("funnel")
    z = torch.randn(N, model.dim, generator=_generator(4), dtype=torch.float64)
    v = model.sigma * z[:, 0]
    inverted = torch.cat([v[:, None], torch.exp(-0.5 * v)[:, None] * z[:, 1:]], dim=-1)
    report = ebmcore.evaluate(model, inverted)
    assert report.distances["energy_w1"].value > 100 * report.distances["energy_w1"].perfect
    assert report.distances["sliced_wasserstein"].value > 2 * report.distances["sliced_wasserstein"].perfect
    exact = ebmcore.evaluate(model, model.sample(N, generator=_generator(5)))
    assert exact.distances["energy_w1"].value < 3 * exact.distances["energy_w1"].perfect


def _jacobianless_rings(model: ebmcore.BaseModel, n: int, seed: int) -> torch.Tensor:
    """The source benchmark's rings sampler: radius from exp(-E(r)) without the r^(d-1) factor."""
    r = torch.linspace(0.0, 8.0, 200_001, dtype=torch.float64)
    density = torch.exp(-model(torch.stack([r, torch.zeros_like(r)], -1)))
    cdf = torch.cumsum(density, 0)
    cdf = (cdf / cdf[-1]).numpy()
    g = np.random.default_rng(seed)
    radius = torch.from_numpy(np.interp(g.uniform(size=n), cdf, r.numpy()))
    angle = torch.from_numpy(2 * math.pi * g.uniform(size=n))
    return torch.stack([radius * angle.cos(), radius * angle.sin()], -1)


def test_the_rings_sampler_without_the_radial_jacobian_is_flagged_by_the_energy_histogram() -> None:
    model = ebmcore.create("rings").double()
    wrong = _jacobianless_rings(model, N, seed=6)
    report = ebmcore.evaluate(model, wrong, metrics=["distances"])
    energy = report.distances["energy_w1"]
    assert energy.value > 5 * energy.perfect
    assert report.distances["energy_distance"].value > 3 * report.distances["energy_distance"].perfect


def test_a_mixture_sampler_that_drops_a_mode_is_flagged_by_the_mode_coverage() -> None:
    model = ebmcore.create("gmm40")
    samples = model.sample(3 * N, generator=_generator(7))
    index = model.mode_index(samples)
    heaviest = int(model.modes.weights.argmax())
    kept = samples[index != heaviest][:N]
    report = ebmcore.evaluate(model, kept, metrics=["modes"])
    assert report.modes is not None
    assert report.modes.visited == report.modes.count - 1 == 35
    assert report.modes.masses[heaviest] == 0 and report.modes.truth[heaviest] == 0.05
    exact = ebmcore.evaluate(model, samples[:N], metrics=["modes"])
    assert exact.modes is not None and exact.modes.coverage == 1.0


def test_chains_stuck_in_one_well_each_are_flagged_by_r_hat() -> None:
    """many_well: each chain holds the exact law restricted to one well; R-hat and coverage see it."""
    model = ebmcore.create("many_well", dim=4)
    samples = model.sample(40 * N, generator=_generator(8))
    index = model.mode_index(samples)
    chains = torch.stack([samples[index == k][:500] for k in range(4)])
    report = ebmcore.evaluate(model, chains)
    assert report.mcmc is not None and not report.mcmc.converged and report.mcmc.max_rhat > 1.5
    assert report.modes is not None and report.modes.visited == 4  # together they visit all
    stuck = ebmcore.evaluate(model, chains[:1].expand(2, -1, -1).reshape(2, 500, 4) + 0.0)
    assert stuck.modes is not None and stuck.modes.visited == 1


@pytest.mark.parametrize(
    ("name", "params"), [("many_well", {"dim": 40}), ("multi_well", {"dim": 24, "n_wells": 20})]
)
def test_modes_listed_in_part_are_matched_by_basin_not_by_position(name: str, params: dict) -> None:
    """With 2^20 modes and a few listed, ``mode_index`` numbers every mode: each listed mode's
    mass is that of the samples in its own basin, counted independently from ``well_index``,
    and ``visited`` counts distinct basins among all of the modes."""
    model = ebmcore.create(name, **params)
    samples = model.sample(N, generator=_generator(21))
    report = ebmcore.evaluate(model, samples, metrics=["modes"])
    assert report.modes is not None and report.modes.assignment == "mode_index"
    wells = model.well_index(samples)
    listed = model.well_index(model.modes.points.to(samples.dtype))
    assert len(listed) < model.modes.count == 2**20
    counted = [(wells == point).all(-1).double().mean().item() for point in listed]
    assert report.modes.masses == pytest.approx(counted, abs=1e-15)
    assert report.modes.visited == len(torch.unique(wells, dim=0))
    assert report.modes.visited > N // 2  # the wells of 2^20 modes: few samples share one
    if name == "many_well":  # its deepest mode holds 3.4% of the mass
        assert report.modes.masses[int(model.modes.weights.argmax())] > 0.02


def test_more_modes_than_int64_can_number_skip_the_mode_coverage_with_the_reason() -> None:
    model = ebmcore.create("many_well", dim=200)  # 2^100 modes
    report = ebmcore.evaluate(model, model.sample(200, generator=_generator(22)))
    assert report.modes is None
    assert report.skipped["modes"] == "about 2^100 modes: more than int64 can number"
    assert report.moments is not None  # the rest is evaluated


def test_a_mode_index_that_merges_two_listed_modes_is_refused() -> None:
    class OneBasin(ebmcore.BaseModel):  # two modes declared, one basin for everything
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return ((x * x - 1.0) ** 2).sum(-1)

        @property
        def modes(self) -> ebmcore.Modes:
            return ebmcore.Modes([[-1.0], [1.0]], [0.5, 0.5])

        def mode_index(self, x: torch.Tensor) -> torch.Tensor:
            return torch.zeros(x.shape[:-1], dtype=torch.long)

    with pytest.raises(ebmcore.ConformanceError, match=r"OneBasin.mode_index puts two.*\[0, 0\]"):
        ebmcore.evaluate(OneBasin(1), torch.randn(100, 1), metrics=["modes"])


# -- particle systems --------------------------------------------------------------------------


def test_particle_systems_compare_interatomic_distances_up_to_symmetry() -> None:
    """Rotating, reflecting, translating and relabelling the reference leaves every
    symmetry-invariant distance unchanged."""
    model = ebmcore.create("dw4")
    g = _generator(9)
    reference = torch.randn(400, 8, generator=g, dtype=model.dtype) * 1.5
    samples = torch.randn(300, 8, generator=g, dtype=model.dtype) * 1.5
    base = ebmcore.evaluate(model, samples, reference=reference, generator=_generator(10))
    angle = 0.7
    rotation = torch.tensor(
        [[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]], dtype=model.dtype
    )
    moved = (reference.reshape(-1, 4, 2) @ rotation.T + 3.0)[:, [2, 0, 3, 1]]
    moved = moved * torch.tensor([1.0, -1.0], dtype=model.dtype)  # a reflection
    other = ebmcore.evaluate(model, samples, reference=moved.reshape(-1, 8), generator=_generator(10))
    for name in ("interatomic_w1", "energy_w1"):
        assert other.distances[name].value == pytest.approx(base.distances[name].value, rel=1e-9)
        assert other.distances[name].perfect == pytest.approx(base.distances[name].perfect, rel=1e-9)
    assert "interatomic_w1" in base.distances and "half of the given reference" in str(base.reference)
    expected = _distances.wasserstein_1d(
        model.pair_distances(samples).reshape(-1), model.pair_distances(reference).reshape(-1)
    )
    assert base.distances["interatomic_w1"].value != expected  # measured against half of it
    assert base.distances["interatomic_w1"].value > 0


# -- event shapes, the report, errors ----------------------------------------------------------


class _MatrixGaussianMoments(ebmcore.BaseModel):
    """Independent N(mean, 1) entries of a (2, 3) matrix: its moments."""

    def __init__(self) -> None:
        super().__init__((2, 3))
        self.register_buffer("centre", torch.arange(6, dtype=torch.float64).reshape(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * (x - self.centre).square().sum((-2, -1))

    @property
    def mean(self) -> torch.Tensor:
        return self.centre.clone()

    @property
    def stddev(self) -> torch.Tensor:
        return torch.ones(2, 3, dtype=torch.float64)


class _MatrixGaussian(_MatrixGaussianMoments):
    """... and its exact sampler."""

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.centre + torch.randn(n, 2, 3, generator=generator, dtype=torch.float64)


def test_matrix_event_shapes_are_flattened_per_coordinate() -> None:
    model = _MatrixGaussian()
    report = ebmcore.evaluate(model, model.sample(500, generator=_generator(11)))
    assert len(report.moments["mean"]) == 6
    assert [e.truth for e in report.moments["mean"]] == list(range(6))
    assert report.distances["sliced_wasserstein"].value < 0.3
    chains = ebmcore.evaluate(model, model.sample(400, generator=_generator(12)).reshape(4, 100, 2, 3))
    assert chains.mcmc is not None and len(chains.mcmc.rhat) == 6


def test_the_report_is_frozen_json_readable_and_plots() -> None:
    model = ebmcore.create("gmm")
    report = ebmcore.evaluate(model, model.sample(800, generator=_generator(13)).reshape(2, 400, -1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.samples = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        report.distances["mmd"] = report.distances["mmd"]  # type: ignore[index]
    data = json.loads(report.to_json())
    assert data == json.loads(json.dumps(report.to_dict()))
    assert data["samples"] == 800 and data["chains"] == 2 and set(data["distances"]) == set(report.distances)
    assert data["moments"]["mean"][0]["z"] == pytest.approx(report.moments["mean"][0].z)
    assert data["mcmc"]["converged"] == report.mcmc.converged  # type: ignore[union-attr]
    text = str(report)
    assert text.startswith("evaluation of 800 samples in 2 chains of ")
    for line in ("energy_distance", "max R-hat", "modes", "skipped log_partition: no log_weights"):
        assert line in text
    figure = report.plot()
    assert len(figure.axes) == 2 + 1 + 1  # two coordinates, the energy, the mode masses
    assert figure.axes[-1].get_title().startswith("mode masses")


def test_skipped_metrics_say_why_and_a_named_one_that_cannot_be_given_is_an_error() -> None:
    model = ebmcore.create("ackley", dim=2)
    report = ebmcore.evaluate(model, torch.randn(100, 2, generator=_generator(14)))
    assert set(report.skipped) == {"moments", "log_partition", "modes", "distances", "mcmc"}
    assert "no exact sampler" in report.skipped["distances"]
    with pytest.raises(ebmcore.InvalidParameterError, match=r"'metrics' must be a metric .* can give here"):
        ebmcore.evaluate(model, torch.randn(100, 2), metrics=["moments"])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"samples": torch.zeros(10, 3)},
            r"samples must have shape \(n, 2\) or \(chains, n, 2\), got \(10, 3\)",
        ),
        ({"samples": torch.zeros(2, 3, 4, 2)}, r"samples must have shape .*, got \(2, 3, 4, 2\)"),
        ({"samples": [[0.0, 1.0]]}, r"samples must be a tensor or a numpy array, got \[\[0.0, 1.0\]\]"),
        (
            {"samples": torch.zeros(10, 2, dtype=torch.long)},
            r"samples must be floating point, got dtype torch.int64",
        ),
        ({"samples": torch.zeros(1, 2)}, r"at least 2 draws"),
        ({"samples": torch.zeros(3, 3, 2)}, r"at least 4 draws per chain"),
        ({"samples": torch.full((10, 2), math.nan)}, r"samples must be finite, got 20 NaN"),
        ({"chains": True}, r"chains=True asks for a leading chains axis"),
        (
            {"log_weights": torch.zeros(9)},
            r"log_weights must have shape \(10,\) \(one per sample\), got \(9,\)",
        ),
        ({"log_weights": torch.full((10,), math.nan)}, r"log_weights must be finite or -inf .* got 10 NaN"),
        ({"log_weights": torch.full((10,), -math.inf)}, r"log_weights must not all be -inf"),
        ({"reference": torch.zeros(10, 3)}, r"reference must have shape \(m, 2\), got \(10, 3\)"),
        ({"metrics": "speed"}, r"'metrics' must be \"auto\" or some of moments, log_partition"),
        ({"metrics": []}, r"'metrics' must be \"auto\" or some of"),
    ],
)
def test_bad_input_is_a_clear_error(arguments: dict, message: str) -> None:
    model = ebmcore.create("gaussian", dim=2)
    call = {"samples": torch.randn(10, 2, generator=_generator(15)), **arguments}
    with pytest.raises(ebmcore.EbmcoreError, match=message):
        ebmcore.evaluate(model, call.pop("samples"), **call)


def test_numpy_samples_and_a_name_work_like_tensors_and_a_model() -> None:
    model = ebmcore.create("harmonic", dim=3)
    samples = model.sample(300, generator=_generator(16))
    from_numpy = ebmcore.evaluate({"name": "harmonic", "dim": 3}, samples.numpy())
    from_tensor = ebmcore.evaluate(model, samples)
    assert from_numpy.to_dict() == from_tensor.to_dict()


class _WithReferenceDraws(_MatrixGaussianMoments):
    """No exact sampler, but stored reference draws (as certified MCMC references are shipped)."""

    def reference_samples(self) -> torch.Tensor:
        return self.centre + torch.randn(600, 2, 3, generator=_generator(17), dtype=torch.float64)


def test_a_model_without_a_sampler_is_measured_against_its_reference_samples() -> None:
    model = _WithReferenceDraws()
    assert "sample" not in model.declared_ground_truth()
    samples = model.centre + torch.randn(400, 2, 3, generator=_generator(18), dtype=torch.float64)
    report = ebmcore.evaluate(model, samples)
    assert (
        report.reference
        == "half of the model's reference samples (300 samples; exact samples: the other 300)"
    )
    assert report.distances["sliced_wasserstein"].value < 3 * report.distances["sliced_wasserstein"].perfect
    shifted = ebmcore.evaluate(model, samples + 1.0)
    assert shifted.distances["sliced_wasserstein"].value > 3 * shifted.distances["sliced_wasserstein"].perfect
