"""Logistic regression: the energy against sklearn and scipy, the gradient against autograd, the
MAP against sklearn's LogisticRegression, and the improper flat posterior (separable data)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import torch
from scipy import optimize, special, stats
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
from sklearn.metrics import log_loss
from sklearn.preprocessing import StandardScaler

import ebmcore

BUNCH = load_breast_cancer()
STANDARDIZED = StandardScaler().fit_transform(BUNCH.data)
TARGET = BUNCH.target
CASES = [
    pytest.param("normal", 1.0, True, id="normal-1-intercept"),
    pytest.param("normal", 2.5, False, id="normal-2.5"),
    pytest.param("flat", 1.0, True, id="flat-intercept"),
    pytest.param("flat", 1.0, False, id="flat"),
]


def design(intercept: bool) -> np.ndarray:
    return np.column_stack([np.ones(len(TARGET)), STANDARDIZED]) if intercept else STANDARDIZED


def reference_energy(beta: np.ndarray, prior: str, scale: float, intercept: bool) -> float:
    """-log p(y | beta) - log p(beta), from sklearn's log loss and scipy's normal density."""
    probability = special.expit(design(intercept) @ beta)
    energy = log_loss(TARGET, probability, normalize=False, labels=[0, 1])
    if prior == "normal":
        energy -= stats.norm(0.0, scale).logpdf(beta).sum()
    return float(energy)


def create(prior: str = "normal", scale: float = 1.0, intercept: bool = True) -> ebmcore.BaseModel:
    return ebmcore.create("logistic_regression", prior=prior, prior_scale=scale, intercept=intercept)


@pytest.mark.parametrize("batch", [(), (5,), (2, 3)], ids=str)
@pytest.mark.parametrize(("prior", "scale", "intercept"), CASES)
def test_energy_matches_sklearn_and_scipy(prior: str, scale: float, intercept: bool, batch: tuple) -> None:
    model = create(prior, scale, intercept)
    dim = 31 if intercept else 30
    assert model.dim == dim
    # small coefficients keep the probabilities away from 0 and 1, where log_loss clips them
    generator = torch.Generator().manual_seed(3)
    x = 0.1 * torch.randn(*batch, dim, dtype=torch.float64, generator=generator)
    energies = model.energy(x)
    assert energies.dtype == torch.float64 and energies.shape == batch
    expected = [reference_energy(beta, prior, scale, intercept) for beta in x.reshape(-1, dim).numpy()]
    np.testing.assert_allclose(energies.reshape(-1).numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize(("prior", "scale", "intercept"), CASES)
def test_gradient_matches_autograd(prior: str, scale: float, intercept: bool) -> None:
    model = create(prior, scale, intercept)
    x = torch.randn(4, 3, model.dim, dtype=torch.float64, generator=torch.Generator().manual_seed(4))
    energy, gradient = model.energy_and_gradient(x)
    with ebmcore.use_backend("autograd"):
        expected = model.gradient(x)
    torch.testing.assert_close(gradient, expected, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(energy, model(x), rtol=1e-14, atol=0.0)
    torch.testing.assert_close(model.gradient(x), gradient, rtol=1e-14, atol=0.0)


def test_negated_design_follows_the_buffer() -> None:
    # the energy reads the design negated once per dtype: a change to the buffer must reach it
    model = create("normal", 1.0, True)
    x = 0.1 * torch.randn(3, model.dim, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    before = model.energy(x)
    with torch.no_grad():
        model.signed_design.mul_(-1.0)  # every label flipped: the margins change sign
    flipped = create("normal", 1.0, True)
    flipped.signed_design = -flipped.signed_design
    torch.testing.assert_close(model.energy(x), flipped.energy(x), rtol=1e-14, atol=0.0)
    assert not torch.allclose(model.energy(x), before)
    # a buffer that requires grad gets its derivative, as any tensor in the graph does
    model.signed_design.requires_grad_(True)
    energy, _ = model.energy_and_gradient(x, create_graph=True)
    (design_grad,) = torch.autograd.grad(energy.sum(), model.signed_design)
    margins = x @ model.signed_design.detach().T  # d softplus(-m) / dz = -sigmoid(-m) x
    expected = -(torch.sigmoid(-margins).unsqueeze(-1) * x.unsqueeze(-2)).sum(0)
    torch.testing.assert_close(design_grad, expected, rtol=1e-12, atol=1e-12)


def test_data_and_coordinates() -> None:
    model = create()
    np.testing.assert_allclose(model.features[:, 1:].numpy(), STANDARDIZED, rtol=0, atol=1e-12)
    assert torch.equal(model.features[:, 0], torch.ones(569, dtype=torch.float64))
    assert torch.equal(model.labels, torch.from_numpy(TARGET.astype(np.float64)))
    names = tuple(name.replace(" ", "_") for name in BUNCH.feature_names)
    assert model.coordinates == ("intercept", *names)
    assert model.coordinates[1] == "mean_radius" and len(model.coordinates) == model.dim
    no_intercept = create(intercept=False)
    assert no_intercept.coordinates == names
    np.testing.assert_allclose(no_intercept.features.numpy(), STANDARDIZED, rtol=0, atol=1e-12)
    # the data are copies: writing to them changes nothing
    model.features.zero_()
    model.labels.zero_()
    assert model.features.abs().sum() > 0 and model.labels.sum() == 357
    assert model.bounds is None and model.minima is None and model.log_partition() is None


@pytest.mark.parametrize("scale", [1.0, 0.3])
def test_map_matches_sklearn(scale: float) -> None:
    """sklearn minimizes C sum(log loss) + |w|^2 / 2: our energy divided by C = s^2, up to a constant."""
    model = create("normal", scale, intercept=False)

    def energy_and_gradient(beta: np.ndarray) -> tuple[float, np.ndarray]:
        e, g = model.energy_and_gradient(torch.from_numpy(beta))
        return float(e), g.numpy()

    result = optimize.minimize(
        energy_and_gradient,
        np.zeros(model.dim),
        jac=True,
        method="BFGS",
        options={"gtol": 1e-9, "maxiter": 10_000},
    )
    # BFGS may stop at the precision of the energy ("precision loss") rather than at gtol: what
    # certifies the minimizer is the gradient, since E is 1/s^2-strongly convex
    # (|beta - beta_map| <= s^2 |gradient|)
    assert np.linalg.norm(result.jac) < 1e-6, result.message
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = SklearnLogisticRegression(C=scale**2, fit_intercept=False, tol=1e-12, max_iter=10_000)
        fitted.fit(STANDARDIZED, TARGET)
    np.testing.assert_allclose(result.x, fitted.coef_[0], rtol=0, atol=1e-5)


def test_flat_prior_is_improper() -> None:
    """The data (with the intercept) are linearly separable: the energy has no minimum."""
    signs = 2.0 * TARGET - 1.0
    x = design(intercept=True)
    # find beta with (2y_n - 1) x_n . beta >= 1 for every n: a feasibility linear program
    separation = optimize.linprog(
        np.zeros(x.shape[1]), A_ub=-signs[:, None] * x, b_ub=-np.ones(len(signs)), bounds=(None, None)
    )
    assert separation.status == 0, separation.message
    direction = torch.from_numpy(separation.x)
    assert (torch.from_numpy(signs * (x @ separation.x)) >= 1 - 1e-9).all()
    model = create("flat")
    steps = torch.tensor([0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0], dtype=torch.float64)
    energies, gradients = model.energy_and_gradient(steps[:, None] * direction)
    assert energies[0] == pytest.approx(569 * np.log(2.0), rel=1e-14)
    assert (energies[1:] < energies[:-1]).all() and (energies > 0).all()
    assert energies[-1] < 569 * np.exp(-31.0)  # each term is softplus(-t margin) <= e^{-t}
    # the directional derivative stays negative: no stationary point along the ray
    assert (gradients @ direction < 0).all()
    # with the normal prior the same ray turns back up
    normal = create("normal").energy(steps[:, None] * direction)
    assert normal[-1] > normal[0]


def test_float32_close_to_float64() -> None:
    for model in (create(), create("flat", intercept=False)):
        x = torch.randn(16, model.dim, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
        e64, g64 = model.energy_and_gradient(x)
        e32, g32 = model.energy_and_gradient(x.float())
        assert e32.dtype == g32.dtype == torch.float32
        assert torch.isfinite(e32).all() and torch.isfinite(g32).all()
        torch.testing.assert_close(e32.double(), e64, rtol=1e-5, atol=1e-4)
        scale = g64.abs().amax(-1, keepdim=True)
        torch.testing.assert_close(g32.double() / scale, g64 / scale, rtol=0, atol=1e-5)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
def test_extreme_coefficients_stay_finite(dtype: torch.dtype) -> None:
    for model in (create(), create("flat")):
        x = 1e3 * torch.randn(8, model.dim, generator=torch.Generator().manual_seed(6)).to(dtype)
        energy, gradient = model.energy_and_gradient(x)
        assert torch.isfinite(energy).all() and torch.isfinite(gradient).all()
        assert (energy > 0).all()
        with ebmcore.use_backend("autograd"):
            assert torch.isfinite(model.gradient(x)).all()
    # a single term far out: softplus(t) = t for large t, 0 for very negative t
    model = create("flat")
    direction = torch.zeros(model.dim, dtype=dtype)
    direction[0] = 1e3  # the intercept alone: eta_n = 1000 for every n
    energy = model.energy(direction)
    assert energy.item() == pytest.approx(1e3 * (569 - 357), rel=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({"prior": "laplace"}, ["prior"]),
        ({"prior_scale": 0.0}, ["prior_scale"]),
        ({"prior_scale": -1.0}, ["prior_scale"]),
        ({"prior_scale": float("inf")}, ["prior_scale"]),
        ({"prior": "flat", "prior_scale": 2.0}, ["prior_scale", "prior='flat'"]),
        ({"dataset": "iris"}, ["dataset"]),
        ({"intercept": "yes"}, ["intercept"]),
    ],
    ids=str,
)
def test_bad_parameters(kwargs: dict, names: list[str]) -> None:
    with pytest.raises(ebmcore.InvalidParameterError) as info:
        ebmcore.create("logistic_regression", **kwargs)
    for name in names:
        assert name in str(info.value)


def test_flat_prior_accepts_the_default_scale() -> None:
    model = ebmcore.create("logistic_regression", prior="flat", prior_scale=1.0)
    assert ebmcore.create(model.spec).config == model.config


def test_missing_scikit_learn_names_the_extra() -> None:
    script = textwrap.dedent(
        """
        import sys
        sys.modules["sklearn"] = None  # as if scikit-learn were not installed
        import ebmcore
        from ebmcore_posteriors import LogisticRegression
        try:
            LogisticRegression()
        except ImportError as exc:
            print("direct:", exc)
        try:
            ebmcore.create("logistic_regression")
        except ebmcore.PluginError as exc:
            print("create:", type(exc.__cause__).__name__, exc)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    direct, created = result.stdout.splitlines()
    assert direct.startswith("direct:") and 'pip install "ebmcore-posteriors[data]"' in direct
    assert created.startswith("create: ImportError") and "ebmcore-posteriors[data]" in created


