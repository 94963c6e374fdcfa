'use strict';
// Lambda's nodejs18.x and later runtimes provide the AWS SDK v3; this service never installed it.
const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');

exports.handler = async () => ({ statusCode: 200, body: typeof DynamoDBClient });
