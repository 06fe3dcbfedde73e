import { setTimeout as sleep } from "node:timers/promises";
import { EfsStack } from "./stacks/efs-stack";
import { EfsWithBackupStack } from "./stacks/efs-with-backup-stack";
import { StateStack } from "./stacks/state-stack";
import { synthIntoPlace } from "./settings/atomic-synth";
import { SettingsError } from "./settings/errors";
import { DEFAULT_SETTINGS_FILE, readSettingsSource } from "./settings/load";
import { buildFromSettings } from "./settings/module-errors";
import { Settings } from "./settings/schema";
import { remoteStateOf, toStackProps, toStateStackProps } from "./settings/stack-props";

// The one place that reads the environment and the settings file; stacks and modules take typed props.
// Paths are relative to the working directory: npm scripts and cdktf run the app from the project root.
const settingsFile = process.env.STACK_CONFIG || DEFAULT_SETTINGS_FILE;
const outdir = process.env.CDKTF_OUTDIR || "cdktf.out";
// Test hook: pause this long between synth and swap, so a test can interrupt a synth in flight.
const pauseBeforeSwapMs = Number(process.env.EFS_SYNTH_PAUSE_BEFORE_SWAP_MS || 0);

async function main(): Promise<void> {
  try {
    const source = readSettingsSource(settingsFile);
    let settings: Settings | undefined;
    await synthIntoPlace(
      outdir,
      (app) => {
        settings = buildFromSettings(source, app, [
          (target, valid) => new StateStack(target, "state", toStateStackProps(valid)),
          (target, valid) => new EfsStack(target, "efs", toStackProps(valid)),
          (target, valid) => new EfsWithBackupStack(target, "efs-with-backup", toStackProps(valid)),
        ]);
      },
      { beforeSwap: pauseBeforeSwapMs > 0 ? () => sleep(pauseBeforeSwapMs) : undefined },
    );
    if (!settings || !remoteStateOf(settings)) {
      // On stdout: cdktf labels everything an app writes to stderr as [ERROR].
      console.log(
        `WARNING: state.bucket is not set in ${settingsFile}: the stacks keep LOCAL state files ` +
          `(terraform.<stack>.tfstate), unencrypted and unlocked. Set state.bucket for shared environments ` +
          `(docs/deploy.md, "Remote state").`,
      );
    }
  } catch (error) {
    console.error(error instanceof SettingsError ? `ERROR: ${error.message}` : error);
    console.error(`Nothing was written: ${outdir} is unchanged.`);
    process.exitCode = 1;
  }
}

void main();
