"""The family kind of the resources a service declares itself (`resources.Resources`): any CloudFormation
type, deployed by the Pulumi component as a `pulumi-aws-native` resource.

Why aws-native: it is generated from CloudFormation's own resource schemas, so one generic translation is
faithful for every type (the same properties, every `Fn::GetAtt` attribute an output, the Cloud Control
primary identifier as the resource id, importable by it), where pulumi-aws would need a hand-written mapping
per type. The resources wsapi generates itself keep their pulumi-aws kinds (the rest of this registry).

The translation itself lives in `native` (Pulumi side) and `native_types` (type tokens, without importing
pulumi, for `wsapi plan`).
"""

from __future__ import annotations

from typing import Any, Optional

from .. import native_types
from ..plan import Plan, Resource, readable
from .base import DECLARED, STACK_TAGS, AdoptionError, Builder, Kind, StackIds

#: DeletionPolicy values shown as "retain" on its plan line (the builder keeps such a resource on delete).
RETAIN = ("Retain", "RetainExceptOnCreate", "Snapshot")


class Declared(Kind):
    cfn_type = "*"  #: any type
    adoption_ignores = {"tags": STACK_TAGS}

    def import_id(self, r: Resource, physical_id: str, stack: StackIds) -> str:
        """The Cloud Control identifier, its other parts (a composite identifier) read from the properties."""
        values = dict(stack.pseudo())
        try:
            for name in native_types.primary_identifier(r.type):
                if name in r.properties:
                    try:
                        values[name] = stack.physical(r.properties[name], name)
                    except AdoptionError:
                        pass  # import_id names what is missing
            return native_types.import_id(r.type, physical_id, values)
        except native_types.NativeError as error:
            raise AdoptionError(str(error)) from None

    def child_name(self, component: str, resource: Resource) -> str:
        return f"{component}-{resource.key}"

    def pulumi_type_of(self, resource: Resource) -> str:
        try:
            return native_types.native_type(resource.type).token
        except native_types.Untranslatable:
            return f"({resource.type}: not translatable)"  # preflight refuses it before anything is listed

    def describe(self, plan: Plan, r: Resource) -> str:
        shown = [f"{name}={readable(value)}" for name, value in list(r.properties.items())[:3] if isinstance(value, (str, int, float))]
        retain = " retain" if r.attributes.get("DeletionPolicy") in RETAIN else ""
        return f"{r.type} {' '.join(shown)}".rstrip() + retain

    def build(self, b: Builder, r: Resource) -> Any:
        return b.native.build(r.type, b.name(r), b.props(r), b.native_provider(b.options(r)))

    def output(self, b: Builder, resource: Resource, attribute: Optional[str]) -> Any:
        return b.native.output(b.built(resource.key), resource.type, attribute)


DECLARED["family"] = Declared()
