"""Loading the certified reference draws shipped with the package (``references/<name>.npz``)."""

from __future__ import annotations

import functools
import io
import json
from importlib import resources
from typing import Any

import numpy as np
import torch
from torch import Tensor

__all__ = ["Reference", "load_reference"]


class Reference:
    """One stored reference: the draws, the per-coordinate moments with their MC errors, metadata.

    Attributes:
        draws: ``(n, dim)`` float64 numpy array of thinned draws (unconstrained coordinates).
        mean, sd, mean_se, sd_se: ``(dim,)`` float64 arrays: the posterior mean and standard
            deviation of each coordinate and their Monte-Carlo standard errors.
        meta: how the draws were made and the diagnostics that certified them (a dict).
    """

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.draws = np.asarray(arrays["draws"], dtype=np.float64)
        self.mean = np.asarray(arrays["mean"], dtype=np.float64)
        self.sd = np.asarray(arrays["sd"], dtype=np.float64)
        self.mean_se = np.asarray(arrays["mean_se"], dtype=np.float64)
        self.sd_se = np.asarray(arrays["sd_se"], dtype=np.float64)
        self.meta: dict[str, Any] = json.loads(str(arrays["meta"]))

    def tensor(self, name: str) -> Tensor:
        """A float64 CPU tensor copy of ``draws``, ``mean``, ``sd``, ``mean_se`` or ``sd_se``."""
        return torch.tensor(getattr(self, name), dtype=torch.float64)


@functools.cache
def load_reference(name: str) -> Reference:
    """The reference file ``ebmcore_posteriors/references/<name>.npz`` (read once, cached).

    Raises:
        FileNotFoundError: no reference of that name is installed (run ``scripts/make_reference.py``).
    """
    data = resources.files("ebmcore_posteriors").joinpath("references").joinpath(f"{name}.npz").read_bytes()
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return Reference({key: npz[key] for key in npz.files})
