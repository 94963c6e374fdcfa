"""Every name wsapi gives a resource: Serverless v3 logical ids (CloudFormation) and Pulumi child names.

Both renderers read names from here only. Logical ids follow Serverless v3's `lib/plugins/aws/lib/naming.js`
so a compat export drops into (and compares with) a Serverless template. Pulumi child names derive only from
function keys and route keys, so adding or removing a route never renames another resource.
"""

from __future__ import annotations

import re

API = "WebsocketsApi"
STAGE = "WebsocketsDeploymentStage"
LOG_GROUP = "WebsocketsLogGroup"
DEPLOYMENT_PREFIX = "WebsocketsDeployment"
# Serverless's custom resource that sets the account's API Gateway CloudWatch role (compat mode only).
CUSTOM_ACCOUNT_ROLE = "CustomApiGatewayAccountCloudWatchRole"
CUSTOM_ACCOUNT_ROLE_FUNCTION = "CustomDashresourceDashapigwDashcwDashroleLambdaFunction"
# Native replacement used by the standalone template and the Pulumi component.
CLOUDWATCH_ROLE = "WebsocketsApiGatewayCloudWatchRole"
ACCOUNT = "WebsocketsApiGatewayAccount"
SERVICE_ENDPOINT_OUTPUT = "ServiceEndpointWebsocket"


#: CloudFormation's limit on logical ids.
MAX_LOGICAL_ID = 255
#: The longest suffix a function's logical ids carry: `LambdaVersion` + a 44-character base64 sha256.
LONGEST_FUNCTION_SUFFIX = "LambdaVersion" + "x" * 44


def upper_first(name: str) -> str:
    return name[:1].upper() + name[1:]


def normalized_function_name(function_key: str) -> str:
    """Serverless's getNormalizedFunctionName: `-` -> Dash, `_` -> Underscore, first letter upper."""
    return upper_first(function_key.replace("-", "Dash").replace("_", "Underscore"))


def normalized_route_key(route_key: str) -> str:
    """Serverless's getNormalizedWebsocketsRouteKey (note: no upper-casing)."""
    return (
        route_key.replace("$", "S")
        .replace("/", "Slash")
        .replace("-", "Dash")
        .replace("_", "Underscore")
        .replace(".", "Period")
    )


def lambda_function(function_key: str) -> str:
    return f"{normalized_function_name(function_key)}LambdaFunction"


def function_log_group(function_key: str) -> str:
    return f"{normalized_function_name(function_key)}LogGroup"


def lambda_version(function_key: str, digest: str) -> str:
    """Serverless names a version after a hash of its code and configuration: a change is a new version."""
    return f"{normalized_function_name(function_key)}LambdaVersion{re.sub(r'[^0-9a-zA-Z]', '', digest)}"


#: the execution role wsapi creates for the functions it creates (Serverless's logical id)
LAMBDA_ROLE = "IamRoleLambdaExecution"
#: standalone templates read created functions' code from S3: one bucket, one key per archive
ARTIFACT_BUCKET_PARAMETER = "ArtifactBucket"


def artifact_key_parameter(stem: str) -> str:
    return f"{stem}ArtifactKey"


def lambda_log_group_name(function_name: str) -> str:
    return f"/aws/lambda/{function_name}"


def provisioned_concurrency_alias(function_key: str) -> str:
    return f"{normalized_function_name(function_key)}ProvConcLambdaAlias"


def snapstart_alias(function_key: str) -> str:
    return f"{normalized_function_name(function_key)}SnapStartLambdaAlias"


def function_url(function_key: str) -> str:
    """The function's URL (`AWS::Lambda::Url`), and the stack output holding it (Serverless names both so)."""
    return f"{normalized_function_name(function_key)}LambdaFunctionUrl"


def function_url_permission(function_key: str) -> str:
    """Anyone may invoke a URL without an authorizer (`lambda:InvokeFunctionUrl` for `*`)."""
    return f"{normalized_function_name(function_key)}LambdaPermissionFnUrl"


def event_invoke_config(function_key: str) -> str:
    """The function's asynchronous invocation settings (`AWS::Lambda::EventInvokeConfig`)."""
    return f"{normalized_function_name(function_key)}LambdaEvConf"


def integration(function_key: str) -> str:
    return f"{normalized_function_name(function_key)}WebsocketsIntegration"


def permission(function_key: str) -> str:
    return f"{normalized_function_name(function_key)}LambdaPermissionWebsockets"


