import { ROLE_ARN_PATTERN } from "../modules/shared/patterns";
import { z } from "zod";
import { cidrContains, cidrsOverlap, Ipv4Block, parseCidr } from "../modules/shared/cidr";
import {
  LifecycleTransition,
  PerformanceMode,
  PROVISIONED_THROUGHPUT_MIBPS,
  ThroughputMode,
} from "../modules/efs/types";
import { ACCESS_POINT_PATH, SECONDARY_GIDS_MAX } from "../modules/efs/validate";
import { CLIENT_COUNT_MAX, MOUNT_TARGET_WAIT_SECONDS } from "../modules/clients/validate";
import { ALARM_EMAILS_MAX, MAX_BURST_CREDIT_BALANCE_BYTES } from "../modules/monitoring/validate";
import {
  BACKUP_RETENTION_DAYS_MAX,
  GP3_SIZE_GIB,
  KEEP_DAYS_MAX,
  RUN_TIMEOUT_MINUTES,
  KEEP_LAST_MAX,
  SNAPSHOT_INTERVAL_MINUTES,
  VAULT_LOCK_CHANGEABLE_MIN_DAYS,
} from "../modules/backup/validate";
import { defaultSubnetCidrs, LOG_RETENTION_DAYS } from "../modules/network";
import {
  AZ_NAME_PATTERN,
  KMS_KEY_ARN_PATTERN,
  regionOfArnText,
  regionOfAz,
  REGION_PATTERN,
  S3_BUCKET_NAME_PATTERN,
  SUBNET_ID_PATTERN,
  VPC_ID_PATTERN,
} from "../modules/shared/patterns";
import { show, tagProblems } from "../modules/shared/validation";
import { IAM_POLICY_ARN_PATTERN } from "../modules/shared/iam";
import { OWNERSHIP_TAG } from "../stacks/ownership";
import {
  KEEP_RELEASES,
  S3_KEY_PREFIX_PATTERN,
  SYNC_TIMEOUT_SECONDS,
  TARGET_GROUP_ARN_PATTERN,
} from "../modules/clients/code-sync";

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

/** The S3 bucket-name rule, reserved forms included: one rule for the state and the code bucket. */
export const BUCKET_NAME_PATTERN = S3_BUCKET_NAME_PATTERN;
// DynamoDB table names (CreateTableInput.TableName).
const DYNAMODB_TABLE_PATTERN = /^[a-zA-Z0-9_.-]{3,255}$/;
// S3 object-key segments without the characters AWS says to avoid; no leading, trailing or double slash.
const KEY_PREFIX_PATTERN = /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/;
const NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * Upper bounds of the settings' lists. Each is far above what one environment needs, and keeps a
 * typo (a count of 1000000) from running the synth until it is killed.
 */
export const SETTINGS_LIMITS = {
  /** The most AZs any Region has (us-east-1: 6). */
  availabilityZones: 6,
  accessPoints: 100,
  sshIngressCidrs: 50,
  /** Auto Scaling's quota of target groups per group. */
  targetGroupArns: 50,
} as const;

/** Tags the stacks put on resources themselves (provider default tags, and the Name tag). */
const STACK_TAG_KEYS = ["Project", "Stack", "ManagedBy", "Name"];

