"""Build a plan's resources as Pulumi children of the component: the `registry.Builder` every kind builds
with, and the translation of plan values (`Ref`, `GetAtt`, `Join`, `Sub`, pseudo parameters, function ARNs,
user-written intrinsics) into Pulumi inputs. Never creates resources inside `.apply()`."""

from __future__ import annotations

import base64
import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import pulumi
import pulumi_aws as aws

from . import native
from .adoption import Adoption
from .domain_lookups import find
from .packaging import cached_archive
from .plan import (
    ACCOUNT_ID,
    PARTITION,
    REGION,
    NO_VALUE,
    STACK_NAME,
    URL_SUFFIX,
    Base64,
    CodeArchive,
    External,
    FunctionArn,
    GetAtt,
    If,
    Lookup,
    Join,
    Parameter,
    Plan,
    Pseudo,
    Ref,
    Remote,
    Resource,
    Select,
    Split,
    Sub,
)
from .registry import kind_of
from .remote_lookups import RemoteLookups
from .stage_deployment import StageDeployment

RETAINED = ("Retain", "RetainExceptOnCreate", "Snapshot")  #: DeletionPolicy values Pulumi keeps on delete
NOTHING = object()  #: what `AWS::NoValue` evaluates to: the property or item is left out

#: The invoke behind each pseudo parameter and the field of its answer that holds the value (a Pulumi
#: program's own mocks must answer these: see README "Testing a program that uses wsapi").
PSEUDO_INVOKES = {
    PARTITION: ("aws:index/getPartition:getPartition", "partition"),
    URL_SUFFIX: ("aws:index/getPartition:getPartition", "dnsSuffix"),
    REGION: ("aws:index/getRegion:getRegion", "region"),
    ACCOUNT_ID: ("aws:index/getCallerIdentity:getCallerIdentity", "accountId"),
}


def known(name: str, value: Any) -> Any:
    """A pseudo parameter's value, or a clear error where an ARN would otherwise read `arn:None:...`."""
    if value in (None, ""):
        token, field = PSEUDO_INVOKES[name]
        raise ValueError(
            f"wsapi: {name} is unknown: the {token} invoke answered no {field!r}. Under pulumi.runtime.set_mocks, "
            f"Mocks.call must answer it (e.g. {{'{field}': ...}})"
        )
    return value


