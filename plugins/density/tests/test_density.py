"""Tests of the density adapter against scipy.stats closed forms, quadrature and exact samples."""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
import scipy.integrate
import scipy.stats
import torch
from ebmcore_density import ALLOWED_DISTRIBUTIONS, Density
from torch import distributions as D
from torch import nn

import ebmcore

F64 = torch.float64
NAMES = ebmcore.list_energies(plugin="density")


# -- cases: allowlisted name, params (dim 3), the scipy equivalent per coordinate --------------

LOC = [0.5, -1.0, 2.0]
SCALE = [1.0, 2.0, 0.5]


def _frozen(name: str, p: dict[str, Any]) -> list[Any]:
    """One frozen scipy distribution per coordinate."""
    n = max(len(v) if isinstance(v, list) else 1 for v in p.values())
    col = [{k: (v[i] if isinstance(v, list) else v) for k, v in p.items()} for i in range(n)]
    st = scipy.stats
    make = {
        "Normal": lambda q: st.norm(q["loc"], q["scale"]),
        "Laplace": lambda q: st.laplace(q["loc"], q["scale"]),
        "Cauchy": lambda q: st.cauchy(q["loc"], q["scale"]),
        "Gumbel": lambda q: st.gumbel_r(q["loc"], q["scale"]),
        "StudentT": lambda q: st.t(q["df"], q["loc"], q["scale"]),
        "LogNormal": lambda q: st.lognorm(q["scale"], scale=math.exp(q["loc"])),
        "HalfNormal": lambda q: st.halfnorm(scale=q["scale"]),
        "Uniform": lambda q: st.uniform(q["low"], q["high"] - q["low"]),
        "Beta": lambda q: st.beta(q["concentration1"], q["concentration0"]),
        "Gamma": lambda q: st.gamma(q["concentration"], scale=1.0 / q["rate"]),
        "Exponential": lambda q: st.expon(scale=1.0 / q["rate"]),
    }[name]
    return [make(q) for q in col]


UNIVARIATE = {
    "Normal": {"loc": LOC, "scale": SCALE},
    "Laplace": {"loc": LOC, "scale": SCALE},
    "Cauchy": {"loc": LOC, "scale": SCALE},
    "Gumbel": {"loc": LOC, "scale": SCALE},
    "StudentT": {"df": [1.5, 3.0, 10.0], "loc": LOC, "scale": SCALE},
    "LogNormal": {"loc": [0.0, 0.5, -0.5], "scale": [0.5, 1.0, 0.25]},
    "HalfNormal": {"scale": SCALE},
    "Uniform": {"low": [-1.0, 0.0, 2.0], "high": [1.0, 3.0, 2.5]},
    "Beta": {"concentration1": [2.0, 0.5, 5.0], "concentration0": [3.0, 0.5, 1.5]},
    "Gamma": {"concentration": [0.5, 2.0, 7.5], "rate": [1.0, 0.5, 3.0]},
    "Exponential": {"rate": [1.0, 0.5, 3.0]},
}

COV = [[2.0, 0.6, 0.0], [0.6, 1.0, -0.3], [0.0, -0.3, 0.5]]
FACTOR = [[1.0, 0.0], [0.5, -1.0], [0.0, 2.0]]


def _cov_low_rank() -> np.ndarray:
    w = np.array(FACTOR)
    return w @ w.T + np.diag([0.5, 1.0, 2.0])


MULTIVARIATE: dict[str, tuple[str, dict[str, Any], np.ndarray]] = {
    "mvn_cov": ("MultivariateNormal", {"loc": LOC, "covariance_matrix": COV}, np.array(COV)),
    "mvn_precision": (
        "MultivariateNormal",
        {"loc": LOC, "precision_matrix": np.linalg.inv(COV).tolist()},
        np.array(COV),
    ),
    "mvn_tril": (
        "MultivariateNormal",
        {"loc": LOC, "scale_tril": np.linalg.cholesky(COV).tolist()},
        np.array(COV),
    ),
    "low_rank": (
        "LowRankMultivariateNormal",
        {"loc": LOC, "cov_factor": FACTOR, "cov_diag": [0.5, 1.0, 2.0]},
        _cov_low_rank(),
    ),
}


