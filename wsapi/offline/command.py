"""The `offline` command line: `python -m wsapi offline PATH` (wired in `wsapi/cli.py`) and, standalone,
`python -m wsapi.offline PATH`. Serves until Ctrl-C (SIGINT) or SIGTERM, then stops cleanly."""

from __future__ import annotations

import argparse
import ipaddress
import signal
from typing import TYPE_CHECKING, Dict, Optional, TextIO

from .settings import (
    DEFAULT_MAX_WORKERS, DEFAULT_PORT, IDLE_TIMEOUT, INTEGRATION_TIMEOUT, MAX_DURATION, MIN_INTEGRATION_TIMEOUT,
    Settings,
)  # fmt: skip

if TYPE_CHECKING:
    from .logs import Log
    from .server import OfflineServer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `offline` subcommand's arguments (beyond PATH/--stage/--region/--param/--option)."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument(
        "--idle-timeout", type=float, default=IDLE_TIMEOUT, metavar="SECONDS",
        help="close a connection after this long without a frame from its client (default: 600, as AWS)",
    )
    parser.add_argument(
        "--max-duration", type=float, default=MAX_DURATION, metavar="SECONDS",
        help="close a connection this long after it opened (default: 7200, as AWS)",
    )
    parser.add_argument(
        "--integration-timeout", type=float, default=INTEGRATION_TIMEOUT, metavar="SECONDS",
        help="answer 'Endpoint request timed out' when a route's function runs longer (default: 29, as AWS; "
        "the function itself runs on to its own timeout)",
    )
    parser.add_argument(
        "--max-workers", type=int, default=DEFAULT_MAX_WORKERS, metavar="N",
        help=f"warm worker processes per function, at most (default: {DEFAULT_MAX_WORKERS})",
    )
    parser.add_argument("--quiet", action="store_true", help="no log line per event (errors and handler output still show)")
    parser.add_argument(
        "--node", metavar="PATH", help="the Node.js executable that runs Node.js functions (default: node on PATH)",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    for name in ("idle_timeout", "max_duration"):
        if getattr(args, name) <= 0:
            raise ValueError(f"argument --{name.replace('_', '-')}: must be positive")
    if not MIN_INTEGRATION_TIMEOUT <= args.integration_timeout <= INTEGRATION_TIMEOUT:
        raise ValueError(f"argument --integration-timeout: must be from {MIN_INTEGRATION_TIMEOUT} to {INTEGRATION_TIMEOUT:g} seconds, as in AWS")
    if args.max_workers < 1:
        raise ValueError("argument --max-workers: must be at least 1")
    if not 0 <= args.port <= 65535:
        raise ValueError("argument --port: must be from 0 to 65535")
    return Settings(
        host=args.host, port=args.port, idle_timeout=args.idle_timeout, max_duration=args.max_duration,
        integration_timeout=args.integration_timeout, max_workers=args.max_workers, quiet=args.quiet,
        node=getattr(args, "node", None),
    )  # fmt: skip


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def serve(
    service, settings: Settings, file: str, stream: Optional[TextIO] = None,
    params: Optional[Dict[str, str]] = None, options: Optional[Dict[str, str]] = None,
) -> None:  # fmt: skip
    """Serve until SIGINT/SIGTERM. Raises ConfigError before serving when the service cannot run offline."""
    from .app import build_app
    from .logs import Log
    from .server import OfflineServer

    app = build_app(service, file, node=settings.node, params=params, options=options)
    log = Log(stream, quiet=settings.quiet)
    for warning in app.warnings:
        log.warning(warning)
    if not _is_loopback(settings.host):
        log.warning(f"listening on {settings.host}: the handlers and the unauthenticated @connections API are reachable from the network")
    server = OfflineServer(app, settings, log)
    await server.start()
    routes = ", ".join(app.routes)
    log.info(f"wsapi offline: {app.service.name} (stage {app.api.stage}) on {server.url}  routes: {routes}")
    log.info(f"@connections API: http://{settings.host}:{server.port}/{app.api.stage}/@connections/{{id}}  (Ctrl-C stops)")
    await _serve_until_signalled(server, log)


async def _serve_until_signalled(server: "OfflineServer", log: "Log") -> None:
    """The first SIGINT or SIGTERM stops gracefully (saying what it waits for), a second one stops now."""
    import asyncio

    from .server import SHUTDOWN_GRACE, calls

    requested = asyncio.Event()

    def on_signal() -> None:
        if not requested.is_set():
            requested.set()
        else:
            log.info("wsapi offline: stopping now")
            server.stop_now()

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal)
    stopped = False
    try:
        await requested.wait()
        waiting = server.calls_to_wait_for()
        if waiting:
            log.info(f"wsapi offline: stopping; waiting up to {SHUTDOWN_GRACE:g} s for {calls(waiting)}; Ctrl-C again to stop now")
        else:
            log.info("wsapi offline: stopping")
        log.flush()
        await server.stop(SHUTDOWN_GRACE)
        stopped = True
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        if not stopped:  # cancelled or failed while serving: no worker may outlive the server
            server.stop_now()


def run_offline(args: argparse.Namespace, stream: Optional[TextIO] = None) -> str:
    """Load the service as `wsapi validate` does (plus each function's runtime), serve it, return "" once
    stopped. ConfigError/OSError propagate for the CLI to report (exit 2)."""
    from ..arguments import UsageError

    try:
        settings = settings_from(args)
    except ValueError as error:
        raise UsageError(str(error)) from None
    try:
        return _load_and_serve(args, settings, stream)
    except KeyboardInterrupt:  # Ctrl-C while loading, before the server's own handlers are installed
        return ""


def _load_and_serve(args: argparse.Namespace, settings: Settings, stream: Optional[TextIO]) -> str:
    from . import eventloop
    from ..arguments import key_values
    from ..aws_fetch import Fetch
    from ..config import load_service
    from ..errors import ConfigError

    params = key_values(args.param, "--param")
    options = key_values(getattr(args, "option", []) or [], "--option")
    service = load_service(
        args.path, stage=args.stage, region=getattr(args, "region", None), params=params, options=options,
        remote=Fetch(),  # the functions run now: values only AWS knows are read now (boto3)
    )
    try:
        eventloop.run(lambda: serve(service, settings, args.path, stream, params, options))
    except ConfigError as error:
        raise error.with_file(args.path) from None
    return ""
