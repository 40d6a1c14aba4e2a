"""``Basins``, ``ProductModes`` and ``PlanarModes``: local minima against root finders, basin
masses against adaptive quadrature, mode indices against a brute-force count, and bad input
refused by name."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from scipy import integrate, optimize

import ebmcore
from ebmcore import BaseModel, InvalidInputError, InvalidParameterError
from ebmcore.plugin import Basins, GridLaw, PlanarModes, ProductModes
from ebmcore.testing import run_check


def tilted(t: np.ndarray) -> np.ndarray:
    return (t * t - 1.0) ** 2 + 0.25 * t


def tilted_slope(t: np.ndarray) -> np.ndarray:
    return 4.0 * t * (t * t - 1.0) + 0.25


def rippled(t: np.ndarray) -> np.ndarray:  # five local minima, of different depths and widths
    return 0.5 * t * t - 2.0 * np.cos(3.0 * t) + 0.3 * t


def rippled_slope(t: np.ndarray) -> np.ndarray:
    return t + 6.0 * np.sin(3.0 * t) + 0.3


def _quad_basins(f, slope, low: float, high: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Critical points by Brent's method on a coarse scan, masses by adaptive quadrature."""
    scan = np.linspace(low, high, 4001)
    s = slope(scan)
    roots = np.array(
        [
            optimize.brentq(slope, a, b, xtol=1e-15, rtol=1e-15)
            for (a, b), (sa, sb) in zip(itertools.pairwise(scan), itertools.pairwise(s), strict=True)
            if sa * sb < 0
        ]
    )
    minima, cuts = roots[0::2], roots[1::2]
    density = lambda t: math.exp(-f(t))  # noqa: E731
    edges = [-np.inf, *cuts, np.inf]
    pieces = [
        integrate.quad(density, a, b, epsabs=0, epsrel=1e-13, limit=200)[0]
        for a, b in itertools.pairwise(edges)
    ]
    return minima, cuts, np.array(pieces) / sum(pieces)


@pytest.mark.parametrize(("f", "slope", "box"), [(tilted, tilted_slope, 3.0), (rippled, rippled_slope, 9.0)])
def test_basins_match_root_finding_and_quadrature(f, slope, box: float) -> None:
    basins = Basins.of(slope, -box, box, GridLaw.of(f, -12.0, 12.0))
    minima, cuts, masses = _quad_basins(f, slope, -box, box)
    assert len(basins.minima) == len(minima) >= 2
    np.testing.assert_allclose(basins.minima.numpy(), minima, rtol=0, atol=1e-14)
    np.testing.assert_allclose(basins.cuts.numpy(), cuts, rtol=0, atol=1e-14)
    np.testing.assert_allclose(basins.masses.numpy(), masses, rtol=0, atol=1e-11)
    # refined to the last bit: the slope changes sign between the neighbouring floats
    for point, rising in [(basins.minima, True), (basins.cuts, False)]:
        p = point.numpy()
        below, above = slope(np.nextafter(p, -np.inf)), slope(np.nextafter(p, np.inf))
        assert ((below <= 0) & (above >= 0) if rising else (below >= 0) & (above <= 0)).all()
    t = torch.tensor([-10.0, *basins.minima.tolist(), 10.0])
    assert basins.index(t).tolist() == [0, *range(len(minima)), len(minima) - 1]


def test_a_zero_slope_on_a_node_is_a_critical_point_only_where_the_sign_changes() -> None:
    """f'(t) = t^2 (t - 1): an inflection at 0 (f' < 0 on both sides), the one minimum at 1; on a
    grid with nodes at both, the minimum is found on its node and the inflection is none."""

    def slope(t: np.ndarray) -> np.ndarray:
        return t * t * (t - 1.0)

    law = GridLaw.of(lambda t: t**4 / 4.0 - t**3 / 3.0, -6.0, 6.0)
    basins = Basins.between(slope, np.linspace(-3.0, 3.0, 7), law)
    assert basins.minima.tolist() == [1.0] and basins.cuts.tolist() == [] and basins.masses.tolist() == [1.0]
    mirrored = Basins.between(lambda t: -slope(-t), np.linspace(-3.0, 3.0, 7), law)
    assert mirrored.minima.tolist() == [-1.0] and mirrored.cuts.tolist() == []


