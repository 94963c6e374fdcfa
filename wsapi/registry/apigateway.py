"""API Gateway kinds: the WebSocket API, its integrations, routes, route responses, authorizers, stage and
deployment (`apigatewayv2`), and the account's CloudWatch role setting (`apigateway.Account`)."""

from __future__ import annotations

import hashlib
from typing import Any, Mapping, Tuple

from ..plan import REGION, Plan, Ref, Resource, readable
from .base import STACK_TAGS, Builder, Convert, Extra, Kind, StackIds, kind_of, nested, register, same_names

#: The Pulumi resource that moves an external API's existing stage (CloudFormation: Deployment.StageName).
STAGE_POINTER_TYPE = "pulumi-python:dynamic:Resource"
STAGE_POINTER_SUFFIX = "-stage"
#: What a stage's DefaultRouteSettings (and each of its RouteSettings) may hold.
ROUTE_SETTINGS = ("DataTraceEnabled", "DetailedMetricsEnabled", "LoggingLevel", "ThrottlingBurstLimit", "ThrottlingRateLimit")


class Api(Kind):
    cfn_type = "AWS::ApiGatewayV2::Api"
    pulumi_type = "aws:apigatewayv2/api:Api"
    ref = "id"
    attributes = {"ApiEndpoint": "api_endpoint"}
    adoption_ignores = {"tags": STACK_TAGS}

    def import_id(self, r: Resource, physical_id: str, stack: StackIds) -> str:
        return physical_id  # the API id

    def describe(self, plan: Plan, r: Resource) -> str:
        return f"name={r.properties['Name']} routeSelection={r.properties['RouteSelectionExpression']}"

    inputs = same_names(
        "Name", "ProtocolType", "RouteSelectionExpression", "Description", "Tags", "ApiKeySelectionExpression",
        "DisableExecuteApiEndpoint", "Version", "IpAddressType",
    )
    ignored = {"DisableSchemaValidation": "pulumi-aws has no such input; it only skips request-model validation, and wsapi's routes have no models"}


class Integration(Kind):
    cfn_type = "AWS::ApiGatewayV2::Integration"
    pulumi_type = "aws:apigatewayv2/integration:Integration"
    ref = "id"
    published = True
    deploy_trigger = "IntegrationUri"

    def import_id(self, r: Resource, physical_id: str, stack: StackIds) -> str:
        return f"{stack.physical(r.properties['ApiId'], 'ApiId')}/{physical_id}"

    def describe(self, plan: Plan, r: Resource) -> str:
        return f"AWS_PROXY -> {readable(r.properties['IntegrationUri'])}"

    inputs = {
        **same_names(
            "ApiId", "IntegrationType", "IntegrationUri", "ConnectionId", "ConnectionType", "ContentHandlingStrategy",
            "CredentialsArn", "Description", "IntegrationMethod", "IntegrationSubtype", "PassthroughBehavior",
            "PayloadFormatVersion", "RequestParameters", "RequestTemplates", "TemplateSelectionExpression",
        ),
        "TimeoutInMillis": "timeout_milliseconds",
    }


class RouteResponse(Kind):
    cfn_type = "AWS::ApiGatewayV2::RouteResponse"
    pulumi_type = "aws:apigatewayv2/routeResponse:RouteResponse"
    ref = "id"
    published = True

    def import_id(self, r: Resource, physical_id: str, stack: StackIds) -> str:
        api = stack.physical(r.properties["ApiId"], "ApiId")
        return f"{api}/{stack.physical(r.properties['RouteId'], 'RouteId')}/{physical_id}"

    def describe(self, plan: Plan, r: Resource) -> str:
        route_id = r.properties.get("RouteId")
        route = plan.resource(route_id.key).properties["RouteKey"] if isinstance(route_id, Ref) else "?"
        return f"route={route} key={r.properties['RouteResponseKey']}"

    inputs = same_names("ApiId", "RouteId", "RouteResponseKey", "ModelSelectionExpression", "ResponseModels")


class Authorizer(Kind):
    cfn_type = "AWS::ApiGatewayV2::Authorizer"
    pulumi_type = "aws:apigatewayv2/authorizer:Authorizer"
    ref = "id"
    published = True
    deploy_trigger = "AuthorizerUri"

    def import_id(self, r: Resource, physical_id: str, stack: StackIds) -> str:
        return f"{stack.physical(r.properties['ApiId'], 'ApiId')}/{physical_id}"

    def describe(self, plan: Plan, r: Resource) -> str:
        return f"REQUEST -> {readable(r.properties['AuthorizerUri'])} identity={readable(r.properties['IdentitySource'])}"

    inputs = {
        **same_names(
            "ApiId", "Name", "AuthorizerType", "AuthorizerUri", "AuthorizerCredentialsArn", "AuthorizerPayloadFormatVersion",
            "AuthorizerResultTtlInSeconds", "EnableSimpleResponses",
        ),
        "IdentitySource": "identity_sources",
    }


