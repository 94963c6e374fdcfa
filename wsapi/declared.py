"""Read the service's own CloudFormation (`resources:`): its resources, outputs, conditions, parameters and
mappings, and `resources.extensions`, as Serverless v3 merges them into the template it deploys.

Read for every command, but its variables are resolved as deferred values: a `${ssm:...}` in a table's
properties is reported only by the consumers that deploy the resources (the standalone export and the
Pulumi component), never by `validate` or a websocket-only export.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, Mapping

from .errors import join_path
from .model import DeclaredResources
from .readers import TypedReader, type_name, unresolved_in

#: CloudFormation's rule for logical ids: letters and digits only.
LOGICAL_ID = re.compile(r"[A-Za-z0-9]+")
#: The attributes a resource may have in a template.
RESOURCE_ATTRIBUTES = (
    "Type", "Properties", "DependsOn", "DeletionPolicy", "UpdateReplacePolicy", "UpdatePolicy", "CreationPolicy",
    "Condition", "Metadata",
)  # fmt: skip
DELETION_POLICIES = ("Delete", "Retain", "Snapshot", "RetainExceptOnCreate")
#: What `resources.extensions` may set on a resource (Serverless's `mergeCustomProviderResources`).
EXTENSION_ATTRIBUTES = ("Condition", "CreationPolicy", "DeletionPolicy", "UpdatePolicy", "UpdateReplacePolicy", "Properties", "DependsOn", "Metadata")
SECTIONS = ("Resources", "Outputs", "Conditions", "Parameters", "Mappings", "Description", "AWSTemplateFormatVersion", "Transform", "extensions")


class DeclaredReader(TypedReader):
    def __init__(self, report: Callable[[str, str], None]) -> None:
        self.report = report  # type: ignore[method-assign]

    def read(self, value: Any, path: str) -> DeclaredResources:
        clean, unresolved = unresolved_in(value, path)
        section = self.mapping(clean, path)
        if section is None:
            return DeclaredResources(problems=tuple(unresolved))
        self.unknown_keys(section, SECTIONS, path)
        resources = self.resources(section.get("Resources"), f"{path}.Resources")
        outputs = self.named_mappings(section.get("Outputs"), f"{path}.Outputs", self.output)
        conditions = self.mapping(section.get("Conditions"), f"{path}.Conditions") or {}
        parameters = self.named_mappings(section.get("Parameters"), f"{path}.Parameters", self.parameter)
        mappings = self.mapping(section.get("Mappings"), f"{path}.Mappings") or {}
        extensions = self.named_mappings(section.get("extensions"), f"{path}.extensions", self.extension)
        if section.get("Transform") is not None:
            self.report(f"{path}.Transform", "CloudFormation macros (transforms) run only inside CloudFormation; wsapi cannot expand them")
        return DeclaredResources(
            resources=resources, outputs=outputs, conditions=dict(conditions), parameters=parameters,
            mappings=dict(mappings), extensions=extensions, problems=tuple(unresolved),
        )

    def named_mappings(self, value: Any, path: str, check: Callable[[Mapping[str, Any], str], None]) -> Dict[str, Mapping[str, Any]]:
        table = self.mapping(value, path)
        found: Dict[str, Mapping[str, Any]] = {}
        for name, item in (table or {}).items():
            where = join_path(path, str(name))
            if not isinstance(name, str) or not LOGICAL_ID.fullmatch(name):
                self.report(where, "is not a valid logical id: CloudFormation takes letters and digits only")
                continue
            definition = self.mapping(item, where)
            if definition is not None:
                check(definition, where)
                found[name] = definition
        return found

    def resources(self, value: Any, path: str) -> Dict[str, Mapping[str, Any]]:
        return self.named_mappings(value, path, self.resource)

    def resource(self, definition: Mapping[str, Any], path: str) -> None:
        """A resource, or an override of one Serverless generates (no `Type`: merged into it)."""
        self.unknown_keys(definition, RESOURCE_ATTRIBUTES, path)
        self.string(definition.get("Type"), f"{path}.Type")
        self.mapping(definition.get("Properties"), f"{path}.Properties")
        self.depends_on(definition.get("DependsOn"), f"{path}.DependsOn")
        for key in ("DeletionPolicy", "UpdateReplacePolicy"):
            policy = definition.get(key)
            if policy is not None and policy not in DELETION_POLICIES:
                self.report(f"{path}.{key}", f"must be one of {', '.join(DELETION_POLICIES)}, got {policy!r}")
        self.string(definition.get("Condition"), f"{path}.Condition")

    def depends_on(self, value: Any, path: str) -> None:
        if value is None or isinstance(value, str):
            return
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.report(path, f"must be a logical id or a list of them, got {type_name(value)}")

    def output(self, definition: Mapping[str, Any], path: str) -> None:
        self.unknown_keys(definition, ("Value", "Description", "Export", "Condition"), path)
        if "Value" not in definition:
            self.report(f"{path}.Value", "is required")

    def parameter(self, definition: Mapping[str, Any], path: str) -> None:
        self.string(definition.get("Type"), f"{path}.Type")
        if "Type" not in definition:
            self.report(f"{path}.Type", "is required")

    def extension(self, definition: Mapping[str, Any], path: str) -> None:
        for key in definition:
            if key not in EXTENSION_ATTRIBUTES:
                self.report(
                    join_path(path, str(key)),
                    f"cannot be extended (Serverless extends only {', '.join(EXTENSION_ATTRIBUTES)})",
                )
        self.mapping(definition.get("Properties"), f"{path}.Properties")
        self.mapping(definition.get("Metadata"), f"{path}.Metadata")
        depends = definition.get("DependsOn")
        if depends is not None and (not isinstance(depends, list) or not all(isinstance(d, str) for d in depends)):
            self.report(f"{path}.DependsOn", f"must be a list of logical ids, got {type_name(depends)}")
