"""DW-4 and Lennard-Jones clusters: conventions, symmetries, minima and the alignment helpers.

Energies are checked against independent NumPy/SciPy implementations written from the papers'
formulas, minima against the Cambridge Cluster Database values and against local optimization
(SciPy's L-BFGS) from many starts, and the symmetry helpers against SciPy's assignment solver,
SciPy's rotation fit and brute force.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import pytest
import torch
from ebmcore_targets import DW4, LennardJones, align, remove_mean
from ebmcore_targets._symmetry import _assignment, _kabsch
from scipy.optimize import linear_sum_assignment, minimize
from scipy.spatial.distance import pdist
from scipy.spatial.transform import Rotation

import ebmcore
from ebmcore import Minima
from ebmcore.testing import check_energy, run_check

F64 = torch.float64
LJ13_CCD = -44.326801  # Cambridge Cluster Database, units of epsilon (Wales & Doye 1997)
LJ55_CCD = -279.248470


# -- independent references -------------------------------------------------------------------


def dw_reference(x: np.ndarray, n: int, d: int, a=0.0, b=-4.0, c=0.9, d0=4.0, tau=1.0, pairs="unique"):
    """Köhler et al.: 1/(2 tau) sum over i != j (= unique pairs / tau); 'ordered' drops the 1/2."""
    total = []
    for row in np.atleast_2d(x):
        u = pdist(row.reshape(n, d)) - d0
        energy = (a * u + b * u**2 + c * u**4).sum() / tau
        total.append(energy if pairs == "unique" else 2.0 * energy)
    return np.array(total)


def lj_reference(x: np.ndarray, n: int, d: int, eps=1.0, rm=1.0, c=1.0, tau=1.0, pairs="unique"):
    """An explicit double loop over ordered pairs i != j, halved for the unique-pair convention."""
    total = []
    for row in np.atleast_2d(x):
        p = row.reshape(n, d)
        ordered = 0.0
        for i in range(n):
            for j in range(n):
                if i != j:
                    r = rm / np.linalg.norm(p[i] - p[j])
                    ordered += r**12 - 2.0 * r**6
        pair = eps / tau * (0.5 * ordered if pairs == "unique" else ordered)
        total.append(pair + 0.5 * c * ((p - p.mean(0)) ** 2).sum())
    return np.array(total)


def lj_numpy(x: np.ndarray, n: int) -> tuple[float, np.ndarray]:
    """Pure LJ (epsilon = r_m = 1, unique pairs) and its gradient, for SciPy's optimizer."""
    p = x.reshape(n, 3)
    diff = p[:, None] - p[None]
    s = (diff**2).sum(-1)
    np.fill_diagonal(s, 1.0)
    s6 = s**-3.0
    u = s6 * (s6 - 2.0)
    w = -12.0 * s6 * (s6 - 1.0) / s
    np.fill_diagonal(u, 0.0)
    np.fill_diagonal(w, 0.0)
    return 0.5 * u.sum(), (w[..., None] * diff).sum(1).ravel()


def dw4_numpy(x: np.ndarray) -> tuple[float, np.ndarray]:
    """Default DW-4 (unique pairs, tau = 1) and its gradient."""
    p = x.reshape(4, 2)
    diff = p[:, None] - p[None]
    d = np.sqrt((diff**2).sum(-1))
    np.fill_diagonal(d, 1.0)
    u = d - 4.0
    f = -4.0 * u**2 + 0.9 * u**4
    w = (-8.0 * u + 3.6 * u**3) / d
    np.fill_diagonal(f, 0.0)
    np.fill_diagonal(w, 0.0)
    return 0.5 * f.sum(), (w[..., None] * diff).sum(1).ravel()


def lbfgs(fun, x0: np.ndarray, *args: object) -> tuple[float, np.ndarray]:
    result = minimize(
        fun,
        x0,
        args=args,
        jac=True,
        method="L-BFGS-B",
        options={"gtol": 1e-11, "ftol": 1e-16, "maxiter": 20000},
    )
    return float(result.fun), result.x


