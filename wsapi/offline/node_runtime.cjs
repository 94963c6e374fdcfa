'use strict';
/*
 * The Node.js runtime each Node function's worker process runs under `wsapi offline`, as Lambda's Node.js
 * runtime runs in a sandbox: load the handler once (the init phase, with the function's environment already
 * set), then invoke it for every request read from the channel, one at a time, and stay warm between
 * invocations. It implements the worker protocol that workers.py specifies (launch arguments, frames,
 * messages, stopping), as runtime.py does for Python.
 *
 *   node node_runtime.cjs FD CONFIG
 *
 * Lambda's semantics it keeps: handler resolution (`dir/file.export.nested`, an extensionless file, `.js`
 * as CommonJS unless the nearest package.json says "type": "module", then `.mjs` and `.cjs`, then Node's own
 * resolution from the task root); async handlers answer when their promise settles; callback handlers answer
 * when the event loop is empty after `callback(err, result)`, or at once with
 * `context.callbackWaitsForEmptyEventLoop = false`; a handler that never answers answers null once the loop
 * is empty (an async one: Runtime.NodeJsExit); only the first of callback/succeed/fail/done counts;
 * `console` lines carry the time, the request id and the level; an uncaught exception or unhandled rejection
 * fails the invocation and ends the process (exit status 129 and 128), which the server then replaces; from
 * nodejs24.x a callback handler is refused at init. Standard library only, CommonJS whatever the service's
 * package.json says.
 */

const fs = require('fs');
const net = require('net');
const path = require('path');
const util = require('util');
const { pathToFileURL } = require('url');
const { performance } = require('perf_hooks');

const MAX_FRAME = 64 * 1024 * 1024;
const STACK_ENTRY = /^\s+at /;
const RUNTIME_MAJOR = Number((/nodejs(\d+)/.exec(process.env.AWS_EXECUTION_ENV || '') || [])[1]) || 0;

// -- errors ------------------------------------------------------------------------------------------------

class RuntimeError extends Error {
  constructor(type, message) {
    super(message);
    this.name = type;
  }
}

function isErrorLike(value) {
  return util.types.isNativeError(value) || (value !== null && typeof value === 'object' &&
    typeof value.name === 'string' && typeof value.message === 'string' && typeof value.stack === 'string');
}

/** The `    at ...` lines of an error's stack (its header repeats the type and message), up to the runtime's
 * own frames, which say nothing about the handler. */
function stackEntries(error) {
  const lines = typeof error.stack === 'string' ? error.stack.split('\n') : [];
  const first = lines.findIndex((line) => STACK_ENTRY.test(line));
  if (first === -1) return [];
  const entries = lines.slice(first);
  const ours = entries.findIndex((line) => line.includes(__filename));
  return ours === -1 ? entries : entries.slice(0, ours);
}

/** Lambda's error shape for what a handler threw, rejected with or passed to its callback. */
function errorShape(error, stack) {
  if (isErrorLike(error)) {
    return { errorType: error.name, errorMessage: error.message, stackTrace: stack || stackEntries(error) };
  }
  return { errorType: typeof error, errorMessage: String(error), stackTrace: [] };
}

// -- logging: console as Lambda's runtime patches it --------------------------------------------------------

let requestId; // the invocation running (undefined during init, as in Lambda)

function patchConsole() {
  const logger = (level) => (...parts) => {
    process.stdout.write(`${new Date().toISOString()}\t${requestId}\t${level}\t${util.format(...parts)}\n`);
  };
  console.trace = logger('TRACE');
  console.debug = logger('DEBUG');
  console.info = logger('INFO');
  console.log = console.info;
  console.warn = logger('WARN');
  console.error = logger('ERROR');
  console.fatal = logger('FATAL');
}

// -- loading the handler ------------------------------------------------------------------------------------

function typeModule(folder) {
  // the nearest package.json decides; a node_modules folder or the root ends the search
  for (let dir = folder; ; dir = path.dirname(dir)) {
    if (dir.endsWith(`${path.sep}node_modules`)) return false;
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      try {
        return JSON.parse(fs.readFileSync(file, 'utf8')).type === 'module';
      } catch (error) {
        console.warn(`${file} cannot be read, it will be ignored for ES module detection purposes.`, error);
        return false;
      }
    }
    if (path.dirname(dir) === dir) return false;
  }
}

