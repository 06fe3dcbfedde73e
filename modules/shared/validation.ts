import { Token } from "cdktf";

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

  add(prop: string, message: string): void {
    this.problems.push(`${prop}: ${message}`);
  }

  get count(): number {
    return this.problems.length;
  }

  /** Throws one error listing every recorded problem; does nothing when there are none. */
  throwIfAny(): void {
    if (this.problems.length === 0) return;
    throw new PropsValidationError(this.constructPath, this.problems);
  }
}

/** Thrown by a construct whose props break one or more rules; `problems` holds one line per rule. */
export class PropsValidationError extends Error {
  constructor(
    readonly constructPath: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid props for ${constructPath}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "PropsValidationError";
  }
}

/** True for a literal value we can check at synth; tokens resolve only at apply time. */
export function isKnown(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "string" || typeof value === "number" || Array.isArray(value)) {
    return !Token.isUnresolved(value);
  }
  return true;
}

/** Renders a value for an error message. */
export function show(value: unknown): string {
  return JSON.stringify(value);
}
