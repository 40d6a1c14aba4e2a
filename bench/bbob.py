"""BBOB's rotated functions against their floor: ``python -m bench --only bbob``.

For every rotated BBOB function (f6, f7, f9-f24; f8 is not rotated) at batch 1e4, d = 40,
float32: ``energy_and_gradient`` against one ``(batch, d) @ (d, d)`` product plus one
read-write pass over the batch (``torch.add(x, 1, out=...)``), the least any rotated function
must do, at torch's default thread count and at one thread. The functions' own elementwise work
(T_osz's log, exp and two sines per coordinate, Weierstrass's 12 cosines, Katsuura's 32
sawtooth terms, Gallagher's 101 quadratic forms) comes on top of this floor and is not separated
here, so the ratio is an upper bound on what the rotations cost.
"""

from __future__ import annotations

import argparse
from typing import Any

from .common import environment, fmt_ratio, fmt_time, log, markdown_table, time_call, write_json, write_text

BATCH, DIM = 10_000, 40
ROTATED = [6, 7, *range(9, 25)]


def run(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    import ebmcore

    default = torch.get_num_threads()
    seconds = 0.1 if args.quick else 0.3
    generator = torch.Generator().manual_seed(0)
    x = 10 * torch.rand(BATCH, DIM, generator=generator) - 5
    w = torch.linalg.qr(torch.randn(DIM, DIM, generator=generator)).Q
    out, buf = torch.empty(BATCH, DIM), torch.empty(BATCH, DIM)
    rows = []
    for function in ROTATED:
        model = ebmcore.create(f"bbob_f{function}", dim=DIM, instance=1).float()
        row: dict[str, Any] = {"function": function, "name": type(model).__name__}
        for label, threads in (("default", default), ("one", 1)):
            ours = time_call(
                lambda model=model: model.energy_and_gradient(x),
                threads=threads,
                min_run_time=seconds,
                statistic="min",
            )
            product = time_call(
                lambda: torch.matmul(x, w, out=out), threads=threads, min_run_time=seconds, statistic="min"
            )
            elementwise = time_call(
                lambda: torch.add(x, 1, out=buf), threads=threads, min_run_time=seconds, statistic="min"
            )
            floor = product + elementwise
            row[label] = {"ours": ours, "floor": floor, "ratio": ours / floor}
        rows.append(row)
        ratios = row["default"]["ratio"], row["one"]["ratio"]
        log(f"bbob f{function}: {ratios[0]:.2f} (default threads), {ratios[1]:.2f} (1 thread)")
    result = {"environment": environment(), "default_threads": default, "rows": rows}
    write_json("bbob.json", result)
    write_text("bbob.md", _markdown(result))
    return result


def _markdown(result: dict[str, Any]) -> str:
    env, default = result["environment"], result["default_threads"]
    rows = result["rows"]
    met = {label: sum(r[label]["ratio"] <= 2.0 for r in rows) for label in ("default", "one")}
    return "\n".join(
        [
            "# BBOB's rotated functions against their floor",
            "",
            f"{env['date_utc']}, torch {env['torch']}, {env['cpu']} ({env['cpu_count']} cores; default "
            f"threads {default}), float32, batch {BATCH:,}, d = {DIM}, instance 1. `floor`: one "
            f"({BATCH}, {DIM}) @ ({DIM}, {DIM}) product plus one read-write pass over the batch, the "
            "least a rotated function does; each function's own elementwise work (T_osz, the "
            "trigonometric series, Gallagher's peaks) comes on top and is not separated here. "
            f"`ours / floor` <= 2 for {met['default']} of {len(rows)} at {default} threads, "
            f"{met['one']} of {len(rows)} at 1 thread. Fastest of blocks of calls.",
            "",
            markdown_table(
                [
                    "function",
                    "class",
                    f"ours ({default} thr.)",
                    f"floor ({default} thr.)",
                    "ratio",
                    "ours (1 thr.)",
                    "floor (1 thr.)",
                    "ratio",
                ],
                [
                    [
                        f"f{r['function']}",
                        r["name"],
                        fmt_time(r["default"]["ours"]),
                        fmt_time(r["default"]["floor"]),
                        fmt_ratio(r["default"]["ratio"]),
                        fmt_time(r["one"]["ours"]),
                        fmt_time(r["one"]["floor"]),
                        fmt_ratio(r["one"]["ratio"]),
                    ]
                    for r in rows
                ],
            ),
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
