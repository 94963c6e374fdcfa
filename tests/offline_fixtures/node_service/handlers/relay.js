'use strict';
// Post a text to another connection through the management API with the AWS SDK v3, as deployed code does.
const {
  ApiGatewayManagementApiClient, GetConnectionCommand, PostToConnectionCommand,
} = require('@aws-sdk/client-apigatewaymanagementapi');

const client = new ApiGatewayManagementApiClient({ endpoint: process.env.WSAPI_MANAGEMENT_ENDPOINT });

exports.relay = async (event) => {
  const message = JSON.parse(event.body);
  try {
    await client.send(new PostToConnectionCommand({ ConnectionId: message.to, Data: Buffer.from(message.text) }));
  } catch (error) {
    if (error.name === 'GoneException') return { statusCode: 410, body: JSON.stringify({ gone: message.to }) };
    throw error;
  }
  const me = await client.send(new GetConnectionCommand({ ConnectionId: event.requestContext.connectionId }));
  return { statusCode: 200, body: JSON.stringify({ sent: message.to, mySourceIp: me.Identity.SourceIp }) };
};
