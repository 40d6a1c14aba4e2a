"""Every registered energy composes with PyTorch's compiler and exporter (issue: composes with
the rest of PyTorch): ``torch.compile(model, fullgraph=True)`` captures ``forward`` in one graph
and ``torch.export`` exports it with a dynamic batch size, in float32 and float64, giving the
eager energies; ``energy_and_gradient``, the dispatch included, compiles in one graph too (a
sampler's step compiles whole), and :func:`ebmcore.use_backend` keeps its meaning around
compiled code. The ``torch.func`` transforms are a conformance check
(``check_function_transforms``), run on every energy by each plugin's ``test_conformance.py``.
"""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import Tensor
from torch.export import Dim, export

import ebmcore

NAMES = [
    name for name in ebmcore.list_energies() if not any(p.required for p in ebmcore.info(name).parameters)
]
DTYPES = [torch.float32, torch.float64]
# f16 takes its octaves directly in a traced graph and by the triple-angle recurrence in eager
# torch (ebmcore_bbob._multimodal._octaves); in float32 its last octave magnifies one rounding of
# the angle 3^11-fold, and the two differ by 3.5e-5 (measured), f16's own float32 accuracy
FLOAT32_RTOL = {"bbob_f16": 1e-4}
# Where f16's C kernel runs, eager and compiled code both run it; where it does not (no extension)
# the two take their octaves those two ways, and differ by f16's own accuracy: energies 3.5e-5
# (float32) and 3e-10 (float64) relative; float32 gradients by 11-22% of their largest entry,
# checked against float64 to that accuracy instead
FLOAT64_RTOL = {"bbob_f16": 1e-9}
FLOAT32_GRADIENT_ERROR = {"bbob_f16": 0.25}


def _rtol(name: str, dtype: torch.dtype) -> float:
    """How close compiled code comes to eager code: their rounding, or f16's accuracy."""
    return FLOAT32_RTOL.get(name, 1e-5) if dtype == torch.float32 else FLOAT64_RTOL.get(name, 1e-12)


def _assert_close_on_scale(ours: Tensor, eager: Tensor, rtol: float) -> None:
    """Close to ``rtol``, near-zero entries (an MLP's gradient) on the output's own scale."""
    atol = rtol * float(eager.abs().nan_to_num(posinf=0.0, neginf=0.0).max())
    torch.testing.assert_close(ours, eager, rtol=rtol, atol=atol, equal_nan=True)


def _points(model: ebmcore.BaseModel, n: int, dtype: torch.dtype, seed: int) -> torch.Tensor:
    x = torch.randn(n, *model.event_shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return x.to(dtype)


def _eager(model: ebmcore.BaseModel, x: torch.Tensor) -> torch.Tensor:
    """``model(x)`` in eager PyTorch, the graph's own operations: not a C kernel, whose rounding
    differs and which some BBOB functions magnify past float32's 1e-5 (f17's sines of arguments
    ~300)."""
    with ebmcore.use_backend("analytic"):
        return model(x)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name", NAMES)
def test_compiles_in_one_graph(name: str, dtype: torch.dtype) -> None:
    """The graph takes eager code's path (a device kernel's energies where no graph is wanted),
    so it gives eager code's numbers."""
    model = ebmcore.create(name)
    torch._dynamo.reset()
    compiled = torch.compile(model, fullgraph=True, backend="aot_eager", dynamic=True)
    with warnings.catch_warnings():  # the first compile imports modules that warn
        warnings.simplefilter("ignore", DeprecationWarning)
        for n, seed in ((8, 0), (5, 1)):
            x = _points(model, n, dtype, seed)
            rtol = _rtol(name, dtype)
            with torch.no_grad():
                torch.testing.assert_close(compiled(x), model(x), rtol=rtol, atol=0.0, equal_nan=True)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name", NAMES)
def test_exports_with_a_dynamic_batch(name: str, dtype: torch.dtype) -> None:
    model = ebmcore.create(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        batch = {"x": {0: Dim("batch", min=2)}}
        program = export(model, (_points(model, 8, dtype, 0),), dynamic_shapes=batch)
    x = _points(model, 5, dtype, 1)
    with torch.no_grad():
        expected = _eager(model, x)
        rtol = FLOAT32_RTOL.get(name, 1e-5) if dtype == torch.float32 else 1e-5
        torch.testing.assert_close(program.module()(x), expected, rtol=rtol, atol=1e-6, equal_nan=True)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name", NAMES)
def test_energy_and_gradient_compiles_in_one_graph(name: str, dtype: torch.dtype) -> None:
    """The graph takes eager code's path (a device kernel is an operator in it), so it gives
    eager code's numbers."""
    model = ebmcore.create(name)
    torch._dynamo.reset()
    compiled = torch.compile(model.energy_and_gradient, fullgraph=True, backend="aot_eager", dynamic=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for n, seed in ((8, 0), (5, 1)):
            x = _points(model, n, dtype, seed)
            rtol = _rtol(name, dtype)
            energy, grad = compiled(x)
            expected_energy, expected_grad = model.energy_and_gradient(x)
            _assert_close_on_scale(energy, expected_energy, rtol)
            error = FLOAT32_GRADIENT_ERROR.get(name) if dtype == torch.float32 else None
            if error is None:
                _assert_close_on_scale(grad, expected_grad, rtol)
            else:
                exact = model.gradient(x.double())
                assert (grad.double() - exact).abs().max() <= error * exact.abs().max()


class _Marked(ebmcore.BaseModel):
    """A quadratic whose analytic gradient is marked (+1 on every coordinate), so that a result
    tells which path ran: the analytic one, or autograd's (``2 x``)."""

    def __init__(self) -> None:
        super().__init__(2)

    def forward(self, x: Tensor) -> Tensor:
        return (x * x).sum(-1)

    def analytic_gradient(self, x: Tensor) -> Tensor:
        return 2.0 * x + 1.0


def test_use_backend_keeps_its_meaning_around_compiled_code() -> None:
    model, x = _Marked(), torch.tensor([[1.0, -2.0]])
    torch._dynamo.reset()
    compiled = torch.compile(model.gradient, backend="aot_eager")
    marked, reference = 2.0 * x + 1.0, 2.0 * x
    torch.testing.assert_close(compiled(x), marked)  # no block open: the default order
    with ebmcore.use_backend("autograd"):
        torch.testing.assert_close(compiled(x), reference)
    torch.testing.assert_close(compiled(x), marked)
    one_graph = torch.compile(model.gradient, fullgraph=True, backend="aot_eager")
    torch.testing.assert_close(one_graph(x), marked)


class _Overriding(ebmcore.BaseModel):
    """A model whose own ``score`` defers to the dispatch's (``super().score``), plus a term."""

    def __init__(self) -> None:
        super().__init__(2)

    def forward(self, x: Tensor) -> Tensor:
        return (x * x).sum(-1)

    def score(self, x: Tensor, *, create_graph: bool = False) -> Tensor:
        return super().score(x, create_graph=create_graph) + 0.0 * x


def test_a_score_override_that_calls_the_dispatch_compiles() -> None:
    model, x = _Overriding(), torch.tensor([[1.0, -2.0], [0.5, 3.0]])
    torch._dynamo.reset()
    compiled = torch.compile(model.energy_and_gradient, backend="aot_eager")
    energy, grad = compiled(x)
    torch.testing.assert_close(energy, (x * x).sum(-1))
    torch.testing.assert_close(grad, 2.0 * x)
