"""Make and certify the reference draws of the ``posteriors`` plugin.

Usage::

    python scripts/make_reference.py            # the full runs: writes ebmcore_posteriors/references/*.npz
    python scripts/make_reference.py --only logistic_regression
    python scripts/make_reference.py --quick --out /tmp/refs   # a few seconds, not certified

The sampler is ebmcore's reference HMC (``ebmcore._reference.hmc``: torch float64, the models'
analytic ``energy_and_gradient``, all chains advanced together as one batch), with Stan's
warm-up (dual-averaged step size towards acceptance 0.9, 0.95 for eight schools under
inference_gym's priors; diagonal mass-matrix windows) and an
integration time jittered uniformly in [0.5, 1.5] x ``path_length``. Each chain starts from its
own dispersed point, every coordinate uniform in [-2, 2] (Stan's default initialization). A
divergence is a Hamiltonian error above 1000 (or a non-finite energy) along a trajectory, as
Stan counts it.

Certification (as posteriordb certifies its reference posteriors): the draws are thinned to
10,000 in all, and on those every coordinate must have a rank-normalized split R-hat below
1.01 and bulk and tail ESS of at least 400, and no chain may have diverged. A posterior that
fails is not written; the script says which check failed.

Eight schools is made twice: under posteriordb's priors and under inference_gym's. The centered
eight schools is Neal's funnel in (log tau, theta): HMC diverges in its neck. The
script runs it to report its diagnostics, but ships as its reference the certified
non-centered draws mapped by theta = mu + tau * eta (log tau and mu unchanged), an exact map
between the two parameterizations of one posterior.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

import ebmcore
from ebmcore import _reference as ref

PACKAGE = Path(__file__).resolve().parent.parent / "ebmcore_posteriors" / "references"
N_KEEP = 10_000
FULL = ref.HMCSettings(chains=16, warmup=1000, draws=5000)
QUICK = ref.HMCSettings(chains=4, warmup=200, draws=400)
POSTERIORS = ("eight_schools", "logistic_regression")


def sample(model: ebmcore.BaseModel, settings: ref.HMCSettings, keep: int) -> dict[str, Any]:
    """HMC from dispersed starts, thinned to ``keep``: the kept draws, their stats and the run."""
    gen = torch.Generator().manual_seed(settings.seed - 1)
    init = torch.rand(settings.chains, model.dim, generator=gen, dtype=torch.float64)
    start = time.perf_counter()
    run = ref.hmc(model.energy_and_gradient, 4.0 * init - 2.0, settings)
    seconds = time.perf_counter() - start
    kept, step = ref.thin(run["draws"].numpy(), min(keep, settings.chains * settings.draws))
    record = {**ref.run_record(settings, run, kept, step, seconds), "inv_mass_diagonal": run["inv_mass"]}
    return {"kept": kept, "stats": ref.summarize(kept), "divergences": record["divergences"], "run": record}


def common_meta(settings: ref.HMCSettings, quick: bool) -> dict[str, Any]:
    return {
        "sampler": "HMC, ebmcore._reference.hmc run by the posteriors plugin's scripts/make_reference.py "
        "(torch float64, analytic gradient, jittered integration time, dual-averaged step size, "
        "diagonal mass matrix, Stan's warm-up windows; dispersed starts uniform in [-2, 2])",
        "settings": asdict(settings),
        "statistics": "the coordinates",
        "quick": quick,
        **ref.provenance(),
    }


def report(title: str, model: Any, result: dict[str, Any], failed: list[str]) -> None:
    print(f"{title}:")
    print(ref.table(model.coordinates, result["stats"]))
    run = result["run"]
    print(
        f"  {run['chains']} chains x {run['draws_per_chain']} draws, thinned by {run['thin']} to "
        f"{run['kept']}; divergences {run['divergences']}; {run['seconds']} s; "
        f"step sizes {np.round(run['step_size'], 3).tolist()}"
    )
    print("  certified" if not failed else f"  NOT certified: {'; '.join(failed)}")


def certified_meta(
    posterior: str,
    model: Any,
    result: dict[str, Any],
    stats: dict[str, Any],
    common: dict[str, Any],
    how: str,
) -> tuple[dict[str, Any], list[str]]:
    failed = ref.certify(stats, result["divergences"])
    meta = {
        **common,
        "posterior": posterior,
        "coordinates": list(model.coordinates),
        "how": how,
        "run": result["run"],
        "diagnostics": ref.jsonable(stats),
        "certified": not failed,
        "failed_checks": failed,
    }
    return meta, failed


def eight_schools(settings: ref.HMCSettings, keep: int, out: Path, quick: bool) -> int:
    status = 0
    for prior in ("posteriordb", "inference_gym"):
        status |= _eight_schools(prior, settings, keep, out, quick)
    return status


def _eight_schools(prior: str, settings: ref.HMCSettings, keep: int, out: Path, quick: bool) -> int:
    if prior == "inference_gym":
        # its log tau ~ N(5, 1) allows large tau, where the eta are pinned to a width sigma/tau
        # (an inverted funnel): at acceptance 0.9 one transition in 80,000 diverged, at 0.95 none
        settings = replace(settings, target_accept=0.95)
    common = common_meta(settings, quick)
    suffix = "" if prior == "posteriordb" else f"_{prior}"
    source = (
        "posteriordb's eight_schools-eight_schools"
        if prior == "posteriordb"
        else "inference_gym's eight schools, "
    )
    model = ebmcore.create("eight_schools", variant="noncentered", prior=prior)
    result = sample(model, settings, keep)
    meta, failed = certified_meta(
        f"{source}_noncentered", model, result, result["stats"], common, "sampled directly"
    )
    report(f"eight_schools (noncentered, {prior} priors)", model, result, failed)
    if failed and not quick:
        print("the non-centered reference is not written", file=sys.stderr)
        return 1
    ref.save_reference(
        out / f"eight_schools_noncentered{suffix}.npz", _flat(result["kept"]), meta, result["stats"]
    )

    # centered: a direct attempt, reported; shipped as the exact map of the non-centered draws
    centered: Any = ebmcore.create("eight_schools", variant="centered", prior=prior)
    attempt_settings = replace(settings, draws=100 if quick else 1000, max_steps=64)
    if quick:
        attempt_settings = replace(attempt_settings, warmup=100)
    attempt = sample(centered, attempt_settings, keep)
    a_failed = ref.certify(attempt["stats"], attempt["divergences"])
    report(f"eight_schools (centered, {prior} priors), direct HMC attempt", centered, attempt, a_failed)
    mapped = result["kept"].copy()
    mapped[..., 2:] = mapped[..., :1] + np.exp(mapped[..., 1:2]) * mapped[..., 2:]
    m_stats = ref.summarize(mapped)
    how = "the certified non-centered draws mapped by theta = mu + exp(log_tau) * eta (exact)"
    meta_c, m_failed = certified_meta(f"{source}_centered", centered, result, m_stats, common, how)
    meta_c["direct_attempt"] = {
        **attempt["run"],
        "settings": asdict(attempt_settings),
        "diagnostics": ref.jsonable(attempt["stats"]),
        "certified": not a_failed,
        "failed_checks": a_failed,
    }
    print(f"eight_schools (centered, {prior} priors), shipped: {how}")
    print(ref.table(centered.coordinates, m_stats))
    if m_failed and not quick:
        return 1
    ref.save_reference(out / f"eight_schools_centered{suffix}.npz", _flat(mapped), meta_c, m_stats)
    return 0


def logistic_regression(settings: ref.HMCSettings, keep: int, out: Path, quick: bool) -> int:
    model = ebmcore.create("logistic_regression")  # breast cancer, N(0, 1) prior, with intercept
    result = sample(model, settings, keep)
    meta, failed = certified_meta(
        "logistic_regression-breast_cancer (standardized, N(0, 1) prior, intercept)",
        model,
        result,
        result["stats"],
        common_meta(settings, quick),
        "sampled directly",
    )
    report("logistic_regression (breast cancer, normal prior, scale 1)", model, result, failed)
    if failed and not quick:
        print("the logistic regression reference is not written", file=sys.stderr)
        return 1
    ref.save_reference(
        out / "logistic_regression_breast_cancer.npz", _flat(result["kept"]), meta, result["stats"]
    )
    return 0


def _flat(kept: np.ndarray) -> np.ndarray:
    return kept.reshape(-1, kept.shape[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds: 4 short chains, not certified")
    parser.add_argument(
        "--out", type=Path, default=None, help="folder for the .npz files (default: the package's)"
    )
    parser.add_argument("--only", choices=POSTERIORS, action="append", help="make only these (repeatable)")
    parser.add_argument("--seed", type=int, default=FULL.seed)
    args = parser.parse_args(argv)
    if args.quick and args.out is None:
        args.out = Path(tempfile.mkdtemp(prefix="ebmcore-posteriors-"))
    out = args.out or PACKAGE
    settings = replace(QUICK if args.quick else FULL, seed=args.seed)
    keep = 1_000 if args.quick else N_KEEP
    torch.set_num_threads(1)
    makers = {"eight_schools": eight_schools, "logistic_regression": logistic_regression}
    status = 0
    for name in args.only or POSTERIORS:
        status |= makers[name](settings, keep, out, args.quick)
    print(f"wrote {out}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
