"""Find, read and parse a Serverless Framework v3 configuration file (YAML or JSON), and the files it includes
with `${file(...)}`: the reading side's entry point (`load_config`).

YAML is read by `yaml_composer` (js-yaml's rules and the CloudFormation short-form tags), JSON by `json_reader`;
both refuse what `document_limits` bounds. A mapping given in place of a file (a Pulumi program's `config=`) is
checked by `plain_data_problems` for what a file could not hold.
"""

from __future__ import annotations

import math
import os
import pathlib
from typing import Any, Mapping, Optional, Union

from .document_limits import MAX_DEPTH, MAX_FILE_BYTES, refuse, too_large_message
from .errors import Problem, join_path, shorten
from .json_reader import parse_json
from .readers import type_name
from .yaml_composer import parse_yaml

__all__ = ["find_config", "load_config", "read_document", "parse_document", "plain_data_problems", "CONFIG_NAMES"]

CONFIG_NAMES = ("serverless.yml", "serverless.yaml", "serverless.json")
_SCRIPT_NAMES = ("serverless.js", "serverless.ts", "serverless.cjs", "serverless.mjs")
_YAML_SUFFIXES = {".yml", ".yaml"}
_JSON_SUFFIXES = {".json"}
_SCRIPT_SUFFIXES = {".js", ".ts", ".cjs", ".mjs"}

PathLike = Union[str, "os.PathLike[str]"]


def find_config(path: PathLike) -> pathlib.Path:
    """Return the configuration file for `path` (a file, or a service folder to search)."""
    p = pathlib.Path(path)
    try:
        return _find(p)
    except OSError as error:  # e.g. a folder we may not list
        raise refuse(str(p), f"cannot look for the configuration: {error.strerror or error}") from None


def _find(p: pathlib.Path) -> pathlib.Path:
    if p.is_dir():
        for name in CONFIG_NAMES:
            candidate = p / name
            if candidate.is_file():
                return candidate
        scripts = [name for name in _SCRIPT_NAMES if (p / name).is_file()]
        if scripts:
            raise refuse(
                str(p / scripts[0]),
                f"found {scripts[0]} in {p}, but only YAML or JSON configurations are supported; "
                f"convert it to serverless.yml (or serverless.json)",
            )
        raise refuse(
            str(p),
            f"no serverless.yml, serverless.yaml or serverless.json found in folder {p}",
        )
    if p.exists():
        return p
    raise refuse(str(p), f"{p} does not exist; give the path of serverless.yml or of the service folder")


def _read_bytes(p: pathlib.Path) -> bytes:
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise refuse(str(p), too_large_message(size))
        with open(p, "rb") as handle:
            # read(n) allocates n bytes up front: ask for the size stat gave (plus one, to see growth), and
            # read on up to the limit only for a file that grew or has no size (a pipe, /proc)
            data = handle.read(size + 1)
            if len(data) > size:
                data += handle.read(MAX_FILE_BYTES + 1 - len(data))
    except OSError as error:
        raise refuse(str(p), f"cannot read the file: {error.strerror or error}") from None
    if len(data) > MAX_FILE_BYTES:
        raise refuse(str(p), too_large_message(len(data)))
    return data


def _kind_of(p: pathlib.Path) -> Optional[str]:
    suffix = p.suffix.lower()
    if suffix in _YAML_SUFFIXES:
        return "yaml"
    if suffix in _JSON_SUFFIXES:
        return "json"
    return None


def load_config(path: PathLike) -> tuple[pathlib.Path, dict]:
    """Find, read and parse the configuration; its top level must be a mapping."""
    p = find_config(path)
    kind = _kind_of(p)
    if kind is None:
        if p.suffix.lower() in _SCRIPT_SUFFIXES:
            raise refuse(
                str(p),
                f"{p.name} is a JavaScript/TypeScript configuration; only YAML or JSON "
                f"configurations are supported, convert it to serverless.yml (or serverless.json)",
            )
        raise refuse(
            str(p),
            f'unsupported file extension "{p.suffix}"; use a .yml, .yaml or .json configuration file',
        )
    document = parse_document(_read_bytes(p), str(p), kind)
    if not isinstance(document, dict):
        raise refuse(
            str(p),
            f"the top level must be a mapping (key: value pairs such as `service: my-service`), "
            f"found {_describe(document)}",
        )
    return p, document


