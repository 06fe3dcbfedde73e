/**
 * Plan review in pull requests: summarizes `terraform show -json` plans as one Markdown comment,
 * with a banner for every destroy or replace of a stateful resource. `cli.ts` is the command line.
 */
export * from "./plan-json";
export { STATEFUL_RESOURCE_TYPES, summarizePlan, formatPath } from "./summarize";
export type { DataLoss, ForcingAttribute, PlanCounts, PlanSummary, ResourceChangeLine } from "./summarize";
export {
  ALLOW_DATA_LOSS_LABEL,
  GITHUB_COMMENT_LIMIT,
  PLAN_SUMMARY_MARKER,
  planLine,
  renderComment,
} from "./render";
export type { RenderedComment, RenderOptions, StackPlan } from "./render";
