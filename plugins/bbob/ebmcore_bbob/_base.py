r"""The base class of the BBOB energies, and raw functions that several of them share.

Every BBOB function is a :class:`BBOBFunction` subclass with a class attribute ``function``
(COCO's number, 1 to 24). The base class draws the instance the way COCO does
(:mod:`ebmcore_bbob._coco`), keeps what the formulas need as float64 buffers (so that
``.to(dtype/device)`` moves them) and declares the ground truth: ``bounds`` :math:`[-5, 5]^d`
and ``minima`` (:math:`x_\mathrm{opt}`, :math:`f_\mathrm{opt}`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Integral
from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor

from ebmcore import BaseModel, Minima, constraints

from . import _coco

__all__ = [
    "BBOBFunction",
    "ellipsoid_raw_and_gradient",
    "rastrigin_lattice_and_gradient",
    "rastrigin_raw_and_gradient",
]


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


DIM = constraints.Constraint(
    lambda v: _is_int(v) and v >= 2,
    "an integer >= 2 (BBOB scales coordinates by i / (dim - 1); COCO's bbob suite serves "
    "2, 3, 5, 10, 20 and 40, the formulas hold for every dim >= 2)",
)
"""The ``dim`` constraint of every BBOB function."""

INSTANCE = constraints.Constraint(
    lambda v: _is_int(v) and 1 <= v <= _coco.MAX_INSTANCE,
    f"an integer in [1, {_coco.MAX_INSTANCE}] (COCO's instance number; the 2009-2010 instances "
    "are 1-15, later workshops used 1-5 with ten of 21-110)",
)
"""The ``instance`` constraint of every BBOB function."""


class BBOBFunction(BaseModel):
    r"""A function of COCO's BBOB suite: problem ``(function, dim, instance)``, batched.

    The energy is COCO's objective, :math:`f_\mathrm{opt}` included:
    :math:`E(x) = f(x) = f_\mathrm{raw}(z(x)) + f_\mathrm{opt}` (+ a penalty where BBOB has
    one), with :math:`z` the function's transformation of :math:`x - x_\mathrm{opt}`.

    Subclasses set ``function``, write ``forward`` (the formula once) and
    ``analytic_energy_and_gradient`` (energy computed by the same operations, bit for bit,
    and the gradient), add their fixed data as buffers with :meth:`register_constant` and
    :meth:`register_rotation`, and override :meth:`optimum` where COCO moves the optimum
    from the raw draw (f4, f5, f8, ...). Inputs are never cast: buffers are read in ``x``'s
    dtype through :meth:`cast` (and :meth:`shifted`), so float64 in gives float64 out.
    Subclasses that accept other dimensions override ``arg_constraints``.

    Attributes:
        function: COCO's function number (class attribute).
        instance: the instance number.
        seed: COCO's seed of the problem, :func:`ebmcore_bbob._coco.problem_seed`.
        f_opt: the optimal value, a Python float (an energy offset: never rounded to the
            model's dtype).
        x_opt: ``(dim,)`` buffer, the optimum :meth:`optimum` returns (float64 until
            ``.to()``).

    Args:
        dim: the dimension :math:`d \ge 2`.
        instance: COCO's instance number, 1 to :data:`ebmcore_bbob._coco.MAX_INSTANCE`
            (default 1).
    """

    function: ClassVar[int]
    """COCO's function number, 1 to 24."""

    domain = (-_coco.BOUND, _coco.BOUND)

    arg_constraints: ClassVar[Mapping[str, constraints.Constraint]] = {"dim": DIM, "instance": INSTANCE}

    x_opt: Tensor

    def __init__(self, dim: int = 2, instance: int = 1) -> None:
        super().__init__(dim, dim=dim, instance=instance)
        data = _coco.instance(self.function, int(dim), int(instance))
        optimum = np.array(self.optimum(data), dtype=np.float64)
        if optimum.shape != (self.dim,):
            raise ValueError(
                f"{type(self).__name__}.optimum returned shape {optimum.shape}, not ({self.dim},)"
            )
        self.instance = int(instance)
        self.seed = data.seed
        self.f_opt = data.f_opt
        self._minimizer = tuple(optimum.tolist())  # float64, for ``minima`` whatever the dtype
        self.register_constant("x_opt", optimum)

    @classmethod
    def optimum(cls, data: _coco.Instance) -> np.ndarray:
        """The optimum :math:`x_\\mathrm{opt}` of this function, from the instance's raw draw.

        The default is the draw itself, :func:`ebmcore_bbob._coco.compute_x_opt`. Functions
        that COCO gives another optimum override it (f4 takes the absolute value of every other
        coordinate, f5 keeps only the signs, at the bounds).
        """
        return data.x_opt

    # -- buffers -----------------------------------------------------------------------------

    def register_constant(self, name: str, values: Any, persistent: bool = True) -> None:
        """Register ``values`` (an array or nested list) as the float64 buffer ``name``.

        Buffers follow ``.to(dtype/device)`` and are part of ``state_dict`` unless not
        ``persistent`` (a vector that follows from the dimension alone, which the formulas
        read on every call); read them in ``forward`` through :meth:`cast`.
        """
        tensor = torch.tensor(np.asarray(values, dtype=np.float64), dtype=torch.float64)
        self.register_buffer(name, tensor, persistent=persistent)

    def register_rotation(self, name: str, offset: int = 0) -> None:
        """Register COCO's rotation ``rotation(seed + offset, dim)`` as the buffer ``name``.

        COCO's ``R`` of most rotated functions is ``offset=1000000`` and ``Q`` is
        ``offset=0``; apply it as ``z = x @ R.T`` (COCO's ``z = R x`` on a batch).
        """
        self.register_constant(name, _coco.rotation(self.seed + offset, self.dim))

    @staticmethod
    def cast(buffer: Tensor, x: Tensor) -> Tensor:
        """``buffer`` in ``x``'s dtype (itself when they already agree)."""
        return buffer.to(dtype=x.dtype)

    def shifted(self, x: Tensor) -> Tensor:
        """:math:`x - x_\\mathrm{opt}` in ``x``'s dtype."""
        return x - self.x_opt.to(dtype=x.dtype)

    # -- ground truth ------------------------------------------------------------------------

    @property
    def minima(self) -> Minima:
        """The global minimizer :math:`x_\\mathrm{opt}` (float64, on the CPU) and the minimum
        :math:`f_\\mathrm{opt}`, as COCO defines them."""
        return Minima(torch.tensor([self._minimizer], dtype=torch.float64), self.f_opt)

    @property
    def minimum_value(self) -> float:
        """:math:`f_\\mathrm{opt}`, COCO's optimal value: also where more than one point attains
        it and :attr:`minima` is None (f7, f16, f23)."""
        return self.f_opt

    @property
    def coco_id(self) -> str:
        """COCO's id of the problem, as ``cocoex`` names it (``"bbob_f008_i03_d10"``)."""
        return f"bbob_f{self.function:03d}_i{self.instance:02d}_d{self.dim:02d}"


# -- raw functions shared by several BBOB functions -----------------------------------------------


def _finite_angle(z: Tensor) -> Tensor:
    r""":math:`2\pi z`, with 0 where that overflows to :math:`\pm\infty` (``z`` itself, or
    beyond :math:`\max / 2\pi`: there :math:`z^2 = \infty` decides the value; ``cos(inf)``
    would make it NaN)."""
    angle = (2.0 * math.pi) * z
    return torch.where(torch.isinf(angle), 0.0, angle)


def rastrigin_raw_and_gradient(z: Tensor) -> tuple[Tensor, Tensor]:
    r"""Rastrigin's raw function on the last axis, :math:`10 \big(d - \sum_i \cos 2\pi
    z_i\big) + \sum_i z_i^2` (COCO's ``f_rastrigin_raw``, also the raw Büche--Rastrigin), and
    its gradient :math:`20\pi \sin(2\pi z_i) + 2 z_i`.

    Where a :math:`z_i` overflowed to :math:`\pm\infty` (a finite ``x`` that
    :math:`T_\mathrm{asy}` or a scaling blows up), or :math:`2\pi z_i` does, the value is
    :math:`+\infty`, the limit, where COCO's C code returns NaN (``cos(inf)``)."""
    lattice, grad = rastrigin_lattice_and_gradient(z)
    return lattice + (z * z).sum(-1), grad + 2.0 * z


def rastrigin_lattice_and_gradient(z: Tensor) -> tuple[Tensor, Tensor]:
    r"""The lattice of Rastrigin's function, :math:`10 \big(d - \sum_i \cos 2\pi z_i\big)`
    on the last axis (f24's whole formula), and its gradient :math:`20\pi \sin(2\pi z_i)`;
    1 for the cosine where :math:`2\pi z_i` overflowed to :math:`\pm\infty`."""
    angle = _finite_angle(z)
    return 10.0 * (z.shape[-1] - torch.cos(angle).sum(-1)), (20.0 * math.pi) * torch.sin(angle)


def ellipsoid_raw_and_gradient(z: Tensor, weights: Tensor) -> tuple[Tensor, Tensor]:
    r"""The raw ellipsoid :math:`\sum_i w_i z_i^2` on the last axis (COCO's
    ``f_ellipsoid_raw`` with ``weights = powers(condition, d)``) and its gradient
    :math:`2 w_i z_i`."""
    weighted = weights * z
    return (weighted * z).sum(-1), 2.0 * weighted
