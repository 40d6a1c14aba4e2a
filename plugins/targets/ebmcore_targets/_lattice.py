r"""Scalar fields on an :math:`L \times L` periodic lattice: the free field and :math:`\phi^4` theory.

A configuration is a tensor of event shape ``(L, L)``: ``x[..., i, j]`` is the field
:math:`\phi(x)` at site :math:`x = (i, j)`, with periodic boundaries, :math:`\hat\mu` the unit
steps along the two axes (``torch.roll(x, -1, -2)`` is :math:`\phi(x + \hat 1)`,
``torch.roll(x, -1, -1)`` is :math:`\phi(x + \hat 2)`). Every energy here is invariant under the
symmetries of the periodic square lattice (translations, rotations by 90 degrees, reflections);
:class:`Phi4` and :class:`FreeField` also under the sign flip :math:`\phi \to -\phi`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar, NamedTuple

import torch
from torch import Tensor

from ebmcore import BaseModel, InvalidParameterError, Minima, constraints

__all__ = ["FreeField", "HMCEstimate", "Phi4", "Phi4Reference"]

_DIMENSIONS = 2
"""The lattice dimension :math:`d` (two axes)."""

_SYMMETRIES = ("sign_flip", "lattice_translation", "lattice_rotation", "lattice_reflection")


def _forward_neighbours(x: Tensor) -> Tensor:
    r""":math:`\sum_\mu \phi(x + \hat\mu)` at every site."""
    return torch.roll(x, -1, -2) + torch.roll(x, -1, -1)


def _all_neighbours(x: Tensor) -> Tensor:
    r""":math:`\sum_\mu [\phi(x + \hat\mu) + \phi(x - \hat\mu)]` at every site."""
    return _forward_neighbours(x) + torch.roll(x, 1, -2) + torch.roll(x, 1, -1)


def laplacian_eigenvalues(L: int) -> Tensor:
    r"""The eigenvalues of :math:`-\Delta` on the :math:`L \times L` periodic lattice, ``(L, L)``
    float64, indexed like ``torch.fft.fft2``'s frequencies :math:`k = (k_1, k_2)`:

    .. math::

        \hat p^2_k = 4 \sin^2(\pi k_1 / L) + 4 \sin^2(\pi k_2 / L).

    Example:
        >>> laplacian_eigenvalues(2)
        tensor([[0., 4.],
                [4., 8.]], dtype=torch.float64)
    """
    s = 4.0 * torch.sin(math.pi * torch.arange(L, dtype=torch.float64) / L) ** 2
    return (s[:, None] + s[None, :]).clamp_min(0.0)


def _site_box(edge: float, L: int) -> Tensor:
    """``(2, L, L)`` float64 bounds: ``[-edge, edge]`` on every site."""
    return torch.tensor([-edge, edge], dtype=torch.float64).reshape(2, 1, 1).expand(2, L, L).clone()


def magnetization(x: Tensor) -> Tensor:
    r"""The magnetization :math:`M = \frac{1}{L^2} \sum_x \phi(x)` of each configuration,
    ``(*batch, L, L)`` to ``(*batch,)``: the *mean* over the sites, as the SCLD code computes it
    (``samples.mean(-1)``)."""
    return x.mean((-2, -1))


class FreeField(BaseModel):
    r"""The free massive scalar field on an :math:`L \times L` periodic lattice: a Gaussian with
    precision :math:`-\Delta + m^2`.

    .. math::

        E(\phi) = \frac12 \sum_x \Big[\sum_{\mu=1}^{2} \big(\phi(x + \hat\mu) - \phi(x)\big)^2
        + m^2 \phi(x)^2\Big] = \frac12 \phi^\top (-\Delta + m^2)\, \phi,

    with periodic boundaries. The precision is diagonal in Fourier space, with eigenvalues

    .. math::

        \lambda_k = m^2 + 4 \sin^2\frac{\pi k_1}{L} + 4 \sin^2\frac{\pi k_2}{L},
        \qquad k \in \{0, \dots, L - 1\}^2,

    so everything is exact: :math:`\log Z = \frac{L^2}{2} \log 2\pi - \frac12 \sum_k \log
    \lambda_k`; ``sample()`` draws white noise :math:`z` and returns
    :math:`\phi = \mathrm{Re}\,\mathrm{ifft2}(\mathrm{fft2}(z) / \sqrt{\lambda})`, which is
    :math:`(-\Delta + m^2)^{-1/2} z` (a real symmetric circulant, since
    :math:`\lambda_k = \lambda_{-k}`; the imaginary part is rounding), so its covariance is the
    inverse precision exactly. The mean is 0 and every site has the same standard deviation
    :math:`\sqrt{\frac{1}{L^2}\sum_k 1/\lambda_k}` (translation invariance); the unique minimizer
    is :math:`\phi = 0`. Gradient: :math:`\partial_{\phi(x)} E = (4 + m^2)\phi(x) -
    \sum_\mu [\phi(x+\hat\mu) + \phi(x-\hat\mu)]`. ``bounds`` are :math:`\pm 4` standard
    deviations on every site.

    It is :class:`Phi4` with ``variant="standard"`` and ``lam=0``, and the Gaussian reference
    of lattice field theory samplers (correlations decay with the correlation length
    :math:`1/m` in lattice units).

    Args:
        L: the side :math:`L \ge 2` of the lattice; the event shape is ``(L, L)``.
        m2: the squared mass :math:`m^2 > 0`.

    References:
        I. Montvay, G. Münster, "Quantum Fields on a Lattice", Cambridge University Press
        (1994), section 2.1 (the free scalar field on the lattice).

    Example:
        >>> import torch, ebmcore
        >>> field = ebmcore.create("free_field", L=4, m2=0.5)
        >>> field.event_shape
        (4, 4)
        >>> field.energy(torch.ones(4, 4))  # constant field: only the mass term, 16 m^2 / 2
        tensor(4.)
        >>> x = field.sample(20_000, generator=torch.Generator().manual_seed(0))
        >>> x.shape, round(field.stddev[0, 0].item(), 4), round(x.std().item(), 2)
        (torch.Size([20000, 4, 4]), 0.5951, 0.59)
    """

    symmetric_about = 0.0  # the action is even: the mean is 0 on every site

    arg_constraints = {"L": constraints.integer_at_least(2), "m2": constraints.positive}
    symmetries: ClassVar[tuple[str, ...]] = _SYMMETRIES

    def __init__(self, L: int = 8, m2: float = 1.0) -> None:
        super().__init__((L, L), L=L, m2=m2)
        self.L = int(L)
        self.m2 = float(m2)

    def forward(self, x: Tensor) -> Tensor:
        kinetic = (torch.roll(x, -1, -2) - x) ** 2 + (torch.roll(x, -1, -1) - x) ** 2
        return 0.5 * (kinetic + self.m2 * x * x).sum((-2, -1))

    def analytic_gradient(self, x: Tensor) -> Tensor:
        return (2 * _DIMENSIONS + self.m2) * x - _all_neighbours(x)

    def precision_eigenvalues(self) -> Tensor:
        r"""The eigenvalues :math:`\lambda_k` of the precision :math:`-\Delta + m^2`, ``(L, L)``
        float64, indexed like ``torch.fft.fft2``'s frequencies."""
        return self.m2 + laplacian_eigenvalues(self.L)

    def magnetization(self, x: Tensor) -> Tensor:
        r"""The mean field :math:`M = \frac{1}{L^2}\sum_x \phi(x)` of each configuration."""
        return magnetization(x)

    def log_partition(self) -> float:
        eigenvalues = self.precision_eigenvalues()
        return 0.5 * self.dim * math.log(2.0 * math.pi) - 0.5 * float(torch.log(eigenvalues).sum())

    @property
    def stddev(self) -> Tensor:
        r"""Every site: :math:`\sqrt{\frac{1}{L^2} \sum_k 1/\lambda_k}` (the diagonal of the
        inverse precision, the same on every site)."""
        variance = float((1.0 / self.precision_eigenvalues()).mean())
        return torch.full((self.L, self.L), math.sqrt(variance), dtype=torch.float64)

    @property
    def bounds(self) -> Tensor:
        """Four standard deviations either side of 0 on every site."""
        edge = 4.0 * float(self.stddev[0, 0])
        return _site_box(edge, self.L)

    @property
    def minima(self) -> Minima:
        """The unique minimizer, the zero field, where :math:`E = 0`."""
        return Minima(torch.zeros(1, self.L, self.L, dtype=torch.float64), 0.0)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        r"""Exact: :math:`\mathrm{Re}\,\mathrm{ifft2}(\mathrm{fft2}(z) / \sqrt{\lambda})` for
        standard normal :math:`z` (the covariance is :math:`(-\Delta + m^2)^{-1}`)."""
        z = torch.randn(n, self.L, self.L, generator=generator, dtype=torch.float64)
        if n == 0:  # no draws (the FFT refuses an empty batch)
            return z.to(self.dtype)
        scale = torch.rsqrt(self.precision_eigenvalues())
        return torch.fft.ifft2(torch.fft.fft2(z) * scale).real.to(self.dtype)


