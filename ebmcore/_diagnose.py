"""Numerical health checks of an energy: :func:`diagnose`.

A sampler that diverges, a training loss that turns NaN, a benchmark whose numbers drift between
float32 and float64: most of these trace back to an energy that misbehaves somewhere in its
domain. :func:`diagnose` evaluates a model on a batch of points and reports what a careful user
would check by hand, with the offending inputs.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

from ._dispatch import autograd_energy_and_gradient, energy_and_gradient, resolve_backend
from ._errors import InvalidParameterError
from ._regions import default_bounds, placement
from ._registry import create

if TYPE_CHECKING:
    from ._model import BaseModel

__all__ = ["DiagnosticIssue", "DiagnosticReport", "DiagnosticWarning", "diagnose"]

_SHOWN = 5  # offending inputs kept per issue


class DiagnosticWarning(UserWarning):
    """A numerical problem found by :func:`ebmcore.diagnose` (a warning, not an error).

    Attributes:
        issue: the :class:`DiagnosticIssue` behind it, with the offending inputs (None if built bare).
    """

    def __init__(self, message: str, issue: DiagnosticIssue | None = None) -> None:
        super().__init__(message)
        self.issue = issue


@dataclass(frozen=True)
class DiagnosticIssue:
    """One problem found by :func:`diagnose`.

    Attributes:
        kind: ``"nonfinite_energy"``, ``"nonfinite_gradient"``, ``"large_score"``,
            ``"energy_range"``, ``"gradient_mismatch"``, ``"dtype_drift"``, ``"shape"`` or
            ``"input_modified"``.
        message: one line saying what is wrong, with numbers.
        inputs: up to five offending inputs, ``(k, *event_shape)`` float64 (may be empty).
    """

    kind: str
    message: str
    inputs: Tensor = field(repr=False)

    def __str__(self) -> str:
        return f"[{self.kind}] {self.message}"

    def describe(self, rows: int = 3) -> list[str]:
        """The issue and up to ``rows`` offending inputs, one line each."""
        lines = [str(self)]
        for row in self.inputs.reshape(len(self.inputs), -1)[:rows].tolist():
            shown = ", ".join(f"{v:.4g}" for v in row[:6]) + (", ..." if len(row) > 6 else "")
            lines.append(f"    at x = [{shown}]")
        return lines


@dataclass
class DiagnosticReport:
    """What :func:`diagnose` measured and found.

    Attributes:
        name: the model's registry name (or class name).
        points: how many inputs were checked.
        backend: the gradient path taken on them (``"kernel"``, ``"analytic"``, ``"autograd"``).
        energy_min: smallest finite energy (NaN where none is finite); ``energy_max`` likewise.
        max_score_norm: largest finite ``|score|`` seen.
        max_gradient_error: largest relative difference between the dispatched gradient and
            autograd (0 where the dispatched path is autograd).
        issues: the problems found; empty when the model looks healthy.
    """

    name: str
    points: int
    backend: str
    energy_min: float
    energy_max: float
    max_score_norm: float
    max_gradient_error: float
    issues: list[DiagnosticIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no issue was found."""
        return not self.issues

    def kinds(self) -> list[str]:
        """The kinds of the issues found, in order."""
        return [issue.kind for issue in self.issues]

    def __str__(self) -> str:
        lines = [
            f"diagnosis of {self.name} on {self.points} points (gradient path: {self.backend})",
            f"  energy range: [{self.energy_min:.6g}, {self.energy_max:.6g}]",
            f"  largest score norm: {self.max_score_norm:.6g}",
            f"  gradient vs autograd, largest relative difference: {self.max_gradient_error:.3g}",
        ]
        if self.ok:
            lines.append("  no problems found")
        for issue in self.issues:
            first, *rest = issue.describe()
            lines += [f"  problem {first}", *(f"  {line}" for line in rest)]
        return "\n".join(lines)


def _default_points(model: BaseModel, n: int, seed: int) -> Tensor:
    """Uniform points over the model's box of interest (see ``ebmcore.plot.default_bounds``), plus minima."""
    box = default_bounds(model)
    generator = torch.Generator().manual_seed(seed)
    u = torch.rand(n, model.dim, generator=generator, dtype=torch.float64)
    points = box[0] + u * (box[1] - box[0])
    minima = model.minima
    if minima is not None and len(minima.points):
        points = torch.cat([minima.points.reshape(len(minima.points), -1).double(), points])
    return points.reshape(-1, *model.event_shape)


def _rows(x: Tensor, mask: Tensor) -> Tensor:
    return x[mask][:_SHOWN].detach().double().cpu()


