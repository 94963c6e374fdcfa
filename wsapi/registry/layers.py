"""Lambda layers wsapi builds (serverless-python-requirements' `layer`): `AWS::Lambda::LayerVersion`, its
content the archive wsapi built (uploaded by Pulumi, read from S3 by a template)."""

from __future__ import annotations

from typing import Any

from ..plan import CodeArchive, Plan, Resource, readable
from .base import Builder, Kind, register, same_names


class LayerVersion(Kind):
    cfn_type = "AWS::Lambda::LayerVersion"
    pulumi_type = "aws:lambda/layerVersion:LayerVersion"
    ref = "arn"  #: the version's ARN, what a function's Layers take
    attributes = {"LayerVersionArn": "arn"}

    inputs = {
        **same_names("LayerName", "Description", "LicenseInfo", "CompatibleRuntimes", "CompatibleArchitectures"),
    }
    consumed = ("Content",)

    def describe(self, plan: Plan, r: Resource) -> str:
        p = r.properties
        return f"{p['LayerName']} {','.join(p.get('CompatibleRuntimes', []))} content={readable(p['Content'])}"

    def build(self, b: Builder, r: Resource) -> Any:
        p = b.props(r)
        content = p["Content"]
        assert isinstance(content, CodeArchive), "a layer's content is an archive wsapi built"
        return b.aws.lambda_.LayerVersion(
            b.name(r), code=b.archive(content), **self.arguments(b, p), opts=b.options(r), **b.regional(),
        )


register(LayerVersion)
