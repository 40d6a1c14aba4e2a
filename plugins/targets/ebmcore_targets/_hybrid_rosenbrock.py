"""The hybrid Rosenbrock distribution of Pagani, Wiegand and Nadarajah."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import torch
from torch import Tensor
from torch.nn import functional

from ebmcore import BaseModel, InvalidParameterError, Minima, Modes, constraints

__all__ = ["HybridRosenbrock"]

MOMENT_LEVELS = 7
"""The deepest block length ``n1`` for which :attr:`HybridRosenbrock.mean` and ``stddev`` are
computed: level ``i`` needs the moments of :math:`x_1` up to order :math:`2^i`, in exact rational
arithmetic (0.1 s for ``n1 = 7``, 0.7 s for 8, 7 s for 9)."""


def _positive_or_matrix(value: Any) -> bool:
    if constraints.positive.check(value):
        return True
    return constraints.real_matrix.check(value) and all(v > 0 for row in value for v in row)


_b_constraint = constraints.Constraint(
    _positive_or_matrix, "a finite real number > 0 or an n2 x (n1 - 1) matrix of them"
)


def _gaussian_moments(mean: Fraction, variance: Fraction, order: int) -> list[Fraction]:
    """``E[x^k]`` for ``k = 0..order``, ``x ~ N(mean, variance)``, exactly:
    :math:`\\sum_m \\binom{k}{2m} \\mu^{k-2m} (2m-1)!!\\, s^{2m}`."""
    central = [Fraction(1)]  # E[(x - mean)^(2m)] = (2m - 1)!! variance^m
    for m in range(1, order // 2 + 1):
        central.append(central[-1] * (2 * m - 1) * variance)
    return [
        sum(
            (math.comb(k, 2 * m) * mean ** (k - 2 * m) * central[m] for m in range(k // 2 + 1)),
            Fraction(0),
        )
        for k in range(order + 1)
    ]


def _square_plus_noise(moments: list[Fraction], variance: Fraction, order: int) -> list[Fraction]:
    """``E[y^m]`` for ``m = 0..order``, ``y = x^2 + e``, ``e ~ N(0, variance)`` independent of
    ``x``, from the moments of ``x`` up to ``2 order``: :math:`\\sum_k \\binom mk E[x^{2k}] E[e^{m-k}]`
    (every term is non-negative: no cancellation)."""
    noise = [Fraction(1), Fraction(0)]
    for k in range(2, order + 1):
        noise.append(noise[k - 2] * (k - 1) * variance)
    return [
        sum((math.comb(m, k) * moments[2 * k] * noise[m - k] for k in range(m + 1)), Fraction(0))
        for m in range(order + 1)
    ]


def _as_float(value: Fraction) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _sqrt_as_float(value: Fraction) -> float:
    """``sqrt(value)`` rounded to float64, also where ``value`` itself exceeds float64 (there
    from the integer square root of ``p q`` over ``q``, exact to ``1 / sqrt(p q)`` relative)."""
    try:
        return math.sqrt(float(value))
    except OverflowError:
        return _as_float(Fraction(math.isqrt(value.numerator * value.denominator), value.denominator))


class HybridRosenbrock(BaseModel):
    r"""The hybrid Rosenbrock distribution: ``n2`` Rosenbrock chains of length ``n1`` sharing :math:`x_1`.

    Coordinates are :math:`x_1` followed by the blocks :math:`x_{j,2}, \dots, x_{j,n_1}` for
    :math:`j = 1, \dots, n_2` (block by block), with :math:`x_{j,1} = x_1` for every block, so
    that :math:`d = (n_1 - 1) n_2 + 1`, and

    .. math::

        E(x) = a (x_1 - \mu)^2 + \sum_{j=1}^{n_2} \sum_{i=2}^{n_1} b_{j,i}\,
        \big(x_{j,i} - x_{j,i-1}^2\big)^2,
        \qquad \log Z = \frac d2 \log \pi - \frac12 \log a - \frac12 \sum_{j,i} \log b_{j,i} .

    Read as a directed graph, :math:`x_1 \sim \mathcal N(\mu, \frac1{2a})` and
    :math:`x_{j,i} \mid x_{j,i-1} \sim \mathcal N(x_{j,i-1}^2, \frac1{2 b_{j,i}})`: every
    conditional is Gaussian, which gives the normalizer above and the exact ancestral
    ``sample()``. With :math:`t_{j,i} = 2 b_{j,i} (x_{j,i} - x_{j,i-1}^2)`,

    .. math::

        \partial_{x_{j,i}} E = t_{j,i} - 2 x_{j,i} t_{j,i+1}\ (t_{j,n_1+1} = 0), \qquad
        \partial_{x_1} E = 2a (x_1 - \mu) - 2 x_1 \sum_j t_{j,2} .

    Ground truth: ``log_partition()`` and ``sample()`` as above; the unique stationary point of
    :math:`E` (the residuals vanish one level after the other) is the global minimizer and the
    only mode, :math:`x_1 = \mu`, :math:`x_{j,i} = \mu^{2^{i-1}}`, with :math:`E = 0`;
    ``mean`` and ``stddev`` exactly, from the Gaussian moments pushed through
    :math:`y = x^2 + e` level by level in rational arithmetic (:math:`x_1`: :math:`\mu` and
    :math:`1/\sqrt{2a}`; the second level: mean :math:`\mu^2 + s^2` and variance
    :math:`4\mu^2 s^2 + 2 s^4 + \frac1{2b}` with :math:`s^2 = \frac1{2a}`). Level :math:`i`
    needs moments of order :math:`2^i`, so they are given for ``n1`` up to
    :data:`MOMENT_LEVELS` = 7, and are None beyond, or where a value exceeds float64 (they
    grow like :math:`\mathbb E[x_1^{2^{i-1}}]`: at the defaults the mean of level 6 is already
    5.8e33). The marginals grow heavy tailed down each block (kurtosis 3, 15
    and 195 on the first three levels at the defaults), which is what makes the target hard.

    The defaults are the paper's example: :math:`\mu = 1`, :math:`a = 1/20`,
    :math:`b_{j,i} = 100/20` (the scaled 2-D Rosenbrock kernel of Goodman and Weare), with
    ``n1 = 3``, ``n2 = 2`` (5 dimensions).

    Args:
        n1: block length :math:`n_1 \ge 2`, counting the shared :math:`x_1` (each block adds
            ``n1 - 1`` coordinates). Default 3, or the column count of a matrix ``b`` plus one.
        n2: number of blocks :math:`n_2 \ge 1`. Default 2, or the row count of a matrix ``b``.
        mu: the location :math:`\mu` of :math:`x_1`.
        a: the precision-like :math:`a > 0` (:math:`x_1` has variance :math:`1/(2a)`).
        b: :math:`b_{j,i} > 0`: one number for all, or an ``n2 x (n1 - 1)`` matrix whose row
            ``j`` holds :math:`b_{j,2}, \dots, b_{j,n_1}`.

    References:
        F. Pagani, M. Wiegand and S. Nadarajah, "An n-dimensional Rosenbrock distribution for
        Markov chain Monte Carlo testing", *Scandinavian Journal of Statistics* 49(2), 657-680
        (2022), arXiv:1903.09556 (the hybrid Rosenbrock, its normalizer and direct sampler);
        the authors' code is the CRAN package ``Rosenbrock`` (``dhybrid``, ``rhybrid``).

    Example:
        >>> import torch, ebmcore
        >>> model = ebmcore.create("hybrid_rosenbrock")
        >>> model.dim, round(model.log_partition(), 6)
        (5, 1.140815)
        >>> model.energy(torch.tensor([1.0, 1.0, 1.0, 1.0, 1.0]))
        tensor(0.)
        >>> model.mean[:3]
        tensor([  1.0000,  11.0000, 361.1000], dtype=torch.float64)
    """

    arg_constraints = {
        "n1": constraints.optional(constraints.integer_at_least(2)),
        "n2": constraints.optional(constraints.positive_integer),
        "mu": constraints.real,
        "a": constraints.positive,
        "b": _b_constraint,
    }

    b_matrix: Tensor

    def __init__(
        self, n1: int | None = None, n2: int | None = None, mu: float = 1.0, a: float = 0.05, b: Any = 5.0
    ) -> None:
        args = self.check_args(n1=n1, n2=n2, mu=mu, a=a, b=b)
        rows: Any = args["b"]
        if isinstance(rows, list):
            n2 = len(rows) if n2 is None else n2
            n1 = len(rows[0]) + 1 if n1 is None else n1
            if (len(rows), len(rows[0])) != (n2, n1 - 1):
                allowed = f"a number > 0 or an n2 x (n1 - 1) = {n2} x {n1 - 1} matrix of numbers > 0"
                raise InvalidParameterError("b", b, allowed, energy="HybridRosenbrock")
            matrix = torch.tensor(rows, dtype=torch.float64)
        else:
            n1 = 3 if n1 is None else n1
            n2 = 2 if n2 is None else n2
            matrix = torch.full((n2, n1 - 1), float(rows), dtype=torch.float64)
        super().__init__((n1 - 1) * n2 + 1, n1=n1, n2=n2, mu=mu, a=a, b=b)
        self.n1, self.n2 = int(n1), int(n2)
        self.mu, self.a = float(mu), float(a)
        self._b_rows = [tuple(float(v) for v in row) for row in matrix.tolist()]
        self.register_buffer("b_matrix", matrix)
        self._moments: tuple[Tensor, Tensor] | bool | None = False  # False: not computed yet

    # -- energy and gradient -----------------------------------------------------------------

    def _residuals(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """``x1``, the blocks ``(*batch, n2, n1 - 1)``, the residuals ``x_{j,i} - x_{j,i-1}^2`` and ``b``."""
        x1 = x[..., 0]
        blocks = x[..., 1:].unflatten(-1, (self.n2, self.n1 - 1))
        parent = torch.cat([x1[..., None, None].expand(*x1.shape, self.n2, 1), blocks[..., :-1]], dim=-1)
        return x1, blocks, blocks - parent * parent, self.b_matrix.to(x.dtype)

    def forward(self, x: Tensor) -> Tensor:
        x1, _, r, b = self._residuals(x)
        return self.a * (x1 - self.mu) ** 2 + (b * r * r).sum((-2, -1))

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        x1, blocks, r, b = self._residuals(x)
        energy = self.a * (x1 - self.mu) ** 2 + (b * r * r).sum((-2, -1))
        t = 2.0 * b * r  # dE / dx_{j,i} through its own term
        child = functional.pad(t[..., 1:], (0, 1))  # t_{j,i+1}, zero past the end of a block
        grad_blocks = t - 2.0 * blocks * child
        grad_x1 = (2.0 * self.a) * (x1 - self.mu) - 2.0 * x1 * t[..., 0].sum(-1)
        return energy, torch.cat([grad_x1[..., None], grad_blocks.flatten(-2)], dim=-1)

    def analytic_gradient(self, x: Tensor) -> Tensor:
        return self.analytic_energy_and_gradient(x)[1]

    # -- ground truth --------------------------------------------------------------------------

    @property
    def b_values(self) -> Tensor:
        """:math:`b_{j,i}` as the ``(n2, n1 - 1)`` float64 matrix on the CPU."""
        return torch.tensor(self._b_rows, dtype=torch.float64)

    def _levels(self, first: float, step: Any) -> Tensor:
        """``(dim,)`` values of every coordinate, from ``first`` at :math:`x_1` and
        ``step(previous, j, i)`` along each block."""
        out = [first]
        for j in range(self.n2):
            value = first
            for i in range(self.n1 - 1):
                value = step(value, j, i)
                out.append(value)
        return torch.tensor(out, dtype=torch.float64)

    def log_partition(self) -> float:
        b_logs = sum(math.log(v) for row in self._b_rows for v in row)
        return 0.5 * self.dim * math.log(math.pi) - 0.5 * math.log(self.a) - 0.5 * b_logs

    @property
    def minima(self) -> Minima | None:
        r"""The unique global minimizer :math:`x_1 = \mu`, :math:`x_{j,i} = \mu^{2^{i-1}}`, with
        :math:`E = 0` (None where :math:`\mu^{2^{i-1}}` overflows float64)."""
        point = self._levels(self.mu, lambda v, j, i: v * v)
        if not bool(torch.isfinite(point).all()):
            return None
        return Minima(point.reshape(1, -1), 0.0)

    @property
    def modes(self) -> Modes | None:
        """The single mode (at the minimizer), holding all the mass."""
        minima = self.minima
        return None if minima is None else Modes(minima.points, [1.0])

    @property
    def bounds(self) -> Tensor | None:
        r""":math:`x_1` in :math:`\mu \pm 4 s` (:math:`s = 1/\sqrt{2a}`); each :math:`x_{j,i}`
        spans the squares of its parent's interval widened by 4 of its own conditional
        standard deviations :math:`1/\sqrt{2 b_{j,i}}`.

        A point falls outside only if :math:`x_1` or one conditional noise is beyond 4 standard
        deviations: at most :math:`6.4 \cdot 10^{-5}` of the mass per coordinate. None where the
        squares overflow float64.
        """
        spread = 4.0 / math.sqrt(2.0 * self.a)
        low = [self.mu - spread]
        high = [self.mu + spread]
        for row in self._b_rows:
            lo, hi = low[0], high[0]
            for b in row:
                margin = 4.0 / math.sqrt(2.0 * b)
                squares = (lo * lo, hi * hi)
                lo, hi = (0.0 if lo <= 0.0 <= hi else min(squares)) - margin, max(squares) + margin
                low.append(lo)
                high.append(hi)
        box = torch.tensor([low, high], dtype=torch.float64)
        return box if bool(torch.isfinite(box).all()) else None

    def _exact_moments(self) -> tuple[Tensor, Tensor] | None:
        """``(mean, stddev)``: the Gaussian moments of :math:`x_1` pushed through
        :math:`y = x^2 + e` along each block, exactly (:class:`fractions.Fraction`), rounded once."""
        if self._moments is not False:
            return self._moments  # type: ignore[return-value]
        result: tuple[Tensor, Tensor] | None = None
        if self.n1 <= MOMENT_LEVELS:
            s2 = 1 / (2 * Fraction(self.a))
            x1 = _gaussian_moments(Fraction(self.mu), s2, 2**self.n1)
            means, sds = [self.mu], [math.sqrt(float(s2))]
            per_row: dict[tuple[float, ...], tuple[list[float], list[float]]] = {}
            for row in self._b_rows:
                if row not in per_row:
                    moments, row_means, row_sds = x1, [], []
                    for i, b in enumerate(row):
                        order = 2 ** (self.n1 - 1 - i)
                        moments = _square_plus_noise(moments, 1 / (2 * Fraction(b)), order)
                        row_means.append(_as_float(moments[1]))
                        row_sds.append(_sqrt_as_float(moments[2] - moments[1] ** 2))
                    per_row[row] = (row_means, row_sds)
                means += per_row[row][0]
                sds += per_row[row][1]
            mean = torch.tensor(means, dtype=torch.float64)
            stddev = torch.tensor(sds, dtype=torch.float64)
            if bool(torch.isfinite(mean).all() and torch.isfinite(stddev).all()):
                result = (mean, stddev)
        self._moments = result
        return result

    @property
    def mean(self) -> Tensor | None:
        """The exact mean of every coordinate (None for ``n1 > 7`` or beyond float64; see above)."""
        moments = self._exact_moments()
        return None if moments is None else moments[0].clone()

    @property
    def stddev(self) -> Tensor | None:
        """The exact standard deviation of every coordinate (None likewise)."""
        moments = self._exact_moments()
        return None if moments is None else moments[1].clone()

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        r"""Exact: :math:`x_1 = \mu + z_1/\sqrt{2a}`, then down each block
        :math:`x_{j,i} = x_{j,i-1}^2 + z_{j,i}/\sqrt{2 b_{j,i}}` (all blocks at once)."""
        z = torch.randn(n, self.dim, generator=generator, dtype=torch.float64)
        x1 = self.mu + z[:, 0] / math.sqrt(2.0 * self.a)
        noise = z[:, 1:].unflatten(-1, (self.n2, self.n1 - 1)) / (2.0 * self.b_values).sqrt()
        level = x1[:, None].expand(n, self.n2)
        columns = []
        for i in range(self.n1 - 1):
            level = level * level + noise[:, :, i]
            columns.append(level)
        blocks = torch.stack(columns, dim=-1).flatten(-2)
        return torch.cat([x1[:, None], blocks], dim=-1).to(device=self.device, dtype=self.dtype)
