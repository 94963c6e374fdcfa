"""The text of `wsapi plan`: what the Pulumi component would create for a plan, listed as `pulumi preview`
lists it, each line from the resource's kind in the registry."""

from __future__ import annotations

from typing import List, Tuple

from . import naming
from .plan import External, Plan, readable
from .registry import kind_of, short_type

#: The provider of a service's own resources (`pulumi_builder.native_provider`), as `pulumi preview` lists it.
NATIVE_PROVIDER = "pulumi:providers:aws-native"


def children(plan: Plan, component: str) -> List[Tuple[str, str, str]]:
    """(Pulumi type, child name, details) of every resource the component registers, in the order it
    registers them, as `pulumi preview` lists them."""
    found: List[Tuple[str, str, str]] = []
    if any(resource.declared for resource in plan.resources):
        region = "the stack's aws:region" if plan.service.region_is_default else plan.service.region
        found.append((NATIVE_PROVIDER, f"{component}-aws-native", f"region={region} (unless the stack sets aws-native:region)"))
    for resource in plan.creation_order():
        kind = kind_of(resource)
        token = kind.pulumi_type_of(resource)
        if token is None:
            continue  # e.g. a version: what the function publishes, no resource of its own in Pulumi
        name = kind.child_name(component, resource)
        found.append((token, name, kind.describe(plan, resource)))
        for extra in kind.extras(resource.properties):
            found.append((extra.pulumi_type, name + extra.suffix, f"with {name}"))
    return found


def describe_plan(plan: Plan, component: str) -> str:
    """One line per resource (type, name, what a reviewer checks), under the component, then a count."""
    service = plan.service
    rows = [("", naming.COMPONENT_TYPE, component, "")]
    listed = children(plan, component)
    for index, (token, name, details) in enumerate(listed):
        branch = "└─" if index == len(listed) - 1 else "├─"
        rows.append((branch, short_type(token), name, details))
    type_width = max(len(r[0]) + 1 + len(r[1]) for r in rows)
    name_width = max(len(r[2]) for r in rows)
    lines = [f"Plan for {service.name} (stage {service.stage}, region {service.region}):", ""]
    lines.append(f"     {'Type'.ljust(type_width)}  {'Name'.ljust(name_width)}  Plan    Info")
    for branch, token, name, details in rows:
        kind = f"{branch} {token}" if branch else token
        lines.append(f" +   {kind.ljust(type_width)}  {name.ljust(name_width)}  create  {details}".rstrip())
    if service.external_api_id is not None:
        lines.append("")
        lines.append(f"Uses the existing API {readable(External(service.external_api_id))}: no API or stage is created.")
    lines += ["", "Resources:", f"    + {len(rows)} to create"]
    return "\n".join(lines) + "\n"
