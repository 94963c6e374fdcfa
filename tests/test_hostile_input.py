"""Hostile serverless.yml files: each gives a clear error (exact dotted path, message) or a clean result,
quickly and in bounded memory; and one regression test per crash the fuzzer (tests/test_fuzz.py) found.

The time limit here is a hang guard (HANG_SECONDS) on the CPU time the test's own process spends, so a machine
busy with other work does not trip it (routes-10000, 1.4 s on an idle 2-core machine, took 7 s of wall time at a
load of 7) while work out of proportion to the input still does; the real figures per case (time and peak memory) come from
`bench/hostile_bench.py`, which runs the same `CASES`, and are recorded in bench/README-hostile.md.
"""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
from conftest import run_cli

from wsapi import yaml_composer
from wsapi.cli import main as cli_main
from wsapi.compile import compile_service
from wsapi.config import load_service
from wsapi.errors import ConfigError
from wsapi.config_files import parse_document
from wsapi.document_limits import MAX_FILE_BYTES
from wsapi.model import Service
from wsapi.plan import COMPAT, STANDALONE
from wsapi.render_cfn import render_template
from wsapi.variables import resolve_variables

#: A hang guard on CPU time, not a performance target (see bench/README-hostile.md for the measured figures).
HANG_SECONDS = 10.0
#: The same for wall time, where only wall time can be measured (a child process): a busy 2-core machine
#: took 7 s for what takes 1.4 s idle.
HANG_WALL_SECONDS = 60.0

HEAD = """service: svc
provider:
  name: aws
functions:
  f:
    handler: h.h
    events:
      - websocket: $connect
"""


def with_custom(body: str) -> str:
    """HEAD followed by a `custom:` section (line 9 onwards)."""
    return HEAD + "custom:" + body


# --------------------------------------------------------------------------- the catalogue


@dataclass
class Case:
    """A hostile input: `files` (name -> text or bytes) written into a folder, loaded with `load_service`.
    `path`/`fragment`: the one problem expected (exact dotted path, part of the message); both None: the
    service loads, and compiles and renders in both modes."""

    name: str
    files: Callable[[], dict[str, Any]]
    path: Optional[str]
    fragment: Optional[str]
    entry: str = "serverless.yml"
    options: dict = field(default_factory=dict)
    check: Optional[Callable[[Service], None]] = None


def _nest_block(depth: int) -> str:
    return "\n" + "".join(" " * (2 * level) + "a:\n" for level in range(1, depth + 1)) + " " * (2 * depth + 2) + "x\n"


