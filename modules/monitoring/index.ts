import { Construct } from "constructs";
import {
  CloudwatchMetricAlarm,
  CloudwatchMetricAlarmMetricQuery,
} from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Lazy } from "cdktf";
import type { ITerraformDependable } from "cdktf";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import type { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { PerformanceMode, ThroughputMode } from "../efs/types";
import type { SharedFileSystem } from "../efs";
import { accountIdOfArn, partitionOfArn, regionOfArn } from "../shared/arn";
import { dashboardBody } from "./dashboard";
import { EFS_NAMESPACE, THROUGHPUT_UTILIZATION } from "./metrics";
import { validateBackupAlarmOptions, validateMonitoringProps } from "./validate";
import { jsonDocument } from "../shared/json";

export { MAX_BURST_CREDIT_BALANCE_BYTES } from "./validate";

/**
 * The book's burst-credit threshold: 192 GB, the credits for the last hour of bursting at 100 MB/s
 * (Amazon Web Services in Action, EFS chapter, monitoring section).
 */
export const DEFAULT_BURST_CREDIT_BALANCE_THRESHOLD_BYTES = 192416666667;
/** Just below the book's signal, PercentIOLimit sitting at 100% (then: move to Max I/O); value from issue #4. */
export const DEFAULT_PERCENT_IO_LIMIT_THRESHOLD = 95;
/** Room to react before clients are throttled at 100% of the permitted throughput; value from issue #4. */
export const DEFAULT_THROUGHPUT_UTILIZATION_THRESHOLD_PERCENT = 80;

/** What monitoring needs from a file system; a `SharedFileSystem` has it all. */
export type MonitoredFileSystem = Pick<
  SharedFileSystem,
  "fileSystemId" | "throughputMode" | "performanceMode" | "node"
>;

/** Alarm when the backup volume is fuller than this, in percent: room to grow it before rsync fails. */
export const DEFAULT_BACKUP_VOLUME_USED_PERCENT_THRESHOLD = 80;

/** The alarms this module can create, by name. */
export type EfsAlarmName = "burst-credit-balance" | "percent-io-limit" | "throughput-utilization";

/** The alarms `addEbsSnapshotBackupAlarms` creates, by name. */
export type BackupAlarmName = "backup-missing" | "backup-volume-used";

/**
 * The metrics a backup puts (an `EbsSnapshotBackup`'s `metrics` has this shape): one success data
 * point per successful run, and the backup volume's usage in percent.
 */
export interface BackupMetricsSource {
  readonly namespace: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly succeededMetricName: string;
  readonly volumeUsedPercentMetricName: string;
  /** Minutes between runs, 5 to 1440. */
  readonly intervalMinutes: number;
}

/** Tuning of the backup alarms. */
export interface BackupAlarmOptions {
  /**
   * Alarm when the backup volume is fuller than this many percent (1 to 100).
   * @default 80
   */
  readonly volumeUsedPercentThreshold?: number;
}

/** A role that may be allowed to publish to the alarm topic. */
export type PublishingRole = Pick<IamRole, "arn" | "id" | "node">;

/**
 * SNS filter policy of the e-mail subscriptions: everything except AWS Backup's reports of jobs
 * that succeeded. AWS Backup reports a failed job as a *_COMPLETED event with a `State` message
 * attribute other than `COMPLETED`; alarms and our own failure reports carry no `State` at all
 * (Amazon SNS Developer Guide, "Subscription filter policies": `exists`, `anything-but`, `$or`).
 */
export const EMAIL_SUBSCRIPTION_FILTER_POLICY = {
  $or: [{ State: [{ exists: false }] }, { State: [{ "anything-but": ["COMPLETED"] }] }],
} as const;

export interface EfsMonitoringProps {
  /** The file system to watch. Its throughput and performance modes decide which alarms exist. */
  readonly fileSystem: MonitoredFileSystem;
  /** The file system's Region; dashboard graphs need it. */
  readonly region: string;
  /**
   * E-mail addresses subscribed to the alarm topic. Each address gets a confirmation mail from SNS
   * and receives nothing until it confirms.
   * @default - no subscriptions; subscribe to the `topicArn` output yourself
   */
  readonly alarmEmails?: readonly string[];
  /**
   * An existing SNS topic for alarm and OK notifications instead of the topic this module creates.
   * No topic, key or subscription is created then, and `alarmEmails` must be empty. Its policy must
   * let `cloudwatch.amazonaws.com` publish and, if it is encrypted, its key must let CloudWatch use it.
   * @default - a topic encrypted with a customer-managed key that CloudWatch may use
   */
  readonly existingTopicArn?: string;
  /**
   * Alarm when the average BurstCreditBalance over 10 minutes falls below this many bytes. Used
   * only in `bursting` throughput mode, the only mode with credits. 1 byte to 2.1 TiB.
   * @default 192416666667 - the book's 192 GB, the last hour of bursting at 100 MB/s
   */
  readonly burstCreditBalanceThresholdBytes?: number;
  /**
   * Alarm when the 15-minute average PercentIOLimit stays above this for an hour. Used only in the
   * `generalPurpose` performance mode, the only mode with an I/O limit. 1 to 100.
   * @default 95 - just below the book's signal: move to Max I/O if it sits at 100%
   */
  readonly percentIoLimitThreshold?: number;
  /**
   * Alarm when throughput stays above this percentage of the permitted throughput for 15 minutes,
   * computed with the EFS User Guide's metric math. In every throughput mode. 1 to 100.
   * @default 80 - room to react before throttling at 100%
   */
  readonly throughputUtilizationThresholdPercent?: number;
  /**
   * Starts the names of the alarms, dashboard and topic. Alarm and dashboard names also carry the
   * file-system id, so two stacks in one account never share them.
   * @default "efs"
   */
  readonly namePrefix?: string;
  /**
   * Tags on the key, topic and alarms.
   * @default - none beyond the provider's default tags
   */
  readonly tags?: Readonly<Record<string, string>>;
}

interface AlarmSpec {
  readonly name: EfsAlarmName;
  readonly alarmSuffix: string;
  readonly description: string;
  readonly comparisonOperator: string;
  readonly threshold: number;
  readonly evaluationPeriods: number;
  readonly treatMissingData: string;
  readonly metric?: { readonly metricName: string; readonly statistic: string; readonly period: number };
  readonly metricQuery?: CloudwatchMetricAlarmMetricQuery[];
}

/**
 * CloudWatch alarms for one EFS file system that reach someone, and a dashboard.
 *
 * Notifications go to an SNS topic encrypted with a customer-managed KMS key whose policy lets
 * CloudWatch use it. DEVIATION: the usual `alias/aws/sns` key cannot be used: CloudWatch is not
 * allowed to use that AWS-managed key, and notifications are dropped without an error (Amazon SNS
 * Developer Guide, "Configuring AWS KMS permissions",
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
 */
export class EfsMonitoring extends Construct {
  /** Where alarm and OK notifications go. */
  readonly topicArn: string;
  /** The topic this module created; undefined with `existingTopicArn`. */
  readonly topic?: SnsTopic;
  /** The key that encrypts the created topic; undefined with `existingTopicArn`. */
  readonly topicKey?: KmsKey;
  /** The alarms that apply to the file system's modes, by name. */
  readonly alarms: Readonly<Partial<Record<EfsAlarmName, CloudwatchMetricAlarm>>>;
  readonly dashboard: CloudwatchDashboard;
  readonly dashboardName: string;
  /** The alarms on backup metrics, once `addEbsSnapshotBackupAlarms` has run. */
  readonly backupAlarms: Partial<Record<BackupAlarmName, CloudwatchMetricAlarm>> = {};

  private readonly namePrefix: string;
  private readonly tagsOf: (suffix: string) => Record<string, string>;
  private readonly deliveryPath: ITerraformDependable[] = [];
  /** Statements added after construction by `grantPublish` and `allowServicePublish`. */
  private readonly extraTopicStatements: object[] = [];
  private readonly extraKeyStatements: object[] = [];

  constructor(scope: Construct, id: string, props: EfsMonitoringProps) {
    super(scope, id);
    validateMonitoringProps(this.node.path, props);

    const namePrefix = props.namePrefix ?? "efs";
    this.namePrefix = namePrefix;
    const fsId = props.fileSystem.fileSystemId;
    const tags = (suffix: string) => ({ ...props.tags, Name: `${namePrefix}-${suffix}` });
    this.tagsOf = tags;

    // Alarms are created after the topic accepts CloudWatch, so their first notification arrives.
    const deliveryPath = this.deliveryPath;
    if (props.existingTopicArn !== undefined) {
      this.topicArn = props.existingTopicArn;
    } else {
      this.topicKey = new KmsKey(this, "alarm-topic-key", {
        description: `Encrypts the ${namePrefix} EFS alarm topic; CloudWatch may use it`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        tags: tags("efs-alarms"),
      });
      // A key's `policy` cannot refer to the key's own ARN, so the policy is a resource of its own.
      // Both policies are read at synth, so statements that grantPublish and allowServicePublish
      // add after construction are in them.
      const keyArn = this.topicKey.arn;
      const keyPolicy = new KmsKeyPolicy(this, "alarm-topic-key-policy", {
        keyId: this.topicKey.id,
        policy: Lazy.stringValue({
          produce: () => jsonDocument(alarmTopicKeyPolicy(keyArn, this.extraKeyStatements)),
        }),
      });
      this.topic = new SnsTopic(this, "alarm-topic", {
        namePrefix: `${namePrefix}-alarms-`,
        displayName: `${namePrefix} EFS alarms`,
        kmsMasterKeyId: this.topicKey.arn,
        tags: tags("efs-alarms"),
      });
      this.topicArn = this.topic.arn;
      const topicArn = this.topic.arn;
      const topicPolicy = new SnsTopicPolicy(this, "alarm-topic-policy", {
        arn: topicArn,
        policy: Lazy.stringValue({
          produce: () => jsonDocument(alarmTopicPolicy(topicArn, this.extraTopicStatements)),
        }),
      });
      deliveryPath.push(keyPolicy, topicPolicy);
      for (const email of props.alarmEmails ?? []) {
        new SnsTopicSubscription(this, `alarm-email-${email.toLowerCase()}`, {
          topicArn: this.topic.arn,
          protocol: "email",
          endpoint: email,
          // People get failures, not AWS Backup's daily "job completed" for every successful job.
          filterPolicy: JSON.stringify(EMAIL_SUBSCRIPTION_FILTER_POLICY),
          filterPolicyScope: "MessageAttributes",
        });
      }
    }

    const burstThreshold =
      props.burstCreditBalanceThresholdBytes ?? DEFAULT_BURST_CREDIT_BALANCE_THRESHOLD_BYTES;
    const ioLimitThreshold = props.percentIoLimitThreshold ?? DEFAULT_PERCENT_IO_LIMIT_THRESHOLD;
    const utilizationThreshold =
      props.throughputUtilizationThresholdPercent ?? DEFAULT_THROUGHPUT_UTILIZATION_THRESHOLD_PERCENT;
    const watchesCredits = props.fileSystem.throughputMode === ThroughputMode.BURSTING;
    const watchesIoLimit = props.fileSystem.performanceMode === PerformanceMode.GENERAL_PURPOSE;

    const specs: AlarmSpec[] = [];
    if (watchesCredits) {
      specs.push({
        name: "burst-credit-balance",
        alarmSuffix: "burst-credit-balance-low",
        description:
          `Burst credits of ${fsId} are below ${burstThreshold} bytes: within about an hour of bursting ` +
          `the file system drops to its baseline throughput. Reduce load, or switch to elastic throughput.`,
        metric: { metricName: "BurstCreditBalance", statistic: "Average", period: 600 },
        comparisonOperator: "LessThanThreshold",
        threshold: burstThreshold,
        evaluationPeriods: 1,
        // EFS publishes the balance every minute, I/O or not; a gap is no evidence of low credits.
        treatMissingData: "missing",
      });
    }
    if (watchesIoLimit) {
      specs.push({
        name: "percent-io-limit",
        alarmSuffix: "percent-io-limit-high",
        description:
          `${fsId} has been near the General Purpose I/O limit (above ${ioLimitThreshold}%) for an hour. ` +
          `If it stays at 100%, the book's advice is a Max I/O file system.`,
        metric: { metricName: "PercentIOLimit", statistic: "Average", period: 900 },
        comparisonOperator: "GreaterThanThreshold",
        threshold: ioLimitThreshold,
        evaluationPeriods: 4,
        // EFS reports it only while there is I/O; no I/O is no pressure.
        treatMissingData: "notBreaching",
      });
    }
    specs.push({
      name: "throughput-utilization",
      alarmSuffix: "throughput-utilization-high",
      description:
        `${fsId} has used more than ${utilizationThreshold}% of its permitted throughput for 15 minutes; ` +
        `clients are throttled at 100%.`,
      metricQuery: throughputUtilizationQueries(fsId),
      comparisonOperator: "GreaterThanThreshold",
      threshold: utilizationThreshold,
      evaluationPeriods: 3,
      // MeteredIOBytes exists only while there is I/O; no I/O is no utilization.
      treatMissingData: "notBreaching",
    });

    const alarms: Partial<Record<EfsAlarmName, CloudwatchMetricAlarm>> = {};
    for (const spec of specs) {
      alarms[spec.name] = new CloudwatchMetricAlarm(this, `alarm-${spec.name}`, {
        alarmName: `${namePrefix}-${fsId}-${spec.alarmSuffix}`,
        alarmDescription: spec.description,
        comparisonOperator: spec.comparisonOperator,
        threshold: spec.threshold,
        evaluationPeriods: spec.evaluationPeriods,
        datapointsToAlarm: spec.evaluationPeriods,
        treatMissingData: spec.treatMissingData,
        namespace: spec.metric && EFS_NAMESPACE,
        metricName: spec.metric?.metricName,
        statistic: spec.metric?.statistic,
        period: spec.metric?.period,
        dimensions: spec.metric && { FileSystemId: fsId },
        metricQuery: spec.metricQuery,
        alarmActions: [this.topicArn],
        okActions: [this.topicArn],
        tags: tags(spec.alarmSuffix),
        dependsOn: deliveryPath,
      });
    }
    this.alarms = alarms;

    this.dashboardName = `${namePrefix}-${fsId}`;
    this.dashboard = new CloudwatchDashboard(this, "dashboard", {
      dashboardName: this.dashboardName,
      dashboardBody: dashboardBody({
        fileSystemId: fsId,
        region: props.region,
        burstCreditBalanceThresholdBytes: watchesCredits ? burstThreshold : undefined,
        percentIoLimitThreshold: watchesIoLimit ? ioLimitThreshold : undefined,
        throughputUtilizationThresholdPercent: utilizationThreshold,
        alarmArns: Object.values(alarms).map((alarm) => alarm.arn),
      }),
    });
  }

  /**
   * Lets `role` publish to the alarm topic, and to nothing else: an inline `sns:Publish` policy on
   * this topic, and, for a topic this module created, a key-policy statement that lets the role
   * use the topic's key only through SNS in this Region (`kms:ViaService`). For an existing topic,
   * its key policy must already allow the role.
   */
  grantPublish(role: PublishingRole): IamRolePolicy {
    if (this.topicKey) {
      this.extraKeyStatements.push({
        Sid: `PublishToTopic${this.extraKeyStatements.length + 1}`,
        Effect: "Allow",
        Principal: { AWS: role.arn },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: {
          StringEquals: { "kms:ViaService": `sns.${regionOfArn(this.topicKey.arn)}.amazonaws.com` },
        },
      });
    }
    return new IamRolePolicy(this, `publish-${pathId(role.node.path)}`, {
      role: role.id,
      name: `publish-to-${pathId(this.node.path)}`,
      policy: jsonDocument({
        Version: "2012-10-17",
        Statement: [
          { Sid: "PublishToAlarmTopic", Effect: "Allow", Action: "sns:Publish", Resource: this.topicArn },
        ],
      }),
    });
  }

  /**
   * Lets an AWS service publish to the alarm topic on behalf of one resource of this account, e.g.
   * `backup.amazonaws.com` for an AWS Backup vault's notifications. The topic-policy statement holds
   * only for `aws:SourceAccount` = this account and `aws:SourceArn` = `sourceArn` (the confused-deputy
   * guard; for AWS Backup the source ARN is the vault's, AWS Backup Developer Guide, "Cross-service
   * confused deputy prevention"). The key statement lets the service encrypt for the topic.
   * Does nothing for an existing topic: its owner must allow the service.
   */
  allowServicePublish(service: string, sourceArn: string): void {
    if (!this.topic || !this.topicKey) return;
    const n = this.extraTopicStatements.length + 1;
    this.extraTopicStatements.push({
      Sid: `ServicePublishes${n}`,
      Effect: "Allow",
      Principal: { Service: service },
      Action: "sns:Publish",
      Resource: this.topic.arn,
      Condition: {
        StringEquals: { "aws:SourceAccount": accountIdOfArn(this.topic.arn) },
        ArnEquals: { "aws:SourceArn": sourceArn },
      },
    });
    // No condition here, as for CloudWatch: the service uses the key only to publish, which the
    // topic policy above already limits to `sourceArn`, and a condition key the service does not
    // send would drop its notifications without an error.
    this.extraKeyStatements.push({
      Sid: `ServiceUsesKey${n}`,
      Effect: "Allow",
      Principal: { Service: service },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
    });
  }

  /**
   * Two alarms on a backup's own metrics, notifying the alarm topic:
   * - `backup-missing`: no successful run in two intervals. Missing data is breaching, so a host
   *   that is gone, hung or without its timer alarms as well as one whose runs fail.
   * - `backup-volume-used`: the backup volume is fuller than the threshold; when it fills, rsync
   *   fails on every run.
   */
  addEbsSnapshotBackupAlarms(
    source: BackupMetricsSource,
    options: BackupAlarmOptions = {},
  ): Readonly<Partial<Record<BackupAlarmName, CloudwatchMetricAlarm>>> {
    validateBackupAlarmOptions(`${this.node.path}.addEbsSnapshotBackupAlarms`, source, options);
    const threshold = options.volumeUsedPercentThreshold ?? DEFAULT_BACKUP_VOLUME_USED_PERCENT_THRESHOLD;
    const period = source.intervalMinutes * 60;
    const subject = Object.values(source.dimensions).join("-");
    const common = {
      namespace: source.namespace,
      dimensions: { ...source.dimensions },
      period,
      alarmActions: [this.topicArn],
      okActions: [this.topicArn],
      dependsOn: this.deliveryPath,
    };
    this.backupAlarms["backup-missing"] = new CloudwatchMetricAlarm(this, "alarm-backup-missing", {
      ...common,
      alarmName: `${this.namePrefix}-${subject}-backup-missing`,
      alarmDescription:
        `No successful backup of the shared home to ${subject} for two intervals ` +
        `(${2 * source.intervalMinutes} minutes): runs fail, or the backup host or its timer is gone. ` +
        `On the host: journalctl -u backup-shared-home.service`,
      metricName: source.succeededMetricName,
      statistic: "Sum",
      comparisonOperator: "LessThanThreshold",
      threshold: 1,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      // No data is no backup: the host may be dead, hung or unable to reach CloudWatch.
      treatMissingData: "breaching",
      tags: this.tagsOf("backup-missing"),
    });
    this.backupAlarms["backup-volume-used"] = new CloudwatchMetricAlarm(this, "alarm-backup-volume-used", {
      ...common,
      alarmName: `${this.namePrefix}-${subject}-backup-volume-used`,
      alarmDescription:
        `The backup volume ${subject} is more than ${threshold}% full; when it is full, every backup ` +
        `run fails. Grow the volume (backup.ebsSnapshots.volumeSizeGiB) or keep fewer snapshots.`,
      metricName: source.volumeUsedPercentMetricName,
      statistic: "Maximum",
      comparisonOperator: "GreaterThanThreshold",
      threshold,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      // Without data the backup-missing alarm speaks; this one keeps its last state.
      treatMissingData: "missing",
      tags: this.tagsOf("backup-volume-used"),
    });
    return this.backupAlarms;
  }
}

/** A Terraform- and IAM-safe form of a construct path, for ids and inline policy names. */
function pathId(path: string): string {
  return path.replace(/[^A-Za-z0-9_.-]+/g, "-");
}

/** The EFS User Guide's utilization metric math, at 5-minute periods (see `THROUGHPUT_UTILIZATION`). */
function throughputUtilizationQueries(fsId: string): CloudwatchMetricAlarmMetricQuery[] {
  const u = THROUGHPUT_UTILIZATION;
  const period = 300;
  const metric = (metricName: string, stat: string) => ({
    namespace: EFS_NAMESPACE,
    metricName,
    stat,
    period,
    dimensions: { FileSystemId: fsId },
  });
  return [
    { id: u.meteredId, metric: metric("MeteredIOBytes", "Sum"), returnData: false },
    { id: u.permittedId, metric: metric("PermittedThroughput", "Average"), returnData: false },
    {
      id: u.throughputId,
      expression: u.throughputExpression,
      label: "Throughput (MiB/s)",
      returnData: false,
    },
    {
      id: u.utilizationId,
      expression: u.utilizationExpression,
      label: "Permitted throughput utilization (%)",
      returnData: true,
    },
  ];
}

/**
 * The key policy: the account keeps full control (as in the default key policy; without it the key
 * could not be managed), and CloudWatch may create and read data keys for publishing to the topic
 * (SNS Developer Guide, "Configuring AWS KMS permissions"). No condition on the CloudWatch statement:
 * the documented policy has none, a wrong one would drop notifications silently, and the topic
 * policy already limits publishing to this account's alarms.
 */
function alarmTopicKeyPolicy(keyArn: string, extraStatements: readonly object[]) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountAdministersKey",
        Effect: "Allow",
        Principal: { AWS: `arn:${partitionOfArn(keyArn)}:iam::${accountIdOfArn(keyArn)}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "CloudWatchAlarmsUseKey",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
      },
      ...extraStatements,
    ],
  };
}

/**
 * The topic policy: CloudWatch may publish, but only for alarms of this account and Region (the
 * confused-deputy guard of the CloudWatch User Guide). The account and Region come from the topic's
 * own ARN, so the plan needs no data source. This replaces the topic's default policy; principals of
 * this account keep their access through IAM policies, as same-account access needs only one side.
 */
function alarmTopicPolicy(topicArn: string, extraStatements: readonly object[]) {
  const account = accountIdOfArn(topicArn);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "CloudWatchAlarmsPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: {
          StringEquals: { "aws:SourceAccount": account },
          ArnLike: {
            "aws:SourceArn": `arn:${partitionOfArn(topicArn)}:cloudwatch:${regionOfArn(topicArn)}:${account}:alarm:*`,
          },
        },
      },
      ...extraStatements,
    ],
  };
}
