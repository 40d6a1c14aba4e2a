"""The idiom of code written for TorchEBM runs on ebmcore's BaseModel (issue: the seed contract).

``super().__init__()`` with no arguments, a ``forward`` written for ``(batch, dim)``, and an
overridden ``score`` or ``gradient`` as the analytic gradient, each checked against closed forms
and autograd.
"""

from __future__ import annotations

import copy
import io
import pickle
from collections.abc import Callable

import pytest
import torch
from torch import Tensor, nn

import ebmcore
from ebmcore import BaseModel
from ebmcore.testing import check_energy

F64 = torch.float64


class TwoLayer(BaseModel):
    """A small network energy, written the way the seed pages write one."""

    def __init__(self, input_dim: int, hidden: int = 16) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(input_dim, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x).squeeze(-1)


def _by_hand(model: TwoLayer, x: Tensor) -> Tensor:
    """The network's energy, written out: w2 . tanh(W1 x + b1) + b2, per row of a 2-D x."""
    first, _, second = model.net
    hidden = torch.tanh(x @ first.weight.T.to(x.dtype) + first.bias.to(x.dtype))
    return (hidden @ second.weight.T.to(x.dtype)).squeeze(-1) + second.bias.to(x.dtype)


class LogCosh(BaseModel):
    """E = s sum log cosh(x_i), with the analytic score -s tanh(x), both for (batch, dim) only."""

    def __init__(self, scale: float = 1.0, record: bool = False) -> None:
        super().__init__()
        self.scale = scale
        self.record = record  # keep the inputs forward sees (not in the kit: they would be state)
        self.forward_inputs: list[Tensor] = []
        self.score_calls = 0

    def forward(self, x: Tensor) -> Tensor:
        if self.record:
            self.forward_inputs.append(x)
        if x.dim() == 1:
            x = x.unsqueeze(0)
        return self.scale * torch.log(torch.cosh(x)).sum(dim=1)

    def score(self, x: Tensor) -> Tensor:
        self.score_calls += 1
        if x.dim() == 1:
            x = x.unsqueeze(0)
        return -self.scale * torch.tanh(x)


class QuarticGradient(BaseModel):
    """E = sum x^4 / 4 with the gradient written by hand, TorchEBM's ``gradient`` idiom."""

    def forward(self, x: Tensor) -> Tensor:
        return (x**4).sum(dim=1) / 4

    def gradient(self, x: Tensor) -> Tensor:  # type: ignore[override]
        return x**3


class CallsBase(BaseModel):
    """An override that defers to the base class: must not recurse."""

    def forward(self, x: Tensor) -> Tensor:
        return 0.5 * (x * x).sum(dim=1)

    def score(self, x: Tensor) -> Tensor:  # type: ignore[override]
        return super().score(x)


# -- super().__init__() with no arguments ------------------------------------------------------


def test_a_network_without_an_event_shape_evaluates_any_batch_shape(randn64: Callable[..., Tensor]) -> None:
    torch.manual_seed(0)
    model = TwoLayer(3).double()
    assert model.event_shape is None and model.dim is None and model.event_ndim == 1
    x = randn64(4, 5, 3)
    energies = model(x)
    assert energies.shape == (4, 5)
    torch.testing.assert_close(energies, _by_hand(model, x.reshape(20, 3)).reshape(4, 5), rtol=1e-14, atol=0)
    single = model(x[0, 0])
    assert single.shape == ()
    torch.testing.assert_close(single, energies[0, 0], rtol=1e-14, atol=0)


def test_a_network_without_an_event_shape_differentiates_like_autograd(
    randn64: Callable[..., Tensor],
) -> None:
    torch.manual_seed(1)
    model = TwoLayer(3).double()
    x = randn64(2, 6, 3)
    leaf = x.clone().requires_grad_(True)
    (reference,) = torch.autograd.grad(_by_hand(model, leaf.reshape(12, 3)).sum(), leaf)
    torch.testing.assert_close(model.gradient(x), reference, rtol=1e-13, atol=1e-15)
    torch.testing.assert_close(model.score(x), -reference, rtol=1e-13, atol=1e-15)
    energy, grad = model.energy_and_gradient(x)
    torch.testing.assert_close(grad, reference, rtol=1e-13, atol=1e-15)
    assert energy.shape == (2, 6)
    assert ebmcore.resolve_backend(model, x) == "autograd"


