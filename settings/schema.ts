import { z } from "zod";
import { cidrContains, cidrsOverlap, Ipv4Block, parseCidr } from "../modules/shared/cidr";
import {
  LifecycleTransition,
  PerformanceMode,
  PROVISIONED_THROUGHPUT_MIBPS,
  ThroughputMode,
} from "../modules/efs/types";
import { LOG_RETENTION_DAYS } from "../modules/network";
import {
  KEEP_RELEASES,
  S3_BUCKET_NAME_PATTERN,
  S3_KEY_PREFIX_PATTERN,
  SYNC_TIMEOUT_SECONDS,
  TARGET_GROUP_ARN_PATTERN,
} from "../modules/clients/code-sync";
import { AZ_NAME_PATTERN, KMS_KEY_ARN_PATTERN, REGION_PATTERN } from "../modules/shared/patterns";

/*
 * The settings file of the reference app: one per environment (`config/<env>.json`), validated here
 * at synth. `config/settings.schema.json` is generated from this file (`npm run schema`), so editors
 * complete and check the JSON; never edit that file by hand.
 *
 * Rules that belong to a module (throughput/performance/lifecycle contradictions, POSIX ids, ...)
 * are NOT repeated here: the module reports them and `settings/module-errors.ts` maps them back to
 * the settings path. This schema owns types, unknown keys, formats and the cross-field rules of the
 * settings themselves (CIDRs against each other, AZs against the region).
 */

/**
 * S3 general-purpose bucket naming rules
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html): 3 to 63 characters,
 * lowercase letters, digits, dots and hyphens; starts and ends with a letter or digit; no two dots in
 * a row; not shaped like an IP address; not the reserved prefixes `xn--`, `sthree-`, `amzn-s3-demo-`
 * or suffixes `-s3alias`, `--ol-s3`, `.mrap`, `--x-s3`.
 */
export const BUCKET_NAME_PATTERN =
  /^(?!\d{1,3}(\.\d{1,3}){3}$)(?!.*\.\.)(?!xn--|sthree-|amzn-s3-demo-)(?!.*(-s3alias|--ol-s3|\.mrap|--x-s3)$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// DynamoDB table names (CreateTableInput.TableName).
const DYNAMODB_TABLE_PATTERN = /^[a-zA-Z0-9_.-]{3,255}$/;
// S3 object-key segments without the characters AWS says to avoid; no leading, trailing or double slash.
const KEY_PREFIX_PATTERN = /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/;
const NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

/** A JSON object that rejects unknown keys and names the keys it allows, so a typo never passes silently. */
function section<T extends z.core.$ZodLooseShape>(shape: T) {
  const allowed = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys" ? `unknown key; allowed keys: ${allowed}` : undefined,
  });
}

const region = (description: string) =>
  z
    .string()
    .regex(REGION_PATTERN, { error: 'must be an AWS Region name such as "eu-west-1"' })
    .describe(description);

const cidr = (description: string) =>
  z
    .string()
    .refine((value) => parseCidr(value) !== undefined, {
      error: 'must be an IPv4 CIDR block without host bits, such as "10.0.0.0/16"',
    })
    .describe(description);

const kmsKeyArn = (description: string) =>
  z
    .string()
    .regex(KMS_KEY_ARN_PATTERN, {
      error: 'must be a KMS key or alias ARN such as "arn:aws:kms:eu-west-1:111122223333:key/..."',
    })
    .describe(description);

// The range (0 to 2^32-1) is the efs module's rule; here only the type.
const posixId = (description: string) => z.int().describe(description);

const tags = z
  .record(
    z
      .string()
      .min(1)
      .max(128)
      .refine((key) => !key.toLowerCase().startsWith("aws:"), { error: 'must not start with "aws:"' }),
    z.string().max(256, { error: "must be at most 256 characters" }),
  )
  .describe("Tags for every resource, through the AWS provider's default tags. Keys up to 128 characters.");

