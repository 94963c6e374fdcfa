// Allow X-Token: allow, deny X-Token: deny; `raise` -> Unauthorized, `crash` -> a failure. An ES module.
import { record } from './record.js';

function policy(effect, resource, context) {
  const document = {
    principalId: 'user-1',
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] },
  };
  if (context !== undefined) document.context = context;
  return document;
}

export const handler = async (event) => {
  record('auth', event);
  const token = event.headers['X-Token'] || event.headers['x-token'];
  if (token === 'raise') throw new Error('Unauthorized');
  if (token === 'crash') throw new TypeError('authorizer bug');
  if (token === 'allow') return policy('Allow', event.methodArn, { user: 'ann', level: 3, admin: true });
  return policy('Deny', event.methodArn);
};
