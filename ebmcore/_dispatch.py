"""Gradient dispatch: device kernel, else analytic gradient, else autograd.

The order is fixed. A kernel registered for ``x.device.type`` runs first; a model that defines
an analytic gradient runs that next; autograd through ``forward`` is the reference path that
always works. ``create_graph=True`` skips any path that cannot be differentiated.
:func:`use_backend` forces one path, for verification.

Energies alone come from ``forward``, or from the kernel's ``energy`` where it has one and no
graph can be wanted (:func:`energy`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import torch
import torch.autograd.forward_ad as _forward_ad
from torch import Tensor

from ._errors import BackendUnavailableError, InvalidParameterError

if TYPE_CHECKING:
    from ._model import BaseModel

_Result = TypeVar("_Result")

__all__ = [
    "Backend",
    "Kernel",
    "autograd_energy_and_gradient",
    "energy",
    "energy_and_gradient",
    "gradient",
    "resolve_backend",
    "score",
    "use_backend",
]

Backend = Literal["kernel", "analytic", "autograd"]
BACKENDS = ("auto", "kernel", "analytic", "autograd")

_forced: ContextVar[str] = ContextVar("ebmcore_backend", default="auto")
# ids of the models whose score/gradient override is running (see BaseModel.analytic_gradient)
_overriding: ContextVar[tuple[int, ...]] = ContextVar("ebmcore_overriding", default=())

# torch.compile cannot read a ContextVar (dynamo breaks the graph there). So the blocks above are
# also counted, in all threads: a traced graph takes the defaults, guarded on none being open
# (a global bool, which dynamo guards on), and where one is open the ContextVar is read, which
# breaks the graph and runs that read eagerly: the path is the same as without the compiler.
_open_blocks = 0
_any_open = False
_open_lock = threading.Lock()


@contextlib.contextmanager
def _opened(var: ContextVar[Any], value: Any) -> Iterator[None]:
    """``var`` set to ``value`` inside the block, which is counted in :data:`_any_open`."""
    global _open_blocks, _any_open
    with _open_lock:
        _open_blocks += 1
        _any_open = True
    token = var.set(value)
    try:
        yield
    finally:
        var.reset(token)
        with _open_lock:
            _open_blocks -= 1
            _any_open = _open_blocks > 0


def _defaults() -> bool:
    """Whether no :func:`use_backend` or :func:`overriding` block is open where this runs: known
    for certain, without reading the ContextVars, inside a graph ``torch.compile`` traces."""
    return torch.compiler.is_compiling() and not _any_open


def _forced_backend() -> str:
    """The backend :func:`use_backend` forces here (``"auto"``: none)."""
    return "auto" if _defaults() else _forced.get()


def _overridden(model: BaseModel) -> bool:
    """Whether ``model``'s own ``score``/``gradient`` override is running (see :func:`overriding`)."""
    return model.gradient_override is not None and not _defaults() and id(model) in _overriding.get()


@dataclass(frozen=True)
class Kernel:
    """A fused energy-and-gradient implementation for one device type.

    Attributes:
        function: ``function(model, x) -> (energy, gradient)``.
        differentiable: whether its outputs carry a graph (so ``create_graph=True`` may use it).
        applies: ``applies(model)``, whether the kernel serves this instance of the class (a
            kernel written for some configurations only); None: every instance.
        accepts: ``accepts(model, x)``, whether it takes this input (a dtype, a size or a
            layout it was written for); None: every input. Where it returns False the next
            path runs, and :func:`resolve_backend` names that path.
        energy: ``energy(model, x) -> energy``, the energies alone without a graph, for a kernel
            that has them faster than ``forward``; None: :func:`energy` runs ``forward``.
    """

    function: Callable[[BaseModel, Tensor], tuple[Tensor, Tensor]]
    differentiable: bool = False
    applies: Callable[[BaseModel], bool] | None = None
    energy: Callable[[BaseModel, Tensor], Tensor] | None = None
    accepts: Callable[[BaseModel, Tensor], bool] | None = None


