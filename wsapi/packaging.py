"""Function code archives, chosen as Serverless v3 chooses them (`lib/plugins/package/lib/package-service.js`).

What goes into a package:

1. every file under the service folder (following symbolic links, skipping directories),
2. minus Serverless's default excludes (`.git/**`, `.gitignore`, `.DS_Store`, `npm-debug.log`, `yarn-*.log`,
   `.serverless/**`, `.serverless_plugins/**`), the configuration file itself, `plugins.localPath`, the
   folders of the service's own `layers`, `.env*` with `useDotenv: true`, and `package.exclude`,
3. then `package.include` and `package.patterns`, in order (for a function packaged individually, followed by
   the function's `include` and `patterns`): a pattern adds the files it matches, a `!pattern` removes them,
   the last pattern that matches a file decides. As in Serverless, a pattern listed twice counts at its first
   place only (lodash's `_.union`).

Patterns are micromatch globs with `dot: true` (`globs`); a pattern names files, so `src` matches a file called
`src` and never the folder's content (write `src/**`).

An archive is written with fixed timestamps and Serverless's modes (0755 for files executable by their
owner, 0644 otherwise), entries sorted, so the same files always give the same bytes.

Unlike Serverless, wsapi does not run `npm ls` to drop Node development dependencies from `node_modules`:
exclude them with a pattern (`!node_modules/<dev-package>/**`), or package from a production install.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, List, Optional, Sequence, Tuple

from .atomic import atomic_file
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

#: Serverless's archive modes: executable by the owner -> 0755, else 0644.
EXECUTABLE_MODE = 0o755
REGULAR_MODE = 0o644
#: The earliest time a zip entry can carry; Serverless's archiver writes the same for `new Date(0)`.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


# -- choosing the files ----------------------------------------------------------------------------------


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


# -- archives --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveFile:
    name: str  #: member name (relative POSIX path)
    source: str  #: absolute path to read
    mode: int  #: 0o755 or 0o644


def archive_files(root: Path, names: Iterable[str]) -> Tuple[ArchiveFile, ...]:
    files = []
    for name in sorted(names):
        source = root / name
        mode = EXECUTABLE_MODE if os.stat(source).st_mode & stat.S_IXUSR else REGULAR_MODE
        files.append(ArchiveFile(name, os.fspath(source), mode))
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


def cache_dir() -> Path:
    """Where the Pulumi component keeps the archives it builds: content-addressed, so reuse is safe."""
    configured = os.environ.get("WSAPI_ARTIFACTS_DIR")
    if configured:
        return Path(configured)
    return Path(tempfile.gettempdir()) / f"wsapi-artifacts-{os.getuid() if hasattr(os, 'getuid') else 'user'}"


# -- which archive each function gets ---------------------------------------------------------------------


@dataclass(frozen=True)
class S3Code:
    """A `package.artifact` already in S3 (`s3://bucket/key` or an S3 URL): used where it is."""

    bucket: str
    key: str


#: Serverless's S3 artifact forms (`lib/plugins/aws/utils/parse-s3-uri.js`)
S3_URIS = (
    re.compile(r"^s3://(?P<bucket>[^/]+)/(?P<key>.+)"),
    re.compile(r"(?P<bucket>[^/]+)\.s3([.-][\w\d-]+)?\.amazonaws\.com/(?P<key>.+)"),
    re.compile(r"s3([.-][\w\d-]+)?\.amazonaws\.com/(?P<bucket>[^/]+)/(?P<key>.+)"),
)


def parse_s3_uri(value: str) -> Optional[Tuple[str, str]]:
    """(bucket, key) of an artifact given as `s3://bucket/key` or an S3 URL, as Serverless reads it; None for
    anything else (a local file)."""
    for pattern in S3_URIS:
        match = pattern.search(value)
        if match:
            return match.group("bucket"), match.group("key")
    return None


class _Packager:
    """Serverless's choice (`packageService`, `packageFunction`): a function's own `package.artifact`, else
    the service's `package.artifact` unless the function is packaged individually, else its own package when
    `individually` (service or function), else the service package."""

    def __init__(self, service: Any) -> None:
        self.service = service
        self.settings = service.build
        self.root = Path(self.settings.service_dir).resolve()
        self.problems: List[Any] = []
        self._files: Optional[List[str]] = None
        self._by_source: dict = {}

    def files(self) -> List[str]:
        if self._files is None:
            self._files = list_files(self.root)
        return self._files

    def problem(self, path: str, message: str) -> None:
        from .errors import Problem

        self.problems.append(Problem(path, message))

    def code(self, keys: Sequence[str]) -> dict:
        from . import naming

        settings = self.settings
        service_package = settings.package
        chosen: dict = {}
        shared: dict = {}  # service-wide archive -> functions using it
        for key in keys:
            own = self.service.functions[key].package
            stem = naming.normalized_function_name(key) + "Function"
            if own.artifact:
                chosen[key] = self.artifact(own.artifact, f"{own.path}.artifact", stem, key)
            elif service_package.artifact and not own.individually:
                chosen[key] = self.artifact(service_package.artifact, "package.artifact", "Service", key)
            elif service_package.individually or own.individually:
                excludes = union(DEFAULT_EXCLUDES, settings.extra_excludes, service_package.excludes, own.excludes)
                includes = union(service_package.patterns, own.patterns)
                chosen[key] = self.build(stem, f"{key}.zip", (key,), excludes, includes, own.path)
            else:
                shared.setdefault("service", []).append(key)
        if "service" in shared:
            excludes = union(DEFAULT_EXCLUDES, settings.extra_excludes, service_package.excludes)
            archive = self.build(
                "Service", f"{self.service.name}.zip", tuple(shared["service"]), excludes,
                union(service_package.patterns), service_package.path,
            )
            for key in shared["service"]:
                chosen[key] = archive
        # an artifact several functions give is one archive, serving them all
        from dataclasses import replace

        for users in self._by_source.values():
            if len(users) > 1:
                merged = replace(chosen[users[0]], functions=tuple(users))
                for key in users:
                    chosen[key] = merged
        return chosen

    def artifact(self, given: str, path: str, stem: str, key: str) -> Any:
        from .plan import CodeArchive

        s3 = parse_s3_uri(given)
        if s3 is not None:
            return S3Code(*s3)
        source = (self.root / given).resolve()
        if not source.is_file():
            self.problem(path, f"cannot read the package artifact {given!r} (looked for {source})")
            return None
        users = self._by_source.setdefault(source, [])
        users.append(key)
        return CodeArchive(stem, source.name, file_digest(os.fspath(source)), (key,), source=os.fspath(source))

    def build(self, stem: str, file_name: str, keys: Tuple[str, ...], excludes, includes, path: str) -> Any:
        from .plan import CodeArchive

        names = select_files(self.files(), excludes, includes)
        if not names:
            self.problem(path, "no file matches the include / exclude patterns; nothing to package")
            return None
        files = archive_files(self.root, names)
        return CodeArchive(stem, file_name, files_digest(files), keys, files=files)


def function_code(service: Any, keys: Sequence[str]) -> Tuple[dict, List[Any]]:
    """The code of each function in `keys` (a `plan.CodeArchive` or an `S3Code`), and the problems found."""
    packager = _Packager(service)
    chosen = packager.code(keys)
    return chosen, packager.problems


def write_archive(archive: Any, target: Path) -> Path:
    """Write a `plan.CodeArchive` to `target`: build it, or copy the ready-made archive."""
    if archive.source is not None:
        with atomic_file(target) as handle, open(archive.source, "rb") as source:
            copy_blocks(source, handle)
        return target
    return write_zip(archive.files, target)


def cached_archive(archive: Any) -> Path:
    """The archive as a file the Pulumi component can upload: a ready-made one as it is, a built one from the
    content-addressed cache (built there once)."""
    if archive.source is not None:
        return Path(archive.source)
    target = cache_dir() / f"{archive.file_name.rsplit('.', 1)[0]}-{archive.digest}.zip"
    if not target.is_file():
        write_zip(archive.files, target)
    return target
