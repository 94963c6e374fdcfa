"""CloudFormation intrinsic functions: the one list of the forms wsapi knows, what each means, its YAML short
form, and which of them may stand where a setting takes a value.

The short forms are the ones Serverless v3 reads in serverless.yml (its CloudFormation YAML schema): `!Ref X`
is `{"Ref": "X"}`, `!GetAtt A.B` is `{"Fn::GetAtt": ["A", "B"]}`, `!Sub ...` is `{"Fn::Sub": ...}`.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

__all__ = ["Intrinsic", "INTRINSICS", "SHORT_TAGS", "VALUE_INTRINSICS", "is_intrinsic"]


class Intrinsic:
    """One intrinsic function. (A plain class: `validate` imports this module on every start, and a dataclass
    would cost a millisecond there.)"""

    __slots__ = ("name", "meaning", "tag", "value")

    def __init__(self, name: str, meaning: str, tag: Optional[str], value: bool) -> None:
        self.name = name  #: the long form: the only key of its mapping (`Ref`, `Fn::GetAtt`)
        self.meaning = meaning  #: what it stands for
        self.tag = tag  #: its YAML short form, None when Serverless v3 has none
        self.value = value  #: accepted where a setting takes a value (a name, an ARN, a number): `is_intrinsic`

    def __repr__(self) -> str:
        return f"Intrinsic({self.name!r}, tag={self.tag!r}, value={self.value})"


#: In the order Serverless lists its short forms (yaml_composer names them in that order in a message).
INTRINSICS = (
    Intrinsic("Fn::And", "true when every condition is true (conditions only)", "!And", False),
    Intrinsic("Fn::Base64", "its text, Base64-encoded", "!Base64", True),
    Intrinsic("Fn::Cidr", "a list of CIDR address blocks", "!Cidr", False),
    Intrinsic("Condition", "a condition of the template, by name (conditions only)", "!Condition", False),
    Intrinsic("Fn::Equals", "true when two values are equal (conditions only)", "!Equals", False),
    Intrinsic("Fn::FindInMap", "a value of the template's Mappings", "!FindInMap", True),
    Intrinsic("Fn::GetAtt", "an attribute of a resource (`!GetAtt A.B` is `[A, B]`)", "!GetAtt", True),
    Intrinsic("Fn::GetAZs", "the list of a region's availability zones", "!GetAZs", False),
    Intrinsic("Fn::If", "one of two values, chosen by a condition", "!If", True),
    Intrinsic("Fn::ImportValue", "an output another stack exports", "!ImportValue", True),
    Intrinsic("Fn::Join", "values joined by a separator", "!Join", True),
    Intrinsic("Fn::Not", "true when a condition is false (conditions only)", "!Not", False),
    Intrinsic("Fn::Or", "true when any condition is true (conditions only)", "!Or", False),
    Intrinsic("Ref", "a resource's id, a parameter's value or a pseudo parameter (`AWS::Region`)", "!Ref", True),
    Intrinsic("Fn::Select", "one item of a list", "!Select", True),
    Intrinsic("Fn::Split", "text split into a list", "!Split", True),
    Intrinsic("Fn::Sub", "text with `${Name}` replaced by references", "!Sub", True),
    Intrinsic("Fn::ToJsonString", "a value as JSON text (AWS::LanguageExtensions)", None, True),
    # wsapi's own, never written by hand: a variable's value found at deploy time (`remote_values.REMOTE`)
    Intrinsic("wsapi:Remote", "the value of an ${ssm:}, ${cf:} or ${s3:} variable, found at deploy time", None, True),
)

#: YAML short-form tag -> long form (`!GetAtt` -> `Fn::GetAtt`), in the order of INTRINSICS.
SHORT_TAGS = {intrinsic.tag: intrinsic.name for intrinsic in INTRINSICS if intrinsic.tag is not None}
#: The long forms `is_intrinsic` accepts.
VALUE_INTRINSICS = frozenset(intrinsic.name for intrinsic in INTRINSICS if intrinsic.value)


def is_intrinsic(value: Any) -> bool:
    """True for a mapping that is one intrinsic standing for a value (`{"Ref": "X"}`, `{"Fn::GetAtt": [...]}`),
    which wsapi passes on to CloudFormation or Pulumi where a setting takes a literal."""
    return isinstance(value, Mapping) and len(value) == 1 and next(iter(value)) in VALUE_INTRINSICS
