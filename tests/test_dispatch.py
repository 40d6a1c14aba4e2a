"""Gradient dispatch: kernel, then analytic, then autograd; all paths agree."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import torch
from torch import Tensor
from torch.autograd import forward_ad

import ebmcore
from ebmcore import BackendUnavailableError, BaseModel, InvalidParameterError, constraints

# every registered energy that can be built from its defaults
NAMES = [
    name for name in ebmcore.list_energies() if not any(p.required for p in ebmcore.info(name).parameters)
]


def _points(model: BaseModel, n: int = 16) -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    return torch.randn(n, *model.event_shape, dtype=torch.float64, generator=generator)


@pytest.mark.parametrize("name", NAMES)
def test_every_path_gives_the_same_numbers(name, ill_conditioned):
    model = ebmcore.create(name)
    x = _points(model)
    with ebmcore.use_backend("autograd"):
        e_ref, g_ref = model.energy_and_gradient(x)
        assert ebmcore.resolve_backend(model, x) == "autograd"
    e, g = model.energy_and_gradient(x)
    ill = ill_conditioned.get(name)
    torch.testing.assert_close(e, e_ref, rtol=ill or 1e-12, atol=0)
    rtol, atol = (ill, ill * float(g_ref.abs().max())) if ill else (1e-10, 1e-12)
    torch.testing.assert_close(g, g_ref, rtol=rtol, atol=atol)
    torch.testing.assert_close(model.gradient(x), g_ref, rtol=rtol, atol=atol)
    torch.testing.assert_close(ebmcore.score(model, x), -g_ref, rtol=rtol, atol=atol)
    torch.testing.assert_close(ebmcore.gradient(model, x), g_ref, rtol=rtol, atol=atol)
    if model.has_analytic_gradient:
        with ebmcore.use_backend("analytic"):
            assert ebmcore.resolve_backend(model, x) == "analytic"
            torch.testing.assert_close(model.gradient(x), g_ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_create_graph_gives_second_derivatives_equal_to_autograd(name):
    model = ebmcore.create(name)
    x = _points(model, 4).requires_grad_(True)
    direction = torch.randn_like(x)
    grads = {}
    for backend in ("auto", "autograd"):
        with ebmcore.use_backend(backend):
            g = model.gradient(x, create_graph=True)
        assert g.requires_grad
        (hvp,) = torch.autograd.grad((g * direction).sum(), x)
        grads[backend] = hvp
    torch.testing.assert_close(grads["auto"], grads["autograd"], rtol=1e-9, atol=1e-9)


class Bowl(BaseModel):
    """E = k/2 |x|^2 with an analytic gradient and a trainable k."""

    arg_constraints = {"dim": constraints.positive_integer}

    def __init__(self, dim: int = 2) -> None:
        super().__init__(dim, dim=dim)
        self.k = torch.nn.Parameter(torch.tensor(2.0))
        self.analytic_calls = 0

    def forward(self, x):
        return 0.5 * self.k.to(x.dtype) * (x * x).sum(-1)

    def analytic_gradient(self, x):
        self.analytic_calls += 1
        return self.k.to(x.dtype) * x


class KernelBowl(Bowl):
    calls = 0
    energy_calls = 0


def _cpu_kernel(model, x):
    KernelBowl.calls += 1
    k = model.k.detach().to(x.dtype)
    return 0.5 * k * (x * x).sum(-1), k * x


def test_a_kernel_registered_for_the_device_type_is_the_one_that_runs():
    KernelBowl.register_kernel("cpu", _cpu_kernel)
    try:
        model = KernelBowl(dim=3)
        x = torch.randn(5, 3)
        assert ebmcore.resolve_backend(model, x) == "kernel"
        before = KernelBowl.calls
        _, grad = model.energy_and_gradient(x)
        model.gradient(x)
        assert KernelBowl.calls == before + 2 and model.analytic_calls == 0
        torch.testing.assert_close(grad, 2.0 * x)
        # a non-differentiable kernel is skipped when a graph is wanted: analytic runs instead
        assert ebmcore.resolve_backend(model, x, create_graph=True) == "analytic"
        model.gradient(x, create_graph=True)
        assert KernelBowl.calls == before + 2 and model.analytic_calls == 1
        with ebmcore.use_backend("kernel"):
            assert ebmcore.resolve_backend(model, x, create_graph=True) == "autograd"
        with pytest.raises(ebmcore.RegistrationError, match="already has a kernel for 'cpu'"):
            KernelBowl.register_kernel("cpu", _cpu_kernel)
        assert "cpu" not in Bowl.kernels  # the parent class is untouched
    finally:
        KernelBowl.unregister_kernel("cpu")
    assert ebmcore.resolve_backend(KernelBowl(), torch.zeros(2)) == "analytic"


def test_a_kernel_that_applies_to_some_instances_is_skipped_for_the_others():
    """``applies(model)`` is asked on every call: an instance it rejects runs the analytic path,
    and forcing the kernel on it raises."""
    KernelBowl.register_kernel("cpu", _cpu_kernel, applies=lambda model: model.dim <= 3)
    try:
        small, large = KernelBowl(dim=3), KernelBowl(dim=4)
        assert ebmcore.resolve_backend(small, torch.zeros(3)) == "kernel"
        assert ebmcore.resolve_backend(large, torch.zeros(4)) == "analytic"
        before = KernelBowl.calls
        _, grad = large.energy_and_gradient(torch.ones(2, 4))
        assert KernelBowl.calls == before and large.analytic_calls == 1
        torch.testing.assert_close(grad, torch.full((2, 4), 2.0))
        small.energy_and_gradient(torch.ones(2, 3))
        assert KernelBowl.calls == before + 1
        with (
            ebmcore.use_backend("kernel"),
            pytest.raises(BackendUnavailableError, match="that applies to this model"),
        ):
            large.gradient(torch.ones(4))
    finally:
        KernelBowl.unregister_kernel("cpu")


def test_a_kernel_that_takes_some_inputs_only_lets_the_next_path_run_and_says_so():
    """``accepts(model, x)``: for an input it refuses the analytic path runs, and
    ``resolve_backend`` names that path, not the kernel."""
    KernelBowl.register_kernel("cpu", _cpu_kernel, accepts=lambda model, x: x.dtype == torch.float32)
    try:
        model = KernelBowl(dim=3)
        x32, x64 = torch.ones(2, 3), torch.ones(2, 3, dtype=torch.float64)
        assert ebmcore.resolve_backend(model, x32) == "kernel"
        assert ebmcore.resolve_backend(model, x64) == "analytic"
        before = KernelBowl.calls
        _, grad = model.energy_and_gradient(x64)
        assert KernelBowl.calls == before and model.analytic_calls == 1 and grad.dtype == torch.float64
        model.energy_and_gradient(x32)
        assert KernelBowl.calls == before + 1
        with (
            ebmcore.use_backend("kernel"),
            pytest.raises(BackendUnavailableError, match=r"takes this torch.float64 input of shape \(2, 3\)"),
        ):
            model.gradient(x64)
    finally:
        KernelBowl.unregister_kernel("cpu")


def _cpu_energy(model, x):
    KernelBowl.energy_calls += 1
    return _cpu_kernel(model, x)[0]


def test_a_kernel_energy_runs_only_where_no_graph_can_be_wanted():
    """``energy`` takes the kernel's energy function when grad mode is off, or when neither x nor
    a parameter requires grad; forward otherwise (and under a forced reference path, a
    torch.func transform, or a kernel that does not apply), with its graph."""
    KernelBowl.energy_calls = 0
    KernelBowl.register_kernel("cpu", _cpu_kernel, energy=_cpu_energy, applies=lambda model: model.dim <= 3)
    try:
        model = KernelBowl(dim=3)
        x = torch.randn(5, 3)
        expected = model.forward(x).detach()

        def kernel_ran(energy: torch.Tensor) -> bool:
            torch.testing.assert_close(energy.detach(), expected)
            ran, KernelBowl.energy_calls = KernelBowl.energy_calls, 0
            return ran == 1

        assert not kernel_ran(model.energy(x))  # k is a trainable parameter
        with torch.no_grad():
            assert kernel_ran(model.energy(x))
            assert kernel_ran(ebmcore.energy(model, x))
        model.k.requires_grad_(False)
        assert kernel_ran(model.energy(x))
        with_graph = model.energy(x.clone().requires_grad_(True))
        assert not kernel_ran(with_graph) and with_graph.requires_grad
        for backend, runs in (("kernel", True), ("analytic", False), ("autograd", False)):
            with ebmcore.use_backend(backend):
                assert kernel_ran(model.energy(x)) is runs
        assert not kernel_ran(torch.vmap(model.energy)(x))
        torch.testing.assert_close(torch.func.grad(model.energy)(x[0]), 2.0 * x[0])
        assert KernelBowl.energy_calls == 0
        larger = KernelBowl(dim=4).requires_grad_(False)
        torch.testing.assert_close(larger.energy(torch.ones(2, 4)), torch.full((2,), 4.0))
        assert KernelBowl.energy_calls == 0
        with (
            torch.no_grad(),
            pytest.raises(ebmcore.InvalidInputError, match=r"of shape \(\*batch, 3\), got \(5, 4\)"),
        ):
            model.energy(torch.zeros(5, 4))  # the input is checked before the kernel sees it
        assert KernelBowl.energy_calls == 0
    finally:
        KernelBowl.unregister_kernel("cpu")
    with torch.no_grad():
        KernelBowl(dim=3).energy(torch.zeros(2, 3))
    assert KernelBowl.energy_calls == 0


def test_gradient_with_create_graph_trains_parameters():
    model = Bowl(dim=2)
    x = torch.randn(8, 2)
    for backend in ("analytic", "autograd"):
        model.k.grad = None
        with ebmcore.use_backend(backend):
            loss = model.gradient(x, create_graph=True).square().sum()
        loss.backward()
        torch.testing.assert_close(model.k.grad, 2 * model.k.detach() * x.square().sum())


def test_without_create_graph_results_are_detached_even_for_trainable_models():
    model = Bowl(dim=2)
    energy, grad = model.energy_and_gradient(torch.randn(3, 2, requires_grad=True))
    assert not energy.requires_grad and not grad.requires_grad
    with ebmcore.use_backend("autograd"):
        energy, grad = model.energy_and_gradient(torch.randn(3, 2))
    assert not energy.requires_grad and not grad.requires_grad


def test_autograd_path_works_under_no_grad():
    model = ebmcore.create("rosenbrock", dim=3)
    x = torch.randn(4, 3, dtype=torch.float64)
    with torch.no_grad(), ebmcore.use_backend("autograd"):
        grad = model.gradient(x)
    torch.testing.assert_close(grad, model.gradient(x))


def test_forcing_a_missing_backend_is_an_error():
    class NoGradient(BaseModel):
        def __init__(self):
            super().__init__(2)

        def forward(self, x):
            return x.sum(-1)

    model = NoGradient()
    assert ebmcore.resolve_backend(model, torch.zeros(2)) == "autograd"
    torch.testing.assert_close(model.gradient(torch.zeros(3, 2)), torch.ones(3, 2))
    with (
        ebmcore.use_backend("analytic"),
        pytest.raises(BackendUnavailableError, match="no analytic gradient"),
    ):
        model.gradient(torch.zeros(2))
    with (
        ebmcore.use_backend("kernel"),
        pytest.raises(BackendUnavailableError, match="no kernel for device type 'cpu'"),
    ):
        model.gradient(torch.zeros(2))
    with (
        pytest.raises(InvalidParameterError, match="parameter 'backend' must be one of"),
        ebmcore.use_backend("fast"),
    ):
        pass


def test_constant_energy_has_zero_gradient():
    class Flat(BaseModel):
        def __init__(self):
            super().__init__(3)

        def forward(self, x):
            return torch.zeros(x.shape[:-1], dtype=x.dtype)

    torch.testing.assert_close(Flat().gradient(torch.ones(4, 3)), torch.zeros(4, 3))


def test_use_backend_is_local_to_a_thread():
    model = ebmcore.create("gaussian", dim=2)  # no kernel: the analytic path by default
    seen = []
    with ebmcore.use_backend("autograd"):
        thread = threading.Thread(target=lambda: seen.append(ebmcore.resolve_backend(model, torch.zeros(2))))
        thread.start()
        thread.join()
        assert ebmcore.resolve_backend(model, torch.zeros(2)) == "autograd"
    assert seen == ["analytic"]


class Raising(Bowl):
    """Records the grad mode its analytic code runs under, then fails."""

    def analytic_energy_and_gradient(self, x):
        self.grad_mode_inside = torch.is_grad_enabled()
        raise ArithmeticError("inside the analytic code")

    def analytic_gradient(self, x):
        return self.analytic_energy_and_gradient(x)[1]


@pytest.mark.parametrize("method", ["energy_and_gradient", "gradient"])
def test_grad_mode_is_off_inside_the_analytic_path_and_restored_after_it_even_on_error(method):
    model = Raising(dim=2)
    for outer in (True, False):
        with torch.set_grad_enabled(outer):
            with pytest.raises(ArithmeticError):
                getattr(model, method)(torch.ones(2))
            assert model.grad_mode_inside is False
            assert torch.is_grad_enabled() is outer
    with pytest.raises(ArithmeticError):
        getattr(model, method)(torch.ones(2, requires_grad=True), create_graph=True)
    assert model.grad_mode_inside is True  # create_graph: the analytic code builds the graph


# -- gradients inside torch.inference_mode() -------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        {"name": "mlp", "input_dim": 3, "hidden_dims": [8], "seed": 0},
        {"name": "density", "distribution": "StudentT", "params": {"df": 3.0}, "dim": 3},
    ],
)
def test_autograd_gradients_inside_inference_mode_are_the_true_gradients(
    spec: dict[str, Any], randn64: Callable[..., Tensor]
) -> None:
    model = ebmcore.create(spec).double()
    x = randn64(5, 3)
    assert ebmcore.resolve_backend(model, x) == "autograd"
    reference = model.gradient(x)
    assert reference.abs().max() > 0
    with torch.inference_mode():
        inside = model.gradient(x)
        energy, grad = model.energy_and_gradient(x)
    torch.testing.assert_close(inside, reference, rtol=0, atol=0)
    torch.testing.assert_close(grad, reference, rtol=0, atol=0)
    torch.testing.assert_close(energy, model(x), rtol=0, atol=0)


def test_the_forced_autograd_path_inside_inference_mode_matches_the_analytic_one(
    randn64: Callable[..., Tensor],
) -> None:
    model = ebmcore.create("rosenbrock", dim=4)
    x = randn64(6, 4)
    analytic = model.gradient(x)
    with torch.inference_mode(), ebmcore.use_backend("autograd"):
        forced = model.gradient(x)
    torch.testing.assert_close(forced, analytic, rtol=1e-12, atol=1e-9)


def test_an_inference_tensor_outside_inference_mode_is_differentiated(randn64: Callable[..., Tensor]) -> None:
    model = ebmcore.create("mlp", input_dim=2, hidden_dims=[4], seed=1).double()
    x = randn64(3, 2)
    with torch.inference_mode():
        frozen = x.clone()
    assert frozen.is_inference()
    torch.testing.assert_close(model.gradient(frozen), model.gradient(x), rtol=0, atol=0)
    assert frozen.is_inference()  # untouched


def test_an_energy_that_does_not_depend_on_x_has_zero_gradient_in_inference_mode(
    randn64: Callable[..., Tensor],
) -> None:
    class Flat(BaseModel):
        def forward(self, x: Tensor) -> Tensor:
            return torch.full(x.shape[:-1], 2.0, dtype=x.dtype)

    with torch.inference_mode():
        grad = Flat().gradient(randn64(4, 3))
    assert torch.equal(grad, torch.zeros(4, 3, dtype=torch.float64))


def test_autograd_through_model_of_x_takes_the_fused_analytic_gradient():
    """Tools that differentiate ``model(x)`` themselves (a sampler's potential function) get the
    fused gradient as its derivative; a second derivative still goes through the analytic
    gradient's own graph, and matches autograd through ``forward``."""
    model = ebmcore.create("rosenbrock", dim=4)
    x = torch.randn(6, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    leaf = x.clone().requires_grad_(True)
    energy = model(leaf)
    assert type(energy.grad_fn).__name__ == "_AnalyticEnergyBackward"
    (grad,) = torch.autograd.grad(energy.sum(), leaf, create_graph=True)
    expected_energy = model.energy_and_gradient(x)[0]
    with ebmcore.use_backend("analytic"):  # create_graph: the differentiable path, not the C kernel
        expected_grad = model.energy_and_gradient(x)[1]
    assert torch.equal(energy.detach(), expected_energy) and torch.equal(grad.detach(), expected_grad)
    v = torch.randn(6, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    (hvp,) = torch.autograd.grad((grad * v).sum(), leaf)
    with ebmcore.use_backend("autograd"):  # the reference: autograd through forward itself
        reference_leaf = x.clone().requires_grad_(True)
        reference = model(reference_leaf)
        assert type(reference.grad_fn).__name__ != "_AnalyticEnergyBackward"
        (reference_grad,) = torch.autograd.grad(reference.sum(), reference_leaf, create_graph=True)
        (reference_hvp,) = torch.autograd.grad((reference_grad * v).sum(), reference_leaf)
    torch.testing.assert_close(hvp, reference_hvp, rtol=1e-12, atol=1e-12)
    assert torch.autograd.gradgradcheck(model, (x[:2].clone().requires_grad_(True),))
    # torch.func traces forward itself, and composes as before
    torch.testing.assert_close(torch.func.vmap(torch.func.grad(model))(x), expected_grad)


class CenteredBowl(BaseModel):
    """E = |x - c|^2 / 2 with a buffer c, an analytic gradient and a CPU kernel."""

    def __init__(self, dim: int = 2) -> None:
        super().__init__(dim, dim=dim)
        self.register_buffer("center", torch.arange(float(dim)))

    def forward(self, x: Tensor) -> Tensor:
        return 0.5 * ((x - self.center.to(x.dtype)) ** 2).sum(-1)

    def analytic_gradient(self, x: Tensor) -> Tensor:
        return x - self.center.to(x.dtype)


def test_a_buffer_that_requires_grad_gets_a_graph_through_forward_not_a_kernel():
    """A buffer set to require grad, or a tensor that requires grad swapped in by
    functional_call, is differentiated: model(x) records forward's graph instead of the
    kernel's energies, which have none (the parameters were checked, the buffers not)."""
    calls = []

    def kernel(model, x):
        calls.append(1)
        centered = x - model.center.detach().to(x.dtype)
        return 0.5 * (centered**2).sum(-1), centered

    CenteredBowl.register_kernel("cpu", kernel, energy=lambda model, x: kernel(model, x)[0])
    try:
        model = CenteredBowl(dim=3)
        x = torch.randn(4, 3)
        assert not model(x).requires_grad and len(calls) == 1  # nothing requires grad: the kernel
        center = torch.zeros(3, requires_grad=True)
        energy = torch.func.functional_call(model, {"center": center}, (x,))
        (swapped,) = torch.autograd.grad(energy.sum(), center)
        torch.testing.assert_close(swapped, -x.sum(0))
        model.center.requires_grad_(True)
        (own,) = torch.autograd.grad(model(x).sum(), model.center)
        torch.testing.assert_close(own, -(x - model.center.detach()).sum(0))
        assert len(calls) == 1
        model.center.requires_grad_(False)
        model(x)
        assert len(calls) == 2
    finally:
        CenteredBowl.unregister_kernel("cpu")


# torch's forward-mode AD loads its decompositions through torch.jit.script on first use
forward_mode = pytest.mark.filterwarnings(r"ignore:`torch\.jit\.script` is deprecated:DeprecationWarning")


@forward_mode
def test_forward_mode_dual_tensors_carry_their_tangents_past_a_kernel():
    """A dual tensor of ``torch.autograd.forward_ad`` needs no grad, yet its tangent must come
    out: the kernels (which read the primal alone) step aside inside a dual level, and
    the tangents are the directional derivative and the Hessian-vector product."""
    KernelBowl.register_kernel("cpu", _cpu_kernel, energy=_cpu_energy)
    try:
        model = KernelBowl(dim=3).requires_grad_(False)  # k = 2: E = |x|^2, H = 2 I
        x, v = torch.randn(4, 3), torch.randn(4, 3)
        before = KernelBowl.calls + KernelBowl.energy_calls
        with forward_ad.dual_level():
            dual = forward_ad.make_dual(x, v)
            tangents = {
                "energy": forward_ad.unpack_dual(model(dual)).tangent,
                "gradient": forward_ad.unpack_dual(model.gradient(dual)).tangent,
                "fused gradient": forward_ad.unpack_dual(model.energy_and_gradient(dual)[1]).tangent,
            }
        assert KernelBowl.calls + KernelBowl.energy_calls == before
        torch.testing.assert_close(tangents["energy"], 2.0 * (x * v).sum(-1))
        torch.testing.assert_close(tangents["gradient"], 2.0 * v)
        torch.testing.assert_close(tangents["fused gradient"], 2.0 * v)
        model.energy_and_gradient(x)  # outside the dual level the kernel serves again
        assert KernelBowl.calls == before - KernelBowl.energy_calls + 1
    finally:
        KernelBowl.unregister_kernel("cpu")


class ShiftedBowl(BaseModel):
    """E = |x|^2 / 2 + 1: a Python number added to a 0-dim tensor per sample."""

    def __init__(self, dim: int = 2) -> None:
        super().__init__(dim, dim=dim)

    def forward(self, x: Tensor) -> Tensor:
        return 0.5 * (x * x).sum(-1) + 1.0


@forward_mode
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
def test_forward_mode_keeps_float32_for_one_sample(dtype: torch.dtype) -> None:
    """Torch's forward-mode AD gives ``t + 1.0`` a float64 tangent where ``t`` is a 0-dim float32
    tensor (pytorch/pytorch#90065); the model evaluates one sample under a transform as a batch
    of one, so jacfwd, jvp and vmap of them keep the input's dtype."""
    model = ShiftedBowl(dim=3)
    x = torch.randn(4, 3, dtype=dtype)
    results = {
        "jacfwd": torch.func.jacfwd(model)(x[0]),
        "vmap(jacfwd)": torch.func.vmap(torch.func.jacfwd(model))(x),
        "jvp": torch.func.jvp(model, (x[0],), (x[1],))[1],
        "vmap(jacfwd(gradient))": torch.func.vmap(torch.func.jacfwd(model.gradient))(x),
    }
    assert {what: r.dtype for what, r in results.items()} == dict.fromkeys(results, dtype)
    torch.testing.assert_close(results["vmap(jacfwd)"], x)
    torch.testing.assert_close(results["jvp"], (x[0] * x[1]).sum())
    torch.testing.assert_close(results["vmap(jacfwd(gradient))"], torch.eye(3, dtype=dtype).expand(4, 3, 3))
    # the bug itself, so that this workaround is dropped once torch fixes it
    direct = torch.func.jvp(lambda y: (y * y).sum() + 1.0, (x[0],), (x[1],))[1]
    assert direct.dtype == (torch.float64 if dtype == torch.float32 else dtype)


def test_a_model_with_a_trainable_parameter_keeps_autograd_through_forward():
    model = Bowl(dim=3)  # k requires grad: its derivative needs the graph of forward
    leaf = torch.ones(2, 3, requires_grad=True)
    energy = model(leaf)
    assert type(energy.grad_fn).__name__ != "_AnalyticEnergyBackward"
    grad_x, grad_k = torch.autograd.grad(energy.sum(), (leaf, model.k))
    torch.testing.assert_close(grad_x, 2.0 * torch.ones(2, 3))
    torch.testing.assert_close(grad_k, torch.tensor(3.0))
    model.k.requires_grad_(False)
    assert type(model(leaf).grad_fn).__name__ == "_AnalyticEnergyBackward"
