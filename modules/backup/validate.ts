import { isKnown, show, ValidationErrors } from "../shared/validation";
import { validateRoleOptions } from "../shared/iam";
import type { EbsSnapshotBackupProps } from "./ebs-snapshot-backup";
import type { AwsBackupPlanProps } from "./aws-backup-plan";
import { AZ_NAME_PATTERN, KMS_KEY_ARN_PATTERN, NOT_A_KMS_KEY_ARN, NOT_AN_AZ_NAME } from "../shared/patterns";

export const DEFAULT_SOURCE_PATH = "/mnt/shared-home";
export const DEFAULT_MOUNT_PATH = "/mnt/backup";
export const DEFAULT_DELETE_AFTER_DAYS = 35;

/** Intervals the systemd timer can keep evenly: divisors of an hour from 5 minutes, or of a day in whole hours. */
export const SNAPSHOT_INTERVAL_MINUTES = [
  5, 6, 10, 12, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440,
] as const;
/** gp3 volume sizes, in GiB (EC2 User Guide, "Amazon EBS volume types"). */
export const GP3_SIZE_GIB = { min: 1, max: 16384 } as const;
/** Upper bounds that keep retention finite and within the default EBS snapshot quota per Region. */
export const KEEP_LAST_MAX = 10000;
export const KEEP_DAYS_MAX = 3650;
/** AWS Backup stores recovery points for at most 100 years. */
export const BACKUP_RETENTION_DAYS_MAX = 36500;
/** AWS Backup requires recovery points to stay in cold storage at least 90 days (Backup developer guide, "Lifecycle"). */
export const COLD_STORAGE_MIN_DAYS = 90;
/** A compliance-mode vault lock has a grace time of at least 3 days (Backup developer guide, "Vault Lock"). */
export const VAULT_LOCK_CHANGEABLE_MIN_DAYS = 3;

/** Bounds on one run's systemd timeout: long enough for a copy, at most a week. */
export const RUN_TIMEOUT_MINUTES = { min: 5, max: 10080 } as const;

const SNS_TOPIC_ARN_PATTERN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const RESOURCE_ARN_PATTERN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:.+$/;
// AWS's recommended device names for EBS data volumes on Linux.
const DEVICE_NAME_PATTERN = /^\/dev\/(sd|xvd)[f-p]$/;
// Paths end up in an env file and in fstab, where whitespace and quotes would split fields.
const PATH_PATTERN = /^(\/[A-Za-z0-9._-]+)+$/;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,23}$/;
// With NAME_PATTERN, keeps "<prefix>-<name>-vault" within the 50 characters AWS Backup allows.
const NAME_PREFIX_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,14}$/;

function checkWholeNumber(
  errors: ValidationErrors,
  field: string,
  value: number | undefined,
  min: number,
  max: number,
  unit: string,
): void {
  if (value === undefined || !isKnown(value)) return;
  errors.check(
    Number.isInteger(value) && value >= min && value <= max,
    field,
    `${show(value)} is not allowed; use a whole number of ${unit} from ${min} to ${max}`,
  );
}

function checkName(errors: ValidationErrors, name: string | undefined): void {
  errors.checkFormat(
    "name",
    name,
    NAME_PATTERN,
    'must be 1 to 24 letters, digits, "-" or "_", starting with a letter or digit (it prefixes AWS resource names)',
  );
}

function checkKmsKeyArn(errors: ValidationErrors, arn: string | undefined): void {
  errors.checkFormat("kmsKeyArn", arn, KMS_KEY_ARN_PATTERN, NOT_A_KMS_KEY_ARN);
}

function isInside(path: string, parent: string): boolean {
  return path === parent || path.startsWith(`${parent}/`);
}

