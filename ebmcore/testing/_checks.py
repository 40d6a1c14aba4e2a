"""The conformance checks of the testing kit, their reports, and :func:`check_energy`.

Every check takes a :class:`~._context.Context` (the model plus the options of the run),
raises :class:`~._context.CheckFailed` or :class:`~._context.CheckSkipped` to fail or skip,
and may return a short note. The numerics they rest on (tolerances, finite differences,
quadrature and importance-sampling references, sampling statistics) are in :mod:`._numerics`.
Tolerances are relative to the magnitudes involved, so steep energies (Rosenbrock, Eggholder)
pass with the same settings as a unit Gaussian; test points are drawn inside ``bounds`` (shrunk
towards the centre) where declared, else from a standard normal, always with a fixed seed.

The checks and their order are named once, in :data:`._names.CHECK_NAMES` (importable without
torch, for pytest's collection); :data:`CHECKS` maps each name to the function of that name here.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import io
import json
import math
import pickle
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from torch import Tensor
from torch.autograd import forward_ad
from torch.func import functional_call, grad, hessian, jacfwd, jacrev, vmap

from .. import _registry
from .._dispatch import resolve_backend, use_backend
from .._errors import ConformanceError, EbmcoreError, InvalidInputError, InvalidParameterError
from .._model import BaseModel
from .._spec import LOCAL_PLUGIN
from ._context import F64, SEED, CheckFailed, CheckSkipped, Context
from ._names import CHECK_NAMES
from ._numerics import (
    IS_SIZE,
    MOMENT_SAMPLES,
    MOMENT_Z,
    SAMPLE_SIZE,
    STEP_LADDER,
    SampleMoments,
    central_differences,
    compare,
    descend,
    effective_sample_size,
    finite_difference_directions,
    finite_difference_tolerance,
    fmt,
    grid_reference,
    importance_reference,
    ks_critical,
    try_samples,
    weighted_ks,
)

__all__ = ["CHECKS", "CheckReport", "CheckResult", "check_energy", "run_check"]

Status = Literal["passed", "failed", "skipped", "xfailed", "xpassed"]
Check = Callable[[Context], str | None]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check.

    Attributes:
        name: the check's name (``"check_gradient_finite_differences"``), with ``[dim=d]``
            appended when :func:`check_energy` ran several dimensions.
        status: ``"passed"``, ``"failed"``, ``"skipped"`` (not applicable, with the reason),
            ``"xfailed"`` (failed as declared in ``expected_failed_checks``) or ``"xpassed"``
            (declared to fail but passed: counted as a failure, so stale declarations are noticed).
        message: what went wrong, why it was skipped, or a note.
    """

    name: str
    status: Status
    message: str = ""

    @property
    def ok(self) -> bool:
        """Whether this result counts as a success (passed, skipped or xfailed)."""
        return self.status in ("passed", "skipped", "xfailed")


@dataclass
class CheckReport:
    """Every check's result for one energy (see :func:`check_energy`).

    Attributes:
        energy: the energy's label (its registry name, or its class name).
        results: check name -> :class:`CheckResult`, in the order the checks ran.
    """

    energy: str
    results: dict[str, CheckResult] = field(default_factory=dict)

    def __getitem__(self, name: str) -> CheckResult:
        return self.results[name]

    def __iter__(self) -> Any:
        return iter(self.results.values())

    @property
    def failures(self) -> dict[str, CheckResult]:
        """The results that count as failures (failed, and unexpectedly passed)."""
        return {k: r for k, r in self.results.items() if not r.ok}

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failures

    def counts(self) -> dict[str, int]:
        """How many results have each status."""
        out = {s: 0 for s in ("passed", "failed", "skipped", "xfailed", "xpassed")}
        for result in self.results.values():
            out[result.status] += 1
        return out

    def table(self, *, width: int = 100) -> str:
        """A readable table: one line per check with its status and message."""
        name_w = max([len("check"), *(len(k) for k in self.results)])
        lines = [f"{'check'.ljust(name_w)}  status   message", f"{'-' * name_w}  -------  -------"]
        for key, result in self.results.items():
            message = " ".join(result.message.split())
            if len(message) > width:
                message = message[: width - 3] + "..."
            lines.append(f"{key.ljust(name_w)}  {result.status.ljust(7)}  {message}".rstrip())
        return "\n".join(lines)

    def __str__(self) -> str:
        return f"{self.energy}\n{self.table()}"

    def error(self) -> ConformanceError | None:
        """The :class:`ebmcore.ConformanceError` listing every failure, or None if none failed."""
        failures = self.failures
        if not failures:
            return None
        lines = [f"{self.energy} failed {len(failures)} check(s): {', '.join(failures)}"]
        for key, result in failures.items():
            lines.append(f"  {key}: {result.message}")
        return ConformanceError("\n".join(lines), report=self, failures=list(failures))

    def raise_for_failures(self) -> None:
        """Raise :class:`ebmcore.ConformanceError` listing every failure by check name."""
        error = self.error()
        if error is not None:
            raise error


def _label(model: BaseModel) -> str:
    return model.registry_name or type(model).__name__


def _require_tensor(value: Any, shape: tuple[int, ...], what: str) -> Tensor:
    if not isinstance(value, Tensor):
        raise CheckFailed(f"{what} returned {type(value).__name__}, not a torch.Tensor")
    if tuple(value.shape) != shape:
        raise CheckFailed(f"{what} has shape {tuple(value.shape)}, expected {shape}")
    return value


# -- shape, dtype, device -------------------------------------------------------------------------


def check_output_shape(ctx: Context) -> str:
    """Energy ``(*batch,)`` for a single sample (0-dim), a batch and a multi-dimensional batch."""
    m, ev = ctx.model, ctx.event_shape
    x = ctx.points(6)
    batch = _require_tensor(m.energy(x), (6,), "energy of a (6, *event_shape) batch")
    single = _require_tensor(m.energy(x[0]), (), "energy of a single sample")
    multi = _require_tensor(m.energy(x.reshape(2, 3, *ev)), (2, 3), "energy of a (2, 3, *event_shape) batch")
    _require_tensor(m.gradient(x), tuple(x.shape), "gradient of a batch")
    _require_tensor(m.gradient(x[0]), tuple(x[0].shape), "gradient of a single sample")
    _require_tensor(m.gradient(x.reshape(2, 3, *ev)), (2, 3, *ev), "gradient of a (2, 3) batch")
    pair = m.energy_and_gradient(x.reshape(3, 2, *ev))
    if not isinstance(pair, tuple) or len(pair) != 2:
        raise CheckFailed("energy_and_gradient did not return an (energy, gradient) pair")
    _require_tensor(pair[0], (3, 2), "energy of energy_and_gradient on a (3, 2) batch")
    _require_tensor(pair[1], (3, 2, *ev), "gradient of energy_and_gradient on a (3, 2) batch")
    compare(single, batch[0], rtol=1e-5, what="single sample vs the same sample in a batch")
    compare(multi.reshape(6), batch, rtol=1e-5, what="(2, 3) batch vs the flat batch")
    return "0-dim, (6,), (2, 3) and (3, 2) batches"


