"""Serverless Framework v3 variables: `${source:address, fallback}` resolution.

The grammar and the resolution rules follow Serverless v3 (`lib/configuration/variables/`):

* ``${type:address}``, ``${type(param, ...)}``, ``${type(param):address}``; fallbacks after
  commas are further sources written without ``${}`` (``${opt:stage, self:provider.stage}``),
  quoted strings (``'x'`` or ``"x"``), numbers, ``true``/``false``/``null``.  A literal must
  be the last fallback.  As an extension, a fallback may also be a nested variable
  ``${env:X, ${self:custom.y}}`` (v3 itself rejects that form with "Invalid variable source").
* Variables nest inside addresses and parameters: ``${self:custom.${opt:stage}.name}``.
* ``\\${...}`` escapes a variable; ``${AWS::Region}``-like text that is not a variable
  (type not starting with a lower-case letter, no ``:``/``(`` after it) is left alone.
* A value that is exactly one variable takes the resolved value with its type; variables
  inside a longer string are rendered as JavaScript would (numbers as JS prints them,
  booleans ``true``/``false``, lists joined with commas); mappings and null cannot be
  embedded and are reported.
* A source giving null/undefined is "not found": the next fallback is tried, and without
  one it is a problem.  Errors (a broken or empty file, a bad ``strToBool`` input, an
  unknown source, a circular reference) are problems even when a fallback is given, as in v3.
* Resolved values that contain variables are resolved in turn (at most 10 levels, like
  v3); ``self:`` references are resolved on demand wherever they point.
* Sources: ``self``, ``opt``, ``env``, ``sls:stage``, ``file(...)`` (YAML/JSON parsed with
  `wsapi.config_files`, other files as text, paths relative to the service folder, the file's
  variables resolved in the context of the main configuration), ``param`` (``--param``
  values, then ``params.<stage>``, then ``params.default``), ``strToBool(...)`` and
  ``aws:region``.  ``ssm``, ``cf``, ``s3``, ``output``, ``aws:accountId`` and
  ``sls:instanceId`` cannot be known offline: they count as "not found", so a fallback
  applies and without one the problem names the variable.

Work is bounded (evaluations, copied values, produced text, chains of references), so
hostile input such as values that reference the previous one twice, fifty levels deep,
gives a clear problem quickly.
"""

from __future__ import annotations

import json
import math
import os
import pathlib
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple, Union

from .errors import ConfigError, Problem, join_path
from .config_files import read_document
from .document_limits import MAX_DEPTH, MAX_FILE_BYTES
from .js_scalars import js_number, js_string
from .unicode_text import not_unicode

__all__ = ["resolve_variables", "stage_of", "VariableSyntaxError", "parse_variables"]

#: How many times a resolved value may itself hold variables that need resolving (v3: 10).
MAX_NEST = 10
#: Longest chain of values waiting on one another (``a`` needs ``b`` needs ``c`` ...).
MAX_CHAIN = 100
#: Most variables nested inside one another within one string.
MAX_SYNTAX_NEST = 32
#: Most variable evaluations for one configuration.
MAX_STEPS = 200_000
#: Most values copied out of sources (self references, files) for one configuration.
MAX_COPIED_NODES = 300_000
#: Longest string a resolution may produce, and the total of produced strings.
MAX_STRING_CHARS = 1_000_000
MAX_TOTAL_CHARS = 20_000_000
#: Most characters of text copied out of sources (a long value referenced many times is copied each time).
MAX_COPIED_CHARS = 20_000_000

#: Most reasons listed when no fallback of a variable gives a value.
MAX_NOTES = 5

KNOWN_SOURCES = ("self", "opt", "sls", "env", "file", "param", "strToBool", "aws")
_HANDLERS = {name: f"source_{name}" for name in KNOWN_SOURCES}
REMOTE_SOURCES = {
    "ssm": "AWS SSM Parameter Store / Secrets Manager",
    "cf": "CloudFormation stack outputs",
    "s3": "S3 objects",
    "output": "Serverless Dashboard outputs",
}

# --------------------------------------------------------------------------- syntax


class VariableSyntaxError(Exception):
    """A string holds a malformed `${...}` variable."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


@dataclass
class Source:
    """One source of a variable: a typed source (`self:a.b`, `file(x.yml):k`) or a literal."""

    type: Optional[str] = None
    params: Optional[list] = None  # each: a literal value, or a template (list of segments)
    address: Any = None  # None, a str, or a template
    literal: Any = None
    is_literal: bool = False


@dataclass
class Variable:
    """`${...}`: its sources in fallback order, and its text for messages."""

    sources: list = field(default_factory=list)
    text: str = ""


_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_TYPE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
_TYPE_RE = re.compile(r"[a-z][a-zA-Z0-9]*\Z")
_JS_DECIMAL_RE = re.compile(r"[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)\Z")
_JS_RADIX_RE = re.compile(r"0(?:[xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)\Z")

_VAR, _LITERAL, _FOREIGN = "var", "literal", "foreign"


def _js_number_of(text: str) -> Any:
    """JavaScript's Number(text), or None when that is NaN."""
    text = text.strip()
    if not text:
        return 0
    if _JS_RADIX_RE.match(text):
        integer = int(text[2:], {"x": 16, "o": 8, "b": 2}[text[1].lower()])
        if integer < 2**53:
            return integer
        try:  # a JS number is a double: beyond 2**53 it is rounded, beyond 1.8e308 it is Infinity
            value = float(integer)
        except OverflowError:
            return math.inf
    elif not _JS_DECIMAL_RE.match(text):
        return None
    else:
        value = float(text)
    if value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


