export const USAGE = `Usage: npm run fleet-sync -- <stack> [options]
       npm run fleet-sync -- --document <name> --tag <key>=<value> --region <region> [options]

Serves the release S3's CURRENT names on every running client of a stack, now, through SSM Run
Command: the canary instances first (the first --canary by instance id), then, only if every canary
succeeded, the rest, a canary's worth at a time, stopping at the first failure. Prints each instance's
result. With --rollback, switches every instance back to the release it served before, the same way.
The AWS CLI must be on PATH with credentials for the account (ssm:DescribeInstanceInformation,
ssm:SendCommand, ssm:ListCommandInvocations, ssm:ListCommands).

Arguments:
  <stack>                 A stack synthesized with clients.codeSync ("efs", "efs-with-backup"):
                          the document, tag and Region are read from
                          <outdir>/stacks/<stack>/cdk.tf.json (run \`npm run synth\` first).

Options:
  --outdir <dir>          Where the synth wrote the stacks (default cdktf.out).
  --document <name>       The SSM document; with --tag and --region, instead of <stack>.
  --tag <key>=<value>     The tag every instance of the fleet carries (CodeSyncGroup=<prefix>).
  --region <region>       The Region of the fleet (default: the stack's).
  --canary <n>|<n>%       How many instances go first, or what share of them (default 1).
  --rollback              Switch back to each instance's previous release instead of syncing.
  --wait-seconds <n>      Give up waiting after this long, per wave (default 900).
  --poll-seconds <n>      Pause between two polls (default 5).
  --help                  Show this help.

Exit code 0 when every instance synced, 1 when any failed, timed out, was busy with another sync,
or no instance carries the tag; 2 for bad usage.

The same without this tool, as a rolling send that stops at the first failure (then poll
\`aws ssm list-command-invocations --command-id <id> --details\`):
  aws ssm send-command --region <region> --document-name <name> --parameters action=sync \\
    --targets Key=tag:CodeSyncGroup,Values=<prefix> --max-concurrency 10% --max-errors 0`;

export interface FleetSyncOptions {
  readonly help: boolean;
  readonly stack?: string;
  readonly outdir: string;
  readonly document?: string;
  readonly tag?: { readonly key: string; readonly value: string };
  readonly region?: string;
  readonly waitSeconds: number;
  readonly pollSeconds: number;
  readonly canary: { readonly value: number; readonly percent: boolean };
  readonly rollback: boolean;
}

/** Thrown for bad command-line usage; `problems` holds one line per problem. */
export class UsageError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`fleet-sync: invalid arguments:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "UsageError";
  }
}

const VALUE_OPTIONS = [
  "--outdir",
  "--document",
  "--tag",
  "--region",
  "--wait-seconds",
  "--poll-seconds",
  "--canary",
] as const;

/** Parses the arguments; throws one `UsageError` listing every problem. */
export function parseArgs(argv: readonly string[]): FleetSyncOptions {
  const problems: string[] = [];
  const values: Partial<Record<(typeof VALUE_OPTIONS)[number], string>> = {};
  const positional: string[] = [];
  let help = false;
  let rollback = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") help = true;
    else if (arg === "--rollback") rollback = true;
    else if ((VALUE_OPTIONS as readonly string[]).includes(arg)) {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) problems.push(`${arg} needs a value`);
      else values[arg as (typeof VALUE_OPTIONS)[number]] = value;
      i++;
    } else if (arg.startsWith("-")) problems.push(`unknown option ${JSON.stringify(arg)}`);
    else positional.push(arg);
  }
  const number = (option: "--wait-seconds" | "--poll-seconds", fallback: number, min: number) => {
    const text = values[option];
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min) {
      problems.push(`${option} ${JSON.stringify(text)} must be a whole number, at least ${min}`);
    }
    return value;
  };
  const waitSeconds = number("--wait-seconds", 900, 1);
  const pollSeconds = number("--poll-seconds", 5, 0);
  const canaryText = values["--canary"] ?? "1";
  const canaryMatch = /^(\d+)(%?)$/.exec(canaryText);
  const canary = { value: Number(canaryMatch?.[1] ?? 0), percent: canaryMatch?.[2] === "%" };
  if (!canaryMatch || canary.value < 1 || (canary.percent && canary.value > 100)) {
    problems.push(
      `--canary ${JSON.stringify(canaryText)} must be a count of instances (1 or more) or a share from 1% to 100%`,
    );
  }
  let tag: FleetSyncOptions["tag"];
  if (values["--tag"] !== undefined) {
    const match = /^([^=\s]+)=([^=\s,]+)$/.exec(values["--tag"]);
    if (match) tag = { key: match[1], value: match[2] };
    else
      problems.push(
        `--tag ${JSON.stringify(values["--tag"])} must be <key>=<value>, e.g. CodeSyncGroup=efs-client`,
      );
  }
  if (positional.length > 1) problems.push(`give one stack, not ${JSON.stringify(positional)}`);
  const stack = positional[0];
  const direct = values["--document"] !== undefined || values["--tag"] !== undefined;
  if (!help) {
    if (stack !== undefined && direct) {
      problems.push("give either <stack> or --document and --tag, not both");
    } else if (stack === undefined && !direct) {
      problems.push("give a <stack>, or --document, --tag and --region");
    } else if (stack === undefined) {
      for (const option of ["--document", "--tag", "--region"] as const) {
        if (values[option] === undefined) problems.push(`${option} is needed without a <stack>`);
      }
    }
  }
  if (problems.length > 0) throw new UsageError(problems);
  return {
    help,
    outdir: values["--outdir"] ?? "cdktf.out",
    waitSeconds,
    pollSeconds,
    canary,
    rollback,
    ...(stack !== undefined ? { stack } : {}),
    ...(values["--document"] !== undefined ? { document: values["--document"] } : {}),
    ...(tag !== undefined ? { tag } : {}),
    ...(values["--region"] !== undefined ? { region: values["--region"] } : {}),
  };
}
