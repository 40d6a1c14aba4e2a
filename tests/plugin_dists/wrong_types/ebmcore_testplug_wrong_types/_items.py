"""Hook returning a list whose items are of the wrong types, next to one valid spec."""

from __future__ import annotations

from typing import Any

from ebmcore.plugin import hookimpl


@hookimpl
def ebmcore_energies() -> list[Any]:
    return [
        42,
        None,
        ("tuple_name", "ebmcore_analytic._gaussian:Gaussian"),
        {"name": "wt_fine", "target": "ebmcore_analytic._gaussian:Gaussian"},
    ]
