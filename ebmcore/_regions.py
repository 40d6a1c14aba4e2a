"""Where to look at a model: the box a picture or a diagnosis covers, and the device and dtype
to evaluate the model in (shared by :mod:`ebmcore.plot` and :func:`ebmcore.diagnose`)."""

from __future__ import annotations

import torch
from torch import Tensor

from ._model import BaseModel

__all__ = ["FALLBACK_HALF_WIDTH", "default_bounds", "finite_box", "placement"]

FALLBACK_HALF_WIDTH = 3.0
"""Half the width of the box around the known minimizers (or the origin) of a model without
finite bounds."""


def placement(model: BaseModel) -> tuple[torch.device, torch.dtype]:
    """Device and floating dtype to evaluate ``model`` in (float64 unless its tensors say otherwise)."""
    device = torch.device("cpu")
    for tensor in [*model.parameters(), *model.buffers()]:
        device = tensor.device
        if tensor.is_floating_point():
            return device, torch.promote_types(tensor.dtype, torch.float32)
    return device, torch.float64


def finite_box(box: Tensor | None) -> Tensor | None:
    if box is None:
        return None
    box = torch.as_tensor(box, dtype=torch.float64).detach().cpu().reshape(2, -1)
    if not torch.isfinite(box).all() or not (box[1] > box[0]).all():
        return None
    return box


def default_bounds(model: BaseModel) -> Tensor:
    """The ``(2, dim)`` float64 box a picture of ``model`` shows.

    The model's own :attr:`~ebmcore.BaseModel.bounds` where they are finite; else the known
    minimizers ``± 3``; else ``[-3, 3]`` in every coordinate.

    Example:
        >>> import ebmcore
        >>> ebmcore.plot.default_bounds(ebmcore.create("rosenbrock", dim=2))
        tensor([[-5., -5.],
                [10., 10.]], dtype=torch.float64)
    """
    box = finite_box(model.bounds)
    if box is not None and box.shape[1] == model.dim:
        return box
    minima = model.minima
    if minima is not None and len(minima.points):
        points = minima.points.reshape(len(minima.points), -1).double()
        if torch.isfinite(points).all():
            return torch.stack(
                [points.min(0).values - FALLBACK_HALF_WIDTH, points.max(0).values + FALLBACK_HALF_WIDTH]
            )
    return torch.tensor(
        [[-FALLBACK_HALF_WIDTH] * model.dim, [FALLBACK_HALF_WIDTH] * model.dim], dtype=torch.float64
    )
