"""`wsapi offline`: serve a service's WebSocket API locally, with API Gateway's semantics and each function in
its own warm worker processes, as Lambda runs it. See `command.py` for the command line, `server.py` for the
gateway, `workers.py` for the processes."""

from __future__ import annotations

from .app import Settings, build_app
from .server import OfflineServer

__all__ = ["OfflineServer", "Settings", "build_app"]
