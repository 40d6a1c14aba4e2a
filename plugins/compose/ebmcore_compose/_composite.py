"""Weighted sums, products, minima and maxima of energies."""

from __future__ import annotations

import difflib
from typing import Any

import torch
from torch import Tensor, nn

from ebmcore import BaseModel, InvalidParameterError, Minima, constraints

from ._components import (
    GAUSSIAN_NAME,
    ClosedFormTruth,
    build_components,
    check_weight_count,
    common_event_shape,
    common_minima,
    energy_list,
    hull_bounds,
    weighted_sum_closed_form,
)

__all__ = ["OPERATIONS", "Composite"]

OPERATIONS = ("sum", "product", "min", "max")


def _expand(values: Tensor, event_dims: int) -> Tensor:
    """Give a ``(*batch,)`` tensor trailing singleton dims to broadcast against ``(*batch, *event)``."""
    return values.reshape(values.shape + (1,) * event_dims)


def check_operation(operation: Any, energy: str) -> None:
    """Raise naming ``operation`` (with a close match) unless it is one of :data:`OPERATIONS`."""
    if isinstance(operation, str) and operation in OPERATIONS:
        return
    allowed = f"one of {', '.join(map(repr, OPERATIONS))}"
    if isinstance(operation, str):
        close = difflib.get_close_matches(operation.lower(), OPERATIONS, n=1, cutoff=0.5)
        if close:
            allowed += f" (did you mean {close[0]!r}?)"
    raise InvalidParameterError("operation", operation, allowed, energy=energy)


