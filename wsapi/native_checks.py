"""What the Pulumi component would refuse in a plan's declared resources (`resources.Resources`), found before
anything is registered: a property pulumi-aws-native does not have, a `Ref` or `Fn::GetAtt` of one with no
value. Imports pulumi and the SDK (through `native`): the component runs it, and `wsapi plan` when a plan
declares resources."""

from __future__ import annotations

from typing import List

from . import native
from .errors import Problem, join_path
from .native_types import NativeError, Untranslatable, ref_rule
from .plan import GetAtt, Plan, Ref, leaves


def declared_problems(plan: Plan) -> List[Problem]:
    problems: List[Problem] = []
    declared = {resource.key: resource for resource in plan.resources if resource.declared}
    if not declared:
        return problems
    for resource in declared.values():
        where = f"resources.Resources.{resource.key}"
        try:
            native.arguments(resource.type, resource.properties)
        except Untranslatable:
            continue  # preflight names the type
        except NativeError as error:
            path = f"{where}.Properties"
            for key in getattr(error, "path", ()):
                path = join_path(path, key)
            problems.append(Problem(path, getattr(error, "message", str(error))))
    for resource in plan.resources:
        where = f"resources.Resources.{resource.key}" if resource.declared or resource.overrides else resource.key
        problems.extend(references(plan, resource.properties, f"{where}.Properties", declared))
    for output in plan.outputs:
        problems.extend(references(plan, output.value, f"resources.Outputs.{output.key}.Value", declared))
    return problems


def references(plan: Plan, value: object, where: str, declared: dict) -> List[Problem]:
    problems: List[Problem] = []
    for leaf in leaves(value):
        target = declared.get(getattr(leaf, "key", None)) if isinstance(leaf, (Ref, GetAtt)) else None
        if target is None:
            continue
        try:
            if isinstance(leaf, GetAtt):
                native.attribute_path(target.type, leaf.attribute)
            else:
                ref_rule(target.type)
        except Untranslatable:
            continue
        except NativeError as error:
            what = f"Fn::GetAtt {leaf.key}.{leaf.attribute}" if isinstance(leaf, GetAtt) else f"Ref {leaf.key}"
            problems.append(Problem(where, f"{what}: {error}"))
    return problems
