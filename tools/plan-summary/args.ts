import { basename } from "node:path";
import { GITHUB_COMMENT_LIMIT } from "./render";

export const USAGE = `Usage: npm run plan-summary -- [options] <plan>...

Prints a GitHub-flavoured Markdown summary of one or more Terraform plans: a data-loss banner
when a stateful resource is destroyed or replaced, then one section per stack.

Arguments:
  <plan>                  [<stack>=]<file>: the output of \`terraform show -json <planfile>\`.
                          Without "<stack>=", the stack is the file name without ".plan.json"
                          or ".json": "plans/efs.plan.json" is the stack "efs".

Options:
  --text <stack>=<file>   The output of \`terraform show -no-color <planfile>\` for that stack,
                          shown in the collapsed full plan. Without it, the full plan is a
                          compact list of changed resources read from the JSON.
  --output <file>         Write the Markdown to <file> instead of standard output.
  --github-output <file>  Append "data-loss=true" or "data-loss=false" to <file>
                          (pass "$GITHUB_OUTPUT" in a GitHub Actions step).
  --commit <sha>          Show the commit the plans were made for.
  --full-plan-url <url>   Link to the untrimmed plan (e.g. the CI run) from the trim note.
  --limit <n>             Longest comment, in characters (default ${GITHUB_COMMENT_LIMIT}, GitHub's limit).
                          Only the collapsed full plans are trimmed to fit.
  --help                  Show this help.

The exit code is 0 whether or not the banner is shown; read --github-output to act on it.
Bad usage exits with 2 and lists every problem.`;

export interface PlanFileArg {
  readonly stack: string;
  readonly file: string;
}

export interface CliOptions {
  readonly help: boolean;
  readonly plans: readonly PlanFileArg[];
  /** `terraform show` text files by stack name. */
  readonly texts: Readonly<Record<string, string>>;
  readonly output?: string;
  readonly githubOutput?: string;
  readonly commit?: string;
  readonly fullPlanUrl?: string;
  readonly limit: number;
}

/** Thrown for bad command-line usage; `problems` holds one line per problem. */
export class UsageError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`plan-summary: invalid arguments:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "UsageError";
  }
}

const VALUE_OPTIONS = ["--text", "--output", "--github-output", "--commit", "--full-plan-url", "--limit"];

/** `efs.plan.json` → `efs`, `efs.json` → `efs`. */
export function stackNameFromFile(file: string): string {
  return basename(file).replace(/(\.plan)?\.json$/, "");
}

/** Parses the CLI's arguments; throws one `UsageError` that lists every problem. */
export function parseArgs(argv: readonly string[]): CliOptions {
  const problems: string[] = [];
  const plans: PlanFileArg[] = [];
  const texts: Record<string, string> = {};
  const values: Record<string, string> = {};
  let help = false;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      help = true;
    } else if (VALUE_OPTIONS.includes(arg)) {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) {
        problems.push(`${arg}: needs a value`);
        continue;
      }
      i++;
      if (arg === "--text") {
        const pair = splitPair(value);
        if (!pair) problems.push(`--text: ${JSON.stringify(value)} is not <stack>=<file>`);
        else if (texts[pair.stack] !== undefined)
          problems.push(`--text: stack "${pair.stack}" is given twice`);
        else texts[pair.stack] = pair.file;
      } else {
        values[arg] = value;
      }
    } else if (arg.startsWith("-")) {
      problems.push(`${arg}: unknown option; see --help`);
    } else {
      const pair = splitPair(arg);
      plans.push(pair ?? { stack: stackNameFromFile(arg), file: arg });
    }
  }
  if (help) return { help, plans, texts, limit: GITHUB_COMMENT_LIMIT };

  if (plans.length === 0) problems.push("<plan>: at least one plan JSON file is required");
  const seen = new Set<string>();
  for (const { stack, file } of plans) {
    if (stack === "")
      problems.push(`<plan>: ${JSON.stringify(file)} gives no stack name; use <stack>=<file>`);
    else if (seen.has(stack)) problems.push(`<plan>: stack "${stack}" is given twice`);
    seen.add(stack);
  }
  for (const stack of Object.keys(texts)) {
    if (!seen.has(stack)) {
      problems.push(`--text: stack "${stack}" has no plan; stacks given: ${[...seen].join(", ") || "none"}`);
    }
  }
  const limit = values["--limit"] === undefined ? GITHUB_COMMENT_LIMIT : Number(values["--limit"]);
  if (!Number.isInteger(limit) || limit <= 0) {
    problems.push(`--limit: ${JSON.stringify(values["--limit"])} is not a positive whole number`);
  }
  if (problems.length > 0) throw new UsageError(problems);

  return {
    help,
    plans,
    texts,
    limit,
    ...(values["--output"] !== undefined ? { output: values["--output"] } : {}),
    ...(values["--github-output"] !== undefined ? { githubOutput: values["--github-output"] } : {}),
    ...(values["--commit"] !== undefined ? { commit: values["--commit"] } : {}),
    ...(values["--full-plan-url"] !== undefined ? { fullPlanUrl: values["--full-plan-url"] } : {}),
  };
}

/** `name=path` → `{ stack, file }`; undefined when there is no `=` or either side is empty. */
function splitPair(value: string): PlanFileArg | undefined {
  const at = value.indexOf("=");
  if (at <= 0 || at === value.length - 1) return undefined;
  return { stack: value.slice(0, at), file: value.slice(at + 1) };
}
