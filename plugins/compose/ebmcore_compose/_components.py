"""Shared machinery of the composed energies: building components and exact simplifications.

Components are given as a registered name (``"gaussian"``), a spec dict
(``{"name": "gaussian", "mean": [3.0, 3.0]}``) or a model instance; :func:`build_components`
turns them into models with one event shape.

**The dimension rule.** Spec dicts and model instances are built exactly as given. A *bare
name* is created with ``dim=d`` when ``d`` is known, namely from the composed energy's own
``dim`` argument, or else from the components that are spec dicts or instances (which must
then agree); a bare name whose energy takes no ``dim`` parameter is created with its defaults.
Components that still disagree raise :class:`ebmcore.InvalidParameterError` naming each
component and its dimension.

:func:`weighted_sum_closed_form` recognizes weighted sums that are again a known energy (a
sum of quadratic Gaussian energies is a Gaussian plus a constant; a positive multiple of a
double well is a double well), which is how tempered, annealed and summed energies inherit an
exact ``log_partition()`` and ``sample()``. It never guesses: anything it cannot prove returns
None.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor

from ebmcore import BaseModel, InvalidParameterError, Minima, constraints
from ebmcore.plugin import create_component

__all__ = [
    "check_weight_count",
    "common_event_shape",
    "ClosedFormTruth",
    "GAUSSIAN",
    "GAUSSIAN_NAME",
    "energy_list",
    "energy_spec",
    "gaussian_quadratic",
    "build_components",
    "class_key",
    "closed_form",
    "common_minima",
    "hull_bounds",
    "weighted_sum_closed_form",
]

GAUSSIAN = "ebmcore_analytic._gaussian:Gaussian"
DOUBLE_WELL = "ebmcore_analytic._double_well:DoubleWell"
GAUSSIAN_NAME = "analytic/gaussian"
"""How the defaults name the Gaussian: by its qualified name, which another plugin's
``gaussian`` cannot make ambiguous."""


def _is_energy(value: Any) -> bool:
    return isinstance(value, (str, Mapping, BaseModel))


energy_spec = constraints.Constraint(
    lambda v: v is None or _is_energy(v), "None, a registered name, a spec dict or a model"
)
energy_list = constraints.Constraint(
    lambda v: v is None or (isinstance(v, list) and len(v) >= 1 and all(_is_energy(e) for e in v)),
    "None or a non-empty list of energies (registered names, spec dicts or models)",
)

ClosedForm = tuple[BaseModel, float]
"""``(model, offset)`` such that ``E(x) = model.energy(x) + offset`` for every ``x``."""


def class_key(model: BaseModel) -> str:
    cls = type(model)
    return f"{cls.__module__}:{cls.__qualname__}"


def _label(spec: Any) -> str:
    if isinstance(spec, BaseModel):
        return repr(spec.registry_name or type(spec).__name__)
    if isinstance(spec, Mapping):
        return repr(spec.get("name"))
    return repr(spec)


def _entry_label(parameter: str, index: int, specs: Sequence[Any], names: Sequence[str] | None = None) -> str:
    """How errors name one entry: ``components[1]``, ``base`` for a one-entry parameter, or
    the entry's own name where ``names`` gives one (``initial``, ``target``)."""
    if names is not None:
        return names[index]
    return parameter if parameter != "components" and len(specs) == 1 else f"{parameter}[{index}]"


def build_components(
    specs: Any,
    dim: int | None,
    *,
    energy: str,
    parameter: str = "components",
    names: Sequence[str] | None = None,
) -> list[BaseModel]:
    """Create the component models following the dimension rule of this module.

    A model whose event shape is None (built by ``super().__init__()`` without a dimension)
    fits any dimension: it never conflicts with the others, and the composed energy takes its
    shape from those that fix one (:func:`common_event_shape`).

    Args:
        specs: a non-empty list of registered names, spec dicts or models.
        dim: the composed energy's ``dim`` argument, or None to infer it.
        energy: class name of the composed energy (for error messages).
        parameter: the parameter name that holds ``specs`` (for error messages).
        names: what to call each entry in error messages (default ``parameter[i]``).

    Raises:
        InvalidParameterError: ``specs`` is not such a list, an entry is of another type, or the
            components do not share one event shape (or it differs from ``dim``).
    """
    if isinstance(specs, (str, Mapping, BaseModel)) or not isinstance(specs, Sequence) or not specs:
        raise InvalidParameterError(
            parameter,
            specs,
            "a non-empty list of energies (registered names, spec dicts or models)",
            energy=energy,
        )
    built: list[BaseModel | None] = [None] * len(specs)
    for i, spec in enumerate(specs):
        if not isinstance(spec, str):
            built[i] = create_component(
                spec, parameter=_entry_label(parameter, i, specs, names), energy=energy
            )
    target = dim
    if target is None:
        fixed = {m.event_shape for m in built if m is not None and m.event_shape is not None}
        if len(fixed) == 1:
            (shape,) = fixed
            target = shape[0] if len(shape) == 1 else None
    for i, spec in enumerate(specs):
        if isinstance(spec, str):
            label = _entry_label(parameter, i, specs, names)
            built[i] = create_component(spec, parameter=label, energy=energy, dim=target)
    models = [m for m in built if m is not None]
    shapes = {m.event_shape for m in models if m.event_shape is not None}  # None fits any dimension
    if len(shapes) > 1 or (dim is not None and not shapes <= {(dim,)}):
        labels = names if names is not None else [f"{parameter}[{i}]" for i in range(len(specs))]
        listed = ", ".join(
            f"{label} {_label(m)} has dim {_shape_text(m.event_shape)}"
            for label, m in zip(labels, models, strict=True)
        )
        wanted = f" and dim={dim}" if dim is not None else ""
        raise InvalidParameterError(
            parameter,
            [_label(s) for s in specs],
            f"energies of one dimension{wanted} ({listed}); give each component its 'dim'",
            energy=energy,
        )
    return models


