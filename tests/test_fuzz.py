"""Property-based robustness tests: whatever a serverless.yml holds, wsapi answers with a result or with its own
`ConfigError`, never with another exception and never by hanging.

Generated inputs: arbitrary YAML text (nested mappings/lists/scalars written in block and flow style, with
CloudFormation and unknown tags, anchors, aliases and merge keys, odd Unicode, lone surrogates), random
bytes, JSON, serverless-shaped documents (websocket events, authorizers, log settings, tags, external API
ids) with junk mixed in at any place, mappings holding what no file can (bytes, sets, NaN, non-text keys,
themselves), `${...}` variable strings (every source, nesting, fallbacks, escapes, unbalanced braces) placed
where wsapi reads them, and mostly valid services (so that the compiler and renderers see many accepted
documents: junk is refused before them).

Properties:

* `load_service` (and so validate) either returns a `Service` or raises `ConfigError` with well-formed,
  printable problems, for both YAML parsers (libyaml and the pure-Python fallback);
* everything it accepts compiles in both modes, renders as CloudFormation that is strict JSON (no NaN, no
  lone surrogates), and is summarised and previewed; a sample also builds the Pulumi component under mocks;
  a valid service written as YAML or JSON loads to the same `Service` as the mapping it was written from;
* the CLI (`validate`, `plan`, `export`) exits 0 or 2 and never prints a traceback, with stdout encoding
  strictly as UTF-8 as a terminal's does;
* each example finishes within a few seconds (a SIGALRM guard turns a hang into a failure).

CI runs a fixed, derandomized, database-less profile that takes well under a minute. For a longer local
hunt:

    WSAPI_FUZZ=long /tmp/venv/bin/python -m pytest -q tests/test_fuzz.py      # 20x the examples, random
    WSAPI_FUZZ=long WSAPI_FUZZ_SCALE=100 ...                                   # or any multiplier
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import re
import signal
import string
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from wsapi import cli, yaml_composer
from wsapi.compile import compile_service
from wsapi.config import load_service
from wsapi.errors import ConfigError, Problem
from wsapi.js_scalars import plain_scalar
from wsapi.config_files import parse_document
from wsapi.model import Service
from wsapi.plan import COMPAT, STANDALONE
from wsapi.plan_listing import describe_plan
from wsapi.render_cfn import render_template
from wsapi.summary import summarize
from wsapi.variables import resolve_variables

pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

# --------------------------------------------------------------------------- profiles

LONG = os.environ.get("WSAPI_FUZZ", "").lower() == "long"
SCALE = int(os.environ.get("WSAPI_FUZZ_SCALE", "20")) if LONG else 1
#: Seconds after which one example counts as a hang (SIGALRM); real inputs take milliseconds.
HANG_SECONDS = 10


def fuzz_settings(examples: int, deadline_ms: int = 3000) -> settings:
    """CI: derandomized (the same examples on every run) and without the example database, so a run never
    depends on what an earlier one found. WSAPI_FUZZ=long: SCALE times the examples, random, with the
    database (so a failure found locally is replayed first next time)."""
    return settings(
        max_examples=examples * SCALE,
        deadline=deadline_ms,
        derandomize=not LONG,
        database=settings.default.database if LONG else None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        print_blob=LONG,
    )


class Hang(Exception):
    pass


@contextlib.contextmanager
def hang_guard(seconds: float = HANG_SECONDS) -> Iterator[None]:
    """Fail (instead of blocking CI forever) when the body takes longer than `seconds`."""

    def alarm(signum: int, frame: Any) -> None:
        raise Hang(f"no answer after {seconds} s: wsapi hangs on this input")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --------------------------------------------------------------------------- scalars and text

#: Characters that break naive code: controls, bidi overrides, zero-width, combining marks, astral planes,
#: the YAML/JSON/variable syntax characters, Windows line ends, the BOM, the largest code points, and lone
#: surrogates (in a file they become invalid UTF-8, in JSON and YAML escapes `\ud800`).
ODD_CHARACTERS = (
    "\x00\x01\x07\x08\t\n\r\x0b\x0c\x1b\x7f\x85\xa0\u00ad\u0300\u061c\u200b\u200d\u200e\u202e\u2028\u2029"
    "\u2066\ufeff\ufffd\uffff\U0001f600\U0001f1fa\U0010ffff\U000e0001ß\u0130İıǅ\u212a\ud800\udc00\udcff"
    ":-?[]{},#&*!|>'\"%@`$\\/. "
)
odd_text = st.text(
    alphabet=st.one_of(st.sampled_from(ODD_CHARACTERS), st.characters(codec="utf-8")), max_size=24
)
identifier = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=12)
word = st.from_regex(r"\A[a-zA-Z][a-zA-Z0-9]{0,8}\Z")

numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -0.0, 1e308, 5e-324, 2**53, 2**53 + 1, 10**400, 7, 14, 3653, 1.5]),
)
json_scalars = st.one_of(st.none(), st.booleans(), numbers, odd_text)

#: Texts that make YAML resolve scalars to other types, or that look like syntax.
TRICKY_PLAIN = [
    "yes", "no", "on", "off", "~", "null", "Null", "TRUE", "false", ".inf", "-.Inf", ".NaN", "0x1F", "0o17",
    "0b101", "1e3", "1_000", "1:30", "2012-10-17", "2001-12-14t21:59:43.10-05:00", "9999-99-99", "0099-01-01",
    "12345678901234567890", "1" * 400, "9" * 5000, "0x" + "f" * 300, "-", "<<", "=", "!", "!!", "$connect",
    "$default", "$disconnect", "$foo", "arn:aws:lambda:us-east-1:1:function:x", "arn:", "aws", "AWS::Region",
]


@st.composite
def yaml_scalar(draw: Callable) -> str:
    """One scalar as YAML source: plain, quoted, a block scalar, tagged, or something that is almost one."""
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return draw(st.sampled_from(TRICKY_PLAIN))
    if choice == 1:
        return json.dumps(draw(odd_text), ensure_ascii=draw(st.booleans()))  # a YAML double-quoted scalar
    if choice == 2:
        return "'" + draw(odd_text).replace("'", "''") + "'"
    if choice == 3:
        return json.dumps(draw(numbers))
    if choice == 4:
        tag = draw(st.sampled_from(["!!str", "!!int", "!!float", "!!bool", "!!null", "!!timestamp", "!!binary",
                                    "!", "!Foo", "!!python/name:os.system", "!<tag:yaml.org,2002:str>"]))
        return f"{tag} {json.dumps(draw(st.one_of(st.sampled_from(TRICKY_PLAIN), odd_text)))}"
    if choice == 5:
        return draw(variable_string).replace("\n", " ") if draw(st.booleans()) else json.dumps(draw(variable_string))
    if choice == 6:
        return draw(st.sampled_from(["\"\\ud800\"", "\"\\udc00x\"", "\"\\U0010ffff\"", "\"\\x00\"", "\"\\e\\N\\_\"",
                                     "'unterminated", "\"bad \\q escape\"", "|\n  block\n", ">-\n  folded\n"]))
    return draw(word)


# --------------------------------------------------------------------------- variable strings

VARIABLE_ADDRESSES = [
    "custom.name", "custom.route", "custom.list", "custom.map", "custom.number", "custom.bool", "custom.null",
    "custom.nested", "custom.loop", "custom.self", "custom.deep.a.b", "custom.list.0", "custom.list.5",
    "provider.stage", "provider.region", "service", "functions", "", ".", "..", "custom..x", "custom.a b",
]
VARIABLE_SOURCES = [
    "self:{a}", "opt:stage", "opt:region", "opt:x", "opt:", "env:HOME_X", "env:EMPTY", "env:LOOP", "env:REF",
    "env:", "sls:stage", "sls:instanceId", "sls:foo", "aws:region", "aws:accountId", "aws:bar",
    "param:domain", "param:nope", "param:", "file(vars.yml):{a}", "file(vars.yml)", "file(vars.json):a",
    "file(text.txt)", "file(missing.yml):a", "file(empty.yml)", "file(broken.yml):a", "file(loop-a.yml):x",
    "file(.):a", "file(serverless.yml):service", "file():a", "file(vars.yml, extra):a", "strToBool(true)",
    "strToBool(0)", "strToBool(maybe)", "strToBool()", "ssm:/path/to/x", "ssm:/x~true", "cf:stack.output",
    "s3:bucket/key", "output:svc.key", "unknown:x", "Self:x", "self::x", "file(vars.yml):{a}, 'default'",
]
NOISE = ["${", "}", "{", "$", "\\${", "\\\\${", "${}", "${ }", "${foo}", "${AWS::Region}", "${Thing}", ":", ",",
         "(", ")", "'", '"', " ", "${self:", "${env:X", "}}", "${{", "$${", "-"]


def _variable(depth: int) -> st.SearchStrategy[str]:
    """`${source, fallback, ...}` with variables nested in addresses, parameters and fallbacks."""
    inner = _variable(depth - 1) if depth > 0 else st.sampled_from(["${opt:stage}", "${sls:stage}", "x"])
    address = st.one_of(st.sampled_from(VARIABLE_ADDRESSES), st.builds("custom.{}".format, inner),
                        st.builds("custom.{}.x".format, inner))
    source = st.builds(lambda template, a: template.format(a=a), st.sampled_from(VARIABLE_SOURCES), address)
    literal = st.one_of(
        st.builds(lambda t: "'" + t.replace("'", "") + "'", odd_text),
        st.builds(json.dumps, odd_text),
        st.sampled_from(["1", "-2.5", "0x10", "true", "false", "null", "Infinity", "1e999", "abc", ""]),
    )
    fallback = st.one_of(source, literal, inner)
    return st.builds(
        lambda first, rest, spaces: "${" + first + "".join(f",{' ' * spaces}{r}" for r in rest) + "}",
        source,
        st.lists(fallback, max_size=3),
        st.integers(0, 2),
    )


variable = _variable(2)
#: A string mixing variables, plain text and variable-looking noise (unbalanced braces, escapes).
variable_string = st.builds(
    "".join,
    st.lists(st.one_of(variable, variable, st.sampled_from(NOISE), odd_text), min_size=1, max_size=5),
)


# --------------------------------------------------------------------------- YAML documents from value trees


class Tagged:
    """A value written with a tag (`!Ref X`, `!GetAtt [A, B]`, `!Unknown {...}`)."""

    def __init__(self, tag: str, value: Any) -> None:
        self.tag, self.value = tag, value

    def __repr__(self) -> str:
        return f"Tagged({self.tag!r}, {self.value!r})"


class Raw:
    """YAML source written as is (a scalar from `yaml_scalar`, possibly invalid on purpose)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Raw({self.text!r})"


