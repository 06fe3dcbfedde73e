import { z } from "zod";
import { SettingsSchema } from "./schema";

/** The JSON Schema of the settings files, as committed in `config/settings.schema.json`. */
export function settingsJsonSchemaText(): string {
  // "input": what a settings file may contain (every optional field optional), not the parsed result.
  const schema = z.toJSONSchema(SettingsSchema, { io: "input", unrepresentable: "throw" });
  return `${JSON.stringify(schema, null, 2)}\n`;
}
