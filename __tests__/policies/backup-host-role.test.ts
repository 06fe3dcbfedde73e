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
  expect(await intentMismatches({ identityPolicies, resourcePolicy: undefined }, rows.slice(3))).toEqual([]);
  expect(
    await intentMismatches({ identityPolicies, resourcePolicy: fileSystemPolicy }, rows.slice(0, 3)),
  ).toEqual([]);
});
