import { Construct } from "constructs";
import { BackupVault } from "@cdktf/provider-aws/lib/backup-vault";
import { BackupVaultLockConfiguration } from "@cdktf/provider-aws/lib/backup-vault-lock-configuration";
import { BackupPlan } from "@cdktf/provider-aws/lib/backup-plan";
import { BackupSelection } from "@cdktf/provider-aws/lib/backup-selection";
import { BackupVaultNotifications } from "@cdktf/provider-aws/lib/backup-vault-notifications";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { partitionOfArn } from "../shared/arn";
import { DEFAULT_DELETE_AFTER_DAYS, validateAwsBackupPlanProps } from "./validate";

/** AWS Backup's own default: daily at 05:00 UTC. */
export const DEFAULT_BACKUP_SCHEDULE = "cron(0 5 * * ? *)";

/** The AWS-managed policies of the AWS Backup service role, under `arn:<partition>:iam::aws:policy/`. */
export const AWS_BACKUP_MANAGED_POLICIES = [
  "service-role/AWSBackupServiceRolePolicyForBackup",
  "service-role/AWSBackupServiceRolePolicyForRestores",
] as const;

/**
 * The vault events sent to the notification topic. AWS Backup no longer sends BACKUP_JOB_FAILED or
 * RESTORE_JOB_FAILED (deprecated, "no longer in use": AWS Backup API reference,
 * PutBackupVaultNotifications); a failed job is a *_COMPLETED event whose `State` message attribute
 * is not `COMPLETED` (AWS Backup Developer Guide, "Using Amazon SNS to track AWS Backup events").
 * Copy jobs still have their own failure event. A subscriber that wants failures only filters on
 * `State`, as `EfsMonitoring`'s e-mail subscriptions do.
 */
export const VAULT_NOTIFICATION_EVENTS = [
  "BACKUP_JOB_COMPLETED",
  "RESTORE_JOB_COMPLETED",
  "COPY_JOB_FAILED",
] as const;

/** AWS Backup Vault Lock. */
export interface VaultLockOptions {
  /**
   * Shortest retention the vault accepts, in days.
   * @default - no minimum
   */
  readonly minRetentionDays?: number;
  /**
   * Longest retention the vault accepts, in days.
   * @default - no maximum
   */
  readonly maxRetentionDays?: number;
  /**
   * Days (3 or more) before the lock becomes immutable: compliance mode. After that, nobody, the
   * root user and AWS included, can change or delete the lock or delete recovery points early.
   * @default - governance mode: users with the right IAM permissions can still remove the lock
   */
  readonly changeableForDays?: number;
}

export interface AwsBackupPlanProps {
  /** ARNs of the resources to back up, e.g. `[sharedFileSystem.fileSystemArn]`. */
  readonly resourceArns: readonly string[];
  /**
   * Prefix of the vault, plan, selection and role names.
   * @default "shared-home"
   */
  readonly name?: string;
  /**
   * Put before the vault and plan names, which AWS requires to be unique in an account and Region:
   * give each environment that shares one its own (`prod` makes `prod-shared-home-vault`). Up to 15
   * letters, digits, "-" or "_". Changing it replaces the vault and the plan; a vault that holds
   * recovery points cannot be deleted, so Terraform stops there (docs/settings.md, "Names per environment").
   * @default - none: `<name>-vault` and `<name>-plan`, the names before this option existed
   */
  readonly namePrefix?: string;
  /**
   * SNS topic for the vault's job notifications (`VAULT_NOTIFICATION_EVENTS`). Its policy must let
   * `backup.amazonaws.com` publish for this vault and its key must let the service use it:
   * `EfsMonitoring.allowServicePublish` does both for its topic.
   * @default - no vault notifications
   */
  readonly notificationTopicArn?: string;
  /**
   * When to back up: an AWS cron expression in UTC, at least 60 minutes between runs.
   * @default "cron(0 5 * * ? *)" (daily at 05:00 UTC)
   */
  readonly schedule?: string;
  /**
   * Days to keep each recovery point.
   * @default 35
   */
  readonly deleteAfterDays?: number;
  /**
   * Days after which recovery points move to cold storage. `deleteAfterDays` must then be at least
   * this plus 90.
   * @default - no cold storage
   */
  readonly coldStorageAfterDays?: number;
  /**
   * Locks the vault against early deletion of recovery points.
   * @default - no lock
   */
  readonly vaultLock?: VaultLockOptions;
  /**
   * ARN of a customer-managed KMS key for the vault.
   * @default - a key created here, with yearly rotation on
   */
  readonly kmsKeyArn?: string;
  /**
   * Tags on the vault, plan, role and key.
   * @default - none beyond the provider's default tags
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * AWS Backup for the shared file system, the managed path: a vault encrypted with a customer KMS
 * key (optionally locked), a plan with one rule, a selection by resource ARN, and the service role
 * with the AWS-managed backup and restore policies.
 *
 * Do not also turn on the file system's own backup policy (`automaticBackups`): it backs the same
 * data up again, to the default vault, under a plan this module does not control.
 */
export class AwsBackupPlan extends Construct {
  readonly vault: BackupVault;
  readonly vaultName: string;
  readonly vaultArn: string;
  readonly plan: BackupPlan;
  readonly planId: string;
  readonly planArn: string;
  readonly selection: BackupSelection;
  readonly role: IamRole;
  /** The vault key this module created, when no `kmsKeyArn` was given. */
  readonly kmsKey?: KmsKey;
  readonly vaultLock?: BackupVaultLockConfiguration;
  /** The vault's SNS notifications, with `notificationTopicArn`. */
  readonly vaultNotifications?: BackupVaultNotifications;

