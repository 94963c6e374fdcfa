"""Data-driven: every folder under tests/invalid holds a broken serverless.yml and expected.txt, the exact
lines `wsapi validate` must print (exit 2, nothing on stdout, no traceback)."""

import time
from pathlib import Path

import pytest

from conftest import run_cli

CASES = sorted(p for p in (Path(__file__).parent / "invalid").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_invalid_config_is_rejected_with_every_problem(case: Path) -> None:
    expected = (case / "expected.txt").read_text().splitlines()
    started = time.monotonic()
    result = run_cli("validate", "serverless.yml", cwd=case)
    elapsed = time.monotonic() - started
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == expected
    assert "Traceback" not in result.stderr
    assert elapsed < 30  # the "under a second" is measured by bench/, this only guards against hangs


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_export_rejects_the_same_config_and_writes_nothing(case: Path, tmp_path: Path) -> None:
    out = tmp_path / "template.json"
    result = run_cli("export", "serverless.yml", "-o", str(out), cwd=case)
    assert result.returncode == 2
    assert result.stderr.splitlines() == (case / "expected.txt").read_text().splitlines()
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("char", ["\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029", "\x00", "\x1b"])
def test_a_problem_stays_on_one_line_whatever_its_key_holds(char):
    """Every character str.splitlines() breaks on, and other control characters, come out escaped."""
    from wsapi.errors import Problem

    line = Problem(f"functions.a{char}b", f"bad {char!r} and {char}").format(f"dir{char}/serverless.yml")
    assert len(line.splitlines()) == 1 and char not in line
    assert line.startswith("dir\\") and ".a\\" in line


#: Cases whose problems every command must report alike (one reader, one answer): settings of the wrong type,
#: a stage AWS refuses, a value a `.env` file gives (useDotenv applies to every command).
EVERY_COMMAND_CASES = ["function-setting-types", "stage-name", "dotenv-expansion", "lambda-name-too-long"]


@pytest.mark.parametrize("command", [["plan"], ["plan", "--with-functions"], ["offline", "--port", "0"]], ids=" ".join)
@pytest.mark.parametrize("name", EVERY_COMMAND_CASES)
def test_every_command_refuses_the_same_config_with_the_same_lines(name: str, command: list[str]) -> None:
    case = Path(__file__).parent / "invalid" / name
    result = run_cli(command[0], "serverless.yml", *command[1:], cwd=case)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == (case / "expected.txt").read_text().splitlines()
