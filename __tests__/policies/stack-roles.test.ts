import { Testing } from "cdktf";
import { EfsWithBackupStack } from "../../stacks/efs-with-backup-stack";
import { TEST_STACK_PROPS } from "../helpers/app";
import {
  fakeValueOf,
  intentMismatches,
  OTHER_ACCOUNT,
  resolveReferences,
  TEST_ACCOUNT,
  type IntentRow,
  type PolicyDocument,
} from "../helpers/iam-simulator";
import { configsOf, onlyResource, parsePolicy, resourcesOf, synth } from "../helpers/synth";

// The efs-with-backup stack's roles, topic and key, decided: each table says what a role, the alarm
// topic's policy and its key's policy must allow and refuse (#19).

const json = synth(
  new EfsWithBackupStack(Testing.app(), "efs-with-backup", {
    ...TEST_STACK_PROPS,
    clients: { codeSync: { bucketName: "partner-code", prefix: "web" } },
  }),
);
const resolved = (document: string) =>
  resolveReferences(parsePolicy(document), fakeValueOf) as PolicyDocument;
const nameOf = (type: string, prefix: string) => {
  const names = Object.keys(resourcesOf(json, type)).filter((n) => n.startsWith(prefix));
  if (names.length !== 1) throw new Error(`expected one ${type} ${prefix}*, found ${names.length}`);
  return names[0];
};
const arnOf = (type: string, prefix: string) => fakeValueOf(`${type}.${nameOf(type, prefix)}.arn`)!;
const inlinePoliciesOf = (rolePrefix: string) => {
  const role = nameOf("aws_iam_role", rolePrefix);
  return configsOf(json, "aws_iam_role_policy")
    .filter((p) => p.role === `\${aws_iam_role.${role}.id}`)
    .map((p) => resolved(p.policy));
};
const trustPolicyOf = (rolePrefix: string) =>
  resolved(resourcesOf(json, "aws_iam_role")[nameOf("aws_iam_role", rolePrefix)].assume_role_policy);

test("the clients' role: root on the share, Session Manager, the code prefix read-only; no SecureStrings, no other bucket", async () => {
  const principal = arnOf("aws_iam_role", "clients_clients-role");
  const fileSystem = arnOf("aws_efs_file_system", "shared-file-system");
  const mount = { "aws:SecureTransport": "true", "elasticfilesystem:AccessedViaMountTarget": "true" };
  const rows: IntentRow[] = [
    {
      why: "mounts as root (seeding)",
      principal,
      resource: fileSystem,
      action: "elasticfilesystem:ClientRootAccess",
      context: mount,
      expected: "Allowed",
    },
    {
      why: "registers with SSM",
      principal,
      resource: "*",
      action: "ssm:UpdateInstanceInformation",
      expected: "Allowed",
    },
    {
      why: "reads no parameter",
      principal,
      resource: `arn:aws:ssm:eu-west-1:${TEST_ACCOUNT}:parameter/db/password`,
      action: "ssm:GetParameter",
      expected: "ImplicitlyDenied",
    },
    {
      why: "reads the code prefix",
      principal,
      resource: "arn:aws:s3:::partner-code/web/release.tgz",
      resourceAccount: TEST_ACCOUNT,
      action: "s3:GetObject",
      context: { "s3:ResourceAccount": TEST_ACCOUNT },
      expected: "Allowed",
    },
    {
      why: "not from a bucket of that name that another account now owns",
      principal,
      resource: "arn:aws:s3:::partner-code/web/release.tgz",
      resourceAccount: "444455556666",
      action: "s3:GetObject",
      context: { "s3:ResourceAccount": "444455556666" },
      expected: "ImplicitlyDenied",
    },
    {
      why: "not the rest of the bucket",
      principal,
      resource: "arn:aws:s3:::partner-code/secrets/x",
      resourceAccount: TEST_ACCOUNT,
      action: "s3:GetObject",
      expected: "ImplicitlyDenied",
    },
    {
      why: "lists only the prefix",
      principal,
      resource: "arn:aws:s3:::partner-code",
      resourceAccount: TEST_ACCOUNT,
      action: "s3:ListBucket",
      context: { "s3:prefix": "secrets/" },
      expected: "ImplicitlyDenied",
    },
    {
      why: "lists the prefix",
      principal,
      resource: "arn:aws:s3:::partner-code",
      resourceAccount: TEST_ACCOUNT,
      action: "s3:ListBucket",
      context: { "s3:prefix": "web/releases/", "s3:ResourceAccount": TEST_ACCOUNT },
      expected: "Allowed",
    },
    {
      why: "writes no code",
      principal,
      resource: "arn:aws:s3:::partner-code/web/x",
      resourceAccount: TEST_ACCOUNT,
      action: "s3:PutObject",
      expected: "ImplicitlyDenied",
    },
  ];
  // Escalation paths (ATTACK.md), none of which a host needs.
  for (const [action, resource] of [
    ["iam:PutRolePolicy", principal],
    ["iam:AttachRolePolicy", principal],
    ["iam:PassRole", `arn:aws:iam::${TEST_ACCOUNT}:role/admin`],
    ["ssm:SendCommand", `arn:aws:ssm:eu-west-1:${TEST_ACCOUNT}:document/AWS-RunShellScript`],
    ["kms:Decrypt", `arn:aws:kms:eu-west-1:${TEST_ACCOUNT}:key/0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d`],
    ["elasticfilesystem:PutFileSystemPolicy", fileSystem],
  ]) {
    rows.push({ why: `no ${action}`, principal, resource, action, expected: "ImplicitlyDenied" });
  }
  const fileSystemPolicy = resolved(onlyResource(json, "aws_efs_file_system_policy").policy);
  expect(
    await intentMismatches(
      { identityPolicies: inlinePoliciesOf("clients_clients-role"), resourcePolicy: fileSystemPolicy },
      rows,
    ),
  ).toEqual([]);
});

