"""How large and how deep a configuration document may be, and what a reader says when one is not.

The bounds keep reading any input under about a second and 100 MB (figures in `bench/README-hostile.md`); the
YAML composer and the JSON reader both enforce them, before building any Python value.
"""

from __future__ import annotations

from typing import Optional

from .errors import ConfigError, Problem

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


def refuse(file: str, message: str) -> ConfigError:
    """The error refusing a whole document (its problem has no dotted path)."""
    return ConfigError([Problem("", message)], file)


def too_large_message(size: int) -> str:
    return (
        f"the file is {size:,} bytes, larger than the {MAX_FILE_BYTES:,} bytes "
        f"({MAX_FILE_BYTES // (1024 * 1024)} MB) limit"
    )


def depth_message(line: int, column: int, alias: Optional[str]) -> str:
    through = f' through alias "*{alias}"' if alias else ""
    return (
        f"nesting is deeper than {MAX_DEPTH} levels{through} at line {line}, column {column}; "
        f"flatten the structure"
    )


def too_many_values_message(line: Optional[int], alias: Optional[str], aliases: bool = True) -> str:
    """More than MAX_NODES values: an alias bomb when aliases are involved, else plainly too big."""
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


def too_much_text_message(line: int, alias: Optional[str]) -> str:
    through = f'alias "*{alias}" at line {line}' if alias else f"at line {line}"
    return (
        f"the document would expand to more than {MAX_TEXT_CHARS:,} characters of text through YAML aliases "
        f"({through}); refusing to load it (protection against aliases that repeat a long text many times)"
    )
