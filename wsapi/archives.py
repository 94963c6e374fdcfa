"""Deterministic zip archives of function code: members sorted, fixed timestamps, Serverless's modes (0755
for files executable by their owner, 0644 otherwise), so the same files always give the same bytes, and a
digest of the members that is equal exactly when the archives are."""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence, Tuple

from .atomic import atomic_file

#: Serverless's archive modes: executable by the owner -> 0755, else 0644.
EXECUTABLE_MODE = 0o755
REGULAR_MODE = 0o644
#: The earliest time a zip entry can carry; Serverless's archiver writes the same for `new Date(0)`.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class ArchiveFile:
    name: str  #: member name (relative POSIX path)
    source: str  #: absolute path to read
    mode: int  #: 0o755 or 0o644


def mode_of(path: str) -> int:
    return EXECUTABLE_MODE if os.stat(path).st_mode & stat.S_IXUSR else REGULAR_MODE


def archive_files(root: Path, names: Iterable[str]) -> Tuple[ArchiveFile, ...]:
    files = []
    for name in sorted(names):
        source = os.fspath(root / name)
        files.append(ArchiveFile(name, source, mode_of(source)))
    return tuple(files)


def files_digest(files: Sequence[ArchiveFile]) -> str:
    """sha256 of the members' names, modes and contents: equal exactly when the archives are."""
    digest = hashlib.sha256()
    for file in files:
        digest.update(f"{file.name}\0{file.mode:o}\0".encode())
        digest.update(file_digest(file.source).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def file_digest(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_zip(files: Sequence[ArchiveFile], target: Path) -> Path:
    """Write the members to `target` deterministically (sorted, fixed time, fixed modes), atomically."""
    with atomic_file(target) as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(files, key=lambda f: f.name):
            info = zipfile.ZipInfo(file.name, date_time=ZIP_EPOCH)
            info.create_system = 3  # unix, so the mode below is honoured
            info.external_attr = (stat.S_IFREG | file.mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(file.source, "rb") as source, archive.open(info, "w") as member:
                copy_blocks(source, member)
    return target


def copy_blocks(source, destination) -> None:
    for block in iter(lambda: source.read(1 << 20), b""):
        destination.write(block)
