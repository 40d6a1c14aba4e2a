# The C extension built from _kernels.c (optional: see setup.py).

KERNELS: tuple[str, ...]
VECTOR_MATH: int

def fused(
    kernel: int,
    is_double: bool,
    x: int,
    n: int,
    d: int,
    energy: int,
    grad: int,
    parameters: tuple[float, ...],
    vectors: tuple[int, ...],
    /,
) -> None: ...
