"""Services for the build tests: a folder with a serverless.yml, its files, and the real packages of the test
cache (`build_packages`): pip installs from the cached wheels only (`--no-index --find-links`), a service's
`node_modules` is the cached npm install."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

import build_packages

from wsapi import load_service
from wsapi.packaging import package_functions, write_archive


def offline_pip() -> list:
    """pipCmdExtraArgs that install from the cached wheels, without the network."""
    return ["--no-index", f"--find-links {build_packages.ensure('wheels') / 'wheels'}"]


def write_service(folder: Path, config: Mapping[str, Any], files: Optional[Mapping[str, str]] = None, node: Optional[str] = None, copy_all: bool = False) -> Path:
    """`folder` with `serverless.yml` (as JSON, which is YAML), `files`, and with `node` ("npm5", "npm7") a
    `node_modules` of the cached npm install (`link_node_modules`)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "serverless.yml").write_text(json.dumps(config, indent=2))
    for name, text in (files or {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if node is not None:
        link_node_modules(folder, node, copy_all)
    return folder


#: Packages a bundle holds, copied into a service's node_modules: where they are shows in the bundle (esbuild's
#: path comments), so that must not depend on where the test runs. The tools (esbuild, tsc) are linked.
COPIED_PACKAGES = ("ms",)


def link_node_modules(folder: Path, node: str, copy_all: bool = False) -> None:
    """A `node_modules` in `folder` holding the cached npm install `node`: its packages linked, those a bundle
    holds copied (with `copy_all`, every package: an install of the service's own, as `npm install` makes)."""
    build_packages.ensure(node)
    modules = folder / "node_modules"
    modules.mkdir()
    for entry in sorted(build_packages.node_modules(node).iterdir()):
        if copy_all and entry.is_file():
            shutil.copy2(entry, modules / entry.name)
        elif copy_all or entry.name in COPIED_PACKAGES:
            shutil.copytree(entry, modules / entry.name, symlinks=True)
        else:
            os.symlink(entry, modules / entry.name)


def python_service(functions: Mapping[str, Any], *, requirements: str = "six==1.17.0\n", settings: Optional[dict] = None, provider: Optional[dict] = None, **top: Any) -> Dict[str, Any]:
    """A serverless.yml with serverless-python-requirements installing offline."""
    config = {
        "service": "pyreq",
        "provider": {"name": "aws", "runtime": "python3.12", **(provider or {})},
        "plugins": ["serverless-python-requirements"],
        "custom": {"pythonRequirements": {"pipCmdExtraArgs": offline_pip(), **(settings or {})}},
        "functions": dict(functions),
        **top,
    }
    return config


def route(key: str, handler: str = "handler.main", **more: Any) -> Dict[str, Any]:
    return {"handler": handler, "events": [{"websocket": key}], **more}


def packaged(folder: Path, keys=None):
    service = load_service(folder)
    return service, package_functions(service, list(keys or service.functions))


def members(archive, tmp: Path) -> Dict[str, int]:
    """{member name: mode} of an archive as written."""
    target = write_archive(archive, tmp / f"{archive.name}-{archive.digest[:8]}.zip")
    with zipfile.ZipFile(target) as zipped:
        return {info.filename: (info.external_attr >> 16) & 0o777 for info in zipped.infolist()}


def read_member(archive, name: str, tmp: Path) -> bytes:
    target = write_archive(archive, tmp / f"{archive.name}-{archive.digest[:8]}.zip")
    with zipfile.ZipFile(target) as zipped:
        return zipped.read(name)
