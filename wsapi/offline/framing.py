"""The server's fast path for the frames nearly every message uses: a client's single-frame text or binary
message of up to FAST_PAYLOAD_LIMIT bytes in, a server's unfragmented text or binary frame out (RFC 6455,
section 5).

Every other frame (control frames, fragments, longer or oversized or malformed frames, any frame while a
fragmented message is under way or once the close handshake has begun) goes to the `websockets` Sans-I/O
protocol, through its public API only, which applies RFC 6455 and API Gateway's limits. The split is safe
because the protocol is only ever given whole frames: its parser always waits at a frame boundary, and a
single-frame message it never saw changes nothing it tracks. `websockets` does the same work per frame
through generators, a frame object and an event queue; doing it here halves the server's cost per message.

Unmasking is done here too, with the standard library: XOR of the payload and the repeated key as two
integers, C loops inside CPython. It costs about 0.5 µs for the usual short message and grows with the
length, which is why longer frames go to the protocol, whose unmasking is compiled.
"""

from __future__ import annotations

import struct
from typing import Optional, Tuple

__all__ = ["FAST_PAYLOAD_LIMIT", "frame_extent", "header", "is_simple_data_frame", "unmask"]

_U16 = struct.Struct("!H")
_U64 = struct.Struct("!Q")
FIN_TEXT = 0x81
FIN_BINARY = 0x82
#: The longest payload the fast path unmasks itself; past it, handing the frame to the protocol costs less.
FAST_PAYLOAD_LIMIT = 2048


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


def unmask(payload: bytes, key: bytes, from_bytes=int.from_bytes) -> bytes:
    """The payload XOR the 4-byte masking key repeated (masking and unmasking are the same operation)."""
    length = len(payload)
    stream = (key * ((length >> 2) + 1))[:length]
    return (from_bytes(payload, "little") ^ from_bytes(stream, "little")).to_bytes(length, "little")


def header(opcode_byte: int, length: int) -> bytes:
    """The header of an unmasked server frame (FIN set) carrying `length` bytes."""
    if length < 126:
        return bytes((opcode_byte, length))
    if length < 65536:
        return bytes((opcode_byte, 126)) + _U16.pack(length)
    return bytes((opcode_byte, 127)) + _U64.pack(length)