def check_dtype(ctx: Context) -> str:
    """Each dtype in gives that dtype out (energy, gradient, score, energy_and_gradient), also
    per sample under ``torch.func`` transforms (``vmap`` of the model, of its gradient, of
    ``energy_and_gradient``, of forward-mode ``jacfwd``), which must not raise either."""
    m = ctx.given
    for dtype in ctx.dtypes:
        x = ctx.points(4, dtype=dtype)
        try:
            energies = m.energy(x)
        except RuntimeError as exc:
            raise CheckFailed(f"{dtype} input raised {type(exc).__name__}: {_first_line(str(exc))}") from None
        results = {
            "energy": energies,
            "gradient": m.gradient(x),
            "score": m.score(x),
        }
        e, g = m.energy_and_gradient(x)
        results["energy_and_gradient energy"] = e
        results["energy_and_gradient gradient"] = g
        transformed: dict[str, Callable[[Tensor], Any]] = {
            "vmap(model)": vmap(m),
            "vmap(model.gradient)": vmap(m.gradient),
            "vmap(model.energy_and_gradient)": vmap(m.energy_and_gradient),
            "vmap(jacfwd(model))": vmap(jacfwd(m)),
        }
        for what, function in transformed.items():
            try:
                with _quiet_forward_mode():
                    value = function(x)
            except RuntimeError as exc:
                raise CheckFailed(
                    f"{what} of a {dtype} input raised {type(exc).__name__}: {_first_line(str(exc))}"
                ) from None
            parts = value if isinstance(value, tuple) else (value,)
            results.update({f"{what}[{i}]" if len(parts) > 1 else what: part for i, part in enumerate(parts)})
        for what, value in results.items():
            if not isinstance(value, Tensor):
                raise CheckFailed(f"{what} returned {type(value).__name__}")
            if value.dtype != dtype:
                raise CheckFailed(f"{dtype} input gave {value.dtype} {what} (a silent dtype change)")
    return ", ".join(str(d).replace("torch.", "") for d in ctx.dtypes)


def check_device(ctx: Context) -> str:
    """Results live on the input's device; other devices agree with the CPU; mismatches raise."""
    x_cpu = ctx.points(4).cpu()
    reference: tuple[Tensor, Tensor] | None = None
    done = []
    for device in ctx.devices:
        model = copy.deepcopy(ctx.model).to(device)
        x = x_cpu.to(device)
        e, g = model.energy(x), model.gradient(x)
        for what, value in (("energy", e), ("gradient", g)):
            if value.device != x.device:
                raise CheckFailed(f"{what} of an input on {x.device} is on {value.device}")
        if reference is None:
            reference = (e.cpu(), g.cpu())
        else:
            compare(e.cpu(), reference[0], rtol=1e-6, what=f"energy on {device} vs {ctx.devices[0]}")
            compare(
                g.cpu(),
                reference[1],
                rtol=1e-6,
                what=f"gradient on {device} vs {ctx.devices[0]}",
                event_ndim=len(ctx.event_shape),
            )
        has_tensors = any(True for _ in model._reference_tensors())
        if has_tensors and device.type != "cpu":
            try:
                model.energy(x_cpu)
            except InvalidInputError as exc:
                if "cpu" not in str(exc) or device.type not in str(exc):
                    raise CheckFailed(f"device mismatch error does not name both devices: {exc}") from None
            else:
                raise CheckFailed(f"a model on {device} accepted an input on cpu without an error")
        done.append(str(device))
    return ", ".join(done)


# -- gradients --------------------------------------------------------------------------------------


def check_gradient_autograd(ctx: Context) -> str:
    """The dispatched gradient (kernel or analytic) equals autograd through ``forward`` (float64)."""
    m = ctx.model
    x = ctx.points(8)
    path = resolve_backend(m, x)
    if path == "autograd":
        raise CheckSkipped("no analytic gradient or kernel: autograd is the only path")
    e, g = m.energy_and_gradient(x)
    grad = m.gradient(x)
    with use_backend("autograd"):
        e_ref, g_ref = m.energy_and_gradient(x)
    nd = len(ctx.event_shape)
    compare(g, g_ref, rtol=1e-6, what=f"{path} gradient vs autograd", event_ndim=nd)
    compare(grad, g_ref, rtol=1e-6, what=f"{path} gradient() vs autograd", event_ndim=nd)
    compare(e, e_ref, rtol=1e-8, what=f"{path} energy_and_gradient energy vs forward")
    return f"{path} path"


def check_gradient_finite_differences(ctx: Context) -> str:
    """The gradient matches central finite differences of the energy in float64, at the kit's
    step or, for a quotient that misses, at a smaller one of :data:`STEP_LADDER`."""
    n = 4
    x = ctx.flat(ctx.points(n)).cpu()
    v = finite_difference_directions(ctx)  # (k, dim)
    g = ctx.flat(ctx.model.gradient(ctx.unflat(x).to(ctx.device))).cpu().to(F64)
    directional = v @ g.T  # (k, n)
    best = torch.full_like(directional, math.inf)  # the smallest error / tolerance over the steps
    quotients = []  # the difference quotients at each step
    for shrink in STEP_LADDER:
        fd, h, e0, magnitude = central_differences(ctx, x, v, shrink)  # (k, n), (n,), (n,), (n,)
        if not bool(torch.isfinite(g).all()) or not bool(torch.isfinite(e0).all()):
            raise CheckFailed("energy or gradient is not finite at the test points")
        quotients.append(fd)
        tolerance = finite_difference_tolerance(g, directional, magnitude, h)
        ratio = torch.nan_to_num((fd - directional).abs() / tolerance, nan=math.inf)
        best = torch.minimum(best, ratio)
        if bool((best <= 1).all()):
            steps = "" if shrink == STEP_LADDER[0] else f", down to {shrink:g} of the step"
            return f"{n} points x {len(v)} directions{steps}"
    k, i = divmod(int(torch.argmax(best)), n)
    axis = f"coordinate {k}" if ctx.dim <= 32 else f"random direction {k}"
    raise CheckFailed(
        f"sample {i}, {axis}: gradient gives {fmt(float(directional[k, i]))}, central finite "
        f"differences give {fmt(float(quotients[0][k, i]))} (and miss it at steps down to "
        f"{STEP_LADDER[-1]:g} of that too)"
    )


