r"""BBOB f6--f9, the functions with low or moderate conditioning: attractive sector, step
ellipsoid, Rosenbrock (original) and Rosenbrock (rotated).

Each equals COCO's problem ``(function, dim, instance)`` at every point, :math:`f_\mathrm{opt}`
included. Notation: coordinates indexed :math:`i = 0, \dots, d - 1` (COCO's C indexing),
:math:`T_\mathrm{osz}`, :math:`\Lambda^\alpha` and :math:`f_\mathrm{pen}` as in
:mod:`ebmcore_bbob._coco`. The matrices are named as in COCO's code: :math:`Q` =
``rotation(seed)`` and :math:`R` = ``rotation(seed + 1000000)`` (the report, RR-6829, names
them the other way round for some functions; the products are the same), both computed by
:func:`~ebmcore_bbob._coco.rotation`, COCO's matrices bit for bit. Linear stretches are
multiplied out once per instance (f6's :math:`R \Lambda^{10} Q`, f9's
:math:`\max(1, \sqrt d / 8)\, Q`), so that a batch costs one matrix product forward and one
(its transpose) for the gradient.

References:
    N. Hansen, S. Finck, R. Ros, A. Auger, *Real-Parameter Black-Box Optimization
    Benchmarking 2009: Noiseless Functions Definitions*, INRIA research report RR-6829
    (2009), functions 6--9; COCO, https://github.com/numbbo/coco (``f_attractive_sector.c``,
    ``f_step_ellipsoid.c``, ``f_rosenbrock.c``).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from . import _coco
from ._base import ellipsoid_raw_and_gradient
from ._formula import FormulaFunction, State, formula_kernel
from ._law import SectorLaw, ValleyLaw

__all__ = ["AttractiveSector", "Rosenbrock", "RosenbrockRotated", "StepEllipsoid"]


# -- f6 ----------------------------------------------------------------------------------------


def _oscillated_power(u: Tensor, exponent: float) -> tuple[Tensor, Tensor]:
    r""":math:`T_\mathrm{osz}(u)^p` for ``u >= 0`` (f6's objective transformation) and its
    derivative in ``u``.

    Returns ``(value, slope)`` with ``slope`` :math:`= p\,T_\mathrm{osz}(u)^{p-1}
    T_\mathrm{osz}'(u)` where :math:`0 < T_\mathrm{osz}(u) < \infty`, and 0 elsewhere: at
    :math:`u = 0` that is the limit of the gradient in :math:`x` (:math:`T_\mathrm{osz}(u)^p
    \approx u^p` with :math:`u` quadratic in :math:`x`, so it vanishes there), and where
    :math:`u` or :math:`T_\mathrm{osz}(u)` overflows the dtype the value is :math:`+\infty`
    (where COCO's :math:`T_\mathrm{osz}(\infty)` would be NaN: ``sin(inf)``) and no slope is
    representable. NaN stays NaN. Every discarded branch is evaluated at a safe input, so
    autograd through ``value`` is NaN-free.
    """
    overflow = torch.isinf(u)
    t, dt = _coco.t_osz_and_derivative(torch.where(overflow, 1.0, u))
    t = torch.where(overflow, u, t)
    positive, infinite = t > 0, torch.isinf(t)
    safe = torch.where(positive, torch.where(infinite, 1.0, t), 1.0)
    powered = torch.exp(exponent * torch.log(safe))  # safe ** exponent
    value = torch.where(positive, torch.where(infinite, t, powered), t)  # 0^p = 0, inf and NaN stay
    slope = torch.where(positive, torch.where(infinite, 0.0, exponent * powered / safe * dt), 0.0)
    return value, slope


@formula_kernel
class AttractiveSector(SectorLaw, FormulaFunction):
    r"""BBOB f6, the attractive sector function: a quadratic that is 100 times steeper on the
    side of the optimum where the origin is not, rotated and stretched, with oscillations.

    .. math::

        f_6(x) = T_\mathrm{osz}\Big(\sum_{i=0}^{d-1} (s_i z_i)^2\Big)^{0.9} + f_\mathrm{opt},
        \qquad z = R \Lambda^{10} Q (x - x_\mathrm{opt}),
        \qquad s_i = \begin{cases} 100 & z_i\, x_{\mathrm{opt},i} > 0 \\ 1 & \text{otherwise,}
        \end{cases}

    with :math:`Q` = ``rotation(seed)``, :math:`R` = ``rotation(seed + 1000000)`` (multiplied
    out once per instance, as COCO does). The sector condition compares a coordinate of
    :math:`z` with the same coordinate of :math:`x_\mathrm{opt}` (in :math:`x` space), as in
    COCO's code.

    Gradient, with :math:`u = \sum_i s_i^2 z_i^2`:
    :math:`\nabla f_6 = 0.9\, T_\mathrm{osz}(u)^{-0.1}\, T_\mathrm{osz}'(u)\;
    (R \Lambda^{10} Q)^\top (2 s^2 \odot z)`. The switch of :math:`s_i` sits at :math:`z_i = 0`
    where :math:`z_i^2` has slope 0, and :math:`T_\mathrm{osz}(u)^{0.9} \sim u^{0.9}` is
    :math:`O(|z|^{1.8})` at the optimum, so :math:`f_6` is continuously differentiable
    everywhere with gradient exactly 0 at :math:`x_\mathrm{opt}` (only its curvature is
    unbounded there). Where :math:`u` overflows the dtype (float32, :math:`|x| \gtrsim 10^{17}`)
    the energy is :math:`+\infty` and the gradient 0.

    Unimodal, moderately conditioned (:math:`\Lambda^{10}`, sector ratio :math:`10^4` in the
    objective); the minimum :math:`f_\mathrm{opt}` at :math:`x_\mathrm{opt}`, the raw draw.

    Density: :math:`e^{-f_6}/Z` is radial in :math:`w = s \odot z`, orthant by orthant: exact
    draws, ``log_partition``, ``mean`` and ``stddev`` from one radial table
    (:class:`~ebmcore_bbob._law.SectorLaw`).

    Args:
        dim: dimension :math:`d \ge 2`.
        instance: COCO's instance number (default 1).

    References:
        Hansen et al., INRIA RR-6829 (2009), f6; COCO ``f_attractive_sector.c``. The function
        is BBOB's own (Hansen et al. 2009).

    Example:
        >>> import torch, ebmcore
        >>> f = ebmcore.create("bbob_f6", dim=3, instance=1)
        >>> f.f_opt, bool(f(f.x_opt) == f.f_opt), f.gradient(f.x_opt).tolist()
        (35.9, True, [0.0, 0.0, 0.0])
    """

    function = 6
    alpha = 10.0
    sector = 100.0
    exponent = 0.9
    kernel = "bbob_attractive_sector"
    formula_matrix = "matrix"
    formula_vectors = ("signs",)

    matrix: Tensor
    signs: Tensor

    def __init__(self, dim: int = 2, instance: int = 1) -> None:
        super().__init__(dim, instance)
        self.register_constant("matrix", _coco.rotated_conditioning(self.seed, self.dim, self.alpha))
        self.register_constant("signs", np.sign(self._minimizer))

    def formula_parameters(self, z: Tensor) -> tuple[float, ...]:
        return self.sector**2, self.exponent

    @staticmethod
    def formula(z: Tensor, signs: Tensor, sector_squared: float, exponent: float) -> tuple[Tensor, Tensor]:
        scaled = torch.where(signs * z > 0, sector_squared * z, z)  # s_i^2 z_i: in x_opt's sector or not
        value, slope = _oscillated_power((scaled * z).sum(-1), exponent)
        return value, slope.unsqueeze(-1) * (2.0 * scaled)


# -- f7 ----------------------------------------------------------------------------------------


@formula_kernel
class StepEllipsoid(FormulaFunction):
    r"""BBOB f7, the step ellipsoid: an ellipsoid (condition 100) made of plateaus, with a tiny
    slope on the central plateau and the boundary penalty.

    .. math::

        f_7(x) = 0.1 \max\Big(\frac{|\hat z_0|}{10^4},\;
            \sum_{i=0}^{d-1} 100^{\frac{i}{d-1}} z_i^2\Big) + f_\mathrm{pen}(x) + f_\mathrm{opt},

    .. math::

        \hat z = \Lambda^{10} Q (x - x_\mathrm{opt}), \qquad
        \tilde z_i = \begin{cases} \lfloor \hat z_i + \tfrac12 \rfloor & |\hat z_i| > \tfrac12 \\
            \lfloor 10 \hat z_i + \tfrac12 \rfloor / 10 & \text{otherwise,} \end{cases}
        \qquad z = R \tilde z,

    with :math:`Q` = ``rotation(seed)``, :math:`R` = ``rotation(seed + 1000000)``,
    :math:`\Lambda^{10}` applied as COCO does (:math:`\sqrt{10^{i/(d-1)}}`), rounding half up
    (COCO's ``floor(v + 0.5)``) and :math:`f_\mathrm{pen}` with factor 1.

    **Gradient.** :math:`f_7` is piecewise constant in :math:`\tilde z` and jumps on the
    rounding boundaries. The gradient returned is its derivative almost everywhere, the
    gradient of the piece :math:`x` lies on: the plateaus contribute **zero**, so it is
    :math:`\nabla f_\mathrm{pen}(x)` plus, on the central plateau where the first term of the
    max is the larger (:math:`\tilde z = 0`), :math:`10^{-5} \operatorname{sign}(\hat z_0)\,
    (\Lambda^{10} Q)_{0,:}`. It is what autograd through ``forward`` gives, and what finite
    differences give away from the steps; the step boundaries (measure zero) are treated as
    belonging to the piece COCO evaluates there, and at :math:`\hat z_0 = 0` the sign is 0, so
    the gradient at :math:`x_\mathrm{opt}` is exactly 0. The gradient of the un-rounded
    ellipsoid (a smoothed surrogate) is deliberately *not* returned: it would disagree with the
    energy it comes with, and f7 exists to test how a method copes without slope information.

    **Minimum.** On the central plateau (:math:`\tilde z = 0`) the energy is
    :math:`f_\mathrm{opt} + 10^{-5} |\hat z_0|`, so :math:`f_\mathrm{opt}` is attained at
    :math:`x_\mathrm{opt}` (the raw draw, COCO's optimum) and on the whole piece of hyperplane
    :math:`\{\hat z_0 = 0,\ |\hat z_i| < 0.05\ (i \ge 1)\}` through it: a continuum of
    minimizers. As ebmcore declares continua, :attr:`minima` is therefore None;
    :attr:`minimum_value` is :math:`f_\mathrm{opt}` and :attr:`x_opt` one minimizer.

    As a :class:`~ebmcore_bbob._formula.FormulaFunction`: the rounding is the inner map (C
    ``floor``, as COCO), the ellipsoid the formula of :math:`z` (f10's without the oscillation), the
    penalty the x formula; the maximum with :math:`|\hat z_0| / 10^4` and the gradient, which
    reads :math:`\hat z_0` alone, are formed after them (:meth:`formula_output`).

    Unimodal in its rounded structure, non-smooth (plateaus).

    Args:
        dim: dimension :math:`d \ge 2`.
        instance: COCO's instance number (default 1).

    References:
        Hansen et al., INRIA RR-6829 (2009), f7; COCO ``f_step_ellipsoid.c``. The step
        ellipsoid follows Rechenberg's step function (I. Rechenberg, *Evolutionsstrategie*,
        1973), made an ellipsoid by Hansen et al.

    Example:
        >>> import torch, ebmcore
        >>> f = ebmcore.create("bbob_f7", dim=2, instance=1)
        >>> bool(f(f.x_opt) == f.f_opt), f.gradient(f.x_opt).tolist()
        (True, [0.0, 0.0])
        >>> f.minima is None, f.minimum_value == f.f_opt  # a continuum of minimizers
        (True, True)
        >>> f.gradient(f.x_opt + 2.0).tolist()  # on a plateau inside the box
        [0.0, 0.0]
    """

    function = 7
    alpha = 10.0
    condition = 100.0
    slope = 1e-4  # of the |z_hat_0| term, before the factor 0.1
    penalty = 1.0
    kernel = "bbob_ellipsoid"
    formula_matrix = "outer"
    formula_vectors = ("weights",)
    inner_kernel = "bbob_step_rounding"
    inner_matrix = "inner"
    x_kernel = "bbob_penalty"
    x_formula = staticmethod(_coco.f_pen_scaled)
    formula = staticmethod(ellipsoid_raw_and_gradient)
    formula_gradient = False  # the rounding's derivative is 0

    inner: Tensor
    outer: Tensor
    weights: Tensor

    def __init__(self, dim: int = 2, instance: int = 1) -> None:
        super().__init__(dim, instance)
        scales = np.sqrt(np.power(self.alpha, np.arange(self.dim) / (self.dim - 1.0)))  # COCO's c1
        self.register_constant("inner", scales[:, None] * _coco.rotation(self.seed, self.dim))
        self.register_rotation("outer", 1000000)
        self.register_constant("weights", _coco.powers(self.condition, self.dim))

    @property
    def minima(self) -> None:  # type: ignore[override]  # BBOBFunction narrows it to Minima
        """None: the minimizers form a continuum (see the class docstring); :attr:`minimum_value`
        and :attr:`x_opt` give the minimum and one minimizer."""
        return None

    @staticmethod
    def inner_formula(z_hat: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        # to integers beyond 1/2, to tenths within; floor(v + 1/2) rounds halves up, as COCO's
        # coco_double_round. Never an overflow; piecewise constant, so the derivative is 0
        coarse = torch.abs(z_hat) > 0.5
        steps = torch.floor(torch.where(coarse, z_hat, 10.0 * z_hat) + 0.5)
        return 0.0 * z_hat[..., 0], torch.where(coarse, steps, steps / 10.0), 0.0 * z_hat

    def formula_input(
        self, x: Tensor, with_gradient: bool = True, kernel: bool = False
    ) -> tuple[Tensor, State]:
        r""":math:`z = R \tilde z` of the rounded :math:`\tilde z`, and the state the maximum
        and the gradient read: :math:`\hat z_0`, and ``with_gradient`` (the rounding's
        derivative, 0, is not formed)."""
        z_hat = self.inner_input(x)
        rounded = self.inner_map(z_hat, with_gradient=False, kernel=kernel)[1]
        return rounded @ self.matrix_of(self.formula_matrix, x).T, (z_hat[..., 0], with_gradient)

    def formula_output(
        self, x: Tensor, state: State, energy: Tensor, grad: Tensor | None, kernel: bool = False
    ) -> tuple[Tensor, Tensor | None]:
        """The energies, :math:`0.1 \\max(|\\hat z_0| / 10^4, \\text{ellipsoid}) + f_\\mathrm{pen} +
        f_\\mathrm{opt}`, and their gradient where the state asks for it (the ellipsoid's
        gradient is not formed: ``grad`` is None, its path runs through the rounding, whose
        derivative is 0)."""
        z_hat_0, with_gradient = state
        floor_term = z_hat_0.abs() * self.slope
        first = floor_term >= energy  # COCO's max keeps the first on ties
        penalty, penalty_grad = self.x_term(x, with_gradient, kernel)
        assert penalty is not None
        energy = 0.1 * torch.where(first, floor_term, energy) + penalty + self.f_opt
        if not with_gradient:
            return energy, None
        assert penalty_grad is not None
        # d/dx of 0.1 * 1e-4 |z_hat_0| where that term wins, 0 on the plateaus of the ellipsoid
        slope = torch.where(first, (0.1 * self.slope) * torch.sign(z_hat_0), 0.0)
        row = self.matrix_of(self.inner_matrix, x)[0]
        return energy, torch.addcmul(penalty_grad, slope.unsqueeze(-1), row)


# -- f8, f9 ------------------------------------------------------------------------------------


def _rosenbrock_row(z: Tensor, body: Tensor) -> tuple[Tensor, Tensor]:
    """The raw Rosenbrock function of ``z`` on the last axis and its gradient, as a row formula
    (the operations ``ebmcore_kernels._generate.row_kernel`` prints; ``body`` marks the
    coordinates that lead a term): f8's and f9's."""
    leads = body > 0  # (a select, not a product by 0: the last term may be inf)
    valley = torch.where(leads, z * z - torch.roll(z, -1, -1), 0.0)  # z_i^2 - z_{i+1}
    offset = torch.where(leads, z - 1.0, 0.0)
    energy = (100.0 * valley * valley + offset * offset).sum(-1)
    leading = 400.0 * z * valley + 2.0 * offset
    return energy, leading - 200.0 * torch.roll(valley, 1, -1)


def _rosenbrock_factor(dim: int) -> float:
    r""":math:`\max(1, \sqrt d / 8)`, COCO's scaling of the Rosenbrock functions (1 up to
    :math:`d = 64`)."""
    return max(1.0, math.sqrt(dim) / 8.0)


@formula_kernel
class Rosenbrock(ValleyLaw, FormulaFunction):
    r"""BBOB f8, the original Rosenbrock function: the banana valley, scaled, shifted so that its
    minimum :math:`z = 1` lies at :math:`x_\mathrm{opt}`.

    .. math::

        f_8(x) = \sum_{i=0}^{d-2} \Big(100 (z_i^2 - z_{i+1})^2 + (z_i - 1)^2\Big)
        + f_\mathrm{opt}, \qquad z = \max\Big(1, \frac{\sqrt d}{8}\Big) (x - x_\mathrm{opt}) + 1,

    with :math:`x_\mathrm{opt}` = 0.75 times the raw draw (in :math:`[-3, 3)`), as COCO does.
    Smooth; :math:`\nabla f_8 = \max(1, \sqrt d / 8)\, \nabla_z`, exactly 0 at
    :math:`x_\mathrm{opt}` (where :math:`z = 1` exactly).

    A curved valley; for :math:`d \ge 4` a local minimum near :math:`z = (-1, 1, \dots, 1)`
    besides the global one (hence "multimodal"); the minimum :math:`f_\mathrm{opt}` at
    :math:`x_\mathrm{opt}`.

    Density: :math:`z` has the law of Rosenbrock's function, which ``ebmcore-analytic``'s
    ``rosenbrock`` carries (:class:`~ebmcore_bbob._law.ValleyLaw`): exact draws,
    ``log_partition``, ``mean`` and ``stddev``, mapped back to :math:`x`.

    Args:
        dim: dimension :math:`d \ge 2`.
        instance: COCO's instance number (default 1).

    References:
        Hansen et al., INRIA RR-6829 (2009), f8; COCO ``f_rosenbrock.c``. H. H. Rosenbrock,
        *An automatic method for finding the greatest or least value of a function*, The
        Computer Journal 3 (1960) 175--184.

    Example:
        >>> import torch, ebmcore
        >>> from ebmcore_bbob import _coco
        >>> f = ebmcore.create("bbob_f8", dim=2, instance=1)
        >>> f.x_opt, f.f_opt, _coco.instance(8, 2, 1).x_opt.round(4).tolist()  # 0.75 times the draw
        (tensor([-0.0552, -0.3708], dtype=torch.float64), 149.15, [-0.0736, -0.4944])
        >>> bool(f(f.x_opt) == f.f_opt), f.gradient(f.x_opt).tolist()
        (True, [0.0, 0.0])
    """

    function = 8
    optimum_scale = 0.75
    kernel = "bbob_rosenbrock"
    formula_matrix = None
    formula_vectors = ("x_opt", "body")

    def __init__(self, dim: int = 2, instance: int = 1) -> None:
        super().__init__(dim, instance)
        self.factor = _rosenbrock_factor(self.dim)

    @classmethod
    def optimum(cls, data: _coco.Instance) -> np.ndarray:
        return cls.optimum_scale * data.x_opt

    def valley_matrix(self) -> np.ndarray:
        return self.factor * np.eye(self.dim)

    def formula_parameters(self, z: Tensor) -> tuple[float, ...]:
        return (self.factor,)

    @staticmethod
    def formula(x: Tensor, x_opt: Tensor, body: Tensor, factor: float) -> tuple[Tensor, Tensor]:
        energy, grad = _rosenbrock_row(factor * (x - x_opt) + 1.0, body)
        return energy, factor * grad


@formula_kernel
class RosenbrockRotated(ValleyLaw, FormulaFunction):
    r"""BBOB f9, the rotated Rosenbrock function.

    .. math::

        f_9(x) = \sum_{i=0}^{d-2} \Big(100 (z_i^2 - z_{i+1})^2 + (z_i - 1)^2\Big)
        + f_\mathrm{opt}, \qquad z = \max\Big(1, \frac{\sqrt d}{8}\Big) Q x + \frac12,

    with :math:`Q` = ``rotation(seed)`` (COCO's f9 uses the seed itself, not ``seed +
    1000000``). COCO draws no optimum for f9: :math:`x_\mathrm{opt} = Q^\top \mathbf 1 /
    (2 \max(1, \sqrt d / 8))` is where :math:`z = 1`, in :math:`[-5, 5]^d` only because the
    rows of :math:`Q` are random (its entries are column sums of :math:`Q`, summed in COCO's
    order). It is computed as :math:`z = \max(1, \sqrt d / 8)\, Q (x - x_\mathrm{opt}) + 1`,
    the same map to rounding (:math:`10^{-16}`), so that :math:`z = 1` and the gradient is 0
    exactly at :math:`x_\mathrm{opt}`.

    Smooth; :math:`\nabla f_9 = \max(1, \sqrt d / 8)\, Q^\top \nabla_z`. A rotated curved
    valley with, for :math:`d \ge 4`, a local minimum besides the global one; the minimum
    :math:`f_\mathrm{opt}` at :math:`x_\mathrm{opt}`.

    Density: :math:`z` has the law of Rosenbrock's function, which ``ebmcore-analytic``'s
    ``rosenbrock`` carries (:class:`~ebmcore_bbob._law.ValleyLaw`): exact draws,
    ``log_partition`` and ``mean``, mapped back to :math:`x`; ``stddev`` is None (the rotation
    mixes the chain's coordinates, whose covariances it does not give).

    Args:
        dim: dimension :math:`d \ge 2`.
        instance: COCO's instance number (default 1).

    References:
        Hansen et al., INRIA RR-6829 (2009), f9; COCO ``f_rosenbrock.c``. H. H. Rosenbrock,
        The Computer Journal 3 (1960) 175--184.

    Example:
        >>> import torch, ebmcore
        >>> f = ebmcore.create("bbob_f9", dim=2, instance=1)
        >>> f.x_opt, f.f_opt  # Q^T (1/2, 1/2): norm sqrt(2) / 2
        (tensor([-0.0301,  0.7065], dtype=torch.float64), 123.83)
        >>> bool(f(f.x_opt) == f.f_opt), f.gradient(f.x_opt).tolist()
        (True, [0.0, 0.0])
    """

    function = 9
    kernel = "bbob_rosenbrock_rotated"
    formula_matrix = "matrix"
    formula_vectors = ("body",)

    matrix: Tensor

    def __init__(self, dim: int = 2, instance: int = 1) -> None:
        super().__init__(dim, instance)
        self.factor = _rosenbrock_factor(self.dim)
        self.register_constant("matrix", self.factor * _coco.rotation(self.seed, self.dim))

    @classmethod
    def optimum(cls, data: _coco.Instance) -> np.ndarray:
        rotation = _coco.rotation(data.seed, data.dim)
        column_sums = np.zeros(data.dim)
        for row in rotation:  # row by row, as COCO sums them
            column_sums = column_sums + row
        return column_sums / (2.0 * _rosenbrock_factor(data.dim))

    def valley_matrix(self) -> np.ndarray:
        return self.matrix.numpy()

    @staticmethod
    def formula(y: Tensor, body: Tensor) -> tuple[Tensor, Tensor]:
        return _rosenbrock_row(y + 1.0, body)
