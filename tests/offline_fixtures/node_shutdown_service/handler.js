'use strict';
const { spawn } = require('child_process');

const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

exports.disconnect = async () => {
  await sleep(0.3);
  return { statusCode: 200 };
};

exports.slow = async (event) => {
  console.log('slow started');
  await sleep(JSON.parse(event.body).sleep);
  return { statusCode: 200, body: 'slow done' };
};

/** Never returns: ignores SIGTERM, starts a process of its own, says which processes to look for. */
exports.stuck = async () => {
  process.on('SIGTERM', () => {});
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  process.stdout.write(`${JSON.stringify({ worker: process.pid, child: child.pid })}\n`);
  for (;;) { /* spin */ }
};
