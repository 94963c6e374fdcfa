"""Folders wsapi keeps built code in (the archives the component uploads, installed requirements, bundles):
whoever can write there chooses the code that is deployed. Such a folder is created for the user alone (mode
0700, missing parents too), and an existing one is refused when it is a symbolic link (it could point anywhere,
and be repointed), is not owned by the user, or is writable by group or others. The default archive folder
sits in the shared temporary folder, where another user could create it first.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Optional

PRIVATE_MODE = 0o700


class UnsafeFolder(Exception):
    """A build folder wsapi refuses to use (`message` says why and what to do)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def private_folder(path: Path) -> Path:
    """`path`, created for the user alone if missing; raises `UnsafeFolder` if it is not safe to build in."""
    path = Path(path)
    if not os.path.lexists(path):
        missing = [path]
        while not os.path.lexists(missing[-1].parent) and missing[-1].parent != missing[-1]:
            missing.append(missing[-1].parent)
        for folder in reversed(missing):  # os.makedirs gives its mode to the last folder only
            try:
                os.mkdir(folder, PRIVATE_MODE)
            except FileExistsError:
                pass  # created meanwhile (by another build, or someone else): checked below
            except OSError as error:
                raise UnsafeFolder(f"cannot create {folder}: {error.strerror or error}") from None
    problem = folder_problem(path)
    if problem is not None:
        raise UnsafeFolder(problem)
    return path


def folder_problem(path: Path) -> Optional[str]:
    """Why an existing `path` is not safe to keep built code in, or None."""
    try:
        info = os.lstat(path)
    except OSError as error:
        return f"cannot read {path}: {error.strerror or error}"
    if stat.S_ISLNK(info.st_mode):
        return f"{path} is a symbolic link, which could be pointed elsewhere; give the real folder instead"
    if not stat.S_ISDIR(info.st_mode):
        return f"{path} is not a folder"
    uid = os.getuid() if hasattr(os, "getuid") else None
    if uid is not None and info.st_uid != uid:
        return f"{path} belongs to another user (uid {info.st_uid}), who could change the code deployed; use a folder of your own"
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o022:
        return f"{path} is writable by {'group and others' if mode & 0o022 == 0o022 else 'group' if mode & 0o020 else 'others'} (mode {mode:04o}), who could change the code deployed; run chmod go-w {path}"
    return None
