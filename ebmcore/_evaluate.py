r"""Judge a sampler's output against the target's own ground truth: :func:`evaluate`.

A researcher hands over samples (and, for MCMC, the chains they came in; for importance
sampling, the log weights) and gets back an :class:`EvaluationReport`: every metric the model's
ground truth allows, each beside the value a perfect sampler would give at the same sample size,
and the metrics it skipped with the reason.

- **moments**: per-coordinate mean and standard deviation against :attr:`BaseModel.mean` and
  :attr:`BaseModel.stddev`, as errors and as z-scores :math:`(\hat\theta - \theta) / \mathrm{se}`
  with Monte-Carlo standard errors: from the effective sample size of each coordinate for chains
  (Vehtari et al. 2021), Kish's :math:`(\sum w)^2 / \sum w^2` for weighted samples, else
  :math:`n`.
- **log Z**: with ``log_weights`` (:math:`\log w_i = -E(x_i) - \log q(x_i)`),
  :math:`\log \hat Z = \log \frac1n \sum_i w_i` with the delta-method standard error
  :math:`\sqrt{(\overline{w^2} / \bar w^2 - 1) / n}`, against :meth:`BaseModel.log_partition`.
- **modes**: which of :attr:`BaseModel.modes` the samples visit (by the model's ``mode_index``
  where it has one, else the nearest mode) and the total-variation distance between the visited
  masses and the modes' masses.
- **distances** against ``reference`` samples, or exact ones from :meth:`BaseModel.sample`:
  the energy distance (Székely & Rizzo 2013), the squared MMD with a Gaussian kernel and the
  median-heuristic bandwidth (Gretton et al. 2012), the sliced Wasserstein-1 distance (128
  random directions), the Wasserstein-1 distance between the energy histograms
  :math:`E(\text{samples})` and :math:`E(\text{reference})`, and, for particle systems (models
  with ``pair_distances``), between the interatomic-distance histograms (invariant under the
  declared symmetries).
- **mcmc** (with chains): rank-normalized split R-hat and bulk and tail effective sample sizes
  per coordinate (Vehtari, Gelman, Simpson, Carpenter & Bürkner 2021).

"Perfect" values: each distance is also computed for exact samples of the same size against
the same reference (drawn from the model's sampler, or, without one, one half of a split
``reference`` against the other), and the mode masses' total variation for multinomial draws of
the same size: a sampler is as good as exact when its value is within the spread of these.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import torch
from torch import Tensor

from . import _distances, _mcmc
from ._errors import ConformanceError, InvalidInputError, InvalidParameterError, shown
from ._model import BaseModel
from ._registry import create

__all__ = [
    "METRICS",
    "Distance",
    "Estimate",
    "EvaluationReport",
    "MCMCDiagnostics",
    "ModeCoverage",
    "evaluate",
]

METRICS = ("moments", "log_partition", "modes", "distances", "mcmc")
_MAX_COUNTED_MODES = 2**63
"""Mode coverage needs each mode numbered (``mode_index``) in int64."""
"""The metric groups :func:`evaluate` knows, in report order."""

PAIRWISE_MAX = 5000
"""The most points per side in the pairwise distances (energy distance, MMD): larger sample sets
are subsampled at random (with the call's generator), and the report says so."""

PROJECTIONS = 128
"""Random directions of the sliced Wasserstein distance."""

MULTINOMIAL_DRAWS = 64
"""Multinomial draws averaged for the perfect total variation of the mode masses."""

RHAT_LIMIT, ESS_LIMIT = 1.01, 400.0
"""Vehtari et al. (2021)'s recommendations: R-hat below 1.01, bulk and tail ESS above 400."""


# -- the report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """An estimate of a known quantity: ``estimate`` with its Monte-Carlo ``standard_error``,
    against the exact ``truth``."""

    estimate: float
    standard_error: float
    truth: float

    @property
    def error(self) -> float:
        """``estimate - truth``."""
        return self.estimate - self.truth

    @property
    def z(self) -> float:
        """``error / standard_error``: about standard normal for a correct sampler."""
        if self.standard_error > 0:
            return self.error / self.standard_error
        return 0.0 if self.error == 0 else math.copysign(math.inf, self.error)


@dataclass(frozen=True)
class Distance:
    """A distance between the samples and the reference, beside the value that exact samples of
    the same size give against the same reference (``perfect``)."""

    value: float
    perfect: float
    description: str


@dataclass(frozen=True)
class ModeCoverage:
    """Which modes the samples visit, and how their masses compare with the modes' masses.

    Attributes:
        count: how many modes the model has; ``visited``: how many of them hold a sample (by
            ``mode_index``, which numbers every mode, listed or not; else among the listed ones).
        masses: the fraction of the samples (weighted where there are weights) in each listed
            mode (by ``mode_index``: in the basin of the listed point).
        truth: the modes' masses (:attr:`ebmcore.Modes.weights`).
        total_variation: ``½ Σ |masses - truth|`` (None where the listed modes are not all of them);
            ``perfect``: its mean for exact samples of the same size (multinomial draws).
        assignment: ``"mode_index"`` (the model's own basins) or ``"nearest"`` (nearest mode).
    """

    count: int
    visited: int
    masses: tuple[float, ...]
    truth: tuple[float, ...]
    total_variation: float | None
    perfect: float | None
    assignment: str

    @property
    def coverage(self) -> float:
        """``visited / count``."""
        return self.visited / self.count


@dataclass(frozen=True)
class MCMCDiagnostics:
    """Per coordinate: rank-normalized split R-hat, bulk ESS and tail ESS (Vehtari et al. 2021)."""

    rhat: tuple[float, ...]
    ess_bulk: tuple[float, ...]
    ess_tail: tuple[float, ...]

    @property
    def max_rhat(self) -> float:
        return _extreme(max, self.rhat)

    @property
    def min_ess_bulk(self) -> float:
        return _extreme(min, self.ess_bulk)

    @property
    def min_ess_tail(self) -> float:
        return _extreme(min, self.ess_tail)

    @property
    def converged(self) -> bool:
        """R-hat below 1.01 and bulk and tail ESS above 400 on every coordinate (the paper's advice)."""
        return self.max_rhat < RHAT_LIMIT and min(self.min_ess_bulk, self.min_ess_tail) > ESS_LIMIT


def _extreme(pick: Any, values: tuple[float, ...]) -> float:
    """``max``/``min`` of the finite values (NaN where there are none: constant coordinates)."""
    finite = [v for v in values if math.isfinite(v)]
    return float(pick(finite)) if finite else math.nan


@dataclass(frozen=True)
class EvaluationReport:
    """What :func:`evaluate` measured: a frozen record with :meth:`to_dict`, a readable ``str``
    and :meth:`plot`.

    Attributes:
        name: the model's registry name (or class name).
        samples: how many samples were judged (all chains together); ``chains``: how many
            chains (None for samples that are not chains); ``weighted``: whether log weights came.
        moments: ``{"mean": (Estimate, ...), "stddev": (...)}``, one per coordinate (flattened
            event), for what the model knows.
        log_partition: the estimate of log Z from the log weights, against the truth.
        modes: mode coverage and masses.
        distances: by name (``energy_distance``, ``mmd``, ``sliced_wasserstein``, ``energy_w1``,
            ``interatomic_w1``).
        reference: where the reference samples of the distances came from.
        mcmc: R-hat and ESS, for chains.
        skipped: metric -> why it was not computed.
    """

    name: str
    samples: int
    chains: int | None
    weighted: bool
    moments: Mapping[str, tuple[Estimate, ...]]
    log_partition: Estimate | None
    modes: ModeCoverage | None
    distances: Mapping[str, Distance]
    reference: str | None
    mcmc: MCMCDiagnostics | None
    skipped: Mapping[str, str]
    _figures: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """Everything measured, as plain Python: dicts, lists, numbers, strings and None (NaN
        and infinities stay floats: an R-hat of a constant coordinate is NaN)."""
        moments = {
            key: [{**_fields(e), "error": e.error, "z": e.z} for e in estimates]
            for key, estimates in self.moments.items()
        }
        return {
            "name": self.name,
            "samples": self.samples,
            "chains": self.chains,
            "weighted": self.weighted,
            "moments": moments,
            "log_partition": None
            if self.log_partition is None
            else {
                **_fields(self.log_partition),
                "error": self.log_partition.error,
                "z": self.log_partition.z,
            },
            "modes": None if self.modes is None else {**_fields(self.modes), "coverage": self.modes.coverage},
            "distances": {key: _fields(value) for key, value in self.distances.items()},
            "reference": self.reference,
            "mcmc": None
            if self.mcmc is None
            else {
                **_fields(self.mcmc),
                "max_rhat": self.mcmc.max_rhat,
                "min_ess_bulk": self.mcmc.min_ess_bulk,
                "min_ess_tail": self.mcmc.min_ess_tail,
                "converged": self.mcmc.converged,
            },
            "skipped": dict(self.skipped),
        }

    def to_json(self, **options: Any) -> str:
        """:meth:`to_dict` as strict JSON text, NaN and infinities written as null (``options``
        go to ``json.dumps``)."""
        return json.dumps(_finite_or_none(self.to_dict()), allow_nan=False, **options)

    def __str__(self) -> str:
        chains = f" in {self.chains} chains" if self.chains else ""
        weights = ", weighted" if self.weighted else ""
        lines = [f"evaluation of {self.samples} samples{chains}{weights} of {self.name}"]
        for key, estimates in self.moments.items():
            worst = max(estimates, key=lambda e: abs(e.z))
            index = estimates.index(worst)
            lines.append(
                f"  {key:<8} max |error| {max(abs(e.error) for e in estimates):.4g}, "
                f"max |z| {abs(worst.z):.3g} (coordinate {index}: {worst.estimate:.6g} "
                f"± {worst.standard_error:.3g}, truth {worst.truth:.6g})"
            )
        if self.log_partition is not None:
            e = self.log_partition
            lines.append(
                f"  log Z    {e.estimate:.6g} ± {e.standard_error:.3g}, truth {e.truth:.6g} (z {e.z:.3g})"
            )
        if self.modes is not None:
            m = self.modes
            tv = (
                ""
                if m.total_variation is None
                else f", mass TV {m.total_variation:.4g} (exact samples: {m.perfect:.4g})"
            )
            lines.append(f"  modes    {m.visited} of {m.count} visited (by {m.assignment}){tv}")
        if self.distances:
            lines.append(f"  distances to {self.reference}:")
            lines.append(f"    {'metric':<20} {'samples':>12} {'exact samples':>14}")
            for key, d in self.distances.items():
                lines.append(f"    {key:<20} {d.value:>12.4g} {d.perfect:>14.4g}")
        if self.mcmc is not None:
            c = self.mcmc
            verdict = "converged" if c.converged else "not converged"
            lines.append(
                f"  mcmc     max R-hat {c.max_rhat:.4f}, min bulk ESS {c.min_ess_bulk:.0f}, "
                f"min tail ESS {c.min_ess_tail:.0f} "
                f"({verdict} by R-hat < {RHAT_LIMIT}, ESS > {ESS_LIMIT:.0f})"
            )
        for key, reason in self.skipped.items():
            lines.append(f"  skipped {key}: {reason}")
        return "\n".join(lines)

    def plot(self, path: Any = None, *, coordinates: int = 4, dpi: int = 100) -> Any:
        """Draw the marginals of the first ``coordinates`` coordinates against the reference, the
        energy histograms and the mode masses; returns the matplotlib figure (saved to ``path``
        when given). Needs matplotlib (the ``plot`` extra)."""
        from .plot import require_matplotlib  # here: matplotlib is an optional extra

        require_matplotlib()
        import matplotlib.figure  # here: matplotlib is an optional extra

        data = self._figures
        samples: Any = data.get("samples")
        reference: Any = data.get("reference")
        panels: list[str] = []
        if samples is not None:
            panels += [f"x{i}" for i in range(min(coordinates, samples.shape[1]))]
        if "energies" in data:
            panels.append("energy")
        if self.modes is not None:
            panels.append("modes")
        figure = matplotlib.figure.Figure(figsize=(3.2 * max(len(panels), 1), 3.0), dpi=dpi)
        axes = figure.subplots(1, max(len(panels), 1), squeeze=False)[0]
        for ax, panel in zip(axes, panels, strict=False):  # one axis when there is no panel
            if panel.startswith("x"):
                i = int(panel[1:])
                bins = np.histogram_bin_edges(
                    np.concatenate([samples[:, i], [] if reference is None else reference[:, i]]), bins=50
                )
                ax.hist(samples[:, i], bins=bins, density=True, alpha=0.6, label="samples")
                if reference is not None:
                    ax.hist(reference[:, i], bins=bins, density=True, histtype="step", label="reference")
                ax.set_title(f"coordinate {i}")
            elif panel == "energy":
                energies, reference_energies = data["energies"], data.get("reference_energies")
                finite = energies[np.isfinite(energies)]
                pool = finite if reference_energies is None else np.concatenate([finite, reference_energies])
                bins = np.histogram_bin_edges(pool, bins=50)
                ax.hist(finite, bins=bins, density=True, alpha=0.6, label="samples")
                if reference_energies is not None:
                    ax.hist(reference_energies, bins=bins, density=True, histtype="step", label="reference")
                ax.set_title("energy")
            else:
                assert self.modes is not None
                positions = np.arange(len(self.modes.truth))
                ax.bar(positions - 0.2, self.modes.masses, width=0.4, label="samples")
                ax.bar(positions + 0.2, self.modes.truth, width=0.4, label="truth")
                ax.set_title(f"mode masses ({self.modes.visited}/{self.modes.count} visited)")
            ax.legend(fontsize="small")
        figure.suptitle(f"{self.name}: {self.samples} samples")
        figure.tight_layout()
        if path is not None:
            figure.savefig(path)
        return figure


def _finite_or_none(value: Any) -> Any:
    """``value`` with every non-finite float replaced by None, through dicts and lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite_or_none(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite_or_none(item) for item in value]
    return value


def _fields(record: Any) -> dict[str, Any]:
    """The public dataclass fields of ``record``, tuples as lists."""
    return {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in vars(record).items()
        if not key.startswith("_")
    }


# -- evaluate --------------------------------------------------------------------------------


def evaluate(
    model: BaseModel | str | Mapping[str, Any],
    samples: Any,
    *,
    log_weights: Any = None,
    chains: bool | None = None,
    reference: Any = None,
    metrics: str | Iterable[str] = "auto",
    generator: torch.Generator | None = None,
) -> EvaluationReport:
    r"""Judge ``samples`` of ``model`` against its ground truth; see the module docstring.

    Args:
        model: a model, or a name or spec for :func:`ebmcore.create`.
        samples: ``(n, *event_shape)``, or ``(chains, n, *event_shape)`` for MCMC output (a
            tensor or a numpy array; finite).
        log_weights: ``(n,)`` (or ``(chains, n)``) log importance weights
            :math:`-E(x_i) - \log q(x_i)` of weighted samples; the moments and mode masses are
            then weighted, log Z is estimated, and the distances use a weighted resample.
        chains: whether ``samples`` has a leading chains axis; None: inferred from its shape.
        reference: ``(m, *event_shape)`` samples to measure the distances against (default:
            exact samples from :meth:`BaseModel.sample` where the model has a sampler, else the
            model's own ``reference_samples()`` where it has them, such as certified MCMC draws).
        metrics: ``"auto"`` (every metric the ground truth allows) or some of :data:`METRICS`;
            a metric asked for by name that the model cannot give is an error.
        generator: the random numbers (reference draws, subsampling, projections); default a
            generator seeded with 0, so that a report is reproducible.

    Raises:
        InvalidInputError: samples, weights or reference of the wrong shape, type or values.
        InvalidParameterError: an unknown metric, or one asked for that the model cannot give.

    Example:
        >>> import torch, ebmcore
        >>> model = ebmcore.create("gaussian", dim=2)
        >>> report = ebmcore.evaluate(model, model.sample(2000, generator=torch.Generator().manual_seed(1)))
        >>> sorted(report.distances)
        ['energy_distance', 'energy_w1', 'mmd', 'sliced_wasserstein']
        >>> all(abs(e.z) < 5 for e in report.moments["mean"])
        True
    """
    model = model if isinstance(model, BaseModel) else create(model)
    name = model.registry_name or type(model).__name__
    wanted = _wanted(metrics)
    generator = generator if generator is not None else torch.Generator().manual_seed(0)
    draws, n_chains = _draws(model, samples, chains)
    flat = draws.reshape(-1, *draws.shape[2:])  # (N, *event_shape)
    weights = _log_weights(log_weights, draws.shape[:2])
    skipped: dict[str, str] = {}
    figures: dict[str, Any] = {}

    def skip(metric: str, reason: str) -> None:
        if metrics != "auto":
            raise InvalidParameterError("metrics", metric, f"a metric {name} can give here ({reason})")
        skipped[metric] = reason

    moments: dict[str, tuple[Estimate, ...]] = {}
    if "moments" in wanted:
        moments = _moments(model, draws, n_chains, weights)
        if not moments:
            skip("moments", "the model declares neither mean nor stddev")

    log_z = None
    if "log_partition" in wanted:
        truth = model.log_partition()
        if weights is None:
            skip("log_partition", "no log_weights were given")
        elif truth is None:
            skip("log_partition", "log Z of the model is not known")
        else:
            log_z = _log_partition(weights.reshape(-1), float(truth))

    modes = None
    if "modes" in wanted:
        known = model.modes
        if known is None:
            skip("modes", "the model declares no modes")
        elif known.count > _MAX_COUNTED_MODES:
            skip("modes", f"about 2^{known.count.bit_length() - 1} modes: more than int64 can number")
        else:
            modes = _modes(model, flat, known, weights, generator)

    distances: dict[str, Distance] = {}
    source = None
    if "distances" in wanted:
        resampled = flat if weights is None else _resample(flat, weights.reshape(-1), generator)
        pair = _reference_pair(model, resampled, reference, generator)
        if isinstance(pair, str):
            skip("distances", pair)
        else:
            exact, against, source = pair
            distances = _distances_to(model, resampled, exact, against, generator, figures)

    mcmc = None
    if "mcmc" in wanted:
        if n_chains is None:
            skip("mcmc", "the samples are not chains (pass (chains, n, *event_shape) samples)")
        else:
            mcmc = _diagnostics(draws)

    return EvaluationReport(
        name=name,
        samples=len(flat),
        chains=n_chains,
        weighted=weights is not None,
        moments=MappingProxyType(moments),
        log_partition=log_z,
        modes=modes,
        distances=MappingProxyType(distances),
        reference=source,
        mcmc=mcmc,
        skipped=MappingProxyType(skipped),
        _figures=MappingProxyType(figures),
    )


# -- inputs ----------------------------------------------------------------------------------


def _wanted(metrics: str | Iterable[str]) -> tuple[str, ...]:
    if isinstance(metrics, str):
        if metrics == "auto":
            return METRICS
        metrics = (metrics,)
    try:
        names = tuple(metrics)
    except TypeError:
        raise InvalidParameterError("metrics", metrics, f'"auto" or some of {", ".join(METRICS)}') from None
    unknown = [m for m in names if m not in METRICS]
    if unknown or not names:
        raise InvalidParameterError("metrics", metrics, f'"auto" or some of {", ".join(METRICS)}')
    return tuple(m for m in METRICS if m in names)


def _tensor(parameter: str, value: Any) -> Tensor:
    if isinstance(value, np.ndarray):
        value = torch.from_numpy(value)
    if not isinstance(value, Tensor):
        raise InvalidInputError(
            f"evaluate(): {parameter} must be a tensor or a numpy array, got {shown(value)}"
        )
    if not value.is_floating_point():
        raise InvalidInputError(f"evaluate(): {parameter} must be floating point, got dtype {value.dtype}")
    return value.detach()


def _check_finite(parameter: str, x: Tensor) -> None:
    bad = int((~torch.isfinite(x)).sum())
    if bad:
        raise InvalidInputError(f"evaluate(): {parameter} must be finite, got {bad} NaN or infinite values")


def _event_shape(model: BaseModel, x: Tensor) -> tuple[int, ...]:
    return tuple(model.event_shape) if model.event_shape is not None else (x.shape[-1],)


def _draws(model: BaseModel, samples: Any, chains: bool | None) -> tuple[Tensor, int | None]:
    """``samples`` as ``(chains, n, *event_shape)`` (one chain for plain samples), in the model's
    dtype and on its device, and the number of chains (None for plain samples)."""
    x = _tensor("samples", samples)
    event = _event_shape(model, x)
    batch = x.ndim - len(event)
    allowed = f"(n, {', '.join(map(str, event))}) or (chains, n, {', '.join(map(str, event))})"
    if tuple(x.shape[batch:]) != event or batch not in (1, 2):
        raise InvalidInputError(f"evaluate(): samples must have shape {allowed}, got {tuple(x.shape)}")
    if chains is not None and chains != (batch == 2):
        what = "a leading chains axis" if chains else "no chains axis"
        raise InvalidInputError(
            f"evaluate(): chains={chains} asks for {what}, but samples of shape {tuple(x.shape)} "
            f"{'have none' if chains else 'have one'}; samples must have shape {allowed}"
        )
    draws = x if batch == 2 else x.unsqueeze(0)
    least = 4 if batch == 2 else 2
    if draws.shape[1] < least:
        raise InvalidInputError(
            f"evaluate(): samples must hold at least {least} draws{' per chain' if batch == 2 else ''}, "
            f"got shape {tuple(x.shape)}"
        )
    _check_finite("samples", draws)
    return draws.to(device=model.device, dtype=model.dtype), (draws.shape[0] if batch == 2 else None)


def _log_weights(log_weights: Any, shape: torch.Size) -> Tensor | None:
    """``(chains, n)`` float64 log weights, or None."""
    if log_weights is None:
        return None
    w = _tensor("log_weights", log_weights).to(torch.float64).cpu()
    expected = tuple(shape) if shape[0] > 1 else (shape[1],)
    if tuple(w.shape) != expected:
        raise InvalidInputError(
            f"evaluate(): log_weights must have shape {expected} (one per sample), got {tuple(w.shape)}"
        )
    bad = int((torch.isnan(w) | (w == math.inf)).sum())
    if bad:
        raise InvalidInputError(
            f"evaluate(): log_weights must be finite or -inf (weight 0), got {bad} NaN or +inf values"
        )
    if not torch.isfinite(w).any():
        raise InvalidInputError("evaluate(): log_weights must not all be -inf (every weight 0)")
    return w.reshape(shape)


# -- the metrics -----------------------------------------------------------------------------


def _moments(
    model: BaseModel, draws: Tensor, n_chains: int | None, weights: Tensor | None
) -> dict[str, tuple[Estimate, ...]]:
    known = {"mean": model.mean, "stddev": model.stddev}
    if all(v is None for v in known.values()):
        return {}
    x = draws.reshape(draws.shape[0], draws.shape[1], -1).double().cpu()  # (chains, n, k)
    if weights is not None:
        w = torch.softmax(weights.reshape(-1), 0)
        flat = x.reshape(-1, x.shape[-1])
        mean = w @ flat
        centred = flat - mean
        var = w @ centred.square()
        fourth = w @ centred.pow(4)
        n_eff = float(1.0 / w.square().sum())
        mean_se = (var / n_eff).sqrt()
        sd_se = _sd_error(var, fourth, n_eff)
    else:
        flat = x.reshape(-1, x.shape[-1])
        mean = flat.mean(0)
        centred = flat - mean
        var = centred.square().mean(0)
        if n_chains is None:
            n = len(flat)
            mean_se = (var / n).sqrt()
            sd_se = _sd_error(var, centred.pow(4).mean(0), float(n))
        else:
            mean_se = torch.as_tensor(np.atleast_1d(_mcmc.mcse_mean(x.numpy())))
            sd_se = torch.as_tensor(np.atleast_1d(_mcmc.mcse_sd(x.numpy())))
    estimates = {"mean": mean, "stddev": var.sqrt()}
    errors = {"mean": mean_se, "stddev": sd_se}
    out: dict[str, tuple[Estimate, ...]] = {}
    for key, truth in known.items():
        if truth is not None:
            exact = truth.reshape(-1).double().cpu()
            out[key] = tuple(
                Estimate(float(e), float(s), float(t))
                for e, s, t in zip(estimates[key].tolist(), errors[key].tolist(), exact.tolist(), strict=True)
            )
    return out


def _sd_error(var: Tensor, fourth: Tensor, n: float) -> Tensor:
    """Standard error of the standard deviation from ``n`` independent draws (delta method):
    :math:`\\sqrt{(m_4 - s^4) / (4 s^2 n)}`."""
    return ((fourth - var.square()).clamp(min=0) / (4 * var * n)).sqrt().nan_to_num(0.0)


def _log_partition(log_weights: Tensor, truth: float) -> Estimate:
    n = len(log_weights)
    estimate = float(torch.logsumexp(log_weights, 0)) - math.log(n)
    w = (log_weights - log_weights.max()).exp()
    ratio = float(w.square().mean() / w.mean().square())
    return Estimate(estimate, math.sqrt(max(ratio - 1.0, 0.0) / n), truth)


def _modes(
    model: BaseModel, flat: Tensor, known: Any, weights: Tensor | None, generator: torch.Generator
) -> ModeCoverage:
    points = known.points
    k = len(points)
    n = len(flat)
    uniform = torch.full((n,), 1.0 / n, dtype=torch.float64)
    w = torch.softmax(weights.reshape(-1), 0) if weights is not None else uniform
    basins = _basin_ids(model, flat, points)
    if basins is None:
        assignment = "nearest"
        index = _nearest(flat.reshape(len(flat), -1).double().cpu(), points.reshape(k, -1).double())
        visited = len(torch.unique(index[w > 0]))
    else:
        assignment = "mode_index"
        ids, listed = basins
        visited = len(torch.unique(ids[(ids >= 0) & (ids < known.count) & (w > 0)]))
        index = _position(ids, listed)
    inside = (index >= 0) & (index < k)
    masses = torch.zeros(k, dtype=torch.float64).index_add_(0, index[inside], w[inside].double())
    truth = known.weights.double()
    complete = known.count == k and abs(float(truth.sum()) - 1.0) < 1e-6
    tv = perfect = None
    if complete:
        tv = _distances.total_variation(masses / masses.sum().clamp(min=1e-300), truth)
        if weights is not None:  # the exact samples' size: the weighted samples' Kish ESS
            n = max(round(float(1.0 / w.square().sum())), 1)
        seed = int(torch.randint(0, 2**62, (), generator=generator))
        counts = np.random.default_rng(seed).multinomial(n, truth.numpy(), size=MULTINOMIAL_DRAWS)
        hist = torch.from_numpy(counts).double()
        perfect = float((hist / n - truth).abs().sum(1).mean() / 2)
    return ModeCoverage(
        count=known.count,
        visited=visited,
        masses=tuple(masses.tolist()),
        truth=tuple(truth.tolist()),
        total_variation=tv,
        perfect=perfect,
        assignment=assignment,
    )


def _basin_ids(model: BaseModel, flat: Tensor, points: Tensor) -> tuple[Tensor, Tensor] | None:
    """The model's own basin of each sample and of each listed mode (``mode_index``, which
    numbers all of the modes, listed or not), or None where the model has none."""
    mode_index = getattr(model, "mode_index", None)
    if not callable(mode_index):
        return None
    try:
        ids = mode_index(flat).long().cpu()
    except NotImplementedError:
        return None
    listed = mode_index(points.to(device=flat.device, dtype=flat.dtype)).long().cpu()
    if len(torch.unique(listed)) != len(listed):
        raise ConformanceError(
            f"evaluate(): {type(model).__name__}.mode_index puts two of its listed modes in one "
            f"basin: {listed.tolist()}"
        )
    return ids, listed


def _position(ids: Tensor, listed: Tensor) -> Tensor:
    """Where each basin id stands among the ``listed`` ids; -1 for a basin not listed."""
    order = torch.argsort(listed)
    sorted_ids = listed[order]
    at = torch.searchsorted(sorted_ids, ids).clamp_max(len(listed) - 1)
    return torch.where(sorted_ids[at] == ids, order[at], torch.full_like(ids, -1))


def _nearest(x: Tensor, points: Tensor, chunk: int = 4096) -> Tensor:
    return torch.cat([torch.cdist(x[i : i + chunk], points).argmin(1) for i in range(0, len(x), chunk)])


def _resample(flat: Tensor, log_weights: Tensor, generator: torch.Generator) -> Tensor:
    """Multinomial resample of the weighted samples (as many as there are samples)."""
    picks = torch.multinomial(torch.softmax(log_weights, 0), len(flat), replacement=True, generator=generator)
    return flat[picks.to(flat.device)]


def _reference_pair(
    model: BaseModel, samples: Tensor, reference: Any, generator: torch.Generator
) -> tuple[Tensor, Tensor, str] | str:
    """(exact samples of the samples' size, the reference they and the samples are measured
    against, where these came from), or why there are none."""
    n = min(len(samples), PAIRWISE_MAX)
    has_sampler = "sample" in model.declared_ground_truth()
    source = "the given reference"
    stored = getattr(model, "reference_samples", None)
    if reference is None and not has_sampler and callable(stored):
        reference, source = stored(), "the model's reference samples"
    if reference is not None:
        ref = _tensor("reference", reference)
        event = _event_shape(model, ref)
        if ref.ndim != len(event) + 1 or tuple(ref.shape[1:]) != event:
            raise InvalidInputError(
                f"evaluate(): reference must have shape (m, {', '.join(map(str, event))}), "
                f"got {tuple(ref.shape)}"
            )
        _check_finite("reference", ref)
        ref = ref.to(device=model.device, dtype=model.dtype)
        if has_sampler:
            return _sample(model, n, generator), ref, f"{source} ({len(ref)} samples)"
        if len(ref) < 8:
            raise InvalidInputError(f"evaluate(): reference must hold at least 8 samples, got {len(ref)}")
        half = min(len(ref) // 2, n)
        order = torch.randperm(len(ref), generator=generator).to(ref.device)
        return (
            ref[order[:half]],
            ref[order[half:]],
            f"half of {source} ({len(ref) - half} samples; exact samples: the other {half})",
        )
    if not has_sampler:
        return "the model has no exact sampler and no reference samples were given"
    m = max(n, 1000)
    return (
        _sample(model, n, generator),
        _sample(model, m, generator),
        f"{m} exact samples (model.sample)",
    )


def _sample(model: BaseModel, n: int, generator: torch.Generator) -> Tensor:
    seed = int(torch.randint(0, 2**62, (), generator=generator))
    device_generator = torch.Generator(device=model.device).manual_seed(seed)
    return model.sample(n, generator=device_generator)


def _subsample(x: Tensor, generator: torch.Generator) -> Tensor:
    if len(x) <= PAIRWISE_MAX:
        return x
    return x[torch.randperm(len(x), generator=generator)[:PAIRWISE_MAX].to(x.device)]


def _distances_to(
    model: BaseModel,
    samples: Tensor,
    exact: Tensor,
    reference: Tensor,
    generator: torch.Generator,
    figures: dict[str, Any],
) -> dict[str, Distance]:
    rows = [
        _subsample(t, generator).reshape(-1 if len(t) else 0, math.prod(t.shape[1:])).double()
        for t in (samples, exact, reference)
    ]
    x, e, r = rows
    bandwidth = _distances.median_bandwidth(x, r)
    seed = int(torch.randint(0, 2**62, (), generator=generator))
    subsampled = " (each side subsampled to 5000)" if len(samples) > PAIRWISE_MAX else ""

    def sliced(a: Tensor) -> float:  # the same directions for the samples and the exact ones
        return _distances.sliced_wasserstein(a, r, PROJECTIONS, torch.Generator().manual_seed(seed))

    out = {
        "energy_distance": Distance(
            _distances.energy_distance(x, r),
            _distances.energy_distance(e, r),
            "energy distance, sqrt(2E|X-Y| - E|X-X'| - E|Y-Y'|)" + subsampled,
        ),
        "mmd": Distance(
            _distances.mmd(x, r, bandwidth),
            _distances.mmd(e, r, bandwidth),
            f"squared MMD, unbiased, Gaussian kernel, median-heuristic bandwidth {bandwidth:.4g}"
            + subsampled,
        ),
        "sliced_wasserstein": Distance(
            sliced(x), sliced(e), f"sliced Wasserstein-1 over {PROJECTIONS} random directions" + subsampled
        ),
    }
    with torch.no_grad():
        energies = [model(t).double().cpu() for t in (samples, exact, reference)]
    finite = [bool(torch.isfinite(t).all()) for t in energies]
    out["energy_w1"] = Distance(
        _distances.wasserstein_1d(energies[0], energies[2]) if all(finite[::2]) else math.inf,
        _distances.wasserstein_1d(energies[1], energies[2]) if all(finite[1:]) else math.inf,
        "Wasserstein-1 between the energy histograms E(samples) and E(reference)",
    )
    if callable(getattr(model, "pair_distances", None)):
        with torch.no_grad():
            pairs = [model.pair_distances(t).reshape(-1).double().cpu() for t in (samples, exact, reference)]  # type: ignore[operator]
        out["interatomic_w1"] = Distance(
            _distances.wasserstein_1d(pairs[0], pairs[2]),
            _distances.wasserstein_1d(pairs[1], pairs[2]),
            "Wasserstein-1 between the interatomic-distance histograms (invariant under "
            + ", ".join(getattr(model, "symmetries", ()) or ("the declared symmetries",))
            + ")",
        )
    figures.update(
        samples=x.cpu().numpy(),
        reference=r.cpu().numpy(),
        energies=energies[0].numpy(),
        reference_energies=energies[2].numpy() if finite[2] else None,
    )
    return out


def _diagnostics(draws: Tensor) -> MCMCDiagnostics:
    x = draws.reshape(draws.shape[0], draws.shape[1], -1).double().cpu().numpy()
    return MCMCDiagnostics(
        rhat=tuple(np.atleast_1d(_mcmc.rhat(x)).tolist()),
        ess_bulk=tuple(np.atleast_1d(_mcmc.ess_bulk(x)).tolist()),
        ess_tail=tuple(np.atleast_1d(_mcmc.ess_tail(x)).tolist()),
    )
