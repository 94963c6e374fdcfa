"""(Placeholder until the aws-native translator lands.)"""