def test_the_allowlist_is_covered_by_the_cases() -> None:
    covered = set(UNIVARIATE) | {case[0] for case in MULTIVARIATE.values()}
    assert covered == set(ALLOWED_DISTRIBUTIONS)


# -- registry-wide ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_registry_default_creation_and_json_round_trip(name: str) -> None:
    model = ebmcore.create(name)
    spec = json.loads(json.dumps(model.spec))
    rebuilt = ebmcore.create(spec)
    x = torch.randn(3, 4, model.dim, dtype=F64, generator=torch.Generator().manual_seed(0))
    energy = model.energy(x)
    assert energy.shape == (3, 4) and energy.dtype == F64
    torch.testing.assert_close(rebuilt.energy(x), energy, rtol=0, atol=0)
    assert model.energy(x[0, 0]).shape == ()
    nan = x[0].clone()
    nan[1, 0] = math.nan
    out = model.energy(nan)
    assert torch.isnan(out[1]) and torch.isfinite(out[[0, 2, 3]]).all()


@pytest.mark.parametrize("name", NAMES)
def test_registry_gradient_matches_finite_differences(name: str) -> None:
    model = ebmcore.create(name)
    x = torch.randn(5, model.dim, dtype=F64, generator=torch.Generator().manual_seed(1))
    grad = model.gradient(x)
    h = 1e-6
    for i in range(model.dim):
        step = torch.zeros(model.dim, dtype=F64)
        step[i] = h
        fd = (model.energy(x + step) - model.energy(x - step)) / (2 * h)
        torch.testing.assert_close(grad[:, i], fd, rtol=1e-6, atol=1e-7)


def test_default_is_a_standard_2d_normal() -> None:
    model = ebmcore.create("density")
    assert model.spec == {
        "name": "density/density",
        "distribution": "MultivariateNormal",
        "params": None,
        "dim": 2,
        "normalized": None,
    }
    x = torch.tensor([[0.0, 0.0], [1.0, -2.0]], dtype=F64)
    expected = -scipy.stats.multivariate_normal(np.zeros(2), np.eye(2)).logpdf(x.numpy())
    torch.testing.assert_close(model.energy(x), torch.from_numpy(expected), rtol=1e-12, atol=0)
    assert ebmcore.create("density/density").spec == model.spec


# -- closed forms -------------------------------------------------------------------------------


def _points(name: str, frozen: list[Any], n: int = 50) -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.stack([f.rvs(size=n, random_state=rng) for f in frozen], axis=-1)


@pytest.mark.parametrize("name", sorted(UNIVARIATE))
def test_univariate_energy_is_minus_scipy_logpdf(name: str) -> None:
    params = UNIVARIATE[name]
    model = ebmcore.create("density", distribution=name, params=params)
    frozen = _frozen(name, params)
    x = _points(name, frozen)
    expected = -sum(f.logpdf(x[:, i]) for i, f in enumerate(frozen))
    torch.testing.assert_close(
        model.energy(torch.from_numpy(x)), torch.from_numpy(expected), rtol=1e-10, atol=1e-10
    )
    assert model.dim == 3 and model.log_partition() == 0.0


@pytest.mark.parametrize("case", sorted(MULTIVARIATE))
def test_multivariate_energy_is_minus_scipy_logpdf(case: str) -> None:
    name, params, cov = MULTIVARIATE[case]
    model = ebmcore.create("density", distribution=name, params=params)
    reference = scipy.stats.multivariate_normal(np.array(LOC), cov)
    x = reference.rvs(size=40, random_state=np.random.default_rng(0))
    torch.testing.assert_close(
        model.energy(torch.from_numpy(x)), torch.from_numpy(-reference.logpdf(x)), rtol=1e-10, atol=1e-10
    )
    # the analytic gradient of a Gaussian: Sigma^{-1} (x - mu)
    expected = (x - np.array(LOC)) @ np.linalg.inv(cov)
    torch.testing.assert_close(
        model.gradient(torch.from_numpy(x)), torch.from_numpy(expected), rtol=1e-9, atol=1e-9
    )


