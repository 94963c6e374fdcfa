"""Serverless v3's configuration schema, as wsapi applies it to the resolved document before reading it: the
values Serverless silently converts are converted here too, and the keys it would warn about are found.

The table below is our own transcription of Serverless 3.40's schema (`lib/config-schema.js`, the `aws` provider's
`lib/plugins/aws/provider.js` and the `websocket` event's `compile/events/websockets/index.js`), in
`schema_engine`'s notation, which applies it with ajv's rules (`coerceTypes: 'array'`):

* complete, with every type Serverless checks, for the sections wsapi reads: `provider` settings of the API, the
  logs, the tags, the functions' defaults, the IAM role and statements; every function setting wsapi reads; the
  `websocket` event; `package`, `plugins`, `useDotenv`, `configValidationMode` and `resources`;
* the known keys only (their values unchecked, `ANY`) for everything else Serverless knows: the other provider
  settings and events, so that a misspelt key is found wherever Serverless would find it in those sections.

Extending Serverless's schema: the dashboard plugin (always loaded) adds `org`, `app` and `outputs`; other
plugins add function settings (`PLUGIN_FUNCTION_SETTINGS`), known only when the service lists the plugin.
"""

from __future__ import annotations

from difflib import get_close_matches
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from .errors import Problem, join_path
from .schema_engine import ANY, Finding, Shape, check, compile_pattern

__all__ = ["apply_schema", "known_keys", "FUNCTION_EVENTS", "PLUGIN_FUNCTION_SETTINGS"]


# -- notation ------------------------------------------------------------------------------------------------


def string(pattern: Optional[str] = None, *, min_length: Optional[int] = None, max_length: Optional[int] = None) -> Shape:
    return Shape(
        types=("string",), pattern=compile_pattern(pattern) if pattern else None, min_length=min_length,
        max_length=max_length,
    )  # fmt: skip


def integer(minimum: Optional[int] = None, maximum: Optional[int] = None) -> Shape:
    return Shape(types=("integer",), minimum=minimum, maximum=maximum)


def number(*allowed: float) -> Shape:
    return Shape(types=("number",), enum=tuple(allowed) or None)


def choice(*allowed: Any, of_type: Tuple[str, ...] = ()) -> Shape:
    """`enum` (with `type` when Serverless gives one: only then is the value converted first)."""
    return Shape(types=of_type, enum=allowed)


def const(value: Any) -> Shape:
    return Shape(const=value)


def array(items: Shape = ANY, *, min_items: Optional[int] = None, max_items: Optional[int] = None) -> Shape:
    return Shape(types=("array",), items=None if items is ANY else items, min_items=min_items, max_items=max_items)


def fixed(*items: Shape) -> Shape:
    """An array of exactly these items (`items: [...]`, `additionalItems: false`, min = max = their number)."""
    return Shape(types=("array",), tuple_items=items, additional_items=False, min_items=len(items), max_items=len(items))


def mapping(
    properties: Optional[Mapping[str, Shape]] = None,
    *,
    required: Tuple[str, ...] = (),
    extra: Any = False,
    patterns: Optional[Mapping[str, Shape]] = None,
    also: Tuple[Shape, ...] = (),
    max_properties: Optional[int] = None,
) -> Shape:
    """An object with these `properties`; `extra`: additionalProperties (False: other keys are unrecognized;
    True: anything goes; a Shape: the shape of the others); `also`: an allOf beside."""
    return Shape(
        types=("object",), properties=dict(properties or {}), required=required, additional=extra,
        pattern_properties=tuple((compile_pattern(p), s) for p, s in (patterns or {}).items()), all_of=also,
        max_properties=max_properties,
    )  # fmt: skip


def any_of(*branches: Shape, label: str = "") -> Shape:
    return Shape(any_of=branches, label=label)


def one_of(*branches: Shape) -> Shape:
    return Shape(one_of=branches)


def requires(*keys: str) -> Shape:
    return Shape(required=keys)


def known(*keys: str) -> Dict[str, Shape]:
    """Keys Serverless knows whose values wsapi neither converts nor checks."""
    return dict.fromkeys(keys, ANY)


TEXT = string()
BOOLEAN = Shape(types=("boolean",))
OBJECT = mapping(extra=True)

# -- definitions (Serverless's `definitions`, by the same names) -------------------------------------------------