async function importFile(file) {
  return import(pathToFileURL(file).href);
}

async function loadModule(taskRoot, moduleRoot, moduleName) {
  const base = path.resolve(taskRoot, moduleRoot, moduleName);
  if (fs.existsSync(base)) return require(base);
  const esm = fs.existsSync(`${base}.js`) && typeModule(path.dirname(base));
  if (fs.existsSync(`${base}.js`)) return esm ? importFile(`${base}.js`) : require(`${base}.js`);
  if (fs.existsSync(`${base}.mjs`)) return importFile(`${base}.mjs`);
  if (fs.existsSync(`${base}.cjs`)) return require(`${base}.cjs`);
  let resolved;
  try {
    resolved = require.resolve(moduleName, { paths: [taskRoot, path.resolve(taskRoot, moduleRoot)] });
  } catch (error) {
    const where = path.relative(taskRoot, base) || moduleName;
    throw new RuntimeError('Runtime.ImportModuleError',
      `Error: Cannot find module '${moduleRoot}${moduleName}' (no ${where}.js, .mjs or .cjs in ${taskRoot})`);
  }
  return require(resolved);
}

/** A load error's message on one line: Node's require stack shortened to the module that required it. */
function loadErrorMessage(error) {
  const lines = String(error.message).split('\n');
  const requiredBy = lines.indexOf('Require stack:');
  if (requiredBy !== -1 && lines[requiredBy + 1]) {
    return `${error.name}: ${lines[0]} (required by ${lines[requiredBy + 1].replace(/^- /, '')})`;
  }
  if (error instanceof SyntaxError) {
    const where = /^(\/[^\n]*:\d+)\n/.exec(error.stack || '');
    return `${error.name}: ${error.message}${where ? ` (${where[1]})` : ''}`;
  }
  return `${error.name}: ${lines[0]}`;
}

async function loadHandler(taskRoot, handler) {
  if (handler.includes('..')) {
    throw new RuntimeError('Runtime.MalformedHandlerName',
      `'${handler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`);
  }
  const base = path.basename(handler);
  const moduleRoot = handler.slice(0, handler.length - base.length);
  const dot = base.indexOf('.');
  if (dot === -1) throw new RuntimeError('Runtime.MalformedHandlerName', 'Bad handler');
  let loaded;
  try {
    loaded = await loadModule(taskRoot, moduleRoot, base.slice(0, dot));
  } catch (error) {
    if (error instanceof RuntimeError || !isErrorLike(error)) throw error;
    if (error instanceof SyntaxError) throw new RuntimeError('Runtime.UserCodeSyntaxError', loadErrorMessage(error));
    if (error.code === 'MODULE_NOT_FOUND') throw new RuntimeError('Runtime.ImportModuleError', loadErrorMessage(error));
    throw error;
  }
  const fn = base.slice(dot + 1).split('.').reduce((value, key) => value && value[key], loaded);
  if (!fn) throw new RuntimeError('Runtime.HandlerNotFound', `${handler} is undefined or not exported`);
  if (typeof fn !== 'function') throw new RuntimeError('Runtime.HandlerNotFound', `${handler} is not a function`);
  const isAsync = fn.constructor !== undefined && fn.constructor.name === 'AsyncFunction';
  if (RUNTIME_MAJOR >= 24 && fn.length >= 3) {
    throw new RuntimeError('Runtime.CallbackHandlerDeprecated',
      'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. ' +
      'You need to modify this function to use a supported handler signature to use Node.js 24 or later. ' +
      'For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.');
  }
  if (RUNTIME_MAJOR >= 18 && fn.length === 3 && !isAsync && process.env.AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING === undefined) {
    console.warn('AWS Lambda plans to remove support for callback-based function handlers starting with Node.js 24. ' +
      'You will need to update this function to use an async handler to use Node.js 24 or later. To disable this ' +
      'warning, set the AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING environment variable.');
  }
  return { fn, isAsync };
}

// -- the channel --------------------------------------------------------------------------------------------

