r"""Symmetry helpers for particle systems: centre of mass and alignment up to symmetry.

A configuration of ``n`` particles in ``d`` dimensions is a flat vector of ``n * d``
coordinates, particle by particle (``x.reshape(*batch, n, d)`` gives the positions). Pair
energies such as Lennard-Jones are invariant under the group :math:`E(d) \times S_n`:
translations, rotations, reflections and permutations of the particles. :func:`remove_mean`
projects out translations; :func:`align` finds the element of the group that brings one
configuration closest to another.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import torch
from torch import Tensor

from ebmcore import InvalidInputError, InvalidParameterError

__all__ = ["align", "remove_mean"]

_CHUNK = 512  # candidate rotations scored at once (memory: _CHUNK * n * n floats)
_REFINED = 8  # candidates refined by alternating assignment and Kabsch
_MAX_ROUNDS = 50  # assignment/rotation rounds per candidate (each one never increases the RMSD)


def _spatial_dim(x: Tensor, n_particles: int, spatial_dim: int | None, what: str = "x") -> int:
    """Check the flat layout of ``x`` and return the spatial dimension."""
    if not isinstance(n_particles, int) or isinstance(n_particles, bool) or n_particles < 1:
        raise InvalidParameterError("n_particles", n_particles, "an integer >= 1")
    if spatial_dim is not None and (
        not isinstance(spatial_dim, int) or isinstance(spatial_dim, bool) or spatial_dim < 1
    ):
        raise InvalidParameterError("spatial_dim", spatial_dim, "None or an integer >= 1")
    if not isinstance(x, Tensor) or not x.is_floating_point() or x.dim() < 1:
        raise InvalidInputError(
            f"{what} must be a floating-point tensor of shape (*batch, n_particles * spatial_dim)"
        )
    size = x.shape[-1]
    dim = size // n_particles if spatial_dim is None else spatial_dim
    if dim < 1 or dim * n_particles != size:
        expected = "a multiple of n_particles" if spatial_dim is None else str(n_particles * spatial_dim)
        raise InvalidInputError(
            f"{what} has last dimension {size}, expected {expected} (n_particles={n_particles}, "
            f"spatial_dim={spatial_dim}): configurations are flat vectors, particle by particle"
        )
    return dim


def remove_mean(x: Tensor, n_particles: int, spatial_dim: int | None = None) -> Tensor:
    r"""Subtract the centre of mass (equal masses) from every particle.

    .. math::

        x_i \mapsto x_i - \bar x, \qquad \bar x = \frac{1}{n} \sum_{j=1}^{n} x_j .

    This is the orthogonal projection onto the :math:`(n - 1) d`-dimensional subspace of zero
    centre of mass, where translation-invariant energies such as :class:`DW4` and
    :class:`LennardJones` have a normalizable Boltzmann density. Differentiable; ``x`` is not
    modified.

    Args:
        x: configurations ``(*batch, n_particles * spatial_dim)``.
        n_particles: number of particles :math:`n`.
        spatial_dim: dimension :math:`d` of space (default: the last dimension of ``x``
            divided by ``n_particles``).

    Returns:
        A tensor of the shape of ``x`` whose particles average to zero.

    Example:
        >>> import torch
        >>> remove_mean(torch.tensor([0.0, 0.0, 2.0, 4.0]), n_particles=2)
        tensor([-1., -2.,  1.,  2.])
    """
    dim = _spatial_dim(x, n_particles, spatial_dim)
    p = x.reshape(*x.shape[:-1], n_particles, dim)
    return (p - p.mean(-2, keepdim=True)).reshape(x.shape)


def _kabsch(x: Tensor, y: Tensor, reflection: bool) -> Tensor:
    """Orthogonal ``R`` (``(..., d, d)``) minimizing ``sum_i |x_i - R y_i|^2`` for centred ``(..., n, d)``.

    With ``H = sum_i y_i x_i^T = U S V^T`` the optimum over O(d) is ``R = V U^T``; over SO(d)
    the last singular direction is flipped where ``det(V U^T) = -1`` (Kabsch, 1976).
    """
    h = y.transpose(-1, -2) @ x
    u, _, vh = torch.linalg.svd(h)
    rotation = vh.transpose(-1, -2) @ u.transpose(-1, -2)
    if reflection:
        return rotation
    signs = torch.ones(*rotation.shape[:-1], dtype=x.dtype, device=x.device)
    signs[..., -1] = torch.linalg.det(rotation).sign()
    return vh.transpose(-1, -2) @ (signs[..., :, None] * u.transpose(-1, -2))


def _assignment(cost: np.ndarray) -> np.ndarray:
    """Exact minimum-cost assignment of a square matrix: ``perm[i]`` is the column of row ``i``.

    Shortest augmenting paths with dual potentials (the O(n^3) Hungarian method of Kuhn and
    Munkres in the form of Jonker and Volgenant): rows enter one at a time, each along a
    shortest path in reduced costs, so the result is optimal for any finite costs.
    """
    n = cost.shape[0]
    padded = np.zeros((n + 1, n + 1))
    padded[1:, 1:] = cost
    u = np.zeros(n + 1)  # row potentials (index 0 unused)
    v = np.zeros(n + 1)  # column potentials (column 0 is the virtual start)
    match = np.zeros(n + 1, dtype=np.intp)  # match[j]: row (1-based) assigned to column j, 0 if none
    way = np.zeros(n + 1, dtype=np.intp)
    for row in range(1, n + 1):
        match[0] = row
        j0 = 0
        minv = np.full(n + 1, np.inf)
        used = np.zeros(n + 1, dtype=bool)
        while True:
            used[j0] = True
            i0 = match[j0]
            free = ~used
            reduced = padded[i0] - u[i0] - v
            better = free & (reduced < minv)
            minv[better] = reduced[better]
            way[better] = j0
            masked = np.where(free, minv, np.inf)
            j1 = int(np.argmin(masked))
            delta = masked[j1]
            u[match[used]] += delta
            v[used] -= delta
            minv[free] -= delta
            j0 = j1
            if match[j0] == 0:
                break
        while j0:  # augment along the path
            j1 = way[j0]
            match[j0] = match[j1]
            j0 = j1
    perm = np.empty(n, dtype=np.intp)
    perm[match[1:] - 1] = np.arange(n)
    return perm


def _squared_distances(x: Tensor, y: Tensor) -> Tensor:
    """``|x_i - y_j|^2`` for ``x`` and ``y`` ``(n, d)``, from differences (no cancellation)."""
    return (x[:, None, :] - y[None, :, :]).square().sum(-1)


def _anchors(x: Tensor) -> list[int]:
    """Up to ``d - 1`` particles of centred ``x`` that span its shape: greedy, farthest first."""
    residual = x
    scale = float(x.norm(dim=-1).max())
    chosen: list[int] = []
    for _ in range(x.shape[-1] - 1):
        norms = residual.norm(dim=-1)
        k = int(norms.argmax())
        if not float(norms[k]) > 1e-9 * scale:
            break
        chosen.append(k)
        direction = residual[k] / norms[k]
        residual = residual - (residual @ direction)[:, None] * direction
    return chosen


def _candidate_rotations(x: Tensor, y: Tensor, reflection: bool) -> Tensor:
    """Orthogonal matrices that map each ordered tuple of particles of ``y`` onto the anchors of ``x``.

    The anchors are ``k <= d - 1`` particles spanning ``x``; a tuple of ``k`` particles of ``y``
    fixes a rotation (and, with reflections, its mirror image) by Kabsch on those points and
    the centre. If ``y`` is an exact symmetric copy of ``x``, the tuple of the images of the
    anchors gives the exact rotation, so one candidate is exact.
    """
    n, dim = x.shape
    eye = torch.eye(dim, dtype=x.dtype)
    mirror = eye.clone()
    mirror[-1, -1] = -1.0
    anchors = _anchors(x)
    if not anchors:
        return torch.stack([eye, mirror]) if reflection else eye[None]
    tuples = torch.tensor(list(itertools.permutations(range(n), len(anchors))), dtype=torch.long)
    h = torch.einsum("tad,ae->tde", y[tuples], x[anchors])
    u, _, vh = torch.linalg.svd(h)
    signs = torch.ones(len(tuples), dim, dtype=x.dtype)
    signs[:, -1] = torch.linalg.det(vh.mT @ u.mT).sign()
    proper = vh.mT @ (signs[:, :, None] * u.mT)
    if not reflection:
        return proper
    signs[:, -1] = -signs[:, -1]
    return torch.cat([proper, vh.mT @ (signs[:, :, None] * u.mT)])


def _align_pair(x: Tensor, y: Tensor, reflection: bool) -> tuple[Tensor, Tensor]:
    """Permutation and orthogonal matrix bringing centred ``y`` closest to centred ``x`` (float64 CPU)."""
    candidates = _candidate_rotations(x, y, reflection)
    bounds = []
    norms = x.square().sum(-1)[:, None] + y.square().sum(-1)[None, :]  # rotations keep |y_j|
    for chunk in candidates.split(_CHUNK):
        # |x_i - R y_j|^2 from inner products: rounding only blurs the ranking of candidates
        cost = (norms - 2.0 * x @ (y @ chunk.mT).mT).clamp_min(0.0)  # (k, n, n)
        # a lower bound on the assignment cost at that rotation: every particle to its nearest
        bounds.append(torch.maximum(cost.amin(-1).sum(-1), cost.amin(-2).sum(-1)))
    order = torch.argsort(torch.cat(bounds))[:_REFINED]
    best = (math.inf, torch.arange(len(x)), candidates[0])
    for index in order.tolist():
        rotation = candidates[index]
        perm: np.ndarray | None = None
        for _ in range(_MAX_ROUNDS):
            new = _assignment(_squared_distances(x, y @ rotation.T).numpy())
            if perm is not None and np.array_equal(new, perm):
                break
            perm = new
            rotation = _kabsch(x, y[torch.from_numpy(perm)], reflection)
        assert perm is not None
        order_t = torch.from_numpy(perm)
        value = float((x - y[order_t] @ rotation.T).square().sum())
        if value < best[0]:
            best = (value, order_t, rotation)
    return best[1], best[2]


def align(
    x: Tensor,
    y: Tensor,
    n_particles: int,
    spatial_dim: int | None = None,
    *,
    permutation: bool = True,
    reflection: bool = True,
) -> tuple[Tensor, Tensor]:
    r"""Bring configurations ``y`` as close as possible to ``x`` by the symmetries of pair energies.

    Finds a translation, an orthogonal map :math:`R` and (optionally) a permutation
    :math:`\pi` of the particles minimizing

    .. math::

        \mathrm{RMSD}(x, y) = \min_{t, R, \pi}
        \Big(\frac{1}{n} \sum_{i=1}^{n} \big| x_i - R\, y_{\pi(i)} - t \big|^2\Big)^{1/2}.

    * Translation: both centres of mass are removed (optimal for any :math:`R, \pi`).
    * Rotation: Kabsch's SVD solution, exact for a fixed matching. ``reflection=True``
      (default) searches the whole orthogonal group :math:`O(d)`, the symmetry group of
      :class:`DW4` and :class:`LennardJones`; ``reflection=False`` only proper rotations
      (chirality preserved).
    * Permutation: the joint problem over rotations and permutations is not convex, so it is
      solved by search. Candidate rotations come from mapping ``d - 1`` anchor particles of
      ``x`` (chosen to span it) onto every ordered tuple of particles of ``y``; each is scored
      by a lower bound (every particle to its nearest partner), and the best few are refined
      by alternating an exact assignment (Hungarian method, written here in NumPy: no SciPy
      needed) with Kabsch until the matching stops changing. If ``y`` is an exact symmetric
      copy of ``x`` one candidate is exact, so the RMSD found is 0 up to rounding, for
      configurations as symmetric as the icosahedral LJ13 minimum too. Otherwise the result
      is the best local optimum found: an upper bound on the true minimum, usually equal to
      it. The cost grows like :math:`n^{d+1}` per pair and the pairs of a batch are aligned one
      after the other.

    A cheap necessary condition for two configurations to be symmetric copies is equality of
    their sorted pair distances (``model.pair_distances(x).sort(-1).values``); it is invariant
    under the whole group but blind to the (rare) homometric pairs.

    Args:
        x: reference configurations ``(*batch, n_particles * spatial_dim)``.
        y: configurations to align, broadcastable against ``x``.
        n_particles: number of particles :math:`n`.
        spatial_dim: dimension :math:`d` of space (default: inferred from the last dimension).
        permutation: also search over relabellings of the particles of ``y``.
        reflection: allow improper orthogonal maps (mirror images).

    Returns:
        ``(aligned, rmsd)``: ``y`` mapped onto ``x`` (particles in the order matching ``x``,
        placed on the centre of mass of ``x``; shape of the broadcast inputs) and the RMSD per
        configuration (``*batch``). Not differentiable. NaN inputs give NaN outputs.

    Example:
        >>> import torch
        >>> x = torch.tensor([0.0, 0.0, 1.0, 0.0, 0.0, 2.0])  # three particles in the plane
        >>> y = torch.tensor([5.0, 7.0, 3.0, 7.0, 5.0, 8.0])  # relabelled, rotated, moved
        >>> aligned, rmsd = align(x, y, n_particles=3)
        >>> aligned.round(decimals=6).abs(), rmsd.item() < 1e-6
        (tensor([0., 0., 1., 0., 0., 2.]), True)
    """
    dim = _spatial_dim(x, n_particles, spatial_dim, "x")
    _spatial_dim(y, n_particles, dim, "y")
    try:
        x_b, y_b = torch.broadcast_tensors(x.detach(), y.detach())
    except RuntimeError as exc:
        raise InvalidInputError(f"x {tuple(x.shape)} and y {tuple(y.shape)} do not broadcast") from exc
    batch = x_b.shape[:-1]
    dtype = torch.promote_types(x.dtype, y.dtype)
    xs = x_b.to(device="cpu", dtype=torch.float64).reshape(-1, n_particles, dim)
    ys = y_b.to(device="cpu", dtype=torch.float64).reshape(-1, n_particles, dim)
    x_mean = xs.mean(-2, keepdim=True)
    xc, yc = xs - x_mean, ys - ys.mean(-2, keepdim=True)
    finite = torch.isfinite(xc).all(-1).all(-1) & torch.isfinite(yc).all(-1).all(-1)
    moved = torch.full_like(yc, math.nan)
    if not permutation:  # one batched Kabsch (SVD refuses non-finite input: those stay NaN)
        rotation = _kabsch(xc[finite], yc[finite], reflection)
        moved[finite] = yc[finite] @ rotation.mT
    else:
        for k in torch.nonzero(finite).flatten().tolist():
            perm, rotation = _align_pair(xc[k], yc[k], reflection)
            moved[k] = yc[k][perm] @ rotation.T
    rmsd = (xc - moved).square().sum(-1).mean(-1).sqrt()
    aligned = (moved + x_mean).reshape(*batch, n_particles * dim)
    return aligned.to(device=y.device, dtype=dtype), rmsd.reshape(batch).to(device=y.device, dtype=dtype)
