import { isKnown, show, ValidationErrors } from "../shared/validation";
import type { BackupAlarmOptions, BackupMetricsSource, EfsMonitoringProps } from "./index";
import { REGION_PATTERN } from "../shared/patterns";

/**
 * The largest burst-credit balance a file system under 1 TiB can hold, and the balance a new file
 * system starts with: 2.1 TiB (AWS Knowledge Center, "How do Amazon EFS burst credits work?",
 * https://repost.aws/knowledge-center/efs-burst-credits). A low-balance threshold above it would
 * alarm forever on such a file system.
 */
export const MAX_BURST_CREDIT_BALANCE_BYTES = Math.floor(2.1 * 1024 ** 4);

/** More addresses than this belong on a mailing list, subscribed once. */
export const ALARM_EMAILS_MAX = 20;

const SNS_TOPIC_ARN_PATTERN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
// Deliberately loose: one @, no spaces, a dot in the domain. SNS sends a confirmation mail anyway.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// Dashboard names allow only these characters (CloudWatch PutDashboard); topic and alarm names more.
const NAME_PREFIX_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Every rule for `EfsMonitoringProps`, all problems at once; token values are skipped. */
export function validateMonitoringProps(path: string, props: EfsMonitoringProps): void {
  const errors = new ValidationErrors(path);

  errors.checkFormat("region", props.region, REGION_PATTERN, 'is not a Region name such as "eu-west-1"');
  errors.checkFormat(
    "namePrefix",
    props.namePrefix,
    NAME_PREFIX_PATTERN,
    'must be 1 to 64 letters, digits, "-" or "_" (it becomes part of the dashboard name)',
  );

  checkRange(errors, "burstCreditBalanceThresholdBytes", props.burstCreditBalanceThresholdBytes, {
    min: 1,
    max: MAX_BURST_CREDIT_BALANCE_BYTES,
    unit: "bytes (2.1 TiB, the most a file system under 1 TiB can hold)",
  });
  checkRange(errors, "percentIoLimitThreshold", props.percentIoLimitThreshold, {
    min: 1,
    max: 100,
    unit: "percent",
  });
  checkRange(errors, "throughputUtilizationThresholdPercent", props.throughputUtilizationThresholdPercent, {
    min: 1,
    max: 100,
    unit: "percent",
  });

  validateNotificationTarget(errors, props);
  errors.throwIfAny();
}

function checkRange(
  errors: ValidationErrors,
  field: string,
  value: number | undefined,
  allowed: { min: number; max: number; unit: string },
): void {
  if (value === undefined || !isKnown(value)) return;
  errors.check(
    Number.isFinite(value) && value >= allowed.min && value <= allowed.max,
    field,
    `${show(value)} is out of range; allowed ${allowed.min} to ${allowed.max} ${allowed.unit}`,
  );
}

function validateNotificationTarget(errors: ValidationErrors, props: EfsMonitoringProps): void {
  const emails = props.alarmEmails ?? [];
  if (props.existingTopicArn !== undefined) {
    if (isKnown(props.existingTopicArn)) {
      errors.check(
        SNS_TOPIC_ARN_PATTERN.test(props.existingTopicArn),
        "existingTopicArn",
        `${show(props.existingTopicArn)} is not an SNS topic ARN such as "arn:aws:sns:eu-west-1:111122223333:alarms"`,
      );
    }
    // Subscriptions belong with whoever manages that topic's policy and encryption.
    if (emails.length > 0) {
      errors.add(
        "alarmEmails",
        `${show(emails)} cannot be combined with existingTopicArn; subscribe the addresses where that topic is managed`,
      );
    }
  }
  errors.check(
    emails.length <= ALARM_EMAILS_MAX,
    "alarmEmails",
    `has ${emails.length} addresses; at most ${ALARM_EMAILS_MAX}: subscribe a mailing list instead`,
  );
  const seen = new Set<string>();
  emails.forEach((email, i) => {
    if (!isKnown(email)) return;
    errors.check(
      EMAIL_PATTERN.test(email),
      `alarmEmails[${i}]`,
      `${show(email)} is not an e-mail address such as "ops@example.com"`,
    );
    // Addresses differing only in case are one mailbox, and would be one subscription.
    const address = email.toLowerCase();
    errors.check(!seen.has(address), `alarmEmails[${i}]`, `${show(email)} is listed more than once`);
    seen.add(address);
  });
}

/** Intervals a backup alarm can watch: CloudWatch periods are whole minutes, two of them at most 2 days. */
const BACKUP_INTERVAL_MINUTES = { min: 5, max: 1440 } as const;

/** The rules of `addEbsSnapshotBackupAlarms`, all problems at once. */
export function validateBackupAlarmOptions(
  path: string,
  source: BackupMetricsSource,
  options: BackupAlarmOptions,
): void {
  const errors = new ValidationErrors(path);
  if (isKnown(source.intervalMinutes)) {
    const { min, max } = BACKUP_INTERVAL_MINUTES;
    errors.check(
      Number.isInteger(source.intervalMinutes) &&
        source.intervalMinutes >= min &&
        source.intervalMinutes <= max,
      "source.intervalMinutes",
      `${show(source.intervalMinutes)} is out of range; allowed ${min} to ${max} whole minutes`,
    );
  }
  checkRange(errors, "volumeUsedPercentThreshold", options.volumeUsedPercentThreshold, {
    min: 1,
    max: 100,
    unit: "percent",
  });
  errors.throwIfAny();
}