const network = section({
  vpcCidr: cidr("IPv4 CIDR of the VPC, /16 to /28. Default 10.0.0.0/16.")
    .refine((value) => {
      const block = parseCidr(value);
      return block === undefined || (block.prefixLength >= 16 && block.prefixLength <= 28);
    }, "must have a prefix from /16 to /28, as AWS allows for a VPC")
    .optional(),
  publicSubnetCidrs: z
    .array(cidr("CIDR of one public subnet."))
    .describe(
      "CIDRs of the public (client) subnets, one per AZ in the order of availabilityZones, inside vpcCidr and not overlapping. Default: /24s from the first half of the VPC.",
    )
    .optional(),
  privateSubnetCidrs: z
    .array(cidr("CIDR of one private subnet."))
    .describe(
      "CIDRs of the private (mount-target) subnets, one per AZ in the order of availabilityZones, inside vpcCidr and not overlapping. Default: /24s from the second half of the VPC.",
    )
    .optional(),
  flowLogs: section({
    enabled: z.boolean().describe("Record VPC flow logs to CloudWatch Logs. Default true.").optional(),
    retentionDays: z
      .literal(LOG_RETENTION_DAYS, {
        error: `must be a CloudWatch Logs retention: ${LOG_RETENTION_DAYS.join(", ")}`,
      })
      .describe("Days to keep flow-log records. Default 90.")
      .optional(),
  })
    .describe("VPC flow logs. Default: on, kept 90 days.")
    .optional(),
  namePrefix: z
    .string()
    .regex(NAME_PATTERN, {
      error: "must be 1 to 32 lower-case letters, digits and dashes, starting with a letter",
    })
    .describe('Prefix of every network resource\'s Name tag. Default "efs".')
    .optional(),
  // Issue #15 (tighter defaults): hosts without public IPs, behind VPC endpoints.
  hostSubnets: z
    .enum(["public", "private"], {
      error:
        'must be "public" (hosts with public IPs, the default) or "private" (no public IPs; VPC endpoints, charged per AZ and hour)',
    })
    .describe(
      'Where the clients and the backup host go. "public": public subnets, public IPs (the default). "private": private subnets, no public IPs; VPC endpoints for S3, SSM and the APIs the hosts call, charged per AZ and hour (README, "Hosts in private subnets").',
    )
    .optional(),
}).describe("The VPC: one public and one private subnet per availability zone.");

const transition = (description: string) =>
  z
    .enum(LifecycleTransition, {
      error: `must be one of ${Object.values(LifecycleTransition).join(", ")}`,
    })
    .describe(description);

const accessPoint = section({
  path: z.string().describe('The directory clients see as "/"; absolute, not "/" itself, e.g. "/home".'),
  posixUser: section({
    uid: posixId("User id every request is made as."),
    gid: posixId("Group id every request is made as."),
    secondaryGids: z.array(posixId("A secondary group id.")).describe("Secondary group ids.").optional(),
  })
    .describe("The POSIX identity the access point forces on every request. Default: the client's own.")
    .optional(),
  creationInfo: section({
    ownerUid: posixId("Owner user id of the created root directory."),
    ownerGid: posixId("Owner group id of the created root directory."),
    permissions: z
      .string()
      .regex(/^[0-7]{3,4}$/, { error: 'must be an octal mode such as "0750"' })
      .describe('Octal mode of the created root directory, e.g. "0750".'),
  })
    .describe("Owner and mode EFS gives the root directory if it does not exist. Default: it must exist.")
    .optional(),
});

