"""The ``ebmcore plot`` and ``ebmcore diagnose`` subcommands.

Registered through ``EXTRA_COMMANDS`` in :mod:`ebmcore._cli`; torch and matplotlib load only
when one of these commands runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import _registry
from ._cli_catalog import parse_params
from ._errors import EbmcoreError, InvalidParameterError, PluginError

__all__ = ["register"]

# Bounds of the numeric options, so that a typo cannot ask for gigabytes (a 40000-point grid, a
# 100000-dpi picture, 10^8 random points) or nonsense (0 dpi, -3 samples).
MIN_DPI, MAX_DPI = 10, 1200
MAX_RESOLUTION = 2000
MAX_SAMPLES = 100_000
MAX_POINTS = 1_000_000


def _dims(text: str) -> tuple[int, int]:
    parts = [p for p in text.replace(" ", "").split(",") if p]
    try:
        dims = tuple(int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--dims expects two integers like 0,1, got {text!r}") from None
    if len(dims) != 2:
        raise argparse.ArgumentTypeError(f"--dims expects two integers like 0,1, got {text!r}")
    return dims[0], dims[1]


def _int_in(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: an integer in ``[low, high]`` (a bad value exits with a usage error)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be an integer in [{low}, {high}], got {text!r}")
        return value

    parse.__name__ = "integer"  # argparse names the type in some messages
    return parse


def _file_name(name: str) -> str:
    return name.replace("/", "__") + ".png"


def _save(plot: Any, model: Any, target: Path, args: argparse.Namespace, options: dict[str, Any]) -> None:
    """Draw ``model`` to ``target``; a file that cannot be written is the caller's ``--out``."""
    try:
        plot.save_landscape(model, target, dpi=args.dpi, dims=args.dims or (0, 1), **options)
    except OSError as exc:
        raise InvalidParameterError(
            "--out", str(target), f"a path where a picture can be written ({exc.strerror or exc})"
        ) from exc


def _folder(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidParameterError(
            "--out", str(path), f"a folder it can write to ({exc.strerror or exc})"
        ) from exc
    return path


def _cmd_plot(args: argparse.Namespace) -> int:
    out = args.stdout
    from . import plot  # here, not at the top: `ebmcore list` never imports torch

    log: Any = True if args.log else False if args.linear else "auto"
    options: dict[str, Any] = {
        "log": log,
        "samples": args.samples,
        "score": args.score,
        "resolution": args.resolution,
    }
    try:
        plot.require_matplotlib()
    except ImportError as exc:
        print(f"ebmcore: error: {exc}", file=sys.stderr)
        return 1
    if args.all:
        if args.name or args.param:
            print("ebmcore: error: --all takes no energy name and no --param", file=sys.stderr)
            return 2
        folder = _folder(Path(args.out or "landscapes"))
        written = 0
        failed: list[str] = []
        for name in _registry.list_energies():
            try:
                model = plot.gallery_model(name)
            except PluginError as exc:  # the energy is broken: say so and carry on
                print(f"failed {name}: {exc}", file=out)
                failed.append(name)
                continue
            except (EbmcoreError, TypeError, ValueError) as exc:
                print(f"skipped {name}: cannot create it without arguments ({exc})", file=out)
                continue
            if model.dim < 2:
                print(f"skipped {name}: it has only {model.dim} dimension", file=out)
                continue
            target = folder / _file_name(name)
            try:
                _save(plot, model, target, args, options)
            except InvalidParameterError:  # the folder cannot be written: no use going on
                raise
            except Exception as exc:  # drawing this energy raised: say so and carry on
                print(f"failed {name}: drawing it raised {exc!r}", file=out)
                failed.append(name)
                continue
            print(f"wrote {target}", file=out)
            written += 1
        print(f"{written} pictures in {folder}" + (f", {len(failed)} failed" if failed else ""), file=out)
        return 1 if failed else 0
    if not args.name:
        print("ebmcore: error: give an energy NAME or --all", file=sys.stderr)
        return 2
    model = _registry.create(args.name, **parse_params(args.param))
    target = Path(args.out or _file_name(args.name))
    if target.is_dir():  # --out FOLDER: the picture goes into it, named after the energy
        target = target / _file_name(args.name)
    else:
        _folder(target.parent)
    _save(plot, model, target, args, options)
    print(f"wrote {target}", file=out)
    return 0


def _cmd_diagnose(args: argparse.Namespace) -> int:
    out = args.stdout
    from ._diagnose import diagnose  # here, not at the top: `ebmcore list` never imports torch

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
        print(json.dumps(payload, indent=2), file=out)
    else:
        print(report, file=out)
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
    p.add_argument(
        "--samples",
        type=_int_in(0, MAX_SAMPLES),
        default=0,
        metavar="N",
        help=f"overlay N exact samples (0 to {MAX_SAMPLES})",
    )
    p.add_argument("--score", action="store_true", help="overlay score directions")
    p.add_argument(
        "--resolution",
        type=_int_in(2, MAX_RESOLUTION),
        default=200,
        help=f"grid points per axis (default 200, at most {MAX_RESOLUTION})",
    )
    p.add_argument(
        "--dpi",
        type=_int_in(MIN_DPI, MAX_DPI),
        default=150,
        help=f"pixels per inch (default 150; {MIN_DPI} to {MAX_DPI})",
    )
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
    p.add_argument(
        "--n",
        type=_int_in(1, MAX_POINTS),
        default=1024,
        help=f"number of random points (default 1024, at most {MAX_POINTS})",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the points (default 0)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=_cmd_diagnose)
