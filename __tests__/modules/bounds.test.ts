import { validateAwsBackupPlanProps, validateEbsSnapshotBackupProps } from "../../modules/backup/validate";
import {
  BACKUP_RETENTION_DAYS_MAX,
  COLD_STORAGE_MIN_DAYS,
  GP3_SIZE_GIB,
  KEEP_DAYS_MAX,
  KEEP_LAST_MAX,
  RUN_TIMEOUT_MINUTES,
  VAULT_LOCK_CHANGEABLE_MIN_DAYS,
} from "../../modules/backup/validate";
import type { AwsBackupPlanProps, EbsSnapshotBackupProps } from "../../modules/backup";
import type { EfsClientsProps } from "../../modules/clients";
import {
  CLIENT_COUNT_MAX,
  MOUNT_TARGET_WAIT_SECONDS,
  validateClientsProps,
} from "../../modules/clients/validate";
import type { SharedFileSystemProps } from "../../modules/efs";
import { PROVISIONED_THROUGHPUT_MIBPS, ThroughputMode } from "../../modules/efs/types";
import { ACCESS_POINT_PATH, SECONDARY_GIDS_MAX, validateFileSystemProps } from "../../modules/efs/validate";
import type { EfsMonitoringProps } from "../../modules/monitoring";
import {
  ALARM_EMAILS_MAX,
  MAX_BURST_CREDIT_BALANCE_BYTES,
  validateBackupAlarmOptions,
  validateMonitoringProps,
} from "../../modules/monitoring/validate";
import { PropsValidationError } from "../../modules/shared/validation";
import { TEST_SUBNETS, TEST_VPC_ID } from "../helpers/app";

// Every bound the modules check, at its edges (issue #23): the limit itself is accepted and one past
// it refused. An off-by-one (`<` for `<=`) fails here, not in a user's first apply.

function problemsOf(validate: () => void): readonly string[] {
  try {
    validate();
  } catch (error) {
    if (error instanceof PropsValidationError) return error.problems;
    throw error;
  }
  return [];
}

const fileSystem = (props: Partial<SharedFileSystemProps>) => () =>
  validateFileSystemProps("fs", { vpcId: TEST_VPC_ID, subnets: TEST_SUBNETS, ...props });
const accessPoint = (options: NonNullable<SharedFileSystemProps["accessPoints"]>[string]) =>
  fileSystem({ accessPoints: { app: options } });

const clients = (props: Partial<EfsClientsProps>) => () =>
  validateClientsProps(
    "clients",
    {
      vpcId: TEST_VPC_ID,
      subnets: TEST_SUBNETS,
      region: "eu-west-1",
      fileSystem: { fileSystemId: "fs-1", dnsName: "fs-1.efs.eu-west-1.amazonaws.com" },
      ...props,
    } as EfsClientsProps,
    {
      fileSystemId: "fs-1",
      dnsName: "fs-1.efs.eu-west-1.amazonaws.com",
      mountPath: "/home",
      mountMethod: "efs-utils",
      readOnly: false,
      seedFromLocal: true,
      waitSeconds: 300,
    },
  );

const ebsBackup = (props: Partial<EbsSnapshotBackupProps>) => () =>
  validateEbsSnapshotBackupProps("backup", { availabilityZone: "eu-west-1a", ...props });
const awsBackup = (props: Partial<AwsBackupPlanProps>) => () =>
  validateAwsBackupPlanProps("plan", {
    resourceArns: ["arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-0123456789abcdef0"],
    ...props,
  });
const monitoring = (props: Partial<EfsMonitoringProps>) => () =>
  validateMonitoringProps("monitoring", { region: "eu-west-1", ...props } as EfsMonitoringProps);

/** `n` characters of `a`. */
const chars = (n: number, c = "a") => c.repeat(n);
/** An absolute path `depth` directories deep, `length` characters long in all (length >= 2 * depth). */
function pathOf(depth: number, length: number): string {
  if (depth === 0) return "/";
  const parts = Array.from({ length: depth }, () => "d");
  parts[0] = chars(length - 2 * depth + 1, "d");
  return `/${parts.join("/")}`;
}

