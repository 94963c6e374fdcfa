"""`functions:` and `resources:` written as a list of mappings (often `${file(...)}` includes), merged into one
mapping as Serverless v3's `Service.mergeArrays` merges them, after variables are resolved: lodash's `merge`,
item after item (mappings merged key by key, lists index by index, anything else replacing what was there);
a falsy item (null, false, 0, "") is skipped, any other non-mapping item is an error."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from .errors import Problem, shorten
from .js_scalars import js_string

__all__ = ["MERGED_SECTIONS", "merge_section_lists"]

#: The sections Serverless merges (`mergeArrays`), in its order.
MERGED_SECTIONS = ("resources", "functions")


def merge_section_lists(document: Dict[str, Any]) -> Tuple[Dict[str, Any], List[Problem]]:
    """`document` with each list-form section merged into a mapping, and the items that cannot be merged."""
    problems: List[Problem] = []
    for section in MERGED_SECTIONS:
        items = document.get(section)
        if not isinstance(items, list):
            continue
        merged: Dict[str, Any] = {}
        for index, item in enumerate(items):
            if item is None or item is False or item == "" or (isinstance(item, (int, float)) and item == 0):
                continue
            if isinstance(item, (dict, list)):
                _merge(merged, item)
            else:
                problems.append(
                    Problem(f"{section}[{index}]", f"must be a mapping (Serverless merges the items of a {section} list), got {shorten(js_string(item), 60)}")
                )
        document = {**document, section: merged}
    return document, problems


def _entries(value: Any) -> List[Tuple[Any, Any]]:
    return list(value.items()) if isinstance(value, dict) else [(str(i), v) for i, v in enumerate(value)]


def _merge(target: Any, source: Any) -> None:
    """lodash's `_.merge(target, source)` for plain data: `target` changed in place."""
    for key, value in (enumerate(source) if isinstance(target, list) and isinstance(source, list) else _entries(source)):
        current = _get(target, key)
        if isinstance(value, list):
            merged: Any = current if isinstance(current, list) else []
            _merge(merged, value)
        elif isinstance(value, dict):
            merged = current if isinstance(current, dict) else {}
            _merge(merged, value)
        else:
            merged = value
        _set(target, key, merged)


def _get(target: Any, key: Any) -> Any:
    if isinstance(target, list):
        return target[key] if isinstance(key, int) and key < len(target) else None
    return target.get(key)


def _set(target: Any, key: Any, value: Any) -> None:
    if isinstance(target, list):
        if not isinstance(key, int):  # lodash sets a property on the array, which no template keeps
            return
        target.extend([None] * (key + 1 - len(target)))
        target[key] = value
    else:
        target[key] = value
