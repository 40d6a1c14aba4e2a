"""Hook module of the ``analytic`` plugin: names its energies, imports none of them."""

from __future__ import annotations

from ebmcore.plugin import EnergySpec, hookimpl

_G = "ebmcore_analytic._gaussian"
_DW = "ebmcore_analytic._double_well"
_OPT = "ebmcore_analytic._optimization"
_F2 = "ebmcore_analytic._functions2d"

_SPECS = [
    EnergySpec(
        "gaussian",
        f"{_G}:Gaussian",
        "multivariate normal, E = (x-mu)^T Sigma^-1 (x-mu) / 2 (isotropic, diagonal or full)",
        tags=("analytic", "unimodal", "exact_sampler", "log_partition"),
        aliases=("normal",),
    ),
    EnergySpec(
        "gaussian_from_samples",
        f"{_G}:GaussianFromSamples",
        "Gaussian fitted to data: sample mean, sample covariance + regularization * I",
        tags=("analytic", "unimodal", "exact_sampler", "log_partition", "fitted"),
    ),
    EnergySpec(
        "harmonic",
        f"{_G}:Harmonic",
        "isotropic harmonic well, E = k/2 |x|^2",
        tags=("analytic", "unimodal", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "double_well",
        f"{_DW}:DoubleWell",
        "separable quartic double well, E = h sum (x_i^2 - b^2)^2, 2^dim minima",
        tags=("analytic", "multimodal", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "rosenbrock",
        "ebmcore_analytic._rosenbrock:Rosenbrock",
        "Rosenbrock's banana valley, E = sum b (x_{i+1} - x_i^2)^2 + (a - x_i)^2",
        tags=("analytic", "optimization", "valley", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "sphere",
        f"{_OPT}:Sphere",
        "sphere function (De Jong F1), E = sum x_i^2",
        tags=("analytic", "optimization", "unimodal", "convex", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "ackley",
        f"{_OPT}:Ackley",
        "Ackley's function, flat outer region with a central funnel and cosine ripples",
        tags=("analytic", "optimization", "multimodal"),
    ),
    EnergySpec(
        "rastrigin",
        f"{_OPT}:Rastrigin",
        "Rastrigin's function, E = a d + sum x_i^2 - a cos(2 pi x_i)",
        tags=("analytic", "optimization", "multimodal", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "griewank",
        f"{_OPT}:Griewank",
        "Griewank's function, E = 1 + sum x_i^2 / 4000 - prod cos(x_i / sqrt(i))",
        tags=("analytic", "optimization", "multimodal", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "levy",
        f"{_OPT}:Levy",
        "Levy's function, sin^2 ridges around the minimum at (1, ..., 1)",
        tags=("analytic", "optimization", "multimodal", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "styblinski_tang",
        f"{_OPT}:StyblinskiTang",
        "Styblinski-Tang function, E = sum (x_i^4 - 16 x_i^2 + 5 x_i) / 2",
        tags=("analytic", "optimization", "multimodal", "separable", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "dixon_price",
        f"{_OPT}:DixonPrice",
        "Dixon-Price function, E = (x_1 - 1)^2 + sum i (2 x_i^2 - x_{i-1})^2",
        tags=("analytic", "optimization", "valley", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "michalewicz",
        f"{_OPT}:Michalewicz",
        "Michalewicz's function, E = -sum sin(x_i) sin^{2m}(i x_i^2 / pi), steep valleys",
        tags=("analytic", "optimization", "multimodal", "separable"),
    ),
    EnergySpec(
        "zakharov",
        f"{_OPT}:Zakharov",
        "Zakharov's function, E = sum x_i^2 + S^2 + S^4 with S = sum i x_i / 2",
        tags=("analytic", "optimization", "unimodal", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "himmelblau",
        f"{_F2}:Himmelblau",
        "Himmelblau's function, four global minima of value 0",
        tags=("analytic", "optimization", "multimodal", "fixed_dim", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "booth",
        f"{_F2}:Booth",
        "Booth's function, E = (x + 2y - 7)^2 + (2x + y - 5)^2",
        tags=(
            "analytic",
            "optimization",
            "unimodal",
            "convex",
            "fixed_dim",
            "exact_sampler",
            "log_partition",
        ),
    ),
    EnergySpec(
        "beale",
        f"{_F2}:Beale",
        "Beale's function, flat valley with sharp corner peaks, minimum at (3, 0.5)",
        tags=("analytic", "optimization", "unimodal", "fixed_dim"),
    ),
    EnergySpec(
        "branin",
        f"{_F2}:Branin",
        "Branin-Hoo function, three global minima of value 5 / (4 pi)",
        tags=("analytic", "optimization", "multimodal", "fixed_dim"),
    ),
    EnergySpec(
        "six_hump_camel",
        f"{_F2}:SixHumpCamel",
        "six-hump camel function, six local minima, two global",
        tags=("analytic", "optimization", "multimodal", "fixed_dim", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "three_hump_camel",
        f"{_F2}:ThreeHumpCamel",
        "three-hump camel function, global minimum at the origin",
        tags=("analytic", "optimization", "multimodal", "fixed_dim", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "holder_table",
        f"{_F2}:HolderTable",
        "Hoelder table function, four global minima near the corners",
        tags=("analytic", "optimization", "multimodal", "fixed_dim"),
    ),
    EnergySpec(
        "eggholder",
        f"{_F2}:Eggholder",
        "eggholder function, rugged, global minimum on the edge of the domain",
        tags=("analytic", "optimization", "multimodal", "fixed_dim"),
    ),
]


@hookimpl
def ebmcore_energies() -> list[EnergySpec]:
    """The energies of the analytic plugin."""
    return list(_SPECS)
