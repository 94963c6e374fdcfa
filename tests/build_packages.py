#!/usr/bin/env python3
"""The real packages the build tests use, downloaded once into a cache folder outside the repository:
`$WSAPI_TEST_CACHE`, default `~/.cache/wsapi-tests`.

- `wheels/`: small wheels from PyPI for the platforms the tests install for (six, pure Python; MarkupSafe,
  compiled: one wheel per Python and architecture). The tests give pip `--no-index --find-links` to this folder,
  so they install offline, as fast as pip can.
- `npm5/node_modules`: esbuild, TypeScript 5 and ms (a dependency to ship); `npm7/node_modules`: TypeScript 7
  (the native compiler, which serverless-plugin-typescript 2 cannot use and wsapi can).

CI fills it before the tests (`.ci/run`: `.venv/bin/python tests/build_packages.py`, about 25 s and 65 MB); the tests fill what is missing on
first use, so the README's test command works on a fresh machine too. Standard library only (it runs before
the virtualenv exists); needs pip and npm, and the network the first time.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

ESBUILD = "0.28.2"
TYPESCRIPT_5 = "5.9.3"
TYPESCRIPT_7 = "7.0.2"
MS = "2.1.3"
SIX = "six==1.17.0"
MARKUPSAFE = "markupsafe==3.0.2"
#: (python version, pip platform) of every compiled wheel the tests install.
PLATFORMS = (("3.12", "manylinux2014_x86_64"), ("3.12", "manylinux2014_aarch64"), ("3.11", "manylinux2014_x86_64"))
NPM_SETS = {
    "npm5": (f"esbuild@{ESBUILD}", f"typescript@{TYPESCRIPT_5}", f"ms@{MS}"),
    "npm7": (f"typescript@{TYPESCRIPT_7}",),
}


def cache() -> Path:
    return Path(os.environ.get("WSAPI_TEST_CACHE") or Path.home() / ".cache" / "wsapi-tests")


def wheels() -> Path:
    return cache() / "wheels"


def node_modules(name: str = "npm5") -> Path:
    return cache() / name / "node_modules"


@contextlib.contextmanager
def locked() -> Iterator[None]:
    """One filler at a time (the test workers start together)."""
    cache().mkdir(parents=True, exist_ok=True)
    with open(cache() / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run(command: list, cwd: Path) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")


def fill_wheels() -> None:
    target = wheels()
    marker = target / ".complete"
    if marker.is_file():
        return
    target.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--no-deps", "-d", str(target)]
    run([*pip, "--only-binary=:all:", SIX], target)
    for python, platform in PLATFORMS:
        run([*pip, "--only-binary=:all:", "--platform", platform, "--python-version", python, "--implementation", "cp", MARKUPSAFE], target)
    marker.write_text("")


def fill_npm(name: str) -> None:
    folder = cache() / name
    marker = folder / ".complete"
    if marker.is_file():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed: the build tests need Node.js and npm")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.json").write_text('{"name": "wsapi-test-packages", "version": "1.0.0", "private": true}\n')
    run([npm, "install", "--no-audit", "--no-fund", "--save-exact", *NPM_SETS[name]], folder)
    marker.write_text("")


def ensure(*what: str) -> Path:
    """Fill what is missing (`wheels`, `npm5`, `npm7`; all by default); return the cache folder."""
    with locked():
        for name in what or ("wheels", *NPM_SETS):
            fill_wheels() if name == "wheels" else fill_npm(name)
    return cache()


if __name__ == "__main__":
    print(ensure())
