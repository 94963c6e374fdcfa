'use strict';
exports.handler = async () => {
  return { statusCode: 200 ;
};
