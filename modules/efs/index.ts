import { Construct } from "constructs";
import { Fn, Lazy, Op, Token } from "cdktf";
import { EfsFileSystem, EfsFileSystemLifecyclePolicy } from "@cdktf/provider-aws/lib/efs-file-system";
import { EfsMountTarget } from "@cdktf/provider-aws/lib/efs-mount-target";
import { EfsFileSystemPolicy } from "@cdktf/provider-aws/lib/efs-file-system-policy";
import { EfsAccessPoint } from "@cdktf/provider-aws/lib/efs-access-point";
import { EfsBackupPolicy } from "@cdktf/provider-aws/lib/efs-backup-policy";
import { EfsReplicationConfiguration } from "@cdktf/provider-aws/lib/efs-replication-configuration";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import type { SubnetRef } from "../network";
import { validateFileSystemAttributes, validateFileSystemProps } from "./validate";
import { FileSystemBase, grantStatements, NFS_PORT, READ_ACTIONS, VIA_MOUNT_TARGET } from "./grants";
import type { FileSystemPolicyGrant, IFileSystem, PolicyStatement } from "./grants";
import {
  AccessPointOptions,
  LifecycleOptions,
  LifecycleTransition,
  PerformanceMode,
  ReplicationOptions,
  ThroughputMode,
} from "./types";
import { jsonDocument } from "../shared/json";
import { isKnown, ValidationErrors } from "../shared/validation";

/** EFS refuses a file-system policy longer than this (PutFileSystemPolicy; EFS User Guide). */
export const FILE_SYSTEM_POLICY_MAX_CHARACTERS = 20_000;
/**
 * What synth assumes for ARNs known only at apply time when it measures the policy: the longest a
 * role ARN with a 64-character name and no path, and an EFS ARN in the longest Region name, can be.
 * A role created with a literal name is counted at its real length instead.
 */
const ESTIMATED_ARN_CHARACTERS = { role: 95, fileSystem: 86, accessPoint: 89 } as const;

export * from "./types";
export { FileSystemBase, NFS_PORT } from "./grants";
export type { GrantableRole, Grantee, GrantOptions, IFileSystem, NfsSource, RoleReference } from "./grants";

