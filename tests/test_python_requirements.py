"""serverless-python-requirements, done by wsapi: each function's requirements installed for its own runtime
and architecture, with real wheels from PyPI (six, MarkupSafe; cached outside the repository by
`build_packages`, installed offline), in every form the plugin offers."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from build_support import members, packaged, python_service, read_member, route, write_service
from conftest import run_cli

from wsapi import build_cache, load_service
from wsapi.compile import compile_service
from wsapi.errors import ConfigError
from wsapi.plan import STANDALONE
from wsapi.python_requirements import Platform, filtered
from wsapi.render_cfn import render_template

HANDLER = "def main(event, context):\n    return {'statusCode': 200}\n"
MARKUPSAFE = "markupsafe==3.0.2\n"
ARM_LIBRARY = "markupsafe/_speedups.cpython-312-aarch64-linux-gnu.so"
X86_LIBRARY = "markupsafe/_speedups.cpython-312-x86_64-linux-gnu.so"


@pytest.fixture(autouse=True)
def fresh_cache(tmp_path: Path, monkeypatch) -> Path:
    """Each test builds into its own cache, so hits and builds are its own."""
    cache = tmp_path / "build-cache"
    monkeypatch.setenv("WSAPI_BUILD_CACHE", str(cache))
    monkeypatch.setenv("WSAPI_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    return cache


def service_folder(tmp_path: Path, config: dict, requirements: str = "six==1.17.0\n", files: dict = None) -> Path:
    return write_service(tmp_path / "svc", config, {"handler.py": HANDLER, "requirements.txt": requirements, **(files or {})})


def names(archive, tmp_path: Path) -> set:
    return set(members(archive, tmp_path))


# -- the function's own platform ---------------------------------------------------------------------------


def test_each_function_gets_wheels_for_its_own_runtime_and_architecture(tmp_path: Path) -> None:
    """The plugin without Docker installs the host's wheels (here cpython-311 x86_64) whatever the function
    runs on; wsapi installs what each function's runtime and architecture load."""
    config = python_service(
        {"arm": route("$connect"), "intel": route("$default", architecture="x86_64")},
        provider={"architecture": "arm64"}, package={"individually": True},
    )
    folder = service_folder(tmp_path, config, MARKUPSAFE)
    _, result = packaged(folder)
    assert result.problems == []
    arm, intel = names(result.code["arm"], tmp_path), names(result.code["intel"], tmp_path)
    assert ARM_LIBRARY in arm and X86_LIBRARY not in arm
    assert X86_LIBRARY in intel and ARM_LIBRARY not in intel
    assert {"handler.py", "markupsafe/__init__.py", "markupsafe-3.0.2.dist-info/RECORD".replace("markupsafe", "MarkupSafe")} <= arm
    assert not [name for name in arm if "__pycache__" in name or name.endswith(".pyc")]  # no .pyc of the host's Python


def test_functions_on_two_platforms_in_the_service_package_get_an_archive_each(tmp_path: Path) -> None:
    config = python_service(
        {"a": route("$connect"), "b": route("$default"), "old": route("ping", runtime="python3.11", architecture="x86_64"), "js": route("js", runtime="nodejs20.x")},
        provider={"architecture": "arm64"},
    )
    folder = service_folder(tmp_path, config, MARKUPSAFE)
    _, result = packaged(folder)
    assert result.problems == []
    code = result.code
    assert code["a"] is code["b"] is code["js"] and code["a"].file_name == "pyreq.zip" and code["a"].name == "Service"
    assert (code["old"].file_name, code["old"].name) == ("pyreq-python3.11-x86_64.zip", "ServicePython311X8664")
    assert ARM_LIBRARY in names(code["a"], tmp_path)
    assert "markupsafe/_speedups.cpython-311-x86_64-linux-gnu.so" in names(code["old"], tmp_path)


def test_markers_are_evaluated_for_the_function_not_for_the_machine_running_wsapi(tmp_path: Path) -> None:
    """pip skips `python_version >= "3.12"` when it runs on 3.11, whatever `--python-version` says."""
    requirements = 'six==1.17.0; python_version >= "3.12"\nmarkupsafe==3.0.2; platform_machine == "x86_64"\n'
    config = python_service({"f": route("$connect")}, provider={"architecture": "arm64"})
    _, result = packaged(service_folder(tmp_path, config, requirements))
    found = names(result.code["f"], tmp_path)
    assert "six.py" in found
    assert not any(name.startswith("markupsafe/") for name in found)


