"""wsapi.variables (with variable_syntax and variable_sources): Serverless Framework v3 variable resolution."""

import copy
import time
from pathlib import Path

import pytest

from wsapi.config_files import parse_document
from wsapi.errors import ConfigError
from wsapi.variable_sources import SOURCES, VariableSource, not_found
from wsapi.variable_syntax import Variable, VariableSyntaxError, parse_variables
from wsapi.variables import resolve_variables

WEBSOCKET_SCOPE = (
    "service",
    "provider.stage",
    "provider.logs",
    "functions.*.name",
    "functions.*.events[*].websocket",
)


def yaml(text):
    return parse_document(text, "serverless.yml", "yaml")


def resolve(document, tmp_path=None, **kwargs):
    kwargs.setdefault("env", {})
    return resolve_variables(document, service_dir=tmp_path or Path("."), **kwargs)


def problems(document, tmp_path=None, **kwargs):
    with pytest.raises(ConfigError) as caught:
        resolve(document, tmp_path, **kwargs)
    return caught.value.lines()


def write(folder, files):
    for name, content in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)


# --------------------------------------------------------------------------- grammar


def shape(text):
    """A compact picture of what the parser found."""

    def argument(value):
        if isinstance(value, list):
            return "".join(part if isinstance(part, str) else part.text for part in value)
        return value

    segments = parse_variables(text)
    if segments is None:
        return None
    result = []
    for segment in segments:
        if isinstance(segment, str):
            result.append(segment)
            continue
        sources = []
        for source in segment.sources:
            if source.is_literal:
                sources.append(("literal", source.literal))
            else:
                params = None if source.params is None else [argument(p) for p in source.params]
                sources.append((source.type, params, argument(source.address)))
        result.append(sources)
    return result


GRAMMAR = [
    ("plain text", None),
    ("${self:custom.a}", [[("self", None, "custom.a")]]),
    ("${self:}", [[("self", None, None)]]),
    ("${opt:stage, self:provider.stage}", [[("opt", None, "stage"), ("self", None, "provider.stage")]]),
    ("${opt:stage, ${self:provider.stage}}", [[("opt", None, "stage"), ("self", None, "provider.stage")]]),
    ("${env:X, ${env:Y, 'z'}}", [[("env", None, "X"), ("env", None, "Y"), ("literal", "z")]]),
    ("${env:X, ${env:Y}, 'z'}", [[("env", None, "X"), ("env", None, "Y"), ("literal", "z")]]),
    ("${env:X, 'a b'}", [[("env", None, "X"), ("literal", "a b")]]),
    ('${env:X, "a\\"b"}', [[("env", None, "X"), ("literal", 'a"b')]]),
    ("${env:X, 12}", [[("env", None, "X"), ("literal", 12)]]),
    ("${env:X, 12.50}", [[("env", None, "X"), ("literal", 12.5)]]),
    ("${env:X, 0x10}", [[("env", None, "X"), ("literal", 16)]]),
    ("${env:X, true}", [[("env", None, "X"), ("literal", True)]]),
    ("${env:X, false}", [[("env", None, "X"), ("literal", False)]]),
    ("${env:X, null}", [[("env", None, "X"), ("literal", None)]]),
    ("${env:A,env:B,'c'}", [[("env", None, "A"), ("env", None, "B"), ("literal", "c")]]),
    ("${self:custom.${opt:stage}.name}", [[("self", None, "custom.${opt:stage}.name")]]),
    ("${self:${opt:a, 'b'}}", [[("self", None, "${opt:a, 'b'}")]]),
    ("${file(./a.yml):b.c}", [[("file", ["./a.yml"], "b.c")]]),
    ("${file( ./a.yml , b ):c}", [[("file", ["./a.yml", "b"], "c")]]),
    ("${file('./a b.yml')}", [[("file", ["./a b.yml"], None)]]),
    ("${file(,a)}", [[("file", [None, "a"], None)]]),
    ("${file(${self:f}):${self:k}}", [[("file", ["${self:f}"], "${self:k}")]]),
    ("${strToBool(true)}", [[("strToBool", [True], None)]]),
    ("${strToBool(${env:X})}", [[("strToBool", ["${env:X}"], None)]]),
    ("${self:'a.b'}", [[("self", None, "a.b")]]),
    ("${ self:x}", None),
    ("${self: x }", [[("self", None, "x")]]),
    ("a-${self:x}-b", ["a-", [("self", None, "x")], "-b"]),
    ("${self:a}${self:b}", [[("self", None, "a")], [("self", None, "b")]]),
    ("\\${self:x}", ["${self:x}"]),
    ("\\\\${self:x}", ["\\", [("self", None, "x")]]),
    ("\\\\\\${self:x}", ["\\${self:x}"]),
    ("pre ${self:a} mid \\${self:b} post", ["pre ", [("self", None, "a")], " mid ${self:b} post"]),
    ("${AWS::Region}", None),
    ("arn:${AWS::Region}:${self:x}", ["arn:${AWS::Region}:", [("self", None, "x")]]),
    ("${Foo${self:x}}", ["${Foo", [("self", None, "x")], "}"]),
    ("${foo}", None),
    ("${}", None),
    ("${aws::x}", None),
    ("$connect", None),
    ("${abc", None),
    ("${ssm:/path/to/param}", [[("ssm", None, "/path/to/param")]]),
    ("${ssm(eu-west-1, raw):/p}", [[("ssm", ["eu-west-1", "raw"], "/p")]]),
]