export interface SharedFileSystemProps {
  /** The VPC of the mount targets and security groups. */
  readonly vpcId: string;
  /**
   * Subnets for the mount targets, one per AZ. For a regional file system, at least 2 distinct AZs;
   * for One Zone, exactly one subnet in `oneZoneAvailabilityZone`. Use private subnets (FSBP EFS.6).
   */
  readonly subnets: readonly SubnetRef[];
  /**
   * Name tag, and the prefix of every related resource's name.
   * @default "shared-home"
   */
  readonly name?: string;
  /**
   * Performance mode. Changing it replaces the file system and so deletes its data.
   * @default PerformanceMode.GENERAL_PURPOSE
   */
  readonly performanceMode?: PerformanceMode;
  /**
   * Throughput mode.
   *
   * DEVIATION: unlike the AWS API default (`bursting`), throughput is `elastic`: bursting file
   * systems that run out of credits throttle to their baseline, which for a small home share is a
   * few MiB/s. Elastic has no credits to exhaust and is billed per use.
   * @default ThroughputMode.ELASTIC
   */
  readonly throughputMode?: ThroughputMode;
  /**
   * Throughput for a file system in provisioned mode, in MiB/s (1 to 3414, the upper limit varies by Region).
   * @default - none; synth fails if the mode is provisioned and this is missing
   */
  readonly provisionedThroughputMibps?: number;
  /**
   * Storage-class transitions.
   * @default - to Infrequent Access after 30 days, back to Standard on first access, no Archive
   */
  readonly lifecycle?: LifecycleOptions;
  /**
   * Creates a One Zone file system in this AZ instead of a regional one. Cheaper, but the data lives
   * in one AZ only. Changing it replaces the file system.
   * @default - regional (data stored across AZs)
   */
  readonly oneZoneAvailabilityZone?: string;
  /**
   * ARN of an existing customer-managed KMS key for encryption at rest.
   * @default - the AWS-managed `aws/elasticfilesystem` key, unless `createKmsKey` is set
   */
  readonly kmsKeyArn?: string;
  /**
   * Creates a customer-managed KMS key, with yearly rotation on, for encryption at rest.
   * @default false
   */
  readonly createKmsKey?: boolean;
  /**
   * Sets `lifecycle.prevent_destroy`, so Terraform refuses any plan that would destroy the file
   * system, including a replacement. Turn it off only for throwaway environments.
   * @default true
   */
  readonly preventDestroy?: boolean;
  /**
   * Lets NFS clients without IAM authorization mount read-only (still only over TLS, through a
   * mount target). Writing takes a grant: EFS checks no principal condition keys for NFS clients,
   * so an anonymous write allow would also be one for every IAM principal of every account.
   *
   * DEVIATION: without a file-system policy EFS allows anonymous access; we deny it by default.
   * @default false
   */
  readonly allowAnonymousAccess?: boolean;
  /**
   * Access points by name.
   * @default - none
   */
  readonly accessPoints?: Readonly<Record<string, AccessPointOptions>>;
  /**
   * Turns on the EFS automatic backup policy (daily AWS Backup to the default vault). Leave it off
   * when an AWS Backup plan of your own selects this file system, or the data is backed up twice.
   * @default false
   */
  readonly automaticBackups?: boolean;
  /**
   * Replicates the file system to another Region or AZ.
   * @default - no replication
   */
  readonly replication?: ReplicationOptions;
  /**
   * Protects this file system from being overwritten when someone makes it a replication
   * destination.
   * @default true
   */
  readonly replicationOverwriteProtection?: boolean;
  /**
   * Tags on the file system and its related resources.
   * @default - none beyond the provider's default tags
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** A mount target as a caller needs it: where it is and how to reach it. */
export interface MountTargetRef {
  readonly id: string;
  readonly availabilityZone: string;
  readonly subnetId: string;
  readonly ipAddress: string;
}

/** An existing file system, by ARN, for `SharedFileSystem.fromAttributes`. */
export interface SharedFileSystemAttributes {
  /**
   * The file system's ARN, `arn:aws:elasticfilesystem:<region>:<account>:file-system/fs-...`. Its id,
   * Region and DNS name are derived from it (as Terraform expressions when it is a token).
   */
  readonly fileSystemArn: string;
  /**
   * The security group on its mount targets; `allowNfsFrom` adds ingress rules to it.
   * @default - none; `allowNfsFrom` fails with an error that asks for it
   */
  readonly mountTargetSecurityGroupId?: string;
}

/**
 * An encrypted EFS file system with one mount target per AZ, the book's two security groups,
 * a file-system policy that requires TLS and IAM, and optional access points, backup and replication.
 *
 * Grant access with `grantReadWrite(role)` / `grantRootAccess(role)` and open the NFS port with
 * `allowNfsFrom(securityGroup)`; the module's own `clientSecurityGroup` is allowed already.
 */
export class SharedFileSystem extends FileSystemBase {
  readonly fileSystem: EfsFileSystem;
  readonly fileSystemId: string;
  readonly fileSystemArn: string;
  /** The regional DNS name; clients mount `<id>.efs.<region>.amazonaws.com`. */
  readonly dnsName: string;
  readonly performanceMode: PerformanceMode;
  readonly throughputMode: ThroughputMode;
  readonly isOneZone: boolean;
  /** Attached to every mount target. Ingress only on TCP 2049 from allowed groups; no egress. */
  readonly mountTargetSecurityGroup: SecurityGroup;
  /** The book's "client" marker group: attach it to a machine to let it reach the mount targets. */
  readonly clientSecurityGroup: SecurityGroup;
  readonly mountTargets: readonly MountTargetRef[];
  /** The mount-target resources, for `dependsOn` of whatever mounts the file system first. */
  readonly mountTargetResources: readonly EfsMountTarget[];
  /** Whether the file-system policy lets clients without IAM authorization mount read-only (`allowAnonymousAccess`). */
  readonly allowAnonymousAccess: boolean;
  readonly accessPoints: Readonly<Record<string, EfsAccessPoint>>;
  /** The KMS key this module created, when `createKmsKey` is set. */
  readonly kmsKey?: KmsKey;
  readonly replicationConfiguration?: EfsReplicationConfiguration;

