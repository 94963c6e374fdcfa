"""Check a document against a schema the way Serverless v3 does (ajv 8 with `coerceTypes: 'array'`), coercing
values in place as ajv does: the interpreter of `config_schema`'s table.

A schema is a tree of `Shape`s (our notation for the JSON Schema subset Serverless's schema uses). What ajv does,
and so what this module does, for one value:

1. `types`: when the value has none of them and one of them can be coerced to (string, number, integer,
   boolean, null, array), a one-item list is first unwrapped (`[x]` -> `x`), then converted: numbers and
   booleans to text (`1234` -> `"1234"`, `2.50` -> `"2.5"`), numeric text to numbers (`"30"` -> `30`),
   `"true"`/`"false"` (and 1/0) to booleans, scalars to one-item lists. A converted value replaces the
   original in its container at once; an unwrapped value that matched nothing stays in use for the rest of
   this value's checks (ajv keeps it in the same variable), but the container keeps the list.
2. keywords without a type (`const`, `enum`, `anyOf`, `oneOf`, `allOf`), then those of the value's type
   (number, string, array, object), in ajv's order. `anyOf` stops at the first branch that passes; a branch
   that failed may still have converted the value (ajv's behaviour, kept).

A mapping's null values are left out before checking, as Serverless does (`normalizeUserConfig`). Text that
still holds a `${...}` variable (a path wsapi does not resolve) and `model.Unresolved` values pass unchecked:
Serverless would have checked the resolved value, which is unknown here.

`check` returns the problems found (`Finding`), with anyOf/oneOf branch problems narrowed as Serverless narrows
them for its messages (`normalize-ajv-errors.js`): only the branch that was evidently meant.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, List, Mapping, Optional, Pattern, Sequence, Tuple, Union

from .js_scalars import js_number_of, js_string
from .model import Unresolved

__all__ = ["Shape", "Finding", "check", "ANY", "NO_CONST"]

#: `Shape.const` when there is none.
NO_CONST = object()
_COERCIBLE = ("string", "number", "integer", "boolean", "null", "array")


@dataclass(frozen=True, eq=False)
class Shape:
    """One schema node. An empty Shape (`ANY`) accepts anything and is not descended into."""

    types: Tuple[str, ...] = ()
    const: Any = NO_CONST
    enum: Optional[Tuple[Any, ...]] = None
    any_of: Tuple["Shape", ...] = ()
    one_of: Tuple["Shape", ...] = ()
    all_of: Tuple["Shape", ...] = ()
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    min_length: Optional[int] = None
    max_length: Optional[int] = None
    pattern: Optional[Pattern[str]] = None  #: searched, as JavaScript's RegExp.test does
    min_items: Optional[int] = None
    max_items: Optional[int] = None
    items: Optional["Shape"] = None
    tuple_items: Optional[Tuple["Shape", ...]] = None
    additional_items: Union[bool, "Shape"] = True
    max_properties: Optional[int] = None
    required: Tuple[str, ...] = ()
    properties: Mapping[str, "Shape"] = field(default_factory=dict)
    pattern_properties: Tuple[Tuple[Pattern[str], "Shape"], ...] = ()
    additional: Union[bool, "Shape"] = True  #: additionalProperties
    label: str = ""  #: names an anyOf for its message ("function event")


ANY = Shape()


@dataclass(frozen=True)
class Finding:
    """One problem: where (keys and indexes), which keyword failed, and what it means."""

    path: Tuple[Union[str, int], ...]
    keyword: str
    message: str
    key: str = ""  #: the unknown key (`additionalProperties`) or the unsupported event's keys


class _Cell:
    """The value being checked and where it lives: ajv's data variable, shared by every schema applied to the
    same value (anyOf branches see what an earlier branch converted or unwrapped)."""

    __slots__ = ("value", "holder", "key")

    def __init__(self, value: Any, holder: Any, key: Any) -> None:
        self.value, self.holder, self.key = value, holder, key

    def replace(self, value: Any) -> None:
        self.value = value
        if self.holder is not None:
            self.holder[self.key] = value


def check(shape: Shape, document: Any) -> List[Finding]:
    """Check (and coerce, in place) `document` against `shape`; the problems found, narrowed for messages."""
    return _check(shape, _Cell(document, None, None), ())


# -- types ---------------------------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _finite(value: Any) -> bool:
    """A number JavaScript holds as a finite double (an integer past the double range is Infinity there)."""
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _has_type(kind: str, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "number":
        return _is_number(value) and _finite(value)
    if kind == "integer":
        return _is_number(value) and _finite(value) and float(value).is_integer()
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "null":
        return value is None
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, Mapping)
    raise ValueError(f"unknown type {kind!r}")


def _number_from_text(text: str, integral: bool) -> Any:
    """ajv's `data && data == +data` (and `!(data % 1)` for integers): the number, or None."""
    if not text:
        return None
    number = js_number_of(text)
    if number is None:
        return None
    if integral and _finite(number) and not float(number).is_integer():
        return None
    return None if isinstance(number, float) and math.isinf(number) else number


