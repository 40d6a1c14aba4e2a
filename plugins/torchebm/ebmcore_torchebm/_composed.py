r"""The composed and neural energies of TorchEBM's implementation guide, onto ebmcore's plugins.

``CompositeEnergy`` and ``MixtureEnergy`` are ``ebmcore-compose``'s ``composite`` and ``mixture``,
``SphericalEnergy`` is ``ebmcore-constrained``'s ``spherical``, ``DensityModelEnergy`` is
``ebmcore-density``'s ``density`` of a live object and ``MLPEnergy`` is ``ebmcore-neural``'s
``mlp``. Components are live models (an ebmcore energy, a class of this package, or your own
``BaseModel`` subclass, including the guide's ``super().__init__()`` idiom); their gradients
combine by the chain rule from each component's own (analytic where it has one) gradient.

A composed model has a config (and a registry name) when every component has one; a component
built without recorded arguments, or a live density, leaves it without: ``config`` and ``spec``
raise :class:`ebmcore.RegistrationError` saying why, and ``registry_name`` is None.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from ebmcore_compose import Composite, Mixture
from ebmcore_constrained import Spherical
from ebmcore_density import Density
from ebmcore_neural import MLP
from torch import nn

from ebmcore import BaseModel

from ._shared import Device, adopt_registry_name, place

__all__ = ["CompositeEnergy", "DensityModelEnergy", "MLPEnergy", "MixtureEnergy", "SphericalEnergy"]


def _as_list(models: Any) -> Any:
    """A list of the models of a list, tuple or ``nn.ModuleList``; anything else as given (the
    composed energy then names it in its error)."""
    return list(models) if isinstance(models, (list, tuple, nn.ModuleList)) else models


class CompositeEnergy(Composite):
    r"""TorchEBM's ``CompositeEnergy(energy_functions, weights=None, operation="sum")``.

    With weighted terms :math:`t_k(x) = w_k E_k(x)`:

    .. math::

        E_{\text{sum}} = \sum_k t_k, \quad
        E_{\text{product}} = \prod_k t_k, \quad
        E_{\min} = \min_k t_k, \quad
        E_{\max} = \max_k t_k .

    The composed :class:`ebmcore_compose.Composite` (name ``compose/composite``); its gradient
    comes from the components' gradients by the chain rule, and a sum of Gaussians keeps its
    exact ground truth. The components are kept in ``components`` (``energy_functions`` is the
    same list, under the guide's name) and ``weights`` is a list of floats.

    Args:
        energy_functions: a non-empty list of energies (models) of one dimension; components whose
            dimension is not fixed (``super().__init__()``) fit any.
        weights: one real weight per component (default all 1).
        operation: ``"sum"``, ``"product"``, ``"min"`` or ``"max"``; anything else raises
            :class:`ebmcore.InvalidParameterError` (a ``ValueError``).

    References:
        G. E. Hinton, "Training products of experts by minimizing contrastive divergence",
        Neural Computation 14 (2002).

    Example:
        >>> import torch
        >>> from ebmcore_torchebm import CompositeEnergy, DoubleWellModel, HarmonicModel
        >>> model = CompositeEnergy([HarmonicModel(), DoubleWellModel()], [2.0, 1.0])
        >>> model.energy(torch.tensor([1.0, 1.0]))  # 2 * |x|^2 / 2 + 0
        tensor(2.)
        >>> model.spec["name"]
        'compose/composite'
    """

    def __init__(
        self,
        energy_functions: Sequence[BaseModel],
        weights: Any = None,
        operation: str = "sum",
    ) -> None:
        super().__init__(components=_as_list(energy_functions), weights=weights, operation=operation)
        adopt_registry_name(self, "compose/composite")

    @property
    def energy_functions(self) -> nn.ModuleList:
        """The components (the guide's name for :attr:`components`)."""
        return self.components


class MixtureEnergy(Mixture):
    r"""TorchEBM's ``MixtureEnergy(components, weights=None)``: a log-sum-exp mixture.

    .. math::

        E(x) = -\log \sum_{k=1}^K w_k\, e^{-E_k(x)} ,

    computed stably with log-sum-exp. The composed :class:`ebmcore_compose.Mixture` (name
    ``compose/mixture``). As in the guide, the default weights are all 1, so
    :math:`E = -\log \sum_k e^{-E_k}` (``ebmcore.create("mixture")`` defaults to :math:`1/K`,
    which adds :math:`\log K`); the config records the weights used. Weights must be positive
    (a zero weight drops a component: leave it out instead).

    Args:
        components: a non-empty list of energies (models) of one dimension.
        weights: positive weights :math:`w_k`, one per component (default all 1).

    References:
        G. McLachlan and D. Peel, *Finite Mixture Models*, Wiley 2000.

    Example:
        >>> import torch
        >>> from ebmcore_torchebm import GaussianModel, MixtureEnergy
        >>> left = GaussianModel(torch.tensor([-1.0]), torch.eye(1))
        >>> right = GaussianModel(torch.tensor([1.0]), torch.eye(1))
        >>> model = MixtureEnergy([left, right])
        >>> model.energy(torch.zeros(1))  # -log(2 exp(-1/2)) = 1/2 - log 2
        tensor(-0.1931)
    """

    def __init__(self, components: Sequence[BaseModel], weights: Any = None) -> None:
        members = _as_list(components)
        if weights is None and isinstance(members, list):
            weights = [1.0] * len(members)
        super().__init__(components=members, weights=weights)
        adopt_registry_name(self, "compose/mixture")


class SphericalEnergy(Spherical):
    r"""TorchEBM's ``SphericalEnergy(base_energy)``: a base energy on the unit sphere.

    .. math::

        E_S(x) = E\Big(\frac{x}{\lVert x \rVert}\Big), \qquad
        \nabla E_S(x) = \frac{(I - u u^\top)\, \nabla E(u)}{\lVert x \rVert},\ u = \frac{x}{\lVert x \rVert}.

    The constrained :class:`ebmcore_constrained.Spherical` (name ``constrained/spherical``); its
    gradient is tangent to the sphere. At :math:`x = 0` the energy and gradient are NaN
    (``torch.nn.functional.normalize``, which the guide uses, maps 0 to 0 instead and evaluates
    the base energy there).

    Args:
        base_energy: the energy on :math:`\mathbb R^d` (a model), kept as ``base``
            (``base_energy`` is the same model, under the guide's name).

    References:
        K. V. Mardia and P. E. Jupp, *Directional Statistics*, Wiley 2000, section 9.3.

    Example:
        >>> import torch
        >>> from ebmcore_torchebm import GaussianModel, SphericalEnergy
        >>> model = SphericalEnergy(GaussianModel(torch.tensor([0.0, 0.0, 2.0]), torch.eye(3)))
        >>> model.energy(torch.tensor([[0.0, 0.0, 5.0], [0.0, 3.0, 0.0]]))  # 1/2 |u - mu|^2
        tensor([0.5000, 2.5000])
    """

    def __init__(self, base_energy: BaseModel) -> None:
        super().__init__(base=base_energy)
        adopt_registry_name(self, "constrained/spherical")

    @property
    def base_energy(self) -> BaseModel:
        """The base energy (the guide's name for :attr:`base`)."""
        return self.base


class DensityModelEnergy(Density):
    r"""TorchEBM's ``DensityModelEnergy(density_model)``: the energy of a density model.

    .. math::

        E(x) = -\log p(x) .

    The :class:`ebmcore_density.Density` of a live object with ``log_prob`` (a
    ``torch.distributions`` distribution, a normalizing flow, any ``nn.Module``). Its dimension
    is the object's event shape where it has one, else ``dim`` where given, else any (the last
    axis of the input). A live object cannot be written to JSON, so the model has no config:
    ``config`` and ``spec`` raise :class:`ebmcore.RegistrationError`.

    Args:
        density_model: the object whose ``log_prob(x)`` maps ``(batch, d)`` to ``(batch,)``;
            ``density_model`` reads it back.
        dim: the dimension, for an object without ``event_shape`` (keyword-only, optional).
        normalized: whether :math:`p` integrates to one (``log_partition() = 0``); default: True
            for ``torch.distributions``, else unknown.

    References:
        Papamakarios et al., *Normalizing Flows for Probabilistic Modeling and Inference*,
        JMLR 22(57), 2021.

    Example:
        >>> import torch
        >>> from torch import distributions as D
        >>> from ebmcore_torchebm import DensityModelEnergy
        >>> f64 = torch.float64
        >>> normal = D.MultivariateNormal(torch.zeros(2, dtype=f64), torch.eye(2, dtype=f64))
        >>> model = DensityModelEnergy(normal)
        >>> model.energy(torch.zeros(2, dtype=torch.float64))  # log(2 pi)
        tensor(1.8379, dtype=torch.float64)
    """

    def __init__(self, density_model: Any, *, dim: int | None = None, normalized: bool | None = None) -> None:
        super().__init__(distribution=density_model, dim=dim, normalized=normalized)

    @property
    def density_model(self) -> Any:
        """The wrapped object (the guide's name for :attr:`distribution`)."""
        return self.distribution


class MLPEnergy(MLP):
    r"""TorchEBM's ``MLPEnergy(input_dim, hidden_dims, activation=nn.SiLU)``: a neural energy.

    .. math::

        h_0 = x, \qquad h_k = \sigma(W_k h_{k-1} + b_k)\ (k = 1..L), \qquad
        E(x) = w_{L+1}^\top h_L + b_{L+1}.

    The neural :class:`ebmcore_neural.MLP` (name ``neural/mlp``). The activation is a
    ``torch.nn`` class (``nn.SiLU``, ``nn.ReLU``, ...), an instance, or a name of
    ``ebmcore_neural.ACTIVATIONS``; the config records its name where it has one (any other
    module works, and leaves the model without a config). The initialization is that of
    ``nn.Linear``, drawn from a generator seeded with ``seed`` (default: a seed drawn from torch's
    global RNG, recorded in the config). Its parameters are ``weight_i``/``bias_i``, not the
    ``network`` of ``nn.Sequential`` the guide builds, so TorchEBM checkpoints do not load.

    Args:
        input_dim: dimension of ``x``.
        hidden_dims: widths of the hidden layers.
        activation: the activation (default ``nn.SiLU``).
        seed: seed of the initialization (keyword-only; None draws one).
        dtype: dtype of the parameters (default torch's default, float32).
        device: device of the parameters.

    References:
        Song & Ermon, *Generative Modeling by Estimating Gradients of the Data Distribution*,
        NeurIPS 2019.

    Example:
        >>> import torch
        >>> from torch import nn
        >>> from ebmcore_torchebm import MLPEnergy
        >>> model = MLPEnergy(2, [32, 32], nn.SiLU, seed=0)
        >>> model.energy(torch.randn(5, 2)).shape, model.config["activation"]
        (torch.Size([5]), 'silu')
    """

    def __init__(
        self,
        input_dim: int,
        hidden_dims: Sequence[int],
        activation: str | type[nn.Module] | nn.Module = nn.SiLU,
        *,
        seed: int | None = None,
        dtype: torch.dtype | None = None,
        device: Device = None,
    ) -> None:
        super().__init__(input_dim, hidden_dims, activation, seed)
        adopt_registry_name(self, "neural/mlp")
        place(self, dtype, device)
