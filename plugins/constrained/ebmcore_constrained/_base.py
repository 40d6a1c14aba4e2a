"""Building the base energy of a constrained energy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ebmcore
from ebmcore import BaseModel, InvalidParameterError
from ebmcore.plugin import create_component

__all__ = ["GAUSSIAN_NAME", "build_base", "energy_spec"]

GAUSSIAN_NAME = "analytic/gaussian"
"""How the defaults name the Gaussian: by its qualified name, which another plugin's
``gaussian`` cannot make ambiguous."""

energy_spec = ebmcore.constraints.Constraint(
    lambda v: v is None or isinstance(v, (str, Mapping, BaseModel)),
    "None, a registered name, a spec dict or a model",
)


def build_base(spec: Any, dim: int | None, *, energy: str) -> BaseModel:
    """Create the base energy from a registered name, a spec dict or a model.

    A spec dict or a model is taken as given. A *bare name* is created with ``dim=dim`` when
    ``dim`` is known and the energy takes a ``dim`` parameter. The base must have a 1-D event
    shape, of size ``dim`` when ``dim`` is given, or none at all (a model built by
    ``super().__init__()`` without a dimension fits any).

    Raises:
        InvalidParameterError: naming ``base``, for another type, a name or spec dict that does
            not build, or a wrong dimension.
    """
    model = create_component(spec, parameter="base", energy=energy, dim=dim)
    if model.event_shape is None:  # fits any dimension
        return model
    if len(model.event_shape) != 1 or (dim is not None and model.dim != dim):
        wanted = f"dim {dim}" if dim is not None else "a 1-D event shape"
        name = model.registry_name or type(model).__name__
        raise InvalidParameterError(
            "base",
            spec,
            f"an energy of {wanted} (base {name!r} has shape {model.event_shape})",
            energy=energy,
        )
    return model
