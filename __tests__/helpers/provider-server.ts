/**
 * One AWS provider process shared by the terraform commands of a test run that only read the
 * provider's schema: `show -json`, `validate` and `providers schema`. They never configure the
 * provider, so many terraform processes can use one provider at once.
 *
 * Why: each terraform command normally starts its own provider process, and the 700 MB AWS provider
 * builds the schema of every resource type on its first call: measured 2026-12-06, `show -json` of
 * the examples' combined plan took 4.5 s of CPU with its own provider and 2.4 s attached to a running
 * one (the same JSON, byte for byte); `validate` 6.4 s and 3.5 s. A `plan` never attaches to the
 * shared provider: it configures providers (region, default tags), and a provider process can be
 * configured only once. A plan with one provider configuration gets a provider of its own instead
 * (`offlinePlan` in terraform.ts), and `npm run test:apply` one per stack (tools/apply/cli.ts).
 *
 * The provider runs in its debug mode (`-debug`), which prints the `TF_REATTACH_PROVIDERS` value
 * terraform uses to attach to it instead of starting one. jest's global setup starts it and its
 * global teardown stops it; it stops too if the test run dies without a teardown.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The environment variable that hands the reattach value from the global setup to the test workers. */
export const PROVIDER_REATTACH_ENV = "EFS_TEST_PROVIDER_REATTACH";

/** Subcommands that only read provider schemas (and validate), never configure a provider. */
const SCHEMA_ONLY_SUBCOMMANDS = new Set(["show", "validate", "providers"]);

const AWS_PROVIDER_ADDRESS = "registry.terraform.io/hashicorp/aws";

export interface ProviderServer {
  /** The `TF_REATTACH_PROVIDERS` value. */
  readonly reattach: string;
  /** Stops the provider; resolves once it has exited. */
  stop(): Promise<void>;
}

/** The pinned AWS provider binary in a filesystem mirror, as `terraform init` would install it. */
export function providerBinary(mirror: string): string | undefined {
  const pinned = JSON.parse(readFileSync(require.resolve("@cdktf/provider-aws/package.json"), "utf8")) as {
    cdktf: { provider: { version: string } };
  };
  const arch = { x64: "amd64", arm64: "arm64" }[process.arch as string];
  if (!arch) return undefined;
  const dir = join(
    mirror,
    AWS_PROVIDER_ADDRESS,
    pinned.cdktf.provider.version,
    `${process.platform}_${arch}`,
  );
  if (!existsSync(dir)) return undefined;
  const binary = readdirSync(dir).find((name) => name.startsWith("terraform-provider-aws_v"));
  return binary === undefined ? undefined : join(dir, binary);
}

/**
 * Starts `binary -debug` under a watchdog and resolves once the provider prints its reattach value.
 * The watchdog waits on a pipe from this process: closed by `stop()`, or by the kernel when this
 * process dies, it stops the provider and waits for it, so the provider's CPU time is counted with
 * this process tree's (as `npm run bench` measures it) and no provider outlives its test run.
 */
export function startProviderServer(binary: string, timeoutMs = 60_000): Promise<ProviderServer> {
  const watchdog = `"$0" -debug & provider=$!
trap 'kill "$provider" 2>/dev/null; wait "$provider"' EXIT
read -r _ || true`;
  const child = spawn("bash", ["-c", watchdog, binary], {
    stdio: ["pipe", "pipe", "ignore"],
    env: { ...process.env, TF_LOG: "", TF_LOG_PROVIDER: "" },
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    child.stdin.end();
    await exited;
  };
  return new Promise((resolve, reject) => {
    let printed = "";
    const timer = setTimeout(
      () => fail(new Error(`the provider printed no reattach value in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      void stop();
      reject(error);
    };
    const exitedEarly = (code: number | null) =>
      fail(new Error(`${binary} -debug exited with ${code}:\n${printed}`));
    child.on("error", fail);
    child.on("exit", exitedEarly);
    child.stdout.on("data", (chunk: Buffer) => {
      printed += chunk.toString("utf8");
      const reattach = /TF_REATTACH_PROVIDERS='([^']+)'/.exec(printed)?.[1];
      if (reattach === undefined) return;
      clearTimeout(timer);
      child.off("exit", exitedEarly);
      // Keep draining its output, so a chatty provider never blocks on a full pipe.
      child.stdout.removeAllListeners("data");
      child.stdout.resume();
      resolve({ reattach, stop });
    });
  });
}

/**
 * `TF_REATTACH_PROVIDERS` for a terraform command, when it only reads schemas and the shared provider
 * is running; otherwise nothing, and terraform starts its own provider as usual.
 */
export function sharedProviderEnv(args: readonly string[]): Record<string, string> {
  const reattach = process.env[PROVIDER_REATTACH_ENV];
  if (!reattach || !SCHEMA_ONLY_SUBCOMMANDS.has(args[0] ?? "")) return {};
  const pid = reattachPid(reattach);
  if (pid === undefined || !isRunning(pid)) return {};
  return { TF_REATTACH_PROVIDERS: reattach };
}

/** The provider's process id in a `TF_REATTACH_PROVIDERS` value. */
function reattachPid(reattach: string): number | undefined {
  try {
    return (JSON.parse(reattach) as Record<string, { Pid?: number }>)[AWS_PROVIDER_ADDRESS]?.Pid;
  } catch {
    return undefined;
  }
}

/** Whether a process with this id exists. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
