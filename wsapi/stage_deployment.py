"""Point an existing stage at a new deployment.

With an external `provider.apiGateway.websocketApiId`, Serverless's Deployment carries `StageName`, and
CloudFormation then moves that existing stage (which nobody in this stack owns) to the new deployment.
pulumi-aws's `apigatewayv2.Deployment` has no such input, so this dynamic resource does the same with one
`UpdateStage` call on create and update. On delete it does nothing: the stage is not ours, and it keeps
serving its last deployment, as it does when a Serverless stack drops its Deployment.

It calls AWS with boto3's default credentials and the region it is given (the component's region).
"""

from __future__ import annotations

from typing import Any, Optional

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult

#: Changing one of these points a different stage: replace (create the new pointer) rather than update.
IDENTITY = ("api_id", "stage_name", "region")


def point_stage(props: dict[str, Any]) -> None:
    import boto3  # imported where the engine runs the provider, not at program start

    client = boto3.client("apigatewayv2", region_name=props.get("region") or None)
    client.update_stage(ApiId=props["api_id"], StageName=props["stage_name"], DeploymentId=props["deployment_id"])


class StageDeploymentProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        point_stage(props)
        return CreateResult(id_=f"{props['api_id']}/{props['stage_name']}", outs=props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [key for key in IDENTITY if olds.get(key) != news.get(key)]
        changed = bool(replaces) or olds.get("deployment_id") != news.get("deployment_id")
        return DiffResult(changes=changed, replaces=replaces, delete_before_replace=False)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        point_stage(news)
        return UpdateResult(outs=news)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None  # not our stage: it keeps its last deployment


class StageDeployment(Resource):
    """`{api_id}/{stage_name}` serves `deployment_id`."""

    def __init__(
        self,
        name: str,
        *,
        api_id: pulumi.Input[str],
        stage_name: pulumi.Input[str],
        deployment_id: pulumi.Input[str],
        region: pulumi.Input[Optional[str]],
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        props = {"api_id": api_id, "stage_name": stage_name, "deployment_id": deployment_id, "region": region}
        super().__init__(StageDeploymentProvider(), name, props, opts)