#: How a standalone logical id spells a character of a route key that Serverless's normalization leaves and
#: CloudFormation refuses (ids are letters and digits): a word for ASCII punctuation, else `U` and its code point.
CHARACTER_WORDS = {
    ":": "Colon", " ": "Space", "@": "At", "#": "Hash", "+": "Plus", "=": "Equals", "!": "Bang", "?": "Question",
    "*": "Star", "&": "Amp", "%": "Percent", "~": "Tilde", ",": "Comma", ";": "Semicolon", "|": "Pipe",
    "(": "LParen", ")": "RParen", "[": "LBracket", "]": "RBracket", "{": "LBrace", "}": "RBrace", "<": "Lt",
    ">": "Gt", '"': "Quote", "'": "Apostrophe", "`": "Backtick", "\\": "Backslash", "^": "Caret",
}  # fmt: skip
_ID_CHARACTER = re.compile(r"[^A-Za-z0-9]")


def route_key_id(route_key: str, compat: bool = True) -> str:
    """The route key's part of its logical ids: Serverless's normalization (compat: exactly what Serverless
    writes, valid or not), then, for the standalone export and Pulumi, every character CloudFormation refuses
    spelled out (`user:typing` -> `userColontyping`), so the ids are valid and stable."""
    normalized = normalized_route_key(route_key)
    if compat:
        return normalized
    return _ID_CHARACTER.sub(lambda m: CHARACTER_WORDS.get(m.group(0)) or f"U{ord(m.group(0)):04X}", normalized)


def route_permission(route_key: str) -> str:
    """wsapi's least-privilege permission: one per route (Serverless has one per function); standalone only."""
    return f"{route_key_id(route_key, compat=False)}WebsocketsPermission"


def route(route_key: str, compat: bool = True) -> str:
    return f"{route_key_id(route_key, compat)}WebsocketsRoute"


def route_response(route_key: str, compat: bool = True) -> str:
    return f"{route(route_key, compat)}Response"


def authorizer(authorizer_name: str) -> str:
    return f"{normalized_function_name(authorizer_name)}WebsocketsAuthorizer"


def deployment(digest: str) -> str:
    return DEPLOYMENT_PREFIX + re.sub(r"[^0-9a-zA-Z]", "", digest)


def default_function_name(service: str, stage: str, function_key: str) -> str:
    return f"{service}-{stage}-{function_key}"


def default_api_name(service: str, stage: str) -> str:
    return f"{stage}-{service}-websockets"


def log_group_name(service: str, stage: str) -> str:
    return f"/aws/websocket/{service}-{stage}"


def serverless_export(service: str, stage: str, output: str) -> str:
    """Serverless exports every stack output as `sls-{service}-{stage}-{output}`."""
    return f"sls-{service}-{stage}-{output}"


def authorizer_name_from_arn(arn: str) -> str:
    return arn.split(":")[-1]


MANAGEMENT_ENDPOINT_OUTPUT = "ServiceEndpointWebsocketManagement"
API_ID_OUTPUT = "WebsocketsApiId"

#: The component's type token: part of every child's URN, so it never changes.
COMPONENT_TYPE = "wsapi:index:WebSocketApi"


# -- custom domains (serverless-domain-manager's settings, deployed as resources) ------------------------------


def domain_stem(domain_name: str) -> str:
    """`ws-eu.example.com` -> `WsDashEuExampleCom`: every label and hyphen-separated part capitalized."""
    return "".join("Dash".join(upper_first(part) for part in label.split("-")) for label in domain_name.split("."))


def domain_name(domain: str) -> str:
    return f"{domain_stem(domain)}WebsocketsDomainName"


def api_mapping(domain: str) -> str:
    return f"{domain_stem(domain)}WebsocketsApiMapping"


def domain_record(domain: str, record_type: str, private: bool = False) -> str:
    """A Route 53 alias record (A or AAAA) of the domain; `private`: the private zone's, with split-horizon DNS."""
    return f"{domain_stem(domain)}Websockets{'Private' if private else ''}RecordSet{record_type}"


def certificate_parameter(domain: str) -> str:
    """Standalone templates: the certificate CloudFormation cannot look up."""
    return f"{domain_stem(domain)}CertificateArn"


def hosted_zone_parameter(domain: str, private: bool = False) -> str:
    """Standalone templates: the Route 53 zone CloudFormation cannot look up."""
    return f"{domain_stem(domain)}{'Private' if private else ''}HostedZoneId"


def domain_url_output(domain: str) -> str:
    return f"{domain_stem(domain)}WebsocketsDomainUrl"
