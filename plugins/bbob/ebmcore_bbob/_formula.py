r"""BBOB functions written as linear maps and row formulas: the C kernels' shape.

Most rotated BBOB functions are :math:`f(x) = g(y) + f_\mathrm{opt}` with :math:`y = A (x -
x_\mathrm{opt})` for a fixed matrix :math:`A` (a rotation, or a product of rotations and a
scaling) and :math:`g` elementwise work with row sums. Their energy and gradient is then one
product for :math:`y` (the BLAS), one fused pass for :math:`g(y)` and :math:`\nabla g(y)`, and
one product back, :math:`\nabla f(x) = A^\top \nabla g(y)`. Others put an elementwise map
between two products (:math:`T_\mathrm{osz}` and :math:`T_\mathrm{asy}` in f15): :math:`f(x) =
g(B\, m(A (x - x_\mathrm{opt})))`, with :math:`\nabla f = A^\top (m' \odot B^\top \nabla g)`.
Where :math:`g` reads :math:`B u` only through a few of its coordinates and its norm, and
:math:`B` is a rotation, the formula reads :math:`u` itself (f12): one product each way.
A term of :math:`x` itself, :math:`h(x)` (BBOB's boundary penalty; f24's funnels), is added with
its gradient, which the last product accumulates onto (``addmm``).

A subclass of :class:`FormulaFunction` writes :math:`g` once, as the static
:meth:`~FormulaFunction.formula` ``formula(z, *vectors, *parameters) -> (g, grad_z)``, and the
map :math:`m`, if any, as :meth:`~FormulaFunction.inner_formula` ``inner_formula(y, *vectors,
*parameters) -> (overflow, m(y), m'(y))``, and :math:`h` as :meth:`~FormulaFunction.x_formula`
``x_formula(x, *vectors, *parameters) -> (h, grad_x h)``, in the operations that
``ebmcore_kernels._generate.row_kernel`` prints as C; it names the matrices' buffers. The
formulas are the class's analytic path in torch, and, where ``ebmcore-kernels`` is installed
with its extension built, :func:`formula_kernel` registers the C kernels printed from them as
the class's CPU kernel: the products stay in torch, the elementwise work runs in C. The tests
compare both with COCO.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import numpy as np
import torch
import torch.fx
from torch import Tensor

from ._base import BBOBFunction

try:
    import ebmcore_kernels
except ImportError:  # the optional distribution is not installed: the torch formula runs
    ebmcore_kernels = None  # type: ignore[assignment]

__all__ = ["AVAILABLE", "FormulaFunction", "State", "energy_of", "formula_kernel"]

AVAILABLE: bool = ebmcore_kernels is not None and ebmcore_kernels.AVAILABLE
"""Whether ``ebmcore-kernels`` is installed with its extension built, and so registers kernels."""

State = Any
"""What :meth:`FormulaFunction.formula_output` needs of the way to ``z``: the inner map's
overflow flags and derivative (None without the gradient), or None without an inner map (a
subclass may keep other things)."""


class FormulaFunction(BBOBFunction):
    """A BBOB function whose energy and gradient are linear maps of ``x`` and row formulas
    (see the module).

    The map to the formula's input is :math:`z = B (x - x_\\mathrm{opt})`, with :math:`B` the
    buffer named :attr:`formula_matrix`; or, with an :meth:`inner_formula`, :math:`z = B\\,
    m(A (x - x_\\mathrm{opt}))`, :math:`A` the buffer named :attr:`inner_matrix`. The energies
    are ``formula(z)[0]`` + :math:`f_\\mathrm{opt}` (:math:`+\\infty` where the inner map
    flags an overflow, with gradient 0), plus :math:`h(x)` = ``x_formula(x)[0]``, a term of
    ``x`` itself (the penalty :math:`c f_\\mathrm{pen}(x)`; f24's funnels) where the class
    names an :attr:`x_kernel`. ``forward`` is the formulas' values alone: traced with
    :mod:`torch.fx`, the gradient's operations dropped (:func:`energy_of`). So ``model(x)`` and
    ``energy_and_gradient(x)[0]`` agree bit for bit, and each formula is written once.
    """

    kernel: ClassVar[str]
    """The name of the kernel printed from :meth:`formula` in ``ebmcore-kernels``."""

    formula_matrix: ClassVar[str | None] = "rotation"
    """The buffer :math:`B` of the map to the formula's input, ``(d, d)``; None: the formula
    reads ``x`` itself (f20, f2-f4 and f8, whose maps are elementwise and part of
    their formulas), or, with an
    inner map, :math:`m(y)` itself (f12, whose formula folds its second rotation in)."""

    formula_vectors: ClassVar[tuple[str, ...]] = ()
    """The per-coordinate vectors the formula takes after ``z``, in order: names of buffers or
    properties, each of ``z``'s length."""

    inner_kernel: ClassVar[str | None] = None
    """The name of the kernel printed from :meth:`inner_formula`; None: no inner map."""

    inner_matrix: ClassVar[str] = "rotation"
    """The buffer :math:`A` of the map to the inner formula's input (with an inner map)."""

    inner_vectors: ClassVar[tuple[str, ...]] = ()
    """The per-coordinate vectors the inner formula takes after ``y``."""

    formula_gradient: ClassVar[bool] = True
    """Whether the gradient runs through the formula's input ``z`` (and the inner map).
    False (f7, whose ``z`` is rounded): the formula and its kernel form the energies alone, and
    :meth:`formula_output` forms the gradient from its state, which records whether it is
    wanted."""

    x_kernel: ClassVar[str | None] = None
    """The name of the kernel printed from :meth:`x_formula`; None: no term of ``x`` itself."""

    x_vectors: ClassVar[tuple[str, ...]] = ()
    """The per-coordinate vectors :meth:`x_formula` takes after ``x``."""

    penalty: float = 0.0
    """The factor of BBOB's boundary penalty :math:`f_\\mathrm{pen}(x)`: the parameter of the
    x formula :func:`~ebmcore_bbob._coco.f_pen_scaled` (the default :meth:`x_parameters`)."""

    beta: ClassVar[float]
    """The exponent of :math:`T_\\mathrm{asy}^\\beta`, in the functions that have one."""

    @staticmethod
    def formula(z: Tensor, *arguments: Any) -> tuple[Tensor, Tensor]:
        """``(g(z), grad_z g(z))`` from the vectors, then the parameters; ``g`` without
        :math:`f_\\mathrm{opt}`."""
        raise NotImplementedError

    @staticmethod
    def inner_formula(y: Tensor, *arguments: Any) -> tuple[Tensor, Tensor, Tensor]:
        """``(overflow, m(y), m'(y))``: per row, :math:`+\\infty` where the sample's energy is
        (0 elsewhere: it is added to the energies); the map, elementwise, finite; its
        derivative, 0 in the rows that overflow (their gradient)."""
        raise NotImplementedError

    @staticmethod
    def x_formula(x: Tensor, *arguments: Any) -> tuple[Tensor, Tensor]:
        """``(h(x), grad h(x))``, a term of ``x`` itself added to the energies (the penalty, a
        funnel), from the vectors, then the parameters (with an :attr:`x_kernel`)."""
        raise NotImplementedError

    body: Tensor
    """A vector the formulas may read (a buffer where one of them names it): 1 for the
    coordinates before the last (those that lead a term with their neighbour), 0 for the last."""

    asymmetry: Tensor
    """A vector the formulas may read (a buffer where one of them names it): the weights
    :math:`\\beta \\frac{i}{d-1}` of :math:`T_\\mathrm{asy}^\\beta` (:attr:`beta`)."""

    def __init__(self, dim: int = 2, instance: int = 1) -> None:
        super().__init__(dim, instance)
        # vectors that follow from d alone, made once rather than on every call
        named, d = {*self.formula_vectors, *self.inner_vectors, *self.x_vectors}, self.dim
        if "body" in named:
            self.register_constant("body", np.arange(d) < d - 1, persistent=False)
        if "asymmetry" in named:
            self.register_constant("asymmetry", np.arange(d) * self.beta / (d - 1), persistent=False)

    def formula_parameters(self, z: Tensor) -> tuple[float, ...]:
        """The formula's scalar parameters for the input ``z`` (its dtype), in order."""
        return ()

    def inner_parameters(self, y: Tensor) -> tuple[float, ...]:
        """The inner formula's scalar parameters for the input ``y`` (its dtype), in order."""
        return ()

    def x_parameters(self, x: Tensor) -> tuple[float, ...]:
        """:meth:`x_formula`'s scalar parameters for the input ``x``: :attr:`penalty`."""
        return (self.penalty,)

    def formula_arguments(self, z: Tensor) -> tuple[tuple[float, ...], tuple[Tensor, ...]]:
        """The parameters, and the vectors in ``z``'s dtype and device."""
        return self.formula_parameters(z), self.vectors_of(self.formula_vectors, z)

    def inner_arguments(self, y: Tensor) -> tuple[tuple[float, ...], tuple[Tensor, ...]]:
        """The inner formula's parameters, and its vectors in ``y``'s dtype and device."""
        return self.inner_parameters(y), self.vectors_of(self.inner_vectors, y)

    def vectors_of(self, names: tuple[str, ...], t: Tensor) -> tuple[Tensor, ...]:
        """The buffers or properties ``names``, in ``t``'s dtype and device."""
        return tuple(getattr(self, name).to(t) for name in names)

    def formula_input(
        self, x: Tensor, with_gradient: bool = True, kernel: bool = False
    ) -> tuple[Tensor, State]:
        """``z``, the formula's input, and the :data:`State` :meth:`formula_output` needs (the
        inner map's derivative only ``with_gradient``; the inner map run by its C ``kernel``)."""
        if self.inner_kernel is None:
            if self.formula_matrix is None:
                return x, None
            y, state = self.shifted(x), None
        else:
            overflow, y, slope = self.inner_map(self.inner_input(x), with_gradient, kernel)
            state = (overflow, slope)
        if self.formula_matrix is None:
            return y, state
        return y @ self.matrix_of(self.formula_matrix, x).T, state

    def inner_map(
        self, y: Tensor, with_gradient: bool, kernel: bool = False
    ) -> tuple[Tensor, Tensor, Tensor | None]:
        """:meth:`inner_formula`'s ``(overflow, m(y), m'(y))`` (the derivative None unless
        ``with_gradient``), by its C ``kernel``."""
        parameters, vectors = self.inner_arguments(y)
        overflow, value, slope = _evaluated(
            type(self).inner_formula, self.inner_kernel, 2, y, parameters, vectors, with_gradient, kernel
        )
        return overflow, value, slope

    def inner_input(self, x: Tensor) -> Tensor:
        """:math:`y = A (x - x_\\mathrm{opt})`, the inner formula's input."""
        return self.shifted(x) @ self.matrix_of(self.inner_matrix, x).T

    def matrix_of(self, name: str, x: Tensor) -> Tensor:
        """The buffer ``name`` in ``x``'s dtype."""
        return self.cast(getattr(self, name), x)

    def formula_output(
        self, x: Tensor, state: State, energy: Tensor, grad: Tensor | None, kernel: bool = False
    ) -> tuple[Tensor, Tensor | None]:
        """The energies, :math:`g + h + f_\\mathrm{opt}`, and the gradient in ``x`` (None where
        ``grad`` is) from the formula's gradient in ``z``, through the maps' transposes, and the
        x term :math:`h` (by its C ``kernel``)."""
        extra, extra_grad = self.x_term(x, grad is not None, kernel)
        if state is not None:
            # +inf where the inner map overflows, 0 elsewhere; torch forms it from Python numbers,
            # in the default dtype, which must not widen the energies (a float16 x, say)
            energy = energy + state[0].to(energy.dtype)
        energy = energy + self.f_opt if extra is None else energy + extra + self.f_opt
        if grad is None:
            return energy, None
        if state is None:
            if self.formula_matrix is None:
                return energy, grad if extra_grad is None else grad + extra_grad
            return energy, _pulled_back(grad, self.matrix_of(self.formula_matrix, x), extra_grad)
        slope = state[1]
        assert slope is not None  # the slope is 0 where the energy is inf
        if self.formula_matrix is not None:
            grad = grad @ self.matrix_of(self.formula_matrix, x)
        return energy, _pulled_back(grad * slope, self.matrix_of(self.inner_matrix, x), extra_grad)

    def x_term(
        self, x: Tensor, with_gradient: bool, kernel: bool = False
    ) -> tuple[Tensor | None, Tensor | None]:
        """:meth:`x_formula`'s ``(h, grad h)`` (None without an :attr:`x_kernel`; the gradient
        None unless ``with_gradient``), by its C ``kernel``."""
        if self.x_kernel is None:
            return None, None
        parameters, vectors = self.x_parameters(x), self.vectors_of(self.x_vectors, x)
        energy, grad = _evaluated(
            type(self).x_formula, self.x_kernel, 1, x, parameters, vectors, with_gradient, kernel
        )
        return energy, grad

    def forward(self, x: Tensor) -> Tensor:
        z, state = self.formula_input(x, with_gradient=False)
        parameters, vectors = self.formula_arguments(z)
        energy = _outputs(type(self).formula, 1, z, *vectors, *parameters)
        return self.formula_output(x, state, energy, None)[0]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        z, state = self.formula_input(x)
        parameters, vectors = self.formula_arguments(z)
        energy, grad = _evaluated(
            type(self).formula, self.kernel, 1, z, parameters, vectors, self.formula_gradient, False
        )
        energy, grad = self.formula_output(x, state, energy, grad)
        assert grad is not None
        return energy, grad


def _evaluated(
    formula: Callable[..., tuple[Tensor, ...]],
    name: str | None,
    count: int,
    t: Tensor,
    parameters: tuple[float, ...],
    vectors: tuple[Tensor, ...],
    with_gradient: bool,
    kernel: bool,
) -> tuple[Any, ...]:
    """``formula(t, *vectors, *parameters)``'s ``count`` values and its gradient (None unless
    ``with_gradient``; without it, only the values are formed, :func:`_outputs`), by its C
    kernel ``name`` where ``kernel`` (two values: a kernel that maps ``t``)."""
    if kernel:
        assert name is not None
        energy, value, grad = ebmcore_kernels.compute(name, t, parameters, vectors, with_gradient, count == 2)
        return (energy, value, grad) if count == 2 else (energy, grad)
    if with_gradient:
        return formula(t, *vectors, *parameters)
    values = _outputs(formula, count, t, *vectors, *parameters)
    return (*values, None) if count > 1 else (values, None)


def _pulled_back(grad: Tensor, matrix: Tensor, extra: Tensor | None) -> Tensor:
    """``grad @ matrix``, plus ``extra`` (None: nothing) in the product itself (``addmm``)."""
    if extra is None:
        return grad @ matrix
    rows = torch.addmm(extra.reshape(-1, matrix.shape[1]), grad.reshape(-1, matrix.shape[0]), matrix)
    return rows.reshape(extra.shape)


@functools.cache
def values_of(formula: Callable[..., tuple[Tensor, ...]], count: int) -> Callable[..., Any]:
    """``formula``'s first ``count`` outputs alone: its :mod:`torch.fx` graph with the other
    outputs' operations removed, so the same operations, in the same order, as in
    ``formula(...)[:count]``; one output is returned as itself, several as a tuple."""
    graph = torch.fx.symbolic_trace(formula).graph
    output = next(node for node in graph.nodes if node.op == "output")
    kept = tuple(output.args[0][:count])
    output.args = (kept[0] if count == 1 else kept,)
    graph.eliminate_dead_code()
    return torch.fx.GraphModule(torch.nn.Module(), graph)


def _outputs(formula: Callable[..., tuple[Tensor, ...]], count: int, *arguments: Any) -> Any:
    """``formula(*arguments)``'s first ``count`` outputs (one: itself), by :func:`values_of`; in a
    graph that ``torch.compile`` or ``torch.export`` traces, by the formula itself, whose unused
    outputs the compiler drops."""
    if torch.compiler.is_compiling():
        outputs = formula(*arguments)
        return outputs[0] if count == 1 else outputs[:count]
    return values_of(formula, count)(*arguments)


def energy_of(formula: Callable[..., tuple[Tensor, ...]]) -> Callable[..., Tensor]:
    """``formula``'s energy alone (:func:`values_of` its first output).

    Example:
        >>> def formula(y):
        ...     return (y * y).sum(-1), 2.0 * y
        >>> energy_of(formula)(torch.tensor([1.0, 2.0]))
        tensor(5.)
    """
    return values_of(formula, 1)


Model = TypeVar("Model", bound=type[FormulaFunction])


def _arguments(model: FormulaFunction, z: Tensor) -> tuple[tuple[float, ...], tuple[Tensor, ...]]:
    return model.formula_arguments(z)


def _input(model: FormulaFunction, x: Tensor, with_gradient: bool) -> tuple[Tensor, State]:
    return model.formula_input(x, with_gradient, kernel=True)


def _output(
    model: FormulaFunction, x: Tensor, state: State, energy: Tensor, grad: Tensor | None
) -> tuple[Tensor, Tensor | None]:
    return model.formula_output(x, state, energy, grad, kernel=True)


def formula_kernel(cls: Model) -> Model:
    """Class decorator: the kernels printed from ``cls``'s formulas run its elementwise work on
    the CPU, between the maps' products (where ``ebmcore-kernels`` is :data:`AVAILABLE`)."""
    if AVAILABLE:
        formulas = cls.formula, cls.inner_formula, cls.x_formula

        def applies(model: FormulaFunction) -> bool:  # not a subclass with a formula of its own
            kind = type(model)
            return (kind.formula, kind.inner_formula, kind.x_formula) == formulas

        kernel, gradient = cls.kernel, cls.formula_gradient
        ebmcore_kernels.register(
            cls, kernel, _arguments, applies, prepare=_input, finish=_output, gradient=gradient
        )
    return cls