interface Bound {
  /** The field its problems name, as the message starts (for a name's length, the name itself). */
  readonly field: string | ((n: number) => string);
  readonly label?: string;
  readonly min?: number;
  readonly max?: number;
  /** Validates an input where the bounded quantity is `n`. */
  readonly at: (n: number) => () => void;
}

const BOUNDS: readonly Bound[] = [
  // efs
  {
    field: "provisionedThroughputMibps",
    ...PROVISIONED_THROUGHPUT_MIBPS,
    at: (n) => fileSystem({ throughputMode: ThroughputMode.PROVISIONED, provisionedThroughputMibps: n }),
  },
  {
    field: "accessPoints.app.posixUser.secondaryGids",
    max: SECONDARY_GIDS_MAX,
    at: (n) => accessPoint({ path: "/app", posixUser: { uid: 1, gid: 1, secondaryGids: Array(n).fill(1) } }),
  },
  {
    label: "an access point's path length",
    field: "accessPoints.app.path",
    min: 2,
    max: ACCESS_POINT_PATH.maxLength,
    at: (n) => accessPoint({ path: pathOf(1, n) }),
  },
  {
    label: "an access point's path depth",
    field: "accessPoints.app.path",
    min: 1,
    max: ACCESS_POINT_PATH.maxDepth,
    at: (n) => accessPoint({ path: pathOf(n, 2 * n) }),
  },
  {
    label: "an access point's path length, four directories deep",
    field: "accessPoints.app.path",
    max: ACCESS_POINT_PATH.maxLength,
    at: (n) => accessPoint({ path: pathOf(ACCESS_POINT_PATH.maxDepth, n) }),
  },
  {
    field: "accessPoints.app.posixUser.uid",
    min: 0,
    max: 4294967295,
    at: (n) => accessPoint({ path: "/app", posixUser: { uid: n, gid: 0 } }),
  },
  {
    field: "accessPoints.app.creationInfo.ownerGid",
    min: 0,
    max: 4294967295,
    at: (n) => accessPoint({ path: "/app", creationInfo: { ownerUid: 0, ownerGid: n, permissions: "0750" } }),
  },
  {
    label: "an access point's name",
    field: (n) => `accessPoints.${chars(n)}`,
    min: 1,
    max: 63,
    at: (n) => fileSystem({ accessPoints: { [chars(n)]: { path: "/app" } } }),
  },
  // clients
  { field: "count", min: 1, max: CLIENT_COUNT_MAX, at: (n) => clients({ count: n }) },
  { field: "rootVolume.sizeGib", min: 1, max: 16384, at: (n) => clients({ rootVolume: { sizeGib: n } }) },
  {
    field: "mountTargetWaitSeconds",
    ...MOUNT_TARGET_WAIT_SECONDS,
    at: (n) => clients({ mountTargetWaitSeconds: n }),
  },
  { field: "namePrefix", min: 1, max: 28, at: (n) => clients({ namePrefix: chars(n) }) },
  // The widest SSH source that is not "anywhere": a /8, or an IPv6 /16. Fewer bits is wider.
  {
    label: "an IPv4 SSH source's prefix",
    field: "sshIngressCidrs[0]",
    min: 8,
    at: (n) => clients({ sshIngressCidrs: [`10.0.0.0/${n}`] }),
  },
  {
    label: "an IPv6 SSH source's prefix",
    field: "sshIngressCidrs[0]",
    min: 16,
    at: (n) => clients({ sshIngressCidrs: [`2000::/${n}`] }),
  },
  // backup (EBS snapshots)
  { field: "volumeSizeGiB", ...GP3_SIZE_GIB, at: (n) => ebsBackup({ volumeSizeGiB: n }) },
  { field: "timeoutMinutes", ...RUN_TIMEOUT_MINUTES, at: (n) => ebsBackup({ timeoutMinutes: n }) },
  { field: "keepLast", min: 1, max: KEEP_LAST_MAX, at: (n) => ebsBackup({ keepLast: n }) },
  { field: "keepDays", min: 1, max: KEEP_DAYS_MAX, at: (n) => ebsBackup({ keepDays: n }) },
  { field: "name", min: 1, max: 24, at: (n) => ebsBackup({ name: chars(n) }) },
  // backup (AWS Backup)
  { field: "name", min: 1, max: 24, at: (n) => awsBackup({ name: chars(n) }) },
  { field: "namePrefix", min: 1, max: 15, at: (n) => awsBackup({ namePrefix: chars(n) }) },
  {
    field: "deleteAfterDays",
    min: 1,
    max: BACKUP_RETENTION_DAYS_MAX,
    at: (n) => awsBackup({ deleteAfterDays: n }),
  },
  {
    field: "coldStorageAfterDays",
    min: 1,
    max: BACKUP_RETENTION_DAYS_MAX,
    at: (n) => awsBackup({ coldStorageAfterDays: n, deleteAfterDays: BACKUP_RETENTION_DAYS_MAX }),
  },
  {
    // Cold recovery points stay at least 90 days: deleteAfterDays = cold + 90 is the shortest allowed.
    field: "deleteAfterDays",
    min: 30 + COLD_STORAGE_MIN_DAYS,
    max: BACKUP_RETENTION_DAYS_MAX,
    at: (n) => awsBackup({ coldStorageAfterDays: 30, deleteAfterDays: n }),
  },
  {
    field: "vaultLock.minRetentionDays",
    min: 1,
    max: BACKUP_RETENTION_DAYS_MAX,
    at: (n) => awsBackup({ deleteAfterDays: BACKUP_RETENTION_DAYS_MAX, vaultLock: { minRetentionDays: n } }),
  },
  {
    field: "vaultLock.maxRetentionDays",
    min: 1,
    max: BACKUP_RETENTION_DAYS_MAX,
    at: (n) => awsBackup({ deleteAfterDays: 1, vaultLock: { maxRetentionDays: n } }),
  },
  {
    field: "vaultLock.changeableForDays",
    min: VAULT_LOCK_CHANGEABLE_MIN_DAYS,
    max: BACKUP_RETENTION_DAYS_MAX,
    at: (n) => awsBackup({ vaultLock: { changeableForDays: n } }),
  },
  // monitoring
  {
    field: "burstCreditBalanceThresholdBytes",
    min: 1,
    max: MAX_BURST_CREDIT_BALANCE_BYTES,
    at: (n) => monitoring({ burstCreditBalanceThresholdBytes: n }),
  },
  {
    field: "percentIoLimitThreshold",
    min: 1,
    max: 100,
    at: (n) => monitoring({ percentIoLimitThreshold: n }),
  },
  {
    field: "throughputUtilizationThresholdPercent",
    min: 1,
    max: 100,
    at: (n) => monitoring({ throughputUtilizationThresholdPercent: n }),
  },
  {
    field: "alarmEmails",
    max: ALARM_EMAILS_MAX,
    at: (n) => monitoring({ alarmEmails: Array.from({ length: n }, (_, i) => `ops${i}@example.com`) }),
  },
  { field: "namePrefix", min: 1, max: 64, at: (n) => monitoring({ namePrefix: chars(n) }) },
  {
    field: "source.intervalMinutes",
    min: 5,
    max: 1440,
    at: (n) => () => validateBackupAlarmOptions("alarms", { intervalMinutes: n } as never, {}),
  },
  {
    field: "volumeUsedPercentThreshold",
    min: 1,
    max: 100,
    at: (n) => () =>
      validateBackupAlarmOptions("alarms", { intervalMinutes: 15 } as never, {
        volumeUsedPercentThreshold: n,
      }),
  },
];

const about = (field: string) => (problem: string) => problem.startsWith(`${field}:`);

describe.each(BOUNDS.map((bound) => [bound.label ?? String(bound.field), bound] as const))(
  "%s",
  (_, { field, min, max, at }) => {
    const fieldAt = (n: number) => (typeof field === "string" ? field : field(n));
    const accepted = (n: number) => expect(problemsOf(at(n)).filter(about(fieldAt(n)))).toEqual([]);
    const refused = (n: number) => expect(problemsOf(at(n)).filter(about(fieldAt(n)))).not.toEqual([]);

    if (max !== undefined) {
      test(`the maximum, ${max}, is accepted and one more refused`, () => {
        accepted(max);
        refused(max + 1);
      });
    }
    if (min !== undefined) {
      test(`the minimum, ${min}, is accepted and one less refused`, () => {
        accepted(min);
        refused(min - 1);
      });
    }
  },
);
