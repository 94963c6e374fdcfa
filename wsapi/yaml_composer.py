"""YAML as Serverless v3 reads it (js-yaml's default schema plus the CloudFormation short-form tags), composed
from the parser's events in bounded time and memory.

* ``!Ref X`` -> ``{"Ref": "X"}``, ``!GetAtt A.B`` -> ``{"Fn::GetAtt": ["A", "B"]}``, ``!Sub ...`` ->
  ``{"Fn::Sub": ...}`` and so on for every short-form tag (`intrinsics.SHORT_TAGS`);
* plain scalars take the types js-yaml gives them (`js_scalars.plain_scalar`); mapping keys are strings, as in a
  JavaScript object (``1: x`` -> ``{"1": "x"}``); merge keys (``<<: *defaults``) merge as js-yaml merges them;
* duplicate keys, unknown tags, a second document, undefined aliases and lone surrogates are problems with
  their dotted path.

Hostile input is rejected early: the document is read as a stream of parser events, and the expanded size, text
length and nesting depth are measured on the composed node graph (aliases are counted once per use, with
memoised sizes) before any Python value is built (`document_limits`).
"""

from __future__ import annotations

import re
from typing import Any, Optional

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

from .document_limits import (
    MAX_DEPTH,
    MAX_NODES,
    MAX_TEXT_CHARS,
    depth_message,
    refuse,
    too_many_values_message,
    too_much_text_message,
)
from .errors import ConfigError, Problem, join_path, shorten
from .intrinsics import SHORT_TAGS
from .js_scalars import FALSES, NOT_FOUND, NULLS, TRUES, js_string, parse_float, parse_int, plain_scalar, timestamp
from .unicode_text import SURROGATE_ESCAPE_RE, SURROGATE_RE, surrogate_message

__all__ = ["parse_yaml", "EMPTY_MESSAGE"]

try:  # the C (libyaml) parser is much faster; the pure-Python one is the fallback
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    _CParser = None

EMPTY_MESSAGE = "the file is empty (it holds only whitespace or comments); expected a mapping such as `service: my-service`"
_CONTENT_LINE_RE = re.compile(r"^[ \t\r\f\v]*[^ \t\r\f\v\n#]", re.MULTILINE)


def parse_yaml(text: str, name: str, allow_empty: bool) -> Any:
    """The value of one YAML document; every problem is raised together as one ConfigError for `name`. With
    `allow_empty`, an empty (or comment-only) document gives None."""
    if not _CONTENT_LINE_RE.search(text):  # only blank lines and comments (tabs too)
        if allow_empty:
            return None
        raise refuse(name, EMPTY_MESSAGE)
    root = _compose(text, name)
    if root is None:
        if allow_empty:
            return None
        raise refuse(name, EMPTY_MESSAGE)
    if root.kind == "scalar" and root.plain and root.value == "" and not allow_empty:
        raise refuse(name, EMPTY_MESSAGE)  # a bare `---` with nothing after it
    builder = _Builder()
    value = builder.build(root, "")
    if builder.problems:
        raise ConfigError(builder.problems, name)
    return value


# --------------------------------------------------------------------------- events -> node graph


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
    if node.tag is not None:
        return node.value
    return js_string(plain_scalar(node.value) if node.plain else node.value)


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
        raise refuse(name, f"the text cannot be encoded as UTF-8: {error}") from None
    except yaml.reader.ReaderError as error:  # the pure-Python reader checks characters up front
        raise refuse(name, _reader_message(text, error)) from None
    composer = _Composer(text)
    try:
        composer.read(parser)
    except _Stop as stop:
        raise ConfigError([stop.problem], name) from None
    except yaml.MarkedYAMLError as error:
        raise ConfigError([Problem(composer.current_path(), _syntax_message(error))], name) from None
    except yaml.reader.ReaderError as error:
        raise refuse(name, _reader_message(text, error)) from None
    except yaml.YAMLError as error:  # pragma: no cover - any other parser complaint
        raise refuse(name, f"YAML error: {error}") from None
    except UnicodeError as error:  # pragma: no cover - reported when the parser is made
        raise refuse(name, f"the text cannot be encoded as UTF-8: {error}") from None
    finally:
        parser.dispose()
    return composer.root


