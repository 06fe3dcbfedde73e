/**
 * `npm run test:apply`: every stack of every settings file in config/ (and of every examples/<name>/main.ts)
 * applied for real against a local AWS emulator (moto_server), planned again, which must show no change
 * but the emulator artifacts listed in emulator-artifacts.json, then the configuration whose stacks have
 * `preventDestroy` off destroyed. Each stack-phase is one check; the last line is `N passed, N failed`.
 *
 * Only ever writes into temporary copies: the shipped synth output is never edited.
 */
import { execFile } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { findProviderMirror } from "../../__tests__/helpers/terraform";
import {
  EMULATOR_GAPS,
  emulatorOverride,
  liftPreventDestroy,
  protectedAddresses,
  STAND_INS,
  substituteStandIns,
  UNDELETABLE_IN_EMULATOR,
} from "./emulator";
import { startMoto, type MotoServer } from "./moto";
import type { StandIn } from "./emulator";
import { describeChange, explainChanges, plannedChanges, type EmulatorArtifact } from "./plan-diff";

const ROOT = resolve(__dirname, "..", "..");
const ARTIFACTS_FILE = join(__dirname, "emulator-artifacts.json");
/** The state stack: its bucket is always `prevent_destroy` and holds the other stacks' state, so it goes last. */
const STATE_STACK = "state";

// Terraform JSON (synth output, plans) is untyped.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

interface Configuration {
  /** `dev`, `example:basic`, … */
  readonly name: string;
  /** The app entry and the environment to synthesize it with. */
  readonly entry: string;
  readonly env: Record<string, string>;
}

interface Stack {
  readonly configuration: string;
  readonly name: string;
  readonly dir: string;
  readonly json: Json;
}

interface Outcome {
  readonly check: string;
  readonly passed: boolean;
  readonly seconds: number;
  readonly detail?: string;
}

const outcomes: Outcome[] = [];

function record(outcome: Outcome): void {
  outcomes.push(outcome);
  const status = outcome.passed ? "PASS" : "FAIL";
  console.log(
    `${status} ${outcome.check} (${outcome.seconds.toFixed(1)} s)${outcome.detail ? `\n${outcome.detail}` : ""}`,
  );
}

function execute(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    execFile(command, args, { ...options, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      // execFile's error carries the exit status as a number, or a spawn failure as a string code.
      const code = (error as { code?: unknown } | null)?.code;
      if (code === "ENOENT") return reject(new Error(`${command} is not on PATH`));
      resolvePromise({ code: error ? (typeof code === "number" ? code : 1) : 0, stdout, stderr });
    });
  });
}

/** CLI config with the provider mirror the offline test harness uses, when this machine has one. */
function writeCliConfig(dir: string): string {
  const path = join(dir, "apply.tfrc");
  const mirror = findProviderMirror();
  writeFileSync(
    path,
    mirror
      ? `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n`
      : "",
  );
  return path;
}

function terraform(stackDir: string, args: string[]) {
  return execute("terraform", args, {
    cwd: stackDir,
    env: {
      ...process.env,
      TF_CLI_CONFIG_FILE: join(stackDir, "apply.tfrc"),
      TF_IN_AUTOMATION: "1",
      CHECKPOINT_DISABLE: "1",
      GOGC: process.env.GOGC ?? "400",
      // The emulator's mock credentials must win over anything in the developer's environment.
      AWS_PROFILE: "",
      AWS_ACCESS_KEY_ID: "mock-access-key",
      AWS_SECRET_ACCESS_KEY: "mock-secret-key",
      AWS_SESSION_TOKEN: "",
      AWS_EC2_METADATA_DISABLED: "true",
    },
  });
}

/** The last lines of terraform's error output: where the `Error:` block is. */
function tail(text: string, lines = 25): string {
  return text
    .trim()
    .split("\n")
    .slice(-lines)
    .map((line) => `    ${line}`)
    .join("\n");
}

