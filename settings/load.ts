import { readFileSync } from "node:fs";
import { formatIssues, formatPath, SettingsError } from "./errors";
import { JsonPath, scanJsonText, TextProblem } from "./json-text";
import { Settings, SettingsSchema } from "./schema";

/** Where `main.ts` reads settings from when `STACK_CONFIG` is not set (relative to the project root). */
export const DEFAULT_SETTINGS_FILE = "config/default.json";

/** A settings file as read: the parsed JSON, and what its text showed that the parsed value hides. */
export interface SettingsSource {
  /** The file, for messages. */
  readonly file: string;
  /** What `JSON.parse` made of it. */
  readonly input: unknown;
  /** Duplicate keys, reserved key names, numbers too large for a double. */
  readonly textProblems: readonly TextProblem[];
}

/** What the schema made of the settings: every problem line, and the valid settings when there are none. */
export interface SchemaResult {
  readonly settings?: Settings;
  readonly problems: readonly string[];
  /** The path of every refused value (an unknown key counts as a value). */
  readonly refusedPaths: readonly JsonPath[];
}

/** Reads a settings file and checks its text; throws a `SettingsError` when it is unreadable or not JSON. */
export function readSettingsSource(file: string): SettingsSource {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new SettingsError(file, [
      `(file): cannot be read (${reason}); set STACK_CONFIG to a settings file such as config/dev.json`,
    ]);
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new SettingsError(file, [`(file): is not valid JSON: ${(error as Error).message}`]);
  }
  return { file, input, textProblems: scanJsonText(text) };
}

/**
 * Checks settings against the schema (types, formats, bounds, rules between fields), together with
 * the problems found in the file's text. Never throws.
 */
export function checkSchema(input: unknown, textProblems: readonly TextProblem[] = []): SchemaResult {
  const result = SettingsSchema.safeParse(input);
  const issues = result.success ? [] : result.error.issues;
  const problems = [
    ...textProblems.map((problem) => `${formatPath(problem.path)}: ${problem.message}`),
    ...formatIssues(
      issues,
      input,
      textProblems.filter((problem) => problem.replacesSchemaIssues).map((problem) => problem.path),
    ),
  ];
  const refusedPaths: JsonPath[] = textProblems.map((problem) => problem.path);
  for (const issue of issues) {
    const path = issue.path as JsonPath;
    if (issue.code === "unrecognized_keys") refusedPaths.push(...issue.keys.map((key) => [...path, key]));
    else refusedPaths.push(path);
  }
  return { settings: problems.length === 0 ? result.data : undefined, problems, refusedPaths };
}

/**
 * Validates already-parsed settings against the schema; throws a `SettingsError` listing every
 * problem. `file` only names the source in messages.
 */
export function parseSettings(
  input: unknown,
  file: string,
  textProblems: readonly TextProblem[] = [],
): Settings {
  const { settings, problems } = checkSchema(input, textProblems);
  if (!settings) throw new SettingsError(file, problems);
  return settings;
}

/** Reads and validates one settings file against the schema; throws a `SettingsError` listing every problem. */
export function loadSettings(file: string): Settings {
  const source = readSettingsSource(file);
  return parseSettings(source.input, file, source.textProblems);
}