def _coerced(kind: str, value: Any) -> Any:
    """ajv's conversion of `value` to `kind`, or `_NONE` when it has none."""
    if kind == "string":
        if _is_number(value) or isinstance(value, bool):
            return js_string(value)
        return "" if value is None else _NONE
    if kind in ("number", "integer"):
        if isinstance(value, bool):
            return int(value)
        if value is None:
            return 0
        if isinstance(value, str):
            number = _number_from_text(value, kind == "integer")
            return _NONE if number is None else number
        return _NONE
    if kind == "boolean":
        if value == "false" or value is None or (_is_number(value) and value == 0):
            return False
        if value == "true" or (_is_number(value) and value == 1):
            return True
        return _NONE
    if kind == "null":
        return None if value == "" or value is False or (_is_number(value) and value == 0) else _NONE
    if kind == "array":
        return [value] if value is None or isinstance(value, (str, bool, int, float)) else _NONE
    return _NONE


_NONE = object()


def _check_type(shape: Shape, cell: _Cell, path: tuple) -> List[Finding]:
    if any(_has_type(kind, cell.value) for kind in shape.types):
        return []
    coercible = [kind for kind in shape.types if kind in _COERCIBLE]
    failed = [Finding(path, "type", f"must be {' or '.join(shape.types)}")]
    if not coercible:
        return failed
    value = cell.value
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
        cell.value = value  # ajv's data variable now holds the item, converted or not
        if any(_has_type(kind, value) for kind in shape.types):
            cell.replace(value)
            return []
    for kind in coercible:
        converted = _coerced(kind, value)
        if converted is not _NONE:
            cell.replace(converted)
            return []
    return failed


# -- keywords -------------------------------------------------------------------------------------------------


def _opaque(value: Any) -> bool:
    """A value this check cannot judge: one that could not be resolved, or text that still holds a variable."""
    return isinstance(value, Unresolved) or (isinstance(value, str) and "${" in value)


def _check(shape: Shape, cell: _Cell, path: tuple) -> List[Finding]:
    if shape is ANY or _opaque(cell.value):
        return []
    findings: List[Finding] = []
    if shape.types:
        findings += _check_type(shape, cell, path)
    findings += _untyped(shape, cell, path)
    value = cell.value
    if _is_number(value):
        findings += _number(shape, value, path)
    elif isinstance(value, str):
        findings += _string(shape, value, path)
    elif isinstance(value, list):
        findings += _array(shape, value, path)
    elif isinstance(value, Mapping):
        findings += _object(shape, value, path)
    return findings


def _untyped(shape: Shape, cell: _Cell, path: tuple) -> List[Finding]:
    findings: List[Finding] = []
    if shape.const is not NO_CONST and not _equal(cell.value, shape.const):
        findings.append(Finding(path, "const", f"must be {shape.const!r}"))
    if shape.enum is not None and not any(_equal(cell.value, item) for item in shape.enum):
        findings.append(Finding(path, "enum", "must be one of the allowed values"))
    if shape.any_of:
        findings += _any_of(shape, cell, path)
    if shape.one_of:
        findings += _one_of(shape, cell, path)
    for branch in shape.all_of:
        findings += _check(branch, cell, path)
    return findings