FUNCTION_NAME = string(r"^[a-zA-Z0-9-_]+\Z")
STAGE = string(r"^[a-zA-Z0-9-]+\Z")
ARN_STRING = string(r"^arn:")
CF_IMPORT = mapping({"Fn::ImportValue": ANY}, required=("Fn::ImportValue",))
CF_JOIN = mapping({"Fn::Join": fixed(TEXT, array())}, required=("Fn::Join",))
CF_GET_ATT = mapping({"Fn::GetAtt": fixed(string(min_length=1), string(min_length=1))}, required=("Fn::GetAtt",))
CF_REF = mapping({"Ref": string(min_length=1)}, required=("Ref",))
CF_SUB = mapping({"Fn::Sub": ANY}, required=("Fn::Sub",))
CF_BASE64 = mapping({"Fn::Base64": ANY}, extra=True)  # no required key: any mapping passes here
CF_TO_JSON = mapping({"Fn::ToJsonString": any_of(OBJECT, array())}, required=("Fn::ToJsonString",))
CF_FUNCTION = any_of(CF_IMPORT, CF_JOIN, CF_GET_ATT, CF_REF, CF_SUB, CF_BASE64, CF_TO_JSON)
CF_INSTRUCTION = any_of(string(min_length=1), CF_FUNCTION)
CF_IF = mapping({"Fn::If": array(CF_INSTRUCTION, min_items=3, max_items=3)}, required=("Fn::If",))
ARN = any_of(ARN_STRING, CF_FUNCTION)
LOGICAL_ID = string(r"^[#A-Za-z0-9-_./]+[*]?\Z")
ACCOUNT_ID = string(r"^\d{12}\Z")

#: Serverless's fourth branch, `awsCfSelect`, follows `awsCfFunction`, which takes any mapping: it never decides.
ENVIRONMENT = mapping(patterns={r"^[A-Za-z_][a-zA-Z0-9_]*\Z": any_of(const(""), CF_INSTRUCTION, CF_IF)})
TAGS = mapping(patterns={r"^(?!aws:)[\w./=+:\-_\x20]{1,128}\Z": string(max_length=256)})
LOG_RETENTION = number(1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 2192, 2557, 2922, 3288, 3653)
LOG_DATA_PROTECTION = mapping(
    {"Name": TEXT, "Description": TEXT, "Version": TEXT, "Statement": array()}, required=("Name", "Version", "Statement")
)
MEMORY_SIZE = integer(128, 10240)
TIMEOUT = integer(1, 900)
LAYERS = array(ARN)
ARCHITECTURE = choice("arm64", "x86_64")
LAMBDA_ROLE = any_of(string(min_length=1), CF_SUB, CF_IMPORT, CF_GET_ATT)
TRACING = any_of(choice("Active", "PassThrough"), BOOLEAN)
CONCURRENCY = any_of(integer(0), CF_FUNCTION, CF_IF)

POLICY_RESOURCE = any_of(const("*"), ARN, LOGICAL_ID, array(any_of(const("*"), ARN, LOGICAL_ID)))
POLICY_PRINCIPAL = any_of(
    const("*"),
    mapping({
        "AWS": any_of(const("*"), CF_IF, array(any_of(ACCOUNT_ID, ARN))),
        "Federated": array(TEXT), "Service": array(TEXT), "CanonicalUser": array(TEXT),
    }),
)  # fmt: skip
STATEMENTS = array(
    mapping(
        {
            "Sid": TEXT, "Effect": choice("Allow", "Deny"), "Action": array(TEXT), "NotAction": array(TEXT),
            "Principal": POLICY_PRINCIPAL, "NotPrincipal": POLICY_PRINCIPAL, "Resource": POLICY_RESOURCE,
            "NotResource": POLICY_RESOURCE, "Condition": OBJECT,
        },
        also=(requires("Effect"), one_of(requires("Action"), requires("NotAction")), one_of(requires("Resource"), requires("NotResource"))),
    )
)  # fmt: skip

# -- the websocket event and the others --------------------------------------------------------------------------

