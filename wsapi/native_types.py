"""(Placeholder until the aws-native translator lands.) The pulumi-aws-native type token of a CloudFormation type."""


def pulumi_type(cfn_type: str) -> str:
    _, service, name = cfn_type.split("::")
    return f"aws-native:{service.lower()}:{name}"


def unsupported(cfn_type: str) -> str:
    return "" if cfn_type.startswith("AWS::") and cfn_type.count("::") == 2 else f"{cfn_type} is not a type pulumi-aws-native has"
