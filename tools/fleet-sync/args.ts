export const USAGE = `Usage: npm run fleet-sync -- <stack> [options]
       npm run fleet-sync -- --document <name> --tag <key>=<value> --region <region> [options]

Syncs the code from S3 on every running client of a stack, now, through SSM Run Command: sends the
stack's code-sync document to every instance with its tag, waits, and prints each instance's result.
The AWS CLI must be on PATH with credentials for the account (ssm:SendCommand,
ssm:ListCommandInvocations, ssm:ListCommands).

Arguments:
  <stack>                 A stack synthesized with clients.codeSync ("efs", "efs-with-backup"):
                          the document, tag and Region are read from
                          <outdir>/stacks/<stack>/cdk.tf.json (run \`npm run synth\` first).

Options:
  --outdir <dir>          Where the synth wrote the stacks (default cdktf.out).
  --document <name>       The SSM document; with --tag and --region, instead of <stack>.
  --tag <key>=<value>     The tag every instance of the fleet carries (CodeSyncGroup=<prefix>).
  --region <region>       The Region of the fleet (default: the stack's).
  --wait-seconds <n>      Give up waiting after this long (default 900).
  --poll-seconds <n>      Pause between two polls (default 5).
  --help                  Show this help.

Exit code 0 when every instance synced, 1 when any failed, timed out, was busy with another sync,
or no instance carries the tag; 2 for bad usage.

The same without this tool (then poll \`aws ssm list-command-invocations --command-id <id> --details\`):
  aws ssm send-command --region <region> --document-name <name> \\
    --targets Key=tag:CodeSyncGroup,Values=<prefix> --max-concurrency 100% --max-errors 100%`;

export interface FleetSyncOptions {
  readonly help: boolean;
  readonly stack?: string;
  readonly outdir: string;
  readonly document?: string;
  readonly tag?: { readonly key: string; readonly value: string };
  readonly region?: string;
  readonly waitSeconds: number;
  readonly pollSeconds: number;
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
] as const;

/** Parses the arguments; throws one `UsageError` listing every problem. */
export function parseArgs(argv: readonly string[]): FleetSyncOptions {
  const problems: string[] = [];
  const values: Partial<Record<(typeof VALUE_OPTIONS)[number], string>> = {};
  const positional: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") help = true;
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
    ...(stack !== undefined ? { stack } : {}),
    ...(values["--document"] !== undefined ? { document: values["--document"] } : {}),
    ...(tag !== undefined ? { tag } : {}),
    ...(values["--region"] !== undefined ? { region: values["--region"] } : {}),
  };
}
