"""checkov on the standalone template of every corpus service and example: no failed check on what wsapi
creates, except the three a config may choose (no retention, no access log, no KMS key), and only when it
did choose so.

checkov cannot share a virtualenv with pulumi (it pins `packaging<24`, pulumi needs >=26), so it lives in
its own: `.venv-scan` (see the README's test command), or wherever WSAPI_CHECKOV points.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT
from golden_support import CASES, load_case
from wsapi import load_service
from wsapi.compile import compile_service
from wsapi.errors import ConfigError
from wsapi.model import Service
from wsapi.render_cfn import render_template

EXAMPLES = sorted(p.parent for p in (ROOT / "examples").glob("*/serverless.yml"))
CHECKOV = Path(os.environ.get("WSAPI_CHECKOV", ROOT / ".venv-scan" / "bin" / "checkov"))


def allowed_failures(service: Service) -> set[str]:
    """The checks a config may fail by its own choice."""
    allowed = set()
    if service.log_retention_in_days is None:
        allowed.add("CKV_AWS_66")  # CloudWatch log group retention
    if service.logs is None or not service.logs.access_logging:
        allowed.add("CKV_AWS_95")  # API Gateway V2 access logging
    if service.log_kms_key_arn is None:
        allowed.add("CKV_AWS_158")  # CloudWatch log group KMS encryption
    return allowed


#: With `--with-functions`, Lambda-level controls wsapi does not offer yet (it refuses `vpc`, `onError`/
#: destinations and `kmsKeyArn` with their path) and the function log groups' KMS key; reserved concurrency
#: and retention are the config's choice. Everything else (IAM, permissions, the API) must pass.
FUNCTION_CHOICES = {"CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_173", "CKV_AWS_158", "CKV_AWS_66"}
WITH_FUNCTIONS = "--functions"


@pytest.fixture(scope="module")
def checkov_results(tmp_path_factory) -> dict[str, dict]:
    assert CHECKOV.exists(), (
        f"checkov not found at {CHECKOV}: python3 -m venv .venv-scan && "
        ".venv-scan/bin/pip install -r requirements-scan.txt (or set WSAPI_CHECKOV)"
    )
    folder = tmp_path_factory.mktemp("templates")
    services: dict[str, Service] = {}
    for source in CASES + EXAMPLES:
        service = load_case(source) if source in CASES else load_service(source)
        try:
            template = render_template(compile_service(service))
        except ConfigError:
            continue  # refused for standalone (a GetAtt into the Serverless stack): nothing to scan
        (folder / f"{source.name}.json").write_text(json.dumps(template))
        services[source.name] = service
    for example in EXAMPLES:
        service = load_service(example)
        template = render_template(compile_service(service, with_functions=True))
        (folder / f"{example.name}{WITH_FUNCTIONS}.json").write_text(json.dumps(template))
        services[example.name + WITH_FUNCTIONS] = service
    run = subprocess.run(
        [str(CHECKOV), "-d", str(folder), "--framework", "cloudformation", "--compact",
         "--skip-download", "-o", "json"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    reports = json.loads(run.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    failed: dict[str, set[str]] = {name: set() for name in services}
    passed: dict[str, int] = {name: 0 for name in services}
    for report in reports:
        results = report.get("results", {})
        for check in results.get("failed_checks", []):
            name = Path(check["file_path"]).stem
            logical_id = check["resource"].rsplit(".", 1)[-1]
            declared = services[name].declared.resources.get(logical_id)
            if declared is not None and "Type" in declared and logical_id not in generated(name, services[name]):
                continue  # the service's own resource, as it declared it: its choices, not wsapi's
            failed[name].add(check["check_id"])
        for check in results.get("passed_checks", []):
            passed[Path(check["file_path"]).stem] += 1
    return {name: {"service": services[name], "failed": failed[name], "passed": passed[name]} for name in services}


def generated(name: str, service: Service) -> set[str]:
    """Logical ids wsapi generates for a scanned template (an override of one is wsapi's to answer for)."""
    plan = compile_service(service, with_functions=name.endswith(WITH_FUNCTIONS))
    return {resource.key for resource in plan.resources if not resource.declared}


def test_every_scannable_config_was_scanned(checkov_results) -> None:
    # every service, and each example once more with its functions
    assert len(checkov_results) == len(CASES) + 2 * len(EXAMPLES)
    assert all(result["passed"] > 0 for result in checkov_results.values())


@pytest.mark.parametrize("name", [c.name for c in CASES] + [e.name for e in EXAMPLES])
def test_checkov_finds_nothing_the_config_did_not_choose(name: str, checkov_results) -> None:
    result = checkov_results[name]
    assert result["failed"] <= allowed_failures(result["service"]), result["failed"]


def test_the_scanner_catches_a_missing_retention(tmp_path: Path) -> None:
    """Guard the guard: checkov run the same way does flag a template wsapi would never write."""
    template = render_template(compile_service(load_service(ROOT / "examples" / "chat")))
    template["Resources"]["WebsocketsLogGroup"]["Properties"].pop("RetentionInDays")
    (tmp_path / "t.json").write_text(json.dumps(template))
    run = subprocess.run(
        [str(CHECKOV), "-f", str(tmp_path / "t.json"), "--framework", "cloudformation", "--quiet", "--compact",
         "--skip-download", "-o", "json"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    failed = {c["check_id"] for c in json.loads(run.stdout)["results"]["failed_checks"]}
    assert "CKV_AWS_66" in failed


@pytest.mark.parametrize("name", [e.name for e in EXAMPLES])
def test_checkov_on_the_export_with_functions_fails_nothing_about_grants(name: str, checkov_results) -> None:
    result = checkov_results[name + WITH_FUNCTIONS]
    assert result["passed"] > checkov_results[name]["passed"]  # the functions and their role were scanned too
    assert result["failed"] <= allowed_failures(result["service"]) | FUNCTION_CHOICES, result["failed"]