@pytest.mark.parametrize("name", ["Normal", "Laplace", "StudentT"])
def test_scalar_params_broadcast_to_dim(name: str) -> None:
    params = {"df": 4.0} if name == "StudentT" else {}
    model = ebmcore.create("density", distribution=name, params={**params, "loc": 1.0}, dim=4)
    assert model.dim == 4
    x = torch.linspace(-2, 3, 12, dtype=F64).reshape(3, 4)
    frozen = _frozen(name, {**params, "loc": 1.0, "scale": 1.0})[0]
    torch.testing.assert_close(model.energy(x), torch.from_numpy(-frozen.logpdf(x.numpy()).sum(-1)))


@pytest.mark.parametrize("name", ["LogNormal", "HalfNormal", "Uniform", "Beta", "Gamma", "Exponential"])
def test_outside_the_support_the_energy_is_inf_with_zero_gradient(name: str) -> None:
    model = ebmcore.create("density", distribution=name, params=UNIVARIATE[name])
    inside = model.sample(4, generator=torch.Generator().manual_seed(0))
    x = inside.clone()
    x[1, 0] = -0.5 if name != "Uniform" else -1.5
    x[2, 2] = 10.0 if name in ("Uniform", "Beta") else -3.0
    x[3, 1] = math.nan
    energy, grad = model.energy_and_gradient(x)
    assert torch.isfinite(energy[0]) and energy[1] == math.inf and energy[2] == math.inf
    assert torch.isnan(energy[3])
    assert torch.equal(grad[1:3], torch.zeros_like(grad[1:3]))
    torch.testing.assert_close(model.gradient(inside[:1]), grad[:1])


# -- log Z = 0 by quadrature ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(UNIVARIATE))
def test_log_partition_matches_1d_quadrature(name: str) -> None:
    params = {k: v[1] for k, v in UNIVARIATE[name].items()}
    model = ebmcore.create("density", distribution=name, params=params, dim=1)
    frozen = _frozen(name, params)[0]
    low, high = frozen.support()

    def density(t: float) -> float:
        return math.exp(-model.energy(torch.tensor([t], dtype=F64)).item())

    pieces = [low, frozen.median(), high]
    mass = sum(scipy.integrate.quad(density, a, b, limit=200)[0] for a, b in itertools.pairwise(pieces))
    assert model.log_partition() == 0.0
    assert math.log(mass) == pytest.approx(model.log_partition(), abs=1e-6)


@pytest.mark.parametrize(
    "params", [None, {"loc": [1.0, -1.0], "covariance_matrix": [[1.0, 0.8], [0.8, 2.0]]}]
)
def test_log_partition_matches_2d_quadrature(params: dict[str, Any] | None) -> None:
    model = ebmcore.create("density", distribution="MultivariateNormal", params=params)
    box = model.bounds
    assert box is not None
    u = torch.linspace(float(box[0, 0]) - 3, float(box[1, 0]) + 3, 601, dtype=F64)
    v = torch.linspace(float(box[0, 1]) - 3, float(box[1, 1]) + 3, 601, dtype=F64)
    grid = torch.stack(torch.meshgrid(u, v, indexing="ij"), -1)
    values = torch.exp(-model.energy(grid)).numpy()
    mass = scipy.integrate.simpson(scipy.integrate.simpson(values, x=v.numpy()), x=u.numpy())
    assert math.log(mass) == pytest.approx(model.log_partition(), abs=1e-8)


