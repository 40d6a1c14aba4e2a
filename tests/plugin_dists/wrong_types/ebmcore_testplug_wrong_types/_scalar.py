"""Hook returning a number instead of a list of specs."""

from __future__ import annotations

from typing import Any

from ebmcore.plugin import hookimpl


@hookimpl
def ebmcore_energies() -> Any:
    return 42