/** `must be an integer from <min> to <max> [unit]`, for the type check and both bounds alike. */
function integer(min: number, max: number, unit = "") {
  const error = `must be an integer from ${min} to ${max}${unit ? ` ${unit}` : ""}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

/** `must be a number from <min> to <max> [unit]`. */
function numberIn(min: number, max: number, unit = "") {
  const error = `must be a number from ${min} to ${max}${unit ? ` ${unit}` : ""}`;
  return z.number({ error }).min(min, { error }).max(max, { error });
}

/** A JSON array of at most `max` items; the message names the bound and what the list holds. */
function list<T extends z.ZodType>(item: T, max: number, what: string, min = 0) {
  const error = min > 0 ? `must list ${min} to ${max} ${what}` : `must list at most ${max} ${what}`;
  return z.array(item).min(min, { error }).max(max, { error });
}

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
      error: (issue) =>
        typeof issue.input === "string" && issue.input.trim() !== issue.input
          ? "must not start or end with white space: KMS would look for a key of that name and find none"
          : 'must be a KMS key or alias ARN such as "arn:aws:kms:eu-west-1:111122223333:key/..."',
    })
    .describe(description);

const posixId = (description: string) => integer(0, 4294967295, "(a POSIX id)").describe(description);

/** Tag maps: the rules EFS enforces, which the other services we tag share. */
const tags = (description: string) => z.record(z.string(), z.string()).describe(description);

function existingSubnet(description: string) {
  return section({
    id: z
      .string()
      .regex(SUBNET_ID_PATTERN, { error: 'must be a subnet id such as "subnet-0123456789abcdef0"' })
      .describe("Subnet id."),
    availabilityZone: z
      .string()
      .regex(AZ_NAME_PATTERN, { error: 'must be an AZ name such as "eu-west-1a"' })
      .describe("The subnet's AZ, one of availabilityZones."),
  }).describe(description);
}

const network = section({
  vpcCidr: cidr("IPv4 CIDR of the VPC, /16 to /28. Default 10.0.0.0/16.")
    .refine((value) => {
      const block = parseCidr(value);
      return block === undefined || (block.prefixLength >= 16 && block.prefixLength <= 28);
    }, "must have a prefix from /16 to /28, as AWS allows for a VPC")
    .optional(),
  publicSubnetCidrs: list(cidr("CIDR of one public subnet."), SETTINGS_LIMITS.availabilityZones, "CIDRs")
    .describe(
      "CIDRs of the public (client) subnets, one per AZ in the order of availabilityZones, inside vpcCidr and not overlapping. Default: /24s from the first half of the VPC.",
    )
    .optional(),
  privateSubnetCidrs: list(cidr("CIDR of one private subnet."), SETTINGS_LIMITS.availabilityZones, "CIDRs")
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
  existing: section({
    vpcId: z
      .string()
      .regex(VPC_ID_PATTERN, { error: 'must be a VPC id such as "vpc-0123456789abcdef0"' })
      .describe("Id of the existing VPC."),
    publicSubnets: list(
      existingSubnet("A subnet for clients."),
      SETTINGS_LIMITS.availabilityZones,
      "subnets",
      2,
    ).describe(
      "Subnets for the clients and the backup host (a route to the internet or VPC endpoints), one in each of availabilityZones (2 to 6).",
    ),
    privateSubnets: list(
      existingSubnet("A subnet for a mount target."),
      SETTINGS_LIMITS.availabilityZones,
      "subnets",
      2,
    ).describe("Subnets for the mount targets, one in each of availabilityZones (2 to 6)."),
  })
    .describe(
      "Use this existing VPC and its subnets instead of creating a network (then no vpcCidr, subnet CIDRs, flowLogs or namePrefix). Default: a VPC is created.",
    )
    .optional(),
  // Issue #15 (tighter defaults): hosts without public IPs, behind VPC endpoints.
  hostSubnets: z
    .enum(["public", "private"], {
      error:
        'must be "public" (hosts with public IPs, the default) or "private" (no public IPs; VPC endpoints, charged per AZ and hour)',
    })
    .describe(
      'Where the clients and the backup host go. "public": public subnets, public IPs (the default). "private": private subnets, no public IPs; VPC endpoints for S3, SSM and the APIs the hosts call, charged per AZ and hour (docs/modules/network.md, "Hosts in private subnets").',
    )
    .optional(),
}).describe("The VPC: one public and one private subnet per availability zone, created or existing.");

const transition = (description: string) =>
  z
    .enum(LifecycleTransition, {
      error: `must be one of ${Object.values(LifecycleTransition).join(", ")}`,
    })
    .describe(description);

const accessPoint = section({
  path: z
    .string()
    .describe(
      `The directory clients see as "/"; absolute, not "/" itself, e.g. "/home". At most ${ACCESS_POINT_PATH.maxLength} characters and ${ACCESS_POINT_PATH.maxDepth} directories deep, without $ # < > ; \` | & ? { } ^ *.`,
    ),
  posixUser: section({
    uid: posixId("User id every request is made as."),
    gid: posixId("Group id every request is made as."),
    secondaryGids: list(posixId("A secondary group id."), SECONDARY_GIDS_MAX, "group ids")
      .describe(`Secondary group ids, at most ${SECONDARY_GIDS_MAX}.`)
      .optional(),
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
  provisionedThroughputMibps: numberIn(
    PROVISIONED_THROUGHPUT_MIBPS.min,
    PROVISIONED_THROUGHPUT_MIBPS.max,
    "MiB/s",
  )
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
    .refine((points) => Object.keys(points).length <= SETTINGS_LIMITS.accessPoints, {
      error: `must hold at most ${SETTINGS_LIMITS.accessPoints} access points`,
    })
    .describe(
      `Access points by name (lower-case letters, digits, dashes), at most ${SETTINGS_LIMITS.accessPoints}. Default none.`,
    )
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
  tags: tags(
    "Tags of the file system and its mount-target security groups and access points, on top of the top-level tags. With those, at most 50 in all.",
  ).optional(),
}).describe("The EFS file system. Mount targets go into the private subnets.");

