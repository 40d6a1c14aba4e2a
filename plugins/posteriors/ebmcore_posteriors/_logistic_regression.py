"""Bayesian logistic regression on the Wisconsin breast-cancer data (scikit-learn's copy)."""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional

from ebmcore import BaseModel, InvalidParameterError, constraints
from ebmcore.plugin import CertifiedPosterior, cached_while_unchanged

__all__ = ["LogisticRegression"]

INSTALL_HINT = 'pip install "ebmcore-posteriors[data]"'
"""The command that installs what the data sets need (scikit-learn)."""

_DATASETS = ("breast_cancer",)
_PRIORS = ("normal", "flat")
_DEFAULT_SCALE = 1.0
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


class _Data(NamedTuple):
    features: np.ndarray  # (N, P) float64, each column standardized (mean 0, population std 1)
    labels: np.ndarray  # (N,) float64 in {0, 1}
    names: tuple[str, ...]  # the P feature names, spaces replaced by underscores


@functools.cache
def _load(dataset: str) -> _Data:
    """The standardized data set, loaded once per process (read-only arrays)."""
    try:
        from sklearn.datasets import load_breast_cancer  # type: ignore[import-untyped]
    except ImportError as exc:
        raise ImportError(
            f"the {dataset!r} data of logistic_regression come with scikit-learn, which is not "
            f"installed. Install it with: {INSTALL_HINT}"
        ) from exc
    bunch = load_breast_cancer()
    raw = np.asarray(bunch.data, dtype=np.float64)
    features = (raw - raw.mean(axis=0)) / raw.std(axis=0)  # ddof=0, as StandardScaler
    labels = np.asarray(bunch.target, dtype=np.float64)
    names = tuple(str(name).replace(" ", "_") for name in bunch.feature_names)
    for array in (features, labels):
        array.setflags(write=False)
    return _Data(features, labels, names)


@functools.cache
def _design(dataset: str, intercept: bool) -> np.ndarray:
    """The ``(N, D)`` float64 design matrix: the standardized features, after a column of ones
    if ``intercept``."""
    features = _load(dataset).features
    if not intercept:
        return features
    design = np.concatenate([np.ones((features.shape[0], 1)), features], axis=1)
    design.setflags(write=False)
    return design


@functools.cache
def _signed_design(dataset: str, intercept: bool) -> np.ndarray:
    """The design's rows times :math:`2y_n - 1`: ``z_n`` with margins ``z_n . beta = (2y_n - 1) eta_n``."""
    signed = (2.0 * _load(dataset).labels - 1.0)[:, None] * _design(dataset, intercept)
    signed.setflags(write=False)
    return signed


def _softplus(t: Tensor) -> Tensor:
    r""":math:`\log(1 + e^t)`, without overflow, to the dtype's rounding: taken as ``t`` only where
    :math:`e^{-t}/t` is below the precision (torch's default threshold 20 is too low for float64)."""
    return functional.softplus(t, threshold=37.0 if t.dtype == torch.float64 else 20.0)


