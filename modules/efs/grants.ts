import { createHash } from "node:crypto";
import { Construct } from "constructs";
import { DefaultTokenResolver, Fn, Op, StringConcat, Token, Tokenization } from "cdktf";
import type { EfsAccessPoint } from "@cdktf/provider-aws/lib/efs-access-point";
import type { EfsMountTarget } from "@cdktf/provider-aws/lib/efs-mount-target";
import type { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import type { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { accountIdOfArn } from "../shared/arn";
import { jsonDocument } from "../shared/json";
import {
  ACCESS_POINT_ARN_PATTERN,
  NOT_A_SECURITY_GROUP_ID,
  ROLE_ARN_PATTERN,
  SECURITY_GROUP_ID_PATTERN,
} from "../shared/patterns";
import { isKnown, show, ValidationErrors } from "../shared/validation";

/** The NFS port; EFS mount targets listen on nothing else. */
export const NFS_PORT = 2049;

/** An IAM role construct (an `IamRole`, or a `DataAwsIamRole`) that can be granted file-system access. */
export type GrantableRole = Pick<IamRole, "arn" | "id" | "node">;

/**
 * An existing IAM role named by ARN, without a construct or data source (so a plan calls no AWS API).
 * A role in another account works only with `fileSystemPolicyOnly`: we cannot write its identity policy.
 */
export interface RoleReference {
  /** The role's ARN, e.g. `arn:aws:iam::111122223333:role/path/app`. */
  readonly roleArn: string;
  /**
   * The role's name, for its inline policy.
   * @default - the last segment of `roleArn` (any role path is dropped); required when `roleArn` is
   * known only at apply time and the identity policy is written
   */
  readonly roleName?: string;
}

/** Whom a `grant*` call gives access: a role construct or a plain reference to an existing role. */
export type Grantee = GrantableRole | RoleReference;

/** A security group that may be allowed to reach the mount targets on the NFS port. */
export type NfsSource = Pick<SecurityGroup, "id" | "node">;

/** How a `grant*` call scopes the access and where it writes it. */
export interface GrantOptions {
  /**
   * Limits the grant to mounts through this access point (the construct, or its ARN): both the
   * identity statement and the file-system-policy statement carry
   * `StringEquals: { "elasticfilesystem:AccessPointArn": <arn> }`.
   * @default - the grant applies to every mount, including the file-system root
   */
  readonly accessPoint?: EfsAccessPoint | string;
  /**
   * Writes only the file-system-policy statement, and no inline policy on the role: for a role we must
   * not modify, such as one in another account. Needs a file system whose policy this construct owns
   * (not an imported one).
   * @default false
   */
  readonly fileSystemPolicyOnly?: boolean;
  /**
   * Makes every NFS access of this role go through its own access points: the file-system policy
   * gets an explicit Deny of `elasticfilesystem:Client*` for the role unless
   * `elasticfilesystem:AccessPointArn` is one of the access points it is granted on this file system
   * (no access point at all included), which no other policy can override. Management calls are
   * not denied, so a role that also administers the file system keeps `PutFileSystemPolicy`. Needs
   * `accessPoint`, and a file system whose policy this construct owns. It does not stop anonymous
   * (read-only) mounts when `allowAnonymousAccess` is on.
   * @default false
   */
  readonly accessPointsOnly?: boolean;
  /**
   * Limits the grant to mounts through any access point of the file system, not the root: both
   * statements carry `Null: { "elasticfilesystem:AccessPointArn": "false" }`. For access points
   * created at run time, whose ARNs no policy can name in advance (the EFS CSI driver's dynamic
   * provisioning). Cannot be combined with `accessPoint`.
   * @default false
   */
  readonly anyAccessPoint?: boolean;
}

/** An EFS file system that roles can be granted and security groups allowed on: created or imported. */
export interface IFileSystem {
  readonly fileSystemId: string;
  readonly fileSystemArn: string;
  /** The regional DNS name clients mount, `<id>.efs.<region>.amazonaws.com`. */
  readonly dnsName: string;
  /**
   * The mount targets this construct created, for `dependsOn` (a task or function that starts before
   * its mount target exists fails to mount). Empty for an imported file system.
   */
  readonly mountTargetResources: readonly EfsMountTarget[];
  /** Lets `grantee` mount the file system read-only. */
  grantRead(grantee: Grantee, options?: GrantOptions): void;
  /** Lets `grantee` mount and write, as a non-root user (root is squashed). */
  grantReadWrite(grantee: Grantee, options?: GrantOptions): void;
  /** Lets `grantee` mount and write as root. */
  grantRootAccess(grantee: Grantee, options?: GrantOptions): void;
  /** Lets `grantee` mount read-only as root: it reads every file, whoever owns it, and writes none. */
  grantReadAsRoot(grantee: Grantee, options?: GrantOptions): void;
  /** Lets machines in `source` (a security group construct, or a security-group id) reach the mount targets on TCP 2049. */
  allowNfsFrom(source: NfsSource | string): void;
}

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal: unknown;
  readonly Action: string | string[];
  readonly Resource: string;
  readonly Condition: Record<string, Record<string, string | string[]>>;
}

type AccessLevel = "read" | "read-as-root" | "read-write" | "root";

export const READ_ACTIONS = ["elasticfilesystem:ClientMount"];
export const READ_WRITE_ACTIONS = [...READ_ACTIONS, "elasticfilesystem:ClientWrite"];
const ROOT_ACTIONS = [...READ_WRITE_ACTIONS, "elasticfilesystem:ClientRootAccess"];
// ClientRootAccess only turns root squashing off; without ClientWrite, root still cannot write.
const ROOT_READ_ACTIONS = [...READ_ACTIONS, "elasticfilesystem:ClientRootAccess"];
const ACTIONS_OF: Record<AccessLevel, string[]> = {
  read: READ_ACTIONS,
  "read-as-root": ROOT_READ_ACTIONS,
  "read-write": READ_WRITE_ACTIONS,
  root: ROOT_ACTIONS,
};
/** The NFS client actions, which the `accessPointsOnly` Deny covers; management calls are not among them. */
const CLIENT_ACTIONS = "elasticfilesystem:Client*";
export const VIA_MOUNT_TARGET = { Bool: { "elasticfilesystem:AccessedViaMountTarget": "true" } };
const ACCESS_POINT_ARN_KEY = "elasticfilesystem:AccessPointArn";
const METHOD_OF: Record<AccessLevel, string> = {
  read: "grantRead",
  "read-as-root": "grantReadAsRoot",
  "read-write": "grantReadWrite",
  root: "grantRootAccess",
};

/** The VPC a security-group construct was given, when it is a literal; undefined otherwise. */
function literalVpcIdOf(source: NfsSource): string | undefined {
  const vpcId = (source as Partial<Pick<SecurityGroup, "vpcIdInput">>).vpcIdInput;
  return typeof vpcId === "string" && isKnown(vpcId) ? vpcId : undefined;
}

/** One grant as the file-system policy records it; statements are merged from these when it is written. */
export interface FileSystemPolicyGrant {
  readonly level: AccessLevel;
  readonly principalArn: string;
  /** Unique per grantee (see `Principal.key`). */
  readonly principalKey: string;
  readonly principalReadable: string;
  /** The principal's ARN length when synth can tell it; see `Principal.knownArnLength`. */
  readonly principalArnLength?: number | undefined;
  readonly accessPoint?:
    { readonly arn: string; readonly key: string; readonly readable: string } | undefined;
  readonly accessPointsOnly: boolean;
  /** Mounts through any access point, never without one (see `GrantOptions.anyAccessPoint`). */
  readonly anyAccessPoint: boolean;
}

/** What the base class needs to know about the concrete file system. */
interface Principal {
  /** Unique per grantee and stable across synths: becomes part of construct ids and Sids. */
  readonly key: string;
  /** The readable part of `key`, for Sids that stay short (and as they were) when unique. */
  readonly readable: string;
  /** How error messages name the grantee. */
  readonly display: string;
  readonly arn: string;
  /** For the inline policy: the role's name or id. */
  readonly role?: string | undefined;
  /** True for a role given by ARN, which may sit in another account. */
  readonly byReference: boolean;
  /** The ARN's length when it can be told at synth (a literal ARN, or a role with a literal name). */
  readonly knownArnLength?: number | undefined;
}

/**
 * The grant and NFS-ingress logic shared by `SharedFileSystem` and an imported file system.
 *
 * Every id and AWS name derived from a grantee or source is unique per grantee and per file system:
 * ids carry the grantee's construct id plus a hash of its node path (or, for a plain ARN or
 * security-group id, the id itself or a hash of its Terraform expression), and inline policy names
 * carry the file system's id. Two file systems granting one role, or two groups both called `sg`,
 * therefore never collide, in the construct tree or in AWS.
 */
export abstract class FileSystemBase extends Construct implements IFileSystem {
  abstract readonly fileSystemId: string;
  abstract readonly fileSystemArn: string;
  abstract readonly dnsName: string;
  abstract readonly mountTargetResources: readonly EfsMountTarget[];

  /**
   * Grants this construct writes into the file-system policy it owns; undefined when it owns none
   * (an imported file system).
   */
  protected abstract readonly fileSystemPolicyGrants: FileSystemPolicyGrant[] | undefined;
  /** Prefix of inline policy names. */
  protected abstract readonly policyNamePrefix: string;
  /** The file system's account when known at synth (a literal imported ARN). */
  protected abstract readonly knownAccountId: string | undefined;
  /** The group on the mount targets, for NFS ingress rules; undefined when unknown. */
  protected abstract readonly nfsTargetSecurityGroupId: string | undefined;

  /**
   * The VPC of the mount targets when known at synth (a literal `vpcId`), so that `allowNfsFrom`
   * can refuse a security group of another VPC; undefined when unknown.
   */
  protected get mountTargetVpcId(): string | undefined {
    return undefined;
  }

  private readonly grantLabels = new Set<string>();
  /** Sources already allowed: the construct itself, or the id string's key. */
  private readonly nfsSources = new Set<unknown>();
  private readonly accessPointsOnlyKeys = new Set<string>();
  private readonly unscopedGrantKeys = new Set<string>();

  /** Lets `grantee` mount the file system read-only (ClientMount). */
  grantRead(grantee: Grantee, options: GrantOptions = {}): void {
    this.grant(grantee, "read", options);
  }

  /**
   * Lets `grantee` mount read-only as root (ClientMount and ClientRootAccess, no ClientWrite): it
   * reads every user's files, owners kept, and cannot change any, e.g. a backup copy.
   */
  grantReadAsRoot(grantee: Grantee, options: GrantOptions = {}): void {
    this.grant(grantee, "read-as-root", options);
  }

  /** Lets `grantee` mount and write, as a non-root user (root is squashed). */
  grantReadWrite(grantee: Grantee, options: GrantOptions = {}): void {
    this.grant(grantee, "read-write", options);
  }

  /** Lets `grantee` mount and write as root, e.g. to seed `/home` or chown users' directories. */
  grantRootAccess(grantee: Grantee, options: GrantOptions = {}): void {
    this.grant(grantee, "root", options);
  }

  /**
   * Lets machines in `source` reach the mount targets on TCP 2049: a security group construct, or a
   * security-group id (checked when literal). Allowing the same source twice adds one rule.
   */
  allowNfsFrom(source: NfsSource | string): void {
    const errors = new ValidationErrors(`${this.node.path}.allowNfsFrom`);
    const targetGroup = this.nfsTargetSecurityGroupId;
    if (targetGroup === undefined) {
      errors.add(
        "mountTargetSecurityGroupId",
        "is not set on this imported file system; give it to fromAttributes() to open NFS from other groups",
      );
    }
    let key: string;
    let sourceId: string;
    let from: string;
    if (typeof source === "string") {
      errors.checkFormat("source", source, SECURITY_GROUP_ID_PATTERN, NOT_A_SECURITY_GROUP_ID);
      key = isKnown(source) ? source : `ref-${hashOf(expressionOf(this, source))}`;
      sourceId = source;
      from = source;
    } else {
      const sourceVpc = literalVpcIdOf(source);
      const ownVpc = this.mountTargetVpcId;
      errors.check(
        sourceVpc === undefined || ownVpc === undefined || sourceVpc === ownVpc,
        "source",
        `security group ${source.node.path} is in VPC ${show(sourceVpc)}, but the mount targets are in ${show(ownVpc)}; EC2 refuses a rule naming a group of another VPC unless the two are peered, and NFS would not pass. Use a group of ${show(ownVpc)}`,
      );
      key = constructKey(source);
      sourceId = source.id;
      from = source.node.path;
    }
    errors.throwIfAny();
    this.addNfsIngress(`nfs-from-${key}`, `NFS in from ${from}`.slice(0, 255), sourceId, source);
  }

  /** One ingress rule on the mount-target group; the id is the caller's, so existing ids can be kept. */
  protected addNfsIngress(
    id: string,
    description: string,
    sourceSecurityGroupId: string,
    source: NfsSource | string,
  ): void {
    // EC2 refuses a second identical rule at apply time, so a source allowed twice gets one rule.
    const marker = typeof source === "string" ? `id:${id}` : source;
    if (this.nfsSources.has(marker)) return;
    this.nfsSources.add(marker);
    new VpcSecurityGroupIngressRule(this, id, {
      securityGroupId: this.nfsTargetSecurityGroupId!,
      description,
      ipProtocol: "tcp",
      fromPort: NFS_PORT,
      toPort: NFS_PORT,
      referencedSecurityGroupId: sourceSecurityGroupId,
    });
  }

  /**
   * Grants on both sides: the file-system policy allows the role (when this construct owns that
   * policy), and the role gets an inline policy for the same actions on this file system only
   * (unless `fileSystemPolicyOnly`). ClientMount is always included: a statement with ClientWrite but
   * no ClientMount blocks every mount.
   */
  private grant(grantee: Grantee, level: AccessLevel, options: GrantOptions): void {
    const actions = ACTIONS_OF[level];
    const errors = new ValidationErrors(`${this.node.path}.${METHOD_OF[level]}`);
    const principal = this.principalOf(grantee, errors);
    const accessPoint = this.accessPointOf(options.accessPoint, errors);
    const ownsPolicy = this.fileSystemPolicyGrants !== undefined;
    const writesIdentityPolicy = !options.fileSystemPolicyOnly;

    if (options.fileSystemPolicyOnly && !ownsPolicy) {
      errors.add(
        "fileSystemPolicyOnly",
        "cannot be used on an imported file system: its file-system policy belongs to its owner; grant through the role's identity policy instead",
      );
    }
    if (options.accessPointsOnly && !ownsPolicy) {
      errors.add(
        "accessPointsOnly",
        "needs a Deny in the file-system policy, which an imported file system's owner controls",
      );
    }
    if (options.anyAccessPoint && options.accessPoint !== undefined) {
      errors.add("anyAccessPoint", "is set together with accessPoint; choose one");
    }
    if (options.accessPointsOnly && !accessPoint) {
      errors.add("accessPointsOnly", "is set without accessPoint; give the access point this role must use");
    }
    if (principal) {
      if (options.accessPointsOnly && accessPoint && this.unscopedGrantKeys.has(principal.key)) {
        errors.add(
          "accessPointsOnly",
          `${principal.display} also has a grant without an access point on this file system (or one through any access point), which the Deny would cancel`,
        );
      }
      if (!accessPoint && this.accessPointsOnlyKeys.has(principal.key)) {
        errors.add(
          "accessPoint",
          `is required: ${principal.display} was granted with accessPointsOnly, so a grant without an access point would be denied`,
        );
      }
      if (writesIdentityPolicy) this.checkIdentityPolicyTarget(grantee, principal, errors);
    }
    errors.throwIfAny();
    if (!principal) return;

    const anyAccessPoint = options.anyAccessPoint === true && !accessPoint;
    const scope = accessPoint?.key ?? (anyAccessPoint ? "any-access-point" : undefined);
    const label = [principal.key, level, scope].filter(Boolean).join("-");
    if (this.grantLabels.has(label)) return;
    this.grantLabels.add(label);
    if (options.accessPointsOnly) this.accessPointsOnlyKeys.add(principal.key);
    // An any-access-point grant counts too: the confined role's Deny would cancel it outside its own.
    if (!accessPoint) this.unscopedGrantKeys.add(principal.key);

    const condition: Record<string, Record<string, string>> = { ...VIA_MOUNT_TARGET };
    if (accessPoint) condition.StringEquals = { [ACCESS_POINT_ARN_KEY]: accessPoint.arn };
    // IAM's Null operator: "false" matches only a request that names an access point.
    if (anyAccessPoint) condition.Null = { [ACCESS_POINT_ARN_KEY]: "false" };

    this.fileSystemPolicyGrants?.push({
      level,
      principalArn: principal.arn,
      principalKey: principal.key,
      principalReadable: principal.readable,
      principalArnLength: principal.knownArnLength,
      accessPoint,
      accessPointsOnly: options.accessPointsOnly ?? false,
      anyAccessPoint,
    });

    if (!writesIdentityPolicy) return;
    const nameParts = [
      this.policyNamePrefix,
      level,
      this.fileSystemId,
      accessPoint?.id ?? (anyAccessPoint ? "any-access-point" : undefined),
    ];
    new IamRolePolicy(this, `grant-${label}`, {
      role: principal.role!,
      name: nameParts.filter(Boolean).join("-"),
      policy: jsonDocument({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: actions, Resource: this.fileSystemArn, Condition: condition }],
      }),
      // An inline policy can only be written onto a role of the deployer's account; one named by
      // ARN from elsewhere would land on a same-named role here, or fail. Checked at plan (or apply,
      // while the file system's ARN is unknown) when the ARNs are not both literals. And the policy
      // goes onto `roleName`: when it or the ARN is a token, plan checks they name the same role.
      ...(principal.byReference && {
        lifecycle: {
          precondition: [
            {
              condition: Op.eq(accountIdOfArn(principal.arn), accountIdOfArn(this.fileSystemArn)),
              errorMessage: `${principal.arn} is in another account than the file system: grant it with fileSystemPolicyOnly.`,
            },
            ...(isKnown(principal.arn) && isKnown(principal.role)
              ? []
              : [
                  {
                    condition: Op.eq(
                      Fn.element(Fn.reverse(Fn.split("/", principal.arn)), 0),
                      principal.role!,
                    ),
                    errorMessage:
                      "roleName is not the name at the end of roleArn: the inline policy would land on another role.",
                  },
                ]),
          ],
        },
      }),
    });
  }

  private principalOf(grantee: Grantee, errors: ValidationErrors): Principal | undefined {
    if ("node" in grantee) {
      return {
        key: constructKey(grantee),
        readable: grantee.node.id,
        display: `role ${grantee.node.path}`,
        arn: grantee.arn,
        role: grantee.id,
        byReference: false,
        knownArnLength: roleArnLengthOf(grantee),
      };
    }
    const { roleArn, roleName } = grantee;
    errors.checkFormat(
      "roleArn",
      roleArn,
      ROLE_ARN_PATTERN,
      'is not an IAM role ARN such as "arn:aws:iam::111122223333:role/app" (a path before the name is allowed)',
    );
    const match = isKnown(roleArn) ? ROLE_ARN_PATTERN.exec(roleArn) : null;
    const nameFromArn = match?.[2];
    if (
      roleName !== undefined &&
      isKnown(roleName) &&
      nameFromArn !== undefined &&
      roleName !== nameFromArn
    ) {
      errors.add(
        "roleName",
        `${show(roleName)} is not the name in roleArn ${show(roleArn)} (${show(nameFromArn)})`,
      );
    }
    if (isKnown(roleArn) && !match) return undefined;
    const readable = nameFromArn ?? (roleName !== undefined && isKnown(roleName) ? roleName : "role");
    const key = `${readable}-${hashOf(isKnown(roleArn) ? roleArn : expressionOf(this, roleArn))}`;
    const display = isKnown(roleArn) ? `role ${roleArn}` : "the role";
    return {
      key,
      readable,
      display,
      arn: roleArn,
      role: roleName ?? nameFromArn,
      byReference: true,
      knownArnLength: isKnown(roleArn) ? roleArn.length : undefined,
    };
  }

  private checkIdentityPolicyTarget(grantee: Grantee, principal: Principal, errors: ValidationErrors): void {
    if (!principal.byReference) return;
    if (principal.role === undefined) {
      errors.add(
        "roleName",
        "is required when roleArn is known only at apply time: the inline policy needs the role's name (or use fileSystemPolicyOnly)",
      );
    }
    const roleAccount = isKnown(principal.arn) ? ROLE_ARN_PATTERN.exec(principal.arn)?.[1] : undefined;
    if (
      roleAccount !== undefined &&
      this.knownAccountId !== undefined &&
      roleAccount !== this.knownAccountId
    ) {
      errors.add(
        "fileSystemPolicyOnly",
        `is required for ${show((grantee as RoleReference).roleArn)}: the role is in account ${roleAccount}, the file system in ${this.knownAccountId}, and an inline policy cannot be written onto another account's role`,
      );
    }
  }

  private accessPointOf(
    accessPoint: EfsAccessPoint | string | undefined,
    errors: ValidationErrors,
  ): { arn: string; id: string; key: string; readable: string } | undefined {
    if (accessPoint === undefined) return undefined;
    if (typeof accessPoint !== "string") {
      return {
        arn: accessPoint.arn,
        id: accessPoint.id,
        key: constructKey(accessPoint),
        readable: accessPoint.node.id,
      };
    }
    errors.checkFormat(
      "accessPoint",
      accessPoint,
      ACCESS_POINT_ARN_PATTERN,
      'is not an access point ARN such as "arn:aws:elasticfilesystem:eu-west-1:111122223333:access-point/fsap-0123456789abcdef0"',
    );
    if (isKnown(accessPoint)) {
      const id = ACCESS_POINT_ARN_PATTERN.exec(accessPoint)?.[1];
      return id === undefined ? undefined : { arn: accessPoint, id, key: id, readable: id };
    }
    return {
      arn: accessPoint,
      id: Fn.element(Fn.split("/", accessPoint), 1),
      key: `ap-${hashOf(expressionOf(this, accessPoint))}`,
      readable: "access-point",
    };
  }
}

