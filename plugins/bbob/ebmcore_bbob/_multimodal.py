r"""BBOB f15--f19, the multimodal functions with adequate global structure: rotated Rastrigin,
Weierstrass, Schaffer's F7 (conditions 10 and 1000) and the composite Griewank--Rosenbrock F8F2.

Each equals COCO's problem ``(function, dim, instance)`` at every point, :math:`f_\mathrm{opt}`
included. Notation of the BBOB definitions: coordinates indexed :math:`i = 0, \dots, d - 1`
(COCO's C indexing), :math:`R` = ``rotation(seed + 1000000)`` and :math:`Q` =
``rotation(seed)`` (COCO's ``rot1`` and ``rot2``, bit for bit, applied as :math:`z = R
x`), :math:`T_\mathrm{osz}`, :math:`T_\mathrm{asy}^\beta`, :math:`\Lambda^\alpha` and
:math:`f_\mathrm{pen}` as in :mod:`ebmcore_bbob._coco`. Where COCO folds :math:`R \Lambda Q`
into one affine map, so do these (:func:`ebmcore_bbob._coco.rotated_conditioning`), once, in
float64.

Overflow: :math:`T_\mathrm{asy}` grows like :math:`u^{\beta\sqrt u}` and leaves the floating-point
range for :math:`u \gtrsim 10^5` (float64), where COCO's C code returns inf or NaN. f15, f17 and
f18 return :math:`E = +\infty` for every sample where a coordinate of
:math:`T_\mathrm{asy}` exceeds :math:`L = \sqrt{\mathrm{max}} / (16 \sqrt{\alpha}\, d)`
(``max`` the dtype's largest value, :math:`\alpha` the function's condition number;
:math:`L \approx 10^{150}` in float64, :math:`10^{15}` in float32), with the gradient of the
penalty alone (0 for f15): the rest of the function contributes 0, as autograd through
``forward`` gives too. That bound keeps every other sample's energy and gradient finite, in
any dimension, with no inf - inf; beyond it f15's true value exceeds :math:`L^2 \approx
10^{300}`, and COCO returns inf or NaN there.

References:
    N. Hansen, S. Finck, R. Ros, A. Auger, *Real-Parameter Black-Box Optimization
    Benchmarking 2009: Noiseless Functions Definitions*, INRIA research report RR-6829
    (2009), functions 15--19; COCO, https://github.com/numbbo/coco (``f_rastrigin.c``,
    ``f_weierstrass.c``, ``f_schaffers.c``, ``f_griewank_rosenbrock.c``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import torch
from torch import Tensor

from ebmcore import BaseModel

from . import _coco
from ._base import rastrigin_raw_and_gradient
from ._formula import FormulaFunction, formula_kernel

__all__ = [
    "GriewankRosenbrock",
    "RastriginRotated",
    "SchaffersF7",
    "SchaffersF7IllConditioned",
    "Weierstrass",
]

_ROTATION_OFFSET = 1000000
"""COCO's seed offset of ``rot1`` (:math:`R`); ``rot2`` (:math:`Q`) has offset 0."""


def asy_limit(dtype: torch.dtype, condition: float, dim: int) -> float:
    r"""The bound :math:`L = \sqrt{\mathrm{max}} / (16 \sqrt{\alpha}\, d)` on the coordinates of
    :math:`T_\mathrm{asy}` beyond which a sample's energy is :math:`+\infty` (module docstring)."""
    return math.sqrt(torch.finfo(dtype).max) / (16.0 * math.sqrt(condition) * dim)


