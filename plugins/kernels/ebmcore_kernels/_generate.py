"""Prints ``_separable.h``: the C of the separable energies' kernels, from their torch formulas.

Each separable energy of ``ebmcore-analytic`` (:class:`ebmcore_analytic._separable.SeparableEnergy`)
writes its formula once, as a torch function ``term(x, *parameters)`` and its derivative. This
module traces both with :mod:`torch.fx` and prints each as an inlined C function of one
coordinate, one statement per operation, in the order torch evaluates them; ``_native_body.h``
turns each pair into a fused energy-and-gradient kernel. The header is committed, so building
the extension needs neither torch.fx nor ebmcore-analytic; the tests check that it is what the
formulas print, so it cannot drift from them.

Run ``python -m ebmcore_kernels._generate`` to rewrite it (``--check`` only compares).
"""

from __future__ import annotations

import argparse
import inspect
import math
import operator
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torch.fx

__all__ = ["HEADER", "c_function", "render", "separable_classes"]

HEADER = Path(__file__).with_name("_separable.h")

_BINARY = {operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/"}
_CALLS = {torch.sin: "SIN", torch.cos: "COS", torch.exp: "EXP", torch.sqrt: "SQRT"}


def c_function(function: Callable[..., Any], name: str) -> str:
    """``function(x, *parameters)``, traced, as ``static inline REAL FN(name)(REAL x, const double *p)``.

    As in torch, where a Python number meets a tensor: what depends on the parameters and
    constants alone is computed in double (Python's floats), then rounded to x's type where it
    meets a value that depends on x.

    Raises:
        ValueError: an operation the printer does not know (the message names it).
    """
    graph = torch.fx.symbolic_trace(function).graph
    names: dict[torch.fx.Node, str] = {}
    varying: set[torch.fx.Node] = set()  # the values that depend on x (REAL), the others double
    lines = []

    def operand(value: Any, real: bool) -> str:
        if isinstance(value, torch.fx.Node):
            return names[value] if value in varying or not real else f"(REAL){names[value]}"
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return f"(REAL){float(value)!r}" if real else repr(float(value))
        raise ValueError(f"{name}: operand {value!r} is neither a value of the formula nor a finite number")

    parameters = 0
    for node in graph.nodes:
        if node.op == "placeholder":  # x first, then the parameters
            if not names:
                names[node] = "x"
                varying.add(node)
            else:
                names[node] = node.name
                lines.append(f"const double {node.name} = p[{parameters}];")
                parameters += 1
            continue
        if node.op == "output":
            lines.append(f"return {operand(node.args[0], True)};")
            continue
        if node.op != "call_function" or node.kwargs:
            raise ValueError(f"{name}: cannot print {node.op} {node.target!r} with {node.kwargs!r}")
        target, args = node.target, node.args
        real = any(arg in varying for arg in args)
        if target in _BINARY:
            expression = f"{operand(args[0], real)} {_BINARY[target]} {operand(args[1], real)}"
        elif target is operator.neg:
            expression = f"-{operand(args[0], real)}"
        elif target is operator.pow and isinstance(args[1], int) and 1 <= args[1] <= 4:
            expression = " * ".join([operand(args[0], real)] * args[1])
        elif target in _CALLS and len(args) == 1 and real:
            expression = f"{_CALLS[target]}({operand(args[0], real)})"
        else:
            raise ValueError(f"{name}: cannot print {getattr(target, '__name__', target)}{tuple(args)!r}")
        names[node] = f"t{len(names) - parameters - 1}"
        if real:
            varying.add(node)
        lines.append(f"const {'REAL' if real else 'double'} {names[node]} = {expression};")
    body = "\n".join(f"    {line}" for line in lines)
    return (
        f"static inline ALWAYS_INLINE REAL FN({name})(const REAL x, const double *restrict p) {{\n"
        f"    (void)p;\n{body}\n}}"
    )


def separable_classes() -> list[type]:
    """The classes of ebmcore-analytic that define a separable formula, by kernel name."""
    from ebmcore_analytic._separable import SeparableEnergy

    found: dict[str, type] = {}
    pending: list[type] = [SeparableEnergy]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        own = cls.__module__.startswith("ebmcore_analytic.")  # not a subclass a test or a user defines
        if cls is not SeparableEnergy and own and "term" in cls.__dict__:
            found.setdefault(cls.kernel, cls)  # type: ignore[attr-defined]
    return [found[name] for name in sorted(found)]


def render() -> str:
    """The text of ``_separable.h``."""
    import ebmcore_analytic

    for name in ebmcore_analytic.__all__:  # load every energy module, so every class is defined
        getattr(ebmcore_analytic, name)
    parts = [
        "/* Generated by `python -m ebmcore_kernels._generate` from the torch formulas of the separable",
        " * energies of ebmcore-analytic (their term and term_derivative); do not edit. Included by",
        " * _native_body.h once per floating type; SEPARABLE_KERNEL makes each fused kernel. */",
    ]
    for cls in separable_classes():
        kernel = cls.kernel  # type: ignore[attr-defined]
        count = len(inspect.signature(cls.term).parameters) - 1  # type: ignore[attr-defined]
        functions = [
            c_function(cls.term, f"{kernel}_term"),  # type: ignore[attr-defined]
            c_function(cls.term_derivative, f"{kernel}_derivative"),  # type: ignore[attr-defined]
        ]
        # a formula that calls the vector math runs flat (see SEPARABLE_KERNEL in _native_body.h)
        flat = any(f"{call}(" in text for text in functions for call in _CALLS.values())
        parts += [
            "",
            f"/* {kernel}: {cls.__module__}.{cls.__qualname__}, {count} parameter(s). */",
            f"#define {kernel.upper()}_PARAMETERS {count}",
            *functions,
            f"SEPARABLE_KERNEL({kernel}, {int(flat)})",
        ]
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the header differs, write nothing")
    parser.add_argument("--header", type=Path, default=HEADER, help="the file (default: the package's)")
    args = parser.parse_args(argv)
    from ebmcore_analytic import _cpu_kernels

    # Read the formulas without registering kernels: the built extension may not have the
    # kernels of the header about to be written.
    _cpu_kernels.AVAILABLE = False
    text = render()
    if args.check:
        if not args.header.is_file() or args.header.read_text() != text:
            print(f"{args.header} is not what the formulas print: run python -m ebmcore_kernels._generate")
            return 1
        return 0
    args.header.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
