/**
 * `npm run test:emulator`: tests that run instance scripts with the real AWS CLI against moto_server
 * (`*.emulator.test.ts`). Each CLI call starts a Python interpreter and botocore (about 1 s), so these
 * take minutes of CPU and stay out of `npm test`'s 60 s budget; CI runs them (`.ci/run`).
 * @type {import('jest').Config}
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS config, as jest reads it
const base = require("./jest.config.js");

module.exports = {
  ...base,
  testMatch: ["**/__tests__/**/*.emulator.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/cdktf.out/"],
  // Nothing here runs terraform: no shared provider (see jest.config.js).
  globalSetup: undefined,
  globalTeardown: undefined,
  maxWorkers: 1,
};
