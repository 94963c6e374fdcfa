"""The command line as a newcomer meets it: --version, --help, the program's name as it was run, argument
errors in argparse's form, counts in words, where `-o` may write and with which mode, and a requirement that
is not installed."""

from __future__ import annotations

import argparse
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run_cli
from wsapi import cli
from wsapi.atomic import atomic_file
from wsapi.version import __version__

CHAT = ROOT / "examples" / "chat"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
ENV.pop("WSAPI_DEBUG", None)


def run(argv: list[str], env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, env={**ENV, **(env or {})}, capture_output=True, text=True, timeout=120, **kwargs)


def write_service(folder: Path, functions: dict, service: str = "svc") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "serverless.yml").write_text(
        yaml.safe_dump({"service": service, "provider": {"name": "aws", "runtime": "python3.11"}, "functions": functions})
    )
    return folder


# -- --version, --help and the program's name ------------------------------------------------------------


def pyproject_table(name: str) -> str:
    """The lines of one table of pyproject.toml (read as text: tomllib is Python 3.11+ only)."""
    text = (ROOT / "pyproject.toml").read_text()
    start = text.index(f"\n[{name}]\n") + len(name) + 4
    end = text.find("\n[", start)
    return text[start : end if end != -1 else len(text)]


def test_version_is_the_package_version_and_the_one_pyproject_builds_with() -> None:
    result = run_cli("--version")
    assert (result.returncode, result.stdout, result.stderr) == (0, f"python -m wsapi {__version__}\n", "")
    assert re.match(r"^\d+\.\d+\.\d+", __version__)
    project = pyproject_table("project")
    assert re.search(r'^dynamic = \["version"\]', project, re.M) and not re.search(r"^version\b", project, re.M)
    assert pyproject_table("tool.setuptools.dynamic").strip() == 'version = { attr = "wsapi.version.__version__" }'


def test_the_description_names_every_command_and_help_lists_them() -> None:
    result = run_cli("--help")
    assert result.returncode == 0 and result.stderr == ""
    description = result.stdout.split("\n\n")[1]
    assert set(cli.COMMANDS) == {"validate", "plan", "export", "offline", "adopt"}
    for name in cli.COMMANDS:
        assert re.search(rf"`{name}`", description), (name, description)
        assert re.search(rf"^    {name}  ", result.stdout, re.M), name


def actions_of(parser: argparse.ArgumentParser):
    """Every argparse action of `parser` and of its subcommands, with the parser it belongs to."""
    for action in parser._actions:  # argparse has no public listing of its actions
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                yield from actions_of(subparser)
        else:
            yield parser.prog, action


@pytest.mark.parametrize("parser", [cli.build_parser(), cli.build_command_parser("offline", "python -m wsapi.offline")],
                         ids=["wsapi", "wsapi.offline"])
def test_every_option_of_every_command_has_help(parser: argparse.ArgumentParser) -> None:
    actions = list(actions_of(parser))
    assert {prog for prog, _ in actions} >= ({f"wsapi {name}" for name in cli.COMMANDS} if parser.prog == "wsapi" else {parser.prog})
    missing = [(prog, action.dest) for prog, action in actions if not action.help or action.help == argparse.SUPPRESS]
    assert missing == []


def console_script(tmp_path: Path) -> Path:
    """The `wsapi` launcher pip writes from pyproject's [project.scripts] (wsapi is not installed here)."""
    (module, function), = re.findall(r'^wsapi = "([\w.]+):(\w+)"$', pyproject_table("project.scripts"), re.M)
    script = tmp_path / "bin" / "wsapi"
    script.parent.mkdir()
    script.write_text(
        "import re\nimport sys\n"
        f"from {module} import {function}\n"
        "if __name__ == '__main__':\n"
        "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n"
        f"    sys.exit({function}())\n"
    )
    return script


