"""Text that is not Unicode: lone UTF-16 surrogates, which JSON and YAML escapes (`\\ud800`) can produce and
which Python uses for undecodable bytes of the environment and command line (U+DC80..U+DCFF). No template,
terminal or AWS API can take them, so every reader refuses them with a message saying what was found."""

from __future__ import annotations

import re
from typing import Optional

SURROGATE_RE = re.compile("[\ud800-\udfff]")
#: A `\u` (or `\U`) escape of a surrogate, as JSON and double-quoted YAML write one.
SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F]|\\U0000[dD][89a-fA-F]")


def not_unicode(text: str) -> Optional[str]:
    """None for proper Unicode text; else what is wrong with it, for a message: a byte that could not be
    decoded (Python hands undecodable bytes of the environment and command line over as lone surrogates,
    U+DC80..U+DCFF) or a lone UTF-16 surrogate."""
    match = SURROGATE_RE.search(text)
    if match is None:
        return None
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:
        return f"byte 0x{code - 0xDC00:02x} is not valid UTF-8"
    return f"\\u{code:04x} is half of a UTF-16 surrogate pair without its other half"


def surrogate_message(text: str, what: str, where: str = "") -> str:
    """The problem of a string (or key) read from a file that holds a lone surrogate."""
    code = ord(SURROGATE_RE.search(text).group())
    return (
        f"{what}{where} holds \\u{code:04x}, half of a UTF-16 surrogate pair without its other half, which "
        f"is not a Unicode character; write the character itself (or both halves, e.g. \\ud83d\\ude00)"
    )
