/**
 * `npm run bench`: prints, as Markdown, how long synth takes and how much memory it needs, how synth
 * time grows with the number of file systems in a stack, and how long `npm test` takes. Nothing here
 * is a test: targets are printed with ✓ or ✗, and the exit code is non-zero only when a measured
 * command fails. Results are also written to `.bench/results.md` and `.bench/results.json`.
 *
 * Options: --runs=N (synth runs, default 7), --cdktf-runs=N (default 3), --scaling-runs=N (default 5),
 * --example-runs=N (the packed-tarball example tests, default 3), --skip-tests (leave out `npm test`),
 * --suite (ONLY `npm test`, cold then warm: see bench/suite.ts), --keep-page-cache (do not drop it
 * before the cold run, on a machine others share), and after `--`, arguments for jest (to try the
 * bench on a few files: `npm run bench -- --suite -- __tests__/stacks/hcl.test.ts`).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { examplesSection } from "./examples";
import { suiteSection, SuiteRun } from "./suite";
import { measure, MeasuredRun, requireSuccess } from "./measure";
import {
  costPerExtraFileSystem,
  linearity,
  markdownTable,
  median,
  megabytes,
  milliseconds,
  ScalingRun,
  seconds,
  summarize,
  Summary,
  verdict,
} from "./stats";

const PROJECT_ROOT = resolve(__dirname, "..");
const SCALING_SIZES = [1, 10, 50] as const;

/**
 * The project's budgets on its 2-core machine: `npm run synth` ≤ 0.3 s and ≤ 100 MB and ≤ 10 ms per
 * extra file system (issue #8); `npm test`'s are in bench/suite.ts.
 */
const TARGETS = { synthMedianMs: 300, synthPeakMb: 100, perExtraFileSystemMs: 10 };

function option(name: string, fallback: number): number {
  const given = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  const value = given === undefined ? fallback : Number(given.split("=")[1]);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`--${name}: ${given?.split("=")[1]} is not allowed; use a whole number of 1 or more`);
  }
  return value;
}

const options = {
  runs: option("runs", 7),
  cdktfRuns: option("cdktf-runs", 3),
  scalingRuns: option("scaling-runs", 5),
  exampleRuns: option("example-runs", 3),
  skipTests: process.argv.includes("--skip-tests"),
  suiteOnly: process.argv.includes("--suite"),
  keepPageCache: process.argv.includes("--keep-page-cache"),
  // npm passes what follows its own `--` on; a second `--` separates jest's arguments from ours.
  jestArgs: process.argv.includes("--") ? process.argv.slice(process.argv.indexOf("--") + 1) : [],
};

/** No telemetry or update check from cdktf-cli or terraform: the bench makes no network call. */
const ENV: NodeJS.ProcessEnv = {
  ...process.env,
  CHECKPOINT_DISABLE: "1",
  DISABLE_VERSION_CHECK: "1",
  EFS_SYNTH_DEBUG: "",
};

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function repeat(label: string, times: number, command: readonly string[], env = ENV): MeasuredRun[] {
  progress(`${label} × ${times}`);
  return Array.from({ length: times }, () =>
    requireSuccess(command, measure(command, { cwd: PROJECT_ROOT, env })),
  );
}

function machine(): string {
  const cores = cpus();
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
  return (
    `${cores.length} × ${cores[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ` +
    `Linux ${release()}, Node.js ${process.version}; load average at start ${load}`
  );
}

function synthSection(): { markdown: string; synth: Summary; cold: Summary; cdktf: Summary } {
  const npmSynth = ["npm", "run", "synth"];
  // One unmeasured run builds the cached bundle if the sources changed since the last synth.
  repeat("warm-up: npm run synth", 1, npmSynth);
  const synth = summarize(repeat("npm run synth", options.runs, npmSynth));

  const emptyCache = mkdtempSync(join(tmpdir(), "efs-bench-cache-"));
  const cold = summarize(
    repeat("npm run synth with an empty bundle cache", 1, npmSynth, {
      ...ENV,
      EFS_SYNTH_CACHE_DIR: emptyCache,
    }),
  );
  rmSync(emptyCache, { recursive: true, force: true });

  const cdktf = summarize(repeat("npx cdktf synth", options.cdktfRuns, ["npx", "cdktf", "synth"]));

  const row = (command: string, s: Summary, target: string) => [
    command,
    String(s.runs),
    seconds(s.medianMs),
    `${seconds(s.minMs)} – ${seconds(s.maxMs)}`,
    megabytes(s.peakRssMb),
    target,
  ];
  const markdown = markdownTable(
    ["synth of every stack", "runs", "median", "min – max", "peak memory", "target"],
    [
      row(
        "`npm run synth`",
        synth,
        `${verdict(synth.medianMs, TARGETS.synthMedianMs, seconds)}, ${verdict(synth.peakRssMb, TARGETS.synthPeakMb, megabytes)}`,
      ),
      row("`npm run synth`, first run after a source change (bundle rebuilt)", cold, "—"),
      row("`npx cdktf synth` (cdktf-cli start-up, then the same app)", cdktf, "—"),
    ],
  );
  return { markdown, synth, cold, cdktf };
}