const fileSystem = section({
  name: z
    .string()
    .regex(NAME_PATTERN, {
      error: "must be 1 to 32 lower-case letters, digits and dashes, starting with a letter",
    })
    .describe('Name tag and resource-name prefix. Default "shared-home".')
    .optional(),
  performanceMode: z
    .enum(PerformanceMode, { error: `must be one of ${Object.values(PerformanceMode).join(", ")}` })
    .describe(
      "Performance mode; changing it replaces the file system and deletes its data. Default generalPurpose.",
    )
    .optional(),
  throughputMode: z
    .enum(ThroughputMode, { error: `must be one of ${Object.values(ThroughputMode).join(", ")}` })
    .describe("Throughput mode. Default elastic (unlike the AWS API default, bursting).")
    .optional(),
  provisionedThroughputMibps: z
    .number()
    .describe(
      `MiB/s for throughputMode "provisioned" (${PROVISIONED_THROUGHPUT_MIBPS.min} to ${PROVISIONED_THROUGHPUT_MIBPS.max}); only with that mode.`,
    )
    .optional(),
  lifecycle: section({
    transitionToIa: transition("Move files to Infrequent Access after this long without access.").optional(),
    transitionToArchive: transition(
      'Move files to Archive after this long without access; later than transitionToIa, needs "elastic" and "generalPurpose".',
    ).optional(),
    transitionToPrimaryStorageClassOnAccess: z
      .boolean()
      .describe("Move a file back to Standard on its first access.")
      .optional(),
  })
    .describe("Storage-class transitions. Default: IA after 30 days, back to Standard on first access.")
    .optional(),
  oneZoneAvailabilityZone: z
    .string()
    .regex(AZ_NAME_PATTERN, { error: 'must be an AZ name such as "eu-west-1a"' })
    .describe("Makes a One Zone file system in this AZ (one of availabilityZones). Default: regional.")
    .optional(),
  createKmsKey: z
    .boolean()
    .describe("Create a customer-managed KMS key (rotation on) for encryption at rest. Default false.")
    .optional(),
  kmsKeyArn: kmsKeyArn(
    "An existing KMS key for encryption at rest. Default: the AWS-managed EFS key.",
  ).optional(),
  preventDestroy: z
    .boolean()
    .describe("Terraform refuses any plan that destroys or replaces the file system. Default true.")
    .optional(),
  allowAnonymousAccess: z
    .boolean()
    .describe("Let clients without IAM authorization mount (still TLS only). Default false.")
    .optional(),
  accessPoints: z
    .record(z.string(), accessPoint)
    .describe("Access points by name (lower-case letters, digits, dashes). Default none.")
    .optional(),
  automaticBackups: z
    .boolean()
    .describe(
      "The EFS automatic backup policy; keep off when an AWS Backup plan selects the file system. Default false.",
    )
    .optional(),
  replication: section({
    region: region("Destination Region."),
    availabilityZone: z
      .string()
      .regex(AZ_NAME_PATTERN, { error: 'must be an AZ name such as "eu-central-1a"' })
      .describe("Makes the replica One Zone in this AZ. Default: regional.")
      .optional(),
    kmsKeyArn: kmsKeyArn("KMS key of the replica. Default: the AWS-managed key there.").optional(),
    destinationFileSystemId: z
      .string()
      .regex(/^fs-[0-9a-f]{8,40}$/, { error: 'must be a file system id such as "fs-0123456789abcdef0"' })
      .describe("Replicate into this existing file system. Default: EFS creates one.")
      .optional(),
  })
    .describe("Replicate the file system to another Region or AZ. Default: none.")
    .optional(),
  replicationOverwriteProtection: z
    .boolean()
    .describe("Protect this file system from becoming a replication destination. Default true.")
    .optional(),
  tags: tags.optional(),
}).describe("The EFS file system. Mount targets go into the private subnets.");

const monitoring = section({
  alarmEmails: z
    .array(
      z
        .email({ error: 'must be an e-mail address such as "ops@example.com"' })
        .describe("An e-mail address."),
    )
    .describe("Addresses subscribed to the alarm topic; each must confirm SNS's mail. Default: none.")
    .optional(),
  existingTopicArn: z
    .string()
    .describe("Send alarms to this existing SNS topic instead of a created one (then no alarmEmails).")
    .optional(),
  burstCreditBalanceThresholdBytes: z
    .number()
    .describe(
      "Bursting mode only: alarm when BurstCreditBalance falls below this many bytes. Default 192416666667.",
    )
    .optional(),
  percentIoLimitThreshold: z
    .number()
    .describe("generalPurpose mode only: alarm when PercentIOLimit stays above this (1 to 100). Default 95.")
    .optional(),
  throughputUtilizationThresholdPercent: z
    .number()
    .describe("Alarm when throughput stays above this % of the permitted throughput (1 to 100). Default 80.")
    .optional(),
  namePrefix: z
    .string()
    .describe(
      "Start of the alarm, dashboard and topic names (letters, digits, - and _). Default: the stack name.",
    )
    .optional(),
  tags: tags.optional(),
}).describe("CloudWatch alarms, alarm topic and dashboard of the file system (always on; this tunes them).");