def check_score(ctx: Context) -> None:
    """``score(x) == -gradient(x)``."""
    x = ctx.points(5)
    compare(
        ctx.model.score(x),
        -ctx.model.gradient(x),
        rtol=1e-12,
        what="score vs -gradient",
        event_ndim=len(ctx.event_shape),
    )


def check_energy_and_gradient(ctx: Context) -> None:
    """``energy_and_gradient(x)`` equals ``(energy(x), gradient(x))``: the energies bit for bit
    with ``model(x)`` and ``energy(x)`` (no graph is wanted), and close to the subclass's own
    ``forward`` (the reference, which a kernel's energies replace)."""
    m = ctx.model
    # a float64 copy of a float32-only model (see Context) takes float64 alone
    for dtype in (F64,) if m is not ctx.given else (torch.float32, F64):
        x = ctx.points(5, dtype=dtype)
        with torch.no_grad():
            e, called, alone = m.energy_and_gradient(x)[0], m(x), m.energy(x)
        for what, value in (("model(x)", called), ("energy(x)", alone)):
            if not torch.equal(value, e):
                difference = float((value.double() - e.double()).abs().max())
                raise CheckFailed(
                    f"{what} differs from energy_and_gradient(x)[0] by up to {fmt(difference)} "
                    f"({str(dtype).replace('torch.', '')}): not bit for bit"
                )
    x = ctx.points(5)
    e, g = m.energy_and_gradient(x)
    with use_backend("autograd"):
        reference = m.forward(x)
    compare(m.energy(x), reference, rtol=1e-8, what="energy() vs the subclass's forward(x)")
    compare(
        g,
        m.gradient(x),
        rtol=1e-8,
        what="energy_and_gradient gradient vs gradient()",
        event_ndim=len(ctx.event_shape),
    )


def check_create_graph(ctx: Context) -> str:
    """``create_graph=True`` gives a differentiable gradient: its Hessian-vector product matches FD."""
    m = ctx.model
    x0 = ctx.points(3)
    generator = torch.Generator().manual_seed(SEED + 2)
    v = torch.randn(x0.shape, generator=generator, dtype=F64).to(ctx.device)
    x = x0.clone().requires_grad_(True)
    g = m.gradient(x, create_graph=True)
    h = 1e-5 * (1.0 + float(x0.abs().max()))
    with torch.no_grad():
        fd = (m.gradient(x0 + h * v) - m.gradient(x0 - h * v)) / (2 * h)
        # a kink between x0 - h v and x0 + h v (a ReLU network) spoils the difference at one
        # step: a smaller step decides, since it crosses a kink far less often
        fine = (m.gradient(x0 + h / 64 * v) - m.gradient(x0 - h / 64 * v)) / (2 * h / 64)
    params = [p for p in m.parameters() if p.requires_grad]
    if not g.requires_grad:
        if fd.abs().max() > 1e-6 * (1.0 + float(m.gradient(x0).abs().max())):
            raise CheckFailed(
                "gradient(x, create_graph=True) does not require grad, but the gradient depends on x"
            )
        hvp = torch.zeros_like(x0)
    else:
        (hvp_or_none,) = torch.autograd.grad((g * v).sum(), x, retain_graph=True, allow_unused=True)
        hvp = torch.zeros_like(x0) if hvp_or_none is None else hvp_or_none
        if params:
            grads = torch.autograd.grad((g * v).sum(), params, allow_unused=True)
            if all(p is None for p in grads):
                raise CheckFailed(
                    "gradient(x, create_graph=True) is not differentiable w.r.t. the parameters"
                )
    errors = []
    for difference in (fd, fine):
        scale = float(difference.abs().max()) + float(m.gradient(x0).abs().max()) * 1e-3 + 1e-8
        error = float((hvp.detach() - difference).abs().max())
        errors.append((error - 1e-4 * scale - 1e-3 * float(difference.abs().max()), error, scale))
    excess, error, scale = min(errors)
    if not excess <= 0:
        raise CheckFailed(
            f"Hessian-vector product through gradient(create_graph=True) differs from finite "
            f"differences of the gradient by {fmt(error)} (scale {fmt(scale)})"
        )
    xe = x0.clone().requires_grad_(True)
    e, g2 = m.energy_and_gradient(xe, create_graph=True)
    if not e.requires_grad:
        raise CheckFailed("energy_and_gradient(x, create_graph=True) returned an energy without a graph")
    (de,) = torch.autograd.grad(e.sum(), xe, allow_unused=True)
    if de is None:
        raise CheckFailed("the energy of energy_and_gradient(create_graph=True) does not depend on x")
    compare(
        de,
        g2.detach(),
        rtol=1e-6,
        what="d(energy)/dx vs gradient under create_graph",
        event_ndim=len(ctx.event_shape),
    )
    return "Hessian-vector product vs finite differences"


