"""Tempering and annealing paths between energies."""

from __future__ import annotations

import math
import sys
from typing import Any

import torch
from torch import Tensor, nn

from ebmcore import BaseModel, Minima, constraints

from ._components import (
    GAUSSIAN_NAME,
    ClosedFormTruth,
    build_components,
    common_event_shape,
    common_minima,
    energy_spec,
    hull_bounds,
    weighted_sum_closed_form,
)

__all__ = ["Annealed", "Tempered"]

SMALLEST_TEMPERATURE = sys.float_info.min
"""The smallest temperature, the smallest normal float64 (about 2.2e-308): below it
:math:`1/T`, the factor of every gradient, overflows even in float64."""

temperature_constraint = constraints.Constraint(
    lambda v: constraints.positive.check(v) and v >= SMALLEST_TEMPERATURE,
    f"a finite real number >= {SMALLEST_TEMPERATURE!r} (the smallest normal float64: below it 1/T overflows)",
)


def _broad_start(dim: int) -> dict[str, Any]:
    """The default start of an annealing path: the broad Gaussian N(0, 4 I)."""
    return {"name": GAUSSIAN_NAME, "dim": dim, "cov": 4.0}


def _fits(temperature: float, dtype: torch.dtype) -> bool:
    """Whether :math:`T` and :math:`1/T` are normal numbers of ``dtype`` (always in float64)."""
    if dtype == torch.float64 or not dtype.is_floating_point:
        return True
    tiny = torch.finfo(dtype).tiny
    return tiny <= temperature <= 1.0 / tiny


class Tempered(ClosedFormTruth):
    r"""A base energy at temperature :math:`T`: :math:`p_T \propto p^{1/T}`.

    .. math::

        E_T(x) = \frac{E(x)}{T}, \qquad \nabla E_T = \frac{\nabla E}{T}.

    :math:`T > 1` flattens the landscape (parallel tempering, replica exchange), :math:`T < 1`
    sharpens it. The minimizers are those of the base, with value :math:`E^*/T`. The log
    partition function is in general unknown; it is reported exactly only where the tempered
    energy is again a known one: a Gaussian with covariance :math:`\Sigma` becomes the
    Gaussian with covariance :math:`T \Sigma` (:math:`\log Z_T = \log Z + \frac d2 \log T`),
    a double well of barrier :math:`h` the double well of barrier :math:`h/T`, a tempered
    energy a tempered energy at the product of the temperatures. Then ``sample()`` is exact
    too.

    Args:
        base: the energy to temper: a registered name, a spec dict or a model (default a
            2-D Gaussian).
        temperature: :math:`T > 0` (default 2), at least the smallest normal float64
            (:data:`SMALLEST_TEMPERATURE`, about 2.2e-308). Where :math:`T` or :math:`1/T` is not
            a normal number of the input's dtype (``T = 1e-50`` in float32) the base is
            evaluated in float64 and the result rounded once: ``inf`` where it overflows, never
            the ``0 / 0 = NaN`` of a temperature rounded to zero.
        dim: dimension given to a base named by a bare name (optional).

    References:
        R. H. Swendsen and J.-S. Wang, "Replica Monte Carlo simulation of spin glasses",
        Physical Review Letters 57 (1986).

    Example:
        >>> import torch, ebmcore
        >>> model = ebmcore.create("tempered", base={"name": "gaussian", "dim": 2}, temperature=4.0)
        >>> model.energy(torch.tensor([2.0, 0.0]))
        tensor(0.5000)
        >>> round(model.log_partition() - model.base.log_partition(), 6)  # (d/2) log T
        1.386294
    """

    arg_constraints = {
        "base": energy_spec,
        "temperature": temperature_constraint,
        "dim": constraints.optional(constraints.positive_integer),
    }

    def __init__(self, base: Any = None, temperature: float = 2.0, dim: int | None = None) -> None:
        self.check_args(base=base, temperature=temperature, dim=dim)
        if base is None:
            base, dim = GAUSSIAN_NAME, (2 if dim is None else dim)
        (model,) = build_components([base], dim, energy="Tempered", parameter="base")
        super().__init__(common_event_shape([model], dim), base=model, temperature=temperature, dim=dim)
        self.base = model
        self._temperature = float(temperature)

    @property
    def temperature(self) -> float:
        """:math:`T`; assigning a new value checks it and updates :attr:`config`."""
        return self._temperature

    @temperature.setter
    def temperature(self, value: float) -> None:
        self.update_config(temperature=value)
        self._temperature = float(value)

    def forward(self, x: Tensor) -> Tensor:
        if not _fits(self._temperature, x.dtype):  # see analytic_energy_and_gradient
            return (self.base(x.double()) / self._temperature).to(x.dtype)
        return self.base(x) / self._temperature

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """``E / T`` and ``grad E / T``; in float64 where ``T`` or ``1/T`` is not a normal number
        of ``x``'s dtype (e.g. ``T = 1e-50`` in float32, which would round to 0 and give
        ``0 / 0``), rounded back to that dtype once (so overflow gives ``inf``, never NaN)."""
        graph = torch.is_grad_enabled()
        if not _fits(self._temperature, x.dtype):
            energy, grad = self.base.energy_and_gradient(x.double(), create_graph=graph)
            return (energy / self._temperature).to(x.dtype), (grad / self._temperature).to(x.dtype)
        energy, grad = self.base.energy_and_gradient(x, create_graph=graph)
        return energy / self._temperature, grad / self._temperature

    def closed_form(self) -> tuple[BaseModel, float] | None:
        """A known energy equal to this one up to an additive constant, or None."""
        return weighted_sum_closed_form([1.0 / self._temperature], [self.base])

    @property
    def bounds(self) -> Tensor | None:
        """The base's bounds, widened about their centre by :math:`\\sqrt{T}` when :math:`T > 1`."""
        box = self.base.bounds
        if box is None or self._temperature <= 1.0:
            return box
        centre, half = box.mean(0), 0.5 * (box[1] - box[0])
        spread = math.sqrt(self._temperature) * half
        return torch.stack([centre - spread, centre + spread])

    @property
    def minima(self) -> Minima | None:
        found = self.base.minima
        if found is None:
            return None
        return Minima(found.points, found.value / self._temperature, found.count)


