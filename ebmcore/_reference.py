r"""Certified reference draws: made by long HMC runs, certified as posteriordb certifies its
reference posteriors, shipped inside a plugin's package and read back by its models.

Where an energy has no exact sampler (a Bayesian posterior, a particle system), its ground truth
is a *reference*: many draws of a long, well-mixed MCMC run, with the diagnostics that certify
it. This module holds the three pieces a plugin needs:

* **making one** (:func:`hmc`, :func:`summarize`, :func:`certify`, :func:`thin`,
  :func:`save_reference`): batched Hamiltonian Monte Carlo in float64 with Stan's warm-up
  (dual-averaged step size, diagonal or scalar mass matrix from doubling windows), jittered
  integration time and divergence detection; then split R-hat, bulk and tail ESS
  (:mod:`ebmcore._mcmc`, as Stan and ArviZ compute them) on statistics of the draws chosen by the
  caller (the coordinates, or invariants such as the energy and interatomic distances);
* **storing it** (``<package>/references/<name>.npz``): the thinned draws, their per-statistic
  moments and Monte-Carlo errors where they are meaningful, and a JSON ``meta`` record saying
  how they were made (sampler, settings, seed, versions) and the diagnostics that certified them;
* **reading it** (:func:`load_reference`, and :class:`CertifiedReference`, the mixin that gives a
  model ``reference_samples()``, ``reference_info`` and ``reference_errors``).

Certification (Magnusson et al., posteriordb): several chains from dispersed starts, every
certified statistic with rank-normalized split R-hat below 1.01 and bulk and tail ESS of at
least 400 on the kept draws, and no divergent transition after warm-up.

References:
    M. Magnusson et al., "posteriordb: Testing, Benchmarking and Developing Bayesian Inference
    Algorithms" (2024), https://github.com/stan-dev/posteriordb.

    M. D. Hoffman, A. Gelman, "The No-U-Turn Sampler", JMLR 15 (2014) (dual averaging).

    Stan Reference Manual, "MCMC Sampling": the warm-up windows and divergences.
"""

from __future__ import annotations

import functools
import io
import json
import math
import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor

from . import _mcmc
from ._errors import InvalidInputError, InvalidParameterError
from ._version import __version__

__all__ = [
    "RHAT_MAX",
    "ESS_MIN",
    "CertifiedReference",
    "HMCSettings",
    "ReferenceDraws",
    "certify",
    "describe",
    "hmc",
    "load_reference",
    "save_reference",
    "CertifiedPosterior",
    "jsonable",
    "provenance",
    "run_record",
    "summarize",
    "table",
    "thin",
]

RHAT_MAX = 1.01
"""Every certified statistic's rank-normalized split R-hat must be below this."""
ESS_MIN = 400.0
"""... and its bulk and tail ESS at least this (on the kept draws)."""
DIVERGENCE = 1000.0
"""A Hamiltonian error above this (or a non-finite energy) along a trajectory is a divergence."""

_MOMENTS = ("mean", "sd", "mean_se", "sd_se")


# -- making one ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HMCSettings:
    """Settings of :func:`hmc`.

    Attributes:
        chains: chains, advanced together as one batch.
        warmup: warm-up iterations per chain (Stan's windows: 75 of step size, doubling mass
            windows from 25, a last 50 of step size).
        draws: iterations kept per chain (before :func:`thin`).
        target_accept: the acceptance rate the step size is adapted to.
        path_length: integration time, jittered uniformly in [0.5, 1.5] x this at every
            iteration, in the whitened coordinates of the mass matrix.
        max_steps: most leapfrog steps per trajectory.
        initial_step: the first step size.
        mass: ``"diagonal"`` (a variance per coordinate) or ``"scalar"`` (one for all, which
            keeps motion on a linear subspace, such as zero centre of mass, on it).
        seed: the seed of every random number the run draws.
    """

    chains: int = 16
    warmup: int = 1000
    draws: int = 5000
    target_accept: float = 0.9
    path_length: float = 2.0
    max_steps: int = 256
    initial_step: float = 0.1
    mass: str = "diagonal"
    seed: int = 20261206

    def __post_init__(self) -> None:
        if self.mass not in ("diagonal", "scalar"):
            raise InvalidParameterError("mass", self.mass, "'diagonal' or 'scalar'", energy="HMCSettings")
        for name in ("chains", "draws", "max_steps"):
            if getattr(self, name) < 1:
                raise InvalidParameterError(
                    name, getattr(self, name), "an integer >= 1", energy="HMCSettings"
                )


