"""Build step of ebmcore-kernels: the C extension with the fused CPU kernels.

Everything else about the distribution is in pyproject.toml. The extension is optional: where
it cannot be built (no C compiler, no glibc vector math library), the install goes on without
it, ``ebmcore_kernels.AVAILABLE`` is False and the energies use their PyTorch paths. Where the
compiler takes ``-fopenmp`` the kernels share a batch's rows among torch's threads; without it
they run on one thread and step aside for the PyTorch path when torch has more.
"""

import os
import platform
import sys
import tempfile

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

LINUX_X86_64 = sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64")
OPENMP = ["-fopenmp"]

kernels = Extension(
    "ebmcore_kernels._native",
    sources=["ebmcore_kernels/_native.c"],
    depends=["ebmcore_kernels/_native_body.h", "ebmcore_kernels/_generated.h"],
    # -fno-math-errno and -fno-trapping-math let sqrt and selects vectorize;
    # the vector math (libmvec) needs glibc on x86-64.
    extra_compile_args=[]
    if sys.platform == "win32"
    else ["-O3", "-fopenmp-simd", "-fno-math-errno", "-fno-trapping-math"],
    libraries=["mvec", "m"] if LINUX_X86_64 else [],
    optional=True,
)


class BuildWithOpenMP(build_ext):
    """Adds ``-fopenmp`` where the compiler takes it (GCC, Clang with libomp)."""

    def build_extensions(self) -> None:
        if sys.platform != "win32" and self._compiles_with(OPENMP):
            for extension in self.extensions:
                extension.extra_compile_args = [*extension.extra_compile_args, *OPENMP]
                extension.extra_link_args = [*extension.extra_link_args, *OPENMP]
        super().build_extensions()

    def _compiles_with(self, flags: list[str]) -> bool:
        with tempfile.TemporaryDirectory() as folder:
            source = os.path.join(folder, "probe.c")
            with open(source, "w") as out:
                out.write("#include <omp.h>\nint main(void) { return omp_get_max_threads() < 1; }\n")
            try:
                objects = self.compiler.compile([source], output_dir=folder, extra_postargs=flags)
                self.compiler.link_executable(objects, "probe", output_dir=folder, extra_postargs=flags)
            except Exception:  # no OpenMP: the kernels run on one thread
                return False
        return True


setup(ext_modules=[kernels], cmdclass={"build_ext": BuildWithOpenMP})
