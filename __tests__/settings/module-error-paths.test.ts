import { Testing } from "cdktf";
import { EfsWithBackupStack } from "../../stacks/efs-with-backup-stack";
import { SettingsError } from "../../settings/errors";
import { buildFromSettings } from "../../settings/module-errors";
import { toStackProps } from "../../settings/stack-props";

/**
 * Each module's own rules, sent back through the settings mapping. Every case passes the schema and
 * breaks a rule only its module checks, so the problem travels module → construct path → settings
 * path. The expected paths are written out here: a wrong section in `settings/module-errors.ts`, or
 * a construct id it no longer knows, shows as a wrong or missing path.
 */
const CASES: readonly { module: string; section: Record<string, unknown>; paths: string[] }[] = [
  {
    module: "network",
    section: { network: { vpcCidr: "10.0.0.0/28" } },
    // The subnets the module would carve do not fit: the field the user wrote is blamed, not the
    // subnet CIDRs the module derives from it.
    paths: ["network.vpcCidr"],
  },
  {
    module: "efs",
    section: { fileSystem: { throughputMode: "provisioned" } },
    paths: ["fileSystem.provisionedThroughputMibps"],
  },
  {
    module: "monitoring",
    section: { monitoring: { percentIoLimitThreshold: 150 } },
    paths: ["monitoring.percentIoLimitThreshold"],
  },
  {
    module: "clients",
    section: { clients: { mountTargetWaitSeconds: 5 } },
    paths: ["clients.mountTargetWaitSeconds"],
  },
  {
    module: "EBS-snapshot backup",
    section: { backup: { ebsSnapshots: { intervalMinutes: 7, volumeSizeGiB: 20000 } } },
    paths: ["backup.ebsSnapshots.volumeSizeGiB", "backup.ebsSnapshots.intervalMinutes"],
  },
  {
    module: "AWS Backup plan",
    section: { backup: { awsBackup: { vaultLock: { changeableForDays: 1 } } } },
    paths: ["backup.awsBackup.vaultLock.changeableForDays"],
  },
];

/** The settings paths of the problems the efs-with-backup stack reports for `sections`, in order. */
function reportedPaths(sections: Record<string, unknown>): string[] {
  const input = { region: "eu-west-1", availabilityZones: ["eu-west-1a", "eu-west-1b"], ...sections };
  const app = Testing.app();
  try {
    // efs-with-backup holds every construct the efs stack has, under the same ids, plus the backups.
    buildFromSettings({ file: "env.json", input, textProblems: [] }, app, [
      (target, settings) => new EfsWithBackupStack(target, "efs-with-backup", toStackProps(settings)),
    ]);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    return error.problems.map((problem) => problem.slice(0, problem.indexOf(": ")));
  }
  throw new Error(`expected the modules to refuse ${JSON.stringify(sections)}`);
}

test.each(CASES)("a rule of the $module module is reported at its settings path", ({ section, paths }) => {
  expect(reportedPaths(section)).toEqual(paths);
});
