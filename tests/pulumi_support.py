"""Shared helpers for the Pulumi component tests and benchmark: a mock recorder, a fresh-mocks fixture, a way
to run a Pulumi program to completion, and an evaluator for CloudFormation intrinsics.

Every test gets its own `Recorder` (`fresh_mocks()` / the `pulumi_mocks` fixture): `pulumi.runtime.set_mocks`
is process-global, so the fixture installs new mocks and a new root stack before the test, and drains every
outstanding RPC after it, so nothing a test started can register into the next test's recorder.

The recorder sees what the engine would see: type, name, parent URN, wire-name inputs (`routeKey`,
`identitySources`), dependencies, `retain_on_delete`; it answers the invokes the component uses (caller
identity, region, partition, CloudFormation exports, and a custom domain's ACM certificate and Route 53 zone
from a small catalog) with fixed, recognisable values. As the engine does (and the SDK's mock monitor does
not), it applies the `transforms` of a resource and of its parents to the properties it registers.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import runpy
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Optional, Sequence

import pulumi
from pulumi.runtime import mocks as _mocks
from pulumi.runtime import settings as _settings
from pulumi.runtime.stack import wait_for_rpcs
from pulumi.runtime.sync_await import _sync_await

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p for p in GOLDEN.iterdir() if (p / "expected.json").exists())

ACCOUNT = "123456789012"
#: The stack's `aws:region` as the mocked `getRegion` reports it; deliberately not us-east-1 (Serverless's
#: default), so a test sees which of the two a resource landed in.
STACK_REGION = "ap-southeast-2"
PARTITION = "aws"
DNS_SUFFIX = "amazonaws.com"
PROJECT = "wsapi-tests"
STACK = "test"

COMPONENT_TYPE = "wsapi:index:WebSocketApi"

#: pulumi-aws type tokens by CloudFormation type (written out here, not imported from wsapi, so a test
#: notices when the component's choice changes).
PULUMI_TYPE = {
    "AWS::ApiGatewayV2::Api": "aws:apigatewayv2/api:Api",
    "AWS::ApiGatewayV2::Integration": "aws:apigatewayv2/integration:Integration",
    "AWS::ApiGatewayV2::RouteResponse": "aws:apigatewayv2/routeResponse:RouteResponse",
    "AWS::ApiGatewayV2::Authorizer": "aws:apigatewayv2/authorizer:Authorizer",
    "AWS::ApiGatewayV2::Route": "aws:apigatewayv2/route:Route",
    "AWS::ApiGatewayV2::Stage": "aws:apigatewayv2/stage:Stage",
    "AWS::ApiGatewayV2::Deployment": "aws:apigatewayv2/deployment:Deployment",
    "AWS::Lambda::Permission": "aws:lambda/permission:Permission",
    "AWS::Logs::LogGroup": "aws:cloudwatch/logGroup:LogGroup",
    "AWS::IAM::Role": "aws:iam/role:Role",
    "AWS::ApiGateway::Account": "aws:apigateway/account:Account",
    "AWS::Lambda::Function": "aws:lambda/function:Function",
    "AWS::Lambda::Alias": "aws:lambda/alias:Alias",
    "AWS::ApiGatewayV2::DomainName": "aws:apigatewayv2/domainName:DomainName",
    "AWS::ApiGatewayV2::ApiMapping": "aws:apigatewayv2/apiMapping:ApiMapping",
    "AWS::Route53::RecordSet": "aws:route53/record:Record",
    "AWS::Lambda::EventInvokeConfig": "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
    "AWS::Lambda::Url": "aws:lambda/functionUrl:FunctionUrl",
    "AWS::Lambda::LayerVersion": "aws:lambda/layerVersion:LayerVersion",
}
#: CloudFormation types Pulumi has no resource for: a version is what its function publishes (`publish`).
FOLDED_TYPES = {"AWS::Lambda::Version"}
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
PROVISIONED_CONCURRENCY = "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
LOG_DATA_PROTECTION_POLICY = "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy"
STAGE_POINTER = "pulumi-python:dynamic:Resource"
ROUTE53_RECORD = "aws:route53/record:Record"
RUNTIME_MANAGEMENT = "aws:lambda/runtimeManagementConfig:RuntimeManagementConfig"
#: Resources that are not regional (no per-resource `region` input in pulumi-aws 7).
GLOBAL_TYPES = {"aws:iam/role:Role", ROLE_POLICY_ATTACHMENT, ROLE_POLICY, ROUTE53_RECORD}

#: The certificates the mocked ACM holds, by domain name (their ARN: `...:certificate/{id}` in the region
#: asked), and the Route 53 zones, by (name, private).
CERTIFICATES = {"*.example.com": "wildcard-example-com", "chat.example.org": "chat-example-org"}
ZONES = {("example.com", False): "Z0EXAMPLEPUBLIC", ("example.com", True): "Z0EXAMPLEPRIVATE", ("example.org", False): "Z0EXAMPLEORG"}
#: The hosted zone of API Gateway's regional domain targets, as the mocked DomainName reports it.
APIGATEWAY_ZONE = "Z0APIGATEWAYREGIONAL"


def certificate_arn(region: str, certificate: str, account: str = ACCOUNT) -> str:
    return f"arn:{PARTITION}:acm:{region}:{account}:certificate/{certificate}"


# -- the corpus ------------------------------------------------------------------------------------------


def case_settings(case: Path) -> dict[str, Any]:
    """stage/region/params/options of a corpus case, as keyword arguments of load_service/WebSocketApi
    (its environment is set for the process by `case_environment`)."""
    from golden_support import case_settings as corpus_settings

    settings = corpus_settings(case)
    del settings["env"]
    return settings


@contextlib.contextmanager
def environment(env: Mapping[str, Optional[str]]) -> Iterator[None]:
    """os.environ with `env` applied (a None value: make sure the variable is NOT set), restored after. The
    component reads `${env:...}` from the process environment, as a Pulumi program does."""
    saved = {key: os.environ.get(key) for key in env}
    try:
        for key, value in env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def case_environment(case: Path) -> "contextlib.AbstractContextManager[None]":
    """os.environ as the case's `env` says, restored after."""
    return environment(json.loads((case / "case.json").read_text()).get("env") or {})