def random_orthogonal(d: int, generator: torch.Generator, proper: bool = True) -> torch.Tensor:
    q, r = torch.linalg.qr(torch.randn(d, d, generator=generator, dtype=F64))
    q = q * torch.sign(torch.diagonal(r))
    if (torch.linalg.det(q) < 0) == proper:
        q[:, 0] = -q[:, 0]
    return q


def transform(
    x: torch.Tensor, n: int, d: int, generator: torch.Generator, proper: bool = True
) -> torch.Tensor:
    """A random element of E(d) x S_n applied to flat configurations ``(..., n d)``."""
    rotation = random_orthogonal(d, generator, proper)
    perm = torch.randperm(n, generator=generator)
    shift = 3.0 * torch.randn(d, generator=generator, dtype=F64)
    p = x.reshape(*x.shape[:-1], n, d)[..., perm, :]
    return (p @ rotation.T + shift).reshape(x.shape)


# -- registry and conventions -------------------------------------------------------------------


def test_registered_presets_and_layout() -> None:
    dw4, lj13, lj55 = (ebmcore.create(name) for name in ("dw4", "lj13", "lj55"))
    assert isinstance(dw4, DW4) and (dw4.n_particles, dw4.spatial_dim, dw4.dim) == (4, 2, 8)
    assert isinstance(lj13, LennardJones) and (lj13.n_particles, lj13.spatial_dim, lj13.dim) == (13, 3, 39)
    assert isinstance(lj55, LennardJones) and (lj55.n_particles, lj55.dim) == (55, 165)
    assert lj13.config == {
        "n_particles": 13,
        "spatial_dim": 3,
        "epsilon": 1.0,
        "r_min": 1.0,
        "harmonic": 1.0,
        "temperature": 1.0,
        "pair_counting": "unique",
    }
    assert dw4.symmetries == lj55.symmetries == ("permutation", "rotation", "reflection", "translation")
    x = torch.arange(8.0)
    assert dw4.particles(x).tolist() == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0]]
    assert torch.equal(dw4.particles(x).flatten(-2), x)
    for model in (dw4, lj13, lj55):
        assert model.log_partition() is None and model.modes is None
        with pytest.raises(NotImplementedError):
            model.sample(3)
        bounds = model.bounds
        assert bounds.shape == (2, model.dim) and bool((bounds[0] < 0).all() and (bounds[1] > 0).all())


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"temperature": 2.5}, {"pair_counting": "ordered"}, {"a": 0.3, "b": -2.0, "c": 0.5, "d0": 3.0}],
)
def test_dw4_matches_the_formula_of_kohler_et_al(kwargs: dict) -> None:
    model = DW4(**kwargs)
    x = 3.0 * torch.randn(16, 8, generator=torch.Generator().manual_seed(1), dtype=F64)
    names = {"temperature": "tau", "pair_counting": "pairs"}
    expected = dw_reference(x.numpy(), 4, 2, **{names.get(k, k): v for k, v in kwargs.items()})
    np.testing.assert_allclose(model.energy(x).numpy(), expected, rtol=1e-12)


def test_dw4_in_other_sizes_and_the_bgflow_parametrization() -> None:
    """bgflow's MultiDoubleWellPotential(a=0.9, b=-4, c=0, offset=4), used by iDEM, is DW4()."""
    x = 2.0 * torch.randn(5, 12, generator=torch.Generator().manual_seed(2), dtype=F64)
    model = DW4(n_particles=4, spatial_dim=3)
    p = x.reshape(5, 4, 3).numpy()
    bgflow = np.array([sum(0.9 * (d - 4) ** 4 - 4 * (d - 4) ** 2 + 0.0 for d in pdist(q)) for q in p])
    np.testing.assert_allclose(model.energy(x).numpy(), bgflow, rtol=1e-12)
    np.testing.assert_allclose(
        DW4(n_particles=6).energy(x).numpy(), dw_reference(x.numpy(), 6, 2), rtol=1e-12
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"pair_counting": "ordered"},
        {"harmonic": 0.0},
        {"epsilon": 2.0, "r_min": 1.3, "harmonic": 0.5, "temperature": 0.7},
    ],
)
def test_lennard_jones_matches_an_explicit_double_loop(kwargs: dict) -> None:
    model = LennardJones(**kwargs)
    x = 1.5 * torch.randn(6, 39, generator=torch.Generator().manual_seed(3), dtype=F64)
    names = {"epsilon": "eps", "r_min": "rm", "harmonic": "c", "temperature": "tau", "pair_counting": "pairs"}
    expected = lj_reference(x.numpy(), 13, 3, **{names[k]: v for k, v in kwargs.items()})
    np.testing.assert_allclose(model.energy(x).numpy(), expected, rtol=1e-12)


