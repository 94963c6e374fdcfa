"""The event loop `wsapi offline` runs on: uvloop (libuv) where it is installed, else asyncio's own.

uvloop is a requirement on Linux and macOS. On the offline echo benchmark it raised round trips per second by
a fifth to two fifths at 10 clients (bench/README-offline.md): the server's time per message is mostly
the event loop's own (readiness polling, transport reads and writes), which uvloop does in C. Windows has no
uvloop, and the server behaves the same on either loop (the test suite runs on both).
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Optional, TypeVar

T = TypeVar("T")

LOOPS = ("auto", "uvloop", "asyncio")


def loop_factory(kind: str = "auto") -> Optional[Callable[[], asyncio.AbstractEventLoop]]:
    """A factory for the loop `kind` names; None means asyncio's default. `uvloop` when it is not installed
    is an ImportError naming it."""
    if kind not in LOOPS:
        raise ValueError(f"unknown event loop {kind!r}: expected one of {', '.join(LOOPS)}")
    if kind == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if kind == "uvloop":
            raise
        return None
    return uvloop.new_event_loop


def run(main: Callable[[], Awaitable[T]], kind: str = "auto") -> T:
    """`asyncio.run(main())` on the chosen loop."""
    factory = loop_factory(kind)
    if hasattr(asyncio, "Runner"):  # Python 3.11+
        with asyncio.Runner(loop_factory=factory) as runner:
            return runner.run(main())  # type: ignore[arg-type]
    loop = factory() if factory is not None else asyncio.new_event_loop()
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(main())
    finally:
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        asyncio.set_event_loop(None)
        loop.close()
