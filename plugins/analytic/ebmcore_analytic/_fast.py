"""The speed layer of the analytic energies: building blocks of their torch formulas.

A model class holds its formula once, in readable torch: ``forward`` and its fused analytic
gradient (for most, a row formula that ``ebmcore-kernels`` also prints as C). What only makes
the torch code faster lives here.

On a CPU every elementwise op over a ``(batch, d)`` tensor is one pass over memory, and for
small batches every op also costs a fixed dispatch overhead, as much as building a small
constant tensor does. The helpers here keep both counts low:

* :func:`constant` returns a 0-d tensor or a ``(size,)`` vector filled with one value, in the
  dtype and device of a given tensor, cached;
* :func:`rowsum` sums over the last dimension, short rows as a matrix-vector product with a
  cached vector of weights (BLAS ``gemv`` is faster than ``sum(-1)`` there);
* :func:`integer_power` raises to an integer power by repeated squaring;
* :func:`buffer_as` converts a float64 buffer to the input's dtype once, not on every call, and
  :func:`cached` (the core's :func:`ebmcore.plugin.cached_while_unchanged`) keeps anything else
  derived from buffers (a flag, a scalar, the vectors of a formula) until one of them is
  replaced or modified in place.

Cached tensors are shared and never written to. They are built outside inference mode, so
that a first call inside ``torch.inference_mode()`` does not leave an inference tensor that a
later differentiable call could not use. Inside ``torch.compile`` nothing is cached: the
constant is built in the graph, where inductor folds it.
"""

from __future__ import annotations

import functools

import torch
from torch import Tensor, nn

from ebmcore.plugin import cached_while_unchanged as cached
from ebmcore.plugin import tracing

__all__ = ["buffer_as", "cached", "constant", "integer_power", "rowsum"]

# Widest rows that rowsum sums with gemv (the crossover with sum(-1) is at 32 to 64 elements in
# float64 and float32 on one CPU thread, torch 2.13).
GEMV_MAX_WIDTH = 32


def constant(value: float, like: Tensor, size: int | None = None) -> Tensor:
    """``value`` as a 0-d tensor (or a ``(size,)`` vector) in ``like``'s dtype and device.

    ``value`` must be finite (a NaN would never hit the cache). The tensor is shared: read only.

    Example:
        >>> import torch
        >>> constant(2.5, torch.zeros(3, dtype=torch.float64), 2)
        tensor([2.5000, 2.5000], dtype=torch.float64)
    """
    if tracing():  # a tensor built from `like` may be a transform's wrapper: built where it is used
        return like.new_full(() if size is None else (size,), value)
    return _constant(float(value), size, like.dtype, like.device)


@functools.lru_cache(maxsize=1024)
def _constant(value: float, size: int | None, dtype: torch.dtype, device: torch.device) -> Tensor:
    with torch.inference_mode(False):
        return torch.full(() if size is None else (size,), value, dtype=dtype, device=device)


def rowsum(t: Tensor, weight: float = 1.0) -> Tensor:
    """``weight * t.sum(-1)`` for ``t`` of shape ``(*batch, d)``, the fastest way for its ``d``.

    Rows of up to ``GEMV_MAX_WIDTH`` elements are summed as one matrix-vector product with a
    cached vector of weights (BLAS ``gemv`` is faster than ``sum(-1)`` on short rows, on one
    CPU thread); longer rows by ``sum(-1)``, which is as fast or faster there (see
    bench/results/energies.md).

    Example:
        >>> import torch
        >>> rowsum(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), 0.5)
        tensor([1.5000, 3.5000])
    """
    if t.shape[-1] <= GEMV_MAX_WIDTH:
        return t @ constant(weight, t, t.shape[-1])
    total = t.sum(-1)
    return total if weight == 1.0 else total.mul_(weight)  # sum's backward keeps no output


def integer_power(base: Tensor, exponent: int) -> Tensor:
    """``base ** exponent`` for an integer ``exponent >= 0`` by repeated squaring.

    Much faster than ``torch.pow`` with a general exponent, and differentiable (the loop runs
    over the bits of ``exponent``, not over data). The C that ``ebmcore-kernels`` prints from a
    row formula multiplies in the same order.

    Example:
        >>> import torch
        >>> integer_power(torch.tensor([2.0, -1.5]), 5)
        tensor([32.0000, -7.5938])
    """
    if exponent < 0:
        raise ValueError(f"exponent must be a non-negative integer, got {exponent!r}")
    result: Tensor | None = None
    square = base
    while exponent:
        if exponent & 1:
            result = square if result is None else result * square
        exponent >>= 1
        if exponent:
            square = square * square
    return torch.ones_like(base) if result is None else result


def buffer_as(model: nn.Module, name: str, like: Tensor) -> Tensor:
    """The buffer ``model.<name>`` in ``like``'s dtype and device (converted once, then cached).

    Example:
        >>> import torch
        >>> m = torch.nn.Module()
        >>> m.register_buffer("w", torch.tensor([0.5, 2.0], dtype=torch.float64))
        >>> buffer_as(m, "w", torch.zeros(2))
        tensor([0.5000, 2.0000])
    """
    if torch.compiler.is_compiling():
        return getattr(model, name).to(like)
    buffer: Tensor = model._buffers[name]  # type: ignore[assignment]
    if buffer.dtype is like.dtype and ((buffer.is_cpu and like.is_cpu) or buffer.device == like.device):
        return buffer
    return cached(model, (name, like.dtype, like.device), (buffer,), lambda: buffer.to(like))
