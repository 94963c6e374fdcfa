"""A WebSocket API's route selection expression: the one parser `wsapi validate` (through
`aws_rules.route_selection_expression_problem`) and `wsapi offline` (to route each message) both use, so an
expression validation accepts is one offline evaluates, and one it refuses cannot be served.

The forms API Gateway documents for WebSocket APIs:
  `$request.body.PATH`                                   the whole expression is one JSON path into the message
  `${request.body.PATH}` parts with literal text between   e.g. `${request.body.service}/${request.body.action}`
A PATH is a run of `.name` (letters, digits, `_`, `$`, `-`), `[index]`, `['key']` or `["key"]` segments; the
literal text of a template holds no `$`, `{` or `}` (API Gateway would read them as variables).

Evaluation, as API Gateway routes a message: the selected value is stringified (numbers and booleans as JSON
writes them, lists as `[a, b]`); a message that is not a JSON object or array, a binary frame, or a path that
selects nothing evaluates to no key. Standard library only: `validate` imports this module.
"""

from __future__ import annotations

import json
import re
from typing import Any, List, Optional, Tuple, Union

Segment = Union[str, int]
Path = Tuple[Segment, ...]

WHOLE_PREFIX = "$request.body"
_TEMPLATE_PART = re.compile(r"\$\{request\.body(?P<path>[^}]*)\}")
_SEGMENT = re.compile(r"""\.(?P<name>[A-Za-z0-9_$-]+)|\[(?P<index>\d+)\]|\['(?P<single>[^']*)'\]|\["(?P<double>[^"]*)"\]""")
_TEMPLATE_SYNTAX = frozenset("${}")


class ExpressionError(ValueError):
    """The route selection expression is not one API Gateway accepts for WebSocket APIs."""

    def __init__(self, expression: str) -> None:
        super().__init__(
            f"{expression!r} is not a WebSocket route selection expression: use $request.body.PATH "
            "(e.g. $request.body.action) or ${request.body.A}/${request.body.B}"
        )


def _parse_path(text: str) -> Optional[Path]:
    """The segments of a JSON path, or None when `text` is not one (or selects nothing)."""
    segments: List[Segment] = []
    position = 0
    while position < len(text):
        match = _SEGMENT.match(text, position)
        if match is None:
            return None
        index = match.group("index")
        if index is not None:
            segments.append(int(index))
        else:
            segments.append(next(g for g in (match.group("name"), match.group("single"), match.group("double")) if g is not None))
        position = match.end()
    return tuple(segments) or None


def _parse(expression: str) -> Tuple[Union[str, Path], ...]:
    if expression.startswith(WHOLE_PREFIX):
        path = _parse_path(expression[len(WHOLE_PREFIX) :])
        if path is None:
            raise ExpressionError(expression)
        return (path,)
    parts: List[Union[str, Path]] = []
    position = 0
    for match in _TEMPLATE_PART.finditer(expression):
        parts.append(expression[position : match.start()])
        path = _parse_path(match.group("path"))
        if path is None:
            raise ExpressionError(expression)
        parts.append(path)
        position = match.end()
    parts.append(expression[position:])
    literals = [part for part in parts if isinstance(part, str)]
    if len(literals) == len(parts) or any(_TEMPLATE_SYNTAX.intersection(text) for text in literals):
        raise ExpressionError(expression)
    return tuple(part for part in parts if part != "")


class RouteSelectionExpression:
    """A parsed expression (ExpressionError when API Gateway would refuse it); `select(message)` gives the
    route key a message evaluates to, or None."""

    __slots__ = ("text", "parts")

    def __init__(self, expression: str) -> None:
        self.text = expression
        self.parts = _parse(expression)

    def select(self, message: Union[str, bytes]) -> Optional[str]:
        if not isinstance(message, str) or message.lstrip(" \t\n\r")[:1] not in ("{", "["):
            return None  # not a JSON object or array (checked first: a failed parse costs an exception)
        try:
            document = json.loads(message)
        except ValueError:
            return None
        if not isinstance(document, (dict, list)):
            return None
        pieces: List[str] = []
        for part in self.parts:
            if isinstance(part, str):
                pieces.append(part)
                continue
            value = lookup(document, part)
            if value is None:
                return None
            pieces.append(stringify(value))
        return "".join(pieces)


def lookup(document: Any, path: Path) -> Any:
    value = document
    for segment in path:
        if isinstance(segment, int):
            if not isinstance(value, list) or segment >= len(value):
                return None
        elif not isinstance(value, dict) or segment not in value:
            return None
        value = value[segment]
    return value


def stringify(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(stringify(item) for item in value) + "]"
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
