"""Build step of ebmcore-analytic: the optional C extension with the fused CPU kernels.

Everything else about the distribution is in pyproject.toml. The extension is optional: where
it cannot be built (no C compiler, no glibc vector math library), the install goes on without
it and the energies use their PyTorch paths (``ebmcore_analytic._cpu_kernels.AVAILABLE`` is
False then).
"""

import platform
import sys

from setuptools import Extension, setup

LINUX_X86_64 = sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64")

kernels = Extension(
    "ebmcore_analytic._kernels",
    sources=["ebmcore_analytic/_kernels.c"],
    depends=["ebmcore_analytic/_kernels_body.h"],
    # -fno-math-errno and -fno-trapping-math let sqrt and selects vectorize;
    # the vector math (libmvec) needs glibc on x86-64.
    extra_compile_args=[]
    if sys.platform == "win32"
    else ["-O3", "-fopenmp-simd", "-fno-math-errno", "-fno-trapping-math"],
    libraries=["mvec", "m"] if LINUX_X86_64 else [],
    optional=True,
)

setup(ext_modules=[kernels])
