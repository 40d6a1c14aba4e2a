"""Modes found again without the core's basin tools, from the textbook formulas.

* every listed mode is a local minimum of the model's own energy: float64 autograd gradient
  zero, Hessian positive definite;
* the count: BFGS from a dense set of starts over a box wider than the declared range (per
  coordinate for separable energies), deduplicated, finds exactly the declared minima;
* the masses of a separable energy: adaptive quadrature of each term's density between its
  local maxima (roots of the derivative by Brent's method), to 1e-10, and their products;
  ``mode_index`` against a count of the cuts below each coordinate;
* the masses of a planar energy: exact samples, each carried down the gradient flow (scipy's
  Runge-Kutta, then BFGS) to its local minimum, counted per mode against the declared masses
  (binomial z-scores), and ``mode_index`` against that assignment;
* ``evaluate`` on exact samples: every listed mode in a basin of its own, and a total variation
  like that of perfect samples.

The formulas below are the published ones, written here again (not the package's code).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import pytest
import torch
from scipy import integrate, optimize

import ebmcore

F64 = torch.float64
PI = math.pi
Scalar = Callable[[np.ndarray], np.ndarray]
Planar = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]

# -- the textbook formulas -------------------------------------------------------------------------


def gramacy_lee(x: np.ndarray) -> np.ndarray:
    """``sin(10 pi x) / (2x) + (x - 1)^4``, with its limit ``5 pi`` at 0."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        quotient = np.where(x == 0, 5.0 * PI, np.sin(10.0 * PI * x) / (2.0 * x))
    return quotient + (x - 1.0) ** 4