class Route(Kind):
    cfn_type = "AWS::ApiGatewayV2::Route"
    pulumi_type = "aws:apigatewayv2/route:Route"
    ref = "id"
    published = True

    def import_id(self, r: Resource, physical_id: str, stack: StackIds) -> str:
        return f"{stack.physical(r.properties['ApiId'], 'ApiId')}/{physical_id}"

    def describe(self, plan: Plan, r: Resource) -> str:
        p = r.properties
        response = " routeResponse=$default" if "RouteResponseSelectionExpression" in p else ""
        return f"key={p['RouteKey']} -> {readable(p['Target'])} auth={p['AuthorizationType']}{response}"

    inputs = {
        **same_names(
            "ApiId", "RouteKey", "AuthorizationType", "Target", "RouteResponseSelectionExpression", "AuthorizerId",
            "ApiKeyRequired", "AuthorizationScopes", "ModelSelectionExpression", "OperationName", "RequestModels",
        ),
        "RequestParameters": Convert("request_parameters", lambda aws, value: [
            aws.apigatewayv2.RouteRequestParameterArgs(request_parameter_key=key, required=setting.get("Required", False))
            for key, setting in value.items()
        ]),
    }


class Stage(Kind):
    """Adopted with its `deploymentId` NOT ignored: the adoption run moves the stage to wsapi's new deployment,
    since deleting the Serverless stack deletes Serverless's deployment, which API Gateway refuses while a
    stage points at it."""

    cfn_type = "AWS::ApiGatewayV2::Stage"
    pulumi_type = "aws:apigatewayv2/stage:Stage"
    ref = "name"
    adoption_ignores = {"tags": STACK_TAGS}

    def import_id(self, r: Resource, physical_id: str, stack: StackIds) -> str:
        return f"{stack.physical(r.properties['ApiId'], 'ApiId')}/{physical_id}"  # the stage's name

    def describe(self, plan: Plan, r: Resource) -> str:
        p = r.properties
        logging = f" logging={p['DefaultRouteSettings']['LoggingLevel']}" if "DefaultRouteSettings" in p else ""
        access = " accessLogs=on" if "AccessLogSettings" in p else ""
        return f"stage={p['StageName']}{logging}{access}"

    inputs = {
        **same_names("ApiId", "Description", "DeploymentId", "StageVariables", "ClientCertificateId", "AutoDeploy", "Tags"),
        "StageName": "name",
        "DefaultRouteSettings": Convert(
            "default_route_settings", nested("apigatewayv2.StageDefaultRouteSettingsArgs"), ROUTE_SETTINGS
        ),
        "AccessLogSettings": Convert(
            "access_log_settings", nested("apigatewayv2.StageAccessLogSettingsArgs"), ("DestinationArn", "Format")
        ),
        "RouteSettings": Convert("route_settings", lambda aws, value: [
            nested("apigatewayv2.StageRouteSettingArgs")(aws, {"RouteKey": key, **settings}) for key, settings in value.items()
        ], ROUTE_SETTINGS),
    }


class Deployment(Kind):
    """Never adopted: wsapi's deployment is created new (its triggers are wsapi's), and the adopted stage moves
    to it; Serverless's goes with the Serverless stack."""

    cfn_type = "AWS::ApiGatewayV2::Deployment"
    pulumi_type = "aws:apigatewayv2/deployment:Deployment"
    ref = "id"
    inputs = same_names("ApiId", "Description")
    consumed = ("StageName",)

    def extras(self, properties: Mapping[str, Any]) -> Tuple[Extra, ...]:
        return (Extra(STAGE_POINTER_TYPE, STAGE_POINTER_SUFFIX),) if "StageName" in properties else ()

    def describe(self, plan: Plan, r: Resource) -> str:
        return f"triggers={plan.published_digest[:12]} after {len(r.depends_on or ())} routes/responses"

    def build(self, b: Builder, r: Resource) -> Any:
        """Redeploy when what the deployment publishes changes (routes, integrations, route responses,
        authorizers, the route selection expression: the plan's digest), or when a function ARN given at run
        time changes an integration or authorizer; not for stage, log or permission settings, which apply
        without a new deployment."""
        p = b.props(r)
        targets = []
        for resource in b.plan.resources:
            trigger = kind_of(resource).deploy_trigger
            if trigger is not None:
                targets.append(b.evaluated(resource.key)[trigger])
        targets_digest = b.pulumi.Output.all(*targets).apply(
            lambda uris: hashlib.sha256("\n".join(map(str, uris)).encode()).hexdigest()
        )
        deployment = b.aws.apigatewayv2.Deployment(
            b.name(r), **self.arguments(b, p), triggers={"plan": b.plan.published_digest, "targets": targets_digest},
            opts=b.options(r), **b.regional(),
        )
        if "StageName" in p:  # an external API's existing stage: CloudFormation moves it; so do we
            b.stage_pointer(
                b.name(r, STAGE_POINTER_SUFFIX), api_id=p["ApiId"], stage_name=p["StageName"],
                deployment_id=deployment.id, region=b.pseudo(REGION),
                opts=b.child_options(depends_on=[deployment]),
            )
        return deployment


class Account(Kind):
    cfn_type = "AWS::ApiGateway::Account"
    pulumi_type = "aws:apigateway/account:Account"
    ref = "id"

    def describe(self, plan: Plan, r: Resource) -> str:
        return f"cloudWatchRoleArn={readable(r.properties['CloudWatchRoleArn'])} (account-wide setting)"

    inputs = {"CloudWatchRoleArn": "cloudwatch_role_arn"}


class AccountRoleCustomResource(Kind):
    """Serverless's custom resource that sets the account's CloudWatch role through its own Lambda; wsapi's
    standalone plans use `Account` (and an IAM role) instead."""

    cfn_type = "Custom::ApiGatewayAccountRole"
    compat_only = True


register(Api, Integration, RouteResponse, Authorizer, Route, Stage, Deployment, Account, AccountRoleCustomResource)
