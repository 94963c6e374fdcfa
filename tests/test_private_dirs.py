"""The folders wsapi keeps built code in (the component's archive cache, the build cache, a service's
`cacheLocation`) are the user's alone: created mode 0700, refused when they are symbolic links, another user's,
or writable by group or others, since whoever can write there chooses the code deployed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from build_support import python_service, route, write_service
from conftest import run_cli
from pulumi_support import isolated_mocks
from test_component_functions import render, service_folder, small_service

from wsapi import ConfigError, build_cache
from wsapi.packaging import cache_dir
from wsapi.private_dirs import UnsafeFolder, private_folder


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_a_missing_folder_is_created_for_the_user_alone_with_its_parents(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "cache"
    old = os.umask(0)  # even with a permissive umask
    try:
        assert private_folder(target) == target
    finally:
        os.umask(old)
    assert mode(target) == 0o700 and mode(target.parent) == 0o700 and mode(target.parent.parent) == 0o700
    assert private_folder(target) == target  # an existing private folder is used as it is


def test_a_folder_of_the_user_not_writable_by_others_is_used(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir(mode=0o755)
    os.chmod(tmp_path / "shared", 0o755)
    assert private_folder(tmp_path / "shared") == tmp_path / "shared"


def test_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(UnsafeFolder, match=r"link is a symbolic link, which could be pointed elsewhere"):
        private_folder(tmp_path / "link")


@pytest.mark.parametrize("bits, who", [(0o775, "group"), (0o757, "others"), (0o777, "group and others")])
def test_a_folder_writable_by_group_or_others_is_refused(tmp_path: Path, bits: int, who: str) -> None:
    folder = tmp_path / "open"
    folder.mkdir()
    os.chmod(folder, bits)
    with pytest.raises(UnsafeFolder) as raised:
        private_folder(folder)
    assert raised.value.message == f"{folder} is writable by {who} (mode {bits:04o}), who could change the code deployed; run chmod go-w {folder}"


def test_a_folder_of_another_user_is_refused(tmp_path: Path) -> None:
    if os.getuid() == 0:  # root gives a folder away; anyone else finds one: / is root's
        folder = tmp_path / "theirs"
        folder.mkdir(mode=0o755)
        os.chown(folder, 4242, -1)
        owner = 4242
    else:
        folder, owner = Path("/"), 0
    with pytest.raises(UnsafeFolder, match=rf"belongs to another user \(uid {owner}\)"):
        private_folder(folder)


def test_a_file_where_the_folder_should_be_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(UnsafeFolder, match="is not a folder"):
        private_folder(tmp_path / "file")


def test_the_default_caches_are_created_private(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("WSAPI_ARTIFACTS_DIR", raising=False)
    monkeypatch.delenv("WSAPI_BUILD_CACHE", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    artifacts = cache_dir()
    assert artifacts == tmp_path / "tmp" / f"wsapi-artifacts-{os.getuid()}" and mode(artifacts) == 0o700
    builds = build_cache.cache_root()
    assert builds == tmp_path / "xdg" / "wsapi" / "builds" and mode(builds) == 0o700


def test_the_component_refuses_an_archive_cache_others_can_write_before_registering_anything(tmp_path: Path, monkeypatch) -> None:
    shared = tmp_path / "shared-artifacts"
    shared.mkdir()
    os.chmod(shared, 0o777)
    monkeypatch.setenv("WSAPI_ARTIFACTS_DIR", str(shared))
    for recorder in isolated_mocks():
        with pytest.raises(ConfigError) as raised:
            render("chat", config=service_folder(tmp_path / "svc", small_service()), create_functions=True, recorder=recorder)
        assert raised.value.lines()[-1].endswith(
            f"WSAPI_ARTIFACTS_DIR: the archive cache cannot be used: {shared} is writable by group and others (mode 0777), "
            f"who could change the code deployed; run chmod go-w {shared}"
        )
        assert recorder.resources == []


def test_a_cache_location_that_is_a_symbolic_link_is_refused_with_its_setting(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WSAPI_BUILD_CACHE", str(tmp_path / "builds"))
    config = python_service({"f": route("$connect")}, settings={"cacheLocation": "cache"})
    folder = write_service(tmp_path / "svc", config, {"handler.py": "", "requirements.txt": "six==1.17.0\n"})
    (tmp_path / "elsewhere").mkdir()
    (folder / "cache").symlink_to(tmp_path / "elsewhere")
    result = run_cli("export", str(folder), "--with-functions")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{folder}: custom.pythonRequirements.cacheLocation: the build cache cannot be used: {folder / 'cache'} is a "
        "symbolic link, which could be pointed elsewhere; give the real folder instead"
    ]
