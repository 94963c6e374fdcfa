"""Which files of a folder go into a package, chosen as Serverless v3 chooses them
(`lib/plugins/package/lib/package-service.js`): every file (symbolic links followed), Serverless's default
excludes, then the exclude and include patterns in order, the last pattern that matches a file deciding.

Patterns are micromatch globs with `dot: true` (`globs`); a pattern names files, so `src` matches a file called
`src` and never the folder's content (write `src/**`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, List, Sequence, Tuple

from .globs import glob_matcher

DEFAULT_EXCLUDES = (
    ".git/**",
    ".gitignore",
    ".DS_Store",
    "npm-debug.log",
    "yarn-*.log",
    ".serverless/**",
    ".serverless_plugins/**",
)


def list_files(root: Path) -> List[str]:
    """Every file under `root` as a relative POSIX path, following symbolic links as globby's `follow` does
    (a linked folder is listed under the link's name too), except a link back into one of its own parent
    folders, which would never end; broken links are skipped."""
    found: List[str] = []

    def walk(directory: Path, relative: str, parents: frozenset) -> None:
        try:
            real = directory.resolve()
        except (OSError, RuntimeError):
            return
        if real in parents:
            return
        parents = parents | {real}
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            path = f"{relative}{entry.name}"
            try:
                if entry.is_dir(follow_symlinks=True):
                    walk(Path(entry.path), path + "/", parents)
                elif entry.is_file(follow_symlinks=True):
                    found.append(path)
            except OSError:
                continue

    walk(root, "", frozenset())
    return found


def union(*lists: Iterable[str]) -> List[str]:
    """lodash `_.union`: every value once, at its first place."""
    return list(dict.fromkeys(item for values in lists for item in values))


def select_files(files: Sequence[str], excludes: Sequence[str], includes: Sequence[str]) -> List[str]:
    """Serverless's `resolveFilePathsFromPatterns`: excludes (a leading `!` there re-includes), then includes
    (a leading `!` there excludes), each pattern flipping the files it matches; the last match wins."""
    steps: List[Tuple[bool, str]] = []
    for pattern in excludes:
        steps.append((True, pattern[1:]) if pattern.startswith("!") else (False, pattern))
    for pattern in includes:
        steps.append((False, pattern[1:]) if pattern.startswith("!") else (True, pattern))
    state = dict.fromkeys(files, True)
    for include, pattern in steps:
        match = glob_matcher(pattern)
        for path in files:
            if match(path):
                state[path] = include
    return [path for path, kept in state.items() if kept]


def globby_select(files: Sequence[str], patterns: Sequence[str]) -> List[str]:
    """The files `globby(patterns)` finds, as the build plugins call it to copy "extras": any positive
    pattern matches, a `!pattern` excludes wherever it stands; a pattern naming a folder means its files
    (`expandDirectories`); names with a part starting with a dot are matched only by a pattern that spells
    that part (`dot: false`)."""
    positive = [glob_matcher(p) for p in patterns if not p.startswith("!")]
    positive += [glob_matcher(f"{p.rstrip('/')}/**") for p in patterns if not p.startswith("!") and "*" not in p]
    negative = [glob_matcher(p[1:]) for p in patterns if p.startswith("!")]
    negative += [glob_matcher(f"{p[1:].rstrip('/')}/**") for p in patterns if p.startswith("!") and "*" not in p]
    dotted = [p for p in patterns if "/." in f"/{p.lstrip('!')}"]
    found = []
    for path in files:
        if any(part.startswith(".") for part in path.split("/")) and not any(path_spells_dots(path, p) for p in dotted):
            continue
        if any(match(path) for match in positive) and not any(match(path) for match in negative):
            found.append(path)
    return found


def path_spells_dots(path: str, pattern: str) -> bool:
    """Every dot part of `path` appears in `pattern` (globby's `dot: false` lets such patterns match)."""
    parts = pattern.lstrip("!").split("/")
    return all(part in parts for part in path.split("/") if part.startswith("."))
