"""The registry at scale: 100 synthetic plugin distributions of 20 energies each.

Each synthetic distribution is a ``*.dist-info`` directory (METADATA, entry_points.txt in
group ``ebmcore``) plus a tiny hook package, written to a temporary directory that is put on
``sys.path`` (PYTHONPATH) of fresh subprocesses. Their targets name the analytic plugin's
classes, so creating one imports real code.

The first listing in a fresh process imports every hook module and calls every hook (there is
no on-disk cache); it is compared with the "floor" that any entry-point design pays: the group
scan, importing the hook modules and reading each distribution's name and version.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .common import environment, fmt_ratio, fmt_time, log, markdown_table, write_results

N_PLUGINS = 100
N_ENERGIES = 20
COLD_TARGET = 2.0  # cold list_energies() / the floor (scan + hook imports + metadata): the registry
# also registers each hook module with pluggy and validates every spec
CREATE_TARGET_S = 20e-6

HOOK = '''"""Synthetic plugin {i:03d} (benchmark)."""
import ebmcore
from ebmcore.plugin import EnergySpec, hookimpl

_TARGETS = ("ebmcore_analytic._rosenbrock:Rosenbrock", "ebmcore_analytic._double_well:DoubleWell")


@hookimpl
def ebmcore_energies():
    return [
        EnergySpec(
            f"synth_{i:03d}_e{{k:02d}}",
            _TARGETS[k % 2],
            f"synthetic energy {{k}} of plugin {i:03d}",
            tags=("synthetic", f"group_{{k % 4}}"),
        )
        for k in range({n})
    ]
'''


def make_plugins(root: Path, n_plugins: int = N_PLUGINS, n_energies: int = N_ENERGIES) -> None:
    for i in range(n_plugins):
        package = root / f"ebmcore_synth_{i:03d}"
        package.mkdir()
        (package / "__init__.py").write_text("")
        (package / "_hooks.py").write_text(HOOK.format(i=i, n=n_energies))
        info = root / f"ebmcore_synth_{i:03d}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: ebmcore-synth-{i:03d}\nVersion: 1.0\n"
            f"Summary: synthetic ebmcore plugin {i}\n"
        )
        (info / "entry_points.txt").write_text(f"[ebmcore]\nsynth_{i:03d} = ebmcore_synth_{i:03d}._hooks\n")
        (info / "RECORD").write_text("")
    compileall.compile_dir(str(root), quiet=1)  # as pip does: imports read .pyc, not source


PROBE = r"""
import json, sys, time, timeit
mode = sys.argv[1]
out = {}
if mode == "entry_points":
    from importlib import metadata
    c = time.process_time(); t = time.perf_counter(); eps = metadata.entry_points()
    out["all_s"] = time.perf_counter() - t; out["all_cpu_s"] = time.process_time() - c
    out["n_all"] = sum(len(g) for g in eps.values()) if hasattr(eps, "values") else len(eps)
elif mode == "entry_points_group":
    from importlib import metadata
    t = time.perf_counter(); eps = metadata.entry_points(group="ebmcore")
    out["group_s"] = time.perf_counter() - t
    out["n_group"] = len(eps)
elif mode == "floor":  # what any entry-point design pays: scan, import hooks, read metadata
    from importlib import metadata
    import ebmcore  # the hook modules import it; listing happens after it is imported too
    t0 = time.perf_counter(); eps = metadata.entry_points(group="ebmcore")
    t1 = time.perf_counter(); modules = [ep.load() for ep in eps]
    t2 = time.perf_counter(); meta = [(m["Name"], m["Version"]) for m in (ep.dist.metadata for ep in eps)]
    t3 = time.perf_counter()
    out.update(scan_s=t1 - t0, import_hooks_s=t2 - t1, dist_metadata_s=t3 - t2)
