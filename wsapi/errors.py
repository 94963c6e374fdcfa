"""Problems found in a serverless.yml, reported together with their dotted paths."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Iterable, Sequence, Union

PathKey = Union[str, int]


def join_path(parent: str, key: PathKey) -> str:
    """`functions.connect` + 0 -> `functions.connect[0]`; + "events" -> `functions.connect.events`."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def shorten(text: str, limit: int = 120, *, say_length: bool = False) -> str:
    """User text quoted in a message, cut to `limit` characters (the last one an ellipsis) so that a megabyte-long
    key, value or variable gives a readable line; `say_length` adds how long the whole text was."""
    if len(text) <= limit:
        return text
    return f"{text[: limit - 1]}… ({len(text):,} characters)" if say_length else f"{text[: limit - 1]}…"


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(text: str) -> str:
    """`text` with control characters and line or paragraph separators escaped (`\\n`, `\\x1b`, `\\u2028`):
    a key or value from the file may hold them, and each problem must stay on its own line."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            code = ord(char)
            out.append(_ESCAPES.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"))
        else:
            out.append(char)
    return "".join(out)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, at a dotted path (empty for the document as a whole)."""

    path: str
    message: str

    def format(self, file: str) -> str:
        where = self.path or "(document)"
        return one_line(f"{file}: {where}: {self.message}")

    def format_warning(self, file: str) -> str:
        where = self.path or "(document)"
        return one_line(f"{file}: {where}: warning: {self.message}")


class ConfigError(Exception):
    """Raised with every problem found, so a user fixes them all in one pass (each once, however many places
    share the value at fault)."""

    def __init__(self, problems: Sequence[Problem], file: str = "serverless.yml") -> None:
        self.problems = tuple(dict.fromkeys(problems))
        self.file = file
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [p.format(self.file) for p in self.problems]

    def with_file(self, file: str) -> "ConfigError":
        return ConfigError(self.problems, file)


class ProblemCollector:
    """Accumulates problems; `raise_if_any` turns them into one ConfigError."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def warn(self, path: str, message: str) -> None:
        """Something that deploys but is probably not what the user meant, or may hit a raisable quota."""
        self.warnings.append(Problem(path, message))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self, file: str = "serverless.yml") -> None:
        if self.problems:
            raise ConfigError(self.problems, file)
