/**
 * The offline terraform harness: mock credentials and a local backend written next to a synthesized
 * stack (never into what we ship), then `init`, `validate`, `plan -refresh=false`, `show -json`.
 *
 * Three mechanisms keep the suite fast; use them when you add a test that runs terraform:
 * - Plan (or validate) the stacks a test file needs TOGETHER: `planStacks` / `validateStacks` make them
 *   child modules of one configuration, so each terraform command (each loads the 700 MB provider,
 *   2–4 s of CPU) runs once for all of them. Collect your stacks in one `beforeAll`.
 * - Every result is cached on disk by the hash of all its inputs (helpers/test-cache.ts): an unchanged
 *   stack is not planned again on the next run; a changed one always is.
 * - Example apps are checked from ONE packed and installed consumer app per content of the repository
 *   (`sharedConsumerApp` in package/consumer-app.ts): add an `examples/<name>/main.ts` and its
 *   expectations in `__tests__/examples/<name>.ts`; do not pack again.
 * `npm run bench -- --suite` counts the terraform commands a run makes.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import type { TerraformJson } from "./synth";
import { providerBinary, sharedProviderEnv, startProviderServer } from "./provider-server";
import { cached, hashDirectory, hashOf, TEST_CACHE_DIR, toolchainKey, withLock } from "./test-cache";

const run = promisify(execFile);

/**
 * Where a filesystem mirror of hashicorp/aws may already sit on a machine without internet.
 * `TF_PLUGIN_MIRROR` wins; with none found, Terraform installs from the registry as usual.
 */
const MIRROR_CANDIDATES = [
  "/opt/tf-plugins",
  join(homedir(), ".terraform.d", "plugins"),
  "/usr/local/share/terraform/plugins",
  "/usr/share/terraform/plugins",
];

export function findProviderMirror(): string | undefined {
  const fromEnv = process.env.TF_PLUGIN_MIRROR;
  if (fromEnv) return fromEnv;
  return MIRROR_CANDIDATES.find((dir) => existsSync(join(dir, "registry.terraform.io", "hashicorp", "aws")));
}

/**
 * Without a mirror, providers come from the registry into this cache, shared across test files and
 * runs, so each `terraform init` links the 700 MB provider instead of downloading it.
 */
const PLUGIN_CACHE_DIR = process.env.TF_PLUGIN_CACHE_DIR ?? join(TEST_CACHE_DIR, "terraform-plugins");

/**
 * An unpacked filesystem mirror already is a cache: `init` symlinks the provider straight from it
 * (about 0.5 s). Adding `plugin_cache_dir` on top would make every `init` re-create the cache's
 * symlink, and a `plan` running in parallel through the old link then fails with "fork/exec ...:
 * no such file or directory"; so with a mirror there is no plugin cache.
 */
function writeCliConfig(dir: string): { path: string; usesPluginCache: boolean } {
  const mirror = findProviderMirror();
  const path = join(dir, "harness.tfrc");
  if (mirror) {
    writeFileSync(
      path,
      `provider_installation {
  filesystem_mirror {
    path    = ${JSON.stringify(mirror)}
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
`,
    );
    return { path, usesPluginCache: false };
  }
  mkdirSync(PLUGIN_CACHE_DIR, { recursive: true });
  writeFileSync(path, `plugin_cache_dir = ${JSON.stringify(PLUGIN_CACHE_DIR)}\n`);
  return { path, usesPluginCache: true };
}

/** Credentials and flags that let the AWS provider plan with no network and no account. */
const MOCK_PROVIDER = {
  access_key: "mock-access-key",
  secret_key: "mock-secret-key",
  skip_credentials_validation: true,
  skip_requesting_account_id: true,
  skip_metadata_api_check: true,
  skip_region_validation: true,
};

