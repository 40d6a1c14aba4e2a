"""Hook module of the ``analytic`` plugin: names its energies, imports none of them."""

from __future__ import annotations

import ebmcore

_SPECS = [
    ebmcore.EnergySpec(
        "gaussian",
        "ebmcore_analytic._gaussian:Gaussian",
        "multivariate normal, E = (x-mu)^T Sigma^-1 (x-mu) / 2 (isotropic, diagonal or full)",
        tags=("analytic", "unimodal", "exact_sampler", "log_partition"),
        aliases=("normal",),
    ),
    ebmcore.EnergySpec(
        "double_well",
        "ebmcore_analytic._double_well:DoubleWell",
        "separable quartic double well, E = h sum (x_i^2 - b^2)^2, 2^dim minima",
        tags=("analytic", "multimodal", "exact_sampler", "log_partition"),
    ),
    ebmcore.EnergySpec(
        "rosenbrock",
        "ebmcore_analytic._rosenbrock:Rosenbrock",
        "Rosenbrock's banana valley, E = sum b (x_{i+1} - x_i^2)^2 + (a - x_i)^2",
        tags=("analytic", "optimization", "valley"),
    ),
]


@ebmcore.hookimpl
def ebmcore_energies() -> list[ebmcore.EnergySpec]:
    """The energies of the analytic plugin."""
    return list(_SPECS)
