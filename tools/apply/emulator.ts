/**
 * What it takes to apply a synthesized stack against moto instead of AWS: the provider override that
 * points every service at the emulator, and the edits of the APPLIED COPY where moto lacks an API.
 * Nothing here touches what we ship: the harness edits a temporary copy of each `cdk.tf.json`.
 */

// Terraform JSON (synth output, plans) is untyped.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type StackJson = Record<string, any>;

/** Provider `endpoints` key for each resource type prefix; longest prefix wins. */
const SERVICE_BY_PREFIX: Record<string, string> = {
  aws_autoscaling_: "autoscaling",
  aws_backup_: "backup",
  aws_cloudwatch_log_: "logs",
  aws_cloudwatch_: "cloudwatch",
  aws_default_security_group: "ec2",
  aws_ebs_: "ec2",
  aws_efs_: "efs",
  aws_eks_: "eks",
  aws_flow_log: "ec2",
  aws_ecs_: "ecs",
  aws_iam_: "iam",
  aws_instance: "ec2",
  aws_internet_gateway: "ec2",
  aws_kms_: "kms",
  aws_lambda_: "lambda",
  aws_launch_template: "ec2",
  aws_lb: "elbv2",
  aws_route: "ec2",
  aws_s3_: "s3",
  aws_security_group: "ec2",
  aws_sns_: "sns",
  aws_ssm_: "ssm",
  aws_subnet: "ec2",
  aws_volume_attachment: "ec2",
  aws_vpc: "ec2",
};

/** Data sources: the service each reads, or `null` for those the provider computes without a call. */
const SERVICE_BY_DATA_SOURCE: Record<string, string | null> = {
  aws_ami: "ec2",
  aws_availability_zones: "ec2",
  aws_caller_identity: "sts",
  aws_iam_policy_document: null,
  aws_partition: null,
  aws_region: null,
  aws_ssm_parameter: "ssm",
};

/**
 * STS is always pointed at moto: with the account id known (moto's 123456789012), the provider reads
 * security-group references back as `sg-…` and not `123456789012/sg-…`, as it does against AWS.
 * SSM too: `resolve:ssm:` AMI parameters in launch templates are resolved by the EC2 endpoint.
 */
const ALWAYS = ["sts", "ssm"];

/** The provider `endpoints` services a stack needs; throws naming any resource type with no mapping. */
export function servicesOf(stack: StackJson): string[] {
  const services = new Set(ALWAYS);
  const unmapped: string[] = [];
  for (const type of Object.keys(stack.resource ?? {})) {
    const prefix = Object.keys(SERVICE_BY_PREFIX)
      .filter((candidate) => type.startsWith(candidate))
      .sort((a, b) => b.length - a.length)[0];
    if (prefix) services.add(SERVICE_BY_PREFIX[prefix]);
    else unmapped.push(type);
  }
  for (const type of Object.keys(stack.data ?? {})) {
    const service = SERVICE_BY_DATA_SOURCE[type];
    if (service) services.add(service);
    else if (service === undefined) unmapped.push(`data.${type}`);
  }
  if (unmapped.length > 0) {
    throw new Error(
      `no emulator endpoint for ${unmapped.join(", ")}: add its service to SERVICE_BY_PREFIX (resources) or SERVICE_BY_DATA_SOURCE in tools/apply/emulator.ts`,
    );
  }
  return [...services].sort();
}

/** Aliases of the stack's `aws` providers (`undefined` for the default one). */
export function providerAliases(stack: StackJson): (string | undefined)[] {
  const declared = stack.provider?.aws;
  return (Array.isArray(declared) ? declared : [declared ?? {}]).map((provider: StackJson) => provider.alias);
}

/**
 * The override file: every provider pointed at moto with mock credentials. The applied copy is a
 * child module of the combined configuration, whose root holds the (local) state.
 */
export function emulatorOverride(stack: StackJson, endpoint: string): StackJson {
  const endpoints = Object.fromEntries(servicesOf(stack).map((service) => [service, endpoint]));
  const settings = {
    access_key: "mock-access-key",
    secret_key: "mock-secret-key",
    skip_credentials_validation: true,
    skip_metadata_api_check: true,
    skip_region_validation: true,
    // Buckets as paths under the endpoint; virtual-host names would need DNS for <bucket>.127.0.0.1.
    s3_use_path_style: true,
    endpoints: [endpoints],
  };
  return {
    provider: { aws: providerAliases(stack).map((alias) => (alias ? { alias, ...settings } : settings)) },
  };
}