class _Parser:
    """Parses one string into literal text and `Variable` segments (v3 grammar)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)

    def error(self, message: str, index: int) -> VariableSyntaxError:
        return VariableSyntaxError(f"{message} at index {index}", index)

    def unterminated(self) -> VariableSyntaxError:
        return VariableSyntaxError("missing closing `}` of a variable", self.n)

    def skip_spaces(self, i: int) -> int:
        while i < self.n and self.text[i] == " ":
            i += 1
        return i

    # top level ---------------------------------------------------------------
    def template(self) -> Optional[list]:
        text, n = self.text, self.n
        segments: list = []
        buf: list[str] = []
        changed = False
        i = 0
        while i < n:
            c = text[i]
            if c == "\\":
                j = i
                while j < n and text[j] == "\\":
                    j += 1
                if text.startswith("${", j):
                    changed = True
                    run = j - i
                    buf.append("\\" * (run // 2))
                    if run % 2:  # escaped: `\${` is the literal text `${`
                        buf.append("$")
                        i = j + 1
                        continue
                    i = j
                    continue
                buf.append(text[i:j])
                i = j
                continue
            if c == "$" and i + 1 < n and text[i + 1] == "{":
                kind, variable, end = self.dollar(i, strict=False, level=0)
                if kind == _VAR:
                    changed = True
                    if buf:
                        segments.append("".join(buf))
                        buf = []
                    segments.append(variable)
                    i = end
                elif kind == _LITERAL:
                    buf.append(text[i:end])
                    i = end
                else:
                    buf.append(text[i:end])
                    i = self.foreign(end, segments, buf)
                    if any(isinstance(s, Variable) for s in segments):
                        changed = True
                continue
            buf.append(c)
            i += 1
        if not changed:
            return None
        if buf:
            segments.append("".join(buf))
        return [s for s in segments if s != ""]

    def foreign(self, i: int, segments: list, buf: list) -> int:
        """Text like `${AWS::Region}` stays as it is; real variables inside it still count."""
        text, n = self.text, self.n
        depth = 1
        while i < n:
            c = text[i]
            if c == "}":
                buf.append(c)
                i += 1
                depth -= 1
                if depth == 0:
                    return i
                continue
            if c == "$" and i + 1 < n and text[i + 1] == "{":
                kind, variable, end = self.dollar(i, strict=False, level=0)
                if kind == _VAR:
                    if buf:
                        segments.append("".join(buf))
                        buf.clear()
                    segments.append(variable)
                else:
                    buf.append(text[i:end])
                    if kind == _FOREIGN:
                        depth += 1
                i = end
                continue
            buf.append(c)
            i += 1
        return i

    # one `${` ----------------------------------------------------------------
    def dollar(self, start: int, strict: bool, level: int) -> tuple:
        """At `${`: a variable, literal text (`${}`, `${foo}`) or foreign text (`${AWS::X}`)."""
        if level >= MAX_SYNTAX_NEST:
            raise self.error(f"variables nested more than {MAX_SYNTAX_NEST} levels deep", start)
        text, n = self.text, self.n
        j = start + 2
        if j >= n:
            if strict:
                raise self.unterminated()
            return _LITERAL, None, n
        c = text[j]
        if c in _LOWER:
            k = j
            while k < n and text[k] in _TYPE_CHARS:
                k += 1
            if k >= n:
                if strict:
                    raise self.unterminated()
                return _LITERAL, None, n
            c2 = text[k]
            if c2 == ":" or c2 == "(":
                return self.variable(start, text[j:k], k, strict, level)
            if strict:
                raise self.error("invalid variable type", j)
            if c2 == "}":
                return _LITERAL, None, k + 1
            return _FOREIGN, None, k
        if strict:
            raise self.error("invalid variable type", j)
        if c == "}":
            return _LITERAL, None, j + 1
        return _FOREIGN, None, j

    def variable(self, start: int, type_: str, i: int, strict: bool, level: int) -> tuple:
        """Parse a variable whose first source type ends at `i` (at `:` or `(`)."""
        text = self.text
        sources: list[Source] = []
        source = Source(type=type_)
        while True:
            end = self.source_body(source, i, strict, not sources, level)
            if end < 0:  # `${type::...}`: not a variable after all
                return _FOREIGN, None, -end
            i = end
            sources.append(source)
            while True:  # text[i] is "}" or ","
                if text[i] == "}":
                    return _VAR, Variable(sources, text[start : i + 1]), i + 1
                i = self.skip_spaces(i + 1)
                if i >= self.n:
                    raise self.unterminated()
                c = text[i]
                if c == '"' or c == "'":
                    value, i = self.quoted(i)
                    i = self.skip_spaces(i)
                    if i >= self.n:
                        raise self.unterminated()
                    if text[i] != "}":
                        raise self.error("a quoted fallback must be the last one; invalid variable source", i)
                    sources.append(Source(literal=value, is_literal=True))
                    continue
                if c == "$" and text.startswith("${", i):
                    # extension: a fallback written as a nested variable
                    _, nested, i = self.dollar(i, strict=True, level=level + 1)
                    sources.extend(nested.sources)
                    i = self.skip_spaces(i)
                    if i >= self.n:
                        raise self.unterminated()
                    if text[i] not in "},":
                        raise self.error("invalid variable source", i)
                    continue
                if c in _TYPE_CHARS:
                    kind, payload, i = self._typed_or_literal(i)
                    if kind == "literal":
                        sources.append(payload)
                        return _VAR, Variable(sources, text[start:i]), i
                    source = payload
                    break
                raise self.error("invalid variable source", i)

    def source_body(self, source: Source, i: int, strict: bool, first: bool, level: int) -> int:
        """Parameters and address of a typed source; returns the index of the `}` or `,`
        that ends it (negative when the text is not a variable)."""
        text = self.text
        if text[i] == "(":
            source.params, i = self.params(i + 1, level)
            i = self.skip_spaces(i)
            if i >= self.n:
                raise self.unterminated()
            if text[i] in "},":
                return i
            if text[i] != ":":
                raise self.error("invalid variable address", i)
        return self.address(i + 1, source, strict, first, level)

    def _typed_or_literal(self, i: int) -> tuple:
        """A fallback written without quotes: `self:x`, `file(a.yml)`, or a literal like `12`."""
        text, n = self.text, self.n
        k = i
        while k < n and (text[k] in _TYPE_CHARS or text[k] == " "):
            k += 1
        if k >= n:
            raise self.unterminated()
        c = text[k]
        raw = text[i:k]
        if c == ":" or c == "(":
            if not _TYPE_RE.match(raw):
                raise self.error("invalid variable source", i)
            return "source", Source(type=raw), k
        if c == "}":
            literal = raw.strip()
            if literal == "true":
                value: Any = True
            elif literal == "false":
                value = False
            elif literal == "null":
                value = None
            else:
                value = _js_number_of(literal)
                if value is None:
                    raise VariableSyntaxError(
                        f'invalid fallback "{_short(literal)}" at index {i}: quote text (\'{_short(literal)}\') '
                        f"or write a source such as self:{_short(literal)}",
                        i,
                    )
            return "literal", Source(literal=value, is_literal=True), k + 1
        raise self.error("invalid variable source", i)

    def quoted(self, i: int) -> tuple[str, int]:
        text, n = self.text, self.n
        quote = text[i]
        if quote == "'":
            end = text.find("'", i + 1)
            if end < 0:
                raise self.unterminated()
            return text[i + 1 : end], end + 1
        k = i + 1
        while k < n:
            c = text[k]
            if c == "\\":
                k += 2
                continue
            if c == '"':
                break
            k += 1
        if k >= n:
            raise self.unterminated()
        try:
            return json.loads(text[i : k + 1]), k + 1
        except ValueError as error:
            raise VariableSyntaxError(f"invalid string literal at index {i}: {error}", i) from None

    def address(self, i: int, source: Source, strict: bool, first: bool, level: int) -> int:
        """Parse the address after `:`; returns the index of the closing `}` or `,`
        (negative: the text turned out not to be a variable)."""
        text, n = self.text, self.n
        i = self.skip_spaces(i)
        if i >= n:
            raise self.unterminated()
        c = text[i]
        if c == "}" or c == ",":
            return i
        if c == ":":
            if first and source.params is None and not strict:
                return -(i + 1)
            raise self.error("invalid variable address", i)
        if c == '"' or c == "'":
            start = i
            source.address, i = self.quoted(i)
            i = self.skip_spaces(i)
            if i >= n:
                raise self.unterminated()
            if text[i] not in "},":
                raise self.error("invalid variable address", start)
            return i
        segments, i = self.argument(i, "},", level)
        source.address = segments
        return i

    def params(self, i: int, level: int) -> tuple[list, int]:
        text, n = self.text, self.n
        params: list = []
        while True:
            i = self.skip_spaces(i)
            if i >= n:
                raise self.unterminated()
            c = text[i]
            if c == ")":
                return params, i + 1
            if c == ",":
                params.append(None)
                i += 1
                continue
            if c == "}":
                raise self.error("invalid variable parameter", i)
            if c == '"' or c == "'":
                start = i
                value, i = self.quoted(i)
                i = self.skip_spaces(i)
                if i >= n:
                    raise self.unterminated()
                if text[i] not in "),":
                    raise self.error("invalid variable parameter", start)
            else:
                start = i
                value, i = self.argument(i, "),", level, forbidden="}")
                if isinstance(value, str):
                    literal = _parse_param_literal(value)
                    value = literal
            params.append(value)
            if text[i] == ")":
                return params, i + 1
            i += 1

    def argument(self, i: int, stops: str, level: int, forbidden: str = "") -> tuple:
        """Unquoted address or parameter: text with nested variables, up to a stop char."""
        text, n = self.text, self.n
        start = i
        segments: list = []
        buf: list[str] = []
        while True:
            if i >= n:
                raise self.unterminated()
            c = text[i]
            if c in stops:
                break
            if c in forbidden:
                raise self.error("invalid variable parameter", start)
            if c == "$" and i + 1 < n and text[i + 1] == "{":
                _, nested, i = self.dollar(i, strict=True, level=level + 1)
                if buf:
                    segments.append("".join(buf))
                    buf = []
                segments.append(nested)
                continue
            buf.append(c)
            i += 1
        if buf:
            segments.append("".join(buf))
        # v3 trims the raw text of the argument
        if segments and isinstance(segments[-1], str):
            segments[-1] = segments[-1].rstrip()
            if not segments[-1]:
                segments.pop()
        if segments and isinstance(segments[0], str):
            segments[0] = segments[0].lstrip()
            if not segments[0]:
                segments.pop(0)
        if not any(isinstance(s, Variable) for s in segments):
            return "".join(segments), i
        return segments, i


def _parse_param_literal(raw: str) -> Any:
    if raw == "true":
        return True
    if raw == "false":
        return False
    if raw == "null":
        return None
    number = _js_number_of(raw)
    return raw if number is None else number


def parse_variables(text: str) -> Optional[list]:
    """Split `text` into literal strings and `Variable`s; None when it holds no variable
    (nor escape).  Raises VariableSyntaxError."""
    if "${" not in text:
        return None
    return _Parser(text).template()


def _is_whole(segments: list) -> bool:
    return len(segments) == 1 and isinstance(segments[0], Variable)


# --------------------------------------------------------------------------- values


def _js_concat(value: Any) -> Optional[str]:
    """How v3 turns a resolved value into text inside a longer string (None: not allowed)."""
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, dict):
        return None
    if isinstance(value, list):
        parts = []
        for item in value:
            if item is None:
                parts.append("")
            elif isinstance(item, dict):
                parts.append("[object Object]")
            else:
                parts.append(_js_concat(item) or "")
        return ",".join(parts)
    if isinstance(value, float):
        return js_number(value)
    return js_string(value)


def _as_text(value: Any) -> Optional[str]:
    """Coerce a scalar argument to text as v3's `ensureString` does (None if impossible)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return js_string(value)
    return None


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Failed(Exception):
    """Resolution failed; the problem was already recorded."""


