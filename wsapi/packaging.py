"""Function code archives, chosen as Serverless v3 chooses them (`lib/plugins/package/lib/package-service.js`).

What goes into a package:

1. every file under the service folder (following symbolic links, skipping directories),
2. minus Serverless's default excludes (`.git/**`, `.gitignore`, `.DS_Store`, `npm-debug.log`, `yarn-*.log`,
   `.serverless/**`, `.serverless_plugins/**`), the configuration file itself, `plugins.localPath`, the
   folders of the service's own `layers`, `.env*` with `useDotenv: true`, and `package.exclude`,
3. then `package.include` and `package.patterns`, in order (for a function packaged individually, followed by
   the function's `include` and `patterns`): a pattern adds the files it matches, a `!pattern` removes them,
   the last pattern that matches a file decides. As in Serverless, a pattern listed twice counts at its first
   place only (lodash's `_.union`).

Patterns are micromatch globs with `dot: true` (`globs`); a pattern names files, so `src` matches a file called
`src` and never the folder's content (write `src/**`).

An archive is written with fixed timestamps and Serverless's modes (0755 for files executable by their
owner, 0644 otherwise), entries sorted, so the same files always give the same bytes (`archives`).

Build plugins change what goes in (`code_builds`): serverless-python-requirements adds each Python function's
requirements, installed for its runtime and architecture (or puts them in a layer); serverless-esbuild and
serverless-plugin-typescript replace a Node function's archive with the plugin's; a build plugin wsapi does
not reproduce is a problem of the functions it would build.

Unlike Serverless, wsapi does not run `npm ls` to drop Node development dependencies from `node_modules`:
exclude them with a pattern (`!node_modules/<dev-package>/**`), or package from a production install.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from . import naming
from .archives import (  # noqa: F401 - the archive helpers, as packaging has always offered them
    EXECUTABLE_MODE,
    REGULAR_MODE,
    ZIP_EPOCH,
    ArchiveFile,
    archive_files,
    copy_blocks,
    file_digest,
    files_digest,
    mode_of,
    write_zip,
)
from .atomic import atomic_file
from .build_errors import BuildError
from .code_builds import PythonBuild, layer_members, moved_up, node_archives, plugin_problems, requirements_layer_properties, settings_of
from .errors import Problem
from .package_files import DEFAULT_EXCLUDES, list_files, select_files, union  # noqa: F401
from .plan import CodeArchive, leaves
from .s3_uris import parse_s3_uri
from .private_dirs import UnsafeFolder, private_folder
from .service_layers import ServiceLayer, referenced_layers


def cache_dir() -> Path:
    """Where the Pulumi component keeps the archives it builds: content-addressed, so reuse is safe; the
    user's alone (`private_dirs`: created mode 0700, else refused with `UnsafeFolder`), as whoever can write
    there chooses the code deployed."""
    configured = os.environ.get("WSAPI_ARTIFACTS_DIR")
    if configured:
        return private_folder(Path(configured))
    return private_folder(Path(tempfile.gettempdir()) / f"wsapi-artifacts-{os.getuid() if hasattr(os, 'getuid') else 'user'}")


def cache_problems(plan: Any) -> List[Problem]:
    """The archive cache's problem (at `WSAPI_ARTIFACTS_DIR`, the setting that moves it) when the plan has
    archives to build there: found before the component registers anything."""
    if not any(isinstance(leaf, CodeArchive) and leaf.source is None for r in plan.resources for leaf in leaves(r.properties)):
        return []
    try:
        cache_dir()
    except UnsafeFolder as error:
        return [Problem("WSAPI_ARTIFACTS_DIR", f"the archive cache cannot be used: {error.message}")]
    return []


# -- which archive each function gets ---------------------------------------------------------------------


@dataclass(frozen=True)
class S3Code:
    """A `package.artifact` already in S3 (`s3://bucket/key` or an S3 URL): used where it is."""

    bucket: str
    key: str


@dataclass(frozen=True)
class Layer:
    """A layer wsapi builds: the service's own (`layers:`) or serverless-python-requirements' (`layer`)."""

    key: str  #: its logical id, `{Layer}LambdaLayer`
    child_suffix: str  #: the Pulumi child's name after the component's: `layer-{key}`
    properties: Mapping[str, Any]  #: LayerName, Description, ... (all but Content)
    retain: bool
    functions: Tuple[str, ...]  #: the functions wsapi attaches it to (the service's own: those naming it)
    archive: CodeArchive


@dataclass
class Packaged:
    """The code of each function (a `plan.CodeArchive` or an `S3Code`), the layers they need, and the problems."""

    code: Dict[str, Any] = field(default_factory=dict)
    layers: List[Layer] = field(default_factory=list)
    problems: List[Problem] = field(default_factory=list)


class _Packager:
    """Serverless's choice (`packageService`, `packageFunction`): a function's own `package.artifact`, else
    the service's `package.artifact` unless the function is packaged individually, else its own package when
    `individually` (service or function), else the service package; what a build plugin does to each
    (`code_builds`) on top."""

    def __init__(self, service: Any) -> None:
        self.service = service
        self.settings = service.build
        self.root = Path(self.settings.service_dir).resolve()
        self.problems: List[Problem] = []
        self._files: Optional[List[str]] = None
        self._by_source: dict = {}
        self.python = PythonBuild(service, settings_of(service))
        self._stems: Dict[str, str] = {}  # parameter stem -> file name, kept unique

    def files(self) -> List[str]:
        if self._files is None:
            self._files = list_files(self.root)
        return self._files

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def code(self, keys: Sequence[str]) -> dict:
        settings = self.settings
        service_package = settings.package
        chosen: dict = {}
        shared: List[str] = []  # functions in the service package
        built = self.node_built(keys)
        for key in keys:
            own = self.service.functions[key].package
            stem = naming.normalized_function_name(key) + "Function"
            if own.artifact:
                chosen[key] = self.artifact(own.artifact, f"{own.path}.artifact", stem, key)
            elif service_package.artifact and not own.individually:
                chosen[key] = self.artifact(service_package.artifact, "package.artifact", "Service", key)
            elif key in built:
                chosen[key] = built[key]
            elif service_package.individually or own.individually:
                excludes = union(DEFAULT_EXCLUDES, settings.extra_excludes, service_package.excludes, own.excludes)
                includes = union(service_package.patterns, own.patterns)
                chosen[key] = self.individual(key, stem, excludes, includes, own.path)
            else:
                shared.append(key)
        chosen.update(self.shared(shared))
        # an artifact several functions give is one archive, serving them all
        for users in self._by_source.values():
            if len(users) > 1:
                merged = replace(chosen[users[0]], functions=tuple(users))
                for key in users:
                    chosen[key] = merged
        return chosen

    def artifact(self, given: str, path: str, stem: str, key: str) -> Any:
        s3 = parse_s3_uri(given)
        if s3 is not None:
            return S3Code(*s3)
        source = (self.root / given).resolve()
        if not source.is_file():
            self.problem(path, f"cannot read the package artifact {given!r} (looked for {source})")
            return None
        users = self._by_source.setdefault(source, [])
        users.append(key)
        return CodeArchive(stem, source.name, file_digest(os.fspath(source)), (key,), source=os.fspath(source))

    def archive(self, stem: str, file_name: str, keys: Tuple[str, ...], members: Dict[str, str]) -> CodeArchive:
        """An archive of `members` (archive name -> file), its stem and file name unique in the plan."""
        while stem in self._stems and self._stems[stem] != file_name:
            stem, file_name = f"{stem}Build", f"{file_name.rsplit('.', 1)[0]}-build.zip"
        self._stems[stem] = file_name
        files = tuple(ArchiveFile(name, source, mode_of(source)) for name, source in sorted(members.items()))
        return CodeArchive(stem, file_name, files_digest(files), keys, files=files)

    def selected(self, excludes: Sequence[str], includes: Sequence[str], path: str) -> Optional[List[str]]:
        names = select_files(self.files(), excludes, includes)
        if not names:
            self.problem(path, "no file matches the include / exclude patterns; nothing to package")
            return None
        return names

    def requirements(self, key: str) -> Dict[str, str]:
        """What serverless-python-requirements adds to the function's archive (build problems noted)."""
        try:
            return {name: os.fspath(path) for name, path in self.python.members(key)}
        except BuildError as error:
            self.problem(error.path, error.message)
            return {}

    def individual(self, key: str, stem: str, excludes: Sequence[str], includes: Sequence[str], path: str) -> Any:
        names = self.selected(excludes, includes, path)
        if names is None:
            return None
        members = {name: os.fspath(self.root / name) for name in names}
        file_name = f"{key}.zip"
        module = self.python.module(key) if self.python.applies(key) else "."
        if module != ".":  # the plugin's moveModuleUp: the module's files at the archive's root
            members = {name: os.fspath(self.root / source) for name, source in moved_up(names, module).items()}
            file_name = f"{module.strip('/')}-{self.service.functions[key].deployed_name}.zip"
        members.update(self.requirements(key))
        return self.archive(stem, file_name, (key,), members)

    def shared(self, keys: Sequence[str]) -> Dict[str, Any]:
        """The service package: one archive, or one per set of requirements when functions run on different
        Python platforms (the plugin installs one set for all, for the host)."""
        if not keys:
            return {}
        service_package = self.settings.package
        excludes = union(DEFAULT_EXCLUDES, self.settings.extra_excludes, service_package.excludes)
        names = self.selected(excludes, union(service_package.patterns), service_package.path)
        if names is None:
            return {key: None for key in keys}
        groups: Dict[Any, Tuple[List[str], Dict[str, str]]] = {}
        for key in keys:
            added = self.requirements(key) if self.python.applies(key) else None
            identity = None if added is None else tuple(sorted(added.items()))
            groups.setdefault(identity, ([], added or {}))[0].append(key)
        if None in groups and len(groups) > 1:  # functions without requirements join the first set
            plain = groups.pop(None)[0]
            first = next(iter(groups))
            groups[first][0].extend(plain)
        chosen: Dict[str, Any] = {}
        for index, (group_keys, added) in enumerate(groups.values()):
            members = {name: os.fspath(self.root / name) for name in names}
            members.update(added)
            stem, file_name = "Service", f"{self.service.name}.zip"
            if index:
                platform = self.python.platform(group_keys[0])
                label = f"python{platform.python}-{platform.architecture}"
                stem, file_name = f"Service{re.sub(r'[^A-Za-z0-9]', '', label.title())}", f"{self.service.name}-{label}.zip"
            archive = self.archive(stem, file_name, tuple(group_keys), members)
            chosen.update({key: archive for key in group_keys})
        return chosen

    def node_built(self, keys: Sequence[str]) -> Dict[str, Any]:
        """The Node functions' archives as serverless-esbuild or serverless-plugin-typescript writes them."""
        try:
            archives = node_archives(self.service, keys)
        except BuildError as error:
            self.problem(error.path, error.message)
            return {}
        chosen: Dict[str, Any] = {}
        for built in archives:
            if len(built.functions) == 1 and built.file_name != f"{self.service.name}.zip":
                stem = naming.normalized_function_name(built.functions[0]) + "Function"
            else:
                stem = "Service"
            archive = self.archive(stem, built.file_name, built.functions, {n: os.fspath(p) for n, p in built.members})
            chosen.update({key: archive for key in built.functions})
        return chosen

    def layers(self, keys: Sequence[str]) -> List[Layer]:
        """The service's layers the functions name, then the requirements layers (`layer: true`)."""
        found = [layer for layer in map(self.service_layer, self.used_layers(keys).items()) if layer is not None]
        try:
            for spec in self.python.layers(keys):
                members = {name: os.fspath(path) for name, path in layer_members(spec, self.python)}
                stem = naming.normalized_function_name(spec.key) + "Layer"
                archive = self.archive(stem, f"{spec.key}.zip", spec.functions, members)
                properties = requirements_layer_properties(self.service, spec)
                key = naming.normalized_function_name(spec.key) + "LambdaLayer"
                found.append(Layer(key, f"layer-{spec.key}", properties, spec.settings.retain, spec.functions, archive))
        except BuildError as error:
            self.problem(error.path, error.message)
        return found

    def used_layers(self, keys: Sequence[str]) -> Dict[ServiceLayer, Tuple[str, ...]]:
        """The service layers the functions in `keys` name (`{Ref: {Layer}LambdaLayer}`), with those functions."""
        layers = settings_of(self.service).layers
        used: Dict[ServiceLayer, Tuple[str, ...]] = {}
        for key in keys:
            for layer in referenced_layers(layers, self.service.functions[key].layers):
                used[layer] = used.get(layer, ()) + (key,)
        return used

    def service_layer(self, item: Tuple[ServiceLayer, Tuple[str, ...]]) -> Optional[Layer]:
        """A `layers:` entry packaged as Serverless packages it (`packageLayer`): its folder's files, with the
        default excludes, the service's package patterns then the layer's, or its `package.artifact`."""
        layer, users = item
        if layer.problems:
            self.problems.extend(layer.problems)
            return None
        stem = naming.normalized_function_name(layer.key) + "Layer"
        if layer.artifact:
            archive = self.layer_artifact(layer, stem, users)
        else:
            archive = self.layer_folder(layer, stem, users)
        if archive is None:
            return None
        properties: Dict[str, Any] = {"LayerName": layer.name or layer.key}
        for name, value in (("Description", layer.description), ("LicenseInfo", layer.license_info)):
            if value:
                properties[name] = value
        if layer.compatible_runtimes is not None:
            properties["CompatibleRuntimes"] = list(layer.compatible_runtimes)
        if layer.compatible_architectures is not None:
            properties["CompatibleArchitectures"] = list(layer.compatible_architectures)
        return Layer(layer.logical_id, f"layer-{layer.key}", properties, layer.retain, (), archive)

    def layer_artifact(self, layer: ServiceLayer, stem: str, users: Tuple[str, ...]) -> Optional[CodeArchive]:
        where = f"{layer.where}.package.artifact"
        if parse_s3_uri(layer.artifact or "") is not None:
            self.problem(where, "a layer's artifact must be a local zip (Serverless uploads it); download it, or give the layer's folder as path")
            return None
        source = (self.root / (layer.artifact or "")).resolve()
        if not source.is_file():
            self.problem(where, f"cannot read the layer artifact {layer.artifact!r} (looked for {source})")
            return None
        return CodeArchive(stem, source.name, file_digest(os.fspath(source)), users, source=os.fspath(source))

    def layer_folder(self, layer: ServiceLayer, stem: str, users: Tuple[str, ...]) -> Optional[CodeArchive]:
        folder = self.root / (layer.path or "")
        if layer.path is None or not folder.is_dir():
            self.problem(f"{layer.where}.path", f"{layer.path!r} is not a folder of the service (looked for {folder})")
            return None
        layer_folders = {f"{other.path}/**" for other in settings_of(self.service).layers if other.path}
        own_excludes = [pattern for pattern in self.settings.extra_excludes if pattern not in layer_folders]
        excludes = union(DEFAULT_EXCLUDES, own_excludes, self.settings.package.excludes, layer.excludes)
        includes = union(self.settings.package.patterns, layer.patterns)
        names = select_files(list_files(folder), excludes, includes)
        if not names:
            self.problem(f"{layer.where}.path", "no file of the layer's folder matches the include / exclude patterns; nothing to package")
            return None
        return self.archive(stem, f"{layer.key}.zip", users, {name: os.fspath(folder / name) for name in names})


