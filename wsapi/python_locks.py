"""Requirement lines from lock files, as serverless-python-requirements gets them from `pipenv requirements`
(Pipfile.lock) and `poetry export --without-hashes` (poetry.lock), read by wsapi without pipenv or Poetry.

- Pipfile.lock: the `default` packages, `-i` the first source and `--extra-index-url` the others, as
  `pipenv requirements` writes them. A Pipfile without its lock is refused (run `pipenv lock`): the plugin would
  lock it at every deploy, an unpinned build.
- poetry.lock: the packages the selected groups need (`main`, or `poetryWithGroups` / `poetryWithoutGroups` /
  `poetryOnlyGroups` as `--with` / `--without` / `--only`), found from the groups' dependencies in
  pyproject.toml through the lock's dependency graph, each pinned to its locked version with its markers.
  Optional dependencies (extras) are left out, as `poetry export` without `--extras` does. Without a lock the
  plugin has Poetry resolve one; wsapi refuses (run `poetry lock`), and so does the plugin with
  `requirePoetryLockFile`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, List, Mapping, Set, Tuple

from .build_settings import PythonRequirementsSettings
from .build_errors import BuildError

MAIN = "main"


def canonical(name: str) -> str:
    """PEP 503 normalized name (`Foo_Bar` -> `foo-bar`), how Poetry matches names."""
    return re.sub(r"[-_.]+", "-", name).lower()


def load_toml(path: Path, where: str) -> Mapping[str, Any]:
    try:
        import tomllib  # type: ignore[import-not-found]  # Python 3.11+
    except ModuleNotFoundError:  # pragma: no cover - Python 3.9/3.10
        try:
            import tomli as tomllib  # type: ignore[import-not-found,no-redef]
        except ModuleNotFoundError:
            raise BuildError(where, f"reading {path.name} needs Python 3.11 or the tomli package (pip install tomli)") from None
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise BuildError(where, f"cannot read {path}: {error}") from None


# -- Pipfile.lock ------------------------------------------------------------------------------------------


def pipfile_requirements(service_dir: Path, where: str) -> Tuple[Path, List[str]]:
    lock = service_dir / "Pipfile.lock"
    if not lock.is_file():
        raise BuildError(where, "the service has a Pipfile but no Pipfile.lock: run `pipenv lock` (wsapi installs locked versions only)")
    try:
        data = json.loads(lock.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise BuildError(where, f"cannot read {lock}: {error}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("default", {}), Mapping):
        raise BuildError(where, f"{lock} is not a Pipfile.lock (no 'default' packages)")
    lines: List[str] = []
    sources = data.get("_meta", {}).get("sources", []) if isinstance(data.get("_meta"), Mapping) else []
    for index, source in enumerate(s for s in sources if isinstance(s, Mapping) and isinstance(s.get("url"), str)):
        lines.append(f"{'-i' if index == 0 else '--extra-index-url'} {source['url']}")
    for name, entry in sorted(data.get("default", {}).items()):
        if isinstance(entry, Mapping):
            lines.append(pipfile_line(str(name), entry))
    return lock, lines


def pipfile_line(name: str, entry: Mapping[str, Any]) -> str:
    extras = f"[{','.join(entry['extras'])}]" if entry.get("extras") else ""
    if entry.get("git"):
        line = f"git+{entry['git']}" + (f"@{entry['ref']}" if entry.get("ref") else "") + f"#egg={name}"
    elif entry.get("file"):
        line = str(entry["file"])
    elif entry.get("path"):
        line = str(entry["path"])
    else:
        line = f"{name}{extras}{entry.get('version', '')}"
    return f"{line}; {entry['markers']}" if entry.get("markers") else line


# -- poetry.lock -------------------------------------------------------------------------------------------


def dependency_names(table: Any) -> Dict[str, Any]:
    """{canonical name: spec} of a `[...dependencies]` table (Python itself left out)."""
    if not isinstance(table, Mapping):
        return {}
    return {canonical(str(name)): spec for name, spec in table.items() if canonical(str(name)) != "python"}


def group_roots(pyproject: Mapping[str, Any]) -> Dict[str, Dict[str, Any]]:
    """Each group's direct dependencies: `main` from `[tool.poetry.dependencies]` and PEP 621
    `[project].dependencies`, the others from `[tool.poetry.group.<name>.dependencies]` (and the legacy
    `[tool.poetry.dev-dependencies]`, group `dev`)."""
    poetry = pyproject.get("tool", {}).get("poetry", {}) if isinstance(pyproject.get("tool"), Mapping) else {}
    groups: Dict[str, Dict[str, Any]] = {MAIN: dependency_names(poetry.get("dependencies"))}
    project = pyproject.get("project")
    if isinstance(project, Mapping):
        for requirement in project.get("dependencies") or []:
            name = re.split(r"[\s\[<>=!~;@(]", str(requirement).strip(), maxsplit=1)[0]
            marker = str(requirement).split(";", 1)[1].strip() if ";" in str(requirement) else None
            groups[MAIN].setdefault(canonical(name), {"markers": marker} if marker else "*")
    if poetry.get("dev-dependencies"):
        groups["dev"] = dependency_names(poetry["dev-dependencies"])
    for name, group in (poetry.get("group") or {}).items():
        if isinstance(group, Mapping):
            groups.setdefault(str(name), {}).update(dependency_names(group.get("dependencies")))
    return groups


def selected_groups(groups: Mapping[str, Any], settings: PythonRequirementsSettings) -> List[str]:
    """`poetry export`'s groups: main, plus `--with`, minus `--without`; `--only` exactly those."""
    if settings.poetry_only:
        return [g for g in settings.poetry_only if g in groups]
    chosen = [MAIN] + [g for g in settings.poetry_with if g in groups and g != MAIN]
    return [g for g in chosen if g not in settings.poetry_without]