/** Sid labels of the levels: `AllowReadWrite`, `AllowReadAsRootViaWeb`. */
const LEVEL_LABEL: Record<AccessLevel, string> = {
  read: "Read",
  "read-as-root": "ReadAsRoot",
  "read-write": "ReadWrite",
  root: "Root",
};

/**
 * The file-system-policy statements of `grants`, merged: one Allow per access level and access point
 * (or none) listing every principal granted so, and one Deny per set of access points that
 * `accessPointsOnly` roles are confined to. Merging keeps the policy under EFS's size limit for many
 * more grants than one statement per grant would.
 *
 * The Deny covers the NFS client actions only (`elasticfilesystem:Client*`), so a confined role that
 * is also an administrator still manages the file system; and it fires outside the role's own access
 * points (`StringNotEquals`, which also matches a request with no access point at all).
 */
export function grantStatements(
  grants: readonly FileSystemPolicyGrant[],
  fileSystemArn: string,
): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  const sids = new Set<string>();
  const uniqueSid = (base: string) => {
    let sid = base;
    for (let n = 2; sids.has(sid); n++) sid = `${base}${n}`;
    sids.add(sid);
    return sid;
  };
  const principalsOf = (arns: string[]) => ({ AWS: arns.length === 1 ? arns[0] : arns });

  const allows = new Map<string, { grant: FileSystemPolicyGrant; arns: string[] }>();
  for (const grant of grants) {
    const groupKey = `${grant.level}|${grant.accessPoint?.key ?? (grant.anyAccessPoint ? "*" : "")}`;
    const group = allows.get(groupKey) ?? { grant, arns: [] };
    if (!group.arns.includes(grant.principalArn)) group.arns.push(grant.principalArn);
    allows.set(groupKey, group);
  }
  const apReadableCount = new Map<string, Set<string>>();
  for (const { accessPoint } of grants) {
    if (!accessPoint) continue;
    const keys = apReadableCount.get(accessPoint.readable) ?? new Set<string>();
    keys.add(accessPoint.key);
    apReadableCount.set(accessPoint.readable, keys);
  }
  for (const { grant, arns } of allows.values()) {
    const condition: PolicyStatement["Condition"] = { ...VIA_MOUNT_TARGET };
    let label = LEVEL_LABEL[grant.level];
    if (grant.accessPoint) {
      condition.StringEquals = { [ACCESS_POINT_ARN_KEY]: grant.accessPoint.arn };
      const shared = (apReadableCount.get(grant.accessPoint.readable)?.size ?? 0) > 1;
      label += `Via-${shared ? grant.accessPoint.key : grant.accessPoint.readable}`;
    } else if (grant.anyAccessPoint) {
      // IAM's Null operator: "false" matches only a request that names an access point.
      condition.Null = { [ACCESS_POINT_ARN_KEY]: "false" };
      label += "ViaAnyAccessPoint";
    }
    statements.push({
      Sid: uniqueSid(sidOf("Allow", label)),
      Effect: "Allow",
      Principal: principalsOf(arns),
      Action: ACTIONS_OF[grant.level],
      Resource: fileSystemArn,
      Condition: condition,
    });
  }

  // Each confined role's own access points: every access point it holds a grant through.
  // Keyed by access point keys: an ARN token is a new string at every read of the attribute.
  const confined = new Map<string, { arn: string; readable: string; accessPoints: Map<string, string> }>();
  for (const grant of grants) {
    if (grant.accessPointsOnly && !confined.has(grant.principalKey)) {
      confined.set(grant.principalKey, {
        arn: grant.principalArn,
        readable: grant.principalReadable,
        accessPoints: new Map(),
      });
    }
  }
  for (const grant of grants) {
    const role = confined.get(grant.principalKey);
    if (role && grant.accessPoint && !role.accessPoints.has(grant.accessPoint.key)) {
      role.accessPoints.set(grant.accessPoint.key, grant.accessPoint.arn);
    }
  }
  const denies = new Map<string, { readable: string; arns: string[]; accessPoints: string[] }>();
  for (const role of confined.values()) {
    const setKey = [...role.accessPoints.keys()].join("|");
    const group = denies.get(setKey) ?? {
      readable: role.readable,
      arns: [],
      accessPoints: [...role.accessPoints.values()],
    };
    group.arns.push(role.arn);
    denies.set(setKey, group);
  }
  for (const { readable, arns, accessPoints } of denies.values()) {
    statements.push({
      Sid: uniqueSid(sidOf("DenyOutsideOwnAccessPoints", readable)),
      Effect: "Deny",
      Principal: principalsOf(arns),
      Action: CLIENT_ACTIONS,
      Resource: fileSystemArn,
      Condition: {
        StringNotEquals: {
          [ACCESS_POINT_ARN_KEY]: accessPoints.length === 1 ? accessPoints[0] : accessPoints,
        },
      },
    });
  }
  return statements;
}

