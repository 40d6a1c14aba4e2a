"""Energies with a two-axis event shape ``(L, L)`` (lattice fields) end to end: the conformance kit,
``ebmcore info``, the pictures (a slice through two sites, a configuration as an image), the docs
catalog and :func:`ebmcore.evaluate`.

``Ring`` is an in-process lattice model written here, so the core is tested without a plugin; the
targets plugin's ``free_field`` and ``phi4`` are checked the same way where it is installed.
"""

from __future__ import annotations

import importlib.util
import io
import math
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import torch
from torch import Tensor

import ebmcore
from ebmcore import BaseModel, Minima, constraints
from ebmcore._cli import main
from ebmcore.testing import check_energy

ROOT = Path(__file__).resolve().parents[1]
HAS_TARGETS = "free_field" in ebmcore.list_energies() and "phi4" in ebmcore.list_energies()
targets = pytest.mark.skipif(not HAS_TARGETS, reason="the targets plugin is not installed")


class Ring(BaseModel):
    """Independent Gaussian sites of standard deviation ``s`` on an ``(L1, L2)`` lattice, whose box
    differs from site to site (so that flattened bounds are checked entry by entry)."""

    arg_constraints = {"L1": constraints.integer_at_least(1), "L2": constraints.integer_at_least(1)}

    def __init__(self, L1: int = 3, L2: int = 4) -> None:
        super().__init__((L1, L2), L1=L1, L2=L2)
        self.scale = torch.linspace(0.5, 1.5, L1 * L2, dtype=torch.float64).reshape(L1, L2)

    def forward(self, x: Tensor) -> Tensor:
        return 0.5 * (x / self.scale.to(x.dtype)).square().sum((-2, -1))

    def analytic_gradient(self, x: Tensor) -> Tensor:
        return x / self.scale.to(x.dtype) ** 2

    @property
    def bounds(self) -> Tensor:
        return torch.stack([-4 * self.scale, 4 * self.scale])

    @property
    def minima(self) -> Minima:
        return Minima(torch.zeros(1, *self.event_shape, dtype=torch.float64), 0.0)

    def log_partition(self) -> float:
        return 0.5 * self.dim * math.log(2 * math.pi) + float(torch.log(self.scale).sum())

    @property
    def mean(self) -> Tensor:
        return torch.zeros(self.event_shape, dtype=torch.float64)

    @property
    def stddev(self) -> Tensor:
        return self.scale.clone()

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        z = torch.randn(n, *self.event_shape, generator=generator, dtype=torch.float64)
        return (z * self.scale).to(self.dtype)


@pytest.fixture
def ring() -> Iterator[str]:
    ebmcore.register_energy("lattice_ring", summary="Gaussian sites on a 3 x 4 lattice", tags=("lattice",))(
        Ring
    )
    try:
        yield "lattice_ring"
    finally:
        ebmcore.unregister_energy("lattice_ring")


# -- the conformance kit -------------------------------------------------------------------------


def test_the_kit_checks_a_lattice_model_with_every_kind_of_ground_truth() -> None:
    checked = ("check_output_shape", "check_minima", "check_log_partition", "check_sample", "check_moments")
    report = check_energy(Ring(), checks=checked)
    for name in checked:
        assert report[name].status == "passed", report[name].message
    assert report["check_output_shape"].message == "0-dim, (6,), (2, 3) and (3, 2) batches"


@targets
@pytest.mark.parametrize(
    "spec", [{"name": "free_field", "L": 3, "m2": 0.5}, {"name": "phi4", "L": 3, "kappa": 0.5}]
)
def test_the_kit_passes_the_lattice_targets(spec: dict[str, object]) -> None:
    report = check_energy(ebmcore.create(spec))
    assert report.ok, str(report)


# -- ebmcore info ------------------------------------------------------------------------------------


