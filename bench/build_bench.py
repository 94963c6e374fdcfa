#!/usr/bin/env python3
"""A cold and a warm build of a service with a few requirements (issue 16): `wsapi export --with-functions
--artifacts` as a whole process, with serverless-python-requirements' settings, requirements from PyPI.

- cold: an empty build cache and an empty pip download cache (everything downloaded and installed);
- warm: the same command again (the installed requirements found in the build cache: nothing installed).

For comparison, `serverless package` with the plugin itself (installed in `~/sls3-plugins/serverless-python-
requirements`, without Docker), cold (its caches emptied) and warm. Run by hand, never in CI; needs the
network. Prints a Markdown table of medians (and the spread) over `--runs` runs.

    python bench/build_bench.py [--runs 3] [--no-serverless]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVERLESS = Path("~/sls3/node_modules/.bin/serverless").expanduser()
PLUGIN = Path("~/sls3-plugins/serverless-python-requirements/node_modules").expanduser()
#: a few requirements real services use: requests (with its four dependencies) and a compiled one
REQUIREMENTS = "requests==2.32.3\nmarkupsafe==3.0.2\nPyJWT==2.10.1\n"
CONFIG = {
    "service": "bench",
    "frameworkVersion": "3",
    "provider": {"name": "aws", "runtime": "python3.11"},
    "plugins": ["serverless-python-requirements"],
    "custom": {"pythonRequirements": {"slim": True}},
    "functions": {
        key: {"handler": f"handler.{key}", "events": [{"websocket": route}]}
        for key, route in (("connect", "$connect"), ("disconnect", "$disconnect"), ("default", "$default"))
    },
}
HANDLER = "import requests, markupsafe, jwt\n\n" + "".join(
    f"def {key}(event, context):\n    return {{'statusCode': 200}}\n\n" for key in CONFIG["functions"]
)


def service(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "serverless.yml").write_text(json.dumps(CONFIG, indent=2))
    (folder / "handler.py").write_text(HANDLER)
    (folder / "requirements.txt").write_text(REQUIREMENTS)
    return folder


def timed(command: list, cwd: Path, env: dict) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return elapsed


def wsapi_runs(work: Path) -> tuple:
    folder = service(work / "wsapi-svc")
    cache = work / "wsapi-cache"
    env = {**os.environ, "WSAPI_BUILD_CACHE": str(cache), "PIP_CACHE_DIR": str(work / "unused")}
    command = [sys.executable, "-m", "wsapi", "export", str(folder), "--with-functions", "--artifacts", str(work / "out"), "-o", str(work / "t.json")]
    shutil.rmtree(cache, ignore_errors=True)
    cold = timed(command, ROOT, env)
    warm = timed(command, ROOT, env)
    return cold, warm


def serverless_runs(work: Path) -> tuple:
    folder = service(work / "sls-svc")
    home = work / "sls-home"  # the plugin's caches live under the user's cache folder
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SLS_", "SERVERLESS_"))}
    env.update({
        "SLS_TELEMETRY_DISABLED": "1", "SLS_NOTIFICATIONS_MODE": "off", "AWS_ACCESS_KEY_ID": "AKIAFAKE",
        "AWS_SECRET_ACCESS_KEY": "fake", "NODE_PATH": str(PLUGIN), "XDG_CACHE_HOME": str(home / ".cache"),
        "HOME": str(home), "PIP_CACHE_DIR": str(home / "pip"),
    })  # fmt: skip
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir()
    cold = timed([str(SERVERLESS), "package"], folder, env)
    warm = timed([str(SERVERLESS), "package"], folder, env)
    return cold, warm


def summary(values: list) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-serverless", action="store_true")
    args = parser.parse_args()
    rows = {"wsapi export --with-functions": ([], [])}
    if not args.no_serverless:
        rows["serverless package + serverless-python-requirements"] = ([], [])
    for _ in range(args.runs):
        for name, (cold, warm) in rows.items():
            with tempfile.TemporaryDirectory(prefix="wsapi-build-bench-") as work:
                runs = wsapi_runs if name.startswith("wsapi") else serverless_runs
                first, second = runs(Path(work))
            cold.append(first)
            warm.append(second)
    print("| command | cold (median, range) | warm (median, range) |")
    print("|---|---:|---:|")
    for name, (cold, warm) in rows.items():
        print(f"| {name} | {summary(cold)} | {summary(warm)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
