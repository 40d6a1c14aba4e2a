"""A trainable multilayer-perceptron energy."""

from __future__ import annotations

import contextlib
import difflib
import itertools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ebmcore import BaseModel, InvalidParameterError, RegistrationError, constraints
from ebmcore.plugin import allocation

__all__ = ["ACTIVATIONS", "MLP"]

ACTIVATIONS: Mapping[str, Callable[[Tensor], Tensor]] = {
    "elu": F.elu,
    "gelu": F.gelu,
    "relu": F.relu,
    "silu": F.silu,
    "softplus": F.softplus,
    "tanh": torch.tanh,
}
"""The activations an :class:`MLP` may name. Smooth ones give smooth energies; ``relu`` gives a
piecewise-linear energy whose gradient is piecewise constant (poor for samplers and score
matching)."""

_MODULES: Mapping[type[nn.Module], str] = {
    nn.ELU: "elu",
    nn.GELU: "gelu",
    nn.ReLU: "relu",
    nn.SiLU: "silu",
    nn.Softplus: "softplus",
    nn.Tanh: "tanh",
}
"""The ``torch.nn`` activation classes that compute one of :data:`ACTIVATIONS` (with their
default arguments): an activation given as one of these classes, or as an instance of one built
with its defaults, is recorded in the config by its name."""

_MODULE_TEXT = "or a torch.nn.Module activation (a class such as nn.SiLU, or an instance such as nn.Tanh())"


def _is_module_activation(value: Any) -> bool:
    return isinstance(value, nn.Module) or (isinstance(value, type) and issubclass(value, nn.Module))


_activation = constraints.Constraint(
    lambda v: (isinstance(v, str) and v in ACTIVATIONS) or _is_module_activation(v),
    f"one of {', '.join(map(repr, ACTIVATIONS))}, {_MODULE_TEXT}",
)

_hidden_dims = constraints.Constraint(
    lambda v: isinstance(v, list) and all(constraints.positive_integer.check(h) for h in v),
    "a list of integers >= 1 (possibly empty)",
)


