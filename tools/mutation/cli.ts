import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { mutationTargets, selectTests, summarize } from "./select";

/**
 * Mutation testing of the library and the settings with StrykerJS and its jest runner: which
 * changes to the code would the tests not notice?
 *
 * Usage: npm run test:mutation [-- --files <a.ts,b.ts> | --all] [--base <ref>] [--concurrency <n>]
 *                               [--tests <a.test.ts,b.test.ts>]
 *   default   the .ts files under modules/ and settings/ changed since the merge base with
 *             origin/main (or main), including uncommitted and untracked ones
 *   --files   these files (comma-separated, repository-relative)
 *   --all     every file under modules/ and settings/ (hours on two cores)
 *   --tests   run only these test files against the mutants (a quicker, narrower verdict)
 *
 * Tests: the files jest relates to the mutated ones (--findRelatedTests) under __tests__/modules,
 * settings and stacks, without the terraform-heavy ones (see ./select.ts). Reports go to
 * reports/mutation/ (HTML and JSON); the score and the survivors are printed at the end.
 */

const ROOT = join(__dirname, "..", "..");

function run(command: string, args: readonly string[], options: { inherit?: boolean } = {}): string {
  const result = spawnSync(command, args, {
    cwd: ROOT,
    encoding: "utf8",
    stdio: options.inherit ? "inherit" : ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited ${result.status}: ${result.stderr ?? ""}`.trim());
  }
  return result.stdout ?? "";
}

const lines = (text: string) =>
  text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);

function changedFiles(baseRef: string | undefined): { base: string; files: string[] } {
  const candidates = baseRef ? [baseRef] : ["origin/main", "main"];
  for (const ref of candidates) {
    const found = spawnSync("git", ["merge-base", "HEAD", ref], { cwd: ROOT, encoding: "utf8" });
    if (found.status !== 0) continue;
    const base = found.stdout.trim();
    const files = [
      ...lines(run("git", ["diff", "--name-only", "--diff-filter=ACMR", base])),
      ...lines(run("git", ["ls-files", "--others", "--exclude-standard"])),
    ];
    return { base: `${ref} (${base.slice(0, 12)})`, files };
  }
  throw new Error(`no merge base with ${candidates.join(" or ")}; give --base <ref>, --files or --all`);
}

function allFiles(): string[] {
  return lines(run("git", ["ls-files", "modules", "settings"]));
}

function option(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  if (index === -1) return undefined;
  const value = args[index + 1];
  if (value === undefined || value.startsWith("--")) throw new Error(`${name} needs a value`);
  return value;
}

function main(args: readonly string[]): number {
  const known = new Set(["--files", "--all", "--base", "--concurrency", "--tests"]);
  const unknown = args.filter((arg, i) => arg.startsWith("--") && !known.has(arg) && !known.has(args[i - 1]));
  if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(", ")}`);
  const given = option(args, "--files");
  const concurrency = option(args, "--concurrency") ?? "1";
  if (!/^[1-9]\d*$/.test(concurrency))
    throw new Error(`--concurrency ${concurrency}: give a whole number from 1`);

  let targets: string[];
  if (given !== undefined) {
    targets = mutationTargets(given.split(",").map((file) => relative(ROOT, join(ROOT, file.trim()))));
    const missing = targets.filter((file) => !existsSync(join(ROOT, file)));
    if (missing.length > 0) throw new Error(`no such file: ${missing.join(", ")}`);
    if (targets.length === 0) throw new Error("--files names no .ts file under modules/ or settings/");
  } else if (args.includes("--all")) {
    targets = mutationTargets(allFiles());
  } else {
    const { base, files } = changedFiles(option(args, "--base"));
    targets = mutationTargets(files).filter((file) => existsSync(join(ROOT, file)));
    if (targets.length === 0) {
      console.log(`No .ts file under modules/ or settings/ changed since ${base}; nothing to mutate.`);
      console.log("Give --files <a.ts,b.ts> or --all to mutate files anyway.");
      return 0;
    }
    console.log(`Changed since ${base}:`);
  }
  for (const file of targets) console.log(`  ${file}`);

  const related = lines(run("npx", ["jest", "--listTests", "--findRelatedTests", ...targets])).map((path) =>
    relative(ROOT, path),
  );
  const onlyTests = option(args, "--tests")
    ?.split(",")
    .map((file) => relative(ROOT, join(ROOT, file.trim())));
  const missingTests = (onlyTests ?? []).filter((file) => !existsSync(join(ROOT, file)));
  if (missingTests.length > 0) throw new Error(`no such test file: ${missingTests.join(", ")}`);
  const tests = onlyTests ?? selectTests(related, (path) => readFileSync(join(ROOT, path), "utf8"));
  if (tests.length === 0) {
    console.log("No fast test relates to these files: every mutant would survive. Write a test first.");
    return 1;
  }
  console.log(
    `Against ${tests.length} test files (${related.length - tests.length} related ones left out as heavy or elsewhere).`,
  );

  const stryker = spawnSync(
    "npx",
    ["stryker", "run", "stryker.config.mjs", "--mutate", targets.join(","), "--concurrency", concurrency],
    { cwd: ROOT, stdio: "inherit", env: { ...process.env, STRYKER_TEST_FILES: JSON.stringify(tests) } },
  );
  const reportPath = join(ROOT, "reports", "mutation", "mutation.json");
  if (stryker.status !== 0 || !existsSync(reportPath)) {
    console.error(`Stryker exited ${stryker.status}; no score.`);
    return stryker.status || 1;
  }
  const summary = summarize(JSON.parse(readFileSync(reportPath, "utf8")));
  console.log(
    `\nMutation score: ${summary.score ?? "n/a"}% (killed ${summary.killed}, timed out ${summary.timedOut}, survived ${summary.survived}, no coverage ${summary.noCoverage}, errors ${summary.errors})`,
  );
  if (summary.survivors.length > 0) {
    console.log("Survivors (each a change no test noticed):");
    for (const survivor of summary.survivors) console.log(`  ${survivor}`);
  }
  console.log(`Report: ${relative(ROOT, reportPath).replace(/json$/, "html")}`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(`test:mutation: ${(error as Error).message}`);
  process.exitCode = 2;
}
