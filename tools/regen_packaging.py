#!/usr/bin/env python3
"""Regenerate the packaging references in tests/packaging/ with the real Serverless Framework v3.

1. `cases.json`: for every case, the service folder of `tree.json` is written to a fresh temporary folder
   with the case's serverless.yml, `serverless package` runs there (offline, fake credentials), and the
   members (name and mode) of every archive it wrote, the archive each function's template points at and
   each layer's (with the layer's properties),
   are recorded under the case's `expected`.
2. `glob_cases.json`: every pattern of `GLOB_PATTERNS` against every path of `GLOB_PATHS`, answered by
   Serverless's own micromatch (`micromatch(paths, [pattern], {dot: true})`, as package-service.js calls it).

Run by hand, never in CI (the tests only read the recorded answers). Standard library only; needs node and
`npm install serverless@3` (default: ~/sls3, see tests/golden/README.md).

Usage::

    python tools/regen_packaging.py            # both files
    python tools/regen_packaging.py --check    # compare, write nothing
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from packaging_support import write_tree, zip_members  # noqa: E402  (the tests' fixture writer)

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGING_DIR = REPO_ROOT / "tests" / "packaging"
SLS_HOME = Path(os.environ.get("SLS3_HOME", "~/sls3")).expanduser()
SERVERLESS = SLS_HOME / "node_modules" / ".bin" / "serverless"
TEMPLATE = Path(".serverless") / "cloudformation-template-update-stack.json"
#: answers Serverless's describeStacks for a service with layers as for a stack never deployed (offline)
OFFLINE_STACK = Path(__file__).resolve().parent / "offline_stack.js"
FIXED_ENV = {
    "SLS_TELEMETRY_DISABLED": "1",
    "SLS_NOTIFICATIONS_MODE": "off",
    "AWS_ACCESS_KEY_ID": "AKIAFAKE",
    "AWS_SECRET_ACCESS_KEY": "fake",
}

GLOB_PATHS = [
    "a.py", "src/a.py", "src/b/c.py", "src/b/c/d.py", ".env", ".env.local", "src/.hidden", "node_modules/x/index.js",
    "node_modules/.bin/tool", "handlers/auth.py", "handlers/__pycache__/auth.cpython-311.pyc", "README.md",
    "docs/readme.md", "docs/notes.txt", "a b.txt", "[a].txt", "a.txt", "a+b.txt", "src/x.d.ts", "src/x.ts",
    "A.PY", "config/dev.yml", "config/prod.yml", ".git/HEAD", "x/node_modules/y.js", "1.txt", "10.txt", "b.py",
    "ab.py", "lib/tests/test_util.py", "tests/test_a.py", "serverless.yml", "bin/bootstrap", "a.pyc",
]
GLOB_PATTERNS = [
    "**", "*", "*.py", "**/*.py", "src/**", "src", "src/", "src/*", "src/**/*.py", "handlers/**", "**/__pycache__/**",
    "**/*.pyc", "**.pyc", "**.d.ts", "*.{py,md}", "**/*.{md,txt}", "{src,handlers}/**", "node_modules/**",
    "**/node_modules/**", ".env*", "**/.env*", "README*", "?.py", "??.py", "./src/**", "/src/**", "[ab].py",
    "[a-b].py", "[^a].py", "[!a].py", "\\[a\\].txt", "[a].txt", "a b.txt", "a+b.txt", "**/*.d.ts", "src/!(*.d).ts",
    "config/!(dev).yml", "config/@(dev|prod).yml", "+(a|b).py", "*(a|b).py", "?(a).py", "{1..3}.txt", "{1..10}.txt",
    "*/**", "a*/**", "src/**/", "**/b/**", "*.PY", "src/**/*", "**/tests/**", "tests/**", "!(*.py)", "@(a|b).py",
    "[[:alpha:]].py", "**/*.py/**", "lib/tests", "*.py/**", ".git/**", "bin/*", "**/bootstrap",
]

MM_SCRIPT = """
const mm = require('micromatch');
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = input.patterns.map(p => mm(input.paths, [p], {dot: true}));
process.stdout.write(JSON.stringify(out));
"""


def package_case(name: str, case: dict, tree: dict) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"wsapi-packaging-{name}-"))
    try:
        write_tree(work, tree)
        (work / "serverless.yml").write_text(json.dumps(case["serverless"], indent=2))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SLS_", "SERVERLESS_"))}
        env.update(FIXED_ENV)
        env["NODE_OPTIONS"] = f"{env.get('NODE_OPTIONS', '')} --require {OFFLINE_STACK}".strip()
        proc = subprocess.run(
            [str(SERVERLESS), "package"], cwd=work, env=env, stdin=subprocess.DEVNULL, capture_output=True,
            text=True, timeout=300,
        )
        if proc.returncode != 0:
            raise SystemExit(f"{name}: serverless exited {proc.returncode}\n{proc.stdout}{proc.stderr}")
        template = json.loads((work / TEMPLATE).read_text())
        functions = {}
        for key in case["serverless"]["functions"]:
            logical = key[:1].upper() + key[1:].replace("-", "Dash").replace("_", "Underscore") + "LambdaFunction"
            functions[key] = template["Resources"][logical]["Properties"]["Code"]["S3Key"].rsplit("/", 1)[-1]
        layers = {
            key: resource["Properties"]["Content"]["S3Key"].rsplit("/", 1)[-1]
            for key, resource in template["Resources"].items()
            if resource["Type"] == "AWS::Lambda::LayerVersion"
        }
        archives = {
            zip_path.name: zip_members(zip_path)
            for zip_path in sorted((work / ".serverless").glob("*.zip"))
            if zip_path.name in functions.values() or zip_path.name in layers.values()
        }
        expected = {"functions": functions, "archives": archives}
        if layers:  # each layer's archive, and its properties but the content
            expected["layers"] = {
                key: {"archive": layers[key], "properties": {k: v for k, v in resource["Properties"].items() if k != "Content"}}
                for key, resource in template["Resources"].items() if key in layers
            }  # fmt: skip
        return expected
    finally:
        shutil.rmtree(work, ignore_errors=True)


def glob_answers() -> list:
    node_path = str(SLS_HOME / "node_modules")
    proc = subprocess.run(
        ["node", "-e", MM_SCRIPT], input=json.dumps({"patterns": GLOB_PATTERNS, "paths": GLOB_PATHS}),
        capture_output=True, text=True, env={**os.environ, "NODE_PATH": node_path}, timeout=60, check=True,
    )
    matched = json.loads(proc.stdout)
    return [{"pattern": p, "matches": sorted(m)} for p, m in zip(GLOB_PATTERNS, matched)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the recorded answers, write nothing")
    args = parser.parse_args()
    tree = json.loads((PACKAGING_DIR / "tree.json").read_text())
    cases_file = PACKAGING_DIR / "cases.json"
    cases = json.loads(cases_file.read_text())
    changed = False
    for name, case in cases["cases"].items():
        expected = package_case(name, case, tree)
        if case.get("expected") != expected:
            changed = True
            print(f"{name}: {'differs' if args.check else 'updated'}", file=sys.stderr)
            case["expected"] = expected
    globs = {"paths": GLOB_PATHS, "cases": glob_answers()}
    glob_file = PACKAGING_DIR / "glob_cases.json"
    if not glob_file.exists() or json.loads(glob_file.read_text()) != globs:
        changed = True
        print(f"glob_cases.json: {'differs' if args.check else 'updated'}", file=sys.stderr)
    if args.check:
        return 1 if changed else 0
    cases_file.write_text(json.dumps(cases, indent=2) + "\n")
    glob_file.write_text(json.dumps(globs, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
