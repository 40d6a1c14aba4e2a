"""Hook module whose hook raises."""

from __future__ import annotations

from ebmcore.plugin import EnergySpec, hookimpl


@hookimpl
def ebmcore_energies() -> list[EnergySpec]:
    raise RuntimeError("the hook of hook_raises fails on purpose")
