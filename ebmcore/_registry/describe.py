"""What :func:`ebmcore.info` tells about an energy: its parameters, ground truth and sources."""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .index import Entry

__all__ = ["EnergyInfo", "ParameterInfo", "describe", "references"]


@dataclass(frozen=True)
class ParameterInfo:
    """One constructor parameter of an energy."""

    name: str
    default: Any
    required: bool
    allowed: str | None
    annotation: str | None


@dataclass(frozen=True)
class EnergyInfo:
    """Everything the registry knows about one energy (see :func:`info`)."""

    name: str
    qualified_name: str
    plugin: str
    distribution: str | None
    version: str | None
    target: str
    summary: str
    tags: tuple[str, ...]
    aliases: tuple[str, ...]
    params: Mapping[str, Any]
    parameters: tuple[ParameterInfo, ...]
    ground_truth: tuple[str, ...]
    doc: str
    references: tuple[str, ...] = ()


_ITEM = re.compile(r"\A(?:[-*+|]\s|\[[^\]]+\]\s|\d+[.)]\s)")  # "- ", "* ", "| ", "[1] ", "1. "


def references(doc: str) -> tuple[str, ...]:
    """The entries of a Google-style ``References:`` section, one per reference.

    A reference is a paragraph: its wrapped lines are joined. A blank line, a list marker
    (``-``, ``*``, ``|``, ``[1]``, ``1.``) or a line back at the indentation of an entry whose
    continuation lines were indented deeper (a hanging indent) starts the next one.
    """
    lines = doc.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == "References:")
    except StopIteration:
        return ()
    indent = len(lines[start]) - len(lines[start].lstrip())
    entries: list[list[str]] = []
    entry_indent: int | None = None  # the indentation of the entries' first lines
    hanging = False  # the current entry's continuation lines are indented deeper
    blank = True
    for line in lines[start + 1 :]:
        text = line.strip()
        if not text:
            blank = True
            continue
        depth = len(line) - len(line.lstrip())
        if depth <= indent:
            break
        if entry_indent is None:
            entry_indent = depth
        if blank or _ITEM.match(text) or (hanging and depth <= entry_indent) or depth < entry_indent:
            entries.append([])
            hanging = False
            entry_indent = min(entry_indent, depth)
        elif depth > entry_indent:
            hanging = True
        entries[-1].append(text)
        blank = False
    return tuple(" ".join(parts) for parts in entries)


def describe(entry: Entry) -> EnergyInfo:
    """Everything known about the energy of ``entry`` (its target is imported)."""
    from .._model import BaseModel  # here, not at the top: listing energies never imports torch

    target = entry.target()
    parameters = []
    constraints: Mapping[str, Any] = getattr(target, "arg_constraints", {})
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        signature = None
    if signature is not None:
        for p in signature.parameters.values():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY):
                continue
            constraint = constraints.get(p.name)
            annotation = (
                p.annotation if isinstance(p.annotation, str) else getattr(p.annotation, "__name__", None)
            )
            parameters.append(
                ParameterInfo(
                    p.name,
                    entry.spec.params.get(p.name, None if p.default is p.empty else p.default),
                    p.default is p.empty and p.name not in entry.spec.params,
                    getattr(constraint, "description", None),
                    None if p.annotation is p.empty else annotation,
                )
            )
    ground_truth: tuple[str, ...] = ()
    if inspect.isclass(target) and issubclass(target, BaseModel):
        ground_truth = target.declared_ground_truth()
    doc = inspect.getdoc(target) or ""
    spec = entry.spec
    return EnergyInfo(
        name=spec.name,
        qualified_name=entry.qualified,
        plugin=entry.plugin.name,
        distribution=entry.plugin.distribution,
        version=entry.plugin.version,
        target=spec.target if isinstance(spec.target, str) else _describe(spec.target),
        summary=spec.summary,
        tags=spec.tags,
        aliases=spec.aliases,
        params=dict(spec.params),
        parameters=tuple(parameters),
        ground_truth=ground_truth,
        doc=doc,
        references=references(doc),
    )


def _describe(obj: object) -> str:
    module = getattr(obj, "__module__", "?")
    return f"{module}:{getattr(obj, '__qualname__', repr(obj))}"
