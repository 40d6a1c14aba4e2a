"""Hook whose targets name a missing module and a missing class, next to a valid one."""

from __future__ import annotations

from ebmcore.plugin import EnergySpec, hookimpl


@hookimpl
def ebmcore_energies() -> list[EnergySpec]:
    return [
        EnergySpec("gone_module", "ebmcore_testplug_missing_target._nowhere:Model"),
        EnergySpec("gone_class", "ebmcore_testplug_missing_target._energies:Nowhere"),
        EnergySpec("present", "ebmcore_testplug_missing_target._energies:Present"),
    ]
