"""The eight schools hierarchical model (posteriordb's ``eight_schools-eight_schools_*``)."""

from __future__ import annotations

import math

import torch
from torch import Tensor
from torch.nn import functional

from ebmcore import BaseModel, constraints
from ebmcore.plugin import CertifiedPosterior

__all__ = ["EightSchools"]

# Rubin (1981), Gelman et al., BDA3 section 5.5: estimated effects and their standard errors
Y = (28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0)
SIGMA = (15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0)
J = len(Y)
_VARIANTS = ("centered", "noncentered")
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
TAU_SCALE = 5.0  # posteriordb: tau ~ HalfCauchy(0, 5)
LOG_TAU_MEAN = 5.0  # inference_gym: log tau ~ N(5, 1)
MU_SCALES = {"posteriordb": 5.0, "inference_gym": 10.0}  # mu ~ N(0, scale)
PRIORS = tuple(MU_SCALES)
# the normalizing constants of -log p(mu) - log p(log tau) - log p(theta or eta) - log p(y | theta)
_LOG_TAU_CONSTANT = {
    "posteriordb": math.log(math.pi * TAU_SCALE) - math.log(2.0),
    "inference_gym": _HALF_LOG_2PI,
}
_CONSTANT = {
    prior: (_HALF_LOG_2PI + math.log(scale))
    + _LOG_TAU_CONSTANT[prior]
    + sum(_HALF_LOG_2PI + math.log(s) for s in SIGMA)
    + J * _HALF_LOG_2PI  # of -log N(theta_j; mu, tau) or -log N(eta_j; 0, 1)
    for prior, scale in MU_SCALES.items()
}


