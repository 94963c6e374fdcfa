"""CloudFormation intrinsic functions as serverless.yml holds them (long form: `{"Ref": ...}`,
`{"Fn::GetAtt": ...}`; the loader turns the short `!Ref` tags into these)."""

from __future__ import annotations

from typing import Any, Mapping

#: Intrinsics a value may be written as.
NAMES = (
    "Ref", "Fn::GetAtt", "Fn::ImportValue", "Fn::Join", "Fn::Sub", "Fn::Base64", "Fn::ToJsonString",
    "Fn::Select", "Fn::Split", "Fn::If", "Fn::FindInMap",
)  # fmt: skip


def is_intrinsic(value: Any) -> bool:
    return isinstance(value, Mapping) and len(value) == 1 and next(iter(value)) in NAMES