def test_a_model_without_config_pickles_and_loads_its_state(randn64: Callable[..., Tensor]) -> None:
    torch.manual_seed(2)
    model = TwoLayer(2).double()
    x = randn64(7, 2)
    restored = pickle.loads(pickle.dumps(model))
    torch.testing.assert_close(restored(x), model(x), rtol=0, atol=0)
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    fresh = TwoLayer(2).double()
    fresh.load_state_dict(torch.load(buffer, weights_only=True))
    torch.testing.assert_close(fresh(x), model(x), rtol=0, atol=0)
    torch.testing.assert_close(copy.deepcopy(model).gradient(x), model.gradient(x), rtol=0, atol=0)
    assert "Linear(in_features=2, out_features=16" in repr(model)


@pytest.mark.parametrize("attribute", ["config", "spec"])
def test_a_model_without_config_says_it_cannot_be_rebuilt(attribute: str) -> None:
    with pytest.raises(ebmcore.RegistrationError, match=r"TwoLayer recorded no constructor arguments"):
        getattr(TwoLayer(2), attribute)


def test_a_model_whose_class_takes_no_arguments_has_an_empty_config() -> None:
    assert CallsBase().config == {}


def test_without_an_event_shape_the_input_checks_still_apply() -> None:
    model = LogCosh()
    with pytest.raises(ebmcore.InvalidInputError, match=r"expects x of shape \(\*batch, dim\), got a 0-dim"):
        model(torch.tensor(1.0))
    with pytest.raises(ebmcore.InvalidInputError, match=r"floating-point x, got dtype torch\.int64"):
        model(torch.ones(2, 3, dtype=torch.long))
    with pytest.raises(ebmcore.InvalidInputError, match=r"expects a torch\.Tensor x, got list"):
        model([1.0, 2.0])


def test_the_explicit_form_keeps_its_shape_check_and_config() -> None:
    class Bowl(BaseModel):
        def __init__(self, dim: int = 2, k: float = 1.0) -> None:
            super().__init__(dim, dim=dim, k=k)
            self.k = k

        def forward(self, x: Tensor) -> Tensor:
            return 0.5 * self.k * (x * x).sum(-1)

    bowl = Bowl(3, 2.0)
    assert bowl.config == {"dim": 3, "k": 2.0} and bowl.event_ndim == 1
    with pytest.raises(ebmcore.InvalidInputError, match=r"expects x of shape \(\*batch, 3\), got \(4, 2\)"):
        bowl(torch.ones(4, 2))


# -- a forward written for (batch, dim) ----------------------------------------------------------


def test_a_batch_dim_forward_sees_two_dimensional_views(randn64: Callable[..., Tensor]) -> None:
    model = LogCosh(scale=2.0, record=True)
    x = randn64(3, 4, 5)
    energies = model(x)
    assert energies.shape == (3, 4)
    torch.testing.assert_close(energies, 2.0 * torch.log(torch.cosh(x)).sum(-1), rtol=1e-14, atol=0)
    seen = model.forward_inputs[-1]
    assert seen.shape == (12, 5) and seen.data_ptr() == x.data_ptr()  # a view, not a copy
    flat = randn64(6, 5)
    model(flat)
    assert model.forward_inputs[-1] is flat  # (batch, dim) goes through untouched
    assert model(flat[0]).shape == ()
    assert model.forward_inputs[-1].shape == (1, 5)
    assert model(torch.empty(0, 3, 5, dtype=F64)).shape == (0, 3)


