import { Construct } from "constructs";
import { EbsVolume } from "@cdktf/provider-aws/lib/ebs-volume";
import { VolumeAttachment } from "@cdktf/provider-aws/lib/volume-attachment";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import type { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { partitionOfArn, regionOfArn } from "../shared/arn";
import { isKnown, show, ValidationErrors } from "../shared/validation";
import { hostSetupParts, terraformText } from "./host-setup";
import { DEFAULT_MOUNT_PATH, DEFAULT_SOURCE_PATH, validateEbsSnapshotBackupProps } from "./validate";
import { jsonDocument } from "../shared/json";

/** The tag the backup script puts on every snapshot, with the volume id as value. Retention and IAM key on it. */
export const SNAPSHOT_TAG_KEY = "backup-shared-home:volume";

/**
 * The CloudWatch metrics the backup script puts, in a namespace of ours, with the dimension
 * `VolumeId` = the backup volume's id (the volume outlives a replaced host).
 */
export const BACKUP_METRICS = {
  namespace: "EfsSharedHome/Backup",
  /** 1 (Count) for each run that started its snapshot. */
  succeeded: "BackupSucceeded",
  /** Percent of the backup volume in use, put by every run that mounted the volume. */
  volumeUsedPercent: "BackupVolumeUsedPercent",
  dimension: "VolumeId",
} as const;

/** What the alarms on a backup's metrics need to know; `EbsSnapshotBackup.metrics`. */
export interface EbsSnapshotBackupMetrics {
  readonly namespace: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly succeededMetricName: string;
  readonly volumeUsedPercentMetricName: string;
  /** Minutes between runs: a success is expected in every interval. */
  readonly intervalMinutes: number;
}

/** systemd's TimeoutStartSec for a run when none is given: 4 intervals, at least an hour. */
export function defaultTimeoutMinutes(intervalMinutes: number): number {
  return Math.max(60, 4 * intervalMinutes);
}

export const EBS_SNAPSHOT_DEFAULTS = {
  volumeSizeGiB: 5,
  intervalMinutes: 15,
  /** One week of 15-minute snapshots. */
  keepLast: 672,
  keepDays: 7,
  /** A run that would delete more than this share of the copy's entries stops and alerts instead. */
  maxDeletePercent: 20,
  deviceName: "/dev/sdf",
  name: "shared-home-backup",
} as const;

export interface EbsSnapshotBackupProps {
  /** The AZ of the backup host; an EBS volume can only attach to an instance in its own AZ. */
  readonly availabilityZone: string;
  /**
   * Size of the backup volume, in GiB (gp3: 1 to 16384). It must hold a full copy of the share.
   * @default 5
   */
  readonly volumeSizeGiB?: number;
  /**
   * ARN of a customer-managed KMS key for the volume and so for its snapshots.
   * @default - the AWS-managed `aws/ebs` key (the volume is always encrypted)
   */
  readonly kmsKeyArn?: string;
  /**
   * Minutes between runs: 5, 6, 10, 12, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720 or 1440.
   * @default 15
   */
  readonly intervalMinutes?: number;
  /**
   * Keep at most this many snapshots (1 to 10000). Always in force, together with `keepDays`.
   * @default 672 (one week at the default interval)
   */
  readonly keepLast?: number;
  /**
   * Delete snapshots older than this many days (1 to 3650); the newest one is always kept.
   * @default 7
   */
  readonly keepDays?: number;
  /**
   * The largest share of the backup copy's files and directories (1 to 100 percent) one run may
   * delete. A share wiped or encrypted while mounted looks to `rsync --delete` like deleted files;
   * past this share the run copies nothing, takes no snapshot and fails, so the alarm topic hears
   * of it and the last good snapshots stay. 100 turns the check off.
   * @default 20
   */
  readonly maxDeletePercent?: number;
  /**
   * Where the shared file system is mounted on the backup host: what gets copied.
   * @default "/mnt/shared-home"
   */
  readonly sourcePath?: string;
  /**
   * Where the backup volume is mounted on the backup host.
   * @default "/mnt/backup"
   */
  readonly mountPath?: string;
  /**
   * The attachment's device name (`/dev/sdf` to `/dev/sdp`). Nitro instances show the volume as
   * NVMe instead; the script finds it by volume id and uses this name only as a fallback.
   * @default "/dev/sdf"
   */
  readonly deviceName?: string;
  /**
   * Longest a run may take (systemd `TimeoutStartSec`), in minutes, 5 to 10080. A run still going
   * then (a hung NFS mount, say) is stopped and reported as failed; meanwhile the timer starts no
   * other run. A first copy of a large share needs more than later ones.
   * @default - 4 × `intervalMinutes`, at least 60
   */
  readonly timeoutMinutes?: number;
  /**
   * SNS topic that a failed or timed-out run is published to (systemd `OnFailure=`). The host's
   * role must be allowed to publish there: `EfsMonitoring.grantPublish(role)` does that for its topic.
   * @default - none: failures are only in the journal, and in the BackupSucceeded metric
   */
  readonly alarmTopicArn?: string;
  /**
   * Sets `lifecycle.prevent_destroy` on the volume.
   * @default true
   */
  readonly preventDestroy?: boolean;
  /**
   * Name tag of the volume.
   * @default "shared-home-backup"
   */
  readonly name?: string;
  /**
   * Tags on the volume.
   * @default - none beyond the provider's default tags
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** An IAM role that can be given the snapshot permissions. */
export type SnapshotRole = Pick<IamRole, "id" | "node">;

/** The instance that runs the backup script. */
export interface BackupHost {
  readonly instanceId: string;
  /** Must be the volume's AZ. */
  readonly availabilityZone: string;
  /** The instance profile's role; it gets the snapshot permissions. */
  readonly role: SnapshotRole;
}

/**
 * The book's EBS-snapshot backup, made safe: an encrypted gp3 volume on a backup host, a script
 * run by a systemd timer that copies the shared home to the volume and snapshots it, retention by
 * tag, and an IAM policy scoped to this volume and its snapshots.
 *
 * DEVIATION from the book (`template-with-backup`): gp3 and encrypted instead of plain gp2; a lock,
 * an rsync status check and an always-unfreezing trap around the snapshot; snapshots are deleted
 * beyond `keepLast`/`keepDays` instead of piling up; no `ec2:CreateSnapshot` on `*`.
 *
 * Wiring, without a dependency cycle: the volume comes first; the host's user data runs
 * `hostSetupScript` (which names the volume); then `attachTo(host)` attaches the volume and grants
 * the host's role the snapshot permissions.
 */
export class EbsSnapshotBackup extends Construct {
  readonly volume: EbsVolume;
  readonly volumeId: string;
  readonly volumeArn: string;
  readonly availabilityZone: string;
  readonly deviceName: string;
  /**
   * Shell fragment for the backup host's user data: installs the script, its settings and the timer.
   * A Terraform expression (it names the volume); literal text in it is base64-encoded, so it is
   * safe anywhere Terraform takes a string, alone or inside another expression.
   */
  readonly hostSetupScript: string;
  /** The attachment, once `attachTo` has run. */
  attachment?: VolumeAttachment;
  /** The metrics the script puts, for `EfsMonitoring.addEbsSnapshotBackupAlarms`. */
  readonly metrics: EbsSnapshotBackupMetrics;

  constructor(scope: Construct, id: string, props: EbsSnapshotBackupProps) {
    super(scope, id);
    validateEbsSnapshotBackupProps(this.node.path, props);

    const name = props.name ?? EBS_SNAPSHOT_DEFAULTS.name;
    this.availabilityZone = props.availabilityZone;
    this.deviceName = props.deviceName ?? EBS_SNAPSHOT_DEFAULTS.deviceName;

    this.volume = new EbsVolume(this, "volume", {
      availabilityZone: props.availabilityZone,
      type: "gp3",
      size: props.volumeSizeGiB ?? EBS_SNAPSHOT_DEFAULTS.volumeSizeGiB,
      encrypted: true,
      kmsKeyId: props.kmsKeyArn,
      // A last snapshot on destroy, so removing the stack never silently drops the backup copy.
      finalSnapshot: true,
      tags: { ...props.tags, Name: name },
      lifecycle: { preventDestroy: props.preventDestroy ?? true },
    });
    this.volumeId = this.volume.id;
    this.volumeArn = this.volume.arn;

    const intervalMinutes = props.intervalMinutes ?? EBS_SNAPSHOT_DEFAULTS.intervalMinutes;
    this.metrics = {
      namespace: BACKUP_METRICS.namespace,
      dimensions: { [BACKUP_METRICS.dimension]: this.volume.id },
      succeededMetricName: BACKUP_METRICS.succeeded,
      volumeUsedPercentMetricName: BACKUP_METRICS.volumeUsedPercent,
      intervalMinutes,
    };
    this.hostSetupScript = terraformText(
      hostSetupParts({
        intervalMinutes,
        timeoutMinutes: props.timeoutMinutes ?? defaultTimeoutMinutes(intervalMinutes),
        environment: {
          // The AWS CLI does not reliably take the Region from instance metadata; say it.
          AWS_DEFAULT_REGION: regionOfArn(this.volume.arn),
          BACKUP_VOLUME_ID: this.volume.id,
          BACKUP_KEEP_LAST: String(props.keepLast ?? EBS_SNAPSHOT_DEFAULTS.keepLast),
          BACKUP_KEEP_DAYS: String(props.keepDays ?? EBS_SNAPSHOT_DEFAULTS.keepDays),
          BACKUP_MAX_DELETE_PERCENT: String(props.maxDeletePercent ?? EBS_SNAPSHOT_DEFAULTS.maxDeletePercent),
          BACKUP_TAG_KEY: SNAPSHOT_TAG_KEY,
          BACKUP_SOURCE: props.sourcePath ?? DEFAULT_SOURCE_PATH,
          BACKUP_MOUNT_POINT: props.mountPath ?? DEFAULT_MOUNT_PATH,
          BACKUP_DEVICE_NAME: this.deviceName,
          BACKUP_METRIC_NAMESPACE: BACKUP_METRICS.namespace,
          BACKUP_ALARM_TOPIC_ARN: props.alarmTopicArn ?? "",
        },
      }),
    );
  }

  /** Attaches the volume to `host` and grants the host's role the snapshot permissions. Call once. */
  attachTo(host: BackupHost): VolumeAttachment {
    const errors = new ValidationErrors(`${this.node.path}.attachTo`);
    errors.check(this.attachment === undefined, "host", "the volume is already attached; call attachTo once");
    if (isKnown(host.availabilityZone) && isKnown(this.availabilityZone)) {
      errors.check(
        host.availabilityZone === this.availabilityZone,
        "host.availabilityZone",
        `${show(host.availabilityZone)} differs from the volume's AZ ${show(this.availabilityZone)}; EBS attaches only within one AZ`,
      );
    }
    errors.throwIfAny();

    this.attachment = new VolumeAttachment(this, "attachment", {
      volumeId: this.volume.id,
      instanceId: host.instanceId,
      deviceName: this.deviceName,
      // Detaching a mounted volume can corrupt it; stopping the instance first unmounts it cleanly.
      stopInstanceBeforeDetaching: true,
    });
    this.grantSnapshotPermissions(host.role);
    return this.attachment;
  }

  /**
   * Lets `role` snapshot this volume, tag those snapshots while creating them, delete snapshots
   * carrying this volume's backup tag, list snapshots (Describe calls take no resource ARN), and put
   * metrics in the backup namespace only. Publishing to the alarm topic is granted by its owner.
   */
  grantSnapshotPermissions(role: SnapshotRole): IamRolePolicy {
    return new IamRolePolicy(this, `snapshot-policy-${role.node.id}`, {
      role: role.id,
      name: `${this.node.id}-snapshots`,
      policy: jsonDocument(this.snapshotPolicyDocument()),
    });
  }

  private snapshotPolicyDocument() {
    const partition = partitionOfArn(this.volume.arn);
    const region = regionOfArn(this.volume.arn);
    // Snapshot ARNs have no account field (EC2 service authorization reference).
    const snapshots = `arn:${partition}:ec2:${region}::snapshot/*`;
    return {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "SnapshotTheBackupVolume",
          Effect: "Allow",
          Action: "ec2:CreateSnapshot",
          // CreateSnapshot is authorized against both the volume and the new snapshot.
          Resource: [this.volume.arn, snapshots],
        },
        {
          Sid: "TagSnapshotsWhileCreatingThem",
          Effect: "Allow",
          Action: "ec2:CreateTags",
          Resource: snapshots,
          Condition: { StringEquals: { "ec2:CreateAction": "CreateSnapshot" } },
        },
        {
          Sid: "DeleteOnlyThisVolumesBackupSnapshots",
          Effect: "Allow",
          Action: "ec2:DeleteSnapshot",
          Resource: snapshots,
          Condition: { StringEquals: { [`aws:ResourceTag/${SNAPSHOT_TAG_KEY}`]: this.volume.id } },
        },
        {
          Sid: "ListSnapshots",
          Effect: "Allow",
          Action: "ec2:DescribeSnapshots",
          Resource: "*",
        },
        {
          Sid: "PutBackupMetrics",
          Effect: "Allow",
          // PutMetricData takes no resource ARN; the namespace condition is its only scope.
          Action: "cloudwatch:PutMetricData",
          Resource: "*",
          Condition: { StringEquals: { "cloudwatch:namespace": BACKUP_METRICS.namespace } },
        },
      ],
    };
  }
}