def test_a_requirement_without_a_wheel_for_the_function_is_named(tmp_path: Path) -> None:
    config = python_service({"f": route("$connect")}, provider={"architecture": "arm64"})
    folder = service_folder(tmp_path, config, "six==1.17.0\ndocopt==0.6.2\n")
    result = run_cli("plan", str(folder), "--with-functions")
    assert result.returncode == 2, result.stderr
    (line,) = [line for line in result.stderr.splitlines() if "warning" not in line]
    assert line.startswith(f"{folder}: plugins[0]: requirements.txt: docopt==0.6.2 has no wheel for python3.12 on arm64")
    assert "Lambda cannot build it from source" in line and "pipCmdExtraArgs" in line
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_the_platform_tags_follow_the_runtime_s_amazon_linux() -> None:
    assert Platform("3.11", "x86_64").pip_platforms()[0] == "manylinux_2_26_x86_64"  # Amazon Linux 2
    assert Platform("3.12", "arm64").pip_platforms()[0] == "manylinux_2_34_aarch64"  # Amazon Linux 2023
    assert Platform("3.12", "arm64").pip_platforms()[-2:] == ["manylinux_2_17_aarch64", "manylinux2014_aarch64"]
    with pytest.raises(Exception, match="not a Python 3 runtime"):
        Platform.of("python2.7", None, "functions.f.runtime")


# -- the cache and determinism -----------------------------------------------------------------------------


def test_a_second_build_installs_nothing_and_writes_the_same_bytes(tmp_path: Path, monkeypatch) -> None:
    config = python_service({"f": route("$connect")})
    folder = service_folder(tmp_path, config, MARKUPSAFE + "six==1.17.0\n")
    builds = build_cache.stats.builds
    _, first = packaged(folder)
    assert build_cache.stats.builds == builds + 1
    hits = build_cache.stats.hits
    _, second = packaged(folder)
    assert build_cache.stats.builds == builds + 1 and build_cache.stats.hits == hits + 1
    assert first.code["f"].digest == second.code["f"].digest
    # installed again from scratch (another cache): the same archive, byte for byte
    other = service_folder(tmp_path / "again", config, MARKUPSAFE + "six==1.17.0\n")
    monkeypatch.setenv("WSAPI_BUILD_CACHE", str(tmp_path / "other-cache"))
    _, third = packaged(other)
    assert third.code["f"].digest == first.code["f"].digest
    assert members(third.code["f"], tmp_path / "x") == members(first.code["f"], tmp_path / "y")


def test_invalidate_caches_installs_again_once_per_run(tmp_path: Path) -> None:
    config = python_service({"f": route("$connect"), "g": route("$default")}, settings={"invalidateCaches": True}, package={"individually": True})
    folder = service_folder(tmp_path, config)
    packaged(folder)  # fills the cache
    from wsapi import python_requirements

    python_requirements._refreshed.clear()  # a new run
    builds = build_cache.stats.builds
    _, result = packaged(folder)
    assert build_cache.stats.builds == builds + 1  # f and g share the requirements: installed once
    assert "six.py" in names(result.code["g"], tmp_path)


def test_cache_location_moves_the_cache(tmp_path: Path) -> None:
    config = python_service({"f": route("$connect")}, settings={"cacheLocation": "my-cache", "useDownloadCache": False})
    folder = service_folder(tmp_path, config)
    packaged(folder)
    assert list((folder / "my-cache" / "python-requirements").iterdir())
    assert not (folder / "my-cache" / "pip").exists()  # no download cache


# -- the plugin's options ----------------------------------------------------------------------------------


def test_slim_deletes_what_the_plugin_deletes(tmp_path: Path) -> None:
    config = python_service({"f": route("$connect")}, settings={"slim": True, "slimPatterns": ["**/*.c"]})
    _, result = packaged(service_folder(tmp_path, config, MARKUPSAFE))
    found = names(result.code["f"], tmp_path)
    assert "markupsafe/__init__.py" in found and X86_LIBRARY in found
    assert not [n for n in found if ".dist-info" in n or n.endswith((".c", ".pyc"))]
    config["custom"]["pythonRequirements"]["slimPatternsAppendDefaults"] = False
    _, result = packaged(service_folder(tmp_path / "b", config, MARKUPSAFE))
    found = names(result.code["f"], tmp_path)
    assert "MarkupSafe-3.0.2.dist-info/RECORD" in found and not [n for n in found if n.endswith(".c")]


