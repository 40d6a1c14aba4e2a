"""Declared modes against independent computations: every listed mode a local minimum of the
model's own energy (autograd), the minima found again by multistart scipy minimization of
textbook formulas written here, separable basin masses against scipy quadrature between maxima
found by Brent's method, planar basin masses against exact samples carried to their minima by
the gradient flow, and ``ebmcore.evaluate`` on exact samples."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch
from ebmcore_analytic import _optimization as opt
from scipy import integrate, optimize

import ebmcore

Scalar = Callable[[np.ndarray], np.ndarray]

# -- the 1-D terms of the separable energies, from their textbook formulas -----------------------


@dataclass(frozen=True)
class Term:
    """A 1-D term ``f`` with ``f'`` and ``f''``, and a range wider than its critical points."""

    f: Scalar
    slope: Scalar
    curvature: Scalar
    reach: float  # every critical point lies in (-reach, reach); the starts cover a wider range


def double_well_term(h: float, b: float) -> Term:
    return Term(
        lambda t: h * (t * t - b * b) ** 2,
        lambda t: 4.0 * h * t * (t * t - b * b),
        lambda t: 4.0 * h * (3.0 * t * t - b * b),
        b + 1.0,
    )


STYBLINSKI_TANG = Term(
    lambda t: 0.5 * (t**4 - 16.0 * t**2 + 5.0 * t),
    lambda t: 2.0 * t**3 - 16.0 * t + 2.5,
    lambda t: 6.0 * t**2 - 16.0,
    4.0,
)


def rastrigin_term(a: float) -> Term:
    """The textbook ``t^2 - a cos(2 pi t) + a``; its critical points have ``|t| <= pi a``."""
    w = 2.0 * math.pi
    return Term(
        lambda t: t * t - a * np.cos(w * t) + a,
        lambda t: 2.0 * t + w * a * np.sin(w * t),
        lambda t: 2.0 + w * w * a * np.cos(w * t),
        math.pi * a + 0.5,
    )


SEPARABLE: list[tuple[str, dict[str, Any], Term]] = [
    ("double_well", {"dim": 2}, double_well_term(1.0, 1.0)),
    ("double_well", {"dim": 3, "barrier_height": 2.0, "b": 1.5}, double_well_term(2.0, 1.5)),
    ("styblinski_tang", {"dim": 2}, STYBLINSKI_TANG),
    ("styblinski_tang", {"dim": 5}, STYBLINSKI_TANG),
    ("rastrigin", {"dim": 1}, rastrigin_term(10.0)),
    ("rastrigin", {"dim": 2, "a": 1.0}, rastrigin_term(1.0)),
    ("rastrigin", {"dim": 3, "a": 0.3}, rastrigin_term(0.3)),  # three minima per coordinate
    ("rastrigin", {"dim": 2, "a": 0.04}, rastrigin_term(0.04)),  # convex: a <= 1/(2 pi^2)
]
SEPARABLE_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in cfg.items())}" for name, cfg, _ in SEPARABLE]


def _distinct(points: np.ndarray, tolerance: float) -> np.ndarray:
    """The points (rows) of ``points`` that differ by more than ``tolerance``, sorted."""
    kept: list[np.ndarray] = []
    for p in points[np.lexsort(points.T[::-1])]:
        if not any(np.abs(p - q).max() <= tolerance for q in kept):
            kept.append(p)
    return np.array(kept)


@dataclass(frozen=True)
class Reference:
    """A 1-D term's minima (multistart minimization), maxima (Brent's method between them) and
    basin masses (adaptive quadrature between the maxima)."""

    minima: np.ndarray
    cuts: np.ndarray
    masses: np.ndarray


