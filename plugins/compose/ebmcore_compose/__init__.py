r"""ebmcore-compose: energies built from other energies.

Sums, products, minima and maxima (:class:`Composite`), mixtures (:class:`Mixture`),
tempering and annealing paths (:class:`Tempered`, :class:`Annealed`) and affine transforms
(:class:`Transformed`). Components are registered names, spec dicts or models; gradients are
combined from the components' own gradients by the chain rule, and ground truth is passed on
wherever it is proved.

**The dimension rule.** Components given as spec dicts or models are built exactly as given.
A component given as a *bare name* is created with ``dim=d``, where ``d`` comes from the
composed energy's ``dim`` argument or else from the other components (which must agree);
energies that take no ``dim`` are created with their defaults. Components of different
dimensions raise :class:`ebmcore.InvalidParameterError` naming each one and its dimension.

**Gradients.** Each composed energy implements ``analytic_energy_and_gradient`` by the chain
rule over its components' own ``energy_and_gradient``, so analytic (or kernel) components stay
on their fast path. Components are asked with ``create_graph=torch.is_grad_enabled()``: the
dispatcher runs an analytic path under ``torch.no_grad()`` unless the caller asked for
``create_graph=True``, so an ordinary call gives detached results with no graph built, and a
``create_graph=True`` call reaches every component with ``create_graph=True``, which keeps the
whole gradient differentiable (tests compare its Hessian-vector products with autograd's).

**Ground truth** is passed on only where it is proved (a mixture's
:math:`\log Z = \log \sum_k w_k Z_k`, a tempered Gaussian, an affine map of a sampler, ...);
everything else stays None or raises ``NotImplementedError``.

Importing this package is cheap; each model's module loads on first use::

    >>> import ebmcore
    >>> model = ebmcore.create("mixture", components=["gaussian", {"name": "gaussian", "mean": [3.0, 3.0]}])
    >>> [c.dim for c in model.components]
    [2, 2]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ebmcore.plugin import lazy_getattr

if TYPE_CHECKING:  # the static view, for type checkers (explicit re-exports); _LAZY is the runtime one
    from ._composite import Composite as Composite
    from ._mixture import Mixture as Mixture
    from ._tempered import Annealed as Annealed
    from ._tempered import Tempered as Tempered
    from ._transformed import Transformed as Transformed

_LAZY = {  # module -> the names it defines: the lazy table and __all__ both come from it
    "._composite": ("Composite",),
    "._mixture": ("Mixture",),
    "._tempered": ("Annealed", "Tempered"),
    "._transformed": ("Transformed",),
}

__getattr__ = lazy_getattr(__name__, _LAZY)
__all__ = sorted(name for names in _LAZY.values() for name in names)