def test_pair_counting_and_temperature_scale_only_the_pair_term() -> None:
    x = torch.randn(7, 39, generator=torch.Generator().manual_seed(4), dtype=F64)
    harmonic = 0.5 * LennardJones(harmonic=1.0).remove_mean(x).square().sum(-1)
    pure = LennardJones(harmonic=0.0).energy(x)
    torch.testing.assert_close(LennardJones().energy(x), pure + harmonic, rtol=1e-13, atol=0)
    ordered = LennardJones(pair_counting="ordered", temperature=0.5).energy(x)
    torch.testing.assert_close(ordered, 4.0 * pure + harmonic, rtol=1e-12, atol=0)
    dw = DW4().energy(x[:, :8])
    torch.testing.assert_close(
        DW4(pair_counting="ordered", temperature=4.0).energy(x[:, :8]), dw / 2, rtol=1e-13, atol=0
    )


def test_closed_forms_for_two_particles() -> None:
    pair = torch.tensor([0.3, -0.2, 0.1, 0.3, -0.2, 1.4], dtype=F64)  # distance 1.3 along z
    model = LennardJones(n_particles=2, r_min=1.3, epsilon=3.0, harmonic=2.0, temperature=0.5)
    # -eps kappa / tau at the pair minimum, plus (c/2) * 2 * (1.3/2)^2
    assert model.energy(pair).item() == pytest.approx(-6.0 + 1.3**2 / 2, rel=1e-14)
    grad = model.gradient(pair)  # only the harmonic force: c (x_i - mean)
    torch.testing.assert_close(grad, torch.tensor([0, 0, -1.3, 0, 0, 1.3], dtype=F64), rtol=1e-12, atol=1e-12)
    well = 4.0 + math.sqrt(4.0 / (2 * 0.9))  # f(d) = -4 u^2 + 0.9 u^4 is lowest at u^2 = 4 / 1.8
    dw = DW4(n_particles=2, spatial_dim=1)
    assert dw.energy(torch.tensor([0.0, well], dtype=F64)).item() == pytest.approx(-16.0 / 3.6, rel=1e-14)
    assert dw.gradient(torch.tensor([0.0, well], dtype=F64)).abs().max().item() < 1e-13


def test_pair_distances_and_remove_mean() -> None:
    model = LennardJones()
    x = torch.randn(3, 39, generator=torch.Generator().manual_seed(5), dtype=F64)
    np.testing.assert_allclose(
        model.pair_distances(x).numpy(), np.stack([pdist(r.reshape(13, 3)) for r in x.numpy()]), rtol=1e-14
    )
    centred = remove_mean(x, 13, 3)
    assert centred.reshape(3, 13, 3).mean(1).abs().max() < 1e-15
    torch.testing.assert_close(remove_mean(centred, 13), centred, rtol=0, atol=1e-15)  # a projection
    torch.testing.assert_close(model.energy(centred), model.energy(x), rtol=1e-13, atol=0)
    assert torch.equal(model.remove_mean(x), centred)
    with pytest.raises(ebmcore.InvalidInputError, match="last dimension 39"):
        remove_mean(x, 4, 3)
    with pytest.raises(ebmcore.InvalidParameterError, match="n_particles"):
        remove_mean(x, 0)


