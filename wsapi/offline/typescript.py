"""Node.js handlers written in TypeScript, built when the server starts as the service's build plugin builds
them: serverless-esbuild with the service's esbuild, serverless-plugin-typescript with its typescript
(`node_build.cjs` runs the build). A `.ts` handler without either plugin, or without its compiler in the
service's node_modules, is a problem at its handler, as it would stop serverless-offline too.

The output goes to a folder of its own under the node_modules holding the compiler
(`node_modules/.cache/wsapi-offline/`, where Node resolves the service's packages as from the sources), and is
removed when the server stops."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from ..errors import ConfigError, Problem, ProblemCollector
from ..model import Service
from .runtimes import language_of, node_major

BUILD_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node_build.cjs")
TYPESCRIPT = (".ts", ".mts", ".cts", ".tsx")
JAVASCRIPT = ("", ".js", ".mjs", ".cjs")
#: the build plugins offline builds like, and the compiler each one runs
PLUGINS = {"serverless-esbuild": "esbuild", "serverless-plugin-typescript": "typescript"}
SETTINGS = {"esbuild": "custom.esbuild", "typescript": "custom.serverlessPluginTypescript"}
BUILD_TIMEOUT = 300.0  #: seconds


@dataclass(frozen=True)
class TypeScriptBuild:
    """What to build at start: with which compiler, which source file for which function."""

    tool: str  #: "esbuild" or "typescript"
    service_dir: Path
    node_modules: Path  #: the node_modules that holds the compiler
    sources: Mapping[str, Tuple[str, str]]  #: function key -> (source file from the service, export path)
    options: Mapping[str, Any] = field(default_factory=dict)  #: custom.esbuild / custom.serverlessPluginTypescript
    target: str = "node18"  #: esbuild's target, from the functions' runtime


@dataclass
class BuildResult:
    handlers: Dict[str, str]  #: function key -> the built handler to run (an absolute path)
    folder: Path  #: where the output went (removed when the server stops)
    warnings: List[str]

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def typescript_source(service_dir: Path, handler: str) -> Optional[Tuple[str, str]]:
    """(source file, export path) when the handler's module is a TypeScript file, else None."""
    module_path, dot, export = handler.rpartition("/")[2].partition(".")
    if not dot:
        return None
    folder = handler[: len(handler) - len(handler.rpartition("/")[2])]
    for extension in TYPESCRIPT:
        relative = f"{folder}{module_path}{extension}"
        if (service_dir / relative).is_file():
            return relative, export
    return None


def _javascript_exists(service_dir: Path, source: str) -> bool:
    stem = os.path.splitext(source)[0]
    return any((service_dir / f"{stem}{extension}").is_file() for extension in JAVASCRIPT)


def _compiler_modules(service_dir: Path, tool: str) -> Optional[Path]:
    """The node_modules (in the service's folder or above, as Node resolves) that holds `tool`."""
    for folder in (service_dir, *service_dir.parents):
        if (folder / "node_modules" / tool / "package.json").is_file():
            return folder / "node_modules"
    return None


def _plugin_settings(service: Service, params: Mapping[str, str], options: Mapping[str, str]) -> Tuple[List[str], Dict[str, Any]]:
    """The service's plugin names and the build plugins' settings, read from its file (variables resolved)."""
    from ..config_files import load_config
    from ..variables import resolve_variables

    assert service.config_path is not None
    _, document = load_config(service.config_path)
    resolved = resolve_variables(
        dict(document), service_dir=service.config_path.parent, params=dict(params),
        options={**options, "stage": service.stage, "region": service.region},
        only=["plugins", *SETTINGS.values()],
    )  # fmt: skip
    plugins = resolved.get("plugins")
    if isinstance(plugins, Mapping):
        plugins = plugins.get("modules")
    names = [name for name in plugins if isinstance(name, str)] if isinstance(plugins, list) else []
    custom = resolved.get("custom") if isinstance(resolved.get("custom"), Mapping) else {}
    settings = {key: custom.get(path.split(".")[1]) for key, path in SETTINGS.items()}
    return names, {key: value for key, value in settings.items() if isinstance(value, Mapping)}


