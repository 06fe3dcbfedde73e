/**
 * The permissions boundary of every role the stacks create (`iam.permissionsBoundaryArn`): the most
 * any of those roles may ever do, whatever policy is put on it. It allows the actions of every
 * inline policy the stacks write, for every feature the settings allow, and the part of AWS Backup's
 * managed service-role policies that backs up and restores EFS. Nothing in IAM, STS or Organizations:
 * a role the deployer creates cannot be used to climb. `docs/permissions-boundary.json` is this output.
 */
import { Testing } from "cdktf";
import { EfsWithBackupStack } from "../../stacks/efs-with-backup-stack";
import { SettingsSchema } from "../../settings/schema";
import { toStackProps } from "../../settings/stack-props";
import { FEATURE_SETTINGS } from "./features";

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

/** The boundary document. */
export function permissionsBoundary(): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "WhatTheStacksRolesDo",
        Effect: "Allow",
        Action: inlineRolePolicyActions(),
        Resource: "*",
      },
      { Sid: "AwsBackupOfEfs", Effect: "Allow", Action: AWS_BACKUP_EFS_ACTIONS, Resource: "*" },
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

export function permissionsBoundaryText(): string {
  return `${JSON.stringify(permissionsBoundary(), null, 2)}\n`;
}