@pytest.mark.parametrize(
    ("name", "kwargs", "parameter"),
    [
        ("lj13", {"n_particles": 1}, "n_particles"),
        ("lj13", {"pair_counting": "double"}, "pair_counting"),
        ("lj13", {"harmonic": -1.0}, "harmonic"),
        ("lj13", {"spatial_dim": 0}, "spatial_dim"),
        ("dw4", {"c": 0.0}, "c"),
        ("dw4", {"n_particles": 2.5}, "n_particles"),
        ("dw4", {"temperature": 0.0}, "temperature"),
    ],
)
def test_bad_arguments_name_the_parameter(name: str, kwargs: dict, parameter: str) -> None:
    with pytest.raises(ebmcore.InvalidParameterError, match=repr(parameter)):
        ebmcore.create(name, **kwargs)


# -- the conformance kit on non-default conventions ----------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        {"name": "lj13", "harmonic": 0.0},
        {"name": "lj13", "pair_counting": "ordered", "epsilon": 2.0, "r_min": 1.2, "temperature": 0.5},
        {"name": "lj13", "n_particles": 4, "harmonic": 0.0, "temperature": 3.0},
        {"name": "dw4", "pair_counting": "ordered", "temperature": 2.0},
        {"name": "dw4", "n_particles": 5, "spatial_dim": 3, "a": 0.5},
    ],
    ids=lambda spec: "-".join(f"{k}={v}" for k, v in spec.items()),
)
def test_variants_pass_the_kit(spec: dict) -> None:
    check_energy(spec)


class _Representative(LennardJones):
    """The pure cluster with its representative minimizer declared as ``minima``.

    The class itself declares none (a continuum of minimizers); listed as one point, the
    representative goes through the kit's search: stationary, the stated value, and nothing
    lower from random points in the bounds or from descents started at the lowest of them.
    """

    @property
    def minima(self) -> Minima:
        point = self.minimum_configuration
        value = self.minimum_value
        assert point is not None and value is not None
        return Minima(point[None], value)


def test_lj55_minimum_passes_the_kit_search() -> None:
    model = _Representative(n_particles=55, harmonic=0.0)
    result = run_check(model, "check_minima")
    assert result.status == "passed", result.message


# -- symmetries ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs"), [("dw4", {}), ("lj13", {}), ("lj55", {"pair_counting": "ordered"})]
)
def test_energy_is_invariant_and_gradient_equivariant(name: str, kwargs: dict) -> None:
    model = ebmcore.create(name, **kwargs)
    n, d = model.n_particles, model.spatial_dim
    generator = torch.Generator().manual_seed(6)
    compact = DW4() if name == "dw4" else LennardJones(n_particles=n, harmonic=0.0)
    x = compact.minimum_configuration + 0.1 * torch.randn(8, model.dim, generator=generator, dtype=F64)
    energy, grad = model.energy_and_gradient(x)
    for proper in (True, False):
        rotation = random_orthogonal(d, generator, proper)
        perm = torch.randperm(n, generator=generator)
        shift = 5.0 * torch.randn(d, generator=generator, dtype=F64)
        moved = (model.particles(x)[:, perm] @ rotation.T + shift).flatten(-2)
        energy2, grad2 = model.energy_and_gradient(moved)
        torch.testing.assert_close(energy2, energy, rtol=1e-12, atol=1e-11)
        expected = (model.particles(grad)[:, perm] @ rotation.T).flatten(-2)
        torch.testing.assert_close(grad2, expected, rtol=1e-10, atol=1e-10 * float(grad.abs().max()))


def test_coincident_particles_give_finite_gradients() -> None:
    x = torch.tensor([[0.0, 0.0, 0.0, 0.0, 3.0, 0.0, 3.0, 3.0]], dtype=F64)  # particles 0 and 1 coincide
    dw = DW4()
    for dtype in (torch.float32, F64):
        for backend in ("analytic", "autograd"):
            with ebmcore.use_backend(backend):
                energy, grad = dw.energy_and_gradient(x.to(dtype))
            assert torch.isfinite(grad).all() and torch.isfinite(energy).all(), (dtype, backend)
    assert dw.energy(x).item() == pytest.approx(dw_reference(x.numpy(), 4, 2)[0], rel=1e-12)  # f(0) = 166.4
    with ebmcore.use_backend("autograd"):
        reference = dw.gradient(x)
    torch.testing.assert_close(dw.gradient(x), reference, rtol=1e-12, atol=1e-12)
    lj = LennardJones(n_particles=4, spatial_dim=2)
    for dtype in (torch.float32, F64):
        for backend in ("analytic", "autograd"):
            with ebmcore.use_backend(backend):
                energy, grad = lj.energy_and_gradient(x.to(dtype))
            assert energy.item() == math.inf and torch.isfinite(grad).all(), (dtype, backend)
    tiny = torch.tensor([[0.0, 0.0, 1e-30, 0.0, 3.0, 0.0, 3.0, 3.0]], dtype=F64)  # the gradient overflows
    energy, grad = lj.energy_and_gradient(tiny)
    assert energy.item() == math.inf and not grad.isnan().any()


