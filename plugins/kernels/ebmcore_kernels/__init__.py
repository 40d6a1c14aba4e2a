"""ebmcore-kernels: fused, threaded C kernels for ebmcore's analytic energies on the CPU.

An optional distribution: installed beside ``ebmcore-analytic`` (its ``kernels`` extra), it
registers a ``"cpu"`` kernel (:meth:`ebmcore.BaseModel.register_kernel`) on sphere, harmonic,
the double well, Styblinski-Tang, Ackley, Rastrigin, Griewank, Levy, Dixon-Price, Michalewicz,
Zakharov and Rosenbrock; without it those energies run their PyTorch
paths, with the same results up to rounding. Importing this package is cheap; the extension
loads on first use::

    >>> import ebmcore_kernels
    >>> "rastrigin" in ebmcore_kernels.KERNELS or not ebmcore_kernels.AVAILABLE
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ebmcore.plugin import lazy_getattr

if TYPE_CHECKING:  # the static view, for type checkers (explicit re-exports); _LAZY is the runtime one
    from ._cpu import AVAILABLE as AVAILABLE
    from ._cpu import KERNELS as KERNELS
    from ._cpu import PARALLEL_GRAIN as PARALLEL_GRAIN
    from ._cpu import THREADED as THREADED
    from ._cpu import compute as compute
    from ._cpu import fused as fused
    from ._cpu import register as register

_LAZY = {  # module -> the names it defines: the lazy table and __all__ both come from it
    "._cpu": ("AVAILABLE", "KERNELS", "PARALLEL_GRAIN", "THREADED", "compute", "fused", "register"),
}

__getattr__ = lazy_getattr(__name__, _LAZY)
__all__ = sorted(name for names in _LAZY.values() for name in names)
