"""Energies past one process: torch.multiprocessing (spawn) workers and DistributedDataParallel.

The work runs in ``tests/distributed_jobs.py`` as a script (spawned workers must be able to
re-import the main module). Two workers each receive every registered energy pickled, evaluate
it and a copy rebuilt from its spec on their shard of a batch, then train a small neural energy
(the ``mlp`` plugin's where installed) with DistributedDataParallel on the gloo backend by
denoising score matching through ``model.gradient(x, create_graph=True)``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

JOBS = Path(__file__).resolve().parent / "distributed_jobs.py"


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("distributed")
    done = subprocess.run(
        [sys.executable, str(JOBS), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tempfile.gettempdir(),
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_energies_evaluate_identically_in_spawned_workers(findings: dict[str, Any]) -> None:
    assert findings["checked"], "no energy could be built with its defaults"
    assert findings["mismatches"] == []


@pytest.mark.slow
def test_ddp_score_matching_keeps_ranks_in_step(findings: dict[str, Any]) -> None:
    assert findings["sources"] == [findings["source"]] * 2
    # ranks started from different initializations and saw different data: DDP made them agree
    assert findings["ranks_gap"] == 0.0
    # and they agree with one process trained on the whole batch
    assert findings["reference_gap"] <= 1e-12 * max(1.0, findings["scale"])
    assert findings["moved"] > 1e-5  # training really changed the parameters
