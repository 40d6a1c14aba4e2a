"""Energy and gradient throughput: ebmcore (default and compiled paths), autograd, TorchEBM, roofline.

Every registered energy with an event shape ``(d,)``, ``d >= 2`` is measured over a grid of
batch sizes and dimensions (energies fixed to 2-D only at ``d = 2``), in float32 on CPU, in
one process, so that the ratios compare numbers taken minutes apart under the same load.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import copy
import functools
import importlib
import inspect
import json
import math
import statistics
import subprocess
import sys
import time
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
    time_call,
    write_results,
)

BATCHES = (1_000, 10_000, 100_000)
DIMS = (2, 10, 100, 1000)
QUICK_BATCHES = (10_000,)
QUICK_DIMS = (2, 10, 100)
TARGET = (10_000, 100)  # (batch, dim) at which the TorchEBM and roofline targets are evaluated
# energy_and_gradient against plain autograd (x.requires_grad_(); e = model(x);
# torch.autograd.grad(e.sum(), x)): at least AUTOGRAD_TARGET times faster for every
# variable-dimension energy of the analytic plugin, at batch 10,000 and these dims.
AUTOGRAD_TARGET = 3.0
AUTOGRAD_TARGET_DIMS = (10, 100)
AUTOGRAD_TARGET_PLUGIN = "analytic"
# This VM moves a process's times by up to 2x for its whole life (bench/README.md), so the
# autograd and roofline targets are read from the median of the ratio over this process and
# this many fresh ones, each measuring only what those ratios need at the targets' sizes.
TARGET_PROCESSES = 4
# Energies whose cost is elementwise in x (one pass of arithmetic per element and a row
# reduction): the roofline target (best path within ROOFLINE_TARGET of read+write of x) is
# theirs. The others do more work per element by definition (neighbour couplings, several
# transcendentals per element, mixtures); their ratio is reported, not targeted.
ELEMENTWISE = ("double_well", "harmonic", "rastrigin", "ackley", "styblinski_tang", "sphere")
ROOFLINE_TARGET = 2.0

# ebmcore name -> TorchEBM 0.8.9 class in torchebm.core (matched by name; parameters are
# passed by their ebmcore names where TorchEBM's constructor has the same ones, and every
# pair is checked to give the same energies before it is compared).
TORCHEBM_CLASSES = {
    "gaussian": "GaussianModel",
    "double_well": "DoubleWellModel",
    "harmonic": "HarmonicModel",
    "rosenbrock": "RosenbrockModel",
    "ackley": "AckleyModel",
    "rastrigin": "RastriginModel",
    "himmelblau": "HimmelblauModel",
    "booth": "BoothModel",
    "styblinski_tang": "StyblinskiTangModel",
}

# Energies whose cost is a (batch, d) @ (d, d) product and not a pass over x: their roofline
# adds one such matmul. The mixture costs one pass per component and has no target.
MATMUL_ENERGIES = {"gaussian"}
FLOOR_ENERGIES = {"rastrigin"}  # where the cost of one eager cos and sin pass is measured
GRID_FIRST = {"mixture", "gmm"}  # besides the analytic plugin, measured over the whole grid first
LATTICES = {"free_field", "phi4"}  # event shape (L, L): measured where d = L^2 (d = 100)
NO_ROOFLINE_TARGET = {"mixture", "gmm"}


def _spd(d: int, generator: torch.Generator) -> torch.Tensor:
    a = torch.randn(d, d, generator=generator, dtype=torch.float64) / math.sqrt(d)
    m = a @ a.T + torch.eye(d, dtype=torch.float64)
    return 0.5 * (m + m.T)  # exactly symmetric


def candidate_kwargs(name: str, d: int, generator: torch.Generator) -> list[dict[str, Any]]:
    """Constructor arguments to try, best first (a full covariance for the Gaussian, ...)."""
    if name == "gaussian":
        mean = 0.1 * torch.randn(d, generator=generator, dtype=torch.float64)
        return [{"dim": d, "mean": mean.tolist(), "cov": _spd(d, generator).tolist()}]
    if name == "mixture":
        means = _mixture_means(d)
        return [{"dim": d, "components": [{"name": "gaussian", "mean": m} for m in means]}, {"dim": d}]
    if name == "gmm":
        return [{"means": _mixture_means(d)}, {"dim": d}]
    if name == "hybrid_rosenbrock":  # dim = (n1 - 1) n2 + 1: one block of d - 1
        return [{"n1": d, "n2": 1}]
    side = math.isqrt(d)
    if name in LATTICES and side * side == d:  # an L x L lattice of d sites
        return [{"L": side}]
    return [{"dim": d}]


def _mixture_means(d: int) -> list[list[float]]:
    """Eight means N(0, 4 I), the same for ``mixture`` and ``gmm``: one mixture computed two ways."""
    generator = torch.Generator().manual_seed(1000 + d)
    return (2.0 * torch.randn(8, d, generator=generator, dtype=torch.float64)).tolist()


def build(name: str, d: int, generator: torch.Generator) -> tuple[Any, dict[str, Any]] | None:
    """The model for ``name`` at dimension ``d``, or None where the energy has no such size."""
    for kwargs in candidate_kwargs(name, d, generator):
        try:
            model = ebmcore.create(name, **kwargs)
        except (ebmcore.EbmcoreError, TypeError, ValueError):
            continue
        if tuple(model.event_shape) == (d,) or (name in LATTICES and model.dim == d):
            return model, kwargs
    if d == 2:  # energies without a dim parameter (fixed 2-D)
        try:
            model = ebmcore.create(name)
        except (ebmcore.EbmcoreError, TypeError, ValueError):
            return None
        if tuple(model.event_shape) == (2,):
            return model, {}
    return None


def torchebm_model(name: str, model: Any) -> tuple[Any, str]:
    """The TorchEBM counterpart of ``model`` (or None) and a note on how it was matched."""
    class_name = TORCHEBM_CLASSES.get(name)
    if class_name is None:
        return None, "no TorchEBM model of this name"
    try:
        import torchebm.core as tcore
    except ImportError:
        return None, "torchebm not installed"
    cls = getattr(tcore, class_name, None)
    if cls is None:
        return None, f"torchebm.core has no {class_name}"
    params = [
        p
        for p in inspect.signature(cls.__init__).parameters.values()
        if p.name not in ("self", "dtype", "device") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    config = model.config
    kwargs: dict[str, Any] = {}
    for p in params:
        if name == "gaussian" and p.name == "mean":
            kwargs["mean"] = model.mean.float()
        elif name == "gaussian" and p.name == "cov":
            cov = config.get("cov")
            if isinstance(cov, list) and cov and isinstance(cov[0], list):
                kwargs["cov"] = torch.tensor(cov, dtype=torch.float32)
            else:
                kwargs["cov"] = torch.diag(model.variance.float())
        elif config.get(p.name) is not None:
            value = config[p.name]
            kwargs[p.name] = torch.tensor(value, dtype=torch.float32) if isinstance(value, list) else value
        elif p.default is p.empty:
            return None, f"{class_name} needs {p.name!r}, which {name} does not have"
    try:
        reference = cls(**kwargs)
    except Exception as exc:
        return None, f"{class_name}({', '.join(kwargs)}) failed: {exc!r}"
    generator = torch.Generator().manual_seed(7)
    x = torch.randn(64, model.dim, generator=generator)
    ours = model.energy(x.double()).float()
    theirs = reference(x).detach()
    if theirs.shape != ours.shape or not torch.allclose(theirs, ours, rtol=1e-4, atol=1e-4):
        gap = (theirs - ours).abs().max().item() if theirs.shape == ours.shape else float("nan")
        return None, f"{class_name} gives other energies (max gap {gap:.3g}); not compared"
    return reference, f"torchebm.core.{class_name}({', '.join(f'{k}=' for k in kwargs)})"


def plain_autograd(model: Any, x: torch.Tensor) -> Callable[[], Any]:
    """Autograd through the formula, as without ebmcore's gradient paths: ``model(x)`` under
    ``use_backend("autograd")`` (otherwise autograd would differentiate ``model(x)`` by the
    fused analytic gradient, ebmcore's own path)."""

    def run() -> Any:
        leaf = x.detach().requires_grad_(True)
        with ebmcore.use_backend("autograd"):
            energy = model(leaf)
        (grad,) = torch.autograd.grad(energy.sum(), leaf)
        return energy, grad

    return run


def interleaved(
    fns: dict[str, Callable[[], Any]], rounds: int, *, threads: int, min_run_time: float, statistic: str
) -> dict[str, list[float]]:
    """Each function's time per call in each of ``rounds`` rounds that run every function once,
    so that each method sees the same load."""
    times: dict[str, list[float]] = {key: [] for key in fns}
    for _ in range(rounds):
        for key, fn in fns.items():
            times[key].append(time_call(fn, threads=threads, min_run_time=min_run_time, statistic=statistic))
    return times


def measure(
    name: str,
    model: Any,
    reference: Any,
    batch: int,
    *,
    threads: int,
    min_run_time: float,
    rounds: int,
    generator: torch.Generator,
    statistic: str = "min",
    floors: bool = False,
) -> dict[str, Any]:
    d = model.dim
    x = torch.randn(batch, *model.event_shape, generator=generator)  # (L, L) for a lattice
    fns: dict[str, Callable[[], Any]] = {
        "default/energy": lambda: model.energy(x),
        "default/gradient": lambda: model.gradient(x),
        "default/energy_and_gradient": lambda: model.energy_and_gradient(x),
    }
    record: dict[str, Any] = {
        "energy": name,
        "batch": batch,
        "dim": d,
        "default_path": ebmcore.resolve_backend(model, x),
    }
    compiled = copy.copy(model)  # shares parameters and buffers; its own kernel table
    try:
        ebmcore.compile(compiled, "cpu")
    except ebmcore.EbmcoreError as exc:
        record["compiled_note"] = str(exc)
    else:
        start = time.perf_counter()
        compiled.energy_and_gradient(x)
        record["compiled_first_call_s"] = time.perf_counter() - start
        fns["compiled/gradient"] = lambda: compiled.gradient(x)
        fns["compiled/energy_and_gradient"] = lambda: compiled.energy_and_gradient(x)

    def autograd(method: str) -> Callable[[], Any]:
        def run() -> Any:
            with ebmcore.use_backend("autograd"):
                return getattr(model, method)(x)

        return run

    fns["autograd/gradient"] = autograd("gradient")
    fns["autograd/energy_and_gradient"] = autograd("energy_and_gradient")
    fns["autograd/plain"] = plain_autograd(model, x)
    if reference is not None:

        def torchebm_energy() -> Any:
            with torch.no_grad():
                return reference(x)

        fns["torchebm/energy"] = torchebm_energy
        fns["torchebm/gradient"] = lambda: reference.gradient(x)
    out = torch.empty_like(x)
    fns["roofline/read_write"] = lambda: torch.add(x, 1, out=out)
    if floors:  # what one transcendental pass costs here (eager ATen), for the trig-heavy energies
        fns["floor/cos"] = lambda: torch.cos(x, out=out)
        fns["floor/sin"] = lambda: torch.sin(x, out=out)
    if name in MATMUL_ENERGIES:
        w = torch.randn(d, d, generator=generator)
        mm_out = torch.empty(batch, d)
        fns["roofline/matmul"] = lambda: torch.matmul(x, w, out=mm_out)
    times = interleaved(fns, rounds, threads=threads, min_run_time=min_run_time, statistic=statistic)
    record["rounds"] = times
    record["times"] = {key: min(values) for key, values in times.items()}
    if compiled is not model and "compiled/energy_and_gradient" in fns:
        record["compiled_path"] = ebmcore.resolve_backend(compiled, x)
    return record


Probe = dict[str, dict[str, dict[str, float]]]  # {name: {dim: {"autograd" or "roofline": ratio}}}


def target_probe(args: argparse.Namespace) -> Probe:
    """The targets' ratios, measured in this process: plain autograd / ours (default path) at
    the autograd target's sizes for every energy of the targeted plugin that has them, and ours /
    roofline at the target size for the elementwise energies."""
    torch.set_num_threads(args.threads)
    ratios: Probe = {}
    for name in ebmcore.list_energies(args.pattern):
        if ebmcore.info(name).plugin != AUTOGRAD_TARGET_PLUGIN:
            continue
        for d in AUTOGRAD_TARGET_DIMS:
            generator = torch.Generator().manual_seed(d)
            built = build(name, d, generator)
            if built is None:
                continue
            model = built[0]
            x = torch.randn(TARGET[0], d, generator=generator)
            fns: dict[str, Callable[[], Any]] = {
                "ours": functools.partial(model.energy_and_gradient, x),
                "plain": plain_autograd(model, x),
            }
            if name in ELEMENTWISE and (TARGET[0], d) == TARGET:
                fns["roofline"] = functools.partial(torch.add, x, 1, out=torch.empty_like(x))
            times = interleaved(
                fns,
                args.repeats,
                threads=args.threads,
                min_run_time=args.min_run_time,
                statistic=args.statistic,
            )
            best = {key: min(values) for key, values in times.items()}
            found = ratios.setdefault(name, {})[str(d)] = {"autograd": best["plain"] / best["ours"]}
            if "roofline" in best:
                found["roofline"] = best["ours"] / best["roofline"]
    return ratios


def target_probes(args: argparse.Namespace) -> list[Probe]:
    """``target_probe`` in ``args.target_processes`` fresh processes, one after the other."""
    from .common import ROOT

    command = [sys.executable, "-m", "bench.energies", "--target-probe", "--pattern", args.pattern]
    command += ["--threads", str(args.threads), "--repeats", str(args.repeats)]
    command += ["--min-run-time", str(args.min_run_time), "--statistic", args.statistic]
    results = []
    for index in range(args.target_processes):
        log(f"targets: fresh process {index + 1} of {args.target_processes}")
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"target probe failed ({done.returncode}):\n{done.stderr[-4000:]}")
        results.append(json.loads(done.stdout))
    return results


