"""Find, read and parse a Serverless Framework v3 configuration file (YAML or JSON).

YAML is read the way Serverless v3 reads it (js-yaml's default schema plus the
CloudFormation short-form tags), so values come out with the same types:

* ``!Ref X`` -> ``{"Ref": "X"}``, ``!GetAtt A.B`` -> ``{"Fn::GetAtt": ["A", "B"]}``,
  ``!Sub ...`` -> ``{"Fn::Sub": ...}`` and so on for every short-form tag;
* only ``true``/``false`` (any case style js-yaml accepts) are booleans, so ``yes``,
  ``on`` and ``off`` stay strings;
* timestamps become the ISO-8601 string that JSON-serialising a JS ``Date`` gives
  (``2012-10-17`` -> ``"2012-10-17T00:00:00.000Z"``), ``.inf``/``.nan`` become
  ``None`` (v3 passes the parsed configuration through ``JSON.stringify``);
* mapping keys are strings, as in a JavaScript object (``1: x`` -> ``{"1": "x"}``);
* integral numbers are ``int`` (``1e3`` and ``1.0`` -> ``1000`` and ``1``), as after
  ``JSON.stringify``.

Hostile input is rejected early and in bounded memory: the document is read as a
stream of parser events, the expanded size, text length and nesting depth are measured
on the composed node graph (aliases are counted once per use, with memoised sizes) before
any Python value is built.
"""

from __future__ import annotations

import datetime as _dt
import decimal as _decimal
import json
import math
import os
import pathlib
import re
from typing import Any, Optional, Union

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from .errors import ConfigError, Problem, join_path
from .readers import type_name

__all__ = [
    "find_config", "load_config", "parse_document", "not_unicode", "MAX_FILE_BYTES", "MAX_NODES", "MAX_TEXT_CHARS",
    "MAX_DEPTH",
]

#: Largest configuration file read, in bytes.
MAX_FILE_BYTES = 10 * 1024 * 1024
#: Largest document, counted in nodes (mapping keys included) after expanding every alias. A large real
#: service has a few thousand; the bound keeps reading any input under about a second and 100 MB.
MAX_NODES = 250_000
#: Most characters of text (scalars and keys) after expanding every alias: as many as the largest file can
#: hold, so only aliases repeating a long text can exceed it (and then every copy downstream would too).
MAX_TEXT_CHARS = MAX_FILE_BYTES
#: Deepest nesting of mappings/sequences (after expanding aliases).
MAX_DEPTH = 200

CONFIG_NAMES = ("serverless.yml", "serverless.yaml", "serverless.json")
_SCRIPT_NAMES = ("serverless.js", "serverless.ts", "serverless.cjs", "serverless.mjs")
_YAML_SUFFIXES = {".yml", ".yaml"}
_JSON_SUFFIXES = {".json"}
_SCRIPT_SUFFIXES = {".js", ".ts", ".cjs", ".mjs"}

try:  # the C (libyaml) parser is much faster; the pure-Python one is the fallback
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    _CParser = None

PathLike = Union[str, "os.PathLike[str]"]


# --------------------------------------------------------------------------- files


def _fail(file: str, message: str, path: str = "") -> ConfigError:
    return ConfigError([Problem(path, message)], file)


def find_config(path: PathLike) -> pathlib.Path:
    """Return the configuration file for `path` (a file, or a service folder to search)."""
    p = pathlib.Path(path)
    try:
        return _find(p)
    except OSError as error:  # e.g. a folder we may not list
        raise _fail(str(p), f"cannot look for the configuration: {error.strerror or error}") from None


def _find(p: pathlib.Path) -> pathlib.Path:
    if p.is_dir():
        for name in CONFIG_NAMES:
            candidate = p / name
            if candidate.is_file():
                return candidate
        scripts = [name for name in _SCRIPT_NAMES if (p / name).is_file()]
        if scripts:
            raise _fail(
                str(p / scripts[0]),
                f"found {scripts[0]} in {p}, but only YAML or JSON configurations are supported; "
                f"convert it to serverless.yml (or serverless.json)",
            )
        raise _fail(
            str(p),
            f"no serverless.yml, serverless.yaml or serverless.json found in folder {p}",
        )
    if p.exists():
        return p
    raise _fail(str(p), f"{p} does not exist; give the path of serverless.yml or of the service folder")


