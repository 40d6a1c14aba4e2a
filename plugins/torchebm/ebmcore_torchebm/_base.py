"""TorchEBM's base classes: both are :class:`ebmcore.BaseModel` itself."""

from __future__ import annotations

from ebmcore import BaseModel

__all__ = ["BaseEnergyFunction", "BaseModel"]

BaseEnergyFunction = BaseModel
"""TorchEBM's older name of the base class (its implementation guide): :class:`ebmcore.BaseModel`."""
