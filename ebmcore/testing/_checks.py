"""The conformance checks of the testing kit and :func:`check_energy`, which runs them all.

Every check takes a :class:`_Context` (the model plus the options of the run), raises
:class:`_Failed` or :class:`_Skipped` to fail or skip, and may return a short note. Tolerances
are relative to the magnitudes involved, so steep energies (Rosenbrock, Eggholder) pass with the
same settings as a unit Gaussian; test points are drawn inside ``bounds`` (shrunk towards the
centre) where declared, else from a standard normal, always with a fixed seed.
"""

from __future__ import annotations

import copy
import functools
import io
import itertools
import json
import math
import pickle
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from torch import Tensor

from .. import _registry
from .._dispatch import use_backend
from .._errors import ConformanceError, EbmcoreError, InvalidInputError, InvalidParameterError
from .._model import BaseModel

__all__ = ["CHECKS", "CheckReport", "CheckResult", "check_energy", "run_check"]

Status = Literal["passed", "failed", "skipped", "xfailed", "xpassed"]

F64 = torch.float64
SEED = 20240607
KS_CRITICAL = 1.95  # two-sample KS at alpha ~ 0.001 per statistic
SAMPLE_SIZE = 1000
IS_SIZE = 20000


class _Failed(Exception):
    """Raised inside a check to fail it with a message."""


class _Skipped(Exception):
    """Raised inside a check to skip it with a reason."""


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


# -- the context: the model under test and helpers to make inputs -------------------------------


class _Context:
    """The model under test and the options of the run.

    ``event_shape`` is the shape the checks draw samples of: the model's own, or, for a model
    that fixed none (``super().__init__()``), the one the caller names. The checks compare in
    float64; a model whose parameters are of another dtype and that cannot take float64 input
    (``nn.Linear`` layers in float32) is checked through a float64 copy of itself
    (:attr:`model`), while :func:`check_dtype` keeps judging the model as given (:attr:`given`).
    """

    def __init__(
        self,
        model: BaseModel,
        *,
        dtypes: Sequence[torch.dtype] = (torch.float32, F64),
        devices: Sequence[str | torch.device] | None = None,
        event_shape: tuple[int, ...] | None = None,
    ) -> None:
        self.given = model
        self.model = model
        self.dtypes = tuple(dtypes)
        if devices is None:
            devices = ["cpu", *(["cuda"] if torch.cuda.is_available() else [])]
        self.devices = tuple(torch.device(d) for d in devices)
        self.device = model.device
        self._cache: dict[str, Any] = {}
        if model.event_shape is not None:
            event_shape = tuple(model.event_shape)
        if event_shape is None:
            raise InvalidParameterError(
                "dims",
                None,
                f"the dimensions to check {type(model).__name__} at: it fixed no event shape "
                "(super().__init__() without one)",
            )
        self.event_shape: tuple[int, ...] = event_shape
        self.dim = math.prod(event_shape)
        self.model = _float64_capable(model, self.points(2))

    def bounds(self) -> Tensor | None:
        """``(2, dim)`` finite float64 bounds, or None."""
        if "bounds" not in self._cache:
            self._cache["bounds"] = _finite_bounds(self.model)
        return self._cache["bounds"]

    def points(self, n: int, *, dtype: torch.dtype = F64, seed: int = SEED, shrink: float = 0.8) -> Tensor:
        """``(n, *event_shape)`` test points: uniform in the shrunk bounds, else standard normal."""
        generator = torch.Generator().manual_seed(seed)
        bounds = self.bounds()
        if bounds is not None:
            center = 0.5 * (bounds[0] + bounds[1])
            half = 0.5 * (bounds[1] - bounds[0]) * shrink
            u = 2.0 * torch.rand(n, self.dim, generator=generator, dtype=F64) - 1.0
            x = center + half * u
        else:
            x = torch.randn(n, self.dim, generator=generator, dtype=F64)
        return x.reshape(n, *self.event_shape).to(dtype=dtype, device=self.device)

    def flat(self, x: Tensor) -> Tensor:
        """``(*batch, *event_shape)`` -> ``(*batch, dim)``."""
        return x.reshape(*x.shape[: x.dim() - len(self.event_shape)], self.dim)

    def unflat(self, x: Tensor) -> Tensor:
        return x.reshape(*x.shape[:-1], *self.event_shape)


def _float64_capable(model: BaseModel, x: Tensor) -> BaseModel:
    """``model``, or a float64 copy of it if it has tensors of one other dtype and rejects ``x``."""
    tensors = itertools.chain(model.parameters(), model.buffers())
    dtypes = {t.dtype for t in tensors if t.is_floating_point()}
    if not dtypes or F64 in dtypes:
        return model
    try:
        model.energy(x)
    except RuntimeError:  # a dtype clash inside forward (mat1 and mat2 must have the same dtype)
        return copy.deepcopy(model).double()
    return model


def _finite_bounds(model: BaseModel) -> Tensor | None:
    bounds = model.bounds
    if bounds is None:
        return None
    bounds = torch.as_tensor(bounds, dtype=F64).detach().cpu().reshape(2, -1)
    if bounds.shape[1] != model.dim or not bool(torch.isfinite(bounds).all()):
        return None
    if not bool((bounds[1] > bounds[0]).all()):
        return None
    return bounds


