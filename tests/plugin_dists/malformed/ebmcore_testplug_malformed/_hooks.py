"""Hook returning malformed specs (bad name, bad target, unknown key, a name twice) and valid ones."""

from __future__ import annotations

from typing import Any

import ebmcore

_GAUSSIAN = "ebmcore_analytic._gaussian:Gaussian"


@ebmcore.hookimpl
def ebmcore_energies() -> list[Any]:
    return [
        {"name": "Bad-Name", "target": _GAUSSIAN},
        {"name": "bad_target", "target": "not a target"},
        {"name": "extra_key", "target": _GAUSSIAN, "colour": "red"},
        ebmcore.EnergySpec("twice", _GAUSSIAN),
        ebmcore.EnergySpec("twice", _GAUSSIAN),
        ebmcore.EnergySpec("fine", _GAUSSIAN, "a valid spec next to malformed ones", params={"dim": 3}),
    ]