def check_function_transforms(ctx: Context) -> str:
    """``torch.func`` transforms over the model and its methods agree with autograd, repeatedly.

    ``grad``, ``vmap``, ``jacrev``, ``jacfwd`` and ``hessian`` applied to ``model``,
    ``model.energy``, ``model.gradient``, ``model.score`` and ``model.energy_and_gradient``
    (float64, three points), each twice: device kernels step aside inside transforms, an
    analytic gradient is differentiated through, and nothing cached inside one transform may
    break the next. ``functional_call`` with the model's own state, and ``vmap`` of it over
    two copies of that state (an ensemble), give the model's energies. Dual tensors of
    forward-mode AD (``torch.autograd.forward_ad``) through the model, its gradient and
    ``energy_and_gradient`` carry the directional derivative and the Hessian-vector product.
    """
    m = ctx.model
    x = ctx.points(3)
    nd = len(ctx.event_shape)
    with use_backend("autograd"):
        reference = m.gradient(x)
    # the Hessian of autograd through forward, one point at a time, as (3, dim, dim)
    rows = [torch.autograd.functional.hessian(lambda y: m.forward(y), point) for point in x]
    second = torch.stack([h.reshape(ctx.dim, ctx.dim) for h in rows])

    def square(h: Tensor) -> Tensor:
        return h.reshape(3, ctx.dim, ctx.dim)

    firsts: dict[str, Callable[[], Tensor]] = {
        "vmap(grad(model))": lambda: vmap(grad(m))(x),
        "vmap(grad(model.energy))": lambda: vmap(grad(m.energy))(x),
        "vmap(model.gradient)": lambda: vmap(m.gradient)(x),
        "vmap(grad(energy_and_gradient()[0]))": lambda: vmap(grad(lambda y: m.energy_and_gradient(y)[0]))(x),
    }
    seconds: dict[str, Callable[[], Tensor]] = {
        "vmap(hessian(model))": lambda: square(vmap(hessian(m))(x)),
        "vmap(jacrev(model.gradient))": lambda: square(vmap(jacrev(m.gradient))(x)),
        "vmap(jacfwd(model.gradient))": lambda: square(vmap(jacfwd(m.gradient))(x)),
        "-vmap(jacrev(model.score))": lambda: -square(vmap(jacrev(m.score))(x)),
        "vmap(jacrev(energy_and_gradient()[1]))": lambda: square(
            vmap(jacrev(lambda y: m.energy_and_gradient(y)[1]))(x)
        ),
    }
    # forward-mode AD outside torch.func: dual tensors, whose tangents no kernel may drop
    direction = torch.randn(x.shape, generator=torch.Generator().manual_seed(SEED), dtype=x.dtype).to(
        x.device
    )
    directional = (ctx.flat(reference) * ctx.flat(direction)).sum(-1)
    curvature = ctx.unflat((second @ ctx.flat(direction).unsqueeze(-1)).squeeze(-1))

    def tangent(function: Callable[[Tensor], Tensor]) -> Tensor:
        with forward_ad.dual_level():
            out = forward_ad.unpack_dual(function(forward_ad.make_dual(x, direction))).tangent
        if out is None:
            raise CheckFailed("a dual tensor's tangent was dropped (none came out)")
        return out

    tangents: dict[str, tuple[Callable[[], Tensor], Tensor, int]] = {
        "model(dual) tangent": (lambda: tangent(m), directional, 0),
        "model.gradient(dual) tangent": (lambda: tangent(m.gradient), curvature, nd),
        "model.energy_and_gradient(dual)[1] tangent": (
            lambda: tangent(lambda y: m.energy_and_gradient(y)[1]),
            curvature,
            nd,
        ),
    }
    # the model as a function of its state: torch.func.functional_call puts plain tensors (under
    # vmap, batched ones) where the parameters and buffers were; an ensemble of two equal states
    state = {name: t.detach().clone() for name, t in (*m.named_parameters(), *m.named_buffers())}
    pair = {name: torch.stack([t, t]) for name, t in state.items()}
    energies = m.energy(x)
    stateful: dict[str, tuple[Callable[[], Tensor], Tensor]] = {
        "functional_call(model, state)": (lambda: functional_call(m, state, (x,)), energies),
    }
    if state:  # (a model without tensors has no state to map over)
        stateful["vmap(functional_call) over two states"] = (
            lambda: vmap(lambda s: functional_call(m, s, (x,)))(pair),
            torch.stack([energies, energies]),
        )
    with _quiet_forward_mode():
        for _ in range(2):  # the second round meets whatever the first one left behind
            for what, (call, expected) in stateful.items():
                compare(call(), expected, rtol=1e-8, what=what)
            for what, first in firsts.items():
                compare(first(), reference, rtol=1e-8, what=what, event_ndim=nd)
            for what, function in seconds.items():
                compare(function(), second, rtol=1e-8, what=what, event_ndim=2)
            for what, (function, expected, ndim) in tangents.items():
                compare(function(), expected, rtol=1e-8, what=what, event_ndim=ndim)
    return "grad, vmap, jacrev, jacfwd, hessian, functional_call, forward-mode dual tensors (twice)"


@contextlib.contextmanager
def _quiet_forward_mode() -> Iterator[None]:
    """Quiet the warning torch's forward-mode AD gives as it loads its decompositions through
    ``torch.jit.script``, on first use."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", r"`torch\.jit\.script` is deprecated", DeprecationWarning)
        yield


# -- hygiene --------------------------------------------------------------------------------------


def check_input_not_modified(ctx: Context) -> None:
    """No method modifies its input in place."""
    m = ctx.model
    calls: dict[str, Callable[[Tensor], Any]] = {
        "energy": m.energy,
        "forward": m,
        "gradient": m.gradient,
        "score": m.score,
        "energy_and_gradient": m.energy_and_gradient,
    }
    for name, call in calls.items():
        for backend in ("auto", "autograd"):
            x = ctx.points(4)
            before = x.clone()
            with use_backend(backend):
                call(x)
            if not torch.equal(x, before):
                where = "" if backend == "auto" else " (autograd path)"
                raise CheckFailed(f"{name}(x){where} modified x in place")


def check_deterministic(ctx: Context) -> None:
    """Calling twice on the same input gives bitwise the same energy and gradient."""
    m = ctx.model
    x = ctx.points(6)
    for name, call in (("energy", m.energy), ("gradient", m.gradient)):
        first, second = call(x.clone()), call(x.clone())
        if not torch.equal(first, second):
            diff = float((first - second).abs().max())
            raise CheckFailed(
                f"{name} differs between two calls on the same input (max difference {fmt(diff)})"
            )


def check_nan_propagation(ctx: Context) -> None:
    """NaN in gives NaN energies out, without raising, and leaves other samples untouched."""
    m = ctx.model
    x = ctx.points(4)
    clean_e, clean_g = m.energy(x), m.gradient(x)
    bad = ctx.flat(x.clone())
    bad[1, 0] = math.nan
    bad[3] = math.nan
    bad = ctx.unflat(bad)
    try:
        e = m.energy(bad)
        g = m.gradient(bad)
        m.energy_and_gradient(bad)
    except Exception as exc:
        raise CheckFailed(f"raised {type(exc).__name__} on an input containing NaN: {exc}") from None
    if not bool(e[1].isnan()) or not bool(e[3].isnan()):
        raise CheckFailed(f"NaN input gave energies {e[1].item()!r} and {e[3].item()!r}, not NaN")
    keep = torch.tensor([0, 2], device=e.device)
    compare(e[keep], clean_e[keep], rtol=1e-10, what="energies of clean samples next to NaN ones")
    compare(
        g[keep],
        clean_g[keep],
        rtol=1e-10,
        what="gradients of clean samples next to NaN ones",
        event_ndim=len(ctx.event_shape),
    )


# -- serialization ----------------------------------------------------------------------------------


def _outputs(model: BaseModel, x: Tensor) -> tuple[Tensor, Tensor]:
    return model.energy(x), model.gradient(x)


def _same_outputs(model: BaseModel, other: Any, x: Tensor, what: str) -> None:
    if not isinstance(other, BaseModel):
        raise CheckFailed(f"{what} gave {type(other).__name__}, not a BaseModel")
    e, g = _outputs(model, x)
    e2, g2 = _outputs(other, x)
    compare(e2, e, rtol=1e-12, what=f"energy after {what}")
    compare(g2, g, rtol=1e-12, what=f"gradient after {what}", event_ndim=model.event_ndim)
    if _config(other) != _config(model):
        raise CheckFailed(f"config after {what} is {_config(other)}, was {_config(model)}")


def _config(model: BaseModel) -> dict[str, Any] | None:
    """The model's config, or None where it recorded none (``super().__init__()``)."""
    try:
        return model.config
    except EbmcoreError:
        return None


