"""The compiled CPU kernels (``ebmcore_kernels``) against the PyTorch paths and autograd.

The registry-wide tests already run every energy's default path, which is the kernel where one
is registered; these tests reach what they do not: block boundaries (the kernels work in blocks
of about 1024 elements, whole multiples of 8 rows), dimensions from 1 to past a block, odd batch
shapes and strides, rows that must never mix, the dtypes and sizes that fall back to the
PyTorch path, and subclasses.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import ebmcore_kernels
import pytest
import torch
from ebmcore_analytic import _cpu_kernels
from ebmcore_analytic._cpu_kernels import cpu_kernel
from ebmcore_analytic._optimization import Rastrigin
from ebmcore_bbob import GriewankRosenbrock, Katsuura, Weierstrass
from ebmcore_kernels import PARALLEL_GRAIN

import ebmcore

KERNEL_ENERGIES = [
    "sphere",
    "harmonic",
    "ackley",
    "rastrigin",
    "griewank",
    "levy",
    "dixon_price",
    "michalewicz",
    "zakharov",
    "double_well",
    "styblinski_tang",
    "rosenbrock",
    # BBOB functions of ebmcore-bbob: kernels between the products of their rotations, or on x
    # itself (the separable f2-f4, f8)
    "bbob_f2",
    "bbob_f3",
    "bbob_f4",
    "bbob_f6",
    "bbob_f7",
    "bbob_f8",
    "bbob_f9",
    "bbob_f10",
    "bbob_f11",
    "bbob_f12",
    "bbob_f13",
    "bbob_f14",
    "bbob_f15",
    "bbob_f16",
    "bbob_f17",
    "bbob_f18",
    "bbob_f19",
    "bbob_f20",
    "bbob_f23",
    "bbob_f24",
]
# Functions that magnify one rounding of their arguments past 1e-11, whichever path rounds: f16's
# last octave cos(2 pi 3^11 (z_i + 1/2)) turns one ulp of z_i, or of its angle, into 3^11 ulp
# (measured: energies 2e-11 apart from float64 autograd at most; its gradients are compared on
# their own scale, _gradient_scale)
TOLERANCE = {"bbob_f16": 1e-9}


def _gradient_scale(model: ebmcore.BaseModel, energy: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
    """Per row, the size the gradient's errors scale with: its largest component; for f16 the
    largest its sum of sines could be, (30 / d) delta^2 sum_k 2 pi 1.5^k (the sum cancels, its
    terms' rounding does not; points in the box, where the penalty is 0); for f23 the batch's
    largest (a slope of 16 teeth up and 16 down is 0 analytically, 1e-13 through autograd)."""
    scale = grad.abs().amax(-1, keepdim=True) + 1e-300
    if isinstance(model, Katsuura):
        scale = torch.full_like(scale, float(scale.max()))
    if isinstance(model, Weierstrass):
        delta_squared = ((energy - model.f_opt) / 10.0).abs() ** (2.0 / 3.0)
        largest = (30.0 / model.dim) * delta_squared * sum(2.0 * math.pi * 1.5**k for k in range(12))
        scale = torch.maximum(scale, largest.unsqueeze(-1))
    return scale


needs_kernels = pytest.mark.skipif(
    not _cpu_kernels.AVAILABLE, reason="the C extension was not built with vector math"
)


def _model(name: str, dim: int, dtype: torch.dtype) -> ebmcore.BaseModel:
    if (name == "rosenbrock" or name.startswith("bbob")) and dim < 2:
        pytest.skip(f"{name} is defined for d >= 2")
    if name.startswith("bbob") and dim > 200:
        pytest.skip("COCO's rotation takes a minute to draw in 1500-D")
    return ebmcore.create(name, dim=dim).to(dtype)


def _inside_bounds(
    model: ebmcore.BaseModel, shape: tuple[int, ...], dtype: torch.dtype, seed: int
) -> torch.Tensor:
    lower, upper = model.bounds.to(dtype)
    if isinstance(model, GriewankRosenbrock):
        # f19 takes cos t_i of t_i up to 1e8 in its box: one rounding of t_i (an FMA in C, two
        # roundings in torch) moves the energy by 1e-11 relative there, its conditioning, not
        # either path's error (tests/test_gradients.py of ebmcore-bbob covers the box). Here:
        # within 0.5 of the optimum, where t_i stays below 1e3.
        optimum = model.x_opt.to(dtype)
        lower, upper = optimum - 0.5, optimum + 0.5
    u = torch.rand(*shape, model.dim, dtype=dtype, generator=torch.Generator().manual_seed(seed))
    return lower + (upper - lower) * u


def _autograd64(name: str, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Energy and gradient in float64 by autograd through ``forward``: the reference."""
    model = _model(name, x.shape[-1], torch.float64)
    with ebmcore.use_backend("autograd"):
        return model.energy_and_gradient(x.double())


def _compiler_works() -> bool:
    """Whether the C compiler a build would use (``$CC``, else ``cc``) compiles a program."""
    compiler = os.environ.get("CC", "cc").split()
    if not compiler or shutil.which(compiler[0]) is None:
        return False
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "probe.c"
        source.write_text("int main(void) { return 0; }\n")
        done = subprocess.run(
            [*compiler, str(source), "-o", str(Path(folder) / "probe")], capture_output=True
        )
    return done.returncode == 0


@pytest.mark.skipif(
    not (sys.platform.startswith("linux") and platform.machine() == "x86_64" and _compiler_works()),
    reason="the kernels are built with vector math on x86-64 Linux with a working C compiler",
)
def test_the_kernels_are_built_and_registered_where_they_can_be() -> None:
    """On x86-64 Linux with a compiler, a silently failed build would leave the slow path."""
    assert _cpu_kernels.AVAILABLE
    for name in KERNEL_ENERGIES:
        model = ebmcore.create(name, dim=3)
        assert "cpu" in model.kernels
        assert ebmcore.resolve_backend(model, torch.zeros(2, 3)) == "kernel"
        assert ebmcore.resolve_backend(model, torch.zeros(2, 3), create_graph=True) != "kernel"


@needs_kernels
@pytest.mark.parametrize("name", KERNEL_ENERGIES)
@pytest.mark.parametrize("dim", [1, 2, 7, 8, 10, 15, 16, 100, 129, 1500])
@pytest.mark.parametrize("rows", [1, 7, 8, 9, 150])
def test_kernel_matches_float64_autograd(name: str, dim: int, rows: int) -> None:
    """float64 to 1e-11 relative. ``rows`` and ``dim`` straddle the 8-row groups, the blocks and
    the two ways of reducing rows (column by column below 16, four rows at a time above)."""
    model = _model(name, dim, torch.float64)
    x = _inside_bounds(model, (rows,), torch.float64, seed=dim * 1000 + rows)
    assert ebmcore.resolve_backend(model, x) == "kernel"
    energy, grad = model.energy_and_gradient(x)
    expected_energy, expected_grad = _autograd64(name, x)
    scale = _gradient_scale(model, expected_energy, expected_grad)
    tolerance = TOLERANCE.get(name, 1e-11)
    torch.testing.assert_close(energy, expected_energy, rtol=tolerance, atol=tolerance)
    torch.testing.assert_close(grad / scale, expected_grad / scale, rtol=0, atol=tolerance)


@needs_kernels
@pytest.mark.parametrize("name", KERNEL_ENERGIES)
@pytest.mark.parametrize("dim", [1, 10, 100])
def test_float32_kernel_is_as_accurate_as_the_float32_torch_path(name: str, dim: int) -> None:
    """float32 rounding is the energy's own conditioning: the kernel's error against float64
    is held to twice the PyTorch path's, plus a few float32 ulps."""
    model = _model(name, dim, torch.float32)
    x = _inside_bounds(model, (300,), torch.float32, seed=dim)
    energy, grad = model.energy_and_gradient(x)
    with ebmcore.use_backend("analytic"):
        torch_energy, torch_grad = model.energy_and_gradient(x)
    expected_energy, expected_grad = _autograd64(name, x)
    eps = torch.finfo(torch.float32).eps
    for ours, theirs, exact in ((energy, torch_energy, expected_energy), (grad, torch_grad, expected_grad)):
        assert ours.dtype == torch.float32
        scale = exact.abs().max() + 1.0
        ours_error = ((ours.double() - exact).abs().max() / scale).item()
        torch_error = ((theirs.double() - exact).abs().max() / scale).item()
        assert ours_error <= 2 * torch_error + 16 * eps, (ours_error, torch_error)


@needs_kernels
@pytest.mark.parametrize("name", KERNEL_ENERGIES)
def test_batch_shapes_strides_and_the_input_left_alone(name: str) -> None:
    model = _model(name, 5, torch.float64)
    base = _inside_bounds(model, (4, 6), torch.float64, seed=1)
    x = base.transpose(0, 1)  # (6, 4, 5), not contiguous
    assert not x.is_contiguous()
    before = x.clone()
    energy, grad = model.energy_and_gradient(x)
    assert energy.shape == (6, 4) and grad.shape == (6, 4, 5)
    torch.testing.assert_close(x, before, rtol=0, atol=0)
    expected_energy, expected_grad = _autograd64(name, x.contiguous())
    tolerance = TOLERANCE.get(name, 1e-11)
    scale = _gradient_scale(model, expected_energy, expected_grad)
    torch.testing.assert_close(energy, expected_energy, rtol=tolerance, atol=tolerance)
    torch.testing.assert_close(grad / scale, expected_grad / scale, rtol=10 * tolerance, atol=10 * tolerance)
    single_energy, single_grad = model.energy_and_gradient(x[2, 3])
    assert single_energy.shape == () and single_grad.shape == (5,)
    # a BBOB function's rotation is a matrix product, whose rounding depends on the batch's shape
    single = 1e-13 if name.startswith("bbob") else 1e-15
    torch.testing.assert_close(single_energy, energy[2, 3], rtol=single, atol=0)
    empty_energy, empty_grad = model.energy_and_gradient(x[:0])
    assert empty_energy.shape == (0, 4) and empty_grad.shape == (0, 4, 5)


@needs_kernels
@pytest.mark.parametrize("name", KERNEL_ENERGIES)
def test_a_nan_row_stays_in_its_row(name: str) -> None:
    """Rows are independent: NaN in one sample is NaN there and nowhere else (Dixon-Price couples
    neighbouring coordinates, Griewank multiplies over the row, Zakharov sums it)."""
    model = _model(name, 6, torch.float64)
    x = _inside_bounds(model, (17,), torch.float64, seed=2)
    x[8, 3] = float("nan")
    energy, grad = model.energy_and_gradient(x)
    assert energy[8].isnan()
    assert energy[torch.arange(17) != 8].isfinite().all()
    assert grad[torch.arange(17) != 8].isfinite().all()


@needs_kernels
@pytest.mark.parametrize("name", KERNEL_ENERGIES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("dim", [2, 17, 100])
def test_energy_alone_comes_from_the_kernel_where_no_graph_is_wanted(
    name: str, dtype: torch.dtype, dim: int
) -> None:
    """``energy`` gives the kernel's energies (the same bits as ``energy_and_gradient``) when
    nothing requires grad, and also when x does, then with a graph whose derivative is the
    kernel's gradient. 123 rows end on a partial block."""
    model = _model(name, dim, dtype)
    x = _inside_bounds(model, (3, 41), dtype, seed=6)
    fused_energy, _ = model.energy_and_gradient(x)
    for context in (contextlib.nullcontext(), torch.no_grad()):
        with context:
            energy = model.energy(x)
        assert energy.dtype == dtype and energy.shape == (3, 41) and not energy.requires_grad
        assert torch.equal(energy, fused_energy)
    reference = model.forward(x.double()) if dtype == torch.float64 else model.forward(x).double()
    torch.testing.assert_close(
        energy.double(), reference, rtol=1e-11 if dtype == torch.float64 else 2e-5, atol=0
    )
    leaf = x.clone().requires_grad_(True)
    with_graph = model.energy(leaf)  # differentiated by the fused gradient: the kernel's numbers
    assert with_graph.grad_fn is not None and torch.equal(with_graph, fused_energy)
    (grad,) = torch.autograd.grad(with_graph.sum(), leaf)
    assert torch.equal(grad, model.energy_and_gradient(x)[1])
    with ebmcore.use_backend("autograd"):
        assert torch.equal(model.energy(x), model.forward(x))


@needs_kernels
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_runs_the_torch_path(dtype: torch.dtype) -> None:
    model = _model("rastrigin", 4, dtype)
    x = _inside_bounds(model, (10,), dtype, seed=3)
    energy, grad = model.energy_and_gradient(x)
    with ebmcore.use_backend("analytic"):
        expected = model.energy_and_gradient(x)
    assert energy.dtype == grad.dtype == dtype
    torch.testing.assert_close((energy, grad), expected, rtol=0, atol=0)
    assert torch.equal(model.energy(x), model.forward(x))


@needs_kernels
@pytest.mark.parametrize("name", ["rastrigin", "ackley", "dixon_price"])
def test_large_inputs_share_their_rows_among_threads_with_the_same_numbers(name: str) -> None:
    """Above the parallel grain the kernel runs on every torch thread (an extension built with
    OpenMP), and its numbers do not depend on how many: each row is computed the same way."""
    dim = 100
    model = _model(name, dim, torch.float64)
    x = torch.randn(
        3 * PARALLEL_GRAIN // dim + 5, dim, dtype=torch.float64, generator=torch.Generator().manual_seed(4)
    )
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = model.energy_and_gradient(x), model.energy(x)
        torch.set_num_threads(3)
        assert ebmcore.resolve_backend(model, x) == ("kernel" if _cpu_kernels.THREADED else "analytic")
        several = model.energy_and_gradient(x), model.energy(x)
    finally:
        torch.set_num_threads(threads)
    if _cpu_kernels.THREADED:
        torch.testing.assert_close(several, one, rtol=0, atol=0)
    with ebmcore.use_backend("analytic"):
        expected = model.energy_and_gradient(x)
    torch.testing.assert_close(several[0], expected, rtol=1e-12, atol=1e-12)


FORKED_CHILD = """
import multiprocessing, torch, ebmcore
torch.set_num_threads(2)
model = ebmcore.create("rastrigin", dim=100)
x = torch.randn(1000, 100, dtype=torch.float64)
energy, grad = model.energy_and_gradient(x)  # the parent's threads run the kernel
expected = energy.numpy().tobytes() + grad.numpy().tobytes()

def child(queue):  # compared by numpy: torch's own threaded ops would wait in a forked child
    energy, grad = model.energy_and_gradient(x)
    queue.put(energy.numpy().tobytes() + grad.numpy().tobytes() == expected)

context = multiprocessing.get_context("fork")
queue = context.Queue()
process = context.Process(target=child, args=(queue,), daemon=True)
process.start()
process.join(60)
print(not process.is_alive() and queue.get(timeout=5))
"""


@needs_kernels
@pytest.mark.skipif(not _cpu_kernels.THREADED or sys.platform != "linux", reason="threaded kernels, fork")
def test_a_forked_child_runs_the_kernel_on_one_thread_instead_of_waiting_for_the_parents() -> None:
    """GNU OpenMP's thread pool does not survive fork(): the child computes on one thread."""
    done = subprocess.run([sys.executable, "-c", FORKED_CHILD], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "True", done.stderr


@needs_kernels
def test_a_subclass_that_redefines_the_energy_runs_its_own_path() -> None:
    class ShiftedRastrigin(Rastrigin):
        def analytic_energy_and_gradient(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            energy, grad = super().analytic_energy_and_gradient(x - 1.0)
            return energy, grad

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return super().forward(x - 1.0)

    model = ShiftedRastrigin(dim=3).double()
    x = torch.randn(5, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    energy, grad = model.energy_and_gradient(x)
    with ebmcore.use_backend("autograd"):
        expected = model.energy_and_gradient(x)
    torch.testing.assert_close((energy, grad), expected, rtol=1e-12, atol=1e-12)
    with torch.no_grad():
        torch.testing.assert_close(model.energy(x), expected[0], rtol=1e-12, atol=1e-12)


@needs_kernels
def test_a_bbob_subclass_with_a_formula_of_its_own_runs_its_own_path() -> None:
    """A BBOB kernel serves its class's formula only: a subclass with another formula (the same
    forward and analytic path, read from the formula) runs its own torch formula."""
    from ebmcore_bbob import EllipsoidRotated

    class Flat(EllipsoidRotated):
        @staticmethod
        def formula(y: torch.Tensor, weights: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            return (weights * y).sum(-1), weights + 0.0 * y

    x = torch.randn(5, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    assert ebmcore.resolve_backend(EllipsoidRotated(dim=3), x) == "kernel"
    model = Flat(dim=3)
    assert ebmcore.resolve_backend(model, x) == "analytic"
    energy, grad = model.energy_and_gradient(x)
    weights_in_x = model.weights @ model.rotation  # E = w . R (x - x_opt) + f_opt
    torch.testing.assert_close(energy, (x - model.x_opt) @ weights_in_x + model.f_opt, rtol=1e-12, atol=0)
    torch.testing.assert_close(grad, weights_in_x.expand(5, 3), rtol=1e-12, atol=0)


@needs_kernels
@pytest.mark.parametrize("name", [name for name in KERNEL_ENERGIES if name.startswith("bbob")])
def test_a_bbob_call_runs_every_kernel_of_the_function(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CPU kernel path runs the function's formula, inner map and x term in C, each once, none
    of them in torch; each forms its gradient, but where the gradient does not run through the
    formula's input (f7's rounding): there the formula and the inner map form their values alone."""
    from ebmcore_kernels import _cpu

    model = ebmcore.create(name, dim=5)
    kind = type(model)
    through = kind.formula_gradient  # type: ignore[attr-defined]
    kinds = ((kind.kernel, through), (kind.inner_kernel, through), (kind.x_kernel, True))  # type: ignore[attr-defined]
    expected = sorted((kernel, gradient) for kernel, gradient in kinds if kernel is not None)
    ran: list[tuple[str, bool]] = []
    compute = _cpu.compute
    signature = inspect.signature(compute)

    def recording(kernel: str, *arguments: Any, **named: Any) -> Any:
        call = signature.bind(kernel, *arguments, **named)
        call.apply_defaults()
        ran.append((kernel, call.arguments["with_gradient"]))
        return compute(kernel, *arguments, **named)

    monkeypatch.setattr(ebmcore_kernels, "compute", recording)
    monkeypatch.setattr(_cpu, "compute", recording)
    model.energy_and_gradient(_inside_bounds(model, (4,), torch.float64, 0))
    assert sorted(ran) == expected


@needs_kernels
@pytest.mark.parametrize("name", ["bbob_f7", "bbob_f16", "bbob_f17", "bbob_f23", "bbob_f24"])
def test_a_bbob_x_term_runs_its_printed_kernel_outside_the_box(name: str) -> None:
    """The terms of x itself (the penalty, f24's funnels), 0 or smooth in the box where the other
    tests sample, in C equal their torch formula and autograd through it beyond the box too."""
    model = ebmcore.create(name, dim=7)
    u = torch.rand(64, 7, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    x = 16.0 * u - 8.0  # about 3 in 8 coordinates beyond 5
    energy, grad = model.x_term(x, with_gradient=True, kernel=True)
    expected, expected_grad = model.x_term(x, with_gradient=True)
    assert energy is not None and expected is not None and int((expected > 0).sum()) > 32
    torch.testing.assert_close(energy, expected, rtol=1e-14, atol=0)
    torch.testing.assert_close(grad, expected_grad, rtol=1e-14, atol=1e-14)
    x_ = x.clone().requires_grad_(True)
    (autograd,) = torch.autograd.grad(model.x_term(x_, with_gradient=False)[0].sum(), x_)
    torch.testing.assert_close(grad, autograd, rtol=1e-14, atol=1e-14)


@needs_kernels
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_the_printed_clamp_of_the_penalty_is_torchs_at_the_edges(dtype: torch.dtype) -> None:
    """The penalty's kernel prints ``torch.clamp`` as two selects: the same bits as torch at the
    bounds, beyond them, at signed zeros and infinities, and NaN where x is NaN."""
    from ebmcore_bbob import _coco

    edges = [5.0, -5.0, 5.000001, -5.5, 7.0, -0.0, 0.0, math.inf, -math.inf, math.nan, 1e30, -3.0]
    x = torch.tensor([edges, edges[::-1]], dtype=dtype)
    energy, _, grad = ebmcore_kernels.compute("bbob_penalty", x, (3.0,), ())
    expected, expected_grad = _coco.f_pen_scaled(x, 3.0)
    torch.testing.assert_close(energy, expected, rtol=0, atol=0, equal_nan=True)
    torch.testing.assert_close(grad, expected_grad, rtol=0, atol=0, equal_nan=True)
    assert grad is not None and bool(grad[0, 9].isnan()) and float(grad[0, 0]) == 0.0


class _SumOfSquares(ebmcore.BaseModel):
    def __init__(self, dim: int) -> None:
        super().__init__(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.square().sum(-1)


@needs_kernels
def test_a_kernel_given_the_wrong_arguments_raises() -> None:
    with pytest.raises(ValueError, match=r"kernel must be one of .*, got 'no_such_kernel'"):
        cpu_kernel("no_such_kernel", lambda model, x: ((), ()))(Rastrigin)

    @cpu_kernel("griewank", lambda model, x: ((), (torch.ones(model.dim + 1, dtype=x.dtype),)))
    class WrongLength(_SumOfSquares):
        pass

    with pytest.raises(ValueError, match=r"vectors\[0\] must have size 3 in dimension 0, got 4"):
        WrongLength(dim=3).energy_and_gradient(torch.zeros(2, 3))

    @cpu_kernel("rastrigin", lambda model, x: ((), ()))
    class MissingParameter(_SumOfSquares):
        pass

    with pytest.raises(ValueError, match="kernel rastrigin takes 1 parameters and 0 vectors, got 0 and 0"):
        MissingParameter(dim=3).energy_and_gradient(torch.zeros(2, 3))
    with pytest.raises(ValueError, match=r"gradient=False needs a finish .*, got finish=None"):
        ebmcore_kernels.register(_SumOfSquares, "rastrigin", lambda model, x: ((10.0,), ()), gradient=False)
    assert _SumOfSquares(dim=3).energy_and_gradient(torch.ones(2, 3))[1].tolist() == [[2.0] * 3] * 2


@needs_kernels
@pytest.mark.parametrize("dim", [2, 16, 100])
def test_float32_gaussian_energy_beyond_float32_range_of_the_quadratic_form(dim: int) -> None:
    """(1/2) c.Pc is finite where c.Pc, and here the product c_1 (Pc)_1 alone, overflow float32:
    the Gaussian has no kernel (its gradient is the library's product by the precision), and its
    analytic path scales first."""
    cov = torch.eye(dim, dtype=torch.float64)
    cov[-1, -2] = cov[-2, -1] = 0.5  # full, and at d = 2 coupled to the first coordinate
    model = ebmcore.create("gaussian", cov=cov).float()
    x = torch.zeros(3, dim)
    x[:, 0] = 2e19  # c.Pc = 4e38 P_11 > float32 max 3.4e38, half of it below
    energy, _ = model.energy_and_gradient(x)
    expected = 0.5 * 2e19**2 * torch.linalg.inv(cov)[0, 0]
    assert ebmcore.resolve_backend(model, x) == "analytic"
    assert energy.isfinite().all()
    torch.testing.assert_close(energy.double(), expected.expand(3), rtol=1e-6, atol=0)


@needs_kernels
def test_fused_checks_every_array_against_the_declared_layout_before_touching_memory() -> None:
    """Tensors cross into C as DLPack capsules; each is checked against the kernel's layout, and a
    wrong one raises without writing anything."""
    x = torch.randn(4, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(9))
    energy, grad = torch.full((4,), 7.0, dtype=torch.float64), torch.full((4, 3), 7.0, dtype=torch.float64)
    ebmcore_kernels.fused("rastrigin", x, energy, grad, (10.0,), ())
    model = ebmcore.create("rastrigin", dim=3).double()
    with ebmcore.use_backend("analytic"):
        expected = model.energy_and_gradient(x)
    torch.testing.assert_close((energy, grad), expected, rtol=1e-13, atol=1e-13)

    untouched = torch.full((4,), 7.0, dtype=torch.float64)
    wrong = {
        r"energy must have size 4 in dimension 0, got 5": dict(energy=torch.zeros(5, dtype=torch.float64)),
        r"energy must be float64, got DLPack type code 2 of 32 bits": dict(energy=torch.zeros(4)),
        r"grad must have 2 dimensions, got 1": dict(grad=torch.zeros(12, dtype=torch.float64)),
        r"grad must be contiguous": dict(grad=torch.zeros(3, 4, dtype=torch.float64).T),
        r"x must be float64|x must be float32": dict(x=x.to(torch.int64)),
        r"energy must have 2 dimensions, got 1": dict(x=x[None]),
        r"x must have 1 to 64 dimensions \(\*batch, d\), got 0": dict(x=x[0, 0]),
        r"x must be contiguous": dict(x=torch.zeros(3, 4, dtype=torch.float64).T),
        r"vectors\[0\] must have size 3 in dimension 0, got 2": dict(
            kernel="griewank", parameters=(), vectors=(torch.ones(2, dtype=torch.float64),)
        ),
        r"vectors\[1\] must have 1 dimensions, got 2": dict(
            kernel="dixon_price",
            parameters=(),
            vectors=(torch.zeros(3, dtype=torch.float64), torch.ones(3, 3, dtype=torch.float64)),
        ),
        r"kernel rastrigin takes 1 parameters and 0 vectors, got 2 and 0": dict(parameters=(1.0, 2.0)),
        r"kernel must be one of .*, got 'cosine'": dict(kernel="cosine"),
        r"kernel rastrigin takes no value array": dict(value=torch.zeros(4, 3, dtype=torch.float64)),
        r"kernel bbob_oscillated_asymmetry maps x: pass the array of its values": dict(
            kernel="bbob_oscillated_asymmetry",
            parameters=(1e10,),
            vectors=(torch.ones(3, dtype=torch.float64),),
        ),
        r"value must have size 3 in dimension 1, got 2": dict(
            kernel="bbob_oscillated_asymmetry",
            parameters=(1e10,),
            vectors=(torch.ones(3, dtype=torch.float64),),
            value=torch.zeros(4, 2, dtype=torch.float64),
        ),
    }
    for message, change in wrong.items():
        arguments: dict = dict(
            kernel="rastrigin", x=x, energy=untouched, grad=None, parameters=(10.0,), vectors=()
        )
        arguments.update(change)
        with pytest.raises(ValueError, match=message):
            ebmcore_kernels.fused(**arguments)
        assert torch.equal(untouched, torch.full((4,), 7.0, dtype=torch.float64))
    with pytest.raises(TypeError, match=r"x must be a DLPack capsule \(to_dlpack of a tensor\), got int"):
        ebmcore_kernels._cpu._native.fused(0, 12345, None, None, (10.0,), (), 1)


def test_without_the_extension_nothing_is_registered_and_the_torch_paths_run() -> None:
    """``ebmcore_analytic`` imports and runs with ``ebmcore-kernels`` absent: a child process
    that cannot import it gets no kernel, and the same energies from the PyTorch path."""
    script = (
        "import sys; sys.modules['ebmcore_kernels'] = None\n"
        "import torch, ebmcore\n"
        "from ebmcore_analytic import _cpu_kernels\n"
        "model = ebmcore.create('rastrigin', dim=3).double()\n"
        "x = torch.tensor([[0.5, 0.0, -0.25]], dtype=torch.float64)\n"
        "print(_cpu_kernels.AVAILABLE, 'cpu' in model.kernels, ebmcore.resolve_backend(model, x),"
        " float(model.energy_and_gradient(x)[0][0]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["False", "False", "analytic", "30.3125"], done.stderr