class _Abort(Exception):
    """A work bound was exceeded; stop everything."""


_MISSING = object()
PathT = tuple


def _dotted(path: PathT) -> str:
    result = ""
    for key in path:
        result = join_path(result, key)
    return result


def _too_deep(trail: Tuple[str, ...]) -> str:
    """The problem of a value whose variables keep producing variables: the loop they go round when the trail
    repeats itself (two files that include each other, a file that includes itself: resolving is
    deterministic, so a repeat never ends), else the last value after MAX_NEST levels."""
    seen: Dict[str, int] = {}
    for index, text in enumerate(trail):
        if text in seen:
            if index - seen[text] == 1:
                return f'"{_short(text)}" resolves to itself'
            loop = " -> ".join(f'"{_short(t, 60)}"' for t in trail[seen[text] : index + 1])
            return f"these values produce one another in a loop: {loop}"
        seen[text] = index
    return f'resolved values keep producing new variables more than {MAX_NEST} levels deep (last: "{_short(trail[-1])}")'


def _copy_tree(value: Any, counter: Optional["_Resolver"] = None, path: PathT = ()) -> Any:
    """Deep copy of plain data, without recursion; counts copied nodes and characters when asked to (strings
    are shared, not copied, but every copy of one ends up in the output: a 1 MB text referenced 10,000
    times is 10 GB of template)."""
    if isinstance(value, dict):
        root: Any = {}
    elif isinstance(value, (list, tuple)):
        root = []
    else:
        if counter is not None and isinstance(value, str):
            counter.spend_copied_chars(len(value), path)
        return value
    stack = [(value, root)]
    count = 1
    chars = 0
    while stack:
        source, target = stack.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            if isinstance(item, dict):
                copy: Any = {}
                stack.append((item, copy))
            elif isinstance(item, (list, tuple)):
                copy = []
                stack.append((item, copy))
            else:
                copy = item
                if isinstance(item, str):
                    chars += len(item)
            if isinstance(target, dict):
                target[key] = copy
                chars += len(key) if isinstance(key, str) else 0
            else:
                target.append(copy)
        count += len(source)
        if counter is not None and count > 4096:
            counter.spend_nodes(count, path)
            counter.spend_copied_chars(chars, path)
            count = chars = 0
    if counter is not None:
        counter.spend_nodes(count, path)
        counter.spend_copied_chars(chars, path)
    return root


