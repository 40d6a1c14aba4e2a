"""The ebmcore conformance kit on every BBOB energy: defaults (dim 2, instance 1), and
configured instances in higher dimension."""

from __future__ import annotations

from collections.abc import Callable

import ebmcore
from ebmcore.testing import parametrize_with_checks

EBMCORE_PLUGIN = "bbob"  # run the ebmcore conformance kit on every energy of this plugin


def test_conformance(ebmcore_case):
    ebmcore_case.run()


@parametrize_with_checks([{"name": f"bbob_f{k}", "dim": 10, "instance": 7} for k in range(1, 1 + len(ebmcore.list_energies("bbob_f*")))])
def test_conformance_in_10d(model: ebmcore.BaseModel, check: Callable[[ebmcore.BaseModel], None]) -> None:
    check(model)
