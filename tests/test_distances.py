"""Two-sample distances (ebmcore._distances): against scipy, brute force, closed forms and errors."""

from __future__ import annotations

import math
import os
import resource
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import scipy.special
import scipy.stats
import torch

from ebmcore import InvalidInputError
from ebmcore import _distances as distances
from ebmcore._distances import (
    energy_distance,
    median_bandwidth,
    mmd,
    sliced_wasserstein,
    total_variation,
    wasserstein_1d,
)

RTOL = 1e-12


def t(values: Any) -> torch.Tensor:
    return torch.as_tensor(np.asarray(values, dtype=np.float64))


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    """Tiles of 7 x 7 pairs, so that samples of a few dozen points span several tiles."""
    monkeypatch.setattr(distances, "_CHUNK", 7)
    return 7


# ---------------------------------------------------------------------------------------------
# brute force references: explicit loops over the pairs, math.dist for each distance


def brute_distances(x: np.ndarray, y: np.ndarray) -> list[list[float]]:
    return [[math.dist(a, b) for b in y] for a in x]


def brute_energy(x: np.ndarray, y: np.ndarray) -> float:
    def mean(rows: list[list[float]]) -> float:
        return math.fsum(v for row in rows for v in row) / (len(rows) * len(rows[0]))

    squared = 2 * mean(brute_distances(x, y)) - mean(brute_distances(x, x)) - mean(brute_distances(y, y))
    return math.sqrt(max(squared, 0.0))


def brute_kernel_sum(x: np.ndarray, y: np.ndarray, h: float, *, skip_diagonal: bool) -> float:
    return math.fsum(
        math.exp(-(d**2) / (2 * h**2))
        for i, row in enumerate(brute_distances(x, y))
        for j, d in enumerate(row)
        if not (skip_diagonal and i == j)
    )


def brute_mmd(x: np.ndarray, y: np.ndarray, h: float) -> float:
    n, m = len(x), len(y)
    return (
        brute_kernel_sum(x, x, h, skip_diagonal=True) / (n * (n - 1))
        + brute_kernel_sum(y, y, h, skip_diagonal=True) / (m * (m - 1))
        - 2 * brute_kernel_sum(x, y, h, skip_diagonal=False) / (n * m)
    )


def evenly(values: np.ndarray, count: int) -> np.ndarray:
    if count >= len(values):
        return values
    return values[[round(i * (len(values) - 1) / (count - 1)) for i in range(count)]]


def brute_median(x: np.ndarray, y: np.ndarray, max_points: int) -> float:
    """Half the points from each sample (evenly spaced), or all of the smaller and the rest from the other."""
    from_x = min(len(x), max(max_points // 2, max_points - len(y)))
    pooled = np.concatenate([evenly(x, from_x), evenly(y, min(len(y), max_points - from_x))])
    pairs = [math.dist(pooled[i], pooled[j]) for i in range(len(pooled)) for j in range(i + 1, len(pooled))]
    return float(np.median(pairs))


# ---------------------------------------------------------------------------------------------
# 1. against scipy


def _w1_cases() -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]]:
    g = rng(0)
    ties_a = np.round(g.normal(size=40), 1)  # many equal values, within and across the samples
    ties_b = np.round(g.normal(0.3, 1.2, size=25), 1)
    return [
        ("equal sizes", g.normal(size=50), g.normal(0.5, 2.0, size=50), None, None),
        ("unequal sizes", g.normal(size=37), g.exponential(size=101), None, None),
        ("ties", ties_a, ties_b, None, None),
        ("one point", np.array([0.25]), g.normal(size=9), None, None),
        ("weights", g.normal(size=30), g.normal(1.0, size=20), g.uniform(size=30), g.uniform(size=20)),
        ("one side weighted", g.normal(size=30), g.normal(size=45), None, g.uniform(0, 5, size=45)),
        (
            "zero weights and ties",
            ties_a,
            ties_b,
            np.where(np.arange(40) % 3 == 0, 0.0, g.uniform(size=40)),
            g.integers(0, 4, size=25).astype(float) + (np.arange(25) == 0),
        ),
        ("large scale", 1e6 + g.normal(size=60), 1e6 + g.normal(0.1, size=70), None, None),
    ]


