"""Hook whose targets are not BaseModels: a torch module class and a factory returning a dict."""

from __future__ import annotations

from ebmcore.plugin import EnergySpec, hookimpl


@hookimpl
def ebmcore_energies() -> list[EnergySpec]:
    return [
        EnergySpec("linear_layer", "torch.nn:Linear", params={"in_features": 2, "out_features": 1}),
        EnergySpec("dict_factory", "ebmcore_testplug_not_basemodel._factory:make"),
    ]