def _read_bytes(p: pathlib.Path) -> bytes:
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _fail(str(p), _too_large_message(size))
        with open(p, "rb") as handle:
            # read(n) allocates n bytes up front: ask for the size stat gave (plus one, to see growth), and
            # read on up to the limit only for a file that grew or has no size (a pipe, /proc)
            data = handle.read(size + 1)
            if len(data) > size:
                data += handle.read(MAX_FILE_BYTES + 1 - len(data))
    except OSError as error:
        raise _fail(str(p), f"cannot read the file: {error.strerror or error}") from None
    if len(data) > MAX_FILE_BYTES:
        raise _fail(str(p), _too_large_message(len(data)))
    return data


def _kind_of(p: pathlib.Path) -> Optional[str]:
    suffix = p.suffix.lower()
    if suffix in _YAML_SUFFIXES:
        return "yaml"
    if suffix in _JSON_SUFFIXES:
        return "json"
    return None


def load_config(path: PathLike) -> tuple[pathlib.Path, dict]:
    """Find, read and parse the configuration; its top level must be a mapping."""
    p = find_config(path)
    kind = _kind_of(p)
    if kind is None:
        if p.suffix.lower() in _SCRIPT_SUFFIXES:
            raise _fail(
                str(p),
                f"{p.name} is a JavaScript/TypeScript configuration; only YAML or JSON "
                f"configurations are supported, convert it to serverless.yml (or serverless.json)",
            )
        raise _fail(
            str(p),
            f'unsupported file extension "{p.suffix}"; use a .yml, .yaml or .json configuration file',
        )
    document = parse_document(_read_bytes(p), str(p), kind)
    if not isinstance(document, dict):
        raise _fail(
            str(p),
            f"the top level must be a mapping (key: value pairs such as `service: my-service`), "
            f"found {_describe(document)}",
        )
    return p, document


def read_document(p: pathlib.Path, kind: Optional[str] = None, *, allow_empty: bool = False) -> Any:
    """Read and parse one YAML or JSON file (kind from its extension unless given);
    used for `${file(...)}`.  Raises ConfigError."""
    kind = kind or _kind_of(p) or "yaml"
    return parse_document(_read_bytes(p), str(p), kind, allow_empty=allow_empty)


def _describe(value: Any) -> str:
    """What a document is when it is not a mapping (a bare null reads better spelled out)."""
    return "an empty value (null)" if value is None else type_name(value)


def _short(text: str, limit: int = 80) -> str:
    """User text quoted in a message, cut so that a megabyte-long key or scalar gives a readable line."""
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text):,} characters)"


def _too_large_message(size: int) -> str:
    return (
        f"the file is {size:,} bytes, larger than the {MAX_FILE_BYTES:,} bytes "
        f"({MAX_FILE_BYTES // (1024 * 1024)} MB) limit"
    )


# --------------------------------------------------------------------------- entry point


def parse_document(
    text_or_bytes: Union[str, bytes, bytearray],
    name: str,
    kind: str = "yaml",
    *,
    allow_empty: bool = False,
) -> Any:
    """Parse YAML or JSON text; every problem is raised as one ConfigError for `name`.

    With ``allow_empty`` an empty (or comment-only) document gives ``None`` instead of a
    problem, which is how v3 treats an empty file included with ``${file(...)}``.
    """
    if kind not in ("yaml", "json"):
        raise ValueError(f'kind must be "yaml" or "json", not {kind!r}')
    if isinstance(text_or_bytes, (bytes, bytearray)):
        if len(text_or_bytes) > MAX_FILE_BYTES:
            raise _fail(name, _too_large_message(len(text_or_bytes)))
        try:
            text = bytes(text_or_bytes).decode("utf-8")
        except UnicodeDecodeError as error:
            bad = text_or_bytes[error.start]
            raise _fail(
                name,
                f"the file is not valid UTF-8: byte 0x{bad:02x} at byte offset {error.start} "
                f"cannot be decoded; save the file as UTF-8",
            ) from None
    elif isinstance(text_or_bytes, str):
        text = text_or_bytes
        if len(text) > MAX_FILE_BYTES:
            raise _fail(name, _too_large_message(len(text)))
    else:
        raise TypeError("parse_document expects str or bytes")
    if text.startswith("\ufeff"):
        text = text[1:]
    if kind == "json":
        return _parse_json(text, name, allow_empty)
    return _parse_yaml(text, name, allow_empty)