/** Every rule of the EBS-snapshot backup, checked at synth; all problems are reported at once. */
export function validateEbsSnapshotBackupProps(path: string, props: EbsSnapshotBackupProps): void {
  const errors = new ValidationErrors(path);
  errors.checkFormat("availabilityZone", props.availabilityZone, AZ_NAME_PATTERN, NOT_AN_AZ_NAME);
  checkName(errors, props.name);
  checkWholeNumber(errors, "volumeSizeGiB", props.volumeSizeGiB, GP3_SIZE_GIB.min, GP3_SIZE_GIB.max, "GiB");
  checkKmsKeyArn(errors, props.kmsKeyArn);
  if (props.intervalMinutes !== undefined) {
    errors.check(
      (SNAPSHOT_INTERVAL_MINUTES as readonly number[]).includes(props.intervalMinutes),
      "intervalMinutes",
      `${show(props.intervalMinutes)} is not allowed; use one of ${SNAPSHOT_INTERVAL_MINUTES.join(", ")}`,
    );
  }
  checkWholeNumber(
    errors,
    "timeoutMinutes",
    props.timeoutMinutes,
    RUN_TIMEOUT_MINUTES.min,
    RUN_TIMEOUT_MINUTES.max,
    "minutes",
  );
  errors.checkFormat(
    "alarmTopicArn",
    props.alarmTopicArn,
    SNS_TOPIC_ARN_PATTERN,
    'is not an SNS topic ARN such as "arn:aws:sns:eu-west-1:111122223333:alarms"',
  );
  // Both limits are always in force (defaults apply); neither can be turned off.
  checkWholeNumber(errors, "keepLast", props.keepLast, 1, KEEP_LAST_MAX, "snapshots");
  checkWholeNumber(errors, "keepDays", props.keepDays, 1, KEEP_DAYS_MAX, "days");
  checkWholeNumber(errors, "maxDeletePercent", props.maxDeletePercent, 1, 100, "percent");
  if (props.deviceName !== undefined) {
    errors.check(
      DEVICE_NAME_PATTERN.test(props.deviceName),
      "deviceName",
      `${show(props.deviceName)} is not allowed; use /dev/sdf to /dev/sdp (or /dev/xvdf to /dev/xvdp)`,
    );
  }
  const paths = { sourcePath: props.sourcePath, mountPath: props.mountPath };
  for (const [field, value] of Object.entries(paths)) {
    if (value === undefined) continue;
    errors.check(
      PATH_PATTERN.test(value),
      field,
      `${show(value)} must be an absolute path other than "/" made of letters, digits, ".", "_" and "-", without a trailing "/"`,
    );
  }
  const source = props.sourcePath ?? DEFAULT_SOURCE_PATH;
  const mount = props.mountPath ?? DEFAULT_MOUNT_PATH;
  errors.check(
    !isInside(source, mount) && !isInside(mount, source),
    "mountPath",
    `${show(mount)} and sourcePath ${show(source)} must not contain each other, or rsync would copy the backup into itself`,
  );
  errors.throwIfAny();
}

/**
 * Checks an AWS Backup schedule: `cron(minutes hours day-of-month month day-of-week year)` in UTC.
 * The API takes cron expressions only; runs less than 60 minutes apart are refused, so the minutes
 * field must be a single minute. Returns a problem, or undefined when the expression is fine.
 */
