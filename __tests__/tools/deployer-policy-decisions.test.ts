/**
 * The deployer policy, decided by the IAM policy simulator: every call a deploy of every feature
 * makes is allowed on our resources, and the escalation paths of issue #19 are denied.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decide, intentMismatches, type IntentRow } from "../helpers/iam-simulator";
import { resourceTypesOf, takesConditionKey } from "../helpers/iam-dataset";
import {
  actionsFor,
  BOUNDARY_POLICY_NAME,
  everyFeatureResourceTypes,
  POLICY_DIR,
} from "../../tools/deployer-policy/index";
import { OWNERSHIP_TAG, STACK_IAM_PATH } from "../../stacks/ownership";

const ROOT = join(__dirname, "..", "..");
const ACCOUNT = "111122223333";
const REGION = "eu-west-1";
const DEPLOYER = `arn:aws:iam::${ACCOUNT}:role/deployer`;
const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/${BOUNDARY_POLICY_NAME}`;
const OUR_ROLE = `arn:aws:iam::${ACCOUNT}:role${STACK_IAM_PATH}efs-client-20260101`;
const ADMIN_ROLE = `arn:aws:iam::${ACCOUNT}:role/Admin`;
const OWNED = { [`aws:ResourceTag/${OWNERSHIP_TAG.key}`]: OWNERSHIP_TAG.value };
const REQUESTED = { [`aws:RequestTag/${OWNERSHIP_TAG.key}`]: OWNERSHIP_TAG.value };
const FOREIGN_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/foreign`;
const OUR_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/ours`;
const STATE_BUCKET = "STATE_BUCKET";

// The committed files, as a platform team attaches them: what is evaluated is what ships.
const identityPolicies = ["create", "write-tagged", "iam-and-state"].map((part) =>
  JSON.parse(readFileSync(join(ROOT, POLICY_DIR, `${part}.json`), "utf8")),
);

/** Context a real deploy sends, offered to each action only where the action takes the key. */
const DEPLOY_CONTEXT: Record<string, string> = {
  "aws:PrincipalAccount": ACCOUNT,
  ...OWNED,
  ...REQUESTED,
  "iam:PermissionsBoundary": BOUNDARY,
  "iam:PassedToService": "ec2.amazonaws.com",
  "iam:PolicyARN": "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
  "kms:ViaService": `elasticfilesystem.${REGION}.amazonaws.com`,
  "ec2:CreateAction": "RunInstances",
};

/** For tagging calls that take many resource types: the types of ours they tag. */
const TAGGED_TYPES = [
  "document",
  "instance",
  "backupPlan",
  "alarm",
  "log-group",
  "topic",
  "key",
  "file-system",
];

/** Resource types no deploy of ours touches, which the dataset lists beside the ones it does. */
const NOT_OURS = /^(accesspoint|multiregionaccesspoint|objectlambdaaccesspoint|storagelensconfiguration)$/i;

/**
 * A key policy that leaves the decision to IAM, as AWS's default key policy does: without one, the
 * simulator (like KMS) allows nothing on a key.
 */
const KEY_POLICY_FOR_IAM = {
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
  ],
};

/** Names of ours for the ARN formats of the IAM dataset. */
function ourArn(format: string): string {
  return format
    .replace("${Partition}", "aws")
    .replace("${Region}", REGION)
    .replace("${Account}", ACCOUNT)
    .replace("${RoleNameWithPath}", `${STACK_IAM_PATH.slice(1)}efs-client-1`)
    .replace("${InstanceProfileNameWithPath}", `${STACK_IAM_PATH.slice(1)}efs-client-1`)
    .replace("${GroupFriendlyName}", "efs-client-1")
    .replace("${BucketName}", STATE_BUCKET)
    .replace("${TableName}", "LOCK_TABLE")
    .replace("${ParameterNameWithoutLeadingSlash}", "aws/service/ami-amazon-linux-latest/al2023")
    .replace(/\$\{[A-Za-z]+\}/g, "ours-1");
}

/**
 * The decision for a call of the deployer's, with `context` trimmed to the keys the simulator says
 * the action takes on that resource: the dataset lists keys per action and resource type, the
 * simulator knows which of them a given request really carries.
 */
