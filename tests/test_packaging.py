"""Function code archives hold exactly what Serverless v3 would put in them.

`tests/packaging/cases.json` records, for one service folder (`tree.json`: sources, caches, tests, docs,
`.git`, `.serverless`, `node_modules`, symlinks, executables, ready-made zips) and eleven package settings, the
members and modes of every archive `serverless package` (3.40.0) wrote and which archive each function (and
each of the service's own layers) uses;
`glob_cases.json` records what Serverless's micromatch matches for 60 patterns. Both are regenerated with
`tools/regen_packaging.py`; the tests need no npm.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from wsapi import ConfigError, load_service
from wsapi.compile import compile_service
from wsapi.globs import escapes_folder, glob_matcher
from wsapi.packaging import (
    DEFAULT_EXCLUDES,
    S3Code,
    cached_archive,
    function_code,
    list_files,
    package_functions,
    select_files,
    write_archive,
)
from wsapi.plan import CodeArchive

import packaging_support
from packaging_support import zip_members

HERE = Path(__file__).parent / "packaging"
TREE = json.loads((HERE / "tree.json").read_text())
CASES = json.loads((HERE / "cases.json").read_text())["cases"]
GLOBS = json.loads((HERE / "glob_cases.json").read_text())


def write_tree(root: Path, tree: dict = TREE) -> Path:
    return packaging_support.write_tree(root, tree)


@pytest.fixture(autouse=True)
def artifacts_cache(tmp_path: Path, monkeypatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("WSAPI_ARTIFACTS_DIR", str(cache))
    return cache


def service_in(folder: Path, config: dict):
    (folder / "serverless.yml").write_text(json.dumps(config, indent=2))
    return load_service(folder)


# -- Serverless's own answers ------------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", [c["pattern"] for c in GLOBS["cases"]])
def test_globs_match_what_micromatch_matches(pattern: str) -> None:
    expected = next(c["matches"] for c in GLOBS["cases"] if c["pattern"] == pattern)
    match = glob_matcher(pattern)
    assert sorted(p for p in GLOBS["paths"] if match(p)) == expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_archive_holds_exactly_what_serverless_packages(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    service = service_in(write_tree(tmp_path / "svc"), case["serverless"])
    packaged = package_functions(service, list(case["serverless"]["functions"]))
    code, problems = packaged.code, packaged.problems
    assert problems == []
    expected = case["expected"]
    # the service's own layers the functions name: their archives and properties
    layers = {layer.key: layer for layer in packaged.layers}
    assert {key: layer.archive.file_name for key, layer in layers.items()} == {
        key: layer["archive"] for key, layer in expected.get("layers", {}).items()
    }
    for key, layer in expected.get("layers", {}).items():
        assert dict(layers[key].properties) == layer["properties"], key
    # which archive each function gets
    assert {key: archive.file_name for key, archive in code.items()} == expected["functions"]
    # the archives wsapi builds: same members, same modes, as the bytes it uploads
    archives = [*code.values(), *(layer.archive for layer in packaged.layers)]
    built = {archive.file_name: archive for archive in archives if archive.source is None}
    assert set(built) == set(expected["archives"])
    for file_name, archive in built.items():
        target = write_archive(archive, tmp_path / "out" / file_name)
        assert zip_members(target) == expected["archives"][file_name], file_name
        assert [f.name for f in archive.files] == [m for m, _ in expected["archives"][file_name]]
    # ready-made artifacts are used as they are
    for archive in archives:
        if archive.source is not None:
            assert Path(archive.source).read_bytes() == (tmp_path / "svc" / "build" / archive.file_name).read_bytes()


# -- semantics worth naming --------------------------------------------------------------------------------


def test_default_excludes_are_serverless_v3s() -> None:
    # node_modules is not among them: Serverless drops only Node dev dependencies, found with `npm ls`
    assert DEFAULT_EXCLUDES == (
        ".git/**", ".gitignore", ".DS_Store", "npm-debug.log", "yarn-*.log", ".serverless/**", ".serverless_plugins/**",
    )


def test_last_matching_pattern_wins_and_a_repeated_pattern_counts_once() -> None:
    files = ["lib/a.py", "lib/b.py", "README.md"]
    assert select_files(files, [], ["!lib/**", "lib/a.py"]) == ["lib/a.py", "README.md"]
    assert select_files(files, [], ["lib/a.py", "!lib/**"]) == ["README.md"]
    assert select_files(files, ["lib/**", "!lib/b.py"], []) == ["lib/b.py", "README.md"]  # `!` in excludes re-includes


def test_a_pattern_names_files_not_folders() -> None:
    assert not glob_matcher("src")("src/a.py")
    assert glob_matcher("src/**")("src/a.py") and glob_matcher("src/**")("src/b/c.py")
    assert glob_matcher("**/*.py")("a.py")  # `**/` also matches no folder at all


def test_symlinks_are_followed_and_loops_are_not(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "a.py").write_text("")
    os.symlink("..", tmp_path / "lib" / "up")  # would list forever
    os.symlink("lib", tmp_path / "again")
    os.symlink("missing.py", tmp_path / "broken.py")
    assert list_files(tmp_path) == ["again/a.py", "lib/a.py"]


def test_patterns_that_leave_the_service_folder_are_refused(tmp_path: Path) -> None:
    assert escapes_folder("../shared/**") and escapes_folder("!../x") and escapes_folder("/etc/passwd")
    assert escapes_folder("{src,../x}/**") and not escapes_folder("src/..x/**")
    config = {
        "service": "pack",
        "provider": {"name": "aws", "runtime": "python3.11"},
        "package": {"patterns": ["handlers/**", "../shared/**"]},
        "functions": {"connect": {"handler": "handlers/connection.connect", "events": [{"websocket": "$connect"}]}},
    }
    service = service_in(write_tree(tmp_path / "svc"), config)
    with pytest.raises(ConfigError) as raised:
        compile_service(service, with_functions=True)
    assert raised.value.lines() == [
        f"{tmp_path / 'svc' / 'serverless.yml'}: package.patterns[1]: '../shared/**' reaches outside the service "
        "folder; Lambda cannot unpack such entries (copy the files into the service folder)"
    ]


def test_nothing_to_package_and_a_missing_artifact_are_errors_with_their_paths(tmp_path: Path) -> None:
    config = {
        "service": "pack",
        "provider": {"name": "aws", "runtime": "python3.11"},
        "package": {"patterns": ["!**"]},
        "functions": {
            "connect": {"handler": "h.connect", "events": [{"websocket": "$connect"}]},
            "other": {"handler": "h.other", "package": {"artifact": "dist/other.zip"}, "events": [{"websocket": "x"}]},
        },
    }
    service = service_in(write_tree(tmp_path / "svc"), config)
    _, problems = function_code(service, ["connect", "other"])
    assert [(p.path, p.message.split(" (")[0]) for p in problems] == [
        ("functions.other.package.artifact", "cannot read the package artifact 'dist/other.zip'"),
        ("package", "no file matches the include / exclude patterns; nothing to package"),
    ]


def test_an_artifact_in_s3_is_used_where_it_is(tmp_path: Path) -> None:
    config = {
        "service": "pack",
        "provider": {"name": "aws", "runtime": "python3.11"},
        "package": {"artifact": "s3://my-bucket/builds/app.zip"},
        "functions": {
            "connect": {"handler": "h.connect", "events": [{"websocket": "$connect"}]},
            "other": {
                "handler": "h.other",
                "package": {"artifact": "https://bucket-2.s3.eu-west-1.amazonaws.com/x/other.zip"},
                "events": [{"websocket": "x"}],
            },
        },
    }
    code, problems = function_code(service_in(tmp_path, config), ["connect", "other"])
    assert problems == []
    assert code == {"connect": S3Code("my-bucket", "builds/app.zip"), "other": S3Code("bucket-2", "x/other.zip")}


def test_archives_are_deterministic_and_content_addressed(tmp_path: Path, artifacts_cache: Path) -> None:
    config = CASES["include-only"]["serverless"]
    first = function_code(service_in(write_tree(tmp_path / "a"), config), ["connect"])[0]["connect"]
    second = function_code(service_in(write_tree(tmp_path / "b"), config), ["connect"])[0]["connect"]
    assert first == second  # the same files elsewhere: the same archive
    one = write_archive(first, tmp_path / "one.zip").read_bytes()
    two = write_archive(second, tmp_path / "two.zip").read_bytes()
    assert one == two
    with zipfile.ZipFile(io.BytesIO(one)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    cached = cached_archive(first)
    assert cached.parent == artifacts_cache and first.digest in cached.name and cached.read_bytes() == one
    (tmp_path / "b" / "handlers" / "auth.py").write_text("changed")
    changed = function_code(service_in(tmp_path / "b", config), ["connect"])[0]["connect"]
    assert changed.digest != first.digest
    assert changed.s3_key("pack", "dev") != first.s3_key("pack", "dev")
    assert first.s3_key("pack", "dev") == f"pack/dev/pack-{first.digest[:16]}.zip"


def test_a_ready_made_artifact_shared_by_functions_is_one_archive(tmp_path: Path) -> None:
    config = {
        "service": "pack",
        "provider": {"name": "aws", "runtime": "python3.11"},
        "functions": {
            "connect": {"handler": "app.h", "package": {"artifact": "build/app.zip"}, "events": [{"websocket": "$connect"}]},
            "default": {"handler": "app.h", "package": {"artifact": "./build/app.zip"}, "events": [{"websocket": "$default"}]},
        },
    }
    code, _ = function_code(service_in(write_tree(tmp_path), config), ["connect", "default"])
    assert code["connect"] is code["default"] or code["connect"] == code["default"]
    assert isinstance(code["connect"], CodeArchive) and code["connect"].functions == ("connect", "default")
    assert code["connect"].name == "ConnectFunction"


def test_the_service_layers_folders_are_left_out(tmp_path: Path) -> None:
    """Serverless packages a service's own layers separately and keeps their folders out of the functions'
    archives (recorded by hand: `serverless package` contacts AWS for layers, so the corpus cannot)."""
    config = {
        "service": "pack",
        "provider": {"name": "aws", "runtime": "python3.11"},
        "layers": {"shared": {"path": "layer"}},
        "package": {"patterns": ["!node_modules/**"]},
        "functions": {"connect": {"handler": "h.c", "events": [{"websocket": "$connect"}]}},
    }
    code, _ = function_code(service_in(write_tree(tmp_path), config), ["connect"])
    names = [f.name for f in code["connect"].files]
    assert "layer/python/shared.py" not in names and "handlers/auth.py" in names
