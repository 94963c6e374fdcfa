"""What each Serverless plugin means for the code of the functions wsapi creates: the one table other modules
consult (the build itself, and the warnings about `plugins:` wsapi does not reproduce).

Three kinds of plugins matter here:

- build plugins wsapi reproduces (`BUILT`): serverless-python-requirements (wsapi installs the requirements
  itself, for each function's runtime and architecture), serverless-esbuild and serverless-plugin-typescript
  (wsapi runs the service's own esbuild or tsc as the plugin would);
- plugins that build or change the code and that wsapi does not reproduce (`UNBUILT`): serverless-webpack,
  serverless-bundle, ...; creating a function they would have built is an error, never a silent deploy of
  the unbuilt sources;
- plugins known to leave the code alone (`CODE_UNCHANGED`): serverless-offline, serverless-domain-manager, ...

A plugin in none of these tables might build the code: creating a function is an error too, unless the
service says the plugin leaves the code alone (`custom.wsapi.codeUnchangedBy`).

The warnings about `plugins:` (every command) and the function settings plugins add to Serverless's schema
are `plugins.py`'s and `config_schema.py`'s; a plugin `plugins.PLUGINS` knows as no build plugin leaves the
code alone too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from .plugins import BUILD, PLUGINS

PYTHON_REQUIREMENTS = "serverless-python-requirements"
ESBUILD = "serverless-esbuild"
TYPESCRIPT = "serverless-plugin-typescript"

#: Runtime families: which functions a build plugin builds (by the function's runtime, else the provider's).
PYTHON = "python"
NODE = "nodejs"
ANY = ""


@dataclass(frozen=True)
class BuildPlugin:
    """A plugin that builds or changes the functions' code."""

    name: str
    runtimes: str  #: the runtime family it builds (`PYTHON`, `NODE`), or `ANY`
    reproduced: bool  #: wsapi builds the code as the plugin would
    what: str  #: what it does to the code, for messages


#: Build plugins wsapi reproduces.
BUILT: Mapping[str, BuildPlugin] = {
    plugin.name: plugin
    for plugin in (
        BuildPlugin(PYTHON_REQUIREMENTS, PYTHON, True, "installs the Python requirements into the archives (or a layer)"),
        BuildPlugin(ESBUILD, NODE, True, "bundles each handler with esbuild"),
        BuildPlugin(TYPESCRIPT, NODE, True, "compiles the TypeScript handlers with tsc"),
    )
}

#: Plugins that build or change the code, which wsapi does not reproduce.
UNBUILT: Mapping[str, BuildPlugin] = {
    plugin.name: plugin
    for plugin in (
        BuildPlugin("serverless-webpack", NODE, False, "bundles the handlers with webpack"),
        BuildPlugin("serverless-bundle", NODE, False, "bundles the handlers with webpack and babel"),
        BuildPlugin("serverless-plugin-optimize", NODE, False, "bundles and minifies the handlers with browserify"),
        BuildPlugin("serverless-jetpack", NODE, False, "chooses the files and dependencies of each archive"),
        BuildPlugin("serverless-plugin-include-dependencies", NODE, False, "adds the handlers' dependencies to the archives"),
        BuildPlugin("serverless-plugin-common-excludes", ANY, False, "leaves common files out of the archives"),
        BuildPlugin("serverless-layers", ANY, False, "moves the dependencies into a layer"),
        BuildPlugin("serverless-plugin-monorepo", NODE, False, "links a monorepo's dependencies into the service"),
        BuildPlugin("serverless-functions-base-path", ANY, False, "prefixes every handler with a base folder"),
        BuildPlugin("serverless-plugin-warmup", ANY, False, "adds a warmer function and its code"),
        BuildPlugin("serverless-plugin-scripts", ANY, False, "runs commands while packaging, which may build the code"),
        BuildPlugin("serverless-scriptable-plugin", ANY, False, "runs commands while packaging, which may build the code"),
        BuildPlugin("serverless-go-build", ANY, False, "compiles Go handlers"),
        BuildPlugin("serverless-rust", ANY, False, "compiles Rust handlers"),
        BuildPlugin("serverless-plugin-ncc", NODE, False, "bundles the handlers with ncc"),
    )
}

#: Plugins known to leave the functions' code as it is (they deploy other things, or run locally).
CODE_UNCHANGED = frozenset(
    {
        "serverless-offline", "serverless-offline-ssm", "serverless-offline-sqs", "serverless-offline-sns",
        "serverless-plugin-offline-dynamodb-stream", "serverless-dynamodb-local", "serverless-dynamodb",
        "serverless-domain-manager", "serverless-dotenv-plugin", "serverless-iam-roles-per-function",
        "serverless-plugin-custom-roles", "serverless-pseudo-parameters", "serverless-deployment-bucket",
        "serverless-stack-output", "@anttiviljami/serverless-stack-output", "serverless-plugin-tracing",
        "serverless-localstack", "serverless-plugin-lambda-insights", "serverless-create-global-dynamodb-table",
        "serverless-websockets-plugin", "serverless-plugin-existing-s3", "serverless-prune-plugin",
        "serverless-plugin-split-stacks", "serverless-step-functions", "serverless-api-gateway-throttling",
        "serverless-api-gateway-caching", "serverless-plugin-aws-alerts", "serverless-s3-sync", "serverless-export-env",
        "serverless-plugin-log-retention", "serverless-plugin-git-variables", "serverless-associate-waf",
        "serverless-apigw-binary", "serverless-add-api-key", "serverless-cloudformation-sub-variables",
        "serverless-plugin-resource-tagging", "serverless-tag-api-gateway", "serverless-plugin-datadog",
        "serverless-appsync-plugin", "serverless-s3-local", "serverless-finch", "serverless-iam-helper",
    }
)  # fmt: skip

def build_plugin(name: str) -> Optional[BuildPlugin]:
    """The build plugin of that name, reproduced or not; None for a plugin not known to build the code."""
    return BUILT.get(name) or UNBUILT.get(name)


def leaves_code_alone(name: str) -> bool:
    """Known to leave the code alone: listed here, or a plugin of `plugins.PLUGINS` that is no build plugin."""
    known = PLUGINS.get(name)
    return name in CODE_UNCHANGED or (known is not None and known.kind != BUILD)


def runtime_family(runtime: Optional[str]) -> str:
    """`PYTHON`, `NODE` or `ANY` (neither) for a Lambda runtime name."""
    if runtime is None:
        return ANY
    if runtime.startswith("python"):
        return PYTHON
    if runtime.startswith("nodejs"):
        return NODE
    return ANY
