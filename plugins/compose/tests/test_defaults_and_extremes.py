"""Defaults that survive another plugin's ``gaussian``, temperatures at the ends of float64,
and closed forms that stay ``O(d)`` and exact at extreme parameters.

References: closed forms (Gaussian normalizers, the Gaussian limit of narrow double wells) and
energies written out in numpy float64.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
import torch

import ebmcore

F64 = torch.float64


def _names(spec: object) -> set[str]:
    """Every energy name in a (nested) spec."""
    if isinstance(spec, dict):
        found = {spec["name"]} if isinstance(spec.get("name"), str) else set()
        return found.union(*(_names(v) for k, v in spec.items() if k != "name"))
    if isinstance(spec, list):
        return set().union(*(_names(v) for v in spec))
    return set()


@pytest.mark.usefixtures("clashing_gaussian")
@pytest.mark.parametrize("name", ["tempered", "annealed", "composite", "mixture", "transformed"])
def test_defaults_name_the_analytic_gaussian(name: str) -> None:
    """Before, all five defaults used the bare name and raised AmbiguousEnergyError."""
    model = ebmcore.create(name)
    names = _names(model.spec) - {model.spec["name"]}
    assert names == {"analytic/gaussian"}
    x = torch.tensor([[0.3, -1.2]], dtype=F64)
    assert torch.isfinite(model.energy(x)).all()
    rebuilt = ebmcore.create(model.spec)
    assert torch.equal(rebuilt.energy(x), model.energy(x))


@pytest.mark.usefixtures("clashing_gaussian")
def test_default_tempered_is_the_standard_gaussian_at_temperature_two() -> None:
    model = ebmcore.create("tempered")
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    np.testing.assert_allclose(model.energy(torch.from_numpy(x)).numpy(), 0.5 * (x * x).sum(-1) / 2.0)
    assert model.log_partition() == pytest.approx(math.log(2.0 * math.pi * 2.0), rel=1e-14)


def test_annealed_errors_name_the_end() -> None:
    """The initial end was reported as 'target[0]'."""
    with pytest.raises(ebmcore.InvalidParameterError) as caught:
        ebmcore.create("annealed", initial="no_such_energy", target="gaussian")
    assert caught.value.parameter == "initial"  # type: ignore[attr-defined]
    with pytest.raises(ebmcore.InvalidParameterError) as caught:
        ebmcore.create("annealed", initial="gaussian", target="no_such_energy")
    assert caught.value.parameter == "target"  # type: ignore[attr-defined]


# -- temperatures at the ends of the floating-point range -----------------------------------------


def _double_well_reference(x: np.ndarray, temperature: float) -> tuple[np.ndarray, np.ndarray]:
    """E / T and grad E / T of the double well (h = b = 1) in float64, written out."""
    offset = x * x - 1.0
    with np.errstate(over="ignore"):
        return (offset * offset).sum(-1) / temperature, 4.0 * x * offset / temperature


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("temperature", [1e-40, 1e-50, 1e-300, 1e39, 1e300])
def test_temperatures_beyond_the_dtype_give_no_nan(temperature: float, dtype: torch.dtype) -> None:
    """T (or 1/T) outside the dtype's normal range: the float64 values rounded once, never NaN.

    Before, T = 1e-50 in float32 rounded to 0 and the energy at a minimum was 0 / 0 = NaN
    (NaN gradients everywhere on the autograd path).
    """
    model = ebmcore.create("tempered", base={"name": "double_well", "dim": 2}, temperature=temperature)
    points = np.array([[1.0, 1.0], [1.0, -1.0], [0.0, 0.0], [1.0, 2.0], [0.5, 1.0], [-1.0, 1.0 + 2**-6]])
    x = torch.tensor(points, dtype=dtype)
    energy_64, grad_64 = _double_well_reference(x.double().numpy(), temperature)
    expected_energy = torch.from_numpy(energy_64).to(dtype)
    expected_grad = torch.from_numpy(grad_64).to(dtype)
    for backend in ("auto", "autograd"):
        with ebmcore.use_backend(backend):
            energy, grad = model.energy_and_gradient(x)
        assert not energy.isnan().any() and not grad.isnan().any(), backend
        torch.testing.assert_close(energy, expected_energy, rtol=1e-2, atol=0.0)
        torch.testing.assert_close(grad, expected_grad, rtol=1e-2, atol=0.0)
        assert energy.dtype == dtype and grad.dtype == dtype


def test_temperature_below_the_smallest_normal_float64_is_refused() -> None:
    """There 1/T overflows even in float64 (and autograd's 1/T times a zero gradient is NaN)."""
    smallest = sys.float_info.min
    ebmcore.create("tempered", temperature=smallest)
    for bad in (1e-320, 5e-324):
        with pytest.raises(ebmcore.InvalidParameterError, match=r"2\.2250738585072014e-308") as caught:
            ebmcore.create("tempered", temperature=bad)
        assert caught.value.parameter == "temperature"  # type: ignore[attr-defined]
        assert caught.value.value == bad  # type: ignore[attr-defined]


def test_tempered_double_well_at_a_tiny_temperature_is_the_narrow_double_well() -> None:
    """T = 1e-40 makes the double well of barrier 1e40: its wells are Gaussians of variance
    1 / (8 h b^2), Z = sqrt(pi / (h b^2)) (1 + 3 / (16 h b^4) + ...) per coordinate.

    Before, log Z was that of a 2^16-cell grid far wider than the wells (off by 70).
    """
    model = ebmcore.create("tempered", base={"name": "double_well", "dim": 2}, temperature=1e-40)
    h = 1e40
    assert model.log_partition() == pytest.approx(
        2 * (0.5 * math.log(math.pi) - 0.5 * math.log(h)), abs=1e-12
    )
    samples = model.sample(2000, generator=torch.Generator().manual_seed(0))
    assert bool(((samples.abs() - 1.0).abs() <= 1e-15).all())  # a spread of 3.5e-21, below float64's
    assert 0.45 < float((samples > 0).double().mean()) < 0.55  # both wells


def test_overflowing_closed_forms_are_unknown_not_wrong() -> None:
    """A barrier or a precision beyond float64 has no equivalent model: None, not an error."""
    base = {"name": "double_well", "dim": 1, "barrier_height": 1e300}
    assert ebmcore.create("tempered", base=base, temperature=1e-300).log_partition() is None
    gaussian = {"name": "gaussian", "dim": 1, "cov": 1e-300}
    assert ebmcore.create("tempered", base=gaussian, temperature=1e-300).log_partition() is None


def test_tempered_diagonal_gaussian_stays_o_of_d() -> None:
    """d = 20,000 (before: a (d, d) precision, its Cholesky factor and inverse, 3.2 GB each)."""
    d = 20_000
    variances = torch.linspace(0.5, 2.0, d, dtype=F64)
    base = ebmcore.create("gaussian", mean=torch.ones(d, dtype=F64), cov=variances)
    model = ebmcore.create("tempered", base=base, temperature=3.0)
    expected = 0.5 * d * math.log(2 * math.pi) + 0.5 * float((3.0 * variances).log().sum())
    assert model.log_partition() == pytest.approx(expected, rel=1e-13)
    samples = model.sample(400, generator=torch.Generator().manual_seed(2))
    assert float((samples.var(0) / (3.0 * variances)).mean()) == pytest.approx(1.0, abs=0.005)
    assert float((samples.mean(0) - 1.0).abs().max()) < 6.0 * math.sqrt(6.0 / 400)


def test_a_composite_of_default_energies_needs_no_dim() -> None:
    model = ebmcore.create("composite", components=["gaussian", "double_well"])
    x = torch.tensor([[1.0, -1.0], [0.0, 0.5]], dtype=F64)
    expected = 0.5 * (x * x).sum(-1) + ((x * x - 1) ** 2).sum(-1)  # h = 1, b = 1 by default
    torch.testing.assert_close(model(x), expected, rtol=1e-14, atol=0)
