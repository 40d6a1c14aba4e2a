"""The defaults name their base by its qualified name, so another plugin's ``gaussian`` cannot
make them ambiguous."""

from __future__ import annotations

import math

import pytest
import torch

import ebmcore


@pytest.mark.usefixtures("clashing_gaussian")
@pytest.mark.parametrize("name", ["box", "spherical"])
def test_defaults_name_the_analytic_gaussian(name: str) -> None:
    """Before, both defaults used the bare name and raised AmbiguousEnergyError."""
    model = ebmcore.create(name)
    assert model.spec["base"]["name"] == "analytic/gaussian"
    rebuilt = ebmcore.create(model.spec)
    x = torch.tensor([[0.3, -0.2], [0.6, 0.8]], dtype=torch.float64)
    assert torch.equal(rebuilt.energy(x), model.energy(x))


@pytest.mark.usefixtures("clashing_gaussian")
def test_default_box_is_the_standard_gaussian_on_the_square() -> None:
    """log Z of N(0, I) restricted to [-1, 1]^2: (log(2 pi) / 2 + log(erf(1 / sqrt 2))) * 2."""
    model = ebmcore.create("box")
    expected = 2 * (0.5 * math.log(2 * math.pi) + math.log(math.erf(1 / math.sqrt(2))))
    assert model.log_partition() == pytest.approx(expected, rel=1e-13)
