"""Threads, small batches and autograd through ``model(x)``: the speed layer as users meet it.

``python -m bench --only threads`` measures, in one process, with torch's default thread count
and with one thread side by side (interleaved rounds, the fastest of each):

1. ``energy_and_gradient`` of every analytic energy with a fast path, batch 1e3/1e4/1e5 and
   d = 2/10/100, float32: the default thread count must never be slower than one thread
   (ratio <= 1.1), and should be faster where the work is large;
2. small batches (1 and 16, d = 2 and 10) against a bare hand-written torch function that
   computes the same energy and gradient (target: within 1.5x);
3. the pattern of tools that differentiate ``model(x)`` themselves (Pyro's ``potential_fn``,
   a training loop): ``torch.autograd.grad(model(x).sum(), x)`` at one point, batch 16 and 1e4,
   with the analytic gradient behind ``model(x)`` (now) and with autograd through ``forward``
   (``use_backend("autograd")``: what it cost before), next to ``energy_and_gradient``;
4. the three CPU paths of each energy side by side, at both thread counts: the default path
   (the ``ebmcore-kernels`` C kernel where one is registered), the eager analytic torch code
   (``use_backend("analytic")``) and that code compiled by inductor (``ebmcore.compile``): what
   deriving the fast path from the torch formula costs against the hand-written C.

Writes bench/results/threads.md and threads.json.
"""

from __future__ import annotations

import argparse
import functools
import math
import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

from .common import environment, fmt_ratio, fmt_time, log, markdown_table, time_call, write_results

ENERGIES = [
    "sphere",
    "harmonic",
    "double_well",
    "styblinski_tang",
    "rastrigin",
    "ackley",
    "griewank",
    "levy",
    "michalewicz",
    "zakharov",
    "dixon_price",
    "rosenbrock",
    "gaussian",
]
"""Analytic energies with a fast path (a C kernel generated from the formula, or the fused
PyTorch path);
``gaussian`` with a full covariance."""

BATCHES = (1_000, 10_000, 100_000)
DIMS = (2, 10, 100)
LIMIT = 1.1  # default threads / one thread, at most
PATH_SIZES = ((10_000, 2), (10_000, 10), (10_000, 100), (100_000, 2))
"""(batch, d) of the path comparison (section 4)."""


def _model(name: str, dim: int) -> Any:
    import torch

    import ebmcore

    if name != "gaussian":
        return ebmcore.create(name, dim=dim)
    generator = torch.Generator().manual_seed(dim)
    a = torch.randn(dim, dim, dtype=torch.float64, generator=generator)
    cov = a @ a.T / dim + torch.eye(dim, dtype=torch.float64)
    return ebmcore.create("gaussian", mean=[0.0] * dim, cov=(cov + cov.T) / 2).float()


def _bare(name: str, model: Any) -> Callable[[Any], tuple[Any, Any]] | None:
    """A hand-written torch energy and gradient, as a user would write it for one model."""
    import torch

    if name == "rosenbrock":

        def rosenbrock(x: Any) -> tuple[Any, Any]:
            head, tail = x[..., :-1], x[..., 1:]
            valley = tail - head * head
            energy = (100.0 * valley * valley + (1.0 - head) ** 2).sum(-1)
            grad = torch.zeros_like(x)
            grad[..., :-1] = -400.0 * head * valley - 2.0 * (1.0 - head)
            grad[..., 1:] += 200.0 * valley
            return energy, grad

        return rosenbrock
    if name == "double_well":
        return lambda x: (((x * x - 1.0) ** 2).sum(-1), 4.0 * x * (x * x - 1.0))
    if name == "rastrigin":

        def rastrigin(x: Any) -> tuple[Any, Any]:
            angle = 2.0 * math.pi * x
            energy = 10.0 * x.shape[-1] + (x * x - 10.0 * torch.cos(angle)).sum(-1)
            return energy, 2.0 * x + 20.0 * math.pi * torch.sin(angle)

        return rastrigin
    if name == "sphere":
        return lambda x: ((x * x).sum(-1), 2.0 * x)
    return None


def _interleaved(
    fns: Mapping[str, Callable[[], Any]], threads: Mapping[str, int], rounds: int, seconds: float
) -> dict[str, float]:
    times: dict[str, list[float]] = {key: [] for key in fns}
    for _ in range(rounds):
        for key, fn in fns.items():
            times[key].append(time_call(fn, threads=threads[key], min_run_time=seconds, statistic="min"))
    return {key: min(values) for key, values in times.items()}


