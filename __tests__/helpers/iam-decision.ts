/**
 * A small IAM policy evaluator for tests that must assert on decisions rather than on a statement
 * layout: the same grants may be written as one statement per grant or merged per level, and both
 * must give the same answers.
 *
 * It covers what our policies use: `Principal` (`*` or `{ AWS: arn | arn[] }`), `Action` and
 * `Resource` (exact, `*`, or a `service:*` / trailing-`*` wildcard), and the condition operators
 * `Bool`, `StringEquals`, `StringLike`, `ArnEquals`, `ArnLike` and `Null`. Any other operator throws,
 * so a policy that grows one is never evaluated as if the condition held. Terraform references stay
 * as their `${...}` text (see `parsePolicy`), and match only the same text.
 */

export interface IamRequest {
  /** The calling principal's ARN, as the policy names it; omit for an identity policy. */
  readonly principal?: string;
  readonly action: string;
  readonly resource: string;
  /** Condition keys in the request context; an absent key is `undefined`. */
  readonly context?: Readonly<Record<string, string | undefined>>;
}

export type IamDecision = "allow" | "deny" | "implicit-deny";

interface Statement {
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: unknown;
  readonly Action?: string | string[];
  readonly NotAction?: unknown;
  readonly Resource?: string | string[];
  readonly NotResource?: unknown;
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

const asList = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** `*` anywhere in the pattern matches any run of characters; everything else is literal. */
function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const source = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`, caseInsensitive ? "i" : "").test(value);
}

function principalMatches(principal: unknown, caller: string | undefined): boolean {
  if (principal === undefined) return caller === undefined;
  if (caller === undefined) return false;
  if (principal === "*") return true;
  if (typeof principal === "object" && principal !== null && "AWS" in principal) {
    const arns = asList((principal as { AWS: string | string[] }).AWS);
    return arns.some((arn) => arn === "*" || arn === caller);
  }
  throw new Error(`iam-decision: unsupported Principal ${JSON.stringify(principal)}`);
}

function conditionHolds(
  operator: string,
  key: string,
  expected: string | string[],
  context: IamRequest["context"],
) {
  const actual = context?.[key];
  const values = asList(expected);
  switch (operator) {
    case "Null":
      return values.some((v) => (v === "true") === (actual === undefined));
    case "Bool":
      return actual !== undefined && values.some((v) => v.toLowerCase() === actual.toLowerCase());
    case "StringEquals":
    case "ArnEquals":
      return actual !== undefined && values.includes(actual);
    case "StringLike":
    case "ArnLike":
      return actual !== undefined && values.some((v) => wildcardMatch(v, actual));
    default:
      throw new Error(`iam-decision: unsupported condition operator ${operator}`);
  }
}

function statementApplies(statement: Statement, request: IamRequest): boolean {
  if (statement.NotAction !== undefined || statement.NotResource !== undefined) {
    throw new Error("iam-decision: NotAction and NotResource are not supported");
  }
  if (!principalMatches(statement.Principal, request.principal)) return false;
  if (!asList(statement.Action).some((a) => wildcardMatch(a, request.action, true))) return false;
  if (!asList(statement.Resource).some((r) => wildcardMatch(r, request.resource))) return false;
  return Object.entries(statement.Condition ?? {}).every(([operator, entries]) =>
    Object.entries(entries).every(([key, expected]) =>
      conditionHolds(operator, key, expected, request.context),
    ),
  );
}

/** The decision of one policy (a list of statements) on `request`: an explicit Deny wins. */
export function decide(statements: readonly Statement[], request: IamRequest): IamDecision {
  const applying = statements.filter((s) => statementApplies(s, request));
  if (applying.some((s) => s.Effect === "Deny")) return "deny";
  return applying.some((s) => s.Effect === "Allow") ? "allow" : "implicit-deny";
}
