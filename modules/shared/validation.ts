import { Token } from "cdktf";
import {
  AZ_NAME_PATTERN,
  MAX_TAGS_PER_RESOURCE,
  NOT_A_SECURITY_GROUP_ID,
  NOT_A_SUBNET_ID,
  NOT_AN_AZ_NAME,
  SECURITY_GROUP_ID_PATTERN,
  SUBNET_ID_PATTERN,
  TAG_KEY_MAX_LENGTH,
  TAG_TEXT_PATTERN,
  TAG_VALUE_MAX_LENGTH,
} from "./patterns";

/**
 * Collects every problem with a construct's props, so one synth reports them all at once.
 * Each message names the prop, the value given and what is allowed.
 */
export class ValidationErrors {
  private readonly problems: string[] = [];

  constructor(private readonly constructPath: string) {}

  /** Records `message` for `prop` unless `ok` holds. */
  check(ok: boolean, prop: string, message: string): void {
    if (!ok) this.problems.push(`${prop}: ${message}`);
  }

  /**
   * Records `<value> <problem>` for `prop` unless `value` is absent, an unresolved token (known only
   * at apply time), or matches `pattern`.
   */
  checkFormat(prop: string, value: string | undefined, pattern: RegExp, problem: string): void {
    if (value === undefined || !isKnown(value)) return;
    this.check(pattern.test(value), prop, `${show(value)} ${problem}`);
  }

  /**
   * Checks each literal subnet of `subnets` for the shape of its id and AZ name, as the settings file
   * is checked: a malformed id otherwise passes synth and the offline plan and fails only at apply.
   */
  checkSubnets(
    prop: string,
    subnets: readonly { readonly id: string; readonly availabilityZone: string }[],
  ): void {
    if (!isKnown(subnets)) return;
    subnets.forEach((subnet, i) => {
      this.checkFormat(`${prop}[${i}].id`, subnet.id, SUBNET_ID_PATTERN, NOT_A_SUBNET_ID);
      this.checkFormat(
        `${prop}[${i}].availabilityZone`,
        subnet.availabilityZone,
        AZ_NAME_PATTERN,
        NOT_AN_AZ_NAME,
      );
    });
  }

  /** Checks each literal id of a list of subnet ids or of security-group ids for its shape. */
  checkIds(prop: string, ids: readonly string[], kind: "subnet" | "security group"): void {
    if (!isKnown(ids)) return;
    const [pattern, problem] =
      kind === "subnet"
        ? [SUBNET_ID_PATTERN, NOT_A_SUBNET_ID]
        : [SECURITY_GROUP_ID_PATTERN, NOT_A_SECURITY_GROUP_ID];
    ids.forEach((id, i) => this.checkFormat(`${prop}[${i}]`, id, pattern, problem));
  }

  add(prop: string, message: string): void {
    this.problems.push(`${prop}: ${message}`);
  }

  get count(): number {
    return this.problems.length;
  }

  /** Throws one error listing every recorded problem; does nothing when there are none. */
  throwIfAny(): void {
    if (this.problems.length === 0) return;
    const error = new PropsValidationError(this.constructPath, this.problems);
    printOnceIfUncaught();
    throw error;
  }
}

/** Marks our errors across copies of this package in one process (two versions installed side by side). */
const PROPS_VALIDATION_ERROR = Symbol.for("cdktf-efs-shared-home.PropsValidationError");

/**
 * Thrown by a construct whose props break one or more rules; `problems` holds one line per rule.
 * `constructPath` and `problems` are not enumerable: Node prints an uncaught error's enumerable
 * properties after its stack, which repeated every problem.
 */
export class PropsValidationError extends Error {
  declare readonly constructPath: string;
  declare readonly problems: readonly string[];