# -- exact samples ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(UNIVARIATE))
def test_univariate_samples_pass_ks(name: str) -> None:
    params = UNIVARIATE[name]
    model = ebmcore.create("density", distribution=name, params=params)
    samples = model.sample(2000, generator=torch.Generator().manual_seed(0))
    assert samples.shape == (2000, 3) and samples.dtype == F64
    for i, frozen in enumerate(_frozen(name, params)):
        assert scipy.stats.kstest(samples[:, i].numpy(), frozen.cdf).pvalue > 1e-3


@pytest.mark.parametrize("case", sorted(MULTIVARIATE))
def test_multivariate_samples_pass_ks_after_whitening(case: str) -> None:
    name, params, cov = MULTIVARIATE[case]
    model = ebmcore.create("density", distribution=name, params=params)
    samples = model.sample(2000, generator=torch.Generator().manual_seed(0)).numpy()
    white = np.linalg.solve(np.linalg.cholesky(cov), (samples - np.array(LOC)).T).T
    for column in (*white.T, white.sum(-1) / math.sqrt(3)):
        assert scipy.stats.kstest(column, "norm").pvalue > 1e-3


def test_a_generator_makes_sampling_reproducible_and_leaves_the_global_rng_alone() -> None:
    model = ebmcore.create("density", distribution="StudentT", params={"df": 3.0}, dim=2)
    state = torch.get_rng_state()
    first = model.sample(5, generator=torch.Generator().manual_seed(7))
    second = model.sample(5, generator=torch.Generator().manual_seed(7))
    other = model.sample(5, generator=torch.Generator().manual_seed(8))
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(first, second) and not torch.equal(first, other)
    generator = torch.Generator().manual_seed(7)
    assert not torch.equal(model.sample(5, generator=generator), model.sample(5, generator=generator))


def test_sample_count_is_checked() -> None:
    with pytest.raises(ebmcore.InvalidParameterError, match="'n' must be an integer >= 0"):
        ebmcore.create("density").sample(-1)
    assert ebmcore.create("density").sample(0).shape[0] == 0


# -- ground truth ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(UNIVARIATE))
def test_minima_are_the_mode_and_bounds_hold_most_mass(name: str) -> None:
    params = UNIVARIATE[name]
    model = ebmcore.create("density", distribution=name, params=params)
    frozen = _frozen(name, params)
    box = model.bounds
    assert box is not None and box.shape == (2, 3) and box.dtype == F64
    for i, f in enumerate(frozen):
        low, high = float(box[0, i]), float(box[1, i])
        assert f.support()[0] <= low < high <= f.support()[1]
        assert f.cdf(high) - f.cdf(low) > 0.95
    minima = model.minima
    if name in ("Uniform", "Beta", "Gamma"):  # flat, or infinite density at an edge
        assert minima is None
        return
    assert minima is not None and minima.count == 1
    mode = minima.points[0].numpy()
    assert minima.value == pytest.approx(-sum(f.logpdf(mode[i]) for i, f in enumerate(frozen)), rel=1e-12)
    rng = np.random.default_rng(0)
    nearby = torch.from_numpy(mode + 0.05 * rng.standard_normal((200, 3)))
    assert (model.energy(nearby) >= minima.value).all()


def test_minima_of_a_multivariate_normal() -> None:
    model = ebmcore.create(
        "density", distribution="MultivariateNormal", params={"loc": LOC, "covariance_matrix": COV}
    )
    minima = model.minima
    assert minima is not None
    torch.testing.assert_close(minima.points, torch.tensor([LOC], dtype=F64))
    expected = 0.5 * math.log(np.linalg.det(2 * math.pi * np.array(COV)))
    assert minima.value == pytest.approx(expected, rel=1e-12)
    torch.testing.assert_close(
        model.bounds,
        torch.tensor([LOC], dtype=F64)
        + 5 * torch.tensor(COV, dtype=F64).diagonal().sqrt() * torch.tensor([[-1.0], [1.0]], dtype=F64),
    )