def test_info_of_a_lattice_model(ring: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", ring]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "  dim: 12 (event shape (3, 4))" in lines
    low = [-4 * s for s in torch.linspace(0.5, 1.5, 12, dtype=torch.float64).tolist()]
    bounds = next(line for line in lines if line.startswith("  bounds: "))
    assert bounds.startswith(f"  bounds: lower {low}, upper ")  # flattened, entry by entry
    assert "  minimum value: 0.0 at [[0, 0, 0, 0, 0, 0, ... (12 values)]]" in lines
    assert "  stddev: [0.5, 0.590909, 0.681818, 0.772727, 0.863636, 0.954545, ... (12 values)]" in lines
    assert "  exact sampler: yes" in lines


@targets
def test_info_of_the_lattice_targets(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "phi4"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "  dim: 64 (event shape (8, 8))" in lines
    [minimum] = [line for line in lines if line.startswith("  minimum value: ")]
    plus, minus = "2.35488, " * 6, "-2.35488, " * 6
    assert minimum.endswith(f" at [[{plus}... (64 values)], [{minus}... (64 values)]]")
    assert main(["info", "free_field"]) == 0
    out = capsys.readouterr().out
    assert "  bounds: [-2.016626877497569, 2.016626877497569]^64" in out
    assert "  exact sampler: yes" in out


def test_info_of_vector_models_is_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "gaussian"]) == 0
    out = capsys.readouterr().out
    assert "  dim: 2\n" in out and "event shape" not in out
    assert "  minimum value: 0.0 at [[0.0, 0.0]]" in out


# -- pictures ---------------------------------------------------------------------------------------

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import ebmcore.plot as eplot  # noqa: E402


def new_axes() -> object:
    figure = Figure(figsize=(3.0, 2.6), dpi=60)
    FigureCanvasAgg(figure)
    return figure.add_subplot()


def test_a_landscape_is_a_slice_through_two_sites_labelled_by_their_index() -> None:
    model = Ring()
    ax = eplot.landscape(model, ax=new_axes(), dims=(1, 6), resolution=30)  # sites (0, 1) and (1, 2)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$x_{0,1}$", "$x_{1,2}$")
    # the box of those two sites, from the (2, 3, 4) bounds flattened
    assert ax.get_xlim() == pytest.approx((-4 * (0.5 + 1 / 11), 4 * (0.5 + 1 / 11)))
    assert ax.get_ylim() == pytest.approx((-4 * (0.5 + 6 / 11), 4 * (0.5 + 6 / 11)))
    assert ax.get_title().endswith("slice with the other coordinates at 0")
    ax = eplot.landscape(model, ax=new_axes(), dims=(1, 6), resolution=30, samples=50, score=True)
    assert ax.collections  # samples and arrows drawn
    vector = eplot.landscape(ebmcore.create("gaussian", dim=3), ax=new_axes(), resolution=20)
    assert (vector.get_xlabel(), vector.get_ylabel()) == ("$x_{0}$", "$x_{1}$")


def test_configuration_draws_a_field_as_an_image() -> None:
    model = Ring()
    x = torch.arange(12, dtype=torch.float64).reshape(3, 4) - 5.0
    ax = eplot.configuration(model, x, ax=new_axes())
    [image] = ax.get_images()
    np.testing.assert_array_equal(image.get_array(), x.numpy())  # row i, column j
    assert image.get_clim() == (-6.0, 6.0)  # symmetric about 0
    assert ax.get_title() == "Ring (L1=3, L2=4)"  # given x: no "exact sample" line
    ax = eplot.configuration(model, x[None], ax=new_axes())  # (1, L1, L2) is one configuration too
    np.testing.assert_array_equal(ax.get_images()[0].get_array(), x.numpy())
    ax = eplot.configuration(model, ax=new_axes(), seed=3)  # default: an exact sample, seeded
    expected = model.sample(1, generator=torch.Generator().manual_seed(3))[0]
    np.testing.assert_allclose(ax.get_images()[0].get_array(), expected.numpy())
    assert ax.get_title().endswith("\nexact sample")


def test_configuration_refuses_what_it_cannot_draw() -> None:
    with pytest.raises(ebmcore.InvalidParameterError, match="event shape of two axes"):
        eplot.configuration("gaussian", ax=new_axes())
    with pytest.raises(ebmcore.InvalidParameterError, match=r"'x.shape' must be the event shape \(3, 4\)"):
        eplot.configuration(Ring(), torch.zeros(4, 3), ax=new_axes())

    class NoSampler(Ring):
        def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
            raise NotImplementedError

    with pytest.raises(ebmcore.InvalidParameterError, match="no exact sampler"):
        eplot.configuration(NoSampler(), ax=new_axes())


def test_save_configuration_writes_a_png() -> None:
    buffer = io.BytesIO()
    eplot.save_configuration(Ring(), buffer, dpi=30)
    assert buffer.getvalue()[:4] == b"\x89PNG"