@contextlib.contextmanager
def use_backend(name: str) -> Iterator[None]:
    """Force one gradient path inside a ``with`` block (per thread and per async task).

    Args:
        name: ``"auto"`` (the default order), ``"kernel"``, ``"analytic"`` or ``"autograd"``.
            Forcing a path a model does not have raises :class:`BackendUnavailableError`;
            with ``create_graph=True`` a non-differentiable forced path falls back to autograd.

    Example:
        >>> import ebmcore, torch
        >>> model = ebmcore.create("rosenbrock", dim=3)
        >>> x = torch.randn(5, 3, dtype=torch.float64)
        >>> with ebmcore.use_backend("autograd"):
        ...     reference = model.gradient(x)
        >>> torch.allclose(model.gradient(x), reference)
        True
    """
    if name not in BACKENDS:
        raise InvalidParameterError("backend", name, f"one of {', '.join(map(repr, BACKENDS))}")
    with _opened(_forced, name):
        yield


@contextlib.contextmanager
def overriding(model: BaseModel) -> Iterator[None]:
    """While a subclass's own ``score``/``gradient`` runs as its analytic gradient: within it,
    the dispatch takes autograd for that model instead of calling the override again."""
    with _opened(_overriding, (*_overriding.get(), id(model))):
        yield


_functorch_active: Callable[[], bool] = getattr(torch._C, "_are_functorch_transforms_active", lambda: False)


def transforms_active() -> bool:
    """Whether a ``torch.func`` transform runs or a forward-mode AD dual level is open.

    Both differentiate inputs that need not require grad, through tensors (functorch wrappers,
    dual tensors) whose tangents a kernel cannot read and would drop. Under them the kernels
    step aside, the analytic gradient runs with grad mode as it is (so the transform
    differentiates through it), and the reference gradient is ``torch.func.grad``'s, which
    composes with the outer transforms and carries forward-mode tangents.
    """
    # No tensor carries a tangent outside a dual level (torch.autograd.forward_ad clears them).
    # The level is global, not per thread: one open in another thread sends this thread's calls
    # down the same path (slower, the same numbers).
    return _functorch_active() or _forward_ad._current_level >= 0


def tracing() -> bool:
    """Whether values are hidden from Python here: ``torch.compile`` traces a graph, a
    ``torch.func`` transform runs, or a forward-mode AD dual level is open.

    Code that runs inside a model's ``forward`` or gradient then must not branch on a tensor's
    value (``bool(t)``, ``t.item()``: a traced graph or ``vmap`` cannot) and must not keep a
    tensor it built from its inputs beyond the call (it may be a wrapper of the transform).

    Example:
        >>> import torch, ebmcore.plugin
        >>> ebmcore.plugin.tracing()
        False
        >>> torch.func.vmap(lambda x: x + ebmcore.plugin.tracing())(torch.zeros(2))
        tensor([1., 1.])
    """
    return torch.compiler.is_compiling() or transforms_active()


def _registered(model: BaseModel, x: Tensor, kernels: Mapping[str, Kernel] | None = None) -> Kernel | None:
    """The kernel registered for ``x.device.type`` (in ``kernels``, else the model's), or None."""
    kernels = model.kernels if kernels is None else kernels
    # x.is_cpu is a cheap flag; x.device.type builds a device object and a string
    return (kernels.get("cpu") if x.is_cpu else kernels.get(x.device.type)) if kernels else None


def _applying(model: BaseModel, x: Tensor, kernels: Mapping[str, Kernel] | None = None) -> Kernel | None:
    """The kernel registered for ``x.device.type`` (in ``kernels``, else the model's) if it
    applies to ``model`` and takes ``x``, else None."""
    kernel = _registered(model, x, kernels)
    if (
        kernel is None
        or (kernel.applies is not None and not kernel.applies(model))
        or (kernel.accepts is not None and not kernel.accepts(model, x))
    ):
        return None
    return kernel


def class_kernel(model: BaseModel, x: Tensor) -> Kernel | None:
    """The kernel ``type(model)`` registers for ``x.device.type``, if it applies to ``model``
    and takes ``x``, else None: the instance's own table (:func:`ebmcore.compile`'s) left out."""
    return _applying(model, x, type(model).kernels)


def resolve_backend(model: BaseModel, x: Tensor, *, create_graph: bool = False) -> Backend:
    """Name the path :func:`gradient` takes for ``model`` on ``x``."""
    return _path(model, x, create_graph)[0]