# -- security: only allowlisted names, nothing imported ------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "torch.distributions.Normal",
        "torch.distributions:Normal",
        "os.system",
        "builtins.eval",
        "__import__",
        "this.s",
        "Distribution",
        "TransformedDistribution",
        "",
    ],
)
def test_a_config_can_name_only_allowlisted_distributions(name: str) -> None:
    spec = json.loads(json.dumps({"name": "density", "distribution": name, "params": {}}))
    ebmcore.create("density")  # import the model's own module first
    before = set(sys.modules)
    with pytest.raises(ebmcore.InvalidParameterError) as info:
        ebmcore.create(spec)
    assert set(sys.modules) == before  # nothing was imported
    message = str(info.value)
    assert "parameter 'distribution' must be one of the allowlisted" in message
    for allowed in ALLOWED_DISTRIBUTIONS:
        assert repr(allowed) in message
    if "." in name or ":" in name:
        assert "import paths are never imported from a config" in message


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("Normall", "'Normal'"),
        ("normal", "'Normal'"),
        ("torch.distributions.Laplace", "'Laplace'"),
        ("gama", "'Gamma'"),
    ],
)
def test_unknown_names_get_did_you_mean(name: str, suggestion: str) -> None:
    with pytest.raises(ebmcore.InvalidParameterError, match=f"did you mean {suggestion}"):
        ebmcore.create("density", distribution=name)


@pytest.mark.parametrize("value", [42, {"name": "Normal"}, ["Normal"], None])
def test_objects_without_log_prob_are_rejected(value: Any) -> None:
    with pytest.raises(ebmcore.InvalidParameterError, match="parameter 'distribution' must be one of"):
        ebmcore.create("density", distribution=value)


# -- parameter errors ---------------------------------------------------------------------------


def test_parameter_errors_name_the_parameter() -> None:
    with pytest.raises(
        ebmcore.UnknownParameterError, match=r"'locc'. Did you mean 'loc'\? Accepted parameters: loc, scale"
    ):
        ebmcore.create("density", distribution="Normal", params={"locc": 1.0})
    with pytest.raises(ebmcore.MissingParameterError, match="requires parameter 'df'"):
        ebmcore.create("density", distribution="StudentT")
    with pytest.raises(
        ebmcore.InvalidParameterError, match=r"params\['scale'\]\" must be a tensor satisfying GreaterThan"
    ):
        ebmcore.create("density", distribution="Normal", params={"scale": [1.0, -1.0]})
    with pytest.raises(ebmcore.InvalidParameterError, match=r"params\['loc'\]\" must be finite"):
        ebmcore.create("density", distribution="Normal", params={"loc": [0.0, math.inf]})
    with pytest.raises(ebmcore.InvalidParameterError, match="a number or a"):
        ebmcore.create("density", distribution="Normal", params={"loc": "zero"})
    with pytest.raises(ebmcore.InvalidParameterError, match="a number or a"):
        ebmcore.create("density", distribution="Normal", params={"loc": True})
    with pytest.raises(ebmcore.InvalidParameterError, match="valid Uniform parameters"):
        ebmcore.create("density", distribution="Uniform", params={"low": 1.0, "high": 0.0})
    with pytest.raises(
        ebmcore.InvalidParameterError, match="consistent with params \\(loc gives 2, dim gives 3\\)"
    ):
        ebmcore.create("density", distribution="Normal", params={"loc": [0.0, 1.0]}, dim=3)
    with pytest.raises(ebmcore.InvalidParameterError, match="consistent with params"):
        ebmcore.create(
            "density", distribution="MultivariateNormal", params={"loc": [0.0, 1.0], "covariance_matrix": COV}
        )
    with pytest.raises(ebmcore.InvalidParameterError, match="must be a matrix satisfying PositiveDefinite"):
        ebmcore.create("density", params={"covariance_matrix": [[1.0, 2.0], [2.0, 1.0]]})
    with pytest.raises(ebmcore.InvalidParameterError, match="a square matrix"):
        ebmcore.create("density", params={"covariance_matrix": [[1.0, 0.0]]})
    with pytest.raises(ebmcore.InvalidParameterError, match="at most one of"):
        ebmcore.create("density", params={"covariance_matrix": COV, "scale_tril": COV})
    with pytest.raises(ebmcore.InvalidParameterError, match="parameter 'params' must be None or a dict"):
        ebmcore.create("density", params=[1.0, 2.0])
    with pytest.raises(ebmcore.UnknownParameterError, match="Did you mean 'params'"):
        ebmcore.create("density", parms={})


