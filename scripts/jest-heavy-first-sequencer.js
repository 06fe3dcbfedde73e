/**
 * Runs the test files that plan with terraform first, longest first, then the rest as jest orders them.
 *
 * Why: on a clean clone (CI) jest has no timings from earlier runs and starts files by size, so the
 * longest file (the plan-review plans, a chain of terraform runs of about 30 s) could start last and
 * make the whole run wait for it on one core. The list is a hint for ordering only; a file missing from
 * it still runs.
 */
"use strict";
/* eslint-disable @typescript-eslint/no-require-imports */
const Sequencer = require("@jest/test-sequencer").default;

const HEAVY_FIRST = [
  "__tests__/tools/plan-summary-plans.test.ts",
  "__tests__/package/consumer.test.ts",
  "__tests__/stacks/plan.test.ts",
  "__tests__/stacks/hcl.test.ts",
  "__tests__/bench/synth-launcher.test.ts",
  "__tests__/stacks/backend.test.ts",
];

function rank(path) {
  const index = HEAVY_FIRST.findIndex((suffix) => path.endsWith(suffix));
  return index === -1 ? HEAVY_FIRST.length : index;
}

class HeavyFirstSequencer extends Sequencer {
  sort(tests) {
    const ordered = super.sort(tests);
    const byPath = new Map(ordered.map((test, position) => [test.path, position]));
    return [...ordered].sort(
      (a, b) => rank(a.path) - rank(b.path) || byPath.get(a.path) - byPath.get(b.path),
    );
  }
}

module.exports = HeavyFirstSequencer;