def load_case(case: Path):
    """The `Service` of a corpus case (what the component loads from the same files)."""
    from wsapi import load_service

    with case_environment(case):
        return load_service(case, **case_settings(case))


# -- mocks -----------------------------------------------------------------------------------------------


@dataclass
class Registered:
    """One resource as the engine saw it."""

    urn: str
    type: str
    name: str
    parent: str  #: parent URN ("" for none)
    inputs: dict  #: wire names, values resolved
    id: str
    state: dict  #: the outputs the mock gave it
    dependencies: tuple = ()  #: URNs from depends_on and from inputs
    custom: bool = True
    provider: str = ""  #: the explicit provider reference (`urn::id`), "" for the default provider
    retain_on_delete: bool = False
    import_id: str = ""  #: `import_`: the id of the existing resource Pulumi adopts ("" for none)
    ignore_changes: tuple = ()  #: `ignore_changes`, as sent to the engine

    @property
    def region(self) -> Optional[str]:
        return self.inputs.get("region")


@dataclass
class Call:
    token: str
    args: dict


class Recorder(_mocks.Mocks):
    """Records every registration and invoke, and answers them with deterministic values."""

    def __init__(
        self, *, region: str = STACK_REGION, account: str = ACCOUNT, exports: Optional[Mapping[str, str]] = None,
        certificates: Optional[Mapping[str, str]] = None, zones: Optional[Mapping[tuple, str]] = None,
    ) -> None:
        self.stack_region = region
        self.account = account
        self.exports = dict(exports or {})
        self.certificates = dict(CERTIFICATES if certificates is None else certificates)
        self.zones = dict(ZONES if zones is None else zones)
        self.resources: list[Registered] = []
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._current = threading.local()

    # What the mock gives each resource type beyond its inputs (what AWS would compute).
    def outputs(self, type_: str, name: str, id_: str, inputs: dict) -> dict:
        region = inputs.get("region") or self.stack_region
        state = dict(inputs)
        if type_ not in GLOBAL_TYPES:
            state["region"] = region
        if type_ == "aws:apigatewayv2/api:Api":
            state["apiEndpoint"] = f"wss://{id_}.execute-api.{region}.{DNS_SUFFIX}"
            state["executionArn"] = f"arn:{PARTITION}:execute-api:{region}:{self.account}:{id_}"
            state["arn"] = f"arn:{PARTITION}:apigateway:{region}::/apis/{id_}"
        elif type_ == "aws:iam/role:Role":
            state.setdefault("name", f"{name}-0a1b2c3")  # the engine's auto-name
            state["arn"] = f"arn:{PARTITION}:iam::{self.account}:role/{state['name']}"
        elif type_ == "aws:cloudwatch/logGroup:LogGroup":
            state.setdefault("name", f"{name}-0a1b2c3")
            state["arn"] = f"arn:{PARTITION}:logs:{region}:{self.account}:log-group:{state['name']}"
        elif type_ == "aws:lambda/function:Function":
            state.setdefault("name", f"{name}-0a1b2c3")
            state["arn"] = f"arn:{PARTITION}:lambda:{region}:{self.account}:function:{state['name']}"
            state["version"] = "1" if inputs.get("publish") else "$LATEST"  # the version it published
            state["qualifiedArn"] = f"{state['arn']}:{state['version']}"
        elif type_ == "aws:lambda/layerVersion:LayerVersion":
            state["layerArn"] = f"arn:{PARTITION}:lambda:{region}:{self.account}:layer:{inputs.get('layerName')}"
            state["version"] = "1"
            state["arn"] = f"{state['layerArn']}:1"
        elif type_ == "aws:lambda/alias:Alias":
            function = inputs.get("functionName", "")
            base = function if function.startswith("arn:") else f"arn:{PARTITION}:lambda:{region}:{self.account}:function:{function}"
            state["arn"] = f"{base}:{inputs.get('name')}"
        elif type_ == "aws:apigatewayv2/stage:Stage":
            state["invokeUrl"] = f"wss://{inputs.get('apiId')}.execute-api.{region}.{DNS_SUFFIX}/{inputs.get('name')}"
        elif type_ == "aws:apigatewayv2/domainName:DomainName":
            state["domainNameConfiguration"] = {
                **inputs.get("domainNameConfiguration", {}),
                "targetDomainName": f"d-{name}.execute-api.{region}.{DNS_SUFFIX}",
                "hostedZoneId": APIGATEWAY_ZONE,
            }
            state["arn"] = f"arn:{PARTITION}:apigateway:{region}::/domainnames/{inputs.get('domainName')}"
        elif type_ == ROUTE53_RECORD:
            state["fqdn"] = inputs.get("name")
        elif type_ == "aws:lambda/functionUrl:FunctionUrl":
            function = inputs.get("functionName", "")
            state["functionArn"] = function if function.startswith("arn:") else f"arn:{PARTITION}:lambda:{region}:{self.account}:function:{function}"
            state["functionUrl"] = f"https://{name}.lambda-url.{region}.on.aws/"
            state["urlId"] = name
        return state

    def new_resource(self, args: _mocks.MockResourceArgs):
        id_ = f"{args.name}-id"
        state = self.outputs(args.typ, args.name, id_, args.inputs)
        self.record(args, id_, state)
        return id_, state

    def record(self, args: _mocks.MockResourceArgs, id_: str, state: dict) -> None:
        urn, parent, dependencies, provider, retain, import_id, ignore = getattr(
            self._current, "request", ("", "", (), "", False, "", ())
        )
        with self._lock:
            self.resources.append(
                Registered(
                    urn, args.typ, args.name, parent, dict(args.inputs), id_, state, dependencies, bool(args.custom),
                    provider, retain, import_id, ignore,
                )
            )

    def call(self, args: _mocks.MockCallArgs):
        with self._lock:
            self.calls.append(Call(args.token, dict(args.args)))
        region = args.args.get("region") or self.stack_region
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": self.account,
                "arn": f"arn:{PARTITION}:iam::{self.account}:user/tester",
                "userId": "AIDATESTER",
                "id": self.account,
            }
        if args.token == "aws:index/getRegion:getRegion":
            return {
                "region": region,
                "name": region,
                "id": region,
                "endpoint": f"ec2.{region}.{DNS_SUFFIX}",
                "description": region,
            }
        if args.token == "aws:index/getPartition:getPartition":
            return {
                "partition": PARTITION,
                "dnsSuffix": DNS_SUFFIX,
                "reverseDnsPrefix": "com.amazonaws",
                "id": PARTITION,
            }
        if args.token == "aws:cloudformation/getExport:getExport":
            name = args.args["name"]
            return {"name": name, "value": self.export_value(name, region), "id": name, "region": region}
        if args.token == "aws:acm/getCertificate:getCertificate":
            domain = args.args["domain"]
            if domain not in self.certificates or args.args.get("statuses", ["ISSUED"]) != ["ISSUED"]:
                return {}, [("domain", f"no ACM Certificate matching domain ({domain})")]
            arn = certificate_arn(region, self.certificates[domain], self.account)
            return {"arn": arn, "domain": domain, "id": arn, "status": "ISSUED", "region": region}
        if args.token == "aws:route53/getZone:getZone":
            key = (args.args["name"], bool(args.args.get("privateZone")))
            if key not in self.zones:
                return {}, [("name", "no matching Route 53 Hosted Zone found")]
            return {"zoneId": self.zones[key], "id": self.zones[key], "name": key[0], "privateZone": key[1]}
        raise AssertionError(f"unexpected invoke {args.token} {args.args}")

    def lookup_answer(self, lookup: Any, region: str) -> str:
        """What the component must find for a custom domain's `plan.Lookup` in this catalog, by the rules the
        README states (restated here, not taken from wsapi): a certificate named `lookup.name`, else one for
        the domain, else a wildcard for its parent; the zone of the longest name ending the domain, public
        before private when either will do."""
        labels = lookup.domain.split(".")
        if lookup.kind == "certificate":
            names = [lookup.name] if lookup.name else [lookup.domain, "*." + ".".join(labels[1:])]
            found = [self.certificates[n] for n in names if n in self.certificates]
            assert found, f"the mocked ACM has no certificate for {lookup}"
            return certificate_arn(region, found[0], self.account)
        kinds = [False, True] if lookup.private is None else [lookup.private]
        zones = [self.zones[(".".join(labels[i:]), k)] for i in range(len(labels) - 1) for k in kinds if (".".join(labels[i:]), k) in self.zones]
        assert zones, f"the mocked Route 53 has no zone for {lookup}"
        return zones[0]

    def export_value(self, name: str, region: str) -> str:
        """A stack export's value; region-qualified so a test sees which region it was read from."""
        return self.exports.get(name, f"{name}@{region}")

    # -- queries -------------------------------------------------------------------------------------------

    def custom(self) -> list[Registered]:
        return [r for r in self.resources if r.custom]

    def of_type(self, type_: str) -> list[Registered]:
        return [r for r in self.resources if r.type == type_]

    def named(self, name: str) -> Registered:
        found = [r for r in self.resources if r.name == name]
        assert len(found) == 1, f"{len(found)} resources named {name!r}: {[r.urn for r in found]}"
        return found[0]

    def by_urn(self) -> dict[str, Registered]:
        return {r.urn: r for r in self.resources}

    def invokes(self, token: str) -> list[Call]:
        return [c for c in self.calls if c.token == token]


