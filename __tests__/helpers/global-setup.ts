/**
 * jest's global setup, run once before the test workers start (they inherit its environment):
 * - one temporary directory for the whole run (`TMPDIR`), which the global teardown removes: every
 *   synth output, plan root and sandbox the tests make goes there instead of piling up in /tmp;
 * - the suite's cache stays where it was (helpers/test-cache.ts), and entries unused for a week are
 *   pruned;
 * - the AWS provider process that the workers' schema-only terraform commands share (see
 *   provider-server.ts). Without a filesystem mirror, or if it will not start, every command starts
 *   its own provider as before: slower, never different.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findProviderMirror } from "./terraform";
import {
  isRunning,
  PROVIDER_REATTACH_ENV,
  ProviderServer,
  providerBinary,
  startProviderServer,
} from "./provider-server";
import { pruneTestCache, TEST_CACHE_DIR } from "./test-cache";

/** What the global teardown, which runs in this same process, undoes. */
export const RUN_KEY = Symbol.for("efs-test-run");

export interface TestRun {
  readonly server?: ProviderServer;
  /** The run's TMPDIR, and the one it replaced. */
  readonly tmp: { readonly dir: string; readonly previous: string | undefined };
}

const RUN_DIR_PREFIX = "cdktf-efs-test-run-";

/** Removes the temporary directories of earlier runs that died without their teardown. */
function removeAbandonedRunDirs(parent: string): void {
  for (const name of readdirSync(parent)) {
    const pid = Number(name.slice(RUN_DIR_PREFIX.length).split("-")[0]);
    if (!name.startsWith(RUN_DIR_PREFIX) || !Number.isInteger(pid)) continue;
    if (!isRunning(pid)) rmSync(join(parent, name), { recursive: true, force: true });
  }
}

async function startSharedProvider(): Promise<ProviderServer | undefined> {
  const mirror = findProviderMirror();
  const binary = mirror === undefined ? undefined : providerBinary(mirror);
  if (binary === undefined || process.env.EFS_TEST_SHARED_PROVIDER === "off") return undefined;
  try {
    const server = await startProviderServer(binary);
    process.env[PROVIDER_REATTACH_ENV] = server.reattach;
    return server;
  } catch (error) {
    process.stderr.write(
      `shared provider not started, each terraform command starts its own: ${String(error)}\n`,
    );
    return undefined;
  }
}

export default async function globalSetup(): Promise<void> {
  // Pinned before TMPDIR moves, so the workers find the cache (terraform's plugin cache is inside
  // it) where earlier runs left it.
  process.env.EFS_TEST_CACHE_DIR ??= TEST_CACHE_DIR;
  pruneTestCache();
  const parent = tmpdir();
  removeAbandonedRunDirs(parent);
  const dir = mkdtempSync(join(parent, `${RUN_DIR_PREFIX}${process.pid}-`));
  const run: TestRun = { tmp: { dir, previous: process.env.TMPDIR }, server: await startSharedProvider() };
  process.env.TMPDIR = dir;
  (globalThis as Record<symbol, unknown>)[RUN_KEY] = run;
}

/** The run the global setup started, for the global teardown. */
export function currentRun(): TestRun | undefined {
  return (globalThis as Record<symbol, unknown>)[RUN_KEY] as TestRun | undefined;
}
