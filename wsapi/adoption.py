"""Adopting a deployed Serverless stack: which of the plan's resources Pulumi takes over (`import_`) and by
which id, which it creates new, and which stay behind in the Serverless stack.

The stack is read from the answer of `aws cloudformation describe-stack-resources` (or `list-stack-resources`):
a saved file, the parsed mapping, or a stack name looked up with boto3 (imported only then). Each plan
resource whose logical id is in the stack is adopted when its kind gives an import id (`Kind.import_id`, with
the parents' ids from the other rows of the stack); the kinds that give none (permissions, the deployment,
roles wsapi names otherwise) are created new. What the stack holds beyond the plan is left behind, and goes
when the Serverless stack is deleted.

Nothing here imports `pulumi`: `wsapi adopt` and the component share it.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from . import native_types
from .errors import ConfigError, Problem
from .plan import ACCOUNT_ID, PARTITION, REGION, External, Plan, Ref, Resource
from .registry import kind_of
from .registry.base import AdoptionError

#: What `adopt=` takes: a saved describe-stack-resources answer (path), its parsed mapping, or a stack name.
AdoptSource = Union[str, "os.PathLike[str]", Mapping[str, Any]]

#: CloudFormation's stack names: a letter, then letters, digits and hyphens, at most 128 characters.
STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}")
#: DescribeStackResources answers at most this many resources; a stack may hold more (ListStackResources).
DESCRIBE_LIMIT = 100
#: Resource states of a row that is not settled (an update or deletion under way or failed).
UNSETTLED = re.compile(r".*(_IN_PROGRESS|_FAILED)$|DELETE_COMPLETE|DELETE_SKIPPED")
_STACK_ID = re.compile(r"arn:([^:]+):cloudformation:([^:]+):(\d{12}):stack/")


@dataclass(frozen=True)
class StackResource:
    """One row of the answer."""

    logical_id: str
    physical_id: str
    type: str
    path: str = field(default="", compare=False)  #: where the answer lists it (`StackResources[3]`), for problems


@dataclass(frozen=True)
class Stack:
    """A deployed CloudFormation stack's resources, by logical id."""

    label: str  #: where it was read from (a file, `<mapping>`, or `stack NAME`), for problems
    resources: Mapping[str, StackResource]
    #: `AWS::Partition`, `AWS::Region`, `AWS::AccountId`, read off the StackId when the answer has it
    pseudo: Mapping[str, str] = field(default_factory=dict)


# -- reading the stack -------------------------------------------------------------------------------------


def read_stack(source: AdoptSource) -> Stack:
    """The stack `source` names (see `AdoptSource`); ConfigError with the dotted path of each problem."""
    if isinstance(source, Mapping):
        return parse_stack(source, "<stack resources>")
    text = os.fspath(source)
    path = Path(text)
    if path.is_file() or not STACK_NAME.fullmatch(text):
        from .config_files import read_document  # reading files: only for a path

        if not path.is_file():
            raise ConfigError([Problem("", "no such file (adopt takes a describe-stack-resources answer saved as JSON, or a stack name)")], text)
        return parse_stack(read_document(path, "yaml" if path.suffix.lower() in (".yml", ".yaml") else "json"), text)
    return lookup_stack(text)


