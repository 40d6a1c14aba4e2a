"""The conformance kit catches real mistakes, each under the right check name."""

from __future__ import annotations

import math
import subprocess
import sys
import types
from typing import Any

import pytest
import torch
from torch import Tensor

import ebmcore
from ebmcore import (
    BaseModel,
    ConformanceError,
    EbmcoreError,
    InvalidParameterError,
    Minima,
    Modes,
    _registry,
    constraints,
)
from ebmcore.testing import CHECKS, CheckReport, _checks, check_energy, run_check
from ebmcore.testing._names import CHECK_NAMES

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class Bowl(BaseModel):
    """E = |x|^2 / (2 s^2) with every piece of ground truth declared (correct)."""

    arg_constraints = {"dim": constraints.positive_integer, "scale": constraints.positive}

    def __init__(self, dim: int = 2, scale: float = 1.0) -> None:
        super().__init__(dim, dim=dim, scale=scale)
        self.scale = float(scale)

    def forward(self, x: Tensor) -> Tensor:
        return 0.5 * (x * x).sum(-1) / self.scale**2

    def analytic_gradient(self, x: Tensor) -> Tensor:
        return x / self.scale**2

    @property
    def bounds(self) -> Tensor:
        return torch.tensor(
            [[-5.0 * self.scale] * self.dim, [5.0 * self.scale] * self.dim], dtype=torch.float64
        )

    @property
    def minima(self) -> Minima:
        return Minima(torch.zeros(1, self.dim), 0.0)

    def log_partition(self) -> float:
        return 0.5 * self.dim * math.log(2 * math.pi * self.scale**2)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        return self.scale * torch.randn(n, self.dim, generator=generator, dtype=torch.float64)

    @property
    def mean(self) -> Tensor:
        return torch.zeros(self.dim, dtype=torch.float64)

    @property
    def stddev(self) -> Tensor:
        return torch.full((self.dim,), self.scale, dtype=torch.float64)

    @property
    def modes(self) -> Modes:
        return Modes(torch.zeros(1, self.dim), [1.0])

    def mode_index(self, x: Tensor) -> Tensor:
        return torch.zeros(x.shape[:-1], dtype=torch.long)


class WrongShape(Bowl):
    def forward(self, x: Tensor) -> Tensor:
        return 0.5 * (x * x).sum(-1, keepdim=True) / self.scale**2

    def analytic_gradient(self, x: Tensor) -> Tensor:
        return x / self.scale**2


class WrongSign(Bowl):
    def analytic_gradient(self, x: Tensor) -> Tensor:
        return -x / self.scale**2


class Mutates(Bowl):
    def forward(self, x: Tensor) -> Tensor:
        return 0.5 * (x.abs_() ** 2).sum(-1) / self.scale**2


class Downcasts(Bowl):
    def forward(self, x: Tensor) -> Tensor:
        return super().forward(x.float())

    def analytic_gradient(self, x: Tensor) -> Tensor:
        return (x.float() / self.scale**2).to(x.dtype)


class Noisy(Bowl):
    def forward(self, x: Tensor) -> Tensor:
        return super().forward(x) + 1e-6 * torch.rand((), dtype=x.dtype)


class WrongMinimum(Bowl):
    @property
    def minima(self) -> Minima:
        return Minima(torch.ones(1, self.dim), 0.0)


class WrongLogZ(Bowl):
    def log_partition(self) -> float:
        return super().log_partition() + 0.1


class WrongMean(Bowl):
    @property
    def mean(self) -> Tensor:
        return torch.full((self.dim,), 0.2, dtype=torch.float64)


class WrongStddev(Bowl):
    @property
    def stddev(self) -> Tensor:
        return torch.full((self.dim,), 1.1 * self.scale, dtype=torch.float64)


class WrongModeMass(Bowl):
    @property
    def modes(self) -> Modes:
        return Modes(torch.zeros(2, self.dim), [0.5, 0.3])