export function scheduleProblem(schedule: string): string | undefined {
  const match = /^cron\((.*)\)$/.exec(schedule);
  const example = `such as "cron(0 5 * * ? *)" (daily at 05:00 UTC)`;
  if (!match) return `${show(schedule)} is not a cron expression ${example}`;
  const fields = match[1].trim().split(/\s+/);
  if (fields.length !== 6) {
    return `${show(schedule)} has ${fields.length} fields; AWS cron takes 6 (minutes hours day-of-month month day-of-week year), ${example}`;
  }
  const [minutes, , dayOfMonth, , dayOfWeek] = fields;
  if (fields.some((field) => !/^[0-9A-Za-z,*/?#LW-]+$/.test(field))) {
    return `${show(schedule)} has characters AWS cron does not accept; allowed are digits, names, and , - * / ? L W #`;
  }
  if (!/^([0-9]|[1-5][0-9])$/.test(minutes)) {
    return `${show(schedule)} runs more than once an hour (minutes field ${show(minutes)}); AWS Backup needs at least 60 minutes between runs, so give one minute from 0 to 59`;
  }
  if ((dayOfMonth === "?") === (dayOfWeek === "?")) {
    return `${show(schedule)} must have "?" in exactly one of day-of-month and day-of-week`;
  }
  return undefined;
}

/** Every rule of the AWS Backup plan, checked at synth; all problems are reported at once. */
export function validateAwsBackupPlanProps(path: string, props: AwsBackupPlanProps): void {
  const errors = new ValidationErrors(path);
  checkName(errors, props.name);
  errors.checkFormat(
    "namePrefix",
    props.namePrefix,
    NAME_PREFIX_PATTERN,
    'must be 1 to 15 letters, digits, "-" or "_", starting with a letter or digit (it prefixes the vault and plan names)',
  );
  errors.checkFormat(
    "notificationTopicArn",
    props.notificationTopicArn,
    SNS_TOPIC_ARN_PATTERN,
    'is not an SNS topic ARN such as "arn:aws:sns:eu-west-1:111122223333:alarms"',
  );
  checkKmsKeyArn(errors, props.kmsKeyArn);
  validateRoleOptions(errors, props);
  errors.check(
    props.resourceArns.length > 0,
    "resourceArns",
    "is empty; select at least one file-system ARN",
  );
  for (const arn of props.resourceArns) {
    if (isKnown(arn)) {
      errors.check(
        RESOURCE_ARN_PATTERN.test(arn),
        "resourceArns",
        `${show(arn)} is not a resource ARN such as "arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-..."`,
      );
    }
  }
  if (props.schedule !== undefined && isKnown(props.schedule)) {
    const problem = scheduleProblem(props.schedule);
    if (problem) errors.add("schedule", problem);
  }

  const deleteAfter = props.deleteAfterDays ?? DEFAULT_DELETE_AFTER_DAYS;
  const coldAfter = props.coldStorageAfterDays;
  checkWholeNumber(errors, "deleteAfterDays", props.deleteAfterDays, 1, BACKUP_RETENTION_DAYS_MAX, "days");
  checkWholeNumber(errors, "coldStorageAfterDays", coldAfter, 1, BACKUP_RETENTION_DAYS_MAX, "days");
  if (coldAfter !== undefined && deleteAfter < coldAfter + COLD_STORAGE_MIN_DAYS) {
    errors.add(
      "deleteAfterDays",
      `${show(deleteAfter)} is too short for coldStorageAfterDays ${show(coldAfter)}; AWS Backup keeps cold recovery points at least ${COLD_STORAGE_MIN_DAYS} days, so use ${coldAfter + COLD_STORAGE_MIN_DAYS} or more`,
    );
  }

  const lock = props.vaultLock;
  if (lock) {
    const { minRetentionDays: min, maxRetentionDays: max, changeableForDays } = lock;
    checkWholeNumber(errors, "vaultLock.minRetentionDays", min, 1, BACKUP_RETENTION_DAYS_MAX, "days");
    checkWholeNumber(errors, "vaultLock.maxRetentionDays", max, 1, BACKUP_RETENTION_DAYS_MAX, "days");
    checkWholeNumber(
      errors,
      "vaultLock.changeableForDays",
      changeableForDays,
      VAULT_LOCK_CHANGEABLE_MIN_DAYS,
      BACKUP_RETENTION_DAYS_MAX,
      "days",
    );
    if (min !== undefined && max !== undefined && min > max) {
      errors.add("vaultLock.minRetentionDays", `${show(min)} is greater than maxRetentionDays ${show(max)}`);
    }
    // A locked vault refuses recovery points whose retention is outside its range: every job would fail.
    if (min !== undefined && deleteAfter < min) {
      errors.add(
        "deleteAfterDays",
        `${show(deleteAfter)} is below vaultLock.minRetentionDays ${show(min)}; the locked vault would refuse every backup`,
      );
    }
    if (max !== undefined && deleteAfter > max) {
      errors.add(
        "deleteAfterDays",
        `${show(deleteAfter)} is above vaultLock.maxRetentionDays ${show(max)}; the locked vault would refuse every backup`,
      );
    }
  }
  errors.throwIfAny();
}