def plan_build(
    service: Service, runtimes: Mapping[str, str], problems: ProblemCollector,
    params: Optional[Mapping[str, str]] = None, options: Optional[Mapping[str, str]] = None,
) -> Optional[TypeScriptBuild]:  # fmt: skip
    """The build the service's TypeScript handlers need (None without any); problems at their handlers."""
    service_dir = (service.config_path.parent if service.config_path is not None else Path.cwd()).resolve()
    found: Dict[str, Tuple[str, str]] = {}
    for key, runtime in runtimes.items():
        handler = service.functions[key].handler
        if handler and language_of(runtime) == "node":
            source = typescript_source(service_dir, handler)
            if source is not None:
                found[key] = source
    if not found:
        return None
    try:
        plugins, settings = _plugin_settings(service, params or {}, options or {}) if service.config_path else ([], {})
    except ConfigError as error:
        problems.extend(error.problems)
        return None
    tool = next((PLUGINS[name] for name in plugins if name in PLUGINS), None)
    if tool is None:
        for key, (source, _) in found.items():
            if not _javascript_exists(service_dir, source):
                problems.add(f"functions.{key}.handler", f"is {source}, TypeScript: wsapi offline builds it when the service lists "
                             "serverless-esbuild or serverless-plugin-typescript in plugins, with esbuild or typescript in its node_modules")  # fmt: skip
        return None  # without a build plugin, a .js beside the .ts is what runs
    node_modules = _compiler_modules(service_dir, tool)
    if node_modules is None:
        plugin = next(name for name, compiler in PLUGINS.items() if compiler == tool)
        for key, (source, _) in found.items():
            problems.add(f"functions.{key}.handler", f"is {source}, built with {plugin}, but {tool} is not in the service's "
                         f"node_modules: run npm install (npm install --save-dev {tool})")  # fmt: skip
        return None
    majors = [node_major(runtimes[key]) for key in found]
    target = f"node{max((m for m in majors if m), default=18)}"
    return TypeScriptBuild(tool, service_dir, node_modules, found, settings.get(tool, {}), target)


async def build(plan: TypeScriptBuild, node: str, file: str) -> BuildResult:
    """Run the build; ConfigError naming each function whose handler could not be built."""
    cache = plan.node_modules / ".cache" / "wsapi-offline"
    cache.mkdir(parents=True, exist_ok=True)
    # its real path: Node runs a module from its real path, so source maps must point from there
    folder = Path(tempfile.mkdtemp(prefix="build-", dir=cache)).resolve()
    entries = sorted({source for source, _ in plan.sources.values()})
    config = {"tool": plan.tool, "serviceDir": str(plan.service_dir), "outDir": str(folder), "entries": entries,
              "options": dict(plan.options), "target": plan.target}  # fmt: skip
    result = BuildResult({}, folder, [])
    try:
        process = await asyncio.create_subprocess_exec(
            node, BUILD_SCRIPT, json.dumps(config), cwd=str(plan.service_dir),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            stdout, stderr = await asyncio.wait_for(process.communicate(), BUILD_TIMEOUT)
        except asyncio.TimeoutError:
            process.kill()
            await process.wait()
            raise _failed(plan, [f"the {plan.tool} build took longer than {BUILD_TIMEOUT:.0f} s"], file) from None
        try:
            report = json.loads(stdout.decode("utf-8", "replace"))
        except ValueError:
            raise _failed(plan, [stderr.decode("utf-8", "replace").strip() or f"exit status {process.returncode}"], file) from None
        if report["errors"]:
            raise _failed(plan, report["errors"], file)
        result.warnings = list(report["warnings"])
        for key, (source, export) in plan.sources.items():
            built = os.path.splitext(report["outputs"][source])[0]
            result.handlers[key] = f"{built}.{export}"
        return result
    except BaseException:
        result.remove()
        raise


def _failed(plan: TypeScriptBuild, errors: List[str], file: str) -> ConfigError:
    """A problem at each function whose source the errors name (at every function's when they name none)."""
    named = {key: [e for e in errors if source in e] for key, (source, _) in plan.sources.items()}
    problems = []
    for key, (source, _) in plan.sources.items():
        own = named[key] if any(named.values()) else errors
        if own:
            detail = "; ".join(e.replace("\n", " ") for e in own[:5]) + (f" (and {len(own) - 5} more)" if len(own) > 5 else "")
            problems.append(Problem(f"functions.{key}.handler", f"{source} cannot be built with {plan.tool}: {detail}"))
    return ConfigError(problems, file)
