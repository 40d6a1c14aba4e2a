"""The plugin-author tier: what a plugin needs beyond what users see in :mod:`ebmcore`.

A plugin's hook module imports this module (cheap: neither torch nor any energy loads), and its
energy modules subclass :class:`ebmcore.BaseModel`; nothing else of ebmcore is needed.

Example:
    >>> import ebmcore.plugin
    >>> @ebmcore.plugin.hookimpl
    ... def ebmcore_energies():
    ...     return [ebmcore.plugin.EnergySpec("my_bowl", "my_pkg.bowl:Bowl", "a quadratic bowl")]
    >>> ebmcore_energies()[0].name
    'my_bowl'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import constraints
from ._errors import close_matches
from ._lazy import lazy_getattr
from ._memory import allocation
from ._registry import create_component
from ._spec import EnergySpec, HookSpecs, hookimpl, hookspec

if TYPE_CHECKING:
    from ._basins import Basins, PlanarModes, ProductModes
    from ._derived import cached_while_unchanged
    from ._dispatch import Kernel, tracing
    from ._gaussian_law import GaussianLaw
    from ._grid_law import GridLaw, GridLaw2D, PlanarLaw, fill_by_rejection, inverse_cdf
    from ._reference import CertifiedPosterior, CertifiedReference, ReferenceDraws, load_reference

_LAZY = {  # torch-backed: loaded on first use
    "Basins": "ebmcore._basins",
    "Kernel": "ebmcore._dispatch",
    "cached_while_unchanged": "ebmcore._derived",
    "GaussianLaw": "ebmcore._gaussian_law",
    "GridLaw": "ebmcore._grid_law",
    "GridLaw2D": "ebmcore._grid_law",
    "PlanarLaw": "ebmcore._grid_law",
    "PlanarModes": "ebmcore._basins",
    "ProductModes": "ebmcore._basins",
    "fill_by_rejection": "ebmcore._grid_law",
    "inverse_cdf": "ebmcore._grid_law",
    "tracing": "ebmcore._dispatch",
    "CertifiedPosterior": "ebmcore._reference",
    "CertifiedReference": "ebmcore._reference",
    "ReferenceDraws": "ebmcore._reference",
    "load_reference": "ebmcore._reference",
}

__getattr__ = lazy_getattr(__name__, _LAZY)

__all__ = [
    "Basins",
    "CertifiedPosterior",
    "CertifiedReference",
    "EnergySpec",
    "GaussianLaw",
    "GridLaw",
    "GridLaw2D",
    "HookSpecs",
    "Kernel",
    "PlanarLaw",
    "PlanarModes",
    "ProductModes",
    "ReferenceDraws",
    "allocation",
    "cached_while_unchanged",
    "close_matches",
    "constraints",
    "create_component",
    "fill_by_rejection",
    "hookimpl",
    "hookspec",
    "inverse_cdf",
    "lazy_getattr",
    "load_reference",
    "tracing",
]


def __dir__() -> list[str]:
    return sorted(__all__)
