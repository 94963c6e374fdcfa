#!/usr/bin/env python3
"""Regenerate the golden corpus in tests/golden/ with the real Serverless Framework v3.

For every case folder (or only the ones named on the command line) this script

1. copies the folder to a fresh temporary directory (without ``case.json``,
   ``expected.json`` and any ``.serverless/`` left-overs, so that the service
   artifact -- and therefore the ``AWS::Lambda::Version`` hashes -- only depend
   on the service files themselves),
2. runs ``serverless package`` there with the stage / region / params / options /
   env from the case's ``case.json`` and fake AWS credentials (packaging is
   fully offline),
3. reads ``.serverless/cloudformation-template-update-stack.json``, replaces the
   timestamped artifact directory (``serverless/<service>/<stage>/<epoch-ms>-<iso>``
   -> ``.../0000000000000-1970-01-01T00:00:00.000Z``) and, for services that also
   have ``http`` events, the REST ``ApiGatewayDeployment<epoch-ms>`` logical id
   (-> ``ApiGatewayDeployment0000000000000``) with fixed placeholders, and writes
   the result to ``<case>/expected.json`` (2-space indent, key order kept).

It is run by hand, never in CI.  Standard library only.

Usage::

    python tools/regen_golden.py                      # every case
    python tools/regen_golden.py basic-string-routes  # only the named cases
    python tools/regen_golden.py --check              # compare, write nothing
    python tools/regen_golden.py --serverless /path/to/node_modules/.bin/serverless

Cases that list ``plugins`` need them installed outside the repository: each
folder given with ``--plugins`` (default: every ``~/sls3-plugins/*/node_modules``)
goes on ``NODE_PATH``, where Serverless looks for a plugin it cannot find beside
the service, e.g. ``mkdir -p ~/sls3-plugins/serverless-domain-manager && cd $_
&& npm init -y && npm install serverless-domain-manager@7``.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DIR = REPO_ROOT / "tests" / "golden"
DEFAULT_SERVERLESS = Path("~/sls3/node_modules/.bin/serverless").expanduser()
DEFAULT_PLUGIN_FOLDERS = "~/sls3-plugins/*/node_modules"
OFFLINE_STACK = Path(__file__).resolve().parent / "offline_stack.js"
TEMPLATE_PATH = Path(".serverless") / "cloudformation-template-update-stack.json"

# Serverless puts every artifact of one deployment under
#   serverless/<service>/<stage>/<Date.now()>-<new Date().toISOString()>/
# Only the last path segment changes between runs; it is replaced by this
# placeholder (same shape, so one regex matches both real and stabilised keys).
ARTIFACT_STAMP_RE = re.compile(r"\d{13}-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
ARTIFACT_STAMP_PLACEHOLDER = "0000000000000-1970-01-01T00:00:00.000Z"

# REST API (``http`` events, not ours) deployments are named
# ApiGatewayDeployment<Date.now()>; the stamp appears in the logical id (a key)
# and in references to it.  The WebsocketsDeployment<hash> id is content based
# and deliberately left untouched.
REST_DEPLOYMENT_RE = re.compile(r"\bApiGatewayDeployment\d{13}\b")
REST_DEPLOYMENT_PLACEHOLDER = "ApiGatewayDeployment0000000000000"

# Files of a case folder that describe the case rather than the service.
CASE_META_FILES = {"case.json", "expected.json"}

CASE_KEYS = {"stage", "region", "params", "options", "env", "description"}

# Environment variables never inherited from the caller: they could change what
# Serverless resolves (credentials, profiles, regions, dashboard access).
STRIPPED_ENV_PREFIXES = ("AWS_", "SLS_", "SERVERLESS_")

FIXED_ENV = {
    "SLS_TELEMETRY_DISABLED": "1",
    "SLS_NOTIFICATIONS_MODE": "off",
    "AWS_ACCESS_KEY_ID": "AKIAFAKE",
    "AWS_SECRET_ACCESS_KEY": "fake",
}

# Output fragments that mean the config is not one Serverless accepts cleanly.
BAD_OUTPUT_MARKERS = (
    "Invalid configuration encountered",
    "Configuration warning",
)


class CaseError(Exception):
    pass


def load_case(case_dir: Path) -> dict:
    case_file = case_dir / "case.json"
    if not case_file.is_file():
        raise CaseError(f"{case_dir.name}: missing case.json")
    case = json.loads(case_file.read_text(encoding="utf-8"))
    unknown = set(case) - CASE_KEYS
    if unknown:
        raise CaseError(f"{case_dir.name}: unknown case.json keys {sorted(unknown)}")
    if not (case_dir / "serverless.yml").is_file():
        raise CaseError(f"{case_dir.name}: missing serverless.yml")
    return case


def build_command(serverless: Path, case: dict) -> list[str]:
    cmd = [str(serverless), "package"]
    if case.get("stage"):
        cmd += ["--stage", case["stage"]]
    if case.get("region"):
        cmd += ["--region", case["region"]]
    for key, value in (case.get("params") or {}).items():
        cmd += ["--param", f"{key}={value}"]
    for key, value in (case.get("options") or {}).items():
        if value is True:
            cmd.append(f"--{key}")
        else:
            cmd += [f"--{key}", str(value)]
    return cmd


def build_env(case: dict, plugin_folders: list[Path] = ()) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(STRIPPED_ENV_PREFIXES)
    }
    env.update(FIXED_ENV)
    # a service with layers makes `package` ask CloudFormation for the deployed stack: answered offline
    env["NODE_OPTIONS"] = f"{env.get('NODE_OPTIONS', '')} --require {OFFLINE_STACK}".strip()
    if plugin_folders:  # where require() finds the plugins a case lists
        env["NODE_PATH"] = os.pathsep.join(str(folder) for folder in plugin_folders)
    for key, value in (case.get("env") or {}).items():
        if value is None:  # null = make sure the variable is NOT set
            env.pop(key, None)
        else:
            env[key] = str(value)
    return env


def stable_str(text: str) -> str:
    text = ARTIFACT_STAMP_RE.sub(ARTIFACT_STAMP_PLACEHOLDER, text)
    return REST_DEPLOYMENT_RE.sub(REST_DEPLOYMENT_PLACEHOLDER, text)


def stabilise(node):
    """Replace the per-run time stamps in every key and string (order kept)."""
    if isinstance(node, dict):
        return {stable_str(k): stabilise(v) for k, v in node.items()}
    if isinstance(node, list):
        return [stabilise(v) for v in node]
    if isinstance(node, str):
        return stable_str(node)
    return node


def dump(template) -> str:
    return json.dumps(template, indent=2, ensure_ascii=False) + "\n"


def plugin_folders(given: list[str]) -> list[Path]:
    """The node_modules folders of installed plugins: those given, else the default glob's."""
    patterns = given or [DEFAULT_PLUGIN_FOLDERS]
    found: list[Path] = []
    for pattern in patterns:
        expanded = Path(pattern).expanduser()
        found.extend(sorted(Path(expanded.anchor).glob(str(expanded.relative_to(expanded.anchor)))))
    return [folder for folder in found if folder.is_dir()]


