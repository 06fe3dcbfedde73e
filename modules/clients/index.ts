import { Construct } from "constructs";
import { Token } from "cdktf";
import { AutoscalingGroup } from "@cdktf/provider-aws/lib/autoscaling-group";
import { EfsMountTarget } from "@cdktf/provider-aws/lib/efs-mount-target";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { SubnetRef } from "../network";
import type { SharedFileSystem } from "../efs";
import { replaceTriggersAsReferences } from "../shared/lifecycle";
import { roleArguments, RoleOptions } from "../shared/iam";
import { addSsmAgentPolicy } from "./instance-role";
import { CLIENT_DEFAULTS, ClientAccess, MountMethod, Placement, RootVolumeOptions } from "./types";
import { MountSettings, renderUserData } from "./user-data";
import { validateClientsProps } from "./validate";
import { CODE_SYNC_TAG_KEY, CodeSync, CodeSyncOptions, syncSettings } from "./code-sync";
export type { CodeSyncOptions, CodeSyncProps } from "./code-sync";

export * from "./types";
// The ECS and Lambda helpers live in `modules/containers` (`cdktf-efs-shared-home/containers`) since
// 0.3.0; these aliases keep `cdktf-efs-shared-home/clients` imports working.
export * from "../containers/ecs";
export * from "../containers/lambda";
export {
  CODE_SYNC_TAG_KEY,
  CodeSync,
  SYNC_BUSY_EXIT_CODE,
  SYNC_SCRIPT,
  SYNC_SCRIPT_PATH,
  SYNC_SETTINGS_PATH,
} from "./code-sync";
export { MOUNT_SCRIPT, MOUNT_SCRIPT_PATH, MOUNT_SETTINGS_PATH, ADDITIONAL_SETUP_PATH } from "./user-data";
export { SSM_AGENT_ACTIONS } from "./instance-role";

/** The latest Amazon Linux 2023 AMI, resolved by EC2 at launch: a plan needs no AWS API call. */
export const AL2023_X86_64_AMI =
  "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
export const AL2023_ARM64_AMI =
  "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";
export const DEFAULT_INSTANCE_TYPE = "t3.micro";
export const DEFAULT_MOUNT_TARGET_WAIT_SECONDS = 300;
const SSH_PORT = 22;
/** Graviton families (t4g, m7gd, c6gn, ...) run arm64 images. */
const GRAVITON_INSTANCE_TYPE = /^[a-z]+\d+g[a-z]*\./;

/** What the clients need from the file system: `SharedFileSystem` from `modules/efs` has all of it. */
export type ClientFileSystem = Pick<
  SharedFileSystem,
  | "node"
  | "fileSystemId"
  | "dnsName"
  | "clientSecurityGroup"
  | "grantRead"
  | "grantReadWrite"
  | "grantRootAccess"
> &
  // Optional, so a file system known only by id can be mounted; when given, placements are checked.
  // grantReadAsRoot is optional too, as it came later: access "read-as-root" needs it.
  Partial<Pick<SharedFileSystem, "mountTargets" | "grantReadAsRoot">>;

