import { spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import ts from "typescript";
import { ALLOWED_DIFFERENCES } from "./allowed-differences";
import {
  AllowedDifference,
  classify,
  diffStack,
  diffStackSets,
  Difference,
  formatDifference,
  TerraformJson,
} from "./compare";
import {
  cdktnSpecifier,
  importedSpecifiers,
  NO_CDKTN_BINDING,
  packageWithoutCdktnBinding,
  rewriteImports,
} from "./rewrite";
import { CDKTN_PACKAGES } from "./versions";

/**
 * `npm run check:cdktn`: proves that the modules, stacks and examples build and synthesize on CDK
 * Terrain (cdktn) with AWS provider 6, and that they synthesize the same Terraform as on cdktf.
 *
 * 1. Copies the app's sources (main.ts, modules/, stacks/, settings/, config/, examples/) twice into
 *    a temporary directory: untouched (cdktf side) and with the import specifiers rewritten (cdktn).
 * 2. Installs the pinned cdktn packages (tools/cdktn-check/versions.ts) once per version set into an
 *    install cache under the system's temporary directory; later runs reuse it.
 * 3. Type-checks the cdktn copy with the repository's compiler flags, and the examples, as a consumer
 *    would compile them (against our declarations), with `noUncheckedIndexedAccess` and
 *    `exactOptionalPropertyTypes` on top.
 * 4. Synthesizes every settings file in config/ with main.ts, and every examples/<name>/main.ts, on
 *    both sides, and compares the stacks attribute by attribute. Differences not explained by
 *    tools/cdktn-check/allowed-differences.ts fail the check, one line each.
 *
 * Environment: CDKTN_CHECK_CACHE moves the install cache (default <tmpdir>/cdktn-check-cache).
 */

const USAGE = [
  "Usage: npm run check:cdktn -- [--keep] [--strict-sources]",
  "  --keep            leave the temporary copies for inspection",
  "  --strict-sources  also type-check our own sources with the consumer flags (issue #11)",
].join("\n");

const REPO = join(__dirname, "..", "..");
/** What the app and the examples are made of; tests, tools and bench stay behind. */
const SOURCES = ["main.ts", "modules", "stacks", "settings", "config", "examples"];
/** Our package name as the examples import it (see package.json and the examples). */
const PACKAGE_NAME = "cdktf-efs-shared-home";
/** The flags a consumer with a strict tsconfig adds on top of `strict` (issue #11). */
const CONSUMER_STRICT_FLAGS = { noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true };

type Side = "cdktf" | "cdktn";

interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly lines: readonly string[];
}

interface RunResult {
  readonly code: number | null;
  readonly output: string;
}

function run(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, "utf8")) as T;
}

/** The repository's pinned TypeScript version: the check compiles with the same compiler as lint. */
function typescriptVersion(): string {
  const manifest = readJson<{ devDependencies?: Record<string, string> }>(join(REPO, "package.json"));
  const version = manifest.devDependencies?.typescript;
  if (!version || !/^\d+\.\d+\.\d+$/.test(version)) {
    throw new Error(`package.json: devDependencies.typescript must be an exact version, got ${version}`);
  }
  return version;
}

/**
 * The pinned cdktn packages, installed once per version set. A run installs into a fresh folder and
 * renames it into place, so a concurrent or interrupted run never leaves a half-installed cache.
 */
async function ensureInstalled(
  dependencies: Record<string, string>,
): Promise<{ dir: string; installed: boolean }> {
  const manifest = { name: "cdktn-check-install", private: true, dependencies };
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  const key = createHash("sha256").update(text).digest("hex").slice(0, 16);
  const root = process.env.CDKTN_CHECK_CACHE ?? join(tmpdir(), "cdktn-check-cache");
  const dir = join(root, key);
  if (existsSync(join(dir, "node_modules", ".complete"))) return { dir, installed: false };

  mkdirSync(root, { recursive: true });
  removeAbandonedStaging(root);
  const staging = join(root, `${key}.${process.pid}.${randomUUID()}.tmp`);
  mkdirSync(staging);
  writeFileSync(join(staging, "package.json"), text);
  // `npm run` exports its own prefix to children; --prefix keeps this install out of the repository.
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (/^npm_config_(local_)?prefix$/i.test(name)) delete env[name];
  const result = await run(
    "npm",
    [
      "install",
      "--prefix",
      staging,
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      "--no-package-lock",
      "--engine-strict=false",
    ],
    { cwd: staging, env },
  );
  if (result.code !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`npm install of ${Object.entries(dependencies).join(", ")} failed:\n${result.output}`);
  }
  writeFileSync(join(staging, "node_modules", ".complete"), "");
  try {
    renameSync(staging, dir);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another run finished first
    if (!existsSync(join(dir, "node_modules", ".complete"))) throw new Error(`cannot install into ${dir}`);
  }
  return { dir, installed: true };
}

