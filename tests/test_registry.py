"""The registry of resource kinds is complete and the only place that knows a type: every type the compile
step can emit is registered, rendered by both renderers and listed by `wsapi plan`; no entry is unused; and
each CloudFormation type string appears in at most two modules (the step that emits it, and the registry)."""

from __future__ import annotations

import ast
import contextlib
import re
from collections import defaultdict
from pathlib import Path
from typing import Iterator

import pytest
from golden_support import CASES, case_settings
from pulumi_support import Recorder, case_environment, isolated_mocks, render

from wsapi import ConfigError, load_service
from wsapi.compile import compile_service
from wsapi.plan import COMPAT, STANDALONE, Plan
from wsapi.plan_listing import children
from wsapi.registry import kind_of, kinds
from wsapi.render_cfn import render_template

ROOT = Path(__file__).resolve().parent.parent
WSAPI = ROOT / "wsapi"
CHAT = ROOT / "examples" / "chat"
CFN_TYPE = re.compile(r"^(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+|Custom::[A-Za-z0-9]+)$")  # not pseudo parameters (AWS::Region)
#: the modules of the compile step: they emit plan resources
COMPILE_MODULES = tuple(str(path.relative_to(WSAPI)) for path in sorted((WSAPI / "compile").glob("*.py")) if path.stem != "__init__")


@pytest.fixture
def pulumi_mocks(tmp_path: Path, monkeypatch) -> Iterator[Recorder]:
    monkeypatch.setenv("WSAPI_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    yield from isolated_mocks()


def type_strings(path: Path) -> set[str]:
    """Every string constant of a module that names a CloudFormation type."""
    tree = ast.parse(path.read_text())
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str) and CFN_TYPE.match(n.value)}


def corpus_plans() -> Iterator[tuple[str, dict, Plan]]:
    """(source, settings, plan) for every corpus service and the chat example, in every mode."""
    sources = [(case, case_settings(case)) for case in CASES] + [(CHAT, {})]
    for source, settings in sources:
        with case_environment(source) if source != CHAT else contextlib.nullcontext():
            service = load_service(source, **{k: v for k, v in settings.items() if k != "env"})
            for mode, functions in ((COMPAT, False), (STANDALONE, False), (STANDALONE, True)):
                yield source.name, {**settings, "create_functions": functions}, compile_service(service, mode, with_functions=functions)


PLANS = list(corpus_plans())


def test_every_type_the_compile_step_names_is_registered() -> None:
    named = set().union(*(type_strings(WSAPI / module) for module in COMPILE_MODULES))
    registered = {kind.cfn_type for kind in kinds()}
    assert named and named <= registered, sorted(named - registered)


def test_every_registered_kind_is_emitted_by_some_service() -> None:
    emitted = {resource.type for _, _, plan in PLANS for resource in plan.resources if not resource.declared}
    assert emitted == {kind.cfn_type for kind in kinds()}
    standalone = {r.type for _, _, plan in PLANS if plan.mode == STANDALONE for r in plan.resources if not r.declared}
    assert {kind.cfn_type for kind in kinds() if kind.compat_only}.isdisjoint(standalone)


def test_each_type_string_lives_in_at_most_two_modules() -> None:
    modules = defaultdict(set)  # a package is one module: the compile step, the registry
    for path in WSAPI.rglob("*.py"):
        for name in type_strings(path):
            modules[name].add(str(path.relative_to(WSAPI).parent / path.stem).split("/")[0])
    crowded = {name: sorted(where) for name, where in modules.items() if len(where) > 2}
    assert not crowded
    for kind in kinds():  # and one of them is the registry
        assert "registry" in modules[kind.cfn_type], kind.cfn_type


def test_the_template_and_the_plan_listing_render_every_standalone_resource() -> None:
    for source, _, plan in PLANS:
        if plan.mode != STANDALONE:
            continue
        try:
            template = render_template(plan)
        except ConfigError:  # an Fn::GetAtt into the Serverless stack (see test_component_cfn.REFUSED)
            template = None
        if template is not None:
            assert {k: v["Type"] for k, v in template["Resources"].items()} == {r.key: r.type for r in plan.resources}, source
        listed = {name for _, name, _ in children(plan, "chat")}
        for resource in plan.resources:
            kind = kind_of(resource)
            if kind.pulumi_type_of(resource) is not None:
                assert kind.child_name("chat", resource) in listed, (source, resource.key)
            else:
                assert kind.folded, resource.type  # no resource of its own in Pulumi: it says why


def covering_sources() -> list[tuple[str, dict]]:
    """A few standalone sources that together emit every type Pulumi builds (picked greedily)."""
    needed = {kind.cfn_type for kind in kinds() if not kind.compat_only}
    chosen: list[tuple[str, dict]] = []
    candidates = [(s, settings, {r.type for r in p.resources if not r.declared}) for s, settings, p in PLANS if p.mode == STANDALONE]
    while needed:
        source, settings, types = max(candidates, key=lambda c: len(c[2] & needed))
        assert types & needed, f"no service emits {sorted(needed)}"
        chosen.append((source, settings))
        needed -= types
    return chosen


def test_the_component_builds_every_kind_it_registers_as_the_registry_says(pulumi_mocks: Recorder) -> None:  # noqa: ARG001
    built: set[str] = set()
    for source, settings in covering_sources():
        folder = CHAT if source == CHAT.name else next(c for c in CASES if c.name == source)
        options = {k: v for k, v in settings.items() if k != "env"}
        with case_environment(folder) if folder != CHAT else contextlib.nullcontext():
            rendered = render("chat", config=folder, **options)  # fresh mocks for each
        plan = rendered.component.plan
        registered = {r.name: r.type for r in rendered.children()}
        for resource in plan.resources:
            kind = kind_of(resource)
            if kind.pulumi_type_of(resource) is None or resource.declared:  # a service's own: test_declared.py
                continue
            assert registered[kind.child_name("chat", resource)] == kind.pulumi_type
            for extra in kind.extras(resource.properties):
                assert registered[kind.child_name("chat", resource) + extra.suffix] == extra.pulumi_type
            built.add(resource.type)
    assert built == {kind.cfn_type for kind in kinds() if kind.pulumi_type is not None}
