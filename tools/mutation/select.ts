/**
 * What `npm run test:mutation` mutates and which jest files it runs against the mutants: the pure
 * part of the CLI, tested without git, jest or Stryker.
 */

/** The source trees mutation testing covers: the library and the settings. */
export const MUTATED_TREES = ["modules/", "settings/"] as const;

/**
 * Test directories whose files may judge a mutant. The rest (tools, bench, package, examples) test
 * other code, and pull in the modules only to build stacks for it.
 */
export const TEST_TREES = ["__tests__/modules/", "__tests__/settings/", "__tests__/stacks/"] as const;

/**
 * Files that plan or validate with terraform, pack the package, or run the cdktf CLI: seconds to
 * minutes each, re-run for every mutant they cover. A mutant they alone would kill survives here,
 * which the score then shows; `npm test` still runs them.
 */
export const HEAVY_TEST_FILES = [
  "__tests__/stacks/plan.test.ts",
  "__tests__/stacks/hcl.test.ts",
  "__tests__/stacks/backend.test.ts",
  "__tests__/tools/plan-summary-plans.test.ts",
  "__tests__/package/consumer.test.ts",
  "__tests__/bench/synth-launcher.test.ts",
] as const;

/** A test source that runs terraform through the plan helpers is heavy whatever its name. */
const HEAVY_SOURCE = /from "\.\.\/helpers\/terraform"|\b(planStacks?|validateStacks?|runTerraform)\(/;

/** The repository-relative paths among `paths` that mutation testing should mutate. */
export function mutationTargets(paths: readonly string[]): string[] {
  return [
    ...new Set(
      paths.filter(
        (path) =>
          MUTATED_TREES.some((tree) => path.startsWith(tree)) &&
          path.endsWith(".ts") &&
          !path.endsWith(".d.ts"),
      ),
    ),
  ].sort();
}

/** True for a test file too slow to run once per mutant. */
export function isHeavyTest(path: string, source: string): boolean {
  return HEAVY_TEST_FILES.some((heavy) => path === heavy) || HEAVY_SOURCE.test(source);
}

/**
 * The test files to run against the mutants: those jest relates to the mutated files, in the test
 * trees that judge the library, without the heavy ones.
 */
export function selectTests(related: readonly string[], sourceOf: (path: string) => string): string[] {
  return related
    .filter((path) => TEST_TREES.some((tree) => path.startsWith(tree)))
    .filter((path) => !isHeavyTest(path, sourceOf(path)))
    .sort();
}

/** The counts of a Stryker JSON report (mutation-testing-report-schema), and the score. */
export interface MutationSummary {
  readonly killed: number;
  readonly survived: number;
  readonly timedOut: number;
  readonly noCoverage: number;
  readonly errors: number;
  /** Killed and timed out over all valid mutants, in percent; undefined when there are none. */
  readonly score: number | undefined;
  /** `file:line: mutator (replacement)` of each surviving or uncovered mutant. */
  readonly survivors: readonly string[];
}

interface ReportMutant {
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly status: string;
  readonly location: { readonly start: { readonly line: number } };
}

export function summarize(report: {
  readonly files: Readonly<Record<string, { readonly mutants: readonly ReportMutant[] }>>;
}): MutationSummary {
  const counts = { Killed: 0, Survived: 0, Timeout: 0, NoCoverage: 0, RuntimeError: 0, CompileError: 0 };
  const survivors: string[] = [];
  for (const [file, { mutants }] of Object.entries(report.files)) {
    for (const mutant of mutants) {
      if (mutant.status in counts) counts[mutant.status as keyof typeof counts]++;
      if (mutant.status === "Survived" || mutant.status === "NoCoverage") {
        const replacement =
          mutant.replacement === undefined
            ? ""
            : ` (${mutant.replacement.replace(/\s+/g, " ").slice(0, 60)})`;
        survivors.push(
          `${file}:${mutant.location.start.line}: ${mutant.mutatorName}${replacement}${mutant.status === "NoCoverage" ? " [no coverage]" : ""}`,
        );
      }
    }
  }
  const detected = counts.Killed + counts.Timeout;
  const valid = detected + counts.Survived + counts.NoCoverage;
  return {
    killed: counts.Killed,
    survived: counts.Survived,
    timedOut: counts.Timeout,
    noCoverage: counts.NoCoverage,
    errors: counts.RuntimeError + counts.CompileError,
    score: valid === 0 ? undefined : Math.round((detected / valid) * 10000) / 100,
    survivors,
  };
}
