"""Settings for every test of the repository (``tests/``, ``plugins/*/tests`` and the doctests).

The registry keeps a catalog cache on disk (``ebmcore/_catalog_cache.py``). The suite must never
write to the user's cache (``~/.cache/ebmcore``), so the whole session points
``EBMCORE_CACHE_DIR`` at a fresh temporary folder, removed at the end. This module is loaded
before any test module is collected, so before the registry's first discovery; subprocesses the
tests start inherit the setting.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

SESSION_CACHE_DIR = tempfile.mkdtemp(prefix="ebmcore-test-cache-")
os.environ["EBMCORE_CACHE_DIR"] = SESSION_CACHE_DIR


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(SESSION_CACHE_DIR, ignore_errors=True)
