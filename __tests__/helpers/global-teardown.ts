/**
 * jest's global teardown: stops the shared provider and removes the run's temporary directory, which
 * global-setup.ts made (`EFS_TEST_KEEP_TMP=1` keeps it, to look at what a test wrote).
 */
import { rmSync } from "node:fs";
import { currentRun } from "./global-setup";
import { PROVIDER_REATTACH_ENV } from "./provider-server";

export default async function globalTeardown(): Promise<void> {
  const run = currentRun();
  if (!run) return;
  await run.server?.stop();
  delete process.env[PROVIDER_REATTACH_ENV];
  if (run.tmp.previous === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = run.tmp.previous;
  if (process.env.EFS_TEST_KEEP_TMP === "1") {
    process.stderr.write(`kept the test run's temporary files: ${run.tmp.dir}\n`);
  } else {
    rmSync(run.tmp.dir, { recursive: true, force: true });
  }
}