def test_basins_refuse_a_grid_that_may_miss_a_critical_point() -> None:
    law = GridLaw.of(tilted, -6.0, 6.0)
    with pytest.raises(InvalidParameterError, match=r"low.*f' < 0 \(f'\(low\) = 1\.75\), got -0\.5"):
        Basins.of(tilted_slope, -0.5, 3.0, law)
    with pytest.raises(InvalidParameterError, match=r"high.*f' > 0 \(f'\(high\) = -1\.25\), got 0\.5"):
        Basins.of(tilted_slope, -3.0, 0.5, law)
    with pytest.raises(InvalidParameterError, match="cells"):
        Basins.of(tilted_slope, -3.0, 3.0, law, cells=1)
    with pytest.raises(InvalidParameterError, match="one fewer than the 2 minima"):
        Basins(minima=[-1.0, 1.0], cuts=[], masses=[0.5, 0.5])


# -- product laws --------------------------------------------------------------------------------


def _tilted_term(x: torch.Tensor) -> torch.Tensor:
    return (x * x - 1.0) ** 2 + 0.25 * x


class Separable(ProductModes, BaseModel):
    """Tilted double wells in every coordinate but the last, which is rippled (five wells)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        head, last = x[..., :-1], x[..., -1]
        return _tilted_term(head).sum(-1) + 0.5 * last**2 - 2.0 * torch.cos(3.0 * last) + 0.3 * last

    def coordinate_basins(self) -> list[Basins]:
        return [_TILTED] * (self.dim - 1) + [_RIPPLED]

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        head = _TILTED_LAW.sample(n * (self.dim - 1), generator).reshape(n, self.dim - 1)
        return torch.cat([head, _RIPPLED_LAW.sample(n, generator)[:, None]], -1).to(self.dtype)


_TILTED_LAW = GridLaw.of(tilted, -6.0, 6.0)
_RIPPLED_LAW = GridLaw.of(rippled, -12.0, 12.0)
_TILTED = Basins.of(tilted_slope, -3.0, 3.0, _TILTED_LAW)
_RIPPLED = Basins.of(rippled_slope, -9.0, 9.0, _RIPPLED_LAW)


def test_a_product_law_lists_every_mode_with_its_mass_and_index() -> None:
    model = Separable(3)
    modes = model.modes
    k = len(_RIPPLED.minima)
    assert modes.count == len(modes.points) == 4 * k
    # listed in the order mode_index counts: each listed point in its own basin, in turn
    assert model.mode_index(modes.points).tolist() == list(range(modes.count))
    assert float(modes.weights.sum()) == pytest.approx(1.0, abs=1e-14)
    a, b, c = 1, 0, 2  # mode (a, b, c): its mass is the product of the coordinates' masses
    i = (a * 2 + b) * k + c
    assert modes.points[i].tolist() == [_TILTED.minima[a], _TILTED.minima[b], _RIPPLED.minima[c]]
    expected = float(_TILTED.masses[a] * _TILTED.masses[b] * _RIPPLED.masses[c])
    assert float(modes.weights[i]) == pytest.approx(expected, rel=1e-14)
    # samples: the index is the brute-force count of which side of each cut every coordinate is
    x = model.sample(500, generator=torch.Generator().manual_seed(1))
    side = [(x[:, j, None] > basins.cuts).sum(-1) for j, basins in enumerate(model.coordinate_basins())]
    assert torch.equal(model.mode_index(x), (side[0] * 2 + side[1]) * k + side[2])
    assert torch.equal(model.mode_index(x.float()), model.mode_index(x))
    assert model.mode_index(x.reshape(5, 100, 3)).shape == (5, 100)
    assert run_check(model, "check_modes").status == "passed"


def test_a_product_law_with_many_modes_lists_the_heaviest_and_its_neighbours() -> None:
    model = Separable(21)  # 2^20 * 5 modes
    modes = model.modes
    assert modes.count == 2**20 * len(_RIPPLED.minima)
    assert len(modes.points) == 1 + 20 + len(_RIPPLED.minima) - 1
    heaviest = float(_TILTED.masses.max()) ** 20 * float(_RIPPLED.masses.max())
    assert float(modes.weights[0]) == pytest.approx(heaviest, rel=1e-12)
    assert bool((modes.weights[1:] < modes.weights[0]).all())
    differ = (modes.points[1:] != modes.points[0]).sum(-1)
    assert differ.tolist() == [1] * (len(modes.points) - 1)
    index = model.mode_index(modes.points)
    assert len(torch.unique(index)) == len(index) and int(index.max()) < modes.count
    result = run_check(model, "check_modes")
    assert result.status == "passed", result.message


def test_a_huge_product_law_lists_the_heaviest_mode_and_refuses_an_index_beyond_int64() -> None:
    model = Separable(10**6)
    modes = model.modes
    assert modes.count == 2 ** (10**6 - 1) * len(_RIPPLED.minima)
    assert modes.points.shape == (1, 10**6)
    with pytest.raises(InvalidInputError, match=r"Separable.mode_index: .* modes do not fit in int64"):
        model.mode_index(torch.zeros(2, 10**6))


# -- planar laws -------------------------------------------------------------------------------


class TiltedPlane(PlanarModes, BaseModel):
    """The tilted double well in ``u``, a Gaussian in ``v``, for ``(u, v)`` a rotation of ``x``."""

    modes_box = ((-4.0, 4.0), (-4.0, 4.0))
    angle = 0.5

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c, s = math.cos(self.angle), math.sin(self.angle)
        u = c * x[..., 0] + s * x[..., 1]
        v = -s * x[..., 0] + c * x[..., 1]
        return (u * u - 1.0) ** 2 + 0.25 * u + v * v


def test_planar_modes_are_the_rotated_minima_with_their_masses_to_the_grid() -> None:
    model = TiltedPlane(2)
    modes = model.modes
    c, s = math.cos(model.angle), math.sin(model.angle)
    expected = torch.tensor([[c * t, s * t] for t in _TILTED.minima.tolist()], dtype=torch.float64)
    torch.testing.assert_close(modes.points, expected, rtol=0, atol=1e-14)  # Newton: to rounding
    # the basins' edge is the line u = cut: masses to within a cell's share of the density there
    torch.testing.assert_close(modes.weights, _TILTED.masses, rtol=0, atol=2e-4)
    assert model.mode_index(modes.points).tolist() == [0, 1]
    far = torch.tensor([[-100.0 * c, -100.0 * s], [100.0 * c, 100.0 * s]])  # beyond the box
    assert model.mode_index(far).tolist() == [0, 1]


class Finer(TiltedPlane):
    modes_cells = 2**11


def test_planar_masses_on_a_finer_grid() -> None:
    torch.testing.assert_close(Finer(2).modes.weights, _TILTED.masses, rtol=0, atol=1e-4)


class Missing(TiltedPlane):
    modes_box = ((0.0, 4.0), (-4.0, 4.0))  # the deeper well lies outside


class Coarse(TiltedPlane):
    modes_cells = 2


class Overflows(TiltedPlane):
    modes_box = ((-1e300, 1e300), (-4.0, 4.0))


class Valley(PlanarModes, BaseModel):
    """Two wells at +-(1, 0.3) on the floor of a slanted valley; the grid's lowest nodes include
    its saddle at the origin, which Newton's method finds and drops."""

    modes_box = ((-2.0, 2.0), (-1.6, 1.6))
    width = 300.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        u, v = x[..., 0], x[..., 1]
        return self.width * (v - 0.3 * u) ** 2 + 5.0 * (u * u - 1.0) ** 2