export interface EfsClientsProps extends RoleOptions {
  /** The VPC of the subnets; the admin security group is created in it. */
  readonly vpcId: string;
  /**
   * Subnets to place clients in, one per AZ; client `i` goes to `subnets[i % subnets.length]`.
   * Use subnets with a route to the internet (public, or private with NAT): dnf and SSM need it.
   * Each must be in an AZ where the file system has a mount target (checked when the file system
   * lists its `mountTargets`): elsewhere its DNS name does not resolve, and the mount fails.
   */
  readonly subnets: readonly SubnetRef[];
  /**
   * Whether fixed instances get a public IPv4 address. `false` for hosts in private subnets, so that
   * the instance itself says it has none (FSBP EC2.9), whatever its subnet maps. A fleet always
   * follows its subnets' setting.
   * @default - the subnet's `map_public_ip_on_launch`
   */
  readonly associatePublicIpAddress?: boolean;
  /** The file system to mount. The clients join its client security group and get a grant on it. */
  readonly fileSystem: ClientFileSystem;
  /** The Region, for the SSM session commands. */
  readonly region: string;
  /**
   * Number of clients.
   * @default 2
   */
  readonly count?: number;
  /**
   * `instances`: `count` fixed EC2 instances, as in the book. `fleet`: an Auto Scaling group of
   * `count` instances that replaces unhealthy ones and rolls when the launch template changes.
   * Both launch from the same launch template.
   * @default "instances"
   */
  readonly placement?: Placement;
  /**
   * EC2 instance type.
   * @default "t3.micro"
   */
  readonly instanceType?: string;
  /**
   * AMI id, or an SSM parameter as `resolve:ssm:<name>` that EC2 resolves at launch. The mount
   * script needs dnf (Amazon Linux 2023, Fedora, RHEL).
   * @default - the latest Amazon Linux 2023 for the instance type's architecture, via its public SSM parameter
   */
  readonly amiId?: string;
  /**
   * Where the share is mounted.
   * @default "/home"
   */
  readonly mountPath?: string;
  /**
   * `efs-utils` mounts with the EFS mount helper (`amazon-efs-utils`) with `tls,iam`: encrypted in
   * transit and authorized by the instance role.
   *
   * `nfs` is the fallback for images without amazon-efs-utils: the kernel NFS client with the
   * options the EFS user guide recommends (`nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,
   * retrans=2,noresvport,_netdev`), with neither TLS nor IAM. The `modules/efs` file-system policy
   * denies every request without TLS, so `nfs` works only against a file system whose policy allows
   * unencrypted, anonymous clients.
   * @default "efs-utils"
   */
  readonly mountMethod?: MountMethod;
  /**
   * Bound on the boot-time wait for the mount target (its DNS name, then TCP 2049). When it runs
   * out, the script writes why to the console log and exits non-zero.
   * @default 300
   */
  readonly mountTargetWaitSeconds?: number;
  /**
   * What the clients may do on the file system. `root` is needed to seed the share with every
   * user's files, owners kept; `read` and `read-as-root` (every user's files, for a backup copy)
   * also mount the share read-only.
   * @default "root"
   */
  readonly access?: ClientAccess;
  /**
   * Copies the local content of `mountPath` onto the share at first boot, if the share has never
   * been seeded (under a lock on the share, never replacing a file already there).
   * @default true
   */
  readonly seedShareFromLocal?: boolean;
  /**
   * CIDR blocks (IPv4 or IPv6) allowed to reach TCP 22. Use SSM Session Manager instead where you can.
   * @default - none: no SSH ingress at all
   */
  readonly sshIngressCidrs?: readonly string[];
  /**
   * The only way to accept `0.0.0.0/0`, `::/0`, or any block wider than /8 (IPv4) or /16 (IPv6)
   * in `sshIngressCidrs`. It opens nothing by itself.
   * @default false
   */
  readonly allowSshFromAnywhere?: boolean;
  /**
   * EC2 key pair for SSH. Amazon Linux 2023 also takes keys pushed by EC2 Instance Connect.
   * @default - none
   */
  readonly keyName?: string;
  /**
   * Shell commands run as root, with `set -euo pipefail`, after the share is mounted at `mountPath`.
   * Changing them replaces the instances (or rolls the fleet), like any launch-template change.
   * May hold Terraform values (a volume id, say); only its literal text is size-checked at synth.
   * @default - none
   */
  readonly additionalUserData?: string;
  /**
   * Root volume settings. The root volume is always encrypted.
   * @default - gp3, encrypted with the default EBS key, deleted with the instance
   */
  readonly rootVolume?: RootVolumeOptions;
  /**
   * Prefix of the Name tags and of the IAM, security-group and launch-template names.
   * @default "shared-home-client"
   */
  readonly namePrefix?: string;
  /**
   * Tags on every resource, the instances and their volumes included.
   * @default - none beyond the provider's default tags
   */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Load-balancer target groups the fleet's machines register with (`placement: "fleet"` only). The
   * Auto Scaling group then also replaces machines the load balancer finds unhealthy (ELB health
   * checks), after the 300 s grace period.
   * @default - none: no load balancer, EC2 health checks
   */
  readonly targetGroupArns?: readonly string[];
  /**
   * Code synced from S3 onto local disk at boot and on demand, through an SSM document that runs
   * `scripts/sync-code.sh` on every machine of the group. The role may read only that bucket and prefix.
   * @default - no code sync
   */
  readonly codeSync?: CodeSyncOptions;
  /**
   * The code-sync group: names the SSM document (`<group>-sync-code`) and is the value of the
   * `CodeSyncGroup` tag Run Command targets. Both must be unique per account and Region, so give
   * each environment its own (the stacks use `<namePrefix>-<stack>-client`).
   * @default - namePrefix
   */
  readonly codeSyncGroup?: string;
}

