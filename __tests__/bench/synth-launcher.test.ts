import { spawnSync, SpawnSyncReturns } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { cached, hashDirectory, hashOf, readTree } from "../helpers/test-cache";

const PROJECT_ROOT = resolve(__dirname, "..", "..");
const LAUNCHER = join(PROJECT_ROOT, "scripts", "synth.js");
const TSX = join(PROJECT_ROOT, "node_modules", ".bin", "tsx");

function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, ...env } });
}

/**
 * Environment variables that can change what a tsx run prints or writes: the app's own, cdktf's
 * (`CDKTF_CONTEXT_JSON`, `SYNTH_HCL_OUTPUT`, ...), tsx's and node's. Not the suite's own `EFS_TEST_*`,
 * some of which change on every run.
 */
const TSX_ENVIRONMENT = /^(STACK_CONFIG$|EFS_SYNTH_|CDKTF_|SYNTH_|TERRAFORM_|TSX_|NODE_)/;

/** The node that tsx runs on (its `#!/usr/bin/env node`): path, size and modification time. */
function nodeOnPath(): string {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "node");
    if (dir && existsSync(candidate)) {
      const { size, mtimeMs } = statSync(candidate);
      return `${realpathSync(candidate)}:${size}:${mtimeMs}`;
    }
  }
  return "no node on PATH";
}

/** Stands for the run's directory in a cached result, so that the result holds in the next one. */
const RUN_DIR = "<tsx run directory>";

/**
 * `collect` of `tsx args` run in `dir`, a reference for the launcher. That is a pure function of the
 * files in `dir` (but `outputs`), the installed packages (npm records them in
 * node_modules/.package-lock.json on every install), the node on PATH and the environment, so it is
 * computed once per change of those (`helpers/test-cache.ts`), not on every run: tsx takes about
 * 0.5 s of CPU on the smallest app, and seconds on main.ts. The launcher's runs, which are under
 * test, are never cached.
 */
async function tsxReference<T>(
  dir: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  outputs: string[],
  collect: (result: SpawnSyncReturns<string>) => T,
): Promise<T> {
  const compute = () => collect(run(TSX, args, dir, env));
  const installed = join(PROJECT_ROOT, "node_modules", ".package-lock.json");
  if (!existsSync(installed)) return compute();
  // The run's own variables, and those it inherits that matter.
  const environment = [
    ...Object.entries(env),
    ...Object.entries(process.env).filter(([name]) => TSX_ENVIRONMENT.test(name)),
  ];
  const key = hashOf(
    JSON.stringify(args),
    JSON.stringify(environment),
    hashDirectory(dir, ["node_modules", ...outputs]),
    readFileSync(installed),
    nodeOnPath(),
  );
  const value = await cached("tsx-reference", key, async () =>
    JSON.parse(JSON.stringify(compute()).replaceAll(dir, RUN_DIR)),
  );
  return JSON.parse(JSON.stringify(value).replaceAll(RUN_DIR, dir)) as T;
}

describe("npm run synth (scripts/synth.js) against tsx main.ts", () => {
  // A copy of the project, so that the synth writes its usual cdktf.out without touching the
  // checkout, whatever main.ts reads or writes relative to the working directory.
  const copy = mkdtempSync(join(tmpdir(), "efs-synth-launcher-"));
  const cache = join(copy, "bundle-cache");
  let expected: Record<string, string>;

  beforeAll(async () => {
    const skipped = new Set(["node_modules", ".git", "cdktf.out", ".bench", "coverage"]);
    cpSync(PROJECT_ROOT, copy, {
      recursive: true,
      filter: (source) =>
        !skipped.has(source.slice(PROJECT_ROOT.length + 1).split("/")[0]) && !source.endsWith(".tfstate"),
    });
    symlinkSync(join(PROJECT_ROOT, "node_modules"), join(copy, "node_modules"));
    expected = await tsxReference(copy, ["main.ts"], {}, [], (reference) => {
      if (reference.status !== 0) throw new Error(`tsx main.ts failed:\n${reference.stderr}`);
      return readTree(join(copy, "cdktf.out"));
    });
  });

  test("writes byte-identical output when it has to build the bundle", () => {
    // WHEN the cache is empty
    const result = run(process.execPath, [join(copy, "scripts", "synth.js")], copy, {
      EFS_SYNTH_CACHE_DIR: cache,
      EFS_SYNTH_DEBUG: "1",
    });
    // THEN
    expect(result.stderr).toContain("efs-synth: building bundle");
    expect(result.status).toBe(0);
    expect(readTree(join(copy, "cdktf.out"))).toEqual(expected);
  });

  test("writes byte-identical output from the cached bundle and V8 code cache", () => {
    // GIVEN the bundle and its code cache, which the run above stored, or else a run here stores
    if (!existsSync(cache) || !readdirSync(cache).some((name) => name.endsWith(".v8"))) {
      run(process.execPath, [join(copy, "scripts", "synth.js")], copy, { EFS_SYNTH_CACHE_DIR: cache });
    }
    // WHEN the next run uses both caches
    const result = run(process.execPath, [join(copy, "scripts", "synth.js")], copy, {
      EFS_SYNTH_CACHE_DIR: cache,
      EFS_SYNTH_DEBUG: "1",
    });
    // THEN
    expect(result.stderr).toContain("efs-synth: cached bundle");
    expect(readdirSync(cache).filter((name) => name.endsWith(".v8"))).toHaveLength(1);
    expect(result.status).toBe(0);
    expect(readTree(join(copy, "cdktf.out"))).toEqual(expected);
  });
});