test("the flow-log role: assumed by VPC Flow Logs for our account only, writes only its log group", async () => {
  const role = arnOf("aws_iam_role", "network_flow-log-role");
  const logGroup = arnOf("aws_cloudwatch_log_group", "network_flow-log-group");
  const service = "vpc-flow-logs.amazonaws.com";
  const trust: IntentRow[] = [
    {
      why: "VPC Flow Logs, for our account",
      principal: service,
      resource: role,
      action: "sts:AssumeRole",
      context: { "aws:SourceAccount": TEST_ACCOUNT },
      expected: "Allowed",
    },
    {
      why: "not for another account (confused deputy)",
      principal: service,
      resource: role,
      action: "sts:AssumeRole",
      context: { "aws:SourceAccount": OTHER_ACCOUNT },
      expected: "ImplicitlyDenied",
    },
    {
      why: "no other service",
      principal: "ec2.amazonaws.com",
      resource: role,
      action: "sts:AssumeRole",
      context: { "aws:SourceAccount": TEST_ACCOUNT },
      expected: "ImplicitlyDenied",
    },
  ];
  expect(await intentMismatches({ resourcePolicy: trustPolicyOf("network_flow-log-role") }, trust)).toEqual(
    [],
  );
  const writes: IntentRow[] = [
    {
      why: "writes its log group",
      principal: role,
      resource: `${logGroup}:log-stream:eni-1`,
      action: "logs:PutLogEvents",
      expected: "Allowed",
    },
    {
      why: "no other log group",
      principal: role,
      resource: `arn:aws:logs:eu-west-1:${TEST_ACCOUNT}:log-group:other:log-stream:x`,
      action: "logs:PutLogEvents",
      expected: "ImplicitlyDenied",
    },
    {
      why: "deletes nothing",
      principal: role,
      resource: logGroup,
      action: "logs:DeleteLogGroup",
      expected: "ImplicitlyDenied",
    },
  ];
  expect(
    await intentMismatches({ identityPolicies: inlinePoliciesOf("network_flow-log-role") }, writes),
  ).toEqual([]);
});