def read_document(p: pathlib.Path, kind: Optional[str] = None, *, allow_empty: bool = False) -> Any:
    """Read and parse one YAML or JSON file (kind from its extension unless given);
    used for `${file(...)}`.  Raises ConfigError."""
    kind = kind or _kind_of(p) or "yaml"
    return parse_document(_read_bytes(p), str(p), kind, allow_empty=allow_empty)


def _describe(value: Any) -> str:
    """What a document is when it is not a mapping (a bare null reads better spelled out)."""
    return "an empty value (null)" if value is None else type_name(value)


def parse_document(
    text_or_bytes: Union[str, bytes, bytearray],
    name: str,
    kind: str = "yaml",
    *,
    allow_empty: bool = False,
) -> Any:
    """Parse YAML or JSON text; every problem is raised as one ConfigError for `name`.

    With ``allow_empty`` an empty (or comment-only) document gives ``None`` instead of a
    problem, which is how v3 treats an empty file included with ``${file(...)}``.
    """
    if kind not in ("yaml", "json"):
        raise ValueError(f'kind must be "yaml" or "json", not {kind!r}')
    if isinstance(text_or_bytes, (bytes, bytearray)):
        if len(text_or_bytes) > MAX_FILE_BYTES:
            raise refuse(name, too_large_message(len(text_or_bytes)))
        try:
            text = bytes(text_or_bytes).decode("utf-8")
        except UnicodeDecodeError as error:
            bad = text_or_bytes[error.start]
            raise refuse(
                name,
                f"the file is not valid UTF-8: byte 0x{bad:02x} at byte offset {error.start} "
                f"cannot be decoded; save the file as UTF-8",
            ) from None
    elif isinstance(text_or_bytes, str):
        text = text_or_bytes
        if len(text) > MAX_FILE_BYTES:
            raise refuse(name, too_large_message(len(text)))
    else:
        raise TypeError("parse_document expects str or bytes")
    if text.startswith("\ufeff"):
        text = text[1:]
    if kind == "json":
        return parse_json(text, name, allow_empty)
    return parse_yaml(text, name, allow_empty)


def plain_data_problems(document: Any, limit: int = 20) -> list[Problem]:
    """What in a mapping given in place of a file (a Pulumi program's `config=`) a file could not hold:
    keys that are not text, values that are not text, finite numbers, true/false, null, lists (tuples) or
    mappings; nesting deeper than a file may have (which a mapping that contains itself is). At most `limit`
    problems, in document order."""
    problems: list[Problem] = []
    stack: list[tuple[Any, str, int]] = [(document, "", 0)]
    while stack and len(problems) < limit:
        value, path, depth = stack.pop()
        if isinstance(value, (Mapping, list, tuple)) and depth >= MAX_DEPTH:  # once: a cycle is deep everywhere
            problems.append(Problem(path, f"nesting is deeper than {MAX_DEPTH} levels (does a value contain itself?)"))
            break
        if isinstance(value, Mapping):
            children = []
            for key, item in value.items():
                if not isinstance(key, str):
                    problems.append(Problem(path, f"has the key {shorten(repr(key), 60)}: keys must be text"))
                    continue
                children.append((item, join_path(path, key), depth + 1))
            stack.extend(reversed(children))
        elif isinstance(value, (list, tuple)):
            stack.extend(reversed([(item, join_path(path, index), depth + 1) for index, item in enumerate(value)]))
        elif isinstance(value, float):
            if not math.isfinite(value):
                problems.append(Problem(path, f"must be a finite number, got {value!r}"))
        elif not (value is None or isinstance(value, (str, bool, int))):
            problems.append(
                Problem(path, f"must be text, a number, true/false, null, a list or a mapping, got {type(value).__name__}")
            )
    return problems[:limit]