def one_sample_as_batch(model: BaseModel, x: Tensor) -> bool:
    """Whether ``x`` is one sample (no batch axis) under a transform, to be evaluated as a batch
    of one.

    Forward-mode AD in torch (``torch.func.jvp``, ``jacfwd``, ``torch.autograd.forward_ad``)
    gives ``t + 1.0`` a float64 tangent where ``t`` is a 0-dim float32 tensor: the Python number's
    zero tangent loses its wrapped-number mark in type promotion (pytorch/pytorch#90065). Per
    sample, as ``vmap`` and a one-point transform see it, every energy is such a 0-dim tensor;
    with a batch axis it is not, and the tangents keep their dtype.
    """
    return x.ndim == model.event_ndim and transforms_active()


def _path(model: BaseModel, x: Tensor, create_graph: bool) -> tuple[Backend, bool]:
    """The path for ``model`` on ``x``, and whether a graph is to be kept: one is asked for, or a
    ``torch.func`` transform is active (which also rules out kernels)."""
    transformed = transforms_active()
    return _resolve(model, x, create_graph or transformed, transformed), create_graph or transformed


def _resolve(model: BaseModel, x: Tensor, create_graph: bool, transformed: bool) -> Backend:
    """:func:`resolve_backend`, told whether a ``torch.func`` transform is active (no kernel then)."""
    forced = _forced_backend()
    kernel = None if transformed else _applying(model, x)
    kernel_ok = kernel is not None and (kernel.differentiable or not create_graph)
    analytic = model.has_analytic_gradient
    if analytic and _overridden(model):
        analytic = False  # called from inside the override itself
    analytic_ok = analytic and (model.analytic_gradient_differentiable or not create_graph)
    if forced == "auto":
        return "kernel" if kernel_ok else "analytic" if analytic_ok else "autograd"
    if forced == "kernel":
        if kernel is None:
            raise BackendUnavailableError(
                f"{type(model).__name__} has no kernel for device type {x.device.type!r} that applies "
                f"to this model and takes this {x.dtype} input of shape {tuple(x.shape)} (it has "
                f"kernels for: {', '.join(sorted(model.kernels)) or 'none'})"
            )
        return "kernel" if kernel_ok else "autograd"
    if forced == "analytic":
        if not analytic:
            raise BackendUnavailableError(f"{type(model).__name__} defines no analytic gradient")
        return "analytic" if analytic_ok else "autograd"
    return "autograd"


def energy(model: BaseModel, x: Tensor) -> Tensor:
    """Energies of ``x``, shape ``(*batch,)``: the same call as ``model(x)`` and ``model.forward(x)``.

    The kernel registered for ``x.device.type`` computes them when it has an ``energy`` function
    (:meth:`BaseModel.register_kernel`), applies to the model, is not ruled out by
    :func:`use_backend` (``"analytic"`` and ``"autograd"`` run the subclass's ``forward``, the
    reference), and no graph can be wanted: grad mode is off, or neither ``x`` nor any
    parameter or buffer of the model requires grad (one that ``functional_call`` swapped in
    too), and no ``torch.func`` transform is active (see
    :func:`kernel_energy`); in a graph that ``torch.compile`` traces too (where the kernel
    takes the input: its ``accepts``), but not in a program that ``torch.export`` traces, which
    is torch's operators alone. Otherwise the subclass's ``forward`` runs, and its result is
    differentiable as usual.

    Example:
        >>> import ebmcore, torch
        >>> model = ebmcore.create("gaussian", dim=2)
        >>> ebmcore.energy(model, torch.tensor([1.0, -2.0]))
        tensor(2.5000)
    """
    return model.forward(x)


def kernel_energy(model: BaseModel, x: Tensor) -> Callable[[BaseModel, Tensor], Tensor] | None:
    """The kernel's energy function that ``model(x)`` runs instead of the subclass's ``forward``,
    or None (see :func:`energy`)."""
    if not isinstance(x, Tensor) or torch.compiler.is_exporting():  # an exported program traces forward
        return None
    kernel = _applying(model, x)
    if kernel is None or kernel.energy is None or _forced_backend() not in ("auto", "kernel"):
        return None
    if torch.is_grad_enabled() and (x.requires_grad or model._state_requires_grad()):
        return None
    return None if transforms_active() else kernel.energy


