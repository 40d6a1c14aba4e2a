# Two commands do all set-up on a fresh clone: `make demo` and `make test`.
# Both create .venv with the core and every plugin under plugins/ installed in editable mode.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PIP := $(PY) -m pip --disable-pip-version-check
TORCH_VERSION := 2.13.0
PLUGINS := $(sort $(wildcard plugins/*/pyproject.toml))
STAMP := $(VENV)/.ebmcore-installed

.PHONY: demo test lint typecheck pytest docs venv clean

venv: $(STAMP)

# torch rule: reuse an installed torch (never upgrade it); otherwise install torch==$(TORCH_VERSION),
# which on a CPU machine resolves to the local CPU wheel.
$(STAMP): pyproject.toml $(PLUGINS) Makefile
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
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 MPLBACKEND=Agg $(BIN)/mkdocs build --strict --quiet --site-dir site

test: lint typecheck pytest docs

clean:
	rm -rf $(VENV) site build *.egg-info plugins/*/*.egg-info .pytest_cache .mypy_cache .ruff_cache