  constructor(constructPath: string, problems: readonly string[]) {
    super(`Invalid props for ${constructPath}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    Object.defineProperties(this, {
      name: { value: "PropsValidationError", configurable: true, writable: true },
      constructPath: { value: constructPath },
      problems: { value: Object.freeze([...problems]) },
      [PROPS_VALIDATION_ERROR]: { value: true },
    });
  }
}

/** True for a `PropsValidationError` of any copy of this package. */
export function isPropsValidationError(error: unknown): error is PropsValidationError {
  return typeof error === "object" && error !== null && PROPS_VALIDATION_ERROR in error;
}

/**
 * Left to Node, an uncaught `PropsValidationError` prints the throwing source line, a 10-frame stack
 * that only ever points into this package, and the problems again; `cdktf synth` shows an app's
 * stderr twice (live, then in its summary), so that became 45 lines for a 2-line problem. When the
 * app has no `uncaughtException` listener of its own, this adds one for the rest of the current
 * turn of the event loop (which covers a throw at the top level and an unhandled rejection of an
 * async `main`): it prints the message alone and exits with status 1. Any other error it hands back
 * to Node's default report; an error the app catches leaves nothing behind.
 */
function printOnceIfUncaught(): void {
  if (typeof process === "undefined" || typeof process.listenerCount !== "function") return;
  if (process.listenerCount("uncaughtException") > 0) return;
  const onUncaught = (error: unknown): void => {
    process.off("uncaughtException", onUncaught);
    if (isPropsValidationError(error)) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    if (process.listenerCount("uncaughtException") > 0) return;
    // Thrown again as Node would report it; the marker comment keeps Node from quoting this line.
    process.nextTick(() => {
      throw error; // node-do-not-add-exception-line
    });
  };
  process.on("uncaughtException", onUncaught);
  setImmediate(() => process.off("uncaughtException", onUncaught)).unref();
}

/** True for a literal value we can check at synth; tokens resolve only at apply time. */
export function isKnown(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "string" || typeof value === "number" || Array.isArray(value)) {
    return !Token.isUnresolved(value);
  }
  return true;
}

/** Strings longer than this are shortened in messages, so a pasted blob never floods the terminal. */
const SHOWN_STRING_MAX = 80;
const SHOWN_JSON_MAX = 120;
/** How much of a shortened value is shown. */
const SHOWN_PREFIX = 60;

/**
 * Renders a value for an error message, as JSON. A long value is cut to its start and its size:
 * `"aaaa…" (20000 characters)`. Infinity and NaN, which JSON cannot hold, are named as such.
 */
export function show(value: unknown): string {
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (typeof value === "string") {
    if (value.length <= SHOWN_STRING_MAX) return JSON.stringify(value);
    return `${JSON.stringify(value.slice(0, SHOWN_PREFIX)).slice(0, -1)}…" (${value.length} characters)`;
  }
  const json = JSON.stringify(value);
  if (json === undefined || json.length <= SHOWN_JSON_MAX) return String(json);
  return `${json.slice(0, SHOWN_PREFIX)}… (${json.length} characters)`;
}

/** One problem of a tag map: the key it is about (undefined for the map as a whole) and what is wrong. */
export interface TagProblem {
  readonly key?: string;
  readonly problem: string;
}

/**
 * The tag rules EFS enforces (EFS API reference, "Tag"), which also hold for the other services we
 * tag: allowed characters, key and value lengths, the reserved `aws:` prefix, and at most 50 tags.
 * `alsoOnResource` counts tags the resource gets anyway (Name, the provider's default tags).
 */
export function tagProblems(tags: Readonly<Record<string, string>>, alsoOnResource = 0): TagProblem[] {
  const problems: TagProblem[] = [];
  const keys = Object.keys(tags);
  const total = keys.length + alsoOnResource;
  if (total > MAX_TAGS_PER_RESOURCE) {
    const extra = alsoOnResource > 0 ? ` (with ${alsoOnResource} the stack adds)` : "";
    problems.push({
      problem: `has ${total} tags${extra}; AWS allows at most ${MAX_TAGS_PER_RESOURCE} per resource`,
    });
  }
  const allowed = "letters, digits, spaces and _ . : / = + - @";
  for (const key of keys) {
    if (!isKnown(key)) continue;
    if (key.length === 0 || key.length > TAG_KEY_MAX_LENGTH) {
      problems.push({ key, problem: `key must have 1 to ${TAG_KEY_MAX_LENGTH} characters` });
    } else if (!TAG_TEXT_PATTERN.test(key)) {
      problems.push({ key, problem: `key ${show(key)} has characters AWS refuses in tags; use ${allowed}` });
    } else if (key.toLowerCase().startsWith("aws:")) {
      problems.push({ key, problem: `key ${show(key)} starts with "aws:", which AWS reserves for itself` });
    }
    const value = tags[key];
    if (typeof value !== "string" || !isKnown(value)) continue;
    if (value.length > TAG_VALUE_MAX_LENGTH) {
      problems.push({ key, problem: `value must have at most ${TAG_VALUE_MAX_LENGTH} characters` });
    } else if (!TAG_TEXT_PATTERN.test(value)) {
      problems.push({
        key,
        problem: `value ${show(value)} has characters AWS refuses in tags; use ${allowed}`,
      });
    }
  }
  return problems;
}
