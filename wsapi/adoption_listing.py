"""The text of `wsapi adopt`: the adoption plan, as `pulumi preview` marks it (`=` imported from the Serverless
stack, `+` created), then what stays behind in the Serverless stack and goes when that stack is deleted."""

from __future__ import annotations

from typing import List, Tuple

from .adoption import Adoption
from .registry import kind_of, short_type


def rows(adoption: Adoption, component: str) -> List[Tuple[str, str, str, str, str]]:
    """(mark, Pulumi type, child name, logical id, what happens) for every resource the component registers,
    in the order it registers them."""
    plan = adoption.plan
    found = []
    for resource in plan.creation_order():
        kind = kind_of(resource)
        token = kind.pulumi_type_of(resource)
        if token is None:
            continue  # a version: what its function publishes
        name = kind.child_name(component, resource)
        adopted = adoption.adopted.get(resource.key)
        if adopted is not None:
            info = f"import {adopted.import_id}"
            if adopted.pinned:
                info += f" (as {adopted.pinned[0]}={adopted.pinned[1]})"
            found.append(("=", short_type(token), name, resource.key, info))
        else:
            where = "new (the stack's is left behind)" if resource.key in adoption.stack.resources else "new"
            found.append(("+", short_type(token), name, resource.key, where))
        for extra in kind.extras(resource.properties):
            found.append(("+", short_type(extra.pulumi_type), name + extra.suffix, resource.key, "new"))
    return found


def describe_adoption(adoption: Adoption, component: str) -> str:
    service = adoption.plan.service
    listed = rows(adoption, component)
    widths = [max((len(row[i]) for row in listed), default=0) for i in range(1, 4)]
    lines = [f"Adoption of {adoption.stack.label} by {component} (stage {service.stage}, region {service.region}):", ""]
    lines.append(f" {'':3}{'Type'.ljust(widths[0])}  {'Name'.ljust(widths[1])}  {'Logical id'.ljust(widths[2])}  Plan")
    for mark, token, name, key, info in listed:
        lines.append(f" {mark}  {token.ljust(widths[0])}  {name.ljust(widths[1])}  {key.ljust(widths[2])}  {info}")
    left = adoption.left_behind
    if left:
        lines += ["", "Left behind in the Serverless stack (deleted with it, unless its DeletionPolicy keeps it):"]
        width = max(len(row.logical_id) for row in left)
        type_width = max(len(row.type) for row in left)
        lines += [f"  {row.logical_id.ljust(width)}  {row.type.ljust(type_width)}  {row.physical_id}" for row in left]
    imported = sum(1 for row in listed if row[0] == "=")
    lines += [
        "",
        "Resources:",
        f"    = {imported} to import",
        f"    + {len(listed) - imported} to create",
        f"    {len(left)} left behind",
    ]
    return "\n".join(lines) + "\n"
