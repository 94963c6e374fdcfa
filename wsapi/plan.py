"""The plan: every resource wsapi will create, independent of how it is deployed.

`compile.compile_service` builds one `Plan`; `render_cfn` and the Pulumi component both read it and never
change it. Property names and shapes are CloudFormation's (the vocabulary Serverless users know); values that
point elsewhere are the small reference types below, which each renderer turns into its own form
(`{"Ref": ...}` or a Pulumi Output).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Tuple

from .model import Service

PARTITION = "AWS::Partition"
REGION = "AWS::Region"
ACCOUNT_ID = "AWS::AccountId"
URL_SUFFIX = "AWS::URLSuffix"
PSEUDO_PARAMETERS = (PARTITION, REGION, ACCOUNT_ID, URL_SUFFIX)

COMPAT = "serverless-v3"
STANDALONE = "standalone"
MODES = (COMPAT, STANDALONE)


@dataclass(frozen=True)
class Ref:
    """The primary identifier of a resource in this plan (CloudFormation `Ref`)."""

    key: str


@dataclass(frozen=True)
class GetAtt:
    """An attribute of a resource, in this plan or (compat only) in the Serverless stack around it."""

    key: str
    attribute: str


@dataclass(frozen=True)
class Pseudo:
    """A stack-wide value: partition, region, account id or URL suffix."""

    name: str


@dataclass(frozen=True)
class Join:
    separator: str
    parts: Tuple[Any, ...]


@dataclass(frozen=True)
class Sub:
    """A string with `${AWS::Region}`-style pseudo parameters and `${Key}` refs to resources of this plan."""

    template: str

    def names(self) -> Tuple[str, ...]:
        return tuple(re.findall(r"\$\{([^}!]+)\}", self.template))


@dataclass(frozen=True)
class FunctionArn:
    """The ARN of one of the service's Lambda functions (qualified by its alias when it has one).

    Compat renders it as Serverless does (`Fn::GetAtt <Fn>LambdaFunction.Arn`); standalone and Pulumi use a
    user-given ARN, else build it from the deployed name in the stack's partition, region and account.
    """

    function_key: str
    deployed_name: str
    alias: Optional[str]


@dataclass(frozen=True)
class External:
    """A value the user wrote as-is (a CloudFormation intrinsic such as `Fn::ImportValue`, or a literal
    mapping such as a data protection policy), with the dotted path it came from."""

    value: Any
    path: str = field(default="", compare=False)


@dataclass(frozen=True)
class Resource:
    key: str  #: CloudFormation logical id, unique in the plan
    type: str  #: CloudFormation resource type
    name: str  #: Pulumi child name suffix: `{component}-{name}`; stable across unrelated changes
    properties: Mapping[str, Any]
    #: logical ids this resource waits for: keys of this plan, and in compat mode also resources of the
    #: Serverless stack around it (functions, aliases). None: no DependsOn at all (Serverless tells an empty
    #: list from none, and compat output must too).
    depends_on: Optional[Tuple[str, ...]] = None
    #: extra top-level template attributes exactly as Serverless writes them (compat: the custom resource's
    #: `Version`, and the scalar `DependsOn: <alias>` Serverless gives integrations and authorizers)
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Output:
    key: str
    description: str
    value: Any
    export: Optional[str] = None  #: CloudFormation export name (Serverless exports every output)


@dataclass(frozen=True)
class Plan:
    mode: str
    service: Service
    resources: Tuple[Resource, ...]
    outputs: Tuple[Output, ...]
    api_id: Any  #: Ref to the API, or External for `websocketApiId`
    deployment_digest: str  #: hash of every resource before the deployment (compat's deployment id)
    published_digest: str  #: hash of what a deployment publishes (routes, integrations, ...): redeploy trigger

    def __post_init__(self) -> None:
        keys = [r.key for r in self.resources]
        assert len(keys) == len(set(keys)), "plan resource keys must be unique"

    def resource(self, key: str) -> Resource:
        for resource in self.resources:
            if resource.key == key:
                return resource
        raise KeyError(key)

    def by_type(self, type_: str) -> Tuple[Resource, ...]:
        return tuple(r for r in self.resources if r.type == type_)

    def creation_order(self) -> Tuple[Resource, ...]:
        """Resources with everything they reference first (a route response names its route, which the
        template lists later); otherwise in plan order."""
        by_key = {r.key: r for r in self.resources}
        ordered: dict[str, Resource] = {}

        def visit(resource: Resource, trail: Tuple[str, ...]) -> None:
            if resource.key in ordered:
                return
            assert resource.key not in trail, f"reference cycle: {' -> '.join(trail + (resource.key,))}"
            for key in references(resource):
                if key in by_key:
                    visit(by_key[key], trail + (resource.key,))
            ordered[resource.key] = resource

        for resource in self.resources:
            visit(resource, ())
        return tuple(ordered.values())


def references(resource: Resource) -> Tuple[str, ...]:
    """Keys a resource refers to: its DependsOn, and every Ref/GetAtt/Sub name in its properties."""
    found: list[str] = list(resource.depends_on or ())

    def walk(value: Any) -> None:
        if isinstance(value, (Ref, GetAtt)):
            found.append(value.key)
        elif isinstance(value, Sub):
            found.extend(name for name in value.names() if name not in PSEUDO_PARAMETERS)
        elif isinstance(value, Join):
            walk(value.parts)
        elif isinstance(value, Mapping):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(resource.properties)
    return tuple(dict.fromkeys(found))
