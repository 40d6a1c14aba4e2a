r"""Convergence diagnostics of MCMC draws: rank-normalized split R-hat, bulk and tail ESS, MCSE.

The estimators of

    Vehtari, A., Gelman, A., Simpson, D., Carpenter, B. and Bürkner, P.-C. (2021).
    Rank-normalization, folding, and localization: An improved R-hat for assessing
    convergence of MCMC. *Bayesian Analysis* 16(2), 667-718. https://doi.org/10.1214/20-BA1221

computed as Stan and ArviZ compute them (``arviz.rhat(method="rank")``, ``arviz.ess`` with
``method="bulk"``, ``"tail"`` and ``"mean"``, ``arviz.mcse`` with ``method="mean"`` and
``"sd"``), with numpy and torch only.

Every function takes ``draws`` of shape ``(chains, n, *rest)`` (a numpy array, a tensor, or
anything :func:`numpy.asarray` takes; converted to float64) and is vectorized over ``rest``:
it returns an array of shape ``rest``, or a Python float when ``rest`` is empty. At least 4
draws per chain are needed (each chain is split in two halves of at least 2) and every value
must be finite; anything else raises :class:`ebmcore.InvalidInputError`.

The building blocks, for :math:`M` chains of :math:`n` draws:

* **split chains**: each chain is cut into its first and its last ``n // 2`` draws (the
  middle draw is dropped when :math:`n` is odd), giving :math:`2M` chains of
  :math:`N = \lfloor n/2 \rfloor` draws, :math:`S = 2MN` in all.
* **rank normalization**: the :math:`S` values pooled over all chains get their ranks
  :math:`r` (1 to :math:`S`, the average rank for ties) and become
  :math:`z = \Phi^{-1}\big((r - 3/8) / (S + 1/4)\big)`.
* **folding**: :math:`|x - \operatorname{median}(x)|`, which turns a difference of scale into
  one of location.
* **ESS** (Geyer 1992, as in Stan): with :math:`\gamma_c(t)` the autocovariance of chain
  :math:`c` at lag :math:`t` (by FFT, divided by :math:`N`),
  :math:`W = \overline{\gamma_c(0)}\, N/(N-1)` the mean within-chain variance and
  :math:`\widehat{\mathrm{var}}^+ = W (N-1)/N + B/N` (:math:`B/N` the variance of the chain
  means), the autocorrelations are
  :math:`\hat\rho(t) = 1 - (W - \overline{\gamma_c(t)}) / \widehat{\mathrm{var}}^+`.
  Their sums in pairs :math:`P_k = \hat\rho(2k) + \hat\rho(2k+1)` are kept while positive
  (initial positive sequence) and made non-increasing (initial monotone sequence);
  :math:`\hat\tau = -1 + 2 \sum_{k < K} P_k + \hat\rho(2K)`, at least :math:`1/\log_{10} S`,
  and :math:`\mathrm{ESS} = S / \hat\tau`.

Where a quantity is undefined the result is nan: the ESS of a constant sequence (all draws
equal, or all equal after rank normalization, or an indicator that is always true), and so
every ESS and MCSE of constant draws, and the R-hat of constant draws (no variance within or
between chains).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray

from ._errors import InvalidInputError, shown

__all__ = ["ess_bulk", "ess_mean", "ess_tail", "mcse_mean", "mcse_sd", "rhat"]

_MIN_DRAWS = 4  # per chain: each split half needs two draws
_BLOM = 3 / 8  # offset of the rank back-transformation (Blom 1958)

Floats = NDArray[np.float64]


def rhat(draws: ArrayLike | torch.Tensor) -> float | Floats:
    r"""Rank-normalized split R-hat: the larger of the bulk and the tail R-hat.

    With the :math:`2M` split chains of :math:`N` draws, :math:`B/N` the variance of the chain
    means and :math:`W` the mean of the within-chain variances (both with ``ddof=1``),

    .. math::

        \hat R = \sqrt{\frac{B/W + N - 1}{N}},

    the potential scale reduction of Gelman & Rubin. The bulk R-hat is :math:`\hat R` of the
    rank-normalized split chains, the tail R-hat :math:`\hat R` of the rank-normalized folded
    split chains :math:`|x - \operatorname{median}(x)|` (median over all split chains); the
    result is the larger of the two (Vehtari et al. 2021, section 4.2), as
    ``arviz.rhat(method="rank")``.

    Values above 1.01 suggest the chains have not mixed. One chain is split in two as any
    other (ArviZ returns nan for fewer than 2 chains). The result is nan for constant draws,
    inf when every split chain is constant but not all alike; where only the folded draws are
    constant (two values equally often) it is the bulk R-hat.

    Args:
        draws: ``(chains, n, *rest)`` real values, ``n >= 4``.

    Returns:
        R-hat of each of the ``rest`` quantities: an array of shape ``rest``, or a float.

    Example:
        >>> import numpy as np
        >>> x = np.random.default_rng(0).normal(size=(4, 1000))
        >>> bool(rhat(x) < 1.01)
        True
        >>> bool(rhat(x + 3 * np.arange(4)[:, None]) > 1.1)  # chains around different means
        True
        >>> rhat(np.random.default_rng(1).normal(size=(4, 100, 2, 3))).shape
        (2, 3)
    """
    x, rest = _prepared("rhat", draws)
    split = _split(x)
    bulk = _rhat(_z_scale(split))
    center = np.median(_pooled(split), axis=-1)
    tail = _rhat(_z_scale(np.abs(split - center[:, None, None])))
    return _shaped(np.fmax(bulk, tail), rest)


def ess_bulk(draws: ArrayLike | torch.Tensor) -> float | Floats:
    r"""Bulk effective sample size: the ESS of the rank-normalized split chains.

    :math:`\mathrm{ESS} = S / \hat\tau` (module docstring) computed on the rank-normalized split
    chains :math:`z = \Phi^{-1}\big((r - 3/8) / (S + 1/4)\big)`: a measure of how well the
    centre of the distribution is sampled that exists even for heavy tails without a mean, as
    ``arviz.ess(method="bulk")``.

    Args:
        draws: ``(chains, n, *rest)`` real values, ``n >= 4``.

    Returns:
        the bulk ESS: an array of shape ``rest``, or a float; nan for constant draws.

    Example:
        >>> import numpy as np
        >>> x = np.random.default_rng(0).normal(size=(4, 1000))  # independent draws
        >>> bool(3000 < ess_bulk(x) < 5000)
        True
    """
    x, rest = _prepared("ess_bulk", draws)
    return _shaped(_ess(_z_scale(_split(x))), rest)


def ess_tail(
    draws: ArrayLike | torch.Tensor, prob: Sequence[float] | NDArray[np.floating] = (0.05, 0.95)
) -> float | Floats:
    r"""Tail effective sample size: the smaller ESS of the two tail-quantile indicators.

    With :math:`q_\mathrm{low}` and :math:`q_\mathrm{high}` the ``prob`` quantiles of all draws
    (type 7, numpy's ``"linear"``), the ESS (module docstring) of the split chains of the
    indicators :math:`I(x \le q_\mathrm{low})` and :math:`I(x \le q_\mathrm{high})`; the result
    is the smaller, as ``arviz.ess(method="tail")``: how well the 5% and 95% quantiles are
    estimated.

    An indicator that is always true (an atom holding the whole upper tail, so that
    :math:`q_\mathrm{high}` is the largest draw) has no ESS and is left out; the result is nan
    when both are.

    Args:
        draws: ``(chains, n, *rest)`` real values, ``n >= 4``.
        prob: the two probabilities, ``0 < low < high < 1``.

    Returns:
        the tail ESS: an array of shape ``rest``, or a float.

    Example:
        >>> import numpy as np
        >>> x = np.random.default_rng(0).normal(size=(4, 1000))
        >>> bool(2000 < ess_tail(x) < 6000)
        True
    """
    x, rest = _prepared("ess_tail", draws)
    low, high = _probabilities("ess_tail", prob)
    flat = _pooled(x)
    quantiles = _quantile(flat, np.array([low, high]))
    ess = [_ess(_split((x <= q[:, None, None]).astype(np.float64))) for q in quantiles.T]
    return _shaped(np.fmin(ess[0], ess[1]), rest)


def ess_mean(draws: ArrayLike | torch.Tensor) -> float | Floats:
    r"""Effective sample size of the mean: the ESS of the split chains, not rank-normalized.

    :math:`\mathrm{ESS} = S / \hat\tau` (module docstring) of the draws themselves: the number of independent
    draws that would estimate the mean as well, as ``arviz.ess(method="mean")``. It needs a
    finite variance; prefer :func:`ess_bulk` for heavy tails.

    Args:
        draws: ``(chains, n, *rest)`` real values, ``n >= 4``.

    Returns:
        the ESS of the mean: an array of shape ``rest``, or a float; nan for constant draws.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> x = np.zeros((4, 4000))  # AR(1) chains, rho = 0.5: ESS / draws ≈ (1 - 0.5) / (1 + 0.5)
        >>> for t in range(1, 4000):
        ...     x[:, t] = 0.5 * x[:, t - 1] + rng.normal(size=4)
        >>> round(ess_mean(x) / x.size, 1)
        0.3
    """
    x, rest = _prepared("ess_mean", draws)
    return _shaped(_ess(_split(x)), rest)


def mcse_mean(draws: ArrayLike | torch.Tensor) -> float | Floats:
    r"""Monte-Carlo standard error of the mean: ``sd / sqrt(ess_mean)``.

    .. math::

        \mathrm{mcse\_mean} = \frac{\mathrm{sd}}{\sqrt{\mathrm{ESS}_\mathrm{mean}}}

    with :math:`\mathrm{sd}` the standard deviation (``ddof=1``) of all draws pooled and
    :math:`\mathrm{ESS}_\mathrm{mean}` = :func:`ess_mean`, as ``arviz.mcse(method="mean")``.

    Args:
        draws: ``(chains, n, *rest)`` real values, ``n >= 4``.

    Returns:
        the MCSE of the mean: an array of shape ``rest``, or a float; nan for constant draws.

    Example:
        >>> import numpy as np
        >>> x = np.random.default_rng(0).normal(size=(4, 2500))  # sd 1, about 10000 draws' worth
        >>> round(mcse_mean(x), 2)
        0.01
    """
    x, rest = _prepared("mcse_mean", draws)
    sd = _pooled(x).std(axis=-1, ddof=1)
    return _shaped(sd / np.sqrt(_ess(_split(x))), rest)


def mcse_sd(draws: ArrayLike | torch.Tensor) -> float | Floats:
    r"""Monte-Carlo standard error of the standard deviation, by the delta method.

    As ``arviz.mcse(method="sd")`` (and Stan's ``posterior::mcse_sd``): with
    :math:`d_i = (x_i - \bar x)^2` over all :math:`M n` draws pooled, :math:`v = \bar d` (the
    variance with ``ddof=0``) and :math:`\mathrm{ESS}_d` = :func:`ess_mean` of the squared
    deviations :math:`d` (split chains, not rank-normalized),

    .. math::

        \widehat{\mathrm{Var}}(v) = \frac{\overline{d^2} - v^2}{\mathrm{ESS}_d}, \qquad
        \mathrm{mcse\_sd} = \sqrt{\frac{\widehat{\mathrm{Var}}(v)}{4 v}},

    the delta-method standard error of the standard deviation :math:`\sqrt v`.

    Args:
        draws: ``(chains, n, *rest)`` real values, ``n >= 4``.

    Returns:
        the MCSE of the sd: an array of shape ``rest``, or a float; nan for constant draws
        (and where the squared deviations are constant, e.g. draws ``±1`` around mean 0).

    Example:
        >>> import numpy as np
        >>> x = np.random.default_rng(0).normal(size=(4, 2500))  # normal: sqrt(1 / (2 * 10000))
        >>> round(mcse_sd(x), 3)
        0.007
    """
    x, rest = _prepared("mcse_sd", draws)
    flat = _pooled(x)
    squares = (x - flat.mean(axis=-1)[:, None, None]) ** 2
    ess = _ess(_split(squares))
    flat_squares = _pooled(squares)
    variance = flat_squares.mean(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        variance_of_variance = ((flat_squares**2).mean(axis=-1) - variance**2) / ess
        result = np.sqrt(variance_of_variance / variance / 4)
    return _shaped(result, rest)


# --- input and output ---------------------------------------------------------------------------


def _prepared(function: str, draws: object) -> tuple[Floats, tuple[int, ...]]:
    """``draws`` as a C-contiguous float64 ``(R, chains, n)`` array and the ``rest`` shape."""
    if isinstance(draws, torch.Tensor):
        if draws.is_complex():
            raise InvalidInputError(f"{function}(): draws must be real numbers, got a {draws.dtype} tensor")
        draws = draws.detach().to(device="cpu", dtype=torch.float64).numpy()
    try:
        array = np.asarray(draws)
    except (TypeError, ValueError) as error:  # ragged nested lists, ...
        raise InvalidInputError(
            f"{function}(): draws must be an array of shape (chains, n, ...), got {shown(draws)} ({error})"
        ) from None
    if array.dtype.kind not in "biuf":
        raise InvalidInputError(
            f"{function}(): draws must be real numbers, got an array of dtype {array.dtype}"
        )
    shape = array.shape
    wanted = f"{function}(): draws must have shape (chains, n, ...)"
    if array.ndim < 2:
        raise InvalidInputError(f"{wanted} with at least 2 axes, got shape {shape}")
    if shape[0] < 1:
        raise InvalidInputError(f"{wanted} with chains >= 1, got shape {shape}")
    if shape[1] < _MIN_DRAWS:
        raise InvalidInputError(
            f"{wanted} with n >= {_MIN_DRAWS} (each split half of a chain needs 2 draws), got shape {shape}"
        )
    values = array.astype(np.float64)
    bad = int(np.count_nonzero(~np.isfinite(values)))
    if bad:
        raise InvalidInputError(
            f"{function}(): draws must be finite, got {bad} of {values.size} values nan or infinite"
        )
    chains, n = shape[:2]
    rest = tuple(shape[2:])
    rows = np.moveaxis(values.reshape(chains, n, math.prod(rest)), -1, 0)
    return np.ascontiguousarray(rows), rest


def _probabilities(function: str, prob: object) -> tuple[float, float]:
    """``prob`` as ``(low, high)``, checked."""
    allowed = f"{function}(): prob must be two increasing probabilities (low, high), 0 < low < high < 1"
    try:
        values = np.asarray(prob)
    except (TypeError, ValueError):  # ragged sequences, ...
        values = np.asarray(None)
    if values.dtype.kind not in "iuf" or values.shape != (2,):
        raise InvalidInputError(f"{allowed}, got {shown(prob)}")
    low, high = float(values[0]), float(values[1])
    if not 0 < low < high < 1:
        raise InvalidInputError(f"{allowed}, got {shown(prob)}")
    return low, high


def _shaped(values: Floats, rest: tuple[int, ...]) -> float | Floats:
    """One value per row: a float when ``rest`` is empty, else an array of shape ``rest``."""
    return float(values[0]) if not rest else values.reshape(rest)


# --- building blocks on (R, chains, n) arrays -----------------------------------------------------


def _pooled(x: Floats) -> Floats:
    """``(R, chains, n)`` as ``(R, chains * n)``: each row's draws pooled over its chains."""
    return x.reshape(x.shape[0], x.shape[1] * x.shape[2])


def _split(x: Floats) -> Floats:
    """The first and the last ``n // 2`` draws of each chain as chains of their own (as ArviZ)."""
    half = x.shape[-1] // 2
    return np.concatenate([x[..., :half], x[..., x.shape[-1] - half :]], axis=1)


def _average_ranks(flat: Floats) -> Floats:
    """Ranks 1 to ``S`` along the last axis, ties getting their average rank."""
    order = np.argsort(flat, axis=-1, kind="stable")
    ordered = np.take_along_axis(flat, order, axis=-1)
    size = flat.shape[-1]
    index = np.broadcast_to(np.arange(size), flat.shape)
    starts = np.ones(flat.shape, dtype=bool)  # first of a group of equal values
    starts[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
    ends = np.ones(flat.shape, dtype=bool)  # last of a group
    ends[..., :-1] = starts[..., 1:]
    first = np.maximum.accumulate(np.where(starts, index, 0), axis=-1)
    last = np.minimum.accumulate(np.where(ends, index, size - 1)[..., ::-1], axis=-1)[..., ::-1]
    ranks = np.empty(flat.shape, dtype=np.float64)
    np.put_along_axis(ranks, order, (first + last) / 2 + 1, axis=-1)
    return ranks


def _z_scale(x: Floats) -> Floats:
    """Rank normalization over all chains of each row: ``ndtri((r - 3/8) / (S + 1/4))``."""
    flat = _pooled(x)
    size = flat.shape[-1]
    p = (_average_ranks(flat) - _BLOM) / (size - 2 * _BLOM + 1)
    z: Floats = torch.special.ndtri(torch.from_numpy(p)).numpy()
    return z.reshape(x.shape)


def _rhat(x: Floats) -> Floats:
    """Gelman-Rubin ``sqrt((B / W + n - 1) / n)`` of each row's chains."""
    n = x.shape[-1]
    between = n * x.mean(axis=-1).var(axis=-1, ddof=1)
    within = x.var(axis=-1, ddof=1).mean(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        result: Floats = np.sqrt((between / within + n - 1) / n)
    return result


def _fast_length(target: int) -> int:
    """The smallest ``2^a 3^b 5^c >= target``: an FFT size as fast as any (scipy's next_fast_len)."""
    best = 1 << (target - 1).bit_length()
    power5 = 1
    while power5 < target:
        power35 = power5
        while power35 < target:
            power2 = 1 << (-(-target // power35) - 1).bit_length()
            best = min(best, power2 * power35)
            power35 *= 3
        best = min(best, power35)
        power5 *= 5
    return min(best, power5)


def _autocovariance(x: Floats) -> Floats:
    """Autocovariance of each chain at lags 0 to ``n - 1`` (divided by ``n``), by FFT."""
    n = x.shape[-1]
    length = _fast_length(2 * n)
    centered = x - x.mean(axis=-1, keepdims=True)
    spectrum = np.fft.rfft(centered, n=length, axis=-1)
    spectrum *= np.conjugate(spectrum)
    covariance: Floats = np.fft.irfft(spectrum, n=length, axis=-1)[..., :n]
    return covariance / n


def _ess(x: Floats) -> Floats:
    """Effective sample size of each row's chains, Geyer's initial monotone sequence as in Stan.

    Vectorized form of ArviZ's ``_ess`` loops: the pair sums ``P[k] = rho[2k] + rho[2k + 1]``
    are looked at up to the first that is not positive (or the last ArviZ's loop reaches), those
    before it made non-increasing by a running minimum, and
    ``tau = -1 + 2 sum(P[k] for k < last) + rho[2 last]`` where ``rho[2 last]``, the even term of
    the last pair looked at, counts when positive or when its pair is not negative.
    """
    rows, chains, n = x.shape
    flat = _pooled(x)
    constant = flat.max(axis=-1) == flat.min(axis=-1)
    acov = _autocovariance(x)
    mean_var = acov[..., 0].mean(axis=-1) * n / (n - 1.0)
    var_plus = mean_var * (n - 1.0) / n + x.mean(axis=-1).var(axis=-1, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = 1.0 - (mean_var[:, None] - acov.mean(axis=1)) / var_plus[:, None]
    rho[:, 0] = 1.0
    pairs_seen = max(1, (n - 1) // 2)  # ArviZ's loop looks at pairs 0 .. pairs_seen - 1 at most
    pairs = rho[:, 0 : 2 * pairs_seen : 2] + rho[:, 1 : 2 * pairs_seen : 2]
    stop = ~(pairs > 0)
    first_stop = np.where(stop.any(axis=-1), stop.argmax(axis=-1), pairs_seen)
    last_pair = np.minimum(first_stop, pairs_seen - 1)  # K - 1: the last pair looked at
    monotone = np.minimum.accumulate(pairs, axis=-1)
    kept = np.where(np.arange(pairs_seen) < last_pair[:, None], monotone, 0.0).sum(axis=-1)
    even = rho[np.arange(rows), 2 * last_pair]
    last_pair_sum = pairs[np.arange(rows), last_pair]
    tail = np.where((even > 0) | (last_pair_sum >= 0), even, 0.0)
    size = chains * n
    tau = np.maximum(-1.0 + 2.0 * kept + tail, 1 / np.log10(size))
    with np.errstate(divide="ignore", invalid="ignore"):
        ess: Floats = size / tau
    return np.where(constant | ~(var_plus > 0) | np.isnan(tau), np.nan, ess)


def _quantile(flat: Floats, prob: Floats) -> Floats:
    """Type-7 quantiles (R's default) of each row, computed as ``scipy.stats.mstats.mquantiles``.

    ``aleph = S p + 1 - p``, ``k = floor(clip(aleph, 1, S - 1))``, ``g = clip(aleph - k, 0, 1)``,
    ``q = (1 - g) x_(k) + g x_(k+1)``: the same arithmetic as ArviZ's, so that an indicator
    ``x <= q`` of tied draws counts the same draws.
    """
    ordered = np.sort(flat, axis=-1)
    size = flat.shape[-1]
    aleph = size * prob + (1.0 - prob)
    k = np.floor(aleph.clip(1, size - 1)).astype(np.intp)
    gamma = (aleph - k).clip(0, 1)
    result: Floats = (1.0 - gamma) * ordered[:, k - 1] + gamma * ordered[:, k]
    return result
