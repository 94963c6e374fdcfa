"""Settings of `wsapi offline`, and API Gateway's WebSocket limits and defaults: a module with no imports
beyond the standard library, so the command line can describe its options without loading the server."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

#: API Gateway's limits and defaults for WebSocket APIs.
MESSAGE_LIMIT = 128 * 1024
FRAME_LIMIT = 32 * 1024
IDLE_TIMEOUT = 10 * 60.0
MAX_DURATION = 2 * 60 * 60.0
#: How long API Gateway waits for an integration (seconds): 29 s by default, 50 ms at least.
INTEGRATION_TIMEOUT = 29.0
MIN_INTEGRATION_TIMEOUT = 0.05
DEFAULT_PORT = 3001
DEFAULT_MAX_WORKERS = 8
#: A function's processes beyond its first stop after this long without an invocation (Lambda reclaims idle
#: sandboxes after minutes): a burst does not keep max_workers processes per function for good.
WORKER_IDLE_SECONDS = 300.0


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    idle_timeout: float = IDLE_TIMEOUT  #: seconds without a frame from the client before API Gateway closes
    max_duration: float = MAX_DURATION  #: seconds a connection may last
    integration_timeout: float = INTEGRATION_TIMEOUT  #: seconds API Gateway waits for a route's function
    max_workers: int = DEFAULT_MAX_WORKERS  #: warm processes per function, at most
    worker_idle_seconds: float = WORKER_IDLE_SECONDS  #: a function's extra processes stop after this long idle
    quiet: bool = False  #: no per-event log lines
    node: Optional[str] = None  #: the `node` executable for Node.js functions (default: `node` on PATH)
