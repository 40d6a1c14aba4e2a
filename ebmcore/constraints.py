"""Declarative constraints on constructor arguments, checked once by :class:`ebmcore.BaseModel`.

A model declares ``arg_constraints = {"b": constraints.positive, ...}``; the base class checks
every argument it is given against its constraint and raises
:class:`ebmcore.InvalidParameterError` naming the parameter, the value and the constraint.

Constraints see arguments after normalization to plain Python values (tensors and arrays become
nested lists), so they never need torch.

Example:
    >>> from ebmcore import constraints
    >>> constraints.positive.check(2.0), constraints.positive.check(-1.0)
    (True, False)
    >>> constraints.positive.description
    'a finite real number > 0'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Integral, Real
from typing import Any

from ._errors import InvalidParameterError

__all__ = [
    "Constraint",
    "any_value",
    "boolean",
    "common_size",
    "greater_than",
    "integer_at_least",
    "integer_interval",
    "interval",
    "nonnegative",
    "nonnegative_integer",
    "one_of",
    "optional",
    "positive",
    "positive_integer",
    "positive_vector",
    "real",
    "real_matrix",
    "real_vector",
]


def _is_real(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


class Constraint:
    """A named predicate on one argument value.

    Args:
        check: the predicate, given the normalized value.
        description: what is allowed, phrased to follow "must be".
    """

    def __init__(self, check: Any, description: str) -> None:
        self._check = check
        self.description = description

    def check(self, value: Any) -> bool:
        """Return whether ``value`` satisfies the constraint."""
        try:
            return bool(self._check(value))
        except (TypeError, ValueError):
            return False

    def __repr__(self) -> str:
        return f"Constraint({self.description!r})"


any_value = Constraint(lambda v: True, "any value")
real = Constraint(_is_real, "a finite real number")
positive = Constraint(lambda v: _is_real(v) and v > 0, "a finite real number > 0")
nonnegative = Constraint(lambda v: _is_real(v) and v >= 0, "a finite real number >= 0")
positive_integer = Constraint(lambda v: _is_int(v) and v >= 1, "an integer >= 1")
nonnegative_integer = Constraint(lambda v: _is_int(v) and v >= 0, "an integer >= 0")
boolean = Constraint(lambda v: isinstance(v, bool), "True or False")


def _is_vector(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and len(value) >= 1 and all(_is_real(v) for v in value)


real_vector = Constraint(_is_vector, "a non-empty list of finite real numbers")
positive_vector = Constraint(
    lambda v: _is_vector(v) and all(e > 0 for e in v), "a non-empty list of finite real numbers > 0"
)
real_matrix = Constraint(
    lambda v: (
        isinstance(v, (list, tuple))
        and len(v) >= 1
        and all(_is_vector(row) and len(row) == len(v[0]) for row in v)
    ),
    "a non-empty 2-D list (matrix) of finite real numbers",
)


def interval(low: float, high: float) -> Constraint:
    """Real numbers in the closed interval ``[low, high]``."""
    return Constraint(lambda v: _is_real(v) and low <= v <= high, f"a real number in [{low}, {high}]")


def greater_than(low: float) -> Constraint:
    """Real numbers strictly greater than ``low``."""
    return Constraint(lambda v: _is_real(v) and v > low, f"a finite real number > {low}")


def integer_interval(low: int, high: int) -> Constraint:
    """Integers in the closed interval ``[low, high]``."""
    return Constraint(lambda v: _is_int(v) and low <= v <= high, f"an integer in [{low}, {high}]")


def integer_at_least(low: int) -> Constraint:
    """Integers ``>= low`` (``integer_at_least(1)`` is :data:`positive_integer`).

    Example:
        >>> integer_at_least(2).check(2), integer_at_least(2).check(1)
        (True, False)
    """
    return Constraint(lambda v: _is_int(v) and v >= low, f"an integer >= {low}")


def one_of(*choices: Any) -> Constraint:
    """One of a fixed set of values (compared with ``==``)."""
    shown = ", ".join(repr(c) for c in choices)
    return Constraint(lambda v: any(type(v) is type(c) and v == c for c in choices), f"one of {shown}")


def optional(inner: Constraint) -> Constraint:
    """``None`` or a value satisfying ``inner``."""
    return Constraint(lambda v: v is None or inner.check(v), f"None or {inner.description}")


def common_size(
    sizes: Mapping[str, int | None], *, value: Any, allowed: str, energy: str, parameter: str = "dim"
) -> int | None:
    """The one size that every argument which fixes it agrees on, or None if none does.

    ``sizes`` maps argument names to the dimension each implies (None: it does not say).
    Disagreement raises :class:`ebmcore.InvalidParameterError` naming ``parameter`` (given
    ``value``), with ``allowed`` followed by what each argument gives.

    Example:
        >>> common_size({"dim": None, "mean": 3, "cov": 3}, value=None, allowed="consistent", energy="G")
        3
    """
    known = {name: size for name, size in sizes.items() if size is not None}
    if len(set(known.values())) > 1:
        detail = ", ".join(f"{name} gives {size}" for name, size in known.items())
        raise InvalidParameterError(parameter, value, f"{allowed} ({detail})", energy=energy)
    return next(iter(known.values()), None)
