"""The @connections management API, as `https://{api}.execute-api.{region}.amazonaws.com/{stage}/@connections/{id}`
answers it, served on the WebSocket port at `/@connections/{id}` and `/{stage}/@connections/{id}`:

  POST   send the request body to the connection (text frame when it is UTF-8, else binary)  -> 200
  GET    {"connectedAt", "identity": {"sourceIp", "userAgent"}, "lastActiveAt"} (boto3: ConnectedAt,
         Identity{SourceIp, UserAgent}, LastActiveAt)                                        -> 200
  DELETE close the connection                                                                -> 204
  an unknown or closed connection                                                            -> 410 GoneException
  a body over 128 KB                                                                         -> 413 PayloadTooLargeException

Errors carry `x-amzn-ErrorType`, so boto3's `apigatewaymanagementapi` client raises the matching exception
(`client.exceptions.GoneException`). Requests are not signature-checked, as no offline tool can.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable, Dict, Optional, Protocol
from urllib.parse import unquote, urlsplit

from .events import ConnectionInfo, iso_time

PAYLOAD_LIMIT = 128 * 1024
PREFIX = "/@connections/"


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: Dict[str, str] = field(default_factory=dict)


def error_reply(status: int, error_type: str, message: Optional[str]) -> Reply:
    body = json.dumps({"message": message}).encode() if message is not None else b"{}"
    return Reply(status, body, {"Content-Type": "application/json", "x-amzn-ErrorType": error_type})


def gone() -> Reply:
    return error_reply(410, "GoneException", None)


def forbidden() -> Reply:
    return error_reply(403, "ForbiddenException", "Forbidden")


class Connection(Protocol):
    info: ConnectionInfo

    def post(self, data: bytes) -> bool: ...

    def disconnect(self) -> None: ...


def connection_id_from(target: str, stage: str) -> Optional[str]:
    """The connection id a management request addresses, or None when the path is not a management path
    of this stage. `target` is the request target (path and query)."""
    path = urlsplit(target).path
    if path.startswith("/" + stage + PREFIX):
        path = path[len(stage) + 1 :]
    if not path.startswith(PREFIX):
        return None
    raw = path[len(PREFIX) :]
    if not raw or "/" in raw:
        return None
    return unquote(raw)


def is_management_path(target: str) -> bool:
    return "/@connections" in urlsplit(target).path


def handle(method: str, target: str, body: bytes, stage: str, lookup: Callable[[str], Optional[Connection]]) -> Reply:
    connection_id = connection_id_from(target, stage)
    if connection_id is None or method not in ("POST", "GET", "DELETE"):
        return forbidden()
    connection = lookup(connection_id)
    if method == "POST" and len(body) > PAYLOAD_LIMIT:
        return error_reply(413, "PayloadTooLargeException", f"Message size exceeds the {PAYLOAD_LIMIT // 1024} KB limit")
    if connection is None:
        return gone()
    if method == "POST":
        if not connection.post(body):
            return gone()
        return Reply(200)
    if method == "GET":
        info = connection.info
        document = {  # wire names: boto3 shows them as ConnectedAt, Identity{SourceIp,UserAgent}, LastActiveAt
            "connectedAt": iso_time(info.connected_at),
            "identity": {"sourceIp": info.source_ip, "userAgent": info.user_agent or ""},
            "lastActiveAt": iso_time(info.last_active_at or info.connected_at),
        }
        return Reply(200, json.dumps(document).encode(), {"Content-Type": "application/json"})
    connection.disconnect()
    return Reply(204)
