"""Thread safety of the registry: the very first plugin discovery, and readers racing writers.

A fresh interpreter (with every test plugin installed, among them ``slow_import``, whose hook
module takes 0.5 s to import) starts 16 threads at one barrier. They call ``list_energies()``,
``create()`` and ``plugins()`` while the registry is still undiscovered. All must see one and
the same finished registry, and each plugin's hook module must be imported exactly once (the
``good`` and ``slow_import`` hook modules append a line to ``EBMCORE_TEST_IMPORT_LOG`` on import).
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

from ebmcore import _registry
from ebmcore.plugin import EnergySpec

THREADS = 16

PROBE = f"""
import os, threading
import ebmcore
from ebmcore import _registry

barrier = threading.Barrier({THREADS})
results = [None] * {THREADS}

def table():
    return sorted([p.name, p.distribution or "", p.status, list(p.energies)] for p in ebmcore.plugins())

def work(i):
    barrier.wait()
    raced = not _registry.REGISTRY._discovered  # the registry was still undiscovered
    try:
        kind = i % 4
        if kind == 0:
            value = ebmcore.list_energies()
        elif kind == 1:
            import torch
            model = ebmcore.create("test_bowl", dim=3, k=2.0)
            value = [model.registry_name, model.energy(torch.ones(3, dtype=torch.float64)).item()]
        elif kind == 2:
            value = table()
        else:
            value = ebmcore.create("slow_bowl").registry_name
        results[i] = {{"raced": raced, "kind": kind, "value": value}}
    except Exception as exc:
        results[i] = {{"raced": raced, "kind": -1, "value": describe(exc)}}

threads = [threading.Thread(target=work, args=(i,)) for i in range({THREADS})]
for t in threads:
    t.start()
for t in threads:
    t.join()
R["results"] = results
R["list"] = ebmcore.list_energies()
R["plugins"] = table()
R["log"] = sorted(open(os.environ["EBMCORE_TEST_IMPORT_LOG"]).read().split())
"""


def test_sixteen_threads_share_one_first_discovery(probe: Any, tmp_path: Path) -> None:
    log = tmp_path / "imports.log"
    seen = probe.run(PROBE, {"EBMCORE_TEST_IMPORT_LOG": str(log)})
    results = seen["results"]
    assert [r["kind"] for r in results] == [i % 4 for i in range(THREADS)], [
        r["value"] for r in results if r["kind"] == -1
    ]
    # the threads really raced the first discovery (one of them ran it, the others waited)
    assert sum(r["raced"] for r in results) >= THREADS // 2
    for r in results:
        if r["kind"] == 0:
            assert r["value"] == seen["list"]
        elif r["kind"] == 1:
            assert r["value"] == ["good/test_bowl", 3.0]
        elif r["kind"] == 2:
            assert r["value"] == seen["plugins"]
        else:
            assert r["value"] == "slow_import/slow_bowl"
    assert "test_bowl" in seen["list"] and "slow_bowl" in seen["list"]
    # each hook module was imported once, whatever the number of threads asking
    assert seen["log"] == ["ebmcore_testplug_good._hooks", "ebmcore_testplug_slow_import._hooks"]


# -- readers racing writers ------------------------------------------------------------------------


class _Anything:
    def __init__(self, dim: int = 1) -> None:
        pass


BASE, RACES = 2000, 2000  # enough that, unlocked, a reader meets a writer on every run here


def test_readers_and_writers_race_without_errors() -> None:
    registry = _registry.Registry("ebmcore_probe_no_such_group")
    for i in range(BASE):
        registry.register(EnergySpec(f"base_{i}", _Anything))
    errors: list[BaseException] = []
    done = threading.Event()

    def write() -> None:
        try:
            for i in range(RACES):
                registry.register(EnergySpec(f"racer_{i}", _Anything, aliases=(f"racer_alias_{i}",)))
                registry.unregister(f"racer_{i}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    def read() -> None:
        try:
            while not done.is_set():
                registry.names()
                registry.conflicts()
                registry.plugin_infos()
        except BaseException as exc:
            errors.append(exc)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=write), *(threading.Thread(target=read) for _ in range(3))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert len(registry.names()) == BASE