class Channel {
  constructor(fd, onMessage) {
    this.socket = new net.Socket({ fd, readable: true, writable: true });
    this.buffer = null;
    this.pending = [];
    this.flushing = false;
    this.socket.on('data', (chunk) => this.receive(chunk, onMessage));
    this.socket.on('end', () => process.exit(0)); // the server closed the channel: stop
    this.socket.on('error', () => process.exit(0));
  }

  receive(chunk, onMessage) {
    let buffer = this.buffer ? Buffer.concat([this.buffer, chunk]) : chunk;
    let offset = 0;
    while (buffer.length - offset >= 4) {
      const size = buffer.readUInt32BE(offset);
      if (size > MAX_FRAME) process.exit(1);
      if (buffer.length - offset - 4 < size) break;
      onMessage(JSON.parse(buffer.toString('utf8', offset + 4, offset + 4 + size)));
      offset += 4 + size;
    }
    this.buffer = offset < buffer.length ? buffer.subarray(offset) : null;
  }

  /** Queue a message; everything queued during one turn of the event loop goes out in one write. */
  send(text) {
    this.pending.push(text);
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => this.flush());
    }
  }

  flush(then) {
    this.flushing = false;
    const texts = this.pending;
    this.pending = [];
    if (!texts.length) {
      if (then) then();
      return;
    }
    let size = 0;
    const lengths = texts.map((text) => {
      const length = Buffer.byteLength(text, 'utf8');
      size += 4 + length;
      return length;
    });
    const data = Buffer.allocUnsafe(size);
    let offset = 0;
    texts.forEach((text, index) => {
      data.writeUInt32BE(lengths[index], offset);
      offset += 4 + data.write(text, offset + 4, 'utf8');
    });
    this.socket.write(data, then);
  }
}

// -- invocations --------------------------------------------------------------------------------------------

const NODE_JS_EXIT = 'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly ' +
  'caused by a Promise that was never settled. For more information, see ' +
  'https://nodejs.org/docs/latest/api/process.html#exit-codes';

class Runtime {
  constructor(channel, handler, functionArn) {
    this.channel = channel;
    this.handler = handler;
    this.functionArn = functionArn;
    // the context's details from the sandbox's environment, read once: they do not change between invocations
    this.sandbox = {
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    };
    this.queue = [];
    this.current = null; // { id, started, onEmptyLoop }
    this.draining = false;
    process.on('beforeExit', () => this.loopEmpty());
  }

  receive(message) {
    this.queue.push(message);
    this.drain();
  }

