"""Serverless Framework v3 variables: `${source:address, fallback}` resolution (`lib/configuration/variables/`).

The syntax is `variable_syntax`'s, the sources `variable_sources`' (one entry per source in its table); this module
resolves a configuration with them, following v3's rules:

* A value that is exactly one variable takes the resolved value with its type; variables
  inside a longer string are rendered as JavaScript would (numbers as JS prints them,
  booleans ``true``/``false``, lists joined with commas); mappings and null cannot be
  embedded and are reported.
* A source giving null/undefined is "not found": the next fallback is tried, and without
  one it is a problem.  Errors (a broken or empty file, a bad ``strToBool`` input, an
  unknown source, a circular reference) are problems even when a fallback is given, as in v3.
* Resolved values that contain variables are resolved in turn (at most 10 levels, like
  v3); ``self:`` references are resolved on demand wherever they point.
* Only the paths asked for are resolved (`only`): a `${ssm:...}` where wsapi does not read never blocks.

Work is bounded (evaluations, copied values, produced text, chains of references), so
hostile input such as values that reference the previous one twice, fifty levels deep,
gives a clear problem quickly.
"""

from __future__ import annotations

import math
import os
import pathlib
import re
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple, Union

from .document_limits import MAX_DEPTH
from .errors import ConfigError, Problem, join_path, shorten
from .js_scalars import js_number, js_string
from .intrinsics import is_intrinsic
from .model import Unresolved
from .remote_values import Remote
from .variable_sources import DEPLOY_TIME, MISSING, NOT_FOUND, SOURCES, PathT, copy_tree, list_index, unknown_source_message
from .variable_syntax import Variable, VariableSyntaxError, is_whole, parse_variables

__all__ = ["resolve_variables"]

#: How many times a resolved value may itself hold variables that need resolving (v3: 10).
MAX_NEST = 10
#: Longest chain of values waiting on one another (``a`` needs ``b`` needs ``c`` ...).
MAX_CHAIN = 100
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


def _joined(parts: list) -> dict:
    """`Fn::Join` of text and intrinsics (adjacent texts merged; a part that is itself a `Fn::Join ""` spliced)."""
    merged: list = []
    for part in parts:
        inner = part.get("Fn::Join") if isinstance(part, dict) else None
        for item in inner[1] if isinstance(inner, list) and len(inner) == 2 and inner[0] == "" else [part]:
            if isinstance(item, str) and merged and isinstance(merged[-1], str):
                merged[-1] += item
            elif item != "":
                merged.append(item)
    return {"Fn::Join": ["", merged]}


class _Failed(Exception):
    """Resolution failed; the problem was already recorded."""


class _Abort(Exception):
    """A work bound was exceeded; stop everything."""


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
                return f'"{shorten(text)}" resolves to itself'
            loop = " -> ".join(f'"{shorten(t, 60)}"' for t in trail[seen[text] : index + 1])
            return f"these values produce one another in a loop: {loop}"
        seen[text] = index
    return f'resolved values keep producing new variables more than {MAX_NEST} levels deep (last: "{shorten(trail[-1])}")'


# --------------------------------------------------------------------------- resolver


