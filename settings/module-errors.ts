import { PropsValidationError } from "../modules/shared/validation";
import { formatPath, gotValue, parsePath, SettingsError, valueAt } from "./errors";
import type { Settings } from "./schema";

interface SettingsSection {
  /** The settings section a construct's props come from. */
  readonly section: string;
  /** Props that come from elsewhere in the settings, by prop name: the settings path to blame instead. */
  readonly renamedProps?: Readonly<Record<string, string>>;
}

/**
 * Which settings section feeds which construct, by the construct's id inside its stack. A module
 * reports `<prop>: <message>` against its construct path (e.g. `efs/shared-file-system`); the user
 * only knows the settings file, so each problem is re-reported at the settings path that caused it.
 */
const SETTINGS_SECTION_OF_CONSTRUCT: Readonly<Record<string, SettingsSection>> = {
  network: { section: "network", renamedProps: { availabilityZones: "availabilityZones" } },
  // The stack gives the file system one private subnet per AZ.
  "shared-file-system": { section: "fileSystem", renamedProps: { subnets: "availabilityZones" } },
  monitoring: { section: "monitoring", renamedProps: { region: "region" } },
  clients: { section: "clients", renamedProps: { region: "region", subnets: "availabilityZones" } },
  "ebs-snapshot-backup": { section: "backup.ebsSnapshots" },
  "aws-backup": { section: "backup.awsBackup" },
};

/** The settings path of one module problem `<prop>: <message>` raised by the construct at `constructPath`. */
export function settingsPathOf(constructPath: string, prop: string): string | undefined {
  const [, constructId] = constructPath.split("/");
  // A stack's own cross-module rules (e.g. efs-with-backup's) already name the settings path.
  if (constructId === undefined) return prop;
  const mapping = SETTINGS_SECTION_OF_CONSTRUCT[constructId];
  if (!mapping) return undefined;
  return mapping.renamedProps?.[prop] ?? `${mapping.section}.${prop}`;
}

/** Re-words a module's validation error as settings problems, `<settings.path>: <message> (got <value>)`. */
export function moduleProblemsAsSettingsProblems(error: PropsValidationError, settings: Settings): string[] {
  return error.problems.map((problem) => {
    const separator = problem.indexOf(": ");
    const prop = separator < 0 ? "" : problem.slice(0, separator);
    const message = separator < 0 ? problem : problem.slice(separator + 2);
    const path = settingsPathOf(error.constructPath, prop);
    if (path === undefined) return `${error.constructPath}: ${problem}`;
    const segments = parsePath(path);
    return `${formatPath(segments)}: ${message} ${gotValue(valueAt(settings, segments))}`;
  });
}

/**
 * Runs each stack builder, collecting every module validation error instead of stopping at the
 * first stack, and throws one `SettingsError` with all of them (duplicates, from stacks that share
 * settings, once). Any other error is rethrown as is.
 */
export function buildReportingSettingsPaths(
  settings: Settings,
  file: string,
  builders: readonly (() => void)[],
): void {
  const problems = new Set<string>();
  for (const build of builders) {
    try {
      build();
    } catch (error) {
      if (!(error instanceof PropsValidationError)) throw error;
      for (const problem of moduleProblemsAsSettingsProblems(error, settings)) problems.add(problem);
    }
  }
  if (problems.size > 0) throw new SettingsError(file, [...problems]);
}
