"""`python -m wsapi plan|export --with-functions` as a user runs them: the functions in the listing, the
template and its code archives (`--artifacts`), and what the options refuse."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from conftest import ROOT, run_cli

CHAT = ROOT / "examples" / "chat"


def test_export_with_functions_writes_the_archives_where_the_template_expects_them(tmp_path: Path) -> None:
    result = run_cli(
        "export", str(CHAT), "--with-functions", "--artifacts", str(tmp_path / "artifacts"), "-o", str(tmp_path / "t.json"),
        env={"WSAPI_ARTIFACTS_DIR": str(tmp_path / "cache")},
    )
    assert result.returncode == 0, result.stderr
    template = json.loads((tmp_path / "t.json").read_text())
    key = template["Parameters"]["ServiceArtifactKey"]["Default"]
    archive = tmp_path / "artifacts" / key
    assert key.startswith("chat/dev/chat-") and archive.is_file()
    assert result.stderr == f"{CHAT}: wrote {archive} (auth, connect, disconnect, default, sendMessage, whoami)\n"
    with zipfile.ZipFile(archive) as zipped:
        assert zipped.namelist() == ["handlers/__init__.py", "handlers/auth.py", "handlers/connection.py", "handlers/messages.py"]
    functions = [k for k, v in template["Resources"].items() if v["Type"] == "AWS::Lambda::Function"]
    assert len(functions) == 6
    # the same export again: the same key, the same bytes
    again = run_cli("export", str(CHAT), "--with-functions", "--artifacts", str(tmp_path / "again"))
    assert json.loads(again.stdout)["Parameters"]["ServiceArtifactKey"]["Default"] == key
    assert (tmp_path / "again" / key).read_bytes() == archive.read_bytes()


def test_plan_with_functions_lists_them_and_functions_given_are_left_out() -> None:
    result = run_cli("plan", str(CHAT), "--with-functions", "--function", "auth=arn:aws:lambda:us-east-1:1:function:auth")
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith(" +   ")]
    functions = [row for row in rows if "aws:lambda:Function" in row]
    assert len(functions) == 5 and not [row for row in functions if "chat-function-auth " in row]
    role = next(row for row in rows if "chat-lambda-role " in row)
    assert "Allow execute-api:ManageConnections on 3 resources" in role
    connect = next(row for row in functions if "chat-function-connect " in row)
    assert "chat-dev-connect python3.11 handlers/connection.connect code=chat.zip (4 files)" in connect


def test_what_the_options_refuse() -> None:
    compat = run_cli("export", str(CHAT), "--with-functions", "--compat", "serverless-v3")
    assert compat.returncode == 2 and "--with-functions" in compat.stderr and compat.stdout == ""
    artifacts = run_cli("export", str(CHAT), "--artifacts", "out")
    assert artifacts.returncode == 2 and "--artifacts: the code archives belong to --with-functions" in artifacts.stderr


def test_a_setting_it_cannot_create_is_reported_with_its_path(tmp_path: Path) -> None:
    (tmp_path / "h.py").write_text("")
    (tmp_path / "serverless.yml").write_text(
        "service: svc\nprovider: {name: aws, runtime: python3.11}\n"
        "functions:\n  connect:\n    image: chatimage\n    events: [{websocket: $connect}]\n"
    )
    result = run_cli("export", str(tmp_path), "--with-functions")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(f"{tmp_path}: functions.connect.image: names an image of provider.ecr.images, which Serverless builds")
    assert run_cli("export", str(tmp_path)).returncode == 0  # the websocket part alone does not need it


def test_too_many_code_parameters_for_cloudformation_are_a_warning(tmp_path: Path) -> None:
    (tmp_path / "h.py").write_text("")
    functions = {f"f{i}": {"handler": "h.h", "events": [{"websocket": f"r{i}"}]} for i in range(200)}
    config = {"service": "big", "provider": {"name": "aws", "runtime": "python3.11"}, "package": {"individually": True},
              "functions": functions}
    (tmp_path / "serverless.yml").write_text(json.dumps(config))
    result = run_cli("export", str(tmp_path), "--with-functions")
    assert result.returncode == 0
    assert len(json.loads(result.stdout)["Parameters"]) == 201
    assert f"{tmp_path}: warning: the template has 201 parameters; CloudFormation allows 200" in result.stderr
