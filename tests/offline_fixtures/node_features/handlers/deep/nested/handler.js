'use strict';
// A handler in a nested folder, exported at a nested path: handlers/deep/nested/handler.api.v1.pong
exports.api = { v1: { pong: async (event) => ({ statusCode: 200, body: `pong: ${event.body}` }) } };
