"""Hook module of the ``compose`` plugin: names its energies, imports none of them."""

from __future__ import annotations

from ebmcore.plugin import EnergySpec, hookimpl

_SPECS = [
    EnergySpec(
        "composite",
        "ebmcore_compose._composite:Composite",
        "weighted sum, product, min or max of component energies (a sum is a product of experts)",
        tags=("compose",),
        aliases=("product_of_experts",),
    ),
    EnergySpec(
        "mixture",
        "ebmcore_compose._mixture:Mixture",
        "mixture E = -log sum_k w_k exp(-E_k), stable log-sum-exp; exact log Z and sampler from components",
        tags=("compose", "multimodal", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "tempered",
        "ebmcore_compose._tempered:Tempered",
        "a base energy at temperature T, E / T",
        tags=("compose", "tempering"),
    ),
    EnergySpec(
        "annealed",
        "ebmcore_compose._tempered:Annealed",
        "geometric annealing path (1 - beta) E0 + beta E1 for AIS and SMC",
        tags=("compose", "tempering"),
    ),
    EnergySpec(
        "transformed",
        "ebmcore_compose._transformed:Transformed",
        "a base energy composed with an invertible affine map, E(A x + b)",
        tags=("compose", "exact_sampler", "log_partition"),
        aliases=("affine",),
    ),
]


@hookimpl
def ebmcore_energies() -> list[EnergySpec]:
    """The energies of the compose plugin."""
    return list(_SPECS)