def reference_basins(term: Term) -> Reference:
    wide = term.reach + 2.0
    starts = np.arange(-wide, wide, 0.05) + 0.003  # 20 or more starts in every basin (1 wide or more)
    found = []
    for start in starts:
        result = optimize.minimize(
            lambda t: (float(term.f(t[0])), np.array([term.slope(t[0])])),
            np.array([start]),
            jac=True,
            method="L-BFGS-B",
        )
        found.append(result.x[0])
    points = np.array(found)
    points = points[term.curvature(points) > 0.0]  # (a start on a maximum stays there)
    for _ in range(8):  # polish: Newton's method from L-BFGS-B's stop, about 1e-6 off
        points = points - term.slope(points) / term.curvature(points)
    minima = _distinct(points[:, None], 1e-6)[:, 0]
    # one maximum between neighbouring minima: f' > 0 just right of one, < 0 just left of the next
    cuts = np.array(
        [
            optimize.brentq(term.slope, lo + 1e-7, hi - 1e-7, xtol=1e-15, rtol=1e-15)
            for lo, hi in itertools.pairwise(minima)
        ]
    )
    lowest = float(term.f(minima).min())
    edges = [-np.inf, *cuts.tolist(), np.inf]
    pieces = np.array(
        [
            integrate.quad(
                lambda t: math.exp(-(float(term.f(t)) - lowest)),
                lo,
                hi,
                epsabs=0.0,
                epsrel=1e-12,
                limit=200,
                points=None if not (np.isfinite(lo) and np.isfinite(hi)) else [m],
            )[0]
            for lo, hi, m in zip(edges[:-1], edges[1:], minima, strict=True)
        ]
    )
    return Reference(minima, cuts, pieces / pieces.sum())


@pytest.fixture(scope="module")
def references() -> dict[int, Reference]:
    return {}


def _reference(references: dict[int, Reference], term: Term) -> Reference:
    if id(term) not in references:
        references[id(term)] = reference_basins(term)
    return references[id(term)]


@pytest.mark.parametrize(("name", "cfg", "term"), SEPARABLE, ids=SEPARABLE_IDS)
def test_coordinate_basins_match_multistart_brent_and_quad(
    name: str, cfg: dict[str, Any], term: Term, references: dict[int, Reference]
) -> None:
    model = ebmcore.create(name, **cfg)
    basins = model.coordinate_basins()
    assert len(basins) == model.dim and all(b is basins[0] for b in basins)  # one shared law
    reference = _reference(references, term)
    got = basins[0]
    assert len(got.minima) == len(reference.minima)
    np.testing.assert_allclose(got.minima.numpy(), reference.minima, rtol=0, atol=1e-8)
    np.testing.assert_allclose(got.cuts.numpy(), reference.cuts, rtol=0, atol=1e-10)
    np.testing.assert_allclose(got.masses.numpy(), reference.masses, rtol=0, atol=1e-10)


@pytest.mark.parametrize(("name", "cfg", "term"), SEPARABLE, ids=SEPARABLE_IDS)
def test_product_modes_are_every_combination_with_product_masses(
    name: str, cfg: dict[str, Any], term: Term, references: dict[int, Reference]
) -> None:
    model = ebmcore.create(name, **cfg)
    reference = _reference(references, term)
    k, d = len(reference.minima), model.dim
    modes = model.modes
    assert modes.count == k**d
    # each coordinate of each listed point is one of the 1-D minima; its mass the product
    picks = np.abs(modes.points.numpy()[..., None] - reference.minima).argmin(-1)  # (listed, d)
    np.testing.assert_allclose(modes.points.numpy(), reference.minima[picks], rtol=0, atol=1e-8)
    # (the masses are good to about 1e-13 absolute: Styblinski-Tang's shallow well, 7.9e-7, to
    # 2e-7 relative, the rounding of the law's cumulative sum over 2^18 cells)
    expected = reference.masses[picks].prod(-1)
    np.testing.assert_allclose(modes.weights.numpy(), expected, rtol=1e-6, atol=1e-12)
    assert len({tuple(row) for row in picks.tolist()}) == len(picks)  # distinct modes
    # mode_index: the basin of each coordinate by the reference maxima, first coordinate most significant
    samples = model.sample(2000, generator=torch.Generator().manual_seed(3))
    per_coordinate = np.searchsorted(reference.cuts, samples.numpy())
    expected_index = (per_coordinate * k ** np.arange(d - 1, -1, -1)).sum(-1)
    np.testing.assert_array_equal(model.mode_index(samples).numpy(), expected_index)
    listed = model.mode_index(modes.points)
    np.testing.assert_array_equal(listed.numpy(), (picks * k ** np.arange(d - 1, -1, -1)).sum(-1))


def test_rastrigin_lists_the_heaviest_mode_and_its_neighbours_when_there_are_many() -> None:
    """a = 4 in 5-D: 25^5 modes; the origin and every mode one coordinate away are listed."""
    model = ebmcore.create("rastrigin", dim=5, a=4.0)
    modes = model.modes
    k = len(model.coordinate_basins()[0].minima)
    assert k == 25 and modes.count == 25**5 and len(modes.points) == 1 + 5 * 24
    assert modes.points[0].abs().max() == 0.0
    away = (modes.points[1:] != 0).sum(-1)
    assert bool((away == 1).all())
    assert len(torch.unique(model.mode_index(modes.points))) == len(modes.points)


