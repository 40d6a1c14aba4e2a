"""BBOB f6-f14 in particular: names and tags, COCO's optimum rules, COCO's rotation matrices,
and the gradient conventions at the non-smooth and overflowing points.

The registry-wide tests (test_coco, test_gradients, test_minima, test_conformance) cover these
functions as they cover every ``bbob_f*``; this file pins what is specific to them.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from ebmcore_bbob import (
    AttractiveSector,
    BentCigar,
    DifferentPowers,
    Discus,
    EllipsoidRotated,
    Rosenbrock,
    RosenbrockRotated,
    SharpRidge,
    StepEllipsoid,
    _coco,
)

import ebmcore

F64 = torch.float64
NAMES = {
    6: (AttractiveSector, ("bbob_attractive_sector",), "moderate"),
    7: (StepEllipsoid, ("bbob_step_ellipsoid",), "moderate"),
    8: (Rosenbrock, ("bbob_rosenbrock", "bbob_rosenbrock_original"), "moderate"),
    9: (RosenbrockRotated, ("bbob_rosenbrock_rotated",), "moderate"),
    10: (EllipsoidRotated, ("bbob_ellipsoid_rotated",), "ill_conditioned"),
    11: (Discus, ("bbob_discus",), "ill_conditioned"),
    12: (BentCigar, ("bbob_bent_cigar",), "ill_conditioned"),
    13: (SharpRidge, ("bbob_sharp_ridge",), "ill_conditioned"),
    14: (DifferentPowers, ("bbob_different_powers",), "ill_conditioned"),
}


def model(function: int, dim: int = 5, instance: int = 3) -> ebmcore.BaseModel:
    return ebmcore.create(f"bbob_f{function}", dim=dim, instance=instance)


def autograd(m: ebmcore.BaseModel, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    with ebmcore.use_backend("autograd"):
        return m.energy_and_gradient(x)


def uniform(n: int, dim: int, low: float, high: float, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return low + (high - low) * torch.rand(n, dim, generator=generator, dtype=F64)


# -- names, tags, optima ----------------------------------------------------------------------


def test_names_aliases_groups_and_tags() -> None:
    for function, (cls, aliases, group) in NAMES.items():
        name = f"bbob_f{function}"
        assert type(ebmcore.create(name)) is cls and cls.function == function
        for alias in aliases:
            assert type(ebmcore.create(alias, dim=3, instance=2)) is cls
        tags = set(ebmcore.info(name).tags)
        assert {"bbob", "optimization", group} <= tags and "separable" not in tags
        assert ("multimodal" in tags) == (function in (8, 9)) != ("unimodal" in tags)
        assert ("nonsmooth" in tags) == (function in (7, 13, 14))
    assert set(ebmcore.list_energies("bbob*", tags=["moderate"])) == {f"bbob_f{k}" for k in range(6, 10)}
    assert {f"bbob_f{k}" for k in range(10, 15)} <= set(
        ebmcore.list_energies("bbob*", tags=["ill_conditioned"])
    )


def test_optimum_rules_follow_cocos_code() -> None:
    """f8 scales the draw by 3/4, f9 ignores it (x_opt = Q^T 1 / 2), f12 draws it with seed +
    1e6; the others keep the raw draw."""
    dim, instance = 7, 5
    for function in NAMES:
        m = model(function, dim, instance)
        raw = _coco.instance(function, dim, instance).x_opt
        x_opt = m.x_opt.numpy()
        if function == 8:
            np.testing.assert_array_equal(x_opt, 0.75 * raw)
        elif function == 9:
            rotation = _coco.rotation(m.seed, dim)  # Q = rotation(seed), no offset
            np.testing.assert_allclose(rotation @ x_opt, np.full(dim, 0.5), rtol=0, atol=1e-15)
        elif function == 12:
            np.testing.assert_array_equal(x_opt, _coco.compute_x_opt(m.seed + 1000000, dim))
        else:
            np.testing.assert_array_equal(x_opt, raw)
        assert float(m(m.x_opt)) == m.f_opt
        assert m.minima is None if function == 7 else torch.equal(m.minima.points[0], m.x_opt)


def test_f8_f9_scaling_grows_beyond_dimension_64() -> None:
    assert Rosenbrock(dim=40).factor == 1.0 and RosenbrockRotated(dim=64).factor == 1.0
    assert Rosenbrock(dim=100).factor == pytest.approx(1.25)


def test_f9_equals_cocos_affine_form() -> None:
    """z = c Q (x - x_opt) + 1 (exactly 1 at x_opt) is COCO's z = c Q x + 1/2, to rounding."""
    m = model(9, 10, 4)
    x = uniform(32, 10, -5, 5, 0)
    z = x @ m.matrix.T + 0.5  # m.matrix = c Q
    coco_form = (100 * (z[:, :-1] ** 2 - z[:, 1:]) ** 2 + (z[:, :-1] - 1) ** 2).sum(-1) + m.f_opt
    torch.testing.assert_close(m(x), coco_form, rtol=1e-13, atol=0)


