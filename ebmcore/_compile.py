"""Compiled kernels: ``torch.compile`` of a model's own fused energy and gradient.

A model class opts in per device type with a class attribute::

    class Rastrigin(BaseModel):
        compiled_kernels = ("cuda",)

``BaseModel.__init_subclass__`` then registers :func:`compiled_energy_and_gradient` as the
class's kernel for each listed device type, so the gradient dispatch (kernel > analytic >
autograd) runs it for inputs on that device. Nothing is compiled then: the first call for a
given ``(class, device, dtype, event shape)`` compiles the model's own path with
``torch.compile`` (:func:`uncompiled`: the class's device kernel where one applies, whose C
kernels a graph calls as operators, else ``analytic_energy_and_gradient``) and caches the
result, so importing ebmcore or a plugin never imports ``torch._dynamo`` or inductor, and a
process pays the compile time (seconds, most of it importing and warming inductor; measured in
``bench/results/energies.md``) only once it calls a compiled kernel. The cache lives in this
process; inductor's own on-disk cache makes later processes compile faster.

On CPU the compiled path is opt-in per model with :func:`ebmcore.compile` (the default CPU path stays
the eager one, so a fresh process never pays compile time without asking)::

    model = ebmcore.compile(ebmcore.create("double_well", dim=100))

Compiled kernels are not differentiable (``create_graph=True`` uses the analytic or autograd
path instead). If compiling fails (no C++ compiler for inductor on CPU, no Triton on GPU, an
unsupported op), the kernel warns once per ``(class, device type, dtype)`` with a
:class:`RuntimeWarning` and runs the eager code from then on, so results never depend on
whether compiling worked. ``EBMCORE_DISABLE_COMPILE=1`` turns every compiled kernel into the
eager code without compiling anything.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

from . import _dispatch
from ._errors import RegistrationError

if TYPE_CHECKING:
    from ._model import BaseModel

__all__ = ["check_compilable", "compile_stats", "compiled_energy_and_gradient", "register_compiled_kernels"]

EnergyAndGradient = Callable[[Any, Tensor], tuple[Tensor, Tensor]]

_lock = threading.Lock()
_cache: dict[tuple[type, str, torch.dtype, tuple[int, ...]], EnergyAndGradient] = {}
_failed: dict[tuple[type, str, torch.dtype], BaseException] = {}
_calls: dict[tuple[type, torch.device, torch.dtype], int] = {}


def _disabled() -> bool:
    return os.environ.get("EBMCORE_DISABLE_COMPILE", "").strip().lower() in {"1", "true", "yes", "on"}


def uncompiled(model: BaseModel, x: Tensor) -> tuple[Tensor, Tensor]:
    """What a compiled kernel compiles, and runs where it does not compile: the kernel the
    model's class registers for ``x``'s device where one applies to it and takes ``x`` (not a
    compiled kernel itself), else the class's ``analytic_energy_and_gradient``. So compiling
    keeps a C kernel (``ebmcore-kernels``' are operators in a graph) rather than compiling the
    torch formula it replaces."""
    kernel = _dispatch.class_kernel(model, x)
    if kernel is None or kernel.function is compiled_energy_and_gradient:
        return type(model).analytic_energy_and_gradient(model, x)
    return kernel.function(model, x)


def _compiled(
    cls: type[BaseModel], device: torch.device, dtype: torch.dtype, event_shape: tuple[int, ...]
) -> EnergyAndGradient:
    key = (cls, str(device), dtype, event_shape)
    function = _cache.get(key)
    if function is not None:
        return function
    with _lock:
        function = _cache.get(key)
        if function is None:
            function = torch.compile(_entry())
            _cache[key] = function
    return function


def _entry() -> EnergyAndGradient:
    """:func:`uncompiled` behind a code object of its own.

    Dynamo keeps the graphs it compiles for a function on the function's code object, at most
    ``torch._dynamo.config.recompile_limit`` (8) of them, and past that runs the code eagerly
    without a word. Classes share code objects (an inherited method, a decorator's wrapper),
    and one class meets several event shapes, so each ``(class, device, dtype, event shape)``
    compiles its own copy of this small function, whose graph inlines the model's path.
    """

    def energy_and_gradient(model: BaseModel, x: Tensor) -> tuple[Tensor, Tensor]:
        return uncompiled(model, x)

    energy_and_gradient.__code__ = energy_and_gradient.__code__.replace()  # a new code object
    return energy_and_gradient


# (class, device, dtype, input shape) -> (compiled function, key of _calls): the hot path of a
# call after the first one for its shape is one lookup with a key of cheap attributes.
_ready: dict[tuple[type, torch.device, torch.dtype, torch.Size], tuple[EnergyAndGradient, Any]] = {}
_MAX_READY = 4096  # distinct (class, shape) pairs remembered; beyond it the table starts over


def compiled_energy_and_gradient(model: BaseModel, x: Tensor) -> tuple[Tensor, Tensor]:
    """The compiled kernel: the model's own path (:func:`uncompiled`) through ``torch.compile``.

    The batch dimensions are flattened to one so that inputs differing only in their number
    of batch dimensions share one compiled graph, whose batch size is dynamic and whose event
    shape is static (one graph per event shape, with its loops unrolled for it). Compiled
    lazily on the first call per ``(class, device, dtype, event shape)``; see the module docstring for what
    happens if compiling fails.
    """
    cls = type(model)
    if x.numel() == 0 or _disabled():
        return uncompiled(model, x)
    ready = _ready.get((cls, x.device, x.dtype, x.shape))
    if ready is None:
        return _first_call(model, x)
    function, counter = ready
    flat = x.dim() - len(model.event_shape) != 1
    energy, grad = function(model, x.reshape(-1, *model.event_shape) if flat else x)
    _calls[counter] += 1
    if flat:
        return energy.reshape(x.shape[: x.dim() - len(model.event_shape)]), grad.reshape(x.shape)
    return energy, grad


def _first_call(model: BaseModel, x: Tensor) -> tuple[Tensor, Tensor]:
    """The first call for a shape: compile (once per class) or recompile, or run the eager code."""
    cls = type(model)
    key = (cls, str(x.device), x.dtype)
    if key in _failed:
        return uncompiled(model, x)
    event_dims = len(model.event_shape)
    batch = x.shape[: x.dim() - event_dims]
    flat = x.reshape(-1, *model.event_shape)
    try:
        with warnings.catch_warnings():  # the first call imports inductor, whose modules warn
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            warnings.filterwarnings("ignore", category=FutureWarning)
            warnings.filterwarnings("ignore", module=r"torch(\.|$)")
            function = _compiled(cls, x.device, x.dtype, model.event_shape)
            # A graph per event shape, dynamic in the batch size only: without the marks the
            # second event shape seen would make dynamo compile one graph symbolic in both.
            import torch._dynamo

            torch._dynamo.maybe_mark_dynamic(flat, 0)
            for dim in range(1, flat.dim()):
                torch._dynamo.mark_static(flat, dim)
            energy, grad = function(model, flat)
    except Exception as exc:  # compiling is best effort: the eager code is the same math
        _failed[key] = exc
        warnings.warn(
            f"ebmcore: compiling {cls.__name__}'s energy and gradient for {x.device.type} "
            f"{x.dtype} failed ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
            "using the eager code instead",
            RuntimeWarning,
            stacklevel=6,
        )
        return uncompiled(model, x)
    counter = (cls, x.device, x.dtype)
    _calls[counter] = _calls.get(counter, 0) + 1
    if len(_ready) >= _MAX_READY:
        _ready.clear()
    _ready[(cls, x.device, x.dtype, x.shape)] = (function, counter)
    return energy.reshape(batch), grad.reshape(x.shape)


def compile_stats() -> dict[str, Any]:
    """What the compiled kernels did in this process (for tests and benchmarks).

    Returns:
        ``{"compiled": [...], "failed": {...}, "calls": {...}}`` keyed by
        ``"Class/device/dtype"``: the compiled functions built, the ones that failed (with the
        error) and how many calls each compiled function served.
    """

    def label(key: tuple[type, str | torch.device, torch.dtype]) -> str:
        return f"{key[0].__name__}/{key[1]}/{str(key[2]).removeprefix('torch.')}"

    return {
        "compiled": sorted({label(k[:3]) for k in _cache}),
        "failed": {label(k): repr(v) for k, v in _failed.items()},
        "calls": {label(k): n for k, n in _calls.items()},
    }


def check_compilable(cls: type[BaseModel]) -> None:
    if not cls.has_analytic_gradient:
        raise RegistrationError(
            f"{cls.__name__} defines no analytic_energy_and_gradient or analytic_gradient, "
            "so it has nothing to compile"
        )


def register_compiled_kernels(cls: type[BaseModel], device_types: Iterable[str]) -> None:
    """Register the compiled kernel on ``cls`` for each device type (what ``compiled_kernels`` does).

    A kernel a parent class registered for the same device type is replaced.
    """
    names = () if isinstance(device_types, str) else tuple(device_types)
    if isinstance(device_types, str) or not all(isinstance(d, str) and d for d in names):
        raise RegistrationError(
            f"{cls.__name__}.compiled_kernels must be a tuple of device type names such as ('cuda',), "
            f"got {device_types!r}"
        )
    if names:
        check_compilable(cls)
    for device_type in names:
        cls.register_kernel(device_type, compiled_energy_and_gradient, replace=True)
