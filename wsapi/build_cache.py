"""The build cache: folders built once (installed requirements, bundles) and found again by a key, so that a
second `pulumi up` or `wsapi export` builds nothing it built before.

`WSAPI_BUILD_CACHE` names the cache folder (default: `$XDG_CACHE_HOME/wsapi/builds`, else
`~/.cache/wsapi/builds`); serverless-python-requirements' `cacheLocation` replaces it for the requirements.
The folder is the user's alone (`private_dirs`): created mode 0700, refused when it is a symbolic link,
another user's, or writable by group or others.
An entry is written beside its final place and renamed into it when complete, so an interrupted build
leaves nothing behind and two builds of the same entry at once both end with one complete entry.

`stats` counts hits and builds in this process (the benchmark reports them).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Optional

from .build_errors import BuildError
from .private_dirs import UnsafeFolder, private_folder


@dataclass
class CacheStats:
    hits: int = 0
    builds: int = 0
    seconds: Dict[str, float] = field(default_factory=dict)  #: build time by kind of entry


stats = CacheStats()


def cache_root(location: Optional[str] = None, base: Optional[Path] = None, where: str = "WSAPI_BUILD_CACHE") -> Path:
    """The cache folder, created for the user alone or refused (a `BuildError` at `where`, the setting that
    names it): `location` (relative to `base`), else `WSAPI_BUILD_CACHE`, else the user's cache."""
    try:
        return private_folder(cache_path(location, base))
    except UnsafeFolder as error:
        raise BuildError(where, f"the build cache cannot be used: {error.message}") from None


def cache_path(location: Optional[str] = None, base: Optional[Path] = None) -> Path:
    if location:
        path = Path(location).expanduser()
        return path if path.is_absolute() or base is None else (base / path)
    configured = os.environ.get("WSAPI_BUILD_CACHE")
    if configured:
        return Path(configured)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "wsapi" / "builds"


def key_of(*parts: Any) -> str:
    """A stable key for the inputs of a build (anything JSON can write)."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def entry(root: Path, kind: str, key: str, build: Callable[[Path], None], *, refresh: bool = False) -> Path:
    """The folder `root/kind/key`, built by `build(folder)` unless it exists (or `refresh`: built again)."""
    final = root / kind / key
    if final.is_dir() and not refresh:
        stats.hits += 1
        os.utime(final)  # most recently used (for pruning)
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=final.parent))
    try:
        build(work)
        publish(work, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    stats.builds += 1
    return final


def publish(work: Path, final: Path) -> None:
    """Move a complete build into place; an entry built meanwhile by another process is kept (or replaced when
    refreshing: the old one is moved aside first)."""
    if final.exists():
        aside = Path(tempfile.mkdtemp(prefix=f".{final.name}-old-", dir=final.parent))
        try:
            os.replace(final, aside / "entry")
        except OSError:
            pass
        shutil.rmtree(aside, ignore_errors=True)
    try:
        os.replace(work, final)
    except OSError:
        if not final.is_dir():  # not a concurrent twin: a real failure
            raise


def content_entry(root: Path, kind: str, fill: Callable[[Path], None], digest: Callable[[Path], str]) -> Path:
    """A folder filled by `fill`, stored under the digest of what it holds: a build whose inputs are not known
    beforehand (a bundle follows the imports) is made every time, and kept once per distinct result."""
    (root / kind).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=root / kind))
    try:
        fill(work)
        final = root / kind / digest(work)
        if final.is_dir():
            stats.hits += 1
        else:
            publish(work, final)
            stats.builds += 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final


def prune(root: Path, kind: str, keep: int) -> None:
    """Keep the `keep` most recently used entries of a kind (serverless-python-requirements'
    `staticCacheMaxVersions`); 0 keeps all."""
    folder = root / kind
    if keep <= 0 or not folder.is_dir():
        return
    entries = sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.stat().st_mtime)
    for old in entries[: max(0, len(entries) - keep)]:
        shutil.rmtree(old, ignore_errors=True)
