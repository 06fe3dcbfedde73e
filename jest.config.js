/** @type {import('jest').Config} */
module.exports = {
  // jest's node environment without source-mapping cdktf's creation stacks: see the file.
  testEnvironment: "<rootDir>/scripts/jest-environment.js",
  roots: ["<rootDir>"],
  testMatch: ["**/__tests__/**/*.test.ts"],
  // `*.emulator.test.ts` run the real AWS CLI against moto: `npm run test:emulator` (jest.emulator.config.js).
  // A sandbox left by an interrupted `npm run test:mutation` holds copies of the tests.
  testPathIgnorePatterns: [
    "/node_modules/",
    "/cdktf.out/",
    "\\.emulator\\.test\\.ts$",
    "<rootDir>/.stryker-tmp/",
  ],
  modulePathIgnorePatterns: ["<rootDir>/.stryker-tmp/"],
  // @swc/jest strips types without the TypeScript compiler API; type-checking is `npm run lint`.
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" } }] },
  // Offline terraform plans run a few seconds each; the two cores are shared with terraform itself.
  testTimeout: 120000,
  maxWorkers: 2,
  // The terraform-heavy files first, the longest first: see the file.
  // One AWS provider process shared by the schema-only terraform commands (show, validate): see the file.
  globalSetup: "<rootDir>/__tests__/helpers/global-setup.ts",
  globalTeardown: "<rootDir>/__tests__/helpers/global-teardown.ts",
  testSequencer: "<rootDir>/scripts/jest-heavy-first-sequencer.js",
  reporters: ["default", "<rootDir>/scripts/jest-summary-reporter.js"],
};
