r"""TorchEBM's analytic models as thin subclasses of the energies of ``ebmcore-analytic``.

Each class takes TorchEBM 0.8.9's parameters, in its order and with its defaults, and is the
registered ebmcore energy underneath: ``isinstance``, the fused analytic gradient (and the CPU
kernel), the ground truth (``minima``, ``log_partition()``, ``sample()``) and the ``state_dict``
are those of that energy, and ``model.spec`` rebuilds it by its catalog name.

TorchEBM's models accept any dimension at call time; an ebmcore energy fixes its dimension when it
is built. The variable-dimension classes therefore take a keyword-only ``dim`` (default 2, the
catalog's default) after TorchEBM's own parameters. ``dtype`` and ``device`` (keyword-only, as
TorchEBM's ``BaseModel`` takes them) move what the model holds; the energy is computed in the
dtype of the input, never cast.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from ebmcore_analytic import (
    Ackley,
    Booth,
    DoubleWell,
    Gaussian,
    Harmonic,
    Himmelblau,
    Rastrigin,
    Rosenbrock,
    StyblinskiTang,
)
from torch import Tensor

from ebmcore import InvalidParameterError, constraints

from ._shared import Device, place, scalar

__all__ = [
    "AckleyModel",
    "BoothModel",
    "DoubleWellEnergy",
    "DoubleWellModel",
    "GaussianEnergy",
    "GaussianModel",
    "HarmonicModel",
    "HimmelblauModel",
    "RastriginModel",
    "RosenbrockEnergy",
    "RosenbrockModel",
    "StyblinskiTangModel",
]


class GaussianModel(Gaussian):
    r"""TorchEBM's ``GaussianModel(mean, cov)``: the multivariate normal energy.

    .. math::

        E(x) = \tfrac12 (x-\mu)^\top \Sigma^{-1} (x-\mu).

    The analytic :class:`ebmcore_analytic.Gaussian` (config ``{"dim", "mean", "cov"}``, name
    ``analytic/gaussian``). The covariance is factored by Cholesky once (TorchEBM inverts it), so
    it must be symmetric positive definite; the energy and gradient are the same. Where ``mean`` is
    a tensor and ``device`` is not given, the model is placed on ``mean``'s device.

    Args:
        mean: the mean :math:`\mu`, shape ``(d,)`` (tensor or list).
        cov: the covariance :math:`\Sigma`, shape ``(d, d)``.
        dtype: dtype of the buffers (default float64); inputs are never cast.
        device: device of the buffers.

    References:
        Bishop, *Pattern Recognition and Machine Learning*, Springer 2006, section 2.3.

    Example:
        >>> import torch
        >>> from ebmcore_torchebm import GaussianModel
        >>> model = GaussianModel(torch.tensor([1.0, 0.0]), torch.tensor([[2.0, 0.0], [0.0, 0.5]]))
        >>> model.energy(torch.tensor([[3.0, 1.0]]))  # (2^2 / 2 + 1^2 / 0.5) / 2
        tensor([2.])
        >>> model.spec["name"], model.dim
        ('analytic/gaussian', 2)
    """

    registry_name = "analytic/gaussian"

    def __init__(
        self, mean: Any, cov: Any, *, dtype: torch.dtype | None = None, device: Device = None
    ) -> None:
        super().__init__(mean=mean, cov=cov)
        if device is None and isinstance(mean, Tensor):
            device = mean.device
        place(self, dtype, device)

    @property
    def cov(self) -> Tensor:
        r"""The covariance matrix :math:`\Sigma` (TorchEBM's name), float64."""
        return self.covariance

    @property
    def cov_inv(self) -> Tensor:
        r"""The precision matrix :math:`\Sigma^{-1}` (TorchEBM's buffer name), from the Cholesky factor."""
        return torch.cholesky_inverse(self.scale_tril)

    @classmethod
    def create_standard_gaussian(cls, dim: int) -> Any:
        r"""The standard normal :math:`\mathcal N(0, I_d)`: zero mean, identity covariance.

        Args:
            dim: the dimension :math:`d \ge 1`.

        Example:
            >>> import torch
            >>> from ebmcore_torchebm import GaussianEnergy
            >>> GaussianEnergy.create_standard_gaussian(3).energy(torch.ones(3))
            tensor(1.5000)
        """
        if not constraints.positive_integer.check(dim):
            raise InvalidParameterError(
                "dim", dim, constraints.positive_integer.description, energy=cls.__name__
            )
        return cls(torch.zeros(dim, dtype=torch.float64), torch.eye(dim, dtype=torch.float64))

    @classmethod
    def from_samples(cls, samples: Any, regularization: float = 1e-4) -> Any:
        r"""The Gaussian fitted to data: sample mean and regularized sample covariance.

        .. math::

            \mu = \frac1n \sum_j s_j, \qquad
            \Sigma = \operatorname{cov}(s) + \lambda I
            = \frac1{n-1} \sum_j (s_j - \mu)(s_j - \mu)^\top + \lambda I ,

        the unbiased covariance of ``torch.cov``, computed in float64 (and made exactly
        symmetric). The model is placed on the samples' device. Unlike
        ``ebmcore_analytic.Gaussian.from_samples`` (whose config keeps the data), the result is a
        plain Gaussian of the fitted mean and covariance, as TorchEBM's factory returns.

        Args:
            samples: an ``(n, d)`` tensor (or nested list) with ``n >= 2``.
            regularization: :math:`\lambda \ge 0` added to the diagonal.

        Raises:
            InvalidParameterError: ``samples`` is not an ``(n >= 2, d)`` array, or
                ``regularization`` is negative.

        Example:
            >>> import torch
            >>> from ebmcore_torchebm import GaussianEnergy
            >>> fit = GaussianEnergy.from_samples(torch.tensor([[0.0, 1.0], [2.0, 3.0]]), regularization=0.5)
            >>> fit.mean, fit.cov
            (tensor([1., 2.], dtype=torch.float64), tensor([[2.5000, 2.0000],
                    [2.0000, 2.5000]], dtype=torch.float64))
        """
        lam = scalar("regularization", regularization, constraints.nonnegative, energy=cls.__name__)
        data = samples if isinstance(samples, Tensor) else torch.as_tensor(samples)
        if data.ndim != 2 or data.shape[0] < 2 or data.shape[1] < 1 or not data.is_floating_point():
            raise InvalidParameterError(
                "samples",
                samples,
                "an (n, d) floating-point tensor with n >= 2 rows",
                energy=cls.__name__,
            )
        data64 = data.detach().to(torch.float64)
        d = data.shape[1]
        cov = torch.cov(data64.T).reshape(d, d) + lam * torch.eye(d, dtype=torch.float64, device=data.device)
        return cls(data64.mean(0), 0.5 * (cov + cov.T), device=data.device)


class GaussianEnergy(GaussianModel):
    r"""The Gaussian energy of TorchEBM's implementation guide, ``GaussianEnergy(mean, cov)``.

    .. math::

        E(x) = \tfrac12 (x-\mu)^\top \Sigma^{-1} (x-\mu), \qquad
        \nabla E(x) = \Sigma^{-1} (x - \mu).

    The same model as :class:`GaussianModel` (so the analytic :class:`ebmcore_analytic.Gaussian`),
    with the guide's factories :meth:`create_standard_gaussian` and :meth:`from_samples`.

    Args:
        mean: the mean, shape ``(d,)``.
        cov: the symmetric positive definite covariance, shape ``(d, d)``.
        dtype: dtype of the buffers (default float64).
        device: device of the buffers.

    References:
        Bishop, *Pattern Recognition and Machine Learning*, Springer 2006, section 2.3.

    Example:
        >>> import torch
        >>> from ebmcore_torchebm import GaussianEnergy
        >>> model = GaussianEnergy(torch.zeros(2), torch.eye(2))
        >>> model.score(torch.tensor([1.0, -2.0]))
        tensor([-1.,  2.])
    """


class DoubleWellModel(DoubleWell):
    r"""TorchEBM's ``DoubleWellModel(barrier_height=2.0, b=1.0)``: a separable quartic double well.

    .. math::

        E(x) = h \sum_{i=1}^{d} (x_i^2 - b^2)^2, \qquad \nabla_i E = 4 h\, x_i (x_i^2 - b^2).

    The analytic :class:`ebmcore_analytic.DoubleWell` with the same parameter names (name
    ``analytic/double_well``), with TorchEBM's default ``barrier_height=2.0``. The energy depends
    on :math:`b^2` only, so a negative ``b`` is taken as :math:`|b|` (recorded so in the config).
    ``barrier_height`` must be positive (ebmcore's constraint; TorchEBM accepts any number).

    Args:
        barrier_height: :math:`h > 0`.
        b: the wells sit at :math:`x_i = \pm b`.
        dim: the dimension :math:`d` (keyword-only; TorchEBM's model takes any).
        dtype: the dtype of ``sample()``; the model holds no tensors and computes in the input's.
        device: accepted for TorchEBM (there is nothing to move).

    References:
        Noé et al., "Boltzmann generators", Science 365 (2019).

    Example:
        >>> import torch
        >>> from ebmcore_torchebm import DoubleWellModel
        >>> model = DoubleWellModel(barrier_height=2.0)
        >>> model.energy(torch.tensor([[0.0, 1.0], [1.0, -1.0]]))  # 2 (0 - 1)^2, 0
        tensor([2., 0.])
        >>> model.minima.count
        4
    """

    registry_name = "analytic/double_well"

    def __init__(
        self,
        barrier_height: float = 2.0,
        b: float = 1.0,
        *,
        dim: int = 2,
        dtype: torch.dtype | None = None,
        device: Device = None,
    ) -> None:
        well = abs(scalar("b", b, constraints.real, energy=type(self).__name__))
        super().__init__(dim=dim, barrier_height=barrier_height, b=well)
        place(self, dtype, device)


class DoubleWellEnergy(DoubleWell):
    r"""The double well of TorchEBM's implementation guide, ``DoubleWellEnergy(a=1.0, b=2.0)``.

    .. math::

        E(x) = a \sum_{i=1}^{d} (x_i^2 - b)^2 .

    Here ``b`` is the *square* of the well position. The model is the analytic
    :class:`ebmcore_analytic.DoubleWell` with ``barrier_height = a`` and well position
    :math:`\sqrt b` (its config records those, name ``analytic/double_well``; its attributes
    ``barrier_height`` and ``b`` are ebmcore's, so ``model.b`` is :math:`\sqrt b`). The energy
    equals the formula above up to the rounding of :math:`(\sqrt b)^2`.

    Args:
        a: the scale :math:`a > 0`.
        b: the squared well position, :math:`b \ge 0`; the wells sit at :math:`x_i = \pm\sqrt b`.
        dim: the dimension :math:`d` (keyword-only).
        dtype: the dtype of ``sample()``; the model holds no tensors and computes in the input's.
        device: accepted for TorchEBM (there is nothing to move).

    Raises:
        InvalidParameterError: ``b < 0`` (no real wells) or ``a <= 0``.

    References:
        Noé et al., "Boltzmann generators", Science 365 (2019).

    Example:
        >>> import torch
        >>> from ebmcore_torchebm import DoubleWellEnergy
        >>> model = DoubleWellEnergy(a=1.0, b=4.0)
        >>> model.energy(torch.tensor([[2.0, 0.0]]))  # (4 - 4)^2 + (0 - 4)^2
        tensor([16.])
        >>> model.config
        {'dim': 2, 'barrier_height': 1.0, 'b': 2.0}
        >>> DoubleWellEnergy(b=-1.0)
        Traceback (most recent call last):
        ...
        ebmcore.InvalidParameterError: DoubleWellEnergy: parameter 'b' must be ...
    """

    registry_name = "analytic/double_well"

    def __init__(
        self,
        a: float = 1.0,
        b: float = 2.0,
        *,
        dim: int = 2,
        dtype: torch.dtype | None = None,
        device: Device = None,
    ) -> None:
        energy = type(self).__name__
        squared = constraints.Constraint(
            constraints.nonnegative.check,
            "a finite real number >= 0 (the squared well position: the wells sit at x_i = ±sqrt(b))",
        )
        height = scalar("a", a, constraints.positive, energy=energy)
        position = math.sqrt(scalar("b", b, squared, energy=energy))
        super().__init__(dim=dim, barrier_height=height, b=position)
        place(self, dtype, device)


class RosenbrockModel(Rosenbrock):
    r"""TorchEBM's ``RosenbrockModel(a=1.0, b=100.0)``: Rosenbrock's curved valley.

    .. math::

        E(x) = \sum_{i=1}^{d-1} \big[ b\,(x_{i+1} - x_i^2)^2 + (a - x_i)^2 \big].

    The analytic :class:`ebmcore_analytic.Rosenbrock` (same parameters, name
    ``analytic/rosenbrock``); the minimum is :math:`E(1, \dots, 1) = 0` for ``a = 1``.

    Args:
        a: valley position.
        b: valley steepness, :math:`b > 0`.
        dim: the dimension :math:`d \ge 2` (keyword-only).
        dtype: the dtype of ``sample()``; the model holds no tensors and computes in the input's.
        device: accepted for TorchEBM (there is nothing to move).

    References:
        H. H. Rosenbrock, "An automatic method for finding the greatest or least value of a
        function", The Computer Journal 3 (1960).

    Example:
        >>> import torch
        >>> from ebmcore_torchebm import RosenbrockModel
        >>> RosenbrockModel().energy(torch.tensor([[0.0, 1.0], [1.0, 1.0]]))  # 100 + 1, 0
        tensor([101.,   0.])
    """

    registry_name = "analytic/rosenbrock"

    def __init__(
        self,
        a: float = 1.0,
        b: float = 100.0,
        *,
        dim: int = 2,
        dtype: torch.dtype | None = None,
        device: Device = None,
    ) -> None:
        super().__init__(dim=dim, a=a, b=b)
        place(self, dtype, device)


class RosenbrockEnergy(RosenbrockModel):
    r"""The Rosenbrock energy of TorchEBM's implementation guide, ``RosenbrockEnergy(a=1.0, b=100.0)``.

    .. math::

        E(x) = \sum_{i=1}^{d-1} \big[ b\,(x_{i+1} - x_i^2)^2 + (a - x_i)^2 \big].

    The code printed in the guide ignores ``a`` (it uses :math:`(x_i - 1)^2`, and its formula
    puts ``a`` where ``b`` goes); this class follows TorchEBM 0.8.9's ``RosenbrockModel``, the
    formula above, which agrees with the guide for the default ``a = 1``. It is
    :class:`RosenbrockModel` under the guide's name.

    Args:
        a: valley position.
        b: valley steepness, :math:`b > 0`.
        dim: the dimension :math:`d \ge 2` (keyword-only).
        dtype: the dtype of ``sample()``; the model holds no tensors and computes in the input's.
        device: accepted for TorchEBM (there is nothing to move).

    References:
        H. H. Rosenbrock, The Computer Journal 3 (1960).

    Example:
        >>> import torch
        >>> from ebmcore_torchebm import RosenbrockEnergy
        >>> RosenbrockEnergy(a=2.0, b=1.0).energy(torch.tensor([2.0, 4.0]))
        tensor(0.)
    """


class AckleyModel(Ackley):
    r"""TorchEBM's ``AckleyModel(a=20.0, b=0.2, c=2*pi)``: Ackley's function.

    .. math::

        E(x) = -a \exp\!\Big(-b \sqrt{\tfrac1d \textstyle\sum_i x_i^2}\Big)
               - \exp\!\Big(\tfrac1d \textstyle\sum_i \cos(c\, x_i)\Big) + a + e .

    The analytic :class:`ebmcore_analytic.Ackley` (same parameters, name ``analytic/ackley``),
    which evaluates the same formula as :math:`a(1 - e^{-br}) + (e - e^{\bar{\cos}})` so that
    :math:`E(0) = 0` exactly (TorchEBM's sum leaves a rounding residue there) and returns the
    zero subgradient at the origin.

    Args:
        a: depth of the funnel, :math:`a > 0`.
        b: decay rate, :math:`b > 0`.
        c: frequency of the ripples, :math:`c > 0`.
        dim: the dimension :math:`d` (keyword-only).
        dtype: accepted for TorchEBM.
        device: likewise.

    References:
        D. H. Ackley, *A connectionist machine for genetic hillclimbing*, Kluwer (1987).

    Example:
        >>> import torch
        >>> from ebmcore_torchebm import AckleyModel
        >>> AckleyModel(dim=3).energy(torch.zeros(3))
        tensor(0.)
    """

    registry_name = "analytic/ackley"

    def __init__(
        self,
        a: float = 20.0,
        b: float = 0.2,
        c: float = 2.0 * math.pi,
        *,
        dim: int = 2,
        dtype: torch.dtype | None = None,
        device: Device = None,
    ) -> None:
        super().__init__(dim=dim, a=a, b=b, c=c)
        place(self, dtype, device)


class RastriginModel(Rastrigin):
    r"""TorchEBM's ``RastriginModel(a=10.0)``: Rastrigin's function.

    .. math::

        E(x) = a d + \sum_{i=1}^d \big[x_i^2 - a \cos(2\pi x_i)\big].

    The analytic :class:`ebmcore_analytic.Rastrigin` (same parameter, name ``analytic/rastrigin``).

    Args:
        a: amplitude of the ripples, :math:`a > 0`.
        dim: the dimension :math:`d` (keyword-only).
        dtype: accepted for TorchEBM.
        device: likewise.

    References:
        L. A. Rastrigin, *Systems of extremal control*, Nauka (1974).

    Example:
        >>> import torch
        >>> from ebmcore_torchebm import RastriginModel
        >>> RastriginModel().energy(torch.tensor([1.0, 0.0]))
        tensor(1.)
    """

    registry_name = "analytic/rastrigin"

    def __init__(
        self, a: float = 10.0, *, dim: int = 2, dtype: torch.dtype | None = None, device: Device = None
    ) -> None:
        super().__init__(dim=dim, a=a)
        place(self, dtype, device)


class HarmonicModel(Harmonic):
    r"""TorchEBM's ``HarmonicModel(k=1.0)``: the isotropic harmonic well.

    .. math::

        E(x) = \frac k2 \lVert x \rVert^2 .

    The analytic :class:`ebmcore_analytic.Harmonic` (same parameter, name ``analytic/harmonic``),
    with its exact ``log_partition()`` and ``sample()``.

    Args:
        k: spring constant :math:`k > 0`.
        dim: the dimension :math:`d` (keyword-only).
        dtype: the dtype of ``sample()``; the model holds no tensors and computes in the input's.
        device: accepted for TorchEBM (there is nothing to move).

    References:
        D. Frenkel and B. Smit, *Understanding Molecular Simulation*, Academic Press 2002.

    Example:
        >>> import torch
        >>> from ebmcore_torchebm import HarmonicModel
        >>> HarmonicModel(k=4.0).energy(torch.tensor([1.0, -0.5]))
        tensor(2.5000)
    """

    registry_name = "analytic/harmonic"

    def __init__(
        self, k: float = 1.0, *, dim: int = 2, dtype: torch.dtype | None = None, device: Device = None
    ) -> None:
        super().__init__(dim=dim, k=k)
        place(self, dtype, device)


class HimmelblauModel(Himmelblau):
    r"""TorchEBM's ``HimmelblauModel()``: Himmelblau's function, two-dimensional.

    .. math::

        E(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2 .

    The analytic :class:`ebmcore_analytic.Himmelblau` (name ``analytic/himmelblau``), with its four
    global minima.

    Args:
        dtype: accepted for TorchEBM.
        device: likewise.

    References:
        D. M. Himmelblau, *Applied Nonlinear Programming*, McGraw-Hill (1972).

    Example:
        >>> import torch
        >>> from ebmcore_torchebm import HimmelblauModel
        >>> HimmelblauModel().energy(torch.tensor([[3.0, 2.0], [0.0, 0.0]]))
        tensor([  0., 170.])
    """

    registry_name = "analytic/himmelblau"

    def __init__(self, *, dtype: torch.dtype | None = None, device: Device = None) -> None:
        super().__init__()
        place(self, dtype, device)


class BoothModel(Booth):
    r"""TorchEBM's ``BoothModel()``: Booth's function, two-dimensional.

    .. math::

        E(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2 .

    The analytic :class:`ebmcore_analytic.Booth` (name ``analytic/booth``).

    Args:
        dtype: accepted for TorchEBM.
        device: likewise.

    References:
        M. Jamil and X.-S. Yang, Int. J. Math. Model. Numer. Optim. 4 (2013), function 20.

    Example:
        >>> import torch
        >>> from ebmcore_torchebm import BoothModel
        >>> BoothModel().energy(torch.tensor([[1.0, 3.0], [0.0, 0.0]]))
        tensor([ 0., 74.])
    """

    registry_name = "analytic/booth"

    def __init__(self, *, dtype: torch.dtype | None = None, device: Device = None) -> None:
        super().__init__()
        place(self, dtype, device)


class StyblinskiTangModel(StyblinskiTang):
    r"""TorchEBM's ``StyblinskiTangModel()``: the Styblinski-Tang function.

    .. math::

        E(x) = \frac12 \sum_{i=1}^d \big(x_i^4 - 16 x_i^2 + 5 x_i\big).

    The analytic :class:`ebmcore_analytic.StyblinskiTang` (name ``analytic/styblinski_tang``).

    Args:
        dim: the dimension :math:`d` (keyword-only).
        dtype: accepted for TorchEBM.
        device: likewise.

    References:
        M. A. Styblinski and T.-S. Tang, Neural Networks 3 (1990).

    Example:
        >>> import torch
        >>> from ebmcore_torchebm import StyblinskiTangModel
        >>> StyblinskiTangModel().energy(torch.tensor([1.0, 1.0]))  # 2 * (1 - 16 + 5) / 2
        tensor(-10.)
    """

    registry_name = "analytic/styblinski_tang"

    def __init__(self, *, dim: int = 2, dtype: torch.dtype | None = None, device: Device = None) -> None:
        super().__init__(dim=dim)
        place(self, dtype, device)
