// Preloaded into `serverless package` (node --require) by the regeneration tools: the CloudFormation
// `describeStacks` call Serverless makes for a service with layers (to reuse an unchanged layer's upload)
// answers as AWS does for a stack that was never deployed, so such a service packages offline.
'use strict';
const fs = require('fs');
const path = require('path');

const serverlessRoot = path.resolve(path.dirname(fs.realpathSync(process.argv[1])), '..');
const providerFile = path.join(serverlessRoot, 'lib', 'plugins', 'aws', 'provider.js');
if (fs.existsSync(providerFile)) {
  const AwsProvider = require(providerFile);
  const request = AwsProvider.prototype.request;
  AwsProvider.prototype.request = function offlineRequest(service, method, params, ...rest) {
    if (service === 'CloudFormation' && method === 'describeStacks') {
      return Promise.reject(new Error(`Stack with id ${params && params.StackName} does not exist`));
    }
    return request.call(this, service, method, params, ...rest);
  };
}
