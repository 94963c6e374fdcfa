"""Route selection, as API Gateway evaluates a WebSocket API's route selection expression on each message.

Supported expressions (the forms AWS documents for WebSocket APIs):
  `$request.body.action`, `$request.body.a.b[0]['c d']`   a JSON path into the message
  `${request.body.service}/${request.body.action}`        a template mixing paths and literal text
The selected value is stringified (numbers and booleans as JSON writes them). A message that is not JSON,
a binary frame, or a path that selects nothing evaluates to no key, and goes to `$default`; so does a key no
route has. With no `$default` route the message is rejected (the server sends AWS's Forbidden frame).
"""

from __future__ import annotations

import json
import re
from typing import Any, Collection, List, Optional, Tuple, Union

Segment = Union[str, int]
Path = Tuple[Segment, ...]

_WHOLE = re.compile(r"^\$request\.body(?P<path>(?:\.|\[).*)$")
_TEMPLATE_PART = re.compile(r"\$\{request\.body(?P<path>(?:\.|\[)[^}]*)\}")
_SEGMENT = re.compile(
    r"""\.(?P<name>[^.\[\]'"\s]+)|\[(?P<index>\d+)\]|\['(?P<single>[^']*)'\]|\["(?P<double>[^"]*)"\]"""
)


class ExpressionError(ValueError):
    """The route selection expression is not one API Gateway accepts for WebSocket APIs."""


def parse_path(text: str, expression: str) -> Path:
    segments: List[Segment] = []
    position = 0
    while position < len(text):
        match = _SEGMENT.match(text, position)
        if match is None:
            raise ExpressionError(f"cannot read the JSON path {text!r} in {expression!r}")
        if match.group("index") is not None:
            segments.append(int(match.group("index")))
        else:
            segments.append(next(g for g in (match.group("name"), match.group("single"), match.group("double")) if g is not None))
        position = match.end()
    if not segments:
        raise ExpressionError(f"{expression!r} selects no property of the message")
    return tuple(segments)


class RouteSelector:
    """A parsed route selection expression: `select(message)` gives the route key it evaluates to, or None."""

    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.parts: Tuple[Union[str, Path], ...]
        whole = _WHOLE.match(expression)
        if whole is not None:
            self.parts = (parse_path(whole.group("path"), expression),)
            return
        parts: List[Union[str, Path]] = []
        position = 0
        for match in _TEMPLATE_PART.finditer(expression):
            if match.start() > position:
                parts.append(expression[position : match.start()])
            parts.append(parse_path(match.group("path"), expression))
            position = match.end()
        if not any(isinstance(part, tuple) for part in parts):
            raise ExpressionError(
                f"{expression!r} is not a route selection expression API Gateway evaluates for WebSocket APIs: "
                "use $request.body.PATH or a template of ${request.body.PATH} parts"
            )
        if position < len(expression):
            parts.append(expression[position:])
        self.parts = tuple(parts)

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
            value = value[segment]
        else:
            if not isinstance(value, dict) or segment not in value:
                return None
            value = value[segment]
    return value


def stringify(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(stringify(item) for item in value) + "]"
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def choose_route(selector: RouteSelector, route_keys: Collection[str], message: Union[str, bytes]) -> Optional[str]:
    """The route key a message goes to: the selected key when a route has it, else `$default` when there is
    one, else None (no route: API Gateway answers Forbidden)."""
    key = selector.select(message)
    if key is not None and key in route_keys and key not in ("$connect", "$disconnect"):
        return key
    return "$default" if "$default" in route_keys else None