def test_prog_is_how_wsapi_was_run(tmp_path: Path) -> None:
    script = console_script(tmp_path)
    runs = {
        "wsapi": [sys.executable, str(script)],
        "python -m wsapi": [sys.executable, "-m", "wsapi"],
        "python -m wsapi.offline": [sys.executable, "-m", "wsapi.offline"],
    }
    for prog, argv in runs.items():
        version = run([*argv, "--version"])
        assert (version.returncode, version.stdout) == (0, f"{prog} {__version__}\n"), version.stderr
        command = [] if prog.endswith("offline") else ["validate"]
        error = run([*argv, *command, str(CHAT), "--param", "x"])
        usage_prog = " ".join([prog, *command])
        assert error.returncode == 2 and error.stdout == ""
        assert error.stderr.startswith(f"usage: {usage_prog} [-h] ")
        assert error.stderr.splitlines()[-1] == f"{usage_prog}: error: argument --param: expected KEY=VALUE, got 'x'"


# -- argument errors -------------------------------------------------------------------------------------


def usage_and_error(result: subprocess.CompletedProcess) -> tuple[str, str]:
    assert result.returncode == 2 and result.stdout == "", result
    *usage, error = result.stderr.splitlines()
    return "\n".join(usage), error


@pytest.mark.parametrize(
    ("command", "option", "value", "expected"),
    [
        ("validate", "--param", "novalue", "expected KEY=VALUE, got 'novalue'"),
        ("validate", "--param", "=x", "expected KEY=VALUE, got '=x'"),
        ("plan", "--option", "stage", "expected KEY=VALUE, got 'stage'"),
        ("plan", "--function", "auth", "expected KEY=ARN, got 'auth'"),
        ("export", "--function", "whoami:arn", "expected KEY=ARN, got 'whoami:arn'"),
        ("offline", "--option", "x", "expected KEY=VALUE, got 'x'"),
    ],
)
def test_option_value_errors_read_as_argparse_errors(command: str, option: str, value: str, expected: str) -> None:
    usage, error = usage_and_error(run_cli(command, str(CHAT), option, value))
    assert error == f"python -m wsapi {command}: error: argument {option}: {expected}"
    # the same usage lines argparse itself prints for an error of its own (a missing value)
    own_usage, own_error = usage_and_error(run_cli(command, str(CHAT), "--stage"))
    assert own_error == f"python -m wsapi {command}: error: argument --stage: expected one argument"
    assert usage == own_usage and usage.startswith(f"usage: python -m wsapi {command} [-h] ")


def test_conflicting_export_options_read_as_argparse_errors(tmp_path: Path) -> None:
    usage, error = usage_and_error(run_cli("export", str(CHAT), "--artifacts", str(tmp_path / "out")))
    assert error == "python -m wsapi export: error: argument --artifacts: the code archives belong to --with-functions"
    assert usage == usage_and_error(run_cli("export", str(CHAT), "--stage"))[0]
    _, error = usage_and_error(run_cli("export", str(CHAT), "--with-functions", "--compat", "serverless-v3"))
    assert error.startswith("python -m wsapi export: error: argument --with-functions: not allowed with --compat serverless-v3")
    assert not (tmp_path / "out").exists()


# -- what validate prints --------------------------------------------------------------------------------


def test_validate_counts_in_words(tmp_path: Path) -> None:
    one = write_service(tmp_path / "one", {
        "auth": {"handler": "h.auth"},
        "connect": {"handler": "h.connect", "events": [{"websocket": {"route": "$connect", "authorizer": "auth"}}]},
    })  # fmt: skip
    result = run_cli("validate", str(one))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "1 route, 1 function, 1 authorizer"
    none = write_service(tmp_path / "none", {"worker": {"handler": "h.work"}})
    result = run_cli("validate", str(none))
    assert result.stdout.splitlines()[-1] == "0 routes, 0 functions, 0 authorizers (no websocket events: nothing to deploy)"
    assert run_cli("validate", str(CHAT)).stdout.splitlines()[-1] == "5 routes, 5 functions, 1 authorizer"


@pytest.mark.parametrize(("name", "valid"), [("a", False), ("ab", True), ("a-1", True), ("1a", False), ("a_b", False),
                                             ("é1", False)])
def test_the_service_name_rule_is_serverless_v3s_and_the_message_says_it(tmp_path: Path, name: str, valid: bool) -> None:
    folder = write_service(tmp_path, {"connect": {"handler": "h.c", "events": [{"websocket": "$connect"}]}}, service=name)
    result = run_cli("validate", str(folder))
    if valid:
        assert result.returncode == 0, result.stderr
        return
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{folder / 'serverless.yml'}: service: {name!r} is not a valid service name: Serverless v3 requires an ASCII letter, then one or "
        "more ASCII letters, digits or dashes (2 characters at least)"
    ]


