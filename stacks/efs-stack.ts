import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Network, NetworkProps, NetworkRef, SubnetRef } from "../modules/network";
import { SharedFileSystem, SharedFileSystemProps } from "../modules/efs";
import { EfsMonitoring, EfsMonitoringProps } from "../modules/monitoring";
import { EfsClients, EfsClientsProps } from "../modules/clients";
import { ValidationErrors } from "../modules/shared/validation";
import { RemoteStateOptions, useBackend } from "./backend";

/** An environment's name prefix; short, so that every prefixed AWS name stays within its limit. */
const NAME_PREFIX_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,14}$/;

/** The clients' settings a stack takes: plain values, so that a settings file can fill them. */
export type EfsStackClientsOptions = Pick<
  EfsClientsProps,
  | "count"
  | "placement"
  | "instanceType"
  | "amiId"
  | "mountPath"
  | "mountMethod"
  | "sshIngressCidrs"
  | "allowSshFromAnywhere"
  | "mountTargetWaitSeconds"
  | "targetGroupArns"
  | "codeSync"
>;

/** Which subnets the hosts (clients, backup host) go in; see `EfsStackProps.hostSubnets`. */
export const HOST_SUBNET_TIERS = ["public", "private"] as const;
export type HostSubnetTier = (typeof HOST_SUBNET_TIERS)[number];

/** Everything a stack of this project is built from; `main.ts` fills it from validated settings. */
export interface EfsStackProps {
  /** AWS Region, e.g. "eu-west-1". */
  readonly region: string;
  /** The network to create. Its `availabilityZones` must be in `region`. */
  readonly network: NetworkProps;
  /**
   * An existing VPC and its subnets, used instead of creating `network` (of which only
   * `availabilityZones` then matters). Checked by `Network.fromExisting`.
   * @default - the stack creates the network
   */
  readonly existingNetwork?: NetworkRef;
  /**
   * File-system settings. The VPC and mount-target subnets come from the network.
   * @default - the module's defaults: encrypted, elastic, generalPurpose, IA after 30 days
   */
  readonly fileSystem?: Omit<SharedFileSystemProps, "vpcId" | "subnets">;
  /**
   * Tags on every resource, through the provider's default tags.
   * @default - Project, Stack and ManagedBy tags only
   */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Alarms, alarm topic and dashboard for the file system. Always on; this tunes them.
   * @default - the module's defaults: an encrypted topic without subscriptions, the book's thresholds
   */
  readonly monitoring?: Omit<EfsMonitoringProps, "fileSystem" | "region">;
  /**
   * Keep the state in S3 (encrypted, S3-native locking), key `<keyPrefix>/<stack>.tfstate`.
   * @default - a local state file `terraform.<stack>.tfstate` in the project root
   */
  readonly remoteState?: RemoteStateOptions;
  /**
   * The machines that mount the share at `/home`, in the subnets `hostSubnets` names, in the AZs
   * that have a mount target: all of them for a regional file system, only the file system's AZ for One Zone.
   * @default - 2 fixed t3.micro instances in distinct AZs, no SSH, sessions through SSM
   */
  readonly clients?: EfsStackClientsOptions;
  /**
   * Put before the names AWS requires to be unique in an account and Region (the AWS Backup vault
   * and plan), and before the alarm and dashboard names: give each environment that shares an
   * account and Region its own, e.g. "prod". 1 to 15 letters, digits, "-" or "_".
   * @default - none: the names of deployments made before this option existed
   */
  readonly namePrefix?: string;
  /**
   * `public`: hosts in the public subnets with public IPv4 addresses, as in the book. `private`:
   * hosts in the private subnets without public addresses, reaching AWS through VPC endpoints
   * (an S3 gateway for dnf, interface endpoints for SSM and what else the stack uses), which cost
   * per AZ and hour: see docs/modules/network.md, "Hosts in private subnets".
   * @default "public"
   */
  readonly hostSubnets?: HostSubnetTier;
}

/**
 * The book's shared `/home`: a VPC over two or more AZs and an encrypted EFS file system with one
 * mount target per AZ.
 */
