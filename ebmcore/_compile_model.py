"""``ebmcore.compile``: opt one model instance in to the compiled kernel (see ``_compile``)."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Iterable

from ._compile import check_compilable, compiled_energy_and_gradient
from ._dispatch import Kernel
from ._errors import InvalidParameterError
from ._model import BaseModel

__all__ = ["compile"]


def compile(model: BaseModel, device_types: str | Iterable[str] = ("cpu", "cuda")) -> BaseModel:
    """Make ``model`` (this instance only) use the compiled kernel on the given device types.

    The instance gets its own kernel table layered over its class's (kernels registered on the
    class later stay visible for other device types). The first call per device and dtype
    compiles, which takes seconds; calls after it reuse the compiled code. Returns the model.
    What is compiled is the model's own path: its class's device kernel where one applies
    (the C kernels of ``ebmcore-kernels`` stay C, operators in the graph, with the work around
    them compiled), else its analytic energy and gradient.

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
    if not isinstance(model, BaseModel):
        raise InvalidParameterError("model", model, "an ebmcore.BaseModel instance")
    cls = type(model)
    check_compilable(cls)
    types = (device_types,) if isinstance(device_types, str) else tuple(device_types)
    own = {device_type: Kernel(compiled_energy_and_gradient) for device_type in types}
    object.__setattr__(model, "kernels", ChainMap(own, cls.kernels))
    return model
