"""Hook module that takes 0.5 s to import; logs each import for the tests."""

from __future__ import annotations

import os
import time

from ebmcore.plugin import EnergySpec, hookimpl

time.sleep(0.5)

_LOG = os.environ.get("EBMCORE_TEST_IMPORT_LOG")
if _LOG:
    with open(_LOG, "a", encoding="utf-8") as log:
        log.write(__name__ + "\n")


@hookimpl
def ebmcore_energies() -> list[EnergySpec]:
    return [EnergySpec("slow_bowl", "ebmcore_testplug_good._bowl:Bowl", params={"k": 2.0})]
