"""The density adapter: the energy :math:`E(x) = -\\log p(x)` of anything with a ``log_prob``."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn
from torch import distributions as D

from ebmcore import (
    BaseModel,
    InvalidInputError,
    InvalidParameterError,
    Minima,
    MissingParameterError,
    RegistrationError,
    UnknownParameterError,
    constraints,
)
from ebmcore.plugin import close_matches

__all__ = ["ALLOWED_DISTRIBUTIONS", "Density"]


@dataclass(frozen=True)
class _Family:
    """One allowlisted ``torch.distributions`` class and how a config may build it."""

    cls: Any  # a torch.distributions class; Any because their __init__ signatures differ
    params: tuple[str, ...]
    defaults: Mapping[str, float] = field(default_factory=dict)
    univariate: bool = True
    bounded_support: bool = False  # support is not all of R: mask points outside it

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(p for p in self.params if p not in self.defaults and self.univariate)


_LOC_SCALE = {"loc": 0.0, "scale": 1.0}

ALLOWED_DISTRIBUTIONS: Mapping[str, _Family] = {
    "Normal": _Family(D.Normal, ("loc", "scale"), _LOC_SCALE),
    "Laplace": _Family(D.Laplace, ("loc", "scale"), _LOC_SCALE),
    "Cauchy": _Family(D.Cauchy, ("loc", "scale"), _LOC_SCALE),
    "Gumbel": _Family(D.Gumbel, ("loc", "scale"), _LOC_SCALE),
    "StudentT": _Family(D.StudentT, ("df", "loc", "scale"), _LOC_SCALE),
    "LogNormal": _Family(D.LogNormal, ("loc", "scale"), _LOC_SCALE, bounded_support=True),
    "HalfNormal": _Family(D.HalfNormal, ("scale",), {"scale": 1.0}, bounded_support=True),
    "Uniform": _Family(D.Uniform, ("low", "high"), {"low": 0.0, "high": 1.0}, bounded_support=True),
    "Beta": _Family(D.Beta, ("concentration1", "concentration0"), bounded_support=True),
    "Gamma": _Family(D.Gamma, ("concentration", "rate"), {"rate": 1.0}, bounded_support=True),
    "Exponential": _Family(D.Exponential, ("rate",), {"rate": 1.0}, bounded_support=True),
    "MultivariateNormal": _Family(
        D.MultivariateNormal,
        ("loc", "covariance_matrix", "precision_matrix", "scale_tril"),
        univariate=False,
    ),
    "LowRankMultivariateNormal": _Family(
        D.LowRankMultivariateNormal, ("loc", "cov_factor", "cov_diag"), univariate=False
    ),
}
"""The only distributions a config may name, with the parameters each accepts.

