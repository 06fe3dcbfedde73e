import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { TerraformJson } from "./synth";

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
const PLUGIN_CACHE_DIR =
  process.env.TF_PLUGIN_CACHE_DIR ?? join(tmpdir(), "cdktf-efs-terraform-plugin-cache");

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
  const providers = declaredAwsProviders(stackDir, options).map((alias) =>
    alias ? { alias, ...MOCK_PROVIDER } : { ...MOCK_PROVIDER },
  );
  const override = {
    provider: { aws: providers },
    terraform: { backend: { local: { path: "harness.tfstate" } } },
  };
  writeFileSync(join(stackDir, "harness_override.tf.json"), JSON.stringify(override, null, 2));
}

async function terraform(stackDir: string, cliConfig: string, args: string[]): Promise<string> {
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
        // Each command loads the 700 MB provider; most of its CPU is start-up garbage collection.
        // A lazier collector saves about a fifth of it, at about 150 MB more memory per process.
        GOGC: process.env.GOGC ?? "400",
        // The mock credentials must win over anything in the developer's environment.
        AWS_PROFILE: "",
        AWS_ACCESS_KEY_ID: MOCK_PROVIDER.access_key,
        AWS_SECRET_ACCESS_KEY: MOCK_PROVIDER.secret_key,
        AWS_SESSION_TOKEN: "",
        AWS_EC2_METADATA_DISABLED: "true",
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

/** `terraform show -json` of a saved plan. */
export type PlanJson = Record<string, any>;

export interface PlanResult {
  readonly stackDir: string;
  readonly plan: PlanJson;
}

/**
 * "The plugin cache directory is not guaranteed to be concurrency safe" (Terraform CLI configuration
 * docs): two `init`s that fill an empty cache at once fail with "mkdir …: file exists". Test files and
 * stacks run `init` in parallel, so `init` takes this lock: a file holding the owner's pid, taken over
 * when that process is gone. With a warm cache an `init` takes about half a second.
 */
const INIT_LOCK = `${PLUGIN_CACHE_DIR}.init-lock`;

function lockOwnerIsGone(): boolean {
  try {
    if (Date.now() - statSync(INIT_LOCK).mtimeMs > 15 * 60_000) return true;
    process.kill(Number(readFileSync(INIT_LOCK, "utf8")), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

async function withInitLock<T>(work: () => Promise<T>): Promise<T> {
  // The lock appears with its pid already in it: written aside, then hard-linked into place.
  const claim = `${INIT_LOCK}.${process.pid}.${randomUUID()}`;
  writeFileSync(claim, String(process.pid));
  try {
    for (;;) {
      try {
        linkSync(claim, INIT_LOCK);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        if (lockOwnerIsGone()) rmSync(INIT_LOCK, { force: true });
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    rmSync(claim, { force: true });
  }
  try {
    return await work();
  } finally {
    rmSync(INIT_LOCK, { force: true });
  }
}

/** Writes the harness files and runs `terraform init`; returns the CLI config to use from then on. */
async function initStack(stackDir: string, options: HarnessOptions): Promise<string> {
  writeOverrides(stackDir, options);
  const cliConfig = writeCliConfig(stackDir);
  const init = () =>
    terraform(stackDir, cliConfig.path, ["init", "-input=false", "-no-color", "-backend=true"]);
  await (cliConfig.usesPluginCache ? withInitLock(init) : init());
  return cliConfig.path;
}

/** Runs `terraform init` and `validate` in a synthesized stack directory (JSON or HCL synth). */
export async function validateStack(stackDir: string, options: HarnessOptions = {}): Promise<void> {
  const cliConfig = await initStack(stackDir, options);
  await terraform(stackDir, cliConfig, ["validate", "-no-color"]);
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
  const cliConfig = await initStack(stackDir, options);
  if (validate) await terraform(stackDir, cliConfig, ["validate", "-no-color"]);
  await terraform(stackDir, cliConfig, [
    "plan",
    "-refresh=false",
    "-input=false",
    "-no-color",
    "-lock=false",
    "-out=harness.tfplan",
    ...extraPlanArgs,
  ]);
  const shown = await terraform(stackDir, cliConfig, ["show", "-json", "harness.tfplan"]);
  return { stackDir, plan: JSON.parse(shown) };
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

/** Runs another terraform command in a stack directory that `planStack` or `validateStack` initialized. */
export function runTerraform(stackDir: string, args: string[]): Promise<string> {
  return terraform(stackDir, join(stackDir, "harness.tfrc"), args);
}

/** `terraform show -no-color` of the plan `planStack` saved in `stackDir`: what a reviewer reads. */
export function showPlanText(stackDir: string): Promise<string> {
  return runTerraform(stackDir, ["show", "-no-color", "harness.tfplan"]);
}
