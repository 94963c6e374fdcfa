"""The packaging fixture: the service folder described by tests/packaging/tree.json, written the same way for
wsapi (tests/test_packaging.py) and for Serverless (tools/regen_packaging.py), and an archive's members."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path


def write_tree(root: Path, tree: dict) -> Path:
    """Files with their content and mode, symbolic links, and zip files given member by member."""
    for name, spec in tree["files"].items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if "link" in spec:
            os.symlink(spec["link"], path)
        elif "zip" in spec:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as archive:
                for member, text in spec["zip"].items():
                    archive.writestr(zipfile.ZipInfo(member, (1980, 1, 1, 0, 0, 0)), text)
            path.write_bytes(buffer.getvalue())
        else:
            path.write_text(spec["content"])
            os.chmod(path, int(spec.get("mode", "644"), 8))
    return root


def zip_members(path: Path) -> list:
    """[name, permission bits in octal] of every member, sorted."""
    with zipfile.ZipFile(path) as archive:
        return sorted([info.filename, format((info.external_attr >> 16) & 0o777, "o")] for info in archive.infolist())
