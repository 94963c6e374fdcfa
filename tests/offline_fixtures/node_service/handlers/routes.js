'use strict';
const fs = require('fs');
const path = require('path');

const COLD = { pid: process.pid }; // module state lives as long as the warm worker
const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/** The service's own modules this process has loaded (paths from the task root). */
function ownModules() {
  const root = process.env.LAMBDA_TASK_ROOT;
  return Object.keys(require.cache)
    .filter((file) => file.startsWith(root + path.sep) && !file.includes(`${path.sep}node_modules${path.sep}`))
    .map((file) => path.relative(root, file))
    .sort();
}

exports.inspect = async (event, context) => {
  const env = {};
  for (const name of ['ROLE', 'SHARED', 'ONLY_DEFAULT', 'IS_OFFLINE', 'WSAPI_MANAGEMENT_ENDPOINT', 'AWS_REGION', 'AWS_LAMBDA_FUNCTION_NAME']) {
    env[name] = process.env[name] === undefined ? null : process.env[name];
  }
  return {
    statusCode: 200,
    body: JSON.stringify({
      event,
      context: {
        awsRequestId: context.awsRequestId,
        functionName: context.functionName,
        functionVersion: context.functionVersion,
        invokedFunctionArn: context.invokedFunctionArn,
        memoryLimitInMB: context.memoryLimitInMB,
        logGroupName: context.logGroupName,
        logStreamName: context.logStreamName,
        remaining: context.getRemainingTimeInMillis(),
      },
      env,
      modules: ownModules(),
      pid: COLD.pid,
    }),
  };
};

exports.silent = async () => ({ statusCode: 200, body: 'never sent: the route has no route response' });

exports.boom = async () => {
  throw new Error('boom from the handler');
};

exports.slow = async (event) => {
  const request = JSON.parse(event.body);
  await sleep(request.sleep === undefined ? 3 : request.sleep);
  return { statusCode: 200, body: 'slow done' };
};

/** Returns once `count` invocations of its `group` run at the same time, each in its own process (one that
 * waited for another to finish would wait here until its timeout is near). */
exports.sideBySide = async (event, context) => {
  const request = JSON.parse(event.body);
  await sleep(0.05); // never a fast function: the pool gives concurrent invocations processes of their own
  const folder = path.join(process.env.RECORD_DIR, `group-${request.group}`);
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, String(process.pid)), '');
  while (fs.readdirSync(folder).length < request.count && context.getRemainingTimeInMillis() > 1000) {
    await sleep(0.01);
  }
  return { statusCode: 200, body: JSON.stringify({ pid: process.pid, running: fs.readdirSync(folder).length }) };
};
