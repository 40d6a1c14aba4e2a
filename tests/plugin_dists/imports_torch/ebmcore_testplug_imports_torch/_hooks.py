"""Hook module that imports torch (works, but slows listing down: a recorded warning)."""

from __future__ import annotations

import torch  # noqa: F401

import ebmcore


@ebmcore.hookimpl
def ebmcore_energies() -> list[ebmcore.EnergySpec]:
    return [ebmcore.EnergySpec("torch_bowl", "ebmcore_testplug_good._bowl:Bowl")]
