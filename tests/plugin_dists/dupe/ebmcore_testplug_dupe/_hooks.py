"""Hook offering ``gaussian`` (as the analytic plugin does) and an alias ``normal`` it also uses."""

from __future__ import annotations

from ebmcore.plugin import EnergySpec, hookimpl


@hookimpl
def ebmcore_energies() -> list[EnergySpec]:
    return [
        EnergySpec("gaussian", "ebmcore_testplug_dupe._energies:WideGaussian", "a second gaussian"),
        EnergySpec("dupe_wide", "ebmcore_testplug_dupe._energies:WideGaussian", aliases=("normal",)),
    ]
