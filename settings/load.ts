import { readFileSync } from "node:fs";
import { SettingsError, formatIssues } from "./errors";
import { Settings, SettingsSchema } from "./schema";

/** Where `main.ts` reads settings from when `STACK_CONFIG` is not set (relative to the project root). */
export const DEFAULT_SETTINGS_FILE = "config/default.json";

/**
 * Validates already-parsed settings; throws a `SettingsError` listing every problem.
 * `file` only names the source in messages.
 */
export function parseSettings(input: unknown, file: string): Settings {
  const result = SettingsSchema.safeParse(input);
  if (!result.success) throw new SettingsError(file, formatIssues(result.error.issues, input));
  return result.data;
}

/** Reads and validates one settings file; throws a `SettingsError` listing every problem. */
export function loadSettings(file: string): Settings {
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
  return parseSettings(input, file);
}
