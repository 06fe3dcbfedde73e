// @ts-check
/**
 * StrykerJS for `npm run test:mutation` (tools/mutation/cli.ts), which picks the files to mutate
 * (`--mutate`) and the jest files to run (STRYKER_TEST_FILES, a JSON list): run it through the CLI.
 * Run directly (`npx stryker run`), it mutates nothing until given `--mutate`, and uses every fast
 * test directory.
 */
const testFiles = JSON.parse(process.env.STRYKER_TEST_FILES ?? "null") ?? [
  "__tests__/modules/**/*.test.ts",
  "__tests__/settings/**/*.test.ts",
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: "npm",
  plugins: ["@stryker-mutator/jest-runner"],
  testRunner: "jest",
  jest: {
    projectType: "custom",
    configFile: "jest.config.js",
    // Only the chosen files; one worker per Stryker process (Stryker's own concurrency applies).
    config: { testMatch: testFiles.map((file) => `<rootDir>/${file}`), maxWorkers: 1 },
    enableFindRelatedTests: true,
  },
  // Each mutant runs only the tests that cover it.
  coverageAnalysis: "perTest",
  // A static mutant (a module-level constant, a pattern) runs at import, so no test can be singled
  // out for it and every selected test runs for each: minutes per mutant here. They are reported
  // as ignored; the bounds and patterns they hold have table-driven tests of their own.
  ignoreStatic: true,
  mutate: [],
  concurrency: 1,
  // Synth-level tests take a few seconds; a mutant that makes them loop is killed after this.
  timeoutMS: 30000,
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  thresholds: { high: 80, low: 60, break: null },
  tempDirName: ".stryker-tmp",
  // The sandbox needs the sources, the tests and the instance scripts; not build output or state.
  ignorePatterns: [
    "dist",
    "cdktf.out",
    "cdktf.out.*",
    ".gen",
    ".bench",
    "coverage",
    "reports",
    "**/.terraform",
    "*.tfstate*",
  ],
};
