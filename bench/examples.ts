/**
 * What the example tests cost: `bench/examples-run.ts`, the work of `__tests__/package/consumer.test.ts`
 * without its (millisecond) assertions, run a few times. Reports the wall time of each step and the
 * CPU time of the whole process tree, which is what the test takes from the 2 cores `npm test` shares.
 */
import { measure, requireSuccess, RunOptions } from "./measure";
import { markdownTable, median, megabytes, seconds, summarize } from "./stats";

/** The steps `buildConsumerApp` times, in order. */
const STEPS = ["pack", "install", "compile", "run", "plan"] as const;
const STEP_LABELS: Record<(typeof STEPS)[number], string> = {
  pack: "`npm pack` (prepack: `npm run build`)",
  install: "extract the tarball, link the peers",
  compile: "one strict `tsc` for every example",
  run: "every example with plain `node`, in parallel",
  plan: "`terraform init`, `validate`, `plan`, `show` of every stack, in parallel",
};

interface ExamplesRun {
  readonly examples: number;
  readonly stacks: number;
  readonly timings: Record<(typeof STEPS)[number], number>;
}

export function examplesSection(
  runs: number,
  options: RunOptions,
  progress: (message: string) => void,
): { markdown: string; medianMs: number; medianCpuMs: number } {
  const command = ["npx", "tsx", "bench/examples-run.ts"];
  progress(`example tests (pack, compile, run, plan) × ${runs}`);
  // Every run does the work: the suite's cache (helpers/test-cache.ts) would plan only the first.
  const uncached = { ...options, env: { ...(options.env ?? process.env), EFS_TEST_CACHE: "off" } };
  const measured = Array.from({ length: runs }, () => requireSuccess(command, measure(command, uncached)));
  const reports = measured.map((run) => JSON.parse(run.stdout.trim().split("\n").pop() ?? "") as ExamplesRun);
  const summary = summarize(measured);
  const medianCpuMs = median(measured.map((run) => run.cpuMs ?? 0));
  const first = reports[0];
  const rows = STEPS.map((step) => [
    STEP_LABELS[step],
    seconds(median(reports.map((report) => report.timings[step]))),
  ]);
  rows.push(["all of it, including tsx start-up", seconds(summary.medianMs)]);
  const markdown = [
    markdownTable(["example tests: step", "wall median"], rows),
    "",
    `- ${first?.examples ?? 0} examples, ${first?.stacks ?? 0} stacks, ${runs} runs; ` +
      `CPU time of the whole process tree (median): **${seconds(medianCpuMs)}**, ` +
      `peak memory of one process ${megabytes(summary.peakRssMb)}.`,
  ].join("\n");
  return { markdown, medianMs: summary.medianMs, medianCpuMs };
}