CFN_TAGS = ["!Ref", "!GetAtt", "!Sub", "!Join", "!ImportValue", "!Select", "!Split", "!If", "!Equals", "!Base64",
            "!FindInMap", "!GetAZs", "!Condition", "!Not", "!And", "!Or", "!Cidr"]
OTHER_TAGS = ["!Unknown", "!!map", "!!seq", "!!set", "!!omap", "!!python/object:os.system", "!", "!!str"]

tree_leaf = st.one_of(
    json_scalars, st.builds(Raw, yaml_scalar()), variable_string,
    st.sampled_from(["$connect", "$disconnect", "$default", "sendMessage", "", " "]),
)


def _tag(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.builds(Tagged, st.sampled_from(CFN_TAGS + OTHER_TAGS), children)


value_tree = st.recursive(
    tree_leaf,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(identifier, odd_text, st.sampled_from(["<<", "? x", "- a", "a: b", "*a"])),
                        children, max_size=4),
        _tag(children),
    ),
    max_leaves=20,
)

_PLAIN_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$.-]*\Z")
SURROGATE = re.compile("[\ud800-\udfff]")


def yaml_quote(text: str) -> str:
    """A YAML double-quoted scalar for `text` (JSON's escapes are close, but YAML refuses some characters
    raw and \\ud83d-style surrogate escapes; astral characters are written as they are)."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F or (0xA0 <= code < 0xD800 and code not in (0x2028, 0x2029)) or (
            0xE000 <= code < 0xFFFE and code != 0xFEFF
        ) or code >= 0x10000:
            out.append(char)
        else:
            out.append(f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out) + '"'


class Emitter:
    """Writes a value tree as YAML source, choosing block or flow style, anchors, aliases and merge keys with
    a hypothesis-controlled random generator. Aliases point only at anchors already written (or, rarely,
    at an enclosing collection or an undefined anchor, which must be a clean error)."""

    def __init__(self, rnd: Any, chaos: bool = True) -> None:
        self.rnd = rnd
        self.chaos = chaos  # False: only style choices, so that the document means what the value says
        self.anchors: list[str] = []
        self.open: list[str] = []

    def key(self, key: Any) -> str:
        if isinstance(key, str) and _PLAIN_KEY.match(key) and self.rnd.random() < 0.8:
            return key
        return json.dumps(key) if isinstance(key, str) else json.dumps(str(key))

    def scalar(self, value: Any) -> str:
        if isinstance(value, Raw):
            return value.text
        if isinstance(value, float) and not math.isfinite(value):
            return self.rnd.choice([".nan", ".inf", "-.inf", ".NaN"])
        if isinstance(value, str):
            if not self.chaos:  # the same string back: plain only when it reads as that string
                plain = value and _PLAIN_KEY.match(value) and plain_scalar(value) == value
                return value if plain and self.rnd.random() < 0.5 else yaml_quote(value)
            if value and _PLAIN_KEY.match(value) and self.rnd.random() < 0.5:
                return value
            return json.dumps(value, ensure_ascii=self.rnd.random() < 0.5)
        return json.dumps(value)

    def anchor(self, text: str) -> str:
        if self.rnd.random() < 0.15:
            name = f"a{len(self.anchors)}"
            self.anchors.append(name)
            return f"&{name} {text}" if text else f"&{name}"
        return text

    def alias(self) -> Optional[str]:
        if not self.chaos:
            return None
        roll = self.rnd.random()
        if self.anchors and roll < 0.1:
            return "*" + self.rnd.choice(self.anchors)
        if roll < 0.005:
            return "*nowhere"
        if self.open and roll < 0.01:
            return "*" + self.open[-1]
        return None

    def flow(self, value: Any) -> str:
        alias = self.alias()
        if alias:
            return alias
        if isinstance(value, Tagged):
            return f"{value.tag} {self.flow(value.value)}"
        if isinstance(value, dict):
            items = [f"{self.key(k)}: {self.flow(v)}" for k, v in value.items()]
            if self.chaos and self.anchors and self.rnd.random() < 0.1:
                items.append(f"<<: *{self.rnd.choice(self.anchors)}")
            return self.anchor("{" + ", ".join(items) + "}")
        if isinstance(value, list):
            return self.anchor("[" + ", ".join(self.flow(v) for v in value) + "]")
        text = self.scalar(value)
        if isinstance(value, Raw) and ("\n" in text or text.startswith(("|", ">"))):
            text = json.dumps(text)  # block scalars cannot sit in flow style
        return self.anchor(text)

    def block(self, value: Any, indent: int) -> str:
        """`value` after a `key:` or `-` (the text starts on that line)."""
        pad = " " * indent
        alias = self.alias()
        if alias:
            return " " + alias + "\n"
        if isinstance(value, Tagged) or self.rnd.random() < 0.15 or not isinstance(value, (dict, list)):
            if isinstance(value, Raw) and value.text.startswith(("|", ">")):
                body = value.text.replace("\n", "\n" + pad + "  ").rstrip(" ")
                return " " + body + ("" if body.endswith("\n") else "\n")
            return " " + self.flow(value) + "\n"
        header = self.anchor("")
        if not value:
            return " " + (header + " " if header else "") + ("{}" if isinstance(value, dict) else "[]") + "\n"
        lines = [" " + header + "\n" if header else "\n"]
        name = header[1:] if header else None
        if name:
            self.open.append(name)
        if isinstance(value, dict):
            for k, v in value.items():
                lines.append(f"{pad}{self.key(k)}:" + self.block(v, indent + 2))
            if self.chaos and self.anchors and self.rnd.random() < 0.1:
                lines.append(f"{pad}<<: *{self.rnd.choice(self.anchors)}\n")
        else:
            for item in value:
                lines.append(f"{pad}-" + self.block(item, indent + 2))
        if name:
            self.open.pop()
        return "".join(lines)

    def document(self, value: Any) -> str:
        if isinstance(value, dict) and value and self.rnd.random() < 0.8:
            text = "".join(f"{self.key(k)}:" + self.block(v, 2) for k, v in value.items())
        else:
            text = self.flow(value) + "\n"
        if self.rnd.random() < 0.1:
            text = self.rnd.choice(["---\n", "%YAML 1.2\n---\n", "# comment\n", "\ufeff"]) + text
        if self.chaos and self.rnd.random() < 0.05:
            text += self.rnd.choice(["---\nsecond: doc\n", "...\n", "\t\n", "junk: [\n"])
        return text


@st.composite
def yaml_text(draw: Callable, tree: st.SearchStrategy = value_tree) -> str:
    return Emitter(draw(st.randoms(use_true_random=False))).document(draw(tree))


# --------------------------------------------------------------------------- serverless-shaped documents

ROUTE_KEYS = ["$connect", "$disconnect", "$default", "sendMessage", "a.b-c_d/e", "Sconnect", "$foo", "", " ",
              "route with spaces", "ключ", "\U0001f600", "x" * 300, "${self:custom.route}", "${opt:route, 'r'}"]
FUNCTION_KEYS = ["connect", "disconnect", "default", "auth", "send-message", "send_message", "a", "Auth", "1x"]


def junk_or(strategy: st.SearchStrategy, junk: float = 0.15) -> st.SearchStrategy:
    """`strategy`, or now and then a value of any other type or a variable (the junk a user can write)."""
    other = st.one_of(json_scalars, st.lists(json_scalars, max_size=2),
                      st.dictionaries(identifier, json_scalars, max_size=2), variable_string)
    return st.integers(0, 999).flatmap(lambda roll: other if roll < junk * 1000 else strategy)


MISSING = object()

intrinsic = st.one_of(
    st.builds(lambda name: {"Ref": name}, st.sampled_from(["SharedApi", "WebsocketsApi", "AWS::Region", "X"])),
    st.builds(lambda name: {"Fn::GetAtt": [name, "Arn"]}, st.sampled_from(["AuthLambdaFunction", "Role", "X"])),
    st.builds(lambda name: {"Fn::ImportValue": name}, st.sampled_from(["shared-api", "auth-arn", ""])),
    st.builds(lambda t: {"Fn::Sub": t}, st.sampled_from(["arn:${AWS::Partition}:x", "${Missing}", "x"])),
    st.just({"Fn::Join": [":", ["arn", {"Ref": "AWS::Partition"}, "x"]]}),
    st.just({"Fn::GetAtt": "A.B"}), st.just({"Ref": 12}), st.just({"Fn::ImportValue": {"Fn::Sub": "${S}-x"}}),
    st.just(Tagged("!GetAtt", "Auth.Arn")), st.just(Tagged("!ImportValue", "shared")),
    st.just(Tagged("!Ref", "SharedApi")),
)
arn = st.one_of(
    st.sampled_from(["arn:aws:lambda:us-east-1:123456789012:function:auth",
                     "arn:aws:lambda:eu-west-1:123456789012:function:auth:live", "arn:", "arn:aws:lambda::::",
                     "arn:aws:iam::123456789012:role/logs", "not-an-arn", "auth:1"]),
    st.builds("arn:aws:lambda:us-east-1:1:function:{}".format, odd_text),
)
identity_sources = st.lists(
    junk_or(st.sampled_from(["route.request.header.Auth", "route.request.querystring.token", ""])), max_size=3
)
authorizer = st.one_of(
    st.sampled_from(FUNCTION_KEYS),
    arn,
    st.fixed_dictionaries(
        {},
        optional={
            "name": junk_or(st.sampled_from(FUNCTION_KEYS + ["external-auth", "bad name"])),
            "arn": junk_or(st.one_of(arn, intrinsic)),
            "identitySource": junk_or(identity_sources),
            "junk": json_scalars,
        },
    ),
)
websocket_event = st.one_of(
    junk_or(st.sampled_from(ROUTE_KEYS)),
    st.fixed_dictionaries(
        {"route": junk_or(st.sampled_from(ROUTE_KEYS))},
        optional={
            "routeResponseSelectionExpression": junk_or(st.just("$default")),
            "authorizer": junk_or(authorizer),
            "extra": json_scalars,
        },
    ),
)
function_event = st.one_of(
    st.builds(lambda ws: {"websocket": ws}, websocket_event),
    st.builds(lambda ws: {"websocket": ws}, websocket_event),
    st.just({"http": {"path": "/", "method": "get"}}),
    st.just({"http": "${ssm:/never/resolved}"}),
    json_scalars,
)
function = st.fixed_dictionaries(
    {"handler": junk_or(st.just("handler.main"), 0.05)},
    optional={
        "name": junk_or(st.one_of(identifier, st.just("x" * 65))),
        "events": junk_or(st.lists(function_event, max_size=4), 0.05),
        "provisionedConcurrency": junk_or(st.one_of(st.integers(-1, 3), intrinsic)),
        "snapStart": junk_or(st.booleans()),
        "image": st.just("123.dkr.ecr.us-east-1.amazonaws.com/x:latest"),
        "environment": st.dictionaries(identifier, json_scalars, max_size=2),
    },
)
log_format = st.sampled_from(["$context.requestId", "", '{"id": "$context.requestId"}'])
websocket_logs = st.one_of(
    st.booleans(),
    st.fixed_dictionaries(
        {},
        optional={
            "accessLogging": junk_or(st.booleans()),
            "executionLogging": junk_or(st.booleans()),
            "fullExecutionData": junk_or(st.booleans()),
            "level": junk_or(st.sampled_from(["INFO", "ERROR", "DEBUG", "info"])),
            "format": junk_or(log_format),
            "unknownSetting": json_scalars,
        },
    ),
)
rest_api_logs = st.one_of(
    st.booleans(),
    st.fixed_dictionaries(
        {}, optional={"role": junk_or(st.one_of(arn, intrinsic)), "roleManagedExternally": junk_or(st.booleans())}
    ),
)
tags = st.dictionaries(
    st.one_of(identifier, st.sampled_from(["aws:reserved", "a" * 129, "with space", "k=v", "ключ", ""])),
    junk_or(st.one_of(odd_text, st.just("v" * 257))),
    max_size=3,
)
data_protection = st.fixed_dictionaries(
    {},
    optional={
        "Name": junk_or(st.just("policy")),
        "Version": junk_or(st.just("2021-06-01")),
        "Description": junk_or(odd_text),
        "Statement": junk_or(st.just([{"Sid": "audit", "DataIdentifier": ["arn:aws:dataprotection::aws:x"]}])),
        "Other": json_scalars,
    },
)
provider = st.fixed_dictionaries(
    {"name": junk_or(st.just("aws"), 0.05)},
    optional={
        "stage": junk_or(st.sampled_from(["dev", "prod", "${opt:stage, 'dev'}", "${sls:stage}", "st@ge", ""])),
        "region": junk_or(st.sampled_from(["us-east-1", "eu-west-1", "us-gov-west-1", "mars-1", "${opt:region}"])),
        "websocketsApiName": junk_or(odd_text),
        "websocketsApiRouteSelectionExpression": junk_or(st.sampled_from(["$request.body.action", "$bad"])),
        "websocketsDescription": junk_or(odd_text),
        "apiGateway": junk_or(st.fixed_dictionaries(
            {}, optional={"websocketApiId": junk_or(st.one_of(st.just("abc123"), intrinsic))})),
        "logs": junk_or(st.fixed_dictionaries(
            {}, optional={"websocket": junk_or(websocket_logs), "restApi": junk_or(rest_api_logs)})),
        "logRetentionInDays": junk_or(st.sampled_from([1, 14, 3653, 2, 0, -1])),
        "logDataProtectionPolicy": junk_or(data_protection),
        "tags": junk_or(tags),
        "websocket": junk_or(st.fixed_dictionaries({}, optional={"useProviderTags": junk_or(st.booleans())})),
        "runtime": st.sampled_from(["python3.11", "nodejs20.x"]),
    },
)
custom = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["chat", "x", "${self:service}"]),
        "route": st.sampled_from(["sendMessage", "$default", "${self:custom.name}-route"]),
        "list": st.just(["a", "b", 1]),
        "map": st.just({"k": "v"}),
        "number": numbers,
        "bool": st.booleans(),
        "null": st.none(),
        "loop": st.just("${self:custom.loop}"),
        "nested": st.just("${self:custom.${opt:stage, 'name'}}"),
        "deep": st.just({"a": {"b": "${self:custom.name}"}}),
    },
    optional={"junk": value_tree, "self": st.just("${self:}")},
)


@st.composite
def serverless_document(draw: Callable, junk: float = 0.15) -> dict:
    """A serverless.yml-shaped mapping; each part is right most of the time and junk now and then."""
    functions = draw(st.dictionaries(
        st.one_of(st.sampled_from(FUNCTION_KEYS), st.sampled_from(["bad key", "", "ключ", "a" * 80])),
        junk_or(function, junk / 3), max_size=5,
    ))
    document = {
        "service": draw(junk_or(st.sampled_from(["chat", "my-service", "a", "1bad", "${self:custom.name}"]), junk)),
        "provider": draw(junk_or(provider, junk / 3)),
        "functions": functions,
        "custom": draw(custom),
        "params": draw(st.just({"default": {"domain": "example.com"}, "prod": {"domain": "${self:custom.name}"}})),
        "resources": draw(st.one_of(st.none(), st.just({"Resources": {"X": {"Type": "${ssm:/unresolved}"}}}))),
    }
    if draw(st.integers(0, 99)) < 10:
        document[draw(odd_text)] = draw(value_tree)
    for key in [k for k, v in document.items() if v is None and k in ("resources",)]:
        del document[key]
    return _drop_missing(document)


#: Route keys wsapi accepts (not all deployable: CloudFormation would refuse some logical ids, which is not
#: what these properties check).
VALID_ROUTE_KEYS = st.one_of(
    st.sampled_from(["$connect", "$disconnect", "$default", "sendMessage", "a.b", "x/y", "ключ", "\U0001f600"]),
    st.from_regex(r"\A[a-zA-Z][a-zA-Z0-9]{0,15}\Z"),
)
ACCESS_LOG_FORMATS = ["$context.requestId", '{"id":"$context.requestId","ip":"$context.identity.sourceIp"}',
                      "$context.extendedRequestId $context.routeKey $context.status"]
GOOD_ARN = "arn:aws:lambda:us-east-1:123456789012:function:auth"


@st.composite
def valid_service_document(draw: Callable) -> dict:
    """A document wsapi accepts nearly always, with every feature the compiler and renderers handle chosen
    at random: the downstream properties need accepted documents, which junk almost never gives."""
    keys = draw(st.lists(st.from_regex(r"\A[a-z][a-zA-Z0-9_-]{0,20}\Z"), min_size=1, max_size=5, unique=True))
    route_keys = draw(st.lists(VALID_ROUTE_KEYS, min_size=0, max_size=8, unique_by=lambda k: k.replace("$", "S")))
    functions: dict = {}
    for key in keys:
        function: dict = {"handler": "handler.main"}
        if draw(st.booleans()):
            function["name"] = draw(st.from_regex(r"\A[a-zA-Z0-9_-]{1,64}\Z"))
        choice = draw(st.integers(0, 3))
        if choice == 1:
            function["provisionedConcurrency"] = draw(st.integers(0, 3))
        elif choice == 2:
            function["snapStart"] = draw(st.booleans())
        function["events"] = []
        functions[key] = function
    for route_key in route_keys:
        target = functions[draw(st.sampled_from(keys))]
        event: Any = route_key
        if draw(st.booleans()):
            event = {"route": route_key}
            if draw(st.booleans()):
                event["routeResponseSelectionExpression"] = "$default"
            if route_key == "$connect" and draw(st.booleans()):
                event["authorizer"] = draw(st.one_of(
                    st.sampled_from(keys), st.just(GOOD_ARN),
                    st.builds(lambda name, sources: {"name": name, "identitySource": sources}, st.sampled_from(keys),
                              st.lists(st.sampled_from(["route.request.header.Auth", "route.request.querystring.t",
                                                        "context.x", "stageVariables.s"]), min_size=1, max_size=2)),
                    st.just({"arn": GOOD_ARN}),
                    st.just({"name": "external", "arn": {"Fn::ImportValue": "auth-arn"}}),
                    st.just({"name": "external", "arn": {"Fn::GetAtt": ["AuthLambdaFunction", "Arn"]}}),
                ))
        target["events"].append({"websocket": event})
    provider: dict = {"name": "aws"}
    optional = {
        "stage": st.sampled_from(["dev", "prod", "qa-1", "${opt:stage, 'dev'}"]),
        "region": st.sampled_from(["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1"]),
        "websocketsApiName": st.text(min_size=1, max_size=20).filter(str.strip),
        "websocketsApiRouteSelectionExpression": st.sampled_from(
            ["$request.body.action", "$request.body.a.b", "${request.body.a}/${request.body.b}"]),
        "websocketsDescription": st.text(min_size=1, max_size=30).filter(str.strip),
        "apiGateway": st.builds(lambda api_id: {"websocketApiId": api_id}, st.one_of(
            st.just("abc123"), st.just({"Fn::ImportValue": "shared-api"}), st.just({"Ref": "SharedApi"}))),
        "logs": st.fixed_dictionaries({}, optional={
            "websocket": st.one_of(st.booleans(), st.fixed_dictionaries({}, optional={
                "accessLogging": st.booleans(), "executionLogging": st.booleans(),
                "fullExecutionData": st.booleans(), "level": st.sampled_from(["INFO", "ERROR"]),
                "format": st.sampled_from(ACCESS_LOG_FORMATS)})),
            "restApi": st.one_of(st.booleans(), st.fixed_dictionaries({}, optional={
                "role": st.just("arn:aws:iam::123456789012:role/logs"), "roleManagedExternally": st.booleans()})),
        }),
        "logRetentionInDays": st.sampled_from([1, 14, 365, 3653]),
        "logDataProtectionPolicy": st.just({"Name": "audit", "Version": "2021-06-01",
                                            "Statement": [{"Sid": "a", "DataIdentifier": ["x"]}]}),
        "tags": st.dictionaries(st.from_regex(r"\A[a-zA-Z][a-zA-Z0-9_.:/=+ -]{0,20}\Z").filter(
            lambda k: not k.startswith("aws:")), st.text(max_size=20), max_size=3),
        "websocket": st.fixed_dictionaries({}, optional={"useProviderTags": st.booleans()}),
    }
    for name, strategy in optional.items():
        if draw(st.booleans()):
            provider[name] = draw(strategy)
    return {"service": draw(st.sampled_from(["chat", "my-service", "a1"])), "provider": provider,
            "functions": functions}


def _drop_missing(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_missing(v) for k, v in value.items() if v is not MISSING}
    if isinstance(value, list):
        return [_drop_missing(v) for v in value if v is not MISSING]
    if isinstance(value, Tagged):
        return Tagged(value.tag, _drop_missing(value.value))
    return value


def as_plain(value: Any) -> Any:
    """The value tree as plain data (for JSON and mapping input): tags in their long form, raw text as text."""
    if isinstance(value, Tagged):
        name = value.tag[1:]
        long_form = name if name in ("Ref", "Condition") else f"Fn::{name}"
        return {long_form: as_plain(value.value)}
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        return {str(k): as_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_plain(v) for v in value]
    return value


# --------------------------------------------------------------------------- the pipeline under test

ENV = {"HOME_X": "/home/x", "EMPTY": "", "LOOP": "${env:LOOP}", "REF": "${self:custom.name}"}
SUPPORT_FILES = {
    "vars.yml": "custom:\n  name: from-file\n  list: [1, 2]\nname: ${self:service}\nnested: ${file(vars.json):a}\n",
    "vars.json": '{"a": "json-value", "b": {"c": [1, 2, 3]}}',
    "text.txt": "plain text ${self:service}",
    "empty.yml": "# nothing\n",
    "broken.yml": "a: [unclosed\n",
    "loop-a.yml": "x: ${file(loop-b.yml):y}\n",
    "loop-b.yml": "y: ${file(loop-a.yml):x}\n",
}


def check_problems(error: ConfigError) -> None:
    """A ConfigError is for users: at least one problem, each a dotted path and a message, all printable."""
    assert error.problems, "a ConfigError without problems"
    for problem in error.problems:
        assert isinstance(problem, Problem)
        assert isinstance(problem.path, str) and isinstance(problem.message, str) and problem.message
    for line in error.lines():
        line.encode("utf-8")  # printable on a UTF-8 terminal


def check_service(service: Service) -> None:
    """What load_service accepted: both modes compile and render to strict JSON, summary and preview work."""
    assert isinstance(service, Service)
    summarize(service).encode("utf-8")
    for mode in (COMPAT, STANDALONE):
        plan = compile_service(service, mode)
        if mode == STANDALONE:  # what `wsapi plan` shows: the component's (standalone) plan
            describe_plan(plan, service.name).encode("utf-8")
        try:
            template = render_template(plan)
        except ConfigError as error:  # standalone refuses a GetAtt into the Serverless stack, by design
            check_problems(error)
            assert mode == STANDALONE and all("Fn::GetAtt" in p.message for p in error.problems), error
            continue
        json.dumps(template, allow_nan=False, ensure_ascii=False).encode("utf-8")
        assert template["Resources"] or mode == COMPAT and not service.routes and service.logs is None


def run_pipeline(path_or_mapping: Any, **kwargs: Any) -> Optional[Service]:
    """load_service then everything downstream; returns the service, or None after a (checked) ConfigError."""
    with hang_guard():
        try:
            service = load_service(path_or_mapping, env=ENV, **kwargs)
        except ConfigError as error:
            check_problems(error)
            event("refused")
            return None
        check_service(service)
        event("accepted")
        return service


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the module (hypothesis reuses it across examples): serverless.yml is rewritten by each
    example; the files `${file(...)}` variables read sit beside it."""
    folder = tmp_path_factory.mktemp("fuzz")
    for name, text in SUPPORT_FILES.items():
        (folder / name).write_text(text)
    return folder


