/**
 * `npm run deploy -- <stack>` and `npm run diff -- <stack>`: `cdktf deploy`/`diff` after a credential
 * check, with cdktf's update check off (CHECKPOINT_DISABLE=1). Usage: tsx tools/deploy/cli.ts <deploy|diff> [args...]
 */
import { spawnSync } from "node:child_process";
import { credentialProblem, findCredentialSource } from "./credentials";

const [command, ...args] = process.argv.slice(2);
if (command !== "deploy" && command !== "diff") {
  console.error("usage: tsx tools/deploy/cli.ts <deploy|diff> [stack...] [cdktf options]");
  process.exit(2);
}
const problem = credentialProblem();
if (problem) {
  console.error(problem);
  process.exit(1);
}
console.log(`AWS credentials: ${findCredentialSource()}`);
const result = spawnSync("npx", ["cdktf", command, ...args], {
  stdio: "inherit",
  env: { ...process.env, CHECKPOINT_DISABLE: "1" },
});
process.exit(result.status ?? 1);