class MLP(BaseModel):
    r"""An energy given by a multilayer perceptron with a scalar output.

    .. math::

        h_0 = x, \qquad h_k = \sigma(W_k h_{k-1} + b_k)\ (k = 1..L), \qquad
        E(x) = w_{L+1}^\top h_L + b_{L+1},

    with widths ``hidden_dims`` and activation :math:`\sigma`. ``exp(-E)`` is in general not
    normalizable and has no known minima, so the model offers no ground truth; it is the
    energy you *train*, e.g. by denoising score matching (Vincent 2011), which trains through
    ``model.gradient(x, create_graph=True)``:

    .. math::

        \mathcal L(\theta) = \mathbb E_{x\sim p,\ \varepsilon\sim\mathcal N(0, I)}
        \big\| \sigma \nabla_x E_\theta(x + \sigma\varepsilon) - \varepsilon \big\|^2 .

    Initialization is that of ``nn.Linear`` (uniform in :math:`\pm 1/\sqrt{\text{fan-in}}`
    for weights and biases) drawn from a private generator seeded with ``seed``, so
    ``ebmcore.create(model.spec)`` rebuilds an *identical* untrained model. With
    ``seed=None`` a seed is drawn from torch's global RNG (so ``torch.manual_seed`` governs it,
    as for any ``nn.Module``) and recorded in :attr:`config`. Trained weights do not travel in
    the config: save ``model.state_dict()`` (it loads with ``torch.load(..., weights_only=True)``)
    and load it into ``ebmcore.create(spec)``.

    Parameters are ``nn.Parameter`` in torch's default dtype (float32). ``forward`` computes
    in ``x.dtype``, casting the weights to it: float64 in gives float64 out, the float32
    weights entering exactly; gradients flow back to the parameters in their own dtype. Call
    ``model.double()`` to train in float64.

    Args:
        input_dim: dimension of ``x``.
        hidden_dims: widths of the hidden layers (``[]`` gives a linear energy).
        activation: one of :data:`ACTIVATIONS` (``"silu"`` default; smooth), or a
            ``torch.nn`` activation given as a class (``nn.SiLU``, built without arguments)
            or an instance (``nn.Tanh()``). A class or default-built instance of ``nn.ELU``,
            ``nn.GELU``, ``nn.ReLU``, ``nn.SiLU``, ``nn.Softplus`` or ``nn.Tanh`` is the named
            activation and the config records its name; any other module (``nn.PReLU()``,
            ``nn.GELU(approximate="tanh")``, your own) becomes a submodule (its floating-point
            tensors cast to the input's dtype like the weights) and works, but then
            :attr:`config` and :attr:`spec` raise :class:`ebmcore.RegistrationError` (a module
            cannot be written to JSON).
        seed: seed of the initialization, or None to draw one from the global RNG.

    References:
        Vincent, *A Connection Between Score Matching and Denoising Autoencoders*,
        Neural Computation 23(7), 2011.
        Song & Ermon, *Generative Modeling by Estimating Gradients of the Data Distribution*,
        NeurIPS 2019.

    Example:
        >>> import torch, ebmcore
        >>> model = ebmcore.create("mlp", input_dim=2, hidden_dims=[32, 32], seed=0)
        >>> x = torch.randn(128, 2, generator=torch.Generator().manual_seed(0))
        >>> noise, sigma = torch.randn_like(x), 0.1
        >>> grad = model.gradient(x + sigma * noise, create_graph=True)
        >>> loss = ((sigma * grad - noise) ** 2).sum(-1).mean()  # denoising score matching
        >>> loss.backward()
        >>> model.weight_0.grad.shape
        torch.Size([32, 2])
        >>> rebuilt = ebmcore.create(model.spec)
        >>> torch.equal(rebuilt.energy(x), model.energy(x))
        True
        >>> from torch import nn
        >>> MLP(2, [8], nn.Tanh, seed=0).config["activation"]  # a class computing a named activation
        'tanh'
    """

    arg_constraints = {
        "input_dim": constraints.positive_integer,
        "hidden_dims": _hidden_dims,
        "activation": _activation,  # checked first, with a did-you-mean
        "seed": constraints.optional(constraints.integer_interval(0, 2**64 - 1)),
    }

    def __init__(
        self,
        input_dim: int = 2,
        hidden_dims: Sequence[int] = (64, 64),
        activation: str | type[nn.Module] | nn.Module = "silu",
        seed: int | None = None,
    ) -> None:
        resolved = _resolve_activation(activation)
        args = self.check_args(input_dim=input_dim, hidden_dims=hidden_dims, seed=seed)
        if seed is None:
            seed = int(torch.randint(0, 2**31 - 1, (1,)).item())
        widths: list[int] = args["hidden_dims"]
        super().__init__(input_dim, input_dim=input_dim, hidden_dims=widths, activation=resolved, seed=seed)
        # a module is a submodule: its parameters (if any) train, follow .to() and travel in the state_dict
        self.activation: str | nn.Module = resolved
        self._act: Callable[[Tensor], Tensor] | None = (
            ACTIVATIONS[resolved] if isinstance(resolved, str) else None
        )
        sizes = [input_dim, *widths, 1]
        generator = torch.Generator().manual_seed(seed)
        dtype = torch.get_default_dtype()
        self.num_layers = len(sizes) - 1
        with _allocating(sizes, dtype, hidden_dims):
            for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
                bound = 1.0 / math.sqrt(fan_in)
                weight = torch.rand(fan_out, fan_in, generator=generator, dtype=torch.float64) * 2 - 1
                bias = torch.rand(fan_out, generator=generator, dtype=torch.float64) * 2 - 1
                self.register_parameter(f"weight_{i}", nn.Parameter((bound * weight).to(dtype)))
                self.register_parameter(f"bias_{i}", nn.Parameter((bound * bias).to(dtype)))

    def forward(self, x: Tensor) -> Tensor:
        h = x
        for i in range(self.num_layers):
            # by attribute: torch.func.functional_call puts plain tensors in the parameters' place
            weight = getattr(self, f"weight_{i}").to(x.dtype)
            bias = getattr(self, f"bias_{i}").to(x.dtype)
            h = F.linear(h, weight, bias)
            if i < self.num_layers - 1:
                h = self._act(h) if self._act is not None else self._module_activation(h)
        return h.squeeze(-1)

    def _module_activation(self, h: Tensor) -> Tensor:
        """The activation module on ``h``, its floating-point tensors cast to ``h.dtype`` as the
        weights are (so a module with parameters, such as ``nn.PReLU``, serves float64 inputs
        too; gradients flow back to its parameters in their own dtype)."""
        module = cast(nn.Module, self.activation)
        tensors = {**dict(module.named_parameters()), **dict(module.named_buffers())}
        if all(t.dtype == h.dtype or not t.is_floating_point() for t in tensors.values()):
            return module(h)
        typed = {k: t.to(h.dtype) if t.is_floating_point() else t for k, t in tensors.items()}
        return torch.func.functional_call(module, typed, (h,))

    @property
    def config(self) -> dict[str, Any]:
        """Constructor arguments (JSON); an MLP with an activation module outside
        :data:`ACTIVATIONS` has none and raises.

        Raises:
            RegistrationError: the activation is a module that no name of :data:`ACTIVATIONS`
                stands for, which cannot be written to JSON. Name one of them for a rebuildable
                model, or save ``model.state_dict()`` and rebuild the model in code.
        """
        if not isinstance(self.activation, str):
            raise RegistrationError(
                f"MLP with the activation module {self.activation!r} has no config: a module that is "
                f"not one of the named activations ({', '.join(ACTIVATIONS)}) cannot be written to "
                "JSON or rebuilt from it. Name one of them for a rebuildable model, or save "
                "model.state_dict() and rebuild the model in code"
            )
        return super().config


