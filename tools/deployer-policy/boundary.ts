/**
 * The permissions boundary of every role the stacks create (`iam.permissionsBoundaryArn`): the most
 * any of those roles may ever do, whatever policy the deployer puts on it. It allows the actions of
 * every inline policy the stacks write, for every feature the settings allow, each on what the
 * stacks own or name (file systems by the ownership tag, snapshots by the backup tag, the code
 * bucket by name, keys only through S3), and the part of AWS Backup's managed service-role policies
 * that backs up and restores EFS. Nothing in IAM, STS or Organizations: a role the deployer creates
 * cannot be used to climb. `docs/permissions-boundary.json` is this output, with `CODE_BUCKET` for
 * the platform team to replace.
 */
import { Testing } from "cdktf";
import { EfsWithBackupStack } from "../../stacks/efs-with-backup-stack";
import { SettingsSchema } from "../../settings/schema";
import { toStackProps } from "../../settings/stack-props";
import { FEATURE_SETTINGS } from "./features";
import { OWNERSHIP_TAG } from "../../stacks/ownership";
import { SNAPSHOT_TAG_KEY } from "../../modules/backup/ebs-snapshot-backup";

export const BOUNDARY_FILE = "docs/permissions-boundary.json";

/**
 * What AWS Backup's role needs from the AWS-managed AWSBackupServiceRolePolicyForBackup and
 * ...ForRestores for an EFS file system (AWS Managed Policy Reference, the EFS, Backup and KMS
 * statements of both). A boundary only intersects: the managed policies still decide the rest.
 */
export const AWS_BACKUP_EFS_ACTIONS = [
  "backup:CopyFromBackupVault",
  "backup:CopyIntoBackupVault",
  "backup:DescribeBackupVault",
  "elasticfilesystem:Backup",
  "elasticfilesystem:CreateFileSystem",
  "elasticfilesystem:DeleteFileSystem",
  "elasticfilesystem:DescribeFileSystems",
  "elasticfilesystem:DescribeTags",
  "elasticfilesystem:ListTagsForResource",
  "elasticfilesystem:Restore",
  "elasticfilesystem:TagResource",
  "tag:GetResources",
];

/** AWS Backup's key use for encrypted file systems and vaults, only through those services. */
export const AWS_BACKUP_KMS_ACTIONS = [
  "kms:CreateGrant",
  "kms:Decrypt",
  "kms:DescribeKey",
  "kms:Encrypt",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext",
  "kms:ReEncryptFrom",
  "kms:ReEncryptTo",
  "kms:RetireGrant",
];

/** Every action of every `aws_iam_role_policy` the stacks synthesize for every feature, sorted. */
export function inlineRolePolicyActions(): string[] {
  const actions = new Set<string>();
  for (const raw of Object.values(FEATURE_SETTINGS)) {
    const app = Testing.app();
    const stack = new EfsWithBackupStack(app, "efs-with-backup", toStackProps(SettingsSchema.parse(raw)));
    stack.prepareStack();
    const policies = JSON.parse(Testing.synth(stack)).resource?.aws_iam_role_policy ?? {};
    for (const { policy } of Object.values(policies) as { policy: string }[]) {
      // References (`${aws_ebs_volume.x.arn}`) may hold unescaped quotes; the actions never do.
      const document = JSON.parse(policy.replace(/\$\{[^}]*\}/g, "REF"));
      for (const statement of [document.Statement].flat()) {
        if (statement.Effect === "Allow") for (const action of [statement.Action].flat()) actions.add(action);
      }
    }
  }
  return [...actions].sort();
}

/** Where the code sync reads from; the platform team puts `clients.codeSync.bucketName` here. */
export const CODE_BUCKET_PLACEHOLDER = "CODE_BUCKET";

/**
 * The actions of the stacks' inline policies that reach only resources the stacks own or name,
 * each with the scope the boundary gives it. An action the stacks start to use that is in none of
 * these fails a test until it is placed.
 */
export const SCOPED_ROLE_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  // The clients' and backup host's mounts: only file systems that carry the ownership tag.
  OurFileSystemsOnly: [
    "elasticfilesystem:ClientMount",
    "elasticfilesystem:ClientRootAccess",
    "elasticfilesystem:ClientWrite",
  ],
  // The backup host snapshots its volume and deletes only snapshots carrying the backup tag.
  BackupSnapshotsOnly: ["ec2:DeleteSnapshot"],
  SnapshotsOfOurVolumes: ["ec2:CreateSnapshot"],
  TagSnapshotsWhileCreatingThem: ["ec2:CreateTags"],
  // Code sync: the code bucket only, and its key only through S3.
  CodeBucketOnly: ["s3:GetObject", "s3:ListBucket"],
  // Flow logs: only the flow-log groups.
  FlowLogGroupsOnly: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
  KeysOnlyThroughServices: ["kms:Decrypt"],
};

