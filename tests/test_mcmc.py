"""MCMC convergence diagnostics (``ebmcore._mcmc``): against ArviZ, against closed forms, and bad input.

ArviZ is the reference implementation of Vehtari et al. (2021) the module follows; the
comparisons are at ``RTOL`` (below). The closed-form tests use AR(1) chains, whose integrated
autocorrelation time is known, with tolerances from the sampling error of the estimators.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import torch

from ebmcore import InvalidInputError
from ebmcore._mcmc import ess_bulk, ess_mean, ess_tail, mcse_mean, mcse_sd, rhat

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "rhat": rhat,
    "ess_bulk": ess_bulk,
    "ess_tail": ess_tail,
    "ess_mean": ess_mean,
    "mcse_mean": mcse_mean,
    "mcse_sd": mcse_sd,
}

# ArviZ's call for each function
ARVIZ: dict[str, Callable[[ModuleType, Any], Any]] = {
    "rhat": lambda az, x: az.rhat(x, method="rank"),
    "ess_bulk": lambda az, x: az.ess(x, method="bulk"),
    "ess_tail": lambda az, x: az.ess(x, method="tail"),
    "ess_mean": lambda az, x: az.ess(x, method="mean"),
    "mcse_mean": lambda az, x: az.mcse(x, method="mean"),
    "mcse_sd": lambda az, x: az.mcse(x, method="sd"),
}

# The module does ArviZ's arithmetic in the same order wherever it can; what differs is the normal
# quantile (torch's ndtri, ArviZ scipy's: they disagree in the last bit of about one value in six,
# <= 1.1e-15 relative) and the order of a few sums (the vectorized Geyer truncation sums pairs).
# Observed differences are <= 3e-15 relative (3000 random small cases, plus the cases below);
# 1e-12 leaves room for other BLAS/FFT builds while still catching any change of formula.
RTOL = 1e-12


@pytest.fixture(scope="module")
def az() -> ModuleType:
    with warnings.catch_warnings():
        # ArviZ announces its coming 1.0 refactor with a FutureWarning on import, once a day
        warnings.filterwarnings("ignore", message=r"\s*ArviZ is undergoing", category=FutureWarning)
        return pytest.importorskip("arviz")


def ar1(rng: np.random.Generator, rho: float, shape: tuple[int, ...]) -> np.ndarray:
    """Stationary AR(1) chains ``x_t = rho x_{t-1} + e_t`` along axis 1, unit innovations."""
    from scipy.signal import lfilter  # test-only dependency

    e = rng.normal(size=shape)
    e[:, 0] /= math.sqrt(1 - rho**2)  # start in the stationary distribution, variance 1 / (1 - rho²)
    return lfilter([1.0], [1.0, -rho], e, axis=1)


def _iid(rng: np.random.Generator) -> np.ndarray:
    return rng.normal(size=(4, 1000))


def _ar09(rng: np.random.Generator) -> np.ndarray:
    return ar1(rng, 0.9, (4, 1000))


def _antithetic(rng: np.random.Generator) -> np.ndarray:  # ESS above the number of draws
    return ar1(rng, -0.5, (4, 1000))


def _means(rng: np.random.Generator) -> np.ndarray:  # not converged: every chain elsewhere
    return rng.normal(size=(4, 500)) + np.arange(4.0)[:, None]


def _student2(rng: np.random.Generator) -> np.ndarray:  # infinite variance
    return rng.standard_t(2, size=(4, 500))


def _odd(rng: np.random.Generator) -> np.ndarray:  # the middle draw of each chain is dropped
    return ar1(rng, 0.5, (3, 101))


def _ties(rng: np.random.Generator) -> np.ndarray:  # integer values: average ranks, tied quantiles
    return rng.poisson(3, size=(4, 200)).astype(float)


def _rest3(rng: np.random.Generator) -> np.ndarray:  # iid, AR(1) and shifted chains side by side
    x = rng.normal(size=(4, 300, 3))
    x[:, :, 1] = ar1(rng, 0.8, (4, 300))
    x[:, :, 2] += 2 * np.arange(4.0)[:, None]
    return x


def _rest22(rng: np.random.Generator) -> np.ndarray:
    return ar1(rng, 0.3, (3, 200, 2, 2)) * np.array([[1.0, 10.0], [0.1, 1.0]]) + 5.0


def _one_chain(rng: np.random.Generator) -> np.ndarray:
    return ar1(rng, 0.5, (1, 400))


CASES: dict[str, Callable[[np.random.Generator], np.ndarray]] = {
    "iid": _iid,
    "ar1_rho0.9": _ar09,
    "ar1_rho-0.5": _antithetic,
    "different_means": _means,
    "student_t2": _student2,
    "odd_n": _odd,
    "ties": _ties,
    "rest_3": _rest3,
    "rest_2x2": _rest22,
    "one_chain": _one_chain,
}


def draws_for(case: str) -> np.ndarray:
    return CASES[case](np.random.default_rng(sorted(CASES).index(case)))


def arviz_value(az: ModuleType, name: str, x: np.ndarray) -> Any:
    """ArviZ's result: ndarrays of shape (chain, draw) go in as they are, others as a dataset."""
    if x.ndim == 2:
        return float(ARVIZ[name](az, x))
    dataset = az.convert_to_dataset(x)  # one variable "x" of dims (chain, draw, x_dim_0, ...)
    return ARVIZ[name](az, dataset)["x"].values