/** Staging folders of installs that were killed; an install takes seconds, so an hour is plenty. */
function removeAbandonedStaging(root: string): void {
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    try {
      if (name.endsWith(".tmp") && Date.now() - statSync(path).mtimeMs > 3600_000) {
        rmSync(path, { recursive: true, force: true });
      }
    } catch {
      // Removed by a concurrent run.
    }
  }
}

function listTsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter(
      (file) => file.endsWith(".ts") && !file.endsWith(".d.ts") && !file.split("/").includes("node_modules"),
    )
    .map((file) => join(dir, file));
}

/**
 * Build output, and an example's own package manifests: the check supplies the packages and the
 * module format (CommonJS, as the repository compiles), whatever an example declares for its users.
 */
const SKIPPED_WHEN_COPYING =
  /(^|\/)(node_modules|cdktf\.out[^/]*|\.gen)(\/|$)|^examples\/.*\/(package|package-lock)\.json$/;

/** Copies the app's sources; on the cdktn side, rewrites the imports. Returns unmapped imports. */
function copySources(target: string, side: Side): string[] {
  for (const source of SOURCES) {
    const from = join(REPO, source);
    if (!existsSync(from)) continue;
    cpSync(from, join(target, source), {
      recursive: true,
      filter: (file) => !SKIPPED_WHEN_COPYING.test(relative(REPO, file)),
    });
  }
  leaveOutFilesWithoutCdktnBinding(target);
  if (side === "cdktf") return [];
  const unmapped: string[] = [];
  for (const file of listTsFiles(target)) {
    const result = rewriteImports(readFileSync(file, "utf8"), file);
    writeFileSync(file, result.text);
    unmapped.push(
      ...result.unmapped.map((entry) => `${relative(target, file)}:${entry} has no cdktn equivalent`),
    );
  }
  return unmapped;
}

/**
 * Removes, from one copy, every file that imports a binding with no cdktn counterpart
 * (`NO_CDKTN_BINDING`); the same files go from both copies, so both sides stay comparable.
 * Returns `<file>: <package>` for each.
 */
function leaveOutFilesWithoutCdktnBinding(target: string): string[] {
  const leftOut: string[] = [];
  for (const file of listTsFiles(target)) {
    const missing = importedSpecifiers(readFileSync(file, "utf8"), file)
      .map(packageWithoutCdktnBinding)
      .find((name) => name !== undefined);
    if (missing === undefined) continue;
    rmSync(file);
    leftOut.push(`${relative(target, file)}: ${missing}`);
  }
  return leftOut;
}

/** The files `leaveOutFilesWithoutCdktnBinding` removes, as the repository holds them. */
function filesWithoutCdktnBinding(): string[] {
  return SOURCES.filter((source) => existsSync(join(REPO, source)))
    .flatMap((source) =>
      statSync(join(REPO, source)).isDirectory() ? listTsFiles(join(REPO, source)) : [join(REPO, source)],
    )
    .filter((file) => !SKIPPED_WHEN_COPYING.test(relative(REPO, file)))
    .flatMap((file) => {
      const missing = importedSpecifiers(readFileSync(file, "utf8"), file)
        .map(packageWithoutCdktnBinding)
        .find((name) => name !== undefined);
      return missing === undefined
        ? []
        : [`${relative(REPO, file)} (${missing}: ${NO_CDKTN_BINDING[missing]})`];
    });
}

