"""serverless-esbuild and serverless-plugin-typescript, reproduced with the service's own esbuild and tsc (real
packages from npm, cached outside the repository by `build_packages`): the archives hold, byte for byte, what
the plugins' archives hold (`tests/plugin_builds/cases.json`, recorded from `serverless package` with the plugins
by `tools/regen_plugin_builds.py`); what wsapi does better; and the clear errors for what it cannot build."""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path

import build_packages
import pytest
from build_support import packaged, route, write_service
from conftest import run_cli

from wsapi import build_cache

HERE = Path(__file__).parent / "plugin_builds"
CASES = {name: case for name, case in json.loads((HERE / "cases.json").read_text())["cases"].items() if case.get("npm")}


@pytest.fixture(autouse=True)
def fresh_cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WSAPI_BUILD_CACHE", str(tmp_path / "build-cache"))
    monkeypatch.setenv("WSAPI_ARTIFACTS_DIR", str(tmp_path / "artifacts"))


def case_folder(tmp_path: Path, name: str) -> Path:
    case = CASES[name]
    return write_service(tmp_path / name, case["serverless"], case["files"], node=case["npm"], copy_all=case.get("copy_node_modules", False))


def written_members(archive, tmp_path: Path) -> list:
    """[name, mode, sha256] of every member of the archive as wsapi writes it."""
    from wsapi.packaging import write_archive

    target = write_archive(archive, tmp_path / "written" / f"{archive.digest}.zip")
    with zipfile.ZipFile(target) as zipped:
        return sorted(
            [info.filename, format((info.external_attr >> 16) & 0o777, "o"), hashlib.sha256(zipped.read(info)).hexdigest()]
            for info in zipped.infolist()
        )  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_archive_holds_what_the_plugin_writes(name: str, tmp_path: Path) -> None:
    expected = CASES[name]["expected"]
    _, result = packaged(case_folder(tmp_path, name))
    assert result.problems == []
    assert {key: archive.file_name for key, archive in result.code.items()} == expected["functions"]
    built = {archive.file_name: archive for archive in result.code.values()}
    assert set(built) == set(expected["archives"])
    for file_name, archive in built.items():
        assert written_members(archive, tmp_path) == expected["archives"][file_name], file_name


def test_a_second_build_is_found_in_the_cache(tmp_path: Path) -> None:
    folder = case_folder(tmp_path, "esbuild-service")
    _, first = packaged(folder)
    builds, hits = build_cache.stats.builds, build_cache.stats.hits
    _, second = packaged(folder)
    assert (build_cache.stats.builds, build_cache.stats.hits) == (builds, hits + 1)
    assert first.code["connect"].digest == second.code["connect"].digest
    assert not (folder / ".esbuild").exists()  # the scratch folder is removed


def test_the_sdk_the_runtime_ships_is_left_external(tmp_path: Path) -> None:
    """serverless-esbuild excludes aws-sdk (v2) only, which nodejs18.x and later do not ship: a handler
    importing @aws-sdk/client-s3 fails to bundle there. wsapi leaves the runtime's own SDK external."""
    handler = 'import { S3Client } from "@aws-sdk/client-s3";\nexport const main = async () => ({ statusCode: 200, body: typeof S3Client });\n'
    config = {
        "service": "svc", "provider": {"name": "aws", "runtime": "nodejs20.x"}, "plugins": ["serverless-esbuild"],
        "functions": {"connect": route("$connect", "src/h.main")},
    }
    _, result = packaged(write_service(tmp_path / "svc", config, {"src/h.ts": handler}, node="npm5"))
    assert result.problems == []
    (member,) = [f for f in result.code["connect"].files]
    assert member.name == "src/h.js" and 'require("@aws-sdk/client-s3")' in Path(member.source).read_text()


def test_typescript_7_is_used_as_a_command(tmp_path: Path) -> None:
    """serverless-plugin-typescript 2 calls TypeScript's JavaScript API, which TypeScript 7 (the native
    compiler) no longer has; wsapi runs the service's tsc."""
    files = {"src/h.ts": "export const main = async (): Promise<{ statusCode: number }> => ({ statusCode: 200 });\n"}
    config = {
        "service": "svc", "provider": {"name": "aws", "runtime": "nodejs20.x"}, "plugins": ["serverless-plugin-typescript"],
        "functions": {"connect": route("$connect", "src/h.main")},
    }
    _, result = packaged(write_service(tmp_path / "svc", config, files, node="npm7"))
    assert result.problems == []
    names = {f.name: f for f in result.code["connect"].files}
    assert "exports.main" in Path(names["src/h.js"].source).read_text()


@pytest.mark.parametrize(
    "plugin, tool",
    [("serverless-esbuild", "esbuild is a peer dependency: `npm install --save-dev esbuild`"), ("serverless-plugin-typescript", "or `npm install --save-dev typescript@5`")],
)
def test_without_the_service_s_own_tool_the_error_says_what_to_run(tmp_path: Path, plugin: str, tool: str) -> None:
    config = {
        "service": "svc", "provider": {"name": "aws", "runtime": "nodejs20.x"}, "plugins": [plugin],
        "functions": {"connect": route("$connect", "src/h.main")},
    }
    folder = write_service(tmp_path / "svc", config, {"src/h.ts": "export const main = async () => ({});\n"})
    result = run_cli("plan", str(folder), "--with-functions")
    assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr
    (line,) = errors(result)
    assert line.startswith(f"{folder}: plugins[0]: ") and "is not installed in" in line
    assert f"run `npm install` there ({tool})" in line


