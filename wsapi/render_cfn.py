"""Render a `Plan` as a CloudFormation template (a plain dict, ready for JSON or YAML).

Compat plans render as the websocket fragment of Serverless v3's template; standalone plans as a complete
template that deploys on its own. The plan is only read.
"""

from __future__ import annotations

import copy
from typing import Any, Mapping, Optional

from . import naming
from .errors import ConfigError, Problem
from .unicode_text import not_unicode
from .remote_template import remote_values
from .plan import COMPAT, HOSTED_ZONE, Base64, CodeArchive, If, Lookup, Parameter, Remote, Select, Split, leaves, External, FunctionArn, GetAtt, Join, Plan, Pseudo, Ref, Resource, Sub

#: The outputs wsapi generates (a declared output is kept as written).
GENERATED_OUTPUTS = (naming.SERVICE_ENDPOINT_OUTPUT, naming.MANAGEMENT_ENDPOINT_OUTPUT, naming.API_ID_OUTPUT)
#: CloudFormation's hard limits; beyond them `aws cloudformation deploy` fails.
MAX_RESOURCES = 500
MAX_TEMPLATE_BYTES = 1_000_000
MAX_PARAMETERS = 200


def function_arn_sub(deployed_name: str, alias: Optional[str]) -> str:
    qualifier = f":{alias}" if alias else ""
    return f"arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{deployed_name}{qualifier}"


