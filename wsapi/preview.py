"""`wsapi plan`: what the Pulumi component would create for a plan, listed as `pulumi preview` does."""

from __future__ import annotations

from typing import Any, Callable

from . import naming
from .plan import CodeArchive, External, FunctionArn, GetAtt, Join, Plan, Pseudo, Ref, Resource, Sub


def text(value: Any) -> str:
    """A reviewer's view of a plan value: references by name, ARNs by function."""
    if isinstance(value, FunctionArn):
        return value.deployed_name + (f":{value.alias}" if value.alias else "")
    if isinstance(value, Pseudo):
        return "${" + value.name + "}"
    if isinstance(value, CodeArchive):
        return f"{value.file_name} ({len(value.files)} files)" if value.source is None else value.source
    if isinstance(value, Ref):
        return f"<{value.key}>"
    if isinstance(value, GetAtt):
        return f"<{value.key}.{value.attribute}>"
    if isinstance(value, Join):
        if len(value.parts) > 1 and value.parts[-1] == "/invocations":
            return text(value.parts[-2])  # a Lambda invocation URI: show the function
        return value.separator.join(text(p) for p in value.parts)
    if isinstance(value, External):
        return str(value.value)
    if isinstance(value, Sub):
        return value.template
    if isinstance(value, (list, tuple)):
        return ",".join(text(v) for v in value)
    return str(value)


def route_of(plan: Plan, resource: Resource) -> str:
    route_id = resource.properties.get("RouteId")
    return plan.resource(route_id.key).properties["RouteKey"] if isinstance(route_id, Ref) else "?"


DETAILS: dict[str, Callable[[Plan, Resource], str]] = {
    "AWS::ApiGatewayV2::Api": lambda p, r: f"name={r.properties['Name']} routeSelection={r.properties['RouteSelectionExpression']}",
    "AWS::ApiGatewayV2::Integration": lambda p, r: f"AWS_PROXY -> {text(r.properties['IntegrationUri'])}",
    "AWS::ApiGatewayV2::RouteResponse": lambda p, r: f"route={route_of(p, r)} key=$default",
    "AWS::ApiGatewayV2::Authorizer": lambda p, r: (
        f"REQUEST -> {text(r.properties['AuthorizerUri'])} identity={text(r.properties['IdentitySource'])}"
    ),
    "AWS::Lambda::Permission": lambda p, r: (
        f"invoke {text(r.properties['FunctionName'])} by {r.properties['Principal']}"
        + (f" from {text(r.properties['SourceArn'])}" if "SourceArn" in r.properties else "")
    ),
    "AWS::ApiGatewayV2::Route": lambda p, r: (
        f"key={r.properties['RouteKey']} -> {text(r.properties['Target'])} auth={r.properties['AuthorizationType']}"
        + (" routeResponse=$default" if "RouteResponseSelectionExpression" in r.properties else "")
    ),
    "AWS::ApiGatewayV2::Stage": lambda p, r: (
        f"stage={r.properties['StageName']}"
        + (f" logging={r.properties['DefaultRouteSettings']['LoggingLevel']}" if "DefaultRouteSettings" in r.properties else "")
        + (" accessLogs=on" if "AccessLogSettings" in r.properties else "")
    ),
    "AWS::Logs::LogGroup": lambda p, r: (
        f"name={r.properties['LogGroupName']}"
        + (f" retention={r.properties['RetentionInDays']}d" if "RetentionInDays" in r.properties else "")
    ),
    "AWS::ApiGatewayV2::Deployment": lambda p, r: f"triggers={p.published_digest[:12]} after {len(r.depends_on or ())} routes/responses",
    "AWS::IAM::Role": lambda p, r: lambda_role(r) if "Policies" in r.properties else "assumed by apigateway.amazonaws.com, AmazonAPIGatewayPushToCloudWatchLogs",
    "AWS::Lambda::Function": lambda p, r: (
        f"{r.properties['FunctionName']} {r.properties['Runtime']} {r.properties['Handler']} code={text(r.properties['Code'])}"
        + (" publish" if any(v.properties['FunctionName'] == Ref(r.key) for v in p.by_type('AWS::Lambda::Version')) else "")
    ),
    "AWS::Lambda::Alias": lambda p, r: (
        f"{r.properties['Name']} -> the published version of {text(r.properties['FunctionName'])}"
        + (f" provisioned={text(r.properties['ProvisionedConcurrencyConfig']['ProvisionedConcurrentExecutions'])}" if 'ProvisionedConcurrencyConfig' in r.properties else "")
    ),
    "AWS::ApiGateway::Account": lambda p, r: f"cloudWatchRoleArn={text(r.properties['CloudWatchRoleArn'])} (account-wide setting)",
}


def lambda_role(resource: Resource) -> str:
    statements = resource.properties["Policies"][0]["PolicyDocument"]["Statement"]
    grants = []
    for statement in statements:
        actions = statement.get("Action", statement.get("NotAction"))
        resources = statement.get("Resource", statement.get("NotResource"))
        count = len(resources) if isinstance(resources, list) else 1
        grants.append(f"{statement['Effect']} {text(actions)} on {count} resource{'s' if count != 1 else ''}")
    return "assumed by lambda.amazonaws.com: " + "; ".join(grants)


def describe_plan(plan: Plan, component: str) -> str:
    """One line per resource (type, name, what a reviewer checks), under the component, then a count."""
    service = plan.service
    rows = [("", naming.COMPONENT_TYPE, component, "")]
    children: list[tuple[str, str, str]] = []
    for resource in plan.creation_order():  # the order the component registers them, as pulumi preview lists them
        if resource.type in naming.PULUMI_FOLDED:
            continue  # a version: what the function publishes, no resource of its own in Pulumi
        name = naming.child(component, resource.name)
        children.append((naming.PULUMI_TYPES[resource.type], name, DETAILS[resource.type](plan, resource)))
        for token, suffix in naming.pulumi_extras(resource.type, resource.properties):
            children.append((token, name + suffix, f"with {name}"))
    for index, (token, name, details) in enumerate(children):
        branch = "└─" if index == len(children) - 1 else "├─"
        short = token if token == naming.STAGE_POINTER_TYPE else naming.short_pulumi_type(token)
        rows.append((branch, short, name, details))
    type_width = max(len(r[0]) + 1 + len(r[1]) for r in rows)
    name_width = max(len(r[2]) for r in rows)
    lines = [f"Plan for {service.name} (stage {service.stage}, region {service.region}):", ""]
    lines.append(f"     {'Type'.ljust(type_width)}  {'Name'.ljust(name_width)}  Plan    Info")
    for branch, token, name, details in rows:
        kind = f"{branch} {token}" if branch else token
        lines.append(f" +   {kind.ljust(type_width)}  {name.ljust(name_width)}  create  {details}".rstrip())
    if service.external_api_id is not None:
        lines.append("")
        lines.append(f"Uses the existing API {text(External(service.external_api_id))}: no API or stage is created.")
    lines += ["", "Resources:", f"    + {len(rows)} to create"]
    return "\n".join(lines) + "\n"