const monitoring = section({
  alarmEmails: list(
    z.email({ error: 'must be an e-mail address such as "ops@example.com"' }).describe("An e-mail address."),
    ALARM_EMAILS_MAX,
    "addresses (subscribe a mailing list for more)",
  )
    .describe(
      `Addresses subscribed to the alarm topic, at most ${ALARM_EMAILS_MAX}; each must confirm SNS's mail. Default: none.`,
    )
    .optional(),
  existingTopicArn: z
    .string()
    .describe("Send alarms to this existing SNS topic instead of a created one (then no alarmEmails).")
    .optional(),
  burstCreditBalanceThresholdBytes: numberIn(1, MAX_BURST_CREDIT_BALANCE_BYTES, "bytes")
    .describe(
      `Bursting mode only: alarm when BurstCreditBalance falls below this many bytes (1 to ${MAX_BURST_CREDIT_BALANCE_BYTES}, 2.1 TiB). Default 192416666667.`,
    )
    .optional(),
  percentIoLimitThreshold: numberIn(1, 100, "percent")
    .describe("generalPurpose mode only: alarm when PercentIOLimit stays above this (1 to 100). Default 95.")
    .optional(),
  throughputUtilizationThresholdPercent: numberIn(1, 100, "percent")
    .describe("Alarm when throughput stays above this % of the permitted throughput (1 to 100). Default 80.")
    .optional(),
  namePrefix: z
    .string()
    .max(64, { error: "must have at most 64 characters" })
    .describe(
      "Start of the alarm, dashboard and topic names (letters, digits, - and _). Default: the stack name.",
    )
    .optional(),
  tags: tags(
    "Tags of the alarms, topic and dashboard, on top of the top-level tags. With those, at most 50 in all.",
  ).optional(),
}).describe("CloudWatch alarms, alarm topic and dashboard of the file system (always on; this tunes them).");

