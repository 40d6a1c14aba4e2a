"""The speed layer of the analytic energies: building blocks and flattened-batch paths.

A model class holds its formula once, in readable torch: ``forward`` and its fused analytic
gradient. What only makes it faster lives here.

On a CPU every elementwise op over a ``(batch, d)`` tensor is one pass over memory, and for
small batches every op also costs a fixed dispatch overhead, as much as building a small
constant tensor does. The helpers here keep both counts low:

* :func:`constant` returns a 0-d tensor or a ``(size,)`` vector filled with one value, in the
  dtype and device of a given tensor, cached; :func:`muladd` computes ``add + scale * a * b``
  in one pass with it, without building anything per call;
* :func:`rowsum` sums over the last dimension, short rows as a matrix-vector product with a
  cached vector of weights (BLAS ``gemv`` is faster than ``sum(-1)`` there);
* :func:`buffer_as` converts a float64 buffer to the input's dtype once, not on every call, and
  :func:`cached` (the core's :func:`ebmcore.plugin.cached_while_unchanged`) keeps anything else
  derived from buffers (a flag, a scalar) until one of them is replaced or modified in place.

Energies that couple neighbouring coordinates (Rosenbrock, Dixon-Price) also have a
flattened-batch path here (:func:`rosenbrock_energy_and_gradient`,
:func:`dixon_price_energy_and_gradient`): contiguous passes over the whole batch with ``out=``
buffers and slices written in place, where strided slices of short rows cost several passes
each. A model method decorated with :func:`untraced` runs it where no graph can be wanted, and
its own readable body everywhere else (autograd, ``torch.compile``, ``torch.func``).

Cached tensors are shared and never written to. They are built outside inference mode, so
that a first call inside ``torch.inference_mode()`` does not leave an inference tensor that a
later differentiable call could not use. Inside ``torch.compile`` nothing is cached: the
constant is built in the graph, where inductor folds it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ebmcore.plugin import cached_while_unchanged as cached

__all__ = [
    "buffer_as",
    "cached",
    "constant",
    "dixon_price_energy_and_gradient",
    "dixon_price_weight",
    "integer_power",
    "muladd",
    "rosenbrock_energy",
    "rosenbrock_energy_and_gradient",
    "rowsum",
    "traced",
    "untraced",
]

Model = TypeVar("Model")
Result = TypeVar("Result")

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


def muladd(a: Tensor, b: Tensor, add: float, scale: float = 1.0) -> Tensor:
    """``add + scale * a * b`` in one pass (``addcmul`` onto a cached :func:`constant`).

    Example:
        >>> import torch
        >>> x = torch.tensor([1.0, 2.0])
        >>> muladd(x, x, -1.0), muladd(x, x, 0.0, 4.0)
        (tensor([0., 3.]), tensor([ 4., 16.]))
    """
    return torch.addcmul(constant(add, a), a, b, value=scale)


def untraced(
    fast: Callable[[Model, Tensor], Result], applies: Callable[[Model], bool] | None = None
) -> Callable[[Callable[[Model, Tensor], Result]], Callable[[Model, Tensor], Result]]:
    """Method decorator: ``fast(model, x)`` runs in place of the method where ``x`` is not
    :func:`traced` (and ``applies(model)``, where given); the method's own body, the readable
    formula, runs for a graph, under ``torch.compile`` and inside ``torch.func`` transforms.

    Example:
        >>> import torch
        >>> class Square:
        ...     @untraced(lambda model, x: torch.square(x))
        ...     def forward(self, x):
        ...         return x * x
        >>> Square().forward(torch.tensor([3.0], requires_grad=True))
        tensor([9.], grad_fn=<MulBackward0>)
        >>> Square().forward(torch.tensor([3.0]))
        tensor([9.])
    """

    def decorate(method: Callable[[Model, Tensor], Result]) -> Callable[[Model, Tensor], Result]:
        @functools.wraps(method)
        def dispatch(model: Model, x: Tensor) -> Result:
            if traced(x) or (applies is not None and not applies(model)):
                return method(model, x)
            return fast(model, x)

        return dispatch

    return decorate


# -- flattened-batch paths (no graph: out= buffers and slices written in place) ----------------


def _rosenbrock_terms(model: Any, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """The energy, ``v`` and ``2 (x - a)`` of Rosenbrock's flattened-batch path, for a
    contiguous ``x``.

    ``v_i = x_{i+1} - x_i^2`` on the flattened batch: contiguous passes, no strided slices
    (which cost several times a pass on short rows). The last column of each row, where the
    flattened neighbour belongs to the next sample, is set to zero and never summed.
    """
    a, b = model.a, model.b
    flat = x.view(-1)
    valley = torch.empty_like(x)
    torch.addcmul(flat[1:], flat[:-1], flat[:-1], value=-1.0, out=valley.view(-1)[:-1])
    valley[..., -1] = 0.0
    twice_offset = torch.add(constant(-2.0 * a, x), x, alpha=2.0)  # 2 (x_i - a)
    terms = (twice_offset * twice_offset).addcmul_(valley, valley, value=4.0 * b)
    energy = rowsum(terms[..., :-1], 0.25)  # sum_{i<d} (x_i - a)^2 + b v_i^2
    return energy, valley, twice_offset


def rosenbrock_energy(model: Any, x: Tensor) -> Tensor:
    """Rosenbrock's energies by the flattened-batch path: those of
    :func:`rosenbrock_energy_and_gradient`, bit for bit."""
    return _rosenbrock_terms(model, x.contiguous())[0]


def rosenbrock_energy_and_gradient(model: Any, x: Tensor) -> tuple[Tensor, Tensor]:
    """Rosenbrock's energy and gradient by the flattened-batch path (see :func:`_rosenbrock_terms`).

    Example:
        >>> import torch, ebmcore
        >>> model = ebmcore.create("rosenbrock", dim=3)
        >>> rosenbrock_energy_and_gradient(model, torch.tensor([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]))
        (tensor([0., 2.]), tensor([[ 0.,  0.,  0.],
                [-2., -2.,  0.]]))
    """
    b = model.b
    x = x.contiguous()  # every buffer is laid out like x, and viewed flat
    energy, valley, twice_offset = _rosenbrock_terms(model, x)
    # grad: 2 (x_i - a) - 4 b x_i v_i (i < d), plus 2 b v_{i-1} (i > 1)
    twice_offset[..., -1] = 0.0
    grad = torch.addcmul(twice_offset, x, valley, value=-4.0 * b)
    grad.view(-1)[1:].add_(valley.view(-1)[:-1], alpha=2.0 * b)
    return energy, grad


def dixon_price_weight(model: Any, x: Tensor) -> Tensor:
    """Dixon-Price's ``(0, 2, 3, ..., d)`` in ``x``'s dtype and device (from its ``index``
    buffer ``(2, ..., d)``, cached until the buffer changes)."""
    index = model.index
    return cached(model, ("weight", x.dtype, x.device), (index,), lambda: F.pad(index, (1, 0)).to(x))


def dixon_price_energy_and_gradient(model: Any, x: Tensor) -> tuple[Tensor, Tensor]:
    """Dixon-Price's energy and gradient by the flattened-batch path (``dim >= 2``).

    ``v_i = x_{i-1} - 2 x_i^2`` on the flattened batch (contiguous passes, where strided
    slices cost several times a pass on short rows); the first column of each row, whose
    flattened neighbour belongs to the previous sample, is zero, and so is its weight.
    """
    x = x.contiguous()  # every buffer below is laid out like x, and viewed flat
    flat = x.view(-1)
    valley = torch.empty_like(x)
    torch.addcmul(flat[:-1], flat[1:], flat[1:], value=-2.0, out=valley.view(-1)[1:])
    valley[..., 0] = 0.0
    weighted = valley * dixon_price_weight(model, x)  # i v_i, zero in the first column
    offset = x[..., 0] - 1.0
    energy = model._energy(x)  # as forward computes it: the energies agree to the bit
    # dE/dx_i = 2 (x_1 - 1) [i = 1] - 8 x_i i v_i + 2 (i + 1) v_{i+1} [i < d]
    grad = torch.addcmul(constant(0.0, x), x, weighted, value=-8.0)
    grad.view(-1)[:-1].add_(weighted.view(-1)[1:], alpha=2.0)  # zero across samples
    grad[..., 0].add_(offset, alpha=2.0)
    return energy, grad