class BasinsDisagree(Bowl):
    """Two halves as its modes, each with half of the samples, declared with masses 0.8 and 0.2."""

    @property
    def modes(self) -> Modes:
        return Modes(torch.tensor([[-1.0] * self.dim, [1.0] * self.dim]), [0.8, 0.2])

    def mode_index(self, x: Tensor) -> Tensor:
        return (x[..., 0] > 0).long()


class MergedBasins(BasinsDisagree):
    def mode_index(self, x: Tensor) -> Tensor:
        return torch.zeros(x.shape[:-1], dtype=torch.long)


class WrongSampler(Bowl):
    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        return 1.3 * super().sample(n, generator)


class TwoModes(Bowl):
    """Equal mixture of unit normals at (+-3, 0, ...); its sampler forgets the left mode."""

    def forward(self, x: Tensor) -> Tensor:
        shift = torch.zeros(self.dim, dtype=x.dtype)
        shift[0] = 3.0
        left = -0.5 * ((x + shift) ** 2).sum(-1)
        right = -0.5 * ((x - shift) ** 2).sum(-1)
        return math.log(2.0) - torch.logaddexp(left, right)

    def analytic_gradient(self, x: Tensor) -> Tensor:
        with torch.enable_grad():
            leaf = x.detach().requires_grad_(True)
            (grad,) = torch.autograd.grad(self.forward(leaf).sum(), leaf)
        return grad

    @property
    def bounds(self) -> Tensor:
        return torch.tensor([[-8.0] * self.dim, [8.0] * self.dim], dtype=torch.float64)

    @property
    def minima(self) -> None:  # type: ignore[override]
        return None

    def log_partition(self) -> float:
        return 0.5 * self.dim * math.log(2 * math.pi)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        x = torch.randn(n, self.dim, generator=generator, dtype=torch.float64)
        x[:, 0] += 3.0
        return x


class IgnoresGenerator(Bowl):
    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        return super().sample(n, None)


class SwallowsNaN(Bowl):
    def forward(self, x: Tensor) -> Tensor:
        return super().forward(torch.nan_to_num(x))


class DetachedGradient(Bowl):
    def analytic_gradient(self, x: Tensor) -> Tensor:
        return x.detach() / self.scale**2


class WrongScore(Bowl):
    def score(self, x: Tensor, *, create_graph: bool = False) -> Tensor:
        return self.gradient(x, create_graph=create_graph)


class InconsistentPair(Bowl):
    def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
        return self.forward(x) + 1.0, self.analytic_gradient(x)


class WrongKernelEnergy(Bowl):
    """A CPU kernel whose energies agree with each other but not with forward."""


def _off_by_a_millionth(model: BaseModel, x: Tensor) -> tuple[Tensor, Tensor]:
    return model.forward(x) * (1 + 1e-6), model.analytic_gradient(x)


WrongKernelEnergy.register_kernel(
    "cpu", _off_by_a_millionth, energy=lambda model, x: _off_by_a_millionth(model, x)[0]
)


class Unpicklable(Bowl):
    def __init__(self, dim: int = 2, scale: float = 1.0) -> None:
        super().__init__(dim, scale)
        self.hook = lambda t: t


def _report(model: BaseModel, **kwargs: Any) -> CheckReport:
    return check_energy(model, raise_on_failure=False, **kwargs)


def test_check_names_match_the_registry_of_checks() -> None:
    assert tuple(CHECKS) == CHECK_NAMES
    assert len(CHECK_NAMES) == len(set(CHECK_NAMES))
    # the names are written once (_names.py): every check function of _checks.py is one of them
    defined = {name for name in vars(_checks) if name.startswith("check_") and name != "check_energy"}
    assert defined == set(CHECK_NAMES)
    assert all(CHECKS[name] is getattr(_checks, name) for name in CHECK_NAMES)


