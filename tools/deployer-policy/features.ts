/**
 * Settings files that between them switch on every feature the settings allow, so the deployer
 * policy is generated from what a deploy may need, not from the sample configs. Some features
 * exclude each other (fixed instances or a fleet, a created or an existing network, a created or
 * a given key), hence more than one file. A test fails when a settings section gains a key that
 * none of them sets.
 */
import type { z } from "zod";
import type { SettingsSchema } from "../../settings/schema";
import { LifecycleTransition, PerformanceMode, ThroughputMode } from "../../modules/efs/types";

type Settings = z.input<typeof SettingsSchema>;

const REGION = "eu-west-1";
const ACCOUNT = "111122223333";
const key = (id: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;
const BOUNDARY_ARN = `arn:aws:iam::${ACCOUNT}:policy/efs-shared-home-boundary`;

/** A created network, private hosts behind VPC endpoints, a fleet with code sync, created keys. */
const createdNetworkFleet: Settings = {
  region: REGION,
  availabilityZones: ["eu-west-1a", "eu-west-1b"],
  tags: { Environment: "all-features" },
  namePrefix: "all",
  iam: { permissionsBoundaryArn: BOUNDARY_ARN },
  network: {
    vpcCidr: "10.30.0.0/16",
    publicSubnetCidrs: ["10.30.0.0/24", "10.30.1.0/24"],
    privateSubnetCidrs: ["10.30.128.0/24", "10.30.129.0/24"],
    flowLogs: { enabled: true, retentionDays: 30 },
    namePrefix: "all",
    hostSubnets: "private",
  },
  fileSystem: {
    name: "all-home",
    performanceMode: PerformanceMode.GENERAL_PURPOSE,
    throughputMode: ThroughputMode.ELASTIC,
    lifecycle: {
      transitionToIa: LifecycleTransition.AFTER_30_DAYS,
      transitionToArchive: LifecycleTransition.AFTER_90_DAYS,
      transitionToPrimaryStorageClassOnAccess: true,
    },
    createKmsKey: true,
    preventDestroy: true,
    allowAnonymousAccess: true,
    accessPoints: {
      home: {
        path: "/home",
        posixUser: { uid: 1000, gid: 1000, secondaryGids: [100] },
        creationInfo: { ownerUid: 1000, ownerGid: 1000, permissions: "0750" },
      },
    },
    automaticBackups: false,
    replication: { region: "eu-central-1", kmsKeyArn: "arn:aws:kms:eu-central-1:111122223333:key/replica" },
    replicationOverwriteProtection: true,
    tags: { DataClass: "internal" },
  },
  monitoring: {
    alarmEmails: ["ops@example.com"],
    burstCreditBalanceThresholdBytes: 1_000_000,
    percentIoLimitThreshold: 90,
    throughputUtilizationThresholdPercent: 80,
    namePrefix: "all-efs",
    tags: { Alerting: "on" },
  },
  clients: {
    count: 2,
    placement: "fleet",
    instanceType: "t3.small",
    amiId: "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
    mountPath: "/home",
    mountMethod: "efs-utils",
    sshIngressCidrs: ["203.0.113.0/24"],
    allowSshFromAnywhere: false,
    mountTargetWaitSeconds: 300,
    targetGroupArns: [`arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/web/0123456789abcdef`],
    codeSync: {
      bucketName: "example-code-bucket",
      prefix: "releases/web",
      kmsKeyArn: key("code"),
      targetPath: "/var/www/html",
      timeoutSeconds: 600,
      keepReleases: 3,
      bucketAccountId: ACCOUNT,
    },
  },
  backup: {
    ebsSnapshots: {
      enabled: true,
      volumeSizeGiB: 10,
      intervalMinutes: 15,
      keepLast: 100,
      keepDays: 7,
      kmsKeyArn: key("ebs"),
      timeoutMinutes: 60,
      volumeUsedAlarmPercent: 80,
      maxDeletePercent: 20,
    },
    awsBackup: {
      enabled: true,
      schedule: "cron(0 5 * * ? *)",
      deleteAfterDays: 120,
      coldStorageAfterDays: 30,
      vaultLock: { minRetentionDays: 7, maxRetentionDays: 400, changeableForDays: 3 },
    },
  },
  state: {
    bucket: "example-all-efs-tfstate",
    keyPrefix: "efs/all",
    region: REGION,
    kmsKeyArn: key("state"),
    dynamodbTable: "terraform-locks",
    noncurrentVersionExpirationDays: 30,
    breakGlassRoleArn: `arn:aws:iam::${ACCOUNT}:role/state-break-glass`,
  },
};

/** An existing network, public hosts as fixed instances, keys and topic given, EFS's own backups. */
const existingNetworkInstances: Settings = {
  region: REGION,
  availabilityZones: ["eu-west-1a", "eu-west-1b"],
  iam: { permissionsBoundaryArn: BOUNDARY_ARN },
  network: {
    existing: {
      vpcId: "vpc-0123456789abcdef0",
      publicSubnets: [
        { id: "subnet-0123456789abcdef0", availabilityZone: "eu-west-1a" },
        { id: "subnet-0123456789abcdef1", availabilityZone: "eu-west-1b" },
      ],
      privateSubnets: [
        { id: "subnet-0123456789abcdef2", availabilityZone: "eu-west-1a" },
        { id: "subnet-0123456789abcdef3", availabilityZone: "eu-west-1b" },
      ],
    },
    hostSubnets: "public",
  },
  fileSystem: {
    throughputMode: ThroughputMode.PROVISIONED,
    provisionedThroughputMibps: 10,
    oneZoneAvailabilityZone: "eu-west-1a",
    kmsKeyArn: key("efs"),
    automaticBackups: true,
    replication: {
      region: "eu-central-1",
      availabilityZone: "eu-central-1a",
      destinationFileSystemId: "fs-0123456789abcdef0",
    },
  },
  monitoring: { existingTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:alarms` },
  clients: { placement: "instances", count: 1 },
  backup: {
    ebsSnapshots: { enabled: true },
    awsBackup: { enabled: false, kmsKeyArn: key("vault") },
  },
  state: { bucket: "example-existing-efs-tfstate" },
};

/** Flow logs off and AWS Backup with a given key: the remaining branches. */
const givenVaultKey: Settings = {
  region: REGION,
  availabilityZones: ["eu-west-1a", "eu-west-1b"],
  network: { flowLogs: { enabled: false } },
  backup: { ebsSnapshots: { enabled: false }, awsBackup: { kmsKeyArn: key("vault") } },
};

export const FEATURE_SETTINGS: Readonly<Record<string, Settings>> = {
  "created-network-fleet": createdNetworkFleet,
  "existing-network-instances": existingNetworkInstances,
  "given-vault-key": givenVaultKey,
};