# -- planar energies: their textbook formulas ---------------------------------------------------


def himmelblau(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = p
    u, v = x * x + y - 11.0, x + y * y - 7.0
    return u * u + v * v, np.array([4.0 * x * u + 2.0 * v, 2.0 * u + 4.0 * y * v])


def six_hump_camel(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = p
    energy = (4.0 - 2.1 * x**2 + x**4 / 3.0) * x**2 + x * y + (-4.0 + 4.0 * y**2) * y**2
    return energy, np.array([8.0 * x - 8.4 * x**3 + 2.0 * x**5 + y, x - 8.0 * y + 16.0 * y**3])


def three_hump_camel(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = p
    energy = 2.0 * x**2 - 1.05 * x**4 + x**6 / 6.0 + x * y + y**2
    return energy, np.array([4.0 * x - 4.2 * x**3 + x**5 + y, x + 2.0 * y])


Planar = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]

PLANAR: list[tuple[str, Planar, int]] = [
    ("himmelblau", himmelblau, 4),
    ("six_hump_camel", six_hump_camel, 6),
    ("three_hump_camel", three_hump_camel, 3),
]
PLANAR_IDS = [name for name, _, _ in PLANAR]


def _hessian_fd(f: Planar, p: np.ndarray, step: float = 1e-5) -> np.ndarray:
    """The Hessian by central differences of the gradient."""
    columns = [(f(p + step * e)[1] - f(p - step * e)[1]) / (2.0 * step) for e in np.eye(2)]
    h = np.stack(columns, -1)
    return 0.5 * (h + h.T)


def _polish(f: Planar, point: np.ndarray) -> np.ndarray:
    """Newton's method from a minimizer's stop (about 1e-6 off), on the gradient above."""
    for _ in range(6):
        point = point - np.linalg.solve(_hessian_fd(f, point), f(point)[1])
    return point


@pytest.mark.parametrize(("name", "f", "count"), PLANAR, ids=PLANAR_IDS)
def test_planar_minima_match_multistart_minimization(name: str, f: Planar, count: int) -> None:
    """Starts on a 40 x 40 grid of the modes box widened by half of its size on every side."""
    model = ebmcore.create(name)
    (x0, x1), (y0, y1) = type(model).modes_box
    wx, wy = 0.5 * (x1 - x0), 0.5 * (y1 - y0)
    xs = np.linspace(x0 - wx, x1 + wx, 40) + 1e-3  # (off the symmetry lines, where saddles sit)
    ys = np.linspace(y0 - wy, y1 + wy, 40) + 2e-3
    found = []
    for start in np.stack(np.meshgrid(xs, ys, indexing="ij"), -1).reshape(-1, 2):
        point = optimize.minimize(lambda p: (float(f(p)[0]), f(p)[1]), start, jac=True, method="BFGS").x
        if np.linalg.eigvalsh(_hessian_fd(f, point))[0] > 0.0:
            found.append(_polish(f, point))
    minima = _distinct(np.array(found), 1e-6)
    modes = model.modes
    assert modes.count == len(modes.points) == len(minima) == count
    points = modes.points.numpy()
    np.testing.assert_allclose(points[np.lexsort(points.T[::-1])], minima, rtol=0, atol=1e-8)


def _gradient_flow_minima(f: Planar, starts: np.ndarray, span: float = 50.0) -> np.ndarray:
    """Where the gradient flow ``dx/dt = -grad E`` from each start ends (the definition of its
    basin), polished by BFGS. A line-search minimizer from the start itself may jump to another
    basin (from 2% to 5% of exact draws of the camels did)."""
    n = len(starts)

    def rhs(_: float, z: np.ndarray) -> np.ndarray:
        return -f(z.reshape(n, 2).T)[1].T.reshape(-1)

    flow = integrate.solve_ivp(rhs, (0.0, span), starts.reshape(-1), method="RK45", rtol=1e-9, atol=1e-12)
    assert flow.success
    ends = flow.y[:, -1].reshape(n, 2)
    return np.array(
        [
            optimize.minimize(lambda p: (float(f(p)[0]), f(p)[1]), end, jac=True, method="BFGS").x
            for end in ends
        ]
    )


# The share of exact draws whose mode_index differs from the gradient flow's basin (measured:
# 0, 0.03% and 0.05%). Himmelblau's basins meet where the density is below e^-13 of its peak; the
# camels' where it is high (six-hump: a third of the peak at the saddle at the origin), and a draw
# within a few grid cells of a basin's edge may land on the other side.
MISMATCH = {"himmelblau": 0.0, "six_hump_camel": 0.002, "three_hump_camel": 0.002}


@pytest.mark.parametrize(("name", "f", "count"), PLANAR, ids=PLANAR_IDS)
def test_planar_masses_and_mode_index_against_the_gradient_flow(name: str, f: Planar, count: int) -> None:
    model = ebmcore.create(name)
    modes = model.modes
    n = 4000
    samples = model.sample(n, generator=torch.Generator().manual_seed(21))
    ends = _gradient_flow_minima(f, samples.numpy())
    distance = np.linalg.norm(ends[:, None, :] - modes.points.numpy()[None], axis=-1)
    assert distance.min(-1).max() < 1e-4  # every draw flows to a declared minimum (the next one is 0.5 away)
    flowed = distance.argmin(-1)
    counts = np.bincount(flowed, minlength=count)
    expected = n * modes.weights.numpy()
    z = np.abs(counts - expected) / np.sqrt(expected * (1.0 - modes.weights.numpy()))
    assert z.max() < 5.0, (counts, expected)
    index = model.mode_index(samples).numpy()
    assert (index != flowed).mean() <= MISMATCH[name]
    # the index of every listed mode is its position, and the masses sum to one
    np.testing.assert_array_equal(model.mode_index(modes.points).numpy(), np.arange(count))
    assert float(modes.weights.sum()) == pytest.approx(1.0, abs=1e-12)


def test_six_hump_camel_masses_are_symmetric() -> None:
    """E(-x, -y) = E(x, y): mirror modes have equal masses, to the grid's accuracy (2e-4 each)."""
    modes = ebmcore.create("six_hump_camel").modes
    points, weights = modes.points, modes.weights
    mirror = torch.cdist(-points, points).argmin(-1)
    torch.testing.assert_close(points[mirror], -points, rtol=0, atol=1e-12)
    assert float((weights - weights[mirror]).abs().max()) < 1e-3


# -- every listed mode is a local minimum of the model's own energy ----------------------------

LOCAL_MINIMUM_CASES = [(name, cfg) for name, cfg, _ in SEPARABLE] + [(name, {}) for name, _, _ in PLANAR]


@pytest.mark.parametrize(("name", "cfg"), LOCAL_MINIMUM_CASES)
def test_listed_modes_are_local_minima(name: str, cfg: dict[str, Any]) -> None:
    """Autograd in float64: a vanishing gradient and a positive definite Hessian at each."""
    model = ebmcore.create(name, **cfg).double()
    points = model.modes.points.clone().requires_grad_(True)
    (gradient,) = torch.autograd.grad(model.forward(points).sum(), points)
    scale = 1.0 + points.detach().abs().max() * (1.0 + float(cfg.get("a", 1.0)))
    assert float(gradient.abs().max()) < 1e-10 * float(scale)
    for point in points.detach():
        hessian = torch.autograd.functional.hessian(model.forward, point)
        assert float(torch.linalg.eigvalsh(hessian)[0]) > 0.0


# -- evaluate on exact samples -------------------------------------------------------------------

EVALUATE_CASES = [
    ("double_well", {"dim": 3, "barrier_height": 2.0, "b": 1.5}),
    ("styblinski_tang", {"dim": 2}),
    ("rastrigin", {"dim": 2, "a": 1.0}),
    ("rastrigin", {"dim": 2}),
    ("himmelblau", {}),
    ("six_hump_camel", {}),
    ("three_hump_camel", {}),
]


@pytest.mark.parametrize(("name", "cfg"), EVALUATE_CASES)
def test_evaluate_exact_samples_visit_the_modes_that_hold_mass(name: str, cfg: dict[str, Any]) -> None:
    model = ebmcore.create(name, **cfg)
    n = 4000
    samples = model.sample(n, generator=torch.Generator().manual_seed(8))
    report = ebmcore.evaluate(model, samples, metrics=["modes"], generator=torch.Generator().manual_seed(0))
    coverage = report.modes
    assert coverage is not None and coverage.assignment == "mode_index"
    truth = model.modes.weights.numpy()
    held = n * truth >= 20.0  # modes expected to hold 20 draws or more
    masses = np.array(coverage.masses)
    assert bool((masses[held] > 0.0).all())
    assert int(held.sum()) <= coverage.visited <= int((truth > 0.0).sum())
    assert coverage.total_variation is not None and coverage.perfect is not None
    assert coverage.total_variation < 2.0 * coverage.perfect + 2e-3


# -- limits ----------------------------------------------------------------------------------------


def test_rastrigin_beyond_the_limit_has_no_modes() -> None:
    model = ebmcore.create("rastrigin", dim=2, a=2.0 * opt.RASTRIGIN_MODES_LIMIT)
    assert model.modes is None
    with pytest.raises(NotImplementedError, match=r"Rastrigin: no basins for these parameters"):
        model.mode_index(torch.zeros(3, 2, dtype=torch.float64))
    samples = model.sample(500, generator=torch.Generator().manual_seed(2))
    report = ebmcore.evaluate(model, samples, metrics="auto", generator=torch.Generator().manual_seed(0))
    assert report.modes is None


def test_rastrigin_at_the_limit_counts_its_minima() -> None:
    """a = 10^5: about 2 pi a + 1 minima per coordinate; each is a local
    minimum of the textbook term, one in each basin, with a root of f' between neighbours."""
    a = opt.RASTRIGIN_MODES_LIMIT
    basins = ebmcore.create("rastrigin", dim=1, a=a).coordinate_basins()[0]
    term = rastrigin_term(a)
    minima, cuts = basins.minima.numpy(), basins.cuts.numpy()
    assert abs(len(minima) - (2.0 * math.pi * a + 1.0)) < 3.0
    assert bool((term.curvature(minima) > 0.0).all()) and bool((term.curvature(cuts) < 0.0).all())
    assert bool((minima[:-1] < cuts).all()) and bool((cuts < minima[1:]).all())
    # each is a root of f' to rounding: f' changes sign across a few ulps around it
    for points, rising in ((minima, True), (cuts, False)):
        width = 4.0 * np.spacing(np.abs(points) + 1.0)
        below, above = term.slope(points - width), term.slope(points + width)
        assert bool(((below <= 0) & (above >= 0)).all() if rising else ((below >= 0) & (above <= 0)).all())
    assert float(basins.masses.sum()) == pytest.approx(1.0, abs=1e-12)
    # the central basins: masses e^{-k^2} / sum_j e^{-j^2} in the limit of narrow wells
    theta = sum(math.exp(-j * j) for j in range(-10, 11))
    centre = int(np.argmin(np.abs(minima)))
    for k in (-2, -1, 0, 1, 2):
        assert float(basins.masses[centre + k]) == pytest.approx(math.exp(-k * k) / theta, rel=1e-3)


def test_double_well_modes_in_a_million_dimensions() -> None:
    model = ebmcore.create("double_well", dim=10**6)
    modes = model.modes
    assert modes.count == 2 ** (10**6) and 1 <= len(modes.points) <= 4
    assert modes.points.shape[1] == 10**6 and bool((modes.points.abs() == 1.0).all())
    with pytest.raises(ebmcore.InvalidInputError, match="int64"):
        model.mode_index(torch.ones(2, 10**6, dtype=torch.float64))
    with pytest.raises(ebmcore.InvalidParameterError, match=r"fit in memory") as caught:
        _ = ebmcore.create("double_well", dim=10**15).modes
    assert caught.value.parameter == "dim"  # type: ignore[attr-defined]


def test_double_well_without_a_barrier_has_one_mode() -> None:
    """b = 0: E = h sum x_i^4, one (degenerate) minimum at the origin, holding all the mass."""
    model = ebmcore.create("double_well", dim=3, b=0.0)
    modes = model.modes
    assert modes.count == 1 and modes.points.tolist() == [[0.0, 0.0, 0.0]] and modes.weights.tolist() == [1.0]
    x = model.sample(100, generator=torch.Generator().manual_seed(4))
    assert model.mode_index(x).tolist() == [0] * 100


def test_double_well_in_62_dimensions_indexes_every_corner() -> None:
    """2^62 modes still fit in int64: the index is the binary number of the signs."""
    model = ebmcore.create("double_well", dim=62, b=2.0)
    x = torch.full((2, 62), -2.0, dtype=torch.float64)
    x[1, -1], x[1, 0] = 2.0, 2.0
    assert model.mode_index(x).tolist() == [0, 2**61 + 1]