# -- config round trips -----------------------------------------------------------------------


@pytest.mark.parametrize("case", [*sorted(UNIVARIATE), *sorted(MULTIVARIATE)])
def test_json_config_round_trip(case: str) -> None:
    name, params = (case, UNIVARIATE[case]) if case in UNIVARIATE else MULTIVARIATE[case][:2]
    tensors = {k: torch.tensor(v, dtype=F64) for k, v in params.items()}  # tensors are recorded as lists
    model = ebmcore.create("density", distribution=name, params=tensors)
    text = json.dumps(model.spec)
    rebuilt = ebmcore.create(json.loads(text))
    assert rebuilt.spec == model.spec and model.config["params"] == json.loads(json.dumps(params))
    x = model.sample(10, generator=torch.Generator().manual_seed(0))
    assert torch.equal(rebuilt.energy(x), model.energy(x))
    assert model.state_dict().keys() == rebuilt.state_dict().keys()
    for key, value in model.state_dict().items():
        assert torch.equal(value, rebuilt.state_dict()[key])


# -- dtype and device ---------------------------------------------------------------------------


def test_buffers_follow_to_and_float64_in_gives_float64_out() -> None:
    model = Density("MultivariateNormal", {"loc": LOC, "covariance_matrix": COV})
    x64 = torch.randn(6, 3, dtype=F64, generator=torch.Generator().manual_seed(0))
    reference = model.energy(x64)
    assert reference.dtype == F64
    out32 = model.energy(x64.float())
    assert out32.dtype == torch.float32
    torch.testing.assert_close(out32, reference.float(), rtol=1e-5, atol=1e-5)
    model.to(torch.float32)
    assert {b.dtype for b in model.buffers()} == {torch.float32}
    assert model.energy(x64).dtype == F64 and model.sample(2).dtype == torch.float32
    model.to(torch.float64)
    assert {b.dtype for b in model.buffers()} == {F64}
    torch.testing.assert_close(model.energy(x64), reference, rtol=1e-6, atol=1e-6)


def test_create_graph_matches_manual_autograd() -> None:
    model = ebmcore.create("density", distribution="StudentT", params={"df": [3.0, 5.0]})
    x = torch.randn(4, 2, dtype=F64, generator=torch.Generator().manual_seed(0), requires_grad=True)
    _, grad = model.energy_and_gradient(x, create_graph=True)
    (manual,) = torch.autograd.grad(model.energy(x).sum(), x, create_graph=True)
    torch.testing.assert_close(grad, manual, rtol=1e-12, atol=0)
    (second,) = torch.autograd.grad(grad.sum(), x)
    (manual_second,) = torch.autograd.grad(manual.sum(), x)
    torch.testing.assert_close(second, manual_second, rtol=1e-12, atol=0)


# -- live objects -----------------------------------------------------------------------------------


class AffineFlow(nn.Module):
    """x = shift + exp(log_scale) * z, z ~ N(0, I): a one-layer normalizing flow."""

    def __init__(self, dim: int = 2) -> None:
        super().__init__()
        self.shift = nn.Parameter(torch.linspace(-1.0, 1.0, dim))
        self.log_scale = nn.Parameter(torch.linspace(-0.5, 0.5, dim))

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        z = (x - self.shift) * torch.exp(-self.log_scale)
        return (-0.5 * z**2 - 0.5 * math.log(2 * math.pi)).sum(-1) - self.log_scale.sum()

    def sample(self, n: int) -> torch.Tensor:
        return self.shift + torch.exp(self.log_scale) * torch.randn(
            n, len(self.shift), dtype=self.shift.dtype
        )


