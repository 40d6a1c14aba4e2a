"""The compatibility classes against TorchEBM 0.8.9 itself: same energies and gradients.

TorchEBM is not a dependency and is never installed into ``.venv``; this module skips there.
It runs in ``.venv-bench`` (``bash bench/setup_env.sh`` adds ``torchebm==0.8.9``)::

    .venv-bench/bin/python -m pytest plugins/torchebm/tests/test_against_torchebm.py -q -p no:cacheprovider

TorchEBM's models are built with ``dtype=torch.float64`` (its ``BaseModel`` defaults to float32
and its Gaussian casts inputs to it), and both sides are compared at random float64 points to a
relative 1e-10.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import ebmcore_torchebm as ours
import pytest
import torch

torchebm = pytest.importorskip("torchebm")
tcore = pytest.importorskip("torchebm.core")

F64 = torch.float64
RTOL = 1e-10


def _spd(d: int, seed: int) -> torch.Tensor:
    root = torch.randn(d, d, dtype=F64, generator=torch.Generator().manual_seed(seed))
    cov = root @ root.T + 0.5 * torch.eye(d, dtype=F64)
    return 0.5 * (cov + cov.T)


MEAN = torch.tensor([0.5, -1.0, 2.0], dtype=F64)
COV = _spd(3, seed=11)

# name -> (our model, TorchEBM's model, dimension, scale of the test points)
CASES: dict[str, Callable[[], tuple[Any, Any, int, float]]] = {
    "GaussianModel": lambda: (
        ours.GaussianModel(MEAN, COV),
        tcore.GaussianModel(MEAN, COV, dtype=F64),
        3,
        2.0,
    ),
    "DoubleWellModel-default": lambda: (ours.DoubleWellModel(), tcore.DoubleWellModel(dtype=F64), 2, 1.5),
    "DoubleWellModel": lambda: (
        ours.DoubleWellModel(0.7, 1.3, dim=3),
        tcore.DoubleWellModel(0.7, 1.3, dtype=F64),
        3,
        1.5,
    ),
    "RosenbrockModel-default": lambda: (ours.RosenbrockModel(), tcore.RosenbrockModel(dtype=F64), 2, 2.0),
    "RosenbrockModel": lambda: (
        ours.RosenbrockModel(2.0, 5.0, dim=5),
        tcore.RosenbrockModel(2.0, 5.0, dtype=F64),
        5,
        2.0,
    ),
    "AckleyModel-default": lambda: (ours.AckleyModel(), tcore.AckleyModel(dtype=F64), 2, 3.0),
    "AckleyModel": lambda: (
        ours.AckleyModel(10.0, 0.5, 3.0, dim=5),
        tcore.AckleyModel(10.0, 0.5, 3.0, dtype=F64),
        5,
        3.0,
    ),
    "RastriginModel-default": lambda: (ours.RastriginModel(), tcore.RastriginModel(dtype=F64), 2, 3.0),
    "RastriginModel": lambda: (ours.RastriginModel(3.0, dim=4), tcore.RastriginModel(3.0, dtype=F64), 4, 3.0),
    "HarmonicModel-default": lambda: (ours.HarmonicModel(), tcore.HarmonicModel(dtype=F64), 2, 2.0),
    "HarmonicModel": lambda: (ours.HarmonicModel(2.5, dim=6), tcore.HarmonicModel(2.5, dtype=F64), 6, 2.0),
    "HimmelblauModel": lambda: (ours.HimmelblauModel(), tcore.HimmelblauModel(dtype=F64), 2, 4.0),
    "BoothModel": lambda: (ours.BoothModel(), tcore.BoothModel(dtype=F64), 2, 4.0),
    "StyblinskiTangModel": lambda: (
        ours.StyblinskiTangModel(dim=4),
        tcore.StyblinskiTangModel(dtype=F64),
        4,
        4.0,
    ),
}


def _assert_relative(actual: torch.Tensor, expected: torch.Tensor, what: str) -> None:
    """``|actual - expected| <= RTOL * (|expected| + the largest |expected| of its sample)``."""
    assert actual.shape == expected.shape and actual.dtype == expected.dtype == F64, what
    magnitude = expected.abs()
    row = magnitude.reshape(len(magnitude), -1).amax(-1).reshape(-1, *([1] * (magnitude.dim() - 1)))
    error = (actual - expected).abs()
    bound = RTOL * (magnitude + row) + 1e-300
    worst = float((error / bound).max())
    assert worst <= 1.0, f"{what}: relative error {worst * RTOL:.3g} > {RTOL:g}"


def test_torchebm_is_0_8_9() -> None:
    assert torchebm.__version__ == "0.8.9"


@pytest.mark.parametrize("name", sorted(CASES))
def test_energy_and_gradient_agree_with_torchebm(name: str) -> None:
    model, reference, dim, scale = CASES[name]()
    generator = torch.Generator().manual_seed(sum(map(ord, name)))
    x = scale * torch.randn(256, dim, dtype=F64, generator=generator)
    if name.startswith("AckleyModel"):
        x = x[x.norm(dim=-1) > 1e-3]  # away from the cone's tip at 0
    theirs_energy = reference(x).detach()
    theirs_gradient = reference.gradient(x)
    _assert_relative(model.energy(x), theirs_energy, f"{name} energy")
    _assert_relative(model.gradient(x), theirs_gradient, f"{name} gradient")
    _assert_relative(model.energy_and_gradient(x)[1], theirs_gradient, f"{name} energy_and_gradient")
    _assert_relative(model(x).detach(), theirs_energy, f"{name} forward")


def test_the_seed_call_patterns_agree_with_torchebm() -> None:
    mean, covariance = torch.tensor([0.0, 0.0], dtype=F64), torch.eye(2, dtype=F64)
    x = torch.randn(64, 2, dtype=F64, generator=torch.Generator().manual_seed(0))
    pairs = [
        (ours.GaussianModel(mean, covariance), tcore.GaussianModel(mean, covariance, dtype=F64)),
        (ours.DoubleWellModel(barrier_height=2.0), tcore.DoubleWellModel(barrier_height=2.0, dtype=F64)),
    ]
    for model, reference in pairs:
        _assert_relative(model.energy(x), reference(x).detach(), type(model).__name__)
        _assert_relative(model.gradient(x), reference.gradient(x), type(model).__name__)


def test_ackley_at_the_origin_is_exactly_zero_where_torchebm_leaves_a_residue() -> None:
    origin = torch.zeros(1, 2, dtype=F64)
    assert ours.AckleyModel().energy(origin).item() == 0.0
    theirs = tcore.AckleyModel(dtype=F64)(origin).item()
    assert abs(theirs) <= 8.0 * math.ulp(20.0 + math.e)


def test_torchebm_langevin_samples_an_ebmcore_energy() -> None:
    """TorchEBM's sampler drives an ebmcore energy (``model.gradient``, ``model(x)``); its draws
    have the exact moments, to the Monte Carlo error and the step-size bias."""
    from torchebm.samplers import LangevinDynamics

    import ebmcore

    model = ebmcore.create("gaussian", mean=[1.0, -1.0], cov=[0.5, 2.0])
    torch.manual_seed(0)
    draws = LangevinDynamics(model=model, step_size=0.01).sample(x=torch.zeros(4000, 2), n_steps=1500)
    assert draws.shape == (4000, 2)
    torch.testing.assert_close(draws.mean(0).double(), model.mean, rtol=0, atol=0.1)
    torch.testing.assert_close(draws.var(0).double(), model.stddev**2, rtol=0.06, atol=0)
