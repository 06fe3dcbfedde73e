import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { CliOptions, parseArgs, USAGE, UsageError } from "./args";
import type { PlanJson } from "./plan-json";
import { renderComment, StackPlan } from "./render";

/** Reads every file the options name; reports every unreadable or malformed file at once. */
function readStackPlans(options: CliOptions): StackPlan[] {
  const problems: string[] = [];
  const read = (file: string, what: string): string | undefined => {
    try {
      return readFileSync(file, "utf8");
    } catch (error) {
      problems.push(
        `${what}: cannot read ${JSON.stringify(file)} (${(error as NodeJS.ErrnoException).code})`,
      );
      return undefined;
    }
  };
  const stacks = options.plans.map(({ stack, file }) => {
    const json = read(file, `<plan> ${stack}`);
    let plan: PlanJson = {};
    if (json !== undefined) {
      try {
        plan = JSON.parse(json) as PlanJson;
        if (!Array.isArray(plan.resource_changes) && plan.format_version === undefined) {
          problems.push(`<plan> ${stack}: ${JSON.stringify(file)} is not \`terraform show -json\` of a plan`);
        }
      } catch {
        problems.push(`<plan> ${stack}: ${JSON.stringify(file)} is not valid JSON`);
      }
    }
    const textFile = options.texts[stack];
    const planText = textFile === undefined ? undefined : read(textFile, `--text ${stack}`);
    return { name: stack, plan, ...(planText !== undefined ? { planText } : {}) };
  });
  if (problems.length > 0) throw new UsageError(problems);
  return stacks;
}

export function main(argv: readonly string[]): number {
  try {
    const options = parseArgs(argv);
    if (options.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const comment = renderComment(readStackPlans(options), {
      limit: options.limit,
      ...(options.commit ? { commit: options.commit } : {}),
      ...(options.fullPlanUrl ? { fullPlanUrl: options.fullPlanUrl } : {}),
    });
    if (options.output) writeFileSync(options.output, comment.markdown);
    else process.stdout.write(comment.markdown);
    if (options.githubOutput) appendFileSync(options.githubOutput, `data-loss=${comment.dataLoss}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
