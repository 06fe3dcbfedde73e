import type { PlanJson } from "./plan-json";
import { DataLoss, PlanCounts, PlanSummary, ResourceChangeLine, summarizePlan } from "./summarize";

/** Hidden first line of every comment, so the workflow finds and updates its own comment. */
export const PLAN_SUMMARY_MARKER = "<!-- efs-plan-summary -->";

/** GitHub rejects an issue or pull-request comment longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** The pull-request label that lets a plan with a data-loss banner pass the plan workflow. */
export const ALLOW_DATA_LOSS_LABEL = "allow-data-loss";

/** One stack's plan, as the CLI read it. */
export interface StackPlan {
  /** The stack name, e.g. `efs`. */
  readonly name: string;
  /** `terraform show -json` of the stack's saved plan. */
  readonly plan: PlanJson;
  /**
   * `terraform show -no-color` of the same plan, for the collapsed full plan.
   * @default - a compact per-resource list rendered from `plan`
   */
  readonly planText?: string;
}

export interface RenderOptions {
  /**
   * Longest comment to produce; only the collapsed plan text is trimmed to fit.
   * @default GITHUB_COMMENT_LIMIT
   */
  readonly limit?: number;
  /**
   * The commit the plans were made for, shown under the title.
   * @default - not shown
   */
  readonly commit?: string;
  /**
   * Where the untrimmed plan can be read, e.g. the CI run; linked from the trim note.
   * @default - no link
   */
  readonly fullPlanUrl?: string;
}

export interface RenderedComment {
  readonly markdown: string;
  /** True when any stack destroys or replaces a stateful resource: the banner is shown. */
  readonly dataLoss: boolean;
  /** Characters cut from the collapsed plans to fit `limit`; 0 when nothing was cut. */
  readonly trimmedCharacters: number;
}

/** A stack section split into the part that may be trimmed (`body`) and the parts that may not. */
interface Section {
  readonly head: string;
  readonly body: string;
  readonly tail: string;
}

/**
 * Renders the pull-request comment: the marker, a data-loss banner over every stack, then one
 * section per stack with its status line, Terraform's `Plan:` line and the collapsed full plan.
 */
export function renderComment(stacks: readonly StackPlan[], options: RenderOptions = {}): RenderedComment {
  const limit = options.limit ?? GITHUB_COMMENT_LIMIT;
  const summaries = stacks.map((stack) => ({ stack, summary: summarizePlan(stack.plan) }));
  const losses = summaries.flatMap(({ stack, summary }) =>
    summary.dataLoss.map((loss) => ({ stackName: stack.name, loss })),
  );

  const header = [
    PLAN_SUMMARY_MARKER,
    "## Terraform plan",
    ...(options.commit ? [`For commit \`${options.commit}\`.`] : []),
    ...(losses.length > 0 ? [renderBanner(losses)] : []),
  ].join("\n\n");

  const sections: Section[] = summaries.map(({ stack, summary }) => ({
    head: [
      `### \`${stack.name}\``,
      statusLine(summary),
      planLine(summary.counts),
      `<details><summary>Full plan of <code>${escapeHtml(stack.name)}</code></summary>`,
      "",
    ].join("\n\n"),
    body: stack.planText !== undefined ? diffFriendly(stack.planText) : changeList(summary.changes),
    tail: "</details>",
  }));

  const { bodies, trimmed } = fitBodies(header, sections, limit, options.fullPlanUrl);
  return {
    markdown: assemble(header, sections, bodies),
    dataLoss: losses.length > 0,
    trimmedCharacters: trimmed,
  };
}

function renderBanner(losses: readonly { stackName: string; loss: DataLoss }[]): string {
  const lines = [
    "> [!CAUTION]",
    `> **This plan deletes data.** It destroys or replaces ${losses.length === 1 ? "a stateful resource" : `${losses.length} stateful resources`}. ` +
      "A replaced resource starts empty: restore from a backup, or change the pull request.",
    ">",
    ...losses.map(({ stackName, loss }) => `> - ${lossLine(stackName, loss)}`),
    ">",
    `> The plan check fails until the pull request has the \`${ALLOW_DATA_LOSS_LABEL}\` label.`,
  ];
  return lines.join("\n");
}

function lossLine(stackName: string, loss: DataLoss): string {
  const what =
    loss.action === "destroy"
      ? "**destroyed**"
      : loss.order === "create-first"
        ? "**replaced** (new one created, then the old one destroyed)"
        : "**replaced** (destroyed, then created again)";
  const forced =
    loss.forcedBy.length > 0
      ? ` because ${loss.forcedBy.map((f) => `\`${f.path}\` changes (\`${f.before}\` → \`${f.after}\`)`).join(", ")}`
      : loss.reason
        ? ` because ${loss.reason}`
        : "";
  return `\`${stackName}\`: \`${loss.address}\` is ${what}${forced}. Loses the ${loss.loses}.`;
}

function statusLine(summary: PlanSummary): string {
  if (summary.errored) return "❌ **The plan failed.** See the job log.";
  if (summary.dataLoss.length > 0) {
    const n = summary.dataLoss.length;
    return `🛑 **Deletes data:** destroys or replaces ${n === 1 ? "1 stateful resource" : `${n} stateful resources`}.`;
  }
  if (summary.changes.length > 0) return "⚠️ **Changes** without data loss.";
  if (summary.changedOutputs.length > 0) return "⚠️ **Changes to outputs only.**";
  return "✅ **No changes.** The infrastructure matches the configuration.";
}