def _fresh(model: BaseModel) -> BaseModel:
    """A second instance of the same energy, built from its spec where it has one."""
    if model.registry_name is not None:
        return _registry.create(model.spec)
    return copy.deepcopy(model)


def check_state_dict(ctx: Context) -> str:
    """``load_state_dict(state_dict())`` into a fresh instance reproduces the model."""
    state = ctx.model.state_dict()
    fresh = _fresh(ctx.model)
    fresh.load_state_dict(state)
    _same_outputs(ctx.model, fresh, ctx.points(4), "load_state_dict")
    return f"{len(state)} entries"


def check_torch_save(ctx: Context) -> None:
    """``torch.save`` of the state dict loads with ``torch.load(weights_only=True)``."""
    buffer = io.BytesIO()
    torch.save(ctx.model.state_dict(), buffer)
    buffer.seek(0)
    try:
        state = torch.load(buffer, weights_only=True)
    except Exception as exc:
        raise CheckFailed(f"torch.load(weights_only=True) refused the state dict: {exc}") from None
    fresh = _fresh(ctx.model)
    fresh.load_state_dict(state)
    _same_outputs(ctx.model, fresh, ctx.points(4), "torch.save/torch.load")


def check_pickle(ctx: Context) -> None:
    """The model survives ``pickle`` (registry name, config, outputs)."""
    try:
        other = pickle.loads(pickle.dumps(ctx.model))
    except Exception as exc:
        raise CheckFailed(f"cannot pickle: {type(exc).__name__}: {exc}") from None
    _same_outputs(ctx.model, other, ctx.points(4), "pickle")
    if other.registry_name != ctx.model.registry_name:
        raise CheckFailed(
            f"pickle lost the registry name ({ctx.model.registry_name!r} -> {other.registry_name!r})"
        )


def check_deepcopy(ctx: Context) -> None:
    """``copy.deepcopy`` gives an equal, independent model."""
    other = copy.deepcopy(ctx.model)
    _same_outputs(ctx.model, other, ctx.points(4), "copy.deepcopy")
    if other.registry_name != ctx.model.registry_name:
        raise CheckFailed("deepcopy lost the registry name")


def check_config_roundtrip(ctx: Context) -> None:
    """``create(json.loads(json.dumps(model.spec)))`` rebuilds the same energy."""
    m = ctx.model
    if m.registry_name is None:
        try:
            spec = m.spec
        except EbmcoreError as exc:
            raise CheckSkipped(f"not a registered energy ({exc})") from None
    else:
        spec = m.spec
    try:
        text = json.dumps(spec)
    except (TypeError, ValueError) as exc:
        raise CheckFailed(f"spec is not JSON-serializable: {exc}") from None
    rebuilt = _registry.create(json.loads(text)).to(ctx.device)
    if rebuilt.spec != json.loads(text):
        raise CheckFailed(f"rebuilt spec {rebuilt.spec} differs from {spec}")
    if tuple(rebuilt.event_shape) != ctx.event_shape:
        raise CheckFailed(f"rebuilt event shape {rebuilt.event_shape} differs from {ctx.event_shape}")
    if any(True for _ in m.parameters()):  # learned weights are state, not config
        rebuilt.load_state_dict(m.state_dict())
    _same_outputs(m, rebuilt, ctx.points(4), "config -> JSON -> create")


# -- ground truth -----------------------------------------------------------------------------------


def check_minima(ctx: Context) -> str:
    """Energy at ``minima.points`` is ``minima.value``, gradient ~0, nothing lower nearby or in bounds."""
    m = ctx.model
    minima = m.minima
    if minima is None:
        raise CheckSkipped("no minima declared")
    points = torch.as_tensor(minima.points, dtype=F64).reshape(-1, ctx.dim)
    if len(points) > minima.count:
        raise CheckFailed(f"minima lists {len(points)} points but count is {minima.count}")
    value = float(minima.value)
    bounds = ctx.bounds()
    generator = torch.Generator().manual_seed(SEED + 3)
    if bounds is not None:
        u = torch.rand(4096, ctx.dim, generator=generator, dtype=F64)
        random = bounds[0] + (bounds[1] - bounds[0]) * u
        width = bounds[1] - bounds[0]
    else:
        idx = torch.randint(len(points), (4096,), generator=generator)
        random = points[idx] + 2.0 * torch.randn(4096, ctx.dim, generator=generator, dtype=F64)
        width = torch.full((ctx.dim,), 4.0, dtype=F64)
    e_random = ctx.energies(random)
    finite = e_random[torch.isfinite(e_random)]
    spread = float(finite.std()) if len(finite) > 1 else 1.0
    tol = 1e-6 * (1.0 + abs(value) + spread)
    e_min = ctx.energies(points)
    worst = int(torch.argmax((e_min - value).abs().nan_to_num(nan=math.inf)))
    if not float((e_min[worst] - value).abs()) <= tol:
        raise CheckFailed(
            f"energy at minima.points[{worst}] is {e_min[worst].item()!r}, declared value {value!r} "
            f"(tolerance {fmt(tol)})"
        )
    lowest = int(torch.argmin(e_random.nan_to_num(nan=math.inf)))
    if float(e_random[lowest]) < value - tol:
        raise CheckFailed(
            f"a random point has energy {e_random[lowest].item()!r} < declared minimum {value!r}: "
            f"{random[lowest].tolist()}"
        )
    # local minimality: small perturbations (kept inside the bounds) never go lower
    delta = 1e-3 * width
    offsets = torch.randn(64, ctx.dim, generator=generator, dtype=F64) * delta
    near = (points[:, None, :] + offsets[None]).reshape(-1, ctx.dim)
    if bounds is not None:
        near = torch.maximum(torch.minimum(near, bounds[1]), bounds[0])
    e_near = ctx.energies(near)
    if bool((e_near < value - tol).any()):
        i = int(torch.argmin(e_near))
        raise CheckFailed(
            f"energy {e_near[i].item()!r} just next to minima.points[{i // 64}] is below the declared "
            f"minimum {value!r}: it is not a local minimum"
        )
    # descend from the lowest random points: a rugged landscape hides deeper basins from sampling
    refined = descend(ctx, random[torch.argsort(e_random.nan_to_num(nan=math.inf))[:32]], bounds, width)
    if float(refined.min()) < value - tol:
        raise CheckFailed(
            f"gradient descent from random points reached energy {float(refined.min())!r} < declared "
            f"minimum {value!r}"
        )
    # ~0 gradient at interior minimizers (kinks with a NaN gradient and points on the bounds are exempt)
    with torch.no_grad():
        g_min = ctx.flat(m.gradient(ctx.unflat(points).to(ctx.device))).cpu().to(F64)
        g_random = ctx.flat(m.gradient(ctx.unflat(random[:256]).to(ctx.device))).cpu().to(F64)
    interior = torch.ones(len(points), dtype=torch.bool)
    if bounds is not None:
        edge = 1e-9 * width
        interior = ((points > bounds[0] + edge) & (points < bounds[1] - edge)).all(-1)
    norms = g_min.norm(dim=-1)
    typical = float(g_random.norm(dim=-1).nan_to_num(nan=0.0).median())
    g_tol = 1e-2 * typical + 1e-6 * (1.0 + abs(value) + spread)  # minima known to a few digits pass
    bad = interior & torch.isfinite(norms) & (norms > g_tol)
    if bool(bad.any()):
        i = int(torch.nonzero(bad)[0])
        raise CheckFailed(
            f"gradient norm {fmt(float(norms[i]))} at minima.points[{i}] is not ~0 "
            f"(tolerance {fmt(g_tol)}, typical norm {fmt(typical)})"
        )
    return f"{len(points)} point(s), 4096 random points, 32 descents"