def _list_index(key: str, size: int) -> Optional[int]:
    if key.isdigit() and (key == "0" or not key.startswith("0")):
        index = int(key)
        if index < size:
            return index
    return None


# --------------------------------------------------------------------------- resolver


class _Resolver:
    def __init__(
        self,
        document: dict,
        service_dir: pathlib.Path,
        options: Mapping[str, Any],
        params: Mapping[str, Any],
        env: Mapping[str, str],
    ) -> None:
        self.doc = _copy_tree(document)
        self.service_dir = service_dir
        self.options = options
        self.params = params
        self.env = env
        self.problems: list[Problem] = []
        self._seen_problems: set[tuple[str, str]] = set()
        self.active: list[PathT] = []
        self.active_set: set[PathT] = set()
        self.final: set[PathT] = set()
        self.failed: set[PathT] = set()
        self.final_trees: set[PathT] = set()
        self.placed_depth: dict[PathT, int] = {}
        self.files: dict[pathlib.Path, Any] = {}
        self.steps = 0
        self.nodes = 0
        self.chars = 0
        self.copied_chars = 0
        self.parse_cache: dict[str, Any] = {}

    # bookkeeping --------------------------------------------------------------
    def problem(self, path: PathT, message: str) -> None:
        key = (_dotted(path), message)
        if key not in self._seen_problems:
            self._seen_problems.add(key)
            self.problems.append(Problem(*key))

    def fail(self, path: PathT, message: str) -> _Failed:
        self.problem(path, message)
        return _Failed()

    def abort(self, path: PathT, message: str) -> _Abort:
        self.problem(path, message)
        return _Abort()

    def spend_step(self, path: PathT) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise self.abort(
                path,
                f"variable resolution stopped after {MAX_STEPS:,} variable evaluations; "
                f"the variables reference each other too much (exponential expansion?)",
            )

    def spend_nodes(self, count: int, path: PathT) -> None:
        self.nodes += count
        if self.nodes > MAX_COPIED_NODES:
            raise self.abort(
                path,
                f"variable resolution stopped: resolved values would copy more than "
                f"{MAX_COPIED_NODES:,} values; do variables reference each other so that the "
                f"configuration doubles at every level?",
            )

    def spend_chars(self, count: int, path: PathT) -> None:
        self.chars += count
        if count > MAX_STRING_CHARS or self.chars > MAX_TOTAL_CHARS:
            raise self.abort(
                path,
                f"variable resolution stopped: a resolved string would be longer than "
                f"{MAX_STRING_CHARS:,} characters; do variables reference each other so that "
                f"the text doubles at every level?",
            )

    def spend_copied_chars(self, count: int, path: PathT) -> None:
        self.copied_chars += count
        if self.copied_chars > MAX_COPIED_CHARS:
            raise self.abort(
                path,
                f"variable resolution stopped: resolved values would copy more than {MAX_COPIED_CHARS:,} "
                f"characters of text; do variables reference a long value many times?",
            )

    def get(self, path: PathT) -> Any:
        node: Any = self.doc
        for key in path:
            node = node[key]
        return node

    def put(self, path: PathT, value: Any) -> None:
        parent = self.get(path[:-1])
        parent[path[-1]] = value

    def parse(self, path: PathT, text: str, resolved: bool = False) -> Optional[list]:
        if "${" not in text:
            return None
        cached = self.parse_cache.get(text)
        if cached is not None:
            return cached[0]
        try:
            segments = _Parser(text).template()
        except VariableSyntaxError as error:
            where = "a resolved value " if resolved else ""
            raise self.fail(path, f'invalid variable syntax in {where}"{_short(text)}": {error}') from None
        if len(text) <= 10_000:
            self.parse_cache[text] = (segments,)
        return segments

    def depth_for(self, path: PathT) -> int:
        for size in range(len(path), -1, -1):
            depth = self.placed_depth.get(path[:size])
            if depth is not None:
                return depth
        return 0

    # resolving values in the document ----------------------------------------
    def resolve_at(self, path: PathT, depth: Optional[int] = None, deep: bool = True, trail: Tuple[str, ...] = ()) -> None:
        """Resolve the variables of the string at `path`, in place. `trail`: the texts this one was resolved from
        (a value whose variable gave another variable), to name a loop when one goes too deep."""
        if path in self.failed:
            raise _Failed()
        if path in self.final:
            return
        if path in self.active_set:
            start = self.active.index(path)
            chain = self.active[start:] + [path]
            if len(chain) == 2:
                message = f'circular reference: "{_dotted(path)}" refers to itself'
            else:
                names = " -> ".join(f'"{_dotted(p)}"' for p in chain)
                message = f"circular reference: {names}"
            raise self.fail(path, message)
        text = self.get(path)
        if not isinstance(text, str):
            return
        try:
            segments = self.parse(path, text, resolved=depth is not None and depth > 0)
        except _Failed:
            self.failed.add(path)
            raise
        if segments is None:
            self.final.add(path)
            return
        if depth is None:
            depth = self.depth_for(path)
        if depth > MAX_NEST or text in trail:
            self.failed.add(path)
            raise self.fail(path, _too_deep(trail + (text,)))
        if len(self.active) >= MAX_CHAIN:
            self.failed.add(path)
            raise self.fail(
                path,
                f"more than {MAX_CHAIN} values wait on one another to resolve "
                f'(... -> "{_dotted(self.active[-1])}" -> "{_dotted(path)}"); simplify the references',
            )
        if len(path) > MAX_DEPTH:
            self.failed.add(path)
            raise self.fail(path, f"resolved values nest deeper than {MAX_DEPTH} levels")
        whole = _is_whole(segments)
        self.active.append(path)
        self.active_set.add(path)
        try:
            if whole:
                value = self.evaluate(path, segments[0], depth, deep)
            else:
                value = self.interpolate(path, segments, depth)
        except _Failed:
            self.failed.add(path)
            raise
        finally:
            self.active.pop()
            self.active_set.discard(path)
        if isinstance(value, float) and not math.isfinite(value):
            value = None  # a literal such as 1e999: Infinity, which JSON (so every template) writes as null
        self.put(path, value)
        if not whole:
            self.final.add(path)
            return
        if isinstance(value, str):
            self.resolve_at(path, depth + 1, deep, trail + (text,))
        elif isinstance(value, (dict, list)):
            self.placed_depth[path] = depth + 1
            if deep:
                self.resolve_tree(path)
        else:
            self.final.add(path)

    def resolve_tree(self, path: PathT) -> None:
        """Resolve every variable in the value at `path` (collecting all failures)."""
        if path in self.final_trees:
            return
        node = self.get(path)
        if isinstance(node, str):
            if "${" in node and path not in self.final:
                self.resolve_at(path)
            return
        failed = False
        # depth-first in document order, so problems come out in the order of the file
        stack = [(path, iter(list(node.items()) if isinstance(node, dict) else list(enumerate(node))))]
        while stack:
            current, children = stack[-1]
            for key, child in children:
                if isinstance(child, str):
                    if "${" in child:
                        child_path = current + (key,)
                        if child_path not in self.final:
                            try:
                                self.resolve_at(child_path)
                            except _Failed:
                                failed = True
                elif isinstance(child, (dict, list)):
                    child_path = current + (key,)
                    if child_path not in self.final_trees:
                        items = list(child.items()) if isinstance(child, dict) else list(enumerate(child))
                        stack.append((child_path, iter(items)))
                        break
            else:
                stack.pop()
        if failed:
            raise _Failed()
        self.final_trees.add(path)

    # evaluating variables -----------------------------------------------------
    def evaluate(self, path: PathT, variable: Variable, depth: int, deep: bool = True) -> Any:
        """The value of one variable (not yet resolved further), trying fallbacks in order.

        With ``deep=False`` a `self:` reference to a collection is copied without resolving
        the variables inside it (they are resolved later where the copy lands, if needed)."""
        notes: list[str] = []
        for source in variable.sources:
            if source.is_literal:
                return source.literal
            self.spend_step(path)
            params = None
            if source.params is not None:
                params = [self.argument(path, param, depth) for param in source.params]
            address = self.argument(path, source.address, depth)
            handler = getattr(self, _HANDLERS[source.type]) if source.type in _HANDLERS else None
            if handler is None:
                if source.type in REMOTE_SOURCES:
                    notes.append(
                        f'"{source.type}" is a remote source ({REMOTE_SOURCES[source.type]}) '
                        f"that wsapi does not query"
                    )
                    continue
                raise self.fail(
                    path,
                    f'unknown variable source "{source.type}" in {_short(variable.text)}; supported '
                    f"sources are self, opt, sls, env, file, param, strToBool and aws:region "
                    f"(remote sources {', '.join(REMOTE_SOURCES)} and aws:accountId are not "
                    f"queried, so they need a fallback)",
                )
            value = handler(path, variable, params, address, depth, deep)
            if isinstance(value, tuple) and len(value) == 2 and value[0] is _MISSING:
                notes.append(value[1])
                continue
            if value is None:
                notes.append(f'"{source.type}" source gave no value')
                continue
            return value
        hint = ""
        if len(variable.sources) == 1 and variable.text.endswith("}") and len(variable.text) <= 120:
            hint = f"; add a fallback if that is expected, e.g. {variable.text[:-1]}, 'value'}}"
        notes = list(dict.fromkeys(notes))  # thousands of fallbacks must not make a megabyte-long line
        if len(notes) > MAX_NOTES:
            notes[MAX_NOTES:] = [f"and {len(notes) - MAX_NOTES:,} more fallbacks not found"]
        raise self.fail(path, f"cannot resolve {_short(variable.text)}: {'; '.join(notes)}{hint}")

    def argument(self, path: PathT, argument: Any, depth: int) -> Any:
        """A parameter or address: literal as is, or a template resolved completely."""
        if not isinstance(argument, list):
            return argument
        if _is_whole(argument):
            value = self.evaluate(path, argument[0], depth)
            return self.detached(path, value, depth + 1)
        return self.interpolate(path, argument, depth)

    def interpolate(self, path: PathT, segments: list, depth: int) -> str:
        parts: list[str] = []
        size = 0
        for segment in segments:
            if isinstance(segment, str):
                parts.append(segment)
                size += len(segment)
                continue
            value = self.detached(path, self.evaluate(path, segment, depth), depth + 1)
            text = _js_concat(value)
            if text is None:
                kind = "null" if value is None else "a mapping"
                raise self.fail(
                    path,
                    f"{_short(segment.text)} resolves to {kind}, which cannot be embedded in a longer "
                    f"string; make the variable the whole value, or point it at text",
                )
            parts.append(text)
            size += len(text)
            if size > MAX_STRING_CHARS:
                self.spend_chars(size, path)
        self.spend_chars(size, path)
        return "".join(parts)

    def detached(self, path: PathT, value: Any, depth: int, trail: Tuple[str, ...] = ()) -> Any:
        """Fully resolve a value that is not (yet) part of the document."""
        if isinstance(value, str):
            if "${" not in value:
                return value
            segments = self.parse(path, value, resolved=True)
            if segments is None:
                return value
            if depth > MAX_NEST or value in trail:
                raise self.fail(path, _too_deep(trail + (value,)))
            if _is_whole(segments):
                return self.detached(path, self.evaluate(path, segments[0], depth), depth + 1, trail + (value,))
            return self.interpolate(path, segments, depth)
        if isinstance(value, (dict, list)):
            stack = [value]
            while stack:
                node = stack.pop()
                keys = list(node) if isinstance(node, dict) else range(len(node))
                for key in keys:
                    item = node[key]
                    if isinstance(item, str):
                        if "${" in item:
                            node[key] = self.detached(path, item, depth)
                    elif isinstance(item, (dict, list)):
                        stack.append(item)
        return value

    # looking values up in the document ---------------------------------------
    def lookup(self, keys: list[str], path: PathT, deep: bool = True) -> Any:
        """`${self:...}`: the value at `keys` (a copy), or _MISSING.  Whole-value variables
        on the way are resolved first; the value itself is resolved completely when `deep`."""
        current: PathT = ()
        node: Any = self.doc
        for key in keys:
            if isinstance(node, str) and "${" in node and current not in self.final:
                self.resolve_at(current, deep=False)
                node = self.get(current)
            if isinstance(node, dict):
                if key not in node:
                    return _MISSING
                current = current + (key,)
            elif isinstance(node, list):
                index = _list_index(key, len(node))
                if index is None:
                    return _MISSING
                current = current + (index,)
            else:
                return _MISSING
            node = self.get(current)
        if isinstance(node, str):
            if "${" in node and current not in self.final:
                self.resolve_at(current, deep=deep)
        elif isinstance(node, (dict, list)) and deep:
            self.resolve_tree(current)
        value = self.get(current)
        if value is None:
            return _MISSING
        return _copy_tree(value, self, path)

    def stage(self, path: PathT) -> Any:
        stage = self.outside(path, self.options.get("stage"), "the stage (--stage)")
        if not stage:
            stage = self.lookup(["provider", "stage"], path)
            if stage is _MISSING or not stage:
                stage = "dev"
        return stage

    # sources -----------------------------------------------------------------
    def _text_address(self, path: PathT, variable: Variable, address: Any, source: str) -> Optional[str]:
        if address is None:
            return None
        text = _as_text(address)
        if text is None:
            raise self.fail(
                path, f"the address of {_short(variable.text)} resolves to a {type(address).__name__}, not text"
            )
        return text

    def _required_address(self, path: PathT, variable: Variable, address: Any, source: str, example: str) -> str:
        text = self._text_address(path, variable, address, source)
        if not text:
            raise self.fail(path, f'missing address in {_short(variable.text)}: write e.g. ${{{source}:{example}}}')
        return text

    def source_self(self, path, variable, params, address, depth, deep=True):
        text = self._text_address(path, variable, address, "self")
        keys = text.split(".") if text else []
        value = self.lookup(keys, path, deep)
        if value is _MISSING:
            return (_MISSING, f'"{_short(text)}" is not defined in the configuration (or is null)')
        return value

    def outside(self, path: PathT, value: Any, what: str) -> Any:
        """A value from outside the configuration (an option, a --param, the environment), refused when it
        is not Unicode text: undecodable bytes there reach Python as lone surrogates, which no template,
        terminal or AWS API can take."""
        for text in value.values() if isinstance(value, dict) else (value,):
            problem = not_unicode(text) if isinstance(text, str) else None
            if problem:
                raise self.fail(path, f"{what} is not valid text ({problem}); pass it as UTF-8")
        return value

    def source_opt(self, path, variable, params, address, depth, deep=True):
        text = self._text_address(path, variable, address, "opt")
        if not text:
            return self.outside(path, _copy_tree(dict(self.options)), "an option (--KEY VALUE)")
        value = self.options.get(text)
        if value is None:
            return (_MISSING, f'option "--{_short(text)}" was not given')
        return self.outside(path, _copy_tree(value), f'the value of option "--{_short(text)}"')

    def source_env(self, path, variable, params, address, depth, deep=True):
        text = self._required_address(path, variable, address, "env", "MY_VARIABLE")
        value = self.env.get(text)
        if value is None:
            return (_MISSING, f'environment variable "{_short(text)}" is not set')
        return self.outside(path, value, f'environment variable "{_short(text)}"')

    def source_sls(self, path, variable, params, address, depth, deep=True):
        text = self._required_address(path, variable, address, "sls", "stage")
        if text == "stage":
            return self.stage(path)
        if text == "instanceId":
            return (
                _MISSING,
                "sls:instanceId is a random id Serverless makes up on every run, so wsapi cannot "
                "reproduce it",
            )
        raise self.fail(path, f'unsupported address "{_short(text)}" in {_short(variable.text)}; the sls source offers stage and instanceId')

    def source_aws(self, path, variable, params, address, depth, deep=True):
        text = self._required_address(path, variable, address, "aws", "region")
        if text == "region":
            region = self.outside(path, self.options.get("region"), "the region (--region)")
            if not region:
                region = self.lookup(["provider", "region"], path)
                if region is _MISSING or not region:
                    region = "us-east-1"
            return region
        if text == "accountId":
            return (_MISSING, "aws:accountId needs an AWS call, which wsapi does not make")
        raise self.fail(path, f'unsupported address "{_short(text)}" in {_short(variable.text)}; the aws source offers region and accountId')

    def source_param(self, path, variable, params, address, depth, deep=True):
        name = self._required_address(path, variable, address, "param", "domain")
        value = self.params.get(name)
        if value is not None:
            return self.outside(path, _copy_tree(value), f'the value of "--param {_short(name)}"')
        stage = js_string(self.stage(path))
        for scope in (stage, "default"):
            value = self.lookup(["params", scope, name], path)
            if value is not _MISSING:
                return value
        return (
            _MISSING,
            f'the param "{_short(name)}" is not given as a --param option nor defined under '
            f"params.{stage} or params.default",
        )

    def source_strToBool(self, path, variable, params, address, depth, deep=True):
        if not params or params[0] is None:
            raise self.fail(path, f"missing input in {_short(variable.text)}: write e.g. ${{strToBool(true)}}")
        text = _as_text(params[0])
        if text is None:
            raise self.fail(path, f"the input of {_short(variable.text)} resolves to a {type(params[0]).__name__}, not text")
        lowered = text.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise self.fail(
            path,
            f'invalid input "{_short(text, 60)}" in {_short(variable.text)}: expected "true", "false", "0" or "1"',
        )

    def source_file(self, path, variable, params, address, depth, deep=True):
        if not params or not params[0]:
            raise self.fail(path, f"missing file path in {_short(variable.text)}: write e.g. ${{file(./config.yml):key}}")
        name = _as_text(params[0])
        if name is None:
            raise self.fail(path, f"the file path of {_short(variable.text)} resolves to a {type(params[0]).__name__}, not text")
        key = _as_text(address) if address is not None else None
        if address is not None and key is None:
            raise self.fail(path, f"the address of {_short(variable.text)} resolves to a {type(address).__name__}, not text")
        content = self.read_file(path, variable, name)
        if content is _MISSING:
            return (_MISSING, f'file "{_short(name)}" does not exist (looked for {_short(str(self.service_dir / name))})')
        if not key:
            if content is None:  # v3: an empty YAML/JSON file is an error, even with a fallback
                raise self.fail(path, f'cannot use "{_short(name)}" in {_short(variable.text)}: the file is empty')
            return _copy_tree(content, self, path)
        result = content
        for part in key.split("."):
            if isinstance(result, str):
                result = self.detached(path, result, depth + 1)
            if isinstance(result, dict):
                result = result.get(part)
            elif isinstance(result, list):
                index = _list_index(part, len(result))
                result = None if index is None else result[index]
            else:
                result = None
            if result is None:
                return (_MISSING, f'"{_short(key)}" is not defined in file "{_short(name)}"')
        return _copy_tree(result, self, path)

    def read_file(self, path: PathT, variable: Variable, name: str) -> Any:
        target = self.service_dir / name
        cache_key = pathlib.Path(os.path.normpath(target))
        if cache_key not in self.files:
            try:
                self.files[cache_key] = self._load_file(target, name)
            except _FileProblem as problem:
                self.files[cache_key] = problem
        content = self.files[cache_key]
        if isinstance(content, _FileProblem):
            raise self.fail(path, str(content).replace(_VAR_MARK, _short(variable.text)))
        return content

    def _load_file(self, target: pathlib.Path, name: str) -> Any:
        try:
            if not target.exists():
                return _MISSING
            if target.is_dir():
                raise _FileProblem(f'cannot read "{_short(name)}" for {_VAR_MARK}: it is a folder')
            suffix = target.suffix.lower()
            if suffix in (".js", ".cjs", ".mjs"):
                raise _FileProblem(
                    f'cannot use "{_short(name)}" in {_VAR_MARK}: JavaScript files are not evaluated; '
                    f"convert it to YAML or JSON"
                )
            if suffix in (".yml", ".yaml"):
                return read_document(target, "yaml", allow_empty=True)
            if suffix in (".json", ".tfstate"):
                return read_document(target, "json", allow_empty=True)
            size = target.stat().st_size
            if size > MAX_FILE_BYTES:
                raise _FileProblem(f'cannot read "{_short(name)}" for {_VAR_MARK}: it is larger than {MAX_FILE_BYTES:,} bytes')
            data = target.read_bytes()
        except ConfigError as error:
            details = "; ".join((f"{p.path}: " if p.path else "") + p.message for p in error.problems)
            raise _FileProblem(f'cannot parse "{_short(name)}" (used by {_VAR_MARK}): {details}') from None
        except OSError as error:
            raise _FileProblem(f'cannot read "{_short(name)}" for {_VAR_MARK}: {error.strerror or error}') from None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise _FileProblem(
                f'cannot read "{_short(name)}" for {_VAR_MARK}: not valid UTF-8 (byte offset {error.start})'
            ) from None

    # scoped walking ----------------------------------------------------------
    def walk(self, path: PathT, tokens: list) -> None:
        node = self.get(path)
        if not tokens:
            if isinstance(node, str):
                if "${" in node and path not in self.final:
                    self.resolve_at(path)
            elif isinstance(node, (dict, list)):
                self.resolve_tree(path)
            return
        if isinstance(node, str) and "${" in node and path not in self.final:
            segments = self.parse(path, node)
            if segments is None or not _is_whole(segments):
                return
            self.resolve_at(path, deep=False)
            node = self.get(path)
        token, rest = tokens[0], tokens[1:]
        children: list = []
        if isinstance(token, str):
            if token == "*":
                if isinstance(node, dict):
                    children = list(node)
            elif isinstance(node, dict) and token in node:
                children = [token]
        elif isinstance(node, list):
            if token == -1:
                children = list(range(len(node)))
            elif 0 <= token < len(node):
                children = [token]
        failed = False
        for child in children:
            try:
                self.walk(path + (child,), rest)
            except _Failed:
                failed = True
        if failed:
            raise _Failed()


