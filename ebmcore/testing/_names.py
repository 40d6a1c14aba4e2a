"""The names of the conformance checks, importable without torch (pytest collects by them)."""

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