function link(target: string, linkPath: string): void {
  mkdirSync(dirname(linkPath), { recursive: true });
  symlinkSync(target, linkPath, statSync(target).isDirectory() ? "dir" : "file");
}

/** Top-level package folders in a node_modules, with scopes expanded (`@cdktf/provider-aws`). */
function packagesIn(nodeModules: string): string[] {
  const names: string[] = [];
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith(".")) continue;
    if (entry.startsWith("@")) {
      for (const scoped of readdirSync(join(nodeModules, entry))) names.push(`${entry}/${scoped}`);
    } else {
      names.push(entry);
    }
  }
  return names;
}

/**
 * A node_modules for one side, made of links. The cdktn side gets the installed cdktn packages and
 * everything else (zod, @types/node) from the repository, but none of the CDKTF packages, so that a
 * leftover cdktf import fails to resolve instead of quietly loading cdktf.
 */
function linkNodeModules(sideDir: string, side: Side, installed: string | undefined): void {
  const repoModules = realpathSync(join(REPO, "node_modules"));
  const target = join(sideDir, "node_modules");
  const fromInstall = installed ? packagesIn(join(installed, "node_modules")) : [];
  for (const name of fromInstall) link(join(installed as string, "node_modules", name), join(target, name));
  for (const name of packagesIn(repoModules)) {
    if (fromInstall.includes(name)) continue;
    const isCdktfPackage =
      cdktnSpecifier(name) !== undefined || name.startsWith("@cdktf/") || name === "cdktf-cli";
    if (side === "cdktn" && isCdktfPackage) continue;
    if (name === PACKAGE_NAME) continue;
    link(join(repoModules, name), join(target, name));
  }
  // Our own package, as the examples import it: each subpath re-exports the module's compiled index.
  const modulesDir = join(sideDir, "modules");
  const packageDir = join(target, PACKAGE_NAME);
  mkdirSync(packageDir, { recursive: true });
  const exportsMap: Record<string, string> = {};
  const subpaths = readdirSync(modulesDir).filter((name) => existsSync(join(modulesDir, name, "index.ts")));
  for (const name of subpaths) {
    writeFileSync(
      join(packageDir, `${name}.js`),
      `module.exports = require(${JSON.stringify(join(modulesDir, name))});\n`,
    );
    exportsMap[`./${name}`] = `./${name}.js`;
  }
  if (existsSync(join(modulesDir, "index.ts"))) {
    writeFileSync(join(packageDir, "index.js"), `module.exports = require(${JSON.stringify(modulesDir)});\n`);
    exportsMap["."] = "./index.js";
  }
  writeFileSync(
    join(packageDir, "package.json"),
    JSON.stringify({ name: PACKAGE_NAME, private: true, exports: exportsMap }, null, 2),
  );
}

const REPO_TSCONFIG = join(REPO, "tsconfig.json");

/**
 * Where and what tsc writes, whatever the repository's tsconfig says about its own build: JavaScript
 * next to each source (the modules read their instance scripts relative to `__dirname`), nothing else.
 */
const EMIT_IN_PLACE = {
  outDir: ".",
  baseUrl: ".",
  rootDir: ".",
  declaration: false,
  declarationMap: false,
  composite: false,
  emitDeclarationOnly: false,
  incremental: false,
  sourceMap: false,
  inlineSourceMap: false,
  types: ["node"],
};

/**
 * Runs tsc over a side's copy with a tsconfig that extends the repository's, so that the check
 * compiles with the flags `npm run lint` uses, plus `overrides`.
 */
async function tsc(
  tscPath: string,
  sideDir: string,
  configName: string,
  name: string,
  overrides: Record<string, unknown>,
  include: readonly string[],
): Promise<Check> {
  const file = join(sideDir, `tsconfig.${configName}.json`);
  const compilerOptions = { ...EMIT_IN_PLACE, ...overrides };
  writeFileSync(file, JSON.stringify({ extends: REPO_TSCONFIG, compilerOptions, include }, null, 2));
  const result = await run(process.execPath, [tscPath, "-p", file, "--pretty", "false"], { cwd: sideDir });
  const lines = result.output.split("\n").filter((line) => line.trim() !== "");
  return { name, ok: result.code === 0, lines };
}