_EMPTY_MESSAGE = "the file is empty (it holds only whitespace or comments); expected a mapping such as `service: my-service`"


# --------------------------------------------------------------------------- YAML: events -> node graph


class _Node:
    """A composed YAML node; `size`, `chars` and `height` are those of its alias-expanded form."""

    __slots__ = ("kind", "tag", "value", "plain", "line", "column", "size", "chars", "height")

    def __init__(self, kind: str, tag: Optional[str], value: Any, plain: bool, line: int, column: int) -> None:
        self.kind = kind  # "scalar" | "seq" | "map"
        self.tag = tag
        self.value = value  # str | list[_Node] | list[tuple[_Node, _Node]]
        self.plain = plain
        self.line = line  # 1-based
        self.column = column  # 1-based
        self.size = 1
        self.chars = len(value) if kind == "scalar" else 0
        self.height = 0


class _Frame:
    __slots__ = ("node", "anchor", "path", "key", "pending_key")

    def __init__(self, node: _Node, anchor: Optional[str], path: str) -> None:
        self.node = node
        self.anchor = anchor
        self.path = path
        self.key: Optional[str] = None  # text of the current key, for error paths
        self.pending_key: Optional[_Node] = None


class _Stop(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.problem = Problem(path, message)


class _PyParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


def _make_parser(text: str) -> Any:
    if _CParser is not None:
        return _CParser(text)
    return _PyParser(text)


def _key_text(node: _Node) -> str:
    if node.kind != "scalar":
        return "?"
    return _js_key(_construct_scalar_value(node)) if node.tag is None else node.value


def _child_path(frame: Optional[_Frame]) -> str:
    if frame is None:
        return ""
    if frame.node.kind == "seq":
        return join_path(frame.path, len(frame.node.value))
    if frame.pending_key is None:
        return frame.path
    return join_path(frame.path, frame.key or "?")


def _compose(text: str, name: str) -> Optional[_Node]:
    """Turn the event stream into a node graph, enforcing the depth and expansion bounds."""
    try:
        parser = _make_parser(text)
    except UnicodeError as error:  # text with lone surrogates cannot be handed to libyaml
        raise ConfigError([Problem("", f"the text cannot be encoded as UTF-8: {error}")], name) from None
    except yaml.reader.ReaderError as error:  # the pure-Python reader checks characters up front
        raise ConfigError([Problem("", _reader_message(text, error))], name) from None
    stack: list[_Frame] = []
    anchors: dict[str, _Node] = {}
    root: Optional[_Node] = None
    documents = 0
    escapes = _SURROGATE_ESCAPE_RE.search(text) is not None

    def attach(node: _Node, via_alias: Optional[str] = None, line: int = 0, column: int = 0) -> None:
        nonlocal root
        line, column = (line, column) if via_alias else (node.line, node.column)
        if not stack:
            root = node
            return
        frame = stack[-1]
        parent = frame.node
        depth = len(stack) + node.height
        if depth > MAX_DEPTH:
            raise _Stop(_child_path(frame), _depth_message(line, column, via_alias))
        parent.size += node.size
        if parent.size > MAX_NODES:
            raise _Stop(_child_path(frame), _bomb_message(line, via_alias, bool(anchors)))
        parent.chars += node.chars
        if parent.chars > MAX_TEXT_CHARS:  # only aliases can get here: a file holds fewer characters
            raise _Stop(_child_path(frame), _text_bomb_message(line, via_alias))
        if node.height + 1 > parent.height:
            parent.height = node.height + 1
        if parent.kind == "seq":
            parent.value.append(node)
        elif frame.pending_key is None:
            frame.pending_key = node
            frame.key = _key_text(node)
        else:
            parent.value.append((frame.pending_key, node))
            frame.pending_key = None
            frame.key = None

    try:
        while True:
            event = parser.get_event()
            cls = type(event)
            if cls is ScalarEvent:
                mark = event.start_mark
                tag = event.tag
                plain = bool(event.implicit[0]) and tag is None
                node = _Node("scalar", tag, event.value, plain, mark.line + 1, mark.column + 1)
                if escapes and _SURROGATE_RE.search(event.value):
                    where = f" at line {node.line}, column {node.column}"
                    path = _child_path(stack[-1]) if stack else ""
                    raise _Stop(path, _surrogate_message(event.value, "the string", where))
                if event.anchor is not None:
                    anchors[event.anchor] = node
                attach(node)
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                mark = event.start_mark
                kind = "map" if cls is MappingStartEvent else "seq"
                node = _Node(kind, event.tag, [], False, mark.line + 1, mark.column + 1)
                path = _child_path(stack[-1]) if stack else ""
                if len(stack) + 1 > MAX_DEPTH:
                    raise _Stop(path, _depth_message(node.line, node.column, None))
                stack.append(_Frame(node, event.anchor, path))
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                frame = stack.pop()
                if frame.anchor is not None:
                    anchors[frame.anchor] = frame.node
                attach(frame.node)
            elif cls is AliasEvent:
                mark = event.start_mark
                target = anchors.get(event.anchor)
                if target is None:
                    raise _Stop(
                        _child_path(stack[-1]) if stack else "",
                        f'alias "*{event.anchor}" at line {mark.line + 1}, column {mark.column + 1} '
                        f'refers to an anchor "&{event.anchor}" that is not defined before it '
                        f"(an alias cannot point to a collection that contains it)",
                    )
                attach(target, event.anchor, mark.line + 1, mark.column + 1)
            elif cls is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    mark = event.start_mark
                    raise _Stop(
                        "",
                        f"a second YAML document starts at line {mark.line + 1}; "
                        f"the file must hold exactly one document (remove the extra `---`)",
                    )
            elif cls is StreamEndEvent:
                break
    except _Stop as stop:
        raise ConfigError([stop.problem], name) from None
    except yaml.MarkedYAMLError as error:
        path = _child_path(stack[-1]) if stack else ""
        raise ConfigError([Problem(path, _syntax_message(error))], name) from None
    except yaml.reader.ReaderError as error:
        raise ConfigError([Problem("", _reader_message(text, error))], name) from None
    except yaml.YAMLError as error:  # pragma: no cover - any other parser complaint
        raise ConfigError([Problem("", f"YAML error: {error}")], name) from None
    except UnicodeError as error:  # pragma: no cover - reported when the parser is made
        raise ConfigError([Problem("", f"the text cannot be encoded as UTF-8: {error}")], name) from None
    finally:
        parser.dispose()
    return root


def _depth_message(line: int, column: int, alias: Optional[str]) -> str:
    through = f' through alias "*{alias}"' if alias else ""
    return (
        f"nesting is deeper than {MAX_DEPTH} levels{through} at line {line}, column {column}; "
        f"flatten the structure"
    )


def _bomb_message(line: Optional[int], alias: Optional[str], aliases: bool = True) -> str:
    if not alias and not aliases:  # plainly too big (anchors are what aliases need)
        where = f" (at line {line})" if line else ""
        return (
            f"the document holds more than {MAX_NODES:,} values{where}; refusing to load it (a serverless.yml "
            f"needs far fewer: keep bulk data out of the configuration)"
        )
    through = f' (alias "*{alias}" at line {line})' if alias else f" (at line {line})"
    return (
        f"the document would expand to more than {MAX_NODES:,} values through YAML aliases{through}; "
        f"refusing to load it (protection against alias bombs such as 'billion laughs')"
    )


def _text_bomb_message(line: int, alias: Optional[str]) -> str:
    through = f'alias "*{alias}" at line {line}' if alias else f"at line {line}"
    return (
        f"the document would expand to more than {MAX_TEXT_CHARS:,} characters of text through YAML aliases "
        f"({through}); refusing to load it (protection against aliases that repeat a long text many times)"
    )


def _syntax_message(error: yaml.MarkedYAMLError) -> str:
    mark = error.problem_mark or error.context_mark
    problem = error.problem or "invalid YAML"
    if problem == "exceeded maximum nesting depth" and mark is not None:
        return _depth_message(mark.line + 1, mark.column + 1, None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    message = f"YAML syntax error{where}: {problem}"
    if error.context and error.context_mark is not None:
        message += f" ({error.context} started at line {error.context_mark.line + 1}, column {error.context_mark.column + 1})"
    elif error.context:
        message += f" ({error.context})"
    if mark is not None and mark.column > 1024 and ("mapping values" in problem or "or '}'" in problem):
        # YAML reads at most 1,024 characters as an implicit key
        message += (
            "; a key longer than 1,024 characters must be written as an explicit key: `? the-long-key` on "
            "one line, `: value` on the next"
        )
    return message


def _reader_message(text: str, error: yaml.reader.ReaderError) -> str:
    position = max(0, min(int(error.position or 0), len(text)))
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    character = error.character
    if isinstance(character, str):
        code = ord(character)
    else:
        code = int(character or 0)
    return (
        f"character U+{code:04X} at line {line}, column {column} is not allowed in YAML; remove it "
        f"(inside double quotes it can be written as an escape such as \\u{code:04X})"
    )


# --------------------------------------------------------------------------- YAML: node graph -> values

_CFN_FUNCTIONS = (
    "And", "Base64", "Cidr", "Condition", "Equals", "FindInMap", "GetAtt", "GetAZs",
    "If", "ImportValue", "Join", "Not", "Or", "Ref", "Select", "Split", "Sub",
)
_CFN_TAGS = {
    f"!{name}": (name if name in ("Ref", "Condition") else f"Fn::{name}") for name in _CFN_FUNCTIONS
}
_STD = "tag:yaml.org,2002:"

_INT_RE = re.compile(r"[-+]?(?:0b[01]+|0x[0-9a-fA-F]+|0o[0-7]+|[0-9]+)\Z")
_FLOAT_RE = re.compile(
    r"(?:[-+]?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?"
    r"|\.[0-9]+(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)"
    r"|\.(?:nan|NaN|NAN))\Z"
)
_DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
_TIMESTAMP_RE = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]*))?"
    r"(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?\Z"
)