/** A fixed client instance as a caller needs it. */
export interface ClientInstanceRef {
  readonly name: string;
  readonly id: string;
  readonly availabilityZone: string;
  readonly privateIp: string;
  readonly publicIp: string;
  /** `aws ssm start-session ...` for this instance. */
  readonly sessionCommand: string;
}

/** An instance whose `replace_triggered_by` entries are references in the HCL synth as well. */
class ReplaceableInstance extends Instance {
  toHclTerraform(): ReturnType<Instance["toHclTerraform"]> {
    return replaceTriggersAsReferences(super.toHclTerraform());
  }
}

/**
 * Machines that mount an EFS file system at `/home` (or `mountPath`), spread over AZs: fixed
 * instances or an Auto Scaling group, both from one launch template.
 *
 * Each machine requires IMDSv2 (hop limit 1), has an encrypted root volume, belongs to the file
 * system's client security group and to an admin group (no SSH unless asked for, from explicit
 * CIDRs only), and runs `scripts/mount-shared-home.sh` at first boot. Its instance profile allows
 * SSM Session Manager and Run Command only, and has an IAM grant on the file system, so the `tls,iam`
 * mount is authorized.
 *
 * DEVIATION from the book: no SSH from 0.0.0.0/0, no IMDSv1, and the mount script waits with a
 * bound, is idempotent and seeds `/home` once under a lock.
 */
export class EfsClients extends Construct {
  readonly role: IamRole;
  readonly instanceProfile: IamInstanceProfile;
  /** Egress for SSM and package repositories, and SSH ingress when asked for. */
  readonly adminSecurityGroup: SecurityGroup;
  readonly launchTemplate: LaunchTemplate;
  /** The fixed instances; empty for a fleet. */
  readonly instances: readonly ClientInstanceRef[];
  /** The Auto Scaling group of a fleet. */
  readonly autoScalingGroup?: AutoscalingGroup;
  /** Commands that open an SSM session on a client: one per instance, or one for a fleet. */
  readonly sessionCommands: readonly string[];
  readonly placement: Placement;
  readonly mountPath: string;
  /** The code sync's SSM document, policy and send-command line, when `codeSync` is set. */
  readonly codeSync?: CodeSync;