def _resolve_activation(activation: Any) -> str | nn.Module:
    """The name of a named activation (a name, or a module computing a named one), else the
    activation module; raise naming ``activation`` for anything else."""
    if isinstance(activation, str):
        if activation not in ACTIVATIONS:
            raise InvalidParameterError("activation", activation, _allowed(activation), energy="MLP")
        return activation
    if isinstance(activation, type) and issubclass(activation, nn.Module):
        name = _MODULES.get(activation)
        if name is not None:
            return name
        try:
            return activation()
        except TypeError as exc:
            raise InvalidParameterError(
                "activation",
                activation,
                f"an activation class that builds without arguments ({exc}); pass an instance instead",
                energy="MLP",
            ) from exc
    if isinstance(activation, nn.Module):
        name = _MODULES.get(type(activation))
        if name is not None and activation.extra_repr() == type(activation)().extra_repr():
            return name  # the named function with its default arguments
        return activation
    raise InvalidParameterError("activation", activation, _allowed(activation), energy="MLP")


@contextlib.contextmanager
def _allocating(sizes: list[int], dtype: torch.dtype, hidden_dims: Any) -> Iterator[None]:
    """Refuse layer sizes whose parameters cannot fit in memory, naming ``hidden_dims`` (or
    ``input_dim`` where the first layer is the largest).

    The parameters take ``sum (fan_in + 1) fan_out`` numbers of ``dtype``, and the largest
    layer is drawn in float64 (three temporaries) first. Beyond the memory available now the
    sizes are refused before anything is allocated (an allocation beyond it could succeed and
    be killed by the operating system when touched); an allocation that fails anyway is
    re-raised the same way, chained.
    """
    layers = [(fan_in + 1) * fan_out for fan_in, fan_out in itertools.pairwise(sizes)]
    needed = sum(layers) * torch.empty((), dtype=dtype).element_size() + 3 * 8 * max(layers)
    parameter, value = ("input_dim", sizes[0]) if layers[0] == max(layers) else ("hidden_dims", hidden_dims)
    what = f"{sum(layers):,} parameters and the float64 draw of the largest layer"
    with allocation(needed, what, parameter=parameter, value=value, energy="MLP"):
        yield


def _allowed(activation: object) -> str:
    names = ", ".join(map(repr, ACTIVATIONS))
    if not isinstance(activation, str):
        return f"one of {names}, {_MODULE_TEXT}"
    matches = difflib.get_close_matches(activation.lower(), list(ACTIVATIONS), n=3, cutoff=0.6)
    hint = f" (did you mean {' or '.join(map(repr, matches))}?)" if matches else ""
    return f"one of {names}{hint}"