function discoverConfigurations(): Configuration[] {
  const configurations: Configuration[] = readdirSync(join(ROOT, "config"))
    .filter((file) => file.endsWith(".json") && !file.endsWith(".schema.json"))
    .sort()
    .map((file) => ({
      name: file.replace(/\.json$/, ""),
      entry: "main.ts",
      env: { STACK_CONFIG: `config/${file}` },
    }));
  const examplesDir = join(ROOT, "examples");
  if (!existsSync(examplesDir)) {
    console.log("examples/: no such folder, no example apps to apply");
    return configurations;
  }
  for (const name of readdirSync(examplesDir).sort()) {
    const entry = join("examples", name, "main.ts");
    if (existsSync(join(ROOT, entry))) configurations.push({ name: `example:${name}`, entry, env: {} });
  }
  return configurations;
}

async function synthesize(configuration: Configuration, workDir: string): Promise<Stack[]> {
  const outdir = join(workDir, configuration.name.replace(/[^a-z0-9-]/gi, "-"), "synth");
  // cdktf's App makes only the outdir itself, not its parents.
  mkdirSync(outdir, { recursive: true });
  const started = Date.now();
  const result = await execute(process.execPath, [join(ROOT, "scripts", "synth.js"), configuration.entry], {
    cwd: ROOT,
    env: { ...process.env, ...configuration.env, CDKTF_OUTDIR: outdir },
  });
  const seconds = (Date.now() - started) / 1000;
  if (result.code !== 0 || !existsSync(join(outdir, "manifest.json"))) {
    record({
      check: `${configuration.name}: synth`,
      passed: false,
      seconds,
      detail: tail(result.stderr + result.stdout),
    });
    return [];
  }
  const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
  const entries = Object.values(manifest.stacks as Record<string, Json>).filter((entry) => {
    // A stack on another provider (an example's Kubernetes stack) has no emulator here.
    const json = JSON.parse(readFileSync(join(outdir, entry.workingDirectory, "cdk.tf.json"), "utf8"));
    const others = Object.keys(json.provider ?? {}).filter((name) => name !== "aws");
    if (others.length > 0)
      console.log(`  ${configuration.name}/${entry.name}: not applied, it needs ${others.join(", ")}`);
    return others.length === 0;
  });
  return entries.map((entry) => {
    const source = join(outdir, entry.workingDirectory);
    const dir = join(workDir, configuration.name.replace(/[^a-z0-9-]/gi, "-"), "applied", entry.name);
    cpSync(source, dir, { recursive: true });
    return {
      configuration: configuration.name,
      name: entry.name,
      dir,
      json: JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8")),
    };
  });
}

/** Edits the applied copy for the emulator's gaps, prints one line per omission, writes the override. */
function prepare(stack: Stack, moto: MotoServer, liftProtection: boolean): void {
  const lines = EMULATOR_GAPS.flatMap((gap) => gap.omit(stack.json));
  if (liftProtection) lines.push(...liftPreventDestroy(stack.json));
  for (const line of lines) console.log(`  ${stack.configuration}/${stack.name}: ${line}`);
  writeFileSync(join(stack.dir, "cdk.tf.json"), JSON.stringify(stack.json, null, 2));
  writeFileSync(
    join(stack.dir, "emulator_override.tf.json"),
    JSON.stringify(emulatorOverride(stack.json, moto.endpoint), null, 2),
  );
  writeCliConfig(stack.dir);
}

/** Creates an example's existing resources in its emulator and names them in the applied copies. */
async function createStandIns(
  stacks: Stack[],
  standIns: readonly StandIn[],
  moto: MotoServer,
): Promise<string | undefined> {
  const input = join(stacks[0].dir, "..", "stand-ins.json");
  writeFileSync(input, JSON.stringify(standIns));
  const created = await execute("python3", [join(__dirname, "stand-ins.py"), moto.endpoint, input], {});
  if (created.code !== 0) return tail(created.stderr || created.stdout);
  const lines = substituteStandIns(
    stacks.map((stack) => stack.json),
    JSON.parse(created.stdout),
  );
  for (const line of lines) console.log(`  ${stacks[0].configuration}: ${line}`);
  return undefined;
}

/** Runs one phase, records it as one check; returns whether it passed. */
async function phase(stack: Stack, name: string, work: () => Promise<string | undefined>): Promise<boolean> {
  const started = Date.now();
  let failure: string | undefined;
  try {
    failure = await work();
  } catch (error) {
    failure = `    ${(error as Error).message}`;
  }
  record({
    check: `${stack.configuration}/${stack.name}: ${name}`,
    passed: failure === undefined,
    seconds: (Date.now() - started) / 1000,
    detail: failure,
  });
  return failure === undefined;
}

