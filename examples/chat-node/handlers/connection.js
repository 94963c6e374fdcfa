// $connect and $disconnect: accept the connection and log it.

export const connect = async (event) => {
  const ctx = event.requestContext;
  console.log(JSON.stringify({ connected: ctx.connectionId, user: (ctx.authorizer || {}).user }));
  return { statusCode: 200 };
};

export const disconnect = async (event) => {
  const ctx = event.requestContext;
  console.log(JSON.stringify({ disconnected: ctx.connectionId, status: ctx.disconnectStatusCode }));
  return { statusCode: 200 };
};
