"""wsapi.config_files (with yaml_composer, json_reader, js_scalars): finding, reading and parsing serverless.yml /
serverless.json the way Serverless v3 does."""

import json
import time

import pytest

from wsapi import yaml_composer
from wsapi.config_files import find_config, load_config, parse_document
from wsapi.document_limits import MAX_FILE_BYTES
from wsapi.errors import ConfigError

NAME = "serverless.yml"


def parse(text, kind="yaml"):
    return parse_document(text, NAME, kind)


def problems(text, kind="yaml"):
    with pytest.raises(ConfigError) as caught:
        parse_document(text, NAME, kind)
    return caught.value.lines()


@pytest.fixture(params=["c", "python"])
def parser_kind(request, monkeypatch):
    """Run a test with the libyaml parser and again with the pure-Python fallback."""
    if request.param == "python":
        monkeypatch.setattr(yaml_composer, "_CParser", None)
    elif yaml_composer._CParser is None:  # pragma: no cover - PyYAML built without libyaml
        pytest.skip("libyaml is not available")
    return request.param


# --------------------------------------------------------------------------- CloudFormation tags

CFN_TAGS = [
    ("a: !Ref MyTable", {"Ref": "MyTable"}),
    ("a: !Ref 123", {"Ref": "123"}),
    ("a: !GetAtt MyTable.Arn", {"Fn::GetAtt": ["MyTable", "Arn"]}),
    ("a: !GetAtt A.B.C", {"Fn::GetAtt": ["A", "B.C"]}),
    ("a: !GetAtt [A, B]", {"Fn::GetAtt": ["A", "B"]}),
    ("a: !GetAtt Alone", {"Fn::GetAtt": ["Alone", ""]}),
    ("a: !Condition IsProd", {"Condition": "IsProd"}),
    ("a: !Sub 'arn:${AWS::Region}:x'", {"Fn::Sub": "arn:${AWS::Region}:x"}),
    ("a: !Sub\n  - '${A}-${B}'\n  - {A: !Ref X, B: b}", {"Fn::Sub": ["${A}-${B}", {"A": {"Ref": "X"}, "B": "b"}]}),
    ("a: !Join ['-', [a, !Ref B]]", {"Fn::Join": ["-", ["a", {"Ref": "B"}]]}),
    ("a: !ImportValue shared-Output", {"Fn::ImportValue": "shared-Output"}),
    ("a: !ImportValue {'Fn::Sub': '${S}-x'}", {"Fn::ImportValue": {"Fn::Sub": "${S}-x"}}),
    ("a: !Select [0, !GetAZs '']", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}),
    ("a: !Split [',', 'a,b']", {"Fn::Split": [",", "a,b"]}),
    ("a: !If [IsProd, 1, 2]", {"Fn::If": ["IsProd", 1, 2]}),
    ("a: !Equals [!Ref S, prod]", {"Fn::Equals": [{"Ref": "S"}, "prod"]}),
    ("a: !Not [!Condition C]", {"Fn::Not": [{"Condition": "C"}]}),
    ("a: !And [!Condition A, !Condition B]", {"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]}),
    ("a: !Or [!Condition A, !Condition B]", {"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]}),
    ("a: !FindInMap [M, !Ref R, k]", {"Fn::FindInMap": ["M", {"Ref": "R"}, "k"]}),
    ("a: !Base64 hello", {"Fn::Base64": "hello"}),
    ("a: !Base64 {'Fn::Sub': x}", {"Fn::Base64": {"Fn::Sub": "x"}}),
    ("a: !Cidr [10.0.0.0/16, 6, 5]", {"Fn::Cidr": ["10.0.0.0/16", 6, 5]}),
    ("a: !GetAZs eu-west-1", {"Fn::GetAZs": "eu-west-1"}),
    ("a: !GetAZs {Ref: AWS::Region}", {"Fn::GetAZs": {"Ref": "AWS::Region"}}),
    ("a: !<!Ref> Verbatim", {"Ref": "Verbatim"}),
]


@pytest.mark.parametrize("text, expected", CFN_TAGS, ids=[t for t, _ in CFN_TAGS])
def test_cloudformation_short_tags_become_long_form(text, expected, parser_kind):
    assert parse(text) == {"a": expected}


# --------------------------------------------------------------------------- scalar types (js-yaml schema)

SCALARS = [
    ("true", True), ("True", True), ("TRUE", True), ("false", False), ("FALSE", False),
    ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("Yes", "Yes"),
    ("~", None), ("null", None), ("Null", None), ("NULL", None), ("", None),
    ("12", 12), ("+12", 12), ("-7", -7), ("007", 7), ("0x1F", 31), ("0o17", 15), ("0b101", 5),
    ("1.5", 1.5), ("1.0", 1), ("1e3", 1000), ("1.", 1), (".5", 0.5), ("-.5", "-.5"),
    (".inf", None), ("-.Inf", None), (".nan", None), ("1e400", "1e400"), ("1_000", "1_000"),
    ("12345678901234567890", 12345678901234567890), ("0x", "0x"), ("12e", "12e"), ("1:30", "1:30"),
    ("2012-10-17", "2012-10-17T00:00:00.000Z"),
    ("2001-12-14t21:59:43.10-05:00", "2001-12-15T02:59:43.100Z"),
    ("2001-12-14 21:59:43.1234", "2001-12-14T21:59:43.123Z"),
    ("2023-02-30", "2023-03-02T00:00:00.000Z"),
    ("0099-01-01", "1999-01-01T00:00:00.000Z"),
    ("'12'", "12"), ('"true"', "true"), ("!!str 12", "12"), ("! 12", "12"), ("!!int '12'", 12),
    ("!!float '2'", 2), ("!!bool 'true'", True), ("!!null ''", None),
    ("!!timestamp 2020-01-02", "2020-01-02T00:00:00.000Z"),
    ("$connect", "$connect"), ("${self:custom.x}", "${self:custom.x}"),
]


@pytest.mark.parametrize("text, expected", SCALARS, ids=[t or "<empty>" for t, _ in SCALARS])
def test_scalars_get_the_types_serverless_v3_gives_them(text, expected, parser_kind):
    value = parse(f"a: {text}\n")["a"]
    assert value == expected
    assert type(value) is type(expected)


def test_keys_are_strings_as_in_javascript_objects():
    assert parse("1: a\ntrue: b\n~: c\n1.5: d\n") == {"1": "a", "true": "b", "null": "c", "1.5": "d"}


def test_cloudformation_tags_and_variables_survive_json_round_trip():
    document = parse("Resources:\n  T:\n    Properties:\n      Name: !Sub '${AWS::StackName}-${self:service}'\n")
    assert json.loads(json.dumps(document)) == document


# --------------------------------------------------------------------------- merge keys

MERGES = [
    ("base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n", {"x": 1, "y": 3}),
    ("base: &b {x: 1, y: 2}\nd:\n  y: 3\n  <<: *b\n", {"y": 3, "x": 1}),
    ("b1: &b1 {x: 1}\nb2: &b2 {x: 2, z: 2}\nd:\n  <<: [*b1, *b2]\n", {"x": 1, "z": 2}),
    ("d:\n  <<: {x: 1}\n  w: 0\n", {"x": 1, "w": 0}),
    ("base: &b {x: {deep: [1, 2]}}\nd:\n  <<: *b\n", {"x": {"deep": [1, 2]}}),
]


@pytest.mark.parametrize("text, expected", MERGES)
def test_merge_keys(text, expected, parser_kind):
    assert parse(text)["d"] == expected


def test_quoted_merge_key_is_an_ordinary_key():
    assert parse("d:\n  '<<': {x: 1}\n") == {"d": {"<<": {"x": 1}}}


def test_aliases_give_independent_copies():
    document = parse("base: &b {x: [1]}\nc: *b\n")
    document["c"]["x"].append(2)
    assert document["base"] == {"x": [1]}


# --------------------------------------------------------------------------- YAML errors

YAML_ERRORS = [
    (
        "provider:\n  name: aws\n  stage: dev\n  stage: prod\n",
        ['serverless.yml: provider.stage: duplicate key "stage": first defined at line 3, again at line 4; '
         "remove one of them"],
    ),
    (
        "a: 1\nfunctions:\n  f:\n    events:\n      - websocket: {route: x, route: y}\na: 2\n",
        ['serverless.yml: functions.f.events[0].websocket.route: duplicate key "route": first defined at line 5, '
         "again at line 5; remove one of them",
         'serverless.yml: a: duplicate key "a": first defined at line 1, again at line 6; remove one of them'],
    ),
    (
        "a: 1\n'1': x\n1: y\n",
        ['serverless.yml: 1: duplicate key "1": first defined at line 2, again at line 3; remove one of them'],
    ),
    (
        "",
        ["serverless.yml: (document): the file is empty (it holds only whitespace or comments); "
         "expected a mapping such as `service: my-service`"],
    ),
    (
        "  \n\t\n# only a comment\n\n",
        ["serverless.yml: (document): the file is empty (it holds only whitespace or comments); "
         "expected a mapping such as `service: my-service`"],
    ),
    (
        "---\n",
        ["serverless.yml: (document): the file is empty (it holds only whitespace or comments); "
         "expected a mapping such as `service: my-service`"],
    ),
    (
        "service: a\nprovider:\n  name: aws\n  stage: dev: x\n",
        ["serverless.yml: provider: YAML syntax error at line 4, column 13: mapping values are not allowed "
         "in this context"],
    ),
    (
        "functions:\n  f:\n    events: [\n",
        ["serverless.yml: functions.f.events[0]: YAML syntax error at line 4, column 1: did not find expected "
         "node content (while parsing a flow node started at line 4, column 1)"],
    ),
    (
        "a: b\n---\nc: d\n",
        ["serverless.yml: (document): a second YAML document starts at line 2; the file must hold exactly one "
         "document (remove the extra `---`)"],
    ),
    (
        "provider:\n  logs: !Foo x\n",
        ['serverless.yml: provider.logs: unknown tag "!Foo" at line 2, column 9; supported tags are the '
         "CloudFormation short forms (!And, !Base64, !Cidr, !Condition, !Equals, !FindInMap, !GetAtt, !GetAZs, "
         "!If, !ImportValue, !Join, !Not, !Or, !Ref, !Select, !Split, !Sub) and the standard !!str, !!int, "
         "!!float, !!bool, !!null, !!timestamp, !!map, !!seq"],
    ),
    (
        "a: !!int twelve\n",
        ['serverless.yml: a: "twelve" at line 1, column 4 is not a valid value for tag "tag:yaml.org,2002:int"'],
    ),
    (
        "a: &x [1, *x]\n",
        ['serverless.yml: a[1]: alias "*x" at line 1, column 11 refers to an anchor "&x" that is not defined '
         "before it (an alias cannot point to a collection that contains it)"],
    ),
    (
        "a: *nowhere\n",
        ['serverless.yml: a: alias "*nowhere" at line 1, column 4 refers to an anchor "&nowhere" that is not '
         "defined before it (an alias cannot point to a collection that contains it)"],
    ),
    (
        "d:\n  <<: [1, 2]\n",
        ["serverless.yml: d.<<: the merge key `<<` at line 2 needs a mapping or a list of mappings "
         "(usually an alias such as `<<: *defaults`)"],
    ),
    (
        "? [a, b]\n: c\n",
        ["serverless.yml: (document): a mapping key at line 1, column 3 is a list; keys must be plain text"],
    ),
    (
        "a: x\x07y\n",
        ["serverless.yml: (document): character U+0007 at line 1, column 5 is not allowed in YAML; remove it "
         "(inside double quotes it can be written as an escape such as \\u0007)"],
    ),
]


@pytest.mark.parametrize("text, expected", YAML_ERRORS, ids=range(len(YAML_ERRORS)))
def test_yaml_errors_name_path_and_line(text, expected, parser_kind):
    lines = problems(text)
    if parser_kind == "python" and "YAML syntax error" in expected[0]:
        # the pure-Python parser words syntax errors differently: same path and line
        assert [line.split(", column")[0] for line in lines] == [line.split(", column")[0] for line in expected]
        return
    assert lines == expected


def test_every_duplicate_and_unknown_tag_is_reported_together(parser_kind):
    lines = problems("a: 1\na: 2\nb: !Nope x\nc: {k: 1, k: 2}\n")
    assert [line.split(":")[1].strip() for line in lines] == ["a", "b", "c.k"]


def test_a_problem_inside_an_anchor_used_twice_is_reported_once():
    lines = problems("base: &b {x: 1, x: 2}\nc: *b\nd: *b\n")
    assert lines == [
        'serverless.yml: base.x: duplicate key "x": first defined at line 1, again at line 1; remove one of them'
    ]


def test_non_utf8_bytes_are_reported_with_their_offset():
    assert problems(b"service: caf\xe9\n") == [
        "serverless.yml: (document): the file is not valid UTF-8: byte 0xe9 at byte offset 12 cannot be "
        "decoded; save the file as UTF-8"
    ]


def test_utf8_bom_is_accepted():
    assert parse("\ufeffservice: x\n".encode("utf-8")) == {"service": "x"}
    assert parse("\ufeff{\"service\": \"x\"}".encode("utf-8"), "json") == {"service": "x"}


def test_text_that_cannot_be_utf8_is_a_problem():
    lines = problems("a: \ud800\n")
    assert len(lines) == 1 and lines[0].startswith("serverless.yml: (document): the text cannot be encoded as UTF-8")


# --------------------------------------------------------------------------- hostile input


def billion_laughs():
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, 10):
        refs = ", ".join([f"*l{level - 1}"] * 10)
        lines.append(f"l{level}: &l{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_rejected_quickly(parser_kind):
    started = time.perf_counter()
    lines = problems(billion_laughs())
    assert time.perf_counter() - started < 30  # a hang guard; bench/hostile_bench.py measures the real figure
    assert lines == [
        'serverless.yml: l5[2]: the document would expand to more than 250,000 values through YAML aliases '
        '(alias "*l4" at line 6); refusing to load it (protection against alias bombs such as \'billion laughs\')'
    ]


def test_merge_key_bomb_is_rejected_quickly():
    lines = ["m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10}"]
    for level in range(1, 10):
        keys = ", ".join(f"k{n}: *m{level - 1}" for n in range(10))
        lines.append(f"m{level}: &m{level} {{{keys}}}")
    started = time.perf_counter()
    result = problems("\n".join(lines))
    assert time.perf_counter() - started < 30  # a hang guard; bench/hostile_bench.py measures the real figure
    assert "would expand to more than 250,000 values" in result[0]


@pytest.mark.parametrize(
    "text",
    [
        "[" * 10_000 + "]" * 10_000,
        "a:\n" + "".join(" " * depth + "a:\n" for depth in range(1, 1_000)),
        "- " * 10_000 + "x\n",
        "{a: " * 10_000 + "1" + "}" * 10_000,
    ],
    ids=["flow-lists", "block-mappings-1000", "block-lists", "flow-mappings"],
)
def test_ten_thousand_levels_of_nesting_are_rejected_quickly(text, parser_kind):
    started = time.perf_counter()
    lines = problems(text)
    assert time.perf_counter() - started < 30  # a hang guard; bench/hostile_bench.py measures the real figure
    assert len(lines) == 1
    assert "nesting is deeper than 200 levels at line" in lines[0]


def test_nesting_through_an_alias_counts_too():
    deep = "a: &a " + "[" * 150 + "]" * 150 + "\n"
    lines = problems(deep + "b:\n" + "".join(" " * n + "b:\n" for n in range(1, 60)) + " " * 60 + "b: *a\n")
    assert len(lines) == 1
    assert 'nesting is deeper than 200 levels through alias "*a" at line 62' in lines[0]


def test_two_hundred_levels_are_fine():
    assert parse("a: " + "[" * 199 + "]" * 199)["a"] is not None


def test_ten_thousand_deep_json_is_rejected_quickly():
    started = time.perf_counter()
    lines = problems('{"a": ' + "[" * 10_000 + "]" * 10_000 + "}", "json")
    assert time.perf_counter() - started < 30  # a hang guard; bench/hostile_bench.py measures the real figure
    assert lines == [
        "serverless.yml: (document): nesting is deeper than 200 levels at line 1, column 206; flatten the structure"
    ]


def test_files_larger_than_the_limit_are_refused(tmp_path):
    big = tmp_path / "serverless.yml"
    big.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    started = time.perf_counter()
    with pytest.raises(ConfigError) as caught:
        load_config(big)
    assert time.perf_counter() - started < 30  # a hang guard; bench/hostile_bench.py measures the real figure
    assert caught.value.lines() == [
        f"{big}: (document): the file is 10,485,761 bytes, larger than the 10,485,760 bytes (10 MB) limit"
    ]
    assert problems(b" " * (MAX_FILE_BYTES + 1)) == [
        "serverless.yml: (document): the file is 10,485,761 bytes, larger than the 10,485,760 bytes (10 MB) limit"
    ]


# --------------------------------------------------------------------------- JSON


def test_json_is_parsed_with_javascript_number_semantics():
    assert parse('{"a": 1, "b": 1.0, "c": 1.5, "d": [true, null, "x"], "e": 1e400}', "json") == {
        "a": 1, "b": 1, "c": 1.5, "d": [True, None, "x"], "e": None,
    }


JSON_ERRORS = [
    (
        '{\n  "provider": {\n    "stage": "a",\n    "stage": "b"\n  }\n}',
        ['serverless.yml: provider.stage: duplicate key "stage": first defined at line 3, again at line 4; '
         "remove one of them"],
    ),
    (
        '{"a": [{"x": 1}, {"x": 1, "x": 2}], "b": 1, "b": 2}',
        ['serverless.yml: a[1].x: duplicate key "x": first defined at line 1, again at line 1; remove one of them',
         'serverless.yml: b: duplicate key "b": first defined at line 1, again at line 1; remove one of them'],
    ),
    ('{"a": 1,}', ["serverless.yml: (document): JSON syntax error at line 1, column 9: Expecting property name "
                   "enclosed in double quotes"]),
    ('{\n"a": tru\n}', ["serverless.yml: (document): JSON syntax error at line 2, column 6: Expecting value"]),
    ('{"a": NaN}', ["serverless.yml: (document): JSON syntax error at line 1, column 7: NaN is not valid JSON; "
                    "write a number or a string"]),
    ("", ["serverless.yml: (document): the file is empty (it holds only whitespace); expected a JSON object"]),
    ("  \n ", ["serverless.yml: (document): the file is empty (it holds only whitespace); expected a JSON object"]),
]


@pytest.mark.parametrize("text, expected", JSON_ERRORS, ids=range(len(JSON_ERRORS)))
def test_json_errors(text, expected):
    assert problems(text, "json") == expected


# --------------------------------------------------------------------------- finding and loading files


def test_find_config_searches_a_folder_in_order(tmp_path):
    (tmp_path / "serverless.json").write_text("{}")
    assert find_config(tmp_path) == tmp_path / "serverless.json"
    (tmp_path / "serverless.yaml").write_text("a: 1")
    assert find_config(tmp_path) == tmp_path / "serverless.yaml"
    (tmp_path / "serverless.yml").write_text("a: 1")
    assert find_config(str(tmp_path)) == tmp_path / "serverless.yml"


def test_find_config_takes_a_file_as_is(tmp_path):
    other = tmp_path / "other-name.yml"
    other.write_text("service: x\n")
    assert find_config(other) == other


@pytest.mark.parametrize("script", ["serverless.js", "serverless.ts"])
def test_a_javascript_configuration_alone_is_a_clear_error(tmp_path, script):
    (tmp_path / script).write_text("module.exports = {}")
    with pytest.raises(ConfigError) as caught:
        find_config(tmp_path)
    assert caught.value.lines() == [
        f"{tmp_path / script}: (document): found {script} in {tmp_path}, but only YAML or JSON configurations "
        f"are supported; convert it to serverless.yml (or serverless.json)"
    ]


def test_missing_folder_file_and_config(tmp_path):
    with pytest.raises(ConfigError) as caught:
        find_config(tmp_path / "nope")
    assert caught.value.lines() == [
        f"{tmp_path / 'nope'}: (document): {tmp_path / 'nope'} does not exist; give the path of serverless.yml "
        f"or of the service folder"
    ]
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert caught.value.lines() == [
        f"{tmp_path}: (document): no serverless.yml, serverless.yaml or serverless.json found in folder {tmp_path}"
    ]


def test_load_config_reads_yaml_and_json(tmp_path):
    (tmp_path / "serverless.yml").write_text("service: chat\nprovider: {name: aws, stage: !Ref Stage}\n")
    path, document = load_config(tmp_path)
    assert path == tmp_path / "serverless.yml"
    assert document == {"service": "chat", "provider": {"name": "aws", "stage": {"Ref": "Stage"}}}
    json_file = tmp_path / "config.json"
    json_file.write_text('{"service": "chat"}')
    assert load_config(json_file) == (json_file, {"service": "chat"})


@pytest.mark.parametrize(
    "content, found",
    [("- a\n- b\n", "a list"), ("just text\n", "a string"), ("12\n", "a number"), ("~\n", "an empty value (null)")],
)
def test_top_level_must_be_a_mapping(tmp_path, content, found):
    (tmp_path / "serverless.yml").write_text(content)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert caught.value.lines() == [
        f"{tmp_path / 'serverless.yml'}: (document): the top level must be a mapping (key: value pairs such as "
        f"`service: my-service`), found {found}"
    ]


def test_load_config_rejects_other_extensions(tmp_path):
    script = tmp_path / "serverless.ts"
    script.write_text("export default {}")
    with pytest.raises(ConfigError) as caught:
        load_config(script)
    assert caught.value.lines() == [
        f"{script}: (document): serverless.ts is a JavaScript/TypeScript configuration; only YAML or JSON "
        f"configurations are supported, convert it to serverless.yml (or serverless.json)"
    ]
    text = tmp_path / "serverless.txt"
    text.write_text("service: x")
    with pytest.raises(ConfigError) as caught:
        load_config(text)
    assert caught.value.lines() == [
        f'{text}: (document): unsupported file extension ".txt"; use a .yml, .yaml or .json configuration file'
    ]


def test_load_config_reports_file_errors_with_the_file_name(tmp_path):
    (tmp_path / "serverless.yml").write_bytes(b"service: a\nservice: b\n")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert caught.value.file == str(tmp_path / "serverless.yml")
    assert caught.value.problems[0].path == "service"


def test_empty_document_is_none_when_allowed():
    assert parse_document("# nothing\n", "x.yml", "yaml", allow_empty=True) is None
    assert parse_document("", "x.json", "json", allow_empty=True) is None


def test_parsing_is_fast_for_a_large_ordinary_file():
    functions = "".join(
        f"  f{n}:\n    handler: h.f{n}\n    events:\n      - websocket: {{route: r{n}}}\n" for n in range(5000)
    )
    started = time.perf_counter()
    document = parse("service: big\nfunctions:\n" + functions)
    assert time.perf_counter() - started < 30  # a hang guard; bench/hostile_bench.py measures the real figure
    assert document["functions"]["f4999"]["events"][0]["websocket"]["route"] == "r4999"


def test_c_and_python_parsers_agree(monkeypatch):
    text = (
        "service: chat\nprovider:\n  name: aws\n  stage: ${opt:stage, 'dev'}\n  tags: &tags {team: x, on: yes}\n"
        "custom:\n  <<: {merged: 1}\n  when: 2020-01-02\n  arn: !GetAtt Table.Arn\n  list:\n    - !Sub '${A}'\n"
        "    - *tags\n  text: |\n    multi\n    line\n"
    )
    with_c = parse(text)
    monkeypatch.setattr(yaml_composer, "_CParser", None)
    assert parse(text) == with_c
    assert with_c["custom"] == {
        "merged": 1, "when": "2020-01-02T00:00:00.000Z", "arn": {"Fn::GetAtt": ["Table", "Arn"]},
        "list": [{"Fn::Sub": "${A}"}, {"team": "x", "on": "yes"}], "text": "multi\nline\n",
    }


def test_random_input_only_ever_raises_config_error(parser_kind):
    import random

    rnd = random.Random(7)
    pieces = list("ab:-[]{}&*!<>|'\"#\n \t,.$\\%@`~?019") + ["!Ref ", "!GetAtt ", "<<: ", "*a", "&a ", "---\n", "\x00"]
    for _ in range(1500):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 30)))
        for kind in ("yaml", "json"):
            try:
                parse_document(text, NAME, kind)
            except ConfigError as error:
                assert error.problems and all(isinstance(p.message, str) and p.message for p in error.problems)