def diagnose(
    model: BaseModel | str | Mapping[str, Any],
    x: Tensor | None = None,
    *,
    n: int = 1024,
    seed: int = 0,
    max_score_norm: float = 1e8,
    max_energy_range: float = 1e12,
    rtol: float = 1e-6,
    warn: bool = True,
) -> DiagnosticReport:
    r"""Check an energy for numerical trouble on ``x`` and report it.

    Checks, on every input with finite coordinates:

    - ``nonfinite_energy`` / ``nonfinite_gradient``: NaN or Inf in :math:`E(x)` or
      :math:`\nabla E(x)`;
    - ``large_score``: :math:`\|\nabla E(x)\| >` ``max_score_norm`` (step sizes will blow up);
    - ``energy_range``: :math:`\max E - \min E >` ``max_energy_range`` (float32 loses all
      resolution near the minimum);
    - ``gradient_mismatch``: the dispatched gradient (device kernel or analytic) differs from
      autograd by more than ``rtol`` relative to ``max(1, max_i |dE/dx_i|)`` at that input
      (in float64, or at least ``1e-4`` for a model whose parameters are float32);
    - ``dtype_drift``: float32 or float64 inputs give energies or gradients of another dtype;
    - ``shape``: energies not of shape ``(*batch,)`` or gradients not of the shape of ``x``;
    - ``input_modified``: evaluating the energy or gradient changed ``x`` in place.

    Each problem is reported as an :class:`DiagnosticIssue` with up to five offending inputs and, unless
    ``warn=False``, also as a :class:`DiagnosticWarning`.

    Args:
        model: the energy, or a name or spec dict for :func:`ebmcore.create`.
        x: inputs ``(*batch, *event_shape)``; default ``n`` uniform points over the model's
            bounds (or minima ``± 3``, or :math:`[-3, 3]^d`) plus its known minimizers.
        n: number of random points when ``x`` is not given.
        seed: seed of those points.
        max_score_norm: score norms above this are reported.
        max_energy_range: energy ranges above this are reported.
        rtol: tolerance of the gradient comparison.
        warn: also issue a :class:`DiagnosticWarning` per problem.

    Returns:
        A :class:`DiagnosticReport`; ``report.ok`` is True when nothing was found.

    Example:
        >>> import ebmcore
        >>> report = ebmcore.diagnose("rosenbrock", n=256)
        >>> report.ok, report.backend in ("kernel", "analytic")  # kernel: where ebmcore-kernels is built
        (True, True)
        >>> report.energy_min, round(report.energy_max, -4)  # 0 at the minimizer (1, 1)
        (0.0, 970000.0)
    """
    model = create(model)
    energy_name = type(model).__name__
    if not (isinstance(n, int) and n >= 1):
        raise InvalidParameterError("n", n, "an integer >= 1", energy=energy_name)
    if x is None:
        if model.event_shape is None:
            raise InvalidParameterError(
                "x", None, "points to diagnose at: the model fixed no event shape", energy=energy_name
            )
        device, dtype = placement(model)
        x = _default_points(model, n, seed).to(device=device, dtype=dtype)
    model.check_input(x)
    event_shape = x.shape[x.ndim - model.event_ndim :]
    flat = x.reshape(-1, *event_shape)
    finite_in = torch.isfinite(flat.reshape(len(flat), -1)).all(-1)
    issues: list[DiagnosticIssue] = []
    empty = torch.zeros(0, *event_shape, dtype=torch.float64)

    before = flat.clone()
    energy, grad = energy_and_gradient(model, flat)
    backend = resolve_backend(model, flat)
    if energy.shape != flat.shape[:1] or grad.shape != flat.shape:
        issues.append(
            DiagnosticIssue(
                "shape",
                f"energy has shape {tuple(energy.shape)} (expected {tuple(flat.shape[:1])}) and gradient "
                f"{tuple(grad.shape)} (expected {tuple(flat.shape)})",
                empty,
            )
        )
        energy = energy.reshape(-1)[: len(flat)]
        grad = grad.reshape(flat.shape) if grad.numel() == flat.numel() else torch.zeros_like(flat)
    model.energy(flat)  # forward alone must not touch x either
    same = (flat == before) | (flat.isnan() & before.isnan())
    if not bool(same.all()):
        changed = (~same).reshape(len(flat), -1).any(-1)
        issues.append(
            DiagnosticIssue(
                "input_modified", "evaluating the model changed its input x in place", _rows(before, changed)
            )
        )

    energy = energy.detach()
    grad_rows = grad.detach().reshape(len(flat), -1)
    bad_energy = finite_in & ~torch.isfinite(energy)
    if bad_energy.any():
        count = int(bad_energy.sum())
        issues.append(
            DiagnosticIssue(
                "nonfinite_energy",
                f"energy is NaN or Inf at {count} of {len(flat)} finite inputs",
                _rows(flat, bad_energy),
            )
        )
    bad_grad = finite_in & ~torch.isfinite(grad_rows).all(-1)
    if bad_grad.any():
        count = int(bad_grad.sum())
        issues.append(
            DiagnosticIssue(
                "nonfinite_gradient",
                f"gradient (score) is NaN or Inf at {count} of {len(flat)} finite inputs",
                _rows(flat, bad_grad),
            )
        )

    norms = grad_rows.double().norm(dim=-1)
    finite_norms = norms[torch.isfinite(norms)]
    largest_norm = float(finite_norms.max()) if finite_norms.numel() else math.nan
    too_steep = torch.isfinite(norms) & (norms > max_score_norm)
    if too_steep.any():
        issues.append(
            DiagnosticIssue(
                "large_score",
                f"score norm reaches {largest_norm:.3g} (> {max_score_norm:.3g}) "
                f"at {int(too_steep.sum())} inputs",
                _rows(flat, too_steep),
            )
        )

    finite_energy = energy[torch.isfinite(energy)].double()
    low = float(finite_energy.min()) if finite_energy.numel() else math.nan
    high = float(finite_energy.max()) if finite_energy.numel() else math.nan
    if finite_energy.numel() and high - low > max_energy_range:
        order = energy.double().nan_to_num(nan=-math.inf, posinf=-math.inf)
        steepest = torch.zeros(len(flat), dtype=torch.bool)
        steepest[order.argmax()] = True
        issues.append(
            DiagnosticIssue(
                "energy_range",
                f"energies span [{low:.3g}, {high:.3g}], a range above {max_energy_range:.3g}; "
                "float32 cannot resolve the minimum region (consider a smaller box or a log transform)",
                _rows(flat, steepest),
            )
        )

    gradient_error = 0.0
    if backend != "autograd":
        _, dtype = placement(model)
        tolerance = rtol if dtype == torch.float64 else max(rtol, 1e-4)
        reference_x = flat.detach().to(dtype)
        _, reference = autograd_energy_and_gradient(model, reference_x, False)
        _, dispatched = energy_and_gradient(model, reference_x)
        diff = (dispatched - reference).reshape(len(flat), -1).abs()
        scale = reference.reshape(len(flat), -1).abs().amax(-1, keepdim=True).clamp_min(1.0)
        relative = diff / scale
        both = finite_in & torch.isfinite(relative).all(-1)
        if both.any():
            per_row = relative[both].amax(-1)
            gradient_error = float(per_row.max())
            wrong = torch.zeros(len(flat), dtype=torch.bool)
            wrong[both] = per_row > tolerance
            if wrong.any():
                issues.append(
                    DiagnosticIssue(
                        "gradient_mismatch",
                        f"the {backend} gradient differs from autograd by up to {gradient_error:.3g} "
                        f"(relative, > rtol {tolerance:.1g}) at {int(wrong.sum())} inputs",
                        _rows(flat, wrong),
                    )
                )

    drift = []
    probe = flat[finite_in][:8]
    if len(probe):
        for dtype in (torch.float32, torch.float64):
            typed = probe.detach().to(dtype)
            try:
                e_typed, g_typed = energy_and_gradient(model, typed)
                e_forward = model.energy(typed)
            except RuntimeError as exc:  # e.g. a float32 layer given float64 input
                drift.append(f"{dtype} in raised {type(exc).__name__}: {exc}")
                continue
            if {e_typed.dtype, g_typed.dtype, e_forward.dtype} != {dtype}:
                drift.append(
                    f"{dtype} in gives energy {e_forward.dtype} (forward), {e_typed.dtype} "
                    f"(energy_and_gradient) and gradient {g_typed.dtype}"
                )
    if drift:
        issues.append(
            DiagnosticIssue("dtype_drift", "; ".join(drift), probe[:_SHOWN].detach().double().cpu())
        )

    report = DiagnosticReport(
        name=model.registry_name or energy_name,
        points=len(flat),
        backend=backend,
        energy_min=low,
        energy_max=high,
        max_score_norm=largest_norm,
        max_gradient_error=gradient_error,
        issues=issues,
    )
    if warn:
        for issue in issues:
            text = "\n".join(issue.describe())
            warnings.warn(DiagnosticWarning(f"{report.name}: {text}", issue), stacklevel=2)
    return report
