"""The service's own layers (`layers:`): read by validate, built by plan/export/the component for the functions
that name them (`{Ref: {Layer}LambdaLayer}`). What Serverless writes for them is checked against its own
output elsewhere: tests/golden/service-layers (template, Pulumi == CloudFormation) and the `service-layers`
case of tests/packaging (archives)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from conftest import run_cli

from wsapi import ConfigError, load_service
from wsapi.compile import compile_service
from wsapi.plan import STANDALONE
from wsapi.render_cfn import render_template

HANDLER = "def main(event, context):\n    return {'statusCode': 200}\n"


@pytest.fixture(autouse=True)
def artifacts_cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WSAPI_ARTIFACTS_DIR", str(tmp_path / "artifacts"))


def service(tmp_path: Path, layers: dict, function_layers: list = None, **top) -> Path:
    folder = tmp_path / "svc"
    (folder / "layer" / "python").mkdir(parents=True, exist_ok=True)
    (folder / "layer" / "python" / "shared.py").write_text("X = 1\n")
    (folder / "handler.py").write_text(HANDLER)
    connect = {"handler": "handler.main", "events": [{"websocket": "$connect"}]}
    if function_layers is not None:
        connect["layers"] = function_layers
    config = {
        "service": "lay", "provider": {"name": "aws", "runtime": "python3.11"}, "layers": layers,
        "functions": {"connect": connect, "default": {"handler": "handler.main", "events": [{"websocket": "$default"}]}},
        **top,
    }
    (folder / "serverless.yml").write_text(json.dumps(config))
    return folder


def template(folder: Path) -> dict:
    return render_template(compile_service(load_service(folder), STANDALONE, with_functions=True))


def test_a_layer_the_functions_name_is_created_and_used(tmp_path: Path) -> None:
    folder = service(tmp_path, {"shared": {"path": "layer", "retain": True}}, [{"Ref": "SharedLambdaLayer"}])
    resources = template(folder)["Resources"]
    layer = resources["SharedLambdaLayer"]
    assert layer["Properties"] == {
        "Content": {"S3Bucket": {"Ref": "ArtifactBucket"}, "S3Key": {"Ref": "SharedLayerArtifactKey"}},
        "LayerName": "shared",
    }
    assert (layer["DeletionPolicy"], layer["UpdateReplacePolicy"]) == ("Retain", "Retain")  # old versions kept
    assert resources["ConnectLambdaFunction"]["Properties"]["Layers"] == [{"Ref": "SharedLambdaLayer"}]
    assert "Layers" not in resources["DefaultLambdaFunction"]["Properties"]


def test_plan_lists_the_layer_and_export_writes_its_archive(tmp_path: Path) -> None:
    folder = service(tmp_path, {"shared": {"path": "layer"}}, [{"Ref": "SharedLambdaLayer"}])
    plan = run_cli("plan", str(folder), "--with-functions")
    assert plan.returncode == 0, plan.stderr
    (line,) = [line for line in plan.stdout.splitlines() if "aws:lambda:LayerVersion" in line]
    assert "lay-layer-shared" in line and "create" in line
    out = tmp_path / "out"
    out.mkdir()
    export = run_cli("export", str(folder), "--with-functions", "--artifacts", str(out), "-o", str(out / "t.json"))
    assert export.returncode == 0, export.stderr
    key = json.loads((out / "t.json").read_text())["Parameters"]["SharedLayerArtifactKey"]["Default"]
    with zipfile.ZipFile(out / key) as archive:
        assert archive.namelist() == ["python/shared.py"]


def test_a_layer_no_created_function_names_is_not_created(tmp_path: Path) -> None:
    folder = service(tmp_path, {"shared": {"path": "missing-folder"}})
    resources = template(folder)["Resources"]
    assert not [key for key, body in resources.items() if body["Type"] == "AWS::Lambda::LayerVersion"]


def test_the_provider_s_layers_name_them_too(tmp_path: Path) -> None:
    folder = service(tmp_path, {"shared": {"path": "layer"}})
    config = json.loads((folder / "serverless.yml").read_text())
    config["provider"]["layers"] = [{"Ref": "SharedLambdaLayer"}]
    (folder / "serverless.yml").write_text(json.dumps(config))
    resources = template(folder)["Resources"]
    assert resources["DefaultLambdaFunction"]["Properties"]["Layers"] == [{"Ref": "SharedLambdaLayer"}]
    assert resources["SharedLambdaLayer"]["Type"] == "AWS::Lambda::LayerVersion"


def test_validate_reports_bad_layer_settings_with_their_paths(tmp_path: Path) -> None:
    layers = {
        "a": {"path": 3, "compatibleArchitectures": ["arm"], "retain": "yes", "size": 1},
        "b": {"name": "bad name", "description": "x" * 257},
        "c": {},
        "d": {"path": "layer", "allowedAccounts": ["*"]},
    }
    result = run_cli("validate", str(service(tmp_path, layers)))
    assert result.returncode == 2
    label = str(tmp_path / "svc" / "serverless.yml")
    assert result.stderr.splitlines() == [
        f"{label}: layers.a.size: unknown setting; expected one of: path, name, description, compatibleRuntimes, compatibleArchitectures, licenseInfo, retain, allowedAccounts, package",
        f"{label}: layers.a.path: must be a string, got a number",
        f"{label}: layers.a.compatibleArchitectures[0]: must be arm64 or x86_64, got 'arm'",
        f"{label}: layers.a.retain: must be true or false, got a string",
        f"{label}: layers.b.path: is required (the folder packaged as the layer), unless package.artifact gives a built zip",
        f"{label}: layers.b.name: 'bad name' is not a valid layer name (1-140 letters, digits, - and _, or a layer ARN)",
        f"{label}: layers.b.description: must be at most 256 characters",
        f"{label}: layers.c.path: is required (the folder packaged as the layer), unless package.artifact gives a built zip",
        f"{label}: layers.d.allowedAccounts: wsapi does not share layers with other accounts; leave it out and add the layer version permission yourself",
    ]


def test_a_layer_s_unresolved_value_stops_only_the_functions_that_use_it(tmp_path: Path) -> None:
    layers = {"shared": {"path": "layer", "description": "${output:layers.description}"}}
    unused = service(tmp_path / "unused", layers)
    assert run_cli("validate", str(unused)).returncode == 0
    assert "Layers" not in template(unused)["Resources"]["ConnectLambdaFunction"]["Properties"]
    used = service(tmp_path / "used", layers, [{"Ref": "SharedLambdaLayer"}])
    assert run_cli("validate", str(used)).returncode == 0
    with pytest.raises(ConfigError) as raised:
        template(used)
    (problem,) = raised.value.problems
    assert problem.path == "layers.shared.description" and "output:layers.description" in problem.message


@pytest.mark.parametrize(
    "layer, path, message",
    [
        ({"path": "nowhere"}, "layers.shared.path", "'nowhere' is not a folder of the service"),
        ({"path": "layer", "package": {"patterns": ["!**"]}}, "layers.shared.path", "no file of the layer's folder matches"),
        ({"package": {"artifact": "s3://bucket/layer.zip"}}, "layers.shared.package.artifact", "a layer's artifact must be a local zip"),
        ({"package": {"artifact": "build/none.zip"}}, "layers.shared.package.artifact", "cannot read the layer artifact 'build/none.zip'"),
    ],
    ids=["missing folder", "no file", "artifact in S3", "missing artifact"],
)
def test_a_layer_that_cannot_be_built_is_a_problem_of_its_setting(tmp_path: Path, layer: dict, path: str, message: str) -> None:
    folder = service(tmp_path, {"shared": layer}, [{"Ref": "SharedLambdaLayer"}])
    with pytest.raises(ConfigError) as raised:
        template(folder)
    (problem,) = raised.value.problems
    assert problem.path == path and problem.message.startswith(message)


def test_a_ready_made_layer_artifact_is_shipped_as_it_is(tmp_path: Path) -> None:
    folder = service(tmp_path, {"shared": {"package": {"artifact": "build/layer.zip"}}}, [{"Ref": "SharedLambdaLayer"}])
    (folder / "build").mkdir()
    with zipfile.ZipFile(folder / "build" / "layer.zip", "w") as archive:
        archive.writestr("python/built.py", "Y = 2\n")
    plan = compile_service(load_service(folder), STANDALONE, with_functions=True)
    content = plan.resource("SharedLambdaLayer").properties["Content"]
    assert content.source == str(folder / "build" / "layer.zip") and content.file_name == "layer.zip"
