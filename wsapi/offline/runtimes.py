"""Which language runtime runs a function offline, and how its worker processes are launched: Python functions
run `runtime.py` under this interpreter, Node.js functions run `node_runtime.cjs` under `node`. Both implement
the worker protocol `workers.py` specifies, so the pools, timeouts and shutdown are the same for both."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from typing import Optional, Tuple

from . import runtime

PYTHON_SCRIPT = os.path.abspath(runtime.__file__)
NODE_SCRIPT = os.path.join(os.path.dirname(PYTHON_SCRIPT), "node_runtime.cjs")

PYTHON_RUNTIME = re.compile(r"^python3(\.\d+)?$")
#: `nodejs20.x`, and the older names Lambda used: `nodejs8.10`, `nodejs4.3`, `nodejs`
NODE_RUNTIME = re.compile(r"^nodejs(?P<major>\d+)?(\.x|\.\d+)?$")
#: Serverless v3's runtime for a function that sets none (nor provider.runtime)
SERVERLESS_DEFAULT_RUNTIME = "nodejs16.x"


@dataclass(frozen=True)
class Launcher:
    """How a function's worker process starts (`command FD CONFIG`) and how its errors read in the log."""

    language: str  #: "python" or "node"
    command: Tuple[str, ...]
    #: the line the log puts before an error's stack (Python's traceback header; Node's stack lines need none)
    stack_title: str = ""


PYTHON = Launcher("python", (sys.executable, "-u", PYTHON_SCRIPT), "Traceback (most recent call last):")


def node_launcher(node: str, source_maps: bool = False) -> Launcher:
    """Node.js; `source_maps` for handlers built from TypeScript, so their stacks name the .ts lines."""
    flags = ("--enable-source-maps",) if source_maps else ()
    return Launcher("node", (node, *flags, NODE_SCRIPT))


def language_of(runtime_name: str) -> Optional[str]:
    """"python", "node", or None for a runtime offline does not run (java17, provided.al2, ...)."""
    if PYTHON_RUNTIME.match(runtime_name):
        return "python"
    if NODE_RUNTIME.match(runtime_name):
        return "node"
    return None


def node_major(runtime_name: str) -> Optional[int]:
    """The Node.js major version a `nodejsN.x` runtime runs (None for the unnumbered `nodejs`)."""
    match = NODE_RUNTIME.match(runtime_name)
    return int(match.group("major")) if match and match.group("major") else None
