import type { AttributePath, PlanChange, PlanJson, ResourceChange } from "./plan-json";

/**
 * Resource types that hold data which is gone once Terraform destroys or replaces them, and what a
 * reviewer loses. Only data-bearing things belong here: a mount target or a replication
 * configuration can be recreated from the configuration, a file system's contents cannot.
 */
export const STATEFUL_RESOURCE_TYPES: Readonly<Record<string, string>> = {
  aws_efs_file_system: "EFS file system: every file on it, including every user's home directory",
  aws_ebs_volume: "EBS volume: every file on it",
  aws_backup_vault: "backup vault: its recovery points",
  aws_s3_bucket: "S3 bucket: its objects, such as Terraform state",
  aws_kms_key: "KMS key: anything encrypted with it can no longer be decrypted",
};

/** Terraform's counts, as in its `Plan: X to add, Y to change, Z to destroy.` line. */
export interface PlanCounts {
  readonly import: number;
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  readonly forget: number;
}

/** The change of one attribute that forces a replacement. */
export interface ForcingAttribute {
  /** The attribute path as a reader writes it, e.g. `performance_mode` or `lifecycle_policy[0].transition_to_ia`. */
  readonly path: string;
  /** The value before, rendered for Markdown: JSON, `(sensitive)`, or `(none)`. */
  readonly before: string;
  /** The value after, rendered likewise, or `(known after apply)`. */
  readonly after: string;
}

/** A destroy or replace of a stateful resource. */
export interface DataLoss {
  readonly address: string;
  readonly type: string;
  /** What is lost, from `STATEFUL_RESOURCE_TYPES`. */
  readonly loses: string;
  readonly action: "destroy" | "replace";
  /** For a replacement: `destroy-first` (the default) or `create-first` (`create_before_destroy`). */
  readonly order?: "destroy-first" | "create-first";
  /** The attributes that force the replacement; empty for a destroy or a replacement for another reason. */
  readonly forcedBy: readonly ForcingAttribute[];
  /** Why Terraform plans this, in words, when the plan says. */
  readonly reason?: string;
}

/** One planned change for the per-resource list. */
export interface ResourceChangeLine {
  readonly address: string;
  readonly action: "create" | "update" | "destroy" | "replace" | "forget" | "import";
  /** Attribute paths whose value changes (updates and replacements). */
  readonly changedAttributes: readonly string[];
  readonly forcedBy: readonly string[];
}

export interface PlanSummary {
  readonly counts: PlanCounts;
  readonly dataLoss: readonly DataLoss[];
  readonly changes: readonly ResourceChangeLine[];
  /** Outputs that change; Terraform reports a plan with only output changes as a change too. */
  readonly changedOutputs: readonly string[];
  readonly errored: boolean;
}

/**
 * Terraform's `action_reason` values that explain a destroy or replace, in words. The values are
 * listed in the JSON output format documentation (see `plan-json.ts`).
 */
const ACTION_REASONS: Readonly<Record<string, string>> = {
  replace_because_tainted: "the resource is tainted",
  replace_because_cannot_update: "an attribute cannot be changed in place",
  replace_by_request: "a replacement was requested with `-replace`",
  replace_by_triggers: "`replace_triggered_by` fired",
  delete_because_no_resource_config:
    "it is no longer in the configuration (renaming a construct id does this)",
  delete_because_no_module: "its module is no longer in the configuration",
  delete_because_wrong_repetition: "its `count` or `for_each` changed form",
  delete_because_count_index: "its `count` index is out of range",
  delete_because_each_key: "its `for_each` key is gone",
  delete_because_no_move_target: "its `moved` target does not exist",
};

/** Reads one plan's summary: Terraform's counts, the data-loss list and the changed resources. */
export function summarizePlan(plan: PlanJson): PlanSummary {
  const managed = (plan.resource_changes ?? []).filter((rc) => (rc.mode ?? "managed") === "managed");
  return {
    counts: countChanges(managed),
    dataLoss: managed.flatMap((rc) => {
      const loss = dataLossOf(rc);
      return loss ? [loss] : [];
    }),
    changes: managed.flatMap((rc) => {
      const line = changeLineOf(rc);
      return line ? [line] : [];
    }),
    changedOutputs: Object.entries(plan.output_changes ?? {})
      .filter(([, change]) => !isNoOp(change.actions))
      .map(([name]) => name),
    errored: plan.errored === true,
  };
}

/** Counts as Terraform does: a replacement is one add and one destroy; `no-op` and `read` are not counted. */
function countChanges(changes: readonly ResourceChange[]): PlanCounts {
  const counts = { import: 0, add: 0, change: 0, destroy: 0, forget: 0 };
  for (const { change } of changes) {
    if (change.importing !== undefined && change.importing !== null) counts.import++;
    if (change.actions.includes("create")) counts.add++;
    if (change.actions.includes("update")) counts.change++;
    if (change.actions.includes("delete")) counts.destroy++;
    if (change.actions.includes("forget")) counts.forget++;
  }
  return counts;
}

