"""The server's fast path for the frames nearly every message uses: a client's single-frame text or binary
message in, a server's unfragmented text or binary frame out.

Everything else (control frames, fragments, oversized or malformed frames, any frame once the close handshake
has begun) goes to the `websockets` Sans-I/O protocol, which applies RFC 6455 and API Gateway's limits. The
split is safe because the protocol is only ever given whole frames: its parser always waits at a frame
boundary, and a frame it never saw leaves no state behind in it (a single-frame message changes nothing
that the protocol tracks). `websockets` does the same work per frame through generators, a frame object and
an event queue; doing it here halves the server's cost per message.
"""

from __future__ import annotations

import struct
from typing import Optional, Tuple

try:
    from websockets.speedups import apply_mask  # the library's C helper, when it was built
except ImportError:  # pragma: no cover - pure-Python websockets
    from websockets.utils import apply_mask

__all__ = ["apply_mask", "frame_extent", "is_simple_data_frame", "header"]

_U16 = struct.Struct("!H")
_U64 = struct.Struct("!Q")
FIN_TEXT = 0x81
FIN_BINARY = 0x82


def frame_extent(buffer: bytearray, offset: int) -> Optional[Tuple[int, int]]:
    """(header size, payload size) of the frame starting at `offset`, or None until its header is complete."""
    available = len(buffer) - offset
    if available < 2:
        return None
    second = buffer[offset + 1]
    length = second & 0x7F
    size = 2
    if length == 126:
        if available < 4:
            return None
        (length,) = _U16.unpack_from(buffer, offset + 2)
        size = 4
    elif length == 127:
        if available < 10:
            return None
        (length,) = _U64.unpack_from(buffer, offset + 2)
        size = 10
    if second & 0x80:
        size += 4
    return size, length


def is_simple_data_frame(first: int, second: int) -> bool:
    """A masked, final TEXT or BINARY frame with no reserved bit set: a whole message in one frame."""
    return (first == FIN_TEXT or first == FIN_BINARY) and second & 0x80 != 0


def header(opcode_byte: int, length: int) -> bytes:
    """The header of an unmasked server frame (FIN set) carrying `length` bytes."""
    if length < 126:
        return bytes((opcode_byte, length))
    if length < 65536:
        return bytes((opcode_byte, 126)) + _U16.pack(length)
    return bytes((opcode_byte, 127)) + _U64.pack(length)
