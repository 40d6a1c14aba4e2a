"""Hook module of the ``targets`` plugin: names its energies, imports none of them."""

from __future__ import annotations

from ebmcore.plugin import EnergySpec, hookimpl

_SPECS = [
    EnergySpec(
        "funnel",
        "ebmcore_targets._funnel:Funnel",
        "Neal's funnel: v ~ N(0, sigma^2), x_i | v ~ N(0, e^v); exact log Z and sampler",
        tags=("target", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "banana",
        "ebmcore_targets._banana:Banana",
        "Haario's twisted Gaussian: a volume-preserving bend of N(0, diag(sigma^2, 1, ...))",
        tags=("target", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "many_well",
        "ebmcore_targets._many_well:ManyWell",
        "products of 2-D asymmetric double wells: 2^(dim/2) modes, log Z by 1-D quadrature",
        tags=("target", "multimodal", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "multi_well",
        "ebmcore_targets._multi_well:MultiWell",
        "sde_sampler's multi-well: (x_i^2 - delta)^2 on m coordinates, Gaussian on the rest; 2^m modes",
        tags=("target", "multimodal", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "gmm",
        "ebmcore_targets._gmm:GMM",
        "isotropic Gaussian mixture with given means, scale and weights, all components at once",
        tags=("target", "multimodal", "mixture", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "gmm_grid",
        "ebmcore_targets._gmm:GMMGrid",
        "equal-weight Gaussian mixture on a square grid of means (3x3 or 5x5)",
        tags=("target", "multimodal", "mixture", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "gmm40",
        "ebmcore_targets._gmm:GMM40",
        "40-mode Gaussian mixture in 2-D; variant= picks the convention of each source paper",
        tags=("target", "multimodal", "mixture", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "student_t_mixture",
        "ebmcore_targets._student_t:StudentTMixture",
        "heavy-tailed mixture of product Student-t laws (MoS of Beyond ELBOs, 10-D/50-D variants); log Z = 0",
        tags=("target", "multimodal", "mixture", "heavy_tailed", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "rings",
        "ebmcore_targets._rings:Rings",
        "concentric rings: E = -log(cos|x| + c) inside radius R, |x| - R outside; exact log Z and sampler",
        tags=("target", "multimodal", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "hybrid_rosenbrock",
        "ebmcore_targets._hybrid_rosenbrock:HybridRosenbrock",
        "Pagani et al.'s n-D Rosenbrock: n2 chains of length n1 sharing x1; exact log Z and sampler",
        tags=("target", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "grbm",
        "ebmcore_targets._grbm:GRBM",
        "Gaussian-Bernoulli RBM free energy: a mixture of 2^H Gaussians; exact log Z, sampler and modes",
        tags=("target", "multimodal", "mixture", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "dw4",
        "ebmcore_targets._particles:DW4",
        "4 particles in 2-D with a double-well pair potential in their distances",
        tags=("target", "particles", "multimodal"),
    ),
    EnergySpec(
        "lj13",
        "ebmcore_targets._particles:LennardJones",
        "13 Lennard-Jones particles in 3-D with the harmonic term of flow and diffusion samplers",
        tags=("target", "particles", "multimodal"),
        params={"n_particles": 13},
    ),
    EnergySpec(
        "lj55",
        "ebmcore_targets._particles:LennardJones",
        "55 Lennard-Jones particles in 3-D with the harmonic term of flow and diffusion samplers",
        tags=("target", "particles", "multimodal"),
        params={"n_particles": 55},
    ),
    EnergySpec(
        "free_field",
        "ebmcore_targets._lattice:FreeField",
        "free massive scalar field on an L x L periodic lattice, event shape (L, L); exact log Z and sampler",
        tags=("target", "lattice", "exact_sampler", "log_partition"),
    ),
    EnergySpec(
        "phi4",
        "ebmcore_targets._lattice:Phi4",
        "phi^4 theory on an L x L periodic lattice; variant= picks the (kappa, lambda) or (m^2, lambda) form",
        tags=("target", "lattice", "multimodal"),
    ),
]


@hookimpl
def ebmcore_energies() -> list[EnergySpec]:
    """The energies of the targets plugin."""
    return list(_SPECS)
