"""Fused CPU kernels: energy and gradient of an analytic energy in one pass of compiled code.

The trigonometric energies (Ackley, Rastrigin, Griewank, Levy, Michalewicz) spend most of their
time in sines and cosines, which PyTorch's eager path and autograd both evaluate one tensor op
at a time; the kernels in ``_native.c`` evaluate them with glibc's vector math library inside a
single loop that also forms the energy's row sums and the gradient, so the input is read once
and nothing else is written. Registered with :func:`register` (by ``ebmcore-analytic`` on its
classes), they run in place of the PyTorch path (:meth:`ebmcore.BaseModel.register_kernel`,
the dispatch's first choice) for contiguous or non-contiguous float32 and float64 inputs on the
CPU, and give the same numbers to within a few units in the last place (the registry-wide tests
compare every path with autograd), times the result's own conditioning: the compiler fuses a
multiply and an add into one rounding where torch rounds twice, and a function as ill-conditioned
as BBOB's f19 (cosines of arguments up to 1e8) shows it. Sphere, harmonic, the double well,
Styblinski-Tang, Zakharov and Dixon-Price have kernels for the same reason on a smaller scale
(one pass over x instead of a few tensor ops). Every kernel is printed from its energy's torch formula into
``_generated.h`` (:mod:`ebmcore_kernels._generate`).

The kernels also give ``model.energy(x)`` where no graph can be wanted (:func:`ebmcore.energy`):
each is compiled a second time without its gradient's work, with energies equal bit for bit to
those of ``energy_and_gradient``.

Arrays cross into C as tensors (DLPack capsules), and the extension checks each against the
layout the kernel declares (CPU, x's float type, contiguous, shapes ``(*batch, d)``, ``batch``
or ``(d,)``) before it reads or writes any memory: a wrong layout is a ``ValueError``, never a
stray write.

Threads: above :data:`PARALLEL_GRAIN` input elements the kernel shares the rows out among torch's
threads (``torch.get_num_threads()``, OpenMP in the extension; the OpenMP runtime is torch's
own), below it one thread runs, as waking the others costs more than the work. An extension
built without OpenMP (:data:`THREADED` False) steps aside for the PyTorch path above the grain
when torch has several threads, whose ops use them all. The measurements are in
bench/results/energies.md and bench/results/threads.md.

In a graph that ``torch.compile`` traces, :func:`compute` is the operator
``ebmcore_kernels::compute`` (``torch.library``, with the shapes of its outputs for the
compiler): compiled code calls the kernels as eager code does, with the same numbers.

The extension is optional (``setup.py``): where it was not built, or was built without vector
math (:data:`AVAILABLE` is False), :func:`register` registers nothing and the PyTorch paths run.

Example:
    >>> import torch, ebmcore, ebmcore_kernels
    >>> x = torch.tensor([[0.5, 0.0, -0.25]])
    >>> energy, grad = torch.empty(1), torch.empty(1, 3)
    >>> if ebmcore_kernels.AVAILABLE:  # E = 10 d + sum x^2 - 10 cos(2 pi x)
    ...     ebmcore_kernels.fused("rastrigin", x, energy, grad, (10.0,), ())
    ... else:
    ...     energy = ebmcore.create("rastrigin", dim=3)(x)
    >>> round(float(energy), 4)
    30.3125
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor
from torch.utils.dlpack import to_dlpack

from ebmcore import BaseModel

try:
    from . import _native
except ImportError:  # not built (setup.py: the extension is optional)
    _native = None  # type: ignore[assignment]

__all__ = ["AVAILABLE", "KERNELS", "PARALLEL_GRAIN", "THREADED", "compute", "fused", "register"]

AVAILABLE: bool = _native is not None and bool(_native.VECTOR_MATH)
"""Whether the compiled kernels are built with vector math, and so registered."""

THREADED: bool = AVAILABLE and bool(_native.THREADED)
"""Whether the kernels share a batch among torch's threads (the extension was built with OpenMP)."""

KERNELS: tuple[str, ...] = _native.KERNELS if AVAILABLE else ()
"""The kernels' names (empty where the extension is not :data:`AVAILABLE`)."""

PARALLEL_GRAIN = 32768
"""Inputs with more elements than this are shared among torch's threads (torch's own grain);
smaller ones run on one. An extension without :data:`THREADED` steps aside above it instead when
torch has several threads."""

_INDEX = {name: index for index, name in enumerate(KERNELS)}

Arguments = Callable[[Any, Tensor], tuple[tuple[float, ...], tuple[Tensor, ...]]]
Prepare = Callable[[Any, Tensor, bool], tuple[Tensor, Any]]
Finish = Callable[[Any, Tensor, Any, Tensor, Tensor | None], tuple[Tensor, Tensor | None]]