def _shape_text(shape: tuple[int, ...] | None) -> str:
    if shape is None:
        return "any (not fixed)"
    return str(shape[0]) if len(shape) == 1 else str(shape)


def common_event_shape(models: Sequence[BaseModel], dim: int | None = None) -> tuple[int, ...] | None:
    """The event shape the components of :func:`build_components` share: that of those that fix
    one, else ``(dim,)`` where ``dim`` is given, else None (every component fits any dimension,
    and so does the composed energy)."""
    for model in models:
        if model.event_shape is not None:
            return tuple(model.event_shape)
    return None if dim is None else (dim,)


def hull_bounds(models: Sequence[BaseModel]) -> Tensor | None:
    """The smallest box holding every model's bounds, or None if one of them has none."""
    boxes = [m.bounds for m in models]
    if any(b is None for b in boxes):
        return None
    stacked = torch.stack([b for b in boxes if b is not None])
    return torch.stack([stacked[:, 0].amin(0), stacked[:, 1].amax(0)])


def common_minima(models: Sequence[BaseModel]) -> Tensor | None:
    """The minimizers that every model shares, when each model lists all of its minimizers.

    If every component lists its complete set of global minimizers and their intersection is
    not empty, then for any combination that is strictly increasing in every component energy
    (a sum with positive weights, a mixture) the global minimizers are exactly that
    intersection: each shared point minimizes every term at once, and any other point loses
    strictly in at least one term. Returns the ``(k, dim)`` shared points, or None.
    """
    points: Tensor | None = None
    for model in models:
        minima = model.minima
        if minima is None or minima.count != len(minima.points):
            return None
        if points is None:
            points = minima.points
            continue
        keep = (points[:, None, :] == minima.points[None, :, :]).all(-1).any(-1)
        points = points[keep]
    if points is None or len(points) == 0:
        return None
    return points


# -- exact simplification of weighted sums ---------------------------------------------------


def closed_form(model: BaseModel) -> ClosedForm | None:
    """A known energy equal to ``model`` up to a constant, or None.

    Composed energies of this package answer through their ``closed_form()`` method; the
    analytic Gaussian and double well are their own closed forms.
    """
    method = getattr(model, "closed_form", None)
    if callable(method):
        result: ClosedForm | None = method()
        return result
    if class_key(model) in (GAUSSIAN, DOUBLE_WELL):
        return model, 0.0
    return None


def gaussian_quadratic(model: Any) -> tuple[Tensor, Tensor, bool]:
    """Mean, precision and whether it is diagonal, from an analytic Gaussian: the ``(d, d)``
    precision matrix, or for a diagonal one its ``(d,)`` diagonal (``O(d)``, as the model keeps)."""
    mean = model.mean.detach().cpu().double()
    if model.covariance_kind == "full":
        return mean, model.precision.detach().cpu().double(), False
    return mean, model.precision_diag.detach().cpu().double(), True


def weighted_sum_closed_form(weights: Sequence[float], models: Sequence[BaseModel]) -> ClosedForm | None:
    r"""Exact closed form of :math:`\sum_k w_k E_k`, or None when none is known.

    Rules (terms with :math:`w_k = 0` are dropped first):

    * one term with weight 1: that term's own closed form (or the term itself);
    * Gaussians :math:`E_k = \frac12 (x-\mu_k)^\top P_k (x-\mu_k)` whose combination
      :math:`P = \sum_k w_k P_k` is positive definite: the Gaussian with precision :math:`P`,
      mean :math:`\mu = P^{-1} \sum_k w_k P_k \mu_k` and offset
      :math:`\frac12 \sum_k w_k \mu_k^\top P_k \mu_k - \frac12 \mu^\top P \mu`;
    * double wells with one well position :math:`b` and
      :math:`h = \sum_k w_k h_k > 0`: the double well with barrier height :math:`h`.
    """
    pairs = [(float(w), m) for w, m in zip(weights, models, strict=True) if float(w) != 0.0]
    if not pairs:
        return None
    if len(pairs) == 1 and pairs[0][0] == 1.0:
        found = closed_form(pairs[0][1])
        return found if found is not None else (pairs[0][1], 0.0)
    forms: list[tuple[float, Any, float]] = []
    for w, m in pairs:
        found = closed_form(m)
        if found is None:
            return None
        forms.append((w, found[0], found[1]))
    offset = sum(w * off for w, _, off in forms)
    keys = {class_key(m) for _, m, _ in forms}
    if keys == {GAUSSIAN}:
        return _gaussian_sum(forms, offset)
    if keys == {DOUBLE_WELL}:
        return _double_well_sum(forms, offset)
    return None


