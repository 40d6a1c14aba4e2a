"""Tests of ebmcore.plot and `ebmcore plot`: every registered energy is drawn and checked pixel-wise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import ebmcore
from ebmcore import BaseModel, Minima
from ebmcore._cli import main

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import ebmcore.plot as eplot  # noqa: E402

RESOLUTION = 60
MARKER_RGB = np.array(to_rgb(eplot.MINIMUM_COLOR)) * 255
TOLERANCE = 40.0  # per-channel distance that still counts as the marker colour


def render(model: object, **kwargs: object) -> tuple[object, np.ndarray]:
    """Draw ``model`` into a small Agg figure; return the axes and the RGB pixels."""
    figure = Figure(figsize=(3.2, 2.6), dpi=80)
    canvas = FigureCanvasAgg(figure)
    ax = eplot.landscape(model, ax=figure.add_subplot(), resolution=RESOLUTION, **kwargs)  # type: ignore[arg-type]
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())[..., :3].astype(float)
    return ax, pixels


def axes_pixels(ax: object, pixels: np.ndarray) -> np.ndarray:
    box = ax.get_window_extent()  # type: ignore[attr-defined]
    height = pixels.shape[0]
    top, bottom = int(height - box.y1) + 1, int(height - box.y0) - 1
    return pixels[top:bottom, int(box.x0) + 1 : int(box.x1) - 1]


def pixel_at(ax: object, pixels: np.ndarray, x: float, y: float) -> np.ndarray:
    px, py = ax.transData.transform((x, y))  # type: ignore[attr-defined]
    return pixels[round(pixels.shape[0] - py), round(px)]


def is_marker_at(ax: object, pixels: np.ndarray, x: float, y: float) -> bool:
    """Whether the marker colour shows within a pixel of the data point (x, y)."""
    px, py = ax.transData.transform((x, y))  # type: ignore[attr-defined]
    row, col = round(pixels.shape[0] - py), round(px)
    patch = pixels[max(row - 1, 0) : row + 2, max(col - 1, 0) : col + 2]
    return bool(marker_mask(patch).any())


def marker_mask(pixels: np.ndarray) -> np.ndarray:
    return np.abs(pixels - MARKER_RGB).max(-1) <= TOLERANCE


def drawable(name: str) -> BaseModel:
    try:
        model = eplot.gallery_model(name)
    except (ebmcore.EbmcoreError, TypeError, ValueError) as exc:
        pytest.skip(f"{name} cannot be created without arguments: {exc}")
    if model.dim < 2:
        pytest.skip(f"{name} has {model.dim} dimension")
    return model


def expected_minima(model: BaseModel, ax: object) -> np.ndarray:
    """Known minimizers inside the drawn box (2-D models: every minimizer lies on the plane)."""
    if model.minima is None:
        return np.zeros((0, 2))
    points = model.minima.points.reshape(len(model.minima.points), -1)[:, :2].numpy()
    if model.dim > 2:  # only those on the slice through the first minimizer are drawn
        at = model.minima.points[0].reshape(-1).numpy()
        rest = model.minima.points.reshape(len(points), -1)[:, 2:].numpy()
        points = points[np.all(np.isclose(rest, at[2:]), axis=1)]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()  # type: ignore[attr-defined]
    inside = (points[:, 0] >= x0) & (points[:, 0] <= x1) & (points[:, 1] >= y0) & (points[:, 1] <= y1)
    return points[inside]


@pytest.mark.parametrize("name", ebmcore.list_energies())
def test_every_energy_draws_a_picture_with_its_minima(name: str) -> None:
    model = drawable(name)
    ax, pixels = render(model)
    if any(t.get_text() == "energy not finite here" for t in ax.texts):
        pytest.skip(f"{name}: energy not finite anywhere on the default slice")  # said on the picture
    inner = axes_pixels(ax, pixels)
    colours = np.unique(inner.reshape(-1, 3).round(), axis=0)
    assert len(colours) > 20, f"{name}: the picture is nearly blank ({len(colours)} colours)"
    assert inner.std() > 10.0
    minima = expected_minima(model, ax)
    for x, y in minima:
        assert is_marker_at(ax, pixels, x, y), f"{name}: no marker at minimum ({x}, {y})"
    # every marker-coloured pixel belongs to a marker at a known minimum
    rows, cols = np.nonzero(marker_mask(pixels))
    if len(minima) == 0:
        assert len(rows) == 0, f"{name}: markers drawn but no minimum is known"
    else:
        centres = ax.transData.transform(minima)  # type: ignore[attr-defined]
        centres[:, 1] = pixels.shape[0] - centres[:, 1]
        spots = np.stack([cols, rows], axis=1)
        distance = np.linalg.norm(spots[:, None, :] - centres[None, :, :], axis=-1).min(1)
        assert distance.max() < 12.0, f"{name}: marker colour found {distance.max():.0f} px from any minimum"


def test_marker_follows_the_minimum() -> None:
    """The pixel checks are sharp: a Gaussian moved to (2, -1) has its marker there, not at 0."""
    model = ebmcore.create("gaussian", mean=[2.0, -1.0])
    ax, pixels = render(model, bounds=[[-4.0, -4.0], [4.0, 4.0]])
    assert is_marker_at(ax, pixels, 2.0, -1.0)
    assert not is_marker_at(ax, pixels, 0.0, 0.0)
    assert ax.get_xlim() == (-4.0, 4.0)


def test_slice_marks_only_minima_on_the_slice() -> None:
    model = ebmcore.create("rosenbrock", dim=4)
    ax, pixels = render(model, dims=(1, 2))  # through the minimizer (1, 1, 1, 1)
    assert is_marker_at(ax, pixels, 1.0, 1.0)
    assert "slice" in ax.get_title()
    ax, pixels = render(model, dims=(1, 2), at=[0.0, 0.0, 0.0, 0.0])  # the minimizer is off this slice
    assert not marker_mask(axes_pixels(ax, pixels)).any()
    assert ax.get_xlabel() == "$x_{1}$" and ax.get_ylabel() == "$x_{2}$"


def test_auto_log_scale_for_steep_energies() -> None:
    steep, _ = render(ebmcore.create("rosenbrock", dim=2))
    bowl, _ = render(ebmcore.create("gaussian", dim=2))
    assert "log" in steep.figure.axes[-1].get_ylabel()  # the colour bar
    assert "log" not in bowl.figure.axes[-1].get_ylabel()
    forced, _ = render(ebmcore.create("gaussian", dim=2), log=True)
    assert "log" in forced.figure.axes[-1].get_ylabel()


def test_title_and_labels() -> None:
    ax, _ = render(ebmcore.create("double_well", dim=2, barrier_height=2.0))
    assert ax.get_title() == "double_well (dim=2, barrier_height=2.0, b=1.0)"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$x_{0}$", "$x_{1}$")


def test_sample_and_score_overlays() -> None:
    from matplotlib.collections import PathCollection
    from matplotlib.quiver import Quiver

    ax, _ = render(ebmcore.create("gaussian", dim=2), samples=123, score=True)
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert [len(c.get_offsets()) for c in scatters] == [123]
    arrows = [c for c in ax.collections if isinstance(c, Quiver)]
    assert len(arrows) == 1
    # score of a standard Gaussian points to the origin: arrow at (x, y) has direction -(x, y)
    quiver = arrows[0]
    positions, u, v = quiver.get_offsets(), quiver.U, quiver.V
    cosine = -(positions[:, 0] * u + positions[:, 1] * v) / (np.hypot(*positions.T) * np.hypot(u, v) + 1e-300)
    assert cosine.min() > 0.999
    # no exact sampler: samples are skipped, not an error
    ax, _ = render(ebmcore.create("branin"), samples=50)
    assert not [c for c in ax.collections if isinstance(c, PathCollection)]


def test_one_dimensional_energy_is_a_curve() -> None:
    model = ebmcore.create("double_well", dim=1)
    ax, _ = render(model, samples=20)
    (curve, rug, marker, _dot) = ax.get_lines()
    x, e = curve.get_data()
    assert np.allclose(e, model.energy(torch.from_numpy(np.asarray(x)).reshape(-1, 1)).numpy())
    assert sorted(marker.get_xdata()) == [-1.0, 1.0]
    assert len(rug.get_xdata()) == 20


class _CornerMinima(BaseModel):
    """Minimizers on the corner of the box and two that nearly overlap."""

    def __init__(self) -> None:
        super().__init__(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x * x).sum(-1)

    @property
    def bounds(self) -> torch.Tensor:
        return torch.tensor([[0.0, 0.0], [10.0, 10.0]], dtype=torch.float64)

    @property
    def minima(self) -> Minima:
        return Minima(torch.tensor([[0.0, 0.0], [10.0, 10.0], [5.0, 5.0], [5.3, 5.0]]), 0.0)


def test_minima_on_the_edge_and_close_together_all_show() -> None:
    ax, pixels = render(_CornerMinima())
    for x, y in [(0.0, 0.0), (10.0, 10.0), (5.0, 5.0), (5.3, 5.0)]:
        assert is_marker_at(ax, pixels, x, y), (x, y)


def test_new_pyplot_figure_when_no_axes_given() -> None:
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"backend": "Agg"}):
        ax = eplot.landscape("gaussian", resolution=10)
        try:
            assert ax.figure.get_size_inches().tolist() == [5.0, 4.0]
            assert ax.get_title() == "gaussian (dim=2)"
        finally:
            plt.close(ax.figure)


class _NoGroundTruth(BaseModel):
    """E = |x|^2 / 2 without bounds or minima."""

    def __init__(self, dim: int = 3) -> None:
        super().__init__(dim, dim=dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * (x * x).sum(-1)


class _MinimaOnly(_NoGroundTruth):
    @property
    def minima(self) -> Minima:
        return Minima(torch.tensor([[5.0, 5.0, 5.0]]), 0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * ((x - 5.0) ** 2).sum(-1)


class _Disk(BaseModel):
    """Finite inside the unit disk only; a (2, 3) event shape flattened to 6 coordinates."""

    def __init__(self) -> None:
        super().__init__((2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r2 = (x * x).sum((-2, -1))
        return torch.where(r2 < 1.0, r2, torch.full_like(r2, torch.inf))


def test_fallback_boxes_and_odd_models() -> None:
    # float64 as documented, whatever torch's default dtype
    expected = torch.tensor([[-3.0] * 3, [3.0] * 3], dtype=torch.float64)
    torch.testing.assert_close(eplot.default_bounds(_NoGroundTruth()), expected, rtol=0, atol=0)
    expected = torch.tensor([[2.0] * 3, [8.0] * 3], dtype=torch.float64)
    torch.testing.assert_close(eplot.default_bounds(_MinimaOnly()), expected, rtol=0, atol=0)
    ax, pixels = render(_MinimaOnly())
    assert ax.get_xlim() == (2.0, 8.0)
    assert is_marker_at(ax, pixels, 5.0, 5.0)
    ax, pixels = render(_Disk(), dims=(0, 4))
    outside = pixel_at(ax, pixels, 2.9, 2.9)
    assert np.allclose(outside, 0.85 * 255, atol=2)  # grey where the energy is infinite
    assert ax.get_title() == "_Disk\nslice with the other coordinates at 0"


class _Repelling(BaseModel):
    """Three particles on a line, infinite where two coincide (as at the origin)."""

    def __init__(self) -> None:
        super().__init__(3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gaps = torch.stack([x[..., 0] - x[..., 1], x[..., 1] - x[..., 2], x[..., 0] - x[..., 2]], -1)
        return (1.0 / gaps.square()).sum(-1) + 0.1 * (x * x).sum(-1)


def test_default_point_is_a_minimizer_else_the_origin_else_the_lowest_seeded_draw() -> None:
    rosenbrock = ebmcore.create("rosenbrock", dim=4)
    assert torch.equal(eplot.default_point(rosenbrock), torch.ones(4, dtype=torch.float64))
    assert torch.equal(eplot.default_point(_NoGroundTruth()), torch.zeros(3, dtype=torch.float64))
    model = _Repelling()
    point = eplot.default_point(model)
    assert torch.equal(point, eplot.default_point(model))  # seeded: the same every time
    assert bool(torch.isfinite(model(point)))
    box = eplot.default_bounds(model)
    draws = box[0] + (box[1] - box[0]) * torch.rand(
        256, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64
    )
    assert float(model(point)) == float(model(draws).min())  # the lowest of the 256 draws
    ax, _ = render(model, dims=(0, 1))
    assert not any(t.get_text() == "energy not finite here" for t in ax.texts)


def test_long_titles_wrap() -> None:
    ax, _ = render(ebmcore.create("lj13"))
    lines = ax.get_title().split("\n")
    assert lines[0].startswith("lj13 (") and len(lines) > 2  # parameters over several lines, then the slice
    assert max(len(line) for line in lines[:-1]) <= 64
    assert "pair_counting=" in ax.get_title().replace("\n", " ")


def test_bad_arguments_raise() -> None:
    model = ebmcore.create("rosenbrock", dim=3)
    figure = Figure()
    with pytest.raises(ebmcore.InvalidParameterError, match="'dims'"):
        eplot.landscape(model, dims=(0, 3), ax=figure.add_subplot())
    with pytest.raises(ebmcore.InvalidParameterError, match="'at'"):
        eplot.landscape(model, at=[0.0, 1.0], ax=figure.add_subplot())
    with pytest.raises(ebmcore.InvalidParameterError, match="'bounds'"):
        eplot.landscape(model, bounds=[[1.0, 1.0], [0.0, 2.0]], ax=figure.add_subplot())


def test_save_landscape_writes_a_small_png(tmp_path: Path) -> None:
    target = tmp_path / "r.png"
    eplot.save_landscape("rosenbrock", target, resolution=30, dpi=50)
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) < 100_000
    eplot.save_landscape("gaussian", tmp_path / "g.svg", resolution=10)
    assert b"<svg" in (tmp_path / "g.svg").read_bytes()[:500]


@pytest.fixture(scope="module")
def fresh_process() -> list[str]:
    """One fresh interpreter: what `import ebmcore` loads, then drawing with matplotlib hidden."""
    code = (
        "import sys, ebmcore, torch\n"
        "m = ebmcore.create('gaussian', dim=2); m.energy(torch.zeros(2)); ebmcore.diagnose(m)\n"
        "print(sorted(k for k in sys.modules if k.startswith('matplotlib') or k == 'ebmcore.plot'))\n"
        "sys.modules['matplotlib'] = None\n"
        "import ebmcore.plot, ebmcore._cli\n"
        "try:\n"
        "    ebmcore.plot.landscape('gaussian')\n"
        "except ImportError as exc:\n"
        "    print('ERROR', exc)\n"
        "print('exit', ebmcore._cli.main(['plot', 'gaussian', '--out', 'never.png']))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [*result.stdout.splitlines(), result.stderr]


def test_import_ebmcore_does_not_import_matplotlib(fresh_process: list[str]) -> None:
    # diagnose shares the plot module's box (ebmcore._regions), not the plot module or matplotlib
    assert fresh_process[0] == "[]"


def test_missing_matplotlib_says_how_to_install(fresh_process: list[str]) -> None:
    assert fresh_process[1] == (
        "ERROR ebmcore.plot needs matplotlib, which is not installed. "
        "Install it with: pip install 'ebmcore[plot]'"
    )
    assert fresh_process[2] == "exit 1"
    assert "pip install 'ebmcore[plot]'" in fresh_process[3]


# -- the command line ----------------------------------------------------------------------------

SMALL = ["--resolution", "20", "--dpi", "30"]


def test_cli_plot_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "sub" / "r.png"
    code = main(
        ["plot", "rosenbrock", "--param", "dim=3", "--dims", "1,2", "--out", str(target), "--log", *SMALL]
    )
    assert code == 0
    assert target.read_bytes()[:4] == b"\x89PNG"
    assert f"wrote {target}" in capsys.readouterr().out


def test_cli_plot_all(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plot", "--all", "--out", str(tmp_path), *SMALL]) == 0
    expected = set()
    for name in ebmcore.list_energies():
        try:
            model = eplot.gallery_model(name)
        except (ebmcore.EbmcoreError, TypeError, ValueError):
            continue
        if model.dim >= 2:
            expected.add(name.replace("/", "__") + ".png")
    assert {p.name for p in tmp_path.iterdir()} == expected
    assert f"{len(expected)} pictures" in capsys.readouterr().out


def test_cli_plot_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plot", "no_such_energy"]) == 1
    assert "no energy named 'no_such_energy'" in capsys.readouterr().err
    assert main(["plot", "gaussian", "--param", "dim"]) == 1
    assert "must be KEY=VALUE" in capsys.readouterr().err
    assert main(["plot"]) == 2
    with pytest.raises(SystemExit):
        main(["plot", "gaussian", "--dims", "0"])


class _FixedPlane(BaseModel):
    """Always two dimensions, no ``dim`` parameter, no ground truth."""

    def __init__(self, scale: float = 1.0) -> None:
        super().__init__(2, scale=scale)
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.scale * (x[..., 0] ** 2 + 3.0 * x[..., 1] ** 2)


class _Line(BaseModel):
    """One dimension only."""

    def __init__(self) -> None:
        super().__init__(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x * x).sum(-1)


class _NeedsArgs(BaseModel):
    """Cannot be created without ``center``."""

    def __init__(self, center: list[float]) -> None:
        super().__init__(len(center), center=center)
        self.center = torch.tensor(center, dtype=torch.float64)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ((x - self.center.to(x.dtype)) ** 2).sum(-1)


@pytest.fixture
def odd_energies() -> object:
    added = {"plot_fixed_plane": _FixedPlane, "plot_line": _Line, "plot_needs_args": _NeedsArgs}
    for name, cls in added.items():
        ebmcore.register_energy(name)(cls)
    yield added
    for name in added:
        ebmcore.unregister_energy(name)


def test_cli_plot_all_handles_every_kind_of_energy(
    odd_energies: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plot", "--all", "--out", str(tmp_path), *SMALL]) == 0
    out = capsys.readouterr().out
    written = {p.name for p in tmp_path.iterdir()}
    assert "plot_fixed_plane.png" in written
    assert "plot_line.png" not in written and "plot_needs_args.png" not in written
    assert "skipped plot_line: it has only 1 dimension" in out
    assert "skipped plot_needs_args: cannot create it without arguments" in out
    ax, pixels = render("plot_fixed_plane")
    assert ax.get_title() == "plot_fixed_plane (scale=1.0)"
    assert ax.get_xlim() == (-3.0, 3.0)  # no bounds, no minima
    assert not marker_mask(axes_pixels(ax, pixels)).any()


# -- `ebmcore plot --out`, and a broken energy among all -------------------------------------------


TINY = ["--resolution", "10", "--dpi", "20"]


def test_plot_out_an_existing_folder_writes_into_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plot", "analytic/gaussian", "--out", str(tmp_path), *TINY]) == 0
    assert (tmp_path / "analytic__gaussian.png").read_bytes()[:4] == b"\x89PNG"
    assert capsys.readouterr().out == f"wrote {tmp_path / 'analytic__gaussian.png'}\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_plot_out_an_unwritable_path_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plot", "gaussian", "--out", "/dev/full", *TINY]) == 1
    assert capsys.readouterr().err == (
        "ebmcore: error: parameter '--out' must be a path where a picture can be written (No space left "
        "on device), got '/dev/full'\n"
    )


PLOT_ALL = """
import contextlib, io, sys, torch
import ebmcore
from ebmcore import _cli

