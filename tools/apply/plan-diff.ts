/**
 * Reads the second plan after an apply: every change must be a known emulator artifact
 * (`emulator-artifacts.json`); anything else is a resource that does not settle, and a failure.
 */

// Terraform JSON (synth output, plans) is untyped.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** An emulator artifact: attributes of one resource type that moto reads back differently from AWS. */
export interface EmulatorArtifact {
  readonly id: string;
  readonly resourceType: string;
  readonly attributes: readonly string[];
}

/** One changed resource in a plan, with the top-level attributes that change. */
export interface PlannedChange {
  readonly address: string;
  readonly type: string;
  readonly actions: readonly string[];
  readonly attributes: readonly string[];
  /** Every changed attribute is unknown until apply: its value comes from another change in the plan. */
  readonly unknownOnly: boolean;
  /** Terraform's `action_reason`, e.g. `replace_by_triggers` (a `replace_triggered_by` replacement). */
  readonly reason?: string;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The resource changes of `terraform show -json <plan>`, other than no-op and read. */
export function plannedChanges(plan: Json): PlannedChange[] {
  return (plan.resource_changes ?? [])
    .filter(
      (change: Json) =>
        !change.change.actions.every((action: string) => action === "no-op" || action === "read"),
    )
    .map((change: Json) => {
      const before: Json = change.change.before ?? {};
      const after: Json = change.change.after ?? {};
      const unknown: Json = change.change.after_unknown ?? {};
      const keys = new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)]);
      const attributes = [...keys]
        .filter((key) => !sameValue(before[key], after[key]) || containsTrue(unknown[key]))
        .sort();
      return {
        address: change.address,
        type: change.type,
        actions: change.change.actions,
        attributes,
        unknownOnly: attributes.length > 0 && attributes.every((key) => containsTrue(unknown[key])),
        reason: change.action_reason,
      };
    });
}

function containsTrue(value: unknown): boolean {
  if (value === true) return true;
  if (Array.isArray(value)) return value.some(containsTrue);
  if (value && typeof value === "object") return Object.values(value).some(containsTrue);
  return false;
}

/** Which artifact explains each change, and the changes none explains. */
export function explainChanges(
  changes: readonly PlannedChange[],
  artifacts: readonly EmulatorArtifact[],
): { explained: { change: PlannedChange; artifactIds: string[] }[]; unexplained: PlannedChange[] } {
  const explained: { change: PlannedChange; artifactIds: string[] }[] = [];
  const unexplained: PlannedChange[] = [];
  const following: PlannedChange[] = [];
  for (const change of changes) {
    if (change.reason === "replace_by_triggers" || change.unknownOnly) {
      following.push(change);
      continue;
    }
    const matching = artifacts.filter((artifact) => artifact.resourceType === change.type);
    const covered = change.actions.every((action) => action === "update");
    const uncovered = change.attributes.filter(
      (attribute) => !matching.some((artifact) => artifact.attributes.includes(attribute)),
    );
    if (covered && uncovered.length === 0 && change.attributes.length > 0) {
      const artifactIds = matching
        .filter((artifact) => artifact.attributes.some((attribute) => change.attributes.includes(attribute)))
        .map((artifact) => artifact.id);
      explained.push({ change, artifactIds });
    } else {
      unexplained.push(change);
    }
  }
  // A `replace_triggered_by` replacement, or a change whose values are all unknown until another
  // resource is replaced, follows from other changes in the same plan: explained only when they all are.
  for (const change of following) {
    if (unexplained.length === 0 && explained.length > 0) {
      explained.push({ change, artifactIds: ["follows from the changes above"] });
    } else {
      unexplained.push(change);
    }
  }
  return { explained, unexplained };
}

/** `address (actions): attributes`, as printed for a change. */
export function describeChange(change: PlannedChange): string {
  const why = change.reason ? `, ${change.reason}` : "";
  return `${change.address} (${change.actions.join("+")}${why}): ${change.attributes.join(", ") || "no attribute"}`;
}
