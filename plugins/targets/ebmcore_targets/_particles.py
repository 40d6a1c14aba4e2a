r"""Particle systems of the sampler literature: DW-4 and Lennard-Jones clusters.

A configuration of :math:`n` particles in :math:`d` dimensions is a flat vector
:math:`x = (x_1, \dots, x_n) \in \mathbb{R}^{n d}`, particle by particle, as sampler codebases
store it (``model.particles(x)`` views it as ``(*batch, n, d)``). Both energies are sums over
pairs of a function of the distance :math:`d_{ij} = |x_i - x_j|` (plus, for Lennard-Jones, a
harmonic term on the distances to the centre of mass), so they are invariant under
translations, rotations, reflections and relabellings of the particles: see
:func:`remove_mean` and :func:`align`. Their global minimizers therefore form a continuum, so
``minima`` is None; where the minimum is known, ``minimum_value`` gives it and
``minimum_configuration`` one configuration that attains it.

Papers disagree on whether the pair sum counts each pair once or twice; ``pair_counting``
makes the choice explicit (``"unique"``: :math:`\sum_{i<j}`, the physical energy;
``"ordered"``: :math:`\sum_{i \ne j}`, every pair twice, as in the code of iDEM).
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import torch
from torch import Tensor

from ebmcore import BaseModel, constraints
from ebmcore.plugin import CertifiedReference, tracing

from ._symmetry import align, remove_mean

__all__ = ["DW4", "LennardJones", "align", "remove_mean"]

PAIR_COUNTING = ("unique", "ordered")
"""The values of ``pair_counting``: each unordered pair once, or each ordered pair (twice)."""

_at_least_two = constraints.Constraint(
    lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 2, "an integer >= 2"
)
_F64 = torch.float64
_UNIQUE = {"temperature": 1.0, "pair_counting": "unique"}
_LJ = {"spatial_dim": 3, "epsilon": 1.0, "r_min": 1.0, "harmonic": 1.0, **_UNIQUE}
REFERENCES: dict[str, dict[str, Any]] = {
    "dw4": {"n_particles": 4, "spatial_dim": 2, "a": 0.0, "b": -4.0, "c": 0.9, "d0": 4.0, **_UNIQUE},
    "lj13": {"n_particles": 13, **_LJ},
    "lj55": {"n_particles": 55, **_LJ},
}
"""The parameters of each shipped reference (``references/<name>.npz``, made and certified by
``scripts/make_particle_reference.py``): the registered defaults of ``dw4``, ``lj13``, ``lj55``."""


class _PairPotential(CertifiedReference, BaseModel):
    """Shared machinery of pair energies: layout, distances, energy and gradient in one pass,
    and the certified reference draws of the parameters listed in :data:`REFERENCES`.

    Subclasses give the pair function through :meth:`_pair_terms` and the prefactor of the sum
    over ordered pairs in ``self._factor``; the energy is
    ``_factor * sum_{i != j} u(d_ij) + one-body terms`` and the gradient follows from the same
    distances.
    """

    _self_distance: ClassVar[float] = 0.0
    """The squared distance :meth:`_pair_terms` sees between a particle and itself: 0, or
    ``inf`` for a pair function that vanishes at infinite distance (it then needs no mask)."""

    symmetries: ClassVar[tuple[str, ...]] = ("permutation", "rotation", "reflection", "translation")
    """The transformations of the particles that leave the energy unchanged: relabelling the
    particles, rotating and reflecting space (the orthogonal group), and translating all of
    them together. :func:`align` compares configurations up to exactly these."""

    def __init__(self, n_particles: int, spatial_dim: int, **config: Any) -> None:
        type(self).check_args(n_particles=n_particles, spatial_dim=spatial_dim)
        super().__init__(
            n_particles * spatial_dim, n_particles=n_particles, spatial_dim=spatial_dim, **config
        )
        self.n_particles = int(n_particles)
        self.spatial_dim = int(spatial_dim)
        self.temperature = float(config["temperature"])
        self.pair_counting = str(config["pair_counting"])
        self._factor = (0.5 if self.pair_counting == "unique" else 1.0) / self.temperature

    # -- layout and symmetry helpers ------------------------------------------------------------

    def particles(self, x: Tensor) -> Tensor:
        """View flat configurations ``(*batch, n * d)`` as positions ``(*batch, n, d)``.

        ``n`` is ``n_particles`` and ``d`` is ``spatial_dim``; the inverse is ``p.flatten(-2)``.
        """
        return x.reshape(*x.shape[:-1], self.n_particles, self.spatial_dim)

    def pair_distances(self, x: Tensor) -> Tensor:
        r"""The :math:`n (n - 1) / 2` distances :math:`d_{ij}`, :math:`i < j`, row by row.

        Shape ``(*batch, n (n - 1) / 2)``. Their histogram is the usual summary of samples of
        these targets; sorted, they are invariant under every declared symmetry.
        """
        self.check_input(x)
        p = self.particles(x)
        i, j = torch.triu_indices(self.n_particles, self.n_particles, 1, device=x.device)
        return (p[..., i, :] - p[..., j, :]).square().sum(-1).sqrt()

    def remove_mean(self, x: Tensor) -> Tensor:
        """Configurations with their centre of mass moved to the origin (see :func:`remove_mean`)."""
        return remove_mean(x, self.n_particles, self.spatial_dim)

    def align(self, x: Tensor, y: Tensor, **options: bool) -> tuple[Tensor, Tensor]:
        """``y`` aligned onto ``x`` up to the declared symmetries, and the RMSD (see :func:`align`)."""
        return align(x, y, self.n_particles, self.spatial_dim, **options)

    # -- energy and gradient ------------------------------------------------------------------

    def _pair_terms(self, s: Tensor, diagonal: Tensor, gradient: bool) -> tuple[Tensor, Tensor | None]:
        """``u(d_ij)`` and ``u'(d_ij) / d_ij`` from squared distances ``s`` (``(*batch, n, n)``).

        ``s`` is :attr:`_self_distance` on the diagonal (``diagonal``). Both results must be 0
        there; the second is only needed when ``gradient`` is set.
        """
        raise NotImplementedError

    def _one_body(self, p: Tensor, gradient: bool) -> tuple[Tensor, Tensor | None] | None:
        """Energy and gradient of terms on single particles, or None where there are none."""
        return None

    def _evaluate(self, x: Tensor, gradient: bool) -> tuple[Tensor, Tensor | None]:
        p = self.particles(x)
        diff = p.unsqueeze(-2) - p.unsqueeze(-3)  # diff[..., i, j, :] = x_i - x_j, exact
        s = torch.einsum("...d,...d->...", diff, diff)  # faster than a sum over a size-d axis
        if self._self_distance:
            s.diagonal(dim1=-2, dim2=-1).fill_(self._self_distance)
        diagonal = torch.eye(self.n_particles, dtype=torch.bool, device=x.device)
        u, w = self._pair_terms(s, diagonal, gradient)
        energy = self._factor * u.sum((-2, -1))
        grad = None
        if gradient:
            assert w is not None
            # dE/dx_i = 2 * factor * sum_j u'(d_ij) (x_i - x_j) / d_ij, as a batched product
            grad = (2.0 * self._factor) * (w.unsqueeze(-2) @ diff).squeeze(-2)
        extra = self._one_body(p, gradient)
        if extra is not None:
            energy = energy + extra[0]
            if grad is not None and extra[1] is not None:
                grad = grad + extra[1]
        return energy, None if grad is None else grad.reshape(x.shape)

    def forward(self, x: Tensor) -> Tensor:
        return self._evaluate(x, False)[0]

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        energy, grad = self._evaluate(x, True)
        assert grad is not None
        return energy, grad

    # -- ground truth -------------------------------------------------------------------------

    reference_package = "ebmcore_targets"

    def reference_name(self) -> str | None:
        """``dw4``, ``lj13``, ``lj55``: these parameters have certified reference draws (the registered
        defaults; ``reference_samples()`` returns them, centred); None for any other."""
        return next((name for name, params in REFERENCES.items() if self._config == params), None)

    def _unit_minimizer(self) -> tuple[tuple[float, ...] | None, float]:
        """A known global minimizer for a length scale of 1 (or None), and the length scale."""
        return None, 1.0

    @property
    def minimum_configuration(self) -> Tensor | None:
        """One global minimizer, a flat ``(n d,)`` float64 configuration centred at the origin,
        where the global minimum is known, else None.

        Its images under :attr:`symmetries` (translations, rotations, reflections, relabellings)
        are global minimizers too: compare configurations with :meth:`align`.
        """
        unit, scale = self._unit_minimizer()
        return None if unit is None else scale * torch.tensor(unit, dtype=_F64)

    @property
    def minimum_value(self) -> float | None:
        """The global minimum of the energy where it is known, else None."""
        point = self.minimum_configuration
        return None if point is None else float(self._evaluate(point, False)[0])


class DW4(_PairPotential):
    r"""DW-4: particles with a double-well potential in each pair distance (4 particles in 2-D).

    .. math::

        E(x) = \frac{\kappa}{\tau} \sum_{i<j} f(d_{ij}), \qquad
        f(d) = a (d - d_0) + b (d - d_0)^2 + c (d - d_0)^4, \qquad d_{ij} = |x_i - x_j|,

    with :math:`\kappa = 1` for ``pair_counting="unique"`` and :math:`\kappa = 2` for
    ``"ordered"`` (the sum over :math:`i \ne j`). The gradient, from the same distances, is
    :math:`\nabla_{x_i} E = \frac{\kappa}{\tau} \sum_{j \ne i} f'(d_{ij}) (x_i - x_j) / d_{ij}`;
    where two particles coincide the pair term has a conical kink and contributes 0 (the
    smallest element of its generalized gradient) instead of NaN.
    With the defaults every pair distance prefers :math:`d = 4 \pm 1.49`, which four particles
    in the plane cannot all satisfy: the landscape is frustrated and multimodal.

    Conventions: the defaults :math:`a = 0, b = -4, c = 0.9, d_0 = 4, \tau = 1` and unique
    pairs are those of Köhler et al. (their :math:`\frac{1}{2\tau}\sum_{i,j}` over ordered pairs
    is the unique-pair sum), of their ``bgflow`` code as used by iDEM (whose
    ``MultiDoubleWellPotential`` names the quartic coefficient ``a = 0.9`` and the quadratic
    one ``b = -4``), and of Midgley et al. The density :math:`e^{-E}` is invariant under
    translations and so not normalizable on :math:`\mathbb{R}^{n d}`; samplers work on the
    subspace of zero centre of mass (:meth:`remove_mean`). :attr:`symmetries` lists the
    invariances; ``log Z`` is not known and there is no exact sampler. At the defaults,
    ``reference_samples()`` returns 10,000 certified HMC draws on that subspace (R-hat, ESS and
    the halves' histograms checked; ``reference_info`` says how they were made).

    Global minimum (default shape parameters, 4 particles in 2-D, any ``temperature`` and
    ``pair_counting``): :math:`E = -25.792201701571\,\kappa / \tau`, a kite with one mirror
    line (pair distances 2.70 (twice), 5.28, 5.42 and 5.53 (twice)). It is computed here by
    Newton's method on the three free coordinates of a mirror-symmetric configuration (a
    stationary point of the full energy by symmetry); local optimization from hundreds of
    random starts (in the tests) finds nothing lower, and reaches it from about half of them.
    :attr:`minimum_value` gives it and :attr:`minimum_configuration` one configuration that
    attains it; for other parameters both are None. ``minima`` is None, as for every particle
    system: each image of a minimizer under the declared symmetries (every translation and
    rotation among them) is a minimizer too, a continuum that :class:`ebmcore.Minima`, with
    its exact count, cannot hold.

    Args:
        n_particles: number of particles :math:`n`.
        spatial_dim: dimension :math:`d` of space.
        a: linear coefficient.
        b: quadratic coefficient.
        c: quartic coefficient, :math:`c > 0` (it keeps :math:`f` bounded below).
        d0: centre :math:`d_0` of the double well in the distance.
        temperature: :math:`\tau`, dividing the whole energy.
        pair_counting: ``"unique"`` (each pair once, default) or ``"ordered"`` (each pair
            twice, :math:`\kappa = 2`).

    References:
        J. Köhler, L. Klein, F. Noé, "Equivariant Flows: Exact Likelihood Generative
            Learning for Symmetric Densities", ICML 2020 (introduces DW-4).

        L. Klein, A. Krämer, F. Noé, "Equivariant flow matching", NeurIPS 2023.

        T. Akhound-Sadegh et al., "Iterated Denoising Energy Matching for Sampling from
            Boltzmann Densities", ICML 2024.

        L. I. Midgley et al., "SE(3) Equivariant Augmented Coupling Flows", NeurIPS 2023.

    Example:
        >>> import torch, ebmcore
        >>> dw4 = ebmcore.create("dw4")
        >>> dw4.energy(torch.zeros(8, dtype=torch.float64))  # all at one point: 6 f(0)
        tensor(998.4000, dtype=torch.float64)
        >>> round(dw4.minimum_value, 6)
        -25.792202
        >>> dw4.particles(dw4.minimum_configuration).shape
        torch.Size([4, 2])
        >>> dw4.minima is None  # a continuum of minimizers: rotations and translations
        True
    """

    arg_constraints = {
        "n_particles": _at_least_two,
        "spatial_dim": constraints.positive_integer,
        "a": constraints.real,
        "b": constraints.real,
        "c": constraints.positive,
        "d0": constraints.real,
        "temperature": constraints.positive,
        "pair_counting": constraints.one_of(*PAIR_COUNTING),
    }

    def __init__(
        self,
        n_particles: int = 4,
        spatial_dim: int = 2,
        a: float = 0.0,
        b: float = -4.0,
        c: float = 0.9,
        d0: float = 4.0,
        temperature: float = 1.0,
        pair_counting: str = "unique",
    ) -> None:
        super().__init__(
            n_particles,
            spatial_dim,
            a=a,
            b=b,
            c=c,
            d0=d0,
            temperature=temperature,
            pair_counting=pair_counting,
        )
        self.a, self.b, self.c, self.d0 = float(a), float(b), float(c), float(d0)

    def _pair_terms(self, s: Tensor, diagonal: Tensor, gradient: bool) -> tuple[Tensor, Tensor | None]:
        zero = s == 0  # coincident particles (and the diagonal): d = 0 with a zero gradient
        d = s.masked_fill(zero, 1.0).sqrt().masked_fill(zero, 0.0)
        u = d - self.d0
        # Horner form: never inf - inf where a distance overflows (c > 0)
        f = (u * (self.a + u * (self.b + (self.c * u) * u))).masked_fill(diagonal, 0.0)
        if not gradient:
            return f, None
        slope = self.a + u * (2.0 * self.b + (4.0 * self.c * u) * u)
        # at d = 0 the pair term is a cone; 0 is the smallest element of its generalized gradient
        return f, (slope / d.masked_fill(zero, 1.0)).masked_fill(zero, 0.0)

    @property
    def bounds(self) -> Tensor:
        r"""The cube :math:`[-h, h]^{n d}`, :math:`h = |d_0| + \sqrt{|b| / (2c)} + 1`.

        :math:`d_0 + \sqrt{|b| / (2c)}` is the outer well of the pair potential (5.49 with the
        defaults): centred configurations at moderate energy lie well inside.
        """
        half = abs(self.d0) + math.sqrt(abs(self.b) / (2.0 * self.c)) + 1.0
        return torch.tensor([[-half] * self.dim, [half] * self.dim], dtype=_F64)

    def _unit_minimizer(self) -> tuple[tuple[float, ...] | None, float]:
        """Known for the default shape parameters with 4 particles in 2-D."""
        shape = (self.n_particles, self.spatial_dim, self.a, self.b, self.c, self.d0)
        return (_dw4_minimizer() if shape == (4, 2, 0.0, -4.0, 0.9, 4.0) else None), 1.0


class LennardJones(_PairPotential):
    r"""A Lennard-Jones cluster with the harmonic term of flow and diffusion samplers (LJ13, LJ55).

    .. math::

        E(x) = \frac{\kappa \varepsilon}{\tau} \sum_{i<j}
        \Big[\Big(\frac{r_m}{d_{ij}}\Big)^{12} - 2 \Big(\frac{r_m}{d_{ij}}\Big)^{6}\Big]
        + \frac{c}{2} \sum_{i=1}^{n} |x_i - \bar x|^2,
        \qquad \bar x = \frac{1}{n} \sum_i x_i,

    with :math:`\kappa = 1` for ``pair_counting="unique"`` and :math:`\kappa = 2` for
    ``"ordered"``. Each pair term has its minimum :math:`-\varepsilon` at :math:`d = r_m`; it
    is the textbook :math:`4 \varepsilon [(\sigma/d)^{12} - (\sigma/d)^6]` with
    :math:`r_m = 2^{1/6} \sigma`. The gradient is
    :math:`\nabla_{x_i} E = \frac{\kappa \varepsilon}{\tau} \sum_{j \ne i}
    -12 [(r_m/d_{ij})^{12} - (r_m/d_{ij})^6] (x_i - x_j) / d_{ij}^2 + c (x_i - \bar x)`.
    Coincident particles have infinite energy; their pair contributes 0 to the gradient.

    Conventions: the harmonic term (:math:`c = 1`, not divided by :math:`\tau`) keeps the
    cluster from evaporating and was added by Köhler et al.; on the subspace of zero centre
    of mass (:meth:`remove_mean`) it makes :math:`e^{-E}` normalizable. The papers' formula
    :math:`\frac{\varepsilon}{2\tau}\sum_{i,j}` over ordered pairs is the unique-pair sum, as
    in ``bgflow`` (Köhler et al.) and in Midgley et al.; the code of iDEM, with the LJ13 and
    LJ55 data sets of Klein et al., sums over ordered pairs without the :math:`\frac12`
    (``pair_counting="ordered"``, every pair twice). :attr:`symmetries` lists the invariances;
    ``log Z`` is not known and there is no exact sampler. At the defaults of ``lj13``,
    ``reference_samples()`` returns 10,000 certified HMC draws on the subspace of zero centre of
    mass (R-hat, ESS and the halves' histograms checked; ``reference_info`` says how they were
    made); the same at the defaults of ``lj55``. For other parameters it returns None.

    Global minima of the pure potential (``harmonic=0``), any :math:`\varepsilon, r_m,
    \tau` and ``pair_counting`` (the energy scales by :math:`\kappa \varepsilon / \tau`, the
    configuration by :math:`r_m`): :math:`E = -44.326801` for 13 particles in 3-D (the
    centred icosahedron) and :math:`-279.248470` for 55 (the two-shell Mackay icosahedron),
    the values of the Cambridge Cluster Database in units of :math:`\varepsilon`; and
    :math:`-n(n-1)/2` for :math:`n \le d + 1` particles (the regular simplex of side
    :math:`r_m`, where every pair sits at its minimum). The icosahedral structures are
    relaxed here by Newton's method on their one (LJ13) or three (LJ55) shell radii, which
    gives stationary points of the full energy by symmetry; the tests check the values
    against the database and against local optimization. :attr:`minimum_value` gives the
    minimum and :attr:`minimum_configuration` one configuration that attains it; with the
    harmonic term, or for other sizes, both are None. ``minima`` is None, as for every particle
    system: the images of a minimizer under the declared symmetries, every translation and
    rotation among them, are minimizers too, a continuum that :class:`ebmcore.Minima`, with its
    exact count, cannot hold.

    Args:
        n_particles: number of particles :math:`n` (``lj13``: 13, ``lj55``: 55).
        spatial_dim: dimension :math:`d` of space.
        epsilon: well depth :math:`\varepsilon > 0`.
        r_min: distance :math:`r_m > 0` of the pair minimum.
        harmonic: force constant :math:`c \ge 0` of the harmonic term; 0 turns it off (the
            pure Lennard-Jones cluster).
        temperature: :math:`\tau`, dividing the pair term (not the harmonic one; scale
            ``harmonic`` by :math:`1/\tau` to divide the whole energy).
        pair_counting: ``"unique"`` (each pair once, default) or ``"ordered"`` (each pair
            twice, :math:`\kappa = 2`, as in iDEM's code).

    References:
        J. Köhler, L. Klein, F. Noé, "Equivariant Flows: Exact Likelihood Generative
            Learning for Symmetric Densities", ICML 2020 (introduces LJ13 with the harmonic
            term).

        L. Klein, A. Krämer, F. Noé, "Equivariant flow matching", NeurIPS 2023 (LJ55).

        T. Akhound-Sadegh et al., "Iterated Denoising Energy Matching for Sampling from
            Boltzmann Densities", ICML 2024.

        D. J. Wales, J. P. K. Doye, "Global Optimization by Basin-Hopping and the Lowest
            Energy Structures of Lennard-Jones Clusters Containing up to 110 Atoms",
            J. Phys. Chem. A 101 (1997) (the minima, as in the Cambridge Cluster Database).

    Example:
        >>> import torch, ebmcore
        >>> pair = torch.tensor([0.0, 0.0, 0.0, 1.0, 0.0, 0.0])  # two particles at distance r_m
        >>> ebmcore.create("lj13", n_particles=2, harmonic=0.0).energy(pair)
        tensor(-1.)
        >>> ebmcore.create("lj13", n_particles=2, harmonic=0.0, pair_counting="ordered").energy(pair)
        tensor(-2.)
        >>> round(ebmcore.create("lj13", harmonic=0.0).minimum_value, 6)
        -44.326801
        >>> ebmcore.create("lj13").minimum_value is None  # with the harmonic term: not known
        True
    """

    arg_constraints = {
        "n_particles": _at_least_two,
        "spatial_dim": constraints.positive_integer,
        "epsilon": constraints.positive,
        "r_min": constraints.positive,
        "harmonic": constraints.nonnegative,
        "temperature": constraints.positive,
        "pair_counting": constraints.one_of(*PAIR_COUNTING),
    }

    def __init__(
        self,
        n_particles: int = 13,
        spatial_dim: int = 3,
        epsilon: float = 1.0,
        r_min: float = 1.0,
        harmonic: float = 1.0,
        temperature: float = 1.0,
        pair_counting: str = "unique",
    ) -> None:
        super().__init__(
            n_particles,
            spatial_dim,
            epsilon=epsilon,
            r_min=r_min,
            harmonic=harmonic,
            temperature=temperature,
            pair_counting=pair_counting,
        )
        self.epsilon, self.r_min, self.harmonic = float(epsilon), float(r_min), float(harmonic)
        self._factor *= self.epsilon

    _self_distance = math.inf

    def _pair_terms(self, s: Tensor, diagonal: Tensor, gradient: bool) -> tuple[Tensor, Tensor | None]:
        # On the diagonal (s = inf) inv = 0 and both terms are 0. For coincident particles
        # (s = 0) inv = inf, u = inf, and w = -inf is clamped below. Masks (each a pass over the
        # pairs) are needed only where a derivative may be taken through these terms (autograd,
        # torch.func: it must be 0 at s = 0, not NaN) or where r_m^2 is not a normal number of
        # x's dtype (r_m^2 / s is then 0 / 0 or inf / inf at s = 0 or on the diagonal).
        square = self.r_min * self.r_min
        limits = torch.finfo(s.dtype)
        masked = s.requires_grad or tracing() or not limits.tiny <= square <= limits.max
        zero = (s == 0) if masked else None
        safe = s if zero is None else s.masked_fill(zero, 1.0)
        inv = square / safe  # (r_m / d)^2
        s6 = inv * inv * inv  # (r_m / d)^6
        u = s6 * (s6 - 2.0)
        if zero is not None:
            u = u.masked_fill(zero, math.inf).masked_fill(diagonal, 0.0)
        if not gradient:
            return u, None
        # u'(d) / d = -12 (s6^2 - s6) / d^2; clamped so that an overflow times a zero
        # component of x_i - x_j stays 0 instead of inf * 0 = NaN (coincident particles: 0)
        w = (s6 * (s6 - 1.0)) * (-12.0 / safe)
        if zero is not None:
            w = w.masked_fill(zero | diagonal, 0.0)
        return u, w.clamp(-limits.max, limits.max)

    def _one_body(self, p: Tensor, gradient: bool) -> tuple[Tensor, Tensor | None] | None:
        if self.harmonic == 0.0:
            return None
        centred = p - p.mean(-2, keepdim=True)
        energy = (0.5 * self.harmonic) * centred.square().sum((-2, -1))
        return energy, (self.harmonic * centred) if gradient else None

    @property
    def bounds(self) -> Tensor:
        r"""The cube :math:`[-h, h]^{n d}`, :math:`h = r_m n^{1/3}`.

        About twice the radius of the compact cluster (LJ13: 0.96 :math:`r_m`, LJ55: 1.91).
        """
        half = self.r_min * self.n_particles ** (1.0 / 3.0)
        return torch.tensor([[-half] * self.dim, [half] * self.dim], dtype=_F64)

    def _unit_minimizer(self) -> tuple[tuple[float, ...] | None, float]:
        """Known for the pure potential (``harmonic=0``): simplices and the icosahedra."""
        if self.harmonic != 0.0:
            return None, self.r_min
        return _lennard_jones_minimizer(self.n_particles, self.spatial_dim), self.r_min


# -- the minimizing configurations --------------------------------------------------------------


_Result = TypeVar("_Result")


def _with_autograd(function: Callable[..., _Result]) -> Callable[..., _Result]:
    """Run ``function`` with autograd on, whatever the caller's context (``no_grad``, ``inference_mode``)."""

    @functools.wraps(function)
    def wrapper(*args: Any) -> _Result:
        with torch.inference_mode(False), torch.enable_grad():
            return function(*args)

    return wrapper