def test_no_deploy_leaves_packages_out(tmp_path: Path) -> None:
    config = python_service({"f": route("$connect")}, settings={"noDeploy": ["six"]})
    _, result = packaged(service_folder(tmp_path, config, MARKUPSAFE + "six==1.17.0\n"))
    found = names(result.code["f"], tmp_path)
    assert "markupsafe/__init__.py" in found and not [n for n in found if n.startswith("six")]


def test_zip_ships_the_requirements_zipped_with_a_helper_that_unpacks_them(tmp_path: Path) -> None:
    config = python_service({"f": route("$connect")}, settings={"zip": True})
    _, result = packaged(service_folder(tmp_path, config))
    archive = result.code["f"]
    assert names(archive, tmp_path) == {".requirements.zip", "unzip_requirements.py", "handler.py", "requirements.txt"}
    task = tmp_path / "task"
    task.mkdir()
    for name in (".requirements.zip", "unzip_requirements.py"):
        (task / name).write_bytes(read_member(archive, name, tmp_path))
    with zipfile.ZipFile(task / ".requirements.zip") as inner:
        assert "six.py" in inner.namelist()
    unpacked = tmp_path / "sls-py-req"  # the helper's /tmp/sls-py-req, moved for the test
    helper = (task / "unzip_requirements.py").read_text().replace('"/tmp/sls-py-req"', repr(str(unpacked))).replace('dir="/tmp"', f"dir={str(tmp_path)!r}")
    (task / "unzip_requirements.py").write_text(helper)
    check = "import unzip_requirements, six; print(six.__file__)"
    answer = subprocess.run([sys.executable, "-S", "-c", check], cwd=task, env={"LAMBDA_TASK_ROOT": str(task)}, capture_output=True, text=True)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip() == str(unpacked / "six.py")


def test_vendor_folders_are_added_to_the_requirements(tmp_path: Path) -> None:
    config = python_service({"f": route("$connect")}, settings={"vendor": "vendored"})
    _, result = packaged(service_folder(tmp_path, config, files={"vendored/native/lib.py": "X = 1\n"}))
    assert {"native/lib.py", "six.py", "vendored/native/lib.py"} <= names(result.code["f"], tmp_path)


def test_requirements_file_name_and_includes(tmp_path: Path) -> None:
    config = python_service({"f": route("$connect")}, settings={"fileName": "reqs/prod.txt"})
    files = {"reqs/prod.txt": "# production\n-r base.txt\n", "reqs/base.txt": "six==1.17.0  \n\n"}
    _, result = packaged(service_folder(tmp_path, config, requirements="", files=files))
    assert "six.py" in names(result.code["f"], tmp_path)


def test_individually_with_module_folders_as_the_plugin_lays_them_out(tmp_path: Path) -> None:
    """`module`: the function's requirements from its folder, its archive holding only that folder, at the
    root (`moveModuleUp`), named `{module}-{function name}.zip`."""
    config = python_service(
        {"api": route("$connect", module="api"), "root": route("$default")}, package={"individually": True},
    )
    files = {"api/handler.py": HANDLER, "api/requirements.txt": MARKUPSAFE, "api/lib/x.py": ""}
    _, result = packaged(service_folder(tmp_path, config, files=files))
    api, root = result.code["api"], result.code["root"]
    assert api.file_name == "api-pyreq-dev-api.zip" and root.file_name == "root.zip"
    found = names(api, tmp_path)
    assert {"handler.py", "lib/x.py", "requirements.txt", "markupsafe/__init__.py"} <= found
    assert not [n for n in found if n.startswith(("api/", "six"))]
    assert "six.py" in names(root, tmp_path) and "api/handler.py" in names(root, tmp_path)


def test_a_pipfile_lock_gives_the_requirements(tmp_path: Path) -> None:
    lock = {
        "_meta": {"sources": [{"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": True}]},
        "default": {"six": {"hashes": [], "version": "==1.17.0", "markers": "python_version >= '2.7'"}},
        "develop": {"pytest": {"version": "==8.0.0"}},
    }
    config = python_service({"f": route("$connect")})
    folder = service_folder(tmp_path, config, requirements="markupsafe\n", files={"Pipfile": "[packages]\nsix = '*'\n", "Pipfile.lock": json.dumps(lock)})
    _, result = packaged(folder)
    found = names(result.code["f"], tmp_path)
    assert "six.py" in found and not [n for n in found if n.startswith("markupsafe/")]  # the Pipfile wins