def lookup_stack(name: str) -> Stack:
    """The stack's resources as ListStackResources answers them (every page: DescribeStackResources stops at
    100), with the region and account of its StackId. Default credentials and region (boto3's)."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    label = f"stack {name}"
    try:
        client = boto3.client("cloudformation")
        (stack,) = client.describe_stacks(StackName=name)["Stacks"]
        rows: List[Any] = []
        for page in client.get_paginator("list_stack_resources").paginate(StackName=name):
            rows.extend(page["StackResourceSummaries"])
    except (BotoCoreError, ClientError) as error:
        raise ConfigError([Problem("", f"cannot read the stack: {error}")], label) from None
    return parse_stack({"StackResourceSummaries": rows, "StackId": stack["StackId"]}, label)


def parse_stack(data: Any, label: str) -> Stack:
    """A describe-stack-resources (`StackResources`) or list-stack-resources (`StackResourceSummaries`) answer."""
    if not isinstance(data, Mapping) or not ({"StackResources", "StackResourceSummaries"} & set(data)):
        what = "a template (Resources)" if isinstance(data, Mapping) and "Resources" in data else "something else"
        raise ConfigError([Problem("", (
            f"not an answer of `aws cloudformation describe-stack-resources --stack-name NAME` (a mapping with"
            f" StackResources): this is {what}"
        ))], label)  # fmt: skip
    key = "StackResources" if "StackResources" in data else "StackResourceSummaries"
    rows = data[key]
    if not isinstance(rows, list):
        raise ConfigError([Problem(key, "must be a list of stack resources")], label)
    problems: List[Problem] = []
    if key == "StackResources" and len(rows) >= DESCRIBE_LIMIT:
        problems.append(Problem(key, (
            f"holds {len(rows)} resources, the most describe-stack-resources answers: the stack may hold more; save"
            " `aws cloudformation list-stack-resources --stack-name NAME` instead"
        )))  # fmt: skip
    resources: Dict[str, StackResource] = {}
    stack_ids = set()
    for index, row in enumerate(rows):
        found = _row(row, f"{key}[{index}]", problems)
        if found is None:
            continue
        if found.logical_id in resources:
            problems.append(Problem(f"{key}[{index}].LogicalResourceId", f"{found.logical_id} is listed twice"))
        resources[found.logical_id] = found
        if isinstance(row.get("StackId"), str):
            stack_ids.add(row["StackId"])
    if isinstance(data.get("StackId"), str):
        stack_ids.add(data["StackId"])
    if len(stack_ids) > 1:
        problems.append(Problem(key, f"holds the resources of {len(stack_ids)} stacks; save the answer for one stack"))
    if problems:
        raise ConfigError(problems, label)
    return Stack(label, resources, _pseudo(stack_ids))


def _row(row: Any, path: str, problems: List[Problem]) -> Optional[StackResource]:
    if not isinstance(row, Mapping):
        problems.append(Problem(path, "must be a mapping (LogicalResourceId, PhysicalResourceId, ResourceType, ...)"))
        return None
    values = {}
    for name in ("LogicalResourceId", "ResourceType", "PhysicalResourceId"):
        value = row.get(name)
        if not isinstance(value, str) or not value:
            problems.append(Problem(f"{path}.{name}", "is missing" if value is None else "must be a non-empty string"))
        values[name] = value
    status = row.get("ResourceStatus")
    if isinstance(status, str) and UNSETTLED.fullmatch(status):
        problems.append(Problem(f"{path}.ResourceStatus", (
            f"{values['LogicalResourceId']} is {status}: adopt a stack whose resources are settled (CREATE_COMPLETE,"
            " UPDATE_COMPLETE); let the stack finish, or fix it, first"
        )))  # fmt: skip
        return None
    if not all(isinstance(v, str) and v for v in values.values()):
        return None
    return StackResource(values["LogicalResourceId"], values["PhysicalResourceId"], values["ResourceType"], path)


def _pseudo(stack_ids: Any) -> Dict[str, str]:
    for stack_id in stack_ids:
        match = _STACK_ID.match(stack_id)
        if match:
            return {PARTITION: match.group(1), REGION: match.group(2), ACCOUNT_ID: match.group(3)}
    return {}


# -- the adoption plan ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Adopted:
    """A plan resource Pulumi takes over from the stack."""

    key: str  #: its logical id, in the plan and in the stack
    import_id: str
    ignore_changes: Tuple[str, ...]  #: during the adoption run (`Kind.adoption_ignores`)
    #: the name property set to the name CloudFormation generated (a declared resource without one), and its value
    pinned: Optional[Tuple[str, str]] = None


@dataclass(frozen=True)
class Adoption:
    plan: Plan  #: the plan to build: the adopted declared resources' generated names pinned
    stack: Stack
    adopted: Mapping[str, Adopted]
    created: Tuple[str, ...]  #: plan keys created new (in the stack or not)
    #: every row of the stack not adopted (not in the plan, or created new): deleted with the Serverless stack
    left_behind: Tuple[StackResource, ...]
    warnings: Tuple[Problem, ...] = ()


class _Ids:
    """`registry.base.StackIds` over one stack and plan."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack

    def physical(self, value: Any, what: str) -> str:
        if isinstance(value, External) and isinstance(value.value, str):
            value = value.value
        if isinstance(value, str):
            return value
        if isinstance(value, Ref):
            row = self.stack.resources.get(value.key)
            if row is None:
                raise AdoptionError(f"its {what} is {value.key}, which the stack does not hold")
            return row.physical_id
        written = next(iter(value.value), "") if isinstance(value, External) and isinstance(value.value, Mapping) else ""
        how = f" ({written})" if written else ""
        raise AdoptionError(f"its {what} is known only at deploy time{how}: give it as a literal to adopt")

    def pseudo(self) -> Mapping[str, str]:
        return self.stack.pseudo


