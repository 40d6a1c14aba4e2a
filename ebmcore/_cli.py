"""The ``ebmcore`` command line: the parser and ``main``; the commands live in ``_cli_*``.

Standard output carries the command's own output only (a table, or JSON with ``--json``):
while a command runs, whatever plugin code prints (a hook module, an energy's module) goes to
standard error, and commands write to ``args.stdout``.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence

from . import _cli_catalog, _cli_check, _cli_evaluate, _cli_plot
from ._errors import EbmcoreError
from ._version import __version__

# Each command module defines ``register(subparsers)``, which adds its parsers with
# ``set_defaults(run=callable(args) -> int)``; they import torch only inside their commands.
COMMANDS = (_cli_catalog, _cli_check, _cli_plot, _cli_evaluate)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``ebmcore`` command."""
    parser = argparse.ArgumentParser(
        prog="ebmcore", description="Browse and inspect the registered energy functions."
    )
    parser.add_argument("--version", action="version", version=f"ebmcore {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Commands write their output to ``args.stdout`` (the standard output main() was called with);
    while they run, ``sys.stdout`` is standard error, so that what plugin code prints (a hook
    module on discovery, an energy's module on import) never mixes with the output, such as
    the JSON of ``--json``.
    """
    args = build_parser().parse_args(argv)
    args.stdout = sys.stdout
    try:
        with contextlib.redirect_stdout(sys.stderr):
            return int(args.run(args))
    except EbmcoreError as exc:
        print(f"ebmcore: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `ebmcore list | head`
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