def derive(record: dict[str, Any]) -> dict[str, float | None]:
    t = record["times"]
    default = t.get("default/energy_and_gradient")
    compiled = t.get("compiled/energy_and_gradient")
    best = min(v for v in (default, compiled) if v is not None) if default is not None else None
    roof = t.get("roofline/read_write")
    if roof is not None and "roofline/matmul" in t:
        roof = roof + t["roofline/matmul"]
    tebm = None
    if "torchebm/energy" in t and "torchebm/gradient" in t:
        tebm = t["torchebm/energy"] + t["torchebm/gradient"]
    autograd = t.get("autograd/plain", t.get("autograd/energy_and_gradient"))

    def ratio(a: float | None, b: float | None) -> float | None:
        return a / b if a is not None and b else None

    return {
        "best_energy_and_gradient": best,
        "best_path": None if best is None else ("compiled" if best == compiled else "default"),
        "roofline": roof,
        "torchebm_forward_plus_gradient": tebm,
        "ours_best_over_roofline": ratio(best, roof),
        "ours_default_over_roofline": ratio(default, roof),
        "torchebm_over_ours_default": ratio(tebm, default),
        "torchebm_over_ours_best": ratio(tebm, best),
        "autograd_over_ours_default": ratio(autograd, default),
        "autograd_over_ours_best": ratio(autograd, best),
        "cos_over_roofline": ratio(t.get("floor/cos"), t.get("roofline/read_write")),
    }


