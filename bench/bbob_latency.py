"""BBOB one point at a time, against COCO's C: ``python -m bench --only bbob_latency``.

Optimizers evaluate BBOB functions a point or a small population at a time, where the cost of a
call is its overhead, not its arithmetic. For every function f1-f24 at d = 10, instance 1,
float64 (COCO's precision): the seconds per point of

- ``coco``: COCO's own C code through ``cocoex`` (``problem(x)``, a numpy vector), no gradient;
- ``energy``: ``model(x)`` on one point ``(d,)``;
- ``energy_and_gradient``: ``model.energy_and_gradient(x)`` on one point;
- the same on a population of :data:`POPULATION` points, per point: CMA-ES's default
  population at d = 10, 4 + floor(3 ln d), what it evaluates at a time;
- the same on a batch of :data:`BATCH` points, per point (where the batch's arithmetic
  amortizes the call),

at torch's default thread count and at one thread (both sizes are below the 32,768 elements
from which the kernels and torch's elementwise ops share work among threads, so the two agree
within the noise). Fastest of blocks of calls.
"""

from __future__ import annotations

import argparse
import functools
import math
from typing import Any

from .common import environment, fmt_ratio, fmt_time, log, markdown_table, time_call, write_results

DIM, BATCH = 10, 1_000
POPULATION = 4 + int(3 * math.log(DIM))  # CMA-ES's default population size
FUNCTIONS = range(1, 25)


def run(args: argparse.Namespace) -> dict[str, Any]:
    import cocoex
    import numpy as np
    import torch

    import ebmcore

    default = torch.get_num_threads()
    seconds = 0.05 if args.quick else 0.2
    generator = torch.Generator().manual_seed(0)
    batch = 8 * torch.rand(BATCH, DIM, generator=generator, dtype=torch.float64) - 4
    point, population = batch[0], batch[:POPULATION]
    suite = cocoex.Suite("bbob", "", f"dimensions:{DIM} instance_indices:1")
    rows = []
    for function in FUNCTIONS:
        model = ebmcore.create(f"bbob_f{function}", dim=DIM, instance=1)
        problem = suite.get_problem_by_function_dimension_instance(function, DIM, 1)
        vector = point.numpy()  # a contiguous float64 row, as cocoex takes it
        if not np.isclose(problem(vector), float(model(point)), rtol=1e-10, atol=0.0):
            raise AssertionError(f"f{function}: ebmcore and COCO disagree at the timed point")
        calls = {
            "coco": functools.partial(problem, vector),
            "energy": functools.partial(model, point),
            "energy_and_gradient": functools.partial(model.energy_and_gradient, point),
            "population": functools.partial(model.energy_and_gradient, population),
            "batch": functools.partial(model.energy_and_gradient, batch),
        }
        row: dict[str, Any] = {"function": function, "name": type(model).__name__}
        for label, threads in (("default", default), ("one", 1)):
            times = {
                name: time_call(call, threads=threads, min_run_time=seconds, statistic="min")
                for name, call in calls.items()
            }
            times["population"] /= POPULATION
            times["batch"] /= BATCH
            row[label] = times
        problem.free()
        rows.append(row)
        log(
            f"bbob_latency f{function}: coco {fmt_time(row['default']['coco'])}, "
            f"energy_and_gradient {fmt_time(row['default']['energy_and_gradient'])}"
        )
    suite.free()
    result = {
        "environment": environment(),
        "default_threads": default,
        "quick": bool(args.quick),
        "dim": DIM,
        "population": POPULATION,
        "batch": BATCH,
        "rows": rows,
    }
    write_results("bbob_latency", result, _markdown(result))
    return result


def _markdown(result: dict[str, Any]) -> str:
    env, default, rows = result["environment"], result["default_threads"], result["rows"]
    columns = ("coco", "energy", "energy_and_gradient", "population", "batch")
    header = ["function", "class"]
    for threads in (f"{default} thr.", "1 thr."):
        header += [
            f"COCO ({threads})",
            f"energy, 1 point ({threads})",
            f"energy and gradient, 1 point ({threads})",
            "/ COCO",
            f"energy and gradient, per point of {result['population']} ({threads})",
            "/ COCO",
            f"energy and gradient, per point of {result['batch']:,} ({threads})",
            "/ COCO",
        ]
    body = []
    for r in rows:
        line = [f"f{r['function']}", r["name"]]
        for label in ("default", "one"):
            coco, energy, fused, population, batch = (r[label][c] for c in columns)
            line += [
                fmt_time(coco),
                fmt_time(energy),
                fmt_time(fused),
                fmt_ratio(fused / coco),
                fmt_time(population),
                fmt_ratio(population / coco),
                fmt_time(batch),
                fmt_ratio(batch / coco),
            ]
        body.append(line)
    return "\n".join(
        [
            "# BBOB one point at a time, against COCO",
            "",
            f"{env['date_utc']}, torch {env['torch']}, {env['cpu']} ({env['cpu_count']} cores; default "
            f"threads {default}), float64, d = {result['dim']}, instance 1. Seconds per point: COCO's C "
            "through `cocoex` (`problem(x)`, energy alone), ours on one point `(d,)` (`model(x)`; "
            f"`model.energy_and_gradient(x)`), and ours on a population of {result['population']} points "
            f"(CMA-ES's default at this d) and on a batch of {result['batch']:,} points, per "
            "point. `/ COCO`: ours with the gradient over COCO without it. Fastest of blocks of calls"
            + (" (`--quick`: shorter blocks)." if result["quick"] else "."),
            "",
            markdown_table(header, body),
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter timing blocks")
    run(parser.parse_args(argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