elif mode == "list":
    t = time.perf_counter(); import ebmcore; out["import_s"] = time.perf_counter() - t
    c = time.process_time(); t = time.perf_counter(); names = ebmcore.list_energies()
    out["cold_s"] = time.perf_counter() - t; out["cold_cpu_s"] = time.process_time() - c
    out["n_energies"] = len(names)
    out["torch_imported"] = "torch" in sys.modules
    warm = timeit.repeat(ebmcore.list_energies, repeat=5, number=20)
    out["warm_s"] = min(warm) / 20
    pattern = timeit.repeat(lambda: ebmcore.list_energies("synth_05*"), repeat=5, number=20)
    out["warm_pattern_s"] = min(pattern) / 20
    out["problems"] = [p.name for p in ebmcore.plugins() if p.problems]
elif mode == "create":
    import ebmcore
    from ebmcore_analytic import Rosenbrock
    ebmcore.create("synth_050_e10", dim=10)
    direct = min(timeit.repeat(lambda: Rosenbrock(dim=10), repeat=7, number=500)) / 500
    created = min(timeit.repeat(lambda: ebmcore.create("synth_050_e10", dim=10), repeat=7, number=500)) / 500
    qualified = min(
        timeit.repeat(lambda: ebmcore.create("synth_050/synth_050_e10", dim=10), repeat=7, number=500)
    ) / 500
    out.update(class_s=direct, create_s=created, create_qualified_s=qualified)
