"""Rules API Gateway enforces only at deploy time (or quotas it applies), checked before anything deploys.

Pure functions returning messages; `validate` attaches them to the dotted path of the value at fault.
Sources: the API Gateway developer guide's WebSocket quotas, identity-source, selection-expression and
access-logging pages. Route selection expressions are parsed by `route_selection`, which `wsapi offline`
routes messages with.
"""

from __future__ import annotations

import re
from typing import Optional

from .route_selection import ExpressionError, RouteSelectionExpression

MAX_ROUTES = 300  # per API; a quota AWS can raise, so a warning
MAX_AUTHORIZERS = 10  # Lambda authorizers per API; idem
MAX_ACCESS_LOG_FORMAT_BYTES = 3 * 1024
REQUEST_ID_VARIABLES = ("$context.requestId", "$context.extendedRequestId")

_HEADER = r"[A-Za-z0-9!#$%&'*+.^_`|~-]+"
IDENTITY_SOURCE = re.compile(
    rf"^(route\.request\.header\.{_HEADER}"
    r"|route\.request\.querystring\.[^\s]+"
    r"|stageVariables\.[A-Za-z0-9_]+"
    r"|context\.[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*)$"
)

#: `$context` variables API Gateway offers in WebSocket access logs.
WEBSOCKET_CONTEXT_VARIABLES = frozenset(
    """
    apiId authorize.error authorize.latency authorize.status authorizer.error authorizer.integrationLatency
    authorizer.integrationStatus authorizer.latency authorizer.requestId authorizer.status authorizer.principalId
    authenticate.error authenticate.latency authenticate.status connectedAt connectionId domainName
    error.message error.messageString error.responseType error.validationErrorString eventType
    extendedRequestId identity.accountId identity.apiKey identity.apiKeyId identity.caller
    identity.cognitoAuthenticationProvider identity.cognitoAuthenticationType identity.cognitoIdentityId
    identity.cognitoIdentityPoolId identity.principalOrgId identity.sourceIp identity.user identity.userAgent
    identity.userArn integration.error integration.integrationStatus integration.latency integration.requestId
    integration.status integrationLatency messageId requestId requestTime requestTimeEpoch routeKey stage status
    """.split()
)
#: Variables of REST and HTTP APIs that a WebSocket stage refuses (there is no method, path or response size).
HTTP_ONLY_CONTEXT_VARIABLES = frozenset(
    """
    httpMethod path resourcePath resourceId protocol responseLength responseLatency responseType
    domainPrefix accountId dataProcessed wafResponseCode webaclArn customDomain.basePathMatched
    integrationErrorMessage requestOverride responseOverride isCanaryRequest deploymentId
    identity.clientCert.clientCertPem identity.clientCert.subjectDN identity.clientCert.issuerDN
    identity.clientCert.serialNumber identity.clientCert.validity.notBefore identity.clientCert.validity.notAfter
    identity.vpcId identity.vpceId error.responseType.ignored
    """.split()
)
CONTEXT_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)")


def identity_source_problem(source: str) -> Optional[str]:
    if IDENTITY_SOURCE.match(source):
        return None
    return (
        f"{source!r} is not an identity source API Gateway accepts: use route.request.header.NAME, "
        "route.request.querystring.NAME, stageVariables.NAME or context.NAME"
    )


def route_selection_expression_problem(expression: str) -> Optional[str]:
    """`$request.body.a.b`, or a template of `${request.body.x}` parts with literal text between them: the
    grammar of `route_selection`, the parser `wsapi offline` routes messages with."""
    try:
        RouteSelectionExpression(expression)
    except ExpressionError as error:
        return str(error)
    return None


def access_log_format_problems(log_format: str) -> tuple[list[str], list[str]]:
    """(errors, warnings) for an access-log format."""
    errors: list[str] = []
    warnings: list[str] = []
    size = len(log_format.encode())
    if size > MAX_ACCESS_LOG_FORMAT_BYTES:
        errors.append(f"is {size:,} bytes; API Gateway accepts access-log formats of at most 3 KB (3,072 bytes)")
    if "\n" in log_format or "\r" in log_format:
        errors.append("must be a single line: API Gateway writes one log line per request")
    found = [match.group(1) for match in CONTEXT_VARIABLE.finditer(log_format)]
    if not any(f"$context.{name}" in REQUEST_ID_VARIABLES for name in found):
        errors.append("must contain $context.requestId (or $context.extendedRequestId): API Gateway requires it")
    refused = sorted({name for name in found if name in HTTP_ONLY_CONTEXT_VARIABLES})
    if refused:
        names = ", ".join(f"$context.{name}" for name in refused)
        errors.append(f"uses {names}, which WebSocket APIs do not offer (REST/HTTP API variables)")
    unknown = sorted(
        {
            name
            for name in found
            if name not in WEBSOCKET_CONTEXT_VARIABLES
            and name not in HTTP_ONLY_CONTEXT_VARIABLES
            and not name.startswith("authorizer.")
        }
    )
    if unknown:
        names = ", ".join(f"$context.{name}" for name in unknown)
        warnings.append(f"uses {names}, not among the WebSocket access-log variables API Gateway documents")
    return errors, warnings
