"""Which CloudFormation resource types deploy as pulumi-aws-native resources, and what their `Ref` and import id
are: answered without importing `pulumi` or the SDK, so `validate`/`plan`/`export` can ask.

pulumi-aws-native is generated from CloudFormation's registry schemas: a type `AWS::Service::Name` is the
resource `aws-native:service:Name` (the module lower-cased, the name's case as the SDK spells it: `AWS::EC2::VPC`
is `aws-native:ec2:Vpc`), its properties are the schema's in lowerCamelCase, every `Fn::GetAtt` attribute is an
output, and its `id` is the Cloud Control identifier: the primary identifier's values, in the schema's order,
joined with `|`. Which resources the installed SDK has is read from the resource table its `__init__.py`
registers (`resource_modules`), found with `importlib.util.find_spec` (which does not run the package).

`Ref` follows CloudFormation: for a type whose primary identifier is one property, `Ref` is that identifier (the
physical id, as cfn-lint also assumes); the types whose documented `Ref` is something else (most with a composite
identifier, e.g. a user pool client's `Ref` is its client id, not `UserPoolId|ClientId`) are listed in
`native_types.json`, each with its source. A composite identifier with no documented `Ref` is refused rather than
guessed.
"""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

from .errors import PathKey
from .plan import ACCOUNT_ID, PARTITION, REGION

SDK_PACKAGE = "pulumi_aws_native"
SDK_DISTRIBUTION = "pulumi-aws-native"
IDENTIFIERS_FILE = Path(__file__).with_name("native_identifiers.json")  #: tools/regen_native_identifiers.py
#: What this module knows of particular types, as data (the registry and the compile step are the only modules
#: that name types): the documented `Ref` of the types whose `Ref` is not their single primary identifier, each
#: sourced, and what to write instead of a type the SDK lacks.
DATA_FILE = Path(__file__).with_name("native_types.json")

_TYPE = re.compile(r"[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+")
_RESOURCE_TABLE = re.compile(r'resource_modules="""(.*?)"""', re.S)

#: A `ref_exceptions()` value: `Ref` is the whole composite identifier (`a|b|c`), as documented.
IDENTIFIER = "|"
#: A `ref_exceptions()` value: the rule's name, or `{EventBusName}|{Name}` on a bus other than `default`.
EVENT_RULE = "EventBusName|Name"


class NativeError(ValueError):
    """A CloudFormation resource, property or reference pulumi-aws-native cannot take; `str()` is the message
    (without the resource's path, which the caller adds)."""


class Untranslatable(NativeError):
    """A type wsapi cannot deploy as a pulumi-aws-native resource."""


class PropertyError(NativeError):
    """A property the SDK does not take (or a required one missing), at `path` inside the resource's
    `Properties` (empty: the properties as a whole)."""

    def __init__(self, path: Tuple[PathKey, ...], message: str) -> None:
        self.path = tuple(path)
        self.message = message
        super().__init__(message)


class UnknownOutput(NativeError):
    """A `Ref` or `Fn::GetAtt` that has no value wsapi can give for the type."""


class ImportIdError(NativeError):
    """An import id that cannot be made from the values given."""


@dataclass(frozen=True)
class NativeType:
    """Where the SDK keeps the resource of one CloudFormation type."""

    cfn_type: str
    token: str  #: `aws-native:dynamodb:Table`, as `pulumi preview` shows it
    module: str  #: the SDK module that defines it: `pulumi_aws_native.lambda_`
    class_name: str  #: `Table`


def native_type(cfn_type: str) -> NativeType:
    """The pulumi-aws-native resource of `cfn_type`; Untranslatable (with the reason) when there is none."""
    refusal = _refusal(cfn_type)
    if refusal:
        raise Untranslatable(refusal)
    table = _sdk_resources()
    if table is None:
        raise Untranslatable(
            f"{cfn_type} needs {SDK_DISTRIBUTION}, which is not installed (pip install -r requirements.txt)"
        )
    found = _lookup(table, cfn_type)
    if found is None and cfn_type not in _identifiers():
        raise Untranslatable(
            f"{cfn_type} is not a CloudFormation resource type (neither CloudFormation's resource schemas nor"
            f" {SDK_DISTRIBUTION} know it)"
        )
    if found is None:
        hint = instead().get(cfn_type)
        raise Untranslatable(
            f"{SDK_DISTRIBUTION} {_sdk_version()} has no resource for {cfn_type} (it covers the types Cloud Control API"
            f" manages)" + (f": {hint}" if hint else "")
        )
    token, module, class_name = found
    return NativeType(cfn_type, token, module, class_name)


def untranslatable_reason(cfn_type: str) -> Optional[str]:
    """Why `cfn_type` cannot be deployed as a pulumi-aws-native resource, or None when it can."""
    try:
        native_type(cfn_type)
    except Untranslatable as refused:
        return str(refused)
    return None


