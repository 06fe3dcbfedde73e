import { App } from "cdktf";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { constants } from "node:os";
import { basename, dirname, join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";

/** Terraform's per-directory working data, kept across synths so `terraform init` remembers the backend. */
const TERRAFORM_WORKING_FILES = [".terraform", ".terraform.lock.hcl"];

/** Signals that end a synth early; the staging directory is removed before the process ends. */
const INTERRUPTS = ["SIGINT", "SIGTERM"] as const;

export interface SynthIntoPlaceOptions {
  /**
   * Awaited after the synth, just before the swap. Tests use it to interrupt a synth at a known
   * point; nothing else should need it.
   * @default - none
   */
  readonly beforeSwap?: () => Promise<void>;
}

/**
 * Builds the app and synthesizes it into a fresh directory next to `target`, then swaps that
 * directory into place. If anything fails (bad settings caught by a module, a synth error), `target`
 * is left exactly as it was and the fresh directory is removed: a reviewer never sees half an output.
 *
 * SIGINT and SIGTERM remove the fresh directory too and end the process by the same signal, with
 * `target` unchanged. Node runs a signal handler only between synchronous steps, so an interrupt
 * takes effect after the build or the synth step that is running, and always before the swap.
 * Directories left by a process that was killed outright (SIGKILL, a crash) are removed by the next
 * synth next to the same target.
 */
export async function synthIntoPlace(
  target: string,
  build: (app: App) => void,
  options: SynthIntoPlaceOptions = {},
): Promise<void> {
  mkdirSync(dirname(target), { recursive: true });
  removeAbandonedStagings(target);
  // Next to the target, so the final rename stays on one filesystem and is atomic.
  const staging = `${target}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const onInterrupt = (signal: NodeJS.Signals) => {
    rmSync(staging, { recursive: true, force: true });
    stopListening();
    // With our listener gone, the signal's default action ends the process, as the caller expects.
    process.kill(process.pid, signal);
    // Should the signal be delivered late, never go on to the swap: end now, as a shell would report it.
    process.exit(128 + constants.signals[signal]);
  };
  const stopListening = () => INTERRUPTS.forEach((signal) => process.off(signal, onInterrupt));
  INTERRUPTS.forEach((signal) => process.on(signal, onInterrupt));
  try {
    const app = new App({ outdir: staging });
    build(app);
    await nextTurn();
    app.synth();
    await nextTurn();
    await options.beforeSwap?.();
    swapIntoPlace(staging, target);
  } finally {
    stopListening();
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Removes `<target>.tmp-<pid>` and `<target>.old-<pid>` left by synths whose process is gone. An
 * `.old-` directory is the previous output, moved aside during a swap: if the process died before
 * the new output took its place, it is moved back instead.
 */
export function removeAbandonedStagings(target: string): void {
  const parent = dirname(target);
  const pattern = new RegExp(`^${escapeRegExp(basename(target))}\\.(tmp|old)-(\\d+)$`);
  for (const name of readdirSync(parent)) {
    const match = pattern.exec(name);
    if (!match || isRunning(Number(match[2]))) continue;
    const path = join(parent, name);
    if (match[1] === "old" && !existsSync(target)) renameSync(path, target);
    else rmSync(path, { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
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
