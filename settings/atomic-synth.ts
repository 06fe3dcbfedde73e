import { App } from "cdktf";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";

/** Terraform's per-directory working data, kept across synths so `terraform init` remembers the backend. */
const TERRAFORM_WORKING_FILES = [".terraform", ".terraform.lock.hcl"];

/**
 * Builds the app and synthesizes it into a fresh directory next to `target`, then swaps that
 * directory into place. If anything fails (bad settings caught by a module, a synth error), `target`
 * is left exactly as it was and the fresh directory is removed: a reviewer never sees half an output.
 */
export function synthIntoPlace(target: string, build: (app: App) => void): void {
  mkdirSync(dirname(target), { recursive: true });
  // Next to the target, so the final rename stays on one filesystem and is atomic.
  const staging = `${target}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    const app = new App({ outdir: staging });
    build(app);
    app.synth();
    swapIntoPlace(staging, target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function swapIntoPlace(staging: string, target: string): void {
  const previous = `${target}.old-${process.pid}`;
  const hadPrevious = existsSync(target);
  if (hadPrevious) renameSync(target, previous);
  try {
    renameSync(staging, target);
  } catch (error) {
    if (hadPrevious) renameSync(previous, target);
    throw error;
  }
  if (hadPrevious) {
    keepTerraformWorkingFiles(previous, target);
    rmSync(previous, { recursive: true, force: true });
  }
}

/**
 * Moves each stack's `.terraform` directory and lock file into the new output, as `cdktf synth`
 * does by writing in place. Terraform records the last backend there; without it, a switch from
 * local to S3 state could not be migrated with `terraform init -migrate-state`.
 */
function keepTerraformWorkingFiles(from: string, to: string): void {
  const stacksDir = join(from, "stacks");
  if (!existsSync(stacksDir)) return;
  for (const stack of readdirSync(stacksDir)) {
    const newStackDir = join(to, "stacks", stack);
    if (!existsSync(newStackDir)) continue;
    for (const file of TERRAFORM_WORKING_FILES) {
      const source = join(stacksDir, stack, file);
      if (existsSync(source)) renameSync(source, join(newStackDir, file));
    }
  }
}