def plan_adoption(plan: Plan, stack: Stack) -> Adoption:
    """Which plan resources are adopted (with their import ids), created new, or left behind in the stack;
    ConfigError (labelled with the stack) for a row that cannot be adopted."""
    ids = _Ids(stack)
    adopted: Dict[str, Adopted] = {}
    created: List[str] = []
    problems: List[Problem] = []
    warnings: List[Problem] = []
    for resource in plan.resources:
        row = stack.resources.get(resource.key)
        kind = kind_of(resource)
        if row is None or kind.pulumi_type_of(resource) is None:
            if row is None and kind.pulumi_type_of(resource) is not None:
                created.append(resource.key)
            continue
        if row.type != resource.type:
            problems.append(Problem(f"{row.path}.ResourceType", f"{resource.key} is a {row.type} here, a {resource.type} in wsapi's plan: it cannot be adopted"))
            continue
        try:
            import_id = kind.import_id(resource, row.physical_id, ids)
        except AdoptionError as error:
            problems.append(Problem(row.path, f"{resource.key} cannot be adopted: {error}"))
            continue
        if import_id is None:
            created.append(resource.key)
            continue
        pinned = _pinned_name(resource, row) if resource.declared else None
        if pinned is not None:
            warnings.append(Problem(f"resources.Resources.{resource.key}.Properties.{pinned[0]}", (
                f"CloudFormation named it {pinned[1]}: adopted under that name; add `{pinned[0]}: {pinned[1]}` to"
                " serverless.yml before removing wsapi:adopt, or Pulumi would name (and so replace) it"
            )))  # fmt: skip
        adopted[resource.key] = Adopted(resource.key, import_id, tuple(kind.adoption_ignores), pinned)
    if problems:
        raise ConfigError(problems, stack.label)
    left = tuple(row for key, row in stack.resources.items() if key not in adopted)
    warnings.extend(_invoked_but_left(plan, left))
    return Adoption(_pin(plan, adopted), stack, adopted, tuple(created), left, tuple(warnings))


def _pinned_name(resource: Resource, row: StackResource) -> Optional[Tuple[str, str]]:
    """A declared resource CloudFormation named itself (no name property): its name, so Pulumi does not
    auto-name (and so replace) it."""
    try:
        prop = native_types.name_property(resource.type)
    except native_types.NativeError:
        return None
    if prop is None or prop in resource.properties:
        return None
    return prop, native_types.name_from_physical_id(resource.type, prop, row.physical_id)


def _pin(plan: Plan, adopted: Mapping[str, Adopted]) -> Plan:
    pins = {key: a.pinned for key, a in adopted.items() if a.pinned is not None}
    if not pins:
        return plan
    resources = tuple(
        dataclasses.replace(r, properties={**r.properties, pins[r.key][0]: pins[r.key][1]}) if r.key in pins else r
        for r in plan.resources
    )
    return dataclasses.replace(plan, resources=resources)


def _invoked_but_left(plan: Plan, left: Tuple[StackResource, ...]) -> List[Problem]:
    """Functions the API invokes by name that stay in the Serverless stack: deleting it deletes them."""
    from .naming import lambda_function

    service = plan.service
    keys = {route.function_key for route in service.routes} | {a.function_key for a in service.authorizers if a.function_key}
    rows = {row.logical_id: row for row in left}
    return [
        Problem(f"functions.{key}", (
            f"the API invokes {rows[lambda_function(key)].physical_id}, which stays in the Serverless stack:"
            " deleting that stack deletes it; create the functions with wsapi too (wsapi:createFunctions,"
            " --with-functions), or keep them in a stack of their own"
        ))  # fmt: skip
        for key in sorted(keys)
        if lambda_function(key) in rows
    ]