def test_a_pipfile_without_its_lock_is_refused(tmp_path: Path) -> None:
    config = python_service({"f": route("$connect")})
    _, result = packaged(service_folder(tmp_path, config, files={"Pipfile": "[packages]\nsix = '*'\n"}))
    assert [(p.path, p.message) for p in result.problems] == [
        ("custom.pythonRequirements", "the service has a Pipfile but no Pipfile.lock: run `pipenv lock` (wsapi installs locked versions only)")
    ]


POETRY_PYPROJECT = """
[tool.poetry]
name = "svc"
version = "0.1.0"

[tool.poetry.dependencies]
python = "^3.11"
MarkupSafe = "^3.0"

[tool.poetry.group.dev.dependencies]
pytest = "*"

[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"
"""
POETRY_LOCK = """
[[package]]
name = "markupsafe"
version = "3.0.2"
optional = false
python-versions = ">=3.9"

[package.dependencies]
six = {version = "*", markers = "python_version >= \\"3.12\\""}
colorama = {version = "*", markers = "sys_platform == \\"win32\\""}

[[package]]
name = "six"
version = "1.17.0"
optional = false
python-versions = "*"

[[package]]
name = "colorama"
version = "0.4.6"
optional = false
python-versions = "*"

[[package]]
name = "pytest"
version = "8.0.0"
optional = false
python-versions = "*"

[metadata]
lock-version = "2.0"
python-versions = "^3.11"
content-hash = "x"
"""


def test_a_poetry_lock_gives_the_main_group_s_packages_with_their_markers(tmp_path: Path) -> None:
    config = python_service({"f": route("$connect")})
    folder = service_folder(tmp_path, config, requirements="", files={"pyproject.toml": POETRY_PYPROJECT, "poetry.lock": POETRY_LOCK})
    _, result = packaged(folder)
    assert result.problems == []
    found = names(result.code["f"], tmp_path)
    assert "markupsafe/__init__.py" in found and "six.py" in found  # six: python 3.12
    assert not [n for n in found if n.startswith(("colorama", "pytest"))]  # win32 only; the dev group
    config["custom"]["pythonRequirements"]["poetryOnlyGroups"] = ["dev"]
    folder = service_folder(tmp_path / "b", config, requirements="", files={"pyproject.toml": POETRY_PYPROJECT, "poetry.lock": POETRY_LOCK})
    _, result = packaged(folder)  # the dev group only: pytest, which has no wheel among the test's offline ones
    (problem,) = result.problems
    assert "poetry.lock: pytest==8.0.0 has no wheel for python3.12 on x86_64" in problem.message


def test_filtering_is_the_plugin_s() -> None:
    lines = ["# comment", "", "requests>=2", "-e ./local", "--extra-index-url https://x", "boto3==1.0", "Alpha", "-i https://y", "zeta<2"]
    assert filtered(lines, ["boto3"]) == ("./local", "--extra-index-url https://x", "-i https://y", "Alpha", "requests>=2", "zeta<2")


# -- layer -------------------------------------------------------------------------------------------------


def test_layer_puts_the_requirements_in_a_layer_every_python_function_gets(tmp_path: Path) -> None:
    config = python_service(
        {"own": route("$connect", layers=[{"Ref": "PythonRequirementsLambdaLayer"}]), "plain": route("$default"), "js": route("js", runtime="nodejs20.x")},
        settings={"layer": {"name": "deps", "retain": True}}, provider={"architecture": "arm64"},
    )
    folder = service_folder(tmp_path, config, MARKUPSAFE)
    service = load_service(folder)
    template = render_template(compile_service(service, STANDALONE, with_functions=True))
    resources = template["Resources"]
    layer = resources["PythonRequirementsLambdaLayer"]
    assert layer["DeletionPolicy"] == "Retain"
    assert layer["Properties"] == {
        "Content": {"S3Bucket": {"Ref": "ArtifactBucket"}, "S3Key": {"Ref": "PythonRequirementsLayerArtifactKey"}},
        "LayerName": "deps",
        "Description": "Python requirements generated by serverless-python-requirements.",
        "CompatibleRuntimes": ["python3.12"],
        "CompatibleArchitectures": ["arm64"],
    }
    assert resources["OwnLambdaFunction"]["Properties"]["Layers"] == [{"Ref": "PythonRequirementsLambdaLayer"}]
    assert resources["PlainLambdaFunction"]["Properties"]["Layers"] == [{"Ref": "PythonRequirementsLambdaLayer"}]
    assert "Layers" not in resources["JsLambdaFunction"]["Properties"]
    _, result = packaged(folder)
    (built,) = result.layers
    assert f"python/{ARM_LIBRARY}" in names(built.archive, tmp_path)
    assert not [n for n in names(result.code["plain"], tmp_path) if n.startswith("markupsafe")]


