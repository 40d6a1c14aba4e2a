"""Hook module of the ``classic`` plugin: names its energies, imports none of them."""

from __future__ import annotations

from ebmcore.plugin import EnergySpec, hookimpl

_1D = "ebmcore_classic._one_dim"
_2D = "ebmcore_classic._two_dim"
_RUGGED = "ebmcore_classic._two_dim_rugged"
_FAM = "ebmcore_classic._families"
_VAR = "ebmcore_classic._variable_dim"

_MULTI = ("analytic", "optimization", "multimodal")
_UNI = ("analytic", "optimization", "unimodal")
_FIXED = ("fixed_dim",)

_SPECS = [
    # -- fixed dimension, 3 to 8 -------------------------------------------------------------
    EnergySpec(
        "hartmann3",
        f"{_FAM}:Hartmann3",
        "Hartmann 3-D, E = -sum_i alpha_i exp(-sum_j A_ij (x_j - P_ij)^2), minimum -3.8627797873",
        tags=(*_MULTI, *_FIXED),
    ),
    EnergySpec(
        "hartmann4",
        f"{_FAM}:Hartmann4",
        "Hartmann 4-D, E = (1.1 - sum_i alpha_i exp(-sum_j A_ij (x_j - P_ij)^2)) / 0.839, min -3.1344941412",
        tags=(*_MULTI, *_FIXED),
    ),
    EnergySpec(
        "hartmann6",
        f"{_FAM}:Hartmann6",
        "Hartmann 6-D, E = -sum_i alpha_i exp(-sum_j A_ij (x_j - P_ij)^2), minimum -3.3223680114",
        tags=(*_MULTI, *_FIXED),
    ),
    EnergySpec(
        "shekel5",
        f"{_FAM}:Shekel",
        "Shekel m = 5 in 4-D, E = -sum_{i<=5} 1 / (|x - C_i|^2 + beta_i), minimum -10.1531996791",
        tags=(*_MULTI, *_FIXED),
        params={"m": 5},
    ),
    EnergySpec(
        "shekel7",
        f"{_FAM}:Shekel",
        "Shekel m = 7 in 4-D, E = -sum_{i<=7} 1 / (|x - C_i|^2 + beta_i), minimum -10.4029153368",
        tags=(*_MULTI, *_FIXED),
        params={"m": 7},
    ),
    EnergySpec(
        "shekel10",
        f"{_FAM}:Shekel",
        "Shekel m = 10 in 4-D, E = -sum_{i<=10} 1 / (|x - C_i|^2 + beta_i), minimum -10.5364431535",
        tags=(*_MULTI, *_FIXED),
        params={"m": 10},
    ),
    EnergySpec(
        "colville",
        f"{_FAM}:Colville",
        "Colville 4-D, E = 100 (x1^2 - x2)^2 + (x1 - 1)^2 + (x3 - 1)^2 + 90 (x3^2 - x4)^2 + ..., min 0 at 1",
        tags=(*_UNI, *_FIXED, "valley", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "power_sum",
        f"{_FAM}:PowerSum",
        "power sum 4-D, E = sum_k (sum_j x_j^k - b_k)^2, b = (8, 18, 44, 114); 12 minimizers",
        tags=(*_MULTI, *_FIXED),
    ),
    EnergySpec(
        "cosine8",
        f"{_FAM}:Cosine8",
        "BoTorch's Cosine8 negated, E = sum x_i^2 - 0.1 sum cos(5 pi x_i) on [-1, 1]^8, minimum -0.8",
        tags=(*_MULTI, *_FIXED, "separable", "exact_sampler", "log_partition"),
        aliases=("cosine_mixture8",),
    ),
    # -- variable dimension ------------------------------------------------------------------
    EnergySpec(
        "powell",
        f"{_VAR}:Powell",
        "Powell's singular function, E = sum (x1 + 10 x2)^2 + 5 (x3 - x4)^2 + (x2 - 2 x3)^4 + 10 (x1 - x4)^4",
        tags=(*_UNI, "convex", "exact_sampler", "log_partition"),
        aliases=("powell_singular",),
    ),
    EnergySpec(
        "schwefel",
        f"{_VAR}:Schwefel",
        "Schwefel 2.26, E = sum (418.98288727 - x_i sin sqrt|x_i|), minimum 0 at x_i = 420.96874636",
        tags=(*_MULTI, "separable"),
        aliases=("schwefel_2_26",),
    ),
    EnergySpec(
        "trid",
        f"{_VAR}:Trid",
        "Trid function, E = sum (x_i - 1)^2 - sum x_i x_{i-1}, minimum -d (d + 4)(d - 1) / 6",
        tags=(*_UNI, "convex", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "perm",
        f"{_VAR}:Perm",
        "Perm (d, beta), E = sum_i (sum_j (j^i + beta) ((x_j / j)^i - 1))^2, minimum 0 (two zeros for d = 2)",
        tags=_MULTI,
        aliases=("perm_d_beta",),
    ),
    EnergySpec(
        "sum_of_different_powers",
        f"{_VAR}:SumOfDifferentPowers",
        "sum of different powers, E = sum |x_i|^(i + 1)",
        tags=(*_UNI, "convex", "separable", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "rotated_hyper_ellipsoid",
        f"{_VAR}:RotatedHyperEllipsoid",
        "rotated hyper-ellipsoid, E = sum_i sum_{j<=i} x_j^2",
        tags=(*_UNI, "convex", "separable", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "sum_squares",
        f"{_VAR}:SumSquares",
        "sum squares, E = sum i x_i^2",
        tags=(*_UNI, "convex", "separable", "exact_sampler", "log_partition"),
        aliases=("axis_parallel_hyper_ellipsoid",),
    ),
    # -- two dimensions ----------------------------------------------------------------------
    EnergySpec(
        "bukin_n6",
        f"{_2D}:BukinN6",
        "Bukin N.6, E = 100 sqrt|y - 0.01 x^2| + 0.01 |x + 10|, a cusp along a curved valley",
        tags=(*_UNI, *_FIXED, "nonsmooth", "valley", "exact_sampler", "log_partition"),
        aliases=("bukin6",),
    ),
    EnergySpec(
        "easom",
        f"{_2D}:Easom",
        "Easom, E = -cos x cos y exp(-(x - pi)^2 - (y - pi)^2), a needle at (pi, pi) in a flat plane",
        tags=(*_MULTI, *_FIXED),
    ),
    EnergySpec(
        "goldstein_price",
        f"{_2D}:GoldsteinPrice",
        "Goldstein-Price, E = [1 + (x + y + 1)^2 (...)] [30 + (2x - 3y)^2 (...)], minimum 3 at (0, -1)",
        tags=(*_MULTI, *_FIXED, "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "bohachevsky1",
        f"{_2D}:Bohachevsky1",
        "Bohachevsky 1, E = x^2 + 2y^2 - 0.3 cos(3 pi x) - 0.4 cos(4 pi y) + 0.7",
        tags=(*_MULTI, *_FIXED, "separable", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "bohachevsky2",
        f"{_2D}:Bohachevsky2",
        "Bohachevsky 2, E = x^2 + 2y^2 - 0.3 cos(3 pi x) cos(4 pi y) + 0.3",
        tags=(*_MULTI, *_FIXED, "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "bohachevsky3",
        f"{_2D}:Bohachevsky3",
        "Bohachevsky 3, E = x^2 + 2y^2 - 0.3 cos(3 pi x + 4 pi y) + 0.3",
        tags=(*_MULTI, *_FIXED, "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "matyas",
        f"{_2D}:Matyas",
        "Matyas, E = 0.26 (x^2 + y^2) - 0.48 x y",
        tags=(*_UNI, *_FIXED, "convex", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "mccormick",
        f"{_2D}:McCormick",
        "McCormick, E = sin(x + y) + (x - y)^2 - 1.5 x + 2.5 y + 1, minimum -sqrt(3)/2 - pi/3",
        tags=(*_MULTI, *_FIXED),
    ),
    EnergySpec(
        "levy_n13",
        f"{_2D}:LevyN13",
        "Levy N.13, E = sin^2(3 pi x) + (x - 1)^2 (1 + sin^2(3 pi y)) + (y - 1)^2 (1 + sin^2(2 pi y))",
        tags=(*_MULTI, *_FIXED, "exact_sampler", "log_partition"),
        aliases=("levy13",),
    ),
    EnergySpec(
        "drop_wave",
        f"{_RUGGED}:DropWave",
        "Drop-Wave, E = -(1 + cos(12 r)) / (r^2 / 2 + 2), r = |x|; minimum -1 at 0",
        tags=(*_MULTI, *_FIXED),
    ),
    EnergySpec(
        "cross_in_tray",
        f"{_RUGGED}:CrossInTray",
        "Cross-in-Tray, E = -1e-4 (|sin x sin y exp|100 - r / pi|| + 1)^0.1; 4 global minima",
        tags=(*_MULTI, *_FIXED, "nonsmooth"),
    ),
    EnergySpec(
        "shubert",
        f"{_RUGGED}:Shubert",
        "Shubert, E = g(x) g(y), g(t) = sum_{i=1}^5 i cos((i + 1) t + i); 18 global minima",
        tags=(*_MULTI, *_FIXED),
    ),
    EnergySpec(
        "langermann",
        f"{_RUGGED}:Langermann",
        "Langermann, E = sum_i c_i exp(-|x - A_i|^2 / pi) cos(pi |x - A_i|^2), minimum -4.1558092918",
        tags=(*_MULTI, *_FIXED),
    ),
    EnergySpec(
        "de_jong5",
        f"{_RUGGED}:DeJongN5",
        "De Jong N.5, E = 1 / (0.002 + sum_i 1 / (i + (x - a_1i)^6 + (y - a_2i)^6)): 25 foxholes",
        tags=(*_MULTI, *_FIXED),
        aliases=("shekel_foxholes",),
    ),
    EnergySpec(
        "schaffer_n2",
        f"{_RUGGED}:SchafferN2",
        "Schaffer N.2, E = 0.5 + (sin^2(x^2 - y^2) - 0.5) / (1 + 0.001 (x^2 + y^2))^2",
        tags=(*_MULTI, *_FIXED),
    ),
    EnergySpec(
        "schaffer_n4",
        f"{_RUGGED}:SchafferN4",
        "Schaffer N.4, E = 0.5 + (cos^2(sin|x^2 - y^2|) - 0.5) / (1 + 0.001 (x^2 + y^2))^2; 4 global minima",
        tags=(*_MULTI, *_FIXED),
    ),
    # -- one dimension -----------------------------------------------------------------------
    EnergySpec(
        "forrester",
        f"{_1D}:Forrester",
        "Forrester et al. (2008), E = (6x - 2)^2 sin(12x - 4) on [0, 1]",
        tags=(*_MULTI, *_FIXED),
    ),
    EnergySpec(
        "gramacy_lee",
        f"{_1D}:GramacyLee",
        "Gramacy & Lee (2012), E = sin(10 pi x) / (2x) + (x - 1)^4 on [0.5, 2.5]",
        tags=(*_MULTI, *_FIXED, "exact_sampler", "log_partition"),
    ),
]


@hookimpl
def ebmcore_energies() -> list[EnergySpec]:
    """The energies of the classic plugin."""
    return list(_SPECS)