class _Resolver:
    """One resolution of one configuration: the document being resolved in place, what is done, failed or under
    way, the work spent, and the sources (`variable_sources.SOURCES`, one instance each). It is the
    `variable_sources.Resolution` the sources see."""

    def __init__(
        self,
        document: dict,
        service_dir: pathlib.Path,
        options: Mapping[str, Any],
        params: Mapping[str, Any],
        env: Mapping[str, str],
        remote: Optional[Remote] = None,
    ) -> None:
        self.doc = copy_tree(document)
        self.remote = remote
        self.service_dir = service_dir
        self.options = options
        self.params = params
        self.env = env
        self.problems: list[Problem] = []
        self._seen_problems: set[tuple[str, str]] = set()
        self.deferring: Optional[list[Problem]] = None  #: where problems go while resolving a deferred path
        self.reasons: dict[PathT, list[Problem]] = {}  #: why a path failed while deferring, for later uses
        self.active: list[PathT] = []
        self.active_set: set[PathT] = set()
        self.final: set[PathT] = set()
        self.failed: set[PathT] = set()
        self.final_trees: set[PathT] = set()
        self.placed_depth: dict[PathT, int] = {}
        self.steps = 0
        self.nodes = 0
        self.chars = 0
        self.copied_chars = 0
        self.parse_cache: dict[str, Any] = {}
        self.sources = {name: source(self) for name, source in SOURCES.items()}

    # bookkeeping --------------------------------------------------------------
    def problem(self, path: PathT, message: str) -> None:
        if self.deferring is not None:
            problem = Problem(_dotted(path), message)
            self.deferring.append(problem)
            self.reasons.setdefault(path, []).append(problem)
            return
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
            segments = parse_variables(text)
        except VariableSyntaxError as error:
            where = "a resolved value " if resolved else ""
            raise self.fail(path, f'invalid variable syntax in {where}"{shorten(text)}": {error}') from None
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
            if self.deferring is not None:  # another deferred value needs it: the same reasons
                self.deferring.extend(self.reasons.get(path, ()))
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
        whole = is_whole(segments)
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
            handler = self.sources.get(source.type)
            if handler is None:
                raise self.fail(path, unknown_source_message(source.type, variable))
            value = handler.resolve(path, variable, params, address, depth, deep)
            if type(value) is tuple and len(value) == 2 and value[0] is NOT_FOUND:  # variable_sources.not_found(note)
                notes.append(value[1])
                continue
            if type(value) is tuple and len(value) == 3 and value[0] is DEPLOY_TIME:  # found at deploy time
                if source is not variable.sources[-1]:
                    notes.append(value[2])
                    continue
                return value[1]
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
        raise self.fail(path, f"cannot resolve {shorten(variable.text)}: {'; '.join(notes)}{hint}")

    def argument(self, path: PathT, argument: Any, depth: int) -> Any:
        """A parameter or address: literal as is, or a template resolved completely."""
        if not isinstance(argument, list):
            return argument
        if is_whole(argument):
            value = self.evaluate(path, argument[0], depth)
            return self.detached(path, value, depth + 1)
        return self.interpolate(path, argument, depth)

    def interpolate(self, path: PathT, segments: list, depth: int) -> Any:
        """A string of text and variables; with a value found only at deploy time among them (an intrinsic), the
        `Fn::Join` of the parts."""
        parts: list[Any] = []
        size = 0
        joined = False
        for segment in segments:
            if isinstance(segment, str):
                parts.append(segment)
                size += len(segment)
                continue
            value = self.detached(path, self.evaluate(path, segment, depth), depth + 1)
            if type(value) is dict and is_intrinsic(value):  # (the type first: this loop is hot)
                parts.append(value)
                joined = True
                continue
            text = _js_concat(value)
            if text is None:
                kind = "null" if value is None else "a mapping"
                raise self.fail(
                    path,
                    f"{shorten(segment.text)} resolves to {kind}, which cannot be embedded in a longer "
                    f"string; make the variable the whole value, or point it at text",
                )
            parts.append(text)
            size += len(text)
            if size > MAX_STRING_CHARS:
                self.spend_chars(size, path)
        self.spend_chars(size, path)
        if joined:
            return _joined(parts)
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
            if is_whole(segments):
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
        """`${self:...}`: the value at `keys` (a copy), or MISSING.  Whole-value variables
        on the way are resolved first; the value itself is resolved completely when `deep`."""
        current: PathT = ()
        node: Any = self.doc
        for key in keys:
            if isinstance(node, str) and "${" in node and current not in self.final:
                self.resolve_at(current, deep=False)
                node = self.get(current)
            if isinstance(node, dict):
                if key not in node:
                    return MISSING
                current = current + (key,)
            elif isinstance(node, list):
                index = list_index(key, len(node))
                if index is None:
                    return MISSING
                current = current + (index,)
            else:
                return MISSING
            node = self.get(current)
        if isinstance(node, str):
            if "${" in node and current not in self.final:
                self.resolve_at(current, deep=deep)
        elif isinstance(node, (dict, list)) and deep:
            self.resolve_tree(current)
        value = self.get(current)
        if value is None:
            return MISSING
        return copy_tree(value, self, path)

    # scoped walking ----------------------------------------------------------
    def walk(self, path: PathT, tokens: list, shallow: bool = False) -> None:
        """Resolve what lies at the pattern `tokens` under `path`; `shallow`: only a value that is one whole
        variable, not the variables inside what it gives (to learn a section's shape before reading it)."""
        node = self.get(path)
        if not tokens:
            if shallow:
                if isinstance(node, str) and "${" in node and path not in self.final:
                    segments = self.parse(path, node)
                    if segments is not None and is_whole(segments):
                        self.resolve_at(path, deep=False)
                return
            if isinstance(node, str):
                if "${" in node and path not in self.final:
                    self.resolve_at(path)
            elif isinstance(node, (dict, list)):
                self.resolve_tree(path)
            return
        if isinstance(node, str) and "${" in node and path not in self.final:
            segments = self.parse(path, node)
            if segments is None or not is_whole(segments):
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
                self.walk(path + (child,), rest, shallow)
            except _Failed:
                failed = True
        if failed:
            raise _Failed()

    def walk_deferred(self, path: PathT, tokens: list) -> None:
        """`walk` for a deferred pattern: each value that cannot be resolved is replaced by an `Unresolved`
        holding its problems, and resolution goes on."""
        node = self.get(path)
        if not tokens:
            self.defer_tree(path)
            return
        if isinstance(node, str) and "${" in node and path not in self.final:
            if not self.defer(path, lambda: self.walk(path, [])):
                return
            node = self.get(path)
        token, rest = tokens[0], tokens[1:]
        if isinstance(token, str) and isinstance(node, dict):
            children: list = list(node) if token == "*" else [token] if token in node else []
        elif isinstance(token, int) and isinstance(node, list):
            children = list(range(len(node))) if token == -1 else [token] if 0 <= token < len(node) else []
        else:
            children = []
        for child in children:
            self.walk_deferred(path + (child,), rest)

    def defer_tree(self, path: PathT) -> None:
        """Resolve every variable under `path`, each failing value replaced by an `Unresolved`."""
        node = self.get(path)
        if isinstance(node, str):
            if "${" in node and path not in self.final:
                self.defer(path, lambda: self.walk(path, []))
        elif isinstance(node, dict):
            for key in list(node):
                self.defer_tree(path + (key,))
        elif isinstance(node, list):
            for index in range(len(node)):
                self.defer_tree(path + (index,))

    def defer(self, path: PathT, resolve: Any) -> bool:
        """Run `resolve`; on failure put an `Unresolved` at `path` (True when it resolved)."""
        text = self.get(path)
        self.deferring, outer = [], self.deferring
        try:
            resolve()
            return True
        except _Failed:
            reasons = tuple(dict.fromkeys(self.deferring)) or (Problem(_dotted(path), f"cannot resolve {shorten(str(text), 120)}"),)
            self.put(path, Unresolved(text, reasons))
            self.final.add(path)
            return False
        finally:
            self.deferring = outer


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
    deferred: Iterable[str] = (),
    remote: Optional[Remote] = None,
    shallow: Iterable[str] = (),
) -> dict:
    """Return a copy of `document` with its Serverless v3 variables resolved.

    `only` limits resolution to dotted path patterns (`*` any key, `[*]` any index); a
    whole-value variable met on the way to a pattern is resolved and descended into, and
    `self:` references are resolved on demand wherever they point.  Every problem found is
    raised together as one ConfigError.  At the `deferred` patterns (resolved after `only`),
    a value that cannot be resolved becomes a `model.Unresolved` instead of a problem. At the `shallow`
    patterns (resolved first) only a value that is one whole variable is replaced, by what it gives. `remote`
    answers the values only AWS knows (`remote_values`); without it they are not found.
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
        remote,
    )
    try:
        try:  # useDotenv and the stage first, with the environment alone, then the stage's .env (as Serverless)
            resolver.sources["env"].prepare()
        except _Failed:
            pass
        for tokens in [_parse_pattern(pattern) for pattern in shallow]:
            try:
                resolver.walk((), tokens, shallow=True)
            except _Failed:
                pass
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
        for tokens in [_parse_pattern(pattern) for pattern in deferred]:
            resolver.walk_deferred((), tokens)
    except _Abort:
        pass
    except RecursionError:
        resolver.problem((), "variables reference each other too deeply to resolve; simplify the references")
    if resolver.problems:
        raise ConfigError(resolver.problems)
    return resolver.doc
