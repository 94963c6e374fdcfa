"""The CloudFormation intrinsics of a function's `environment`, evaluated for `wsapi offline`.

On AWS, `CONNECTIONS_TABLE: !Ref ConnectionsTable` or `!Sub 'https://${WebsocketsApi}.execute-api...'` is
evaluated when the stack deploys. Offline evaluates them once at start, with the values that make sense
locally, so code written for AWS runs unchanged: the intrinsic becomes a plan value through wsapi's own
reading of intrinsics (`compile.references`), then a string here, in a scope where

- the pseudo parameters are the service's region, offline's account id (`events.ACCOUNT_ID`, the one of its
  ARNs), partition `aws`, URL suffix `amazonaws.com` and stack name `{service}-{stage}`;
- `WebsocketsApi` is offline's API id (`ApiEndpoint` its `wss://` endpoint on AWS), `WebsocketsDeploymentStage`
  the stage, `{Fn}LambdaFunction` the function as offline names it (`Arn`: its offline ARN);
- a resource of `resources:` is what its own properties say: `Ref` its primary identifier when given as a
  property (a table's `TableName`; `native_types`), an attribute or `Ref` with a fixed format built from
  them (`resource_values.json`: a table's ARN, a queue's URL);
- a template parameter is its `Default`, a condition its value when known without deploying.

A value that is one of the API's URLs on AWS then becomes the local one (`local_url`): the management endpoint
(`https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`) is offline's @connections API, so a handler that
posts to a connection with it works. What cannot be known locally is left unset, with one warning naming it.

A value exported in the environment of `wsapi offline` itself wins over an intrinsic (not over a literal
value, which the function's configuration fixes as on Lambda): an intrinsic names something deployed, and the
exported value is how a developer points it at a local stand-in without editing serverless.yml.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .. import naming
from ..compile.declared import evaluate_conditions
from ..compile.references import References, Scope
from ..intrinsics import SHORT_TAGS
from ..model import Function, Service
from ..native_types import NativeError, primary_identifier, ref_rule
from ..plan import (
    ACCOUNT_ID, NO_VALUE, PARTITION, REGION, STACK_NAME, URL_SUFFIX,
    Base64, External, FunctionArn, GetAtt, If, Join, Parameter, Pseudo, Ref, Select, Split, Sub,
)  # fmt: skip
from .events import ACCOUNT_ID as OFFLINE_ACCOUNT_ID
from .events import Api, function_arn

__all__ = ["Evaluated", "evaluate_environments", "environment_notes", "local_environment", "local_url"]

TAGS = {name: tag for tag, name in SHORT_TAGS.items()}  #: `Fn::Join` -> `!Join`
VALUES_FILE = Path(__file__).with_name("resource_values.json")
UNSET = object()  #: what `AWS::NoValue` evaluates to: the variable is left out, as CloudFormation leaves it out


class Unknown(Exception):
    """A value offline cannot know; `str()` says why."""


@lru_cache(maxsize=None)
def _types() -> Mapping[str, Mapping[str, Any]]:
    return json.loads(VALUES_FILE.read_text(encoding="utf-8"))["types"]


@dataclass(frozen=True)
class Evaluated:
    """One environment variable written as an intrinsic, evaluated for offline."""

    name: str
    path: str  #: where it was written (`provider.environment.X` or `functions.f.environment.X`)
    written: str  #: the intrinsic, short, for messages
    value: Optional[str]  #: None: unknown (`reason` says why) or `AWS::NoValue`
    reason: str = ""


class LocalValues:
    """Plan values evaluated in offline's scope (see the module's docstring)."""

    def __init__(self, service: Service, api: Api) -> None:
        declared = service.declared
        self.service = service
        self.api = api
        self.parameters = declared.parameters
        # `resources:` may override a function Serverless generates: that key stays the function offline runs
        functions = {name for key in service.functions for name in (naming.lambda_function(key), naming.function_log_group(key))}
        self.resources = {key: value for key, value in declared.resources.items() if key not in functions}
        keys = set(self.resources) | {naming.STAGE}
        if service.external_api_id is None:
            keys.add(naming.API)  # else `absent_generated` makes `Ref WebsocketsApi` the API id it is given
        scope = Scope(frozenset(keys), frozenset(declared.parameters), frozenset(declared.conditions), service, api.api_id)
        self.references = References(scope)
        self.conditions = evaluate_conditions(declared, service.region)
        self._resolving: set = set()

    def evaluated(self, name: str, path: str, raw: Any) -> Evaluated:
        try:
            value = self.value(self.references.convert(raw, path))
            if value is UNSET:
                return Evaluated(name, path, written(raw), None)
            if not isinstance(value, str):
                raise Unknown("it evaluates to a list, not a string")
            return Evaluated(name, path, written(raw), value)
        except Unknown as error:
            return Evaluated(name, path, written(raw), None, str(error))

    def value(self, value: Any) -> Any:
        """A plan value as a string (or a list, or UNSET); Unknown when it cannot be known here."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (str, int, float)):
            return str(value)
        if isinstance(value, Pseudo):
            return self.pseudo(value.name)
        if isinstance(value, Parameter):
            return self.parameter(value.name)
        if isinstance(value, Ref):
            return self.ref(value.key)
        if isinstance(value, GetAtt):
            return self.get_att(value.key, value.attribute)
        if isinstance(value, FunctionArn):
            return function_arn(self.api, value.deployed_name)
        if isinstance(value, Join):
            return value.separator.join(self.text(part) for part in value.parts)
        if isinstance(value, Sub):
            return "".join(self.text(piece) for piece in value.pieces())
        if isinstance(value, Select):
            return self.select(value)
        if isinstance(value, Split):
            return self.text(value.value).split(value.separator)
        if isinstance(value, If):
            known = self.conditions.get(value.condition)
            if known is None:
                raise Unknown(f"the condition {value.condition} depends on what is known only when deployed")
            return self.value(value.then if known else value.otherwise)
        if isinstance(value, Base64):
            return base64.b64encode(self.text(value.value).encode()).decode()
        if isinstance(value, External):
            raise Unknown(self.unknown_reason(value.value))
        if isinstance(value, (list, tuple)):
            return [self.value(item) for item in value]
        raise Unknown("it is not a string")

    def text(self, value: Any) -> str:
        found = self.value(value)
        if not isinstance(found, str):
            raise Unknown("a part of it is not a string")
        return found

    def select(self, value: Select) -> str:
        values, index = self.value(value.values), self.value(value.index)
        try:
            return self.text(values[int(index)]) if isinstance(values, list) else self.text(values)
        except (ValueError, IndexError):
            raise Unknown(f"Fn::Select index {index} is not an index of {values}") from None

    def pseudo(self, name: str) -> Any:
        known = {
            REGION: self.api.region, ACCOUNT_ID: OFFLINE_ACCOUNT_ID, PARTITION: "aws", URL_SUFFIX: "amazonaws.com",
            STACK_NAME: f"{self.service.name}-{self.service.stage}",
        }  # fmt: skip
        if name == NO_VALUE:
            return UNSET
        if name not in known:
            raise Unknown(f"{name} is known only when deployed")
        return known[name]

    def parameter(self, name: str) -> str:
        definition = self.parameters.get(name) or {}
        if "Default" not in definition:
            raise Unknown(f"the template parameter {name} has no Default")
        return self.text(definition["Default"])

    def ref(self, key: str) -> Any:
        if key in self.parameters:  # a `${Name}` of Fn::Sub
            return self.parameter(key)
        if key == naming.API:
            return self.api.api_id
        if key == naming.STAGE:
            return self.api.stage
        if key in self.references.absent:  # a function (its name) or its log group, or an external API's id
            return self.value(self.references.absent[key][0])
        if key in self.resources:
            return self.resource_ref(key)
        raise Unknown(self.unknown_reason({"Ref": key}))

    def get_att(self, key: str, attribute: str) -> str:
        if key == naming.API and attribute in ("ApiEndpoint", "ApiId"):
            host = f"{self.api.api_id}.execute-api.{self.api.region}.amazonaws.com"
            return f"wss://{host}" if attribute == "ApiEndpoint" else self.api.api_id
        if key in self.resources:
            cfn_type, _ = self.definition(key)
            template = _types().get(cfn_type, {}).get(attribute)
            if attribute != "defaults" and isinstance(template, str):
                return self.template(key, template)
            raise Unknown(f"{key}.{attribute} ({cfn_type}) is known only when deployed: wsapi knows no fixed format for it")
        raise Unknown(f"{key}.{attribute} is known only when deployed")

    # -- resources of `resources:` ----------------------------------------------------------------------

    def definition(self, key: str) -> Tuple[str, Mapping[str, Any]]:
        definition = self.resources[key]
        properties = definition.get("Properties")
        return str(definition.get("Type")), properties if isinstance(properties, Mapping) else {}

    def resource_ref(self, key: str) -> str:
        cfn_type, properties = self.definition(key)
        template = _types().get(cfn_type, {}).get("Ref")
        if isinstance(template, str):
            return self.template(key, template)
        try:
            rule = ref_rule(cfn_type)
            prop = rule.prop if rule.kind == "property" else primary_identifier(cfn_type)[0] if rule.kind == "identifier" else None
        except NativeError:
            prop = None
        if prop is None:
            raise Unknown(f"the Ref of {key} ({cfn_type}) is known only when deployed")
        if prop not in properties:
            raise Unknown(f"{key} ({cfn_type}) gives no {prop}, which AWS assigns when deployed")
        return self.property(key, prop, properties[prop])

    def property(self, key: str, name: str, raw: Any) -> str:
        marker = (key, name)
        if marker in self._resolving:
            raise Unknown(f"{key}.{name} refers to itself")
        self._resolving.add(marker)
        try:
            return self.text(self.references.convert(raw, f"resources.Resources.{key}.Properties.{name}"))
        finally:
            self._resolving.discard(marker)

    def template(self, key: str, template: str) -> str:
        """A `resource_values.json` template filled with the resource's properties."""
        cfn_type, properties = self.definition(key)
        defaults = _types().get(cfn_type, {}).get("defaults", {})
        variables: Dict[str, str] = {}
        for name in Sub(template).names():
            if name.startswith("AWS::") or name in variables:
                continue
            if name in properties:
                variables[name] = self.property(key, name, properties[name])
            elif name in defaults:
                variables[name] = defaults[name]
            else:
                raise Unknown(f"{key} ({cfn_type}) gives no {name}, which AWS assigns when deployed")
        return self.text(Sub(template, tuple(variables.items())))

    def unknown_reason(self, raw: Any) -> str:
        """Why an intrinsic wsapi reads as `External` cannot be known offline."""
        if not (isinstance(raw, Mapping) and len(raw) == 1):
            return "it is not a string"
        ((function, argument),) = raw.items()
        if function == "Fn::ImportValue":
            return "Fn::ImportValue reads another stack's export, which exists only when deployed"
        if function == "Ref":
            return f"{argument} is neither a resource of resources:, a template parameter, nor one offline knows"
        if function == "Fn::GetAtt":
            return f"{written(raw)[len('!GetAtt '):]} is not an attribute offline knows"
        if function == "Fn::Sub":
            template = argument[0] if isinstance(argument, list) and argument else argument
            if isinstance(template, str):
                for piece in Sub(template).pieces():
                    if isinstance(piece, (Ref, GetAtt)):
                        try:
                            self.value(piece)
                        except Unknown as error:
                            return str(error)
        if function == "Fn::If":
            return "its condition is not one of resources.Conditions"
        return f"{function} is not evaluated offline"


