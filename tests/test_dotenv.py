"""`useDotenv: true` (wsapi.dotenv, read by the `env` variable source) as Serverless v3 loads `.env` files:
dotenv 16's parsing, dotenv-expand 10's expansion, the stage's file first, the environment winning. The golden
cases dotenv-default-file and dotenv-stage-file hold what `serverless package` made of two services."""

from pathlib import Path

import pytest

from wsapi.config import load_service
from wsapi.dotenv import DotenvError, expand_dotenv, load_dotenv, parse_dotenv
from wsapi.errors import ConfigError
from wsapi.variables import resolve_variables


def test_lines_are_read_as_dotenv_reads_them() -> None:
    text = (
        "# a comment\n"
        "PLAIN=value # trailing comment\n"
        "COLON: with colon\n"
        "export EXPORTED=yes\n"
        "SINGLE='kept # as is'\n"
        'DOUBLE="line\\nbreak"\n'
        "BACK=`back quoted`\n"
        'MULTI="first\nsecond"\n'
        "EMPTY=\n"
        "PLAIN=later wins\r\n"
    )
    assert parse_dotenv(text) == {
        "PLAIN": "later wins", "COLON": "with colon", "EXPORTED": "yes", "SINGLE": "kept # as is",
        "DOUBLE": "line\nbreak", "BACK": "back quoted", "MULTI": "first\nsecond", "EMPTY": "",
    }  # fmt: skip


def test_expansion_is_dotenv_expands_and_the_environment_wins() -> None:
    parsed = parse_dotenv(
        "URL=http://${HOST}:${PORT:-8080}/$PATH_PART\n"
        "HOST=example.com\n"  # defined after its use: dotenv-expand still finds it
        "PATH_PART=api\n"
        "SET=from-file\n"
        "PRICE='\\$5'\n"  # an escaped dollar is a dollar
        "QUOTED='$HOST'\n"  # single quotes do not stop the expansion
    )
    env = expand_dotenv(parsed, {"SET": "from-environment", "OTHER": "kept"})
    assert env == {
        "SET": "from-environment", "OTHER": "kept", "URL": "http://example.com:8080/api", "HOST": "example.com",
        "PATH_PART": "api", "PRICE": "$5", "QUOTED": "example.com",
    }  # fmt: skip


def test_a_value_that_refers_to_itself_is_an_error_not_a_hang() -> None:
    with pytest.raises(DotenvError, match="A: its value keeps expanding"):
        expand_dotenv(parse_dotenv("A=x${B}\nB=${A}y\n"), {})


def test_the_stages_file_is_loaded_else_dotenv_else_nothing(tmp_path: Path) -> None:
    assert load_dotenv(tmp_path, "dev", {"A": "1"}) == ({"A": "1"}, None)
    (tmp_path / ".env").write_text("X=default\n")
    assert load_dotenv(tmp_path, "dev", {}) == ({"X": "default"}, tmp_path / ".env")
    (tmp_path / ".env.prod").write_text("X=prod\n")
    assert load_dotenv(tmp_path, "prod", {}) == ({"X": "prod"}, tmp_path / ".env.prod")
    assert load_dotenv(tmp_path, "dev", {}) == ({"X": "default"}, tmp_path / ".env")


def service(tmp_path: Path, use_dotenv: str = "true", stage: str = "dev") -> Path:
    (tmp_path / "serverless.yml").write_text(
        f"service: chat\nuseDotenv: {use_dotenv}\nprovider:\n  name: aws\n  stage: {stage}\n"
        "  websocketsApiName: ${env:WSAPI_TEST_API, 'fallback'}\n"
        "functions:\n  connect:\n    handler: handler.connect\n    events:\n      - websocket: $connect\n"
    )
    return tmp_path


def test_only_useDotenv_true_loads_the_file_before_env_variables_resolve(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("WSAPI_TEST_API=from-dotenv\n")
    (tmp_path / ".env.prod").write_text("WSAPI_TEST_API=from-prod\n")
    assert load_service(service(tmp_path), env={}).api_name == "from-dotenv"
    assert load_service(service(tmp_path), env={"WSAPI_TEST_API": "set"}).api_name == "set"
    assert load_service(service(tmp_path), stage="prod", env={}).api_name == "from-prod"
    assert load_service(service(tmp_path, use_dotenv="false"), env={}).api_name == "fallback"
    assert load_service(service(tmp_path, use_dotenv="${env:WSAPI_TEST_USE, false}"), env={}).api_name == "fallback"


def test_the_stage_cannot_come_from_the_file_it_chooses(tmp_path: Path) -> None:
    """Serverless resolves useDotenv and the stage before it loads the file: a stage only the file defines is
    refused there too, not silently taken from it."""
    (tmp_path / ".env").write_text("WSAPI_TEST_STAGE=prod\n")
    with pytest.raises(ConfigError) as caught:
        load_service(service(tmp_path, stage="${env:WSAPI_TEST_STAGE, 'dev'}"), env={})
    assert caught.value.lines() == [
        f'{tmp_path}/serverless.yml: provider.stage: environment variable "WSAPI_TEST_STAGE" decides which .env file to load '
        "(useDotenv), so it cannot come from that file; set it in the environment"
    ]


def test_a_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    (tmp_path / ".env").mkdir()
    with pytest.raises(ConfigError) as caught:
        resolve_variables({"useDotenv": True, "custom": {"x": "${env:A, 'a'}"}}, service_dir=tmp_path, env={})
    assert caught.value.lines()[0].startswith(f'serverless.yml: useDotenv: Failed to load environment variables from "{tmp_path}/.env": ')