class LogisticRegression(CertifiedPosterior, BaseModel):
    r"""The posterior of a Bayesian logistic regression on the Wisconsin breast-cancer data.

    Data: the Wisconsin diagnostic breast-cancer data set as scikit-learn bundles it
    (:func:`sklearn.datasets.load_breast_cancer`, no download): :math:`N = 569` tumours,
    :math:`P = 30` real features of their cell nuclei, label :math:`y_n = 1` for benign and
    :math:`0` for malignant (scikit-learn's coding; 357 benign). Every feature column is
    standardized to mean 0 and population standard deviation 1 (``ddof=0``, as
    ``sklearn.preprocessing.StandardScaler`` and the sampling literature do). With
    ``intercept=True`` a column of ones is prepended, so the design matrix :math:`X` is
    :math:`N \times D` with :math:`D = 31` (:math:`D = 30` without intercept).

    Coordinates (``dim = D``): the coefficients
    :math:`\beta = (\text{intercept}, \beta_{\text{mean\_radius}}, \dots)`, named by
    ``model.coordinates``; :math:`\eta = X\beta` is the linear predictor and
    :math:`p(y_n = 1 \mid \beta) = \sigma(\eta_n) = 1/(1 + e^{-\eta_n})`.

    Energy: the negative log-likelihood plus the negative log prior,

    .. math::

        E(\beta) = \sum_{n=1}^N \big[\operatorname{softplus}(\eta_n) - y_n \eta_n\big]
                   + \sum_{k=1}^D \Big[\frac{\beta_k^2}{2s^2} + \tfrac12\log(2\pi) + \log s\Big],

    with :math:`\operatorname{softplus}(t) = \log(1 + e^t)`. The likelihood term equals
    :math:`\sum_n \operatorname{softplus}(-(2y_n - 1)\eta_n)`, which is how it is evaluated
    (stable, no cancellation between large terms). The prior is independent
    :math:`\mathcal N(0, s^2)` on every coefficient, the intercept included, with all its
    normalizing constants, so that :math:`\log Z = \log p(y)` (the evidence). The gradient,
    :math:`X^\top(\sigma(\eta) - y) + \beta/s^2`, comes from the same pass
    (``analytic_energy_and_gradient``), batched over any leading shape by matrix products.

    ``prior="flat"`` drops the prior term (:math:`E` is the negative log-likelihood alone).
    **That posterior is improper on this data set**: the standardized data, with the
    intercept, are linearly separable (some :math:`\beta` has :math:`(2y_n - 1)\eta_n > 0`
    for every :math:`n`), so :math:`E` decreases towards its infimum 0 along that direction,
    has no minimum and :math:`e^{-E}` is not integrable. It is kept because published
    logistic-regression targets differ precisely in the prior; use it as an optimization
    landscape, not as a distribution to sample. With the normal prior the energy is strictly
    convex: the posterior is proper and log-concave, with a single mode.

    Ground truth: no exact sampler and no closed form. At the defaults (breast cancer, normal
    prior with :math:`s = 1`, intercept), ``reference_samples()`` returns 10,000 certified HMC
    draws (16 chains from dispersed starts, split R-hat < 1.01, bulk and tail ESS >= 400, no
    divergences; ``reference_info`` says how they were made), and ``mean`` and ``stddev`` are
    their moments (Monte-Carlo errors in ``reference_errors``); for other parameters all of these
    are None. ``bounds`` is None (the coefficients are unbounded).

    Args:
        dataset: ``"breast_cancer"`` (the only one for now).
        prior: ``"normal"`` (the default) or ``"flat"`` (improper here, see above).
        prior_scale: the standard deviation :math:`s > 0` of the normal prior of every
            coefficient; only the default may be given with ``prior="flat"``.
        intercept: prepend a column of ones to the standardized features (default True).

    Raises:
        ImportError: scikit-learn is missing (``pip install "ebmcore-posteriors[data]"``).
        InvalidParameterError: a parameter out of its range, or ``prior_scale`` set with
            ``prior="flat"``.

    References:
        W. N. Street, W. H. Wolberg, O. L. Mangasarian, "Nuclear feature extraction for breast
        tumor diagnosis", *IS&T/SPIE 1993 International Symposium on Electronic Imaging*,
        vol. 1905, 861-870 (1993); the Breast Cancer Wisconsin (Diagnostic) data set of the UCI
        Machine Learning Repository, https://archive.ics.uci.edu/dataset/17; for the conventions
        of logistic-regression targets (standardization, prior, intercept): M. Magnusson et al.,
        posteriordb, https://github.com/stan-dev/posteriordb, and the logistic-regression targets
        of TensorFlow Probability's inference_gym.

    Example:
        >>> import math, torch, ebmcore
        >>> model = ebmcore.create("logistic_regression")
        >>> model.dim, model.coordinates[:3]
        (31, ('intercept', 'mean_radius', 'mean_texture'))
        >>> model.features.shape, int(model.labels.sum())
        (torch.Size([569, 31]), 357)
        >>> energy, gradient = model.energy_and_gradient(torch.zeros(31, dtype=torch.float64))
        >>> math.isclose(energy.item(), 569 * math.log(2) + 31 * 0.5 * math.log(2 * math.pi))
        True
        >>> gradient[0].item()  # sum_n (1/2 - y_n): 569/2 - 357
        -72.5
    """

    arg_constraints = {
        "dataset": constraints.one_of(*_DATASETS),
        "prior": constraints.one_of(*_PRIORS),
        "prior_scale": constraints.positive,
        "intercept": constraints.boolean,
    }

    def __init__(
        self,
        dataset: str = "breast_cancer",
        prior: str = "normal",
        prior_scale: float = _DEFAULT_SCALE,
        intercept: bool = True,
    ) -> None:
        config = {"dataset": dataset, "prior": prior, "prior_scale": prior_scale, "intercept": intercept}
        type(self).check_args(**config)
        if prior == "flat" and prior_scale != _DEFAULT_SCALE:
            raise InvalidParameterError(
                "prior_scale",
                prior_scale,
                f"left at its default {_DEFAULT_SCALE} with prior='flat' (a flat prior has no scale)",
                energy=type(self).__name__,
            )
        data = _load(dataset)  # the ImportError without scikit-learn comes from here
        super().__init__(len(data.names) + int(intercept), **config)
        self.dataset = dataset
        self.prior = prior
        self.prior_scale = float(prior_scale)
        self.intercept = intercept
        self.coordinates = ("intercept", *data.names) if intercept else data.names
        # a buffer: it follows .to(dtype/device) and travels with the state_dict
        signed = torch.tensor(_signed_design(dataset, intercept), dtype=torch.float64)
        self.register_buffer("signed_design", signed)

    signed_design: Tensor
    """``(N, dim)``: the design's rows times :math:`2y_n - 1`, follows ``.to(dtype/device)``."""

    @property
    def features(self) -> Tensor:
        """The ``(N, dim)`` float64 design matrix :math:`X` (CPU, a fresh copy): the standardized
        features, after a column of ones with ``intercept=True``; columns as ``coordinates``."""
        return torch.from_numpy(np.array(_design(self.dataset, self.intercept)))

    @property
    def labels(self) -> Tensor:
        r"""The ``(N,)`` float64 labels :math:`y_n \in \{0, 1\}` (1: benign), a fresh copy."""
        return torch.from_numpy(np.array(_load(self.dataset).labels))

    # -- the certified reference (CertifiedPosterior) -----------------------------------------

    reference_package = "ebmcore_posteriors"

    def reference_name(self) -> str | None:
        defaults = (self.dataset, self.prior, self.prior_scale, self.intercept)
        return (
            "logistic_regression_breast_cancer"
            if defaults == ("breast_cancer", "normal", 1.0, True)
            else None
        )

    # -- energy ----------------------------------------------------------------------------------

    def _likelihood(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        r"""The negative log-likelihood, the negated margins :math:`-m = -(2y - 1)\eta` and the
        negated signed design :math:`-z` they come from (``(N, dim)``, in ``x``'s dtype).

        Negated once, in the design (exactly), rather than in each ``(*batch, N)`` result:
        three passes over the margins fewer per call.
        """

        def negated() -> Tensor:
            return (-self.signed_design).to(dtype=x.dtype)

        if self.signed_design.requires_grad:  # a graph to the buffer: formed anew each call
            design = negated()
        else:
            key = ("negated design", x.dtype)
            design = cached_while_unchanged(self, key, (self.signed_design,), negated)
        negated_margins = x @ design.mT  # (*batch, N)
        return _softplus(negated_margins).sum(-1), negated_margins, design

    def _prior(self, x: Tensor) -> tuple[Tensor | float, Tensor | float]:
        """The negative log prior and its gradient (0 for the flat prior)."""
        if self.prior == "flat":
            return 0.0, 0.0
        inverse = 1.0 / self.prior_scale  # not 1 / s^2: s^2 underflows to 0 for s < 1e-162
        precision = inverse * inverse
        constant = self.dim * (_HALF_LOG_2PI + math.log(self.prior_scale))
        return 0.5 * precision * torch.linalg.vecdot(x, x) + constant, precision * x

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        likelihood, negated_margins, design = self._likelihood(x)
        prior, prior_gradient = self._prior(x)
        # d softplus(-m_n) / d beta = sigmoid(-m_n) (-z_n), i.e. (sigmoid(eta_n) - y_n) x_n
        gradient = torch.sigmoid(negated_margins) @ design + prior_gradient
        return likelihood + prior, gradient

    def forward(self, x: Tensor) -> Tensor:
        likelihood = self._likelihood(x)[0]
        return likelihood + self._prior(x)[0]

    def analytic_gradient(self, x: Tensor) -> Tensor:
        return self.analytic_energy_and_gradient(x)[1]