#: An integer written with more decimal digits than this is beyond the largest double (1.8e308).
_MAX_DOUBLE_DIGITS = 309

_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUES = {"true", "True", "TRUE"}
_FALSES = {"false", "False", "FALSE"}
_NOT_FOUND = object()


def _parse_int(text: str) -> Any:
    if not _INT_RE.match(text):
        return _NOT_FOUND
    sign = -1 if text[0] == "-" else 1
    body = text[1:] if text[0] in "+-" else text
    prefix = body[:2]
    if prefix not in ("0b", "0x", "0o"):
        body = body.lstrip("0") or "0"  # int() counts leading zeros towards its 4,300-digit limit too
        if len(body) > _MAX_DOUBLE_DIGITS:  # beyond the largest double: not a finite JS number
            return _NOT_FOUND
    if prefix == "0b":
        value = int(body[2:], 2)
    elif prefix == "0x":
        value = int(body[2:], 16)
    elif prefix == "0o":
        value = int(body[2:], 8)
    else:
        value = int(body, 10)
    try:
        float(value)
    except OverflowError:  # not a finite JS number: js-yaml keeps it as text
        return _NOT_FOUND
    return sign * value


def _parse_float(text: str) -> Any:
    if not _FLOAT_RE.match(text):
        return _NOT_FOUND
    lowered = text.lower()
    if lowered.lstrip("+-") in (".inf", ".nan"):
        return None  # JSON.stringify turns Infinity/NaN into null
    value = float(text)
    if math.isinf(value):
        return _NOT_FOUND
    return _plain_number(value)