class RecordingMonitor(_mocks.MockMonitor):
    """The SDK's mock monitor, telling the recorder each registration's URN, parent and dependencies (which
    `MockResourceArgs` does not carry). The recorder's `new_resource` runs on the same thread."""

    def __init__(self, recorder: Recorder) -> None:
        super().__init__(recorder)
        self.recorder = recorder
        self.transforms: dict[str, list] = {}  #: URN -> its `transforms`
        self.parents: dict[str, str] = {}  #: URN -> parent URN

    def RegisterResource(self, request):
        urn = self.make_urn(request.parent, request.type, request.name)
        dependencies = tuple(request.dependencies)
        self.transforms[urn] = _mocks._resolve_callbacks(request.transforms)
        self.parents[urn] = request.parent
        chain = []  # the engine's order: the resource's own transforms, then its parent's, up to the stack
        at = urn
        while at:
            chain.extend(self.transforms.get(at, ()))
            at = self.parents.get(at, "")
        if chain:
            request = self.transformed(request, chain)
        self.recorder._current.request = (
            urn, request.parent, dependencies, request.provider, request.retainOnDelete, request.importId,
            tuple(request.ignoreChanges),
        )  # fmt: skip
        try:
            return super().RegisterResource(request)
        finally:
            self.recorder._current.request = ("", "", (), "", False, "", ())

    def transformed(self, request, chain):
        """The request with its properties as the transforms leave them (their options are not applied)."""
        from pulumi.runtime import rpc

        props = rpc.deserialize_properties(request.object)
        for transform in chain:
            args = pulumi.ResourceTransformArgs(request.custom, request.type, request.name, props, pulumi.ResourceOptions())
            result = transform(args)
            if hasattr(result, "__await__"):
                result = _sync_await(result)
            if result is not None:
                props = result.props
        changed = type(request)()
        changed.CopyFrom(request)
        changed.object.Clear()
        changed.object.MergeFrom(_sync_await(rpc.serialize_properties(props, {})))
        return changed


