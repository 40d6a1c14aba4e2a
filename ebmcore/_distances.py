"""Two-sample distances: how far a sampler's output is from reference samples.

Every function takes torch tensors, samples ``x`` of shape ``(n, d)`` and ``y`` of shape
``(m, d)`` (or ``(n,)`` and ``(m,)`` for one coordinate), of any floating-point dtype, on any one
device, and returns a Python float. The computation runs in float64 on the inputs' device,
whatever their dtype, so float32 samples give exactly the result of the same values in float64.

* :func:`wasserstein_1d`: the exact Wasserstein-1 distance of two weighted 1-D samples;
* :func:`sliced_wasserstein`: its mean over random projections, for ``d > 1``;
* :func:`energy_distance`: the energy distance of Székely and Rizzo;
* :func:`mmd` with :func:`median_bandwidth`: the squared maximum mean discrepancy of a Gaussian kernel;
* :func:`total_variation`: between two probability vectors (histograms on the same bins).

Pairwise sums go over tiles of at most ``_CHUNK`` x ``_CHUNK`` pairs, so two samples of 50,000
points never allocate a 50,000 x 50,000 matrix. Distances are computed from the coordinate
differences (never from ``|a|² + |b|² - 2 a·b``, which loses every digit for close points far
from the origin). Bad input raises :class:`ebmcore.InvalidInputError` naming the function, the
parameter, what was given and what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from numbers import Real

import torch
from torch import Tensor

from ._errors import InvalidInputError, shown

__all__ = [
    "energy_distance",
    "median_bandwidth",
    "mmd",
    "sliced_wasserstein",
    "total_variation",
    "wasserstein_1d",
]

_CHUNK = 2048
"""Rows and columns of one tile of pairwise distances (a tile is 32 MiB in float64)."""

_PROJECTED_ELEMENTS = 2**22
"""Projected values (directions x points) handled at once by :func:`sliced_wasserstein`."""

_EXACT = "donot_use_mm_for_euclid_dist"  # torch.cdist from differences, not from a matrix product

# ----------------------------------------------------------------------------------------------
# checks


def _tensor(function: str, name: str, value: object) -> Tensor:
    if not isinstance(value, Tensor):
        raise InvalidInputError(f"{function}(): {name} must be a torch.Tensor, got {type(value).__name__}")
    if not value.dtype.is_floating_point:
        raise InvalidInputError(f"{function}(): {name} must have a floating-point dtype, got {value.dtype}")
    return value


def _finite(function: str, name: str, value: Tensor) -> None:
    bad = int((~torch.isfinite(value)).sum().item())
    if bad:
        raise InvalidInputError(
            f"{function}(): {name} must hold finite values only, got {bad} non-finite (nan or inf) "
            f"of {value.numel()}"
        )


def _same_device(function: str, names: str, first: Tensor, second: Tensor) -> None:
    if first.device != second.device:
        raise InvalidInputError(
            f"{function}(): {names} must be on the same device, got {first.device} and {second.device}"
        )


def _samples(function: str, x: object, y: object, minimum: int = 2) -> tuple[Tensor, Tensor]:
    """``x`` and ``y`` checked, as detached float64 ``(n, d)`` and ``(m, d)`` tensors."""
    tensors = []
    for name, value in (("x", x), ("y", y)):
        tensor = _tensor(function, name, value)
        if tensor.dim() not in (1, 2) or (tensor.dim() == 2 and tensor.shape[1] == 0):
            raise InvalidInputError(
                f"{function}(): {name} must have shape (n,) or (n, d) with d >= 1, "
                f"got shape {tuple(tensor.shape)}"
            )
        if tensor.shape[0] < minimum:
            raise InvalidInputError(
                f"{function}(): {name} must hold at least {minimum} points, got {tensor.shape[0]}"
            )
        tensors.append(tensor)
    first, second = tensors
    _same_device(function, "x and y", first, second)
    if first[0].numel() != second[0].numel():
        raise InvalidInputError(
            f"{function}(): x and y must have the same number of coordinates d, "
            f"got x of shape {tuple(first.shape)} and y of shape {tuple(second.shape)}"
        )
    _finite(function, "x", first)
    _finite(function, "y", second)
    return _float64_rows(first), _float64_rows(second)


def _float64_rows(tensor: Tensor) -> Tensor:
    return tensor.detach().to(torch.float64).reshape(tensor.shape[0], -1)


def _values_1d(function: str, name: str, value: object) -> Tensor:
    """``value`` checked as a ``(n,)`` float tensor, ``n >= 1`` (not yet for finite values)."""
    tensor = _tensor(function, name, value)
    if tensor.dim() != 1 or tensor.shape[0] < 1:
        raise InvalidInputError(
            f"{function}(): {name} must have shape (n,) with n >= 1, got shape {tuple(tensor.shape)}"
        )
    return tensor


def _weights(function: str, name: str, value: object, values: Tensor, values_name: str) -> Tensor:
    tensor = _tensor(function, name, value)
    if tuple(tensor.shape) != tuple(values.shape):
        raise InvalidInputError(
            f"{function}(): {name} must have the shape of {values_name}, {tuple(values.shape)}, "
            f"got shape {tuple(tensor.shape)}"
        )
    _same_device(function, f"{values_name} and {name}", values, tensor)
    _finite(function, name, tensor)
    weights = tensor.detach().to(torch.float64)
    negative = int((weights < 0).sum().item())
    if negative:
        raise InvalidInputError(
            f"{function}(): {name} must be non-negative, got {negative} negative "
            f"(the smallest {shown(weights.min().item())})"
        )
    total = weights.sum().item()
    if not 0 < total < math.inf:
        raise InvalidInputError(f"{function}(): {name} must have a finite sum > 0, got {shown(total)}")
    return weights


# ----------------------------------------------------------------------------------------------
# 1-D: cumulative distribution functions on the merged support


def _cdf_gaps(
    a: Tensor, b: Tensor, a_cumulative: Tensor | None = None, b_cumulative: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """``|F_a - F_b|`` on each interval of the merged support, and the intervals' lengths.

    ``a`` ``(p, n)`` and ``b`` ``(p, m)`` are sorted along their rows (``p`` samples at once);
    ``a_cumulative`` ``(p, n + 1)`` are the cumulated weights of the sorted ``a`` from 0 (None:
    equal weights). Both ``(p, n + m - 1)``, as in ``scipy.stats._stats_py._cdf_distance``.
    """
    merged = torch.cat((a, b), dim=1).sort(dim=1).values
    lengths = merged.diff(dim=1)
    left = merged[:, :-1].contiguous()
    cdfs = []
    for sample, cumulative in ((a, a_cumulative), (b, b_cumulative)):
        below = torch.searchsorted(sample, left, right=True)  # points <= each left end
        if cumulative is None:
            cdfs.append(below.to(torch.float64) / sample.shape[1])
        else:
            cdfs.append(cumulative.gather(1, below) / cumulative[:, -1:])
    return (cdfs[0] - cdfs[1]).abs(), lengths


def _sorted_with_weights(values: Tensor, weights: Tensor | None) -> tuple[Tensor, Tensor | None]:
    """``values`` ``(n,)`` sorted as a ``(1, n)`` row, and its cumulated weights ``(1, n + 1)``."""
    ordered, order = values.sort()
    if weights is None:
        return ordered[None], None
    cumulative = torch.cat((weights.new_zeros(1), weights[order].cumsum(0)))
    return ordered[None], cumulative[None]


def wasserstein_1d(
    a: Tensor, b: Tensor, a_weights: Tensor | None = None, b_weights: Tensor | None = None
) -> float:
    r"""The Wasserstein-1 distance between two weighted 1-D samples, exactly.

    .. math::

        W_1(a, b) = \int_{-\infty}^{\infty} |F_a(t) - F_b(t)| \, dt,

    where :math:`F_a` and :math:`F_b` are the empirical distribution functions of ``a`` and ``b``
    (each point weighted by its weight, the weights normalized to sum to 1). The integral is a
    finite sum over the merged sorted support: the definition of
    ``scipy.stats.wasserstein_distance``.

    Args:
        a: ``(n,)`` values, ``n >= 1``, finite.
        b: ``(m,)`` values, ``m >= 1``, finite; ``m`` may differ from ``n``.
        a_weights: ``(n,)`` non-negative finite weights of ``a`` with a positive sum, or None for
            equal weights.
        b_weights: likewise for ``b``.

    Example:
        >>> wasserstein_1d(torch.tensor([0.0, 1.0, 3.0]), torch.tensor([5.0, 6.0, 8.0]))
        5.0
        >>> wasserstein_1d(torch.tensor([0.0, 1.0]), torch.tensor([0.0, 1.0]),
        ...                torch.tensor([3.0, 1.0]), torch.tensor([2.0, 2.0]))
        0.25

    Reference:
        Ramdas, García Trillos and Cuturi, "On Wasserstein two-sample testing and related families
        of nonparametric tests", *Entropy* 19(2), 2017.
    """
    function = "wasserstein_1d"
    u = _values_1d(function, "a", a)
    v = _values_1d(function, "b", b)
    _same_device(function, "a and b", u, v)
    _finite(function, "a", u)
    _finite(function, "b", v)
    u_weights = None if a_weights is None else _weights(function, "a_weights", a_weights, u, "a")
    v_weights = None if b_weights is None else _weights(function, "b_weights", b_weights, v, "b")
    u, v = u.detach().to(torch.float64), v.detach().to(torch.float64)
    gaps, lengths = _cdf_gaps(*_pair_sorted(u, v, u_weights, v_weights))
    return float((gaps * lengths).sum().item())


def _pair_sorted(
    u: Tensor, v: Tensor, u_weights: Tensor | None, v_weights: Tensor | None
) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
    u_sorted, u_cumulative = _sorted_with_weights(u, u_weights)
    v_sorted, v_cumulative = _sorted_with_weights(v, v_weights)
    return u_sorted, v_sorted, u_cumulative, v_cumulative


# ----------------------------------------------------------------------------------------------
# pairwise sums, by tiles


def _sum(parts: list[Tensor], like: Tensor) -> Tensor:
    return torch.stack(parts).sum() if parts else like.new_zeros(())


def _pair_sum(
    a: Tensor, b: Tensor | None, kernel: Callable[[Tensor], Tensor], *, skip_diagonal: bool = False
) -> Tensor:
    """``sum_ij kernel(|a_i - b_j|)`` over all pairs, a 0-dim float64 tensor; by tiles.

    ``b=None`` sums over the pairs of ``a`` with itself, computing each unordered pair of tiles once
    (``skip_diagonal``: without the pairs ``i == j``). The tiles are visited and summed so that
    ``_pair_sum(a, a', k)`` with ``a'`` equal to ``a`` gives bitwise the result of
    ``_pair_sum(a, None, k)``: the energy distance of a sample with itself is exactly 0.
    """
    chunk = _CHUNK
    other = a if b is None else b
    rows = range(0, a.shape[0], chunk)
    columns = range(0, other.shape[0], chunk)

    def tile(first: Tensor, second: Tensor) -> Tensor:
        return kernel(torch.cdist(first, second, compute_mode=_EXACT))

    diagonal: list[Tensor] = []
    upper: list[Tensor] = []
    lower: list[Tensor] = []
    for i, row in enumerate(rows):
        for j, column in enumerate(columns):
            if j < i:
                continue
            values = tile(a[row : row + chunk], other[column : column + chunk])
            if i == j:
                if b is None and skip_diagonal:
                    values.diagonal().zero_()
                diagonal.append(values.sum())
            else:
                upper.append(values.sum())
    if b is None:
        lower = upper  # the tile (j, i) is the transpose of the tile (i, j)
    else:  # tiles below the diagonal, as the transposes of a symmetric sum would see them
        for j, column in enumerate(columns):
            for i, row in enumerate(rows):
                if i > j:
                    lower.append(tile(b[column : column + chunk], a[row : row + chunk]).sum())
    return (_sum(diagonal, a) + _sum(upper, a)) + _sum(lower, a)


def _distance(values: Tensor) -> Tensor:
    return values


def _mean_distances(x: Tensor, y: Tensor) -> tuple[float, float, float]:
    """The V-statistic means ``E|X - Y|``, ``E|X - X'|`` and ``E|Y - Y'|`` (diagonal zeros in)."""
    n, m = x.shape[0], y.shape[0]
    between = _pair_sum(x, y, _distance).item() / (n * m)
    within_x = _pair_sum(x, None, _distance).item() / (n * n)
    within_y = _pair_sum(y, None, _distance).item() / (m * m)
    return between, within_x, within_y


def energy_distance(x: Tensor, y: Tensor) -> float:
    r"""The energy distance between two samples.

    .. math::

        D(x, y) = \sqrt{2\,\mathbb{E}|X - Y| - \mathbb{E}|X - X'| - \mathbb{E}|Y - Y'|},

    with Euclidean norms and the means over all ordered pairs of the samples (V-statistics: the
    zero distances of a point to itself are included), so ``D(x, x) == 0`` exactly and ``D`` is
    never negative (a sum that rounds below zero gives 0). In one dimension (``d == 1``) it is
    computed exactly, in :math:`O((n + m) \log(n + m))`, from the identity
    :math:`D^2 = 2 \int (F_x - F_y)^2` of the empirical distribution functions: the definition of
    ``scipy.stats.energy_distance``. For ``d > 1`` the pairs are summed by tiles in
    :math:`O(nm\,d)` time and constant memory.

    Args:
        x: ``(n,)`` or ``(n, d)`` samples, ``n >= 2``, finite.
        y: ``(m,)`` or ``(m, d)`` samples, ``m >= 2``, finite, on the device of ``x``.

    Example:
        >>> energy_distance(torch.tensor([0.0, 0.0]), torch.tensor([2.0, 2.0]))
        2.0
        >>> x = torch.tensor([[0.0, 0.0], [0.0, 0.0]])
        >>> round(energy_distance(x, x + torch.tensor([3.0, 4.0])), 6)  # sqrt(2 * 5)
        3.162278

    Reference:
        Székely and Rizzo, "Energy statistics: A class of statistics based on distances",
        *Journal of Statistical Planning and Inference* 143(8), 2013.
    """
    a, b = _samples("energy_distance", x, y)
    if a.shape[1] == 1:
        gaps, lengths = _cdf_gaps(a.reshape(1, -1).sort(dim=1).values, b.reshape(1, -1).sort(dim=1).values)
        return math.sqrt(2.0 * (gaps.square() * lengths).sum().item())
    between, within_x, within_y = _mean_distances(a, b)
    return math.sqrt(max(0.0, 2.0 * between - within_x - within_y))


def median_bandwidth(x: Tensor, y: Tensor, max_points: int = 1000) -> float:
    r"""The median heuristic: the median distance between points of the pooled sample.

    .. math::

        h = \operatorname{median}\{\, |z_i - z_j| : i < j \,\},

    where :math:`z` pools ``x`` and ``y``, at most ``max_points`` points of them: evenly spaced
    points of each sample, half from each where both hold that many, else all of the smaller and
    the rest from the other (no random subsample: the same inputs always give the same ``h``;
    evenly spaced, so that samples ordered by chain are all represented). The median of an even
    number of distances is the mean of the two middle ones, as ``numpy.median``. The distances
    are kept, ``4 max_points²`` bytes. It is 0 when more than half the pairs coincide, which
    :func:`mmd` refuses as a bandwidth.

    Args:
        x: ``(n,)`` or ``(n, d)`` samples, ``n >= 2``, finite.
        y: ``(m,)`` or ``(m, d)`` samples, ``m >= 2``, finite, on the device of ``x``.
        max_points: the most points of the pooled sample used, an int ``>= 2``.

    Example:
        >>> median_bandwidth(torch.tensor([0.0, 1.0]), torch.tensor([3.0, 6.0]))  # 1 2 3 3 5 6
        3.0

    Reference:
        Gretton et al., "A kernel two-sample test", *JMLR* 13, 2012; Garreau,
        Jitkrittum and Kanagawa, "Large sample analysis of the median heuristic", 2017.
    """
    function = "median_bandwidth"
    if isinstance(max_points, bool) or not isinstance(max_points, int) or max_points < 2:
        raise InvalidInputError(f"{function}(): max_points must be an int >= 2, got {shown(max_points)}")
    a, b = _samples(function, x, y)
    from_a = min(a.shape[0], max(max_points // 2, max_points - b.shape[0]))
    from_b = min(b.shape[0], max_points - from_a)
    pooled = torch.cat((_evenly(a, from_a), _evenly(b, from_b)))
    chunk = _CHUNK
    distances: list[Tensor] = []
    for row in range(0, pooled.shape[0], chunk):
        block = pooled[row : row + chunk]
        for column in range(row, pooled.shape[0], chunk):
            tile = torch.cdist(block, pooled[column : column + chunk], compute_mode=_EXACT)
            if column == row:
                upper = torch.triu_indices(tile.shape[0], tile.shape[1], offset=1, device=tile.device)
                tile = tile[upper[0], upper[1]]
            distances.append(tile.reshape(-1))
    values = torch.cat(distances)
    count = values.shape[0]
    middle = values.kthvalue((count + 1) // 2).values
    if count % 2:
        return float(middle.item())
    return float(((middle + values.kthvalue(count // 2 + 1).values) / 2).item())


def _evenly(values: Tensor, count: int) -> Tensor:
    """``count`` evenly spaced rows of ``values``, first and last included (all when it has no more)."""
    if count >= values.shape[0]:
        return values
    return values[torch.linspace(0, values.shape[0] - 1, count, device=values.device).round().long()]


def mmd(x: Tensor, y: Tensor, bandwidth: float) -> float:
    r"""The unbiased estimate of the squared maximum mean discrepancy, Gaussian kernel.

    .. math::

        \widehat{\mathrm{MMD}}^2_u = \frac{1}{n(n-1)} \sum_{i \ne j} k(x_i, x_j)
            + \frac{1}{m(m-1)} \sum_{i \ne j} k(y_i, y_j)
            - \frac{2}{nm} \sum_{i, j} k(x_i, y_j),
        \qquad k(a, b) = \exp\left(-\frac{|a - b|^2}{2h^2}\right),

    with ``h = bandwidth`` (see :func:`median_bandwidth`). It is the U-statistic, an unbiased
    estimate of :math:`\mathrm{MMD}^2`, not a distance: it can be slightly negative when the two
    samples come from the same distribution (down to ``-2/n`` for ``mmd(x, x)``). Sums go by tiles
    in :math:`O(nm\,d)` time and constant memory.

    Args:
        x: ``(n,)`` or ``(n, d)`` samples, ``n >= 2``, finite.
        y: ``(m,)`` or ``(m, d)`` samples, ``m >= 2``, finite, on the device of ``x``.
        bandwidth: ``h``, a finite number ``> 0``.

    Example:
        >>> x = torch.tensor([[0.0], [0.0]])
        >>> round(mmd(x, x + 1.0, bandwidth=1.0), 6)  # 1 + 1 - 2 exp(-1/2)
        0.786939

    Reference:
        Gretton, Borgwardt, Rasch, Schölkopf and Smola, "A kernel two-sample test",
        *Journal of Machine Learning Research* 13, 2012 (lemma 6).
    """
    function = "mmd"
    if (
        isinstance(bandwidth, bool)
        or not isinstance(bandwidth, Real)
        or not math.isfinite(float(bandwidth))
        or not float(bandwidth) > 0
    ):
        raise InvalidInputError(
            f"{function}(): bandwidth must be a finite number > 0, got {shown(bandwidth)}"
        )
    a, b = _samples(function, x, y)
    scale = -1.0 / (2.0 * float(bandwidth) ** 2)

    def gaussian(distances: Tensor) -> Tensor:
        return torch.exp(distances.square_().mul_(scale))

    n, m = a.shape[0], b.shape[0]
    within_x = _pair_sum(a, None, gaussian, skip_diagonal=True).item() / (n * (n - 1))
    within_y = _pair_sum(b, None, gaussian, skip_diagonal=True).item() / (m * (m - 1))
    between = _pair_sum(a, b, gaussian).item() / (n * m)
    return float(within_x + within_y - 2.0 * between)


def _directions(projections: int, d: int, generator: torch.Generator | None) -> Tensor:
    """``projections`` directions uniform on the unit sphere of R^d, ``(projections, d)`` on CPU."""
    normal = torch.randn(projections, d, generator=generator, dtype=torch.float64)
    return normal / torch.linalg.vector_norm(normal, dim=1, keepdim=True)


def sliced_wasserstein(
    x: Tensor, y: Tensor, projections: int = 128, generator: torch.Generator | None = None
) -> float:
    r"""The sliced Wasserstein-1 distance: :func:`wasserstein_1d` averaged over random projections.

    .. math::

        SW_1(x, y) = \frac{1}{L} \sum_{l=1}^{L} W_1(\langle x, u_l \rangle, \langle y, u_l \rangle),

    with ``L = projections`` directions :math:`u_l` uniform on the unit sphere: the rows of
    ``torch.randn(projections, d, generator=generator, dtype=torch.float64)`` divided by their
    norms, drawn on CPU (the same generator state gives the same directions on every device) and
    then moved to the inputs' device. For ``d == 1`` it is exactly ``wasserstein_1d`` of the two
    samples, and no directions are drawn.

    Args:
        x: ``(n,)`` or ``(n, d)`` samples, ``n >= 2``, finite.
        y: ``(m,)`` or ``(m, d)`` samples, ``m >= 2``, finite, on the device of ``x``.
        projections: ``L``, an int ``>= 1``.
        generator: a CPU ``torch.Generator`` for the directions, or None for torch's global one.

    Example:
        >>> x = torch.tensor([0.0, 1.0, 3.0])
        >>> sliced_wasserstein(x, x + 5.0)
        5.0
        >>> x = torch.tensor([[0.0, 0.0], [1.0, 2.0]])
        >>> sliced_wasserstein(x, x.flip(0), generator=torch.Generator().manual_seed(0))
        0.0

    Reference:
        Bonneel, Rabin, Peyré and Pfister, "Sliced and Radon Wasserstein barycenters of measures",
        *Journal of Mathematical Imaging and Vision* 51, 2015.
    """
    function = "sliced_wasserstein"
    if isinstance(projections, bool) or not isinstance(projections, int) or projections < 1:
        raise InvalidInputError(f"{function}(): projections must be an int >= 1, got {shown(projections)}")
    if generator is not None and (
        not isinstance(generator, torch.Generator) or generator.device.type != "cpu"
    ):
        raise InvalidInputError(
            f"{function}(): generator must be a CPU torch.Generator or None, got {shown(generator)}"
        )
    a, b = _samples(function, x, y)
    d = a.shape[1]
    if d == 1:
        gaps, lengths = _cdf_gaps(a.reshape(1, -1).sort(dim=1).values, b.reshape(1, -1).sort(dim=1).values)
        return float((gaps * lengths).sum().item())
    directions = _directions(projections, d, generator).to(a.device)
    per_batch = max(1, _PROJECTED_ELEMENTS // (a.shape[0] + b.shape[0]))
    distances = []
    for start in range(0, projections, per_batch):
        batch = directions[start : start + per_batch]
        projected_a = (a @ batch.T).T.contiguous().sort(dim=1).values
        projected_b = (b @ batch.T).T.contiguous().sort(dim=1).values
        gaps, lengths = _cdf_gaps(projected_a, projected_b)
        distances.append((gaps * lengths).sum(dim=1))
    return float(torch.cat(distances).mean().item())


def total_variation(p: Tensor, q: Tensor) -> float:
    r"""The total variation distance between two probability vectors.

    .. math::

        \mathrm{TV}(p, q) = \frac{1}{2} \sum_i |p_i - q_i|,

    between 0 (equal) and 1 (disjoint supports), for example between the histograms of a sampler's
    output and of reference samples on the same bins.

    Args:
        p: ``(k,)`` probabilities, ``k >= 1``: finite, non-negative, summing to 1 within ``1e-6``.
        q: ``(k,)`` probabilities likewise, on the device of ``p``.

    Example:
        >>> total_variation(torch.tensor([0.5, 0.5]), torch.tensor([1.0, 0.0]))
        0.5

    Reference:
        Levin and Peres, *Markov Chains and Mixing Times*, 2nd ed., AMS 2017 (proposition 4.2).
    """
    function = "total_variation"
    first = _values_1d(function, "p", p)
    second = _values_1d(function, "q", q)
    _same_device(function, "p and q", first, second)
    if first.shape != second.shape:
        raise InvalidInputError(
            f"{function}(): p and q must have the same length, got {first.shape[0]} and {second.shape[0]}"
        )
    vectors = []
    for name, tensor in (("p", first), ("q", second)):
        _finite(function, name, tensor)
        vector = tensor.detach().to(torch.float64)
        negative = int((vector < 0).sum().item())
        if negative:
            raise InvalidInputError(
                f"{function}(): {name} must be non-negative, got {negative} negative "
                f"(the smallest {shown(vector.min().item())})"
            )
        total = vector.sum().item()
        if not abs(total - 1.0) <= 1e-6:
            raise InvalidInputError(
                f"{function}(): {name} must sum to 1 (within 1e-6), got a sum of {shown(total)}"
            )
        vectors.append(vector)
    return float(0.5 * (vectors[0] - vectors[1]).abs().sum().item())
