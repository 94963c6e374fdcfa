"""The events API Gateway sends a WebSocket API's Lambda proxy integrations, and the error frames it sends
clients: pure functions of what the server observed, so each shape is tested on its own.

Shapes follow AWS's documented and observed events: `requestContext` carries routeKey, eventType
(CONNECT|MESSAGE|DISCONNECT), messageId (MESSAGE), connectionId, connectedAt, domainName, stage, apiId,
requestId, extendedRequestId, requestTime, requestTimeEpoch, messageDirection "IN", identity, and the
authorizer's output once a `$connect` authorizer allowed the connection; `$connect` events carry the
upgrade request's headers and query string (the query keys only when there is a query, as AWS does),
MESSAGE events `body` and `isBase64Encoded`, DISCONNECT events disconnectStatusCode and disconnectReason.
"""

from __future__ import annotations

import base64
import hashlib
import http
import json
import random
import secrets
import time
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple

#: The account id offline ARNs use (Lambda's documentation placeholder).
ACCOUNT_ID = "123456789012"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: AWS's reason for a client close frame without a status code (1005).
NO_STATUS_REASON = "Client-side close frame status not set"

Pairs = Sequence[Tuple[str, str]]


_random = random.Random(secrets.randbits(128))
_ID_BATCH = 256
_ids: list = []


def new_id() -> str:
    """An id shaped like AWS's request and message ids: 15 URL-safe characters and `=` (cheap: not secret).
    Made 256 at a time: one random draw and one base64 pass instead of one each per id."""
    if not _ids:
        text = base64.urlsafe_b64encode(_random.getrandbits(96 * _ID_BATCH).to_bytes(12 * _ID_BATCH, "big")).decode("ascii")
        _ids.extend(text[i : i + 15] + "=" for i in range(0, 16 * _ID_BATCH, 16))  # 12 bytes: 16 characters
    return _ids.pop()


def new_connection_id() -> str:
    """A connection id: the same shape, unguessable (it is all the @connections API asks for)."""
    return secrets.token_urlsafe(11)[:15] + "="


def api_id(service: str, stage: str) -> str:
    """A stable 10-character API id for a service and stage (AWS's are 10 lowercase letters and digits)."""
    digest = hashlib.sha256(f"{service}/{stage}".encode()).digest()
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[b % len(alphabet)] for b in digest[:10])


_last_second = [-1, ""]


def request_time(epoch_ms: int) -> str:
    """`09/Feb/2024:18:11:43 +0000`, the CLF time AWS puts in requestTime (never locale-dependent)."""
    second = epoch_ms // 1000
    cached = _last_second
    if cached[0] == second:
        return cached[1]  # type: ignore[return-value]
    t = time.gmtime(second)
    text = f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    cached[0], cached[1] = second, text
    return text