def _plain_number(value: float) -> Any:
    """JavaScript has one number type: an integral double is an integer once serialised."""
    if value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _timestamp(text: str) -> Any:
    """The string a JS Date built by js-yaml serialises to (`Date.prototype.toJSON`)."""
    match = _DATE_RE.match(text)
    parts: tuple = ()
    if match:
        parts = (match.group(1), match.group(2), match.group(3), None, None, None, None, None, None, None, None)
    else:
        match = _TIMESTAMP_RE.match(text)
        if not match:
            return _NOT_FOUND
        parts = match.groups()
    year, month, day = int(parts[0]), int(parts[1]), int(parts[2])
    if year < 100:  # Date.UTC maps years 0..99 to 1900..1999
        year += 1900
    hour = int(parts[3] or 0)
    minute = int(parts[4] or 0)
    second = int(parts[5] or 0)
    millis = int((parts[6] or "")[:3].ljust(3, "0")) if parts[3] is not None and parts[6] else 0
    offset = 0
    if parts[8]:
        offset = (int(parts[9]) * 60 + int(parts[10] or 0)) * 60
        if parts[8] == "-":
            offset = -offset
    try:
        # Date.UTC lets months, days and hours overflow into the next unit
        year += (month - 1) // 12
        month = (month - 1) % 12 + 1
        moment = _dt.datetime(year, month, 1) + _dt.timedelta(
            days=day - 1, hours=hour, minutes=minute, seconds=second - offset, milliseconds=millis
        )
    except (OverflowError, ValueError):
        return _NOT_FOUND
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:"
        f"{moment.minute:02d}:{moment.second:02d}.{moment.microsecond // 1000:03d}Z"
    )


