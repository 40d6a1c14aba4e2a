r"""BBOB functions written as a linear map, then one row formula: the C kernel's shape.

Most rotated BBOB functions are :math:`f(x) = g(y) + f_\mathrm{opt}` with :math:`y = A (x -
x_\mathrm{opt}) + b` for a fixed matrix :math:`A` (a rotation, or a product of rotations and a
scaling) and :math:`g` elementwise work with row sums. Their energy and gradient is then one
product for :math:`y` (the BLAS), one fused pass for :math:`g(y)` and :math:`\nabla g(y)`, and
one product back, :math:`\nabla f(x) = A^\top \nabla g(y)`.

A subclass of :class:`FormulaFunction` writes :math:`g` once, as the static
:meth:`~FormulaFunction.formula` ``formula(y, *vectors, *parameters) -> (g, grad_y)`` in the
operations that ``ebmcore_kernels._generate.row_kernel`` prints as C, and the map in
:meth:`~FormulaFunction.formula_input` and :meth:`~FormulaFunction.formula_output`. The formula
is the class's analytic path in torch, and, where ``ebmcore-kernels`` is installed with its
extension built, :func:`formula_kernel` registers the C kernel printed from it as the class's
CPU kernel: the products stay in torch, the elementwise work runs in C. The tests compare both
with COCO.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import torch
import torch.fx
from torch import Tensor

from ._base import BBOBFunction

try:
    import ebmcore_kernels
except ImportError:  # the optional distribution is not installed: the torch formula runs
    ebmcore_kernels = None  # type: ignore[assignment]

__all__ = ["AVAILABLE", "FormulaFunction", "energy_of", "formula_kernel"]

AVAILABLE: bool = ebmcore_kernels is not None and ebmcore_kernels.AVAILABLE
"""Whether ``ebmcore-kernels`` is installed with its extension built, and so registers kernels."""


class FormulaFunction(BBOBFunction):
    """A BBOB function whose energy and gradient are a linear map of ``x``, then a row formula
    of the mapped coordinates (see the module).

    The map is :math:`y = A (x - x_\\mathrm{opt})` with :math:`A` the buffer named
    :attr:`formula_matrix`; the energies are ``formula(y)[0]`` + :math:`f_\\mathrm{opt}` and
    the gradient :math:`A^\\top` ``formula(y)[1]``. ``forward`` is the formula's energy alone:
    the formula traced with :mod:`torch.fx`, the gradient's operations dropped
    (:func:`energy_of`). So ``model(x)`` and ``energy_and_gradient(x)[0]`` agree bit for bit,
    and a function's formula is written once.
    """

    kernel: ClassVar[str]
    """The name of the kernel printed from :meth:`formula` in ``ebmcore-kernels``."""

    formula_matrix: ClassVar[str] = "rotation"
    """The buffer :math:`A` of the map, ``(d, d)``."""

    formula_vectors: ClassVar[tuple[str, ...]] = ()
    """The per-coordinate vectors the formula takes after ``y``, in order: names of buffers or
    properties, each of ``y``'s length."""

    @staticmethod
    def formula(y: Tensor, *arguments: Any) -> tuple[Tensor, Tensor]:
        """``(g(y), grad_y g(y))`` from the vectors, then the parameters; ``g`` without
        :math:`f_\\mathrm{opt}`."""
        raise NotImplementedError

    def formula_parameters(self) -> tuple[float, ...]:
        """The scalar parameters, in the order the formula takes them after the vectors."""
        return ()

    def formula_input(self, x: Tensor) -> Tensor:
        """:math:`y = A (x - x_\\mathrm{opt})`, on a batch ``(x - x_opt) @ A.T``."""
        return self.shifted(x) @ self.cast(getattr(self, self.formula_matrix), x).T

    def formula_output(self, x: Tensor, energy: Tensor, grad: Tensor | None) -> tuple[Tensor, Tensor | None]:
        """The energies, :math:`g + f_\\mathrm{opt}`, and the gradient in ``x``,
        :math:`A^\\top` ``grad`` (None where ``grad`` is)."""
        matrix = getattr(self, self.formula_matrix)
        return energy + self.f_opt, None if grad is None else grad @ self.cast(matrix, x)

    def formula_arguments(self, y: Tensor) -> tuple[tuple[float, ...], tuple[Tensor, ...]]:
        """The parameters, and the vectors in ``y``'s dtype and device."""
        return self.formula_parameters(), tuple(getattr(self, name).to(y) for name in self.formula_vectors)

    def forward(self, x: Tensor) -> Tensor:
        y = self.formula_input(x)
        parameters, vectors = self.formula_arguments(y)
        return energy_of(type(self).formula)(y, *vectors, *parameters) + self.f_opt

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        y = self.formula_input(x)
        parameters, vectors = self.formula_arguments(y)
        energy, grad = self.formula_output(x, *self.formula(y, *vectors, *parameters))
        assert grad is not None
        return energy, grad


@functools.cache
def energy_of(formula: Callable[..., tuple[Tensor, Tensor]]) -> Callable[..., Tensor]:
    """``formula``'s energy alone: its :mod:`torch.fx` graph with the gradient's operations
    removed, so the same operations, in the same order, as in ``formula(...)[0]``.

    Example:
        >>> def formula(y):
        ...     return (y * y).sum(-1), 2.0 * y
        >>> energy_of(formula)(torch.tensor([1.0, 2.0]))
        tensor(5.)
    """
    graph = torch.fx.symbolic_trace(formula).graph
    output = next(node for node in graph.nodes if node.op == "output")
    output.args = (output.args[0][0],)
    graph.eliminate_dead_code()
    return torch.fx.GraphModule(torch.nn.Module(), graph)


Model = TypeVar("Model", bound=type[FormulaFunction])


def _arguments(model: FormulaFunction, y: Tensor) -> tuple[tuple[float, ...], tuple[Tensor, ...]]:
    return model.formula_arguments(y)


def _input(model: FormulaFunction, x: Tensor) -> Tensor:
    return model.formula_input(x)


def _output(
    model: FormulaFunction, x: Tensor, energy: Tensor, grad: Tensor | None
) -> tuple[Tensor, Tensor | None]:
    return model.formula_output(x, energy, grad)


def formula_kernel(cls: Model) -> Model:
    """Class decorator: the kernel printed from ``cls``'s formula runs its elementwise work on
    the CPU, between the map's products (where ``ebmcore-kernels`` is :data:`AVAILABLE`)."""
    if AVAILABLE:
        formula = cls.formula

        def applies(model: FormulaFunction) -> bool:  # not a subclass with a formula of its own
            return type(model).formula is formula

        ebmcore_kernels.register(cls, cls.kernel, _arguments, applies, prepare=_input, finish=_output)
    return cls