class PulumiBuilder:
    """Everything the component registers, under one parent."""

    aws = aws
    pulumi = pulumi
    native = native

    def __init__(
        self, parent: pulumi.Resource, name: str, plan: Plan, functions: Mapping[str, Any], region: Optional[str],
        secret_params: Optional[Mapping[str, Any]] = None,
        adoption: Optional[Adoption] = None,
    ) -> None:
        self.parent = parent
        self.remote = RemoteLookups(parent, region, secret_params or {})  #: variables found at deploy time
        self.adoption = adoption  #: the Serverless stack's resources to take over (`adopt=`), if any
        self.component = name
        self.plan = plan
        self.functions = functions  #: function key -> what `functions=` gave for it
        self.region = region  #: the service's region, or None for the stack's
        self.resources: Dict[str, Any] = {}  #: built resources by plan key
        self._inputs: Dict[str, Any] = {}  #: evaluated properties by plan key
        self._extras: Dict[str, List[Any]] = {}  #: what Pulumi makes a resource of its own, by the plan key it belongs to
        self._pseudo: Dict[str, Any] = {}
        self._pseudo_sets: Dict[Tuple[str, ...], Any] = {}
        self._exports: Dict[str, Any] = {}
        self._native_provider: Optional[Any] = None
        self._found: Dict[Lookup, str] = {}  #: what the provider found for each lookup

    def build(self) -> Dict[str, Any]:
        lookups = self.plan.lookups()
        if lookups:  # a custom domain's certificate or zone: found (or refused) before any child is registered
            config = self.plan.service.config_path
            self._found = find(lookups, self.parent, self.region, os.fspath(config) if config else "<config>")
        for resource in self.plan.creation_order():
            condition = resource.attributes.get("Condition")
            if isinstance(condition, str) and not self.condition(condition):
                continue  # a declared resource its condition leaves out, as CloudFormation would
            self.resources[resource.key] = kind_of(resource).build(self, resource)
        return self.resources

    # -- registry.Builder ----------------------------------------------------------------------------------

    def props(self, resource: Resource) -> Any:
        self._inputs[resource.key] = self.value(resource.properties)
        return self._inputs[resource.key]

    def evaluated(self, key: str) -> Mapping[str, Any]:
        return self._inputs[key]

    def built(self, key: str) -> Any:
        return self.resources[key]

    def name(self, resource: Resource, suffix: str = "") -> str:
        return kind_of(resource).child_name(self.component, resource) + suffix

    def options(self, resource: Resource, waits: Sequence[Any] = ()) -> pulumi.ResourceOptions:
        """Parent, `depends_on` (DependsOn and `waits`), `retain_on_delete` for a `DeletionPolicy` that keeps
        the resource (Retain, RetainExceptOnCreate; Snapshot too: Pulumi takes no snapshot, so it keeps it), and
        while adopting, `import_` and the kind's `ignore_changes` for a resource the Serverless stack created."""
        depends_on = [self.resources[key] for key in resource.depends_on or () if key in self.resources]
        options = self.child_options(depends_on + list(waits))
        if resource.attributes.get("DeletionPolicy") in RETAINED:
            options = pulumi.ResourceOptions.merge(options, pulumi.ResourceOptions(retain_on_delete=True))
        adopted = self.adoption.adopted.get(resource.key) if self.adoption else None
        if adopted is not None:  # take over what the Serverless stack created (see wsapi.adoption)
            adopting = pulumi.ResourceOptions(import_=adopted.import_id, ignore_changes=list(adopted.ignore_changes) or None)
            options = pulumi.ResourceOptions.merge(options, adopting)
        return options

    def child_options(self, depends_on: Sequence[Any] = ()) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self.parent, depends_on=list(depends_on) or None)

    def regional(self) -> Dict[str, Any]:
        return {"region": self.region} if self.region else {}

    def native_provider(self, opts: pulumi.ResourceOptions) -> pulumi.ResourceOptions:
        """aws-native reads no `aws:region`: unless the stack sets `aws-native:region`, declared resources get a
        provider of their own in the component's region (the service's, else the stack's `aws:region`), so
        they land beside the API as in one CloudFormation stack."""
        if pulumi.Config("aws-native").get("region"):
            return opts
        if self._native_provider is None:
            import pulumi_aws_native

            self._native_provider = pulumi_aws_native.Provider(
                f"{self.component}-aws-native", region=self.pseudo(REGION), opts=pulumi.ResourceOptions(parent=self.parent)
            )
        return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(provider=self._native_provider))

    def archive(self, code: CodeArchive) -> Any:
        return pulumi.FileArchive(os.fspath(cached_archive(code)))

    def stage_pointer(self, name: str, **props: Any) -> Any:
        return StageDeployment(name, **props)

    def add_extras(self, key: str, resources: Sequence[Any]) -> None:
        self._extras.setdefault(key, []).extend(resources)

    def extras_of(self, key: str) -> Tuple[Any, ...]:
        return tuple(self._extras.get(key, ()))

    # -- plan values -> Pulumi inputs ----------------------------------------------------------------------

    def value(self, value: Any) -> Any:
        """A plan value as a Pulumi input (a literal, or an Output); `AWS::NoValue` removes the property or
        list item it stands for, as in CloudFormation."""
        if isinstance(value, (Ref, GetAtt)):
            resource = self.plan.resource(value.key)
            return kind_of(resource).output(self, resource, value.attribute if isinstance(value, GetAtt) else None)
        if isinstance(value, Pseudo) and value.name == NO_VALUE:
            return NOTHING
        if isinstance(value, (Pseudo, Join, Sub, FunctionArn, Parameter)):
            return self.text(self.pieces(value))
        if isinstance(value, If):
            return self.value(value.then if self.condition(value.condition) else value.otherwise)
        if isinstance(value, Select):
            return pulumi.Output.all(self.value(value.index), self.value(value.values)).apply(lambda iv: iv[1][int(iv[0])])
        if isinstance(value, Split):
            return pulumi.Output.from_input(self.value(value.value)).apply(lambda text: text.split(value.separator))
        if isinstance(value, Base64):
            return pulumi.Output.from_input(self.value(value.value)).apply(lambda text: base64.b64encode(text.encode()).decode())
        if isinstance(value, External):
            return self.external(value)
        if isinstance(value, Lookup):
            return self._found[value]
        if isinstance(value, Remote):
            return self.remote.value(value)
        if isinstance(value, Mapping):
            items = ((k, self.value(v)) for k, v in value.items())
            return {k: v for k, v in items if v is not NOTHING}
        if isinstance(value, (list, tuple)):
            return [v for v in map(self.value, value) if v is not NOTHING]
        return value

    def condition(self, name: str) -> bool:
        """A declared condition's value (compile knew it: `check_inputs` refuses one known only at deploy)."""
        known = self.plan.condition_values.get(name)
        assert known is not None, f"condition {name} is not known when building"
        return known

    def pieces(self, value: Any) -> list[Any]:
        """A string-valued plan value as a flat list of literal strings, Outputs and (not yet known) pseudo
        parameters, so `text` builds it with one Output at most however deeply Joins and ARNs nest
        (a 300-route API would otherwise make thousands of intermediate Outputs)."""
        if isinstance(value, Pseudo):
            return [self.region] if value.name == REGION and self.region is not None else [value]
        if isinstance(value, Join):
            found: list[Any] = []
            for index, part in enumerate(value.parts):
                if index:
                    found.append(value.separator)
                found.extend(self.pieces(part))
            return found
        if isinstance(value, Sub):  # a `${Name}` of a template parameter is the parameter
            parts = (Parameter(p.key) if isinstance(p, Ref) and p.key in self.plan.parameters else p for p in value.pieces())
            return [piece for part in parts for piece in self.pieces(part)]
        if isinstance(value, Parameter):
            return [str(self.plan.parameters[value.name]["Default"])]
        if isinstance(value, Pseudo) and value.name == STACK_NAME:
            return [f"{self.plan.service.name}-{self.plan.service.stage}"]
        if isinstance(value, FunctionArn):
            given = self.functions.get(value.function_key)
            qualifier = f":{value.alias}" if value.alias else ""
            if isinstance(given, aws.lambda_.Function):
                return [given.arn, qualifier]
            if given is not None:
                return [given]
            return [
                "arn:", Pseudo(PARTITION), ":lambda:", *self.pieces(Pseudo(REGION)), ":", Pseudo(ACCOUNT_ID),
                ":function:", value.deployed_name, qualifier,
            ]
        if isinstance(value, (Ref, GetAtt, External, If, Select, Base64, Lookup, Remote)):
            return [self.value(value)]
        return [value]

    def text(self, pieces: list[Any]) -> Any:
        """Join pieces into a string, or an Output of one when any piece is not known yet."""
        outputs = [p for p in pieces if isinstance(p, pulumi.Output)]
        names = sorted({p.name for p in pieces if isinstance(p, Pseudo)})
        if not outputs and not names:
            return "".join(str(p) for p in pieces)
        if not names and len(pieces) == 1:
            return outputs[0]
        if names:
            outputs.append(self.pseudo_values(tuple(names)))

        def fill(values: list[Any]) -> str:
            resolved = iter(values)
            env = values[-1] if names else {}
            text = []
            for piece in pieces:
                if isinstance(piece, pulumi.Output):
                    piece = next(resolved)
                elif isinstance(piece, Pseudo):
                    piece = env[piece.name]
                text.append(str(piece))
            return "".join(text)

        if len(outputs) == 1:  # the common case (one pseudo-parameter set, or one id): no Output.all
            return outputs[0].apply(lambda value: fill([value]))
        return pulumi.Output.all(*outputs).apply(fill)

    def pseudo_values(self, names: tuple[str, ...]) -> pulumi.Output[dict]:
        """One Output of the named pseudo parameters, shared by every value that needs the same ones."""
        if names not in self._pseudo_sets:
            self._pseudo_sets[names] = pulumi.Output.all(**{name: self.pseudo(name) for name in names})
        return self._pseudo_sets[names]

    def pseudo(self, name: str) -> Any:
        if name == REGION and self.region is not None:
            return self.region
        if name not in self._pseudo:
            invoke = pulumi.InvokeOutputOptions(parent=self.parent)
            if name == PARTITION:
                output = aws.get_partition_output(opts=invoke).partition
            elif name == URL_SUFFIX:
                output = aws.get_partition_output(opts=invoke).dns_suffix
            elif name == REGION:
                output = aws.get_region_output(opts=invoke).region
            elif name == ACCOUNT_ID:
                output = aws.get_caller_identity_output(opts=invoke).account_id
            else:
                raise KeyError(name)
            self._pseudo[name] = output.apply(lambda value, name=name: known(name, value))
        return self._pseudo[name]

    def external(self, value: External) -> Any:
        raw = value.value
        if isinstance(raw, Mapping) and set(raw) == {"Fn::ImportValue"} and isinstance(raw["Fn::ImportValue"], str):
            name = raw["Fn::ImportValue"]
            if name not in self._exports:  # one read per export, not one per resource that uses it
                self._exports[name] = aws.cloudformation.get_export_output(  # where the API lives
                    name=name, region=self.region, opts=pulumi.InvokeOutputOptions(parent=self.parent)
                ).value
            return self._exports[name]
        return raw  # a literal (checked by check_inputs)
