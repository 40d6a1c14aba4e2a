"""Hook module that fails to import: it needs a module that is not installed."""

from __future__ import annotations

import ebmcore_testplug_not_installed  # noqa: F401

from ebmcore.plugin import EnergySpec, hookimpl


@hookimpl
def ebmcore_energies() -> list[EnergySpec]:
    return [EnergySpec("never_seen", "ebmcore_testplug_good._bowl:Bowl")]
