"""What a resource kind is: the one place that knows a CloudFormation type on every side.

A `Kind` holds, for one CloudFormation type, everything outside the compile step that emits it: the Pulumi
type token and child-name rule, which Pulumi output CloudFormation's `Ref` and each `Fn::GetAtt` attribute
stand for, how the component builds it (and the extra Pulumi resources that carry what CloudFormation writes
as a property), its line in `wsapi plan`, and whether an API Gateway deployment publishes it.

Nothing here imports `pulumi`: a kind builds through the `Builder` the component hands it, which carries the
`pulumi` and `pulumi_aws` modules, so `validate`/`plan`/`export` start without loading them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Dict, Mapping, Optional, Protocol, Sequence, Tuple

from ..plan import CodeArchive, Plan, Resource

if TYPE_CHECKING:  # pragma: no cover
    import pulumi


@dataclass(frozen=True)
class Convert:
    """A CloudFormation property Pulumi takes under `argument`, shaped by `function(pulumi_aws, value)`; for an
    object, the `fields` it may hold (each, for a map of objects such as RouteSettings)."""

    argument: str
    function: Callable[[Any, Any], Any]
    fields: Tuple[str, ...] = ()


def snake(name: str) -> str:
    """`RouteSelectionExpression` -> `route_selection_expression`, `PrincipalOrgID` -> `principal_org_id`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def same_names(*properties: str) -> Dict[str, str]:
    """Properties Pulumi takes under their own name, snake_cased."""
    return {name: snake(name) for name in properties}


def nested(args_class: str) -> Callable[[Any, Any], Any]:
    """A CloudFormation object as the pulumi-aws `Args` class of that name (`apigatewayv2.StageAccessLogSettingsArgs`),
    its properties snake_cased."""

    def convert(aws: Any, value: Any) -> Any:
        module, name = args_class.rsplit(".", 1)
        return getattr(getattr(aws, module), name)(**{snake(key): item for key, item in value.items()})

    return convert


def tags_map(aws: Any, tags: Any) -> Optional[Dict[str, Any]]:
    """CloudFormation's `[{Key, Value}]` as Pulumi's mapping."""
    return tag_map(tags)


@dataclass(frozen=True)
class Extra:
    """A Pulumi resource a plan resource brings besides its own (a CloudFormation property that is a resource
    of its own in Pulumi), named `{child name}{suffix}`."""

    pulumi_type: str
    suffix: str


class Builder(Protocol):
    """What the component gives a kind to build a resource with (see `component.WebSocketApi`)."""

    aws: Any  #: the `pulumi_aws` module
    pulumi: Any  #: the `pulumi` module
    plan: Plan

    def props(self, resource: Resource) -> Mapping[str, Any]:
        """The resource's properties as Pulumi inputs (kept for `evaluated`)."""

    def evaluated(self, key: str) -> Mapping[str, Any]:
        """The Pulumi inputs an earlier resource was built with."""

    def built(self, key: str) -> Any:
        """An earlier resource, as built."""

    def name(self, resource: Resource, suffix: str = "") -> str:
        """The resource's child name (`Kind.child_name`), with an extra's suffix."""

    def options(self, resource: Resource, waits: Sequence[Any] = ()) -> "pulumi.ResourceOptions":
        """Parent, and `depends_on` for the resource's DependsOn and `waits`."""

    def child_options(self, depends_on: Sequence[Any] = ()) -> "pulumi.ResourceOptions":
        """Parent only (and `depends_on`): for extras."""

    def regional(self) -> Dict[str, Any]:
        """`{"region": ...}` when the service chose a region, else nothing (the stack's `aws:region`)."""

    def pseudo(self, name: str) -> Any:
        """A pseudo parameter (`AWS::Region`, ...) as a value or an Output."""

    def archive(self, code: CodeArchive) -> Any:
        """A function's code archive, built and ready to upload."""

    def stage_pointer(self, name: str, **props: Any) -> Any:
        """The dynamic resource that points an external API's stage at a deployment."""

    native: Any  #: `wsapi.native`: builds declared resources with pulumi-aws-native

    def native_provider(self, opts: "pulumi.ResourceOptions") -> "pulumi.ResourceOptions":
        """`opts` with the aws-native provider in the component's region (unless the stack configures one)."""

    def add_extras(self, key: str, resources: Sequence[Any]) -> None:
        """Record the extras built for plan resource `key` (others may wait for them)."""

    def extras_of(self, key: str) -> Tuple[Any, ...]:
        """The extras built for plan resource `key`."""


