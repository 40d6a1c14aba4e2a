"""Compiled kernels: opt-in registration, the per-instance CPU switch, fallback and numbers."""

from __future__ import annotations

import functools
import subprocess
import sys
import warnings

import pytest
import torch
from torch import Tensor

import ebmcore
from ebmcore import BaseModel, constraints
from ebmcore import _compile as compile_module
from ebmcore.testing._context import Context


class Quartic(BaseModel):
    """E(x) = sum c x^4 / 4 + x_i x_{i+1}: a coupled test energy with a fused analytic gradient."""

    arg_constraints = {"dim": constraints.positive_integer, "c": constraints.positive}
    compiled_kernels = ("cpu",)

    def __init__(self, dim: int = 3, c: float = 1.5) -> None:
        super().__init__(dim, dim=dim, c=c)
        self.c = c

    def forward(self, x: Tensor) -> Tensor:
        return (0.25 * self.c * x**4).sum(-1) + (x[..., :-1] * x[..., 1:]).sum(-1)

    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        cube = x * x * x
        energy = 0.25 * self.c * (cube * x).sum(-1) + (x[..., :-1] * x[..., 1:]).sum(-1)
        grad = self.c * cube
        pad = torch.nn.functional.pad
        grad = grad + pad(x[..., 1:], (0, 1)) + pad(x[..., :-1], (1, 0))
        return energy, grad


class CudaQuartic(Quartic):
    compiled_kernels = ("cuda",)


def _key(cls: type, device: str = "cpu", dtype: str = "float64") -> str:
    return f"{cls.__name__}/{device}/{dtype}"


def test_compiled_kernels_registers_a_kernel_per_listed_device_type() -> None:
    assert Quartic.kernels["cpu"].function is compile_module.compiled_energy_and_gradient
    assert not Quartic.kernels["cpu"].differentiable
    # the subclass lists only cuda but inherits the cpu entry, like any kernel
    assert set(CudaQuartic.kernels) == {"cpu", "cuda"}
    assert "cuda" not in Quartic.kernels
    assert ebmcore.resolve_backend(Quartic(), torch.zeros(3)) == "kernel"


def test_compiled_kernels_needs_an_analytic_gradient() -> None:
    with pytest.raises(ebmcore.RegistrationError, match="NoGradient defines no analytic_energy_and_gradient"):

        class NoGradient(BaseModel):
            compiled_kernels = ("cuda",)

            def forward(self, x: Tensor) -> Tensor:
                return x.sum(-1)


def test_compiled_kernels_must_be_a_tuple_of_names() -> None:
    with pytest.raises(ebmcore.RegistrationError, match=r"must be a tuple of device type names"):

        class Wrong(Quartic):
            compiled_kernels = "cuda"  # type: ignore[assignment]


def test_create_graph_does_not_use_the_compiled_kernel() -> None:
    model = Quartic()
    x = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    assert ebmcore.resolve_backend(model, x, create_graph=True) == "analytic"


def test_compile_switches_one_instance_only() -> None:
    model = ebmcore.create("gaussian", dim=3)  # no CPU kernel: the analytic path by default
    other = ebmcore.create("gaussian", dim=3)
    assert ebmcore.compile(model, "cpu") is model
    x = torch.zeros(3)
    assert ebmcore.resolve_backend(model, x) == "kernel"
    assert ebmcore.resolve_backend(other, x) == "analytic"
    assert "cpu" not in type(model).kernels


def test_compile_rejects_models_without_analytic_gradient() -> None:
    @ebmcore.register_energy("bowl_no_grad")
    class Bowl(BaseModel):
        def __init__(self, dim: int = 2) -> None:
            super().__init__(dim, dim=dim)

        def forward(self, x: Tensor) -> Tensor:
            return (x * x).sum(-1)

    try:
        with pytest.raises(ebmcore.RegistrationError, match="Bowl defines no analytic"):
            ebmcore.compile(ebmcore.create("bowl_no_grad"))
        with pytest.raises(ebmcore.InvalidParameterError, match="model"):
            ebmcore.compile("double_well")  # type: ignore[arg-type]
    finally:
        ebmcore.unregister_energy("bowl_no_grad")


