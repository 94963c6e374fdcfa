"""The README as a newcomer pastes it: the set-up commands are CI's, every other command runs with `.venv`
active, every `python -m wsapi` command it shows is one the CLI accepts (and the concrete ones run), the
Pulumi snippet is a program that runs, and `pulumi preview` of the shipped stack shows what the README says."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from conftest import ROOT, run_cli
from pulumi_support import Recorder, isolated_mocks, run_program, run_shipped_program
from wsapi import cli

README = (ROOT / "README.md").read_text()
PLACEHOLDERS = {"PATH": "examples/chat", "DIR": "build", "FILE": "out.json", "COMMAND": "export"}


def code_blocks(text: str, language: str = "sh") -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.S | re.M)


def section(title: str) -> str:
    start = README.index(f"\n## {title}")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else len(README)]


def wsapi_commands() -> list[str]:
    """Every `python -m wsapi ...` command the README shows, in code or inline, with its arguments."""
    return re.findall(r"python -m wsapi (?!\w+: error)[^`\n|#]*[^`\n|# ]", README)


@pytest.fixture
def pulumi_mocks(tmp_path: Path, monkeypatch) -> Iterator[Recorder]:
    monkeypatch.setenv("WSAPI_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    yield from isolated_mocks()


def test_the_set_up_commands_are_ci_s_and_install_quietly() -> None:
    setup, tests = code_blocks(README)[:2]
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith(("#", "set ", "cd ", "export "))]
    assert tests.strip() == ci[-1]
    assert setup.strip().startswith("python3 -m venv .venv && .venv/bin/pip install -q -r requirements.txt && ")
    assert setup.strip().endswith(" .venv/bin/python -m wsapi plan examples/chat --with-functions")


def test_every_other_command_runs_with_the_virtualenv_active() -> None:
    top = README[: README.index("\n## ")]
    assert code_blocks(top)[2].strip() == ". .venv/bin/activate"
    rest = README[README.index(code_blocks(top)[2]) + len(code_blocks(top)[2]) :]
    assert re.findall(r"\.venv/bin/(?!activate\b)\S*", rest) == []  # one convention: `python` of the active .venv
    local = code_blocks(section("Run it locally"))[0].splitlines()
    assert local[0].startswith(". .venv/bin/activate ")
    assert ". .venv/bin/activate && python -m websockets" in local[2]  # the other terminal too


def test_every_wsapi_command_shown_is_accepted() -> None:
    commands = wsapi_commands()
    assert len(commands) >= 12 and any("--version" in c for c in commands)
    for command in commands:
        argv = [PLACEHOLDERS.get(word, word) for word in shlex.split(command)[3:]]
        try:
            cli.build_parser("python -m wsapi").parse_args(argv)
        except SystemExit as exit:
            assert exit.code == 0 and {"--help", "--version"} & set(argv), command


def test_the_concrete_wsapi_commands_run(tmp_path: Path) -> None:
    (tmp_path / "examples").symlink_to(ROOT / "examples")  # output files land in tmp_path, not the repository
    concrete = {c for c in wsapi_commands() if "examples/chat" in c and " offline " not in c} | {"python -m wsapi --version"}
    assert len(concrete) >= 3
    for command in sorted(concrete):
        result = run_cli(*shlex.split(command)[3:], cwd=tmp_path)
        assert result.returncode == 0, (command, result.stderr)
    assert json.loads((tmp_path / "chat.json").read_text())["Resources"]
    assert list((tmp_path / "build").rglob("*.zip"))


def test_the_pulumi_snippet_is_a_program_that_runs(tmp_path: Path, monkeypatch, pulumi_mocks: Recorder) -> None:
    (snippet,) = code_blocks(section("Deploying with Pulumi"), "python")
    shutil.copy(ROOT / "examples" / "chat" / "serverless.yml", tmp_path / "serverless.yml")
    monkeypatch.chdir(tmp_path)

    def program():
        namespace = {"__name__": "__main__"}
        exec(compile(snippet, "README.md", "exec"), namespace)
        return namespace["chat"].url

    url = run_program(program)
    assert url.startswith("wss://") and url.endswith("/prod")
    uris = {r.name: r.inputs["integrationUri"] for r in pulumi_mocks.resources if r.name.startswith("chat-integration-")}
    connect = next(r for r in pulumi_mocks.resources if r.name == "connect" and r.type == "aws:lambda/function:Function")
    assert f"/functions/{connect.state['arn']}/invocations" in uris["chat-integration-connect"]
    assert "/functions/arn:aws:lambda:us-east-1:123456789012:function:echo/invocations" in uris["chat-integration-default"]
    assert ":function:chat-prod-disconnect/invocations" in uris["chat-integration-disconnect"]


def test_pulumi_preview_of_the_shipped_stack_shows_what_the_readme_says(pulumi_mocks: Recorder, capsys) -> None:
    (command,) = re.findall(r"^pulumi preview +# what `(python -m wsapi [^`]+)` shows$", section("Deploying with Pulumi"), re.M)
    assert cli.main(shlex.split(command)[3:]) == 0
    listing = capsys.readouterr().out.splitlines()
    listed = [line.split()[3] for line in listing if line.startswith((" +   ├─", " +   └─"))]
    stack = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    run_shipped_program(stack)
    registered = [r.name for r in pulumi_mocks.custom()]
    assert sorted(listed) == sorted(registered) and len(registered) > 20
    assert listing[-1] == f"    + {len(registered) + 1} to create"
