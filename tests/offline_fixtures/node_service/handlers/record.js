'use strict';
const fs = require('fs');
const path = require('path');

/** Write an event where the test reads it: RECORD_DIR/{connectionId}.{name}.json (atomically). */
exports.record = (name, event) => {
  const file = path.join(process.env.RECORD_DIR, `${event.requestContext.connectionId}.${name}.json`);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(event));
  fs.renameSync(`${file}.tmp`, file);
};