class _AnalyticEnergy(torch.autograd.Function):
    """The energies of ``model`` at ``x``, whose derivative is the fused analytic gradient.

    The forward runs the fused energy and gradient once (device kernel or analytic path, no
    graph) and keeps the gradient; a first derivative then costs a product by it, not autograd
    through ``forward``. A derivative with ``create_graph=True`` (a second derivative to come)
    evaluates the analytic gradient again on ``x`` with autograd recording, so it stays
    differentiable.
    """

    @staticmethod
    def forward(ctx: Any, model: BaseModel, x: Tensor) -> Tensor:
        path = _resolve(model, x, False, False)
        energy, grad = _fused_without_autograd(model, x, path)
        ctx.model = model
        ctx.save_for_backward(x, grad)
        return energy

    @staticmethod
    def backward(ctx: Any, grad_energy: Tensor) -> tuple[None, Tensor]:
        x, grad = ctx.saved_tensors
        model = ctx.model
        if torch.is_grad_enabled():  # create_graph=True: the gradient must carry a graph in x
            grad = _gradient_without_autograd(model, x, "analytic")
        return None, grad_energy.reshape(grad_energy.shape + (1,) * model.event_ndim) * grad


def analytic_graph_energy(model: BaseModel, x: Tensor) -> Callable[[BaseModel, Tensor], Tensor] | None:
    """The function ``model(x)`` runs where a graph in ``x`` alone is wanted and the model's
    analytic gradient can serve it (:class:`_AnalyticEnergy`), or None: no graph is wanted, a
    parameter or buffer of the model requires grad (its derivative needs autograd through ``forward``),
    the gradient is not written in differentiable ops, a ``torch.func`` transform or
    ``torch.compile`` traces ``forward``, or :func:`use_backend` asks for another path."""
    if (
        not (isinstance(x, Tensor) and x.requires_grad and torch.is_grad_enabled())
        or not (model.has_analytic_gradient and model.analytic_gradient_differentiable)
        or _forced_backend() != "auto"
        or _overridden(model)
        or torch.compiler.is_compiling()
        or transforms_active()
        or model._state_requires_grad()
    ):
        return None
    return _analytic_energy


def _analytic_energy(model: BaseModel, x: Tensor) -> Tensor:
    return _AnalyticEnergy.apply(model, x)


def autograd_energy_and_gradient(model: BaseModel, x: Tensor, create_graph: bool) -> tuple[Tensor, Tensor]:
    if torch.is_inference_mode_enabled() or x.is_inference():
        # Inside inference mode autograd records nothing (enable_grad cannot change that), and
        # an inference tensor cannot take part in autograd anywhere: the derivative is taken
        # outside inference mode, on an ordinary copy of x.
        with torch.inference_mode(False):
            return _autograd_step(model, x.clone() if x.is_inference() else x, create_graph)
    return _autograd_step(model, x, create_graph)


def _functional_autograd(model: BaseModel, x: Tensor) -> tuple[Tensor, Tensor]:
    """Energy and gradient inside a ``torch.func`` transform, by ``torch.func.grad``."""

    def total(y: Tensor) -> tuple[Tensor, Tensor]:
        energy = model.forward(y)
        return energy.sum(), energy

    grad, energy = torch.func.grad(total, has_aux=True)(x)
    return energy, grad


def _autograd_step(model: BaseModel, x: Tensor, create_graph: bool) -> tuple[Tensor, Tensor]:
    with torch.enable_grad():
        leaf = x if (create_graph and x.requires_grad) else x.detach().requires_grad_(True)
        with _opened(_forced, "autograd"):  # the reference: autograd through forward itself
            energy = model.forward(leaf)
        if not energy.requires_grad:  # energy does not depend on x
            return energy, torch.zeros_like(x)
        (grad,) = torch.autograd.grad(energy.sum(), leaf, create_graph=create_graph, materialize_grads=True)
    if not create_graph:
        return energy.detach(), grad
    return energy, grad


def _kernel_function(model: BaseModel, x: Tensor) -> Callable[[BaseModel, Tensor], tuple[Tensor, Tensor]]:
    kernel = _registered(model, x)
    assert kernel is not None  # resolve_backend chose the kernel path
    return kernel.function