def _equal(a: Any, b: Any) -> bool:
    """JSON equality (ajv's `equal`): true is not 1, and 1 is 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if _is_number(a) and _is_number(b):
        return a == b
    return type(a) is type(b) and a == b


def _number(shape: Shape, value: Any, path: tuple) -> List[Finding]:
    if shape.maximum is not None and value > shape.maximum:
        return [Finding(path, "maximum", f"must be <= {js_string(shape.maximum)}")]
    if shape.minimum is not None and value < shape.minimum:
        return [Finding(path, "minimum", f"must be >= {js_string(shape.minimum)}")]
    return []


def _string(shape: Shape, value: str, path: tuple) -> List[Finding]:
    findings = []
    length = len(value)  # code points, as ajv's ucs2length counts
    if shape.max_length is not None and length > shape.max_length:
        findings.append(Finding(path, "maxLength", f"must be at most {shape.max_length} characters"))
    if shape.min_length is not None and length < shape.min_length:
        findings.append(Finding(path, "minLength", f"must be at least {shape.min_length} characters"))
    if shape.pattern is not None and not shape.pattern.search(value):
        findings.append(Finding(path, "pattern", f"must match {shape.pattern.pattern}"))
    return findings


def _array(shape: Shape, value: list, path: tuple) -> List[Finding]:
    findings = []
    if shape.max_items is not None and len(value) > shape.max_items:
        findings.append(Finding(path, "maxItems", f"must have at most {shape.max_items} items"))
    if shape.min_items is not None and len(value) < shape.min_items:
        findings.append(Finding(path, "minItems", f"must have at least {shape.min_items} items"))
    if shape.tuple_items is not None:
        for index, item_shape in enumerate(shape.tuple_items[: len(value)]):
            findings += _check(item_shape, _Cell(value[index], value, index), path + (index,))
        extra = range(len(shape.tuple_items), len(value))
        if shape.additional_items is False and len(extra):
            findings.append(Finding(path, "additionalItems", f"must have at most {len(shape.tuple_items)} items"))
        elif isinstance(shape.additional_items, Shape):
            for index in extra:
                findings += _check(shape.additional_items, _Cell(value[index], value, index), path + (index,))
    elif shape.items is not None:
        for index in range(len(value)):
            findings += _check(shape.items, _Cell(value[index], value, index), path + (index,))
    return findings


def _object(shape: Shape, value: Mapping, path: tuple) -> List[Finding]:
    present = [key for key, item in value.items() if item is not None]  # Serverless drops nulls first
    findings = []
    if shape.max_properties is not None and len(present) > shape.max_properties:
        findings.append(Finding(path, "maxProperties", f"must have at most {shape.max_properties} properties"))
    for key in shape.required:
        if value.get(key) is None:
            findings.append(Finding(path, "required", f"must have property {key!r}", key))
    if shape.additional is not True:
        for key in present:
            if key in shape.properties or any(p.search(key) for p, _ in shape.pattern_properties):
                continue
            if shape.additional is False:
                findings.append(Finding(path, "additionalProperties", f"unrecognized property {key!r}", key))
            else:
                findings += _check(shape.additional, _Cell(value[key], value, key), path + (key,))
    for key, item_shape in shape.properties.items():
        if value.get(key) is not None:
            findings += _check(item_shape, _Cell(value[key], value, key), path + (key,))
    for pattern, item_shape in shape.pattern_properties:
        for key in present:
            if pattern.search(key):
                findings += _check(item_shape, _Cell(value[key], value, key), path + (key,))
    return findings


# -- composites, and how Serverless narrows their problems ---------------------------------------------------------


def _any_of(shape: Shape, cell: _Cell, path: tuple) -> List[Finding]:
    failures = []
    for branch in shape.any_of:
        found = _check(branch, cell, path)
        if not found:
            return []
        failures.append(found)
    return _narrowed(shape, failures, path, cell.value)


def _one_of(shape: Shape, cell: _Cell, path: tuple) -> List[Finding]:
    results = [_check(branch, cell, path) for branch in shape.one_of]
    passing = sum(1 for found in results if not found)
    if passing == 1:
        return []
    if passing > 1:
        return [Finding(path, "oneOf", "must match exactly one of its formats")]
    return _narrowed(shape, results, path, cell.value)


def _narrowed(shape: Shape, failures: Sequence[List[Finding]], path: tuple, value: Any) -> List[Finding]:
    """The problems of the branch evidently meant (`normalize-ajv-errors.js`): branches whose only problem is
    the value's type are left out, then those whose problems are not the deepest; one left: its problems;
    else one problem for the whole."""
    if shape.label == "function event":
        return _event_problems(failures, path, value)
    candidates = [found for found in failures if not (len(found) == 1 and found[0].keyword == "type" and found[0].path == path)]
    if len(candidates) > 1:
        deepest = max(max(len(f.path) for f in found) for found in candidates)
        candidates = [found for found in candidates if max(len(f.path) for f in found) == deepest]
    if len(candidates) == 1:
        return candidates[0]
    return [Finding(path, "anyOf", "unsupported configuration format")]


def _event_problems(failures: Sequence[List[Finding]], path: tuple, value: Any) -> List[Finding]:
    """A function event: the problems of the event type it names, else "unsupported function event"."""
    for found in failures:
        if not any(f.keyword == "required" and f.path == path for f in found):
            return found
    keys = [key for key, item in value.items() if item is not None] if isinstance(value, Mapping) else []
    return [Finding(path, "anyOf", "unsupported function event", ",".join(map(str, keys)))]


def compile_pattern(pattern: str) -> Pattern[str]:
    """A pattern of the table (Python syntax, ASCII classes as JavaScript's without the `u` flag's extras)."""
    return re.compile(pattern, re.ASCII)
