"""The npm packages the Node.js tests of `wsapi offline` use (the AWS SDK v3 and v2 clients a handler posts to
@connections with, esbuild and TypeScript for the builds), installed from `offline_fixtures/npm` (exact
versions, a lock file) into a cache folder outside the repository: `WSAPI_TEST_NPM_CACHE`, else
`~/.cache/wsapi-tests/npm`. The tests install them on first use; CI runs this file first
(`python3 tests/node_support.py`), so the test run itself needs no network. Standard library only."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

SPEC = Path(__file__).resolve().parent / "offline_fixtures" / "npm"
FILES = ("package.json", "package-lock.json")


def cache_folder() -> Path:
    return Path(os.environ.get("WSAPI_TEST_NPM_CACHE") or Path.home() / ".cache" / "wsapi-tests" / "npm").expanduser()


def _current(folder: Path) -> bool:
    """The cache holds exactly the locked packages (npm writes node_modules/.package-lock.json last)."""
    return (folder / "node_modules" / ".package-lock.json").is_file() and all(
        (folder / name).is_file() and (folder / name).read_bytes() == (SPEC / name).read_bytes() for name in FILES
    )


def node_modules() -> Path:
    """The cache's node_modules, installed (`npm ci`) when missing or stale. Test processes running at the same
    time wait for one another's install (a lock file)."""
    folder = cache_folder()
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _current(folder):
            for name in FILES:
                shutil.copyfile(SPEC / name, folder / name)
            npm = shutil.which("npm")
            if npm is None:
                raise RuntimeError("the Node.js tests need npm (it comes with Node.js) to install their packages")
            result = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=folder, capture_output=True, text=True,
                timeout=600, stdin=subprocess.DEVNULL,
            )  # fmt: skip
            if result.returncode != 0 or not _current(folder):
                raise RuntimeError(f"npm ci in {folder} failed:\n{result.stdout}{result.stderr}")
    return folder / "node_modules"


def link_node_modules(service: Path) -> None:
    """Give a copied test service the cache's packages as its own node_modules, as `npm install` would."""
    (service / "node_modules").symlink_to(node_modules(), target_is_directory=True)


if __name__ == "__main__":
    try:
        node_modules()
    except RuntimeError as error:
        print(error, file=sys.stderr)
        sys.exit(1)