def _windows(warmup: int) -> list[int]:
    """Iterations at which a mass-matrix window ends (Stan's 75 / 25, 50, ... / 50 buffers)."""
    init, term, base = 75, 50, 25
    if warmup < 20:
        return []
    if init + term + base > warmup:
        init, term, base = int(0.15 * warmup), int(0.1 * warmup), int(0.75 * warmup)
    ends, start, size = [], init, base
    last = warmup - term
    while start < last:
        end = start + size
        if end + 2 * size > last:  # the next window would not fit: this one runs to the buffer
            end = last
        ends.append(end)
        start, size = end, 2 * size
    return ends


@dataclass
class _DualAveraging:
    """Nesterov dual averaging of the log step size (Hoffman and Gelman 2014, section 3.2.1)."""

    target: float
    mu: Tensor
    h: Tensor = field(init=False)
    average: Tensor = field(init=False)
    t: int = 0

    def __post_init__(self) -> None:
        self.h = torch.zeros_like(self.mu)
        self.average = torch.zeros_like(self.mu)

    @classmethod
    def restart(cls, target: float, log_step: Tensor) -> _DualAveraging:
        return cls(target, math.log(10.0) + log_step)

    def update(self, accept: Tensor) -> Tensor:
        """The next log step size after acceptance rates ``accept``."""
        self.t += 1
        eta = 1.0 / (self.t + 10.0)
        self.h = (1.0 - eta) * self.h + eta * (self.target - accept)
        log_step = self.mu - math.sqrt(self.t) / 0.05 * self.h
        weight = self.t ** (-0.75)
        self.average = weight * log_step + (1.0 - weight) * self.average
        return log_step


