"""Hook module that imports torch (works, but slows listing down: a recorded warning)."""

from __future__ import annotations

import torch  # noqa: F401

from ebmcore.plugin import EnergySpec, hookimpl


@hookimpl
def ebmcore_energies() -> list[EnergySpec]:
    return [EnergySpec("torch_bowl", "ebmcore_testplug_good._bowl:Bowl")]