const APP_SOURCES = ["main.ts", "modules/**/*.ts", "stacks/**/*.ts", "settings/**/*.ts"];
const STRICT_FLAGS_TEXT = Object.keys(CONSUMER_STRICT_FLAGS).join(", ");

/** The cdktn copy with the repository's flags; emits JavaScript, and our declarations for the examples. */
function typeCheckCdktn(sideDir: string, tscPath: string): Promise<Check> {
  const hasExamples = existsSync(join(sideDir, "examples"));
  return tsc(
    tscPath,
    sideDir,
    "app",
    "type-check on cdktn (repository flags): main.ts, modules, stacks, settings, examples",
    {
      noEmit: false,
      ...(hasExamples ? { declaration: true, declarationDir: "types" } : {}),
      // Examples import the package by name; here that name is the rewritten modules/.
      paths: { [PACKAGE_NAME]: ["./modules/index.ts"], [`${PACKAGE_NAME}/*`]: ["./modules/*/index.ts"] },
    },
    [...APP_SOURCES, "examples/**/*.ts"],
  );
}

/**
 * The examples as a consumer compiles them: against our declarations, with the strict flags a
 * consumer may use. Our own sources are not compiled under these flags by default: they do not pass
 * them yet (docs/leaving-cdktf.md; issue #11).
 */
async function typeCheckExamplesStrict(sideDir: string, tscPath: string): Promise<Check | undefined> {
  if (!existsSync(join(sideDir, "examples"))) return undefined;
  return tsc(
    tscPath,
    sideDir,
    "examples-strict",
    `type-check of examples on cdktn, strict + ${STRICT_FLAGS_TEXT}`,
    {
      ...CONSUMER_STRICT_FLAGS,
      noEmit: true,
      paths: {
        [PACKAGE_NAME]: ["./types/modules/index.d.ts"],
        [`${PACKAGE_NAME}/*`]: ["./types/modules/*/index.d.ts"],
      },
    },
    ["examples/**/*.ts"],
  );
}

/**
 * `--strict-sources`: our own sources under the consumer flags. Off by default: they raise 44 errors
 * today (issue #11), on cdktf and cdktn alike; turn it on in .ci/run once they pass.
 */
function typeCheckSourcesStrict(sideDir: string, tscPath: string): Promise<Check> {
  return tsc(
    tscPath,
    sideDir,
    "sources-strict",
    `type-check of main.ts, modules, stacks, settings on cdktn, strict + ${STRICT_FLAGS_TEXT}`,
    { ...CONSUMER_STRICT_FLAGS, noEmit: true },
    APP_SOURCES,
  );
}

/** The cdktf side needs JavaScript only: `npm run lint` type-checks the untouched sources already. */
function transpileCdktf(sideDir: string): void {
  const { config, error } = ts.readConfigFile(REPO_TSCONFIG, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, "\n"));
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, REPO);
  const compilerOptions = { ...options, noEmit: false, sourceMap: false, inlineSourceMap: false };
  for (const file of listTsFiles(sideDir)) {
    const output = ts.transpileModule(readFileSync(file, "utf8"), { compilerOptions, fileName: file });
    writeFileSync(file.replace(/\.ts$/, ".js"), output.outputText);
  }
}

interface SynthTarget {
  /** `config/dev` or `examples/<name>`: the first part of every reported stack name. */
  readonly source: string;
  /** The compiled entry, relative to the side's directory. */
  readonly entry: string;
  readonly env: Record<string, string>;
}

function synthTargets(sideDir: string): SynthTarget[] {
  const targets: SynthTarget[] = readdirSync(join(sideDir, "config"))
    .filter((name) => name.endsWith(".json") && !name.endsWith(".schema.json"))
    .sort()
    .map((name) => ({
      source: `config/${name.replace(/\.json$/, "")}`,
      entry: "main.js",
      env: { STACK_CONFIG: `config/${name}` },
    }));
  const examples = join(sideDir, "examples");
  if (existsSync(examples)) {
    for (const name of readdirSync(examples).sort()) {
      if (existsSync(join(examples, name, "main.ts"))) {
        targets.push({ source: `examples/${name}`, entry: `examples/${name}/main.js`, env: {} });
      }
    }
  }
  return targets;
}

