"""BBOB's rotated functions against their floor: ``python -m bench --only bbob``.

For every rotated BBOB function (f6, f7, f9-f24; f8 is not rotated) at batch 1e4, d = 40,
float32: ``energy_and_gradient`` against one ``(batch, d) @ (d, d)`` product plus one
read-write pass over the batch (``torch.add(x, 1, out=...)``), the least any rotated function
must do, at torch's default thread count and at one thread. The functions' own elementwise work
(T_osz's log, exp and two sines per coordinate, Weierstrass's 12 octaves, Katsuura's 32
sawtooth terms, Gallagher's 101 quadratic forms) comes on top of this floor and is not separated
here, so the ratio is an upper bound on what the rotations cost. For the functions written as
linear maps and row formulas (``ebmcore_bbob._formula``), ``own`` separates it: the C kernels
one call runs (formula, inner map, x term), replayed alone on that call's inputs, and
``ours / (product + own)`` is the issue's measure, one product plus the elementwise work. For
Gallagher's f21 and f22, ``own`` is a lower bound of theirs: the product that scores the peaks
and one pass over the scores (:func:`_peak_scores`). Also ``ours / (k products + own)``,
with ``k`` the ``(batch, d) @ (d, d)`` products one call runs, counted in a real call
(:func:`_products`): the products its chain rule needs (2; 4 with an inner map; 0 for f20).

Next to it, ``compiled``: the same ``model.energy_and_gradient`` through ``torch.compile``
(inductor, ``dynamic=False``), compiled once per function by a first call at the default thread
count (timed: the compile time), then timed at both thread counts like the eager call (the
generated code reads the thread count at run time). Inductor is warmed up first by one trivial
compile, so no function's compile time includes importing it, and compiles into a fresh cache
directory (removed afterwards; unless ``TORCHINDUCTOR_CACHE_DIR`` is set or inductor was loaded
before), so the compile times are cold ones. A function whose compile fails or
runs past :data:`COMPILE_TIMEOUT_S` gets None and the reason. The graph calls the same C
kernels as the eager call (the operator ``ebmcore_kernels::compute``), and inductor compiles the
work around them (shifts, offsets, the products' glue): ``compiled / ours`` is what compiling
a caller's step costs or saves. The JSON records the graph breaks (none: the dispatch compiles
in one graph) and the largest relative difference from the eager results.

Every function is compiled first; then the timings run in :data:`ROUNDS` rounds over all functions
(eager, compiled and the floor's two parts, at both thread counts, one function after the other),
and each time is the least over the rounds: on a shared machine a passing disturbance, which
at two threads can slow a call tenfold, then spoils one round rather than a function's numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

from .common import environment, fmt_ratio, fmt_time, log, markdown_table, time_call, write_results

BATCH, DIM = 10_000, 40
ROTATED = [6, 7, *range(9, 25)]
COMPILE_TIMEOUT_S = 120.0
ROUNDS = 2  # timing rounds over all functions (--quick: 1); each time is the least over rounds


class CompileTimeout(Exception):
    """A compile ran past :data:`COMPILE_TIMEOUT_S`."""


@contextlib.contextmanager
def _deadline(seconds: float, expired: list[bool]) -> Iterator[None]:
    """Raise :class:`CompileTimeout` in the block once ``seconds`` have passed, and set
    ``expired[0]`` (dynamo may catch the exception and go on tracing; the flag tells). SIGALRM:
    the main thread of a POSIX process; elsewhere no deadline."""
    if not hasattr(signal, "setitimer") or signal.getsignal(signal.SIGALRM) not in (signal.SIG_DFL, None):
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        expired[0] = True
        raise CompileTimeout(f"compiling took over {seconds:g} s")

    try:
        previous = signal.signal(signal.SIGALRM, expire)
    except ValueError:  # not the main thread
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _compile(model: Any, x: Any) -> dict[str, Any]:
    """``torch.compile(model.energy_and_gradient)`` and its first call: the function (or None),
    the first call's seconds, the reason for None, the graph breaks and the largest relative
    difference of its energies and gradients from the eager ones."""
    import torch
    from torch._dynamo.utils import counters

    counters.clear()
    compiled = torch.compile(model.energy_and_gradient, backend="inductor", dynamic=False)
    start = time.perf_counter()
    reason, expired = None, [False]
    try:
        with _deadline(COMPILE_TIMEOUT_S, expired):
            energy, gradient = compiled(x)
    except Exception as exc:  # a failed or abandoned compile: record it and go on
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
    if expired[0]:
        reason = f"compiling took over {COMPILE_TIMEOUT_S:g} s"
    if reason is not None:
        return {"function": None, "seconds": time.perf_counter() - start, "reason": reason}
    seconds = time.perf_counter() - start
    reference = model.energy_and_gradient(x)

    def difference(ours: Any, eager: Any) -> float:
        scale = eager.abs().reshape(len(eager), -1).amax(-1).clamp_min(1e-30)
        return float(((ours - eager).abs().reshape(len(eager), -1).amax(-1) / scale).max())

    return {
        "function": compiled,
        "seconds": seconds,
        "reason": None,
        "graph_breaks": sum(counters["graph_break"].values()),
        "max_relative_difference": max(difference(energy, reference[0]), difference(gradient, reference[1])),
    }


def _own_elementwise(model: Any, x: Any) -> Callable[[], Any] | None:
    """The function's own elementwise work, fused: the C kernels one ``energy_and_gradient`` call
    runs (its formula's, its inner map's and its x term's), recorded with their inputs from such
    a call and replayed alone, on copies made outside the timing; None for a function without
    them (not separated)."""
    import ebmcore_kernels
    from ebmcore_kernels import _cpu

    calls: list[tuple[Any, ...]] = []
    compute = _cpu.compute

    def recording(kernel: str, t: Any, parameters: Any, vectors: Any, *options: Any, **named: Any) -> Any:
        copies = (kernel, t.clone(), parameters, tuple(v.clone() for v in vectors), *options)
        calls.append((copies, named))
        return compute(kernel, t, parameters, vectors, *options, **named)

    with (
        mock.patch.object(ebmcore_kernels, "compute", recording),
        mock.patch.object(_cpu, "compute", recording),
    ):
        model.energy_and_gradient(x)
    if not calls:
        return _peak_scores(model, x) if hasattr(model, "peaks") else None

    def own() -> None:
        for arguments, named in calls:
            compute(*arguments, **named)

    return own


def _products(model: Any, x: Any) -> int:
    """How many ``(batch, d) @ (d, d)`` products one ``energy_and_gradient(x)`` call runs
    (``@``, ``matmul``, ``mm``, ``addmm`` with a ``(d, d)`` operand and an output of ``x``'s
    shape), counted by a :class:`torch.overrides.TorchFunctionMode` around a real call: the
    products its chain rule needs, whatever the class."""
    import torch
    from torch.overrides import TorchFunctionMode

    products = {torch.matmul, torch.mm, torch.addmm, torch.Tensor.matmul, torch.Tensor.__matmul__}
    square = (x.shape[-1], x.shape[-1])
    count = 0

    class Counting(TorchFunctionMode):
        def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
            nonlocal count
            out = func(*args, **(kwargs or {}))
            if (
                func in products
                and isinstance(out, torch.Tensor)
                and out.numel() == x.numel()
                and any(isinstance(a, torch.Tensor) and tuple(a.shape) == square for a in args)
            ):
                count += 1
            return out

    with Counting():
        model.energy_and_gradient(x)
    return count


def _peak_scores(model: Any, x: Any) -> Callable[[], Any]:
    """Gallagher's own work, at the least: its peaks' scores, one ``(batch, 2d) @ (2d, peaks)``
    product of ``[z * z, z]`` with the peaks' weights, into a tensor made outside the timing,
    and one pass over them (``amax``), the least its choice of the best peak reads. A lower
    bound: the choice itself, the best peak's value and T_osz come on top."""
    import torch

    pair = torch.cat([x * x, x], -1)
    weights = torch.cat([model.scales, model.scales * model.offsets], -1).T.to(x.dtype).contiguous()
    scores = x.new_empty(x.shape[0], model.peaks)

    def own() -> None:
        torch.matmul(pair, weights, out=scores)
        scores.amax(-1)

    return own


def run(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault("TORCHINDUCTOR_COMPILE_THREADS", "1")  # no worker pool on a small box
    # cold compile times: a fresh inductor cache, unless one is chosen or inductor is loaded already
    fresh = "TORCHINDUCTOR_CACHE_DIR" not in os.environ and "torch._inductor" not in sys.modules
    if fresh:
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench-bbob-inductor-")
    try:
        return _run(args, fresh)
    finally:
        if fresh:
            shutil.rmtree(os.environ.pop("TORCHINDUCTOR_CACHE_DIR"), ignore_errors=True)


def _run(args: argparse.Namespace, fresh_cache: bool) -> dict[str, Any]:
    import torch

    import ebmcore

    default = torch.get_num_threads()
    seconds = 0.1 if args.quick else 0.3
    generator = torch.Generator().manual_seed(0)
    x = 10 * torch.rand(BATCH, DIM, generator=generator) - 5
    w = torch.linalg.qr(torch.randn(DIM, DIM, generator=generator)).Q
    out, buf = torch.empty(BATCH, DIM), torch.empty(BATCH, DIM)
    dynamo = torch._dynamo
    dynamo.config.recompile_limit = 64  # one energy_and_gradient, compiled for every model
    dynamo.config.accumulated_recompile_limit = 4096
    start = time.perf_counter()
    torch.compile(lambda t: t + 1, backend="inductor", dynamic=False)(x)  # imports and warms inductor
    warmup = time.perf_counter() - start
    log(f"bbob: inductor warm-up {warmup:.1f} s")
    models, calls, rows = [], [], []
    for function in ROTATED:  # every compile first, then the timings
        model = ebmcore.create(f"bbob_f{function}", dim=DIM, instance=1).float()
        compiled = _compile(model, x)
        models.append(model)
        calls.append(compiled.pop("function"))
        products = _products(model, x)
        rows.append(
            {
                "function": function,
                "name": type(model).__name__,
                "products": products,
                "compile": compiled,
                "rounds": [],
            }
        )
        done = compiled["reason"] or f"compiled in {compiled['seconds']:.1f} s"
        log(f"bbob f{function}: {done}")
    rounds = 1 if args.quick else ROUNDS
    for _ in range(rounds):  # rounds over all functions: a passing disturbance spoils one, not all
        for model, call, row in zip(models, calls, rows, strict=True):
            measured: dict[str, Any] = {}
            for label, threads in (("default", default), ("one", 1)):
                functions: dict[str, Callable[[], Any]] = {
                    "ours": functools.partial(model.energy_and_gradient, x),
                    "product": lambda: torch.matmul(x, w, out=out),
                    "elementwise": lambda: torch.add(x, 1, out=buf),
                }
                if call is not None:
                    functions["compiled"] = functools.partial(call, x)
                own = _own_elementwise(model, x)
                if own is not None:
                    functions["own"] = own
                measured[label] = {
                    name: time_call(function, threads=threads, min_run_time=seconds, statistic="min")
                    for name, function in functions.items()
                }
            row["rounds"].append(measured)
    for row in rows:
        for label in ("default", "one"):
            best = {name: min(r[label][name] for r in row["rounds"]) for name in row["rounds"][0][label]}
            floor = best["product"] + best["elementwise"]
            fused, own = best.get("compiled"), best.get("own")
            row[label] = {
                "ours": best["ours"],
                "floor": floor,
                "ratio": best["ours"] / floor,
                "own": own,
                "own_floor": None if own is None else best["product"] + own,
                "own_ratio": None if own is None else best["ours"] / (best["product"] + own),
                "chain_ratio": (
                    None if own is None else best["ours"] / (row["products"] * best["product"] + own)
                ),
                "compiled": fused,
                "compiled_ratio": None if fused is None else fused / floor,
            }
        fused_ratios = [row[label]["compiled_ratio"] for label in ("default", "one")]
        log(
            f"bbob f{row['function']}: {row['default']['ratio']:.2f} (default threads), "
            f"{row['one']['ratio']:.2f} (1 thread); compiled "
            + ("None" if fused_ratios[0] is None else f"{fused_ratios[0]:.2f}, {fused_ratios[1]:.2f}")
        )
    result = {
        "environment": environment(),
        "default_threads": default,
        "quick": bool(args.quick),
        "compile_timeout_s": COMPILE_TIMEOUT_S,
        "fresh_inductor_cache": fresh_cache,
        "inductor_warmup_s": warmup,
        "rounds": rounds,
        "rows": rows,
    }
    write_results("bbob", result, _markdown(result))
    return result


def _markdown(result: dict[str, Any]) -> str:
    env, default = result["environment"], result["default_threads"]
    rows = result["rows"]
    met = {label: sum(r[label]["ratio"] <= 2.0 for r in rows) for label in ("default", "one")}
    own = [r for r in rows if r["default"].get("own") is not None]
    own_met = {label: sum(r[label]["own_ratio"] <= 2.0 for r in own) for label in ("default", "one")}
    chain_met = {label: sum(r[label]["chain_ratio"] <= 2.0 for r in own) for label in ("default", "one")}
    fused_met = {
        label: sum(r[label]["compiled_ratio"] is not None and r[label]["compiled_ratio"] <= 2.0 for r in rows)
        for label in ("default", "one")
    }
    failed = [r for r in rows if r["compile"]["reason"] is not None]
    cache = (
        "cold: a fresh inductor cache"
        if result.get("fresh_inductor_cache")
        else "inductor's cache as it was: a compile it has seen before is faster"
    )
    rounds = result.get("rounds", 1)
    timing = "Fastest of blocks of calls" + (
        f", the least of {rounds} rounds over all functions (all compiles come first)" if rounds > 1 else ""
    )
    timing += " (`--quick`: shorter blocks, one round)." if result.get("quick") else "."
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
            f"{met['one']} of {len(rows)} at 1 thread. {timing}",
            "",
            "`own`: the function's own elementwise work, its energies and gradient in the mapped "
            "coordinates, fused: the C kernels one call runs (formula, inner map, x term: penalty or "
            "funnels), replayed alone on the inputs of such a call (the functions written as linear "
            "maps and formulas, `ebmcore_bbob._formula`). For Gallagher's f21 and f22 a lower bound: "
            "their peaks' scores, one (batch, 2d) @ (2d, peaks) product, and one pass over them, the "
            "least their choice of the best peak reads (the choice, the best peak's value and T_osz "
            "come on top). The "
            "issue's target is `ours / (product + own)` <= 2, one product plus the elementwise work: "
            f"met for {own_met['default']} of {len(own)} at {default} threads, {own_met['one']} of "
            f"{len(own)} at 1 thread. (`ours` is two products, one forward and one for the gradient, "
            "four with an inner map (f15-f18; f12: two, its formula folds its second rotation in; f7: two, "
            "its rounding has no gradient), plus `own`.)",
            "",
            "`k`: the (batch, d) @ (d, d) products one call runs, counted in a real call (the "
            "products its chain rule needs), and `ours / (k products + own)` the measure proposed in "
            f"place of the issue's: <= 2 for {chain_met['default']} of {len(own)} at {default} threads, "
            f"{chain_met['one']} of {len(own)} at 1 thread.",
            "",
            "`compiled`: the same `energy_and_gradient` through `torch.compile` (inductor, "
            f"`dynamic=False`), compiled once by a first call at {default} threads (`compile`: that "
            f"call's time, after a warm-up compile of `x + 1` that took {result['inductor_warmup_s']:.1f} s "
            f"and imported inductor; {cache}), then timed like `ours`. The graph calls the C kernels "
            "as `ours` does (the operator `ebmcore_kernels::compute`); inductor compiles the work "
            "around them. "
            f"`compiled / floor` <= 2 for {fused_met['default']} of {len(rows)} at {default} threads, "
            f"{fused_met['one']} of {len(rows)} at 1 thread. A compile that fails or takes over "
            f"{result['compile_timeout_s']:.0f} s is left out (—) with its reason below.",
            "",
            markdown_table(
                [
                    "function",
                    "class",
                    "k",
                    f"ours ({default} thr.)",
                    f"floor ({default} thr.)",
                    "ratio",
                    f"own ({default} thr.)",
                    "ours / (product + own)",
                    "ours / (k products + own)",
                    f"compiled ({default} thr.)",
                    "ratio",
                    "ours (1 thr.)",
                    "floor (1 thr.)",
                    "ratio",
                    "own (1 thr.)",
                    "ours / (product + own)",
                    "ours / (k products + own)",
                    "compiled (1 thr.)",
                    "ratio",
                    "compile",
                ],
                [
                    [
                        f"f{r['function']}",
                        r["name"],
                        str(r["products"]),
                        fmt_time(r["default"]["ours"]),
                        fmt_time(r["default"]["floor"]),
                        fmt_ratio(r["default"]["ratio"]),
                        fmt_time(r["default"].get("own")),
                        fmt_ratio(r["default"].get("own_ratio")),
                        fmt_ratio(r["default"].get("chain_ratio")),
                        fmt_time(r["default"]["compiled"]),
                        fmt_ratio(r["default"]["compiled_ratio"]),
                        fmt_time(r["one"]["ours"]),
                        fmt_time(r["one"]["floor"]),
                        fmt_ratio(r["one"]["ratio"]),
                        fmt_time(r["one"].get("own")),
                        fmt_ratio(r["one"].get("own_ratio")),
                        fmt_ratio(r["one"].get("chain_ratio")),
                        fmt_time(r["one"]["compiled"]),
                        fmt_ratio(r["one"]["compiled_ratio"]),
                        f"{r['compile']['seconds']:.1f} s",
                    ]
                    for r in rows
                ],
            ),
            "",
            *(
                [
                    "Not compiled: "
                    + "; ".join(f"f{r['function']}: {r['compile']['reason']}" for r in failed)
                    + ".",
                    "",
                ]
                if failed
                else []
            ),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter timing blocks")
    run(parser.parse_args(argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
