import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { EfsClients } from "../modules/clients";
import { AwsBackupPlan, EbsSnapshotBackup, VaultLockOptions } from "../modules/backup";
import { isKnown, show, ValidationErrors } from "../modules/shared/validation";
import { EfsStack, EfsStackProps } from "./efs-stack";
import { OWNERSHIP_TAG } from "./ownership";

/** The book's EBS-snapshot backup. Plain JSON, so a settings file maps onto it field by field. */
export interface EbsSnapshotSettings {
  /**
   * Whether to run the backup host, its volume and the snapshot timer.
   * @default true
   */
  readonly enabled?: boolean;
  /** @default 5 */
  readonly volumeSizeGiB?: number;
  /** @default 15 */
  readonly intervalMinutes?: number;
  /** @default 672 */
  readonly keepLast?: number;
  /** @default 7 */
  readonly keepDays?: number;
  /** @default - the AWS-managed `aws/ebs` key */
  readonly kmsKeyArn?: string;
  /** @default - 4 × intervalMinutes, at least 60 */
  readonly timeoutMinutes?: number;
  /**
   * Alarm when the backup volume is fuller than this, in percent.
   * @default 80
   */
  readonly volumeUsedAlarmPercent?: number;
}

/** AWS Backup of the file system. Plain JSON, so a settings file maps onto it field by field. */
export interface AwsBackupSettings {
  /**
   * Whether to create the vault, plan and selection.
   * @default true
   */
  readonly enabled?: boolean;
  /** @default "cron(0 5 * * ? *)" */
  readonly schedule?: string;
  /** @default 35 */
  readonly deleteAfterDays?: number;
  /** @default - no cold storage */
  readonly coldStorageAfterDays?: number;
  /** @default - no vault lock */
  readonly vaultLock?: VaultLockOptions;
  /** @default - a key created for the vault, with rotation on */
  readonly kmsKeyArn?: string;
}

export interface BackupSettings {
  /** @default - on, with the module's defaults */
  readonly ebsSnapshots?: EbsSnapshotSettings;
  /** @default - on, with the module's defaults */
  readonly awsBackup?: AwsBackupSettings;
}

export interface EfsWithBackupStackProps extends EfsStackProps {
  /**
   * Both backup paths; each can be turned off on its own.
   * @default - both on, with their defaults
   */
  readonly backup?: BackupSettings;
}

/** Where the backup host mounts the share: not `/home`, which stays the host's own. */
const BACKUP_HOST_MOUNT_PATH = "/mnt/shared-home";

/**
 * The `efs` stack plus backups, two ways: the book's EBS-snapshot backup (a small dedicated backup
 * host copies the share to an EBS volume and snapshots it every 15 minutes), and AWS Backup of the
 * file system into an encrypted vault, daily.
 */
export class EfsWithBackupStack extends EfsStack {
  readonly backupHost?: EfsClients;
  readonly ebsSnapshotBackup?: EbsSnapshotBackup;
  readonly awsBackupPlan?: AwsBackupPlan;

