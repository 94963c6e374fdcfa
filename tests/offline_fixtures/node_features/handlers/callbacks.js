'use strict';
// Callback handlers and the context's own callbacks, as Lambda's Node.js runtime answers them.

exports.handler = (event, context, callback) => {
  const request = JSON.parse(event.body);
  switch (request.mode) {
    case 'wait': { // the default: the answer goes once the event loop is empty, after the timer changed it
      const answer = { statusCode: 200, body: 'answered before the timer fired' };
      setTimeout(() => { answer.body = 'answered after the timer fired'; }, 300);
      callback(null, answer);
      return;
    }
    case 'no-wait': { // the answer goes at once, as it was; the timer fires later
      context.callbackWaitsForEmptyEventLoop = false;
      const answer = { statusCode: 200, body: `answered at once (${context.callbackWaitsForEmptyEventLoop})` };
      setTimeout(() => { answer.body = 'answered after the timer fired'; }, 300);
      callback(null, answer);
      return;
    }
    case 'error-string':
      callback('a plain string');
      return;
    case 'succeed':
      context.succeed({ statusCode: 200, body: 'context.succeed' });
      return;
    case 'fail':
      context.fail(new RangeError('context.fail'));
      return;
    case 'done':
      context.done(null, { statusCode: 200, body: 'context.done' });
      return;
    case 'first-wins': // only the first answer counts
      callback(null, { statusCode: 200, body: 'the first answer' });
      callback(null, { statusCode: 200, body: 'a second answer' });
      context.succeed({ statusCode: 200, body: 'a third answer' });
      return;
    default:
      throw new Error(`unknown mode ${request.mode}`);
  }
};

// neither calls back nor returns a promise: Lambda answers null once the event loop is empty
exports.neverAnswers = (event, context, callback) => {
  setTimeout(() => console.log('nothing to answer'), 50);
};

// a promise that never settles: Lambda fails the invocation once the event loop is empty
exports.neverSettles = async () => new Promise(() => {});
