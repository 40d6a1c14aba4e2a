"""Hook module of the ``bbob`` plugin: names its energies, imports none of them."""

from __future__ import annotations

from ebmcore.plugin import EnergySpec, hookimpl

_SEPARABLE = ("bbob", "optimization", "separable")
_LAW = ("exact_sampler", "log_partition")  # e^{-f} / Z known exactly (ebmcore_bbob._law; f8, f9
# through ebmcore-analytic's rosenbrock)

_SPECS = [
    EnergySpec(
        "bbob_f1",
        "ebmcore_bbob._separable:Sphere",
        "BBOB f1, sphere: |x - x_opt|^2 + f_opt; COCO's problem (1, dim, instance)",
        tags=(*_SEPARABLE, "unimodal", "convex", *_LAW),
        aliases=("bbob_sphere",),
    ),
    EnergySpec(
        "bbob_f2",
        "ebmcore_bbob._separable:EllipsoidSeparable",
        "BBOB f2, separable ellipsoid, condition 1e6, with T_osz; COCO's problem (2, dim, instance)",
        tags=(*_SEPARABLE, "unimodal", "ill_conditioned", *_LAW),
        aliases=("bbob_ellipsoid_separable",),
    ),
    EnergySpec(
        "bbob_f3",
        "ebmcore_bbob._separable:RastriginSeparable",
        "BBOB f3, separable Rastrigin with T_osz, T_asy^0.2 and Lambda^10; COCO's problem (3, dim, instance)",
        tags=(*_SEPARABLE, "multimodal", *_LAW),
        aliases=("bbob_rastrigin_separable",),
    ),
    EnergySpec(
        "bbob_f4",
        "ebmcore_bbob._separable:BuecheRastrigin",
        "BBOB f4, Bueche-Rastrigin: skewed Rastrigin, boundary penalty; COCO's problem (4, dim, instance)",
        tags=(*_SEPARABLE, "multimodal", "penalized", *_LAW),
        aliases=("bbob_bueche_rastrigin", "bbob_buche_rastrigin"),
    ),
    EnergySpec(
        "bbob_f5",
        "ebmcore_bbob._separable:LinearSlope",
        "BBOB f5, linear slope towards a corner of [-5, 5]^d, flat beyond; COCO's problem (5, dim, instance)",
        tags=(*_SEPARABLE, "unimodal", "linear"),
        aliases=("bbob_linear_slope",),
    ),
    # f6-f9, low or moderate conditioning (COCO's "2-moderate"); f10-f14, "3-ill-conditioned"
    EnergySpec(
        "bbob_f6",
        "ebmcore_bbob._moderate:AttractiveSector",
        "BBOB f6, attractive sector: T_osz(sum (s_i z_i)^2)^0.9, s_i = 100 on x_opt's side, "
        "z = R Lambda^10 Q (x - x_opt); COCO's problem (6, dim, instance)",
        tags=("bbob", "optimization", "moderate", "unimodal", *_LAW),
        aliases=("bbob_attractive_sector",),
    ),
    EnergySpec(
        "bbob_f7",
        "ebmcore_bbob._moderate:StepEllipsoid",
        "BBOB f7, step ellipsoid: 0.1 max(|z_0|/1e4, sum 100^(i/(d-1)) z_i^2) + f_pen, "
        "z = R round(Lambda^10 Q (x - x_opt)); plateaus: gradient 0 on them (the a.e. derivative); "
        "COCO's problem (7, dim, instance)",
        tags=("bbob", "optimization", "moderate", "unimodal", "nonsmooth", "penalized"),
        aliases=("bbob_step_ellipsoid",),
    ),
    EnergySpec(
        "bbob_f8",
        "ebmcore_bbob._moderate:Rosenbrock",
        "BBOB f8, Rosenbrock original: sum 100 (z_i^2 - z_{i+1})^2 + (z_i - 1)^2, "
        "z = max(1, sqrt(d)/8) (x - x_opt) + 1; COCO's problem (8, dim, instance)",
        tags=("bbob", "optimization", "moderate", "multimodal", "valley", *_LAW),
        aliases=("bbob_rosenbrock", "bbob_rosenbrock_original"),
    ),
    EnergySpec(
        "bbob_f9",
        "ebmcore_bbob._moderate:RosenbrockRotated",
        "BBOB f9, Rosenbrock rotated: sum 100 (z_i^2 - z_{i+1})^2 + (z_i - 1)^2, "
        "z = max(1, sqrt(d)/8) Q x + 1/2; COCO's problem (9, dim, instance)",
        tags=("bbob", "optimization", "moderate", "multimodal", "valley", *_LAW),
        aliases=("bbob_rosenbrock_rotated",),
    ),
    EnergySpec(
        "bbob_f10",
        "ebmcore_bbob._ill_conditioned:EllipsoidRotated",
        "BBOB f10, rotated ellipsoid: sum 10^(6 i/(d-1)) z_i^2, z = T_osz(R (x - x_opt)); "
        "COCO's problem (10, dim, instance)",
        tags=("bbob", "optimization", "ill_conditioned", "unimodal", *_LAW),
        aliases=("bbob_ellipsoid_rotated",),
    ),
    EnergySpec(
        "bbob_f11",
        "ebmcore_bbob._ill_conditioned:Discus",
        "BBOB f11, discus: 1e6 z_0^2 + sum_{i>0} z_i^2, z = T_osz(R (x - x_opt)); "
        "COCO's problem (11, dim, instance)",
        tags=("bbob", "optimization", "ill_conditioned", "unimodal", *_LAW),
        aliases=("bbob_discus",),
    ),
    EnergySpec(
        "bbob_f12",
        "ebmcore_bbob._ill_conditioned:BentCigar",
        "BBOB f12, bent cigar: z_0^2 + 1e6 sum_{i>0} z_i^2, z = R T_asy^0.5(R (x - x_opt)); "
        "COCO's problem (12, dim, instance)",
        tags=("bbob", "optimization", "ill_conditioned", "unimodal"),
        aliases=("bbob_bent_cigar",),
    ),
    EnergySpec(
        "bbob_f13",
        "ebmcore_bbob._ill_conditioned:SharpRidge",
        "BBOB f13, sharp ridge: z_0^2 + 100 |z_{1:}|, z = R Lambda^10 Q (x - x_opt); "
        "min-norm subgradient on the ridge; COCO's problem (13, dim, instance)",
        tags=("bbob", "optimization", "ill_conditioned", "unimodal", "nonsmooth", *_LAW),
        aliases=("bbob_sharp_ridge",),
    ),
    EnergySpec(
        "bbob_f14",
        "ebmcore_bbob._ill_conditioned:DifferentPowers",
        "BBOB f14, different powers: sqrt(sum |z_i|^(2 + 4 i/(d-1))), z = R (x - x_opt); "
        "subgradient 0 at x_opt; COCO's problem (14, dim, instance)",
        tags=("bbob", "optimization", "ill_conditioned", "unimodal", "nonsmooth", *_LAW),
        aliases=("bbob_different_powers",),
    ),
    # f15-f19, multimodal with adequate global structure (COCO's "4-multi-modal")
    EnergySpec(
        "bbob_f15",
        "ebmcore_bbob._multimodal:RastriginRotated",
        "BBOB f15, rotated Rastrigin: 10 (d - sum cos 2 pi z_i) + |z|^2, "
        "z = R Lambda^10 Q T_asy^0.2(T_osz(R (x - x_opt))); COCO's problem (15, dim, instance)",
        tags=("bbob", "optimization", "multimodal"),
        aliases=("bbob_rastrigin_rotated",),
    ),
    EnergySpec(
        "bbob_f16",
        "ebmcore_bbob._multimodal:Weierstrass",
        "BBOB f16, Weierstrass: 10 (sum_ik 2^-k cos(2 pi 3^k (z_i + 1/2)) / d - f0)^3 + 10/d f_pen, "
        "12 terms, "
        "z = R Lambda^(1/100) Q T_osz(R (x - x_opt)); exact derivative of the 12-term sum; "
        "COCO's problem (16, dim, instance)",
        tags=("bbob", "optimization", "multimodal", "nonsmooth", "penalized"),
        aliases=("bbob_weierstrass",),
    ),
    EnergySpec(
        "bbob_f17",
        "ebmcore_bbob._multimodal:SchaffersF7",
        "BBOB f17, Schaffer's F7: (mean_i s_i^(1/4) (1 + sin^2(50 s_i^(1/10))))^2 + 10 f_pen, "
        "s_i = z_i^2 + z_(i+1)^2, z = Lambda^10 Q T_asy^0.5(R (x - x_opt)); gradient 0 from a pair's cusp "
        "at 0; COCO's problem (17, dim, instance)",
        tags=("bbob", "optimization", "multimodal", "nonsmooth", "penalized"),
        aliases=("bbob_schaffers", "bbob_schaffers_f7"),
    ),
    EnergySpec(
        "bbob_f18",
        "ebmcore_bbob._multimodal:SchaffersF7IllConditioned",
        "BBOB f18, Schaffer's F7, condition 1000: f17 with Lambda^1000, f17's seeds; gradient 0 from a "
        "pair's cusp at 0; COCO's problem (18, dim, instance)",
        tags=("bbob", "optimization", "multimodal", "nonsmooth", "penalized"),
        aliases=("bbob_schaffers_ill_conditioned", "bbob_schaffers_f7_ill_conditioned"),
    ),
    EnergySpec(
        "bbob_f19",
        "ebmcore_bbob._multimodal:GriewankRosenbrock",
        "BBOB f19, composite Griewank-Rosenbrock F8F2: 10 + 10 mean_i (t_i / 4000 - cos t_i), "
        "t_i = 100 (z_i^2 - z_(i+1))^2 + (1 - z_i)^2, z = max(1, sqrt(d)/8) Q x + 1/2; "
        "COCO's problem (19, dim, instance)",
        tags=("bbob", "optimization", "multimodal"),
        aliases=("bbob_griewank_rosenbrock", "bbob_f8f2"),
    ),
    # f20-f24, multimodal with weak global structure (COCO's "5-weakly-structured")
    EnergySpec(
        "bbob_f20",
        "ebmcore_bbob._weakly_structured:Schwefel",
        "BBOB f20, Schwefel: (sum max(0, |t_i| - 500)^2 + 418.98 - mean_i t_i sin sqrt|t_i|) / 100, "
        "t = 100 (Lambda^10 (z_hat - c) + c), z_hat from 2 sign * x; COCO's problem (20, dim, instance)",
        tags=("bbob", "optimization", "multimodal", "weakly_structured", "penalized", *_LAW),
        aliases=("bbob_schwefel",),
    ),
    EnergySpec(
        "bbob_f21",
        "ebmcore_bbob._weakly_structured:Gallagher101",
        "BBOB f21, Gallagher's 101 Gaussian peaks: "
        "T_osz(10 - max_k w_k exp(-(Qx - y_k)' C_k (Qx - y_k) / 2d))^2 + f_pen; "
        "gradient of the active peak; COCO's problem (21, dim, instance)",
        tags=("bbob", "optimization", "multimodal", "weakly_structured", "nonsmooth", "penalized"),
        aliases=("bbob_gallagher_101", "bbob_gallagher_101_peaks"),
    ),
    EnergySpec(
        "bbob_f22",
        "ebmcore_bbob._weakly_structured:Gallagher21",
        "BBOB f22, Gallagher's 21 Gaussian peaks: "
        "T_osz(10 - max_k w_k exp(-(Qx - y_k)' C_k (Qx - y_k) / 2d))^2 + f_pen, condition up to 1000; "
        "gradient of the active peak; COCO's problem (22, dim, instance)",
        tags=("bbob", "optimization", "multimodal", "weakly_structured", "nonsmooth", "penalized"),
        aliases=("bbob_gallagher_21", "bbob_gallagher_21_peaks"),
    ),
    EnergySpec(
        "bbob_f23",
        "ebmcore_bbob._weakly_structured:Katsuura",
        "BBOB f23, Katsuura: 10/d^2 (prod_i (1 + (i+1) sum_j |2^j z_i - [2^j z_i]| / 2^j)^(10/d^1.2) - 1) "
        "+ f_pen, 32 terms, z = R Lambda^100 Q (x - x_opt); term-by-term derivative, 0 at kinks; "
        "COCO's problem (23, dim, instance)",
        tags=("bbob", "optimization", "multimodal", "weakly_structured", "nonsmooth", "penalized"),
        aliases=("bbob_katsuura",),
    ),
    EnergySpec(
        "bbob_f24",
        "ebmcore_bbob._weakly_structured:LunacekBiRastrigin",
        "BBOB f24, Lunacek bi-Rastrigin: min(|x_hat - mu0|^2, d + s |x_hat - mu1|^2) "
        "+ 10 (d - sum cos 2 pi z_i) + 1e4 f_pen, z = R Lambda^100 Q (x_hat - mu0); "
        "gradient of the active funnel; COCO's problem (24, dim, instance)",
        tags=("bbob", "optimization", "multimodal", "weakly_structured", "nonsmooth", "penalized"),
        aliases=("bbob_lunacek_bi_rastrigin", "bbob_lunacek"),
    ),
]


@hookimpl
def ebmcore_energies() -> list[EnergySpec]:
    """The energies of the bbob plugin."""
    return list(_SPECS)