class _FileProblem(Exception):
    """A file that `${file(...)}` cannot use; the message names the variable at _VAR_MARK."""


_VAR_MARK = "\0variable\0"


_PATTERN_TOKEN_RE = re.compile(r"\[(\*|[0-9]+)\]|([^.\[\]]+)")


def _parse_pattern(pattern: str) -> list:
    """`functions.*.events[*].websocket` -> ["functions", "*", "events", -1, "websocket"]."""
    tokens: list = []
    position = 0
    expect_key = True
    while position < len(pattern):
        if pattern[position] == "." and not expect_key and tokens:
            position += 1
            expect_key = True
            continue
        match = _PATTERN_TOKEN_RE.match(pattern, position)
        if not match:
            raise ValueError(f"invalid path pattern {pattern!r} at {position}")
        if match.group(1) is not None:
            if not tokens:
                raise ValueError(f"invalid path pattern {pattern!r}: an index needs a key before it")
            tokens.append(-1 if match.group(1) == "*" else int(match.group(1)))
            expect_key = False
        else:
            if not expect_key:
                raise ValueError(f"invalid path pattern {pattern!r} at {position}")
            tokens.append(match.group(2))
            expect_key = False
        position = match.end()
    if not tokens or expect_key:
        raise ValueError(f"invalid path pattern {pattern!r}")
    return tokens