/** How the harness prepares a stack directory. */
export interface HarnessOptions {
  /**
   * Aliases of the stack's extra `aws` providers, besides the default (unaliased) one; each gets mock
   * credentials. Read from the stack's `cdk.tf.json` when not given. An HCL synth (`cdk.tf`) has no
   * JSON to read them from, so a test of one says which aliases the stack declares (`[]` for none).
   */
  readonly providerAliases?: readonly string[];
}

/** The `alias` of each `aws` provider block a stack declares, `undefined` for the default one. */
function declaredAwsProviders(stackDir: string, { providerAliases }: HarnessOptions): (string | undefined)[] {
  if (providerAliases) return [undefined, ...providerAliases];
  const file = join(stackDir, "cdk.tf.json");
  if (!existsSync(file)) {
    throw new Error(`${file} does not exist; for an HCL synth, pass providerAliases to the harness`);
  }
  const stack = JSON.parse(readFileSync(file, "utf8")) as TerraformJson;
  const declared = stack.provider?.aws;
  return (Array.isArray(declared) ? declared : [declared ?? {}]).map((p: TerraformJson) => p.alias);
}

/**
 * Override files, written only here and never by the shipped synth: mock credentials on every AWS
 * provider (aliases included) and a local backend inside the test directory. A JSON override file
 * overrides an HCL `cdk.tf` as well as a `cdk.tf.json`.
 */
function writeOverrides(stackDir: string, options: HarnessOptions): void {
  const override = {
    provider: { aws: mockProviders(stackDir, options) },
    terraform: { backend: { local: { path: "harness.tfstate" } } },
  };
  writeFileSync(join(stackDir, "harness_override.tf.json"), JSON.stringify(override, null, 2));
}

/** Mock credentials only, for a stack planned as a child module (a backend there would be ignored). */
function writeProviderOverrides(stackDir: string, options: HarnessOptions): void {
  const override = { provider: { aws: mockProviders(stackDir, options) } };
  writeFileSync(join(stackDir, "harness_override.tf.json"), JSON.stringify(override, null, 2));
}

function mockProviders(stackDir: string, options: HarnessOptions) {
  return declaredAwsProviders(stackDir, options).map((alias) =>
    alias ? { alias, ...MOCK_PROVIDER } : { ...MOCK_PROVIDER },
  );
}

/** Runs a terraform command; `extraEnv` wins over everything else (see `offlinePlan`). */
async function terraform(
  stackDir: string,
  cliConfig: string,
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<string> {
  try {
    const { stdout } = await run("terraform", args, {
      cwd: stackDir,
      maxBuffer: 256 * 1024 * 1024,
      env: {
        ...process.env,
        TF_CLI_CONFIG_FILE: cliConfig,
        TF_IN_AUTOMATION: "1",
        TF_INPUT: "0",
        CHECKPOINT_DISABLE: "1",
        // Go's default garbage collector (GOGC and GOMEMLIMIT pass through from the caller's
        // environment): `GOGC=off GOMEMLIMIT=2GiB` cost 3 s more CPU per plan than the default, almost
        // all of it system time for first-touching the bigger heaps (docs/internals.md, "Performance").
        // The mock credentials must win over anything in the developer's environment.
        AWS_PROFILE: "",
        AWS_ACCESS_KEY_ID: MOCK_PROVIDER.access_key,
        AWS_SECRET_ACCESS_KEY: MOCK_PROVIDER.secret_key,
        AWS_SESSION_TOKEN: "",
        AWS_EC2_METADATA_DISABLED: "true",
        ...sharedProviderEnv(args),
        ...extraEnv,
      },
    });
    return stdout;
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `terraform ${args[0]} failed in ${stackDir}:\n${failure.stderr || failure.stdout || failure.message}`,
    );
  }
}

/** `plan` with no refresh (no AWS call), no lock and no prompt, saved for `terraform show -json`. */
const OFFLINE_PLAN_ARGS = [
  "plan",
  "-refresh=false",
  "-input=false",
  "-no-color",
  "-lock=false",
  "-out=harness.tfplan",
];