def iso_time(epoch_ms: int) -> str:
    """`2024-02-09T18:11:43.419Z`, the timestamp format of the @connections API."""
    t = time.gmtime(epoch_ms / 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + f".{epoch_ms % 1000:03d}Z"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class Api:
    """What every event says about the API: ids, stage, region."""

    api_id: str
    stage: str
    region: str
    account_id: str = ACCOUNT_ID

    def method_arn(self, route_key: str) -> str:
        return f"arn:aws:execute-api:{self.region}:{self.account_id}:{self.api_id}/{self.stage}/{route_key}"


@dataclass
class ConnectionInfo:
    """What API Gateway remembers of a connection and repeats in each of its events."""

    connection_id: str
    connected_at: int  #: epoch ms
    source_ip: str
    user_agent: Optional[str]
    domain_name: str
    headers: Pairs = ()  #: the upgrade request's headers, in order, as sent
    query: Pairs = ()  #: its query string parameters, in order
    authorizer: Optional[Mapping[str, Any]] = None  #: principalId, context values, integrationLatency
    last_active_at: int = 0
    #: JSON fragments of this connection's requestContext, for `message_event_json` (set once accepted)
    fragments: Optional[Tuple[str, str, str]] = None

    def identity(self) -> dict:
        identity: dict = {"sourceIp": self.source_ip}
        if self.user_agent is not None:
            identity["userAgent"] = self.user_agent
        return identity


def request_context(
    api: Api,
    conn: ConnectionInfo,
    route_key: str,
    event_type: str,
    request_id: str,
    epoch_ms: int,
    *,
    message_id: Optional[str] = None,
    disconnect: Optional[Tuple[int, str]] = None,
    with_authorizer: bool = True,
) -> dict:
    ctx: dict = {"routeKey": route_key}
    if message_id is not None:
        ctx["messageId"] = message_id
    if disconnect is not None:
        ctx["disconnectStatusCode"] = disconnect[0]
    ctx["eventType"] = event_type
    ctx["extendedRequestId"] = request_id
    ctx["requestTime"] = request_time(epoch_ms)
    ctx["messageDirection"] = "IN"
    if disconnect is not None:
        ctx["disconnectReason"] = disconnect[1]
    ctx["stage"] = api.stage
    ctx["connectedAt"] = conn.connected_at
    ctx["requestTimeEpoch"] = epoch_ms
    ctx["identity"] = conn.identity()
    ctx["requestId"] = request_id
    ctx["domainName"] = conn.domain_name
    ctx["connectionId"] = conn.connection_id
    ctx["apiId"] = api.api_id
    if with_authorizer and conn.authorizer is not None:
        ctx["authorizer"] = dict(conn.authorizer)
    return ctx


def single_and_multi(pairs: Iterable[Tuple[str, str]]) -> Tuple[dict, dict]:
    """`headers`/`multiValueHeaders` (or the query string pair): the last value wins in the single form."""
    single: dict = {}
    multi: dict = {}
    for key, value in pairs:
        single[key] = value
        multi.setdefault(key, []).append(value)
    return single, multi


def _request_parts(conn: ConnectionInfo) -> dict:
    headers, multi_headers = single_and_multi(conn.headers)
    parts: dict = {"headers": headers, "multiValueHeaders": multi_headers}
    if conn.query:
        query, multi_query = single_and_multi(conn.query)
        parts["queryStringParameters"] = query
        parts["multiValueQueryStringParameters"] = multi_query
    return parts


def connect_event(api: Api, conn: ConnectionInfo, request_id: str, epoch_ms: int) -> dict:
    event = _request_parts(conn)
    event["requestContext"] = request_context(api, conn, "$connect", "CONNECT", request_id, epoch_ms)
    event["isBase64Encoded"] = False
    return event


def authorizer_event(api: Api, conn: ConnectionInfo, request_id: str, epoch_ms: int) -> dict:
    """The REQUEST authorizer's event: the `$connect` request, with `type` and `methodArn`."""
    event: dict = {"type": "REQUEST", "methodArn": api.method_arn("$connect")}
    event.update(_request_parts(conn))
    event["stageVariables"] = {}
    event["requestContext"] = request_context(
        api, conn, "$connect", "CONNECT", request_id, epoch_ms, with_authorizer=False
    )
    return event


def message_event(
    api: Api, conn: ConnectionInfo, route_key: str, data: Any, request_id: str, message_id: str, epoch_ms: int
) -> dict:
    """A MESSAGE event: text frames as `body`, binary frames base64-encoded with `isBase64Encoded`."""
    binary = isinstance(data, (bytes, bytearray, memoryview))
    body = base64.b64encode(bytes(data)).decode("ascii") if binary else data
    return {
        "requestContext": request_context(api, conn, route_key, "MESSAGE", request_id, epoch_ms, message_id=message_id),
        "body": body,
        "isBase64Encoded": binary,
    }


def connection_fragments(api: Api, conn: ConnectionInfo) -> Tuple[str, str, str]:
    """The parts of a MESSAGE event's requestContext that never change on a connection, as JSON."""
    dumps = json.dumps
    first = f'"stage":{dumps(api.stage)},"connectedAt":{conn.connected_at}'
    second = f'"identity":{dumps(conn.identity())}'
    third = f'"domainName":{dumps(conn.domain_name)},"connectionId":{dumps(conn.connection_id)},"apiId":{dumps(api.api_id)}'
    if conn.authorizer is not None:
        third += f',"authorizer":{dumps(dict(conn.authorizer))}'
    return first, second, third


#: json.dumps(text) without its dispatch: the C encoder it ends in, same output (ASCII, escaped).
_json_string = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]


def message_event_json(
    fragments: Tuple[str, str, str], route_key_json: str, data: Any, request_id: str, message_id: str, epoch_ms: int
) -> str:
    """`message_event` as JSON text, built from the connection's fragments: the same document, without
    building and encoding a dict per message (the server's hot path)."""
    if isinstance(data, str):
        body, binary = _json_string(data), "false"
    else:
        body, binary = '"' + base64.b64encode(bytes(data)).decode("ascii") + '"', "true"
    first, second, third = fragments
    return (
        '{"requestContext":{"routeKey":' + route_key_json + ',"messageId":"' + message_id
        + '","eventType":"MESSAGE","extendedRequestId":"' + request_id + '","requestTime":"' + request_time(epoch_ms)
        + '","messageDirection":"IN",' + first + ',"requestTimeEpoch":' + str(epoch_ms) + "," + second
        + ',"requestId":"' + request_id + '",' + third + '},"body":' + body + ',"isBase64Encoded":' + binary + "}"
    )  # fmt: skip


def disconnect_event(api: Api, conn: ConnectionInfo, code: int, reason: str, request_id: str, epoch_ms: int) -> dict:
    """The DISCONNECT event: AWS sends these fixed headers, not the client's."""
    pairs = (("Host", conn.domain_name), ("x-api-key", ""), ("X-Forwarded-For", ""), ("x-restapi", ""))
    headers, multi_headers = single_and_multi(pairs)
    return {
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "requestContext": request_context(
            api, conn, "$disconnect", "DISCONNECT", request_id, epoch_ms, disconnect=(code, reason)
        ),
        "isBase64Encoded": False,
    }


def status_phrase(status: int) -> str:
    """The reason phrase of an HTTP status (`Forbidden`), as API Gateway puts it in a refusal's message."""
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_frame(message: str, connection_id: str, request_id: str) -> str:
    """The frame API Gateway sends a client when a message fails, spaced exactly as AWS spaces it:
    `{"message": "Internal server error", "connectionId":"...", "requestId":"..."}`."""
    return f'{{"message": "{message}", "connectionId":"{connection_id}", "requestId":"{request_id}"}}'


def disconnect_reason(code: int, reason: str) -> str:
    """The disconnectReason AWS reports for a close code and reason received from a client."""
    if code == 1005:
        return NO_STATUS_REASON
    return reason


def log_stream_name(epoch_ms: int) -> str:
    t = time.gmtime(epoch_ms / 1000)
    return time.strftime("%Y/%m/%d", t) + "/[$LATEST]" + secrets.token_hex(16)


def function_arn(api: Api, deployed_name: str) -> str:
    return f"arn:aws:lambda:{api.region}:{api.account_id}:function:{deployed_name}"
