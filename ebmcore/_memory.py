"""Clear errors for sizes whose tensors cannot fit in memory (for plugin authors).

A dimension such as ``dim=10**15`` is a valid integer, but the tensors it implies cannot exist.
Rather than a raw allocator ``RuntimeError`` or a ``MemoryError`` (or, worse, an allocation that
succeeds and is killed by the operating system when touched), an energy allocates its large
tensors inside :func:`allocation`, which raises :class:`ebmcore.InvalidParameterError` naming
the parameter, its value and the memory it would need.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from typing import Any

from ._errors import InvalidParameterError

__all__ = ["CHECKED_ABOVE", "allocation"]

CHECKED_ABOVE = 2**26
"""Sizes (bytes) up to which nothing is checked: 64 MiB, cheaper to allocate than to ask about."""


@functools.cache
def _physical_memory() -> int | None:
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def _available_memory() -> int | None:
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


def _format_bytes(count: float) -> str:
    """``count`` bytes in decimal units: ``'16 PB'``, ``'3.2 GB'``, ``'512 bytes'``."""
    for unit in ("bytes", "kB", "MB", "GB", "TB", "PB"):
        if count < 1000.0:
            return f"{count:.3g} {unit}"
        count /= 1000.0
    return f"{count:.3g} EB"


def _allowed(what: str, nbytes: float, limit: int | None) -> str:
    have = f"the {_format_bytes(limit)} available" if limit is not None else "the memory available"
    return f"a size whose {what} fit in memory (needing {_format_bytes(nbytes)}, more than {have})"


@contextlib.contextmanager
def allocation(nbytes: float, what: str, *, parameter: str, value: Any, energy: str) -> Iterator[None]:
    """Allocate ``nbytes`` of tensors in the block, or raise an error naming the parameter.

    ``nbytes`` beyond the memory available now (the kernel's estimate of what can be allocated
    without swapping, else the physical memory) is refused before the block runs; sizes up to
    :data:`CHECKED_ABOVE` are not checked. An allocation in the block that fails anyway is
    re-raised the same way, the failure chained.

    Args:
        nbytes: the bytes the block's tensors need.
        what: what they are, to follow "a size whose ..." (``"(2, dim) float64 bounds"``).
        parameter: the constructor argument that sets the size; ``value``: its value.
        energy: the energy's class name.

    Raises:
        InvalidParameterError: the tensors cannot fit.

    Example:
        >>> import torch, ebmcore
        >>> with ebmcore.plugin.allocation(8e15, "(dim,) float64 buffers", parameter="dim", value=10**15,
        ...                         energy="Bowl"):
        ...     buffer = torch.zeros(10**15, dtype=torch.float64)
        Traceback (most recent call last):
        ...
        ebmcore.InvalidParameterError: Bowl: parameter 'dim' must be a size whose (dim,)
        float64 buffers fit in memory (needing 8 PB, more than the ... available), got ...
    """
    limit = _available_memory() if nbytes > CHECKED_ABOVE else None
    if limit is not None and nbytes > limit:
        raise InvalidParameterError(parameter, value, _allowed(what, nbytes, limit), energy=energy)
    import torch  # only here: the module stays importable without it

    try:
        yield
    except (MemoryError, torch.OutOfMemoryError) as error:
        raise InvalidParameterError(parameter, value, _allowed(what, nbytes, None), energy=energy) from error
    except RuntimeError as error:
        if "alloc" not in str(error).lower():
            raise
        raise InvalidParameterError(parameter, value, _allowed(what, nbytes, None), energy=energy) from error
