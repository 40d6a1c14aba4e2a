"""Fused CPU kernels: energy and gradient of an analytic energy in one pass of compiled code.

The trigonometric energies (Ackley, Rastrigin, Griewank, Levy, Michalewicz) spend most of their
time in sines and cosines, which PyTorch's eager path and autograd both evaluate one tensor op
at a time; the kernels in ``_kernels.c`` evaluate them with glibc's vector math library inside a
single loop that also forms the energy's row sums and the gradient, so the input is read once
and nothing else is written. They run in place of the PyTorch path (:meth:`register_kernel` on
the class, the dispatch's first choice) for contiguous or non-contiguous float32 and float64
inputs on the CPU, and give the same numbers to within a few units in the last place (the
registry-wide tests compare every path with autograd). Sphere, harmonic, the double well,
Styblinski-Tang, Zakharov and Dixon-Price have kernels for the same reason on a smaller scale
(one pass over x instead of a few tensor ops). A full-covariance Gaussian has one for small
dimensions (:data:`QUADRATIC_MAX_DIM`, 11), where a matrix product library spends more time setting
up than multiplying; above it the library's threaded product runs (the analytic path).

The kernels also give ``model.energy(x)`` where no graph can be wanted (:func:`ebmcore.energy`):
each is compiled a second time without its gradient's work (the sine of Rastrigin and Ackley,
the cosines of Levy and Michalewicz, ...), with energies equal bit for bit to those of
``energy_and_gradient``.

Threads: above ``PARALLEL_GRAIN`` input elements the kernel shares the rows out among torch's
threads (``torch.get_num_threads()``, OpenMP in the extension; the OpenMP runtime is torch's
own), below it one thread runs, as waking the others costs more than the work. An extension
built without OpenMP (``THREADED`` False) steps aside for the PyTorch path above the grain
when torch has several threads, whose ops use them all. The measurements are in
bench/results/energies.md.

A subclass inherits the kernel only while it keeps the class's ``forward`` and
``analytic_energy_and_gradient``; for one that redefines either, the kernel does not apply
(``applies`` of :meth:`register_kernel`) and its own analytic path runs. Inputs the kernel does
not take (another dtype, a larger Gaussian, inside ``torch.compile``) run the analytic path,
and :func:`ebmcore.resolve_backend` says so (``accepts`` of :meth:`register_kernel`).

The extension is optional (``setup.py``): where it was not built, or was built without vector
math (:data:`AVAILABLE` is False), nothing is registered and the PyTorch paths run.

Example:
    >>> import torch, ebmcore
    >>> model = ebmcore.create("rastrigin", dim=3)
    >>> x = torch.tensor([[0.5, 0.0, -0.25]])
    >>> energy, grad = model.energy_and_gradient(x)
    >>> with ebmcore.use_backend("analytic"):
    ...     reference = model.energy_and_gradient(x)
    >>> torch.allclose(energy, reference[0]) and torch.allclose(grad, reference[1])
    True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import torch
from torch import Tensor

from ebmcore import BaseModel

try:
    from . import _kernels
except ImportError:  # not built (setup.py: the extension is optional)
    _kernels = None  # type: ignore[assignment]

__all__ = ["AVAILABLE", "PARALLEL_GRAIN", "QUADRATIC_MAX_DIM", "THREADED", "cpu_kernel"]

AVAILABLE: bool = _kernels is not None and bool(_kernels.VECTOR_MATH)
"""Whether the compiled kernels are built with vector math, and so registered."""

THREADED: bool = AVAILABLE and bool(_kernels.THREADED)
"""Whether the kernels share a batch among torch's threads (the extension was built with OpenMP)."""

PARALLEL_GRAIN = 32768
"""Inputs with more elements than this are shared among torch's threads (torch's own grain);
smaller ones run on one. An extension without ``THREADED`` steps aside above it instead when
torch has several threads."""

QUADRATIC_MAX_DIM: int = _kernels.QUADRATIC_MAX_DIM if AVAILABLE else 0
"""The largest dimension of the full-covariance Gaussian's kernel; above it, the library's product."""

Model = TypeVar("Model", bound=type[BaseModel])
Arguments = Callable[[Any, Tensor], tuple[tuple[float, ...], tuple[Tensor, ...]]]

_MATRICES = {"quadratic": (1,)}
"""The vectors (by position) that a kernel reads as ``(d, d)`` row-major matrices; the others
have length ``d``."""