def drain() -> None:
    """Finish every RPC and output the runtime still holds (a failed test may leave some), so none reaches
    the next test's mocks."""
    try:
        _sync_await(wait_for_rpcs())
    except Exception:  # noqa: BLE001 - the failing test already reported it
        pass
    _settings.SETTINGS.rpc_manager.clear()
    _settings.SETTINGS.outputs.clear()


def fresh_mocks(*, preview: bool = False, recorder_type: type = None, **recorder_args: Any) -> Recorder:
    """Install a new recorder (a `recorder_type`, default `Recorder`) as the process's mocks, with a new root
    stack."""
    drain()
    recorder = (recorder_type or Recorder)(**recorder_args)
    _settings.ROOT.set(None)
    pulumi.runtime.set_mocks(
        recorder, project=PROJECT, stack=STACK, preview=preview, monitor=RecordingMonitor(recorder)
    )
    return recorder


def isolated_mocks() -> Iterator[Recorder]:
    """Body of each test module's `pulumi_mocks` fixture: a recorder of the test's own, and nothing left
    running afterwards."""
    recorder = fresh_mocks()
    yield recorder
    drain()


def run_program(program: Callable[[], Any]) -> Any:
    """Run `program` as a Pulumi program under the current mocks and wait until every resource it
    registered and every Output it made has settled. Returns the program's result with Outputs resolved
    (a mapping or list of Outputs is resolved item by item)."""
    resolved: dict[str, Any] = {}

    @pulumi.runtime.test
    def body() -> pulumi.Output:
        result = program()
        # Returned, so the test wrapper awaits it (an assertion in an apply that is not returned never runs).
        return pulumi.Output.from_input(result).apply(lambda value: resolved.setdefault("value", value))

    body()
    assert "value" in resolved, "the program's result never resolved"
    return resolved["value"]


