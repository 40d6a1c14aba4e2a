"""Building blocks of the fused analytic energies: cached constants and row reductions.

On a CPU every elementwise op over a ``(batch, d)`` tensor is one pass over memory, and for
small batches every op also costs a few microseconds of dispatch, as much as building a small
constant tensor does. The helpers here keep both counts low:

* :func:`constant` returns a 0-d tensor or a ``(size,)`` vector filled with one value, in the
  dtype and device of a given tensor, cached (so ``torch.addcmul(constant(c, x), x, x)``
  computes ``c + x^2`` in one pass without building anything per call);
* :func:`rowsum` sums over the last dimension, short rows as a matrix-vector product with a
  cached vector of weights (BLAS ``gemv`` is several times faster than ``sum(-1)`` there);
* :func:`buffer_as` converts a float64 buffer to the input's dtype once, not on every call, and
  :func:`cached` (the core's :func:`ebmcore.plugin.cached_while_unchanged`) keeps anything else
  derived from buffers (a flag, a scalar) until one of them is replaced or modified in place.

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

__all__ = ["buffer_as", "cached", "constant", "rowsum", "traced"]

# Inside a torch.func transform a tensor built from `like` is a wrapper of that transform: it must
# not be cached beyond it (a later transform would meet a stale level and fail).
_transforms_active = getattr(torch._C, "_are_functorch_transforms_active", lambda: False)

# Widest rows that rowsum sums with gemv (the crossover with sum(-1) is at 32 to 64 elements in
# float64 and float32 on one CPU thread, torch 2.13).
GEMV_MAX_WIDTH = 32


def traced(x: Tensor) -> bool:
    """Whether a computation on ``x`` may be differentiated or traced: ``x`` requires grad
    (with grad mode on), ``torch.compile`` traces it, or a ``torch.func`` transform wraps it.
    Then a fused path writes no ``out=`` tensors and no slices in place.

    Example:
        >>> import torch
        >>> traced(torch.ones(2)), traced(torch.ones(2, requires_grad=True))
        (False, True)
    """
    graph = x.requires_grad and torch.is_grad_enabled()
    return graph or torch.compiler.is_compiling() or _transforms_active()


def constant(value: float, like: Tensor, size: int | None = None) -> Tensor:
    """``value`` as a 0-d tensor (or a ``(size,)`` vector) in ``like``'s dtype and device.

    ``value`` must be finite (a NaN would never hit the cache). The tensor is shared: read only.

    Example:
        >>> import torch
        >>> constant(2.5, torch.zeros(3, dtype=torch.float64), 2)
        tensor([2.5000, 2.5000], dtype=torch.float64)
    """
    if torch.compiler.is_compiling() or _transforms_active():  # built where it is used
        return like.new_full(() if size is None else (size,), value)
    return _constant(float(value), size, like.dtype, like.device)


@functools.lru_cache(maxsize=1024)
def _constant(value: float, size: int | None, dtype: torch.dtype, device: torch.device) -> Tensor:
    with torch.inference_mode(False):
        return torch.full(() if size is None else (size,), value, dtype=dtype, device=device)


def rowsum(t: Tensor, weight: float = 1.0) -> Tensor:
    """``weight * t.sum(-1)`` for ``t`` of shape ``(*batch, d)``, the fastest way for its ``d``.

    Rows of up to ``GEMV_MAX_WIDTH`` elements are summed as one matrix-vector product with a
    cached vector of weights (BLAS ``gemv`` is 2 to 10 times faster than ``sum(-1)`` on short
    rows, on one CPU thread); longer rows by ``sum(-1)``, which is as fast or faster there.

    Example:
        >>> import torch
        >>> rowsum(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), 0.5)
        tensor([1.5000, 3.5000])
    """
    if t.shape[-1] <= GEMV_MAX_WIDTH:
        return t @ constant(weight, t, t.shape[-1])
    total = t.sum(-1)
    return total if weight == 1.0 else total.mul_(weight)  # sum's backward keeps no output


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