print(json.dumps(out))
"""


def probe(mode: str, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True, env=env
    )
    return json.loads(done.stdout)


def run(args: argparse.Namespace) -> dict[str, Any]:
    repeat = 3 if args.quick else getattr(args, "repeat", 7)
    with tempfile.TemporaryDirectory(prefix="ebmcore-synth-") as tmp:
        root = Path(tmp)
        make_plugins(root, args.plugins, args.energies)
        env = {k: v for k, v in os.environ.items() if not k.startswith("EBMCORE_")}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
        modes = ("entry_points", "entry_points_group", "floor", "list")
        for mode in modes:  # warm the file system cache
            probe(mode, env)
        runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode in modes}
        for _ in range(repeat):  # interleaved, fresh process each
            for mode in modes:
                runs[mode].append(probe(mode, env))
        creates = [probe("create", env) for _ in range(3)]

    def med(mode: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[mode])

    listing = runs["list"][0]
    bare_all = med("entry_points", "all_s")
    bare_group = med("entry_points_group", "group_s")
    floor = med("floor", "scan_s") + med("floor", "import_hooks_s") + med("floor", "dist_metadata_s")
    cold = med("list", "cold_s")
    # the ratio of each interleaved round, so that a slow moment of the machine weighs on both sides
    round_ratios = [
        r["cold_s"] / (f["scan_s"] + f["import_hooks_s"] + f["dist_metadata_s"])
        for r, f in zip(runs["list"], runs["floor"], strict=True)
    ]
    create = {k: min(c[k] for c in creates) for k in ("class_s", "create_s", "create_qualified_s")}
    payload = {
        "environment": environment(),
        "plugins": args.plugins,
        "energies_per_plugin": args.energies,
        "runs": repeat,
        "n_entry_points_all": runs["entry_points"][0]["n_all"],
        "n_entry_points_group": runs["entry_points_group"][0]["n_group"],
        "n_energies_listed": listing["n_energies"],
        "torch_imported_by_listing": listing["torch_imported"],
        "plugins_with_problems": listing["problems"],
        "entry_points_all_s": bare_all,
        "entry_points_group_s": bare_group,
        "import_ebmcore_s": med("list", "import_s"),
        "floor_scan_s": med("floor", "scan_s"),
        "floor_import_hooks_s": med("floor", "import_hooks_s"),
        "floor_dist_metadata_s": med("floor", "dist_metadata_s"),
        "floor_total_s": floor,
        "list_cold_s": cold,
        "list_cold_cpu_s": med("list", "cold_cpu_s"),
        "list_warm_s": med("list", "warm_s"),
        "list_warm_pattern_s": med("list", "warm_pattern_s"),
        "cold_over_entry_points": cold / bare_all,
        "cold_over_floor": cold / floor,
        "cold_over_floor_per_round": round_ratios,
        "cold_over_floor_round_median": statistics.median(round_ratios),
        "cold_over_floor_round_max": max(round_ratios),
        "cold_target": f"<= {COLD_TARGET} x the floor (scan + hook imports + metadata)",
        "cold_met": cold / floor <= COLD_TARGET,
        "create": create,
        "create_overhead_s": create["create_s"] - create["class_s"],
        "create_qualified_overhead_s": create["create_qualified_s"] - create["class_s"],
        "create_met": create["create_s"] - create["class_s"] < CREATE_TARGET_S,
    }
    write_results("registry", payload, render(payload))
    return payload


def render(p: dict[str, Any]) -> str:
    rows = [
        [
            "`importlib.metadata.entry_points()` (all groups, bare scan)",
            fmt_time(p["entry_points_all_s"]),
            "",
        ],
        ["`entry_points(group='ebmcore')`", fmt_time(p["entry_points_group_s"]), ""],
        ["`import ebmcore`", fmt_time(p["import_ebmcore_s"]), ""],
        [
            "floor: group scan + importing the 101 hook modules + reading Name/version metadata",
            f"{fmt_time(p['floor_scan_s'])} + {fmt_time(p['floor_import_hooks_s'])} + "
            f"{fmt_time(p['floor_dist_metadata_s'])}",
            f"{fmt_ratio((p['floor_scan_s'] + p['floor_import_hooks_s']) / p['entry_points_all_s'])}x "
            "bare scan without metadata, "
            f"{fmt_ratio(p['floor_total_s'] / p['entry_points_all_s'])}x with",
        ],
        [
            "**`list_energies()` cold** (fresh process: every hook module imported, every hook run)",
            fmt_time(p["list_cold_s"]),
            f"{fmt_ratio(p['cold_over_floor'])}x the floor "
            f"({'met' if p['cold_met'] else 'NOT met'}, target <= {COLD_TARGET}x; per interleaved round: "
            f"median {fmt_ratio(p['cold_over_floor_round_median'])}x, worst "
            f"{fmt_ratio(p['cold_over_floor_round_max'])}x); "
            f"{fmt_ratio(p['cold_over_entry_points'])}x the bare scan",
        ],
        ["`list_energies()` warm (same process, again)", fmt_time(p["list_warm_s"]), ""],
        ["`list_energies('synth_05*')` warm", fmt_time(p["list_warm_pattern_s"]), ""],
        ["`Rosenbrock(dim=10)`", fmt_time(p["create"]["class_s"]), ""],
        [
            "`create('synth_050_e10', dim=10)` warm",
            fmt_time(p["create"]["create_s"]),
            f"overhead {fmt_time(p['create_overhead_s'])} "
            f"({'met' if p['create_met'] else 'NOT met'}, target < 20 µs)",
        ],
        [
            "`create('synth_050/synth_050_e10', dim=10)` warm",
            fmt_time(p["create"]["create_qualified_s"]),
            f"overhead {fmt_time(p['create_qualified_overhead_s'])}",
        ],
    ]
    return "\n".join(
        [
            "# Registry at scale",
            "",
            f"{p['environment']['date_utc']}: {p['plugins']} synthetic plugin distributions x "
            f"{p['energies_per_plugin']} energies ({p['n_energies_listed']} listed with the real "
            f"plugins; {p['n_entry_points_group']} entry points in group `ebmcore`, "
            f"{p['n_entry_points_all']} in all groups). Fresh process per measurement, median of "
            f"{p['runs']} interleaved runs (create: min of 3 processes x 7 timeit repeats). "
            f"Listing imported torch: {p['torch_imported_by_listing']}. Plugins with problems: "
            f"{p['plugins_with_problems'] or 'none'}.",
            "",
            markdown_table(["what", "time", "vs target"], rows),
            "",
        ]
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--plugins", type=int, default=N_PLUGINS)
    parser.add_argument("--energies", type=int, default=N_ENERGIES)
    parser.add_argument("--repeat", type=int, default=7, help="interleaved rounds")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(parser)
    payload = run(parser.parse_args(argv))
    log(render(payload))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