#: Why the adoption run leaves tags as they are (see `Kind.adoption_ignores`).
STACK_TAGS = (
    "CloudFormation tagged it with the stack's tags (provider.stackTags, its aws:cloudformation:* ones), which a"
    " Pulumi stack has no counterpart for: the first normal run sets the tags serverless.yml gives"
)


class StackIds(Protocol):
    """What a kind reads from the Serverless stack it adopts a resource from (`adoption.StackIds`)."""

    def physical(self, value: Any, what: str) -> str:
        """The physical id a plan value stands for: a `Ref` to a resource of the stack, or a literal string;
        AdoptionError (naming `what`) when the stack cannot tell."""

    def pseudo(self) -> Mapping[str, str]:
        """The stack's partition, region and account (`AWS::Partition`, ...), as far as its answer tells."""


class AdoptionError(ValueError):
    """An import id that cannot be made from the stack (a parent missing from it, an id known only at deploy
    time); `str()` is the message."""


class Kind:
    """One CloudFormation type. Subclasses set the class attributes and override what differs."""

    cfn_type: ClassVar[str]
    #: pulumi-aws type token; None when Pulumi has no resource of its own for it (see `folded`)
    pulumi_type: ClassVar[Optional[str]] = None
    #: how Pulumi expresses a type with no resource of its own (e.g. a version is what its function publishes)
    folded: ClassVar[str] = ""
    #: only in `--compat serverless-v3` templates (Serverless's own constructs): never built by Pulumi
    compat_only: ClassVar[bool] = False
    #: the Pulumi output CloudFormation's `Ref` stands for
    ref: ClassVar[Optional[str]] = None
    #: `Fn::GetAtt` attribute -> Pulumi output
    attributes: ClassVar[Mapping[str, str]] = {}
    #: part of what an API Gateway deployment publishes: a change needs a new deployment
    published: ClassVar[bool] = False
    #: the property whose value, known only at deploy time (a function ARN given as an Output), also
    #: triggers a new deployment when it changes
    deploy_trigger: ClassVar[Optional[str]] = None

    #: CloudFormation property -> Pulumi argument: a name, or a `Convert` for a value Pulumi shapes otherwise
    inputs: ClassVar[Mapping[str, Any]] = {}
    #: properties `build` turns into something else itself (extra resources, the code archive, ...)
    consumed: ClassVar[Tuple[str, ...]] = ()
    #: properties Pulumi has no input for that change nothing in what wsapi deploys, and why (a warning)
    ignored: ClassVar[Mapping[str, str]] = {}
    #: Pulumi inputs (wire names) the adoption run leaves as the Serverless stack deployed them (its
    #: `ignore_changes`), each with why: what wsapi does differently there is applied by the first normal run
    adoption_ignores: ClassVar[Mapping[str, str]] = {}

    def import_id(self, resource: Resource, physical_id: str, stack: "StackIds") -> Optional[str]:
        """The id Pulumi adopts the resource CloudFormation created by (`import_`, in the format pulumi-aws
        documents for the type), or None: wsapi creates its own instead (the default)."""
        return None

    def arguments(self, b: "Builder", properties: Mapping[str, Any]) -> Dict[str, Any]:
        """The Pulumi arguments for evaluated `properties` (see `inputs`)."""
        arguments: Dict[str, Any] = {}
        for name, value in properties.items():
            target = self.inputs.get(name)
            if isinstance(target, Convert):
                arguments[target.argument] = target.function(b.aws, value)
            elif target is not None:
                arguments[target] = value
        return arguments

    def unsupported(self, properties: Mapping[str, Any]) -> Tuple[str, ...]:
        """Properties (a `resources:` override may add any) the component could not set, as dotted names: never
        dropped silently."""
        found = []
        for name, value in properties.items():
            target = self.inputs.get(name)
            if target is None and name not in self.consumed and name not in self.ignored:
                found.append(name)
            elif isinstance(target, Convert) and target.fields and isinstance(value, Mapping):
                objects = value.values() if target.argument == "route_settings" else [value]
                for item in objects:
                    found.extend(f"{name}.{field}" for field in (item if isinstance(item, Mapping) else {}) if field not in target.fields)
        return tuple(dict.fromkeys(found))

    def child_name(self, component: str, resource: Resource) -> str:
        """Pulumi child names derive from function keys, route keys and fixed words only (set by the compile
        step as `Resource.child_suffix`), so adding a route never renames another resource."""
        return f"{component}-{resource.child_suffix}"

    def extras(self, properties: Mapping[str, Any]) -> Tuple[Extra, ...]:
        return ()

    def describe(self, plan: Plan, resource: Resource) -> str:
        """What a reviewer checks, on the resource's `wsapi plan` line."""
        return ""

    def build(self, b: Builder, resource: Resource) -> Any:
        """The Pulumi resource of `pulumi_type`, its arguments from `inputs`, in the component's region. Kinds
        that make extra resources or take their code, a stage pointer, ... override it."""
        if self.pulumi_type is None:
            raise NotImplementedError(f"{self.cfn_type} has no Pulumi resource")
        return pulumi_class(b.aws, self.pulumi_type)(
            b.name(resource), **self.arguments(b, b.props(resource)), opts=b.options(resource), **b.regional()
        )

    def pulumi_type_of(self, resource: Resource) -> Optional[str]:
        """The Pulumi type token of one resource of this kind (a family kind has one per CloudFormation type)."""
        return self.pulumi_type

    def output(self, b: Builder, resource: Resource, attribute: Optional[str]) -> Any:
        """The Output for `Ref` (attribute None) or `Fn::GetAtt` of a built resource."""
        name = self.ref if attribute is None else self.attributes.get(attribute)
        if name is None:
            what = "Ref" if attribute is None else f"Fn::GetAtt {attribute}"
            raise KeyError(f"{what} of {self.cfn_type} has no Pulumi counterpart in wsapi")
        return getattr(b.built(resource.key), name)