WEBSOCKET = any_of(
    TEXT,
    mapping(
        {
            "route": TEXT,
            "routeResponseSelectionExpression": const("$default"),
            "authorizer": any_of(
                ARN_STRING,
                FUNCTION_NAME,
                mapping(
                    {"name": FUNCTION_NAME, "arn": ARN, "identitySource": array(TEXT)},
                    also=(any_of(requires("name"), requires("arn")),),
                ),
            ),
        },
        required=("route",),
    ),
)
#: Every function event Serverless 3.40 knows, in its order; wsapi checks only `websocket`'s settings.
FUNCTION_EVENTS: Dict[str, Shape] = {
    **known("schedule", "s3", "http"), "websocket": WEBSOCKET,
    **known(
        "sns", "stream", "kafka", "activemq", "rabbitmq", "msk", "alb", "alexaSkill", "alexaSmartHome", "iot",
        "iotFleetProvisioning", "cloudwatchEvent", "cloudwatchLog", "cognitoUserPool", "eventBridge", "sqs",
        "cloudFront", "httpApi",
    ),
}  # fmt: skip
EVENT = any_of(*(mapping({name: shape}, required=(name,)) for name, shape in FUNCTION_EVENTS.items()), label="function event")

# -- functions ----------------------------------------------------------------------------------------------------

FUNCTION_PACKAGE = mapping(
    {"artifact": TEXT, "exclude": array(TEXT), "include": array(TEXT), "individually": BOOLEAN, "patterns": array(TEXT)}
)
FUNCTION_SETTINGS: Dict[str, Shape] = {
    "name": TEXT, "events": array(EVENT), "architecture": ARCHITECTURE, "awsKmsKeyArn": ANY, "condition": TEXT,
    "dependsOn": array(TEXT), "description": string(max_length=256), "destinations": ANY, "disableLogs": BOOLEAN,
    "environment": ENVIRONMENT, "ephemeralStorageSize": integer(512, 10240), "fileSystemConfig": ANY,
    "handler": TEXT, "image": ANY, "kmsKeyArn": ANY, "snapStart": BOOLEAN, "layers": LAYERS,
    "logRetentionInDays": LOG_RETENTION, "logDataProtectionPolicy": LOG_DATA_PROTECTION,
    "maximumEventAge": integer(60, 21600), "maximumRetryAttempts": integer(0, 2), "memorySize": MEMORY_SIZE,
    "onError": ANY, "package": FUNCTION_PACKAGE, "provisionedConcurrency": CONCURRENCY,
    "reservedConcurrency": CONCURRENCY, "role": LAMBDA_ROLE, "runtime": ANY, "runtimeManagement": ANY,
    "tags": TAGS, "timeout": TIMEOUT, "tracing": TRACING, "url": ANY, "versionFunction": BOOLEAN, "vpc": ANY,
    "httpApi": ANY,
}  # fmt: skip

#: Function settings a plugin adds to Serverless's schema when the service lists it (its
#: `configSchemaHandler.defineFunctionProperties` call), by plugin name.
PLUGIN_FUNCTION_SETTINGS: Dict[str, Dict[str, Shape]] = {
    "serverless-iam-roles-per-function": {
        "iamRoleStatementsInherit": BOOLEAN, "iamRoleStatementsName": TEXT, "iamPermissionsBoundary": ARN,
        "iamRoleStatements": STATEMENTS,
    },
    "serverless-plugin-custom-roles": {"iamRoleStatements": array()},
    "serverless-esbuild": {"skipEsbuild": BOOLEAN},
    "serverless-python-requirements": {"module": TEXT},
    "serverless-webpack": {"entrypoint": TEXT},
    "serverless-bundle": {"entrypoint": TEXT},  # it runs serverless-webpack, which adds the setting
    "serverless-plugin-lambda-insights": {"lambdaInsights": BOOLEAN},
}  # fmt: skip

# -- provider -------------------------------------------------------------------------------------------------------