  protected readonly fileSystemPolicyGrants: FileSystemPolicyGrant[] = [];
  protected readonly policyNamePrefix: string;
  protected readonly knownAccountId = undefined;
  protected readonly nfsTargetSecurityGroupId: string;
  private readonly literalVpcId: string | undefined;

  protected override get mountTargetVpcId(): string | undefined {
    return this.literalVpcId;
  }

  private readonly namePrefix: string;

  /**
   * An existing file system (another stack's or team's), with the same `grant*` and `allowNfsFrom`.
   * Grants write only the role's identity policy: the file-system policy belongs to the file system's
   * owner, who must allow the role there too unless that policy lets the account's principals in.
   */
  static fromAttributes(scope: Construct, id: string, attributes: SharedFileSystemAttributes): IFileSystem {
    return new ImportedFileSystem(scope, id, attributes);
  }

  constructor(scope: Construct, id: string, props: SharedFileSystemProps) {
    super(scope, id);
    validateFileSystemProps(this.node.path, props);
    this.literalVpcId = isKnown(props.vpcId) ? props.vpcId : undefined;

    this.namePrefix = props.name ?? "shared-home";
    this.policyNamePrefix = `${this.namePrefix}-efs`;
    this.allowAnonymousAccess = props.allowAnonymousAccess ?? false;
    this.performanceMode = props.performanceMode ?? PerformanceMode.GENERAL_PURPOSE;
    this.throughputMode = props.throughputMode ?? ThroughputMode.ELASTIC;
    this.isOneZone = props.oneZoneAvailabilityZone !== undefined;
    const tags = (suffix?: string) => ({
      ...props.tags,
      Name: suffix ? `${this.namePrefix}-${suffix}` : this.namePrefix,
    });

    if (props.createKmsKey) {
      this.kmsKey = new KmsKey(this, "kms-key", {
        description: `Encrypts the ${this.namePrefix} EFS file system at rest`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        tags: tags("efs"),
      });
    }

    this.fileSystem = new EfsFileSystem(this, "file-system", {
      encrypted: true,
      kmsKeyId: this.kmsKey?.arn ?? props.kmsKeyArn,
      performanceMode: this.performanceMode,
      throughputMode: this.throughputMode,
      provisionedThroughputInMibps:
        this.throughputMode === ThroughputMode.PROVISIONED ? props.provisionedThroughputMibps : undefined,
      availabilityZoneName: props.oneZoneAvailabilityZone,
      lifecyclePolicy: lifecyclePolicies(props.lifecycle),
      protection: {
        replicationOverwrite: (props.replicationOverwriteProtection ?? true) ? "ENABLED" : "DISABLED",
      },
      tags: tags(),
      lifecycle: { preventDestroy: props.preventDestroy ?? true },
    });
    this.fileSystemId = this.fileSystem.id;
    this.fileSystemArn = this.fileSystem.arn;
    this.dnsName = this.fileSystem.dnsName;

    this.mountTargetSecurityGroup = new SecurityGroup(this, "mount-target-security-group", {
      namePrefix: `${this.namePrefix}-mount-target-`,
      description: `EFS mount targets of ${this.namePrefix}: NFS in from client groups only`,
      vpcId: props.vpcId,
      tags: tags("mount-target"),
      lifecycle: { createBeforeDestroy: true },
    });
    this.nfsTargetSecurityGroupId = this.mountTargetSecurityGroup.id;
    this.clientSecurityGroup = new SecurityGroup(this, "client-security-group", {
      namePrefix: `${this.namePrefix}-client-`,
      description: `Marks machines allowed to mount ${this.namePrefix} over NFS`,
      vpcId: props.vpcId,
      tags: tags("client"),
      lifecycle: { createBeforeDestroy: true },
    });
    new VpcSecurityGroupEgressRule(this, "client-nfs-egress", {
      securityGroupId: this.clientSecurityGroup.id,
      description: `NFS out to the ${this.namePrefix} mount targets`,
      ipProtocol: "tcp",
      fromPort: NFS_PORT,
      toPort: NFS_PORT,
      referencedSecurityGroupId: this.mountTargetSecurityGroup.id,
    });
    // The id predates allowNfsFrom's unique ids; kept, so existing deployments keep their rule.
    this.addNfsIngress(
      "nfs-from-client-security-group",
      "NFS in from client-security-group",
      this.clientSecurityGroup.id,
      this.clientSecurityGroup,
    );

    const placed = props.subnets.map((subnet) => ({
      subnet,
      mountTarget: new EfsMountTarget(this, `mount-target-${subnet.availabilityZone}`, {
        fileSystemId: this.fileSystem.id,
        subnetId: subnet.id,
        securityGroups: [this.mountTargetSecurityGroup.id],
      }),
    }));
    this.mountTargetResources = placed.map(({ mountTarget }) => mountTarget);
    this.mountTargets = placed.map(({ subnet, mountTarget }) => ({
      id: mountTarget.id,
      availabilityZone: subnet.availabilityZone,
      subnetId: subnet.id,
      ipAddress: mountTarget.ipAddress,
    }));

    const accessPoints: Record<string, EfsAccessPoint> = {};
    for (const [name, options] of Object.entries(props.accessPoints ?? {})) {
      accessPoints[name] = new EfsAccessPoint(this, `access-point-${name}`, {
        fileSystemId: this.fileSystem.id,
        posixUser: options.posixUser && {
          uid: options.posixUser.uid,
          gid: options.posixUser.gid,
          secondaryGids: options.posixUser.secondaryGids ? [...options.posixUser.secondaryGids] : undefined,
        },
        rootDirectory: {
          path: options.path,
          creationInfo: options.creationInfo && {
            ownerUid: options.creationInfo.ownerUid,
            ownerGid: options.creationInfo.ownerGid,
            permissions: options.creationInfo.permissions,
          },
        },
        tags: tags(`ap-${name}`),
      });
    }
    this.accessPoints = accessPoints;

    // Written out even when disabled, so a reviewer sees the choice in the plan.
    new EfsBackupPolicy(this, "backup-policy", {
      fileSystemId: this.fileSystem.id,
      backupPolicy: { status: props.automaticBackups ? "ENABLED" : "DISABLED" },
    });

    if (props.replication) {
      this.replicationConfiguration = new EfsReplicationConfiguration(this, "replication", {
        sourceFileSystemId: this.fileSystem.id,
        destination: {
          region: props.replication.region,
          availabilityZoneName: props.replication.availabilityZone,
          kmsKeyId: props.replication.kmsKeyArn,
          fileSystemId: props.replication.destinationFileSystemId,
        },
      });
    }

    new EfsFileSystemPolicy(this, "file-system-policy", {
      fileSystemId: this.fileSystem.id,
      policy: Lazy.stringValue({ produce: () => jsonDocument(this.checkedPolicyDocument(props)) }),
    });
  }

