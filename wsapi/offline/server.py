"""The offline API Gateway on one port: binds it, starts each function's workers, puts the gateway
(`gateway.py`: API Gateway's semantics) behind one transport per TCP connection (`transport.py`: HTTP and
WebSocket on the wire), and stops them in order.

Stopping, as API Gateway and Lambda would go away: no new connections; every WebSocket gets 1001 and its
`$disconnect`; messages arriving meanwhile are not routed; calls under way get up to `grace` seconds to
finish (`stop_now()` cuts that short); then every worker process is killed with its process group, and a
call still running is logged as stopped, not as failed.
"""

from __future__ import annotations

import asyncio
import os
from typing import Dict, Optional, Set

from .app import OfflineApp, function_specs, handler_problems, management_endpoint
from .environment import environment_notes
from .gateway import Gateway
from .logs import Log
from .settings import Settings
from .transport import PeerProtocol
from .typescript import BuildResult, build
from .workers import Invoker

SHUTDOWN_GRACE = 5.0  #: seconds calls under way get to finish when the server stops


class OfflineServer:
    """Binds the port, starts the workers, serves until `stop()`."""

    def __init__(self, app: OfflineApp, settings: Settings, log: Optional[Log] = None) -> None:
        self.app = app
        self.settings = settings
        self.log = log or Log(quiet=settings.quiet)
        self.server: Optional[asyncio.base_events.Server] = None
        self.invoker: Optional[Invoker] = None
        self.gateway: Optional[Gateway] = None
        self.peers: Set[PeerProtocol] = set()
        self.port = settings.port
        self.forced = False
        self.built: Optional[BuildResult] = None  #: the TypeScript handlers built on start

    async def start(self, base_env: Optional[Dict[str, str]] = None) -> None:
        """Bind, load every handler (ConfigError when one cannot be loaded), then accept connections. Workers
        already started are stopped if starting fails or is cancelled."""
        loop = asyncio.get_running_loop()
        holder: Dict[str, Gateway] = {}
        self.server = await loop.create_server(
            lambda: PeerProtocol(holder["gateway"], self.peers), self.settings.host, self.settings.port, start_serving=False
        )
        self.port = self.server.sockets[0].getsockname()[1]
        endpoint = management_endpoint(self.settings.host, self.port, self.app.api.stage)
        try:
            await self._build()
        except BaseException:
            self.server.close()
            raise
        specs = function_specs(self.app, endpoint, base_env, self.built.handlers if self.built else None)
        for level, note in environment_notes(self.app.intrinsics, self.app.api, endpoint, os.environ if base_env is None else base_env):
            getattr(self.log, level)(note)
        self.invoker = Invoker(specs, self.settings.max_workers, self.log.output, self.log.error, self.settings.worker_idle_seconds)
        try:
            failures = await self.invoker.start()
        except BaseException:
            self.invoker.halt()
            self.server.close()
            self._remove_build()
            raise
        if failures:
            await self.invoker.close()
            self.server.close()
            self._remove_build()
            details = {key: f"{error.error_type}: {error}".strip(": ") for key, error in failures.items()}
            for key, error in failures.items():
                if error.error.get("stackTrace"):
                    self.log.error(f"{key}:\n{error.describe()}")
            self.log.flush()  # the stacks go out before the problems, and before the loop ends
            raise handler_problems(details, self.app.file)
        self.gateway = holder["gateway"] = Gateway(self.app, self.invoker, self.settings, self.log, self.port)
        await self.server.start_serving()

    async def _build(self) -> None:
        """Build the TypeScript handlers, as the service's build plugin would (ConfigError when one fails)."""
        plan = self.app.build
        if plan is None:
            return
        assert self.app.node is not None
        self.log.info(f"wsapi offline: building {len(plan.sources)} TypeScript handler(s) with {plan.tool}")
        self.log.flush()
        self.built = await build(plan, self.app.node.path, self.app.file)
        for warning in self.built.warnings:
            self.log.warning(f"{plan.tool}: {warning}")

    def _remove_build(self) -> None:
        if self.built is not None:
            self.built.remove()
            self.built = None

    @property
    def url(self) -> str:
        host = self.settings.host
        return f"ws://{'[' + host + ']' if ':' in host else host}:{self.port}"

    def calls_to_wait_for(self) -> int:
        """What `stop()` will wait for, were it called now: calls under way and one `$disconnect` per open
        connection."""
        return self.gateway.calls_to_wait_for() if self.gateway is not None else 0

    async def stop(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Stop accepting, close every connection, wait up to `grace` seconds for them to go and for the calls
        under way to finish (or until `stop_now()`), then stop every worker process."""
        if self.server is not None:
            self.server.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        if self.gateway is not None:
            self.gateway.stopping = True
            for peer in list(self.peers):
                peer.shutdown()
            while (self.peers or self.gateway.busy()) and not self.forced and loop.time() < deadline:
                await asyncio.sleep(0.01)
            if self.gateway.busy() and not self.forced:
                running = self.gateway.invoker.calls_under_way()
                self.log.info(f"wsapi offline: {calls(running)} still running after {grace:g} s: stopping them")
        if self.invoker is not None:
            await self.invoker.close()
        self._remove_build()
        for peer in list(self.peers):  # a client that never answered the close, or mid-handshake
            peer.abort()
        if self.server is not None:
            try:
                await asyncio.wait_for(self.server.wait_closed(), 2.0)
            except asyncio.TimeoutError:
                pass
        self.log.flush()  # lines still waiting for their batch: the loop may end before it is written

    def stop_now(self) -> None:
        """Stop every worker process at once, whatever it runs (a second Ctrl-C), and drop every connection;
        a `stop()` under way then finishes without waiting."""
        self.forced = True
        if self.server is not None:
            self.server.close()
        if self.gateway is not None:
            self.gateway.stopping = True
        if self.invoker is not None:
            self.invoker.halt()
        self._remove_build()
        for peer in list(self.peers):
            peer.abort()


def calls(count: int) -> str:
    """`1 call`, `2 calls`."""
    return f"{count} call" if count == 1 else f"{count} calls"
