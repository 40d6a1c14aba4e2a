"""Hook whose targets name a missing module and a missing class, next to a valid one."""

from __future__ import annotations

import ebmcore


@ebmcore.hookimpl
def ebmcore_energies() -> list[ebmcore.EnergySpec]:
    return [
        ebmcore.EnergySpec("gone_module", "ebmcore_testplug_missing_target._nowhere:Model"),
        ebmcore.EnergySpec("gone_class", "ebmcore_testplug_missing_target._energies:Nowhere"),
        ebmcore.EnergySpec("present", "ebmcore_testplug_missing_target._energies:Present"),
    ]