def _label(model: BaseModel) -> str:
    return model.registry_name or type(model).__name__


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _compare(actual: Tensor, expected: Tensor, *, rtol: float, what: str, event_ndim: int = 0) -> None:
    """Fail unless ``actual`` matches ``expected`` to ``rtol`` relative to each sample's scale."""
    if not isinstance(actual, Tensor):
        raise _Failed(f"{what}: expected a tensor, got {type(actual).__name__}")
    if tuple(actual.shape) != tuple(expected.shape):
        raise _Failed(f"{what}: shape {tuple(actual.shape)} != expected {tuple(expected.shape)}")
    a = actual.detach().to(device="cpu", dtype=F64)
    b = expected.detach().to(device="cpu", dtype=F64)
    if not torch.equal(a.isnan(), b.isnan()):
        raise _Failed(f"{what}: NaN where the reference has none (or the reverse)")
    a = torch.nan_to_num(a, nan=0.0)
    b = torch.nan_to_num(b, nan=0.0)
    mag = b.abs()
    scale = mag.amax(dim=tuple(range(mag.dim() - event_ndim, mag.dim()))) if event_ndim else mag
    if event_ndim:
        scale = scale.reshape(*scale.shape, *([1] * event_ndim))
    overall = float(mag.max()) if mag.numel() else 0.0
    tolerance = rtol * (mag + scale) + rtol * 1e-3 * overall + 1e-300
    error = (a - b).abs()
    bad = error > tolerance
    if bool(bad.any()):
        index = int(torch.argmax((error / tolerance).flatten()))
        raise _Failed(
            f"{what}: max abs error {_fmt(float(error.flatten()[index]))} at flat index {index} "
            f"(got {_fmt(float(a.flatten()[index]))}, expected {_fmt(float(b.flatten()[index]))}; "
            f"rtol {rtol:g})"
        )


def _require_tensor(value: Any, shape: tuple[int, ...], what: str) -> Tensor:
    if not isinstance(value, Tensor):
        raise _Failed(f"{what} returned {type(value).__name__}, not a torch.Tensor")
    if tuple(value.shape) != shape:
        raise _Failed(f"{what} has shape {tuple(value.shape)}, expected {shape}")
    return value


# -- shape, dtype, device -------------------------------------------------------------------------


def check_output_shape(ctx: _Context) -> str:
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
        raise _Failed("energy_and_gradient did not return an (energy, gradient) pair")
    _require_tensor(pair[0], (3, 2), "energy of energy_and_gradient on a (3, 2) batch")
    _require_tensor(pair[1], (3, 2, *ev), "gradient of energy_and_gradient on a (3, 2) batch")
    _compare(single, batch[0], rtol=1e-5, what="single sample vs the same sample in a batch")
    _compare(multi.reshape(6), batch, rtol=1e-5, what="(2, 3) batch vs the flat batch")
    return "0-dim, (6,), (2, 3) and (3, 2) batches"


def check_dtype(ctx: _Context) -> str:
    """Each dtype in gives that dtype out (energy, gradient, score, energy_and_gradient)."""
    m = ctx.given
    for dtype in ctx.dtypes:
        x = ctx.points(4, dtype=dtype)
        try:
            energies = m.energy(x)
        except RuntimeError as exc:
            raise _Failed(f"{dtype} input raised {type(exc).__name__}: {_first_line(str(exc))}") from None
        results = {
            "energy": energies,
            "gradient": m.gradient(x),
            "score": m.score(x),
        }
        e, g = m.energy_and_gradient(x)
        results["energy_and_gradient energy"] = e
        results["energy_and_gradient gradient"] = g
        for what, value in results.items():
            if not isinstance(value, Tensor):
                raise _Failed(f"{what} returned {type(value).__name__}")
            if value.dtype != dtype:
                raise _Failed(f"{dtype} input gave {value.dtype} {what} (a silent dtype change)")
    return ", ".join(str(d).replace("torch.", "") for d in ctx.dtypes)


