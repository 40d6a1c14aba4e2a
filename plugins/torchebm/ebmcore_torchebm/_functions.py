r"""The helper functions of TorchEBM's implementation guide, onto ebmcore's dispatch, kit and diagnostics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

import ebmcore
from ebmcore import BaseModel, ConformanceError, InvalidParameterError, constraints

__all__ = ["cuda_score_function", "debug_energy_function", "efficient_grad", "test_energy_function"]


def efficient_grad(energy_fn: Callable[[Tensor], Tensor], x: Tensor, create_graph: bool = False) -> Tensor:
    r"""The gradient :math:`\nabla_x E(x)` of an energy, by the fastest path it has.

    .. math::

        g(x) = \nabla_x E(x), \quad \text{shape of } x .

    For an ebmcore model this is :func:`ebmcore.gradient`: a device kernel registered for
    ``x``'s device, else the model's analytic gradient, else autograd. Any other callable
    (a plain ``nn.Module``) is differentiated by autograd. ``x`` is never modified, not even its
    ``requires_grad`` flag (the guide's version sets it in place).

    Args:
        energy_fn: the energy, ``(*batch, d) -> (*batch,)``.
        x: the points.
        create_graph: keep the result differentiable w.r.t. ``x`` and the parameters (for
            score matching and higher derivatives).

    Example:
        >>> import torch
        >>> from ebmcore_torchebm import HarmonicModel, efficient_grad
        >>> efficient_grad(HarmonicModel(k=2.0), torch.tensor([[1.0, -3.0]]))
        tensor([[ 2., -6.]])
    """
    if isinstance(energy_fn, BaseModel):
        return ebmcore.gradient(energy_fn, x, create_graph=create_graph)
    with torch.enable_grad():
        leaf = x if (create_graph and x.requires_grad) else x.detach().requires_grad_(True)
        energy = energy_fn(leaf)
        (grad,) = torch.autograd.grad(energy.sum(), leaf, create_graph=create_graph, materialize_grads=True)
    return grad


def cuda_score_function(energy_fn: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    r"""The score :math:`-\nabla_x E(x)`, from the device kernel where one is registered.

    .. math::

        s(x) = -\nabla_x E(x) = \nabla_x \log p(x) .

    :func:`ebmcore.score` already dispatches in that order: the kernel the model registered for
    ``x.device.type`` (a fused CUDA kernel for a CUDA input), else its analytic gradient, else
    autograd; all give the same numbers. Any other callable is differentiated by autograd.

    Args:
        energy_fn: the energy.
        x: the points, on any device.

    Example:
        >>> import torch
        >>> from ebmcore_torchebm import GaussianModel, cuda_score_function
        >>> model = GaussianModel(torch.zeros(2), torch.eye(2))
        >>> cuda_score_function(model, torch.tensor([1.0, 2.0]))
        tensor([-1., -2.])
    """
    if isinstance(energy_fn, BaseModel):
        return ebmcore.score(energy_fn, x)
    return -efficient_grad(energy_fn, x)


def _model(energy_fn: Any, function: str) -> BaseModel:
    if not isinstance(energy_fn, BaseModel):
        raise InvalidParameterError(
            "energy_fn",
            energy_fn,
            "an ebmcore.BaseModel (subclass ebmcore.BaseModel, or use a class of ebmcore_torchebm)",
            energy=function,
        )
    return energy_fn


def test_energy_function(energy_fn: BaseModel, dim: int, n_samples: int = 1000) -> dict[str, float]:
    r"""Check an energy with the conformance kit and summarize it on standard normal points.

    Runs :func:`ebmcore.testing.check_energy` on ``energy_fn`` at dimension ``dim`` (shapes,
    dtypes, devices, gradients against autograd and finite differences, ``score = -gradient``,
    NaN propagation, serialization, and every piece of ground truth the model declares), then
    evaluates it on ``n_samples`` points :math:`x \sim \mathcal N(0, I_d)` drawn from torch's
    global RNG:

    .. math::

        \bar E = \tfrac1n \textstyle\sum_j E(x_j), \qquad
        \bar s = \tfrac1{nd} \textstyle\sum_{j,i} s_i(x_j), \quad s = -\nabla_x E,

    with their standard deviations.

    Args:
        energy_fn: an ebmcore model; its dimension must be ``dim`` where it fixes one.
        dim: the dimension to test at.
        n_samples: how many points to summarize on.

    Returns:
        ``{"energy_mean", "energy_std", "score_mean", "score_std"}`` as floats.

    Raises:
        ebmcore.ConformanceError: a check failed (its ``report`` lists every result), or the
            energies or scores on the points have the wrong shape.
        ebmcore.InvalidParameterError: ``dim`` differs from the model's dimension, or
            ``n_samples`` is not an integer >= 2.

    Example:
        >>> import torch
        >>> from ebmcore_torchebm import HarmonicModel, test_energy_function
        >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
        <torch._C.Generator object at ...>
        >>> stats = test_energy_function(HarmonicModel(dim=2), dim=2)
        >>> sorted(stats), round(stats["energy_mean"], 1)  # E|x|^2 / 2 = d / 2
        (['energy_mean', 'energy_std', 'score_mean', 'score_std'], 1.0)
    """
    from ebmcore.testing import check_energy

    model = _model(energy_fn, "test_energy_function")
    name = "test_energy_function"
    if not constraints.positive_integer.check(dim):
        raise InvalidParameterError("dim", dim, constraints.positive_integer.description, energy=name)
    if not constraints.integer_at_least(2).check(n_samples):
        raise InvalidParameterError("n_samples", n_samples, "an integer >= 2", energy=name)
    if model.event_shape is None:
        check_energy(model, dims=[dim])
    else:
        if model.event_shape != (dim,):
            raise InvalidParameterError(
                "dim", dim, f"the model's dimension (event shape {model.event_shape})", energy=name
            )
        check_energy(model)
    x = torch.randn(n_samples, dim, device=model.device)
    energy = model.energy(x).detach()
    score = model.score(x)
    if energy.shape != (n_samples,) or score.shape != (n_samples, dim):
        raise ConformanceError(
            f"{name}: energies of shape {tuple(energy.shape)} (expected {(n_samples,)}) and scores "
            f"of shape {tuple(score.shape)} (expected {(n_samples, dim)})"
        )
    return {
        "energy_mean": energy.mean().item(),
        "energy_std": energy.std().item(),
        "score_mean": score.mean().item(),
        "score_std": score.std().item(),
    }


test_energy_function.__test__ = False  # type: ignore[attr-defined]  # a helper, not a pytest test

_MESSAGES = {
    "nonfinite_energy": "Warning: Energy contains NaN or Inf values",
    "nonfinite_gradient": "Warning: Score contains NaN or Inf values",
    "large_score": "Warning: Score has very large values",
    "energy_range": "Warning: Energy has a very large range",
}


def debug_energy_function(energy_fn: BaseModel, x: Tensor) -> None:
    r"""Print a warning for each numerical problem of an energy on ``x``.

    Backed by :func:`ebmcore.diagnose` with the guide's thresholds. It prints, as the guide does,

    - ``Warning: Energy contains NaN or Inf values`` where :math:`E(x)` is not finite,
    - ``Warning: Score contains NaN or Inf values`` where :math:`\nabla_x E(x)` is not finite,
    - ``Warning: Score has very large values`` where :math:`\lVert \nabla_x E(x) \rVert > 10^3`,
    - ``Warning: Energy has a very large range`` where :math:`\max E - \min E > 10^6`,

    and ``Warning: [kind] ...`` for each further problem the diagnosis finds (a gradient path that
    disagrees with autograd, a dtype change, an input modified in place, a wrong shape). Only
    inputs with finite coordinates are judged: NaN in gives NaN out by design.

    Args:
        energy_fn: an ebmcore model.
        x: the points, ``(*batch, d)``.

    Example:
        >>> import torch
        >>> from ebmcore_torchebm import HarmonicModel, debug_energy_function
        >>> debug_energy_function(HarmonicModel(k=1.0), torch.tensor([[0.0, 0.0], [1001.0, 0.0]]))
        Warning: Score has very large values
        >>> debug_energy_function(HarmonicModel(k=1.0), torch.zeros(3, 2))  # prints nothing
    """
    model = _model(energy_fn, "debug_energy_function")
    report = ebmcore.diagnose(model, x, max_score_norm=1e3, max_energy_range=1e6, warn=False)
    for issue in report.issues:
        print(_MESSAGES.get(issue.kind, f"Warning: {issue}"))