# -- where -o writes, and with which mode ----------------------------------------------------------------


def test_output_into_a_missing_folder_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "chat.json"
    result = run_cli(
        "export", str(CHAT), "--with-functions", "--artifacts", str(tmp_path / "artifacts"), "-o", str(target),
        env={"WSAPI_ARTIFACTS_DIR": str(tmp_path / "cache")},
    )  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"{target}: cannot write: the folder {tmp_path / 'missing'} does not exist\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    (tmp_path / "a-file").write_text("")
    result = run_cli("export", str(CHAT), "-o", str(tmp_path / "a-file" / "chat.json"))
    assert (result.returncode, result.stderr) == (2, f"{tmp_path / 'a-file' / 'chat.json'}: cannot write: the folder {tmp_path / 'a-file'} is not a folder\n")
    result = run_cli("export", str(CHAT), "-o", str(tmp_path))
    assert (result.returncode, result.stderr) == (2, f"{tmp_path}: cannot write: it is a folder; -o takes a file name\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def file_mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(("umask", "file", "folder"), [(0o022, 0o644, 0o755), (0o077, 0o600, 0o700), (0o002, 0o664, 0o775)])
def test_written_files_get_the_mode_the_umask_gives(tmp_path: Path, umask: int, file: int, folder: int) -> None:
    output, artifacts = tmp_path / "chat.json", tmp_path / "artifacts"
    result = run(
        [sys.executable, "-m", "wsapi", "export", str(CHAT), "--with-functions", "--artifacts", str(artifacts), "-o", str(output)],
        umask=umask, env={"WSAPI_ARTIFACTS_DIR": str(tmp_path / "cache")},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    archives = [p for p in artifacts.rglob("*") if p.is_file()]
    assert len(archives) == 1 and archives[0].suffix == ".zip"
    assert {path.name: file_mode(path) for path in (output, *archives)} == {output.name: file, archives[0].name: file}
    folders = [p for p in artifacts.rglob("*") if p.is_dir()] + [artifacts]
    assert {file_mode(p) for p in folders} == {folder}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "t.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_file(target, "w", create_folder=False) as handle:
        handle.write("partial")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["t.json"]
    with pytest.raises(FileNotFoundError) as missing, atomic_file(tmp_path / "no" / "t.json", create_folder=False):
        pass  # pragma: no cover - never entered
    assert missing.value.filename == str(tmp_path / "no") and not (tmp_path / "no").exists()


# -- a requirement that is not installed -----------------------------------------------------------------


def run_without(module: str, *argv: str, program: str = "wsapi") -> subprocess.CompletedProcess:
    """`python -m PROGRAM ARGV` in an interpreter where `module` cannot be imported, as if not installed."""
    hide = (
        f"import runpy, sys; sys.modules[{module!r}] = None; sys.argv[1:] = {list(argv)!r}; "
        f"runpy.run_module({program!r}, run_name='__main__', alter_sys=True)"
    )
    return run([sys.executable, "-c", hide], stdin=subprocess.DEVNULL)


@pytest.mark.parametrize(
    ("module", "distribution", "program", "argv"),
    [
        ("yaml", "PyYAML", "wsapi", ("validate", str(CHAT))),
        ("yaml", "PyYAML", "wsapi", ("export", str(CHAT), "--format", "yaml")),
        ("websockets", "websockets", "wsapi", ("offline", str(CHAT), "--port", "0")),
        ("websockets", "websockets", "wsapi.offline", (str(CHAT), "--port", "0")),
    ],
)
def test_a_missing_requirement_says_to_install_the_requirements(
    module: str, distribution: str, program: str, argv: tuple
) -> None:
    result = run_without(module, *argv, program=program)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"wsapi: {distribution} is not installed (no module {module!r}): "
        f"install the requirements: {sys.executable} -m pip install -r requirements.txt"
    ]


def test_a_missing_module_of_wsapi_itself_is_an_internal_error() -> None:
    result = run_without("wsapi.summary", "validate", str(CHAT))
    assert result.returncode == 1
    assert result.stderr.startswith("wsapi: internal error: ModuleNotFoundError: ") and "pip install" not in result.stderr
