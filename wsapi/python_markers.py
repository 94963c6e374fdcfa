"""PEP 508 environment markers (`requests; python_version < "3.12"`), evaluated for a Lambda function's Python
rather than for the machine running wsapi.

pip evaluates the markers of a requirements file for the interpreter that runs it, even with `--python-version`
and `--platform`: a line for `python_version >= "3.12"` is skipped when wsapi runs on Python 3.11 and installs
for python3.12. wsapi evaluates the markers of the lines it gives pip itself (`requirement_for`), for the
target's environment (`lambda_environment`), and hands pip the lines without them.
"""

from __future__ import annotations

import re
from typing import Dict, List, Mapping, Optional, Tuple

VARIABLES = (
    "python_version", "python_full_version", "os_name", "sys_platform", "platform_release", "platform_system",
    "platform_version", "platform_machine", "platform_python_implementation", "implementation_name",
    "implementation_version", "extra",
)  # fmt: skip
TOKEN = re.compile(
    r"""\s*(?:(?P<string>'[^']*'|"[^"]*")|(?P<op>===|==|!=|<=|>=|~=|<|>|\(|\)|not\s+in\b|in\b|and\b|or\b)|(?P<name>[A-Za-z_.]+))"""
)
VERSION_OPS = ("===", "==", "!=", "<=", ">=", "~=", "<", ">")


class MarkerError(ValueError):
    """A marker wsapi cannot read."""


def lambda_environment(python_version: str, machine: str) -> Dict[str, str]:
    """The marker variables of a Lambda function: Linux, CPython `python_version` (e.g. 3.12) on `machine`
    (x86_64 or aarch64). The patch level is not fixed by the runtime name: `.0` stands for it."""
    full = f"{python_version}.0"
    return {
        "python_version": python_version, "python_full_version": full, "os_name": "posix", "sys_platform": "linux",
        "platform_release": "", "platform_system": "Linux", "platform_version": "", "platform_machine": machine,
        "platform_python_implementation": "CPython", "implementation_name": "cpython", "implementation_version": full,
        "extra": "",
    }  # fmt: skip


def tokens(text: str) -> List[Tuple[str, str]]:
    found = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = TOKEN.match(text, position)
        if match is None:
            raise MarkerError(f"cannot read the marker {text!r} at {text[position:]!r}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        found.append((kind, " ".join(value.split()) if kind == "op" else value))
        position = match.end()
    return found


class _Parser:
    def __init__(self, text: str, environment: Mapping[str, str]) -> None:
        self.text = text
        self.items = tokens(text)
        self.index = 0
        self.environment = environment

    def peek(self) -> Optional[Tuple[str, str]]:
        return self.items[self.index] if self.index < len(self.items) else None

    def take(self) -> Tuple[str, str]:
        item = self.peek()
        if item is None:
            raise MarkerError(f"the marker {self.text!r} ends too early")
        self.index += 1
        return item

    def evaluate(self) -> bool:
        result = self.any_of()
        if self.peek() is not None:
            raise MarkerError(f"cannot read the marker {self.text!r}: unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return result

    def any_of(self) -> bool:
        result = self.all_of()
        while self.peek() == ("op", "or"):
            self.take()
            result = self.all_of() or result
        return result

    def all_of(self) -> bool:
        result = self.one()
        while self.peek() == ("op", "and"):
            self.take()
            result = self.one() and result
        return result

    def one(self) -> bool:
        if self.peek() == ("op", "("):
            self.take()
            result = self.any_of()
            if self.take() != ("op", ")"):
                raise MarkerError(f"unbalanced parentheses in the marker {self.text!r}")
            return result
        left, (kind, op), right = self.value(), self.take(), self.value()
        if kind != "op" or op in ("(", ")", "and", "or"):
            raise MarkerError(f"cannot read the marker {self.text!r}: {op!r} is not a comparison")
        return compare(left, op, right)

    def value(self) -> str:
        kind, text = self.take()
        if kind == "string":
            return text[1:-1]
        if kind == "name" and text in VARIABLES:
            return self.environment[text]
        raise MarkerError(f"cannot read the marker {self.text!r}: {text!r} is not a marker variable or a quoted string")


def release(text: str) -> Optional[Tuple[int, ...]]:
    """The release numbers of a version (`3.12.1rc1` -> (3, 12, 1)), None for anything else."""
    match = re.match(r"^v?(\d+(?:\.\d+)*)", text.strip())
    return tuple(int(part) for part in match.group(1).split(".")) if match else None


def padded(a: Tuple[int, ...], b: Tuple[int, ...]) -> Tuple[Tuple[int, ...], Tuple[int, ...]]:
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)), b + (0,) * (width - len(b))


def compare(left: str, op: str, right: str) -> bool:
    if op == "in":
        return left in right
    if op == "not in":
        return left not in right
    if op == "===":
        return left == right
    ours, theirs = release(left), release(right.rstrip(".*"))
    if ours is None or theirs is None:  # not versions: strings, as packaging compares them
        return {"==": left == right, "!=": left != right}.get(op, False)
    if op in ("==", "!=") and right.endswith(".*"):  # a prefix match
        same = ours[: len(theirs)] == theirs
        return same if op == "==" else not same
    if op == "~=":  # compatible release: >= it, and the same up to its last-but-one number
        return padded(ours, theirs)[0] >= padded(ours, theirs)[1] and ours[: len(theirs) - 1] == theirs[:-1]
    a, b = padded(ours, theirs)
    return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def evaluate(marker: str, environment: Mapping[str, str]) -> bool:
    """Whether `marker` holds in `environment`; `MarkerError` for a marker that cannot be read."""
    return _Parser(marker, environment).evaluate()


def split_marker(line: str) -> Tuple[str, Optional[str]]:
    """A requirement line as (requirement, marker or None). A `;` after a URL needs a space before it (PEP 508)."""
    if "://" in line.split(";", 1)[0] or line.lstrip().startswith((".", "/")):
        requirement, separator, marker = line.partition(" ;")
    else:
        requirement, separator, marker = line.partition(";")
    return (requirement.rstrip(), marker.strip()) if separator else (line, None)


def requirement_for(line: str, environment: Mapping[str, str]) -> Optional[str]:
    """The line without its marker when the marker holds for `environment`; None when it does not."""
    requirement, marker = split_marker(line)
    if marker is None:
        return line
    marker, dashes, options = marker.partition(" --")  # options after the marker (--hash=...) stay
    if not evaluate(marker, environment):
        return None
    return f"{requirement} --{options}" if dashes else requirement
