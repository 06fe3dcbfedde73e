/**
 * The deployer's IAM policy, generated from the resource types our stacks synthesize for settings
 * that switch on every feature (./features.ts) and the actions each type needs (./actions.ts). Each
 * action is then scoped: reads on `*`, creates only with the ownership tag in the request, every
 * other write only on resources carrying that tag, IAM only under the stacks' path and with the
 * permissions boundary, KMS key use only through the AWS services we deploy, S3 only on the state
 * bucket. `docs/deployer-policy.json` is this output; a jest test keeps it current.
 */
import { Testing, type TerraformStack } from "cdktf";
import { EfsStack } from "../../stacks/efs-stack";
import { EfsWithBackupStack } from "../../stacks/efs-with-backup-stack";
import { StateStack } from "../../stacks/state-stack";
import { OWNERSHIP_TAG, STACK_IAM_PATH } from "../../stacks/ownership";
import { SettingsSchema } from "../../settings/schema";
import { toStackProps, toStateStackProps } from "../../settings/stack-props";
import { AWS_BACKUP_MANAGED_POLICIES } from "../../modules/backup/aws-backup-plan";
import {
  ACTIONS_BY_RESOURCE_TYPE,
  BASELINE_ACTIONS,
  LOCK_TABLE_ACTIONS,
  STATE_BACKEND_ACTIONS,
} from "./actions";
import { FEATURE_SETTINGS } from "./features";

/**
 * Where the committed policies live, relative to the project root: three managed policies, because
 * one managed policy holds at most 6,144 characters (IAM quotas) and the whole is about twice that.
 * Attach all three to the deploy role.
 */
export const POLICY_DIR = "docs/deployer-policy";
/** A managed policy's size limit, counted without white space (IAM User Guide, "IAM and AWS STS quotas"). */
export const MANAGED_POLICY_MAX_CHARS = 6144;

/** Which part each statement goes to, by Sid prefix; every Sid must match one. */
const PARTS: Readonly<Record<string, readonly string[]>> = {
  create: ["ReadMetadata", "CreateTagged", "CreateAccessPoints", "Ec2"],
  "write-tagged": [
    "WriteOurTaggedResources",
    "KmsOnlyThroughOurServices",
    "OurAutoScalingGroups",
    "ReadAutoScaling",
  ],
  "iam-and-state": ["Iam", "PassOurRoles", "State", "NeverRemove", "Unscoped", "AmiIds"],
};
export const REGENERATE_COMMAND = "npx tsx tools/deployer-policy/cli.ts";

/** The services that may receive one of our roles: instances, AWS Backup, VPC flow logs. */
export const PASS_ROLE_SERVICES = [
  "backup.amazonaws.com",
  "ec2.amazonaws.com",
  "vpc-flow-logs.amazonaws.com",
];

/**
 * The name a platform team gives the boundary policy (docs/permissions-boundary.json), in the
 * deployer's own account. `${aws:PrincipalAccount}` is an IAM policy variable, resolved per request.
 */
export const BOUNDARY_POLICY_NAME = "efs-shared-home-boundary";
export const DEFAULT_BOUNDARY_ARN = `arn:aws:iam::\${aws:PrincipalAccount}:policy/${BOUNDARY_POLICY_NAME}`;

/** Placeholders the operator replaces with the environment's `state.bucket` and `state.dynamodbTable`. */
export const STATE_BUCKET_PLACEHOLDER = "STATE_BUCKET";
export const LOCK_TABLE_PLACEHOLDER = "LOCK_TABLE";

/** What a generated policy is for. */
export interface DeployerPolicyOptions {
  /** @default DEFAULT_BOUNDARY_ARN */
  readonly permissionsBoundaryArn?: string;
  /** @default "STATE_BUCKET" */
  readonly stateBucket?: string;
  /** @default "LOCK_TABLE" */
  readonly lockTable?: string;
}

/**
 * Services whose KMS calls the deployer makes only through the service (a file system, vault,
 * volume or state object encrypted with a key the settings name): never a direct Decrypt.
 */