// Types, formats and ranges only: the clients module itself refuses 0.0.0.0/0 without the switch,
// unsafe mount paths and wait bounds, and its messages are mapped back to `clients.*`.
const clients = section({
  count: z
    .int({ error: "must be a whole number of client machines, at least 1" })
    .min(1, { error: "must be a whole number of client machines, at least 1" })
    .describe("Number of client machines that mount the share, spread over the public subnets. Default 2.")
    .optional(),
  placement: z
    .enum(["instances", "fleet"], {
      error: 'must be "instances" (fixed machines, as in the book) or "fleet" (an Auto Scaling group)',
    })
    .describe(
      '"instances": fixed machines, as in the book; "fleet": an Auto Scaling group. Default "instances".',
    )
    .optional(),
  instanceType: z
    .string()
    .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: 'must be an EC2 instance type such as "t3.micro"' })
    .describe('EC2 instance type of the clients. Default "t3.micro".')
    .optional(),
  amiId: z
    .string()
    .regex(/^(ami-[0-9a-f]{8,17}|resolve:ssm:\S+)$/, {
      error: 'must be an AMI id such as "ami-0123456789abcdef0" or "resolve:ssm:<public parameter>"',
    })
    .describe(
      "AMI of the clients. Default: the latest Amazon Linux 2023, resolved from its public SSM parameter at launch.",
    )
    .optional(),
  mountPath: z
    .string()
    .describe('Where the share is mounted on each client; absolute. Default "/home".')
    .optional(),
  mountMethod: z
    .enum(["efs-utils", "nfs"], {
      error: 'must be "efs-utils" (TLS + IAM, the default) or "nfs" (plain NFSv4.1 fallback)',
    })
    .describe(
      '"efs-utils": the EFS mount helper with tls,iam (default); "nfs": plain NFSv4.1, only for a file system whose policy allows non-TLS access.',
    )
    .optional(),
  sshIngressCidrs: z
    .array(cidr("A CIDR allowed to reach port 22."))
    .describe("CIDRs allowed to reach SSH (port 22). Default: none; use SSM Session Manager instead.")
    .optional(),
  allowSshFromAnywhere: z
    .boolean()
    .describe("The only way to accept 0.0.0.0/0 or ::/0 in sshIngressCidrs. Default false.")
    .optional(),
  mountTargetWaitSeconds: z
    .int({ error: "must be a whole number of seconds" })
    .describe("How long a client waits for its mount target (DNS and TCP 2049) before failing. Default 300.")
    .optional(),
  // The web fleet (issue #12): the clients module refuses target groups without placement "fleet",
  // a targetPath on the share and a KMS alias; here only types, formats and ranges.
  targetGroupArns: z
    .array(
      z
        .string()
        .regex(TARGET_GROUP_ARN_PATTERN, {
          error:
            'must be a target group ARN such as "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/0123456789abcdef"',
        })
        .describe("A load-balancer target group ARN."),
    )
    .describe(
      'Target groups the fleet registers with (placement "fleet" only); the fleet then uses load-balancer health checks. Default: none.',
    )
    .optional(),
  codeSync: section({
    bucketName: z
      .string()
      .regex(S3_BUCKET_NAME_PATTERN, {
        error: "must be an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens",
      })
      .describe("S3 bucket that holds the code; the clients may read only it."),
    prefix: z
      .string()
      .regex(S3_KEY_PREFIX_PATTERN, {
        error:
          'must be S3 key segments separated by "/", without a leading or trailing "/" or "*", e.g. "releases/web"',
      })
      .describe(
        "Key prefix of the code; the clients may list and read only under it. Default: the whole bucket.",
      )
      .optional(),
    kmsKeyArn: kmsKeyArn("KMS key of the code objects (SSE-KMS). Default: none (SSE-S3).").optional(),
    targetPath: z
      .string()
      .describe(
        'Local path the web server reads the code from; a symlink switched atomically. Default "/var/www/html".',
      )
      .optional(),
    timeoutSeconds: z
      .int({ error: "must be a whole number of seconds" })
      .min(SYNC_TIMEOUT_SECONDS.min, { error: `must be at least ${SYNC_TIMEOUT_SECONDS.min} seconds` })
      .max(SYNC_TIMEOUT_SECONDS.max, { error: `must be at most ${SYNC_TIMEOUT_SECONDS.max} seconds` })
      .describe("Bound on one copy from S3, in seconds. Default 600.")
      .optional(),
    keepReleases: z
      .int({ error: "must be a whole number of releases" })
      .min(KEEP_RELEASES.min, { error: `must be at least ${KEEP_RELEASES.min}` })
      .max(KEEP_RELEASES.max, { error: `must be at most ${KEEP_RELEASES.max}` })
      .describe("Previous releases kept on each client for a rollback. Default 3.")
      .optional(),
  })
    .describe(
      "Sync the code from S3 onto local disk at boot and on demand (npm run fleet-sync -- <stack>), through SSM Run Command. Default: none.",
    )
    .optional(),
}).describe("The client machines that mount the shared home.");

// Matches the backup stack's props (stacks/efs-with-backup-stack.ts) field by field.
const awsCron = z.string().regex(/^cron\((\S+ ){5}\S+\)$/, {
  error: 'must be an AWS cron expression with 6 fields such as "cron(0 5 * * ? *)" (daily at 05:00 UTC)',
});
const retentionDays = (description: string) =>
  z.int().min(1, { error: "must be a whole number of days, at least 1" }).describe(description);

