"""Write a file whole or not at all: a user never finds a partial template or archive."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path
from typing import Iterator, Union

#: What `open(path, "w")` asks for; the umask then takes its bits away (0644 under the usual 022).
NEW_FILE_MODE = 0o666


@contextlib.contextmanager
def atomic_file(
    target: Union[str, "os.PathLike[str]"], mode: str = "wb", *, create_folder: bool = True, **open_args
) -> Iterator:
    """Open a temporary file beside `target`; on success rename it onto `target`, on failure remove it.
    The file gets the mode any new file gets (the umask applies), not `mkstemp`'s private 0600.
    `create_folder=False`: a missing folder is a FileNotFoundError naming it, and nothing is created."""
    directory = Path(os.path.abspath(target)).parent
    if create_folder:
        directory.mkdir(parents=True, exist_ok=True)
    elif not directory.is_dir():
        raise FileNotFoundError(errno.ENOENT, "no such folder", os.fspath(directory))
    fd, temporary = _create_in(directory)
    try:
        with os.fdopen(fd, mode, **open_args) as handle:
            yield handle
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _create_in(directory: Path) -> tuple[int, str]:
    """A new, exclusively created file in `directory` (as `mkstemp`, but with the umask's mode)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temporary = os.fspath(directory / f".wsapi-{secrets.token_hex(8)}.tmp")
        try:
            return os.open(temporary, flags, NEW_FILE_MODE), temporary
        except FileExistsError:  # pragma: no cover - 64 random bits
            continue
