"""The fused CPU kernels of the optional ``ebmcore-kernels`` distribution, where it is installed.

Each class that has a compiled kernel names it here with :func:`cpu_kernel` and says how its
parameters map onto the kernel's (``arguments``); ``ebmcore_kernels.register`` registers it as
the class's ``"cpu"`` kernel. Without ``ebmcore-kernels`` (or where its C extension could not be
built: :data:`AVAILABLE` False) nothing is registered and every energy runs its PyTorch path,
with the same results up to rounding (``model(x)`` and ``energy_and_gradient(x)[0]`` agree to
the bit either way).

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

from torch import Tensor

from ebmcore import BaseModel

try:
    import ebmcore_kernels
except ImportError:  # the optional distribution is not installed: the PyTorch paths run
    ebmcore_kernels = None  # type: ignore[assignment]

__all__ = ["AVAILABLE", "THREADED", "cpu_kernel"]

AVAILABLE: bool = ebmcore_kernels is not None and ebmcore_kernels.AVAILABLE
"""Whether ``ebmcore-kernels`` is installed with its extension built, and so registers kernels."""

THREADED: bool = AVAILABLE and ebmcore_kernels.THREADED
"""Whether the kernels share a batch among torch's threads."""

Model = TypeVar("Model", bound=type[BaseModel])


def cpu_kernel(
    kernel: str,
    arguments: Callable[[Any, Tensor], tuple[tuple[float, ...], tuple[Tensor, ...]]],
    applies: Callable[[Any], bool] | None = None,
) -> Callable[[Model], Model]:
    """Class decorator: the compiled ``kernel`` of ``ebmcore-kernels`` is the class's CPU kernel.

    ``arguments`` and ``applies`` are those of ``ebmcore_kernels.register``; without the
    distribution the decorator returns the class unchanged.
    """

    def register(cls: Model) -> Model:
        if AVAILABLE:
            ebmcore_kernels.register(cls, kernel, arguments, applies)
        return cls

    return register
