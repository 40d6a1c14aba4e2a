"""The helper functions of TorchEBM's implementation guide: gradients, scores, testing and debugging."""

from __future__ import annotations

import math

import pytest
import torch
from ebmcore_torchebm import (
    BaseModel,
    DoubleWellModel,
    GaussianModel,
    HarmonicModel,
    RosenbrockModel,
    cuda_score_function,
    debug_energy_function,
    efficient_grad,
    test_energy_function,
)
from torch import nn

import ebmcore

F64 = torch.float64


class Quartic(BaseModel):
    """E(x) = sum x_i^4 / 4 with no dimension fixed (the seeds' ``super().__init__()``)."""

    def __init__(self) -> None:
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.25 * (x**4).sum(dim=1)


class Broken(BaseModel):
    """E(x) = sum sqrt(x_i): NaN energies and gradients for negative inputs."""

    def __init__(self) -> None:
        super().__init__(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sqrt(x).sum(-1)


def _points(d: int, n: int = 16, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, d, dtype=F64, generator=torch.Generator().manual_seed(seed))


def test_efficient_grad_is_the_dispatched_gradient() -> None:
    model = RosenbrockModel(dim=3)
    x = _points(3)
    expected = torch.zeros_like(x)  # d/dx sum b (x_{i+1} - x_i^2)^2 + (1 - x_i)^2, by hand
    valley = x[:, 1:] - x[:, :-1] ** 2
    expected[:, :-1] += -400.0 * x[:, :-1] * valley - 2.0 * (1.0 - x[:, :-1])
    expected[:, 1:] += 200.0 * valley
    before = x.clone()
    grad = efficient_grad(model, x)
    torch.testing.assert_close(grad, expected, rtol=1e-12, atol=1e-10)
    assert torch.equal(x, before) and not x.requires_grad and not grad.requires_grad


def test_efficient_grad_create_graph_gives_the_hessian() -> None:
    model = DoubleWellModel(barrier_height=2.0)
    x = _points(2).requires_grad_(True)
    grad = efficient_grad(model, x, create_graph=True)
    assert grad.requires_grad
    (second,) = torch.autograd.grad(grad.sum(), x)
    # the Hessian of h (x^2 - 1)^2 is diagonal: h (12 x^2 - 4)
    torch.testing.assert_close(second, 2.0 * (12.0 * x.detach() ** 2 - 4.0), rtol=1e-12, atol=1e-12)


def test_efficient_grad_of_a_plain_module_uses_autograd() -> None:
    class Plain(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return (x**3).sum(-1)

    x = _points(3)
    torch.testing.assert_close(efficient_grad(Plain(), x), 3.0 * x**2)
    torch.testing.assert_close(cuda_score_function(Plain(), x), -3.0 * x**2)
    leaf = x.clone().requires_grad_(True)
    (hessian_diag,) = torch.autograd.grad(efficient_grad(Plain(), leaf, create_graph=True).sum(), leaf)
    torch.testing.assert_close(hessian_diag, 6.0 * x)


def test_cuda_score_function_is_the_score_on_the_cpu() -> None:
    mean = torch.tensor([1.0, -1.0], dtype=F64)
    model = GaussianModel(mean, torch.tensor([[2.0, 0.0], [0.0, 0.5]], dtype=F64))
    x = _points(2)
    expected = -(x - mean) / torch.tensor([2.0, 0.5], dtype=F64)
    torch.testing.assert_close(cuda_score_function(model, x), expected, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(cuda_score_function(Quartic(), x), -(x**3))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_score_function_on_a_cuda_input() -> None:  # pragma: no cover - GPU machines only
    model = HarmonicModel(k=2.0, dim=3)
    x = _points(3).cuda()
    score = cuda_score_function(model, x)
    assert score.device == x.device
    torch.testing.assert_close(score.cpu(), -2.0 * x.cpu(), rtol=1e-12, atol=1e-12)


def test_test_energy_function_returns_the_seeds_statistics() -> None:
    torch.manual_seed(0)
    stats = test_energy_function(HarmonicModel(k=2.0, dim=3), dim=3, n_samples=4000)
    assert list(stats) == ["energy_mean", "energy_std", "score_mean", "score_std"]
    assert all(isinstance(v, float) for v in stats.values())
    # E = |x|^2 (k = 2) on standard normal points: mean 3, std sqrt(2 * 3); score = -2 x
    assert stats["energy_mean"] == pytest.approx(3.0, abs=0.15)
    assert stats["energy_std"] == pytest.approx(math.sqrt(6.0), rel=0.08)
    assert stats["score_mean"] == pytest.approx(0.0, abs=0.1)
    assert stats["score_std"] == pytest.approx(2.0, rel=0.05)


def test_test_energy_function_on_a_model_without_a_dimension() -> None:
    stats = test_energy_function(Quartic(), dim=4, n_samples=500)
    assert stats["energy_mean"] > 0.0  # E|x|^4 / 4 = 3 d / 4 per sample on average
    assert stats["energy_mean"] == pytest.approx(3.0, rel=0.3)


def test_test_energy_function_errors() -> None:
    with pytest.raises(ebmcore.InvalidParameterError, match="parameter 'dim' must be the model's dimension"):
        test_energy_function(HarmonicModel(dim=2), dim=3)
    with pytest.raises(ebmcore.InvalidParameterError, match="'n_samples' must be an integer >= 2, got 1"):
        test_energy_function(HarmonicModel(dim=2), dim=2, n_samples=1)
    with pytest.raises(ebmcore.InvalidParameterError, match=r"'energy_fn' must be an ebmcore\.BaseModel"):
        test_energy_function(nn.Linear(2, 1), dim=2)  # type: ignore[arg-type]
    with pytest.raises(ebmcore.ConformanceError, match=r"check_nan_propagation|check_gradient") as info:
        test_energy_function(Broken(), dim=2)
    assert info.value.report is not None


def test_test_energy_function_is_not_collected_as_a_test() -> None:
    assert test_energy_function.__test__ is False  # type: ignore[attr-defined]


def test_debug_energy_function_prints_the_seeds_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    debug_energy_function(HarmonicModel(), _points(2))
    assert capsys.readouterr().out == ""

    debug_energy_function(HarmonicModel(), torch.tensor([[0.0, 0.0], [2000.0, 0.0]]))
    assert capsys.readouterr().out.splitlines() == [
        "Warning: Score has very large values",
        "Warning: Energy has a very large range",
    ]

    debug_energy_function(Broken(), torch.tensor([[1.0, 2.0], [-1.0, 1.0]], dtype=F64))
    assert capsys.readouterr().out.splitlines() == [
        "Warning: Energy contains NaN or Inf values",
        "Warning: Score contains NaN or Inf values",
    ]


def test_debug_energy_function_on_a_model_without_a_dimension(capsys: pytest.CaptureFixture[str]) -> None:
    debug_energy_function(Quartic(), torch.tensor([[0.0, 0.0, 0.0], [20.0, 0.0, 0.0]]))
    assert capsys.readouterr().out.splitlines() == ["Warning: Score has very large values"]


def test_debug_energy_function_reports_further_problems(capsys: pytest.CaptureFixture[str]) -> None:
    class WrongScore(BaseModel):
        def __init__(self) -> None:
            super().__init__(2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return (x * x).sum(-1)

        def score(self, x: torch.Tensor) -> torch.Tensor:
            return -x  # should be -2 x

    debug_energy_function(WrongScore(), _points(2, n=4))
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("Warning: [gradient_mismatch] the analytic gradient differs from autograd")