  /** The policy, refused at synth when it could be longer than EFS takes. */
  private checkedPolicyDocument(props: SharedFileSystemProps) {
    const document = this.policyDocument(props);
    const estimate = this.estimatedLength(document);
    const errors = new ValidationErrors(this.node.path);
    if (estimate > FILE_SYSTEM_POLICY_MAX_CHARACTERS) {
      const grants = this.fileSystemPolicyGrants;
      const roles = new Set(grants.map((g) => g.principalKey)).size;
      const accessPoints = new Set(grants.flatMap((g) => (g.accessPoint ? [g.accessPoint.key] : []))).size;
      errors.add(
        "grants",
        `make a file-system policy of about ${estimate} characters, over EFS's limit of ${FILE_SYSTEM_POLICY_MAX_CHARACTERS}: it holds ${grants.length} grants to ${roles} roles through ${accessPoints} access points; grant fewer roles, or group roles that share an access point and level`,
      );
    }
    errors.throwIfAny();
    return document;
  }

  /** The policy's length as compact JSON, each ARN known only at apply time counted at its longest. */
  private estimatedLength(document: object): number {
    const estimates = new Map<string, number>([[this.fileSystem.arn, ESTIMATED_ARN_CHARACTERS.fileSystem]]);
    for (const grant of this.fileSystemPolicyGrants) {
      if (grant.accessPoint) estimates.set(grant.accessPoint.arn, ESTIMATED_ARN_CHARACTERS.accessPoint);
      if (grant.principalArnLength !== undefined) estimates.set(grant.principalArn, grant.principalArnLength);
    }
    const text = JSON.stringify(document, (_, value: unknown) =>
      typeof value === "string" && Token.isUnresolved(value)
        ? "x".repeat(estimates.get(value) ?? ESTIMATED_ARN_CHARACTERS.role)
        : value,
    );
    return text.length;
  }