test("the AWS Backup role is assumed by AWS Backup only", async () => {
  const role = arnOf("aws_iam_role", "aws-backup_role");
  const rows: IntentRow[] = [
    {
      why: "AWS Backup",
      principal: "backup.amazonaws.com",
      resource: role,
      action: "sts:AssumeRole",
      expected: "Allowed",
    },
    {
      why: "no other service",
      principal: "ec2.amazonaws.com",
      resource: role,
      action: "sts:AssumeRole",
      expected: "ImplicitlyDenied",
    },
    {
      why: "no other account's role",
      principal: `arn:aws:iam::${OTHER_ACCOUNT}:role/x`,
      resource: role,
      action: "sts:AssumeRole",
      expected: "ImplicitlyDenied",
    },
  ];
  expect(await intentMismatches({ resourcePolicy: trustPolicyOf("aws-backup_role") }, rows)).toEqual([]);
});

test("the alarm topic: our alarms, our vault and the backup host publish; nothing of another account", async () => {
  const topic = arnOf("aws_sns_topic", "monitoring_alarm-topic");
  const vault = arnOf("aws_backup_vault", "aws-backup_vault");
  const alarm = `arn:aws:cloudwatch:eu-west-1:${TEST_ACCOUNT}:alarm:backup-missing`;
  const rows: IntentRow[] = [
    {
      why: "our alarms",
      principal: "cloudwatch.amazonaws.com",
      resource: topic,
      action: "sns:Publish",
      context: { "aws:SourceAccount": TEST_ACCOUNT, "aws:SourceArn": alarm },
      expected: "Allowed",
    },
    {
      why: "not another account's alarms",
      principal: "cloudwatch.amazonaws.com",
      resource: topic,
      action: "sns:Publish",
      context: {
        "aws:SourceAccount": OTHER_ACCOUNT,
        "aws:SourceArn": `arn:aws:cloudwatch:eu-west-1:${OTHER_ACCOUNT}:alarm:x`,
      },
      expected: "ImplicitlyDenied",
    },
    {
      why: "our vault's notifications",
      principal: "backup.amazonaws.com",
      resource: topic,
      action: "sns:Publish",
      context: { "aws:SourceAccount": TEST_ACCOUNT, "aws:SourceArn": vault },
      expected: "Allowed",
    },
    {
      why: "not another vault's",
      principal: "backup.amazonaws.com",
      resource: topic,
      action: "sns:Publish",
      context: { "aws:SourceAccount": TEST_ACCOUNT, "aws:SourceArn": `${vault}-other` },
      expected: "ImplicitlyDenied",
    },
    {
      why: "nobody reconfigures the topic through its policy",
      principal: `arn:aws:iam::${OTHER_ACCOUNT}:root`,
      identityPolicies: [
        { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sns:*", Resource: "*" }] },
      ],
      resource: topic,
      action: "sns:SetTopicAttributes",
      expected: "ImplicitlyDenied",
    },
  ];
  const topicPolicy = resolved(onlyResource(json, "aws_sns_topic_policy").policy);
  expect(await intentMismatches({ resourcePolicy: topicPolicy }, rows)).toEqual([]);
});

test("the topic's key: the backup host decrypts only through SNS; no other account uses it", async () => {
  const key = arnOf("aws_kms_key", "monitoring_alarm-topic-key");
  const host = arnOf("aws_iam_role", "backup-host_backup-host-role");
  const rows: IntentRow[] = [
    {
      why: "the host publishes through SNS",
      principal: host,
      resource: key,
      action: "kms:GenerateDataKey",
      context: { "kms:ViaService": "sns.eu-west-1.amazonaws.com" },
      expected: "Allowed",
    },
    {
      why: "not directly",
      principal: host,
      resource: key,
      action: "kms:Decrypt",
      context: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" },
      expected: "ImplicitlyDenied",
    },
    {
      why: "the host cannot manage the key",
      principal: host,
      resource: key,
      action: "kms:ScheduleKeyDeletion",
      expected: "ImplicitlyDenied",
    },
    {
      why: "another account cannot decrypt",
      principal: `arn:aws:iam::${OTHER_ACCOUNT}:role/x`,
      identityPolicies: [
        { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }] },
      ],
      resource: key,
      action: "kms:Decrypt",
      expected: "ImplicitlyDenied",
    },
  ];
  const keyPolicy = resolved(onlyResource(json, "aws_kms_key_policy").policy);
  expect(await intentMismatches({ resourcePolicy: keyPolicy }, rows)).toEqual([]);
});
