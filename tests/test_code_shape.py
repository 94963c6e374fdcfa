"""The code's shape that reviews keep: no function of wsapi over 80 lines (issue 11)."""

from __future__ import annotations

import ast
from pathlib import Path

WSAPI = Path(__file__).resolve().parent.parent / "wsapi"
LONGEST = 80


def test_no_function_is_over_80_lines() -> None:
    long = []
    for path in sorted(WSAPI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > LONGEST:
                    long.append(f"{path.relative_to(WSAPI.parent)}:{node.lineno} {node.name} ({lines} lines)")
    assert long == []