@formula_kernel
class RastriginRotated(FormulaFunction):
    r"""BBOB f15, the rotated Rastrigin function: :math:`\approx 10^d` local minima in a
    rotated, asymmetric, ill-conditioned (10) and oscillating lattice.

    .. math::

        f_{15}(x) = 10 \Big(d - \sum_{i=0}^{d-1} \cos 2\pi z_i\Big) + \lVert z \rVert^2
        + f_\mathrm{opt}, \qquad
        z = R \Lambda^{10} Q\, T_\mathrm{asy}^{0.2}\big(T_\mathrm{osz}(R (x - x_\mathrm{opt}))\big).

    Gradient: :math:`\nabla f_{15} = R^\top \big(T_\mathrm{osz}'(u) \odot T_\mathrm{asy}'(w)
    \odot Q^\top \Lambda^{10} R^\top (20\pi \sin 2\pi z + 2 z)\big)` with :math:`u = R (x -
    x_\mathrm{opt})`, :math:`w = T_\mathrm{osz}(u)`. :math:`T_\mathrm{osz}` is not
    differentiable at 0, so :math:`f_{15}` is not differentiable on the hyperplanes
    :math:`u_k = 0` through :math:`x_\mathrm{opt}` (a set of measure zero); the gradient
    returned there takes :math:`T_\mathrm{osz}'(0) = 1`, as autograd does. At
    :math:`x_\mathrm{opt}` itself :math:`z = 0` and the gradient is exactly 0. Where
    :math:`T_\mathrm{asy}` overflows (:math:`|x| \gtrsim 10^5`, see the module docstring)
    :math:`E = +\infty` with gradient 0.

    Multimodal, non-separable; the minimum :math:`f_\mathrm{opt}` at :math:`x_\mathrm{opt}`
    (all terms are :math:`\ge 0` and vanish only at :math:`z = 0`). No boundary penalty.

    Args:
        dim: dimension :math:`d \ge 2`.
        instance: COCO's instance number (default 1).

    References:
        Hansen et al., INRIA RR-6829 (2009), f15; COCO ``f_rastrigin.c``
        (``f_rastrigin_rotated_bbob_problem_allocate``). L. A. Rastrigin, *Systems of
        Extremal Control*, Nauka (1974).

    Example:
        >>> import torch, ebmcore
        >>> f = ebmcore.create("bbob_f15", dim=3, instance=1)
        >>> f(f.x_opt) == f.f_opt, f.f_opt
        (tensor(True), 1000.0)
        >>> f.gradient(f.x_opt)
        tensor([0., 0., 0.], dtype=torch.float64)
    """

    function = 15
    alpha = 10.0
    beta = 0.2
    kernel = "bbob_rastrigin"
    formula_matrix = "folded"
    inner_kernel = "bbob_oscillated_asymmetry"
    inner_vectors = ("asymmetry",)

    rotation: Tensor
    folded: Tensor

    def __init__(self, dim: int = 2, instance: int = 1) -> None:
        super().__init__(dim, instance)
        self.register_rotation("rotation", _ROTATION_OFFSET)
        self.register_constant("folded", _coco.rotated_conditioning(self.seed, self.dim, self.alpha))

    def inner_parameters(self, y: Tensor) -> tuple[float, ...]:
        return (asy_limit(y.dtype, self.alpha, self.dim),)

    @staticmethod
    def inner_formula(u: Tensor, asymmetry: Tensor, limit: float) -> tuple[Tensor, Tensor, Tensor]:
        w, dw = _coco.t_osz_and_derivative(u)
        overflow, v, dv = _coco.t_asy_unless_overflow(w, u, asymmetry, limit)
        return overflow, v, dv * dw

    @staticmethod
    def formula(z: Tensor) -> tuple[Tensor, Tensor]:
        return rastrigin_raw_and_gradient(z)


_WEIERSTRASS_TERMS = 12
_WEIERSTRASS_A = tuple(0.5**k for k in range(_WEIERSTRASS_TERMS))
_WEIERSTRASS_B = tuple(3.0**k for k in range(_WEIERSTRASS_TERMS))
_WEIERSTRASS_F0 = 0.0
for _a, _b in zip(_WEIERSTRASS_A, _WEIERSTRASS_B, strict=True):  # COCO's f0, summed in its order
    _WEIERSTRASS_F0 += _a * math.cos(2 * math.pi * _b * 0.5)
del _a, _b


