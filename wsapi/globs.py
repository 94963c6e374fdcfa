"""Glob patterns as Serverless v3 matches `package.patterns` (micromatch, `dot: true`, through picomatch).

`*`, `?`, `[...]` (with `[:alpha:]` names; `^` negates), `**` as a whole segment, `{a,b}` and `{1..3}` braces,
extglobs `@(a|b)`, `?(..)`, `+(..)`, `*(..)`, `!(..)`, backslash escapes. A pattern names files: `src` matches a
file called `src` and never the folder's content (write `src/**`). Each pattern becomes one regular expression,
segment by segment, with picomatch's quirks kept (`{1..10}` is the class `[1-10]`, `**` next to a group).
"""

from __future__ import annotations

import functools
import re
from typing import Callable, List, Optional, Sequence

__all__ = ["PatternError", "glob_matcher", "escapes_folder", "expand_braces", "MAX_BRACE_EXPANSION"]

MAX_BRACE_EXPANSION = 10_000


class PatternError(ValueError):
    """A glob wsapi cannot use (it would write entries outside the package)."""


def _closing(text: str, start: int, open_char: str, close_char: str) -> Optional[int]:
    """Index of the bracket closing the one at `start`, skipping escapes and nested pairs; None if none."""
    depth = 0
    i = start
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == open_char:
            depth += 1
        elif char == close_char:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _split_top(text: str, separator: str) -> List[str]:
    """Split on `separator` outside braces, parentheses, classes and escapes."""
    parts, depth, current, i = [], 0, [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if char == "[":
            end = _class_end(text, i)
            if end is not None:
                current.append(text[i : end + 1])
                i = end + 1
                continue
        if char in "{(":
            depth += 1
        elif char in "})":
            depth -= 1
        if char == separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current))
    return parts


def _class_end(text: str, start: int) -> Optional[int]:
    """Index of the `]` closing the class opened at `start` (a `]` right after `[`, `[!` or `[^` is literal)."""
    i = start + 1
    if i < len(text) and text[i] in "!^":
        i += 1
    if i < len(text) and text[i] == "]":
        i += 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "[" and text.startswith("[:", i):
            end = text.find(":]", i + 2)
            if end != -1:
                i = end + 2
                continue
        if text[i] == "]":
            return i
        i += 1
    return None


def _range_class(body: str) -> str:
    """picomatch (as micromatch calls it) turns `{1..3}` into the class `[1-3]`, its ends sorted as text: so
    `{1..10}` is `[1-10]` (the characters 1 and 0), exactly as Serverless matches it."""
    ends = sorted(body.split(".."))
    value = "[" + "-".join(ends) + "]"
    try:
        re.compile(value)
    except re.error:
        return re.sub(r"([*?\[\]{}()!@+])", r"\\\1", "..".join(ends))
    return value


def expand_braces(pattern: str) -> List[str]:
    """`a/{b,c}.py` -> [`a/b.py`, `a/c.py`]; `{1..3}` ranges; a brace with neither is literal."""
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            end = _class_end(pattern, i)
            if end is not None:
                i = end + 1
                continue
        if char == "{":
            end = _closing(pattern, i, "{", "}")
            if end is None:
                return [pattern]
            body = pattern[i + 1 : end]
            options = _split_top(body, ",")
            if len(options) == 1:
                if ".." not in body:
                    i += 1
                    continue
                options = [_range_class(body)]
            prefix, suffix = pattern[:i], pattern[end + 1 :]
            results: List[str] = []
            for option in options:
                results.extend(expand_braces(prefix + option + suffix))
                if len(results) > MAX_BRACE_EXPANSION:
                    raise PatternError(f"braces expand to more than {MAX_BRACE_EXPANSION} patterns")
            return results
        i += 1
    return [pattern]