  constructor(scope: Construct, id: string, props: EfsClientsProps) {
    super(scope, id);
    const instanceType = props.instanceType ?? DEFAULT_INSTANCE_TYPE;
    const access = props.access ?? "root";
    const settings: MountSettings = {
      fileSystemId: props.fileSystem.fileSystemId,
      dnsName: props.fileSystem.dnsName,
      mountPath: props.mountPath ?? CLIENT_DEFAULTS.mountPath,
      mountMethod: props.mountMethod ?? CLIENT_DEFAULTS.mountMethod,
      readOnly: access === "read" || access === "read-as-root",
      seedFromLocal: props.seedShareFromLocal ?? true,
      waitSeconds: props.mountTargetWaitSeconds ?? DEFAULT_MOUNT_TARGET_WAIT_SECONDS,
    };
    validateClientsProps(this.node.path, props, settings);

    const count = props.count ?? CLIENT_DEFAULTS.count;
    const namePrefix = props.namePrefix ?? "shared-home-client";
    const syncTag: Record<string, string> = props.codeSync
      ? { [CODE_SYNC_TAG_KEY]: props.codeSyncGroup ?? namePrefix }
      : {};
    const tags = (name: string) => ({ ...props.tags, ...syncTag, Name: name });
    this.placement = props.placement ?? CLIENT_DEFAULTS.placement;
    this.mountPath = settings.mountPath;

    this.adminSecurityGroup = this.createAdminSecurityGroup(props, namePrefix);
    const identity = this.createInstanceProfile(props, namePrefix);
    this.role = identity.role;
    this.instanceProfile = identity.instanceProfile;
    this.grantAccess(props.fileSystem, access);
    if (props.codeSync) {
      this.codeSync = new CodeSync(this, "code-sync", {
        role: this.role,
        options: props.codeSync,
        namePrefix,
        group: props.codeSyncGroup,
        mountPath: settings.mountPath,
        region: props.region,
        tags: props.tags,
      });
    }

    const rootVolume = props.rootVolume ?? {};
    this.launchTemplate = new LaunchTemplate(this, "launch-template", {
      namePrefix: `${namePrefix}-`,
      description: `Clients that mount the shared file system at ${settings.mountPath}`,
      imageId:
        props.amiId ?? (GRAVITON_INSTANCE_TYPE.test(instanceType) ? AL2023_ARM64_AMI : AL2023_X86_64_AMI),
      instanceType,
      keyName: props.keyName,
      iamInstanceProfile: { arn: this.instanceProfile.arn },
      vpcSecurityGroupIds: [props.fileSystem.clientSecurityGroup.id, this.adminSecurityGroup.id],
      // IMDSv2 only; a hop limit of 1 keeps the role's credentials away from containers on the host.
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: "disabled",
      },
      blockDeviceMappings: [
        {
          deviceName: rootVolume.deviceName ?? "/dev/xvda",
          ebs: {
            encrypted: "true",
            kmsKeyId: rootVolume.kmsKeyArn,
            volumeSize: rootVolume.sizeGib,
            volumeType: "gp3",
            deleteOnTermination: "true",
          },
        },
      ],
      userData: renderUserData(
        settings,
        props.additionalUserData,
        props.codeSync && syncSettings(props.codeSync, props.region, settings.mountPath),
      ),
      updateDefaultVersion: true,
      tagSpecifications: [
        { resourceType: "instance", tags: tags(namePrefix) },
        { resourceType: "volume", tags: tags(namePrefix) },
      ],
      tags: tags(namePrefix),
      // Machines boot once the mount targets exist, so the script's wait is short on a first apply.
      dependsOn: props.fileSystem.node
        .findAll()
        .filter((c): c is EfsMountTarget => c instanceof EfsMountTarget),
    });
    const latestVersion = Token.asString(this.launchTemplate.latestVersion);

    if (this.placement === "fleet") {
      this.autoScalingGroup = new AutoscalingGroup(this, "auto-scaling-group", {
        namePrefix: `${namePrefix}-`,
        minSize: count,
        maxSize: count,
        desiredCapacity: count,
        vpcZoneIdentifier: props.subnets.map((subnet) => subnet.id),
        launchTemplate: { id: this.launchTemplate.id, version: latestVersion },
        ...(props.targetGroupArns?.length ? { targetGroupArns: [...props.targetGroupArns] } : {}),
        healthCheckType: props.targetGroupArns?.length ? "ELB" : "EC2",
        healthCheckGracePeriod: 300,
        // A new launch-template version (a changed script, say) replaces the instances, one half at a time.
        instanceRefresh: { strategy: "Rolling", preferences: { minHealthyPercentage: 50 } },
      });
      this.instances = [];
      this.sessionCommands = [fleetSessionCommand(this.autoScalingGroup.name, props.region)];
      return;
    }