def run(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    import ebmcore

    default = torch.get_num_threads()
    rounds, seconds = (2, 0.05) if args.quick else (3, 0.1)
    torch.manual_seed(0)
    scaling = []
    for name in ENERGIES:
        for dim in DIMS:
            model = _model(name, dim)
            for batch in BATCHES:
                x = torch.randn(batch, dim)
                path = ebmcore.resolve_backend(model, x)
                call = lambda model=model, x=x: model.energy_and_gradient(x)  # noqa: E731
                best = _interleaved(
                    {"one": call, "default": call}, {"one": 1, "default": default}, rounds, seconds
                )
                scaling.append(
                    {
                        "energy": name,
                        "batch": batch,
                        "dim": dim,
                        "path": path,
                        **best,
                        "ratio": best["default"] / best["one"],
                    }
                )
        log(f"threads: {name}")
    small = []
    for name in ("sphere", "double_well", "rastrigin", "rosenbrock"):
        for dim in (2, 10):
            model = _model(name, dim)
            bare = _bare(name, model)
            assert bare is not None
            for batch in (1, 16):
                x = torch.randn(batch, dim) if batch > 1 else torch.randn(dim)
                ours, theirs = bare(x), model.energy_and_gradient(x)
                torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-4)  # the same energy
                fns = {
                    "ours": lambda model=model, x=x: model.energy_and_gradient(x),
                    "bare": lambda x=x, bare=bare: bare(x),
                }
                best = _interleaved(fns, {"ours": default, "bare": default}, rounds, seconds)
                small.append(
                    {"energy": name, "batch": batch, "dim": dim, **best, "ratio": best["ours"] / best["bare"]}
                )
    through = []
    for name in ("rosenbrock", "double_well", "rastrigin", "gaussian"):
        model = _model(name, 10)
        for batch in (1, 16, 10_000):
            x0 = torch.randn(batch, 10) if batch > 1 else torch.randn(10)

            def potential(model: Any = model, x0: Any = x0) -> Any:
                x = x0.detach().requires_grad_(True)
                return torch.autograd.grad(model(x).sum(), x)[0]

            def before(model: Any = model, x0: Any = x0) -> Any:
                with ebmcore.use_backend("autograd"):
                    return potential(model, x0)

            fns = {
                "now": potential,
                "before": before,
                "e&g": lambda model=model, x0=x0: model.energy_and_gradient(x0),
            }
            for threads in sorted({default, 1}, reverse=True):
                best = _interleaved(fns, dict.fromkeys(fns, threads), rounds, seconds)
                through.append({"energy": name, "batch": batch, "threads": threads, **best})
    paths = _paths(default, rounds, seconds)
    result = {
        "environment": environment(default),
        "scaling": scaling,
        "small": small,
        "through": through,
        "paths": paths,
    }
    write_results("threads", result, _markdown(result, default))
    return result


def _paths(default: int, rounds: int, seconds: float) -> list[dict[str, Any]]:
    """Section 4: the default, eager analytic and compiled paths at both thread counts."""
    import warnings

    import torch

    import ebmcore

    rows = []
    for name in ENERGIES:
        for batch, dim in PATH_SIZES:
            model = _model(name, dim)
            x = torch.randn(batch, dim)
            compiled = ebmcore.compile(_model(name, dim), "cpu")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a failed compile warns; its row says so
                start = time.perf_counter()
                compiled.energy_and_gradient(x)
                first = time.perf_counter() - start
            prefix = f"{type(model).__name__}/cpu/"
            failed = any(key.startswith(prefix) for key in ebmcore.compile_stats()["failed"])

            def eager(model: Any = model, x: Any = x) -> Any:
                with ebmcore.use_backend("analytic"):
                    return model.energy_and_gradient(x)

            fns: dict[str, Callable[[], Any]] = {
                "default": functools.partial(model.energy_and_gradient, x),
                "eager": eager,
            }
            if not failed:
                fns["compiled"] = functools.partial(compiled.energy_and_gradient, x)
            row: dict[str, Any] = {
                "energy": name,
                "batch": batch,
                "dim": dim,
                "path": ebmcore.resolve_backend(model, x),
                "first_compiled_call_s": None if failed else first,
            }
            for label, threads in (("default_threads", default), ("one_thread", 1)):
                row[label] = _interleaved(fns, dict.fromkeys(fns, threads), rounds, seconds)
            rows.append(row)
        log(f"paths: {name}")
    return rows