def write_config(folder: Path, data: bytes, name: str = "serverless.yml") -> Path:
    for stale in ("serverless.yml", "serverless.yaml", "serverless.json"):
        (folder / stale).unlink(missing_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------- properties: loading


@contextlib.contextmanager
def yaml_parser(kind: str) -> Iterator[None]:
    """libyaml (what users get) or PyYAML's pure-Python parser (the fallback when libyaml is missing)."""
    saved = yaml_composer._CParser
    if kind == "python":
        yaml_composer._CParser = None
    try:
        yield
    finally:
        yaml_composer._CParser = saved


@fuzz_settings(400)
@given(text=yaml_text(), parser=st.sampled_from(["c", "python"]))
def test_any_yaml_text_parses_or_is_a_config_error(text: str, parser: str) -> None:
    with hang_guard(), yaml_parser(parser):
        try:
            value = parse_document(text.encode("utf-8", "surrogatepass"), "serverless.yml")
        except ConfigError as error:
            check_problems(error)
        else:
            json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8")


@fuzz_settings(300)
@given(data=st.one_of(st.binary(max_size=200), st.builds(lambda t: t.encode("utf-8", "surrogatepass"), st.text())),
       kind=st.sampled_from(["yaml", "json"]))
def test_random_bytes_parse_or_are_a_config_error(data: bytes, kind: str) -> None:
    with hang_guard():
        try:
            parse_document(data, "serverless.yml", kind)
        except ConfigError as error:
            check_problems(error)


@fuzz_settings(150)
@given(value=value_tree, pretty=st.booleans())
def test_any_json_parses_or_is_a_config_error(value: Any, pretty: bool) -> None:
    text = json.dumps(as_plain(value), indent=2 if pretty else None, ensure_ascii=pretty)
    with hang_guard():
        try:
            parsed = parse_document(text.encode("utf-8", "surrogatepass"), "serverless.json", "json")
        except ConfigError as error:
            check_problems(error)
        else:
            json.dumps(parsed, allow_nan=False).encode("utf-8")


@fuzz_settings(250)
@given(document=serverless_document(), rnd=st.randoms(use_true_random=False))
def test_serverless_shaped_yaml_loads_or_is_a_config_error(workdir: Path, document: dict, rnd: Any) -> None:
    path = write_config(workdir, Emitter(rnd).document(document).encode("utf-8", "surrogatepass"))
    run_pipeline(path, options={"route": "fromOption"}, params={"domain": "example.org"})


@fuzz_settings(120)
@given(document=serverless_document(), stage=st.sampled_from([None, "prod", "", " ", "x/y"]),
       region=st.sampled_from([None, "eu-west-1", "nowhere"]))
def test_serverless_shaped_json_and_mappings_load_or_are_a_config_error(
    workdir: Path, document: dict, stage: Optional[str], region: Optional[str]
) -> None:
    plain = as_plain(document)
    path = write_config(workdir, json.dumps(plain).encode("utf-8", "surrogatepass"), "serverless.json")
    from_file = run_pipeline(path, stage=stage, region=region)
    if SURROGATE.search(json.dumps(plain, ensure_ascii=False)):
        return  # a mapping is Python data: its strings are the caller's to get right
    from_mapping = run_pipeline(plain, stage=stage, region=region)
    if from_file is not None and from_mapping is not None:
        assert from_file == from_mapping  # config_path does not take part in equality


PYTHON_ONLY = st.one_of(
    st.binary(max_size=3), st.frozensets(st.integers(), max_size=2), st.sets(st.integers(), max_size=2),
    st.sampled_from([math.inf, -math.inf, math.nan, Ellipsis, 1j, object, print]), st.builds(object),
    st.tuples(json_scalars, json_scalars), st.lists(st.tuples(identifier, json_scalars), max_size=2),
    st.dictionaries(st.one_of(st.integers(), st.none(), st.booleans(), st.floats(), st.tuples(st.integers())),
                    json_scalars, min_size=1, max_size=2),
)


def inject(document: Any, junk: Any, rnd: Any, cycle: bool) -> Any:
    """Put `junk` (or the document itself, making it contain itself) somewhere inside `document`."""
    node = document
    for _ in range(rnd.randint(0, 6)):
        children = list(node.values()) if isinstance(node, dict) else node if isinstance(node, list) else []
        children = [child for child in children if isinstance(child, (dict, list))]
        if not children:
            break
        node = rnd.choice(children)
    value = document if cycle else junk
    if isinstance(node, dict):
        node[rnd.choice([*node.keys(), "added"]) if node else "added"] = value
    elif isinstance(node, list):
        node.append(value)
    return document


@fuzz_settings(150)
@given(document=serverless_document(junk=0.05), junk=PYTHON_ONLY, rnd=st.randoms(use_true_random=False),
       cycle=st.integers(0, 9).map(lambda n: n == 0))
def test_mappings_holding_what_no_file_can_are_a_config_error(document: dict, junk: Any, rnd: Any, cycle: bool) -> None:
    """`config=` of the Pulumi component takes a mapping: bytes, sets, NaN, non-text keys, objects, and a
    mapping that contains itself are problems at their path (they crashed the hash, or made JSON that is
    not JSON, or looped forever)."""
    plain = inject(as_plain(document), junk, rnd, cycle)
    run_pipeline(plain)


# --------------------------------------------------------------------------- properties: variables


@fuzz_settings(300)
@given(text=variable_string, place=st.sampled_from(["custom.x", "route", "stage", "name", "authorizer", "env"]))
def test_any_variable_string_resolves_or_is_a_config_error(workdir: Path, text: str, place: str) -> None:
    document: dict = {
        "service": "chat",
        "provider": {"name": "aws", "stage": "dev"},
        "custom": {"name": "chat", "route": "sendMessage", "x": "plain", "list": ["a", 1], "map": {"k": "v"},
                   "number": 12, "loop": "${self:custom.loop}", "deep": {"a": {"b": "c"}}},
        "params": {"default": {"domain": "example.com"}},
        "functions": {"f": {"handler": "h.h", "events": [{"websocket": "$default"}]},
                      "auth": {"handler": "h.auth"}},
    }
    env = dict(ENV)
    if place == "custom.x":
        document["custom"]["x"] = text
        document["functions"]["f"]["name"] = "${self:custom.x}"
    elif place == "route":
        document["functions"]["f"]["events"] = [{"websocket": text}, {"websocket": {"route": "$connect"}}]
    elif place == "stage":
        document["provider"]["stage"] = text
    elif place == "name":
        document["functions"]["f"]["name"] = text
    elif place == "authorizer":
        document["functions"]["f"]["events"] = [{"websocket": {"route": "$connect", "authorizer": text}}]
    else:
        env["HOME_X"] = text
        document["functions"]["f"]["name"] = "${env:HOME_X}"
    with hang_guard():
        try:
            resolve_variables(document, service_dir=workdir, options={"stage": "dev"}, env=env)
        except ConfigError as error:
            check_problems(error)
        try:
            service = load_service(document, env=env, options={"x": text})
        except ConfigError as error:
            check_problems(error)
            return
        check_service(service)


@fuzz_settings(150)
@given(document=serverless_document(junk=0.05), rnd=st.randoms(use_true_random=False),
       option=variable_string, param=variable_string)
def test_variables_in_option_and_param_values_resolve_or_are_a_config_error(
    workdir: Path, document: dict, rnd: Any, option: str, param: str
) -> None:
    """Options and params given on the command line are values too; variables inside them resolve."""
    path = write_config(workdir, Emitter(rnd).document(document).encode("utf-8", "surrogatepass"))
    run_pipeline(path, options={"route": option, "stage": rnd.choice(["dev", option])}, params={"domain": param})


# --------------------------------------------------------------------------- properties: Pulumi and the CLI


@fuzz_settings(150)
@given(document=valid_service_document(), rnd=st.randoms(use_true_random=False), as_json=st.booleans())
def test_accepted_documents_compile_and_render_in_both_modes(
    workdir: Path, document: dict, rnd: Any, as_json: bool
) -> None:
    """Mostly valid documents, so that the compiler and both renderers see many accepted services (junk is
    refused before them); the YAML or JSON file means what the mapping means."""
    if as_json:
        path = write_config(workdir, json.dumps(document).encode(), "serverless.json")
    else:
        path = write_config(workdir, Emitter(rnd, chaos=False).document(document).encode("utf-8", "surrogatepass"))
    options = {"stage": rnd.choice(["dev", "prod"])} if rnd.random() < 0.3 else {}
    from_file = run_pipeline(path, options=options)
    from_mapping = run_pipeline(document, options=options)
    assert (from_file is None) == (from_mapping is None)
    assert from_file == from_mapping


@fuzz_settings(15, deadline_ms=15_000)
@given(document=valid_service_document())
def test_accepted_documents_build_the_pulumi_component(document: dict) -> None:
    """A sample of mostly valid documents: whatever load_service accepts, the component builds under mocks
    (or refuses with a ConfigError before registering anything, for intrinsics Pulumi cannot evaluate)."""
    from pulumi_support import drain, environment, render

    plain = as_plain(document)
    with hang_guard():
        try:
            load_service(plain, env=ENV)
        except ConfigError:
            return
    event("accepted")
    with hang_guard(30), environment(ENV):
        try:
            rendered = render("fuzz", config=plain)
        except ConfigError as error:
            check_problems(error)
            assert all("intrinsic Pulumi cannot evaluate" in p.message for p in error.problems), error
            return
        finally:
            drain()
    assert rendered.outputs["stage_name"]
    assert len(rendered.children()) >= 2


def run_cli_in_process(*argv: str) -> tuple[int, str, str]:
    """`python -m wsapi ...` in this process, with stdout/stderr that encode strictly as UTF-8 (as a real
    terminal does), so output that cannot be written shows up as the error it would be."""
    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding="utf-8", errors="strict")
    err = io.TextIOWrapper(err_bytes, encoding="utf-8", errors="strict")
    saved_debug = os.environ.pop("WSAPI_DEBUG", None)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(list(argv))
            except SystemExit as exit:  # argparse
                code = exit.code if isinstance(exit.code, int) else 2
            out.flush()
            err.flush()
    finally:
        if saved_debug is not None:
            os.environ["WSAPI_DEBUG"] = saved_debug
    return code, out_bytes.getvalue().decode("utf-8"), err_bytes.getvalue().decode("utf-8")


