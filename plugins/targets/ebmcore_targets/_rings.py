"""Concentric rings: a radial density with a ring of high density every 2 pi."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from ebmcore import BaseModel, Minima, constraints

__all__ = ["Rings"]

_MAX_RADIUS = 1e4
"""Largest ``radius``: the quadrature of the inner piece uses about ``20 R`` nodes."""
MAX_DIM = 10**6
"""Largest ``dim``: the ground truth holds a few ``(dim,)`` arrays (the outer piece's series
has ``dim`` terms), and it is verified against scipy quadrature up to here."""
_NEGLIGIBLE = 800.0
"""Below ``R (1 - 800 / (d - 1))`` the inner integrand is under ``e^{-800}`` of its value at ``R``."""
_GAUSS_LEGENDRE = np.polynomial.legendre.leggauss(20)
_BOUNDS_LEVEL = 12.0
"""``bounds`` reach at least ``R + 12``, where the density is below ``e^-12`` of its peak."""
_BOUNDS_MASS = 1e-6
"""``bounds`` also reach the radius beyond which the probability mass is this."""

radius_constraint = constraints.Constraint(
    lambda v: constraints.positive.check(v) and v <= _MAX_RADIUS,
    f"a finite real number in (0, {_MAX_RADIUS:g}]",
)


def _logsumexp(a: np.ndarray) -> np.ndarray:
    """``log sum exp`` over the last axis."""
    peak = a.max(axis=-1)
    return peak + np.log(np.exp(a - peak[..., None]).sum(axis=-1))


def _log_tail(power: int, low: np.ndarray, radius: float) -> np.ndarray:
    r"""``log \int_low^\infty t^power e^{R - t} dt`` for ``low > 0``, in closed form.

    :math:`\int_a^\infty t^m e^{R-t} dt = e^{R-a} \sum_{k=0}^{m} \frac{m!}{k!} a^k`, summed in
    log space so that no factorial or power overflows.
    """
    k = np.arange(power + 1)
    log_factorial = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, power + 1)))])  # log k!
    terms = log_factorial[-1] - log_factorial + k * np.log(low)[..., None]
    return radius - low + _logsumexp(terms)


def _inner_density(t: np.ndarray, dim: int, radius: float, offset: float) -> np.ndarray:
    """``(t / R)^(d-1) (cos t + c)``, with ``cos t + c = 2 cos^2(t/2) + (c - 1)``."""
    half = np.cos(0.5 * t)
    return (t / radius) ** (dim - 1) * (2.0 * half * half + (offset - 1.0))


@dataclass(frozen=True)
class _Radial:
    r"""Ground truth of the radius :math:`r = |x|`, whose density is :math:`\propto r^{d-1} f(r)`.

    Attributes:
        log_inner: :math:`\log \int_0^R r^{d-1} (\cos r + c)\, dr` (composite Gauss-Legendre).
        log_outer: :math:`\log \int_R^\infty r^{d-1} e^{R - r}\, dr` (closed form).
        log_mass: :math:`\log \int_0^\infty r^{d-1} f(r)\, dr`, the sum of the two.
        log_second: :math:`\log \int_0^\infty r^{d+1} f(r)\, dr` (for :math:`E[r^2]`).
        inner_mass: the probability of :math:`r \le R`.
        acceptance: the acceptance rate of the inner rejection sampler.
        edges: the panel edges of the quadrature on :math:`[0, R]`.
        cumulative: :math:`\int_0^{e} (t/R)^{d-1} (\cos t + c)\, dt` at each edge :math:`e`.
    """

    dim: int
    radius: float
    offset: float
    log_inner: float
    log_outer: float
    log_mass: float
    log_second: float
    inner_mass: float
    acceptance: float
    edges: np.ndarray
    cumulative: np.ndarray

    def cdf(self, r: np.ndarray) -> np.ndarray:
        """``P(|x| <= r)`` (0 for ``r < 0``, NaN for NaN)."""
        out = np.full(r.shape, math.nan)
        out[r < 0] = 0.0
        out[r == math.inf] = 1.0
        out[(r >= 0) & (r < self.edges[0])] = 0.0  # below e^-800 of the density at R
        inside = (r >= self.edges[0]) & (r <= self.radius)
        if inside.any():
            t = r[inside]
            panels = len(self.edges) - 1
            panel = np.clip(np.searchsorted(self.edges, t, side="right") - 1, 0, panels - 1)
            low = self.edges[panel]
            half = 0.5 * (t - low)
            nodes, weights = _GAUSS_LEGENDRE
            points = low[:, None] + half[:, None] * (1.0 + nodes[None, :])
            density = _inner_density(points, self.dim, self.radius, self.offset)
            partial = (half[:, None] * weights[None, :] * density).sum(-1)
            scale = math.exp((self.dim - 1) * math.log(self.radius) - self.log_mass)
            out[inside] = np.minimum((self.cumulative[panel] + partial) * scale, 1.0)
        outside = (r > self.radius) & (r < math.inf)
        if outside.any():
            out[outside] = -np.expm1(_log_tail(self.dim - 1, r[outside], self.radius) - self.log_mass)
        return out


@functools.lru_cache(maxsize=32)
def _radial(dim: int, radius: float, offset: float) -> _Radial:
    """The radial integrals, by composite Gauss-Legendre on ``[0, R]`` and closed forms beyond.

    The inner integrand :math:`r^{d-1}(\\cos r + c)` is entire; panels no longer than 1 and
    than ``R / 2(d+1)`` (where :math:`(r/R)^{d+1}` changes by at most a factor ``e^{1/2}``)
    with 20 nodes each integrate it to rounding. Powers are taken of ``r / R`` and the scale
    ``R^{d-1}`` is added in log space, so no dimension overflows. In high dimension the
    integrand is negligible (below ``e^{-800}`` of its value at ``R``, since
    :math:`(r/R)^{d-1} \\le e^{-(d-1)(R-r)/R}`) left of ``R (1 - 800/(d-1))``: the panels cover
    only the rest, about 1,600 of them however large ``d``.
    """
    start = max(0.0, radius * (1.0 - _NEGLIGIBLE / (dim - 1))) if dim > 1 else 0.0
    span = radius - start
    panels = max(16, math.ceil(span), math.ceil(2 * (dim + 1) * span / radius))
    edges = np.linspace(start, radius, panels + 1)
    nodes, weights = _GAUSS_LEGENDRE
    half = 0.5 * np.diff(edges)
    t = edges[:-1, None] + half[:, None] * (1.0 + nodes[None, :])
    w = half[:, None] * weights[None, :]
    weighted = w * _inner_density(t, dim, radius, offset)
    cumulative = np.concatenate([[0.0], np.cumsum(weighted.sum(-1))])
    log_r = math.log(radius)
    log_inner = math.log(cumulative[-1]) + (dim - 1) * log_r
    second = float((weighted * (t / radius) ** 2).sum())
    log_inner_second = math.log(second) + (dim + 1) * log_r
    log_outer = float(_log_tail(dim - 1, np.array(radius), radius))
    log_mass = float(np.logaddexp(log_inner, log_outer))
    log_second = float(np.logaddexp(log_inner_second, _log_tail(dim + 1, np.array(radius), radius)))
    # the envelope (1 + c) r^{d-1} on [0, R] has integral (1 + c) R^d / d
    acceptance = math.exp(log_inner - math.log1p(offset) - dim * log_r + math.log(dim))
    return _Radial(
        dim=dim,
        radius=radius,
        offset=offset,
        log_inner=log_inner,
        log_outer=log_outer,
        log_mass=log_mass,
        log_second=log_second,
        inner_mass=math.exp(log_inner - log_mass),
        acceptance=acceptance,
        edges=edges,
        cumulative=cumulative,
    )


@functools.lru_cache(maxsize=32)
def _edge(dim: int, radius: float, offset: float) -> float:
    """``max(R + 12, r*)`` with ``P(|x| > r*) = 1e-6``, by bisection on the closed-form tail."""
    radial = _radial(dim, radius, offset)
    target = math.log(_BOUNDS_MASS) + radial.log_mass

    def log_survival(r: float) -> float:  # log of the unnormalized mass beyond r > R
        return float(_log_tail(dim - 1, np.array(r), radius))

    low = radius + _BOUNDS_LEVEL
    if log_survival(low) <= target:
        return low
    high = 2.0 * low
    while log_survival(high) > target:
        low, high = high, 2.0 * high
    for _ in range(200):
        middle = 0.5 * (low + high)
        if middle in (low, high):
            break
        low, high = (middle, high) if log_survival(middle) > target else (low, middle)
    return high


class Rings(BaseModel):
    r"""Concentric rings: a radial density with a ring of high density every :math:`2\pi`.

    With :math:`r = \lVert x \rVert`, radius :math:`R` and offset :math:`c > 1`,

    .. math::

        f(r) = \begin{cases} \cos r + c, & r \le R, \\ e^{R - r}, & r > R, \end{cases}
        \qquad E(x) = -\log f(\lVert x \rVert),

    .. math::

        \nabla E(x) = \frac{\sin r}{r\,(\cos r + c)}\, x \quad (r \le R), \qquad
        \nabla E(x) = \frac{x}{r} \quad (r > R),

    where :math:`\sin r / r \to 1` at the origin (so :math:`\nabla E \approx x / (1 + c)` there,
    never NaN), and :math:`\cos r + c` is computed as :math:`2\cos^2(r/2) + (c - 1)` so that it
    keeps its digits in the troughs where it is close to :math:`c - 1`.

    The density is high at :math:`r = 0` and on the spheres :math:`r = 2\pi k \le R` (three
    rings with the default :math:`R = 4.5\pi`) and decays exponentially beyond :math:`R`. It is
    continuous where :math:`\cos R + c = 1`: with the defaults :math:`\cos R = 0` and the jump
    of :math:`E` at :math:`R` is :math:`\log c \approx 0.001`; for other radii :math:`E` jumps by
    :math:`\log(\cos R + c)` there (any :math:`R` is allowed; the ground truth stays exact).

    The radius has density proportional to :math:`r^{d-1} f(r)`: the volume element of
    :math:`\mathbb R^d` weighs the outer rings more. The benchmark this target comes from draws
    :math:`r \propto f(r)`, without the :math:`r^{d-1}`, so its samples do not follow
    :math:`e^{-E}` (in 2-D they crowd the centre). Here everything is exact:

    .. math::

        \log Z = \log\Big( S_{d-1} \int_0^\infty r^{d-1} f(r)\, dr \Big), \quad
        S_{d-1} = \frac{2\pi^{d/2}}{\Gamma(d/2)}, \quad
        \int_R^\infty r^{d-1} e^{R-r}\, dr = \sum_{k=0}^{d-1} \frac{(d-1)!}{k!} R^k,

    with the inner integral by Gauss-Legendre quadrature (in 2-D it is
    :math:`c R^2/2 + R \sin R + \cos R - 1`). ``sample()`` draws a uniform direction and the
    radius from its law: the inner piece by rejection from :math:`r = R\,U^{1/d}` (acceptance
    :math:`(\cos r + c)/(1 + c)`, about 57% with the defaults), the outer one as :math:`R + s`
    with :math:`s \propto (R + s)^{d-1} e^{-s}`, a mixture of :math:`\mathrm{Gamma}(k + 1)`.
    :meth:`radial_cdf` is the exact law of :math:`\lVert x \rVert`. The mean is zero and every
    coordinate has variance :math:`E[r^2]/d`.

    The global minimum :math:`E = -\log(1 + c)` is attained at the origin and on every sphere
    :math:`r = 2\pi k \le R`: a continuum of minimizers that :class:`ebmcore.Minima` (an exact
    count) cannot hold, so ``minima`` is None for ``dim >= 2``; :attr:`minimum_value` and
    :attr:`minimum_radii` give them. In 1-D the minimizers are the points :math:`0` and
    :math:`\pm 2\pi k \le R`, all listed. ``modes`` is None: the rings are not isolated modes.

    Args:
        dim: dimension :math:`d`, from 1 to :data:`MAX_DIM` (:math:`10^6`).
        radius: :math:`R`, where the oscillating piece ends, in :math:`(0, 10^4]`.
        offset: :math:`c > 1`, which keeps :math:`f` positive; the troughs have
            :math:`f = c - 1`.

    References:
        D. Blessing, X. Jia, J. Esslinger, F. Vargas, G. Neumann, "Beyond ELBOs: A Large-Scale
        Evaluation of Variational Methods for Sampling", ICML 2024 (the concentric-rings target,
        with R = 4.5 pi and c = 1.001).

    Example:
        >>> import torch, ebmcore
        >>> rings = ebmcore.create("rings")
        >>> rings.energy(torch.tensor([[0.0, 0.0], [3.0, 4.0]], dtype=torch.float64))
        tensor([-0.6936, -0.2505], dtype=torch.float64)
        >>> round(rings.log_partition(), 6)
        6.69228
        >>> x = rings.sample(100_000, generator=torch.Generator().manual_seed(0))
        >>> inside = (x.norm(dim=-1) <= 2 * torch.pi).double().mean()
        >>> round(rings.radial_cdf(2 * torch.pi).item(), 3), round(inside.item(), 2)
        (0.154, 0.16)
    """

    symmetric_about = 0.0  # the density is even: its mean is 0

    arg_constraints = {
        "dim": constraints.integer_interval(1, MAX_DIM),
        "radius": radius_constraint,
        "offset": constraints.greater_than(1.0),
    }

    def __init__(self, dim: int = 2, radius: float = 4.5 * math.pi, offset: float = 1.001) -> None:
        super().__init__(dim, dim=dim, radius=radius, offset=offset)
        self.radius = float(radius)
        self.offset = float(offset)
        self.trough = self.offset - 1.0  # f = 2 cos^2(r/2) + trough inside

    # -- energy -----------------------------------------------------------------------------------

    def _radius(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """``r``, ``r`` with 1 at the origin (safe to divide by) and the origin mask.

        The square root never sees a zero, so autograd through ``forward`` is 0 at the origin
        rather than NaN; NaN in ``x`` gives NaN ``r``.
        """
        squares = torch.linalg.vecdot(x, x)
        origin = squares == 0
        safe = torch.sqrt(torch.where(origin, 1.0, squares))
        return torch.where(origin, 0.0, safe), safe, origin

    def _inner(self, r: Tensor) -> Tensor:
        """``cos r + c`` as ``2 cos^2(r/2) + (c - 1)``."""
        half = torch.cos(0.5 * r)
        return 2.0 * half * half + self.trough

    def forward(self, x: Tensor) -> Tensor:
        r, _, _ = self._radius(x)
        return torch.where(r <= self.radius, -torch.log(self._inner(r)), r - self.radius)

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        r, safe, origin = self._radius(x)
        inside = r <= self.radius
        f = self._inner(r)
        energy = torch.where(inside, -torch.log(f), r - self.radius)
        sinc = torch.where(origin, 1.0, torch.sin(r) / safe)  # sin r / r, 1 at the origin
        scale = torch.where(inside, sinc / f, 1.0 / safe)
        return energy, scale.unsqueeze(-1) * x

    def analytic_gradient(self, x: Tensor) -> Tensor:
        return self.analytic_energy_and_gradient(x)[1]

    # -- ground truth -------------------------------------------------------------------------

    @property
    def radial(self) -> _Radial:
        """The radial integrals (log masses, inner-piece probability, sampler acceptance)."""
        return _radial(self.dim, self.radius, self.offset)

    def log_partition(self) -> float:
        log_sphere = math.log(2.0) + 0.5 * self.dim * math.log(math.pi) - math.lgamma(0.5 * self.dim)
        return log_sphere + self.radial.log_mass

    def radial_cdf(self, r: Tensor | float) -> Tensor:
        """The exact CDF of ``|x|`` under ``exp(-E)/Z``, elementwise (float64, on ``r``'s device)."""
        values = torch.as_tensor(r, dtype=torch.float64)
        out = self.radial.cdf(values.detach().cpu().numpy().astype(np.float64))
        return torch.from_numpy(out).to(values.device)

    @property
    def bounds(self) -> Tensor:
        """Each coordinate in ``±max(R + 12, r*)``, ``r*`` the radius beyond which the mass is 1e-6.

        At ``R + 12`` the density is below ``e^-12`` of its peak; in high dimension most of the
        mass lies beyond ``R`` (the radius tends to a Gamma(d) law) and ``r*`` takes over. The
        cube holds the ball of radius ``r*``, so it holds all but at most 1e-6 of the mass.
        """
        edge = _edge(self.dim, self.radius, self.offset)
        return torch.tensor([[-edge], [edge]], dtype=torch.float64).expand(2, self.dim).clone()

    @property
    def minimum_value(self) -> float:
        """The global minimum of the energy, ``-log(1 + c)``."""
        return -math.log1p(self.offset)

    @property
    def minimum_radii(self) -> tuple[float, ...]:
        """The radii ``2 pi k <= R`` (``k = 0, 1, ...``) of the spheres where the minimum is attained."""
        count = math.floor(self.radius / (2.0 * math.pi)) + 1
        return tuple(r for r in (2.0 * math.pi * k for k in range(count)) if r <= self.radius)

    @property
    def minima(self) -> Minima | None:
        """In 1-D the points ``0, ±2 pi k <= R``; None above (a continuum of minimizers)."""
        if self.dim != 1:
            return None
        radii = self.minimum_radii
        points = [0.0] + [s * r for r in radii[1:] for s in (-1.0, 1.0)]
        return Minima(torch.tensor(points, dtype=torch.float64)[:, None], self.minimum_value)

    @property
    def stddev(self) -> Tensor:
        r""":math:`\sqrt{E[r^2] / d}` for every coordinate (the law is isotropic)."""
        radial = self.radial
        variance = math.exp(radial.log_second - radial.log_mass) / self.dim
        return torch.full((self.dim,), math.sqrt(variance), dtype=torch.float64)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Exact: a uniform direction times a radius drawn piece by piece (see the class docs)."""
        z = torch.randn(n, self.dim, generator=generator, dtype=torch.float64)
        direction = z / torch.linalg.vector_norm(z, dim=-1, keepdim=True)
        inner = torch.rand(n, generator=generator, dtype=torch.float64) < self.radial.inner_mass
        r = torch.empty(n, dtype=torch.float64)
        n_inner = int(inner.sum())
        r[inner] = self._sample_inner(n_inner, generator)
        r[~inner] = self._sample_outer(n - n_inner, generator)
        return (r[:, None] * direction).to(self.dtype)

    # -- helpers ------------------------------------------------------------------------------

    def _sample_inner(self, n: int, generator: torch.Generator | None) -> Tensor:
        """Radii on ``[0, R]`` with density ``∝ r^(d-1) (cos r + c)``: rejection from ``r^(d-1)``."""
        acceptance = self.radial.acceptance
        accepted: list[Tensor] = [torch.empty(0, dtype=torch.float64)]
        have = 0
        while have < n:
            draw = int((n - have) / acceptance * 1.05) + 16
            u = torch.rand(2, draw, generator=generator, dtype=torch.float64)
            r = self.radius * u[0] ** (1.0 / self.dim)
            keep = r[u[1] * (1.0 + self.offset) <= self._inner(r)]
            accepted.append(keep)
            have += len(keep)
        return torch.cat(accepted)[:n]

    def _sample_outer(self, n: int, generator: torch.Generator | None) -> Tensor:
        r"""Radii ``R + s``, :math:`s \propto (R + s)^{d-1} e^{-s}`, as a mixture of Gamma laws.

        Expanding :math:`(R + s)^{d-1}`, the term :math:`\binom{d-1}{k} R^{d-1-k} s^k e^{-s}` has
        mass :math:`\frac{(d-1)!}{(d-1-k)!} R^{d-1-k}` and is a Gamma(k + 1) density.
        """
        k = torch.arange(self.dim, dtype=torch.float64)
        j = self.dim - 1 - k  # the power of R
        log_weight = -torch.lgamma(j + 1.0) + j * math.log(self.radius)
        cumulative = torch.cumsum(torch.softmax(log_weight, 0), 0)
        u = torch.rand(n, generator=generator, dtype=torch.float64)
        component = torch.searchsorted(cumulative, u).clamp_max(self.dim - 1)
        # torch.distributions.Gamma draws from the global RNG; its kernel takes the generator
        s = torch._standard_gamma(k[component] + 1.0, generator=generator)
        return self.radius + s
