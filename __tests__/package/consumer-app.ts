import { execFile } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import type { TerraformJson } from "../helpers/synth";
import { planStacks, PlanJson } from "../helpers/terraform";
import { cached, hashOf, sourceTreeKey, TEST_CACHE_DIR } from "../helpers/test-cache";

const run = promisify(execFile);

export const PROJECT_ROOT = resolve(__dirname, "..", "..");
export const PACKAGE_NAME = "cdktf-efs-shared-home";

/**
 * The packages a consumer installs next to ours: the peers, and the types its compiler needs. They are
 * symlinked from this repository's node_modules rather than installed from the registry, which would
 * take minutes (@cdktf/provider-aws alone is 362 MB). Node resolves a symlinked package to its real
 * path, so our package, the examples and the provider all load one copy of `cdktf` and `constructs`,
 * as they would after `npm install`.
 */
const LINKED_PACKAGES = [
  "cdktf",
  "constructs",
  "@cdktf/provider-aws",
  "@cdktf/provider-kubernetes",
  "@types/node",
] as const;

/**
 * Providers in the offline mirror. A stack that needs another (an example's Kubernetes stack) is
 * compiled, run and synthesized like the others, and its `cdk.tf.json` is checked, but not planned.
 */
const PLANNABLE_PROVIDERS = new Set(["aws"]);

function plannable(stackDir: string): boolean {
  const stack = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")) as TerraformJson;
  return Object.keys(stack.provider ?? {}).every((name) => PLANNABLE_PROVIDERS.has(name));
}

/**
 * The cdktf TypeScript template's compiler options (`cdktf init --template=typescript`), plus the two
 * flags consumers turn on that our sources once failed. `module: CommonJS` without `moduleResolution`
 * resolves as `node10`, which ignores `exports`: subpath imports then work through `typesVersions`.
 * `skipLibCheck` skips errors inside third-party declarations, as in the template.
 */
export const CONSUMER_COMPILER_OPTIONS = {
  target: "ES2018",
  lib: ["es2018"],
  module: "CommonJS",
  strict: true,
  noImplicitAny: true,
  noImplicitReturns: true,
  noImplicitThis: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  noFallthroughCasesInSwitch: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  experimentalDecorators: true,
  resolveJsonModule: true,
  skipLibCheck: true,
  types: ["node"],
} as const;

/**
 * `terraform validate` before the plan, as a consumer's CI runs it. All example stacks are validated
 * together in one configuration, so this costs one provider load (about 2 s of CPU) in all.
 */
const VALIDATE = true;

/** One file of the tarball, as `npm pack --json` lists it. */
export interface PackedFile {
  readonly path: string;
  readonly size: number;
}

export interface ConsumerApp {
  /** Where the consumer app lives; the package is in its node_modules. */
  readonly dir: string;
  /** The installed package: `<dir>/node_modules/cdktf-efs-shared-home`. */
  readonly packageDir: string;
  readonly tarball: string;
  readonly packedFiles: readonly PackedFile[];
  /** Example name → stack name → `terraform show -json` of its offline plan. */
  readonly plans: Readonly<Record<string, Readonly<Record<string, PlanJson>>>>;
  /** Example name → stack name → its synthesized `cdk.tf.json`. */
  readonly synthesized: Readonly<Record<string, Readonly<Record<string, TerraformJson>>>>;
  /** Wall milliseconds of each step, for `npm run bench`. */
  readonly timings: Readonly<Record<"pack" | "install" | "compile" | "run" | "plan", number>>;
}

/** Every folder of examples/ with a main.ts: each is a complete cdktf app. */
export function exampleNames(): string[] {
  const root = join(PROJECT_ROOT, "examples");
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, "main.ts")))
    .map((entry) => entry.name)
    .sort();
}

