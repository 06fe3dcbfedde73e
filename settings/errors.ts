import type { z } from "zod";
import { show } from "../modules/shared/validation";
import { SETTINGS_DEFAULTS } from "./defaults";

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

/**
 * `(got <json>)`, shortened for big values. For a field left out: `(default <value>)` when a module
 * fills it in, else `(not set)`.
 */
export function gotValue(value: unknown, path?: readonly PathSegment[]): string {
  if (value !== undefined) return `(got ${show(value)})`;
  const key = path && formatPath(path);
  if (key !== undefined && key in SETTINGS_DEFAULTS) return `(default ${show(SETTINGS_DEFAULTS[key])})`;
  return "(not set)";
}

/**
 * One line per problem, each naming the JSON path, what is wrong or allowed, and the value found.
 * Issues at or under a path in `explained` are left out: a problem found in the file's text (a
 * reserved key, a number too large) already says more about them.
 */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  explained: readonly (readonly PathSegment[])[] = [],
): string[] {
  const lines: string[] = [];
  const isExplained = (path: readonly PathSegment[]) =>
    explained.some((prefix) => prefix.every((segment, i) => path[i] === segment));
  // Zod still runs a list's length checks on a value that is not a list; the type says it all.
  const wrongType = new Set(
    issues.filter((issue) => issue.code === "invalid_type").map((issue) => formatPath(issue.path)),
  );
  for (const issue of issues) {
    if (issue.code !== "invalid_type" && wrongType.has(formatPath(issue.path))) continue;
    if (issue.code === "unrecognized_keys") {
      // One line per key, so each typo is named with its full path.
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        if (isExplained(path)) continue;
        lines.push(`${formatPath(path)}: ${issue.message} ${gotValue(valueAt(input, path), path)}`);
      }
      continue;
    }
    if (isExplained(issue.path)) continue;
    const value = valueAt(input, issue.path);
    lines.push(`${formatPath(issue.path)}: ${describeProblem(issue, value)} ${gotValue(value, issue.path)}`);
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
      return `must be ${article(EXPECTED_NAMES[issue.expected] ?? issue.expected)}, not ${article(jsonType(value))}`;
    case "invalid_key":
      return `key ${issue.issues.map((inner) => inner.message).join("; ")}`;
    case "invalid_value":
      // Zod's own message already lists the allowed values; ours (custom `error`) does too.
      return issue.message.replace(/^Invalid option: expected one of /, "must be one of ");
    case "too_small":
    case "too_big":
      // Our schema gives every bound its own message; this is the fallback in our words.
      if (!/^Too (small|big)/.test(issue.message)) return issue.message;
      return `must ${issue.code === "too_small" ? "be at least" : "be at most"} ${String(
        issue.code === "too_small" ? issue.minimum : issue.maximum,
      )}${issue.origin === "array" ? " items" : issue.origin === "string" ? " characters" : ""}`;
    default:
      return issue.message;
  }
}

/** Zod's names of types, in JSON's words. */
const EXPECTED_NAMES: Readonly<Record<string, string>> = { int: "whole number", record: "object" };

function article(noun: string): string {
  return noun === "null" ? noun : `${/^[aeiou]/.test(noun) ? "an" : "a"} ${noun}`;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}