def check_log_partition(ctx: Context) -> str:
    """``log_partition()`` agrees with quadrature (dim <= 2) or importance sampling."""
    m = ctx.model
    declared = m.log_partition()
    if declared is None:
        raise CheckSkipped("no log_partition declared")
    declared = float(declared)
    if not math.isfinite(declared):
        raise CheckFailed(f"log_partition() returned {declared!r}")
    grid = grid_reference(ctx, 4001 if ctx.dim == 1 else 401)
    estimate = math.nan
    if grid is not None:
        # the fine grid's error is at most the fine-coarse difference for a first-order rule
        # (a density with jumps, like a hard wall) and far below it for a smooth one
        _, log_w, coarse = grid
        estimate = float(torch.logsumexp(log_w, 0))
        difference = abs(estimate - float(torch.logsumexp(coarse, 0)))
        tolerance, method = 1e-3 + 2.0 * difference, "trapezoid quadrature"
    if grid is None or difference > 1e-2:
        samples = try_samples(m, 2000)
        _, log_w = importance_reference(ctx, samples, IS_SIZE)
        ess = effective_sample_size(log_w)
        if ess < 200:
            unconverged = "" if grid is None else f"quadrature did not converge ({estimate:.6g}) and "
            raise CheckSkipped(
                f"{unconverged}importance sampling is too noisy to check (effective sample size {ess:.0f})"
            )
        estimate = float(torch.logsumexp(log_w, 0)) - math.log(len(log_w))
        relative_se = math.sqrt(max(len(log_w) / ess - 1.0, 0.0) / len(log_w))
        tolerance, method = max(0.02, 5.0 * relative_se), f"importance sampling (ESS {ess:.0f})"
    if abs(estimate - declared) > tolerance:
        raise CheckFailed(
            f"log_partition() = {declared!r} but {method} gives {estimate:.6g} (tolerance {tolerance:.2g})"
        )
    return f"{method}: {estimate:.6g}"


def check_sample(ctx: Context) -> str:
    """``sample(n)`` matches ``exp(-E)/Z``: KS tests on 1-D projections and on the energies;
    ``sample(0)`` is an empty batch."""
    m = ctx.model
    samples = try_samples(m, SAMPLE_SIZE)
    if samples is None:
        raise CheckSkipped("no exact sampler")
    if tuple(samples.shape) != (SAMPLE_SIZE, *ctx.event_shape):
        raise CheckFailed(
            f"sample({SAMPLE_SIZE}) has shape {tuple(samples.shape)}, "
            f"expected {(SAMPLE_SIZE, *ctx.event_shape)}"
        )
    if not bool(torch.isfinite(samples).all()):
        raise CheckFailed("sample() returned non-finite values")
    empty = m.sample(0)
    if tuple(empty.shape) != (0, *ctx.event_shape) or empty.dtype != samples.dtype:
        raise CheckFailed(
            f"sample(0) has shape {tuple(empty.shape)} and dtype {empty.dtype}, expected an empty "
            f"batch {(0, *ctx.event_shape)} in {samples.dtype}"
        )
    flat = samples.reshape(SAMPLE_SIZE, ctx.dim)
    grid = grid_reference(ctx, 4001 if ctx.dim == 1 else 201, jitter=True)
    if grid is not None and effective_sample_size(grid[1]) >= 200:
        reference, log_w, _ = grid
        method = "stratified grid"
    else:
        reference, log_w = importance_reference(ctx, flat, IS_SIZE)
        method = "importance sampling"
    ess = effective_sample_size(log_w)
    if ess < 200:
        raise CheckSkipped(f"{method} reference too noisy (effective sample size {ess:.0f})")
    generator = torch.Generator().manual_seed(SEED + 6)
    directions = [torch.eye(ctx.dim, dtype=F64)[i] for i in range(min(ctx.dim, 4))]
    if ctx.dim > 1:
        random = torch.randn(2, ctx.dim, generator=generator, dtype=F64)
        directions += list(random / random.norm(dim=-1, keepdim=True))
    critical = ks_critical(SAMPLE_SIZE, ess)
    stats: list[tuple[str, float]] = []
    for k, v in enumerate(directions):
        name = f"coordinate {k}" if k < min(ctx.dim, 4) else "a random direction"
        stats.append((name, weighted_ks(flat @ v, reference @ v, log_w)))
    stats.append(("the energy", weighted_ks(ctx.energies(flat), ctx.energies(reference), log_w)))
    worst = max(stats, key=lambda item: item[1])
    if worst[1] > critical:
        raise CheckFailed(
            f"samples do not follow exp(-E)/Z: KS distance {worst[1]:.3f} > {critical:.3f} on {worst[0]} "
            f"({SAMPLE_SIZE} samples vs {method})"
        )
    return f"{len(stats)} KS tests vs {method}, max distance {worst[1]:.3f} <= {critical:.3f}"