def package_case(case_dir: Path, serverless: Path, keep: bool, plugins: list[Path] = ()) -> tuple[str, str]:
    """Package one case; return (stabilised expected.json text, serverless log)."""
    case = load_case(case_dir)
    tmp_root = Path(tempfile.mkdtemp(prefix=f"wsapi-golden-{case_dir.name}-"))
    work = tmp_root / case_dir.name
    try:
        shutil.copytree(
            case_dir,
            work,
            ignore=lambda d, names: [
                n for n in names
                if (Path(d) == case_dir and n in CASE_META_FILES) or n == ".serverless"
            ],
        )
        cmd = build_command(serverless, case)
        proc = subprocess.run(
            cmd,
            cwd=work,
            env=build_env(case, plugins),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
        )
        log = f"$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}"
        if proc.returncode != 0:
            raise CaseError(f"{case_dir.name}: serverless exited {proc.returncode}\n{log}")
        for marker in BAD_OUTPUT_MARKERS:
            if marker in log:
                raise CaseError(f"{case_dir.name}: serverless reported {marker!r}\n{log}")
        template_file = work / TEMPLATE_PATH
        if not template_file.is_file():
            raise CaseError(f"{case_dir.name}: no {TEMPLATE_PATH} written\n{log}")
        template = json.loads(template_file.read_text(encoding="utf-8"))
        return dump(stabilise(template)), log
    finally:
        if keep:
            print(f"  kept {tmp_root}", file=sys.stderr)
        else:
            shutil.rmtree(tmp_root, ignore_errors=True)


def discover(names: list[str]) -> list[Path]:
    if names:
        dirs = []
        for name in names:
            d = GOLDEN_DIR / Path(name).name
            if not d.is_dir():
                raise SystemExit(f"no such case: {name}")
            dirs.append(d)
        return dirs
    return sorted(d for d in GOLDEN_DIR.iterdir() if (d / "case.json").is_file())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", help="case folder names (default: all)")
    parser.add_argument(
        "--serverless",
        default=str(DEFAULT_SERVERLESS),
        help=f"serverless v3 binary (default: {DEFAULT_SERVERLESS})",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if any expected.json would change",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dirs")
    parser.add_argument(
        "--plugins",
        action="append",
        default=[],
        help=f"a node_modules folder (or glob) holding plugins cases list (default: {DEFAULT_PLUGIN_FOLDERS})",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print serverless output")
    args = parser.parse_args(argv)

    serverless = Path(args.serverless).expanduser()
    if not serverless.exists():
        raise SystemExit(f"serverless binary not found: {serverless}")

    plugins = plugin_folders(args.plugins)
    failures = changed = 0
    for case_dir in discover(args.cases):
        try:
            text, log = package_case(case_dir, serverless, args.keep, plugins)
        except (CaseError, subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
            failures += 1
            print(f"FAIL {case_dir.name}: {exc}", file=sys.stderr)
            continue
        if args.verbose:
            print(log)
        expected = case_dir / "expected.json"
        old = expected.read_text(encoding="utf-8") if expected.is_file() else None
        if old == text:
            print(f"same {case_dir.name}", flush=True)
            continue
        changed += 1
        if args.check:
            print(f"DIFF {case_dir.name}", flush=True)
            sys.stdout.writelines(
                difflib.unified_diff(
                    (old or "").splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    f"{case_dir.name}/expected.json (stored)",
                    f"{case_dir.name}/expected.json (serverless)",
                )
            )
        else:
            expected.write_text(text, encoding="utf-8")
            print(f"{'new' if old is None else 'updated'} {case_dir.name}", flush=True)

    sys.stdout.flush()
    print(f"{failures} failed, {changed} {'differ' if args.check else 'written'}", file=sys.stderr)
    if failures or (args.check and changed):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
