"""Float64 tensors of ``dim`` entries built under :func:`ebmcore.plugin.allocation`.

A dimension such as ``dim=10**15`` is a valid integer, but the buffers, ``bounds`` and
``minima`` it implies cannot exist: the energies of this package build them here (and
:class:`ebmcore.BaseModel` the declared ``domain`` and ``minimizer`` the same way), so that an
impossible size raises :class:`ebmcore.InvalidParameterError` naming ``dim`` and the memory it
would need.

Example:
    >>> import ebmcore
    >>> try:
    ...     ebmcore.create("sphere", dim=10**15).bounds
    ... except ebmcore.InvalidParameterError as error:
    ...     print(error.parameter, "PB" in str(error))
    dim True
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

import torch
from torch import Tensor

from ebmcore.plugin import allocation as allocating

__all__ = ["allocating", "filled", "float64_bytes", "vectors"]

_FLOAT64 = 8
_SMALL = 2**14
"""Tensors up to 16 kB are built from a list in one call."""


def vectors(model: Any, count: int, what: str = "float64 buffers") -> contextlib.AbstractContextManager[None]:
    """:func:`allocating` for ``count`` float64 vectors of length ``model.dim``, blaming ``dim``."""
    dim = model.dim
    nbytes = float64_bytes(count, dim)
    return allocating(nbytes, what, parameter="dim", value=dim, energy=type(model).__name__)


def filled(model: Any, rows: list[float], what: str, parameter: str = "dim") -> Tensor:
    """A float64 ``(len(rows), model.dim)`` tensor whose row ``i`` is ``rows[i]`` everywhere.

    Large ones are built without a Python list of ``dim`` entries, and under
    :func:`allocating`, so an impossible ``dim`` raises a clear error naming it.
    """
    dim = model.dim
    nbytes = float64_bytes(len(rows), dim)
    if nbytes <= _SMALL:  # one call, as cheap as a literal
        return torch.tensor([[value] * dim for value in rows], dtype=torch.float64)
    with allocating(nbytes, what, parameter=parameter, value=dim, energy=type(model).__name__):
        values = torch.tensor(rows, dtype=torch.float64)
        return values[:, None].expand(len(rows), dim).clone()


def float64_bytes(*shape: int) -> int:
    """Bytes of a float64 tensor of this shape."""
    return _FLOAT64 * math.prod(shape)
