"""The standalone template of every corpus service and every example passes cfn-lint with no error and no
warning."""

import json
from pathlib import Path

import pytest

import cfnlint.api as cfnlint_api  # noqa: E402  (pinned in requirements.txt)

from golden_support import CASES, load_case  # noqa: E402
from wsapi import load_service  # noqa: E402
from wsapi.compile import compile_service  # noqa: E402
from wsapi.errors import ConfigError  # noqa: E402
from wsapi.render_cfn import render_template  # noqa: E402

EXAMPLES = sorted(p.parent for p in (Path(__file__).parent.parent / "examples").glob("*/serverless.yml"))


def lint_errors(template: dict) -> list[str]:
    matches = cfnlint_api.lint(json.dumps(template), regions=["us-east-1"])
    return [f"{m.rule.id} {m.message} at {'/'.join(map(str, m.path))}" for m in matches if m.rule.id[0] in "EW"]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_standalone_export_of_each_corpus_service_lints_clean(case: Path) -> None:
    try:
        template = render_template(compile_service(load_case(case)))
    except ConfigError as error:
        # a GetAtt into the Serverless stack cannot be exported standalone: a clean refusal, named
        assert case.name == "authorizer-object-arn-getatt", error.lines()
        assert "Fn::GetAtt" in error.lines()[0]
        return
    assert lint_errors(template) == []


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_standalone_export_of_each_example_lints_clean(example: Path) -> None:
    assert lint_errors(render_template(compile_service(load_service(example)))) == []


def test_lint_catches_a_broken_template() -> None:
    """Guard the guard: a template with a dangling Ref must produce an error here."""
    template = render_template(compile_service(load_case(CASES[0])))
    template["Resources"]["WebsocketsApi"]["Properties"]["Name"] = {"Ref": "Nowhere"}
    assert lint_errors(template)