def hmc(
    energy_and_gradient: Callable[[Tensor], tuple[Tensor, Tensor]],
    init: Tensor,
    settings: HMCSettings,
    project: Callable[[Tensor], Tensor] | None = None,
) -> dict[str, Any]:
    """Run ``settings.chains`` HMC chains from ``init`` (``(chains, dim)`` float64).

    Args:
        energy_and_gradient: batched ``x -> (E(x), grad E(x))`` (a model's
            ``energy_and_gradient``).
        init: one dispersed starting point per chain, each of finite energy.
        settings: :class:`HMCSettings`.
        project: applied to every fresh momentum (for example removing its centre of mass, so
            that a particle system moves on the subspace of zero centre of mass; use it with
            ``mass="scalar"``). None: momenta are left as drawn.

    Returns:
        ``draws`` ``(chains, draws, dim)``, ``divergences`` and ``warmup_divergences`` per chain,
        the final ``step_size`` and ``inv_mass`` per chain, ``mean_accept``, and
        ``leapfrog_steps`` (the gradient evaluations of the whole run).

    Raises:
        InvalidInputError: ``init`` is not ``(settings.chains, dim)`` or a start's energy is not
            finite.
    """
    gen = torch.Generator().manual_seed(settings.seed)
    c = settings.chains
    dt = torch.float64
    x = init.to(dt).clone()
    if x.ndim != 2 or len(x) != c:
        raise InvalidInputError(f"hmc(): init must have shape ({c}, dim), got {tuple(init.shape)}")
    d = x.shape[1]
    energy, grad = energy_and_gradient(x)
    if not torch.isfinite(energy).all():
        raise InvalidInputError("hmc(): init must have a finite energy at every start")
    inv_mass = torch.ones(c, d, dtype=dt)
    log_eps = torch.full((c,), math.log(settings.initial_step), dtype=dt)
    averaging = _DualAveraging.restart(settings.target_accept, log_eps)
    ends = _windows(settings.warmup)
    window_start = 75 if ends else settings.warmup
    w_n, w_mean, w_m2 = 0, torch.zeros(c, d, dtype=dt), torch.zeros(c, d, dtype=dt)
    out = torch.empty(c, settings.draws, d, dtype=dt)
    divergent = torch.zeros(c, dtype=torch.long)
    warmup_divergent = torch.zeros(c, dtype=torch.long)
    accept_sum = torch.zeros(c, dtype=dt)
    steps_total = 0
    for it in range(settings.warmup + settings.draws):
        eps = log_eps.exp().unsqueeze(-1)
        duration = settings.path_length * (0.5 + float(torch.rand((), generator=gen, dtype=dt)))
        n_steps = torch.clamp(torch.ceil(duration / eps[:, 0]), 1, settings.max_steps).long()
        p = torch.randn(c, d, generator=gen, dtype=dt) / inv_mass.sqrt()
        if project is not None:
            p = project(p)
        h0 = energy + 0.5 * (p * p * inv_mass).sum(-1)
        xn, pn, en, gn = x, p, energy, grad
        alive = torch.ones(c, dtype=torch.bool)
        bad = torch.zeros(c, dtype=torch.bool)
        for k in range(int(n_steps.max())):
            move = alive & (k < n_steps)
            p_half = pn - 0.5 * eps * gn
            x_new = xn + eps * inv_mass * p_half
            e_new, g_new = energy_and_gradient(x_new)
            p_new = p_half - 0.5 * eps * g_new
            h_new = e_new + 0.5 * (p_new * p_new * inv_mass).sum(-1)
            diverged = move & (~torch.isfinite(h_new) | ((h_new - h0) > DIVERGENCE))
            bad |= diverged
            ok = move & ~diverged
            keep = ok.unsqueeze(-1)
            xn = torch.where(keep, x_new, xn)
            pn = torch.where(keep, p_new, pn)
            en = torch.where(ok, e_new, en)
            gn = torch.where(keep, g_new, gn)
            alive &= ~diverged
            steps_total += int(move.sum())
        h1 = en + 0.5 * (pn * pn * inv_mass).sum(-1)
        log_a = torch.clamp(h0 - h1, max=0.0)
        accept = torch.where(bad | ~torch.isfinite(log_a), torch.zeros_like(log_a), log_a.exp())
        take = torch.rand(c, generator=gen, dtype=dt) < accept
        x = torch.where(take.unsqueeze(-1), xn, x)
        energy = torch.where(take, en, energy)
        grad = torch.where(take.unsqueeze(-1), gn, grad)
        if it < settings.warmup:
            warmup_divergent += bad.long()
            log_eps = averaging.update(accept)
            if ends and window_start <= it < ends[-1]:  # Welford's variance over the window
                w_n += 1
                delta = x - w_mean
                w_mean = w_mean + delta / w_n
                w_m2 = w_m2 + delta * (x - w_mean)
                if it + 1 in ends:
                    var = w_m2 / max(w_n - 1, 1)
                    if settings.mass == "scalar":
                        var = var.mean(-1, keepdim=True).expand(c, d)
                    inv_mass = (w_n / (w_n + 5.0)) * var + 1e-3 * (5.0 / (w_n + 5.0))
                    w_n, w_mean, w_m2 = 0, torch.zeros(c, d, dtype=dt), torch.zeros(c, d, dtype=dt)
                    averaging = _DualAveraging.restart(settings.target_accept, log_eps)
            if it + 1 == settings.warmup:
                log_eps = averaging.average.clone()
        else:
            out[:, it - settings.warmup] = x
            divergent += bad.long()
            accept_sum += accept
    return {
        "draws": out,
        "divergences": divergent.tolist(),
        "warmup_divergences": warmup_divergent.tolist(),
        "step_size": log_eps.exp().tolist(),
        "inv_mass": inv_mass.tolist(),
        "mean_accept": (accept_sum / settings.draws).tolist(),
        "leapfrog_steps": steps_total,
    }


def thin(draws: np.ndarray, keep: int) -> tuple[np.ndarray, int]:
    """Every ``step``-th of the last draws of each chain, ``keep`` in all: ``(chains, keep //
    chains, ...)`` and ``step``."""
    chains, n = draws.shape[:2]
    per_chain = keep // chains
    if per_chain < 1 or per_chain > n:
        raise InvalidParameterError("keep", keep, f"between {chains} and {chains * n}", energy="thin()")
    step = n // per_chain
    return draws[:, n - per_chain * step :: step][:, :per_chain], step


def summarize(statistics: np.ndarray) -> dict[str, np.ndarray]:
    """Diagnostics and moments of ``(chains, n, k)`` statistics of draws, one value per column:
    ``rhat``, ``ess_bulk``, ``ess_tail``, ``mean``, ``sd``, ``mean_se``, ``sd_se``."""
    flat = statistics.reshape(-1, statistics.shape[-1])
    return {
        "rhat": np.atleast_1d(_mcmc.rhat(statistics)),
        "ess_bulk": np.atleast_1d(_mcmc.ess_bulk(statistics)),
        "ess_tail": np.atleast_1d(_mcmc.ess_tail(statistics)),
        "mean": flat.mean(0),
        "sd": flat.std(0, ddof=1),
        "mean_se": np.atleast_1d(_mcmc.mcse_mean(statistics)),
        "sd_se": np.atleast_1d(_mcmc.mcse_sd(statistics)),
    }


