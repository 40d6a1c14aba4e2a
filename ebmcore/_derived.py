"""Values derived from a module's tensors, cached until one of those tensors changes."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import torch
from torch import Tensor, nn

from ._dispatch import tracing

__all__ = ["cached_while_unchanged"]

T = TypeVar("T")


# model -> {key: (sources, their versions, value)}; weak, so a model's cache dies with it and
# is never pickled or deep-copied with it.
_derived: weakref.WeakKeyDictionary[
    nn.Module, dict[Hashable, tuple[tuple[Tensor, ...], tuple[int, ...], Any]]
] = weakref.WeakKeyDictionary()


def cached_while_unchanged(
    model: nn.Module, key: Hashable, sources: tuple[Tensor, ...], build: Callable[[], T]
) -> T:
    """``build()``, cached on ``model`` under ``key`` while every tensor in ``sources`` is unchanged.

    A source that is replaced (``.to()``, attribute assignment) or modified in place (its
    version counter moves, as ``load_state_dict`` does) makes the next call rebuild. Under
    ``torch.compile`` and for inference tensors (which have no version counter) nothing is
    cached, nor inside a ``torch.func`` transform (whose wrapped tensors must not outlive it).
    The value is built outside inference mode, so that a first call inside
    ``torch.inference_mode()`` does not cache an inference tensor that a later differentiable
    call could not use. Plugins use it for coefficients derived from their buffers.

    Example:
        >>> import torch
        >>> module = torch.nn.Module()
        >>> module.register_buffer("w", torch.tensor([1.0, 2.0]))
        >>> cached_while_unchanged(module, "total", (module.w,), lambda: float(module.w.sum()))
        3.0
        >>> with torch.no_grad():
        ...     module.w.mul_(2.0)  # in place: the version counter moves
        tensor([2., 4.])
        >>> cached_while_unchanged(module, "total", (module.w,), lambda: float(module.w.sum()))
        6.0
    """
    if tracing():
        # traced once into a graph, or a tensor of a torch.func transform that must not outlive it
        return build()
    table = _derived.get(model)
    if table is not None:
        hit = table.get(key)
        if hit is not None:
            old, versions, value = hit
            if len(old) == len(sources):
                for i, source in enumerate(sources):
                    if old[i] is not source or source.is_inference() or versions[i] != source._version:
                        break
                else:
                    return value
    if any(source.is_inference() for source in sources):
        return build()
    # The versions are read before building: a source changed in place while the value is
    # built (load_state_dict in another thread) then has a newer version than the one stored,
    # and the next call rebuilds instead of keeping a stale or torn value for good.
    versions = tuple(source._version for source in sources)
    with torch.inference_mode(False):
        value = build()
    if versions != tuple(source._version for source in sources):
        return value  # changed while building: not cached
    if table is None:
        table = _derived.setdefault(model, {})
    table[key] = (sources, versions, value)  # holding the sources keeps their ids unique
    return value