async function decideOffering(action: string, resource: string, context: Record<string, string>) {
  const request = {
    identityPolicies,
    resourcePolicy: action.startsWith("kms:") ? KEY_POLICY_FOR_IAM : undefined,
    principal: DEPLOYER,
    action,
    resource,
    resourceAccount: ACCOUNT,
  };
  try {
    return await decide({ ...request, context });
  } catch (error) {
    (error as Error).message = `${action} on ${resource}: ${(error as Error).message}`;
    const ignored = /does not take the context key\(s\) (.*)$/.exec(String((error as Error).message));
    if (!ignored) throw error;
    const dropped = ignored[1].split(", ");
    const kept = Object.fromEntries(Object.entries(context).filter(([key]) => !dropped.includes(key)));
    return decide({ ...request, context: kept });
  }
}

test("every call a deploy of every feature makes is allowed on our resources", async () => {
  // GIVEN every action the stacks of every feature need, on each resource type the action requires
  const denied: string[] = [];
  for (const action of actionsFor(everyFeatureResourceTypes())) {
    // Each required resource type; else (every type optional, as for ec2:CreateTags) the first.
    const all = (await resourceTypesOf(action)).filter((type) => !NOT_OURS.test(type.name));
    const preferred = all.filter((type) => TAGGED_TYPES.includes(type.name));
    const types = all.some((type) => type.required)
      ? all.filter((type) => type.required)
      : preferred.length > 0
        ? preferred.slice(0, 1)
        : all.slice(0, 1);
    const resources = types.length > 0 ? types.map((type) => ourArn(type.arnFormat)) : ["*"];
    const context: Record<string, string> = {};
    for (const [key, value] of Object.entries(DEPLOY_CONTEXT)) {
      if (await takesConditionKey(action, key)) context[key] = value;
    }
    // ssm:GetParameters' public parameters have no account in their ARN.
    for (const resource of resources) {
      // WHEN the deployer makes the call with the tags, boundary and service a real deploy sends
      const decision = await decideOffering(action, resource, context).catch((error: Error) => error.message);
      // THEN it is allowed
      if (decision !== "Allowed")
        denied.push(`${action} on ${resource} ${JSON.stringify(context)}: ${decision}`);
    }
  }
  // The dataset's recovery-point ARN (arn:*:<any service>:...) matches every Backup ARN, so the
  // simulator cannot tell which resource type a tagging call on a vault or plan is about. These
  // three share WriteOurTaggedResources with the other Backup writes, which are decided above.
  const ambiguous = denied.filter((line) => line.includes("multiple.resource.types"));
  expect(ambiguous.map((line) => line.split(" ")[0])).toEqual([
    "backup:ListTags",
    "backup:TagResource",
    "backup:UntagResource",
  ]);
  expect(denied.filter((line) => !ambiguous.includes(line))).toEqual([]);
});