@pytest.mark.parametrize("text, expected", GRAMMAR, ids=[t for t, _ in GRAMMAR])
def test_grammar(text, expected):
    assert shape(text) == expected


SYNTAX_ERRORS = [
    ("${env:X", "missing closing `}` of a variable"),
    ("${env:X, ", "missing closing `}` of a variable"),
    ("${env:X, foo}", "invalid fallback \"foo\" at index 9: quote text ('foo') or write a source such as self:foo"),
    ("${env:X, true, null}", "invalid variable source at index 9"),
    ("${env:X, 'a', 'b'}", "a quoted fallback must be the last one; invalid variable source at index 12"),
    ("${env:X, self :y}", "invalid variable source at index 9"),
    ("${self:a,}", "invalid variable source at index 9"),
    ("${self:${AWS}}", "invalid variable type at index 9"),
    ("${self:${}}", "invalid variable type at index 9"),
    ("${file(a}", "invalid variable parameter at index 7"),
    ("${file('q' x)}", "invalid variable parameter at index 7"),
    ("${file(a)x}", "invalid variable address at index 9"),
    ('${env:X, "\\q"}', "invalid string literal at index 9: Invalid \\escape: line 1 column 2 (char 1)"),
    ("${self:" * 40 + "x" + "}" * 40, "variables nested more than 32 levels deep at index 224"),
]


@pytest.mark.parametrize("text, message", SYNTAX_ERRORS, ids=[t[:30] for t, _ in SYNTAX_ERRORS])
def test_syntax_errors(text, message):
    with pytest.raises(VariableSyntaxError) as caught:
        parse_variables(text)
    assert str(caught.value) == message


def test_a_syntax_error_is_a_problem_at_its_path():
    assert problems({"custom": {"x": "${env:X, foo}"}}) == [
        "serverless.yml: custom.x: invalid variable syntax in \"${env:X, foo}\": invalid fallback \"foo\" at index 9: "
        "quote text ('foo') or write a source such as self:foo"
    ]


# --------------------------------------------------------------------------- sources and fallbacks

CONFIG = """
service: chat
provider:
  name: aws
  stage: prod
  region: eu-west-1
custom:
  word: why
  number: 5
  float: 1.5
  integral: 1.0
  big: 1e21
  flag: true
  empty: ''
  list: [a, [b, c], null, {k: v}]
  map: {a: 1, b: [2, 3]}
  key: word
  staging: {name: from-staging}
params:
  prod: {domain: prod.example.com, only_default: null}
  default: {domain: example.com, only_default: fallback-param}
"""

CASES = [
    # self
    ("${self:custom.word}", "why"),
    ("${self:service}", "chat"),
    ("${self:custom.number}", 5),
    ("${self:custom.flag}", True),
    ("${self:custom.map}", {"a": 1, "b": [2, 3]}),
    ("${self:custom.map.b.1}", 3),
    ("${self:custom.list.1.0}", "b"),
    ("${self:custom.empty}", ""),
    ("${self:custom.list.9, 'out of range'}", "out of range"),
    ("${self:custom.list.01, 'no leading zeros'}", "no leading zeros"),
    ("${self:custom.word.length, 'strings have no keys'}", "strings have no keys"),
    ("${self:custom.${self:custom.key}}", "why"),
    ("${self:custom.${sls:stage}.name}", "from-staging"),
    ("${self:custom.${opt:nothing, 'word'}}", "why"),
    # opt
    ("${opt:stage}", "staging"),
    ("${opt:verbose}", True),
    ("${opt:missing, 'default'}", "default"),
    ("${opt:}", {"stage": "staging", "verbose": True}),
    # env
    ("${env:HOME_REGION}", "us-west-2"),
    ("${env:EMPTY}", ""),
    ("${env:NOPE, 'fallback'}", "fallback"),
    # sls / aws
    ("${sls:stage}", "staging"),
    ("${aws:region}", "eu-west-1"),
    ("${aws:accountId, '123456789012'}", "123456789012"),
    ("${sls:instanceId, 'no-id'}", "no-id"),
    # param: --param first, then params.<stage>, then params.default
    ("${param:cli}", "from-cli"),
    ("${param:only_default}", "fallback-param"),
    ("${param:nope, 'none'}", "none"),
    # strToBool
    ("${strToBool(true)}", True),
    ("${strToBool(FALSE)}", False),
    ("${strToBool(1)}", True),
    ("${strToBool(0)}", False),
    ("${strToBool(' True ')}", True),
    ("${strToBool(${env:TRUTHY})}", True),
    # remote sources fall back
    ("${ssm:/chat/name, 'ssm-fallback'}", "ssm-fallback"),
    ("${cf:stack.Output, self:custom.word}", "why"),
    ("${s3:bucket/key, 1}", 1),
    ("${ssm:/a, ${ssm:/b, 'deep'}}", "deep"),
    # fallback forms
    ("${env:NOPE, opt:nope, self:custom.word}", "why"),
    ("${env:NOPE, ${self:custom.word}}", "why"),
    ("${env:NOPE, \"dq\\\"x\"}", 'dq"x'),
    ("${env:NOPE, 12.50}", 12.5),
    ("${env:NOPE, -3}", -3),
    ("${env:NOPE, false}", False),
    ("${env:NOPE, null}", None),
    ("${env:NOPE, file(./missing.yml), 'no file'}", "no file"),
    # interpolation
    ("x-${self:custom.number}-${self:custom.float}-${self:custom.flag}", "x-5-1.5-true"),
    ("${self:custom.integral}!", "1!"),
    ("${self:custom.big}", 1e21),
    ("n=${self:custom.big}", "n=1e+21"),
    ("x${self:custom.list}", "xa,b,c,,[object Object]"),
    ("${self:service}-${sls:stage}-${opt:region, self:provider.region}", "chat-staging-eu-west-1"),
    ("${opt:stage}${opt:stage}", "stagingstaging"),
    ("\\${self:custom.word} is ${self:custom.word}", "${self:custom.word} is why"),
    ("!Sub ${AWS::Region} ${self:custom.word}", "!Sub ${AWS::Region} why"),
    ("$connect", "$connect"),
]