SHIPPED_PROGRAM = Path(__file__).resolve().parent.parent / "__main__.py"


def run_shipped_program(stack: Mapping[str, Any], secret_keys: Sequence[str] = (), result: Callable[[], Any] = lambda: None) -> Any:
    """Run the repository's Pulumi program (`__main__.py`) under the current mocks with `stack` as its stack
    configuration (values that are not strings JSON-encoded, as `pulumi config` keeps them; `secret_keys` set
    as secrets), then clear it. Returns `result()` resolved, for what the program handed out (e.g. through a
    patched `pulumi.export`)."""
    values = {key: value if isinstance(value, str) else json.dumps(value) for key, value in stack.items()}
    pulumi.runtime.set_all_config(values, list(secret_keys))
    try:
        return run_program(lambda: runpy.run_path(str(SHIPPED_PROGRAM)) and result())
    finally:
        pulumi.runtime.set_all_config({}, [])


def component_outputs(api: Any) -> dict[str, pulumi.Output]:
    return {
        "api_id": api.api_id,
        "api_endpoint": api.api_endpoint,
        "url": api.url,
        "management_endpoint": api.management_endpoint,
        "stage_name": api.stage_name,
        "execution_arn": api.execution_arn,
        "route_ids": api.route_ids,
        "outputs": api.outputs,
    }


@dataclass
class Rendered:
    """A component rendered under fresh mocks: what was registered and its outputs, resolved."""

    name: str
    recorder: Recorder
    outputs: dict
    component: Any = field(repr=False, default=None)

    @property
    def component_urn(self) -> str:
        """(The SDK's mock monitor puts the root stack's type in its children's URNs; the engine does not.)"""
        (urn,) = [r.urn for r in self.recorder.resources if r.type == COMPONENT_TYPE and r.name == self.name]
        return urn

    def children(self) -> list[Registered]:
        return [r for r in self.recorder.resources if r.parent == self.component_urn]

    def urns(self) -> set[str]:
        return {r.urn for r in self.recorder.resources}


def render(
    name: str = "chat", *args: Any, recorder: Optional[Recorder] = None,
    outputs: Callable[[Any], dict] = component_outputs, **kwargs: Any,
) -> Rendered:
    """`WebSocketApi(name, *args, **kwargs)` under `recorder` (default: new mocks), run to completion, with the
    `outputs` of it resolved (default: `component_outputs`)."""
    from wsapi import WebSocketApi

    recorder = recorder if recorder is not None else fresh_mocks()
    holder: dict[str, Any] = {}

    def program() -> Any:
        holder["api"] = WebSocketApi(name, *args, **kwargs)
        return outputs(holder["api"])

    outputs = run_program(program)
    return Rendered(name, recorder, outputs, holder["api"])


def render_case(case: Path, name: str = "chat", recorder: Optional[Recorder] = None, **kwargs: Any) -> Rendered:
    """The component for a corpus case, configured as its case.json says."""
    with case_environment(case):
        return render(name, recorder=recorder, config=case / "serverless.yml", **{**case_settings(case), **kwargs})


# -- CloudFormation intrinsics ---------------------------------------------------------------------------

SUB_NAME = re.compile(r"\$\{([^}]+)\}")


