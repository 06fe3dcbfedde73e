import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FleetSyncOptions, parseArgs, USAGE, UsageError } from "./args";

/** The exit code `sync-code` uses when another sync holds the lock (modules/clients/code-sync.ts). */
const SYNC_BUSY_EXIT_CODE = 75;
/** Invocation states that do not change any more (SSM "Understanding command statuses"). */
const FINAL_STATES = new Set(["Success", "Failed", "TimedOut", "Cancelled"]);
/** How many lines of an instance's output are shown. */
const OUTPUT_LINES = 5;

/** Where to send the sync. */
export interface SyncTarget {
  readonly document: string;
  readonly tag: { readonly key: string; readonly value: string };
  readonly region: string;
}

/** A failure the user can act on: printed as one message, exit code 1. */
export class FleetSyncError extends Error {}

interface Invocation {
  readonly InstanceId: string;
  readonly Status: string;
  readonly StatusDetails?: string;
  readonly CommandPlugins?: readonly { ResponseCode?: number; Output?: string }[];
}

/** Reads the document, tag and Region a synthesized stack declares (outputs `code_sync_*`, the provider). */
export function targetOfStack(outdir: string, stack: string): SyncTarget {
  const file = join(outdir, "stacks", stack, "cdk.tf.json");
  let json: {
    output?: Record<string, { value?: unknown }>;
    provider?: { aws?: { region?: unknown; alias?: string }[] };
  };
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new FleetSyncError(
      `cannot read ${file} (${reason}); run \`npm run synth\` first, or name the stack with --outdir`,
    );
  }
  const document = json.output?.code_sync_document_name?.value;
  const tag = json.output?.code_sync_target_tag?.value;
  if (typeof document !== "string" || typeof tag !== "string") {
    throw new FleetSyncError(
      `stack ${JSON.stringify(stack)} has no code sync (no code_sync_* outputs in ${file}); set clients.codeSync in its settings and synthesize again`,
    );
  }
  const [key, value] = tag.split("=");
  const region = json.provider?.aws?.find((provider) => provider.alias === undefined)?.region;
  if (typeof region !== "string") throw new FleetSyncError(`${file} names no Region; pass --region`);
  return { document, tag: { key, value }, region };
}

type Aws = (args: readonly string[]) => Promise<unknown>;

/** Runs the AWS CLI from `env.PATH` with JSON output; a failure carries the CLI's own message. */
function awsCli(env: NodeJS.ProcessEnv): Aws {
  return (args) =>
    new Promise((resolve, reject) => {
      execFile("aws", [...args, "--output", "json"], { env }, (error, stdout, stderr) => {
        if (error) {
          const reason =
            (error as NodeJS.ErrnoException).code === "ENOENT" ? "the AWS CLI is not on PATH" : stderr.trim();
          reject(new FleetSyncError(`aws ${args.slice(0, 2).join(" ")} failed: ${reason || error.message}`));
          return;
        }
        try {
          resolve(JSON.parse(stdout));
        } catch {
          reject(
            new FleetSyncError(`aws ${args.slice(0, 2).join(" ")} printed no JSON: ${stdout.slice(0, 200)}`),
          );
        }
      });
    });
}

const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/** Sends the document, waits for every invocation to finish, and prints one result per instance. */
export async function syncFleet(
  target: SyncTarget,
  options: Pick<FleetSyncOptions, "waitSeconds" | "pollSeconds">,
  aws: Aws,
  print: (line: string) => void,
): Promise<boolean> {
  const region = ["--region", target.region];
  const sent = (await aws([
    "ssm",
    "send-command",
    ...region,
    "--document-name",
    target.document,
    "--targets",
    `Key=tag:${target.tag.key},Values=${target.tag.value}`,
    // Every machine at once, and an error on one never stops the others: each reports for itself.
    "--max-concurrency",
    "100%",
    "--max-errors",
    "100%",
    "--comment",
    "npm run fleet-sync",
  ])) as { Command?: { CommandId?: string } };
  const commandId = sent.Command?.CommandId;
  if (!commandId) throw new FleetSyncError("aws ssm send-command returned no CommandId");
  print(
    `Sent ${target.document} to instances tagged ${target.tag.key}=${target.tag.value} in ${target.region}: command ${commandId}`,
  );

  const deadline = Date.now() + options.waitSeconds * 1000;
  let invocations: readonly Invocation[] = [];
  for (;;) {
    const listed = (await aws([
      "ssm",
      "list-command-invocations",
      ...region,
      "--command-id",
      commandId,
      "--details",
    ])) as { CommandInvocations?: Invocation[] };
    invocations = listed.CommandInvocations ?? [];
    if (invocations.length > 0 && invocations.every((i) => FINAL_STATES.has(i.Status))) break;
    if (invocations.length === 0 && (await commandHasNoTargets(aws, region, commandId))) {
      throw new FleetSyncError(
        `no running instance carries the tag ${target.tag.key}=${target.tag.value} in ${target.region}; nothing was synced`,
      );
    }
    if (Date.now() >= deadline) {
      report(invocations, print);
      throw new FleetSyncError(
        `gave up waiting after ${options.waitSeconds}s; follow up with: aws ssm list-command-invocations --region ${target.region} --command-id ${commandId} --details`,
      );
    }
    await sleep(options.pollSeconds);
  }
  return report(invocations, print);
}

/** With tag targets, SSM resolves the instances after the send; a finished command without any had none. */
async function commandHasNoTargets(aws: Aws, region: string[], commandId: string): Promise<boolean> {
  const listed = (await aws(["ssm", "list-commands", ...region, "--command-id", commandId])) as {
    Commands?: { Status?: string; TargetCount?: number }[];
  };
  const command = listed.Commands?.[0];
  return command !== undefined && FINAL_STATES.has(command.Status ?? "") && command.TargetCount === 0;
}

/** Prints one block per instance, in instance-id order; true when every instance succeeded. */
function report(invocations: readonly Invocation[], print: (line: string) => void): boolean {
  const sorted = [...invocations].sort((a, b) => a.InstanceId.localeCompare(b.InstanceId));
  let failed = 0;
  for (const invocation of sorted) {
    const plugin = invocation.CommandPlugins?.[0];
    const code = plugin?.ResponseCode;
    const ok = invocation.Status === "Success";
    if (!ok) failed++;
    const busy = code === SYNC_BUSY_EXIT_CODE ? " (busy: a sync was already running there; left alone)" : "";
    const exit = code === undefined || code < 0 ? "" : ` exit ${code}`;
    print(`${invocation.InstanceId}  ${invocation.StatusDetails ?? invocation.Status}${exit}${busy}`);
    const lines = (plugin?.Output ?? "").split("\n").filter((line) => line.trim() !== "");
    for (const line of lines.slice(-OUTPUT_LINES)) print(`    ${line}`);
  }
  print(
    failed === 0
      ? `All ${sorted.length} instances synced.`
      : `${failed} of ${sorted.length} instances did not sync.`,
  );
  return failed === 0;
}

export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  print: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  printError: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<number> {
  let options: FleetSyncOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    printError(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    print(USAGE);
    return 0;
  }
  try {
    const fromStack = options.stack === undefined ? undefined : targetOfStack(options.outdir, options.stack);
    const target: SyncTarget = {
      document: fromStack?.document ?? options.document!,
      tag: fromStack?.tag ?? options.tag!,
      region: options.region ?? fromStack?.region ?? "",
    };
    return (await syncFleet(target, options, awsCli(env), print)) ? 0 : 1;
  } catch (error) {
    if (!(error instanceof FleetSyncError)) throw error;
    printError(`fleet-sync: ERROR: ${error.message}`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
