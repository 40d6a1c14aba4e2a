r"""BBOB f20--f24, the multimodal functions with weak global structure: Schwefel, Gallagher's
Gaussian peaks (101 and 21), Katsuura and Lunacek's bi-Rastrigin.

Each equals COCO's problem ``(function, dim, instance)`` at every point, :math:`f_\mathrm{opt}`
included. These five draw their instances with rules of their own (read from COCO's C code):
f20 and f24 put the optimum at :math:`\pm` a constant with random signs, f21 and f22 at the
best of their random peaks, f23 at COCO's usual :math:`x_\mathrm{opt}`. Notation as in
:mod:`ebmcore_bbob._multimodal`: coordinates indexed :math:`i = 0, \dots, d - 1`, :math:`R` =
``rotation(seed + 1000000)``, :math:`Q` = ``rotation(seed)`` (COCO's matrices bit
for bit).

References:
    N. Hansen, S. Finck, R. Ros, A. Auger, *Real-Parameter Black-Box Optimization
    Benchmarking 2009: Noiseless Functions Definitions*, INRIA research report RR-6829
    (2009), functions 20--24; COCO, https://github.com/numbbo/coco (``f_schwefel.c``,
    ``f_gallagher.c``, ``f_katsuura.c``, ``f_lunacek_bi_rastrigin.c``,
    ``transform_vars_x_hat.c``, ``transform_vars_z_hat.c``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
from torch import Tensor

from ebmcore import BaseModel
from ebmcore.plugin import cached_while_unchanged

from . import _coco
from ._base import BBOBFunction, rastrigin_lattice_and_gradient
from ._formula import FormulaFunction, formula_kernel
from ._law import SeparableLaw

__all__ = ["Gallagher21", "Gallagher101", "Katsuura", "LunacekBiRastrigin", "Schwefel"]


@formula_kernel
class Schwefel(SeparableLaw, FormulaFunction):
    r"""BBOB f20, the Schwefel function :math:`x \sin\sqrt{|x|}`: its second-best local
    minima lie far from the best one, near the corners of the box.

    .. math::

        f_{20}(x) = \frac{1}{100} \Big(\sum_{i} \max(0, |t_i| - 500)^2 + 418.9828872724339
        - \frac1d \sum_{i=0}^{d-1} t_i \sin\sqrt{|t_i|}\Big) + f_\mathrm{opt},

    with, for :math:`c = 4.2096874637` and the random signs :math:`\sigma_i = \pm 1` (COCO's
    ``transform_vars_x_hat``: :math:`-1` where ``uniform(d, seed)`` is below 1/2):

    .. math::

        \hat x = 2 \sigma \odot x, \quad
        \hat z_0 = \hat x_0, \quad \hat z_i = \hat x_i + \tfrac14 (\hat x_{i-1} - c)
        \; (i \ge 1), \quad
        t = 100 \big(\Lambda^{10} (\hat z - c) + c\big).

    The first sum is the report's :math:`10^2 f_\mathrm{pen}(z / 100)`, a penalty on
    :math:`t`, not on :math:`x`. COCO's optimum is :math:`x_\mathrm{opt} = \frac12
    4.2096874633\, \sigma` (``transform_vars_x_hat``'s "dirty way of setting the best
    parameter"; note the last digits differ from :math:`c`), where :math:`t_i \approx
    420.96874633`, near the maximizer :math:`t^* = 420.96874636\ldots` of :math:`t \sin\sqrt
    t`, whose maximum :math:`418.98288727243371` the constant exceeds by :math:`2 \cdot
    10^{-13}`. So :math:`x_\mathrm{opt}` is a minimizer only to about :math:`10^{-10}`: there
    :math:`f_{20}(x_\mathrm{opt}) - f_\mathrm{opt}` and the gradient are of order
    :math:`10^{-15}` and :math:`10^{-8}`, in COCO as here, and the true minimum exceeds
    :math:`f_\mathrm{opt}` by :math:`2 \cdot 10^{-15}`, the size of the rounding, which can put
    values :math:`10^{-15}` under :math:`f_\mathrm{opt}`.

    Gradient: :math:`\frac{d}{dt} t \sin\sqrt{|t|} = \sin\sqrt{|t|} + \frac12 \sqrt{|t|}
    \cos\sqrt{|t|}` is continuous (0 at :math:`t = 0`, where only the second derivative is
    unbounded) and the penalty is :math:`C^1`, so :math:`f_{20}` is continuously
    differentiable everywhere and the gradient is the exact one, pulled back through the
    triangular map :math:`\hat x \mapsto \hat z` and the signs.

    Multimodal, weakly structured; the minimum :math:`f_\mathrm{opt}` (to rounding) at
    :math:`x_\mathrm{opt}` (to :math:`10^{-10}`).

    Density: the :math:`t_i` are independent under :math:`e^{-f_{20}}`, all with one law: exact
    draws, ``log_partition``, ``mean`` and ``stddev`` from one table of :math:`t`, for
    :math:`d \le 100` (:class:`~ebmcore_bbob._law.SeparableLaw`). Modes: every local minimum
    of the product law (8 per coordinate), with its mass, and ``mode_index``. The slope of a
    term, :math:`0.01 (2 \operatorname{sign}(t) (|t| - 500)_+ - (\sin\sqrt{|t|} + \tfrac12
    \sqrt{|t|} \cos\sqrt{|t|}) / d)`, cannot vanish once :math:`2 (|t| - 500) > 1 +
    \tfrac12 \sqrt{|t|}`, so every critical point lies in :math:`|t| < 508 < 640`
    (``modes_reach``).

    Args:
        dim: dimension :math:`d \ge 2`.
        instance: COCO's instance number (default 1).

    References:
        Hansen et al., INRIA RR-6829 (2009), f20; COCO ``f_schwefel.c``,
        ``transform_vars_x_hat.c``, ``transform_vars_z_hat.c``. H.-P. Schwefel, *Numerical
        Optimization of Computer Models*, Wiley (1981).

    Example:
        >>> import torch, ebmcore
        >>> f = ebmcore.create("bbob_f20", dim=2, instance=1)
        >>> f.x_opt
        tensor([-2.1048,  2.1048], dtype=torch.float64)
        >>> abs(float(f(f.x_opt)) - f.f_opt) < 1e-12
        True
    """

    function = 20
    law_power = 1  # the penalty's kinks at t = +-500 sit on nodes (half-widths 5 times 2^k)
    law_unit = 5.0
    law_cells = 2**16
    law_shared = True
    modes_reach = 640.0  # see the class docstring
    shift = 4.2096874637  # COCO's 2 |x_opt| inside the transformation
    optimum_value = 0.5 * 4.2096874633  # COCO's best_parameter
    constant = 418.9828872724339
    kernel = "bbob_schwefel"
    formula_matrix = None  # no rotation: the formula reads x
    formula_vectors = ("signs", "scales", "head", "body")

    signs: Tensor
    scales: Tensor
    head: Tensor
    """1 for the first coordinate, 0 for the others (a buffer of the formula's)."""

    def __init__(self, dim: int = 2, instance: int = 1) -> None:
        super().__init__(dim, instance)
        self.register_constant("signs", self._signs(self.seed, self.dim))
        self.register_constant("scales", _coco.conditioning(10.0, self.dim))
        self.register_constant("head", np.arange(self.dim) == 0, persistent=False)

    @staticmethod
    def _signs(seed: int, dim: int) -> np.ndarray:
        return np.where(_coco.uniform(dim, seed) - 0.5 < 0.0, -1.0, 1.0)

    @classmethod
    def optimum(cls, data: _coco.Instance) -> np.ndarray:
        return cls._signs(data.seed, data.dim) * cls.optimum_value

    def formula_parameters(self, z: Tensor) -> tuple[float, ...]:
        return self.shift, self.constant

    @staticmethod
    def coordinates(x: Tensor, signs: Tensor, scales: Tensor, head: Tensor, shift: float) -> Tensor:
        r""":math:`t(x)`, in COCO's order of operations: :math:`\hat z_i = \hat x_i + (\hat
        x_{i-1} - c) / 4` from the second coordinate on."""
        y = 2.0 * (signs * x)
        z = torch.where(head > 0, y, y + 0.25 * (torch.roll(y, 1, -1) - shift))
        return 100.0 * (scales * (z - shift) + shift)

    def law_map(self) -> tuple[np.ndarray, np.ndarray]:
        """Separable in :math:`t`, an affine map of :math:`x` (every term the same function of
        its :math:`t_i`): :math:`x = x_0 + B t` with :math:`B` the inverse of the map's
        Jacobian and :math:`x_0` where :math:`t = 0`."""

        def t(x: Tensor) -> Tensor:
            return self.coordinates(x, self.signs, self.scales, self.head, self.shift)

        zero = torch.zeros(self.dim, dtype=torch.float64)
        inverse = np.linalg.inv(torch.func.jacrev(t)(zero).numpy())
        return -inverse @ t(zero).numpy(), inverse

    @staticmethod
    def formula(
        x: Tensor, signs: Tensor, scales: Tensor, head: Tensor, body: Tensor, shift: float, constant: float
    ) -> tuple[Tensor, Tensor]:
        t = Schwefel.coordinates(x, signs, scales, head, shift)
        zero = t == 0
        root = torch.sqrt(torch.where(zero, 1.0, torch.abs(t)))  # 1 where t = 0: safe for autograd
        beyond = torch.abs(t) - 500.0
        excess = torch.where(beyond > 0, beyond, 0.0)
        wave = torch.where(zero, 0.0, t * torch.sin(root))
        d = x.shape[-1]
        raw = 0.01 * ((excess * excess).sum(-1) + constant - wave.sum(-1) / d)
        slope = torch.where(zero, 0.0, torch.sin(root) + 0.5 * root * torch.cos(root))
        grad_t = 0.01 * (2.0 * torch.sign(t) * excess - slope / d)
        grad_z = 100.0 * scales * grad_t
        grad_y = grad_z + torch.where(body > 0, 0.25 * torch.roll(grad_z, -1, -1), 0.0)
        return raw, 2.0 * signs * grad_y


@dataclass(frozen=True)
class Peaks:
    """The random data of a Gallagher instance, as COCO's ``f_gallagher_bbob_problem_allocate``
    draws it (float64 numpy arrays).

    Attributes:
        x_opt: ``(d,)`` the best peak's location, in ``x`` coordinates.
        locations: ``(peaks, d)`` the peaks' locations in rotated coordinates (COCO's
            ``x_local``, transposed): peak ``k`` is at :math:`Q^\\top` ``locations[k]``.
        scales: ``(peaks, d)`` the diagonal conditioning :math:`C_k` of each peak (COCO's
            ``arr_scales``).
        heights: ``(peaks,)`` the peak values :math:`w_k`: 10 for peak 0, then 1.1 to 9.1.
    """

    x_opt: np.ndarray
    locations: np.ndarray
    scales: np.ndarray
    heights: np.ndarray


@functools.lru_cache(maxsize=64)
def gallagher_peaks(seed: int, dim: int, peaks: int) -> Peaks:
    """COCO's Gallagher instance data for ``rseed = seed`` (read the class docstrings).

    COCO's legacy code makes its random permutations by sorting uniform numbers: a rank
    permutation is ``argsort(uniform(n, seed))`` (distinct values, so any sort agrees with C's
    ``qsort``).
    """
    condition = 1000.0
    if peaks == 101:
        first_condition, b, c = math.sqrt(condition), 10.0, 5.0
    else:
        first_condition, b, c = condition, 9.8, 4.9
    order = np.argsort(_coco.uniform(peaks - 1, seed), kind="stable")
    conditions = np.empty(peaks)
    conditions[0] = first_condition
    conditions[1:] = np.power(condition, order / (peaks - 2))
    heights = np.empty(peaks)
    heights[0] = 10.0
    heights[1:] = np.arange(peaks - 1) / (peaks - 2) * (9.1 - 1.1) + 1.1
    scales = np.empty((peaks, dim))
    for k in range(peaks):
        ranks = np.argsort(_coco.uniform(dim, seed + 1000 * k), kind="stable")
        scales[k] = np.power(conditions[k], ranks / (dim - 1) - 0.5)
    draws = b * _coco.uniform(dim * peaks, seed).reshape(peaks, dim) - c
    rotation = _coco.rotation(seed, dim)
    locations = draws @ rotation.T
    locations[0] *= 0.8
    x_opt = 0.8 * draws[0]
    for array in (x_opt, locations, scales, heights):
        array.flags.writeable = False
    return Peaks(x_opt, locations, scales, heights)


def _top_two(scores: Tensor) -> Tensor:
    """``(*batch, 2)`` indices of the two highest of ``scores`` ``(*batch, n)`` on the last axis,
    the first of tied ones first (``argmax``'s rule; a NaN counts as the highest)."""
    first = scores.argmax(-1, keepdim=True)
    second = scores.scatter(-1, first, -math.inf).argmax(-1, keepdim=True)  # (vmap has no scatter_)
    return torch.cat([first, second], -1)


class _Gallagher(BBOBFunction):
    r"""Gallagher's Gaussian peaks function, COCO's ``f_gallagher`` (f21 and f22 set
    ``peaks``)."""

    peaks: ClassVar[int]

    rotation: Tensor
    offsets: Tensor
    scales: Tensor
    heights: Tensor

    def __init__(self, dim: int = 2, instance: int = 1) -> None:
        super().__init__(dim, instance)
        data = gallagher_peaks(self.seed, self.dim, self.peaks)
        self.register_rotation("rotation")
        # the peaks relative to the best one, y_k - y_0 (0 for k = 0): Q x - y_k is computed as
        # Q (x - x_opt) - (y_k - y_0), exactly 0 at x_opt for the best peak
        self.register_constant("offsets", data.locations - data.locations[0])
        self.register_constant("scales", data.scales)
        self.register_constant("heights", data.heights)

    @classmethod
    def optimum(cls, data: _coco.Instance) -> np.ndarray:
        return gallagher_peaks(data.seed, data.dim, cls.peaks).x_opt

    def _ranking(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """The ``(2d, peaks)`` matrix and ``(peaks,)`` bias of the product that scores the peaks
        (see :meth:`_peaks`), in ``x``'s dtype and device; made once and kept while the buffers
        they come from are unchanged."""

        def build() -> tuple[Tensor, Tensor]:
            offsets, scales = self.cast(self.offsets, x), self.cast(self.scales, x)
            rate, scaled = 0.5 / self.dim, scales * offsets
            # [z * z, z] @ [-rate c_k, 2 rate c_k y_k]^T + (log w_k - rate c_k . y_k^2)
            weights = torch.cat([-rate * scales, (2.0 * rate) * scaled], -1)
            bias = torch.log(self.cast(self.heights, x)) - rate * (scaled * offsets).sum(-1)
            return weights.T, bias

        sources = (self.offsets, self.scales, self.heights)
        return cached_while_unchanged(self, ("ranking", x.dtype, x.device), sources, build)

    def _peaks(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """The ``(*batch, 1)`` index of the highest peak (the first of tied ones, as
        ``torch.argmax`` picks), its ``(*batch, d)`` weighted difference :math:`C_k (Q x - y_k)`
        and its value :math:`w_k e^{-q_k / 2d}` ``(*batch,)``, :math:`q_k = (Q x - y_k)^\\top C_k
        (Q x - y_k)`.

        The peaks are ranked without forming the ``(*batch, peaks, d)`` differences: with
        :math:`z = Q x`, :math:`q_k = (z \\odot z)^\\top c_k - 2 z^\\top (c_k \\odot y_k) + c_k^\\top
        (y_k \\odot y_k)`, one ``(batch, 2d) @ (2d, peaks)`` product, gives the scores
        :math:`\\log w_k - q_k / 2d` (in the order of the values). That expansion cancels
        catastrophically near a peak's centre (float32 keeps about 3 digits of :math:`q_k`
        there), so it only selects: the two best-scored peaks are evaluated again exactly, from
        their differences :math:`z - y_k`, and the higher exact value wins (the lower index on an
        exact tie). A near-tie that the expansion's rounding misorders is thus settled exactly;
        only where three peaks tie within that rounding could the pick differ from the exact
        argmax, by a value difference of the rounding's size. No gradient flows through the
        ranking (an index), only through the exact values.
        """
        z = self.shifted(x) @ self.cast(self.rotation, x).T
        offsets, scales = self.cast(self.offsets, x), self.cast(self.scales, x)
        heights = self.cast(self.heights, x)
        rate = 0.5 / self.dim
        ranked = z.detach().reshape(-1, self.dim)
        weights, bias = self._ranking(x)
        scores = torch.addmm(bias, torch.cat([ranked * ranked, ranked], -1), weights)
        candidates = _top_two(scores).reshape(*z.shape[:-1], 2)
        # the candidates' differences (embedding and gather, not indexing: vmap-safe)
        difference = z[..., None, :] - torch.nn.functional.embedding(candidates, offsets)
        weighted = torch.nn.functional.embedding(candidates, scales) * difference
        values = torch.gather(heights.expand(*candidates.shape[:-1], -1), -1, candidates) * torch.exp(
            -rate * (weighted * difference).sum(-1)
        )
        first, second = values.unbind(-1)
        low, high = candidates.unbind(-1)
        pick = ((second > first) | ((second == first) & (high < low)))[..., None].long()  # (*batch, 1)
        index = torch.gather(candidates, -1, pick)
        active = torch.gather(values, -1, pick)[..., 0]
        rows = pick[..., None].expand(*pick.shape, self.dim)
        return index, torch.gather(weighted, -2, rows)[..., 0, :], active

    def forward(self, x: Tensor) -> Tensor:
        _, _, active = self._peaks(x)
        return _coco.t_osz(10.0 - active) ** 2 + _coco.f_pen(x) + self.f_opt

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        _, weighted, active = self._peaks(x)
        y, dy = _coco.t_osz_and_derivative(10.0 - active)
        pen, pen_grad = _coco.f_pen_and_gradient(x)
        energy = y**2 + pen + self.f_opt
        # d active / d (Q x) = -active / d * C_k (Q x - y_k)
        grad_peak = (active * (-1.0 / self.dim))[..., None] * weighted
        grad = (-2.0 * y * dy)[..., None] * (grad_peak @ self.cast(self.rotation, x))
        return energy, grad + pen_grad


class Gallagher101(_Gallagher):
    r"""BBOB f21, Gallagher's Gaussian 101-me peaks function: 101 Gaussian peaks of random
    position, height and orientation-free conditioning; no exploitable global structure.

    .. math::

        f_{21}(x) = T_\mathrm{osz}\Big(10 - \max_{k=0}^{100} w_k \exp\big(-\tfrac{1}{2d}
        (Q x - y_k)^\top C_k (Q x - y_k)\big)\Big)^2 + f_\mathrm{pen}(x) + f_\mathrm{opt},

    with :math:`Q` = ``rotation(seed)`` and, as COCO draws them:

    - heights :math:`w_0 = 10`, :math:`w_k = 1.1 + 8 \frac{k - 1}{99}` (:math:`k \ge 1`);
    - conditionings :math:`C_k = \operatorname{diag}\big(\alpha_k^{\,r_{k,i}/(d-1) - 1/2}\big)`
      with :math:`\alpha_0 = \sqrt{1000}`, :math:`\alpha_k = 1000^{\pi_{k-1}/99}` where
      :math:`\pi` ranks ``uniform(100, seed)`` (:math:`\pi_j` = index of its
      :math:`j`-th smallest), and :math:`r_{k,\cdot}` ranks ``uniform(d, seed + 1000 k)`` the
      same way: COCO's legacy code makes permutations by sorting random numbers;
    - locations :math:`y_k = Q (10 u_k - 5)` with :math:`u_k` the :math:`k`-th block of
      :math:`d` numbers of ``uniform(101 d, seed)``, and :math:`y_0` shrunk by 0.8.

    The optimum is the highest peak: :math:`x_\mathrm{opt} = 0.8 (10 u_0 - 5) \in [-4,
    4]^d` (the point whose rotation is :math:`y_0`), where :math:`10 - w_0 = 0` and
    :math:`f = f_\mathrm{opt}`; everywhere else :math:`10 - \max > 0`.

    Gradient: the gradient of the **active peak** (the one attaining the max), through
    :math:`T_\mathrm{osz}` and :math:`Q`; plus :math:`2 \operatorname{sign}(x_i) \max(0,
    |x_i| - 5)`. Where two peaks tie (a ridge between basins, where :math:`f` has a kink) the
    first in COCO's order is taken, as ``torch.argmax`` does; autograd through ``forward``
    (an index and a gather) gives the same. At :math:`x_\mathrm{opt}`
    :math:`T_\mathrm{osz}(0) = 0` and the gradient is exactly 0. The active peak is found
    without forming all ``peaks`` differences :math:`Q x - y_k` (see ``_peaks``).

    Multimodal, weakly structured; the minimum :math:`f_\mathrm{opt}` at :math:`x_\mathrm{opt}`.

    Args:
        dim: dimension :math:`d \ge 2`.
        instance: COCO's instance number (default 1).

    References:
        Hansen et al., INRIA RR-6829 (2009), f21; COCO ``f_gallagher.c``. M. Gallagher,
        B. Yuan, *A general-purpose tunable landscape generator*, IEEE Transactions on
        Evolutionary Computation 10 (2006).

    Example:
        >>> import torch, ebmcore
        >>> f = ebmcore.create("bbob_f21", dim=2, instance=1)
        >>> float(f(f.x_opt)) == f.f_opt, bool((f.gradient(f.x_opt) == 0).all())
        (True, True)
    """

    function = 21
    peaks = 101


class Gallagher21(_Gallagher):
    r"""BBOB f22, Gallagher's Gaussian 21-hi peaks function: 21 Gaussian peaks, more highly
    conditioned than f21's.

    .. math::

        f_{22}(x) = T_\mathrm{osz}\Big(10 - \max_{k=0}^{20} w_k \exp\big(-\tfrac{1}{2d}
        (Q x - y_k)^\top C_k (Q x - y_k)\big)\Big)^2 + f_\mathrm{pen}(x) + f_\mathrm{opt},

    drawn as :class:`Gallagher101` draws f21 but with 21 peaks: heights :math:`w_0 = 10`,
    :math:`w_k = 1.1 + 8 \frac{k-1}{19}`; conditionings with :math:`\alpha_0 = 1000` and
    :math:`\alpha_k = 1000^{\pi_{k-1}/19}`; locations :math:`y_k = Q (9.8 u_k - 4.9)`,
    :math:`y_0` shrunk by 0.8, so :math:`x_\mathrm{opt} = 0.8 (9.8 u_0 - 4.9) \in [-3.92,
    3.92]^d`. Gradient conventions as f21 (the active peak's, the first of tied peaks; 0 at
    :math:`x_\mathrm{opt}`).

    Multimodal, weakly structured; the minimum :math:`f_\mathrm{opt}` at :math:`x_\mathrm{opt}`.

    Args:
        dim: dimension :math:`d \ge 2`.
        instance: COCO's instance number (default 1).

    References:
        Hansen et al., INRIA RR-6829 (2009), f22; COCO ``f_gallagher.c``. M. Gallagher,
        B. Yuan, IEEE TEC 10 (2006).

    Example:
        >>> import torch, ebmcore
        >>> f = ebmcore.create("bbob_f22", dim=5, instance=3)
        >>> float(f(f.x_opt)) == f.f_opt, bool((f.x_opt.abs() <= 3.92).all())
        (True, True)
    """

    function = 22
    peaks = 21


_KATSUURA_TERMS = 32


def katsuura_formula(terms: int) -> Callable[[Tensor, Tensor, float], tuple[Tensor, Tensor]]:
    """f23's formula (:class:`Katsuura`) with ``terms`` sawtooth terms (COCO's: 32)."""

    def formula(z: Tensor, factors: Tensor, exponent: float) -> tuple[Tensor, Tensor]:
        """The energy without penalty and its gradient in :math:`z`, from the sums :math:`s_i =
        \\sum_{j=1}^{n} |v - [v]| / 2^j`, :math:`v = 2^j z_i` (``n = terms``), and their derivatives
        :math:`\\sum_j \\operatorname{sign}(v - [v])` in :math:`z_i`, 0 at every kink.

        One term at a time on ``(*batch, d)`` tensors, which stay in cache, rather than on the
        ``(*batch, d, n)`` tensor of all terms, which every elementwise step would stream
        through memory. The offsets :math:`o_j = 2^j z - [2^j z]` are computed as :math:`2^j o_0
        - [2^j o_0]` from :math:`o_0 = z - [z]` (the same: :math:`2^j [z]` is an integer). Each
        step is exact (:math:`|2^j o_0| \\le 2^{31}`, and :math:`v - [v]` is exact for every
        float), so each term is COCO's own (where COCO's :math:`2^j z + \\frac12` is exact:
        :math:`|z| < 2^{20}` in float64), the terms are summed in COCO's order, and nothing
        overflows (a huge :math:`z`, an integer, gives 0 from the start; so does an infinite
        one). Rounding half to even instead of COCO's half up changes no term: at a
        half-integer :math:`|o| = \\frac12` either way. Every term comes from :math:`o_0`, not
        from the one before (:math:`o_j = 2 o_{j-1} - [2 o_{j-1}]` is as exact, but
        ``torch.compile`` inlines that chain into expressions that double with every term).

        Each term is written :math:`\\frac12 - |\\frac12 - |o||`, which is :math:`|o|` on
        :math:`[-\\frac12, \\frac12]`, so that autograd through ``forward`` gives the documented
        derivative 0 at the peaks :math:`|o| = \\frac12` too.
        """
        start = torch.where(torch.isinf(z), 0.0, z - torch.round(z))
        total, slope = 0.0 * start, 0.0 * start
        for j in range(1, terms + 1):
            scaled = start * 2.0**j
            offset = scaled - torch.round(scaled)
            room = 0.5 - torch.abs(offset)  # 0 at the peaks
            total = total + 0.5**j * (0.5 - torch.abs(room))
            slope = slope + torch.sign(offset * room)  # sign(o), and 0 at the peaks and troughs
        d = z.shape[-1]
        brackets = 1.0 + factors * total
        # the product ^ exponent, from the logarithms: a float32 product overflows from d ~ 50
        power = torch.exp(exponent * torch.log(brackets).sum(-1))
        outer = 10.0 / d / d * exponent * power
        return 10.0 / d / d * (power - 1.0), outer.unsqueeze(-1) * factors * slope / brackets

    return formula


@formula_kernel
class Katsuura(FormulaFunction):
    r"""BBOB f23, the Katsuura function: a product of sawtooth series, rugged and repetitive at
    every scale down to :math:`2^{-32}`.

    .. math::

        f_{23}(x) = \frac{10}{d^2} \Big(\prod_{i=0}^{d-1} \Big(1 + (i + 1) \sum_{j=1}^{32}
        \frac{|2^j z_i - [2^j z_i]|}{2^j}\Big)^{10 / d^{1.2}} - 1\Big)
        + f_\mathrm{pen}(x) + f_\mathrm{opt}, \qquad
        z = R \Lambda^{100} Q (x - x_\mathrm{opt}),

    :math:`[\cdot]` rounding to the nearest integer. (COCO raises the whole product to
    :math:`10/d^{1.2}`, as written; the report's typesetting puts the power inside.)

    Gradient: the infinite series is continuous and nowhere differentiable, and each of the 32
    terms COCO sums is piecewise linear with kinks where :math:`2^j z_i` is a multiple of
    1/2. The gradient returned is the derivative of the truncated series **term by term**,
    with :math:`\frac{d}{dv} |v - [v]| = \operatorname{sign}(v - [v])` between kinks and
    **0 at every kink** (the mean of the one-sided slopes :math:`\pm 1`, i.e. the symmetric
    derivative; at the troughs, :math:`v` an integer, 0 is also a subgradient), pulled back
    through the product, the power and :math:`R \Lambda^{100} Q`; plus :math:`2
    \operatorname{sign}(x_i) \max(0, |x_i| - 5)`. Away from kinks it is the exact gradient
    of COCO's function (kinks are :math:`2^{-33}` apart in :math:`z`, so only steps below
    that resolve it); ``forward`` writes each term as :math:`\frac12 - |\frac12 - |v - [v]||`
    so that autograd gives the same. At
    :math:`x_\mathrm{opt}` every term sits at a trough and the gradient is exactly 0.

    Multimodal, weakly structured. Every factor is :math:`\ge 1`, and all equal 1 exactly where
    every :math:`2^j z_i` is an integer, i.e. :math:`z \in (\frac12 \mathbb Z)^d`: the minimum
    :math:`f_\mathrm{opt}` is attained at :math:`x_\mathrm{opt}` (:math:`z = 0`) and at every
    point of the box (where the penalty is 0) on that lattice, exponentially many in the
    dimension (in 2-D instance 1, :math:`z = (\frac12, 0)` is one). Their number is not known
    exactly, so ``minima`` is None (ebmcore's ground truth lists every minimizer or counts them
    exactly); ``minimum_value`` is :math:`f_\mathrm{opt}`, and ``x_opt`` the minimizer COCO
    declares.

    Args:
        dim: dimension :math:`d \ge 2`.
        instance: COCO's instance number (default 1).

    References:
        Hansen et al., INRIA RR-6829 (2009), f23; COCO ``f_katsuura.c``. H. Katsuura,
        *Continuous nowhere-differentiable functions -- an application of contraction
        mappings*, The American Mathematical Monthly 98 (1991).

    Example:
        >>> import torch, ebmcore
        >>> f = ebmcore.create("bbob_f23", dim=2, instance=1)
        >>> float(f(f.x_opt)) == f.f_opt == f.minimum_value, f.gradient(f.x_opt)
        (True, tensor([0., 0.], dtype=torch.float64))
        >>> f.minima is None
        True
    """

    function = 23
    condition = 100.0
    # None (the base default): many global minimizers, no exact count (see above); BBOBFunction
    # promises a Minima, which these two cannot keep
    minima = BaseModel.minima  # type: ignore[assignment]

    kernel = "bbob_katsuura"
    x_kernel = "bbob_penalty"
    x_formula = staticmethod(_coco.f_pen_scaled)
    formula_matrix = "folded"
    formula_vectors = ("factors",)
    penalty = 1.0

    folded: Tensor
    factors: Tensor

    def __init__(self, dim: int = 2, instance: int = 1) -> None:
        super().__init__(dim, instance)
        self.register_constant("folded", _coco.rotated_conditioning(self.seed, self.dim, self.condition))
        self.register_constant("factors", np.arange(1, self.dim + 1))
        self.exponent = 10.0 / self.dim**1.2

    def formula_parameters(self, z: Tensor) -> tuple[float, ...]:
        return (self.exponent,)

    formula = staticmethod(katsuura_formula(_KATSUURA_TERMS))  # type: ignore[assignment]


@formula_kernel
class LunacekBiRastrigin(FormulaFunction):
    r"""BBOB f24, Lunacek's bi-Rastrigin function: two funnels, the better one (holding the
    optimum) the smaller, with a rotated, ill-conditioned Rastrigin lattice on top.

    .. math::

        f_{24}(x) = \min\Big(\sum_i (\hat x_i - \mu_0)^2,\; d + s \sum_i (\hat x_i - \mu_1)^2
        \Big) + 10 \Big(d - \sum_{i=0}^{d-1} \cos 2\pi z_i\Big) + 10^4 f_\mathrm{pen}(x)
        + f_\mathrm{opt},

    with :math:`\hat x = 2 \operatorname{sign}(x_\mathrm{opt}) \odot x`, :math:`z = R
    \Lambda^{100} Q (\hat x - \mu_0)`, :math:`\mu_0 = 2.5`, :math:`s = 1 - \frac{1}{2\sqrt{d +
    20} - 8.2}` and :math:`\mu_1 = -\sqrt{(\mu_0^2 - 1)/s}`. COCO's optimum is
    :math:`x_\mathrm{opt} = \frac{\mu_0}{2} \operatorname{sign}(g)`, :math:`g` =
    ``gaussian(d, seed)`` (the raw draw is discarded), where :math:`\hat x = \mu_0` and every
    term vanishes. The penalty factor is :math:`10^4` in COCO's code.

    Gradient: :math:`2 \operatorname{sign}(x_\mathrm{opt}) \odot \big(g_\mathrm{funnel} +
    Q^\top \Lambda^{100} R^\top 20\pi \sin 2\pi z\big) + 2 \cdot 10^4 \operatorname{sign}(x_i)
    \max(0, |x_i| - 5)`, with :math:`g_\mathrm{funnel}` the gradient of the **active funnel**:
    :math:`2 (\hat x - \mu_0)` where the first sum is the smaller or equal (the optimum's
    funnel, also at ties, where :math:`f` has a kink), :math:`2 s (\hat x - \mu_1)` elsewhere.
    ``forward`` takes the minimum with the same rule, so autograd agrees. The gradient at
    :math:`x_\mathrm{opt}` is exactly 0.

    As a :class:`~ebmcore_bbob._formula.FormulaFunction`: the lattice is the formula of
    :math:`z = B (x - x_\mathrm{opt})` with :math:`B = R \Lambda^{100} Q\, 2
    \operatorname{diag}(\operatorname{sign} x_\mathrm{opt})` (as :math:`\hat x - \mu_0 = 2
    \operatorname{sign}(x_\mathrm{opt}) \odot (x - x_\mathrm{opt})` exactly), the funnels and
    the penalty its x formula.

    Multimodal, weakly structured; the minimum :math:`f_\mathrm{opt}` at :math:`x_\mathrm{opt}`.

    Args:
        dim: dimension :math:`d \ge 2`.
        instance: COCO's instance number (default 1).

    References:
        Hansen et al., INRIA RR-6829 (2009), f24; COCO ``f_lunacek_bi_rastrigin.c``.
        M. Lunacek, D. Whitley, A. Sutton, *The impact of global structure on search*,
        PPSN X (2008).

    Example:
        >>> import torch, ebmcore
        >>> f = ebmcore.create("bbob_f24", dim=3, instance=1)
        >>> f.x_opt
        tensor([ 1.2500, -1.2500,  1.2500], dtype=torch.float64)
        >>> float(f(f.x_opt)) == f.f_opt, bool((f.gradient(f.x_opt) == 0).all())
        (True, True)
    """

    function = 24
    mu0 = 2.5
    penalty = 1e4
    kernel = "bbob_lunacek_lattice"
    formula_matrix = "transform"
    x_kernel = "bbob_lunacek_funnels"
    x_vectors = ("signs",)

    signs: Tensor
    transform: Tensor

    def __init__(self, dim: int = 2, instance: int = 1) -> None:
        super().__init__(dim, instance)
        signs = np.sign(self._minimizer)
        self.register_constant("signs", signs)
        lattice = _coco.rotated_conditioning(self.seed, self.dim, 100.0)
        self.register_constant("transform", lattice * (2.0 * signs))
        self.s = 1.0 - 0.5 / (math.sqrt(self.dim + 20) - 4.1)
        self.mu1 = -math.sqrt((self.mu0 * self.mu0 - 1.0) / self.s)

    @classmethod
    def optimum(cls, data: _coco.Instance) -> np.ndarray:
        return np.where(_coco.gaussian(data.dim, data.seed) < 0.0, -0.5 * cls.mu0, 0.5 * cls.mu0)

    def x_parameters(self, x: Tensor) -> tuple[float, ...]:
        return self.mu0, self.mu1, self.s, self.penalty

    @staticmethod
    def x_formula(
        x: Tensor, signs: Tensor, mu0: float, mu1: float, s: float, penalty: float
    ) -> tuple[Tensor, Tensor]:
        # the active funnel: the optimum's where the first sum is the smaller or equal
        x_hat = 2.0 * (signs * x)
        near = x_hat - mu0
        far = x_hat - mu1
        first = (near * near).sum(-1)
        second = x.shape[-1] + s * (far * far).sum(-1)
        active = first <= second
        funnel = torch.where(active, first, second)
        grad_hat = torch.where(active.unsqueeze(-1), 2.0 * near, (2.0 * s) * far)
        outside, outside_grad = _coco.f_pen_scaled(x, penalty)
        return funnel + outside, 2.0 * signs * grad_hat + outside_grad

    # cos(inf) is NaN: 1 instead, where x is infinite (its funnel and penalty are +inf)
    formula = staticmethod(rastrigin_lattice_and_gradient)
