r"""Energies written once as a row formula: the energy and its gradient, in plain torch.

A subclass of :class:`FormulaEnergy` writes :meth:`~FormulaEnergy.formula`, a static function
``formula(x, *vectors, *parameters) -> (energy, grad)`` of a ``(*batch, d)`` input, of the
per-coordinate vectors named in :attr:`~FormulaEnergy.formula_vectors` (buffers of length ``d``)
and of the scalar parameters :meth:`~FormulaEnergy.formula_parameters` returns. It gives the
class's fused ``analytic_energy_and_gradient`` its gradient, and ``python -m
ebmcore_kernels._generate`` prints the C kernel of ``ebmcore-kernels`` from it (its tests
check that the committed header is what the formulas print). The formula may use elementwise
arithmetic, integer powers, comparisons, ``torch.sin``, ``cos``, ``exp``, ``log``, ``sqrt``,
``abs``, ``round``, ``sign``, ``isinf`` and ``where``, row sums and products
(:func:`~ebmcore_analytic._fast.rowsum`, ``sum(-1)``, ``prod(-1)``), ``unsqueeze(-1)`` of a row
value, ``x.shape[-1]``, one column ``x[..., i]``, neighbours ``torch.roll(t, ±1, -1)`` and
:func:`~ebmcore_analytic._fast.integer_power` (see ``ebmcore_kernels._generate.row_kernel``).
The plain ``forward`` stays the textbook formula, the reference the tests compare with; the
torch path returns its energies (so that ``model(x)`` and ``energy_and_gradient(x)[0]`` agree
bit for bit), and the C kernel its own for both.

Example:
    >>> import torch
    >>> from ebmcore_analytic._fast import rowsum
    >>> class Bowl(FormulaEnergy):  # E = (sum x^2)^2, grad = 4 (sum x^2) x
    ...     kernel = "bowl"
    ...     @staticmethod
    ...     def formula(x):
    ...         square = rowsum(x * x)
    ...         return square * square, (4.0 * square).unsqueeze(-1) * x
    ...     def forward(self, x):
    ...         return (x * x).sum(-1) ** 2
    >>> Bowl(2).energy_and_gradient(torch.tensor([1.0, 1.0]))
    (tensor(4.), tensor([8., 8.]))
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

import torch
from torch import Tensor

from ebmcore import BaseModel

from ._cpu_kernels import cpu_kernel
from ._fast import cached

__all__ = ["FormulaEnergy", "formula_kernel"]


class FormulaEnergy(BaseModel):
    """Base of the energies whose fused energy and gradient is one row formula: a subclass writes
    :meth:`formula`, names its buffers in :attr:`formula_vectors` and its C kernel in
    :attr:`kernel` (registered by :func:`formula_kernel`)."""

    kernel: ClassVar[str]
    """The name of the kernel printed from this class's formula in ``ebmcore-kernels``."""

    formula_vectors: ClassVar[tuple[str, ...]] = ()
    """The per-coordinate vectors (each of length ``d``) the formula takes after ``x``, in order:
    names of buffers, or of properties derived from the dimension and the buffers."""

    @staticmethod
    def formula(x: Tensor, *arguments: Any) -> tuple[Tensor, Tensor]:
        """``(energy, grad)`` of ``x`` from the vectors, then the parameters."""
        raise NotImplementedError

    def formula_parameters(self) -> tuple[float, ...]:
        """The scalar parameters, in the order the formula takes them after the vectors."""
        return ()

    def formula_arguments(self, x: Tensor) -> tuple[tuple[float, ...], tuple[Tensor, ...]]:
        """The parameters, and the vectors in ``x``'s dtype and device (formed once, and kept
        while every buffer is unchanged: one lookup per call, whatever their number)."""
        names = self.formula_vectors
        if not names:
            return self.formula_parameters(), ()

        def vectors() -> tuple[Tensor, ...]:
            return tuple(getattr(self, name).to(x) for name in names)

        if torch.compiler.is_compiling():
            return self.formula_parameters(), vectors()
        buffers = tuple(buffer for buffer in self._buffers.values() if buffer is not None)
        key = ("formula vectors", x.dtype, x.device)
        return self.formula_parameters(), cached(self, key, buffers, vectors)

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        parameters, vectors = self.formula_arguments(x)
        grad = self.formula(x, *vectors, *parameters)[1]
        # The energies as model(x) computes them, bit for bit (the contract); the formula's own
        # are the C kernel's, which then serves model(x) too. (Under torch.compile the formula's
        # unused energy is dropped; in eager torch it costs its last few passes.)
        return self.forward(x), grad


Model = TypeVar("Model", bound=type[FormulaEnergy])


def _arguments(model: FormulaEnergy, x: Tensor) -> tuple[tuple[float, ...], tuple[Tensor, ...]]:
    return model.formula_arguments(x)


def formula_kernel(cls: Model) -> Model:
    """Class decorator: the kernel printed from ``cls``'s formula is its CPU kernel (where
    ``ebmcore-kernels`` is installed; see :func:`~ebmcore_analytic._cpu_kernels.cpu_kernel`)."""
    return cpu_kernel(cls.kernel, _arguments)(cls)