def test_a_live_distribution_is_wrapped_with_batch_dims_as_event_dims() -> None:
    live = D.Normal(torch.tensor(LOC, dtype=F64), torch.tensor(SCALE, dtype=F64))
    model = ebmcore.create("density", distribution=live)
    assert model.event_shape == (3,) and model.log_partition() == 0.0
    x = torch.randn(5, 3, dtype=F64, generator=torch.Generator().manual_seed(0))
    expected = -scipy.stats.norm(LOC, SCALE).logpdf(x.numpy()).sum(-1)
    torch.testing.assert_close(model.energy(x), torch.from_numpy(expected))
    a = model.sample(4, generator=torch.Generator().manual_seed(3))
    assert a.shape == (4, 3) and torch.equal(a, model.sample(4, generator=torch.Generator().manual_seed(3)))
    with pytest.raises(ebmcore.RegistrationError, match="Density of a live Normal object has no config"):
        model.config  # noqa: B018
    with pytest.raises(ebmcore.RegistrationError, match=r"save model\.state_dict"):
        model.spec  # noqa: B018


def test_a_live_scalar_distribution_has_dim_one() -> None:
    model = Density(D.Gamma(torch.tensor(2.0, dtype=F64), torch.tensor(3.0, dtype=F64)))
    assert model.event_shape == (1,)
    x = torch.tensor([[0.5], [1.0]], dtype=F64)
    expected = -scipy.stats.gamma(2.0, scale=1 / 3.0).logpdf(x.numpy()[:, 0])
    torch.testing.assert_close(model.energy(x), torch.from_numpy(expected))
    assert model.sample(3).shape == (3, 1)
    with pytest.raises(ebmcore.InvalidParameterError, match="the object's event size 1"):
        Density(D.Gamma(torch.tensor(2.0), torch.tensor(3.0)), dim=2)


def test_a_live_module_is_a_submodule_that_follows_to_and_trains() -> None:
    flow = AffineFlow()
    model = ebmcore.create("density", distribution=flow, dim=2)
    assert model.log_partition() is None  # a module is not known to be normalized
    assert Density(AffineFlow(), dim=2, normalized=True).log_partition() == 0.0
    assert dict(model.named_parameters()).keys() == {"wrapped.shift", "wrapped.log_scale"}
    x = torch.randn(7, 2, dtype=F64, generator=torch.Generator().manual_seed(0))
    model.to(torch.float64)
    assert flow.shift.dtype == F64 and model.energy(x).dtype == F64
    scale = flow.log_scale.detach().exp().numpy()
    expected = -scipy.stats.norm(flow.shift.detach().numpy(), scale).logpdf(x.numpy()).sum(-1)
    torch.testing.assert_close(model.energy(x).detach(), torch.from_numpy(expected))
    grad = model.gradient(x, create_graph=True)
    grad.pow(2).sum().backward()
    assert flow.shift.grad is not None and flow.shift.grad.abs().sum() > 0
    first = model.sample(3, generator=torch.Generator().manual_seed(0))
    assert first.shape == (3, 2) and torch.equal(
        first, model.sample(3, generator=torch.Generator().manual_seed(0))
    )
    with pytest.raises(ebmcore.RegistrationError, match="live AffineFlow object has no config"):
        model.spec  # noqa: B018