/**
 * `terraform plan` with the offline arguments. A configuration with exactly one AWS provider
 * configuration plans with a provider process started for this plan alone, which also answers
 * terraform's schema requests: one provider start instead of two (one for the schema, one per
 * configuration), about 1.7 s of CPU less per plan (measured 2026-12-06). A provider process can be
 * configured only once (a second configure fails when AWS_CA_BUNDLE is set), so it is never reused.
 */
async function offlinePlan(
  dir: string,
  cliConfig: string,
  extraArgs: readonly string[],
  providerConfigurations: number,
): Promise<string> {
  const args = [...OFFLINE_PLAN_ARGS, ...extraArgs];
  const mirror = findProviderMirror();
  const attach = providerConfigurations === 1 && process.env.EFS_TEST_SHARED_PROVIDER !== "off";
  const binary = attach && mirror !== undefined ? providerBinary(mirror) : undefined;
  const server = binary === undefined ? undefined : await startProviderServer(binary).catch(() => undefined);
  try {
    return await terraform(dir, cliConfig, args, server ? { TF_REATTACH_PROVIDERS: server.reattach } : {});
  } finally {
    await server?.stop();
  }
}

/** `terraform show -json` of a saved plan. */
export type PlanJson = Record<string, any>;

export interface PlanResult {
  readonly stackDir: string;
  /**
   * Where terraform plans: `stackDir`, or the shared root of `planStacks`. Holds `harness.tfplan` only
   * when the plan was not taken from the cache.
   */
  readonly planDir?: string;
  readonly plan: PlanJson;
  /**
   * What `terraform plan -no-color` printed: the same text as `terraform show` of the saved plan, which
   * would load the provider once more. For `planStacks`, the text of all the stacks together.
   */
  readonly planText: string;
}

/**
 * "The plugin cache directory is not guaranteed to be concurrency safe" (Terraform CLI configuration
 * docs): two `init`s that fill an empty cache at once fail with "mkdir …: file exists". Test files and
 * stacks run `init` in parallel, so `init` takes this lock: a file holding the owner's pid, taken over
 * when that process is gone. With a warm cache an `init` takes about half a second.
 */
const INIT_LOCK = `${PLUGIN_CACHE_DIR}.init-lock`;

/** `terraform init` in `dir`, one at a time when a shared plugin cache is filled (see `INIT_LOCK`). */
async function terraformInit(
  dir: string,
  cliConfig: { path: string; usesPluginCache: boolean },
  { backend = true }: { backend?: boolean } = {},
): Promise<void> {
  const init = () =>
    terraform(dir, cliConfig.path, ["init", "-input=false", "-no-color", `-backend=${backend}`]);
  await (cliConfig.usesPluginCache
    ? withLock(INIT_LOCK, init, { staleAfterMs: 15 * 60_000, pollMs: 100 })
    : init());
}

/** `terraform init` of a stack directory, unless this harness initialized it already (settle plans). */
async function ensureInitialized(
  stackDir: string,
  cliConfig: { path: string; usesPluginCache: boolean },
): Promise<string> {
  if (!existsSync(join(stackDir, ".terraform.lock.hcl"))) await terraformInit(stackDir, cliConfig);
  return cliConfig.path;
}

/**
 * Files terraform writes into a directory it runs in: left out of the cache keys, which hash only what
 * the result depends on (see `configurationKey`).
 */
const TERRAFORM_OUTPUTS = [".terraform", ".terraform.lock.hcl", "harness.tfplan", "harness.tfrc"];

/**
 * The cache key of a terraform result (see helpers/test-cache.ts): the command and its arguments,
 * the toolchain (terraform, and the provider binaries `init` would install), and every input file of
 * every configuration directory involved, including the harness's overrides and state.
 */
