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
  /**
   * Changed attributes whose known parts stay as they are and only some values become unknown (e.g. a
   * launch template's version while the template gets a new one): they follow from other changes.
   */
  readonly pending?: readonly string[];
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
        pending: attributes.filter(
          (key) =>
            containsTrue(unknown[key]) &&
            sameValue(known(before[key], unknown[key]), known(after[key], unknown[key])),
        ),
        reason: change.action_reason,
      };
    });
}

/** `value` without the parts `unknown` marks, and without null members (absent and null read alike). */
function known(value: unknown, unknown: unknown): unknown {
  if (unknown === true) return undefined;
  if (Array.isArray(value)) {
    return value.map((item, index) => known(item, Array.isArray(unknown) ? unknown[index] : undefined));
  }
  if (value && typeof value === "object") {
    const marks = (unknown && typeof unknown === "object" ? unknown : {}) as Json;
    return Object.fromEntries(
      Object.entries(value as Json)
        .map(([key, item]) => [key, known(item, marks[key])])
        .filter(([, item]) => item !== undefined && item !== null)
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
  }
  return value;
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
  /** Changes that follow from the others, with the artifacts that explain the rest of each. */
  const following: { change: PlannedChange; artifactIds: string[] }[] = [];
  for (const change of changes) {
    if (change.reason === "replace_by_triggers" || change.unknownOnly) {
      following.push({ change, artifactIds: [] });
      continue;
    }
    const matching = artifacts.filter((artifact) => artifact.resourceType === change.type);
    const covered = change.actions.every((action) => action === "update");
    // An attribute an artifact covers is explained by it, even when it is also unknown.
    const pending = (change.pending ?? []).filter(
      (attribute) => !matching.some((artifact) => artifact.attributes.includes(attribute)),
    );
    const uncovered = change.attributes.filter(
      (attribute) =>
        !pending.includes(attribute) && !matching.some((artifact) => artifact.attributes.includes(attribute)),
    );
    if (covered && uncovered.length === 0 && change.attributes.length > pending.length) {
      const artifactIds = matching
        .filter((artifact) => artifact.attributes.some((attribute) => change.attributes.includes(attribute)))
        .map((artifact) => artifact.id);
      if (pending.length > 0) {
        // Its pending attributes are explained only when every other change is (checked below).
        following.push({ change, artifactIds });
        continue;
      }
      explained.push({ change, artifactIds });
    } else {
      unexplained.push(change);
    }
  }
  // A `replace_triggered_by` replacement, or a change whose values are unknown until another
  // resource is replaced or updated, follows from other changes in the same plan: explained only when they all are.
  for (const { change, artifactIds } of following) {
    if (unexplained.length === 0 && explained.length > 0) {
      explained.push({ change, artifactIds: [...artifactIds, "follows from the changes above"] });
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
