"""The ``ebmcore plot`` and ``ebmcore diagnose`` subcommands.

Registered through ``EXTRA_COMMANDS`` in :mod:`ebmcore._cli`; torch and matplotlib load only
when one of these commands runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ._errors import EbmcoreError, InvalidParameterError

__all__ = ["parse_params", "register"]


def parse_params(items: list[str] | None) -> dict[str, Any]:
    """Turn ``["dim=5", "mean=[1, 0]", "kind=full"]`` into keyword arguments.

    Values are read as JSON where they parse (numbers, lists, true/false/null) and kept as
    strings otherwise.

    Example:
        >>> parse_params(["dim=5", "mean=[1, 0]", "kind=full"])
        {'dim': 5, 'mean': [1, 0], 'kind': 'full'}
    """
    params: dict[str, Any] = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise InvalidParameterError("--param", item, "KEY=VALUE")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        params[key.strip()] = value
    return params


def _dims(text: str) -> tuple[int, int]:
    parts = [p for p in text.replace(" ", "").split(",") if p]
    try:
        dims = tuple(int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--dims expects two integers like 0,1, got {text!r}") from None
    if len(dims) != 2:
        raise argparse.ArgumentTypeError(f"--dims expects two integers like 0,1, got {text!r}")
    return dims[0], dims[1]


def _file_name(name: str) -> str:
    return name.replace("/", "__") + ".png"


def _cmd_plot(args: argparse.Namespace) -> int:
    from . import _registry, plot

    log: Any = True if args.log else False if args.linear else "auto"
    options: dict[str, Any] = {
        "log": log,
        "samples": args.samples,
        "score": args.score,
        "resolution": args.resolution,
    }
    try:
        plot._matplotlib()
    except ImportError as exc:
        print(f"ebmcore: error: {exc}", file=sys.stderr)
        return 1
    if args.all:
        if args.name or args.param:
            print("ebmcore: error: --all takes no energy name and no --param", file=sys.stderr)
            return 2
        folder = Path(args.out or "landscapes")
        folder.mkdir(parents=True, exist_ok=True)
        written = 0
        for name in _registry.list_energies():
            try:
                model = plot.gallery_model(name)
            except (EbmcoreError, TypeError, ValueError) as exc:
                print(f"skipped {name}: cannot create it without arguments ({exc})")
                continue
            if model.dim < 2:
                print(f"skipped {name}: it has only {model.dim} dimension")
                continue
            target = folder / _file_name(name)
            plot.save_landscape(model, target, dpi=args.dpi, dims=args.dims or (0, 1), **options)
            print(f"wrote {target}")
            written += 1
        print(f"{written} pictures in {folder}")
        return 0
    if not args.name:
        print("ebmcore: error: give an energy NAME or --all", file=sys.stderr)
        return 2
    model = _registry.create(args.name, **parse_params(args.param))
    target = Path(args.out or _file_name(args.name))
    if target.parent and not target.parent.exists():
        target.parent.mkdir(parents=True)
    plot.save_landscape(model, target, dpi=args.dpi, dims=args.dims or (0, 1), **options)
    print(f"wrote {target}")
    return 0


def _cmd_diagnose(args: argparse.Namespace) -> int:
    from . import _registry
    from ._diagnose import diagnose

    model = _registry.create(args.name, **parse_params(args.param))
    report = diagnose(model, n=args.n, seed=args.seed, warn=False)
    if args.json:
        payload = {
            "name": report.name,
            "points": report.points,
            "backend": report.backend,
            "energy_min": report.energy_min,
            "energy_max": report.energy_max,
            "max_score_norm": report.max_score_norm,
            "max_gradient_error": report.max_gradient_error,
            "ok": report.ok,
            "issues": [
                {"kind": i.kind, "message": i.message, "inputs": i.inputs.tolist()} for i in report.issues
            ],
        }
        print(json.dumps(payload, indent=2))
    else:
        print(report)
    return 0 if report.ok else 1


def register(sub: Any) -> None:
    """Add the ``plot`` and ``diagnose`` subcommands to the ``ebmcore`` parser."""
    p = sub.add_parser(
        "plot",
        help="draw an energy landscape to a PNG (needs ebmcore[plot])",
        description="Draw the landscape of one energy, or of every energy with --all.",
    )
    p.add_argument("name", nargs="?", help="energy name, e.g. rosenbrock")
    p.add_argument(
        "--param", action="append", metavar="KEY=VALUE", help="constructor argument (repeatable), e.g. dim=5"
    )
    p.add_argument("--dims", type=_dims, help="the two coordinates to show, e.g. 0,1 (default)")
    p.add_argument("--out", help="output file (default NAME.png), or the folder with --all")
    scale = p.add_mutually_exclusive_group()
    scale.add_argument("--log", action="store_true", help="log colour scale of E - min E")
    scale.add_argument("--linear", action="store_true", help="linear colour scale (default: chosen)")
    p.add_argument("--samples", type=int, default=0, metavar="N", help="overlay N exact samples")
    p.add_argument("--score", action="store_true", help="overlay score directions")
    p.add_argument("--resolution", type=int, default=200, help="grid points per axis (default 200)")
    p.add_argument("--dpi", type=int, default=150, help="pixels per inch (default 150)")
    p.add_argument("--all", action="store_true", help="one picture per energy of 2 or more dimensions")
    p.set_defaults(run=_cmd_plot)

    p = sub.add_parser(
        "diagnose",
        help="check an energy for NaN/Inf, huge scores and ranges, gradient and dtype bugs",
        description="Evaluate an energy on random points of its box and report numerical problems. "
        "Exit code 1 when a problem is found.",
    )
    p.add_argument("name", help="energy name")
    p.add_argument("--param", action="append", metavar="KEY=VALUE", help="constructor argument (repeatable)")
    p.add_argument("--n", type=int, default=1024, help="number of random points (default 1024)")
    p.add_argument("--seed", type=int, default=0, help="seed of the points (default 0)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=_cmd_diagnose)