# --------------------------------------------------------------------------- API


def resolve_variables(
    document: dict,
    *,
    service_dir: Union[str, os.PathLike, pathlib.Path],
    options: Optional[Mapping[str, str]] = None,
    params: Optional[Mapping[str, str]] = None,
    env: Optional[Mapping[str, str]] = None,
    only: Optional[Iterable[str]] = None,
) -> dict:
    """Return a copy of `document` with its Serverless v3 variables resolved.

    `only` limits resolution to dotted path patterns (`*` any key, `[*]` any index); a
    whole-value variable met on the way to a pattern is resolved and descended into, and
    `self:` references are resolved on demand wherever they point.  Every problem found is
    raised together as one ConfigError.
    """
    if not isinstance(document, dict):
        raise ConfigError([Problem("", "the configuration must be a mapping to resolve its variables")])
    if isinstance(only, str):
        only = (only,)
    patterns = None if only is None else [_parse_pattern(pattern) for pattern in only]
    resolver = _Resolver(
        document,
        pathlib.Path(service_dir),
        dict(options or {}),
        dict(params or {}),
        os.environ if env is None else env,
    )
    try:
        if patterns is None:
            try:
                resolver.resolve_tree(())
            except _Failed:
                pass
        else:
            for tokens in patterns:
                try:
                    resolver.walk((), tokens)
                except _Failed:
                    pass
    except _Abort:
        pass
    except RecursionError:
        resolver.problem((), "variables reference each other too deeply to resolve; simplify the references")
    if resolver.problems:
        raise ConfigError(resolver.problems)
    return resolver.doc