@pytest.mark.parametrize(
    ("a", "b", "wa", "wb"), [c[1:] for c in _w1_cases()], ids=[c[0] for c in _w1_cases()]
)
def test_wasserstein_1d_matches_scipy(a: np.ndarray, b: np.ndarray, wa: Any, wb: Any) -> None:
    expected = scipy.stats.wasserstein_distance(a, b, wa, wb)
    got = wasserstein_1d(t(a), t(b), None if wa is None else t(wa), None if wb is None else t(wb))
    assert isinstance(got, float)
    assert got == pytest.approx(expected, rel=RTOL, abs=0)


@pytest.mark.parametrize(("a", "b"), [c[1:3] for c in _w1_cases()][:4], ids=[c[0] for c in _w1_cases()][:4])
def test_energy_distance_1d_matches_scipy(a: np.ndarray, b: np.ndarray) -> None:
    if len(a) < 2:
        a = np.append(a, 1.5)
    expected = scipy.stats.energy_distance(a, b)
    assert energy_distance(t(a), t(b)) == pytest.approx(expected, rel=RTOL, abs=0)
    assert energy_distance(t(a)[:, None], t(b)[:, None]) == pytest.approx(expected, rel=RTOL, abs=0)


def test_the_pairwise_path_in_1d_matches_scipy(small_chunks: int) -> None:
    """The tiled pair sums (used for d > 1) agree with scipy's CDF formula where both apply."""
    g = rng(1)
    a, b = g.normal(size=45), g.normal(1.0, 1.5, size=32)
    between, within_a, within_b = distances._mean_distances(t(a)[:, None], t(b)[:, None])
    expected = scipy.stats.energy_distance(a, b)
    assert math.sqrt(2 * between - within_a - within_b) == pytest.approx(expected, rel=1e-12, abs=0)


# ---------------------------------------------------------------------------------------------
# 2. brute force for d > 1, with one tile and with many