class EightSchools(CertifiedPosterior, BaseModel):
    r"""The eight schools posterior on unconstrained coordinates, certified reference draws included.

    Reference: 10,000 draws from 16 chains of the plugin's own HMC (dual-averaged step size,
    diagonal mass matrix), split R-hat < 1.01, bulk and tail ESS >= 400, no divergences;
    the centered variant's draws are the non-centered ones mapped by
    :math:`\theta = \mu + \tau\eta` (exact). ``reference_info`` holds the settings and diagnostics.

    The model (posteriordb's ``eight_schools_centered`` / ``eight_schools_noncentered`` Stan
    programs, with the data inline):

    .. math::

        \mu \sim \mathcal N(0, 5), \quad \tau \sim \mathrm{HalfCauchy}(0, 5), \quad
        \theta_j \sim \mathcal N(\mu, \tau), \quad y_j \sim \mathcal N(\theta_j, \sigma_j),
        \quad j = 1, \dots, 8,

    with :math:`y = (28, 8, -3, 7, -1, 1, 18, 12)` and
    :math:`\sigma = (15, 10, 16, 11, 9, 11, 10, 18)`. The non-centered variant writes
    :math:`\theta_j = \mu + \tau \eta_j`, :math:`\eta_j \sim \mathcal N(0, 1)`.

    Coordinates (``dim = 10``): ``x = (mu, log tau, theta_1..theta_8)`` (centered) or
    ``x = (mu, log tau, eta_1..eta_8)`` (non-centered). :math:`\tau > 0` is reached through
    :math:`s = \log\tau`, so the energy carries the log-Jacobian :math:`\log\tau = s`:

    .. math::

        E(x) = -\log p(\mu, \tau, \theta \text{ or } \eta, y) - \log\tau ,

    with every normalizing constant kept, so that :math:`\log Z = \log p(y)` (the evidence). With
    :math:`\log p(\tau) = \log\frac{2}{5\pi} - \log(1 + \tau^2/25)` and
    :math:`r_j = (y_j - \theta_j)/\sigma_j^2`, the centered energy is

    .. math::

        E = \frac{\mu^2}{50} + \log\Big(1 + \frac{\tau^2}{25}\Big) + (J - 1)\, s
            + \sum_j \frac{(\theta_j - \mu)^2}{2\tau^2} + \sum_j \frac{(y_j - \theta_j)^2}{2\sigma_j^2}
            + \text{const},

    and the non-centered one (:math:`\theta_j = \mu + \tau\eta_j`)

    .. math::

        E = \frac{\mu^2}{50} + \log\Big(1 + \frac{\tau^2}{25}\Big) - s
            + \sum_j \frac{\eta_j^2}{2} + \sum_j \frac{(y_j - \mu - \tau\eta_j)^2}{2\sigma_j^2}
            + \text{const}.

    ``prior="inference_gym"`` takes the priors of TensorFlow Probability's inference_gym
    ``EightSchools`` instead, :math:`\mu \sim \mathcal N(0, 10)` and
    :math:`s = \log\tau \sim \mathcal N(5, 1)` (a prior on :math:`s` itself, so no Jacobian):
    the terms :math:`\frac{\mu^2}{50} + \log(1 + \tau^2/25) - s` above become
    :math:`\frac{\mu^2}{200} + \frac{(s - 5)^2}{2}`. The two published targets share the
    likelihood and differ in these priors only, and their posteriors differ markedly
    (:math:`E[\log\tau]` is 0.80 under posteriordb's priors and 2.45 under inference_gym's).

    Energy and gradient come from one pass (``analytic_energy_and_gradient``). Where
    :math:`\tau = e^s` overflows the dtype (:math:`s > 709` in float64, 88 in float32) and some
    :math:`\eta_j \ne 0`, the non-centered energy is :math:`+\infty`, and the gradient's
    :math:`\mu` component, a sum over :math:`j` that meets :math:`\pm\infty` of both signs, may
    be NaN there (its exact value overflows too). The centered
    energy has Neal's funnel in :math:`(s, \theta)` and is unbounded below as
    :math:`\tau \to 0` with :math:`\theta = \mu`, so no minimum is declared for either variant.

    Ground truth: no exact sampler; ``reference_samples()`` returns the certified draws (what
    :func:`ebmcore.evaluate` measures distances against), ``mean`` and ``stddev`` are their
    moments per coordinate and ``reference_errors`` the Monte-Carlo standard errors of these.

    Args:
        variant: ``"centered"`` or ``"noncentered"`` (the default).
        prior: ``"posteriordb"`` (the default) or ``"inference_gym"``; each has its reference.

    References:
        D. B. Rubin, "Estimation in parallel randomized experiments", *Journal of Educational
        Statistics* 6(4), 377-401 (1981); A. Gelman et al., *Bayesian Data Analysis*, 3rd ed.,
        section 5.5; M. Magnusson et al., "posteriordb: a set of posteriors for Bayesian
        inference and probabilistic programming", https://github.com/stan-dev/posteriordb;
        the ``EightSchools`` target of TensorFlow Probability's inference_gym.

    Example:
        >>> import torch, ebmcore
        >>> model = ebmcore.create("eight_schools", variant="noncentered")
        >>> model.dim, model.coordinates[:3]
        (10, ('mu', 'log_tau', 'eta_1'))
        >>> model.reference_samples().shape
        torch.Size([10000, 10])
        >>> tau = model.reference_samples()[:, 1].exp()
        >>> 3.3 < tau.mean().item() < 3.9  # posteriordb: 3.60
        True
    """

    arg_constraints = {"variant": constraints.one_of(*_VARIANTS), "prior": constraints.one_of(*PRIORS)}

    def __init__(self, variant: str = "noncentered", prior: str = "posteriordb") -> None:
        super().__init__(J + 2, variant=variant, prior=prior)
        self.variant = variant
        self.prior = prior
        self.centered = variant == "centered"
        block = "theta" if self.centered else "eta"
        self.coordinates = ("mu", "log_tau", *(f"{block}_{j + 1}" for j in range(J)))
        self.y = Y
        self.sigma = SIGMA

    def _data(self, x: Tensor) -> tuple[Tensor, Tensor]:
        y = torch.tensor(Y, dtype=x.dtype, device=x.device)
        precision = torch.tensor([1.0 / (s * s) for s in SIGMA], dtype=x.dtype, device=x.device)
        return y, precision

    def _log_tau_prior(self, s: Tensor) -> tuple[Tensor, Tensor]:
        """-log p(log tau) without its constant (the Jacobian included), and its derivative."""
        if self.prior == "inference_gym":
            return 0.5 * (s - LOG_TAU_MEAN) ** 2, s - LOG_TAU_MEAN
        # log(1 + tau^2/25) - s and its derivative 2 / (1 + 25 e^{-2s}) - 1, without overflow
        u = 2.0 * s - 2.0 * math.log(TAU_SCALE)
        return functional.softplus(u) - s, 2.0 * torch.sigmoid(u) - 1.0

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        y, precision = self._data(x)
        mu, s, block = x[..., 0], x[..., 1], x[..., 2:]
        prior_s, d_prior_s = self._log_tau_prior(s)
        scale = MU_SCALES[self.prior]
        prior_mu = mu * mu / (2.0 * scale * scale)
        d_mu = mu / (scale * scale)
        constant = _CONSTANT[self.prior]
        if self.centered:
            inv_var = torch.exp(-2.0 * s)  # 1 / tau^2
            dev = block - mu.unsqueeze(-1)
            dev2 = torch.linalg.vecdot(dev, dev)
            resid = y - block
            like = 0.5 * torch.linalg.vecdot(resid * precision, resid)
            energy = prior_mu + prior_s + J * s + 0.5 * inv_var * dev2 + like + constant
            g_mu = d_mu - inv_var * dev.sum(-1)
            g_s = d_prior_s + J - inv_var * dev2
            g_block = inv_var.unsqueeze(-1) * dev - precision * resid
        else:
            tau = torch.exp(s)
            # tau eta_j, exactly 0 where eta_j is: a tau that overflows (float32, s > 88) times 0
            # would be NaN, where the energy is finite
            spread = torch.where(block == 0, block, tau.unsqueeze(-1) * block)
            resid = y - mu.unsqueeze(-1) - spread
            weighted = precision * resid  # r_j = (y_j - theta_j) / sigma_j^2
            like = 0.5 * torch.linalg.vecdot(weighted, resid)
            energy = prior_mu + prior_s + 0.5 * torch.linalg.vecdot(block, block) + like + constant
            g_mu = d_mu - weighted.sum(-1)
            g_s = d_prior_s - torch.linalg.vecdot(weighted, spread)
            g_block = block - tau.unsqueeze(-1) * weighted
        gradient = torch.cat([g_mu.unsqueeze(-1), g_s.unsqueeze(-1), g_block], dim=-1)
        return energy, gradient

    def forward(self, x: Tensor) -> Tensor:
        return self.analytic_energy_and_gradient(x)[0]

    def analytic_gradient(self, x: Tensor) -> Tensor:
        return self.analytic_energy_and_gradient(x)[1]

    def to_constrained(self, x: Tensor) -> dict[str, Tensor]:
        r"""``mu``, ``tau`` (:math:`e^s`) and ``theta`` (:math:`\mu + \tau\eta` when non-centered)."""
        mu, tau, block = x[..., 0], x[..., 1].exp(), x[..., 2:]
        theta = block if self.centered else mu.unsqueeze(-1) + tau.unsqueeze(-1) * block
        return {"mu": mu, "tau": tau, "theta": theta}

    # -- the certified reference (CertifiedPosterior) -----------------------------------------

    reference_package = "ebmcore_posteriors"

    def reference_name(self) -> str:
        suffix = "" if self.prior == "posteriordb" else f"_{self.prior}"
        return f"eight_schools_{self.variant}{suffix}"
