"""Hook module of the ``bbob`` plugin: names its energies, imports none of them."""

from __future__ import annotations

from ebmcore.plugin import EnergySpec, hookimpl

_SEPARABLE = ("bbob", "optimization", "separable")

_SPECS = [
    EnergySpec(
        "bbob_f1",
        "ebmcore_bbob._separable:Sphere",
        "BBOB f1, sphere: |x - x_opt|^2 + f_opt; COCO's problem (1, dim, instance)",
        tags=(*_SEPARABLE, "unimodal", "convex"),
        aliases=("bbob_sphere",),
    ),
    EnergySpec(
        "bbob_f2",
        "ebmcore_bbob._separable:EllipsoidSeparable",
        "BBOB f2, separable ellipsoid, condition 1e6, with T_osz; COCO's problem (2, dim, instance)",
        tags=(*_SEPARABLE, "unimodal", "ill_conditioned"),
        aliases=("bbob_ellipsoid_separable",),
    ),
    EnergySpec(
        "bbob_f3",
        "ebmcore_bbob._separable:RastriginSeparable",
        "BBOB f3, separable Rastrigin with T_osz, T_asy^0.2 and Lambda^10; COCO's problem (3, dim, instance)",
        tags=(*_SEPARABLE, "multimodal"),
        aliases=("bbob_rastrigin_separable",),
    ),
    EnergySpec(
        "bbob_f4",
        "ebmcore_bbob._separable:BuecheRastrigin",
        "BBOB f4, Bueche-Rastrigin: skewed Rastrigin, boundary penalty; COCO's problem (4, dim, instance)",
        tags=(*_SEPARABLE, "multimodal", "penalized"),
        aliases=("bbob_bueche_rastrigin", "bbob_buche_rastrigin"),
    ),
    EnergySpec(
        "bbob_f5",
        "ebmcore_bbob._separable:LinearSlope",
        "BBOB f5, linear slope towards a corner of [-5, 5]^d, flat beyond; COCO's problem (5, dim, instance)",
        tags=(*_SEPARABLE, "unimodal", "linear"),
        aliases=("bbob_linear_slope",),
    ),
]


@hookimpl
def ebmcore_energies() -> list[EnergySpec]:
    """The energies of the bbob plugin."""
    return list(_SPECS)