class NarrowValley(Valley):
    width = 4000.0  # the valley's floor is 3 cells wide: the flow's hops cannot follow it


def test_planar_modes_drop_a_saddle_among_the_lowest_nodes() -> None:
    modes = Valley(2).modes
    torch.testing.assert_close(modes.points, torch.tensor([[-1.0, -0.3], [1.0, 0.3]], dtype=torch.float64))
    torch.testing.assert_close(
        modes.weights, torch.tensor([0.5, 0.5], dtype=torch.float64), rtol=0, atol=1e-4
    )
    with pytest.raises(InvalidParameterError, match=r"modes_cells.*of the mass flows elsewhere"):
        _ = NarrowValley(2).modes


class Quartic(PlanarModes, BaseModel):
    """A flat minimum: the Hessian vanishes at the origin."""

    modes_box = ((-3.0, 3.0), (-3.0, 3.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x**4).sum(-1)


def test_planar_modes_keep_a_flat_minimum() -> None:
    modes = Quartic(2).modes
    assert modes.count == 1 and modes.points.tolist() == [[0.0, 0.0]] and modes.weights.tolist() == [1.0]


def test_planar_modes_refuse_a_box_or_grid_that_cannot_hold_them() -> None:
    with pytest.raises(InvalidParameterError, match=r"modes_box.*holds every local minimum"):
        _ = Missing(2).modes
    with pytest.raises(InvalidParameterError, match=r"modes_cells.*resolves the energy.*got 2"):
        _ = Coarse(2).modes
    with pytest.raises(InvalidParameterError, match=r"modes_box.*finite at every node"):
        _ = Overflows(2).modes


def test_evaluate_scores_exact_samples_of_planar_modes_as_exact() -> None:
    model = ebmcore.create("himmelblau")
    samples = model.sample(4000, generator=torch.Generator().manual_seed(3))
    report = ebmcore.evaluate(model, samples, metrics=["modes"])
    assert report.modes is not None and report.modes.visited == report.modes.count == 4
    assert report.modes.total_variation is not None and report.modes.perfect is not None
    assert report.modes.total_variation < 3 * report.modes.perfect
