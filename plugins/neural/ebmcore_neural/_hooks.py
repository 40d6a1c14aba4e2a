"""Hook module of the ``neural`` plugin: names its energies, imports none of them."""

from __future__ import annotations

from ebmcore.plugin import EnergySpec, hookimpl

_SPECS = [
    EnergySpec(
        "mlp",
        "ebmcore_neural._mlp:MLP",
        "trainable multilayer perceptron energy E(x) = MLP(x), seeded reproducible init",
        tags=("neural", "trainable"),
    ),
]


@hookimpl
def ebmcore_energies() -> list[EnergySpec]:
    """The energies of the neural plugin."""
    return list(_SPECS)
