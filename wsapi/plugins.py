"""The Serverless plugins a service lists, and what wsapi does not do of what each one does: one warning per
plugin (`plugin_warnings`). wsapi runs no plugin; it reads the settings of the few whose effect it reproduces.

`PLUGINS` is the table, by the name the service lists: what is not applied (None: wsapi reproduces the
plugin's effect itself). A plugin the table does not name gets the general warning. A build plugin (`kind`
"build") wsapi does not reproduce stops the creation of the functions it would build (`code_builds`); those it
reproduces (serverless-python-requirements, serverless-esbuild, serverless-plugin-typescript) give no warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Mapping, Optional, Tuple

from .errors import Problem

__all__ = ["PLUGINS", "Plugin", "listed_plugins", "plugin_warnings"]

BUILD = "build"  #: changes what goes into the functions' archives
DEPLOY = "deploy"  #: changes what is deployed besides the archives
LOCAL = "local"  #: only for local runs (`serverless offline` and the like)
REPRODUCED = "reproduced"  #: wsapi does it itself


@dataclass(frozen=True)
class Plugin:
    kind: str
    not_applied: Optional[str]  #: what wsapi does not do of what the plugin does; None when it does it all


_UNBUILT = "wsapi does not create the functions it would build (give each a built package.artifact, or pass it in functions=)"
PLUGINS: Mapping[str, Plugin] = {
    "serverless-offline": Plugin(REPRODUCED, None),  # `wsapi offline` serves the WebSocket API
    "serverless-domain-manager": Plugin(REPRODUCED, None),  # custom domains: `domains.py` (REST/HTTP ones noted there)
    "serverless-python-requirements": Plugin(REPRODUCED, None),  # code_builds: for each function's platform
    "serverless-webpack": Plugin(BUILD, f"handlers are not bundled with webpack: {_UNBUILT}"),
    "serverless-bundle": Plugin(BUILD, f"handlers are not bundled: {_UNBUILT}"),
    "serverless-esbuild": Plugin(REPRODUCED, None),  # node_bundling, with the service's esbuild
    "serverless-plugin-typescript": Plugin(REPRODUCED, None),  # node_bundling, with the service's tsc
    "serverless-plugin-include-dependencies": Plugin(BUILD, f"the dependencies it adds to each archive are not added: {_UNBUILT}"),
    "serverless-plugin-common-excludes": Plugin(BUILD, f"its excludes are not applied to the archives: {_UNBUILT}"),
    "serverless-iam-roles-per-function": Plugin(DEPLOY, "the functions' own iamRoleStatements are not applied: the functions wsapi creates share the service's role"),
    "serverless-plugin-custom-roles": Plugin(DEPLOY, "the functions' own iamRoleStatements are not applied: the functions wsapi creates share the service's role"),
    "serverless-pseudo-parameters": Plugin(DEPLOY, "#{AWS::...} placeholders are not replaced (write ${aws:region} or Fn::Sub instead)"),
    "serverless-dotenv-plugin": Plugin(DEPLOY, "its .env variables are not added to the functions' environment (useDotenv: true loads .env for ${env:...} only)"),
    "serverless-plugin-tracing": Plugin(DEPLOY, "tracing is not turned on for the functions wsapi creates"),
    "serverless-plugin-lambda-insights": Plugin(DEPLOY, "Lambda Insights is not added to the functions wsapi creates"),
    "serverless-deployment-bucket": Plugin(DEPLOY, "the deployment bucket is not created or configured (the component uploads the archives itself)"),
    "serverless-prune-plugin": Plugin(DEPLOY, "old function versions are not pruned"),
    "serverless-stack-output": Plugin(DEPLOY, "stack outputs are not written to a file"),
    "@anttiviljami/serverless-stack-output": Plugin(DEPLOY, "stack outputs are not written to a file"),
    "serverless-websockets-plugin": Plugin(DEPLOY, "its own websocket settings are not read: wsapi reads Serverless v3's websocket events"),
    "serverless-create-global-dynamodb-table": Plugin(DEPLOY, "the global table replicas are not created"),
    "serverless-plugin-existing-s3": Plugin(DEPLOY, "the existing buckets' notifications are not configured"),
    "serverless-functions-base-path": Plugin(BUILD, f"handlers are not looked up under its base path: {_UNBUILT}"),
    "serverless-dynamodb-local": Plugin(LOCAL, "wsapi offline does not start DynamoDB Local"),
    "serverless-dynamodb": Plugin(LOCAL, "wsapi offline does not start DynamoDB Local"),
    "serverless-plugin-offline-dynamodb-stream": Plugin(LOCAL, "wsapi offline does not run DynamoDB stream handlers"),
    "serverless-offline-ssm": Plugin(LOCAL, "wsapi offline does not answer ${ssm:...} from its settings"),
    "serverless-localstack": Plugin(LOCAL, "nothing is deployed to LocalStack"),
}  # fmt: skip
_UNKNOWN = "wsapi does not run Serverless plugins: what it changes when Serverless packages or deploys is not applied"


def listed_plugins(value: Any) -> Tuple[Tuple[str, str], ...]:
    """(name, path) of each plugin listed (`plugins: [...]` or `plugins: {modules: [...]}`); other values
    are left to the schema and the readers."""
    if isinstance(value, Mapping):
        modules, where = value.get("modules"), "plugins.modules"
    else:
        modules, where = value, "plugins"
    if not isinstance(modules, list):
        return ()
    return tuple((name, f"{where}[{index}]") for index, name in enumerate(modules) if isinstance(name, str))


def plugin_warnings(value: Any) -> List[Problem]:
    """One warning per listed plugin whose effect wsapi does not reproduce."""
    warnings = []
    for name, path in listed_plugins(value):
        plugin = PLUGINS.get(name)
        if plugin is None:
            warnings.append(Problem(path, f"{name}: {_UNKNOWN}"))
        elif plugin.not_applied:
            warnings.append(Problem(path, f"{name} is not run: {plugin.not_applied}"))
    return warnings
