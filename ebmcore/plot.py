"""Pictures of energy landscapes: :func:`landscape` and :func:`save_landscape`.

matplotlib is an optional extra (``pip install 'ebmcore[plot]'``). Importing this module does
not import it; the first call that draws does, and raises an :class:`ImportError` that says how
to install it where it is missing. ``import ebmcore`` never imports this module: it loads on
first use of ``ebmcore.plot``.

Example:
    >>> import ebmcore, ebmcore.plot
    >>> from matplotlib.figure import Figure
    >>> model = ebmcore.create("rosenbrock", dim=2)
    >>> ax = ebmcore.plot.landscape(model, ax=Figure().add_subplot(), resolution=40)
    >>> ax.get_title()
    'rosenbrock (dim=2, a=1.0, b=100.0)'
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('$x_{0}$', '$x_{1}$')
"""

from __future__ import annotations

import math
import os
import textwrap
from collections.abc import Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any, Literal

import numpy as np
import torch
from torch import Tensor

from ._errors import InvalidParameterError
from ._regions import default_bounds, placement
from ._registry import create, info

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ._model import BaseModel

__all__ = [
    "INSTALL_HINT",
    "MINIMUM_COLOR",
    "configuration",
    "default_bounds",
    "default_point",
    "gallery_model",
    "require_matplotlib",
    "landscape",
    "save_configuration",
    "save_landscape",
    "use_log_scale",
]

INSTALL_HINT = "pip install 'ebmcore[plot]'"
"""The command that installs what this module needs."""

MINIMUM_COLOR = "#e41a1c"
"""Fill colour of the global-minimum markers (a red that no default colormap uses)."""

LOG_SPAN_RATIO = 30.0
"""Auto log scale: used where ``max(E - min E)`` exceeds this times its lower quartile on the grid."""

_TITLE_WIDTH = 64  # characters per title line


def require_matplotlib() -> Any:
    """Import matplotlib, or raise an ImportError that says how to install it."""
    try:
        import matplotlib
        import matplotlib.colors
        import matplotlib.figure
    except ImportError as exc:
        raise ImportError(
            f"ebmcore.plot needs matplotlib, which is not installed. Install it with: {INSTALL_HINT}"
        ) from exc
    return matplotlib


def _model(model: BaseModel | str | Mapping[str, Any]) -> BaseModel:
    return create(model)


def gallery_model(name: str) -> BaseModel:
    """The instance of a registered energy that ``ebmcore plot --all`` and the catalog draw.

    Created with ``dim=2`` where the energy takes a ``dim`` parameter, else with its defaults.

    Raises:
        whatever :func:`ebmcore.create` raises (a required parameter without default, ...).

    Example:
        >>> gallery_model("rosenbrock").dim
        2
    """
    takes_dim = any(p.name == "dim" for p in info(name).parameters)
    return create(name, dim=2) if takes_dim else create(name)