@pytest.mark.parametrize("dim", [1, 2, 5])
def test_a_correct_energy_passes_every_check(dim: int) -> None:
    report = check_energy(Bowl(dim=dim, scale=0.7))
    assert report.ok
    statuses = {name: r.status for name, r in report.results.items()}
    assert set(statuses) == set(CHECK_NAMES)
    # ground truth is checked for real, not skipped; what needs the registry is skipped
    for name in (
        "check_minima",
        "check_log_partition",
        "check_sample",
        "check_moments",
        "check_modes",
        "check_gradient_autograd",
    ):
        assert statuses[name] == "passed", report.results[name]
    assert statuses["check_config_roundtrip"] == "skipped"
    assert statuses["check_hook_module"] == "skipped"


MISTAKES = [
    (WrongShape(), {"check_output_shape"}),
    (WrongSign(), {"check_gradient_autograd", "check_gradient_finite_differences"}),
    (Mutates(), {"check_input_not_modified"}),
    (Downcasts(), {"check_dtype", "check_gradient_finite_differences"}),
    (Noisy(), {"check_deterministic"}),
    (WrongMinimum(), {"check_minima"}),
    (WrongLogZ(dim=2), {"check_log_partition"}),
    (WrongLogZ(dim=5), {"check_log_partition"}),
    (WrongSampler(dim=1), {"check_sample"}),
    (WrongSampler(dim=2), {"check_sample"}),
    (WrongSampler(dim=5), {"check_sample"}),
    (TwoModes(dim=2), {"check_sample", "check_create_graph"}),
    (TwoModes(dim=4), {"check_sample"}),
    (IgnoresGenerator(), {"check_sample_reproducible"}),
    (WrongMean(dim=3), {"check_moments"}),
    (WrongStddev(dim=3), {"check_moments"}),
    (WrongModeMass(), {"check_modes"}),
    (BasinsDisagree(dim=2), {"check_modes"}),
    (MergedBasins(dim=2), {"check_modes"}),
    (SwallowsNaN(), {"check_nan_propagation"}),
    (DetachedGradient(), {"check_create_graph"}),
    (WrongScore(), {"check_score"}),
    (InconsistentPair(), {"check_energy_and_gradient"}),
    (WrongKernelEnergy(), {"check_energy_and_gradient"}),
    (Unpicklable(), {"check_pickle"}),
]


@pytest.mark.parametrize(
    ("model", "expected"), MISTAKES, ids=[f"{type(m).__name__}-{m.dim}" for m, _ in MISTAKES]
)
def test_each_mistake_is_reported_under_its_check(model: BaseModel, expected: set[str]) -> None:
    with pytest.raises(ConformanceError) as caught:
        check_energy(model)
    error = caught.value
    assert isinstance(error, AssertionError) and isinstance(error, EbmcoreError)
    failed = set(error.failures)
    assert expected <= failed, error.report
    for name in expected:
        assert name in str(error)
    assert isinstance(error.report, CheckReport)
    assert set(error.report.failures) == failed


def test_wrong_sign_message_shows_both_numbers() -> None:
    result = run_check(WrongSign(), "check_gradient_finite_differences")
    assert result.status == "failed"
    assert "central finite differences give" in result.message


def test_wrong_shape_message_names_the_shape() -> None:
    result = run_check(WrongShape(), "check_output_shape")
    assert "WrongShape.forward must return one energy per sample: expected shape (6,)" in result.message
    assert result.message.endswith("got (6, 1)")


def test_downcast_message_names_both_dtypes() -> None:
    result = run_check(Downcasts(), "check_dtype")
    assert "torch.float64 input gave torch.float32 energy" in result.message