@pytest.mark.parametrize("expression, expected", CASES, ids=[e for e, _ in CASES])
def test_sources_fallbacks_and_types(expression, expected):
    document = yaml(CONFIG)
    document["custom"]["probe"] = expression
    resolved = resolve(
        document,
        options={"stage": "staging", "verbose": True},
        params={"cli": "from-cli"},
        env={"HOME_REGION": "us-west-2", "EMPTY": "", "TRUTHY": "true"},
    )
    value = resolved["custom"]["probe"]
    assert value == expected
    assert type(value) is type(expected)


def test_env_defaults_to_the_process_environment(monkeypatch):
    monkeypatch.setenv("WSAPI_TEST_VALUE", "from-os")
    resolved = resolve_variables({"a": "${env:WSAPI_TEST_VALUE}"}, service_dir=Path("."))
    assert resolved == {"a": "from-os"}


@pytest.mark.parametrize(
    "options, provider, expected",
    [
        ({"stage": "cli"}, {"stage": "prod"}, "cli"),
        ({}, {"stage": "prod"}, "prod"),
        ({}, {"stage": "${opt:region, 'from-fallback'}"}, "from-fallback"),
        ({}, {"stage": "${env:STAGE_NAME}"}, "from-env"),
        ({}, {"name": "aws"}, "dev"),
        ({"stage": ""}, {"stage": ""}, "dev"),
    ],
)
def test_sls_stage(options, provider, expected):
    document = {"provider": provider, "custom": {"stage": "${sls:stage}"}}
    assert resolve(document, options=options, env={"STAGE_NAME": "from-env"})["custom"]["stage"] == expected


def test_params_follow_the_stage():
    document = yaml(CONFIG)
    document["custom"]["probe"] = "${param:domain}"
    assert resolve(document)["custom"]["probe"] == "prod.example.com"
    assert resolve(document, options={"stage": "qa"})["custom"]["probe"] == "example.com"
    assert resolve(document, params={"domain": "cli.example.com"})["custom"]["probe"] == "cli.example.com"


def test_params_block_values_are_resolved():
    document = {
        "provider": {"stage": "prod"},
        "params": {"prod": {"table": "${self:service}-table"}},
        "service": "chat",
        "custom": {"t": "${param:table}"},
    }
    assert resolve(document)["custom"]["t"] == "chat-table"


# --------------------------------------------------------------------------- file()


@pytest.fixture
def service(tmp_path):
    write(
        tmp_path,
        {
            "config.yml": "name: ${self:service}-cfg\nnested:\n  value: 42\n  list: [x, y]\nstage: ${sls:stage}\n",
            "config.json": '{"timeout": 30, "flag": true}',
            "sub/inner.yml": "from: ${file(./other.yml):o}\n",
            "other.yml": "o: service-folder\n",
            "sub/other.yml": "o: sub-folder\n",
            "pointer.yml": "to: ${self:custom.target}\n",
            "empty.yml": "# nothing here\n",
            "key.txt": "ssh-rsa AAAA\n",
            "functions.yml": (
                "connect:\n  handler: h.connect\n  name: ${self:service}-connect\n"
                "  events:\n    - websocket: {route: $connect}\n    - http: {path: '${ssm:/unrelated}'}\n"
            ),
            "broken.yml": "a: [\n",
            "dup.yml": "a: 1\na: 2\n",
            "code.js": "module.exports = {}",
            "stage-prod.yml": "domain: prod.example.com\n",
        },
    )
    return tmp_path


