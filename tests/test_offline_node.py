"""What only Node.js functions have under `wsapi offline`, against the running server (the scenarios both
languages share are in test_offline.py): handler resolution (ES modules, nested folders and exports), callback
handlers and `callbackWaitsForEmptyEventLoop`, the context's callbacks, handlers that never answer, crashes
answered as Lambda answers them with the process replaced, console lines, the AWS SDK v2, a Python function in
the same service; handlers that cannot load, and a missing or too old `node`, reported at start."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import connect

from conftest import run_cli
from offline_support import FIXTURES, RunningServer, copy_with_node_modules
from wsapi.config import load_service
from wsapi.errors import ConfigError
from wsapi.offline.app import build_app, function_environment, launcher_for
from wsapi.offline.node import MINIMUM_MAJOR, locate_node
from wsapi.offline.runtimes import language_of, node_major
from wsapi.validate import validate_document

INTERNAL_ERROR = re.compile(r'^\{"message": "Internal server error", "connectionId":"[A-Za-z0-9_-]{15}=", "requestId":"[A-Za-z0-9_-]{15}="\}$')


@pytest.fixture(scope="module")
def features(tmp_path_factory):
    folder = copy_with_node_modules(FIXTURES / "node_features", tmp_path_factory.mktemp("features"))
    running = RunningServer(folder, language="node").start()
    yield running
    running.stop()


def call(server: RunningServer, action: str, **fields: Any) -> str:
    with connect(server.url, open_timeout=20) as ws:
        ws.send(json.dumps({"action": action, **fields}))
        return ws.recv(timeout=15)


# -- handler resolution ------------------------------------------------------------------------------------


def test_an_es_module_by_its_folder_s_package_json(features):
    assert json.loads(call(features, "esm")) == {"greeting": "hello from an ES module", "commonJs": False}


def test_a_nested_folder_and_a_nested_export(features):
    with connect(features.url, open_timeout=20) as ws:
        ws.send(json.dumps({"action": "nested"}))
        assert ws.recv(timeout=15) == 'pong: {"action": "nested"}'


def test_python_and_node_functions_in_one_service(features):
    assert call(features, "python") == "python 3 beside Node.js"


# -- callbacks and the event loop --------------------------------------------------------------------------


def test_a_callback_answers_once_the_event_loop_is_empty(features):
    # the answer is serialized when it goes: after the handler's timer changed it
    assert call(features, "callbacks", mode="wait") == "answered after the timer fired"


def test_callback_waits_for_empty_event_loop_false_answers_at_once(features):
    assert call(features, "callbacks", mode="no-wait") == "answered at once (false)"


@pytest.mark.parametrize("mode, body", [("succeed", "context.succeed"), ("done", "context.done"), ("first-wins", "the first answer")])
def test_the_context_callbacks_and_only_the_first_answer(features, mode, body):
    assert call(features, "callbacks", mode=mode) == body


@pytest.mark.parametrize("mode, logged", [("fail", r"\[ERROR\] RangeError: context\.fail$"), ("error-string", r"\[ERROR\] string: a plain string$")])
def test_errors_passed_to_the_callbacks_fail_the_invocation(features, mode, logged):
    assert INTERNAL_ERROR.match(call(features, "callbacks", mode=mode))
    features.log.wait(logged)


def test_a_handler_that_never_answers_answers_null(features):
    with connect(features.url, open_timeout=20) as ws:
        ws.send(json.dumps({"action": "never-answers"}))
        line = features.log.wait(r"MESSAGE +never-answers .* 200 ")
        ws.send(json.dumps({"action": "nested"}))  # nothing was sent for the null answer: the next frame is this one's
        assert ws.recv(timeout=15).startswith("pong: ")
    assert "nothing to answer" in features.log.text() and "error" not in line


def test_a_promise_that_never_settles_fails_as_lambda_s_node_runtime_says(features):
    assert INTERNAL_ERROR.match(call(features, "never-settles"))
    features.log.wait(r"\[ERROR\] Runtime\.NodeJsExit: The Lambda runtime client detected an unexpected Node\.js exit code\. "
                      r"This is most commonly caused by a Promise that was never settled\.")


# -- crashes: Lambda's answer, then a new process -------------------------------------------------------------


def pid(server: RunningServer) -> int:
    answer = call(server, "crashy", mode="pid")
    assert "pid" in answer, answer
    return json.loads(answer)["pid"]


def test_an_unhandled_rejection_fails_the_invocation_with_its_stack_and_the_process_is_replaced(features):
    before = pid(features)
    assert INTERNAL_ERROR.match(call(features, "crashy", mode="unhandled"))
    error = features.log.wait(r"^\[ERROR\] Runtime\.UnhandledPromiseRejection: Error: a rejection nobody handles$")
    lines = features.log.text().splitlines()
    assert re.match(r"^    at exports\.handler \(/.*/handlers/crashy\.js:\d+:\d+\)$", lines[lines.index(error) + 1])
    assert pid(features) != before  # Lambda resets the sandbox (the runtime exits with status 128)


def test_an_uncaught_exception_fails_the_invocation_with_its_stack_and_the_process_is_replaced(features):
    before = pid(features)
    assert INTERNAL_ERROR.match(call(features, "crashy", mode="uncaught"))
    error = features.log.wait(r"^\[ERROR\] Error: thrown from a timer$")
    lines = features.log.text().splitlines()
    assert re.match(r"^    at Timeout\._onTimeout \(/.*/handlers/crashy\.js:\d+:\d+\)$", lines[lines.index(error) + 1])
    assert pid(features) != before


def test_process_exit_is_answered_with_its_exit_status_and_the_process_is_replaced(features):
    before = pid(features)
    assert INTERNAL_ERROR.match(call(features, "crashy", mode="exit"))
    features.log.wait(r"^\[ERROR\] Runtime\.ExitError: Runtime exited with error: exit status 3$")
    assert pid(features) != before


# -- logs, the SDK v2, versions -----------------------------------------------------------------------------


def test_console_lines_carry_the_time_the_request_id_and_the_level(features):
    request_id = json.loads(call(features, "console"))["requestId"]
    stamp = r"\[console\] \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t" + re.escape(request_id)
    features.log.wait(stamp + r"\tINFO\tlog line 42 \{ a: 1 \}$")
    for level, text in (("INFO", "info"), ("WARN", "warn"), ("ERROR", "error"), ("DEBUG", "debug")):
        features.log.wait(stamp + rf"\t{level}\t{text} line$")


def test_a_handler_posts_to_another_connection_with_the_aws_sdk_v2(features):
    with connect(features.url, open_timeout=20) as sender, connect(features.url, open_timeout=20) as receiver:
        receiver.send(json.dumps({"action": "relay-v2", "to": "AAAAAAAAAAAAAAA=", "text": "nobody"}))
        assert json.loads(receiver.recv(timeout=15)) == {"gone": "AAAAAAAAAAAAAAA="}
        target = features.log.wait(r"MESSAGE +relay-v2 +conn=\S+ 410").split("conn=")[1].split()[0]
        sender.send(json.dumps({"action": "relay-v2", "to": target, "text": "hello from the SDK v2"}))
        assert receiver.recv(timeout=15) == "hello from the SDK v2"
        assert json.loads(sender.recv(timeout=15))["sent"] == target


def test_a_runtime_other_than_the_local_node_is_a_warning(features):
    app = build_app(load_service(features.path))
    (warning,) = [w for w in app.warnings if "relayV2" in w]
    assert re.match(rf"^functions\.relayV2\.runtime: nodejs16\.x runs here on Node\.js {app.node.major}\.\d+\.\d+ \(/\S+\)$", warning)
    assert not [w for w in app.warnings if "functions.esm." in w] or app.node.major != 20


# -- at start ---------------------------------------------------------------------------------------------------


def test_handlers_that_cannot_be_loaded_are_errors_at_start():
    running = RunningServer(FIXTURES / "node_bad_handler", language="node")
    with pytest.raises(ConfigError) as caught:
        running.start()
    problems = {p.path: p.message for p in caught.value.problems}
    root = str(FIXTURES / "node_bad_handler")
    assert problems == {
        "functions.missing.handler": "cannot be loaded: Runtime.ImportModuleError: Error: Cannot find module "
        f"'nowhere/missing' (no nowhere/missing.js, .mjs or .cjs in {root})",
        "functions.typo.handler": "cannot be loaded: Runtime.HandlerNotFound: handler.handlr is undefined or not exported",
        "functions.notFunction.handler": "cannot be loaded: Runtime.HandlerNotFound: handler.value is not a function",
        "functions.syntax.handler": "cannot be loaded: Runtime.UserCodeSyntaxError: SyntaxError: Unexpected token ';' "
        f"({root}/broken.js:3)",
        "functions.throws.handler": "cannot be loaded: Error: init failed: no configuration",
        "functions.sdk.handler": "cannot be loaded: Runtime.ImportModuleError: Error: Cannot find module "
        f"'@aws-sdk/client-dynamodb' (required by {root}/needs-sdk.js); Lambda's Node.js runtime provides the AWS SDK, "
        "a local run needs it in the service's node_modules (npm install --save-dev @aws-sdk/client-dynamodb)",
        "functions.callback24.handler": "cannot be loaded: Runtime.CallbackHandlerDeprecated: ERROR: AWS Lambda has "
        "removed support for callback-based function handlers starting with Node.js 24. You need to modify this "
        "function to use a supported handler signature to use Node.js 24 or later. For more information see "
        "https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.",
    }
    # an error thrown while the module loads is logged with its stack
    running.log.wait(r"^    at Object\.<anonymous> \(/.*/throws\.js:2:7\)$")


def fake_node(folder: Path, version: str) -> Path:
    script = folder / "node"
    script.write_text(f"#!/bin/sh\necho v{version}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def node_functions_service():
    return validate_document({
        "service": "svc", "provider": {"name": "aws", "runtime": "nodejs20.x"},
        "functions": {
            "connect": {"handler": "h.connect", "events": [{"websocket": {"route": "$connect", "authorizer": "auth"}}]},
            "py": {"handler": "h.py", "runtime": "python3.11", "events": [{"websocket": "$default"}]},
            "auth": {"handler": "h.auth", "runtime": "nodejs22.x"},
            "send": {"handler": "h.send", "events": [{"websocket": "send"}]},
        },
    })  # fmt: skip


def test_a_missing_node_names_every_function_that_needs_it(tmp_path, monkeypatch):
    with pytest.raises(ConfigError) as caught:
        build_app(node_functions_service(), "serverless.yml", node=str(tmp_path / "nowhere" / "node"))
    message = f"needs Node.js: --node {tmp_path}/nowhere/node: no such executable"
    assert caught.value.lines() == [
        f"serverless.yml: functions.connect.runtime: is nodejs20.x, which {message}",
        f"serverless.yml: functions.auth.runtime: is nodejs22.x, which {message}",
        f"serverless.yml: functions.send.runtime: is nodejs20.x, which {message}",
    ]
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigError) as caught:
        build_app(node_functions_service(), "serverless.yml")
    assert [p.path for p in caught.value.problems] == ["functions.connect.runtime", "functions.auth.runtime", "functions.send.runtime"]
    assert caught.value.problems[0].message == (
        "is nodejs20.x, which needs Node.js: no `node` on PATH: install Node.js, or give its path with --node PATH"
    )


def test_an_authorizer_s_node_is_checked_too(tmp_path):
    service = validate_document({
        "service": "svc", "provider": {"name": "aws", "runtime": "python3.11"},
        "functions": {
            "auth": {"handler": "h.auth", "runtime": "nodejs22.x"},
            "connect": {"handler": "h.c", "events": [{"websocket": {"route": "$connect", "authorizer": "auth"}}]},
        },
    })  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        build_app(service, node=str(fake_node(tmp_path, "12.22.12")))
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("functions.auth.runtime", f"is nodejs22.x, which needs Node.js: {tmp_path}/node is Node.js 12.22.12; wsapi offline "
         f"needs Node.js {MINIMUM_MAJOR} or newer (choose another with --node PATH)"),
    ]  # fmt: skip


def test_the_node_option_chooses_node_and_a_service_without_node_functions_never_looks(tmp_path):
    chosen = fake_node(tmp_path, "22.11.0")
    app = build_app(node_functions_service(), node=str(chosen))
    assert (app.node.path, app.node.version, app.node.major) == (str(chosen), "22.11.0", 22)
    assert launcher_for(app, "connect").command[0] == str(chosen) and launcher_for(app, "py").language == "python"
    assert [w for w in app.warnings if "runtime" in w] == [
        f"functions.connect.runtime: nodejs20.x runs here on Node.js 22.11.0 ({chosen})",
        f"functions.send.runtime: nodejs20.x runs here on Node.js 22.11.0 ({chosen})",
    ]  # the authorizer's nodejs22.x is the local major: no warning
    python_only = validate_document({"service": "svc", "provider": {"name": "aws", "runtime": "python3.11"},
                                     "functions": {"f": {"handler": "h.f", "events": [{"websocket": "$default"}]}}})  # fmt: skip
    assert build_app(python_only, node=str(tmp_path / "missing")).node is None


def test_the_node_option_on_the_command_line(tmp_path):
    result = run_cli("offline", str(FIXTURES / "node_features"), "--node", str(tmp_path / "node"), "--port", "0")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 8 and all(f"which needs Node.js: --node {tmp_path}/node: no such executable" in line for line in lines)
    assert lines[0].startswith(f"{FIXTURES / 'node_features'}: functions.esm.runtime: is nodejs20.x")


def test_a_function_without_a_runtime_runs_as_serverless_deploys_it():
    service = validate_document({"service": "svc", "provider": {"name": "aws"},
                                 "functions": {"f": {"handler": "h.f", "events": [{"websocket": "$default"}]}}})  # fmt: skip
    app = build_app(service)
    assert app.runtimes == {"f": "nodejs16.x"}
    assert "functions.f.runtime: is not set (nor provider.runtime): Serverless deploys nodejs16.x, so it runs on Node.js here" in app.warnings
    env = function_environment(app, app.functions["f"], "http://127.0.0.1:1/dev", base={"PATH": "/bin", "NODE_PATH": "/lib/node"})
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_nodejs16.x"
    assert env["NODE_PATH"] == os.pathsep.join(["/lib/node", str(app.task_root)])  # as Lambda's ends with the task root


@pytest.mark.parametrize(
    "runtime, language, major",
    [("nodejs20.x", "node", 20), ("nodejs8.10", "node", 8), ("nodejs26.x", "node", 26), ("nodejs", "node", None),
     ("python3.12", "python", None), ("java17", None, None), ("provided.al2023", None, None), ("nodejsx", None, None)],
)  # fmt: skip
def test_runtime_names(runtime, language, major):
    assert language_of(runtime) == language
    assert node_major(runtime) == major


def test_the_local_node_is_found_and_recent_enough():
    install = locate_node()
    assert install.major >= MINIMUM_MAJOR and os.path.isabs(install.path)