def test_disable_compile_runs_the_eager_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EBMCORE_DISABLE_COMPILE", "1")

    def no_compile(*args: object, **kwargs: object) -> None:
        raise AssertionError("torch.compile must not be called")

    monkeypatch.setattr(torch, "compile", no_compile)
    x = torch.randn(5, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    for name in ("rosenbrock", "gaussian"):  # with a C kernel of its class, and without
        expected = ebmcore.create(name, dim=4).energy_and_gradient(x)  # the model's own path
        model = ebmcore.compile(ebmcore.create(name, dim=4))
        energy, grad = model.energy_and_gradient(x)
        torch.testing.assert_close(energy, expected[0], rtol=0, atol=0)
        torch.testing.assert_close(grad, expected[1], rtol=0, atol=0)


def test_failed_compile_warns_once_and_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    class Failing(Quartic):
        compiled_kernels = ("cpu",)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("no compiler here")

    monkeypatch.setattr(torch, "compile", broken)
    model = Failing(dim=4)
    x = torch.randn(6, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    with pytest.warns(RuntimeWarning, match=r"compiling Failing.* failed \(RuntimeError: no compiler here\)"):
        energy, grad = model.energy_and_gradient(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = model.gradient(x)
    with ebmcore.use_backend("autograd"):
        ref_energy, ref_grad = model.energy_and_gradient(x)
    torch.testing.assert_close(energy, ref_energy, rtol=1e-12, atol=0)
    torch.testing.assert_close(grad, ref_grad, rtol=1e-12, atol=0)
    torch.testing.assert_close(again, ref_grad, rtol=1e-12, atol=0)
    assert _key(Failing) in ebmcore.compile_stats()["failed"]


def test_import_and_opt_in_compile_nothing() -> None:
    """Importing ebmcore, defining an opted-in class and compile(model) import no dynamo/inductor."""
    code = (
        "import sys, torch, ebmcore\n"
        "class M(ebmcore.BaseModel):\n"
        "    compiled_kernels = ('cpu', 'cuda')\n"
        "    def __init__(self): super().__init__(2)\n"
        "    def forward(self, x): return (x * x).sum(-1)\n"
        "    def analytic_gradient(self, x): return 2 * x\n"
        "ebmcore.compile(ebmcore.create('gaussian', dim=2)).energy_and_gradient(torch.zeros(0, 2))\n"
        "ebmcore.create('gaussian', dim=2).energy_and_gradient(torch.zeros(3, 2))\n"
        "print(sorted(m for m in sys.modules if m.startswith(('torch._dynamo', 'torch._inductor'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_compiled_kernel_runs_and_matches_eager_on_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TORCHINDUCTOR_COMPILE_THREADS", "1")  # no worker pool on a small box
    model = Quartic(dim=4, c=0.7)
    generator = torch.Generator().manual_seed(2)
    before = ebmcore.compile_stats()["calls"].get(_key(Quartic), 0)
    for shape in [(5, 3, 4), (7, 4)]:
        x = torch.randn(shape, dtype=torch.float64, generator=generator)
        x_copy = x.clone()
        assert ebmcore.resolve_backend(model, x) == "kernel"
        energy, grad = model.energy_and_gradient(x)
        gradient = model.gradient(x)
        eager_energy, eager_grad = model.analytic_energy_and_gradient(x)
        with ebmcore.use_backend("autograd"):
            ref_energy, ref_grad = model.energy_and_gradient(x)
        assert energy.shape == shape[:-1] and grad.shape == shape
        assert energy.dtype == grad.dtype == torch.float64
        torch.testing.assert_close(energy, eager_energy, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(grad, eager_grad, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(energy, ref_energy, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(grad, ref_grad, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(gradient, ref_grad, rtol=1e-10, atol=1e-12)
        assert torch.equal(x, x_copy)
    stats = ebmcore.compile_stats()
    assert _key(Quartic) in stats["compiled"]
    assert stats["calls"][_key(Quartic)] - before == 4
    assert _key(Quartic) not in stats["failed"]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_compiled_kernel_matches_eager_on_cuda() -> None:
    model = CudaQuartic(dim=6).to("cuda")
    generator = torch.Generator("cuda").manual_seed(3)
    x = torch.randn(64, 6, dtype=torch.float64, device="cuda", generator=generator)
    assert ebmcore.resolve_backend(model, x) == "kernel"
    energy, grad = model.energy_and_gradient(x)
    with ebmcore.use_backend("autograd"):
        ref_energy, ref_grad = model.energy_and_gradient(x)
    torch.testing.assert_close(energy, ref_energy, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(grad, ref_grad, rtol=1e-10, atol=1e-12)
    assert ebmcore.compile_stats()["calls"][_key(CudaQuartic, "cuda:0")] >= 1


class CoupledQuartic(Quartic):
    """Inherits Quartic's method, so both classes' compiled kernels start from one code object."""


def test_every_class_and_event_shape_keeps_its_compiled_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dynamo keeps at most ``recompile_limit`` (8) graphs per code object and past it runs the
    code eagerly without a word: 2 classes sharing a method x 6 event shapes must still each get
    a graph of their own (traced by dynamo's eager backend here, to keep the test quick)."""

    import torch._dynamo.utils

    monkeypatch.setattr(torch, "compile", functools.partial(torch.compile, backend="eager"))
    counters = torch._dynamo.utils.counters["stats"]
    before = counters["unique_graphs"]
    keys = 0
    generator = torch.Generator().manual_seed(5)
    for cls in (Quartic, CoupledQuartic):
        for dim in range(2, 8):
            model = ebmcore.compile(cls(dim=dim))
            for batch in (3, 5):  # one graph per event shape, dynamic in the batch size
                x = torch.randn(batch, dim, dtype=torch.float64, generator=generator)
                energy, grad = model.energy_and_gradient(x)
                reference = model.analytic_energy_and_gradient(x)
                torch.testing.assert_close(energy, reference[0])
                torch.testing.assert_close(grad, reference[1])
            keys += 1
    assert keys > torch._dynamo.config.recompile_limit
    assert counters["unique_graphs"] - before >= keys


@functools.cache
def _inductor_compiles() -> bool:
    """Whether inductor can compile on this machine's CPU (it needs a C++ compiler)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            torch.compile(lambda t: t + 1)(torch.zeros(3))
        except Exception:
            return False
    return True


def _compilable() -> list[str]:
    names = []
    for name in ebmcore.list_energies():
        try:
            model = ebmcore.create(name)
        except ebmcore.MissingParameterError:
            continue
        if model.has_analytic_gradient:
            names.append(name)
    return names


# Relative tolerances where the formula amplifies one rounding: Weierstrass's gradient sums sines
# of arguments up to 2 pi 3^11 |z| (about 1e7), where inductor's other rounding of an argument
# moves the sum by some 1e-8 of its size.
LOOSER = {"bbob_f16": 1e-7}


@pytest.mark.slow
@pytest.mark.parametrize("name", _compilable())
def test_every_energy_compiles_to_its_eager_numbers(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``ebmcore.compile`` on the CPU, for every registered energy with an analytic gradient:
    inductor's code gives the model's eager energy and gradient (float64, 1e-9), its C kernel's
    where its class has one (which the graph calls)."""
    if not _inductor_compiles():
        pytest.skip("inductor cannot compile here (no C++ compiler)")
    monkeypatch.setenv("TORCHINDUCTOR_COMPILE_THREADS", "1")  # no worker pool on a small box
    model = ebmcore.create(name).double()
    x = Context(model, event_shape=model.event_shape or (2,)).points(32, seed=11)  # the kit's points
    energy, grad = model.energy_and_gradient(x)
    compiled = ebmcore.compile(model, "cpu")
    assert ebmcore.resolve_backend(compiled, x) == "kernel"
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a failed compile warns: fail on it
        compiled_energy, compiled_grad = compiled.energy_and_gradient(x)
    rtol = LOOSER.get(name, 1e-9)
    torch.testing.assert_close(compiled_energy, energy, rtol=rtol, atol=1e-9, equal_nan=True)
    torch.testing.assert_close(compiled_grad, grad, rtol=rtol, atol=1e-9, equal_nan=True)