def _markdown(result: dict[str, Any], default: int) -> str:
    env = result["environment"]
    scaling = result["scaling"]
    over = [r for r in scaling if r["ratio"] > LIMIT]
    large = [r for r in scaling if r["batch"] * r["dim"] >= 1_000_000]
    speedup = statistics.geometric_mean([r["one"] / r["default"] for r in large])
    missed = ", ".join(f"{r['energy']} {r['batch']}x{r['dim']} ({r['ratio']:.2f})" for r in over)
    lines = [
        "# Threads, small batches, autograd through model(x)",
        "",
        f"{env['date_utc']}, torch {env['torch']}, {env['cpu']} ({env['cpu_count']} cores; default "
        f"threads {default}), float32, CPU. Allocator: {env['allocator_env']}. Load average at start: "
        f"{env['load_average']}. Each time is the fastest of interleaved rounds of blocks of calls.",
        "",
        "## 1. Threads never make it slower",
        "",
        f"`energy_and_gradient` at {default} threads (torch's default here) / at 1 thread, target "
        f"<= {LIMIT}: met by {len(scaling) - len(over)} of {len(scaling)} cases"
        + (f"; not met: {missed}" if over else "")
        + f". Where the work is large (batch x d >= 1e6) {default} threads are {speedup:.2f}x as fast as one "
        "(geometric mean).",
        "",
        markdown_table(
            ["energy", "batch", "d", "path", "1 thread", f"{default} threads", f"{default} / 1"],
            [
                [
                    r["energy"],
                    r["batch"],
                    r["dim"],
                    r["path"],
                    fmt_time(r["one"]),
                    fmt_time(r["default"]),
                    fmt_ratio(r["ratio"]),
                ]
                for r in scaling
            ],
        ),
        "",
        "## 2. Small batches against a bare torch function",
        "",
        "`energy_and_gradient` / a hand-written torch function computing the same energy and gradient "
        f"(default threads), target <= 1.5: met by {sum(r['ratio'] <= 1.5 for r in result['small'])} of "
        f"{len(result['small'])}.",
        "",
        markdown_table(
            ["energy", "batch", "d", "ours", "bare torch", "ours / bare"],
            [
                [
                    r["energy"],
                    r["batch"],
                    r["dim"],
                    fmt_time(r["ours"]),
                    fmt_time(r["bare"]),
                    fmt_ratio(r["ratio"]),
                ]
                for r in result["small"]
            ],
        ),
        "",
        "## 3. Autograd through model(x) (the Pyro potential_fn pattern, a training loop), d = 10",
        "",
        "`now`: `torch.autograd.grad(model(x).sum(), x)` with the fused analytic gradient behind `model(x)`; "
        '`before`: the same through autograd of `forward` (`use_backend("autograd")`), what it cost before; '
        "`e&g`: `model.energy_and_gradient(x)`.",
        "",
        markdown_table(
            ["energy", "batch", "threads", "now", "before", "before / now", "e&g"],
            [
                [
                    r["energy"],
                    r["batch"],
                    r["threads"],
                    fmt_time(r["now"]),
                    fmt_time(r["before"]),
                    fmt_ratio(r["before"] / r["now"]),
                    fmt_time(r["e&g"]),
                ]
                for r in result["through"]
            ],
        ),
        "",
        *_paths_markdown(result["paths"], default),
    ]
    return "\n".join(lines)


def _paths_markdown(rows: list[dict[str, Any]], default: int) -> list[str]:
    def ratio(row: dict[str, Any], label: str, path: str) -> str:
        time_ = row[label].get(path)
        return "—" if time_ is None else fmt_ratio(time_ / row[label]["default"])

    compiled = [
        row[label]["compiled"] / row[label]["default"]
        for row in rows
        if row["path"] == "kernel"
        for label in ("default_threads", "one_thread")
        if "compiled" in row[label]
    ]
    summary = (
        f"Where the default path is the C kernel, compiled / kernel ranges {min(compiled):.2f}-"
        f"{max(compiled):.2f} (geometric mean {statistics.geometric_mean(compiled):.2f}) "
        "over both thread counts."
        if compiled
        else "No energy had a C kernel here (ebmcore-kernels not built)."
    )
    return [
        "## 4. The three CPU paths: C kernel, eager torch, compiled torch",
        "",
        "`default`: `energy_and_gradient` as a user calls it (`kernel`: the C kernel of ebmcore-kernels); "
        '`eager`: the analytic torch code (`use_backend("analytic")`); `compiled`: that code through '
        'inductor (`ebmcore.compile(model, "cpu")`, first call timed in `compile`, a warm on-disk cache '
        "after the first energy). Ratios are to `default` at the same thread count. " + summary,
        "",
        markdown_table(
            [
                "energy",
                "batch",
                "d",
                "path",
                f"default ({default} thr.)",
                "eager / default",
                "compiled / default",
                "default (1 thr.)",
                "eager / default",
                "compiled / default",
                "compile",
            ],
            [
                [
                    r["energy"],
                    r["batch"],
                    r["dim"],
                    r["path"],
                    fmt_time(r["default_threads"]["default"]),
                    ratio(r, "default_threads", "eager"),
                    ratio(r, "default_threads", "compiled"),
                    fmt_time(r["one_thread"]["default"]),
                    ratio(r, "one_thread", "eager"),
                    ratio(r, "one_thread", "compiled"),
                    "failed" if r["first_compiled_call_s"] is None else f"{r['first_compiled_call_s']:.1f} s",
                ]
                for r in rows
            ],
        ),
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    args = parser.parse_args(argv)
    run(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