def test_layer_with_five_layers_of_the_function_s_own_is_refused(tmp_path: Path) -> None:
    own = [f"arn:aws:lambda:us-east-1:123456789012:layer:l{i}:1" for i in range(5)]
    config = python_service({"f": route("$connect", layers=own)}, settings={"layer": True})
    service = load_service(service_folder(tmp_path, config))
    with pytest.raises(ConfigError) as raised:
        compile_service(service, STANDALONE, with_functions=True)
    assert [p.message for p in raised.value.problems] == ["5 layers and the requirements layer make 6; Lambda allows 5 per function"]


# -- settings ----------------------------------------------------------------------------------------------


def test_settings_of_the_wrong_type_and_settings_that_change_nothing(tmp_path: Path) -> None:
    config = python_service({"f": route("$connect")}, settings={"slim": "yes", "dockerizePip": "non-linux", "pythonBin": "python3.12", "slimPatern": []})
    folder = service_folder(tmp_path, config)
    with pytest.raises(ConfigError) as raised:
        load_service(folder)
    assert [(p.path, p.message) for p in raised.value.problems] == [("custom.pythonRequirements.slim", "must be true or false, got a string")]
    del config["custom"]["pythonRequirements"]["slim"]
    service = load_service(service_folder(tmp_path / "b", config))
    assert service.warnings == ()  # only creating the functions concerns them
    plan = compile_service(service, STANDALONE, with_functions=True)
    assert [(w.path, w.message.split(":")[0]) for w in plan.warnings] == [
        ("custom.pythonRequirements.dockerizePip", "has no effect"),
        ("custom.pythonRequirements.pythonBin", "has no effect"),
        ("custom.pythonRequirements.slimPatern", "is not a serverless-python-requirements option; ignored"),
    ]


def test_without_the_plugin_a_requirements_file_is_just_a_file(tmp_path: Path) -> None:
    config = python_service({"f": route("$connect")})
    del config["plugins"]
    _, result = packaged(service_folder(tmp_path, config))
    assert names(result.code["f"], tmp_path) == {"handler.py", "requirements.txt"}



# -- checked against the plugin ----------------------------------------------------------------------------

PLUGIN_CASES = json.loads((Path(__file__).parent / "plugin_builds" / "cases.json").read_text())["cases"]


def test_the_archive_holds_what_the_plugin_writes_where_the_plugin_is_right(tmp_path: Path, monkeypatch) -> None:
    """On the plugin's own platform (a python3.11 x86_64 function packaged on such a host), wsapi's archive
    holds the plugin's files, byte for byte (tests/plugin_builds, recorded with serverless package), but for
    what the plugin leaves behind: its `.completed_requirements` marker, and the `.pyc` files of the host's
    Python (listed in the RECORD files too), which Lambda does not need and which would be wrong for any other
    Python."""
    import hashlib

    from build_packages import ensure

    case = PLUGIN_CASES["python-requirements"]
    monkeypatch.setenv("WSAPI_TEST_WHEELS", str(ensure("wheels") / "wheels"))
    folder = write_service(tmp_path / "svc", case["serverless"], case["files"])
    _, result = packaged(folder)
    assert result.problems == []
    (file_name,) = case["expected"]["archives"]
    assert result.code["connect"].file_name == file_name == case["expected"]["functions"]["connect"]
    theirs = {
        name: (mode, digest) for name, mode, digest in case["expected"]["archives"][file_name]
        if name != ".completed_requirements" and "__pycache__/" not in name
    }  # fmt: skip
    ours = {}
    for member in result.code["connect"].files:
        ours[member.name] = (format(member.mode, "o"), hashlib.sha256(Path(member.source).read_bytes()).hexdigest())
    assert set(ours) == set(theirs)
    records = {name for name in theirs if name.endswith(".dist-info/RECORD")}
    assert {name: ours[name] for name in set(ours) - records} == {name: theirs[name] for name in set(theirs) - records}
    for name in records:  # the plugin's RECORD lists the .pyc files it shipped
        assert "__pycache__" not in Path(next(m.source for m in result.code["connect"].files if m.name == name)).read_text()