def _implicit(text: str) -> Any:
    if text in _NULLS:
        return None
    if text in _TRUES:
        return True
    if text in _FALSES:
        return False
    first = text[0]
    if first in "+-.0123456789":
        value = _parse_int(text)
        if value is not _NOT_FOUND:
            return value
        value = _parse_float(text)
        if value is not _NOT_FOUND:
            return value
        if first.isdigit():
            value = _timestamp(text)
            if value is not _NOT_FOUND:
                return value
    return text


def _construct_scalar_value(node: _Node) -> Any:
    return _implicit(node.value) if node.plain else node.value


def js_string(value: Any) -> str:
    """How JavaScript's String() renders a scalar (numbers as JS prints them)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return js_number(value)
    return str(value)


def js_number(value: float) -> str:
    """Number.prototype.toString() for a double (shortest round-trip digits, JS layout)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    exact = _decimal.Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(map(str, exact.digits))
    k = len(digits)
    point = k + exact.exponent  # position of the decimal point relative to `digits`
    if k <= point <= 21:
        text = digits + "0" * (point - k)
    elif 0 < point <= 21:
        text = digits[:point] + "." + digits[point:]
    elif -6 < point <= 0:
        text = "0." + "0" * (-point) + digits
    else:
        e = point - 1
        exp = f"e{'+' if e >= 0 else '-'}{abs(e)}"
        text = digits[0] + ("." + digits[1:] if k > 1 else "") + exp
    return sign + text


def _js_key(value: Any) -> str:
    return js_string(value)