@pytest.mark.parametrize("r_min", [1e-200, 1e-30, 1e30, 1e200])
def test_coincident_particles_where_r_min_squared_leaves_the_dtype(r_min: float) -> None:
    # r_m^2 underflows or overflows x's dtype: r_m^2 / s is 0 / 0 or inf / inf unless masked
    x = torch.tensor([[0.0, 0.0, 0.0, 0.0, 3.0, 0.0, 3.0, 3.0]], dtype=F64) * min(r_min, 1.0)
    model = LennardJones(n_particles=4, spatial_dim=2, r_min=r_min)
    for dtype in (torch.float32, F64):
        energy, grad = model.energy_and_gradient(x.to(dtype))
        assert energy.item() == math.inf and model(x.to(dtype)).item() == math.inf, dtype
        assert not grad.isnan().any(), dtype


@pytest.mark.filterwarnings(r"ignore:`torch\.jit\.script` is deprecated:DeprecationWarning")
def test_coincident_particles_under_function_transforms() -> None:
    # without a graph the pair terms are evaluated without masks; a transform must get them
    x = torch.tensor([[0.0, 0.0, 0.0, 0.0, 3.0, 0.0, 3.0, 3.0]], dtype=F64)  # particles 0 and 1 coincide
    for model in (DW4(), LennardJones(n_particles=4, spatial_dim=2)):
        expected = model.gradient(x)
        assert torch.isfinite(expected).all()
        for transform in (torch.func.grad, torch.func.jacfwd):
            torch.testing.assert_close(torch.func.vmap(transform(model))(x), expected, rtol=1e-12, atol=1e-12)


def test_nan_in_nan_out_and_dtypes() -> None:
    for model in (DW4(), LennardJones(n_particles=4, spatial_dim=2)):
        x = torch.randn(3, 8, generator=torch.Generator().manual_seed(7))
        x[1, 5] = math.nan
        energy, grad = model.energy_and_gradient(x)
        assert energy.dtype == grad.dtype == torch.float32
        assert energy[1].isnan() and not energy[[0, 2]].isnan().any() and not grad[[0, 2]].isnan().any()


# -- minima -------------------------------------------------------------------------------------


def _hessian_spectrum(model: ebmcore.BaseModel, point: torch.Tensor) -> torch.Tensor:
    hessian = torch.autograd.functional.hessian(lambda z: model.energy(z), point)
    return torch.linalg.eigvalsh(hessian)


@pytest.mark.parametrize(
    ("name", "kwargs", "reference"),
    [
        ("dw4", {}, lambda x: dw4_numpy(x)[0]),
        ("lj13", {"harmonic": 0.0}, lambda x: lj_numpy(x, 13)[0]),
        ("lj55", {"harmonic": 0.0}, lambda x: lj_numpy(x, 55)[0]),
    ],
)
def test_a_continuum_of_minimizers_is_not_declared_as_minima(
    name: str, kwargs: dict, reference: Callable[[np.ndarray], float]
) -> None:
    """Every rotation, translation, reflection and relabelling of the known minimizer attains
    the minimum (by the NumPy reference energy), so no finite ``Minima`` can be right: ``minima``
    is None and the minimum is ``minimum_value``, attained at ``minimum_configuration``."""
    model = ebmcore.create(name, **kwargs)
    assert model.minima is None
    point, value = model.minimum_configuration, model.minimum_value
    assert point.shape == (model.dim,) and point.dtype == F64
    n, d = model.n_particles, model.spatial_dim
    np.testing.assert_allclose(model.particles(point).mean(0).numpy(), 0.0, atol=1e-12)  # centred
    generator = torch.Generator().manual_seed(16)
    images = torch.stack([transform(point, n, d, generator, proper=k % 2 == 0) for k in range(6)])
    # a continuum: small translations and rotations of the minimizer, not just a few images
    for t in (1e-3, 0.1, 1.0):
        angle = torch.tensor(t, dtype=F64)
        rotation = torch.eye(d, dtype=F64)
        rotation[:2, :2] = torch.stack(
            [torch.stack([angle.cos(), -angle.sin()]), torch.stack([angle.sin(), angle.cos()])]
        )
        moved = model.particles(point) @ rotation.T + t
        images = torch.cat([images, moved.reshape(1, -1)])
    for image in images:
        assert float(torch.dist(image, point)) > 1e-4  # a different configuration
        assert reference(image.numpy()) == pytest.approx(value, abs=1e-9 * (1.0 + abs(value)))