def _refusal(cfn_type: object) -> str:
    if not isinstance(cfn_type, str):
        return f"a resource type must be a string such as AWS::DynamoDB::Table, not {type(cfn_type).__name__}"
    if cfn_type.startswith("Custom::") or cfn_type == "AWS::CloudFormation::CustomResource":
        return (
            f"{cfn_type} is a custom resource: CloudFormation calls its ServiceToken (a Lambda function or SNS topic)"
            " while deploying, which Pulumi does not; declare what that provider creates as resources of their own"
        )
    if not _TYPE.fullmatch(cfn_type):
        return f"{cfn_type!r} is not a CloudFormation resource type (Vendor::Service::Resource, e.g. AWS::SQS::Queue)"
    if cfn_type.startswith("AWS::Serverless::"):
        return (
            f"{cfn_type} is an AWS SAM type, which only the AWS::Serverless-2016-10-31 transform understands;"
            " declare the CloudFormation resources it expands to (AWS::Lambda::Function, ...)"
        )
    if not cfn_type.startswith("AWS::"):
        return f"{cfn_type} is not an AWS type: only AWS:: types deploy through {SDK_DISTRIBUTION}"
    return ""


def _lookup(table: Mapping[Tuple[str, str], Tuple[str, str, str]], cfn_type: str) -> Optional[Tuple[str, str, str]]:
    """The SDK's resource of a type, matched lower-cased: pulumi-aws-native lower-cases the service, calls the
    `Config` service `configuration` (`config` is Pulumi's own), and adds `Resource` to some names ending in
    `Output` (`AWS::MediaConnect::BridgeOutput` is `BridgeOutputResource`, while `FlowOutput` stays)."""
    _, service, name = cfn_type.split("::")
    module = "configuration" if service.lower() == "config" else service.lower()
    found = table.get((module, name.lower()))
    if found is None and name.endswith("Output"):
        found = table.get((module, f"{name}Resource".lower()))
    return found


@lru_cache(maxsize=None)
def _sdk_folder() -> Optional[Path]:
    """The installed SDK's package folder, found without running its `__init__`; None when not installed."""
    spec = importlib.util.find_spec(SDK_PACKAGE)
    return Path(spec.origin).parent if spec is not None and spec.origin is not None else None


@lru_cache(maxsize=None)
def _sdk_resources() -> Optional[Dict[Tuple[str, str], Tuple[str, str, str]]]:
    """Every resource of the installed SDK by lower-cased (module, name): (token, module, class), read from the
    table its `__init__.py` registers, or None when the SDK is not installed."""
    folder = _sdk_folder()
    if folder is None:
        return None
    found = _RESOURCE_TABLE.search((folder / "__init__.py").read_text(encoding="utf-8"))
    if found is None:
        raise RuntimeError(f"{folder / '__init__.py'}: no resource_modules table; is this {SDK_DISTRIBUTION}?")
    table: Dict[Tuple[str, str], Tuple[str, str, str]] = {}
    for module in json.loads(found.group(1)):
        for token, class_name in module["classes"].items():
            _, service, name = token.split(":")
            table[(service.lower(), name.lower())] = (token, module["fqn"], class_name)
    return table


def _sdk_version() -> str:
    """The SDK's version, as the `pulumi-plugin.json` it ships says (importlib.metadata costs 20 ms to import)."""
    folder = _sdk_folder()
    try:
        return json.loads((folder / "pulumi-plugin.json").read_text(encoding="utf-8"))["version"]
    except (TypeError, OSError, ValueError, KeyError):
        return "(unknown version)"


@lru_cache(maxsize=None)
def _identifiers() -> Mapping[str, Tuple[str, ...]]:
    data = json.loads(IDENTIFIERS_FILE.read_text(encoding="utf-8"))
    return {cfn_type: tuple(names) for cfn_type, names in data["types"].items()}


def primary_identifier(cfn_type: str) -> Tuple[str, ...]:
    """The properties (CloudFormation names, nested ones `Outer.Inner`) whose values, `|`-joined in this order,
    make the Cloud Control identifier: the pulumi-aws-native resource's `id` and its import id."""
    found = _identifiers().get(cfn_type)
    if found is None:
        raise UnknownOutput(f"the primary identifier of {cfn_type} is not known to wsapi ({IDENTIFIERS_FILE.name})")
    return found


@dataclass(frozen=True)
class RefRule:
    """What CloudFormation's `Ref` of a type is, on its pulumi-aws-native resource."""

    cfn_type: str
    #: "identifier": the resource's `id`; "property": the output of `prop`; "event-rule": see EVENT_RULE
    kind: str
    prop: str = ""
    source: str = ""