const backup = section({
  ebsSnapshots: section({
    enabled: z
      .boolean()
      .describe("Back the share up to an EBS volume and snapshot it. Default true.")
      .optional(),
    volumeSizeGiB: z.int().min(1).describe("Size of the backup volume in GiB.").optional(),
    intervalMinutes: z.int().min(1).describe("Minutes between two snapshots. Default 15.").optional(),
    keepLast: z.int().min(1).describe("Keep at most this many snapshots. Default 672.").optional(),
    keepDays: retentionDays("Keep snapshots at most this many days. Default 7.").optional(),
    kmsKeyArn: kmsKeyArn("KMS key of the backup volume. Default: aws/ebs.").optional(),
    timeoutMinutes: z
      .int()
      .describe(
        "Longest a run may take before it is stopped and reported (5 to 10080). Default: 4 intervals, at least 60.",
      )
      .optional(),
    volumeUsedAlarmPercent: z
      .number()
      .describe("Alarm when the backup volume is fuller than this, in percent (1 to 100). Default 80.")
      .optional(),
  })
    .describe("EBS-snapshot backup from a backup host (the book's design).")
    .optional(),
  awsBackup: section({
    enabled: z.boolean().describe("Back the file system up with AWS Backup. Default true.").optional(),
    schedule: awsCron.describe("When to back up: AWS cron in UTC. Default cron(0 5 * * ? *).").optional(),
    deleteAfterDays: retentionDays("Days to keep each recovery point. Default 35.").optional(),
    coldStorageAfterDays: retentionDays("Days after which recovery points move to cold storage.").optional(),
    vaultLock: section({
      minRetentionDays: retentionDays("Shortest retention the vault accepts.").optional(),
      maxRetentionDays: retentionDays("Longest retention the vault accepts.").optional(),
      changeableForDays: z
        .int()
        .describe("Days before the lock becomes immutable (compliance mode).")
        .optional(),
    })
      .describe("AWS Backup Vault Lock. Default: none.")
      .optional(),
    kmsKeyArn: kmsKeyArn("KMS key of the vault. Default: a key created for it.").optional(),
  })
    .describe("AWS Backup plan for the file system.")
    .optional(),
}).describe("Backups of the efs-with-backup stack.");

const state = section({
  bucket: z
    .string()
    .regex(BUCKET_NAME_PATTERN, {
      error:
        "must be an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit, no '..', not an IP address",
    })
    .describe(
      "S3 bucket that holds the Terraform state; the `state` stack creates it. Unset: every stack keeps a local state file, and synth warns.",
    )
    .optional(),
  keyPrefix: z
    .string()
    .regex(KEY_PREFIX_PATTERN, {
      error: 'must be S3 key segments separated by "/", without a leading or trailing "/", e.g. "efs/prod"',
    })
    .describe(
      'State object keys are "<keyPrefix>/<stack>.tfstate". Default "efs". Use one prefix per environment.',
    )
    .optional(),
  region: region("Region of the state bucket. Default: the top-level region.").optional(),
  kmsKeyArn: kmsKeyArn(
    "KMS key that encrypts the state objects and the bucket (SSE-KMS with a bucket key). Default: SSE-S3.",
  ).optional(),
  dynamodbTable: z
    .string()
    .regex(DYNAMODB_TABLE_PATTERN, {
      error: "must be a DynamoDB table name: 3 to 255 letters, digits, '_', '-' and '.'",
    })
    .describe(
      "Opt-in DynamoDB lock table, only for setups that still run Terraform older than 1.11. S3-native locking (use_lockfile) is always on.",
    )
    .optional(),
  noncurrentVersionExpirationDays: z
    .int()
    .min(1, { error: "must be a whole number of days, at least 1" })
    .describe("The state bucket deletes old (noncurrent) state versions after this many days. Default 90.")
    .optional(),
}).describe("Remote state in S3 with S3-native locking.");

