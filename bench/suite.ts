/**
 * `npm test` as a newcomer meets it and as a developer re-runs it, for `npm run bench` (or only this
 * part: `npm run bench -- --suite`).
 *
 * - cold: as on a fresh clone: the page cache dropped first (`sync; echo 3 > /proc/sys/vm/drop_caches`,
 *   root only; the report says when it could not), and jest and the suite (helpers/test-cache.ts)
 *   given new, empty cache directories, so the developer's own caches are neither used nor lost;
 * - warm: the same command again, straight after, with the caches the cold run filled.
 *
 * Each run reports wall, user and system time of the whole process tree, and the terraform commands
 * it ran, counted by `bench/terraform-shim.sh` put first on PATH: each command loads the 700 MB AWS
 * provider, so their number is what the suite's design controls, and it does not depend on how busy
 * the machine is.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { measure, MeasuredRun, RunOptions } from "./measure";
import { markdownTable, seconds, terraformCommands, TerraformCommands, verdict } from "./stats";

/** Issue #22: a fresh machine (2 cores) within 60 s, a warm re-run within 45 s. */
export const SUITE_TARGETS = { coldMs: 60_000, warmMs: 45_000 };

export interface SuiteRun {
  readonly kind: "cold" | "warm";
  readonly run: MeasuredRun;
  readonly terraform: TerraformCommands;
  /** How the cold run started: what was dropped, or why not. */
  readonly preparation: string;
  readonly tests: string;
}

export interface SuiteOptions extends RunOptions {
  /** Leave the page cache alone (a shared machine); the report says so. */
  readonly keepPageCache: boolean;
  /** Extra arguments for jest, e.g. a path pattern to try the bench on a few files. */
  readonly jestArgs: readonly string[];
}

/** The real terraform, found on PATH before the shim goes in front of it. */
function realTerraform(env: NodeJS.ProcessEnv): string {
  const found = spawnSync("bash", ["-c", "command -v terraform"], { env, encoding: "utf8" });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === "") throw new Error("terraform is not on PATH");
  return path;
}

function dropPageCache(keep: boolean): string {
  if (keep) return "page cache kept (--keep-page-cache)";
  if (process.getuid?.() !== 0) return "page cache NOT dropped: not root";
  try {
    execFileSync("sync");
    writeFileSync("/proc/sys/vm/drop_caches", "3\n");
    return "page cache dropped";
  } catch (error) {
    return `page cache NOT dropped: ${(error as Error).message}`;
  }
}

/** Fresh cache directories for jest and the suite: what a fresh clone starts with. */
interface Caches {
  readonly jest: string;
  readonly suite: string;
}

function runSuite(
  kind: SuiteRun["kind"],
  caches: Caches,
  options: SuiteOptions,
  progress: (m: string) => void,
): SuiteRun {
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env), EFS_TEST_CACHE_DIR: caches.suite };
  const shimDir = mkdtempSync(join(tmpdir(), "efs-bench-terraform-"));
  const log = join(shimDir, "commands.tsv");
  try {
    symlinkSync(join(__dirname, "terraform-shim.sh"), join(shimDir, "terraform"));
    writeFileSync(log, "");
    const shimmed = {
      ...env,
      PATH: `${shimDir}${delimiter}${env.PATH ?? ""}`,
      EFS_BENCH_TERRAFORM: realTerraform(env),
      EFS_BENCH_TERRAFORM_LOG: log,
    };
    const preparation =
      kind === "cold"
        ? `empty jest and test caches; ${dropPageCache(options.keepPageCache)}`
        : "straight after the cold run, with the caches it filled";
    progress(`npm test (${kind}: ${preparation})`);
    const command = ["npm", "test", "--", `--cacheDirectory=${caches.jest}`, ...options.jestArgs];
    const run = measure(command, { cwd: options.cwd, env: shimmed });
    const output = `${run.stdout}\n${run.stderr}`;
    const tests = output.match(/^Tests:\s+(.*)$/m)?.[1].trim() ?? "no jest summary found";
    return { kind, run, terraform: terraformCommands(readFileSync(log, "utf8")), preparation, tests };
  } finally {
    rmSync(shimDir, { recursive: true, force: true });
  }
}

export function suiteSection(
  options: SuiteOptions,
  progress: (message: string) => void,
): { markdown: string; runs: SuiteRun[] } {
  const caches = {
    jest: mkdtempSync(join(tmpdir(), "efs-bench-jest-cache-")),
    suite: mkdtempSync(join(tmpdir(), "efs-bench-test-cache-")),
  };
  let runs: SuiteRun[];
  try {
    runs = [runSuite("cold", caches, options, progress), runSuite("warm", caches, options, progress)];
  } finally {
    for (const dir of Object.values(caches)) rmSync(dir, { recursive: true, force: true });
  }
  const rows = runs.map(({ kind, run, terraform, tests }) => [
    kind,
    seconds(run.wallMs),
    seconds(run.userMs ?? 0),
    seconds(run.systemMs ?? 0),
    `${terraform.count} (${Object.entries(terraform.bySubcommand)
      .map(([subcommand, count]) => `${count} ${subcommand}`)
      .join(", ")})`,
    seconds(terraform.userMs + terraform.systemMs),
    run.exitCode === 0 ? tests : `exit ${run.exitCode}: ${tests}`,
    // A failed run proves no time.
    run.exitCode === 0
      ? verdict(run.wallMs, kind === "cold" ? SUITE_TARGETS.coldMs : SUITE_TARGETS.warmMs, seconds)
      : "✗ failed",
  ]);
  const args = options.jestArgs.length > 0 ? ` -- ${options.jestArgs.join(" ")}` : "";
  const markdown = [
    markdownTable(
      [
        `\`npm test${args}\``,
        "wall",
        "user",
        "system",
        "terraform commands",
        "their CPU",
        "result",
        "target",
      ],
      rows,
    ),
    "",
    ...runs.map(({ kind, preparation }) => `- ${kind}: ${preparation}.`),
    "- their CPU: terraform and the provider processes it starts itself. The provider processes the",
    "  tests start for terraform to attach to (`__tests__/helpers/provider-server.ts`) are not in it;",
    "  they are in the suite's user and system time.",
  ].join("\n");
  return { markdown, runs };
}