Univariate ones are evaluated coordinate-wise and wrapped in
``Independent(..., reinterpreted_batch_ndims=1)`` so that the event shape is ``(dim,)``.
"""

_DEFAULT_DIM = 2
_mapping_or_none = constraints.Constraint(
    lambda v: v is None or isinstance(v, Mapping),
    "None or a dict mapping parameter names to numbers or (nested) lists of numbers",
)


_distribution = constraints.Constraint(
    lambda v: v in ALLOWED_DISTRIBUTIONS if isinstance(v, str) else callable(getattr(v, "log_prob", None)),
    "an allowlisted torch.distributions name (see ebmcore_density.ALLOWED_DISTRIBUTIONS) "
    "or a live object with log_prob",
)


def _allowed_text(name: object) -> str:
    allowed = ", ".join(map(repr, ALLOWED_DISTRIBUTIONS))
    text = f"one of the allowlisted torch.distributions names {allowed}, or a live object with log_prob"
    if isinstance(name, str):
        last = name.rsplit(".", 1)[-1]
        matches = close_matches(last, ALLOWED_DISTRIBUTIONS) or close_matches(
            last.lower(), {k.lower(): k for k in ALLOWED_DISTRIBUTIONS}
        )
        matches = [m if m in ALLOWED_DISTRIBUTIONS else _lower_to_name(m) for m in matches]
        if matches:
            text += f" (did you mean {' or '.join(map(repr, matches))}?)"
        if "." in name or ":" in name:
            text += "; import paths are never imported from a config"
    return text


def _lower_to_name(lower: str) -> str:
    return next(k for k in ALLOWED_DISTRIBUTIONS if k.lower() == lower)


_HALF = (torch.float16, torch.bfloat16)
"""Dtypes a named density is computed in float32 for, and rounded back to."""


class Density(BaseModel):
    r"""The energy of a density: :math:`E(x) = -\log p(x)`.

    .. math::

        E(x) = -\log p(x), \qquad
        \log Z = \log \int e^{-E(x)}\,dx = 0 \quad \text{when } p \text{ is normalized}.

    ``distribution`` is either

    * the **name** of one of a fixed allowlist of ``torch.distributions`` classes
      (:data:`ALLOWED_DISTRIBUTIONS`: ``Normal``, ``Laplace``, ``Cauchy``, ``Gumbel``,
      ``StudentT``, ``LogNormal``, ``HalfNormal``, ``Uniform``, ``Beta``, ``Gamma``,
      ``Exponential``, ``MultivariateNormal``, ``LowRankMultivariateNormal``) with its
      arguments in ``params``. Univariate families act coordinate-wise (scalars broadcast to
      ``dim``; the event shape is ``(dim,)`` through ``Independent``). The parameters are stored
      as float64 buffers and the distribution is rebuilt in ``x.dtype`` at each call, so
      ``model.to(...)`` moves them and float64 in gives float64 out. Such a model has a JSON
      ``config`` and exact ``sample``, ``log_partition() = 0``, ``minima`` (the mode, when the
      density is finite there) and ``bounds`` (mean ± 5 sd, or loc ± 20 scale for tails
      without a variance, clipped to the support). Outside the support the energy is
      ``+inf`` (gradient 0).
    * a **live object** with ``log_prob(x)``: a ``torch.distributions.Distribution`` (batch
      dimensions are reinterpreted as event dimensions), a normalizing flow or any
      ``nn.Module``. An ``nn.Module`` becomes a submodule (it follows ``.to()``, its parameters
      train through ``create_graph=True``); a ``Distribution`` is used as given (build it in
      the dtype and device you evaluate in). ``sample`` calls ``sample(torch.Size([n]))`` of a
      distribution, else ``sample(n)`` (or ``rsample``) of the object. Such a model has **no
      config**: :attr:`config` and :attr:`spec` raise :class:`ebmcore.RegistrationError`,
      because a live object cannot be written to JSON; save its ``state_dict`` and rebuild the
      object in code instead.

    Security: a config (a JSON file, a command line) can only *name* allowlisted classes; no
    string is ever imported or evaluated, so a dotted path such as
    ``"torch.distributions.Normal"`` or ``"os.system"`` is rejected with
    :class:`ebmcore.InvalidParameterError` listing the allowed names. Parameter values must be
    finite numbers or nested lists of them.

    The gradient is computed by autograd through ``log_prob``.

    Args:
        distribution: an allowlisted name (default ``"MultivariateNormal"``) or a live object
            with ``log_prob``.
        params: keyword arguments of the named distribution (numbers or nested lists); omitted
            ones take their standard values (zero location, unit scale, identity covariance).
        dim: dimension; defaults to what ``params`` fix, else 2. For a live object that is not
            a ``Distribution`` and has no ``event_shape`` attribute, omitting it leaves the
            dimension open: the model's ``event_shape`` and ``dim`` are None and the last axis
            of each input is one sample, whatever its size.
        normalized: whether ``exp(-E)`` integrates to one, so ``log_partition() = 0``; ``None``
            means True for torch distributions and False for other objects.

    References:
        Papamakarios et al., *Normalizing Flows for Probabilistic Modeling and Inference*,
        JMLR 22(57), 2021. The ``torch.distributions`` documentation for each family.

    Example:
        >>> import torch, ebmcore
        >>> model = ebmcore.create("density", distribution="MultivariateNormal",
        ...                        params={"loc": [0.0, 0.0], "covariance_matrix": [[1.0, 0.0], [0.0, 1.0]]})
        >>> model.energy(torch.zeros(2, dtype=torch.float64))  # log(2 pi)
        tensor(1.8379, dtype=torch.float64)
        >>> model.log_partition()
        0.0
        >>> ebmcore.create("density", distribution="Laplace", dim=3).sample(4).shape
        torch.Size([4, 3])
        >>> ebmcore.create("density", distribution="os.system")
        Traceback (most recent call last):
        ...
        ebmcore.InvalidParameterError: Density: parameter 'distribution' must be one of ...
    """

    arg_constraints = {
        "distribution": _distribution,  # checked in __init__, with a did-you-mean
        "params": _mapping_or_none,
        "dim": constraints.optional(constraints.positive_integer),
        "normalized": constraints.optional(constraints.boolean),
    }

    def __init__(
        self,
        distribution: Any = "MultivariateNormal",
        params: Mapping[str, Any] | None = None,
        dim: int | None = None,
        normalized: bool | None = None,
    ) -> None:
        if not _distribution.check(distribution):  # before check_args: this message suggests names
            raise InvalidParameterError(
                "distribution", distribution, _allowed_text(distribution), energy="Density"
            )
        args = self.check_args(distribution=distribution, params=params, dim=dim, normalized=normalized)
        self._family: _Family | None = None
        self._squeeze = False  # a live distribution with a scalar event: x has a trailing 1
        self._param_names: tuple[str, ...] = ()
        if isinstance(distribution, str):
            family = ALLOWED_DISTRIBUTIONS[distribution]  # a fixed table: no string is imported
            tensors, d = _named_params(distribution, family, args["params"], dim)
            super().__init__(d, distribution=distribution, params=params, dim=d, normalized=normalized)
            self._family = family
            self._name = distribution
            self._param_names = tuple(tensors)
            for key, value in tensors.items():
                self.register_buffer(key, value)
            self._normalized = True if normalized is None else normalized
            return
        if params is not None:
            raise InvalidParameterError(
                "params", params, "None when distribution is a live object", energy="Density"
            )
        shape = self._live_shape(distribution, dim)
        size = None if shape is None else math.prod(shape)
        super().__init__(shape, distribution=distribution, params=None, dim=size, normalized=normalized)
        self._name = type(distribution).__name__
        if isinstance(distribution, D.Distribution) and distribution.batch_shape:
            distribution = D.Independent(distribution, len(distribution.batch_shape))
        self.wrapped = distribution  # an nn.Module becomes a submodule and follows .to()
        self._normalized = isinstance(distribution, D.Distribution) if normalized is None else normalized

    def _live_shape(self, obj: Any, dim: int | None) -> tuple[int, ...] | None:
        """The event shape of a live object; None (any dimension) where neither it nor ``dim`` fixes one."""
        if isinstance(obj, D.Distribution):
            shape = tuple(obj.batch_shape) + tuple(obj.event_shape)
            if not shape:
                shape, self._squeeze = (1,), True
        elif getattr(obj, "event_shape", None) is not None:
            shape = tuple(int(s) for s in obj.event_shape) or (1,)
            self._squeeze = not tuple(obj.event_shape)
        elif dim is not None:
            shape = (dim,)
        else:  # fits any dimension: the last axis of the input is one sample
            return None
        if dim is not None and math.prod(shape) != dim:
            raise InvalidParameterError(
                "dim", dim, f"the object's event size {math.prod(shape)} (shape {shape})", energy="Density"
            )
        return shape

    # -- the distribution --------------------------------------------------------------------

    def _build(self, dtype: torch.dtype | None = None) -> D.Distribution:
        """The named distribution from the current buffers, in ``dtype`` (default: theirs)."""
        family = self._family
        if family is None:
            raise RuntimeError("only a named density is rebuilt from buffers")
        p = {
            k: self.get_buffer(k) if dtype is None else self.get_buffer(k).to(dtype)
            for k in self._param_names
        }
        if family.univariate:
            base = family.cls(**p, validate_args=False)
            return D.Independent(base, 1, validate_args=False)
        return family.cls(**p, validate_args=False)

    @property
    def distribution(self) -> Any:
        """The object whose ``log_prob`` is the negative energy (a named one rebuilt from the buffers)."""
        return self.wrapped if self._family is None else self._build()

    def forward(self, x: Tensor) -> Tensor:
        if self._family is None:
            return self._forward_live(x)
        if x.dtype in _HALF:  # torch.distributions' linear algebra has no half-precision kernels
            return self.forward(x.float()).to(x.dtype)
        dist = self._build(x.dtype)
        nan = x.isnan().any(-1)
        if self._family.bounded_support:
            base = dist.base_dist  # type: ignore[attr-defined]
            inside = base.support.check(x) | x.isnan()
            safe = torch.where(inside, x, base.mean.expand_as(x))
            energy = 0.0 - dist.log_prob(safe)  # 0 - p, not -p: no negative zeros
            energy = torch.where(inside.all(-1), energy, torch.full_like(energy, math.inf))
        else:
            energy = 0.0 - dist.log_prob(x)
        return torch.where(nan, torch.full_like(energy, math.nan), energy)

    def _forward_live(self, x: Tensor) -> Tensor:
        obj = self.wrapped
        log_prob = obj.log_prob(x.squeeze(-1) if self._squeeze else x)
        batch = x.shape[: x.dim() - self.event_ndim]
        if not isinstance(log_prob, Tensor) or log_prob.shape != batch:
            shown = tuple(log_prob.shape) if isinstance(log_prob, Tensor) else type(log_prob).__name__
            raise InvalidParameterError(
                "distribution",
                obj,
                f"an object whose log_prob maps x of shape (*batch, *event_shape) to (*batch,) "
                f"(x has shape {tuple(x.shape)}, log_prob returned {shown})",
                energy="Density",
            )
        if log_prob.dtype != x.dtype:
            if torch.finfo(log_prob.dtype).bits < torch.finfo(x.dtype).bits:
                raise InvalidInputError(
                    f"Density: the wrapped {self._name} returned {log_prob.dtype} log-probabilities for "
                    f"{x.dtype} x; convert it (module.to({x.dtype}) or build the distribution in {x.dtype}) "
                    "instead of losing precision silently"
                )
            log_prob = log_prob.to(x.dtype)
        return -log_prob

    # -- ground truth --------------------------------------------------------------------------

    def log_partition(self) -> float | None:
        """0 for a normalized density (every torch distribution), else None (unknown)."""
        return 0.0 if self._normalized else None

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """``n`` exact samples, passed through from the distribution.

        ``torch.distributions`` samplers draw from the global RNG and take no generator; when a
        ``generator`` is given, a seed is drawn from it and the sampler runs inside
        ``torch.random.fork_rng`` seeded with it, so the draw is reproducible and the global RNG
        state is left untouched.
        """
        if self._family is not None:
            device = self.get_buffer(self._param_names[0]).device
            with torch.no_grad(), _seeded(generator, device):
                return self._build().sample(torch.Size([n]))
        obj = self.wrapped
        device = _device_of(obj)
        with torch.no_grad(), _seeded(generator, device):
            if isinstance(obj, D.Distribution):
                draw = obj.sample(torch.Size([n]))
            elif callable(getattr(obj, "sample", None)):
                draw = obj.sample(n)
            elif callable(getattr(obj, "rsample", None)):
                draw = obj.rsample(n)
            else:
                return super().sample(n, generator)
        if self._squeeze and isinstance(draw, Tensor):
            draw = draw.unsqueeze(-1)
        if self.event_shape is None:
            fits = isinstance(draw, Tensor) and draw.ndim == 2 and draw.shape[0] == n
            wanted = f"({n}, dim)"
        else:
            fits = isinstance(draw, Tensor) and draw.shape == (n, *self.event_shape)
            wanted = str((n, *self.event_shape))
        if not fits:
            shown = tuple(draw.shape) if isinstance(draw, Tensor) else type(draw).__name__
            raise InvalidParameterError(
                "distribution",
                obj,
                f"an object whose sample(n) returns a tensor of shape {wanted}, got {shown}",
                energy="Density",
            )
        return draw.detach()

    @property
    def minima(self) -> Minima | None:
        """The mode and its energy, for a named density that is finite and unimodal there."""
        if self._family is None:
            return None
        dist = self._build(torch.float64)
        try:
            mode = dist.mode.detach().cpu()
        except NotImplementedError:
            return None
        if not bool(torch.isfinite(mode).all()):
            return None
        value = 0.0 - float(dist.log_prob(mode.to(self.get_buffer(self._param_names[0]).device)))
        return Minima(mode.reshape(1, -1), value) if math.isfinite(value) else None

    @property
    def bounds(self) -> Tensor | None:
        """Mean ± 5 sd per coordinate (loc ± 20 scale without a variance), clipped to the support."""
        if self._family is None:
            return None
        dist = self._build(torch.float64)
        mean, sd = dist.mean.detach().cpu(), dist.variance.detach().cpu().sqrt()
        low, high = mean - 5.0 * sd, mean + 5.0 * sd
        if self._family.univariate:
            base = dist.base_dist  # type: ignore[attr-defined]
            if {"loc", "scale"} <= set(self._param_names):
                loc, scale = self.get_buffer("loc").cpu().double(), self.get_buffer("scale").cpu().double()
                wide = ~(torch.isfinite(low) & torch.isfinite(high))
                low = torch.where(wide, loc - 20.0 * scale, low)
                high = torch.where(wide, loc + 20.0 * scale, high)
            support = base.support
            lower, upper = getattr(support, "lower_bound", None), getattr(support, "upper_bound", None)
            if lower is not None:
                low = torch.maximum(low, torch.as_tensor(lower, dtype=torch.float64).cpu().expand_as(low))
            if upper is not None:
                high = torch.minimum(high, torch.as_tensor(upper, dtype=torch.float64).cpu().expand_as(high))
        box = torch.stack([low, high]).to(torch.float64)
        return box if bool(torch.isfinite(box).all()) else None

    # -- config --------------------------------------------------------------------------------

    @property
    def config(self) -> dict[str, Any]:
        """Constructor arguments (JSON); a density of a live object has none and raises.

        Raises:
            RegistrationError: the density wraps a live object, which cannot be rebuilt from
                JSON. Save ``model.state_dict()`` and rebuild the object in code.
        """
        if self._family is None:
            raise RegistrationError(
                f"Density of a live {self._name} object has no config: a live object cannot be "
                "written to JSON or rebuilt from it. Name an allowlisted distribution "
                f"({', '.join(ALLOWED_DISTRIBUTIONS)}) for a rebuildable density, or save "
                "model.state_dict() and rebuild the object in code"
            )
        return super().config


def _named_params(
    name: str, family: _Family, given: Mapping[str, Any] | None, dim: int | None
) -> tuple[dict[str, Tensor], int]:
    """Check the params of a named family; return float64 tensors (broadcast to dim) and dim."""
    label = f"Density({name})"
    given = dict(given or {})
    for key in given:
        if key not in family.params:
            raise UnknownParameterError(f"{label} parameter 'params'", key, family.params)
    for key in family.required:
        if key not in given:
            raise MissingParameterError(f"{label} parameter 'params'", key, family.params)
    tensors: dict[str, Tensor] = {}
    for key, value in given.items():
        try:
            if isinstance(value, bool):
                raise TypeError("a boolean is not a number")
            tensor = torch.as_tensor(value, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError):
            raise InvalidParameterError(
                f"params[{key!r}]", value, "a number or a (nested) list of numbers", energy=label
            ) from None
        if not bool(torch.isfinite(tensor).all()):
            raise InvalidParameterError(f"params[{key!r}]", value, "finite", energy=label)
        tensors[key] = tensor.clone()
    sizes = _sizes(label, family, tensors)
    if dim is not None:
        sizes["dim"] = dim
    if len(set(sizes.values())) > 1:
        detail = ", ".join(f"{k} gives {v}" for k, v in sizes.items())
        raise InvalidParameterError("dim", dim, f"consistent with params ({detail})", energy="Density")
    d = next(iter(sizes.values()), _DEFAULT_DIM)
    if family.univariate:
        out = {}
        for key in family.params:
            value = tensors.get(key, torch.tensor(family.defaults.get(key, 0.0), dtype=torch.float64))
            out[key] = value.expand(d).clone()
    else:
        out = _multivariate(name, family, tensors, d)
    declared = family.cls.arg_constraints
    known: Mapping[str, Any] = declared if isinstance(declared, Mapping) else {}  # Uniform's is a property
    for key, value in out.items():
        constraint = known.get(key)
        if constraint is None or isinstance(constraint, D.constraints._Dependent):
            continue
        if not bool(constraint.check(value).all()):
            raise InvalidParameterError(
                f"params[{key!r}]", given.get(key), f"a tensor satisfying {constraint}", energy=label
            )
    try:  # a last, complete check by torch itself (e.g. Uniform needs low < high)
        probe = {k: v for k, v in out.items()}
        family.cls(**probe, validate_args=True)
    except ValueError as exc:
        first = str(exc).splitlines()[0]
        raise InvalidParameterError(
            "params", given, f"valid {name} parameters ({first})", energy=label
        ) from exc
    return out, d


def _sizes(label: str, family: _Family, tensors: Mapping[str, Tensor]) -> dict[str, int]:
    """The dimension each given parameter implies (scalars and length-1 lists imply none)."""
    sizes: dict[str, int] = {}
    for key, t in tensors.items():
        matrix = key in ("covariance_matrix", "precision_matrix", "scale_tril", "cov_factor")
        if matrix:
            square = key != "cov_factor"
            if t.ndim != 2 or (square and t.shape[0] != t.shape[1]) or t.shape[0] == 0 or t.shape[1] == 0:
                what = "a square matrix (d x d)" if square else "a matrix (d x rank)"
                raise InvalidParameterError(f"params[{key!r}]", t.tolist(), what, energy=label)
            sizes[key] = int(t.shape[0])
        elif t.ndim > 1 or (t.ndim == 1 and len(t) == 0):
            raise InvalidParameterError(
                f"params[{key!r}]", t.tolist(), "a number or a non-empty list of numbers", energy=label
            )
        elif t.ndim == 1 and len(t) > 1:
            sizes[key] = len(t)
    return sizes


def _multivariate(name: str, family: _Family, tensors: dict[str, Tensor], d: int) -> dict[str, Tensor]:
    f64 = torch.float64
    loc = tensors.get("loc", torch.zeros((), dtype=f64)).expand(d).clone()
    if name == "LowRankMultivariateNormal":
        cov_diag = tensors.get("cov_diag", torch.ones((), dtype=f64)).expand(d).clone()
        return {"loc": loc, "cov_factor": tensors["cov_factor"], "cov_diag": cov_diag}
    given = [k for k in ("covariance_matrix", "precision_matrix", "scale_tril") if k in tensors]
    if len(given) > 1:
        raise InvalidParameterError(
            "params",
            {k: tensors[k].tolist() for k in given},
            "at most one of 'covariance_matrix', 'precision_matrix', 'scale_tril'",
            energy=f"Density({name})",
        )
    if not given:
        return {"loc": loc, "scale_tril": torch.eye(d, dtype=f64)}
    key = given[0]
    matrix = tensors[key]
    constraint = family.cls.arg_constraints[key]
    if not bool(constraint.check(matrix).all()):
        raise InvalidParameterError(
            f"params[{key!r}]",
            matrix.tolist(),
            f"a matrix satisfying {constraint}",
            energy=f"Density({name})",
        )
    if key == "scale_tril":
        tril = matrix
    elif key == "covariance_matrix":
        tril = torch.linalg.cholesky(matrix)
    else:
        tril = torch.linalg.cholesky(torch.cholesky_inverse(torch.linalg.cholesky(matrix)))
    return {"loc": loc, "scale_tril": tril}


def _device_of(obj: Any) -> torch.device:
    if isinstance(obj, nn.Module):
        for tensor in (*obj.parameters(), *obj.buffers()):
            return tensor.device
    if isinstance(obj, D.Distribution):
        for value in vars(obj).values():
            if isinstance(value, Tensor):
                return value.device
    return torch.device("cpu")


@contextlib.contextmanager
def _seeded(generator: torch.Generator | None, device: torch.device) -> Iterator[None]:
    """Run the global-RNG samplers inside with a seed drawn from ``generator`` (if any)."""
    if generator is None:
        yield
        return
    seed = int(torch.randint(0, 2**62, (1,), generator=generator, device=generator.device).item())
    devices = (
        [device.index if device.index is not None else torch.cuda.current_device()]
        if device.type == "cuda"
        else []
    )
    with torch.random.fork_rng(devices=devices):
        torch.default_generator.manual_seed(seed)
        if device.type == "cuda":
            with torch.cuda.device(devices[0]):
                torch.cuda.manual_seed(seed)
        yield
