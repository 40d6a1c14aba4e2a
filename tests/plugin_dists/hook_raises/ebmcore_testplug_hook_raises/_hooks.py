"""Hook module whose hook raises."""

from __future__ import annotations

import ebmcore


@ebmcore.hookimpl
def ebmcore_energies() -> list[ebmcore.EnergySpec]:
    raise RuntimeError("the hook of hook_raises fails on purpose")
