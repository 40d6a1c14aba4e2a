"""Ground truth at extreme parameters, and clear errors for sizes that cannot fit in memory.

References are independent of the implementation: scipy quadrature (in the variable
``y = t - b``, so that narrow wells keep their digits), closed forms (the pure quartic, the
Gaussian limit of narrow wells, Gaussian normalizers) and scipy's bounded minimization.
"""

from __future__ import annotations

import itertools
import math
import tracemalloc

import numpy as np
import pytest
import torch
from ebmcore_analytic import _optimization as opt
from scipy import integrate, optimize, special

import ebmcore

# -- the double well at any barrier height ----------------------------------------------------


def _well_pieces(h: float, b: float) -> list[tuple[float, float]]:
    """Intervals of y = |t| - b covering the mass of exp(-h (t^2 - b^2)^2) on t >= 0."""
    spread = h**-0.25  # the quartic's scale
    width = min(1.0 / (2.0 * b * math.sqrt(2.0 * h)), spread) if b > 0 else spread  # a well's
    points = sorted({-b, max(-b, -40.0 * width), 0.0, 40.0 * width, 8.0 * spread + 80.0 * width})
    return list(itertools.pairwise(points))


def _quad_moments(h: float, b: float) -> tuple[float, float, float]:
    """log of the 1-D normalizer, and the mean and standard deviation of |t|, by scipy quad."""

    def density(y: float, power: int) -> float:  # y = |t| - b; t^2 - b^2 = y (2 b + y)
        return y**power * math.exp(-((math.sqrt(h) * y * (2.0 * b + y)) ** 2))

    moments = [
        sum(
            integrate.quad(density, lo, hi, args=(k,), epsabs=0.0, epsrel=1e-13, limit=500)[0]
            for lo, hi in _well_pieces(h, b)
        )
        for k in range(3)
    ]
    shift = moments[1] / moments[0]
    return math.log(2.0 * moments[0]), b + shift, math.sqrt(moments[2] / moments[0] - shift * shift)


BARRIERS = [1e-6, 1e-3, 1.0, 1e3, 1e6, 1e9, 1e12, 1e15]


@pytest.mark.parametrize("b", [0.0, 0.3, 1.0, 3.0])
@pytest.mark.parametrize("h", BARRIERS)
def test_double_well_log_partition_against_quad_for_every_barrier_height(h: float, b: float) -> None:
    """log Z within 1e-12 of scipy quad for h in [1e-6, 1e15] (measured: within 4e-15).

    Before, a fixed 2^16-cell grid over [-(b + ...), b + ...] missed the wells once they were
    narrower than its cells: log Z was off by 0.1 at h = 1e9 and by 68 to 77 from h = 1e12.
    """
    model = ebmcore.create("double_well", dim=3, barrier_height=h, b=b)
    log_z, _, _ = _quad_moments(h, b)
    assert model.log_partition() / 3 == pytest.approx(log_z, abs=1e-12)
    if b == 0.0:  # the pure quartic: int exp(-h t^4) dt = Gamma(1/4) / (2 h^(1/4))
        closed = math.log(special.gamma(0.25) / 2.0) - 0.25 * math.log(h)
        assert model.log_partition() / 3 == pytest.approx(closed, abs=1e-12)


@pytest.mark.parametrize(("h", "b"), [(1e30, 1.0), (1e40, 0.5), (1e300, 1.0)])
def test_double_well_log_partition_in_the_gaussian_limit(h: float, b: float) -> None:
    r"""Narrow wells are Gaussians: Z = sqrt(pi / (h b^2)) (1 + 3 / (16 c^2) + ...), c = sqrt(h) b^2,
    from the asymptotic series of the Bessel closed form; the correction is below 1e-28 here."""
    model = ebmcore.create("double_well", dim=2, barrier_height=h, b=b)
    c = math.sqrt(h) * b * b
    closed = 0.5 * math.log(math.pi) - 0.5 * math.log(h) - math.log(b) + math.log1p(3.0 / (16.0 * c * c))
    assert model.log_partition() / 2 == pytest.approx(closed, abs=1e-12)


@pytest.mark.parametrize(
    ("h", "b"), [(1.0, 1.0), (1e9, 1.0), (1e12, 1.0), (1e15, 0.3), (1e15, 0.0), (1e-6, 2.0)]
)
def test_double_well_samples_match_quad_moments_for_every_barrier_height(h: float, b: float) -> None:
    """Mean and spread of |x| from exact samples against quad moments (200,000 draws).

    Before, the spread was 2 to 5 times too wide from h = 1e9: the grid's cells were wider than
    the wells. The mean is checked by a z-score (< 5), the standard deviation to 2% (its
    sampling error is 0.16%).
    """
    model = ebmcore.create("double_well", dim=2, barrier_height=h, b=b)
    magnitude = model.sample(100_000, generator=torch.Generator().manual_seed(7)).abs().reshape(-1).numpy()
    _, mean, std = _quad_moments(h, b)
    assert abs(magnitude.mean() - mean) / (std / math.sqrt(magnitude.size)) < 5.0
    assert (magnitude - b).std() == pytest.approx(std, rel=0.02)


# -- O(d) state and impossible sizes -------------------------------------------------------------