def _newton(energy: Callable[[Tensor], Tensor], start: list[float], what: str) -> Tensor:
    """Newton's method on a few float64 parameters (autograd Hessian) to a stationary point."""
    t = torch.tensor(start, dtype=_F64)
    for _ in range(100):
        grad = torch.autograd.functional.jacobian(energy, t)
        if float(grad.abs().max()) < 1e-12:
            return t.detach()
        t = t - torch.linalg.solve(torch.autograd.functional.hessian(energy, t), grad)
    raise RuntimeError(f"{what}: Newton's method did not converge (gradient {grad.tolist()})")


def _unit_pair_energy(p: Tensor, pair: Callable[[Tensor], Tensor]) -> Tensor:
    """``sum_{i<j} pair(d_ij)`` for positions ``(n, d)``."""
    i, j = torch.triu_indices(len(p), len(p), 1)
    return pair((p[i] - p[j]).square().sum(-1).sqrt()).sum()


@functools.lru_cache(maxsize=1)
@_with_autograd
def _dw4_minimizer() -> tuple[float, ...]:
    """The DW-4 global minimizer (default parameters): a kite, mirror-symmetric about the y axis.

    Particles ``(-s, 0)``, ``(0, h1)``, ``(0, h2)``, ``(s, 0)``: Newton on ``(s, h1, h2)`` from a
    rough start finds the stationary point, which is one of the full energy by the mirror
    symmetry; then the centre of mass is removed.
    """

    def pair(d: Tensor) -> Tensor:
        u = d - 4.0
        return -4.0 * u * u + 0.9 * u**4

    def layout(t: Tensor) -> Tensor:
        zero = torch.zeros((), dtype=_F64)
        return torch.stack(
            [torch.stack(q) for q in ((-t[0], zero), (zero, t[1]), (zero, t[2]), (t[0], zero))]
        )

    t = _newton(lambda t: _unit_pair_energy(layout(t), pair), [2.6, -0.6, 4.9], "DW-4 minimum")
    p = layout(t)
    return tuple((p - p.mean(0)).flatten().tolist())


