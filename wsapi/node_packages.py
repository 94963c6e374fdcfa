"""The Node packages a service has installed, found as Node finds them (`node_modules` of the folder, then of
each parent), and the dependency closures the builds need:

- the production packages (`dependencies`, `optionalDependencies` and the peers they need, transitively) and
  the development ones (`devDependencies`, transitively): Serverless leaves out of an archive the packages
  `npm ls --dev` lists and `npm ls --prod` does not (with their `.bin` links), which `dev_only` reproduces
  without npm;
- the packages an esbuild `external` needs at run time, copied from the service's own `node_modules` (the
  versions it was tested with) where serverless-esbuild would run npm to install them again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

NODE_MODULES = "node_modules"


@dataclass(frozen=True)
class Package:
    name: str
    folder: Path  #: where it is installed (as found, symbolic links not resolved)
    manifest: Mapping[str, Any]  #: its package.json

    def archive_path(self) -> str:
        """Its folder inside an archive: from the outermost `node_modules` of its path on."""
        parts = self.folder.parts
        start = parts.index(NODE_MODULES)
        return "/".join(parts[start:])

    def bins(self) -> Tuple[str, ...]:
        """The executables it links into `node_modules/.bin`."""
        bin_field = self.manifest.get("bin")
        if isinstance(bin_field, Mapping):
            return tuple(str(name) for name in bin_field)
        if isinstance(bin_field, str):
            return (self.name.split("/")[-1],)
        return ()


def read_manifest(folder: Path) -> Optional[Mapping[str, Any]]:
    try:
        data = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, Mapping) else None


def find_package(start: Path, name: str) -> Optional[Package]:
    """Package `name` as `require` finds it from folder `start`: `start/node_modules/name`, then each parent's."""
    for folder in (start, *start.parents):
        if folder.name == NODE_MODULES:
            continue
        candidate = folder / NODE_MODULES / name
        manifest = read_manifest(candidate)
        if manifest is not None:
            return Package(name, candidate, manifest)
    return None


def find_bin(start: Path, name: str) -> Optional[Path]:
    """`node_modules/.bin/<name>` as npm links it, from `start` up."""
    for folder in (start, *start.parents):
        candidate = folder / NODE_MODULES / ".bin" / name
        if candidate.exists():
            return candidate
    return None


def dependency_names(manifest: Mapping[str, Any], sections: Iterable[str]) -> List[Tuple[str, bool]]:
    """(name, optional) of the dependencies listed in `sections` of a package.json."""
    found: List[Tuple[str, bool]] = []
    optional_peers = manifest.get("peerDependenciesMeta") if isinstance(manifest.get("peerDependenciesMeta"), Mapping) else {}
    for section in sections:
        table = manifest.get(section)
        if not isinstance(table, Mapping):
            continue
        for name in table:
            optional = section == "optionalDependencies" or (
                section == "peerDependencies" and isinstance(optional_peers.get(name), Mapping) and optional_peers[name].get("optional") is True
            )
            found.append((str(name), optional))
    return found


RUNTIME_SECTIONS = ("dependencies", "optionalDependencies", "peerDependencies")


def closure(start: Path, names: Iterable[str], excluded: Iterable[str] = ()) -> Dict[Path, Package]:
    """Every installed package `names` need at run time, transitively, by folder (`excluded` names, and
    what only they need, left out). Packages that are not installed are skipped, as `npm ls` lists them
    missing and ships nothing.

    Node resolves a package's own requires from its real folder; a package linked into `start`'s
    node_modules (a link to a shared install) then finds its dependencies outside `start`, where an archive
    cannot name them: those are looked for from the link's own place, as npm's flat layout puts them."""
    skipped = set(excluded)
    found: Dict[Path, Package] = {}
    todo: List[Tuple[Tuple[Path, ...], str]] = [((start,), name) for name in names if name not in skipped]
    while todo:
        places, name = todo.pop()
        candidates = [p for p in (find_package(place, name) for place in places) if p is not None]
        package = next((p for p in candidates if is_inside(p.folder, start)), candidates[0] if candidates else None)
        if package is None or package.folder in found:
            continue
        found[package.folder] = package
        places = (package.folder.resolve(), package.folder)
        for dependency, _ in dependency_names(package.manifest, RUNTIME_SECTIONS):
            if dependency not in skipped:
                todo.append((places, dependency))
    return found


def is_inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def dev_only(root: Path) -> Tuple[Package, ...]:
    """The packages Serverless's `excludeDevDependencies` leaves out of an archive of folder `root`: reachable
    from `devDependencies` and not from the production dependencies."""
    manifest = read_manifest(root)
    if manifest is None:
        return ()
    production = closure(root, [name for name, _ in dependency_names(manifest, RUNTIME_SECTIONS)])
    development = closure(root, [name for name, _ in dependency_names(manifest, ("devDependencies",))])
    return tuple(package for folder, package in sorted(development.items()) if folder not in production)


def dev_excludes(root: Path) -> Tuple[str, ...]:
    """Exclude patterns for `dev_only`'s packages: their folders and their `.bin` links, as Serverless writes
    them; only packages inside `root` (the patterns name paths of the archive)."""
    patterns: List[str] = []
    for package in dev_only(root):
        try:
            relative = package.folder.relative_to(root).as_posix()
        except ValueError:
            continue
        patterns.append(f"{relative}/**")
        parent = relative.rsplit("/", 2 if "/" in package.name else 1)[0]
        patterns.extend(f"{parent}/.bin/{name}" for name in package.bins())
    return tuple(patterns)