async function applyAndReplan(stack: Stack, artifacts: readonly EmulatorArtifact[]): Promise<boolean> {
  const applied = await phase(stack, "apply", async () => {
    const init = await terraform(stack.dir, ["init", "-input=false", "-no-color"]);
    if (init.code !== 0) return tail(init.stderr || init.stdout);
    const apply = await terraform(stack.dir, ["apply", "-auto-approve", "-input=false", "-no-color"]);
    writeFileSync(join(stack.dir, "apply.log"), apply.stdout + apply.stderr);
    return apply.code === 0 ? undefined : tail(apply.stderr || apply.stdout);
  });
  if (!applied) return false;
  return phase(stack, "second plan", async () => {
    const plan = await terraform(stack.dir, [
      "plan",
      "-detailed-exitcode",
      "-input=false",
      "-no-color",
      "-out=second.tfplan",
    ]);
    if (plan.code === 0) return undefined;
    if (plan.code !== 2) return tail(plan.stderr || plan.stdout);
    const shown = await terraform(stack.dir, ["show", "-json", "second.tfplan"]);
    const { explained, unexplained } = explainChanges(plannedChanges(JSON.parse(shown.stdout)), artifacts);
    for (const { change, artifactIds } of explained) {
      console.log(
        `  ${stack.configuration}/${stack.name}: artifact ${artifactIds.join(", ")}: ${describeChange(change)}`,
      );
    }
    if (unexplained.length === 0) return undefined;
    return unexplained.map((change) => `    does not settle: ${describeChange(change)}`).join("\n");
  });
}

function destroy(stack: Stack): Promise<boolean> {
  return phase(stack, "destroy", async () => {
    const list = await terraform(stack.dir, ["state", "list", "-no-color"]);
    const undeletable = list.stdout
      .split("\n")
      .filter((address) => UNDELETABLE_IN_EMULATOR[address.split(".")[0]] !== undefined);
    for (const address of undeletable) {
      const { api } = UNDELETABLE_IN_EMULATOR[address.split(".")[0]];
      console.log(
        `  ${stack.configuration}/${stack.name}: ${address} left out of the destroy: moto has no ${api}`,
      );
    }
    if (undeletable.length > 0) {
      const removed = await terraform(stack.dir, ["state", "rm", "-no-color", ...undeletable]);
      if (removed.code !== 0) return tail(removed.stderr);
    }
    const result = await terraform(stack.dir, ["destroy", "-auto-approve", "-input=false", "-no-color"]);
    writeFileSync(join(stack.dir, "destroy.log"), result.stdout + result.stderr);
    return result.code === 0 ? undefined : tail(result.stderr || result.stdout);
  });
}