/** One edit of the applied copy, for an API moto 5.2.1 does not implement (evidence in emulator-artifacts.json). */
export interface EmulatorGap {
  readonly id: string;
  /** Edits `stack` in place; returns one line per omission, naming the Terraform address. */
  readonly omit: (stack: StackJson) => string[];
}

function resourcesOf(stack: StackJson, type: string): [string, StackJson][] {
  return Object.entries(stack.resource?.[type] ?? {});
}

function dropResources(stack: StackJson, type: string, api: string): string[] {
  const lines = resourcesOf(stack, type).map(([name]) => `${type}.${name} left out: moto has no ${api}`);
  delete stack.resource?.[type];
  return lines;
}

export const EMULATOR_GAPS: readonly EmulatorGap[] = [
  {
    id: "efs-update-file-system-protection",
    omit: (stack) =>
      resourcesOf(stack, "aws_efs_file_system")
        .filter(([, resource]) => resource.protection !== undefined)
        .map(([name, resource]) => {
          delete resource.protection;
          return `aws_efs_file_system.${name}.protection left out: moto has no UpdateFileSystemProtection`;
        }),
  },
  {
    id: "efs-put-backup-policy",
    omit: (stack) => dropResources(stack, "aws_efs_backup_policy", "PutBackupPolicy"),
  },
  {
    id: "backup-create-backup-selection",
    omit: (stack) => dropResources(stack, "aws_backup_selection", "CreateBackupSelection"),
  },
  {
    id: "backup-put-backup-vault-notifications",
    omit: (stack) => dropResources(stack, "aws_backup_vault_notifications", "PutBackupVaultNotifications"),
  },
  {
    id: "eks-create-addon",
    omit: (stack) => dropResources(stack, "aws_eks_addon", "CreateAddon"),
  },
  {
    id: "eks-create-pod-identity-association",
    omit: (stack) => dropResources(stack, "aws_eks_pod_identity_association", "CreatePodIdentityAssociation"),
  },
  {
    id: "ec2-launch-template-root-volume-size",
    omit: (stack) =>
      resourcesOf(stack, "aws_launch_template").flatMap(([name, template]) =>
        (template.block_device_mappings ?? [])
          .filter((mapping: StackJson) => mapping.ebs && mapping.ebs.volume_size === undefined)
          .map((mapping: StackJson) => {
            // The size of the AL2023 AMI's root snapshot, which AWS would take when none is given.
            mapping.ebs.volume_size = 8;
            return `aws_launch_template.${name} ${mapping.device_name}: volume_size 8 set: moto refuses a mapping without size or snapshot`;
          }),
      ),
  },
];

/**
 * Resource types moto can create but not delete: before the teardown check they leave the applied
 * copy's state (`terraform state rm`); AWS deletes them with their parent.
 */
export const UNDELETABLE_IN_EMULATOR: Readonly<Record<string, { gapId: string; api: string }>> = {
  // AWS removes a file system's policy with the file system.
  aws_efs_file_system_policy: { gapId: "efs-delete-file-system-policy", api: "DeleteFileSystemPolicy" },
};

/**
 * The only resources whose `prevent_destroy` is not a setting: the state bucket is always protected.
 * For the teardown check the applied copy lifts it, as the teardown in docs/deploy.md asks the operator to.
 */
export function liftPreventDestroy(stack: StackJson): string[] {
  const lines: string[] = [];
  for (const [type, resources] of Object.entries(stack.resource ?? {})) {
    for (const [name, resource] of Object.entries(resources as Record<string, StackJson>)) {
      if (resource.lifecycle?.prevent_destroy === true) {
        resource.lifecycle.prevent_destroy = false;
        lines.push(`${type}.${name}: prevent_destroy lifted in the applied copy for the teardown check`);
      }
    }
  }
  return lines;
}