def written(raw: Any) -> str:
    """An intrinsic as a user recognises it: `!Ref X`, `!GetAtt A.B`, `!Sub '...'`, else short JSON."""
    if isinstance(raw, Mapping) and len(raw) == 1:
        ((function, argument),) = raw.items()
        if function == "Ref" and isinstance(argument, str):
            return f"!Ref {argument}"
        if function == "Fn::GetAtt":
            return "!GetAtt " + (".".join(map(str, argument)) if isinstance(argument, list) else str(argument))
        if function == "Fn::Sub" and isinstance(argument, str):
            return f"!Sub {argument!r}"
        tag = TAGS.get(function)
        if tag is not None:
            text = f"{tag} {json.dumps(argument, separators=(',', ':'), default=str)}"
            return text if len(text) <= 120 else text[:117] + "..."
    text = json.dumps(raw, separators=(",", ":"), default=str)
    return text if len(text) <= 120 else text[:117] + "..."


def evaluate_environments(service: Service, api: Api, functions: Mapping[str, Function]) -> Dict[str, Dict[str, Evaluated]]:
    """Function key -> its variables written as intrinsics, evaluated (a provider variable once for all)."""
    local = LocalValues(service, api)
    done: Dict[Tuple[str, str], Evaluated] = {}
    found: Dict[str, Dict[str, Evaluated]] = {}
    for key, function in functions.items():
        for name, raw in function.environment.items():
            if isinstance(raw, str):
                continue
            path = function.paths.get(f"environment.{name}", f"functions.{key}.environment.{name}")
            if (path, name) not in done:
                done[(path, name)] = local.evaluated(name, path, raw)
            found.setdefault(key, {})[name] = done[(path, name)]
    return found


