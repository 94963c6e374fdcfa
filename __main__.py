"""The Pulumi program: deploy the WebSocket API of the serverless.yml named by `wsapi:serverlessConfig`."""

import os

import pulumi

from wsapi import WebSocketApi, WebSocketApiArgs, load_service

config = pulumi.Config("wsapi")
serverless_config = os.path.join(os.path.dirname(os.path.abspath(__file__)), config.require("serverlessConfig"))
stage = config.get("stage")
plain_params = {**(config.get_object("params") or {}), **(config.get_object("secretParams") or {})}
params = config.get_object("params") or {}
if pulumi.runtime.is_config_secret("wsapi:params"):  # set with --secret: every value stays a Pulumi secret
    params = {key: pulumi.Output.secret(value) for key, value in params.items()}
# wsapi:secretParams (pulumi config set --secret --path 'wsapi:secretParams.KEY'): ${param:KEY} values that stay secrets
params.update({key: pulumi.Output.secret(value) for key, value in (config.get_object("secretParams") or {}).items()})
functions = config.get_object("functions") or {}
create_functions = config.get_bool("createFunctions") or False
# the Serverless stack to take over (README "Move a deployed Serverless stack to Pulumi"): a describe-stack-resources
# answer saved as JSON (relative to the project), or the stack's name
adopt = config.get("adopt")
if adopt and os.path.isfile(os.path.join(os.path.dirname(os.path.abspath(__file__)), adopt)):
    adopt = os.path.join(os.path.dirname(os.path.abspath(__file__)), adopt)
name = config.get("name") or load_service(serverless_config, stage=stage, params=plain_params).name

api = WebSocketApi(
    name,
    WebSocketApiArgs(
        config=serverless_config, stage=stage, params=params, functions=functions, create_functions=create_functions,
        adopt=adopt or None,
    ),
)

pulumi.export("url", api.url)
pulumi.export("managementEndpoint", api.management_endpoint)
pulumi.export("apiId", api.api_id)
pulumi.export("functionArns", api.function_arns)
pulumi.export("customDomainUrls", api.custom_domain_urls)
for output_name, value in api.outputs.items():  # the service's own resources.Outputs, as Serverless's stack has them
    pulumi.export(output_name, value)