def test_forward_batch_says_what_a_forward_is_handed(randn64: Callable[..., Tensor]) -> None:
    class Seen(BaseModel):
        def __init__(self) -> None:
            super().__init__(3)
            self.inputs: list[Tensor] = []

        def forward(self, x: Tensor) -> Tensor:
            self.inputs.append(x)
            return (x * x).sum(-1)

    class FlatSeen(Seen):
        forward_batch = "flat"

    x = randn64(2, 4, 3)
    any_batch, flat = Seen(), FlatSeen()
    torch.testing.assert_close(any_batch(x), flat(x), rtol=0, atol=0)
    assert any_batch.inputs[-1] is x  # the contract's form: x as given
    assert flat.inputs[-1].shape == (8, 3)
    assert any_batch(x[0, 0]).shape == flat(x[0, 0]).shape == ()
    assert any_batch.inputs[-1].shape == (3,) and flat.inputs[-1].shape == (1, 3)

    class Unknown(Seen):
        forward_batch = "rows"

    with pytest.raises(ebmcore.InvalidParameterError, match="'forward_batch' must be 'any', 'flat' or None"):
        Unknown()


def test_a_forward_returning_the_wrong_shape_is_an_error_naming_both_shapes() -> None:
    class KeepsDim(BaseModel):
        def forward(self, x: Tensor) -> Tensor:
            return (x * x).sum(dim=1, keepdim=True)

    with pytest.raises(
        ebmcore.InvalidInputError,
        match=r"KeepsDim.forward must return one energy per sample: expected shape \(4,\) for an "
        r"input of shape \(4, dim\), got \(4, 1\)",
    ):
        KeepsDim()(torch.ones(4, 3))
    with pytest.raises(ebmcore.InvalidInputError, match=r"expected shape \(6,\) .* got \(6, 1\)"):
        KeepsDim().gradient(torch.ones(2, 3, 3))


def test_a_forward_returning_a_number_is_an_error() -> None:
    class Number(BaseModel):
        def forward(self, x: Tensor) -> Tensor:
            return 1.0  # type: ignore[return-value]

    with pytest.raises(ebmcore.InvalidInputError, match=r"expected shape \(2,\) .* got float"):
        Number()(torch.ones(2, 3))


# -- an overridden score or gradient is the analytic path ------------------------------------------


def test_an_overridden_score_is_the_analytic_gradient(randn64: Callable[..., Tensor]) -> None:
    model = LogCosh(scale=1.5)
    x = randn64(2, 3, 4)
    assert model.has_analytic_gradient and ebmcore.resolve_backend(model, x) == "analytic"
    closed_form = 1.5 * torch.tanh(x)
    for gradient in (model.gradient(x), ebmcore.gradient(model, x), model.energy_and_gradient(x)[1]):
        assert gradient.shape == x.shape
        torch.testing.assert_close(gradient, closed_form, rtol=1e-15, atol=0)
    torch.testing.assert_close(model.score(x), -closed_form, rtol=1e-15, atol=0)
    assert model.score(x[0, 0]).shape == (4,)
    calls = model.score_calls
    with ebmcore.use_backend("autograd"):
        reference = model.score(x)
    assert model.score_calls == calls  # the reference path does not run the override
    torch.testing.assert_close(reference, -closed_form, rtol=1e-13, atol=1e-15)


def test_an_overridden_score_serves_create_graph(randn64: Callable[..., Tensor]) -> None:
    model = LogCosh()
    x = randn64(5, 3).requires_grad_(True)
    grad = model.gradient(x, create_graph=True)
    (hessian_diagonal,) = torch.autograd.grad(grad.sum(), x)
    torch.testing.assert_close(hessian_diagonal, 1 - torch.tanh(x.detach()) ** 2, rtol=1e-14, atol=0)


def test_an_overridden_gradient_is_the_analytic_gradient(randn64: Callable[..., Tensor]) -> None:
    model = QuarticGradient()
    x = randn64(3, 2)
    assert ebmcore.resolve_backend(model, x) == "analytic"
    torch.testing.assert_close(model.gradient(x), x**3, rtol=0, atol=0)
    torch.testing.assert_close(model.score(x), -(x**3), rtol=0, atol=0)
    energy, grad = model.energy_and_gradient(x[0])
    torch.testing.assert_close(energy, (x[0] ** 4).sum() / 4, rtol=1e-15, atol=0)
    torch.testing.assert_close(grad, x[0] ** 3, rtol=0, atol=0)


def test_an_override_that_calls_the_base_method_does_not_recurse(randn64: Callable[..., Tensor]) -> None:
    model = CallsBase()
    x = randn64(4, 3)
    assert ebmcore.resolve_backend(model, x) == "analytic"
    torch.testing.assert_close(model.score(x), -x, rtol=1e-15, atol=0)
    torch.testing.assert_close(ebmcore.gradient(model, x), x, rtol=1e-15, atol=0)


