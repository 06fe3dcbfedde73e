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

/** send-command takes at most 50 instance ids per call. */
const MAX_IDS_PER_SEND = 50;

/** The managed instances that carry the tag and answer SSM now, sorted by id. */
async function instancesOf(aws: Aws, region: string[], tag: SyncTarget["tag"]): Promise<string[]> {
  const listed = (await aws([
    "ssm",
    "describe-instance-information",
    ...region,
    "--filters",
    `Key=tag:${tag.key},Values=${tag.value}`,
    "Key=PingStatus,Values=Online",
  ])) as { InstanceInformationList?: { InstanceId: string }[] };
  return (listed.InstanceInformationList ?? []).map((i) => i.InstanceId).sort();
}

/** How many instances go first: a count, or a share of the fleet (at least one). */
export function canarySize(canary: FleetSyncOptions["canary"], total: number): number {
  const size = canary.percent ? Math.ceil((total * canary.value) / 100) : canary.value;
  return Math.min(total, Math.max(1, size));
}

/**
 * Canary, then the rest: the first instances (by id) run the document alone; only if every one
 * succeeded do the others run it, a canary's worth at a time, and SSM sends to no new instance
 * after the first failure (`--max-errors 0`). Prints one result per instance; true when all succeeded.
 */
export async function syncFleet(
  target: SyncTarget,
  options: Pick<FleetSyncOptions, "waitSeconds" | "pollSeconds" | "canary" | "rollback">,
  aws: Aws,
  print: (line: string) => void,
): Promise<boolean> {
  const region = ["--region", target.region];
  const ids = await instancesOf(aws, region, target.tag);
  if (ids.length === 0) {
    throw new FleetSyncError(
      `no running instance carries the tag ${target.tag.key}=${target.tag.value} in ${target.region}; nothing was synced`,
    );
  }
  const size = canarySize(options.canary, ids.length);
  const canary = ids.slice(0, size);
  const rest = ids.slice(size);
  const action = options.rollback ? "rollback" : "sync";
  print(
    `${action === "rollback" ? "Rolling back" : "Syncing"} ${ids.length} instances: canary ${canary.join(", ")} first`,
  );
  if (!(await sendAndWait(target, canary, action, "100%", options, aws, print))) {
    if (rest.length > 0) print(`The canary failed: the other ${rest.length} instances were left alone.`);
    return false;
  }
  for (let i = 0; i < rest.length; i += MAX_IDS_PER_SEND) {
    const batch = rest.slice(i, i + MAX_IDS_PER_SEND);
    if (!(await sendAndWait(target, batch, action, String(size), options, aws, print))) {
      const untouched = rest.length - i - batch.length;
      if (untouched > 0) print(`Stopped at the first failure: ${untouched} instances were left alone.`);
      return false;
    }
  }
  return true;
}

async function sendAndWait(
  target: SyncTarget,
  instanceIds: readonly string[],
  action: string,
  maxConcurrency: string,
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
    "--instance-ids",
    ...instanceIds,
    "--parameters",
    `action=${action}`,
    "--max-concurrency",
    maxConcurrency,
    // No new instance after the first failure: a broken release stops where it was noticed.
    "--max-errors",
    "0",
    "--comment",
    `npm run fleet-sync (${action})`,
  ])) as { Command?: { CommandId?: string } };
  const commandId = sent.Command?.CommandId;
  if (!commandId) throw new FleetSyncError("aws ssm send-command returned no CommandId");
  print(
    `Sent ${target.document} (${action}) to ${instanceIds.length} instances in ${target.region}: command ${commandId}`,
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
    if (invocations.length >= instanceIds.length && invocations.every((i) => FINAL_STATES.has(i.Status)))
      break;
    if (
      invocations.length > 0 &&
      invocations.every((i) => FINAL_STATES.has(i.Status)) &&
      (await commandIsDone(aws, region, commandId))
    )
      break;
    if (Date.now() >= deadline) {
      report(invocations, instanceIds.length, print);
      throw new FleetSyncError(
        `gave up waiting after ${options.waitSeconds}s; follow up with: aws ssm list-command-invocations --region ${target.region} --command-id ${commandId} --details`,
      );
    }
    await sleep(options.pollSeconds);
  }
  return report(invocations, instanceIds.length, print);
}

/** After a failure under `--max-errors 0`, SSM never invokes the remaining instances: the command is done. */
async function commandIsDone(aws: Aws, region: string[], commandId: string): Promise<boolean> {
  const listed = (await aws(["ssm", "list-commands", ...region, "--command-id", commandId])) as {
    Commands?: { Status?: string }[];
  };
  return FINAL_STATES.has(listed.Commands?.[0]?.Status ?? "");
}

/** Prints one block per instance, in instance-id order; true when every instance succeeded. */
function report(
  invocations: readonly Invocation[],
  expected: number,
  print: (line: string) => void,
): boolean {
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
  const notRun = expected - sorted.length;
  if (notRun > 0) print(`${notRun} instances were never run (stopped after the first failure).`);
  print(
    failed === 0 && notRun === 0
      ? `All ${sorted.length} instances done.`
      : `${failed + notRun} of ${expected} instances did not finish.`,
  );
  return failed === 0 && notRun === 0;
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
