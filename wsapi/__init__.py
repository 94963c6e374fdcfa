"""wsapi: deploy the WebSocket API of a Serverless Framework v3 service with Pulumi, or export it as
CloudFormation. `pulumi` is imported only when the component is used, so `validate`/`export` start fast."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import load_service
from .errors import ConfigError, Problem

if TYPE_CHECKING:  # pragma: no cover
    from .component import WebSocketApi, WebSocketApiArgs

__all__ = ["WebSocketApi", "WebSocketApiArgs", "ConfigError", "Problem", "load_service"]


def __getattr__(name: str) -> Any:
    if name in ("WebSocketApi", "WebSocketApiArgs"):
        from . import component

        return getattr(component, name)
    raise AttributeError(f"module 'wsapi' has no attribute {name!r}")