def cpu_kernel(
    kernel: str, arguments: Arguments, applies: Callable[[Any], bool] | None = None
) -> Callable[[Model], Model]:
    """Class decorator: register the compiled ``kernel`` as the class's CPU kernel.

    Args:
        kernel: a name in ``_kernels.KERNELS``.
        arguments: ``arguments(model, x)`` returns the kernel's scalar parameters and its
            per-coordinate vectors (each contiguous, of length ``dim``, in ``x``'s dtype; the
            ``(dim, dim)`` matrices of ``_MATRICES``).
        applies: ``applies(model)``, whether the kernel serves this instance (None: all); the
            dispatch runs the analytic path for the others (:meth:`BaseModel.register_kernel`).
    """

    def register(cls: Model) -> Model:
        if AVAILABLE:
            assert _kernels is not None
            if kernel not in _kernels.KERNELS:
                raise ValueError(f"kernel must be one of {', '.join(_kernels.KERNELS)}, got {kernel!r}")
            function, energy, accepts = _fused(
                _kernels.KERNELS.index(kernel), _MATRICES.get(kernel, ()), arguments
            )
            cls.register_kernel(
                "cpu", function, applies=_same_formula(cls, applies), energy=energy, accepts=accepts
            )
        return cls

    return register


def _same_formula(cls: type[BaseModel], applies: Callable[[Any], bool] | None) -> Callable[[Any], bool]:
    """``applies``, and only for instances of ``cls`` or of subclasses that keep its formula."""
    forward, analytic = cls.forward, cls.analytic_energy_and_gradient

    def same_formula(model: BaseModel) -> bool:
        kind = type(model)
        return (
            kind is cls or (kind.forward is forward and kind.analytic_energy_and_gradient is analytic)
        ) and (applies is None or applies(model))

    return same_formula


def _fused(
    index: int, matrices: tuple[int, ...], arguments: Arguments
) -> tuple[
    Callable[[BaseModel, Tensor], tuple[Tensor, Tensor]],
    Callable[[BaseModel, Tensor], Tensor],
    Callable[[BaseModel, Tensor], bool],
]:
    """The kernel's ``energy_and_gradient(model, x)``, ``energy(model, x)`` and ``accepts(model, x)``."""

    def accepts(model: BaseModel, x: Tensor) -> bool:
        """float32 or float64, not inside ``torch.compile`` (a graph traces the PyTorch path),
        and, without threads in the extension, no more than the grain when torch has several."""
        return (
            (x.dtype is torch.float32 or x.dtype is torch.float64)
            and not torch.compiler.is_compiling()
            and (THREADED or x.numel() <= PARALLEL_GRAIN or torch.get_num_threads() == 1)
        )

    def run(model: BaseModel, x: Tensor, with_gradient: bool) -> tuple[Tensor, Tensor | None]:
        """Energies and gradient (None without ``with_gradient``) from the compiled kernel."""
        d = x.shape[-1]
        x = x.contiguous()
        parameters, vectors = arguments(model, x)
        for i, vector in enumerate(vectors):  # what the kernel reads: contiguous, in x's dtype
            shape = (d, d) if i in matrices else (d,)
            if (
                vector.dtype != x.dtype
                or vector.shape != shape
                or not vector.is_contiguous()
                or not vector.is_cpu
            ):
                raise RuntimeError(
                    f"kernel vector {i} of {type(model).__name__} is not a contiguous {shape} {x.dtype}"
                )
        energy = x.new_empty(x.shape[:-1])
        grad = torch.empty_like(x, memory_format=torch.contiguous_format) if with_gradient else None
        _kernels.fused(
            index,
            x.dtype == torch.float64,
            x.data_ptr(),
            x.numel() // d,
            d,
            energy.data_ptr(),
            0 if grad is None else grad.data_ptr(),
            parameters,
            tuple(v.data_ptr() for v in vectors),
            torch.get_num_threads() if x.numel() > PARALLEL_GRAIN else 1,
        )
        return energy, grad

    def energy_and_gradient(model: BaseModel, x: Tensor) -> tuple[Tensor, Tensor]:
        energy, grad = run(model, x, with_gradient=True)
        assert grad is not None
        return energy, grad

    def energy(model: BaseModel, x: Tensor) -> Tensor:
        return run(model, x, with_gradient=False)[0]

    return energy_and_gradient, energy, accepts
