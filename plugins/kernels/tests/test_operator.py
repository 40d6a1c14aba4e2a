"""The kernels in compiled code: ``torch.compile`` keeps them as the operator
``ebmcore_kernels::compute``, so a compiled ``energy_and_gradient`` runs the kernel eager code
runs, with its numbers; the operator itself passes PyTorch's own checks (``opcheck``)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import ebmcore_kernels
import pytest
import torch
from ebmcore_kernels import _cpu

import ebmcore

needs_kernels = pytest.mark.skipif(
    not ebmcore_kernels.AVAILABLE, reason="the C extension was not built with vector math"
)

COMPILED = [
    name
    for name in ebmcore.list_energies()
    if not any(p.required for p in ebmcore.info(name).parameters) and "cpu" in ebmcore.create(name).kernels
]


def _recording(calls: list[str]) -> Callable[[torch.fx.GraphModule, Any], Callable[..., Any]]:
    """A ``torch.compile`` backend that notes the graph's functions and runs it as traced."""

    def backend(graph: torch.fx.GraphModule, inputs: Any) -> Callable[..., Any]:
        calls.extend(str(node.target) for node in graph.graph.nodes if node.op == "call_function")
        return graph.forward

    return backend


@needs_kernels
def test_every_energy_with_a_kernel_is_checked() -> None:
    assert len(COMPILED) >= 32
    assert {"rastrigin", "bbob_f7", "bbob_f12", "bbob_f16", "bbob_f24"} <= set(COMPILED)


@needs_kernels
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", COMPILED)
def test_compiled_code_runs_the_kernel_with_eager_numbers(name: str, dtype: torch.dtype) -> None:
    model = ebmcore.create(name, dim=5).to(dtype)
    x = torch.randn(40, 5, dtype=dtype, generator=torch.Generator().manual_seed(3))
    calls: list[str] = []
    torch._dynamo.reset()
    compiled = torch.compile(model.energy_and_gradient, fullgraph=True, backend=_recording(calls))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        energy, grad = compiled(x)
    assert "ebmcore_kernels.compute.default" in calls
    expected = model.energy_and_gradient(x)
    torch.testing.assert_close((energy, grad), expected, rtol=0.0, atol=0.0, equal_nan=True)


@needs_kernels
@pytest.mark.parametrize("name", COMPILED)
def test_compiled_energies_come_from_the_kernel_and_exported_ones_from_torch(name: str) -> None:
    """``model(x)`` where no graph is wanted: the kernel's energies in a compiled graph, as in
    eager code; an exported program is torch's operators alone."""
    model = ebmcore.create(name, dim=5).double()
    x = torch.randn(40, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(6))
    calls: list[str] = []
    torch._dynamo.reset()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        energy = torch.compile(model, fullgraph=True, backend=_recording(calls))(x)
        program = torch.export.export(model, (x,))
    assert "ebmcore_kernels.compute.default" in calls
    torch.testing.assert_close(energy, model(x), rtol=0.0, atol=0.0, equal_nan=True)
    exported = {str(node.target) for node in program.graph.nodes if node.op == "call_function"}
    assert not any("ebmcore_kernels" in target for target in exported)
    with ebmcore.use_backend("analytic"):
        torch.testing.assert_close(program.module()(x), model(x), rtol=1e-12, atol=0.0)


@needs_kernels
def test_ebmcore_compile_keeps_the_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """``ebmcore.compile`` of a model whose class has a C kernel compiles the kernel path (the
    operator in the graph), not the torch formula it replaces."""
    calls: list[str] = []
    compile_ = torch.compile
    monkeypatch.setattr(torch, "compile", lambda function: compile_(function, backend=_recording(calls)))
    model = ebmcore.create("bbob_f16", dim=5).double()
    x = torch.randn(30, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(7))
    expected = model.energy_and_gradient(x)
    compiled = ebmcore.compile(model, "cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a failed compile warns: fail on it
        warnings.simplefilter("ignore", DeprecationWarning)
        result = compiled.energy_and_gradient(x)
    assert "ebmcore_kernels.compute.default" in calls
    torch.testing.assert_close(result, expected, rtol=0.0, atol=0.0)


@needs_kernels
def test_inductor_fuses_around_the_kernel_and_keeps_its_numbers() -> None:
    """Inductor's own code for the products and the work around the kernel (f24: the funnels'
    kernel and the formula's, between two products)."""
    model = ebmcore.create("bbob_f24", dim=10)
    x = torch.randn(300, 10, dtype=torch.float64, generator=torch.Generator().manual_seed(4))
    torch._dynamo.reset()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        energy, grad = torch.compile(model.energy_and_gradient, fullgraph=True)(x)
    expected_energy, expected_grad = model.energy_and_gradient(x)
    torch.testing.assert_close(energy, expected_energy, rtol=1e-14, atol=0.0)
    torch.testing.assert_close(grad, expected_grad, rtol=1e-12, atol=1e-12 * float(expected_grad.abs().max()))


@needs_kernels
@pytest.mark.parametrize(
    ("kernel", "parameters", "vectors", "with_gradient", "maps"),
    [
        ("rastrigin", [10.0], 0, True, False),
        ("rastrigin", [10.0], 0, False, False),
        ("bbob_oscillated_quadratic", [], 1, True, False),
        ("bbob_oscillation", [], 0, True, True),  # a kernel that maps x: three outputs
        ("bbob_oscillation", [], 0, False, True),
    ],
)
def test_the_operator_passes_opcheck(
    kernel: str, parameters: list[float], vectors: int, with_gradient: bool, maps: bool
) -> None:
    x = torch.randn(6, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    arrays = [torch.linspace(1.0, 2.0, 4, dtype=torch.float64) for _ in range(vectors)]
    torch.library.opcheck(_cpu._operator, (kernel, x, parameters, arrays, with_gradient, maps))


@needs_kernels
def test_an_unknown_kernel_is_refused_where_the_graph_is_traced() -> None:
    def call(x: torch.Tensor) -> torch.Tensor:
        return ebmcore_kernels.compute("no_such_kernel", x, (), ())[0]

    torch._dynamo.reset()
    with pytest.raises(Exception, match=r"kernel must be one of .*got 'no_such_kernel'"):
        torch.compile(call, fullgraph=True, backend="eager")(torch.zeros(2, 3))