@pytest.fixture(params=["one tile", "tiles of 7"])
def chunking(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "tiles of 7":
        monkeypatch.setattr(distances, "_CHUNK", 7)
    return str(request.param)


@pytest.mark.parametrize(("n", "m", "d"), [(30, 23, 3), (21, 14, 2), (2, 9, 5)])
def test_energy_distance_matches_brute_force(chunking: str, n: int, m: int, d: int) -> None:
    g = rng(n * m)
    x, y = g.normal(size=(n, d)), g.normal(0.4, 1.3, size=(m, d))
    assert energy_distance(t(x), t(y)) == pytest.approx(brute_energy(x, y), rel=RTOL, abs=0)


@pytest.mark.parametrize(("n", "m", "d", "h"), [(30, 23, 3, 1.0), (21, 14, 2, 0.3), (2, 9, 5, 4.0)])
def test_mmd_matches_brute_force(chunking: str, n: int, m: int, d: int, h: float) -> None:
    g = rng(n + m)
    x, y = g.normal(size=(n, d)), g.normal(0.8, 1.0, size=(m, d))
    assert mmd(t(x), t(y), h) == pytest.approx(brute_mmd(x, y, h), rel=1e-11, abs=1e-15)


@pytest.mark.parametrize(("n", "m", "max_points"), [(30, 23, 1000), (30, 23, 17), (30, 23, 40), (4, 3, 5)])
def test_median_bandwidth_matches_brute_force(chunking: str, n: int, m: int, max_points: int) -> None:
    g = rng(n + max_points)
    x, y = g.normal(size=(n, 3)), g.normal(2.0, 1.0, size=(m, 3))
    expected = brute_median(x, y, max_points)
    assert median_bandwidth(t(x), t(y), max_points=max_points) == pytest.approx(expected, rel=RTOL, abs=0)


def test_median_bandwidth_pools_evenly_spaced_points_of_both_samples() -> None:
    """Samples ordered by chain (here: the first half of x far from the rest) are all represented."""
    g = rng(3)
    x = np.concatenate([g.normal(size=(10, 2)), g.normal(20.0, 1.0, size=(10, 2))])
    y = g.normal(50.0, 1.0, size=(10, 2))
    chosen = np.concatenate([x[[0, 5, 10, 14, 19]], y[[0, 2, 4, 7, 9]]])
    assert median_bandwidth(t(x), t(y), max_points=10) == pytest.approx(brute_median(chosen, chosen[:0], 10))
    assert median_bandwidth(t(x), t(y[:3]), max_points=10) == pytest.approx(
        brute_median(np.concatenate([x[[0, 3, 6, 10, 13, 16, 19]], y[:3]]), y[:0], 10), rel=RTOL
    )


def test_distances_keep_their_digits_for_close_points_far_from_the_origin(small_chunks: int) -> None:
    """|a|² + |b|² - 2ab would lose every digit here; differences keep them all."""
    g = rng(4)
    x = 1e6 + 1e-3 * g.normal(size=(20, 3))
    y = 1e6 + 1e-3 * g.normal(1.0, 1.0, size=(16, 3))
    assert energy_distance(t(x), t(y)) == pytest.approx(brute_energy(x, y), rel=1e-10, abs=0)
    assert mmd(t(x), t(y), 1e-3) == pytest.approx(brute_mmd(x, y, 1e-3), rel=1e-9, abs=0)
    assert median_bandwidth(t(x), t(y)) == pytest.approx(brute_median(x, y, 1000), rel=1e-10, abs=0)


def test_no_tile_is_larger_than_the_chunk(small_chunks: int, monkeypatch: pytest.MonkeyPatch) -> None:
    largest = 0
    cdist = torch.cdist

    def recording(a: torch.Tensor, b: torch.Tensor, **kwargs: Any) -> torch.Tensor:
        nonlocal largest
        largest = max(largest, a.shape[0] * b.shape[0])
        assert kwargs.get("compute_mode") == "donot_use_mm_for_euclid_dist"
        return cdist(a, b, **kwargs)

    monkeypatch.setattr(torch, "cdist", recording)
    x, y = torch.randn(40, 2, dtype=torch.float64), torch.randn(33, 2, dtype=torch.float64)
    energy_distance(x, y)
    mmd(x, y, 1.0)
    median_bandwidth(x, y)
    assert largest == small_chunks**2


# ---------------------------------------------------------------------------------------------
# 3. closed forms and exact identities


def test_wasserstein_1d_of_shifted_normals_is_the_shift() -> None:
    g = torch.Generator().manual_seed(5)
    x = torch.randn(100_000, generator=g, dtype=torch.float64)
    y = 0.7 + torch.randn(80_000, generator=g, dtype=torch.float64)
    assert wasserstein_1d(x, y) == pytest.approx(0.7, abs=0.02)
    assert wasserstein_1d(y, x) == wasserstein_1d(x, y)


def test_wasserstein_1d_with_integer_weights_is_that_of_repeated_points() -> None:
    g = rng(6)
    a, b = g.normal(size=12), g.normal(size=9)
    counts = g.integers(1, 5, size=12)
    expected = wasserstein_1d(t(np.repeat(a, counts)), t(b))
    assert wasserstein_1d(t(a), t(b), a_weights=t(counts)) == pytest.approx(expected, rel=RTOL)
    assert wasserstein_1d(t(a), t(b), a_weights=t(0.01 * counts)) == pytest.approx(expected, rel=RTOL)


def test_sliced_wasserstein_of_a_shift_is_the_mean_projected_shift() -> None:
    """W1 of a sample and its shift by c e_k is |c u_k| on each direction u: exact."""
    g = rng(7)
    x = t(g.normal(size=(500, 3)))
    c, k, projections = 2.5, 1, 64
    shifted = x.clone()
    shifted[:, k] += c
    got = sliced_wasserstein(x, shifted, projections, generator=torch.Generator().manual_seed(11))
    normal = torch.randn(projections, 3, generator=torch.Generator().manual_seed(11), dtype=torch.float64)
    directions = normal / normal.norm(dim=1, keepdim=True)
    assert got == pytest.approx(abs(c) * directions[:, k].abs().mean().item(), rel=1e-10)


def test_sliced_wasserstein_in_1d_is_wasserstein_1d() -> None:
    g = rng(8)
    a, b = t(g.normal(size=40)), t(g.normal(1.0, size=31))
    assert sliced_wasserstein(a, b) == wasserstein_1d(a, b)
    assert sliced_wasserstein(a[:, None], b[:, None], projections=3) == wasserstein_1d(a, b)


def test_sliced_wasserstein_is_reproducible_and_independent_of_the_batching(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    g = rng(9)
    x, y = t(g.normal(size=(50, 4))), t(g.normal(0.5, size=(60, 4)))
    first = sliced_wasserstein(x, y, 37, generator=torch.Generator().manual_seed(3))
    assert sliced_wasserstein(x, y, 37, generator=torch.Generator().manual_seed(3)) == first
    assert sliced_wasserstein(x, y, 37, generator=torch.Generator().manual_seed(4)) != first
    torch.manual_seed(3)  # generator=None draws from torch's global generator
    assert sliced_wasserstein(x, y, 37) == first
    monkeypatch.setattr(distances, "_PROJECTED_ELEMENTS", 3 * (50 + 60))  # batches of 3 directions
    assert sliced_wasserstein(x, y, 37, generator=torch.Generator().manual_seed(3)) == pytest.approx(
        first, rel=1e-14
    )


@pytest.mark.parametrize("d", [1, 3])
def test_energy_distance_of_a_sample_with_itself_is_zero(small_chunks: int, d: int) -> None:
    g = torch.Generator().manual_seed(d)
    x = torch.randn(30, d, generator=g, dtype=torch.float64)
    assert energy_distance(x, x) == 0.0
    assert energy_distance(x, x.clone()) == 0.0
    assert energy_distance(x, x.flip(0)) == pytest.approx(0.0, abs=1e-7)  # other order: rounding only
    for _ in range(3):  # many tiles and magnitudes: any difference in the order of the sums would show
        scales = 10 ** (6 * torch.rand(250, 1, generator=g, dtype=torch.float64) - 3)
        x = torch.randn(250, d, generator=g, dtype=torch.float64) * scales
        assert energy_distance(x, x.clone()) == 0.0


def test_mmd_of_a_sample_with_itself(small_chunks: int) -> None:
    """mmd(x, x) = 2T / (n²(n-1)) - 2/n with T the off-diagonal kernel sum: in [-2/n, 0]."""
    g = rng(10)
    x = g.normal(size=(25, 2))
    n, h = len(x), 0.7
    off_diagonal = brute_kernel_sum(x, x, h, skip_diagonal=True)
    got = mmd(t(x), t(x), h)
    assert got == pytest.approx(2 * off_diagonal / (n**2 * (n - 1)) - 2 / n, rel=1e-12)
    assert -2 / n <= got <= 0


def test_mmd_of_far_apart_points_is_two() -> None:
    x = torch.zeros(5, 2, dtype=torch.float64)
    assert mmd(x, x + 100.0, bandwidth=1.0) == 2.0  # within: 1, between: exp(-10000) == 0


@pytest.mark.slow  # 3 s on two idle cores, up to 10 s on busy ones
def test_energy_distance_of_shifted_normals_in_2d_is_near_the_population_value() -> None:
    """The large case (n = m = 20,000, never an n x m matrix) against a closed form.

    X ~ N(0, I), Y ~ N(mu e1, I) in R²: X - Y and X - X' are normal with covariance 2I, whose norms
    follow Rice distributions (sigma = sqrt 2) of means sigma sqrt(pi/2) L_1/2(-nu²/(2 sigma²)).
    """
    n, mu = 20_000, 1.0
    g = torch.Generator().manual_seed(12)
    x = torch.randn(n, 2, generator=g, dtype=torch.float64)
    y = torch.randn(n, 2, generator=g, dtype=torch.float64) + torch.tensor([mu, 0.0], dtype=torch.float64)

    def rice_mean(nu: float, sigma: float) -> float:
        z = -(nu**2) / (2 * sigma**2)
        laguerre = math.exp(z / 2) * ((1 - z) * scipy.special.i0(-z / 2) - z * scipy.special.i1(-z / 2))
        return float(sigma * math.sqrt(math.pi / 2) * laguerre)

    population = math.sqrt(2 * rice_mean(mu, math.sqrt(2)) - 2 * rice_mean(0.0, math.sqrt(2)))
    rss_before = _resident_bytes()
    peak_before = _peak_bytes()
    start = time.perf_counter()
    got = energy_distance(x, y)
    elapsed = time.perf_counter() - start
    assert got == pytest.approx(population, abs=0.02), f"{got} vs {population} ({elapsed:.1f} s)"
    if rss_before is not None:  # an n x m float64 matrix would be 3.2 GB
        assert _peak_bytes() <= max(peak_before, rss_before + 2**29)


def _resident_bytes() -> int | None:
    try:
        with open(f"/proc/{os.getpid()}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return None


def _peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


def test_total_variation_known_cases() -> None:
    assert total_variation(t([0.2, 0.3, 0.5]), t([0.2, 0.3, 0.5])) == 0.0
    assert total_variation(t([0.5, 0.5, 0.0]), t([0.0, 0.0, 1.0])) == 1.0
    assert total_variation(t([0.2, 0.3, 0.5]), t([0.5, 0.3, 0.2])) == pytest.approx(0.3, rel=1e-15)
    assert total_variation(t([1.0]), t([1.0])) == 0.0
    assert total_variation(t([0.5, 0.5 + 5e-7]), t([1.0, 0.0])) == pytest.approx(0.5 + 2.5e-7)


FUNCTIONS: list[tuple[str, Callable[[torch.Tensor, torch.Tensor], float]]] = [
    ("energy_distance", energy_distance),
    ("mmd", lambda x, y: mmd(x, y, 0.8)),
    ("median_bandwidth", median_bandwidth),
    ("sliced_wasserstein", lambda x, y: sliced_wasserstein(x, y, 16, torch.Generator().manual_seed(0))),
]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
@pytest.mark.parametrize(("name", "function"), FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_lower_precision_inputs_give_the_float64_result(
    name: str, function: Callable[[torch.Tensor, torch.Tensor], float], dtype: torch.dtype
) -> None:
    x = torch.randn(30, 3).to(dtype)
    y = (torch.randn(20, 3) + 0.5).to(dtype)
    assert function(x, y) == function(x.double(), y.double())


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16])
def test_lower_precision_1d_inputs_give_the_float64_result(dtype: torch.dtype) -> None:
    a, b, w = torch.randn(30).to(dtype), torch.randn(20).to(dtype), torch.rand(30).to(dtype)
    assert wasserstein_1d(a, b, w) == wasserstein_1d(a.double(), b.double(), w.double())
    assert energy_distance(a, b) == energy_distance(a.double(), b.double())
    p, q = torch.tensor([0.25, 0.75], dtype=dtype), torch.tensor([0.5, 0.5], dtype=dtype)
    assert total_variation(p, q) == total_variation(p.double(), q.double()) == 0.25


def test_inputs_that_require_grad_are_accepted_and_give_floats() -> None:
    x = torch.randn(10, 2, requires_grad=True)
    y = torch.randn(12, 2)
    for _, function in FUNCTIONS:
        assert isinstance(function(x, y), float)
    assert isinstance(wasserstein_1d(x[:, 0], y[:, 0], a_weights=torch.ones(10, requires_grad=True)), float)


# ---------------------------------------------------------------------------------------------
# 5. errors


def untyped(value: object) -> Any:
    """``value`` passed where the annotations forbid it: what the checks are for."""
    return value


X = torch.randn(5, 2)
Y = torch.randn(6, 2)
A = torch.randn(5)
B = torch.randn(6)
NAN = torch.tensor([[0.0, 1.0], [math.nan, 2.0], [math.inf, -math.inf]])
META = torch.empty(6, 2, device="meta")

ERRORS: list[tuple[str, Callable[[], object], str]] = [
    # wasserstein_1d
    (
        "a list",
        lambda: wasserstein_1d(untyped([1.0, 2.0]), B),
        r"wasserstein_1d\(\): a must be a torch\.Tensor, got list",
    ),
    (
        "2-D a",
        lambda: wasserstein_1d(X, B),
        r"wasserstein_1d\(\): a must have shape \(n,\).*got shape \(5, 2\)",
    ),
    ("empty b", lambda: wasserstein_1d(A, torch.empty(0)), r"wasserstein_1d\(\): b must have shape .*\(0,\)"),
    (
        "int a",
        lambda: wasserstein_1d(torch.arange(3), B),
        r"a must have a floating-point dtype, got torch\.int64",
    ),
    (
        "nan b",
        lambda: wasserstein_1d(A, torch.tensor([1.0, math.nan])),
        r"b must hold finite .*got 1 non-finite",
    ),
    (
        "device",
        lambda: wasserstein_1d(A, B.to("meta")),
        r"wasserstein_1d\(\): a and b must be on the same device",
    ),
    (
        "weights shape",
        lambda: wasserstein_1d(A, B, a_weights=torch.ones(4)),
        r"a_weights must have the shape of a, \(5,\), got shape \(4,\)",
    ),
    (
        "negative weights",
        lambda: wasserstein_1d(A, B, b_weights=torch.tensor([1.0, -2.0, 1, 1, 1, 1])),
        r"wasserstein_1d\(\): b_weights must be non-negative, got 1 negative \(the smallest -2\.0\)",
    ),
    (
        "zero weights",
        lambda: wasserstein_1d(A, B, a_weights=torch.zeros(5)),
        r"a_weights must have a finite sum > 0, got 0\.0",
    ),
    (
        "nan weights",
        lambda: wasserstein_1d(A, B, a_weights=torch.tensor([1.0, math.nan, 1, 1, 1])),
        r"a_weights must hold finite values only, got 1 non-finite",
    ),
    (
        "list weights",
        lambda: wasserstein_1d(A, B, a_weights=untyped([1.0] * 5)),
        r"a_weights must be a torch\.Tensor",
    ),
    # the sample functions
    (
        "3-D x",
        lambda: energy_distance(torch.randn(2, 3, 4), Y),
        r"energy_distance\(\): x must have shape \(n,\) or \(n, d\) with d >= 1, got shape \(2, 3, 4\)",
    ),
    ("d = 0", lambda: energy_distance(X, torch.empty(6, 0)), r"y must have shape .*got shape \(6, 0\)"),
    (
        "one point",
        lambda: energy_distance(X[:1], Y),
        r"energy_distance\(\): x must hold at least 2 points, got 1",
    ),
    (
        "dimensions",
        lambda: mmd(X, torch.randn(6, 3), 1.0),
        r"mmd\(\): x and y must have the same number of coordinates d, got x of shape \(5, 2\) and y of",
    ),
    ("1-D and 2-D", lambda: energy_distance(A, Y), r"same number of coordinates d, got x of shape \(5,\)"),
    (
        "non-finite",
        lambda: median_bandwidth(X, NAN),
        r"median_bandwidth\(\): y must hold finite values only, got 3 non-finite \(nan or inf\) of 6",
    ),
    (
        "devices",
        lambda: sliced_wasserstein(X, META),
        r"sliced_wasserstein\(\): x and y must be on the same device, got cpu and meta",
    ),
    (
        "tuple y",
        lambda: energy_distance(X, untyped((1.0, 2.0))),
        r"energy_distance\(\): y must be a torch\.Tensor, got tuple",
    ),
    ("complex x", lambda: mmd(X.to(torch.complex64), Y, 1.0), r"mmd\(\): x must have a floating-point dtype"),
    (
        "negative bandwidth",
        lambda: mmd(X, Y, -1.0),
        r"^mmd\(\): bandwidth must be a finite number > 0, got -1\.0$",
    ),
    ("zero bandwidth", lambda: mmd(X, Y, 0), r"bandwidth must be a finite number > 0, got 0$"),
    ("nan bandwidth", lambda: mmd(X, Y, math.nan), r"bandwidth must be a finite number > 0, got nan"),
    ("inf bandwidth", lambda: mmd(X, Y, math.inf), r"bandwidth must be a finite number > 0, got inf"),
    ("str bandwidth", lambda: mmd(X, Y, untyped("1")), r"bandwidth must be a finite number > 0, got '1'"),
    ("bool bandwidth", lambda: mmd(X, Y, True), r"bandwidth must be a finite number > 0, got True"),
    (
        "max_points",
        lambda: median_bandwidth(X, Y, 1),
        r"median_bandwidth\(\): max_points must be an int >= 2, got 1",
    ),
    (
        "float max_points",
        lambda: median_bandwidth(X, Y, untyped(2.5)),
        r"max_points must be an int >= 2, got 2\.5",
    ),
    (
        "projections",
        lambda: sliced_wasserstein(X, Y, 0),
        r"sliced_wasserstein\(\): projections must be .*, got 0",
    ),
    (
        "float projections",
        lambda: sliced_wasserstein(X, Y, untyped(8.0)),
        r"projections must be an int >= 1, got 8\.0",
    ),
    (
        "bool projections",
        lambda: sliced_wasserstein(X, Y, True),
        r"projections must be an int >= 1, got True",
    ),
    (
        "generator",
        lambda: sliced_wasserstein(X, Y, generator=untyped(0)),
        r"sliced_wasserstein\(\): generator must be a CPU torch\.Generator or None, got 0",
    ),
    # total_variation
    (
        "tv negative",
        lambda: total_variation(t([1.5, -0.5]), t([0.5, 0.5])),
        r"total_variation\(\): p must be non-negative, got 1 negative \(the smallest -0\.5\)",
    ),
    (
        "tv sum",
        lambda: total_variation(t([0.5, 0.5]), t([0.5, 0.4])),
        r"total_variation\(\): q must sum to 1 \(within 1e-6\), got a sum of 0\.9",
    ),
    (
        "tv nan",
        lambda: total_variation(t([0.5, 0.5]), t([math.nan, 1.0])),
        r"q must hold finite values only, got 1",
    ),
    (
        "tv lengths",
        lambda: total_variation(t([1.0]), t([0.5, 0.5])),
        r"p and q must have the same length, got 1 and 2",
    ),
    (
        "tv 2-D",
        lambda: total_variation(t([[1.0]]), t([1.0])),
        r"p must have shape \(n,\) with n >= 1, got shape \(1, 1\)",
    ),
    ("tv int", lambda: total_variation(torch.tensor([1]), t([1.0])), r"p must have a floating-point dtype"),
    (
        "tv device",
        lambda: total_variation(t([1.0]), torch.ones(1, device="meta")),
        r"p and q must be on the same",
    ),
]


@pytest.mark.parametrize(("call", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_bad_input_raises_invalid_input_error(call: Callable[[], object], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message) as caught:
        call()
    assert isinstance(caught.value, ValueError)