function isNoOp(actions: readonly string[]): boolean {
  return actions.every((action) => action === "no-op" || action === "read");
}

function isReplace(actions: readonly string[]): boolean {
  return actions.includes("delete") && actions.includes("create");
}

function dataLossOf(rc: ResourceChange): DataLoss | undefined {
  const loses = STATEFUL_RESOURCE_TYPES[rc.type];
  // "forget" removes a resource from the state but leaves it, and its data, in AWS.
  if (loses === undefined || !rc.change.actions.includes("delete")) return undefined;
  const replace = isReplace(rc.change.actions);
  return {
    address: rc.deposed ? `${rc.address} (deposed object ${rc.deposed})` : rc.address,
    type: rc.type,
    loses,
    action: replace ? "replace" : "destroy",
    ...(replace ? { order: rc.change.actions[0] === "create" ? "create-first" : "destroy-first" } : {}),
    forcedBy: (rc.change.replace_paths ?? []).map((path) => forcingAttribute(rc.change, path)),
    ...(rc.action_reason && ACTION_REASONS[rc.action_reason]
      ? { reason: ACTION_REASONS[rc.action_reason] }
      : {}),
  };
}

function changeLineOf(rc: ResourceChange): ResourceChangeLine | undefined {
  const { actions } = rc.change;
  const importing = rc.change.importing !== undefined && rc.change.importing !== null;
  if (isNoOp(actions) && !importing) return undefined;
  const action: ResourceChangeLine["action"] = isReplace(actions)
    ? "replace"
    : actions.includes("delete")
      ? "destroy"
      : actions.includes("create")
        ? "create"
        : actions.includes("update")
          ? "update"
          : actions.includes("forget")
            ? "forget"
            : "import";
  return {
    address: rc.address,
    action,
    changedAttributes:
      action === "update" || action === "replace" ? changedAttributePaths(rc.change).map(formatPath) : [],
    forcedBy: (rc.change.replace_paths ?? []).map(formatPath),
  };
}

/**
 * Top-level attributes (and, one level down, changed elements of nested blocks) whose value
 * differs between `before` and `after`, or becomes unknown.
 */
function changedAttributePaths(change: PlanChange): AttributePath[] {
  const before = asRecord(change.before);
  const after = asRecord(change.after);
  const unknown = asRecord(change.after_unknown);
  const names = new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)]);
  return [...names]
    .filter((name) => containsTrue(unknown[name]) || !sameJson(before[name], after[name]))
    .sort()
    .map((name) => [name]);
}

function forcingAttribute(change: PlanChange, path: AttributePath): ForcingAttribute {
  return {
    path: formatPath(path),
    before: renderValue(change.before, change.before_sensitive, undefined, path),
    after: renderValue(change.after, change.after_sensitive, change.after_unknown, path),
  };
}

/** Writes a path as a reader would: `a.b[0].c`, with map keys that are not identifiers quoted. */
export function formatPath(path: AttributePath): string {
  return path
    .map((step, i) => {
      if (typeof step === "number") return `[${step}]`;
      if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(step)) return `[${JSON.stringify(step)}]`;
      return i === 0 ? step : `.${step}`;
    })
    .join("");
}

const MAX_RENDERED_VALUE = 80;

function renderValue(value: unknown, sensitive: unknown, unknown: unknown, path: AttributePath): string {
  if (flagAt(sensitive, path)) return "(sensitive)";
  if (flagAt(unknown, path)) return "(known after apply)";
  const found = valueAt(value, path);
  if (found === undefined || found === null) return "(none)";
  const json = JSON.stringify(found);
  return json.length > MAX_RENDERED_VALUE ? `${json.slice(0, MAX_RENDERED_VALUE - 1)}…` : json;
}

function valueAt(value: unknown, path: AttributePath): unknown {
  let current: unknown = value;
  for (const step of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}

/** True if the `after_unknown`/`*_sensitive` mirror marks `path`, or a value containing it, with `true`. */
function flagAt(mirror: unknown, path: AttributePath): boolean {
  let current: unknown = mirror;
  for (const step of path) {
    if (current === true) return true;
    if (current === null || typeof current !== "object") return false;
    current = (current as Record<string | number, unknown>)[step];
  }
  return containsTrue(current);
}

function containsTrue(mirror: unknown): boolean {
  if (mirror === true) return true;
  if (mirror === null || typeof mirror !== "object") return false;
  return Object.values(mirror).some(containsTrue);
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
