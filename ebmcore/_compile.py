"""Compiled kernels: ``torch.compile`` of a model's fused analytic energy and gradient.

A model class opts in per device type with a class attribute::

    class Rastrigin(BaseModel):
        compiled_kernels = ("cuda",)

``BaseModel.__init_subclass__`` then registers :func:`compiled_energy_and_gradient` as the
class's kernel for each listed device type, so the gradient dispatch (kernel > analytic >
autograd) runs it for inputs on that device. Nothing is compiled then: the first call for a
given ``(class, device, dtype)`` compiles ``analytic_energy_and_gradient`` with
``torch.compile`` and caches the result, so importing ebmcore or a plugin never imports
``torch._dynamo`` or inductor, and a process pays the compile time (seconds: about 5 to 30 s
on a small CPU, most of it importing and warming inductor) only once it calls a compiled
kernel. The cache lives in this process; inductor's own on-disk cache makes later
processes compile faster.

On CPU the compiled path is opt-in per model with :func:`compile` (the default CPU path stays
the eager analytic one, so a fresh process never pays compile time without asking)::

    model = ebmcore.compile(ebmcore.create("double_well", dim=100))

Compiled kernels are not differentiable (``create_graph=True`` uses the analytic or autograd
path instead). If compiling fails (no C++ compiler for inductor on CPU, no Triton on GPU, an
unsupported op), the kernel warns once per ``(class, device type, dtype)`` with a
:class:`RuntimeWarning` and runs the eager analytic code from then on, so results never
depend on whether compiling worked. ``EBMCORE_DISABLE_COMPILE=1`` turns every compiled kernel
into the eager analytic code without compiling anything.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections import ChainMap
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

from ._errors import InvalidParameterError, RegistrationError

if TYPE_CHECKING:
    from ._model import BaseModel

__all__ = ["compile", "compile_stats", "compiled_energy_and_gradient", "register_compiled_kernels"]

EnergyAndGradient = Callable[[Any, Tensor], tuple[Tensor, Tensor]]

_lock = threading.Lock()
_cache: dict[tuple[type, str, torch.dtype], EnergyAndGradient] = {}
_failed: dict[tuple[type, str, torch.dtype], BaseException] = {}
_calls: dict[tuple[type, str, torch.dtype], int] = {}


def _disabled() -> bool:
    return os.environ.get("EBMCORE_DISABLE_COMPILE", "").strip().lower() in {"1", "true", "yes", "on"}


def _eager(cls: type[BaseModel]) -> EnergyAndGradient:
    return cls.analytic_energy_and_gradient


def _compiled(cls: type[BaseModel], device: torch.device, dtype: torch.dtype) -> EnergyAndGradient:
    key = (cls, str(device), dtype)
    function = _cache.get(key)
    if function is not None:
        return function
    with _lock:
        function = _cache.get(key)
        if function is None:
            function = torch.compile(cls.analytic_energy_and_gradient)
            _cache[key] = function
    return function


def compiled_energy_and_gradient(model: BaseModel, x: Tensor) -> tuple[Tensor, Tensor]:
    """The compiled kernel: ``model.analytic_energy_and_gradient(x)`` through ``torch.compile``.

    The batch dimensions are flattened to one so that inputs differing only in their number
    of batch dimensions share one compiled graph. Compiled lazily on the first call per
    ``(class, device, dtype)``; see the module docstring for what happens if compiling fails.
    """
    cls = type(model)
    if _disabled() or x.numel() == 0:
        return cls.analytic_energy_and_gradient(model, x)
    key = (cls, str(x.device), x.dtype)
    if key in _failed:
        return cls.analytic_energy_and_gradient(model, x)
    batch = x.shape[: x.dim() - len(model.event_shape)]
    flat = x.reshape(-1, *model.event_shape)
    try:
        if key in _calls:
            energy, grad = _compiled(cls, x.device, x.dtype)(model, flat)
        else:  # the first call imports inductor, whose own modules warn (deprecations)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", category=DeprecationWarning)
                warnings.filterwarnings("ignore", category=FutureWarning)
                warnings.filterwarnings("ignore", module=r"torch(\.|$)")
                energy, grad = _compiled(cls, x.device, x.dtype)(model, flat)
    except Exception as exc:  # compiling is best effort: the eager code is the same math
        _failed[key] = exc
        warnings.warn(
            f"ebmcore: compiling {cls.__name__}.analytic_energy_and_gradient for {x.device.type} "
            f"{x.dtype} failed ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
            "using the eager analytic code instead",
            RuntimeWarning,
            stacklevel=4,
        )
        return cls.analytic_energy_and_gradient(model, x)
    _calls[key] = _calls.get(key, 0) + 1
    return energy.reshape(batch), grad.reshape(x.shape)


def compile_stats() -> dict[str, Any]:
    """What the compiled kernels did in this process (for tests and benchmarks).

    Returns:
        ``{"compiled": [...], "failed": {...}, "calls": {...}}`` keyed by
        ``"Class/device/dtype"``: the compiled functions built, the ones that failed (with the
        error) and how many calls each compiled function served.
    """

    def label(key: tuple[type, str, torch.dtype]) -> str:
        return f"{key[0].__name__}/{key[1]}/{str(key[2]).removeprefix('torch.')}"

    return {
        "compiled": sorted(label(k) for k in _cache),
        "failed": {label(k): repr(v) for k, v in _failed.items()},
        "calls": {label(k): n for k, n in _calls.items()},
    }


def _check_compilable(cls: type[BaseModel]) -> None:
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
        _check_compilable(cls)
    for device_type in names:
        cls.register_kernel(device_type, compiled_energy_and_gradient, replace=True)


def compile(model: BaseModel, device_types: str | Iterable[str] = ("cpu", "cuda")) -> BaseModel:
    """Make ``model`` (this instance only) use the compiled kernel on the given device types.

    The instance gets its own kernel table layered over its class's (kernels registered on the
    class later stay visible for other device types). The first call per device and dtype
    compiles, which takes seconds; calls after it reuse the compiled code. Returns the model.

    Args:
        model: a model whose class defines an analytic energy and gradient.
        device_types: ``"cpu"``, ``"cuda"``, ... or several of them.

    Raises:
        RegistrationError: the model has no analytic gradient to compile.

    Example:
        >>> import ebmcore
        >>> model = ebmcore.compile(ebmcore.create("double_well", dim=3))
        >>> sorted(model.kernels)
        ['cpu', 'cuda']
    """
    from ._model import BaseModel

    if not isinstance(model, BaseModel):
        raise InvalidParameterError("model", model, "an ebmcore.BaseModel instance")
    cls = type(model)
    _check_compilable(cls)
    types = (device_types,) if isinstance(device_types, str) else tuple(device_types)
    from ._dispatch import Kernel

    own = {device_type: Kernel(compiled_energy_and_gradient) for device_type in types}
    object.__setattr__(model, "kernels", ChainMap(own, cls.kernels))
    return model
