"""The plan: every resource wsapi will create, independent of how it is deployed.

`compile.compile_service` builds one `Plan`; `render_cfn` and the Pulumi component both read it and never
change it. Property names and shapes are CloudFormation's (the vocabulary Serverless users know); values that
point elsewhere are the small reference types below, which each renderer turns into its own form
(`{"Ref": ...}` or a Pulumi Output).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterator, Mapping, Optional, Tuple

from .model import Service

PARTITION = "AWS::Partition"
REGION = "AWS::Region"
ACCOUNT_ID = "AWS::AccountId"
URL_SUFFIX = "AWS::URLSuffix"
PSEUDO_PARAMETERS = (PARTITION, REGION, ACCOUNT_ID, URL_SUFFIX)
NO_VALUE = "AWS::NoValue"  #: removes the property (or list item) it stands for
STACK_NAME = "AWS::StackName"
#: Pseudo parameters a user may write besides those the plan itself uses.
MORE_PSEUDO_PARAMETERS = (NO_VALUE, STACK_NAME, "AWS::StackId", "AWS::NotificationARNs")

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
    """`Fn::Sub`: a string with `${AWS::Region}`-style pseudo parameters, `${Key}` refs and `${Key.Attribute}`
    attributes of resources of this plan, and `${Name}` variables given with it (`variables`, plan values)."""

    template: str
    variables: Tuple[Tuple[str, Any], ...] = ()

    def names(self) -> Tuple[str, ...]:
        """The resource keys (and pseudo parameters) it refers to, besides its variables."""
        given = {name for name, _ in self.variables}
        return tuple(name.split(".", 1)[0] for name in re.findall(r"\$\{([^}!]+)\}", self.template) if name not in given)

    def pieces(self) -> Tuple[Any, ...]:
        """The template as literal strings and the plan values of its `${...}` names, in order."""
        given = dict(self.variables)
        found: list = []
        position = 0
        for match in re.finditer(r"\$\{([^}]*)\}", self.template):
            found.append(self.template[position : match.start()])
            name = match.group(1)
            if name.startswith("!"):
                found.append("${" + name[1:] + "}")  # ${!Literal} writes ${Literal}
            elif name in given:
                found.append(given[name])
            elif name.startswith("AWS::"):
                found.append(Pseudo(name))
            elif "." in name:
                found.append(GetAtt(*name.split(".", 1)))
            else:
                found.append(Ref(name))
            position = match.end()
        found.append(self.template[position:])
        return tuple(piece for piece in found if piece != "")


@dataclass(frozen=True)
class Parameter:
    """A template parameter of the service (`resources.Parameters`): CloudFormation asks for it; Pulumi uses
    its default."""

    name: str


@dataclass(frozen=True)
class Select:
    """`Fn::Select`: the `index`th item of a list value."""

    index: Any
    values: Any


@dataclass(frozen=True)
class Split:
    """`Fn::Split`: a string value cut at `separator`, as a list."""

    separator: str
    value: Any


@dataclass(frozen=True)
class If:
    """`Fn::If` on a condition of the service (`resources.Conditions`)."""

    condition: str
    then: Any
    otherwise: Any


@dataclass(frozen=True)
class Base64:
    """`Fn::Base64` of a string value."""

    value: Any


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


CERTIFICATE = "certificate"
HOSTED_ZONE = "hosted-zone"


@dataclass(frozen=True)
class Lookup:
    """A value found at deploy time by name: the ACM certificate or the Route 53 zone of a custom domain. The
    Pulumi component asks the provider (`acm.getCertificate`, `route53.getZone`); a standalone template, as
    CloudFormation cannot look them up, takes it as the parameter `parameter`."""

    kind: str  #: CERTIFICATE or HOSTED_ZONE
    domain: str  #: the custom domain it serves
    parameter: str  #: the template parameter standing for it
    name: Optional[str] = None  #: a certificate's exact domain name (certificateName); None: the closest match
    private: Optional[bool] = None  #: a zone's kind: private, public, or None for either
    path: str = field(default="", compare=False)  #: the setting it answers, for problems

    def describe(self) -> str:
        if self.kind == CERTIFICATE:
            return f"the ACM certificate of {self.name}" if self.name else f"the ACM certificate closest to {self.domain}"
        kind = {None: "", True: "private ", False: "public "}[self.private]
        return f"the {kind}Route 53 zone of {self.domain}"


@dataclass(frozen=True)
class Remote:
    """The value of a variable only AWS knows (`${ssm:...}`, `${cf:...}`, `${s3:...}`, a secret `wsapi:params`),
    found at deploy time: the Pulumi component asks the provider (`remote_lookups`); a standalone template
    takes an SSM parameter as a template parameter of an SSM type, a Secrets Manager one as a dynamic
    reference, and refuses the others (`render_cfn`)."""

    request: Any  #: `remote_values.Request`
    path: str = field(default="", compare=False)  #: where the variable was written, for problems


@dataclass(frozen=True)
class CodeArchive:
    """A function's code, built from local files (or a ready-made archive) by `packaging`.

    Each renderer turns it into its own form: the Pulumi component uploads the archive itself
    (`pulumi.FileArchive`); a CloudFormation template reads it from S3, the bucket and key being template
    parameters (`{name}ArtifactKey`, defaulting to `s3_key`). Equal archives have equal digests, wherever the
    files live.
    """

    name: str  #: parameter stem: `Service` for the service package, else `{NormalizedFunction}Function`
    file_name: str  #: Serverless's artifact name: `{service}.zip`, `{function}.zip`, or the given file's name
    digest: str  #: sha256 of the members (names, modes, contents), or of the given archive's bytes
    functions: Tuple[str, ...]  #: the function keys it serves
    files: Tuple[Any, ...] = field(default=(), compare=False)  #: `packaging.ArchiveFile`s, when built here
    source: Optional[str] = field(default=None, compare=False)  #: a ready-made archive (`package.artifact`)

    def s3_key(self, service: str, stage: str) -> str:
        """Where a standalone template expects it by default: content-addressed, so a change is a new key."""
        stem, dot, extension = self.file_name.rpartition(".")
        return f"{service}/{stage}/{stem if dot else self.file_name}-{self.digest[:16]}.{extension if dot else 'zip'}"


@dataclass(frozen=True)
class Resource:
    key: str  #: CloudFormation logical id, unique in the plan
    type: str  #: CloudFormation resource type
    #: the Pulumi child is named `{component}-{child_suffix}`: from function keys, route keys and fixed words
    #: only, so it stays the same across unrelated changes
    child_suffix: str
    properties: Mapping[str, Any]
    #: logical ids this resource waits for: keys of this plan, and in compat mode also resources of the
    #: Serverless stack around it (functions, aliases). None: no DependsOn at all (Serverless tells an empty
    #: list from none, and compat output must too).
    depends_on: Optional[Tuple[str, ...]] = None
    #: extra top-level template attributes exactly as Serverless writes them (compat: the custom resource's
    #: `Version`, and the scalar `DependsOn: <alias>` Serverless gives integrations and authorizers; a
    #: declared resource's `DeletionPolicy`, `UpdateReplacePolicy`, `Condition`, `Metadata`, ...)
    attributes: Mapping[str, Any] = field(default_factory=dict)
    #: declared by the service itself (`resources.Resources`), not generated by wsapi
    declared: bool = False
    #: where `resources:` changed this generated resource (`resources.Resources.X`), for problems' paths
    overrides: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Output:
    key: str
    description: str
    value: Any
    export: Any = None  #: CloudFormation export name (Serverless exports every output)
    condition: Optional[str] = None  #: a declared output's `Condition`


@dataclass(frozen=True)
class Plan:
    mode: str
    service: Service
    resources: Tuple[Resource, ...]
    outputs: Tuple[Output, ...]
    api_id: Any  #: Ref to the API, or External for `websocketApiId`
    published_digest: str  #: hash of what a deployment publishes (routes, integrations, ...): redeploy trigger
    #: how the API invokes each function the plan creates, by function key (its alias, when it has one)
    function_targets: Mapping[str, Any] = field(default_factory=dict)
    #: the URL of each created function that has one (`url`), by function key (also among `outputs`)
    function_urls: Mapping[str, Any] = field(default_factory=dict)
    #: the service's template parameters, conditions and mappings (`resources:`), as written
    parameters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    conditions: Mapping[str, Any] = field(default_factory=dict)
    mappings: Mapping[str, Any] = field(default_factory=dict)
    #: each condition's value where known when compiling, else None (`compile.declared.evaluate_conditions`)
    condition_values: Mapping[str, Optional[bool]] = field(default_factory=dict)
    #: things that compile but deserve a look (e.g. an override of a resource wsapi does not create)
    warnings: Tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        keys = [r.key for r in self.resources]
        assert len(keys) == len(set(keys)), "plan resource keys must be unique"

    @cached_property
    def _by_key(self) -> Mapping[str, Resource]:
        return {resource.key: resource for resource in self.resources}

    def resource(self, key: str) -> Resource:
        return self._by_key[key]

    def by_type(self, type_: str) -> Tuple[Resource, ...]:
        return tuple(r for r in self.resources if r.type == type_)

    def externals(self) -> Tuple[External, ...]:
        """Every value the user wrote as-is, in the API id and in resource properties."""
        values = [self.api_id] + [r.properties for r in self.resources]
        return tuple(leaf for value in values for leaf in leaves(value) if isinstance(leaf, External))

    def remote_values(self) -> Tuple[Remote, ...]:
        """Every variable value found at deploy time, in resources and outputs, once each (first path kept)."""
        values = [r.properties for r in self.resources] + [o.value for o in self.outputs]
        found: dict = {}
        for leaf in (leaf for value in values for leaf in leaves(value)):
            if isinstance(leaf, Remote) and leaf not in found:
                found[leaf] = leaf
        return tuple(found)

    def lookups(self) -> Tuple[Lookup, ...]:
        """Every value found at deploy time (a custom domain's certificate or zone), once each."""
        found = (leaf for r in self.resources for leaf in leaves(r.properties) if isinstance(leaf, Lookup))
        return tuple(dict.fromkeys(found))

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


def leaves(value: Any) -> Iterator[Any]:
    """Every value inside a plan value, descending through Joins, mappings and lists (and the other
    intrinsics' operands, which are yielded too)."""
    if isinstance(value, Join):
        for part in value.parts:
            yield from leaves(part)
    elif isinstance(value, (Select, Split, If, Base64)):
        yield value
        for operand in vars(value).values():
            yield from leaves(operand)
    elif isinstance(value, Sub) and value.variables:
        yield value
        for _, operand in value.variables:
            yield from leaves(operand)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from leaves(item)
    else:
        yield value


def references(resource: Resource) -> Tuple[str, ...]:
    """Keys a resource refers to: its DependsOn, and every Ref/GetAtt/Sub name in its properties."""
    found: list[str] = list(resource.depends_on or ())
    for leaf in leaves(resource.properties):
        if isinstance(leaf, (Ref, GetAtt)):
            found.append(leaf.key)
        elif isinstance(leaf, Sub):
            found.extend(name for name in leaf.names() if name not in PSEUDO_PARAMETERS)
    return tuple(dict.fromkeys(found))


def readable(value: Any) -> str:
    """A reviewer's view of a plan value (`wsapi plan`): references by name, ARNs by function."""
    if isinstance(value, FunctionArn):
        return value.deployed_name + (f":{value.alias}" if value.alias else "")
    if isinstance(value, Pseudo):
        return "${" + value.name + "}"
    if isinstance(value, CodeArchive):
        return f"{value.file_name} ({len(value.files)} files)" if value.source is None else value.source
    if isinstance(value, Ref):
        return f"<{value.key}>"
    if isinstance(value, GetAtt):
        return f"<{value.key}.{value.attribute}>"
    if isinstance(value, Join):
        if len(value.parts) > 1 and value.parts[-1] == "/invocations":
            return readable(value.parts[-2])  # a Lambda invocation URI: show the function
        return value.separator.join(readable(p) for p in value.parts)
    if isinstance(value, External):
        return str(value.value)
    if isinstance(value, Sub):
        return value.template
    if isinstance(value, Lookup):
        return f"<{value.describe()}>"
    if isinstance(value, Remote):
        return f"<{value.request.describe()}>"
    if isinstance(value, (list, tuple)):
        return ",".join(readable(v) for v in value)
    return str(value)
