r"""Separable energies, written once as a term and its derivative.

An energy that is a sum over coordinates, :math:`E(x) = \sum_i t(x_i)` with
:math:`\partial_i E = t'(x_i)`, is written as two static functions of a tensor and of the scalar
parameters :meth:`SeparableEnergy.term_parameters` returns, in plain torch operations:
:meth:`~SeparableEnergy.term` and :meth:`~SeparableEnergy.term_derivative`. Every path comes from
them: ``forward``, the fused ``analytic_energy_and_gradient``, ``analytic_gradient``, and the C
kernel of ``ebmcore-kernels``, whose ``_generated.h`` is printed from the same two functions by
``python -m ebmcore_kernels._generate`` (its tests check that the file is what they print). The
functions may use ``+ - * /``, integer powers and ``torch.sin``, ``cos``, ``exp``, ``sqrt``;
parameters enter only as arguments, so the printed C reads them at run time.

Example:
    >>> import torch
    >>> class Quartic(SeparableEnergy):
    ...     kernel = "quartic"
    ...     @staticmethod
    ...     def term(x, c):
    ...         return c * (x * x) * (x * x)
    ...     @staticmethod
    ...     def term_derivative(x, c):
    ...         return (4.0 * c) * (x * x) * x
    ...     def __init__(self, dim=2, c=0.5):
    ...         super().__init__(dim, dim=dim, c=c)
    ...         self.c = c
    ...     def term_parameters(self):
    ...         return (self.c,)
    >>> Quartic().energy_and_gradient(torch.tensor([1.0, 2.0]))
    (tensor(8.5000), tensor([ 2., 16.]))
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from torch import Tensor

from ebmcore import BaseModel
from ebmcore.plugin import Basins

from ._cpu_kernels import cpu_kernel
from ._fast import rowsum
from ._memory import vectors

__all__ = ["SeparableEnergy", "every_coordinate", "separable_kernel"]


class SeparableEnergy(BaseModel):
    r"""Base of the energies :math:`E(x) = \sum_i t(x_i; p)`: a subclass writes :meth:`term`,
    :meth:`term_derivative` and :meth:`term_parameters`, and names its C kernel in :attr:`kernel`
    (registered by :func:`separable_kernel`)."""

    kernel: ClassVar[str]
    """The name of the kernel printed from this class's term in ``ebmcore-kernels``."""

    @staticmethod
    def term(x: Tensor, *parameters: Any) -> Tensor:
        """:math:`t(x; p)`, elementwise."""
        raise NotImplementedError

    @staticmethod
    def term_derivative(x: Tensor, *parameters: Any) -> Tensor:
        """:math:`t'(x; p)`, elementwise."""
        raise NotImplementedError

    def term_parameters(self) -> tuple[float, ...]:
        """The scalar parameters :math:`p`, in the order the term takes them."""
        return ()

    def forward(self, x: Tensor) -> Tensor:
        return rowsum(self.term(x, *self.term_parameters()))

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        parameters = self.term_parameters()
        return rowsum(self.term(x, *parameters)), self.term_derivative(x, *parameters)

    def analytic_gradient(self, x: Tensor) -> Tensor:
        return self.term_derivative(x, *self.term_parameters())


Model = TypeVar("Model", bound=type[SeparableEnergy])


def _arguments(model: SeparableEnergy, x: Tensor) -> tuple[tuple[float, ...], tuple[Tensor, ...]]:
    return model.term_parameters(), ()


def separable_kernel(cls: Model) -> Model:
    """Class decorator: the kernel printed from ``cls``'s term is its CPU kernel (where
    ``ebmcore-kernels`` is installed; see :func:`~ebmcore_analytic._cpu_kernels.cpu_kernel`)."""
    return cpu_kernel(cls.kernel, _arguments)(cls)


def every_coordinate(model: BaseModel, basins: Basins) -> list[Basins]:
    """``basins`` as the :class:`~ebmcore.plugin.Basins` of every coordinate of ``model`` (one
    shared object: :class:`~ebmcore.plugin.ProductModes` works once per distinct law).

    The mixin indexes ``dim`` coordinates with a few int64 vectors besides this list, so they
    are sized here: an impossible ``dim`` raises :class:`ebmcore.InvalidParameterError`
    naming it.
    """
    with vectors(model, 6, "(dim,) tables of the basins of every coordinate"):
        return [basins] * model.dim
