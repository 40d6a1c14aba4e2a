"""A/B of a base commit's core and plugins against the working tree's.

``python bench/ab.py --base HEAD`` checks the base commit out into a temporary worktree (its
plugins importable from their folders, with the compiled extensions of this tree where their C
sources are unchanged) and times, in fresh processes that alternate between the two trees, at
torch's default thread count and at one thread, one set of cases (``--cases``):

* ``core`` (the default), the per-call overhead: the start-up (``import ebmcore`` and listing
  the catalog, each in a new interpreter), ``create()``, ``model(x)`` and
  ``energy_and_gradient`` at batch 1 and 1e4 for energies on each gradient path (kernel,
  analytic, autograd through ``forward``); writes ``bench/results/ab.md`` and ``ab.json``;
* ``targets``: ``energy_and_gradient`` of the sampling targets whose work is more than one
  pass (a mixture of Gaussians, the particle systems, logistic regression) at a small and a
  large batch; writes ``ab-targets.md`` and ``ab-targets.json``.

Each process reports the fastest block of each case; the table gives, per case, the ratio
new / base of the medians over the rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from types import CodeType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__" and str(ROOT) not in sys.path:  # run as a script: bench/ is importable
    sys.path.append(str(ROOT))

# (label, setup, statement): the setup makes `model` and `x`; float32, dim 10
CASES = [
    ("create double_well", "", "ebmcore.create('double_well', dim=10)"),
    ("create gaussian", "", "ebmcore.create('gaussian', dim=10)"),
    *[
        (f"{call} {name} batch {label}", f"model = ebmcore.create({spec}); x = torch.randn({shape})", stmt)
        for name, spec in (
            ("double_well", "'double_well', dim=10"),
            ("rosenbrock", "'rosenbrock', dim=10"),
            ("gaussian", "'gaussian', dim=10"),
            ("mlp", "'mlp', input_dim=10, hidden_dims=[32], seed=0"),
        )
        for label, shape in (("1", "10"), ("1e4", "10_000, 10"))
        for call, stmt in (("model(x)", "model(x)"), ("energy_and_gradient", "model.energy_and_gradient(x)"))
    ],
]


def _mixture(dim: int) -> str:
    """Eight unit Gaussians with means on a grid of spacing 2 (a mixture's components, as code)."""
    mean = f"[2.0 * ((k * 7 + i * 3) % 5 - 2) for i in range({dim})]"
    return f"[{{'name': 'gaussian', 'mean': {mean}}} for k in range(8)]"


def _targets() -> list[tuple[str, str, str]]:
    """``energy_and_gradient`` of the targets whose work is more than one pass (float32 unless named)."""
    models = [
        ("mixture of 8 Gaussians d=2", f"'mixture', components={_mixture(2)}", 2, ("1", "1e4")),
        ("mixture of 8 Gaussians d=10", f"'mixture', components={_mixture(10)}", 10, ("1", "1e4")),
        ("lj13", "'lj13'", 39, ("1", "1e4")),
        ("lj55", "'lj55'", 165, ("10", "1e3")),
        ("dw4", "'dw4'", 8, ("1", "1e4")),
        ("logistic_regression", "'logistic_regression'", 31, ("100", "1e4")),
        ("logistic_regression float64", "'logistic_regression'", 31, ("100", "1e4")),
    ]
    cases = []
    for label, spec, dim, batches in models:
        cast = ".double()" if "float64" in label else ""
        for batch in batches:
            shape = f"{int(float(batch))}, {dim}"
            setup = f"model = ebmcore.create({spec}){cast}; x = 0.5 * torch.randn({shape}){cast}"
            cases.append((f"{label} batch {batch}", setup, "model.energy_and_gradient(x)"))
    return cases


CASE_SETS = {"core": CASES, "targets": _targets()}
"""The case sets ``--cases`` picks from."""

# (label, statement): run in a new interpreter each time; its whole run time, the fastest of 5
STARTUP = [
    ("import ebmcore", "import ebmcore"),
    ("ebmcore list", "import ebmcore; ebmcore.list_energies()"),
]


def startup(statement: str, repeats: int = 5) -> float:
    """Seconds a new interpreter takes to run ``statement`` (the fastest of ``repeats``)."""
    import time

    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True)
        times.append(time.perf_counter() - started)
    return min(times)