const KMS_VIA_SERVICES = ["backup", "ec2", "elasticfilesystem", "s3"].map(
  (service) => `${service}.*.amazonaws.com`,
);
const KMS_THROUGH_SERVICES = [
  "kms:CreateGrant",
  "kms:Decrypt",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext",
  "kms:RetireGrant",
];

/**
 * EC2 creates, by the resource type they create (tagged in the request: `aws:RequestTag`) and the
 * types they use. `owned` uses are ours; `any` uses may be an existing VPC's subnets, a public AMI,
 * or an instance's network interface, which carry no tag of ours.
 */
const EC2_CREATES: Readonly<Record<string, { creates: string[]; owned?: string[]; any?: string[] }>> = {
  "ec2:CreateVpc": { creates: ["vpc"] },
  "ec2:CreateSubnet": { creates: ["subnet"], owned: ["vpc"] },
  "ec2:CreateRouteTable": { creates: ["route-table"], owned: ["vpc"] },
  "ec2:CreateInternetGateway": { creates: ["internet-gateway"] },
  "ec2:CreateSecurityGroup": { creates: ["security-group"], any: ["vpc"] },
  "ec2:CreateLaunchTemplate": { creates: ["launch-template"] },
  "ec2:CreateVolume": { creates: ["volume"] },
  "ec2:CreateFlowLogs": { creates: ["vpc-flow-log"], owned: ["vpc"] },
  "ec2:CreateVpcEndpoint": {
    creates: ["vpc-endpoint"],
    owned: ["vpc", "subnet", "security-group", "route-table"],
  },
  // The final snapshot of the backup volume, on destroy; the snapshot is tagged by the provider.
  "ec2:CreateSnapshot": { creates: ["snapshot"], owned: ["volume"] },
  "ec2:RunInstances": {
    creates: ["instance", "volume"],
    any: ["subnet", "security-group", "network-interface", "image", "key-pair", "launch-template"],
  },
  // EFS makes a mount target's network interface as the caller, in the private subnet.
  "ec2:CreateNetworkInterface": { creates: [], any: ["network-interface", "subnet", "security-group"] },
};

/** Creates outside EC2 that carry the ownership tag in the request. */
const TAGGED_CREATES = [
  "backup:CreateBackupPlan",
  "backup:CreateBackupVault",
  "cloudwatch:PutMetricAlarm",
  "elasticfilesystem:CreateFileSystem",
  "kms:CreateKey",
  "logs:CreateLogGroup",
  "sns:CreateTopic",
  "ssm:CreateDocument",
];

/**
 * Writes that cannot be scoped by tag or by a name of ours, each for a reason: no resource
 * (sts:GetCallerIdentity, backup-storage:MountCapsule), resources without tags (dashboards), or a
 * resource AWS owns (the service's private hosted zone).
 */
const UNSCOPED = [
  "backup-storage:MountCapsule",
  "cloudwatch:DeleteDashboards",
  "cloudwatch:PutDashboard",
  "route53:AssociateVPCWithHostedZone",
  "sts:GetCallerIdentity",
];

/** Auto Scaling groups are named `<stack>-client-...`; they carry no default tags. */
const AUTO_SCALING_GROUP_NAMES = ["efs-client-*", "efs-with-backup-client-*"];

/** Read-only calls: metadata the provider refreshes. SecureString values and objects are not among them. */
function isRead(action: string): boolean {
  const name = action.split(":")[1];
  return /^(Describe|List|Get)/.test(name) && !["ssm:GetParameters", "s3:GetObject"].includes(action);
}

type PolicyStatement = {
  Sid: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
};

/** The resource types of every stack `main.ts` builds for `settings`, sorted. */
export function synthesizedResourceTypes(settingsList: readonly unknown[]): string[] {
  const types = new Set<string>();
  for (const raw of settingsList) {
    const settings = SettingsSchema.parse(raw);
    const props = toStackProps(settings);
    const app = Testing.app();
    const stacks: TerraformStack[] = [
      new StateStack(app, "state", toStateStackProps(settings)),
      new EfsStack(app, "efs", props),
      new EfsWithBackupStack(app, "efs-with-backup", props),
    ];
    for (const stack of stacks) {
      stack.prepareStack();
      for (const type of Object.keys(JSON.parse(Testing.synth(stack)).resource ?? {})) types.add(type);
    }
  }
  return [...types].sort();
}

