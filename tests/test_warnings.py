"""Data-driven: every folder under tests/warnings holds a serverless.yml wsapi accepts and expected.txt, the exact
warnings it must print on stderr (exit 0): what wsapi reads and does not apply, each with its path. `command`
(optional) replaces `validate serverless.yml`."""

import shlex
from pathlib import Path

import pytest

from conftest import run_cli

CASES = sorted(p for p in (Path(__file__).parent / "warnings").iterdir() if p.is_dir())


def command(case: Path) -> list[str]:
    given = case / "command"
    return shlex.split(given.read_text()) if given.exists() else ["validate", "serverless.yml"]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_thing_wsapi_does_not_apply_is_one_warning_with_its_path(case: Path) -> None:
    result = run_cli(*command(case), cwd=case)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == (case / "expected.txt").read_text().splitlines()
    assert result.stdout


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_under_configValidationMode_error_what_serverless_warns_about_stops_every_command(case: Path, tmp_path: Path) -> None:
    """The schema's findings (unknown keys, unsupported events) become errors; wsapi's own warnings stay warnings."""
    for item in case.iterdir():
        (tmp_path / item.name).write_bytes(item.read_bytes())
    config = tmp_path / "serverless.yml"
    config.write_text("configValidationMode: error\n" + config.read_text())
    expected = (case / "expected.txt").read_text().splitlines()
    schema = [line for line in expected if "Serverless and wsapi ignore it" in line]
    result = run_cli(*command(case), cwd=tmp_path)
    if not schema:
        assert result.returncode == 0 and result.stderr.splitlines() == expected
        return
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        line.replace(": warning: ", ": ", 1) + " (configValidationMode: error)" for line in schema
    ] + [line for line in expected if line not in schema]