def _billion_laughs() -> str:
    lines = ["\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, 10):
        lines.append(f"  l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 10)}]")
    return "\n".join(lines) + "\n"


def _merge_bomb() -> str:
    lines = ["\n  m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10}"]
    for level in range(1, 10):
        lines.append(f"  m{level}: &m{level} {{{', '.join(f'k{n}: *m{level - 1}' for n in range(10))}}}")
    return "\n".join(lines) + "\n"


def _fill(budget: int, line: Callable[[int], str]) -> str:
    """HEAD + custom entries up to `budget` bytes."""
    parts, size, index = [HEAD, "custom:\n"], len(HEAD) + 8, 0
    while True:
        text = line(index)
        if size + len(text) > budget:
            return "".join(parts)
        parts.append(text)
        size += len(text)
        index += 1


def _explosion(make: Callable[[Optional[int]], Any]) -> str:
    custom = {"v0": make(None)}
    for level in range(1, 51):
        custom[f"v{level}"] = make(level)
    document = {
        "service": "svc",
        "provider": {"name": "aws"},
        "custom": custom,
        "functions": {"f": {"handler": "h.h", "name": "${self:custom.v50}", "events": [{"websocket": "$connect"}]}},
    }
    return json.dumps(document, indent=1)


def _routes(count: int) -> str:
    events = "".join(f"      - websocket: route{index}\n" for index in range(count))
    return f"service: svc\nprovider:\n  name: aws\nfunctions:\n  f:\n    handler: h.h\n    events:\n{events}"


def _routes_ok(count: int) -> Callable[[Service], None]:
    def check(service: Service) -> None:
        assert len(service.routes) == count
        assert any("routes" in warning.message for warning in service.warnings)

    return check


LONG = 1_000_000
BIG_TEXT = "x" * LONG

CASES = [
    # -- nesting
    Case("deep-nesting-flow", lambda: {"serverless.yml": with_custom(" " + "[" * 100_000 + "]" * 100_000 + "\n")},
         "custom[0]", "nesting is deeper than 200 levels at line 9, column 1008; flatten the structure"),
    Case("deep-nesting-block", lambda: {"serverless.yml": with_custom(_nest_block(1_000))},
         "custom" + ".a" * 199, "nesting is deeper than 200 levels at line 209, column 401"),
    Case("deep-nesting-json", lambda: {"serverless.json": '{"custom": ' + "[" * 100_000 + "]" * 100_000 + "}"},
         "", "nesting is deeper than 200 levels at line 1, column 211", entry="serverless.json"),
    # -- size
    Case("over-the-cap", lambda: {"serverless.yml": HEAD + "#" * (MAX_FILE_BYTES + 1 - len(HEAD))},
         "", "the file is 10,485,761 bytes, larger than the 10,485,760 bytes (10 MB) limit"),
    Case("under-the-cap-comment", lambda: {"serverless.yml": HEAD + "#" * (MAX_FILE_BYTES - 1 - len(HEAD))},
         None, None),
    Case("under-the-cap-one-string", lambda: {"serverless.yml": with_custom(" " + "x" * (MAX_FILE_BYTES - 200) + "\n")},
         None, None),
    Case("under-the-cap-values", lambda: {"serverless.yml": _fill(MAX_FILE_BYTES - 1, lambda i: f"  k{i}: value-{i}\n")},
         "custom.k124999", "the document holds more than 250,000 values (at line 125009); refusing to load it"),
    Case("under-the-cap-json-values",
         lambda: {"serverless.json": '{"custom": [' + "1," * ((MAX_FILE_BYTES - 20) // 2) + "1]}"},
         "", "the document holds more than 250,000 values; refusing to load it", entry="serverless.json"),
    # -- YAML aliases
    Case("billion-laughs", lambda: {"serverless.yml": with_custom(_billion_laughs())},
         "custom.l5[2]", 'would expand to more than 250,000 values through YAML aliases (alias "*l4" at line 15)'),
    Case("merge-key-bomb", lambda: {"serverless.yml": with_custom(_merge_bomb())},
         "custom.m5.k1", 'would expand to more than 250,000 values through YAML aliases (alias "*m4" at line 15)'),
    Case("long-text-alias-bomb",
         lambda: {"serverless.yml": with_custom(f"\n  s: &s {BIG_TEXT}\n  copies: [{', '.join(['*s'] * 1_000)}]\n")},
         "custom.copies[10]", 'more than 10,485,760 characters of text through YAML aliases (alias "*s" at line 11)'),
    # -- variables
    Case("variable-explosion-strings",
         lambda: {"serverless.json": _explosion(lambda n: "ab" if n is None else f"${{self:custom.v{n - 1}}}" * 2)},
         "custom.v19", "a resolved string would be longer than 1,000,000 characters", entry="serverless.json"),
    Case("variable-explosion-lists",
         lambda: {"serverless.json": _explosion(lambda n: ["a", "b"] if n is None else [f"${{self:custom.v{n - 1}}}"] * 2)},
         "custom.v16[0]", "resolved values would copy more than 300,000 values", entry="serverless.json"),
    Case("variable-explosion-mappings",
         lambda: {"serverless.json": _explosion(
             lambda n: "a" if n is None else {"x": f"${{self:custom.v{n - 1}}}", "y": f"${{self:custom.v{n - 1}}}"})},
         "custom.v17.x", "resolved values would copy more than 300,000 values", entry="serverless.json"),
    Case("variable-long-text-copies",
         lambda: {"serverless.yml": HEAD.replace("handler: h.h", "handler: h.h\n    name: ${self:custom.all}")
                  + f"custom:\n  s: {BIG_TEXT}\n  all:\n" + "    - ${self:custom.s}\n" * 1_000},
         "custom.all[20]", "resolved values would copy more than 20,000,000 characters of text"),
    Case("variable-chain-10000",
         lambda: {"serverless.yml": HEAD.replace("handler: h.h", "handler: h.h\n    name: ${self:custom.v10000}")
                  + "custom:\n  v0: end\n" + "".join(f"  v{n}: ${{self:custom.v{n - 1}}}\n" for n in range(1, 10_001))},
         "custom.v9901", "more than 100 values wait on one another to resolve"),
    Case("variable-nesting-1000",
         lambda: {"serverless.yml": HEAD.replace("handler: h.h", "handler: h.h\n    name: "
                                                  + "${self:custom." * 1_000 + "x" + "}" * 1_000)},
         "functions.f.name", "variables nested more than 32 levels deep"),
    Case("variable-100000-fallbacks",
         lambda: {"serverless.yml": HEAD.replace("handler: h.h", "handler: h.h\n    name: ${self:a, "
                                                  + ", ".join(f"self:b{n}" for n in range(100_000)) + "}")},
         "functions.f.name", "and 99,996 more fallbacks not found"),
    Case("file-loop",
         lambda: {"serverless.yml": HEAD.replace("name: aws", "name: aws\n  stage: ${file(a.yml):x}"),
                  "a.yml": "x: ${file(b.yml):y}\n", "b.yml": "y: ${file(a.yml):x}\n"},
         "provider.stage",
         'these values produce one another in a loop: "${file(a.yml):x}" -> "${file(b.yml):y}" -> "${file(a.yml):x}"'),
    Case("self-include",
         lambda: {"serverless.yml": HEAD.replace("name: aws", "name: aws\n  stage: ${file(serverless.yml):provider.stage}")},
         "provider.stage", '"${file(serverless.yml):provider.stage}" resolves to itself'),
    Case("self-include-whole",
         lambda: {"serverless.yml": HEAD.replace("handler: h.h", "handler: h.h\n    name: ${self:custom.me.service}")
                  + "custom:\n  me: ${file(serverless.yml)}\n"},
         None, None, check=lambda service: service.functions["f"].deployed_name == "svc"),
    # -- many routes, long strings and keys
    Case("routes-10000", lambda: {"serverless.yml": _routes(10_000)}, None, None, check=_routes_ok(10_000)),
    Case("routes-60000", lambda: {"serverless.yml": _routes(60_000)},
         "functions", "60,000 websocket routes: wsapi accepts at most 10,000"),
    Case("route-key-5MB", lambda: {"serverless.yml": HEAD.replace("$connect", "r" * 5_000_000)},
         "functions.f.events[0].websocket", "CloudFormation allows 255"),
    Case("mapping-key-5MB", lambda: {"serverless.yml": with_custom("\n  ? " + "k" * 5_000_000 + "\n  : v\n")},
         None, None),
    Case("implicit-key-2000",
         lambda: {"serverless.yml": with_custom("\n  " + "k" * 2_000 + ": v\n")},
         "", "a key longer than 1,024 characters must be written as an explicit key"),
    Case("service-name-5MB",  # the function named, so that its Lambda name is not derived from the service's
         lambda: {"serverless.yml": HEAD.replace("service: svc", "service: " + "s" * 5_000_000).replace("handler: h.h", "handler: h.h\n    name: f")},
         None, None, check=lambda service: len(service.name) == 5_000_000),
    Case("service-name-5MB-derived-lambda-name",
         lambda: {"serverless.yml": HEAD.replace("service: svc", "service: " + "s" * 5_000_000)},
         "functions.f", "is 5,000,006 characters; AWS allows 64"),
]


def write_case(case: Case, folder: Path) -> Path:
    for name, content in case.files().items():
        target = folder / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return folder / case.entry


def run_case(case: Case, path: Path) -> Optional[ConfigError]:
    """Load, and for an accepted service compile and render both modes as strict JSON."""
    try:
        service = load_service(path, env={}, **case.options)
    except ConfigError as error:
        return error
    for mode in (COMPAT, STANDALONE):
        json.dumps(render_template(compile_service(service, mode)), allow_nan=False)
    if case.check is not None:
        case.check(service)
    return None


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input_gives_a_clear_error_or_a_clean_result(case: Case, tmp_path: Path) -> None:
    path = write_case(case, tmp_path)
    started = time.process_time()
    error = run_case(case, path)
    elapsed = time.process_time() - started
    assert elapsed < HANG_SECONDS, f"{case.name} took {elapsed:.1f} s of CPU time"
    if case.path is None:
        assert error is None, error
        return
    assert error is not None, f"{case.name} was accepted"
    assert [problem.path for problem in error.problems] == [case.path]
    (problem,) = error.problems
    assert case.fragment in problem.message
    assert len(problem.message) < 1_000  # a line a person can read, however long the input
    assert error.file == str(path)


# --------------------------------------------------------------------------- regressions: crashes found


@pytest.mark.parametrize("parser", ["c", "python"])
def test_a_decimal_integer_of_thousands_of_digits_is_text_not_a_crash(parser: str, monkeypatch) -> None:
    """int() refuses more than 4,300 digits (ValueError); like any integer beyond a double, it stays text."""
    if parser == "python":
        monkeypatch.setattr(yaml_composer, "_CParser", None)
    digits = "9" * 5_000
    assert parse_document(f"a: {digits}\nb: -{'0' * 10_000}1\n", "x") == {"a": digits, "b": -1}
    with pytest.raises(ConfigError) as caught:
        parse_document(f"a: !!int {digits}\n", "x")
    assert caught.value.problems[0].path == "a"
    assert caught.value.problems[0].message.startswith('"9999')
    assert '… (5,000 characters)" at line 1, column 4 is not a valid value for tag' in caught.value.problems[0].message


def test_a_json_integer_of_thousands_of_digits_is_null_as_after_json_round_trip() -> None:
    text = '{"a": %s, "b": -%s, "c": %s, "d": 12}' % ("1" * 5_000, "1" * 400, "1" * 300)
    assert parse_document(text, "x", "json") == {"a": None, "b": None, "c": int("1" * 300), "d": 12}


def test_json_lone_surrogate_escapes_are_problems_at_their_path() -> None:
    """json.loads turns `\\ud800` into a lone surrogate: no terminal, template or AWS API can take it
    (the CLI crashed with UnicodeEncodeError writing the export)."""
    text = '{"a": ["ok \\ud83d\\ude00", "x\\ud800"], "b": {"\\udc00k": 1}, "c": "\\uDFFF"}'
    with pytest.raises(ConfigError) as caught:
        parse_document(text, "x", "json")
    problems = [(p.path, p.message) for p in caught.value.problems]
    assert [path for path, _ in problems] == ["a[1]", "b", "c"]
    assert problems[0][1].startswith("the string holds \\ud800, half of a UTF-16 surrogate pair without its")
    assert problems[1][1].startswith("a key holds \\udc00")
    assert parse_document('{"a": "\\ud83d\\ude00"}', "x", "json") == {"a": "\U0001f600"}


def test_yaml_lone_surrogate_escapes_are_problems_with_both_parsers(monkeypatch) -> None:
    for parser in (yaml_composer._CParser, None):
        monkeypatch.setattr(yaml_composer, "_CParser", parser)
        with pytest.raises(ConfigError) as caught:
            parse_document('a:\n  b: "x\\ud800"\n', "x")
        (problem,) = caught.value.problems
        assert problem.path in ("a.b", "a")  # libyaml may refuse the escape itself, with its own message
        problem.message.encode("utf-8")
        assert parse_document('a: "\\U0001F600"\n', "x") == {"a": "\U0001f600"}


@pytest.mark.parametrize(
    "expression, env, options, params, message",
    [
        ("${env:BAD}", {"BAD": "caf\udce9"}, {}, {},
         'environment variable "BAD" is not valid text (byte 0xe9 is not valid UTF-8); pass it as UTF-8'),
        ("${opt:o}", {}, {"o": "\udcff"}, {},
         'the value of option "--o" is not valid text (byte 0xff is not valid UTF-8); pass it as UTF-8'),
        ("${param:p}", {}, {}, {"p": "x\ud800"},
         'the value of "--param p" is not valid text (\\ud800 is half of a UTF-16 surrogate pair without its '
         "other half); pass it as UTF-8"),
        ("${sls:stage}", {}, {"stage": "\udcff"}, {},
         "the stage (--stage) is not valid text (byte 0xff is not valid UTF-8); pass it as UTF-8"),
    ],
    ids=["env", "option", "param", "stage"],
)
def test_undecodable_bytes_from_outside_are_problems_not_a_crash(expression, env, options, params, message) -> None:
    """Python hands undecodable bytes of the environment and argv over as lone surrogates; printed, they made
    the CLI fail with UnicodeEncodeError (exit 1)."""
    with pytest.raises(ConfigError) as caught:
        resolve_variables({"custom": {"x": expression}}, service_dir=".", env=env, options=options, params=params)
    assert [(p.path, p.message) for p in caught.value.problems] == [("custom.x", message)]


def test_undecodable_stage_and_region_are_problems(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(HEAD)
    for keyword, flag in (("stage", "--stage"), ("region", "--region")):
        with pytest.raises(ConfigError) as caught:
            load_service(tmp_path, **{keyword: "x\udcff"})
        assert [(p.path, p.message) for p in caught.value.problems] == [
            (flag, "is not valid text (byte 0xff is not valid UTF-8); pass it as UTF-8")
        ]


def cli_in_process(*argv: str) -> tuple[int, str, str]:
    """The CLI with strict UTF-8 stdout/stderr, as on a terminal."""
    import contextlib
    import io

    out, err = io.BytesIO(), io.BytesIO()
    out_text = io.TextIOWrapper(out, encoding="utf-8", errors="strict")
    err_text = io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace")  # as Python's stderr
    with contextlib.redirect_stdout(out_text), contextlib.redirect_stderr(err_text):
        code = cli_main(list(argv))
        out_text.flush()
        err_text.flush()
    return code, out.getvalue().decode(), err.getvalue().decode()


def test_the_cli_refuses_undecodable_arguments_with_exit_2(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("WSAPI_DEBUG", raising=False)
    (tmp_path / "serverless.yml").write_text(HEAD.replace("name: aws", "name: aws\n  websocketsDescription: ${opt:d}"))
    (tmp_path / "serverless.json").write_text("")  # not read: the .yml comes first
    path = str(tmp_path / "serverless.yml")
    code, out, err = cli_in_process("export", path, "--function", "f=arn:aws:lambda:us-east-1:1:function:\udcff", "--option", "d=x")
    assert (code, out) == (2, "")
    assert err == f"{path}: --function f: must be a Lambda function ARN (arn:...), got 'arn:aws:lambda:us-east-1:1:function:\\udcff'\n"
    code, out, err = cli_in_process("validate", path, "--option", "d=\udcfe")
    assert (code, out) == (2, "")
    assert err == (f"{path}: provider.websocketsDescription: the value of option \"--d\" is not valid text "
                   "(byte 0xfe is not valid UTF-8); pass it as UTF-8\n")
    code, out, err = cli_in_process("validate", path, "--option", "d=x", "--stage", "\udcfe")
    assert (code, out, err) == (2, "", f"{path}: --stage: is not valid text (byte 0xfe is not valid UTF-8); pass it as UTF-8\n")


def test_a_json_file_with_a_lone_surrogate_exits_2_instead_of_crashing_the_export(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("WSAPI_DEBUG", raising=False)
    document = {"service": "svc", "provider": {"name": "aws", "websocketsDescription": "\ud800x"},
                "functions": {"f": {"handler": "h.h", "events": [{"websocket": "$connect"}]}}}
    (tmp_path / "serverless.json").write_text(json.dumps(document))  # ensure_ascii: the escape \ud800
    code, out, err = cli_in_process("export", str(tmp_path))
    assert (code, out) == (2, "")
    assert err.startswith(f"{tmp_path / 'serverless.json'}: provider.websocketsDescription: the string holds \\ud800")


@pytest.mark.parametrize(
    "literal, whole, embedded",
    [
        ("0x" + "f" * 4_000, None, "xInfinity"),  # crashed: str() of a 4,800-digit int
        ("0x" + "f" * 20, float(0xFFFFFFFFFFFFFFFFFFFF), "x1.2089258196146292e+24"),
        ("1e999", None, "xInfinity"),
        ("-1e999", None, "x-Infinity"),
        ("0x1F", 31, "x31"),
    ],
    ids=["hex-4000-digits", "hex-beyond-2**53", "overflow", "negative-overflow", "small-hex"],
)
def test_number_fallbacks_are_javascript_numbers(literal: str, whole: Any, embedded: str) -> None:
    """A literal fallback is a JS number (a double): huge hex literals crashed interpolation, and an infinite
    value reached templates as `Infinity`, which is not JSON (CloudFormation refuses it); as JSON writes it,
    it is null."""
    resolved = resolve_variables(
        {"a": f"${{opt:nope, {literal}}}", "b": f"x${{opt:nope, {literal}}}", "c": [f"${{opt:nope, {literal}}}"]},
        service_dir=".",
    )
    assert resolved == {"a": whole, "b": embedded, "c": [whole]}
    json.dumps(resolved, allow_nan=False)


def test_an_infinite_fallback_in_the_data_protection_policy_renders_strict_json(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(
        HEAD.replace("name: aws", "name: aws\n  logs: {websocket: true}\n  logDataProtectionPolicy: {Name: p, "
                     "Version: '2021-06-01', Statement: [{Sid: '${opt:n, 1e999}'}]}")
    )
    template = render_template(compile_service(load_service(tmp_path), STANDALONE))
    text = json.dumps(template, allow_nan=False)
    assert '"Sid": null' in text


def test_a_variable_with_a_hundred_thousand_fallbacks_gives_a_short_message() -> None:
    expression = "${self:a, " + ", ".join(["self:b"] * 100_000) + "}"
    with pytest.raises(ConfigError) as caught:
        resolve_variables({"custom": {"x": expression}}, service_dir=".")
    (problem,) = caught.value.problems
    assert problem.message.endswith(
        ': "a" is not defined in the configuration (or is null); "b" is not defined in the configuration (or is null)'
    )
    assert len(problem.message) < 400


def test_long_names_in_variable_messages_are_cut() -> None:
    name = "N" * 100_000
    with pytest.raises(ConfigError) as caught:
        resolve_variables({"a": f"${{env:{name}}}", "b": f"${{file({name}.yml):x}}"}, service_dir=".", env={})
    assert all(len(p.message) < 600 for p in caught.value.problems), [len(p.message) for p in caught.value.problems]


# --------------------------------------------------------------------------- the CLI on hostile files


@pytest.mark.parametrize("name", ["billion-laughs", "deep-nesting-flow", "long-text-alias-bomb", "file-loop"])
def test_the_cli_answers_hostile_files_with_exit_2_and_one_line(name: str, tmp_path: Path) -> None:
    """In a real process (real stdout/stderr encodings), bounded by the subprocess timeout."""
    case = next(case for case in CASES if case.name == name)
    path = write_case(case, tmp_path)
    started = time.perf_counter()
    result = run_cli("export", str(path))
    assert time.perf_counter() - started < HANG_WALL_SECONDS  # includes starting Python
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith(f"{path}: {case.path}: ")
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_memory_stays_bounded_for_an_alias_bomb_of_long_text(tmp_path: Path) -> None:
    """Without the text bound a 1 MB file became a 300 MB template (1,000 aliases of a 1 MB string)."""
    if sys.platform != "linux":  # pragma: no cover
        pytest.skip("tracemalloc figures checked on Linux only")
    import tracemalloc

    case = next(case for case in CASES if case.name == "long-text-alias-bomb")
    path = write_case(case, tmp_path)
    tracemalloc.start()
    try:
        error = run_case(case, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error is not None
    assert peak < 50 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"


def _service(**provider: Any) -> dict:
    return {"service": "svc", "provider": {"name": "aws", **provider},
            "functions": {"f": {"handler": "h.h", "events": [{"websocket": "$connect"}]}}}


def test_a_mapping_holding_what_no_file_can_is_a_problem_at_its_path() -> None:
    """A Pulumi program's `config=` mapping: bytes crashed the deployment hash (TypeError), NaN and Infinity
    made templates that are not JSON, a set or an object reached validators that assume plain data."""
    document = _service(apiGateway={"websocketApiId": {"Ref": b"Api"}}, logs={"websocket": True},
                        logDataProtectionPolicy={"Name": "n", "Version": "v", "Statement": [math.inf, {1: 2}, {3}]})
    with pytest.raises(ConfigError) as caught:
        load_service(document)
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("provider.apiGateway.websocketApiId.Ref",
         "must be text, a number, true/false, null, a list or a mapping, got bytes"),
        ("provider.logDataProtectionPolicy.Statement[0]", "must be a finite number, got inf"),
        ("provider.logDataProtectionPolicy.Statement[1]", "has the key 1: keys must be text"),
        ("provider.logDataProtectionPolicy.Statement[2]",
         "must be text, a number, true/false, null, a list or a mapping, got set"),
    ]
    assert caught.value.file == "<config>"


def test_a_mapping_that_contains_itself_is_a_problem_not_a_hang() -> None:
    """It looped forever copying itself (gigabytes within seconds)."""
    document = _service()
    document["custom"] = {"me": document}
    started = time.perf_counter()
    with pytest.raises(ConfigError) as caught:
        load_service(document)
    assert time.perf_counter() - started < HANG_WALL_SECONDS
    (problem,) = caught.value.problems
    assert problem.path.startswith("custom.me.custom.me.custom.me.")
    assert problem.message == "nesting is deeper than 200 levels (does a value contain itself?)"


def test_tuples_in_a_mapping_are_lists() -> None:
    document = _service()
    document["functions"]["f"]["events"] = ({"websocket": "$connect"}, {"websocket": "send"})
    assert [route.route_key for route in load_service(document).routes] == ["$connect", "send"]
