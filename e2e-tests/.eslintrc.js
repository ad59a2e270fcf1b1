// The e2e specs are linted like the node packages (./scripts/test runs eslint over e2e-tests).
module.exports = require('@backstage/cli/config/eslint-factory').createConfigForRole(
  __dirname,
  'node-library',
  { ignorePatterns: ['!playwright.config.ts'] },
);