// Types, formats and ranges only: the clients module itself refuses 0.0.0.0/0 without the switch,
// unsafe mount paths and wait bounds, and its messages are mapped back to `clients.*`.
const clients = section({
  count: integer(1, CLIENT_COUNT_MAX)
    .describe(
      `Number of client machines that mount the share, spread over the public subnets (1 to ${CLIENT_COUNT_MAX}). Default 2.`,
    )
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
  // The clients module also offers "nfs" (plain NFSv4.1) for file systems it did not make; ours
  // always has a policy that denies every request without TLS, so here "nfs" could only fail.
  mountMethod: z
    .enum(["efs-utils"], {
      error: (issue) =>
        issue.input === "nfs"
          ? 'cannot be "nfs" here: plain NFS has no TLS, and the file system\'s policy denies every request without TLS, so every mount would fail; use "efs-utils" (TLS + IAM)'
          : 'must be "efs-utils" (the EFS mount helper, TLS + IAM)',
    })
    .describe(
      '"efs-utils": the EFS mount helper with tls,iam, the only method the file system\'s TLS-only policy lets through. Default "efs-utils".',
    )
    .optional(),
  sshIngressCidrs: list(cidr("A CIDR allowed to reach port 22."), SETTINGS_LIMITS.sshIngressCidrs, "CIDRs")
    .describe(
      `CIDRs allowed to reach SSH (port 22), at most ${SETTINGS_LIMITS.sshIngressCidrs}. Default: none; use SSM Session Manager instead.`,
    )
    .optional(),
  allowSshFromAnywhere: z
    .boolean()
    .describe("The only way to accept 0.0.0.0/0 or ::/0 in sshIngressCidrs. Default false.")
    .optional(),
  mountTargetWaitSeconds: integer(MOUNT_TARGET_WAIT_SECONDS.min, MOUNT_TARGET_WAIT_SECONDS.max, "seconds")
    .describe(
      `How long a client waits for its mount target (DNS and TCP 2049) before failing (${MOUNT_TARGET_WAIT_SECONDS.min} to ${MOUNT_TARGET_WAIT_SECONDS.max} s). Default 300.`,
    )
    .optional(),
  // The web fleet (issue #12): the clients module refuses target groups without placement "fleet",
  // a targetPath on the share and a KMS alias; here only types, formats and ranges.
  targetGroupArns: list(
    z
      .string()
      .regex(TARGET_GROUP_ARN_PATTERN, {
        error:
          'must be a target group ARN such as "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/0123456789abcdef"',
      })
      .describe("A load-balancer target group ARN."),
    SETTINGS_LIMITS.targetGroupArns,
    "target groups",
  )
    .describe(
      'Target groups the fleet registers with (placement "fleet" only); the fleet then uses load-balancer health checks. Default: none.',
    )
    .optional(),
  codeSync: section({
    bucketName: z
      .string()
      .regex(BUCKET_NAME_PATTERN, {
        error:
          "must be an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit, no '..', not an IP address, not a reserved form (xn--, sthree-, amzn-s3-demo- prefixes; -s3alias, --ol-s3, .mrap, --x-s3 suffixes)",
      })
      .describe("S3 bucket that holds the code; the clients may read only it. Not state.bucket."),
    bucketAccountId: z
      .string()
      .regex(/^\d{12}$/, { error: "must be an AWS account id: 12 digits" })
      .describe(
        "Account that owns the bucket; the clients read only from a bucket of this account (s3:ResourceAccount). Default: the clients' own account.",
      )
      .optional(),
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
    timeoutSeconds: integer(SYNC_TIMEOUT_SECONDS.min, SYNC_TIMEOUT_SECONDS.max, "seconds")
      .describe(
        `Bound on one copy from S3, in seconds (${SYNC_TIMEOUT_SECONDS.min} to ${SYNC_TIMEOUT_SECONDS.max}). Default 600.`,
      )
      .optional(),
    keepReleases: integer(KEEP_RELEASES.min, KEEP_RELEASES.max, "releases")
      .describe(
        `Previous releases kept on each client for a rollback (${KEEP_RELEASES.min} to ${KEEP_RELEASES.max}). Default 3.`,
      )
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
/** Days of AWS Backup retention: `<what> (<min> to 36500).<after>`. */
const retentionDays = (what: string, after = "", min = 1) =>
  integer(min, BACKUP_RETENTION_DAYS_MAX, "days").describe(
    `${what} (${min} to ${BACKUP_RETENTION_DAYS_MAX}).${after}`,
  );

const backup = section({
  ebsSnapshots: section({
    enabled: z
      .boolean()
      .describe("Back the share up to an EBS volume and snapshot it. Default true.")
      .optional(),
    volumeSizeGiB: integer(GP3_SIZE_GIB.min, GP3_SIZE_GIB.max, "GiB")
      .describe(`Size of the backup volume in GiB (${GP3_SIZE_GIB.min} to ${GP3_SIZE_GIB.max}). Default 5.`)
      .optional(),
    intervalMinutes: z
      .literal(SNAPSHOT_INTERVAL_MINUTES, {
        error: `must be one of ${SNAPSHOT_INTERVAL_MINUTES.join(", ")} (minutes that divide an hour or a day evenly)`,
      })
      .describe("Minutes between two snapshots, dividing an hour or a day evenly. Default 15.")
      .optional(),
    keepLast: integer(1, KEEP_LAST_MAX, "snapshots")
      .describe(`Keep at most this many snapshots (1 to ${KEEP_LAST_MAX}). Default 672.`)
      .optional(),
    keepDays: integer(1, KEEP_DAYS_MAX, "days")
      .describe(`Keep snapshots at most this many days (1 to ${KEEP_DAYS_MAX}). Default 7.`)
      .optional(),
    maxDeletePercent: integer(1, 100, "percent")
      .describe(
        "A run that would delete more than this share (percent) of the backup copy stops and alerts instead; 100 turns the check off. Default 20.",
      )
      .optional(),
    kmsKeyArn: kmsKeyArn("KMS key of the backup volume. Default: aws/ebs.").optional(),
    timeoutMinutes: integer(RUN_TIMEOUT_MINUTES.min, RUN_TIMEOUT_MINUTES.max, "minutes")
      .describe(
        "Longest a run may take before it is stopped and reported (5 to 10080). Default: 4 intervals, at least 60.",
      )
      .optional(),
    volumeUsedAlarmPercent: numberIn(1, 100, "percent")
      .describe("Alarm when the backup volume is fuller than this, in percent (1 to 100). Default 80.")
      .optional(),
  })
    .describe("EBS-snapshot backup from a backup host (the book's design).")
    .optional(),
  awsBackup: section({
    enabled: z.boolean().describe("Back the file system up with AWS Backup. Default true.").optional(),
    schedule: awsCron.describe("When to back up: AWS cron in UTC. Default cron(0 5 * * ? *).").optional(),
    deleteAfterDays: retentionDays("Days to keep each recovery point", " Default 35.").optional(),
    coldStorageAfterDays: retentionDays("Days after which recovery points move to cold storage").optional(),
    vaultLock: section({
      minRetentionDays: retentionDays("Shortest retention the vault accepts").optional(),
      maxRetentionDays: retentionDays("Longest retention the vault accepts").optional(),
      changeableForDays: retentionDays(
        "Days before the lock becomes immutable (compliance mode)",
        "",
        VAULT_LOCK_CHANGEABLE_MIN_DAYS,
      ).optional(),
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
  noncurrentVersionExpirationDays: integer(1, 3650, "days")
    .describe(
      "The state bucket deletes old (noncurrent) state versions after this many days (1 to 3650). Default 90.",
    )
    .optional(),
  breakGlassRoleArn: z
    .string()
    .regex(ROLE_ARN_PATTERN, {
      error: 'must be an IAM role ARN such as "arn:aws:iam::111122223333:role/state-break-glass"',
    })
    .describe(
      "The only role allowed to delete state object versions (s3:DeleteObjectVersion); nobody else can, lifecycle expiry aside. Default: nobody.",
    )
    .optional(),
}).describe("Remote state in S3 with S3-native locking.");

const iam = section({
  permissionsBoundaryArn: z
    .string()
    .regex(IAM_POLICY_ARN_PATTERN, {
      error:
        'must be an IAM managed policy ARN such as "arn:aws:iam::111122223333:policy/efs-shared-home-boundary"',
    })
    .describe(
      "Permissions boundary of every role the stacks create. The deployer policy (docs/deployer-policy.json) creates roles only with it: create it once from docs/permissions-boundary.json (docs/security.md). Default: none.",
    )
    .optional(),
}).describe("IAM options of the roles the stacks create.");

const settingsShape = {
  $schema: z
    .string()
    .max(2048, { error: "must have at most 2048 characters" })
    .describe("Path or URL of this JSON Schema, for editors.")
    .optional(),
  region: region("AWS Region of every stack, e.g. eu-west-1."),
  availabilityZones: z
    .array(
      z
        .string()
        .regex(AZ_NAME_PATTERN, { error: 'must be an AZ name such as "eu-west-1a"' })
        .describe("An AZ name."),
    )
    .min(2, { error: "needs at least 2 AZs: a regional file system has mount targets in 2 or more" })
    .max(SETTINGS_LIMITS.availabilityZones, {
      error: `must list at most ${SETTINGS_LIMITS.availabilityZones} AZs, the most any Region has`,
    })
    .describe(
      `Availability zones in \`region\`, 2 to ${SETTINGS_LIMITS.availabilityZones}, each once: one public and one private subnet each.`,
    ),
  tags: tags(
    "Tags for every resource, through the AWS provider's default tags. Keys 1 to 128 and values up to 256 letters, digits, spaces and _ . : / = + - @; no aws: prefix; at most 46 (the stacks add Project, Stack, ManagedBy and Name).",
  ).optional(),
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
  iam: iam.optional(),
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
type Path = (string | number)[];

function addIssue(ctx: Issues, path: Path, message: string): void {
  ctx.addIssue({ code: "custom", path, message });
}

/**
 * Rules between fields. Runs even when other fields failed (so every problem is listed at once),
 * hence the defensive type checks: a field may still hold the wrong type here.
 */
function checkCrossFieldRules(value: Record<string, unknown>, ctx: Issues): void {
  // A malformed region is reported on its own; comparing other fields with it would only add noise.
  const regionName =
    typeof value.region === "string" && REGION_PATTERN.test(value.region) ? value.region : undefined;
  const zones = Array.isArray(value.availabilityZones) ? value.availabilityZones : [];
  zones.forEach((zone, index) => {
    if (typeof zone !== "string") return;
    if (regionName !== undefined && AZ_NAME_PATTERN.test(zone) && regionOfAz(zone) !== regionName) {
      addIssue(
        ctx,
        ["availabilityZones", index],
        `is not in region ${JSON.stringify(regionName)}; use AZs such as "${regionName}a"`,
      );
    }
    if (zones.indexOf(zone) !== index) {
      addIssue(ctx, ["availabilityZones", index], "is listed twice; give each AZ once");
    }
  });

  const fs = objectAt(value, "fileSystem");
  if (typeof fs.oneZoneAvailabilityZone === "string" && zones.length > 0) {
    if (!zones.includes(fs.oneZoneAvailabilityZone)) {
      addIssue(
        ctx,
        ["fileSystem", "oneZoneAvailabilityZone"],
        `must be one of availabilityZones ${JSON.stringify(zones)}`,
      );
    }
  }

  checkTags(value, ctx);
  checkKmsKeyRegions(value, regionName, ctx);
  checkBoundaryPartition(value, regionName, ctx);
  checkBreakGlassPartition(value, regionName, ctx);
  checkCodeBucketIsNotStateBucket(value, ctx);
  const net = objectAt(value, "network");
  if (isObject(net.existing)) {
    checkExistingNetwork(net, zones, regionName, ctx);
  } else {
    checkSubnetCidrs(value, zones.length, ctx);
  }
}

/** Each tag map against AWS's tag rules; the 50-tag limit counts every tag a resource ends up with. */
function checkTags(value: Record<string, unknown>, ctx: Issues): void {
  const stringMap = (map: unknown) =>
    isObject(map) && Object.values(map).every((v) => typeof v === "string")
      ? (map as Record<string, string>)
      : undefined;
  const topLevel = stringMap(value.tags);
  const onTop = new Set([...STACK_TAG_KEYS, ...Object.keys(topLevel ?? {})]);
  const report = (path: Path, tagMap: Record<string, string>, alsoPresent: Set<string>) => {
    const others = [...alsoPresent].filter((key) => !(key in tagMap)).length;
    for (const { key, problem } of tagProblems(tagMap, others)) {
      addIssue(ctx, key === undefined ? path : [...path, key], problem);
    }
  };
  if (topLevel) report(["tags"], topLevel, new Set(STACK_TAG_KEYS));
  for (const sectionName of ["fileSystem", "monitoring"]) {
    const sectionTags = stringMap(objectAt(value, sectionName).tags);
    if (sectionTags) report([sectionName, "tags"], sectionTags, onTop);
  }
  // The deployer policy scopes its writes by this tag: another value would lock it out.
  for (const path of [["tags"], ["fileSystem", "tags"], ["monitoring", "tags"]]) {
    const map = path.length === 1 ? value.tags : objectAt(value, path[0]).tags;
    if (isObject(map) && OWNERSHIP_TAG.key in map) {
      addIssue(
        ctx,
        [...path, OWNERSHIP_TAG.key],
        `is the stacks' ownership tag (${OWNERSHIP_TAG.key}=${OWNERSHIP_TAG.value}), which the deployer policy scopes its writes by; use another key`,
      );
    }
  }
}

/** The partition of a Region's ARNs: "aws-cn" for cn-north-1, "aws-us-gov" for us-gov-west-1. */
export function partitionOfRegion(regionName: string): string {
  const prefixes: [string, string][] = [
    ["cn-", "aws-cn"],
    ["us-gov-", "aws-us-gov"],
    ["us-isob-", "aws-iso-b"],
    ["us-iso-", "aws-iso"],
    ["eu-isoe-", "aws-iso-e"],
    ["us-isof-", "aws-iso-f"],
  ];
  return prefixes.find(([prefix]) => regionName.startsWith(prefix))?.[1] ?? "aws";
}

/** IAM refuses a boundary from another partition; say so at synth rather than at CreateRole. */
/** An IAM ARN must be in the partition of the settings' Region. */
function checkArnPartition(
  arn: string,
  path: (string | number)[],
  kind: "policy" | "role",
  regionName: string,
  ctx: Issues,
): void {
  const partition = partitionOfRegion(regionName);
  if (arn.split(":")[1] !== partition) {
    addIssue(
      ctx,
      path,
      `is in partition ${show(arn.split(":")[1])}, but region ${show(regionName)} is in ${show(partition)}; use "arn:${partition}:iam::<account>:${kind}/<name>"`,
    );
  }
}

/** The state bucket's break-glass role: in the Region's partition (found by an attack). */
function checkBreakGlassPartition(
  value: Record<string, unknown>,
  regionName: string | undefined,
  ctx: Issues,
): void {
  const arn = objectAt(value, "state").breakGlassRoleArn;
  if (regionName === undefined || typeof arn !== "string" || !ROLE_ARN_PATTERN.test(arn)) return;
  checkArnPartition(arn, ["state", "breakGlassRoleArn"], "role", regionName, ctx);
}

function checkBoundaryPartition(
  value: Record<string, unknown>,
  regionName: string | undefined,
  ctx: Issues,
): void {
  const arn = objectAt(value, "iam").permissionsBoundaryArn;
  if (regionName === undefined || typeof arn !== "string" || !IAM_POLICY_ARN_PATTERN.test(arn)) return;
  checkArnPartition(arn, ["iam", "permissionsBoundaryArn"], "policy", regionName, ctx);
  if (arn.split(":")[4] === "aws") {
    addIssue(
      ctx,
      ["iam", "permissionsBoundaryArn"],
      "is an AWS-managed policy; a boundary of ours must be a policy of your account, made from docs/permissions-boundary.json",
    );
  }
}

/** A KMS key works only in its own Region: each key must be where the resource it encrypts is. */
/** The code sync serves every object under its prefix from the web root: never the Terraform state. */
function checkCodeBucketIsNotStateBucket(value: Record<string, unknown>, ctx: Issues): void {
  const codeBucket = objectAt(objectAt(value, "clients"), "codeSync").bucketName;
  const stateBucket = objectAt(value, "state").bucket;
  if (typeof codeBucket === "string" && codeBucket === stateBucket) {
    addIssue(
      ctx,
      ["clients", "codeSync", "bucketName"],
      `is also state.bucket; the clients would be allowed to read every stack's .tfstate (secrets included) and could serve it from the web root. Keep the code in a bucket of its own`,
    );
  }
}

function checkKmsKeyRegions(
  value: Record<string, unknown>,
  regionName: string | undefined,
  ctx: Issues,
): void {
  const state = objectAt(value, "state");
  const stateRegion =
    typeof state.region === "string"
      ? REGION_PATTERN.test(state.region)
        ? state.region
        : undefined
      : regionName;
  const backup = objectAt(value, "backup");
  const keys: [Path, unknown, string | undefined, string][] = [
    [["fileSystem", "kmsKeyArn"], objectAt(value, "fileSystem").kmsKeyArn, regionName, "the file system"],
    [
      ["backup", "ebsSnapshots", "kmsKeyArn"],
      objectAt(backup, "ebsSnapshots").kmsKeyArn,
      regionName,
      "the backup volume",
    ],
    [
      ["backup", "awsBackup", "kmsKeyArn"],
      objectAt(backup, "awsBackup").kmsKeyArn,
      regionName,
      "the backup vault",
    ],
    [["state", "kmsKeyArn"], state.kmsKeyArn, stateRegion, "the state bucket"],
  ];
  for (const [path, arn, resourceRegion, resource] of keys) {
    if (typeof arn !== "string" || resourceRegion === undefined || !KMS_KEY_ARN_PATTERN.test(arn)) continue;
    const keyRegion = regionOfArnText(arn);
    if (keyRegion !== undefined && keyRegion !== resourceRegion) {
      addIssue(
        ctx,
        path,
        `is a key in ${show(keyRegion)}, but ${resource} is in ${show(resourceRegion)}; a KMS key works only in its own Region`,
      );
    }
  }
}

/** `network.existing`: one public and one private subnet in each of availabilityZones, nothing to create. */
function checkExistingNetwork(
  net: Record<string, unknown>,
  zones: readonly unknown[],
  regionName: string | undefined,
  ctx: Issues,
): void {
  for (const key of ["vpcCidr", "publicSubnetCidrs", "privateSubnetCidrs", "flowLogs", "namePrefix"]) {
    if (net[key] !== undefined) {
      addIssue(
        ctx,
        ["network", key],
        "cannot be combined with network.existing: it configures a VPC this app creates, and with network.existing it creates none",
      );
    }
  }
  const existing = net.existing as Record<string, unknown>;
  const subnetIds = new Map<string, string>();
  for (const tier of ["publicSubnets", "privateSubnets"] as const) {
    const subnets = existing[tier];
    if (!Array.isArray(subnets)) continue;
    const tierPath: Path = ["network", "existing", tier];
    const covered = new Map<string, number>();
    subnets.forEach((subnet, index) => {
      if (!isObject(subnet)) return;
      const { id, availabilityZone: zone } = subnet;
      if (typeof id === "string" && SUBNET_ID_PATTERN.test(id)) {
        const other = subnetIds.get(id);
        if (other !== undefined) {
          addIssue(ctx, [...tierPath, index, "id"], `is also ${other}; give each subnet once`);
        }
        subnetIds.set(id, `network.existing.${tier}[${index}]`);
      }
      if (typeof zone !== "string" || !AZ_NAME_PATTERN.test(zone)) return;
      const zonePath = [...tierPath, index, "availabilityZone"];
      if (regionName !== undefined && regionOfAz(zone) !== regionName) {
        addIssue(ctx, zonePath, `is not in region ${show(regionName)}`);
      } else if (zones.length > 0 && !zones.includes(zone)) {
        addIssue(ctx, zonePath, `is not one of availabilityZones ${show(zones)}`);
      } else if (covered.has(zone)) {
        addIssue(
          ctx,
          zonePath,
          `already has a subnet (${tier}[${covered.get(zone)}]); give one subnet per AZ`,
        );
      } else {
        covered.set(zone, index);
      }
    });
    const missing = zones.filter((zone) => typeof zone === "string" && !covered.has(zone));
    if (missing.length > 0 && subnets.length > 0) {
      addIssue(ctx, tierPath, `has no subnet in ${show(missing)}; give one in each of availabilityZones`);
    }
  }
}

function checkSubnetCidrs(value: Record<string, unknown>, zoneCount: number, ctx: Issues): void {
  const net = objectAt(value, "network");
  const vpcCidr = typeof net.vpcCidr === "string" ? net.vpcCidr : "10.0.0.0/16";
  const vpc = parseCidr(vpcCidr);
  checkDefaultSubnetsFit(net, vpc, zoneCount, ctx);
  const seen: { label: string; block: Ipv4Block }[] = [];
  for (const tier of ["publicSubnetCidrs", "privateSubnetCidrs"] as const) {
    const cidrs = net[tier];
    if (!Array.isArray(cidrs)) continue;
    if (zoneCount > 0 && cidrs.length !== zoneCount) {
      addIssue(
        ctx,
        ["network", tier],
        `has ${cidrs.length} CIDRs for ${zoneCount} availabilityZones; give one per AZ, in AZ order`,
      );
    }
    cidrs.forEach((cidrText, index) => {
      const block = typeof cidrText === "string" ? parseCidr(cidrText) : undefined;
      if (!block) return; // malformed: already reported by the field's own check
      if (vpc && !cidrContains(vpc, block)) {
        addIssue(
          ctx,
          ["network", tier, index],
          `is outside the VPC CIDR ${JSON.stringify(vpcCidr)}; use a block inside it`,
        );
        return;
      }
      if (block.prefixLength > 28) {
        addIssue(ctx, ["network", tier, index], "is smaller than /28, the smallest subnet AWS allows");
        return;
      }
      for (const other of seen) {
        if (cidrsOverlap(other.block, block)) {
          addIssue(
            ctx,
            ["network", tier, index],
            `overlaps network.${other.label}; subnets must not overlap`,
          );
        }
      }
      seen.push({ label: `${tier}[${index}] ${JSON.stringify(cidrText)}`, block });
    });
  }
}

/** The smallest subnet AWS allows: /28, 16 addresses. */
const SMALLEST_SUBNET_PREFIX = 28;

/**
 * Without subnet CIDRs, the network carves one subnet per AZ from each half of the VPC. When that
 * does not fit, the field to blame is the one the user wrote, `vpcCidr`, not a CIDR list they never
 * gave: say how many subnets of what size are needed, and which VPC size holds them.
 */
function checkDefaultSubnetsFit(
  net: Record<string, unknown>,
  vpc: Ipv4Block | undefined,
  zoneCount: number,
  ctx: Issues,
): void {
  const defaulted = (["publicSubnetCidrs", "privateSubnetCidrs"] as const).filter(
    (tier) => net[tier] === undefined,
  );
  if (!vpc || zoneCount === 0 || defaulted.length === 0 || vpc.prefixLength < 16 || vpc.prefixLength > 28)
    return;
  const fits = (block: Ipv4Block) =>
    defaultSubnetCidrs(block, zoneCount, 0).every(
      (cidrText) => cidrText !== "" && parseCidr(cidrText)!.prefixLength <= SMALLEST_SUBNET_PREFIX,
    );
  if (fits(vpc)) return;
  const capacity = defaultSubnetCidrs(vpc, zoneCount, 0).filter(
    (cidrText) => cidrText !== "" && parseCidr(cidrText)!.prefixLength <= SMALLEST_SUBNET_PREFIX,
  ).length;
  let needed = vpc.prefixLength;
  while (needed > 16 && !fits({ network: 0, prefixLength: needed })) needed--;
  const subnetPrefix = parseCidr(defaultSubnetCidrs({ network: 0, prefixLength: needed }, zoneCount, 0)[0])!;
  const lists = defaulted.map((tier) => `network.${tier}`).join(" and ");
  addIssue(
    ctx,
    ["network", "vpcCidr"],
    `is too small for ${zoneCount} AZs: without ${lists}, each half of the VPC needs ${zoneCount} subnets of at least /${SMALLEST_SUBNET_PREFIX} (one per AZ), and a /${vpc.prefixLength} holds ${capacity}; use a /${needed} or larger (subnets of /${subnetPrefix.prefixLength}), or give the subnet CIDRs yourself`,
  );
}

function objectAt(value: Record<string, unknown>, key: string): Record<string, unknown> {
  const found = value[key];
  return isObject(found) ? found : {};
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
