"""The Gaussian-Bernoulli restricted Boltzmann machine, marginalized over its hidden units."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from ebmcore import BaseModel, InvalidParameterError, Minima, Modes, constraints

from ._gmm import isotropic_mixture_sample

__all__ = ["GRBM", "MAX_HIDDEN"]

MAX_HIDDEN = 16
"""The most hidden units a :class:`GRBM` takes: its ground truth enumerates the ``2^H`` hidden states."""

_MODE_SEARCH_MAX = 1 << 24  # elements of the largest tensor of the mode search (K d max(d, H))
_ROUND = 1e-7  # mode end points are grouped on a grid of this many sigma, then merged within 1e-6 sigma

_hidden = constraints.Constraint(
    lambda v: constraints.integer_interval(1, MAX_HIDDEN).check(v),
    f"an integer in [1, {MAX_HIDDEN}] (the ground truth enumerates all 2^hidden hidden states)",
)
_seed = constraints.integer_interval(0, 2**31 - 1)


def _free_energy(centered: Tensor, z: Tensor, variance: float) -> Tensor:
    """:math:`|v - b|^2 / 2\\sigma^2 - \\sum_j \\operatorname{softplus}(z_j)`, the softplus as
    ``logaddexp(z, 0)`` (exact in both tails, and its autograd derivative is the sigmoid)."""
    softplus = torch.logaddexp(z, torch.zeros((), dtype=z.dtype, device=z.device))
    return (centered * centered).sum(-1) / (2.0 * variance) - softplus.sum(-1)


def _first_members(group: Tensor) -> Tensor:
    """For labels ``0..G-1`` of ``group`` (each used), the index of the first element with each label."""
    n = len(group)
    start = torch.full((int(group.max()) + 1,), n, dtype=torch.int64)
    return start.scatter_reduce(0, group, torch.arange(n), reduce="amin")


class GRBM(BaseModel):
    r"""A Gaussian-Bernoulli RBM as an energy of its visible units alone: a mixture of :math:`2^H` Gaussians.

    Visible :math:`v \in \mathbb R^d`, hidden :math:`h \in \{0, 1\}^H`, the joint energy of
    Cho, Ilin and Raiko with one common :math:`\sigma`

    .. math::

        E(v, h) = \frac{\lVert v - b \rVert^2}{2\sigma^2} - c^\top h - \frac{v^\top W h}{\sigma^2},

    and the energy of :math:`v` is its free energy (the hidden units summed out in closed form):

    .. math::

        E(v) = -\log \sum_h e^{-E(v, h)}
        = \frac{\lVert v - b \rVert^2}{2\sigma^2}
        - \sum_{j=1}^{H} \operatorname{softplus}\Big(c_j + \frac{(W^\top v)_j}{\sigma^2}\Big),
        \qquad \nabla E = \frac{v - b - W s(v)}{\sigma^2},

    with :math:`s_j(v) = \operatorname{sigmoid}(c_j + (W^\top v)_j / \sigma^2) = p(h_j = 1 \mid v)`.
    Completing the square, :math:`e^{-E(v, h)} = e^{\ell_h}\, e^{-\lVert v - \mu_h\rVert^2 / 2\sigma^2}`
    with :math:`\mu_h = b + W h` and :math:`\ell_h = c^\top h + (\lVert \mu_h \rVert^2 - \lVert b
    \rVert^2) / 2\sigma^2`, so :math:`e^{-E}/Z` is the mixture of the :math:`2^H` Gaussians
    :math:`\mathcal N(\mu_h, \sigma^2 I)` with weights :math:`\pi_h \propto e^{\ell_h}` (the
    marginal :math:`p(h)`), and

    .. math::

        \log Z = \frac d2 \log(2\pi\sigma^2) + \log \sum_h e^{\ell_h} .

    Component :math:`k` is the hidden state with :math:`h_j = \lfloor k / 2^{j} \rfloor \bmod 2`
    (hidden unit :math:`j` is bit :math:`j` of :math:`k`). Ground truth, from enumerating the
    components (hence ``hidden`` :math:`\le` :data:`MAX_HIDDEN` = 16): ``log_partition()``,
    exact ``sample()`` (:math:`h \sim \pi`, then :math:`v \sim \mathcal N(\mu_h, \sigma^2 I)`),
    ``mean`` :math:`b + W\,\mathbb E[h]`, ``stddev`` (law of total variance), and ``modes``:
    hill climbing from every component mean by the mean-shift iteration
    :math:`v \leftarrow b + W s(v)` (the responsibility-weighted mean of the components, which
    never lowers the density; its cost is :math:`O(dH)` per point, not :math:`O(2^H d)`, because
    :math:`p(h \mid v)` factorizes), then Newton steps; end points within :math:`10^{-6}\sigma`
    are one mode, which carries the weights of the components that climb to it (components
    closer than about :math:`2\sigma` merge, as in ``gmm``). A mode that no component mean
    climbs to would be missed; with every listed mode, the masses sum to one. ``mode_index(x)``
    is the mode of the component most responsible for ``x``, :math:`h_j = [c_j + (W^\top x)_j /
    \sigma^2 > 0]`, found without enumerating. The masses are those of the components, not of
    the regions that ``mode_index`` assigns: where components overlap the two differ (at the
    default instance 0.817 against 0.796, measured on 10^6 exact samples), and the mode coverage
    of exact samples (:func:`ebmcore.evaluate`) shows that difference. ``minima`` is the
    deepest mode when one is deeper than the others. The mode search holds
    :math:`2^H d \max(d, H)` numbers; above :math:`2^{24}` of them ``modes`` and ``minima``
    are None and the rest stays exact.

    Parameters are given either explicitly (``W``, with ``b`` and ``c`` zero unless given), or
    drawn from ``seed`` when ``W`` is not given: :math:`W_{ij}`, :math:`b_i`, :math:`c_j`
    independent standard normal, drawn in that order as ``torch.randn(dim, hidden)``,
    ``torch.randn(dim)``, ``torch.randn(hidden)`` in float64 from
    ``torch.Generator().manual_seed(seed)`` (a given ``b`` or ``c`` replaces its draw).
    Other conventions map onto this one: Hinton's coupling :math:`v^\top W' h / \sigma` is
    :math:`W = \sigma W'`; :math:`p(x) \propto \sum_h \exp(\frac12 x^\top B h + b^\top x +
    c^\top h - \frac12 \lVert x \rVert^2)` (a form used for goodness-of-fit tests) is
    :math:`W = B/2`, :math:`\sigma = 1` with the same :math:`b, c`; hidden units in
    :math:`\{-1, 1\}` (:math:`s = 2h - 1`, energy :math:`\lVert v - b\rVert^2/2\sigma^2 -
    c^\top s - v^\top W s/\sigma^2`) are this model with :math:`2W`, :math:`b - W\mathbf 1`
    and :math:`2c` in place of :math:`W`, :math:`b`, :math:`c` (up to a constant energy).

    Args:
        W: the ``(dim, hidden)`` weights, a nested list or tensor (at most 16 columns).
        b: the ``dim`` visible biases (the centre of the visible units).
        c: the ``hidden`` hidden biases.
        sigma: the common standard deviation :math:`\sigma` of the visible units.
        dim: the number of visible units (default 2 when ``W`` is not given).
        hidden: the number of hidden units :math:`H \le 16` (default 4 when ``W`` is not given).
        seed: the seed of the random RBM (default 0); only when ``W`` is not given.

    References:
        K. Cho, A. Ilin and T. Raiko, "Improved learning of Gaussian-Bernoulli restricted
        Boltzmann machines", ICANN 2011 (the energy, with one common sigma here).
        G. E. Hinton and R. R. Salakhutdinov, "Reducing the dimensionality of data with neural
        networks", *Science* 313, 504-507 (2006). Q. Liu, J. Lee and M. Jordan, "A kernelized
        Stein discrepancy for goodness-of-fit tests", ICML 2016 (a GRBM as a test target).

    Example:
        >>> import torch, ebmcore
        >>> rbm = ebmcore.create("grbm", W=[[3.0], [0.0]], b=[-1.5, 0.0], c=[0.0])
        >>> rbm.component_means  # h = 0 and h = 1
        tensor([[-1.5000,  0.0000],
                [ 1.5000,  0.0000]], dtype=torch.float64)
        >>> rbm.weights  # pi_h: l_1 = (|(1.5, 0)|^2 - |(-1.5, 0)|^2) / 2 = 0, so equal
        tensor([0.5000, 0.5000], dtype=torch.float64)
        >>> round(rbm.log_partition(), 6)  # log(2 pi) + log 2
        2.531024
        >>> rbm.mode_index(torch.tensor([[-1.2, 0.3], [0.8, -0.1]]))
        tensor([0, 1])
    """

    arg_constraints = {
        "W": constraints.optional(constraints.real_matrix),
        "b": constraints.optional(constraints.real_vector),
        "c": constraints.optional(constraints.real_vector),
        "sigma": constraints.positive,
        "dim": constraints.optional(constraints.positive_integer),
        "hidden": constraints.optional(_hidden),
        "seed": constraints.optional(_seed),
    }

    W: Tensor
    b: Tensor
    c: Tensor

    def __init__(
        self,
        W: Any = None,
        b: Any = None,
        c: Any = None,
        sigma: float = 1.0,
        dim: int | None = None,
        hidden: int | None = None,
        seed: int | None = None,
    ) -> None:
        args = self.check_args(W=W, b=b, c=c, sigma=sigma, dim=dim, hidden=hidden, seed=seed)
        rows: list[list[float]] | None = args["W"]
        if rows is not None and len(rows[0]) > MAX_HIDDEN:
            allowed = (
                f"a (dim, hidden) matrix with hidden <= {MAX_HIDDEN} columns (the ground truth "
                f"enumerates all 2^hidden hidden states); it has {len(rows[0])} columns"
            )
            raise InvalidParameterError("W", W, allowed, energy="GRBM")
        if rows is not None and seed is not None:
            raise InvalidParameterError(
                "seed", seed, "None when W is given (seed draws W, b and c)", energy="GRBM"
            )
        d = constraints.common_size(
            {
                "dim": dim,
                "W": None if rows is None else len(rows),
                "b": None if b is None else len(args["b"]),
            },
            value=dim,
            allowed="the number of visible units: the rows of W and the length of b",
            energy="GRBM",
        )
        h = constraints.common_size(
            {
                "hidden": hidden,
                "W": None if rows is None else len(rows[0]),
                "c": None if c is None else len(args["c"]),
            },
            value=hidden,
            allowed="the number of hidden units: the columns of W and the length of c",
            energy="GRBM",
            parameter="hidden",
        )
        if h is not None and h > MAX_HIDDEN:  # a c longer than MAX_HIDDEN
            allowed = f"a list of at most {MAX_HIDDEN} hidden biases (one per hidden unit); it has {h}"
            raise InvalidParameterError("c", c, allowed, energy="GRBM")
        if rows is None:
            d = 2 if d is None else d
            h = 4 if h is None else h
            seed = 0 if seed is None else seed
            generator = torch.Generator().manual_seed(seed)
            weights = torch.randn(d, h, generator=generator, dtype=torch.float64)
            visible = torch.randn(d, generator=generator, dtype=torch.float64)
            hidden_bias = torch.randn(h, generator=generator, dtype=torch.float64)
        else:
            assert d is not None and h is not None  # fixed by W
            weights = torch.tensor(rows, dtype=torch.float64)
            visible = torch.zeros(d, dtype=torch.float64)
            hidden_bias = torch.zeros(h, dtype=torch.float64)
        if b is not None:
            visible = torch.tensor(args["b"], dtype=torch.float64)
        if c is not None:
            hidden_bias = torch.tensor(args["c"], dtype=torch.float64)
        super().__init__(d, W=W, b=b, c=c, sigma=sigma, dim=d, hidden=h, seed=seed)
        self.hidden = int(h)
        self.sigma = float(sigma)
        self.variance = self.sigma * self.sigma
        self.register_buffer("W", weights)
        self.register_buffer("b", visible)
        self.register_buffer("c", hidden_bias)
        self._mode_cache: tuple[Tensor, Tensor, Tensor] | None = None

    # -- energy and gradient -------------------------------------------------------------------

    def _activations(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """``v - b``, the hidden pre-activations ``c + W^T v / sigma^2`` and ``W``, in ``x``'s dtype."""
        w = self.W.to(x.dtype)
        return x - self.b.to(x.dtype), torch.matmul(x, w) / self.variance + self.c.to(x.dtype), w

    def forward(self, x: Tensor) -> Tensor:
        centered, z = self._activations(x)[:2]
        return _free_energy(centered, z, self.variance)

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        centered, z, w = self._activations(x)
        energy = _free_energy(centered, z, self.variance)
        gradient = (centered - torch.matmul(torch.sigmoid(z), w.T)) / self.variance
        return energy, gradient

    def analytic_gradient(self, x: Tensor) -> Tensor:
        return self.analytic_energy_and_gradient(x)[1]

    # -- the mixture ------------------------------------------------------------------------------

    @property
    def hidden_states(self) -> Tensor:
        """The ``(2^H, H)`` float64 hidden states; row ``k`` holds the bits of ``k``, unit ``j`` bit ``j``."""
        k = torch.arange(1 << self.hidden)
        return ((k[:, None] >> torch.arange(self.hidden)) & 1).to(torch.float64)

    def _parameters64(self) -> tuple[Tensor, Tensor, Tensor]:
        return (
            self.W.detach().cpu().double(),
            self.b.detach().cpu().double(),
            self.c.detach().cpu().double(),
        )

    @property
    def component_means(self) -> Tensor:
        r"""The ``(2^H, d)`` means :math:`\mu_h = b + W h`, float64 on the CPU."""
        w, b, _ = self._parameters64()
        return b + self.hidden_states @ w.T

    @property
    def log_weights(self) -> Tensor:
        r""":math:`\ell_h = c^\top h + (b^\top W h)/\sigma^2 + \lVert W h\rVert^2 / 2\sigma^2`
        (unnormalized, ``(2^H,)`` float64), written without the cancellation of
        :math:`\lVert b + Wh\rVert^2 - \lVert b\rVert^2`."""
        w, b, c = self._parameters64()
        states = self.hidden_states
        shift = states @ w.T  # W h
        return states @ c + (shift @ b) / self.variance + (shift * shift).sum(-1) / (2.0 * self.variance)

    @property
    def weights(self) -> Tensor:
        r"""The component weights :math:`\pi_h = p(h)`, ``(2^H,)`` float64 summing to one."""
        return torch.softmax(self.log_weights, 0)

    def log_partition(self) -> float:
        return 0.5 * self.dim * math.log(2.0 * math.pi * self.variance) + float(
            torch.logsumexp(self.log_weights, 0)
        )

    @property
    def mean(self) -> Tensor:
        r""":math:`\sum_h \pi_h \mu_h = b + W\, \mathbb E[h]`."""
        return self.weights @ self.component_means

    @property
    def stddev(self) -> Tensor:
        r""":math:`\sqrt{\sigma^2 + \sum_h \pi_h (\mu_h - \bar\mu)^2}` per coordinate."""
        centered = self.component_means - self.mean
        return (self.variance + self.weights @ (centered * centered)).sqrt()

    @property
    def bounds(self) -> Tensor:
        r"""The box of the means of the components of weight at least :math:`10^{-12}`, widened by
        :math:`5\sigma` (outside: at most :math:`2^H 10^{-12}` plus the Gaussian tails beyond
        :math:`5\sigma`, :math:`6 \cdot 10^{-7}` per coordinate)."""
        weights = self.weights
        means = self.component_means[weights >= 1e-12 * float(weights.max())]
        return torch.stack([means.amin(0) - 5.0 * self.sigma, means.amax(0) + 5.0 * self.sigma])

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Exact: a hidden state by its weight (inverse CDF), then its Gaussian."""
        out = isotropic_mixture_sample(self.weights, self.component_means, self.sigma, n, generator)
        return out.to(device=self.W.device, dtype=self.W.dtype)

    # -- modes --------------------------------------------------------------------------------------

    def _mode_search_fits(self) -> bool:
        return (1 << self.hidden) * self.dim * max(self.dim, self.hidden) <= _MODE_SEARCH_MAX

    def _find_modes(self) -> tuple[Tensor, Tensor, Tensor]:
        """Mode points, masses, and the mode of each component: hill climbing from every mean."""
        if self._mode_cache is not None:
            return self._mode_cache
        w, b, c = self._parameters64()
        var = self.variance
        means = self.component_means
        x = means.clone()
        scale = 1.0 + float(means.abs().max())
        for _ in range(5000):  # mean shift: x <- sum_h p(h | x) mu_h = b + W E[h | x]
            moved = b + torch.sigmoid(c + x @ w / var) @ w.T
            step = float((moved - x).abs().max())
            x = moved
            if step <= 1e-13 * scale:
                break
        eye = torch.eye(self.dim, dtype=torch.float64)
        for _ in range(
            10
        ):  # Newton on grad log p = (b + W s - x) / var, Hessian (W diag(s(1-s)) W^T / var - I) / var
            s = torch.sigmoid(c + x @ w / var)
            hessian = (torch.einsum("ij,kj,lj->kil", w, s * (1 - s), w) / var - eye) / var
            _, not_concave = torch.linalg.cholesky_ex(-hessian)  # step only where log p is concave
            step, _ = torch.linalg.solve_ex(hessian, ((b + s @ w.T - x) / var).unsqueeze(-1))
            ok = (not_concave == 0)[:, None] & torch.isfinite(step.squeeze(-1))
            x = x - torch.where(ok, step.squeeze(-1), torch.zeros_like(x))
        # group the end points on a fine grid, then merge groups that straddle a grid line
        _, group = torch.unique(torch.round(x / (_ROUND * self.sigma)), dim=0, return_inverse=True)
        first = _first_members(group)
        if len(first) ** 2 * self.dim <= _MODE_SEARCH_MAX:
            representatives = x[first]
            close = torch.cdist(representatives, representatives) <= 1e-6 * self.sigma
            merged = close.to(torch.int64).argmax(-1)  # the first representative within reach
            group = merged[group]
        # modes in the order of the first component that climbs to each
        _, group = torch.unique(group, return_inverse=True)
        first = _first_members(group)
        order = torch.argsort(first)
        rank = torch.empty_like(order)
        rank[order] = torch.arange(len(order))
        component_mode = rank[group]
        points = x[first[order]]
        masses = torch.zeros(len(order), dtype=torch.float64).index_add_(0, component_mode, self.weights)
        self._mode_cache = (points, masses, component_mode)
        return self._mode_cache

    @property
    def modes(self) -> Modes | None:
        """The local maxima reached from the component means, each with the total weight of the
        components that climb to it (None where the search would hold more than :math:`2^{24}`
        numbers). The masses are component weights, not the mass of each basin of attraction
        (they agree when the components are well separated)."""
        if not self._mode_search_fits():
            return None
        points, masses, _ = self._find_modes()
        return Modes(points.clone(), masses.clone())

    def mode_index(self, x: Tensor) -> Tensor:
        r"""The index in :attr:`modes` of the mode of the component most responsible for each sample.

        The most responsible hidden state is :math:`h_j = [c_j + (W^\top x)_j / \sigma^2 > 0]`
        (the posterior :math:`p(h \mid x)` factorizes). Returns ``(*batch,)`` int64. Raises
        NotImplementedError where :attr:`modes` is None.
        """
        self.check_input(x)
        if not self._mode_search_fits():
            raise NotImplementedError("modes are not searched for this GRBM (see GRBM); no mode index")
        component_mode = self._find_modes()[2].to(x.device)
        bits = (self._activations(x)[1] > 0).to(torch.int64)
        powers = torch.ones(self.hidden, dtype=torch.int64, device=x.device) << torch.arange(
            self.hidden, device=x.device
        )
        return component_mode[(bits * powers).sum(-1)]

    @property
    def minima(self) -> Minima | None:
        """The deepest mode, when it is deeper than every other by more than ``1e-9`` (else None)."""
        if not self._mode_search_fits():
            return None
        points = self._find_modes()[0]
        w, b, c = self._parameters64()
        energies = _free_energy(points - b, points @ w / self.variance + c, self.variance)
        order = torch.argsort(energies)
        best = float(energies[order[0]])
        if len(order) > 1 and float(energies[order[1]]) - best <= 1e-9 * (1.0 + abs(best)):
            return None
        return Minima(points[order[0]].reshape(1, -1), best)
