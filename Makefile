# Two commands do all set-up on a fresh clone: `make demo` and `make test`.
# Both create .venv with the core and every plugin under plugins/ installed in editable mode.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PIP := $(PY) -m pip --disable-pip-version-check
TORCH_VERSION := 2.13.0
PLUGINS := $(sort $(wildcard plugins/*/pyproject.toml))
# C extensions of the plugins (built in place by the editable install): a change rebuilds them.
EXTENSION_SOURCES := $(wildcard plugins/*/setup.py plugins/*/*/*.c plugins/*/*/*.h)
STAMP := $(VENV)/.ebmcore-installed

.PHONY: demo test lint typecheck pytest docs venv clean bench test-torchebm

venv: $(STAMP)

# torch rule: reuse an installed torch (never upgrade it); otherwise install torch==$(TORCH_VERSION),
# which on a CPU machine resolves to the local CPU wheel.
$(STAMP): pyproject.toml $(PLUGINS) $(EXTENSION_SOURCES) Makefile
	@if [ ! -x $(PY) ]; then \
		if $(PYTHON) -c "import torch" 2>/dev/null; then \
			echo "reusing the installed torch"; $(PYTHON) -m venv --system-site-packages $(VENV); \
		else $(PYTHON) -m venv $(VENV); fi; \
	fi
	@$(PY) -c "import torch" 2>/dev/null || $(PIP) install -q "torch==$(TORCH_VERSION)"
	$(PIP) install -q "setuptools>=69" wheel
	$(PIP) install -q --no-build-isolation -e ".[test]" $(foreach p,$(PLUGINS),-e $(dir $(p)))
	@touch $@

demo: $(STAMP)
	$(PY) examples/demo.py

pytest: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The documentation site (docs/, mkdocs.yml), built offline with --strict: a broken reference,
# link or docstring fails the build. The catalog pages and pictures are generated from the registry.
# The site reads offline from disk (open site/index.html): at the end of the build
# docs/_hooks/offline.py checks that every page links only to files in the site and loads nothing
# from the network. MathJax comes from django-static-mathjax (in the `docs` and `test` extras).
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 MPLBACKEND=Agg $(BIN)/mkdocs build --strict --quiet --site-dir site

test: lint typecheck pytest docs

# Benchmarks (bench/README.md): a separate .venv-bench layered over .venv adds torchebm and
# matplotlib, so `make test` never installs them. glibc allocator pinned so that freed tensors
# are reused instead of being returned to the OS and page-faulted in again on every call.
BENCH_ENV := MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=17179869184 \
	MALLOC_TOP_PAD_=268435456 TORCHINDUCTOR_COMPILE_THREADS=1 PYTHONUNBUFFERED=1
BENCH_ARGS ?=

bench: $(STAMP)
	bash bench/setup_env.sh
	$(BENCH_ENV) .venv-bench/bin/python -m bench $(BENCH_ARGS)

# The compatibility plugin against TorchEBM 0.8.9 itself: energies and gradients of every model
# both libraries have, in float64. Runs in .venv-bench (which has torchebm); `make test` skips it.
test-torchebm: $(STAMP)
	bash bench/setup_env.sh
	.venv-bench/bin/python -m pytest -p no:cacheprovider plugins/torchebm/tests/test_against_torchebm.py

clean:
	rm -rf $(VENV) .venv-bench site build *.egg-info plugins/*/*.egg-info plugins/*/*/*.so .pytest_cache .mypy_cache .ruff_cache
