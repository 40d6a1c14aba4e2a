"""The contract every energy implements: :class:`BaseModel`."""

from __future__ import annotations

import functools
import itertools
import math
import operator
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar, NamedTuple, NoReturn

import torch
from torch import Tensor, nn

from . import _compile, _dispatch
from ._dispatch import Kernel
from ._errors import InvalidInputError, InvalidParameterError, RegistrationError
from ._memory import allocation
from ._spec import name_of_class
from .constraints import Constraint, nonnegative_integer, positive_integer

__all__ = ["BaseModel", "Minima", "Modes"]

_UNKNOWN = object()
_CPU = torch.device("cpu")  # the cached device of CPU models is this object: `is` tests it fast
_STRIDED = torch.strided  # a module global: faster to read than torch.strided


class _MinimaFields(NamedTuple):
    points: Tensor
    value: float
    count: int  # type: ignore[assignment]  # shadows tuple.count on purpose


class Minima(_MinimaFields):
    """Known global minimizers of an energy.

    Attributes:
        points: ``(k, *event_shape)`` float64 tensor of minimizers. Where there are
            exponentially many (a double well in high dimension), a representative few.
        value: the energy at every global minimizer.
        count: how many global minimizers there are (``k`` unless ``points`` is a subset;
            ``math.inf`` is not used: counts are exact integers).

    Example:
        >>> Minima(torch.zeros(1, 2), 0.0)
        Minima(points=tensor([[0., 0.]], dtype=torch.float64), value=0.0, count=1)
    """

    def __new__(cls, points: Tensor | Any, value: float, count: int | None = None) -> Minima:
        points = torch.as_tensor(points, dtype=torch.float64)
        if points.ndim < 2:
            points = points.reshape(1, -1)
        return super().__new__(cls, points, float(value), len(points) if count is None else int(count))


class _ModesFields(NamedTuple):
    points: Tensor
    weights: Tensor
    count: int  # type: ignore[assignment]  # shadows tuple.count on purpose


class Modes(_ModesFields):
    """The modes of ``exp(-E)/Z`` and the probability mass that belongs to each.

    Attributes:
        points: ``(k, *event_shape)`` float64 tensor of mode locations (the local minima of
            :math:`E`; for a mixture, the component means).
        weights: ``(k,)`` float64 probability mass of each listed mode. When every mode is
            listed they sum to one.
        count: how many modes there are (``k`` unless ``points`` lists only some of them).

    Example:
        >>> Modes([[-1.0], [1.0]], [0.25, 0.75])
        Modes(points=tensor([[-1.],
                [ 1.]], dtype=torch.float64), weights=tensor([0.2500, 0.7500], dtype=torch.float64), count=2)
    """

    def __new__(cls, points: Tensor | Any, weights: Tensor | Any, count: int | None = None) -> Modes:
        points = torch.as_tensor(points, dtype=torch.float64)
        weights = torch.as_tensor(weights, dtype=torch.float64).reshape(-1)
        if points.ndim < 2:
            points = points.reshape(1, -1)
        if len(weights) != len(points):
            raise ValueError(f"Modes: {len(points)} points but {len(weights)} weights")
        return super().__new__(cls, points, weights, len(points) if count is None else int(count))


