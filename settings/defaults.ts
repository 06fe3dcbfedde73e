import { DEFAULT_BACKUP_SCHEDULE } from "../modules/backup/aws-backup-plan";
import { EBS_SNAPSHOT_DEFAULTS } from "../modules/backup/ebs-snapshot-backup";
import { DEFAULT_DELETE_AFTER_DAYS } from "../modules/backup/validate";
import {
  CLIENT_DEFAULTS,
  DEFAULT_INSTANCE_TYPE,
  DEFAULT_MOUNT_TARGET_WAIT_SECONDS,
} from "../modules/clients";
import { DEFAULT_VPC_CIDR } from "../modules/network";
import { PerformanceMode, ThroughputMode } from "../modules/efs/types";
import {
  DEFAULT_BURST_CREDIT_BALANCE_THRESHOLD_BYTES,
  DEFAULT_PERCENT_IO_LIMIT_THRESHOLD,
  DEFAULT_THROUGHPUT_UTILIZATION_THRESHOLD_PERCENT,
} from "../modules/monitoring";

/**
 * The value a module uses when a settings field is left out, by settings path. A problem about a
 * field the user never wrote then says `(default "elastic")`, not "got nothing": the user learns
 * which default clashed with what they did write. Taken from the modules' own constants.
 */
export const SETTINGS_DEFAULTS: Readonly<Record<string, unknown>> = {
  "network.vpcCidr": DEFAULT_VPC_CIDR,
  "fileSystem.performanceMode": PerformanceMode.GENERAL_PURPOSE,
  "fileSystem.throughputMode": ThroughputMode.ELASTIC,
  "fileSystem.createKmsKey": false,
  "fileSystem.automaticBackups": false,
  "monitoring.burstCreditBalanceThresholdBytes": DEFAULT_BURST_CREDIT_BALANCE_THRESHOLD_BYTES,
  "monitoring.percentIoLimitThreshold": DEFAULT_PERCENT_IO_LIMIT_THRESHOLD,
  "monitoring.throughputUtilizationThresholdPercent": DEFAULT_THROUGHPUT_UTILIZATION_THRESHOLD_PERCENT,
  "clients.count": CLIENT_DEFAULTS.count,
  "clients.placement": CLIENT_DEFAULTS.placement,
  "clients.instanceType": DEFAULT_INSTANCE_TYPE,
  "clients.mountPath": CLIENT_DEFAULTS.mountPath,
  "clients.mountMethod": CLIENT_DEFAULTS.mountMethod,
  "clients.mountTargetWaitSeconds": DEFAULT_MOUNT_TARGET_WAIT_SECONDS,
  "backup.ebsSnapshots.enabled": true,
  "backup.ebsSnapshots.volumeSizeGiB": EBS_SNAPSHOT_DEFAULTS.volumeSizeGiB,
  "backup.ebsSnapshots.intervalMinutes": EBS_SNAPSHOT_DEFAULTS.intervalMinutes,
  "backup.ebsSnapshots.keepLast": EBS_SNAPSHOT_DEFAULTS.keepLast,
  "backup.ebsSnapshots.keepDays": EBS_SNAPSHOT_DEFAULTS.keepDays,
  "backup.ebsSnapshots.maxDeletePercent": EBS_SNAPSHOT_DEFAULTS.maxDeletePercent,
  "backup.awsBackup.enabled": true,
  "backup.awsBackup.schedule": DEFAULT_BACKUP_SCHEDULE,
  "backup.awsBackup.deleteAfterDays": DEFAULT_DELETE_AFTER_DAYS,
};