def certify(stats: dict[str, np.ndarray], divergences: int) -> list[str]:
    """The certification checks that ``stats`` (of :func:`summarize`) fail; empty: certified."""
    failed = []
    worst = float(np.max(stats["rhat"]))
    if not worst < RHAT_MAX:
        failed.append(f"max split R-hat {worst:.4f} >= {RHAT_MAX}")
    for key in ("ess_bulk", "ess_tail"):
        least = float(np.min(stats[key]))
        if not least >= ESS_MIN:
            failed.append(f"min {key} {least:.0f} < {ESS_MIN:.0f}")
    if divergences:
        failed.append(f"{divergences} divergent transitions")
    return failed


def run_record(
    settings: HMCSettings, run: dict[str, Any], kept: np.ndarray, step: int, seconds: float
) -> dict[str, Any]:
    """The ``run`` entry of a reference's ``meta``: chains, draws, thinning, divergences, the
    adapted step sizes and acceptance, the gradient evaluations and the time."""
    return {
        "chains": settings.chains,
        "draws_per_chain": settings.draws,
        "thin": step,
        "kept": int(kept.shape[0] * kept.shape[1]),
        "divergences": int(sum(run["divergences"])),
        "warmup_divergences": int(sum(run["warmup_divergences"])),
        "step_size": run["step_size"],
        "mean_accept": run["mean_accept"],
        "leapfrog_steps": run["leapfrog_steps"],
        "seconds": round(seconds, 1),
    }


def provenance(**thresholds: float) -> dict[str, Any]:
    """The ``thresholds`` (the certification's, plus ``thresholds``) and ``versions`` entries of
    a reference's ``meta``."""
    return {
        "thresholds": {
            "rhat_max": RHAT_MAX,
            "ess_bulk_min": ESS_MIN,
            "ess_tail_min": ESS_MIN,
            "divergences": 0,
            "divergence_energy_error": DIVERGENCE,
            **thresholds,
        },
        "versions": {
            "torch": torch.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
            "ebmcore": __version__,
        },
    }


def table(names: tuple[str, ...] | list[str], stats: dict[str, np.ndarray]) -> str:
    """A printable table of :func:`summarize`'s output, a row per statistic."""
    width = max(len("statistic"), *map(len, names))
    rows = [
        f"  {'statistic':<{width}} {'mean':>10} {'(se)':>8} {'sd':>9} {'(se)':>8} {'R-hat':>7} "
        f"{'ESS bulk':>9} {'ESS tail':>9}"
    ]
    for i, name in enumerate(names):
        rows.append(
            f"  {name:<{width}} {stats['mean'][i]:10.4f} {stats['mean_se'][i]:8.4f} {stats['sd'][i]:9.4f} "
            f"{stats['sd_se'][i]:8.4f} {stats['rhat'][i]:7.4f} {stats['ess_bulk'][i]:9.0f} "
            f"{stats['ess_tail'][i]:9.0f}"
        )
    return "\n".join(rows)


def jsonable(stats: dict[str, Any]) -> dict[str, list[float]]:
    """``stats`` with every array as a list of floats (for ``meta``)."""
    return {key: [float(v) for v in np.asarray(value).ravel()] for key, value in stats.items()}


