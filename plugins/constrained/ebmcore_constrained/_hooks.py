"""Hook module of the ``constrained`` plugin: names its energies, imports none of them."""

from __future__ import annotations

from ebmcore.plugin import EnergySpec, hookimpl

_SPECS = [
    EnergySpec(
        "spherical",
        "ebmcore_constrained._spherical:Spherical",
        "a base energy at the projection x / |x| onto the unit sphere, with the tangent gradient",
        tags=("constrained", "sphere"),
    ),
    EnergySpec(
        "box",
        "ebmcore_constrained._box:Box",
        "a base energy restricted to a box: hard walls, or a sigmoid reparameterization with log-Jacobian",
        tags=("constrained", "exact_sampler"),
    ),
]


@hookimpl
def ebmcore_energies() -> list[EnergySpec]:
    """The energies of the constrained plugin."""
    return list(_SPECS)
