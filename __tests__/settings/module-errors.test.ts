import { Testing } from "cdktf";
import { EfsStack } from "../../stacks/efs-stack";
import { EfsWithBackupStack } from "../../stacks/efs-with-backup-stack";
import { SettingsError } from "../../settings/errors";
import { buildFromSettings, settingsPathOf, StackBuilder } from "../../settings/module-errors";
import { parseSettings } from "../../settings/load";
import { Settings } from "../../settings/schema";
import { toStackProps } from "../../settings/stack-props";

/** Both project stacks, built the way main.ts builds them. */
const PROJECT_STACKS: readonly StackBuilder[] = [
  (app, settings) => new EfsStack(app, "efs", toStackProps(settings)),
  (app, settings) => new EfsWithBackupStack(app, "efs-with-backup", toStackProps(settings)),
];

/** Every problem main.ts would report for `input` (text problems aside); fails when there are none. */
function allProblemsOf(input: unknown): readonly string[] {
  try {
    buildFromSettings({ file: "env.json", input, textProblems: [] }, Testing.app(), PROJECT_STACKS);
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  throw new Error("expected the settings to be rejected");
}

function settingsWith(fileSystem: Record<string, unknown>, sections: Record<string, unknown> = {}): Settings {
  return parseSettings(
    { region: "eu-west-1", availabilityZones: ["eu-west-1a", "eu-west-1b"], fileSystem, ...sections },
    "env.json",
  );
}

/** Builds both project stacks from `settings` the way main.ts does; returns the reported problems. */
function moduleProblemsOf(settings: Settings): readonly string[] {
  return allProblemsOf(settings);
}

test("maps a construct's prop to the settings path that feeds it", () => {
  expect(settingsPathOf("efs/shared-file-system", "lifecycle.transitionToArchive")).toBe(
    "fileSystem.lifecycle.transitionToArchive",
  );
  expect(settingsPathOf("efs-with-backup/shared-file-system", "subnets")).toBe("availabilityZones");
  expect(settingsPathOf("efs/network", "flowLogs.retentionDays")).toBe("network.flowLogs.retentionDays");
  expect(settingsPathOf("efs/something-new", "x")).toBeUndefined();
});

// Written out by hand, not derived from the mapping table: a wrong entry there must fail here.
test.each([
  ["efs/network", "flowLogs.retentionDays", "network.flowLogs.retentionDays"],
  ["efs/network", "availabilityZones", "availabilityZones"],
  ["Network.fromExisting", "publicSubnets", "network.existing.publicSubnets"],
  ["efs/shared-file-system", "subnets", "availabilityZones"],
  ["efs/shared-file-system", "accessPoints.home.path", "fileSystem.accessPoints.home.path"],
  ["efs/monitoring", "region", "region"],
  ["efs/monitoring", "alarmEmails", "monitoring.alarmEmails"],
  ["efs/clients", "subnets", "availabilityZones"],
  ["efs/clients", "mountTargetWaitSeconds", "clients.mountTargetWaitSeconds"],
  ["efs-with-backup/ebs-snapshot-backup", "keepDays", "backup.ebsSnapshots.keepDays"],
  ["efs-with-backup/ebs-snapshot-backup", "maxDeletePercent", "backup.ebsSnapshots.maxDeletePercent"],
  ["efs-with-backup/aws-backup", "vaultLock.minRetentionDays", "backup.awsBackup.vaultLock.minRetentionDays"],
  ["efs-with-backup", "backup.awsBackup.enabled", "backup.awsBackup.enabled"],
])("%s's %s is reported at %s", (constructPath, prop, settingsPath) => {
  expect(settingsPathOf(constructPath, prop)).toBe(settingsPath);
});

test("throughput and performance contradictions are reported against fileSystem.*, once for both stacks", () => {
  // GIVEN elastic throughput with maxIO, and a provisioned rate without provisioned mode
  const settings = settingsWith({ performanceMode: "maxIO", provisionedThroughputMibps: 100 });
  // WHEN / THEN
  expect(moduleProblemsOf(settings)).toEqual([
    'fileSystem.provisionedThroughputMibps: 100 is set but throughputMode is "elastic"; it applies only to "provisioned" (got 100)',
    'fileSystem.throughputMode: "elastic" cannot be combined with performanceMode "maxIO"; use "generalPurpose", or throughput "bursting" or "provisioned" (default "elastic")',
  ]);
});

test("provisioned throughput without a rate names the allowed range", () => {
  expect(moduleProblemsOf(settingsWith({ throughputMode: "provisioned" }))).toEqual([
    'fileSystem.provisionedThroughputMibps: is required when throughputMode is "provisioned"; give 1 to 3414 MiB/s (not set)',
  ]);
  expect(
    allProblemsOf({
      region: "eu-west-1",
      availabilityZones: ["eu-west-1a", "eu-west-1b"],
      fileSystem: { throughputMode: "provisioned", provisionedThroughputMibps: 5000 },
    }),
  ).toEqual(["fileSystem.provisionedThroughputMibps: must be a number from 1 to 3414 MiB/s (got 5000)"]);
});

test("lifecycle contradictions are reported against fileSystem.lifecycle.*", () => {
  const settings = settingsWith({
    throughputMode: "bursting",
    lifecycle: { transitionToIa: "AFTER_90_DAYS", transitionToArchive: "AFTER_30_DAYS" },
  });
  expect(moduleProblemsOf(settings)).toEqual([
    'fileSystem.lifecycle.transitionToArchive: Archive needs throughputMode "elastic" and performanceMode "generalPurpose"; got "bursting" and "generalPurpose" (got "AFTER_30_DAYS")',
    'fileSystem.lifecycle.transitionToArchive: "AFTER_30_DAYS" must come later than transitionToIa "AFTER_90_DAYS" (got "AFTER_30_DAYS")',
  ]);
});

test("a monitoring rule is reported against monitoring.*", () => {
  const settings = settingsWith(
    {},
    {
      monitoring: {
        existingTopicArn: "arn:aws:sns:eu-west-1:111122223333:alarms",
        alarmEmails: ["ops@example.com"],
      },
    },
  );
  expect(moduleProblemsOf(settings)).toEqual([
    'monitoring.alarmEmails: ["ops@example.com"] cannot be combined with existingTopicArn; subscribe the addresses where that topic is managed (got ["ops@example.com"])',
  ]);
});

test("errors that are not validation errors pass through unchanged", () => {
  const failure = new Error("disk full");
  expect(() =>
    buildFromSettings({ file: "env.json", input: settingsWith({}), textProblems: [] }, Testing.app(), [
      () => {
        throw failure;
      },
    ]),
  ).toThrow(failure);
});

test("a client rule is reported against clients.*", () => {
  // GIVEN SSH from anywhere without the explicit switch
  const settings = settingsWith({}, { clients: { sshIngressCidrs: ["0.0.0.0/0"] } });
  // THEN the clients module's refusal names the settings path
  expect(moduleProblemsOf(settings)).toEqual([
    expect.stringMatching(/^clients\.sshIngressCidrs(\[0\])?: .*0\.0\.0\.0\/0.*allowSshFromAnywhere/),
  ]);
});

test("AWS Backup together with the file system's automatic backups is reported against the settings path", () => {
  const settings = settingsWith({ automaticBackups: true });
  expect(moduleProblemsOf(settings)).toEqual([
    expect.stringMatching(/^backup\.awsBackup\.enabled: true together with fileSystem\.automaticBackups/),
  ]);
});

test("settings reach the clients and backup constructs", () => {
  // GIVEN a fleet of 3 and a 10 GiB backup volume kept 14 days
  const settings = settingsWith(
    {},
    {
      clients: { count: 3, placement: "fleet" },
      backup: { ebsSnapshots: { volumeSizeGiB: 10, keepDays: 14 }, awsBackup: { deleteAfterDays: 90 } },
    },
  );
  // WHEN the efs-with-backup stack is built from them
  const stack = new EfsWithBackupStack(Testing.app(), "efs-with-backup", toStackProps(settings));
  const json = JSON.parse(Testing.synth(stack));
  // THEN the fleet, the volume and the plan carry the values
  const [fleet] = Object.values(json.resource.aws_autoscaling_group) as { desired_capacity: number }[];
  expect(fleet.desired_capacity).toBe(3);
  const [volume] = Object.values(json.resource.aws_ebs_volume) as { size: number }[];
  expect(volume.size).toBe(10);
  const [plan] = Object.values(json.resource.aws_backup_plan) as {
    rule: { lifecycle: { delete_after: number } }[];
  }[];
  expect(plan.rule[0].lifecycle.delete_after).toBe(90);
});

test("a One Zone file system gets its single mount target in its own AZ", () => {
  const settings = settingsWith({ oneZoneAvailabilityZone: "eu-west-1b" });
  const json = JSON.parse(Testing.synth(new EfsStack(Testing.app(), "efs", toStackProps(settings))));
  const mountTargets = Object.values(json.resource.aws_efs_mount_target) as { subnet_id: string }[];
  expect(mountTargets.map((m) => m.subnet_id)).toEqual([expect.stringMatching(/private-subnet-eu-west-1b/)]);
  const [fileSystem] = Object.values(json.resource.aws_efs_file_system) as {
    availability_zone_name: string;
  }[];
  expect(fileSystem.availability_zone_name).toBe("eu-west-1b");
});