POSIX_CLASSES = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "ascii": "\\x00-\\x7F",
    "blank": " \\t",
    "cntrl": "\\x00-\\x1F\\x7F",
    "digit": "0-9",
    "graph": "\\x21-\\x7E",
    "lower": "a-z",
    "print": "\\x20-\\x7E ",
    "punct": "\\-!\"#$%&'()\\*+,./:;<=>?@\\[\\\\\\]^_`{|}~",
    "space": " \\t\\r\\n\\v\\f",
    "upper": "A-Z",
    "word": "A-Za-z0-9_",
    "xdigit": "A-Fa-f0-9",
}
#: picomatch's "regex characters": a class without any is also matched as literal text (`[ab]` matches `[ab]`)
REGEX_CHARS = re.compile(r"[-*+?.^${}(|)\[\]]")
#: marks a `**` that stood right before a brace, which picomatch keeps as a globstar
BRACE_MARK = "\x00"
GLOBSTAR = ".*"  # any characters, slashes included
STAR = "[^/]*"


def _class_regex(body: str) -> str:
    """A bracket expression as picomatch reads it: `^` negates (and never matches `/`), `!` is a plain
    character (micromatch does not turn on POSIX negation), `[:alpha:]` names work."""
    negate = body.startswith("^")
    out = []
    i = 1 if negate else 0
    if i < len(body) and body[i] == "]":
        out.append("\\]")
        i += 1
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            out.append(re.escape(body[i + 1]))
            i += 2
            continue
        if body.startswith("[:", i):
            end = body.find(":]", i + 2)
            if end != -1 and body[i + 2 : end] in POSIX_CLASSES:
                out.append(POSIX_CLASSES[body[i + 2 : end]])
                i = end + 2
                continue
        if char == "-" and (i == 0 or i == len(body) - 1 or (negate and i == 1)):
            out.append("\\-")
        elif char in "[]&~|":
            out.append("\\" + char)
        else:
            out.append(char)
        i += 1
    inner = "".join(out)
    regex = f"[^{inner}/]" if negate else f"[{inner}]"
    if not REGEX_CHARS.search(body):
        regex = f"(?:{re.escape('[' + body + ']')}|{regex})"
    return regex


def _last_token(segment: str) -> str:
    """The kind of a segment's last token: star, paren, bracket, qmark or text."""
    kind, i = "text", 0
    while i < len(segment):
        char = segment[i]
        if char == "\\":
            kind, i = "text", i + 2
            continue
        if char in "@!+*?(" and (char == "(" or segment[i + 1 : i + 2] == "("):
            close = _closing(segment, i + 1 if char != "(" else i, "(", ")")
            if close is not None:
                kind, i = "paren", close + 1
                continue
        if char == "[":
            end = _class_end(segment, i)
            if end is not None:
                kind, i = "bracket", end + 1
                continue
        kind = {"*": "star", "?": "qmark"}.get(char, "text")
        i += 1
    return kind


def _segment_regex(segment: str, after: str, last: bool, kind: str = "start") -> str:
    """Regex for one path segment followed by `after` (the regex of everything after it); `last`: no
    segment follows; `kind`: the token before the segment's first character."""
    out: List[str] = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "\\" and i + 1 < len(segment):
            out.append(re.escape(segment[i + 1]))
            kind, i = "text", i + 2
            continue
        opens_group = char == "(" or (char in "@!+*?" and segment[i + 1 : i + 2] == "(")
        if opens_group:
            open_at = i if char == "(" else i + 1
            close = _closing(segment, open_at, "(", ")")
            if close is not None:
                inner = segment[open_at + 1 : close]
                alternatives = "|".join(_segment_regex(a, "", False) for a in _split_top(inner, "|"))
                rest_text = segment[close + 1 :]
                if char == "!":
                    rest = _segment_regex(rest_text, after, last, "paren")
                    star = GLOBSTAR if len(inner) > 1 and "/" in inner else STAR
                    if "*" in inner and last and re.fullmatch(r"\.[^\\/.]+", rest_text):
                        negated = f"(?:(?!(?:{alternatives}){_segment_regex(rest_text, '', True)}){star})"
                    elif last and not rest_text:
                        negated = f"(?:(?!(?:{alternatives})$)){star}"
                    else:
                        negated = f"(?:(?!(?:{alternatives})){star})"
                    return "".join(out) + negated + rest
                template = {"@": "(?:{})", "(": "(?:{})", "?": "(?:{})?", "+": "(?:{})+", "*": "(?:{})*"}[char]
                out.append(template.format(alternatives))
                kind, i = "paren", close + 1
                continue
        if char == "*":
            run = 0
            while i < len(segment) and segment[i] == "*" and segment[i + 1 : i + 2] != "(":
                run, i = run + 1, i + 1
            group_follows = segment[i : i + 1] in ("(", BRACE_MARK) or segment[i : i + 2] == "@("
            if run > 1 and ((kind == "paren" and i == len(segment)) or (kind == "start" and group_follows)):
                out.append(GLOBSTAR)  # `@(a)**`, `**@(a)`, `**{a,b}`: picomatch keeps a globstar by a group
            else:
                out.append(STAR)  # `a**`, `**a`: one star
            kind = "star"
            continue
        if char == BRACE_MARK:
            i += 1
            continue
        if char == "?" and kind == "paren":
            out.append("?")  # picomatch passes a `?` after a group through as a regex quantifier
            kind = "text"
        elif char == "?":
            out.append("[^/]")
            kind = "qmark"
        elif char == "[":
            end = _class_end(segment, i)
            if end is None:
                out.append("\\[")
                kind = "text"
            else:
                out.append(_class_regex(segment[i + 1 : end]))
                kind, i = "bracket", end + 1
                continue
        else:
            out.append(re.escape(char))
            kind = "text"
        i += 1
    return "".join(out) + after