def test_lj13_minimum_is_the_database_value_and_the_best_of_many_descents() -> None:
    model = ebmcore.create("lj13", harmonic=0.0)
    value, configuration = model.minimum_value, model.minimum_configuration
    assert round(value, 6) == LJ13_CCD
    point = configuration.numpy()
    assert lj_numpy(point, 13)[0] == pytest.approx(value, abs=1e-11)  # the reference energy agrees
    assert np.abs(lj_numpy(point, 13)[1]).max() < 1e-9  # a stationary point
    # a minimum, not a saddle: 6 zero modes (3 translations, 3 rotations), the rest positive
    spectrum = _hessian_spectrum(model, configuration)
    assert spectrum[:6].abs().max() < 1e-8 and spectrum[6] > 1.0
    rng = np.random.default_rng(8)
    relaxed = [lbfgs(lj_numpy, point + 0.05 * rng.normal(size=39), 13)[0] for _ in range(5)]
    np.testing.assert_allclose(relaxed, value, atol=1e-9)
    found = np.array([lbfgs(lj_numpy, rng.uniform(-1.2, 1.2, 39), 13)[0] for _ in range(100)])
    assert found.min() >= value - 1e-9  # nothing lower from 100 random starts
    assert np.sum(np.abs(found - value) < 1e-7) >= 3  # and the icosahedron is found from some


def test_lj55_minimum_is_the_database_value() -> None:
    model = ebmcore.create("lj55", harmonic=0.0)
    value, configuration = model.minimum_value, model.minimum_configuration
    assert round(value, 6) == LJ55_CCD
    point = configuration.numpy()
    assert lj_numpy(point, 55)[0] == pytest.approx(value, abs=1e-10)
    assert np.abs(lj_numpy(point, 55)[1]).max() < 1e-9
    spectrum = _hessian_spectrum(model, configuration)
    assert spectrum[:6].abs().max() < 1e-8 and spectrum[6] > 1.0
    rng = np.random.default_rng(9)
    relaxed = [lbfgs(lj_numpy, point + 0.05 * rng.normal(size=165), 55)[0] for _ in range(3)]
    np.testing.assert_allclose(relaxed, value, atol=1e-8)
    found = [lbfgs(lj_numpy, rng.uniform(-2.0, 2.0, 165), 55)[0] for _ in range(5)]
    assert min(found) >= value - 1e-9


def test_lj_minima_scale_with_the_conventions_and_cover_small_clusters() -> None:
    base = ebmcore.create("lj13", harmonic=0.0)
    model = ebmcore.create(
        "lj13", harmonic=0.0, epsilon=2.0, r_min=1.5, temperature=0.5, pair_counting="ordered"
    )
    assert model.minimum_value == pytest.approx(base.minimum_value * 2.0 * 2.0 / 0.5, rel=1e-13)
    torch.testing.assert_close(
        model.minimum_configuration, 1.5 * base.minimum_configuration, rtol=1e-14, atol=0
    )
    for n, d in [(2, 3), (3, 3), (4, 3), (3, 2), (2, 1)]:
        simplex = LennardJones(n_particles=n, spatial_dim=d, harmonic=0.0)
        assert simplex.minima is None
        assert simplex.minimum_value == pytest.approx(-n * (n - 1) / 2, rel=1e-14)
        np.testing.assert_allclose(
            pdist(simplex.particles(simplex.minimum_configuration).numpy()), 1.0, rtol=1e-14
        )
    for unknown in (
        LennardJones(n_particles=12, harmonic=0.0),  # not known here
        LennardJones(n_particles=13, spatial_dim=2, harmonic=0.0),
        ebmcore.create("lj55"),  # the harmonic term moves the minimum
    ):
        assert unknown.minimum_value is None and unknown.minimum_configuration is None
        assert unknown.minima is None