@lru_cache(maxsize=None)
def _data() -> Mapping[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def ref_exceptions() -> Mapping[str, str]:
    """Type -> the property its `Ref` returns, or IDENTIFIER, or EVENT_RULE (see DATA_FILE)."""
    return _data()["refs"]


def instead() -> Mapping[str, str]:
    """Type the SDK lacks -> what to write instead."""
    return _data()["instead"]


def ref_source(cfn_type: str) -> str:
    """Where CloudFormation documents the `Ref` of `cfn_type`: its template reference page (and more)."""
    _, service, name = cfn_type.split("::")
    page = f"aws-resource-{service.lower()}-{name.lower()}"
    found = f"https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/{page}.html#{page}-return-values"
    more = _data()["sources"].get(cfn_type)
    return f"{found} and {more}" if more else found


def ref_rule(cfn_type: str) -> RefRule:
    """How `Ref` of a resource of `cfn_type` reads off its pulumi-aws-native resource; UnknownOutput when
    CloudFormation documents no `Ref` wsapi can reproduce."""
    prop = ref_exceptions().get(cfn_type)
    if prop is not None:
        kind = {IDENTIFIER: "identifier", EVENT_RULE: "event-rule"}.get(prop, "property")
        return RefRule(cfn_type, kind, prop if kind == "property" else "", ref_source(cfn_type))
    identifier = primary_identifier(cfn_type)
    if len(identifier) > 1:
        raise UnknownOutput(
            f"Ref of {cfn_type}: its identifier is composite ({'|'.join(identifier)}) and CloudFormation documents no"
            " Ref value wsapi knows for it; use Fn::GetAtt or the property you need instead"
        )
    return RefRule(cfn_type, "identifier", source="the primary identifier (physical id)")


def import_id(cfn_type: str, physical_id: str, values: Mapping[str, str] = {}) -> str:  # noqa: B006 - read only
    """The id `pulumi.ResourceOptions(import_=...)` takes to adopt a resource CloudFormation created: its Cloud
    Control identifier. `physical_id` is CloudFormation's (`Ref`, or a stack's PhysicalResourceId); `values`
    gives, by CloudFormation name, the other identifier properties a composite identifier needs (and for
    AWS::Events::Rule, `Arn`, or `AWS::Partition`/`AWS::Region`/`AWS::AccountId` to build it)."""
    identifier = primary_identifier(cfn_type)
    try:
        rule = ref_rule(cfn_type)
    except UnknownOutput:
        rule = None  # a composite id with no documented Ref: every part must be given
    if rule is not None and rule.kind == "identifier":
        return physical_id
    if rule is not None and rule.kind == "event-rule":
        return values.get("Arn") or _event_rule_arn(physical_id, values)
    known = dict(values)
    if rule is not None:
        known[rule.prop] = physical_id
    missing = [name for name in identifier if not known.get(name)]
    if missing:
        raise ImportIdError(f"the import id of {cfn_type} is {'|'.join(identifier)}: give {', '.join(missing)}")
    return "|".join(str(known[name]) for name in identifier)


def _event_rule_arn(physical_id: str, values: Mapping[str, str]) -> str:
    """A rule's ARN from its physical id (`name`, or `bus|name`): `arn:{partition}:events:{region}:{account}:
    rule/[{bus}/]{name}`, as EventBridge writes it."""
    missing = [name for name in (PARTITION, REGION, ACCOUNT_ID) if not values.get(name)]
    if missing:
        raise ImportIdError(f"the import id of an event rule is its Arn: give Arn, or {', '.join(missing)}")
    rule = physical_id.replace("|", "/", 1)
    return f"arn:{values[PARTITION]}:events:{values[REGION]}:{values[ACCOUNT_ID]}:rule/{rule}"


_GETTER = re.compile(r'@pulumi\.getter(?:\(name="(\w+)"\))?\s*\n\s*def (\w+)\(self\)')


@lru_cache(maxsize=None)
def input_names(cfn_type: str) -> Tuple[str, ...]:
    """The inputs the SDK's resource of `cfn_type` takes (wire names, `tableName`), read from the `{Class}Args`
    class of its module's source without importing it; empty when the source cannot be read."""
    found = native_type(cfn_type)
    folder = _sdk_folder()
    module = found.module.split(".", 1)[1].replace(".", "/") if "." in found.module else ""
    stem = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", found.class_name).lower()
    try:
        source = (folder / module / f"{stem}.py").read_text(encoding="utf-8")  # type: ignore[operator]
    except (OSError, TypeError):
        return ()
    start = source.find(f"class {found.class_name}Args")
    end = source.find(f"class {found.class_name}(pulumi.CustomResource)")
    if start < 0 or end < start:
        return ()
    return tuple(wire or name for wire, name in _GETTER.findall(source[start:end]))


def name_property(cfn_type: str) -> Optional[str]:
    """The property that names a resource of `cfn_type` (`TableName`, `QueueName`, or `Name`), as
    pulumi-aws-native auto-names it when the template leaves it out; None for a type with no such input."""
    name = cfn_type.split("::")[2]
    taken = set(input_names(cfn_type))
    for candidate in (f"{name}Name", "Name"):
        if candidate[0].lower() + candidate[1:] in taken:
            return candidate
    return None


def name_from_physical_id(cfn_type: str, prop: str, physical_id: str) -> str:
    """The name CloudFormation gave a resource, from its physical id: the id itself when the name is the
    identifier (a table's name), else the last part of its ARN (`...:topic/NAME`, `...:NAME`) or URL."""
    if primary_identifier(cfn_type) == (prop,) or "/" not in physical_id and not physical_id.startswith("arn:"):
        return physical_id
    if physical_id.startswith("arn:"):
        return physical_id.split(":", 5)[-1].rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return physical_id.rstrip("/").rsplit("/", 1)[-1]