class Intrinsics:
    """Evaluates a CloudFormation value to a concrete one: `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`,
    `Fn::ImportValue` and pseudo parameters, with the values given (from the mocked resources and invokes)."""

    def __init__(
        self,
        *,
        refs: Mapping[str, Any],
        attributes: Mapping[tuple[str, str], Any],
        region: str,
        account: str = ACCOUNT,
        partition: str = PARTITION,
        url_suffix: str = DNS_SUFFIX,
        import_value: Callable[[str], Any],
        conditions: Optional[Mapping[str, Any]] = None,
    ) -> None:
        self.conditions = dict(conditions or {})  #: the template's Conditions, evaluated on demand
        self.refs = refs
        self.attributes = attributes
        self.pseudo = {
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::Partition": partition,
            "AWS::URLSuffix": url_suffix,
        }
        self.import_value = import_value

    def ref(self, name: str) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        if name not in self.refs:
            raise KeyError(f"Ref to {name!r}, which has no value here")
        return self.refs[name]

    def get_att(self, key: str, attribute: str) -> Any:
        if (key, attribute) not in self.attributes:
            raise KeyError(f"Fn::GetAtt {key}.{attribute}, which has no value here")
        return self.attributes[(key, attribute)]

    def condition(self, name: str) -> bool:
        """A condition of the template: Fn::Equals/And/Or/Not over values this evaluator knows."""

        def truth(value: Any) -> bool:
            ((function, argument),) = value.items()
            if function == "Condition":
                return self.condition(argument)
            if function == "Fn::Equals":
                left, right = (self(item) for item in argument)
                return str(left) == str(right)
            if function == "Fn::And":
                return all(truth(item) for item in argument)
            if function == "Fn::Or":
                return any(truth(item) for item in argument)
            if function == "Fn::Not":
                return not truth(argument[0])
            raise NotImplementedError(f"condition function {function}")

        return truth(self.conditions[name])

    def sub(self, template: str, variables: Mapping[str, Any]) -> str:
        def replace(match: re.Match) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(self(variables[name]))
            if "." in name and not name.startswith("AWS::"):
                key, attribute = name.split(".", 1)
                return str(self.get_att(key, attribute))
            return str(self.ref(name))

        return SUB_NAME.sub(replace, template)

    def __call__(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            if len(value) == 1:
                ((function, argument),) = value.items()
                if function == "Ref":
                    return self.ref(argument)
                if function == "Fn::GetAtt":
                    key, attribute = argument.split(".", 1) if isinstance(argument, str) else argument
                    return self.get_att(key, attribute)
                if function == "Fn::Join":
                    separator, parts = argument
                    return separator.join(str(self(part)) for part in parts)
                if function == "Fn::Sub":
                    if isinstance(argument, str):
                        return self.sub(argument, {})
                    template, variables = argument
                    return self.sub(template, variables)
                if function == "Fn::ImportValue":
                    return self.import_value(self(argument))
                if function == "Fn::If":
                    condition, then, otherwise = argument
                    return self(then) if self.condition(condition) else self(otherwise)
                if function.startswith("Fn::") or function == "Condition":
                    raise NotImplementedError(f"intrinsic {function} is not evaluated here")
            return {key: self(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self(item) for item in value]
        return value


# -- CloudFormation property <-> Pulumi input -------------------------------------------------------------


def as_json(text: str) -> Any:
    return json.loads(text)


def tag_list(tags: Mapping[str, str]) -> list:
    """Pulumi's tag mapping as CloudFormation's `[{Key, Value}]` (wsapi writes them sorted by key)."""
    return [{"Key": key, "Value": tags[key]} for key in sorted(tags)]


#: CloudFormation property -> Pulumi input wire name, per CloudFormation type. A tuple gives a nested
#: mapping (`{Cfn: wire}` for the object's own properties) or a conversion of the Pulumi value.
WIRE: dict[str, dict[str, Any]] = {
    "AWS::ApiGatewayV2::Api": {
        "Name": "name",
        "RouteSelectionExpression": "routeSelectionExpression",
        "Description": "description",
        "ProtocolType": "protocolType",
        "Tags": "tags",
    },
    "AWS::ApiGatewayV2::Integration": {
        "ApiId": "apiId",
        "IntegrationType": "integrationType",
        "IntegrationUri": "integrationUri",
        "TimeoutInMillis": "timeoutMilliseconds",
    },
    "AWS::ApiGatewayV2::RouteResponse": {
        "ApiId": "apiId",
        "RouteId": "routeId",
        "RouteResponseKey": "routeResponseKey",
    },
    "AWS::ApiGatewayV2::Authorizer": {
        "ApiId": "apiId",
        "Name": "name",
        "AuthorizerType": "authorizerType",
        "AuthorizerUri": "authorizerUri",
        "IdentitySource": "identitySources",
    },
    "AWS::ApiGatewayV2::Route": {
        "ApiId": "apiId",
        "RouteKey": "routeKey",
        "AuthorizationType": "authorizationType",
        "Target": "target",
        "RouteResponseSelectionExpression": "routeResponseSelectionExpression",
        "AuthorizerId": "authorizerId",
        "OperationName": "operationName",
    },
    "AWS::ApiGatewayV2::Stage": {
        "ApiId": "apiId",
        "StageName": "name",
        "Description": "description",
        "DeploymentId": "deploymentId",
        "DefaultRouteSettings": (
            "defaultRouteSettings",
            {
                "DataTraceEnabled": "dataTraceEnabled", "LoggingLevel": "loggingLevel",
                "ThrottlingBurstLimit": "throttlingBurstLimit", "ThrottlingRateLimit": "throttlingRateLimit",
            },
        ),
        # CloudFormation's map of route key -> settings is Pulumi's list of settings with their routeKey
        "RouteSettings": ("routeSettings", lambda settings: {
            item["routeKey"]: {
                {"throttlingBurstLimit": "ThrottlingBurstLimit", "throttlingRateLimit": "ThrottlingRateLimit",
                 "dataTraceEnabled": "DataTraceEnabled", "loggingLevel": "LoggingLevel",
                 "detailedMetricsEnabled": "DetailedMetricsEnabled"}[key]: value
                for key, value in item.items() if key != "routeKey"
            }
            for item in settings
        }),
        "AccessLogSettings": ("accessLogSettings", {"DestinationArn": "destinationArn", "Format": "format"}),
    },
    "AWS::ApiGatewayV2::Deployment": {"ApiId": "apiId", "Description": "description"},
    "AWS::Lambda::Permission": {
        "FunctionName": "function",
        "Action": "action",
        "Principal": "principal",
        "SourceArn": "sourceArn",
        "SourceAccount": "sourceAccount",
        "FunctionUrlAuthType": "functionUrlAuthType",
    },
    "AWS::Logs::LogGroup": {"LogGroupName": "name", "RetentionInDays": "retentionInDays", "KmsKeyId": "kmsKeyId"},
    "AWS::IAM::Role": {
        "AssumeRolePolicyDocument": ("assumeRolePolicy", as_json),
        "RoleName": "name",
        "Path": "path",
        "PermissionsBoundary": "permissionsBoundary",
        "Tags": ("tags", tag_list),
    },
    "AWS::ApiGateway::Account": {"CloudWatchRoleArn": "cloudwatchRoleArn"},
    "AWS::Lambda::Function": {
        "FunctionName": "name",
        "Handler": "handler",
        "Runtime": "runtime",
        "MemorySize": "memorySize",
        "Timeout": "timeout",
        "Role": "role",
        "Description": "description",
        "Environment": ("environment", {"Variables": "variables"}),
        "Architectures": "architectures",
        "Layers": "layers",
        "Tags": ("tags", tag_list),
        "SnapStart": ("snapStart", {"ApplyOn": "applyOn"}),
        "ReservedConcurrentExecutions": "reservedConcurrentExecutions",
        "EphemeralStorage": ("ephemeralStorage", {"Size": "size"}),
        "VpcConfig": ("vpcConfig", {"SecurityGroupIds": "securityGroupIds", "SubnetIds": "subnetIds"}),
        "KmsKeyArn": "kmsKeyArn",
        "TracingConfig": ("tracingConfig", {"Mode": "mode"}),
        "DeadLetterConfig": ("deadLetterConfig", {"TargetArn": "targetArn"}),
        # CloudFormation's list of (at most one) file system configuration, Pulumi's single object
        "FileSystemConfigs": ("fileSystemConfig", lambda c: [{"Arn": c["arn"], "LocalMountPath": c["localMountPath"]}]),
        "PackageType": "packageType",
        "ImageConfig": ("imageConfig", {"Command": "commands", "EntryPoint": "entryPoints", "WorkingDirectory": "workingDirectory"}),
    },
    "AWS::Lambda::EventInvokeConfig": {
        "FunctionName": "functionName",
        "Qualifier": "qualifier",
        "MaximumEventAgeInSeconds": "maximumEventAgeInSeconds",
        "MaximumRetryAttempts": "maximumRetryAttempts",
        "DestinationConfig": (
            "destinationConfig",
            {"OnSuccess": ("onSuccess", {"Destination": "destination"}), "OnFailure": ("onFailure", {"Destination": "destination"})},
        ),
    },
    "AWS::Lambda::Url": {
        "AuthType": "authorizationType",
        "InvokeMode": "invokeMode",
        "Cors": ("cors", {
            "AllowCredentials": "allowCredentials", "AllowHeaders": "allowHeaders", "AllowMethods": "allowMethods",
            "AllowOrigins": "allowOrigins", "ExposeHeaders": "exposeHeaders", "MaxAge": "maxAge",
        }),
    },
    "AWS::Lambda::Alias": {"FunctionName": "functionName", "FunctionVersion": "functionVersion", "Name": "name"},
    "AWS::Lambda::LayerVersion": {
        "LayerName": "layerName",
        "Description": "description",
        "LicenseInfo": "licenseInfo",
        "CompatibleRuntimes": "compatibleRuntimes",
        "CompatibleArchitectures": "compatibleArchitectures",
    },
    "AWS::ApiGatewayV2::DomainName": {
        "DomainName": "domainName",
        # one configuration in CloudFormation's list, Pulumi's single object
        "DomainNameConfigurations": ("domainNameConfiguration", lambda c: [{
            "CertificateArn": c["certificateArn"], "EndpointType": c["endpointType"], "SecurityPolicy": c["securityPolicy"],
        }] if set(c) == {"certificateArn", "endpointType", "securityPolicy"} else c),
        "Tags": "tags",
    },
    "AWS::ApiGatewayV2::ApiMapping": {
        "ApiId": "apiId", "DomainName": "domainName", "Stage": "stage", "ApiMappingKey": "apiMappingKey",
    },
    "AWS::Route53::RecordSet": {
        "HostedZoneId": "zoneId",
        "Name": "name",
        "Type": "type",
        # CloudFormation's one AliasTarget, Pulumi's list of one alias
        "AliasTarget": ("aliases", lambda a: {
            "DNSName": a[0]["name"], "HostedZoneId": a[0]["zoneId"], "EvaluateTargetHealth": a[0]["evaluateTargetHealth"],
        } if len(a) == 1 and set(a[0]) == {"name", "zoneId", "evaluateTargetHealth"} else a),
        "SetIdentifier": "setIdentifier",
        "Region": ("latencyRoutingPolicies", lambda p: p[0]["region"] if len(p) == 1 and set(p[0]) == {"region"} else p),
        "Weight": ("weightedRoutingPolicies", lambda p: p[0]["weight"] if len(p) == 1 and set(p[0]) == {"weight"} else p),
        "HealthCheckId": "healthCheckId",
    },
}

#: CloudFormation properties the component leaves out of the Pulumi resource, with a warning (see the
#: registry's `ignored`): DisableSchemaValidation only skips request-model validation, pulumi-aws has no input.
DROPPED_PROPERTIES = {("AWS::ApiGatewayV2::Api", "DisableSchemaValidation")}

#: Pulumi inputs with no CloudFormation property: checked by their own tests.
PULUMI_ONLY_INPUTS = {
    "region",
    ("aws:apigatewayv2/deployment:Deployment", "triggers"),
    ("aws:lambda/function:Function", "publish"),  # the plan's AWS::Lambda::Version (FOLDED_TYPES)
    (ROUTE53_RECORD, "allowOverwrite"),  # the plugin's UPSERT (test_component_domains.py)
}

#: CloudFormation's `Ref` of each type, read off the mocked Pulumi resource.
CFN_REF: dict[str, Callable[[Registered], Any]] = {
    "AWS::ApiGatewayV2::Stage": lambda r: r.state["name"],
    "AWS::Logs::LogGroup": lambda r: r.state["name"],
    "AWS::IAM::Role": lambda r: r.state["name"],
    "AWS::Lambda::Function": lambda r: r.state["name"],
    "AWS::Lambda::Alias": lambda r: r.state["arn"],
    "AWS::Lambda::LayerVersion": lambda r: r.state["arn"],
    "AWS::ApiGatewayV2::DomainName": lambda r: r.state["domainName"],
    "AWS::Route53::RecordSet": lambda r: r.state["fqdn"],
    "AWS::Lambda::Url": lambda r: r.state["functionArn"],
}
#: `Fn::GetAtt` of each type: the mocked resource's output that holds it (a tuple: a field of an output).
CFN_ATTRIBUTES = {
    "AWS::IAM::Role": {"Arn": "arn"},
    "AWS::Lambda::Function": {"Arn": "arn"},
    "AWS::ApiGatewayV2::Api": {"ApiEndpoint": "apiEndpoint"},
    "AWS::Lambda::Url": {"FunctionUrl": "functionUrl", "FunctionArn": "functionArn"},
    "AWS::ApiGatewayV2::DomainName": {
        "RegionalDomainName": ("domainNameConfiguration", "targetDomainName"),
        "RegionalHostedZoneId": ("domainNameConfiguration", "hostedZoneId"),
    },
}


def state_at(registered: Registered, output: Any) -> Any:
    """An output of a mocked resource (`CFN_ATTRIBUTES`' values)."""
    if isinstance(output, tuple):
        value = registered.state
        for name in output:
            value = value[name]
        return value
    return registered.state[output]

def normal(value: Any) -> Any:
    """Protobuf carries every number as a float; compare 14 and 14.0 as equal."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normal(v) for v in value]
    return value


def compare_properties(
    where: str, cfn_type: str, expected: dict, inputs: dict, wire: dict, problems: list[str]
) -> set[str]:
    """Compare evaluated CloudFormation properties with Pulumi inputs; returns the wire names used."""
    used: set[str] = set()
    for prop, value in expected.items():
        if prop not in wire:
            problems.append(f"{where}.{prop}: no Pulumi input for this CloudFormation property")
            continue
        target = wire[prop]
        convert: Callable[[Any], Any] = lambda v: v  # noqa: E731
        nested = None
        if isinstance(target, tuple):
            target, second = target
            if isinstance(second, dict):
                nested = second
            else:
                convert = second
        used.add(target)
        if target not in inputs:
            problems.append(f"{where}.{prop}: Pulumi input {target!r} is missing (expected {value!r})")
            continue
        actual = inputs[target]
        if nested is not None:
            inner_used = compare_properties(f"{where}.{prop}", cfn_type, value, actual, nested, problems)
            extra = set(actual) - inner_used
            if extra:
                problems.append(f"{where}.{prop}: Pulumi sets {sorted(extra)} with no CloudFormation counterpart")
            continue
        if normal(convert(actual)) != normal(value):
            problems.append(f"{where}.{prop}: CloudFormation {value!r} != Pulumi {target}={actual!r}")
    return used
