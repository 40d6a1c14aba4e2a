"""Clear errors for sizes whose tensors cannot fit in memory.

A dimension such as ``dim=10**15`` is a valid integer, but the tensors it implies (buffers,
``bounds``, ``minima``) cannot exist. Rather than a raw allocator ``RuntimeError`` or a
``MemoryError`` (or, worse, an allocation that succeeds and is killed when touched), the
energies of this package raise :class:`ebmcore.InvalidParameterError` naming the parameter,
the value and the memory it would need:

* **The documented limit**: a tensor, or the set of buffers a constructor registers, larger
  than the memory available right now (:func:`available_memory`: the kernel's estimate of
  what can be allocated without swapping, else the physical memory) is refused before
  anything is allocated (an allocation beyond it could succeed and then be killed by the
  operating system when touched); sizes under 64 MiB are not checked;
* below that limit an allocation that fails anyway is re-raised the same way, with the
  failure chained.

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
import functools
import math
import os
from collections.abc import Iterator
from typing import Any

import torch
from torch import Tensor

from ebmcore import InvalidParameterError

__all__ = [
    "CHECKED_ABOVE",
    "allocating",
    "available_memory",
    "check_fits",
    "filled",
    "float64_bytes",
    "format_bytes",
    "vectors",
]

_FLOAT64 = 8
_SMALL = 2**14
"""Tensors up to 16 kB are built from a list in one call."""
CHECKED_ABOVE = 2**26
"""Sizes (bytes) up to which nothing is checked: 64 MiB, cheaper to allocate than to ask about."""


@functools.cache
def _physical_memory() -> int | None:
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def available_memory() -> int | None:
    """Bytes that can be allocated now: ``MemAvailable`` of ``/proc/meminfo`` where there is one,
    else the physical memory, else None where the operating system says neither."""
    try:
        with open("/proc/meminfo", encoding="ascii") as lines:
            for line in lines:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return _physical_memory()


def format_bytes(count: float) -> str:
    """``count`` bytes in decimal units: ``'16 PB'``, ``'3.2 GB'``, ``'512 bytes'``."""
    for unit in ("bytes", "kB", "MB", "GB", "TB", "PB"):
        if count < 1000.0:
            return f"{count:.3g} {unit}"
        count /= 1000.0
    return f"{count:.3g} EB"


def _allowed(what: str, nbytes: float, limit: int | None) -> str:
    have = f"the {format_bytes(limit)} available" if limit is not None else "the memory available"
    return f"a size whose {what} fit in memory (needing {format_bytes(nbytes)}, more than {have})"


def check_fits(nbytes: float, what: str, *, parameter: str, value: Any, energy: str) -> None:
    """Raise :class:`ebmcore.InvalidParameterError` if ``nbytes`` exceed :func:`available_memory`.

    Args:
        nbytes: the bytes the tensors would need.
        what: what they are, to follow "a size whose ..." (e.g. ``"(2, dim) float64 bounds"``).
        parameter, value: the constructor argument that sets the size, and its value.
        energy: the energy's class name.
    """
    if nbytes <= CHECKED_ABOVE:
        return
    limit = available_memory()
    if limit is not None and nbytes > limit:
        raise InvalidParameterError(parameter, value, _allowed(what, nbytes, limit), energy=energy)


@contextlib.contextmanager
def allocating(nbytes: float, what: str, *, parameter: str, value: Any, energy: str) -> Iterator[None]:
    """Check ``nbytes`` with :func:`check_fits`, then run the block, turning an allocation
    failure into :class:`ebmcore.InvalidParameterError` (the failure chained)."""
    check_fits(nbytes, what, parameter=parameter, value=value, energy=energy)
    try:
        yield
    except (MemoryError, torch.OutOfMemoryError) as error:
        raise InvalidParameterError(parameter, value, _allowed(what, nbytes, None), energy=energy) from error
    except RuntimeError as error:
        if "alloc" not in str(error).lower():
            raise
        raise InvalidParameterError(parameter, value, _allowed(what, nbytes, None), energy=energy) from error


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