describe("scripts/synth.js with any TypeScript entry", () => {
  const dir = mkdtempSync(join(tmpdir(), "efs-synth-fixture-"));
  const cache = join(dir, "bundle-cache");
  const launch = (entry: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) =>
    run(process.execPath, [LAUNCHER, entry, ...args], dir, { EFS_SYNTH_CACHE_DIR: cache, ...env });

  beforeAll(() => {
    mkdirSync(join(dir, "lib"));
    writeFileSync(join(dir, "lib", "message.ts"), `export const message: string = "first";\n`);
    writeFileSync(join(dir, "lib", "where.ts"), "export const where = [__dirname, __filename];\n");
    writeFileSync(join(dir, "a.ts"), "export class Widget {}\n");
    writeFileSync(join(dir, "b.ts"), "export class Widget {\n  size = 1;\n}\n");
    writeFileSync(
      join(dir, "app.ts"),
      [
        `import { message } from "./lib/message";`,
        `import { where } from "./lib/where";`,
        `import { Widget as A } from "./a";`,
        `import { Widget as B } from "./b";`,
        `const report = { message, where, names: [A.name, B.name], argv: process.argv.slice(1) };`,
        `console.log(JSON.stringify(report));`,
        `if (process.env.FIXTURE_THROW) throw new Error("region: 'mars-1' is not allowed; use eu-west-1");`,
        `if (process.env.FIXTURE_EXIT_CODE) process.exitCode = Number(process.env.FIXTURE_EXIT_CODE);`,
        "",
      ].join("\n"),
    );
  });

  const report = (result: SpawnSyncReturns<string>) =>
    JSON.parse(result.stdout.trim().split("\n").pop() ?? "");

  test("rebuilds when an imported file changes", () => {
    // GIVEN a cached bundle
    expect(report(launch("app.ts")).message).toBe("first");
    // WHEN an imported file changes
    writeFileSync(join(dir, "lib", "message.ts"), `export const message: string = "second";\n`);
    // THEN
    expect(report(launch("app.ts")).message).toBe("second");
  });

  test("gives each file its own __dirname and __filename, as tsx does", () => {
    expect(report(launch("app.ts")).where).toEqual([join(dir, "lib"), join(dir, "lib", "where.ts")]);
  });

  test("keeps class names as written when two files use the same one", () => {
    expect(report(launch("app.ts")).names).toEqual(["Widget", "Widget"]);
  });

  test("passes the app's arguments through, with the entry as argv[1]", () => {
    expect(report(launch("app.ts", ["--stack", "efs"])).argv).toEqual([
      join(dir, "app.ts"),
      "--stack",
      "efs",
    ]);
  });

  test("passes the app's exit code through", () => {
    expect(launch("app.ts", [], { FIXTURE_EXIT_CODE: "3" }).status).toBe(3);
  });

  test("prints the app's error unchanged and exits 1, as tsx does", async () => {
    // WHEN the app throws, under the launcher and under tsx
    const launched = launch("app.ts", [], { FIXTURE_THROW: "1" });
    const reference = await tsxReference(
      dir,
      ["app.ts"],
      { FIXTURE_THROW: "1" },
      ["bundle-cache"],
      (result) => ({
        stderr: result.stderr,
        status: result.status,
      }),
    );
    // THEN both print the same error line and exit 1
    const errorLine = (stderr: string) => stderr.split("\n").find((line) => line.startsWith("Error:"));
    expect(errorLine(launched.stderr)).toBe("Error: region: 'mars-1' is not allowed; use eu-west-1");
    expect(errorLine(launched.stderr)).toBe(errorLine(reference.stderr));
    expect(launched.status).toBe(1);
    expect(reference.status).toBe(1);
  });

  test("shows TypeScript lines in stack traces with NODE_OPTIONS=--enable-source-maps", () => {
    const result = launch("app.ts", [], { FIXTURE_THROW: "1", NODE_OPTIONS: "--enable-source-maps" });
    expect(result.stderr).toContain(`${join(dir, "app.ts")}:7:`);
  });

  test("reports a syntax error with file, line and column and exits 1", () => {
    // GIVEN
    writeFileSync(join(dir, "broken.ts"), "const ok = 1;\nconst x: = 2;\n");
    // WHEN
    const result = launch("broken.ts");
    // THEN
    expect(result.stderr).toContain("broken.ts:2:9");
    expect(result.stderr).toContain('Unexpected "="');
    expect(result.status).toBe(1);
  });
});
