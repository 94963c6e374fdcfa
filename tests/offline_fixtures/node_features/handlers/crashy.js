'use strict';
// Ways a Node.js process fails, each answered as Lambda answers it; `pid` says which process runs.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

exports.handler = async (event) => {
  const request = JSON.parse(event.body);
  if (request.mode === 'unhandled') {
    Promise.reject(new Error('a rejection nobody handles'));
    await sleep(200);
  } else if (request.mode === 'uncaught') {
    setTimeout(() => {
      throw new Error('thrown from a timer');
    }, 10);
    await sleep(200);
  } else if (request.mode === 'exit') {
    process.exit(3);
  }
  return { statusCode: 200, body: JSON.stringify({ pid: process.pid }) };
};

exports.logs = async (event, context) => {
  console.log('log line %d', 42, { a: 1 });
  console.info('info line');
  console.warn('warn line');
  console.error('error line');
  console.debug('debug line');
  return { statusCode: 200, body: JSON.stringify({ requestId: context.awsRequestId }) };
};