class _Composer:
    """Builds the node graph from parser events; each node is measured as it is attached to its parent, so an
    alias costs what its target costs without being copied."""

    def __init__(self, text: str) -> None:
        self.stack: list[_Frame] = []
        self.anchors: dict[str, _Node] = {}
        self.root: Optional[_Node] = None
        self.documents = 0
        self.escapes = SURROGATE_ESCAPE_RE.search(text) is not None  # only escapes give lone surrogates

    def current_path(self) -> str:
        return _child_path(self.stack[-1]) if self.stack else ""

    def read(self, parser: Any) -> None:
        stack, anchors, attach, escapes = self.stack, self.anchors, self.attach, self.escapes
        while True:
            event = parser.get_event()
            cls = type(event)
            if cls is ScalarEvent:
                mark = event.start_mark
                tag = event.tag
                plain = bool(event.implicit[0]) and tag is None
                node = _Node("scalar", tag, event.value, plain, mark.line + 1, mark.column + 1)
                if escapes and SURROGATE_RE.search(event.value):
                    where = f" at line {node.line}, column {node.column}"
                    raise _Stop(self.current_path(), surrogate_message(event.value, "the string", where))
                if event.anchor is not None:
                    anchors[event.anchor] = node
                attach(node)
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                mark = event.start_mark
                kind = "map" if cls is MappingStartEvent else "seq"
                node = _Node(kind, event.tag, [], False, mark.line + 1, mark.column + 1)
                path = _child_path(stack[-1]) if stack else ""
                if len(stack) + 1 > MAX_DEPTH:
                    raise _Stop(path, depth_message(node.line, node.column, None))
                stack.append(_Frame(node, event.anchor, path))
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                frame = stack.pop()
                if frame.anchor is not None:
                    anchors[frame.anchor] = frame.node
                attach(frame.node)
            elif cls is AliasEvent:
                self.alias(event)
            elif cls is DocumentStartEvent:
                self.document_start(event)
            elif cls is StreamEndEvent:
                return

    def alias(self, event: Any) -> None:
        mark = event.start_mark
        target = self.anchors.get(event.anchor)
        if target is None:
            raise _Stop(
                self.current_path(),
                f'alias "*{event.anchor}" at line {mark.line + 1}, column {mark.column + 1} '
                f'refers to an anchor "&{event.anchor}" that is not defined before it '
                f"(an alias cannot point to a collection that contains it)",
            )
        self.attach(target, event.anchor, mark.line + 1, mark.column + 1)

    def document_start(self, event: Any) -> None:
        self.documents += 1
        if self.documents > 1:
            mark = event.start_mark
            raise _Stop(
                "",
                f"a second YAML document starts at line {mark.line + 1}; "
                f"the file must hold exactly one document (remove the extra `---`)",
            )

    def attach(self, node: _Node, via_alias: Optional[str] = None, line: int = 0, column: int = 0) -> None:
        """Add `node` to the collection being read (or make it the root), adding its measures to the parent's."""
        line, column = (line, column) if via_alias else (node.line, node.column)
        stack = self.stack
        if not stack:
            self.root = node
            return
        frame = stack[-1]
        parent = frame.node
        depth = len(stack) + node.height
        if depth > MAX_DEPTH:
            raise _Stop(_child_path(frame), depth_message(line, column, via_alias))
        parent.size += node.size
        if parent.size > MAX_NODES:
            raise _Stop(_child_path(frame), too_many_values_message(line, via_alias, bool(self.anchors)))
        parent.chars += node.chars
        if parent.chars > MAX_TEXT_CHARS:  # only aliases can get here: a file holds fewer characters
            raise _Stop(_child_path(frame), too_much_text_message(line, via_alias))
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


def _syntax_message(error: yaml.MarkedYAMLError) -> str:
    mark = error.problem_mark or error.context_mark
    problem = error.problem or "invalid YAML"
    if problem == "exceeded maximum nesting depth" and mark is not None:
        return depth_message(mark.line + 1, mark.column + 1, None)
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


# --------------------------------------------------------------------------- node graph -> values

_STD = "tag:yaml.org,2002:"
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
        if tag is not None and tag in SHORT_TAGS:
            return {SHORT_TAGS[tag]: self._cfn_value(tag, node, path)}
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
            f'unknown tag "{shorten(node.tag, 80, say_length=True)}" at line {node.line}, column {node.column}; '
            f"supported tags are the CloudFormation short forms ({', '.join(SHORT_TAGS)}) and the standard "
            f"!!str, !!int, !!float, !!bool, !!null, !!timestamp, !!map, !!seq",
        )

    def _scalar(self, node: _Node, path: str) -> Any:
        tag = node.tag
        text = node.value
        if tag is None:
            return plain_scalar(text) if node.plain else text
        if tag in ("!", _STD + "str"):
            return text
        if tag == _STD + "null":
            if text in NULLS:
                return None
        elif tag == _STD + "bool":
            if text in TRUES:
                return True
            if text in FALSES:
                return False
        elif tag == _STD + "int":
            value = parse_int(text)
            if value is not NOT_FOUND:
                return value
        elif tag == _STD + "float":
            value = parse_float(text)
            if value is not NOT_FOUND:
                return value
        elif tag == _STD + "timestamp":
            value = timestamp(text)
            if value is not NOT_FOUND:
                return value
        else:
            self._unknown_tag(node, path)
            return text
        self.report(
            node,
            path,
            f'"{shorten(text, 80, say_length=True)}" at line {node.line}, column {node.column} is not a valid value '
            f'for tag "{tag}"',
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
            if key_node.tag in SHORT_TAGS:
                self.report(
                    key_node,
                    path,
                    f'tag "{key_node.tag}" cannot be used on a mapping key (line {key_node.line}, '
                    f"column {key_node.column})",
                )
                continue
            key = js_string(self._scalar(key_node, path))
            child = join_path(path, key)
            if key in explicit:
                self.report(
                    key_node,
                    child,
                    f'duplicate key "{shorten(key, 80, say_length=True)}": first defined at line {explicit[key]}, '
                    f"again at line {key_node.line}; remove one of them",
                )
                continue
            explicit[key] = key_node.line
            result[key] = self.build(value_node, child)
        return result

    def _merge(self, result: dict, merged: set, explicit: dict, value: _Node, path: str) -> None:
        sources = value.value if (value.kind == "seq" and value.tag is None) else [value]
        for source in sources:
            if source.kind != "map" or source.tag in SHORT_TAGS:
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
