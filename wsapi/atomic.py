"""Write a file whole or not at all: a user never finds a partial template or archive."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator, Union


@contextlib.contextmanager
def atomic_file(target: Union[str, "os.PathLike[str]"], mode: str = "wb", **open_args) -> Iterator:
    """Open a temporary file beside `target`; on success rename it onto `target`, on failure remove it."""
    directory = Path(os.path.abspath(target)).parent
    directory.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".wsapi-", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **open_args) as handle:
            yield handle
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
