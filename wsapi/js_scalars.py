"""JavaScript's scalar rules, as Serverless v3 (a Node program) applies them to a configuration.

How js-yaml's default schema reads a plain (unquoted, untagged) scalar, after v3's `JSON.stringify` round trip:

* only ``true``/``false`` (in the case styles js-yaml accepts) are booleans, so ``yes``, ``on`` and ``off``
  stay strings; ``~``, ``null`` and the empty scalar are null;
* integers in decimal, ``0b``, ``0o`` and ``0x``; a number beyond the largest double stays text;
* timestamps become the ISO-8601 string that serialising a JS ``Date`` gives
  (``2012-10-17`` -> ``"2012-10-17T00:00:00.000Z"``); ``.inf``/``.nan`` become ``None``;
* integral numbers are ``int`` (``1e3`` and ``1.0`` -> ``1000`` and ``1``): JavaScript has one number type.

And how JavaScript turns values into text (``String(value)``, ``Number.prototype.toString``) and text into a
number (``Number(text)``), which mapping keys and variables need.
"""

from __future__ import annotations

import datetime as _dt
import decimal as _decimal
import math
import re
from typing import Any

__all__ = [
    "NOT_FOUND", "NULLS", "TRUES", "FALSES", "MAX_DOUBLE_DIGITS", "plain_scalar", "parse_int", "parse_float",
    "plain_number", "timestamp", "js_string", "js_number", "js_number_of",
]

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
_JS_DECIMAL_RE = re.compile(r"[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)\Z")
_JS_RADIX_RE = re.compile(r"0(?:[xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)\Z")

#: An integer written with more decimal digits than this is beyond the largest double (1.8e308).
MAX_DOUBLE_DIGITS = 309

NULLS = {"", "~", "null", "Null", "NULL"}
TRUES = {"true", "True", "TRUE"}
FALSES = {"false", "False", "FALSE"}
#: What the parsers below return for text that is not of their kind.
NOT_FOUND = object()


def parse_int(text: str) -> Any:
    if not _INT_RE.match(text):
        return NOT_FOUND
    sign = -1 if text[0] == "-" else 1
    body = text[1:] if text[0] in "+-" else text
    prefix = body[:2]
    if prefix not in ("0b", "0x", "0o"):
        body = body.lstrip("0") or "0"  # int() counts leading zeros towards its 4,300-digit limit too
        if len(body) > MAX_DOUBLE_DIGITS:  # beyond the largest double: not a finite JS number
            return NOT_FOUND
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
        return NOT_FOUND
    return sign * value


def parse_float(text: str) -> Any:
    if not _FLOAT_RE.match(text):
        return NOT_FOUND
    lowered = text.lower()
    if lowered.lstrip("+-") in (".inf", ".nan"):
        return None  # JSON.stringify turns Infinity/NaN into null
    value = float(text)
    if math.isinf(value):
        return NOT_FOUND
    return plain_number(value)


def plain_number(value: float) -> Any:
    """JavaScript has one number type: an integral double is an integer once serialised."""
    if value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def timestamp(text: str) -> Any:
    """The string a JS Date built by js-yaml serialises to (`Date.prototype.toJSON`)."""
    match = _DATE_RE.match(text)
    parts: tuple = ()
    if match:
        parts = (match.group(1), match.group(2), match.group(3), None, None, None, None, None, None, None, None)
    else:
        match = _TIMESTAMP_RE.match(text)
        if not match:
            return NOT_FOUND
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
        return NOT_FOUND
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:"
        f"{moment.minute:02d}:{moment.second:02d}.{moment.microsecond // 1000:03d}Z"
    )


def plain_scalar(text: str) -> Any:
    """The value of a plain (unquoted, untagged) YAML scalar, as js-yaml's default schema reads it."""
    if text in NULLS:
        return None
    if text in TRUES:
        return True
    if text in FALSES:
        return False
    first = text[0]
    if first in "+-.0123456789":
        value = parse_int(text)
        if value is not NOT_FOUND:
            return value
        value = parse_float(text)
        if value is not NOT_FOUND:
            return value
        if first.isdigit():
            value = timestamp(text)
            if value is not NOT_FOUND:
                return value
    return text


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


def js_number_of(text: str) -> Any:
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
