"""Typed readers of configuration values, shared by the validator and the function settings: each reports a
problem at the value's dotted path and returns None (or nothing) when the value is wrong, so every problem of a
document is found in one pass."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Tuple

from .errors import join_path


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


class TypedReader:
    """Readers for the shapes every section uses; a subclass says where problems go (`report`)."""

    def report(self, path: str, message: str) -> None:
        raise NotImplementedError

    def mapping(self, value: Any, path: str) -> Optional[Mapping[str, Any]]:
        if value is None:
            return None
        if not isinstance(value, Mapping):
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