def test_conformance_of_the_other_variants() -> None:
    """test_conformance.py runs the kit on the defaults; the flat, intercept-free variant here."""
    from ebmcore.testing import check_energy

    check_energy({"name": "logistic_regression", "prior": "flat", "intercept": False})


# -- the certified reference -------------------------------------------------------------------


def test_reference_is_certified_and_only_at_the_defaults() -> None:
    model = create()
    draws = model.reference_samples()
    assert draws is not None and draws.shape == (10_000, 31) and draws.dtype == torch.float64
    info = model.reference_info
    assert info is not None and info["certified"] and not info["quick"]
    assert max(info["diagnostics"]["rhat"]) < 1.01 and min(info["diagnostics"]["ess_tail"]) >= 400
    assert info["run"]["divergences"] == 0 and info["run"]["chains"] >= 8
    torch.testing.assert_close(model.mean, draws.mean(0))
    for other in (create(scale=2.0), create(intercept=False), create(prior="flat")):
        assert other.reference_samples() is None and other.mean is None and other.reference_info is None


def test_reference_agrees_with_importance_sampling() -> None:
    """Posterior means and second moments by self-normalized importance sampling from a
    multivariate t around the mode (an independent method), within 5 combined standard errors
    (the delta-method error of the weighted mean, and the reference's MCSE)."""
    model = create()
    x0 = np.zeros(31)
    result = optimize.minimize(
        lambda b: tuple(t.numpy() for t in model.energy_and_gradient(torch.from_numpy(b))),
        x0,
        jac=True,
        method="BFGS",
        options={"gtol": 1e-9},
    )
    mode = torch.from_numpy(result.x)
    hessian = torch.autograd.functional.hessian(lambda b: model(b), mode)
    # heavier tails and a wider shape than the Laplace approximation: the posterior is skewed
    shape = 1.5 * torch.linalg.inv(hessian).numpy()
    proposal = stats.multivariate_t(loc=result.x, shape=shape, df=4, seed=0)
    points = proposal.rvs(size=40_000)
    log_w = -model(torch.from_numpy(points)).numpy() - proposal.logpdf(points)
    w = np.exp(log_w - log_w.max())
    w /= w.sum()
    assert 1.0 / np.sum(w**2) > 1_000  # a usable ESS (about 1,400 of 40,000)
    draws = model.reference_samples().numpy()
    chains = draws.reshape(16, -1, 31)
    from ebmcore import _mcmc

    for values, weighted in ((chains, points), (chains**2, points**2)):
        estimate = values.reshape(-1, 31).mean(0)
        is_mean = w @ weighted
        is_se = np.sqrt(np.sum(w[:, None] ** 2 * (weighted - is_mean) ** 2, axis=0))  # delta method
        se = np.hypot(np.asarray(_mcmc.mcse_mean(values)), is_se)
        z = (estimate - is_mean) / se
        assert np.all(np.abs(z) < 5.0), np.round(z, 2)