#: Every kind, by CloudFormation type; filled by the family modules of this package as they are imported.
REGISTRY: Dict[str, Kind] = {}


def register(*kinds: type) -> None:
    for kind in kinds:
        assert kind.cfn_type not in REGISTRY, f"{kind.cfn_type} is registered twice"
        REGISTRY[kind.cfn_type] = kind()


def lookup(cfn_type: str) -> Kind:
    """The kind of a CloudFormation type wsapi generates; KeyError for a type wsapi does not know."""
    return REGISTRY[cfn_type]


#: The family kind of every resource a service declares itself (`resources.Resources`), whatever its type;
#: set by the `declared` module of this package.
DECLARED: Dict[str, Kind] = {}


def kind_of(resource: Resource) -> Kind:
    """The kind that renders a plan resource: its type's, or for a declared resource the declared family's."""
    return DECLARED["family"] if resource.declared else REGISTRY[resource.type]


def pulumi_class(aws: Any, token: str) -> Any:
    """The pulumi-aws class of a type token: `aws:apigatewayv2/api:Api` -> `aws.apigatewayv2.Api`
    (`lambda` is the `lambda_` module in Python)."""
    _, module, member = token.split(":")
    name = module.split("/")[0]
    return getattr(getattr(aws, f"{name}_" if name == "lambda" else name), member)


def short_type(token: str) -> str:
    """`aws:apigatewayv2/api:Api` -> `aws:apigatewayv2:Api`, the form `pulumi preview` shows (tokens without
    a module path, such as the dynamic provider's, stay as they are)."""
    package, module, member = token.split(":")
    return f"{package}:{module.split('/')[0]}:{member}"


def tag_map(tags: Any) -> Optional[Dict[str, Any]]:
    """CloudFormation's `[{Key, Value}]` as Pulumi's mapping."""
    return None if tags is None else {tag["Key"]: tag["Value"] for tag in tags}
