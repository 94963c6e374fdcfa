"""The retain template of an adoption: the Serverless stack's deployed template (`aws cloudformation
get-template`) with `DeletionPolicy: Retain` and `UpdateReplacePolicy: Retain` on every resource Pulumi
adopts, and nothing else changed. Updating the Serverless stack with it, then deleting that stack, leaves the
adopted resources in place for Pulumi."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Iterable, List

from .errors import ConfigError, Problem

RETAIN = "Retain"
POLICIES = ("DeletionPolicy", "UpdateReplacePolicy")


def read_template(path: str) -> Dict[str, Any]:
    """The template in a file: the raw template, or get-template's answer (`{"TemplateBody": ...}`, the body a
    mapping or the template's text), JSON or YAML (short-form tags read as their long form)."""
    from .config_files import read_document

    return parse_template(read_document(Path(path), "json" if path.lower().endswith(".json") else "yaml"), path)


def parse_template(document: Any, label: str) -> Dict[str, Any]:
    """A template, or get-template's answer holding it; ConfigError when it is neither."""
    from .config_files import parse_document

    where = ""
    if isinstance(document, dict) and "TemplateBody" in document:
        body = document["TemplateBody"]
        if isinstance(body, str):  # a YAML template (or the raw API's text)
            body = parse_document(body, label, "json" if body.lstrip().startswith("{") else "yaml")
        document, where = body, "TemplateBody."
    problems = template_problems(document, where)
    if problems:
        raise ConfigError(problems, label)
    return document


def template_problems(document: Any, where: str = "") -> List[Problem]:
    if not isinstance(document, dict) or "Resources" not in document:
        return [Problem(where.rstrip("."), (
            "not a CloudFormation template (a mapping with Resources) nor the answer of `aws cloudformation"
            " get-template --stack-name NAME`"
        ))]  # fmt: skip
    resources = document["Resources"]
    if not isinstance(resources, dict) or not resources:
        return [Problem(f"{where}Resources", "must be a mapping of logical ids to resources")]
    return [
        Problem(f"{where}Resources.{key}", "must be a mapping with a Type")
        for key, resource in resources.items()
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str)
    ]


def retain_template(template: Dict[str, Any], adopted: Iterable[str], label: str) -> Dict[str, Any]:
    """A copy of `template` with both policies Retain on each adopted logical id (placed after its Type, as
    CloudFormation writes them); every other resource and section as it was. ConfigError for an adopted
    resource the template does not hold (the template of another stack)."""
    resources = template["Resources"]
    missing = [key for key in adopted if key not in resources]
    if missing:
        raise ConfigError(
            [Problem(f"Resources.{key}", "is not in this template, though the stack holds it: give the template of the same stack") for key in missing],
            label,
        )
    keep = set(adopted)
    changed = {}
    for key, resource in resources.items():
        if key in keep:
            rest = {name: value for name, value in resource.items() if name not in POLICIES and name != "Type"}
            changed[key] = {"Type": resource["Type"], "DeletionPolicy": RETAIN, "UpdateReplacePolicy": RETAIN, **rest}
        else:
            changed[key] = resource
    return {**template, "Resources": changed}


def dump(template: Dict[str, Any]) -> str:
    return json.dumps(template, indent=2, ensure_ascii=False) + "\n"