@pytest.mark.parametrize("cov", [None, 2.5, "diagonal"])
def test_isotropic_and_diagonal_gaussians_keep_o_of_d_state(cov: object) -> None:
    """d = 20,000: the buffers hold 3 d numbers (0.5 MB), not a (d, d) factor (3.2 GB)."""
    d = 20_000
    variances = torch.linspace(0.5, 2.0, d, dtype=torch.float64)
    given = variances.tolist() if cov == "diagonal" else cov
    model = ebmcore.create("gaussian", dim=d, cov=given)
    assert sum(t.numel() for t in model.state_dict().values()) == 3 * d
    expected = variances if cov == "diagonal" else torch.full((d,), 1.0 if cov is None else 2.5)
    expected = expected.double()
    log_z = 0.5 * d * math.log(2 * math.pi) + 0.5 * float(expected.log().sum())
    assert model.log_partition() == pytest.approx(log_z, rel=1e-13)
    samples = model.sample(400, generator=torch.Generator().manual_seed(1))
    ratio = samples.var(0) / expected  # each ~ chi2(399)/399: mean 1, sd 0.071
    assert float(ratio.mean()) == pytest.approx(1.0, abs=0.005)


def test_diagonal_gaussian_builds_its_matrices_on_request() -> None:
    variances = [0.5, 2.0, 3.0]
    model = ebmcore.create("gaussian", mean=[1.0, 0.0, -1.0], cov=variances)
    np.testing.assert_array_equal(model.covariance.numpy(), np.diag(variances))
    np.testing.assert_allclose(model.scale_tril.numpy(), np.diag(np.sqrt(variances)), rtol=1e-15)
    x = torch.tensor([[0.5, 1.0, 2.0]], dtype=torch.float64)
    reference = 0.5 * float(((x - torch.tensor([1.0, 0.0, -1.0])) ** 2 / torch.tensor(variances)).sum())
    assert float(model.energy(x)) == pytest.approx(reference, rel=1e-15)


IMPOSSIBLE = [
    ("sphere", {"dim": 10**15}, "bounds", "dim"),
    ("sphere", {"dim": 10**15}, "minima", "dim"),
    ("gaussian", {"dim": 10**13}, None, "dim"),
    ("gaussian", {"dim": 10**13, "cov": 2.0}, None, "dim"),
    ("harmonic", {"dim": 10**13}, "bounds", "dim"),
    ("michalewicz", {"dim": 10**13}, None, "dim"),
    ("levy", {"dim": 10**13}, None, "dim"),
    ("zakharov", {"dim": 10**13}, None, "dim"),
    ("griewank", {"dim": 10**13}, None, "dim"),
    ("ackley", {"dim": 10**15}, "bounds", "dim"),
    ("double_well", {"dim": 10**15}, "minima", "dim"),
    ("double_well", {"dim": 10**15}, "bounds", "dim"),
]


@pytest.mark.parametrize(("name", "kwargs", "attribute", "parameter"), IMPOSSIBLE)
def test_impossible_sizes_raise_a_clear_error(
    name: str, kwargs: dict[str, object], attribute: str | None, parameter: str
) -> None:
    """Terabytes to petabytes: an error naming the parameter, its value and the memory needed.

    Before: a raw allocator RuntimeError or a MemoryError (from a Python list of dim entries).
    """
    with pytest.raises(
        ebmcore.InvalidParameterError, match=r"fit in memory \(needing [\d.]+ [TPE]B"
    ) as caught:
        model = ebmcore.create(name, **kwargs)
        if attribute is not None:
            getattr(model, attribute)
    assert caught.value.parameter == parameter  # type: ignore[attr-defined]
    assert caught.value.value == kwargs[parameter]  # type: ignore[attr-defined]


def test_michalewicz_minima_in_bounded_memory() -> None:
    """200,000 coordinates: the Newton refinement works in chunks (peak under 32 MB; it was
    about 150 MB here and grew with dim: dim = 1e7 ran out of memory). Coordinates on both
    sides of a chunk boundary are checked against scipy's bounded minimization."""
    dim, m = 200_000, 10
    tracemalloc.start()
    try:
        points, values = opt._michalewicz_coordinates(dim, m)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2**20
    boundary = opt._MICHALEWICZ_CHUNK
    for i in (1, 2, boundary - 1, boundary, boundary + 1, dim):

        def f(t: float, i: int = i) -> float:
            return -math.sin(t) * math.sin(i * t * t / math.pi) ** (2 * m)

        def slope(t: float, i: int = i) -> float:  # d/dt log(sin t sin^2m(i t^2 / pi))
            return 1.0 / math.tan(t) + 2.0 * m * (2.0 * i * t / math.pi) / math.tan(i * t * t / math.pi)

        # the best of the peaks of sin^2m(i t^2 / pi) near pi/2, each a root of the slope
        # between its two zeros (brentq), not a minimization (scipy's bounded search stops at a
        # relative tolerance of 1.5e-8, wider than a peak at i = 16384)
        best = math.inf
        for k in range(max(0, i // 4 - 3), min(i, i // 4 + 4)):
            lo, hi = math.pi * math.sqrt(k / i), min(math.pi, math.pi * math.sqrt((k + 1) / i))
            inset = 1e-9 * (hi - lo)
            root = optimize.brentq(slope, lo + inset, hi - inset, xtol=1e-15, rtol=1e-15)
            best = min(best, f(root))
        assert values[i - 1] == pytest.approx(best, abs=1e-12)
        assert f(points[i - 1]) == pytest.approx(values[i - 1], abs=1e-15)
