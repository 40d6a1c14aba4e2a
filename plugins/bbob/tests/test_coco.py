"""The BBOB energies against COCO itself (``cocoex``): values, x_opt, f_opt, instance generators.

Every problem (function, dimension, instance) of f1-f5 in COCO's six dimensions, for the
instances 1-15 and 41-110 and a few large ids, is compared at random points inside and outside
[-5, 5]^d, at and next to its optimum, on the box's faces and where coordinates sit exactly
at the optimum (the non-smooth points of T_osz), to a relative 1e-10 in float64.

x_opt comes from cocoex's ``Problem._best_parameter("print")``, which writes COCO's
``best_parameter`` to ``._bbob_problem_best_parameter.txt`` in the working directory (the
tests run in a temporary one); f_opt is COCO's value at that point (cocoex 2.8 exposes no
optimal value; ``final_target_fvalue1`` is used as well where a version has it).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from ebmcore_bbob import _coco

import ebmcore

cocoex = pytest.importorskip("cocoex")

FUNCTIONS = sorted(int(name.removeprefix("bbob_f")) for name in ebmcore.list_energies("bbob_f*"))
DIMS = [2, 3, 5, 10, 20, 40]  # the dimensions of COCO's bbob suite (it serves no others)
# 2009-2010 (1-15), the later workshops (41-110), large ids and the largest one
INSTANCES = [*range(1, 16), *range(41, 111), 1000, 123456, _coco.MAX_INSTANCE]


def ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 7]`` as ``"1-3,7"`` (COCO's option strings have a length limit)."""
    parts: list[str] = []
    for n in sorted(numbers):
        if parts and parts[-1].split("-")[-1] == str(n - 1):
            parts[-1] = f"{parts[-1].split('-')[0]}-{n}"
        else:
            parts.append(str(n))
    return ",".join(parts)


RTOL = 1e-10