LOG_SETTINGS = {
    "accessLogging": BOOLEAN, "executionLogging": BOOLEAN, "format": TEXT, "fullExecutionData": BOOLEAN,
    "level": choice("INFO", "ERROR"),
}  # fmt: skip
LOGS = mapping(
    {
        "frameworkLambda": BOOLEAN,
        "httpApi": any_of(BOOLEAN, mapping({"format": TEXT})),
        "restApi": any_of(BOOLEAN, mapping({**LOG_SETTINGS, "role": ARN, "roleManagedExternally": BOOLEAN})),
        "websocket": any_of(BOOLEAN, mapping(LOG_SETTINGS)),
    },
    extra=True,  # Serverless's `logs` does not close its keys
)
IAM = mapping(
    {
        "role": any_of(
            LAMBDA_ROLE,
            mapping({
                "name": string(r"^[A-Za-z0-9/_+=,.@-]{1,64}\Z"), "path": string(r"(^/\Z)|(^/[!-\x7f]+/\Z)"),
                "managedPolicies": array(ARN), "statements": STATEMENTS, "permissionBoundary": ARN,
                "permissionsBoundary": ARN, "tags": TAGS,
            }),
        ),
        "deploymentRole": ARN,
    }
)  # fmt: skip
API_GATEWAY = mapping({
    **known(
        "apiKeys", "apiKeySourceType", "binaryMediaTypes", "description", "disableDefaultEndpoint", "metrics",
        "minimumCompressionSize", "resourcePolicy", "restApiId", "restApiResources", "restApiRootResourceId",
        "request", "shouldStartNameWithService", "stage", "usagePlan",
    ),
    "websocketApiId": CF_INSTRUCTION,
})  # fmt: skip
PROVIDER = mapping(
    {
        "name": const("aws"), **known("alb"), "apiGateway": API_GATEWAY, "apiName": TEXT, "architecture": ARCHITECTURE,
        **known("cfnRole", "cloudFront", "deploymentBucket"), "deploymentPrefix": TEXT, "disableRollback": BOOLEAN,
        **known("endpointType"), "environment": ENVIRONMENT, **known("eventBridge", "httpApi"), "iam": IAM,
        "iamManagedPolicies": array(ARN), "iamRoleStatements": STATEMENTS, **known("ecr"), "kmsKeyArn": ANY,
        "lambdaHashingVersion": choice("20200924", "20201221", of_type=("string",)), "layers": LAYERS,
        "logRetentionInDays": LOG_RETENTION, "logDataProtectionPolicy": LOG_DATA_PROTECTION, "logs": LOGS,
        "memorySize": MEMORY_SIZE, **known("notificationArns"), "profile": TEXT, **known("region"),
        "role": LAMBDA_ROLE, "rolePermissionsBoundary": ARN_STRING, **known("rollbackConfiguration", "runtime"),
        **known("runtimeManagement", "deploymentMethod", "s3"), "stage": STAGE,
        **known("stackName", "stackParameters", "stackPolicy"), "stackTags": TAGS, "tags": TAGS, "timeout": TIMEOUT,
        "tracing": mapping({"apiGateway": BOOLEAN, "lambda": TRACING}), **known("vpc", "vpcEndpointIds"),
        "versionFunctions": BOOLEAN, "websocket": mapping({"useProviderTags": BOOLEAN}), "websocketsApiName": TEXT,
        **known("kinesis"), "websocketsApiRouteSelectionExpression": TEXT, "websocketsDescription": TEXT,
    },
    required=("name",),
)  # fmt: skip

# -- the document ---------------------------------------------------------------------------------------------------

DEPENDS_ON = array(TEXT)
RESOURCE_ATTRIBUTES = {
    "Properties": OBJECT, "CreationPolicy": OBJECT, "DeletionPolicy": TEXT, "DependsOn": DEPENDS_ON,
    "Metadata": OBJECT, "UpdatePolicy": OBJECT, "UpdateReplacePolicy": TEXT, "Condition": TEXT,
}  # fmt: skip
LOGICAL_ID_KEY = r"^[a-zA-Z0-9]{1,255}\Z"
RESOURCES = mapping({
    "AWSTemplateFormatVersion": TEXT, "Conditions": OBJECT, "Description": TEXT, "Mappings": OBJECT,
    "Metadata": OBJECT, "Outputs": OBJECT, "Parameters": OBJECT,
    "Resources": mapping(
        {"Fn::Transform": mapping({"Name": TEXT, "Parameters": OBJECT}, required=("Name",))},
        patterns={LOGICAL_ID_KEY: mapping({"Type": TEXT, **RESOURCE_ATTRIBUTES}, required=("Type",))},
    ),
    "Transform": array(TEXT),
    "extensions": mapping(patterns={LOGICAL_ID_KEY: mapping(RESOURCE_ATTRIBUTES)}),
})  # fmt: skip
PACKAGE = mapping({
    "artifact": TEXT, "exclude": array(TEXT), "excludeDevDependencies": BOOLEAN, "include": array(TEXT),
    "individually": BOOLEAN, "path": TEXT, "patterns": array(TEXT),
})  # fmt: skip
PLUGINS = any_of(mapping({"localPath": TEXT, "modules": array(TEXT)}, required=("modules",)), array(TEXT))
TOP_LEVEL: Dict[str, Shape] = {
    "configValidationMode": choice("error", "warn", "off"), **known("console", "custom", "dashboard"),
    **known("deprecationNotificationMode", "disabledDeprecations"), "frameworkVersion": TEXT, "functions": ANY,
    "package": PACKAGE, **known("params"), "plugins": PLUGINS, **known("projectDir"), "provider": PROVIDER,
    "service": ANY, "useDotenv": const(True), **known("variablesResolutionMode"), "resources": RESOURCES,
    **known("layers"), **known("org", "app", "outputs"),
}  # fmt: skip