def test_dw4_minimum_is_the_best_of_many_descents() -> None:
    model = ebmcore.create("dw4")
    value, configuration = model.minimum_value, model.minimum_configuration
    assert value == pytest.approx(-25.792201701571, abs=1e-9)
    point = configuration.numpy()
    assert dw4_numpy(point)[0] == pytest.approx(value, abs=1e-12)
    assert np.abs(dw4_numpy(point)[1]).max() < 1e-10
    spectrum = _hessian_spectrum(model, configuration)  # 2 translations and 1 rotation
    assert spectrum[:3].abs().max() < 1e-8 and spectrum[3] > 0.1
    rng = np.random.default_rng(10)
    found = np.array([lbfgs(dw4_numpy, rng.normal(0.0, 4.0, 8))[0] for _ in range(400)])
    assert found.min() == pytest.approx(value, abs=1e-9)  # the lowest of 400 descents
    assert np.mean(np.abs(found - value) < 1e-7) > 0.3
    scaled = DW4(temperature=0.25, pair_counting="ordered").minimum_value
    assert scaled == pytest.approx(8.0 * value, rel=1e-13)
    for unknown in (DW4(c=1.0), DW4(spatial_dim=3)):
        assert unknown.minimum_value is None and unknown.minimum_configuration is None


def test_minima_do_not_depend_on_the_autograd_context() -> None:
    """The minimizers are relaxed with autograd: no_grad or inference_mode must not change them."""
    from ebmcore_targets import _particles

    expected = [LennardJones(harmonic=0.0).minimum_value, DW4().minimum_value]
    for context in (torch.no_grad, torch.inference_mode):
        _particles._lennard_jones_minimizer.cache_clear()
        _particles._dw4_minimizer.cache_clear()
        with context():
            assert [LennardJones(harmonic=0.0).minimum_value, DW4().minimum_value] == expected


# -- alignment ----------------------------------------------------------------------------------


def test_assignment_is_exact() -> None:
    rng = np.random.default_rng(11)
    for n in (1, 2, 3, 7, 20, 55):
        for trial in range(6):
            cost = rng.normal(size=(n, n)) if trial % 2 else rng.integers(0, 3, size=(n, n)).astype(float)
            perm = _assignment(cost)
            assert sorted(perm.tolist()) == list(range(n))
            rows, cols = linear_sum_assignment(cost)
            assert cost[np.arange(n), perm].sum() == pytest.approx(cost[rows, cols].sum(), abs=1e-10)


def test_kabsch_matches_scipy() -> None:
    generator = torch.Generator().manual_seed(12)
    x = torch.randn(9, 3, generator=generator, dtype=F64)
    y = x @ random_orthogonal(3, generator).T + 0.1 * torch.randn(9, 3, generator=generator, dtype=F64)
    x, y = x - x.mean(0), y - y.mean(0)
    rotation = _kabsch(x, y, reflection=False)
    expected, _ = Rotation.align_vectors(x.numpy(), y.numpy())
    np.testing.assert_allclose(rotation.numpy(), expected.as_matrix(), atol=1e-12)
    mirrored = y @ torch.diag(torch.tensor([1.0, 1.0, -1.0], dtype=F64))
    assert torch.linalg.det(_kabsch(x, mirrored, reflection=False)) > 0
    assert torch.linalg.det(_kabsch(x, mirrored, reflection=True)) < 0