def _segments(pattern: str) -> List[str]:
    segments = _split_top(pattern, "/")
    collapsed: List[str] = []
    for segment in segments:
        if segment == "**" and collapsed and collapsed[-1] == "**":
            continue
        collapsed.append(segment)
    return collapsed


def _pattern_regex(segments: Sequence[str], index: int = 0, lead: bool = False) -> str:
    """Regex for segments[index:], preceded by a `/` when `lead`."""
    if index == len(segments):
        return ""
    segment = segments[index]
    if segment == "**":
        if index == len(segments) - 1:
            if not lead:
                return GLOBSTAR
            # `src/**` also matches `src` itself, unless the segment before ends in a star (`*/**`, `a*/**`)
            return "/" + GLOBSTAR if _last_token(segments[index - 1]) == "star" else f"(?:/{GLOBSTAR})?"
        # in the middle, picomatch also lets `$` stand for the rest (`a/**/?(b)` matches `a`)
        return (f"(?:/{GLOBSTAR}/|/|$)" if lead else f"(?:{GLOBSTAR}/)?") + _pattern_regex(segments, index + 1, False)
    last = index == len(segments) - 1
    return ("/" if lead else "") + _segment_regex(segment, _pattern_regex(segments, index + 1, True), last)


#: picomatch's fast path for patterns like `**.py` and `**.d.ts`: a globstar, then dotted word suffixes
GLOBSTAR_SUFFIX = re.compile(r"\*\*((?:\.\w+)+)")


def _regex(pattern: str) -> str:
    fast = GLOBSTAR_SUFFIX.fullmatch(pattern)
    if fast:
        return GLOBSTAR + re.escape(fast.group(1))
    return _pattern_regex(_segments(pattern))


@functools.lru_cache(maxsize=4096)
def glob_matcher(pattern: str) -> Callable[[str], bool]:
    """A predicate on relative POSIX paths, true where micromatch (`dot: true`) matches `pattern`."""
    while pattern.startswith("./"):
        pattern = pattern[2:]
    pattern = re.sub(r"(?<![\\*])\*\*\{", "**" + BRACE_MARK + "{", pattern)
    alternatives = [_regex(p) for p in expand_braces(pattern)]
    try:
        compiled = re.compile("(?:" + ")|(?:".join(alternatives) + ")", re.DOTALL)
    except re.error as error:
        raise PatternError(f"is not a valid glob ({error})") from None
    return lambda path: compiled.fullmatch(path) is not None


def escapes_folder(pattern: str) -> bool:
    """True when a pattern reaches outside the service folder (`../x`, `/abs`): Serverless would put such files
    in the archive under `../` names, which Lambda cannot unpack."""
    body = pattern[1:] if pattern.startswith("!") else pattern
    return body.startswith("/") or any(part == ".." for p in expand_braces(body) for part in p.split("/"))