def document_shape(plugins: Iterable[str] = ()) -> Shape:
    """The whole schema, with the function settings of the listed `plugins` that add some."""
    settings = dict(FUNCTION_SETTINGS)
    for plugin in plugins:
        settings.update(PLUGIN_FUNCTION_SETTINGS.get(plugin, {}))
    function = mapping(settings)
    return mapping(
        {**TOP_LEVEL, "functions": mapping(patterns={r"^[a-zA-Z0-9-_]+\Z": function}, extra=True)},
        required=("provider", "service"),
    )


def known_keys(shape: Shape) -> Tuple[str, ...]:
    return tuple(shape.properties)


# -- applying it ----------------------------------------------------------------------------------------------------


def apply_schema(document: Dict[str, Any], plugins: Iterable[str] = ()) -> List[Problem]:
    """Convert, in place, what Serverless converts in the resolved `document`; return what Serverless would
    warn about that wsapi ignores too: unknown keys (with the closest known one) and events of no known type.
    Other departures from the schema are left to the readers of the settings (which refuse what AWS would)."""
    shape = document_shape(plugins)
    problems: List[Problem] = []
    for finding in check(shape, document):
        problem = _problem(shape, finding)
        if problem is not None:
            problems.append(problem)
    return list(dict.fromkeys(problems))


def _problem(shape: Shape, finding: Finding) -> Optional[Problem]:
    path = ""
    for key in finding.path:
        path = join_path(path, key)
    if finding.keyword == "additionalProperties":
        section = _shape_at(shape, finding.path)
        known = known_keys(section) if section is not None else ()
        return Problem(join_path(path, finding.key), f"unknown setting: Serverless and wsapi ignore it{_closest(finding.key, known)}")
    if finding.keyword == "anyOf" and finding.message == "unsupported function event":
        keys = [key for key in finding.key.split(",") if key]
        named = ", ".join(repr(key) for key in keys) or "an empty event"
        hint = _closest(keys[0], tuple(FUNCTION_EVENTS)) if len(keys) == 1 else ""
        return Problem(path, f"unsupported function event ({named}): Serverless and wsapi ignore it{hint}")
    return None


def _shape_at(shape: Shape, path: Tuple[Any, ...]) -> Optional[Shape]:
    """The object shape that holds the keys at `path` (following properties, patterns, items and branches)."""
    node = shape
    for key in path:
        node = _child(node, key)
        if node is None:
            return None
    return _object_branch(node)


def _child(node: Shape, key: Any) -> Optional[Shape]:
    if isinstance(key, int):
        array_node = _array_branch(node)
        return array_node.items if array_node is not None else None
    branches = list(_object_branches(node))
    for branch in branches:  # the branch that knows the key (a function event's type), else the first
        if key in branch.properties:
            return branch.properties[key]
    for branch in branches[:1]:
        for pattern, child in branch.pattern_properties:
            if pattern.search(key):
                return child
        return branch.additional if isinstance(branch.additional, Shape) else None
    return None


def _object_branches(node: Shape) -> Iterable[Shape]:
    if "object" in node.types:
        yield node
    for branch in node.any_of + node.one_of:
        yield from _object_branches(branch)


def _object_branch(node: Shape) -> Optional[Shape]:
    return next(iter(_object_branches(node)), None)


def _array_branch(node: Shape) -> Optional[Shape]:
    if "array" in node.types:
        return node
    return next((b for b in node.any_of + node.one_of if "array" in b.types), None)


def _closest(key: str, known: Tuple[str, ...]) -> str:
    """`; did you mean websocketsApiName?` for the known key closest to `key`, if one is close."""
    by_lower = {name.lower(): name for name in known}
    match = get_close_matches(key.lower(), list(by_lower), n=1, cutoff=0.6)
    return f"; did you mean {by_lower[match[0]]}?" if match else ""