/** The resource types of every feature the settings allow. */
export function everyFeatureResourceTypes(): string[] {
  return synthesizedResourceTypes(Object.values(FEATURE_SETTINGS));
}

/** The actions `resourceTypes` need; throws naming every type the action map does not cover. */
export function actionsFor(resourceTypes: readonly string[]): string[] {
  const unmapped = resourceTypes.filter((type) => !(type in ACTIONS_BY_RESOURCE_TYPE));
  if (unmapped.length > 0) {
    throw new Error(
      `no IAM actions for resource type(s) ${unmapped.join(", ")}: add them to ACTIONS_BY_RESOURCE_TYPE in tools/deployer-policy/actions.ts`,
    );
  }
  return [
    ...new Set([...BASELINE_ACTIONS, ...resourceTypes.flatMap((type) => ACTIONS_BY_RESOURCE_TYPE[type])]),
  ].sort();
}

// Images and snapshots have no account in their ARNs.
const ec2Arns = (types: readonly string[]) =>
  [...new Set(types)]
    .sort()
    .map((type) =>
      ["image", "snapshot"].includes(type) ? `arn:aws:ec2:*::${type}/*` : `arn:aws:ec2:*:*:${type}/*`,
    );
const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

/** The deployer policy for `resourceTypes`. */
export function deployerPolicy(
  resourceTypes: readonly string[],
  options: DeployerPolicyOptions = {},
): { Version: string; Statement: PolicyStatement[] } {
  const boundaryArn = options.permissionsBoundaryArn ?? DEFAULT_BOUNDARY_ARN;
  const stateBucket = `arn:aws:s3:::${options.stateBucket ?? STATE_BUCKET_PLACEHOLDER}`;
  const lockTable = `arn:aws:dynamodb:*:*:table/${options.lockTable ?? LOCK_TABLE_PLACEHOLDER}`;
  const ownedTag = { [`aws:ResourceTag/${OWNERSHIP_TAG.key}`]: OWNERSHIP_TAG.value };
  const requestTag = { [`aws:RequestTag/${OWNERSHIP_TAG.key}`]: OWNERSHIP_TAG.value };
  const roles = `arn:aws:iam::*:role${STACK_IAM_PATH}*`;
  const instanceProfiles = `arn:aws:iam::*:instance-profile${STACK_IAM_PATH}*`;
  const withBoundary = { "iam:PermissionsBoundary": boundaryArn };

  const actions = actionsFor(resourceTypes);
  const has = (action: string) => actions.includes(action);
  const pick = (predicate: (action: string) => boolean) => actions.filter(predicate);
  const service = (action: string) => action.split(":")[0];

  const reads = pick(
    (a) =>
      isRead(a) && !["iam", "s3", "dynamodb", "autoscaling"].includes(service(a)) && !UNSCOPED.includes(a),
  );
  const ec2Creates = Object.keys(EC2_CREATES).filter(has);
  const taggedCreates = TAGGED_CREATES.filter(has);
  const unscoped = UNSCOPED.filter(has);
  const special = new Set([
    ...reads,
    ...ec2Creates,
    ...taggedCreates,
    "elasticfilesystem:CreateAccessPoint",
    ...unscoped,
    ...KMS_THROUGH_SERVICES,
    "ec2:CreateTags",
    "ssm:GetParameters",
  ]);
  // Everything else acts on a resource that exists: ours only, by tag.
  const ownedWrites = pick(
    (a) =>
      !special.has(a) &&
      !["iam", "s3", "dynamodb", "autoscaling"].includes(service(a)) &&
      // Alarms are created and updated by one call, with tags only on creation.
      a !== "cloudwatch:PutMetricAlarm",
  );

  const statements: PolicyStatement[] = [
    { Sid: "ReadMetadata", Effect: "Allow", Action: reads, Resource: "*" },
    { Sid: "Unscoped", Effect: "Allow", Action: unscoped, Resource: "*" },
    {
      Sid: "CreateTagged",
      Effect: "Allow",
      Action: taggedCreates,
      Resource: "*",
      Condition: { StringEquals: requestTag },
    },
    {
      // Both tags: a new access point of ours, on a file system of ours.
      Sid: "CreateAccessPointsOnOurFileSystems",
      Effect: "Allow",
      Action: pick((a) => a === "elasticfilesystem:CreateAccessPoint"),
      Resource: "*",
      Condition: { StringEquals: { ...requestTag, ...ownedTag } },
    },
    {
      // Not snapshots: CreateVolume would then take a snapshot that is not ours as its source.
      Sid: "Ec2CreateTagged",
      Effect: "Allow",
      Action: ec2Creates.filter((a) => EC2_CREATES[a].creates.some((type) => type !== "snapshot")),
      Resource: ec2Arns(
        ec2Creates.flatMap((a) => EC2_CREATES[a].creates).filter((type) => type !== "snapshot"),
      ),
      Condition: { StringEquals: requestTag },
    },
    {
      Sid: "Ec2FinalSnapshotsTagged",
      Effect: "Allow",
      Action: ec2Creates.filter((a) => EC2_CREATES[a].creates.includes("snapshot")),
      Resource: ec2Arns(["snapshot"]),
      Condition: { StringEquals: requestTag },
    },
    {
      Sid: "Ec2CreateInOurResources",
      Effect: "Allow",
      Action: ec2Creates.filter((a) => EC2_CREATES[a].owned),
      Resource: ec2Arns(ec2Creates.flatMap((a) => EC2_CREATES[a].owned ?? [])),
      Condition: { StringEquals: ownedTag },
    },
    ...ec2Creates
      .filter((a) => EC2_CREATES[a].any)
      .map((a): PolicyStatement => ({
        Sid: `Ec2${a.split(":")[1]}Uses`,
        Effect: "Allow",
        Action: a,
        Resource: ec2Arns(EC2_CREATES[a].any ?? []),
      })),
    {
      Sid: "Ec2TagWhileCreating",
      Effect: "Allow",
      Action: "ec2:CreateTags",
      Resource: "*",
      Condition: { StringEquals: { "ec2:CreateAction": ec2Creates.map((a) => a.split(":")[1]) } },
    },
    {
      Sid: "WriteOurTaggedResources",
      Effect: "Allow",
      Action: sorted([...ownedWrites, "ec2:CreateTags", "cloudwatch:PutMetricAlarm"].filter(has)),
      Resource: "*",
      Condition: { StringEquals: ownedTag },
    },
    {
      Sid: "KmsOnlyThroughOurServices",
      Effect: "Allow",
      Action: KMS_THROUGH_SERVICES.filter(has),
      Resource: "*",
      Condition: { StringLike: { "kms:ViaService": KMS_VIA_SERVICES } },
    },
    {
      Sid: "AmiIdsFromPublicParameters",
      Effect: "Allow",
      Action: "ssm:GetParameters",
      // Public parameters have no account in their ARN; names starting with "aws" are reserved to AWS.
      Resource: "arn:aws:ssm:*:*:parameter/aws/service/*",
    },
    {
      Sid: "OurAutoScalingGroups",
      Effect: "Allow",
      Action: pick((a) => service(a) === "autoscaling" && !isRead(a)),
      Resource: AUTO_SCALING_GROUP_NAMES.map(
        (name) => `arn:aws:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/${name}`,
      ),
    },
    {
      Sid: "ReadAutoScaling",
      Effect: "Allow",
      Action: pick((a) => service(a) === "autoscaling" && isRead(a)),
      Resource: "*",
    },
    ...iamStatements(actions, roles, instanceProfiles, withBoundary),
    {
      Sid: "StateBucket",
      Effect: "Allow",
      Action: pick(
        (a) => service(a) === "s3" && !["s3:GetObject", "s3:PutObject", "s3:DeleteObject"].includes(a),
      ),
      Resource: stateBucket,
    },
    {
      Sid: "StateObjects",
      Effect: "Allow",
      Action: STATE_BACKEND_ACTIONS.filter((a) => a !== "s3:ListBucket"),
      Resource: `${stateBucket}/*`,
    },
    { Sid: "StateLockTable", Effect: "Allow", Action: [...LOCK_TABLE_ACTIONS], Resource: lockTable },
    {
      Sid: "NeverRemoveTheBoundaryOrAVaultLock",
      Effect: "Deny",
      Action: ["backup:DeleteBackupVaultLockConfiguration", "iam:DeleteRolePermissionsBoundary"],
      Resource: "*",
    },
  ];
  return {
    Version: "2012-10-17",
    Statement: statements
      .map((s) => ({ ...s, Action: Array.isArray(s.Action) ? sorted(s.Action) : s.Action }))
      .filter((s) => [s.Action].flat().length > 0),
  };
}