function outdirOf(sideDir: string, target: SynthTarget): string {
  return join(sideDir, "synth-out", target.source);
}

/** Runs one app with plain node; it writes to CDKTF_OUTDIR (both frameworks read that variable). */
async function synth(sideDir: string, target: SynthTarget): Promise<Check> {
  const outdir = outdirOf(sideDir, target);
  // Both frameworks create the outdir itself, but not its parents.
  mkdirSync(dirname(outdir), { recursive: true });
  const env = { ...process.env, ...target.env, CDKTF_OUTDIR: outdir };
  const cwd = join(sideDir, dirname(target.entry));
  const result = await run(process.execPath, [join(sideDir, target.entry)], { cwd, env });
  const side = sideDir.endsWith("cdktn") ? "cdktn" : "cdktf";
  const lines = result.code === 0 ? [] : result.output.split("\n").filter((line) => line.trim() !== "");
  return { name: `synth ${target.source} on ${side}`, ok: result.code === 0, lines };
}

/**
 * Stack name → parsed cdk.tf.json, from an outdir's manifest. The copy's own directory becomes
 * `<copy>`: the two sides live in different folders, and an absolute path such as the default local
 * backend's state file (`<cwd>/terraform.<stack>.tfstate`) would differ for that reason alone.
 */
function readStacks(outdir: string, sideDir: string): Map<string, TerraformJson> {
  const manifest = readJson<{ stacks: Record<string, { synthesizedStackPath: string }> }>(
    join(outdir, "manifest.json"),
  );
  const read = (file: string): TerraformJson =>
    JSON.parse(readFileSync(join(outdir, file), "utf8").split(sideDir).join("<copy>")) as TerraformJson;
  return new Map(
    Object.entries(manifest.stacks).map(([name, stack]) => [name, read(stack.synthesizedStackPath)]),
  );
}

/**
 * One check per stack synthesized on both sides, plus one for stacks that only one side made.
 * A target whose synth failed on either side is skipped: its failure is reported already.
 */
function compareSynths(
  targets: readonly SynthTarget[],
  dirs: Record<Side, string>,
): { checks: Check[]; allowedCounts: Map<AllowedDifference, number>; unused: readonly AllowedDifference[] } {
  const differences: Difference[] = [];
  const compared: string[] = [];
  for (const target of targets) {
    const cdktfOut = outdirOf(dirs.cdktf, target);
    const cdktnOut = outdirOf(dirs.cdktn, target);
    if (!existsSync(join(cdktfOut, "manifest.json")) || !existsSync(join(cdktnOut, "manifest.json")))
      continue;
    const cdktfStacks = readStacks(cdktfOut, dirs.cdktf);
    const cdktnStacks = readStacks(cdktnOut, dirs.cdktn);
    differences.push(...diffStackSets(target.source, [...cdktfStacks.keys()], [...cdktnStacks.keys()]));
    for (const [name, document] of cdktfStacks) {
      const other = cdktnStacks.get(name);
      if (!other) continue;
      const stack = `${target.source}/${name}`;
      compared.push(stack);
      differences.push(...diffStack(stack, document, other));
    }
  }
  const { unexplained, explained, unused } = classify(differences, ALLOWED_DIFFERENCES);
  const checks: Check[] = compared.map((stack) => {
    const own = unexplained.filter((difference) => difference.stack === stack);
    const allowed = explained.filter(({ difference }) => difference.stack === stack).length;
    return {
      name: `same Terraform: ${stack} (${allowed} allowed difference${allowed === 1 ? "" : "s"})`,
      ok: own.length === 0,
      lines: own.map(formatDifference),
    };
  });
  const onOneSide = unexplained.filter((difference) => difference.address === "(stack)");
  if (onOneSide.length > 0) {
    checks.push({ name: "same stacks on both sides", ok: false, lines: onOneSide.map(formatDifference) });
  }
  const allowedCounts = new Map<AllowedDifference, number>();
  for (const { entry } of explained) allowedCounts.set(entry, (allowedCounts.get(entry) ?? 0) + 1);
  return { checks, allowedCounts, unused };
}