  constructor(scope: Construct, id: string, props: AwsBackupPlanProps) {
    super(scope, id);
    validateAwsBackupPlanProps(this.node.path, props);

    const name = props.name ?? "shared-home";
    // Only the names AWS requires to be unique get the prefix; the role has a generated name.
    const uniqueName = props.namePrefix === undefined ? name : `${props.namePrefix}-${name}`;
    const tags = props.tags ? { ...props.tags } : undefined;

    if (props.kmsKeyArn === undefined) {
      this.kmsKey = new KmsKey(this, "vault-key", {
        description: `Encrypts the ${name} AWS Backup vault`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        tags,
      });
    }

    this.vault = new BackupVault(this, "vault", {
      name: `${uniqueName}-vault`,
      kmsKeyArn: this.kmsKey?.arn ?? props.kmsKeyArn,
      tags,
    });
    this.vaultName = this.vault.name;
    this.vaultArn = this.vault.arn;

    if (props.vaultLock) {
      this.vaultLock = new BackupVaultLockConfiguration(this, "vault-lock", {
        backupVaultName: this.vault.name,
        minRetentionDays: props.vaultLock.minRetentionDays,
        maxRetentionDays: props.vaultLock.maxRetentionDays,
        changeableForDays: props.vaultLock.changeableForDays,
      });
    }

    if (props.notificationTopicArn !== undefined) {
      this.vaultNotifications = new BackupVaultNotifications(this, "vault-notifications", {
        backupVaultName: this.vault.name,
        snsTopicArn: props.notificationTopicArn,
        backupVaultEvents: [...VAULT_NOTIFICATION_EVENTS],
      });
    }

    this.plan = new BackupPlan(this, "plan", {
      name: `${uniqueName}-plan`,
      rule: [
        {
          ruleName: `${name}-scheduled`,
          targetVaultName: this.vault.name,
          schedule: props.schedule ?? DEFAULT_BACKUP_SCHEDULE,
          lifecycle: {
            deleteAfter: props.deleteAfterDays ?? DEFAULT_DELETE_AFTER_DAYS,
            coldStorageAfter: props.coldStorageAfterDays,
          },
        },
      ],
      tags,
    });
    this.planId = this.plan.id;
    this.planArn = this.plan.arn;

    this.role = new IamRole(this, "role", {
      namePrefix: `${name}-aws-backup-`,
      description: `Lets AWS Backup back up and restore the resources of ${name}`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      }),
      tags,
    });
    for (const policy of AWS_BACKUP_MANAGED_POLICIES) {
      new IamRolePolicyAttachment(this, `role-${policy.split("/").pop()}`, {
        role: this.role.name,
        policyArn: `arn:${partitionOfArn(this.role.arn)}:iam::aws:policy/${policy}`,
      });
    }

    this.selection = new BackupSelection(this, "selection", {
      name: `${name}-selection`,
      planId: this.plan.id,
      iamRoleArn: this.role.arn,
      resources: [...props.resourceArns],
    });
  }
}