/**
 * IAM: roles and instance profiles under the stacks' path only; a role is created, given a policy
 * or changed only when it carries the boundary; the only managed policies attached are AWS
 * Backup's; roles are passed only to the services they are for.
 */
function iamStatements(
  actions: readonly string[],
  roles: string,
  instanceProfiles: string,
  withBoundary: Record<string, string>,
): PolicyStatement[] {
  const iam = actions.filter((a) => a.startsWith("iam:"));
  const boundaryChecked = [
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:DeleteRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:UpdateAssumeRolePolicy",
  ];
  const attach = ["iam:AttachRolePolicy", "iam:DetachRolePolicy"];
  const instanceProfileActions = iam.filter(
    (a) => /InstanceProfile$/.test(a) && a !== "iam:ListInstanceProfilesForRole",
  );
  const otherRoleActions = iam.filter(
    (a) =>
      !boundaryChecked.includes(a) &&
      !attach.includes(a) &&
      !instanceProfileActions.includes(a) &&
      a !== "iam:PassRole",
  );
  return [
    {
      Sid: "IamRolesWithTheBoundary",
      Effect: "Allow",
      Action: iam.filter((a) => boundaryChecked.includes(a)),
      Resource: roles,
      Condition: { StringEquals: withBoundary },
    },
    {
      Sid: "IamOnlyAwsBackupManagedPolicies",
      Effect: "Allow",
      Action: iam.filter((a) => attach.includes(a)),
      Resource: roles,
      Condition: {
        StringEquals: withBoundary,
        ArnEquals: {
          "iam:PolicyARN": AWS_BACKUP_MANAGED_POLICIES.map((policy) => `arn:aws:iam::aws:policy/${policy}`),
        },
      },
    },
    { Sid: "IamOurRoles", Effect: "Allow", Action: otherRoleActions, Resource: roles },
    {
      Sid: "IamOurInstanceProfiles",
      Effect: "Allow",
      Action: instanceProfileActions,
      Resource: instanceProfiles,
    },
    {
      Sid: "PassOurRolesToTheirServices",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: roles,
      Condition: { StringEquals: { "iam:PassedToService": PASS_ROLE_SERVICES } },
    },
  ];
}

