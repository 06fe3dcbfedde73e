/** Writes docs/deployer-policy.json from the stacks of every settings file in config/. */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { format, resolveConfig } from "prettier";
import { deployerPolicyText, POLICY_FILE } from "./index";

async function main(): Promise<void> {
  const root = resolve(__dirname, "..", "..");
  const target = join(root, POLICY_FILE);
  // Formatted as `npm run lint` (prettier --check) expects.
  const options = (await resolveConfig(target)) ?? {};
  const text = await format(deployerPolicyText(join(root, "config")), { ...options, filepath: target });
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`wrote ${POLICY_FILE}`);
}

void main();
