import { EfsStack } from "./stacks/efs-stack";
import { EfsWithBackupStack } from "./stacks/efs-with-backup-stack";
import { StateStack } from "./stacks/state-stack";
import { synthIntoPlace } from "./settings/atomic-synth";
import { SettingsError } from "./settings/errors";
import { DEFAULT_SETTINGS_FILE, loadSettings } from "./settings/load";
import { buildReportingSettingsPaths } from "./settings/module-errors";
import { toStackProps, toStateStackProps } from "./settings/stack-props";

// The one place that reads the environment and the settings file; stacks and modules take typed props.
// Paths are relative to the working directory: npm scripts and cdktf run the app from the project root.
const settingsFile = process.env.STACK_CONFIG || DEFAULT_SETTINGS_FILE;
const outdir = process.env.CDKTF_OUTDIR || "cdktf.out";

try {
  const settings = loadSettings(settingsFile);
  const props = toStackProps(settings);
  synthIntoPlace(outdir, (app) =>
    buildReportingSettingsPaths(settings, settingsFile, [
      () => new StateStack(app, "state", toStateStackProps(settings)),
      () => new EfsStack(app, "efs", props),
      () => new EfsWithBackupStack(app, "efs-with-backup", props),
    ]),
  );
  if (!props.remoteState) {
    console.log(
      `WARNING: state.bucket is not set in ${settingsFile}: the stacks keep LOCAL state files ` +
        `(terraform.<stack>.tfstate), unencrypted and unlocked. Set state.bucket for shared environments ` +
        `(README, "Remote state").`,
    );
  }
} catch (error) {
  console.error(error instanceof SettingsError ? `ERROR: ${error.message}` : error);
  console.error(`Nothing was written: ${outdir} is unchanged.`);
  process.exitCode = 1;
}