def local_url(value: str, api: Api, endpoint: str) -> Optional[Tuple[str, str]]:
    """(the local URL, what it is) for a URL of the API on AWS, else None. `endpoint` is offline's management
    endpoint (`http://host:port/{stage}`). The management endpoint, `https://{apiId}.execute-api.{region}.
    amazonaws.com/{stage}` (or without its scheme, as the AWS SDK for JavaScript v2 takes it), becomes
    `endpoint`; the WebSocket URL `wss://{host}/{stage}` and `ApiEndpoint` `wss://{host}` their `ws://` twins."""
    host = f"{api.api_id}.execute-api.{api.region}.amazonaws.com"
    trailing = "/" if value.endswith("/") else ""
    bare = value[: -len(trailing)] if trailing else value
    if bare in (f"https://{host}/{api.stage}", f"{host}/{api.stage}"):
        return endpoint + trailing, "the API's management endpoint"
    origin = endpoint[: -len(f"/{api.stage}")] if endpoint.endswith(f"/{api.stage}") else endpoint
    websocket = "ws://" + origin.split("://", 1)[-1]
    if bare == f"wss://{host}/{api.stage}":
        return f"{websocket}/{api.stage}{trailing}", "the API's WebSocket URL"
    if bare == f"wss://{host}":
        return websocket + trailing, "the API's endpoint"
    return None