/** At most `limit` tasks at once: the two cores are shared. */
async function inPool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

export async function main(argv: readonly string[]): Promise<number> {
  const started = Date.now();
  const keep = argv.includes("--keep");
  const strictSources = argv.includes("--strict-sources");
  const unknown = argv.filter((arg) => arg !== "--keep" && arg !== "--strict-sources");
  if (unknown.length > 0) {
    console.error(`unknown argument(s): ${unknown.join(" ")}\n${USAGE}`);
    return 2;
  }
  const work = mkdtempSync(join(tmpdir(), "cdktn-check-"));
  const checks: Check[] = [];
  const report = (check: Check): void => {
    checks.push(check);
    console.log(`${check.ok ? "PASS" : "FAIL"} ${check.name}`);
    for (const line of check.lines) console.log(`  ${line}`);
  };
  try {
    const installStarted = Date.now();
    const dependencies = { ...CDKTN_PACKAGES, typescript: typescriptVersion() };
    const install = await ensureInstalled(dependencies);
    const providerManifest = readJson<{ cdktf?: { provider?: { version?: string } } }>(
      join(install.dir, "node_modules", "@cdktn", "provider-aws", "package.json"),
    );
    console.log(
      `cdktn-check: ${Object.entries(dependencies)
        .map(([name, version]) => `${name} ${version}`)
        .join(", ")}` + ` (AWS provider ${providerManifest.cdktf?.provider?.version ?? "unknown"})`,
    );
    console.log(
      `install: ${install.installed ? "installed" : "cached"} in ${install.dir} (${seconds(installStarted)})`,
    );

    const prepareStarted = Date.now();
    const dirs: Record<Side, string> = { cdktf: join(work, "cdktf"), cdktn: join(work, "cdktn") };
    copySources(dirs.cdktf, "cdktf");
    const unmapped = copySources(dirs.cdktn, "cdktn");
    report({ name: "rewrite of cdktf imports to cdktn", ok: unmapped.length === 0, lines: unmapped });
    for (const line of filesWithoutCdktnBinding())
      console.log(`not compared, left out of both copies: ${line}`);
    linkNodeModules(dirs.cdktf, "cdktf", undefined);
    linkNodeModules(dirs.cdktn, "cdktn", install.dir);
    const tscPath = join(install.dir, "node_modules", "typescript", "bin", "tsc");
    // tsc runs in its own process meanwhile.
    const compiling = typeCheckCdktn(dirs.cdktn, tscPath);
    transpileCdktf(dirs.cdktf);
    const compiled = await compiling;
    report(compiled);
    // tsc writes the declarations even when it reports errors, so this runs (and reports) either way.
    const strictExamples = await typeCheckExamplesStrict(dirs.cdktn, tscPath);
    if (strictExamples) report(strictExamples);
    if (strictSources) report(await typeCheckSourcesStrict(dirs.cdktn, tscPath));
    console.log(`compile: ${seconds(prepareStarted)}`);
    if (!compiled.ok) return finish(checks, started);

    const synthStarted = Date.now();
    const targets = synthTargets(dirs.cdktf);
    const synths = await inPool(
      targets.flatMap((target) => [() => synth(dirs.cdktf, target), () => synth(dirs.cdktn, target)]),
      2,
    );
    synths.filter((check) => !check.ok).forEach(report);
    console.log(`synth: ${targets.length} apps × 2 (${seconds(synthStarted)})`);

    const { checks: comparisons, allowedCounts, unused } = compareSynths(targets, dirs);
    comparisons.forEach(report);
    for (const [entry, count] of allowedCounts) {
      console.log(
        `allowed ${count}×: ${entry.address} ${entry.attribute} (tools/cdktn-check/allowed-differences.ts)`,
      );
    }
    for (const entry of unused) {
      console.log(`note: allow-list entry matched nothing (stale?): ${entry.address} ${entry.attribute}`);
    }
    return finish(checks, started);
  } finally {
    if (keep) console.log(`kept: ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

function finish(checks: readonly Check[], started: number): number {
  const failed = checks.filter((check) => !check.ok).length;
  console.log(`${checks.length - failed} passed, ${failed} failed (${seconds(started)})`);
  return failed === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