/** Wraps work so that at most `limit` pieces run at a time. */
function limiter(limit: number): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (work) => {
    // A finishing piece hands its slot straight to the next waiting one.
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

function loadArtifacts(): EmulatorArtifact[] {
  const file = JSON.parse(readFileSync(ARTIFACTS_FILE, "utf8"));
  const documented = new Set((file.gaps as Json[]).map((gap) => gap.id));
  const implemented = new Set([
    ...EMULATOR_GAPS.map((gap) => gap.id),
    ...Object.values(UNDELETABLE_IN_EMULATOR).map((gap) => gap.gapId),
  ]);
  const mismatch = [...documented, ...implemented].filter(
    (id) => !documented.has(id) || !implemented.has(id),
  );
  if (mismatch.length > 0) {
    throw new Error(
      `emulator gaps ${mismatch.join(", ")} must be both in ${ARTIFACTS_FILE} and in tools/apply/emulator.ts`,
    );
  }
  return file.artifacts;
}

async function main(): Promise<void> {
  const started = Date.now();
  const version = await execute("terraform", ["version"], {}).catch(() => undefined);
  if (!version || version.code !== 0) {
    throw new Error(
      "terraform is not on PATH: install terraform >= 1.11 (https://developer.hashicorp.com/terraform/install)",
    );
  }
  const artifacts = loadArtifacts();
  const workDir = mkdtempSync(join(tmpdir(), "efs-apply-"));
  const servers: MotoServer[] = [];
  // Interrupted: stop the emulators we started before leaving.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void Promise.all(servers.map((server) => server.stop())).finally(() => process.exit(130));
    });
  }
  try {
    // `npm run test:apply -- dev prod` applies only those configurations (all when none is named).
    const only = process.argv.slice(2);
    const configurations = discoverConfigurations().filter(
      (configuration) => only.length === 0 || only.includes(configuration.name),
    );
    const synthesized: { configuration: Configuration; stacks: Stack[] }[] = [];
    for (const configuration of configurations) {
      synthesized.push({ configuration, stacks: await synthesize(configuration, workDir) });
    }
    // A configuration is torn down when no stack but the state stack has prevent_destroy on: the
    // settings turned it off. The state bucket is always protected; its applied copy lifts that.
    const teardown = synthesized.find(
      ({ stacks }) =>
        stacks.length > 0 &&
        stacks.every((stack) => stack.name === STATE_STACK || protectedAddresses(stack.json).length === 0),
    );
    if (!teardown)
      record({ check: "teardown: no configuration has preventDestroy off", passed: false, seconds: 0 });
    // One emulator per configuration: configurations reuse names (vaults, roles) that one account can't hold twice.
    const perConfiguration = await Promise.all(
      synthesized.map(async (entry) => {
        const moto = await startMoto();
        servers.push(moto);
        const standIns = STAND_INS[entry.configuration.name];
        if (standIns && entry.stacks.length > 0) {
          const started = Date.now();
          const failure = await createStandIns(entry.stacks, standIns, moto).catch(
            (error: Error) => `    ${error.message}`,
          );
          if (failure !== undefined) {
            record({
              check: `${entry.configuration.name}: stand-ins`,
              passed: false,
              seconds: (Date.now() - started) / 1000,
              detail: failure,
            });
            return { stacks: [], tornDown: false };
          }
        }
        // A stack that can't be pointed at the emulator is one failed check, not the end of the run.
        const ready = entry.stacks.filter((stack) => {
          try {
            prepare(stack, moto, entry === teardown);
            return true;
          } catch (error) {
            record({
              check: `${stack.configuration}/${stack.name}: apply`,
              passed: false,
              seconds: 0,
              detail: `    ${(error as Error).message}`,
            });
            return false;
          }
        });
        return { stacks: ready, tornDown: entry === teardown };
      }),
    );
    // Most of an apply is the provider polling, not CPU: by default every stack runs at once.
    const allStacks = perConfiguration.flatMap(({ stacks }) => stacks);
    const limited = limiter(Number(process.env.APPLY_CONCURRENCY ?? allStacks.length));
    await Promise.all(
      perConfiguration.map(async (entry) => {
        if (!entry.tornDown) {
          await Promise.all(entry.stacks.map((stack) => limited(() => applyAndReplan(stack, artifacts))));
          return;
        }
        // Each stack is destroyed as soon as it is applied and planned; the state stack, which would
        // hold the others' state, last.
        const isState = (stack: Stack) => stack.name === STATE_STACK;
        const others = entry.stacks.filter((stack) => !isState(stack));
        const stateStacks = entry.stacks.filter(isState);
        const statePlanned = Promise.all(
          stateStacks.map((stack) => limited(() => applyAndReplan(stack, artifacts))),
        );
        await Promise.all(
          others.map(async (stack) => {
            await limited(() => applyAndReplan(stack, artifacts));
            await limited(() => destroy(stack));
          }),
        );
        await statePlanned;
        for (const stack of stateStacks) await limited(() => destroy(stack));
      }),
    );
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    if (!process.env.APPLY_KEEP) rmSync(workDir, { recursive: true, force: true });
    else console.log(`applied copies kept in ${relative(process.cwd(), workDir) || workDir}`);
  }
  const passed = outcomes.filter((outcome) => outcome.passed).length;
  const failed = outcomes.length - passed;
  console.log(`total ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  if (failed > 0 || passed === 0) process.exitCode = 1;
}

main().catch((error: Error) => {
  console.error(`test:apply: ${error.message}`);
  console.log("0 passed, 1 failed");
  process.exitCode = 1;
});
