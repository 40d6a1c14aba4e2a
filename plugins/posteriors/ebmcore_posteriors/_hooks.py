"""Hook module of the ``posteriors`` plugin: names its energies, imports none of them."""

from __future__ import annotations

from ebmcore.plugin import EnergySpec, hookimpl

_SPECS = [
    EnergySpec(
        "eight_schools",
        "ebmcore_posteriors._eight_schools:EightSchools",
        "posteriordb's eight schools on (mu, log tau, theta|eta); reference: 10k certified HMC draws "
        "(16 chains, R-hat < 1.01, ESS >= 400, 0 divergences)",
        tags=("posterior", "hierarchical", "reference_samples"),
    ),
    EnergySpec(
        "logistic_regression",
        "ebmcore_posteriors._logistic_regression:LogisticRegression",
        "Bayesian logistic regression on the standardized Wisconsin breast-cancer data (569 x 30, "
        "intercept, N(0, s^2) or flat prior; needs scikit-learn); reference at the defaults: 10k "
        "certified HMC draws",
        tags=("posterior", "glm", "convex", "unimodal", "fixed_dim", "reference_samples"),
    ),
]


@hookimpl
def ebmcore_energies() -> list[EnergySpec]:
    return list(_SPECS)
