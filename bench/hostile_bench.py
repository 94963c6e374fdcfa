"""Time and peak memory of every hostile input in tests/test_hostile_input.py (`CASES`).

For each case the parent writes the files into a fresh folder, then a child process (so that each case's
peak RSS is its own) imports wsapi and:

* runs the case `--runs` times (default 5): `load_service`, and for an accepted service `compile_service`
  and `render_template` in both modes plus `json.dumps`, exactly what the test does; reports the median
  and the slowest run;
* reports its peak RSS after those runs (VmHWM) minus that of a child that only imports wsapi and the
  cases;
* runs it once more under `tracemalloc` for the peak of Python allocations.

Then the parent times `python -m wsapi export FILE` once per case, as a user would run it (Python start-up
included). The report is a table (or `--json`); the exit status is 1 when a case's median exceeds
`--budget` seconds (default 1.0).

    /tmp/venv/bin/python bench/hostile_bench.py [--runs 5] [--budget 1.0] [--only NAME ...] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM (Linux) belongs to the process image, so it starts afresh at exec;
    ru_maxrss would carry over the parent's peak from before the fork."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(name: str, folder: str, runs: int) -> dict:
    """In the child process: time one case, then measure its allocations."""
    import gc
    import tracemalloc

    from test_hostile_input import CASES, run_case

    case = next(case for case in CASES if case.name == name)
    path = Path(folder) / case.entry
    times = []
    outcome = ""
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        error = run_case(case, path)
        times.append(time.perf_counter() - started)
        outcome = "ok" if error is None else f"{error.problems[0].path or '(document)'}: {error.problems[0].message}"
        del error
    maxrss = peak_rss_mb()  # before tracemalloc's own overhead
    gc.collect()
    tracemalloc.start()
    run_case(case, path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "median_s": statistics.median(times),
        "max_s": max(times),
        "tracemalloc_peak_mb": peak / 2**20,
        "maxrss_mb": maxrss,
        "outcome": outcome,
    }


def baseline_rss() -> float:
    """Peak RSS of a child that only imports what the cases use."""
    code = (
        "import sys; sys.path[:0] = sys.argv[1:]; import test_hostile_input, hostile_bench; "
        "print(hostile_bench.peak_rss_mb())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")],
        capture_output=True, text=True, check=True,
    )
    return float(result.stdout)


def cli_seconds(path: Path) -> tuple[float, int]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("WSAPI_DEBUG", None)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "wsapi", "export", str(path)], capture_output=True, env=env, timeout=300
    )
    return time.perf_counter() - started, result.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--budget", type=float, default=1.0, help="seconds a case's median may take")
    parser.add_argument("--only", nargs="*", help="case names")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("NAME", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1], args.runs)))
        return 0

    from test_hostile_input import CASES, write_case

    base = baseline_rss()
    rows = []
    for case in CASES:
        if args.only and case.name not in args.only:
            continue
        with tempfile.TemporaryDirectory() as folder:
            path = write_case(case, Path(folder))
            size = sum(f.stat().st_size for f in Path(folder).iterdir())
            result = subprocess.run(
                [sys.executable, __file__, "--runs", str(args.runs), "--child", case.name, folder],
                capture_output=True, text=True, timeout=600,
            )
            if result.returncode:
                print(result.stderr, file=sys.stderr)
                return 2
            row = json.loads(result.stdout)
            row["cli_s"], row["cli_exit"] = cli_seconds(path)
        row.update(name=case.name, input_bytes=size, rss_over_baseline_mb=row["maxrss_mb"] - base)
        rows.append(row)
        if not args.json:
            print(
                f"{case.name:28} {size:>12,} B  median {row['median_s']:6.3f} s  max {row['max_s']:6.3f} s  "
                f"tracemalloc {row['tracemalloc_peak_mb']:7.1f} MB  RSS +{row['rss_over_baseline_mb']:6.1f} MB  "
                f"CLI {row['cli_s']:5.2f} s (exit {row['cli_exit']})",
                flush=True,
            )
    over = [row["name"] for row in rows if row["median_s"] > args.budget]
    if args.json:
        print(json.dumps({
            "python": platform.python_version(), "cpus": os.cpu_count(), "runs": args.runs,
            "baseline_rss_mb": base, "budget_s": args.budget, "cases": rows,
        }, indent=2))
    else:
        print(f"\nbaseline RSS (imports only): {base:.1f} MB; Python {platform.python_version()}, {os.cpu_count()} CPUs")
        print("over budget: " + (", ".join(over) if over else f"none (every median under {args.budget} s)"))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