def worker(threads: int, min_run_time: float, cases: str) -> dict[str, float]:
    """Seconds per call of every case of the set ``cases`` in this process (the fastest block)."""
    import torch

    import ebmcore
    from bench.common import time_call

    torch.manual_seed(0)
    out = {label: startup(statement) for label, statement in STARTUP} if cases == "core" else {}
    for label, setup, statement in CASE_SETS[cases]:
        scope: dict[str, Any] = {"ebmcore": ebmcore, "torch": torch}
        exec(setup, scope)
        code = compile(statement, label, "eval")

        def evaluate(code: CodeType = code, scope: dict[str, Any] = scope) -> Any:
            return eval(code, scope)

        out[label] = time_call(
            evaluate,
            threads=threads,
            min_run_time=min_run_time,
            statistic="min",
        )
    return out


def _path(tree: Path) -> str:
    """The tree's core and each of its plugin folders, ahead of the installed packages."""
    plugins = sorted(str(p.parent) for p in (tree / "plugins").glob("*/pyproject.toml"))
    return os.pathsep.join([str(tree), *plugins, str(ROOT)])


def _borrow_extensions(base: Path, commit: str) -> None:
    """Copy this tree's compiled plugin extensions into ``base`` (unchanged C sources only)."""
    sources = ["plugins/*/*/*.c", "plugins/*/*/*.h", "plugins/*/setup.py"]
    changed = subprocess.run(
        ["git", "diff", "--name-only", commit, "--", *sources], cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    if changed:
        raise SystemExit(f"the C sources changed since {commit} ({', '.join(changed)}): build both trees")
    for built in ROOT.glob("plugins/*/*/*.so"):
        shutil.copy2(built, base / built.relative_to(ROOT))


def _run(tree: Path, threads: int, min_run_time: float, cases: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": _path(tree)}
    argv = [sys.executable, __file__, "--worker", f"--threads={threads}", f"--min-run-time={min_run_time}"]
    argv.append(f"--cases={cases}")
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", default="HEAD", help="the commit whose ebmcore/ is the baseline")
    parser.add_argument("--rounds", type=int, default=5, help="processes per side and thread count")
    parser.add_argument("--min-run-time", type=float, default=0.2, help="seconds per case per process")
    parser.add_argument("--cases", choices=sorted(CASE_SETS), default="core", help="the set of cases")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        import torch

        print(json.dumps(worker(args.threads or torch.get_num_threads(), args.min_run_time, args.cases)))
        return 0

    import torch

    from bench.common import environment, fmt_ratio, fmt_time, markdown_table, write_results

    base_commit = subprocess.run(
        ["git", "rev-parse", "--short", args.base], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    default_threads = torch.get_num_threads()
    results: dict[str, dict[str, dict[str, list[float]]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        base_root = Path(tmp) / "base"
        worktree = ["git", "worktree", "add", "--detach", str(base_root), args.base]
        subprocess.run(worktree, cwd=ROOT, check=True)
        _borrow_extensions(base_root, args.base)
        try:
            for threads in sorted({default_threads, 1}, reverse=True):
                sides: dict[str, dict[str, list[float]]] = {"base": {}, "new": {}}
                for round_ in range(args.rounds):
                    order = [("base", base_root), ("new", ROOT)]
                    for side, root in order if round_ % 2 == 0 else order[::-1]:
                        for label, seconds in _run(root, threads, args.min_run_time, args.cases).items():
                            sides[side].setdefault(label, []).append(seconds)
                results[str(threads)] = sides
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base_root)], cwd=ROOT, check=True)

    rows = []
    startup_labels = [label for label, _ in STARTUP] if args.cases == "core" else []
    for label in startup_labels + [label for label, _, _ in CASE_SETS[args.cases]]:
        row: list[Any] = [label]
        for threads_key in results:
            base = statistics.median(results[threads_key]["base"][label])
            new = statistics.median(results[threads_key]["new"][label])
            row += [fmt_time(base), fmt_time(new), fmt_ratio(new / base)]
        rows.append(row)
    header = ["case"]
    for threads_key in results:
        header += [f"base ({threads_key} thr)", f"new ({threads_key} thr)", f"new / base ({threads_key} thr)"]
    title, what, stem = (
        ("Core overhead A/B", "float32, dim 10", "ab")
        if args.cases == "core"
        else ("Sampling targets A/B", "energy_and_gradient, float32 unless named", "ab-targets")
    )
    text = (
        f"# {title}: working tree vs {base_commit}\n\n"
        f"{environment()['date_utc']}, torch {torch.__version__}, {os.cpu_count()} cores; "
        f"{args.rounds} fresh processes per side and thread count, alternating; each the fastest "
        f"block of each case; the medians over processes. {what}.\n\n" + markdown_table(header, rows) + "\n"
    )
    payload = {"base": base_commit, "cases": args.cases, "environment": environment(), "results": results}
    write_results(stem, payload, text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