def _octaves(angle: Tensor) -> Iterator[tuple[Tensor, Tensor]]:
    """:math:`\\cos 3^k \\theta` and :math:`\\sin 3^k \\theta` for f16's 12 octaves.

    Each from the last by the triple-angle formula (the cube of :math:`\\cos + i \\sin`): one
    cosine and one sine per coordinate, not 12 of each at arguments up to :math:`10^6`. Its
    rounding grows threefold per octave, to :math:`3^{11}` ulp at the last, as large as the
    rounding of that octave's argument :math:`3^{11} \\theta`, which the direct form takes. In a
    graph that ``torch.compile`` traces, directly: inductor inlines the recurrence's reuse of
    each octave, and its code grows threefold per octave too.
    """
    cosine, sine = torch.cos(angle), torch.sin(angle)
    yield cosine, sine
    for b in _WEIERSTRASS_B[1:]:
        if torch.compiler.is_compiling():
            yield torch.cos(angle * b), torch.sin(angle * b)
        else:
            c2, s2 = cosine * cosine, sine * sine
            cosine, sine = cosine * (c2 - 3.0 * s2), sine * (3.0 * c2 - s2)
            yield cosine, sine


@formula_kernel
class Weierstrass(FormulaFunction):
    r"""BBOB f16, the Weierstrass function: a rugged, repetitive landscape of 12 cosine
    octaves, rotated, with oscillations and a boundary penalty.

    .. math::

        f_{16}(x) = 10 \Big(\frac1d \sum_{i=0}^{d-1} \sum_{k=0}^{11} \tfrac{1}{2^k}
        \cos\big(2\pi 3^k (z_i + \tfrac12)\big) - f_0\Big)^3
        + \frac{10}{d} f_\mathrm{pen}(x) + f_\mathrm{opt},

    with :math:`z = R \Lambda^{1/100} Q\, T_\mathrm{osz}(R (x - x_\mathrm{opt}))` and
    :math:`f_0 = \sum_{k=0}^{11} 2^{-k} \cos(\pi 3^k) = -(2 - 2^{-11})`, the smallest value
    of the inner sum, so that the bracket is :math:`\ge 0`.

    Gradient: the infinite Weierstrass series is continuous and nowhere differentiable, but
    COCO evaluates the **12-term** sum, a smooth (if very rugged) function, and the gradient
    returned is its exact derivative, term by term: :math:`\partial f / \partial z_i =
    -\frac{30}{d} \delta^2 \sum_k 2^{-k}\, 2\pi 3^k \sin\big(2\pi 3^k (z_i + \frac12)\big)`,
    :math:`\delta` the bracket, pulled back through :math:`R \Lambda^{1/100} Q`,
    :math:`T_\mathrm{osz}` and :math:`R`; plus :math:`\frac{20}{d} \operatorname{sign}(x_i)
    \max(0, |x_i| - 5)`. Its third derivative reaches :math:`\sim 10^{16}`, so central
    differences only agree with it at steps :math:`h \lesssim 10^{-9}`. :math:`T_\mathrm{osz}`
    is not differentiable on the hyperplanes :math:`(R (x - x_\mathrm{opt}))_k = 0`, where
    :math:`T_\mathrm{osz}'(0) = 1` is taken (as autograd does); at :math:`x_\mathrm{opt}`
    :math:`\delta = 0` exactly and the gradient is exactly 0.

    Multimodal, non-separable. The minimum :math:`f_\mathrm{opt}` is attained at
    :math:`x_\mathrm{opt}` and, as the report says ("the global optimum is not unique"), not
    only there: :math:`\delta = 0` wherever every :math:`z_i` is an integer (then
    :math:`\cos(2\pi 3^k (z_i + \frac12)) = -1` for every :math:`k`), and inside the box, where
    the penalty is 0, that holds at many points (in 2-D instance 1, :math:`z = (0, 1)` is one).
    Their number is not known exactly, so ``minima`` is None (ebmcore's ground truth lists
    every minimizer or counts them exactly); ``minimum_value`` is :math:`f_\mathrm{opt}`, and
    ``x_opt`` the minimizer COCO declares.

    Args:
        dim: dimension :math:`d \ge 2`.
        instance: COCO's instance number (default 1).

    References:
        Hansen et al., INRIA RR-6829 (2009), f16; COCO ``f_weierstrass.c``. K. Weierstrass
        (1872), as a benchmark in P. N. Suganthan et al., *Problem Definitions and Evaluation
        Criteria for the CEC 2005 Special Session on Real-Parameter Optimization* (2005).

    Example:
        >>> import torch, ebmcore
        >>> f = ebmcore.create("bbob_f16", dim=2, instance=1)
        >>> float(f(f.x_opt)) == f.f_opt == f.minimum_value, f.gradient(f.x_opt)
        (True, tensor([0., 0.], dtype=torch.float64))
        >>> f.minima is None
        True
    """

    function = 16
    condition = 100.0
    # None (the base default): many global minimizers, no exact count (see above); BBOBFunction
    # promises a Minima, which these two cannot keep
    minima = BaseModel.minima  # type: ignore[assignment]

    kernel = "bbob_weierstrass"
    x_kernel = "bbob_penalty"
    x_formula = staticmethod(_coco.f_pen_scaled)
    formula_matrix = "folded"
    inner_kernel = "bbob_oscillation"

    rotation: Tensor
    folded: Tensor

    def __init__(self, dim: int = 2, instance: int = 1) -> None:
        super().__init__(dim, instance)
        self.register_rotation("rotation", _ROTATION_OFFSET)
        self.register_constant(
            "folded", _coco.rotated_conditioning(self.seed, self.dim, 1.0 / self.condition)
        )
        self.penalty = 10.0 / self.dim

    @staticmethod
    def inner_formula(u: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        w, dw = _coco.t_osz_and_derivative(u)
        # +inf (the penalty's limit) where T_osz overflowed, where cos(inf) would give NaN
        overflow = torch.where(torch.isinf(w), math.inf, 0.0).sum(-1)
        flagged = overflow.unsqueeze(-1) > 0
        return overflow, torch.where(flagged, 0.0, w), torch.where(flagged, 0.0, dw)

    @staticmethod
    def formula(z: Tensor) -> tuple[Tensor, Tensor]:
        angle = 2.0 * math.pi * (z + 0.5)
        # sum_k 2^-k cos(3^k angle) and its derivative, from k = 0 (a = b = 1) in COCO's order
        octaves = _octaves(angle)
        cosine, sine = next(octaves)
        series, slope = cosine, 2.0 * math.pi * sine
        for a, b, (cosine, sine) in zip(_WEIERSTRASS_A[1:], _WEIERSTRASS_B[1:], octaves, strict=True):
            series = series + a * cosine
            slope = slope + (a * 2.0 * math.pi * b) * sine
        d = z.shape[-1]
        delta = series.sum(-1) / d - _WEIERSTRASS_F0
        return 10.0 * delta * delta * delta, (-30.0 / d) * (delta * delta).unsqueeze(-1) * slope


@formula_kernel
class SchaffersF7(FormulaFunction):
    r"""BBOB f17, Schaffer's F7 function with condition number 10: rings of ridges whose
    frequency and amplitude fall towards the optimum, rotated and asymmetric.

    .. math::

        f_{17}(x) = \Big(\frac{1}{d - 1} \sum_{i=0}^{d-2} s_i^{1/4} \big(1 + \sin^2(50\,
        s_i^{1/10})\big)\Big)^2 + 10 f_\mathrm{pen}(x) + f_\mathrm{opt},

    with :math:`s_i = z_i^2 + z_{i+1}^2` and :math:`z = \Lambda^{\alpha} Q\,
    T_\mathrm{asy}^{0.5}(R (x - x_\mathrm{opt}))`, :math:`\alpha = 10` (f18 is the same with
    :math:`\alpha = 1000`). This is the report's :math:`\big(\frac{1}{d-1} \sum_i \sqrt{s_i}
    + \sqrt{s_i} \sin^2(50 s_i^{1/5})\big)^2` with its :math:`s_i` written as
    :math:`\sqrt{z_i^2 + z_{i+1}^2}`.

    Gradient: each term :math:`g(s) = s^{1/4}(1 + \sin^2 \theta)`, :math:`\theta = 50
    s^{1/10}`, has :math:`g'(s) = \frac{g(s)}{s}\big(\frac14 + \frac{\theta \sin 2\theta}{10
    (1 + \sin^2\theta)}\big)`, and :math:`\nabla f = \frac{2 m}{d-1} \sum_i g'(s_i) \nabla s_i`
    (:math:`m` the mean in the bracket) pulled back through :math:`\Lambda^\alpha Q`,
    :math:`T_\mathrm{asy}` and :math:`R`, plus :math:`20 \operatorname{sign}(x_i) \max(0,
    |x_i| - 5)`. Where a pair :math:`(z_i, z_{i+1})` is 0 the term is a cusp
    (:math:`s^{1/4} = |(z_i, z_{i+1})|^{1/2}`, infinitely steep from every side, and minimal):
    it contributes **0** to the gradient there, which is what autograd gives too. So the
    gradient at :math:`x_\mathrm{opt}` is 0, although :math:`f` is not differentiable there
    (it grows like :math:`\lVert x - x_\mathrm{opt} \rVert`: a cone). Where
    :math:`T_\mathrm{asy}` overflows (module docstring) :math:`E = +\infty` and the gradient
    is the penalty's alone.

    Multimodal, non-separable; the minimum :math:`f_\mathrm{opt}` at :math:`x_\mathrm{opt}`
    (every term is :math:`\ge 0` and all vanish only at :math:`z = 0`).

    Args:
        dim: dimension :math:`d \ge 2`.
        instance: COCO's instance number (default 1).

    References:
        Hansen et al., INRIA RR-6829 (2009), f17; COCO ``f_schaffers.c``. J. D. Schaffer et
        al., *A study of control parameters affecting online performance of genetic
        algorithms for function optimization*, ICGA (1989).

    Example:
        >>> import torch, ebmcore
        >>> f = ebmcore.create("bbob_f17", dim=2, instance=1)
        >>> float(f(f.x_opt)) == f.f_opt, f.gradient(f.x_opt)
        (True, tensor([0., 0.], dtype=torch.float64))
    """

    function = 17
    condition = 10.0
    beta = 0.5
    penalty = 10.0
    kernel = "bbob_schaffers"
    x_kernel = "bbob_penalty"
    x_formula = staticmethod(_coco.f_pen_scaled)
    formula_matrix = "scaled"
    formula_vectors = ("body",)
    inner_kernel = "bbob_asymmetry"
    inner_vectors = ("asymmetry",)

    rotation: Tensor
    scaled: Tensor

    def __init__(self, dim: int = 2, instance: int = 1) -> None:
        super().__init__(dim, instance)
        self.register_rotation("rotation", _ROTATION_OFFSET)
        q = _coco.rotation(self.seed, self.dim)
        self.register_constant("scaled", _coco.conditioning(self.condition, self.dim)[:, None] * q)

    def inner_parameters(self, y: Tensor) -> tuple[float, ...]:
        return (asy_limit(y.dtype, self.condition, self.dim),)

    inner_formula = staticmethod(_coco.asymmetric)  # type: ignore[assignment]  # (the function f12 shares)

    @staticmethod
    def formula(z: Tensor, body: Tensor) -> tuple[Tensor, Tensor]:
        following = torch.roll(z, -1, -1)  # z_{i+1}
        s = torch.where(body > 0, z * z + following * following, 0.0)
        positive = s > 0  # (1 where s = 0: safe for autograd, masked after)
        safe = torch.where(positive, s, 1.0)
        root = torch.sqrt(torch.sqrt(safe))  # s^(1/4)
        theta = 50.0 * torch.exp(0.1 * torch.log(safe))  # 50 s^(1/10)
        sine = torch.sin(theta)
        pairs = z.shape[-1] - 1
        mean = torch.where(positive, root * (1.0 + sine * sine), 0.0).sum(-1) / pairs
        # g'(s) = s^{-3/4} (1 + sin^2)/4 + s^{1/4} sin(2 theta) theta / (10 s); 0 at the cusp s = 0
        slope = root / safe * (0.25 * (1.0 + sine * sine) + 0.1 * theta * torch.sin(2.0 * theta))
        outer = (2.0 * mean / pairs).unsqueeze(-1) * torch.where(positive, slope, 0.0)  # d E / d s_i
        return mean * mean, 2.0 * outer * z + torch.roll(2.0 * outer * following, 1, -1)


class SchaffersF7IllConditioned(SchaffersF7):
    r"""BBOB f18, Schaffer's F7 function with condition number 1000: f17 with
    :math:`\Lambda^{1000}` in place of :math:`\Lambda^{10}`.

    .. math::

        f_{18}(x) = \Big(\frac{1}{d - 1} \sum_{i=0}^{d-2} s_i^{1/4} \big(1 + \sin^2(50\,
        s_i^{1/10})\big)\Big)^2 + 10 f_\mathrm{pen}(x) + f_\mathrm{opt}, \qquad
        z = \Lambda^{1000} Q\, T_\mathrm{asy}^{0.5}(R (x - x_\mathrm{opt})),

    :math:`s_i = z_i^2 + z_{i+1}^2`. COCO draws f18's instance with f17's seed: the same
    :math:`x_\mathrm{opt}`, :math:`f_\mathrm{opt}`, :math:`R` and :math:`Q` as f17's instance
    of the same number. Gradient and its conventions as :class:`SchaffersF7` (0 from the cusp
    of a pair at 0, so 0 at :math:`x_\mathrm{opt}`; :math:`E = +\infty` and the penalty's
    gradient where :math:`T_\mathrm{asy}` overflows).

    Multimodal, non-separable, moderately ill-conditioned; the minimum :math:`f_\mathrm{opt}`
    at :math:`x_\mathrm{opt}`.

    Args:
        dim: dimension :math:`d \ge 2`.
        instance: COCO's instance number (default 1).

    References:
        Hansen et al., INRIA RR-6829 (2009), f18; COCO ``f_schaffers.c``. J. D. Schaffer et
        al., ICGA (1989).

    Example:
        >>> import torch, ebmcore
        >>> f17 = ebmcore.create("bbob_f17", dim=4, instance=2)
        >>> f18 = ebmcore.create("bbob_f18", dim=4, instance=2)
        >>> torch.equal(f17.x_opt, f18.x_opt), f17.f_opt == f18.f_opt
        (True, True)
    """

    function = 18
    condition = 1000.0


@formula_kernel
class GriewankRosenbrock(FormulaFunction):
    r"""BBOB f19, the composite Griewank--Rosenbrock function F8F2: Griewank's cosine
    ruggedness applied to each term of a rotated Rosenbrock function.

    .. math::

        f_{19}(x) = 10 + \frac{10}{d - 1} \sum_{i=0}^{d-2} \Big(\frac{t_i}{4000} - \cos t_i\Big)
        + f_\mathrm{opt}, \qquad
        t_i = 100 (z_i^2 - z_{i+1})^2 + (1 - z_i)^2, \qquad
        z = \max\!\big(1, \tfrac{\sqrt d}{8}\big) Q x + \tfrac12,

    with :math:`Q` = ``rotation(seed)``. COCO draws no :math:`x_\mathrm{opt}` for f19: the
    optimum is where :math:`z = \mathbf 1`, :math:`x_\mathrm{opt} = Q^\top \mathbf 1 / (2
    \max(1, \sqrt d / 8))`, computed as COCO computes it (column sums of :math:`Q`, in order)
    in COCO's dimensions. Beyond :math:`d = 64`, where the scaling exceeds 1, COCO's
    ``best_parameter`` is :math:`Q^\top \mathbf 1 / 2`, which is not a minimizer (:math:`z =
    (\sqrt d / 8 + 1) / 2`); the declared optimum is the true one there.

    Gradient: :math:`\partial f / \partial z` from :math:`\frac{10}{d-1}(\frac{1}{4000} + \sin
    t_i) \nabla t_i`, pulled back through :math:`Q` (smooth everywhere). At
    :math:`x_\mathrm{opt}` the gradient vanishes up to rounding (:math:`|\nabla f| \sim
    10^{-15}`): the stored :math:`x_\mathrm{opt}` is :math:`Q^\top \mathbf 1 / 2` rounded to
    float64, so :math:`z` is :math:`\mathbf 1` only to rounding, while :math:`f(x_\mathrm{opt})
    = f_\mathrm{opt}` exactly (:math:`\cos t = 1` for :math:`t \sim 10^{-31}`). Where
    :math:`t_i` overflows (float32) :math:`\cos t_i` is taken as 1 and the energy is
    :math:`+\infty`.

    Multimodal, non-separable; the minimum :math:`f_\mathrm{opt}` at :math:`x_\mathrm{opt}`
    (:math:`t/4000 - \cos t \ge -1` with equality only at :math:`t = 0`, and :math:`t_i = 0`
    for all :math:`i` only at :math:`z = \mathbf 1`). No boundary penalty.

    Args:
        dim: dimension :math:`d \ge 2`.
        instance: COCO's instance number (default 1).

    References:
        Hansen et al., INRIA RR-6829 (2009), f19; COCO ``f_griewank_rosenbrock.c``. A. O.
        Griewank, *Generalized descent for global optimization*, JOTA 34 (1981);
        H. H. Rosenbrock, *An automatic method for finding the greatest or least value of a
        function*, The Computer Journal 3 (1960); the composition F8F2 from D. Whitley et
        al., *Evaluating evolutionary algorithms*, Artificial Intelligence 85 (1996).

    Example:
        >>> import torch, ebmcore
        >>> f = ebmcore.create("bbob_f19", dim=2, instance=1)
        >>> float(f(f.x_opt)) == f.f_opt, float(f.gradient(f.x_opt).abs().max()) < 1e-12
        (True, True)
    """

    function = 19
    kernel = "bbob_griewank_rosenbrock"
    formula_matrix = "matrix"
    formula_vectors = ("body",)

    matrix: Tensor

    def __init__(self, dim: int = 2, instance: int = 1) -> None:
        super().__init__(dim, instance)
        self.register_constant("matrix", self._scale(self.dim) * _coco.rotation(self.seed, self.dim))

    @staticmethod
    def _scale(dim: int) -> float:
        """COCO's ``max(1, sqrt(d) / 8)``."""
        return max(1.0, math.sqrt(dim) / 8.0)

    @classmethod
    def optimum(cls, data: _coco.Instance) -> np.ndarray:
        scale = cls._scale(data.dim)
        matrix = _coco.rotation(data.seed, data.dim) * scale
        total = np.zeros(data.dim)
        for row in matrix:  # COCO's column sums, row by row
            total += row
        # COCO stops at total / (2 scale) = Q^T 1 / 2, which is z = 1 only while scale = 1 (d <= 64):
        # the second division (exact while scale = 1) makes it the minimizer in every dimension
        return total / (2.0 * scale) / scale

    def formula_input(
        self, x: Tensor, with_gradient: bool = True, kernel: bool = False
    ) -> tuple[Tensor, None]:
        """:math:`\\max(1, \\sqrt d / 8)\\, Q x`: COCO maps ``x`` itself, not :math:`x -
        x_\\mathrm{opt}`."""
        return x @ self.cast(self.matrix, x).T, None

    @staticmethod
    def formula(y: Tensor, body: Tensor) -> tuple[Tensor, Tensor]:
        z = y + 0.5
        leads = body > 0  # (selects, not products by 0: the last term may be inf)
        c1 = torch.where(leads, z * z - torch.roll(z, -1, -1), 0.0)  # z_i^2 - z_{i+1}
        c2 = torch.where(leads, 1.0 - z, 0.0)
        t = 100.0 * c1 * c1 + c2 * c2
        finite_t = torch.where(torch.isinf(t), 0.0, t)  # cos of an overflowed t taken as 1
        pairs = y.shape[-1] - 1
        terms = torch.where(leads, t / 4000.0 - torch.cos(finite_t), 0.0)
        outer = (10.0 / pairs) * (1.0 / 4000.0 + torch.sin(finite_t))  # d E / d t_i
        leading = outer * (400.0 * c1 * z - 2.0 * c2)
        return 10.0 + 10.0 * terms.sum(-1) / pairs, leading + torch.roll(outer * (-200.0 * c1), 1, -1)
