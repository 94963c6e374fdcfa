"""Which build plugin builds each function wsapi creates, and what the build adds to its archive: the step
between choosing a function's files (`packaging`) and writing its archive.

- A plugin that builds the code and that wsapi does not reproduce (serverless-webpack, serverless-bundle, ...;
  `build_plugins.UNBUILT`), or a plugin wsapi does not know at all, is a problem for each function it would
  build: never a silent deploy of unbuilt sources. The way out: an archive built elsewhere
  (`package.artifact`), the function itself from elsewhere (`functions=` / `--function KEY=ARN`), or, for a
  plugin that leaves the code alone, `custom.wsapi.codeUnchangedBy`.
- serverless-python-requirements: the requirements of each Python function, installed for its runtime and
  architecture (`python_requirements`), added to its archive, or to a layer (`layer`).
- serverless-esbuild and serverless-plugin-typescript: each Node function's archive is the plugin's
  (`node_bundling`).

A function with a `package.artifact` is shipped as given, whatever the plugins (the artifact is built).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import build_plugins
from .build_errors import BuildError
from .build_settings import CodeBuildSettings, LayerSettings
from .errors import Problem
from .node_bundling import BuiltArchive, NodeFunction, esbuild_archives, typescript_archives
from .python_requirements import Installed, Platform, archive_members, install, read_requirements



def settings_of(service) -> CodeBuildSettings:
    return service.build.code if service.build is not None and service.build.code is not None else CodeBuildSettings()


def runtime_of(service, key: str) -> Optional[str]:
    return service.functions[key].runtime


def plugin_problems(service, keys: Sequence[str]) -> List[Problem]:
    """Functions a plugin would build that wsapi does not build as the plugin does."""
    settings = settings_of(service)
    problems: List[Problem] = []
    for name, where in settings.plugins:
        plugin = build_plugins.build_plugin(name)
        if plugin is not None and plugin.reproduced:
            continue
        if plugin is None and (build_plugins.leaves_code_alone(name) or name in settings.code_unchanged_by):
            continue
        family = plugin.runtimes if plugin is not None else build_plugins.ANY
        built = [
            key for key in keys
            if not has_artifact(service, key) and (family == build_plugins.ANY or build_plugins.runtime_family(runtime_of(service, key)) == family)
        ]  # fmt: skip
        if not built:
            continue
        listed = ", ".join(built)
        if plugin is not None:
            what = f"{name} {plugin.what}, which wsapi does not do: the functions {listed} would be shipped unbuilt"
        else:
            what = f"wsapi does not know whether {name} builds or changes the code of the functions {listed}, which would then be shipped unbuilt"
        problems.append(Problem(where, (
            f"{what}. Give each a built archive (package.artifact), or create them elsewhere and pass them "
            f"(functions= / --function KEY=ARN)" + ("" if plugin is not None else f", or, if {name} leaves the code alone, list it under custom.wsapi.codeUnchangedBy")
        )))  # fmt: skip
    return problems


def has_artifact(service, key: str) -> bool:
    own = service.functions[key].package
    return bool(own.artifact) or (bool(service.build.package.artifact) and not own.individually)


def individually(service, key: str) -> bool:
    return service.build.package.individually or service.functions[key].package.individually


# -- serverless-python-requirements ------------------------------------------------------------------------


@dataclass(frozen=True)
class RequirementsLayer:
    """The requirements of the functions running on one platform, as a Lambda layer (`layer: true`)."""

    key: str  #: the layer's key: `pythonRequirements`, suffixed for a second platform
    platform: Platform
    installed: Installed
    settings: LayerSettings
    functions: Tuple[str, ...]
    runtime: str  #: the functions' runtime (the layer's compatible runtime unless the settings name them)


class PythonBuild:
    """serverless-python-requirements for the functions of one service: their requirements, installed once
    per module and platform."""

    def __init__(self, service, settings: CodeBuildSettings) -> None:
        self.service = service
        self.root = Path(service.build.service_dir).resolve()
        self.settings = settings.python
        self.modules = settings.modules
        self.where = settings.listed(build_plugins.PYTHON_REQUIREMENTS) or "plugins"
        self._installed: Dict[Tuple[str, Platform], Optional[Installed]] = {}

    def applies(self, key: str) -> bool:
        return self.settings is not None and build_plugins.runtime_family(runtime_of(self.service, key)) == build_plugins.PYTHON

    def module(self, key: str) -> str:
        """The function's requirements folder: its `module` when packaged individually, else the service's."""
        return self.modules.get(key, ".") if individually(self.service, key) else "."

    def platform(self, key: str) -> Platform:
        function = self.service.functions[key]
        return Platform.of(function.runtime or "", function.architecture, f"functions.{key}.runtime")

    def installed(self, key: str) -> Optional[Installed]:
        """The function's requirements installed for its platform (None: it has none)."""
        assert self.settings is not None
        module, platform = self.module(key), self.platform(key)
        if (module, platform) not in self._installed:
            requirements = read_requirements(self.root, module, self.settings, self.settings.path)
            found = None if requirements is None else install(self.root, requirements, platform, self.settings, self.where)
            self._installed[(module, platform)] = found
        return self._installed[(module, platform)]

    def members(self, key: str) -> List[Tuple[str, Path]]:
        """What the requirements add to the function's archive (nothing with `layer`)."""
        if not self.applies(key) or self.settings is None or self.settings.layer is not None:
            return []
        installed = self.installed(key)
        return [] if installed is None else archive_members(installed, self.settings)

    def layers(self, keys: Sequence[str]) -> List[RequirementsLayer]:
        """With `layer`: one layer per platform of the Python functions (the plugin makes one, for the
        provider's runtime), of the service's requirements."""
        settings = self.settings
        if settings is None or settings.layer is None:
            return []
        by_platform: Dict[Platform, List[str]] = {}
        for key in keys:
            if self.applies(key) and not has_artifact(self.service, key):
                if self.module(key) != ".":
                    raise BuildError(f"functions.{key}.module", "with layer, serverless-python-requirements packages the service's requirements only; leave module out, or layer out")
                by_platform.setdefault(self.platform(key), []).append(key)
        layers = []
        for index, (platform, functions) in enumerate(by_platform.items()):
            installed = self.installed(functions[0])
            if installed is None:
                continue
            suffix = "" if index == 0 else f"Python{platform.python.replace('.', '')}{platform.architecture.replace('_', '').title()}"
            runtime = self.service.functions[functions[0]].runtime
            layers.append(RequirementsLayer(f"pythonRequirements{suffix}", platform, installed, settings.layer, tuple(functions), runtime))
        return layers


