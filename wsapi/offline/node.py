"""Finding the `node` that runs a service's Node.js functions: `--node PATH`, else `node` on PATH, and checking
that it is recent enough for wsapi's Node runtime (`node_runtime.cjs`)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Optional

#: The oldest Node.js `node_runtime.cjs` runs on: the oldest Lambda runtime still in use, nodejs14.x.
MINIMUM_MAJOR = 14
VERSION = re.compile(r"^v(?P<major>\d+)\.(\d+)\.(\d+)")


@dataclass(frozen=True)
class NodeInstall:
    path: str  #: the executable, as found (absolute)
    version: str  #: e.g. "20.20.2"
    major: int


class NodeUnusable(Exception):
    """No usable `node`: the message says why and what to do (without naming a function)."""


def locate_node(explicit: Optional[str] = None, env_path: Optional[str] = None) -> NodeInstall:
    """The Node.js to run functions with: `explicit` (`--node PATH`) when given, else `node` on PATH."""
    if explicit:
        if os.sep in explicit:
            path = explicit if os.path.isfile(explicit) and os.access(explicit, os.X_OK) else None
        else:
            path = shutil.which(explicit, path=env_path)
        if path is None:
            raise NodeUnusable(f"--node {explicit}: no such executable")
    else:
        path = shutil.which("node", path=env_path)
        if path is None:
            raise NodeUnusable("no `node` on PATH: install Node.js, or give its path with --node PATH")
    path = os.path.abspath(path)
    try:
        result = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as error:
        raise NodeUnusable(f"{path} --version failed: {error}") from None
    match = VERSION.match(result.stdout.strip())
    if result.returncode != 0 or match is None:
        said = (result.stdout.strip() or result.stderr.strip() or f"exit status {result.returncode}").splitlines()[0]
        raise NodeUnusable(f"{path} --version did not print a Node.js version ({said})")
    version = result.stdout.strip()[1:]
    major = int(match.group("major"))
    if major < MINIMUM_MAJOR:
        raise NodeUnusable(
            f"{path} is Node.js {version}; wsapi offline needs Node.js {MINIMUM_MAJOR} or newer (choose another with --node PATH)"
        )
    return NodeInstall(path, version, major)