/**
 * The ARN length of a role created with a literal name (and path): `arn:aws:iam::<12 digits>:role`,
 * the path, the name; `arn:aws-us-gov` is 7 longer. Undefined when neither the name nor a path other
 * than "/" is literal (the policy check then assumes the longest name under "/").
 */
function roleArnLengthOf(role: GrantableRole): number | undefined {
  const { nameInput, pathInput } = role as { nameInput?: unknown; pathInput?: unknown };
  const path = pathInput === undefined ? "/" : pathInput;
  if (typeof path !== "string" || !isKnown(path)) return undefined;
  const prefix = "arn:aws-us-gov:iam::111122223333:role".length + path.length;
  if (typeof nameInput === "string" && isKnown(nameInput)) return prefix + nameInput.length;
  // A name left to Terraform (or a prefix) is at most 64 characters; a path of its own counts in
  // full (found by an attack: 60 roles under a long path passed as 95 characters each).
  return path === "/" ? undefined : prefix + IAM_ROLE_NAME_MAX_LENGTH;
}

/** IAM's limit on a role name. */
const IAM_ROLE_NAME_MAX_LENGTH = 64;

/** A construct's id plus a hash of its node path: readable, and unique in the whole app. */
function constructKey(construct: { readonly node: Construct["node"] }): string {
  return `${construct.node.id}-${hashOf(construct.node.path)}`;
}

function hashOf(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 8);
}

/**
 * A token's Terraform expression (`${var.sg}`, `${aws_security_group.x.id}`): stable across synths,
 * unlike the token's placeholder text, whose number depends on creation order.
 */
export function expressionOf(scope: Construct, value: string): string {
  const resolved: unknown = Tokenization.resolve(value, {
    scope,
    preparing: false,
    resolver: new DefaultTokenResolver(new StringConcat()),
  });
  return typeof resolved === "string" && !Token.isUnresolved(resolved) ? resolved : JSON.stringify(resolved);
}

/** An IAM Sid: letters and digits only. */
export function sidOf(prefix: string, label: string): string {
  return `${prefix}${label.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_, __, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, "")}`;
}