type PolicyDocument = ReturnType<typeof deployerPolicy>;

/** `policy` cut into the managed policies of `PARTS`, by part name; throws on a statement no part takes. */
export function policyParts(policy: PolicyDocument): Record<string, PolicyDocument> {
  const partOf = (sid: string) =>
    Object.keys(PARTS).find((part) => PARTS[part].some((prefix) => sid.startsWith(prefix)));
  const orphans = policy.Statement.filter((statement) => partOf(statement.Sid) === undefined);
  if (orphans.length > 0) {
    throw new Error(
      `no policy part for statement(s) ${orphans.map((s) => s.Sid).join(", ")}: add them to PARTS`,
    );
  }
  return Object.fromEntries(
    Object.keys(PARTS).map((part) => [
      part,
      { Version: policy.Version, Statement: policy.Statement.filter((s) => partOf(s.Sid) === part) },
    ]),
  );
}

/** The policy files' texts, as committed, by path relative to the project root. */
export function deployerPolicyFiles(options: DeployerPolicyOptions = {}): Record<string, string> {
  const parts = policyParts(deployerPolicy(everyFeatureResourceTypes(), options));
  return Object.fromEntries(
    Object.entries(parts).map(([part, document]) => [
      `${POLICY_DIR}/${part}.json`,
      `${JSON.stringify(document, null, 2)}\n`,
    ]),
  );
}
