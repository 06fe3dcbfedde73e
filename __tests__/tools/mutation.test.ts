import { isHeavyTest, mutationTargets, selectTests, summarize } from "../../tools/mutation/select";

// The selection behind `npm run test:mutation` (issue #23).

test("mutates .ts sources under modules/ and settings/ only, each once", () => {
  expect(
    mutationTargets([
      "modules/efs/validate.ts",
      "settings/schema.ts",
      "modules/efs/validate.ts",
      "modules/backup/scripts/backup-shared-home.sh",
      "modules/index.d.ts",
      "stacks/efs-stack.ts",
      "__tests__/modules/efs.test.ts",
      "README.md",
    ]),
  ).toEqual(["modules/efs/validate.ts", "settings/schema.ts"]);
});

test("runs the related tests of the library's test trees, without the terraform-heavy ones", () => {
  const sources: Record<string, string> = {
    "__tests__/modules/efs.test.ts": 'import { synth } from "../helpers/synth";',
    "__tests__/settings/rules.test.ts": "",
    "__tests__/stacks/synth.test.ts": "",
    "__tests__/stacks/plan.test.ts": "",
    "__tests__/stacks/new-plans.test.ts": 'import { planStacks } from "../helpers/terraform";',
    "__tests__/tools/fleet-sync.test.ts": "",
    "__tests__/bench/scaling-stack.test.ts": "",
  };
  expect(selectTests(Object.keys(sources), (path) => sources[path])).toEqual([
    "__tests__/modules/efs.test.ts",
    "__tests__/settings/rules.test.ts",
    "__tests__/stacks/synth.test.ts",
  ]);
  expect(isHeavyTest("__tests__/modules/x.test.ts", "await validateStacks(dir)")).toBe(true);
});

test("scores killed and timed-out mutants over all valid ones, and lists the survivors", () => {
  const mutant = (status: string, line: number, mutatorName = "EqualityOperator", replacement = "a < b") => ({
    status,
    mutatorName,
    replacement,
    location: { start: { line } },
  });
  const summary = summarize({
    files: {
      "modules/efs/validate.ts": {
        mutants: [
          mutant("Killed", 1),
          mutant("Killed", 2),
          mutant("Timeout", 3),
          mutant("Survived", 4),
          mutant("NoCoverage", 5, "StringLiteral", '""'),
          mutant("Ignored", 6),
          mutant("CompileError", 7),
        ],
      },
    },
  });
  expect(summary).toEqual({
    killed: 2,
    survived: 1,
    timedOut: 1,
    noCoverage: 1,
    errors: 1,
    score: 60,
    survivors: [
      "modules/efs/validate.ts:4: EqualityOperator (a < b)",
      'modules/efs/validate.ts:5: StringLiteral ("") [no coverage]',
    ],
  });
});
