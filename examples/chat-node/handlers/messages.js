// Message routes. `echo` ($default) and `sendMessage` answer through their route response; `whoami` has
// none, so it answers through the @connections management API.
import {
  ApiGatewayManagementApiClient, GetConnectionCommand, PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';

export const echo = async (event) => ({ statusCode: 200, body: event.body || '' });

export const sendMessage = async (event) => {
  let message;
  try {
    message = JSON.parse(event.body || '{}');
  } catch {
    return { statusCode: 400, body: JSON.stringify({ error: 'the body must be JSON' }) };
  }
  const text = message && message.text;
  if (typeof text !== 'string' || !text) {
    return { statusCode: 400, body: JSON.stringify({ error: 'sendMessage needs a non-empty text' }) };
  }
  const ctx = event.requestContext;
  const user = (ctx.authorizer || {}).user || 'anonymous';
  return { statusCode: 200, body: JSON.stringify({ from: user, text, messageId: ctx.messageId }) };
};

/** WSAPI_MANAGEMENT_ENDPOINT when set (wsapi offline sets it), else the API's own endpoint: never a custom
 * domain, which the management API does not serve. */
export function managementEndpoint(event) {
  if (process.env.WSAPI_MANAGEMENT_ENDPOINT) return process.env.WSAPI_MANAGEMENT_ENDPOINT;
  const ctx = event.requestContext;
  return `https://${ctx.apiId}.execute-api.${process.env.AWS_REGION || 'us-east-1'}.amazonaws.com/${ctx.stage}`;
}

export const whoami = async (event) => {
  const ctx = event.requestContext;
  const client = new ApiGatewayManagementApiClient({ endpoint: managementEndpoint(event) });
  const connection = await client.send(new GetConnectionCommand({ ConnectionId: ctx.connectionId }));
  const reply = {
    connectionId: ctx.connectionId,
    user: (ctx.authorizer || {}).user,
    sourceIp: connection.Identity && connection.Identity.SourceIp,
    connectedAt: String(connection.ConnectedAt),
  };
  await client.send(new PostToConnectionCommand({ ConnectionId: ctx.connectionId, Data: Buffer.from(JSON.stringify(reply)) }));
  return { statusCode: 200 };
};
