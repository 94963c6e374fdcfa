"""The command line's modules sit on no import cycle, counting imports inside functions (which run later,
but still tie two modules together): read from the source with `ast`, not from what one run imported."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

CLI_MODULES = (
    "wsapi.cli", "wsapi.arguments", "wsapi.version", "wsapi.atomic", "wsapi.summary", "wsapi.__main__",
    "wsapi.offline.command", "wsapi.offline.__main__",
)  # fmt: skip


def modules() -> dict[str, tuple[Path, bool]]:
    """Every module of the package: dotted name -> (file, is a package's __init__)."""
    found = {}
    for file in (ROOT / "wsapi").rglob("*.py"):
        parts = list(file.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (file, is_package)
    return found


def imported_by(name: str, file: Path, is_package: bool, known: dict) -> set[str]:
    """The package's modules `name` imports anywhere in its body. `from pkg import mod` counts as importing
    `mod`; the package's own __init__, run by any import of a submodule, is not counted as an edge."""
    base = name.split(".") if is_package else name.split(".")[:-1]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(file.read_text())):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            package = base[: len(base) - node.level + 1] if node.level else []
            module = ".".join(package + ([node.module] if node.module else []))
            submodules = {f"{module}.{alias.name}" for alias in node.names} & set(known)
            targets.update(submodules if len(submodules) == len(node.names) else submodules | {module})
    return {target for target in targets if target in known and target != name}


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imported_by(name, file, is_package, known) for name, (file, is_package) in known.items()}


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(graph[name])
    return seen


def test_the_graph_sees_imports_inside_functions() -> None:
    graph = import_graph()
    # `run_plan` imports compile and plan_listing inside the function; `run_offline` imports offline.command's
    assert {"wsapi.compile", "wsapi.plan_listing", "wsapi.offline.command", "wsapi.arguments"} <= graph["wsapi.cli"]
    assert {"wsapi.arguments", "wsapi.config", "wsapi.offline.eventloop"} <= graph["wsapi.offline.command"]


def test_no_module_of_the_command_line_is_on_an_import_cycle() -> None:
    graph = import_graph()
    on_cycles = {name: sorted(name_ for name_ in reachable(graph, name) if name in reachable(graph, name_))
                 for name in CLI_MODULES}  # fmt: skip
    assert on_cycles == {name: [] for name in CLI_MODULES}


def test_no_module_of_the_package_is_on_an_import_cycle() -> None:
    graph = import_graph()
    on_cycles = sorted(name for name in graph if name in reachable(graph, name))
    assert on_cycles == []


def test_offline_command_and_the_shared_arguments_never_reach_the_cli() -> None:
    graph = import_graph()
    assert graph["wsapi.arguments"] == set()  # standard library only
    assert "wsapi.cli" not in reachable(graph, "wsapi.offline.command")
    assert graph["wsapi.offline.__main__"] == {"wsapi.cli"}  # a thin delegate