def _gaussian_sum(forms: list[tuple[float, Any, float]], offset: float) -> ClosedForm | None:
    quadratics = [(w, *gaussian_quadratic(model)) for w, model, _ in forms]
    cls = type(forms[0][1])
    if all(diag for *_, diag in quadratics):  # O(d): precisions are vectors
        precision = sum(w * prec for w, _, prec, _ in quadratics)
        linear = sum(w * prec * mean for w, mean, prec, _ in quadratics)
        constant = sum(0.5 * w * float((prec * mean * mean).sum()) for w, mean, prec, _ in quadratics)
        assert isinstance(precision, Tensor) and isinstance(linear, Tensor)
        if not bool((torch.isfinite(precision) & (precision > 0)).all()):  # overflowed, or not normalizable
            return None
        mean = linear / precision
        constant -= 0.5 * float((precision * mean * mean).sum())
        variance = 1.0 / precision
        if not bool((variance > 0).all()):  # a precision beyond float64: no Gaussian stands for it
            return None
        return cls(mean=mean.tolist(), cov=variance.tolist()), constant + offset
    matrix = torch.zeros(())
    linear = torch.zeros(())
    constant = 0.0
    for w, mean, prec, diag in quadratics:
        prec = torch.diag(prec) if diag else prec
        matrix = matrix + w * prec
        linear = linear + w * (prec @ mean)
        constant += 0.5 * w * float(mean @ prec @ mean)
    if not bool(torch.isfinite(matrix).all()):  # overflowed (e.g. a weight of 1e300)
        return None
    tril, info = torch.linalg.cholesky_ex(matrix)
    if int(info) != 0:  # not normalizable: no Gaussian closed form
        return None
    mean = torch.cholesky_solve(linear[:, None], tril)[:, 0]
    constant -= 0.5 * float(mean @ matrix @ mean)
    cov = torch.cholesky_inverse(tril)
    return cls(mean=mean.tolist(), cov=(0.5 * (cov + cov.T)).tolist()), constant + offset


def _double_well_sum(forms: list[tuple[float, Any, float]], offset: float) -> ClosedForm | None:
    first = forms[0][1]
    if any(m.b != first.b or m.dim != first.dim for _, m, _ in forms):
        return None
    height = sum(w * m.barrier_height for w, m, _ in forms)
    if not 0 < height < math.inf:  # an overflowing height has no double well to stand for it
        return None
    return type(first)(dim=first.dim, barrier_height=height, b=first.b), offset


def shifted_minima(minima: Minima | None, scale: float, offset: float) -> Minima | None:
    """``minima`` with the value mapped to ``scale * value + offset`` (``scale > 0``)."""
    if minima is None:
        return None
    return Minima(minima.points, scale * minima.value + offset, minima.count)


class ClosedFormTruth(BaseModel):
    """Ground truth read off ``closed_form()``: ``E = E_eq + offset`` exactly.

    Samples come in the model's dtype (:attr:`ebmcore.BaseModel.dtype`), whatever the closed form's.
    """

    def closed_form(self) -> tuple[BaseModel, float] | None:
        raise NotImplementedError

    def log_partition(self) -> float | None:
        form = self.closed_form()
        if form is None:
            return None
        inner = form[0].log_partition()
        return None if inner is None else inner - form[1]

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        form = self.closed_form()
        if form is None:
            return super().sample(n, generator)
        return form[0].sample(n, generator=generator).to(device=self.device, dtype=self.dtype)


def check_weight_count(
    weights: Any, normalized: list[float] | None, count: int, *, kind: str, energy: str
) -> None:
    """Raise naming ``weights`` unless there is one weight per component (or none at all).

    Args:
        weights: the argument as given (shown in the error).
        normalized: the same, normalized by ``check_args``.
        count: the number of components.
        kind: what each weight must be, e.g. ``"real numbers"``.
        energy: class name of the composed energy.
    """
    if normalized is not None and len(normalized) != count:
        allowed = f"a list of {count} {kind}, one per component"
        raise InvalidParameterError("weights", weights, allowed, energy=energy)
