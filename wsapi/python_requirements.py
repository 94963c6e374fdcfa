"""serverless-python-requirements, done by wsapi: the requirements of a function, installed for the function's
own runtime and architecture, once per distinct set (the build cache).

What the plugin (6.1) does, and what wsapi does:

- The requirements come from `poetry.lock` (a Poetry project in the module folder, `usePoetry`), else
  `Pipfile.lock` (a `Pipfile` in the service folder, `usePipenv`), else `{module}/{fileName}` (default
  `requirements.txt`, `-r` includes followed). They are filtered as the plugin filters them: comments and
  empty lines dropped, `noDeploy` names dropped, pip options (`-i`, `--extra-index-url`, `-f`, ...) first, the
  requirements sorted. The plugin runs `poetry export` or `pipenv requirements`; wsapi reads the lock files.
- The plugin, without Docker, runs the host's pip: a `python3.12`/`arm64` function gets the host's
  `cpython-311-x86_64` wheels and fails at import. wsapi runs pip with `--platform manylinux_2_X_{arch}` (the
  glibc of the runtime's Amazon Linux), `--python-version` from the runtime, `--implementation cp` and
  `--only-binary=:all:`: a package with no wheel for the function is an error naming it. Environment markers
  of the requirement lines are evaluated for the function (pip would evaluate them for the host), and pip
  compiles no `.pyc` for the host's Python (`--no-compile`).
- `slim` deletes `**/*.py[c|o]`, `**/__pycache__*`, `**/*.dist-info*` (and `slimPatterns`) and strips `.so`
  files (unless `strip: false`) with a strip that reads the function's architecture (`{arch}-linux-gnu-strip`,
  `llvm-strip`, else the host's `strip`, which leaves other architectures as they are, as the plugin's does).
- `vendor` folders are copied over the installed requirements; `noDeploy` names are left out of the archive.
- Installed trees are cached under a key of everything that decides their content (the requirement lines,
  the platform, pip's extra arguments, slim settings, vendor files): a second build of the same service
  installs nothing. `invalidateCaches` or `useStaticCache: false` install again; `useDownloadCache: false`
  gives pip no download cache; `cacheLocation` moves the cache; `staticCacheMaxVersions` prunes it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple

from . import build_cache
from .archives import EXECUTABLE_MODE, REGULAR_MODE, ZIP_EPOCH, file_digest
from .build_errors import BuildError
from .build_settings import PythonRequirementsSettings
from .globs import glob_matcher
from .python_locks import pipfile_requirements, poetry_requirements
from .python_markers import MarkerError, lambda_environment, requirement_for

RUNTIME = re.compile(r"^python(3)\.(\d+)$")
#: glibc of each runtime's Amazon Linux: wheels tagged for a newer one do not load there.
GLIBC = ((7, 17), (11, 26))  # python3.7: Amazon Linux 1; 3.8-3.11: Amazon Linux 2; later: 2023 (2.34)
LATEST_GLIBC = 34
MACHINES = {"x86_64": "x86_64", "arm64": "aarch64"}
SLIM_DEFAULTS = ("**/*.py[c|o]", "**/__pycache__*", "**/*.dist-info*")
#: Lines that are pip options, kept first in their order (the plugin's `filterRequirementsFile`).
OPTION_PREFIXES = ("--", "-c", "-e", "-f", "-i", "-r")
CACHE_KIND = "python-requirements"
#: Bump when what an entry holds changes shape, so old entries are not reused.
ENTRY_FORMAT = 2
SITE = "site"  #: the installed tree, inside an entry
ZIPPED = "requirements.zip"  #: the tree as `.requirements.zip` (zip: true)
HELPER = "unzip_requirements.py"
FILTERED = "requirements.txt"  #: the filtered requirement lines, which the plugin ships as the archive's requirements.txt

#: The module `zip: true` adds beside `.requirements.zip`: imported first by the handler
#: (`import unzip_requirements`), it unpacks the requirements into /tmp once per sandbox.
UNZIP_HELPER = '''"""Unpack .requirements.zip into /tmp once per Lambda sandbox and put it on sys.path (written by wsapi for
serverless-python-requirements' `zip: true`): `import unzip_requirements` before importing a requirement."""
import os
import shutil
import sys
import tempfile
import zipfile

TARGET = "/tmp/sls-py-req"

if TARGET not in sys.path:
    sys.path.insert(1, TARGET)
if not os.path.exists(TARGET):
    local = os.environ.get("IS_LOCAL") == "true"
    root = os.getcwd() if local else os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    staging = tempfile.mkdtemp(prefix="sls-py-req-", dir="/tmp")
    with zipfile.ZipFile(os.path.join(root, ".requirements.zip")) as archive:
        archive.extractall(staging)
    try:
        os.rename(staging, TARGET)
    except OSError:  # unpacked meanwhile by another import
        shutil.rmtree(staging, ignore_errors=True)
'''


@dataclass(frozen=True)
class Platform:
    """Where a function runs: its Python and architecture."""

    python: str  #: "3.12"
    architecture: str  #: "x86_64" or "arm64" (Lambda's names)

    @classmethod
    def of(cls, runtime: str, architecture: Optional[str], path: str) -> "Platform":
        match = RUNTIME.match(runtime or "")
        if match is None:
            raise BuildError(path, f"{runtime!r} is not a Python 3 runtime; serverless-python-requirements installs for python3.x functions")
        return cls(f"3.{match.group(2)}", architecture or "x86_64")

    @property
    def machine(self) -> str:
        return MACHINES[self.architecture]

    @property
    def label(self) -> str:
        return f"python{self.python} on {self.architecture}"

    def glibc(self) -> int:
        minor = int(self.python.split(".")[1])
        return next((glibc for last, glibc in GLIBC if minor <= last), LATEST_GLIBC)

    def pip_platforms(self) -> List[str]:
        """Every manylinux tag the runtime's glibc runs, newest first (pip prefers the first it can use)."""
        tags = [f"manylinux_2_{minor}_{self.machine}" for minor in range(self.glibc(), 16, -1)]
        return tags + [f"manylinux2014_{self.machine}"]

    def environment(self) -> Dict[str, str]:
        return lambda_environment(self.python, self.machine)


# -- where the requirements come from ----------------------------------------------------------------------


@dataclass(frozen=True)
class Requirements:
    """The requirement lines of one module, as the plugin writes them to `.serverless/requirements.txt`."""

    source: str  #: the file they come from, relative to the service folder
    lines: Tuple[str, ...]


def read_requirements(service_dir: Path, module: str, settings: PythonRequirementsSettings, where: str) -> Optional[Requirements]:
    """The module's requirements (None when it has none), from poetry.lock, Pipfile.lock or the requirements
    file, in the plugin's order of preference."""
    folder = service_dir / module
    if settings.use_poetry and is_poetry_project(folder):
        source, lines = poetry_requirements(folder, settings, where)
        return Requirements(relative(service_dir, source), filtered(lines, settings.no_deploy))
    if settings.use_pipenv and (service_dir / "Pipfile").is_file():
        source, lines = pipfile_requirements(service_dir, where)
        return Requirements(relative(service_dir, source), filtered(lines, settings.no_deploy))
    path = folder / settings.file_name
    if not path.is_file():
        return None
    return Requirements(relative(service_dir, path), filtered(requirement_file_lines(path, where), settings.no_deploy))


def relative(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def is_poetry_project(folder: Path) -> bool:
    """The plugin's test: `pyproject.toml` whose build-system requires poetry."""
    path = folder / "pyproject.toml"
    if not path.is_file():
        return False
    text = path.read_text(encoding="utf-8", errors="replace")
    section = re.search(r"^\[build-system\](.*?)(?=^\[|\Z)", text, re.S | re.M)
    return bool(section and re.search(r"""requires\s*=\s*\[[^\]]*['"]poetry""", section.group(1), re.S))


def requirement_file_lines(path: Path, where: str, seen: Optional[Set[Path]] = None) -> List[str]:
    """The lines of a requirements file, continuations joined, `-r FILE` includes followed (relative to the
    including file), as the plugin's `getRequirements` reads them."""
    seen = set() if seen is None else seen
    real = path.resolve()
    if real in seen:
        raise BuildError(where, f"{path} includes itself (-r)")
    seen.add(real)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BuildError(where, f"cannot read {path}: {error}") from None
    lines: List[str] = []
    for line in text.replace("\\\n", " ").replace("\\\r\n", " ").splitlines():
        line = line.strip()
        if line.startswith("-r"):
            included = path.parent / re.sub(r"^-r\s+", "", line)
            lines.extend(requirement_file_lines(included, where, seen))
        else:
            lines.append(line)
    return lines


def requirement_name(line: str) -> str:
    """The plugin's name of a requirement line (`requests>=2` -> `requests`), for `noDeploy`."""
    return re.split(r"[=<> \t]", line.strip(), maxsplit=1)[0].strip()


def filtered(lines: Sequence[str], no_deploy: Sequence[str]) -> Tuple[str, ...]:
    """The plugin's `filterRequirementsFile`: no comments or empty lines, no `noDeploy` names, options first
    (`-e` dropped from editable lines), the requirements sorted."""
    options: List[str] = []
    requirements: List[str] = []
    skipped = set(no_deploy)
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(OPTION_PREFIXES):
            options.append(line.split("-e", 1)[1].strip() if line.startswith("-e") else line)
        elif requirement_name(line) not in skipped:
            requirements.append(line)
    return tuple(options) + tuple(sorted(requirements))


# -- installing --------------------------------------------------------------------------------------------


def pip_lines(requirements: Requirements, platform: Platform, where: str) -> List[str]:
    """The lines for pip: the markers evaluated for the function, the lines that do not apply left out."""
    environment = platform.environment()
    lines = []
    for line in requirements.lines:
        if line.startswith(OPTION_PREFIXES) and not line.startswith("-e"):
            lines.append(line)
            continue
        try:
            kept = requirement_for(line, environment)
        except MarkerError as error:
            raise BuildError(where, f"{requirements.source}: {error}") from None
        if kept is not None:
            lines.append(kept)
    return lines


def pip_arguments(settings: PythonRequirementsSettings) -> List[str]:
    """`pipCmdExtraArgs`, each entry split at its first whitespace as the plugin splits it."""
    arguments: List[str] = []
    for entry in settings.pip_extra_args:
        arguments.extend(entry.split(None, 1))
    return arguments


@dataclass(frozen=True)
class Installed:
    """A cache entry: the requirements installed for one platform."""

    folder: Path
    platform: Platform
    source: str

    @property
    def site(self) -> Path:
        return self.folder / SITE


_refreshed: Set[Path] = set()  #: entries installed again in this process (invalidateCaches): once each


def install(service_dir: Path, requirements: Requirements, platform: Platform, settings: PythonRequirementsSettings, where: str) -> Optional[Installed]:
    """The requirements installed for `platform` (from the cache, or installed now); None when nothing applies."""
    lines = pip_lines(requirements, platform, where)
    if not any(not line.startswith(OPTION_PREFIXES) or line.startswith("-e") for line in lines):
        return None
    root = build_cache.cache_root(settings.cache_location, service_dir, f"{settings.path}.cacheLocation" if settings.cache_location else "WSAPI_BUILD_CACHE")
    vendor = vendor_digest(service_dir, settings.vendor, where)
    key = build_cache.key_of(
        ENTRY_FORMAT, lines, requirements.lines, platform.python, platform.architecture, pip_arguments(settings), settings.slim,
        settings.strip, settings.slim_patterns, settings.slim_patterns_append_defaults, vendor,
        sorted(settings.no_deploy),
    )  # fmt: skip
    final = root / CACHE_KIND / key
    refresh = (settings.invalidate_caches or not settings.use_static_cache) and final not in _refreshed

    def build(folder: Path) -> None:
        pip_install(service_dir, lines, platform, settings, folder / SITE, root, where, requirements.source)
        if settings.slim:
            slim(folder / SITE, settings, platform)
        if settings.vendor:
            copy_vendor(service_dir / settings.vendor, folder / SITE)
        if settings.zip:
            zip_tree(folder / SITE, folder / ZIPPED, settings.no_deploy)
        (folder / HELPER).write_text(UNZIP_HELPER)
        (folder / FILTERED).write_text("\n".join(requirements.lines) + "\n")
        (folder / "platform.json").write_text(json.dumps({"python": platform.python, "architecture": platform.architecture}))

    folder = build_cache.entry(root, CACHE_KIND, key, build, refresh=refresh)
    if refresh:
        _refreshed.add(final)
    build_cache.prune(root, CACHE_KIND, settings.static_cache_max_versions)
    return Installed(folder, platform, requirements.source)


def pip_install(
    service_dir: Path, lines: List[str], platform: Platform, settings: PythonRequirementsSettings, target: Path,
    cache: Path, where: str, source: str,
) -> None:  # fmt: skip
    """Run pip for the function's platform, from the service folder (relative paths in pip's arguments are
    the service's, as with the plugin)."""
    requirements = target.parent / "requirements-for-pip.txt"
    requirements.write_text("\n".join(lines) + "\n")
    command = [sys.executable, "-m", "pip", "install", *pip_arguments(settings), "-t", str(target), "-r", str(requirements)]
    for tag in platform.pip_platforms():
        command += ["--platform", tag]
    command += [
        "--python-version", platform.python, "--implementation", "cp", "--only-binary=:all:", "--no-compile",
        "--disable-pip-version-check", "--no-input", "--progress-bar", "off",
    ]  # fmt: skip
    command += ["--cache-dir", str(cache / "pip")] if settings.use_download_cache else ["--no-cache-dir"]
    started = time.monotonic()
    try:
        result = subprocess.run(command, cwd=service_dir, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    except OSError as error:
        raise BuildError(where, f"cannot run pip ({sys.executable} -m pip): {error}") from None
    build_cache.stats.seconds["pip"] = build_cache.stats.seconds.get("pip", 0.0) + time.monotonic() - started
    if result.returncode != 0:
        raise BuildError(where, pip_failure(result.stdout + result.stderr, platform, source))


def pip_failure(output: str, platform: Platform, source: str) -> str:
    """What went wrong, in one line: the package without a wheel for the function, else pip's last error."""
    if "No module named pip" in output:
        return f"pip is not installed for {sys.executable}; install it (python -m ensurepip) to build {source}"
    missing = re.findall(r"No matching distribution found for (\S+)", output)
    if missing:
        name = missing[-1]
        versions = re.findall(r"Could not find a version that satisfies the requirement \S+ \(from versions: ([^)]*)\)", output)
        if versions and versions[-1].strip() not in ("", "none"):
            return f"{source}: no version of {name} fits (pip found {versions[-1].strip()}): {last_error(output)}"
        return (
            f"{source}: {name} has no wheel for {platform.label} ({platform.pip_platforms()[-1]}, cp{platform.python.replace('.', '')}); "
            "Lambda cannot build it from source. Use a version that publishes such wheels, or build one "
            f"(pip wheel {name} -w wheels, on a matching machine for compiled code) and add "
            "pipCmdExtraArgs: ['--find-links wheels']"
        )
    return f"{source}: pip failed installing for {platform.label}: {last_error(output)}"


def last_error(output: str) -> str:
    errors = [line.strip() for line in output.splitlines() if line.strip().startswith("ERROR:")]
    text = errors[-1] if errors else (output.strip().splitlines() or ["(no output)"])[-1].strip()
    return text[:500]


def vendor_digest(service_dir: Path, vendor: Optional[str], where: str) -> Optional[str]:
    if not vendor:
        return None
    folder = service_dir / vendor
    if not folder.is_dir():
        raise BuildError(f"{where}.vendor", f"{vendor!r} is not a folder of the service")
    parts = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        parts.append(f"{path.relative_to(folder).as_posix()}:{file_digest(str(path))}")
    return build_cache.key_of(parts)


def copy_vendor(vendor: Path, site: Path) -> None:
    """The plugin's `copyVendors`: each entry of the vendor folder replaces the one of the same name."""
    site.mkdir(parents=True, exist_ok=True)
    for item in sorted(vendor.iterdir()):
        destination = site / item.name
        if destination.is_dir() and not destination.is_symlink():
            shutil.rmtree(destination)
        elif destination.exists():
            destination.unlink()
        if item.is_dir():
            shutil.copytree(item, destination, symlinks=False)
        else:
            shutil.copy2(item, destination)


# -- slim ------------------------------------------------------------------------------------------------


def slim_patterns(settings: PythonRequirementsSettings) -> Tuple[str, ...]:
    if settings.slim_patterns and not settings.slim_patterns_append_defaults:
        return settings.slim_patterns
    return SLIM_DEFAULTS + settings.slim_patterns


def slim(site: Path, settings: PythonRequirementsSettings, platform: Platform) -> None:
    """Delete what `slim` deletes (a pattern matching a folder deletes the folder), then strip `.so` files."""
    matchers = [glob_matcher(pattern) for pattern in slim_patterns(settings)]
    for path in sorted(site.rglob("*"), key=lambda p: len(p.parts)):
        if not os.path.lexists(path):
            continue  # inside a folder deleted already
        name = path.relative_to(site).as_posix()
        if any(match(name) for match in matchers):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
    if settings.strip:
        strip_libraries(site, platform)


def strip_command(platform: Platform) -> Optional[str]:
    for name in (f"{platform.machine}-linux-gnu-strip", "llvm-strip", "strip"):
        found = shutil.which(name)
        if found:
            return found
    return None


def strip_libraries(site: Path, platform: Platform) -> None:
    """`strip` every `*.so`, as the plugin's `find -name *.so -exec strip {} ;`; one it cannot read is kept."""
    command = strip_command(platform)
    if command is None:
        return
    for library in sorted(site.rglob("*.so")):
        if library.is_file() and not library.is_symlink():
            subprocess.run([command, str(library)], capture_output=True, stdin=subprocess.DEVNULL)


# -- what goes into the archives ---------------------------------------------------------------------------


def no_deploy_name(name: str) -> str:
    """The plugin's name of an installed path for `noDeploy` (`six.py` -> six, `boto3-1.0.dist-info/x` -> boto3)."""
    return re.split(r"[-/]|\.py$|\.pyc$", name, maxsplit=1)[0]


def site_files(site: Path, no_deploy: Sequence[str]) -> List[Tuple[str, Path]]:
    """(archive name, file) of every installed file, as the plugin injects them: no top-level `__pycache__`,
    nothing of a `noDeploy` package; symbolic links followed."""
    skipped = set(no_deploy)
    found = []
    for path in sorted(site.rglob("*")):
        name = path.relative_to(site).as_posix()
        if not path.is_file() or name.startswith("__pycache__/") or no_deploy_name(name) in skipped:
            continue
        found.append((name, path))
    return found


def mode_of(path: Path) -> int:
    return EXECUTABLE_MODE if os.stat(path).st_mode & 0o100 else REGULAR_MODE


def zip_tree(site: Path, target: Path, no_deploy: Sequence[str]) -> None:
    """`.requirements.zip` (zip: true): the installed tree, deterministic (fixed times, sorted, fixed modes)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in site_files(site, no_deploy):
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.create_system = 3
            info.external_attr = (0o100000 | mode_of(path)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())


def archive_members(installed: Installed, settings: PythonRequirementsSettings, prefix: str = "") -> List[Tuple[str, Path]]:
    """What the requirements add to an archive: the installed files at its root (or under `prefix`, `python/`
    for a layer) with the filtered requirements.txt, as the plugin's; or with `zip: true` the zipped tree and
    its helper. (The plugin also ships its `.completed_requirements` marker, and the host Python's `.pyc`
    files, which wsapi leaves out.)"""
    if settings.zip and not prefix:
        return [(".requirements.zip", installed.folder / ZIPPED), (HELPER, installed.folder / HELPER)]
    installed_files = [(prefix + name, path) for name, path in site_files(installed.site, settings.no_deploy)]
    return installed_files + [(prefix + FILTERED, installed.folder / FILTERED)]

