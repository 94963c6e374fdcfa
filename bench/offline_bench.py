"""Echo benchmark for `wsapi offline`: round trips per second and p50/p99 latency at 1, 10 and 100 concurrent
clients, in one run, against
  (a) a bare `websockets` echo server: the practical limit of a Python WebSocket server on this machine,
  (b) serverless-offline 13 (the version for Serverless v3) running the same handler, when installed,
  (c) wsapi offline.
The handler is Python (`--runtime python`, the default) or Node.js (`--runtime node`).
The service (an `$connect` handler and an echo `$default` route with a route response) is written to a
temporary folder; every server listens on loopback only; every client loop is bounded by a deadline and a
request cap. The servers take turns, round after round (bare, serverless-offline, wsapi, then again), so a
change in the machine's load affects all three alike; each figure is the median of the rounds, with the
range beside it. Usage:

  python bench/offline_bench.py [--rounds 3] [--seconds 3] [--clients 1,10,100] [--targets bare,sls,wsapi]
                                [--runtime python|node] [--sls-home ~/sls3] [--markdown]

serverless-offline is looked for in SLS_HOME/node_modules (install it there, outside the repo:
`cd ~/sls3 && npm install serverless@3 serverless-offline@13`); without it, (b) is skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only
MAX_REQUESTS_PER_CLIENT = 1_000_000  # a bound on every client loop besides its deadline

HANDLER = '''\
def connect(event, context):
    return {"statusCode": 200}


def echo(event, context):
    return {"statusCode": 200, "body": event["body"]}
'''

NODE_HANDLER = '''\
exports.connect = async () => ({ statusCode: 200 });

exports.echo = async (event) => ({ statusCode: 200, body: event.body });
'''

#: per runtime: the handler file, its contents, the runtime name
HANDLERS = {"python": ("handler.py", HANDLER, "python3.11"), "node": ("handler.js", NODE_HANDLER, "nodejs20.x")}

SERVICE = '''\
service: bench
frameworkVersion: '3'
provider:
  name: aws
  runtime: {runtime}
  stage: dev
{plugins}
functions:
  connect:
    handler: handler.connect
    events:
      - websocket: $connect
  default:
    handler: handler.echo
    events:
      - websocket:
          route: $default
          routeResponseSelectionExpression: $default
'''

BARE_SERVER = '''\
import asyncio, sys
from websockets.asyncio.server import serve

async def echo(ws):
    async for message in ws:
        await ws.send(message)

async def main():
    async with serve(echo, "127.0.0.1", int(sys.argv[1]), compression=None):
        await asyncio.get_running_loop().create_future()

asyncio.run(main())
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            with socket.create_connection((HOST, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {HOST}:{port} after {timeout:.0f} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGINT)
        except ProcessLookupError:
            return
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def write_service(folder: Path, with_plugin: bool, runtime: str = "python") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    name, text, runtime_name = HANDLERS[runtime]
    (folder / name).write_text(text)
    plugins = "plugins:\n  - serverless-offline\n" if with_plugin else ""
    (folder / "serverless.yml").write_text(SERVICE.format(plugins=plugins, runtime=runtime_name))


RECV_TIMEOUT = 10.0  # seconds: a reply slower than this fails the client instead of hanging the run


async def client(url: str, ready: "asyncio.Event", go: "asyncio.Event", window: list, latencies: List[float], errors: List[str]) -> None:
    """Connect, wait until every client has connected (or failed to), then echo until the deadline."""
    from websockets.asyncio.client import connect

    payload = "x" * 64
    try:
        ws = await connect(url, compression=None, open_timeout=30, max_size=None)
    except Exception as error:  # a refused connection counts against the server
        errors.append(f"{type(error).__name__}: {error}")
        window[0] -= 1
        if window[0] == 0:
            ready.set()
        return
    try:
        window[0] -= 1
        if window[0] == 0:
            ready.set()
        await go.wait()
        warmup_until, deadline = window[1], window[2]
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            now = time.perf_counter()
            if now >= deadline:
                break
            await ws.send(payload)
            reply = await asyncio.wait_for(ws.recv(), RECV_TIMEOUT)
            done = time.perf_counter()
            if reply != payload:
                errors.append(f"unexpected reply {reply[:80]!r}")
                break
            if now >= warmup_until:
                latencies.append(done - now)
    except Exception as error:  # a dropped connection or a reply that never came
        errors.append(f"{type(error).__name__}: {error}")
    finally:
        await ws.close()


async def run_load(url: str, clients: int, seconds: float, warmup: float) -> Tuple[float, float, float, int, List[str]]:
    """Rates are measured once every client is connected: connection set-up is not part of the window."""
    latencies: List[float] = []
    errors: List[str] = []
    ready, go = asyncio.Event(), asyncio.Event()
    window: list = [clients, 0.0, 0.0]  # clients still connecting, end of warm-up, deadline
    tasks = [asyncio.ensure_future(client(url, ready, go, window, latencies, errors)) for _ in range(clients)]
    await ready.wait()
    window[1] = time.perf_counter() + warmup
    window[2] = window[1] + seconds
    go.set()
    await asyncio.gather(*tasks)
    failed = sum(1 for e in errors if not e.startswith("unexpected"))
    measured = seconds
    if not latencies:
        return 0.0, float("nan"), float("nan"), failed, errors
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    return len(latencies) / measured, p50, p99, failed, errors


def start_bare(port: int, logs: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", BARE_SERVER, str(port)], stdout=subprocess.DEVNULL, stderr=open(logs / "bare.log", "w"),
        start_new_session=True,
    )  # fmt: skip


def start_wsapi(port: int, service: Path, logs: Path, max_workers: Optional[int]) -> subprocess.Popen:
    command = [sys.executable, "-m", "wsapi.offline", str(service), "--host", HOST, "--port", str(port)]
    if max_workers:
        command += ["--max-workers", str(max_workers)]
    log = open(logs / "wsapi.log", "w")
    return subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def start_sls(port: int, service: Path, logs: Path, sls_home: Path) -> subprocess.Popen:
    node_modules = service / "node_modules"
    if not node_modules.exists():
        node_modules.symlink_to(sls_home / "node_modules")
    env = dict(os.environ, SLS_TELEMETRY_DISABLED="1", SLS_NOTIFICATIONS_MODE="off", AWS_ACCESS_KEY_ID="AKIAFAKE",
               AWS_SECRET_ACCESS_KEY="fake")  # fmt: skip
    command = [
        str(sls_home / "node_modules" / ".bin" / "serverless"), "offline", "start", "--host", HOST,
        "--websocketPort", str(port), "--httpPort", str(free_port()), "--lambdaPort", str(free_port()),
    ]  # fmt: skip
    log = open(logs / "sls.log", "w")
    return subprocess.Popen(command, cwd=service, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


Point = Tuple[float, float, float, int]  # round trips/s, p50 ms, p99 ms, failed clients
NAMES = {"bare": "bare websockets echo", "sls": "serverless-offline 13", "wsapi": "wsapi offline"}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="measured seconds per point (after a warm-up)")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every target in turn; medians reported")
    parser.add_argument("--clients", default="1,10,100")
    parser.add_argument("--targets", default="bare,sls,wsapi")
    parser.add_argument("--sls-home", default=os.environ.get("SLS_HOME", str(Path.home() / "sls3")))
    parser.add_argument("--max-workers", type=int, help="wsapi offline --max-workers")
    parser.add_argument("--runtime", choices=sorted(HANDLERS), default="python", help="the echo handler's language")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    args = parser.parse_args(argv)
    counts = [int(c) for c in args.clients.split(",")]
    seconds = min(max(args.seconds, 0.5), 60.0)
    rounds = min(max(args.rounds, 1), 20)
    sls_home = Path(args.sls_home).expanduser()
    targets = []
    for target in args.targets.split(","):
        if target not in NAMES:
            parser.error(f"unknown target {target}")
        if target == "sls" and not (sls_home / "node_modules" / "serverless-offline").is_dir():
            print(f"skipping serverless-offline: not installed in {sls_home}/node_modules", file=sys.stderr)
            continue
        targets.append(target)
    results: Dict[str, Dict[int, List[Point]]] = {target: {count: [] for count in counts} for target in targets}
    with tempfile.TemporaryDirectory(prefix="wsapi-bench-") as tmp:
        root = Path(tmp)
        logs = root / "logs"
        logs.mkdir()
        write_service(root / "wsapi", with_plugin=False, runtime=args.runtime)
        if "sls" in targets:
            write_service(root / "sls", with_plugin=True, runtime=args.runtime)
        for number in range(1, rounds + 1):
            for target in targets:
                port = free_port()
                if target == "bare":
                    process = start_bare(port, logs)
                elif target == "wsapi":
                    process = start_wsapi(port, root / "wsapi", logs, args.max_workers)
                else:
                    process = start_sls(port, root / "sls", logs, sls_home)
                try:
                    wait_for_port(port, process, 60)
                    url = f"ws://{HOST}:{port}"
                    for count in counts:
                        rps, p50, p99, failed, errors = asyncio.run(run_load(url, count, seconds, args.warmup))
                        results[target][count].append((rps, p50, p99, failed))
                        note = f"  ({failed} failed, first: {errors[0]})" if errors else ""
                        print(
                            f"round {number} {target:6} {count:4} clients: {rps:8.0f} rps  p50 {p50:6.2f} ms  "
                            f"p99 {p99:6.2f} ms{note}", file=sys.stderr,
                        )  # fmt: skip
                finally:
                    stop(process)
        if args.markdown:
            print(table(results, counts))
            print()
            print(ratios(results, counts))
        shutil.rmtree(logs, ignore_errors=True)
    return 0


def median_point(points: List[Point]) -> Point:
    rates = sorted(points, key=lambda point: point[0])
    middle = rates[len(rates) // 2] if len(rates) % 2 else None
    rps = statistics.median(point[0] for point in points)
    p50 = middle[1] if middle else statistics.median(point[1] for point in points)
    p99 = middle[2] if middle else statistics.median(point[2] for point in points)
    return rps, p50, p99, max(point[3] for point in points)


def table(results: Dict[str, Dict[int, List[Point]]], counts: List[int]) -> str:
    """Medians over the rounds (latencies of the median round), the range of rates, the most failed clients."""
    lines = [
        "| server | clients | round trips/s (median) | range over rounds | p50 ms | p99 ms | failed clients (most) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for target, rows in results.items():
        for count in counts:
            points = rows.get(count) or []
            if not points:
                continue
            rps, p50, p99, failed = median_point(points)
            low, high = min(p[0] for p in points), max(p[0] for p in points)
            lines.append(
                f"| {NAMES[target]} | {count} | {rps:,.0f} | {low:,.0f}–{high:,.0f} | {p50:.2f} | {p99:.2f} | {failed} |"
            )
    return textwrap.dedent("\n".join(lines))


def ratios(results: Dict[str, Dict[int, List[Point]]], counts: List[int]) -> str:
    """wsapi's median against the others', and round by round (each round's servers ran back to back)."""
    if "wsapi" not in results:
        return ""
    lines = ["| clients | wsapi / bare (median; per round) | wsapi / serverless-offline (median; per round) |", "|---:|---:|---:|"]
    for count in counts:
        cells = []
        for other in ("bare", "sls"):
            if other not in results or not results[other][count]:
                cells.append("–")
                continue
            ours, theirs = results["wsapi"][count], results[other][count]
            median_ratio = _ratio(statistics.median(p[0] for p in ours), statistics.median(p[0] for p in theirs))
            per_round = ", ".join(_ratio(a[0], b[0]) for a, b in zip(ours, theirs))
            cells.append(f"{median_ratio}; {per_round}")
        lines.append(f"| {count} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def _ratio(ours: float, theirs: float) -> str:
    if theirs <= 0:
        return "∞ (it served none)" if ours > 0 else "–"
    return f"{ours / theirs:.2f}x"


if __name__ == "__main__":
    sys.exit(main())