  private policyDocument(props: SharedFileSystemProps) {
    const statements: PolicyStatement[] = [
      {
        Sid: "DenyWithoutTls",
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: "*",
        Resource: this.fileSystem.arn,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      ...grantStatements(this.fileSystemPolicyGrants, this.fileSystem.arn),
    ];
    if (props.allowAnonymousAccess) {
      // Read-only: EFS enforces no principal condition keys for NFS clients, so an Allow for "*" is
      // one for every IAM principal of every account too; with ClientWrite it would make each read
      // grant read-write and let any account write.
      statements.push({
        Sid: "AllowAnonymousReadViaMountTarget",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: READ_ACTIONS,
        Resource: this.fileSystem.arn,
        Condition: VIA_MOUNT_TARGET,
      });
    }
    return { Version: "2012-10-17", Id: `${this.namePrefix}-policy`, Statement: statements };
  }
}

/** A file system created elsewhere: grants write identity policies only; see `SharedFileSystem.fromAttributes`. */
class ImportedFileSystem extends FileSystemBase {
  readonly fileSystemId: string;
  readonly fileSystemArn: string;
  readonly dnsName: string;
  readonly mountTargetResources: readonly EfsMountTarget[] = [];
  protected readonly fileSystemPolicyGrants = undefined;
  protected readonly policyNamePrefix = "efs";
  protected readonly knownAccountId: string | undefined;
  protected readonly nfsTargetSecurityGroupId: string | undefined;

  constructor(scope: Construct, id: string, attributes: SharedFileSystemAttributes) {
    super(scope, id);
    const parsed = validateFileSystemAttributes(this.node.path, attributes);
    this.fileSystemArn = attributes.fileSystemArn;
    this.nfsTargetSecurityGroupId = attributes.mountTargetSecurityGroupId;
    if (parsed) {
      this.fileSystemId = parsed.fileSystemId;
      this.knownAccountId = parsed.accountId;
      this.dnsName = `${parsed.fileSystemId}.efs.${parsed.region}.${dnsSuffixOf(parsed.partition)}`;
    } else {
      const parts = Fn.split(":", attributes.fileSystemArn);
      this.fileSystemId = Fn.element(Fn.split("/", attributes.fileSystemArn), 1);
      const suffix = Token.asString(
        Fn.conditional(Op.eq(Fn.element(parts, 1), "aws-cn"), "amazonaws.com.cn", "amazonaws.com"),
      );
      this.dnsName = `${this.fileSystemId}.efs.${Fn.element(parts, 3)}.${suffix}`;
    }
  }
}

/** EFS DNS names end in the partition's domain. */
function dnsSuffixOf(partition: string): string {
  return partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
}

const DEFAULT_LIFECYCLE: LifecycleOptions = {
  transitionToIa: LifecycleTransition.AFTER_30_DAYS,
  transitionToPrimaryStorageClassOnAccess: true,
};

/** EFS takes one lifecycle_policy block per transition. */
function lifecyclePolicies(options: LifecycleOptions = DEFAULT_LIFECYCLE): EfsFileSystemLifecyclePolicy[] {
  const policies: EfsFileSystemLifecyclePolicy[] = [];
  if (options.transitionToIa) policies.push({ transitionToIa: options.transitionToIa });
  if (options.transitionToArchive) policies.push({ transitionToArchive: options.transitionToArchive });
  if (options.transitionToPrimaryStorageClassOnAccess) {
    policies.push({ transitionToPrimaryStorageClass: "AFTER_1_ACCESS" });
  }
  return policies;
}