def test_f8_f9_have_a_local_minimum_in_4d() -> None:
    """The reason for the tag "multimodal": a descent from near z = (-1, 1, 1, 1) stops above f_opt."""
    optimize = pytest.importorskip("scipy.optimize")
    for function in (8, 9):
        m = model(function, 4, 1)
        z = torch.tensor([-1.0, 1.0, 1.0, 1.0], dtype=F64)
        matrix = torch.eye(4, dtype=F64) if function == 8 else m.matrix
        start = m.x_opt + torch.linalg.solve(matrix, z - 1.0)  # z(start) = (-1, 1, 1, 1)

        def fun(x: np.ndarray, m: ebmcore.BaseModel = m) -> tuple[float, np.ndarray]:
            e, g = m.energy_and_gradient(torch.from_numpy(x))
            return float(e), g.numpy()

        result = optimize.minimize(fun, start.numpy(), jac=True, method="L-BFGS-B")
        assert result.success and np.linalg.norm(result.jac) < 1e-3
        assert result.fun > m.f_opt + 3.0  # the local minimum, about 3.7 above f_opt


# -- COCO's rotation ----------------------------------------------------------------------------


def _numpy_order_rotation(seed: int, dim: int) -> np.ndarray:
    """The same Gram-Schmidt with numpy's dot products (their own summation order)."""
    matrix = _coco.gaussian(dim * dim, seed).reshape(dim, dim).T.copy()
    for j in range(dim):
        column = matrix[:, j]
        for k in range(j):
            column -= (column @ matrix[:, k]) * matrix[:, k]
        column /= np.sqrt(column @ column)
    return matrix


def test_rotation_is_cocos_matrix_where_numpys_summation_order_is_not() -> None:
    """Gram-Schmidt amplifies the rounding of its dot products by the condition number of the
    Gaussian matrix; summed in COCO's order they give COCO's matrix. Checked where a rotated
    coordinate cancels (terms ~10, sum ~1e-3): against cocoex to 1e-13, where numpy's order is
    off by more than 1e-11 (4e-10)."""
    cocoex = pytest.importorskip("cocoex")
    cocoex.log_level("error")
    dim, instance = 20, 83
    seed = _coco.problem_seed(11, instance) + 1000000
    assert float(np.abs(_coco.rotation(seed, dim) - _numpy_order_rotation(seed, dim)).max()) > 1e-13
    suite = cocoex.Suite("bbob", f"instances: {instance}", f"function_indices:11 dimensions:{dim}")
    problem = next(iter(suite))
    m = model(11, dim, instance)
    rotation = m.rotation.numpy()
    rng = np.random.default_rng(0)
    directions = rng.standard_normal((16, dim))
    directions -= np.outer(directions @ rotation[0], rotation[0])  # orthogonal to R's first row
    directions *= 10.0 / np.linalg.norm(directions, axis=1, keepdims=True)
    x = m.x_opt.numpy() + directions + 1e-3 * rotation[0]
    reference = np.array([problem(row) for row in x])
    np.testing.assert_allclose(m(torch.from_numpy(x)).numpy(), reference, rtol=1e-13, atol=0)
    m.rotation.copy_(torch.tensor(_numpy_order_rotation(m.seed + 1000000, dim)))
    assert float(np.abs(m(torch.from_numpy(x)).numpy() / reference - 1).max()) > 1e-11


# -- f7: plateaus ------------------------------------------------------------------------------