def _normalize(value: Any) -> Any:
    """Turn an argument into plain JSON-able Python (tensors and arrays become lists)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, BaseModel):
        return value
    if isinstance(value, Tensor):
        return value.detach().cpu().tolist()
    tolist = getattr(value, "tolist", None)  # numpy arrays and scalars
    if callable(tolist):
        return _normalize(tolist())
    if isinstance(value, (list, tuple)):
        return [_normalize(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _normalize(v) for k, v in value.items()}
    return value


_JSON_SCALARS = frozenset({float, int, bool, str, type(None)})


def _json_copy(value: Any) -> Any:
    """A deep copy of a normalized config value that JSON can hold: models become their specs.

    Rows of plain numbers are copied whole (a ``(3000, 3000)`` covariance in a tenth of a
    second, where a JSON round trip took seconds).

    Raises:
        TypeError: a value JSON cannot hold (as ``json.dumps`` would).
    """
    if isinstance(value, list):
        if _JSON_SCALARS.issuperset(map(type, value)):
            return list(value)
        return [_json_copy(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_copy(v) for k, v in value.items()}
    if type(value) in _JSON_SCALARS:
        return value
    if isinstance(value, BaseModel):
        return value.spec
    for kind in (bool, int, float, str):  # subclasses, such as numpy's float64
        if isinstance(value, kind):
            return kind(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _checked(method: Callable[..., Any], check: str) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(self: BaseModel, arg: Any, *args: Any, **kwargs: Any) -> Any:
        getattr(self, check)(arg)
        return method(self, arg, *args, **kwargs)

    wrapper._ebmcore_checked = True  # type: ignore[attr-defined]
    return wrapper


def _batched_forward(method: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """Wrap a subclass's ``forward``: check ``x``, hand it what it handles, check the result.

    Where a device kernel with an ``energy`` function applies and no graph can be wanted
    (:func:`ebmcore.energy`), the kernel computes the energies instead, so that ``model(x)``,
    ``model.energy(x)`` and ``energy_and_gradient(x)[0]`` agree bit for bit. Where a graph in
    ``x`` alone is wanted and the model has a differentiable analytic gradient, the energies
    come from the fused energy and gradient, and autograd differentiates them by that gradient
    (``_dispatch.analytic_graph_energy``): tools that differentiate ``model(x)`` themselves get
    the analytic speed.

    A forward written for one batch axis (:attr:`BaseModel.forward_batch`, as code written
    for ``(batch, dim)`` is) then serves any leading batch shape: other inputs are flattened
    to ``(batch, *event)`` (a view for contiguous ``x``) and the energies reshaped to
    ``(*batch,)``. Any other forward gets ``x`` as given. Either way a result that is not one
    energy per sample is an error, not a silent broadcast.
    """

    @functools.wraps(method)
    def forward(self: BaseModel, x: Any, *args: Any, **kwargs: Any) -> Tensor:
        if not (args or kwargs):
            if self.kernels:  # a device kernel's energies, where no graph is wanted
                function = _dispatch.kernel_energy(self, x)
                if function is not None:
                    self.check_input(x)
                    return function(self, x)
            if self.has_analytic_gradient:  # a graph in x alone: differentiated by the analytic gradient
                function = _dispatch.analytic_graph_energy(self, x)
                if function is not None:
                    self.check_input(x)
                    return function(self, x)
        self.check_input(x)
        event = self.event_ndim
        if x.ndim == event and not self.flat_forward and _dispatch.transforms_active():
            return forward(self, x.unsqueeze(0), *args, **kwargs)[0]  # _dispatch.one_sample_as_batch
        if self.flat_forward and x.ndim != event + 1:
            return _batched(self, x, lambda flat: method(self, flat, *args, **kwargs), "forward", True)
        out = method(self, x, *args, **kwargs)
        batch = x.shape[: x.ndim - event]
        if isinstance(out, Tensor) and out.shape == batch:  # the hot path: no further call
            return out
        return _checked_output(self, out, batch, "forward")

    forward._ebmcore_checked = True  # type: ignore[attr-defined]
    return forward


def _batched(
    model: BaseModel, x: Tensor, function: Callable[[Tensor], Any], name: str, per_sample: bool
) -> Tensor:
    """``function`` applied to ``x``, seen as ``(batch, *event)`` where the model's forward
    handles one batch axis (:attr:`BaseModel.forward_batch`), its result reshaped back.

    ``per_sample``: the result is one value per sample (energies), else one per coordinate.
    """
    event = model.event_ndim
    batch = x.shape[: x.ndim - event]
    if not model.flat_forward or x.ndim == event + 1:
        return _checked_output(model, function(x), batch if per_sample else x.shape, name)
    flat = x.reshape(math.prod(batch), *x.shape[x.ndim - event :])
    out = _checked_output(model, function(flat), flat.shape[:1] if per_sample else flat.shape, name)
    return out.reshape(batch if per_sample else x.shape)


def _checked_output(model: BaseModel, out: Any, expected: torch.Size, name: str) -> Tensor:
    """``out`` if it is a tensor of shape ``expected``, else an :class:`InvalidInputError`.

    ``expected`` is the batch shape (energies) or the input's shape (gradients)."""
    if isinstance(out, Tensor) and out.shape == expected:
        return out
    got = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
    per_sample = name == "forward"
    event = tuple(model.event_shape or ("dim",))
    batch = tuple(expected) if per_sample else tuple(expected)[: len(expected) - model.event_ndim]
    shape = "(" + ", ".join(map(str, (*batch, *event))) + ")"
    what = "one energy per sample" if per_sample else "one value per coordinate"
    raise InvalidInputError(
        f"{type(model).__name__}.{name} must return {what}: expected shape {tuple(expected)} "
        f"for an input of shape {shape}, got {got}"
    )