def use_log_scale(energies: np.ndarray, ratio: float = LOG_SPAN_RATIO) -> bool:
    """Whether a log colour scale shows ``energies`` better than a linear one.

    True where the largest value of ``E - min E`` exceeds ``ratio`` (default
    :data:`LOG_SPAN_RATIO`) times its lower quartile: a linear scale would paint a quarter of
    the picture or more in its lowest level or two, hiding the wells and valleys (Rosenbrock,
    a double well on its box), while a quadratic bowl stays linear.

    Example:
        >>> import numpy as np
        >>> use_log_scale(np.linspace(0.0, 1.0, 100) ** 2), use_log_scale(np.geomspace(1e-3, 1e6, 100))
        (False, True)
    """
    values = np.asarray(energies, dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size < 2:
        return False
    shifted = values - values.min()
    top = float(shifted.max())
    if top <= 0.0:
        return False
    return bool(top > ratio * float(np.percentile(shifted, 25)))


def _short(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 14 else "…"


def _title(model: BaseModel) -> str:
    name = (model.registry_name or type(model).__name__).rpartition("/")[2]
    try:
        config = model.config
    except (TypeError, ValueError):  # a config that does not serialize: show the name only
        config = {}
    params = ", ".join(f"{key}={_short(value)}" for key, value in config.items() if value is not None)
    # long parameter lists wrap instead of running off the figure
    return textwrap.fill(f"{name} ({params})", _TITLE_WIDTH, break_long_words=False) if params else name


def _coordinate_label(model: BaseModel, d: int) -> str:
    """``$x_{d}$``; for a multi-axis event shape (a lattice field), the site's index ``$x_{i,j}$``."""
    shape = model.event_shape
    if shape is None or len(shape) < 2:
        return f"$x_{{{d}}}$"
    index = np.unravel_index(d, tuple(shape))
    return "$x_{" + ",".join(str(int(i)) for i in index) + "}$"


def _resolve_dims(model: BaseModel, dims: Sequence[int]) -> tuple[int, int]:
    chosen = tuple(int(d) for d in dims)
    if len(chosen) != 2 or chosen[0] == chosen[1] or not all(0 <= d < model.dim for d in chosen):
        raise InvalidParameterError(
            "dims", dims, f"two different coordinates in 0..{model.dim - 1}", energy=type(model).__name__
        )
    return chosen[0], chosen[1]


def _energies_at(model: BaseModel, points: Tensor) -> Tensor:
    """Energies of flattened float64 ``points`` ``(n, dim)``, on the model's device and dtype."""
    device, dtype = placement(model)
    with torch.no_grad():
        energies = model.energy(points.to(dtype).reshape(-1, *model.event_shape).to(device))
    return energies.detach().double().cpu()


def default_point(model: BaseModel) -> Tensor:
    """The point a picture's slice goes through by default, ``(dim,)`` float64.

    The first known minimizer; else the origin, where the energy is finite there; else the
    lowest-energy of 256 points drawn uniformly in :func:`default_bounds` with a fixed seed
    (particle systems, whose energy is infinite when particles coincide at the origin).

    Example:
        >>> import ebmcore
        >>> default_point(ebmcore.create("rosenbrock", dim=3))
        tensor([1., 1., 1.], dtype=torch.float64)
    """
    minima = model.minima
    if minima is not None and len(minima.points):
        return minima.points[0].reshape(-1).double().cpu()
    origin = torch.zeros(1, model.dim, dtype=torch.float64)
    if bool(torch.isfinite(_energies_at(model, origin)).all()):
        return origin[0]
    box = default_bounds(model)
    draws = torch.rand(256, model.dim, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    points = box[0] + (box[1] - box[0]) * draws
    energies = _energies_at(model, points).nan_to_num(nan=math.inf)
    return points[int(energies.argmin())]


def _resolve_at(model: BaseModel, at: Any) -> Tensor:
    if at is None:
        return default_point(model)
    point = torch.as_tensor(at, dtype=torch.float64).detach().cpu().reshape(-1)
    if point.numel() != model.dim or not torch.isfinite(point).all():
        raise InvalidParameterError(
            "at", at, f"a finite point with {model.dim} coordinates", energy=type(model).__name__
        )
    return point


def _resolve_bounds(model: BaseModel, bounds: Any, dims: tuple[int, ...]) -> np.ndarray:
    """``(2, len(dims))`` lower and upper limits of the plotted coordinates."""
    if bounds is None:
        return default_bounds(model)[:, list(dims)].numpy()
    box = torch.as_tensor(bounds, dtype=torch.float64).detach().cpu()
    if box.ndim == 1 and box.numel() == 2:
        box = box.reshape(2, 1).expand(2, len(dims))
    if box.ndim == 2 and box.shape[0] == 2 and box.shape[1] == model.dim != len(dims):
        box = box[:, list(dims)]
    if box.shape != (2, len(dims)) or not torch.isfinite(box).all() or not (box[1] > box[0]).all():
        raise InvalidParameterError(
            "bounds",
            bounds,
            f"finite lower and upper limits as a (2, {len(dims)}) or (2, {model.dim}) array "
            "with lower < upper",
            energy=type(model).__name__,
        )
    return box.numpy()


def _evaluate(model: BaseModel, at: Tensor, dims: tuple[int, ...], axes: Sequence[np.ndarray]) -> np.ndarray:
    """Energies on the grid spanned by ``axes`` in coordinates ``dims`` through ``at``."""
    mesh = np.meshgrid(*axes, indexing="xy")
    points = at.double().repeat(mesh[0].size, 1)
    for d, coords in zip(dims, mesh, strict=True):
        points[:, d] = torch.from_numpy(coords.ravel())
    return _energies_at(model, points).numpy().reshape(mesh[0].shape)


def _scores(
    model: BaseModel, at: Tensor, dims: tuple[int, int], xs: np.ndarray, ys: np.ndarray
) -> np.ndarray:
    device, dtype = placement(model)
    grid_x, grid_y = np.meshgrid(xs, ys, indexing="xy")
    points = at.to(dtype).repeat(grid_x.size, 1)
    points[:, dims[0]] = torch.from_numpy(grid_x.ravel()).to(dtype)
    points[:, dims[1]] = torch.from_numpy(grid_y.ravel()).to(dtype)
    score = model.score(points.reshape(-1, *model.event_shape).to(device)).detach()
    flat = score.reshape(len(points), -1)[:, list(dims)].double().cpu().numpy()
    return flat.reshape(*grid_x.shape, 2)


def _minima_in_view(model: BaseModel, at: Tensor, dims: tuple[int, ...], box: np.ndarray) -> np.ndarray:
    """Known minimizers that lie on the plotted slice and inside the box, in plotted coordinates."""
    minima = model.minima
    if minima is None or not len(minima.points):
        return np.zeros((0, len(dims)))
    points = minima.points.reshape(len(minima.points), -1).double().cpu()
    others = [d for d in range(model.dim) if d not in dims]
    on_slice = torch.ones(len(points), dtype=torch.bool)
    if others:
        gap = (points[:, others] - at[others]).abs()
        on_slice = (gap <= 1e-9 * (1.0 + at[others].abs())).all(-1)
    shown = points[on_slice][:, list(dims)].numpy()
    inside = np.all((shown >= box[0]) & (shown <= box[1]), axis=1)
    return shown[inside]


def _samples(model: BaseModel, n: int, seed: int, dims: tuple[int, ...]) -> np.ndarray | None:
    if n <= 0:
        return None
    generator = torch.Generator().manual_seed(seed)
    try:
        drawn = model.sample(n, generator=generator)
    except NotImplementedError:
        return None
    return drawn.detach().reshape(n, -1)[:, list(dims)].double().cpu().numpy()


def _mark_minima(ax: Axes, xs: np.ndarray, ys: np.ndarray, color: str) -> None:
    """Stars with a white rim, and a dot of the same colour on top so that every centre shows
    even where stars overlap; not clipped, so a minimizer on the edge of the box shows too."""
    label = "global minima" if len(xs) > 1 else "global minimum"
    common: dict[str, Any] = {"linestyle": "none", "clip_on": False, "markerfacecolor": color}
    ax.plot(xs, ys, marker="*", markersize=13, markeredgecolor="white", markeredgewidth=0.8, zorder=5,
            label=label, **common)  # fmt: skip
    ax.plot(xs, ys, marker="o", markersize=3, markeredgewidth=0, zorder=6, label="_nolegend_", **common)


def _slice_note(model: BaseModel, at: Tensor, dims: tuple[int, ...]) -> str:
    others = [d for d in range(model.dim) if d not in dims]
    if not others:
        return ""
    values = at[others]
    if bool((values == values[0]).all()):
        return f"slice with the other coordinates at {float(values[0]):.4g}"
    if len(others) <= 3:
        return "slice at " + ", ".join(f"{_coordinate_label(model, d)} = {float(at[d]):.3g}" for d in others)
    return f"slice through a point of {model.dim} coordinates"


def landscape(
    model: BaseModel | str | Mapping[str, Any],
    *,
    dims: Sequence[int] = (0, 1),
    at: Any = None,
    bounds: Any = None,
    ax: Axes | None = None,
    levels: int = 30,
    log: bool | Literal["auto"] = "auto",
    score: bool = False,
    samples: int = 0,
    resolution: int = 200,
    cmap: str = "viridis",
    colorbar: bool = True,
    title: str | None = None,
    seed: int = 0,
    minima_color: str = MINIMUM_COLOR,
) -> Axes:
    r"""Draw the energy landscape of ``model`` and return the matplotlib ``Axes``.

    Filled contours of :math:`E` over a box (the model's :attr:`~ebmcore.BaseModel.bounds`,
    else the known minimizers ``± 3``, else :math:`[-3, 3]^2`) with thin contour lines, the
    known global minimizers as red stars, a colour bar and axis labels :math:`x_i`. For an
    energy of more than two coordinates it shows the 2-D slice through ``at`` spanned by
    ``dims``; minimizers are marked only where they lie on that slice. A 1-D energy is drawn
    as a line. Non-finite energies (outside a support) are left blank.

    Args:
        model: the energy, or a name or spec dict for :func:`ebmcore.create`.
        dims: the two coordinates to plot (flattened index for a multi-axis event shape).
        at: the point the slice goes through (default :func:`default_point`: the first
            known minimizer, else the origin, else the lowest of 256 seeded draws in the
            bounds where the origin's energy is not finite); ignored for ``dim <= 2``.
        bounds: the box to show, ``(2, 2)`` lower/upper rows for the plotted coordinates (or
            ``(2, dim)``, or ``(lo, hi)`` for both); default as above.
        ax: the axes to draw into; default a new figure from ``matplotlib.pyplot``.
        levels: number of contour levels.
        log: ``True`` for a log colour scale of :math:`E - \min E`, ``False`` for linear,
            ``"auto"`` to choose (see :func:`use_log_scale`).
        score: overlay the direction of the score :math:`-\nabla E` (arrows of equal length).
        samples: overlay this many exact samples (projected on ``dims``) where the model has
            an exact sampler; ignored where it has none.
        resolution: grid points per axis.
        cmap: matplotlib colormap name.
        colorbar: add a colour bar.
        title: the title; default the energy's name and parameters.
        seed: seed of the sample overlay.
        minima_color: fill colour of the minimum markers.

    Returns:
        The axes drawn into.

    Raises:
        ImportError: matplotlib is not installed (``pip install 'ebmcore[plot]'``).
        InvalidParameterError: ``dims``, ``at`` or ``bounds`` do not fit the model.

    Example:
        >>> import ebmcore, ebmcore.plot
        >>> from matplotlib.figure import Figure
        >>> ax = ebmcore.plot.landscape("double_well", ax=Figure().add_subplot(), resolution=30, samples=50)
        >>> ax.get_lines()[0].get_label(), ax.get_lines()[0].get_xydata().tolist()
        ('global minima', [[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    """
    require_matplotlib()
    from matplotlib.colors import LogNorm

    model = _model(model)
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.figure(figsize=(5.0, 4.0), layout="constrained").add_subplot()
    if not (isinstance(resolution, int) and resolution >= 2):
        raise InvalidParameterError("resolution", resolution, "an integer >= 2", energy=type(model).__name__)
    if not (isinstance(levels, int) and levels >= 2):
        raise InvalidParameterError("levels", levels, "an integer >= 2", energy=type(model).__name__)
    if model.dim == 1:
        return _line(model, ax, bounds, log, samples, resolution, title, seed, minima_color)

    plotted = _resolve_dims(model, dims)
    point = _resolve_at(model, at)
    box = _resolve_bounds(model, bounds, plotted)
    xs = np.linspace(box[0, 0], box[1, 0], resolution)
    ys = np.linspace(box[0, 1], box[1, 1], resolution)
    energies = _evaluate(model, point, plotted, (xs, ys))
    finite = np.isfinite(energies)
    ax.set_facecolor("0.85")  # where the energy is not finite
    if finite.any():
        lowest = float(energies[finite].min())
        known = model.minima
        if known is not None and math.isfinite(known.value):
            lowest = min(lowest, known.value)
        use_log = use_log_scale(energies) if log == "auto" else bool(log)
        shifted = np.ma.masked_invalid(energies - lowest if use_log else energies)
        top = float(shifted.max())
        if use_log:
            positive = shifted.compressed()
            positive = positive[positive > 0]
            # the darkest colour at the lowest 1% of the grid: the colours go to what is drawn
            floor = max(float(np.percentile(positive, 1)), top * 1e-9) if positive.size else 1.0
            top = max(top, floor * 10.0)
            values = np.ma.clip(shifted, floor, top)
            contour_levels = np.geomspace(floor, top, levels)
            norm: Any = LogNorm(floor, top)
            label = r"$E(x) - \min E$ (log scale)"
        else:
            bottom = float(shifted.min())
            if not top > bottom:
                top = bottom + max(1.0, abs(bottom))
            values = shifted
            contour_levels = np.linspace(bottom, top, levels)
            norm = None
            label = "$E(x)$"
        filled = ax.contourf(xs, ys, values, levels=contour_levels, cmap=cmap, norm=norm)
        ax.contour(
            xs, ys, values, levels=contour_levels[:: max(1, levels // 10)], colors="k",
            linewidths=0.35, alpha=0.35, norm=norm,
        )  # fmt: skip
        if colorbar:
            from matplotlib import ticker

            ticks: Any = ticker.LogLocator() if use_log else ticker.MaxNLocator(7)
            ax.get_figure().colorbar(filled, ax=ax, label=label, ticks=ticks)  # type: ignore[union-attr]
    else:
        ax.text(0.5, 0.5, "energy not finite here", transform=ax.transAxes, ha="center", va="center")

    if score:
        count = max(2, min(20, resolution // 3))
        pad_x, pad_y = (box[1] - box[0]) / (2 * count)
        qx = np.linspace(box[0, 0] + pad_x, box[1, 0] - pad_x, count)
        qy = np.linspace(box[0, 1] + pad_y, box[1, 1] - pad_y, count)
        field = _scores(model, point, plotted, qx, qy)
        span = box[1] - box[0]
        screen = field / span  # direction on screen, whatever the aspect of the box
        norms = np.hypot(screen[..., 0], screen[..., 1])
        good = np.isfinite(norms) & (norms > 0)
        unit = np.where(good[..., None], screen / np.where(good, norms, 1.0)[..., None], np.nan)
        length = 0.6 / count
        ax.quiver(
            qx, qy, unit[..., 0] * span[0] * length, unit[..., 1] * span[1] * length,
            angles="xy", scale_units="xy", scale=1.0, pivot="mid", color="white", alpha=0.75,
            width=0.004, zorder=3,
        )  # fmt: skip

    drawn = _samples(model, samples, seed, plotted)
    if drawn is not None:
        projected = " (projected)" if model.dim > 2 else ""
        ax.scatter(
            drawn[:, 0], drawn[:, 1], s=3.0, c="white", edgecolors="none", alpha=0.6, zorder=4,
            label=f"exact samples{projected}",
        )  # fmt: skip

    shown = _minima_in_view(model, point, plotted, box)
    if len(shown):
        _mark_minima(ax, shown[:, 0], shown[:, 1], minima_color)

    ax.set_xlim(box[0, 0], box[1, 0])
    ax.set_ylim(box[0, 1], box[1, 1])
    ax.set_xlabel(_coordinate_label(model, plotted[0]))
    ax.set_ylabel(_coordinate_label(model, plotted[1]))
    if title is None:
        note = _slice_note(model, point, plotted)
        title = _title(model) + (f"\n{note}" if note else "")
    ax.set_title(title, fontsize=10)
    return ax


def _line(
    model: BaseModel,
    ax: Axes,
    bounds: Any,
    log: bool | Literal["auto"],
    samples: int,
    resolution: int,
    title: str | None,
    seed: int,
    minima_color: str,
) -> Axes:
    """The 1-D case of :func:`landscape`: the energy as a curve."""
    box = _resolve_bounds(model, bounds, (0,))
    xs = np.linspace(box[0, 0], box[1, 0], max(resolution, 200))
    energies = _evaluate(model, torch.zeros(1, dtype=torch.float64), (0,), (xs,))
    finite = np.isfinite(energies)
    if log == "auto":  # a curve shows steep walls well: go log only for extreme spans
        use_log = bool(finite.any()) and use_log_scale(energies, ratio=1e3)
    else:
        use_log = bool(finite.any()) and bool(log)
    lowest = float(energies[finite].min()) if finite.any() else 0.0
    if use_log:
        shifted = energies - lowest
        floor = max(float(np.nanmax(np.where(finite, shifted, np.nan))) * 1e-6, 1e-300)
        ax.semilogy(xs, np.where(finite, np.maximum(shifted, floor), np.nan), color="C0", lw=1.5)
        ax.set_ylabel(r"$E(x) - \min E$")
    else:
        ax.plot(xs, np.where(finite, energies, np.nan), color="C0", lw=1.5)
        ax.set_ylabel("$E(x)$")
    drawn = _samples(model, samples, seed, (0,))
    if drawn is not None:
        ax.plot(
            drawn[:, 0], np.full(len(drawn), 0.02), linestyle="none", marker="|", color="0.3", alpha=0.5,
            transform=ax.get_xaxis_transform(), label="exact samples",
        )  # fmt: skip
    shown = _minima_in_view(model, torch.zeros(1, dtype=torch.float64), (0,), box)
    minima = model.minima
    if len(shown) and minima is not None:
        heights = np.full(len(shown), minima.value - lowest if use_log else minima.value)
        if use_log:
            heights = np.maximum(heights, ax.get_ylim()[0])
        _mark_minima(ax, shown[:, 0], heights, minima_color)
    ax.set_xlim(box[0, 0], box[1, 0])
    ax.set_xlabel("$x_{0}$")
    ax.set_title(_title(model) if title is None else title, fontsize=10)
    return ax


def save_landscape(
    model: BaseModel | str | Mapping[str, Any],
    path: str | os.PathLike[str] | IO[bytes],
    *,
    figsize: tuple[float, float] = (5.0, 4.0),
    dpi: int = 150,
    format: str | None = None,
    **kwargs: Any,
) -> None:
    """Draw :func:`landscape` into a new figure and write it to ``path`` (PNG, PDF, SVG, ...).

    Uses matplotlib's Agg canvas directly, so it works without a display and leaves pyplot's
    state alone.

    Args:
        model: the energy, or a name or spec dict for :func:`ebmcore.create`.
        path: a file name (the suffix picks the format) or a binary file object.
        figsize: figure size in inches.
        dpi: resolution of raster formats.
        format: file format where ``path`` has no suffix (default PNG).
        **kwargs: passed to :func:`landscape`.

    Example:
        >>> import io, ebmcore.plot
        >>> buffer = io.BytesIO()
        >>> ebmcore.plot.save_landscape("gaussian", buffer, resolution=20, dpi=40)
        >>> buffer.getvalue()[:4]
        b'\\x89PNG'
    """
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(figure)
    landscape(model, ax=figure.add_subplot(), **kwargs)
    if format is None and (not isinstance(path, (str, os.PathLike)) or not os.path.splitext(path)[1]):
        format = "png"
    figure.savefig(path, dpi=dpi, format=format)


def configuration(
    model: BaseModel | str | Mapping[str, Any],
    x: Any = None,
    *,
    ax: Axes | None = None,
    cmap: str = "RdBu_r",
    colorbar: bool = True,
    title: str | None = None,
    seed: int = 0,
) -> Axes:
    r"""Draw one configuration of a lattice model (event shape ``(L1, L2)``) as an image.

    Site :math:`(i, j)` is the pixel in row :math:`i` and column :math:`j`, coloured by the field
    value on a diverging colour scale centred at 0 and symmetric (:math:`\pm \max |x|`), so the
    two signs of a :math:`\mathbb Z_2`-symmetric field (:math:`\phi^4` theory) show as the two
    colours and domains of either sign stand out.

    Args:
        model: the energy, or a name or spec dict for :func:`ebmcore.create`; its event shape
            must have two axes.
        x: the configuration to draw, of the model's event shape (or ``(1, *event_shape)``),
            from any sampler; default one exact sample (:meth:`~ebmcore.BaseModel.sample`
            with a generator seeded by ``seed``).
        ax: the axes to draw into; default a new figure from ``matplotlib.pyplot``.
        cmap: matplotlib colormap name (a diverging one).
        colorbar: add a colour bar.
        title: the title; default the energy's name and parameters (and "exact sample" where
            ``x`` was drawn here).
        seed: seed of the exact sample drawn where ``x`` is None.

    Returns:
        The axes drawn into.

    Raises:
        ImportError: matplotlib is not installed (``pip install 'ebmcore[plot]'``).
        InvalidParameterError: the event shape does not have two axes, ``x`` does not have it,
            or ``x`` is None and the model has no exact sampler (pass a configuration from an
            MCMC sampler then).

    Example:
        >>> import ebmcore, ebmcore.plot
        >>> from matplotlib.figure import Figure
        >>> ax = ebmcore.plot.configuration("free_field", ax=Figure().add_subplot())
        >>> ax.get_images()[0].get_array().shape
        (8, 8)
    """
    require_matplotlib()
    model = _model(model)
    name = type(model).__name__
    shape = model.event_shape
    if shape is None or len(shape) != 2:
        raise InvalidParameterError(
            "model", model, "a lattice model, with an event shape of two axes (L1, L2)", energy=name
        )
    source = ""
    if x is None:
        try:
            drawn = model.sample(1, generator=torch.Generator().manual_seed(seed))
        except NotImplementedError:
            raise InvalidParameterError(
                "x", x, "a configuration of shape (L1, L2): the model has no exact sampler", energy=name
            ) from None
        x = drawn[0]
        source = "\nexact sample"
    field = torch.as_tensor(x).detach().double().cpu()
    if field.ndim == 3 and len(field) == 1:
        field = field[0]
    if tuple(field.shape) != tuple(shape):
        raise InvalidParameterError(
            "x.shape",
            tuple(field.shape),
            f"the event shape {tuple(shape)} (or (1, *event_shape))",
            energy=name,
        )
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.figure(figsize=(4.6, 4.0), layout="constrained").add_subplot()
    values = field.numpy()
    finite = np.isfinite(values)
    top = float(np.abs(values[finite]).max()) if finite.any() else 1.0
    top = top if top > 0 else 1.0
    image = ax.imshow(
        np.ma.masked_invalid(values), cmap=cmap, vmin=-top, vmax=top, origin="upper", interpolation="nearest"
    )
    if colorbar:
        ax.get_figure().colorbar(image, ax=ax, label="field value $x_{i,j}$")  # type: ignore[union-attr]
    ax.set_xlabel("$j$")
    ax.set_ylabel("$i$")
    ax.set_title(_title(model) + source if title is None else title, fontsize=10)
    return ax


def save_configuration(
    model: BaseModel | str | Mapping[str, Any],
    path: str | os.PathLike[str] | IO[bytes],
    x: Any = None,
    *,
    figsize: tuple[float, float] = (4.6, 4.0),
    dpi: int = 150,
    format: str | None = None,
    **kwargs: Any,
) -> None:
    """Draw :func:`configuration` into a new figure and write it to ``path`` (PNG, PDF, SVG, ...),
    without pyplot, as :func:`save_landscape` does.

    Example:
        >>> import io, ebmcore.plot
        >>> buffer = io.BytesIO()
        >>> ebmcore.plot.save_configuration("free_field", buffer, dpi=40)
        >>> buffer.getvalue()[:4]
        b'\\x89PNG'
    """
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(figure)
    configuration(model, x, ax=figure.add_subplot(), **kwargs)
    if format is None and (not isinstance(path, (str, os.PathLike)) or not os.path.splitext(path)[1]):
        format = "png"
    figure.savefig(path, dpi=dpi, format=format)
