import type { z } from "zod";

/** Bad settings: every problem found, one line each, as `<json.path>: <problem> (got <value>)`. */
export class SettingsError extends Error {
  constructor(
    /** The settings file the problems are in. */
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(`invalid settings in ${file} (${count}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "SettingsError";
  }
}

type PathSegment = PropertyKey;

/** `network.publicSubnetCidrs[0]`, `tags["a b"]`; the root is `(root)`. */
export function formatPath(path: readonly PathSegment[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(String(segment)))
      text += `${text ? "." : ""}${String(segment)}`;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text || "(root)";
}

/** Splits `a.b[0].c` into `["a", "b", 0, "c"]`. */
export function parsePath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    segments.push(match[2] !== undefined ? Number(match[2]) : match[1]);
  }
  return segments;
}

/** The value at `path` inside `root`, or undefined when any step is missing. */
export function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment as string];
  }
  return current;
}

const MAX_SHOWN_VALUE = 120;

/** `(got <json>)`, shortened for big values; `(got nothing)` for a missing field. */
export function gotValue(value: unknown): string {
  if (value === undefined) return "(got nothing)";
  let shown = JSON.stringify(value);
  if (shown.length > MAX_SHOWN_VALUE) shown = `${shown.slice(0, MAX_SHOWN_VALUE - 3)}...`;
  return `(got ${shown})`;
}

/** One line per problem, each naming the JSON path, what is wrong or allowed, and the value found. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      // One line per key, so each typo is named with its full path.
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        lines.push(`${formatPath(path)}: ${issue.message} ${gotValue(valueAt(input, path))}`);
      }
      continue;
    }
    const value = valueAt(input, issue.path);
    lines.push(`${formatPath(issue.path)}: ${describeProblem(issue, value)} ${gotValue(value)}`);
  }
  return lines;
}

function describeProblem(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case "invalid_type":
      if (value === undefined) return `is required; expected ${issue.expected}`;
      // A message of our own (the schema's `error`) says more than zod's default.
      if (!issue.message.startsWith("Invalid input")) return issue.message;
      if (issue.expected === "int" && typeof value === "number") return "must be a whole number";
      return `must be ${article(issue.expected === "int" ? "whole number" : issue.expected)}, not ${article(jsonType(value))}`;
    case "invalid_key":
      return `key ${issue.issues.map((inner) => inner.message).join("; ")}`;
    case "invalid_value":
      // Zod's own message already lists the allowed values; ours (custom `error`) does too.
      return issue.message.replace(/^Invalid option: expected one of /, "must be one of ");
    default:
      return issue.message;
  }
}

function article(noun: string): string {
  return noun === "null" ? noun : `${/^[aeiou]/.test(noun) ? "an" : "a"} ${noun}`;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}
