"""Mixtures of energies, computed stably with log-sum-exp."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from ebmcore import BaseModel, Minima, constraints

from ._components import (
    GAUSSIAN_NAME,
    build_components,
    check_weight_count,
    common_event_shape,
    common_minima,
    energy_list,
    hull_bounds,
)

__all__ = ["Mixture"]


class Mixture(BaseModel):
    r"""A mixture: the density is a weighted sum of the components' unnormalized densities.

    .. math::

        E(x) = -\log \sum_{k=1}^K w_k\, e^{-E_k(x)}, \qquad
        \nabla E(x) = \sum_k \pi_k(x)\, \nabla E_k(x), \quad
        \pi_k(x) = \operatorname{softmax}_k\big(\log w_k - E_k(x)\big).

    Both are computed with log-sum-exp and softmax, so components whose energies differ by
    :math:`10^4` (or are all around :math:`10^4`) give finite energies and gradients even in
    float32. The gradient combines each component's own gradient (analytic where it has one).

    **Weights act on unnormalized densities.** With :math:`Z_k = \int e^{-E_k}`, the density is
    :math:`p(x) = \sum_k \frac{w_k Z_k}{\sum_j w_j Z_j}\, p_k(x)`: the true mixing proportions
    are :math:`w_k Z_k / \sum_j w_j Z_j`, which equal the :math:`w_k` (normalized) only when the
    components share one :math:`Z`. Hence, when every component knows its log partition
    function,

    .. math::

        \log Z = \log \sum_k w_k Z_k ,

    and when every component also samples exactly, ``sample()`` picks component :math:`k`
    with probability :math:`w_k Z_k / \sum_j w_j Z_j` and samples it. To mix *normalized*
    densities with proportions :math:`\alpha_k`, pass :math:`w_k = \alpha_k / Z_k`.

    Minima are reported only where they are proved: for one component (its minima, value
    :math:`E_1^* - \log w_1`), or when all components list their complete sets of minimizers
    and share some (value :math:`-\log \sum_k w_k e^{-E_k^*}`). Well-separated modes are
    *not* guessed to be the components' minima (the other components shift them slightly).

    The components are evaluated one after the other, so a call costs the sum of theirs; for
    isotropic Gaussian components with one common scale, ``gmm`` (ebmcore-targets) evaluates
    all of them in one matrix product.

    Args:
        components: registered names, spec dicts or models (see the dimension rule in
            :mod:`ebmcore_compose`). Default: Gaussians at :math:`\pm(2, \dots, 2)`.
        weights: positive weights :math:`w_k`, one per component (default all :math:`1/K`).
        dim: dimension given to components named by a bare name, and of the default mixture.

    References:
        G. McLachlan and D. Peel, *Finite Mixture Models*, Wiley 2000.

    Example:
        >>> import torch, ebmcore
        >>> model = ebmcore.create(
        ...     "mixture",
        ...     components=["gaussian", {"name": "gaussian", "mean": [3.0, 3.0]}],
        ...     weights=[0.3, 0.7],
        ... )
        >>> model.dim
        2
        >>> e = model.energy(torch.zeros(2))
        >>> bool(torch.isclose(e, -torch.log(0.3 + 0.7 * torch.exp(torch.tensor(-9.0)))))
        True
        >>> round(model.log_partition(), 6)  # log(2 pi): both components have Z = 2 pi
        1.837877
    """

    arg_constraints = {
        "components": energy_list,
        "weights": constraints.optional(constraints.positive_vector),
        "dim": constraints.optional(constraints.positive_integer),
    }

    log_weights: Tensor

    def __init__(self, components: Any = None, weights: Any = None, dim: int | None = None) -> None:
        args = self.check_args(components=components, weights=weights, dim=dim)
        if components is None:
            d = 2 if dim is None else dim
            components = [{"name": GAUSSIAN_NAME, "mean": [s * 2.0] * d} for s in (-1.0, 1.0)]
        models = build_components(components, dim, energy="Mixture")
        w: list[float] | None = args["weights"]
        check_weight_count(weights, w, len(models), kind="positive numbers", energy="Mixture")
        super().__init__(common_event_shape(models, dim), components=models, weights=weights, dim=dim)
        self.components = nn.ModuleList(models)
        self.weights: list[float] = [1.0 / len(models)] * len(models) if w is None else [float(v) for v in w]
        self.register_buffer("log_weights", torch.tensor(self.weights, dtype=torch.float64).log())

    def _members(self) -> list[BaseModel]:
        return list(self.components)  # type: ignore[arg-type]

    # The components run along the first axis, (K, *batch): torch's CPU softmax and log-sum-exp
    # over a short last axis take 5 to 20 times as long as the same reduction across rows.

    def _logits(self, x: Tensor, energies: list[Tensor]) -> Tensor:
        """``log w_k - E_k(x)``, ``(K, *batch)``."""
        log_weights = self.log_weights.to(x.dtype).reshape((-1,) + (1,) * (x.dim() - self.event_ndim))
        return log_weights - torch.stack(energies)

    def forward(self, x: Tensor) -> Tensor:
        return -torch.logsumexp(self._logits(x, [c(x) for c in self._members()]), 0)

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        graph = torch.is_grad_enabled()
        pairs = [c.energy_and_gradient(x, create_graph=graph) for c in self._members()]
        logits = self._logits(x, [e for e, _ in pairs])
        energy = -torch.logsumexp(logits, 0)
        resp = torch.softmax(logits, 0).reshape(logits.shape + (1,) * self.event_ndim)
        grad = sum(resp[k] * g for k, (_, g) in enumerate(pairs))
        return energy, grad  # type: ignore[return-value]

    # -- ground truth ----------------------------------------------------------------------------

    def closed_form(self) -> tuple[BaseModel, float] | None:
        """For one component: that component, offset by :math:`-\\log w_1`; otherwise None."""
        if len(self.weights) != 1:
            return None
        return self._members()[0], -math.log(self.weights[0])

    def mixture_proportions(self) -> Tensor | None:
        r"""The mixing proportions :math:`w_k Z_k / \sum_j w_j Z_j` of the normalized density, or None."""
        log_z = [c.log_partition() for c in self._members()]
        if any(z is None for z in log_z):
            return None
        logits = self.log_weights.detach().cpu() + torch.tensor(log_z, dtype=torch.float64)
        return torch.softmax(logits, 0)

    @property
    def bounds(self) -> Tensor | None:
        """The smallest box holding every component's bounds (None if one has none)."""
        return hull_bounds(self._members())

    @property
    def minima(self) -> Minima | None:
        members = self._members()
        if len(members) == 1:
            found = members[0].minima
            return (
                None
                if found is None
                else Minima(found.points, found.value - math.log(self.weights[0]), found.count)
            )
        points = common_minima(members)
        if points is None:
            return None
        values = torch.tensor([c.minima.value for c in members], dtype=torch.float64)  # type: ignore[union-attr]
        return Minima(points, -torch.logsumexp(self.log_weights.detach().cpu() - values, 0).item())

    def log_partition(self) -> float | None:
        log_z = [c.log_partition() for c in self._members()]
        if any(z is None for z in log_z):
            return None
        logits = self.log_weights.detach().cpu() + torch.tensor(log_z, dtype=torch.float64)
        return torch.logsumexp(logits, 0).item()

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Exact samples: a component drawn by its true proportion, then a sample of it.

        The order of the samples is i.i.d. (they are not grouped by component). They come in
        the model's dtype, whatever the components' (:attr:`ebmcore.BaseModel.dtype`).
        """
        proportions = self.mixture_proportions()
        if proportions is None:
            raise NotImplementedError(
                "Mixture can sample exactly only when every component knows log_partition()"
            )
        if n:
            labels = torch.multinomial(proportions, n, replacement=True, generator=generator)
        else:  # no draws (multinomial refuses 0)
            labels = torch.zeros(0, dtype=torch.long, device=proportions.device)
        parts: dict[int, Tensor] = {}
        for k, component in enumerate(self._members()):
            count = int((labels == k).sum())
            if count:
                parts[k] = component.sample(count, generator=generator).to(self.device)
        dtype = self.dtype  # the model's, whatever its components'
        if self.event_shape is not None:
            event = self.event_shape
        else:  # the components' (an empty draw of the first, where none was drawn)
            drawn = next(iter(parts.values())) if parts else self._members()[0].sample(0, generator=generator)
            event = drawn.shape[1:]
        out = torch.empty((n, *event), dtype=dtype, device=self.device)
        for k, part in parts.items():
            out[(labels == k).to(out.device)] = part.to(dtype)
        return out