/** The boundary document. */
export function permissionsBoundary(codeBucket = CODE_BUCKET_PLACEHOLDER): object {
  const scoped = new Set(Object.values(SCOPED_ROLE_ACTIONS).flat());
  const unscoped = inlineRolePolicyActions().filter((action) => !scoped.has(action));
  const ownedTag = { [`aws:ResourceTag/${OWNERSHIP_TAG.key}`]: OWNERSHIP_TAG.value };
  const allow = (Sid: string, Resource: string | string[], Condition?: object) => ({
    Sid,
    Effect: "Allow",
    Action: [...SCOPED_ROLE_ACTIONS[Sid]],
    Resource,
    ...(Condition ? { Condition } : {}),
  });
  return {
    Version: "2012-10-17",
    Statement: [
      // SSM Agent, metrics in our namespace (the role's own policy keeps the condition), alarms.
      { Sid: "AgentMetricsAndAlarms", Effect: "Allow", Action: unscoped, Resource: "*" },
      allow("OurFileSystemsOnly", "*", { StringEquals: ownedTag }),
      allow("BackupSnapshotsOnly", "arn:aws:ec2:*::snapshot/*", {
        Null: { [`aws:ResourceTag/${SNAPSHOT_TAG_KEY}`]: "false" },
      }),
      // CreateSnapshot is authorized on the new snapshot and on the volume: only our volumes.
      allow("SnapshotsOfOurVolumes", "arn:aws:ec2:*:*:volume/*", { StringEquals: ownedTag }),
      { ...allow("SnapshotsOfOurVolumes", "arn:aws:ec2:*::snapshot/*"), Sid: "NewSnapshots" },
      allow("TagSnapshotsWhileCreatingThem", "arn:aws:ec2:*::snapshot/*", {
        StringEquals: { "ec2:CreateAction": "CreateSnapshot" },
      }),
      allow("CodeBucketOnly", [`arn:aws:s3:::${codeBucket}`, `arn:aws:s3:::${codeBucket}/*`]),
      allow("FlowLogGroupsOnly", "arn:aws:logs:*:*:log-group:/vpc-flow-logs/*"),
      allow("KeysOnlyThroughServices", "*", { StringLike: { "kms:ViaService": "s3.*.amazonaws.com" } }),
      {
        Sid: "AwsBackupOfOurFileSystems",
        Effect: "Allow",
        Action: AWS_BACKUP_EFS_ACTIONS.filter((a) => OWNED_ONLY_BACKUP_ACTIONS.includes(a)),
        Resource: "*",
        Condition: { StringEquals: ownedTag },
      },
      {
        Sid: "AwsBackupRestores",
        Effect: "Allow",
        Action: AWS_BACKUP_EFS_ACTIONS.filter((a) => !OWNED_ONLY_BACKUP_ACTIONS.includes(a)),
        Resource: "*",
      },
      // The deployer may change only what carries the ownership tag; a role it creates must not put
      // that tag on something that lacks it (AWS Backup's TagResource above reaches any file
      // system), or the deployer could then delete or re-police it. Tags set while creating a
      // resource (a restore, a snapshot) are not affected.
      {
        Sid: "NoAdoptionByOwnershipTag",
        Effect: "Deny",
        Action: ["elasticfilesystem:TagResource", "ec2:CreateTags"],
        Resource: "*",
        Condition: {
          "ForAnyValue:StringEquals": { "aws:TagKeys": [OWNERSHIP_TAG.key] },
          Null: {
            [`aws:ResourceTag/${OWNERSHIP_TAG.key}`]: "true",
            "elasticfilesystem:CreateAction": "true",
            "ec2:CreateAction": "true",
          },
        },
      },
      {
        Sid: "KeysOnlyThroughBackupAndEfs",
        Effect: "Allow",
        Action: AWS_BACKUP_KMS_ACTIONS,
        Resource: "*",
        Condition: {
          StringLike: { "kms:ViaService": ["backup.*.amazonaws.com", "elasticfilesystem.*.amazonaws.com"] },
        },
      },
    ],
  };
}

/** AWS Backup's calls on an existing file system: ours only. A restore makes a new one. */
const OWNED_ONLY_BACKUP_ACTIONS = ["elasticfilesystem:Backup", "elasticfilesystem:DeleteFileSystem"];

export function permissionsBoundaryText(): string {
  return `${JSON.stringify(permissionsBoundary(), null, 2)}\n`;
}
