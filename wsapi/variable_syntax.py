"""The syntax of Serverless Framework v3 variables (`lib/configuration/variables/parse.js`): a string is split into
literal text and `Variable`s, each with its sources in fallback order.

* ``${type:address}``, ``${type(param, ...)}``, ``${type(param):address}``; fallbacks after
  commas are further sources written without ``${}`` (``${opt:stage, self:provider.stage}``),
  quoted strings (``'x'`` or ``"x"``), numbers, ``true``/``false``/``null``.  A literal must
  be the last fallback.  As an extension, a fallback may also be a nested variable
  ``${env:X, ${self:custom.y}}`` (v3 itself rejects that form with "Invalid variable source").
* Variables nest inside addresses and parameters: ``${self:custom.${opt:stage}.name}``.
* ``\\${...}`` escapes a variable; ``${AWS::Region}``-like text that is not a variable
  (type not starting with a lower-case letter, no ``:``/``(`` after it) is left alone.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

from .errors import shorten
from .js_scalars import js_number_of

__all__ = ["VariableSyntaxError", "Source", "Variable", "parse_variables", "is_whole", "MAX_SYNTAX_NEST"]

#: Most variables nested inside one another within one string.
MAX_SYNTAX_NEST = 32


class VariableSyntaxError(Exception):
    """A string holds a malformed `${...}` variable."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


class Source:
    """One source of a variable: a typed source (`self:a.b`, `file(x.yml):k`) or a literal. (Plain classes
    here and below, not dataclasses: creating the two dataclasses cost about a millisecond of every start.)"""

    __slots__ = ("type", "params", "address", "literal", "is_literal")

    def __init__(
        self,
        type: Optional[str] = None,
        params: Optional[list] = None,
        address: Any = None,
        literal: Any = None,
        is_literal: bool = False,
    ) -> None:
        self.type = type
        self.params = params  # each: a literal value, or a template (list of segments)
        self.address = address  # None, a str, or a template
        self.literal = literal
        self.is_literal = is_literal

    def __repr__(self) -> str:
        if self.is_literal:
            return f"Source(literal={self.literal!r})"
        return f"Source(type={self.type!r}, params={self.params!r}, address={self.address!r})"


class Variable:
    """`${...}`: its sources in fallback order, and its text for messages."""

    __slots__ = ("sources", "text")

    def __init__(self, sources: Optional[list] = None, text: str = "") -> None:
        self.sources = sources if sources is not None else []
        self.text = text

    def __repr__(self) -> str:
        return f"Variable({self.text!r})"


_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_TYPE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
_TYPE_RE = re.compile(r"[a-z][a-zA-Z0-9]*\Z")

_VAR, _LITERAL, _FOREIGN = "var", "literal", "foreign"


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
                value = js_number_of(literal)
                if value is None:
                    raise VariableSyntaxError(
                        f'invalid fallback "{shorten(literal)}" at index {i}: quote text (\'{shorten(literal)}\') '
                        f"or write a source such as self:{shorten(literal)}",
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
    number = js_number_of(raw)
    return raw if number is None else number


def parse_variables(text: str) -> Optional[list]:
    """Split `text` into literal strings and `Variable`s; None when it holds no variable
    (nor escape).  Raises VariableSyntaxError."""
    if "${" not in text:
        return None
    return _Parser(text).template()


def is_whole(segments: list) -> bool:
    """True when the segments are one variable and nothing else: the value takes the variable's type."""
    return len(segments) == 1 and isinstance(segments[0], Variable)
