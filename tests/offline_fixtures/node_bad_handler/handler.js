'use strict';
exports.fine = async () => ({ statusCode: 200 });
exports.value = 42;
exports.callbackStyle = (event, context, callback) => callback(null, { statusCode: 200 });
