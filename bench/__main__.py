"""Run every benchmark: ``python -m bench [--quick] [--only NAMES]`` (all of them by default).

Writes markdown, JSON and a plot under bench/results/ (see bench/README.md).
"""

from __future__ import annotations

import argparse
import time

from . import bbob, bbob_latency, core, energies, evaluate, registry_scale, threads
from .common import RESULTS, log


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    energies.add_arguments(parser)
    parser.add_argument(
        "--only",
        default="energies,core,registry,threads,evaluate,bbob,bbob_latency",
        help="comma-separated subset of energies,core,registry,threads,evaluate,bbob,bbob_latency",
    )
    args = parser.parse_args(argv)
    wanted = {part.strip() for part in args.only.split(",") if part.strip()}
    start = time.perf_counter()
    if "registry" in wanted:  # first: fresh processes, before this one holds gigabytes
        log("== registry at scale")
        registry_scale.run(
            argparse.Namespace(
                quick=args.quick, plugins=registry_scale.N_PLUGINS, energies=registry_scale.N_ENERGIES
            )
        )
    if "core" in wanted:
        log("== core speed")
        core.run(argparse.Namespace(quick=args.quick, threads=args.threads, min_run_time=args.min_run_time))
    if "energies" in wanted:
        log("== energies")
        energies.run(args)
    if "threads" in wanted:
        log("== threads")
        threads.run(argparse.Namespace(quick=args.quick))
    if "evaluate" in wanted:
        log("== evaluate")
        evaluate.run(argparse.Namespace(quick=args.quick))
    if "bbob" in wanted:
        log("== bbob")
        bbob.run(argparse.Namespace(quick=args.quick))
    if "bbob_latency" in wanted:
        log("== bbob one point at a time")
        bbob_latency.run(argparse.Namespace(quick=args.quick))
    log(f"done in {time.perf_counter() - start:.0f} s; results in {RESULTS}")
    pages = ("registry", "core", "energies", "threads", "evaluate", "bbob", "bbob_latency")
    for page in pages:
        path = RESULTS / f"{page}.md"
        if path.exists() and page in wanted:
            print(path.read_text().split("## All sizes")[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