def package_functions(service: Any, keys: Sequence[str]) -> Packaged:
    """Everything the functions in `keys` need for their code: archives, layers, and the problems found (a
    build plugin wsapi does not reproduce stops before anything is built)."""
    problems = plugin_problems(service, keys)
    problems += list(settings_of(service).problems)
    if problems:
        return Packaged(problems=problems)
    packager = _Packager(service)
    code = packager.code(keys)
    layers = packager.layers(keys)
    return Packaged(code, layers, packager.problems)


def function_code(service: Any, keys: Sequence[str]) -> Tuple[dict, List[Any]]:
    """The code of each function in `keys` (a `plan.CodeArchive` or an `S3Code`), and the problems found."""
    packaged = package_functions(service, keys)
    return packaged.code, packaged.problems


def write_archive(archive: Any, target: Path) -> Path:
    """Write a `plan.CodeArchive` to `target`: build it, or copy the ready-made archive."""
    if archive.source is not None:
        with atomic_file(target) as handle, open(archive.source, "rb") as source:
            copy_blocks(source, handle)
        return target
    return write_zip(archive.files, target)


def cached_archive(archive: Any) -> Path:
    """The archive as a file the Pulumi component can upload: a ready-made one as it is, a built one from the
    content-addressed cache (built there once)."""
    if archive.source is not None:
        return Path(archive.source)
    target = cache_dir() / f"{archive.file_name.rsplit('.', 1)[0]}-{archive.digest}.zip"
    if not target.is_file():
        write_zip(archive.files, target)
    return target