# --- against ArviZ -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "case"),
    # ArviZ has no R-hat of one chain: test_rhat_of_one_chain
    [(name, case) for name in FUNCTIONS for case in CASES if (name, case) != ("rhat", "one_chain")],
)
def test_matches_arviz(az: ModuleType, name: str, case: str) -> None:
    x = draws_for(case)
    ours = FUNCTIONS[name](x)
    expected = arviz_value(az, name, x)
    if x.ndim == 2:
        assert isinstance(ours, float)
    else:
        assert isinstance(ours, np.ndarray) and ours.shape == x.shape[2:] and ours.dtype == np.float64
    assert np.all(np.isfinite(ours))
    np.testing.assert_allclose(ours, expected, rtol=RTOL, atol=0)


def test_the_cases_are_what_they_say() -> None:
    """The comparisons above cover converged and unconverged chains, ESS far below and above S."""
    assert rhat(draws_for("iid")) < 1.01
    assert rhat(draws_for("different_means")) > 1.5
    assert ess_mean(draws_for("ar1_rho0.9")) < 0.1 * 4000
    assert ess_mean(draws_for("ar1_rho-0.5")) > 2 * 4000
    assert np.unique(draws_for("ties")).size < 20
    assert draws_for("odd_n").shape[1] % 2 == 1
    assert rhat(draws_for("rest_3"))[2] > 1.5 > rhat(draws_for("rest_3"))[0]


def test_rhat_of_one_chain(az: ModuleType, caplog: pytest.LogCaptureFixture) -> None:
    """One chain: ArviZ gives nan; here its two halves are compared, as ArviZ does for 2 chains.

    ArviZ's ``method="identity"`` R-hat (no splitting, no ranks) of the rank-normalized halves,
    rank-normalized by scipy, and of the folded halves gives the same number.
    """
    from scipy.stats import norm, rankdata  # test-only dependency

    x = draws_for("one_chain")
    with caplog.at_level(logging.CRITICAL, logger="arviz"):  # "Shape validation failed"
        assert math.isnan(float(az.rhat(x, method="rank")))

    def z(values: np.ndarray) -> np.ndarray:
        ranks = rankdata(values, method="average").reshape(values.shape)
        return norm.ppf((ranks - 3 / 8) / (values.size + 1 / 4))

    halves = x.reshape(2, -1)  # 400 draws: the first and the last 200
    bulk = float(az.rhat(z(halves), method="identity"))
    tail = float(az.rhat(z(np.abs(halves - np.median(halves))), method="identity"))
    assert rhat(x) == pytest.approx(max(bulk, tail), rel=RTOL)
    assert rhat(x) < 1.05


def test_prob_of_ess_tail_matches_arviz(az: ModuleType) -> None:
    x = draws_for("ar1_rho0.9")
    ours = ess_tail(x, prob=(0.1, 0.8))
    assert ours == pytest.approx(float(az.ess(x, method="tail", prob=(0.1, 0.8))), rel=RTOL)
    assert ours != ess_tail(x)


# --- helpers that must equal what ArviZ calls -----------------------------------------------------


def test_average_ranks_are_scipys() -> None:
    from scipy.stats import rankdata  # test-only dependency

    from ebmcore._mcmc import _average_ranks

    rng = np.random.default_rng(5)
    values = np.concatenate([rng.integers(0, 7, size=(3, 50)), rng.normal(size=(3, 50))], axis=1)
    expected = np.stack([rankdata(row, method="average") for row in values])
    np.testing.assert_array_equal(_average_ranks(values.astype(float)), expected)


def test_fft_length_is_scipys_next_fast_len() -> None:
    from scipy.fft import next_fast_len  # test-only dependency (what ArviZ pads to, via fftpack)

    from ebmcore._mcmc import _fast_length

    assert [_fast_length(n) for n in range(1, 5000)] == [next_fast_len(n, real=True) for n in range(1, 5000)]


# --- closed forms --------------------------------------------------------------------------------


def sokal_relative_sd(total: int, window: float) -> float:
    """Relative sd of an integrated autocorrelation time summed to lag ``window`` (Sokal 1989)."""
    return math.sqrt(2 * (2 * window + 1) / total)