/** Terraform addresses with `prevent_destroy` on. */
export function protectedAddresses(stack: StackJson): string[] {
  return Object.entries(stack.resource ?? {}).flatMap(([type, resources]) =>
    Object.entries(resources as Record<string, StackJson>)
      .filter(([, resource]) => resource.lifecycle?.prevent_destroy === true)
      .map(([name]) => `${type}.${name}`),
  );
}

/** An existing resource an example names by id or ARN, created in the emulator before the apply. */
export type StandIn =
  | {
      readonly kind: "vpc";
      readonly placeholder: string;
      readonly cidr: string;
      readonly subnets: readonly { placeholder: string; cidr: string; availabilityZone: string }[];
      readonly securityGroups: readonly { placeholder: string }[];
    }
  | { readonly kind: "role"; readonly placeholder: string; readonly name: string }
  | { readonly kind: "s3-object"; readonly bucket: string; readonly key: string };

/**
 * What each example expects to exist already (see its main.ts). tools/apply/stand-ins.py creates it
 * in the configuration's emulator; the applied copy then names moto's ids instead of the placeholders,
 * as a consumer's app names their own. Moto chooses EC2 ids itself, so the ids can't be kept.
 */
export const STAND_INS: Readonly<Record<string, readonly StandIn[]>> = {
  "example:byo-vpc": [
    {
      kind: "vpc",
      placeholder: "vpc-0a1b2c3d4e5f60718",
      cidr: "10.20.0.0/16",
      subnets: [
        // Its public subnets are named in the network but used by nothing the stack creates.
        { placeholder: "subnet-0bbbbbbbbbbbbbbb1", cidr: "10.20.10.0/24", availabilityZone: "eu-west-1a" },
        { placeholder: "subnet-0bbbbbbbbbbbbbbb2", cidr: "10.20.11.0/24", availabilityZone: "eu-west-1b" },
      ],
      securityGroups: [{ placeholder: "sg-0123456789abcdef0" }],
    },
    // In the example's own account (111122223333 is the documentation placeholder); moto's is 123456789012.
    { kind: "role", placeholder: "arn:aws:iam::111122223333:role/app-server", name: "app-server" },
  ],
  // The cluster's VPC, private subnets and cluster security group, and the node group's role.
  "example:eks": [
    {
      kind: "vpc",
      placeholder: "vpc-0a1b2c3d4e5f60718",
      cidr: "10.30.0.0/16",
      subnets: [
        { placeholder: "subnet-0bbbbbbbbbbbbbbb1", cidr: "10.30.10.0/24", availabilityZone: "eu-west-1a" },
        { placeholder: "subnet-0bbbbbbbbbbbbbbb2", cidr: "10.30.11.0/24", availabilityZone: "eu-west-1b" },
      ],
      securityGroups: [{ placeholder: "sg-0c0c0c0c0c0c0c0c0" }],
    },
    {
      kind: "role",
      placeholder: "arn:aws:iam::111122223333:role/platform-node-group",
      name: "platform-node-group",
    },
  ],
  // The function's code package, which a consumer's build uploads.
  "example:lambda": [{ kind: "s3-object", bucket: "my-artifacts-bucket", key: "efs-reader.zip" }],
};

/**
 * Names the stand-ins' real ids in place of the placeholders, in every stack of a configuration;
 * returns one line per substitution. Throws naming a placeholder no stack holds (the example changed).
 */
export function substituteStandIns(stacks: StackJson[], mapping: Record<string, string>): string[] {
  const texts = stacks.map((stack) => JSON.stringify(stack));
  const lines: string[] = [];
  for (const [placeholder, real] of Object.entries(mapping)) {
    if (!texts.some((text) => text.includes(placeholder))) {
      throw new Error(
        `stand-in ${placeholder} is named by no stack: update STAND_INS in tools/apply/emulator.ts`,
      );
    }
    for (let index = 0; index < texts.length; index++)
      texts[index] = texts[index].split(placeholder).join(real);
    lines.push(`${placeholder} -> ${real}: stand-in created in the emulator`);
  }
  texts.forEach((text, index) => {
    const replaced = JSON.parse(text);
    for (const key of Object.keys(stacks[index])) delete stacks[index][key];
    Object.assign(stacks[index], replaced);
  });
  return lines;
}
