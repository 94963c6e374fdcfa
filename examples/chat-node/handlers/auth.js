// $connect authorizer: allow a connection whose `token` (query string, or Authorization header) matches
// CHAT_TOKEN. The user name it reads from `user` reaches the other handlers as requestContext.authorizer.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text) => createHash('sha256').update(text).digest();

function policy(principal, effect, resource, context) {
  const document = {
    principalId: principal,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] },
  };
  if (context) document.context = context;
  return document;
}

export const handler = async (event) => {
  const query = event.queryStringParameters || {};
  const headers = Object.fromEntries(Object.entries(event.headers || {}).map(([k, v]) => [k.toLowerCase(), v]));
  const token = query.token || headers.authorization || '';
  const expected = process.env.CHAT_TOKEN || '';
  const user = query.user || 'anonymous';
  if (expected && timingSafeEqual(digest(token), digest(expected))) {
    return policy(user, 'Allow', event.methodArn, { user });
  }
  return policy(user, 'Deny', event.methodArn);
};
