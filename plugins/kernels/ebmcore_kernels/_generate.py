"""Prints ``_generated.h``: the C of every kernel, from the energies' torch formulas.

Each energy of ``ebmcore-analytic`` with a kernel writes its formula once, in torch:

* a separable energy (:class:`ebmcore_analytic._separable.SeparableEnergy`) as a function
  ``term(x, *parameters)`` and its derivative, printed by :func:`c_function` as inlined C
  functions of one coordinate that ``SEPARABLE_KERNEL`` in ``_native_body.h`` turns into a fused
  kernel;
* any other (:class:`ebmcore_analytic._formula.FormulaEnergy`) as a row formula
  ``formula(x, *vectors, *parameters) -> (energy, grad)``, printed by :func:`row_kernel` as the
  whole kernel of a block of rows.

Both trace the torch functions with :mod:`torch.fx` and print one statement per operation, in
the order torch evaluates them. The header is committed, so building the extension needs
neither torch.fx nor ebmcore-analytic; the tests check that it is what the formulas print, so
it cannot drift from them.

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

__all__ = ["HEADER", "c_function", "formula_classes", "render", "row_kernel", "separable_classes"]

HEADER = Path(__file__).with_name("_generated.h")

_BINARY = {operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/"}
_CALLS = {
    torch.sin: "SIN",
    torch.cos: "COS",
    torch.exp: "EXP",
    torch.log: "LOG",
    torch.sqrt: "SQRT",
    torch.abs: "FABS",
    torch.round: "ROUND",
    torch.floor: "FLOOR",
}


def _calls_math(text: str) -> bool:
    """Whether printed C calls a vector math function (such loops vectorize best flat)."""
    return any(f"{call}(" in text for call in ("SIN", "COS", "EXP", "LOG", "SQRT"))


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
        number = _c_number(_literal(value, name))
        return f"(REAL){number}" if real else number

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


# -- energies written as one row formula ----------------------------------------------------------

_COMPARE = {
    operator.gt: ">",
    operator.lt: "<",
    operator.ge: ">=",
    operator.le: "<=",
    operator.eq: "==",
    operator.ne: "!=",
}
_KINDS = ("param", "row", "elem")  # in the order a mix of them takes the last: a param and a row make a row


class _Value:
    """A value of a row formula.

    ``kind``: ``param`` (double, one per call), ``row`` (REAL, one per row) or ``elem`` (REAL, one
    per coordinate). ``stage``: the loop from which on it is known; a row reduction, a power or a
    roll of a computed value is known one stage after its argument. ``role``: how it is computed.
    """

    def __init__(self, kind: str, stage: int, role: str, **info: Any) -> None:
        self.kind, self.stage, self.role, self.info = kind, stage, role, info
        self.name = ""  # its local C name
        self.array = ""  # the scratch array that keeps it for another loop, if any
        self.energy = False  # the energy needs it (otherwise only the gradient does)

    def operands(self) -> list[_Value]:
        info = self.info
        found = [info[key] for key in ("source", "exponent") if key in info]
        return found + [a for a in info.get("operands", ()) if isinstance(a, _Value)]


def _literal(value: Any, name: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value):
        return float(value)
    raise ValueError(
        f"{name}: operand {value!r} is neither a value of the formula nor a number other than NaN"
    )


def _c_number(value: float) -> str:
    """``value`` as a C literal (of type double): ``INFINITY`` for infinities (math.h's)."""
    return repr(value) if math.isfinite(value) else f"{'-' if value < 0 else ''}INFINITY"


def _row_values(
    formula: Callable[..., Any], name: str, vectors: int
) -> tuple[list[_Value], _Value, _Value | None, _Value]:
    """The values of ``formula``'s trace, in order, and its energy, value (None: it maps
    nothing) and gradient."""
    from ebmcore_analytic._fast import integer_power, rowsum

    graph = torch.fx.Tracer(autowrap_functions=(rowsum, integer_power)).trace(formula)
    values: dict[torch.fx.Node, _Value] = {}
    placeholders = [node for node in graph.nodes if node.op == "placeholder"]
    if len(placeholders) < 1 + vectors:
        raise ValueError(
            f"{name}: the formula takes x and {vectors} vector(s), got {len(placeholders)} arguments"
        )
    for index, node in enumerate(placeholders):
        if index == 0:
            values[node] = _Value("elem", 0, "x")
        elif index <= vectors:
            values[node] = _Value("elem", 0, "vector", index=index - 1)
        else:
            values[node] = _Value("param", 0, "parameter", index=index - 1 - vectors, name=f"p_{node.name}")
    outputs: Any = None
    columns: set[torch.fx.Node] = set()  # row values shaped (*batch, 1), which broadcast over a row

    def elementwise(operands: tuple[Any, ...], template: str, **info: Any) -> _Value:
        resolved = tuple(values[a] if isinstance(a, torch.fx.Node) else _literal(a, name) for a in operands)
        known = [a for a in resolved if isinstance(a, _Value)]
        kind = max((a.kind for a in known), key=_KINDS.index, default="param")
        rows = [a for a in operands if isinstance(a, torch.fx.Node) and values[a].kind == "row"]
        if kind == "elem" and not columns.issuperset(rows):
            raise ValueError(f"{name}: {node} broadcasts a row value over a row without unsqueeze(-1)")
        if kind == "row" and rows and columns.issuperset(rows):
            columns.add(node)
        stage = max((a.stage for a in known), default=0)
        return _Value(kind, stage, "expression", operands=resolved, template=template, **info)

    for node in graph.nodes:
        if node.op == "placeholder":
            continue
        if node.op == "output":
            outputs = node.args[0]
            continue
        target, args = node.target, tuple(node.args)
        first = values.get(args[0]) if args and isinstance(args[0], torch.fx.Node) else None
        if node.kwargs:
            raise _unknown(node, name)
        method = node.op == "call_method"
        if (
            method
            and target == "unsqueeze"
            and args[1:] == (-1,)
            and first is not None
            and first.kind == "row"
        ):
            values[node] = first  # a row value broadcast over its row: the same value in C
            columns.add(node)
        elif method and target in ("sum", "prod") and args[1:] == (-1,) and first is not None:
            values[node] = _reduction(first, "sums" if target == "sum" else "products", 1.0, name)
        elif target is rowsum and first is not None and len(args) <= 2:
            values[node] = _reduction(first, "sums", _literal(args[1] if len(args) == 2 else 1.0, name), name)
        elif target is integer_power and first is not None and first.kind == "elem" and len(args) == 2:
            exponent = values.get(args[1]) if isinstance(args[1], torch.fx.Node) else None
            if exponent is None or exponent.kind != "param":
                raise _unknown(node, name)
            values[node] = _Value("elem", first.stage + 1, "power", source=first, exponent=exponent)
        elif (
            target is torch.roll
            and first is not None
            and first.kind == "elem"
            and args[1:] in ((1, -1), (-1, -1))
        ):
            stage = first.stage + (0 if first.role in ("x", "vector") else 1)  # a computed one is kept first
            values[node] = _Value("elem", stage, "roll", source=first, shift=args[1])
        elif target is getattr and first is not None and first.kind == "elem" and args[1] == "shape":
            values[node] = _Value("param", 0, "shape")  # an elementwise value's: x's, (*batch, d)
        elif target is operator.getitem and first is not None and first.role == "shape" and args[1] == -1:
            values[node] = _Value("param", 0, "dim", name="(double)d")  # (REAL)d where it meets x
        elif target is operator.getitem and first is not None and first.role == "x" and _is_column(args[1]):
            values[node] = _Value("row", 0, "column", column=args[1][1])
        elif target in _BINARY and len(args) == 2:
            values[node] = elementwise(args, "{0} " + _BINARY[target] + " {1}")
        elif target in _COMPARE and len(args) == 2:
            values[node] = elementwise(args, "{0} " + _COMPARE[target] + " {1}", boolean=True)
        elif target is operator.neg and len(args) == 1:
            values[node] = elementwise(args, "-{0}")
        elif target is operator.pow and len(args) == 2 and isinstance(args[1], int) and 1 <= args[1] <= 4:
            values[node] = elementwise(args[:1], " * ".join(["{0}"] * args[1]))
        elif target in _CALLS and len(args) == 1:
            values[node] = elementwise(args, _CALLS[target] + "({0})")
        elif target is torch.sign and len(args) == 1:  # (NaN: 0, where torch gives NaN)
            values[node] = elementwise(args, "SELECT({0} > 0, (REAL)1, SELECT({0} < 0, (REAL)-1, (REAL)0))")
        elif target is torch.clamp and len(args) == 3:  # (NaN stays NaN, as in torch)
            values[node] = elementwise(args, "SELECT({0} < {1}, {1}, SELECT({0} > {2}, {2}, {0}))")
        elif target is torch.isinf and len(args) == 1:
            values[node] = elementwise(args, "FABS({0}) == (REAL)INFINITY", boolean=True)
        elif target is torch.where and len(args) == 3 and first is not None and first.info.get("boolean"):
            values[node] = elementwise(args, "SELECT({0}, {1}, {2})")
        else:
            raise _unknown(node, name)
    if not isinstance(outputs, (tuple, list)) or len(outputs) not in (2, 3):
        raise ValueError(f"{name}: the formula must return (energy, grad) or (energy, value, grad)")
    found = [values.get(o) if isinstance(o, torch.fx.Node) else None for o in outputs]
    energy, grad = found[0], found[-1]
    value = found[1] if len(found) == 3 else None
    if (
        energy is None
        or grad is None
        or energy.kind != "row"
        or grad.kind != "elem"
        or (len(found) == 3 and (value is None or value.kind != "elem"))
    ):
        raise ValueError(
            f"{name}: the formula must return a row value (the energy), an element value (the value of "
            "a formula that maps x, if any) and an element value (the gradient)"
        )
    return list(dict.fromkeys(values.values())), energy, value, grad


def _is_column(index: Any) -> bool:
    return isinstance(index, tuple) and len(index) == 2 and index[0] is Ellipsis and type(index[1]) is int


def _unknown(node: torch.fx.Node, name: str) -> ValueError:
    target = getattr(node.target, "__name__", node.target)
    return ValueError(f"{name}: cannot print {node.op} {target!r}{tuple(node.args)!r}")


def _reduction(argument: _Value, reduce: str, weight: float, name: str) -> _Value:
    if argument.kind != "elem":
        raise ValueError(f"{name}: a row {reduce[:-1]} of a {argument.kind} value")
    return _Value("row", argument.stage + 1, "reduction", source=argument, reduce=reduce, weight=weight)


def row_kernel(formula: Callable[..., Any], name: str, vectors: int) -> tuple[str, dict[str, int]]:
    """``formula(x, *vectors, *parameters) -> (energy, grad)``, traced, as a ``BLOCK_BODY(name)``.

    A formula that maps ``x`` elementwise returns ``(energy, value, grad)`` instead: a row value
    (a per-row flag, say), the map's value and its derivative, each of x's shape; the kernel
    writes the value (``o``) in both its copies.

    The formula works on rows: ``x`` is ``(*batch, d)``, each vector ``(d,)``, each parameter a
    number. It may use ``+ - * /``, integer powers up to 4, comparisons, ``torch.sin``, ``cos``,
    ``exp``, ``log``, ``sqrt``, ``abs``, ``round``, ``floor``, ``sign``, ``isinf``, ``where`` and
    ``clamp(t, low, high)`` (bounds given positionally); row sums
    (``rowsum(t)``, ``rowsum(t, w)``, ``t.sum(-1)``) and products (``t.prod(-1)``);
    ``unsqueeze(-1)`` of a row value; ``x.shape[-1]``; ``x[..., i]`` (one column);
    ``torch.roll(t, ±1, -1)`` (a neighbour in the row, wrapped around); and
    ``integer_power(t, n)`` for a parameter ``n``.

    The C runs a block of rows in stages: a loop over the elements until a row reduction is
    needed, the reductions, a loop over the rows for their row values, and again. A value that a
    later loop needs is kept in a scratch array of the block (a roll is a shifted copy of one);
    work that only the gradient needs runs under ``gradient`` (0 in the energy-only copy that
    ``BLOCK_KERNEL`` makes). Long rows form their sums in the loop that reads them where it calls
    no math function; very short rows run the loops that read a row value flat over the block,
    each element's row read from a row index (``INDEXED_ROW`` in ``_native_body.h``).

    Returns the C text and the counts the kernel table needs (``parameters``, ``vectors``,
    ``arrays``, ``row_arrays``, ``row_index``, ``values``).

    Raises:
        ValueError: an operation or an operand the printer does not know (the message names it).
    """
    values, energy, value, grad = _row_values(formula, name, vectors)
    return _RowPrinter(name, vectors, values, energy, value, grad).text()


class _RowPrinter:
    """The C of one row formula (see :func:`row_kernel`).

    Each computed value belongs to one loop, keyed ``(stage, part)``: part 0 the loop over the
    rows for the energy's row values, 1 the one for the gradient's, 2 the flat loop over the
    block's elements, 3 the loop over the elements row by row, for the element values that read
    a row value (directly or through another such value). Anything read in another loop is kept
    in an array.
    """

    def __init__(
        self,
        name: str,
        vectors: int,
        values: list[_Value],
        energy: _Value,
        value: _Value | None,
        grad: _Value,
    ) -> None:
        self.name, self.vectors, self.values, self.energy, self.grad = name, vectors, values, energy, grad
        self.value = value
        self.arrays: list[str] = []  # block-sized scratch arrays
        self.row_arrays: list[str] = []  # scratch arrays of one value per row
        pending = [energy] if value is None else [energy, value]
        while pending:  # what the energy (and the value) needs
            current = pending.pop()
            if not current.energy:
                current.energy = True
                pending.extend(current.operands())
        for v in values:
            v.name = v.info.get("name", "")
        for number, v in enumerate(v for v in values if v.role == "expression" and v.kind == "param"):
            v.name = f"c{number}"
        computed = [v for v in values if v.role in ("expression", "column") and v.kind != "param"]
        for number, v in enumerate(computed):
            v.name = f"t{number}"
        consumers: dict[_Value, list[_Value]] = {v: [] for v in values}
        for v in values:
            for w in v.operands():
                consumers[w].append(v)
        self.consumers = consumers
        # A value that only later stages read is computed there instead of kept in an array: a
        # row value, or an element value without math calls whose operands are x, vectors or
        # row values.
        for v in reversed(computed):
            readers = consumers[v]
            if not readers or v in (energy, value, grad) or any(r.role != "expression" for r in readers):
                continue
            if v.kind == "row" or self._cheap(v):
                v.stage = max(v.stage, min(r.stage for r in readers))
        self.loop: dict[_Value, tuple[int, int]] = {}
        for v in computed:  # in the order of the trace: operands first
            if v.kind == "row":
                self.loop[v] = (v.stage, 0 if v.energy else 1)
            else:
                by_row = any(w.kind == "row" or self.loop.get(w) == (v.stage, 3) for w in v.operands())
                self.loop[v] = (v.stage, 3 if by_row else 2)
        for v in reversed(computed):  # likewise into the row-by-row loop of its stage
            readers = consumers[v]
            row_by_row = bool(readers) and all(self.loop.get(r) == (v.stage, 3) for r in readers)
            if self.loop[v][1] == 2 and row_by_row and v not in (grad, value) and self._cheap(v):
                self.loop[v] = (v.stage, 3)
        for v in values:  # a computed value that another loop reads is kept in an array
            for w in v.operands():
                consumed = v.role in ("reduction", "power", "roll")
                if w in self.loop and not w.array and (consumed or self.loop.get(v) != self.loop[w]):
                    w.array = self._row_array() if w.kind == "row" else self._array_of_block()
        for v in values:
            if v.role == "reduction":
                v.array = self._row_array()
            elif v.role == "roll":
                v.array = self._array_of_block()
            elif v.role == "power":
                v.array, v.info["square"] = self._array_of_block(), self._array_of_block()
        # the gradient is written in its value's loop (a value read from memory: the flat one)
        self.grad_loop = self.loop.get(grad, (grad.stage, 2))
        self.value_loop = None if value is None else self.loop.get(value, (value.stage, 2))
        # the row of each element of a block, for the loops that read row values (see _loop)
        outputs = [self.grad_loop] + ([] if self.value_loop is None else [self.value_loop])
        self.row_index = any(loop[1] == 3 for loop in [*self.loop.values(), *outputs])
        # Row sums of a flat loop without math calls are formed by the loop itself where rows are
        # long (see _loop): GCC vectorizes such a loop well with the sums in it.
        self.summed_in_loop: set[_Value] = set()
        for loop in set(self.loop.values()):
            members = [v for v in values if self.loop.get(v) == loop]
            sums = [r for r in values if r.role == "reduction" and self.loop.get(r.info["source"]) == loop]
            calls = any(_calls_math(v.info.get("template", "")) for v in members)
            if loop[1] == 2 and sums and not calls and all(r.energy for r in sums):
                self.summed_in_loop.update(sums)

    @staticmethod
    def _cheap(v: _Value) -> bool:
        """An element value without math calls whose operands are x, vectors, parameters or row
        values: computed where it is read rather than kept in an array."""
        calls = _calls_math(v.info.get("template", ""))
        return not calls and all(w.kind != "elem" or w.role in ("x", "vector") for w in v.operands())

    def _array_of_block(self) -> str:
        self.arrays.append(f"a{len(self.arrays)}")
        return self.arrays[-1]

    def _row_array(self) -> str:
        self.row_arrays.append(f"q{len(self.row_arrays)}")
        return self.row_arrays[-1]

    def _array(self, v: _Value) -> str:
        """The name of the array that holds ``v``: x, a tiled vector or a scratch array."""
        return {"x": "x", "vector": f"v{v.info.get('index')}"}.get(v.role, v.array)

    def _read(self, v: _Value, loop: tuple[int, int], real: bool = False) -> str:
        """``v`` as read in ``loop`` (``real``: as x's type)."""
        if v.kind == "param":
            return ("(REAL)d" if v.role == "dim" else f"(REAL){v.name}") if real else v.name
        if v.role in ("x", "vector", "power", "roll"):
            return f"{self._array(v)}[k]"
        if v.role == "reduction":
            weight = v.info["weight"]
            return f"{v.array}[r]" if weight == 1.0 else f"({v.array}[r] * (REAL){_c_number(weight)})"
        if self.loop[v] == loop:
            return v.name
        return f"{v.array}[{'r' if v.kind == 'row' else 'k'}]"

    def _statement(self, v: _Value, loop: tuple[int, int], guarded: bool, store: bool = True) -> list[str]:
        """``v``'s declaration (and its store into its array) in ``loop``; ``guarded``: the
        loop runs only with the gradient."""
        if v.role == "column":
            column = v.info["column"]
            text = f"x[r * d + {column}]" if column >= 0 else f"x[r * d + d - {-column}]"
        else:
            real = v.kind != "param"
            texts = [
                self._read(a, loop, real)
                if isinstance(a, _Value)
                else (f"(REAL){_c_number(a)}" if real else _c_number(a))
                for a in v.info["operands"]
            ]
            text = v.info["template"].format(*texts)
        if v.kind == "param":
            return [f"const double {v.name} = {text};"]
        kind = "int" if v.info.get("boolean") else "REAL"
        ungated = v.energy or guarded
        lines = [f"const {kind} {v.name} = {text if ungated else f'gradient ? {text} : 0'};"]
        if v.array and store:
            write = f"{v.array}[{'r' if v.kind == 'row' else 'k'}] = {v.name};"
            lines.append(write if ungated else f"if (gradient) {write}")
        return lines

    def text(self) -> tuple[str, dict[str, int]]:
        """The C, and the counts of parameters, vectors and scratch arrays."""
        upper = self.name.upper()
        body = ["(void)p;", "(void)v;", "(void)s;", "(void)o;"]
        body += [
            f"const double {v.name} = p[{v.info['index']}];" for v in self.values if v.role == "parameter"
        ]
        for v in self.values:
            if v.kind == "param" and v.role == "expression":
                body += self._statement(v, (0, 0), guarded=False)
        body += [f"REAL *restrict {array} = s[{i}];" for i, array in enumerate(self.arrays)]
        body += [
            f"REAL *restrict {array} = s[{len(self.arrays) + i}];" for i, array in enumerate(self.row_arrays)
        ]
        first = len(self.arrays) + len(self.row_arrays)
        body += [f"const REAL *restrict v{i} = s[{first + i}];" for i in range(self.vectors)]
        if self.row_index:
            body.append(f"const REAL *restrict row_of = s[{first + self.vectors}];")
        for stage in range(max(v.stage for v in self.values) + 1):
            body += self._shifts(stage)
            for part in range(4):
                body += self._loop((stage, part))
            body += self._after(stage)
        counts = {
            "parameters": sum(v.role == "parameter" for v in self.values),
            "vectors": self.vectors,
            "arrays": len(self.arrays),
            "row_arrays": len(self.row_arrays),
            "row_index": int(self.row_index),
            "values": int(self.value is not None),
        }
        text = "\n".join(
            [
                *(f"#define {upper}_{key.upper()} {count}" for key, count in counts.items()),
                f"BLOCK_BODY({self.name}) {{",
                *(f"    {line}" for line in body),
                "}",
                f"BLOCK_KERNEL({self.name})",
            ]
        )
        return text, counts

    def _loop(self, loop: tuple[int, int]) -> list[str]:
        """The C of ``loop``: nothing where it has no work.

        The energy's and the gradient's row values have loops of their own: GCC vectorizes a
        loop with vector math calls or one with a select of a quotient, not always both, and the
        energy-only copy of the kernel must vectorize the energy's loop as the other copy does,
        to give the same bits."""
        members = [v for v in self.values if self.loop.get(v) == loop]
        energy = self.energy.stage == loop[0] and loop[1] == 0
        grad, value = self.grad_loop == loop, self.value_loop == loop
        if not members and not energy and not grad and not value:
            return []
        guarded = not energy and not value and not any(v.energy for v in members)
        # reductions of this loop's values that a loop over long rows forms as it goes
        sums = [r for r in self.values if r in self.summed_in_loop and self.loop[r.info["source"]] == loop]
        only_summed = {
            r.info["source"] for r in sums if all(c in sums for c in self.consumers[r.info["source"]])
        }

        def body(accumulate: bool = False) -> list[str]:
            lines = [
                line
                for v in members
                for line in self._statement(v, loop, guarded, not (accumulate and v in only_summed))
            ]
            if energy:
                lines.append(f"e[r] = {self._read(self.energy, loop)};")
            if value:
                lines.append(f"o[k] = {self._read(self.value, loop)};")  # type: ignore[arg-type]
            if grad:
                write = f"g[k] = {self._read(self.grad, loop)};"
                lines.append(write if guarded else f"if (gradient) {write}")
            if accumulate:
                lines += [
                    f"u{i} {'+' if r.info['reduce'] == 'sums' else '*'}= {r.info['source'].name};"
                    for i, r in enumerate(sums)
                ]
            return lines

        def indent(lines: list[str], depth: int) -> list[str]:
            return [" " * (4 * depth) + line for line in lines]

        if loop[1] < 2:  # over the rows
            code = ["#pragma omp simd", "for (ptrdiff_t r = 0; r < rows; ++r) {", *indent(body(), 1), "}"]
        elif loop[1] == 2:  # flat over the block
            code = ["#pragma omp simd", "for (ptrdiff_t k = 0; k < rows * d; ++k) {", *indent(body(), 1), "}"]
            if sums:  # long rows: summed in the loop, no arrays, no second pass
                starts = ", ".join(
                    f"u{i} = {0 if r.info['reduce'] == 'sums' else 1}" for i, r in enumerate(sums)
                )
                clauses = " ".join(
                    f"reduction({'+' if r.info['reduce'] == 'sums' else '*'} : u{i})"
                    for i, r in enumerate(sums)
                )
                rows = [
                    "for (ptrdiff_t r = 0; r < rows; ++r) {",
                    f"    REAL {starts};",
                    f"    #pragma omp simd {clauses}",
                    "    for (ptrdiff_t j = 0; j < d; ++j) {",
                    "        const ptrdiff_t k = r * d + j;",
                    *indent(body(accumulate=True), 2),
                    "    }",
                    *(f"    {r.array}[r] = u{i};" for i, r in enumerate(sums)),
                    "}",
                ]
                code = ["if (d >= SHORT_ROW) {", *indent(rows, 1), "} else {", *indent(code, 1), "}"]
        else:  # row by row; very short rows flat, each element's row read from FN(run)'s row index
            nested = ["for (ptrdiff_t r = 0; r < rows; ++r) {", "    #pragma omp simd"]
            nested += ["    for (ptrdiff_t j = 0; j < d; ++j) {", "        const ptrdiff_t k = r * d + j;"]
            nested += [*indent(body(), 2), "    }", "}"]
            flat = ["#pragma omp simd", "for (ptrdiff_t k = 0; k < rows * d; ++k) {"]
            flat += ["    const ptrdiff_t r = (ptrdiff_t)row_of[k];", *indent(body(), 1), "}"]
            code = ["if (d < INDEXED_ROW) {", *indent(flat, 1), "} else {", *indent(nested, 1), "}"]
        return _gradient_only(code) if guarded else code

    def _shifts(self, stage: int) -> list[str]:
        """The rolls of ``stage``: each an array of the block, its neighbours in the row."""
        lines = []
        for v in self.values:
            if v.role != "roll" or v.stage != stage:
                continue
            source, a = self._array(v.info["source"]), v.array
            if v.info["shift"] > 0:  # a[k] = source[k - 1], the first column's from the last
                step = [
                    "#pragma omp simd",
                    f"for (ptrdiff_t k = 1; k < rows * d; ++k) {a}[k] = {source}[k - 1];",
                    f"for (ptrdiff_t r = 0; r < rows; ++r) {a}[r * d] = {source}[r * d + d - 1];",
                ]
            else:  # a[k] = source[k + 1], the last column's from the first
                step = [
                    "#pragma omp simd",
                    f"for (ptrdiff_t k = 0; k < rows * d - 1; ++k) {a}[k] = {source}[k + 1];",
                    f"for (ptrdiff_t r = 0; r < rows; ++r) {a}[r * d + d - 1] = {source}[r * d];",
                ]
            lines += step if v.energy else _gradient_only(step)
        return lines

    def _after(self, stage: int) -> list[str]:
        """The reductions and powers of the values the loops of ``stage`` computed."""
        lines = []
        for v in self.values:
            source = v.info.get("source")
            if source is None or source.stage != stage or v.role not in ("reduction", "power"):
                continue
            if v.role == "reduction":
                step = [f"FN(row_{v.info['reduce']})({self._array(source)}, rows, d, {v.array});"]
                if v in self.summed_in_loop:  # formed by the loop itself where rows are long
                    step = ["if (d < SHORT_ROW)", f"    {step[0]}"]
            else:  # by repeated squaring, as integer_power does in torch
                power, square, base = v.array, v.info["square"], self._array(source)
                step = [
                    "#pragma omp simd",
                    f"for (ptrdiff_t k = 0; k < rows * d; ++k) {power}[k] = 1, {square}[k] = {base}[k];",
                    f"for (long bits = (long){v.info['exponent'].name}; bits > 0; bits >>= 1) {{",
                    "    if (bits & 1) {",
                    "        #pragma omp simd",
                    f"        for (ptrdiff_t k = 0; k < rows * d; ++k) {power}[k] *= {square}[k];",
                    "    }",
                    "    if (bits > 1) {",
                    "        #pragma omp simd",
                    f"        for (ptrdiff_t k = 0; k < rows * d; ++k) {square}[k] *= {square}[k];",
                    "    }",
                    "}",
                ]
            lines += step if v.energy else _gradient_only(step)
        return lines


def _gradient_only(lines: list[str]) -> list[str]:
    return ["if (gradient) {", *(f"    {line}" for line in lines), "}"]


def _classes(
    base: type, method: str, package: str = "ebmcore_analytic", kernel: str = "kernel"
) -> list[type]:
    """The classes of ``package`` under ``base`` that define ``method``, by the name of their
    ``kernel`` attribute."""
    found: dict[str, type] = {}
    pending: list[type] = [base]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        own = cls.__module__.startswith(f"{package}.")  # not a subclass a test or a user defines
        if cls is not base and own and method in cls.__dict__:
            first = found.setdefault(getattr(cls, kernel), cls)
            if getattr(first, method) is not getattr(cls, method):  # one kernel, one formula
                raise ValueError(
                    f"{cls.__qualname__} and {first.__qualname__} name the kernel {getattr(cls, kernel)!r} "
                    f"with different {method}s"
                )
    return [found[name] for name in sorted(found)]


def separable_classes() -> list[type]:
    """The classes of ebmcore-analytic that define a separable term, by kernel name."""
    from ebmcore_analytic._separable import SeparableEnergy

    return _classes(SeparableEnergy, "term")


def formula_classes() -> list[type]:
    """The classes that define a row formula, by kernel name: the energies of ebmcore-analytic,
    then the BBOB functions of ebmcore-bbob (a formula of the rotated coordinates)."""
    from ebmcore_analytic._formula import FormulaEnergy
    from ebmcore_bbob._formula import FormulaFunction

    return _classes(FormulaEnergy, "formula") + _classes(FormulaFunction, "formula", "ebmcore_bbob")


def formulas() -> list[tuple[str, Callable[..., Any], int]]:
    """Every row formula to print, in the header's order: ``(kernel, formula, vectors)``; the
    BBOB functions' inner maps and x terms after the formulas."""
    from ebmcore_bbob._formula import FormulaFunction

    inner = _classes(FormulaFunction, "inner_formula", "ebmcore_bbob", "inner_kernel")
    terms = _classes(FormulaFunction, "x_formula", "ebmcore_bbob", "x_kernel")
    return [
        *((c.kernel, c.formula, len(c.formula_vectors)) for c in formula_classes()),  # type: ignore[attr-defined]
        *((c.inner_kernel, c.inner_formula, len(c.inner_vectors)) for c in inner),  # type: ignore[attr-defined]
        *((c.x_kernel, c.x_formula, len(c.x_vectors)) for c in terms),  # type: ignore[attr-defined]
    ]


def render() -> str:
    """The text of ``_generated.h``."""
    import ebmcore_analytic
    import ebmcore_bbob

    for package in (ebmcore_analytic, ebmcore_bbob):  # load every module, so every class is defined
        for name in package.__all__:
            getattr(package, name)
    parts = [
        "/* Generated by `python -m ebmcore_kernels._generate` from the torch formulas of ebmcore-analytic",
        " * and ebmcore-bbob (the separable energies' term and term_derivative, the other energies' row",
        " * formula, a BBOB function's formula of its rotated coordinates); do not",
        " * edit. Included by _native_body.h once per floating type. KERNEL_LIST(X) lists the kernels as",
        " * X(name, parameters, vectors, arrays, row_arrays, row_index, values): the scratch arrays of a",
        " * block's size and of its row count that FN(run) sets up; it also tiles every vector over the",
        " * block and, for row_index 1, writes each element's row number into one more array; values 1:",
        " * the kernel maps x, writing an elementwise value besides its row values and gradient. */",
    ]
    entries = []
    for cls in separable_classes():
        kernel = cls.kernel  # type: ignore[attr-defined]
        count = len(inspect.signature(cls.term).parameters) - 1  # type: ignore[attr-defined]
        functions = [
            c_function(cls.term, f"{kernel}_term"),  # type: ignore[attr-defined]
            c_function(cls.term_derivative, f"{kernel}_derivative"),  # type: ignore[attr-defined]
        ]
        # a formula that calls the vector math runs flat (see SEPARABLE_KERNEL in _native_body.h)
        flat = any(map(_calls_math, functions))
        parts += [
            "",
            f"/* {kernel}: {cls.__module__}.{cls.__qualname__}, {count} parameter(s). */",
            f"#define {kernel.upper()}_PARAMETERS {count}",
            *functions,
            f"SEPARABLE_KERNEL({kernel}, {int(flat)})",
        ]
        entries.append(f"X({kernel}, {count}, 0, 1, 0, 0, 0)")
    for kernel, formula, vectors in formulas():
        text, counts = row_kernel(formula, kernel, vectors)
        parts += ["", f"/* {kernel}: {formula.__module__}.{formula.__qualname__}. */", text]
        entries.append(f"X({kernel}, {', '.join(str(count) for count in counts.values())})")
    parts += ["", "#ifndef KERNEL_LIST", "#define KERNEL_LIST(X) \\"]
    continued = " \\"
    parts += [f"    {entry}{continued if i + 1 < len(entries) else ''}" for i, entry in enumerate(entries)]
    parts.append("#endif")
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the header differs, write nothing")
    parser.add_argument("--header", type=Path, default=HEADER, help="the file (default: the package's)")
    args = parser.parse_args(argv)
    from ebmcore_analytic import _cpu_kernels
    from ebmcore_bbob import _formula

    # Read the formulas without registering kernels: the built extension may not have the
    # kernels of the header about to be written.
    _cpu_kernels.AVAILABLE = _formula.AVAILABLE = False
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