@pytest.mark.parametrize("rho", [0.5, 0.9, -0.5])
def test_ess_mean_of_ar1_is_its_closed_form(rho: float) -> None:
    """AR(1): ``ESS / S = (1 - rho) / (1 + rho)``, from ``tau = sum_t rho^|t|``.

    The estimate's relative sd is Sokal's ``sqrt(2 (2M + 1) / S)`` with ``M`` the lag where
    Geyer's sequence stops, about where ``|rho|^M`` falls to the noise ``1 / sqrt(S)``
    (checked over 20 seeds: 0.0072, 0.017, 0.0084 observed, 0.0072, 0.018, 0.0072 predicted).
    The tolerance is 5 of those.
    """
    chains, n = 16, 50_000
    x = ar1(np.random.default_rng(11), rho, (chains, n))
    total = chains * n
    window = math.log(math.sqrt(total)) / -math.log(abs(rho))
    expected = (1 - rho) / (1 + rho)
    assert ess_mean(x) / total == pytest.approx(expected, rel=5 * sokal_relative_sd(total, window))
    # the bulk ESS of a Gaussian chain is the ESS of its mean, up to the rank transformation
    assert ess_bulk(x) / total == pytest.approx(expected, rel=5 * sokal_relative_sd(total, window))


def test_ess_of_iid_draws_is_their_number() -> None:
    """Independent draws: ESS = S; Geyer's sequence stops within a few lags (M <= 5 taken), so
    the relative sd is at most ``sqrt(2 * 11 / S)`` = 1.05% (observed: 1.6% at S = 40000, i.e.
    0.7% at this S); the tolerance is 5 of those."""
    x = np.random.default_rng(12).normal(size=(4, 50_000))
    tolerance = 5 * sokal_relative_sd(x.size, 5)
    assert ess_bulk(x) == pytest.approx(x.size, rel=tolerance)
    assert ess_mean(x) == pytest.approx(x.size, rel=tolerance)


def test_rhat_flags_chains_apart() -> None:
    rng = np.random.default_rng(13)
    x = rng.normal(size=(4, 2000))
    assert rhat(x) < 1.01
    shifted = x + 4 * np.arange(4.0)[:, None]  # chain means 4 sd apart
    assert rhat(shifted) > 1.1
    # scale only: the bulk R-hat misses it, the tail R-hat (folded draws) does not
    scaled = x * np.array([1.0, 1.0, 1.0, 4.0])[:, None]
    assert rhat(scaled) > 1.1


def test_rhat_of_one_chain_sees_a_trend() -> None:
    x = np.random.default_rng(14).normal(size=(1, 1000)) + np.linspace(0, 3, 1000)
    assert rhat(x) > 1.1


def test_mcse_mean_is_sd_over_root_ess() -> None:
    x = ar1(np.random.default_rng(15), 0.7, (4, 3000, 2))
    expected = x.reshape(-1, 2).std(axis=0, ddof=1) / np.sqrt(ess_mean(x))
    np.testing.assert_allclose(mcse_mean(x), expected, rtol=1e-14)


def test_mcse_mean_is_the_spread_of_the_mean() -> None:
    """Over 400 independent runs of AR(1) chains, the sd of the run means is what mcse_mean
    says (its root mean square), and ``1 / ((1 - rho) sqrt(S))`` (AR(1): variance
    ``1 / (1 - rho²)``, ``tau = (1 + rho) / (1 - rho)``). The sd of 400 means is within
    ``1 / sqrt(2 * 400)`` = 3.5% of the true one (1 sd); the tolerance is 5 of those."""
    rho, runs = 0.9, 400
    x = np.moveaxis(ar1(np.random.default_rng(16), rho, (4 * runs, 2000)).reshape(runs, 4, 2000), 0, -1)
    total = 4 * 2000
    spread = x.mean(axis=(0, 1)).std(ddof=1)
    mcse = np.sqrt(np.mean(mcse_mean(x) ** 2))
    tolerance = 5 / math.sqrt(2 * runs)
    assert mcse == pytest.approx(spread, rel=tolerance)
    assert mcse == pytest.approx(1 / ((1 - rho) * math.sqrt(total)), rel=tolerance)


def test_mcse_sd_of_normal_draws() -> None:
    """Independent normal draws of sd 1: the sample sd has sd ``1 / sqrt(2 S)``; the estimate's
    relative error, from the fourth moment and the ESS, was 1.0% sd at S = 40000 (30 seeds);
    the tolerance is 5 of those."""
    x = np.random.default_rng(17).normal(size=(4, 10_000))
    assert mcse_sd(x) == pytest.approx(1 / math.sqrt(2 * x.size), rel=0.05)


