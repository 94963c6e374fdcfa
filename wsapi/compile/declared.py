"""The compile step for the service's own CloudFormation (`resources:`), merged as Serverless v3 merges it
(`lib/plugins/aws/package/lib/merge-custom-provider-resources.js`):

1. `resources.Resources` is lodash-merged into what was generated: an entry with the logical id of a
   generated resource changes it (a `null` removes a property, lists merge item by item), any other entry is
   a resource of its own (`Resource.declared`; the Pulumi component deploys it through the registry's
   family kind for declared resources);
2. `null` properties are dropped;
3. `resources.extensions` then sets `Condition`/`DeletionPolicy`/`UpdatePolicy`/`UpdateReplacePolicy`/
   `CreationPolicy` and adds to `Properties`, `Metadata` (shallowly) and `DependsOn` of existing resources.

An entry without `Type` (or an extension) naming a resource Serverless generates that this plan does not
hold (an HTTP API's, or a function's when wsapi does not create functions) is left out with a warning.
Conditions are evaluated where their operands are known when compiling (parameter defaults, the service's
region), for the component to choose resources and `Fn::If` branches.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from ..errors import Problem, join_path
from ..model import DeclaredResources
from ..plan import REGION

#: Draft fields a resource's template attributes go to.
ATTRIBUTES = ("DeletionPolicy", "UpdateReplacePolicy", "UpdatePolicy", "CreationPolicy", "Condition", "Metadata")


def merge_value(target: Any, source: Any) -> Any:
    """lodash's `_.merge` of one value into another, as JavaScript sees YAML: mappings key by key, lists
    item by item, `null` assigned (and dropped from properties afterwards), anything else replaced."""
    if isinstance(target, dict) and isinstance(source, Mapping):
        for key, value in source.items():
            target[key] = merge_value(target.get(key), value) if key in target else _copy(value)
        return target
    if isinstance(target, list) and isinstance(source, list):
        for index, value in enumerate(source):
            if index < len(target):
                target[index] = merge_value(target[index], value)
            else:
                target.append(_copy(value))
        return target
    return _copy(source)


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def without_nulls(value: Any) -> Any:
    """Serverless's `stripNullPropsFromTemplateResources`: every `null` mapping value removed, at any depth."""
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


class DeclaredStep:
    """Merges `resources:` into a compiler's drafts (`websockets._Compiler.add`'s format)."""

    def __init__(self, drafts: Dict[str, dict], declared: DeclaredResources, compat: bool) -> None:
        self.drafts = drafts
        self.declared = declared
        self.compat = compat
        self.warnings: List[Problem] = []

    def merge(self) -> None:
        for key, definition in self.declared.resources.items():
            path = f"resources.Resources.{key}"
            if key in self.drafts:
                self.override(self.drafts[key], definition, path)
            elif "Type" not in definition:
                self.warnings.append(Problem(path, f"changes {key}, which Serverless generates and this plan does not hold (wsapi does not create it here): left out"))
            elif not self.compat:  # the websocket part of a Serverless stack: its own resources are Serverless's
                self.drafts[key] = self.resource(definition)
        for draft in self.drafts.values():
            draft["properties"] = without_nulls(draft["properties"])
        for key, extension in self.declared.extensions.items():
            path = f"resources.extensions.{key}"
            if key in self.drafts:
                self.extend(self.drafts[key], extension)
            else:
                self.warnings.append(Problem(path, f"extends {key}, which this plan does not hold (wsapi does not create it here): left out"))

    def resource(self, definition: Mapping[str, Any]) -> dict:
        depends = definition.get("DependsOn")
        return {
            "type": definition["Type"],
            "child_suffix": "",  # declared resources are named after their logical id (registry)
            "properties": _copy(dict(definition.get("Properties") or {})),
            "depends_on": [depends] if isinstance(depends, str) else (list(depends) if depends is not None else None),
            "attributes": {key: _copy(definition[key]) for key in ATTRIBUTES if key in definition},
            "declared": True,
        }

    def override(self, draft: dict, definition: Mapping[str, Any], path: str) -> None:
        given = definition.get("Type")
        if given is not None and given != draft["type"]:
            self.warnings.append(Problem(f"{path}.Type", f"is {given}, but Serverless generates {draft['type']} under this logical id; the generated type is kept"))
        if "Properties" in definition:
            draft["properties"] = merge_value(draft["properties"], definition["Properties"] or {})
        if "DependsOn" in definition:
            depends = definition["DependsOn"]
            draft["depends_on"] = merge_value(draft["depends_on"], [depends] if isinstance(depends, str) else depends)
        for key in ATTRIBUTES:
            if key in definition:
                draft["attributes"][key] = merge_value(draft["attributes"].get(key), definition[key])
        draft.setdefault("overrides", []).append(path)

    def extend(self, draft: dict, extension: Mapping[str, Any]) -> None:
        for key, value in extension.items():
            if key == "Properties":
                draft["properties"].update(_copy(dict(value or {})))
            elif key == "Metadata":
                draft["attributes"].setdefault("Metadata", {}).update(_copy(dict(value or {})))
            elif key == "DependsOn":
                draft["depends_on"] = list(draft["depends_on"] or []) + list(value or [])
            else:
                draft["attributes"][key] = _copy(value)


def evaluate_conditions(declared: DeclaredResources, region: Optional[str]) -> Dict[str, Optional[bool]]:
    """Each condition's value where its operands are known now (literals, parameter defaults, the region when
    the service chose one); None where it depends on something known only at deploy time."""
    values: Dict[str, Optional[bool]] = {}
    parameters = {name: p.get("Default") for name, p in declared.parameters.items()}
    known: Dict[str, Any] = {REGION: region} if region else {}

    def operand(value: Any) -> Any:
        if isinstance(value, Mapping) and len(value) == 1:
            ((name, argument),) = value.items()
            if name == "Ref" and isinstance(argument, str):
                if argument in parameters:
                    return parameters[argument]
                return known.get(argument)
            if name == "Condition" or name.startswith("Fn::"):
                return condition(value)
            return None
        return value

    def condition(value: Any) -> Optional[bool]:
        if isinstance(value, Mapping) and len(value) == 1:
            ((name, argument),) = value.items()
            if name == "Condition" and isinstance(argument, str):
                return named(argument)
            if name == "Fn::Equals" and isinstance(argument, list) and len(argument) == 2:
                left, right = (operand(item) for item in argument)
                return None if left is None or right is None else str(left) == str(right)
            if name in ("Fn::And", "Fn::Or") and isinstance(argument, list):
                results = [condition(item) for item in argument]
                if name == "Fn::And":
                    return False if False in results else (None if None in results else True)
                return True if True in results else (None if None in results else False)
            if name == "Fn::Not" and isinstance(argument, list) and len(argument) == 1:
                result = condition(argument[0])
                return None if result is None else not result
        return None

    def named(name: str) -> Optional[bool]:
        if name not in values:
            values[name] = None  # a condition that refers to itself stays unknown
            values[name] = condition(declared.conditions.get(name))
        return values[name]

    for name in declared.conditions:
        named(name)
    return values


def path_of(key: str, prop: str) -> str:
    return join_path(f"resources.Resources.{key}.Properties", prop)
