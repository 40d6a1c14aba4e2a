"""Hook whose targets are not BaseModels: a torch module class and a factory returning a dict."""

from __future__ import annotations

import ebmcore


@ebmcore.hookimpl
def ebmcore_energies() -> list[ebmcore.EnergySpec]:
    return [
        ebmcore.EnergySpec("linear_layer", "torch.nn:Linear", params={"in_features": 2, "out_features": 1}),
        ebmcore.EnergySpec("dict_factory", "ebmcore_testplug_not_basemodel._factory:make"),
    ]
