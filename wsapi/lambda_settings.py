"""Readers of the Lambda settings Serverless v3 compiles besides code, runtime and environment (its
`package/compile/functions.js`): `vpc`, `kmsKeyArn`, `tracing`, `onError`, `destinations`,
`maximumEventAge`/`maximumRetryAttempts`, `fileSystemConfig`, `runtimeManagement`, `url`, `image`,
`condition` and `dependsOn`, with the provider settings they fall back to (`provider.vpc`, `provider.kmsKeyArn`,
`provider.tracing.lambda`, `provider.runtimeManagement`).

A mixin of `functions.FunctionReader`: each `read_<setting>(value, path, fields, config)` puts the setting
into the `model.Function` fields, each `provider_<setting>(value, path)` reads the provider's. A value
Serverless's schema refuses is a problem of the document (`report`); what only matters when wsapi creates
the function is kept for that consumer (`keep(CREATE, ...)`).
"""

from __future__ import annotations

import re
from typing import Any, Dict, Mapping, Optional, Tuple

from .errors import join_path
from .intrinsics import is_intrinsic
from .model import ContainerImage, Destination, FunctionUrl, VpcConfig
from .readers import type_name

CREATE = "create"  #: a problem that concerns only creating the function (`functions.CREATE`: model.Function.problems)

VPC_KEYS = ("securityGroupIds", "subnetIds")
VPC_LIMITS = {"securityGroupIds": 5, "subnetIds": 16}  #: Lambda's (and Serverless's schema's) maximums
#: A list-valued intrinsic Serverless takes for a whole id list.
LIST_INTRINSICS = ("Fn::Split", "Fn::FindInMap", "wsapi:Remote")  #: wsapi:Remote: a StringList found at deploy time
TRACING_MODES = ("Active", "PassThrough")
#: destinations.*.type -> what the execution role must be allowed (Serverless's `ensureTargetExecutionPermission`)
DESTINATION_ACTIONS = {
    "function": "lambda:InvokeFunction", "sqs": "sqs:SendMessage", "sns": "sns:Publish", "eventBus": "events:PutEvents",
}  # fmt: skip
DESTINATION_KEYS = (("onSuccess", "OnSuccess"), ("onFailure", "OnFailure"))
RUNTIME_MODES = {"auto": "Auto", "onFunctionUpdate": "FunctionUpdate", "manual": "Manual"}
URL_KEYS = ("authorizer", "cors", "invokeMode")
CORS_KEYS = (
    "allowCredentials", "allowedHeaders", "allowedMethods", "allowedOrigins", "exposedResponseHeaders", "maxAge",
)  # fmt: skip
#: Serverless's CORS for `cors: true` (and the base a cors object changes)
DEFAULT_CORS = {
    "allowedOrigins": ["*"],
    "allowedHeaders": ["Content-Type", "X-Amz-Date", "Authorization", "X-Api-Key", "X-Amz-Security-Token", "X-Amzn-Trace-Id"],
    "allowedMethods": ["*"],
}
IMAGE_KEYS = ("name", "uri", "command", "entryPoint", "workingDirectory")
ECR_URI = re.compile(r"^\d+\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[a-z0-9._/-]+(@sha256:[a-f0-9]{64}|:[\w.-]{1,128})?$")
KMS_ARN = re.compile(r"^arn:aws[a-z-]*:kms")
SNS_ARN = re.compile(r"^arn:aws[a-z-]*:sns")
ACCESS_POINT_ARN = re.compile(
    r"^arn:aws[a-zA-Z-]*:elasticfilesystem:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-[1-9]:[0-9]{12}:access-point/fsap-[a-f0-9]{17}$"
)
MOUNT_PATH = re.compile(r"^/mnt/[a-zA-Z0-9-_.]+$")
CONDITION_NAME = re.compile(r"^[A-Za-z0-9]+$")


def destination_action(target: str) -> Optional[str]:
    """What a destination given as a string needs (a function key, or an ARN by its service)."""
    if not target.startswith("arn:") or ":function:" in target:
        return "lambda:InvokeFunction"
    for marker, action in ((":sqs:", "sqs:SendMessage"), (":sns:", "sns:Publish"), (":event-bus/", "events:PutEvents")):
        if marker in target:
            return action
    return None


