'use strict';
// node_service's relay.js with the AWS SDK v2 (nodejs16.x and older runtimes shipped it).
const AWS = require('aws-sdk');

const api = new AWS.ApiGatewayManagementApi({ endpoint: process.env.WSAPI_MANAGEMENT_ENDPOINT });

exports.relay = async (event) => {
  const message = JSON.parse(event.body);
  try {
    await api.postToConnection({ ConnectionId: message.to, Data: message.text }).promise();
  } catch (error) {
    if (error.code === 'GoneException') return { statusCode: 410, body: JSON.stringify({ gone: message.to }) };
    throw error;
  }
  const me = await api.getConnection({ ConnectionId: event.requestContext.connectionId }).promise();
  return { statusCode: 200, body: JSON.stringify({ sent: message.to, mySourceIp: me.Identity.SourceIp }) };
};