def gramacy_lee_slope(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        quotient = np.where(
            x == 0, 0.0, 5.0 * PI * np.cos(10.0 * PI * x) / x - np.sin(10.0 * PI * x) / (2.0 * x * x)
        )
    return quotient + 4.0 * (x - 1.0) ** 3


def cosine8_term(t: np.ndarray) -> np.ndarray:
    return t * t - 0.1 * np.cos(5.0 * PI * t)


def cosine8_slope(t: np.ndarray) -> np.ndarray:
    return 2.0 * t + 0.5 * PI * np.sin(5.0 * PI * t)


def bohachevsky1_x(t: np.ndarray) -> np.ndarray:
    return t * t - 0.3 * np.cos(3.0 * PI * t)


def bohachevsky1_x_slope(t: np.ndarray) -> np.ndarray:
    return 2.0 * t + 0.9 * PI * np.sin(3.0 * PI * t)


def bohachevsky1_y(t: np.ndarray) -> np.ndarray:
    return 2.0 * t * t - 0.4 * np.cos(4.0 * PI * t)


def bohachevsky1_y_slope(t: np.ndarray) -> np.ndarray:
    return 4.0 * t + 1.6 * PI * np.sin(4.0 * PI * t)


def bohachevsky2(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``x^2 + 2y^2 - 0.3 cos(3 pi x) cos(4 pi y) + 0.3`` and its two partial derivatives."""
    cx, sx, cy, sy = np.cos(3 * PI * x), np.sin(3 * PI * x), np.cos(4 * PI * y), np.sin(4 * PI * y)
    energy = x * x + 2.0 * y * y - 0.3 * cx * cy + 0.3
    return energy, 2.0 * x + 0.9 * PI * sx * cy, 4.0 * y + 1.2 * PI * cx * sy


def bohachevsky3(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``x^2 + 2y^2 - 0.3 cos(3 pi x + 4 pi y) + 0.3`` and its two partial derivatives."""
    angle = 3.0 * PI * x + 4.0 * PI * y
    energy = x * x + 2.0 * y * y - 0.3 * np.cos(angle) + 0.3
    return energy, 2.0 * x + 0.9 * PI * np.sin(angle), 4.0 * y + 1.2 * PI * np.sin(angle)


def goldstein_price(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The product ``[1 + (x + y + 1)^2 q_1] [30 + (2x - 3y)^2 q_2]`` as published, and its
    two partial derivatives."""
    u, v = x + y + 1.0, 2.0 * x - 3.0 * y
    q1 = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
    q2 = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
    first, second = 1.0 + u * u * q1, 30.0 + v * v * q2
    first_x = first_y = 2.0 * u * q1 + u * u * (6.0 * x + 6.0 * y - 14.0)
    second_x = 4.0 * v * q2 + v * v * (24.0 * x - 36.0 * y - 32.0)
    second_y = -6.0 * v * q2 + v * v * (54.0 * y - 36.0 * x + 48.0)
    return first * second, first_x * second + first * second_x, first_y * second + first * second_y


# -- the cases -------------------------------------------------------------------------------------

# name -> per coordinate: (term, its derivative, the range of the starts); coordinates that
# share a law share an entry
SEPARABLE: dict[str, list[tuple[Scalar, Scalar, tuple[float, float]]]] = {
    "gramacy_lee": [(gramacy_lee, gramacy_lee_slope, (-3.0, 5.0))],
    "cosine8": [(cosine8_term, cosine8_slope, (-3.0, 3.0))] * 8,
    "bohachevsky1": [
        (bohachevsky1_x, bohachevsky1_x_slope, (-4.0, 4.0)),
        (bohachevsky1_y, bohachevsky1_y_slope, (-3.0, 3.0)),
    ],
}
# name -> (energy and gradient, the box of the starts: wider than the model's modes_box)
PLANAR: dict[str, tuple[Planar, tuple[tuple[float, float], tuple[float, float]]]] = {
    "bohachevsky2": (bohachevsky2, ((-6.0, 6.0), (-5.0, 5.0))),
    "bohachevsky3": (bohachevsky3, ((-6.0, 6.0), (-5.0, 5.0))),
    "goldstein_price": (goldstein_price, ((-4.0, 4.0), (-3.5, 2.5))),
}
NAMES = [*SEPARABLE, *PLANAR]
EXPECTED_COUNTS = {
    "gramacy_lee": 15,
    "cosine8": 5**8,
    "bohachevsky1": 25,
    "bohachevsky2": 25,
    "bohachevsky3": 9,
    "goldstein_price": 4,
}
SAMPLES = 4000


def _model(name: str) -> ebmcore.BaseModel:
    return ebmcore.create(name).to(F64)


# -- every listed mode is a local minimum ----------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_every_listed_mode_is_a_local_minimum(name: str) -> None:
    model = _model(name)
    modes = model.modes
    assert modes.count == EXPECTED_COUNTS[name]
    assert modes.points.dtype == F64 and modes.weights.dtype == F64
    for point in modes.points:
        z = point.clone().requires_grad_(True)
        energy = model.forward(z)
        (gradient,) = torch.autograd.grad(energy, z)
        scale = max(1.0, abs(float(energy.detach())))
        assert float(gradient.abs().max()) < 1e-9 * scale, (point.tolist(), gradient.tolist())
        hessian = torch.autograd.functional.hessian(model.forward, point)
        assert float(torch.linalg.eigvalsh(hessian)[0]) > 0.0, point.tolist()


# -- separable energies: per coordinate ------------------------------------------------------------


def _minima_1d(f: Scalar, slope: Scalar, low: float, high: float, step: float = 0.01) -> np.ndarray:
    """The distinct local minima that BFGS reaches from starts every ``step`` on ``[low, high]``."""
    ends = []
    for start in np.arange(low, high, step) + 0.37 * step:  # off the symmetry points
        result = optimize.minimize(
            lambda z: float(f(z[0])),
            [start],
            jac=lambda z: np.array([float(slope(z[0]))]),
            method="BFGS",
            options={"gtol": 1e-13},
        )
        ends.append(result.x[0])
    ends = np.sort(ends)
    groups = np.split(ends, np.flatnonzero(np.diff(ends) > 1e-6) + 1)
    return np.array([g[np.argmin(np.abs(slope(g)))] for g in groups])  # each the most converged


def _basins_1d(f: Scalar, slope: Scalar, minima: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The local maxima between neighbouring ``minima`` (roots of the slope by Brent's method)
    and the mass of each basin by adaptive quadrature of ``exp(-f)`` over the real line."""
    cuts = np.array(
        [
            optimize.brentq(slope, a + 1e-9, b - 1e-9, xtol=1e-15, rtol=1e-15)
            for a, b in itertools.pairwise(minima)
        ]
    )
    edges = [-np.inf, *cuts, np.inf]
    pieces = np.array(
        [
            integrate.quad(lambda t: math.exp(-float(f(t))), a, b, epsabs=0, epsrel=1e-13, limit=200)[0]
            for a, b in itertools.pairwise(edges)
        ]
    )
    return cuts, pieces / pieces.sum()


_ONE_DIM_CACHE: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}


def _reference(term: tuple[Scalar, Scalar, tuple[float, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minima, cuts and masses of one coordinate's law, found independently (cached per law)."""
    key = id(term[0])
    if key not in _ONE_DIM_CACHE:
        f, slope, (low, high) = term
        minima = _minima_1d(f, slope, low, high)
        _ONE_DIM_CACHE[key] = (minima, *_basins_1d(f, slope, minima))
    return _ONE_DIM_CACHE[key]


@pytest.mark.parametrize("name", list(SEPARABLE))
def test_separable_minima_cuts_and_masses_per_coordinate(name: str) -> None:
    model = _model(name)
    basins = model.coordinate_basins()
    assert len(basins) == model.dim
    for b, term in zip(basins, SEPARABLE[name], strict=True):
        minima, cuts, masses = _reference(term)
        assert len(b.minima) == len(minima)
        np.testing.assert_allclose(b.minima.numpy(), minima, rtol=0, atol=1e-8)
        np.testing.assert_allclose(b.cuts.numpy(), cuts, rtol=0, atol=1e-8)
        np.testing.assert_allclose(b.masses.numpy(), masses, rtol=0, atol=1e-10)
    assert math.prod(len(b.minima) for b in basins) == model.modes.count


@pytest.mark.parametrize("name", list(SEPARABLE))
def test_separable_listed_weights_are_products_of_coordinate_masses(name: str) -> None:
    modes = _model(name).modes
    references = [_reference(term) for term in SEPARABLE[name]]
    for point, weight in zip(modes.points, modes.weights.tolist(), strict=True):
        expected = 1.0
        for t, (minima, _, masses) in zip(point.tolist(), references, strict=True):
            nearest = int(np.argmin(np.abs(minima - t)))
            assert abs(minima[nearest] - t) < 1e-8
            expected *= masses[nearest]
        assert weight == pytest.approx(expected, rel=1e-9, abs=1e-300)
    if modes.count == len(modes.points):  # all listed: every combination once
        seen = {tuple(round(t, 6) for t in p) for p in modes.points.tolist()}
        assert len(seen) == modes.count
        assert float(modes.weights.sum()) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("name", list(SEPARABLE))
def test_separable_mode_index_counts_the_cuts_below_each_coordinate(name: str) -> None:
    model = _model(name)
    references = [_reference(term) for term in SEPARABLE[name]]
    x = model.sample(SAMPLES, torch.Generator().manual_seed(11)).numpy()
    index = np.zeros(SAMPLES, dtype=np.int64)
    for j, (minima, cuts, _) in enumerate(references):
        index = index * len(minima) + (x[:, j, None] > cuts).sum(-1)
    assert np.array_equal(model.mode_index(torch.from_numpy(x)).numpy(), index)


@pytest.mark.parametrize("name", NAMES)
def test_mode_index_numbers_each_listed_mode_apart(name: str) -> None:
    model = _model(name)
    modes = model.modes
    listed = model.mode_index(modes.points)
    assert listed.dtype == torch.int64
    assert len(torch.unique(listed)) == len(listed)
    assert int(listed.min()) >= 0 and int(listed.max()) < modes.count
    if name in PLANAR:  # numbered in the order listed
        assert listed.tolist() == list(range(len(listed)))
    assert torch.equal(model.mode_index(modes.points.float()), listed)


# -- planar energies -------------------------------------------------------------------------------


def _scalar(function: Planar) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    def value_and_gradient(z: np.ndarray) -> tuple[float, np.ndarray]:
        energy, gx, gy = function(z[0], z[1])
        return float(energy), np.array([gx, gy])

    return value_and_gradient


def _is_minimum(function: Planar, z: np.ndarray, h: float = 1e-5) -> bool:
    """A positive definite Hessian at ``z`` (central differences of the gradient)."""
    columns = []
    for e in np.eye(2):
        _, gx_plus, gy_plus = function(*(z + h * e))
        _, gx_minus, gy_minus = function(*(z - h * e))
        columns.append([(gx_plus - gx_minus) / (2 * h), (gy_plus - gy_minus) / (2 * h)])
    hessian = np.array(columns)
    return bool(np.linalg.eigvalsh(0.5 * (hessian + hessian.T))[0] > 0)


def _starts(box: tuple[tuple[float, float], tuple[float, float]], fine: float, coarse: float) -> np.ndarray:
    """Starts every ``fine`` where the minima may lie, ``|x|, |y| <= 2``, and every ``coarse``
    over all of ``box`` (each grid shifted off the symmetry lines)."""
    inner = np.arange(-2.0, 2.0, fine) + 0.37 * fine
    (x_low, x_high), (y_low, y_high) = box
    outer_x = np.arange(x_low, x_high + coarse / 2, coarse) + 0.013
    outer_y = np.arange(y_low, y_high + coarse / 2, coarse) + 0.013
    return np.concatenate(
        [
            np.stack(np.meshgrid(inner, inner, indexing="ij"), -1).reshape(-1, 2),
            np.stack(np.meshgrid(outer_x, outer_y, indexing="ij"), -1).reshape(-1, 2),
        ]
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PLANAR))
def test_planar_minima_are_all_that_multistart_finds(name: str) -> None:
    function, box = PLANAR[name]
    declared = _model(name).modes.points.numpy()
    (x_low, x_high), (y_low, y_high) = type(_model(name)).modes_box
    assert box[0][0] < x_low and x_high < box[0][1] and box[1][0] < y_low and y_high < box[1][1]
    found: list[np.ndarray] = []
    for start in _starts(box, fine=0.125, coarse=0.5):
        result = optimize.minimize(_scalar(function), start, jac=True, method="BFGS", options={"gtol": 1e-11})
        if not any(np.abs(result.x - p).max() < 1e-6 for p in found) and _is_minimum(function, result.x):
            found.append(result.x)
    found_sorted = np.array(sorted(found, key=lambda p: (round(p[0], 6), round(p[1], 6))))
    assert len(found_sorted) == len(declared) == EXPECTED_COUNTS[name]
    np.testing.assert_allclose(found_sorted, declared, rtol=0, atol=1e-8)


def _assign(function: Planar, points: np.ndarray, minima: np.ndarray, duration: float) -> np.ndarray:
    """The declared minimum that the gradient flow ``z' = -grad E(z)`` carries each of
    ``points`` to (Runge-Kutta on all of them at once; BFGS from where the flow has not yet
    settled within 1e-8 of a minimum). Every flow must end at a declared minimum."""

    def rhs(_: float, z: np.ndarray) -> np.ndarray:
        _, gx, gy = function(z[0::2], z[1::2])
        out = np.empty_like(z)
        out[0::2], out[1::2] = -gx, -gy
        return out

    solution = integrate.solve_ivp(
        rhs, (0.0, duration), points.reshape(-1), method="RK45", rtol=1e-9, atol=1e-12
    )
    assert solution.status == 0
    ends = solution.y[:, -1].reshape(-1, 2)
    unsettled = np.linalg.norm(ends[:, None, :] - minima[None, :, :], axis=-1).min(1) > 1e-8
    for i in np.flatnonzero(unsettled):
        ends[i] = optimize.minimize(
            _scalar(function), ends[i], jac=True, method="BFGS", options={"gtol": 1e-11}
        ).x
    distance = np.linalg.norm(ends[:, None, :] - minima[None, :, :], axis=-1)
    assert float(distance.min(1).max()) < 1e-6, "a flow ended away from every declared minimum"
    return distance.argmin(1)


# the flow's duration: a multiple of 1 / (the smallest curvature at a minimum)
FLOW_TIME = {"bohachevsky2": 40.0, "bohachevsky3": 40.0, "goldstein_price": 1.0}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PLANAR))
def test_planar_masses_against_exact_samples_carried_down_the_gradient_flow(name: str) -> None:
    model = _model(name)
    modes = model.modes
    x = model.sample(SAMPLES, torch.Generator().manual_seed(5)).numpy()
    assigned = _assign(PLANAR[name][0], x, modes.points.numpy(), FLOW_TIME[name])
    counts = np.bincount(assigned, minlength=len(modes.points))
    w = modes.weights.numpy()
    z = np.abs(counts - SAMPLES * w) / np.sqrt(np.maximum(SAMPLES * w * (1.0 - w), 1.0))
    assert float(z.max()) < 5.0, (counts.tolist(), (SAMPLES * w).round(1).tolist())
    assert float(w.sum()) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    ["bohachevsky2", "bohachevsky3", "goldstein_price"],
)
def test_planar_mode_index_agrees_with_the_gradient_flow_but_near_basin_edges(name: str) -> None:
    """Every sample that ``mode_index`` places in another basin than the flow's lies within a
    hop of the grid's flow (8 cells) of that basin: the flow from one of its eight neighbours
    that far away reaches it."""
    model = _model(name)
    function = PLANAR[name][0]
    minima = model.modes.points.numpy()
    x = model.sample(SAMPLES, torch.Generator().manual_seed(5)).numpy()
    assigned = _assign(function, x, minima, FLOW_TIME[name])
    index = model.mode_index(torch.from_numpy(x)).numpy()
    differ = np.flatnonzero(index != assigned)
    assert len(differ) <= 0.01 * SAMPLES, f"{len(differ)} of {SAMPLES} samples in another basin"
    if len(differ):
        (x_low, x_high), (y_low, y_high) = type(model).modes_box
        cell = np.array([x_high - x_low, y_high - y_low]) / type(model).modes_cells
        offsets = np.array([(i, j) for i in (-8, 0, 8) for j in (-8, 0, 8) if (i, j) != (0, 0)]) * cell
        around = (x[differ, None, :] + offsets[None]).reshape(-1, 2)
        reached = _assign(function, around, minima, FLOW_TIME[name]).reshape(len(differ), -1)
        near_edge = (reached == index[differ, None]).any(1)
        assert near_edge.all(), x[differ][~near_edge][:5].tolist()


# -- evaluate ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_evaluate_scores_exact_samples_like_perfect_ones(name: str) -> None:
    model = _model(name)
    modes = model.modes
    x = model.sample(SAMPLES, torch.Generator().manual_seed(3))
    coverage = ebmcore.evaluate(model, x, metrics=["modes"]).modes
    assert coverage.assignment == "mode_index"
    assert coverage.count == modes.count
    if modes.count == len(modes.points):
        assert coverage.total_variation is not None and coverage.perfect is not None
        assert coverage.total_variation < 2.0 * coverage.perfect + 1e-12
        # every mode that should hold ten samples holds one
        for held, weight in zip(coverage.masses, modes.weights.tolist(), strict=True):
            assert held > 0 or SAMPLES * weight < 10.0
    else:  # cosine8: 5^8 modes, the independent laws of the coordinates give the visits expected
        masses = [_reference(term)[2] for term in SEPARABLE[name]]
        weights = masses[0]
        for m in masses[1:]:
            weights = np.multiply.outer(weights, m).reshape(-1)
        expected = float((1.0 - (1.0 - weights) ** SAMPLES).sum())
        assert abs(coverage.visited - expected) < 5.0 * math.sqrt(SAMPLES - expected + 1.0)
