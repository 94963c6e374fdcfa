"""Canonical JSON and hashes of plan values: equal values, equal text, equal digests (the deployment's
logical id and triggers, version names)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any, Mapping

_HASHED_FIELDS: dict[type, tuple[str, ...]] = {}


def canonical(value: Any) -> Any:
    """JSON for the plan's reference types, for hashing (`json.dumps(..., default=canonical)`). Fields that
    take no part in equality (where a value was written) take no part in the hash either."""
    names = _HASHED_FIELDS.get(type(value))
    if names is None:
        if isinstance(value, tuple):
            return list(value)
        if isinstance(value, Mapping):
            return dict(value)
        if not dataclasses.is_dataclass(value) or isinstance(value, type):
            raise TypeError(f"cannot hash {type(value).__name__}")
        names = _HASHED_FIELDS[type(value)] = tuple(f.name for f in dataclasses.fields(value) if f.compare)
    return {type(value).__name__: {name: getattr(value, name) for name in names}}


def encode(value: Any) -> str:
    """Canonical JSON of a plan value: equal values, equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=canonical)


def digest(value: Any) -> str:
    return hashlib.sha256(encode(value).encode()).hexdigest()