FILE_CASES = [
    ("${file(config.yml)}", {"name": "chat-cfg", "nested": {"value": 42, "list": ["x", "y"]}, "stage": "prod"}),
    ("${file(./config.yml):nested.value}", 42),
    ("${file(config.yml):nested.list.1}", "y"),
    ("${file(config.yml):name}", "chat-cfg"),
    ("${file(config.json):timeout}", 30),
    ("${file(config.yaml), 'no such file'}", "no such file"),
    ("${file(config.yml):nope, 'no such key'}", "no such key"),
    ("${file(sub/inner.yml):from}", "service-folder"),
    ("${file(pointer.yml):to}", "target-value"),
    ("${file(empty.yml):key, 'empty file'}", "empty file"),
    ("${file(key.txt)}", "ssh-rsa AAAA\n"),
    ("${file(stage-${sls:stage}.yml):domain}", "prod.example.com"),
    ("timeout=${file(config.json):timeout}", "timeout=30"),
]


@pytest.mark.parametrize("expression, expected", FILE_CASES, ids=[e for e, _ in FILE_CASES])
def test_file_source(service, expression, expected):
    document = {
        "service": "chat",
        "provider": {"stage": "prod"},
        "custom": {"target": "target-value", "probe": expression},
    }
    assert resolve(document, service)["custom"]["probe"] == expected


def test_file_content_with_absolute_path(service):
    document = {"custom": {"probe": f"${{file({service / 'config.json'}):flag}}"}}
    assert resolve(document, service)["custom"]["probe"] is True


FILE_PROBLEMS = [
    (
        "${file(missing.yml)}",
        "serverless.yml: custom.probe: cannot resolve ${file(missing.yml)}: file \"missing.yml\" does not exist "
        "(looked for {dir}/missing.yml); add a fallback if that is expected, e.g. ${file(missing.yml), 'value'}",
    ),
    (
        "${file(config.yml):nope}",
        "serverless.yml: custom.probe: cannot resolve ${file(config.yml):nope}: \"nope\" is not defined in file "
        "\"config.yml\"; add a fallback if that is expected, e.g. ${file(config.yml):nope, 'value'}",
    ),
    (
        "${file(broken.yml)}",
        "serverless.yml: custom.probe: cannot parse \"broken.yml\" (used by ${file(broken.yml)}): a[0]: YAML syntax "
        "error at line 2, column 1: did not find expected node content (while parsing a flow node started at "
        "line 2, column 1)",
    ),
    (
        "${file(dup.yml), 'fallbacks do not hide broken files'}",
        "serverless.yml: custom.probe: cannot parse \"dup.yml\" (used by ${file(dup.yml), 'fallbacks do not hide "
        "broken files'}): a: duplicate key \"a\": first defined at line 1, again at line 2; remove one of them",
    ),
    (
        "${file(empty.yml), 'v3 does not fall back for an empty file'}",
        "serverless.yml: custom.probe: cannot use \"empty.yml\" in ${file(empty.yml), 'v3 does not fall back for an "
        "empty file'}: the file is empty",
    ),
    (
        "${file(code.js)}",
        "serverless.yml: custom.probe: cannot use \"code.js\" in ${file(code.js)}: JavaScript files are not "
        "evaluated; convert it to YAML or JSON",
    ),
    (
        "${file(sub)}",
        "serverless.yml: custom.probe: cannot read \"sub\" for ${file(sub)}: it is a folder",
    ),
    (
        "${file()}",
        "serverless.yml: custom.probe: missing file path in ${file()}: write e.g. ${file(./config.yml):key}",
    ),
]


@pytest.mark.parametrize("expression, expected", FILE_PROBLEMS, ids=[e for e, _ in FILE_PROBLEMS])
def test_file_source_problems(service, expression, expected):
    document = {"custom": {"probe": expression}}
    assert problems(document, service) == [expected.replace("{dir}", str(service))]


def test_each_use_of_a_broken_file_names_its_own_variable(service):
    (service / "latin1.txt").write_bytes(b"caf\xe9")
    document = {"custom": {"a": "${file(dup.yml):a}", "b": "${file(dup.yml)}", "c": "${file(latin1.txt)}"}}
    assert problems(document, service) == [
        'serverless.yml: custom.a: cannot parse "dup.yml" (used by ${file(dup.yml):a}): a: duplicate key "a": '
        "first defined at line 1, again at line 2; remove one of them",
        'serverless.yml: custom.b: cannot parse "dup.yml" (used by ${file(dup.yml)}): a: duplicate key "a": '
        "first defined at line 1, again at line 2; remove one of them",
        'serverless.yml: custom.c: cannot read "latin1.txt" for ${file(latin1.txt)}: not valid UTF-8 (byte offset 3)',
    ]


def test_variables_inside_an_included_file_report_their_place_in_the_configuration(service):
    write(service, {"bad.yml": "ok: 1\nnot_ok: ${env:MISSING_IN_FILE}\n"})
    assert problems({"custom": {"inc": "${file(bad.yml)}"}}, service) == [
        "serverless.yml: custom.inc.not_ok: cannot resolve ${env:MISSING_IN_FILE}: environment variable "
        "\"MISSING_IN_FILE\" is not set; add a fallback if that is expected, e.g. ${env:MISSING_IN_FILE, 'value'}"
    ]


