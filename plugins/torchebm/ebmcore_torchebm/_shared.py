"""What every compatibility class shares: TorchEBM's ``dtype``/``device`` keywords and argument checks."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ebmcore import BaseModel, InvalidParameterError, RegistrationError, constraints

__all__ = ["Device", "adopt_registry_name", "place", "scalar"]

Device = torch.device | str | int | None
"""What TorchEBM's ``device`` keyword accepts (as ``torch.device`` does)."""


def place(model: BaseModel, dtype: torch.dtype | None, device: Any) -> None:
    """Move ``model``'s parameters and buffers to ``dtype`` and ``device`` where they are given.

    TorchEBM's ``BaseModel(dtype=..., device=...)`` keywords. They place what the model holds;
    the energy is still computed in the dtype of its input (float64 in gives float64 out).
    """
    moves: dict[str, Any] = {}
    if dtype is not None:
        moves["dtype"] = dtype
    if device is not None:
        moves["device"] = device
    if moves:
        model.to(**moves)


def adopt_registry_name(model: BaseModel, name: str) -> None:
    """Give ``model`` the registry name ``name`` of the energy its config rebuilds, if it has a config.

    A model holding a live object that cannot be written to JSON (a component without a config,
    an activation module) keeps ``registry_name = None``: nothing can rebuild it by name.
    """
    try:
        model.config  # noqa: B018 (evaluated for the error it may raise)
    except RegistrationError:
        return
    object.__setattr__(model, "registry_name", name)  # a plain attribute, as the registry sets it


def scalar(name: str, value: Any, constraint: constraints.Constraint, *, energy: str) -> float:
    """``value`` (a number or a one-element tensor) as a float, checked against ``constraint``.

    Raises:
        InvalidParameterError: naming ``name``, when ``value`` breaks ``constraint``.
    """
    number = value.item() if isinstance(value, Tensor) and value.numel() == 1 else value
    if not constraint.check(number):
        raise InvalidParameterError(name, value, constraint.description, energy=energy)
    return float(number)
