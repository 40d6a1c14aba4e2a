"""``ebmcore.evaluate`` at scale: 10,000 and 100,000 samples of 32-D targets with exact reference
samples, at torch's default thread count and at one thread, with the peak memory.

``python -m bench --only evaluate`` (part of ``make bench``) writes bench/results/evaluate.md.
The pairwise statistics (energy distance, MMD) use at most 5,000 points per side
(``ebmcore._evaluate.PAIRWISE_MAX``), so their cost stops growing there; everything else is
linear (moments, modes, the 1-D and sliced Wasserstein distances) or n log n (ranks for R-hat,
sorting), and memory stays linear in n.
"""

from __future__ import annotations

import argparse
import resource
import time
from typing import Any

from .common import environment, fmt_time, log, markdown_table, write_results

CASES = [("gaussian", {"dim": 32}), ("many_well", {"dim": 32})]
SIZES = (10_000, 100_000)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    import ebmcore

    default = torch.get_num_threads()
    rows = []
    sizes = SIZES[:1] if args.quick else SIZES
    for name, params in CASES:
        model = ebmcore.create(name, **params)
        for n in sizes:
            samples = model.sample(n, generator=torch.Generator().manual_seed(1)).reshape(4, n // 4, -1)
            times = {}
            for threads in (default, 1):
                torch.set_num_threads(threads)
                try:
                    start = time.perf_counter()
                    report = ebmcore.evaluate(model, samples)
                    times[threads] = time.perf_counter() - start
                finally:
                    torch.set_num_threads(default)
            rows.append(
                {
                    "energy": name,
                    **params,
                    "samples": n,
                    "default": times[default],
                    "one": times[1],
                    "metrics": sorted(["moments", "modes", "mcmc", *report.distances]),
                    "peak_mib": _peak_mib(),
                }
            )
            log(f"evaluate: {name} n={n} {times[default]:.2f} s")
    result = {"environment": environment(), "default_threads": default, "rows": rows}
    write_results("evaluate", result, _markdown(result))
    return result


def _markdown(result: dict[str, Any]) -> str:
    env, default = result["environment"], result["default_threads"]
    return "\n".join(
        [
            "# ebmcore.evaluate at scale",
            "",
            f"{env['date_utc']}, torch {env['torch']}, {env['cpu']} ({env['cpu_count']} cores; default "
            f"threads {default}). One call each, wall clock, including the exact reference draws; "
            "the samples are 4 chains of exact samples, so every metric group runs (moments, modes "
            "where declared, the five distances with their exact-sample values, R-hat and ESS). "
            "Peak memory: the process's maximum resident set so far.",
            "",
            markdown_table(
                ["energy", "d", "samples", f"{default} threads", "1 thread", "peak memory"],
                [
                    [
                        r["energy"],
                        r["dim"],
                        f"{r['samples']:,}",
                        fmt_time(r["default"]),
                        fmt_time(r["one"]),
                        f"{r['peak_mib']:.0f} MiB",
                    ]
                    for r in result["rows"]
                ],
            ),
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10,000 samples only")
    run(parser.parse_args(argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
