"""Shared fixtures of the core test suite.

* ``plugin_dists``, ``probe`` and ``bare_probe``: the test plugin distributions and fresh
  interpreters that see them (below);
* ``one_torch_thread``: intra-op threads off, for modules of many small tensors;
* ``randn64``: seeded standard normal float64 draws;
* ``default_model``: a registered energy built with its defaults, or the test skipped;
* ``ill_conditioned``: the energies whose gradient paths may differ by more than 1e-10;
* ``unbuildable_energies``: two in-process energies that cannot be built without help.

``plugin_dists`` installs the test plugin distributions under ``tests/plugin_dists/`` (a good
one and one per way a plugin can fail) into a private folder with one real ``pip install``,
so that ``importlib.metadata`` sees them exactly as it sees any installed plugin. Tests use
them **only in subprocesses** (``PYTHONPATH=<folder>``): the registry of the test process
itself, and so every other test module, never sees them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

import ebmcore

ROOT = Path(__file__).resolve().parent.parent
DISTS = Path(__file__).resolve().parent / "plugin_dists"
RESULTS_MARK = "@@EBMCORE-RESULTS@@"

# Hypothesis keeps a cache of constants; keep it with pytest's cache, not in the source tree.
set_hypothesis_home_dir(ROOT / ".pytest_cache" / "hypothesis")
# Property tests: derandomized (the same examples on every run) and modest, so the suite stays fast.
settings.register_profile(
    "ebmcore",
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ebmcore")


@pytest.fixture
def one_torch_thread() -> Iterator[None]:
    """The kit's tensors are small: intra-op threads only add contention on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def randn64() -> Callable[..., torch.Tensor]:
    """``randn64(*shape, seed=0)``: standard normal float64 draws from a generator seeded with ``seed``."""

    def draw(*shape: int, seed: int = 0) -> torch.Tensor:
        return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)

    return draw


@pytest.fixture(scope="session")
def default_model() -> Callable[[str], Any]:
    """``default_model(name)``: a new ``ebmcore.create(name)``, or the test skipped saying why not."""

    def make(name: str) -> Any:
        try:
            return ebmcore.create(name)
        except (ebmcore.EbmcoreError, TypeError, ValueError) as exc:
            pytest.skip(f"{name} has no no-argument construction: {exc}")

    return make


# Energies whose conditioning magnifies one rounding of an input past 1e-10, so that two correct
# paths differ by more: BBOB f16 (cosines of frequency 2 pi 3^11 magnify an ulp of z by 1e6) and
# f19 (cosines of t up to 1e8). Their C kernels round differently from torch (fused multiply-adds,
# glibc's vector math); each path is as accurate as the function allows. Relative tolerances.
_ILL_CONDITIONED = {"bbob_f16": 1e-7, "bbob_f19": 1e-8}


@pytest.fixture(scope="session")
def ill_conditioned() -> Mapping[str, float]:
    """The registered energies whose gradient paths (kernel, analytic, autograd) may differ by
    more than 1e-10 in float64, and the relative difference their conditioning allows."""
    return _ILL_CONDITIONED


@pytest.fixture
def unbuildable_energies() -> Iterator[None]:
    """In-process energies ``probe_boom`` (whose constructor raises) and ``probe_needs_args``
    (which needs ``center``): the two ways an energy fails to build with its defaults."""

    class _Boom(ebmcore.BaseModel):
        def __init__(self, dim: int = 2) -> None:
            raise RuntimeError("boom")

    class _NeedsArgs(ebmcore.BaseModel):
        def __init__(self, center: float) -> None:
            super().__init__(1, center=center)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return ((x - self.center) ** 2).sum(-1)

    ebmcore.register_energy("probe_boom")(_Boom)
    ebmcore.register_energy("probe_needs_args")(_NeedsArgs)
    yield
    ebmcore.unregister_energy("probe_boom")
    ebmcore.unregister_energy("probe_needs_args")


