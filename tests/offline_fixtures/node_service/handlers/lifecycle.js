'use strict';
// $connect and $disconnect as callback handlers: Lambda answers once the event loop is empty.
const { record } = require('./record');

exports.connect = (event, context, callback) => {
  record('connect', event);
  const query = event.queryStringParameters || {};
  const response = { statusCode: query.reject ? 401 : 200 };
  const offered = event.headers['Sec-WebSocket-Protocol'];
  if (offered && !query.reject) response.headers = { 'Sec-WebSocket-Protocol': offered.split(',')[0].trim() };
  if (query.sleep) {
    setTimeout(() => {
      console.log(`$connect slept ${query.sleep} s`);
      callback(null, response);
    }, Number(query.sleep) * 1000);
    return;
  }
  callback(null, response);
};

exports.disconnect = (event, context, callback) => {
  record('disconnect', event);
  callback(null, { statusCode: 200 });
};
