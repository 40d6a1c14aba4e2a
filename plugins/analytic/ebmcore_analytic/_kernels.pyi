# The C extension built from _kernels.c (optional: see setup.py).

KERNELS: tuple[str, ...]
VECTOR_MATH: int
THREADED: int
QUADRATIC_MAX_DIM: int

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
    threads: int,
    /,
) -> None: ...
