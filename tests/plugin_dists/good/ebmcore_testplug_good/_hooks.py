"""Hook module of the well-behaved test plugin ``good``; logs each import for the tests."""

from __future__ import annotations

import os

from ebmcore.plugin import EnergySpec, hookimpl

_LOG = os.environ.get("EBMCORE_TEST_IMPORT_LOG")
if _LOG:  # the concurrency test counts how often this module is imported
    with open(_LOG, "a", encoding="utf-8") as log:
        log.write(__name__ + "\n")


@hookimpl
def ebmcore_energies() -> list[EnergySpec]:
    return [
        EnergySpec(
            "test_bowl",
            "ebmcore_testplug_good._bowl:Bowl",
            "quadratic bowl",
            tags=("test",),
            aliases=("bowl",),
        ),
        EnergySpec("steep_bowl", "ebmcore_testplug_good._bowl:Bowl", "a preset", params={"k": 10.0}),
    ]
