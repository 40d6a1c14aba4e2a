"""``ebmcore check`` (run the conformance kit) and ``ebmcore new-plugin`` (scaffold a plugin).

Registered through ``EXTRA_COMMANDS`` in :mod:`ebmcore._cli`. Building the parser imports
nothing heavy: torch and the checks load only when ``check`` runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import _registry, testing
from ._cli_catalog import table
from ._errors import EbmcoreError, InvalidParameterError, MissingParameterError, UnknownParameterError

__all__ = ["register"]


def _positive(text: str) -> int:
    """An argparse type: an integer >= 1 (a dimension)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}")
    return value


def _names(args: argparse.Namespace) -> list[str]:
    names = list(args.names)
    if args.plugin:
        found = _registry.list_energies(plugin=args.plugin)
        if not found:
            problems = [p for info in _registry.plugins() if info.name == args.plugin for p in info.problems]
            detail = f": {'; '.join(problems)}" if problems else " (see `ebmcore plugins`)"
            raise InvalidParameterError("--plugin", args.plugin, f"a plugin with energies{detail}")
        names += found
    if args.all:
        names += _registry.list_energies()
    if not names:
        raise InvalidParameterError("NAME", None, "one or more energy names, --plugin P or --all")
    return list(dict.fromkeys(names))


def _cmd_check(args: argparse.Namespace) -> int:
    out = args.stdout
    expected = {}
    for item in args.expect_fail or []:
        check, _, reason = item.partition("=")
        expected[check] = reason or "expected to fail"
    dtypes = None
    if args.dtype:
        import torch

        dtypes = tuple(getattr(torch, d) for d in args.dtype)
    names = _names(args)
    reports: list[dict[str, Any]] = []
    for name in names:
        entry: dict[str, Any] = {"energy": name, "status": "checked", "results": {}}
        try:
            report = testing.check_energy(
                name,
                dims=args.dim or None,
                expected_failed_checks=expected,
                checks=args.check or None,
                raise_on_failure=False,
                **({"dtypes": dtypes} if dtypes else {}),
            )
        except MissingParameterError as exc:
            entry.update(status="skipped", message=f"cannot be created with no arguments: {exc}")
        except EbmcoreError as exc:
            wrong_dim = isinstance(exc, (UnknownParameterError, InvalidParameterError)) and (
                args.dim and exc.parameter == "dim"
            )
            if wrong_dim:
                entry.update(status="skipped", message=f"not at --dim {args.dim}: {exc}")
            else:
                entry.update(status="error", message=f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # the energy (or its plugin) is broken: report it and carry on
            entry.update(status="error", message=f"{type(exc).__name__}: {exc}")
        else:
            entry["report"] = report
            entry["results"] = {
                k: {"status": r.status, "message": r.message} for k, r in report.results.items()
            }
            entry["status"] = "passed" if report.ok else "failed"
        reports.append(entry)
    failed = [e for e in reports if e["status"] in ("failed", "error")]
    # Exit code 1 on any failure, and when nothing passed at all (every energy skipped): a CI
    # job that checked nothing must not look green.
    none_passed = not any(e["status"] == "passed" for e in reports)
    code = 1 if failed or none_passed else 0
    if args.json:
        payload = [{k: v for k, v in e.items() if k != "report"} for e in reports]
        print(json.dumps(payload, indent=2), file=out)
        return code
    verbose = args.verbose or len(names) == 1
    rows: list[tuple[str, ...]] = []
    for e in reports:
        found = e.get("report")
        if found is None:
            rows.append((e["energy"], e["status"].upper(), "-", "-", "-", e["message"][:60]))
            continue
        counts = found.counts()
        failures = ", ".join(found.failures)
        rows.append(
            (
                e["energy"],
                "PASS" if found.ok else "FAIL",
                str(counts["passed"]),
                str(counts["skipped"] + counts["xfailed"]),
                str(counts["failed"] + counts["xpassed"]),
                failures,
            )
        )
    if verbose:
        for e in reports:
            if e.get("report") is not None:
                print(f"{e['energy']}\n{e['report'].table()}\n", file=out)
    print(table(rows, ("energy", "result", "passed", "skipped", "failed", "failed checks")), file=out)
    details = [
        f"  {e['energy']} {key}: {r.message}"
        for e in reports
        if e.get("report") is not None
        for key, r in e["report"].failures.items()
    ]
    details += [f"  {e['energy']}: {e['message']}" for e in reports if e["status"] == "error"]
    if details and not verbose:
        print("\nfailures:", file=out)
        print("\n".join(details), file=out)
    total = len(reports)
    skipped = sum(e["status"] == "skipped" for e in reports)
    passed = total - skipped - len(failed)
    parts = [f"{passed} of {total} energies passed"]
    parts += [f"{skipped} skipped"] if skipped else []
    parts += [f"{len(failed)} failed"] if failed else []
    print("\n" + ", ".join(parts), file=out)
    if none_passed and not failed:
        print("ebmcore: error: no energy was checked (every one was skipped)", file=sys.stderr)
    return code


def _cmd_new_plugin(args: argparse.Namespace) -> int:
    out = args.stdout
    root = testing.new_plugin(args.name, args.path, overwrite=args.force)
    print(f"created plugin {args.name!r} in {root}", file=out)
    print("next steps:", file=out)
    print(f"  cd {root}", file=out)
    print('  pip install -e ".[test]"', file=out)
    print(f"  ebmcore check --plugin {args.name}", file=out)
    print("  pytest", file=out)
    return 0


def register(subparsers: Any) -> None:
    """Add the ``check`` and ``new-plugin`` subcommands."""
    p = subparsers.add_parser(
        "check",
        help="run the conformance kit on energies (exit code 1 on any failure)",
        description="Run every conformance check of ebmcore.testing on the named energies.",
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="energy names")
    p.add_argument("--plugin", help="check every energy of this plugin")
    p.add_argument("--all", action="store_true", help="check every registered energy")
    p.add_argument(
        "--dim", type=_positive, action="append", help="check at this dimension, >= 1 (repeatable)"
    )
    p.add_argument("--check", action="append", help="run only this check (repeatable)")
    p.add_argument("--dtype", action="append", choices=["float32", "float64", "float16", "bfloat16"])
    p.add_argument(
        "--expect-fail", action="append", metavar="CHECK[=REASON]", help="declare an expected failure"
    )
    p.add_argument("-v", "--verbose", action="store_true", help="print every check of every energy")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=_cmd_check)

    p = subparsers.add_parser(
        "new-plugin",
        help="scaffold a plugin distribution (pyproject, hook module, example energy, tests)",
        description="Write a new plugin that installs and passes its own tests at once.",
    )
    p.add_argument("name", help="plugin name, lowercase snake case")
    p.add_argument("--path", default=".", help="parent folder (default: current directory)")
    p.add_argument("--force", action="store_true", help="write into an existing non-empty folder")
    p.set_defaults(run=_cmd_new_plugin)