def _median_over_processes(
    name: str, dim: int, kind: str, here: float | None, probes: list[Probe]
) -> tuple[list[float | None], float | None]:
    """This process's ratio and the fresh processes' for one target, and their median."""
    processes = [here] + [
        probe[name][str(dim)][kind] for probe in probes if kind in probe.get(name, {}).get(str(dim), {})
    ]
    known = [value for value in processes if value is not None]
    return processes, statistics.median(known) if known else None


def evaluate_targets(records: list[dict[str, Any]], probes: list[Probe] | None = None) -> dict[str, Any]:
    probes = probes or []
    batch, dim = TARGET
    at = [r for r in records if r["batch"] == batch and r["dim"] == dim]
    vs_tebm = {
        r["energy"]: r["derived"]["torchebm_over_ours_best"]
        for r in at
        if r["derived"]["torchebm_over_ours_best"] is not None
    }
    vs_tebm_default = {
        r["energy"]: r["derived"]["torchebm_over_ours_default"]
        for r in at
        if r["derived"]["torchebm_over_ours_default"] is not None
    }
    roof = {
        r["energy"]: r["derived"]["ours_best_over_roofline"]
        for r in at
        if r["energy"] not in NO_ROOFLINE_TARGET and r["derived"]["ours_best_over_roofline"] is not None
    }
    roof_processes = {
        name: _median_over_processes(name, dim, "roofline", value, probes)
        for name, value in roof.items()
        if name in ELEMENTWISE
    }
    floors = {
        r["energy"]: {
            "cos_over_roofline": r["derived"]["cos_over_roofline"],
            "sin_over_roofline": (
                r["times"]["floor/sin"] / r["times"]["roofline/read_write"]
                if "floor/sin" in r["times"]
                else None
            ),
        }
        for r in at
        if "floor/cos" in r["times"]
    }
    vs_autograd: dict[str, dict[str, dict[str, Any]]] = {}
    for r in records:
        if (
            r["batch"] == batch
            and r["dim"] in AUTOGRAD_TARGET_DIMS
            and r.get("plugin") == AUTOGRAD_TARGET_PLUGIN
        ):
            default = r["derived"]["autograd_over_ours_default"]
            processes, median = _median_over_processes(r["energy"], r["dim"], "autograd", default, probes)
            vs_autograd.setdefault(r["energy"], {})[str(r["dim"])] = {
                "default": default,
                "best": r["derived"]["autograd_over_ours_best"],
                "processes": processes,
                "median": median,
            }
    vs_autograd = {k: v for k, v in vs_autograd.items() if len(v) == len(AUTOGRAD_TARGET_DIMS)}

    def all_met(path: str) -> dict[str, bool]:
        return {
            name: all((v[path] or 0) >= AUTOGRAD_TARGET for v in by_dim.values())
            for name, by_dim in vs_autograd.items()
        }

    def geomean(values: list[float]) -> float | None:
        return math.exp(statistics.fmean(math.log(v) for v in values)) if values else None

    return {
        "batch": batch,
        "dim": dim,
        "torchebm_over_ours_best": vs_tebm,
        "torchebm_geomean_best": geomean(list(vs_tebm.values())),
        "torchebm_over_ours_default": vs_tebm_default,
        "torchebm_geomean_default": geomean(list(vs_tebm_default.values())),
        "torchebm_target": "geometric mean >= 5 and each >= 3",
        "torchebm_met": bool(vs_tebm)
        and (geomean(list(vs_tebm.values())) or 0) >= 5
        and min(vs_tebm.values()) >= 3,
        "ours_over_roofline": roof,
        "roofline_target": f"<= {ROOFLINE_TARGET} for the elementwise energies {', '.join(ELEMENTWISE)}",
        "roofline_targeted": [name for name in ELEMENTWISE if name in roof],
        "roofline_processes": {name: processes for name, (processes, _) in roof_processes.items()},
        "roofline_median": {name: median for name, (_, median) in roof_processes.items()},
        "roofline_met": {
            name: (median or math.inf) <= ROOFLINE_TARGET for name, (_, median) in roof_processes.items()
        },
        "transcendental_floor": floors,
        "autograd_target": f">= {AUTOGRAD_TARGET} at batch {batch}, dims {AUTOGRAD_TARGET_DIMS}, "
        f"every variable-dimension energy of the {AUTOGRAD_TARGET_PLUGIN} plugin, "
        f"the median over {1 + len(probes)} processes",
        "target_processes": 1 + len(probes),
        "autograd_over_ours": vs_autograd,
        "autograd_met": all_met("median"),
        "autograd_met_default": all_met("default"),
        "autograd_met_best": all_met("best"),
    }


