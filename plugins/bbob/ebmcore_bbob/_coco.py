r"""COCO's instance machinery for the BBOB functions, written once for all 24 of them.

A BBOB problem is a function number ``f`` (1 to 24), a dimension ``d`` and an instance number
``i``. The instance fixes everything random about the problem, and COCO derives it from one
integer seed by its 2009 legacy generators. This module reproduces them, so that every
ebmcore BBOB energy equals COCO's problem ``(f, d, i)`` at every point.

Instance data (numpy, float64, on the CPU, computed once per key and cached):

- :func:`problem_seed` -- COCO's ``rseed`` of a problem: ``f + 10000 i``, with the base ``f``
  replaced by 3 for f4 and by 17 for f18 (:data:`SEED_BASE`). x_opt is drawn with it, and
  the matrices with it plus a fixed offset (the ``R`` of f10, f15 and most rotated functions
  is ``rotation(rseed + 1000000, d)``, f15's ``Q`` is ``rotation(rseed, d)``).
- :func:`uniform` and :func:`gaussian` -- ``bbob2009_unif`` and ``bbob2009_gauss``: a
  Park--Miller generator behind a 32-entry Bays--Durham shuffle, and Box--Muller on it.
- :func:`compute_x_opt` -- ``bbob2009_compute_xopt``: uniform on a grid of step ``8e-4`` in
  :math:`[-4, 4)`, never 0. The function classes adjust it where COCO does (f4, f5, f8, ...).
- :func:`compute_f_opt` -- ``bbob2009_compute_fopt``: a ratio of two Gaussians rounded to
  two decimals and clipped to :math:`[-1000, 1000]`.
- :func:`rotation` -- ``bbob2009_compute_rotation``: Gaussian entries, orthonormalized
  column by column by modified Gram--Schmidt, as COCO does it. ``z = R @ x`` is COCO's
  ``transform_vars_affine`` with this matrix.
- :func:`instance` -- the :class:`Instance` record (seed, raw ``x_opt``, ``f_opt``) of
  ``(f, d, i)``; :func:`powers` and :func:`conditioning` -- the fixed per-coordinate scalings.

Transformations (torch, differentiable, dtype- and device-preserving, elementwise on the last
axis; each with a ``*_and_derivative`` or ``*_and_gradient`` twin for the fused gradients):

- :func:`t_osz` -- :math:`T_\mathrm{osz}`, the oscillation;
- :func:`t_asy` -- :math:`T_\mathrm{asy}^\beta`, the asymmetry (its weights given:
  :func:`t_asy_weighted`);
- :func:`f_pen` -- :math:`f_\mathrm{pen}`, the boundary penalty (per sample, summed).

:math:`\Lambda^\alpha` is the diagonal :func:`conditioning`, applied as a product.

References:
    N. Hansen, S. Finck, R. Ros, A. Auger, *Real-Parameter Black-Box Optimization
    Benchmarking 2009: Noiseless Functions Definitions*, INRIA research report RR-6829
    (2009, updated 2010); COCO, https://github.com/numbbo/coco
    (``code-experiments/src/suite_bbob_legacy_code.c`` and the ``transform_*.c`` files).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

__all__ = [
    "BOUND",
    "MAX_INSTANCE",
    "SEED_BASE",
    "Instance",
    "asy_weights",
    "asymmetric",
    "compute_f_opt",
    "compute_x_opt",
    "conditioning",
    "f_pen",
    "f_pen_and_gradient",
    "f_pen_scaled",
    "gaussian",
    "instance",
    "powers",
    "problem_seed",
    "rotated_conditioning",
    "rotation",
    "t_asy",
    "t_asy_and_derivative",
    "t_asy_unless_overflow",
    "t_asy_weighted",
    "t_asy_weighted_and_derivative",
    "t_osz",
    "t_osz_and_derivative",
    "uniform",
]

MAX_INSTANCE = 2**31 - 1
"""The largest instance number. Up to it, COCO's seed arithmetic in ``bbob2009_unif`` stays
within C's ``int`` and 64-bit ``long``, so this module and COCO agree on every instance (the
tests check the largest)."""

SEED_BASE = {4: 3, 18: 17}
"""Functions whose seed (and ``f_opt``) COCO draws with another function's base number: f4
(Büche--Rastrigin) shares f3's, f18 (Schaffer F7, condition 1000) shares f17's."""

BOUND = 5.0
"""The BBOB region of interest is :math:`[-5, 5]^d`; :func:`f_pen` penalizes the rest."""

# Park--Miller "minimal standard" generator (Schrage's factorization), as in bbob2009_unif
_MODULUS = 2147483647  # 2^31 - 1
_MULTIPLIER = 16807
_QUOTIENT = 127773  # _MODULUS // _MULTIPLIER
_REMAINDER = 2836  # _MODULUS % _MULTIPLIER
_SHUFFLE = 32  # entries of the Bays--Durham table
_TABLE_DIVISOR = 67108865  # state // _TABLE_DIVISOR picks the table entry (0 to 31)


def _next_state(state: int) -> int:
    """One step of COCO's Park--Miller recurrence, with C's integer and double arithmetic.

    COCO divides in double precision and truncates; for the states that occur (``|state| <
    2^53``) Python's correctly rounded ``int / int`` gives the same double, hence the same
    quotient.
    """
    quotient = math.floor(state / _QUOTIENT)
    state = _MULTIPLIER * (state - quotient * _QUOTIENT) - _REMAINDER * quotient
    return state + _MODULUS if state < 0 else state


def uniform(n: int, seed: int) -> np.ndarray:
    """``n`` uniform numbers in ``(0, 1]``, exactly as COCO's ``bbob2009_unif(r, n, seed)``.

    The seed is replaced by its absolute value and raised to at least 1; 40 warm-up steps of
    the Park--Miller recurrence fill a 32-entry shuffle table (the last 32 of them), and each
    output is the table entry picked by the previous output, divided by ``2.147483647e9``. An
    output of exactly 0 becomes ``1e-99``. The recurrence is sequential: this runs a Python
    loop of ``n`` steps (about a microsecond each).

    Args:
        n: how many numbers.
        seed: the seed (any integer up to the seeds of :data:`MAX_INSTANCE`).

    Returns:
        ``(n,)`` float64 array.

    Example:
        >>> uniform(3, 12345).round(6).tolist()
        [0.923121, 0.333147, 0.197888]
    """
    state = max(abs(int(seed)), 1)
    table = [0] * _SHUFFLE
    for step in range(_SHUFFLE + 7, -1, -1):
        state = _next_state(state)
        if step < _SHUFFLE:
            table[step] = state
    current = table[0]
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        state = _next_state(state)
        slot = math.floor(current / _TABLE_DIVISOR)
        if not 0 <= slot < _SHUFFLE:  # unreachable for seeds of valid instances; C would read out of bounds
            raise ValueError(f"seed {seed} leaves COCO's generator range (shuffle slot {slot})")
        current = table[slot]
        table[slot] = state
        value = current / 2.147483647e9
        out[i] = value if value != 0.0 else 1e-99
    return out


def gaussian(n: int, seed: int) -> np.ndarray:
    r"""``n`` standard normal numbers, exactly as COCO's ``bbob2009_gauss(g, n, seed)``.

    Box--Muller on ``u = uniform(2 n, seed)``: :math:`g_k = \sqrt{-2 \log u_k}\,
    \cos(2\pi u_{n+k})`, an exact 0 replaced by ``1e-99``. Computed with the C library's
    ``log``, ``cos`` and ``sqrt`` (Python's :mod:`math`), as COCO is. COCO's static buffers
    cap ``n`` below 3000, and its rotations at ``d <= 44``; this function has no cap.

    Returns:
        ``(n,)`` float64 array.

    Example:
        >>> gaussian(2, 12345).round(6).tolist()
        [0.128639, 1.40844]
    """
    u = uniform(2 * n, seed)
    out = np.empty(n, dtype=np.float64)
    for k in range(n):
        value = math.sqrt(-2 * math.log(u[k])) * math.cos(2 * math.pi * u[n + k])
        out[k] = value if value != 0.0 else 1e-99
    return out


def problem_seed(function: int, instance: int) -> int:
    """COCO's ``rseed`` of problem ``(function, instance)``: ``base + 10000 * instance``, with
    ``base`` the function number except for f4 (3) and f18 (17), see :data:`SEED_BASE`.

    ``x_opt`` is drawn with this seed, and the rotations with it plus a fixed offset
    (``rotation(seed + 1000000, d)`` is the ``R`` of most rotated functions).

    Example:
        >>> problem_seed(8, 3), problem_seed(4, 1)
        (30008, 10003)
    """
    return SEED_BASE.get(function, function) + 10000 * instance


def compute_x_opt(seed: int, dim: int) -> np.ndarray:
    """COCO's ``bbob2009_compute_xopt``: :math:`8 \\lfloor 10^4 u \\rfloor / 10^4 - 4` for
    ``u = uniform(dim, seed)``, an exact 0 replaced by ``-1e-5``.

    This is the raw optimum: several functions transform it (f4 takes the absolute value of
    every other coordinate, f5 keeps only its signs, f8 scales it by 3/4, ...).

    Returns:
        ``(dim,)`` float64 array on a grid of step ``8e-4`` in ``[-4, 4)``.

    Example:
        >>> compute_x_opt(problem_seed(1, 1), 2).tolist()
        [0.2527999999999997, -1.1568]
    """
    x = 8 * np.floor(1e4 * uniform(dim, seed)) / 1e4 - 4
    x[x == 0.0] = -1e-5
    return x


def compute_f_opt(function: int, instance: int) -> float:
    """COCO's ``bbob2009_compute_fopt``: the optimal value of problem ``(function, instance)``.

    With ``s = SEED_BASE.get(function, function) + 10000 * instance`` and ``g1 = gaussian(1,
    s)``, ``g2 = gaussian(1, s + 1)``: ``round(100 * 100 * g1 / g2) / 100`` (rounding half up),
    clipped to ``[-1000, 1000]``. It does not depend on the dimension.

    Example:
        >>> compute_f_opt(1, 1), compute_f_opt(4, 1)
        (79.48, -462.09)
    """
    seed = problem_seed(function, instance)
    g1 = gaussian(1, seed)[0]
    g2 = gaussian(1, seed + 1)[0]
    return min(1000.0, max(-1000.0, math.floor(100.0 * 100.0 * g1 / g2 + 0.5) / 100.0))


def _dot_left_to_right(a: np.ndarray, b: np.ndarray) -> float:
    """``sum(a * b)`` accumulated left to right, as C's ``prod += a[k] * b[k]`` loop does
    (``cumsum`` adds sequentially; ``a @ b`` may use pairwise or vectorized partial sums)."""
    return float(np.cumsum(a * b)[-1])


@functools.lru_cache(maxsize=64)
def rotation(seed: int, dim: int) -> np.ndarray:
    """COCO's ``bbob2009_compute_rotation``: a random ``(dim, dim)`` orthogonal matrix ``R``.

    ``g = gaussian(dim * dim, seed)`` fills ``R`` column by column (``R[i, j] = g[j * dim +
    i]``); then each column ``j``, in order, has its components along the columns before it
    removed one at a time (modified Gram--Schmidt, each projection taken from the updated
    column) and is normalized. COCO applies it as ``z = R @ x``. Cached (read-only result).

    Every dot product is summed left to right, as COCO's C code does: Gram--Schmidt amplifies
    the rounding of its dot products by up to the condition number of the Gaussian matrix (up
    to about ``1e5`` for ``dim <= 40``), so numpy's summation order would differ from COCO's
    matrix by up to about ``1e-11``, and at points where a rotated coordinate is a cancelling
    sum that reaches ``1e-10`` relative in the energy (f11, instance 83, ``dim = 20``); in
    COCO's order the matrices agree with ``cocoex`` bit for bit (``tests/test_f6_f14.py``).

    Args:
        seed: the seed: :func:`problem_seed` plus the function's offset (``+ 1000000`` for
            the ``R`` of f10 and most rotated functions, ``+ 0`` for ``Q``).
        dim: the dimension.

    Returns:
        ``(dim, dim)`` float64 array, read-only.

    Example:
        >>> r = rotation(problem_seed(10, 1) + 1000000, 5)
        >>> bool(np.allclose(r.T @ r, np.eye(5), atol=1e-14))
        True
    """
    matrix = gaussian(dim * dim, seed).reshape(dim, dim).T.copy()
    for j in range(dim):
        column = matrix[:, j]
        for k in range(j):
            column -= _dot_left_to_right(column, matrix[:, k]) * matrix[:, k]
        column /= math.sqrt(_dot_left_to_right(column, column))
    matrix.flags.writeable = False
    return matrix


@dataclass(frozen=True)
class Instance:
    """The random data of one BBOB problem, as COCO draws it.

    Attributes:
        function: the function number, 1 to 24.
        dim: the dimension.
        instance: the instance number, 1 to :data:`MAX_INSTANCE`.
        seed: :func:`problem_seed` ``(function, instance)``, COCO's ``rseed``.
        x_opt: ``(dim,)`` float64 read-only array, the *raw* :func:`compute_x_opt` ``(seed,
            dim)`` (a function class transforms it where COCO does).
        f_opt: :func:`compute_f_opt` ``(function, instance)``, the optimal value.
    """

    function: int
    dim: int
    instance: int
    seed: int
    x_opt: np.ndarray
    f_opt: float


@functools.lru_cache(maxsize=1024)
def instance(function: int, dim: int, instance: int) -> Instance:
    """The :class:`Instance` of BBOB problem ``(function, dim, instance)``, cached.

    Example:
        >>> data = instance(1, 2, 1)
        >>> data.seed, data.x_opt.tolist(), data.f_opt
        (10001, [0.2527999999999997, -1.1568], 79.48)
    """
    seed = problem_seed(function, instance)
    x_opt = compute_x_opt(seed, dim)
    x_opt.flags.writeable = False
    return Instance(function, dim, instance, seed, x_opt, compute_f_opt(function, instance))


def powers(base: float, dim: int) -> np.ndarray:
    """``base ** (i / (dim - 1))`` for ``i = 0, ..., dim - 1``: the geometric per-coordinate
    scalings of BBOB, from 1 to ``base`` (``powers(1e6, d)`` are the ellipsoid's weights,
    ``powers(10, d)`` the linear slope's). Requires ``dim >= 2``.

    Example:
        >>> powers(100.0, 3).tolist()
        [1.0, 10.0, 100.0]
    """
    return np.power(float(base), np.arange(dim, dtype=np.float64) / (dim - 1))


def conditioning(alpha: float, dim: int) -> np.ndarray:
    r"""The diagonal of :math:`\Lambda^\alpha`: :math:`\lambda_i = \alpha^{\frac12 \frac{i}{d-1}}`
    for ``i = 0, ..., dim - 1`` (condition number :math:`\alpha`), as COCO's
    ``transform_vars_conditioning`` computes it.

    Example:
        >>> conditioning(100.0, 3).tolist()
        [1.0, 3.1622776601683795, 10.0]
    """
    return np.power(float(alpha), 0.5 * np.arange(dim, dtype=np.float64) / (dim - 1))


def rotated_conditioning(seed: int, dim: int, alpha: float) -> np.ndarray:
    r"""The matrix :math:`R \Lambda^\alpha Q`, with ``R = rotation(seed + 1000000,
    dim)`` and ``Q = rotation(seed, dim)``: COCO's linear map of f6 (attractive
    sector) and f13 (sharp ridge), which multiply the three together once per instance
    (``z = R Λ Q x``: ``Q`` acts first). The product agrees with COCO's loop to rounding.

    Returns:
        ``(dim, dim)`` float64 array.

    Example:
        >>> m = rotated_conditioning(problem_seed(6, 1), 3, 10.0)
        >>> np.round(np.linalg.svd(m, compute_uv=False) ** 2, 10).tolist()  # Λ^2, rotated
        [10.0, 3.1622776602, 1.0]
    """
    outer = rotation(seed + 1000000, dim)
    inner = rotation(seed, dim)
    return (outer * conditioning(alpha, dim)) @ inner


# -- transformations (torch) ----------------------------------------------------------------------

_OSZ_AMPLITUDE = 0.049  # 0.1 * 0.49: the exponent's amplitude, in the log|x| scale


def _osz_angles(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    r"""Where ``x = 0``, where ``x > 0``, and the angles :math:`c_1 \hat x, c_2 \hat x` with
    :math:`\hat x = \log|x|` (0 where ``x = 0``, so that no branch autograd sees takes
    ``log 0``). Written in the operations ``ebmcore-kernels`` prints as C (the BBOB formulas
    that use it are also C kernels)."""
    zero = x == 0
    positive = x > 0
    log_abs = torch.log(torch.where(zero, 1.0, torch.abs(x)))
    return (
        zero,
        positive,
        torch.where(positive, 10.0 * log_abs, 5.5 * log_abs),
        torch.where(positive, 7.9 * log_abs, 3.1 * log_abs),
    )


def t_osz(x: Tensor) -> Tensor:
    r""":math:`T_\mathrm{osz}`, BBOB's oscillation, elementwise.

    .. math::

        T_\mathrm{osz}(x) = \operatorname{sign}(x) \exp\big(\hat x + 0.049 (\sin c_1 \hat x
        + \sin c_2 \hat x)\big)
        = x \exp\big(0.049 (\sin c_1 \hat x + \sin c_2 \hat x)\big),

    with :math:`\hat x = \log |x|` and :math:`(c_1, c_2) = (10, 7.9)` for :math:`x > 0`,
    :math:`(5.5, 3.1)` for :math:`x < 0`; :math:`T_\mathrm{osz}(0) = 0`. It is odd-like,
    increasing and within a factor :math:`e^{\pm 0.098}` of the identity. Computed in the
    second form; COCO's ``pow(exp(...), 0.1)`` form agrees to rounding wherever it neither
    overflows nor underflows (:math:`10^{-30} < |x| < 10^{30}`).

    Example:
        >>> t_osz(torch.tensor([1.0, -1.0, 0.0]))
        tensor([ 1., -1.,  0.])
    """
    _, _, a1, a2 = _osz_angles(x)
    return x * torch.exp(_OSZ_AMPLITUDE * (torch.sin(a1) + torch.sin(a2)))


def t_osz_and_derivative(x: Tensor) -> tuple[Tensor, Tensor]:
    r""":func:`t_osz` (the same operations) and its derivative, elementwise.

    .. math::

        T_\mathrm{osz}'(x) = e^{0.049 (\sin c_1 \hat x + \sin c_2 \hat x)}
        \big(1 + 0.049 (c_1 \cos c_1 \hat x + c_2 \cos c_2 \hat x)\big) > 0 ,
        \qquad x \ne 0 .

    At :math:`x = 0` the map is continuous but not differentiable: its difference quotient
    :math:`e^{0.049(\dots)}` oscillates in :math:`[e^{-0.098}, e^{0.098}]` without a limit.
    The derivative returned there is **1**, the slope of the identity that
    :math:`T_\mathrm{osz}` oscillates about, which is also what autograd through
    :func:`t_osz` gives. Every BBOB function composes it with a term whose own derivative
    vanishes at 0, so this value never shows in their gradients.

    Returns:
        ``(T_osz(x), T_osz'(x))``, both of ``x``'s shape and dtype.
    """
    zero, positive, a1, a2 = _osz_angles(x)
    wobble = torch.exp(_OSZ_AMPLITUDE * (torch.sin(a1) + torch.sin(a2)))
    cos1, cos2 = torch.cos(a1), torch.cos(a2)
    frequencies = torch.where(positive, 10.0 * cos1 + 7.9 * cos2, 5.5 * cos1 + 3.1 * cos2)
    slope = wobble * (1.0 + _OSZ_AMPLITUDE * frequencies)
    return x * wobble, torch.where(zero, 1.0, slope)


def asy_weights(x: Tensor, beta: float) -> Tensor:
    """The per-coordinate weights :math:`\\beta \\frac{i}{d-1}` of :math:`T_\\mathrm{asy}^\\beta`
    on ``x``'s last axis, in ``x``'s dtype and device."""
    d = x.shape[-1]
    return torch.arange(d, dtype=x.dtype, device=x.device) * beta / (d - 1)


def _asy_power(x: Tensor, weight: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """``x > 0``; ``x`` with 1 elsewhere (no NaN branches for autograd); its square root; the
    exponent :math:`1 + w \\sqrt x`; :math:`\\log x` and :math:`x^{1 + w \\sqrt x}` of that
    ``x``, as ``exp(exponent * log x)`` (operations ``ebmcore-kernels`` prints as C)."""
    positive = x > 0
    safe = torch.where(positive, x, 1.0)
    root = torch.sqrt(safe)
    exponent = 1.0 + weight * root
    log_safe = torch.log(safe)
    return positive, safe, root, exponent, log_safe, torch.exp(exponent * log_safe)


def t_asy(x: Tensor, beta: float) -> Tensor:
    r""":math:`T_\mathrm{asy}^\beta`, BBOB's asymmetry, on the last axis (``d = x.shape[-1]
    >= 2``).

    .. math::

        T_\mathrm{asy}^\beta(x)_i = \begin{cases}
            x_i^{1 + \beta \frac{i}{d-1} \sqrt{x_i}} & x_i > 0 \\ x_i & \text{otherwise}
        \end{cases} \qquad (i = 0, \dots, d-1).

    Example:
        >>> t_asy(torch.tensor([4.0, 4.0, -4.0]), 0.5)
        tensor([ 4.,  8., -4.])
    """
    return t_asy_weighted(x, asy_weights(x, beta))


def t_asy_weighted(x: Tensor, weight: Tensor) -> Tensor:
    r""":math:`T_\mathrm{asy}` with the weights :math:`w_i` given (:func:`asy_weights`):
    :math:`x_i^{1 + w_i \sqrt{x_i}}` for :math:`x_i > 0`, :math:`x_i` otherwise."""
    positive, *_, power = _asy_power(x, weight)
    return torch.where(positive, power, x)


def t_asy_and_derivative(x: Tensor, beta: float) -> tuple[Tensor, Tensor]:
    r""":func:`t_asy` (the same operations) and its derivative, elementwise: see
    :func:`t_asy_weighted_and_derivative`, with :math:`w_i = \beta \frac{i}{d-1}`."""
    return t_asy_weighted_and_derivative(x, asy_weights(x, beta))


def t_asy_weighted_and_derivative(x: Tensor, weight: Tensor) -> tuple[Tensor, Tensor]:
    r""":math:`T_\mathrm{asy}` with the weights :math:`w_i` given (:func:`asy_weights`), and
    its derivative (elementwise: each coordinate maps on its own).

    For :math:`x_i > 0` and :math:`y_i = x_i^{1 + w_i \sqrt{x_i}}`: :math:`y_i' = y_i
    \big(\frac{1 + w_i \sqrt{x_i}}{x_i} + \frac{w_i \log x_i}{2 \sqrt{x_i}}\big)`; 1
    otherwise. The map is :math:`C^1`: both sides have slope 1 at 0.

    Returns:
        ``(T_asy(x), T_asy'(x))``, both of ``x``'s shape and dtype.
    """
    positive, safe, root, exponent, log_safe, y = _asy_power(x, weight)
    slope = y * (exponent / safe + weight * log_safe / (2.0 * root))
    return torch.where(positive, y, x), torch.where(positive, slope, 1.0)


def t_asy_unless_overflow(
    w: Tensor, u: Tensor, asymmetry: Tensor, limit: float
) -> tuple[Tensor, Tensor, Tensor]:
    r""":math:`T_\mathrm{asy}` of ``w`` (weights ``asymmetry``) where no coordinate exceeds
    ``limit`` in magnitude, as an inner formula
    (:class:`~ebmcore_bbob._formula.FormulaFunction`): ``(overflow, T_asy(w), T_asy'(w))``.

    ``overflow`` is :math:`+\infty` in the samples where a coordinate does, except those where
    the input ``u`` has a NaN (NaN in stays NaN out), and 0 elsewhere; in those samples
    :math:`T_\mathrm{asy}` is evaluated at 0 instead, so that no branch autograd sees is inf or
    NaN, and the derivative is 0 (their energy is :math:`+\infty`).
    """
    overflows = torch.where(torch.abs(t_asy_weighted(w, asymmetry)) > limit, math.inf, 0.0).sum(-1)
    nan = torch.where(u != u, 1.0, 0.0).sum(-1)
    overflow = torch.where(nan > 0, 0.0, overflows)
    flagged = overflow.unsqueeze(-1) > 0
    v, dv = t_asy_weighted_and_derivative(torch.where(flagged, 0.0, w), asymmetry)
    return overflow, v, torch.where(flagged, 0.0, dv)


def asymmetric(u: Tensor, asymmetry: Tensor, limit: float) -> tuple[Tensor, Tensor, Tensor]:
    r"""The inner formula :math:`u \mapsto T_\mathrm{asy}(u)` of f12, f17 and f18:
    :func:`t_asy_unless_overflow` of ``u`` itself."""
    return t_asy_unless_overflow(u, u, asymmetry, limit)


def f_pen(x: Tensor) -> Tensor:
    r""":math:`f_\mathrm{pen}`, BBOB's boundary penalty, summed over the last axis.

    .. math::

        f_\mathrm{pen}(x) = \sum_i \max(0, |x_i| - 5)^2 .

    Zero on :math:`[-5, 5]^d`. A function adds it with its factor (100 for f4, f20, f24).

    Example:
        >>> f_pen(torch.tensor([6.0, 0.0, -7.0]))
        tensor(5.)
    """
    beyond = _beyond(x)
    return (beyond * beyond).sum(-1)


def f_pen_and_gradient(x: Tensor) -> tuple[Tensor, Tensor]:
    r""":func:`f_pen` and its gradient :math:`2 \operatorname{sign}(x_i) \max(0, |x_i| - 5)`.

    :math:`f_\mathrm{pen}` is continuously differentiable: at the kink :math:`|x_i| = 5` both
    one-sided derivatives are 0, which is the value returned there. Only the second derivative
    jumps there (from 0 inside to 2 outside).

    Returns:
        ``(f_pen(x), grad)``: ``(*batch,)`` and ``x``'s shape.
    """
    return f_pen_scaled(x, 1.0)


def _beyond(x: Tensor) -> Tensor:
    """:math:`\\operatorname{sign}(x_i) \\max(0, |x_i| - 5)`, exactly: :math:`x` less its nearest
    point of the box (two passes, where the textbook form takes five)."""
    return x - torch.clamp(x, -BOUND, BOUND)


def f_pen_scaled(x: Tensor, factor: float) -> tuple[Tensor, Tensor]:
    r"""``factor`` :math:`\cdot` (:func:`f_pen_and_gradient`), written as a row formula (the
    operations ``ebmcore_kernels._generate.row_kernel`` prints): the x term of the
    :class:`~ebmcore_bbob._formula.FormulaFunction` subclasses with a penalty, and the penalty
    of the others (bit for bit ``factor`` times the value and the gradient: the gradient's 2 is
    exact).

    Example:
        >>> f_pen_scaled(torch.tensor([6.0, 0.0, -7.0]), 10.0)
        (tensor(50.), tensor([ 20.,   0., -40.]))
    """
    beyond = _beyond(x)
    return factor * (beyond * beyond).sum(-1), (2.0 * factor) * beyond
