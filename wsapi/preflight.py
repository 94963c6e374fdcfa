"""What the Pulumi component would refuse in a plan, found before anything is registered, by the component and
by `wsapi plan` alike (never "OK" from `wsapi plan` and an error from `pulumi up` on the same file).

Pulumi cannot evaluate every CloudFormation construct a template may hold: a `Ref`/`Fn::GetAtt` to something
outside the program, a condition that depends on a value known only at deploy time, a template parameter
without a default, a property an override adds that the generated resource's Pulumi type has no input for, a
declared resource type pulumi-aws-native does not have. Each is a problem with its path. No `pulumi` import.
"""

from __future__ import annotations

import json
from typing import List, Tuple

from . import naming, native_types
from .errors import Problem, join_path
from .intrinsics import is_intrinsic
from .plan import NO_VALUE, PSEUDO_PARAMETERS, STACK_NAME, If, Parameter, Plan, Pseudo, Resource, leaves
from .registry import kind_of

#: Pseudo parameters the component gives a value (AWS::StackName is Serverless's stack name, `{service}-{stage}`).
EVALUATED_PSEUDO = PSEUDO_PARAMETERS + (NO_VALUE, STACK_NAME)


def pulumi_problems(plan: Plan) -> Tuple[List[Problem], List[Problem]]:
    """(problems, warnings) of deploying `plan` with the Pulumi component."""
    problems: List[Problem] = []
    warnings: List[Problem] = []
    for external in plan.externals():
        raw = external.value
        if is_intrinsic(raw) and not (set(raw) == {"Fn::ImportValue"} and isinstance(raw["Fn::ImportValue"], str)):
            problems.append(Problem(external.path, f"{json.dumps(raw)} is a CloudFormation intrinsic Pulumi cannot evaluate; use the literal value or an Fn::ImportValue of a stack export"))
    problems.extend(Problem(p.path, p.message) for p in plan.service.declared.problems if any(r.declared for r in plan.resources))
    for resource in plan.resources:
        where = resource.overrides[-1] if resource.overrides else f"resources.Resources.{resource.key}" if resource.declared else resource.key
        problems.extend(values(plan, resource.properties, f"{where}.Properties"))
        condition = resource.attributes.get("Condition")
        if isinstance(condition, str) and plan.condition_values.get(condition) is None:
            problems.append(Problem(f"{where}.Condition", unknown_condition(plan, condition)))
        elif isinstance(condition, str) and not resource.declared and not plan.condition_values[condition]:
            problems.append(Problem(condition_path(plan, resource), f"{condition} is false here, so the function would not be created, but the API invokes it; remove the condition (or make it hold)"))
        if resource.declared:
            reason = native_types.untranslatable_reason(resource.type)
            if reason:
                problems.append(Problem(f"{where}.Type", reason))
            continue
        kind = kind_of(resource)
        for name in kind.unsupported(resource.properties) if resource.overrides else ():
            problems.append(Problem(join_path(f"{where}.Properties", name), f"the Pulumi component cannot set {name} on {resource.key} ({kind.pulumi_type_of(resource)} has no such input); remove it, or change the child with a Pulumi transform"))
        for name, why in kind.ignored.items():
            if name in resource.properties:
                warnings.append(Problem(join_path(f"{where}.Properties", name), f"left out of {resource.key} in Pulumi: {why}"))
    for output in plan.outputs:
        if output.condition is not None and plan.condition_values.get(output.condition) is None:
            problems.append(Problem(f"resources.Outputs.{output.key}.Condition", unknown_condition(plan, output.condition)))
        problems.extend(values(plan, output.value, f"resources.Outputs.{output.key}.Value"))
    return problems, warnings


def values(plan: Plan, value: object, where: str) -> List[Problem]:
    """What in one value the component cannot evaluate."""
    found: List[Problem] = []
    for leaf in leaves(value):
        if isinstance(leaf, Pseudo) and leaf.name not in EVALUATED_PSEUDO:
            found.append(Problem(where, f"{leaf.name} has no value outside CloudFormation"))
        elif isinstance(leaf, Parameter) and "Default" not in plan.parameters.get(leaf.name, {}):
            found.append(Problem(f"resources.Parameters.{leaf.name}", "needs a Default for the Pulumi component (CloudFormation asks for it at deploy time; Pulumi has no such prompt)"))
        elif isinstance(leaf, If) and plan.condition_values.get(leaf.condition) is None:
            found.append(Problem(where, unknown_condition(plan, leaf.condition)))
    return found


def condition_path(plan: Plan, resource: Resource) -> str:
    """Where the `condition` of a created function was written (the only generated resource that has one)."""
    for key, function in plan.service.functions.items():
        if naming.lambda_function(key) == resource.key:
            return function.paths.get("condition", f"functions.{key}.condition")
    return f"{resource.key}.Condition"


def unknown_condition(plan: Plan, name: str) -> str:
    return f"condition {name} depends on values known only at deploy time (the account, a parameter without a default); Pulumi must know it to choose what to create"