def test_values_of_an_included_file_can_reference_each_other(service):
    write(service, {"self-ref.yml": "a: 1\nb: ${self:custom.inc.a}\n"})
    assert resolve({"custom": {"inc": "${file(self-ref.yml)}"}}, service) == {"custom": {"inc": {"a": 1, "b": 1}}}


# --------------------------------------------------------------------------- problems


PROBLEMS = [
    (
        {"custom": {"a": "${self:custom.nope}"}},
        ["serverless.yml: custom.a: cannot resolve ${self:custom.nope}: \"custom.nope\" is not defined in the "
         "configuration (or is null); add a fallback if that is expected, e.g. ${self:custom.nope, 'value'}"],
    ),
    (
        {"custom": {"a": "${env:NOPE}"}},
        ["serverless.yml: custom.a: cannot resolve ${env:NOPE}: environment variable \"NOPE\" is not set; add a "
         "fallback if that is expected, e.g. ${env:NOPE, 'value'}"],
    ),
    (
        {"custom": {"a": "${opt:nope}"}},
        ["serverless.yml: custom.a: cannot resolve ${opt:nope}: option \"--nope\" was not given; add a fallback if "
         "that is expected, e.g. ${opt:nope, 'value'}"],
    ),
    (
        {"custom": {"a": "${env:A, opt:b}"}},
        ["serverless.yml: custom.a: cannot resolve ${env:A, opt:b}: environment variable \"A\" is not set; option "
         "\"--b\" was not given"],
    ),
    (
        {"functions": {"connect": {"events": [{"websocket": {"authorizer": "${ssm:/auth/arn}"}}]}}},
        ["serverless.yml: functions.connect.events[0].websocket.authorizer: cannot resolve ${ssm:/auth/arn}: "
         "\"ssm\" is a remote source (AWS SSM Parameter Store / Secrets Manager) that wsapi does not query; add a "
         "fallback if that is expected, e.g. ${ssm:/auth/arn, 'value'}"],
    ),
    (
        {"custom": {"a": "${cf:stack.out}"}},
        ["serverless.yml: custom.a: cannot resolve ${cf:stack.out}: \"cf\" is a remote source (CloudFormation "
         "stack outputs) that wsapi does not query; add a fallback if that is expected, e.g. ${cf:stack.out, "
         "'value'}"],
    ),
    (
        {"custom": {"a": "${aws:accountId}"}},
        ["serverless.yml: custom.a: cannot resolve ${aws:accountId}: aws:accountId needs an AWS call, which wsapi "
         "does not make; add a fallback if that is expected, e.g. ${aws:accountId, 'value'}"],
    ),
    (
        {"custom": {"a": "${sls:instanceId}"}},
        ["serverless.yml: custom.a: cannot resolve ${sls:instanceId}: sls:instanceId is a random id Serverless "
         "makes up on every run, so wsapi cannot reproduce it; add a fallback if that is expected, e.g. "
         "${sls:instanceId, 'value'}"],
    ),
    (
        {"custom": {"a": "${foo:bar, 'even with a fallback'}"}},
        ["serverless.yml: custom.a: unknown variable source \"foo\" in ${foo:bar, 'even with a fallback'}; "
         "supported sources are self, opt, sls, env, file, param, strToBool and aws:region (remote sources ssm, cf, "
         "s3, output and aws:accountId are not queried, so they need a fallback)"],
    ),
    (
        {"custom": {"a": "${param:domain}"}},
        ["serverless.yml: custom.a: cannot resolve ${param:domain}: the param \"domain\" is not given as a --param "
         "option nor defined under params.dev or params.default; add a fallback if that is expected, e.g. "
         "${param:domain, 'value'}"],
    ),
    (
        {"custom": {"a": "${strToBool(maybe)}"}},
        ["serverless.yml: custom.a: invalid input \"maybe\" in ${strToBool(maybe)}: expected \"true\", \"false\", "
         "\"0\" or \"1\""],
    ),
    (
        {"custom": {"a": "${strToBool(2)}"}},
        ["serverless.yml: custom.a: invalid input \"2\" in ${strToBool(2)}: expected \"true\", \"false\", \"0\" or "
         "\"1\""],
    ),
    (
        {"custom": {"a": "${strToBool(null)}"}},
        ["serverless.yml: custom.a: missing input in ${strToBool(null)}: write e.g. ${strToBool(true)}"],
    ),
    (
        {"custom": {"a": "${sls:region}"}},
        ["serverless.yml: custom.a: unsupported address \"region\" in ${sls:region}; the sls source offers stage "
         "and instanceId"],
    ),
    (
        {"custom": {"a": "${env:}"}},
        ["serverless.yml: custom.a: missing address in ${env:}: write e.g. ${env:MY_VARIABLE}"],
    ),
    (
        {"custom": {"a": "x-${self:custom.m}", "m": {"k": 1}}},
        ["serverless.yml: custom.a: ${self:custom.m} resolves to a mapping, which cannot be embedded in a longer "
         "string; make the variable the whole value, or point it at text"],
    ),
    (
        {"custom": {"a": "x-${env:NOPE, null}"}},
        ["serverless.yml: custom.a: ${env:NOPE, null} resolves to null, which cannot be embedded in a longer "
         "string; make the variable the whole value, or point it at text"],
    ),
    (
        {"custom": {"a": "${self:${self:custom.m}}", "m": {"k": 1}}},
        ["serverless.yml: custom.a: the address of ${self:${self:custom.m}} resolves to a dict, not text"],
    ),
]


