"""Rules of the ground truth that every registered energy keeps, whichever plugin it comes from.

Parametrized over the whole registry, plus configurations that reach what the defaults do not,
so that a new energy is held to them as soon as it is registered:

* ``sample()`` returns the model's dtype, float64 as built, and follows ``.to(torch.float32)``,
  ``.float()`` and ``.double()``, in the shape ``(n, *event_shape)``;
* a declared :class:`ebmcore.Minima` lists isolated minimizers: the Hessian of the energy is
  positive definite at each. Where the minimizers form a continuum (an energy invariant under
  translations or rotations, such as the particle systems), the Hessian has zero eigenvalues
  along it and the rule of the ground-truth page is ``minima = None``;
* the rest of the ground truth stays float64 on the CPU, and readable, in a float32 model.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch

import ebmcore

F64 = torch.float64

NEEDS_ARGUMENTS: dict[str, dict[str, Any]] = {
    "gaussian_from_samples": {"samples": [[0.0, 1.0], [1.0, -1.0], [2.0, 0.5]]},
}
EXTRA: dict[str, dict[str, Any]] = {
    # energies without floating tensors of their own, composed of others without any
    "tempered-double_well": {"name": "tempered", "base": "double_well", "temperature": 2.0},
    "composite-double_wells": {
        "name": "composite",
        "components": ["double_well", {"name": "double_well", "barrier_height": 3.0}],
    },
    "annealed-double_wells-end": {
        "name": "annealed",
        "initial": "double_well",
        "target": "double_well",
        "beta": 1.0,
    },
    "mixture-harmonic-double_well": {"name": "mixture", "components": ["harmonic", "double_well"]},
    "rings-1d": {"name": "rings", "dim": 1},
    # the pure clusters, whose minimum is known (a continuum of minimizers)
    "lj13-pure": {"name": "lj13", "harmonic": 0.0},
    "lj3-pure": {"name": "lj13", "n_particles": 3, "harmonic": 0.0},
    "lj55-pure": {"name": "lj55", "harmonic": 0.0},
}

SPECS = [
    *(
        pytest.param({"name": name, **NEEDS_ARGUMENTS.get(name, {})}, id=name)
        for name in ebmcore.list_energies()
    ),
    *(pytest.param(spec, id=label) for label, spec in EXTRA.items()),
]


def _create(spec: dict[str, Any]) -> ebmcore.BaseModel:
    try:
        return ebmcore.create(dict(spec))
    except ebmcore.MissingParameterError as error:  # a new energy that needs arguments
        pytest.skip(f"no configuration for {spec['name']} here: {error}")


def _samples(model: ebmcore.BaseModel, n: int = 5) -> torch.Tensor | None:
    try:
        return model.sample(n, generator=torch.Generator().manual_seed(0))
    except NotImplementedError:
        return None


@pytest.mark.parametrize("spec", SPECS)
def test_sample_has_the_model_dtype_and_shape(spec: dict[str, Any]) -> None:
    model = _create(spec)
    if _samples(model) is None:
        pytest.skip("no exact sampler")
    shape = (5, *model.event_shape)
    for convert, dtype in (
        (lambda m: m, F64),  # as built
        (lambda m: m.to(torch.float32), torch.float32),
        (lambda m: m.double(), F64),
        (lambda m: m.float(), torch.float32),
        (lambda m: m.to(dtype=F64), F64),
    ):
        model = convert(model)
        samples = _samples(model)
        assert samples is not None
        assert samples.dtype == dtype and tuple(samples.shape) == shape, (dtype, samples.dtype, samples.shape)
        assert bool(torch.isfinite(samples).all())


@pytest.mark.parametrize("spec", SPECS)
def test_declared_minimizers_are_isolated(spec: dict[str, Any]) -> None:
    """At each listed minimizer the Hessian (autograd, float64) has no negative eigenvalue, and
    along any zero eigenvalue the energy rises (a higher-order minimum), not stays flat.

    The Hessian is first scaled to a unit diagonal (where its diagonal is positive), which keeps
    a zero eigenvalue zero but removes mere conditioning (the funnel's minimizer, 1/sigma^2
    next to e^{-v}). The smallest eigenvalue must then exceed ``1e-8`` times the largest
    magnitude: an energy invariant under a continuous transformation (translation, rotation)
    has an exact zero there, whose float64 rounding is about ``1e-16`` relative; the flattest
    declared minimum in the catalog (Rosenbrock's valley) has about ``4e-4``.
    """
    model = _create(spec)
    minima = model.minima
    if minima is None:
        pytest.skip("no minima declared")
    points = minima.points.reshape(len(minima.points), -1)[:8]
    for k, point in enumerate(points):

        def energy(z: torch.Tensor) -> torch.Tensor:
            return model.energy(z.reshape(model.event_shape))

        hessian = torch.autograd.functional.hessian(energy, point.clone())
        if not bool(torch.isfinite(hessian).all()) or not bool(hessian.any()):
            continue  # a kink (Ackley's cone) or a flat higher-order minimum (x^4): no verdict
        hessian = 0.5 * (hessian + hessian.T)
        diagonal = hessian.diagonal()
        if bool((diagonal > 0).all()):  # scaled to a unit diagonal: the funnel's e^{-v} ~ 4e17
            scaling = diagonal.rsqrt()  # next to 1/sigma^2 is conditioning, not a continuum
            hessian = scaling[:, None] * hessian * scaling[None, :]
        eigenvalues, vectors = torch.linalg.eigh(hessian)
        scale = float(eigenvalues.abs().max())
        smallest = float(eigenvalues.min())
        assert smallest > -1e-8 * scale, (
            f"minima.points[{k}] is a saddle: Hessian eigenvalue {smallest:.3g} (largest {scale:.3g})"
        )
        # A zero eigenvalue: a higher-order minimum (Powell's x^4 terms) rises along its
        # eigenvector, a continuum of minimizers stays flat to rounding there.
        flat = vectors[:, eigenvalues <= 1e-8 * scale]
        if bool((diagonal > 0).all()):
            flat = scaling[:, None] * flat  # back to the coordinates of x
        base = float(energy(point))
        for direction in flat.T:
            direction = direction / direction.norm()
            for step in (1e-1, -1e-1, 1e-2, -1e-2):
                rise = float(energy(point + step * direction)) - base
                assert rise > 1e-10 * (1.0 + abs(base)), (
                    f"minima.points[{k}] is not an isolated minimizer: flat along a zero-eigenvalue "
                    "direction of the Hessian; a continuum of minimizers is declared as minima = None"
                )


@pytest.mark.parametrize("spec", SPECS)
def test_ground_truth_stays_float64_in_a_float32_model(spec: dict[str, Any]) -> None:
    """``bounds``, ``mean``, ``stddev`` and the points of ``minima`` and ``modes`` are float64 on
    the CPU, and every piece can be read, whatever dtype the model was converted to."""
    model = _create(spec).float()
    for name in ("bounds", "mean", "stddev"):
        value = getattr(model, name)
        assert value is None or (value.dtype == F64 and value.device.type == "cpu"), (name, value.dtype)
    for found in (model.minima, model.modes):
        assert found is None or found.points.dtype == F64
    log_z = model.log_partition()
    assert log_z is None or isinstance(log_z, float)