class _Builder:
    """Builds Python values from the node graph, collecting every problem."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._reported: set[tuple[int, str]] = set()

    def report(self, node: _Node, path: str, message: str) -> None:
        key = (id(node), message)
        if key in self._reported:  # an anchored node used several times is reported once
            return
        self._reported.add(key)
        self.problems.append(Problem(path, message))

    def build(self, node: _Node, path: str) -> Any:
        tag = node.tag
        if tag is not None and tag in _CFN_TAGS:
            return {_CFN_TAGS[tag]: self._cfn_value(tag, node, path)}
        if node.kind == "scalar":
            return self._scalar(node, path)
        if node.kind == "seq":
            if tag not in (None, "!", _STD + "seq"):
                self._unknown_tag(node, path)
            return [self.build(item, join_path(path, index)) for index, item in enumerate(node.value)]
        if tag not in (None, "!", _STD + "map"):
            self._unknown_tag(node, path)
        return self._mapping(node, path)

    def _cfn_value(self, tag: str, node: _Node, path: str) -> Any:
        if node.kind == "scalar":
            text = node.value
            if tag == "!GetAtt":
                resource, _, attribute = text.partition(".")
                return [resource, attribute]
            return text
        if node.kind == "seq":
            return [self.build(item, join_path(path, index)) for index, item in enumerate(node.value)]
        return self._mapping(node, path)

    def _unknown_tag(self, node: _Node, path: str) -> None:
        self.report(
            node,
            path,
            f'unknown tag "{_short(node.tag)}" at line {node.line}, column {node.column}; supported tags are the '
            f"CloudFormation short forms ({', '.join('!' + n for n in _CFN_FUNCTIONS)}) and the standard "
            f"!!str, !!int, !!float, !!bool, !!null, !!timestamp, !!map, !!seq",
        )

    def _scalar(self, node: _Node, path: str) -> Any:
        tag = node.tag
        text = node.value
        if tag is None:
            return _implicit(text) if node.plain else text
        if tag in ("!", _STD + "str"):
            return text
        if tag == _STD + "null":
            if text in _NULLS:
                return None
        elif tag == _STD + "bool":
            if text in _TRUES:
                return True
            if text in _FALSES:
                return False
        elif tag == _STD + "int":
            value = _parse_int(text)
            if value is not _NOT_FOUND:
                return value
        elif tag == _STD + "float":
            value = _parse_float(text)
            if value is not _NOT_FOUND:
                return value
        elif tag == _STD + "timestamp":
            value = _timestamp(text)
            if value is not _NOT_FOUND:
                return value
        else:
            self._unknown_tag(node, path)
            return text
        self.report(
            node,
            path,
            f'"{_short(text)}" at line {node.line}, column {node.column} is not a valid value for tag "{tag}"',
        )
        return text

    def _is_merge(self, key: _Node) -> bool:
        return key.kind == "scalar" and key.value == "<<" and (key.plain or key.tag == _STD + "merge")

    def _mapping(self, node: _Node, path: str) -> dict:
        result: dict[str, Any] = {}
        explicit: dict[str, int] = {}  # key -> line of its first explicit definition
        merged: set[str] = set()
        for key_node, value_node in node.value:
            if self._is_merge(key_node):
                self._merge(result, merged, explicit, value_node, path)
                continue
            if key_node.kind != "scalar":
                self.report(
                    key_node,
                    path,
                    f"a mapping key at line {key_node.line}, column {key_node.column} is a "
                    f"{'list' if key_node.kind == 'seq' else 'mapping'}; keys must be plain text",
                )
                continue
            if key_node.tag in _CFN_TAGS:
                self.report(
                    key_node,
                    path,
                    f'tag "{key_node.tag}" cannot be used on a mapping key (line {key_node.line}, '
                    f"column {key_node.column})",
                )
                continue
            key = _js_key(self._scalar(key_node, path))
            child = join_path(path, key)
            if key in explicit:
                self.report(
                    key_node,
                    child,
                    f'duplicate key "{_short(key)}": first defined at line {explicit[key]}, again at line '
                    f"{key_node.line}; remove one of them",
                )
                continue
            explicit[key] = key_node.line
            result[key] = self.build(value_node, child)
        return result

    def _merge(self, result: dict, merged: set, explicit: dict, value: _Node, path: str) -> None:
        sources = value.value if (value.kind == "seq" and value.tag is None) else [value]
        for source in sources:
            if source.kind != "map" or source.tag in _CFN_TAGS:
                self.report(
                    value,
                    join_path(path, "<<"),
                    f"the merge key `<<` at line {value.line} needs a mapping or a list of mappings "
                    f"(usually an alias such as `<<: *defaults`)",
                )
                continue
            for key, item in self._mapping(source, path).items():
                if key not in result:
                    result[key] = item
                    merged.add(key)


_CONTENT_LINE_RE = re.compile(r"^[ \t\r\f\v]*[^ \t\r\f\v\n#]", re.MULTILINE)


def _parse_yaml(text: str, name: str, allow_empty: bool) -> Any:
    if not _CONTENT_LINE_RE.search(text):  # only blank lines and comments (tabs too)
        if allow_empty:
            return None
        raise _fail(name, _EMPTY_MESSAGE)
    root = _compose(text, name)
    if root is None:
        if allow_empty:
            return None
        raise _fail(name, _EMPTY_MESSAGE)
    if root.kind == "scalar" and root.plain and root.value == "" and not allow_empty:
        raise _fail(name, _EMPTY_MESSAGE)  # a bare `---` with nothing after it
    builder = _Builder()
    value = builder.build(root, "")
    if builder.problems:
        raise ConfigError(builder.problems, name)
    return value


# --------------------------------------------------------------------------- JSON

_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F]|\\U0000[dD][89a-fA-F]")
_JSON_TOKEN_RE = re.compile(r'"(?:[^"\\\n]|\\.)*"?|[\[\]{}]')
_JSON_STRING_RE = re.compile(r'"(?:[^"\\\n]|\\.)*"?')  # an unterminated string ends at its line
_JSON_BRACKET_RE = re.compile(r"[\[\]{}]")
_JSON_WS_RE = re.compile(r"[ \t\n\r]*")
_JSON_NUMBER_RE = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


class _JsonConstant(Exception):
    pass


def _json_float(text: str) -> Any:
    value = float(text)
    if math.isinf(value):
        return None  # JSON.parse gives Infinity, which v3's JSON round trip turns into null
    return _plain_number(value)


def _json_int(text: str) -> Any:
    digits = len(text) - (text[0] == "-")
    if digits > _MAX_DOUBLE_DIGITS:  # int() refuses more than 4,300 digits; JSON.parse gives +-Infinity
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
        raise _fail(name, _bomb_message(None, None, aliases=False))
    depth = 0
    for match in _JSON_BRACKET_RE.finditer(skeleton):
        if match.group() in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                _check_json_depth(text, name)  # finds where, in the original text
                raise _fail(name, _depth_message(0, 0, None))  # pragma: no cover - found above
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
                raise _fail(name, _depth_message(line, column, None))
        elif token in ("]", "}"):
            depth -= 1


def _parse_json(text: str, name: str, allow_empty: bool) -> Any:
    if not text.strip():
        if allow_empty:
            return None
        raise _fail(name, "the file is empty (it holds only whitespace); expected a JSON object")
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
        raise _fail(name, f"JSON syntax error at line {error.lineno}, column {error.colno}: {error.msg}") from None
    except _JsonConstant as error:
        constant = str(error)
        match = re.search(re.escape(constant), text)
        where = ""
        if match:
            line, column = _line_col(text, match.start())
            where = f" at line {line}, column {column}"
        raise _fail(name, f"JSON syntax error{where}: {constant} is not valid JSON; write a number or a string") from None
    except RecursionError:  # pragma: no cover - depth is checked above
        raise _fail(name, f"nesting is deeper than {MAX_DEPTH} levels") from None
    if duplicates:
        finder = _JsonDuplicates(text)
        finder.value(0, "")
        raise ConfigError(finder.problems, name)
    if _SURROGATE_ESCAPE_RE.search(text) or _SURROGATE_RE.search(text):
        problems = _lone_surrogates(value)
        if problems:
            raise ConfigError(problems, name)
    return value


def _lone_surrogates(value: Any) -> list[Problem]:
    """Strings (and keys) holding a lone UTF-16 surrogate, which JSON's `\\ud800` escapes can produce: not
    Unicode text, so no template, terminal or AWS API could take them. In document order."""
    problems: list[Problem] = []
    stack: list[tuple[Any, str, str]] = [(value, "", "the string")]
    while stack:
        node, path, what = stack.pop()
        if isinstance(node, str):
            if _SURROGATE_RE.search(node):
                problems.append(Problem(path, _surrogate_message(node, what)))
            continue
        if isinstance(node, dict):
            items = list(node.items())
        elif isinstance(node, list):
            items = list(enumerate(node))
        else:
            continue
        children = []
        for key, item in items:
            if isinstance(key, str) and _SURROGATE_RE.search(key):  # reported where the mapping is
                children.append((key, path, "a key"))
            else:
                children.append((item, join_path(path, key), "the string"))
        stack.extend(reversed(children))
    return problems


def not_unicode(text: str) -> Optional[str]:
    """None for proper Unicode text; else what is wrong with it, for a message: a byte that could not be
    decoded (Python hands undecodable bytes of the environment and command line over as lone surrogates,
    U+DC80..U+DCFF) or a lone UTF-16 surrogate."""
    match = _SURROGATE_RE.search(text)
    if match is None:
        return None
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:
        return f"byte 0x{code - 0xDC00:02x} is not valid UTF-8"
    return f"\\u{code:04x} is half of a UTF-16 surrogate pair without its other half"


def _surrogate_message(text: str, what: str, where: str = "") -> str:
    code = ord(_SURROGATE_RE.search(text).group())
    return (
        f"{what}{where} holds \\u{code:04x}, half of a UTF-16 surrogate pair without its other half, which "
        f"is not a Unicode character; write the character itself (or both halves, e.g. \\ud83d\\ude00)"
    )


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
                            f'duplicate key "{_short(key)}": first defined at line {seen[key]}, again at line '
                            f"{line}; remove one of them",
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
