"""The core's modules depend on each other one way, by layer (docs/contributing.md).

Read from the source with :mod:`ast`: no module is imported to check it. Imports under
``if TYPE_CHECKING:`` are for annotations only and are not counted.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import ebmcore

ROOT = Path(ebmcore.__file__).parent

LAYERS: dict[str, int] = {
    # 0: what everything may use: errors, constraints, the hook spec, small helpers
    "ebmcore._version": 0,
    "ebmcore._errors": 0,
    "ebmcore._lazy": 0,
    "ebmcore._memory": 0,
    "ebmcore.constraints": 0,
    "ebmcore._spec": 0,
    # 1: the contract
    "ebmcore._dispatch": 1,
    "ebmcore._compile": 1,
    "ebmcore._derived": 1,
    "ebmcore._basins": 1,
    "ebmcore._gaussian_law": 1,
    "ebmcore._grid_law": 1,
    "ebmcore._model": 1,
    # 2: the registry
    "ebmcore._registry": 2,
    # 3: what is built on the registry and the contract
    "ebmcore._cli": 3,
    "ebmcore._cli_catalog": 3,
    "ebmcore._cli_check": 3,
    "ebmcore._cli_evaluate": 3,
    "ebmcore._cli_plot": 3,
    "ebmcore._compile_model": 3,
    "ebmcore._diagnose": 3,
    "ebmcore._distances": 3,
    "ebmcore._evaluate": 3,
    "ebmcore._mcmc": 3,
    "ebmcore._numpy": 3,
    "ebmcore._reference": 3,
    "ebmcore._regions": 3,
    "ebmcore.plot": 3,
    "ebmcore.testing": 3,
    # 4: the two public tiers
    "ebmcore.plugin": 4,
    "ebmcore": 5,
    "ebmcore.__main__": 5,
}
"""Layer of each module (a package's submodules share its layer unless listed)."""


def layer(module: str) -> int:
    """The layer of ``module``: its own entry in LAYERS, else its package's (not the root's)."""
    name = module
    while name not in LAYERS or (name == "ebmcore" and module != "ebmcore"):
        name, _, _ = name.rpartition(".")
        if not name:
            raise AssertionError(f"{module} has no layer: add it to LAYERS in {__file__}")
    return LAYERS[name]


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


@dataclass(frozen=True)
class Import:
    module: str  # the ebmcore module imported
    names: tuple[str, ...]  # the names taken from it (from-imports)
    line: int
    in_function: bool
    comment: str  # the comment on the import's first line


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(name: str, path: Path) -> Iterator[Import]:
    source = path.read_text()
    lines = source.splitlines()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    known = modules()

    def visit(node: ast.AST, in_function: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                yield from (i for c in child.orelse for i in visit_one(c, in_function))
                continue
            yield from visit_one(child, in_function)

    def visit_one(child: ast.AST, in_function: bool) -> Iterator[Import]:
        comment = lines[child.lineno - 1].partition("#")[2].strip() if hasattr(child, "lineno") else ""
        if isinstance(child, ast.Import):
            for alias in child.names:
                if alias.name == "ebmcore" or alias.name.startswith("ebmcore."):
                    yield Import(alias.name, (), child.lineno, in_function, comment)
        elif isinstance(child, ast.ImportFrom):
            if child.level:
                base = package.split(".")
                base = base[: len(base) - child.level + 1]
                target = ".".join([*base, child.module] if child.module else base)
            else:
                target = child.module or ""
            if target == "ebmcore" or target.startswith("ebmcore."):
                for alias in child.names:  # `from . import plot` imports a module
                    sub = f"{target}.{alias.name}"
                    if sub in known:
                        yield Import(sub, (), child.lineno, in_function, comment)
                    else:
                        yield Import(target, (alias.name,), child.lineno, in_function, comment)
        else:
            function = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            yield from visit(child, in_function or function)

    yield from visit(ast.parse(source), False)


ALL = modules()


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_module_has_a_layer(name: str) -> None:
    layer(name)


@pytest.mark.parametrize("name", sorted(ALL))
def test_imports_go_down_the_layers(name: str) -> None:
    upward = [
        f"line {i.line}: {i.module} (layer {layer(i.module)})"
        for i in imports(name, ALL[name])
        if i.module != name
        and not (name.startswith(i.module + ".") and not i.names)
        and layer(i.module) > layer(name)
    ]
    assert not upward, f"{name} (layer {layer(name)}) imports from a higher layer: {upward}"


def test_the_core_has_no_import_cycle() -> None:
    graph = {
        name: {i.module for i in imports(name, path) if i.module != name and i.module in ALL}
        for name, path in ALL.items()
    }
    # a package's __init__ importing its own submodules is how packages are made, not a cycle
    for name in graph:
        graph[name] = {m for m in graph[name] if not m.startswith(name + ".")}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def walk(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                walk(nxt, [*path, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name, [name])
    assert not cycles, f"import cycles among the core's modules: {cycles}"


@pytest.mark.parametrize("name", sorted(ALL))
def test_no_module_imports_another_ones_private_name(name: str) -> None:
    private = [
        f"line {i.line}: {n} from {i.module}"
        for i in imports(name, ALL[name])
        for n in i.names
        if i.module != name and n.startswith("_") and not n.startswith("__")
    ]
    assert not private, f"{name} imports private names: {private}"


@pytest.mark.parametrize("name", sorted(ALL))
def test_no_module_reads_another_ones_private_attribute(name: str) -> None:
    tree = ast.parse(ALL[name].read_text())
    modules_bound = set()  # local names bound to ebmcore modules: `from . import _registry`
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("ebmcore")):
            modules_bound |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Import):
            modules_bound |= {
                a.asname or a.name.partition(".")[0] for a in node.names if a.name.startswith("ebmcore")
            }
    private = [
        f"line {node.lineno}: {node.value.id}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in modules_bound
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
    ]
    assert not private, f"{name} reads private attributes of other modules: {private}"


@pytest.mark.parametrize("name", sorted(ALL))
def test_imports_inside_functions_say_why(name: str) -> None:
    silent = [
        f"line {i.line}: {i.module}" for i in imports(name, ALL[name]) if i.in_function and not i.comment
    ]
    assert not silent, f"{name} imports inside functions without a one-line reason: {silent}"