def _sources_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(DISTS.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and ".egg-info" not in str(path):
            digest.update(str(path.relative_to(DISTS)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def plugin_dists(request: pytest.FixtureRequest) -> Path:
    """Folder holding every test plugin distribution, installed by one ``pip install --target``.

    The installation is cached under ``.pytest_cache`` keyed by a hash of the sources, so it is
    rebuilt only when a test plugin changes.
    """
    cache = getattr(request.config, "cache", None)  # None under -p no:cacheprovider
    base = cache.mkdir("ebmcore-plugin-dists") if cache is not None else Path(tempfile.mkdtemp())
    target = base / _sources_digest()
    if (target / ".complete").exists():
        return target
    with tempfile.TemporaryDirectory() as scratch:
        sources = Path(scratch) / "src"
        # Build from a copy: setuptools writes build/ and *.egg-info next to the sources.
        shutil.copytree(DISTS, sources, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
        staging = Path(scratch) / "target"
        folders = sorted(str(p) for p in sources.iterdir() if (p / "pyproject.toml").exists())
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--no-build-isolation",
                "--no-index",
                "--no-compile",
                "--target",
                str(staging),
                *folders,
            ],
            check=True,
            capture_output=True,
        )
        shutil.rmtree(target, ignore_errors=True)
        shutil.move(str(staging), str(target))
    (target / ".complete").touch()
    for stale in base.iterdir():  # installations of older versions of the test plugins
        if stale != target and stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
    return target


# Code run before a probe in a subprocess: ``outcome(fn)`` describes what calling ``fn`` gave,
# and whatever the probe stores in ``R`` is printed as JSON at the end.
PRELUDE = """
import json, sys
R = {}

def describe(exc):
    cause = exc.__cause__
    return {
        "error": type(exc).__name__,
        "bases": [c.__name__ for c in type(exc).__mro__],
        "message": str(exc),
        "plugin": getattr(exc, "plugin", None),
        "candidates": getattr(exc, "candidates", None),
        "suggestions": getattr(exc, "suggestions", None),
        "cause": None if cause is None else type(cause).__name__,
        "cause_message": None if cause is None else str(cause),
    }

def outcome(fn, *args, **kwargs):
    try:
        return {"value": fn(*args, **kwargs)}
    except Exception as exc:
        return describe(exc)
"""


def clean_env(extra: Mapping[str, str] | None = None, *, pythonpath: Path | None = None) -> dict[str, str]:
    """The current environment without any ``EBMCORE_*`` setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EBMCORE_") and k != "PYTHONPATH"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    env.update(extra or {})
    return env


def start_probe(code: str, path: Path | None, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``code`` (after :data:`PRELUDE`) in a fresh interpreter; see :func:`finish_probe`."""
    script = PRELUDE + code + f"\nprint({RESULTS_MARK!r} + json.dumps(R, default=repr))\n"
    return subprocess.Popen(
        [sys.executable, "-c", script],
        env=clean_env(env, pythonpath=path),
        cwd=tempfile.gettempdir(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish_probe(process: subprocess.Popen[str]) -> dict[str, Any]:
    """Wait for a probe and return its ``R``; fail the test with its stderr if it crashed."""
    stdout, stderr = process.communicate(timeout=300)
    if process.returncode != 0 or RESULTS_MARK not in stdout:
        pytest.fail(f"probe exited with {process.returncode}\nstdout:\n{stdout}\nstderr:\n{stderr}")
    return json.loads(stdout.split(RESULTS_MARK, 1)[1])


def run_probes(
    probes: Iterable[tuple[str, Mapping[str, str] | None]], path: Path | None
) -> list[dict[str, Any]]:
    """Run several probes side by side (each in its own fresh interpreter)."""
    started = [start_probe(code, path, env) for code, env in probes]
    return [finish_probe(p) for p in started]


def run_probe(code: str, path: Path | None, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Run one probe in a fresh interpreter and return its results."""
    return finish_probe(start_probe(code, path, env))


class ProbeRunner:
    """Runs probes in fresh interpreters that see the installed test plugins (``path``)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def run(self, code: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
        return run_probe(code, self.path, env)

    def run_many(self, probes: Iterable[tuple[str, Mapping[str, str] | None]]) -> list[dict[str, Any]]:
        return run_probes(probes, self.path)

    def command(
        self, *args: str, env: Mapping[str, str] | None = None, code: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run ``python -m ebmcore ARGS`` (or ``python -c CODE``) with the test plugins installed."""
        argv = [sys.executable, "-c", code] if code is not None else [sys.executable, "-m", "ebmcore", *args]
        return subprocess.run(
            argv,
            env=clean_env(env, pythonpath=self.path),
            cwd=tempfile.gettempdir(),
            capture_output=True,
            text=True,
            timeout=300,
        )


@pytest.fixture(scope="session")
def probe(plugin_dists: Path) -> ProbeRunner:
    """Probe runner whose interpreters see every test plugin distribution."""
    return ProbeRunner(plugin_dists)


@pytest.fixture(scope="session")
def bare_probe() -> ProbeRunner:
    """Probe runner whose interpreters see only the plugins installed in the environment."""
    return ProbeRunner(None)