@pytest.fixture(autouse=True)
def _quiet_coco(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cocoex.log_level("error")  # no COCO warnings on stdout
    monkeypatch.chdir(tmp_path)  # _best_parameter("print") writes into the working directory


def coco_problems(function: int, dims: list[int] = DIMS, instances: list[int] = INSTANCES) -> Iterator:
    """COCO's problems of ``function`` in ``dims`` x ``instances`` (each checked to be the one asked for)."""
    suite = cocoex.Suite(
        "bbob",
        f"instances: {ranges(instances)}",
        f"function_indices:{function} dimensions:{','.join(map(str, dims))}",
    )
    count = 0
    for problem in suite:
        assert problem.id_function == function and problem.dimension in dims
        assert problem.id_instance in instances
        count += 1
        yield problem
    assert count == len(dims) * len(instances), "cocoex served other problems than asked for"


def coco_x_opt(problem: object) -> np.ndarray:
    """COCO's ``best_parameter`` of ``problem``, through cocoex's (private) print hook."""
    if not hasattr(problem, "_best_parameter"):
        pytest.skip("this cocoex does not expose the optimum (Problem._best_parameter)")
    problem._best_parameter("print")
    path = Path("._bbob_problem_best_parameter.txt")
    x = np.atleast_1d(np.loadtxt(path))
    os.remove(path)
    return x


def comparison_points(model: ebmcore.BaseModel, rng: np.random.Generator) -> np.ndarray:
    """Where the energies are compared: inside and outside the box, at, next to and partly at
    the optimum, on the faces of the box, and beyond the optimum (f5's flat side)."""
    d = model.dim
    x_opt = model.x_opt.numpy()  # COCO's optimum (f7 has one, though its minima is None: a continuum)
    partly = np.where(rng.random((4, d)) < 0.5, x_opt, rng.uniform(-5, 5, (4, d)))
    faces = rng.uniform(-5, 5, (4, d))
    faces[:, ::2] = np.sign(faces[:, ::2]) * 5.0
    return np.concatenate(
        [
            rng.uniform(-5, 5, (16, d)),
            rng.uniform(-10, 10, (8, d)),
            x_opt + 1e-4 * rng.standard_normal((4, d)),
            x_opt[None],
            partly,
            faces,
            x_opt * rng.uniform(1.0, 1.5, (2, d)),
        ]
    )


@pytest.mark.parametrize("function", FUNCTIONS)
def test_energies_equal_coco(function: int) -> None:
    rng = np.random.default_rng(function)
    for problem in coco_problems(function):
        model = ebmcore.create(f"bbob_f{function}", dim=problem.dimension, instance=problem.id_instance)
        assert model.coco_id == problem.id
        x = comparison_points(model, rng)
        reference = np.array([problem(row) for row in x])
        ours = model(torch.from_numpy(x)).numpy()
        # E = raw + f_opt: where E is near 0, raw is near -f_opt and both evaluations round at
        # the scale of |f_opt| (f16, f19, f22, f23 meet such points, e.g. E = 6e-4 with f_opt = -30):
        # relative to |E| + |f_opt| every function agrees to 5e-12 on this grid
        atol = RTOL * abs(model.f_opt)
        np.testing.assert_allclose(ours, reference, rtol=RTOL, atol=atol, err_msg=problem.id)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_x_opt_and_f_opt_equal_coco(function: int) -> None:
    if function == 7:  # minima is None (a continuum of minimizers): test_f6_f14.py checks x_opt, f_opt
        pytest.skip("f7 declares no minima; its x_opt and f_opt are checked in test_f6_f14.py")
    for problem in coco_problems(function):
        model = ebmcore.create(f"bbob_f{function}", dim=problem.dimension, instance=problem.id_instance)
        # f16, f23: minima is None (a lattice of global minimizers, not counted); x_opt is COCO's
        minima = model.minima or ebmcore.Minima(model.x_opt, model.f_opt)
        x_opt = coco_x_opt(problem)
        # COCO prints 16 decimals: the grid values of x_opt agree to the last of them
        np.testing.assert_allclose(minima.points[0].numpy(), x_opt, rtol=0, atol=1e-15, err_msg=problem.id)
        f_opt = problem(x_opt)
        assert minima.value == model.f_opt == _coco.compute_f_opt(function, problem.id_instance)
        assert f_opt == pytest.approx(minima.value, rel=1e-13, abs=1e-13), problem.id
        assert minima.value == round(minima.value, 2) and -1000 <= minima.value <= 1000
        target = getattr(problem, "final_target_fvalue1", None)  # f_opt + 1e-8 where exposed
        if target is not None:
            assert target == pytest.approx(minima.value + 1e-8, abs=1e-12)
        # f(x_opt) = f_opt exactly, here and in COCO; except f20, whose x_opt (COCO's 4.2096874633 / 2)
        # is its minimizer only to 1e-9 and whose constant 418.9828872724339 is max t sin(sqrt t)
        # rounded: there f(x_opt) - f_opt is a rounding error, +-1e-15, in COCO as here
        if function == 20:
            assert float(model(minima.points[0])) == pytest.approx(minima.value, rel=0, abs=1e-13)
        else:
            assert float(model(minima.points[0])) == minima.value
        assert problem(minima.points[0].numpy()) == pytest.approx(minima.value, abs=1e-12)


def test_f_opt_does_not_depend_on_the_dimension_and_f4_f18_share_seeds() -> None:
    assert _coco.problem_seed(4, 7) == _coco.problem_seed(3, 7) == 70003
    assert _coco.problem_seed(18, 7) == _coco.problem_seed(17, 7)
    assert _coco.compute_f_opt(4, 7) == _coco.compute_f_opt(3, 7)
    values = {ebmcore.create("bbob_f2", dim=d, instance=5).f_opt for d in DIMS}
    assert len(values) == 1


def test_generators_pin_cocos_stream() -> None:
    u = _coco.uniform(1000, 12345)
    assert u.shape == (1000,) and np.all((u > 0) & (u <= 1))
    # a regression pin (the stream itself is checked against COCO through x_opt above)
    assert u[:3].round(12).tolist() == [0.92312057173, 0.333146612315, 0.197888418659]
    np.testing.assert_array_equal(_coco.uniform(5, -12345), _coco.uniform(5, 12345))  # |seed|
    np.testing.assert_array_equal(_coco.uniform(5, 0), _coco.uniform(5, 1))  # seed >= 1
    g = _coco.gaussian(2000, 777)
    assert abs(g.mean()) < 0.1 and abs(g.std() - 1) < 0.1
    x = _coco.compute_x_opt(10001, 500)
    assert np.all((x >= -4) & (x < 4)) and np.all(x != 0)
    np.testing.assert_allclose(np.round((x + 4) / 8e-4), (x + 4) / 8e-4, atol=1e-8)  # a grid of step 8e-4


@pytest.mark.parametrize("dim", DIMS)
def test_rotation_reproduces_coco_f10(dim: int) -> None:
    """:func:`_coco.rotation` is COCO's: f10 (the rotated ellipsoid, z = T_osz(R (x - x_opt)),
    R = rotation(seed + 1000000)) composed from the internal API equals cocoex's."""
    rng = np.random.default_rng(dim)
    for problem in coco_problems(10, [dim], [1, 2, 3, 1000]):
        data = _coco.instance(10, dim, problem.id_instance)
        rotation = _coco.rotation(data.seed + 1000000, dim)
        np.testing.assert_allclose(rotation @ rotation.T, np.eye(dim), atol=1e-13)
        weights = torch.from_numpy(_coco.powers(1e6, dim))
        x = rng.uniform(-6, 6, (8, dim))
        z = _coco.t_osz(torch.from_numpy((x - data.x_opt) @ rotation.T))
        ours = ((weights * z * z).sum(-1) + data.f_opt).numpy()
        reference = np.array([problem(row) for row in x])
        np.testing.assert_allclose(ours, reference, rtol=RTOL, err_msg=problem.id)
        assert problem(data.x_opt) == pytest.approx(data.f_opt, abs=1e-12)


def test_transformations_follow_cocos_c_forms() -> None:
    """T_osz in COCO's pow/exp form, T_asy and Lambda with COCO's exponents, f_pen."""
    x = np.array([-3.7, -0.2, -1e-7, 0.0, 1e-7, 0.3, 2.5, 9.0])

    def osz(v: float) -> float:  # transform_vars_oscillate, literally
        if v > 0:
            t = math.log(v) / 0.1
            return math.pow(math.exp(t + 0.49 * (math.sin(t) + math.sin(0.79 * t))), 0.1)
        if v < 0:
            t = math.log(-v) / 0.1
            return -math.pow(math.exp(t + 0.49 * (math.sin(0.55 * t) + math.sin(0.31 * t))), 0.1)
        return 0.0

    np.testing.assert_allclose(_coco.t_osz(torch.from_numpy(x)).numpy(), [osz(v) for v in x], rtol=1e-13)
    d = len(x)
    asy = [v ** (1 + 0.2 * i / (d - 1) * math.sqrt(v)) if v > 0 else v for i, v in enumerate(x)]
    np.testing.assert_allclose(_coco.t_asy(torch.from_numpy(x), 0.2).numpy(), asy, rtol=1e-14)
    np.testing.assert_allclose(
        _coco.conditioning(10.0, d), [math.pow(10.0, 0.5 * i / (d - 1)) for i in range(d)], rtol=1e-15
    )
    assert float(_coco.f_pen(torch.from_numpy(x))) == pytest.approx(16.0)
