"""`--compat serverless-v3` reproduces, resource for resource, what `serverless package` (v3) wrote for
every service of the corpus in tests/golden (regenerate with tools/regen_golden.py)."""

import copy
import dataclasses
import json
from pathlib import Path

import pytest

from golden_support import CASES, DEPLOYMENT, case_settings, expected_part, load_case, websocket_part
from wsapi.compile import compile_service
from wsapi.plan import COMPAT
from wsapi.render_cfn import render_template
from conftest import run_cli


def compat_template(case: Path) -> dict:
    return render_template(compile_service(load_case(case), COMPAT))


def deployment_id(template: dict) -> str:
    return next(k for k in template["Resources"] if DEPLOYMENT.match(k))


def test_the_corpus_covers_enough_services() -> None:
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_compat_export_equals_serverless_package(case: Path) -> None:
    ours = websocket_part(compat_template(case))
    expected = expected_part(case)
    assert list(ours["Resources"]) == list(expected["Resources"]) or set(ours["Resources"]) == set(expected["Resources"])
    for key, resource in expected["Resources"].items():
        assert ours["Resources"][key] == resource, key
    assert ours["Outputs"] == expected["Outputs"]


@pytest.mark.parametrize("case", CASES[:3], ids=[c.name for c in CASES[:3]])
def test_cli_compat_export_matches_the_library(case: Path, tmp_path: Path) -> None:
    settings = case_settings(case)
    args = ["export", str(case), "--compat", "serverless-v3", "-o", str(tmp_path / "out.json")]
    if settings["stage"]:
        args += ["--stage", settings["stage"]]
    if settings["region"]:
        args += ["--region", settings["region"]]
    for key, value in settings["params"].items():
        args += ["--param", f"{key}={value}"]
    for key, value in settings["options"].items():
        args += ["--option", f"{key}={value}"]
    result = run_cli(*args, env=settings["env"])
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "out.json").read_text()) == compat_template(case)


def compat_deployment_id(service) -> str:
    return deployment_id(render_template(compile_service(service, COMPAT)))


def test_deployment_id_is_stable_for_an_unchanged_service() -> None:
    case = next(c for c in CASES if c.name == "large-service")
    assert compat_deployment_id(load_case(case)) == compat_deployment_id(load_case(case))


@pytest.mark.parametrize(
    "change",
    [
        lambda s: dataclasses.replace(s, routes=s.routes[:-1]),
        lambda s: dataclasses.replace(s, routes=tuple(dataclasses.replace(r, route_key=r.route_key + "X") if i == len(s.routes) - 1 else r for i, r in enumerate(s.routes))),
        lambda s: dataclasses.replace(s, description="another description"),
        lambda s: dataclasses.replace(s, route_selection_expression="$request.body.type"),
        lambda s: dataclasses.replace(s, log_retention_in_days=30),
        lambda s: dataclasses.replace(s, logs=dataclasses.replace(s.logs, level="ERROR")),
    ],
    ids=["route removed", "route renamed", "description", "selection expression", "log retention", "log level"],
)
def test_deployment_id_changes_whenever_a_websocket_resource_changes(change) -> None:
    service = load_case(next(c for c in CASES if c.name == "logs-retention-data-protection"))
    assert service.logs is not None and service.log_retention_in_days != 30
    assert compat_deployment_id(change(service)) != compat_deployment_id(service)


def test_deployment_id_ignores_settings_that_create_nothing() -> None:
    service = load_case(next(c for c in CASES if c.name == "basic-string-routes"))
    assert service.logs is None  # without websocket logs there is no log group for the retention to change
    assert compat_deployment_id(dataclasses.replace(service, log_retention_in_days=30)) == compat_deployment_id(service)


def test_unsupported_or_unknown_functions_are_refused_in_compat_mode() -> None:
    from wsapi.errors import ConfigError

    plan = compile_service(load_case(CASES[0]), COMPAT)
    with pytest.raises(ConfigError) as raised:
        render_template(plan, {"connect": "arn:aws:lambda:us-east-1:1:function:x"})
    assert "--compat" in raised.value.lines()[0]


def test_rendering_never_mutates_the_plan() -> None:
    plan = compile_service(load_case(next(c for c in CASES if c.name == "large-service")), COMPAT)
    before = copy.deepcopy(plan)
    template = render_template(plan)
    template["Resources"]["WebsocketsApi"]["Properties"]["Name"] = "changed"
    assert plan == before


DECLARING = [case for case in CASES if load_case(case).declared.resources]


@pytest.mark.parametrize("case", DECLARING, ids=[c.name for c in DECLARING])
def test_the_standalone_export_holds_the_services_own_resources_as_serverless_deploys_them(case: Path) -> None:
    """`resources:` as Serverless merges it into its template: each declared resource, the overrides of the
    generated ones, parameters, conditions and outputs, written the same way (the standalone export deploys
    them itself)."""
    service = load_case(case)
    ours = render_template(compile_service(service))
    expected = json.loads((case / "expected.json").read_text())
    for key in service.declared.resources:
        if key in expected["Resources"] and not DEPLOYMENT.match(key):
            generated = key in websocket_part(expected)["Resources"]
            if generated:  # an override: the properties Serverless merged in are there too
                for name, value in expected["Resources"][key].get("Properties", {}).items():
                    if name in service.declared.resources[key].get("Properties", {}):
                        assert ours["Resources"][key]["Properties"][name] == value, (key, name)
            else:
                assert ours["Resources"][key] == expected["Resources"][key], key
    for section in ("Parameters", "Conditions", "Mappings"):
        declared = {k: v for k, v in expected.get(section, {}).items() if k in getattr(service.declared, section.lower())}
        assert {k: v for k, v in ours.get(section, {}).items() if k in declared} == declared
    for key in service.declared.outputs:
        assert ours["Outputs"][key] == expected["Outputs"][key], key
