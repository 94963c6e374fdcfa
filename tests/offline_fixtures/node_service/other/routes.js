'use strict';
const path = require('path');

exports.inspect = async () => {
  const root = process.env.LAMBDA_TASK_ROOT;
  const modules = Object.keys(require.cache)
    .filter((file) => file.startsWith(root + path.sep) && !file.includes(`${path.sep}node_modules${path.sep}`))
    .map((file) => path.relative(root, file))
    .sort();
  const env = {};
  for (const name of ['ROLE', 'SHARED', 'ONLY_DEFAULT']) env[name] = process.env[name] === undefined ? null : process.env[name];
  return { statusCode: 200, body: JSON.stringify({ env, modules, pid: process.pid }) };
};
