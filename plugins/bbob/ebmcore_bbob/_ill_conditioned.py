r"""BBOB f10--f14, the unimodal functions with high conditioning: ellipsoid (rotated), discus,
bent cigar, sharp ridge and different powers.

Each equals COCO's problem ``(function, dim, instance)`` at every point, :math:`f_\mathrm{opt}`
included. Notation: coordinates indexed :math:`i = 0, \dots, d - 1` (COCO's C indexing),
:math:`T_\mathrm{osz}`, :math:`T_\mathrm{asy}^\beta` and :math:`\Lambda^\alpha` as in
:mod:`ebmcore_bbob._coco`. Matrices are named as in COCO's code: :math:`R` =
``rotation(seed + 1000000)``, the rotation of all five, and :math:`Q` = ``rotation(seed)``
(f13 only), both computed by :func:`~ebmcore_bbob._coco.rotation`, COCO's matrices
bit for bit. A batch costs one matrix product forward and one (the transpose) for the
gradient. f12's :math:`T_\mathrm{asy}` sits between two rotations, but its energy reads the
second one's output only through :math:`z_0` and the norm, which the rotation keeps, so that
rotation is folded into its formula; f13's linear :math:`R \Lambda^{10} Q` is multiplied out
once per instance.

References:
    N. Hansen, S. Finck, R. Ros, A. Auger, *Real-Parameter Black-Box Optimization
    Benchmarking 2009: Noiseless Functions Definitions*, INRIA research report RR-6829
    (2009), functions 10--14; COCO, https://github.com/numbbo/coco (``f_ellipsoid.c``,
    ``f_discus.c``, ``f_bent_cigar.c``, ``f_sharp_ridge.c``, ``f_different_powers.c``).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from . import _coco
from ._base import BBOBFunction, ellipsoid_raw_and_gradient
from ._formula import FormulaFunction, formula_kernel
from ._law import PowersLaw, RidgeLaw, SeparableLaw

__all__ = ["BentCigar", "DifferentPowers", "Discus", "EllipsoidRotated", "SharpRidge"]

_CONDITION = 1e6
_R_OFFSET = 1000000  # COCO's seed offset of R


class _RotatedFunction(BBOBFunction):
    """A BBOB function of :math:`R (x - x_\\mathrm{opt})`, :math:`R` = ``rotation(seed +
    1000000)``, kept as the buffer ``rotation``."""

    rotation: Tensor

    def __init__(self, dim: int = 2, instance: int = 1) -> None:
        super().__init__(dim, instance)
        self.register_rotation("rotation", _R_OFFSET)


@formula_kernel
class _OscillatedQuadratic(SeparableLaw, _RotatedFunction, FormulaFunction):
    r""":math:`\sum_i w_i z_i^2 + f_\mathrm{opt}`, :math:`z = T_\mathrm{osz}(R (x -
    x_\mathrm{opt}))`: f10 and f11, which differ only in their weights ``w``. The rotation is
    the map, :math:`T_\mathrm{osz}` and the weighted squares the formula."""

    kernel = "bbob_oscillated_quadratic"
    modes_reach = 1.0  # T_osz is increasing: each term's one critical point is 0
    modes_cells = 2**10
    formula_vectors = ("weights",)
    weights: Tensor

    def __init__(self, dim: int = 2, instance: int = 1) -> None:
        super().__init__(dim, instance)
        self.register_constant("weights", self.axis_weights(self.dim))

    @staticmethod
    def axis_weights(dim: int) -> np.ndarray:
        """The weights :math:`w_i` of the squares."""
        raise NotImplementedError

    def law_map(self) -> tuple[np.ndarray, np.ndarray]:
        r"""Separable in :math:`y = R (x - x_\mathrm{opt})`: :math:`x = x_\mathrm{opt} + R^\top y`."""
        return self.x_opt.numpy(), self.rotation.numpy().T

    @staticmethod
    def formula(y: Tensor, weights: Tensor) -> tuple[Tensor, Tensor]:
        z, slope = _coco.t_osz_and_derivative(y)
        raw, grad = ellipsoid_raw_and_gradient(z, weights)
        return raw, grad * slope


class EllipsoidRotated(_OscillatedQuadratic):
    r"""BBOB f10, the rotated ellipsoid: condition number :math:`10^6`, with oscillations.

    .. math::

        f_{10}(x) = \sum_{i=0}^{d-1} 10^{6 \frac{i}{d-1}} z_i^2 + f_\mathrm{opt}, \qquad
        z = T_\mathrm{osz}\big(R (x - x_\mathrm{opt})\big),

    with :math:`R` = ``rotation(seed + 1000000)``. Gradient :math:`R^\top \big(2 w \odot z
    \odot T_\mathrm{osz}'(y)\big)`, :math:`y = R (x - x_\mathrm{opt})`, :math:`w_i =
    10^{6 i/(d-1)}`. :math:`T_\mathrm{osz}` is not differentiable at 0 but
    :math:`T_\mathrm{osz}(y)^2` is, so :math:`f_{10}` is continuously differentiable everywhere,
    with gradient exactly 0 at :math:`x_\mathrm{opt}`.

    Unimodal, ill-conditioned (:math:`10^6`), non-separable; the minimum :math:`f_\mathrm{opt}`
    at :math:`x_\mathrm{opt}`, the raw draw.

    Density: the coordinates of :math:`R (x - x_\mathrm{opt})` are independent under
    :math:`e^{-f}`: exact draws, ``log_partition``, ``mean`` and ``stddev`` from one table per
    coordinate, for :math:`d \le 100` (:class:`~ebmcore_bbob._law.SeparableLaw`).

    Args:
        dim: dimension :math:`d \ge 2`.
        instance: COCO's instance number (default 1).

    References:
        Hansen et al., INRIA RR-6829 (2009), f10; COCO ``f_ellipsoid.c``
        (``f_ellipsoid_rotated_bbob_problem_allocate``).

    Example:
        >>> import torch, ebmcore
        >>> f = ebmcore.create("bbob_f10", dim=5, instance=2)
        >>> bool(f(f.x_opt) == f.f_opt), bool((f.gradient(f.x_opt) == 0).all())
        (True, True)
    """

    function = 10

    @staticmethod
    def axis_weights(dim: int) -> np.ndarray:
        return _coco.powers(_CONDITION, dim)


class Discus(_OscillatedQuadratic):
    r"""BBOB f11, the discus (tablet): one direction :math:`10^3` times steeper than the others,
    rotated, with oscillations.

    .. math::

        f_{11}(x) = 10^6 z_0^2 + \sum_{i=1}^{d-1} z_i^2 + f_\mathrm{opt}, \qquad
        z = T_\mathrm{osz}\big(R (x - x_\mathrm{opt})\big),

    with :math:`R` = ``rotation(seed + 1000000)``. Gradient :math:`R^\top \big(2 w \odot z
    \odot T_\mathrm{osz}'(y)\big)`, :math:`w = (10^6, 1, \dots, 1)`, continuous everywhere and
    exactly 0 at :math:`x_\mathrm{opt}` (as for f10).

    Unimodal, ill-conditioned (:math:`10^6`), non-separable; the minimum :math:`f_\mathrm{opt}`
    at :math:`x_\mathrm{opt}`, the raw draw.

    Density: the coordinates of :math:`R (x - x_\mathrm{opt})` are independent under
    :math:`e^{-f}`: exact draws, ``log_partition``, ``mean`` and ``stddev`` from one table per
    coordinate, for :math:`d \le 100` (:class:`~ebmcore_bbob._law.SeparableLaw`).

    Args:
        dim: dimension :math:`d \ge 2`.
        instance: COCO's instance number (default 1).

    References:
        Hansen et al., INRIA RR-6829 (2009), f11; COCO ``f_discus.c``.

    Example:
        >>> import torch, ebmcore
        >>> f = ebmcore.create("bbob_f11", dim=3, instance=1)
        >>> bool(f(f.x_opt) == f.f_opt), f.gradient(f.x_opt).tolist()
        (True, [0.0, 0.0, 0.0])
    """

    function = 11

    @staticmethod
    def axis_weights(dim: int) -> np.ndarray:
        weights = np.ones(dim)
        weights[0] = _CONDITION
        return weights


@formula_kernel
class BentCigar(_RotatedFunction, FormulaFunction):
    r"""BBOB f12, the bent cigar: a ridge :math:`10^3` times flatter along one direction than
    across it, rotated, with its axis bent by :math:`T_\mathrm{asy}^{0.5}`.

    .. math::

        f_{12}(x) = z_0^2 + 10^6 \sum_{i=1}^{d-1} z_i^2 + f_\mathrm{opt}, \qquad
        z = R\, T_\mathrm{asy}^{0.5}\big(R (x - x_\mathrm{opt})\big),

    with the same :math:`R` = ``rotation(seed + 1000000)`` twice. COCO draws this function's
    :math:`x_\mathrm{opt}` with ``seed + 1000000`` rather than the seed (the raw draw of
    :func:`~ebmcore_bbob._coco.compute_x_opt` with that seed), which is what
    :attr:`minima` holds.

    **One rotation each way.** With :math:`u = T_\mathrm{asy}^{0.5}(y)`, :math:`y = R (x -
    x_\mathrm{opt})`, and :math:`r_0` the first row of :math:`R`: :math:`z_0 = r_0 \cdot u`, and
    since :math:`R` is a rotation, :math:`\sum_{i \ge 1} z_i^2 = \lVert u - z_0 r_0 \rVert^2`.
    So the energy is formed as :math:`z_0^2 + 10^6 \lVert v \rVert^2`, :math:`v = u - z_0 r_0`,
    without the second product (two products for the energy and gradient, where the
    definition takes four). This is not a cancellation: :math:`v` is formed coordinate by
    coordinate, and its rounding is that of :math:`z_{1:}` in the definition (:math:`\epsilon
    \lVert u \rVert` per coordinate). It matches COCO to 1e-10 relative in float64 (tests).

    Gradient :math:`R^\top \big(T_\mathrm{asy}'(y) \odot g\big)`, :math:`g = 2 \cdot 10^6 v +
    2 (z_0 - 10^6\, r_0 \cdot v)\, r_0`, the exact derivative of the energy as formed
    (:math:`r_0 \cdot v` is 0 up to rounding, but :math:`10^6` times it is not: in float32,
    :math:`\lVert r_0 \rVert^2 = 1 \pm 10^{-7}`, and without the term the gradient along the
    cigar's axis would be off by :math:`10^6` times that). In float32 near the axis this gradient
    is closer to the exact one than the definition's two products in float32 are (tests).
    :math:`T_\mathrm{asy}` is :math:`C^1`, so :math:`f_{12}` is continuously differentiable,
    gradient 0 at :math:`x_\mathrm{opt}`.

    Overflow: :math:`T_\mathrm{asy}^{0.5}(y_i) = y_i^{1 + 0.5 \frac{i}{d-1} \sqrt{y_i}}`
    overflows the dtype already for moderate :math:`y_i` (about :math:`10^5` in float64,
    :math:`10^3` in float32). Where a coordinate of :math:`u` exceeds :math:`\sqrt{\max}` of the
    dtype (:math:`10^{154}` in float64, :math:`10^{19}` in float32), as wherever it overflows,
    the energy is :math:`+\infty` (it is at least :math:`\lVert u \rVert^2`) and the analytic
    gradient is returned as 0: beyond that bound the products would meet :math:`\infty - \infty`
    (NaN; COCO gives inf or NaN, autograd through ``forward`` NaN). Below it the energy may
    still overflow, to :math:`+\infty`, and the gradient is then its own value (finite, or
    :math:`\pm\infty` where that overflows too), never NaN.

    Unimodal, ill-conditioned (:math:`10^6`), non-separable; the minimum :math:`f_\mathrm{opt}`
    at :math:`x_\mathrm{opt}`.

    Args:
        dim: dimension :math:`d \ge 2`.
        instance: COCO's instance number (default 1).

    References:
        Hansen et al., INRIA RR-6829 (2009), f12; COCO ``f_bent_cigar.c``.

    Example:
        >>> import torch, ebmcore
        >>> from ebmcore_bbob import _coco
        >>> f = ebmcore.create("bbob_f12", dim=4, instance=3)
        >>> bool((f.x_opt.numpy() == _coco.compute_x_opt(f.seed + 1000000, 4)).all())
        True
        >>> bool(f(f.x_opt) == f.f_opt), f(torch.full((4,), 1e6, dtype=torch.float64))
        (True, tensor(inf, dtype=torch.float64))
    """

    function = 12
    beta = 0.5
    kernel = "bbob_bent_cigar"
    formula_matrix = None  # the second rotation is folded into the formula
    formula_vectors = ("axis",)
    inner_kernel = "bbob_asymmetry"
    inner_vectors = ("asymmetry",)

    @property
    def axis(self) -> Tensor:
        """:math:`r_0`, the first row of :math:`R`: the cigar's axis in :math:`u`."""
        return self.rotation[0]

    @staticmethod
    def formula(u: Tensor, axis: Tensor) -> tuple[Tensor, Tensor]:
        head = (axis * u).sum(-1)  # z_0
        across = u - head.unsqueeze(-1) * axis  # v: |v|^2 = sum_{i>0} z_i^2
        energy = head * head + _CONDITION * (across * across).sum(-1)
        along = (axis * across).sum(-1)  # r_0 . v, 0 up to rounding
        grad = (2.0 * _CONDITION) * across + (2.0 * (head - _CONDITION * along)).unsqueeze(-1) * axis
        return energy, grad

    @classmethod
    def optimum(cls, data: _coco.Instance) -> np.ndarray:
        return _coco.compute_x_opt(data.seed + _R_OFFSET, data.dim)

    def inner_parameters(self, y: Tensor) -> tuple[float, ...]:
        # Flags the samples with a coordinate of T_asy beyond sqrt(max): their energy, at least
        # |u|^2, is inf. Below it the formula's gradient in u, at most ~1e7 sqrt(d) |u|, stays
        # finite (no inf - inf, which a larger u gives); the energy may overflow, to +inf, and
        # the gradient through T_asy' to +-inf, as their true values do.
        return (math.sqrt(torch.finfo(y.dtype).max),)

    inner_formula = staticmethod(_coco.asymmetric)  # type: ignore[assignment]  # (the function f17 shares)


@formula_kernel
class SharpRidge(RidgeLaw, FormulaFunction):
    r"""BBOB f13, the sharp ridge: a quadratic along one direction, a cone (slope 100) across it.

    .. math::

        f_{13}(x) = z_0^2 + 100 \sqrt{\sum_{i=1}^{d-1} z_i^2} + f_\mathrm{opt}, \qquad
        z = R \Lambda^{10} Q (x - x_\mathrm{opt}),

    with :math:`Q` = ``rotation(seed)``, :math:`R` = ``rotation(seed + 1000000)``, multiplied
    out once per instance as COCO does.

    **Gradient.** With :math:`M = R \Lambda^{10} Q` and :math:`\rho = \lVert z_{1:} \rVert`:
    :math:`\nabla f_{13} = M^\top \big(2 z_0,\; 100\, z_{1:} / \rho\big)`. On the ridge
    :math:`\rho = 0` (the line :math:`x_\mathrm{opt} + t\, M^{-1} e_0`, :math:`x_\mathrm{opt}`
    included) the cone is not differentiable; the gradient returned there is the
    **minimum-norm subgradient** :math:`M^\top (2 z_0, 0, \dots, 0)`: the cone's part is 0, the
    value autograd through ``forward`` gives too. It is 0 at :math:`x_\mathrm{opt}`. A second
    derivative through it (``create_graph=True``) on the ridge is that of :math:`z_0^2` alone,
    :math:`M^\top \operatorname{diag}(2, 0, \dots, 0) M`: the kink does not show.

    Unimodal, ill-conditioned, non-smooth (the ridge); the minimum :math:`f_\mathrm{opt}` at
    :math:`x_\mathrm{opt}`, the raw draw.

    Density: under :math:`e^{-f_{13}}`, :math:`z_0 \sim \mathcal N(0, \tfrac12)` and
    :math:`\lVert z_{1:} \rVert \sim \mathrm{Gamma}(d - 1, 100)` in a uniform direction: exact draws,
    ``log_partition``, ``mean`` and ``stddev`` in closed form (:class:`~ebmcore_bbob._law.RidgeLaw`).

    Args:
        dim: dimension :math:`d \ge 2`.
        instance: COCO's instance number (default 1).

    References:
        Hansen et al., INRIA RR-6829 (2009), f13; COCO ``f_sharp_ridge.c``.

    Example:
        >>> import torch, ebmcore
        >>> f = ebmcore.create("bbob_f13", dim=3, instance=1)
        >>> bool(f(f.x_opt) == f.f_opt), f.gradient(f.x_opt).tolist()
        (True, [0.0, 0.0, 0.0])
    """

    function = 13
    alpha = 10.0
    slope = 100.0
    kernel = "bbob_sharp_ridge"
    formula_matrix = "matrix"
    formula_vectors = ("tail",)

    matrix: Tensor
    tail: Tensor
    """0 for :math:`z_0`, 1 for the coordinates of the cone (a buffer of the formula's)."""

    def __init__(self, dim: int = 2, instance: int = 1) -> None:
        super().__init__(dim, instance)
        self.register_constant("matrix", _coco.rotated_conditioning(self.seed, self.dim, self.alpha))
        self.register_constant("tail", np.arange(self.dim) > 0, persistent=False)

    @staticmethod
    def formula(z: Tensor, tail: Tensor) -> tuple[Tensor, Tensor]:
        head = z[..., 0]
        squares = (tail * z * z).sum(-1)
        off_ridge = squares > 0
        # sqrt(0) = 0 without its infinite slope, which autograd would multiply by 0 (NaN)
        root = torch.sqrt(torch.where(off_ridge, squares, 1.0))
        rho = torch.where(off_ridge, root, squares)
        # 100 z_i / rho across the ridge; on it 0, the minimum-norm subgradient
        scale = torch.where(off_ridge, 100.0 / root, 0.0)
        grad = torch.where(tail > 0, scale.unsqueeze(-1) * z, 2.0 * z)
        return head * head + 100.0 * rho, grad


@formula_kernel
class DifferentPowers(PowersLaw, _RotatedFunction, FormulaFunction):
    r"""BBOB f14, the sum of different powers: exponents from 2 to 6 along the axes of a
    rotation, under a square root.

    .. math::

        f_{14}(x) = \sqrt{\sum_{i=0}^{d-1} |z_i|^{2 + 4 \frac{i}{d-1}}} + f_\mathrm{opt},
        \qquad z = R (x - x_\mathrm{opt}),

    with :math:`R` = ``rotation(seed + 1000000)``.

    **Gradient.** With :math:`p_i = 2 + 4 \frac{i}{d-1}` and :math:`S = \sum_i |z_i|^{p_i}`:
    :math:`\nabla f_{14} = R^\top \big(p_i \operatorname{sign}(z_i) |z_i|^{p_i - 1} /
    (2 \sqrt S)\big)_i`, continuous wherever :math:`z \ne 0`. At :math:`x_\mathrm{opt}` the
    function has a kink (:math:`f_{14} \approx |z_0|` along :math:`z_0`); the gradient returned
    there is the minimum-norm subgradient **0**, as autograd through ``forward`` gives.

    Overflow: the sum is formed before the root, as COCO does, so in float32 the energy is
    :math:`+\infty` once a term :math:`|z_i|^{p_i}` exceeds :math:`3.4 \cdot 10^{38}`
    (:math:`|z_i| \gtrsim 10^{6.4}` for :math:`p_i = 6`); wherever :math:`S` overflows the
    analytic gradient is returned as 0 rather than NaN (autograd gives NaN there). In float64
    that happens only beyond :math:`|z_i| \approx 10^{51}`.

    Unimodal, ill-conditioned (its curvature degenerates at the optimum differently along each
    axis), non-smooth at the optimum; the minimum :math:`f_\mathrm{opt}` at
    :math:`x_\mathrm{opt}`, the raw draw.

    Density: :math:`\sqrt{S}` is a :math:`\mathrm{Gamma}(2\alpha, 1)` variable,
    :math:`\alpha = \sum_i 1/p_i`, that scales a point of :math:`\{S = 1\}`: exact draws (for
    :math:`d \le 100`), ``log_partition``, ``mean``, ``stddev`` and ``modes`` in closed form
    (:class:`~ebmcore_bbob._law.PowersLaw`).

    Args:
        dim: dimension :math:`d \ge 2`.
        instance: COCO's instance number (default 1).

    References:
        Hansen et al., INRIA RR-6829 (2009), f14; COCO ``f_different_powers.c``. The sum of
        different powers is Schwefel's (H.-P. Schwefel, *Numerical Optimization of Computer
        Models*, Wiley 1981).

    Example:
        >>> import torch, ebmcore
        >>> f = ebmcore.create("bbob_f14", dim=3, instance=1)
        >>> bool(f(f.x_opt) == f.f_opt), f.gradient(f.x_opt).tolist()
        (True, [0.0, 0.0, 0.0])
    """

    function = 14
    kernel = "bbob_different_powers"
    formula_vectors = ("exponents",)

    exponents: Tensor

    def __init__(self, dim: int = 2, instance: int = 1) -> None:
        super().__init__(dim, instance)
        self.register_constant("exponents", 2.0 + 4.0 * np.arange(self.dim) / (self.dim - 1.0))

    @staticmethod
    def formula(z: Tensor, exponents: Tensor) -> tuple[Tensor, Tensor]:
        nonzero = z != 0
        log_abs = torch.log(torch.where(nonzero, torch.abs(z), 1.0))
        powers = torch.where(nonzero, torch.exp(exponents * log_abs), 0.0)  # |z_i|^p_i
        total = powers.sum(-1)
        positive = total > 0
        root = torch.sqrt(torch.where(positive, total, 1.0))
        # p_i sign(z_i) |z_i|^(p_i - 1) / (2 sqrt S): 0 at z_i = 0 (the subgradient at the
        # optimum) and wherever S overflowed
        grad = torch.where(nonzero, (0.5 / root).unsqueeze(-1) * exponents * (powers / z), 0.0)
        overflow = torch.isinf(total).unsqueeze(-1)
        return torch.where(positive, root, total), torch.where(overflow, 0.0, grad)