@targets
def test_pictures_of_the_lattice_targets() -> None:
    phi4 = ebmcore.create("phi4", L=6, kappa=0.5)
    ax = eplot.landscape(phi4, ax=new_axes(), resolution=20)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$x_{0,0}$", "$x_{0,1}$")
    v = phi4.field_minimum
    assert ax.get_title().endswith(f"slice with the other coordinates at {v:.4g}")
    chains = torch.full((6, 6), v, dtype=torch.float64)
    assert eplot.configuration(phi4, chains, ax=new_axes()).get_images()[0].get_clim() == pytest.approx(
        (-v, v)
    )
    free = eplot.configuration("free_field", ax=new_axes())
    assert free.get_images()[0].get_array().shape == (8, 8)


# -- the docs catalog ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "ebmcore_docs_catalog_lattice", ROOT / "docs" / "_hooks" / "catalog.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.PICTURE_RESOLUTION = 20
    module.PICTURE_DPI = 30
    module.HMC_TRAJECTORIES = 40
    return module


def test_catalog_entry_of_a_lattice_model(hook: ModuleType, ring: str) -> None:
    section, picture = hook.energy_section(ring)
    assert picture is not None and picture[:4] == b"\x89PNG"
    assert "- event shape: `(3, 4)`" in section
    assert (
        "- bounds: lower `[-2.0, -2.3636363636363638, -2.7272727272727275, -3.09090...`, upper `[2.0, "
        in section
    )
    assert f"![A configuration of {ring}]({hook.configuration_picture_name(ring)})" in section
    assert "an exact sample" in section
    configuration = hook.configuration_picture(ring)
    assert configuration is not None and configuration[:4] == b"\x89PNG"
    assert hook.configuration_picture("gaussian") is None
    assert "configuration" not in hook.energy_section("gaussian")[0]


def test_catalog_hmc_configuration_for_a_lattice_model_without_sampler(hook: ModuleType) -> None:
    class NoSampler(Ring):
        def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
            raise NotImplementedError

    model = NoSampler(5, 5)
    x, source = hook.lattice_configuration(model)
    assert x.shape == (5, 5) and source == hook.HMC_SOURCE
    assert torch.equal(x, hook.lattice_configuration(model)[0])  # seeded
    assert 0.2 < float((x / model.scale).std()) < 2.0  # moved away from the minimizer, stays sane


@targets
def test_catalog_entries_of_the_lattice_targets(hook: ModuleType) -> None:
    for name, source in (("phi4", hook.HMC_SOURCE), ("free_field", "an exact sample")):
        section, picture = hook.energy_section(name)
        assert picture is not None and "- event shape: `(8, 8)`" in section
        assert f"![A configuration of {name}]({hook.configuration_picture_name(name)})" in section
        assert f"*A configuration of the field: {source} " in section
        configuration = hook.configuration_picture(name)
        assert configuration is not None and configuration[:4] == b"\x89PNG"


# -- ebmcore.evaluate ---------------------------------------------------------------------------------


def test_evaluate_takes_lattice_samples_and_chains() -> None:
    model = Ring()
    generator = torch.Generator().manual_seed(0)
    samples = model.sample(1000, generator=generator)
    report = ebmcore.evaluate(model, samples, generator=torch.Generator().manual_seed(1))
    assert len(report.moments["mean"]) == 12  # one per site, flattened
    assert max(abs(e.z) for e in report.moments["mean"]) < 5
    chains = model.sample(800, generator=generator).reshape(4, 200, 3, 4)
    report = ebmcore.evaluate(model, chains, generator=torch.Generator().manual_seed(1))
    assert report.mcmc is not None and max(report.mcmc.rhat) < 1.05


@targets
def test_evaluate_on_the_lattice_targets() -> None:
    free = ebmcore.create("free_field", L=4)
    report = ebmcore.evaluate(free, free.sample(2000, generator=torch.Generator().manual_seed(0)))
    assert max(abs(e.z) for e in report.moments["stddev"]) < 5
    phi4 = ebmcore.create("phi4", L=4, kappa=0.2)
    report = ebmcore.evaluate(phi4, torch.randn(2, 50, 4, 4, dtype=torch.float64))
    assert report.mcmc is not None and len(report.mcmc.rhat) == 16