def _dispatched(name: str, sign: float, method: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """The public ``score``/``gradient`` of a subclass that overrides one of them.

    The override becomes the model's analytic gradient (:meth:`BaseModel.analytic_gradient`),
    and the public method goes through the dispatch like the base class's, so a registered
    kernel, ``use_backend("autograd")`` and ``create_graph=True`` keep their meaning. A call
    with arguments the base method does not take goes straight to the override.
    """

    @functools.wraps(method)
    def public(self: BaseModel, x: Any, *args: Any, create_graph: bool = False, **kwargs: Any) -> Tensor:
        if args or kwargs:
            return method(self, x, *args, **kwargs)
        return sign * _dispatch.gradient(self, x, create_graph=create_graph)

    public._ebmcore_override = (name, sign, method)  # type: ignore[attr-defined]
    return public


class BaseModel(nn.Module):
    r"""An energy :math:`E(x) = -\log p(x) + \text{const}` with its gradient and ground truth.

    Subclasses implement :meth:`forward` (energies for a batch) and call
    ``super().__init__(event_shape, **config)`` with the constructor arguments that rebuild
    them. They may add an analytic gradient (:meth:`analytic_gradient` and/or the fused
    :meth:`analytic_energy_and_gradient`), device kernels (:meth:`register_kernel`) and the
    ground truth they know (:attr:`bounds`, :attr:`minima`, :meth:`log_partition`,
    :meth:`sample`).

    Ground truth that is the same pattern for every instance is declared, not computed: a
    class attribute :attr:`domain` ``= (low, high)`` gives :attr:`bounds` the box ``[low,
    high]`` on every coordinate, and :attr:`minimizer` ``= c`` gives :attr:`minima` the single
    point with every coordinate ``c`` (its value :attr:`minimum`, default 0), and
    :attr:`symmetric_about` ``= c`` gives :attr:`mean` that point, for a density symmetric about it, as
    ``torch.distributions`` reads ``support``. Ground truth that depends on the parameters
    stays a property. :meth:`declared_ground_truth` says what a class provides either way.

    Every input check is done once here: ``forward`` and ``sample`` of a subclass are wrapped
    so that a wrong trailing shape, a non-float dtype or a device mismatch raises
    :class:`ebmcore.InvalidInputError`, and constructor arguments are checked against the
    class's ``arg_constraints``.

    Args:
        event_shape: the shape of one sample, or an int ``dim`` for ``(dim,)``.
        **config: the constructor arguments, recorded in :attr:`config` (JSON-able) and
            checked against ``arg_constraints``.

    Example:
        >>> import torch
        >>> from ebmcore import BaseModel, constraints
        >>> class Bowl(BaseModel):
        ...     '''E(x) = k/2 |x|^2.'''
        ...     arg_constraints = {"dim": constraints.positive_integer, "k": constraints.positive}
        ...     def __init__(self, dim: int = 2, k: float = 1.0):
        ...         super().__init__(dim, dim=dim, k=k)
        ...         self.k = k
        ...     def forward(self, x):
        ...         return 0.5 * self.k * (x * x).sum(-1)
        ...     def analytic_gradient(self, x):
        ...         return self.k * x
        ...     domain = (-5.0, 5.0)  # bounds: [-5, 5] on every coordinate
        ...     minimizer = 0.0  # minima: the origin, where E is minimum = 0
        >>> bowl = Bowl(dim=3, k=2.0)
        >>> bowl.energy_and_gradient(torch.ones(3))
        (tensor(3.), tensor([2., 2., 2.]))
        >>> bowl.bounds
        tensor([[-5., -5., -5.],
                [ 5.,  5.,  5.]], dtype=torch.float64)
        >>> bowl.minima
        Minima(points=tensor([[0., 0., 0.]], dtype=torch.float64), value=0.0, count=1)
        >>> Bowl.declared_ground_truth()
        ('bounds', 'minima')
        >>> Bowl(k=-1.0)
        Traceback (most recent call last):
        ...
        ebmcore.InvalidParameterError: Bowl: parameter 'k' must be a finite real number > 0, got -1.0
    """

    arg_constraints: ClassVar[Mapping[str, Constraint]] = {}
    """Constraint per constructor argument, checked by ``BaseModel.__init__``."""

    analytic_gradient_differentiable: ClassVar[bool] = True
    """Whether the analytic gradient is written in differentiable torch ops (for ``create_graph``)."""

    has_analytic_gradient: ClassVar[bool] = False
    defines_analytic_gradient: ClassVar[bool] = False
    kernels: ClassVar[dict[str, Kernel]] = {}
    compiled_kernels: ClassVar[tuple[str, ...]] = ()
    """Device types (``("cuda",)``) whose kernel is ``analytic_energy_and_gradient`` compiled
    lazily by ``torch.compile`` on first use (see :func:`ebmcore.compile` for CPU)."""

    registry_name: str | None = None
    """The qualified name the registry created this model under (``"analytic/gaussian"``)."""

    forward_batch: ClassVar[str | None] = None
    """What ``forward`` handles: ``"any"`` leading batch shape (it gets ``x`` as given, as the
    contract asks of catalog energies) or ``"flat"``, one batch axis (it gets
    ``(batch, *event)``, flattened by the base class). None: ``"any"`` for a model that fixes
    its event shape, ``"flat"`` for one built by ``super().__init__()``, as code written for
    ``(batch, dim)`` is."""

    gradient_override: ClassVar[tuple[str, float, Callable[..., Tensor]] | None] = None
    """``(name, sign, method)`` of the class's own ``score`` (sign -1) or ``gradient`` (sign 1)
    that serves as its analytic gradient, or None."""

    # Typed for the models that fix their event shape (every catalog energy), so that plugin
    # code needs no narrowing; a model built by ``super().__init__()`` has None in both.
    event_shape: tuple[int, ...]
    """The shape of one sample, or None where the model fixed none (``super().__init__()``)."""
    dim: int
    """The number of coordinates of one sample (``prod(event_shape)``), or None likewise."""
    flat_forward: bool
    """Whether ``forward`` gets ``(batch, *event)`` (see :attr:`forward_batch`)."""
    event_ndim: int
    """How many trailing axes of ``x`` are one sample: ``len(event_shape)``, or 1 (a vector)
    where the event shape is not fixed."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        forward = cls.__dict__.get("forward")
        if forward is not None and not getattr(forward, "_ebmcore_checked", False):
            cls.forward = _batched_forward(forward)  # type: ignore[method-assign]
        sample = cls.__dict__.get("sample")
        if sample is not None and not getattr(sample, "_ebmcore_checked", False):
            cls.sample = _checked(sample, "_check_sample_count")  # type: ignore[method-assign]
        cls.kernels = dict(cls.kernels)  # each class owns its table; subclasses inherit entries
        explicit = (
            cls.analytic_gradient is not BaseModel.analytic_gradient
            or cls.analytic_energy_and_gradient is not BaseModel.analytic_energy_and_gradient
        )
        # A score or gradient of the class's own (the seed idiom for an analytic gradient) is
        # its analytic gradient, unless the class has the explicit analytic methods.
        cls.gradient_override = None
        if not explicit:
            for name, sign in (("gradient", 1.0), ("score", -1.0)):
                method = cls.__dict__.get(name)
                if method is not None and not hasattr(method, "_ebmcore_override"):
                    setattr(cls, name, _dispatched(name, sign, method))
            for name in ("gradient", "score"):
                override = getattr(getattr(cls, name), "_ebmcore_override", None)
                if override is not None:
                    cls.gradient_override = override
                    break
        cls.defines_analytic_gradient = (
            cls.analytic_gradient is not BaseModel.analytic_gradient or cls.gradient_override is not None
        )
        cls.has_analytic_gradient = explicit or cls.gradient_override is not None
        if "compiled_kernels" in cls.__dict__:
            _compile.register_compiled_kernels(cls, cls.compiled_kernels)

    def __init__(self, event_shape: int | tuple[int, ...] | None = None, /, **config: Any) -> None:
        super().__init__()
        recorded = event_shape is not None or config or type(self).__init__ is BaseModel.__init__
        # None: the subclass recorded no constructor arguments, so no config can rebuild it
        self._config: dict[str, Any] | None = self.check_args(**config) if recorded else None
        batch = self.forward_batch
        if batch not in (None, "any", "flat"):
            raise InvalidParameterError(
                "forward_batch", batch, "'any', 'flat' or None", energy=type(self).__name__
            )
        flat_forward = batch == "flat" or (batch is None and event_shape is None)
        # plain values: set directly, without nn.Module.__setattr__'s search for tensors and modules
        attributes = vars(self)
        if event_shape is None:
            attributes.update(event_shape=None, dim=None, event_ndim=1, flat_forward=flat_forward)
            return
        shape = _integers(event_shape)
        if shape is None or not all(positive_integer.check(size) for size in shape):
            raise InvalidParameterError(
                "event_shape",
                event_shape,
                "a positive integer or tuple of them",
                energy=type(self).__name__,
            )
        attributes.update(
            event_shape=shape, dim=math.prod(shape), event_ndim=len(shape), flat_forward=flat_forward
        )

    @classmethod
    def check_args(cls, **config: Any) -> dict[str, Any]:
        """Normalize constructor arguments and check them against ``arg_constraints``.

        Subclasses may call it before ``super().__init__`` to validate arguments they need
        to inspect early. Returns the normalized arguments.
        """
        for key, value in config.items():
            if isinstance(value, Tensor) and value.is_meta:  # no data to check or record
                raise InvalidParameterError(
                    key, value, "a tensor with data (not on the meta device)", energy=cls.__name__
                )
        normalized = {key: _normalize(value) for key, value in config.items()}
        for key, value in normalized.items():
            constraint = cls.arg_constraints.get(key)
            if constraint is not None and not constraint.check(value):
                raise InvalidParameterError(key, config[key], constraint.description, energy=cls.__name__)
        return normalized

    def update_config(self, **changes: Any) -> dict[str, Any]:
        """Check changed constructor arguments (``arg_constraints``) and record them in
        :attr:`config`, for a model whose parameters may be set after construction.

        Returns:
            The normalized values of ``changes``.

        Raises:
            InvalidParameterError: a value breaks its constraint (nothing is recorded then).
            RegistrationError: the model recorded no config to update.
        """
        normalized = self.check_args(**changes)
        if self._config is None:
            raise self._no_config()
        self._config.update(normalized)
        return normalized

    # -- the contract ------------------------------------------------------------------------

    def forward(self, x: Tensor) -> Tensor:
        """Energies of ``x`` (``(*batch, *event_shape)``) as a ``(*batch,)`` tensor."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward(x)")

    def energy(self, x: Tensor) -> Tensor:
        """Energies of ``x``, shape ``(*batch,)`` (a 0-dim tensor for a single sample).

        ``forward(x)``, or a device kernel's energies where no graph can be wanted (see
        :func:`ebmcore.energy`)."""
        return _dispatch.energy(self, x)

    def gradient(self, x: Tensor, *, create_graph: bool = False) -> Tensor:
        """``dE/dx``, shape of ``x``. See :func:`ebmcore.gradient` for the dispatch order."""
        return _dispatch.gradient(self, x, create_graph=create_graph)

    def score(self, x: Tensor, *, create_graph: bool = False) -> Tensor:
        """The score ``-dE/dx``."""
        return -_dispatch.gradient(self, x, create_graph=create_graph)

    def energy_and_gradient(self, x: Tensor, *, create_graph: bool = False) -> tuple[Tensor, Tensor]:
        """Energy and gradient from one pass (what a Metropolis-adjusted sampler needs)."""
        return _dispatch.energy_and_gradient(self, x, create_graph=create_graph)

    # -- optional fast paths -------------------------------------------------------------------

    def analytic_gradient(self, x: Tensor) -> Tensor:
        """Closed-form ``dE/dx``. Override to provide one; ``x`` is already checked.

        A subclass that overrides ``score`` or ``gradient`` instead (and neither analytic
        method) has that override here, handed ``(batch, *event)`` inputs like ``forward``.
        Inside it, ``score``/``gradient`` of the same model use autograd, so an override may
        call ``super().score(x)`` without recursing.
        """
        override = self.gradient_override
        if override is None:
            return self.analytic_energy_and_gradient(x)[1]
        name, sign, method = override
        with _dispatch.overriding(self):
            out = _batched(self, x, functools.partial(method, self), name, False)
        return out if sign > 0 else -out

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Closed-form energy and gradient in one pass. Override to share work between them."""
        if not type(self).defines_analytic_gradient:
            raise NotImplementedError(f"{type(self).__name__} defines no analytic gradient")
        return self.forward(x), self.analytic_gradient(x)

    @classmethod
    def register_kernel(
        cls,
        device_type: str,
        function: Callable[[Any, Tensor], tuple[Tensor, Tensor]],
        *,
        differentiable: bool = False,
        replace: bool = False,
        applies: Callable[[Any], bool] | None = None,
        energy: Callable[[Any, Tensor], Tensor] | None = None,
        accepts: Callable[[Any, Tensor], bool] | None = None,
    ) -> None:
        """Register a fused ``function(model, x) -> (energy, gradient)`` for a device type.

        It takes precedence over the analytic gradient and autograd for inputs on that device
        type (``"cuda"``, ``"cpu"``, ...). A class inherits its parents' kernels. A kernel written
        for some configurations only passes ``applies(model) -> bool``; the dispatch skips it
        for the instances it returns False for (checked on every call, so keep it cheap). A
        kernel that computes the energies alone faster than ``forward`` passes
        ``energy(model, x) -> energy``: :meth:`energy` runs it where no graph can be wanted.
        One that takes some inputs only (a dtype, a size) passes ``accepts(model, x) -> bool``:
        for the others the next path runs, and :func:`ebmcore.resolve_backend` names it. Kernels
        also run in graphs that ``torch.compile`` traces: one that dynamo cannot trace (a call
        into C that is not a ``torch.library`` operator) refuses them in ``accepts``
        (``torch.compiler.is_compiling()``), and the graph traces the analytic path instead.

        Raises:
            RegistrationError: a kernel for that device type exists and ``replace`` is False.
        """
        if device_type in cls.kernels and not replace:
            raise RegistrationError(
                f"{cls.__name__} already has a kernel for {device_type!r}; pass replace=True to replace it"
            )
        cls.kernels[device_type] = Kernel(function, differentiable, applies, energy, accepts)

    @classmethod
    def unregister_kernel(cls, device_type: str) -> None:
        """Remove the kernel registered on this class for ``device_type``."""
        del cls.kernels[device_type]

    # -- ground truth (unknown unless a subclass knows better) --------------------------------

    domain: ClassVar[tuple[float, float] | None] = None
    """``(low, high)``: the region of interest is the box ``[low, high]`` on every coordinate,
    whatever the parameters (``domain = (-5.12, 5.12)``), and :attr:`bounds` returns it; None:
    declared by no class (a box that depends on the parameters is a :attr:`bounds` property)."""

    minimizer: ClassVar[float | None] = None
    """``c``: the single global minimizer is the point with every coordinate ``c``, whatever the
    parameters (``minimizer = 0.0``), and :attr:`minima` returns it with the value
    :attr:`minimum`; None: declared by no class (other minimizers are a :attr:`minima` property)."""

    minimum: ClassVar[float] = 0.0
    """The energy at the declared :attr:`minimizer` (read only where one is declared)."""

    symmetric_about: ClassVar[float | None] = None
    """``c``: :math:`e^{-E}` is normalizable and symmetric about the point with every coordinate
    ``c`` (:math:`E(2c - x) = E(x)`), whatever the parameters (``symmetric_about = 0.0`` for an even
    density), so :attr:`mean` returns that point; None: declared by no class (another mean is a
    :attr:`mean` property)."""

    @classmethod
    def declared_ground_truth(cls) -> tuple[str, ...]:
        """The ground truth this class provides, of ``("bounds", "minima", "log_partition",
        "sample", "mean", "stddev", "modes")`` in that order: each member that the class or a
        parent below :class:`BaseModel` overrides, and ``bounds``/``minima``/``mean`` where it
        declares :attr:`domain`/:attr:`minimizer`/:attr:`symmetric_about`. Provided does not mean known
        for every instance: a property may return None for some parameters (Rosenbrock's
        ``minima`` for ``a = 2`` in 3-D).
        """
        declared = {
            "bounds": cls.domain is not None,
            "minima": cls.minimizer is not None,
            "mean": cls.symmetric_about is not None,
        }
        return tuple(
            name
            for name in ("bounds", "minima", "log_partition", "sample", "mean", "stddev", "modes")
            if declared.get(name) or getattr(cls, name) is not getattr(BaseModel, name)
        )

    @property
    def bounds(self) -> Tensor | None:
        """``(2, *event_shape)`` float64 lower and upper limits of the region of interest (on the
        CPU), or None: the declared :attr:`domain` on every coordinate, where there is one."""
        domain = type(self).domain
        if domain is None or self.event_shape is None:
            return None
        return self._declared_rows(domain, "(2, dim) float64 bounds")

    @property
    def minima(self) -> Minima | None:
        """The known global minimizers and the minimum value, or None: the declared
        :attr:`minimizer` (``(1, *event_shape)`` float64, on the CPU) and :attr:`minimum`, where
        there is one."""
        minimizer = type(self).minimizer
        if minimizer is None or self.event_shape is None:
            return None
        return Minima(self._declared_rows((minimizer,), "(1, dim) float64 minimizer"), type(self).minimum)

    @property
    def minimum_value(self) -> float | None:
        """The global minimum of the energy, or None where it is not known: ``minima.value`` (the
        declared :attr:`minimum`, without building the minimizer), or, where the minimizers form
        a continuum (rotations and translations of a particle system, a ring) and ``minima`` is
        None, the value an energy declares here."""
        cls = type(self)
        if cls.minimizer is not None and cls.minima is BaseModel.minima and self.event_shape is not None:
            return float(cls.minimum)
        minima = self.minima
        return None if minima is None else minima.value

    def _declared_rows(self, values: tuple[float, ...], what: str) -> Tensor:
        """A float64 CPU tensor ``(len(values), *event_shape)`` whose row ``i`` is ``values[i]``
        everywhere; a size that cannot fit in memory raises :class:`InvalidParameterError`."""
        shape = self.event_shape
        parameter = "dim" if "dim" in (self._config or {}) else "event_shape"
        rows = torch.tensor(values, dtype=torch.float64).reshape(len(values), *(1,) * len(shape))
        with allocation(
            8 * len(values) * self.dim,
            what,
            parameter=parameter,
            value=self.dim if parameter == "dim" else shape,
            energy=type(self).__name__,
        ):
            return rows.expand(len(values), *shape).clone()

    def log_partition(self) -> float | None:
        r"""``log Z = log \int exp(-E(x)) dx``, or None where it is not known."""
        return None

    @property
    def mean(self) -> Tensor | None:
        """``(*event_shape)`` float64 mean of ``exp(-E)/Z`` (on the CPU), or None where it is not
        known: the declared :attr:`symmetric_about` on every coordinate, where there is one."""
        centre = type(self).symmetric_about
        if centre is None or self.event_shape is None:
            return None
        return self._declared_rows((centre,), "(dim,) float64 mean")[0]

    @property
    def stddev(self) -> Tensor | None:
        """``(*event_shape)`` float64 marginal standard deviations of ``exp(-E)/Z``, or None."""
        return None

    @property
    def modes(self) -> Modes | None:
        """The modes of ``exp(-E)/Z`` with the probability mass of each (:class:`Modes`), or None."""
        return None

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """``n`` exact samples from ``exp(-E)/Z`` as an ``(n, *event_shape)`` tensor; ``n`` is an
        integer ``>= 0`` (0 gives an empty batch, as ``torch.distributions`` does)."""
        raise NotImplementedError(
            f"{type(self).__name__} has no exact sampler; use an MCMC sampler on its energy instead"
        )

    @property
    def config(self) -> dict[str, Any]:
        """Constructor arguments, JSON-serializable: ``create({"name": n, **config})`` rebuilds.

        Raises:
            RegistrationError: the model recorded no constructor arguments
                (``super().__init__()`` with none), so no config can rebuild it.
        """
        if self._config is None:
            raise self._no_config()
        return _json_copy(self._config)

    def _no_config(self) -> RegistrationError:
        return RegistrationError(
            f"{type(self).__name__} recorded no constructor arguments (it called "
            "super().__init__() without them), so no config can rebuild it; save its "
            "state_dict instead, or pass them: super().__init__(dim, **arguments)"
        )

    @property
    def spec(self) -> dict[str, Any]:
        """``{"name": registry_name, **config}``: the whole recipe of this model."""
        config = self.config  # first: a model without one cannot be rebuilt, whatever its name
        return {"name": self.registry_name or name_of_class(type(self)), **config}

    # -- checks --------------------------------------------------------------------------------

    def check_input(self, x: Any) -> None:
        """Raise :class:`InvalidInputError` unless ``x`` fits this model (shape, dtype, device)."""
        # The hot path of every call: each test below is one cheap attribute access on x.
        if not isinstance(x, Tensor):
            raise InvalidInputError(f"{type(self).__name__} expects a torch.Tensor x, got {type(x).__name__}")
        if not x.is_floating_point():
            raise InvalidInputError(f"{type(self).__name__} expects a floating-point x, got dtype {x.dtype}")
        if x.layout is not _STRIDED:
            raise InvalidInputError(
                f"{type(self).__name__} expects a dense x (layout torch.strided), got layout {x.layout}; "
                "convert it with x.to_dense()"
            )
        shape = self.event_shape
        if shape is None:
            if x.ndim == 0:
                raise InvalidInputError(
                    f"{type(self).__name__} expects x of shape (*batch, dim), got a 0-dim tensor"
                )
        elif len(shape) == 1:
            if x.ndim == 0 or x.shape[-1] != shape[0]:
                self._raise_shape(x)
        elif x.ndim < len(shape) or x.shape[x.ndim - len(shape) :] != shape:
            self._raise_shape(x)
        device = self.__dict__.get("_device_cache", _UNKNOWN)
        if device is _UNKNOWN:
            device = self._find_device()
        if device is not None and not (device is _CPU and x.is_cpu) and device != x.device:
            raise InvalidInputError(
                f"{type(self).__name__} lives on {device} but x is on {x.device}; "
                f"move one of them (model.to({str(x.device)!r}) or x.to({str(device)!r}))"
            )

    def _raise_shape(self, x: Tensor) -> NoReturn:
        expected = ", ".join(["*batch", *map(str, self.event_shape or ())])
        raise InvalidInputError(
            f"{type(self).__name__} expects x of shape ({expected}), got {tuple(x.shape)}"
        )

    @property
    def device(self) -> torch.device:
        """The device of the model's first parameter or buffer (CPU for a model with none)."""
        device = self.__dict__.get("_device_cache", _UNKNOWN)
        if device is _UNKNOWN:
            device = self._find_device()
        return device if device is not None else torch.device("cpu")

    @property
    def dtype(self) -> torch.dtype:
        """The model's floating dtype: that of its first floating parameter or buffer, or, for a
        model that holds none, the one its last ``.to(dtype)``, ``.float()``, ``.double()`` or
        ``.half()`` asked for (float64 until then). Exact samples come in this dtype."""
        for tensor in self._reference_tensors():
            if tensor.is_floating_point():
                return tensor.dtype
        return self.__dict__.get("_converted_dtype", torch.float64)

    def _state_requires_grad(self) -> bool:
        """Whether a parameter or buffer of the model or its submodules requires grad: then a
        graph in them is wanted, which only autograd through ``forward`` gives.

        The tensors are read from the modules' ``_parameters`` and ``_buffers`` tables, found
        once (again when a submodule is set): ``torch.func.functional_call`` swaps tensors in
        those tables, and a swapped-in tensor that requires grad counts.
        """
        tables = self.__dict__.get("_state_tables")
        if tables is None or tables[0] is not self._parameters:  # (copied from another model)
            tables = tuple(
                table for module in self.modules() for table in (module._parameters, module._buffers)
            )
            self.__dict__["_state_tables"] = tables
        for table in tables:
            for tensor in table.values():
                if tensor is not None and tensor.requires_grad:
                    return True
        return False

    def _reference_tensors(self) -> Iterator[Tensor]:
        """Parameters, then buffers: the tensors whose device the model lives on."""
        return itertools.chain(self.parameters(), self.buffers())

    def _find_device(self) -> torch.device | None:
        """The device of the first parameter or buffer (None if it has none), cached until ``.to()``."""
        device = None
        for tensor in self._reference_tensors():
            device = _CPU if tensor.is_cpu else tensor.device
            break
        self.__dict__["_device_cache"] = device
        return device

    # The device cache is dropped before and after anything that may move or replace a tensor:
    # a `.device` read by another thread while the tensors move would otherwise cache the old
    # device for good.

    def _apply(self, fn: Any, recurse: bool = True) -> BaseModel:
        self.__dict__.pop("_device_cache", None)
        try:
            return super()._apply(fn, recurse)
        finally:
            self.__dict__.pop("_device_cache", None)
            self._follow_dtype(fn)

    def _follow_dtype(self, fn: Any) -> None:
        """Record the dtype a conversion asks for, for :attr:`dtype` of a model without tensors:
        the conversion is applied to an empty tensor on the meta device (which touches no
        device), else on the CPU; one it cannot follow leaves the dtype as it was."""
        current = self.__dict__.get("_converted_dtype", torch.float64)
        for device in ("meta", "cpu"):
            try:
                probe = fn(torch.empty(0, dtype=current, device=device))
            except Exception:  # a device or dtype this probe cannot take
                continue
            if isinstance(probe, Tensor) and probe.is_floating_point():
                self.__dict__["_converted_dtype"] = probe.dtype
            return

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        self.__dict__.pop("_device_cache", None)
        super().register_buffer(name, tensor, persistent)
        self.__dict__.pop("_device_cache", None)

    def register_parameter(self, name: str, param: nn.Parameter | None) -> None:
        self.__dict__.pop("_device_cache", None)
        super().register_parameter(name, param)
        self.__dict__.pop("_device_cache", None)

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if isinstance(value, (Tensor, nn.Module)):  # a buffer, parameter or submodule replaced
            self.__dict__.pop("_device_cache", None)
            if isinstance(value, nn.Module):
                self.__dict__.pop("_state_tables", None)

    def add_module(self, name: str, module: nn.Module | None) -> None:
        super().add_module(name, module)
        self.__dict__.pop("_device_cache", None)
        self.__dict__.pop("_state_tables", None)

    def _check_sample_count(self, n: Any) -> None:
        if not nonnegative_integer.check(n):
            raise InvalidParameterError("n", n, "an integer >= 0", energy=type(self).__name__)

    def extra_repr(self) -> str:
        parts = []
        for key, value in (self._config or {}).items():
            shown = _brief(value, 41)
            parts.append(f"{key}={shown if len(shown) <= 40 else '[...]'}")
        return ", ".join(parts)


def _brief(value: Any, limit: int) -> str:
    """``repr(value)``, cut once it passes ``limit`` characters, with models by class name.

    A model inside a config is shown as ``Name(...)``: ``repr`` of the whole module prints it
    as a submodule anyway, and repeating its own repr here made nested energies exponential.
    """
    if isinstance(value, BaseModel):
        return f"{type(value).__name__}(...)"
    if isinstance(value, (list, tuple, dict)):
        opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        text = opening
        for i, (k, v) in enumerate(items):
            text += (", " if i else "") + (f"{k!r}: " if isinstance(value, dict) else "") + _brief(v, limit)
            if len(text) > limit:
                return text
        return text + closing
    return repr(value)


def _integers(shape: Any) -> tuple[int, ...] | None:
    """``shape`` (an integer, numpy or 0-d torch integer included, or a sequence of them) as a
    tuple of Python ints, or None if it is not one."""
    items = shape if isinstance(shape, (tuple, list, torch.Size)) else (shape,)
    try:
        return tuple(operator.index(item) for item in items)
    except TypeError:
        return None
