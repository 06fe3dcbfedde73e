/**
 * The app the scaling benchmark runs: one `ScalingStack` of N file systems, synthesized into OUTDIR.
 *
 *   node scripts/synth.js bench/scaling-app.ts <N> <OUTDIR>
 *
 * Prints one JSON line, a `ScalingRun`: the in-process time to build the construct tree and to synth
 * it (module loading excluded), and the number of resources written.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { App } from "cdktf";
import { ScalingStack } from "./scaling-stack";
import type { ScalingRun } from "./stats";

const [fileSystemsArgument, outdir] = process.argv.slice(2);
if (!fileSystemsArgument || !outdir) {
  console.error("usage: node scripts/synth.js bench/scaling-app.ts <fileSystems> <outdir>");
  process.exit(2);
}

const started = performance.now();
const app = new App({ outdir });
new ScalingStack(app, "scaling", { fileSystems: Number(fileSystemsArgument) });
const built = performance.now();
app.synth();
const synthesized = performance.now();

const stackJson = JSON.parse(readFileSync(join(outdir, "stacks", "scaling", "cdk.tf.json"), "utf8"));
const resources = Object.values(stackJson.resource as Record<string, object>).reduce(
  (count, byName) => count + Object.keys(byName).length,
  0,
);
const run: ScalingRun = {
  fileSystems: Number(fileSystemsArgument),
  resources,
  buildMs: built - started,
  synthMs: synthesized - built,
};
console.log(JSON.stringify(run));
