import { Testing } from "cdktf";
import { EfsWithBackupStack } from "../../stacks/efs-with-backup-stack";
import { TEST_STACK_PROPS } from "../helpers/app";
import { fakeValueOf, intentMismatches, resolveReferences, type IntentRow } from "../helpers/iam-simulator";
import { configsOf, onlyResource, parsePolicy, resourcesOf, synth } from "../helpers/synth";

// The backup host's role with the file-system policy, as the efs-with-backup stack writes them (#19).

test("the backup host reads the share as root, cannot write it, and publishes only to the alarm topic", async () => {
  const json = synth(new EfsWithBackupStack(Testing.app(), "efs-with-backup", TEST_STACK_PROPS));
  const [roleName] = Object.keys(resourcesOf(json, "aws_iam_role")).filter((n) =>
    n.startsWith("backup-host_"),
  );
  const identityPolicies = configsOf(json, "aws_iam_role_policy")
    .filter((p) => p.role === `\${aws_iam_role.${roleName}.id}`)
    .map((p) => resolveReferences(parsePolicy(p.policy), fakeValueOf));
  const fileSystemPolicy = resolveReferences(
    parsePolicy(onlyResource(json, "aws_efs_file_system_policy").policy),
    fakeValueOf,
  );
  const [fsName] = Object.keys(resourcesOf(json, "aws_efs_file_system"));
  const [topicName] = Object.keys(resourcesOf(json, "aws_sns_topic"));
  const fileSystem = fakeValueOf(`aws_efs_file_system.${fsName}.arn`)!;
  const principal = fakeValueOf(`aws_iam_role.${roleName}.arn`)!;
  const mount = { "aws:SecureTransport": "true", "elasticfilesystem:AccessedViaMountTarget": "true" };
  const rows: IntentRow[] = [
    {
      why: "mounts",
      principal,
      resource: fileSystem,
      action: "elasticfilesystem:ClientMount",
      context: mount,
      expected: "Allowed",
    },
    {
      why: "as root",
      principal,
      resource: fileSystem,
      action: "elasticfilesystem:ClientRootAccess",
      context: mount,
      expected: "Allowed",
    },
    {
      why: "and cannot write",
      principal,
      resource: fileSystem,
      action: "elasticfilesystem:ClientWrite",
      context: mount,
      expected: "ImplicitlyDenied",
    },
    {
      why: "publishes failures",
      principal,
      resource: fakeValueOf(`aws_sns_topic.${topicName}.arn`)!,
      action: "sns:Publish",
      expected: "Allowed",
    },
    {
      why: "to no other topic",
      principal,
      resource: "arn:aws:sns:eu-west-1:111122223333:other",
      action: "sns:Publish",
      expected: "ImplicitlyDenied",
    },
  ];
  // Escalation paths (docs: ATTACK.md): nothing of IAM, no other volume, no snapshot it did not tag.
  const [volumeName] = Object.keys(resourcesOf(json, "aws_ebs_volume"));
  const snapshots = "arn:aws:ec2:eu-west-1::snapshot/snap-0123456789abcdef0";
  rows.push(
    {
      why: "writes no role policy",
      principal,
      resource: principal,
      action: "iam:PutRolePolicy",
      expected: "ImplicitlyDenied",
    },
    {
      why: "passes no role",
      principal,
      resource: "arn:aws:iam::111122223333:role/admin",
      action: "iam:PassRole",
      expected: "ImplicitlyDenied",
    },
    {
      why: "snapshots its volume",
      principal,
      resource: fakeValueOf(`aws_ebs_volume.${volumeName}.arn`)!,
      action: "ec2:CreateSnapshot",
      expected: "Allowed",
    },
    {
      why: "no other volume",
      principal,
      resource: "arn:aws:ec2:eu-west-1:111122223333:volume/vol-0aaaaaaaaaaaaaaaa",
      action: "ec2:CreateSnapshot",
      expected: "ImplicitlyDenied",
    },
    {
      why: "deletes its own tagged snapshots",
      principal,
      resource: snapshots,
      action: "ec2:DeleteSnapshot",
      resourceAccount: "111122223333",
      context: {
        "aws:ResourceTag/backup-shared-home:volume": fakeValueOf(`aws_ebs_volume.${volumeName}.id`)!,
      },
      expected: "Allowed",
    },
    {
      why: "not another volume's snapshots",
      principal,
      resource: snapshots,
      action: "ec2:DeleteSnapshot",
      resourceAccount: "111122223333",
      context: { "aws:ResourceTag/backup-shared-home:volume": "vol-0bbbbbbbbbbbbbbbb" },
      expected: "ImplicitlyDenied",
    },
    {
      why: "no KMS key deletion",
      principal,
      resource: "arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d",
      action: "kms:ScheduleKeyDeletion",
      expected: "ImplicitlyDenied",
    },
    {
      why: "no SecureString",
      principal,
      resource: "arn:aws:ssm:eu-west-1:111122223333:parameter/db/password",
      action: "ssm:GetParameters",
      expected: "ImplicitlyDenied",
    },
  );
  expect(await intentMismatches({ identityPolicies, resourcePolicy: undefined }, rows.slice(3))).toEqual([]);
  expect(
    await intentMismatches({ identityPolicies, resourcePolicy: fileSystemPolicy }, rows.slice(0, 3)),
  ).toEqual([]);
});
