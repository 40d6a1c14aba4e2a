"""Hook offering ``gaussian`` (as the analytic plugin does) and an alias ``normal`` it also uses."""

from __future__ import annotations

import ebmcore


@ebmcore.hookimpl
def ebmcore_energies() -> list[ebmcore.EnergySpec]:
    return [
        ebmcore.EnergySpec("gaussian", "ebmcore_testplug_dupe._energies:WideGaussian", "a second gaussian"),
        ebmcore.EnergySpec("dupe_wide", "ebmcore_testplug_dupe._energies:WideGaussian", aliases=("normal",)),
    ]
