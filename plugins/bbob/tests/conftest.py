"""Shared settings of the bbob plugin's tests: one torch thread.

The tests make many small calls (optimizers, root finders, the conformance kit), where torch's
intra-op threads only add hand-off overhead on a busy machine. Each test runs on one thread and
the previous count is restored afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