def test_an_esbuild_error_is_one_line_naming_the_file(tmp_path: Path) -> None:
    config = {
        "service": "svc", "provider": {"name": "aws", "runtime": "nodejs20.x"}, "plugins": ["serverless-esbuild"],
        "functions": {"connect": route("$connect", "src/h.main")},
    }
    folder = write_service(tmp_path / "svc", config, {"src/h.ts": 'import x from "not-installed";\nexport const main = x;\n'}, node="npm5")
    _, result = packaged(folder)
    (problem,) = result.problems
    assert problem.path == "plugins[0]"
    assert problem.message == 'esbuild cannot bundle src/h.ts: src/h.ts:1:14: Could not resolve "not-installed"'


def errors(result) -> list:
    """The problems a command printed, without its warnings (each plugin wsapi does not run gets one)."""
    return [line for line in result.stderr.splitlines() if ": warning: " not in line]


# -- build plugins wsapi does not reproduce ----------------------------------------------------------------


def service_with(tmp_path: Path, plugins: list, **more) -> Path:
    config = {
        "service": "svc", "provider": {"name": "aws", "runtime": "nodejs20.x"}, "plugins": plugins,
        "functions": {
            "connect": route("$connect", "h.main"), "default": route("$default", "h.main"),
            "py": route("ping", "h.main", runtime="python3.12"),
        },
        **more,
    }
    return write_service(tmp_path / "svc", config, {"h.js": "exports.main = async () => ({});\n", "h.py": ""})


def test_a_build_plugin_wsapi_does_not_reproduce_stops_the_functions_it_builds(tmp_path: Path) -> None:
    folder = service_with(tmp_path, ["serverless-offline", "serverless-webpack"])
    result = run_cli("export", str(folder), "--with-functions")
    assert result.returncode == 2 and result.stdout == ""
    assert errors(result) == [
        f"{folder}: plugins[1]: serverless-webpack bundles the handlers with webpack, which wsapi does not do: the "
        "functions connect, default would be shipped unbuilt. Give each a built archive (package.artifact), or create "
        "them elsewhere and pass them (functions= / --function KEY=ARN)"
    ]  # the Python function is not webpack's; serverless-offline leaves the code alone
    assert run_cli("export", str(folder)).returncode == 0  # the API alone creates no function


def test_the_ways_out_a_built_archive_or_functions_from_elsewhere(tmp_path: Path) -> None:
    folder = service_with(tmp_path, ["serverless-bundle"])
    config = json.loads((folder / "serverless.yml").read_text())
    config["functions"]["connect"]["package"] = {"artifact": "dist/connect.zip"}
    (folder / "serverless.yml").write_text(json.dumps(config))
    (folder / "dist").mkdir()
    with zipfile.ZipFile(folder / "dist" / "connect.zip", "w") as archive:
        archive.writestr("h.js", "exports.main = async () => ({});\n")
    arn = "arn:aws:lambda:us-east-1:123456789012:function:svc-dev-default"
    result = run_cli("export", str(folder), "--with-functions", "--function", f"default={arn}")
    assert result.returncode == 0, result.stderr


def test_an_unknown_plugin_stops_function_creation_unless_said_to_leave_the_code_alone(tmp_path: Path) -> None:
    folder = service_with(tmp_path, ["serverless-my-own-plugin"])
    result = run_cli("plan", str(folder), "--with-functions")
    assert result.returncode == 2
    (line,) = errors(result)
    assert line == (
        f"{folder}: plugins[0]: wsapi does not know whether serverless-my-own-plugin builds or changes the code of "
        "the functions connect, default, py, which would then be shipped unbuilt. Give each a built archive "
        "(package.artifact), or create them elsewhere and pass them (functions= / --function KEY=ARN), or, if "
        "serverless-my-own-plugin leaves the code alone, list it under custom.wsapi.codeUnchangedBy"
    )
    config = json.loads((folder / "serverless.yml").read_text())
    config["custom"] = {"wsapi": {"codeUnchangedBy": ["serverless-my-own-plugin"]}}
    (folder / "serverless.yml").write_text(json.dumps(config))
    assert run_cli("plan", str(folder), "--with-functions").returncode == 0


def test_the_test_packages_are_outside_the_repository() -> None:
    root = Path(__file__).resolve().parent.parent
    assert not Path(os.path.commonpath([build_packages.cache(), root])) == root


def test_development_dependencies_of_a_linked_install_are_left_out_too(tmp_path: Path) -> None:
    """A package linked into node_modules (a shared install) resolves its own dependencies from its real
    folder, outside the service; those installed beside the link are the service's, and are left out with it
    (Serverless's `npm ls` does not follow the link, and ships them)."""
    from wsapi.node_packages import dev_excludes

    folder = write_service(tmp_path / "svc", {"service": "svc"}, {"package.json": json.dumps({"dependencies": {"ms": "2.1.3"}, "devDependencies": {"esbuild": "0.28.2"}})}, node="npm5")
    excluded = dev_excludes(folder)
    assert "node_modules/esbuild/**" in excluded and "node_modules/.bin/esbuild" in excluded
    assert [p for p in excluded if p.startswith("node_modules/@esbuild/")]  # esbuild's platform binary
    assert not [p for p in excluded if p.startswith("node_modules/ms")]