def _median_and_range(processes: list[float | None], median: float | None, single: float | None) -> str:
    """ "median (min-max)" of a ratio over processes, or the one process's ratio."""
    known = [value for value in processes if value is not None]
    if len(known) < 2:
        return fmt_ratio(single)
    return f"{fmt_ratio(median)} ({fmt_ratio(min(known))}-{fmt_ratio(max(known))})"


def render(payload: dict[str, Any]) -> str:
    env = payload["environment"]
    targets = payload["targets"]
    settings = payload["settings"]
    statistic = settings.get("statistic", "median")
    block = (
        "the fastest of many blocks of about 2 ms of calls each (the block least disturbed by other "
        "processes on this shared machine)"
        if statistic == "min"
        else "the median block of a torch.utils.benchmark blocked_autorange"
    )
    ran = (
        f"Run: `python -m bench --only energies{' --quick' if settings.get('quick') else ''}"
        f"{' --pattern ' + repr(settings['pattern']) if settings.get('pattern', '*') != '*' else ''}`: "
        f"batches {', '.join(f'{b:,}' for b in settings['batches'])}, dims "
        f"{', '.join(map(str, settings['dims']))}, "
        f"{len({r['energy'] for r in payload['records']})} energies, "
        f"{settings['wall_seconds'] or 0:.0f} s."
    )
    lines = [
        "# Energy benchmark",
        "",
        ran,
        "",
        f"{env['date_utc']}, torch {env['torch']}, TorchEBM {env['torchebm']}, {env['cpu']} "
        f"({env['cpu_count']} cores, torch threads {env['torch_threads']}), float32, CPU. "
        f"Allocator: {env['allocator_env'] or 'glibc defaults'}. "
        f"Load average at start: {env['load_average']}.",
        "",
        f"Times are the minimum over {settings['rounds_at_target']} interleaved rounds where a "
        f"target reads them (batch {TARGET[0]:,}: dim {TARGET[1]} for every energy, dims "
        f"{', '.join(map(str, AUTOGRAD_TARGET_DIMS))} for the {AUTOGRAD_TARGET_PLUGIN} plugin) "
        f"and 1 round elsewhere, each round {block} "
        f"(min_run_time {settings['min_run_time']} s at the target size, "
        "half elsewhere). All ratios compare "
        "numbers taken in this one run. `best` = the faster of ebmcore's default path and its compiled "
        "path (`ebmcore.compile(model)`); `roof` = time to read x and write a tensor of its size "
        "(`torch.add(x, 1, out=buf)`), plus one `(batch, d) @ (d, d)` matmul for the Gaussian "
        "(full covariance). TorchEBM f+g = `model(x)` + `model.gradient(x)`. `autograd` = plain "
        "autograd through the same energy: `x.requires_grad_(); e = model(x); "
        "torch.autograd.grad(e.sum(), x)`.",
        "",
        f"## Targets (batch {targets['batch']}, dim {targets['dim']})",
        "",
    ]
    tebm = targets["torchebm_over_ours_best"]
    if tebm:
        lines.append(
            f"- TorchEBM f+g / ours e&g (best path): geometric mean "
            f"{fmt_ratio(targets['torchebm_geomean_best'])} over {len(tebm)} shared models, min "
            f"{fmt_ratio(min(tebm.values()))} (target: {targets['torchebm_target']}) -> "
            f"**{'met' if targets['torchebm_met'] else 'NOT met'}**. Per model: "
            + ", ".join(f"{k} {fmt_ratio(v)}" for k, v in sorted(tebm.items()))
            + f". On the default path: geometric mean {fmt_ratio(targets['torchebm_geomean_default'])}."
        )
    else:
        lines.append("- TorchEBM: no shared model measured (is torchebm installed in the bench env?).")
    targeted = targets.get("roofline_targeted", [])
    others = [(k, v) for k, v in sorted(targets["ours_over_roofline"].items()) if k not in targeted]
    medians = targets.get("roofline_median", {})
    processes = targets.get("target_processes", 1)

    def roofline(name: str) -> str:
        processes = targets.get("roofline_processes", {}).get(name, [])
        return _median_and_range(processes, medians.get(name), targets["ours_over_roofline"][name])

    lines.append(
        f"- ours / roofline, target {targets['roofline_target']}, the median over {processes} processes "
        "(their range; this process's best path, the fresh ones' default path): "
        + ", ".join(
            f"{k} {roofline(k)} ({'met' if targets['roofline_met'][k] else 'NOT met'})" for k in targeted
        )
        + (
            ". Not targeted (more work per element than one pass): "
            + ", ".join(f"{k} {fmt_ratio(v)}" for k, v in others)
            if others
            else ""
        )
    )
    floors = targets.get("transcendental_floor", {})
    trig = [k for k in ("rastrigin", "ackley") if k in floors and floors[k]["cos_over_roofline"]]
    if trig:
        lines.append(
            "- One eager transcendental pass over x at this size costs, in roofline units: "
            + ", ".join(
                f"`torch.cos(x)` {fmt_ratio(floors[k]['cos_over_roofline'])} and `torch.sin(x)` "
                f"{fmt_ratio(floors[k]['sin_over_roofline'])} (measured with {k})"
                for k in trig[:1]
            )
            + ". Rastrigin and Ackley need a cosine for the energy and a sine for the gradient of every "
            "element, so a path of torch ops cannot come within 2 of the roofline; their C kernels "
            "(vector math, one pass) are the default path, and the compiled path keeps them."
        )
    vs_autograd = targets.get("autograd_over_ours", {})
    if vs_autograd:
        met = targets.get("autograd_met", targets["autograd_met_default"])
        met_default = targets["autograd_met_default"]
        dims = ", ".join(str(d) for d in AUTOGRAD_TARGET_DIMS)

        def spread(v: dict[str, Any]) -> str:
            return _median_and_range(v.get("processes", []), v.get("median"), v["default"])

        lines.append(
            f"- Plain autograd / ours energy_and_gradient (default path), target "
            f"{targets['autograd_target']}: met by {sum(met.values())} of {len(met)} "
            f"(in this process alone by {sum(met_default.values())}). Per energy (d = {dims}), the "
            f"median over the {processes} processes (their range): "
            + "; ".join(
                f"{name} "
                + ", ".join(spread(v) for _, v in sorted(by_dim.items(), key=lambda item: int(item[0])))
                + ("" if met[name] else " (NOT met)")
                for name, by_dim in sorted(vs_autograd.items())
            )
            + ". This process's default / best path is in the table below."
        )
    compile_times = payload.get("compile_seconds", {})
    if compile_times:
        lines += [
            "",
            "First call of the compiled path per energy (includes torch.compile; the very first one "
            "also imports inductor): "
            + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(compile_times.items())),
        ]
    if payload["skipped"]:
        lines += ["", "Skipped: " + "; ".join(f"{k}: {v}" for k, v in sorted(payload["skipped"].items()))]
    if payload.get("left_out_over_budget"):
        left_out = payload["left_out_over_budget"]
        lines += [
            "",
            f"Over the time budget ({payload['settings']['budget_minutes']} min; the target sizes, batch "
            f"{TARGET[0]:,} at dims 2, 10 and 100, are measured first for every energy, then the rest of "
            f"the grid energy by energy): not measured at {sum(map(len, left_out.values()))} further "
            "sizes of " + ", ".join(sorted(left_out)) + " (`--budget-minutes` to measure them).",
        ]
    if payload["torchebm_notes"]:
        lines += [
            "",
            "TorchEBM matching: "
            + "; ".join(f"{k}: {v}" for k, v in sorted(payload["torchebm_notes"].items())),
        ]
    header = [
        "energy",
        "batch",
        "dim",
        "E",
        "grad",
        "E&g",
        "E&g compiled",
        "E&g autograd",
        "TorchEBM f+g",
        "roof",
        "best/roof",
        "TorchEBM/ours",
        "TorchEBM/best",
        "autograd/ours",
        "autograd/best",
    ]
    rows = []
    for r in sorted(payload["records"], key=lambda r: (r["energy"], r["dim"], r["batch"])):
        t, dv = r["times"], r["derived"]
        rows.append(
            [
                r["energy"],
                f"{r['batch']:.0e}".replace("+0", ""),
                r["dim"],
                fmt_time(t.get("default/energy")),
                fmt_time(t.get("default/gradient")),
                fmt_time(t.get("default/energy_and_gradient")),
                fmt_time(t.get("compiled/energy_and_gradient")),
                fmt_time(t.get("autograd/plain", t.get("autograd/energy_and_gradient"))),
                fmt_time(dv["torchebm_forward_plus_gradient"]),
                fmt_time(dv["roofline"]),
                fmt_ratio(dv["ours_best_over_roofline"]),
                fmt_ratio(dv["torchebm_over_ours_default"]),
                fmt_ratio(dv["torchebm_over_ours_best"]),
                fmt_ratio(dv["autograd_over_ours_default"]),
                fmt_ratio(dv.get("autograd_over_ours_best")),
            ]
        )
    lines += [
        "",
        "## All sizes",
        "",
        "E, grad, E&g: ebmcore's default path (`model.energy`, `model.gradient`, "
        "`model.energy_and_gradient`). Ratios > 1 mean ebmcore is faster (or, for best/roof, "
        "slower than the roofline by that factor).",
        "",
        markdown_table(header, rows),
        "",
    ]
    return "\n".join(lines)