class Annealed(ClosedFormTruth):
    r"""The geometric path between two energies, as used by AIS and SMC samplers.

    .. math::

        E_\beta(x) = (1-\beta)\, E_0(x) + \beta\, E_1(x), \qquad
        p_\beta \propto p_0^{1-\beta} p_1^{\beta}, \quad \beta \in [0, 1].

    At :math:`\beta = 0` it is exactly :math:`E_0` and at :math:`\beta = 1` exactly
    :math:`E_1` (the other energy is not evaluated, so an infinite energy there does no
    harm), with their ground truth. In between the log partition function and an exact
    sampler are known when both ends are Gaussians (the path stays Gaussian: precisions add)
    or double wells with one well position; minima are known when both ends list all their
    minimizers and share some. :attr:`beta` may be reassigned to walk along the path.

    Args:
        initial: :math:`E_0`, a registered name, spec dict or model (default the broad
            Gaussian :math:`\mathcal N(0, 4 I)` in the target's dimension).
        target: :math:`E_1` (default, with no initial either, the Gaussian
            :math:`\mathcal N((2, \dots, 2), I/4)`, so the whole default path is exact; with
            an initial, the standard Gaussian).
        beta: :math:`\beta \in [0, 1]` (default 0.5).
        dim: dimension given to ends named by a bare name (optional).

    References:
        R. M. Neal, "Annealed importance sampling", Statistics and Computing 11 (2001).

    Example:
        >>> import torch, ebmcore
        >>> path = ebmcore.create("annealed", initial="gaussian", target="double_well", dim=2, beta=0.25)
        >>> path.energy(torch.tensor([1.0, 1.0]))  # 0.75 * 1 + 0.25 * 0
        tensor(0.7500)
        >>> path.beta = 1.0
        >>> path.config["beta"]
        1.0
    """

    arg_constraints = {
        "initial": energy_spec,
        "target": energy_spec,
        "beta": constraints.interval(0.0, 1.0),
        "dim": constraints.optional(constraints.positive_integer),
    }

    def __init__(
        self, initial: Any = None, target: Any = None, beta: float = 0.5, dim: int | None = None
    ) -> None:
        self.check_args(initial=initial, target=target, beta=beta, dim=dim)
        if initial is None and target is None:
            d = 2 if dim is None else dim
            initial, target = _broad_start(d), {"name": GAUSSIAN_NAME, "mean": [2.0] * d, "cov": 0.25}
        elif initial is None:
            (target,) = build_components([target], dim, energy="Annealed", parameter="target")
            shape = target.event_shape
            initial = _broad_start(target.dim) if shape is not None and len(shape) == 1 else GAUSSIAN_NAME
        ends = [initial, target if target is not None else GAUSSIAN_NAME]
        first, second = build_components(
            ends, dim, energy="Annealed", parameter="target", names=["initial", "target"]
        )
        shape = common_event_shape([first, second], dim)
        super().__init__(shape, initial=first, target=second, beta=beta, dim=dim)
        self.ends = nn.ModuleList([first, second])
        self._beta = float(beta)

    @property
    def initial(self) -> BaseModel:
        """:math:`E_0`."""
        return self.ends[0]  # type: ignore[return-value]

    @property
    def target(self) -> BaseModel:
        """:math:`E_1`."""
        return self.ends[1]  # type: ignore[return-value]

    @property
    def beta(self) -> float:
        r""":math:`\beta`; assigning a new value checks it and updates :attr:`config`."""
        return self._beta

    @beta.setter
    def beta(self, value: float) -> None:
        self.update_config(beta=value)
        self._beta = float(value)

    def _weights(self) -> list[float]:
        return [1.0 - self._beta, self._beta]

    def forward(self, x: Tensor) -> Tensor:
        if self._beta == 0.0:
            return self.initial(x)
        if self._beta == 1.0:
            return self.target(x)
        return (1.0 - self._beta) * self.initial(x) + self._beta * self.target(x)

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        graph = torch.is_grad_enabled()
        if self._beta == 0.0:
            return self.initial.energy_and_gradient(x, create_graph=graph)
        if self._beta == 1.0:
            return self.target.energy_and_gradient(x, create_graph=graph)
        e0, g0 = self.initial.energy_and_gradient(x, create_graph=graph)
        e1, g1 = self.target.energy_and_gradient(x, create_graph=graph)
        a, b = self._weights()
        return a * e0 + b * e1, a * g0 + b * g1

    def closed_form(self) -> tuple[BaseModel, float] | None:
        """A known energy equal to this one up to an additive constant, or None."""
        return weighted_sum_closed_form(self._weights(), [self.initial, self.target])

    @property
    def bounds(self) -> Tensor | None:
        """The bounds of the current end (at 0 or 1), else the box holding both ends' bounds."""
        if self._beta in (0.0, 1.0):
            return (self.initial if self._beta == 0.0 else self.target).bounds
        return hull_bounds([self.initial, self.target])

    @property
    def minima(self) -> Minima | None:
        if self._beta in (0.0, 1.0):
            return (self.initial if self._beta == 0.0 else self.target).minima
        form = self.closed_form()
        if form is not None and form[0].minima is not None:
            found = form[0].minima
            return Minima(found.points, found.value + form[1], found.count)
        points = common_minima([self.initial, self.target])
        if points is None:
            return None
        a, b = self._weights()
        return Minima(points, a * self.initial.minima.value + b * self.target.minima.value)  # type: ignore[union-attr]

    def log_partition(self) -> float | None:
        if self._beta in (0.0, 1.0):
            return (self.initial if self._beta == 0.0 else self.target).log_partition()
        return super().log_partition()

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        if self._beta in (0.0, 1.0):
            end = self.initial if self._beta == 0.0 else self.target
            return end.sample(n, generator=generator).to(device=self.device, dtype=self.dtype)
        return super().sample(n, generator)