def _check_name(kernel: str) -> None:
    """A :class:`ValueError` naming ``kernel`` and the kernels there are, unless it is one."""
    if kernel not in _INDEX:
        raise ValueError(f"kernel must be one of {', '.join(KERNELS) or '(none: not built)'}, got {kernel!r}")


def fused(
    kernel: str,
    x: Tensor,
    energy: Tensor,
    grad: Tensor | None,
    parameters: tuple[float, ...],
    vectors: tuple[Tensor, ...],
    threads: int = 1,
    value: Tensor | None = None,
) -> None:
    """Run the compiled ``kernel`` on the rows of ``x``, writing into ``energy`` and ``grad``
    (and ``value``, for a kernel that maps ``x``).

    Args:
        kernel: a name in :data:`KERNELS`.
        x: ``(*batch, d)``, contiguous, float32 or float64, on the CPU.
        energy: ``batch``-shaped, of ``x``'s dtype, contiguous: receives the energies.
        grad: shaped like ``x``, contiguous: receives the gradient; None for the energies alone.
        parameters: the kernel's scalar parameters.
        vectors: the kernel's per-coordinate arrays, each of length ``d``.
        threads: the most threads to share the rows among.
        value: shaped like ``x``, contiguous: receives the values of a kernel that maps ``x``
            (one printed from a formula that returns ``(energy, value, grad)``); None for the
            others.

    Raises:
        ValueError: a name not in :data:`KERNELS`, or an array whose layout is not the declared
            one (checked in C before any memory is touched).
    """
    _check_name(kernel)
    _native.fused(
        _INDEX[kernel],
        to_dlpack(x),  # a capsule of the storage: no autograd history is read, none is made
        to_dlpack(energy),
        None if grad is None else to_dlpack(grad),
        parameters,
        tuple(map(to_dlpack, vectors)),
        threads,
        None if value is None else to_dlpack(value),
    )


def compute(
    kernel: str,
    x: Tensor,
    parameters: tuple[float, ...],
    vectors: tuple[Tensor, ...],
    with_gradient: bool = True,
    maps: bool = False,
) -> tuple[Tensor, Tensor | None, Tensor | None]:
    """``kernel`` on ``x`` into new tensors: ``(energy, value, grad)``, the value None unless
    the kernel ``maps`` x, the gradient None without ``with_gradient``. Above
    :data:`PARALLEL_GRAIN` elements the rows are shared among torch's threads.

    In a graph that ``torch.compile`` traces it is the operator ``ebmcore_kernels::compute``,
    which the graph calls as it is (opaque to the compiler, which fuses the work around it):
    compiled code runs the same kernel as eager code.

    Example:
        >>> x = torch.tensor([[0.5, 0.0, -0.25]])
        >>> if AVAILABLE:
        ...     energy = compute("rastrigin", x, (10.0,), ())[0]
        ... else:
        ...     energy = torch.tensor([30.3125])
        >>> energy
        tensor([30.3125])
    """
    if torch.compiler.is_compiling():
        _check_name(kernel)  # where the graph is traced, not only where it runs
        out = _operator(kernel, x, list(parameters), list(vectors), with_gradient, maps)
        return out[0], out[1] if maps else None, out[-1] if with_gradient else None
    return _compute(kernel, x, parameters, vectors, with_gradient, maps)


def _compute(
    kernel: str,
    x: Tensor,
    parameters: tuple[float, ...],
    vectors: tuple[Tensor, ...],
    with_gradient: bool,
    maps: bool,
) -> tuple[Tensor, Tensor | None, Tensor | None]:
    """:func:`compute` in eager code (also the operator's implementation)."""
    x = x.contiguous()
    energy = x.new_empty(x.shape[:-1])
    value = torch.empty_like(x, memory_format=torch.contiguous_format) if maps else None
    grad = torch.empty_like(x, memory_format=torch.contiguous_format) if with_gradient else None
    threads = torch.get_num_threads() if x.numel() > PARALLEL_GRAIN else 1
    fused(kernel, x, energy, grad, parameters, vectors, threads, value)
    return energy, value, grad


@torch.library.custom_op("ebmcore_kernels::compute", mutates_args=(), device_types="cpu")
def _operator(
    kernel: str, x: Tensor, parameters: list[float], vectors: list[Tensor], with_gradient: bool, maps: bool
) -> list[Tensor]:
    """:func:`compute` as an operator: ``[energy, value (where it maps), grad (with the
    gradient)]``, new tensors."""
    outputs = _compute(kernel, x, tuple(parameters), tuple(vectors), with_gradient, maps)
    return [t for t in outputs if t is not None]


@_operator.register_fake
def _operator_shapes(
    kernel: str, x: Tensor, parameters: list[float], vectors: list[Tensor], with_gradient: bool, maps: bool
) -> list[Tensor]:
    """The operator's outputs as the compiler sees them: their shapes, dtypes and layouts."""
    rows = [torch.empty_like(x, memory_format=torch.contiguous_format) for _ in range(maps + with_gradient)]
    return [x.new_empty(x.shape[:-1]), *rows]