# --- what is undefined, and input forms ------------------------------------------------------------


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_constant_draws_give_nan(name: str) -> None:
    """ArviZ gives the number of draws as the ESS of constant draws (so MCSE 0); nan here."""
    assert math.isnan(FUNCTIONS[name](np.full((4, 20), 2.5)))
    result = FUNCTIONS[name](np.stack([np.full((4, 20), 2.5), np.arange(80.0).reshape(4, 20)], axis=-1))
    assert math.isnan(result[0]) and math.isfinite(result[1])


def test_rhat_of_constant_chains_apart_is_inf() -> None:
    assert rhat(np.repeat(np.arange(4.0)[:, None], 20, axis=1)) == math.inf


def test_ess_tail_leaves_out_an_indicator_always_true() -> None:
    """Draws 0 or 1: the 95% quantile is 1 and ``x <= 1`` always holds, so only ``x <= 0`` counts."""
    x = np.random.default_rng(18).integers(0, 2, size=(4, 500)).astype(float)
    assert ess_tail(x) == ess_mean((x <= 0).astype(float))
    assert math.isfinite(rhat(x))


def test_vectorized_equals_one_at_a_time() -> None:
    x = _rest3(np.random.default_rng(19))
    for function in FUNCTIONS.values():
        together = function(x)
        np.testing.assert_allclose(together, [function(x[..., i]) for i in range(3)], rtol=1e-14)


def test_empty_rest_gives_empty_result() -> None:
    for function in FUNCTIONS.values():
        assert function(np.zeros((2, 10, 3, 0))).shape == (3, 0)


def test_tensors_lists_and_integers_are_taken() -> None:
    x = _iid(np.random.default_rng(20))
    tensor = torch.tensor(x, requires_grad=True)
    for function in FUNCTIONS.values():
        assert function(tensor) == function(x)
        assert function(x.tolist()) == function(x)
    ints = np.random.default_rng(21).integers(0, 9, size=(3, 40))
    assert rhat(ints) == rhat(ints.astype(float))


# --- errors --------------------------------------------------------------------------------------

BAD_DRAWS: dict[str, tuple[Any, str]] = {
    "one_axis": (np.zeros(10), "shape (10,)"),
    "scalar": (1.0, "shape ()"),
    "three_draws": (np.zeros((2, 3)), "got shape (2, 3)"),
    "no_chains": (np.zeros((0, 10)), "chains >= 1, got shape (0, 10)"),
    "nan": (np.array([[0.0, 1.0, np.nan, 3.0]] * 2), "2 of 8 values nan or infinite"),
    "infinite": (np.array([[0.0, np.inf, 2.0, -np.inf, 4.0]] * 3), "6 of 15 values nan or infinite"),
    "complex": (np.ones((2, 5), dtype=complex), "real numbers, got an array of dtype complex128"),
    "complex_tensor": (torch.ones(2, 5, dtype=torch.complex64), "real numbers"),
    "strings": (np.array([["a"] * 5] * 2), "real numbers"),
    "ragged": ([[1.0, 2.0, 3.0, 4.0], [1.0, 2.0]], "array of shape (chains, n, ...)"),
}


@pytest.mark.parametrize("bad", list(BAD_DRAWS))
@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_bad_draws_are_refused(name: str, bad: str) -> None:
    draws, said = BAD_DRAWS[bad]
    with pytest.raises(InvalidInputError) as raised:
        FUNCTIONS[name](draws)
    message = str(raised.value)
    assert message.startswith(f"{name}(): draws must ")
    assert said in message
    assert isinstance(raised.value, ValueError)


def test_the_message_for_too_few_draws() -> None:
    with pytest.raises(InvalidInputError) as raised:
        rhat(np.zeros((2, 3)))
    assert str(raised.value) == (
        "rhat(): draws must have shape (chains, n, ...) with n >= 4 "
        "(each split half of a chain needs 2 draws), got shape (2, 3)"
    )


@pytest.mark.parametrize(
    "prob",
    [(0.95, 0.05), (0.5, 0.5), (0.0, 0.5), (0.5, 1.0), (-0.1, 0.9), (0.1,), (0.1, 0.5, 0.9), 0.1, "ab",
     ("0.1", "0.9"), None, (math.nan, 0.9), [[0.1, 0.9]], (True, False)],
)  # fmt: skip
def test_bad_prob_is_refused(prob: Any) -> None:
    with pytest.raises(InvalidInputError, match=r"^ess_tail\(\): prob must be two increasing probabilities"):
        ess_tail(np.random.default_rng(0).normal(size=(2, 10)), prob=prob)


def test_prob_takes_sequences_and_arrays() -> None:
    x = np.random.default_rng(22).normal(size=(2, 50))
    assert ess_tail(x, prob=[0.05, 0.95]) == ess_tail(x, prob=np.array([0.05, 0.95])) == ess_tail(x)
