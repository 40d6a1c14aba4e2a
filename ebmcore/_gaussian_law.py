r"""The ground truth of a quadratic energy: :math:`e^{-E}` is a Gaussian up to its mass.

An energy :math:`E(x) = \tfrac12 (x - m)^\top P (x - m) + c` with :math:`P` positive definite
(the sphere, Booth's function, a sum of squares) has the density
:math:`\mathcal N(m, P^{-1})` with :math:`\log Z = -c + \tfrac d2 \log 2\pi - \tfrac12 \log\det P`.
:class:`GaussianLaw` turns one declaration of :math:`(m, P, c)` into ``log_partition``,
``sample``, ``mean``, ``stddev`` and ``modes``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch
from torch import Tensor

from ._model import Modes

if TYPE_CHECKING:
    from ._model import BaseModel

    _Base = BaseModel
else:
    _Base = object

__all__ = ["GaussianLaw"]

F64 = torch.float64


class GaussianLaw(_Base):
    r"""Mixin for a model whose energy is a positive definite quadratic form: its ground truth.

    A subclass (listed before :class:`ebmcore.BaseModel` among its bases) writes
    :meth:`gaussian_law`, returning the minimizer :math:`m` (``(d,)`` float64), the precision
    :math:`P = \nabla^2 E` (``(d,)`` float64 for a diagonal one, else ``(d, d)``) and the
    minimum value :math:`c`, where :math:`d` is the number of coordinates (``model.dim``; the
    event shape is flattened). Then :math:`e^{-E} / Z` is :math:`\mathcal N(m, P^{-1})` and

    * :meth:`log_partition` is :math:`-c + \tfrac d2 \log 2\pi - \tfrac12 \log\det P`;
    * :meth:`sample` draws :math:`m + L^{-\top} z`, :math:`P = L L^\top`, :math:`z` standard
      normal (for a diagonal :math:`P`, :math:`m + z / \sqrt{P}`);
    * :attr:`mean` is :math:`m`, :attr:`stddev` the square roots of the diagonal of
      :math:`P^{-1}`, and :attr:`modes` the one mode :math:`m` with all the mass.

    Example:
        >>> import math, torch
        >>> from ebmcore import BaseModel
        >>> from ebmcore.plugin import GaussianLaw
        >>> class Bowl(GaussianLaw, BaseModel):  # E = |x|^2, P = 2 I
        ...     def forward(self, x):
        ...         return (x * x).sum(-1)
        ...     def gaussian_law(self):
        ...         return torch.zeros(self.dim, dtype=torch.float64), torch.full((self.dim,), 2.0), 0.0
        >>> round(Bowl(2).log_partition(), 12) == round(math.log(math.pi), 12)  # (2 pi / 2)^(d / 2)
        True
        >>> Bowl(3).stddev
        tensor([0.7071, 0.7071, 0.7071], dtype=torch.float64)
    """

    def gaussian_law(self) -> tuple[Tensor, Tensor, float]:
        """``(m, P, c)``: the minimizer, the precision (diagonal ``(d,)`` or ``(d, d)``) and the
        minimum value, float64 on the CPU."""
        raise NotImplementedError

    def _law(self) -> tuple[Tensor, Tensor, float]:
        mean, precision, lowest = self.gaussian_law()
        return mean.to(F64).reshape(-1), precision.to(F64), float(lowest)

    def log_partition(self) -> float:
        mean, precision, lowest = self._law()
        if precision.ndim == 1:
            half_log_det = 0.5 * float(torch.log(precision).sum())
        else:
            half_log_det = float(torch.log(torch.diagonal(torch.linalg.cholesky(precision))).sum())
        return -lowest + 0.5 * len(mean) * math.log(2.0 * math.pi) - half_log_det

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        self._check_sample_count(n)  # (a mixin's sample is not wrapped by BaseModel's subclass hook)
        mean, precision, _ = self._law()
        z = torch.randn(n, len(mean), generator=generator, dtype=F64)
        if precision.ndim == 1:
            x = mean + z / torch.sqrt(precision)
        else:  # L^T y = z: y has covariance L^-T L^-1 = P^-1
            upper = torch.linalg.cholesky(precision).mT
            x = mean + torch.linalg.solve_triangular(upper, z.mT, upper=True).mT
        return x.reshape(n, *self.event_shape).to(self.dtype)

    @property
    def mean(self) -> Tensor:
        """The minimizer :math:`m`, float64, of the event shape."""
        return self._law()[0].reshape(self.event_shape)

    @property
    def stddev(self) -> Tensor:
        r""":math:`\sqrt{(P^{-1})_{ii}}`, float64, of the event shape."""
        _, precision, _ = self._law()
        variance = 1.0 / precision if precision.ndim == 1 else torch.diagonal(torch.linalg.inv(precision))
        return torch.sqrt(variance).reshape(self.event_shape)

    @property
    def modes(self) -> Modes:
        """The one mode :math:`m`, with all the mass."""
        return Modes(self._law()[0].reshape(1, *self.event_shape), [1.0])