function configurationKey(command: string, args: readonly unknown[], dirs: readonly string[]): string {
  return hashOf(
    command,
    JSON.stringify(args),
    toolchainKey(findProviderMirror() ?? PLUGIN_CACHE_DIR),
    ...dirs.map((dir) => hashDirectory(dir, TERRAFORM_OUTPUTS)),
  );
}

/** Runs `terraform init` and `validate` in a synthesized stack directory (JSON or HCL synth). */
export async function validateStack(stackDir: string, options: HarnessOptions = {}): Promise<void> {
  writeOverrides(stackDir, options);
  const cliConfig = writeCliConfig(stackDir);
  await cached("validate", configurationKey("validateStack", [], [stackDir]), async () => {
    await terraform(stackDir, await ensureInitialized(stackDir, cliConfig), ["validate", "-no-color"]);
    return true;
  });
}

/**
 * `init`, `validate` and `plan -refresh=false` of a synthesized stack directory, with no AWS call,
 * returning the plan as JSON. `plan` validates the configuration too, but `terraform validate` is what
 * users and CI run, so it runs here as well; tests that plan many variants of an already validated
 * configuration may pass `{ validate: false }` to save about 2 s per plan.
 */
export async function planStack(
  stackDir: string,
  extraPlanArgs: string[] = [],
  { validate = true, ...options }: { validate?: boolean } & HarnessOptions = {},
): Promise<PlanResult> {
  writeOverrides(stackDir, options);
  const cliConfig = writeCliConfig(stackDir);
  const key = configurationKey("planStack", [validate, ...extraPlanArgs], [stackDir]);
  const { plan, planText } = await cached("plan", key, async () => {
    const config = await ensureInitialized(stackDir, cliConfig);
    if (validate) await terraform(stackDir, config, ["validate", "-no-color"]);
    const providerCount = declaredAwsProviders(stackDir, options).length;
    const text = await offlinePlan(stackDir, config, extraPlanArgs, providerCount);
    const shown = await terraform(stackDir, config, ["show", "-json", "harness.tfplan"]);
    return { plan: JSON.parse(shown) as PlanJson, planText: text };
  });
  return { stackDir, plan, planText };
}

/**
 * `terraform providers schema -json` of a stack directory (initialized here if need be): the same for
 * every stack that pins the same provider, so cached by the toolchain and the pins alone.
 */
export async function providersSchemaJson(stackDir: string): Promise<string> {
  const stack = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")) as TerraformJson;
  const key = hashOf(
    "providers schema",
    JSON.stringify(stack.terraform?.required_providers ?? {}),
    toolchainKey(findProviderMirror() ?? PLUGIN_CACHE_DIR),
  );
  return cached("providers-schema", key, async () => {
    const cliConfig = await ensureInitialized(stackDir, writeCliConfig(stackDir));
    return terraform(stackDir, cliConfig, ["providers", "schema", "-json"]);
  });
}

/**
 * Several stacks planned as ONE Terraform configuration: a root module that calls each stack as a
 * child module, so `init`, `validate`, `plan` and `show -json` each run once for all of them.
 * Every terraform command loads the 700 MB AWS provider (about 2 s of CPU, most of a small plan's
 * cost), and a plan starts one more provider process per provider configuration. So each member is
 * a copy of its stack without its `provider` blocks, and the root declares each distinct provider
 * configuration once (with the mock credentials) and passes it in: members whose providers are
 * identical share one provider process. Six example stacks planned this way took 8.0 s of CPU
 * instead of 14.3 s with a provider each (2026-12-06).
 * The plan is split back into one `PlanResult` per stack, with addresses and provider keys as a plan
 * of that stack alone would show them. A stack's `harness.tfstate` (see `writeState`) becomes that
 * module's part of the root state. The stack directories themselves are only read.
 */