# Grad mode is switched by the private setter that torch.no_grad() itself calls: a no_grad()
# object costs about as much as the whole dispatch of a small batch, and grad mode is thread
# local, so a plain try/finally around the call is exact.
_set_grad_enabled: Callable[[bool], object] = getattr(torch._C, "_set_grad_enabled", torch.set_grad_enabled)


def energy_and_gradient(model: BaseModel, x: Tensor, *, create_graph: bool = False) -> tuple[Tensor, Tensor]:
    """Energy and its gradient ``dE/dx`` from one pass.

    Args:
        model: the energy.
        x: input of shape ``(*batch, *event_shape)``; never modified.
        create_graph: keep both results differentiable (w.r.t. ``x`` and the parameters), as
            score matching needs. Otherwise the results are detached.

    Returns:
        ``(energy, gradient)`` of shapes ``(*batch,)`` and ``x.shape``.
    """
    model.check_input(x)
    path, graph = _path(model, x, create_graph)
    if graph and one_sample_as_batch(model, x):
        energy, grad = energy_and_gradient(model, x.unsqueeze(0), create_graph=create_graph)
        return energy[0], grad[0]  # one sample as a batch of one: see one_sample_as_batch
    if path == "autograd":
        return _reference(model, x, create_graph)
    return _without_graph(_fused_without_autograd, model, x, path, graph)


def _reference(model: BaseModel, x: Tensor, create_graph: bool) -> tuple[Tensor, Tensor]:
    """Energy and gradient by autograd through ``forward``: ``torch.func.grad`` inside a
    ``torch.func`` transform (it composes with the outer ones) and in a graph ``torch.compile``
    traces (which captures it, where it breaks the graph at ``torch.autograd.grad``), else
    ``torch.autograd``."""
    if transforms_active():
        return _functional_autograd(model, x)
    if torch.compiler.is_compiling():
        energy, grad = _functional_autograd(model, x)
        return (energy, grad) if create_graph else (energy.detach(), grad.detach())
    return autograd_energy_and_gradient(model, x, create_graph)


def _without_graph(
    function: Callable[[BaseModel, Tensor, Backend], _Result],
    model: BaseModel,
    x: Tensor,
    path: Backend,
    create_graph: bool,
) -> _Result:
    """``function(model, x, path)`` with autograd off unless a graph is asked for (or it is off)."""
    if create_graph or not torch.is_grad_enabled():
        return function(model, x, path)
    _set_grad_enabled(False)
    try:
        return function(model, x, path)
    finally:
        _set_grad_enabled(True)


def _fused_without_autograd(model: BaseModel, x: Tensor, path: Backend) -> tuple[Tensor, Tensor]:
    if path == "kernel":
        return _kernel_function(model, x)(model, x)
    return model.analytic_energy_and_gradient(x)


def gradient(model: BaseModel, x: Tensor, *, create_graph: bool = False) -> Tensor:
    """The gradient ``dE/dx`` (same shape as ``x``), by the dispatch order of this module.

    Example:
        >>> import ebmcore, torch
        >>> model = ebmcore.create("gaussian", dim=2)
        >>> ebmcore.gradient(model, torch.tensor([1.0, -2.0]))
        tensor([ 1., -2.])
    """
    model.check_input(x)
    path, graph = _path(model, x, create_graph)
    if graph and one_sample_as_batch(model, x):
        return gradient(model, x.unsqueeze(0), create_graph=create_graph)[0]  # see one_sample_as_batch
    if path == "autograd":
        return _reference(model, x, create_graph)[1]
    return _without_graph(_gradient_without_autograd, model, x, path, graph)


def _gradient_without_autograd(model: BaseModel, x: Tensor, path: Backend) -> Tensor:
    if path == "kernel":
        return _kernel_function(model, x)(model, x)[1]
    if model.defines_analytic_gradient:
        return model.analytic_gradient(x)
    return model.analytic_energy_and_gradient(x)[1]


def score(model: BaseModel, x: Tensor, *, create_graph: bool = False) -> Tensor:
    """The score ``-dE/dx = grad log p(x)``."""
    return -gradient(model, x, create_graph=create_graph)
