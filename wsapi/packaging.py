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

Patterns are micromatch globs with `dot: true`: `*`, `?`, `[...]`, `**` as a whole segment, `{a,b}` and
`{1..3}` braces, extglobs `@(a|b)`, `?(..)`, `+(..)`, `*(..)`, `!(..)`, backslash escapes; a pattern names
files, so `src` matches a file called `src` and never the folder's content (write `src/**`).

An archive is written with fixed timestamps and Serverless's modes (0755 for files executable by their
owner, 0644 otherwise), entries sorted, so the same files always give the same bytes.

Unlike Serverless, wsapi does not run `npm ls` to drop Node development dependencies from `node_modules`:
exclude them with a pattern (`!node_modules/<dev-package>/**`), or package from a production install.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, List, Optional, Sequence, Tuple

from .atomic import atomic_file

#: Serverless's S3 artifact forms (`lib/plugins/aws/utils/parse-s3-uri.js`)
S3_URIS = (
    re.compile(r"^s3://(?P<bucket>[^/]+)/(?P<key>.+)"),
    re.compile(r"(?P<bucket>[^/]+)\.s3([.-][\w\d-]+)?\.amazonaws\.com/(?P<key>.+)"),
    re.compile(r"s3([.-][\w\d-]+)?\.amazonaws\.com/(?P<bucket>[^/]+)/(?P<key>.+)"),
)


def parse_s3_uri(value: str) -> Optional[Tuple[str, str]]:
    for pattern in S3_URIS:
        match = pattern.search(value)
        if match:
            return match.group("bucket"), match.group("key")
    return None


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
MAX_BRACE_EXPANSION = 10_000


class PatternError(ValueError):
    """A glob wsapi cannot use (it would write entries outside the package)."""


# -- micromatch globs -------------------------------------------------------------------------------------


def _closing(text: str, start: int, open_char: str, close_char: str) -> Optional[int]:
    """Index of the bracket closing the one at `start`, skipping escapes and nested pairs; None if none."""
    depth = 0
    i = start
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == open_char:
            depth += 1
        elif char == close_char:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _split_top(text: str, separator: str) -> List[str]:
    """Split on `separator` outside braces, parentheses, classes and escapes."""
    parts, depth, current, i = [], 0, [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if char == "[":
            end = _class_end(text, i)
            if end is not None:
                current.append(text[i : end + 1])
                i = end + 1
                continue
        if char in "{(":
            depth += 1
        elif char in "})":
            depth -= 1
        if char == separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current))
    return parts


def _class_end(text: str, start: int) -> Optional[int]:
    """Index of the `]` closing the class opened at `start` (a `]` right after `[`, `[!` or `[^` is literal)."""
    i = start + 1
    if i < len(text) and text[i] in "!^":
        i += 1
    if i < len(text) and text[i] == "]":
        i += 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "[" and text.startswith("[:", i):
            end = text.find(":]", i + 2)
            if end != -1:
                i = end + 2
                continue
        if text[i] == "]":
            return i
        i += 1
    return None


def _range_class(body: str) -> str:
    """picomatch (as micromatch calls it) turns `{1..3}` into the class `[1-3]`, its ends sorted as text: so
    `{1..10}` is `[1-10]` (the characters 1 and 0), exactly as Serverless matches it."""
    ends = sorted(body.split(".."))
    value = "[" + "-".join(ends) + "]"
    try:
        re.compile(value)
    except re.error:
        return re.sub(r"([*?\[\]{}()!@+])", r"\\\1", "..".join(ends))
    return value


def expand_braces(pattern: str) -> List[str]:
    """`a/{b,c}.py` -> [`a/b.py`, `a/c.py`]; `{1..3}` ranges; a brace with neither is literal."""
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            end = _class_end(pattern, i)
            if end is not None:
                i = end + 1
                continue
        if char == "{":
            end = _closing(pattern, i, "{", "}")
            if end is None:
                return [pattern]
            body = pattern[i + 1 : end]
            options = _split_top(body, ",")
            if len(options) == 1:
                if ".." not in body:
                    i += 1
                    continue
                options = [_range_class(body)]
            prefix, suffix = pattern[:i], pattern[end + 1 :]
            results: List[str] = []
            for option in options:
                results.extend(expand_braces(prefix + option + suffix))
                if len(results) > MAX_BRACE_EXPANSION:
                    raise PatternError(f"braces expand to more than {MAX_BRACE_EXPANSION} patterns")
            return results
        i += 1
    return [pattern]