export async function planStacks<Name extends string>(
  stackDirs: Readonly<Record<Name, string>>,
  { validate = true, ...options }: { validate?: boolean } & HarnessOptions = {},
): Promise<Record<Name, PlanResult>> {
  const root = mkdtempSync(join(tmpdir(), "cdktf-efs-plan-"));
  const members = Object.entries(stackDirs).map(([name, dir], index) => ({
    name,
    dir: dir as string,
    moduleName: `m${index}_${name.replace(/[^A-Za-z0-9_-]/g, "_")}`,
  }));
  const providers = new SharedProviders();
  const moduleCalls: Record<string, { source: string; providers: Record<string, string> }> = {};
  const outputs: Record<string, { value: string; sensitive?: boolean }> = {};
  const providerKeys: Record<string, Record<string, string>> = {};
  const state = {
    version: 4,
    terraform_version: "1.11.4",
    serial: 1,
    lineage: randomUUID(),
    outputs: {},
    resources: [] as any[],
  };
  for (const { dir, moduleName } of members) {
    const stack = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8")) as TerraformJson;
    // The member's own provider name (`aws`, `aws.<alias>`) → the root provider passed in for it.
    const passed = Object.fromEntries(
      declaredAwsProviders(dir, options).map((alias) => {
        const own = alias ? `aws.${alias}` : "aws";
        const config = awsProviderConfigs(stack).find((p) => p.alias === alias) ?? {};
        return [own, providers.keyFor(config)];
      }),
    );
    providerKeys[moduleName] = Object.fromEntries(Object.entries(passed).map(([own, key]) => [key, own]));
    writeMemberCopy(dir, join(root, moduleName), stack, Object.keys(passed));
    moduleCalls[moduleName] = { source: `./${moduleName}`, providers: passed };
    for (const [output, config] of Object.entries(stack.output ?? {}) as [string, any][]) {
      outputs[`${moduleName}__${output}`] = {
        value: `\${module.${moduleName}.${output}}`,
        ...(config.sensitive ? { sensitive: true } : {}),
      };
    }
    const memberState = join(dir, "harness.tfstate");
    if (existsSync(memberState)) {
      const { resources } = JSON.parse(readFileSync(memberState, "utf8"));
      // In the root state, a child module's resources name the module and the root provider passed in.
      state.resources.push(
        ...resources.map((r: any) => ({
          module: `module.${moduleName}`,
          ...r,
          provider: rootProviderAddress(passed[stateProviderName(r.provider)] ?? "aws"),
        })),
      );
    }
  }
  writeFileSync(
    join(root, "main.tf.json"),
    JSON.stringify({
      terraform: { backend: { local: { path: "harness.tfstate" } } },
      provider: { aws: providers.blocks() },
      module: moduleCalls,
      ...(Object.keys(outputs).length ? { output: outputs } : {}),
    }),
  );
  if (state.resources.length) writeFileSync(join(root, "harness.tfstate"), JSON.stringify(state));
  // The root names the members by temporary paths and its state has a random lineage: the key takes
  // what they stand for instead (the members' contents, how providers are shared, outputs, resources).
  const key = configurationKey(
    "planStacks/shared-providers",
    [validate, moduleCalls, providers.blocks(), outputs, state.resources],
    members.map((m) => m.dir),
  );
  const { combined, planText } = await cached("plan", key, async () => {
    const cliConfig = writeCliConfig(root);
    await terraformInit(root, cliConfig);
    if (validate) await terraform(root, cliConfig.path, ["validate", "-no-color"]);
    const text = await offlinePlan(root, cliConfig.path, [], providers.blocks().length);
    const shown = await terraform(root, cliConfig.path, ["show", "-json", "harness.tfplan"]);
    return { combined: JSON.parse(shown) as PlanJson, planText: text };
  });
  return Object.fromEntries(
    members.map(({ name, dir, moduleName }) => [
      name,
      {
        stackDir: dir,
        planDir: root,
        plan: memberPlan(combined, moduleName, providerKeys[moduleName] ?? {}),
        planText,
      },
    ]),
  ) as Record<Name, PlanResult>;
}

