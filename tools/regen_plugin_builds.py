#!/usr/bin/env python3
"""Record what the build plugins (serverless-esbuild, serverless-plugin-typescript,
serverless-python-requirements) put in each archive, for tests/plugin_builds/cases.json: for every case, its files are written to a fresh folder whose `node_modules` is
the test cache's npm install laid out as the tests lay it out (`tests/build_support.py`; the esbuild and
TypeScript versions wsapi's tests run),
`serverless package` (3.40.0) runs there with the plugin found on NODE_PATH (`~/sls3-plugins/<plugin>`), and
each archive's members (name, mode, sha256 of the content) and the archive each function's template points at
are recorded under the case's `expected`.

Run by hand, never in CI (the tests read the recorded answers). Needs node, npm, Serverless 3 (`~/sls3`) and
the plugins, installed outside the repository:

    mkdir -p ~/sls3-plugins/serverless-esbuild && cd ~/sls3-plugins/serverless-esbuild && npm init -y && npm install serverless-esbuild@1 esbuild@0.28.2
    mkdir -p ~/sls3-plugins/serverless-plugin-typescript && cd ~/sls3-plugins/serverless-plugin-typescript && npm init -y && npm install serverless-plugin-typescript@2 typescript@5.9.3
    mkdir -p ~/sls3-plugins/serverless-python-requirements && cd ~/sls3-plugins/serverless-python-requirements && npm init -y && npm install serverless-python-requirements@6

A Python case installs from the test cache's wheels (`WSAPI_TEST_WHEELS`, which its serverless.yml reads), with
the host's python3, as the plugin does without Docker: record it on a Python 3.11 x86_64 host, the platform
of its functions.

Usage: python tools/regen_plugin_builds.py [--check]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "tests"))
sys.path.insert(0, str(REPO_ROOT))
import build_packages  # noqa: E402  (the tests' package cache)
from build_support import link_node_modules  # noqa: E402  (the tests' node_modules, as the tests lay it out)

CASES_FILE = REPO_ROOT / "tests" / "plugin_builds" / "cases.json"
SERVERLESS = Path(os.environ.get("SLS3_HOME", "~/sls3")).expanduser() / "node_modules" / ".bin" / "serverless"
PLUGINS = Path("~/sls3-plugins").expanduser()
FIXED_ENV = {"SLS_TELEMETRY_DISABLED": "1", "SLS_NOTIFICATIONS_MODE": "off", "AWS_ACCESS_KEY_ID": "AKIAFAKE", "AWS_SECRET_ACCESS_KEY": "fake"}


def archive_members(path: Path) -> list:
    """[name, mode in octal, sha256] of every file member, sorted."""
    with zipfile.ZipFile(path) as archive:
        return sorted(
            [info.filename, format((info.external_attr >> 16) & 0o777, "o"), hashlib.sha256(archive.read(info)).hexdigest()]
            for info in archive.infolist() if not info.is_dir()
        )  # fmt: skip


def write_case(folder: Path, case: dict) -> None:
    """The case's serverless.yml and files, and the cached npm install as its node_modules."""
    (folder / "serverless.yml").write_text(json.dumps(case["serverless"], indent=2))
    for name, text in case["files"].items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    if case.get("npm") is not None:
        link_node_modules(folder, case["npm"], case.get("copy_node_modules", False))


def package_case(name: str, case: dict) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"wsapi-node-{name}-"))
    try:
        write_case(work, case)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SLS_", "SERVERLESS_"))}
        env.update(FIXED_ENV)
        env["WSAPI_TEST_WHEELS"] = str(build_packages.ensure("wheels") / "wheels")
        env["NODE_PATH"] = os.pathsep.join(str(PLUGINS / plugin / "node_modules") for plugin in case["serverless"]["plugins"])
        proc = subprocess.run([str(SERVERLESS), "package"], cwd=work, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise SystemExit(f"{name}: serverless exited {proc.returncode}\n{proc.stdout}{proc.stderr}")
        template = json.loads((work / ".serverless" / "cloudformation-template-update-stack.json").read_text())
        functions = {}
        for key in case["serverless"]["functions"]:
            logical = key[:1].upper() + key[1:].replace("-", "Dash").replace("_", "Underscore") + "LambdaFunction"
            functions[key] = template["Resources"][logical]["Properties"]["Code"]["S3Key"].rsplit("/", 1)[-1]
        archives = {path.name: archive_members(path) for path in sorted((work / ".serverless").glob("*.zip"))}
        return {"functions": functions, "archives": archives}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the recorded answers, write nothing")
    parser.add_argument("names", nargs="*", help="only these cases")
    args = parser.parse_args()
    cases = json.loads(CASES_FILE.read_text())
    changed = False
    for name, case in cases["cases"].items():
        if args.names and name not in args.names:
            continue
        expected = package_case(name, case)
        if case.get("expected") != expected:
            changed = True
            print(f"{name}: {'differs' if args.check else 'updated'}", file=sys.stderr)
            case["expected"] = expected
    if args.check:
        return 1 if changed else 0
    CASES_FILE.write_text(json.dumps(cases, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