def register(
    cls: type[BaseModel],
    kernel: str,
    arguments: Arguments,
    applies: Callable[[Any], bool] | None = None,
    *,
    prepare: Prepare | None = None,
    finish: Finish | None = None,
    gradient: bool = True,
) -> None:
    """Register the compiled ``kernel`` as the ``"cpu"`` kernel of ``cls`` (nothing if not built).

    The kernel runs on the rows of ``x``; or, for an energy that maps ``x`` first (a rotation,
    a shift: work the BLAS does best; or other kernels), on ``y`` from ``(y, state) =
    prepare(model, x, with_gradient)``, and then ``finish(model, x, state, energy, grad_y)``
    turns its energies and gradient in ``y`` into those in ``x`` (the chain rule through the
    map; ``grad_y`` is None, and ``with_gradient`` was False, where the energies alone are
    wanted).

    Args:
        cls: the model class; it keeps the kernel only for instances of itself or of subclasses
            that keep its ``forward`` and ``analytic_energy_and_gradient`` (a subclass that
            redefines either runs its own analytic path).
        kernel: a name in :data:`KERNELS`.
        arguments: ``arguments(model, x)`` returns the kernel's scalar parameters and its
            arrays (each contiguous, in ``x``'s dtype, of the shapes :func:`fused` declares).
        applies: ``applies(model)``, whether the kernel serves this instance (None: all); the
            dispatch runs the analytic path for the others (:meth:`BaseModel.register_kernel`).
        prepare: ``prepare(model, x, with_gradient) -> (y, state)``, the kernel's input,
            ``(*batch, m)`` in ``x``'s dtype, and what ``finish`` needs of the way there (None:
            ``x`` itself); ``arguments`` then gets ``y``.
        finish: ``finish(model, x, state, energy, grad_y) -> (energy, grad)`` (None: the
            kernel's own).
        gradient: whether ``finish`` reads the kernel's gradient in ``y``. False, for an energy
            whose gradient does not pass through ``y`` (a rounded ``y``: BBOB's f7): the kernel
            forms the energies alone, ``finish`` gets None for ``grad_y`` and forms the gradient
            from its ``state``, which ``prepare``, told ``with_gradient``, records.
    """
    if not AVAILABLE:
        return
    _check_name(kernel)
    if not gradient and finish is None:
        raise ValueError("gradient=False needs a finish that forms the gradient, got finish=None")
    function, energy, accepts = _dispatched(kernel, arguments, prepare, finish, gradient)
    cls.register_kernel("cpu", function, applies=_same_formula(cls, applies), energy=energy, accepts=accepts)


def _same_formula(cls: type[BaseModel], applies: Callable[[Any], bool] | None) -> Callable[[Any], bool]:
    """``applies``, and only for instances of ``cls`` or of subclasses that keep its formula."""
    forward, analytic = cls.forward, cls.analytic_energy_and_gradient

    def same_formula(model: BaseModel) -> bool:
        kind = type(model)
        return (
            kind is cls or (kind.forward is forward and kind.analytic_energy_and_gradient is analytic)
        ) and (applies is None or applies(model))

    return same_formula


def _dispatched(
    kernel: str, arguments: Arguments, prepare: Prepare | None, finish: Finish | None, gradient: bool
) -> tuple[
    Callable[[BaseModel, Tensor], tuple[Tensor, Tensor]],
    Callable[[BaseModel, Tensor], Tensor],
    Callable[[BaseModel, Tensor], bool],
]:
    """The kernel's ``energy_and_gradient(model, x)``, ``energy(model, x)`` and ``accepts(model, x)``."""

    def accepts(model: BaseModel, x: Tensor) -> bool:
        """float32 or float64, and, without threads in the extension, no more than the grain
        when torch has several."""
        return (x.dtype is torch.float32 or x.dtype is torch.float64) and (
            THREADED or x.numel() <= PARALLEL_GRAIN or torch.get_num_threads() == 1
        )

    def run(model: BaseModel, x: Tensor, with_gradient: bool) -> tuple[Tensor, Tensor | None]:
        """Energies and gradient (None without ``with_gradient``) from the compiled kernel."""
        y, state = (x, None) if prepare is None else prepare(model, x, with_gradient)
        energy, _, grad = compute(kernel, y, *arguments(model, y), with_gradient and gradient)
        return (energy, grad) if finish is None else finish(model, x, state, energy, grad)

    def energy_and_gradient(model: BaseModel, x: Tensor) -> tuple[Tensor, Tensor]:
        energy, grad = run(model, x, with_gradient=True)
        assert grad is not None
        return energy, grad

    def energy(model: BaseModel, x: Tensor) -> Tensor:
        return run(model, x, with_gradient=False)[0]

    return energy_and_gradient, energy, accepts