@pytest.mark.parametrize("document, expected", PROBLEMS, ids=range(len(PROBLEMS)))
def test_problems(document, expected):
    assert problems(document) == expected


def test_every_problem_is_reported_at_once():
    document = {
        "service": "${env:A}",
        "provider": {"stage": "${opt:stage}"},
        "functions": {"f": {"events": [{"websocket": "${env:B, foo}"}, {"websocket": "${bad:x}"}]}},
    }
    assert [line.split(": ")[1] for line in problems(document)] == [
        "service",
        "provider.stage",
        "functions.f.events[0].websocket",
        "functions.f.events[1].websocket",
    ]


def test_problems_come_in_document_order():
    document = {
        "a": {"z": "${env:Z}", "b": ["${env:B}", {"c": "${env:C}"}], "d": "${env:D}"},
        "e": "${env:E}",
    }
    assert [line.split(": ")[1] for line in problems(document)] == ["a.z", "a.b[0]", "a.b[1].c", "a.d", "e"]


def test_exponential_evaluation_without_growth_is_stopped_quickly():
    env = {f"X{level}": "".join(f"${{env:X{level - 1}}}" for _ in range(30)) for level in range(1, 12)}
    env["X0"] = ""
    started = time.perf_counter()
    lines = problems({"a": "${env:X9}"}, env=env)
    assert time.perf_counter() - started < 5  # a hang guard; bench/hostile_bench.py measures the real figure
    assert lines == [
        "serverless.yml: a: variable resolution stopped after 200,000 variable evaluations; the variables "
        "reference each other too much (exponential expansion?)"
    ]


@pytest.mark.parametrize(
    "options, provider, expected",
    [({"region": "ap-south-1"}, {"region": "eu-west-1"}, "ap-south-1"), ({}, {"region": "eu-west-1"}, "eu-west-1"),
     ({}, {}, "us-east-1")],
)
def test_aws_region_is_resolved_without_aws(options, provider, expected):
    document = {"provider": provider, "custom": {"region": "${aws:region}"}}
    assert resolve(document, options=options)["custom"]["region"] == expected


def test_a_problem_in_a_referenced_value_is_reported_once_where_it_sits():
    document = {"custom": {"a": "${self:custom.b}", "c": "${self:custom.b}-x", "b": "${env:NOPE}"}}
    assert problems(document) == [
        "serverless.yml: custom.b: cannot resolve ${env:NOPE}: environment variable \"NOPE\" is not set; add a "
        "fallback if that is expected, e.g. ${env:NOPE, 'value'}"
    ]


# --------------------------------------------------------------------------- cycles and hostile input

CYCLES = [
    ({"custom": {"a": "${self:custom.a}"}}, 'circular reference: "custom.a" refers to itself'),
    ({"custom": {"a": "${self:custom.b}", "b": "${self:custom.a}"}},
     'circular reference: "custom.a" -> "custom.b" -> "custom.a"'),
    ({"custom": {"a": "x${self:custom.b}", "b": "${self:custom.c}", "c": "${self:custom.a}"}},
     'circular reference: "custom.a" -> "custom.b" -> "custom.c" -> "custom.a"'),
    ({"custom": {"a": "${self:custom}"}}, 'circular reference: "custom.a" refers to itself'),
    ({"custom": {"a": "${self:}"}}, 'circular reference: "custom.a" refers to itself'),
    ({"provider": {"stage": "${sls:stage}"}}, 'circular reference: "provider.stage" refers to itself'),
    ({"custom": {"a": {"b": "${self:custom.a}"}}}, 'circular reference: "custom.a.b" refers to itself'),
    ({"custom": {"a": "${self:custom.${self:custom.a}}"}}, 'circular reference: "custom.a" refers to itself'),
]


@pytest.mark.parametrize("document, message", CYCLES, ids=range(len(CYCLES)))
def test_cycles_are_reported_with_their_paths(document, message):
    lines = problems(document)
    assert len(lines) == 1
    assert lines[0].split(": ", 2)[2] == message


def test_a_value_producing_itself_again_is_named():
    lines = problems({"custom": {"a": "${env:LOOP}"}}, env={"LOOP": "${env:LOOP}"})
    assert lines == ['serverless.yml: custom.a: "${env:LOOP}" resolves to itself']


def test_values_producing_one_another_in_a_loop_are_named():
    lines = problems({"custom": {"a": "${env:A}"}}, env={"A": "${env:B}", "B": "${env:C}", "C": "${env:A}"})
    assert lines == [
        'serverless.yml: custom.a: these values produce one another in a loop: '
        '"${env:A}" -> "${env:B}" -> "${env:C}" -> "${env:A}"'
    ]