async function command(file: string, args: string[], cwd: string, env = process.env): Promise<string> {
  try {
    const { stdout } = await run(file, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${[file, ...args].join(" ")} failed in ${cwd}:\n${failure.stdout ?? ""}\n${failure.stderr ?? failure.message}`,
    );
  }
}

/** Links `name` and, recursively, its non-bundled dependencies into `nodeModules`. */
function linkPackage(name: string, nodeModules: string, linked: Set<string>): void {
  if (linked.has(name)) return;
  linked.add(name);
  const source = realpathSync(join(PROJECT_ROOT, "node_modules", name));
  mkdirSync(dirname(join(nodeModules, name)), { recursive: true });
  symlinkSync(source, join(nodeModules, name), "dir");
  const manifest = JSON.parse(readFileSync(join(source, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
    bundleDependencies?: string[];
    bundledDependencies?: string[];
  };
  const bundled = new Set(manifest.bundleDependencies ?? manifest.bundledDependencies ?? []);
  for (const dependency of Object.keys(manifest.dependencies ?? {})) {
    if (!bundled.has(dependency)) linkPackage(dependency, nodeModules, linked);
  }
}

async function timed<T>(timings: Record<string, number>, step: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    timings[step] = Math.round(performance.now() - start);
  }
}

/**
 * Packs this repository (`npm pack`, whose prepack step is `npm run build`), installs the tarball into
 * a fresh app, compiles every example in one `tsc` run, runs each with plain `node`, and validates and
 * plans every stack they synthesize, offline and in parallel.
 */
export async function buildConsumerApp(
  dir = mkdtempSync(join(tmpdir(), "cdktf-efs-consumer-")),
): Promise<ConsumerApp> {
  const timings: Record<string, number> = {};
  mkdirSync(dir, { recursive: true });
  const names = exampleNames();

  const packed = await timed(timings, "pack", async () => {
    // The lifecycle scripts' banners go to stderr; stdout is only the JSON.
    const stdout = await command("npm", ["pack", "--json", "--pack-destination", dir], PROJECT_ROOT);
    return (JSON.parse(stdout) as { filename: string; files: PackedFile[] }[])[0];
  });
  if (packed === undefined) throw new Error("npm pack --json listed no package");
  const tarball = join(dir, packed.filename);

  const nodeModules = join(dir, "node_modules");
  const packageDir = join(nodeModules, PACKAGE_NAME);
  await timed(timings, "install", async () => {
    // What `npm install <tarball>` puts in node_modules: the tarball's `package/` folder.
    mkdirSync(packageDir, { recursive: true });
    await command("tar", ["-xzf", tarball, "-C", packageDir, "--strip-components=1"], dir);
    const linked = new Set<string>();
    for (const name of LINKED_PACKAGES) linkPackage(name, nodeModules, linked);
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name: "efs-consumer", private: true, dependencies: { [PACKAGE_NAME]: tarball } }),
    );
    for (const name of names) {
      cpSync(join(PROJECT_ROOT, "examples", name), join(dir, "examples", name), { recursive: true });
    }
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({ compilerOptions: CONSUMER_COMPILER_OPTIONS, include: ["examples/*/*.ts"] }),
    );
  });

  await timed(timings, "compile", () =>
    command(
      process.execPath,
      [join(PROJECT_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", dir],
      dir,
    ),
  );

  const outdirs = await timed(timings, "run", () =>
    Promise.all(
      names.map(async (name) => {
        const outdir = join(dir, `cdktf.out.${name}`);
        await command(process.execPath, [join(dir, "examples", name, "main.js")], dir, {
          ...process.env,
          CDKTF_OUTDIR: outdir,
        });
        return outdir;
      }),
    ),
  );

  const plans = await timed(timings, "plan", async () => {
    // Every stack of every example in one Terraform configuration (see planStacks): one provider load
    // per terraform command instead of one per stack.
    const stackDirs: Record<string, string> = {};
    const owners: Record<string, { name: string; stack: string }> = {};
    names.forEach((name, i) => {
      const stacksDir = join(outdirs[i] ?? "", "stacks");
      for (const stack of readdirSync(stacksDir)) {
        if (!plannable(join(stacksDir, stack))) continue;
        const key = `${name}/${stack}`;
        stackDirs[key] = join(stacksDir, stack);
        owners[key] = { name, stack };
      }
    });
    const planned = await planStacks(stackDirs, { validate: VALIDATE });
    const results: Record<string, Record<string, PlanJson>> = Object.fromEntries(names.map((n) => [n, {}]));
    for (const [key, { plan }] of Object.entries(planned)) {
      const { name, stack } = owners[key]!;
      results[name]![stack] = plan;
    }
    return results;
  });

  const synthesized = Object.fromEntries(
    names.map((name, i) => {
      const stacksDir = join(outdirs[i] ?? "", "stacks");
      const stacks = readdirSync(stacksDir).map((stack) => [
        stack,
        JSON.parse(readFileSync(join(stacksDir, stack, "cdk.tf.json"), "utf8")) as TerraformJson,
      ]);
      return [name, Object.fromEntries(stacks)];
    }),
  );

  return {
    dir,
    packageDir,
    tarball,
    packedFiles: packed.files,
    plans,
    synthesized,
    timings: timings as ConsumerApp["timings"],
  };
}

/**
 * What a consumer app is built from: every file of this repository that git would see (tracked or
 * not, `.gitignore` respected) except the tests' and the benchmark's own, which the tarball, the
 * examples and their plans do not depend on; the packages linked into the app and the compiler, by
 * version; Node.js; this checkout's path (the app links into its node_modules).
 */
function consumerInputsKey(): string {
  return hashOf(PROJECT_ROOT, process.version, sourceTreeKey([...LINKED_PACKAGES, "typescript"]));
}

/**
 * The consumer app every test file (and `npm run bench`) shares: built once by `buildConsumerApp`
 * for a given content of the repository (see `consumerInputsKey`), kept under the suite's cache
 * (helpers/test-cache.ts), and rebuilt when any input changes or the kept app is gone. Tests only
 * read it. With the cache off (`EFS_TEST_CACHE=off`) every call builds a fresh app in a temporary
 * directory; `isSharedConsumerApp` tells the caller whether to remove it.
 */
export async function sharedConsumerApp(): Promise<ConsumerApp> {
  const key = consumerInputsKey();
  const appDir = join(TEST_CACHE_DIR, "consumer-apps", key);
  const app = await cached(
    "consumer",
    key,
    async () => {
      rmSync(appDir, { recursive: true, force: true });
      return buildConsumerApp(process.env.EFS_TEST_CACHE === "off" ? undefined : appDir);
    },
    { exclusive: true },
  );
  if (existsSync(app.packageDir)) return app;
  // The entry outlived its app (a cleaned temporary directory): build a private one.
  return buildConsumerApp();
}

/** Whether `app` is kept for other test files (not to be removed by the one that asked for it). */
export function isSharedConsumerApp(app: ConsumerApp): boolean {
  return app.dir.startsWith(join(TEST_CACHE_DIR, "consumer-apps"));
}
