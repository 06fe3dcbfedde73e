/**
 * The parts of `terraform show -json <planfile>` this tool reads. Terraform documents the format at
 * https://developer.hashicorp.com/terraform/internals/json-format ("Plan Representation"); fields
 * we do not read are left out, and every field is optional because older Terraform versions and
 * failed plans omit some of them.
 */

/** A step into a value: an attribute name or map key (string) or a list index (number). */
export type PathStep = string | number;
export type AttributePath = readonly PathStep[];

/**
 * What Terraform will do to one resource instance. A replacement is `["delete", "create"]`
 * (or `["create", "delete"]` with `create_before_destroy`).
 */
export type PlanAction = "no-op" | "create" | "read" | "update" | "delete" | "forget";

export interface PlanChange {
  readonly actions: readonly PlanAction[];
  readonly before?: unknown;
  readonly after?: unknown;
  /** Mirrors `after`, with `true` where a value is known only after apply. */
  readonly after_unknown?: unknown;
  /** Mirrors `before`/`after`, with `true` where a value is sensitive. */
  readonly before_sensitive?: unknown;
  readonly after_sensitive?: unknown;
  /** The attribute paths whose change forces a replacement. */
  readonly replace_paths?: readonly AttributePath[];
  /** Present when the plan imports this resource. */
  readonly importing?: unknown;
}

export interface ResourceChange {
  readonly address: string;
  readonly mode?: "managed" | "data";
  readonly type: string;
  readonly name?: string;
  /** Set when the change concerns a deposed object left behind by an earlier replacement. */
  readonly deposed?: string;
  readonly change: PlanChange;
  /** Why Terraform chose this action, e.g. `replace_because_cannot_update`. */
  readonly action_reason?: string;
}

export interface PlanJson {
  readonly format_version?: string;
  readonly terraform_version?: string;
  readonly errored?: boolean;
  readonly resource_changes?: readonly ResourceChange[];
  readonly output_changes?: Readonly<Record<string, PlanChange>>;
}
