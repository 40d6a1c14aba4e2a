# The C extension built from _native.c (optional: see setup.py).

from typing import Any

KERNELS: tuple[str, ...]
VECTOR_MATH: int
THREADED: int

def fused(
    kernel: int,
    x: Any,
    energy: Any,
    grad: Any | None,
    parameters: tuple[float, ...],
    vectors: tuple[Any, ...],
    threads: int,
    value: Any | None = None,
    /,
) -> None: ...
