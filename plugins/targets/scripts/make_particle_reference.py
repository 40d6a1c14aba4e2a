"""Make and certify the reference draws of the particle systems DW-4, LJ13 and LJ55.

Usage::

    python scripts/make_particle_reference.py               # writes ebmcore_targets/references/*.npz
    python scripts/make_particle_reference.py --only lj13
    python scripts/make_particle_reference.py --quick --out /tmp/refs   # seconds, not certified

Each target is sampled at its registered defaults (``ebmcore.create("dw4")`` and so on: unique
pair counting, temperature 1, LJ's harmonic term c = 1) by ebmcore's reference HMC
(``ebmcore._reference.hmc``, torch float64, the analytic gradient), on the subspace of zero
centre of mass where the Boltzmann density is normalizable: every chain starts centred, momenta
are drawn without a centre of mass, and the mass matrix is one scalar per chain, so the centre
of mass never moves.

Starts are dispersed: positions uniform in a cube (side 8 for DW-4, ``1.2 n^(1/3)`` for the
clusters), centred, then relaxed by 300 clipped gradient steps so that no two particles
overlap (an overlapping LJ pair has an astronomically large energy).

Coordinates of a particle system are defined only up to rotations, reflections and relabellings,
so certification is on invariant statistics of each draw: the energy, the radius of gyration
and the minimum, 10%, 50% and 90% quantiles and maximum of the pair distances. Each must have a
rank-normalized split R-hat below 1.01 and bulk and tail ESS of at least 400 on the 10,000 kept
draws, with no divergence after warm-up. Also required: the energy and pair-distance
histograms of the first and second half of the kept draws agree, their 1-Wasserstein distance
below 0.05 standard deviations.

The draws are stored as float32 (positions to 7 digits, far below their Monte-Carlo error) to
keep the files small.
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
from ebmcore import _distances
from ebmcore import _reference as ref

PACKAGE = Path(__file__).resolve().parent.parent / "ebmcore_targets" / "references"
N_KEEP = 10_000
HALVES_MAX = 0.05
STATISTICS = (
    "energy",
    "gyration_radius",
    "min_distance",
    "q10_distance",
    "median_distance",
    "q90_distance",
    "max_distance",
)
TARGETS: dict[str, ref.HMCSettings] = {
    "dw4": ref.HMCSettings(chains=16, warmup=1000, draws=20000, mass="scalar", path_length=3.0),
    "lj13": ref.HMCSettings(chains=16, warmup=1000, draws=5000, mass="scalar", path_length=1.0),
    "lj55": ref.HMCSettings(
        chains=16, warmup=1000, draws=2500, mass="scalar", path_length=1.0, max_steps=128
    ),
}


def dispersed_starts(model: Any, chains: int, seed: int) -> torch.Tensor:
    """Uniform in a cube, centred, relaxed by clipped gradient steps (no overlapping pairs)."""
    n = model.n_particles
    side = 8.0 if model.spatial_dim == 2 and n == 4 else 1.2 * n ** (1.0 / 3.0)
    gen = torch.Generator().manual_seed(seed)
    x = model.remove_mean(side * (torch.rand(chains, model.dim, generator=gen, dtype=torch.float64) - 0.5))
    for _ in range(300):
        _, grad = model.energy_and_gradient(x)
        x = model.remove_mean(x - 0.01 * grad.clamp(-10.0, 10.0))
    return x


def statistics(model: Any, draws: np.ndarray) -> np.ndarray:
    """``(chains, n, 7)`` invariant statistics of ``(chains, n, dim)`` draws (see STATISTICS)."""
    x = torch.from_numpy(draws)
    energy = model.energy(x)
    p = model.particles(model.remove_mean(x))
    gyration = p.square().sum(-1).mean(-1).sqrt()
    distances = model.pair_distances(x)
    q = torch.quantile(distances, torch.tensor([0.1, 0.5, 0.9], dtype=torch.float64), dim=-1).movedim(0, -1)
    columns = [energy, gyration, distances.amin(-1), q[..., 0], q[..., 1], q[..., 2], distances.amax(-1)]
    return torch.stack(columns, -1).numpy()


def halves(model: Any, kept: np.ndarray) -> dict[str, float]:
    """W1 between the first and the second half (per chain) of the energies and of the pair
    distances, in units of their standard deviation."""
    n = kept.shape[1] // 2
    first = torch.from_numpy(kept[:, :n].reshape(-1, kept.shape[-1]))
    second = torch.from_numpy(kept[:, n : 2 * n].reshape(-1, kept.shape[-1]))
    out = {}
    for name, observe in (
        ("energy", model.energy),
        ("pair_distance", lambda x: model.pair_distances(x).reshape(-1)),
    ):
        a, b = observe(first), observe(second)
        sd = float(torch.cat([a, b]).std())
        out[name] = _distances.wasserstein_1d(a, b) / sd
    return out


def make(name: str, settings: ref.HMCSettings, keep: int, out: Path, quick: bool) -> int:
    model: Any = ebmcore.create(name)
    init = dispersed_starts(model, settings.chains, settings.seed - 1)
    start = time.perf_counter()
    run = ref.hmc(model.energy_and_gradient, init, settings, project=model.remove_mean)
    seconds = time.perf_counter() - start
    kept, step = ref.thin(run["draws"].numpy(), keep)
    stats = ref.summarize(statistics(model, kept))
    divergences = int(sum(run["divergences"]))
    failed = ref.certify(stats, divergences)
    split = halves(model, kept)
    failed += [
        f"{key} histograms of the halves differ by {value:.3f} sd > {HALVES_MAX}"
        for key, value in split.items()
        if not value < HALVES_MAX
    ]
    print(f"{name}:")
    print(ref.table(STATISTICS, stats))
    print(
        f"  {settings.chains} chains x {settings.draws} draws, thinned by {step}; divergences {divergences}; "
        f"{seconds:.0f} s; step sizes {np.round(run['step_size'], 4).tolist()}; "
        f"halves W1/sd: energy {split['energy']:.4f}, pair distances {split['pair_distance']:.4f}"
    )
    print("  certified" if not failed else f"  NOT certified: {'; '.join(failed)}")
    meta = {
        "target": name,
        "parameters": model.spec,
        "sampler": "HMC on the subspace of zero centre of mass, ebmcore._reference.hmc run by the targets "
        "plugin's scripts/make_particle_reference.py (torch float64, analytic gradient, scalar mass per "
        "chain, dual-averaged step size, Stan's warm-up windows, jittered integration time; dispersed "
        "starts relaxed by clipped gradient steps)",
        "settings": asdict(settings),
        "statistics": list(STATISTICS),
        "how": "sampled directly",
        "run": ref.run_record(settings, run, kept, step, seconds),
        "diagnostics": ref.jsonable(stats),
        "halves_w1_over_sd": split,
        "certified": not failed,
        "failed_checks": failed,
        "quick": quick,
        **ref.provenance(halves_w1_over_sd_max=HALVES_MAX),
    }
    if failed and not quick:
        print(f"the {name} reference is not written", file=sys.stderr)
        return 1
    ref.save_reference(out / f"{name}.npz", kept.reshape(-1, model.dim), meta, dtype=np.float32)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="seconds: 4 short chains, not certified")
    parser.add_argument(
        "--out", type=Path, default=None, help="folder for the .npz files (default: the package's)"
    )
    parser.add_argument(
        "--only", choices=tuple(TARGETS), action="append", help="make only these (repeatable)"
    )
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = parser.parse_args(argv)
    if args.quick and args.out is None:
        args.out = Path(tempfile.mkdtemp(prefix="ebmcore-particles-"))
    out = args.out or PACKAGE
    keep = 1_000 if args.quick else N_KEEP
    torch.set_num_threads(args.threads)
    status = 0
    for name in args.only or tuple(TARGETS):
        full = TARGETS[name]
        settings = replace(full, chains=4, warmup=150, draws=250) if args.quick else full
        status |= make(name, settings, keep, out, args.quick)
    print(f"wrote {out}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