def plot(payload: dict[str, Any]) -> str | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed: no plot (run `make bench`, which installs it in .venv-bench)"
    batch, dim = TARGET
    at = [r for r in payload["records"] if r["batch"] == batch and r["dim"] in (dim, 2)]
    chosen: dict[str, dict[str, Any]] = {}
    for r in at:  # dim 100 where the energy has it, else its 2-D size
        if r["energy"] not in chosen or r["dim"] == dim:
            chosen[r["energy"]] = r
    series = [
        ("ebmcore E&g", lambda r: r["times"].get("default/energy_and_gradient")),
        ("ebmcore E&g compiled", lambda r: r["times"].get("compiled/energy_and_gradient")),
        (
            "autograd E&g",
            lambda r: r["times"].get("autograd/plain", r["times"].get("autograd/energy_and_gradient")),
        ),
        ("TorchEBM f+g", lambda r: r["derived"]["torchebm_forward_plus_gradient"]),
        ("roofline", lambda r: r["derived"]["roofline"]),
    ]
    names = sorted(chosen)
    fig, (ax1, ax2) = plt.subplots(
        1, 2, figsize=(max(14.0, 6.0 + 0.5 * len(names)), 6.0), gridspec_kw={"width_ratios": [2, 1]}
    )
    width = 0.8 / len(series)
    for i, (label, get) in enumerate(series):
        values = [get(chosen[n]) for n in names]
        xs = [j + i * width for j, v in enumerate(values) if v is not None]
        ax1.bar(xs, [v * 1e3 for v in values if v is not None], width, label=label)
    ax1.set_xticks([j + 0.4 - width / 2 for j in range(len(names))])
    ax1.set_xticklabels([f"{n} (d={chosen[n]['dim']})" for n in names], rotation=60, ha="right", fontsize=8)
    ax1.set_yscale("log")
    ax1.set_ylabel("ms per call (batch 10,000, float32, CPU)")
    ax1.set_title("Energy and gradient")
    ax1.legend(fontsize=8)
    for n in names:
        rs = sorted(
            (r for r in payload["records"] if r["energy"] == n and r["derived"]["ours_best_over_roofline"]),
            key=lambda r: r["batch"] * r["dim"],
        )
        if rs:
            ax2.plot(
                [r["batch"] * r["dim"] for r in rs],
                [r["derived"]["ours_best_over_roofline"] for r in rs],
                marker="o",
                linestyle="",
                label=n,
            )
    ax2.axhline(2.0, color="k", linestyle="--", linewidth=1, label="target (2x)")
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_xlabel("batch x dim (elements of x)")
    ax2.set_ylabel("ebmcore best E&g / roofline")
    ax2.set_title("Distance to the memory roofline")
    ax2.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    from .common import RESULTS

    RESULTS.mkdir(parents=True, exist_ok=True)
    fig.savefig(RESULTS / "energies.png", dpi=110)
    plt.close(fig)
    return None