def check_sample_reproducible(ctx: Context) -> None:
    """``sample(n, generator)`` honours the generator: same seed, same samples."""
    first = try_samples(ctx.model, 16, seed=7)
    if first is None:
        raise CheckSkipped("no exact sampler")
    second = try_samples(ctx.model, 16, seed=7)
    if second is None or not torch.equal(first, second):
        raise CheckFailed("two calls with identically seeded generators gave different samples")


def check_moments(ctx: Context) -> str:
    """Declared ``mean`` and ``stddev`` have the event shape and agree with exact samples."""
    m = ctx.model
    declared = {"mean": m.mean, "stddev": m.stddev}
    if all(v is None for v in declared.values()):
        raise CheckSkipped("declares neither mean nor stddev")
    for what, value in declared.items():
        if value is not None:
            _require_tensor(value, ctx.event_shape, what)
            if not bool(torch.isfinite(value).all()) or (what == "stddev" and bool((value < 0).any())):
                raise CheckFailed(
                    f"{what} must be finite{' and >= 0' if what == 'stddev' else ''}, got {value}"
                )
    samples = try_samples(m, MOMENT_SAMPLES, seed=SEED + 8)
    if samples is None:
        raise CheckSkipped("no exact sampler to compare the declared moments with")
    moments = SampleMoments.of(samples.reshape(MOMENT_SAMPLES, ctx.dim))
    notes = []
    if declared["mean"] is not None:
        z = moments.mean_z(declared["mean"])
        worst, largest = _worst(z)
        if largest > MOMENT_Z:
            raise CheckFailed(
                f"declared mean {float(declared['mean'].reshape(-1)[worst]):.6g} of coordinate {worst} is "
                f"{largest:.1f} standard errors from the sample mean {float(moments.mean[worst]):.6g}"
            )
        notes.append(f"mean within {largest:.1f} standard errors")
    if declared["stddev"] is not None:
        z = moments.stddev_z(declared["stddev"])
        worst, largest = _worst(z)
        if largest > MOMENT_Z:
            raise CheckFailed(
                f"declared stddev {float(declared['stddev'].reshape(-1)[worst]):.6g} of coordinate {worst} "
                f"is {largest:.1f} standard errors from the sample value {float(moments.sd[worst]):.6g}"
            )
        skipped = int((~moments.testable).sum())
        heavy = f" ({skipped} heavy-tailed coordinate(s) not testable)" if skipped else ""
        notes.append(f"stddev within {largest:.1f} standard errors{heavy}")
    return f"{', '.join(notes)} ({moments.n} samples)"


def check_modes(ctx: Context) -> str:
    """Declared ``modes``: points of the event shape, finite energies, masses that sum to one;
    with ``mode_index``, each listed mode in a basin of its own, and exact samples landing in
    each listed mode's basin as often as its mass says."""
    modes = ctx.model.modes
    if modes is None:
        raise CheckSkipped("declares no modes")
    k = len(modes.points)
    _require_tensor(modes.points, (k, *ctx.event_shape), "modes.points")
    _require_tensor(modes.weights, (k,), "modes.weights")
    if not 1 <= k <= modes.count:
        raise CheckFailed(f"modes lists {k} points but declares count={modes.count}")
    weights = modes.weights
    if not bool(torch.isfinite(weights).all()) or bool((weights < 0).any()):
        raise CheckFailed(f"modes.weights must be finite and >= 0, got {weights}")
    total = float(weights.sum())
    complete = k == modes.count
    if (complete and abs(total - 1.0) > 1e-6) or total > 1.0 + 1e-6:
        expected = "1" if complete else "<= 1"
        raise CheckFailed(f"the masses of the {k} listed modes sum to {total!r}, expected {expected}")
    energies = ctx.energies(modes.points.reshape(k, ctx.dim))
    if not bool(torch.isfinite(energies).all()):
        raise CheckFailed("the energy is not finite at every listed mode")
    listed = f"{k} of {modes.count} modes listed, masses sum to {total:.6g}"
    mode_index = getattr(ctx.model, "mode_index", None)
    if not callable(mode_index):
        return listed
    return f"{listed}; {_check_basins(ctx, mode_index, modes)}"


def _check_basins(ctx: Context, mode_index: Callable[[Tensor], Tensor], modes: Any) -> str:
    m = ctx.model
    ids = mode_index(modes.points.to(device=m.device, dtype=m.dtype)).long().cpu()
    if tuple(ids.shape) != (len(ids),) or len(torch.unique(ids)) != len(ids):
        raise CheckFailed(f"mode_index of the listed modes must be distinct, got {ids.tolist()}")
    if bool((ids < 0).any()) or bool((ids >= modes.count).any()):
        raise CheckFailed(
            f"mode_index of the listed modes must lie in [0, {modes.count}), got {ids.tolist()}"
        )
    samples = try_samples(m, MOMENT_SAMPLES, seed=SEED + 9)
    if samples is None:
        return "listed modes in basins of their own (no exact sampler to weigh them)"
    landed = mode_index(samples.to(device=m.device, dtype=m.dtype)).long().cpu()
    n = MOMENT_SAMPLES
    counts = (landed[:, None] == ids[None, :]).sum(0).double()
    expected = n * modes.weights
    z = (counts - expected).abs() / (expected * (1.0 - modes.weights)).clamp_min(1.0).sqrt()
    worst, largest = _worst(z)
    if largest > MOMENT_Z:
        raise CheckFailed(
            f"{int(counts[worst])} of {n} exact samples land in the basin of listed mode {worst} "
            f"(mass {float(modes.weights[worst]):.6g}, {float(expected[worst]):.1f} expected): "
            f"{largest:.1f} standard errors"
        )
    return f"exact samples weigh every listed mode within {largest:.1f} standard errors"


def _worst(z: Tensor) -> tuple[int, float]:
    """The position of the largest z-score, and its value."""
    worst = int(z.argmax())
    return worst, float(z[worst])


# -- the plugin's hook module ------------------------------------------------------------------------

_PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(sys.modules)))
"""


@functools.lru_cache(maxsize=64)
def _hook_imports(module: str) -> tuple[str, ...]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, module], capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise CheckFailed(
            f"importing hook module {module!r} in a fresh interpreter failed: {done.stderr.strip()}"
        )
    return tuple(json.loads(done.stdout.strip().splitlines()[-1]))


def check_hook_module(ctx: Context) -> str:
    """The plugin's hook module imports neither torch nor any energy module (fresh interpreter)."""
    name = ctx.model.registry_name
    if name is None:
        raise CheckSkipped("not created through the registry")
    entry = _registry.REGISTRY.resolve(name)
    plugin = entry.plugin
    if plugin.name == LOCAL_PLUGIN:
        raise CheckSkipped("registered in-process, not by a plugin")
    module = plugin.module.partition(":")[0]
    loaded = set(_hook_imports(module))
    if "torch" in loaded:
        raise CheckFailed(f"hook module {module!r} imports torch")
    targets = sorted(
        {
            e.spec.target.partition(":")[0]
            for e in _registry.REGISTRY.entries()
            if e.plugin is plugin and isinstance(e.spec.target, str)
        }
    )
    imported = [t for t in targets if t in loaded and t != module]
    if imported:
        raise CheckFailed(f"hook module {module!r} imports energy module(s) {', '.join(imported)}")
    return f"{module} imports {len(loaded)} modules, no torch"


CHECKS: dict[str, Check] = {name: globals()[name] for name in CHECK_NAMES}
"""Every check, by name, in the order :func:`check_energy` runs them: each name of
:data:`._names.CHECK_NAMES` maps to the function of that name in this module."""


def _first_line(text: str) -> str:
    return " ".join(text.split())


def run_check(
    model: BaseModel,
    name: str,
    *,
    dtypes: Sequence[torch.dtype] = (torch.float32, F64),
    devices: Sequence[str | torch.device] | None = None,
    expected_failure: str | None = None,
    context: Context | None = None,
) -> CheckResult:
    """Run one check on ``model`` and return its :class:`CheckResult` (never raises for a failure).

    Args:
        model: the energy.
        name: a key of :data:`CHECKS`.
        expected_failure: a reason: a failure becomes ``"xfailed"``, a pass ``"xpassed"``.
    """
    if name not in CHECKS:
        raise InvalidParameterError("check", name, f"one of {', '.join(CHECKS)}")
    ctx = context or Context(model, dtypes=dtypes, devices=devices)
    status: Status
    try:
        note = CHECKS[name](ctx)
    except CheckSkipped as exc:
        return CheckResult(name, "skipped", str(exc))
    except CheckFailed as exc:
        status, message = "failed", str(exc)
    except Exception as exc:
        status, message = "failed", f"raised {type(exc).__name__}: {_first_line(str(exc))}"
    else:
        status, message = "passed", note or ""
    if expected_failure is not None:
        if status == "failed":
            return CheckResult(name, "xfailed", f"expected failure ({expected_failure}): {message}")
        return CheckResult(name, "xpassed", f"expected to fail ({expected_failure}) but passed")
    return CheckResult(name, status, message)


def _models(
    model_or_name: BaseModel | str | Mapping[str, Any], dims: Iterable[int] | None
) -> list[tuple[BaseModel, tuple[int, ...] | None]]:
    """The models to check, each with the event shape to check it at (None: its own)."""
    if dims is None:
        return [(_registry.create(model_or_name), None)]
    if isinstance(model_or_name, BaseModel) and model_or_name.event_shape is None:
        return [(model_or_name, (dim,)) for dim in dims]  # one model serves every dimension
    models: list[tuple[BaseModel, tuple[int, ...] | None]] = []
    for dim in dims:
        if isinstance(model_or_name, BaseModel):
            if model_or_name.registry_name is None:
                raise TypeError("dims= needs a registered energy (a name, or a model created by name)")
            models.append((_registry.create({**model_or_name.spec, "dim": dim}), None))
        elif isinstance(model_or_name, Mapping):
            models.append((_registry.create({**model_or_name, "dim": dim}), None))
        else:
            models.append((_registry.create(model_or_name, dim=dim), None))
    return models


def check_energy(
    model_or_name: BaseModel | str | Mapping[str, Any],
    *,
    dims: Iterable[int] | None = None,
    dtypes: Sequence[torch.dtype] = (torch.float32, F64),
    devices: Sequence[str | torch.device] | None = None,
    expected_failed_checks: Mapping[str, str] | None = None,
    checks: Iterable[str] | None = None,
    raise_on_failure: bool = True,
) -> CheckReport:
    """Run every conformance check on an energy and report each one.

    Args:
        model_or_name: a model, a registered name, or a spec dict.
        dims: build the energy once per dimension (``create(name, dim=d)``) and check each;
            result keys then read ``"check_name[dim=d]"``. Default: the model as given (or
            created with its defaults). A model that fixed no event shape
            (``super().__init__()``) is checked as given on inputs of each of these
            dimensions, and needs them.
        dtypes: dtypes that must be preserved (``check_dtype``); gradient checks use float64.
        devices: devices to run on (``check_device``); default cpu, plus cuda when available.
        expected_failed_checks: ``{"check_name": "reason"}``. Such a check that fails is
            reported ``"xfailed"`` and does not raise; one that passes is ``"xpassed"`` and
            counts as a failure (strict, so a fixed problem's declaration gets removed).
        checks: run only these checks (default: all of :data:`CHECKS`).
        raise_on_failure: raise :class:`ebmcore.ConformanceError` listing every failure.

    Returns:
        The :class:`CheckReport` (also attached to the error as ``error.report``).

    Raises:
        ConformanceError: some check failed (unless ``raise_on_failure=False``).

    Example:
        >>> from ebmcore.testing import check_energy
        >>> report = check_energy("double_well")
        >>> report["check_gradient_finite_differences"].status
        'passed'
    """
    expected = dict(expected_failed_checks or {})
    names = list(CHECKS) if checks is None else list(checks)
    for name in [*expected, *names]:
        if name not in CHECKS:
            raise InvalidParameterError("check", name, f"one of {', '.join(CHECKS)}")
    models = _models(model_or_name, dims)
    report = CheckReport(_label(models[0][0]) if models else str(model_or_name))
    for model, event_shape in models:
        ctx = Context(model, dtypes=dtypes, devices=devices, event_shape=event_shape)
        for name in names:
            result = run_check(model, name, expected_failure=expected.get(name), context=ctx)
            key = name if dims is None else f"{name}[dim={ctx.dim}]"
            report.results[key] = CheckResult(key, result.status, result.message)
    if raise_on_failure:
        report.raise_for_failures()
    return report