/** Terraform's own wording; imports and forgets are shown only when there are some, as Terraform does. */
export function planLine(counts: PlanCounts): string {
  const parts = [
    ...(counts.import > 0 ? [`${counts.import} to import`] : []),
    `${counts.add} to add`,
    `${counts.change} to change`,
    `${counts.destroy} to destroy`,
    ...(counts.forget > 0 ? [`${counts.forget} to forget`] : []),
  ];
  return `Plan: ${parts.join(", ")}.`;
}

const CHANGE_SYMBOLS: Readonly<Record<ResourceChangeLine["action"], string>> = {
  create: "+",
  update: "~",
  destroy: "-",
  replace: "-/+",
  forget: ".",
  import: "<=",
};

/** The full plan when no `terraform show` text is given: one line per changed resource. */
function changeList(changes: readonly ResourceChangeLine[]): string {
  if (changes.length === 0) return "No resource changes.\n";
  return changes
    .map((c) => {
      const details = [
        ...(c.forcedBy.length > 0 ? [`forced by ${c.forcedBy.join(", ")}`] : []),
        ...(c.changedAttributes.length > 0 ? [`changes ${c.changedAttributes.join(", ")}`] : []),
      ];
      const suffix = details.length > 0 ? ` (${details.join("; ")})` : "";
      return `${CHANGE_SYMBOLS[c.action]} ${c.action} ${c.address}${suffix}\n`;
    })
    .join("");
}

/**
 * Moves Terraform's indented `+`/`-` markers to the start of the line, so GitHub's `diff`
 * highlighting colours them.
 */
function diffFriendly(text: string): string {
  const body = text.replace(/^([ \t]+)(-\/\+|\+\/-|[-+~]) /gm, "$2$1 ");
  return body.endsWith("\n") ? body : `${body}\n`;
}

/** Wraps text in a fence longer than any run of backticks inside it. */
function fence(body: string): string {
  const longestRun = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = "`".repeat(Math.max(3, longestRun + 1));
  return `${ticks}diff\n${body}${ticks}`;
}

function assemble(header: string, sections: readonly Section[], bodies: readonly string[]): string {
  return (
    [header, ...sections.map((section, i) => `${section.head}${bodies[i]}\n\n${section.tail}`)].join("\n\n") +
    "\n"
  );
}

/**
 * Fits the comment into `limit` by trimming the collapsed plans only, each at a line end. Stacks
 * share the room evenly; a plan shorter than its share keeps all of it and leaves the rest to
 * the others. The status lines and the banner are never cut.
 */
function fitBodies(
  header: string,
  sections: readonly Section[],
  limit: number,
  fullPlanUrl: string | undefined,
): { bodies: string[]; trimmed: number } {
  const full = sections.map((s) => fence(s.body));
  if (assemble(header, sections, full).length <= limit) return { bodies: full, trimmed: 0 };

  const fixed = assemble(
    header,
    sections,
    sections.map(() => ""),
  ).length;
  let budget = limit - fixed;
  for (;;) {
    const allowances = shareEvenly(
      sections.map((s) => fence(s.body).length),
      Math.max(0, budget),
    );
    const cut = sections.map((s, i) => trimBody(s.body, allowances[i], fullPlanUrl));
    const overflow = assemble(
      header,
      sections,
      cut.map((c) => c.text),
    ).length;
    if (overflow <= limit || budget <= 0) {
      return { bodies: cut.map((c) => c.text), trimmed: cut.reduce((sum, c) => sum + c.trimmed, 0) };
    }
    budget -= overflow - limit;
  }
}

/** Splits `budget` among items of the given lengths: none gets more than it needs, the rest share evenly. */
function shareEvenly(lengths: readonly number[], budget: number): number[] {
  const allowances = new Array<number>(lengths.length).fill(0);
  const order = lengths.map((length, index) => ({ length, index })).sort((a, b) => a.length - b.length);
  let remaining = budget;
  order.forEach(({ length, index }, position) => {
    const share = Math.floor(remaining / (order.length - position));
    allowances[index] = Math.min(length, share);
    remaining -= allowances[index];
  });
  return allowances;
}

/** The fenced body cut to `allowance` characters, note included, or the whole body if it fits. */
function trimBody(
  body: string,
  allowance: number,
  fullPlanUrl: string | undefined,
): { text: string; trimmed: number } {
  const whole = fence(body);
  if (whole.length <= allowance) return { text: whole, trimmed: 0 };
  const where = fullPlanUrl ? ` The whole plan is in [the CI run](${fullPlanUrl}).` : "";
  const note = (n: number) =>
    `\n\n_… trimmed ${n.toLocaleString("en-US")} characters to fit GitHub's comment limit.${where}_`;
  // The fence and the note with the largest possible count must fit too.
  const room = allowance - fence("").length - note(body.length).length;
  let kept = room > 0 ? body.slice(0, room) : "";
  const lastNewline = kept.lastIndexOf("\n");
  kept = lastNewline >= 0 ? kept.slice(0, lastNewline + 1) : "";
  const trimmed = body.length - kept.length;
  return { text: `${kept.length > 0 ? fence(kept) : ""}${note(trimmed)}`, trimmed };
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
