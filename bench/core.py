"""Core speed: CLI listing vs importing torch, create() overhead, fused gradients vs autograd."""

from __future__ import annotations

import argparse
import os
import sys
import timeit
from collections.abc import Callable
from typing import Any

import torch

import ebmcore

from .common import (
    environment,
    fmt_ratio,
    fmt_time,
    log,
    markdown_table,
    summary,
    time_call,
    wall,
    write_results,
)

LIST_TARGET = 0.2  # `ebmcore list` wall time / `python -c "import torch"`
CREATE_TARGET_S = 20e-6  # create() overhead over calling the class


def cli_vs_torch(repeat: int) -> dict[str, Any]:
    env = dict(os.environ)
    commands = {
        "ebmcore list": [sys.executable, "-m", "ebmcore", "list"],
        "python -c 'import torch'": [sys.executable, "-c", "import torch"],
        "python -c 'pass'": [sys.executable, "-c", "pass"],
    }
    for argv in commands.values():  # warm the page cache
        wall(argv, repeat=1, env=env)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):  # interleaved
        for name, argv in commands.items():
            times[name] += wall(argv, repeat=1, env=env)
    stats = {name: summary(values) for name, values in times.items()}
    ratio = stats["ebmcore list"]["median"] / stats["python -c 'import torch'"]["median"]
    return {"wall_s": stats, "ratio_median": ratio, "target": f"< {LIST_TARGET}", "met": ratio < LIST_TARGET}


def create_overhead(repeat: int, number: int) -> dict[str, Any]:
    from ebmcore_analytic import DoubleWell, Gaussian, Rosenbrock

    cases = {"gaussian": Gaussian, "double_well": DoubleWell, "rosenbrock": Rosenbrock}
    out: dict[str, Any] = {}
    for name, cls in cases.items():
        ebmcore.create(name, dim=10)  # warm: discovery and the target import happen here
        direct_times, created_times = [], []

        def construct(cls: Callable[..., object] = cls) -> object:
            return cls(dim=10)

        def create_by_name(name: str = name) -> object:
            return ebmcore.create(name, dim=10)

        for _ in range(repeat):  # interleaved, minimum of each
            direct_times.append(timeit.timeit(construct, number=number) / number)
            created_times.append(timeit.timeit(create_by_name, number=number) / number)
        direct, created = min(direct_times), min(created_times)
        out[name] = {
            "class_s": direct,
            "create_s": created,
            "overhead_s": created - direct,
            "met": created - direct < CREATE_TARGET_S,
        }
    return {"cases": out, "target": f"overhead < {CREATE_TARGET_S * 1e6:.0f} µs"}


def fused_vs_autograd(threads: int, min_run_time: float, rounds: int) -> dict[str, Any]:
    generator = torch.Generator().manual_seed(0)
    rows = []
    for name in ("gaussian", "double_well", "rosenbrock"):
        for d in (10, 100):
            model = ebmcore.create(name, dim=d)
            x = torch.randn(10_000, d, generator=generator)

            def fused(model: Any = model, x: torch.Tensor = x) -> Any:
                return model.energy_and_gradient(x)

            def autograd(model: Any = model, x: torch.Tensor = x) -> Any:
                with ebmcore.use_backend("autograd"):
                    return model.energy_and_gradient(x)

            fused()
            autograd()
            t_fused, t_auto = [], []
            for _ in range(rounds):
                t_fused.append(time_call(fused, threads=threads, min_run_time=min_run_time))
                t_auto.append(time_call(autograd, threads=threads, min_run_time=min_run_time))
            rows.append(
                {
                    "energy": name,
                    "dim": d,
                    "batch": 10_000,
                    "path": ebmcore.resolve_backend(model, x),
                    "fused_s": min(t_fused),
                    "autograd_s": min(t_auto),
                    "speedup": min(t_auto) / min(t_fused),
                }
            )
    return {"rows": rows, "threads": threads, "dtype": "float32"}


def render(payload: dict[str, Any]) -> str:
    cli = payload["cli"]
    lines = [
        "# Core speed",
        "",
        f"{payload['environment']['date_utc']}, torch {payload['environment']['torch']}, "
        f"{payload['environment']['cpu']} ({payload['environment']['cpu_count']} cores), "
        f"load average at start {payload['environment']['load_average']}.",
        "",
        "## `ebmcore list` vs `python -c 'import torch'` (wall time, fresh processes, interleaved)",
        "",
        markdown_table(
            ["command", "median", "min", "max", "runs"],
            [
                [name, fmt_time(s["median"]), fmt_time(s["min"]), fmt_time(s["max"]), s["n"]]
                for name, s in cli["wall_s"].items()
            ],
        ),
        "",
        f"Ratio of medians: **{cli['ratio_median']:.3f}** (target {cli['target']}: "
        f"{'met' if cli['met'] else 'NOT met'}).",
        "",
        "## `create()` warm overhead over calling the class (dim 10)",
        "",
        markdown_table(
            ["energy", "class(...)", "create(...)", "overhead", "target < 20 µs"],
            [
                [
                    name,
                    fmt_time(c["class_s"]),
                    fmt_time(c["create_s"]),
                    fmt_time(c["overhead_s"]),
                    "met" if c["met"] else "NOT met",
                ]
                for name, c in payload["create"]["cases"].items()
            ],
        ),
        "",
        "## energy_and_gradient: fused analytic path vs plain autograd (batch 10,000, float32, "
        f"{payload['fused']['threads']} thread)",
        "",
        "Default constructor arguments (the Gaussian is the isotropic one).",
        "",
        markdown_table(
            ["energy", "dim", "path", "fused", "autograd", "autograd / fused"],
            [
                [
                    r["energy"],
                    r["dim"],
                    r["path"],
                    fmt_time(r["fused_s"]),
                    fmt_time(r["autograd_s"]),
                    fmt_ratio(r["speedup"]),
                ]
                for r in payload["fused"]["rows"]
            ],
        ),
        "",
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> dict[str, Any]:
    torch.set_num_threads(args.threads)
    log("core: ebmcore list vs import torch")
    cli = cli_vs_torch(repeat=3 if args.quick else 7)
    log("core: create() overhead")
    create = create_overhead(repeat=15, number=200 if args.quick else 1000)
    log("core: fused vs autograd")
    fused = fused_vs_autograd(args.threads, args.min_run_time, rounds=1 if args.quick else 3)
    payload = {"environment": environment(args.threads), "cli": cli, "create": create, "fused": fused}
    write_results("core", payload, render(payload))
    return payload


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--min-run-time", type=float, default=0.1, help="seconds per measurement")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(parser)
    payload = run(parser.parse_args(argv))
    print(render(payload))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