    this.instances = Array.from({ length: count }, (_, i) => {
      const subnet = props.subnets[i % props.subnets.length];
      const name = `${namePrefix}-${i + 1}`;
      const instance = new ReplaceableInstance(this, `instance-${i + 1}`, {
        launchTemplate: { id: this.launchTemplate.id, version: latestVersion },
        subnetId: subnet.id,
        availabilityZone: subnet.availabilityZone,
        associatePublicIpAddress: props.associatePublicIpAddress,
        tags: tags(name),
        // The user data runs at first boot only: a new template version must mean a new instance.
        lifecycle: {
          replaceTriggeredBy: [
            `${this.launchTemplate.terraformResourceType}.${this.launchTemplate.friendlyUniqueId}.latest_version`,
          ],
        },
      });
      return {
        name,
        id: instance.id,
        availabilityZone: subnet.availabilityZone,
        privateIp: instance.privateIp,
        publicIp: instance.publicIp,
        sessionCommand: `aws ssm start-session --target ${instance.id} --region ${props.region}`,
      };
    });
    this.sessionCommands = this.instances.map((instance) => instance.sessionCommand);
  }

  /** The Auto Scaling group's name, for a fleet. */
  get autoScalingGroupName(): string | undefined {
    return this.autoScalingGroup?.name;
  }

  private createAdminSecurityGroup(props: EfsClientsProps, namePrefix: string): SecurityGroup {
    const group = new SecurityGroup(this, "admin-security-group", {
      namePrefix: `${namePrefix}-admin-`,
      description: `Administration of ${namePrefix}: SSM and package downloads out, SSH in only from listed CIDRs`,
      vpcId: props.vpcId,
      tags: { ...props.tags, Name: `${namePrefix}-admin` },
      lifecycle: { createBeforeDestroy: true },
    });
    // The Amazon DNS resolver, instance metadata and the time service are not filtered by security
    // groups (VPC user guide, "Security group rules"), so HTTPS and HTTP are all that is needed.
    new VpcSecurityGroupEgressRule(this, "https-egress", {
      securityGroupId: group.id,
      description: "HTTPS out: SSM Session Manager, AWS APIs for the EFS mount helper, package repositories",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    });
    new VpcSecurityGroupEgressRule(this, "http-egress", {
      securityGroupId: group.id,
      description: "HTTP out: package repository mirrors that redirect to plain HTTP",
      ipProtocol: "tcp",
      fromPort: 80,
      toPort: 80,
      cidrIpv4: "0.0.0.0/0",
    });
    for (const cidr of props.sshIngressCidrs ?? []) {
      const ipv6 = cidr.includes(":");
      new VpcSecurityGroupIngressRule(this, `ssh-from-${cidr.replace(/[^0-9A-Za-z]+/g, "-")}`, {
        securityGroupId: group.id,
        description: `SSH in from ${cidr}`,
        ipProtocol: "tcp",
        fromPort: SSH_PORT,
        toPort: SSH_PORT,
        cidrIpv4: ipv6 ? undefined : cidr,
        cidrIpv6: ipv6 ? cidr : undefined,
      });
    }
    return group;
  }

  private createInstanceProfile(props: EfsClientsProps, namePrefix: string) {
    // The role's construct id carries this construct's id: the file system names its grant after
    // the role, and two client groups (clients and a backup host, say) must not collide there.
    const role = new IamRole(this, `${this.node.id}-role`, {
      namePrefix: `${namePrefix}-`,
      ...roleArguments(props),
      description: `Instance role of ${namePrefix}: SSM core and EFS client access`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      }),
      tags: props.tags,
    });
    // Session Manager and Run Command only, not AmazonSSMManagedInstanceCore: see instance-role.ts.
    addSsmAgentPolicy(this, role);
    const instanceProfile = new IamInstanceProfile(this, "instance-profile", {
      namePrefix: `${namePrefix}-`,
      path: props.iamPath,
      role: role.name,
      tags: props.tags,
    });
    return { role, instanceProfile };
  }

  private grantAccess(fileSystem: ClientFileSystem, access: ClientAccess): void {
    if (access === "root") fileSystem.grantRootAccess(this.role);
    else if (access === "read-write") fileSystem.grantReadWrite(this.role);
    else if (access === "read-as-root") fileSystem.grantReadAsRoot!(this.role);
    else fileSystem.grantRead(this.role);
  }
}

function fleetSessionCommand(groupName: string, region: string): string {
  const firstInstance =
    `aws autoscaling describe-auto-scaling-groups --region ${region} --auto-scaling-group-names ${groupName}` +
    ` --query 'AutoScalingGroups[0].Instances[0].InstanceId' --output text`;
  return `aws ssm start-session --region ${region} --target "$(${firstInstance})"`;
}
