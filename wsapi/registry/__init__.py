"""The registry of resource kinds: one entry per CloudFormation type wsapi creates (see `base.Kind`).

Adding a kind: a class in the family module of its AWS service (or a new module imported here), registered
with `register`; the compile step that emits the type is the only other place that names it.
"""

from __future__ import annotations

from typing import Tuple

from . import apigateway, awslambda, declared, domains, iam, layers, logs  # noqa: F401 - each registers its kinds
from .base import REGISTRY, Builder, Extra, Kind, kind_of, lookup, short_type

__all__ = ["Builder", "Extra", "Kind", "kind_of", "kinds", "lookup", "short_type"]


def kinds() -> Tuple[Kind, ...]:
    """Every kind of the types wsapi generates (a declared resource's kind is `declared.Declared`)."""
    return tuple(REGISTRY.values())