function scalingSection(): { markdown: string; perExtraMs: number; linear: boolean } {
  const entry = ["scripts/synth.js", "bench/scaling-app.ts"];
  const rows: string[][] = [];
  const wall: { fileSystems: number; ms: number }[] = [];
  const inProcess: { fileSystems: number; ms: number }[] = [];
  for (const fileSystems of SCALING_SIZES) {
    const outdir = mkdtempSync(join(tmpdir(), "efs-bench-scaling-"));
    const command = [process.execPath, ...entry, String(fileSystems), outdir];
    repeat(`warm-up: ${fileSystems} file systems`, 1, command);
    const runs = repeat(`one stack with ${fileSystems} file systems`, options.scalingRuns, command);
    rmSync(outdir, { recursive: true, force: true });
    const reports = runs.map((run) => JSON.parse(run.stdout.trim().split("\n").pop() ?? "") as ScalingRun);
    const summary = summarize(runs);
    const buildAndSynthMs = median(reports.map((r) => r.buildMs + r.synthMs));
    wall.push({ fileSystems, ms: summary.medianMs });
    inProcess.push({ fileSystems, ms: buildAndSynthMs });
    rows.push([
      String(fileSystems),
      String(reports[0].resources),
      seconds(summary.medianMs),
      milliseconds(buildAndSynthMs),
      megabytes(summary.peakRssMb),
    ]);
  }
  const perExtraMs = costPerExtraFileSystem(wall[0], wall[2]);
  const growth = linearity([inProcess[0], inProcess[1], inProcess[2]]);
  const markdown = [
    markdownTable(
      ["file systems", "resources", "wall median", "build + synth in process", "peak memory"],
      rows,
    ),
    "",
    `- Each extra file system (with its mount targets, security groups, alarms and dashboard): ` +
      `(t50 − t1) / 49 = **${milliseconds(perExtraMs)}** of wall time — ` +
      verdict(perExtraMs, TARGETS.perExtraFileSystemMs, (ms) => `${ms} ms`),
    `- Growth: build + synth costs ${milliseconds(growth.lowSlopeMs)} per file system from 1 to 10 and ` +
      `${milliseconds(growth.highSlopeMs)} from 10 to 50 — ` +
      (growth.linear ? "✓ linear" : "✗ grows faster than linear"),
  ].join("\n");
  return { markdown, perExtraMs, linear: growth.linear };
}

function testSection(): { markdown: string; runs?: SuiteRun[] } {
  if (options.skipTests) return { markdown: "`npm test`: skipped (--skip-tests)." };
  const { markdown, runs } = suiteSection(
    { cwd: PROJECT_ROOT, env: ENV, keepPageCache: options.keepPageCache, jestArgs: options.jestArgs },
    progress,
  );
  return { markdown, runs };
}

function suiteResults(runs: readonly SuiteRun[] | undefined) {
  return runs?.map(({ kind, run, terraform, preparation, tests }) => ({
    kind,
    wallMs: run.wallMs,
    userMs: run.userMs,
    systemMs: run.systemMs,
    exitCode: run.exitCode,
    tests,
    preparation,
    terraform,
  }));
}

function write(report: string, results: Record<string, unknown>): void {
  process.stdout.write(report);
  const resultsDir = join(PROJECT_ROOT, ".bench");
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, "results.md"), report);
  writeFileSync(join(resultsDir, "results.json"), JSON.stringify(results, null, 2));
}

function suiteOnly(): void {
  const startedOn = machine();
  const tests = testSection();
  write(`Measured by \`npm run bench -- --suite\` on ${startedOn}.\n\n${tests.markdown}\n`, {
    machine: startedOn,
    testSuite: suiteResults(tests.runs),
  });
  if (tests.runs?.some(({ run }) => run.exitCode !== 0)) process.exitCode = 1;
}

function main(): void {
  const startedOn = machine();
  const synth = synthSection();
  const scaling = scalingSection();
  const examples = examplesSection(options.exampleRuns, { cwd: PROJECT_ROOT, env: ENV }, progress);
  const tests = testSection();
  const report = [
    `Measured by \`npm run bench\` on ${startedOn}.`,
    "",
    synth.markdown,
    "",
    "One stack holding N file systems, each with its mount targets, security groups, alarms and dashboard, " +
      "synthesized by `node scripts/synth.js bench/scaling-app.ts N`:",
    "",
    scaling.markdown,
    "",
    "The example apps checked from a packed tarball (`__tests__/package/consumer.test.ts`), by step:",
    "",
    examples.markdown,
    "",
    tests.markdown,
    "",
  ].join("\n");
  write(report, {
    machine: startedOn,
    synth: synth.synth,
    synthAfterSourceChange: synth.cold,
    cdktfSynth: synth.cdktf,
    perExtraFileSystemMs: scaling.perExtraMs,
    linear: scaling.linear,
    exampleTestsMs: examples.medianMs,
    exampleTestsCpuMs: examples.medianCpuMs,
    testSuite: suiteResults(tests.runs),
  });
  if (tests.runs?.some(({ run }) => run.exitCode !== 0)) process.exitCode = 1;
}

if (options.suiteOnly) suiteOnly();
else main();
