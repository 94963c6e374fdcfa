"""serverless.json (and JSON files included with `${file(...)}`) as Serverless v3 reads them: `JSON.parse`, then
v3's `JSON.stringify` round trip (numbers beyond a double become null, integral numbers are integers).

Checked beyond `JSON.parse`, with positions: duplicate keys (JSON.parse silently keeps the last), `NaN` and
`Infinity` (not JSON), lone surrogate escapes, and the size and nesting bounds of `document_limits`, counted on
the text before `json.loads` builds anything.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from .document_limits import MAX_DEPTH, MAX_NODES, depth_message, refuse, too_many_values_message
from .errors import ConfigError, Problem, join_path, shorten
from .js_scalars import MAX_DOUBLE_DIGITS, plain_number
from .unicode_text import SURROGATE_ESCAPE_RE, SURROGATE_RE, surrogate_message

__all__ = ["parse_json"]

_JSON_TOKEN_RE = re.compile(r'"(?:[^"\\\n]|\\.)*"?|[\[\]{}]')
_JSON_STRING_RE = re.compile(r'"(?:[^"\\\n]|\\.)*"?')  # an unterminated string ends at its line
_JSON_BRACKET_RE = re.compile(r"[\[\]{}]")
_JSON_WS_RE = re.compile(r"[ \t\n\r]*")
_JSON_NUMBER_RE = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


def parse_json(text: str, name: str, allow_empty: bool) -> Any:
    """The value of a JSON text; every problem is raised as one ConfigError for `name`. With `allow_empty`,
    a text of only whitespace gives None."""
    if not text.strip():
        if allow_empty:
            return None
        raise refuse(name, "the file is empty (it holds only whitespace); expected a JSON object")
    _check_json_shape(text, name)
    duplicates = False

    def pairs_hook(pairs: list) -> dict:
        nonlocal duplicates
        result = dict(pairs)
        if len(result) != len(pairs):
            duplicates = True
        return result

    def reject_constant(constant: str) -> Any:
        raise _JsonConstant(constant)

    try:
        value = json.loads(
            text,
            object_pairs_hook=pairs_hook,
            parse_constant=reject_constant,
            parse_float=_json_float,
            parse_int=_json_int,
        )
    except json.JSONDecodeError as error:
        raise refuse(name, f"JSON syntax error at line {error.lineno}, column {error.colno}: {error.msg}") from None
    except _JsonConstant as error:
        raise refuse(name, _constant_message(text, str(error))) from None
    except RecursionError:  # pragma: no cover - depth is checked above
        raise refuse(name, f"nesting is deeper than {MAX_DEPTH} levels") from None
    if duplicates:
        finder = _JsonDuplicates(text)
        finder.value(0, "")
        raise ConfigError(finder.problems, name)
    if SURROGATE_ESCAPE_RE.search(text) or SURROGATE_RE.search(text):
        problems = _lone_surrogates(value)
        if problems:
            raise ConfigError(problems, name)
    return value


class _JsonConstant(Exception):
    pass


def _constant_message(text: str, constant: str) -> str:
    match = re.search(re.escape(constant), text)
    where = ""
    if match:
        line, column = _line_col(text, match.start())
        where = f" at line {line}, column {column}"
    return f"JSON syntax error{where}: {constant} is not valid JSON; write a number or a string"


def _json_float(text: str) -> Any:
    value = float(text)
    if math.isinf(value):
        return None  # JSON.parse gives Infinity, which v3's JSON round trip turns into null
    return plain_number(value)


def _json_int(text: str) -> Any:
    digits = len(text) - (text[0] == "-")
    if digits > MAX_DOUBLE_DIGITS:  # int() refuses more than 4,300 digits; JSON.parse gives +-Infinity
        return None  # which v3's JSON round trip turns into null
    value = int(text)
    try:
        float(value)
    except OverflowError:
        return None
    return value


def _line_col(text: str, position: int) -> tuple[int, int]:
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return line, column


def _check_json_shape(text: str, name: str) -> None:
    """Bound the number of values and the nesting before json.loads builds anything: strings are blanked
    out with one regex (C speed), then separators and brackets are counted (a key, a value, an item: one
    `:`, `,` or bracket each), and the depth is followed over the brackets alone."""
    skeleton = _JSON_STRING_RE.sub('""', text)
    nodes = skeleton.count(",") + skeleton.count(":") + skeleton.count("[") + skeleton.count("{") + 1
    if nodes > MAX_NODES:
        raise refuse(name, too_many_values_message(None, None, aliases=False))
    depth = 0
    for match in _JSON_BRACKET_RE.finditer(skeleton):
        if match.group() in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                _check_json_depth(text, name)  # finds where, in the original text
                raise refuse(name, depth_message(0, 0, None))  # pragma: no cover - found above
        else:
            depth -= 1


def _check_json_depth(text: str, name: str) -> None:
    depth = 0
    for match in _JSON_TOKEN_RE.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                line, column = _line_col(text, match.start())
                raise refuse(name, depth_message(line, column, None))
        elif token in ("]", "}"):
            depth -= 1


def _lone_surrogates(value: Any) -> list[Problem]:
    """Strings (and keys) holding a lone UTF-16 surrogate, which JSON's `\\ud800` escapes can produce: not
    Unicode text, so no template, terminal or AWS API could take them. In document order."""
    problems: list[Problem] = []
    stack: list[tuple[Any, str, str]] = [(value, "", "the string")]
    while stack:
        node, path, what = stack.pop()
        if isinstance(node, str):
            if SURROGATE_RE.search(node):
                problems.append(Problem(path, surrogate_message(node, what)))
            continue
        if isinstance(node, dict):
            items = list(node.items())
        elif isinstance(node, list):
            items = list(enumerate(node))
        else:
            continue
        children = []
        for key, item in items:
            if isinstance(key, str) and SURROGATE_RE.search(key):  # reported where the mapping is
                children.append((key, path, "a key"))
            else:
                children.append((item, join_path(path, key), "the string"))
        stack.extend(reversed(children))
    return problems
class _JsonDuplicates:
    """A small JSON walker that knows positions, used only to report duplicate keys."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.problems: list[Problem] = []

    def _skip(self, position: int) -> int:
        return _JSON_WS_RE.match(self.text, position).end()

    def value(self, position: int, path: str) -> int:
        text = self.text
        position = self._skip(position)
        char = text[position]
        if char == "{":
            seen: dict[str, int] = {}
            position = self._skip(position + 1)
            if text[position] == "}":
                return position + 1
            while True:
                position = self._skip(position)
                key_start = position
                key, position = json.decoder.scanstring(text, position + 1)
                line, _ = _line_col(text, key_start)
                child = join_path(path, key)
                if key in seen:
                    self.problems.append(
                        Problem(
                            child,
                            f'duplicate key "{shorten(key, 80, say_length=True)}": first defined at line {seen[key]}, '
                            f"again at line {line}; remove one of them",
                        )
                    )
                else:
                    seen[key] = line
                position = self._skip(position)
                position = self.value(position + 1, child)  # skip ':'
                position = self._skip(position)
                if text[position] == "}":
                    return position + 1
                position += 1  # ','
        if char == "[":
            index = 0
            position = self._skip(position + 1)
            if text[position] == "]":
                return position + 1
            while True:
                position = self._skip(self.value(position, join_path(path, index)))
                index += 1
                if text[position] == "]":
                    return position + 1
                position += 1
        if char == '"':
            return json.decoder.scanstring(text, position + 1)[1]
        match = _JSON_NUMBER_RE.match(text, position)
        if match and match.end() > position:
            return match.end()
        for literal in ("true", "false", "null"):
            if text.startswith(literal, position):
                return position + len(literal)
        return position + 1  # pragma: no cover - the text already parsed as JSON