def test_a_live_object_without_event_shape_or_dim_fits_any_dimension() -> None:
    class StandardNormal(nn.Module):
        def log_prob(self, x: torch.Tensor) -> torch.Tensor:
            return -0.5 * (x * x).sum(-1) - 0.5 * x.shape[-1] * math.log(2 * math.pi)

        def sample(self, n: int) -> torch.Tensor:
            return torch.randn(n, 3)

    model = Density(StandardNormal())  # positional, no dim: TorchEBM's DensityModelEnergy(model)
    assert model.event_shape is None and model.dim is None
    for d in (1, 2, 5):
        x = torch.randn(2, 3, d, dtype=F64, generator=torch.Generator().manual_seed(d))
        expected = 0.5 * (x * x).sum(-1) + 0.5 * d * math.log(2 * math.pi)
        torch.testing.assert_close(model.energy(x), expected)
        torch.testing.assert_close(model.gradient(x), x)
    assert model.sample(4).shape == (4, 3)
    with pytest.raises(ebmcore.RegistrationError, match="live StandardNormal object has no config"):
        model.spec  # noqa: B018
    flow = Density(AffineFlow())  # its log_prob fixes 2 coordinates, the model does not
    x = torch.randn(5, 2, dtype=F64, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(flow.energy(x), Density(AffineFlow(), dim=2).energy(x))


def test_live_object_errors() -> None:
    with pytest.raises(
        ebmcore.InvalidParameterError, match="'params' must be None when distribution is a live"
    ):
        Density(AffineFlow(), params={"loc": 0.0}, dim=2)

    class Wrong(nn.Module):
        def log_prob(self, x: torch.Tensor) -> torch.Tensor:
            return x  # not reduced over the event dimension

        def sample(self, n: int) -> torch.Tensor:
            return torch.zeros(n)

    model = Density(Wrong(), dim=2)
    with pytest.raises(ebmcore.InvalidParameterError, match=r"log_prob returned \(4, 2\)"):
        model.energy(torch.zeros(4, 2))
    with pytest.raises(
        ebmcore.InvalidParameterError, match=r"returns a tensor of shape \(3, 2\), got \(3,\)"
    ):
        model.sample(3)
    low = Density(D.Normal(torch.zeros(2), torch.ones(2)))  # float32 parameters

    class Lossy(nn.Module):
        def log_prob(self, x: torch.Tensor) -> torch.Tensor:
            return low.distribution.log_prob(x.float())

    with pytest.raises(
        ebmcore.InvalidInputError, match=r"returned torch\.float32 log-probabilities for torch\.float64 x"
    ):
        Density(Lossy(), dim=2).energy(torch.zeros(2, dtype=F64))
    with pytest.raises(NotImplementedError, match="no exact sampler"):
        Density(Lossy(), dim=2).sample(2)


def test_input_checks_come_from_the_base_class() -> None:
    model = ebmcore.create("density", dim=3)
    with pytest.raises(ebmcore.InvalidInputError, match=r"expects x of shape \(\*batch, 3\), got \(2, 2\)"):
        model.energy(torch.zeros(2, 2))


# -- the plugin itself -----------------------------------------------------------------------------


def test_the_plugin_loads_cleanly_and_listing_imports_no_torch() -> None:
    (plugin,) = [p for p in ebmcore.plugins() if p.name == "density"]
    assert plugin.status == "loaded" and plugin.distribution == "ebmcore-density"
    assert plugin.energies == ["density/density"] and not plugin.problems and not plugin.warnings
    code = (
        "import sys, ebmcore, ebmcore_density; ebmcore.list_energies(plugin='density'); "
        "assert 'torch' not in sys.modules, 'torch imported'; "
        "ebmcore_density.Density; assert 'torch' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize(
    "spec",
    [
        {"distribution": "MultivariateNormal", "dim": 3},
        {"distribution": "StudentT", "params": {"df": 4.0}, "dim": 3},
        {"distribution": "Gamma", "params": {"concentration": 2.0, "rate": 1.5}, "dim": 3},
    ],
)
def test_half_precision_input_is_computed_in_float32(spec: dict[str, Any], dtype: torch.dtype) -> None:
    model = ebmcore.create("density", **spec)
    x = (torch.rand(5, 3, generator=torch.Generator().manual_seed(0)) + 0.5).to(dtype)
    energy, grad = model.energy_and_gradient(x)
    assert energy.dtype == grad.dtype == dtype
    exact_energy, exact_grad = model.energy_and_gradient(x.double())
    torch.testing.assert_close(energy, exact_energy.to(dtype), rtol=torch.finfo(dtype).eps, atol=0)
    torch.testing.assert_close(grad.double(), exact_grad, rtol=2e-2, atol=2e-2)
