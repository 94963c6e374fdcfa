"""Which route a message goes to, as API Gateway routes a WebSocket API's messages: the key the route
selection expression evaluates to (`wsapi/route_selection.py`, the parser validation uses too) when a route
has it, else `$default`, else none (the server then sends AWS's Forbidden frame)."""

from __future__ import annotations

from typing import Collection, Optional, Union

from ..route_selection import RouteSelectionExpression


def choose_route(
    expression: RouteSelectionExpression, route_keys: Collection[str], message: Union[str, bytes]
) -> Optional[str]:
    """The route key a message goes to: the selected key when a route has it (never `$connect` or
    `$disconnect`), else `$default` when there is one, else None (no route: API Gateway answers Forbidden)."""
    key = expression.select(message)
    if key is not None and key in route_keys and key not in ("$connect", "$disconnect"):
        return key
    return "$default" if "$default" in route_keys else None