class Eggholder(BaseModel):
    """Steep and rugged, with its global minimum on the boundary of the box (4-digit value)."""

    def __init__(self) -> None:
        super().__init__(2)

    def forward(self, x: Tensor) -> Tensor:
        a, b = x[..., 0], x[..., 1] + 47.0
        return -b * torch.sin(torch.sqrt((a / 2 + b).abs())) - a * torch.sin(torch.sqrt((a - b).abs()))

    @property
    def bounds(self) -> Tensor:
        return torch.tensor([[-512.0, -512.0], [512.0, 512.0]], dtype=torch.float64)

    @property
    def minima(self) -> Minima:
        return Minima(torch.tensor([[512.0, 404.2319]]), -959.6407)


class EggholderLocalMinimum(Eggholder):
    @property
    def minima(self) -> Minima:
        return Minima(torch.tensor([[482.3530, 432.8790]]), -956.9182)  # a local minimum only


def test_steep_energies_pass_with_relative_tolerances() -> None:
    report = check_energy("rosenbrock", dims=[2, 7], raise_on_failure=False)
    assert report.ok, report
    assert report["check_gradient_finite_differences[dim=7]"].status == "passed"
    report = check_energy(Eggholder())
    assert report["check_minima"].status == "passed"
    assert report["check_gradient_finite_differences"].status == "passed"
    result = run_check(EggholderLocalMinimum(), "check_minima")
    assert result.status == "failed", result
    assert "< declared minimum -956.9182" in result.message


def test_expected_failures_become_xfail_and_unexpected_passes_fail() -> None:
    report = check_energy(
        WrongSign(),
        expected_failed_checks={
            "check_gradient_autograd": "known sign bug",
            "check_gradient_finite_differences": "known sign bug",
            "check_function_transforms": "known sign bug",
        },
    )
    # a wrong-signed gradient is differentiated consistently (model(x) is differentiated by the
    # analytic gradient): check_create_graph passes, the three comparisons above catch the sign
    assert report["check_create_graph"].status == "passed"
    assert report.ok
    assert report["check_gradient_autograd"].status == "xfailed"
    assert "known sign bug" in report["check_gradient_autograd"].message
    with pytest.raises(ConformanceError, match="check_score"):
        check_energy(Bowl(), expected_failed_checks={"check_score": "stale"})
    report = check_energy(Bowl(), expected_failed_checks={"check_score": "stale"}, raise_on_failure=False)
    assert report["check_score"].status == "xpassed"


def test_unknown_check_names_are_rejected() -> None:
    with pytest.raises(InvalidParameterError, match="check_nope"):
        check_energy(Bowl(), expected_failed_checks={"check_nope": "typo"})
    with pytest.raises(InvalidParameterError, match="check_nope"):
        check_energy(Bowl(), checks=["check_nope"])


def test_dims_builds_one_model_per_dimension() -> None:
    report = check_energy("gaussian", dims=[1, 3], checks=["check_output_shape"])
    assert list(report.results) == ["check_output_shape[dim=1]", "check_output_shape[dim=3]"]
    with pytest.raises(TypeError, match="registered energy"):
        check_energy(Bowl(), dims=[2])


def test_a_raising_energy_fails_with_the_exception() -> None:
    class Raises(Bowl):
        def forward(self, x: Tensor) -> Tensor:
            raise RuntimeError("boom")

    result = run_check(Raises(), "check_output_shape")
    assert result.status == "failed"
    assert result.message == "raised RuntimeError: boom"


def test_registered_energy_round_trips_through_config() -> None:
    ebmcore.register_energy("kit_bowl")(Bowl)
    try:
        model = ebmcore.create("kit_bowl", dim=3, scale=2.0)
        report = check_energy(model)
        assert report["check_config_roundtrip"].status == "passed"
        assert report["check_hook_module"].status == "skipped"
        assert "in-process" in report["check_hook_module"].message
    finally:
        ebmcore.unregister_energy("kit_bowl")