class Boom(ebmcore.BaseModel):
    def __init__(self, dim: int = 2) -> None:
        raise RuntimeError("boom")

class Bowl(ebmcore.BaseModel):
    def __init__(self, dim: int = 2) -> None:
        super().__init__(dim, dim=dim)

    def forward(self, x):
        return (x * x).sum(-1)

ebmcore.register_energy("probe_boom")(Boom)
ebmcore.register_energy("probe_bowl")(Bowl)
out = io.StringIO()
with contextlib.redirect_stdout(out):
    R["code"] = _cli.main(["plot", "--all", "--out", sys.argv[1], "--resolution", "10", "--dpi", "20"])
R["out"] = out.getvalue()
"""


def test_plot_all_reports_a_raising_constructor_and_carries_on(bare_probe: Any, tmp_path: Path) -> None:
    folder = tmp_path / "pictures"
    code = PLOT_ALL.replace("sys.argv[1]", repr(str(folder)))
    seen = bare_probe.run(code, {"EBMCORE_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert seen["code"] == 1
    assert seen["out"].splitlines() == [
        "failed probe_boom: plugin 'local': creating energy 'probe_boom' raised RuntimeError('boom')",
        f"wrote {folder / 'probe_bowl.png'}",
        f"1 pictures in {folder}, 1 failed",
    ]