class HMCEstimate(NamedTuple):
    """The HMC estimate of one expectation, with the diagnostics of its draws (``ebmcore._mcmc``).

    Attributes:
        mean: the estimate.
        stderr: its Monte-Carlo standard error (``mcse_mean``).
        rhat: the rank-normalized split R-hat of the draws.
        ess_bulk: their bulk effective sample size.
        ess_tail: their tail effective sample size.
    """

    mean: float
    stderr: float
    rhat: float
    ess_bulk: float
    ess_tail: float


class Phi4Reference(NamedTuple):
    r"""Reference values of one :class:`Phi4` point from a long HMC run.

    Attributes:
        abs_magnetization: :math:`\langle |M| \rangle`, :math:`M = \frac{1}{L^2}\sum_x \phi(x)`.
        abs_field: :math:`\langle \frac{1}{L^2}\sum_x |\phi(x)| \rangle`, the mean absolute field.
        published: the value the SCLD code states for the point (``expectations["absmag"]``), or
            None.
    """

    abs_magnetization: HMCEstimate
    abs_field: HMCEstimate
    published: float | None


_REFERENCES: Mapping[tuple[int, float, float], Phi4Reference] = MappingProxyType(
    {
        # (L, kappa, lam): `python plugins/targets/scripts/phi4_reference.py` (seed 0): 32 chains x
        # 50,000 HMC draws after 1,000 warm-up; HMCEstimate(mean, mcse, R-hat, bulk ESS, tail ESS)
        (8, 0.2, 0.022): Phi4Reference(
            HMCEstimate(0.146852, 0.00011, 1.0000, 989836, 1007084),
            HMCEstimate(0.623838, 0.00014, 1.0002, 224734, 446656),
            0.6239,
        ),
        (8, 0.3, 0.022): Phi4Reference(
            HMCEstimate(2.087422, 0.00016, 1.0000, 911722, 918727),
            HMCEstimate(2.088382, 0.00016, 1.0000, 921530, 918880),
            2.0870,
        ),
        (8, 0.5, 0.022): Phi4Reference(
            HMCEstimate(4.830014, 0.000036, 1.0000, 2907987, 781387),
            HMCEstimate(4.830014, 0.000036, 1.0000, 2907987, 781387),
            4.8298,
        ),
    }
)

