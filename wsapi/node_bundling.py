"""serverless-esbuild and serverless-plugin-typescript, reproduced with the service's own esbuild or tsc (from
its `node_modules`, found as Node finds them): the archives hold what the plugins' archives hold.

serverless-esbuild 1.x (`bundle`, `pack`):
- each function's entry is its handler's file (or `esbuildEntrypoint`) with the first of `.ts`, `.js`, `.jsx`,
  `.tsx` (or `resolveExtensions`) that exists, else its `index` file; each entry is bundled once with
  `custom.esbuild` as esbuild options over the plugin's defaults (`bundle: true`, `platform: node`, `target`
  from the function's runtime), `external` plus `exclude` as esbuild's externals;
- `exclude` defaults to the SDK the function's runtime ships: `aws-sdk` up to nodejs16.x, `@aws-sdk/*` from
  nodejs18.x (the plugin excludes `aws-sdk` everywhere, which nodejs18.x and later do not have: a handler
  using it fails there);
- the archive: the bundle at the entry's place (`src/handler.js` for `src/handler.ts`, with its map), the
  files `package.patterns` names (globby, from the service folder), and the externals' packages under
  `node_modules`; one `{service}.zip`, or with `individually` one `{function}.zip` holding its own bundle and
  only the external packages it imports. The plugin installs externals with npm; wsapi copies them, with
  what they need, from the service's `node_modules`.

serverless-plugin-typescript 2.x: tsc compiles the handlers' files and those of `tsconfig.json` into a build
folder (`outDir`, with `rootDir` the service folder), the plugin copies `node_modules`, `package.json` and the
files `package.include`/`package.patterns` name beside them, and Serverless packages that folder as the
service (its patterns, its default excludes, development dependencies left out). Without a tsconfig the
plugin's own compiler options apply. tsc runs as a command (`tsc -p`), so TypeScript 5 and 7 both work.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from . import build_cache
from .archives import file_digest
from .build_errors import BuildError
from .build_settings import EsbuildSettings, TypescriptSettings
from .node_packages import closure, dev_excludes, find_bin, find_package, read_manifest
from .package_files import DEFAULT_EXCLUDES, globby_select, list_files, select_files, union

DEFAULT_EXTENSIONS = (".ts", ".js", ".jsx", ".tsx")
ONLY_PREFIX = "__only_"
#: serverless-plugin-typescript's compiler options when the service has no tsconfig.json.
DEFAULT_TSCONFIG = {
    "preserveConstEnums": True, "strictNullChecks": True, "sourceMap": True, "allowJs": True, "target": "es5",
    "moduleResolution": "node", "lib": ["es2015"],
}  # fmt: skip
NODE_RUNTIME = re.compile(r"^nodejs(\d+)\.x$")
OLDEST_ESBUILD_RUNTIME = 12  #: serverless-esbuild's runtime table starts at nodejs12.x
NEWEST_SDK_V2_RUNTIME = 16  #: nodejs16.x is the last runtime that ships aws-sdk (v2); later ones ship @aws-sdk (v3)
BUNDLE_KIND = "esbuild"
TSC_KIND = "tsc"

#: Runs the service's esbuild with the options read from stdin (one build per entry), answers on stdout.
ESBUILD_RUNNER = r"""
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const esbuild = require(input.esbuild);
(async () => {
  const answers = [];
  for (const options of input.builds) {
    try {
      const result = await esbuild.build({ ...options, metafile: true, logLevel: 'silent' });
      answers.push({ ok: true, metafile: result.metafile });
    } catch (error) {
      const errors = (error.errors || []).map((e) => (e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : '') + e.text);
      answers.push({ ok: false, errors: errors.length ? errors : [String(error && error.message || error)] });
    }
  }
  process.stdout.write(JSON.stringify(answers));
})();
"""


@dataclass(frozen=True)
class NodeFunction:
    """A function a Node build plugin builds."""

    key: str
    handler: str
    runtime: str
    individually: bool
    patterns: Tuple[str, ...] = ()  #: its own `package.include` + `package.patterns`
    excludes: Tuple[str, ...] = ()  #: its own `package.exclude`
    entrypoint: Optional[str] = None  #: `esbuildEntrypoint`


@dataclass(frozen=True)
class BuiltArchive:
    """What a build plugin puts into one archive: member name -> file."""

    file_name: str
    functions: Tuple[str, ...]
    members: Tuple[Tuple[str, Path], ...]


def node_command() -> str:
    found = shutil.which("node")
    if found is None:
        raise BuildError("plugins", "node is not installed: the service's esbuild or tsc runs with Node.js (install Node.js 18 or later)")
    return found


def run(command: Sequence[str], cwd: Path, where: str, what: str, stdin: str = "") -> subprocess.CompletedProcess:
    try:
        return subprocess.run(list(command), cwd=cwd, input=stdin, capture_output=True, text=True)
    except OSError as error:
        raise BuildError(where, f"cannot run {what}: {error}") from None


def tree_digest(folder: Path) -> str:
    return build_cache.key_of([(name, file_digest(str(folder / name))) for name in list_files(folder)])


class Scratch:
    """A build folder inside the service folder, at the depth of the plugin's own (`.esbuild/.build`,
    `.build`), so that what the tools write relative to it (source maps' `sources`) is what the plugin's
    build writes; moved into the cache when done, and removed."""

    def __init__(self, service_dir: Path, parent: str) -> None:
        self.base = service_dir / parent if parent else service_dir
        self.parent = parent

    def __enter__(self) -> Path:
        try:
            self.base.mkdir(exist_ok=True)
            self.folder = Path(tempfile.mkdtemp(prefix=".build-", dir=self.base))
        except OSError as error:
            raise BuildError("plugins", f"cannot write the build folder in {self.base}: {error}") from None
        return self.folder

    def __exit__(self, *exc: Any) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.parent:
            try:
                self.base.rmdir()  # only when empty: another build may be using it
            except OSError:
                pass


def move_into(source: Path, target: Path) -> None:
    for item in sorted(source.iterdir()):
        shutil.move(str(item), str(target / item.name))


# -- serverless-esbuild ------------------------------------------------------------------------------------


def entry_file(service_dir: Path, function: NodeFunction, extensions: Sequence[str], where: str) -> str:
    """The plugin's `extractFunctionEntries`: the handler without its function name, with the first extension
    that exists, else its `index` file."""
    handler = function.entrypoint or function.handler
    stem = handler
    dot = handler.rfind(".")
    if dot > handler.rfind("/"):
        stem = handler[:dot]
    for extension in extensions:
        for candidate in (stem + extension, f"{stem}/index{extension}"):
            if (service_dir / candidate).is_file():
                return os.path.normpath(candidate).replace(os.sep, "/")
    raise BuildError(where, f"serverless-esbuild finds no entry for handler {handler!r}: none of {stem}{{{','.join(extensions)}}} exists")


def default_exclude(runtime: str) -> Tuple[str, ...]:
    version = int(NODE_RUNTIME.match(runtime).group(1))  # type: ignore[union-attr]
    return ("aws-sdk",) if version <= NEWEST_SDK_V2_RUNTIME else ("@aws-sdk/*",)


def esbuild_options(settings: EsbuildSettings, function: NodeFunction, entry: str, outdir: Path) -> Dict[str, Any]:
    options: Dict[str, Any] = {"bundle": True, "platform": "node", "target": f"node{NODE_RUNTIME.match(function.runtime).group(1)}"}  # type: ignore[union-attr]
    options.update(settings.options)
    exclude = settings.exclude if settings.exclude is not None else default_exclude(function.runtime)
    options["external"] = list(settings.external) + ([] if "*" in exclude else list(exclude))
    options["entryPoints"] = [entry]
    options["outdir"] = str(outdir / os.path.dirname(entry))
    if settings.output_extension != ".js":
        options["outExtension"] = {".js": settings.output_extension}
    return options


def check_runtime(function: NodeFunction, where: str) -> None:
    match = NODE_RUNTIME.match(function.runtime or "")
    if match is None or int(match.group(1)) < OLDEST_ESBUILD_RUNTIME:
        raise BuildError(where, f"serverless-esbuild bundles for nodejs12.x and later runtimes, not {function.runtime!r}")


def bundle(service_dir: Path, settings: EsbuildSettings, functions: Sequence[NodeFunction], where: str) -> Tuple[Path, Dict[str, str], Dict[str, Set[str]]]:
    """Bundle every function's entry (once per entry) into one build folder (content-addressed in the cache).
    Returns the folder, each function's bundle path, and the external packages each bundle imports."""
    package = find_package(service_dir, "esbuild")
    if package is None:
        raise BuildError(where, f"serverless-esbuild bundles with the service's own esbuild, which is not installed in {service_dir}: run `npm install` there (esbuild is a peer dependency: `npm install --save-dev esbuild`)")
    extensions = tuple(settings.options.get("resolveExtensions") or DEFAULT_EXTENSIONS)
    entries: Dict[str, NodeFunction] = {}
    bundles: Dict[str, str] = {}
    for function in functions:
        check_runtime(function, f"functions.{function.key}.runtime")
        entry = entry_file(service_dir, function, extensions, f"functions.{function.key}.handler")
        entries.setdefault(entry, function)
        bundles[function.key] = entry[: entry.rfind(".")] + settings.output_extension
    imports: Dict[str, Set[str]] = {}

    def fill(folder: Path) -> None:
        with Scratch(service_dir, ".esbuild") as scratch:
            builds = [esbuild_options(settings, function, entry, scratch) for entry, function in entries.items()]
            runner = json.dumps({"esbuild": str(package.folder), "builds": builds})
            answer = run([node_command(), "-e", ESBUILD_RUNNER], service_dir, where, "esbuild", runner)
            try:
                results = json.loads(answer.stdout)
            except ValueError:
                raise BuildError(where, f"esbuild ({package.folder}) failed: {(answer.stderr or answer.stdout).strip()[-500:]}") from None
            for entry, result in zip(entries, results):
                if not result.get("ok"):
                    raise BuildError(where, f"esbuild cannot bundle {entry}: {'; '.join(result.get('errors', []))[:800]}")
                imports[entry] = external_imports(result.get("metafile") or {})
                if settings.options.get("metafile"):  # the plugin writes it beside the bundle
                    (scratch / f"{entry[: entry.rfind('.')]}-meta.json").write_text(json.dumps(result["metafile"], indent=2))
            move_into(scratch, folder)

    folder = build_cache.content_entry(build_cache.cache_root(), BUNDLE_KIND, fill, tree_digest)
    return folder, bundles, {key: imports.get(entry_of(bundles[key], entries), set()) for key in bundles}


def entry_of(bundle_path: str, entries: Mapping[str, Any]) -> str:
    stem = bundle_path[: bundle_path.rfind(".")]
    return next(entry for entry in entries if entry[: entry.rfind(".")] == stem)


def external_imports(metafile: Mapping[str, Any]) -> Set[str]:
    """The packages a bundle leaves to `require` at run time (esbuild marks them external)."""
    found = set()
    for output in (metafile.get("outputs") or {}).values():
        for item in output.get("imports") or []:
            if item.get("external"):
                path = str(item.get("path", ""))
                match = re.match(r"^(@[^/]+/[^/]+|[^/.][^/]*)", path)
                if match and not path.startswith("node:"):
                    found.add(match.group(1))
    return found


def externals(settings: EsbuildSettings, functions: Sequence[NodeFunction]) -> List[str]:
    """External packages shipped in `node_modules`: `external` without `exclude` (none with `exclude: '*'`)."""
    excluded = set(settings.exclude if settings.exclude is not None else ())
    for function in functions:
        if settings.exclude is None:
            excluded |= set(default_exclude(function.runtime))
    if "*" in excluded:
        return []
    return [name for name in settings.external if name not in excluded]


def shipped_externals(service_dir: Path, names: Sequence[str], excluded: Sequence[str], where: str) -> Dict[str, List[Tuple[str, Path]]]:
    """{external: its package and what it needs, as archive members}, from the service's node_modules, for the
    externals the service's package.json lists in `dependencies` (the plugin's `getProdModules`)."""
    manifest = read_manifest(service_dir) or {}
    dependencies = manifest.get("dependencies") if isinstance(manifest.get("dependencies"), Mapping) else {}
    dev = manifest.get("devDependencies") if isinstance(manifest.get("devDependencies"), Mapping) else {}
    found: Dict[str, List[Tuple[str, Path]]] = {}
    for name in names:
        if name not in dependencies:
            if name in dev and name != "aws-sdk":
                raise BuildError(where, f"external {name!r} is a devDependency of package.json; move it to dependencies to ship it")
            continue  # the plugin leaves it out ("excluded automatically")
        packages = closure(service_dir, [name], excluded)
        if not any(p.name == name for p in packages.values()):
            raise BuildError(where, f"external {name!r} is not installed in {service_dir}/node_modules: run `npm install`")
        members = []
        for package in packages.values():
            base = package.archive_path()
            members.extend((f"{base}/{file}", package.folder / file) for file in list_files(package.folder) if not file.startswith("node_modules/"))
        found[name] = members
    return found


def esbuild_archives(
    service_dir: Path, service_name: str, settings: EsbuildSettings, functions: Sequence[NodeFunction],
    service_patterns: Sequence[str], where: str,
) -> List[BuiltArchive]:  # fmt: skip
    """The archives serverless-esbuild writes for `functions` (see the module's docstring)."""
    folder, bundles, imports = bundle(service_dir, settings, functions, where)
    files = list_files(service_dir)
    extras = [(name, service_dir / name) for name in globby_select(files, [*service_patterns, "!node_modules/serverless-esbuild"])]
    built = [(name, folder / name) for name in list_files(folder)]
    wanted = externals(settings, functions)
    excluded = list(settings.exclude or ())
    modules = shipped_externals(service_dir, wanted, excluded, where) if wanted else {}
    archives: List[BuiltArchive] = []
    shared = [f for f in functions if not f.individually]
    if shared:
        members = dict(built)
        members.update({name: path for name, path in extras})
        for function in shared:  # its own patterns' files, without the plugin's __only_ prefix
            members.update({name: service_dir / name for name in globby_select(files, function.patterns)})
        for external in modules.values():
            members.update(dict(external))
        archives.append(BuiltArchive(f"{service_name}.zip", tuple(f.key for f in shared), tuple(sorted(members.items()))))
    for function in (f for f in functions if f.individually):
        own = bundles[function.key]
        others = [b[: b.rfind(".")] for key, b in bundles.items() if not own.startswith(b)]
        members = {name: path for name, path in built if not any(name.startswith(f"{other}.") for other in others)}
        members.update(dict(extras))
        members.update({name: service_dir / name for name in globby_select(files, function.patterns)})
        needed = [name for name in wanted if name in imports.get(function.key, set())]
        for name in needed:
            members.update(dict(modules.get(name, [])))
        archives.append(BuiltArchive(f"{function.key}.zip", (function.key,), tuple(sorted(members.items()))))
    return archives


# -- serverless-plugin-typescript --------------------------------------------------------------------------


def handler_source(service_dir: Path, handler: str, where: str) -> str:
    """The plugin's `extractFileNames`: the handler's file with `.ts`, else `.js`."""
    name = handler.split(".")[-1]
    stem = handler[: handler.rfind(name)]
    for extension in ("ts", "js"):
        if (service_dir / f"{stem}{extension}").is_file():
            return f"{stem}{extension}"
    raise BuildError(where, f"serverless-plugin-typescript finds no {stem}ts or {stem}js for handler {handler!r}")


def tsconfig_files(tsc: Path, service_dir: Path, where: str) -> List[str]:
    """The files tsconfig.json compiles (`tsc --showConfig`), as the plugin adds them to the handlers'."""
    if not (service_dir / "tsconfig.json").is_file():
        return []
    answer = run([str(tsc), "-p", "tsconfig.json", "--showConfig"], service_dir, where, "tsc")
    try:
        shown = json.loads(answer.stdout)
    except ValueError:
        raise BuildError(where, f"tsc cannot read tsconfig.json: {(answer.stdout + answer.stderr).strip()[-500:]}") from None
    return [os.path.normpath(f).replace(os.sep, "/") for f in shown.get("files", [])]


def compile_typescript(service_dir: Path, settings: TypescriptSettings, roots: Sequence[str], where: str) -> Path:
    """tsc's output for `roots` (content-addressed in the cache): what the plugin's `.build` holds besides the
    copies of node_modules, package.json and the extras."""
    tsc = find_bin(service_dir, "tsc")
    if tsc is None:
        raise BuildError(where, f"serverless-plugin-typescript compiles with the service's own TypeScript, which is not installed in {service_dir}: run `npm install` there (or `npm install --save-dev typescript@5`)")
    files = union(roots, tsconfig_files(tsc, service_dir, where))
    config_path = service_dir / settings.tsconfig

    def fill(folder: Path) -> None:
        with Scratch(service_dir, "") as scratch, tempfile.TemporaryDirectory(prefix="wsapi-tsc-") as config_dir:
            out = scratch  # the plugin's `.build`, one folder down from the service's
            generated: Dict[str, Any] = {"files": [str(service_dir / f) for f in files], "include": []}
            options: Dict[str, Any] = {"outDir": str(out), "rootDir": str(service_dir)}
            if config_path.is_file():
                generated["extends"] = str(config_path)
            else:
                options = {**DEFAULT_TSCONFIG, **options}
            generated["compilerOptions"] = options
            config = Path(config_dir) / "tsconfig.json"
            config.write_text(json.dumps(generated, indent=2))
            answer = run([str(tsc), "-p", str(config)], service_dir, where, "tsc")
            if answer.returncode not in (0, 2) or not any(out.iterdir()):  # 2: errors, but the files were written
                raise BuildError(where, f"tsc failed: {(answer.stdout + answer.stderr).strip()[-800:]}")
            move_into(out, folder)

    folder = build_cache.content_entry(build_cache.cache_root(), TSC_KIND, fill, tree_digest)
    return folder


def typescript_archives(
    service_dir: Path, service_name: str, settings: TypescriptSettings, functions: Sequence[NodeFunction],
    service_excludes: Sequence[str], service_patterns: Sequence[str], extra_excludes: Sequence[str], where: str,
) -> List[BuiltArchive]:  # fmt: skip
    """The archives Serverless packages from the plugin's build folder (see the module's docstring)."""
    roots = [handler_source(service_dir, f.handler, f"functions.{f.key}.handler") for f in functions]
    compiled = compile_typescript(service_dir, settings, roots, where)
    for function, source in zip(functions, roots):
        emitted = source[: source.rfind(".")] + ".js"
        if not (compiled / emitted).is_file():
            raise BuildError(f"functions.{function.key}.handler", f"tsc wrote no {emitted} (is noEmit set in {settings.tsconfig}?)")
    service_files = list_files(service_dir)
    tree: Dict[str, Path] = {name: compiled / name for name in list_files(compiled)}
    for name in globby_select(service_files, service_patterns):  # the plugin's copyExtras: never over tsc's output
        tree.setdefault(name, service_dir / name)
    if (service_dir / "package.json").is_file():
        tree.setdefault("package.json", service_dir / "package.json")
    for name in service_files:
        if name.startswith("node_modules/"):
            tree.setdefault(name, service_dir / name)
    names = sorted(tree)
    excludes = union(DEFAULT_EXCLUDES, extra_excludes, service_excludes, dev_excludes(service_dir))
    archives: List[BuiltArchive] = []
    shared = [f for f in functions if not f.individually]
    if shared:
        chosen = select_files(names, excludes, service_patterns)
        archives.append(BuiltArchive(f"{service_name}.zip", tuple(f.key for f in shared), tuple((n, tree[n]) for n in chosen)))
    for function in (f for f in functions if f.individually):
        own_excludes = union(excludes, function.excludes, ["node_modules/serverless-plugin-typescript"])
        chosen = select_files(names, own_excludes, union(service_patterns, function.patterns))
        archives.append(BuiltArchive(f"{function.key}.zip", (function.key,), tuple((n, tree[n]) for n in chosen)))
    return archives