class _Renderer:
    def __init__(self, plan: Plan, function_arns: Mapping[str, str]) -> None:
        self.plan = plan
        self.compat = plan.mode == COMPAT
        self.function_arns = function_arns
        self.remote, self.remote_parameters = remote_values(plan)

    def value(self, value: Any) -> Any:
        if isinstance(value, Ref):
            return {"Ref": value.key}
        if isinstance(value, Pseudo):
            return {"Ref": value.name}
        if isinstance(value, GetAtt):
            return {"Fn::GetAtt": [value.key, value.attribute]}
        if isinstance(value, Join):
            return {"Fn::Join": [value.separator, [self.value(part) for part in value.parts]]}
        if isinstance(value, Sub):
            if value.variables:
                return {"Fn::Sub": [value.template, {name: self.value(item) for name, item in value.variables}]}
            return {"Fn::Sub": value.template}
        if isinstance(value, Parameter):
            return {"Ref": value.name}
        if isinstance(value, Select):
            return {"Fn::Select": [self.value(value.index), self.value(value.values)]}
        if isinstance(value, Split):
            return {"Fn::Split": [value.separator, self.value(value.value)]}
        if isinstance(value, If):
            return {"Fn::If": [value.condition, self.value(value.then), self.value(value.otherwise)]}
        if isinstance(value, Base64):
            return {"Fn::Base64": self.value(value.value)}
        if isinstance(value, External):
            return copy.deepcopy(value.value)
        if isinstance(value, Remote):  # a variable's value CloudFormation reads at deploy time (remote_template)
            return copy.deepcopy(self.remote[value])
        if isinstance(value, Lookup):  # CloudFormation cannot look it up: a parameter (see lookup_parameters)
            return {"Ref": value.parameter}
        if isinstance(value, CodeArchive):  # a created function's code, uploaded to S3 beforehand
            return {
                "S3Bucket": {"Ref": naming.ARTIFACT_BUCKET_PARAMETER},
                "S3Key": {"Ref": naming.artifact_key_parameter(value.name)},
            }
        if isinstance(value, FunctionArn):
            return self.function_arn(value)
        if isinstance(value, Mapping):
            return {key: self.value(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(item) for item in value]
        return value

    def function_arn(self, ref: FunctionArn) -> Any:
        if self.compat:
            arn = {"Fn::GetAtt": [naming.lambda_function(ref.function_key), "Arn"]}
            return {"Fn::Join": [":", [arn, ref.alias]]} if ref.alias else arn
        if ref.function_key in self.function_arns:
            return self.function_arns[ref.function_key]
        return {"Fn::Sub": function_arn_sub(ref.deployed_name, ref.alias)}

    def resource(self, resource: Resource) -> dict:
        rendered: dict[str, Any] = {"Type": resource.type}
        if resource.depends_on is not None:
            rendered["DependsOn"] = list(resource.depends_on)
        rendered.update(copy.deepcopy(dict(resource.attributes)))
        rendered["Properties"] = self.value(resource.properties)
        return rendered

    def parameters(self) -> dict:
        """Standalone: a `Ref` the user wrote to something outside this template (e.g. a websocketApiId of
        `{Ref: SharedApi}`) becomes a parameter to fill in at deploy time; an `Fn::GetAtt` cannot."""
        keys = {r.key for r in self.plan.resources} | set(self.plan.parameters)
        parameters: dict[str, dict] = {}
        problems: list[Problem] = []
        for external in self.plan.externals():
            for kind, name in intrinsic_targets(external.value):
                if name in keys or name.startswith("AWS::"):
                    continue
                if kind == "Ref":
                    parameters[name] = {"Type": "String", "Description": f"Value of {external.path} (a Ref outside this template)"}
                else:
                    problems.append(
                        Problem(external.path, f"Fn::GetAtt {name} points into the Serverless stack; a standalone template cannot reach it (use Fn::ImportValue or the literal ARN)")
                    )
        if problems:
            raise ConfigError(problems)
        return parameters

    def template(self) -> dict:
        declared = self.plan.service.declared
        if declared.problems and any(r.declared for r in self.plan.resources):
            raise ConfigError(declared.problems)  # the service's own resources, with values not resolved
        resources = {r.key: self.resource(r) for r in self.plan.resources}
        outputs = {}
        for output in self.plan.outputs:
            value = self.value(output.value)
            if not self.compat and mentions(value, "Fn::ImportValue") and output.key in GENERATED_OUTPUTS:
                continue  # the exporting stack already outputs it; re-exporting an import is an anti-pattern
            outputs[output.key] = {"Description": output.description, "Value": value} if output.description else {"Value": value}
            if output.export is not None:
                outputs[output.key]["Export"] = {"Name": self.value(output.export)}
            if output.condition is not None:
                outputs[output.key]["Condition"] = output.condition
        if self.compat:
            return {"Resources": resources, "Outputs": outputs}
        service = self.plan.service
        template: dict[str, Any] = {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": f"WebSocket API of the {service.name} service, stage {service.stage} (generated by wsapi)",
        }
        parameters = {
            **code_parameters(self.plan), **lookup_parameters(self.plan), **self.remote_parameters,
            **copy.deepcopy(dict(self.plan.parameters)), **self.parameters(),
        }
        if parameters:
            template["Parameters"] = parameters
        for section, content in (("Mappings", self.plan.mappings), ("Conditions", self.plan.conditions)):
            if content:
                template[section] = copy.deepcopy(dict(content))
        template["Resources"] = resources
        template["Outputs"] = outputs
        return template


def mentions(value: Any, key: str) -> bool:
    if isinstance(value, Mapping):
        return key in value or any(mentions(item, key) for item in value.values())
    if isinstance(value, list):
        return any(mentions(item, key) for item in value)
    return False


def intrinsic_targets(value: Any) -> list[tuple[str, str]]:
    """Every (Ref|Fn::GetAtt, logical id) inside a user-written intrinsic."""
    found: list[tuple[str, str]] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.append(("Ref", item))
            elif key == "Fn::GetAtt":
                target = item[0] if isinstance(item, list) and item else str(item).split(".")[0]
                found.append(("Fn::GetAtt", str(target)))
            else:
                found.extend(intrinsic_targets(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(intrinsic_targets(item))
    return found


def check_function_arns(plan: Plan, function_arns: Mapping[str, str], option: str = "--function") -> None:
    problems = []
    for key, arn in function_arns.items():
        if key not in plan.service.functions:
            known = ", ".join(sorted(plan.service.functions)) or "none"
            problems.append(Problem(f"{option} {key}", f"no function {key!r} in this service (functions: {known})"))
        elif not isinstance(arn, str) or not arn.startswith("arn:") or not_unicode(arn):  # undecodable argv bytes
            problems.append(Problem(f"{option} {key}", f"must be a Lambda function ARN (arn:...), got {arn!r}"))
    if problems:
        raise ConfigError(problems)


def render_template(plan: Plan, function_arns: Optional[Mapping[str, str]] = None) -> dict:
    """The CloudFormation template of a plan. `function_arns` (standalone only) overrides the ARN wsapi
    builds from Serverless naming for the functions it names."""
    function_arns = dict(function_arns or {})
    if function_arns:
        if plan.mode == COMPAT:
            raise ConfigError([Problem("--function", "cannot be used with --compat serverless-v3 (functions are referenced as Serverless does)")])
        check_function_arns(plan, function_arns)
    return _Renderer(plan, function_arns).template()


def lookup_parameters(plan: Plan) -> dict:
    """A custom domain's certificate or Route 53 zone that the config leaves to be found (the Pulumi component
    asks the provider): a parameter to give at deploy time (`--parameter-overrides`)."""
    parameters: dict[str, dict] = {}
    for lookup in plan.lookups():
        if lookup.kind == HOSTED_ZONE:
            spec = {"Type": "AWS::Route53::HostedZone::Id", "Description": f"Id of {lookup.describe()} (set hostedZoneId to write it into the template)"}
        else:
            spec = {"Type": "String", "Description": f"ARN of {lookup.describe()} (set certificateArn to write it into the template)"}
        parameters[lookup.parameter] = spec
    return parameters


def code_archives(plan: Plan) -> list[CodeArchive]:
    """The distinct code archives of the functions a plan creates, in plan order."""
    found: dict[str, CodeArchive] = {}
    for resource in plan.resources:
        for leaf in leaves(resource.properties):
            if isinstance(leaf, CodeArchive):
                found.setdefault(leaf.name, leaf)
    return list(found.values())


def code_parameters(plan: Plan) -> dict:
    """One bucket parameter and one key parameter per archive; each key defaults to the content-addressed
    name `wsapi export --artifacts DIR` writes the archive under."""
    archives = code_archives(plan)
    if not archives:
        return {}
    service = plan.service
    parameters: dict[str, dict] = {
        naming.ARTIFACT_BUCKET_PARAMETER: {
            "Type": "String",
            "Description": "S3 bucket holding the functions' code (upload the archives `wsapi export --with-functions --artifacts DIR` writes)",
        }
    }
    for archive in archives:
        parameters[naming.artifact_key_parameter(archive.name)] = {
            "Type": "String",
            "Default": archive.s3_key(service.name, service.stage),
            "Description": f"S3 key of {archive.file_name}, the code of: {', '.join(archive.functions)}",
        }
    return parameters


def limit_warnings(template: Mapping[str, Any], size_bytes: int) -> list[str]:
    """CloudFormation's limits, checked before a user finds out at deploy time."""
    warnings = []
    count = len(template.get("Resources", {}))
    if count > MAX_RESOURCES:
        warnings.append(
            f"the template has {count} resources; CloudFormation allows {MAX_RESOURCES} per stack (split the service, or deploy with Pulumi)"
        )
    parameters = len(template.get("Parameters", {}))
    if parameters > MAX_PARAMETERS:  # one code key per individually packaged function adds up
        warnings.append(
            f"the template has {parameters} parameters; CloudFormation allows {MAX_PARAMETERS} (package functions together, or deploy with Pulumi)"
        )
    if size_bytes > MAX_TEMPLATE_BYTES:
        warnings.append(
            f"the template is {size_bytes:,} bytes; CloudFormation accepts at most {MAX_TEMPLATE_BYTES:,} (from S3)"
        )
    return warnings
