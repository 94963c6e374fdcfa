'use strict';
throw new Error('init failed: no configuration');