def _icosahedron() -> tuple[Tensor, Tensor]:
    """Unit vectors to the 12 vertices of an icosahedron and to the midpoints of its 30 edges."""
    phi = (1.0 + math.sqrt(5.0)) / 2.0
    rows = []
    for s1, s2 in itertools.product((1.0, -1.0), repeat=2):
        rows += [(0.0, s1, s2 * phi), (s1, s2 * phi, 0.0), (s2 * phi, 0.0, s1)]
    vertices = torch.tensor(rows, dtype=_F64)
    vertices = vertices / vertices.norm(dim=-1, keepdim=True)
    cosines = vertices @ vertices.T
    edge = cosines.masked_fill(torch.eye(12, dtype=torch.bool), -2.0).max()
    i, j = torch.nonzero(torch.triu(cosines > edge - 1e-9, 1), as_tuple=True)
    middles = vertices[i] + vertices[j]
    return vertices, middles / middles.norm(dim=-1, keepdim=True)


def _simplex(n: int, spatial_dim: int) -> Tensor:
    """``n <= d + 1`` points with all pairwise distances 1, centred, in ``d`` dimensions.

    The corners ``e_i / sqrt(2)`` of the standard simplex in the orthonormal (Helmert) basis of
    the plane of zero coordinate sum, padded with zeros.
    """
    helmert = torch.zeros(n - 1, n, dtype=_F64)
    for k in range(1, n):
        helmert[k - 1, :k] = 1.0
        helmert[k - 1, k] = -float(k)
        helmert[k - 1] /= math.sqrt(k * (k + 1))
    points = torch.zeros(n, spatial_dim, dtype=_F64)
    points[:, : n - 1] = helmert.T / math.sqrt(2.0)
    return points


@functools.lru_cache(maxsize=8)
@_with_autograd
def _lennard_jones_minimizer(n: int, spatial_dim: int) -> tuple[float, ...] | None:
    """The global minimizer of the pure LJ cluster (``r_m = 1``) where it is known, else None."""

    def pair(d: Tensor) -> Tensor:
        s6 = d ** (-6)
        return s6 * (s6 - 2.0)

    if n <= spatial_dim + 1:
        return tuple(_simplex(n, spatial_dim).flatten().tolist())
    if spatial_dim != 3 or n not in (13, 55):
        return None
    vertices, middles = _icosahedron()
    centre = torch.zeros(1, 3, dtype=_F64)
    if n == 13:

        def layout(t: Tensor) -> Tensor:
            return torch.cat([centre, t[0] * vertices])

        start = [1.0]
    else:  # Mackay: inner shell of 12, outer shell of 12 vertices and 30 edge centres

        def layout(t: Tensor) -> Tensor:
            return torch.cat([centre, t[0] * vertices, t[1] * vertices, t[2] * middles])

        start = [1.0, 2.0, 1.7]
    t = _newton(lambda t: _unit_pair_energy(layout(t), pair), start, f"LJ{n} minimum")
    return tuple(layout(t).flatten().tolist())