def test_f7_rounds_half_up_like_coco() -> None:
    """COCO rounds with floor(v + 1/2): halves up, not to even; to integers beyond 1/2, to
    tenths within. The C kernel printed from the same formula rounds alike."""
    from ebmcore_bbob import _formula

    v = torch.tensor([[-2.5, -1.5, -0.51, 0.51, 1.5, 2.5, 0.49, 0.45, -0.45, 0.5, -0.5]], dtype=F64)
    expected = [[-2.0, -1.0, -1.0, 1.0, 2.0, 3.0, 0.5, 0.5, -0.4, 0.5, -0.5]]
    assert StepEllipsoid.inner_formula(v)[1].tolist() == expected
    if _formula.AVAILABLE:
        import ebmcore_kernels

        for dtype in (F64, torch.float32):
            rounded = ebmcore_kernels.compute("bbob_step_rounding", v.to(dtype), (), (), False, maps=True)[1]
            assert rounded is not None
            assert rounded.tolist() == StepEllipsoid.inner_formula(v.to(dtype))[1].tolist()


def test_f7_gradient_is_the_almost_everywhere_derivative() -> None:
    """Zero on the plateaus inside the box; the penalty's gradient outside; the 1e-5 slope of
    |z_hat_0| on the central plateau. Autograd agrees, and so do finite differences wherever the
    step stays on one plateau."""
    m = model(7, 6, 2)
    inside = uniform(64, 6, -4.9, 4.9, 1)
    e, g = m.energy_and_gradient(inside)
    # off the central plateau (some |z_hat_i| > 0.05 rounds to a step: the ellipsoid, >= 0.01,
    # beats 1e-4 |z_hat_0| <= 0.005), and inside the box (no penalty): gradient exactly 0
    on_plateau = (((inside - m.x_opt) @ m.inner.T).abs() > 0.05).any(-1)
    assert int(on_plateau.sum()) > 60
    assert torch.equal(g[on_plateau], torch.zeros_like(g[on_plateau]))
    assert torch.equal(m(inside + 1e-9), e)  # flat, almost everywhere
    outside = uniform(16, 6, 5.5, 8.0, 2) * torch.where(torch.arange(6) % 2 == 0, 1.0, -1.0).to(F64)
    _, penalty_grad = _coco.f_pen_and_gradient(outside)
    torch.testing.assert_close(m.gradient(outside), penalty_grad, rtol=1e-12, atol=0)
    # the central plateau: rounded z = 0, the max is 1e-4 |z_hat_0|
    near = m.x_opt + 5e-3 * uniform(32, 6, -1, 1, 3)
    z_hat = (near - m.x_opt) @ m.inner.T
    h = 1e-4  # a step that stays on the central plateau and on one side of z_hat_0 = 0
    reach = h * float(m.inner.abs().sum(-1).max())
    central = ((z_hat.abs() < 0.05 - reach).all(-1)) & (z_hat[:, 0].abs() > reach)
    assert int(central.sum()) >= 8
    near = near[central]
    expected = 1e-5 * torch.sign(z_hat[central, :1]) * m.inner[0]
    torch.testing.assert_close(m.gradient(near), expected, rtol=1e-12, atol=0)
    steps = h * torch.eye(6, dtype=F64)
    fd = torch.stack([(m(near + s) - m(near - s)) / (2 * h) for s in steps], dim=-1)
    torch.testing.assert_close(fd, expected, rtol=1e-4, atol=1e-10)
    for x in (inside, outside, near):
        torch.testing.assert_close(autograd(m, x)[1], m.gradient(x), rtol=1e-12, atol=0)


