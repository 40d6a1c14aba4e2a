r"""Chains of curved valleys: the ground truth of Rosenbrock's and Dixon-Price's densities.

Both energies are sums of terms that couple a coordinate to the next through a parabola, so
their densities are Markov chains of :math:`m` variables,

.. math::

    e^{-E} \propto \prod_{j < m} e^{-\psi(v_j)}\, K_j(v_j, v_{j+1}) \cdot \beta_m(v_m), \qquad
    K_j(v, z) = e^{-(z - g v^2)^2 / (2 \sigma_j^2)},

after the Gaussian end of the chain is integrated in closed form (``last``, the log of
:math:`\beta_m`). With :math:`\beta_j(v) = e^{-\psi(v)} \int K_j(v, z)\, \beta_{j+1}(z)\, dz`,
:math:`Z = \int \beta_1`. Every integral is the trapezoid rule on one uniform grid, the kernel
summed over the 12 standard deviations around :math:`g v^2` (it is below :math:`e^{-144}`
beyond); the rule converges geometrically (the kernel is a Gaussian, :math:`\beta` smooth).
Draws go forward: :math:`v_1` by the inverse CDF of :math:`\beta_1`, each next :math:`v_{j+1}`
by the inverse CDF of :math:`K_j(v_j, z)\, \beta_{j+1}(z)` at the drawn :math:`v_j`, both on a
grid four times finer (every node of it, or as many as give 16 per standard deviation of a
wider kernel).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from ebmcore.plugin import GridLaw, inverse_cdf

__all__ = ["ValleyChain"]

_REACH = 12.0
"""The kernel is summed over ``|z - g v^2| <= 12 sigma``: beyond, it is below ``e^-144``."""
_ROWS = 1024
"""Draws whose next coordinate is tabulated at once."""
_PER_SIGMA = 16
"""Draws tabulate each conditional law with at least 16 nodes per standard deviation of its
kernel (every node of the fine grid, or every k-th where the kernel is wider)."""

Curve = Callable[[np.ndarray], np.ndarray]


def _weights(nodes: np.ndarray) -> np.ndarray:
    """Trapezoid weights of uniform ``nodes``."""
    step = float(nodes[-1] - nodes[0]) / (len(nodes) - 1)
    w = np.full(len(nodes), step)
    w[[0, -1]] *= 0.5
    return w


def _log_sum(values: np.ndarray) -> np.ndarray:
    """``log(sum(exp(values), -1))`` (``-inf`` for rows that are all ``-inf``)."""
    return torch.logsumexp(torch.from_numpy(values), -1).numpy()


@dataclass(frozen=True, eq=False)
class ValleyChain:
    r"""The chain's tables (see the module docstring).

    ``nodes`` is the uniform grid of every variable, ``sigmas[j]`` the kernel's standard
    deviation between :math:`v_{j+1}` and :math:`v_{j+2}` and ``scale`` :math:`g`; ``own`` is
    :math:`\psi` (None for 0) and ``last`` :math:`\log \beta_m`. ``log_beta[j]`` is
    :math:`\log \beta_{j+1}` on ``nodes`` and ``log_mass`` :math:`\log Z`; built on first use,
    ``fine_beta[j]`` is the same on ``fine``, a grid four times finer (for draws), and
    ``marginals[j]`` the normalized law of :math:`v_{j+1}` on ``nodes`` (trapezoid weights
    included).
    """

    nodes: np.ndarray
    sigmas: tuple[float, ...]
    scale: float
    own: Curve | None
    last: Curve
    log_beta: list[np.ndarray]
    log_mass: float

    @classmethod
    def build(
        cls, nodes: np.ndarray, sigmas: tuple[float, ...], scale: float, own: Curve | None, last: Curve
    ) -> ValleyChain:
        log_beta = [last(nodes)]  # beta_m, then back to beta_1
        log_w = np.log(_weights(nodes))
        for band in _bands(nodes, nodes, tuple(reversed(sigmas)), scale):
            log_beta.append(_next_beta(nodes, log_w, log_beta[-1], band, own))
        log_beta.reverse()
        log_mass = float(_log_sum(log_beta[0] + log_w))
        return cls(nodes, sigmas, scale, own, last, log_beta, log_mass)

    @functools.cached_property
    def fine(self) -> np.ndarray:
        return np.linspace(self.nodes[0], self.nodes[-1], 4 * (len(self.nodes) - 1) + 1)

    @functools.cached_property
    def fine_beta(self) -> list[np.ndarray]:
        # beta_m in closed form; each earlier one by the coarse grid's rule at the fine nodes
        log_w = np.log(_weights(self.nodes))
        bands = _bands(self.fine, self.nodes, self.sigmas, self.scale)
        earlier = [
            _next_beta(self.fine, log_w, log_beta, band, self.own)
            for log_beta, band in zip(self.log_beta[1:], bands, strict=True)
        ]
        return [*earlier, self.last(self.fine)]

    @functools.cached_property
    def first(self) -> GridLaw:
        """The law of :math:`v_1` on the fine grid."""
        return GridLaw.tabulated(self.fine, -self.fine_beta[0])

    @functools.cached_property
    def marginals(self) -> list[np.ndarray]:
        # forward, in logs: alpha_1 = 1, alpha_{j+1}(z) = sum_i w_i alpha_j(v_i) e^{-psi(v_i)} K_j(v_i, z)
        nodes = self.nodes
        log_w = np.log(_weights(nodes))
        own = np.zeros_like(nodes) if self.own is None else self.own(nodes)
        bands = _bands(nodes, nodes, self.sigmas, self.scale)
        out, log_alpha = [], np.zeros_like(nodes)
        for log_beta in self.log_beta:
            log_p = log_alpha + log_beta + log_w
            out.append(np.exp(log_p - _log_sum(log_p)))
            band = next(bands, None)  # none after the last variable
            if band is not None:
                index, log_kernel = band
                log_source = (log_w + log_alpha - own)[:, None] + log_kernel
                inside = index >= 0
                top = log_source[inside].max()
                total = np.bincount(index[inside], np.exp(log_source[inside] - top), minlength=len(nodes))
                with np.errstate(divide="ignore"):
                    log_alpha = np.log(total) + top
        return out

    @functools.cached_property
    def contained(self) -> bool:
        """Whether every variable's law lies inside the grid: less than ``1e-20`` of its mass on
        the outer 64th of the grid on either side (else the box missed mass, and nothing the
        chain says can be trusted)."""
        rim = max(len(self.nodes) // 64, 1)
        return all(bool(p[:rim].sum() < 1e-20 and p[-rim:].sum() < 1e-20) for p in self.marginals)

    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        """The mean and standard deviation of every variable, from its marginal."""
        x = self.nodes
        means = np.array([p @ x for p in self.marginals])
        spreads = np.sqrt([p @ (x - m) ** 2 for p, m in zip(self.marginals, means, strict=True)])
        return means, spreads

    def sample(self, n: int, generator: torch.Generator | None) -> Tensor:
        """``(n, m)`` float64 exact draws of the chain (see the module docstring)."""
        fine = self.fine
        out = torch.empty(n, len(self.log_beta), dtype=torch.float64)
        out[:, 0] = self.first.sample(n, generator)
        fine_step = float(fine[1] - fine[0])
        for j, sigma in enumerate(self.sigmas):
            u = torch.rand(n, 1, generator=generator, dtype=torch.float64)
            previous = out[:, j].numpy()
            stride = max(1, int(sigma / (_PER_SIGMA * fine_step)))  # a wide kernel: fewer nodes
            for start in range(0, n, _ROWS):
                index, log_kernel = _band(previous[start : start + _ROWS], fine, sigma, self.scale, stride)
                log_p = np.where(
                    index >= 0, log_kernel + self.fine_beta[j + 1][np.maximum(index, 0)], -np.inf
                )
                density = np.exp(log_p - log_p.max(-1, keepdims=True))
                band = fine[np.clip(index, 0, len(fine) - 1)]  # off the grid: repeated ends, empty cells
                out[start : start + _ROWS, j + 1] = inverse_cdf(band, density, u[start : start + _ROWS])[:, 0]
        return out


def _band(
    rows: np.ndarray, nodes: np.ndarray, sigma: float, scale: float, stride: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """For each ``v`` in ``rows``, the indices of every ``stride``-th node of ``nodes`` with
    ``|z - g v^2| <= 12 sigma`` (-1 outside the grid) and the kernel's log
    ``-(z - g v^2)^2 / (2 sigma^2)`` there."""
    step = float(nodes[1] - nodes[0])
    half = min(math.ceil(_REACH * sigma / (stride * step)), len(nodes))
    centre = scale * rows * rows
    first = np.rint((centre - nodes[0]) / step).astype(np.int64) - stride * half
    index = first[:, None] + stride * np.arange(2 * half + 1)
    inside = (index >= 0) & (index < len(nodes))
    offset = nodes[np.clip(index, 0, len(nodes) - 1)] - centre[:, None]
    return np.where(inside, index, -1), np.where(inside, -0.5 * (offset / sigma) ** 2, -np.inf)


Band = tuple[np.ndarray, np.ndarray]


def _bands(rows: np.ndarray, nodes: np.ndarray, sigmas: tuple[float, ...], scale: float) -> Iterator[Band]:
    """The kernel's band for each of ``sigmas`` in turn, formed once for a run of equal ``sigma``
    (Rosenbrock's kernel is the same at every step)."""
    band: Band | None = None
    for j, sigma in enumerate(sigmas):
        if band is None or sigma != sigmas[j - 1]:
            band = _band(rows, nodes, sigma, scale)
        yield band


def _next_beta(
    rows: np.ndarray, log_w: np.ndarray, log_beta: np.ndarray, band: Band, own: Curve | None
) -> np.ndarray:
    r""":math:`\log \beta_j(v) = -\psi(v) + \log \int K_j(v, z)\, \beta_{j+1}(z)\, dz` at ``rows``,
    the integral by the trapezoid rule (log weights ``log_w``) over the kernel's ``band``."""
    index, log_kernel = band
    safe = np.maximum(index, 0)
    integral = _log_sum(np.where(index >= 0, log_kernel + log_w[safe] + log_beta[safe], -np.inf))
    return integral if own is None else integral - own(rows)
