"""Hook module of the ``density`` plugin: names its energies, imports none of them."""

from __future__ import annotations

from ebmcore.plugin import EnergySpec, hookimpl

_SPECS = [
    EnergySpec(
        "density",
        "ebmcore_density._density:Density",
        "E = -log p(x) of a torch distribution (by allowlisted name) or any object with log_prob",
        tags=("density", "adapter", "exact_sampler", "log_partition"),
    ),
]


@hookimpl
def ebmcore_energies() -> list[EnergySpec]:
    """The energies of the density plugin."""
    return list(_SPECS)
