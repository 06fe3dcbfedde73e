import type { TerraformJson } from "../helpers/synth";
import type { PlanJson } from "../helpers/terraform";

/** Stack name → what the example produced for it. */
export type ByStack<T> = Readonly<Record<string, T>>;

/** What a file in this folder exports for the example of the same name (see examples/README.md). */
export interface ExampleExpectations {
  /**
   * Named checks, each run as its own test. `plans` maps each stack the example synthesizes to its
   * `terraform show -json` plan; `synthesized` to its `cdk.tf.json`, for values a plan knows only at
   * apply (policy documents that hold ARNs).
   */
  readonly checks: Readonly<
    Record<string, (plans: ByStack<PlanJson>, synthesized: ByStack<TerraformJson>) => void>
  >;
}

/** A resource as planned: its address, its known `after` values and its configuration expressions. */
export interface PlannedResource {
  readonly address: string;
  readonly type: string;
  readonly actions: readonly string[];
  readonly after: Record<string, any>;
  /** Attribute → the addresses it refers to (`aws_iam_role.app-role`, without `.id`/`.arn`). */
  readonly references: Readonly<Record<string, readonly string[]>>;
}

/** The plan of the one stack named `stack`; fails when the example did not synthesize it. */
export function planOf(plans: ByStack<PlanJson>, stack: string): PlanJson {
  return stackOf(plans, stack);
}

/** The entry of `stack` in `byStack` (a plan or a synthesized `cdk.tf.json`); fails when it is missing. */
export function stackOf<T>(byStack: ByStack<T>, stack: string): T {
  const value = byStack[stack];
  if (value === undefined)
    throw new Error(`no stack ${stack}; the example synthesized ${Object.keys(byStack)}`);
  return value;
}

/** Every planned resource of `type` (all types when omitted), with the references of its configuration. */
export function planned(plan: PlanJson, type?: string): PlannedResource[] {
  const configuration = new Map<string, any>(
    (plan.configuration?.root_module?.resources ?? []).map((r: any) => [r.address, r]),
  );
  return (plan.resource_changes ?? [])
    .filter((change: any) => type === undefined || change.type === type)
    .map((change: any) => {
      const expressions: Record<string, any> = configuration.get(change.address)?.expressions ?? {};
      const references = Object.fromEntries(
        Object.entries(expressions)
          .filter(([, expression]) => Array.isArray(expression?.references))
          // Terraform lists both `x.id` and `x`; keep the resource addresses.
          .map(([attribute, expression]) => [
            attribute,
            (expression.references as string[]).filter((ref) => ref.split(".").length === 2),
          ]),
      );
      return {
        address: change.address,
        type: change.type,
        actions: change.change.actions,
        after: change.change.after ?? {},
        references,
      };
    });
}

/** The address of the one resource of `type` whose construct id (the Terraform name) starts with `namePrefix`. */
export function addressByName(plan: PlanJson, type: string, namePrefix: string): string {
  const matches = planned(plan, type).filter((r) => r.address.startsWith(`${type}.${namePrefix}`));
  if (matches.length !== 1) {
    throw new Error(`expected one ${type} named ${namePrefix}*, found ${matches.map((m) => m.address)}`);
  }
  return matches[0].address;
}
