/**
 * `npm run test:apply`: every stack of every settings file in config/ (and of every examples/<name>/main.ts)
 * applied for real against a local AWS emulator (moto_server), planned again, which must show no change
 * but the emulator artifacts listed in emulator-artifacts.json, then the configuration whose stacks have
 * `preventDestroy` off destroyed. Each stack-phase is one check; the last line is `N passed, N failed`.
 *
 * The stacks are applied as child modules of combined configurations (combined.ts): the configuration
 * that is torn down in one, all others in another, so each terraform command runs once per combined
 * configuration; each stack's provider runs as one process of its own for all of its commands.
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
import {
  providerBinary,
  startProviderServer,
  type ProviderServer,
} from "../../__tests__/helpers/provider-server";
import { findProviderMirror } from "../../__tests__/helpers/terraform";
import {
  memberPlan,
  messages,
  moduleNameOf,
  reportsByModule,
  rootModule,
  splitAddress,
  stackProviderSource,
  type Member,
} from "./combined";
import {
  EMULATOR_GAPS,
  emulatorOverride,
  liftPreventDestroy,
  providerAliases,
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
  /** Its child module in the combined configuration. */
  readonly moduleName: string;
}

/** Stacks applied as one combined terraform configuration (see combined.ts). */
interface Group {
  readonly dir: string;
  readonly stacks: Stack[];
  /** Destroyed after the second plan, the state stack last. */
  readonly teardown: boolean;
  /** `TF_REATTACH_PROVIDERS` for the stacks' own provider processes, when they run. */
  readonly reattach?: string;
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

function terraform(group: Pick<Group, "dir" | "reattach">, args: string[]) {
  return execute("terraform", args, {
    cwd: group.dir,
    env: {
      ...process.env,
      ...(group.reattach ? { TF_REATTACH_PROVIDERS: group.reattach } : {}),
      TF_CLI_CONFIG_FILE: join(group.dir, "apply.tfrc"),
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
      moduleName: moduleNameOf(configuration.name, entry.name),
    };
  });
}

/**
 * Edits the applied copy for the emulator's gaps, prints one line per omission, writes the override.
 * With `ownProvider`, the stack's `aws` provider gets the source address of its own provider process.
 */
function prepare(stack: Stack, moto: MotoServer, liftProtection: boolean, ownProvider: boolean): void {
  const lines = EMULATOR_GAPS.flatMap((gap) => gap.omit(stack.json));
  if (liftProtection) lines.push(...liftPreventDestroy(stack.json));
  for (const line of lines) console.log(`  ${stack.configuration}/${stack.name}: ${line}`);
  // A child module's backend is ignored (with a warning): the combined root holds the state.
  delete stack.json.terraform?.backend;
  if (ownProvider) {
    // A reattached provider is not installed, so it has no version to match.
    stack.json.terraform.required_providers.aws = { source: stackProviderSource(stack.moduleName) };
  }
  writeFileSync(join(stack.dir, "cdk.tf.json"), JSON.stringify(stack.json, null, 2));
  writeFileSync(
    join(stack.dir, "emulator_override.tf.json"),
    JSON.stringify(emulatorOverride(stack.json, moto.endpoint), null, 2),
  );
}

/**
 * Whether a stack can have a provider process of its own: one process holds one configuration, so
 * only a stack with exactly one `aws` provider configuration (no aliases). Others keep terraform's own
 * provider processes.
 */
function canOwnProvider(stack: Stack): boolean {
  return (
    providerAliases(stack.json).length === 1 && stack.json.terraform?.required_providers?.aws !== undefined
  );
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

function check(stack: Stack, phase: string): string {
  return `${stack.configuration}/${stack.name}: ${phase}`;
}

/** Where a combined command's errors are shown: the stack's own, else the command's. */
function failureDetail(errors: readonly string[], fallback: string): string {
  return errors.length > 0 ? errors.map((error) => `    ${error}`).join("\n") : fallback;
}

/** The members of a group as the root module calls them. */
function membersOf(group: Group, stacks: readonly Stack[] = group.stacks): Member[] {
  return stacks.map((stack) => {
    const path = relative(group.dir, stack.dir);
    return { moduleName: stack.moduleName, source: path.startsWith("../") ? path : `./${path}` };
  });
}

/**
 * `apply` or `destroy` of some stacks of a group in one command; records one check per stack: its own
 * error diagnostics fail it, an error that names no stack fails all of them. Returns the stacks that passed.
 */
async function applyTogether(
  group: Group,
  stacks: readonly Stack[],
  phase: "apply" | "destroy",
  log: string,
): Promise<Stack[]> {
  if (stacks.length === 0) return [];
  const started = Date.now();
  const targets = phase === "destroy" ? stacks.map((stack) => `-target=module.${stack.moduleName}`) : [];
  const result = await terraform(group, [
    phase,
    "-auto-approve",
    "-input=false",
    "-json",
    // Each stack as many resources at once as a terraform command of its own would run.
    `-parallelism=${10 * stacks.length}`,
    ...targets,
  ]);
  const seconds = (Date.now() - started) / 1000;
  writeFileSync(join(group.dir, log), messages(result.stdout) + result.stderr);
  const { reports, unattributed } = reportsByModule(result.stdout, membersOf(group, stacks), started);
  const commandFailure = tail(
    [...unattributed, result.stderr, result.code !== 0 ? messages(result.stdout) : ""].join("\n").trim() ||
      `terraform ${phase} exited with ${result.code}`,
  );
  // Terraform goes on with what does not depend on a failed resource: a stack with no error of its
  // own passes when the others' errors explain the exit status (its second plan shows anything missing).
  const explained =
    unattributed.length === 0 && stacks.some((stack) => reports[stack.moduleName].errors.length > 0);
  const passed: Stack[] = [];
  for (const stack of stacks) {
    const report = reports[stack.moduleName];
    const failed = report.errors.length > 0 || (result.code !== 0 && !explained);
    record({
      check: check(stack, phase),
      passed: !failed,
      seconds: report.seconds ?? seconds,
      detail: failed ? failureDetail(report.errors, commandFailure) : undefined,
    });
    if (!failed) passed.push(stack);
  }
  return passed;
}
/**
 * The second plan of the stacks whose apply passed, as one plan of the group; each stack passes when
 * its part of the plan shows no change but the emulator artifacts.
 */
async function secondPlan(group: Group, stacks: readonly Stack[], artifacts: readonly EmulatorArtifact[]) {
  if (stacks.length === 0) return;
  const started = Date.now();
  const plan = await terraform(group, [
    "plan",
    "-detailed-exitcode",
    "-input=false",
    "-json",
    `-parallelism=${10 * group.stacks.length}`,
    "-out=second.tfplan",
  ]);
  let combined: Json | undefined;
  let failure: string | undefined;
  if (plan.code === 2) {
    const shown = await terraform(group, ["show", "-json", "second.tfplan"]);
    if (shown.code === 0) combined = JSON.parse(shown.stdout);
    else failure = tail(shown.stderr || shown.stdout);
  } else if (plan.code !== 0) {
    failure = tail(plan.stderr || messages(plan.stdout));
  }
  const seconds = (Date.now() - started) / 1000;
  const { reports } = reportsByModule(plan.stdout, membersOf(group), started);
  for (const stack of stacks) {
    const errors = reports[stack.moduleName].errors;
    let detail: string | undefined;
    if (errors.length > 0 || failure !== undefined) {
      detail = failureDetail(errors, failure ?? "");
    } else if (combined !== undefined) {
      const changes = plannedChanges(memberPlan(combined, stack.moduleName));
      const { explained, unexplained } = explainChanges(changes, artifacts);
      for (const { change, artifactIds } of explained) {
        console.log(
          `  ${stack.configuration}/${stack.name}: artifact ${artifactIds.join(", ")}: ${describeChange(change)}`,
        );
      }
      if (unexplained.length > 0)
        detail = unexplained.map((change) => `    does not settle: ${describeChange(change)}`).join("\n");
    }
    record({ check: check(stack, "second plan"), passed: detail === undefined, seconds, detail });
  }
}

/**
 * Destroys the group: the resources moto cannot delete leave the state first, then every stack but
 * the state stack in one command, then the state stack, which would hold the others' state.
 */
async function teardown(group: Group): Promise<void> {
  const list = await terraform(group, ["state", "list", "-no-color"]);
  const undeletable = list.stdout.split("\n").filter((address) => {
    const type = splitAddress(address).address.split(".")[0];
    return UNDELETABLE_IN_EMULATOR[type] !== undefined;
  });
  for (const address of undeletable) {
    const { moduleName, address: own } = splitAddress(address);
    const stack = group.stacks.find((candidate) => candidate.moduleName === moduleName);
    const { api } = UNDELETABLE_IN_EMULATOR[own.split(".")[0]];
    console.log(
      `  ${stack ? `${stack.configuration}/${stack.name}` : "teardown"}: ${own} left out of the destroy: moto has no ${api}`,
    );
  }
  if (undeletable.length > 0) {
    const removed = await terraform(group, ["state", "rm", "-no-color", ...undeletable]);
    if (removed.code !== 0) {
      for (const stack of group.stacks)
        record({ check: check(stack, "destroy"), passed: false, seconds: 0, detail: tail(removed.stderr) });
      return;
    }
  }
  const isState = (stack: Stack) => stack.name === STATE_STACK;
  await applyTogether(
    group,
    group.stacks.filter((stack) => !isState(stack)),
    "destroy",
    "destroy.log",
  );
  await applyTogether(group, group.stacks.filter(isState), "destroy", "destroy-state.log");
}

/** init, apply, second plan and, for the teardown group, destroy: each once for all its stacks. */
async function runGroup(
  group: Group,
  artifacts: readonly EmulatorArtifact[],
  limited: <T>(work: () => Promise<T>) => Promise<T>,
): Promise<void> {
  writeFileSync(join(group.dir, "main.tf.json"), JSON.stringify(rootModule(membersOf(group)), null, 2));
  writeCliConfig(group.dir);
  const started = Date.now();
  const init = await limited(() => terraform(group, ["init", "-input=false", "-no-color"]));
  if (init.code !== 0) {
    for (const stack of group.stacks) {
      record({
        check: check(stack, "apply"),
        passed: false,
        seconds: (Date.now() - started) / 1000,
        detail: tail(init.stderr || init.stdout),
      });
    }
    return;
  }
  const applied = await limited(() => applyTogether(group, group.stacks, "apply", "apply.log"));
  await limited(() => secondPlan(group, applied, artifacts));
  if (group.teardown) await limited(() => teardown(group));
}

/**
 * Starts one provider process per stack that can have its own (see `canOwnProvider`), from the
 * provider binary `terraform init` would link from the filesystem mirror. Without a mirror, with
 * `APPLY_SHARED_PROVIDERS=off`, or for a stack whose process does not start, terraform starts its
 * own provider processes as usual: slower, never different.
 */
async function startStackProviders(stacks: readonly Stack[], providers: Map<string, ProviderServer>) {
  const mirror = findProviderMirror();
  const binary = mirror === undefined ? undefined : providerBinary(mirror);
  if (binary === undefined || process.env.APPLY_SHARED_PROVIDERS === "off") return;
  // The processes inherit this environment. Every endpoint is http on 127.0.0.1, so no CA bundle is
  // needed, and with one (AWS_CA_BUNDLE) the provider fails its second configuration in a process:
  // "unable to add custom RootCAs HTTPClient". GOGC as terraform runs here (see `terraform`).
  delete process.env.AWS_CA_BUNDLE;
  process.env.GOGC ??= "400";
  await Promise.all(
    stacks.filter(canOwnProvider).map(async (stack) => {
      try {
        providers.set(stack.moduleName, await startProviderServer(binary));
      } catch (error) {
        console.log(
          `  ${stack.configuration}/${stack.name}: no provider process of its own, terraform starts them: ${(error as Error).message}`,
        );
      }
    }),
  );
}

/** `TF_REATTACH_PROVIDERS` naming each stack's own provider process by the stack's provider source. */
function reattachValue(stacks: readonly Stack[], providers: ReadonlyMap<string, ProviderServer>) {
  const entries = stacks.flatMap((stack) => {
    const server = providers.get(stack.moduleName);
    if (server === undefined) return [];
    // A debug-mode provider names itself registry.terraform.io/hashicorp/aws; the value is what counts.
    const [value] = Object.values(JSON.parse(server.reattach) as Record<string, unknown>);
    return [[stackProviderSource(stack.moduleName), value]];
  });
  return entries.length > 0 ? JSON.stringify(Object.fromEntries(entries)) : undefined;
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
  const providers = new Map<string, ProviderServer>();
  const stopAll = () =>
    Promise.all([...servers.map((server) => server.stop()), ...[...providers.values()].map((p) => p.stop())]);
  // Interrupted: stop the emulators and providers we started before leaving.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void stopAll().finally(() => process.exit(130));
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
    await startStackProviders(
      synthesized.flatMap(({ stacks }) => stacks),
      providers,
    );
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
            prepare(stack, moto, entry === teardown, providers.has(stack.moduleName));
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
    // The torn-down configuration first: its destroy makes its chain of commands the longest.
    const groups = [true, false]
      .map((tornDown): Group => {
        const stacks = perConfiguration
          .filter((entry) => entry.tornDown === tornDown)
          .flatMap((entry) => entry.stacks);
        const dir = join(workDir, "combined", tornDown ? "teardown" : "applied");
        mkdirSync(dir, { recursive: true });
        return { dir, stacks, teardown: tornDown, reattach: reattachValue(stacks, providers) };
      })
      .filter((group) => group.stacks.length > 0);
    const limited = limiter(Number(process.env.APPLY_CONCURRENCY ?? groups.length));
    await Promise.all(groups.map((group) => runGroup(group, artifacts, limited)));
  } finally {
    await stopAll();
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
