"""Hook of a distribution whose plugin name, ``twin``, another distribution uses too."""

from __future__ import annotations

import ebmcore


@ebmcore.hookimpl
def ebmcore_energies() -> list[ebmcore.EnergySpec]:
    return [ebmcore.EnergySpec("twin_a_energy", "ebmcore_testplug_good._bowl:Bowl")]