def run(args: argparse.Namespace) -> dict[str, Any]:
    torch.set_num_threads(args.threads)
    try:
        dynamo = importlib.import_module("torch._dynamo")
        dynamo.config.recompile_limit = 64  # one class, many shapes and instances
        dynamo.config.accumulated_recompile_limit = 4096
    except (ImportError, AttributeError):
        pass
    batches: tuple[int, ...] = QUICK_BATCHES if args.quick else BATCHES
    dims: tuple[int, ...] = QUICK_DIMS if args.quick else DIMS
    if args.batches:
        batches = tuple(int(float(b)) for b in args.batches.split(","))
    if args.dims:
        dims = tuple(int(d) for d in args.dims.split(","))
    names = [n for n in ebmcore.list_energies(args.pattern)]
    generator = torch.Generator().manual_seed(0)
    records: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    notes: dict[str, str] = {}
    compile_seconds: dict[str, float] = {}
    started = time.perf_counter()
    # The sizes every target reads come first, for every energy; the rest of the grid follows,
    # energy by energy, while the budget lasts, so that the targets are always complete.
    # The grid names the analytic energies and a Gaussian mixture: their rest of the grid
    # comes before the other plugins'.
    targeted = {(TARGET[0], d) for d in (TARGET[1], *AUTOGRAD_TARGET_DIMS)}
    priority = targeted | {(TARGET[0], 2)}
    grid = [(batch, d) for d in dims for batch in batches]
    first = [(name, batch, d) for name in names for batch, d in grid if (batch, d) in priority]
    required = [n for n in names if n in GRID_FIRST or ebmcore.info(n).plugin == AUTOGRAD_TARGET_PLUGIN]
    rest = [
        (name, batch, d)
        for name in required + [n for n in names if n not in required]
        for batch, d in grid
        if (batch, d) not in priority
    ]
    built_models: dict[tuple[str, int], Any] = {}
    measured: set[str] = set()
    left_out: dict[str, list[str]] = {}
    probes: list[Probe] = []
    for item in [*first, None, *rest]:
        if item is None:  # the target sizes are measured: the targets' fresh processes
            probes = target_probes(args) if args.target_processes > 0 else []
            continue
        name, batch, d = item
        if (batch, d) not in priority and time.perf_counter() - started > 60 * args.budget_minutes:
            left_out.setdefault(name, []).append(f"{batch}x{d}")
            continue
        if (name, d) not in built_models:
            built = build(name, d, generator)
            if built is not None and built[0].dim < 2:
                built = None
            reference, note = torchebm_model(name, built[0]) if built is not None else (None, "")
            if built is not None:
                notes.setdefault(name, note)
            built_models[(name, d)] = (built, reference)
        built, reference = built_models[(name, d)]
        if built is None:
            continue
        model, kwargs = built
        cost = batch * d * (d if name in MATMUL_ENERGIES else 1)
        if batch * d > args.max_elements or cost > args.max_work:
            skipped.setdefault(name, "")
            skipped[name] += f" {batch}x{d}"
            continue
        # Interleaved rounds where a target reads the result: d = 100 for every energy, and the
        # autograd target's dims for the analytic plugin.
        plugin = ebmcore.info(name).plugin
        at_target = (batch, d) == TARGET or ((batch, d) in targeted and plugin == AUTOGRAD_TARGET_PLUGIN)
        rounds = args.repeats if at_target else 1
        log(f"[{time.perf_counter() - started:6.0f} s] {name} batch={batch} dim={d}")
        record = measure(
            name,
            model,
            reference,
            batch,
            threads=args.threads,
            min_run_time=args.min_run_time if at_target else args.min_run_time / 2,
            rounds=rounds,
            generator=generator,
            statistic=args.statistic,
            floors=at_target and name in FLOOR_ENERGIES,
        )
        record["plugin"] = plugin
        if "compiled_first_call_s" in record:
            compile_seconds.setdefault(name, record["compiled_first_call_s"])
        record["kwargs"] = sorted(kwargs)
        record["derived"] = derive(record)
        records.append(record)
        measured.add(name)
    for name in names:
        if name not in measured and name not in skipped:
            skipped[name] = "no event shape (d,) with d >= 2 among the dims measured"
    for name, sizes_text in list(skipped.items()):
        if sizes_text.startswith(" "):
            skipped[name] = f"over --max-elements/--max-work at batch x dim{sizes_text}"
    payload: dict[str, Any] = {
        "environment": environment(args.threads),
        "settings": {
            "quick": args.quick,
            "pattern": args.pattern,
            "statistic": args.statistic,
            "batches": list(batches),
            "dims": list(dims),
            "threads": args.threads,
            "min_run_time": args.min_run_time,
            "rounds_at_target": args.repeats,
            "target_processes": args.target_processes,
            "max_elements": args.max_elements,
            "max_work": args.max_work,
            "budget_minutes": args.budget_minutes,
            "wall_seconds": None,
        },
        "records": records,
        "skipped": skipped,
        "left_out_over_budget": {name: sizes for name, sizes in left_out.items() if name in measured},
        "torchebm_notes": notes,
        "compile_seconds": compile_seconds,
        "compile_stats": ebmcore.compile_stats(),
    }
    payload["target_probes"] = probes
    payload["targets"] = evaluate_targets(records, probes)
    payload["settings"]["wall_seconds"] = time.perf_counter() - started
    # one thread: energies.md; another thread count: energies-<n>threads.md beside it
    stem = "energies" if args.threads == 1 else f"energies-{args.threads}threads"
    text = render(payload)
    plot_note = plot(payload) if args.threads == 1 else None
    if plot_note:
        log(plot_note)
        text += f"\n{plot_note}\n"
    write_results(stem, payload, text)
    return payload


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="batch 1e4, dims 2, 10 and 100 only")
    parser.add_argument("--pattern", default="*", help="only energies matching this pattern")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument(
        "--min-run-time", type=float, default=0.1, help="seconds per measurement (half off the target size)"
    )
    parser.add_argument(
        "--budget-minutes",
        type=float,
        default=10.0,
        help="after this many minutes, measure no further grid sizes beyond the target ones",
    )
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds at the target size")
    parser.add_argument(
        "--target-processes",
        type=int,
        default=TARGET_PROCESSES,
        help="fresh processes that measure the autograd and roofline targets again (the targets read "
        "the median over them and this one)",
    )
    parser.add_argument("--dims", default="", help="comma-separated dims instead of the grid's")
    parser.add_argument("--batches", default="", help="comma-separated batch sizes instead of the grid's")
    parser.add_argument(
        "--statistic",
        choices=("min", "median"),
        default="min",
        help="per measurement: the fastest block of calls (default; least disturbed by other "
        "processes) or the median block",
    )
    parser.add_argument("--max-elements", type=float, default=1e7, help="skip batch*dim above this")
    parser.add_argument(
        "--max-work", type=float, default=2e9, help="skip batch*dim*dim above this for matmul energies"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(parser)
    parser.add_argument("--target-probe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.target_probe:  # one of run()'s fresh processes: the ratios as JSON on stdout
        print(json.dumps(target_probe(args)))
        return 0
    payload = run(args)
    print(render(payload).split("## All sizes")[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