def requirements_layer_properties(service, layer: RequirementsLayer) -> Dict[str, Any]:
    """The LayerVersion's properties: the plugin's name (`{service}-{stage}-python-requirements`, with the
    platform for a second one), description, license, and as compatible runtime and architecture the
    functions' own unless the settings name them."""
    settings = layer.settings
    base = settings.name or f"{service.name}-{service.stage}-python-requirements"
    suffix = layer.key[len("pythonRequirements"):]
    properties: Dict[str, Any] = {"LayerName": base + (f"-{re.sub(r'(?<!^)(?=[A-Z])', '-', suffix).lower()}" if suffix else "")}
    if settings.description:
        properties["Description"] = settings.description
    if settings.license_info:
        properties["LicenseInfo"] = settings.license_info
    properties["CompatibleRuntimes"] = list(settings.compatible_runtimes or (layer.runtime,))
    properties["CompatibleArchitectures"] = list(settings.compatible_architectures or (layer.platform.architecture,))
    return properties


def layer_members(layer: RequirementsLayer, python: PythonBuild) -> List[Tuple[str, Path]]:
    assert python.settings is not None
    return archive_members(layer.installed, python.settings, prefix="python/")


def moved_up(names: Sequence[str], module: str) -> Dict[str, str]:
    """The plugin's `moveModuleUp` for a function of `module`: archive name -> service file, only the module's
    files (at the archive's root) and Serverless's SDK wrappers."""
    prefix = module.strip("/") + "/"
    kept: Dict[str, str] = {}
    for name in names:
        if name.startswith(prefix):
            kept[name[len(prefix):]] = name
        elif name.startswith("serverless_sdk/") or (name.startswith("s_") and name.endswith(".py") and "/" not in name):
            kept[name] = name
    return kept


# -- serverless-esbuild and serverless-plugin-typescript ---------------------------------------------------


def node_functions(service, keys: Sequence[str], settings: CodeBuildSettings) -> List[NodeFunction]:
    """The functions a Node build plugin builds: Node runtimes, no artifact, not `skipEsbuild`."""
    found = []
    for key in keys:
        function = service.functions[key]
        if build_plugins.runtime_family(function.runtime) != build_plugins.NODE or has_artifact(service, key):
            continue
        if settings.esbuild is not None and key in settings.skip_esbuild:
            continue
        own = function.package
        found.append(NodeFunction(
            key, function.handler or "", function.runtime or "", individually(service, key), tuple(own.patterns),
            tuple(own.excludes), settings.entrypoints.get(key),
        ))  # fmt: skip
    return found


def node_archives(service, keys: Sequence[str]) -> List[BuiltArchive]:
    """The archives serverless-esbuild (or serverless-plugin-typescript) writes for the Node functions."""
    settings = settings_of(service)
    functions = node_functions(service, keys, settings)
    if not functions:
        return []
    root = Path(service.build.service_dir).resolve()
    package = service.build.package
    if settings.esbuild is not None:
        where = settings.listed(build_plugins.ESBUILD) or "plugins"
        patterns = [*package.patterns, *(f"!{e}" for e in package.excludes)]
        return esbuild_archives(root, service.name, settings.esbuild, functions, patterns, where)
    if settings.typescript is not None:
        where = settings.listed(build_plugins.TYPESCRIPT) or "plugins"
        return typescript_archives(
            root, service.name, settings.typescript, functions, package.excludes, package.patterns,
            service.build.extra_excludes, where,
        )  # fmt: skip
    return []