POSIX_CLASSES = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "ascii": "\\x00-\\x7F",
    "blank": " \\t",
    "cntrl": "\\x00-\\x1F\\x7F",
    "digit": "0-9",
    "graph": "\\x21-\\x7E",
    "lower": "a-z",
    "print": "\\x20-\\x7E ",
    "punct": "\\-!\"#$%&'()\\*+,./:;<=>?@\\[\\\\\\]^_`{|}~",
    "space": " \\t\\r\\n\\v\\f",
    "upper": "A-Z",
    "word": "A-Za-z0-9_",
    "xdigit": "A-Fa-f0-9",
}
#: picomatch's "regex characters": a class without any is also matched as literal text (`[ab]` matches `[ab]`)
REGEX_CHARS = re.compile(r"[-*+?.^${}(|)\[\]]")
#: marks a `**` that stood right before a brace, which picomatch keeps as a globstar
BRACE_MARK = "\x00"
GLOBSTAR = ".*"  # any characters, slashes included
STAR = "[^/]*"


def _class_regex(body: str) -> str:
    """A bracket expression as picomatch reads it: `^` negates (and never matches `/`), `!` is a plain
    character (micromatch does not turn on POSIX negation), `[:alpha:]` names work."""
    negate = body.startswith("^")
    out = []
    i = 1 if negate else 0
    if i < len(body) and body[i] == "]":
        out.append("\\]")
        i += 1
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            out.append(re.escape(body[i + 1]))
            i += 2
            continue
        if body.startswith("[:", i):
            end = body.find(":]", i + 2)
            if end != -1 and body[i + 2 : end] in POSIX_CLASSES:
                out.append(POSIX_CLASSES[body[i + 2 : end]])
                i = end + 2
                continue
        if char == "-" and (i == 0 or i == len(body) - 1 or (negate and i == 1)):
            out.append("\\-")
        elif char in "[]&~|":
            out.append("\\" + char)
        else:
            out.append(char)
        i += 1
    inner = "".join(out)
    regex = f"[^{inner}/]" if negate else f"[{inner}]"
    if not REGEX_CHARS.search(body):
        regex = f"(?:{re.escape('[' + body + ']')}|{regex})"
    return regex


def _last_token(segment: str) -> str:
    """The kind of a segment's last token: star, paren, bracket, qmark or text."""
    kind, i = "text", 0
    while i < len(segment):
        char = segment[i]
        if char == "\\":
            kind, i = "text", i + 2
            continue
        if char in "@!+*?(" and (char == "(" or segment[i + 1 : i + 2] == "("):
            close = _closing(segment, i + 1 if char != "(" else i, "(", ")")
            if close is not None:
                kind, i = "paren", close + 1
                continue
        if char == "[":
            end = _class_end(segment, i)
            if end is not None:
                kind, i = "bracket", end + 1
                continue
        kind = {"*": "star", "?": "qmark"}.get(char, "text")
        i += 1
    return kind


