"""The keyword arguments of :func:`ebmcore.create`, made safe before any energy sees them.

Numpy and 0-d torch scalars become Python numbers, and values nested too deep or containing
themselves are refused with an error naming the parameter (they would otherwise end in a
``RecursionError`` deep inside an energy's constructor). Neither numpy nor torch is imported.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .._errors import InvalidParameterError

__all__ = ["MAX_SPEC_DEPTH", "checked_kwargs", "nesting_problem", "plain_scalar"]

MAX_SPEC_DEPTH = 100
"""How deep the dicts and lists of a spec given to :func:`create` may nest (about 50 energies
composed inside one another); deeper, or cyclic, specs are refused before anything is built."""

PLAIN_TYPES = frozenset({int, float, str, bool, type(None)})


def plain_scalar(value: Any) -> Any:
    """A numpy scalar, or a 0-d integer tensor, as the Python number it holds (``np.int64(3)``
    -> ``3``); anything else as it is. Plugins may then use ``dim`` and friends as ints
    (``range(dim)``, ``(dim,)``) whatever the caller's array library. Neither numpy nor torch is
    imported: the type's module tells."""
    cls = type(value)
    module = cls.__module__
    if module == "numpy":
        if getattr(value, "ndim", None) == 0 and cls.__name__ != "ndarray":  # a numpy scalar
            item = value.item()
            if isinstance(item, (bool, int, float, complex)):
                return item
    elif module == "torch" and cls.__name__ == "Tensor" and value.ndim == 0:
        dtype = value.dtype
        if not (dtype.is_floating_point or dtype.is_complex or str(dtype) == "torch.bool"):
            return operator.index(value)
    return value


def nesting_problem(name: str, value: Any, outer: frozenset[int]) -> str | None:
    """Why the argument ``name`` = ``value`` (a dict, list or tuple) cannot be given: it nests
    deeper than :data:`MAX_SPEC_DEPTH` or contains itself (a dict or list that encloses it, or
    the spec dict ``outer``); None if neither. Walks without recursion."""
    containers = (Mapping, list, tuple)

    def children(node: Any) -> Iterable[tuple[Any, Any]]:
        return node.items() if isinstance(node, Mapping) else enumerate(node)

    def where(path: list[Any]) -> str:
        text = "".join(f"[{key!r}]" for key in path)
        return name + (text if len(text) <= 60 else text[:30] + "..." + text[-27:])

    on_path = set(outer) | {id(value)}
    stack: list[tuple[Any, Iterator[tuple[Any, Any]]]] = [(value, iter(children(value)))]
    path: list[Any] = []
    while stack:
        node, items = stack[-1]
        for key, child in items:
            if isinstance(child, containers):
                if id(child) in on_path:
                    return f"free of cycles ({where([*path, key])} is a dict or list that encloses it)"
                if len(stack) >= MAX_SPEC_DEPTH:
                    return f"nested at most {MAX_SPEC_DEPTH} levels deep (dicts and lists)"
                on_path.add(id(child))
                stack.append((child, iter(children(child))))
                path.append(key)
                break
        else:
            stack.pop()
            on_path.discard(id(node))
            if path:
                path.pop()
    return None


def checked_kwargs(kwargs: dict[str, Any], root: object, energy: str) -> dict[str, Any]:
    """``kwargs`` with numpy/torch scalars as Python numbers, after refusing values nested too
    deep or containing themselves (they would end in a ``RecursionError`` deep inside)."""
    outer = frozenset() if root is None else frozenset({id(root)})
    checked = dict(kwargs)
    for key, value in kwargs.items():
        if isinstance(value, (Mapping, list, tuple)):
            problem = nesting_problem(key, value, outer)
            if problem is not None:
                raise InvalidParameterError(key, value, problem, energy=energy)
        elif type(value) not in PLAIN_TYPES:
            checked[key] = plain_scalar(value)
    return checked
