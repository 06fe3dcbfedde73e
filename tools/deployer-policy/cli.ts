/**
 * Writes docs/deployer-policy/*.json and docs/permissions-boundary.json from the stacks of every
 * feature the settings allow.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { format, resolveConfig } from "prettier";
import { deployerPolicyFiles } from "./index";
import { BOUNDARY_FILE, permissionsBoundaryText } from "./boundary";

async function write(root: string, file: string, text: string): Promise<void> {
  const target = join(root, file);
  // Formatted as `npm run lint` (prettier --check) expects.
  const options = (await resolveConfig(target)) ?? {};
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, await format(text, { ...options, filepath: target }));
  console.log(`wrote ${file}`);
}

async function main(): Promise<void> {
  const root = resolve(__dirname, "..", "..");
  for (const [file, text] of Object.entries(deployerPolicyFiles())) await write(root, file, text);
  await write(root, BOUNDARY_FILE, permissionsBoundaryText());
}

void main();