def stage_of(
    document: Mapping[str, Any],
    options: Optional[Mapping[str, Any]] = None,
    *,
    service_dir: Union[str, os.PathLike, pathlib.Path, None] = None,
    env: Optional[Mapping[str, str]] = None,
    params: Optional[Mapping[str, str]] = None,
) -> str:
    """The stage as v3's `${sls:stage}` gives it: the `stage` option, else `provider.stage`
    (its variables resolved, relative to `service_dir`, default the current folder), else
    "dev".  Raises ConfigError when `provider.stage` cannot be resolved."""
    stage = (options or {}).get("stage")
    if stage:
        return js_string(stage)
    if not isinstance(document, Mapping):
        return "dev"
    provider = document.get("provider")
    needs_resolving = isinstance(provider, str) and "${" in provider
    stage = provider.get("stage") if isinstance(provider, Mapping) else None
    needs_resolving = needs_resolving or (isinstance(stage, str) and "${" in stage)
    if needs_resolving:
        resolved = resolve_variables(
            dict(document),
            service_dir=service_dir if service_dir is not None else pathlib.Path.cwd(),
            options=options,
            params=params,
            env=env,
            only=("provider.stage",),
        )
        provider = resolved.get("provider")
        stage = provider.get("stage") if isinstance(provider, dict) else None
    if not stage:
        return "dev"
    return js_string(stage)