  constructor(scope: Construct, name: string, props: EfsWithBackupStackProps) {
    super(scope, name, props);
    const {
      enabled: ebsEnabled = true,
      volumeUsedAlarmPercent,
      ...ebsSettings
    } = props.backup?.ebsSnapshots ?? {};
    const { enabled: awsBackupEnabled = true, ...awsBackupSettings } = props.backup?.awsBackup ?? {};

    const errors = new ValidationErrors(this.node.path);
    errors.check(
      !(awsBackupEnabled && props.fileSystem?.automaticBackups),
      "backup.awsBackup.enabled",
      "true together with fileSystem.automaticBackups true backs the same data up twice; turn one of them off",
    );
    if (volumeUsedAlarmPercent !== undefined && isKnown(volumeUsedAlarmPercent)) {
      errors.check(
        volumeUsedAlarmPercent >= 1 && volumeUsedAlarmPercent <= 100,
        "backup.ebsSnapshots.volumeUsedAlarmPercent",
        `${show(volumeUsedAlarmPercent)} is out of range; allowed 1 to 100 percent`,
      );
    }
    errors.throwIfAny();

    if (ebsEnabled) {
      // One host, in the first host subnet (it has a mount target in its AZ; for One Zone, the file
      // system's AZ): it needs the internet, or VPC endpoints, for the EC2 API, and the share.
      const hostSubnet = this.hostSubnets[0];
      this.ebsSnapshotBackup = new EbsSnapshotBackup(this, "ebs-snapshot-backup", {
        ...ebsSettings,
        availabilityZone: hostSubnet.availabilityZone,
        sourcePath: BACKUP_HOST_MOUNT_PATH,
        alarmTopicArn: this.monitoring.topicArn,
      });
      this.backupHost = new EfsClients(this, "backup-host", {
        vpcId: this.network.vpcId,
        subnets: [hostSubnet],
        fileSystem: this.sharedFileSystem,
        region: props.region,
        count: 1,
        mountPath: BACKUP_HOST_MOUNT_PATH,
        // Root, because root squash would hide users' private files from the copy; read-only (no
        // ClientWrite, and a read-only mount), so a compromised or buggy host cannot touch the share.
        access: "read-as-root",
        seedShareFromLocal: false,
        namePrefix: "shared-home-backup-host",
        ...this.roleOptions,
        tags: { [OWNERSHIP_TAG.key]: OWNERSHIP_TAG.value },
        additionalUserData: this.ebsSnapshotBackup.hostSetupScript,
        associatePublicIpAddress: props.hostSubnets === "private" ? false : undefined,
      });
      // In private subnets: snapshots (ec2), the backup metrics (monitoring) and failure mails (sns).
      for (const service of ["ec2", "monitoring", "sns"] as const) {
        this.network.endpoints?.addInterfaceEndpoint(service);
      }
      this.network.endpoints?.allowHttpsFrom(this.backupHost.adminSecurityGroup);
      const [host] = this.backupHost.instances;
      this.ebsSnapshotBackup.attachTo({
        instanceId: host.id,
        availabilityZone: host.availabilityZone,
        role: this.backupHost.role,
      });
      // A failed run reaches the alarm topic (OnFailure=), and a silent host the missing-backup alarm.
      this.monitoring.grantPublish(this.backupHost.role);
      this.monitoring.addEbsSnapshotBackupAlarms(this.ebsSnapshotBackup.metrics, {
        volumeUsedPercentThreshold: volumeUsedAlarmPercent,
      });
    }

    if (awsBackupEnabled) {
      this.awsBackupPlan = new AwsBackupPlan(this, "aws-backup", {
        ...awsBackupSettings,
        ...this.roleOptions,
        namePrefix: props.namePrefix,
        resourceArns: [this.sharedFileSystem.fileSystemArn],
        notificationTopicArn: this.monitoring.topicArn,
      });
      this.monitoring.allowServicePublish("backup.amazonaws.com", this.awsBackupPlan.vaultArn);
    }
    this.addBackupOutputs();
  }

  private addBackupOutputs(): void {
    const outputs: Record<string, { value: string; description: string }> = {};
    if (this.ebsSnapshotBackup && this.backupHost) {
      outputs.backup_volume_id = {
        value: this.ebsSnapshotBackup.volumeId,
        description: "EBS volume the backup host copies the share to and snapshots",
      };
      outputs.backup_host_instance_id = {
        value: this.backupHost.instances[0].id,
        description: "Instance that runs the backup-shared-home timer",
      };
    }
    if (this.awsBackupPlan) {
      outputs.backup_vault_name = {
        value: this.awsBackupPlan.vaultName,
        description: "AWS Backup vault of the file system's recovery points",
      };
      outputs.backup_plan_id = { value: this.awsBackupPlan.planId, description: "AWS Backup plan id" };
      outputs.aws_backup_role_arn = {
        value: this.awsBackupPlan.role.arn,
        description: "Role to pass to AWS Backup restore jobs",
      };
    }
    for (const [id, output] of Object.entries(outputs)) {
      new TerraformOutput(this, id, output);
    }
  }
}
