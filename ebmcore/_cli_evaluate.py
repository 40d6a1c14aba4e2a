"""The ``ebmcore evaluate`` subcommand: :func:`ebmcore.evaluate` from the shell.

Samples, log weights and reference samples are read from ``.npy`` files (``numpy.load`` without
pickles) or ``.pt`` files (``torch.load`` with ``weights_only=True``: a tensor, never code).
"""

from __future__ import annotations

import argparse
import pickle
from pathlib import Path
from typing import Any

from . import _registry
from ._cli_catalog import parse_params
from ._errors import InvalidParameterError

__all__ = ["load_array", "register"]


def load_array(path: str, option: str) -> Any:
    """The tensor or array in ``path`` (``.pt`` or ``.npy``), named ``option`` in errors."""
    import numpy  # here, not at the top: `ebmcore list` imports neither numpy nor torch
    import torch  # here, not at the top: `ebmcore list` imports neither numpy nor torch

    suffix = Path(path).suffix
    if suffix not in (".pt", ".npy"):
        raise InvalidParameterError(option, path, "a .pt or .npy file")
    try:
        if suffix == ".npy":
            return numpy.load(path, allow_pickle=False)
        value = torch.load(path, map_location="cpu", weights_only=True)
    except OSError as exc:
        raise InvalidParameterError(option, path, f"a file it can read ({exc.strerror or exc})") from exc
    except (ValueError, RuntimeError, EOFError, pickle.UnpicklingError) as exc:  # not one, or code
        raise InvalidParameterError(option, path, f"a file holding one tensor or array ({exc})") from exc
    if not isinstance(value, torch.Tensor):
        raise InvalidParameterError(option, path, f"a file holding one tensor, not a {type(value).__name__}")
    return value


def _cmd_evaluate(args: argparse.Namespace) -> int:
    import torch  # here, not at the top: torch loads only now

    from ._evaluate import METRICS, evaluate  # here, not at the top: torch loads only now

    model = _registry.create(args.name, **parse_params(args.param))
    metrics: Any = "auto"
    if args.metrics:
        metrics = [m.strip() for m in args.metrics.split(",") if m.strip()]
        unknown = [m for m in metrics if m not in METRICS]
        if unknown or not metrics:
            raise InvalidParameterError(
                "--metrics", args.metrics, f"a comma-separated list of {', '.join(METRICS)}"
            )
    report = evaluate(
        model,
        load_array(args.samples, "SAMPLES"),
        log_weights=None if args.log_weights is None else load_array(args.log_weights, "--log-weights"),
        chains=True if args.chains else None,
        reference=None if args.reference is None else load_array(args.reference, "--reference"),
        metrics=metrics,
        generator=torch.Generator().manual_seed(args.seed),
    )
    if args.plot:
        try:
            report.plot(args.plot)
        except OSError as exc:
            raise InvalidParameterError(
                "--plot", args.plot, f"a path where a picture can be written ({exc.strerror or exc})"
            ) from exc
    print(report.to_json(indent=2) if args.json else report, file=args.stdout)
    return 0


def register(sub: Any) -> None:
    """Add the ``evaluate`` subcommand to the ``ebmcore`` parser."""
    p = sub.add_parser(
        "evaluate",
        help="judge a sampler's output against an energy's ground truth",
        description=(
            "Compare samples (.npy or .pt; (n, *event_shape), or (chains, n, *event_shape) for MCMC "
            "output) with the energy's ground truth: moments, log Z, modes, distances to exact or "
            "reference samples, R-hat and ESS. See ebmcore.evaluate."
        ),
    )
    p.add_argument("name", help="energy name, e.g. many_well")
    p.add_argument("samples", metavar="SAMPLES", help="a .npy or .pt file of samples")
    p.add_argument(
        "--param", action="append", metavar="KEY=VALUE", help="constructor argument (repeatable), e.g. dim=5"
    )
    p.add_argument("--chains", action="store_true", help="SAMPLES has a leading chains axis")
    p.add_argument("--log-weights", metavar="FILE", help="log importance weights, one per sample")
    p.add_argument("--reference", metavar="FILE", help="reference samples for the distances")
    p.add_argument("--metrics", metavar="LIST", help="comma-separated metric groups (default: every one)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random numbers (default 0)")
    p.add_argument("--plot", metavar="PNG", help="also draw the report to this file (needs ebmcore[plot])")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(run=_cmd_evaluate)
