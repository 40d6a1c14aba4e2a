"""Every registered energy composes with PyTorch's compiler and exporter (issue: composes with
the rest of PyTorch): ``torch.compile(model, fullgraph=True)`` captures ``forward`` in one graph
and ``torch.export`` exports it with a dynamic batch size, in float32 and float64, giving the
eager energies. The ``torch.func`` transforms are a conformance check
(``check_function_transforms``), run on every energy by each plugin's ``test_conformance.py``.
"""

from __future__ import annotations

import warnings

import pytest
import torch
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
    model = ebmcore.create(name)
    torch._dynamo.reset()
    compiled = torch.compile(model, fullgraph=True, backend="aot_eager", dynamic=True)
    with warnings.catch_warnings():  # the first compile imports modules that warn
        warnings.simplefilter("ignore", DeprecationWarning)
        for n, seed in ((8, 0), (5, 1)):
            x = _points(model, n, dtype, seed)
            with torch.no_grad():
                expected = _eager(model, x)
                rtol = FLOAT32_RTOL.get(name, 1e-5) if dtype == torch.float32 else 1e-5
                torch.testing.assert_close(compiled(x), expected, rtol=rtol, atol=1e-6, equal_nan=True)


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