/** The `aws` provider blocks of a synthesized stack (one object or a list of them). */
function awsProviderConfigs(stack: TerraformJson): Record<string, any>[] {
  const declared = stack.provider?.aws;
  if (declared === undefined) return [];
  return Array.isArray(declared) ? declared : [declared];
}

/**
 * The distinct provider configurations of a combined plan, each declared once at the root as
 * `aws.p<N>` with the mock credentials: equal configurations (same region, default tags, …) get the
 * same key, so their members share one provider process.
 */
class SharedProviders {
  private readonly byContent = new Map<string, { key: string; block: Record<string, unknown> }>();

  /** `aws.p<N>` for a member's provider block (its alias left out: the root names it). */
  keyFor(config: Record<string, unknown>): string {
    const settings = { ...config };
    delete settings.alias;
    const content = JSON.stringify(sortedKeys(settings));
    let entry = this.byContent.get(content);
    if (!entry) {
      const alias = `p${this.byContent.size}`;
      entry = { key: `aws.${alias}`, block: { ...settings, ...MOCK_PROVIDER, alias } };
      this.byContent.set(content, entry);
    }
    return entry.key;
  }

  blocks(): Record<string, unknown>[] {
    return [...this.byContent.values()].map((entry) => entry.block);
  }
}

/** A JSON value with every object's keys sorted, so equal configurations serialize equally. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]),
  );
}

/** The state's address of a root provider configuration `aws.<alias>`. */
function rootProviderAddress(key: string): string {
  return `provider["registry.terraform.io/hashicorp/aws"]${key.slice("aws".length)}`;
}

/** `aws` or `aws.<alias>` from a state resource's `provider["registry.terraform.io/hashicorp/aws"].<alias>`. */
function stateProviderName(provider: string): string {
  const alias = /\]\.([A-Za-z0-9_-]+)$/.exec(provider)?.[1];
  return alias ? `aws.${alias}` : "aws";
}

/**
 * A member of a combined plan: the stack's configuration without its provider blocks, which the root
 * passes in (declared as `configuration_aliases` for aliased ones), next to links to every other file
 * of the stack directory (assets), so `path.module` finds them as in the stack itself.
 */
function writeMemberCopy(
  stackDir: string,
  memberDir: string,
  stack: TerraformJson,
  providerNames: readonly string[],
): void {
  mkdirSync(memberDir);
  const member: TerraformJson = { ...stack };
  delete member.provider;
  // A backend in a child module is ignored, with a warning.
  const settings = { ...stack.terraform };
  delete settings.backend;
  const required = settings.required_providers ?? {};
  const aliases = providerNames.filter((name) => name !== "aws");
  member.terraform = {
    ...settings,
    required_providers: {
      ...required,
      ...(aliases.length ? { aws: { ...required.aws, configuration_aliases: aliases } } : {}),
    },
  };
  writeFileSync(join(memberDir, "cdk.tf.json"), JSON.stringify(member));
  for (const entry of readdirSync(stackDir)) {
    if (entry === "cdk.tf.json" || TERRAFORM_OUTPUTS.includes(entry) || entry.startsWith("harness")) continue;
    symlinkSync(join(stackDir, entry), join(memberDir, entry));
  }
}

/** `terraform validate` of several stack directories (JSON or HCL synth) as one configuration; see `planStacks`. */
export async function validateStacks(
  stackDirs: readonly string[],
  options: HarnessOptions = {},
): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "cdktf-efs-validate-"));
  for (const dir of stackDirs) writeProviderOverrides(dir, options);
  writeFileSync(
    join(root, "main.tf.json"),
    JSON.stringify({
      module: Object.fromEntries(
        stackDirs.map((dir, index) => [`m${index}`, { source: moduleSource(root, dir) }]),
      ),
    }),
  );
  await cached("validate", configurationKey("validateStacks", [stackDirs.length], stackDirs), async () => {
    const cliConfig = writeCliConfig(root);
    await terraformInit(root, cliConfig, { backend: false });
    await terraform(root, cliConfig.path, ["validate", "-no-color"]);
    return true;
  });
}