def local_environment(
    evaluated: Mapping[str, Evaluated], api: Api, endpoint: str, given: Mapping[str, str]
) -> Dict[str, str]:  # fmt: skip
    """The variables to set for a function's intrinsics: a value in `given` (wsapi offline's own environment)
    wins; an unknown one is left out."""
    found: Dict[str, str] = {}
    for name, item in evaluated.items():
        if name in given:
            found[name] = given[name]
        elif item.value is not None:
            mapped = local_url(item.value, api, endpoint)
            found[name] = item.value if mapped is None else mapped[0]
    return found


def environment_notes(
    environments: Mapping[str, Mapping[str, Evaluated]], api: Api, endpoint: str, given: Mapping[str, str]
) -> List[Tuple[str, str]]:  # fmt: skip
    """What the start-up log says of the intrinsics, once per variable: ("warning" | "info", message)."""
    notes: Dict[str, Tuple[str, str]] = {}
    for evaluated in environments.values():
        for name, item in evaluated.items():
            if item.path in notes or (item.value is None and not item.reason):
                continue  # told already, or AWS::NoValue: unset as on AWS
            if name in given:
                was = f"offline it would be {item.value}" if item.value is not None else item.reason
                notes[item.path] = ("info", f"{item.path}: {name} is taken from wsapi offline's environment, over {item.written} ({was})")
            elif item.value is None:
                notes[item.path] = ("warning", (
                    f"{item.path}: {item.written} cannot be known offline ({item.reason}), so {name} is left unset; "
                    f"give it a local value by exporting {name} when starting wsapi offline (it wins over an intrinsic), "
                    f"or in serverless.yml with a stage param or an env fallback (`${{param:...}}`, `${{env:{name}, ...}}`)"
                ))  # fmt: skip
            else:
                mapped = local_url(item.value, api, endpoint)
                if mapped is not None:
                    notes[item.path] = ("info", f"{item.path}: {item.written} is {mapped[1]} on AWS ({item.value}); offline it is {mapped[0]}")
    return list(notes.values())
