/**
 * Writes `config/settings.schema.json` from the zod schema in `settings/schema.ts`, so editors can
 * complete and check the settings files. Run `npm run schema` after changing the schema; a test
 * fails while the committed file is out of date.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { format, resolveConfig } from "prettier";
import { settingsJsonSchemaText } from "../settings/json-schema";

async function main(): Promise<void> {
  const file = join(__dirname, "..", "config", "settings.schema.json");
  // Formatted as `npm run lint` (prettier --check) expects the committed file.
  const options = await resolveConfig(file);
  writeFileSync(file, await format(settingsJsonSchemaText(), { ...options, filepath: file }));
  console.log(`wrote ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