def test_hook_module_importing_torch_or_energies_fails(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "kit_fake_plugin"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "_energy.py").write_text("X = 1\n")
    (package / "hooks_torch.py").write_text("import torch\n")
    (package / "hooks_energy.py").write_text("from . import _energy\n")
    (package / "hooks_ok.py").write_text("import json\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    model = Bowl()
    model.registry_name = "fake/bowl"
    for module, expected in [
        ("kit_fake_plugin.hooks_torch", "imports torch"),
        ("kit_fake_plugin.hooks_energy", "imports energy module(s) kit_fake_plugin._energy"),
        ("kit_fake_plugin.hooks_ok", None),
    ]:
        plugin = types.SimpleNamespace(name="fake", module=module)
        entry = types.SimpleNamespace(
            plugin=plugin, spec=types.SimpleNamespace(target="kit_fake_plugin._energy:X")
        )
        monkeypatch.setattr(_registry.REGISTRY, "resolve", lambda name, e=entry: e)
        monkeypatch.setattr(_registry.REGISTRY, "entries", lambda e=entry: [e])
        result = run_check(model, "check_hook_module")
        if expected is None:
            assert result.status == "passed", result
        else:
            assert result.status == "failed"
            assert expected in result.message


def test_report_table_lists_every_check() -> None:
    report = check_energy("gaussian")
    text = str(report)
    assert text.startswith("analytic/gaussian")
    for name in CHECK_NAMES:
        assert name in text
    assert report.counts()["failed"] == 0


def test_importing_the_kit_and_its_pytest_plugin_is_cheap() -> None:
    code = (
        "import sys, ebmcore.testing, ebmcore.testing.pytest_plugin, ebmcore._cli_check; "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


class Particles(BaseModel):
    """Three 2-D particles in a harmonic trap: event shape (3, 2)."""

    def __init__(self) -> None:
        super().__init__((3, 2))

    def forward(self, x: Tensor) -> Tensor:
        return 0.5 * (x * x).sum((-1, -2))

    def analytic_gradient(self, x: Tensor) -> Tensor:
        return x.clone()

    @property
    def minima(self) -> Minima:
        return Minima(torch.zeros(1, 3, 2), 0.0)

    def log_partition(self) -> float:
        return 3.0 * math.log(2 * math.pi)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        return torch.randn(n, 3, 2, generator=generator, dtype=torch.float64)


def test_multi_dimensional_event_shapes() -> None:
    report = check_energy(Particles())
    assert report["check_output_shape"].status == "passed"
    assert report["check_log_partition"].status == "passed"
    assert report["check_sample"].status == "passed"


def test_finite_differences_shrink_the_step_for_fast_oscillations() -> None:
    """Schaffer N.2 turns at ~160 rad per unit at the kit's points of [-100, 100]^2: the kit's
    step misses by ~0.4%, a step 64 times smaller resolves it; a gradient off by 0.1% still fails
    at every step."""
    model = ebmcore.create("schaffer_n2")
    result = run_check(model, "check_gradient_finite_differences")
    assert result.status == "passed" and "of the step" in result.message

    class Off(type(model)):  # type: ignore[misc]
        def analytic_energy_and_gradient(self, x: Tensor) -> tuple[Tensor, Tensor]:
            energy, gradient = super().analytic_energy_and_gradient(x)
            return energy, 1.001 * gradient

    result = run_check(Off(), "check_gradient_finite_differences")
    assert result.status == "failed" and "miss it at steps down to" in result.message


def test_mode_mass_messages_say_what_the_samples_found() -> None:
    result = run_check(BasinsDisagree(dim=2), "check_modes")
    assert result.status == "failed"
    assert "exact samples land in the basin of listed mode" in result.message and "mass 0.8" in result.message
    merged = run_check(MergedBasins(dim=2), "check_modes")
    assert merged.status == "failed" and "must be distinct, got [0, 0]" in merged.message
    passed = run_check(Bowl(dim=2), "check_modes")
    assert passed.status == "passed" and "exact samples weigh every listed mode" in passed.message
