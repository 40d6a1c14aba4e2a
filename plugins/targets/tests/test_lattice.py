"""The lattice fields re-derived independently: the free field's log Z and covariance from a dense
precision matrix built site by site, gradients against autograd, the Z2 and lattice symmetries
of phi^4, the exact maps between its three conventions, and the HMC reference script."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import torch
from ebmcore_targets import FreeField, Phi4

import ebmcore

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "phi4_reference.py"


def dense_precision(L: int, m2: float) -> np.ndarray:
    """``-Delta + m^2`` on the periodic L x L lattice, written site by site (row-major sites)."""
    V = L * L
    Q = np.zeros((V, V))
    for i in range(L):
        for j in range(L):
            x = i * L + j
            Q[x, x] += 4.0 + m2
            for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                Q[x, ((i + di) % L) * L + (j + dj) % L] -= 1.0
    return Q


def hopping_action(phi: np.ndarray, kappa: float, lam: float) -> np.ndarray:
    """The SCLD action as its code writes it: -2 kappa phi (roll(phi, 1, -1) + roll(phi, 1, -2)) + ..."""
    kinetic = -2.0 * kappa * phi * (np.roll(phi, 1, -1) + np.roll(phi, 1, -2))
    return (kinetic + (1.0 - 2.0 * lam) * phi**2 + lam * phi**4).sum((-2, -1))


def standard_action(phi: np.ndarray, m2: float, lam: float, k: float = 1.0) -> np.ndarray:
    """k/2 sum_mu (phi(x + mu) - phi(x))^2 + k/2 m2 phi^2 + lam phi^4 (k = 2: Albergo et al.)."""
    kinetic = sum((np.roll(phi, -1, axis) - phi) ** 2 for axis in (-2, -1))
    return (0.5 * k * kinetic + 0.5 * k * m2 * phi**2 + lam * phi**4).sum((-2, -1))


def fields(L: int, n: int = 20, seed: int = 0, scale: float = 1.5) -> torch.Tensor:
    return scale * torch.randn(n, L, L, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


# -- free field ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("L", "m2"), [(2, 0.3), (3, 1.0), (5, 0.05), (6, 2.5)])
def test_free_field_energy_and_log_partition_from_the_dense_precision(L: int, m2: float) -> None:
    model = FreeField(L=L, m2=m2)
    Q = dense_precision(L, m2)
    x = fields(L)
    flat = x.reshape(len(x), -1).numpy()
    np.testing.assert_allclose(
        model.energy(x).numpy(), 0.5 * np.einsum("ni,ij,nj->n", flat, Q, flat), rtol=1e-12
    )
    eigenvalues = np.linalg.eigvalsh(Q)
    expected = 0.5 * L * L * math.log(2 * math.pi) - 0.5 * np.log(eigenvalues).sum()
    assert model.log_partition() == pytest.approx(expected, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(
        np.sort(model.precision_eigenvalues().reshape(-1).numpy()), eigenvalues, rtol=1e-12, atol=1e-12
    )
    covariance = np.linalg.inv(Q)
    np.testing.assert_allclose(model.stddev.reshape(-1).numpy(), np.sqrt(np.diag(covariance)), rtol=1e-12)


@pytest.mark.parametrize("L", [4, 5])
def test_fft_sampler_has_the_inverse_precision_as_covariance(L: int) -> None:
    """Sample covariance of 200,000 draws against (-Delta + m^2)^-1, entry by entry within 5.5
    standard errors se = sqrt((S_ii S_jj + S_ij^2) / n) (Gaussian fourth moments)."""
    m2, n = 0.2, 200_000
    model = FreeField(L=L, m2=m2)
    x = model.sample(n, generator=torch.Generator().manual_seed(3)).reshape(n, -1).numpy()
    truth = np.linalg.inv(dense_precision(L, m2))
    mean_z = x.mean(0) / np.sqrt(np.diag(truth) / n)
    assert np.abs(mean_z).max() < 5.0
    estimate = x.T @ x / n
    se = np.sqrt((np.outer(np.diag(truth), np.diag(truth)) + truth**2) / n)
    assert np.abs((estimate - truth) / se).max() < 5.5
    # the FFT transform is exactly (-Delta + m^2)^(-1/2): real, symmetric, and its square is the covariance
    eye = torch.eye(L * L, dtype=torch.float64).reshape(-1, L, L)
    spectrum = torch.fft.ifft2(torch.fft.fft2(eye) * torch.rsqrt(model.precision_eigenvalues()))
    root = spectrum.real.reshape(L * L, L * L).numpy()
    assert float(spectrum.imag.abs().max()) < 1e-14
    np.testing.assert_allclose(root, root.T, atol=1e-14)
    np.testing.assert_allclose(root @ root, truth, atol=1e-12)


def test_free_field_sample_dtype_and_reproducibility() -> None:
    model = FreeField(L=6)
    a = model.sample(5, generator=torch.Generator().manual_seed(0))
    b = model.sample(5, generator=torch.Generator().manual_seed(0))
    assert torch.equal(a, b) and a.shape == (5, 6, 6) and a.dtype == torch.float64
    assert model.float().sample(3).dtype == torch.float32


# -- gradients and symmetries ---------------------------------------------------------------------

MODELS = [
    ("free_field", {"L": 2, "m2": 0.7}),
    ("free_field", {"L": 5, "m2": 1.3}),
    ("phi4", {"L": 2}),
    ("phi4", {"L": 3, "kappa": 0.5}),
    ("phi4", {"L": 8, "kappa": 0.2}),
    ("phi4", {"L": 4, "variant": "standard", "m2": -1.0, "lam": 0.5}),
    ("phi4", {"L": 5, "variant": "albergo"}),
]


@pytest.mark.parametrize(("name", "params"), MODELS)
def test_analytic_gradients_equal_autograd_in_float64(name: str, params: dict[str, object]) -> None:
    model = ebmcore.create(name, **params)
    L = model.L
    x = fields(L, 12).reshape(2, 6, L, L)
    energy, gradient = model.energy_and_gradient(x)
    with ebmcore.use_backend("autograd"):
        torch.testing.assert_close(model.gradient(x), gradient, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(model.energy(x), energy, rtol=1e-13, atol=1e-13)
    assert ebmcore.resolve_backend(model, x) == "analytic"
    torch.testing.assert_close(model.analytic_gradient(x), gradient, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize(("name", "params"), MODELS)
def test_z2_and_lattice_symmetries(name: str, params: dict[str, object]) -> None:
    model = ebmcore.create(name, **params)
    x = fields(model.L, 16)
    energy = model.energy(x)
    assert torch.equal(model.energy(-x), energy)  # exact: every term is even in phi
    assert torch.equal(model.gradient(-x), -model.gradient(x))
    images = [
        torch.roll(x, (1, 2), (-2, -1)),  # translation
        torch.rot90(x, 1, (-2, -1)),  # rotation by 90 degrees
        torch.flip(x, (-1,)),  # reflection
        x.transpose(-2, -1),  # reflection on the diagonal
    ]
    for image in images:
        torch.testing.assert_close(model.energy(image), energy, rtol=1e-13, atol=1e-12)
    assert set(model.symmetries) == {
        "sign_flip",
        "lattice_translation",
        "lattice_rotation",
        "lattice_reflection",
    }
    assert torch.equal(model.mean, torch.zeros(model.L, model.L, dtype=torch.float64))


# -- phi^4: its conventions ------------------------------------------------------------------------


@pytest.mark.parametrize(("kappa", "lam"), [(0.2, 0.022), (0.3, 0.022), (0.5, 0.022), (0.15, 1.3)])
def test_hopping_form_is_the_scld_action(kappa: float, lam: float) -> None:
    model = Phi4(L=6, kappa=kappa, lam=lam)
    x = fields(6)
    np.testing.assert_allclose(model.energy(x).numpy(), hopping_action(x.numpy(), kappa, lam), rtol=1e-12)


@pytest.mark.parametrize(("variant", "k"), [("standard", 1.0), ("albergo", 2.0)])
def test_mass_forms_are_the_literature_actions(variant: str, k: float) -> None:
    model = Phi4(L=5, variant=variant, m2=-1.7, lam=0.9)
    x = fields(5)
    np.testing.assert_allclose(model.energy(x).numpy(), standard_action(x.numpy(), -1.7, 0.9, k), rtol=1e-12)


@pytest.mark.parametrize(("kappa", "lam"), [(0.2, 0.022), (0.3, 0.022), (0.5, 0.022), (0.27, 0.7)])
def test_hopping_and_standard_forms_agree_under_the_field_rescaling(kappa: float, lam: float) -> None:
    """phi_std = sqrt(2 kappa) phi_hop, m^2 = (1 - 2 lam) / kappa - 4, g = lam / (4 kappa^2):
    the two actions differ by a constant, which is 0."""
    x = fields(8).numpy()
    c = math.sqrt(2.0 * kappa)
    m2, g = (1.0 - 2.0 * lam) / kappa - 4.0, lam / (4.0 * kappa**2)
    difference = standard_action(c * x, m2, g) - hopping_action(x, kappa, lam)
    np.testing.assert_allclose(difference, 0.0, atol=1e-11 * np.abs(hopping_action(x, kappa, lam)).max())
    if abs(c - 1.0) > 0.1:  # the other way round, phi_hop = sqrt(2 kappa) phi_std, does not map them
        wrong = standard_action(x / c, m2, g) - hopping_action(x, kappa, lam)
        assert np.ptp(wrong) > 1.0
    hopping = Phi4(L=8, kappa=kappa, lam=lam)
    standard, scale = hopping.equivalent("standard")
    assert scale == pytest.approx(c, rel=1e-15)
    assert standard.config["m2"] == pytest.approx(m2, rel=1e-13)
    assert standard.config["lam"] == pytest.approx(g, rel=1e-13)
    torch.testing.assert_close(
        standard.energy(scale * torch.from_numpy(x)), hopping.energy(torch.from_numpy(x))
    )


def test_albergo_form_is_the_standard_form_of_sqrt2_phi() -> None:
    """S_alb(phi; m^2, lam) = S_std(sqrt(2) phi; m^2, lam / 4), exactly."""
    x = fields(6).numpy()
    np.testing.assert_allclose(
        standard_action(math.sqrt(2.0) * x, -4.0, 2.0), standard_action(x, -4.0, 8.0, k=2.0), rtol=1e-12
    )
    albergo = Phi4(L=6, variant="albergo")
    standard, scale = albergo.equivalent("standard")
    assert scale == pytest.approx(math.sqrt(2.0)) and standard.config == Phi4(L=6, variant="standard").config


@pytest.mark.parametrize("variant", ["hopping", "standard", "albergo"])
@pytest.mark.parametrize("start", [{"kappa": 0.3}, {"variant": "standard", "m2": -6.5, "lam": 0.4}])
def test_every_conversion_keeps_the_energy_and_round_trips(variant: str, start: dict[str, object]) -> None:
    model = Phi4(L=4, **start)  # type: ignore[arg-type]
    other, c = model.equivalent(variant)
    x = fields(4)
    torch.testing.assert_close(other.energy(c * x), model.energy(x), rtol=1e-12, atol=1e-10)
    back, c_back = other.equivalent(model.variant)
    assert c * c_back == pytest.approx(1.0, rel=1e-14)
    for key in ("kappa", "m2", "lam"):
        if model.config[key] is not None:
            assert back.config[key] == pytest.approx(model.config[key], rel=1e-12, abs=1e-14)
    # the minimizers map onto each other too
    assert other.field_minimum == pytest.approx(c * model.field_minimum, rel=1e-12, abs=1e-12)


def test_phi4_without_quartic_term_is_the_free_field() -> None:
    phi4 = Phi4(L=5, variant="standard", m2=0.8, lam=0.0)
    free = FreeField(L=5, m2=0.8)
    x = fields(5)
    torch.testing.assert_close(phi4.energy(x), free.energy(x), rtol=1e-13, atol=1e-13)
    torch.testing.assert_close(phi4.gradient(x), free.gradient(x), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"m2": 1.0}, "m2"),
        ({"variant": "standard", "kappa": 0.3}, "kappa"),
        ({"variant": "standard", "m2": -1.0, "lam": 0.0}, "lam"),
        ({"kappa": 0.3, "lam": 0.0}, "lam"),  # a = 1 < 2J = 1.2: not normalizable
        ({"kappa": -0.1}, "kappa"),
        ({"variant": "scld"}, "variant"),
        ({"L": 1}, "L"),
    ],
)
def test_bad_parameters_name_the_parameter(params: dict[str, object], parameter: str) -> None:
    with pytest.raises(ebmcore.InvalidParameterError) as error:
        ebmcore.create("phi4", **params)
    assert error.value.parameter == parameter


# -- phi^4: minima -----------------------------------------------------------------------------------


def test_uncoupled_sites_have_every_sign_pattern_as_minimizer() -> None:
    model = Phi4(L=3, kappa=0.0, lam=0.8)  # a = -0.6: a double well on every site
    minima = model.minima
    assert minima.count == 2**9 and len(minima.points) == 2
    pattern = minima.points[0] * torch.tensor([1.0, -1.0, 1.0], dtype=torch.float64)  # mixed signs
    assert float(model.energy(pattern)) == pytest.approx(minima.value, rel=1e-14)


@pytest.mark.parametrize("params", [{"kappa": 0.2}, {"kappa": 0.3}, {"kappa": 0.5}, {"variant": "albergo"}])
def test_minima_are_the_uniform_fields(params: dict[str, object]) -> None:
    model = ebmcore.create("phi4", L=4, **params)
    minima = model.minima
    v = model.field_minimum
    assert minima.count == (2 if v > 0 else 1)
    J, a, b = model.couplings
    if v > 0:  # v^2 = (2J - a) / (2b), and the value in closed form
        assert v * v == pytest.approx((2 * J - a) / (2 * b))
    points = minima.points
    energy, gradient = model.energy_and_gradient(points)
    torch.testing.assert_close(energy, torch.full_like(energy, minima.value), rtol=1e-12, atol=1e-12)
    assert float(gradient.abs().max()) < 1e-10
    hessian = torch.autograd.functional.hessian(
        lambda y: model.energy(y.reshape(4, 4)), points[0].reshape(-1)
    )
    assert float(torch.linalg.eigvalsh(hessian).min()) > 0
    # nothing lower: gradient descent from 64 random fields ends at or above the minimum
    x = fields(4, 64, seed=1, scale=2.0 * v + 1.0).requires_grad_(True)
    optimizer = torch.optim.Adam([x], lr=0.05)
    for _ in range(300):
        optimizer.zero_grad()
        model.energy(x).sum().backward()
        optimizer.step()
    assert float(model.energy(x.detach()).min()) >= minima.value - 1e-9


# -- phi^4: reference values and the HMC script ------------------------------------------------------


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("phi4_reference", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["phi4_reference"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_reference_table() -> None:
    table = Phi4.reference_table()
    assert sorted(table) == [(8, 0.2, 0.022), (8, 0.3, 0.022), (8, 0.5, 0.022)]
    for (_, kappa, _), entry in table.items():
        for estimate in (entry.abs_magnetization, entry.abs_field):
            assert estimate.rhat < 1.01 and estimate.ess_bulk > 10_000 and estimate.ess_tail > 10_000
            assert 0 < estimate.stderr < 1e-3
        assert entry.abs_field.mean >= entry.abs_magnetization.mean  # |mean| <= mean |.|
        assert ebmcore.create("phi4", kappa=kappa).reference_magnetization == entry
    assert [entry.published for entry in table.values()] == [0.6239, 2.0870, 4.8298]
    assert ebmcore.create("phi4", kappa=0.4).reference_magnetization is None
    assert ebmcore.create("phi4", variant="standard").reference_magnetization is None


def test_hmc_of_the_script_is_exact_on_a_gaussian_point(script: ModuleType) -> None:
    """lam = 0: the hopping action is a Gaussian whose zero mode has precision 2a - 4J, so
    M ~ N(0, 1 / (64 (2a - 4J))) and <|M|> = sqrt(2 / (pi * 64 * 0.4)) at kappa = 0.2."""
    result = script.run_point(8, 0.2, 0.0, chains=8, warmup=200, draws=1000, trajectory=2.0, seed=5)
    exact = math.sqrt(2.0 / (math.pi * 64 * (2 * 1.0 - 4 * 0.4)))
    estimate = result.abs_magnetization
    assert abs(estimate.mean - exact) < 5 * estimate.stderr
    assert 0.7 < result.acceptance < 0.9


def test_reference_script_quick_mode(script: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    results = script.main(["--quick"])
    assert [r.kappa for r in results] == [0.2, 0.3, 0.5]
    table = Phi4.reference_table()
    for r in results:
        reference = table[(8, r.kappa, 0.022)]
        assert 0.7 < r.acceptance < 0.9
        for quick, shipped in (
            (r.abs_magnetization, reference.abs_magnetization),
            (r.abs_field, reference.abs_field),
        ):
            assert quick.rhat < 1.05
            assert abs(quick.mean - shipped.mean) < 5 * math.hypot(quick.stderr, shipped.stderr)
    assert "<|M|>" in capsys.readouterr().out


def test_magnetization_is_the_mean_over_the_sites() -> None:
    model = Phi4(L=4)
    x = fields(4, 3)
    torch.testing.assert_close(model.magnetization(x), x.reshape(3, -1).mean(-1))
    torch.testing.assert_close(model.absolute_field(x), x.abs().reshape(3, -1).mean(-1))
    torch.testing.assert_close(FreeField(L=4).magnetization(x), x.reshape(3, -1).mean(-1))
