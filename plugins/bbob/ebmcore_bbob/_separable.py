r"""BBOB f1--f5, the separable functions: sphere, ellipsoid, Rastrigin, Büche--Rastrigin and
linear slope.

Each equals COCO's problem ``(function, dim, instance)`` at every point, :math:`f_\mathrm{opt}`
included. Notation of the BBOB definitions: :math:`z = x - x_\mathrm{opt}` before further
transformation, coordinates indexed :math:`i = 0, \dots, d - 1` (COCO's C indexing; the report
counts from 1), :math:`T_\mathrm{osz}`, :math:`T_\mathrm{asy}^\beta`, :math:`\Lambda^\alpha`
and :math:`f_\mathrm{pen}` as in :mod:`ebmcore_bbob._coco`.

References:
    N. Hansen, S. Finck, R. Ros, A. Auger, *Real-Parameter Black-Box Optimization
    Benchmarking 2009: Noiseless Functions Definitions*, INRIA research report RR-6829
    (2009), functions 1--5; COCO, https://github.com/numbbo/coco (``f_sphere.c``,
    ``f_ellipsoid.c``, ``f_rastrigin.c``, ``f_bueche_rastrigin.c``, ``f_linear_slope.c``).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from ebmcore.plugin import GaussianLaw

from . import _coco
from ._base import BBOBFunction, ellipsoid_raw_and_gradient, rastrigin_raw_and_gradient
from ._formula import FormulaFunction, formula_kernel
from ._law import SeparableLaw

__all__ = ["BuecheRastrigin", "EllipsoidSeparable", "LinearSlope", "RastriginSeparable", "Sphere"]


class Sphere(GaussianLaw, BBOBFunction):
    r"""BBOB f1, the sphere function.

    .. math::

        f_1(x) = \lVert x - x_\mathrm{opt} \rVert^2 + f_\mathrm{opt}, \qquad
        \nabla f_1 = 2 (x - x_\mathrm{opt}).

    Unimodal, separable, convex; the minimum :math:`f_\mathrm{opt}` at :math:`x_\mathrm{opt}`.

    Density: :math:`e^{-f_1}/Z = \mathcal N(x_\mathrm{opt}, \tfrac12 I)`, with exact draws,
    ``log_partition``, ``mean``, ``stddev`` and ``modes`` (:class:`ebmcore.plugin.GaussianLaw`).

    Args:
        dim: dimension :math:`d \ge 2`.
        instance: COCO's instance number (default 1).

    References:
        Hansen et al., INRIA RR-6829 (2009), f1; COCO ``f_sphere.c``.

    Example:
        >>> import torch, ebmcore
        >>> f = ebmcore.create("bbob_f1", dim=2, instance=1)
        >>> f.x_opt, f.f_opt
        (tensor([ 0.2528, -1.1568], dtype=torch.float64), 79.48)
        >>> f.energy_and_gradient(torch.zeros(2, dtype=torch.float64))
        (tensor(80.8821, dtype=torch.float64), tensor([-0.5056,  2.3136], dtype=torch.float64))
    """

    function = 1

    def forward(self, x: Tensor) -> Tensor:
        z = self.shifted(x)
        return (z * z).sum(-1) + self.f_opt

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        z = self.shifted(x)
        return (z * z).sum(-1) + self.f_opt, 2.0 * z

    def gaussian_law(self) -> tuple[Tensor, Tensor, float]:
        r""":math:`e^{-f_1}` is :math:`\mathcal N(x_\mathrm{opt}, \tfrac12 I)`: precision 2."""
        return (
            self.x_opt.detach().to("cpu", torch.float64),
            torch.full((self.dim,), 2.0, dtype=torch.float64),
            self.f_opt,
        )


@formula_kernel
class EllipsoidSeparable(SeparableLaw, FormulaFunction):
    r"""BBOB f2, the separable ellipsoid: condition number :math:`10^6`, with oscillations.

    .. math::

        f_2(x) = \sum_{i=0}^{d-1} 10^{6 \frac{i}{d-1}} z_i^2 + f_\mathrm{opt}, \qquad
        z = T_\mathrm{osz}(x - x_\mathrm{opt}),

    :math:`\partial_i f_2 = 2 \cdot 10^{6 i/(d-1)} z_i \, T_\mathrm{osz}'(x_i - x_{\mathrm{opt},i})`.
    :math:`T_\mathrm{osz}` is not differentiable at 0, but :math:`T_\mathrm{osz}(u)^2` is
    (its derivative :math:`2 T_\mathrm{osz}(u) T_\mathrm{osz}'(u)` tends to 0 there), so
    :math:`f_2` is continuously differentiable everywhere, with gradient 0 at
    :math:`x_\mathrm{opt}`.

    Unimodal, separable, ill-conditioned (:math:`10^6`); the minimum :math:`f_\mathrm{opt}`
    at :math:`x_\mathrm{opt}`.

    Density: the coordinates of :math:`x - x_\mathrm{opt}` are independent under
    :math:`e^{-f}`: exact draws, ``log_partition``, ``mean`` and ``stddev`` from one table per
    coordinate, for :math:`d \le 100` (:class:`~ebmcore_bbob._law.SeparableLaw`).

    Args:
        dim: dimension :math:`d \ge 2`.
        instance: COCO's instance number (default 1).

    References:
        Hansen et al., INRIA RR-6829 (2009), f2; COCO ``f_ellipsoid.c``.

    Example:
        >>> import torch, ebmcore
        >>> f = ebmcore.create("bbob_f2", dim=2, instance=1)
        >>> f(f.x_opt), f.gradient(f.x_opt)
        (tensor(-209.8800, dtype=torch.float64), tensor([0., 0.], dtype=torch.float64))
    """

    function = 2
    modes_reach = 1.0  # T_osz is increasing: each term's one critical point is 0
    modes_cells = 2**10
    condition = 1e6
    kernel = "bbob_ellipsoid_separable"
    formula_matrix = None
    formula_vectors = ("x_opt", "weights")

    weights: Tensor

    def __init__(self, dim: int = 2, instance: int = 1) -> None:
        super().__init__(dim, instance)
        self.register_constant("weights", _coco.powers(self.condition, self.dim))

    @staticmethod
    def formula(x: Tensor, x_opt: Tensor, weights: Tensor) -> tuple[Tensor, Tensor]:
        z, dz = _coco.t_osz_and_derivative(x - x_opt)
        raw, grad = ellipsoid_raw_and_gradient(z, weights)
        return raw, grad * dz


@formula_kernel
class RastriginSeparable(SeparableLaw, FormulaFunction):
    r"""BBOB f3, the separable Rastrigin function: :math:`\approx 10^d` local minima, with
    asymmetry, oscillations and conditioning 10.

    .. math::

        f_3(x) = 10 \Big(d - \sum_{i=0}^{d-1} \cos 2\pi z_i\Big) + \lVert z \rVert^2
        + f_\mathrm{opt}, \qquad
        z = \Lambda^{10}\, T_\mathrm{asy}^{0.2}\big(T_\mathrm{osz}(x - x_\mathrm{opt})\big),

    with :math:`\Lambda^{10} = \operatorname{diag}(10^{\frac12 \frac{i}{d-1}})`. Every map is
    coordinatewise, so :math:`\partial_i f_3 = (20\pi \sin 2\pi z_i + 2 z_i)\, \lambda_i\,
    T_\mathrm{asy}'(u_i)\, T_\mathrm{osz}'(x_i - x_{\mathrm{opt},i})` with
    :math:`u = T_\mathrm{osz}(x - x_\mathrm{opt})`. :math:`T_\mathrm{osz}` is not
    differentiable at 0, but there :math:`z_i = 0` and the first factor vanishes, so
    :math:`f_3` is continuously differentiable everywhere, with gradient 0 at
    :math:`x_\mathrm{opt}`.

    Multimodal, separable; the minimum :math:`f_\mathrm{opt}` at :math:`x_\mathrm{opt}`
    (no boundary penalty: COCO adds none to f3).

    Density: the coordinates of :math:`x - x_\mathrm{opt}` are independent under
    :math:`e^{-f}`: exact draws, ``log_partition``, ``mean`` and ``stddev`` from one table per
    coordinate, for :math:`d \le 100` (:class:`~ebmcore_bbob._law.SeparableLaw`).
    Modes: every local minimum of the product law, with its mass, and ``mode_index``. Each
    term's critical points solve :math:`20\pi \sin 2\pi z + 2 z = 0`, so :math:`|z| \le
    10\pi`; as :math:`|T_\mathrm{osz}(t)| \ge |t| e^{-0.098}`, :math:`T_\mathrm{asy}(u) \ge
    u` for :math:`u \ge 1` and :math:`\lambda_i \ge 1`, they lie in :math:`|t| < 10\pi
    e^{0.098} < 36` (``modes_reach``).

    Args:
        dim: dimension :math:`d \ge 2`.
        instance: COCO's instance number (default 1).

    References:
        Hansen et al., INRIA RR-6829 (2009), f3; COCO ``f_rastrigin.c``.

    Example:
        >>> import torch, ebmcore
        >>> f = ebmcore.create("bbob_f3", dim=2, instance=1)
        >>> f(f.x_opt), f.minima.value
        (tensor(-462.0900, dtype=torch.float64), -462.09)
    """

    function = 3
    modes_reach = 36.0  # see the class docstring
    alpha = 10.0
    beta = 0.2
    kernel = "bbob_rastrigin_separable"
    formula_matrix = None
    formula_vectors = ("x_opt", "scales", "asymmetry")

    scales: Tensor

    def __init__(self, dim: int = 2, instance: int = 1) -> None:
        super().__init__(dim, instance)
        self.register_constant("scales", _coco.conditioning(self.alpha, self.dim))

    @staticmethod
    def formula(x: Tensor, x_opt: Tensor, scales: Tensor, asymmetry: Tensor) -> tuple[Tensor, Tensor]:
        u, du = _coco.t_osz_and_derivative(x - x_opt)
        v, dv = _coco.t_asy_weighted_and_derivative(u, asymmetry)
        raw, grad = rastrigin_raw_and_gradient(scales * v)
        return raw, grad * scales * dv * du


@formula_kernel
class BuecheRastrigin(SeparableLaw, FormulaFunction):
    r"""BBOB f4, the Büche--Rastrigin function: a Rastrigin whose positive half-axes of every
    other coordinate are stretched tenfold, with oscillations and a boundary penalty.

    .. math::

        f_4(x) = 10 \Big(d - \sum_{i=0}^{d-1} \cos 2\pi z_i\Big) + \lVert z \rVert^2
        + 100 f_\mathrm{pen}(x) + f_\mathrm{opt}, \qquad
        z_i = s_i\, T_\mathrm{osz}(x_i - x_{\mathrm{opt},i}),

    with :math:`s_i = 10^{\frac12 \frac{i}{d-1}}`, times 10 where :math:`T_\mathrm{osz}(\cdot)
    > 0` and :math:`i` is even (the report's odd 1-based indices). COCO's optimum is the raw
    draw with the absolute value taken on the even coordinates (a step of the 2009 code that
    the report does not state), so those coordinates of :math:`x_\mathrm{opt}` are positive.

    Gradient: :math:`\partial_i f_4 = (20\pi \sin 2\pi z_i + 2 z_i)\, s_i\,
    T_\mathrm{osz}'(x_i - x_{\mathrm{opt},i}) + 200 \operatorname{sign}(x_i)
    \max(0, |x_i| - 5)`. The switch of :math:`s_i` and the non-differentiability of
    :math:`T_\mathrm{osz}` both sit at :math:`z_i = 0`, where the first factor vanishes, and
    :math:`f_\mathrm{pen}` is continuously differentiable (gradient 0 at :math:`|x_i| = 5`), so
    :math:`f_4` is continuously differentiable everywhere, with gradient 0 at
    :math:`x_\mathrm{opt}`; only its curvature jumps, at :math:`x_i = x_{\mathrm{opt},i}`
    (even :math:`i`) and at :math:`|x_i| = 5`.

    Multimodal, separable; the minimum :math:`f_\mathrm{opt}` at :math:`x_\mathrm{opt}`.

    Density: the coordinates of :math:`x - x_\mathrm{opt}` are independent under
    :math:`e^{-f}`: exact draws, ``log_partition``, ``mean`` and ``stddev`` from one table per
    coordinate, for :math:`d \le 100` (:class:`~ebmcore_bbob._law.SeparableLaw`).
    Modes: as f3's, every local minimum with its mass, and ``mode_index``. The boost and the
    scale only enlarge :math:`|z|`, and beyond :math:`|x_i| = 5` the penalty's slope has the
    sign of :math:`t`, as :math:`z`'s term has for :math:`|z| > 10\pi`: every critical point
    lies in :math:`|t| < 36`.

    Args:
        dim: dimension :math:`d \ge 2`.
        instance: COCO's instance number (default 1).

    References:
        Hansen et al., INRIA RR-6829 (2009), f4; COCO ``f_bueche_rastrigin.c``.

    Example:
        >>> import torch, ebmcore
        >>> f = ebmcore.create("bbob_f4", dim=2, instance=1)
        >>> f.x_opt, f.f_opt
        (tensor([2.3408, 2.3000], dtype=torch.float64), -462.09)
    """

    function = 4
    modes_reach = 36.0  # as f3's (see the class docstring)
    penalty = 100.0
    boost = 10.0
    kernel = "bbob_bueche_rastrigin"
    formula_matrix = None
    formula_vectors = ("x_opt", "scales", "boosts")
    x_kernel = "bbob_penalty"
    x_formula = staticmethod(_coco.f_pen_scaled)

    scales: Tensor
    boosts: Tensor
    """A vector the formula reads: 10 on the even coordinates, 1 on the others (a buffer)."""

    def __init__(self, dim: int = 2, instance: int = 1) -> None:
        super().__init__(dim, instance)
        self.register_constant("scales", _coco.conditioning(10.0, self.dim))
        boosts = np.where(np.arange(self.dim) % 2 == 0, self.boost, 1.0)
        self.register_constant("boosts", boosts, persistent=False)

    @classmethod
    def optimum(cls, data: _coco.Instance) -> np.ndarray:
        x_opt = data.x_opt.copy()
        x_opt[::2] = np.abs(x_opt[::2])
        return x_opt

    @staticmethod
    def formula(x: Tensor, x_opt: Tensor, scales: Tensor, boosts: Tensor) -> tuple[Tensor, Tensor]:
        u, du = _coco.t_osz_and_derivative(x - x_opt)
        s = torch.where(u > 0, scales * boosts, scales)  # times 10 on the positive side of even ones
        raw, grad = rastrigin_raw_and_gradient(s * u)
        return raw, grad * s * du


class LinearSlope(BBOBFunction):
    r"""BBOB f5, the linear slope: a plane that falls towards one corner of :math:`[-5, 5]^d`
    and is flat beyond it.

    .. math::

        f_5(x) = \sum_{i=0}^{d-1} \big(5 |s_i| - s_i z_i\big) + f_\mathrm{opt}, \qquad
        z_i = \begin{cases} x_i & x_{\mathrm{opt},i}\, x_i < 25 \\
                            x_{\mathrm{opt},i} & \text{otherwise,} \end{cases}

    with :math:`s_i = \operatorname{sign}(x_{\mathrm{opt},i})\, 10^{\frac{i}{d-1}}` and
    :math:`x_\mathrm{opt} = 5 \operatorname{sign}(\text{raw draw})`, a corner of the box.
    Equivalently, with :math:`\sigma_i = \operatorname{sign}(x_{\mathrm{opt},i})`,
    :math:`f_5(x) = \sum_i |s_i| \max(0, 5 - \sigma_i x_i) + f_\mathrm{opt}`: each term is
    the distance to the optimal face, weighted, which is the form computed.

    Gradient: :math:`-s_i` where :math:`\sigma_i x_i < 5`, and 0 on the flat side
    :math:`\sigma_i x_i \ge 5`. The function has a kink on the face
    :math:`x_i = x_{\mathrm{opt},i}` (slope :math:`-s_i` on the inside, 0 beyond); the gradient
    returned there is **0**, the derivative of the branch COCO evaluates (its boundary
    handling is :math:`x_{\mathrm{opt},i} x_i < 25` strictly) and autograd's through
    ``relu``, so the gradient at :math:`x_\mathrm{opt}` is 0. NaN inputs give NaN energies
    and gradients. The Hessian (``create_graph=True``) is 0.

    Unimodal, separable, linear; the minimum :math:`f_\mathrm{opt}` at :math:`x_\mathrm{opt}`
    and everywhere beyond it (:math:`\sigma_i x_i \ge 5` for all :math:`i`), the only
    minimizer in the box.

    Args:
        dim: dimension :math:`d \ge 2`.
        instance: COCO's instance number (default 1).

    References:
        Hansen et al., INRIA RR-6829 (2009), f5; COCO ``f_linear_slope.c``.

    Example:
        >>> import torch, ebmcore
        >>> f = ebmcore.create("bbob_f5", dim=2, instance=1)
        >>> f.x_opt, f.f_opt
        (tensor([5., 5.], dtype=torch.float64), -9.21)
        >>> f.energy_and_gradient(torch.zeros(2, dtype=torch.float64))
        (tensor(45.7900, dtype=torch.float64), tensor([ -1., -10.], dtype=torch.float64))
    """

    function = 5
    base = 10.0

    signs: Tensor
    slopes: Tensor

    def __init__(self, dim: int = 2, instance: int = 1) -> None:
        super().__init__(dim, instance)
        signs = np.sign(self._minimizer)
        self.register_constant("signs", signs)
        self.register_constant("slopes", signs * _coco.powers(self.base, self.dim))

    @classmethod
    def optimum(cls, data: _coco.Instance) -> np.ndarray:
        return np.where(data.x_opt < 0, -_coco.BOUND, _coco.BOUND)

    def forward(self, x: Tensor) -> Tensor:
        gap = _coco.BOUND - self.cast(self.signs, x) * x  # to the optimal face; <= 0 beyond it
        return (self.cast(self.slopes, x).abs() * torch.relu(gap)).sum(-1) + self.f_opt

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        slopes = self.cast(self.slopes, x)
        gap = _coco.BOUND - self.cast(self.signs, x) * x
        energy = (slopes.abs() * torch.relu(gap)).sum(-1) + self.f_opt
        # on the flat side relu(gap) is 0 with derivative 0, written as a function of x so that
        # create_graph=True differentiates the gradient (to the zero Hessian); NaN in, NaN out
        return energy, torch.where(gap > 0, -slopes, torch.relu(gap))
