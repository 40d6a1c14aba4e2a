"""Hook returning malformed specs (bad name, bad target, unknown key, a name twice) and valid ones."""

from __future__ import annotations

from typing import Any

from ebmcore.plugin import EnergySpec, hookimpl

_GAUSSIAN = "ebmcore_analytic._gaussian:Gaussian"


@hookimpl
def ebmcore_energies() -> list[Any]:
    return [
        {"name": "Bad-Name", "target": _GAUSSIAN},
        {"name": "bad_target", "target": "not a target"},
        {"name": "extra_key", "target": _GAUSSIAN, "colour": "red"},
        EnergySpec("twice", _GAUSSIAN),
        EnergySpec("twice", _GAUSSIAN),
        EnergySpec("fine", _GAUSSIAN, "a valid spec next to malformed ones", params={"dim": 3}),
    ]