def check_device(ctx: _Context) -> str:
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
                raise _Failed(f"{what} of an input on {x.device} is on {value.device}")
        if reference is None:
            reference = (e.cpu(), g.cpu())
        else:
            _compare(e.cpu(), reference[0], rtol=1e-6, what=f"energy on {device} vs {ctx.devices[0]}")
            _compare(
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
                    raise _Failed(f"device mismatch error does not name both devices: {exc}") from None
            else:
                raise _Failed(f"a model on {device} accepted an input on cpu without an error")
        done.append(str(device))
    return ", ".join(done)


# -- gradients --------------------------------------------------------------------------------------


def check_gradient_autograd(ctx: _Context) -> str:
    """The dispatched gradient (kernel or analytic) equals autograd through ``forward`` (float64)."""
    m = ctx.model
    x = ctx.points(8)
    from .._dispatch import resolve_backend

    path = resolve_backend(m, x)
    if path == "autograd":
        raise _Skipped("no analytic gradient or kernel: autograd is the only path")
    e, g = m.energy_and_gradient(x)
    grad = m.gradient(x)
    with use_backend("autograd"):
        e_ref, g_ref = m.energy_and_gradient(x)
    nd = len(ctx.event_shape)
    _compare(g, g_ref, rtol=1e-6, what=f"{path} gradient vs autograd", event_ndim=nd)
    _compare(grad, g_ref, rtol=1e-6, what=f"{path} gradient() vs autograd", event_ndim=nd)
    _compare(e, e_ref, rtol=1e-8, what=f"{path} energy_and_gradient energy vs forward")
    return f"{path} path"


def _finite_difference_directions(ctx: _Context) -> Tensor:
    if ctx.dim <= 32:
        return torch.eye(ctx.dim, dtype=F64)
    generator = torch.Generator().manual_seed(SEED + 1)
    v = torch.randn(16, ctx.dim, generator=generator, dtype=F64)
    return v / v.norm(dim=-1, keepdim=True)


def check_gradient_finite_differences(ctx: _Context) -> str:
    """The gradient matches central finite differences of the energy in float64."""
    m = ctx.model
    n = 4
    x = ctx.flat(ctx.points(n)).cpu()
    v = _finite_difference_directions(ctx)  # (k, dim)
    h = 6e-6 * (1.0 + x.abs().amax(dim=-1))  # (n,)
    step = h[None, :, None] * v[:, None, :]  # (k, n, dim)
    dev = ctx.device
    with torch.no_grad():
        e_plus = m.energy(ctx.unflat(x[None] + step).to(dev)).cpu()
        e_minus = m.energy(ctx.unflat(x[None] - step).to(dev)).cpu()
        e0 = m.energy(ctx.unflat(x).to(dev)).cpu()
    g = ctx.flat(m.gradient(ctx.unflat(x).to(dev))).cpu().to(F64)
    if not bool(torch.isfinite(g).all()) or not bool(torch.isfinite(e0).all()):
        raise _Failed("energy or gradient is not finite at the test points")
    fd = (e_plus - e_minus).to(F64) / (2.0 * h[None, :])  # (k, n)
    directional = v @ g.T  # (k, n)
    magnitude = e0.abs().to(F64).maximum(e_plus.abs().amax(0)).maximum(e_minus.abs().amax(0))
    roundoff = 1e-14 * (magnitude + 1.0) / h
    tolerance = 1e-5 * (g.abs().amax(dim=-1) + 1.0) + roundoff + 1e-4 * directional.abs()
    error = (fd - directional).abs()
    ratio = error / tolerance
    if bool((ratio > 1).any()) or not bool(torch.isfinite(fd).all()):
        k, i = divmod(int(torch.argmax(torch.nan_to_num(ratio, nan=math.inf))), n)
        axis = f"coordinate {k}" if ctx.dim <= 32 else f"random direction {k}"
        raise _Failed(
            f"sample {i}, {axis}: gradient gives {_fmt(float(directional[k, i]))}, central finite "
            f"differences give {_fmt(float(fd[k, i]))} (tolerance {_fmt(float(tolerance[k, i]))})"
        )
    return f"{n} points x {len(v)} directions"


def check_score(ctx: _Context) -> None:
    """``score(x) == -gradient(x)``."""
    x = ctx.points(5)
    _compare(
        ctx.model.score(x),
        -ctx.model.gradient(x),
        rtol=1e-12,
        what="score vs -gradient",
        event_ndim=len(ctx.event_shape),
    )


def check_energy_and_gradient(ctx: _Context) -> None:
    """``energy_and_gradient(x)`` equals ``(energy(x), gradient(x))``: the energies bit for bit
    with ``model(x)`` and ``energy(x)`` (no graph is wanted), and close to the subclass's own
    ``forward`` (the reference, which a kernel's energies replace)."""
    m = ctx.model
    # a float64 copy of a float32-only model (see _Context) takes float64 alone
    for dtype in (F64,) if m is not ctx.given else (torch.float32, F64):
        x = ctx.points(5, dtype=dtype)
        with torch.no_grad():
            e, called, alone = m.energy_and_gradient(x)[0], m(x), m.energy(x)
        for what, value in (("model(x)", called), ("energy(x)", alone)):
            if not torch.equal(value, e):
                difference = float((value.double() - e.double()).abs().max())
                raise _Failed(
                    f"{what} differs from energy_and_gradient(x)[0] by up to {_fmt(difference)} "
                    f"({str(dtype).replace('torch.', '')}): not bit for bit"
                )
    x = ctx.points(5)
    e, g = m.energy_and_gradient(x)
    with use_backend("autograd"):
        reference = m.forward(x)
    _compare(m.energy(x), reference, rtol=1e-8, what="energy() vs the subclass's forward(x)")
    _compare(
        g,
        m.gradient(x),
        rtol=1e-8,
        what="energy_and_gradient gradient vs gradient()",
        event_ndim=len(ctx.event_shape),
    )


def check_create_graph(ctx: _Context) -> str:
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
            raise _Failed(
                "gradient(x, create_graph=True) does not require grad, but the gradient depends on x"
            )
        hvp = torch.zeros_like(x0)
    else:
        (hvp_or_none,) = torch.autograd.grad((g * v).sum(), x, retain_graph=True, allow_unused=True)
        hvp = torch.zeros_like(x0) if hvp_or_none is None else hvp_or_none
        if params:
            grads = torch.autograd.grad((g * v).sum(), params, allow_unused=True)
            if all(p is None for p in grads):
                raise _Failed("gradient(x, create_graph=True) is not differentiable w.r.t. the parameters")
    errors = []
    for difference in (fd, fine):
        scale = float(difference.abs().max()) + float(m.gradient(x0).abs().max()) * 1e-3 + 1e-8
        error = float((hvp.detach() - difference).abs().max())
        errors.append((error - 1e-4 * scale - 1e-3 * float(difference.abs().max()), error, scale))
    excess, error, scale = min(errors)
    if not excess <= 0:
        raise _Failed(
            f"Hessian-vector product through gradient(create_graph=True) differs from finite "
            f"differences of the gradient by {_fmt(error)} (scale {_fmt(scale)})"
        )
    xe = x0.clone().requires_grad_(True)
    e, g2 = m.energy_and_gradient(xe, create_graph=True)
    if not e.requires_grad:
        raise _Failed("energy_and_gradient(x, create_graph=True) returned an energy without a graph")
    (de,) = torch.autograd.grad(e.sum(), xe, allow_unused=True)
    if de is None:
        raise _Failed("the energy of energy_and_gradient(create_graph=True) does not depend on x")
    _compare(
        de,
        g2.detach(),
        rtol=1e-6,
        what="d(energy)/dx vs gradient under create_graph",
        event_ndim=len(ctx.event_shape),
    )
    return "Hessian-vector product vs finite differences"


def check_function_transforms(ctx: _Context) -> str:
    """``torch.func`` transforms over the model and its methods agree with autograd, repeatedly.

    ``grad``, ``vmap``, ``jacrev``, ``jacfwd`` and ``hessian`` applied to ``model``,
    ``model.energy``, ``model.gradient``, ``model.score`` and ``model.energy_and_gradient``
    (float64, three points), each twice: device kernels step aside inside transforms, an
    analytic gradient is differentiated through, and nothing cached inside one transform may
    break the next.
    """
    from torch.func import grad, hessian, jacfwd, jacrev, vmap

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
    with warnings.catch_warnings():
        # torch's forward-mode AD loads its decompositions through torch.jit.script on first use
        warnings.filterwarnings("ignore", r"`torch\.jit\.script` is deprecated", DeprecationWarning)
        for _ in range(2):  # the second round meets whatever the first one left behind
            for what, first in firsts.items():
                _compare(first(), reference, rtol=1e-8, what=what, event_ndim=nd)
            for what, function in seconds.items():
                _compare(function(), second, rtol=1e-8, what=what, event_ndim=2)
    return "grad, vmap, jacrev, jacfwd, hessian (twice)"


# -- hygiene --------------------------------------------------------------------------------------


def check_input_not_modified(ctx: _Context) -> None:
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
                raise _Failed(f"{name}(x){where} modified x in place")


def check_deterministic(ctx: _Context) -> None:
    """Calling twice on the same input gives bitwise the same energy and gradient."""
    m = ctx.model
    x = ctx.points(6)
    for name, call in (("energy", m.energy), ("gradient", m.gradient)):
        first, second = call(x.clone()), call(x.clone())
        if not torch.equal(first, second):
            diff = float((first - second).abs().max())
            raise _Failed(f"{name} differs between two calls on the same input (max difference {_fmt(diff)})")


def check_nan_propagation(ctx: _Context) -> None:
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
        raise _Failed(f"raised {type(exc).__name__} on an input containing NaN: {exc}") from None
    if not bool(e[1].isnan()) or not bool(e[3].isnan()):
        raise _Failed(f"NaN input gave energies {e[1].item()!r} and {e[3].item()!r}, not NaN")
    keep = torch.tensor([0, 2], device=e.device)
    _compare(e[keep], clean_e[keep], rtol=1e-10, what="energies of clean samples next to NaN ones")
    _compare(
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
        raise _Failed(f"{what} gave {type(other).__name__}, not a BaseModel")
    e, g = _outputs(model, x)
    e2, g2 = _outputs(other, x)
    _compare(e2, e, rtol=1e-12, what=f"energy after {what}")
    _compare(g2, g, rtol=1e-12, what=f"gradient after {what}", event_ndim=model.event_ndim)
    if _config(other) != _config(model):
        raise _Failed(f"config after {what} is {_config(other)}, was {_config(model)}")


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


def check_state_dict(ctx: _Context) -> str:
    """``load_state_dict(state_dict())`` into a fresh instance reproduces the model."""
    state = ctx.model.state_dict()
    fresh = _fresh(ctx.model)
    fresh.load_state_dict(state)
    _same_outputs(ctx.model, fresh, ctx.points(4), "load_state_dict")
    return f"{len(state)} entries"


def check_torch_save(ctx: _Context) -> None:
    """``torch.save`` of the state dict loads with ``torch.load(weights_only=True)``."""
    buffer = io.BytesIO()
    torch.save(ctx.model.state_dict(), buffer)
    buffer.seek(0)
    try:
        state = torch.load(buffer, weights_only=True)
    except Exception as exc:
        raise _Failed(f"torch.load(weights_only=True) refused the state dict: {exc}") from None
    fresh = _fresh(ctx.model)
    fresh.load_state_dict(state)
    _same_outputs(ctx.model, fresh, ctx.points(4), "torch.save/torch.load")


def check_pickle(ctx: _Context) -> None:
    """The model survives ``pickle`` (registry name, config, outputs)."""
    try:
        other = pickle.loads(pickle.dumps(ctx.model))
    except Exception as exc:
        raise _Failed(f"cannot pickle: {type(exc).__name__}: {exc}") from None
    _same_outputs(ctx.model, other, ctx.points(4), "pickle")
    if other.registry_name != ctx.model.registry_name:
        raise _Failed(
            f"pickle lost the registry name ({ctx.model.registry_name!r} -> {other.registry_name!r})"
        )


def check_deepcopy(ctx: _Context) -> None:
    """``copy.deepcopy`` gives an equal, independent model."""
    other = copy.deepcopy(ctx.model)
    _same_outputs(ctx.model, other, ctx.points(4), "copy.deepcopy")
    if other.registry_name != ctx.model.registry_name:
        raise _Failed("deepcopy lost the registry name")


def check_config_roundtrip(ctx: _Context) -> None:
    """``create(json.loads(json.dumps(model.spec)))`` rebuilds the same energy."""
    m = ctx.model
    if m.registry_name is None:
        try:
            spec = m.spec
        except EbmcoreError as exc:
            raise _Skipped(f"not a registered energy ({exc})") from None
    else:
        spec = m.spec
    try:
        text = json.dumps(spec)
    except (TypeError, ValueError) as exc:
        raise _Failed(f"spec is not JSON-serializable: {exc}") from None
    rebuilt = _registry.create(json.loads(text)).to(ctx.device)
    if rebuilt.spec != json.loads(text):
        raise _Failed(f"rebuilt spec {rebuilt.spec} differs from {spec}")
    if tuple(rebuilt.event_shape) != ctx.event_shape:
        raise _Failed(f"rebuilt event shape {rebuilt.event_shape} differs from {ctx.event_shape}")
    if any(True for _ in m.parameters()):  # learned weights are state, not config
        rebuilt.load_state_dict(m.state_dict())
    _same_outputs(m, rebuilt, ctx.points(4), "config -> JSON -> create")


# -- ground truth -----------------------------------------------------------------------------------


def _energies(ctx: _Context, flat_points: Tensor, chunk: int = 1 << 18) -> Tensor:
    """Float64 CPU energies of ``(N, dim)`` points, in chunks, without a graph."""
    out = []
    with torch.no_grad():
        for start in range(0, len(flat_points), chunk):
            part = flat_points[start : start + chunk].to(ctx.device)
            out.append(ctx.model.energy(ctx.unflat(part)).to(device="cpu", dtype=F64))
    return torch.cat(out) if out else torch.empty(0, dtype=F64)


def check_minima(ctx: _Context) -> str:
    """Energy at ``minima.points`` is ``minima.value``, gradient ~0, nothing lower nearby or in bounds."""
    m = ctx.model
    minima = m.minima
    if minima is None:
        raise _Skipped("no minima declared")
    points = torch.as_tensor(minima.points, dtype=F64).reshape(-1, ctx.dim)
    if len(points) > minima.count:
        raise _Failed(f"minima lists {len(points)} points but count is {minima.count}")
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
    e_random = _energies(ctx, random)
    finite = e_random[torch.isfinite(e_random)]
    spread = float(finite.std()) if len(finite) > 1 else 1.0
    tol = 1e-6 * (1.0 + abs(value) + spread)
    e_min = _energies(ctx, points)
    worst = int(torch.argmax((e_min - value).abs().nan_to_num(nan=math.inf)))
    if not float((e_min[worst] - value).abs()) <= tol:
        raise _Failed(
            f"energy at minima.points[{worst}] is {e_min[worst].item()!r}, declared value {value!r} "
            f"(tolerance {_fmt(tol)})"
        )
    lowest = int(torch.argmin(e_random.nan_to_num(nan=math.inf)))
    if float(e_random[lowest]) < value - tol:
        raise _Failed(
            f"a random point has energy {e_random[lowest].item()!r} < declared minimum {value!r}: "
            f"{random[lowest].tolist()}"
        )
    # local minimality: small perturbations (kept inside the bounds) never go lower
    delta = 1e-3 * width
    offsets = torch.randn(64, ctx.dim, generator=generator, dtype=F64) * delta
    near = (points[:, None, :] + offsets[None]).reshape(-1, ctx.dim)
    if bounds is not None:
        near = torch.maximum(torch.minimum(near, bounds[1]), bounds[0])
    e_near = _energies(ctx, near)
    if bool((e_near < value - tol).any()):
        i = int(torch.argmin(e_near))
        raise _Failed(
            f"energy {e_near[i].item()!r} just next to minima.points[{i // 64}] is below the declared "
            f"minimum {value!r}: it is not a local minimum"
        )
    # descend from the lowest random points: a rugged landscape hides deeper basins from sampling
    refined = _descend(ctx, random[torch.argsort(e_random.nan_to_num(nan=math.inf))[:32]], bounds, width)
    if float(refined.min()) < value - tol:
        raise _Failed(
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
        raise _Failed(
            f"gradient norm {_fmt(float(norms[i]))} at minima.points[{i}] is not ~0 "
            f"(tolerance {_fmt(g_tol)}, typical norm {_fmt(typical)})"
        )
    return f"{len(points)} point(s), 4096 random points, 32 descents"


def _descend(ctx: _Context, starts: Tensor, bounds: Tensor | None, width: Tensor, steps: int = 150) -> Tensor:
    """Energies after ``steps`` Adam steps (step size ~1e-3 of the box, kept inside the bounds)."""
    x = starts.clone().to(ctx.device).requires_grad_(True)
    optimizer = torch.optim.Adam([x], lr=1e-3 * float(width.mean()))
    low, high = (None, None) if bounds is None else (bounds[0].to(ctx.device), bounds[1].to(ctx.device))
    for _ in range(steps):
        with torch.no_grad():
            x.grad = torch.nan_to_num(ctx.flat(ctx.model.gradient(ctx.unflat(x.detach()))), nan=0.0)
        optimizer.step()
        if low is not None and high is not None:
            with torch.no_grad():
                x.copy_(torch.maximum(torch.minimum(x, high), low))
    return _energies(ctx, x.detach().cpu()).nan_to_num(nan=math.inf)


def _grid_reference(
    ctx: _Context, per_dim: int, *, jitter: bool = False
) -> tuple[Tensor, Tensor, Tensor] | None:
    """Points and log weights that integrate ``exp(-E)`` over the bounds (dim <= 2).

    The box is widened until the density is negligible at its edges. Without ``jitter``: the
    trapezoid rule, returning ``(points, log_weights, coarse_log_weights)`` where the coarse
    weights use every other grid line (``-inf`` elsewhere), so comparing both tells whether
    the quadrature has converged. With ``jitter``: one uniform point per cell (stratified
    sampling), a continuous weighted reference for KS tests; the third item repeats the weights.
    """
    bounds = ctx.bounds()
    if bounds is None or ctx.dim > 2:
        return None
    lo, hi = bounds[0].clone(), bounds[1].clone()
    generator = torch.Generator().manual_seed(SEED + 7)
    shape = (per_dim,) * ctx.dim
    for _ in range(4):
        axes = [torch.linspace(float(lo[i]), float(hi[i]), per_dim, dtype=F64) for i in range(ctx.dim)]
        steps = (hi - lo) / (per_dim - 1)
        mesh = torch.cartesian_prod(*axes).reshape(-1, ctx.dim)
        if jitter:
            mesh = mesh + (torch.rand(mesh.shape, generator=generator, dtype=F64) - 0.5) * steps
        log_f = -_energies(ctx, mesh)
        if bool(log_f.isnan().any()):
            raise _Failed("energy is NaN at quadrature points inside the bounds")
        peak = float(log_f.max())
        if not math.isfinite(peak):
            raise _Failed("exp(-E) vanishes or overflows everywhere on the quadrature grid")
        edge = torch.zeros(shape, dtype=torch.bool)
        for axis in range(ctx.dim):
            edge.index_fill_(axis, torch.tensor([0, per_dim - 1]), True)
        if float(log_f.reshape(shape)[edge].max()) < peak - 12.0:
            break
        center, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
        lo, hi = center - 2.0 * half, center + 2.0 * half
    else:
        raise _Skipped("exp(-E) is not negligible at the edges of the (widened) bounds")
    if jitter:
        log_w = log_f + float(steps.log().sum())
        return mesh, log_w, log_w
    log_w = log_f.reshape(shape)
    coarse = log_f.reshape(shape)
    keep = torch.zeros(per_dim, dtype=torch.bool)
    keep[::2] = True
    for axis in range(ctx.dim):
        step = float(steps[axis])
        trap = torch.full((per_dim,), math.log(step), dtype=F64)
        trap[[0, -1]] = math.log(step / 2)
        trap2 = torch.full((per_dim,), -math.inf, dtype=F64)
        trap2[keep] = math.log(2 * step)
        trap2[[0, -1]] = math.log(step)
        view = [1] * ctx.dim
        view[axis] = per_dim
        log_w = log_w + trap.reshape(view)
        coarse = coarse + trap2.reshape(view)
    return mesh, log_w.reshape(-1), coarse.reshape(-1)


def _gaussian(mean: Tensor, cov: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    dim = len(mean)
    jitter = 1e-9 * (float(cov.diagonal().mean()) + 1e-12)
    tril = torch.linalg.cholesky(cov + jitter * torch.eye(dim, dtype=F64))
    log_norm = 0.5 * dim * math.log(2 * math.pi) + tril.diagonal().log().sum()
    return mean, tril, log_norm


def _kde(centers: Tensor, scale: Tensor) -> tuple[Tensor, Tensor]:
    """Per-center isotropic bandwidths (in units of ``scale``): the distance to the 3rd neighbour."""
    u = centers / scale
    distance = torch.cdist(u, u)
    distance.fill_diagonal_(math.inf)
    k = min(3, len(centers) - 1)
    bandwidth = distance.kthvalue(k, dim=1).values.clamp_min(1e-3)
    return u, bandwidth


def _kde_log_density(y: Tensor, u: Tensor, bandwidth: Tensor, scale: Tensor) -> Tensor:
    dim = y.shape[-1]
    const = -math.log(len(u)) - float(scale.log().sum()) - 0.5 * dim * math.log(2 * math.pi)
    out = []
    for start in range(0, len(y), 2048):
        d2 = torch.cdist(y[start : start + 2048] / scale, u).square()
        out.append(torch.logsumexp(-0.5 * d2 / bandwidth.square() - dim * bandwidth.log(), dim=1) + const)
    return torch.cat(out)


def _importance_reference(ctx: _Context, samples: Tensor | None, n: int) -> tuple[Tensor, Tensor]:
    """``(points, log_weights)``: importance sampling from a defensive mixture proposal.

    The proposal mixes Gaussians fitted to ``samples`` (or standard normal) with 1.1x and 2x
    their spread, one spanning the bounds (independent of the samples, so a mode a wrong
    sampler misses still gets proposals) and, given samples in dim <= 12, a kernel density
    estimate on up to 500 of them with adaptive bandwidths (for well separated modes);
    ``log_weights`` are ``-E(y) - log q(y)``, so ``logsumexp(log_weights) - log n`` estimates
    ``log Z``.
    """
    generator = torch.Generator().manual_seed(SEED + 4)
    flat = None if samples is None else samples.reshape(len(samples), -1).to(F64).cpu()
    bounds = ctx.bounds()
    gaussians: list[tuple[float, tuple[Tensor, Tensor, Tensor]]] = []
    if flat is not None:
        mean = flat.mean(0)
        centered = flat - mean
        cov = centered.T @ centered / max(len(flat) - 1, 1)
    else:
        mean, cov = torch.zeros(ctx.dim, dtype=F64), torch.eye(ctx.dim, dtype=F64)
    if flat is not None or bounds is None:
        gaussians += [(0.3, _gaussian(mean, cov * 1.1**2)), (0.2, _gaussian(mean, cov * 2.0**2))]
    if bounds is not None:  # independent of the samples: finds modes a wrong sampler misses
        box = torch.diag(((bounds[1] - bounds[0]) / 6.0) ** 2)
        gaussians.append((0.2, _gaussian(0.5 * (bounds[0] + bounds[1]), box)))
    use_kde = flat is not None and len(flat) >= 20 and ctx.dim <= 12
    kde_share = 0.3 if use_kde else 0.0
    total = sum(share for share, _ in gaussians) + kde_share
    shares = [share / total for share, _ in gaussians]
    counts = [int(n * share) for share in shares]
    kde_count = n - sum(counts)
    if not use_kde:
        counts[-1] += kde_count
    draws = []
    for (_, (mu, tril, _)), count in zip(gaussians, counts, strict=True):
        draws.append(mu + torch.randn(count, ctx.dim, generator=generator, dtype=F64) @ tril.T)
    scale = cov.diagonal().clamp_min(1e-300).sqrt()
    if use_kde:
        assert flat is not None
        u, bandwidth = _kde(flat[:500], scale)
        pick = torch.randint(len(u), (kde_count,), generator=generator)
        noise = torch.randn(kde_count, ctx.dim, generator=generator, dtype=F64)
        draws.append((u[pick] + bandwidth[pick, None] * noise) * scale)
    y = torch.cat(draws)
    log_q_parts = []
    for (_, (mu, tril, log_norm)), share in zip(gaussians, shares, strict=True):
        z = torch.linalg.solve_triangular(tril, (y - mu).T, upper=False).T
        log_q_parts.append(-0.5 * (z * z).sum(-1) - log_norm + math.log(share))
    if use_kde:
        log_q_parts.append(_kde_log_density(y, u, bandwidth, scale) + math.log(kde_share / total))
    log_q = torch.logsumexp(torch.stack(log_q_parts), 0)
    energy = _energies(ctx, y)
    log_w = torch.where(torch.isnan(energy), torch.full_like(energy, -math.inf), -energy - log_q)
    return y, log_w


def _ess(log_w: Tensor) -> float:
    w = torch.exp(log_w - log_w.max())
    return float(w.sum() ** 2 / (w * w).sum())


def check_log_partition(ctx: _Context) -> str:
    """``log_partition()`` agrees with quadrature (dim <= 2) or importance sampling."""
    m = ctx.model
    declared = m.log_partition()
    if declared is None:
        raise _Skipped("no log_partition declared")
    declared = float(declared)
    if not math.isfinite(declared):
        raise _Failed(f"log_partition() returned {declared!r}")
    grid = _grid_reference(ctx, 4001 if ctx.dim == 1 else 401)
    estimate = math.nan
    if grid is not None:
        # the fine grid's error is at most the fine-coarse difference for a first-order rule
        # (a density with jumps, like a hard wall) and far below it for a smooth one
        _, log_w, coarse = grid
        estimate = float(torch.logsumexp(log_w, 0))
        difference = abs(estimate - float(torch.logsumexp(coarse, 0)))
        tolerance, method = 1e-3 + 2.0 * difference, "trapezoid quadrature"
    if grid is None or difference > 1e-2:
        samples = _try_samples(m, 2000)
        _, log_w = _importance_reference(ctx, samples, IS_SIZE)
        ess = _ess(log_w)
        if ess < 200:
            unconverged = "" if grid is None else f"quadrature did not converge ({estimate:.6g}) and "
            raise _Skipped(
                f"{unconverged}importance sampling is too noisy to check (effective sample size {ess:.0f})"
            )
        estimate = float(torch.logsumexp(log_w, 0)) - math.log(len(log_w))
        relative_se = math.sqrt(max(len(log_w) / ess - 1.0, 0.0) / len(log_w))
        tolerance, method = max(0.02, 5.0 * relative_se), f"importance sampling (ESS {ess:.0f})"
    if abs(estimate - declared) > tolerance:
        raise _Failed(
            f"log_partition() = {declared!r} but {method} gives {estimate:.6g} (tolerance {tolerance:.2g})"
        )
    return f"{method}: {estimate:.6g}"


def _try_samples(model: BaseModel, n: int, seed: int = SEED + 5) -> Tensor | None:
    try:
        out = model.sample(n, generator=torch.Generator().manual_seed(seed))
    except NotImplementedError:
        return None
    return out.detach().to(device="cpu", dtype=F64)


def _weighted_ks(samples: Tensor, reference: Tensor, log_w: Tensor) -> float:
    """Largest distance between the empirical CDF of ``samples`` and the weighted one of ``reference``.

    Evaluated on both sides of every sample (exact up to the largest single reference weight).
    """
    s = torch.sort(samples).values
    order = torch.argsort(reference)
    r = reference[order]
    cum = torch.cat([torch.zeros(1, dtype=F64), torch.cumsum(torch.softmax(log_w[order], 0), 0)])
    n = len(s)
    steps = torch.arange(n + 1, dtype=F64) / n
    right = (steps[1:] - cum[torch.searchsorted(r, s, right=True)]).abs().max()
    left = (steps[:-1] - cum[torch.searchsorted(r, s, right=False)]).abs().max()
    return float(torch.maximum(right, left))


def check_sample(ctx: _Context) -> str:
    """``sample(n)`` matches ``exp(-E)/Z``: KS tests on 1-D projections and on the energies."""
    m = ctx.model
    samples = _try_samples(m, SAMPLE_SIZE)
    if samples is None:
        raise _Skipped("no exact sampler")
    if tuple(samples.shape) != (SAMPLE_SIZE, *ctx.event_shape):
        raise _Failed(
            f"sample({SAMPLE_SIZE}) has shape {tuple(samples.shape)}, "
            f"expected {(SAMPLE_SIZE, *ctx.event_shape)}"
        )
    if not bool(torch.isfinite(samples).all()):
        raise _Failed("sample() returned non-finite values")
    flat = samples.reshape(SAMPLE_SIZE, ctx.dim)
    grid = _grid_reference(ctx, 4001 if ctx.dim == 1 else 201, jitter=True)
    if grid is not None and _ess(grid[1]) >= 200:
        reference, log_w, _ = grid
        method = "stratified grid"
    else:
        reference, log_w = _importance_reference(ctx, flat, IS_SIZE)
        method = "importance sampling"
    ess = _ess(log_w)
    if ess < 200:
        raise _Skipped(f"{method} reference too noisy (effective sample size {ess:.0f})")
    generator = torch.Generator().manual_seed(SEED + 6)
    directions = [torch.eye(ctx.dim, dtype=F64)[i] for i in range(min(ctx.dim, 4))]
    if ctx.dim > 1:
        random = torch.randn(2, ctx.dim, generator=generator, dtype=F64)
        directions += list(random / random.norm(dim=-1, keepdim=True))
    critical = KS_CRITICAL * math.sqrt(1.0 / SAMPLE_SIZE + 1.0 / ess)
    stats: list[tuple[str, float]] = []
    for k, v in enumerate(directions):
        name = f"coordinate {k}" if k < min(ctx.dim, 4) else "a random direction"
        stats.append((name, _weighted_ks(flat @ v, reference @ v, log_w)))
    stats.append(("the energy", _weighted_ks(_energies(ctx, flat), _energies(ctx, reference), log_w)))
    worst = max(stats, key=lambda item: item[1])
    if worst[1] > critical:
        raise _Failed(
            f"samples do not follow exp(-E)/Z: KS distance {worst[1]:.3f} > {critical:.3f} on {worst[0]} "
            f"({SAMPLE_SIZE} samples vs {method})"
        )
    return f"{len(stats)} KS tests vs {method}, max distance {worst[1]:.3f} <= {critical:.3f}"


def check_sample_reproducible(ctx: _Context) -> None:
    """``sample(n, generator)`` honours the generator: same seed, same samples."""
    first = _try_samples(ctx.model, 16, seed=7)
    if first is None:
        raise _Skipped("no exact sampler")
    second = _try_samples(ctx.model, 16, seed=7)
    if second is None or not torch.equal(first, second):
        raise _Failed("two calls with identically seeded generators gave different samples")


MOMENT_SAMPLES = 4000
MOMENT_Z = 6.0  # a z-score this large is ~1e-9 per coordinate under the normal approximation
MAX_KURTOSIS = 50.0  # beyond this the sample standard deviation is too noisy to test


def check_moments(ctx: _Context) -> str:
    """Declared ``mean`` and ``stddev`` have the event shape and agree with exact samples."""
    m = ctx.model
    declared = {"mean": m.mean, "stddev": m.stddev}
    if all(v is None for v in declared.values()):
        raise _Skipped("declares neither mean nor stddev")
    for what, value in declared.items():
        if value is not None:
            _require_tensor(value, ctx.event_shape, what)
            if not bool(torch.isfinite(value).all()) or (what == "stddev" and bool((value < 0).any())):
                raise _Failed(f"{what} must be finite{' and >= 0' if what == 'stddev' else ''}, got {value}")
    samples = _try_samples(m, MOMENT_SAMPLES, seed=SEED + 8)
    if samples is None:
        raise _Skipped("no exact sampler to compare the declared moments with")
    flat = samples.reshape(MOMENT_SAMPLES, ctx.dim)
    n = MOMENT_SAMPLES
    centered = flat - flat.mean(0)
    sd = centered.square().mean(0).sqrt()
    notes = []
    if declared["mean"] is not None:
        z = (flat.mean(0) - declared["mean"].reshape(-1)).abs() / (sd / math.sqrt(n)).clamp_min(1e-300)
        worst = int(z.argmax())
        if float(z[worst]) > MOMENT_Z:
            raise _Failed(
                f"declared mean {float(declared['mean'].reshape(-1)[worst]):.6g} of coordinate {worst} is "
                f"{float(z[worst]):.1f} standard errors from the sample mean {float(flat.mean(0)[worst]):.6g}"
            )
        notes.append(f"mean within {float(z[worst]):.1f} standard errors")
    if declared["stddev"] is not None:
        kurtosis = centered.pow(4).mean(0) / sd.pow(4).clamp_min(1e-300)
        testable = kurtosis < MAX_KURTOSIS
        # the delta method: sd(s_hat) ~ s * sqrt((kurtosis - 1) / (4 n))
        se = declared["stddev"].reshape(-1) * ((kurtosis - 1.0).clamp_min(0.1) / (4 * n)).sqrt()
        z = torch.where(testable, (sd - declared["stddev"].reshape(-1)).abs() / se.clamp_min(1e-300), 0.0)
        worst = int(z.argmax())
        if float(z[worst]) > MOMENT_Z:
            raise _Failed(
                f"declared stddev {float(declared['stddev'].reshape(-1)[worst]):.6g} of coordinate {worst} "
                f"is {float(z[worst]):.1f} standard errors from the sample value {float(sd[worst]):.6g}"
            )
        skipped = int((~testable).sum())
        heavy = f" ({skipped} heavy-tailed coordinate(s) not testable)" if skipped else ""
        notes.append(f"stddev within {float(z[worst]):.1f} standard errors{heavy}")
    return f"{', '.join(notes)} ({n} samples)"


def check_modes(ctx: _Context) -> str:
    """Declared ``modes``: points of the event shape, finite energies, masses that sum to one."""
    modes = ctx.model.modes
    if modes is None:
        raise _Skipped("declares no modes")
    k = len(modes.points)
    _require_tensor(modes.points, (k, *ctx.event_shape), "modes.points")
    _require_tensor(modes.weights, (k,), "modes.weights")
    if not 1 <= k <= modes.count:
        raise _Failed(f"modes lists {k} points but declares count={modes.count}")
    weights = modes.weights
    if not bool(torch.isfinite(weights).all()) or bool((weights < 0).any()):
        raise _Failed(f"modes.weights must be finite and >= 0, got {weights}")
    total = float(weights.sum())
    complete = k == modes.count
    if (complete and abs(total - 1.0) > 1e-6) or total > 1.0 + 1e-6:
        expected = "1" if complete else "<= 1"
        raise _Failed(f"the masses of the {k} listed modes sum to {total!r}, expected {expected}")
    energies = _energies(ctx, modes.points.reshape(k, ctx.dim))
    if not bool(torch.isfinite(energies).all()):
        raise _Failed("the energy is not finite at every listed mode")
    return f"{k} of {modes.count} modes listed, masses sum to {total:.6g}"


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
        raise _Failed(
            f"importing hook module {module!r} in a fresh interpreter failed: {done.stderr.strip()}"
        )
    return tuple(json.loads(done.stdout.strip().splitlines()[-1]))


def check_hook_module(ctx: _Context) -> str:
    """The plugin's hook module imports neither torch nor any energy module (fresh interpreter)."""
    name = ctx.model.registry_name
    if name is None:
        raise _Skipped("not created through the registry")
    entry = _registry.REGISTRY.resolve(name)
    plugin = entry.plugin
    if plugin.name == _registry.LOCAL_PLUGIN:
        raise _Skipped("registered in-process, not by a plugin")
    module = plugin.module.partition(":")[0]
    loaded = set(_hook_imports(module))
    if "torch" in loaded:
        raise _Failed(f"hook module {module!r} imports torch")
    targets = sorted(
        {
            e.spec.target.partition(":")[0]
            for e in _registry.REGISTRY._entries.values()
            if e.plugin is plugin and isinstance(e.spec.target, str)
        }
    )
    imported = [t for t in targets if t in loaded and t != module]
    if imported:
        raise _Failed(f"hook module {module!r} imports energy module(s) {', '.join(imported)}")
    return f"{module} imports {len(loaded)} modules, no torch"


CHECKS: dict[str, Callable[[_Context], str | None]] = {
    "check_output_shape": check_output_shape,
    "check_dtype": check_dtype,
    "check_device": check_device,
    "check_gradient_autograd": check_gradient_autograd,
    "check_gradient_finite_differences": check_gradient_finite_differences,
    "check_score": check_score,
    "check_energy_and_gradient": check_energy_and_gradient,
    "check_create_graph": check_create_graph,
    "check_function_transforms": check_function_transforms,
    "check_input_not_modified": check_input_not_modified,
    "check_deterministic": check_deterministic,
    "check_nan_propagation": check_nan_propagation,
    "check_state_dict": check_state_dict,
    "check_torch_save": check_torch_save,
    "check_pickle": check_pickle,
    "check_deepcopy": check_deepcopy,
    "check_config_roundtrip": check_config_roundtrip,
    "check_minima": check_minima,
    "check_log_partition": check_log_partition,
    "check_sample": check_sample,
    "check_sample_reproducible": check_sample_reproducible,
    "check_moments": check_moments,
    "check_modes": check_modes,
    "check_hook_module": check_hook_module,
}
"""Every check, by name, in the order :func:`check_energy` runs them."""


def _first_line(text: str) -> str:
    return " ".join(text.split())


def run_check(
    model: BaseModel,
    name: str,
    *,
    dtypes: Sequence[torch.dtype] = (torch.float32, F64),
    devices: Sequence[str | torch.device] | None = None,
    expected_failure: str | None = None,
    context: _Context | None = None,
) -> CheckResult:
    """Run one check on ``model`` and return its :class:`CheckResult` (never raises for a failure).

    Args:
        model: the energy.
        name: a key of :data:`CHECKS`.
        expected_failure: a reason: a failure becomes ``"xfailed"``, a pass ``"xpassed"``.
    """
    if name not in CHECKS:
        raise InvalidParameterError("check", name, f"one of {', '.join(CHECKS)}")
    ctx = context or _Context(model, dtypes=dtypes, devices=devices)
    status: Status
    try:
        note = CHECKS[name](ctx)
    except _Skipped as exc:
        return CheckResult(name, "skipped", str(exc))
    except _Failed as exc:
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
        ctx = _Context(model, dtypes=dtypes, devices=devices, event_shape=event_shape)
        for name in names:
            result = run_check(model, name, expected_failure=expected.get(name), context=ctx)
            key = name if dims is None else f"{name}[dim={ctx.dim}]"
            report.results[key] = CheckResult(key, result.status, result.message)
    if raise_on_failure:
        report.raise_for_failures()
    return report