def test_eleven_levels_of_values_producing_variables_stop():
    env = {f"V{n}": f"${{env:V{n + 1}}}" for n in range(12)}
    lines = problems({"a": "${env:V0}"}, env=env)
    assert lines == [
        "serverless.yml: a: resolved values keep producing new variables more than 10 levels deep "
        '(last: "${env:V11}")'
    ]


def test_ten_levels_of_values_producing_variables_are_fine():
    env = {f"V{n}": f"${{env:V{n + 1}}}" for n in range(9)}
    env["V9"] = "end"
    assert resolve({"a": "${env:V0}"}, env=env) == {"a": "end"}


def explosion(make):
    custom = {"v0": make(None)}
    for level in range(1, 51):
        custom[f"v{level}"] = make(level)
    return {"custom": custom, "functions": {"f": {"name": "${self:custom.v50}"}}}


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda n: "ab" if n is None else f"${{self:custom.v{n - 1}}}${{self:custom.v{n - 1}}}",
            "variable resolution stopped: a resolved string would be longer than 1,000,000 characters; do variables "
            "reference each other so that the text doubles at every level?",
        ),
        (
            lambda n: ["a", "b"] if n is None else [f"${{self:custom.v{n - 1}}}", f"${{self:custom.v{n - 1}}}"],
            "variable resolution stopped: resolved values would copy more than 300,000 values; do variables "
            "reference each other so that the configuration doubles at every level?",
        ),
        (
            lambda n: "a" if n is None else {"x": f"${{self:custom.v{n - 1}}}", "y": f"${{self:custom.v{n - 1}}}"},
            "variable resolution stopped: resolved values would copy more than 300,000 values; do variables "
            "reference each other so that the configuration doubles at every level?",
        ),
    ],
    ids=["strings", "lists", "mappings"],
)
@pytest.mark.parametrize("only", [None, WEBSOCKET_SCOPE], ids=["all", "scoped"])
def test_variable_explosion_is_stopped_quickly(make, message, only):
    started = time.perf_counter()
    lines = problems(explosion(make), only=only)
    assert time.perf_counter() - started < 5  # a hang guard; bench/hostile_bench.py measures the real figure
    assert len(lines) == 1
    assert lines[0].split(": ", 2)[2] == message


def test_long_reference_chains_are_bounded():
    custom = {"v0": "end"}
    for level in range(1, 301):
        custom[f"v{level}"] = f"${{self:custom.v{level - 1}}}"
    # resolving in document order never waits on more than one value
    assert resolve({"custom": custom})["custom"]["v300"] == "end"
    lines = problems({"custom": custom}, only=["custom.v300"])
    assert len(lines) == 1
    assert "more than 100 values wait on one another to resolve" in lines[0]


def test_a_hundred_chained_references_are_fine():
    custom = {"v0": "end"}
    for level in range(1, 100):
        custom[f"v{level}"] = f"${{self:custom.v{level - 1}}}"
    assert resolve({"custom": custom}, only=["custom.v99"])["custom"]["v99"] == "end"


# --------------------------------------------------------------------------- scoping with `only`


def test_only_leaves_everything_else_untouched(service):
    document = {
        "service": "chat",
        "provider": {"stage": "${opt:stage, 'dev'}", "logs": {"websocket": "${strToBool(true)}"}, "x": "${ssm:/a}"},
        "custom": {"authorizer": "${env:AUTH, 'auth'}", "unused": "${ssm:/never}"},
        "functions": "${file(functions.yml)}",
        "resources": {"Outputs": {"O": {"Value": "${cf:other.Output}"}}},
    }
    resolved = resolve(document, service, only=WEBSOCKET_SCOPE)
    assert resolved == {
        "service": "chat",
        "provider": {"stage": "dev", "logs": {"websocket": True}, "x": "${ssm:/a}"},
        "custom": {"authorizer": "${env:AUTH, 'auth'}", "unused": "${ssm:/never}"},
        "functions": {
            "connect": {
                "handler": "h.connect",
                "name": "chat-connect",
                "events": [{"websocket": {"route": "$connect"}}, {"http": {"path": "${ssm:/unrelated}"}}],
            }
        },
        "resources": {"Outputs": {"O": {"Value": "${cf:other.Output}"}}},
    }
    # the same document resolved completely reports the remote sources
    assert [line.split(": ")[1] for line in problems(document, service)] == [
        "provider.x",
        "custom.unused",
        "functions.connect.events[1].http.path",
        "resources.Outputs.O.Value",
    ]


def test_only_resolves_whole_value_variables_on_the_way_and_references_on_demand():
    document = {
        "custom": {
            "events": [{"websocket": {"route": "$default", "authorizer": "${self:custom.auth}"}}, {"http": "${ssm:/x}"}],
            "auth": "${env:AUTH_FN, 'authorize'}",
            "other": "${ssm:/not-needed}",
        },
        "functions": {"default": {"events": "${self:custom.events}"}, "plain": {"name": "${env:NAME, 'plain-fn'}"}},
    }
    resolved = resolve(document, only=WEBSOCKET_SCOPE)
    assert resolved["functions"] == {
        "default": {"events": [{"websocket": {"route": "$default", "authorizer": "authorize"}}, {"http": "${ssm:/x}"}]},
        "plain": {"name": "plain-fn"},
    }
    assert resolved["custom"]["auth"] == "authorize"  # resolved because it was referenced
    assert resolved["custom"]["other"] == "${ssm:/not-needed}"