def test_an_override_with_the_wrong_shape_is_an_error() -> None:
    class Flattens(BaseModel):
        def forward(self, x: Tensor) -> Tensor:
            return x.sum(dim=1)

        def score(self, x: Tensor) -> Tensor:  # type: ignore[override]
            return -torch.ones(x.shape[0])

    with pytest.raises(ebmcore.InvalidInputError, match=r"Flattens\.score must return one value per"):
        Flattens().score(torch.ones(3, 2))


def test_the_explicit_analytic_methods_win_over_an_overridden_score(randn64: Callable[..., Tensor]) -> None:
    class Explicit(BaseModel):
        def forward(self, x: Tensor) -> Tensor:
            return 0.5 * (x * x).sum(-1)

        def analytic_gradient(self, x: Tensor) -> Tensor:
            return x

        def score(self, x: Tensor, *, create_graph: bool = False) -> Tensor:
            return 2 * x  # deliberately not -dE/dx: kept as written, for the kit to judge

    model = Explicit()
    x = randn64(2, 3)
    torch.testing.assert_close(model.gradient(x), x)
    torch.testing.assert_close(model.score(x), 2 * x)


# -- the conformance kit on models without an event shape ------------------------------------------


def test_the_kit_checks_a_model_without_event_shape_at_the_given_dims() -> None:
    report = check_energy(LogCosh(0.5), dims=[1, 3])
    assert {key.split("[")[1] for key in report.results} == {"dim=1]", "dim=3]"}
    assert report["check_gradient_autograd[dim=3]"].status == "passed"
    assert report["check_gradient_finite_differences[dim=1]"].status == "passed"
    assert report["check_config_roundtrip[dim=3]"].status == "skipped"


def test_the_kit_needs_dims_for_a_model_without_event_shape() -> None:
    with pytest.raises(ebmcore.InvalidParameterError, match="parameter 'dims' must be the dimensions"):
        check_energy(LogCosh())


def test_the_kit_checks_a_float32_network_through_a_float64_copy() -> None:
    torch.manual_seed(3)
    model = TwoLayer(2)  # float32 layers: float64 input cannot pass nn.Linear
    report = check_energy(model, dims=[2], raise_on_failure=False)
    failed = {name for name, result in report.results.items() if result.status == "failed"}
    assert failed == {"check_dtype[dim=2]"}
    assert "torch.float64 input raised RuntimeError" in report["check_dtype[dim=2]"].message
    assert report["check_gradient_finite_differences[dim=2]"].status == "passed"
    assert check_energy(model, dims=[2], dtypes=(torch.float32,)).ok
    assert next(model.parameters()).dtype == torch.float32  # the model itself is untouched


def test_the_kit_still_catches_a_wrong_score_override() -> None:
    class WrongSign(BaseModel):
        def forward(self, x: Tensor) -> Tensor:
            return 0.5 * (x * x).sum(dim=1)

        def score(self, x: Tensor) -> Tensor:  # type: ignore[override]
            return x  # should be -x

    report = check_energy(WrongSign(), dims=[2], raise_on_failure=False)
    assert report["check_gradient_autograd[dim=2]"].status == "failed"


# -- diagnose --------------------------------------------------------------------------------------


def test_diagnose_takes_a_model_without_event_shape_at_given_points(randn64: Callable[..., Tensor]) -> None:
    x = randn64(40, 3)
    report = ebmcore.diagnose(LogCosh(2.0), x)
    assert report.ok and report.backend == "analytic" and report.points == 40
    energies = 2.0 * torch.log(torch.cosh(x)).sum(-1)
    assert report.energy_min == pytest.approx(float(energies.min()), rel=1e-14)
    assert report.max_score_norm == pytest.approx(float((2.0 * torch.tanh(x)).norm(dim=-1).max()), rel=1e-14)
    with pytest.raises(ebmcore.InvalidParameterError, match="parameter 'x' must be points to diagnose at"):
        ebmcore.diagnose(LogCosh())
