#!/usr/bin/env python3
"""Regenerate wsapi/native_identifiers.json: the primary identifier of every CloudFormation `AWS::` resource type.

Cloud Control (and so pulumi-aws-native, whose resource `id` is the Cloud Control identifier) names a resource
by its type's `primaryIdentifier`: the values of those properties, in the schema's order, joined with `|`
(https://docs.aws.amazon.com/cloudcontrolapi/latest/userguide/resource-identifier.html). The pulumi-aws-native
Python SDK keeps the set but not the order (its `get_*` functions take them alphabetically), so wsapi ships the
order, read here from the resource schemas cfn-lint carries (`cfnlint/data/schemas/`: the CloudFormation
registry schemas of every region; a type's identifier is the same in every region).

Reads the installed cfn-lint (a test requirement) without importing it. Standard library only; run by hand
after upgrading cfn-lint or pulumi-aws-native; `--check` compares and writes nothing (tests run the same
comparison).

Usage::

    python tools/regen_native_identifiers.py          # rewrite the file
    python tools/regen_native_identifiers.py --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "wsapi" / "native_identifiers.json"


def schema_folder() -> Path:
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("cfn-lint is not installed (pip install -r requirements-dev.txt)")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "schemas"


def identifiers(schemas: Path) -> dict[str, list[str]]:
    """`AWS::` type -> its primary identifier properties (nested ones as `Outer.Inner`), from every region."""
    found: dict[str, list[str]] = {}
    for region in sorted((schemas / "providers").glob("*.json")):
        if region.name == "sam.json":  # AWS SAM's transform types, not deployable resources
            continue
        for cfn_type, digest in json.loads(region.read_text()).items():
            if not cfn_type.startswith("AWS::") or cfn_type in found:
                continue
            schema = json.loads((schemas / "resources" / f"{digest}.json").read_text())
            pointers = schema.get("primaryIdentifier") or []
            if pointers:
                found[cfn_type] = [".".join(pointer.split("/")[2:]) for pointer in pointers]
    return dict(sorted(found.items()))


def document() -> str:
    schemas = schema_folder()
    date = json.loads((schemas / "version.json").read_text()).get("schema_date", "")
    source = f"cfn-lint {importlib.metadata.version('cfn-lint')} resource schemas of {date}"
    lines = [f"  {json.dumps(name)}: {json.dumps(ids)}" for name, ids in identifiers(schemas).items()]
    # one type a line: a regeneration's diff shows exactly which types changed
    return "{\n" + f'"source": {json.dumps(source)},\n"types": {{\n' + ",\n".join(lines) + "\n}\n}\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the file, write nothing")
    args = parser.parse_args()
    text = document()
    if args.check:
        current = OUTPUT.read_text() if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is out of date: run python tools/regen_native_identifiers.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT} ({len(json.loads(text)['types'])} types)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
