"""Hook module that fails to import: it needs a module that is not installed."""

from __future__ import annotations

import ebmcore_testplug_not_installed  # noqa: F401

import ebmcore


@ebmcore.hookimpl
def ebmcore_energies() -> list[ebmcore.EnergySpec]:
    return [ebmcore.EnergySpec("never_seen", "ebmcore_testplug_good._bowl:Bowl")]