export class EfsStack extends TerraformStack {
  readonly network: NetworkRef;
  readonly sharedFileSystem: SharedFileSystem;
  readonly monitoring: EfsMonitoring;
  readonly clients: EfsClients;
  /** Where the hosts go: the public subnets, or the private ones with `hostSubnets: "private"`. */
  readonly hostSubnets: readonly SubnetRef[];

  constructor(scope: Construct, name: string, props: EfsStackProps) {
    super(scope, name);
    const errors = new ValidationErrors(this.node.path);
    errors.checkFormat(
      "namePrefix",
      props.namePrefix,
      NAME_PREFIX_PATTERN,
      'must be 1 to 15 letters, digits, "-" or "_", starting with a letter or digit (it starts AWS resource names)',
    );
    errors.throwIfAny();
    useBackend(this, name, props.remoteState);
    new AwsProvider(this, "aws", {
      region: props.region,
      defaultTags: [{ tags: { Project: "efs-shared-home", Stack: name, ManagedBy: "cdktf", ...props.tags } }],
    });

    const privateHosts = props.hostSubnets === "private";
    // An existing VPC brings its own routes and endpoints; endpoints are made only in a VPC made here.
    this.network = props.existingNetwork
      ? Network.fromExisting(props.existingNetwork)
      : new Network(this, "network", {
          ...props.network,
          vpcEndpoints: props.network.vpcEndpoints ?? (privateHosts ? { region: props.region } : undefined),
          // No host runs in the public subnets then, so they need not hand out public IPs (FSBP EC2.15).
          publicSubnetsMapPublicIp: props.network.publicSubnetsMapPublicIp ?? !privateHosts,
        });
    this.sharedFileSystem = new SharedFileSystem(this, "shared-file-system", {
      ...props.fileSystem,
      vpcId: this.network.vpcId,
      subnets: mountTargetSubnets(this.network.privateSubnets, props.fileSystem?.oneZoneAvailabilityZone),
    });
    // Hosts go only to AZs with a mount target: for One Zone, the file system's AZ alone.
    this.hostSubnets = subnetsWithMountTarget(
      privateHosts ? this.network.privateSubnets : this.network.publicSubnets,
      this.sharedFileSystem,
    );
    this.monitoring = new EfsMonitoring(this, "monitoring", {
      namePrefix: props.namePrefix === undefined ? name : `${props.namePrefix}-${name}`,
      ...props.monitoring,
      fileSystem: this.sharedFileSystem,
      region: props.region,
    });
    this.clients = new EfsClients(this, "clients", {
      ...props.clients,
      vpcId: this.network.vpcId,
      subnets: this.hostSubnets,
      associatePublicIpAddress: privateHosts ? false : undefined,
      fileSystem: this.sharedFileSystem,
      region: props.region,
      namePrefix: `${name}-client`,
    });
    this.network.endpoints?.allowHttpsFrom(this.clients.adminSecurityGroup);
    this.addOutputs();
  }

  private addOutputs(): void {
    const fs = this.sharedFileSystem;
    const outputs: Record<string, { value: unknown; description: string }> = {
      vpc_id: { value: this.network.vpcId, description: "VPC id" },
      availability_zones: { value: this.network.availabilityZones, description: "AZs of the subnets" },
      public_subnet_ids: {
        value: Object.fromEntries(this.network.publicSubnets.map((s) => [s.availabilityZone, s.id])),
        description: "Public (client) subnet ids by AZ",
      },
      private_subnet_ids: {
        value: Object.fromEntries(this.network.privateSubnets.map((s) => [s.availabilityZone, s.id])),
        description: "Private (mount-target) subnet ids by AZ",
      },
      file_system_id: { value: fs.fileSystemId, description: "EFS file system id" },
      file_system_arn: { value: fs.fileSystemArn, description: "EFS file system ARN" },
      file_system_dns_name: { value: fs.dnsName, description: "DNS name clients mount" },
      mount_target_ids: {
        value: Object.fromEntries(fs.mountTargets.map((m) => [m.availabilityZone, m.id])),
        description: "Mount target ids by AZ",
      },
      mount_target_ips: {
        value: Object.fromEntries(fs.mountTargets.map((m) => [m.availabilityZone, m.ipAddress])),
        description: "Mount target IP addresses by AZ",
      },
      mount_target_security_group_id: {
        value: fs.mountTargetSecurityGroup.id,
        description: "Security group on the mount targets",
      },
      client_security_group_id: {
        value: fs.clientSecurityGroup.id,
        description: "Security group that lets a machine reach the mount targets",
      },
      alarm_topic_arn: {
        value: this.monitoring.topicArn,
        description: "SNS topic of the EFS alarms; subscribe to it to be notified",
      },
      dashboard_name: {
        value: this.monitoring.dashboardName,
        description: "CloudWatch dashboard of the file system",
      },
    };
    Object.assign(outputs, this.clientOutputs());
    for (const [id, output] of Object.entries(outputs)) {
      new TerraformOutput(this, id, output);
    }
  }

