"""The names of the conformance checks, in the order they run: the one list of them.

Importable without torch: the pytest plugin parametrizes tests by these names while it collects
them, before any check (or torch) is loaded. :data:`ebmcore.testing.CHECKS` maps each name to
the function of that name in :mod:`._checks`, so adding a check means adding its name here and
a function of that name there.
"""

from __future__ import annotations

__all__ = ["CHECK_NAMES"]

CHECK_NAMES: tuple[str, ...] = (
    "check_output_shape",
    "check_dtype",
    "check_device",
    "check_gradient_autograd",
    "check_gradient_finite_differences",
    "check_score",
    "check_energy_and_gradient",
    "check_create_graph",
    "check_function_transforms",
    "check_input_not_modified",
    "check_deterministic",
    "check_nan_propagation",
    "check_state_dict",
    "check_torch_save",
    "check_pickle",
    "check_deepcopy",
    "check_config_roundtrip",
    "check_minima",
    "check_log_partition",
    "check_sample",
    "check_sample_reproducible",
    "check_moments",
    "check_modes",
    "check_hook_module",
)