/** A local module source: Terraform needs it to start with `./` or `../`. */
function moduleSource(root: string, dir: string): string {
  const path = relative(root, dir);
  return path.startsWith("../") ? path : `./${path}`;
}

/**
 * One child module's part of a combined plan, shaped as a plan of that stack alone. `providerNames`
 * maps the root provider keys passed in (`aws.p0`) back to the member's own (`aws`).
 */
function memberPlan(
  combined: PlanJson,
  moduleName: string,
  providerNames: Readonly<Record<string, string>>,
): PlanJson {
  const prefix = `module.${moduleName}.`;
  const strip = (address: string) => (address.startsWith(prefix) ? address.slice(prefix.length) : address);
  const ownChanges = (changes: any[] | undefined) =>
    (changes ?? [])
      .filter((rc) => rc.module_address === `module.${moduleName}`)
      .map((rc) => {
        const own = { ...rc, address: strip(rc.address) };
        delete own.module_address;
        return own;
      });
  const ownValues = (rootModule: any) => {
    const child = (rootModule?.child_modules ?? []).find((m: any) => m.address === `module.${moduleName}`);
    return {
      resources: (child?.resources ?? []).map((r: any) => ({ ...r, address: strip(r.address) })),
    };
  };
  const outputPrefix = `${moduleName}__`;
  const ownOutputs = (outputs: Record<string, unknown> | undefined) =>
    Object.fromEntries(
      Object.entries(outputs ?? {})
        .filter(([name]) => name.startsWith(outputPrefix))
        .map(([name, value]) => [name.slice(outputPrefix.length), value]),
    );
  const moduleConfig = combined.configuration?.root_module?.module_calls?.[moduleName]?.module ?? {};
  const providerKey = (key: string | undefined) => {
    const own = key?.replace(`${moduleName}:`, "");
    return own === undefined ? undefined : (providerNames[own] ?? own);
  };
  return {
    format_version: combined.format_version,
    terraform_version: combined.terraform_version,
    planned_values: {
      outputs: ownOutputs(combined.planned_values?.outputs),
      root_module: ownValues(combined.planned_values?.root_module),
    },
    resource_changes: ownChanges(combined.resource_changes),
    resource_drift: ownChanges(combined.resource_drift),
    output_changes: ownOutputs(combined.output_changes),
    ...(combined.prior_state
      ? {
          prior_state: {
            ...combined.prior_state,
            values: { root_module: ownValues(combined.prior_state.values?.root_module) },
          },
        }
      : {}),
    configuration: {
      root_module: {
        ...moduleConfig,
        resources: (moduleConfig.resources ?? []).map((r: any) => ({
          ...r,
          provider_config_key: providerKey(r.provider_config_key),
        })),
      },
    },
    errored: combined.errored,
  };
}

/** Planned `after` values of every resource of `type` being created or updated. */
export function plannedResources(
  plan: PlanJson,
  type: string,
): { address: string; after: any; actions: string[] }[] {
  return (plan.resource_changes ?? [])
    .filter((change: any) => change.type === type)
    .map((change: any) => ({
      address: change.address,
      after: change.change.after,
      actions: change.change.actions,
    }));
}

/**
 * Runs another terraform command in a stack directory that `planStack` or `validateStack` prepared,
 * after `init` if their results came from the cache and terraform never ran there. Not cached.
 */
export async function runTerraform(stackDir: string, args: string[]): Promise<string> {
  return terraform(stackDir, await ensureInitialized(stackDir, writeCliConfig(stackDir)), args);
}
