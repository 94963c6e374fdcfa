"""What `pip install` of this repository installs: every package of wsapi and every data file it reads."""

from __future__ import annotations

import fnmatch
import re

from conftest import ROOT

PYPROJECT = (ROOT / "pyproject.toml").read_text()


def listed(section: str, key: str) -> list[str]:
    """The strings of a list setting in one section of pyproject.toml (read as text: no TOML parser on 3.9)."""
    body = PYPROJECT.split(f"[{section}]", 1)[1].split("\n[", 1)[0]
    match = re.search(rf"^{re.escape(key)}\s*=\s*\[(.*?)\]", body, re.M | re.S)
    assert match, f"{section}.{key} is not set"
    return re.findall(r'"([^"]+)"', match.group(1))


def test_every_package_is_installed() -> None:
    packages = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "wsapi").rglob("__init__.py")}
    included = listed("tool.setuptools.packages.find", "include")
    assert {"wsapi.registry", "wsapi.compile", "wsapi.offline"} <= packages
    assert all(any(fnmatch.fnmatch(package, pattern) for pattern in included) for package in packages)


def test_every_data_file_the_code_reads_is_installed() -> None:
    """The JSON tables, the typing marker, and the Node.js scripts of `wsapi offline` (its Node runtime)."""
    data = {p.relative_to(ROOT / "wsapi").as_posix() for p in (ROOT / "wsapi").rglob("*") if p.suffix in (".json", ".typed", ".cjs")}
    patterns = listed("tool.setuptools.package-data", "wsapi")
    assert {"py.typed", "native_types.json", "offline/node_runtime.cjs"} <= data
    assert all(any(fnmatch.fnmatch(name, pattern) for pattern in patterns) for name in data), (data, patterns)
