"""Hook module of the ``density`` plugin: names its energies, imports none of them."""

from __future__ import annotations

import ebmcore

_SPECS = [
    ebmcore.EnergySpec(
        "density",
        "ebmcore_density._density:Density",
        "E = -log p(x) of a torch distribution (by allowlisted name) or any object with log_prob",
        tags=("density", "adapter", "exact_sampler", "log_partition"),
    ),
]


@ebmcore.hookimpl
def ebmcore_energies() -> list[ebmcore.EnergySpec]:
    """The energies of the density plugin."""
    return list(_SPECS)