  drain() {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.current === null && this.queue.length) this.start(this.queue.shift());
    } finally {
      this.draining = false;
    }
    if (this.current === null) this.channel.socket.ref(); // idle: wait for the next invocation
  }

  /** The event loop has nothing left to do but the channel: a callback's answer goes now, a handler that never
   * answered answers as Lambda's does. */
  loopEmpty() {
    const invocation = this.current;
    if (invocation === null) {
      this.channel.socket.ref();
      return;
    }
    const answer = invocation.onEmptyLoop;
    invocation.onEmptyLoop = null;
    if (answer) answer();
  }

  answer(invocation, error, result) {
    if (this.current !== invocation) return;
    const duration = (performance.now() - invocation.started) / 1000;
    const head = `{"id":${invocation.id},"duration":${duration.toFixed(6)},`;
    if (error === undefined) {
      let encoded;
      try {
        encoded = JSON.stringify(result === undefined ? null : result);
      } catch (failure) {
        error = new RuntimeError('Runtime.JSONStringifyError', 'Unable to stringify response body');
      }
      if (encoded !== undefined) this.channel.send(`${head}"result":${encoded}}`);
    }
    if (error !== undefined) this.channel.send(`${head}"error":${JSON.stringify(errorShape(error))}}`);
    this.current = null;
    this.drain();
  }

  start(message) {
    const invocation = { id: message.id, started: performance.now(), onEmptyLoop: null };
    this.current = invocation;
    requestId = message.requestId;
    this.channel.socket.unref(); // while it runs, an empty event loop means the handler is done with it
    const respond = (error, result) => this.answer(invocation, error, result);
    let waitForEmptyEventLoop = true;
    let called = false;
    const first = (fn) => (...args) => {
      if (!called) {
        called = true;
        fn(...args);
      }
    };
    const done = (error, result) => {
      invocation.onEmptyLoop = null;
      if (error !== undefined && error !== null) respond(error);
      else respond(undefined, result);
    };
    const callback = first((error, result) => {
      invocation.onEmptyLoop = null;
      if (error !== undefined && error !== null) respond(error);
      else if (!waitForEmptyEventLoop) respond(undefined, result);
      else invocation.onEmptyLoop = () => setImmediate(() => respond(undefined, result));
    });
    const succeed = first((result) => done(null, result));
    const fail = first((error) => done(error === undefined || error === null ? 'handled' : error, null));
    invocation.onEmptyLoop = this.handler.isAsync
      ? () => respond(new RuntimeError('Runtime.NodeJsExit', NODE_JS_EXIT))
      : () => respond(undefined, null);
    const deadline = message.deadline;
    const sandbox = this.sandbox;
    const context = {
      get callbackWaitsForEmptyEventLoop() { return waitForEmptyEventLoop; },
      set callbackWaitsForEmptyEventLoop(value) { waitForEmptyEventLoop = value; },
      succeed,
      fail,
      done: first(done),
      functionVersion: sandbox.functionVersion,
      functionName: sandbox.functionName,
      memoryLimitInMB: sandbox.memoryLimitInMB,
      logGroupName: sandbox.logGroupName,
      logStreamName: sandbox.logStreamName,
      clientContext: undefined,
      identity: undefined,
      invokedFunctionArn: this.functionArn,
      awsRequestId: message.requestId,
      getRemainingTimeInMillis: () => deadline - Date.now(),
    };
    try {
      const handler = this.handler.fn;
      const returned = handler(message.event, context, callback);
      if (returned && typeof returned.then === 'function') returned.then(succeed, fail);
    } catch (error) {
      callback(error);
    }
  }

  /** An uncaught exception or unhandled rejection: it fails the invocation running, then the process ends
   * (Lambda resets the sandbox); outside an invocation it is only logged. */
  crash(kind, error, status) {
    const invocation = this.current;
    if (invocation !== null) {
      const duration = (performance.now() - invocation.started) / 1000;
      const shape = kind === 'unhandledRejection'
        ? { errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: String(error),
          stackTrace: isErrorLike(error) ? stackEntries(error) : [] }
        : errorShape(error);
      const answer = `{"id":${invocation.id},"duration":${duration.toFixed(6)},"error":${JSON.stringify(shape)}`;
      this.channel.send(`${answer},"exiting":true}`); // the server gives this process nothing more
    } else {
      console.error(kind === 'unhandledRejection' ? 'Unhandled Promise Rejection' : 'Uncaught Exception', error);
    }
    exitAfterFlush(this.channel, status);
  }
}

function exitAfterFlush(channel, status) {
  setTimeout(() => process.exit(status), 2000).unref(); // never hang on a server that stopped reading
  channel.flush(() => process.exit(status));
}

// -- main ---------------------------------------------------------------------------------------------------

async function main() {
  process.on('SIGINT', () => {}); // the server stops its workers itself
  const fd = Number(process.argv[2]);
  const config = JSON.parse(process.argv[3]);
  patchConsole();
  let runtime = null;
  const channel = new Channel(fd, (message) => runtime.receive(message));
  channel.socket.pause(); // nothing is read before the handler is loaded
  const onCrash = (kind, status) => (error) => {
    if (runtime !== null) {
      runtime.crash(kind, error, status);
      return;
    }
    const shape = kind === 'unhandledRejection'
      ? { errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: String(error),
        stackTrace: isErrorLike(error) ? stackEntries(error) : [] }
      : errorShape(error);
    channel.send(JSON.stringify({ ready: false, error: shape }));
    exitAfterFlush(channel, status);
  };
  process.on('uncaughtException', onCrash('uncaughtException', 129));
  process.on('unhandledRejection', onCrash('unhandledRejection', 128));
  let handler;
  try {
    handler = await loadHandler(config.taskRoot, config.handler);
  } catch (error) {
    const shape = error instanceof RuntimeError ? { errorType: error.name, errorMessage: error.message, stackTrace: [] } : errorShape(error);
    channel.send(JSON.stringify({ ready: false, error: shape }));
    exitAfterFlush(channel, 1);
    return;
  }
  runtime = new Runtime(channel, handler, config.functionArn);
  channel.send('{"ready":true}');
  channel.socket.resume();
}

main();
