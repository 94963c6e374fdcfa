"""Typed readers of configuration values, shared by the validator and the function settings: each reports a
problem at the value's dotted path and returns None (or nothing) when the value is wrong, so every problem of a
document is found in one pass."""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from .errors import join_path
from .errors import Problem
from .intrinsics import is_intrinsic
from .remote_values import request_of
from .model import Unresolved

TAG_KEY = re.compile(r"^(?!aws:)[\w./=+:\-_ ]{1,128}$")
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip


def reads(path: str, *, deferred: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declares the dotted path a reader reads: `read_declared` gives it the value there, and the paths whose
    variables are resolved are derived from these declarations (`declared_paths`). `deferred`: a value there
    whose variables cannot be resolved becomes an `Unresolved` for the reader to keep, rather than a problem
    of every command (for settings only some commands need)."""

    def declare(reader: Callable[..., Any]) -> Callable[..., Any]:
        reader.reads = path  # type: ignore[attr-defined]
        reader.deferred = deferred  # type: ignore[attr-defined]
        return reader

    return declare


def declared_paths(*classes: type) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """(paths resolved for every command, deferred paths) declared with `reads` by the readers of `classes`."""
    members = [m for cls in classes for m in vars(cls).values() if hasattr(m, "reads")]
    return tuple(m.reads for m in members if not m.deferred), tuple(m.reads for m in members if m.deferred)


def value_at(document: Any, path: str) -> Any:
    """The value at a dotted path of the document (None where the path is missing)."""
    node = document
    for key in path.split("."):
        node = node.get(key) if isinstance(node, Mapping) else None
    return node


def read_declared(document: Any, reader: Callable[[Any, str], Any]) -> Any:
    """Call a `reads` reader with the value at its path."""
    path: str = reader.reads  # type: ignore[attr-defined]
    return reader(value_at(document, path), path)


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    request = request_of(value)
    if request is not None:  # a variable's value found at deploy time, where one is needed before
        return f"{request.describe()}, a value found only at deploy time (give the value itself, e.g. with ${{param:...}})"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


class _Deferred:
    """A list item whose value could not be resolved: list readers pass over it (its index stays, so the
    problems of the items after it keep their paths)."""

    def __repr__(self) -> str:
        return "DEFERRED"


DEFERRED = _Deferred()


def unresolved_in(value: Any, path: str) -> Tuple[Any, List[Problem]]:
    """`value` without the `Unresolved` values in it (a mapping loses the key, a list item becomes `DEFERRED`, a
    whole value becomes None: the readers then check what is there, and the problems are reported by what needs
    the value), and their problems."""
    if isinstance(value, Unresolved):
        return None, list(value.problems)
    if isinstance(value, Mapping):
        problems: List[Problem] = []
        kept = {}
        for key, item in value.items():
            clean, found = unresolved_in(item, join_path(path, str(key)))
            problems.extend(found)
            if not found or clean is not None:
                kept[key] = clean
        return kept, problems
    if isinstance(value, list):
        problems = []
        items = []
        for index, item in enumerate(value):
            clean, found = unresolved_in(item, f"{path}[{index}]")
            problems.extend(found)
            items.append(DEFERRED if found and clean is None else clean)
        return items, problems
    return value, []


def deploy_time_deferred(value: Any, path: str, why: str) -> Any:
    """`value` with each variable's value found only at deploy time (`remote_values`) made an `Unresolved`
    saying `why` it is needed sooner, for a reader whose settings must be known before deploying: its
    consumers report it, as a variable that does not resolve."""
    request = request_of(value)
    if request is not None:
        return Unresolved(request.describe(), (Problem(path, f"cannot resolve {request.describe()}: {why}"),))
    if isinstance(value, Mapping):
        return {key: deploy_time_deferred(item, join_path(path, str(key)), why) for key, item in value.items()}
    if isinstance(value, list):
        return [deploy_time_deferred(item, f"{path}[{index}]", why) for index, item in enumerate(value)]
    return value


def whole_items(value: Any) -> Any:
    """A list whose items are read whole (IAM statements): an item holding an `Unresolved` anywhere becomes one
    `Unresolved` with all its problems, so the item is left out of the checks rather than checked with a hole
    in it (a statement whose only Resource is not resolved is not 'missing its Resource')."""
    if not isinstance(value, list):
        return value
    items = []
    for item in value:
        _, problems = unresolved_in(item, "")
        items.append(Unresolved(item, tuple(problems)) if problems else item)
    return items


class TypedReader:
    """Readers for the shapes every section uses; a subclass says where problems go (`report`)."""

    def report(self, path: str, message: str) -> None:
        raise NotImplementedError

    def mapping(self, value: Any, path: str) -> Optional[Mapping[str, Any]]:
        if value is None:
            return None
        if not isinstance(value, Mapping) or request_of(value) is not None:
            self.report(path, f"must be a mapping, got {type_name(value)}")
            return None
        return value

    def string(self, value: Any, path: str, *, non_empty: bool = True) -> Optional[str]:
        if value is None:
            return None
        if not isinstance(value, str):
            self.report(path, f"must be a string, got {type_name(value)}")
            return None
        if non_empty and not value.strip():
            self.report(path, "must not be empty")
            return None
        return value

    def boolean(self, value: Any, path: str) -> Optional[bool]:
        if value is None:
            return None
        if not isinstance(value, bool):
            self.report(path, f"must be true or false, got {type_name(value)}")
            return None
        return value

    def unknown_keys(self, value: Mapping[str, Any], allowed: Tuple[str, ...], path: str) -> None:
        for key in value:
            if key not in allowed:
                self.report(join_path(path, str(key)), f"unknown setting; expected one of: {', '.join(allowed)}")

    def whole(self, value: Any, path: str, low: int, high: Optional[int] = None, intrinsic: bool = False) -> Any:
        """A whole number from `low` (to `high`), or with `intrinsic` a CloudFormation intrinsic."""
        if value is None:
            return None
        if intrinsic and is_intrinsic(value):
            return value
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
            bound = f"from {low} to {high}" if high is not None else f">= {low}"
            self.report(path, f"must be a whole number {bound}, got {value!r}")
            return None
        return value

    def strings(self, value: Any, path: str) -> Tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.report(path, f"must be a list of strings, got {type_name(value)}")
            return ()
        found = []
        for index, item in enumerate(value):
            if item is DEFERRED:
                continue
            if not isinstance(item, str) or not item:
                self.report(f"{path}[{index}]", f"must be a non-empty string, got {type_name(item)}")
            else:
                found.append(item)
        return tuple(found)

    def arn_or_intrinsic(self, value: Any, path: str, what: str) -> Any:
        if value is None:
            return None
        if is_intrinsic(value) or (isinstance(value, str) and value.startswith("arn:")):
            return value
        self.report(path, f"must be {what} ARN (arn:...) or a CloudFormation intrinsic, got {value!r}")
        return None

    def tags(self, value: Any, path: str) -> Dict[str, str]:
        """Tags: valid keys, string values of at most 256 characters; the valid ones are returned."""
        tags = self.mapping(value, path)
        if tags is None:
            return {}
        for key, tag in tags.items():
            where = join_path(path, str(key))
            if not isinstance(key, str) or not TAG_KEY.fullmatch(key):
                self.report(where, "is not a valid tag key (1-128 characters, not starting with aws:)")
            elif not isinstance(tag, str):
                self.report(where, f"must be a string (quote it), got {type_name(tag)}")
            elif len(tag) > 256:
                self.report(where, "must be at most 256 characters")
        return {k: v for k, v in tags.items() if isinstance(k, str) and isinstance(v, str)}

    def retention(self, value: Any, path: str) -> Optional[int]:
        """CloudWatch Logs retention in days: one of the values the service accepts."""
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value not in LOG_RETENTION_DAYS:
            self.report(path, f"must be one of {', '.join(map(str, LOG_RETENTION_DAYS))}, got {value!r}")
            return None
        return value

    def data_protection(self, value: Any, path: str) -> Optional[Mapping[str, Any]]:
        """A CloudWatch Logs data protection policy: Name, Version and a Statement list."""
        policy = self.mapping(value, path)
        if policy is None:
            return None
        self.unknown_keys(policy, ("Name", "Description", "Version", "Statement"), path)
        for key in ("Name", "Version", "Statement"):
            if key not in policy:
                self.report(f"{path}.{key}", "is required")
        if "Statement" in policy and not isinstance(policy["Statement"], list):
            self.report(f"{path}.Statement", f"must be a list, got {type_name(policy['Statement'])}")
        for key in ("Name", "Description", "Version"):
            if key in policy:
                self.string(policy[key], f"{path}.{key}")
        return policy