def test_f7_minimizers_form_a_continuum_and_x_opt_is_cocos(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """minima is None; f_opt is attained at x_opt (COCO's best_parameter, checked here as
    test_coco checks the others') and along z_hat_0 = 0 on the central plateau."""
    cocoex = pytest.importorskip("cocoex")
    cocoex.log_level("error")
    monkeypatch.chdir(tmp_path)  # _best_parameter("print") writes into the working directory
    suite = cocoex.Suite("bbob", "instances: 1-15,123456", "function_indices:7 dimensions:2,3,5,10,20,40")
    for problem in suite:
        m = model(7, problem.dimension, problem.id_instance)
        assert m.minima is None and m.minimum_value == m.f_opt == _coco.compute_f_opt(7, problem.id_instance)
        problem._best_parameter("print")
        x_opt = np.atleast_1d(np.loadtxt("._bbob_problem_best_parameter.txt"))
        np.testing.assert_allclose(m.x_opt.numpy(), x_opt, rtol=0, atol=1e-15, err_msg=problem.id)
        assert problem(x_opt) == pytest.approx(m.f_opt, abs=1e-12) and float(m(m.x_opt)) == m.f_opt
    m = model(7, 4, 2)
    # a direction in the hyperplane z_hat_0 = 0: (Lambda Q)_0 . v = 0
    v = torch.tensor([1.0, -2.0, 0.5, 0.3], dtype=F64)
    v -= (v @ m.inner[0]) / (m.inner[0] @ m.inner[0]) * m.inner[0]
    flat = m.x_opt + torch.tensor([1e-3, -4e-3, 5e-3], dtype=F64)[:, None] * v / v.norm()
    torch.testing.assert_close(m(flat), torch.full((3,), m.f_opt, dtype=F64), rtol=0, atol=1e-15)


def test_f7_dense_grid_finds_nothing_lower_in_2d() -> None:
    """Where descent sees no slope, a grid is the meaningful search (test_minima's multistart
    L-BFGS-B leaves f7 out): 401 x 401 points in the box never go below f_opt."""
    for instance in (1, 2):
        m = model(7, 2, instance)
        axis = torch.linspace(-5, 5, 401, dtype=F64)
        e = m(torch.cartesian_prod(axis, axis))
        assert float(e.min()) >= m.f_opt
        assert float(e.min()) < m.f_opt + 1e-3  # the central plateau is hit


# -- f13 and f14: kinks --------------------------------------------------------------------------


def test_f13_on_the_ridge_returns_the_min_norm_subgradient() -> None:
    m = model(13, 5, 2)
    assert torch.equal(m.gradient(m.x_opt), torch.zeros(5, dtype=F64))
    assert torch.equal(autograd(m, m.x_opt)[1], torch.zeros(5, dtype=F64))
    # a subgradient: f(x + h v) >= f(x) + h g.v in every direction, at the optimum and next to it
    directions = uniform(64, 5, -1, 1, 4)
    near = m.x_opt + 1e-9 * uniform(1, 5, -1, 1, 5)[0]
    for point in (m.x_opt, near):
        g = m.gradient(point)
        for h in (1e-3, 1e-6):
            assert bool((m(point + h * directions) >= m(point) + h * directions @ g - 1e-12).all())
    # next to the ridge: the cone's unit vector, times 100
    z = (near - m.x_opt) @ m.matrix.T
    expected = torch.cat([2 * z[:1], 100.0 * z[1:] / z[1:].norm()]) @ m.matrix
    torch.testing.assert_close(m.gradient(near), expected, rtol=1e-10, atol=0)
    # on the ridge away from x_opt (hit exactly only with M = I): M^T (2 z_0, 0, ..., 0)
    m.matrix.copy_(torch.eye(5, dtype=F64))
    ridge = m.x_opt + torch.tensor([-0.7, 0.4], dtype=F64)[:, None] * torch.eye(5, dtype=F64)[0]
    expected = torch.tensor([[-1.4, 0, 0, 0, 0], [0.8, 0, 0, 0, 0]], dtype=F64)
    torch.testing.assert_close(m.gradient(ridge), expected, rtol=1e-12, atol=0)
    torch.testing.assert_close(autograd(m, ridge)[1], expected, rtol=1e-12, atol=0)


def test_f13_hessian_on_the_ridge_is_the_quadratic_part_alone() -> None:
    """Through the analytic gradient (create_graph) the curvature on the ridge is that of the
    returned subgradient field: M^T diag(2, 0, ..., 0) M, the cone's kink left out."""
    m = model(13, 3, 1)
    x = m.x_opt.clone().requires_grad_(True)
    g = m.gradient(x, create_graph=True)
    hessian = torch.stack([torch.autograd.grad(g[i], x, retain_graph=True)[0] for i in range(3)])
    quadratic = torch.diag(torch.tensor([2.0, 0.0, 0.0], dtype=F64))
    torch.testing.assert_close(hessian, m.matrix.T @ quadratic @ m.matrix, rtol=1e-12, atol=1e-12)


def test_f14_kink_at_the_optimum_and_subgradient_zero() -> None:
    m = model(14, 4, 6)
    assert torch.equal(m.gradient(m.x_opt), torch.zeros(4, dtype=F64))
    axis = m.rotation[0]  # z = t e_0: f = |t| + f_opt, a kink
    for h in (1e-3, -1e-3, 1e-6, -1e-6):
        assert float(m(m.x_opt + h * axis)) - m.f_opt == pytest.approx(abs(h), rel=1e-6)
    # C^1 elsewhere: the gradient equals autograd and one-sided quotients
    x = uniform(8, 4, -5, 5, 6)
    torch.testing.assert_close(m.gradient(x), autograd(m, x)[1], rtol=1e-10, atol=0)


# -- f6: smooth sector switch, gradient 0 at the optimum --------------------------------------


def test_f6_is_c1_across_the_sector_boundary_and_flat_at_the_optimum() -> None:
    m = model(6, 4, 2)
    matrix = m.matrix
    # a point with z_1 = 0 exactly: the sector switch of s_1
    z = torch.tensor([0.3, 0.0, -0.2, 0.5], dtype=F64)
    x = m.x_opt + torch.linalg.solve(matrix, z)
    direction = torch.linalg.solve(matrix, torch.eye(4, dtype=F64)[1])
    left, right = m.gradient(x - 1e-9 * direction), m.gradient(x + 1e-9 * direction)
    torch.testing.assert_close(left, right, rtol=1e-6, atol=1e-6)
    # the gradient vanishes at x_opt like |x - x_opt|^0.8
    norms = [float(m.gradient(m.x_opt + h * direction).norm()) for h in (1e-2, 1e-4, 1e-6)]
    assert norms[0] > norms[1] > norms[2] > 0 and norms[2] < 1e-2 * norms[0]
    assert torch.equal(m.gradient(m.x_opt), torch.zeros(4, dtype=F64))


# -- overflow ----------------------------------------------------------------------------------


@pytest.mark.parametrize("function", sorted(NAMES))
def test_huge_inputs_give_no_nan_energy(function: int) -> None:
    """Finite x up to 1e30 in both dtypes: energies never NaN; float64 gradients never NaN."""
    values = torch.tensor([0.0, 1e-30, 1.5, -2.5, 1e5, -1e5, 3e10, -1e17, 1e20, 1e30, -1e30], dtype=F64)
    x = torch.cartesian_prod(values, values, values)
    m = model(function, 3, 1)
    for dtype in (torch.float32, F64):
        e, g = m.energy_and_gradient(x.to(dtype))
        assert not bool(e.isnan().any()) and bool((e > m.f_opt - 1).all())
        if dtype == F64:
            assert not bool(g.isnan().any())


def test_f12_overflow_of_t_asy_gives_inf_and_a_zero_gradient() -> None:
    """T_asy^0.5 overflows for y ~ 1e5 (float64): the energy is +inf (it is at least |T_asy|^2,
    where the second rotation would make NaN) and the gradient 0, not NaN."""
    m = model(12, 4, 1)
    x = m.x_opt + 1e6 * m.rotation[3]  # y_3 = 1e6: 1e6^(1 + 0.5 * 1000) overflows
    e, g = m.energy_and_gradient(x)
    assert float(e) == math.inf and torch.equal(g, torch.zeros(4, dtype=F64))
    x = m.x_opt + 50.0 * m.rotation[3]  # finite and huge, no overflow
    e, g = m.energy_and_gradient(x)
    assert math.isfinite(float(e)) and bool(torch.isfinite(g).all()) and float(g.norm()) > 0
    # T_asy finite but beyond sqrt(max), ~1e307 (found by random inputs): the energy is inf and
    # the gradient 0, where the rotation's products met inf - inf (NaN); below sqrt(max) no NaN
    m = model(12, 3, 1)
    for dtype in (F64, torch.float32):
        big = math.sqrt(torch.finfo(dtype).max)
        for a in np.linspace(1.0, 9e4 if dtype == F64 else 900.0, 400):
            x = (m.x_opt + float(a) * m.rotation[2]).to(dtype)
            u = m.inner_map(m.inner_input(x), with_gradient=False)[1]
            e, g = m.to(dtype).energy_and_gradient(x)
            assert not bool(g.isnan().any()) and not bool(e.isnan())  # (inf where it overflows)
            if bool(u.abs().max() > big):
                assert float(e) == math.inf and not bool(g.any())
        m.double()


def _bent_cigar_by_definition(u: torch.Tensor, rotation: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """f12's formula as the definition writes it, of u = T_asy(y): z = R u, z_0^2 + 1e6 sum z_i^2
    (two products, energy and gradient)."""
    weights = torch.full((rotation.shape[0],), 1e6, dtype=u.dtype)
    weights[0] = 1.0
    z = u @ rotation.T
    return (weights * z * z).sum(-1), (2.0 * weights * z) @ rotation


def test_f12_formula_folds_the_second_rotation_in_without_losing_accuracy() -> None:
    """f12's formula reads u = T_asy(y) with R's first row alone (|v|^2 = sum_{i>0} z_i^2 for v =
    u - z_0 r_0): in float64 it is the definition's two rotations, the energy to 1e-11 and the
    gradient to the 1e6 eps d = 1e-8 of its scale that the conditioning allows either form; in
    float32, on and near the cigar's axis (where 1e6 magnifies every rounding across it), its
    gradient is no further from the float64 definition than the definition computed in float32."""
    m = model(12, 40, 3)
    rotation = m.rotation
    generator = torch.Generator().manual_seed(12)
    along = torch.linspace(-3.0, 3.0, 64, dtype=F64).unsqueeze(-1) * rotation[0]
    for spread in (0.0, 1e-6, 1e-3, 1.0):
        u = along + spread * torch.randn(64, 40, generator=generator, dtype=F64)
        energy, grad = BentCigar.formula(u, rotation[0])
        e_def, g_def = _bent_cigar_by_definition(u, rotation)
        torch.testing.assert_close(energy, e_def, rtol=1e-11, atol=0.0)
        torch.testing.assert_close(grad, g_def, rtol=0.0, atol=1e-8 * float(g_def.abs().max()))
        u32 = u.float()
        truth = _bent_cigar_by_definition(u32.double(), rotation)[1]  # at the rounded input
        folded = BentCigar.formula(u32, rotation[0].float())[1]
        direct = _bent_cigar_by_definition(u32, rotation.float())[1]
        error = {
            name: float(((g.double() - truth).norm(dim=-1) / truth.norm(dim=-1)).max())
            for name, g in (("folded", folded), ("direct", direct))
        }
        assert error["folded"] <= error["direct"], (spread, error)


def test_f14_float32_overflow_of_the_sum_gives_inf_and_a_zero_gradient() -> None:
    m = model(14, 3, 1).float()
    x = m.x_opt + 1e8 * m.rotation[2]
    e, g = m.energy_and_gradient(x)
    assert float(e) == math.inf and torch.equal(g, torch.zeros(3))
    e64, g64 = model(14, 3, 1).energy_and_gradient(x.double())
    assert math.isfinite(float(e64)) and bool(torch.isfinite(g64).all())


def test_f6_float32_overflow_of_the_quadratic_gives_inf_and_a_zero_gradient() -> None:
    m = model(6, 3, 1).float()
    e, g = m.energy_and_gradient(torch.full((3,), 1e18))
    assert float(e) == math.inf and torch.equal(g, torch.zeros(3))


# -- dtypes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("function", sorted(NAMES))
def test_float32_agrees_with_float64_in_the_box(function: int) -> None:
    m = model(function, 10, 2)
    x = uniform(256, 10, -5, 5, function)
    e64, g64 = m.energy_and_gradient(x)
    e32, g32 = m.float().energy_and_gradient(x.float())
    if function == 7:  # plateaus: float32 rounding moves a few points across a step
        assert float((e32.double() - e64).abs().le(1e-4 * e64.abs()).double().mean()) > 0.95
        return
    torch.testing.assert_close(e32.double(), e64, rtol=1e-4, atol=1e-3)
    scale = g64.abs().amax(-1, keepdim=True)
    assert float(((g32.double() - g64).abs() / scale).max()) < 2e-3