class LambdaSettingsReader:
    """The readers. `functions.FunctionReader` provides the rest: `report`, `keep`, `warn`, `inherit`, `defaults`
    (the provider's settings, read once) and the typed readers of `readers.TypedReader`."""

    # -- vpc ---------------------------------------------------------------------------------------------

    def provider_vpc(self, value: Any, path: str) -> Optional[Dict[str, Any]]:
        settings = self.mapping(value, path)
        if settings is None:
            return None
        self.unknown_keys(settings, VPC_KEYS, path)
        return {key: ids for key in VPC_KEYS if (ids := self.vpc_ids(settings.get(key), join_path(path, key), key)) is not None}

    def vpc_ids(self, value: Any, path: str, key: str) -> Any:
        if value is None:
            return None
        if is_intrinsic(value) and next(iter(value)) in LIST_INTRINSICS:
            return value
        if isinstance(value, str):  # Serverless's schema coerces a single id into a list of one
            value = [value]
        if not isinstance(value, list):
            self.report(path, f"must be a list of ids (or an Fn::Split / Fn::FindInMap / ${{ssm:}} StringList giving one), got {type_name(value)}")
            return None
        if not value or len(value) > VPC_LIMITS[key]:
            self.report(path, f"must hold 1 to {VPC_LIMITS[key]} ids, got {len(value)}")
            return None
        for index, item in enumerate(value):
            if not ((isinstance(item, str) and item) or is_intrinsic(item)):
                self.report(f"{path}[{index}]", f"must be an id or an intrinsic, got {type_name(item)}")
                return None
        return value

    def read_vpc(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        inherited = self.defaults["vpc"][0] or {}
        if "vpc" in config and value in (None, False):  # `vpc: ~`: this function stays out of the provider's VPC
            fields["vpc"] = None
            return
        own = self.provider_vpc(value, path) or {}
        merged = {key: own.get(key, inherited.get(key)) for key in VPC_KEYS}  # key by key, as Serverless merges them
        if not own and not inherited:
            fields["vpc"] = None
            return
        missing = [key for key in VPC_KEYS if merged[key] is None]
        if missing:
            where = path if own else "provider.vpc"
            self.keep(CREATE, where, f"needs {' and '.join(missing)} (here or in provider.vpc); without them Serverless leaves the function out of the VPC")
            fields["vpc"] = None
            return
        fields["vpc"] = VpcConfig(merged["securityGroupIds"], merged["subnetIds"])
        fields["paths"]["vpc"] = path if own else "provider.vpc"

    # -- encryption and tracing ------------------------------------------------------------------------------

    def provider_kmsKeyArn(self, value: Any, path: str) -> Any:
        if value is None or is_intrinsic(value):
            return value
        if not isinstance(value, str) or not KMS_ARN.match(value):
            self.report(path, f"must be a KMS key ARN (arn:aws:kms:...) or an intrinsic, got {value!r}")
            return None
        return value

    def read_kmsKeyArn(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        own = self.provider_kmsKeyArn(value, path)
        fields["kms_key_arn"] = self.inherit("kmsKeyArn", own, None)
        fields["paths"]["kmsKeyArn"] = path if own is not None else "provider.kmsKeyArn"

    def read_awsKmsKeyArn(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        if value is not None:
            self.provider_kmsKeyArn(value, path)
            self.warn(path, "has no effect: Serverless v3 accepts it and compiles nothing from it (kmsKeyArn encrypts the environment)")

    def tracing_mode(self, value: Any, path: str) -> Optional[str]:
        if value is None or value is False:
            return None
        if value is True:
            return "Active"
        if value not in TRACING_MODES:
            self.report(path, f"must be Active, PassThrough, true or false, got {value!r}")
            return None
        return value

    def provider_tracing(self, value: Any, path: str) -> Optional[str]:
        if isinstance(value, bool):  # Serverless reads `provider.tracing.lambda`, which a boolean does not have
            self.warn(path, "has no effect: Serverless v3 reads provider.tracing.lambda (write tracing: {lambda: true}); functions are not traced")
            return None
        settings = self.mapping(value, path)
        if settings is None:
            return None
        self.unknown_keys(settings, ("lambda", "apiGateway"), path)
        return self.tracing_mode(settings.get("lambda"), f"{path}.lambda")

    def read_tracing(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        # `functionObject.tracing || provider.tracing.lambda`: false here does not turn the provider's off
        fields["tracing"] = self.tracing_mode(value, path) or self.defaults["tracing"][0]

    # -- asynchronous invocation -------------------------------------------------------------------------------

    def read_onError(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        if value is None:
            return
        if not (is_intrinsic(value) or (isinstance(value, str) and SNS_ARN.match(value))):
            self.report(path, f"must be an SNS topic ARN (arn:aws:sns:...) or an intrinsic, got {value!r}")
            return
        fields["on_error"] = value
        fields["paths"]["onError"] = path

    def read_destinations(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        settings = self.mapping(value, path)
        if settings is None:
            return
        self.unknown_keys(settings, tuple(key for key, _ in DESTINATION_KEYS), path)
        found = []
        for key, name in DESTINATION_KEYS:
            if settings.get(key) is not None:
                where = f"{path}.{key}"
                destination = self.destination(settings[key], where)
                if destination is not None:
                    found.append((name, destination))
                    fields["paths"][f"destinations.{name}"] = where
        fields["destinations"] = tuple(found)

    def destination(self, value: Any, path: str) -> Optional[Destination]:
        if isinstance(value, str) and value:
            action = destination_action(value)
            if action is None:
                self.report(path, f"{value!r} is not a destination Lambda can send to (a function, an SQS queue, an SNS topic or an EventBridge bus)")
                return None
            return Destination(value, action, None if value.startswith("arn:") else value)
        settings = self.mapping(value, path)
        if settings is None:
            return None
        self.unknown_keys(settings, ("arn", "type"), path)
        kind, arn = settings.get("type"), settings.get("arn")
        if kind not in DESTINATION_ACTIONS:
            self.report(f"{path}.type", f"must be one of {', '.join(DESTINATION_ACTIONS)}, got {kind!r}")
            return None
        if not is_intrinsic(arn):
            self.report(f"{path}.arn", f"must be an intrinsic (Serverless's schema; write an ARN string as the destination itself), got {type_name(arn)}")
            return None
        return Destination(arn, DESTINATION_ACTIONS[kind])

    def read_maximumEventAge(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        fields["maximum_event_age"] = self.whole(value, path, 60, 21600)

    def read_maximumRetryAttempts(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        fields["maximum_retry_attempts"] = self.whole(value, path, 0, 2)

    # -- file system, runtime, URL, image ------------------------------------------------------------------------

    def read_fileSystemConfig(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        settings = self.mapping(value, path)
        if settings is None:
            return
        self.unknown_keys(settings, ("arn", "localMountPath"), path)
        arn, mount = settings.get("arn"), settings.get("localMountPath")
        ok = True
        if not (is_intrinsic(arn) or (isinstance(arn, str) and ACCESS_POINT_ARN.match(arn))):
            self.report(f"{path}.arn", f"must be an EFS access point ARN (arn:aws:elasticfilesystem:...:access-point/fsap-...) or an intrinsic, got {arn!r}")
            ok = False
        if not (isinstance(mount, str) and MOUNT_PATH.match(mount)):
            self.report(f"{path}.localMountPath", f"must be /mnt/ followed by a folder name, got {mount!r}")
            ok = False
        if ok:
            if fields.get("vpc") is None:
                self.keep(CREATE, path, "needs the function in a VPC (vpc here or in provider.vpc), as Serverless requires")
            fields["file_system"] = (arn, mount)
            fields["paths"]["fileSystemConfig"] = path

    def provider_runtimeManagement(self, value: Any, path: str) -> Optional[Dict[str, Any]]:
        if value is None:
            return None
        where = path if isinstance(value, str) else f"{path}.mode"
        settings = self.mapping({"mode": value} if isinstance(value, str) else value, path)
        if settings is None:
            return None
        self.unknown_keys(settings, ("mode", "arn"), path)
        if "mode" in settings and settings["mode"] not in RUNTIME_MODES:
            self.report(where, f"must be auto, onFunctionUpdate or manual, got {settings['mode']!r}")
            return None
        arn = settings.get("arn")
        if arn is not None and not is_intrinsic(arn) and not (isinstance(arn, str) and arn.startswith("arn:")):
            self.report(f"{path}.arn", f"must be a runtime version ARN (arn:...), got {arn!r}")
            return None
        return dict(settings)

    def read_runtimeManagement(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        own = self.provider_runtimeManagement(value, path) or {}
        merged = {"mode": "auto", **(self.defaults["runtimeManagement"][0] or {}), **own}
        if merged["mode"] == "auto" or "image" in config:  # Serverless sets it for zip functions only
            return
        if merged["mode"] == "manual" and merged.get("arn") is None:
            self.keep(CREATE, path if own else "provider.runtimeManagement", "mode manual needs the runtime version's arn")
            return
        fields["runtime_management"] = (RUNTIME_MODES[merged["mode"]], merged.get("arn") if merged["mode"] == "manual" else None)
        fields["paths"]["runtimeManagement"] = path if own else "provider.runtimeManagement"

    def read_url(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        if value is None or value is False:
            return
        if value is True:
            fields["url"] = FunctionUrl("NONE")
            return
        settings = self.mapping(value, path)
        if settings is None:
            return
        self.unknown_keys(settings, URL_KEYS, path)
        authorizer = settings.get("authorizer")
        if authorizer not in (None, "aws_iam"):
            self.report(f"{path}.authorizer", f"must be aws_iam (or left out for a public URL), got {authorizer!r}")
        mode = settings.get("invokeMode")
        if mode not in (None, "BUFFERED", "RESPONSE_STREAM"):
            self.report(f"{path}.invokeMode", f"must be BUFFERED or RESPONSE_STREAM, got {mode!r}")
        cors = self.cors(settings.get("cors"), f"{path}.cors")
        fields["url"] = FunctionUrl("AWS_IAM" if authorizer == "aws_iam" else "NONE", cors, "RESPONSE_STREAM" if mode == "RESPONSE_STREAM" else None)

    def cors(self, value: Any, path: str) -> Optional[Dict[str, Any]]:
        """CloudFormation's `Cors` as Serverless builds it: its defaults, changed by the given settings (a null
        removes a default), the lists deduplicated, and every key written (undefined ones drop out of JSON)."""
        if value is None or value is False:
            return None
        given = {} if value is True else self.mapping(value, path)
        if given is None:
            return None
        self.unknown_keys(given, CORS_KEYS, path)
        cors: Dict[str, Any] = {key: list(items) for key, items in DEFAULT_CORS.items()}
        for key in ("allowedOrigins", "allowedHeaders", "allowedMethods", "exposedResponseHeaders"):
            if key in given and given[key] is None:
                cors.pop(key, None)
            elif given.get(key) is not None:
                items = self.strings(given[key], f"{path}.{key}")
                cors[key] = list(dict.fromkeys(items))
        if self.boolean(given.get("allowCredentials"), f"{path}.allowCredentials"):
            cors["allowCredentials"] = True
        max_age = self.whole(given.get("maxAge"), f"{path}.maxAge", 0)
        names = (
            ("AllowCredentials", "allowCredentials"), ("AllowHeaders", "allowedHeaders"), ("AllowMethods", "allowedMethods"),
            ("AllowOrigins", "allowedOrigins"), ("ExposeHeaders", "exposedResponseHeaders"),
        )  # fmt: skip
        result = {name: cors[key] for name, key in names if key in cors}
        if max_age is not None:
            result["MaxAge"] = max_age
        return result

    def read_image(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        if value is None:
            return
        if "handler" in config:
            self.report(path, "and handler cannot both be set (a function runs a handler from its code archive, or a container image)")
            return
        if isinstance(value, str):  # an ECR URI, else (as Serverless reads it) the name of one of provider.ecr.images
            settings: Mapping[str, Any] = {"uri": value} if ECR_URI.match(value) else {"name": value}
        else:
            settings = self.mapping(value, path) or {}
        self.unknown_keys(settings, IMAGE_KEYS, path)
        if settings.get("name") is not None:
            self.keep(CREATE, path, "names an image of provider.ecr.images, which Serverless builds with Docker; wsapi builds no images: push it to ECR and give its uri")
            return
        uri = settings.get("uri")
        if not (isinstance(uri, str) and ECR_URI.match(uri)):  # Lambda runs images from ECR only
            self.keep(CREATE, f"{path}.uri", f"must be an ECR image URI (ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME@sha256:DIGEST or :TAG), got {uri!r}")
            return
        if "@sha256:" not in uri:
            self.warn(path, "names the image by tag: Lambda resolves it when the function is created or its settings change, so pushing a new image under the same tag does not update the function (Serverless pins the digest); give the digest (@sha256:...)")
        lists = {key: self.strings(settings.get(key), f"{path}.{key}") or None for key in ("command", "entryPoint")}
        directory = self.string(settings.get("workingDirectory"), f"{path}.workingDirectory")
        fields["image"] = ContainerImage(uri, lists["command"], lists["entryPoint"], directory)

    # -- template attributes ---------------------------------------------------------------------------------

    def read_condition(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        name = self.string(value, path)
        if name is not None and not CONDITION_NAME.fullmatch(name):
            self.report(path, f"{name!r} is not a condition name (letters and digits)")
            name = None
        fields["condition"] = name
        fields["paths"]["condition"] = path

    def read_dependsOn(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        if isinstance(value, str):  # Serverless's schema coerces a single id into a list of one
            value = [value]
        fields["depends_on"] = tuple(dict.fromkeys(self.strings(value, path)))
        fields["paths"]["dependsOn"] = path


def image_settings_tuple(image: ContainerImage) -> Tuple[Tuple[str, Any], ...]:
    """CloudFormation's `ImageConfig` items of an image, in Serverless's order."""
    items = (("Command", image.command), ("EntryPoint", image.entry_point), ("WorkingDirectory", image.working_directory))
    return tuple((name, list(value) if isinstance(value, tuple) else value) for name, value in items if value)
