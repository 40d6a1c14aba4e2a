"""Mixtures of product Student-t distributions: the heavy-tailed "MoS" target of Blessing et al."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ebmcore import BaseModel, InvalidParameterError, Minima, Modes, constraints
from ebmcore.plugin import cached_while_unchanged, tracing

from ._gmm import jax_uniform

__all__ = ["StudentTMixture", "beyond_elbos_means"]

_MODE_SEARCH_MAX = 1 << 24  # elements of the largest tensor of the mode search (K^2 d or K d^2)
_BOUNDS_SCALES = 10.0
"""``bounds`` reach this many component scales past the extreme means."""
_DOF_RANGE = (0.1, 1e6)
_SCALE_RANGE = (1e-100, 1e10)


def _is_real_in(value: Any, low: float, high: float) -> bool:
    return constraints.real.check(value) and low <= value <= high


def _per_component(low: float, high: float) -> constraints.Constraint:
    """A number in ``[low, high]``, a list of them (one per component) or a matrix (``K x d``)."""

    def check(value: Any) -> bool:
        if isinstance(value, (list, tuple)):
            rows = value if value and isinstance(value[0], (list, tuple)) else [value]
            return bool(rows) and all(
                isinstance(row, (list, tuple)) and row and all(_is_real_in(v, low, high) for v in row)
                for row in rows
            )
        return _is_real_in(value, low, high)

    return constraints.Constraint(
        check,
        f"a real number in [{low:g}, {high:g}], a list of them (one per component) or a "
        "K x dim matrix of them",
    )


_VARIANTS: dict[str, dict[str, Any]] = {
    "beyond_elbos_10d": {
        "dim": 10,
        "n_components": 10,
        "seed": 0,
        "loc_range": 10.0,
        "dof": 2.0,
        "scales": 1.0,
    },
    "beyond_elbos_50d": {
        "dim": 50,
        "n_components": 10,
        "seed": 0,
        "loc_range": 10.0,
        "dof": 2.0,
        "scales": 1.0,
    },
}


def beyond_elbos_means(seed: int, n: int, dim: int, loc_range: float) -> Tensor:
    """Means drawn as ``jax.random.uniform(PRNGKey(seed), (n, dim), minval=-L, maxval=L)``.

    The benchmark of Blessing et al. draws its Student-t means this way (``L = 10``). JAX
    computes ``max(minval, u * (maxval - minval) + minval)`` in float32 from the threefry unit
    draws ``u`` of :func:`~ebmcore_targets._gmm.jax_uniform`, and XLA fuses the multiply-add
    (one rounding, as its CPU and GPU backends compile it): here the product and sum are exact
    in float64 and rounded once to float32, which reproduces JAX 0.4.28 bit for bit. Returned
    as float64.
    """
    u = jax_uniform(seed, n, dim, 1.0).numpy()  # 2 unit - 1 in float32, exact in float64
    unit = 0.5 * (u + 1.0)  # the 23-bit unit draws, exactly
    low = float(np.float32(-loc_range))
    span = float(np.float32(np.float32(loc_range) - np.float32(-loc_range)))
    with np.errstate(over="ignore"):
        fused = (unit * span + low).astype(np.float32)  # exact in float64, one rounding to float32
    return torch.from_numpy(np.maximum(np.float32(low), fused).astype(np.float64))


def _broadcast(value: Any, k: int, d: int, name: str) -> Tensor:
    """A number, a ``(K,)`` list or a ``(K, d)`` matrix as a ``(K, d)`` float64 tensor."""
    allowed = f"a number, a list of {k} (one per component) or a {k} x {d} matrix"
    try:
        tensor = torch.as_tensor(value, dtype=torch.float64)
    except (TypeError, ValueError):  # rows of different lengths
        raise InvalidParameterError(name, value, allowed, energy="StudentTMixture") from None
    if tensor.ndim == 0:
        return tensor.expand(k, d).clone()
    if tensor.ndim == 1 and len(tensor) == k:
        return tensor[:, None].expand(k, d).clone()
    if tensor.shape == (k, d):
        return tensor.clone()
    raise InvalidParameterError(name, value, allowed, energy="StudentTMixture")


class StudentTMixture(BaseModel):
    r"""A mixture of product Student-t distributions: heavy tails around every mode.

    .. math::

        E(x) = -\log \sum_{k=1}^{K} w_k \prod_{j=1}^{d}
               \frac{\Gamma\big(\frac{\nu_{kj}+1}2\big)}
                    {\Gamma\big(\frac{\nu_{kj}}2\big) \sqrt{\nu_{kj}\pi}\, \sigma_{kj}}
               \Big(1 + \frac{(x_j - \mu_{kj})^2}{\nu_{kj} \sigma_{kj}^2}\Big)^{-\frac{\nu_{kj}+1}2},
        \qquad \log Z = 0 .

    Each component is a product of independent 1-D Student-t laws (location
    :math:`\mu_{kj}`, scale :math:`\sigma_{kj}`, degrees of freedom :math:`\nu_{kj}`), as in
    the source: numpyro's ``Independent(StudentT(df, loc, scale), 1)`` (its code keeps a
    multivariate Student-t as a comment, unused). The energy is :math:`-\log` of the
    normalized mixture density, so ``log_partition()`` is exactly 0, as the source declares
    (``log_Z: 0.``).

    The variants are the "MoS" target of Blessing et al. (``targets/student_t_mixture.py``)
    in 10 and 50 dimensions: :math:`K = 10` equally weighted components (their
    ``Categorical(logits=ones(K) / K)``), :math:`\nu = 2` and :math:`\sigma = 1` in every
    coordinate, and means ``jax.random.uniform(PRNGKey(0), (10, d), minval=-10, maxval=10)``,
    reproduced bit for bit (:func:`beyond_elbos_means`, a NumPy implementation of JAX's
    threefry generator in its pre-0.5 layout; that benchmark pins JAX 0.4.28, and the values
    were checked against it):

    * ``"beyond_elbos_10d"`` (the default): :math:`d = 10`.
    * ``"beyond_elbos_50d"``: :math:`d = 50`.

    Every argument overrides the variant's value (``dim=2`` gives the source's default
    configuration, ``seed`` and ``loc_range`` other draws), and :attr:`config` records all of
    them. Given ``means``, the mixture is yours: nothing is drawn (``seed`` and ``loc_range``
    must be left out), ``dim`` and ``n_components`` follow the means, and the variant supplies
    only the defaults :math:`\nu = 2` and :math:`\sigma = 1`.

    Ground truth: ``log_partition()`` = 0; exact ``sample()`` (a component by its weight, then
    each coordinate :math:`\mu + \sigma T` with :math:`T` from Bailey's polar method, exact for
    every :math:`\nu`); ``mean`` :math:`\sum_k w_k \mu_k`, which exists only where every
    :math:`\nu > 1` (None otherwise); ``stddev`` by the law of total variance with component
    variances :math:`\sigma^2 \nu / (\nu - 2)`, which exists only where every :math:`\nu > 2`:
    None for the variants (:math:`\nu = 2`, infinite variance). ``modes``: hill climbing from
    every component location (the EM fixed point of Student-t mixtures, then Newton steps), so
    each listed mode is a local maximum of the density near its component's location, with the
    total weight of the components that climb to it (components that overlap merge into one
    mode); ``minima`` is the deepest of them when one is deepest by more than ``1e-9`` (None
    for the variants, whose modes are equally deep to rounding); :meth:`mode_index` names the
    mode of the most responsible component (the source's mode statistic, ``argmax`` of the
    component log densities).

    Heavy tails of product Student-t laws meet along the coordinate axes of each component,
    and where the tails of two components cross the density can have further shallow local
    maxima: in 2-D, components at 0 and (10, 10) with :math:`\nu = 2` make one near
    (0.20, 9.80) and its mirror image, 5.2 above the main modes in energy, whose basins hold
    about 0.8% of the mass (hill climbing from exact samples). Such maxima belong to no
    component and are not listed: ``modes`` holds the component modes and ``modes.count``
    counts them.

    Args:
        variant: ``"beyond_elbos_10d"`` or ``"beyond_elbos_50d"``: the defaults below.
        means: ``(K, d)`` component locations (a nested list or tensor); None draws them.
        scales: :math:`\sigma`: a number, one per component (``K``) or a ``K x d`` matrix.
        dof: :math:`\nu`, in :math:`[0.1, 10^6]`, shaped as ``scales``.
        weights: ``K`` positive weights, normalized to sum to 1 (default equal).
        dim: the dimension :math:`d` (the variant's, or the length of each row of ``means``).
        n_components: :math:`K`, the number of drawn means.
        seed: the seed of JAX's ``PRNGKey`` that draws the means.
        loc_range: :math:`L`: the means are uniform in :math:`[-L, L]^d`.

    References:
        D. Blessing, X. Jia, J. Esslinger, F. Vargas, G. Neumann, "Beyond ELBOs: A Large-Scale
        Evaluation of Variational Methods for Sampling", ICML 2024, and its code
        ``github.com/DenisBless/variational_sampling_methods``
        (``targets/student_t_mixture.py``). J. W. Bailey, "Polar generation of random
        variates with the t-distribution", Mathematics of Computation 62 (1994).

    Example:
        >>> import torch, ebmcore
        >>> mos = ebmcore.create("student_t_mixture")  # 10 components in 10-D, dof 2
        >>> mos.means[0, :3]
        tensor([-9.5242,  7.0544,  6.2644], dtype=torch.float64)
        >>> mos.log_partition(), mos.stddev, mos.modes.count
        (0.0, None, 10)
        >>> custom = ebmcore.create("student_t_mixture", means=[[0.0], [8.0]], dof=[3.0, 5.0], weights=[1, 3])
        >>> custom.mean, custom.modes.weights
        (tensor([6.], dtype=torch.float64), tensor([0.2500, 0.7500], dtype=torch.float64))
        >>> custom.mode_index(torch.tensor([[0.5], [7.0]]))
        tensor([0, 1])
    """

    arg_constraints = {
        "variant": constraints.one_of(*_VARIANTS),
        "means": constraints.optional(constraints.real_matrix),
        "scales": constraints.optional(_per_component(*_SCALE_RANGE)),
        "dof": constraints.optional(_per_component(*_DOF_RANGE)),
        "weights": constraints.optional(constraints.positive_vector),
        "dim": constraints.optional(constraints.integer_interval(1, 1 << 16)),
        "n_components": constraints.optional(constraints.integer_interval(1, 1 << 16)),
        "seed": constraints.optional(constraints.integer_interval(0, 2**31 - 1)),
        "loc_range": constraints.optional(
            constraints.Constraint(lambda v: _is_real_in(v, 0.0, 1e10), "a real number in [0, 1e10]")
        ),
    }

    locs: Tensor
    scale_table: Tensor
    dof_table: Tensor
    log_weights: Tensor

    def __init__(
        self,
        variant: str = "beyond_elbos_10d",
        means: Any = None,
        scales: Any = None,
        dof: Any = None,
        weights: Any = None,
        dim: int | None = None,
        n_components: int | None = None,
        seed: int | None = None,
        loc_range: float | None = None,
    ) -> None:
        given = self.check_args(
            variant=variant,
            means=means,
            scales=scales,
            dof=dof,
            weights=weights,
            dim=dim,
            n_components=n_components,
            seed=seed,
            loc_range=loc_range,
        )
        defaults = _VARIANTS[variant]
        resolved = dict(given)
        rows: list[list[float]] | None = given["means"]
        if rows is not None:
            for name in ("seed", "loc_range"):
                if given[name] is not None:
                    allowed = "None when means are given (the means are not drawn)"
                    raise InvalidParameterError(name, given[name], allowed, energy="StudentTMixture")
            for name, size in (("dim", len(rows[0])), ("n_components", len(rows))):
                if given[name] is not None and given[name] != size:
                    what = (
                        "the length of each row of means" if name == "dim" else "the number of rows of means"
                    )
                    raise InvalidParameterError(
                        name, given[name], f"{what} ({size})", energy="StudentTMixture"
                    )
                resolved[name] = size
        else:
            for name in ("dim", "n_components", "seed", "loc_range"):
                if resolved[name] is None:
                    resolved[name] = defaults[name]
            resolved["loc_range"] = float(resolved["loc_range"])
        for name in ("dof", "scales"):
            if resolved[name] is None:
                resolved[name] = defaults[name]
        k, d = int(resolved["n_components"]), int(resolved["dim"])
        w: list[float] | None = given["weights"]
        if w is not None and len(w) != k:
            allowed = f"a list of {k} positive numbers, one per component"
            raise InvalidParameterError("weights", weights, allowed, energy="StudentTMixture")
        scale_table = _broadcast(resolved["scales"], k, d, "scales")
        dof_table = _broadcast(resolved["dof"], k, d, "dof")
        super().__init__(d, **resolved)
        self.variant = variant
        if rows is None:
            locs = beyond_elbos_means(int(resolved["seed"]), k, d, resolved["loc_range"])
        else:
            locs = torch.tensor(rows, dtype=torch.float64)
        log_w = torch.tensor([1.0] * k if w is None else w, dtype=torch.float64).log()
        self.register_buffer("locs", locs)
        self.register_buffer("scale_table", scale_table)
        self.register_buffer("dof_table", dof_table)
        self.register_buffer("log_weights", log_w - torch.logsumexp(log_w, 0))
        self._mode_cache: tuple[Tensor, Tensor, Tensor] | None = None

    # -- energy and gradient -------------------------------------------------------------------
    #
    # With z_kj = (x_j - mu_kj) / sigma_kj and the log weight plus normalizer c_k of component k,
    #     l_k = c_k - sum_j (nu_kj + 1) / 2 * log1p(z_kj^2 / nu_kj),    E = -logsumexp_k l_k,
    #     dE/dx_j = sum_k r_k (nu_kj + 1) z_kj / ((nu_kj + z_kj^2) sigma_kj),  r = softmax(l).
    # z^2 / nu overflows the dtype beyond |z| ~ 1e19 sqrt(nu) in float32 (1e154 in float64).
    # There log1p(z^2 / nu) = 2 log|z| - log nu and z / (nu + z^2) = 1 / z, to far below an ulp,
    # and those are taken, so that the energy and gradient are finite wherever the dtype holds
    # them (a z that overflows itself gives their limits: the component drops out). Eager CPU
    # code takes the plain forms and checks the logits (a pass over (*batch, K)); only where one
    # is not finite are they formed again with the large-z forms. A traced graph (torch.compile,
    # torch.func), which cannot branch on values, and other devices, where reading a value
    # waits for the device, always take both.

    def _coefficients(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
        """``mu``, ``1 / sigma``, ``1 / nu``, ``(nu + 1) / 2`` and ``c_k`` in ``x``'s dtype and
        device; cached until a buffer changes."""

        def build() -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
            with torch.no_grad():
                device, f64 = x.device, torch.float64
                locs, scales = self.locs.to(device, f64), self.scale_table.to(device, f64)
                nu, log_w = self.dof_table.to(device, f64), self.log_weights.to(device, f64)
                log_norm = (
                    torch.lgamma(0.5 * (nu + 1.0))
                    - torch.lgamma(0.5 * nu)
                    - 0.5 * torch.log(nu * math.pi)
                    - torch.log(scales)
                ).sum(-1)
                dtype = x.dtype
                return (
                    locs.to(dtype),
                    (1.0 / scales).to(dtype),
                    (1.0 / nu).to(dtype),
                    (0.5 * (nu + 1.0)).to(dtype),
                    (log_w + log_norm).to(dtype),
                )

        key = ("student_t", x.dtype, x.device)
        sources = (self.locs, self.scale_table, self.dof_table, self.log_weights)
        return cached_while_unchanged(self, key, sources, build)

    def _logits(
        self, x: Tensor, coefficients: tuple[Tensor, ...]
    ) -> tuple[Tensor, Tensor, Tensor, Tensor | None]:
        """``l_k`` (``(*batch, K)``), ``z`` and :math:`q = z^2 / \\nu` (``(*batch, K, d)``), and
        where ``q`` overflowed (None: the plain forms were finite)."""
        locs, inv_scale, inv_dof, half, bias = coefficients
        z = (x.unsqueeze(-2) - locs) * inv_scale
        q = z * z * inv_dof
        # the check reads a value: on the CPU only, and not in a traced graph
        if x.device.type == "cpu" and not tracing():
            logits = bias - (half * torch.log1p(q)).sum(-1)
            if bool(torch.isfinite(logits).all()):
                return logits, z, q, None
        huge = torch.isinf(q)  # (z itself may be inf, for a finite x: the limits are taken)
        # each form from the z it holds for, 1 or 0 elsewhere: autograd multiplies the branch
        # not taken by 0, which its slope there (log 0, an overflowed square) would make NaN
        tail = 2.0 * torch.log(torch.abs(torch.where(huge, z, 1.0))) + torch.log(inv_dof)
        small = torch.where(huge, 0.0, z)
        plain = torch.log1p(small * small * inv_dof)
        return bias - (half * torch.where(huge, tail, plain)).sum(-1), z, q, huge

    def forward(self, x: Tensor) -> Tensor:
        return -torch.logsumexp(self._logits(x, self._coefficients(x))[0], -1)

    def _gradient_from(
        self,
        logits: Tensor,
        lse: Tensor,
        z: Tensor,
        q: Tensor,
        huge: Tensor | None,
        coefficients: tuple[Tensor, ...],
    ) -> Tensor:
        _, inv_scale, inv_dof, half, _ = coefficients
        r = (logits - lse.unsqueeze(-1)).exp().unsqueeze(-1)  # the responsibilities
        per_component = (2.0 * half * inv_dof) * z / (1.0 + q) * inv_scale
        if huge is not None:  # (nu + 1) / z where z^2 / nu overflowed
            per_component = torch.where(
                huge, (2.0 * half) / torch.where(huge, z, 1.0) * inv_scale, per_component
            )
        return (r * per_component).sum(-2)

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        coefficients = self._coefficients(x)
        logits, z, q, huge = self._logits(x, coefficients)
        lse = torch.logsumexp(logits, -1)
        return -lse, self._gradient_from(logits, lse, z, q, huge, coefficients)

    def analytic_gradient(self, x: Tensor) -> Tensor:
        coefficients = self._coefficients(x)
        logits, z, q, huge = self._logits(x, coefficients)
        return self._gradient_from(logits, torch.logsumexp(logits, -1), z, q, huge, coefficients)

    # -- ground truth ----------------------------------------------------------------------------

    @property
    def means(self) -> Tensor:
        r"""The component locations :math:`\mu_k`, ``(K, dim)`` float64 on the CPU."""
        return self.locs.detach().cpu().double()

    @property
    def scales(self) -> Tensor:
        r"""The component scales :math:`\sigma_{kj}`, ``(K, dim)`` float64 on the CPU."""
        return self.scale_table.detach().cpu().double()

    @property
    def dofs(self) -> Tensor:
        r"""The degrees of freedom :math:`\nu_{kj}`, ``(K, dim)`` float64 on the CPU."""
        return self.dof_table.detach().cpu().double()

    @property
    def weights(self) -> Tensor:
        """The component weights :math:`w_k`, ``(K,)`` float64 on the CPU."""
        return torch.softmax(self.log_weights.detach().cpu().double(), 0)

    def log_partition(self) -> float:
        """0: the energy is minus the log of the normalized mixture density."""
        return 0.0

    @property
    def mean(self) -> Tensor | None:
        r""":math:`\sum_k w_k \mu_k` where every :math:`\nu > 1`; None otherwise (no mean)."""
        if not bool((self.dofs > 1.0).all()):
            return None
        return self.weights @ self.means

    @property
    def stddev(self) -> Tensor | None:
        r"""Law of total variance, :math:`\sqrt{\sum_k w_k (\sigma_k^2 \nu_k / (\nu_k - 2)
        + (\mu_k - \bar\mu)^2)}` per coordinate, where every :math:`\nu > 2`; None otherwise
        (an infinite variance)."""
        nu = self.dofs
        if not bool((nu > 2.0).all()):
            return None
        centred = self.means - self.weights @ self.means
        variance = self.scales**2 * nu / (nu - 2.0) + centred * centred
        return (self.weights @ variance).sqrt()

    @property
    def bounds(self) -> Tensor:
        """The box of the means widened by ten component scales (99% of a ``nu = 2`` coordinate)."""
        reach = _BOUNDS_SCALES * self.scales
        return torch.stack([(self.means - reach).amin(0), (self.means + reach).amax(0)])

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Exact samples: a component by its weight (inverse CDF), then ``mu + sigma T`` per
        coordinate, with ``T`` a Student-t variate by Bailey's polar method."""
        cumulative = torch.cumsum(self.weights, 0)
        u = torch.rand(n, generator=generator, dtype=torch.float64) * cumulative[-1]
        component = torch.searchsorted(cumulative, u).clamp_max(len(cumulative) - 1)
        t = _student_t(self.dofs[component].reshape(-1), generator).reshape(n, self.dim)
        out = self.means[component] + self.scales[component] * t
        return out.to(device=self.locs.device, dtype=self.locs.dtype)

    # -- modes -----------------------------------------------------------------------------------

    def _mode_search_fits(self) -> bool:
        k = len(self.locs)
        return k * k * self.dim <= _MODE_SEARCH_MAX and k * self.dim * self.dim <= _MODE_SEARCH_MAX

    def _find_modes(self) -> tuple[Tensor, Tensor, Tensor]:
        r"""Mode points, masses, and each component's mode: hill climbing from every location.

        The fixed point :math:`x_j \leftarrow \sum_k c_{kj} \mu_{kj} / \sum_k c_{kj}` with
        :math:`c_{kj} = r_k(x) (\nu_{kj} + 1) / (\nu_{kj} \sigma_{kj}^2 + (x_j - \mu_{kj})^2)`
        is the EM (minorize-maximize) step of Student-t mixtures: every step raises the
        density. Newton steps on :math:`\nabla \log p` polish the end points where
        :math:`\log p` is concave; end points closer than ``1e-6`` of the smallest scale are one
        mode.
        """
        if self._mode_cache is not None:
            return self._mode_cache
        locs, scales, nu = self.means, self.scales, self.dofs
        log_w = self.log_weights.detach().cpu().double()
        log_norm = (
            torch.lgamma(0.5 * (nu + 1.0))
            - torch.lgamma(0.5 * nu)
            - 0.5 * torch.log(nu * math.pi)
            - scales.log()
        ).sum(-1)
        bias, half, spread = log_w + log_norm, 0.5 * (nu + 1.0), nu * scales * scales

        def terms(x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
            diff = x[:, None, :] - locs[None]  # (S, K, d)
            denominator = spread[None] + diff * diff
            logits = bias - (half * torch.log1p(diff * diff / spread)).sum(-1)
            r = (logits - torch.logsumexp(logits, -1, keepdim=True)).exp()
            return diff, denominator, r

        x = locs.clone()
        tolerance = 1e-14 * (1.0 + float(locs.abs().max()))
        for _ in range(5000):
            diff, denominator, r = terms(x)
            c = r[..., None] * (2.0 * half) / denominator
            moved = (c * locs[None]).sum(1) / c.sum(1)
            step = float((moved - x).abs().max())
            x = moved
            if step <= tolerance:
                break
        for _ in range(10):  # Newton on grad log p, where log p is concave
            diff, denominator, r = terms(x)
            g = -(2.0 * half) * diff / denominator  # (S, K, d): grad log p_k
            h = -(2.0 * half) * (spread[None] - diff * diff) / (denominator * denominator)
            mean_g = (r[..., None] * g).sum(1)
            hessian = torch.diag_embed((r[..., None] * h).sum(1))
            hessian = (
                hessian + torch.einsum("sk,ski,skj->sij", r, g, g) - mean_g[:, :, None] * mean_g[:, None, :]
            )
            _, not_concave = torch.linalg.cholesky_ex(-hessian)
            newton, _ = torch.linalg.solve_ex(hessian, mean_g.unsqueeze(-1))
            ok = (not_concave == 0)[:, None] & torch.isfinite(newton.squeeze(-1))
            x = x - torch.where(ok, newton.squeeze(-1), torch.zeros_like(x))
        distance = torch.cdist(x, x)
        first = (distance <= 1e-6 * float(scales.min())).to(torch.int64).argmax(-1)
        labels, component_mode = torch.unique(first, return_inverse=True)
        masses = torch.zeros(len(labels), dtype=torch.float64).index_add_(0, component_mode, self.weights)
        self._mode_cache = (x[labels], masses, component_mode)
        return self._mode_cache

    @property
    def modes(self) -> Modes | None:
        """The modes found from the component locations, each with the total weight of the
        components that climb to it (see the class docstring: shallow maxima where the tails of
        different components cross are not listed). None (not searched) where the search would
        hold more than :math:`2^{24}` numbers (``K^2 d`` or ``K d^2``)."""
        if not self._mode_search_fits():
            return None
        points, masses, _ = self._find_modes()
        return Modes(points.clone(), masses.clone())

    def mode_index(self, x: Tensor) -> Tensor:
        """The index in :attr:`modes` of the mode of the component most responsible for each
        sample (the largest :math:`w_k p_k(x)`): ``(*batch,)`` int64.

        Raises:
            NotImplementedError: where :attr:`modes` is not searched.
        """
        self.check_input(x)
        if not self._mode_search_fits():
            raise NotImplementedError("modes are not searched for this mixture; no mode index")
        component_mode = self._find_modes()[2].to(x.device)
        return component_mode[self._logits(x, self._coefficients(x))[0].argmax(-1)]

    def component_index(self, x: Tensor) -> Tensor:
        """The most responsible component for each sample, ``(*batch,)`` int64: the source's
        ``argmax`` of the weighted component log densities."""
        self.check_input(x)
        return self._logits(x, self._coefficients(x))[0].argmax(-1)

    @property
    def minima(self) -> Minima | None:
        """The deepest mode, when it is deeper than every other by more than ``1e-9`` (else None)."""
        if not self._mode_search_fits():
            return None
        points = self._find_modes()[0]
        with torch.no_grad():
            energies = self.forward(points.to(device=self.locs.device, dtype=self.locs.dtype)).cpu().double()
        order = torch.argsort(energies)
        best = float(energies[order[0]])
        if len(order) > 1 and float(energies[order[1]]) - best <= 1e-9 * (1.0 + abs(best)):
            return None
        return Minima(points[order[0]].reshape(1, -1), best)


def _student_t(nu: Tensor, generator: torch.Generator | None) -> Tensor:
    r"""One Student-t variate per entry of ``nu`` (float64), by Bailey's polar method.

    Draw :math:`U, V` uniform on :math:`(-1, 1)` until :math:`0 < W = U^2 + V^2 \le 1`; then
    :math:`T = U \sqrt{\nu (W^{-2/\nu} - 1) / W}` is exactly :math:`t_\nu` (Bailey 1994; the
    Box-Muller polar method in the limit :math:`\nu \to \infty`). Entries still waiting are
    redrawn, so every draw uses ``generator``.
    """
    out = torch.empty_like(nu)
    todo = torch.arange(len(nu))
    while len(todo):
        uv = 2.0 * torch.rand(2, len(todo), generator=generator, dtype=torch.float64) - 1.0
        w = uv[0] * uv[0] + uv[1] * uv[1]
        ok = (w > 0.0) & (w <= 1.0)
        index, u, w = todo[ok], uv[0][ok], w[ok]
        dof = nu[index]
        out[index] = u * torch.sqrt(dof * torch.expm1(-2.0 / dof * torch.log(w)) / w)
        todo = todo[~ok]
    return out
