"""Helpers shared by the benchmarks: timing, environment record, output files."""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent

ALLOCATOR_ENV = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_ARENA_MAX")


def environment(threads: int | None = None) -> dict[str, Any]:
    """What the numbers depend on: versions, CPU, threads, allocator settings, load."""
    import torch

    info: dict[str, Any] = {
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "platform": platform.platform(),
        "cpu": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "torch_threads": threads if threads is not None else torch.get_num_threads(),
        "allocator_env": {k: os.environ.get(k) for k in ALLOCATOR_ENV if os.environ.get(k) is not None},
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    try:
        import torchebm

        info["torchebm"] = torchebm.__version__
    except ImportError:
        info["torchebm"] = None
    return info


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def time_call(
    fn: Callable[[], Any], *, threads: int, min_run_time: float, statistic: str = "median"
) -> float:
    """Seconds per call of ``fn``.

    ``statistic="median"``: the median block of a torch.utils.benchmark blocked_autorange.
    ``statistic="min"``: the fastest of many short blocks (about 2 ms of calls each, for
    ``min_run_time`` seconds in all): on a machine shared with other busy processes, the block
    that ran undisturbed. Both leave torch's thread count at ``threads``.
    """
    import torch
    from torch.utils import benchmark

    if statistic != "min":
        timer = benchmark.Timer(stmt="fn()", globals={"fn": fn}, num_threads=threads)
        return float(timer.blocked_autorange(min_run_time=min_run_time).median)
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        fn()
        start = time.perf_counter()
        fn()
        per_call = max(time.perf_counter() - start, 1e-7)
        number = max(1, int(2e-3 / per_call))
        best = per_call  # the timed probe is a sample too
        deadline = time.perf_counter() + min_run_time
        blocks = 0
        # At least three blocks of short calls; a call longer than a block needs one more block,
        # and one as long as min_run_time none: the probe is the measurement.
        min_blocks = 3 if number > 1 else 1 if per_call < min_run_time else 0
        while blocks < min_blocks or time.perf_counter() < deadline:
            start = time.perf_counter()
            for _ in range(number):
                fn()
            best = min(best, (time.perf_counter() - start) / number)
            blocks += 1
        return best
    finally:
        torch.set_num_threads(previous)


def wall(argv: Sequence[str], *, repeat: int, env: dict[str, str] | None = None) -> list[float]:
    """Wall-clock seconds of ``repeat`` runs of a command (stdout discarded)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(list(argv), check=True, stdout=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - start)
    return times


def summary(values: Sequence[float]) -> dict[str, float]:
    return {"min": min(values), "median": statistics.median(values), "max": max(values), "n": len(values)}


def fmt_time(seconds: float | None) -> str:
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "—"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


def fmt_ratio(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "—"
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def write_json(name: str, payload: Any) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(json.dumps(payload, indent=1, default=str) + "\n")
    return path


def write_text(name: str, text: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(text)
    return path


def write_results(stem: str, payload: Any, text: str) -> None:
    """A benchmark's results: ``payload`` as ``<stem>.json`` and its page ``text`` as ``<stem>.md``."""
    write_json(f"{stem}.json", payload)
    write_text(f"{stem}.md", text)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