  private clientOutputs(): Record<string, { value: unknown; description: string }> {
    const clients = this.clients;
    const adminGroup = {
      client_admin_security_group_id: {
        value: clients.adminSecurityGroup.id,
        description: "Security group for administering the clients (SSH rules go here)",
      },
      ...codeSyncOutputs(clients),
    };
    if (clients.autoScalingGroup) {
      return {
        ...adminGroup,
        client_auto_scaling_group_name: {
          value: clients.autoScalingGroup.name,
          description: "Auto Scaling group of the clients",
        },
        client_ssm_session_command: {
          value: clients.sessionCommands[0],
          description: "Opens an SSM session on a client of the fleet",
        },
      };
    }
    const byName = (pick: (i: (typeof clients.instances)[number]) => string) =>
      Object.fromEntries(clients.instances.map((instance) => [instance.name, pick(instance)]));
    return {
      ...adminGroup,
      client_instance_ids: { value: byName((i) => i.id), description: "Client instance ids by name" },
      client_availability_zones: {
        value: byName((i) => i.availabilityZone),
        description: "AZ of each client",
      },
      client_private_ips: { value: byName((i) => i.privateIp), description: "Private IP of each client" },
      client_public_ips: { value: byName((i) => i.publicIp), description: "Public IP of each client" },
      client_ssm_session_commands: {
        value: byName((i) => i.sessionCommand),
        description: "Opens an SSM session on each client: aws ssm start-session --target <id>",
      },
    };
  }
}

/** The code sync's document and target tag, literal values that `npm run fleet-sync -- <stack>` reads. */
function codeSyncOutputs(clients: EfsClients): Record<string, { value: unknown; description: string }> {
  const sync = clients.codeSync;
  if (!sync) return {};
  return {
    code_sync_document_name: {
      value: sync.documentName,
      description: "SSM document that syncs the code from S3 on every client",
    },
    code_sync_target_tag: {
      value: `${sync.targetTag.key}=${sync.targetTag.value}`,
      description: "Tag (key=value) that every client carries; Run Command targets it",
    },
    code_sync_command: {
      value: sync.sendCommand,
      description: "Syncs the code on every client now: npm run fleet-sync -- <stack> also waits and reports",
    },
  };
}

/** A regional file system gets a mount target in every private subnet; a One Zone one only in its AZ. */
function mountTargetSubnets(
  privateSubnets: readonly SubnetRef[],
  oneZone: string | undefined,
): readonly SubnetRef[] {
  return oneZone === undefined
    ? privateSubnets
    : privateSubnets.filter((s) => s.availabilityZone === oneZone);
}

/**
 * The subnets in AZs where the file system has a mount target. A client elsewhere cannot mount: the
 * file system's DNS name resolves only in AZs with a mount target (EFS User Guide, "Mounting with
 * DNS names"). For One Zone that is the file system's AZ alone, which also keeps NFS traffic free
 * of cross-AZ charges; clients in other AZs would gain no availability, as the data lives in one AZ.
 */
export function subnetsWithMountTarget(
  subnets: readonly SubnetRef[],
  fileSystem: Pick<SharedFileSystem, "mountTargets">,
): readonly SubnetRef[] {
  const zones = new Set(fileSystem.mountTargets.map((m) => m.availabilityZone));
  return subnets.filter((subnet) => zones.has(subnet.availabilityZone));
}