@fuzz_settings(150)
@given(document=serverless_document(), rnd=st.randoms(use_true_random=False),
       command=st.sampled_from([["validate"], ["plan"], ["export"], ["export", "--compat", "serverless-v3"],
                                ["export", "--format", "yaml"]]),
       extra=st.lists(st.sampled_from([["--stage", "prod"], ["--stage", ""], ["--region", "eu-west-1"],
                                       ["--region", "moon"], ["--param", "domain=x"], ["--param", "=x"],
                                       ["--option", "route=r"], ["--option", "nokey"],
                                       ["--function", "connect=arn:aws:lambda:us-east-1:1:function:c"],
                                       ["--function", "nope=x"], ["--stage", "\udcff"], ["--region", "\ud800"],
                                       ["--option", "route=\udcfe"], ["--param", "domain=\udcfe"],
                                       ["--function", "connect=arn:\udcff"]]), max_size=2))
def test_the_cli_exits_0_or_2_and_never_prints_a_traceback(
    workdir: Path, document: dict, rnd: Any, command: list, extra: list
) -> None:
    path = write_config(workdir, Emitter(rnd).document(document).encode("utf-8", "surrogatepass"))
    argv = [*command, str(path)]
    for pair in extra:
        if pair[0] == "--function" and command[0] != "export":
            continue
        argv += pair
    with hang_guard():
        code, out, err = run_cli_in_process(*argv)
    assert code in (0, 2), err
    assert "Traceback" not in err and "internal error" not in err, err
    if code == 2:
        assert err.startswith((f"{path}: ", "usage: ")), err
    else:
        assert out
        if command[0] == "export" and "--format" not in command:
            json.loads(out)
