"""TypeScript handlers under `wsapi offline`: built on start with serverless-esbuild's settings and the service's
esbuild, or serverless-plugin-typescript's rules and its typescript, then served like any Node.js handler (stacks
name the .ts lines); a clear problem at the handler without a build plugin, without the compiler, or when the
build fails; the output removed when the server stops."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from websockets.sync.client import connect

from offline_support import FIXTURES, RunningServer, copy_with_node_modules
from wsapi.config import load_service
from wsapi.errors import ConfigError
from wsapi.offline.app import build_app


@pytest.fixture(scope="module")
def esbuild_server(tmp_path_factory):
    running = RunningServer(copy_with_node_modules(FIXTURES / "ts_esbuild", tmp_path_factory.mktemp("esbuild")), language="node").start()
    yield running
    running.stop()


def test_esbuild_builds_the_handlers_with_the_service_s_settings(esbuild_server):
    with connect(esbuild_server.url, open_timeout=20) as ws:
        ws.send("world")
        assert json.loads(ws.recv(timeout=15)) == {"text": "hello world", "builtBy": "esbuild"}  # custom.esbuild.define
    esbuild_server.log.wait(r"wsapi offline: building 2 TypeScript handler\(s\) with esbuild$")


def test_a_built_handler_s_stack_names_its_typescript_line(esbuild_server):
    with connect(esbuild_server.url, open_timeout=20) as ws:
        ws.send(json.dumps({"action": "boom"}))
        assert json.loads(ws.recv(timeout=15))["message"] == "Internal server error"
    error = esbuild_server.log.wait(r"^\[ERROR\] Error: thrown in TypeScript$")
    lines = esbuild_server.log.text().splitlines()
    source = esbuild_server.path / "src" / "handler.ts"
    assert lines[lines.index(error) + 1] == f"    at boom ({source}:10:9)"


def test_the_build_is_removed_when_the_server_stops(tmp_path):
    service = copy_with_node_modules(FIXTURES / "ts_esbuild", tmp_path)
    running = RunningServer(service, language="node").start()
    folder = Path(running.server.built.folder)
    assert list(folder.rglob("handler.js"))
    running.stop()
    assert not folder.exists()


def test_serverless_plugin_typescript_builds_with_tsconfig_and_warns_of_type_errors(tmp_path):
    running = RunningServer(copy_with_node_modules(FIXTURES / "ts_plugin", tmp_path), language="node").start()
    try:
        with connect(running.url, open_timeout=20) as ws:
            ws.send("hi")
            assert ws.recv(timeout=15) == "handler.js says hi (string)"
        running.log.wait(r"warning: typescript: src/handler\.ts \(3,7\): Type 'string' is not assignable to type 'number'\.$")
    finally:
        running.stop()


def service_copy(tmp_path: Path, name: str, edit=None, modules: bool = True) -> Path:
    folder = copy_with_node_modules(FIXTURES / name, tmp_path) if modules else Path(shutil.copytree(FIXTURES / name, tmp_path / name))
    if edit:
        edit(folder)
    return folder


def test_a_typescript_handler_without_a_build_plugin_is_a_problem_at_start(tmp_path):
    def no_plugin(folder: Path) -> None:
        config = folder / "serverless.yml"
        config.write_text(config.read_text().replace("plugins:\n  - serverless-esbuild\n", ""))

    with pytest.raises(ConfigError) as caught:
        build_app(load_service(service_copy(tmp_path, "ts_esbuild", no_plugin)), "serverless.yml")
    message = (
        "is src/handler.ts, TypeScript: wsapi offline builds it when the service lists serverless-esbuild or "
        "serverless-plugin-typescript in plugins, with esbuild or typescript in its node_modules"
    )
    assert caught.value.lines() == [f"serverless.yml: functions.{key}.handler: {message}" for key in ("hello", "boom")]


def test_a_build_plugin_without_its_compiler_is_a_problem_at_start(tmp_path):
    with pytest.raises(ConfigError) as caught:
        build_app(load_service(service_copy(tmp_path, "ts_plugin", modules=False)), "serverless.yml")
    assert caught.value.lines() == [
        "serverless.yml: functions.hello.handler: is src/handler.ts, built with serverless-plugin-typescript, but typescript "
        "is not in the service's node_modules: run npm install (npm install --save-dev typescript)"
    ]


def test_a_build_error_is_a_problem_at_the_handler(tmp_path):
    def break_it(folder: Path) -> None:
        (folder / "src" / "greeting.ts").write_text("export function greet(body: string {\n")

    running = RunningServer(service_copy(tmp_path, "ts_esbuild", break_it), language="node")
    cache = tmp_path / "ts_esbuild" / "node_modules" / ".cache" / "wsapi-offline"  # (the test packages' cache, shared)
    before = set(cache.glob("build-*"))
    with pytest.raises(ConfigError) as caught:
        running.start()
    assert [p.path for p in caught.value.problems] == ["functions.hello.handler", "functions.boom.handler"]
    assert re.match(r"^src/handler\.ts cannot be built with esbuild: src/handler\.ts: src/greeting\.ts:1:35: Expected \"\)\" but found \"\{\"$",
                    caught.value.problems[0].message), caught.value.problems[0].message  # fmt: skip
    assert set(cache.glob("build-*")) == before  # the failed build's output is gone