class Composite(ClosedFormTruth):
    r"""Energies combined by a weighted sum, product, minimum or maximum.

    With weighted terms :math:`t_k(x) = w_k E_k(x)`:

    .. math::

        E_{\text{sum}} = \sum_k t_k, \quad
        E_{\text{product}} = \prod_k t_k, \quad
        E_{\min} = \min_k t_k, \quad
        E_{\max} = \max_k t_k ,

    and by the chain rule, from each component's own (analytic where it has one) gradient,

    .. math::

        \nabla E_{\text{sum}} = \sum_k w_k \nabla E_k, \quad
        \nabla E_{\text{product}} = \sum_k \Big(\prod_{j \ne k} t_j\Big) w_k \nabla E_k, \quad
        \nabla E_{\min} = w_{k^*} \nabla E_{k^*},\ k^* = \arg\min_k t_k

    (the first minimizing index on ties, as ``torch.min`` does; likewise for the maximum).
    A sum of energies is a product of densities ("product of experts").

    Ground truth is only reported where it is proved: a sum whose terms are Gaussians (or
    double wells with one well position) has the exact ``log_partition()`` and ``sample()``
    of the equivalent Gaussian (double well); a sum with positive weights whose components
    list all their minimizers has as minima the minimizers they share, if any. ``bounds`` is
    the smallest box holding every component's bounds.

    Args:
        components: registered names, spec dicts or models (see the dimension rule in
            :mod:`ebmcore_compose`). Default: the standard Gaussian and the Gaussian with mean
            :math:`(2, \dots, 2)` and covariance :math:`I/2` (a product of experts that is
            again a Gaussian, so every piece of ground truth is known).
        weights: one real weight per component (default all 1).
        operation: ``"sum"``, ``"product"``, ``"min"`` or ``"max"``.
        dim: dimension given to components named by a bare name (optional).

    References:
        G. E. Hinton, "Training products of experts by minimizing contrastive divergence",
        Neural Computation 14 (2002).

    Example:
        >>> import torch, ebmcore
        >>> model = ebmcore.create("composite", components=["gaussian", "double_well"],
        ...                        weights=[2.0, 1.0], dim=2)
        >>> model.energy(torch.tensor([1.0, 1.0]))  # 2 * 1 + 0
        tensor(2.)
        >>> ebmcore.create("composite", operation="summ")
        Traceback (most recent call last):
        ...
        ebmcore.InvalidParameterError: Composite: ... (did you mean 'sum'?), got 'summ'
    """

    arg_constraints = {
        "components": energy_list,
        "weights": constraints.optional(constraints.real_vector),
        "operation": constraints.any_value,
        "dim": constraints.optional(constraints.positive_integer),
    }

    def __init__(
        self,
        components: Any = None,
        weights: Any = None,
        operation: str = "sum",
        dim: int | None = None,
    ) -> None:
        args = self.check_args(components=components, weights=weights, operation=operation, dim=dim)
        check_operation(operation, "Composite")
        if components is None:
            d = 2 if dim is None else dim
            components = [GAUSSIAN_NAME, {"name": GAUSSIAN_NAME, "mean": [2.0] * d, "cov": 0.5}]
        models = build_components(components, dim, energy="Composite")
        w: list[float] | None = args["weights"]
        check_weight_count(weights, w, len(models), kind="real numbers", energy="Composite")
        super().__init__(
            common_event_shape(models, dim), components=models, weights=weights, operation=operation, dim=dim
        )
        self.components = nn.ModuleList(models)
        self.weights: list[float] = [1.0] * len(models) if w is None else [float(v) for v in w]
        self.operation = operation

    def _members(self) -> list[BaseModel]:
        return list(self.components)  # type: ignore[arg-type]

    def forward(self, x: Tensor) -> Tensor:
        terms = torch.stack([w * c(x) for w, c in zip(self.weights, self._members(), strict=True)], -1)
        return self._combine(terms)[0]

    def _combine(self, terms: Tensor) -> tuple[Tensor, Tensor | None]:
        if self.operation == "sum":
            return terms.sum(-1), None
        if self.operation == "product":
            return terms.prod(-1), None
        result = terms.min(-1) if self.operation == "min" else terms.max(-1)
        return result.values, result.indices

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        graph = torch.is_grad_enabled()
        pairs = [c.energy_and_gradient(x, create_graph=graph) for c in self._members()]
        event_dims = self.event_ndim
        terms = torch.stack([w * e for w, (e, _) in zip(self.weights, pairs, strict=True)], -1)
        grads = [w * g for w, (_, g) in zip(self.weights, pairs, strict=True)]
        energy, index = self._combine(terms)
        if self.operation == "sum":
            return energy, torch.stack(grads).sum(0)
        if self.operation == "product":
            ones = torch.ones_like(terms[..., :1])
            before = torch.cumprod(torch.cat([ones, terms[..., :-1]], -1), -1)
            after = torch.cumprod(torch.cat([ones, terms.flip(-1)[..., :-1]], -1), -1).flip(-1)
            others = before * after  # prod_{j != k} t_j, without dividing
            grad = sum(_expand(others[..., k], event_dims) * g for k, g in enumerate(grads))
            return energy, grad  # type: ignore[return-value]
        assert index is not None
        axis = x.dim() - event_dims
        stacked = torch.stack(grads, axis)
        picked = _expand(index, event_dims).unsqueeze(axis).expand(*index.shape, 1, *x.shape[axis:])
        return energy, stacked.gather(axis, picked).squeeze(axis)

    # -- ground truth ----------------------------------------------------------------------------

    def closed_form(self) -> tuple[BaseModel, float] | None:
        """A known energy equal to this one up to an additive constant, or None."""
        if self.operation == "sum" or len(self.weights) == 1:
            return weighted_sum_closed_form(self.weights, self._members())
        return None

    @property
    def bounds(self) -> Tensor | None:
        """The smallest box holding every component's bounds (None if one has none)."""
        return hull_bounds(self._members())

    @property
    def minima(self) -> Minima | None:
        form = self.closed_form()
        if form is not None:
            found = form[0].minima
            return None if found is None else Minima(found.points, found.value + form[1], found.count)
        if self.operation != "sum" or not all(w > 0 for w in self.weights):
            return None
        points = common_minima(self._members())
        if points is None:
            return None
        values = [c.minima.value for c in self._members()]  # type: ignore[union-attr]
        return Minima(points, sum(w * v for w, v in zip(self.weights, values, strict=True)))