def _segment_regex(segment: str, after: str, last: bool, kind: str = "start") -> str:
    """Regex for one path segment followed by `after` (the regex of everything after it); `last`: no
    segment follows; `kind`: the token before the segment's first character."""
    out: List[str] = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "\\" and i + 1 < len(segment):
            out.append(re.escape(segment[i + 1]))
            kind, i = "text", i + 2
            continue
        opens_group = char == "(" or (char in "@!+*?" and segment[i + 1 : i + 2] == "(")
        if opens_group:
            open_at = i if char == "(" else i + 1
            close = _closing(segment, open_at, "(", ")")
            if close is not None:
                inner = segment[open_at + 1 : close]
                alternatives = "|".join(_segment_regex(a, "", False) for a in _split_top(inner, "|"))
                rest_text = segment[close + 1 :]
                if char == "!":
                    rest = _segment_regex(rest_text, after, last, "paren")
                    star = GLOBSTAR if len(inner) > 1 and "/" in inner else STAR
                    if "*" in inner and last and re.fullmatch(r"\.[^\\/.]+", rest_text):
                        negated = f"(?:(?!(?:{alternatives}){_segment_regex(rest_text, '', True)}){star})"
                    elif last and not rest_text:
                        negated = f"(?:(?!(?:{alternatives})$)){star}"
                    else:
                        negated = f"(?:(?!(?:{alternatives})){star})"
                    return "".join(out) + negated + rest
                template = {"@": "(?:{})", "(": "(?:{})", "?": "(?:{})?", "+": "(?:{})+", "*": "(?:{})*"}[char]
                out.append(template.format(alternatives))
                kind, i = "paren", close + 1
                continue
        if char == "*":
            run = 0
            while i < len(segment) and segment[i] == "*" and segment[i + 1 : i + 2] != "(":
                run, i = run + 1, i + 1
            group_follows = segment[i : i + 1] in ("(", BRACE_MARK) or segment[i : i + 2] == "@("
            if run > 1 and ((kind == "paren" and i == len(segment)) or (kind == "start" and group_follows)):
                out.append(GLOBSTAR)  # `@(a)**`, `**@(a)`, `**{a,b}`: picomatch keeps a globstar by a group
            else:
                out.append(STAR)  # `a**`, `**a`: one star
            kind = "star"
            continue
        if char == BRACE_MARK:
            i += 1
            continue
        if char == "?" and kind == "paren":
            out.append("?")  # picomatch passes a `?` after a group through as a regex quantifier
            kind = "text"
        elif char == "?":
            out.append("[^/]")
            kind = "qmark"
        elif char == "[":
            end = _class_end(segment, i)
            if end is None:
                out.append("\\[")
                kind = "text"
            else:
                out.append(_class_regex(segment[i + 1 : end]))
                kind, i = "bracket", end + 1
                continue
        else:
            out.append(re.escape(char))
            kind = "text"
        i += 1
    return "".join(out) + after


def _segments(pattern: str) -> List[str]:
    segments = _split_top(pattern, "/")
    collapsed: List[str] = []
    for segment in segments:
        if segment == "**" and collapsed and collapsed[-1] == "**":
            continue
        collapsed.append(segment)
    return collapsed


def _pattern_regex(segments: Sequence[str], index: int = 0, lead: bool = False) -> str:
    """Regex for segments[index:], preceded by a `/` when `lead`."""
    if index == len(segments):
        return ""
    segment = segments[index]
    if segment == "**":
        if index == len(segments) - 1:
            if not lead:
                return GLOBSTAR
            # `src/**` also matches `src` itself, unless the segment before ends in a star (`*/**`, `a*/**`)
            return "/" + GLOBSTAR if _last_token(segments[index - 1]) == "star" else f"(?:/{GLOBSTAR})?"
        # in the middle, picomatch also lets `$` stand for the rest (`a/**/?(b)` matches `a`)
        return (f"(?:/{GLOBSTAR}/|/|$)" if lead else f"(?:{GLOBSTAR}/)?") + _pattern_regex(segments, index + 1, False)
    last = index == len(segments) - 1
    return ("/" if lead else "") + _segment_regex(segment, _pattern_regex(segments, index + 1, True), last)


#: picomatch's fast path for patterns like `**.py` and `**.d.ts`: a globstar, then dotted word suffixes
GLOBSTAR_SUFFIX = re.compile(r"\*\*((?:\.\w+)+)")


def _regex(pattern: str) -> str:
    fast = GLOBSTAR_SUFFIX.fullmatch(pattern)
    if fast:
        return GLOBSTAR + re.escape(fast.group(1))
    return _pattern_regex(_segments(pattern))


@functools.lru_cache(maxsize=4096)
def glob_matcher(pattern: str) -> Callable[[str], bool]:
    """A predicate on relative POSIX paths, true where micromatch (`dot: true`) matches `pattern`."""
    while pattern.startswith("./"):
        pattern = pattern[2:]
    pattern = re.sub(r"(?<![\\*])\*\*\{", "**" + BRACE_MARK + "{", pattern)
    alternatives = [_regex(p) for p in expand_braces(pattern)]
    try:
        compiled = re.compile("(?:" + ")|(?:".join(alternatives) + ")", re.DOTALL)
    except re.error as error:
        raise PatternError(f"is not a valid glob ({error})") from None
    return lambda path: compiled.fullmatch(path) is not None


def escapes_folder(pattern: str) -> bool:
    """True when a pattern reaches outside the service folder (`../x`, `/abs`): Serverless would put such files
    in the archive under `../` names, which Lambda cannot unpack."""
    body = pattern[1:] if pattern.startswith("!") else pattern
    return body.startswith("/") or any(part == ".." for p in expand_braces(body) for part in p.split("/"))


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
