"""Hook of a distribution whose plugin name, ``twin``, another distribution uses too."""

from __future__ import annotations

from ebmcore.plugin import EnergySpec, hookimpl


@hookimpl
def ebmcore_energies() -> list[EnergySpec]:
    return [EnergySpec("twin_a_energy", "ebmcore_testplug_good._bowl:Bowl")]