def test_only_with_an_index_and_missing_paths():
    document = {"a": ["${env:X, 'zero'}", "${env:Y, 'one'}"], "b": {"c": 1}}
    assert resolve(document, only=["a[1]", "b.nope", "nope.*"]) == {"a": ["${env:X, 'zero'}", "one"], "b": {"c": 1}}


def test_only_reports_problems_inside_its_scope():
    document = {"functions": {"f": {"name": "${env:NOPE}", "handler": "${env:NOPE2}"}}}
    assert problems(document, only=["functions.*.name"]) == [
        "serverless.yml: functions.f.name: cannot resolve ${env:NOPE}: environment variable \"NOPE\" is not set; "
        "add a fallback if that is expected, e.g. ${env:NOPE, 'value'}"
    ]


@pytest.mark.parametrize("pattern", ["", "a..b", "[0]", "a.", "a[x]"])
def test_invalid_patterns_are_programming_errors(pattern):
    with pytest.raises(ValueError):
        resolve({"a": 1}, only=[pattern])


# --------------------------------------------------------------------------- general behaviour


def test_the_input_document_is_never_changed(service):
    document = yaml(CONFIG)
    document["custom"]["inc"] = "${file(config.yml)}"
    document["custom"]["ref"] = "${self:custom.map}"
    before = copy.deepcopy(document)
    resolved = resolve(document, service)
    assert document == before
    resolved["custom"]["ref"]["a"] = 99
    assert resolved["custom"]["map"]["a"] == 1  # references are copies, not shared objects


def test_strings_without_variables_and_non_strings_are_kept():
    document = {"a": 1, "b": [True, None, 1.5], "c": "text with $ and { } and $connect", "d": {"Ref": "X"}}
    assert resolve(document) == document


def test_cloudformation_sub_placeholders_are_left_for_cloudformation():
    document = yaml("r:\n  Fn::Sub: 'arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${self:custom.id}/*'\n"
                    "custom:\n  id: abc\n")
    assert resolve(document)["r"] == {"Fn::Sub": "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:abc/*"}


def test_escaped_variable_referenced_elsewhere_is_resolved_like_v3():
    document = {"custom": {"word": "why", "esc": "\\${self:custom.word}", "via": "${self:custom.esc}"}}
    assert resolve(document)["custom"] == {"word": "why", "esc": "${self:custom.word}", "via": "why"}


def test_non_mapping_document_is_a_problem():
    with pytest.raises(ConfigError) as caught:
        resolve_variables(["a"], service_dir=Path("."))
    assert caught.value.lines() == [
        "serverless.yml: (document): the configuration must be a mapping to resolve its variables"
    ]


def test_variable_objects_expose_their_text():
    (variable,) = parse_variables("${env:X, 'y'}")
    assert isinstance(variable, Variable)
    assert variable.text == "${env:X, 'y'}"


def test_a_new_source_is_one_entry_of_the_table(monkeypatch):
    """The resolver finds sources in variable_sources.SOURCES only: an entry added there answers its variables
    (fallbacks included) and is named among the supported sources."""

    class ShoutSource(VariableSource):
        name = "shout"

        def resolve(self, path, variable, params, address, depth, deep):
            return address.upper() if address else not_found("nothing to shout")

    monkeypatch.setitem(SOURCES, "shout", ShoutSource)
    assert resolve({"a": "${shout:abc}", "b": "x-${shout:def}", "c": "${shout:, 'quiet'}"}) == {
        "a": "ABC", "b": "x-DEF", "c": "quiet",
    }
    assert problems({"a": "${shout:}"}) == [
        "serverless.yml: a: cannot resolve ${shout:}: nothing to shout; add a fallback if that is expected, e.g. "
        "${shout:, 'value'}"
    ]
    assert problems({"a": "${whisper:x}"}) == [
        'serverless.yml: a: unknown variable source "whisper" in ${whisper:x}; supported sources are self, opt, sls, '
        "env, file, param, strToBool, aws:region and shout (remote sources ssm, cf, s3, output and aws:accountId are "
        "not queried, so they need a fallback)"
    ]


def test_random_variables_only_ever_raise_config_error(tmp_path):
    import random

    rnd = random.Random(11)
    pieces = list("${}():,'\" .\\-abc01") + ["${self:", "${env:", "${opt:", "${file(", "}", ", ", "${sls:stage}",
                                             "${param:", "${strToBool(", "${ssm:", "a.b"]
    for attempt in range(1500):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 12)))
        document = {"a": text, "b": {"c": text + "x", "d": [text]}, "provider": {"stage": text}}
        try:
            resolve(document, tmp_path, env={"X": text}, options={"o": text}, only=None if attempt % 2 else ["b.*"])
        except ConfigError as error:
            assert error.problems and all(p.message for p in error.problems)
