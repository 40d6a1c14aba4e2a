"""The catalog commands of the ``ebmcore`` command line: ``list``, ``info`` and ``plugins``.

``ebmcore list`` imports neither torch nor any energy module, so it answers at once.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

from . import _registry
from ._errors import EbmcoreError, InvalidParameterError, PluginError

__all__ = ["register", "table"]


def table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join(lines)


def _cmd_list(args: argparse.Namespace) -> int:
    out = args.stdout
    names = _registry.list_energies(args.pattern, tags=args.tag or None, plugin=args.plugin)
    specs = [(name, _registry.REGISTRY.resolve(name)) for name in names]
    if args.json:
        payload = [
            {
                "name": name,
                "qualified_name": entry.qualified,
                "plugin": entry.plugin.name,
                "summary": entry.spec.summary,
                "tags": list(entry.spec.tags),
                "aliases": list(entry.spec.aliases),
            }
            for name, entry in specs
        ]
        print(json.dumps(payload, indent=2), file=out)
        return 0
    if not specs:
        print("no energies match" + (f" {args.pattern!r}" if args.pattern != "*" else ""), file=out)
        return 0
    rows = [(name, entry.plugin.name, entry.spec.summary) for name, entry in specs]
    print(table(rows, ("name", "plugin", "summary")), file=out)
    failed = [p.name for p in _registry.plugins() if p.problems]
    if failed:
        print(
            f"\n{len(failed)} plugin(s) reported problems: {', '.join(failed)} (see `ebmcore plugins`)",
            file=out,
        )
    return 0


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


def _short(values: list[float], limit: int = 6) -> str:
    """``[a, b, c, ...]`` with at most ``limit`` values shown, each to 6 significant digits."""
    shown = ", ".join(f"{v:.6g}" for v in values[:limit])
    return f"[{shown}, ... ({len(values)} values)]" if len(values) > limit else f"[{shown}]"


class _Broken(Exception):
    """The default instance of an energy, or its ground truth, failed (not the caller's fault)."""


def _ground_truth_lines(
    name: str, declared: tuple[str, ...] = (), params: dict[str, Any] | None = None
) -> list[str]:
    """Evaluate the ground truth of the default instance (or of ``params``), where it can be built.

    A piece the class declares but the default instance does not have (minima known only for
    other parameters, say) gets a line saying so, so the two lists never seem to disagree.

    Raises:
        _Broken: the default instance or a piece of its ground truth raised; its message says
            what (an energy that needs arguments is not broken: it gets a line saying so).
        EbmcoreError: ``params`` that the energy refuses (the caller's mistake).
    """
    if params:
        model = _registry.create(name, **params)
    else:
        try:
            model = _registry.create(name)
        except PluginError as exc:
            raise _Broken(f"its default instance failed: {exc}") from exc
        except EbmcoreError as exc:  # needs arguments: not a failure
            return [f"(no default instance: {exc})"]
    try:
        return _evaluated_lines(model, declared)
    except Exception as exc:
        raise _Broken(f"the ground truth of its default instance raised {exc!r}") from exc


def _evaluated_lines(model: Any, declared: tuple[str, ...]) -> list[str]:
    event = tuple(model.event_shape or (model.dim,))
    lines = [f"dim: {model.dim}" + (f" (event shape {event})" if len(event) != 1 else "")]
    bounds = model.bounds
    if bounds is not None:
        lo, hi = bounds.reshape(2, -1).tolist()  # flattened: one row per limit, any event shape
        same = len(set(lo)) == 1 and len(set(hi)) == 1
        lines.append(f"bounds: [{lo[0]}, {hi[0]}]^{model.dim}" if same else f"bounds: lower {lo}, upper {hi}")
    minima = model.minima
    if minima is not None:
        points = minima.points[:4]
        shown = str(points.tolist())
        if len(event) != 1:  # a point of a multi-axis event (a lattice field): flattened, shortened
            shown = "[" + ", ".join(_short(p) for p in points.reshape(len(points), -1).tolist()) + "]"
        more = f" (of {minima.count})" if minima.count > len(minima.points) or len(minima.points) > 4 else ""
        lines.append(f"minimum value: {minima.value!r} at {shown}{more}")
    elif model.minimum_value is not None:
        lines.append(f"minimum value: {model.minimum_value!r} (a continuum of minimizers)")
    log_z = model.log_partition()
    if log_z is not None:
        lines.append(f"log partition: {log_z!r}")
    for label, moment in (("mean", model.mean), ("stddev", model.stddev)):
        if moment is not None:
            lines.append(f"{label}: {_short(moment.reshape(-1).tolist())}")
    modes = model.modes
    if modes is not None:
        weights = _short(modes.weights.tolist())
        listed = f", {len(modes.points)} listed" if len(modes.points) < modes.count else ""
        lines.append(f"modes: {modes.count}{listed}; masses {weights}")
    try:
        model.sample(1)
        lines.append("exact sampler: yes")
    except NotImplementedError:
        lines.append("exact sampler: no")
    reference = getattr(model, "reference_info", None)
    if reference:
        lines.append(f"reference draws: {reference['summary']}")
    values = {
        "minima": minima,
        "log_partition": log_z,
        "mean": model.mean,
        "stddev": model.stddev,
        "modes": modes,
    }
    missing = [attr for attr in declared if attr in values and values[attr] is None]
    if missing:
        lines.append(f"not known for the default parameters: {', '.join(missing)}")
    return lines


def _cmd_info(args: argparse.Namespace) -> int:
    out = args.stdout
    meta = _registry.info(args.name)
    if args.json:
        payload: dict[str, Any] = {
            "name": meta.name,
            "qualified_name": meta.qualified_name,
            "plugin": meta.plugin,
            "distribution": meta.distribution,
            "version": meta.version,
            "target": meta.target,
            "summary": meta.summary,
            "tags": list(meta.tags),
            "aliases": list(meta.aliases),
            "parameters": [
                {"name": p.name, "default": p.default, "required": p.required, "allowed": p.allowed}
                for p in meta.parameters
            ],
            "ground_truth": list(meta.ground_truth),
            "references": list(meta.references),
        }
        print(json.dumps(payload, indent=2, default=repr), file=out)
        return 0
    version = f" {meta.version}" if meta.version else ""
    print(f"{meta.name}  ({meta.qualified_name})", file=out)
    print(f"  {meta.summary}", file=out)
    print(f"plugin: {meta.plugin} [{meta.distribution or 'in-process'}{version}]", file=out)
    print(f"target: {meta.target}", file=out)
    if meta.tags:
        print(f"tags: {', '.join(meta.tags)}", file=out)
    if meta.aliases:
        print(f"aliases: {', '.join(meta.aliases)}", file=out)
    if meta.parameters:
        rows = [
            (p.name, "(required)" if p.required else repr(p.default), p.allowed or "")
            for p in meta.parameters
        ]
        print("parameters:", file=out)
        print(textwrap.indent(table(rows, ("name", "default", "allowed")), "  "), file=out)
    for reference in meta.references:
        print(
            textwrap.fill(reference, width=100, initial_indent="source: ", subsequent_indent="  "), file=out
        )
    print(f"ground truth declared: {', '.join(meta.ground_truth) or 'none'}", file=out)
    try:
        lines = _ground_truth_lines(meta.qualified_name, meta.ground_truth, parse_params(args.param))
    except _Broken as exc:
        print(f"  (failed: {exc})", file=out)
        print(f"ebmcore: error: energy {meta.qualified_name!r} is broken: {exc}", file=sys.stderr)
        return 1
    print(textwrap.indent("\n".join(lines), "  "), file=out)
    return 0


def _cmd_plugins(args: argparse.Namespace) -> int:
    out = args.stdout
    infos = _registry.plugins()
    if args.json:
        payload = [
            {
                "name": p.name,
                "module": p.module,
                "distribution": p.distribution,
                "version": p.version,
                "status": p.status,
                "energies": p.energies,
                "problems": p.problems,
                "warnings": p.warnings,
            }
            for p in infos
        ]
        print(json.dumps(payload, indent=2), file=out)
        return 0
    rows = [
        (p.name, f"{p.distribution or '-'} {p.version or ''}".strip(), p.status, str(len(p.energies)))
        for p in infos
    ]
    print(table(rows, ("plugin", "distribution", "status", "energies")), file=out)
    for p in infos:
        for problem in p.problems:
            print(f"  [{p.name}] error: {problem}", file=out)
        for warning in p.warnings:
            print(f"  [{p.name}] warning: {warning}", file=out)
    for name, qualified in _registry.REGISTRY.conflicts().items():
        print(
            f"  name {name!r} is offered by several plugins: {', '.join(qualified)} (use the qualified name)",
            file=out,
        )
    return 0


def register(sub: Any) -> None:
    """Add the ``list``, ``info`` and ``plugins`` subcommands."""
    p = sub.add_parser("list", help="list registered energies")
    p.add_argument("pattern", nargs="?", default="*", help="shell-style pattern, e.g. '*well*'")
    p.add_argument("--tag", action="append", help="keep energies with this tag (repeatable)")
    p.add_argument("--plugin", help="keep energies of this plugin")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=_cmd_list)

    p = sub.add_parser("info", help="parameters and ground truth of one energy")
    p.add_argument("name")
    p.add_argument(
        "--param",
        action="append",
        metavar="KEY=VALUE",
        help="constructor argument (repeatable): the ground truth of that instance, e.g. dim=10",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=_cmd_info)

    p = sub.add_parser("plugins", help="loaded, failed and disabled plugins")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=_cmd_plugins)
