"""Benchmark: `python -m wsapi export` against `serverless package` (v3) on one 300-function, 300-route
service. Whole processes, several runs each, medians and peak memory (max RSS of the process tree).

    python bench/export_bench.py [--runs 5] [--serverless ~/sls3/node_modules/.bin/serverless]

Run by hand (npm's serverless@3 is installed outside the repo, see tests/golden/README.md); the figures go
in the README. Target (issue 3): wsapi at most 0.06x Serverless's wall time and under 80 MiB peak.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAKE_AWS = {
    "SLS_TELEMETRY_DISABLED": "1",
    "SLS_NOTIFICATIONS_MODE": "off",
    "AWS_ACCESS_KEY_ID": "AKIAFAKE",
    "AWS_SECRET_ACCESS_KEY": "fake",
}
# Runs a command, then prints its wall time and the peak RSS (KiB) of everything it spawned (node and python
# alike); timing inside the wrapper keeps the wrapper's own start-up out of the figures.
MEASURE = (
    "import resource, subprocess, sys, time; t = time.perf_counter(); "
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); "
    "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def write_service(folder: Path, count: int = 300) -> None:
    lines = [
        "service: bench",
        "frameworkVersion: '3'",
        "provider:",
        "  name: aws",
        "  runtime: python3.11",
        "  logs:",
        "    websocket: true",
        "functions:",
        "  auth:",
        "    handler: handler.auth",
    ]
    for i in range(count):
        route = "$connect" if i == 0 else "$disconnect" if i == 1 else "$default" if i == 2 else f"route{i}"
        lines += [f"  fn{i}:", f"    handler: handler.fn{i}", "    events:", "      - websocket:", f"          route: '{route}'"]
        if i == 0:
            lines.append("          authorizer: auth")
        elif i % 3 == 0:
            lines.append("          routeResponseSelectionExpression: $default")
    (folder / "serverless.yml").write_text("\n".join(lines) + "\n")
    (folder / "handler.py").write_text("def handler(event, context):\n    return {'statusCode': 200}\n")


def measure(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, *command], cwd=cwd, env=env, check=True, capture_output=True, text=True
    )
    seconds, peak_kib = out.stdout.split()
    return float(seconds), int(peak_kib) / 1024


def series(label: str, command: list[str], cwd: Path, env: dict[str, str], runs: int) -> dict:
    measure(command, cwd, env)  # warm the file cache; not counted
    times, peaks = zip(*(measure(command, cwd, env) for _ in range(runs)))
    result = {"label": label, "median_s": statistics.median(times), "min_s": min(times), "peak_mib": max(peaks)}
    print(f"{label:28} median {result['median_s']:.3f} s  min {result['min_s']:.3f} s  peak {result['peak_mib']:.1f} MiB", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--serverless", default=os.path.expanduser("~/sls3/node_modules/.bin/serverless"))
    args = parser.parse_args()
    env = {**os.environ, **FAKE_AWS, "PYTHONPATH": str(ROOT)}
    # As on a user's machine, the first run writes wsapi's bytecode cache and later runs use it (an
    # inherited PYTHONDONTWRITEBYTECODE would make every run compile every module again).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory(prefix="wsapi-bench-") as tmp:
        folder = Path(tmp)
        write_service(folder)
        wsapi = series("wsapi export (standalone)", [sys.executable, "-m", "wsapi", "export", ".", "-o", "out.json"], folder, env, args.runs)
        compat = series("wsapi export --compat", [sys.executable, "-m", "wsapi", "export", ".", "--compat", "serverless-v3", "-o", "c.json"], folder, env, args.runs)
        results = [wsapi, compat]
        if shutil.which(args.serverless) or os.path.exists(args.serverless):
            sls = series("serverless package (v3)", [args.serverless, "package"], folder, env, args.runs)
            results.append(sls)
            for ours in (wsapi, compat):
                print(f"{ours['label']}: {ours['median_s'] / sls['median_s']:.3f}x serverless's wall time (target <= 0.06x)")
        else:
            print(f"serverless not found at {args.serverless}: only wsapi measured")
        print(json.dumps({"routes": 300, "runs": args.runs, "results": results}, indent=2))


if __name__ == "__main__":
    main()