@pytest.mark.parametrize(("n", "d"), [(4, 2), (13, 3), (55, 3)])
def test_align_recovers_exact_symmetric_copies(n: int, d: int) -> None:
    generator = torch.Generator().manual_seed(13)
    random = torch.randn(2, n * d, generator=generator, dtype=F64)
    symmetric = (DW4() if n == 4 else LennardJones(n_particles=n, harmonic=0.0)).minimum_configuration[None]
    x = torch.cat([random, symmetric])
    y = transform(x, n, d, generator, proper=False)
    aligned, rmsd = align(x, y, n, d)
    assert rmsd.shape == (3,) and float(rmsd.max()) < 1e-10
    torch.testing.assert_close(aligned, x, rtol=0, atol=1e-9)
    _, chiral = align(x, y, n, d, reflection=False)  # a mirror image is not a rotated copy
    assert float(chiral[:2].min()) > 0.1


def test_align_on_noisy_copies_beats_the_true_matching_and_brute_force() -> None:
    generator = torch.Generator().manual_seed(14)
    x = LennardJones(harmonic=0.0).minimum_configuration.expand(6, -1)
    y = transform(x + 0.08 * torch.randn(6, 39, generator=generator, dtype=F64), 13, 3, generator)
    _, rmsd = align(x, y, 13)
    # the true correspondence with its best rotation is an upper bound on the minimum
    p = LennardJones().particles(x[0])
    for k in range(6):
        q = LennardJones().particles(y[k])
        perm = torch.from_numpy(_assignment(((p[:, None] - q[None]) ** 2).sum(-1).numpy()))
        xc, yc = p - p.mean(0), q[perm] - q[perm].mean(0)
        bound = ((xc - yc @ _kabsch(xc, yc, True).T) ** 2).sum(-1).mean().sqrt()
        assert rmsd[k] <= bound + 1e-12
    for _ in range(40):  # four particles: brute force over the 24 relabellings is exact
        x4 = 2.0 * torch.randn(4, 2, generator=generator, dtype=F64)
        y4 = transform(x4.flatten(), 4, 2, generator).reshape(4, 2) + 0.6 * torch.randn(
            4, 2, generator=generator, dtype=F64
        )
        xc = x4 - x4.mean(0)
        best = math.inf
        for perm in itertools.permutations(range(4)):
            yc = y4[list(perm)] - y4.mean(0)
            best = min(best, float(((xc - yc @ _kabsch(xc, yc, True).T) ** 2).sum(-1).mean().sqrt()))
        assert align(x4.flatten(), y4.flatten(), 4)[1].item() == pytest.approx(best, abs=1e-12)


def test_align_options_broadcasting_and_nan() -> None:
    generator = torch.Generator().manual_seed(15)
    x = torch.randn(12, generator=generator, dtype=F64)
    y = torch.stack([transform(x, 4, 3, generator) for _ in range(3)])
    y[1, 4] = math.nan
    aligned, rmsd = align(x, y, 4, 3)
    assert aligned.shape == (3, 12) and rmsd.shape == (3,)
    assert rmsd[1].isnan() and aligned[1].isnan().all() and float(rmsd[[0, 2]].max()) < 1e-10
    # without permutations: the Kabsch RMSD of the given order, as SciPy computes it
    rotated = (x.reshape(4, 3) @ random_orthogonal(3, generator).T + 1.0).flatten()
    noisy = rotated + 0.1 * torch.randn(12, generator=generator, dtype=F64)
    _, plain = align(x, noisy, 4, permutation=False)
    xc = x.reshape(4, 3) - x.reshape(4, 3).mean(0)
    nc = noisy.reshape(4, 3) - noisy.reshape(4, 3).mean(0)
    _, rssd = Rotation.align_vectors(xc.numpy(), nc.numpy())
    assert plain.item() == pytest.approx(rssd / 2.0, rel=1e-10)  # rmsd = rssd / sqrt(n)
    assert LennardJones(n_particles=4).align(x, noisy, permutation=False)[1].item() == plain.item()
    assert align(x.float(), y[0].float(), 4)[0].dtype == torch.float32
    with pytest.raises(ebmcore.InvalidInputError, match="last dimension"):
        align(x, y[:, :9], 4, 3)
