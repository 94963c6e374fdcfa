"""Shared by the golden tests: load a corpus case as its case.json says, and pick the websocket part of
the template Serverless v3 wrote for it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from wsapi import load_service
from wsapi.model import Service

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p for p in GOLDEN.iterdir() if (p / "expected.json").exists())

#: Every logical id Serverless's websocket compiler writes (lib/plugins/aws/lib/naming.js), and the custom
#: resource it adds for the account's CloudWatch role when websocket logs are on.
WEBSOCKET_LOGICAL_ID = re.compile(
    r"^(Websockets(Api|DeploymentStage|LogGroup|Deployment.*)"
    r"|.+(WebsocketsIntegration|LambdaPermissionWebsockets|WebsocketsRoute|WebsocketsRouteResponse|WebsocketsAuthorizer)"
    r"|CustomApiGatewayAccountCloudWatchRole)$"
)
DEPLOYMENT = re.compile(r"^WebsocketsDeployment(?!Stage$).+$")
DEPLOYMENT_PLACEHOLDER = "WebsocketsDeployment<hash>"


def case_settings(case: Path) -> dict[str, Any]:
    settings = json.loads((case / "case.json").read_text())
    return {
        "stage": settings.get("stage"),
        "region": settings.get("region"),
        "params": settings.get("params") or {},
        "options": settings.get("options") or {},
        "env": {k: v for k, v in (settings.get("env") or {}).items() if v is not None},
    }


def load_case(case: Path) -> Service:
    return load_service(case, **case_settings(case))


def without_deployment_hash(template: dict) -> dict:
    """The deployment's logical id is a hash of its own making (the issue allows it to differ from
    Serverless's); put a placeholder in its place and in the stage's reference to it."""
    text = json.dumps(template)
    for key in template.get("Resources", {}):
        if DEPLOYMENT.match(key):
            text = text.replace(f'"{key}"', f'"{DEPLOYMENT_PLACEHOLDER}"')
    return json.loads(text)


def websocket_part(template: dict) -> dict:
    resources = {k: v for k, v in template["Resources"].items() if WEBSOCKET_LOGICAL_ID.match(k)}
    outputs = {k: v for k, v in template.get("Outputs", {}).items() if k == "ServiceEndpointWebsocket"}
    return without_deployment_hash({"Resources": resources, "Outputs": outputs})


def expected_part(case: Path) -> dict:
    return websocket_part(json.loads((case / "expected.json").read_text()))