def spec_marker(spec: Any) -> str:
    if isinstance(spec, Mapping) and isinstance(spec.get("markers"), str):
        return spec["markers"]
    return ""


def is_optional(spec: Any) -> bool:
    return isinstance(spec, Mapping) and spec.get("optional") is True


def package_line(package: Mapping[str, Any], folder: Path, marker: str) -> str:
    name, version = str(package["name"]), str(package.get("version", ""))
    source = package.get("source") if isinstance(package.get("source"), Mapping) else {}
    kind = source.get("type")
    if kind == "git":
        reference = source.get("resolved_reference") or source.get("reference") or ""
        line = f"{name} @ git+{source.get('url')}" + (f"@{reference}" if reference else "")
    elif kind in ("directory", "file"):
        line = f"{name} @ {(folder / str(source.get('url'))).resolve().as_uri()}"
    elif kind == "url":
        line = f"{name} @ {source.get('url')}"
    else:
        line = f"{name}=={version}"
    return f"{line} ; {marker}" if marker else line


def poetry_requirements(folder: Path, settings: PythonRequirementsSettings, where: str) -> Tuple[Path, List[str]]:
    """The requirement lines of a Poetry project, from its lock (see the module's docstring)."""
    lock_path = folder / "poetry.lock"
    if not lock_path.is_file():
        hint = " (requirePoetryLockFile)" if settings.require_poetry_lock else ""
        raise BuildError(where, f"{folder.name or '.'}/pyproject.toml is a Poetry project without poetry.lock{hint}: run `poetry lock` (wsapi installs locked versions only)")
    pyproject = load_toml(folder / "pyproject.toml", where)
    lock = load_toml(lock_path, where)
    packages = {canonical(str(p["name"])): p for p in lock.get("package", []) if isinstance(p, Mapping) and "name" in p}
    groups = group_roots(pyproject)
    wanted: Dict[str, List[str]] = {}  # package -> markers under which it is needed ("" = always)
    todo: List[Tuple[str, str]] = []
    for group in selected_groups(groups, settings):
        for name, spec in groups.get(group, {}).items():
            if not is_optional(spec):
                todo.append((name, spec_marker(spec)))
    seen: Set[Tuple[str, str]] = set()
    while todo:
        name, marker = todo.pop()
        if (name, marker) in seen:
            continue
        seen.add((name, marker))
        package = packages.get(name)
        if package is None:
            raise BuildError(where, f"{lock_path.name} has no package {name}: run `poetry lock` again")
        wanted.setdefault(name, []).append(marker)
        for dependency, spec in dependency_names(package.get("dependencies")).items():
            if not is_optional(spec):
                todo.append((dependency, joined(marker, spec_marker(spec))))
    lines = []
    for name in sorted(wanted):
        markers = wanted[name]
        marker = "" if "" in markers else " or ".join(f"({m})" for m in sorted(set(markers)))
        lines.append(package_line(packages[name], folder, marker))
    return lock_path, lines


def joined(outer: str, inner: str) -> str:
    """Both markers at once."""
    if outer and inner:
        return f"({outer}) and ({inner})"
    return outer or inner
