"""Make and certify the reference draws of the ``posteriors`` plugin.

Usage::

    python scripts/make_reference.py            # the full run: writes ebmcore_posteriors/references/*.npz
    python scripts/make_reference.py --quick --out /tmp/refs   # a few seconds, not certified

The sampler is this script's own Hamiltonian Monte Carlo (torch, float64, the models' analytic
``energy_and_gradient``), all chains advanced together as one batch:

* each chain starts from its own dispersed point, every coordinate uniform in [-2, 2] (Stan's
  default initialization);
* warm-up as Stan's: a first buffer of step-size adaptation only, then doubling windows that
  estimate each chain's diagonal mass matrix (the regularized variance of the window's draws,
  ``n/(n+5) var + 1e-3 * 5/(n+5)``; the step size's dual averaging restarts after each window),
  and a last buffer of step-size adaptation; dual averaging (Hoffman and Gelman 2014, gamma =
  0.05, t0 = 10, kappa = 0.75) towards the target acceptance rate;
* draws: HMC with an integration time jittered uniformly in [0.5, 1.5] x ``path_length`` (in
  the whitened coordinates of the mass matrix), so ``L = ceil(time / step)`` leapfrog steps
  (at most ``max_steps``), and a Metropolis correction;
* a divergence is a Hamiltonian error above 1000 (or a non-finite energy) anywhere along a
  trajectory, as Stan counts it; the trajectory is stopped and rejected, and counted.

Certification (as posteriordb certifies its reference posteriors): the draws are thinned to
10,000 in all, and on those every coordinate must have a rank-normalized split R-hat below
1.01 and bulk and tail ESS of at least 400 (``ebmcore._mcmc``), and no chain may have
diverged. A posterior that fails is not written; the script says which check failed.

The centered eight schools is Neal's funnel in (log tau, theta): HMC diverges in its neck. The
script runs it to report its diagnostics, but ships as its reference the certified
non-centered draws mapped by theta = mu + tau * eta (log tau and mu unchanged), an exact map
between the two parameterizations of one posterior.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

import ebmcore
from ebmcore import _mcmc

PACKAGE = Path(__file__).resolve().parent.parent / "ebmcore_posteriors" / "references"
N_KEEP = 10_000
RHAT_MAX = 1.01
ESS_MIN = 400.0
DIVERGENCE = 1000.0


@dataclass(frozen=True)
class Settings:
    chains: int = 16
    warmup: int = 1000
    draws: int = 5000  # per chain, before thinning
    target_accept: float = 0.9
    path_length: float = 2.0
    max_steps: int = 256
    initial_step: float = 0.1
    seed: int = 20261206


QUICK = Settings(chains=4, warmup=200, draws=400)


def _windows(warmup: int) -> list[int]:
    """Iterations (0-based) at which a mass-matrix window ends (Stan's 75 / 25, 50, ... / 50)."""
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


def hmc(model: ebmcore.BaseModel, settings: Settings) -> dict[str, Any]:
    """Run ``settings.chains`` HMC chains on ``model``; the draws ``(chains, draws, dim)`` and stats."""
    gen = torch.Generator().manual_seed(settings.seed)
    c, d = settings.chains, model.dim
    dt = torch.float64
    x = torch.rand(c, d, generator=gen, dtype=dt) * 4.0 - 2.0
    energy, grad = model.energy_and_gradient(x)
    inv_mass = torch.ones(c, d, dtype=dt)
    log_eps = torch.full((c,), math.log(settings.initial_step), dtype=dt)

    def restart(log_step: torch.Tensor) -> dict[str, Any]:
        return {
            "mu": math.log(10.0) + log_step,
            "h": torch.zeros(c, dtype=dt),
            "xbar": torch.zeros(c, dtype=dt),
            "t": 0,
        }

    da = restart(log_eps)
    ends = _windows(settings.warmup)
    window_start = 75 if ends else settings.warmup
    w_n, w_mean, w_m2 = 0, torch.zeros(c, d, dtype=dt), torch.zeros(c, d, dtype=dt)
    total = settings.warmup + settings.draws
    out = torch.empty(c, settings.draws, d, dtype=dt)
    divergent = torch.zeros(c, dtype=torch.long)
    warmup_divergent = torch.zeros(c, dtype=torch.long)
    accept_sum = torch.zeros(c, dtype=dt)
    steps_total = 0
    for it in range(total):
        eps = log_eps.exp()
        time_ = settings.path_length * (0.5 + float(torch.rand((), generator=gen, dtype=dt)))
        n_steps = torch.clamp(torch.ceil(time_ / eps), 1, settings.max_steps).long()
        p = torch.randn(c, d, generator=gen, dtype=dt) / inv_mass.sqrt()
        h0 = energy + 0.5 * (p * p * inv_mass).sum(-1)
        xn, pn, en, gn = x.clone(), p.clone(), energy.clone(), grad.clone()
        alive = torch.ones(c, dtype=torch.bool)
        bad = torch.zeros(c, dtype=torch.bool)
        e_ = eps.unsqueeze(-1)
        for k in range(int(n_steps.max())):
            move = alive & (k < n_steps)
            m = move.unsqueeze(-1)
            p_half = pn - 0.5 * e_ * gn
            x_new = xn + e_ * inv_mass * p_half
            e_new, g_new = model.energy_and_gradient(x_new)
            p_new = p_half - 0.5 * e_ * g_new
            h_new = e_new + 0.5 * (p_new * p_new * inv_mass).sum(-1)
            diverged = move & (~torch.isfinite(h_new) | ((h_new - h0) > DIVERGENCE))
            bad |= diverged
            ok = move & ~diverged
            mk = ok.unsqueeze(-1)
            xn = torch.where(mk, x_new, xn)
            pn = torch.where(mk, p_new, pn)
            en = torch.where(ok, e_new, en)
            gn = torch.where(mk, g_new, gn)
            alive &= ~diverged
            steps_total += int(m.sum())
        h1 = en + 0.5 * (pn * pn * inv_mass).sum(-1)
        log_a = torch.clamp(h0 - h1, max=0.0)
        accept = torch.where(bad | ~torch.isfinite(log_a), torch.zeros_like(log_a), log_a.exp())
        take = torch.rand(c, generator=gen, dtype=dt) < accept
        x = torch.where(take.unsqueeze(-1), xn, x)
        energy = torch.where(take, en, energy)
        grad = torch.where(take.unsqueeze(-1), gn, grad)
        if it < settings.warmup:
            warmup_divergent += bad.long()
            # dual averaging of the log step size
            da["t"] += 1
            t = da["t"]
            eta = 1.0 / (t + 10.0)
            da["h"] = (1.0 - eta) * da["h"] + eta * (settings.target_accept - accept)
            log_eps = da["mu"] - math.sqrt(t) / 0.05 * da["h"]
            w = t ** (-0.75)
            da["xbar"] = w * log_eps + (1.0 - w) * da["xbar"]
            # the mass matrix windows (Welford)
            if ends and window_start <= it < ends[-1]:
                w_n += 1
                delta = x - w_mean
                w_mean = w_mean + delta / w_n
                w_m2 = w_m2 + delta * (x - w_mean)
                if it + 1 in ends:
                    var = w_m2 / max(w_n - 1, 1)
                    inv_mass = (w_n / (w_n + 5.0)) * var + 1e-3 * (5.0 / (w_n + 5.0))
                    w_n, w_mean, w_m2 = 0, torch.zeros(c, d, dtype=dt), torch.zeros(c, d, dtype=dt)
                    da = restart(log_eps)
            if it + 1 == settings.warmup:
                log_eps = da["xbar"].clone()
        else:
            i = it - settings.warmup
            out[:, i] = x
            divergent += bad.long()
            accept_sum += accept
    return {
        "draws": out,
        "divergences": divergent.tolist(),
        "warmup_divergences": warmup_divergent.tolist(),
        "step_size": log_eps.exp().tolist(),
        "inv_mass_diagonal": inv_mass.tolist(),
        "mean_accept": (accept_sum / settings.draws).tolist(),
        "leapfrog_steps": steps_total,
    }


def summarize(draws: np.ndarray) -> dict[str, Any]:
    """Diagnostics and moments of ``(chains, n, dim)`` draws, per coordinate."""
    return {
        "rhat": np.atleast_1d(_mcmc.rhat(draws)),
        "ess_bulk": np.atleast_1d(_mcmc.ess_bulk(draws)),
        "ess_tail": np.atleast_1d(_mcmc.ess_tail(draws)),
        "mean": draws.reshape(-1, draws.shape[-1]).mean(0),
        "sd": draws.reshape(-1, draws.shape[-1]).std(0, ddof=1),
        "mean_se": np.atleast_1d(_mcmc.mcse_mean(draws)),
        "sd_se": np.atleast_1d(_mcmc.mcse_sd(draws)),
    }


def certify(stats: dict[str, Any], divergences: int) -> list[str]:
    """The failed certification checks (empty: certified)."""
    failed = []
    if float(np.max(stats["rhat"])) >= RHAT_MAX:
        failed.append(f"max split R-hat {float(np.max(stats['rhat'])):.4f} >= {RHAT_MAX}")
    for key in ("ess_bulk", "ess_tail"):
        if float(np.min(stats[key])) < ESS_MIN:
            failed.append(f"min {key} {float(np.min(stats[key])):.0f} < {ESS_MIN:.0f}")
    if divergences:
        failed.append(f"{divergences} divergent transitions")
    return failed


def thin(draws: np.ndarray, keep: int) -> tuple[np.ndarray, int]:
    """Every ``step``-th draw of each chain, ``keep`` in all (``(chains, keep/chains, dim)``)."""
    chains, n, _ = draws.shape
    per_chain = keep // chains
    step = max(n // per_chain, 1)
    return draws[:, n - per_chain * step :: step][:, :per_chain], step


def noncentered_to_centered(draws: np.ndarray) -> np.ndarray:
    """``(mu, log tau, eta)`` to ``(mu, log tau, theta = mu + tau eta)``: the exact map."""
    out = draws.copy()
    out[..., 2:] = draws[..., :1] + np.exp(draws[..., 1:2]) * draws[..., 2:]
    return out


def _table(name: str, coordinates: tuple[str, ...], stats: dict[str, Any]) -> str:
    lines = [
        f"{name}:",
        f"  {'coordinate':<10} {'mean':>9} {'(se)':>8} {'sd':>8} {'(se)':>8} "
        f"{'R-hat':>7} {'ESS bulk':>9} {'ESS tail':>9}",
    ]
    for i, coord in enumerate(coordinates):
        lines.append(
            f"  {coord:<10} {stats['mean'][i]:9.4f} {stats['mean_se'][i]:8.4f} {stats['sd'][i]:8.4f} "
            f"{stats['sd_se'][i]:8.4f} {stats['rhat'][i]:7.4f} "
            f"{stats['ess_bulk'][i]:9.0f} {stats['ess_tail'][i]:9.0f}"
        )
    return "\n".join(lines)


def _coordinates(model: Any) -> tuple[str, ...]:
    return tuple(model.coordinates)


def _jsonable(stats: dict[str, Any]) -> dict[str, Any]:
    return {k: [float(v) for v in np.asarray(val).ravel()] for k, val in stats.items()}


def write(path: Path, kept: np.ndarray, stats: dict[str, Any], meta: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        draws=kept.reshape(-1, kept.shape[-1]).astype(np.float64),
        mean=stats["mean"],
        sd=stats["sd"],
        mean_se=stats["mean_se"],
        sd_se=stats["sd_se"],
        meta=np.array(json.dumps(meta, sort_keys=True)),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds: 4 short chains, not certified")
    parser.add_argument(
        "--out", type=Path, default=None, help="folder for the .npz files (default: the package's)"
    )
    parser.add_argument("--seed", type=int, default=Settings.seed)
    args = parser.parse_args(argv)
    if args.quick and args.out is None:
        args.out = Path(tempfile.mkdtemp(prefix="ebmcore-posteriors-"))
    out_dir = args.out or PACKAGE
    base = QUICK if args.quick else Settings()
    settings = Settings(**{**asdict(base), "seed": args.seed})
    keep = 1_000 if args.quick else N_KEEP
    torch.set_num_threads(1)
    common = {
        "sampler": "HMC, this plugin's scripts/make_reference.py (torch float64, analytic gradient, "
        "jittered integration time, dual-averaged step size, diagonal mass matrix, Stan's warm-up windows)",
        "settings": asdict(settings),
        "thresholds": {
            "rhat_max": RHAT_MAX,
            "ess_bulk_min": ESS_MIN,
            "ess_tail_min": ESS_MIN,
            "divergences": 0,
            "divergence_energy_error": DIVERGENCE,
        },
        "quick": args.quick,
        "versions": {
            "torch": torch.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
            "ebmcore": ebmcore.__version__,
        },
    }
    status = 0

    # non-centered eight schools: sampled and certified
    model = ebmcore.create("eight_schools", variant="noncentered")
    start = time.perf_counter()
    run = hmc(model, settings)
    seconds = time.perf_counter() - start
    kept, step = thin(run["draws"].numpy(), keep)
    stats = summarize(kept)
    divergences = int(sum(run["divergences"]))
    failed = certify(stats, divergences)
    print(_table("eight_schools (noncentered)", _coordinates(model), stats))
    print(
        f"  {settings.chains} chains x {settings.draws} draws, "
        f"thinned by {step} to {kept.size // kept.shape[-1]}; "
        f"divergences {divergences}; {seconds:.1f} s; step sizes {np.round(run['step_size'], 3).tolist()}"
    )
    print("  certified" if not failed else f"  NOT certified: {'; '.join(failed)}")
    sample_meta = {
        "chains": settings.chains,
        "draws_per_chain": settings.draws,
        "thin": step,
        "kept": int(kept.shape[0] * kept.shape[1]),
        "divergences": divergences,
        "warmup_divergences": int(sum(run["warmup_divergences"])),
        "step_size": run["step_size"],
        "mean_accept": run["mean_accept"],
        "inv_mass_diagonal": run["inv_mass_diagonal"],
        "leapfrog_steps": run["leapfrog_steps"],
        "seconds": round(seconds, 1),
    }
    meta = {
        **common,
        "posterior": "eight_schools-eight_schools_noncentered",
        "coordinates": list(_coordinates(model)),
        "how": "sampled directly",
        "run": sample_meta,
        "diagnostics": _jsonable(stats),
        "certified": not failed,
        "failed_checks": failed,
    }
    if failed and not args.quick:
        print("the non-centered reference is not written", file=sys.stderr)
        return 1
    write(out_dir / "eight_schools_noncentered.npz", kept, stats, meta)

    # centered eight schools: attempted, reported; shipped as the exact map of the non-centered draws
    centered = ebmcore.create("eight_schools", variant="centered")
    start = time.perf_counter()
    # --quick keeps the (slow, divergent) direct attempt short
    attempt_settings = {**asdict(settings), "draws": 1000, "max_steps": 64}
    if args.quick:
        attempt_settings.update(warmup=100, draws=100)
    attempt = hmc(centered, Settings(**attempt_settings))
    seconds = time.perf_counter() - start
    a_kept, _ = thin(attempt["draws"].numpy(), keep)
    a_stats = summarize(a_kept)
    a_div = int(sum(attempt["divergences"]))
    a_failed = certify(a_stats, a_div)
    print(_table("eight_schools (centered), direct HMC attempt", _coordinates(centered), a_stats))
    print(f"  divergences {a_div}; {seconds:.1f} s; step sizes {np.round(attempt['step_size'], 3).tolist()}")
    print("  certified" if not a_failed else f"  NOT certified: {'; '.join(a_failed)}")
    mapped = noncentered_to_centered(kept)
    m_stats = summarize(mapped)
    m_failed = certify(m_stats, divergences)
    print(
        _table(
            "eight_schools (centered), shipped: mapped from the non-centered draws",
            _coordinates(centered),
            m_stats,
        )
    )
    meta_c = {
        **common,
        "posterior": "eight_schools-eight_schools_centered",
        "coordinates": list(_coordinates(centered)),
        "how": "the certified non-centered draws mapped by theta = mu + exp(log_tau) * eta (exact)",
        "run": sample_meta,
        "diagnostics": _jsonable(m_stats),
        "certified": not m_failed,
        "failed_checks": m_failed,
        "direct_attempt": {
            "divergences": a_div,
            "warmup_divergences": int(sum(attempt["warmup_divergences"])),
            "step_size": attempt["step_size"],
            "settings": attempt_settings,
            "diagnostics": _jsonable(a_stats),
            "certified": not a_failed,
            "failed_checks": a_failed,
            "seconds": round(seconds, 1),
        },
    }
    if m_failed and not args.quick:
        status = 1
    else:
        write(out_dir / "eight_schools_centered.npz", mapped, m_stats, meta_c)
    print(f"wrote {out_dir}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