const settingsShape = {
  $schema: z.string().describe("Path or URL of this JSON Schema, for editors.").optional(),
  region: region("AWS Region of every stack, e.g. eu-west-1."),
  availabilityZones: z
    .array(
      z
        .string()
        .regex(AZ_NAME_PATTERN, { error: 'must be an AZ name such as "eu-west-1a"' })
        .describe("An AZ name."),
    )
    .min(2, { error: "needs at least 2 AZs: a regional file system has mount targets in 2 or more" })
    .describe(
      "Availability zones in `region`, at least 2, each once: one public and one private subnet each.",
    ),
  tags: tags.optional(),
  namePrefix: z
    .string()
    .describe(
      'Environment prefix of the names AWS requires to be unique per account and Region (vault, plan) and of the alarm and dashboard names, e.g. "prod" (1 to 15 letters, digits, - and _). Default: none, the names of earlier deployments.',
    )
    .optional(),
  network: network.optional(),
  fileSystem: fileSystem.optional(),
  clients: clients.optional(),
  monitoring: monitoring.optional(),
  backup: backup.optional(),
  state: state.optional(),
};

/** The settings of one environment, as read from `config/<env>.json`. */
export const SettingsSchema = section(settingsShape)
  .superRefine(checkCrossFieldRules, { when: (payload) => isObject(payload.value) })
  .meta({
    title: "EFS shared home settings",
    description:
      "Settings of one environment of the EFS shared home stacks (loaded by main.ts from STACK_CONFIG).",
  });

/** The settings of one environment, validated. */
export type Settings = z.output<typeof SettingsSchema>;

type Issues = z.core.$RefinementCtx;

/**
 * Rules between fields. Runs even when other fields failed (so every problem is listed at once),
 * hence the defensive type checks: a field may still hold the wrong type here.
 */
function checkCrossFieldRules(value: Record<string, unknown>, ctx: Issues): void {
  const regionName = typeof value.region === "string" ? value.region : undefined;
  const zones = Array.isArray(value.availabilityZones) ? value.availabilityZones : [];
  zones.forEach((zone, index) => {
    if (typeof zone !== "string") return;
    if (regionName !== undefined && AZ_NAME_PATTERN.test(zone) && !zone.startsWith(regionName)) {
      ctx.addIssue({
        code: "custom",
        path: ["availabilityZones", index],
        message: `is not in region ${JSON.stringify(regionName)}; use AZs such as "${regionName}a"`,
      });
    }
    if (zones.indexOf(zone) !== index) {
      ctx.addIssue({
        code: "custom",
        path: ["availabilityZones", index],
        message: "is listed twice; give each AZ once",
      });
    }
  });

  const fs = isObject(value.fileSystem) ? value.fileSystem : {};
  if (typeof fs.oneZoneAvailabilityZone === "string" && zones.length > 0) {
    if (!zones.includes(fs.oneZoneAvailabilityZone)) {
      ctx.addIssue({
        code: "custom",
        path: ["fileSystem", "oneZoneAvailabilityZone"],
        message: `must be one of availabilityZones ${JSON.stringify(zones)}`,
      });
    }
  }

  checkSubnetCidrs(value, zones.length, ctx);
}

function checkSubnetCidrs(value: Record<string, unknown>, zoneCount: number, ctx: Issues): void {
  const net = isObject(value.network) ? value.network : {};
  const vpcCidr = typeof net.vpcCidr === "string" ? net.vpcCidr : "10.0.0.0/16";
  const vpc = parseCidr(vpcCidr);
  const seen: { label: string; block: Ipv4Block }[] = [];
  for (const tier of ["publicSubnetCidrs", "privateSubnetCidrs"] as const) {
    const cidrs = net[tier];
    if (!Array.isArray(cidrs)) continue;
    if (zoneCount > 0 && cidrs.length !== zoneCount) {
      ctx.addIssue({
        code: "custom",
        path: ["network", tier],
        message: `has ${cidrs.length} CIDRs for ${zoneCount} availabilityZones; give one per AZ, in AZ order`,
      });
    }
    cidrs.forEach((cidrText, index) => {
      const block = typeof cidrText === "string" ? parseCidr(cidrText) : undefined;
      if (!block) return; // malformed: already reported by the field's own check
      if (vpc && !cidrContains(vpc, block)) {
        ctx.addIssue({
          code: "custom",
          path: ["network", tier, index],
          message: `is outside the VPC CIDR ${JSON.stringify(vpcCidr)}; use a block inside it`,
        });
        return;
      }
      for (const other of seen) {
        if (cidrsOverlap(other.block, block)) {
          ctx.addIssue({
            code: "custom",
            path: ["network", tier, index],
            message: `overlaps network.${other.label}; subnets must not overlap`,
          });
        }
      }
      seen.push({ label: `${tier}[${index}] ${JSON.stringify(cidrText)}`, block });
    });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
