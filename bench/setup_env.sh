#!/usr/bin/env bash
# Create .venv-bench: a thin venv layered over .venv (which `make venv` set up) that adds only
# what the benchmarks need: torchebm 0.8.9 (--no-deps: it needs nothing beyond torch) and
# matplotlib. `make test` never sees these packages; .venv stays untouched.
set -euo pipefail
cd "$(dirname "$0")/.."
MAIN=.venv
BENCH=.venv-bench
[ -x "$MAIN/bin/python" ] || { echo "run 'make venv' first" >&2; exit 1; }
if [ ! -x "$BENCH/bin/python" ]; then
	base=$("$MAIN/bin/python" -c 'import sys; print(sys._base_executable)')
	flags=""
	grep -qi '^include-system-site-packages *= *true' "$MAIN/pyvenv.cfg" && flags="--system-site-packages"
	"$base" -m venv $flags "$BENCH"
	main_site=$("$MAIN/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
	bench_site=$("$BENCH/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
	# addsitedir (not a bare path line) so .venv's own .pth files (editable installs) apply too
	echo "import site; site.addsitedir('$main_site')" > "$bench_site/_ebmcore_main_venv.pth"
fi
PIP="$BENCH/bin/python -m pip --disable-pip-version-check -q"
$BENCH/bin/python -c "import torchebm" 2>/dev/null || $PIP install --no-deps "torchebm==0.8.9"
# matplotlib: the `bench` extra of pyproject.toml (installed here, not into .venv)
$BENCH/bin/python -c "import matplotlib" 2>/dev/null || $PIP install "matplotlib>=3.5"
$BENCH/bin/python -c "import ebmcore, torch, torchebm, matplotlib; print('bench env: torch', torch.__version__, 'torchebm', torchebm.__version__, 'matplotlib', matplotlib.__version__)"