const ESCALATIONS: IntentRow[] = [
  {
    why: "an inline policy on an admin role",
    principal: DEPLOYER,
    action: "iam:PutRolePolicy",
    resource: ADMIN_ROLE,
    context: { "iam:PermissionsBoundary": BOUNDARY },
    expected: "ImplicitlyDenied",
  },
  {
    why: "an inline policy on the deployer itself",
    principal: DEPLOYER,
    action: "iam:PutRolePolicy",
    resource: DEPLOYER,
    expected: "ImplicitlyDenied",
  },
  {
    why: "an inline policy on a role of ours that lacks the boundary",
    principal: DEPLOYER,
    action: "iam:PutRolePolicy",
    resource: OUR_ROLE,
    expected: "ImplicitlyDenied",
  },
  {
    why: "AdministratorAccess attached to a role of ours",
    principal: DEPLOYER,
    action: "iam:AttachRolePolicy",
    resource: OUR_ROLE,
    context: {
      "iam:PermissionsBoundary": BOUNDARY,
      "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess",
    },
    expected: "ImplicitlyDenied",
  },
  {
    why: "AdministratorAccess attached to the deployer",
    principal: DEPLOYER,
    action: "iam:AttachRolePolicy",
    resource: DEPLOYER,
    context: { "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess" },
    expected: "ImplicitlyDenied",
  },
  {
    why: "an admin role made to trust the deployer",
    principal: DEPLOYER,
    action: "iam:UpdateAssumeRolePolicy",
    resource: ADMIN_ROLE,
    expected: "ImplicitlyDenied",
  },
  {
    why: "a role created without the boundary",
    principal: DEPLOYER,
    action: "iam:CreateRole",
    resource: OUR_ROLE,
    expected: "ImplicitlyDenied",
  },
  {
    why: "a role created with a boundary of its own choosing",
    principal: DEPLOYER,
    action: "iam:CreateRole",
    resource: OUR_ROLE,
    context: { "iam:PermissionsBoundary": "arn:aws:iam::aws:policy/AdministratorAccess" },
    expected: "ImplicitlyDenied",
  },
  {
    why: "the boundary removed from a role of ours",
    principal: DEPLOYER,
    action: "iam:DeleteRolePermissionsBoundary",
    resource: OUR_ROLE,
    context: { "iam:PermissionsBoundary": BOUNDARY },
    expected: "ExplicitlyDenied",
  },
  {
    why: "an admin role passed to an instance",
    principal: DEPLOYER,
    action: "iam:PassRole",
    resource: ADMIN_ROLE,
    context: { "iam:PassedToService": "ec2.amazonaws.com" },
    expected: "ImplicitlyDenied",
  },
  {
    why: "a role of ours passed to Lambda",
    principal: DEPLOYER,
    action: "iam:PassRole",
    resource: OUR_ROLE,
    context: { "iam:PassedToService": "lambda.amazonaws.com" },
    expected: "ImplicitlyDenied",
  },
  {
    why: "a direct Decrypt with a key that is not ours",
    principal: DEPLOYER,
    action: "kms:Decrypt",
    resource: FOREIGN_KEY,
    expected: "ImplicitlyDenied",
  },
  {
    why: "a direct Decrypt with a key of ours, outside the services",
    principal: DEPLOYER,
    action: "kms:Decrypt",
    resource: OUR_KEY,
    context: OWNED,
    expected: "ImplicitlyDenied",
  },
  {
    why: "a foreign key's policy replaced",
    principal: DEPLOYER,
    action: "kms:PutKeyPolicy",
    resource: FOREIGN_KEY,
    expected: "ImplicitlyDenied",
  },
  {
    why: "a foreign key scheduled for deletion",
    principal: DEPLOYER,
    action: "kms:ScheduleKeyDeletion",
    resource: FOREIGN_KEY,
    expected: "ImplicitlyDenied",
  },
  {
    why: "a foreign key tagged as ours, to take it over",
    principal: DEPLOYER,
    action: "kms:TagResource",
    resource: FOREIGN_KEY,
    context: REQUESTED,
    expected: "ImplicitlyDenied",
  },
  {
    why: "a SecureString read",
    principal: DEPLOYER,
    action: "ssm:GetParameters",
    resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/prod/db-password`,
    expected: "ImplicitlyDenied",
  },
  {
    why: "a vault lock removed from our own vault",
    principal: DEPLOYER,
    action: "backup:DeleteBackupVaultLockConfiguration",
    resource: `arn:aws:backup:${REGION}:${ACCOUNT}:backup-vault:shared-home-vault`,
    context: OWNED,
    expected: "ExplicitlyDenied",
  },
  {
    why: "a lock put on a vault that is not ours",
    principal: DEPLOYER,
    action: "backup:PutBackupVaultLockConfiguration",
    resource: `arn:aws:backup:${REGION}:${ACCOUNT}:backup-vault:audit-vault`,
    expected: "ImplicitlyDenied",
  },
  {
    why: "a policy written on a bucket that is not ours",
    principal: DEPLOYER,
    action: "s3:PutBucketPolicy",
    resource: "arn:aws:s3:::company-audit-logs",
    expected: "ImplicitlyDenied",
  },
  {
    why: "the public-access block of a bucket that is not ours lifted",
    principal: DEPLOYER,
    action: "s3:PutBucketPublicAccessBlock",
    resource: "arn:aws:s3:::company-audit-logs",
    expected: "ImplicitlyDenied",
  },
  {
    why: "an object read from a bucket that is not ours",
    principal: DEPLOYER,
    action: "s3:GetObject",
    resource: "arn:aws:s3:::company-audit-logs/2026/01/01.log",
    expected: "ImplicitlyDenied",
  },
  {
    why: "an instance that is not ours terminated",
    principal: DEPLOYER,
    action: "ec2:TerminateInstances",
    resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0123456789abcdef0`,
    expected: "ImplicitlyDenied",
  },
  {
    why: "a file system that is not ours deleted",
    principal: DEPLOYER,
    action: "elasticfilesystem:DeleteFileSystem",
    resource: `arn:aws:elasticfilesystem:${REGION}:${ACCOUNT}:file-system/fs-0123456789abcdef0`,
    expected: "ImplicitlyDenied",
  },
  {
    why: "an access point (of any POSIX identity) made on a file system that is not ours",
    principal: DEPLOYER,
    action: "elasticfilesystem:CreateAccessPoint",
    resource: `arn:aws:elasticfilesystem:${REGION}:${ACCOUNT}:file-system/fs-0fedcba9876543210`,
    context: REQUESTED,
    expected: "ImplicitlyDenied",
  },
  {
    // Also a VPC's default security group, which AWS creates untagged: see docs/security.md.
    why: "an untagged security group adopted by tagging it as ours",
    principal: DEPLOYER,
    action: "ec2:CreateTags",
    resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/sg-0123456789abcdef0`,
    context: REQUESTED,
    expected: "ImplicitlyDenied",
  },
  {
    why: "a volume made from a snapshot that is not ours, to attach and read it",
    principal: DEPLOYER,
    action: "ec2:CreateVolume",
    resource: `arn:aws:ec2:${REGION}::snapshot/snap-0123456789abcdef0`,
    context: REQUESTED,
    expected: "ImplicitlyDenied",
  },
  {
    why: "a foreign instance tagged as ours, outside a create",
    principal: DEPLOYER,
    action: "ec2:CreateTags",
    resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0123456789abcdef0`,
    context: REQUESTED,
    expected: "ImplicitlyDenied",
  },
  {
    why: "an instance launched without the ownership tag",
    principal: DEPLOYER,
    action: "ec2:RunInstances",
    resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/*`,
    expected: "ImplicitlyDenied",
  },
  {
    why: "an Auto Scaling group that is not ours deleted",
    principal: DEPLOYER,
    action: "autoscaling:DeleteAutoScalingGroup",
    resource: `arn:aws:autoscaling:${REGION}:${ACCOUNT}:autoScalingGroup:1:autoScalingGroupName/payments`,
    expected: "ImplicitlyDenied",
  },
];

test("the escalation paths of issue #19 are denied", async () => {
  // Every request carries the caller's account, as AWS adds it; KMS requests meet a key policy
  // that leaves the decision to IAM, the worst case for a key that is not ours.
  const rows = ESCALATIONS.map((row) => ({
    ...row,
    context: { "aws:PrincipalAccount": ACCOUNT, ...row.context },
  }));
  const kms = (row: IntentRow) => row.action.startsWith("kms:");
  expect([
    ...(await intentMismatches(
      { identityPolicies },
      rows.filter((row) => !kms(row)),
    )),
    ...(await intentMismatches({ identityPolicies, resourcePolicy: KEY_POLICY_FOR_IAM }, rows.filter(kms))),
  ]).toEqual([]);
});

test("the boundary's ARN is the deployer's own account's: another account's boundary does not pass", async () => {
  // GIVEN a role created with a policy of the same name in another account as its boundary
  const decision = await decide({
    identityPolicies,
    principal: DEPLOYER,
    action: "iam:CreateRole",
    resource: OUR_ROLE,
    context: {
      "aws:PrincipalAccount": ACCOUNT,
      "iam:PermissionsBoundary": `arn:aws:iam::444455556666:policy/${BOUNDARY_POLICY_NAME}`,
    },
  });
  // THEN it is refused
  expect(decision).toBe("ImplicitlyDenied");
});

describe("the permissions boundary, evaluated on its own: the most a role of ours can ever do", () => {
  const boundaryPolicy = JSON.parse(readFileSync(join(ROOT, "docs", "permissions-boundary.json"), "utf8"));
  const ROLE = `arn:aws:iam::${ACCOUNT}:role${STACK_IAM_PATH}efs-client-1`;
  const OUR_FILE_SYSTEM = `arn:aws:elasticfilesystem:${REGION}:${ACCOUNT}:file-system/fs-0123456789abcdef0`;
  const SNAPSHOT = `arn:aws:ec2:${REGION}::snapshot/snap-0123456789abcdef0`;
  const row = (
    why: string,
    action: string,
    resource: string,
    expected: IntentRow["expected"],
    context: Record<string, string | string[]> = {},
  ): IntentRow => ({
    why,
    principal: ROLE,
    action,
    resource,
    resourceAccount: ACCOUNT,
    context: { "aws:PrincipalAccount": ACCOUNT, ...context },
    expected,
  });

  test("lets our roles do their work on our resources", async () => {
    const rows = [
      row(
        "a client mounts our file system",
        "elasticfilesystem:ClientMount",
        OUR_FILE_SYSTEM,
        "Allowed",
        OWNED,
      ),
      row(
        "the backup host writes as root",
        "elasticfilesystem:ClientRootAccess",
        OUR_FILE_SYSTEM,
        "Allowed",
        OWNED,
      ),
      row("the backup host prunes a backup snapshot", "ec2:DeleteSnapshot", SNAPSHOT, "Allowed", {
        "aws:ResourceTag/backup-shared-home:volume": "vol-0123456789abcdef0",
      }),
      row(
        "flow logs write their group",
        "logs:PutLogEvents",
        `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/vpc-flow-logs/efs-abc:log-stream:eni-1`,
        "Allowed",
      ),
      row(
        "code sync reads the code",
        "s3:GetObject",
        "arn:aws:s3:::CODE_BUCKET/releases/web/app.tar",
        "Allowed",
      ),
      row(
        "the backup host snapshots its volume",
        "ec2:CreateSnapshot",
        `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/vol-0123456789abcdef0`,
        "Allowed",
        OWNED,
      ),
      row("the backup host tags the snapshot it creates", "ec2:CreateTags", SNAPSHOT, "Allowed", {
        "ec2:CreateAction": "CreateSnapshot",
        "aws:TagKeys": [OWNERSHIP_TAG.key],
      }),
      row(
        "AWS Backup backs our file system up",
        "elasticfilesystem:Backup",
        OUR_FILE_SYSTEM,
        "Allowed",
        OWNED,
      ),
    ];
    expect(await intentMismatches({ identityPolicies: [boundaryPolicy] }, rows)).toEqual([]);
  });

  test("denies a role the deployer gave '*' everything beyond them", async () => {
    const foreignFileSystem = `arn:aws:elasticfilesystem:${REGION}:${ACCOUNT}:file-system/fs-0fedcba9876543210`;
    const rows = [
      row(
        "deletes a file system that is not ours",
        "elasticfilesystem:DeleteFileSystem",
        foreignFileSystem,
        "ImplicitlyDenied",
      ),
      row(
        "mounts a file system that is not ours",
        "elasticfilesystem:ClientWrite",
        foreignFileSystem,
        "ImplicitlyDenied",
      ),
      row(
        "reads another bucket",
        "s3:GetObject",
        "arn:aws:s3:::company-audit-logs/2026/01/01.log",
        "ImplicitlyDenied",
      ),
      row(
        "deletes a snapshot that is not a backup of ours",
        "ec2:DeleteSnapshot",
        SNAPSHOT,
        "ImplicitlyDenied",
      ),
      // Found by an attack: the boundary's AWS Backup TagResource reaches any file system, so a role
      // the deployer made could tag a foreign one as ours, and the deployer could then delete it.
      row(
        "tags a file system that is not ours with the ownership tag",
        "elasticfilesystem:TagResource",
        foreignFileSystem,
        "ExplicitlyDenied",
        { "aws:TagKeys": [OWNERSHIP_TAG.key] },
      ),
      row(
        "tags a volume that is not ours with the ownership tag",
        "ec2:CreateTags",
        `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/vol-0fedcba9876543210`,
        "ExplicitlyDenied",
        { "aws:TagKeys": [OWNERSHIP_TAG.key] },
      ),
      row(
        "snapshots a volume that is not ours",
        "ec2:CreateSnapshot",
        `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/vol-0fedcba9876543210`,
        "ImplicitlyDenied",
      ),
      row("decrypts directly", "kms:Decrypt", FOREIGN_KEY, "ImplicitlyDenied"),
      row("writes itself a policy", "iam:PutRolePolicy", ROLE, "ImplicitlyDenied"),
      row("passes itself on", "iam:PassRole", ADMIN_ROLE, "ImplicitlyDenied", {
        "iam:PassedToService": "ec2.amazonaws.com",
      }),
      row("assumes an admin role", "sts:AssumeRole", ADMIN_ROLE, "ImplicitlyDenied"),
      row(
        "reads a SecureString",
        "ssm:GetParameters",
        `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/prod/db-password`,
        "ImplicitlyDenied",
      ),
      row(
        "terminates an instance",
        "ec2:TerminateInstances",
        `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0123456789abcdef0`,
        "ImplicitlyDenied",
      ),
    ];
    const kms = (r: IntentRow) => r.action.startsWith("kms:");
    expect([
      ...(await intentMismatches(
        { identityPolicies: [boundaryPolicy] },
        rows.filter((r) => !kms(r)),
      )),
      ...(await intentMismatches(
        { identityPolicies: [boundaryPolicy], resourcePolicy: KEY_POLICY_FOR_IAM },
        rows.filter(kms),
      )),
    ]).toEqual([]);
  });
});