def save_reference(
    path: Path,
    draws: np.ndarray,
    meta: dict[str, Any],
    moments: dict[str, np.ndarray] | None = None,
    dtype: type[np.floating[Any]] = np.float64,
) -> None:
    """Write ``draws`` (``(n, *event)``), ``meta`` (JSON) and the per-coordinate ``moments``
    (``mean``, ``sd``, ``mean_se``, ``sd_se``, where they are meaningful) to ``path`` (``.npz``,
    compressed). ``dtype`` of the stored draws: float64, or float32 to halve a large file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, Any] = {
        "draws": np.asarray(draws, dtype=dtype),
        "meta": np.array(json.dumps(meta, sort_keys=True)),
    }
    if moments:
        arrays.update({key: np.asarray(moments[key], dtype=np.float64) for key in _MOMENTS})
    np.savez_compressed(path, **arrays)


# -- reading one ---------------------------------------------------------------------------------


class ReferenceDraws:
    """One stored reference: the draws, the moments where stored, and how they were made.

    Attributes:
        draws: ``(n, *event)`` numpy array (read-only) of the kept draws.
        moments: ``{"mean", "sd", "mean_se", "sd_se"}`` per coordinate (read-only float64
            arrays), or empty where the coordinates' moments mean nothing (a particle system,
            whose coordinates are only defined up to rotations and relabellings).
        meta: how the draws were made and the diagnostics that certified them (a dict).
    """

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.draws = arrays["draws"]
        self.moments = {key: np.asarray(arrays[key], dtype=np.float64) for key in _MOMENTS if key in arrays}
        for array in (self.draws, *self.moments.values()):
            array.flags.writeable = False
        self.meta: dict[str, Any] = json.loads(str(arrays["meta"]))

    def tensor(self, name: str = "draws") -> Tensor:
        """A float64 CPU tensor copy of ``draws`` or of one of :attr:`moments`."""
        value = self.draws if name == "draws" else self.moments[name]
        return torch.tensor(value, dtype=torch.float64)


@functools.cache
def load_reference(package: str, name: str) -> ReferenceDraws:
    """The reference ``<package>/references/<name>.npz`` (read once per process).

    Raises:
        FileNotFoundError: the package has no reference of that name.
    """
    data = resources.files(package).joinpath("references").joinpath(f"{name}.npz").read_bytes()
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return ReferenceDraws({key: npz[key] for key in npz.files})


def describe(meta: dict[str, Any]) -> str:
    """One line on how a reference was made and certified, from its ``meta``."""
    run, diagnostics = meta["run"], meta["diagnostics"]
    parts = [
        f"{run['kept']:,} draws of {run['chains']} HMC chains "
        f"({run['draws_per_chain']:,} each after warm-up, thinned by {run['thin']})",
        f"max split R-hat {max(diagnostics['rhat']):.4f}, min ESS bulk {min(diagnostics['ess_bulk']):.0f} / "
        f"tail {min(diagnostics['ess_tail']):.0f} over {len(diagnostics['rhat'])} statistics",
        f"{run['divergences']} divergences",
        "certified" if meta["certified"] else "NOT certified: " + "; ".join(meta["failed_checks"]),
    ]
    if meta.get("how", "sampled directly") != "sampled directly":
        parts.insert(1, meta["how"])
    return "; ".join(parts)


class CertifiedReference:
    """Mixin of a model with certified reference draws in its package (list it before
    :class:`ebmcore.BaseModel`: ``class Posterior(CertifiedReference, BaseModel)``).

    A subclass sets :attr:`reference_package` and returns from :meth:`reference_name` the file
    stem of the reference of its parameters, or None where it has none. The model then has
    ``reference_samples()`` (what :func:`ebmcore.evaluate` compares against when no exact
    sampler exists), ``reference_info`` (shown by ``ebmcore info``) and ``reference_errors``.
    """

    reference_package: ClassVar[str]
    """The importable package holding ``references/<name>.npz``."""

    def reference_name(self) -> str | None:
        """The stem of this instance's reference file, or None: no reference for these parameters."""
        return None

    def _stored_reference(self) -> ReferenceDraws | None:
        name = self.reference_name()
        return None if name is None else load_reference(self.reference_package, name)

    def reference_samples(self) -> Tensor | None:
        """The certified reference draws, ``(n, *event_shape)`` float64 on the CPU (a fresh
        copy), or None where these parameters have no reference."""
        stored = self._stored_reference()
        return None if stored is None else stored.tensor()

    @property
    def reference_info(self) -> dict[str, Any] | None:
        """How the reference was made (sampler, settings, seed, versions), the diagnostics that
        certified it, and ``summary``, one line of these; None where there is no reference."""
        stored = self._stored_reference()
        return None if stored is None else {**stored.meta, "summary": describe(stored.meta)}

    @property
    def reference_errors(self) -> dict[str, Tensor] | None:
        """Monte-Carlo standard errors of the reference's per-coordinate mean and standard
        deviation (``{"mean": ..., "stddev": ...}``), or None where none are stored."""
        stored = self._stored_reference()
        if stored is None or not stored.moments:
            return None
        return {"mean": stored.tensor("mean_se"), "stddev": stored.tensor("sd_se")}

    def _reference_moment(self, name: str) -> Tensor | None:
        stored = self._stored_reference()
        return None if stored is None or name not in stored.moments else stored.tensor(name)


class CertifiedPosterior(CertifiedReference):
    """:class:`CertifiedReference` whose coordinates' moments are ground truth too: ``mean``
    and ``stddev`` are the reference's (Monte-Carlo errors in ``reference_errors``), None where
    these parameters have no reference. For posteriors; a particle system, whose coordinates
    are defined only up to rotations and relabellings, uses :class:`CertifiedReference`."""

    @property
    def mean(self) -> Tensor | None:
        """The mean of each coordinate, from the reference (None without one)."""
        return self._reference_moment("mean")

    @property
    def stddev(self) -> Tensor | None:
        """The standard deviation of each coordinate, from the reference (None without one)."""
        return self._reference_moment("sd")