_KINETIC: Mapping[str, float] = MappingProxyType({"standard": 1.0, "albergo": 2.0})
"""The factor :math:`k` of :math:`\\frac k2 \\sum_\\mu (\\partial_\\mu\\phi)^2 + \\frac k2 m^2\\phi^2`."""

_VARIANTS: Mapping[str, Mapping[str, float]] = MappingProxyType(
    {
        "hopping": MappingProxyType({"kappa": 0.3, "lam": 0.022}),
        "standard": MappingProxyType({"m2": -4.0, "lam": 2.0}),
        "albergo": MappingProxyType({"m2": -4.0, "lam": 8.0}),
    }
)


class Phi4(BaseModel):
    r""":math:`\phi^4` theory on an :math:`L \times L` periodic lattice; ``variant`` picks the
    convention of the action.

    Every convention is the same family of actions, up to a rescaling of the field,

    .. math::

        S(\phi) = \sum_x \Big[-J \sum_{\mu=1}^{2} \phi(x)\phi(x + \hat\mu)
        + a\, \phi(x)^2 + b\, \phi(x)^4\Big],

    with the bond term summed once per link (periodic boundaries) and, per variant:

    * ``"hopping"`` (the default; the SCLD benchmark): the hopping parameter :math:`\kappa`
      and the coupling :math:`\lambda`,
      :math:`S = \sum_x [-2\kappa \sum_\mu \phi(x)\phi(x+\hat\mu) + (1 - 2\lambda)\phi(x)^2 +
      \lambda \phi(x)^4]`, so :math:`J = 2\kappa`, :math:`a = 1 - 2\lambda`,
      :math:`b = \lambda`. Defaults :math:`\kappa = 0.3`, :math:`\lambda = 0.022`, as in the
      SCLD code (``targets/phi4.py``, ``configs/target/phi4.yaml``); the benchmark points are
      :math:`\kappa \in \{0.2, 0.3, 0.5\}` at :math:`L = 8`.
    * ``"standard"``: the mass :math:`m^2` and the coupling :math:`\lambda` in the continuum
      normalization :math:`S = \sum_x [\frac12 \sum_\mu (\phi(x+\hat\mu) - \phi(x))^2 +
      \frac12 m^2 \phi(x)^2 + \lambda\phi(x)^4]`, so :math:`J = 1`,
      :math:`a = 2 + m^2/2`, :math:`b = \lambda`. Defaults :math:`m^2 = -4`,
      :math:`\lambda = 2`: the ``"albergo"`` default point, written for the field
      :math:`\sqrt 2\, \phi`.
    * ``"albergo"``: the convention of Albergo, Kanwar and Shanahan (2019) and of the
      normalizing-flow tutorial of Albergo et al. (2021), with no factors :math:`\frac12`:
      :math:`S = \sum_x [\sum_\mu (\phi(x+\hat\mu) - \phi(x))^2 + m^2 \phi(x)^2 +
      \lambda\phi(x)^4]` (their :math:`\sum_\mu \phi(x)(2\phi(x) - \phi(x+\hat\mu) -
      \phi(x-\hat\mu))`), so :math:`J = 2`, :math:`a = 4 + m^2`, :math:`b = \lambda`. Defaults
      :math:`m^2 = -4`, :math:`\lambda = 8` at :math:`L = 8`, the tutorial's point.

    The conventions map onto each other exactly, energies included (no additive constant):
    with :math:`\phi_\text{std} = \sqrt{2\kappa}\, \phi_\text{hop}`,
    :math:`S_\text{hop}(\phi_\text{hop}; \kappa, \lambda) = S_\text{std}(\phi_\text{std}; m^2,
    g)` for :math:`m^2 = (1 - 2\lambda)/\kappa - 4` and :math:`g = \lambda / (4\kappa^2)`, and
    :math:`S_\text{alb}(\phi; m^2, \lambda) = S_\text{std}(\sqrt2\,\phi; m^2, \lambda/4)`.
    :meth:`equivalent` gives the model in another convention and the factor of the field;
    only :math:`\log Z` changes, by :math:`L^2` times the log of that factor.

    Ground truth: the action is even, :math:`S(-\phi) = S(\phi)` (the :math:`\mathbb Z_2`
    symmetry, listed in :attr:`symmetries` with those of the lattice), so the mean is 0 on
    every site. No other moment, :math:`\log Z` or sampler is known in closed form. The global
    minimizers are known (for :math:`J \ge 0`, :math:`-J\phi(x)\phi(y) \ge
    -\frac J2(\phi(x)^2 + \phi(y)^2)` with equality for equal values, so the uniform fields
    minimize): where :math:`a < 2J` the two uniform fields :math:`\pm v`,
    :math:`v^2 = (2J - a) / (2b)`, with :math:`S = -L^2 (2J - a)^2 / (4b)`; else the zero
    field. ``bounds`` are :math:`\pm\max(3, 2v)` on every site.

    Where field values are so large that a bond term :math:`\phi(x)\phi(x + \hat\mu)`
    overflows the dtype (beyond about :math:`\sqrt{\max}`: :math:`10^{19}` in float32,
    :math:`10^{154}` in float64), it and a quartic term may overflow with opposite signs, and the
    action and its gradient are :math:`\infty - \infty`, NaN (for :math:`b > 0` the exact
    action is beyond the dtype there).

    Reference values, at :math:`L = 8` and :math:`\lambda = 0.022` in the ``"hopping"`` form,
    from 32 chains of HMC with dispersed starts, 50,000 draws each after 1,000 warm-up
    (``plugins/targets/scripts/phi4_reference.py``, seed 0), of :math:`\langle |M| \rangle`
    with :math:`M = \frac{1}{L^2}\sum_x \phi(x)` the mean of the field over the sites (as the
    SCLD code computes it, ``samples.mean(-1)``) and of the mean absolute field
    :math:`\langle \frac{1}{L^2}\sum_x |\phi(x)| \rangle`, each with its Monte-Carlo standard
    error, R-hat, bulk and tail ESS, against the value the SCLD code states ("reference vals
    obtained with HMC on small volumes 8x8", ``expectations["absmag"]``):

    * :math:`\kappa = 0.2`: :math:`\langle |M| \rangle = 0.14685(11)` (R-hat 1.0000, ESS
      989,836 / 1,007,084); mean absolute field :math:`0.62384(14)` (R-hat 1.0002, ESS
      224,734 / 446,656); SCLD 0.6239.
    * :math:`\kappa = 0.3`: :math:`\langle |M| \rangle = 2.08742(16)` (R-hat 1.0000, ESS
      911,722 / 918,727); mean absolute field :math:`2.08838(16)` (R-hat 1.0000, ESS
      921,530 / 918,880); SCLD 2.0870.
    * :math:`\kappa = 0.5`: both :math:`4.830014(36)` (no site ever takes the sign opposite to
      :math:`M`; R-hat 1.0000, ESS 2,907,987 / 781,387); SCLD 4.8298.

    In the ordered phase (:math:`\kappa = 0.3, 0.5`) the two observables nearly coincide and
    both agree with the stated values to about :math:`10^{-3}`; in the disordered phase
    (:math:`\kappa = 0.2`) they differ by a factor of 4, and the stated 0.6239 matches the mean
    absolute field, not :math:`\langle |M| \rangle`: what the SCLD code labels "absmag"
    appears to be :math:`\langle \frac{1}{L^2}\sum_x |\phi(x)| \rangle` (its code that
    computed the values is not published).
    :meth:`magnetization` and :meth:`absolute_field` compute both observables;
    :attr:`reference_magnetization` returns the entry of an instance (None elsewhere). The
    SCLD code shapes its lattice as ``(dim // 8, 8)`` and its config sets ``dim: 128``, a
    :math:`16 \times 8` lattice, while these values are for :math:`8 \times 8` (``dim = 64``).

    Args:
        L: the side :math:`L \ge 2` of the lattice; the event shape is ``(L, L)``.
        variant: ``"hopping"``, ``"standard"`` or ``"albergo"``: the convention of the action,
            and the defaults of the parameters below.
        kappa: the hopping parameter :math:`\kappa \ge 0` (``"hopping"`` only).
        m2: the mass parameter :math:`m^2` (``"standard"`` and ``"albergo"`` only; may be
            negative).
        lam: the quartic coupling :math:`\lambda \ge 0` (0 only where the quadratic part alone
            is normalizable, :math:`a > 2J`).

    References:
        J. Chen, L. Richter, J. Berner, D. Blessing, G. Neumann, A. Anandkumar, "Sequential
        Controlled Langevin Diffusions", ICLR 2025 (``"hopping"``; code: ``targets/phi4.py``).
        M. S. Albergo, G. Kanwar, P. E. Shanahan, "Flow-based generative models for Markov chain
        Monte Carlo in lattice field theory", Phys. Rev. D 100, 034515 (2019) (``"albergo"``).
        M. S. Albergo, D. Boyda, D. C. Hackett, G. Kanwar, K. Cranmer, S. Racanière, D. J.
        Rezende, P. E. Shanahan, "Introduction to Normalizing Flows for Lattice Field Theory",
        arXiv:2101.08176 (2021). I. Montvay, G. Münster, "Quantum Fields on a Lattice",
        Cambridge University Press (1994), section 2.2 (the hopping form).

    Example:
        >>> import torch, ebmcore
        >>> phi4 = ebmcore.create("phi4", kappa=0.5)
        >>> phi4.event_shape, phi4.config
        ((8, 8), {'L': 8, 'variant': 'hopping', 'kappa': 0.5, 'm2': None, 'lam': 0.022})
        >>> x = torch.randn(3, 8, 8, dtype=torch.float64)
        >>> torch.equal(phi4.energy(-x), phi4.energy(x))  # Z2 symmetry
        True
        >>> standard, c = phi4.equivalent("standard")  # phi_std = c phi_hop, c = sqrt(2 kappa)
        >>> c, round(standard.config["m2"], 6), round(standard.config["lam"], 6)
        (1.0, -2.088, 0.022)
        >>> torch.allclose(standard.energy(c * x), phi4.energy(x))
        True
        >>> round(phi4.minima.points[0, 0, 0].item(), 4)  # the uniform fields +-v
        4.8711
    """

    symmetric_about = 0.0  # the action is even (Z_2 symmetry): the mean is 0 on every site

    arg_constraints = {
        "L": constraints.integer_at_least(2),
        "variant": constraints.one_of(*_VARIANTS),
        "kappa": constraints.optional(constraints.nonnegative),
        "m2": constraints.optional(constraints.real),
        "lam": constraints.optional(constraints.nonnegative),
    }
    symmetries: ClassVar[tuple[str, ...]] = _SYMMETRIES
    """Sign flip (:math:`\\mathbb Z_2`) and the symmetries of the periodic square lattice."""

    def __init__(
        self,
        L: int = 8,
        variant: str = "hopping",
        kappa: float | None = None,
        m2: float | None = None,
        lam: float | None = None,
    ) -> None:
        given = self.check_args(L=L, variant=variant, kappa=kappa, m2=m2, lam=lam)
        unused = "m2" if variant == "hopping" else "kappa"
        if given[unused] is not None:
            raise InvalidParameterError(
                unused,
                given[unused],
                f"None: the {variant!r} form has no {unused} (use variant="
                + ("'standard' or 'albergo')" if variant == "hopping" else "'hopping')"),
                energy=type(self).__name__,
            )
        resolved = dict(given)
        for key, default in _VARIANTS[variant].items():
            if resolved[key] is None:
                resolved[key] = default
        for key in ("kappa", "m2", "lam"):
            if resolved[key] is not None:
                resolved[key] = float(resolved[key])
        b = resolved["lam"]
        if variant == "hopping":
            J, a = 2.0 * resolved["kappa"], 1.0 - 2.0 * b
        else:  # k/2 (dphi)^2 + k/2 m2 phi^2 with k = 1 (standard) or 2 (albergo)
            J = _KINETIC[variant]
            a = J * (_DIMENSIONS + 0.5 * resolved["m2"])
        if b == 0.0 and not a > _DIMENSIONS * J:
            raise InvalidParameterError(
                "lam",
                lam,
                "> 0 here: with lam = 0 the action is a Gaussian that is normalizable only where "
                f"its quadratic part is positive definite (a > 2J, here a = {a:g}, J = {J:g})",
                energy=type(self).__name__,
            )
        super().__init__((L, L), **resolved)
        self.L = int(L)
        self.variant = variant
        self.kappa: float | None = resolved["kappa"]
        self.m2: float | None = resolved["m2"]
        self.lam: float = resolved["lam"]
        self.hopping, self.quadratic, self.quartic = J, a, b

    @property
    def couplings(self) -> tuple[float, float, float]:
        r""":math:`(J, a, b)`: the action is :math:`\sum_x [-J \sum_\mu \phi(x)\phi(x+\hat\mu) +
        a\phi(x)^2 + b\phi(x)^4]`."""
        return self.hopping, self.quadratic, self.quartic

    def forward(self, x: Tensor) -> Tensor:
        J, a, b = self.couplings
        squares = x * x
        return (-J * x * _forward_neighbours(x) + a * squares + b * squares * squares).sum((-2, -1))

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        J, a, b = self.couplings
        forward = _forward_neighbours(x)
        squares = x * x
        energy = (-J * x * forward + a * squares + b * squares * squares).sum((-2, -1))
        neighbours = forward + torch.roll(x, 1, -2) + torch.roll(x, 1, -1)
        return energy, -J * neighbours + (2.0 * a + 4.0 * b * squares) * x

    def analytic_gradient(self, x: Tensor) -> Tensor:
        J, a, b = self.couplings
        return -J * _all_neighbours(x) + (2.0 * a + 4.0 * b * x * x) * x

    def magnetization(self, x: Tensor) -> Tensor:
        r"""The magnetization :math:`M = \frac{1}{L^2}\sum_x \phi(x)` of each configuration, the
        mean over the sites (the SCLD convention), ``(*batch, L, L)`` to ``(*batch,)``."""
        return magnetization(x)

    def absolute_field(self, x: Tensor) -> Tensor:
        r"""The mean absolute field :math:`\frac{1}{L^2}\sum_x |\phi(x)|` of each configuration,
        ``(*batch, L, L)`` to ``(*batch,)``: the observable whose expectation the SCLD reference
        values match (see the class docstring)."""
        return x.abs().mean((-2, -1))

    def equivalent(self, variant: str) -> tuple[Phi4, float]:
        r"""The same theory in the convention ``variant``, and the factor :math:`c` of the field.

        Returns ``(model, c)`` with ``model.energy(c * x) == self.energy(x)`` for every ``x``
        (up to rounding): the couplings :math:`(J', a', b') = (J, a, b\,/\,c^2) / c^2` with
        :math:`c^2 = J/J'` for a fixed :math:`J'` (``"standard"``: 1, ``"albergo"``: 2), and
        for ``"hopping"`` the positive root of :math:`c^4 - a c^2 - 2b = 0` (so that
        :math:`a' = 1 - 2b'`). The densities agree up to the Jacobian: :math:`\log Z' = \log Z +
        L^2 \log c`.

        Raises:
            InvalidParameterError: ``variant`` is unknown, or no field scale maps the couplings
                (:math:`J = 0` into ``"standard"`` or ``"albergo"``).
        """
        if variant not in _VARIANTS:
            raise InvalidParameterError(
                "variant", variant, constraints.one_of(*_VARIANTS).description, energy="Phi4"
            )
        J, a, b = self.couplings
        if variant == "hopping":  # a / c^2 = 1 - 2 b / c^4
            c2 = 0.5 * (a + math.sqrt(a * a + 8.0 * b))
            if not c2 > 0.0:
                raise InvalidParameterError(
                    "variant", variant, "a form these couplings map onto", energy="Phi4"
                )
            model = Phi4(self.L, "hopping", kappa=J / (2.0 * c2), lam=b / (c2 * c2))
        else:
            if not J > 0.0:
                raise InvalidParameterError(
                    "variant",
                    variant,
                    "'hopping' (kappa = 0 has no field scale into this form)",
                    energy="Phi4",
                )
            c2 = J / _KINETIC[variant]  # J / c^2 = k
            model = Phi4(self.L, variant, m2=2.0 * (a / J - _DIMENSIONS), lam=b / (c2 * c2))
        return model, math.sqrt(c2)

    @property
    def field_minimum(self) -> float:
        r""":math:`v \ge 0`: the global minimizers are the uniform fields :math:`\pm v`."""
        J, a, b = self.couplings
        depth = _DIMENSIONS * J - a
        return math.sqrt(depth / (2.0 * b)) if depth > 0.0 else 0.0

    @property
    def minima(self) -> Minima:
        """The uniform fields ``+v`` and ``-v`` (the zero field where ``v = 0``).

        Without coupling (``kappa = 0``, ``a < 0``) the sites are independent double wells and
        every field with values ``+-v`` is a minimizer: the two uniform ones are listed and
        ``count`` is :math:`2^{L^2}`."""
        v = self.field_minimum
        J, a, b = self.couplings
        shape = (self.L, self.L)
        if v == 0.0:
            return Minima(torch.zeros(1, *shape, dtype=torch.float64), 0.0)
        depth = _DIMENSIONS * J - a
        points = torch.tensor([v, -v], dtype=torch.float64).reshape(2, 1, 1).expand(2, *shape).clone()
        return Minima(points, -self.dim * depth * depth / (4.0 * b), 2 if J > 0.0 else 2**self.dim)

    @property
    def bounds(self) -> Tensor:
        r""":math:`\pm\max(3, 2v)` on every site (:math:`\pm v` the minimizing uniform fields)."""
        edge = max(3.0, 2.0 * self.field_minimum)
        return _site_box(edge, self.L)

    @property
    def reference_magnetization(self) -> Phi4Reference | None:
        r"""The HMC reference values of this instance (:math:`\langle |M| \rangle` and the mean
        absolute field, the ``"hopping"`` points of the table above), or None."""
        if self.variant != "hopping" or self.kappa is None:
            return None
        return _REFERENCES.get((self.L, self.kappa, self.lam))

    @staticmethod
    def reference_table() -> Mapping[tuple[int, float, float], Phi4Reference]:
        r"""Every reference point: ``{(L, kappa, lam): Phi4Reference}`` (``"hopping"`` form)."""
        return _REFERENCES
